//! The forms of the inspector, by trigger and action type.
//!
//! Every field shows the document's value and sends each change to the
//! session as an edit (see [`super::widgets`]). Sections:
//! the type's own fields (HTTP request and authentication, condition,
//! switch cases, loop, variables, response, …), Settings, Run after and
//! Scope for actions. A type without a form is edited as JSON, with nothing
//! lost.

use super::http::{http_inputs, poll_pfx, METHODS};
use super::settings::{duration_row, run_after, scope, settings};
use super::table::{table, Table};
use super::widgets::{block, child, choice_row, field_id, row, unique_name, Field, Form, Kind};
use super::InspectorState;
use crate::ui::session::Session;
use crate::ui::theme::Theme;
use crate::workflow::edit::Edit;
use crate::workflow::model::{value_text, ActionType};
use crate::workflow::tree::{BranchKind, NodeId, Role, RunAfter};
use egui::Ui;
use serde_json::{Map, Value};

pub use super::widgets::FormsState;

/// What a form needs to know of its node, copied out of the outline at the
/// start of the frame (an edit rebuilds the outline mid-frame).
#[derive(Debug, Clone)]
pub(crate) struct NodeSnap {
    /// Its name.
    pub name: String,
    /// Its pointer.
    pub pointer: String,
    /// Trigger or action.
    pub role: Role,
    /// Its type.
    pub ty: ActionType,
    /// Its run-after entries.
    pub run_after: Vec<RunAfter>,
    /// The names of its siblings, itself excluded.
    pub siblings: Vec<String>,
    /// Whether it sits inside a control action.
    pub nested: bool,
    /// Where it can move: (label, actions pointer), "Top level" first.
    pub targets: Vec<(String, String)>,
    /// The actions object that holds it.
    pub container: String,
    /// The definition's pointer.
    pub definition: String,
}

impl NodeSnap {
    fn take(session: &Session, id: NodeId) -> Option<NodeSnap> {
        let o = &session.current().graph.outline;
        let n = o.nodes.get(id)?;
        let siblings = o
            .siblings(id)
            .iter()
            .filter(|&&s| s != id)
            .filter_map(|&s| o.nodes.get(s))
            .map(|s| s.name.clone())
            .collect();
        let top = format!("{}/actions", o.definition_pointer);
        let container = match n.parent {
            Some((p, b)) => o
                .nodes
                .get(p)
                .and_then(|p| p.branches.get(b))
                .map(|b| b.actions_pointer.clone())
                .unwrap_or_else(|| top.clone()),
            None => top.clone(),
        };
        let mut targets = vec![("Top level".to_owned(), top)];
        if n.role == Role::Action {
            for c in &o.nodes {
                if c.id == id || c.branches.is_empty() || o.ancestors(c.id).any(|a| a == id) {
                    continue;
                }
                for b in &c.branches {
                    let label = match &b.kind {
                        BranchKind::Body => c.name.clone(),
                        k => format!("{} · {}", c.name, k.label()),
                    };
                    targets.push((label, b.actions_pointer.clone()));
                }
            }
        }
        Some(NodeSnap {
            name: n.name.clone(),
            pointer: n.pointer.clone(),
            role: n.role,
            ty: n.ty.clone(),
            run_after: n.run_after.clone(),
            siblings,
            nested: n.parent.is_some(),
            targets,
            container,
            definition: o.definition_pointer.clone(),
        })
    }
}

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
    if f.get(&snap.pointer).is_none_or(|v| !v.is_object()) {
        ui.colored_label(
            theme.error,
            "This node is not a JSON object; fix it in the Code tab.",
        );
        return;
    }
    match snap.role {
        Role::Trigger => trigger(ui, &mut f, &snap),
        Role::Action => {
            action(ui, &mut f, &snap);
            run_after(ui, &mut f, &snap);
            scope(ui, &mut f, &snap);
        }
    }
    settings(ui, &mut f, &snap);
}

fn grid(ui: &mut Ui, salt: &str, add: impl FnOnce(&mut Ui)) {
    super::widgets::form_grid(("lapis-form", salt)).show(ui, add);
}

fn section(ui: &mut Ui, title: &str, add: impl FnOnce(&mut Ui)) {
    egui::CollapsingHeader::new(title)
        .default_open(true)
        .show(ui, add);
}

// ---------------------------------------------------------------------------
// Triggers

fn trigger(ui: &mut Ui, f: &mut Form, snap: &NodeSnap) {
    let p = snap.pointer.clone();
    let inputs = child(&p, "inputs");
    match snap.ty {
        ActionType::Request => section(ui, "Request trigger", |ui| {
            grid(ui, &p, |ui| {
                choice_row(
                    ui,
                    f,
                    "Method",
                    &child(&inputs, "method"),
                    METHODS,
                    Some("Any"),
                    true,
                );
                row(
                    ui,
                    f,
                    &Field::new("Relative path", child(&inputs, "relativePath"))
                        .optional()
                        .hint("orders/{id}"),
                );
            });
            block(
                ui,
                f,
                &Field::new("Schema", child(&inputs, "schema"))
                    .kind(Kind::Json)
                    .optional()
                    .rows(8)
                    .hint("JSON schema of the request body"),
            );
        }),
        ActionType::Recurrence => section(ui, "Recurrence schedule", |ui| {
            grid(ui, &p, |ui| recurrence_rows(ui, f, &p));
        }),
        ActionType::Http => {
            http_inputs(ui, f, &inputs);
            section(ui, "Polling", |ui| {
                grid(ui, &p, |ui| recurrence_rows(ui, f, &p));
            });
        }
        _ => whole_json(ui, f, snap, "Trigger JSON"),
    }
}

fn recurrence_rows(ui: &mut Ui, f: &mut Form, node: &str) {
    let r = child(node, "recurrence");
    choice_row(
        ui,
        f,
        "Frequency",
        &child(&r, "frequency"),
        &["Second", "Minute", "Hour", "Day", "Week", "Month"],
        None,
        false,
    );
    row(
        ui,
        f,
        &Field::new("Interval", child(&r, "interval")).kind(Kind::Int),
    );
    row(
        ui,
        f,
        &Field::new("Start time", child(&r, "startTime"))
            .optional()
            .hint("2025-01-01T08:00:00Z"),
    );
    row(
        ui,
        f,
        &Field::new("Time zone", child(&r, "timeZone"))
            .optional()
            .hint("W. Europe Standard Time"),
    );
}

// ---------------------------------------------------------------------------
// Actions

fn action(ui: &mut Ui, f: &mut Form, snap: &NodeSnap) {
    let p = snap.pointer.clone();
    let inputs = child(&p, "inputs");
    match &snap.ty {
        ActionType::Http => http_inputs(ui, f, &inputs),
        ActionType::If => section(ui, "Condition expression", |ui| {
            block(
                ui,
                f,
                &Field::new("Expression", child(&p, "expression"))
                    .kind(Kind::JsonOrText)
                    .rows(5)
                    .hint("{\"and\": [{\"equals\": [\"@…\", \"…\"]}]}"),
            );
        }),
        ActionType::Switch => section(ui, "Switch cases", |ui| {
            grid(ui, &p, |ui| {
                row(
                    ui,
                    f,
                    &Field::new("Expression", child(&p, "expression"))
                        .kind(Kind::JsonOrText)
                        .hint("@triggerBody()?['kind']"),
                );
            });
            cases(ui, f, &p);
        }),
        ActionType::Foreach => section(ui, "Loop items", |ui| {
            grid(ui, &p, |ui| {
                row(
                    ui,
                    f,
                    &Field::new("Items", child(&p, "foreach"))
                        .kind(Kind::JsonOrText)
                        .hint("@body('Get_items')"),
                );
                row(
                    ui,
                    f,
                    &Field::new(
                        "Concurrency",
                        format!("{p}/runtimeConfiguration/concurrency/repetitions"),
                    )
                    .kind(Kind::Int)
                    .optional()
                    .hint("20 (1 to 50)"),
                );
            });
        }),
        ActionType::Until => section(ui, "Until loop", |ui| {
            block(
                ui,
                f,
                &Field::new("Expression", child(&p, "expression"))
                    .kind(Kind::JsonOrText)
                    .rows(3)
                    .hint("@equals(variables('done'), true)"),
            );
            grid(ui, &p, |ui| {
                row(
                    ui,
                    f,
                    &Field::new("Loop count", format!("{p}/limit/count"))
                        .kind(Kind::Int)
                        .optional()
                        .hint("60"),
                );
                duration_row(ui, f, "Loop timeout", &format!("{p}/limit/timeout"), "PT1H");
            });
        }),
        ActionType::Scope => {
            ui.weak("A scope groups actions: add them inside it on the canvas.");
        }
        ActionType::Compose => section(ui, "Compose inputs", |ui| {
            block(
                ui,
                f,
                &Field::new("Inputs", inputs.clone())
                    .kind(Kind::JsonOrText)
                    .rows(6),
            );
        }),
        ActionType::Response => section(ui, "Response message", |ui| {
            grid(ui, &p, |ui| {
                row(
                    ui,
                    f,
                    &Field::new("Status code", child(&inputs, "statusCode"))
                        .kind(Kind::Int)
                        .hint("200"),
                );
            });
            ui.strong("Headers");
            table(
                ui,
                f,
                &Table {
                    pointer: child(&inputs, "headers"),
                    noun: "Header",
                    secret: |_| false,
                    case_insensitive: true,
                },
            );
            block(
                ui,
                f,
                &Field::new("Body", child(&inputs, "body"))
                    .kind(Kind::JsonOrText)
                    .optional()
                    .rows(6),
            );
        }),
        ActionType::ParseJson => section(ui, "Parse JSON inputs", |ui| {
            block(
                ui,
                f,
                &Field::new("Content", child(&inputs, "content"))
                    .kind(Kind::JsonOrText)
                    .rows(2)
                    .hint("@body('Get_status')"),
            );
            block(
                ui,
                f,
                &Field::new("Schema", child(&inputs, "schema"))
                    .kind(Kind::Json)
                    .rows(8),
            );
        }),
        ActionType::InitializeVariable => section(ui, "Variable", |ui| {
            initialize_variable(ui, f, snap, &inputs);
        }),
        ActionType::SetVariable
        | ActionType::AppendToArrayVariable
        | ActionType::AppendToStringVariable => section(ui, "Variable", |ui| {
            grid(ui, &p, |ui| {
                row(ui, f, &Field::new("Name", child(&inputs, "name")));
                let kind = if snap.ty == ActionType::AppendToStringVariable {
                    Kind::Text
                } else {
                    Kind::JsonOrText
                };
                row(
                    ui,
                    f,
                    &Field::new("Value", child(&inputs, "value")).kind(kind),
                );
            });
        }),
        ActionType::IncrementVariable | ActionType::DecrementVariable => {
            section(ui, "Variable", |ui| {
                grid(ui, &p, |ui| {
                    row(ui, f, &Field::new("Name", child(&inputs, "name")));
                    row(
                        ui,
                        f,
                        &Field::new("Value", child(&inputs, "value"))
                            .kind(Kind::Number)
                            .optional()
                            .hint("1"),
                    );
                });
            })
        }
        ActionType::Terminate => section(ui, "Terminate run", |ui| terminate(ui, f, &inputs)),
        _ => whole_json(ui, f, snap, "Action JSON"),
    }
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
            row(
                ui,
                f,
                &Field::new("Error message", child(&e, "message")).optional(),
            );
        }
    });
}
