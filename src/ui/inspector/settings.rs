//! The sections every action has: settings (retry, timeout, secure data,
//! operation options, tracked properties, description), run-after (with
//! joins) and the scope it lives in.

use super::node::NodeSnap;
use super::table::{table, Table};
use super::widgets::{check, child, combo, duration_row, row, Field, Form, Kind};
use crate::workflow::edit::Edit;
use crate::workflow::model::{value_text, ActionType};
use crate::workflow::tree::Role;
use egui::Ui;
use serde_json::{Map, Value};

/// Retry policy types: (as written, as shown). The first removes the policy.
const RETRY: &[(&str, &str)] = &[
    ("", "Not set"),
    ("none", "None"),
    ("default", "Default"),
    ("fixed", "Fixed interval"),
    ("exponential", "Exponential interval"),
];

/// Run-after statuses, canonical spelling.
pub(crate) const STATUSES: &[&str] = &["Succeeded", "Failed", "Skipped", "TimedOut"];

/// Operation options the form offers for a node.
fn operation_options(role: Role, ty: &ActionType) -> &'static [&'static str] {
    match (role, ty) {
        (Role::Trigger, ActionType::Request) => &["EnableSchemaValidation"],
        (Role::Trigger, _) => &["SingleInstance"],
        (_, ActionType::Http) => &[
            "DisableAsyncPattern",
            "SuppressWorkflowHeaders",
            "DisableAutomaticDecompression",
            "IncludeAuthorizationHeadersInOutputs",
        ],
        (_, ActionType::ApiConnection | ActionType::Function | ActionType::Workflow) => {
            &["DisableAsyncPattern"]
        }
        (_, ActionType::Response) => &["Asynchronous"],
        (_, ActionType::Foreach) => &["Sequential"],
        _ => &[],
    }
}

/// Whether a retry policy makes sense for this node.
fn has_retry(snap: &NodeSnap, f: &Form) -> bool {
    let inputs = f.get(&child(&snap.pointer, "inputs"));
    if inputs.and_then(|i| i.get("retryPolicy")).is_some() {
        return true;
    }
    let retryable = matches!(
        snap.ty,
        ActionType::Http
            | ActionType::HttpWebhook
            | ActionType::ApiConnection
            | ActionType::ApiConnectionWebhook
            | ActionType::ApiManagement
            | ActionType::Function
            | ActionType::Workflow
            | ActionType::ServiceProvider
    );
    retryable && matches!(inputs, None | Some(Value::Object(_)))
}

/// The Settings section.
pub(crate) fn settings(ui: &mut Ui, f: &mut Form, snap: &NodeSnap) {
    egui::CollapsingHeader::new("Settings")
        .default_open(false)
        .show(ui, |ui| {
            super::widgets::form_grid(("lapis-settings", &snap.pointer)).show(ui, |ui| {
                if snap.role == Role::Action && has_retry(snap, f) {
                    retry(
                        ui,
                        f,
                        &child(&child(&snap.pointer, "inputs"), "retryPolicy"),
                    );
                }
                if snap.role == Role::Action && snap.ty != ActionType::Until {
                    duration_row(
                        ui,
                        f,
                        "Timeout",
                        &child(&child(&snap.pointer, "limit"), "timeout"),
                        "PT30S",
                    );
                }
                secure_data(ui, f, snap);
                options(ui, f, snap);
                row(
                    ui,
                    f,
                    &Field::new("Description", child(&snap.pointer, "description")).optional(),
                );
            });
            if snap.role == Role::Action {
                ui.add_space(4.0);
                ui.strong("Tracked properties");
                table(
                    ui,
                    f,
                    &Table {
                        pointer: child(&snap.pointer, "trackedProperties"),
                        noun: "Tracked property",
                        secret: |_| false,
                        case_insensitive: false,
                    },
                );
            }
        });
}

fn retry(ui: &mut Ui, f: &mut Form, pointer: &str) {
    let l = ui.label("Retry policy");
    let cur = f.get(pointer).cloned();
    let ty = match &cur {
        None => Some(""),
        Some(Value::Object(m)) => {
            let t = m.get("type").and_then(Value::as_str).unwrap_or("");
            RETRY
                .iter()
                .find(|(w, _)| !w.is_empty() && w.eq_ignore_ascii_case(t))
                .map(|(w, _)| *w)
        }
        Some(_) => None,
    };
    let shown = match (ty, &cur) {
        (Some(t), _) => RETRY
            .iter()
            .find(|(w, _)| *w == t)
            .map_or("Not set", |(_, s)| *s)
            .to_owned(),
        (None, Some(Value::Object(m))) => m.get("type").map(value_text).unwrap_or_default(),
        (None, _) => "(expression)".to_owned(),
    };
    let items: Vec<&str> = RETRY.iter().map(|(_, s)| *s).collect();
    ui.vertical(|ui| {
        if let Some(i) = combo(ui, pointer, l.id, &shown, &items) {
            let new = RETRY[i].0;
            if ty != Some(new) {
                set_retry(f, pointer, new, cur.as_ref());
            }
        }
        f.show_error(ui, pointer);
    });
    ui.end_row();
    let p = |k: &str| child(pointer, k);
    match ty {
        Some("fixed") => {
            row(
                ui,
                f,
                &Field::new("Retry count", p("count")).kind(Kind::Int),
            );
            duration_row(ui, f, "Retry interval", &p("interval"), "PT20S");
        }
        Some("exponential") => {
            row(
                ui,
                f,
                &Field::new("Retry count", p("count")).kind(Kind::Int),
            );
            duration_row(ui, f, "Retry interval", &p("interval"), "PT7S");
            duration_row(ui, f, "Minimum interval", &p("minimumInterval"), "PT5S");
            duration_row(ui, f, "Maximum interval", &p("maximumInterval"), "PT1H");
        }
        _ => {}
    }
}

fn set_retry(f: &mut Form, pointer: &str, new: &str, old: Option<&Value>) {
    if new.is_empty() {
        if let Some(p) = f.prune_target(pointer) {
            f.apply(Edit::Remove { pointer: p }, pointer);
        }
        return;
    }
    let old = old.and_then(Value::as_object);
    let keep = |k: &str, default: Value| -> Value {
        old.and_then(|o| o.get(k)).cloned().unwrap_or(default)
    };
    let mut m = Map::new();
    m.insert("type".into(), Value::String(new.to_owned()));
    match new {
        "fixed" => {
            m.insert("count".into(), keep("count", Value::from(4)));
            m.insert("interval".into(), keep("interval", "PT20S".into()));
        }
        "exponential" => {
            m.insert("count".into(), keep("count", Value::from(4)));
            m.insert("interval".into(), keep("interval", "PT7S".into()));
            m.insert(
                "minimumInterval".into(),
                keep("minimumInterval", "PT5S".into()),
            );
            m.insert(
                "maximumInterval".into(),
                keep("maximumInterval", "PT1H".into()),
            );
        }
        _ => {}
    }
    f.apply(
        Edit::Set {
            pointer: pointer.to_owned(),
            value: Value::Object(m),
        },
        pointer,
    );
}

/// The line under the secure data checkboxes: what Logic Apps offers on
/// this type (Microsoft Learn, "Secure access and data in Azure Logic
/// Apps").
fn secure_data_note(ty: &ActionType) -> String {
    if let Some(group) = ty.secure_data_group() {
        format!("Not available on {group}.")
    } else if ty.secure_inputs_hide_outputs() {
        "Hidden from run history. This type has only Secure inputs, which also hides its outputs."
            .to_owned()
    } else if !ty.secure_data_support().1 {
        "Hidden from run history. This type has only Secure inputs.".to_owned()
    } else {
        "Hidden from run history.".to_owned()
    }
}

/// The "Secure inputs" and "Secure outputs" checkboxes.
fn secure_data(ui: &mut Ui, f: &mut Form, snap: &NodeSnap) {
    let rc = child(&snap.pointer, "runtimeConfiguration");
    let sd = child(&rc, "secureData");
    let props = child(&sd, "properties");
    let list: Vec<String> = f
        .get(&props)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_ascii_lowercase)
                .collect()
        })
        .unwrap_or_default();
    let inputs = list.iter().any(|s| s == "inputs");
    let outputs = list.iter().any(|s| s == "outputs");
    ui.label("Secure data");
    let mut want = None;
    ui.vertical(|ui| {
        let (inputs_ok, outputs_ok) = snap.ty.secure_data_support();
        ui.horizontal_wrapped(|ui| {
            // A setting Logic Apps does not offer can only be turned off.
            ui.add_enabled_ui(inputs_ok || inputs, |ui| {
                if let Some(b) = check(ui, inputs, "Secure inputs", None) {
                    want = Some((b, outputs));
                }
            });
            ui.add_enabled_ui(outputs_ok || outputs, |ui| {
                if let Some(b) = check(ui, outputs, "Secure outputs", None) {
                    want = Some((inputs, b));
                }
            });
        });
        ui.weak(secure_data_note(&snap.ty));
        f.show_error(ui, &props);
    });
    ui.end_row();
    let Some((i, o)) = want else { return };
    if i || o {
        let mut a = Vec::new();
        if i {
            a.push(Value::String("inputs".into()));
        }
        if o {
            a.push(Value::String("outputs".into()));
        }
        f.apply(
            Edit::Set {
                pointer: props.clone(),
                value: Value::Array(a),
            },
            &props,
        );
    } else {
        // Nothing secure any more: drop the key, and the objects it leaves
        // empty.
        let target = match f.get(&sd) {
            Some(Value::Object(m)) if m.len() == 1 => f.prune_target(&sd),
            _ => f.prune_target(&props),
        };
        if let Some(t) = target {
            f.apply(Edit::Remove { pointer: t }, &props);
        }
    }
}

/// Operation options: a checkbox per known option, and the raw text.
fn options(ui: &mut Ui, f: &mut Form, snap: &NodeSnap) {
    let pointer = child(&snap.pointer, "operationOptions");
    let raw = f.get(&pointer).map(value_text).unwrap_or_default();
    let present: Vec<String> = raw
        .split(',')
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect();
    let mut offered: Vec<String> = operation_options(snap.role, &snap.ty)
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    for p in &present {
        if !offered.iter().any(|o| o.eq_ignore_ascii_case(p)) {
            offered.push(p.clone());
        }
    }
    let l = ui.label("Operation options");
    ui.vertical(|ui| {
        let mut changed: Option<Vec<String>> = None;
        if !offered.is_empty() {
            ui.horizontal_wrapped(|ui| {
                for o in &offered {
                    let on = present.iter().any(|p| p.eq_ignore_ascii_case(o));
                    if let Some(b) = check(ui, on, o, None) {
                        let mut list: Vec<String> = present
                            .iter()
                            .filter(|p| !p.eq_ignore_ascii_case(o))
                            .cloned()
                            .collect();
                        if b {
                            list.push(o.clone());
                        }
                        changed = Some(list);
                    }
                }
            });
        }
        let field = Field::new("Operation options", pointer.clone())
            .optional()
            .hint("comma-separated");
        super::widgets::field_input(ui, f, &field, super::widgets::Name::LabelledBy(l.id));
        if let Some(list) = changed {
            if list.is_empty() {
                f.apply(
                    Edit::Remove {
                        pointer: pointer.clone(),
                    },
                    &pointer,
                );
            } else {
                f.apply(
                    Edit::Set {
                        pointer: pointer.clone(),
                        value: Value::String(list.join(", ")),
                    },
                    &pointer,
                );
            }
        }
    });
    ui.end_row();
}

/// Most candidates the run-after picker lists at once; typing narrows.
pub const PICKER_ROWS: usize = 8;

/// The Run after section: the actions this one waits for, each with the
/// statuses that let it run, then a searchable picker of the siblings it
/// could wait for (not itself, not one that already waits for it, which
/// would close a cycle), a handful of rows at a time. Each change applies
/// at once.
pub(crate) fn run_after(ui: &mut Ui, f: &mut Form, snap: &NodeSnap) {
    const KEY: &str = "#run-after";
    egui::CollapsingHeader::new("Run after")
        .default_open(true)
        .show(ui, |ui| {
            let current: Vec<(String, Vec<String>)> = snap
                .run_after
                .iter()
                .map(|r| (r.target.clone(), r.statuses.clone()))
                .collect();
            if snap.siblings.is_empty() && current.is_empty() {
                ui.weak("Nothing to wait for: this is the only action in its scope.");
                return;
            }
            if current.is_empty() {
                let msg = if snap.nested {
                    "Runs first in its scope."
                } else {
                    "Runs first, right after the trigger."
                };
                ui.weak(msg);
            }
            let mut new: Option<Vec<(String, Vec<String>)>> = None;
            // The current predecessors, in the order written.
            for (i, (name, statuses)) in current.iter().enumerate() {
                let sibling = snap.siblings.iter().any(|s| s == name);
                let access = format!("Run after {name}");
                let text = if sibling {
                    access.clone()
                } else {
                    format!("Run after {name} (not in this scope)")
                };
                if check(ui, true, &text, Some(&access)) == Some(false) {
                    let mut list = current.clone();
                    list.remove(i);
                    new = Some(list);
                }
                let on_count = STATUSES
                    .iter()
                    .filter(|s| statuses.iter().any(|x| x.eq_ignore_ascii_case(s)))
                    .count();
                ui.horizontal_wrapped(|ui| {
                    ui.add_space(24.0);
                    for s in STATUSES {
                        let on = statuses.iter().any(|x| x.eq_ignore_ascii_case(s));
                        // The last status cannot be unticked: untick the
                        // parent instead.
                        let enabled = !(on && on_count == 1);
                        let access = format!("{name} {s}");
                        let r = ui.add_enabled_ui(enabled, |ui| check(ui, on, s, Some(&access)));
                        if let Some(b) = r.inner {
                            let mut list = current.clone();
                            let st = &mut list[i].1;
                            if b {
                                st.push((*s).to_owned());
                            } else {
                                st.retain(|x| !x.eq_ignore_ascii_case(s));
                            }
                            // Statuses the editor does not know would be refused.
                            st.retain(|x| STATUSES.iter().any(|k| k.eq_ignore_ascii_case(x)));
                            new = Some(list);
                        }
                    }
                });
            }
            // The picker.
            let search_key = format!("{}#run-after-search", snap.pointer);
            let mut query = f.st.buffers.get(&search_key).cloned().unwrap_or_default();
            let candidates = picker_candidates(f, snap, &current);
            if candidates.is_empty() && snap.siblings.len() > current.len() {
                ui.weak("The other actions here run after this one: waiting for one of them would close a cycle.");
            }
            if !candidates.is_empty() {
                ui.add_space(4.0);
                let r = ui.add(
                    // The field's id is the buffer's: the form keeps a
                    // buffer only while its field has the focus.
                    egui::TextEdit::singleline(&mut query)
                        .id(super::widgets::field_id(&search_key))
                        .hint_text(format!("Search {} actions to wait for", candidates.len()))
                        .desired_width(f32::INFINITY),
                );
                let r = r.accessible_name("Search actions to run after");
                if r.changed() {
                    f.st.buffers.insert(search_key.clone(), query.clone());
                }
                let (shown, total) = pick(&candidates, &query, PICKER_ROWS);
                for name in &shown {
                    let access = format!("Run after {name}");
                    if check(ui, false, &access, Some(&access)) == Some(true) {
                        let mut list = current.clone();
                        list.push((name.clone(), vec!["Succeeded".into()]));
                        new = Some(list);
                        f.st.buffers.remove(&search_key);
                    }
                }
                if total > shown.len() {
                    ui.weak(format!(
                        "{} more: type part of a name to narrow the list",
                        total - shown.len()
                    ));
                } else if total == 0 {
                    ui.weak(format!("No action here is named like “{query}”."));
                }
            }
            if let Some(list) = new {
                f.apply(
                    Edit::SetRunAfter {
                        pointer: snap.pointer.clone(),
                        run_after: list,
                    },
                    KEY,
                );
            }
            f.show_error(ui, KEY);
        });
}

/// The siblings the action could wait for, nearest first (those above it
/// in the file, going up, then those below): not itself, not one it
/// already waits for, and not one that runs after it, directly or not.
fn picker_candidates(f: &Form, snap: &NodeSnap, current: &[(String, Vec<String>)]) -> Vec<String> {
    let g = &f.session.current().graph;
    let o = &g.outline;
    let Some(id) = o.nodes.iter().position(|n| n.pointer == snap.pointer) else {
        return Vec::new();
    };
    // Everything downstream of the action through run-after.
    let mut downstream = vec![false; o.nodes.len()];
    let mut stack = vec![id];
    while let Some(x) = stack.pop() {
        for s in g.successors(x) {
            if !downstream[s] {
                downstream[s] = true;
                stack.push(s);
            }
        }
    }
    let siblings = o.siblings(id);
    let at = siblings.iter().position(|&s| s == id).unwrap_or(0);
    let (above, below) = siblings.split_at(at);
    above
        .iter()
        .rev()
        .chain(below.iter())
        .filter(|&&s| s != id && !downstream[s])
        .map(|&s| &o.nodes[s].name)
        .filter(|n| !current.iter().any(|(t, _)| t == *n))
        .cloned()
        .collect()
}

/// The candidates matching `query` (every word, ignoring case; names that
/// start with it first), at most `rows` of them, and how many match.
pub(crate) fn pick(candidates: &[String], query: &str, rows: usize) -> (Vec<String>, usize) {
    let words: Vec<String> = query.split_whitespace().map(|w| w.to_lowercase()).collect();
    let q = query.trim().to_lowercase();
    let mut starts = Vec::new();
    let mut contains = Vec::new();
    for c in candidates {
        let lower = c.to_lowercase();
        if !words.iter().all(|w| lower.contains(w.as_str())) {
            continue;
        }
        if !q.is_empty() && lower.starts_with(&q) {
            starts.push(c);
        } else {
            contains.push(c);
        }
    }
    let total = starts.len() + contains.len();
    let shown = starts
        .into_iter()
        .chain(contains)
        .take(rows)
        .cloned()
        .collect();
    (shown, total)
}

/// The Scope section: move the action to the top level or into a branch of
/// another control action.
pub(crate) fn scope(ui: &mut Ui, f: &mut Form, snap: &NodeSnap) {
    const KEY: &str = "#move";
    egui::CollapsingHeader::new("Location")
        .default_open(true)
        .show(ui, |ui| {
            super::widgets::form_grid(("lapis-scope", &snap.pointer)).show(ui, |ui| {
                let l = ui.label("Move to scope");
                let labels: Vec<&str> = snap.targets.iter().map(|(l, _)| l.as_str()).collect();
                let current = snap
                    .targets
                    .iter()
                    .find(|(_, c)| *c == snap.container)
                    .map_or("", |(l, _)| l.as_str());
                ui.vertical(|ui| {
                    if let Some(i) = combo(ui, "#scope", l.id, current, &labels) {
                        let (label, container) = &snap.targets[i];
                        if *container != snap.container {
                            let ok = f.apply(
                                Edit::MoveAction {
                                    pointer: snap.pointer.clone(),
                                    container: container.clone(),
                                    after: None,
                                },
                                KEY,
                            );
                            if ok {
                                f.session.status = format!("Moved {} to {label}", snap.name);
                            }
                        }
                    }
                    f.show_error(ui, KEY);
                });
                ui.end_row();
            });
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_picker_narrows_by_words_and_puts_prefixes_first() {
        let c: Vec<String> = ["Get_orders", "Log_orders", "Send_mail", "orders_total"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let (shown, total) = super::pick(&c, "orders", 8);
        assert_eq!(total, 3);
        assert_eq!(shown, ["orders_total", "Get_orders", "Log_orders"]);
        let (shown, total) = super::pick(&c, "log ORD", 8);
        assert_eq!(
            (shown.as_slice(), total),
            (&["Log_orders".to_string()][..], 1)
        );
        let (shown, total) = super::pick(&c, "", 2);
        assert_eq!((shown.len(), total), (2, 4));
    }

    #[test]
    fn the_secure_data_note_names_what_logic_apps_lacks() {
        use ActionType as T;
        assert_eq!(
            secure_data_note(&T::Terminate),
            "Not available on Terminate actions."
        );
        assert_eq!(
            secure_data_note(&T::Recurrence),
            "Not available on Recurrence triggers."
        );
        assert_eq!(
            secure_data_note(&T::SetVariable),
            "Not available on variable actions."
        );
        assert_eq!(
            secure_data_note(&T::Foreach),
            "Not available on control actions."
        );
        for t in [T::Compose, T::ParseJson, T::Response] {
            let n = secure_data_note(&t);
            assert!(
                n.contains("only Secure inputs, which also hides its outputs"),
                "{t:?}: {n}"
            );
        }
        let n = secure_data_note(&T::Wait);
        assert!(
            n.contains("only Secure inputs") && !n.contains("hides its outputs"),
            "{n}"
        );
        assert_eq!(secure_data_note(&T::Http), "Hidden from run history.");
    }
}
