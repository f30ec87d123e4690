//! File chores of the designer that need no window: the recovery copy that
//! survives a crash, and the list of recent files.

use crate::workflow::text::write_atomic;
use crate::workflow::Document;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// How many recent files are remembered.
pub const MAX_RECENT: usize = 10;

pub use crate::paths::data_dir;

/// One recovery copy on disk.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecoveryFile {
    /// The file the work belonged to, if it had one.
    pub original: Option<PathBuf>,
    /// Seconds since the Unix epoch when the copy was written.
    pub saved_at: u64,
    /// The process that wrote it.
    pub pid: u32,
    /// The document's bytes as they would be saved (base64), so the file's
    /// encoding and indentation come back too.
    pub bytes: String,
}

/// A recovery copy found at start-up.
#[derive(Debug, Clone)]
pub struct Found {
    /// The recovery file itself.
    pub file: PathBuf,
    /// What it holds.
    pub copy: RecoveryFile,
}

impl Found {
    /// The document it holds, pointing at the original path, or an error
    /// that says why it cannot be read.
    pub fn document(&self) -> Result<Document, String> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&self.copy.bytes)
            .map_err(|e| format!("{}: {e}", self.file.display()))?;
        Document::from_bytes(&bytes, self.copy.original.as_deref()).map_err(|e| e.to_string())
    }

    /// A line for the recovery prompt.
    pub fn describe(&self) -> String {
        let name = self
            .copy
            .original
            .as_deref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "an untitled workflow".into());
        let age = now_secs().saturating_sub(self.copy.saved_at);
        format!("{name}, saved {} ago", human_age(age))
    }
}

fn human_age(secs: u64) -> String {
    match secs {
        0..=59 => format!("{secs} s"),
        60..=3599 => format!("{} min", secs / 60),
        3600..=86_399 => format!("{} h", secs / 3600),
        _ => format!("{} days", secs / 86_400),
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The recovery copies of one running designer.
#[derive(Debug, Clone)]
pub struct Recovery {
    dir: PathBuf,
    file: PathBuf,
}

impl Recovery {
    /// Recovery in `dir` (created when first written), for this process.
    pub fn new(dir: PathBuf) -> Recovery {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let file = dir.join(format!("recovery-{}-{nanos}.json", std::process::id()));
        Recovery { dir, file }
    }

    /// Recovery in the default data folder.
    pub fn default_location() -> Option<Recovery> {
        data_dir().map(|d| Recovery::new(d.join("recovery")))
    }

    /// Where this process writes its copy.
    pub fn path(&self) -> &Path {
        &self.file
    }

    /// Writes (atomically) the recovery copy of a document, with every
    /// secret typed in clear left out (see [`without_secrets`]). Returns
    /// how many were left out.
    pub fn write(&self, doc: &Document) -> std::io::Result<usize> {
        let (doc, left_out) = without_secrets(doc);
        std::fs::create_dir_all(&self.dir)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&self.dir, std::fs::Permissions::from_mode(0o700));
        }
        let copy = RecoveryFile {
            original: doc.path.clone(),
            saved_at: now_secs(),
            pid: std::process::id(),
            bytes: base64::engine::general_purpose::STANDARD.encode(doc.to_bytes()),
        };
        let text = serde_json::to_vec(&copy).map_err(std::io::Error::other)?;
        write_atomic(&self.file, &text)?;
        Ok(left_out)
    }

    /// Removes this process's copy (after a save, or a clean exit).
    pub fn clear(&self) {
        let _ = std::fs::remove_file(&self.file);
    }

    /// Copies left by designers that are no longer running, newest first.
    pub fn leftovers(&self) -> Vec<Found> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for e in entries.flatten() {
            let path = e.path();
            if path == self.file || path.extension().is_none_or(|x| x != "json") {
                continue;
            }
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            let Ok(copy) = serde_json::from_slice::<RecoveryFile>(&bytes) else {
                continue;
            };
            if copy.pid != std::process::id() && process_alive(copy.pid) {
                continue;
            }
            out.push(Found { file: path, copy });
        }
        out.sort_by_key(|f| std::cmp::Reverse(f.copy.saved_at));
        out
    }
}

/// The document with every secret that the secret scan finds in clear
/// replaced by an empty string (the secret part only, for one inside a
/// longer string), and how many were replaced. Everything else is kept, so
/// the work survives; the secrets never reach the disk.
pub fn without_secrets(doc: &Document) -> (Document, usize) {
    let mut findings = crate::export::scan_document(doc);
    if findings.is_empty() {
        return (doc.clone(), 0);
    }
    // Within a string, later spans first, so that earlier ranges stay valid.
    findings.sort_by(|a, b| {
        a.pointer.cmp(&b.pointer).then_with(|| {
            b.span
                .as_ref()
                .map(|r| r.start)
                .cmp(&a.span.as_ref().map(|r| r.start))
        })
    });
    let mut out = doc.clone();
    let mut count = 0;
    for f in &findings {
        let Some(slot) = out.root.pointer_mut(&f.pointer) else {
            continue;
        };
        match (&f.span, slot) {
            (Some(r), serde_json::Value::String(s))
                if r.start < r.end && s.get(r.clone()).is_some() =>
            {
                s.replace_range(r.clone(), "");
                count += 1;
            }
            (None, slot) if slot.as_str() != Some("") => {
                *slot = serde_json::Value::String(String::new());
                count += 1;
            }
            _ => {}
        }
    }
    (out, count)
}

/// The status line after a recovery copy left `n` secret(s) out.
pub fn left_out_message(n: usize) -> String {
    format!(
        "{n} secret(s) typed in clear were left out of the recovery copy: move them to secure parameters (the rest of your work is kept)"
    )
}

/// Whether another process with this id runs (Linux: `/proc/<pid>`;
/// elsewhere, assume not, so copies are always offered).
fn process_alive(pid: u32) -> bool {
    cfg!(target_os = "linux") && Path::new(&format!("/proc/{pid}")).exists()
}

/// Puts `path` first in a recent-files list, without duplicates.
pub fn push_recent(list: &mut Vec<PathBuf>, path: &Path) {
    let p = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    list.retain(|x| *x != p);
    list.insert(0, p);
    list.truncate(MAX_RECENT);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_secret_inside_a_longer_string_is_cut_out_and_the_rest_kept() {
        let sig = "Qm9ndXNTaWduYXR1cmVGb3JUZXN0czEyMzQ1Njc4OTA";
        let doc = Document::from_value(json!({
            "triggers": {},
            "actions": {"Upload": {"type": "Http", "runAfter": {}, "inputs": {
                "method": "PUT",
                "uri": format!("https://store.example.net/c/blob?sv=2022-11-02&sp=w&sig={sig}"),
                "authentication": {"type": "Basic", "username": "svc", "password": "Pa55-literal-word!"}
            }}}
        }))
        .unwrap();
        let (clean, n) = without_secrets(&doc);
        assert_eq!(n, 2, "{:?}", crate::export::scan_document(&doc));
        let text = String::from_utf8(clean.to_bytes()).unwrap();
        assert!(
            !text.contains(sig) && !text.contains("Pa55-literal-word!"),
            "{text}"
        );
        let inputs = &clean.root["actions"]["Upload"]["inputs"];
        let uri = inputs["uri"].as_str().unwrap();
        assert!(
            uri.starts_with("https://store.example.net/c/blob?sv=2022-11-02"),
            "{uri}"
        );
        assert_eq!(inputs["authentication"]["password"], "");
        assert_eq!(inputs["authentication"]["username"], "svc");
        assert!(crate::export::scan_document(&clean).is_empty());
        // Nothing to leave out: the same document.
        assert_eq!(without_secrets(&clean), (clean.clone(), 0));
    }
}
