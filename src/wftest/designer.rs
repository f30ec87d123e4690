//! What the designer needs of workflow tests besides running them: the
//! tests of one workflow file, and an HTTP answer captured by a test call
//! turned into a mock (written into a test file) or a `staticResults`
//! entry.

use super::{discover, load, FileError, TestFile};
use crate::run::{Run, RunResponse};
use crate::secrets::Redactor;
use crate::workflow::text;
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

fn same_file(a: &Path, b: &Path) -> bool {
    let canon = |p: &Path| {
        let p = if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir().unwrap_or_default().join(p)
        };
        p.canonicalize().unwrap_or(p)
    };
    canon(a) == canon(b)
}

/// Whether the test file names `workflow` as its workflow.
pub fn references(file: &TestFile, workflow: &Path) -> bool {
    same_file(&file.workflow, workflow)
}

/// The tests of the workflow file `workflow`, as `lapis test WORKFLOW`
/// finds them ([`discover`]): each loaded, keeping those that name this
/// workflow, and every file that does not load (its error says
/// file:line:col), sorted by path.
pub fn tests_of(workflow: &Path) -> Vec<Result<TestFile, FileError>> {
    let Ok(found) = discover(&[workflow.to_path_buf()]) else {
        return Vec::new();
    };
    found
        .iter()
        .map(|p| load(p))
        .filter(|r| match r {
            Ok(f) => references(f, workflow),
            Err(_) => true,
        })
        .collect()
}

/// An HTTP answer as an action's outputs (`statusCode`, `headers`, `body`)
/// and the status Logic Apps gives the action (Failed from 400 on), with
/// every secret `redactor` knows, credential headers and bearer tokens
/// hidden as the run history hides them.
fn answer_parts(
    status: u16,
    headers: &[(String, String)],
    body: &Value,
    redactor: &Redactor,
) -> (Value, &'static str) {
    let mut h = Map::new();
    for (k, v) in headers {
        h.insert(k.clone(), Value::String(v.clone()));
    }
    // The run history's scrub: known secrets, credential headers, tokens.
    let fake = Run {
        run_id: String::new(),
        workflow: String::new(),
        file: None,
        status: crate::run::Status::Succeeded,
        start: String::new(),
        end: None,
        error: None,
        trigger: Value::Null,
        actions: Map::new(),
        response: Some(RunResponse {
            status,
            headers: h,
            body: body.clone(),
        }),
        outputs: Map::new(),
    };
    let clean = crate::run::history::scrub(&fake, redactor)
        .response
        .expect("the response stays");
    let outputs = json!({
        "statusCode": status,
        "headers": Value::Object(clean.headers),
        "body": clean.body,
    });
    (outputs, if status >= 400 { "Failed" } else { "Succeeded" })
}

/// A mock (`{"status", "outputs", "error"}`) that gives back the answer
/// `status reason` with `headers` and `body`. An answer from 400 on fails
/// the action, with the error code the run engine gives a real call
/// (the reason phrase without blanks, e.g. `BadGateway`).
pub fn mock_from_answer(
    status: u16,
    reason: &str,
    headers: &[(String, String)],
    body: &Value,
    redactor: &Redactor,
) -> Value {
    let (outputs, st) = answer_parts(status, headers, body, redactor);
    let mut m = json!({"status": st, "outputs": outputs});
    if status >= 400 {
        let code: String = reason.split_whitespace().collect();
        let code = if code.is_empty() {
            status.to_string()
        } else {
            code
        };
        m["error"] = json!({
            "code": code,
            "message": format!("The HTTP call answered {status} {reason}.").replace(" .", "."),
        });
    }
    m
}

/// A `staticResults` entry in Logic Apps' shape: `{"outputs":
/// {"statusCode", "headers", "body"}, "status"}`.
pub fn static_result_from_answer(
    status: u16,
    headers: &[(String, String)],
    body: &Value,
    redactor: &Redactor,
) -> Value {
    let (outputs, st) = answer_parts(status, headers, body, redactor);
    json!({"outputs": outputs, "status": st})
}

/// Sets `mock` as the mock of `action` in case `case` of the test file at
/// `path` (which must load), and saves the file atomically, rewriting only
/// what changed (comments and the rest of the text stay, as with
/// `--update`). Returns whether a mock of that action was replaced.
pub fn add_mock(path: &Path, case: usize, action: &str, mock: Value) -> Result<bool, String> {
    let file = load(path).map_err(|e| e.to_string())?;
    if case >= file.cases.len() {
        return Err(format!(
            "{}: the file has {} case(s), no case {}",
            path.display(),
            file.cases.len(),
            case + 1
        ));
    }
    let mut raw = file.raw.clone();
    let c = raw
        .pointer_mut(&format!("/tests/{case}"))
        .and_then(Value::as_object_mut)
        .ok_or_else(|| format!("{}: case {} is not an object", path.display(), case + 1))?;
    let mocks = c
        .entry("mocks")
        .or_insert_with(|| Value::Object(Map::new()));
    if !mocks.is_object() {
        *mocks = Value::Object(Map::new());
    }
    let m = mocks.as_object_mut().expect("an object");
    let replaced = m.insert(action.to_owned(), mock).is_some();
    super::save_edited(&file, &raw)?;
    Ok(replaced)
}

/// Writes a new test file at `path` for `workflow_file` with one case,
/// named `case_name`, that mocks `action` with `mock` and expects the run
/// to end (no assertion yet but the mocked action's status). The
/// workflow and `schema` (when that file exists) are named relative to
/// the new file's folder; the folder is created. Refuses an existing
/// file unless `overwrite`.
pub fn new_file_with_mock(
    path: &Path,
    workflow_file: &Path,
    schema: Option<&Path>,
    case_name: &str,
    action: &str,
    mock: Value,
    overwrite: bool,
) -> Result<(), String> {
    if path.exists() && !overwrite {
        return Err(format!("{} already exists", path.display()));
    }
    let dir: PathBuf = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let rel = |p: &Path| {
        super::from_run::relative(p, &dir)
            .to_string_lossy()
            .replace('\\', "/")
    };
    let status = mock.get("status").cloned().unwrap_or(json!("Succeeded"));
    let mut file = Map::new();
    if let Some(s) = schema.filter(|s| s.is_file()) {
        file.insert("$schema".into(), Value::String(rel(s)));
    }
    file.insert("workflow".into(), Value::String(rel(workflow_file)));
    file.insert(
        "tests".into(),
        json!([{
            "name": case_name,
            "mocks": {action: mock},
            "expect": {"actions": {action: {"status": status}}}
        }]),
    );
    let mut text = serde_json::to_string_pretty(&Value::Object(file)).map_err(|e| e.to_string())?;
    text.push('\n');
    super::parse(path, text.as_bytes()).map_err(|e| e.to_string())?;
    text::write_atomic(path, text.as_bytes()).map_err(|e| format!("{}: {e}", path.display()))
}

/// The name for a new static result of `action`: `<action>0` as the
/// Logic Apps designer names them, or `<action>1`, … when taken.
pub fn static_result_name(action: &str, taken: &[String]) -> String {
    (0..)
        .map(|i| format!("{action}{i}"))
        .find(|n| !taken.iter().any(|t| t == n))
        .expect("a free name")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::Secret;

    #[test]
    fn an_answer_becomes_a_mock_with_secrets_hidden() {
        let mut r = Redactor::new();
        r.add("apiKey", &Secret::new("k3y-value-123"));
        let headers = vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("Authorization".to_owned(), "Bearer abcdefghijkl".to_owned()),
        ];
        let m = mock_from_answer(
            502,
            "Bad Gateway",
            &headers,
            &json!({"echo": "key=k3y-value-123"}),
            &r,
        );
        assert_eq!(m["status"], "Failed");
        assert_eq!(m["error"]["code"], "BadGateway");
        assert_eq!(m["outputs"]["statusCode"], 502);
        assert_eq!(m["outputs"]["headers"]["Content-Type"], "application/json");
        let text = m.to_string();
        assert!(!text.contains("k3y-value-123"), "{text}");
        assert!(!text.contains("abcdefghijkl"), "{text}");
        let ok = static_result_from_answer(200, &[], &json!({"a": 1}), &r);
        assert_eq!(
            ok,
            json!({"outputs": {"statusCode": 200, "headers": {}, "body": {"a": 1}}, "status": "Succeeded"})
        );
    }

    #[test]
    fn a_mock_is_added_to_a_case_and_the_file_still_loads() {
        let dir = tempfile::tempdir().unwrap();
        let wf = dir.path().join("wf.json");
        std::fs::write(&wf, "{}").unwrap();
        let t = dir.path().join("tests").join("wf.answer.lapistest.json");
        let mock = json!({"status": "Succeeded", "outputs": {"statusCode": 200}});
        new_file_with_mock(&t, &wf, None, "first", "Get", mock.clone(), false).unwrap();
        assert!(
            new_file_with_mock(&t, &wf, None, "first", "Get", mock.clone(), false)
                .unwrap_err()
                .contains("already exists")
        );
        let f = load(&t).unwrap();
        assert!(references(&f, &wf));
        assert_eq!(f.raw["workflow"], "../wf.json");
        assert!(!add_mock(&t, 0, "Other", mock.clone()).unwrap());
        assert!(add_mock(
            &t,
            0,
            "Get",
            json!({"status": "Failed", "error": {"code": "X"}})
        )
        .unwrap());
        let f = load(&t).unwrap();
        assert_eq!(f.cases[0].mocks.len(), 2);
        assert!(add_mock(&t, 3, "Get", mock)
            .unwrap_err()
            .contains("no case 4"));
        assert_eq!(static_result_name("Get", &["Get0".into()]), "Get1");
    }

    #[test]
    fn adding_a_mock_keeps_the_files_comments_and_other_lines() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("wf.json"), "{}").unwrap();
        let t = dir.path().join("wf.lapistest.json");
        let before = "{\n  // which workflow\n  \"workflow\": \"wf.json\",\n  \"tests\": [\n    {\n      /* the happy path */\n      \"name\": \"ok\",\n      \"mocks\": {\n        \"Get\": {\"status\": \"Succeeded\"} // kept inline\n      }\n    }\n  ]\n}\n";
        std::fs::write(&t, before).unwrap();
        add_mock(&t, 0, "Post", json!({"status": "Failed"})).unwrap();
        let after = std::fs::read_to_string(&t).unwrap();
        for kept in [
            "  // which workflow\n",
            "      /* the happy path */\n",
            "\"Get\": {\"status\": \"Succeeded\"}",
            "// kept inline",
        ] {
            assert!(after.contains(kept), "lost {kept:?}:\n{after}");
        }
        assert!(after.contains("\"Post\""), "{after}");
        let f = load(&t).unwrap();
        assert_eq!(f.cases[0].mocks.len(), 2);
    }
}
