//! The side panels: outline tree, workflow parameters, search, and the
//! problems list. Each returns the node to reveal when the user picks one.

use super::session::{node_of_pointer, Session};
use super::theme::Theme;
use super::LeftTab;
use crate::graph::validate::Severity;
use crate::workflow::edit::Edit;
use crate::workflow::model::value_text;
use crate::workflow::tree::{NodeId, Role};
use egui::{RichText, Ui};
use serde_json::{json, Value};

/// Parameter types a workflow definition accepts.
pub const PARAM_TYPES: &[&str] = &[
    "String",
    "SecureString",
    "Int",
    "Float",
    "Bool",
    "Array",
    "Object",
    "SecureObject",
];

/// What the left panels keep between frames.
#[derive(Debug, Default, Clone)]
pub struct PanelState {
    /// The search text.
    pub search: String,
    /// The matches of the search text (ringed on the canvas).
    pub matches: Vec<NodeId>,
    /// The match stepped to last (Enter, Shift+Enter), and the text it was
    /// found for.
    pub match_at: Option<usize>,
    match_query: String,
    /// The name of the parameter being added.
    pub new_param: String,
    /// Its type.
    pub new_param_type: String,
    /// Default values being typed, by parameter name.
    pub param_text: std::collections::HashMap<String, String>,
    /// Containers folded in the outline, by pointer.
    pub closed: std::collections::HashSet<String>,
    /// The access-control editor's state.
    pub access: super::security::AccessEditorState,
    /// A parameter's rename or delete question.
    pub question: ParamQuestion,
    /// The outline's rows, built at a document revision.
    outline_rows: Option<(u64, Vec<Row>)>,
}

/// The left panel: tabs, then the tab's contents.
pub fn left(
    ui: &mut Ui,
    tab: &mut LeftTab,
    st: &mut PanelState,
    session: &mut Session,
    focus_search: bool,
    theme: &Theme,
) -> Option<NodeId> {
    ui.horizontal(|ui| {
        ui.selectable_value(tab, LeftTab::Outline, "Outline");
        ui.selectable_value(tab, LeftTab::Parameters, "Parameters");
        ui.selectable_value(tab, LeftTab::Search, "Search");
        ui.selectable_value(tab, LeftTab::Security, "Security");
    });
    ui.separator();
    match tab {
        LeftTab::Outline => outline(ui, st, session),
        LeftTab::Parameters => {
            parameters(ui, st, session);
            None
        }
        LeftTab::Search => search(ui, st, session, focus_search),
        LeftTab::Security => super::security::panel(ui, &mut st.access, session, theme),
    }
}

/// One row of the outline tree.
#[derive(Debug, Clone)]
enum Row {
    Heading(&'static str),
    Node(NodeId, usize),
    Branch(String, usize),
}

/// The rows of the outline with the open containers expanded: only what is
/// visible is built and drawn, so a 5,000-action tree costs what fits on
/// the screen.
fn outline_rows(session: &Session, closed: &std::collections::HashSet<String>) -> Vec<Row> {
    fn walk(
        session: &Session,
        closed: &std::collections::HashSet<String>,
        id: NodeId,
        depth: usize,
        out: &mut Vec<Row>,
    ) {
        let d = session.current();
        let n = &d.graph.outline.nodes[id];
        out.push(Row::Node(id, depth));
        if n.branches.is_empty() || closed.contains(&n.pointer) {
            return;
        }
        for br in &n.branches {
            let label = br.kind.label();
            if !label.is_empty() {
                out.push(Row::Branch(label, depth + 1));
            }
            for k in d.graph.order_siblings(&br.children).0 {
                walk(session, closed, k, depth + 1, out);
            }
        }
    }
    let d = session.current();
    let o = &d.graph.outline;
    let mut rows = vec![Row::Heading("Triggers")];
    rows.extend(o.triggers.iter().map(|&t| Row::Node(t, 0)));
    rows.push(Row::Heading("Actions"));
    for id in d.graph.order_siblings(&o.top).0 {
        walk(session, closed, id, 0, &mut rows);
    }
    rows
}

fn outline(ui: &mut Ui, st: &mut PanelState, session: &mut Session) -> Option<NodeId> {
    // Rebuilt when the structure may have changed, not for each
    // keystroke typed into a field.
    session.refresh();
    let rev = session.shape_epoch();
    if st.outline_rows.as_ref().is_none_or(|(r, _)| *r != rev) {
        st.outline_rows = Some((rev, outline_rows(session, &st.closed)));
    }
    let rows = st
        .outline_rows
        .as_ref()
        .map(|(_, r)| r.clone())
        .unwrap_or_default();
    let mut picked = None;
    let mut toggle = None;
    let row_h = ui.spacing().interact_size.y;
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show_rows(ui, row_h, rows.len(), |ui, range| {
            // The hover texts of the rows in view.
            session.summaries_for(rows[range.clone()].iter().filter_map(|r| match r {
                Row::Node(id, _) => Some(*id),
                _ => None,
            }));
            let d = session.current();
            for row in &rows[range] {
                match row {
                    Row::Heading(h) => {
                        ui.label(RichText::new(*h).strong());
                    }
                    Row::Branch(label, depth) => {
                        ui.horizontal(|ui| {
                            ui.add_space(14.0 * *depth as f32 + 18.0);
                            ui.weak(label);
                        });
                    }
                    Row::Node(id, depth) => {
                        let n = &d.graph.outline.nodes[*id];
                        ui.horizontal(|ui| {
                            ui.add_space(14.0 * *depth as f32);
                            if n.branches.is_empty() {
                                ui.add_space(18.0);
                            } else {
                                let open = !st.closed.contains(&n.pointer);
                                let r = ui
                                    .add(
                                        egui::Button::new(if open { "⏷" } else { "⏵" })
                                            .frame(false)
                                            .small(),
                                    )
                                    .accessible_name(format!(
                                        "{} {}",
                                        if open { "Fold" } else { "Unfold" },
                                        n.name
                                    ));
                                if r.clicked() {
                                    toggle = Some(n.pointer.clone());
                                }
                            }
                            let selected = session.is_selected(&n.pointer);
                            let (e, w) = d.node_problems[*id];
                            let mark = if e > 0 {
                                " ⛔"
                            } else if w > 0 {
                                " ⚠"
                            } else {
                                ""
                            };
                            let text =
                                format!("{} {}{mark}", super::canvas::icon(n.role, &n.ty), n.name);
                            if ui
                                .selectable_label(selected, text)
                                .accessible_name(format!("{} in the outline", n.name))
                                .on_hover_text(&d.summaries[*id])
                                .clicked()
                            {
                                picked = Some(*id);
                            }
                        });
                    }
                }
            }
        });
    if let Some(p) = toggle {
        if !st.closed.remove(&p) {
            st.closed.insert(p);
        }
        st.outline_rows = None;
    }
    picked
}

fn parameters(ui: &mut Ui, st: &mut PanelState, session: &mut Session) {
    let def_ptr = session.current().graph.outline.definition_pointer.clone();
    let params: Vec<(String, Value)> = session
        .doc()
        .root
        .pointer(&format!("{def_ptr}/parameters"))
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let mut edits = Vec::new();
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            if params.is_empty() {
                ui.weak("No parameters yet.");
            }
            for (name, p) in &params {
                egui::Frame::group(ui.style()).show(ui, |ui| {
                    parameter(ui, st, session, &def_ptr, name, p, &mut edits);
                });
            }
            // A Standard project's parameters.json (read-only here).
            if let Some(project) = &session.doc().project {
                let rows = project.parameter_rows();
                if !rows.is_empty() {
                    ui.separator();
                    ui.label(RichText::new("parameters.json (project)").strong());
                    for (name, ty, value) in rows {
                        ui.horizontal_wrapped(|ui| {
                            ui.label(RichText::new(name).monospace());
                            ui.weak(format!("{ty} = {value}"));
                        });
                    }
                }
            }
            ui.separator();
            ui.label(RichText::new("Add a parameter").strong());
            let label = ui.label("Parameter name");
            ui.text_edit_singleline(&mut st.new_param)
                .labelled_by(label.id);
            if st.new_param_type.is_empty() {
                st.new_param_type = "String".into();
            }
            egui::ComboBox::from_label("Type of the new parameter")
                .selected_text(&st.new_param_type)
                .show_ui(ui, |ui| {
                    for t in PARAM_TYPES {
                        ui.selectable_value(&mut st.new_param_type, (*t).to_owned(), *t);
                    }
                });
            let name = st.new_param.trim().to_owned();
            let exists = params.iter().any(|(n, _)| n.eq_ignore_ascii_case(&name));
            if exists {
                ui.colored_label(
                    ui.visuals().error_fg_color,
                    "A parameter of that name exists.",
                );
            }
            if ui
                .add_enabled(
                    !name.is_empty() && !exists,
                    egui::Button::new("Add parameter"),
                )
                .clicked()
            {
                edits.push(Edit::Set {
                    pointer: format!(
                        "{def_ptr}/parameters/{}",
                        crate::workflow::text::escape_pointer(&name)
                    ),
                    value: json!({ "type": st.new_param_type }),
                });
                st.new_param.clear();
            }
        });
    for e in edits {
        let _ = session.apply(e);
    }
}

/// What a parameter's rename or delete question holds.
#[derive(Debug, Clone, Default)]
pub struct ParamQuestion {
    /// The parameter being renamed, and the new name typed so far.
    pub renaming: Option<(String, String)>,
    /// The parameter whose deletion waits for a confirmation (it is
    /// referenced), and how many references there are.
    pub deleting: Option<(String, usize)>,
}

/// One parameter: name (rename, delete), type, and default value.
fn parameter(
    ui: &mut Ui,
    st: &mut PanelState,
    session: &mut Session,
    def_ptr: &str,
    name: &str,
    p: &Value,
    edits: &mut Vec<Edit>,
) {
    let ptr = format!(
        "{def_ptr}/parameters/{}",
        crate::workflow::text::escape_pointer(name)
    );
    let ty = p
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("String")
        .to_owned();
    let secure = is_secure(&ty);
    let renaming = st
        .question
        .renaming
        .as_ref()
        .is_some_and(|(n, _)| n == name);
    if renaming {
        let mut close = false;
        if let Some((_, new)) = st.question.renaming.as_mut() {
            let label = ui.label(format!("New name for parameter {name}"));
            let r = ui.text_edit_singleline(new).labelled_by(label.id);
            let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            ui.horizontal(|ui| {
                let ok = ui
                    .button("Rename")
                    .accessible_name(format!("Rename parameter {name} to the new name"))
                    .clicked();
                if (ok || enter) && !new.trim().is_empty() {
                    edits.push(Edit::RenameParameter {
                        definition: def_ptr.to_owned(),
                        from: name.to_owned(),
                        to: new.trim().to_owned(),
                    });
                    close = true;
                }
                if ui
                    .button("Cancel")
                    .accessible_name(format!("Cancel renaming parameter {name}"))
                    .clicked()
                {
                    close = true;
                }
            });
            ui.weak("parameters('…') references follow.");
        }
        if close {
            st.question.renaming = None;
        }
    } else {
        ui.horizontal(|ui| {
            ui.label(RichText::new(name).strong());
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui
                    .small_button("🗑")
                    .accessible_name(format!("Delete parameter {name}"))
                    .on_hover_text(format!("Delete parameter {name}"))
                    .clicked()
                {
                    let def = session
                        .doc()
                        .root
                        .pointer(def_ptr)
                        .cloned()
                        .unwrap_or_default();
                    let uses = crate::workflow::edit::parameter_reference_count(&def, name);
                    if uses == 0 {
                        edits.push(Edit::Remove {
                            pointer: ptr.clone(),
                        });
                    } else {
                        st.question.deleting = Some((name.to_owned(), uses));
                    }
                }
                if ui
                    .small_button("✏")
                    .accessible_name(format!("Rename parameter {name}"))
                    .on_hover_text(format!("Rename parameter {name}"))
                    .clicked()
                {
                    st.question.renaming = Some((name.to_owned(), name.to_owned()));
                }
            });
        });
    }
    if let Some((n, uses)) = st.question.deleting.clone() {
        if n == name {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!("{name} is used by {uses} expression(s). Delete it anyway?"),
            );
            ui.horizontal(|ui| {
                if ui
                    .button("Delete")
                    .accessible_name(format!("Delete parameter {name} anyway"))
                    .clicked()
                {
                    edits.push(Edit::Remove {
                        pointer: ptr.clone(),
                    });
                    st.question.deleting = None;
                }
                if ui
                    .button("Keep")
                    .accessible_name(format!("Keep parameter {name}"))
                    .clicked()
                {
                    st.question.deleting = None;
                }
            });
        }
    }
    let mut new_ty = ty.clone();
    egui::ComboBox::from_label(format!("Type of {name}"))
        .selected_text(&new_ty)
        .show_ui(ui, |ui| {
            for t in PARAM_TYPES {
                ui.selectable_value(&mut new_ty, (*t).to_owned(), *t);
            }
        });
    if new_ty != ty {
        let mut v = p.clone();
        if let Some(o) = v.as_object_mut() {
            o.insert("type".into(), json!(new_ty));
            // The default follows the type when it can; a secure parameter
            // never keeps a value in the file.
            let converted = o
                .get("defaultValue")
                .filter(|_| !is_secure(&new_ty))
                .and_then(|d| parse_default(&new_ty, &default_text(&ty, d)).ok().flatten());
            match converted {
                Some(d) => {
                    o.insert("defaultValue".into(), d);
                }
                None => {
                    o.shift_remove("defaultValue");
                }
            }
        }
        edits.push(Edit::Set {
            pointer: ptr.clone(),
            value: v,
        });
    }
    if secure {
        ui.weak("🔒 Secure: the value is supplied at deployment or from the secret store, and never saved.");
        if p.get("defaultValue").is_some() {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                "This secure parameter has a default value in the file (not shown).",
            );
            if ui
                .button("Remove the value")
                .accessible_name(format!(
                    "Remove the default value of secure parameter {name}"
                ))
                .clicked()
            {
                edits.push(Edit::Remove {
                    pointer: format!("{ptr}/defaultValue"),
                });
            }
        }
        st.param_text.remove(name);
        return;
    }
    let current = p
        .get("defaultValue")
        .map(|d| default_text(&ty, d))
        .unwrap_or_default();
    let multiline = matches!(ty.to_ascii_lowercase().as_str(), "array" | "object");
    let id = ui.make_persistent_id(("lapis-param-default", name));
    let focused = ui.memory(|m| m.has_focus(id));
    let text = st.param_text.entry(name.to_owned()).or_default();
    // While not being typed in, the field shows the document (after an
    // undo, a rename, a type change…).
    if !focused {
        *text = current.clone();
    }
    let label = ui.label(if multiline {
        "Default value (JSON)"
    } else {
        "Default value"
    });
    let edit = if multiline {
        egui::TextEdit::multiline(text)
            .code_editor()
            .desired_rows(4)
    } else {
        egui::TextEdit::singleline(text)
    };
    let r = ui
        .add(edit.id(id).hint_text(type_hint(&ty)))
        .labelled_by(label.id)
        .accessible_name(format!("Default value of {name}"));
    let parsed = parse_default(&ty, text);
    // Every valid change is written as it is typed (one undo step per
    // field), so Enter, a click elsewhere or a tab switch loses nothing.
    if r.changed() {
        match &parsed {
            Ok(Some(v)) => {
                let _ = session.set_field(&format!("{ptr}/defaultValue"), v.clone());
            }
            Ok(None) => {
                let _ = session.remove_field(&format!("{ptr}/defaultValue"));
            }
            Err(_) => {}
        }
    }
    if let Err(e) = parsed {
        ui.colored_label(ui.visuals().error_fg_color, e);
    }
}

fn is_secure(ty: &str) -> bool {
    ty.eq_ignore_ascii_case("securestring") || ty.eq_ignore_ascii_case("secureobject")
}

/// A hint of what a default of this type looks like.
fn type_hint(ty: &str) -> &'static str {
    match ty.to_ascii_lowercase().as_str() {
        "int" => "a whole number, e.g. 42",
        "float" => "a number, e.g. 1.5",
        "bool" => "true or false",
        "array" => "a JSON array, e.g. [\"a\", \"b\"]",
        "object" => "a JSON object, e.g. {\"key\": \"value\"}",
        _ => "no default",
    }
}

/// A default value as its field shows it: a string as it is, a number or
/// boolean as JSON, an array or object as pretty JSON.
pub fn default_text(ty: &str, v: &Value) -> String {
    match (ty.to_ascii_lowercase().as_str(), v) {
        ("array" | "object", v) => serde_json::to_string_pretty(v).unwrap_or_default(),
        _ => value_text(v),
    }
}

/// Reads what was typed as a default of a parameter type: `Ok(None)` for
/// an empty field (no default), an error saying what the type wants.
pub fn parse_default(ty: &str, text: &str) -> Result<Option<Value>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match ty.to_ascii_lowercase().as_str() {
        "int" => t
            .parse::<i64>()
            .map(|n| Some(Value::from(n)))
            .map_err(|_| format!("An Int parameter needs a whole number; `{t}` is not one.")),
        "float" => match crate::workflow::text::parse_json(t) {
            Ok(v @ Value::Number(_)) => Ok(Some(v)),
            _ => Err(format!(
                "A Float parameter needs a number; `{t}` is not one."
            )),
        },
        "bool" => match t.to_ascii_lowercase().as_str() {
            "true" => Ok(Some(json!(true))),
            "false" => Ok(Some(json!(false))),
            _ => Err(format!(
                "A Bool parameter is true or false; `{t}` is neither."
            )),
        },
        "array" | "object" => {
            let want_array = ty.eq_ignore_ascii_case("array");
            match crate::workflow::text::parse_json(text) {
                Ok(v @ Value::Array(_)) if want_array => Ok(Some(v)),
                Ok(v @ Value::Object(_)) if !want_array => Ok(Some(v)),
                Ok(other) => Err(format!(
                    "An {} parameter needs a JSON {}; this is {}.",
                    if want_array { "Array" } else { "Object" },
                    if want_array { "array" } else { "object" },
                    crate::workflow::tree::kind_of(&other)
                )),
                Err(e) => Err(e.to_string()),
            }
        }
        // String (and unknown types): the text as typed, quotes included.
        _ => Ok(Some(Value::String(text.to_owned()))),
    }
}

/// Reads what was typed as a value of a parameter type (text that does
/// not fit the type is kept as a string).
pub fn typed_value(ty: &str, text: &str) -> Value {
    match parse_default(ty, text) {
        Ok(Some(v)) => v,
        _ => json!(text),
    }
}

fn search(ui: &mut Ui, st: &mut PanelState, session: &mut Session, focus: bool) -> Option<NodeId> {
    let r = ui.add(
        egui::TextEdit::singleline(&mut st.search)
            .hint_text("Find an action by name, type or text")
            .desired_width(f32::INFINITY),
    );
    let r = r.accessible_name("Search");
    if focus {
        r.request_focus();
    }
    let q = st.search.trim().to_lowercase();
    if q != st.match_query {
        st.match_query = q.clone();
        st.match_at = None;
    }
    if q.is_empty() {
        st.matches.clear();
        return None;
    }
    // Search looks through every card's summary.
    session.all_summaries();
    let d = session.current();
    let matches: Vec<NodeId> = d
        .graph
        .outline
        .nodes
        .iter()
        .filter(|n| {
            n.name.to_lowercase().contains(&q)
                || n.type_name.to_lowercase().contains(&q)
                || d.summaries[n.id].to_lowercase().contains(&q)
        })
        .map(|n| n.id)
        .collect();
    let mut picked = None;
    // Enter steps to the next match, Shift+Enter to the previous one; the
    // field keeps the focus so the next Enter steps again.
    if r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) && !matches.is_empty() {
        let m = matches.len();
        let back = ui.input(|i| i.modifiers.shift);
        let at = match (st.match_at, back) {
            (None, false) => 0,
            (None, true) => m - 1,
            (Some(i), false) => (i + 1) % m,
            (Some(i), true) => (i + m - 1) % m,
        };
        st.match_at = Some(at);
        picked = Some(matches[at]);
        r.request_focus();
    }
    if let Some(at) = st.match_at.filter(|&a| a >= matches.len()) {
        st.match_at = Some(at % matches.len().max(1));
    }
    let count = match st.match_at {
        Some(at) if !matches.is_empty() => format!("{} of {}", at + 1, matches.len()),
        _ => format!("{} found", matches.len()),
    };
    ui.weak(count)
        .on_hover_text("Enter: next match · Shift+Enter: previous");
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for id in matches.iter().take(500) {
                let n = &d.graph.outline.nodes[*id];
                let selected = session.is_selected(&n.pointer);
                let role = if n.role == Role::Trigger {
                    "trigger"
                } else {
                    &n.type_name
                };
                if ui
                    .selectable_label(selected, format!("{}  ·  {role}", n.name))
                    .on_hover_text(&d.summaries[*id])
                    .clicked()
                {
                    picked = Some(*id);
                }
            }
        });
    st.matches = matches;
    picked
}

/// The problems list. Returns the node of a clicked problem.
pub fn problems(ui: &mut Ui, session: &mut Session, theme: &Theme) -> Option<NodeId> {
    let d = session.current();
    let (e, w) = crate::graph::validate::counts(&d.problems);
    ui.horizontal(|ui| {
        ui.label(RichText::new("Problems").strong());
        ui.weak(format!("{e} errors, {w} warnings"));
    });
    let mut picked = None;
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            if d.problems.is_empty() {
                ui.weak("No problems found.");
            }
            for p in d.problems.iter().take(1000) {
                let (icon, colour) = match p.severity {
                    Severity::Error => ("⛔", theme.error),
                    Severity::Warning => ("⚠", theme.warning),
                };
                let who = p.action.as_deref().unwrap_or("workflow");
                let text = format!("{icon} {who}: {}", p.message);
                let r = ui
                    .horizontal(|ui| {
                        // The rule's code links to its Microsoft Learn page;
                        // hovering shows what it checks and the fix.
                        if let Some(rule) = crate::graph::rules::find(p.code) {
                            ui.hyperlink_to(RichText::new(p.code).small(), rule.source)
                                .on_hover_text(format!(
                                    "{}\nFix: {}\nSource: {}",
                                    rule.summary, rule.fix, rule.source
                                ));
                        }
                        ui.add(
                            egui::Button::selectable(false, RichText::new(text).color(colour))
                                .wrap_mode(egui::TextWrapMode::Truncate),
                        )
                        .on_hover_text(format!("{} at {}", p.code, p.pointer))
                    })
                    .inner;
                if r.clicked() {
                    picked = node_of_pointer(&d.graph, &p.pointer);
                }
            }
        });
    picked
}
