//! The run view in the real designer, driven by accessible names: F5 and
//! the trigger-request form, the run on a worker thread with statuses on
//! the cards, details of a clicked card, the runs list from the history,
//! the loop pager, "run again" (Shift+F5) and Cancel.

mod common;

use common::app::{app_with, click, replace, type_in};
use egui::{Key, Modifiers};
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use lapis::run::history::History;
use lapis::run::{Run, Status};
use lapis::ui::LapisApp;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A Request trigger; Double composes from the body; Echo runs after it;
/// Rescue runs only after Double failed (so it is Skipped); Each squares
/// the body's items, one at a time.
fn workflow(dir: &Path) -> PathBuf {
    let wf = json!({
        "definition": {
            "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
            "contentVersion": "1.0.0.0",
            "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {"schema": {}}}},
            "actions": {
                "Double": {"type": "Compose", "inputs": "@mul(triggerBody()?['n'], 2)", "runAfter": {}},
                "Echo": {"type": "Compose", "inputs": {"twice": "@outputs('Double')"}, "runAfter": {"Double": ["Succeeded"]}},
                "Rescue": {"type": "Compose", "inputs": "rescued", "runAfter": {"Double": ["Failed"]}},
                "Each": {"type": "Foreach", "foreach": "@triggerBody()?['items']", "operationOptions": "Sequential", "runAfter": {"Echo": ["Succeeded"]},
                    "actions": {"Square": {"type": "Compose", "inputs": "@mul(items('Each'), items('Each'))", "runAfter": {}}}}
            },
            "outputs": {}
        }
    });
    let p = dir.join("double.json");
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

/// Steps frames until the run ends; returns the frames drawn meanwhile.
fn until_done(h: &mut Harness<'static, LapisApp>) -> u64 {
    let start = Instant::now();
    let mut frames = 0;
    while h.state().run_view.running() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "run still going after 30 s"
        );
        h.step();
        frames += 1;
        std::thread::sleep(Duration::from_millis(5));
    }
    // The list of runs arrives from its own thread.
    for _ in 0..20 {
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    h.run();
    frames
}

fn has(h: &Harness<'static, LapisApp>, text: &str) -> bool {
    h.query_all_by_label_contains(text).next().is_some()
}

/// Clicks by accessible name, then steps a few frames: while a run goes
/// on the window keeps repainting, so `Harness::run` would not settle.
fn press(h: &mut Harness<'static, LapisApp>, label: &str) {
    h.get_by_label(label).click_accesskit();
    for _ in 0..3 {
        h.step();
    }
}

/// Steps frames until `what` holds (at most 30 s).
fn step_until(h: &mut Harness<'static, LapisApp>, what: &str, f: impl Fn(&LapisApp) -> bool) {
    let start = Instant::now();
    while !f(h.state()) {
        assert!(start.elapsed() < Duration::from_secs(30), "never: {what}");
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn f5_runs_the_workflow_and_the_cards_show_their_statuses() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = designer(dir.path(), workflow(dir.path()));

    h.key_press(Key::F5);
    h.run();
    assert!(has(&h, "Trigger request"), "F5 opens the request form");
    replace(&mut h, "Body", "{\"n\": 21, \"items\": [1, 2, 3]}");
    press(&mut h, "Start run");
    until_done(&mut h);
    assert!(
        !has(&h, "Trigger request"),
        "the form closes when the run starts"
    );

    let run = h.state().run_view.run.clone().expect("a run is shown");
    assert_eq!(run.status, Status::Succeeded, "{run:?}");
    assert!(has(&h, "Double: Succeeded"));
    assert!(has(&h, "Echo: Succeeded"));
    assert!(has(&h, "Rescue: Skipped"));
    assert!(has(&h, "Square: Succeeded"));
    // The list follows the outline (a loop before its actions), not the
    // order in which records ended.
    let y = |t: &str| h.get_by_label_contains(t).rect().min.y;
    assert!(y("Double: Succeeded") < y("Echo: Succeeded"));
    assert!(y("Each: Succeeded") < y("Square: Succeeded"));
    let overlay = &h.state().canvas.run_overlay;
    assert!(overlay["Rescue"].greyed, "the skipped card is greyed");
    assert!(!overlay["Echo"].greyed);
    assert!(overlay["Echo"].text.starts_with("Succeeded"));

    // Click the card: its inputs and outputs are shown.
    click(&mut h, "Echo (Compose)");
    assert!(has(&h, "\"twice\": 42"), "Echo's outputs are shown");

    // The loop's inner action: a pager over its three iterations.
    // (Its card is below the fold: its row in the run panel selects it
    // and scrolls the canvas to it.)
    h.get_by_label_contains("Square: Succeeded")
        .click_accesskit();
    h.run();
    assert!(
        h.query_by_label("Square (Compose)").is_some(),
        "the card is revealed"
    );
    assert!(has(&h, "Iteration 1 of 3: Succeeded"));
    click(&mut h, "Next iteration ▶");
    click(&mut h, "Next iteration ▶");
    assert!(has(&h, "Iteration 3 of 3: Succeeded"));
    assert_eq!(
        h.state()
            .run_view
            .run
            .as_ref()
            .unwrap()
            .action("Square")
            .unwrap()
            .repetitions[2]
            .outputs,
        json!(9)
    );
    // Compose's inputs and outputs are both the square.
    assert_eq!(h.query_all_by_label("9").count(), 2, "page 3 shows 9");
    click(&mut h, "◀ Previous iteration");
    assert!(has(&h, "Iteration 2 of 3: Succeeded"));
    assert_eq!(h.query_all_by_label("4").count(), 2, "page 2 shows 4");
    assert_eq!(h.query_all_by_label("9").count(), 0);
    click(&mut h, "Next iteration ▶");
    assert!(
        h.get_by_label("Next iteration ▶")
            .accesskit_node()
            .is_disabled(),
        "no page after the last"
    );

    // Stored in the history, and listed in the window.
    let listed = History::open(&dir.path().join("runs.sqlite"))
        .unwrap()
        .list(None)
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].run_id, run.run_id);
    assert!(
        h.state().run_view.runs.len() == 1,
        "the runs list is refreshed"
    );

    // Shift+F5: again, with the same request, without the form.
    h.key_press_modifiers(Modifiers::SHIFT, Key::F5);
    h.run();
    assert!(h.state().run_view.running() || h.state().run_view.run.is_some());
    until_done(&mut h);
    let again = h.state().run_view.run.clone().unwrap();
    assert_ne!(again.run_id, run.run_id);
    assert_eq!(again.action("Double").unwrap().outputs, json!(42));
    assert_eq!(h.state().run_view.runs.len(), 2);
}

#[test]
fn a_bad_request_line_is_said_and_nothing_runs() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = designer(dir.path(), workflow(dir.path()));
    h.key_press(Key::F5);
    h.run();
    replace(&mut h, "Headers (Name: value a line)", "no colon here");
    click(&mut h, "Start run");
    assert!(!h.state().run_view.running());
    assert!(has(&h, "Headers, line 1: expected `Name: value`"));
    assert!(has(&h, "Trigger request"), "the form stays open to fix it");
    assert!(h.state().run_view.run.is_none());
    assert!(
        !dir.path().join("runs.sqlite").exists()
            || History::open(&dir.path().join("runs.sqlite"))
                .unwrap()
                .list(None)
                .unwrap()
                .is_empty(),
        "nothing ran"
    );
    // Fixed, the same form runs.
    replace(&mut h, "Headers (Name: value a line)", "X-Test: yes");
    replace(&mut h, "Body", "{\"n\": 1}");
    press(&mut h, "Start run");
    until_done(&mut h);
    let run = h.state().run_view.run.clone().unwrap();
    assert_eq!(
        run.trigger["outputs"]["headers"]["X-Test"], "yes",
        "{:?}",
        run.trigger
    );
    assert!(!has(&h, "Headers, line 1"));
}

/// The Run button, a long Delay, Cancel: the window keeps drawing while
/// the run waits, and the run ends Cancelled.
#[test]
fn the_run_button_starts_and_cancel_stops_a_long_run() {
    let dir = tempfile::tempdir().unwrap();
    let wf = json!({
        "triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": {
            "Wait": {"type": "Wait", "inputs": {"interval": {"count": 1, "unit": "Hour"}}, "runAfter": {}},
            "After": {"type": "Compose", "inputs": "late", "runAfter": {"Wait": ["Succeeded"]}}
        }
    });
    let file = dir.path().join("slow.json");
    std::fs::write(&file, wf.to_string()).unwrap();
    let mut h = designer(dir.path(), file);
    click(&mut h, "▶ Run");
    assert!(has(&h, "Trigger request"), "the Run button opens the form");
    press(&mut h, "Start run");
    step_until(&mut h, "Wait runs", |a| {
        a.run_view.record("Wait").map(|r| r.status) == Some(Status::Running)
    });
    assert!(h.state().run_view.running());
    assert!(has(&h, "Wait: Running"));
    assert!(
        h.get_by_label("▶ Run").accesskit_node().is_disabled(),
        "no second run while one goes on"
    );
    // The window keeps drawing while the worker waits.
    for _ in 0..10 {
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(h.state().run_view.frames_while_running >= 10);
    let started = Instant::now();
    press(&mut h, "Cancel run");
    until_done(&mut h);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the Delay is cut short"
    );
    let run = h.state().run_view.run.clone().unwrap();
    assert_eq!(run.status, Status::Cancelled, "{run:?}");
    assert_eq!(run.action("Wait").unwrap().status, Status::Cancelled);
    assert!(h.state().canvas.run_overlay["Wait"]
        .text
        .starts_with("Cancelled"));
    assert!(has(&h, "Wait: Cancelled"));
    assert!(!h.get_by_label("▶ Run").accesskit_node().is_disabled());
}

/// A stored run with a loop reopens from the runs list; the pager walks
/// its iterations.
#[test]
fn a_past_run_reopens_and_the_pager_walks_the_iterations() {
    let dir = tempfile::tempdir().unwrap();
    let file = workflow(dir.path());
    let past: Run = serde_json::from_value(json!({
        "run_id": "08584PAST",
        "workflow": "double",
        "status": "Failed",
        "start": "2026-12-05T08:00:00Z",
        "end": "2026-12-05T08:00:02Z",
        "trigger": {"name": "manual", "status": "Succeeded"},
        "actions": {
            "Double": {"status": "Failed", "start": "2026-12-05T08:00:00Z", "end": "2026-12-05T08:00:01Z",
                "repetitions": [
                    {"index": 0, "status": "Succeeded", "outputs": "first-iteration"},
                    {"index": 1, "status": "Failed", "error": {"code": "BadRequest", "message": "second went wrong"}},
                    {"index": 2, "status": "Succeeded", "outputs": "third-iteration"}
                ]},
            "Echo": {"status": "Skipped"},
            "Rescue": {"status": "Succeeded", "outputs": "rescued"}
        },
        "outputs": {}
    }))
    .unwrap();
    History::open(&dir.path().join("runs.sqlite"))
        .unwrap()
        .store(&past)
        .unwrap();
    let mut h = designer(dir.path(), file);
    h.state_mut().run_view.panel_open = true;
    h.run();
    click(&mut h, "Refresh runs");
    for _ in 0..20 {
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    h.run();
    h.get_by_label_contains("Failed double").click_accesskit();
    for _ in 0..20 {
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    h.run();
    assert_eq!(
        h.state().run_view.run.as_ref().map(|r| r.run_id.as_str()),
        Some("08584PAST")
    );
    assert!(h.state().canvas.run_overlay["Echo"].greyed);

    click(&mut h, "Double: Failed, 1.0 s, 3 iterations");
    assert!(has(&h, "Iteration 1 of 3: Succeeded"));
    assert!(has(&h, "first-iteration"));
    click(&mut h, "Next iteration ▶");
    assert!(has(&h, "Iteration 2 of 3: Failed"));
    assert!(has(&h, "second went wrong"));
    click(&mut h, "Next iteration ▶");
    assert!(has(&h, "third-iteration"));
    click(&mut h, "◀ Previous iteration");
    assert!(has(&h, "Iteration 2 of 3"));
}

/// A secret typed in the form feeds a secure parameter; its value reaches
/// neither the run history's files nor any text of the window.
#[test]
fn a_secret_typed_in_the_form_reaches_no_file_and_no_label() {
    const CANARY: &str = "canary-7f3a9c51e2";
    let dir = tempfile::tempdir().unwrap();
    let wf = json!({
        "parameters": {"apiKey": {"type": "SecureString"}},
        "triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": {
            "Use": {"type": "Compose", "inputs": "@concat('key=', parameters('apiKey'))", "runAfter": {}},
            "Echo": {"type": "Compose", "inputs": "@outputs('Use')", "runAfter": {"Use": ["Succeeded"]}}
        }
    });
    let file = dir.path().join("secret.json");
    std::fs::write(&file, wf.to_string()).unwrap();
    let mut h = designer(dir.path(), file);
    h.key_press(Key::F5);
    h.run();
    click(&mut h, "Add a secret");
    type_in(&mut h, "Secret 1 name", "apiKey");
    type_in(&mut h, "Secret 1 value", CANARY);
    press(&mut h, "Start run");
    until_done(&mut h);
    let run = h.state().run_view.run.clone().expect("a run");
    assert_eq!(run.status, Status::Succeeded, "{run:?}");
    // The run used the value (Echo saw a string that starts with key=)…
    let echo = run.action("Echo").unwrap();
    assert!(
        echo.outputs.as_str().is_some_and(|s| s.starts_with("key=")),
        "{echo:?}"
    );
    // …and no record, file or label holds it.
    assert!(!serde_json::to_string(&run).unwrap().contains(CANARY));
    click(&mut h, "Echo (Compose)");
    click(&mut h, "Use (Compose)");
    for n in h.root().children_recursive() {
        let label = n.accesskit_node().label().unwrap_or_default();
        let value = n.accesskit_node().value().unwrap_or_default();
        assert!(
            !label.contains(CANARY) && !value.contains(CANARY),
            "shown: {label} {value}"
        );
    }
    let mut files = 0;
    for e in std::fs::read_dir(dir.path()).unwrap() {
        let p = e.unwrap().path();
        if p.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("runs.sqlite")
        {
            files += 1;
            let bytes = std::fs::read(&p).unwrap();
            assert!(
                !bytes.windows(CANARY.len()).any(|w| w == CANARY.as_bytes()),
                "{} holds the secret",
                p.display()
            );
        }
    }
    assert!(files >= 1, "the history was written");
}
