//! What a local run produces: the run record shared by the executor, the run
//! history store, the command line (`lapis run`, `lapis runs`) and the
//! designer's run view.
//!
//! The JSON shape is the one `lapis run --format json` prints:
//! `{"run_id", "status", "start", "end", "trigger": {…}, "actions": {"NAME":
//! {"status", "code", "start", "end", "inputs", "outputs", "error": {"code",
//! "message"}, "retries", "diagnosis", "repetitions": [{"index", "status", "code", "inputs",
//! "outputs", "error"}]}}, "response": {"status", "headers", "body"},
//! "outputs": {…}}`. Values of secured inputs and outputs are replaced by
//! [`HIDDEN`] before a record leaves the executor.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What the portal shows in place of a secured input or output.
pub const HIDDEN: &str = "hidden (secure)";

/// The status of a run, an action or one repetition, as Logic Apps names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Status {
    /// Not started yet (only seen while a run is in progress).
    Waiting,
    /// Started, not finished.
    Running,
    /// Finished without error.
    Succeeded,
    /// Finished with an error.
    Failed,
    /// Not run: a run-after condition was not met.
    Skipped,
    /// Stopped by its timeout (or the run's).
    TimedOut,
    /// Stopped by the user, or by a Terminate with status Cancelled.
    Cancelled,
}

impl Status {
    /// Whether the status is final.
    pub fn is_final(self) -> bool {
        !matches!(self, Status::Waiting | Status::Running)
    }

    /// The name as written in `runAfter` and in run history.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Waiting => "Waiting",
            Status::Running => "Running",
            Status::Succeeded => "Succeeded",
            Status::Failed => "Failed",
            Status::Skipped => "Skipped",
            Status::TimedOut => "TimedOut",
            Status::Cancelled => "Cancelled",
        }
    }

    /// Parses a `runAfter` status name (case-insensitive, as Azure accepts).
    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::Waiting,
            Status::Running,
            Status::Succeeded,
            Status::Failed,
            Status::Skipped,
            Status::TimedOut,
            Status::Cancelled,
        ]
        .into_iter()
        .find(|st| st.as_str().eq_ignore_ascii_case(s))
    }
}

/// An error as run history shows it: `{"code", "message"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunError {
    /// Logic Apps' error code, e.g. `ActionFailed`, `InvalidTemplate`,
    /// `ActionResponseTimedOut`, `Terminated`, `NotSupportedLocally`.
    pub code: String,
    /// One readable message.
    pub message: String,
}

/// One iteration of a Foreach or Until (or one call of a retried action's
/// loop body), by index from 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Repetition {
    /// The iteration, from 0.
    pub index: u64,
    /// The iteration's status.
    pub status: Status,
    /// The code run history shows beside the status (see [`ActionRun::code`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Inputs of the action in this iteration (actions inside a loop run
    /// once per iteration: their record holds one repetition per run).
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub inputs: Value,
    /// Outputs in this iteration.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub outputs: Value,
    /// The error, when it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<RunError>,
}

/// What one action (or the trigger) did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionRun {
    /// Its status.
    pub status: Status,
    /// The code Azure's run history shows beside the status: the HTTP
    /// status name of an Http action (`OK`, `NotFound`, `429`), `OK` for
    /// Compose and data operations, `NotSpecified` for variable actions,
    /// Terminate and control actions that succeeded, `ActionSkipped`,
    /// `ActionFailed`, `BadRequest` for an expression that failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// RFC 3339 start time (absent when Skipped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// RFC 3339 end time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    /// Evaluated inputs ([`HIDDEN`] when secured).
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub inputs: Value,
    /// Outputs ([`HIDDEN`] when secured).
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub outputs: Value,
    /// The error, when it failed or timed out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<RunError>,
    /// How many retries the retry policy made (0 when the first try was
    /// final).
    #[serde(default)]
    pub retries: u32,
    /// Lapis's explanation of a failed Http call (App Proxy pages, token
    /// errors), kept out of `error`, which holds what Azure would show.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<String>,
    /// Per-iteration records of an action inside a Foreach or Until.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repetitions: Vec<Repetition>,
}

/// What the caller of the Request trigger got from a Response action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResponse {
    /// HTTP status code.
    pub status: u16,
    /// Headers.
    #[serde(default)]
    pub headers: Map<String, Value>,
    /// Body ([`HIDDEN`] when the Response's inputs are secured).
    #[serde(default)]
    pub body: Value,
}

/// One whole run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// Unique id of the run (Logic Apps-like, e.g. `08584…CU00`).
    pub run_id: String,
    /// The workflow's name.
    #[serde(default)]
    pub workflow: String,
    /// The file it was run from, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The run's status.
    pub status: Status,
    /// RFC 3339 start.
    pub start: String,
    /// RFC 3339 end (absent while running).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    /// The run's error (for a Failed run: the first unhandled failure or the
    /// Terminate's code and message).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<RunError>,
    /// The trigger: `{"name", "status", "inputs", "outputs"}`; outputs is
    /// `{"headers", "queries", "relativePathParameters", "body"}` for a
    /// Request trigger.
    pub trigger: Value,
    /// Every action that the run reached, nested ones included, by name
    /// (names are unique across a workflow).
    pub actions: Map<String, Value>,
    /// The Response sent to the caller, when one was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<RunResponse>,
    /// The workflow's `outputs`, evaluated at the end.
    #[serde(default)]
    pub outputs: Map<String, Value>,
}

impl Run {
    /// The record of one action, parsed.
    pub fn action(&self, name: &str) -> Option<ActionRun> {
        self.actions
            .get(name)
            .and_then(|v| serde_json::from_value(v.clone()).ok())
    }
}

/// The request the Request trigger is fired with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TriggerRequest {
    /// HTTP method (default POST).
    #[serde(default)]
    pub method: Option<String>,
    /// Headers, in order.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// Query parameters, in order.
    #[serde(default)]
    pub query: Vec<(String, String)>,
    /// The relative path after `/invoke` (e.g. `orders/42`), matched
    /// against the trigger's `relativePath` template.
    #[serde(default)]
    pub relative_path: Option<String>,
    /// The body: JSON when it parses as JSON, else a string.
    #[serde(default)]
    pub body: Value,
}

/// A mock that replaces one action: `{"status": "Succeeded|Failed",
/// "outputs": {…}, "error": {…}}` (the `--mock ACTION=FILE` file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mock {
    /// The status the action finishes with.
    pub status: Status,
    /// Its outputs.
    #[serde(default)]
    pub outputs: Value,
    /// Its error when Failed.
    #[serde(default)]
    pub error: Option<RunError>,
}
