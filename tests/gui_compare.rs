//! File ▸ Compare with…: the designer lists what changed since the saved
//! version, or against another file, driven by accessible names.

mod common;
use common::app::app_with;

use egui_kittest::kittest::Queryable;
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
