//! Run history (src/run/history.rs): store, list, get, retention, delete,
//! and the scrub that keeps secrets out of the SQLite file and its WAL.

use lapis::run::history::{scrub, History};
use lapis::run::{Run, Status, HIDDEN};
use lapis::secrets::{Redactor, Secret, SecretStore};
use serde_json::{json, Value};
use std::path::Path;

fn run(id: &str, workflow: &str, file: Option<&str>, status: Status) -> Run {
    serde_json::from_value(json!({
        "run_id": id,
        "workflow": workflow,
        "file": file,
        "status": status.as_str(),
        "start": "2026-12-05T08:00:00Z",
        "end": "2026-12-05T08:00:01.250Z",
        "trigger": {"name": "manual", "status": "Succeeded", "outputs": {"body": {"n": 1}}},
        "actions": {
            "Compose": {"status": "Succeeded", "start": "2026-12-05T08:00:00Z",
                        "end": "2026-12-05T08:00:00.010Z", "inputs": "x", "outputs": "x"},
            "Each": {"status": "Failed", "error": {"code": "ActionFailed", "message": "an iteration failed"}},
            "Inner": {"status": "Failed", "repetitions": [
                {"index": 0, "status": "Succeeded", "outputs": 0},
                {"index": 1, "status": "Failed", "error": {"code": "BadRequest", "message": "no"}},
                {"index": 2, "status": "Succeeded", "outputs": 2}
            ]},
            "Later": {"status": "Skipped"}
        },
        "response": {"status": 200, "headers": {"X-A": "b"}, "body": {"ok": true}},
        "outputs": {}
    }))
    .unwrap()
}

fn open(dir: &Path) -> History {
    History::open(&dir.join("runs.sqlite")).unwrap()
}

#[test]
fn store_then_get_gives_the_run_back_with_its_repetitions() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = open(dir.path());
    let r = run("R1", "wf", None, Status::Failed);
    h.store(&r).unwrap();
    let back = h.get("R1").unwrap().expect("stored");
    assert_eq!(back, r);
    let inner = back.action("Inner").unwrap();
    assert_eq!(inner.repetitions.len(), 3);
    assert_eq!(inner.repetitions[1].status, Status::Failed);
    assert_eq!(
        back.actions.keys().collect::<Vec<_>>(),
        ["Compose", "Each", "Inner", "Later"],
        "action order is kept"
    );
    assert!(h.get("nope").unwrap().is_none());
    // Reopening reads the same file.
    drop(h);
    assert_eq!(open(dir.path()).get("R1").unwrap(), Some(r));
}

#[test]
fn list_is_newest_first_and_filters_by_file_or_workflow() {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join("a.json");
    std::fs::write(&wf, "{}").unwrap();
    let wf_s = wf.to_str().unwrap();
    let mut h = open(dir.path());
    h.store(&run("A1", "a", Some(wf_s), Status::Succeeded))
        .unwrap();
    h.store(&run("B1", "b", None, Status::Failed)).unwrap();
    h.store(&run("A2", "a", Some(wf_s), Status::Failed))
        .unwrap();
    let all: Vec<String> = h
        .list(None)
        .unwrap()
        .into_iter()
        .map(|s| s.run_id)
        .collect();
    assert_eq!(all, ["A2", "B1", "A1"]);
    // The same file by another spelling of its path.
    let other = format!("{}/./a.json", dir.path().display());
    let a: Vec<String> = h
        .list(Some(&other))
        .unwrap()
        .into_iter()
        .map(|s| s.run_id)
        .collect();
    assert_eq!(a, ["A2", "A1"]);
    let b = h.list(Some("b")).unwrap();
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].status, "Failed");
    assert_eq!(b[0].duration_ms, Some(1250));
    assert!(h.list(Some("nothing-like-it")).unwrap().is_empty());
}

#[test]
fn retention_keeps_the_newest_runs_of_each_workflow() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = open(dir.path());
    h.set_retention(3);
    for i in 0..5 {
        h.store(&run(&format!("A{i}"), "a", None, Status::Succeeded))
            .unwrap();
    }
    h.store(&run("B0", "b", None, Status::Succeeded)).unwrap();
    let a: Vec<String> = h
        .list(Some("a"))
        .unwrap()
        .into_iter()
        .map(|s| s.run_id)
        .collect();
    assert_eq!(a, ["A4", "A3", "A2"]);
    assert!(h.get("A0").unwrap().is_none(), "dropped with its actions");
    assert_eq!(
        h.list(Some("b")).unwrap().len(),
        1,
        "other workflows untouched"
    );
}

#[test]
fn delete_removes_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = open(dir.path());
    h.store(&run("R1", "wf", None, Status::Succeeded)).unwrap();
    h.store(&run("R2", "wf", None, Status::Succeeded)).unwrap();
    assert!(h.delete("R1").unwrap());
    assert!(!h.delete("R1").unwrap(), "a second delete finds nothing");
    assert!(h.get("R1").unwrap().is_none());
    assert!(h.get("R2").unwrap().is_some());
}

#[test]
fn a_broken_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("runs.sqlite");
    std::fs::write(&p, b"this is not a database, just text that is long enough").unwrap();
    let e = History::open(&p).unwrap_err();
    assert!(
        e.contains("run history") && e.contains("runs.sqlite"),
        "{e}"
    );
}

#[test]
fn scrub_hides_authorization_bearer_tokens_and_known_secrets() {
    let mut r = Redactor::new();
    r.add("apiKey", &Secret::new("k3y-value-9"));
    let mut x = run("S", "wf", None, Status::Succeeded);
    x.actions.insert(
        "Http".into(),
        json!({"status": "Succeeded", "inputs": {
            "uri": "https://p.example/api?code=k3y-value-9",
            "headers": {"authorization": "Bearer eyJ0eXAiOiJKV1QifQ.e30.abc", "Accept": "json"},
            "authentication": {"type": "Basic", "username": "u", "password": "pw-123456"}
        }, "outputs": {"body": "echo: Bearer eyJ0eXAiOiJKV1QifQ.e30.abc done"}}),
    );
    let s = scrub(&x, &r);
    let http = &s.actions["Http"];
    assert_eq!(
        http["inputs"]["uri"],
        "https://p.example/api?code=<secret:apiKey>"
    );
    assert_eq!(http["inputs"]["headers"]["authorization"], HIDDEN);
    assert_eq!(http["inputs"]["headers"]["Accept"], "json");
    assert_eq!(http["inputs"]["authentication"]["password"], HIDDEN);
    assert_eq!(http["inputs"]["authentication"]["username"], "u");
    assert_eq!(
        http["outputs"]["body"],
        Value::from(format!("echo: Bearer {HIDDEN} done"))
    );
    // Values already hidden by the engine stay hidden.
    assert_eq!(s.actions["Compose"], x.actions["Compose"]);
}

/// A canary secret in secured and unsecured places of a run, in the
/// secret store, and in a `LAPIS_SECRET_*` variable: no byte of the
/// database, its WAL or its shared-memory file holds it, in any encoding.
#[test]
fn canary_secret_reaches_no_byte_of_the_store() {
    const CANARY: &str = "CANARY-run-history-7f3a9c";
    const ENV_CANARY: &str = "ENVCANARY-run-history-51be";
    // SAFETY: this variable is read by no other test in this file.
    unsafe { std::env::set_var("LAPIS_SECRET_HISTORYCANARY", ENV_CANARY) };
    let dir = tempfile::tempdir().unwrap();
    let mut h = open(dir.path());
    let store = SecretStore::without_keychain();
    store.set("canary", Secret::new(CANARY));
    h.add_secrets(&store);
    let mut x = run("C1", "wf", None, Status::Failed);
    let pct = CANARY.replace('-', "%2D");
    x.actions.insert(
        "Leaky".into(),
        json!({"status": "Failed",
               "inputs": {"body": format!("secret={CANARY}"), "q": pct, "env": ENV_CANARY,
                          "headers": {"Authorization": format!("Bearer {CANARY}")}},
               "outputs": {"echo": [CANARY, {"nested": format!("x {CANARY} y")}]},
               "error": {"code": "BadRequest", "message": format!("server said {CANARY}")},
               "repetitions": [{"index": 0, "status": "Failed", "outputs": CANARY}]}),
    );
    x.trigger["outputs"]["headers"] = json!({"X-Key": CANARY});
    x.error = Some(lapis::run::RunError {
        code: "ActionFailed".into(),
        message: format!("Leaky failed: {CANARY}"),
    });
    x.outputs.insert("o".into(), Value::from(ENV_CANARY));
    h.store(&x).unwrap();
    // Stored, deleted, stored again: neither copy may leave the canary in
    // free pages.
    h.delete("C1").unwrap();
    h.store(&x).unwrap();
    let back = h.get("C1").unwrap().unwrap();
    let text = serde_json::to_string(&back).unwrap();
    assert!(
        !text.contains(CANARY) && !text.contains(ENV_CANARY),
        "{text}"
    );
    assert!(text.contains("<secret:canary>"), "{text}");
    let mut files = 0;
    for e in std::fs::read_dir(dir.path()).unwrap() {
        let p = e.unwrap().path();
        let bytes = std::fs::read(&p).unwrap();
        files += 1;
        for needle in [CANARY, ENV_CANARY, "run-history-7f3a9c", &pct] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{} holds {needle}",
                p.display()
            );
        }
    }
    assert!(files >= 2, "the database and its WAL were both looked at");
    drop(h);
}

/// `lapis runs`, `runs show` and `runs delete` over a history in
/// `LAPIS_DATA_DIR`.
#[test]
fn the_runs_command_lists_shows_and_deletes() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = History::open(&dir.path().join(lapis::run::history::FILE_NAME)).unwrap();
    h.store(&run("08584CLI1", "wf", None, Status::Failed))
        .unwrap();
    drop(h);
    let lapis = |args: &[&str]| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_lapis"))
            .args(args)
            .env("LAPIS_DATA_DIR", dir.path())
            .env("LAPIS_NO_KEYCHAIN", "1")
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (code, out, _) = lapis(&["runs"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("08584CLI1") && out.contains("Failed"), "{out}");
    let (code, out, _) = lapis(&["runs", "--format", "json"]);
    assert_eq!(code, Some(0));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["run_id"], "08584CLI1");
    assert_eq!(v[0]["duration_ms"], 1250);
    let (code, out, _) = lapis(&["runs", "show", "08584CLI1"]);
    assert_eq!(code, Some(0));
    assert!(
        out.contains("Inner  Failed") && out.contains("[3 iterations]"),
        "{out}"
    );
    assert!(
        out.contains("Each  Failed  ActionFailed: an iteration failed"),
        "{out}"
    );
    let (code, out, _) = lapis(&["runs", "show", "08584CLI1", "--format", "json"]);
    assert_eq!(code, Some(0));
    let back: Run = serde_json::from_str(&out).unwrap();
    assert_eq!(back, run("08584CLI1", "wf", None, Status::Failed));
    let (code, _, err) = lapis(&["runs", "show", "nope"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no run `nope`"), "{err}");
    let (code, out, _) = lapis(&["runs", "delete", "08584CLI1"]);
    assert_eq!((code, out.trim()), (Some(0), "deleted run 08584CLI1"));
    let (_, out, _) = lapis(&["runs"]);
    assert_eq!(out.trim(), "no runs");
}
