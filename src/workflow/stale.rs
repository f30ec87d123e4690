//! Leftovers of interrupted saves.
//!
//! [`write_atomic`](super::text::write_atomic) writes a `.lapis-save-*.tmp`
//! file beside the target and renames it over the target. Every failure Lapis
//! sees removes that file, but a process killed mid-save (power loss,
//! `kill -9`) cannot: the next save into the same folder removes such files
//! once they are old enough that no other save can still be writing them.

use std::path::Path;
use std::time::{Duration, SystemTime};

/// Prefix of the temporary files of a save.
pub const PREFIX: &str = ".lapis-save-";
/// Suffix of the temporary files of a save.
pub const SUFFIX: &str = ".tmp";
/// A temporary file untouched for this long belongs to no running save.
pub const STALE_AFTER: Duration = Duration::from_secs(60);

/// Whether a file name is one of our save temporaries: the prefix, the
/// suffix, and between them only the random characters `tempfile` uses.
pub fn is_save_temp(name: &str) -> bool {
    let Some(mid) = name
        .strip_prefix(PREFIX)
        .and_then(|r| r.strip_suffix(SUFFIX))
    else {
        return false;
    };
    !mid.is_empty() && mid.len() <= 32 && mid.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Removes the save temporaries in `dir` last modified more than `older_than`
/// ago. Only regular files whose name matches [`is_save_temp`] are touched;
/// errors are ignored (this is housekeeping, the save itself must not fail
/// because of it). Returns how many were removed.
pub fn remove_stale(dir: &Path, older_than: Duration) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let now = SystemTime::now();
    let mut removed = 0;
    // A folder can be huge; looking at names is cheap, but stop after a
    // bounded number of entries so a save never scans without end.
    for entry in entries.flatten().take(100_000) {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !is_save_temp(name) {
            continue;
        }
        // `symlink_metadata`: a link named like our files is not followed.
        let Ok(meta) = std::fs::symlink_metadata(entry.path()) else {
            continue;
        };
        if !meta.file_type().is_file() {
            continue;
        }
        let old = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age >= older_than);
        if old && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_pattern_matches() {
        assert!(is_save_temp(".lapis-save-AbC123.tmp"));
        assert!(!is_save_temp(".lapis-save-.tmp"));
        assert!(!is_save_temp("lapis-save-abc.tmp"));
        assert!(!is_save_temp(".lapis-save-abc.tmp.bak"));
        assert!(!is_save_temp(".lapis-save-a/b.tmp"));
        assert!(!is_save_temp("workflow.json"));
    }
}
