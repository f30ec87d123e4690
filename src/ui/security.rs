//! The Security panel: access control (who may call the triggers, read run
//! history, call the actions, manage the workflow), and an overview of the
//! secure parameters and of the actions with secure inputs or outputs.

use super::session::{node_of_pointer, Session};
use super::theme::Theme;
use crate::workflow::access::{self, IpRange, Policy, SECTIONS};
use crate::workflow::edit::Edit;
use crate::workflow::tree::NodeId;
use egui::{RichText, Ui};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// What the editor keeps between frames: the range being typed per
/// section.
#[derive(Debug, Default, Clone)]
pub struct AccessEditorState {
    /// Text typed in each section's "add a range" field.
    pub typing: HashMap<String, String>,
    /// Sections switched to "Specific IP ranges" that have no range yet
    /// (stored as an empty list, which Logic Apps reads as "only other
    /// logic apps").
    pub ranges_mode: std::collections::HashSet<String>,
}

fn policy_label(p: &Policy) -> &'static str {
    match p {
        Policy::Anyone => "Any IP address",
        Policy::OnlyLogicApps => "Only other logic apps",
        Policy::Nobody => "Nobody",
        Policy::Ranges(_) => "Specific IP ranges",
    }
}

/// Edits an `accessControl` value. Returns the new value when the user
/// changed something (`Value::Null` when nothing is restricted any more).
pub fn access_control_editor(
    ui: &mut Ui,
    current: Option<&Value>,
    st: &mut AccessEditorState,
    theme: &Theme,
) -> Option<Value> {
    let all: Vec<&str> = SECTIONS.iter().map(|(k, _)| *k).collect();
    access_control_editor_for(ui, current, st, theme, &all)
}

/// [`access_control_editor`] for the sections `keys` only (`triggers`,
/// `contents`, `actions`, `workflowManagement`); the others are kept as
/// they are.
pub fn access_control_editor_for(
    ui: &mut Ui,
    current: Option<&Value>,
    st: &mut AccessEditorState,
    theme: &Theme,
    keys: &[&str],
) -> Option<Value> {
    let mut changed: Option<(String, Policy)> = None;
    for (key, title) in SECTIONS.iter().filter(|(k, _)| keys.contains(k)) {
        let (key, title) = (*key, *title);
        let mut policy = access::policy(current, key);
        if policy == Policy::OnlyLogicApps && st.ranges_mode.contains(key) {
            policy = Policy::Ranges(vec![]);
        }
        ui.add_space(4.0);
        ui.label(RichText::new(title).strong());
        let mut choice = std::mem::discriminant(&policy);
        let options: Vec<Policy> = {
            let mut v = vec![
                Policy::Anyone,
                Policy::OnlyLogicApps,
                Policy::Ranges(vec![]),
            ];
            if key == "contents" {
                v.push(Policy::Nobody);
            }
            v
        };
        let id = format!("access-{key}");
        egui::ComboBox::from_id_salt(&id)
            .selected_text(policy_label(&policy))
            .width(220.0)
            .show_ui(ui, |ui| {
                for o in &options {
                    let d = std::mem::discriminant(o);
                    if ui.selectable_label(d == choice, policy_label(o)).clicked() && d != choice {
                        choice = d;
                        if matches!(o, Policy::Ranges(_)) {
                            st.ranges_mode.insert(key.to_owned());
                        } else {
                            st.ranges_mode.remove(key);
                        }
                        changed = Some((key.to_owned(), o.clone()));
                    }
                }
            })
            .response
            .accessible_name(format!("{title}: who may call"));
        let hint = match (&policy, key) {
            (Policy::Anyone, _) => {
                "No restriction: callers still need a valid signed URL or token."
            }
            (Policy::OnlyLogicApps, "contents") => {
                "Run history can be read only through other logic apps."
            }
            (Policy::OnlyLogicApps, _) => {
                "Only other logic apps may call (an empty list of ranges)."
            }
            (Policy::Nobody, _) => {
                "Nobody can read inputs and outputs in run history (0.0.0.0-0.0.0.0)."
            }
            (Policy::Ranges(r), _) if r.is_empty() => {
                "No range yet: until you add one, only other logic apps may call."
            }
            (Policy::Ranges(_), _) => {
                "IPv4 or IPv6 CIDR (10.0.0.0/24), one address, or a span a.b.c.d-e.f.g.h."
            }
        };
        ui.weak(hint);
        if let Policy::Ranges(ranges) = &policy {
            let mut remove = None;
            for (i, r) in ranges.iter().enumerate() {
                ui.horizontal(|ui| {
                    let bad = r.parse::<IpRange>().err();
                    let text = RichText::new(r).monospace();
                    ui.label(if bad.is_some() {
                        text.color(theme.error)
                    } else {
                        text
                    });
                    if ui
                        .small_button("✖")
                        .on_hover_text("Remove this range")
                        .accessible_name(format!("Remove {r} from {title}"))
                        .clicked()
                    {
                        remove = Some(i);
                    }
                    if let Some(e) = bad {
                        ui.colored_label(theme.error, e);
                    }
                });
            }
            if let Some(i) = remove {
                let mut r = ranges.clone();
                r.remove(i);
                changed = Some((key.to_owned(), Policy::Ranges(r)));
            }
            let typing = st.typing.entry(key.to_owned()).or_default();
            let parsed = if typing.is_empty() {
                None
            } else {
                Some(typing.parse::<IpRange>())
            };
            let mut add = false;
            ui.horizontal(|ui| {
                let r = ui.add(
                    egui::TextEdit::singleline(typing)
                        .hint_text("10.0.0.0/24")
                        .desired_width(170.0),
                );
                let r = r.accessible_name(format!("Add a range to {title}"));
                let ok = matches!(parsed, Some(Ok(_)));
                if r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) && ok {
                    add = true;
                }
                if ui
                    .add_enabled(ok, egui::Button::new("Add"))
                    .accessible_name(format!("Add range to {title}"))
                    .clicked()
                {
                    add = true;
                }
            });
            match &parsed {
                Some(Err(e)) => {
                    ui.colored_label(theme.error, format!("✖ {e}"));
                }
                Some(Ok(r)) if ranges.iter().any(|x| x == typing.as_str()) => {
                    ui.weak(format!("{r} is already in the list"));
                    add = false;
                }
                _ => {}
            }
            if add {
                let mut r = ranges.clone();
                r.push(std::mem::take(typing));
                changed = Some((key.to_owned(), Policy::Ranges(r)));
            }
        }
        ui.separator();
    }
    let (key, policy) = changed?;
    let mut obj: Map<String, Value> = current
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    match access::section_value(&policy) {
        Some(v) => {
            obj.insert(key, v);
        }
        None => {
            obj.shift_remove(&key);
        }
    }
    Some(if obj.is_empty() {
        Value::Null
    } else {
        Value::Object(obj)
    })
}

/// The access control sections `keys` of the open workflow, edited in
/// place (one undo step per change), or a note when its file has no place
/// for access control. The Security tab, the trigger's inspector and the
/// workflow's settings all use it.
pub fn access_control_section(
    ui: &mut Ui,
    session: &mut Session,
    st: &mut AccessEditorState,
    theme: &Theme,
    keys: &[&str],
) {
    let wf = session.workflow;
    match access::pointer(session.doc(), wf) {
        Some(ptr) => {
            let current = session.doc().root.pointer(&ptr).cloned();
            if let Some(v) = access_control_editor_for(ui, current.as_ref(), st, theme, keys) {
                let edit = if v.is_null() {
                    Edit::Remove { pointer: ptr }
                } else {
                    Edit::Set {
                        pointer: ptr,
                        value: v,
                    }
                };
                if let Err(e) = session.apply(edit) {
                    session.status = format!("Access control: {e}");
                }
            }
        }
        None => {
            ui.weak(
                "A bare definition or a Standard workflow.json has no place for access control. \
                 Set it when you export an ARM template (menu File, Export…); Standard apps restrict \
                 callers in the app's networking settings.",
            );
        }
    }
}

/// The Security tab of the left panel. Returns a node to reveal.
pub fn panel(
    ui: &mut Ui,
    st: &mut AccessEditorState,
    session: &mut Session,
    theme: &Theme,
) -> Option<NodeId> {
    let mut reveal = None;
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            ui.heading("Access control");
            let all: Vec<&str> = SECTIONS.iter().map(|(k, _)| *k).collect();
            access_control_section(ui, session, st, theme, &all);
            ui.add_space(8.0);
            ui.heading("Secure parameters");
            let params: Vec<(String, String)> = session
                .doc()
                .definition(session.workflow)
                .get("parameters")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| {
                            (
                                k.clone(),
                                v.get("type")
                                    .and_then(Value::as_str)
                                    .unwrap_or("")
                                    .to_owned(),
                            )
                        })
                        .filter(|(_, t)| {
                            t.eq_ignore_ascii_case("securestring")
                                || t.eq_ignore_ascii_case("secureobject")
                        })
                        .collect()
                })
                .unwrap_or_default();
            if params.is_empty() {
                ui.weak("None. Use \"Move to secure parameter\" beside a secret field.");
            }
            for (k, t) in params {
                ui.label(format!("🔒 {k}  ({t})"));
            }
            ui.add_space(8.0);
            ui.heading("Secure inputs and outputs");
            let d = session.current();
            let mut any = false;
            for n in &d.graph.outline.nodes {
                if !d.secure[n.id] {
                    continue;
                }
                any = true;
                if ui
                    .selectable_label(false, format!("🔒 {}", n.name))
                    .on_hover_text("Its inputs or outputs are hidden in run history")
                    .clicked()
                {
                    reveal = Some(n.id);
                }
            }
            if !any {
                ui.weak(
                    "No action hides its inputs or outputs. Turn it on in an action's Settings.",
                );
            }
            let leaks: Vec<(String, String)> = d
                .problems
                .iter()
                .filter(|p| {
                    p.code == "secure-data-leak"
                        || p.code == "secure-data-unsupported"
                        || p.code == "access-control"
                })
                .map(|p| (p.pointer.clone(), p.message.clone()))
                .collect();
            for (p, m) in leaks {
                if ui
                    .add(
                        egui::Label::new(RichText::new(format!("⚠ {m}")).color(theme.warning))
                            .sense(egui::Sense::click()),
                    )
                    .clicked()
                {
                    reveal = node_of_pointer(&d.graph, &p).or(reveal);
                }
            }
        });
    reveal
}
