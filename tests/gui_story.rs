//! Issue 11's story, end to end: from File ▸ New, build the App Proxy
//! workflow in the designer only by accessible names (clicks and typing, as
//! a screen reader user would, no JSON typed by hand), save it, export it as
//! an ARM template, set the trigger's access control there, save again, and
//! compare both files with `tests/fixtures/story/expected.json`.

use egui::accesskit::Role;
use egui::{Key, Modifiers};
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use lapis::ui::{LapisApp, Options};
use serde_json::Value;
use std::path::{Path, PathBuf};

type H = Harness<'static, LapisApp>;

fn app() -> H {
    let mut h = Harness::builder()
        .with_size(egui::vec2(1600.0, 1000.0))
        .build_eframe(|_cc| {
            LapisApp::new(Options {
                file: None,
                native_dialogs: false,
                recovery_dir: None,
            })
        });
    h.run();
    h
}

/// Clicks a widget by its accessible name, brought into view first.
fn click(h: &mut H, label: &str) {
    h.get_by_label(label).scroll_to_me();
    h.run();
    h.get_by_label(label).click();
    h.run();
}

/// Clicks the button named `label` (when a label of the same text exists).
fn click_button(h: &mut H, label: &str) {
    h.get_by_role_and_label(Role::Button, label).scroll_to_me();
    h.run();
    h.get_by_role_and_label(Role::Button, label).click();
    h.run();
}

/// Picks `item` from the open combo box or menu (the last node of that
/// name: the popup's entry, not a label elsewhere).
fn pick(h: &mut H, item: &str) {
    h.get_all_by_label(item).last().unwrap().click();
    h.run();
}

/// The text field named `label` (a label beside it may share the name).
fn field<'a>(h: &'a H, label: &'a str) -> egui_kittest::Node<'a> {
    h.get_all_by_label(label)
        .find(|n| !matches!(n.accesskit_node().role(), Role::Label | Role::TextRun))
        .unwrap_or_else(|| panic!("no text field named {label:?}"))
}

/// Replaces the text of the field named `label` with `text`.
fn fill(h: &mut H, label: &str, text: &str) {
    field(h, label).scroll_to_me();
    h.run();
    field(h, label).focus();
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.run();
    field(h, label).type_text(text);
    h.run();
}

/// Renames the selected card with F2.
fn rename_selected(h: &mut H, new_name: &str) {
    h.key_press(Key::F2);
    h.run();
    h.get_by_label("New name").focus();
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.run();
    h.get_by_label("New name").type_text(new_name);
    h.run();
    click_button(h, "Rename");
}

/// Selects a card on the canvas by its accessible name "Name (Type)".
fn card(h: &mut H, name: &str) {
    click_button(h, name);
}

fn root(h: &H) -> Value {
    h.state().session.doc().root.clone()
}

fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn expected() -> Value {
    read_json(&PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/story/expected.json"
    )))
}

/// Equal values with the same key order (the saves are deterministic).
fn assert_same(actual: &Value, expected: &Value, what: &str) {
    assert_eq!(
        serde_json::to_string_pretty(actual).unwrap(),
        serde_json::to_string_pretty(expected).unwrap(),
        "{what}"
    );
}

/// Answers the in-app path field (no native dialog in tests). The field
/// has the focus, its suggested path selected: typing replaces it.
fn answer_path(h: &mut H, path: &Path, button: &str) {
    field(h, "Path").type_text(&path.display().to_string());
    h.run();
    click_button(h, button);
}

#[test]
fn app_proxy_story_from_file_new_to_the_saved_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app();

    // ----- File ▸ New ---------------------------------------------------
    click(&mut h, "File");
    h.get_by_label_contains("New").click();
    h.run();
    assert_eq!(root(&h)["triggers"], serde_json::json!({}));
    assert_eq!(root(&h)["actions"], serde_json::json!({}));

    // ----- Parameters: a default, and a secure one without a value ------
    click(&mut h, "Parameters");
    for (name, ty) in [("tenantId", "String"), ("clientSecret", "SecureString")] {
        fill(&mut h, "Parameter name", name);
        click(&mut h, "Type of the new parameter");
        pick(&mut h, ty);
        click(&mut h, "Add parameter");
    }
    fill(
        &mut h,
        "Default value of tenantId",
        "contoso.onmicrosoft.com",
    );
    h.key_press(Key::Enter);
    h.run();
    click(&mut h, "Outline");

    // ----- The trigger, from the empty canvas's call to action ----------
    click(&mut h, "Add a trigger");
    click(&mut h, "Request trigger");
    card(&mut h, "When_a_HTTP_request_is_received (Request)");

    // ----- HTTP with Active Directory OAuth, from the "+" below the trigger
    click(
        &mut h,
        "Insert an action after When_a_HTTP_request_is_received",
    );
    click(&mut h, "Insert an action");
    click_button(&mut h, "HTTP");
    card(&mut h, "HTTP (Http)");
    click(&mut h, "Method");
    pick(&mut h, "GET");
    fill(
        &mut h,
        "URI",
        "https://status-contoso.msappproxy.net/api/status",
    );
    click(&mut h, "Authentication type");
    pick(&mut h, "Active Directory OAuth");
    fill(&mut h, "Authority", "https://login.windows.net");
    fill(&mut h, "Tenant", "@parameters('tenantId')");
    fill(&mut h, "Audience", "https://status-contoso.msappproxy.net/");
    fill(&mut h, "Client ID", "11111111-2222-3333-4444-555555555555");
    click(&mut h, "Secret");
    fill(&mut h, "Client secret", "@parameters('clientSecret')");

    // ----- A condition made with the builder, from the "+" below HTTP ---
    click(&mut h, "Insert an action after HTTP");
    click(&mut h, "Insert an action");
    click_button(&mut h, "Condition");
    card(&mut h, "Condition (If)");
    fill(
        &mut h,
        "Condition row 1 left operand",
        "@outputs('HTTP')['statusCode']",
    );
    click(&mut h, "Condition row 1 operator");
    pick(&mut h, "is equal to");
    fill(&mut h, "Condition row 1 right operand", "200");

    // The condition also runs when the call failed or timed out (a 502
    // fails the HTTP action): edited on the edge itself.
    h.get_by_label("Edge from HTTP to Condition")
        .click_accesskit();
    h.run();
    click(&mut h, "Run after HTTP: Failed");
    click(&mut h, "Run after HTTP: TimedOut");
    click(&mut h, "Close the run-after editor");

    // ----- An action in each branch: the empty branch's "+", and the
    // card's menu -----------------------------------------------------------
    click(&mut h, "Add an action inside Condition True");
    click(&mut h, "Insert an action");
    click_button(&mut h, "Response");
    rename_selected(&mut h, "Reply_OK");
    h.get_by_role_and_label(Role::Button, "Condition (If)")
        .click_secondary();
    h.run();
    click(&mut h, "Add inside False");
    click_button(&mut h, "Response");
    rename_selected(&mut h, "Reply_Bad_gateway");
    for (name, status, body) in [
        ("Reply_OK", "200", "@body('HTTP')"),
        (
            "Reply_Bad_gateway",
            "502",
            "The status service did not answer",
        ),
    ] {
        card(&mut h, &format!("{name} (Response)"));
        fill(&mut h, "Status code", status);
        fill(&mut h, "Body", body);
    }

    // ----- A parallel branch beside the condition, from the edge's "+" ---
    click(&mut h, "Insert an action between HTTP and Condition");
    click(&mut h, "Add a parallel branch beside Condition");
    click_button(&mut h, "Compose");
    rename_selected(&mut h, "Log_status");
    card(&mut h, "Log_status (Compose)");
    fill(&mut h, "Inputs", "@outputs('HTTP')['statusCode']");

    // ----- Joined after both: "+" below the condition, then run after the
    // parallel branch too ------------------------------------------------
    click(&mut h, "Insert an action after Condition");
    click(&mut h, "Insert an action");
    click_button(&mut h, "Compose");
    rename_selected(&mut h, "Done");
    card(&mut h, "Done (Compose)");
    fill(&mut h, "Inputs", "@outputs('Log_status')");
    click(&mut h, "Run after Log_status");

    // The designer finds nothing wrong with it.
    let problems: Vec<String> = h
        .state()
        .session
        .current()
        .problems
        .iter()
        .map(|p| {
            format!(
                "{:?} {} at {}: {}",
                p.severity, p.code, p.pointer, p.message
            )
        })
        .collect();
    assert!(problems.is_empty(), "problems: {problems:#?}");

    let saved = dir.path().join("story.json");
    click(&mut h, "File");
    h.get_by_label_contains("Save as…").click();
    h.run();
    answer_path(&mut h, &saved, "Save");
    assert!(!h.state().session.editor.is_dirty(), "saved");
    let expected = expected();
    // The bare definition saved is the definition the template holds.
    assert_same(
        &read_json(&saved),
        &expected["resources"][0]["properties"]["definition"],
        "the saved definition",
    );

    // ----- Access control lives in an ARM template: export, open, set ----
    let arm = dir.path().join("story.azuredeploy.json");
    click(&mut h, "File");
    h.get_by_label_contains("Export…").click();
    h.run();
    click(&mut h, "Consumption ARM template");
    fill(&mut h, "Workflow name", "app-proxy-status");
    fill(&mut h, "Export path", &arm.display().to_string());
    click_button(&mut h, "Export");
    h.get_by_label_contains("Wrote");
    click_button(&mut h, "Close");
    // Exported without access control: that comes from the trigger next.
    let mut without = expected.clone();
    without["resources"][0]["properties"]
        .as_object_mut()
        .unwrap()
        .shift_remove("accessControl");
    assert_same(&read_json(&arm), &without, "the exported ARM template");
    click(&mut h, "File");
    click(&mut h, "Open path…");
    answer_path(&mut h, &arm, "Open");
    card(&mut h, "When_a_HTTP_request_is_received (Request)");
    click(&mut h, "Trigger callers: who may call");
    pick(&mut h, "Only other logic apps");
    click(&mut h, "File");
    // Save, not Save as.
    h.get_all_by_label_contains("Save")
        .find(|n| {
            n.accesskit_node()
                .label()
                .is_some_and(|l| !l.contains("Save as"))
        })
        .expect("File ▸ Save")
        .click();
    h.run();
    assert!(!h.state().session.editor.is_dirty(), "saved");
    assert_same(&read_json(&arm), &expected, "the saved ARM template");
}
