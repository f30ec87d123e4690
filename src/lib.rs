//! Lapis: a native desktop designer for Azure Logic Apps workflows that reach
//! on-premises APIs through Microsoft Entra application proxy.
//!
//! The core knows nothing of any window or terminal; the command line
//! (`src/cli.rs`) is a thin face over it, compiled into the binary only.

#![warn(missing_docs)]

pub mod export;
pub mod expr;
pub mod graph;
pub mod invoke;
pub mod paths;
pub mod run;
pub mod sandbox;
pub mod secrets;
pub mod serve;
pub mod synth;
pub mod ui;
pub mod wftest;
pub mod workflow;
