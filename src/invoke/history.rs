//! The test-call history of a workflow, kept across restarts: one JSON
//! file per workflow file under the data folder (`test-history/`), written
//! atomically. A row holds what was sent and what came back in a line —
//! method, URL, status, the failure's reason, total time — and the body
//! only when it is text no larger than [`MAX_BODY`]. Every text goes
//! through the call's redactor first, so no secret reaches the file
//! (URLs, reasons and bodies alike).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Outcome;
use crate::secrets::Redactor;

/// Bodies larger than this are not kept in the history (bytes).
pub const MAX_BODY: usize = 16 * 1024;
/// Rows kept per workflow, newest last.
pub const MAX_ROWS: usize = 50;

/// One call, as the history keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// When the call started (RFC 3339).
    pub started_at: String,
    /// The action called.
    pub action: String,
    /// Method.
    pub method: String,
    /// URL (redacted).
    pub url: String,
    /// The answer's status, when one came.
    #[serde(default)]
    pub status: Option<u16>,
    /// The answer's reason phrase.
    #[serde(default)]
    pub reason_phrase: String,
    /// Why the call failed (the diagnosis' headline), for a failed call.
    #[serde(default)]
    pub failure: Option<String>,
    /// Total time, milliseconds.
    pub total_ms: f64,
    /// The body as text (redacted), when it was text of at most
    /// [`MAX_BODY`] bytes.
    #[serde(default)]
    pub body: Option<String>,
}

impl Record {
    /// The row for `o`, every text through `redactor`.
    pub fn from_outcome(o: &Outcome, redactor: &Redactor) -> Record {
        let r = o.response.as_ref();
        let failed = o.failure.is_some() || r.is_some_and(|r| r.status >= 400);
        let failure = if failed {
            Some(match &o.diagnosis {
                Some(d) => d.message.clone(),
                None => match r {
                    Some(r) => format!("HTTP {} {}", r.status, r.reason).trim().to_owned(),
                    None => "no answer".to_owned(),
                },
            })
        } else {
            None
        };
        let body = r.and_then(|r| {
            let whole = r.spilled_to.is_none() && r.body.len() as u64 == r.body_len;
            if !whole || r.body.is_empty() || r.body.len() > MAX_BODY {
                return None;
            }
            std::str::from_utf8(&r.body)
                .ok()
                .map(|t| redactor.redact(t))
        });
        Record {
            started_at: o.started_at.clone(),
            action: o.action.clone(),
            method: o.request.method.clone(),
            url: redactor.redact(&o.request.url),
            status: r.map(|r| r.status),
            reason_phrase: r.map(|r| r.reason.clone()).unwrap_or_default(),
            failure: failure.map(|f| redactor.redact(&f)),
            total_ms: o.timings.total,
            body,
        }
    }

    /// True when the call failed (no answer, or a 4xx/5xx answer).
    pub fn failed(&self) -> bool {
        self.failure.is_some()
    }
}

/// The history file of the workflow file `workflow` under `data_dir`:
/// `test-history/<file name>-<hash of its absolute path>.json`.
pub fn file_for(data_dir: &Path, workflow: &Path) -> PathBuf {
    use std::hash::{Hash, Hasher};
    let abs = std::path::absolute(workflow).unwrap_or_else(|_| workflow.to_path_buf());
    // FNV-1a: stable across runs and Rust versions (DefaultHasher is not).
    struct Fnv(u64);
    impl Hasher for Fnv {
        fn finish(&self) -> u64 {
            self.0
        }
        fn write(&mut self, bytes: &[u8]) {
            for b in bytes {
                self.0 ^= u64::from(*b);
                self.0 = self.0.wrapping_mul(0x100_0000_01b3);
            }
        }
    }
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    abs.to_string_lossy().as_bytes().hash(&mut h);
    let stem: String = workflow
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    data_dir
        .join("test-history")
        .join(format!("{stem}-{:016x}.json", h.finish()))
}

/// The rows in `file`, oldest first; none when it does not exist.
pub fn load(file: &Path) -> Result<Vec<Record>, String> {
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("{}: {e}", file.display())),
    };
    serde_json::from_slice::<Vec<Record>>(&bytes).map_err(|e| {
        format!(
            "{}: line {} column {}: {e}",
            file.display(),
            e.line(),
            e.column()
        )
    })
}

/// Writes `rows` (the last [`MAX_ROWS`]) to `file` atomically: a
/// temporary file in the same folder, synced, then renamed.
pub fn save(file: &Path, rows: &[Record]) -> std::io::Result<()> {
    let dir = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir)?;
    let keep = &rows[rows.len().saturating_sub(MAX_ROWS)..];
    let text = serde_json::to_vec_pretty(keep).map_err(std::io::Error::other)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(tmp.as_file_mut(), &text)?;
    tmp.as_file().sync_all()?;
    tmp.persist(file).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(i: usize) -> Record {
        Record {
            started_at: format!("2026-01-01T00:00:{:02}Z", i % 60),
            action: "Get".into(),
            method: "GET".into(),
            url: "https://a.msappproxy.net/".into(),
            status: Some(200),
            reason_phrase: "OK".into(),
            failure: None,
            total_ms: 1.0,
            body: None,
        }
    }

    #[test]
    fn save_load_keeps_the_last_rows() {
        let dir = tempfile::tempdir().unwrap();
        let f = file_for(dir.path(), Path::new("/x/my flow.json"));
        assert!(f.starts_with(dir.path().join("test-history")));
        assert!(f
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("my_flow-"));
        assert_eq!(load(&f).unwrap(), Vec::new());
        let rows: Vec<Record> = (0..MAX_ROWS + 5).map(record).collect();
        save(&f, &rows).unwrap();
        let back = load(&f).unwrap();
        assert_eq!(back.len(), MAX_ROWS);
        assert_eq!(back[0], rows[5]);
        // Another workflow file has its own history.
        assert_ne!(f, file_for(dir.path(), Path::new("/x/other.json")));
    }

    #[test]
    fn a_broken_file_is_an_error_with_a_place() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("h.json");
        std::fs::write(&f, "[{\"x\": 1}").unwrap();
        let e = load(&f).unwrap_err();
        assert!(e.contains("h.json") && e.contains("line 1"), "{e}");
    }
}
