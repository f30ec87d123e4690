//! File ▸ Compare with…: the designer lists what changed since the saved
//! version, or against another file, driven by accessible names.

mod common;
use common::app::app_with;

use egui_kittest::kittest::{NodeT, Queryable};
use lapis::workflow::edit::Edit;
use serde_json::json;

fn workflow() -> serde_json::Value {
    json!({
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "contentVersion": "1.0.0.0",
        "triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": {
            "Get": {"type": "Http", "inputs": {"method": "GET", "uri": "https://x.example"}, "runAfter": {}},
            "Reply": {"type": "Response", "inputs": {"statusCode": 200}, "runAfter": {"Get": ["Succeeded"]}}
        },
        "outputs": {}
    })
}

#[test]
fn compare_with_the_saved_version_and_with_a_file_lists_the_changes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wf.json");
    std::fs::write(&path, serde_json::to_string_pretty(&workflow()).unwrap()).unwrap();
    let mut h = app_with(Some(path.clone()));
    h.state_mut()
        .session
        .editor
        .apply(Edit::RenameAction {
            pointer: "/actions/Get".into(),
            new_name: "Fetch".into(),
        })
        .unwrap();
    h.state_mut()
        .session
        .editor
        .apply(Edit::Set {
            pointer: "/actions/Reply/inputs/statusCode".into(),
            value: json!(201),
        })
        .unwrap();
    h.run();
    h.get_by_label("File").click();
    h.run();
    h.get_by_label_contains("Compare with…").click();
    h.run();
    h.get_by_label("Compare with saved version").click();
    h.run();
    assert!(h
        .query_by_label_contains("renamed   Get -> Fetch")
        .is_some());
    assert!(h
        .query_by_label_contains("Reply /inputs/statusCode: 200 -> 201")
        .is_some());

    // Against another file: the one with an extra action.
    let mut other = workflow();
    other["actions"]["Log"] =
        json!({"type": "Compose", "inputs": 1, "runAfter": {"Reply": ["Succeeded"]}});
    let other_path = dir.path().join("other.json");
    std::fs::write(&other_path, serde_json::to_string_pretty(&other).unwrap()).unwrap();
    h.get_by_label("Compare with file").click();
    h.run();
    h.get_by_label("Compare with file")
        .type_text(other_path.to_str().unwrap());
    h.run();
    h.get_by_label("Compare with this file").click();
    h.run();
    assert!(h.query_by_label_contains("removed   Log").is_some());
    h.get_by_label("Close").click();
    h.run();
    assert!(h.query_by_label_contains("removed   Log").is_none());
}

fn set(
    h: &mut egui_kittest::Harness<'static, lapis::ui::LapisApp>,
    pointer: &str,
    value: serde_json::Value,
) {
    h.state_mut()
        .session
        .editor
        .apply(Edit::Set {
            pointer: pointer.into(),
            value,
        })
        .unwrap();
}

/// The accessible description of the widget named `label`.
fn description(h: &egui_kittest::Harness<'static, lapis::ui::LapisApp>, label: &str) -> String {
    h.get_by_label(label)
        .accesskit_node()
        .description()
        .unwrap_or_default()
}

fn selected(h: &egui_kittest::Harness<'static, lapis::ui::LapisApp>) -> Vec<String> {
    h.state().session.selection.clone()
}

#[test]
fn a_comparison_colours_the_canvas_steps_through_changes_and_shows_field_changes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wf.json");
    let mut wf = workflow();
    wf["actions"]["Get"]["inputs"]["authentication"] =
        json!({"type": "Basic", "username": "u", "password": "hunter2"});
    wf["actions"]["Log"] =
        json!({"type": "Compose", "inputs": 1, "runAfter": {"Reply": ["Succeeded"]}});
    std::fs::write(&path, serde_json::to_string_pretty(&wf).unwrap()).unwrap();
    let mut h = app_with(Some(path.clone()));
    // Added, changed (a field, a secret, the run-after), removed.
    h.state_mut()
        .session
        .editor
        .apply(Edit::DeleteAction {
            pointer: "/actions/Log".into(),
        })
        .unwrap();
    set(
        &mut h,
        "/actions/Extra",
        json!({"type": "Compose", "inputs": "x", "runAfter": {"Reply": ["Succeeded"]}}),
    );
    set(&mut h, "/actions/Reply/inputs/statusCode", json!(201));
    set(
        &mut h,
        "/actions/Get/inputs/authentication/password",
        json!("hunter3"),
    );
    h.run();
    // No comparison: no bar, no descriptions.
    assert!(h.query_by_label_contains("Comparing with").is_none());
    assert_eq!(description(&h, "Extra (Compose)"), "");

    h.get_by_label("File").click();
    h.run();
    h.get_by_label_contains("Compare with…").click();
    h.run();
    h.get_by_label("Compare with saved version").click();
    h.run();
    h.get_by_label("Close").click();
    h.run();
    assert!(h
        .query_by_label("Comparing with the saved version")
        .is_some());
    assert!(h
        .query_by_label_contains("1 added · 2 changed · 1 removed")
        .is_some());
    assert_eq!(description(&h, "Extra (Compose)"), "added");
    let reply = description(&h, "Reply (Response)");
    assert!(reply.starts_with("changed"), "{reply}");
    assert!(reply.contains("1 field changed"), "{reply}");
    let ghost = description(&h, "Removed: Log (Compose)");
    assert_eq!(ghost, "removed from top level");
    assert_eq!(description(&h, "Get (Http)"), "changed: 1 field changed");

    // The comparison follows edits: a run-after changed, its edge marked.
    h.state_mut()
        .session
        .editor
        .apply(Edit::SetRunAfter {
            pointer: "/actions/Reply".into(),
            run_after: vec![("Get".into(), vec!["Succeeded".into(), "Failed".into()])],
        })
        .unwrap();
    h.run();
    let reply = description(&h, "Reply (Response)");
    assert!(reply.contains("run-after changed"), "{reply}");
    assert_eq!(
        description(&h, "Edge from Get to Reply"),
        "run-after changed"
    );
    assert!(!description(&h, "Edge from Reply to Extra").contains("changed"));
    let decor = h.state().canvas.compare.clone().unwrap();
    assert_eq!(decor.edges.len(), 1);

    // Next change visits every change once (cards selected, the ghost
    // ringed), then wraps.
    let mut seen = Vec::new();
    for k in 1..=4 {
        h.get_by_label("Next change").click();
        h.run();
        assert!(h.query_by_label(&format!("{k} of 4")).is_some());
        let ghost = h.state().canvas.compare.as_ref().unwrap().current_ghost;
        seen.push(match ghost {
            Some(_) => "ghost Log".to_string(),
            None => selected(&h).join(","),
        });
    }
    seen.sort();
    assert_eq!(
        seen,
        [
            "/actions/Extra",
            "/actions/Get",
            "/actions/Reply",
            "ghost Log"
        ]
    );
    h.get_by_label("Next change").click();
    h.run();
    assert!(h.query_by_label("1 of 4").is_some());
    h.get_by_label("Previous change").click();
    h.run();
    assert!(h.query_by_label("4 of 4").is_some());

    // The inspector: the selection's field changes, secrets masked.
    common::app::select(&mut h, "Reply");
    assert!(h.query_by_label("/inputs/statusCode: 200 -> 201").is_some());
    assert!(h.query_by_label("run-after changed").is_some());
    common::app::select(&mut h, "Get");
    assert!(h
        .query_by_label(r#"/inputs/authentication/password: "***" -> "***""#)
        .is_some());
    assert!(h.query_by_label_contains("hunter").is_none());
    common::app::select(&mut h, "Extra");
    assert!(h
        .query_by_label_contains("Added since the saved version")
        .is_some());

    // End comparison: the canvas is plain again.
    h.get_by_label("End comparison").click();
    h.run();
    assert!(h.query_by_label_contains("Comparing with").is_none());
    assert_eq!(description(&h, "Reply (Response)"), "");
    assert!(h.query_by_label("Removed: Log (Compose)").is_none());
    assert!(h.query_by_label("/inputs/statusCode: 200 -> 201").is_none());
}

#[test]
fn a_big_workflow_is_compared_again_off_the_ui_thread_once_typing_pauses() {
    use lapis::workflow::text::{render, TextFormat};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.json");
    let wf = lapis::synth::generate(1200, 3);
    std::fs::write(&path, render(&wf, &TextFormat::default())).unwrap();
    let mut h = app_with(Some(path));
    h.get_by_label("File").click();
    h.run();
    h.get_by_label_contains("Compare with…").click();
    h.run();
    h.get_by_label("Compare with saved version").click();
    h.run();
    h.get_by_label("Close").click();
    h.run();
    assert!(h.query_by_label_contains("0 added · 0 changed").is_some());
    let first = {
        let s = &h.state().session;
        let o = &s.current().graph.outline;
        o.actions().next().unwrap().name.clone()
    };
    let p = {
        let s = &h.state().session;
        let o = &s.current().graph.outline;
        o.nodes[o.find(&first).unwrap()].pointer.clone()
    };
    set(&mut h, &format!("{p}/description"), json!("edited"));
    h.run();
    // Not recomputed in the frame of the edit: the bar says so.
    assert!(h.query_by_label("updating…").is_some());
    let mut done = false;
    for _ in 0..100 {
        std::thread::sleep(std::time::Duration::from_millis(50));
        h.run();
        if h.query_by_label_contains("0 added · 1 changed").is_some() {
            done = true;
            break;
        }
    }
    assert!(done, "the comparison never caught up with the edit");
    assert!(h.query_by_label("updating…").is_none());
    let d = h.state().canvas.compare.clone().unwrap();
    let id = h
        .state()
        .session
        .current()
        .graph
        .outline
        .find(&first)
        .unwrap();
    let m = d.cards[id].as_ref().unwrap();
    assert_eq!(m.fields, [r#"/description: (none) -> "edited""#]);
}

#[test]
fn a_removed_scope_draws_its_removed_children_under_it_not_at_the_top() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wf.json");
    let mut wf = workflow();
    wf["actions"]["Batch"] = json!({
        "type": "Scope",
        "runAfter": {"Reply": ["Succeeded"]},
        "actions": {
            "First": {"type": "Compose", "inputs": 1, "runAfter": {}},
            "Second": {"type": "Compose", "inputs": 2, "runAfter": {"First": ["Succeeded"]}}
        }
    });
    std::fs::write(&path, serde_json::to_string_pretty(&wf).unwrap()).unwrap();
    let mut h = app_with(Some(path.clone()));
    h.state_mut()
        .session
        .editor
        .apply(Edit::DeleteAction {
            pointer: "/actions/Batch".into(),
        })
        .unwrap();
    h.run();
    h.get_by_label("File").click();
    h.run();
    h.get_by_label_contains("Compare with…").click();
    h.run();
    h.get_by_label("Compare with saved version").click();
    h.run();
    let dec = h.state().canvas.compare.clone().expect("a comparison");
    let y = |name: &str| {
        dec.ghosts
            .iter()
            .find(|g| g.name == name)
            .unwrap_or_else(|| panic!("no ghost {name}: {:?}", dec.ghosts))
            .rect
            .y
    };
    assert!(y("Batch") > 0.0, "the scope stands after Reply");
    assert!(y("First") > y("Batch"), "{:?}", dec.ghosts);
    assert!(y("Second") > y("First"), "{:?}", dec.ghosts);
}

#[test]
fn the_minimap_shows_a_ghost_column_out_of_view() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wf.json");
    std::fs::write(&path, serde_json::to_string_pretty(&workflow()).unwrap()).unwrap();
    let mut h = app_with(Some(path.clone()));
    h.state_mut()
        .session
        .editor
        .apply(Edit::DeleteAction {
            pointer: "/actions/Reply".into(),
        })
        .unwrap();
    h.run();
    h.get_by_label("File").click();
    h.run();
    h.get_by_label_contains("Compare with…").click();
    h.run();
    h.get_by_label("Compare with saved version").click();
    h.run();
    h.get_by_label("Close").click();
    h.run();
    let ghost = h.state().canvas.compare.as_ref().unwrap().ghosts[0].rect;
    // The cards in view, at the right but clear of the minimap's column
    // (200 px); the ghost column past the right edge.
    let view = h.state().canvas.last_rect;
    let layout_w = h.state().session.current().layout.size.0;
    let c = &mut h.state_mut().canvas;
    c.zoom = 1.0;
    c.offset = egui::vec2(view.width() - 210.0 - layout_w, 40.0);
    h.run();
    assert!(
        h.state().canvas.offset.x + ghost.right() > view.width(),
        "the ghost is out of view"
    );
    assert!(
        h.state().canvas.offset.x + layout_w < h.state().canvas.last_rect.width(),
        "the cards are in view"
    );
    assert!(
        h.query_by_label("Minimap").is_some(),
        "the ghost column is out of view: the minimap shows the whole"
    );
}
