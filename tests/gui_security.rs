//! The Security panel and the export dialog, driven by accessible labels.

mod common;
use common::app::write_arm_template;

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
    write_arm_template(dir.path(), def)
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

const CANARY: &str = "Zq8~literal-client-secret-4471";

/// The sample with its client secret typed in clear.
fn leaky_fixture(dir: &tempfile::TempDir) -> PathBuf {
    let mut def: Value = serde_json::from_str(include_str!("../samples/app-proxy-status.json"))
        .expect("the sample is JSON");
    def["actions"]["Get_status"]["inputs"]["authentication"]["secret"] = json!(CANARY);
    let p = dir.path().join("leaky.json");
    std::fs::write(&p, serde_json::to_vec_pretty(&def).unwrap()).unwrap();
    p
}

fn files_under(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn export_dialog_blocks_secrets_fixes_them_and_writes_an_arm_template() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(leaky_fixture(&dir));
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::E);
    h.run();
    h.get_by_label("Consumption ARM template").click();
    h.run();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let template = out.join("status.azuredeploy.json");
    h.get_by_label("Export path").focus();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_label("Export path")
        .type_text(template.to_str().unwrap());
    h.get_by_label("Azure location").focus();
    h.get_by_label("Azure location").type_text("westeurope");
    h.get_by_label("CanNotDelete lock").click();
    h.run();

    // The literal secret blocks the export, and says where it is.
    h.get_by_label_contains("secret(s) written in clear");
    h.get_by_label_contains("Get_status: client secret is a literal value");
    h.get_by_label("Export").click();
    h.run();
    assert!(
        !template.exists(),
        "nothing is written while a secret is in clear"
    );

    // One click moves it to a secure parameter (one undoable edit).
    h.get_by_label_contains("Fix: ").click();
    h.run();
    let root = h.state().session.doc().root.clone();
    let secret = root["actions"]["Get_status"]["inputs"]["authentication"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(secret.starts_with("@parameters('"), "{secret}");
    h.get_by_label_contains("No secret in clear");
    h.get_by_label("Export").click();
    h.run();
    h.get_by_label_contains("Wrote");

    let t: Value = serde_json::from_slice(&std::fs::read(&template).unwrap()).unwrap();
    let wf = t["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "Microsoft.Logic/workflows")
        .expect("the workflow resource");
    assert_eq!(wf["apiVersion"], "2019-05-01");
    assert!(t["resources"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["type"] == "Microsoft.Authorization/locks"));
    let secure: Vec<&String> = t["parameters"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, p)| p["type"] == "securestring")
        .map(|(k, _)| k)
        .collect();
    assert!(!secure.is_empty(), "{}", t["parameters"]);
    let mut written = Vec::new();
    files_under(&out, &mut written);
    assert!(
        written.len() >= 2,
        "template and parameters file: {written:?}"
    );
    for f in &written {
        let bytes = std::fs::read(f).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(CANARY),
            "{} holds the secret",
            f.display()
        );
    }
    // Undo brings the literal back into the document (not into any file).
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run();
    assert_eq!(
        h.state().session.doc().root["actions"]["Get_status"]["inputs"]["authentication"]["secret"],
        json!(CANARY)
    );
}

#[test]
fn saving_a_secret_in_clear_is_held_until_it_is_moved() {
    let dir = tempfile::tempdir().unwrap();
    let path = leaky_fixture(&dir);
    let before = std::fs::read(&path).unwrap();
    let mut h = app(path.clone());
    // An edit, then Ctrl+S: the save is held back.
    h.state_mut()
        .session
        .set_field(
            "/actions/Get_status/inputs/uri",
            json!("https://sampleapp2.msappproxy.net/api/1/status"),
        )
        .unwrap();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::S);
    h.run();
    assert!(h.state().session.editor.is_dirty());
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the file is unchanged"
    );
    h.get_by_label_contains("was not saved");
    h.get_by_label("Move all to secure parameters").click();
    h.run();
    assert!(
        !h.state().session.editor.is_dirty(),
        "saved once fixed: {}",
        h.state().session.status
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains(CANARY));
    assert!(text.contains("sampleapp2"));
    let doc = lapis::workflow::Document::load(&path).unwrap();
    assert!(lapis::export::scan_document(&doc).is_empty());
}

// ----- the export dialog keeps what the source says --------------------

fn sample_definition() -> Value {
    serde_json::from_str(include_str!("../samples/app-proxy-status.json"))
        .expect("the sample is JSON")
}

/// Opens the export dialog, picks `format`, types `out` as the path and
/// clicks Export; checks that files were written.
fn export_through_dialog(h: &mut Harness<'_, LapisApp>, format: &str, out: &std::path::Path) {
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::E);
    h.run();
    h.get_by_label(format).click();
    h.run();
    h.get_by_label("Export path").focus();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_label("Export path")
        .type_text(out.to_str().unwrap());
    h.run();
    h.get_by_label_contains("No secret in clear");
    h.get_by_label("Export").click();
    h.run();
    h.get_by_label_contains("Wrote");
}

fn read_json(p: &std::path::Path) -> Value {
    let bytes = std::fs::read(p).unwrap_or_else(|e| panic!("{} was not written: {e}", p.display()));
    serde_json::from_slice(&bytes).unwrap()
}

#[test]
fn a_stateless_standard_workflow_is_exported_stateless_in_its_own_folder() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("orders");
    std::fs::create_dir_all(&folder).unwrap();
    let file = folder.join("workflow.json");
    let def = sample_definition();
    std::fs::write(
        &file,
        serde_json::to_vec_pretty(&json!({"definition": def, "kind": "Stateless"})).unwrap(),
    )
    .unwrap();
    let mut h = app(file);
    let project = dir.path().join("project");
    export_through_dialog(&mut h, "Standard project", &project);

    // The folder is the workflow's (`orders`), not the file's stem.
    let wf = read_json(&project.join("orders/workflow.json"));
    assert_eq!(wf["kind"], "Stateless", "{wf}");
    assert!(
        !project.join("workflow").exists(),
        "no folder named after the file"
    );
    // Imported back, it is the same workflow.
    let back = lapis::export::import(&project, &Default::default()).unwrap();
    assert_eq!(
        back.definition,
        lapis::export::strip_secure_defaults(&def),
        "the definition survives the round trip"
    );
    assert_eq!(back.document.root["kind"], "Stateless");
}

#[test]
fn a_disabled_arm_workflow_keeps_its_state_and_name() {
    let dir = tempfile::tempdir().unwrap();
    let arm = json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {
            "logicAppName": {"type": "string", "defaultValue": "orders-prod"}
        },
        "resources": [{
            "type": "Microsoft.Logic/workflows",
            "apiVersion": "2019-05-01",
            "name": "[parameters('logicAppName')]",
            "location": "westeurope",
            "properties": {"state": "Disabled", "definition": sample_definition(), "parameters": {}}
        }]
    });
    let file = dir.path().join("azuredeploy.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&arm).unwrap()).unwrap();
    let mut h = app(file);
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let template = out.join("orders.azuredeploy.json");
    export_through_dialog(&mut h, "Consumption ARM template", &template);

    let t = read_json(&template);
    assert_eq!(
        t["parameters"]["logicAppName"]["defaultValue"], "orders-prod",
        "the name is the workflow's, not the file's: {}",
        t["parameters"]["logicAppName"]
    );
    let wf = t["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "Microsoft.Logic/workflows")
        .expect("the workflow resource");
    assert_eq!(wf["properties"]["state"], "Disabled", "{wf}");
}

#[test]
fn a_disabled_resource_named_in_clear_keeps_its_name_through_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let def = sample_definition();
    let arm = json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [{
            "type": "Microsoft.Logic/workflows",
            "apiVersion": "2019-05-01",
            "name": "status-wf",
            "location": "westeurope",
            "properties": {"state": "Disabled", "definition": def, "parameters": {}}
        }]
    });
    let file = dir.path().join("template.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&arm).unwrap()).unwrap();
    let mut h = app(file);

    // ARM: name and state from the resource.
    let template = dir.path().join("arm/status.azuredeploy.json");
    std::fs::create_dir_all(template.parent().unwrap()).unwrap();
    export_through_dialog(&mut h, "Consumption ARM template", &template);
    let t = read_json(&template);
    assert_eq!(t["parameters"]["logicAppName"]["defaultValue"], "status-wf");
    let wf = t["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "Microsoft.Logic/workflows")
        .unwrap();
    assert_eq!(wf["properties"]["state"], "Disabled");

    // Definition JSON: the bare definition.
    let bare = dir.path().join("status.definition.json");
    export_through_dialog(&mut h, "Definition JSON", &bare);
    assert_eq!(read_json(&bare), lapis::export::strip_secure_defaults(&def));

    // Standard: the folder takes the resource's name; stateful (an ARM
    // template has no kind).
    let project = dir.path().join("std");
    export_through_dialog(&mut h, "Standard project", &project);
    let w = read_json(&project.join("status-wf/workflow.json"));
    assert_eq!(w["kind"], "Stateful");
}

// ----- recovery copies never hold a secret typed in clear ---------------

#[test]
fn a_recovery_copy_leaves_out_a_secret_typed_in_clear_and_keeps_the_rest() {
    use base64::Engine as _;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("status.json");
    std::fs::write(
        &file,
        serde_json::to_vec_pretty(&sample_definition()).unwrap(),
    )
    .unwrap();
    let rec = dir.path().join("recovery");
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_eframe({
            let rec = rec.clone();
            move |_cc| {
                LapisApp::new(Options {
                    file: Some(file),
                    native_dialogs: false,
                    recovery_dir: Some(rec),
                })
            }
        });
    h.run();
    // The client secret typed in clear, and another edit.
    let auth = "/actions/Get_status/inputs/authentication";
    h.state_mut()
        .session
        .set_field(&format!("{auth}/secret"), json!(CANARY))
        .unwrap();
    h.state_mut()
        .session
        .set_field(
            "/actions/Get_status/inputs/uri",
            json!("https://sampleapp2.msappproxy.net/api/1/status"),
        )
        .unwrap();
    h.state_mut().write_recovery();
    h.run();
    assert!(
        h.state()
            .session
            .status
            .contains("1 secret(s) typed in clear were left out of the recovery copy"),
        "{}",
        h.state().session.status
    );
    // The document in the window keeps what was typed.
    assert_eq!(
        h.state()
            .session
            .doc()
            .root
            .pointer(&format!("{auth}/secret")),
        Some(&json!(CANARY))
    );

    let mut copies = Vec::new();
    files_under(&rec, &mut copies);
    assert_eq!(copies.len(), 1, "{copies:?}");
    let raw = std::fs::read(&copies[0]).unwrap();
    assert!(!String::from_utf8_lossy(&raw).contains(CANARY));
    let copy: Value = serde_json::from_slice(&raw).unwrap();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(copy["bytes"].as_str().unwrap())
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&bytes).contains(CANARY),
        "the secret is not in the recovered document"
    );
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    let action = &doc["actions"]["Get_status"];
    assert_eq!(action["inputs"]["authentication"]["secret"], "");
    assert_eq!(
        action["inputs"]["uri"],
        "https://sampleapp2.msappproxy.net/api/1/status"
    );
    let original = sample_definition();
    for key in ["type", "authority", "tenant", "audience", "clientId"] {
        assert_eq!(
            action["inputs"]["authentication"][key],
            original["actions"]["Get_status"]["inputs"]["authentication"][key],
            "{key}"
        );
    }
    assert_eq!(
        action["inputs"]["headers"],
        json!({"Accept": "application/json"})
    );
}

// ----- opening another file resets what was held for the previous one ---

/// Opens `path` through Ctrl+O and the in-window path field.
fn open_through_path_field(h: &mut Harness<'_, LapisApp>, path: &std::path::Path) {
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::O);
    h.run();
    h.get_by_label("Path").focus();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_label("Path").type_text(path.to_str().unwrap());
    h.run();
    h.get_by_label("Open").click();
    h.run();
    assert_eq!(h.state().session.path(), Some(&path.to_path_buf()));
}

#[test]
fn opening_another_file_starts_the_open_export_dialog_again() {
    let dir = tempfile::tempdir().unwrap();
    // A disabled ARM workflow named `status-wf`…
    let arm = json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [{
            "type": "Microsoft.Logic/workflows",
            "apiVersion": "2019-05-01",
            "name": "status-wf",
            "location": "westeurope",
            "properties": {"state": "Disabled", "definition": sample_definition(), "parameters": {}}
        }]
    });
    let first = dir.path().join("template.json");
    std::fs::write(&first, serde_json::to_vec_pretty(&arm).unwrap()).unwrap();
    // …then a stateless Standard workflow in folder `orders`.
    let folder = dir.path().join("std/orders");
    std::fs::create_dir_all(&folder).unwrap();
    let second = folder.join("workflow.json");
    std::fs::write(
        &second,
        serde_json::to_vec_pretty(&json!({"definition": sample_definition(), "kind": "Stateless"}))
            .unwrap(),
    )
    .unwrap();

    let mut h = app(first);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::E);
    h.run();
    h.get_by_label("Standard project").click();
    h.run();
    {
        let d = h.state().export.as_ref().expect("the dialog is open");
        assert_eq!(
            (d.name.as_str(), d.enabled, d.stateless),
            ("status-wf", false, false)
        );
    }

    open_through_path_field(&mut h, &second);
    let d = h.state().export.as_ref().expect("the dialog stays open");
    assert_eq!(d.name, "orders", "the new workflow's name");
    assert!(d.stateless, "the new workflow's kind");
    assert!(d.enabled, "the new workflow has no Disabled state");
    assert_eq!(
        d.target,
        lapis::export::Target::Standard,
        "the kind of output is kept"
    );
    assert_eq!(
        PathBuf::from(&d.path),
        folder.join("workflow-standard"),
        "the path is beside the new file"
    );
    assert!(d.result.is_none());

    // Exported as it stands, the new workflow keeps its name and kind.
    let project = dir.path().join("project");
    export_through_dialog(&mut h, "Standard project", &project);
    let wf = read_json(&project.join("orders/workflow.json"));
    assert_eq!(wf["kind"], "Stateless", "{wf}");
    assert!(!project.join("status-wf").exists());
}

#[test]
fn opening_another_file_drops_a_save_held_for_the_previous_one() {
    let dir = tempfile::tempdir().unwrap();
    let first = leaky_fixture(&dir);
    let first_bytes = std::fs::read(&first).unwrap();
    let second = dir.path().join("other.json");
    let mut def = sample_definition();
    def["actions"]["Get_status"]["inputs"]["authentication"]["secret"] =
        json!("Kw3~another-literal-secret-9902");
    std::fs::write(&second, serde_json::to_vec_pretty(&def).unwrap()).unwrap();

    let mut h = app(first.clone());
    // Saving the unchanged file is held back by the secret in clear.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::S);
    h.run();
    h.get_by_label_contains("was not saved");
    assert!(!h.state().session.editor.is_dirty());

    // Nothing unsaved, so another file opens without a question; the held
    // save (the first file's path and findings) goes with the old document.
    open_through_path_field(&mut h, &second);
    assert!(h.state().blocked_save.is_none());
    assert!(h.query_by_label_contains("was not saved").is_none());
    assert!(h.query_by_label("Move all to secure parameters").is_none());
    assert_eq!(
        std::fs::read(&first).unwrap(),
        first_bytes,
        "the first file is untouched"
    );
}
