//! `lapis diff`: a semantic diff of two versions of a workflow, also usable
//! as a git external diff driver.

use lapis::workflow::diff::{describe, diff_documents, WorkflowDiff};
use lapis::workflow::Document;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Arguments of `lapis diff`.
#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    /// OLD NEW, or the seven arguments git passes to an external diff
    /// driver (path old-file old-hex old-mode new-file new-hex new-mode).
    #[arg(num_args = 2..=7, required = true)]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = super::ReportFormat::Text)]
    pub format: super::ReportFormat,
}

fn load(p: &Path) -> Result<Option<Document>, String> {
    // git passes /dev/null for an added or deleted file.
    if p == Path::new("/dev/null") {
        return Ok(None);
    }
    Document::load(p).map(Some).map_err(|e| e.to_string())
}

/// Exit 0 when the versions are the same, 1 when they differ, 2 for bad
/// input. As a git driver (7 arguments) it exits 0 whenever it could
/// compare: git stops at a driver that exits non-zero.
pub fn cmd_diff(a: &DiffArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let (label, old, new, git) = match a.files.as_slice() {
        [old, new] => (None, old, new, false),
        [path, old, _, _, new, _, _] => (Some(path), old, new, true),
        _ => {
            let _ = writeln!(
                err,
                "error: lapis diff takes OLD NEW, or the 7 arguments of a git external diff driver"
            );
            return 2;
        }
    };
    let (o, n) = match (load(old), load(new)) {
        (Ok(o), Ok(n)) => (o, n),
        (Err(e), _) | (_, Err(e)) => {
            let _ = writeln!(err, "error: {e}");
            return 2;
        }
    };
    let empty = Document::new_definition();
    let diffs: Vec<WorkflowDiff> =
        diff_documents(o.as_ref().unwrap_or(&empty), n.as_ref().unwrap_or(&empty))
            .into_iter()
            .filter(|d| !d.changes.is_empty())
            .collect();
    match a.format {
        super::ReportFormat::Json => {
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&diffs).unwrap_or_default()
            );
        }
        super::ReportFormat::Text => {
            if let Some(p) = label {
                let _ = writeln!(out, "lapis diff a/{0} b/{0}", p.display());
            }
            if diffs.is_empty() {
                let _ = writeln!(out, "no differences in the workflows");
            }
            for d in &diffs {
                let _ = writeln!(out, "workflow {}:", d.workflow);
                for c in &d.changes {
                    let _ = writeln!(out, "  {}", describe(c));
                }
            }
        }
    }
    if git || diffs.is_empty() {
        0
    } else {
        1
    }
}
