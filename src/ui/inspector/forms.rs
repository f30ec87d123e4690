//! The forms of the inspector: the form of the selected trigger or action,
//! drawn by the engine from the type's manifest
//! ([`crate::workflow::manifest`]), the parts a table cannot describe
//! (authentication, Switch cases, variables, Terminate), access control on
//! triggers, then Run after, Scope and Settings for actions. A type without
//! a manifest is edited as JSON, with nothing lost.
//!
//! Dependencies go one way: this module uses the engine, the type-specific
//! parts ([`super::http`]) and the sections ([`super::settings`]); they use
//! the widgets, never this module.

use super::engine;
use super::http::{authentication, authorization_clash, poll_pfx};
use super::node::NodeSnap;
use super::settings::{run_after, scope, settings};
use super::state::InspectorState;
use super::widgets::{block, child, field_id, row, unique_name, Field, Form, Kind};
use crate::ui::session::Session;
use crate::ui::theme::Theme;
use crate::workflow::edit::Edit;
use crate::workflow::manifest::{self, Custom};
use crate::workflow::model::value_text;
use crate::workflow::tree::{NodeId, Role};
use egui::Ui;
use serde_json::{Map, Value};

pub use super::state::FormsState;

/// Draws the form of node `id`.
pub fn show(
    ui: &mut Ui,
    st: &mut InspectorState,
    session: &mut Session,
    id: NodeId,
    theme: &Theme,
) {
    let Some(snap) = NodeSnap::take(session, id) else {
        ui.weak("The selection is no longer in the workflow.");
        return;
    };
    if st.forms.shown.as_deref() != Some(snap.pointer.as_str()) {
        st.forms.reset_for(&snap.pointer);
        // Secrets shown in clear are hidden again once the node is left.
        st.revealed.clear();
    }
    // Keep typed text only for the field being typed in: a secret typed
    // elsewhere must not linger in memory.
    let ctx = ui.ctx().clone();
    st.buffers
        .retain(|k, _| ctx.memory(|m| m.has_focus(field_id(k))));
    let mut f = Form {
        st,
        session,
        theme,
        name: snap.name.clone(),
        node: snap.pointer.clone(),
        definition: snap.definition.clone(),
        width: ui.available_width(),
        ctx: ctx.clone(),
    };
    poll_pfx(&mut f, &ctx);
    // Borrowed, not cloned: a control action holds all the actions inside it.
    let m = match f.get(&snap.pointer) {
        Some(node) if node.is_object() => manifest::manifest(snap.role, &snap.ty, node),
        _ => {
            ui.colored_label(
                theme.error,
                "This node is not a JSON object; fix it in the Code tab.",
            );
            return;
        }
    };
    match m {
        Some(m) => engine::draw(ui, &mut f, &snap.pointer, m, &mut |ui, f, c, p| {
            custom(ui, f, &snap, c, p)
        }),
        None => {
            let label = match snap.role {
                Role::Trigger => "Trigger JSON",
                Role::Action => "Action JSON",
            };
            whole_json(ui, &mut f, &snap, label);
        }
    }
    match snap.role {
        Role::Trigger => {
            access_control(ui, &mut f, &["triggers"]);
            if snap.ty.as_str().eq_ignore_ascii_case("Request") {
                crate::ui::serve_url::section(ui, f.session, &snap.name);
            }
        }
        Role::Action => {
            run_after(ui, &mut f, &snap);
            scope(ui, &mut f, &snap);
        }
    }
    settings(ui, &mut f, &snap);
}

/// The parts of forms a table cannot describe.
fn custom(ui: &mut Ui, f: &mut Form, snap: &NodeSnap, c: Custom, pointer: &str) {
    match c {
        Custom::Authentication => {
            if let Some((inputs, _)) = pointer.rsplit_once('/') {
                authorization_clash(ui, f, inputs);
            }
            authentication(ui, f, pointer);
        }
        Custom::SwitchCases => cases(ui, f, &snap.pointer),
        Custom::Variable => initialize_variable(ui, f, snap, pointer),
        Custom::RunStatus => terminate(ui, f, pointer),
    }
}

/// The access control sections `keys` of the open workflow, with the
/// Security tab's editor, in a collapsing section of their own (closed
/// when the file has no place for access control).
pub(crate) fn access_control(ui: &mut Ui, f: &mut Form, keys: &[&str]) {
    let available = crate::workflow::access::pointer(f.session.doc(), f.session.workflow).is_some();
    // The open/closed state is remembered per kind of file: a trigger seen
    // in a bare definition (closed) does not keep it closed in a template.
    egui::CollapsingHeader::new("Access control")
        .id_salt(("lapis-trigger-access-header", available))
        .default_open(available)
        .show(ui, |ui| {
            ui.push_id("lapis-trigger-access", |ui| {
                crate::ui::security::access_control_section(
                    ui,
                    f.session,
                    &mut f.st.forms.access,
                    f.theme,
                    keys,
                );
            });
        });
}

/// The workflow's settings, shown when nothing is selected: who may read
/// run history and call the actions.
pub fn workflow_settings(
    ui: &mut Ui,
    st: &mut InspectorState,
    session: &mut Session,
    theme: &Theme,
) {
    if st.forms.shown.is_some() {
        st.forms.reset_for("");
        st.forms.shown = None;
    }
    ui.heading("Workflow settings");
    // Closed at first: the Security tab may show the same sections.
    egui::CollapsingHeader::new("Run history and action callers")
        .default_open(false)
        .show(ui, |ui| {
            ui.push_id("lapis-workflow-access", |ui| {
                crate::ui::security::access_control_section(
                    ui,
                    session,
                    &mut st.forms.access,
                    theme,
                    &["contents", "actions"],
                );
            });
        });
}

fn grid(ui: &mut Ui, salt: &str, add: impl FnOnce(&mut Ui)) {
    super::widgets::form_grid(("lapis-form", salt)).show(ui, add);
}

fn section(ui: &mut Ui, title: &str, add: impl FnOnce(&mut Ui)) {
    egui::CollapsingHeader::new(title)
        .default_open(true)
        .show(ui, add);
}

/// The whole trigger or action as JSON, for types without a form.
fn whole_json(ui: &mut Ui, f: &mut Form, snap: &NodeSnap, label: &str) {
    section(ui, "JSON", |ui| {
        ui.weak("This type has no form: edit its JSON. Valid JSON applies as you type.");
        block(
            ui,
            f,
            &Field::new(label, snap.pointer.clone())
                .kind(Kind::JsonObject)
                .rows(16),
        );
    });
}

/// The cases of a Switch: rename, change the value, add, remove.
fn cases(ui: &mut Ui, f: &mut Form, node: &str) {
    let cases_ptr = child(node, "cases");
    let list: Vec<(String, Option<Value>)> = match f.get(&cases_ptr) {
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| (k.clone(), v.get("case").cloned()))
            .collect(),
        None => Vec::new(),
        Some(_) => {
            ui.colored_label(
                f.theme.warning,
                "`cases` is not an object; edit it in the Code tab.",
            );
            return;
        }
    };
    ui.strong("Cases");
    for (i, (name, _)) in list.iter().enumerate() {
        case_row(ui, f, &cases_ptr, &list, i, name);
    }
    if ui
        .button("✚ Add case")
        .accessible_name("Add case")
        .clicked()
    {
        let names: Vec<String> = list.iter().map(|(n, _)| n.clone()).collect();
        let name = unique_name("Case", names.iter());
        let mut case = Map::new();
        case.insert("case".into(), Value::String(String::new()));
        case.insert("actions".into(), Value::Object(Map::new()));
        f.apply(
            Edit::Set {
                pointer: child(&cases_ptr, &name),
                value: Value::Object(case),
            },
            &cases_ptr,
        );
    }
    f.show_error(ui, &cases_ptr);
}

fn case_row(
    ui: &mut Ui,
    f: &mut Form,
    cases_ptr: &str,
    list: &[(String, Option<Value>)],
    i: usize,
    name: &str,
) {
    let n1 = i + 1;
    let (name_w, value_w) = super::table::cell_widths(f.width);
    let key = format!("{cases_ptr}#name{n1}");
    let problem = format!("{key}!");
    let mut commit = |f: &mut Form, text: &str| {
        let clash = list
            .iter()
            .enumerate()
            .any(|(j, (n, _))| j != i && n == text);
        if text.trim().is_empty() || clash {
            let msg = if clash {
                format!("there is already a case `{text}`")
            } else {
                "a case needs a name".to_owned()
            };
            f.st.forms.errors.insert(problem.clone(), msg);
            return;
        }
        f.st.forms.errors.remove(&problem);
        // Rebuild `cases` with the key renamed in place.
        let Some(Value::Object(m)) = f.get(cases_ptr).cloned() else {
            return;
        };
        let renamed: Map<String, Value> = m
            .into_iter()
            .enumerate()
            .map(|(j, (k, v))| if j == i { (text.to_owned(), v) } else { (k, v) })
            .collect();
        f.set_typing(cases_ptr, Value::Object(renamed), &key);
    };
    // The value keeps its JSON type: a number stays a number if the text is
    // one.
    let value_ptr = format!("{}/case", child(cases_ptr, name));
    let was_number = matches!(
        list.get(i).and_then(|c| c.1.as_ref()),
        Some(Value::Number(_))
    );
    let field = Field::new("", value_ptr)
        .width(value_w)
        .hint("equals")
        .kind(if was_number { Kind::Number } else { Kind::Text });
    let notes = ui
        .horizontal_top(|ui| {
            super::widgets::buffered(
                ui,
                f,
                &key,
                name.to_owned(),
                cases_ptr,
                |t, id| {
                    egui::TextEdit::singleline(t)
                        .id(id)
                        .desired_width(name_w)
                        .hint_text(egui::RichText::new("case name").weak())
                },
                super::widgets::Name::Named(format!("Case name {n1}")),
                &mut commit,
                None,
                None,
            );
            let (_, notes) = super::widgets::field_core(
                ui,
                f,
                &field,
                super::widgets::Name::Named(format!("Case value {n1}")),
            );
            let rm = format!("Remove case {n1}");
            if ui
                .small_button("🗑")
                .accessible_name(&rm)
                .on_hover_text(format!("{rm} and the actions in it"))
                .clicked()
            {
                f.apply(
                    Edit::Remove {
                        pointer: child(cases_ptr, name),
                    },
                    cases_ptr,
                );
            }
            notes
        })
        .inner;
    // Notes under the row, where they can wrap.
    f.show_error(ui, &problem);
    f.show_error(ui, &key);
    super::widgets::show_notes(ui, f, &field, &notes);
}

/// Variable types: (as shown, as written).
const VARIABLE_TYPES: &[(&str, &str)] = &[
    ("String", "string"),
    ("Integer", "integer"),
    ("Float", "float"),
    ("Boolean", "boolean"),
    ("Array", "array"),
    ("Object", "object"),
];

fn initialize_variable(ui: &mut Ui, f: &mut Form, snap: &NodeSnap, inputs: &str) {
    let var = format!("{inputs}/variables/0");
    if !matches!(f.get(&var), Some(Value::Object(_))) {
        ui.colored_label(
            f.theme.warning,
            "inputs.variables[0] is missing or not an object; edit the inputs as JSON:",
        );
        block(
            ui,
            f,
            &Field::new("Inputs", inputs.to_owned())
                .kind(Kind::Json)
                .rows(8),
        );
        return;
    }
    let ty_ptr = child(&var, "type");
    let ty = f.get(&ty_ptr).map(value_text).unwrap_or_default();
    grid(ui, &snap.pointer, |ui| {
        row(ui, f, &Field::new("Name", child(&var, "name")));
        let l = ui.label("Type");
        let shown = VARIABLE_TYPES
            .iter()
            .find(|(_, w)| w.eq_ignore_ascii_case(&ty))
            .map_or(ty.clone(), |(s, _)| (*s).to_owned());
        let items: Vec<&str> = VARIABLE_TYPES.iter().map(|(s, _)| *s).collect();
        ui.vertical(|ui| {
            if let Some(i) = super::widgets::combo(ui, &ty_ptr, l.id, &shown, &items) {
                let w = VARIABLE_TYPES[i].1;
                if !w.eq_ignore_ascii_case(&ty) {
                    f.apply(
                        Edit::Set {
                            pointer: ty_ptr.clone(),
                            value: Value::String(w.to_owned()),
                        },
                        &ty_ptr,
                    );
                }
            }
            f.show_error(ui, &ty_ptr);
        });
        ui.end_row();
        let kind = if ty.eq_ignore_ascii_case("string") {
            Kind::Text
        } else {
            Kind::JsonOrText
        };
        row(
            ui,
            f,
            &Field::new("Value", child(&var, "value"))
                .kind(kind)
                .optional(),
        );
    });
}

fn terminate(ui: &mut Ui, f: &mut Form, inputs: &str) {
    let status_ptr = child(inputs, "runStatus");
    let status = f.get(&status_ptr).map(value_text).unwrap_or_default();
    grid(ui, inputs, |ui| {
        let l = ui.label("Run status");
        let items = ["Succeeded", "Failed", "Cancelled"];
        ui.vertical(|ui| {
            if let Some(i) = super::widgets::combo(ui, &status_ptr, l.id, &status, &items) {
                let new = items[i];
                if new != status {
                    let mut edits = vec![Edit::Set {
                        pointer: status_ptr.clone(),
                        value: Value::String(new.into()),
                    }];
                    // Only a failed run carries an error.
                    let err = child(inputs, "runError");
                    if new != "Failed" && f.get(&err).is_some() {
                        edits.push(Edit::Remove { pointer: err });
                    }
                    f.apply(
                        Edit::Batch {
                            label: format!("Terminate as {new}"),
                            edits,
                        },
                        &status_ptr,
                    );
                }
            }
            f.show_error(ui, &status_ptr);
        });
        ui.end_row();
        if status.eq_ignore_ascii_case("Failed") {
            let e = child(inputs, "runError");
            row(
                ui,
                f,
                &Field::new("Error code", child(&e, "code")).optional(),
            );
            let message = child(&e, "message");
            row(
                ui,
                f,
                &Field::new("Error message", message.clone()).optional(),
            );
            let blank = f
                .get(&message)
                .is_none_or(|m| value_text(m).trim().is_empty());
            if blank {
                ui.label("");
                ui.colored_label(
                    f.theme.warning,
                    "⚠ A failed run should say why: give an error message.",
                );
                ui.end_row();
            }
        }
    });
}
