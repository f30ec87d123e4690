//! `lapis edit`: the designer's edit commands from the command line, saved
//! the way the designer saves (only the changed spans are rewritten).

use lapis::workflow::edit::{Edit, Editor};
use lapis::workflow::text;
use lapis::workflow::Document;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `lapis edit`.
#[derive(clap::Args, Debug)]
pub struct EditArgs {
    /// The workflow file.
    pub file: PathBuf,
    /// Rename an action or trigger (run-after and expressions follow, as F2 does).
    #[arg(long, value_name = "OLD=NEW")]
    pub rename: Vec<String>,
    /// Set the value at a JSON pointer inside the workflow definition
    /// (e.g. `/actions/Get/inputs/uri="https://x"`); the parent must exist.
    #[arg(long, value_name = "POINTER=JSON", allow_hyphen_values = true)]
    pub set: Vec<String>,
    /// Delete an action (its successors are re-wired as in the designer).
    #[arg(long, value_name = "ACTION")]
    pub delete: Vec<String>,
    /// Write here instead of in place.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Which workflow of an ARM template (name or 1-based index).
    #[arg(long)]
    pub workflow: Option<String>,
}

/// Exit 0 on success, 1 when an edit cannot apply, 2 for bad input.
pub fn cmd_edit(a: &EditArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let fail = |err: &mut dyn Write, code: i32, msg: String| {
        let _ = writeln!(err, "error: {msg}");
        code
    };
    let bytes = match std::fs::read(&a.file) {
        Ok(b) => b,
        Err(e) => return fail(err, 2, format!("{}: {e}", a.file.display())),
    };
    let doc = match Document::from_bytes(&bytes, Some(&a.file)) {
        Ok(d) => d,
        Err(e) => return fail(err, 2, e.to_string()),
    };
    let i = match doc.select(a.workflow.as_deref()) {
        Ok(i) => i,
        Err(e) => return fail(err, 2, e),
    };
    let def = doc.workflows[i].definition_pointer.clone();
    let mut editor = Editor::new(doc);
    let find = |ed: &Editor, name: &str| -> Result<String, String> {
        let outline = ed.doc.outline(i).map_err(|e| e.message)?;
        outline
            .find(name)
            .map(|id| outline.nodes[id].pointer.clone())
            .ok_or_else(|| format!("no action or trigger named `{name}`"))
    };
    // Checked first (bad input is exit 2 before anything applies), then
    // applied in order: names are looked up when their edit applies.
    enum Op {
        Rename(String, String, String),
        Set(String, String, serde_json::Value),
        Delete(String),
    }
    let mut ops = Vec::new();
    for r in &a.rename {
        let Some((old, new)) = r.split_once('=') else {
            return fail(err, 2, format!("--rename `{r}`: expected OLD=NEW"));
        };
        ops.push(Op::Rename(old.into(), new.into(), r.clone()));
    }
    for s in &a.set {
        let Some((p, json)) = s.split_once('=') else {
            return fail(err, 2, format!("--set `{s}`: expected POINTER=JSON"));
        };
        if !p.starts_with('/') {
            return fail(
                err,
                2,
                format!("--set `{s}`: the pointer must start with `/`"),
            );
        }
        let value = match text::parse_json(json) {
            Ok(v) => v,
            Err(e) => return fail(err, 2, format!("--set {p}: the JSON value, at {e}")),
        };
        ops.push(Op::Set(p.into(), format!("{def}{p}"), value));
    }
    for d in &a.delete {
        ops.push(Op::Delete(d.clone()));
    }
    for op in ops {
        let edit = match op {
            Op::Rename(old, new_name, raw) => match find(&editor, &old) {
                Ok(pointer) => Edit::RenameAction { pointer, new_name },
                Err(m) => return fail(err, 1, format!("--rename {raw}: {m}")),
            },
            Op::Delete(name) => match find(&editor, &name) {
                Ok(pointer) => Edit::DeleteAction { pointer },
                Err(m) => return fail(err, 1, format!("--delete {name}: {m}")),
            },
            Op::Set(p, pointer, value) => {
                let parent = pointer.rsplit_once('/').map_or("", |(a, _)| a);
                if editor.doc.root.pointer(parent).is_none() {
                    return fail(
                        err,
                        1,
                        format!("--set {p}: the pointer does not exist (nothing at its parent)"),
                    );
                }
                Edit::Set { pointer, value }
            }
        };
        for p in Document::edit_pointers(&edit) {
            if let Some(r) = editor.doc.read_only_conflict(i, p) {
                return fail(err, 1, format!("{p}: {}", r.reason));
            }
        }
        if let Err(e) = editor.apply(edit) {
            return fail(err, 1, e.message);
        }
    }
    for f in lapis::export::scan_document(&editor.doc) {
        let _ = writeln!(err, "warning: a secret in clear: {}", f.pointer);
    }
    let new = editor.doc.to_bytes();
    let target = a.output.as_deref().unwrap_or(&a.file);
    if new == bytes && target == a.file {
        let _ = writeln!(out, "unchanged {}", target.display());
        return 0;
    }
    if let Err(e) = text::write_atomic(target, &new) {
        return fail(err, 2, format!("{}: {e}", target.display()));
    }
    let _ = writeln!(out, "wrote {}", target.display());
    0
}
