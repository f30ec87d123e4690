//! The inspector: the side panel for the selection. A form for the
//! selected trigger or action ([`forms`]), and a code view of the selection
//! or of the whole workflow as editable JSON, synced both ways.

pub mod builder;
pub mod engine;
pub mod forms;
pub mod http;
pub mod node;
pub mod pfx;
pub mod settings;
pub mod state;
pub mod table;
pub mod widgets;

use super::session::Session;
use super::theme::Theme;
use crate::workflow::edit::Edit;
use crate::workflow::text::parse_json;
use egui::{RichText, Ui};
use state::CodeBuffer;
pub use state::{InspectorState, Tab};

/// Draws the inspector.
pub fn show(ui: &mut Ui, st: &mut InspectorState, session: &mut Session, theme: &Theme) {
    let selected = session.selected_node();
    let http = selected.and_then(|id| {
        let n = &session.current().graph.outline.nodes[id];
        (n.ty == crate::workflow::model::ActionType::Http
            && n.role == crate::workflow::tree::Role::Action)
            .then(|| n.name.clone())
    });
    if http.is_none() && st.tab == Tab::Test {
        st.tab = Tab::Form;
    }
    ui.horizontal(|ui| {
        ui.selectable_value(&mut st.tab, Tab::Form, "Properties");
        if http.is_some() {
            ui.selectable_value(&mut st.tab, Tab::Test, "Test");
        }
        ui.selectable_value(&mut st.tab, Tab::Code, "Code");
        ui.selectable_value(&mut st.tab, Tab::Workflow, "Workflow JSON");
    });
    ui.separator();
    match st.tab {
        Tab::Form => match selected {
            Some(id) => {
                session.summaries_for([id]);
                let d = session.current();
                let n = &d.graph.outline.nodes[id];
                ui.horizontal(|ui| {
                    ui.label(RichText::new(super::canvas::icon(n.role, &n.ty)).size(18.0));
                    ui.label(RichText::new(&n.name).heading());
                });
                ui.weak(format!("{} · {}", n.type_name, d.summaries[id]));
                super::compare::changes_section(ui, st.compare.as_deref(), d, id);
                if session.selection.len() > 1 {
                    ui.weak(format!("{} selected", session.selection.len()));
                }
                // A node the ARM template computes cannot be edited here.
                let read_only = session
                    .doc()
                    .read_only_at(session.workflow, &n.pointer)
                    .map(|r| r.reason.clone());
                if let Some(r) = &read_only {
                    ui.colored_label(theme.warning, format!("Read-only: {r}"));
                }
                ui.separator();
                // Each selection has its own scroll position: a new one starts at the top.
                egui::ScrollArea::vertical()
                    .id_salt(("inspector-form", &n.pointer))
                    .auto_shrink([false, false])
                    .show(ui, |ui| {
                        ui.add_enabled_ui(read_only.is_none(), |ui| {
                            forms::show(ui, st, session, id, theme)
                        })
                    });
            }
            None => {
                ui.weak("Select a trigger or an action to edit it.");
                ui.add_space(8.0);
                ui.weak("Add actions from the ➕ Add action menu; F2 renames; Del deletes; Ctrl+Z undoes.");
                ui.separator();
                egui::ScrollArea::vertical()
                    .auto_shrink([false, false])
                    .show(ui, |ui| forms::workflow_settings(ui, st, session, theme));
            }
        },
        Tab::Code => {
            let pointer = match selected {
                Some(id) => session.current().graph.outline.nodes[id].pointer.clone(),
                None => {
                    ui.weak("Select a trigger or an action to see its JSON.");
                    return;
                }
            };
            code_view(ui, st, session, pointer, theme);
        }
        Tab::Workflow => {
            let pointer = session.current().graph.outline.definition_pointer.clone();
            code_view(ui, st, session, pointer, theme);
        }
        Tab::Test => {
            if let Some(name) = http {
                ui.label(RichText::new(&name).heading());
                let pointer =
                    selected.map(|id| session.current().graph.outline.nodes[id].pointer.clone());
                let doc = session.doc();
                let value = pointer.and_then(|p| doc.root.pointer(&p));
                super::testcall::show(
                    ui,
                    &mut st.tests,
                    doc,
                    session.workflow,
                    &name,
                    value,
                    theme,
                );
            }
        }
    }
}

/// An editable JSON view of the value at `pointer`. Edits are applied as
/// one command when the text is valid JSON; invalid text is shown as such
/// and not applied.
fn code_view(
    ui: &mut Ui,
    st: &mut InspectorState,
    session: &mut Session,
    pointer: String,
    theme: &Theme,
) {
    let rev = session.editor.revision();
    let stale = match &st.code {
        Some(c) => c.pointer != pointer || (c.revision != rev && !c.edited),
        None => true,
    };
    if stale {
        let v = session
            .doc()
            .root
            .pointer(&pointer)
            .cloned()
            .unwrap_or_default();
        let text = serde_json::to_string_pretty(&v).unwrap_or_default();
        st.code = Some(CodeBuffer {
            pointer: pointer.clone(),
            revision: rev,
            text,
            edited: false,
        });
    }
    let Some(code) = st.code.as_mut() else { return };
    let parsed = parse_json(&code.text);
    ui.horizontal(|ui| {
        match &parsed {
            Ok(_) => ui.colored_label(ui.visuals().weak_text_color(), "✔ Valid JSON"),
            Err(e) => ui.colored_label(theme.error, format!("✖ {e}")),
        };
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let can = code.edited && parsed.is_ok();
            if ui
                .add_enabled(code.edited, egui::Button::new("Revert"))
                .clicked()
            {
                code.revision = u64::MAX;
                code.edited = false;
            }
            if ui.add_enabled(can, egui::Button::new("Apply")).clicked() {
                if let Ok(v) = &parsed {
                    let edit = Edit::Set {
                        pointer: pointer.clone(),
                        value: v.clone(),
                    };
                    if session.apply(edit).is_ok() {
                        code.edited = false;
                        code.revision = session.editor.revision();
                    }
                }
            }
        });
    });
    // A long line scrolls inside the editor; it never widens the panel.
    let width = ui.available_width();
    egui::ScrollArea::both()
        .max_width(width)
        .auto_shrink([false, false])
        .show(ui, |ui| {
            let r = ui.add(
                egui::TextEdit::multiline(&mut code.text)
                    .code_editor()
                    .desired_width(f32::INFINITY)
                    .desired_rows(30),
            );
            let r = r.accessible_name("JSON code");
            if r.changed() {
                code.edited = true;
            }
        });
}
