//! The document-level parts of the designer, driven through egui_kittest by
//! accessible names as a user (or a screen reader) would: the one
//! unsaved-changes guard on every path that replaces the document, adding,
//! replacing and deleting the trigger, Workflow JSON ▸ Apply, and the
//! Parameters tab.

mod common;
use common::app::{app_in as app_with, leave_recovery_copy};

use egui::accesskit::Role;
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use lapis::ui::LapisApp;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn app(file: Option<PathBuf>) -> Harness<'static, LapisApp> {
    app_with(file, None)
}

fn root(h: &Harness<'_, LapisApp>) -> Value {
    h.state().session.doc().root.clone()
}

fn click(h: &mut Harness<'static, LapisApp>, label: &str) {
    // Into view first (the Parameters tab scrolls).
    h.get_by_label(label).scroll_to_me();
    h.run();
    h.get_by_label(label).click();
    h.run();
}

fn press(h: &mut Harness<'_, LapisApp>, m: egui::Modifiers, k: egui::Key) {
    h.key_press_modifiers(m, k);
    h.run();
}

/// Types into a field (focused first, as a click would).
fn type_into(h: &mut Harness<'static, LapisApp>, label: &str, text: &str) {
    h.get_by_label(label).scroll_to_me();
    h.run();
    h.get_by_label(label).focus();
    h.run();
    h.get_by_label(label).type_text(text);
    h.run();
}

/// Replaces the text of a field with `text`.
fn retype(h: &mut Harness<'static, LapisApp>, label: &str, text: &str) {
    h.get_by_label(label).scroll_to_me();
    h.run();
    h.get_by_label(label).focus();
    h.run();
    press(h, egui::Modifiers::COMMAND, egui::Key::A);
    if text.is_empty() {
        press(h, egui::Modifiers::NONE, egui::Key::Backspace);
    } else {
        h.get_by_label(label).type_text(text);
        h.run();
    }
}

/// A copy of a bundled sample in `dir`.
fn sample(dir: &Path, name: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/samples/app-proxy-status.json"),
        &p,
    )
    .expect("copy the sample");
    p
}

/// A small, different workflow to open over the current one.
fn other_file(dir: &Path) -> PathBuf {
    let p = dir.join("other.json");
    let v = json!({
        "$schema": lapis::workflow::DEFINITION_SCHEMA,
        "contentVersion": "1.0.0.0",
        "triggers": {"Recurrence": {"type": "Recurrence", "recurrence": {"frequency": "Day", "interval": 1}}},
        "actions": {"Only": {"type": "Compose", "inputs": "x", "runAfter": {}}},
        "outputs": {}
    });
    std::fs::write(&p, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    p
}

/// An unsaved change: a Compose added after the selection.
fn make_dirty(h: &mut Harness<'static, LapisApp>) {
    h.state_mut().add_action("Compose");
    h.run();
    assert!(h.state().session.editor.is_dirty());
}

fn has_compose(h: &Harness<'_, LapisApp>) -> bool {
    root(h)["actions"].get("Compose").is_some()
}

fn asked(h: &Harness<'_, LapisApp>) -> bool {
    h.query_by_label("Don't save the changes").is_some()
}

fn opened(h: &Harness<'_, LapisApp>, p: &Path) -> bool {
    h.state().session.path() == Some(&p.to_path_buf()) && root(h)["actions"].get("Only").is_some()
}

#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

fn close_window(h: &mut Harness<'static, LapisApp>) {
    h.input_mut()
        .viewports
        .entry(egui::ViewportId::ROOT)
        .or_default()
        .events
        .push(egui::ViewportEvent::Close);
    h.run();
}

// ----- the unsaved-changes guard, path by path --------------------------

#[test]
fn guard_new_asks_cancel_keeps_dont_save_replaces() {
    let mut h = app(None);
    make_dirty(&mut h);
    press(&mut h, egui::Modifiers::COMMAND, egui::Key::N);
    assert!(asked(&h), "File ▸ New asks first");
    click(&mut h, "Cancel and keep editing");
    assert!(!asked(&h));
    assert!(has_compose(&h) && h.state().session.editor.is_dirty());
    // From the menu this time, and Don't save.
    click(&mut h, "File");
    h.get_by_label_contains("New").click();
    h.run();
    assert!(asked(&h));
    click(&mut h, "Don't save the changes");
    assert_eq!(root(&h)["actions"], json!({}));
    assert!(!h.state().session.editor.is_dirty());
    // A clean document is replaced without a question.
    press(&mut h, egui::Modifiers::COMMAND, egui::Key::N);
    assert!(!asked(&h));
}

#[test]
fn guard_open_asks_once_a_file_is_picked() {
    let dir = tempfile::tempdir().unwrap();
    let other = other_file(dir.path());
    let mut h = app(None);
    make_dirty(&mut h);
    press(&mut h, egui::Modifiers::COMMAND, egui::Key::O);
    h.get_by_label("Path")
        .type_text(&other.display().to_string());
    h.run();
    h.get_by_role_and_label(Role::Button, "Open").click();
    h.run();
    assert!(asked(&h), "Open asks before replacing unsaved work");
    click(&mut h, "Don't save the changes");
    assert!(opened(&h, &other));
}

#[test]
fn guard_open_path_asks_and_the_work_reaches_the_recovery_folder() {
    let dir = tempfile::tempdir().unwrap();
    let other = other_file(dir.path());
    let rec = dir.path().join("recovery");
    let mut h = app_with(None, Some(rec.clone()));
    make_dirty(&mut h);
    click(&mut h, "File");
    click(&mut h, "Open path…");
    h.get_by_label("Path")
        .type_text(&other.display().to_string());
    h.run();
    h.get_by_role_and_label(Role::Button, "Open").click();
    h.run();
    assert!(asked(&h), "Open path… asks before replacing unsaved work");
    // While the question is open, the work is in the recovery folder.
    let copies: Vec<_> = std::fs::read_dir(&rec).unwrap().collect();
    assert_eq!(copies.len(), 1, "one recovery copy");
    let copy: Value =
        serde_json::from_slice(&std::fs::read(copies[0].as_ref().unwrap().path()).unwrap())
            .unwrap();
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(copy["bytes"].as_str().expect("the copy holds the document"))
        .unwrap();
    let held: Value = serde_json::from_slice(&bytes).unwrap();
    assert!(
        held["actions"].get("Compose").is_some(),
        "the unsaved Compose is in the copy"
    );
    click(&mut h, "Cancel and keep editing");
    assert!(has_compose(&h), "Cancel keeps the document");
    assert_eq!(h.state().session.path(), None);
}

#[test]
fn guard_open_recent_save_saves_then_opens() {
    let dir = tempfile::tempdir().unwrap();
    let mine = sample(dir.path(), "mine.json");
    let other = other_file(dir.path());
    let mut h = app(Some(mine.clone()));
    h.state_mut().settings.recent = vec![other.clone(), mine.clone()];
    make_dirty(&mut h);
    click(&mut h, "File");
    click(&mut h, "Open recent");
    click(&mut h, &other.display().to_string());
    assert!(asked(&h), "Open recent asks first");
    click(&mut h, "Save the changes, then go on");
    let saved: Value = serde_json::from_slice(&std::fs::read(&mine).unwrap()).unwrap();
    assert!(saved["actions"].get("Compose").is_some(), "saved first");
    assert!(opened(&h, &other), "then opened");
}

#[test]
fn guard_save_of_an_untitled_document_asks_where_then_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("saved.json");
    let mut h = app(None);
    make_dirty(&mut h);
    press(&mut h, egui::Modifiers::COMMAND, egui::Key::N);
    click(&mut h, "Save the changes, then go on");
    // No path yet: Save as asks for one, and New follows the save.
    h.get_by_label("Path")
        .type_text(&target.display().to_string());
    h.run();
    h.get_by_role_and_label(Role::Button, "Save").click();
    h.run();
    let saved: Value = serde_json::from_slice(&std::fs::read(&target).unwrap()).unwrap();
    assert!(saved["actions"].get("Compose").is_some());
    assert_eq!(root(&h)["actions"], json!({}), "then the new document");
}

#[test]
fn guard_dropped_file_asks_first() {
    let dir = tempfile::tempdir().unwrap();
    let other = other_file(dir.path());
    let mut h = app(None);
    make_dirty(&mut h);
    h.input_mut()
        .dropped_files
        .push(std::sync::Arc::new(Dropped(other.clone())));
    h.run();
    assert!(asked(&h), "a dropped file asks first");
    assert!(has_compose(&h));
    click(&mut h, "Don't save the changes");
    assert!(opened(&h, &other));
}

#[test]
fn guard_quit_asks_and_cancel_keeps_the_window() {
    let mut h = app(None);
    close_window(&mut h);
    assert!(!asked(&h), "nothing unsaved: no question");
    let mut h = app(None);
    make_dirty(&mut h);
    close_window(&mut h);
    assert!(asked(&h), "closing asks");
    click(&mut h, "Cancel and keep editing");
    assert!(!h.state().closing());
    assert!(has_compose(&h));
    click(&mut h, "File");
    click(&mut h, "Quit");
    close_window(&mut h);
    assert!(asked(&h));
    click(&mut h, "Don't save the changes");
    assert!(h.state().closing());
}

#[test]
fn guard_recovery_asks_before_replacing_unsaved_work() {
    let data = tempfile::tempdir().unwrap();
    let rec = data.path().join("recovery");
    // A first designer writes a recovery copy holding a Terminate, then dies.
    leave_recovery_copy(&rec, "Terminate");
    let mut h = app_with(None, Some(rec.clone()));
    // Work done before answering (the question can be put off).
    make_dirty(&mut h);
    click(&mut h, "Recover");
    assert!(asked(&h), "recovering over unsaved work asks first");
    click(&mut h, "Cancel and keep editing");
    assert!(has_compose(&h) && root(&h)["actions"].get("Terminate").is_none());
    // The copy is still offered, from the File menu.
    click(&mut h, "File");
    click(&mut h, "Recover unsaved work…");
    click(&mut h, "Recover");
    click(&mut h, "Don't save the changes");
    assert!(root(&h)["actions"].get("Terminate").is_some(), "recovered");
    assert!(
        h.state().session.editor.is_dirty(),
        "recovered work is unsaved"
    );
}

// ----- triggers ------------------------------------------------------------

#[test]
fn an_empty_workflow_offers_add_a_trigger() {
    let mut h = app(None);
    press(&mut h, egui::Modifiers::COMMAND, egui::Key::N);
    click(&mut h, "Add a trigger");
    click(&mut h, "Request trigger");
    let r = root(&h);
    assert_eq!(
        r["triggers"],
        json!({"When_a_HTTP_request_is_received": {"type": "Request", "kind": "Http", "inputs": {"schema": {}}}})
    );
    assert!(
        h.query_by_label("Add a trigger").is_none(),
        "gone once there is a trigger"
    );
    h.get_by_role_and_label(Role::Button, "When_a_HTTP_request_is_received (Request)");
    click(&mut h, "⟲ Undo");
    assert_eq!(root(&h)["triggers"], json!({}));
    h.get_by_label("Add a trigger");
}

#[test]
fn the_add_menu_replaces_the_trigger_and_undo_gives_it_back() {
    let mut h = app(None);
    let before = root(&h);
    click(&mut h, "➕ Add action");
    click(&mut h, "Replace the trigger with a Recurrence trigger");
    let r = root(&h);
    assert_eq!(
        r["triggers"],
        json!({"Recurrence": {"type": "Recurrence", "recurrence": {"frequency": "Hour", "interval": 1}}})
    );
    click(&mut h, "⟲ Undo");
    assert_eq!(
        serde_json::to_string(&root(&h)).unwrap(),
        serde_json::to_string(&before).unwrap(),
        "exact undo"
    );
}

#[test]
fn the_trigger_card_menu_replaces_and_deletes_the_trigger() {
    let mut h = app(None);
    h.get_by_role_and_label(Role::Button, "manual (Request)")
        .click_secondary();
    h.run();
    click(&mut h, "Replace trigger");
    click(&mut h, "Replace with a HTTP trigger");
    let r = root(&h);
    assert_eq!(r["triggers"]["HTTP"]["type"], "Http");
    assert_eq!(r["triggers"]["HTTP"]["recurrence"]["frequency"], "Hour");
    assert!(r["triggers"].get("manual").is_none());
    h.get_by_role_and_label(Role::Button, "HTTP (Http)")
        .click_secondary();
    h.run();
    click(&mut h, "Delete trigger");
    assert_eq!(root(&h)["triggers"], json!({}));
    h.get_by_label("Add a trigger");
    // Undo, then Del on the selected trigger deletes it too.
    click(&mut h, "⟲ Undo");
    h.get_by_role_and_label(Role::Button, "HTTP (Http)").click();
    h.run();
    press(&mut h, egui::Modifiers::NONE, egui::Key::Delete);
    assert_eq!(root(&h)["triggers"], json!({}));
}

#[test]
fn other_trigger_as_json_refuses_bad_json_with_line_and_column() {
    let mut h = app(None);
    press(&mut h, egui::Modifiers::COMMAND, egui::Key::N);
    click(&mut h, "Add a trigger");
    click(&mut h, "Other trigger (JSON)…");
    type_into(
        &mut h,
        "Trigger JSON",
        "{\n  \"type\": \"ApiConnection\",\n  ]",
    );
    let shown: Vec<String> = h
        .get_all_by_label_contains("invalid JSON")
        .map(|n| {
            let a = n.accesskit_node();
            format!(
                "{}{}",
                a.label().unwrap_or_default(),
                a.value().unwrap_or_default()
            )
        })
        .collect();
    assert!(
        shown.iter().any(|l| l.starts_with("3:")),
        "line and column: {shown:?}"
    );
    click(&mut h, "Add trigger");
    assert_eq!(root(&h)["triggers"], json!({}), "nothing added");
    retype(
        &mut h,
        "Trigger JSON",
        r#"{"When_a_file_is_added": {"type": "ApiConnection", "inputs": {"host": {}}}}"#,
    );
    click(&mut h, "Add trigger");
    assert_eq!(
        root(&h)["triggers"]["When_a_file_is_added"]["type"],
        "ApiConnection"
    );
    assert!(h.state().dialog.is_none(), "the dialog closed");
}

#[test]
fn a_pasted_trigger_goes_to_triggers() {
    let mut h = app(None);
    press(&mut h, egui::Modifiers::COMMAND, egui::Key::N);
    h.input_mut().events.push(egui::Event::Paste(
        r#"{"manual": {"type": "Request", "kind": "Http", "inputs": {"schema": {}}}}"#.into(),
    ));
    h.run();
    let r = root(&h);
    assert_eq!(r["triggers"]["manual"]["type"], "Request");
    assert_eq!(r["actions"], json!({}));
}

// ----- Workflow JSON ▸ Apply -----------------------------------------------

fn apply_whole(h: &mut Harness<'static, LapisApp>, text: &str) {
    click(h, "Workflow JSON");
    retype(h, "JSON code", text);
    h.get_by_role_and_label(Role::Button, "Apply").click();
    h.run();
}

#[test]
fn workflow_json_apply_on_a_bare_definition_is_one_undoable_edit() {
    let dir = tempfile::tempdir().unwrap();
    let path = sample(dir.path(), "bare.json");
    let mut h = app(Some(path));
    let before = serde_json::to_string(&root(&h)).unwrap();
    let new = json!({
        "$schema": lapis::workflow::DEFINITION_SCHEMA,
        "contentVersion": "1.0.0.0",
        "triggers": {"Recurrence": {"type": "Recurrence", "recurrence": {"frequency": "Day", "interval": 1}}},
        "actions": {"Only": {"type": "Compose", "inputs": "x", "runAfter": {}}},
        "outputs": {}
    });
    apply_whole(&mut h, &serde_json::to_string_pretty(&new).unwrap());
    assert_eq!(root(&h), new);
    assert!(h.state().session.editor.is_dirty());
    click(&mut h, "⟲ Undo");
    assert_eq!(
        serde_json::to_string(&root(&h)).unwrap(),
        before,
        "exact undo"
    );
    // Invalid JSON: the line and column are shown, and nothing changes.
    apply_whole(&mut h, "{\n  \"triggers\": {},\n  \"actions\": [}\n}");
    h.get_by_label_contains("3:");
    assert_eq!(serde_json::to_string(&root(&h)).unwrap(), before);
}

#[test]
fn workflow_json_apply_on_a_standard_workflow() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("workflow.json");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/samples/order-sync/workflow.json"
        ),
        &path,
    )
    .unwrap();
    let mut h = app(Some(path));
    let mut def = root(&h)["definition"].clone();
    def["actions"] = json!({"Only": {"type": "Compose", "inputs": "x", "runAfter": {}}});
    apply_whole(&mut h, &serde_json::to_string_pretty(&def).unwrap());
    assert_eq!(root(&h)["definition"], def);
    assert!(root(&h).get("kind").is_some(), "the container stays");
}

// ----- parameters ------------------------------------------------------------

fn params(h: &Harness<'_, LapisApp>) -> Value {
    root(h)["parameters"].clone()
}

#[test]
fn a_default_value_survives_enter_a_tab_switch_and_quotes() {
    let mut h = app(None);
    click(&mut h, "Parameters");
    retype(
        &mut h,
        "Default value of tenantId",
        "fabrikam.onmicrosoft.com",
    );
    press(&mut h, egui::Modifiers::NONE, egui::Key::Enter);
    assert_eq!(
        params(&h)["tenantId"]["defaultValue"],
        "fabrikam.onmicrosoft.com"
    );
    retype(&mut h, "Default value of tenantId", "\"quoted\"");
    // Switch tabs while the field still has the focus.
    click(&mut h, "Outline");
    click(&mut h, "Parameters");
    assert_eq!(params(&h)["tenantId"]["defaultValue"], "\"quoted\"");
    assert_eq!(
        h.get_by_label("Default value of tenantId")
            .value()
            .as_deref(),
        Some("\"quoted\"")
    );
}

#[test]
fn typed_defaults_are_checked_and_json_types_get_a_json_editor() {
    let mut h = app(None);
    click(&mut h, "Parameters");
    for (name, ty) in [("retries", "Int"), ("limits", "Object")] {
        type_into(&mut h, "Parameter name", name);
        click(&mut h, "Type of the new parameter");
        h.get_all_by_label(ty).last().unwrap().click();
        h.run();
        click(&mut h, "Add parameter");
        assert_eq!(params(&h)[name]["type"], ty);
    }
    retype(&mut h, "Default value of retries", "three");
    assert!(
        params(&h)["retries"].get("defaultValue").is_none(),
        "not written"
    );
    h.get_by_label_contains("needs a whole number");
    retype(&mut h, "Default value of retries", "3");
    assert_eq!(params(&h)["retries"]["defaultValue"], json!(3));
    retype(
        &mut h,
        "Default value of limits",
        "{\"max\": 5, \"unit\": \"s\"}",
    );
    assert_eq!(
        params(&h)["limits"]["defaultValue"],
        json!({"max": 5, "unit": "s"})
    );
    retype(&mut h, "Default value of limits", "[1]");
    h.get_by_label_contains("needs a JSON object");
    assert_eq!(
        params(&h)["limits"]["defaultValue"],
        json!({"max": 5, "unit": "s"})
    );
    // A type change carries the default over when it fits the new type.
    click(&mut h, "Type of retries");
    h.get_all_by_label("String").last().unwrap().click();
    h.run();
    assert_eq!(
        params(&h)["retries"],
        json!({"type": "String", "defaultValue": "3"})
    );
    // Emptied: no default at all (never `"defaultValue": ""`).
    retype(&mut h, "Default value of retries", "");
    assert!(params(&h)["retries"].get("defaultValue").is_none());
}

#[test]
fn a_secure_parameter_never_shows_or_keeps_a_value() {
    let mut h = app(None);
    click(&mut h, "Parameters");
    assert!(h.query_by_label("Default value of clientSecret").is_none());
    click(&mut h, "Type of clientId");
    h.get_all_by_label("SecureString").last().unwrap().click();
    h.run();
    assert_eq!(params(&h)["clientId"]["type"], "SecureString");
    assert!(
        params(&h)["clientId"].get("defaultValue").is_none(),
        "value dropped"
    );
    assert!(h.query_by_label("Default value of clientId").is_none());
    // A value found in a file for a secure parameter is not shown, only
    // offered for removal.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secure.json");
    let mut v: Value = serde_json::from_slice(lapis::ui::SAMPLE).unwrap();
    v["parameters"]["clientSecret"]["defaultValue"] = json!("hunter2-not-shown");
    std::fs::write(&path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    let mut h = app(Some(path));
    click(&mut h, "Parameters");
    let shown = h.query_all(egui_kittest::kittest::By::new()).any(|n| {
        let a = n.accesskit_node();
        format!("{:?}{:?}", a.label(), a.value()).contains("hunter2")
    });
    assert!(!shown, "the secure value is not on screen");
    assert!(h.query_by_label("Default value of clientSecret").is_none());
    click(
        &mut h,
        "Remove the default value of secure parameter clientSecret",
    );
    assert!(params(&h)["clientSecret"].get("defaultValue").is_none());
}

#[test]
fn renaming_a_parameter_rewrites_its_references_and_delete_asks_when_used() {
    let mut h = app(None);
    click(&mut h, "Parameters");
    click(&mut h, "Rename parameter tenantId");
    retype(&mut h, "New name for parameter tenantId", "tenant");
    click(&mut h, "Rename parameter tenantId to the new name");
    let r = root(&h);
    assert!(r["parameters"].get("tenant").is_some() && r["parameters"].get("tenantId").is_none());
    assert_eq!(
        r["actions"]["Get_status"]["inputs"]["authentication"]["tenant"],
        "@parameters('tenant')"
    );
    // clientId is used by the HTTP action: deleting it asks.
    click(&mut h, "Delete parameter clientId");
    h.get_by_label_contains("clientId is used by");
    click(&mut h, "Keep parameter clientId");
    assert!(params(&h).get("clientId").is_some());
    click(&mut h, "Delete parameter clientId");
    click(&mut h, "Delete parameter clientId anyway");
    assert!(params(&h).get("clientId").is_none());
    // One nobody uses goes at once.
    type_into(&mut h, "Parameter name", "unused");
    click(&mut h, "Add parameter");
    click(&mut h, "Delete parameter unused");
    assert!(params(&h).get("unused").is_none());
}
