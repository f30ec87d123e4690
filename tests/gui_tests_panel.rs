//! The Tests panel in the real designer, driven by accessible names: the
//! workflow's tests listed and run on a worker thread against the document
//! in the editor, a failed assertion that selects its action and shows
//! expected against actual, a bad test file's file:line:col; "Create test
//! from this run" after a real local run, which `lapis test` then passes;
//! a test call's answer (against the sandbox, over loopback) used as a
//! static result and as a mock.

mod common;

use common::app::{app_with, replace};
use egui::{Key, Modifiers};
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use lapis::ui::LapisApp;
use lapis::workflow::edit::Edit;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn fixture(dir: &Path) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tests_panel");
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    for f in [
        "orders.json",
        "orders.lapistest.json",
        "tests/orders.broken.lapistest.json",
    ] {
        std::fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    dir.join("orders.json")
}

fn has(h: &Harness<'static, LapisApp>, text: &str) -> bool {
    h.query_all_by_label_contains(text).next().is_some()
}

/// Steps frames until `what` holds (at most 30 s).
fn step_until(h: &mut Harness<'static, LapisApp>, what: &str, f: impl Fn(&LapisApp) -> bool) {
    let start = Instant::now();
    while !f(h.state()) {
        assert!(start.elapsed() < Duration::from_secs(30), "never: {what}");
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    h.run();
}

/// Clicks by accessible name, then steps a few frames (a worker may keep
/// the window repainting, so `Harness::run` would not settle).
fn press(h: &mut Harness<'static, LapisApp>, label: &str) {
    h.get_by_label(label).click_accesskit();
    for _ in 0..3 {
        h.step();
    }
}

fn open_tests(h: &mut Harness<'static, LapisApp>) {
    h.key_press_modifiers(Modifiers::COMMAND, Key::T);
    h.run();
    step_until(h, "the tests are listed", |a| a.tests.files.len() == 2);
}

fn run_all(h: &mut Harness<'static, LapisApp>) {
    h.get_by_label("Run all tests").click_accesskit();
    h.step();
    assert!(h.state().tests.running(), "the tests run on a worker");
    step_until(h, "the tests end", |a| !a.tests.running());
}

#[test]
fn run_all_shows_a_pass_and_a_failure_that_selects_its_action() {
    let dir = tempfile::tempdir().unwrap();
    let wf = fixture(dir.path());
    let mut h = app_with(Some(wf.clone()));
    open_tests(&mut h);
    assert!(has(&h, "orders.lapistest.json"));
    assert!(has(&h, "not run  the order is shaped"));
    // The bad file says where and what.
    assert!(
        has(&h, "orders.broken.lapistest.json:3:3: unknown field 'tets'"),
        "the bad file's error is shown"
    );

    run_all(&mut h);
    assert!(has(&h, "PASS  the order is shaped"));
    assert!(has(&h, "FAIL  the total is deliberately wrong"));
    assert!(has(&h, "1 passed, 1 failed, 0 errors"));
    assert!(h.state().tests.frames_while_running > 0);

    // The failed assertion: its action is selected, expected and actual
    // are shown, with the text the command line prints.
    assert_ne!(selected(&h).as_deref(), Some("Shape"));
    h.get_by_label_contains("actions.Shape outputs /total equals")
        .click_accesskit();
    h.run();
    assert_eq!(selected(&h).as_deref(), Some("Shape"));
    assert!(has(&h, "Expected: 99"));
    assert!(has(&h, "Actual: 42"));
    assert!(has(
        &h,
        "orders.lapistest.json:17:43: actions.Shape outputs /total equals"
    ));

    // An unsaved edit is what the tests run against: fixed in the editor
    // (not saved), the failing test passes; the file is untouched.
    let before = std::fs::read(&wf).unwrap();
    assert!(h.state_mut().apply(Edit::Set {
        pointer: "/actions/Shape/inputs/total".into(),
        value: json!(99),
    }));
    h.run();
    press(&mut h, "Run test the total is deliberately wrong");
    step_until(&mut h, "the test ends", |a| !a.tests.running());
    assert!(has(&h, "PASS  the total is deliberately wrong"));
    assert!(
        has(&h, "PASS  the order is shaped"),
        "the other keeps its result"
    );
    assert_eq!(std::fs::read(&wf).unwrap(), before, "nothing was saved");
}

fn selected(h: &Harness<'static, LapisApp>) -> Option<String> {
    let s = &h.state().session;
    s.selected_node()
        .map(|id| s.current().graph.outline.nodes[id].name.clone())
}

/// A workflow with no outside call: a real local run needs no network.
fn local_workflow(dir: &Path) -> PathBuf {
    let wf = json!({
        "definition": {
            "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
            "contentVersion": "1.0.0.0",
            "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {"schema": {}}}},
            "actions": {
                "Double": {"type": "Compose", "inputs": "@mul(triggerBody()?['n'], 2)", "runAfter": {}},
                "Rescue": {"type": "Compose", "inputs": "rescued", "runAfter": {"Double": ["Failed"]}},
                "Answer": {"type": "Response", "kind": "Http", "inputs": {"statusCode": 201, "body": "@outputs('Double')"}, "runAfter": {"Double": ["Succeeded"]}}
            },
            "outputs": {}
        }
    });
    let p = dir.join("double.json");
    std::fs::write(&p, serde_json::to_vec_pretty(&wf).unwrap()).unwrap();
    p
}

#[test]
fn a_test_created_from_a_local_run_passes_lapis_test() {
    let dir = tempfile::tempdir().unwrap();
    let wf = local_workflow(dir.path());
    let mut h = app_with(Some(wf.clone()));
    h.state_mut().run_view.history_file = Some(dir.path().join("runs.sqlite"));
    h.run();
    h.key_press(Key::F5);
    h.run();
    replace(&mut h, "Body", "{\"n\": 21}");
    press(&mut h, "Start run");
    step_until(&mut h, "the run ends", |a| {
        !a.run_view.running() && a.run_view.run.is_some()
    });
    let run = h.state().run_view.run.clone().unwrap();

    press(&mut h, "Create test from this run");
    h.run();
    let tail: String = run
        .run_id
        .chars()
        .rev()
        .take(8)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let expected = dir
        .path()
        .join("tests")
        .join(format!("double.run-{tail}.lapistest.json"));
    let typed = h.state().tests.create.as_ref().unwrap().path.clone();
    assert_eq!(PathBuf::from(&typed), expected, "the path is prefilled");
    press(&mut h, "Create test");
    step_until(&mut h, "the test is written and listed", |a| {
        a.tests.open && a.tests.files.iter().any(|f| f.path == expected)
    });
    assert!(h.state().tests.create.is_none(), "the question closed");
    assert!(has(&h, "not run  replay of run"));

    // `lapis test` passes it.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lapis"))
        .arg("test")
        .arg(&wf)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("PASS") && text.contains("replay of run"),
        "{text}"
    );
    let written: Value = serde_json::from_slice(&std::fs::read(&expected).unwrap()).unwrap();
    assert_eq!(written["workflow"], "../double.json");
    assert_eq!(written["tests"][0]["expect"]["response"]["status"], 201);
    assert_eq!(
        written["tests"][0]["expect"]["actions"]["Rescue"]["notRun"],
        true
    );

    // Run in the panel too: it passes against the document.
    run_all(&mut h);
    assert!(has(&h, "PASS  replay of run"));

    // Asked again for the same file: never overwritten without asking.
    let before = std::fs::read(&expected).unwrap();
    press(&mut h, "Create test from this run");
    h.run();
    press(&mut h, "Create test");
    h.run();
    assert!(has(&h, "exists. Overwrite it?"));
    press(&mut h, "Cancel create test");
    h.run();
    assert!(h.state().tests.create.is_none());
    assert_eq!(std::fs::read(&expected).unwrap(), before);
}

/// One data folder for the whole test process (the test-call history goes
/// there, not into the user's own).
fn data_dir() -> &'static Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let d = tempfile::tempdir().unwrap();
        std::env::set_var("LAPIS_DATA_DIR", d.path());
        d
    })
    .path()
}

#[test]
fn a_test_call_answer_becomes_a_static_result_and_a_mock() {
    use lapis::graph::validate::{validate_document, Severity};
    use lapis::sandbox::{Config, Sandbox, DEMO_CLIENT_SECRET};
    std::env::set_var("LAPIS_NO_KEYCHAIN", "1");
    data_dir();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sandbox = rt.block_on(Sandbox::start(Config::demo())).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let wf = sandbox.write_files(dir.path()).unwrap().workflow;
    let mut h = app_with(Some(wf.clone()));
    h.state_mut().inspector.tests.store.set(
        "clientSecret",
        lapis::secrets::Secret::new(DEMO_CLIENT_SECRET),
    );
    h.get_by_label("Get_status in the outline").click();
    h.run();
    h.get_by_label("Test").click();
    h.run();
    h.get_by_label("Send").click();
    h.step();
    step_until(&mut h, "the answer", |a| !a.inspector.tests.is_running());
    let answer = h.state().inspector.tests.result("Get_status").unwrap();
    let status = answer.response.as_ref().expect("an answer").status;
    assert_eq!(status, 200, "{:?}", answer.diagnosis);
    let errors = |h: &Harness<'static, LapisApp>| {
        validate_document(h.state().session.doc(), 0)
            .unwrap()
            .into_iter()
            .filter(|p| p.severity == Severity::Error)
            .map(|p| format!("{} {}", p.code, p.message))
            .collect::<Vec<_>>()
    };
    let errors_before = errors(&h);

    // As a static result: an undoable edit the validator accepts.
    h.get_by_label("Use as static result").click_accesskit();
    h.run();
    let doc = h.state().session.doc().root.clone();
    let entry = &doc["staticResults"]["Get_status0"];
    assert_eq!(entry["status"], "Succeeded");
    assert_eq!(entry["outputs"]["statusCode"], 200);
    assert!(entry["outputs"]["headers"].is_object());
    assert!(!entry["outputs"]["body"].is_null());
    assert_eq!(
        doc["actions"]["Get_status"]["runtimeConfiguration"]["staticResult"],
        json!({"name": "Get_status0", "staticResultOptions": "Enabled"})
    );
    assert_eq!(errors(&h), errors_before, "the validator accepts the entry");
    assert!(!doc.to_string().contains(DEMO_CLIENT_SECRET));
    // The run engine uses it when static results are on.
    let run = lapis::run::run(
        h.state().session.doc(),
        &lapis::run::TriggerRequest::default(),
        lapis::run::RunOptions {
            static_results: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(run.action("Get_status").unwrap().outputs["statusCode"], 200);
    h.state_mut().session.undo();
    h.run();
    assert!(h.state().session.doc().root.get("staticResults").is_none());

    // As a mock in a new test file.
    h.get_by_label("Use as mock in a test…").click_accesskit();
    h.run();
    assert!(has(&h, "Use as mock in a test"));
    let target = h.state().tests.mock.as_ref().unwrap().new_path.clone();
    press(&mut h, "Create test file");
    step_until(&mut h, "the test file is written", |a| {
        a.tests.mock.is_none()
    });
    let t = lapis::wftest::load(Path::new(&target)).expect("the new test file loads");
    let mock = &t.cases[0].mocks["Get_status"];
    assert_eq!(mock.outputs["statusCode"], 200);
    assert!(!std::fs::read_to_string(&target)
        .unwrap()
        .contains(DEMO_CLIENT_SECRET));

    // Again, into that file: it is listed now, and the mock is replaced.
    step_until(&mut h, "the new file is listed", |a| {
        a.tests.files.iter().any(|f| f.path == Path::new(&target))
    });
    h.get_by_label("Use as mock in a test…").click_accesskit();
    h.run();
    step_until(&mut h, "the list is read again", |a| {
        !a.tests.files.is_empty()
    });
    assert_eq!(h.state().tests.mock.as_ref().unwrap().file, Some(0));
    press(&mut h, "Add mock");
    step_until(&mut h, "the mock is replaced", |a| a.tests.mock.is_none());
    assert!(has(&h, "Replaced the mock of Get_status"));
    assert_eq!(
        lapis::wftest::load(Path::new(&target)).unwrap().cases[0]
            .mocks
            .len(),
        1
    );
    drop(sandbox);
}

#[test]
fn cancel_stops_running_tests_and_starts_no_other() {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join("slow.json");
    std::fs::write(
        &wf,
        serde_json::to_vec_pretty(&json!({
            "definition": {
                "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
                "contentVersion": "1.0.0.0",
                "triggers": {"manual": {"type": "Request", "kind": "Http"}},
                "actions": {
                    "Wait": {"type": "Wait", "inputs": {"interval": {"count": 1, "unit": "Hour"}}, "runAfter": {}}
                },
                "outputs": {}
            }
        }))
        .unwrap(),
    )
    .unwrap();
    let cases: Vec<Value> = (0..6)
        .map(|i| json!({"name": format!("waits an hour {i}"), "expect": {"status": "Succeeded"}}))
        .collect();
    std::fs::write(
        dir.path().join("slow.lapistest.json"),
        serde_json::to_vec_pretty(&json!({"workflow": "slow.json", "tests": cases})).unwrap(),
    )
    .unwrap();
    let mut h = app_with(Some(wf));
    h.key_press_modifiers(Modifiers::COMMAND, Key::T);
    h.run();
    step_until(&mut h, "the tests are listed", |a| a.tests.files.len() == 1);
    h.get_by_label("Run all tests").click_accesskit();
    h.step();
    assert!(h.state().tests.running());
    h.step();
    let start = Instant::now();
    press(&mut h, "Cancel tests");
    step_until(&mut h, "the tests stop", |a| !a.tests.running());
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "cancelled runs stop at once, not after their hour"
    );
    assert!(
        has(&h, "Cancelled after"),
        "the panel says it was cancelled"
    );
    let ended = h.state().tests.results.len();
    assert!(
        ended < 6,
        "the cases not started stay not run ({ended} ended)"
    );
    for r in h.state().tests.results.values() {
        assert_eq!(
            r.error.as_deref(),
            Some("cancelled before it finished"),
            "a cancelled case is not counted as a pass or a failure"
        );
    }
}
