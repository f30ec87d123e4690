//! Serving the Request trigger as Azure secures it: signed callback URLs
//! ([`sas`]), access keys ([`keys`]), IP allow-lists (from the workflow's
//! `accessControl`, see [`crate::workflow::access`]), the run history API
//! and its `contents`/`actions` filters ([`history_view`]), and the HTTP
//! server itself ([`server`]).
//!
//! No egui here: the command line (`lapis serve`, `lapis callback-url`,
//! `lapis keys regenerate`) and the designer are faces over this module.

pub mod client;
pub mod history_view;
pub mod keys;
pub mod sas;
pub mod server;

pub use keys::{KeyKind, KeyStore, Keys};
pub use server::{Config, Served, Server};

use serde_json::json;

/// A refused request: the status and Azure's error body
/// `{"error": {"code", "message"}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// HTTP status.
    pub status: u16,
    /// Error code (Azure's where it has one, see the README).
    pub code: &'static str,
    /// One readable message, never anything about a key.
    pub message: String,
}

impl Refusal {
    /// A refusal.
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Refusal {
        Refusal {
            status,
            code,
            message: message.into(),
        }
    }

    /// The JSON body.
    pub fn body(&self) -> String {
        json!({"error": {"code": self.code, "message": self.message}}).to_string()
    }
}

/// Writes `bytes` to `path` atomically (temporary file in the same
/// folder, fsync, rename).
pub fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
