//! A test made from a recorded run: its outside calls mocked with the
//! outputs the run recorded, its assertions the run's statuses.
//!
//! Secured values (`"hidden (secure)"`, `<redacted>`, `<secret:NAME>`) were
//! never recorded: they become placeholders (`"<fill in: …>"`) that the
//! loader refuses until a person fills them in.

use super::runner::{all_actions, iterations, OUTSIDE};
use super::PLACEHOLDER;
use crate::run::engine::redact_value;
use crate::run::{Run, Status, HIDDEN};
use crate::workflow::Document;
use serde_json::{json, Map, Value};
use std::path::{Component, Path, PathBuf};

fn secured(s: &str) -> bool {
    s == HIDDEN || s.contains("<redacted>") || s.contains("<secret:")
}

/// `v` with every secured value replaced by a placeholder naming where it
/// was.
fn placeholders(v: &Value, what: &str, path: &str) -> Value {
    match v {
        Value::String(s) if secured(s) => Value::String(format!(
            "{PLACEHOLDER} secured value of {what} at '{}' was not recorded>",
            if path.is_empty() { "/" } else { path }
        )),
        Value::Array(a) => Value::Array(
            a.iter()
                .enumerate()
                .map(|(i, x)| placeholders(x, what, &format!("{path}/{i}")))
                .collect(),
        ),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), placeholders(x, what, &super::join(path, k))))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The path of `target` written relative to the folder `from` (both made
/// absolute against the current folder first).
pub fn relative(target: &Path, from: &Path) -> PathBuf {
    let abs = |p: &Path| {
        let p = if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir().unwrap_or_default().join(p)
        };
        p.canonicalize().unwrap_or(p)
    };
    let t = abs(target);
    let f = abs(from);
    let tc: Vec<Component> = t.components().collect();
    let fc: Vec<Component> = f.components().collect();
    let common = tc.iter().zip(&fc).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return t;
    }
    let mut out = PathBuf::new();
    for _ in common..fc.len() {
        out.push("..");
    }
    for c in &tc[common..] {
        out.push(c.as_os_str());
    }
    out
}

/// Builds the test file for `run` of workflow `workflow_name` in `doc`;
/// `workflow_ref` is how the test file names the workflow (relative to
/// where the test is written); `schema_ref` is the `$schema` to name.
pub fn test_from_run(
    run: &Run,
    doc: &Document,
    workflow_name: Option<&str>,
    workflow_ref: &str,
    schema_ref: Option<&str>,
) -> Result<Value, String> {
    let i = doc.select(workflow_name)?;
    let actions = all_actions(doc.definition(i));
    // What the trigger received (already redacted in the record; redact
    // again in case an older record was not).
    let redactor = crate::run::history::environment_secrets();
    let tout = run.trigger.get("outputs").cloned().unwrap_or(Value::Null);
    let tout = placeholders(&redact_value(&tout, &redactor), "the trigger", "");
    let mut trigger = Map::new();
    if let Some(Value::Object(h)) = tout.get("headers") {
        trigger.insert("headers".into(), Value::Object(h.clone()));
    }
    if let Some(Value::Object(q)) = tout.get("queries") {
        trigger.insert("query".into(), Value::Object(q.clone()));
    }
    if let Some(b) = tout.get("body").filter(|b| !b.is_null()) {
        trigger.insert("body".into(), b.clone());
    }
    let mut mocks = Map::new();
    let mut expect_actions = Map::new();
    for (name, def) in &actions {
        let ty = def.get("type").and_then(Value::as_str).unwrap_or("");
        let rec = run.action(name);
        if OUTSIDE.iter().any(|t| t.eq_ignore_ascii_case(ty)) {
            let mock = match &rec {
                None => json!({"status": "Skipped"}),
                Some(r) if r.status == Status::Skipped => json!({"status": "Skipped"}),
                Some(r) => {
                    let outputs = if r.outputs.is_null() {
                        r.repetitions
                            .last()
                            .map(|x| x.outputs.clone())
                            .unwrap_or(Value::Null)
                    } else {
                        r.outputs.clone()
                    };
                    let what = format!("'{name}' outputs");
                    let mut m = json!({
                        "status": r.status.as_str(),
                        "outputs": placeholders(&redact_value(&outputs, &redactor), &what, ""),
                    });
                    if r.status != Status::Succeeded {
                        if let Some(e) = &r.error {
                            m["error"] =
                                json!({"code": e.code, "message": redactor.redact(&e.message)});
                        }
                    }
                    m
                }
            };
            mocks.insert(name.clone(), mock);
        }
        let mut x = Map::new();
        match &rec {
            None => {
                x.insert("notRun".into(), Value::Bool(true));
            }
            Some(r) if r.status == Status::Skipped => {
                x.insert("notRun".into(), Value::Bool(true));
            }
            Some(r) => {
                x.insert("status".into(), Value::String(r.status.as_str().into()));
                if ty.eq_ignore_ascii_case("Foreach") || ty.eq_ignore_ascii_case("Until") {
                    x.insert("iterations".into(), Value::from(iterations(run, name, def)));
                }
            }
        }
        expect_actions.insert(name.clone(), Value::Object(x));
    }
    let mut expect = json!({"status": run.status.as_str(), "actions": expect_actions});
    if let Some(r) = &run.response {
        expect["response"] = json!({"status": r.status});
    }
    let mut case = json!({
        "name": format!("replay of run {}", run.run_id),
        "trigger": trigger,
    });
    if !mocks.is_empty() {
        case["mocks"] = Value::Object(mocks);
    }
    case["expect"] = expect;
    let mut file = Map::new();
    if let Some(s) = schema_ref {
        file.insert("$schema".into(), Value::String(s.into()));
    }
    file.insert("workflow".into(), Value::String(workflow_ref.into()));
    let mut file = Value::Object(file);
    if let Some(n) = workflow_name {
        file["workflowName"] = Value::String(n.into());
    }
    file["tests"] = json!([case]);
    Ok(file)
}

/// Where a test made from `run` of `workflow` is written when no path is
/// given: next to the workflow, `<stem>.run-<last 8 of the id>.lapistest.json`.
pub fn default_path(workflow: &Path, run_id: &str) -> PathBuf {
    let stem = workflow
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "workflow".into());
    let tail: String = run_id
        .chars()
        .rev()
        .take(8)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    workflow.with_file_name(format!("{stem}.run-{tail}{}", super::EXTENSION))
}

/// Where the designer suggests writing a test made from `run` of
/// `workflow`: in a `tests/` folder beside it, named as
/// [`default_path`] names it (`<stem>.run-<id>.lapistest.json`), so that
/// [`super::discover`] finds it among the workflow's tests.
pub fn default_path_in_tests(workflow: &Path, run_id: &str) -> PathBuf {
    let p = default_path(workflow, run_id);
    let dir = workflow.parent().unwrap_or(Path::new("")).join("tests");
    match p.file_name() {
        Some(n) => dir.join(n),
        None => p,
    }
}

/// Writes the test made from `run` of `workflow_file` (loaded as `doc`)
/// to `out`, atomically, as `lapis test new --from-run` does: the
/// workflow named relative to `out`'s folder, `$schema` naming `schema`
/// when that file exists, pretty JSON. The folder is created when
/// missing. Returns how many placeholders (secured values the run did
/// not record) are left to fill in.
pub fn write_test(
    run: &Run,
    doc: &Document,
    workflow_file: &Path,
    out: &Path,
    schema: Option<&Path>,
) -> Result<usize, String> {
    let name = (doc.workflows.len() > 1).then(|| run.workflow.clone());
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let wref = relative(workflow_file, &dir);
    let sref = schema
        .filter(|s| s.is_file())
        .map(|s| relative(s, &dir).to_string_lossy().replace('\\', "/"));
    let value = test_from_run(
        run,
        doc,
        name.as_deref(),
        &wref.to_string_lossy().replace('\\', "/"),
        sref.as_deref(),
    )?;
    let mut text = serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
    text.push('\n');
    crate::workflow::text::write_atomic(out, text.as_bytes())
        .map_err(|e| format!("{}: {e}", out.display()))?;
    Ok(text.matches(PLACEHOLDER).count())
}
