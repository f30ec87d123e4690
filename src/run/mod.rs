//! Running a workflow on the desk: the executor (`engine`), the run record
//! ([`model`]) and the run history store (`history`).

pub mod history;
pub mod model;

pub use model::{
    ActionRun, Mock, Repetition, Run, RunError, RunResponse, Status, TriggerRequest, HIDDEN,
};

pub mod engine;

pub use engine::{new_run_id, run, Observer, Responder, RunOptions, RunSetupError};
