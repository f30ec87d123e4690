//! Driving the real designer through egui_kittest, by accessible names:
//! the helpers every GUI test file uses.

use egui::{Key, Modifiers};
use egui_kittest::{kittest::Queryable, Harness};
use lapis::ui::{LapisApp, Options};
use serde_json::Value;
use std::path::PathBuf;

/// The designer on `file` (the bundled sample when `None`), 1400×900, no
/// native dialogs, no recovery folder.
pub fn app_with(file: Option<PathBuf>) -> Harness<'static, LapisApp> {
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

/// The designer on the bundled sample.
pub fn app() -> Harness<'static, LapisApp> {
    app_with(None)
}

/// Selects the trigger or action of that name.
pub fn select(h: &mut Harness<'static, LapisApp>, name: &str) {
    h.state_mut()
        .session
        .select_name(name)
        .unwrap_or_else(|| panic!("no node {name}"));
    h.run();
}

/// The document's value at a JSON pointer.
pub fn at(h: &Harness<'static, LapisApp>, pointer: &str) -> Option<Value> {
    h.state().session.doc().root.pointer(pointer).cloned()
}

/// Focuses the field and types at its end.
pub fn type_in(h: &mut Harness<'static, LapisApp>, label: &str, text: &str) {
    h.get_by_label(label).focus();
    h.run();
    h.get_by_label(label).type_text(text);
    h.run();
}

/// Focuses the field, selects all its text and types over it.
pub fn replace(h: &mut Harness<'static, LapisApp>, label: &str, text: &str) {
    h.get_by_label(label).focus();
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.run();
    h.get_by_label(label).type_text(text);
    h.run();
}

/// Clicks a widget by its accessible name (works when it is scrolled away).
pub fn click(h: &mut Harness<'static, LapisApp>, label: &str) {
    h.get_by_label(label).click_accesskit();
    h.run();
}
