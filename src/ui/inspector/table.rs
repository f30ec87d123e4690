//! Key/value tables of a JSON object (headers, queries, tracked
//! properties): edit names and values, add and remove rows, order kept.
//!
//! A row added with "Add …" stays in the form only until it has a name;
//! then it is written with its value. Renaming rebuilds the object with the
//! key in place, so the order never changes.

use super::widgets::{
    buffered, child, field_core, field_id, field_input, show_notes, Field, Form, Name,
};
use crate::workflow::edit::Edit;
use egui::{RichText, TextEdit, Ui};
use serde_json::{Map, Value};

/// Widths of a table's name and value cells for a form `width` wide (the
/// rest is the remove button, spacing and the section's indent).
pub(crate) fn cell_widths(width: f32) -> (f32, f32) {
    let room = (width - 90.0).max(200.0);
    (room * 0.4, room * 0.6)
}

/// A key/value table.
pub(crate) struct Table<'a> {
    /// Pointer to the object.
    pub pointer: String,
    /// What a row is, capitalised: "Header" gives the names "Header name 1",
    /// "Header value 1", "Remove header 1" and the button "Add header".
    pub noun: &'a str,
    /// Whether a row with this name holds a secret.
    pub secret: fn(&str) -> bool,
    /// Whether names differ only by case (HTTP headers).
    pub case_insensitive: bool,
}

/// Draws a key/value table.
pub(crate) fn table(ui: &mut Ui, f: &mut Form, t: &Table) {
    let lower = t.noun.to_lowercase();
    let current = f.get(&t.pointer).cloned();
    let rows: Vec<(String, Value)> = match &current {
        None => Vec::new(),
        Some(Value::Object(m)) => m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        Some(Value::String(_)) => {
            let label = format!("{}s", t.noun);
            let l = ui.label(&label);
            let field = Field::new(&label, t.pointer.clone()).optional();
            field_input(ui, f, &field, Name::LabelledBy(l.id));
            ui.weak("An expression gives the whole list; clear it to edit rows.");
            return;
        }
        Some(other) => {
            ui.colored_label(
                f.theme.warning,
                format!(
                    "`{}` is {}, not an object; edit it in the Code tab.",
                    t.pointer.rsplit('/').next().unwrap_or(""),
                    crate::workflow::tree::kind_of(other)
                ),
            );
            return;
        }
    };
    let pending =
        f.st.forms
            .pending
            .get(&t.pointer)
            .cloned()
            .unwrap_or_default();
    let n = rows.len();
    let mut remove_pending: Option<usize> = None;
    // Rows are laid out with fixed widths (from the form's width), not in a
    // grid: a grid column sizes from its cells, which size from it.
    // Notes go under the row, where they can wrap.
    for (i, (k, _)) in rows.iter().enumerate() {
        table_row(ui, f, t, &lower, i, k, &rows);
    }
    for (j, (k, v)) in pending.iter().enumerate() {
        if pending_row(ui, f, t, &lower, n + j, j, k, v, &rows) {
            remove_pending = Some(j);
        }
    }
    if let Some(j) = remove_pending {
        if let Some(p) = f.st.forms.pending.get_mut(&t.pointer) {
            if j < p.len() {
                p.remove(j);
            }
        }
    }
    let add = format!("Add {lower}");
    if ui
        .button(format!("✚ {add}"))
        .accessible_name(&add)
        .clicked()
    {
        let p = f.st.forms.pending.entry(t.pointer.clone()).or_default();
        p.push((String::new(), String::new()));
        let i = n + p.len();
        let key = format!("{}#name{i}", t.pointer);
        ui.ctx().memory_mut(|m| m.request_focus(field_id(&key)));
    }
    f.show_error(ui, &t.pointer);
}

/// Why a name cannot be used in the table, if it cannot.
fn name_problem(t: &Table, name: &str, others: &[&String]) -> Option<String> {
    if name.trim().is_empty() {
        return Some("a name is needed".into());
    }
    let clash = others.iter().any(|o| {
        if t.case_insensitive {
            o.eq_ignore_ascii_case(name)
        } else {
            o.as_str() == name
        }
    });
    clash.then(|| format!("`{name}` is already in the list"))
}

/// Rebuilds the object with row `index` renamed, order kept.
fn renamed(rows: &[(String, Value)], index: usize, new_name: &str) -> Value {
    let mut m = Map::new();
    for (i, (k, v)) in rows.iter().enumerate() {
        let key = if i == index { new_name } else { k.as_str() };
        m.insert(key.to_owned(), v.clone());
    }
    Value::Object(m)
}

#[allow(clippy::too_many_arguments)]
fn table_row(
    ui: &mut Ui,
    f: &mut Form,
    t: &Table,
    lower: &str,
    i: usize,
    k: &str,
    rows: &[(String, Value)],
) {
    let n1 = i + 1;
    let (name_w, _) = cell_widths(f.width);
    let name_key = format!("{}#name{n1}", t.pointer);
    let problem_key = format!("{name_key}!");
    let table_ptr = t.pointer.clone();
    let mut commit = |f: &mut Form, text: &str| {
        let others: Vec<&String> = rows
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, (k, _))| k)
            .collect();
        match name_problem(t, text, &others) {
            Some(p) => {
                f.st.forms.errors.insert(problem_key.clone(), p);
            }
            None => {
                f.st.forms.errors.remove(&problem_key);
                let obj = renamed(rows, i, text);
                f.set_typing(&table_ptr, obj, &name_key);
            }
        }
    };
    let value_ptr = child(&t.pointer, k);
    let (_, value_w) = cell_widths(f.width);
    let mut field = Field::new("", value_ptr.clone())
        .width(value_w)
        .hint("value");
    if (t.secret)(k) {
        field = field.secret().width(value_w - 72.0);
    }
    let notes = ui
        .horizontal_top(|ui| {
            buffered(
                ui,
                f,
                &name_key,
                k.to_owned(),
                &t.pointer,
                |text, id| {
                    TextEdit::singleline(text)
                        .id(id)
                        .desired_width(name_w)
                        .hint_text(RichText::new("name").weak())
                },
                Name::Named(format!("{} name {n1}", t.noun)),
                &mut commit,
                None,
                None,
            );
            let (_, notes) =
                field_core(ui, f, &field, Name::Named(format!("{} value {n1}", t.noun)));
            let rm = format!("Remove {lower} {n1}");
            if ui
                .small_button("🗑")
                .accessible_name(&rm)
                .on_hover_text(&rm)
                .clicked()
            {
                f.apply(
                    Edit::Remove {
                        pointer: value_ptr.clone(),
                    },
                    &t.pointer,
                );
            }
            notes
        })
        .inner;
    if !ui.ctx().memory(|m| m.has_focus(field_id(&name_key))) {
        f.st.forms.errors.remove(&problem_key);
    }
    f.show_error(ui, &problem_key);
    f.show_error(ui, &name_key);
    show_notes(ui, f, &field, &notes);
}

/// A row added with "Add …" that has no name yet. Returns true when its
/// remove button was clicked.
#[allow(clippy::too_many_arguments)]
fn pending_row(
    ui: &mut Ui,
    f: &mut Form,
    t: &Table,
    lower: &str,
    i: usize,
    j: usize,
    k: &str,
    v: &str,
    rows: &[(String, Value)],
) -> bool {
    let n1 = i + 1;
    let (name_w, value_w) = cell_widths(f.width);
    let name_key = format!("{}#name{n1}", t.pointer);
    let problem_key = format!("{name_key}!");
    let table_ptr = t.pointer.clone();
    let value = v.to_owned();
    let mut commit = |f: &mut Form, text: &str| {
        if let Some(p) = f.st.forms.pending.get_mut(&table_ptr) {
            if let Some(row) = p.get_mut(j) {
                row.0 = text.to_owned();
            }
        }
        let others: Vec<&String> = rows.iter().map(|(k, _)| k).collect();
        match name_problem(t, text, &others) {
            Some(p) => {
                f.st.forms.errors.insert(problem_key.clone(), p);
            }
            None => {
                f.st.forms.errors.remove(&problem_key);
                let mut m = Map::new();
                for (k, v) in rows {
                    m.insert(k.clone(), v.clone());
                }
                m.insert(text.to_owned(), Value::String(value.clone()));
                if f.set_typing(&table_ptr, Value::Object(m), &name_key) {
                    if let Some(p) = f.st.forms.pending.get_mut(&table_ptr) {
                        if j < p.len() {
                            p.remove(j);
                        }
                    }
                }
            }
        }
    };
    let value_key = format!("{}#pvalue{n1}", t.pointer);
    let table_ptr = t.pointer.clone();
    let mut commit_value = |f: &mut Form, text: &str| {
        if let Some(p) = f.st.forms.pending.get_mut(&table_ptr) {
            if let Some(row) = p.get_mut(j) {
                row.1 = text.to_owned();
            }
        }
    };
    let masked = (t.secret)(k);
    let clicked = ui
        .horizontal_top(|ui| {
            buffered(
                ui,
                f,
                &name_key,
                k.to_owned(),
                &t.pointer,
                |text, id| {
                    TextEdit::singleline(text)
                        .id(id)
                        .desired_width(name_w)
                        .hint_text(RichText::new("name").weak())
                },
                Name::Named(format!("{} name {n1}", t.noun)),
                &mut commit,
                None,
                None,
            );
            buffered(
                ui,
                f,
                &value_key,
                v.to_owned(),
                &t.pointer,
                |text, id| {
                    TextEdit::singleline(text)
                        .id(id)
                        .password(masked)
                        .desired_width(value_w)
                        .hint_text(RichText::new("name it first").weak())
                },
                Name::Named(format!("{} value {n1}", t.noun)),
                &mut commit_value,
                None,
                None,
            );
            let rm = format!("Remove {lower} {n1}");
            ui.small_button("🗑")
                .accessible_name(&rm)
                .on_hover_text(&rm)
                .clicked()
        })
        .inner;
    if !k.is_empty() {
        f.show_error(ui, &problem_key);
    }
    clicked
}
