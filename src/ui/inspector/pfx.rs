//! Loading a certificate file into a `pfx` field: the background job and
//! the reading and encoding of the file. Nothing here draws.

use base64::Engine as _;
use std::path::Path;
use std::sync::mpsc;

/// Largest certificate file loaded into a `pfx` field.
const MAX_PFX_BYTES: u64 = 1024 * 1024;

/// A certificate being read and encoded in the background.
#[derive(Debug)]
pub(crate) struct PfxJob {
    /// The `pfx` field to fill.
    pub(crate) target: String,
    /// The answer: the base64 text and what to say, or an error.
    pub(crate) rx: mpsc::Receiver<Result<(String, String), String>>,
    /// When it started, and whether it asked the system's file dialog.
    pub(crate) started: std::time::Instant,
    pub(crate) dialog: bool,
}

/// Reads a certificate file and base64-encodes it.
pub(crate) fn read_pfx(path: &Path) -> Result<(String, String), String> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {name}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("{name} is not a file"));
    }
    if meta.len() > MAX_PFX_BYTES {
        return Err(format!(
            "{name} has {} bytes; a certificate file is far smaller (at most {MAX_PFX_BYTES})",
            meta.len()
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {name}: {e}"))?;
    if bytes.is_empty() {
        return Err(format!("{name} is empty"));
    }
    let text = base64::engine::general_purpose::STANDARD.encode(&bytes);
    Ok((text, format!("Loaded {name} ({} bytes)", bytes.len())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pfx_files_are_read_as_base64() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.pfx");
        std::fs::write(&p, [0u8, 1, 2, 255]).unwrap();
        let (text, note) = read_pfx(&p).unwrap();
        assert_eq!(text, "AAEC/w==");
        assert!(note.contains("4 bytes"));
        assert!(read_pfx(&dir.path().join("missing.pfx")).is_err());
        std::fs::write(&p, []).unwrap();
        assert!(read_pfx(&p).is_err());
    }
}
