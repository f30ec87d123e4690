//! The canvas's own edits, driven through egui_kittest by accessible names
//! as a user (or a screen reader) would: the "+" buttons (insert an action,
//! add a parallel branch), dragging a card to move it, the run-after editor
//! of an edge, the rubber band, and Alt+arrows. Assertions are on the
//! document the app holds.

use egui::accesskit::Role;
use egui::{Event, Key, Modifiers, Pos2};
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use lapis::ui::{LapisApp, Options};
use serde_json::{json, Value};
use std::path::PathBuf;

fn app(file: Option<PathBuf>) -> Harness<'static, LapisApp> {
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_eframe(move |_cc| {
            LapisApp::new(Options {
                file,
                native_dialogs: false,
                recovery_dir: None,
            })
        });
    h.run();
    h
}

/// The designer on a workflow written to a temporary file.
fn app_on(dir: &tempfile::TempDir, wf: &Value) -> Harness<'static, LapisApp> {
    let path = dir.path().join("wf.json");
    std::fs::write(&path, serde_json::to_string_pretty(wf).unwrap()).unwrap();
    app(Some(path))
}

fn root(h: &Harness<'_, LapisApp>) -> Value {
    h.state().session.doc().root.clone()
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

fn click(h: &mut Harness<'static, LapisApp>, label: &str) {
    h.get_by_label(label).click();
    h.run();
}

fn press(h: &mut Harness<'static, LapisApp>, m: Modifiers, k: Key) {
    h.key_press_modifiers(m, k);
    h.run();
}

fn centre(h: &Harness<'static, LapisApp>, label: &str) -> Pos2 {
    h.get_by_label(label).rect().center()
}

/// Presses at `from`, moves to `to` in steps, and releases there.
fn drag(h: &mut Harness<'static, LapisApp>, from: Pos2, to: Pos2) {
    h.drag_at(from);
    h.run();
    for i in 1..=12 {
        h.hover_at(from + (to - from) * (i as f32 / 12.0));
        h.run();
    }
    h.drop_at(to);
    h.run();
}

/// The same, with modifiers held from the press to the release.
fn drag_with(h: &mut Harness<'static, LapisApp>, m: Modifiers, from: Pos2, to: Pos2) {
    h.event(Event::ModifiersChanged(m));
    h.run();
    drag(h, from, to);
    h.event(Event::ModifiersChanged(Modifiers::NONE));
    h.run();
}

fn workflow(actions: Value) -> Value {
    json!({
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "contentVersion": "1.0.0.0",
        "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {}}},
        "actions": actions,
        "outputs": {}
    })
}

fn compose(inputs: &str, run_after: Value) -> Value {
    json!({"type": "Compose", "inputs": inputs, "runAfter": run_after})
}

/// A → B → S (a Scope holding X) → C.
fn with_scope() -> Value {
    workflow(json!({
        "A": compose("a", json!({})),
        "B": compose("@outputs('A')", json!({"A": ["Succeeded"]})),
        "S": {"type": "Scope", "actions": {"X": compose("x", json!({}))}, "runAfter": {"B": ["Succeeded"]}},
        "C": compose("c", json!({"S": ["Succeeded"]}))
    }))
}

#[test]
fn plus_on_an_edge_inserts_an_action_on_that_dependency_and_undo_takes_it_back() {
    let mut h = app(None);
    let original = root(&h);
    click(&mut h, "Insert an action between Get_status and Response");
    click(&mut h, "Insert an action");
    click(&mut h, "Compose");
    let r = root(&h);
    // The new action takes over the Response's dependency (both statuses);
    // the Response now runs after it.
    assert_eq!(
        r["actions"]["Compose"]["runAfter"],
        json!({"Get_status": ["Succeeded", "Failed"]})
    );
    assert_eq!(
        r["actions"]["Response"]["runAfter"],
        json!({"Compose": ["Succeeded"]})
    );
    assert_eq!(selected_names(&h), ["Compose"]);
    // Its card is drawn, with its own "+" edges.
    h.get_by_role_and_label(Role::Button, "Compose (Compose)");
    h.get_by_label("Insert an action between Compose and Response");
    press(&mut h, Modifiers::COMMAND, Key::Z);
    assert_eq!(root(&h), original, "one undo step takes it all back");
}

#[test]
fn plus_adds_a_parallel_branch_beside_the_edge_target() {
    let mut h = app(None);
    click(&mut h, "Insert an action between Get_status and Response");
    click(&mut h, "Add a parallel branch beside Response");
    click(&mut h, "HTTP");
    let r = root(&h);
    // A sibling of the Response: same run-after, nothing else changed.
    assert_eq!(
        r["actions"]["HTTP"]["runAfter"],
        json!({"Get_status": ["Succeeded", "Failed"]})
    );
    assert_eq!(
        r["actions"]["Response"]["runAfter"],
        json!({"Get_status": ["Succeeded", "Failed"]})
    );
    // Get_status now has two edges: each has its own "+", and a "+" below
    // the card inserts before both.
    h.get_by_label("Insert an action between Get_status and HTTP");
    click(&mut h, "Insert an action after Get_status");
    click(&mut h, "Insert an action");
    click(&mut h, "Compose");
    let r = root(&h);
    assert_eq!(
        r["actions"]["Compose"]["runAfter"],
        json!({"Get_status": ["Succeeded"]})
    );
    assert_eq!(
        r["actions"]["HTTP"]["runAfter"],
        json!({"Compose": ["Succeeded", "Failed"]})
    );
    assert_eq!(
        r["actions"]["Response"]["runAfter"],
        json!({"Compose": ["Succeeded", "Failed"]})
    );
}

#[test]
fn plus_below_the_last_card_and_inside_an_empty_branch() {
    let mut h = app(None);
    click(&mut h, "Insert an action after Response");
    click(&mut h, "Insert an action");
    click(&mut h, "Compose");
    assert_eq!(
        root(&h)["actions"]["Compose"]["runAfter"],
        json!({"Response": ["Succeeded"]})
    );

    let path = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/order-sync/workflow.json"
    ));
    let mut h = app(Some(path));
    click(&mut h, "Add an action inside Any_failures False");
    click(&mut h, "Insert an action");
    click(&mut h, "Compose");
    let added =
        root(&h)["definition"]["actions"]["Any_failures"]["else"]["actions"]["Compose"].clone();
    assert_eq!(added["type"], "Compose");
    assert_eq!(added["runAfter"], json!({}));
}

#[test]
fn drag_a_card_into_a_scope_and_between_siblings_then_undo() {
    let dir = tempfile::tempdir().unwrap();
    let wf = with_scope();
    let mut h = app_on(&dir, &wf);
    let original = root(&h);

    // C onto the "+" at the top of the scope: first inside it.
    let from = centre(&h, "C (Compose)");
    let to = centre(&h, "Insert an action before X");
    drag(&mut h, from, to);
    let r = root(&h);
    assert!(r["actions"].get("C").is_none(), "{r:#}");
    assert_eq!(r["actions"]["S"]["actions"]["C"]["runAfter"], json!({}));
    assert_eq!(
        r["actions"]["S"]["actions"]["X"]["runAfter"],
        json!({"C": ["Succeeded"]})
    );
    assert_eq!(selected_names(&h), ["C"]);

    // A onto the edge B → S: the old neighbours are joined (B first now),
    // A runs after B and S after A.
    let from = centre(&h, "A (Compose)");
    let to = centre(&h, "Insert an action between B and S");
    drag(&mut h, from, to);
    let r = root(&h);
    assert_eq!(r["actions"]["B"]["runAfter"], json!({}));
    assert_eq!(r["actions"]["A"]["runAfter"], json!({"B": ["Succeeded"]}));
    assert_eq!(r["actions"]["S"]["runAfter"], json!({"A": ["Succeeded"]}));
    // B's expression still names A: the move says so in the status bar.
    assert!(
        h.state().session.status.contains("expression"),
        "{}",
        h.state().session.status
    );

    // Two undo steps give back the file as opened.
    press(&mut h, Modifiers::COMMAND, Key::Z);
    press(&mut h, Modifiers::COMMAND, Key::Z);
    assert_eq!(root(&h), original);
}

#[test]
fn drag_into_a_lane_and_a_refused_drop_into_itself() {
    let dir = tempfile::tempdir().unwrap();
    let wf = with_scope();
    let mut h = app_on(&dir, &wf);
    let before_pan = h.state().canvas.offset;

    // B dropped on the scope's body, in the margin beside X, away from
    // every "+": last inside the scope.
    let from = centre(&h, "B (Compose)");
    let x = h.get_by_label("X (Compose)").rect();
    let to = x.left_center() - egui::vec2(7.0, 0.0);
    drag(&mut h, from, to);
    let r = root(&h);
    assert_eq!(
        r["actions"]["S"]["actions"]["B"]["runAfter"],
        json!({"X": ["Succeeded"]}),
        "{r:#}"
    );
    assert_eq!(r["actions"]["S"]["runAfter"], json!({"A": ["Succeeded"]}));
    // Dragging a card did not pan the canvas.
    assert_eq!(h.state().canvas.offset, before_pan);

    // The scope cannot go into itself: nothing changes, and it says why.
    let moved = root(&h);
    let s = h.get_by_label("S (Scope)").rect();
    let from = s.center();
    let to = centre(&h, "X (Compose)") + egui::vec2(0.0, 60.0);
    drag(&mut h, from, to);
    assert_eq!(root(&h), moved);
    assert!(
        h.state().session.status.contains("Cannot move S"),
        "{}",
        h.state().session.status
    );
}

#[test]
fn alt_arrows_move_the_selected_action_among_its_siblings() {
    let dir = tempfile::tempdir().unwrap();
    let wf = workflow(json!({
        "A": compose("a", json!({})),
        "B": compose("b", json!({"A": ["Succeeded"]})),
        "C": compose("c", json!({"B": ["Succeeded"]}))
    }));
    let mut h = app_on(&dir, &wf);
    click(&mut h, "C (Compose)");
    press(&mut h, Modifiers::ALT, Key::ArrowUp);
    let r = root(&h);
    // A → C → B.
    assert_eq!(r["actions"]["C"]["runAfter"], json!({"A": ["Succeeded"]}));
    assert_eq!(r["actions"]["B"]["runAfter"], json!({"C": ["Succeeded"]}));
    assert_eq!(selected_names(&h), ["C"]);
    press(&mut h, Modifiers::ALT, Key::ArrowDown);
    let r = root(&h);
    assert_eq!(r["actions"]["C"]["runAfter"], json!({"B": ["Succeeded"]}));
    assert_eq!(r["actions"]["B"]["runAfter"], json!({"A": ["Succeeded"]}));
    // Already last: nothing moves.
    press(&mut h, Modifiers::ALT, Key::ArrowDown);
    assert_eq!(
        root(&h)["actions"]["C"]["runAfter"],
        json!({"B": ["Succeeded"]})
    );
    assert!(h.state().session.status.contains("already last"));

    // The card menu does the same.
    h.get_by_role_and_label(Role::Button, "A (Compose)")
        .click_secondary();
    h.run();
    click(&mut h, "Move down (Alt+Down)");
    let r = root(&h);
    assert_eq!(r["actions"]["B"]["runAfter"], json!({}));
    assert_eq!(r["actions"]["A"]["runAfter"], json!({"B": ["Succeeded"]}));
}

#[test]
fn clicking_an_edge_edits_the_statuses_of_that_dependency() {
    let mut h = app(None);
    h.get_by_label("Edge from Get_status to Response")
        .click_accesskit();
    h.run();
    let ra = |h: &Harness<'static, LapisApp>| root(h)["actions"]["Response"]["runAfter"].clone();
    h.get_by_label("Run after Get_status: Skipped")
        .click_accesskit();
    h.run();
    assert_eq!(
        ra(&h),
        json!({"Get_status": ["Succeeded", "Failed", "Skipped"]})
    );
    h.get_by_label("Run after Get_status: Succeeded")
        .click_accesskit();
    h.run();
    assert_eq!(ra(&h), json!({"Get_status": ["Failed", "Skipped"]}));
    h.get_by_label("Remove this dependency").click_accesskit();
    h.run();
    assert_eq!(ra(&h), json!({}));
    // The editor closed with the edge; undo brings the dependency back.
    assert!(h.query_by_label("Remove this dependency").is_none());
    press(&mut h, Modifiers::COMMAND, Key::Z);
    assert_eq!(ra(&h), json!({"Get_status": ["Failed", "Skipped"]}));
}

#[test]
fn clicking_on_an_edge_line_selects_it() {
    let mut h = app(None);
    // The segment of the edge next to its "+": a little above it.
    let plus = h
        .get_by_label("Insert an action between Get_status and Response")
        .rect();
    click_at(&mut h, plus.center_top() - egui::vec2(0.0, 4.0));
    h.get_by_label("Run after Get_status: Failed");
    h.get_by_label("Close the run-after editor")
        .click_accesskit();
    h.run();
    assert!(h.query_by_label("Run after Get_status: Failed").is_none());
}

fn click_at(h: &mut Harness<'static, LapisApp>, p: Pos2) {
    h.hover_at(p);
    h.run();
    h.event(Event::PointerButton {
        pos: p,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: Modifiers::NONE,
    });
    h.event(Event::PointerButton {
        pos: p,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: Modifiers::NONE,
    });
    h.run();
}

#[test]
fn rubber_band_selects_what_it_covers_and_shift_adds() {
    let mut h = app(None);
    click(&mut h, "Response (Response)");
    assert_eq!(selected_names(&h), ["Response"]);
    let get = h.get_by_label("Get_status (Http)").rect();
    let resp = h.get_by_label("Response (Response)").rect();

    // Ctrl+drag around Get_status: the band replaces the selection.
    drag_with(
        &mut h,
        Modifiers::COMMAND,
        get.left_top() - egui::vec2(40.0, 10.0),
        get.right_bottom() + egui::vec2(40.0, 4.0),
    );
    assert_eq!(selected_names(&h), ["Get_status"]);

    // Shift+drag around the Response: added to the selection.
    drag_with(
        &mut h,
        Modifiers::SHIFT,
        resp.left_top() - egui::vec2(40.0, 10.0),
        resp.right_bottom() + egui::vec2(40.0, 10.0),
    );
    assert_eq!(selected_names(&h), ["Get_status", "Response"]);

    // A plain drag on empty space pans and keeps the selection.
    let before = h.state().canvas.offset;
    let start = resp.left_bottom() + egui::vec2(-60.0, 80.0);
    drag(&mut h, start, start + egui::vec2(30.0, -20.0));
    assert_ne!(h.state().canvas.offset, before);
    assert_eq!(selected_names(&h), ["Get_status", "Response"]);
}

#[test]
fn the_card_menu_moves_into_a_branch_and_back_to_the_top_level() {
    let dir = tempfile::tempdir().unwrap();
    let wf = with_scope();
    let mut h = app_on(&dir, &wf);
    let original = root(&h);
    h.get_by_role_and_label(Role::Button, "C (Compose)")
        .click_secondary();
    h.run();
    click(&mut h, "Move into");
    // The scope is offered; C itself holds no branch to offer.
    click(&mut h, "Into S");
    let r = root(&h);
    assert!(r["actions"].get("C").is_none());
    assert_eq!(
        r["actions"]["S"]["actions"]["C"]["runAfter"],
        json!({"X": ["Succeeded"]})
    );
    // And out again, last at the top level (after S).
    h.get_by_role_and_label(Role::Button, "C (Compose)")
        .click_secondary();
    h.run();
    click(&mut h, "Move into");
    assert!(h.query_by_label("Into S").is_some());
    click(&mut h, "To the top level");
    let r = root(&h);
    assert_eq!(r["actions"]["C"]["runAfter"], json!({"S": ["Succeeded"]}));
    assert_eq!(r["actions"]["S"]["actions"]["X"]["runAfter"], json!({}));
    press(&mut h, Modifiers::COMMAND, Key::Z);
    press(&mut h, Modifiers::COMMAND, Key::Z);
    assert_eq!(root(&h), original);
}

// ---------------------------------------------------------------------------
// Big workflows: edges a reader can trust, search on the canvas, Fit's
// readable floor, zoom to selection, the breadcrumb.

fn names_of(
    h: &Harness<'static, LapisApp>,
    edges: &[(Option<usize>, usize)],
) -> Vec<(String, String)> {
    let d = h.state().session.current();
    let name = |i: usize| d.graph.outline.nodes[i].name.clone();
    let mut v: Vec<(String, String)> = edges
        .iter()
        .map(|&(f, t)| (f.map_or("(entry)".into(), name), name(t)))
        .collect();
    v.sort();
    v
}

/// A → B → C and X → C: selecting B lights A → B and B → C and dims the
/// others; hovering an edge names it with its statuses.
#[test]
fn selecting_a_card_highlights_its_edges_and_dims_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app_on(
        &dir,
        &workflow(json!({
            "A": compose("a", json!({})),
            "X": compose("x", json!({})),
            "B": compose("b", json!({"A": ["Succeeded"]})),
            "C": compose("c", json!({"B": ["Succeeded"], "X": ["Failed", "TimedOut"]}))
        })),
    );
    assert!(h.state().canvas.drawn.highlighted.is_empty());
    assert_eq!(h.state().canvas.drawn.dimmed, 0);
    click(&mut h, "B (Compose)");
    h.run();
    let drawn = h.state().canvas.drawn.clone();
    assert_eq!(
        names_of(&h, &drawn.highlighted),
        [("A".to_string(), "B".to_string()), ("B".into(), "C".into())]
    );
    // manual → A, manual → X, X → C.
    assert_eq!(drawn.dimmed, 3);
    assert_eq!(drawn.breadcrumb, ["B"]);
    press(&mut h, Modifiers::NONE, Key::Escape);
    h.run();
    assert!(selected_names(&h).is_empty());
    // The pointer still rests on B: hovering alone lights its edges.
    assert_eq!(
        names_of(&h, &h.state().canvas.drawn.highlighted),
        [("A".to_string(), "B".to_string()), ("B".into(), "C".into())]
    );
    // Pointer on empty canvas, nothing selected: no edge lit or dimmed.
    let view = h.state().canvas.last_rect;
    h.hover_at(view.left_bottom() + egui::vec2(12.0, -12.0));
    h.run();
    assert!(h.state().canvas.drawn.highlighted.is_empty());
    assert_eq!(h.state().canvas.drawn.dimmed, 0);
    // Hovering an edge shows where it goes and on which statuses.
    // Its line, a little above its "+" (which has its own tooltip).
    let plus = h.get_by_label("Insert an action between X and C").rect();
    h.hover_at(plus.center_top() - egui::vec2(0.0, 4.0));
    for _ in 0..30 {
        h.step();
    }
    h.run();
    assert!(
        h.query_by_label_contains("X -> C (Failed, TimedOut)")
            .is_some(),
        "the edge's tooltip"
    );
    assert!(names_of(&h, &h.state().canvas.drawn.highlighted).is_empty());
}

/// Search rings every match on the canvas; Enter and Shift+Enter step
/// through them, "n of m".
#[test]
fn search_rings_every_match_and_steps_through_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app_on(
        &dir,
        &workflow(json!({
            "Step_one": compose("1", json!({})),
            "Other": compose("o", json!({"Step_one": ["Succeeded"]})),
            "Step_two": compose("2", json!({"Other": ["Succeeded"]})),
            "Step_three": compose("3", json!({"Step_two": ["Succeeded"]}))
        })),
    );
    press(&mut h, Modifiers::COMMAND, Key::F);
    h.get_by_role_and_label(Role::TextInput, "Search")
        .type_text("step_");
    h.run();
    h.run();
    let rings = h.state().canvas.drawn.rings.clone();
    let d = h.state().session.current();
    let mut ringed: Vec<String> = rings
        .iter()
        .map(|&i| d.graph.outline.nodes[i].name.clone())
        .collect();
    ringed.sort();
    assert_eq!(ringed, ["Step_one", "Step_three", "Step_two"]);
    assert!(h.query_by_label("3 found").is_some());
    press(&mut h, Modifiers::NONE, Key::Enter);
    h.run();
    assert_eq!(selected_names(&h), ["Step_one"]);
    assert!(h.query_by_label("1 of 3").is_some());
    press(&mut h, Modifiers::NONE, Key::Enter);
    h.run();
    assert_eq!(selected_names(&h), ["Step_two"]);
    assert!(h.query_by_label("2 of 3").is_some());
    press(&mut h, Modifiers::SHIFT, Key::Enter);
    h.run();
    assert_eq!(selected_names(&h), ["Step_one"]);
    assert!(h.query_by_label("1 of 3").is_some());
    // The current match has the strong ring; every match keeps one.
    assert_eq!(h.state().canvas.drawn.rings.len(), 3);
    let cur = h.state().canvas.mark_current.expect("a current match");
    assert_eq!(
        h.state().session.current().graph.outline.nodes[cur].name,
        "Step_one"
    );
}

fn wide(n: usize) -> Value {
    let mut actions = serde_json::Map::new();
    for i in 0..n {
        actions.insert(format!("Step_{i:02}"), compose("x", json!({})));
    }
    workflow(Value::Object(actions))
}

/// Fit never goes below the readable zoom: a 40-wide workflow opens fitted
/// to that floor from its top, Ctrl+0 keeps it there, the minimap shows
/// the whole; the bundled sample opens fitted.
#[test]
fn fit_keeps_a_readable_floor_and_the_sample_opens_fitted() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app_on(&dir, &wide(40));
    let z = h.state().canvas.zoom;
    assert!(z >= lapis::ui::canvas::READABLE_ZOOM, "opened at {z}");
    h.get_by_role_and_label(Role::Button, "manual (Request)");
    assert!(h.query_by_label("Minimap").is_some());
    press(&mut h, Modifiers::COMMAND, Key::Num0);
    h.run();
    assert!(h.state().canvas.zoom >= lapis::ui::canvas::READABLE_ZOOM);
    h.get_by_role_and_label(Role::Button, "manual (Request)");

    let mut h = app(None);
    h.run();
    let opened = h.state().canvas.zoom;
    assert!(
        opened >= lapis::ui::canvas::READABLE_ZOOM,
        "sample at {opened}"
    );
    press(&mut h, Modifiers::COMMAND, Key::Num0);
    h.run();
    assert!(
        (h.state().canvas.zoom - opened).abs() < 1e-4,
        "the sample opens fitted"
    );
}

/// A drawing far wider than tall (300 parallel actions) still gets a
/// readable minimap: at least 140 pixels high, across its column, and a
/// click on its right end pans the view there.
#[test]
fn the_minimap_of_a_wide_workflow_is_readable_and_pans() {
    let dir = tempfile::tempdir().unwrap();
    let mut actions = serde_json::Map::new();
    for i in 0..300 {
        actions.insert(format!("Step_{i:03}"), compose("x", json!({})));
    }
    let mut h = app_on(&dir, &workflow(Value::Object(actions)));
    let (w, hgt) = h.state().session.current().layout.size;
    assert!(w > 50.0 * hgt, "the drawing is wide: {w} x {hgt}");
    let map = h.get_by_label("Minimap").rect();
    assert!(map.height() >= 140.0, "minimap {map:?}");
    assert!(map.width() >= 150.0, "minimap {map:?}");
    let before = h.state().canvas.offset.x;
    h.get_by_label("Minimap").hover();
    h.run();
    let at = egui::pos2(map.max.x - 8.0, map.center().y);
    h.event(Event::PointerMoved(at));
    h.event(Event::PointerButton {
        pos: at,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: Modifiers::NONE,
    });
    h.event(Event::PointerButton {
        pos: at,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: Modifiers::NONE,
    });
    h.run();
    let after = h.state().canvas.offset.x;
    let zoom = h.state().canvas.zoom;
    assert!(
        after < before - 0.3 * w * zoom,
        "a click near the map's right end shows the right of the drawing: {before} -> {after}"
    );
}

/// F (and View ▸ Zoom to selection) brings the selected card into the
/// middle of the view, large.
#[test]
fn zoom_to_selection_centres_the_selected_card() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app_on(&dir, &wide(40));
    lapis_select(&mut h, "Step_33");
    press(&mut h, Modifiers::NONE, Key::F);
    h.run();
    let zoom = h.state().canvas.zoom;
    assert!((zoom - 1.5).abs() < 1e-4, "zoom {zoom}");
    let card = h
        .get_by_role_and_label(Role::Button, "Step_33 (Compose)")
        .rect();
    let view = h.state().canvas.last_rect;
    assert!(
        (card.center() - view.center()).length() < 2.0,
        "{card:?} in {view:?}"
    );
    // From the View menu too, after a pan away.
    h.state_mut().canvas.offset += egui::vec2(3000.0, 0.0);
    h.run();
    h.get_by_label("View").click_accesskit();
    h.run();
    h.get_by_label_contains("Zoom to selection")
        .click_accesskit();
    h.run();
    let card = h
        .get_by_role_and_label(Role::Button, "Step_33 (Compose)")
        .rect();
    assert!((card.center() - view.center()).length() < 2.0);
}

fn lapis_select(h: &mut Harness<'static, LapisApp>, name: &str) {
    h.state_mut().session.select_name(name).expect("the action");
    h.run();
}

/// The breadcrumb names the selection's enclosing scopes; a click selects
/// one.
#[test]
fn breadcrumb_of_enclosing_scopes_selects_a_scope() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app_on(&dir, &with_scope());
    lapis_select(&mut h, "X");
    h.run();
    assert_eq!(h.state().canvas.drawn.breadcrumb, ["S", "X"]);
    click(&mut h, "Breadcrumb: S");
    h.run();
    assert_eq!(selected_names(&h), ["S"]);
    assert_eq!(h.state().canvas.drawn.breadcrumb, ["S"]);
    click(&mut h, "Breadcrumb: Workflow");
    assert!(selected_names(&h).is_empty());
}

/// A card reached with the arrow keys comes into view with the smallest
/// pan: none while it is on screen, then just enough to show it whole.
#[test]
fn arrows_reveal_the_next_card_with_the_smallest_pan() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app_on(&dir, &wide(40));
    let visible = |h: &Harness<'static, LapisApp>| -> Vec<String> {
        let d = h.state().session.current();
        d.graph
            .outline
            .top
            .iter()
            .map(|&i| d.graph.outline.nodes[i].name.clone())
            .filter(|n| h.query_by_label(&format!("{n} (Compose)")).is_some())
            .collect()
    };
    let on_screen = visible(&h);
    assert!(on_screen.len() >= 3, "{on_screen:?}");
    click(
        &mut h,
        &format!("{} (Compose)", on_screen[on_screen.len() / 2]),
    );
    let start = h.state().canvas.offset;
    let view = h.state().canvas.last_rect;
    let mut panned = false;
    for _ in 0..on_screen.len() + 3 {
        let before = h.state().canvas.offset;
        press(&mut h, Modifiers::NONE, Key::ArrowRight);
        h.run();
        let name = selected_names(&h).pop().expect("a selection");
        let card = h
            .get_by_role_and_label(Role::Button, &format!("{name} (Compose)"))
            .rect();
        assert!(view.contains_rect(card), "{name}: {card:?} in {view:?}");
        let after = h.state().canvas.offset;
        if after != before {
            panned = true;
            // Just enough: the card sits at the right margin, and only
            // the x of the view moved.
            assert!(
                (card.right() - (view.right() - 24.0)).abs() < 2.0,
                "{card:?}"
            );
            assert_eq!(after.y, before.y);
        } else {
            assert!(!panned || card.right() <= view.right() - 24.0 + 2.0);
        }
    }
    assert!(panned, "the row is wider than the view");
    assert_ne!(h.state().canvas.offset, start);
}

/// A container panned half off the left edge keeps its title at the
/// canvas's edge; on screen, its title is where it always is.
#[test]
fn container_title_sticks_to_the_visible_edge() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app_on(&dir, &with_scope());
    assert!(h.state().canvas.drawn.sticky.is_empty());
    let view = h.state().canvas.last_rect;
    let s = h.get_by_label("S (Scope)").rect();
    // Its left edge 60 pixels past the canvas's left edge.
    h.state_mut().canvas.offset.x -= s.left() - view.left() + 60.0;
    h.run();
    let d = h.state().session.current();
    let sticky: Vec<String> = h
        .state()
        .canvas
        .drawn
        .sticky
        .iter()
        .map(|&i| d.graph.outline.nodes[i].name.clone())
        .collect();
    assert_eq!(sticky, ["S"]);
    // Panned back: not sticky any more.
    h.state_mut().canvas.offset.x += 120.0;
    h.run();
    assert!(h.state().canvas.drawn.sticky.is_empty());
}

/// A long status (a path) is elided before the key hints; a long line in
/// Workflow JSON does not widen the right panel.
#[test]
fn long_texts_do_not_push_the_hints_or_the_right_panel() {
    let dir = tempfile::tempdir().unwrap();
    let long = "x".repeat(3000);
    let mut h = app_on(
        &dir,
        &workflow(json!({
            "A": compose(&long, json!({})),
            "B": compose("b", json!({"A": ["Succeeded"]}))
        })),
    );
    let path = format!("Saved {}/workflow.json", "/a_rather_long_folder".repeat(40));
    h.state_mut().session.status = path.clone();
    h.run();
    h.run();
    let hints = h.get_by_label_contains("Drag a card: move").rect();
    let status = h.get_by_label(&path).rect();
    assert!(
        status.right() <= hints.left(),
        "{status:?} runs into {hints:?}"
    );
    assert!(hints.right() <= 1400.0 + 0.5, "{hints:?}");

    let left = |h: &Harness<'static, LapisApp>| h.get_by_label("Properties").rect().left();
    let before = left(&h);
    h.get_by_label("Workflow JSON").click_accesskit();
    for _ in 0..4 {
        h.run();
    }
    assert!(h.query_by_label("JSON code").is_some());
    assert!((left(&h) - before).abs() < 1.0, "{} vs {before}", left(&h));
    // Typed there, too (an edit not applied yet).
    h.get_by_label("JSON code").click();
    h.run();
    h.get_by_label("JSON code").type_text(&"y".repeat(400));
    for _ in 0..4 {
        h.run();
    }
    assert!((left(&h) - before).abs() < 1.0, "{} vs {before}", left(&h));
    h.get_by_label("Properties").click_accesskit();
    h.run();
    h.run();
    assert!((left(&h) - before).abs() < 1.0, "{} vs {before}", left(&h));
}

/// The inspector starts at the top for a new selection, whatever the
/// previous one was scrolled to.
#[test]
fn the_inspector_starts_at_the_top_for_a_new_selection() {
    let dir = tempfile::tempdir().unwrap();
    let http = |after: Value| {
        let headers: serde_json::Map<String, Value> = (0..20)
            .map(|i| (format!("X-Header-{i}"), json!("v")))
            .collect();
        json!({"type": "Http", "inputs": {"method": "GET", "uri": "https://example.org/", "headers": headers}, "runAfter": after})
    };
    let mut h = app_on(
        &dir,
        &workflow(json!({"H1": http(json!({})), "H2": http(json!({"H1": ["Succeeded"]}))})),
    );
    let top_of = |h: &Harness<'static, LapisApp>, label: &str| {
        h.query_all_by_label(label).next().map(|n| n.rect().top())
    };
    click(&mut h, "H2 (Http)");
    let fresh = top_of(&h, "Method").expect("the HTTP form");
    click(&mut h, "H1 (Http)");
    assert_eq!(top_of(&h, "Method"), Some(fresh));
    // Down to the end of H1's form (as a screen reader's focus would go).
    let right = h.state().canvas.last_rect.right();
    let lowest = h
        .query_all_by_label_contains("")
        .filter(|n| n.rect().left() > right)
        .max_by(|a, b| a.rect().bottom().total_cmp(&b.rect().bottom()))
        .expect("the inspector's widgets");
    lowest.scroll_to_me();
    h.run();
    h.run();
    assert!(
        top_of(&h, "Method").is_none_or(|y| y < fresh - 100.0),
        "H1's form scrolled down: {:?}",
        top_of(&h, "Method")
    );
    click(&mut h, "H2 (Http)");
    h.run();
    assert_eq!(top_of(&h, "Method"), Some(fresh));
}

/// Where an edge crosses an edge from another source, the canvas draws a
/// hop (once the cards are readable).
#[test]
fn crossings_are_drawn_as_hops() {
    let dir = tempfile::tempdir().unwrap();
    let mut actions = serde_json::Map::new();
    for i in 0..12 {
        actions.insert(format!("s{i}"), compose("s", json!({})));
    }
    for i in 0..12 {
        let (a, b) = (format!("s{i}"), format!("s{}", (i * 5 + 3) % 12));
        actions.insert(
            format!("t{i}"),
            compose("t", json!({a: ["Succeeded"], b: ["Failed"]})),
        );
    }
    let h = app_on(&dir, &workflow(Value::Object(actions)));
    let crossings: usize = h
        .state()
        .session
        .current()
        .layout
        .edges
        .iter()
        .map(|e| e.crossings.len())
        .sum();
    assert!(crossings > 0, "the layout has crossings");
    assert!(
        h.state().canvas.drawn.hops > 0,
        "{:?}",
        h.state().canvas.drawn
    );
    assert!(h.state().canvas.drawn.hops <= crossings);
}
