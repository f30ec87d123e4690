//! The Run form follows the workflow's trigger: a Request trigger is fired
//! with a method, headers, a query and a body; a Recurrence takes no input,
//! so its form says so and asks only for parameters and secrets.

mod common;

use common::app::app_with;
use egui::Key;
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use lapis::run::Status;
use lapis::ui::LapisApp;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn workflow(dir: &Path, trigger: Value) -> PathBuf {
    let wf = json!({
        "definition": {
            "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
            "contentVersion": "1.0.0.0",
            "triggers": {"Every_hour": trigger},
            "actions": {
                "Say": {"type": "Compose", "inputs": "@concat('hello ', string(triggerBody()))", "runAfter": {}}
            },
            "outputs": {}
        }
    });
    let p = dir.join("wf.json");
    std::fs::write(&p, serde_json::to_vec_pretty(&wf).unwrap()).unwrap();
    p
}

fn designer(dir: &Path, file: PathBuf) -> Harness<'static, LapisApp> {
    let mut h = app_with(Some(file));
    h.state_mut().run_view.history_file = Some(dir.join("runs.sqlite"));
    h.state_mut().run_view.time_scale = 0.01;
    h.run();
    h
}

fn has(h: &Harness<'static, LapisApp>, text: &str) -> bool {
    h.query_all_by_label_contains(text).next().is_some()
}

#[test]
fn a_recurrence_run_form_says_the_trigger_takes_no_input_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let file = workflow(
        dir.path(),
        json!({"type": "Recurrence", "recurrence": {"frequency": "Hour", "interval": 1}}),
    );
    let mut h = designer(dir.path(), file);
    h.key_press(Key::F5);
    h.run();
    assert!(has(&h, "Run workflow"), "F5 opens the form");
    assert!(
        !has(&h, "Trigger request"),
        "a Recurrence form is not titled as a request"
    );
    assert!(
        has(&h, "This trigger takes no input: Every_hour (Recurrence)"),
        "the form says the trigger takes no input"
    );
    for field in [
        "Method",
        "Headers (Name: value a line)",
        "Body",
        "Relative path",
    ] {
        assert!(
            h.query_by_label(field).is_none(),
            "no `{field}` input for a Recurrence trigger"
        );
    }
    assert!(h.query_by_label("Parameters (name=value a line)").is_some());
    // The hidden request fields are not read, even when they would not parse.
    h.state_mut().run_view.form.headers = "not a header".into();
    h.get_by_label("Start run").click_accesskit();
    let start = Instant::now();
    loop {
        h.step();
        if !h.state().run_view.running() && h.state().run_view.run.is_some() {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the run never ended"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let run = h.state().run_view.run.clone().unwrap();
    assert_eq!(run.status, Status::Succeeded, "{run:?}");
    assert!(h.state().run_view.form_error.is_empty());
}

#[test]
fn a_request_trigger_keeps_its_request_fields() {
    let dir = tempfile::tempdir().unwrap();
    let file = workflow(
        dir.path(),
        json!({"type": "Request", "kind": "Http", "inputs": {"schema": {}}}),
    );
    let mut h = designer(dir.path(), file);
    h.key_press(Key::F5);
    h.run();
    assert!(!has(&h, "takes no input"));
    for field in ["Method", "Headers (Name: value a line)", "Body"] {
        assert!(h.query_by_label(field).is_some(), "`{field}` is asked for");
    }
}
