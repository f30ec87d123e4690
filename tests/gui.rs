//! The designer window, driven through egui_kittest by accessible labels,
//! as a user would: click, type, drag, press keys. Assertions are on the
//! document the app holds, and on the file it saves.

use egui::accesskit::Role;
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use lapis::ui::LapisApp;
use serde_json::Value;
use std::path::PathBuf;

mod common;
use common::app::{app_in as app_with, leave_recovery_copy};

fn app(file: Option<PathBuf>) -> Harness<'static, LapisApp> {
    app_with(file, None)
}

/// The designer with recovery copies kept in `recovery_dir`.
fn root(h: &Harness<'_, LapisApp>) -> Value {
    h.state().session.doc().root.clone()
}

fn sample_copy(dir: &tempfile::TempDir) -> PathBuf {
    let p = dir.path().join("status.json");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/samples/app-proxy-status.json"),
        &p,
    )
    .expect("copy the sample");
    p
}

fn selected_names(h: &Harness<'_, LapisApp>) -> Vec<String> {
    let s = &h.state().session;
    let d = s.current();
    s.selection
        .iter()
        .filter_map(|p| d.graph.outline.nodes.iter().find(|n| &n.pointer == p))
        .map(|n| n.name.clone())
        .collect()
}

fn press(h: &mut Harness<'_, LapisApp>, m: egui::Modifiers, k: egui::Key) {
    h.key_press_modifiers(m, k);
    h.run();
}

/// Clicks a card, presses F2, types the new name over the old and confirms.
fn rename_with_f2(h: &mut Harness<'_, LapisApp>, card: &str, new_name: &str) {
    h.get_by_role_and_label(Role::Button, card).click();
    h.run();
    press(h, egui::Modifiers::NONE, egui::Key::F2);
    h.get_by_label("New name").focus();
    h.run();
    press(h, egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_label("New name").type_text(new_name);
    h.run();
    h.get_by_role_and_label(Role::Button, "Rename").click();
    h.run();
}

#[test]
fn opens_the_bundled_sample_with_its_cards() {
    let h = app(None);
    assert!(h.state().window_title().contains("app-proxy-status.json"));
    h.get_by_role_and_label(Role::Button, "Get_status (Http)");
    h.get_by_role_and_label(Role::Button, "manual (Request)");
    h.get_by_role_and_label(Role::Button, "Response (Response)");
    h.get_by_label("Workflow canvas");
}

#[test]
fn click_a_card_selects_it_and_the_inspector_follows() {
    let mut h = app(None);
    h.get_by_role_and_label(Role::Button, "Get_status (Http)")
        .click();
    h.run();
    assert_eq!(selected_names(&h), ["Get_status"]);
    // Shift-click adds to the selection.
    h.get_by_role_and_label(Role::Button, "Response (Response)")
        .click_modifiers(egui::Modifiers::SHIFT);
    h.run();
    assert_eq!(selected_names(&h), ["Get_status", "Response"]);
    // Arrow keys move between cards: up from Get_status is the trigger.
    h.get_by_role_and_label(Role::Button, "Get_status (Http)")
        .click();
    h.run();
    press(&mut h, egui::Modifiers::NONE, egui::Key::ArrowUp);
    assert_eq!(selected_names(&h), ["manual"]);
    press(&mut h, egui::Modifiers::NONE, egui::Key::ArrowDown);
    assert_eq!(selected_names(&h), ["Get_status"]);
}

#[test]
fn add_rename_undo_redo_and_save() {
    let dir = tempfile::tempdir().unwrap();
    let path = sample_copy(&dir);
    let mut h = app(Some(path.clone()));
    assert!(!h.state().window_title().starts_with('●'));

    // Select the HTTP action and add a Compose after it from the menu.
    h.get_by_role_and_label(Role::Button, "Get_status (Http)")
        .click();
    h.run();
    h.get_by_label("➕ Add action").click();
    h.run();
    h.get_by_label("Compose").click();
    h.run();
    let r = root(&h);
    assert_eq!(
        r["actions"]["Compose"]["runAfter"]["Get_status"][0],
        "Succeeded"
    );
    // The Response, which ran after Get_status, now runs after the Compose.
    assert!(r["actions"]["Response"]["runAfter"]
        .get("Compose")
        .is_some());
    assert_eq!(selected_names(&h), ["Compose"]);
    assert!(h.state().window_title().starts_with('●'), "dirty marker");

    // Rename Get_status with F2; the run-after reference follows.
    rename_with_f2(&mut h, "Get_status (Http)", "Get_health");
    let r = root(&h);
    assert!(r["actions"].get("Get_status").is_none());
    assert!(r["actions"].get("Get_health").is_some());
    assert!(r["actions"]["Compose"]["runAfter"]
        .get("Get_health")
        .is_some());
    h.get_by_role_and_label(Role::Button, "Get_health (Http)");

    // Undo the rename, then the add; redo both.
    press(&mut h, egui::Modifiers::COMMAND, egui::Key::Z);
    assert!(root(&h)["actions"].get("Get_status").is_some());
    press(&mut h, egui::Modifiers::COMMAND, egui::Key::Z);
    assert!(root(&h)["actions"].get("Compose").is_none());
    let original: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(root(&h), original, "undo gives back the file as opened");
    assert!(!h.state().window_title().starts_with('●'), "clean again");
    press(&mut h, egui::Modifiers::COMMAND, egui::Key::Y);
    press(
        &mut h,
        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
        egui::Key::Z,
    );
    assert!(root(&h)["actions"].get("Get_health").is_some());

    // Save with Ctrl+S and read the file back.
    press(&mut h, egui::Modifiers::COMMAND, egui::Key::S);
    let saved: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(saved["actions"]["Compose"]["type"], "Compose");
    assert_eq!(
        saved["actions"]["Compose"]["runAfter"]["Get_health"][0],
        "Succeeded"
    );
    assert!(saved["actions"]["Response"]["runAfter"]
        .get("Compose")
        .is_some());
    assert!(!h.state().window_title().starts_with('●'));
}

#[test]
fn dragging_empty_canvas_pans_the_view() {
    let mut h = app(None);
    let before = h.state().canvas.offset;
    let canvas = h.get_by_label("Workflow canvas").rect();
    // Start in an empty corner of the canvas, away from the cards and minimap.
    let start = canvas.left_bottom() + egui::vec2(60.0, -120.0);
    h.drag_at(start);
    h.run();
    for i in 1..=10 {
        h.hover_at(start + egui::vec2(8.0 * i as f32, -5.0 * i as f32));
        h.run();
    }
    h.drop_at(start + egui::vec2(80.0, -50.0));
    h.run();
    let after = h.state().canvas.offset;
    let moved = after - before;
    assert!(
        (moved.x - 80.0).abs() < 12.0 && (moved.y + 50.0).abs() < 12.0,
        "moved {moved:?}"
    );
    assert!(selected_names(&h).is_empty());
}

#[test]
fn problems_panel_lists_a_broken_run_after_and_a_click_selects_the_action() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.json");
    let mut v: Value = serde_json::from_slice(lapis::ui::SAMPLE).unwrap();
    v["actions"]["Response"]["runAfter"] = serde_json::json!({"Get_stats": ["Succeeded"]});
    std::fs::write(&path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    let mut h = app(Some(path));
    let items: Vec<_> = h.get_all_by_label_contains("Response: ").collect();
    let item = items
        .into_iter()
        .find(|n| {
            n.accesskit_node()
                .label()
                .unwrap_or_default()
                .contains("Get_stats")
        })
        .expect("the problems panel names the broken run-after");
    item.click();
    h.run();
    assert_eq!(selected_names(&h), ["Response"]);
}

#[test]
fn search_selects_the_match() {
    let mut h = app(None);
    press(&mut h, egui::Modifiers::COMMAND, egui::Key::F);
    h.get_by_role_and_label(Role::TextInput, "Search")
        .type_text("respon");
    h.run();
    press(&mut h, egui::Modifiers::NONE, egui::Key::Enter);
    assert_eq!(selected_names(&h), ["Response"]);
}

#[test]
fn open_asks_for_a_path_in_the_window_when_there_is_no_dialog() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("order-sync.json");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/samples/order-sync/workflow.json"
        ),
        &path,
    )
    .unwrap();
    let mut h = app(None);
    press(&mut h, egui::Modifiers::COMMAND, egui::Key::O);
    h.get_by_label("Path")
        .type_text(&path.display().to_string());
    h.run();
    h.get_by_label("Open").click();
    h.run();
    assert_eq!(h.state().session.path(), Some(&path));
    assert!(h.state().window_title().starts_with("order-sync.json"));
}

#[test]
fn collapsing_a_scope_hides_its_actions() {
    let path = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/order-sync/workflow.json"
    ));
    let mut h = app(Some(path));
    let scopes: Vec<String> = h
        .state()
        .session
        .current()
        .graph
        .outline
        .nodes
        .iter()
        .filter(|n| n.type_name.eq_ignore_ascii_case("Scope"))
        .map(|n| n.name.clone())
        .collect();
    let scope = scopes.first().expect("the sample has a scope").clone();
    h.get_by_label(&format!("Collapse {scope}")).click();
    h.run();
    assert!(h.state().session.collapsed.contains(&scope));
    h.get_by_label(&format!("Expand {scope}")).click();
    h.run();
    assert!(!h.state().session.collapsed.contains(&scope));
}

#[test]
fn a_recovery_copy_is_offered_after_a_crash() {
    let data = tempfile::tempdir().unwrap();
    let rec = data.path().join("recovery");
    // A first designer edits and writes its recovery copy, then "crashes".
    leave_recovery_copy(&rec, "Compose");
    let mut h = app_with(None, Some(rec.clone()));
    h.get_by_label("Recover").click();
    h.run();
    assert!(root(&h)["actions"].get("Compose").is_some());
    assert!(h.state().session.editor.is_dirty());
}

// ----- snapshots (wgpu on Mesa lavapipe; `UPDATE_SNAPSHOTS=1` rewrites them)

/// The designer for a snapshot test, or `None` (reason printed) on a
/// machine without a wgpu adapter; see `common::gpu`.
fn snapshot_app(file: Option<PathBuf>, test: &str) -> Option<Harness<'static, LapisApp>> {
    common::gpu::available(test).then(|| app(file))
}

#[test]
fn snapshot_sample_with_the_http_action_selected() {
    let Some(mut h) = snapshot_app(None, "snapshot_sample_with_the_http_action_selected") else {
        return;
    };
    h.get_by_role_and_label(Role::Button, "Get_status (Http)")
        .click();
    h.run();
    h.snapshot("designer-sample");
}

#[test]
fn snapshot_nested_scopes() {
    let path = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/order-sync/workflow.json"
    ));
    let Some(mut h) = snapshot_app(Some(path), "snapshot_nested_scopes") else {
        return;
    };
    h.snapshot("designer-order-sync");
}

#[test]
fn snapshot_light_theme() {
    let Some(mut h) = snapshot_app(None, "snapshot_light_theme") else {
        return;
    };
    h.ctx.set_theme(egui::Theme::Light);
    h.run();
    h.snapshot("designer-light");
}

#[test]
fn right_click_adds_an_action_inside_an_empty_branch() {
    let path = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/order-sync/workflow.json"
    ));
    let mut h = app(Some(path));
    h.get_by_role_and_label(Role::Button, "Any_failures (If)")
        .click_secondary();
    h.run();
    h.get_by_label("Add inside False").click();
    h.run();
    h.get_by_label("Compose").click();
    h.run();
    let r = root(&h);
    let added = &r["definition"]["actions"]["Any_failures"]["else"]["actions"]["Compose"];
    assert_eq!(
        added["type"],
        "Compose",
        "{}",
        serde_json::to_string_pretty(&r["definition"]["actions"]["Any_failures"]).unwrap()
    );
    assert_eq!(added["runAfter"], serde_json::json!({}));
    assert_eq!(selected_names(&h), ["Compose"]);
}

/// The whole story of the issue, in one sitting: open, select the HTTP
/// action, fill its ActiveDirectoryOAuth fields, add an action after it,
/// make a join in run-after, rename so references follow, undo and redo,
/// save, and read the file back.
#[test]
fn the_designer_flow_from_open_to_saved_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = sample_copy(&dir);
    let mut h = app(Some(path.clone()));
    let replace = |h: &mut Harness<'static, LapisApp>, label: &str, text: &str| {
        h.get_by_label(label).focus();
        h.run();
        h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        h.run();
        h.get_by_label(label).type_text(text);
        h.run();
    };
    let click = |h: &mut Harness<'static, LapisApp>, label: &str| {
        h.get_by_label(label).click_accesskit();
        h.run();
    };

    // Select the HTTP action on the canvas; fill the Entra fields.
    h.get_by_role_and_label(Role::Button, "Get_status (Http)")
        .click();
    h.run();
    replace(&mut h, "Authority", "https://login.microsoftonline.com");
    replace(&mut h, "Tenant", "contoso.onmicrosoft.com");
    replace(&mut h, "Audience", "https://status-contoso.msappproxy.net");
    replace(&mut h, "Client ID", "11111111-2222-3333-4444-555555555555");
    click(&mut h, "Certificate");
    click(&mut h, "Secret");
    replace(&mut h, "Client secret", "@parameters('clientSecret')");
    let auth = root(&h)["actions"]["Get_status"]["inputs"]["authentication"].clone();
    assert_eq!(auth["authority"], "https://login.microsoftonline.com");
    assert_eq!(auth["tenant"], "contoso.onmicrosoft.com");
    assert_eq!(auth["audience"], "https://status-contoso.msappproxy.net");
    assert_eq!(auth["clientId"], "11111111-2222-3333-4444-555555555555");
    assert_eq!(auth["credentialType"], "Secret");
    assert_eq!(auth["secret"], "@parameters('clientSecret')");

    // Add a Compose after it (the Response now waits for the Compose).
    h.get_by_role_and_label(Role::Button, "Get_status (Http)")
        .click();
    h.run();
    h.get_by_label("➕ Add action").click();
    h.run();
    h.get_by_label("Compose").click();
    h.run();
    assert_eq!(selected_names(&h), ["Compose"]);

    // A join: the Response waits for the Compose and for Get_status failing.
    h.get_by_role_and_label(Role::Button, "Response (Response)")
        .click();
    h.run();
    click(&mut h, "Run after Get_status");
    click(&mut h, "Get_status Failed");
    click(&mut h, "Get_status Succeeded");
    let ra = root(&h)["actions"]["Response"]["runAfter"].clone();
    assert_eq!(ra["Get_status"], serde_json::json!(["Failed"]), "{ra}");
    assert!(ra.get("Compose").is_some(), "{ra}");

    // Rename Get_status; run-after and expressions follow.
    rename_with_f2(&mut h, "Get_status (Http)", "Get_health");
    let text = serde_json::to_string(&root(&h)).unwrap();
    assert!(
        !text.contains("Get_status"),
        "every reference follows: {text}"
    );
    assert!(text.contains("body('Get_health')"));

    // Undo the rename and redo it.
    press(&mut h, egui::Modifiers::COMMAND, egui::Key::Z);
    assert!(root(&h)["actions"].get("Get_status").is_some());
    press(&mut h, egui::Modifiers::COMMAND, egui::Key::Y);
    assert!(root(&h)["actions"].get("Get_health").is_some());

    // Save and read the file back.
    press(&mut h, egui::Modifiers::COMMAND, egui::Key::S);
    let saved: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(saved, root(&h));
    let a = &saved["actions"];
    assert_eq!(
        a["Get_health"]["inputs"]["authentication"]["tenant"],
        "contoso.onmicrosoft.com"
    );
    assert_eq!(a["Compose"]["runAfter"]["Get_health"][0], "Succeeded");
    assert_eq!(
        a["Response"]["runAfter"]["Get_health"],
        serde_json::json!(["Failed"])
    );
    assert!(a["Response"]["runAfter"].get("Compose").is_some());
    let report =
        lapis::graph::validate::validate_document(h.state().session.doc(), 0).unwrap_or_default();
    assert!(
        report
            .iter()
            .all(|p| p.severity != lapis::graph::validate::Severity::Error),
        "{report:#?}"
    );
}

/// A wide workflow opens readable at its top; Fit (Ctrl+0) keeps it
/// readable (it never goes below the readable floor; the minimap shows the
/// whole).
#[test]
fn a_wide_workflow_opens_readable_and_fit_keeps_it_readable() {
    let dir = tempfile::tempdir().unwrap();
    let mut actions = serde_json::Map::new();
    for i in 0..40 {
        actions.insert(
            format!("Step_{i:02}"),
            serde_json::json!({"type": "Compose", "inputs": i, "runAfter": {}}),
        );
    }
    let wf = serde_json::json!({
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "contentVersion": "1.0.0.0",
        "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {}}},
        "actions": actions,
    });
    let path = dir.path().join("wide.json");
    std::fs::write(&path, serde_json::to_string_pretty(&wf).unwrap()).unwrap();
    let mut h = app(Some(path));
    h.run();
    let opened = h.state().canvas.zoom;
    assert!(opened >= 0.5, "opened at {opened}");
    // The trigger's card is drawn with its name, in view.
    h.get_by_role_and_label(Role::Button, "manual (Request)");
    press(&mut h, egui::Modifiers::COMMAND, egui::Key::Num0);
    h.run();
    let fitted = h.state().canvas.zoom;
    assert!(
        fitted >= lapis::ui::canvas::READABLE_ZOOM,
        "fit {fitted}, opened {opened}"
    );
    h.get_by_role_and_label(Role::Button, "manual (Request)");
    assert!(h.query_by_label("Minimap").is_some());
}
