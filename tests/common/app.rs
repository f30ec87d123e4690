//! Driving the real designer through egui_kittest, by accessible names:
//! the helpers every GUI test file uses.

use egui::{Key, Modifiers};
use egui_kittest::{kittest::Queryable, Harness};
use lapis::ui::{LapisApp, Options};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The designer on `file` (the bundled sample when `None`), 1400×900, no
/// native dialogs, its recovery copies in `recovery_dir` (none when `None`).
pub fn app_in(file: Option<PathBuf>, recovery_dir: Option<PathBuf>) -> Harness<'static, LapisApp> {
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        // A click that shows new widgets takes a few passes to settle: egui
        // styles a widget it has not seen yet on the next pass, and sizes
        // new windows over two more; four steps (the default) is too tight.
        .with_max_steps(16)
        .build_eframe(move |_cc| {
            LapisApp::new(Options {
                file,
                native_dialogs: false,
                recovery_dir,
            })
        });
    h.run();
    h
}

/// The designer on `file`, with no recovery folder.
pub fn app_with(file: Option<PathBuf>) -> Harness<'static, LapisApp> {
    app_in(file, None)
}

/// A designer that adds an action of type `action_type`, writes its
/// recovery copy into `recovery_dir` and dies without closing: the copy is
/// marked with a process id that is not alive.
pub fn leave_recovery_copy(recovery_dir: &Path, action_type: &str) {
    let mut h = app_in(None, Some(recovery_dir.to_path_buf()));
    h.state_mut().add_action(action_type);
    h.state_mut().write_recovery();
    let f = std::fs::read_dir(recovery_dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut v: Value = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
    v["pid"] = Value::from(u32::MAX - 1);
    std::fs::write(&f, serde_json::to_vec(&v).unwrap()).unwrap();
    std::mem::forget(h);
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

/// Writes `template.json` in `dir`: a Consumption ARM template whose one
/// workflow resource (`status-wf`) holds `definition`.
pub fn write_arm_template(dir: &Path, definition: Value) -> PathBuf {
    let arm = serde_json::json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [{
            "type": "Microsoft.Logic/workflows",
            "apiVersion": "2019-05-01",
            "name": "status-wf",
            "location": "westeurope",
            "properties": {"definition": definition, "parameters": {}}
        }]
    });
    let p = dir.join("template.json");
    std::fs::write(&p, serde_json::to_vec_pretty(&arm).unwrap()).unwrap();
    p
}
