//! The Security panel and the export dialog, driven by accessible labels.

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use lapis::ui::{LapisApp, Options};
use serde_json::{json, Value};
use std::path::PathBuf;

fn app(file: PathBuf) -> Harness<'static, LapisApp> {
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_eframe(move |_cc| {
            LapisApp::new(Options {
                file: Some(file),
                native_dialogs: false,
                recovery_dir: None,
            })
        });
    h.run();
    h
}

fn arm_fixture(dir: &tempfile::TempDir) -> PathBuf {
    let def: Value = serde_json::from_str(include_str!("../samples/app-proxy-status.json"))
        .expect("the sample is JSON");
    let arm = json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [{
            "type": "Microsoft.Logic/workflows",
            "apiVersion": "2019-05-01",
            "name": "status-wf",
            "location": "westeurope",
            "properties": {"definition": def, "parameters": {}}
        }]
    });
    let p = dir.path().join("template.json");
    std::fs::write(&p, serde_json::to_vec_pretty(&arm).unwrap()).unwrap();
    p
}

fn access_control(h: &Harness<'_, LapisApp>) -> Option<Value> {
    h.state()
        .session
        .doc()
        .root
        .pointer("/resources/0/properties/accessControl")
        .cloned()
}

#[test]
fn access_control_is_edited_with_ranges_validated_as_typed() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(arm_fixture(&dir));
    h.get_by_label("Security").click();
    h.run();
    assert_eq!(access_control(&h), None);

    // Trigger callers: specific ranges.
    h.get_by_label("Trigger callers: who may call").click();
    h.run();
    h.get_by_label("Specific IP ranges").click();
    h.run();
    assert_eq!(
        access_control(&h),
        Some(json!({"triggers": {"allowedCallerIpAddresses": []}}))
    );
    // A bad range is refused as it is typed, and cannot be added.
    let field = "Add a range to Trigger callers";
    h.get_by_label(field).focus();
    h.get_by_label(field).type_text("10.0.0.0/33");
    h.run();
    h.get_by_label_contains("`/33` is not a prefix length");
    h.get_by_label("Add range to Trigger callers").click();
    h.run();
    assert_eq!(
        access_control(&h),
        Some(json!({"triggers": {"allowedCallerIpAddresses": []}}))
    );
    // Fix it: one character less, and a good range is added.
    h.get_by_label(field).focus();
    h.key_press(egui::Key::Backspace);
    h.key_press(egui::Key::Backspace);
    h.get_by_label(field).type_text("24");
    h.run();
    h.get_by_label("Add range to Trigger callers").click();
    h.run();
    assert_eq!(
        access_control(&h),
        Some(json!({"triggers": {"allowedCallerIpAddresses": [{"addressRange": "10.0.0.0/24"}]}}))
    );

    // Run history: nobody.
    h.get_by_label("Run history (inputs and outputs): who may call")
        .click();
    h.run();
    h.get_by_label("Nobody").click();
    h.run();
    let ac = access_control(&h).unwrap();
    assert_eq!(
        ac["contents"],
        json!({"allowedCallerIpAddresses": [{"addressRange": "0.0.0.0-0.0.0.0"}]})
    );

    // Undo takes the last change back; the rest stays.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run();
    let ac = access_control(&h).unwrap();
    assert!(ac.get("contents").is_none(), "{ac}");
    assert_eq!(
        ac["triggers"]["allowedCallerIpAddresses"][0]["addressRange"],
        "10.0.0.0/24"
    );

    // The range is removed with its button; "Any IP address" removes the section.
    h.get_by_label("Remove 10.0.0.0/24 from Trigger callers")
        .click();
    h.run();
    h.get_by_label("Trigger callers: who may call").click();
    h.run();
    h.get_by_label("Any IP address").click();
    h.run();
    assert_eq!(access_control(&h), None);
}
