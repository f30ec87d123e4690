//! Lapis: a native desktop designer for Azure Logic Apps workflows that reach
//! on-premises APIs through Microsoft Entra application proxy.
//!
//! The core (everything but `ui` and `cli`) knows nothing of any window.

pub mod cli;
pub mod graph;
pub mod synth;
pub mod workflow;
