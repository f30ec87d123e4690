//! The completion popup of expression fields (`lapis::ui::expr_field`),
//! driven through egui_kittest by accessible names: typing a function-name
//! prefix after `@` or inside `@{…}` lists the matching functions with
//! their signature and summary; Up and Down choose, Enter or Tab insert,
//! Esc closes, a click inserts.

use egui::Key;
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use lapis::expr::check::Reachable;
use lapis::ui::expr_field::{self, ExprContext};
use lapis::ui::theme::Theme;

const FIELD: &str = "Expression";
const POPUP: &str = "Completions: Up and Down choose, Enter or Tab inserts, Esc closes";

struct State {
    text: String,
    other: String,
    cx: ExprContext,
    theme: Theme,
    changes: usize,
}

fn harness(text: &str) -> Harness<'static, State> {
    let cx = ExprContext {
        findings: Vec::new(),
        reachable: Reachable {
            parameters: vec!["apiUrl".into()],
            actions: vec!["Get_status".into()],
            ..Reachable::default()
        },
    };
    let state = State {
        text: text.to_string(),
        other: String::new(),
        cx,
        theme: Theme::new(false),
        changes: 0,
    };
    let mut h = Harness::builder()
        .with_size(egui::vec2(700.0, 500.0))
        .build_ui_state(
            |ui, s: &mut State| {
                let r = expr_field::show(ui, "field", &mut s.text, &s.cx, &s.theme, false, FIELD);
                if r.changed() {
                    s.changes += 1;
                }
                ui.add(egui::TextEdit::singleline(&mut s.other).id_salt("other"))
                    .accessible_name("Other field");
            },
            state,
        );
    h.run();
    h
}

/// Focuses the field, puts the cursor at its end and types.
fn type_in(h: &mut Harness<'static, State>, text: &str) {
    h.get_by_label(FIELD).focus();
    h.run();
    h.key_press(Key::End);
    h.run();
    h.get_by_label(FIELD).type_text(text);
    h.run();
}

fn press(h: &mut Harness<'static, State>, key: Key) {
    h.key_press(key);
    h.run();
}

fn popup_open(h: &Harness<'static, State>) -> bool {
    h.query_by_label(POPUP).is_some()
}

/// The labels of the listed completions, in order.
fn items(h: &Harness<'static, State>) -> Vec<String> {
    let mut out: Vec<(f32, String)> = h
        .query_all_by_role(egui::accesskit::Role::Button)
        .filter_map(|n| Some((n.rect().min.y, n.accesskit_node().label()?)))
        .collect();
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out.into_iter().map(|(_, label)| label).collect()
}

fn selected(h: &Harness<'static, State>) -> Vec<String> {
    h.query_all_by_role(egui::accesskit::Role::Button)
        .filter(|n| n.accesskit_node().is_selected() == Some(true))
        .filter_map(|n| n.accesskit_node().label())
        .collect()
}

#[test]
fn typing_a_prefix_lists_functions_with_signature_and_summary() {
    let mut h = harness("");
    type_in(&mut h, "@conc");
    assert!(popup_open(&h), "the popup opens after @conc");
    let listed = items(&h);
    let concat = listed
        .iter()
        .find(|l| l.starts_with("concat("))
        .unwrap_or_else(|| panic!("concat is offered: {listed:?}"));
    let info = lapis::expr::registry::lookup("concat").unwrap();
    assert!(
        concat.contains(info.signature) && concat.contains(info.summary),
        "{concat}"
    );
    // The first row is highlighted.
    assert_eq!(selected(&h), vec![listed[0].clone()]);
}

#[test]
fn enter_inserts_the_highlighted_function() {
    let mut h = harness("");
    type_in(&mut h, "@conc");
    press(&mut h, Key::Enter);
    assert_eq!(h.state().text, "@concat(");
    assert!(
        !popup_open(&h),
        "the popup closes once the name is complete"
    );
    assert!(h.state().changes > 0, "the field reports the change");
    // The cursor is after the insertion: typing goes on there.
    h.get_by_label(FIELD).type_text("'a')");
    h.run();
    assert_eq!(h.state().text, "@concat('a')");
}

#[test]
fn arrows_choose_and_tab_inserts() {
    let mut h = harness("");
    type_in(&mut h, "@to");
    let listed = items(&h);
    assert!(listed.len() >= 2, "{listed:?}");
    press(&mut h, Key::ArrowDown);
    assert_eq!(selected(&h), vec![listed[1].clone()]);
    press(&mut h, Key::ArrowUp);
    press(&mut h, Key::ArrowUp);
    assert_eq!(
        selected(&h),
        vec![listed[listed.len() - 1].clone()],
        "Up from the first wraps to the last"
    );
    press(&mut h, Key::ArrowDown);
    press(&mut h, Key::ArrowDown);
    press(&mut h, Key::Tab);
    let second = listed[1].split('(').next().unwrap();
    assert_eq!(h.state().text, format!("@{second}("));
    // Tab did not move the focus away.
    assert!(h.get_by_label(FIELD).is_focused());
}

#[test]
fn escape_closes_until_the_text_changes() {
    let mut h = harness("");
    type_in(&mut h, "@conc");
    assert!(popup_open(&h));
    press(&mut h, Key::Escape);
    assert!(!popup_open(&h), "Esc closes the popup");
    assert_eq!(h.state().text, "@conc");
    assert!(
        h.get_by_label(FIELD).is_focused(),
        "Esc leaves the field focused"
    );
    // Enter now does not insert anything (it leaves the field, as usual).
    press(&mut h, Key::Enter);
    assert_eq!(h.state().text, "@conc");
    assert!(!popup_open(&h));
    type_in(&mut h, "a");
    assert_eq!(h.state().text, "@conca");
    assert!(popup_open(&h), "typing again reopens it");
}

#[test]
fn inside_interpolations_and_with_reachable_names() {
    let mut h = harness("Status of @{");
    type_in(&mut h, "par");
    let listed = items(&h);
    assert_eq!(
        listed
            .first()
            .map(|l| l.starts_with("parameters('apiUrl')")),
        Some(true),
        "{listed:?}"
    );
    press(&mut h, Key::Enter);
    assert_eq!(h.state().text, "Status of @{parameters('apiUrl')");
    h.get_by_label(FIELD).type_text("} and @{bo");
    h.run();
    assert!(items(&h)
        .iter()
        .any(|l| l.starts_with("body('Get_status')")));
}

#[test]
fn a_click_inserts() {
    let mut h = harness("");
    type_in(&mut h, "@xp");
    let xpath = items(&h)
        .into_iter()
        .find(|l| l.starts_with("xpath("))
        .expect("xpath is offered");
    h.get_by_label(&xpath).click();
    h.run();
    assert_eq!(h.state().text, "@xpath(");
}

#[test]
fn no_popup_where_no_function_can_stand() {
    for text in [
        "conc",
        "@@conc",
        "@concat('conc",
        "@body('A').sta",
        "text @{x} conc",
    ] {
        let mut h = harness("");
        type_in(&mut h, text);
        assert!(!popup_open(&h), "no popup for {text:?}");
        // Enter and arrows do what they usually do: nothing is inserted.
        press(&mut h, Key::Enter);
        assert_eq!(h.state().text, text);
    }
}

#[test]
fn leaving_the_field_closes_the_popup_and_frees_the_keys() {
    let mut h = harness("");
    type_in(&mut h, "@conc");
    assert!(popup_open(&h));
    h.get_by_label("Other field").focus();
    h.run();
    h.run();
    assert!(!popup_open(&h));
    h.get_by_label("Other field").type_text("x");
    h.run();
    press(&mut h, Key::Tab);
    assert_eq!(h.state().other, "x");
    assert_eq!(h.state().text, "@conc");
}

/// The designer itself: an expression field of the inspector (the HTTP
/// action's URI) offers completion while typing, and Enter writes the
/// completed name into the document.
#[test]
fn the_inspector_fields_of_the_real_app_complete() {
    use lapis::ui::{LapisApp, Options};
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_eframe(|_cc| {
            LapisApp::new(Options {
                file: None,
                native_dialogs: false,
                recovery_dir: None,
            })
        });
    h.run();
    h.state_mut()
        .session
        .select_name("Get_status")
        .expect("the sample has Get_status");
    h.run();
    h.get_by_label("URI").focus();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, Key::A);
    h.run();
    h.get_by_label("URI").type_text("https://host/@{conc");
    h.run();
    assert!(
        h.query_by_label(POPUP).is_some(),
        "the URI field of the inspector shows completions inside @{{"
    );
    h.key_press(Key::Enter);
    h.run();
    let uri = h
        .state()
        .session
        .doc()
        .root
        .pointer("/actions/Get_status/inputs/uri")
        .cloned();
    assert_eq!(
        uri,
        Some(serde_json::json!("https://host/@{concat(")),
        "Enter inserted the function into the document's field"
    );
}
