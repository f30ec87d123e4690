//! The form engine: draws any [`Manifest`] — its sections, and each field
//! with the editor its row of the table names. Single-line fields share a
//! two-column grid; JSON editors, tables, schemas and conditions take
//! lines of their own. Parts a table cannot describe
//! ([`Editor::Custom`]) are drawn by the caller's `custom`.
//!
//! The engine knows no trigger or action type: all it knows comes from the
//! manifest.

use super::table::{table, Table};
use super::widgets::{
    block, buffered, check, choice_row, duration_row, field_id, form_grid, row, Field, Form, Kind,
    Name,
};
use crate::workflow::edit::Edit;
use crate::workflow::manifest::{self, Custom, Editor, FieldSpec, Manifest, Secrets};
use crate::workflow::model::value_text;
use egui::{RichText, TextEdit, Ui};
use serde_json::Value;

/// Draws a part of a form the table cannot describe: (ui, form, which part,
/// the field's absolute pointer).
pub(crate) type CustomDraw<'a> = dyn FnMut(&mut Ui, &mut Form, Custom, &str) + 'a;

/// Draws the form of manifest `m` for the node at `node`.
pub(crate) fn draw(ui: &mut Ui, f: &mut Form, node: &str, m: &Manifest, custom: &mut CustomDraw) {
    for s in m.sections {
        egui::CollapsingHeader::new(s.title)
            .default_open(true)
            .show(ui, |ui| {
                if let Some(n) = s.note {
                    ui.weak(n);
                }
                // Whether a field shows depends on the others (Recurrence's
                // schedule on its frequency): read the node again.
                // (Borrowed, not cloned: a control action holds all the
                // actions inside it.)
                let shown: Vec<&'static FieldSpec> = match f.get(node) {
                    Some(value) => s.fields.iter().filter(|fl| fl.shown(value)).collect(),
                    None => Vec::new(),
                };
                let mut i = 0;
                while i < shown.len() {
                    if in_grid(shown[i]) {
                        let start = i;
                        while i < shown.len() && in_grid(shown[i]) {
                            i += 1;
                        }
                        form_grid(("lapis-engine", node, s.title, start)).show(ui, |ui| {
                            for fl in &shown[start..i] {
                                grid_field(ui, f, node, fl);
                            }
                        });
                    } else {
                        ui.add_space(4.0);
                        block_field(ui, f, node, shown[i], custom);
                        i += 1;
                    }
                }
                problems(ui, f, node, m, s.fields);
            });
    }
}

/// The field's absolute pointer.
fn abs(node: &str, fl: &FieldSpec) -> String {
    format!("{node}{}", fl.pointer)
}

fn in_grid(fl: &FieldSpec) -> bool {
    fl.rows <= 1
        && matches!(
            fl.editor,
            Editor::Text
                | Editor::Int
                | Editor::Number
                | Editor::JsonOrText
                | Editor::Json
                | Editor::Choice { .. }
                | Editor::Duration
                | Editor::IntList { .. }
                | Editor::MultiChoice(_)
        )
}

/// The text field of a spec, for the widgets.
fn field(fl: &FieldSpec, pointer: String) -> Field<'static> {
    let kind = match fl.editor {
        Editor::Int => Kind::Int,
        Editor::Number => Kind::Number,
        Editor::JsonOrText | Editor::Condition => Kind::JsonOrText,
        Editor::Json | Editor::Schema => Kind::Json,
        _ => Kind::Text,
    };
    let mut out = Field::new(fl.label, pointer)
        .kind(kind)
        .rows(fl.rows.into());
    if fl.optional {
        out = out.optional();
    }
    if fl.secret {
        out = out.secret();
    }
    if let Some(h) = fl.hint {
        out = out.hint(h);
    }
    out
}

fn grid_field(ui: &mut Ui, f: &mut Form, node: &str, fl: &FieldSpec) {
    let p = abs(node, fl);
    match fl.editor {
        Editor::Choice {
            choices,
            none,
            expression,
        } => choice_row(ui, f, fl.label, &p, choices, none, expression),
        Editor::Duration => duration_row(ui, f, fl.label, &p, fl.hint.unwrap_or("PT1H")),
        Editor::IntList { min, max } => int_list(ui, f, fl, &p, min, max),
        Editor::MultiChoice(names) => multi_choice(ui, f, fl, &p, names),
        _ => {
            row(ui, f, &field(fl, p));
        }
    }
}

fn block_field(ui: &mut Ui, f: &mut Form, node: &str, fl: &FieldSpec, custom: &mut CustomDraw) {
    let p = abs(node, fl);
    match fl.editor {
        Editor::Table {
            noun,
            secrets,
            case_insensitive,
        } => {
            ui.strong(fl.label);
            table(
                ui,
                f,
                &Table {
                    pointer: p,
                    noun,
                    secret: match secrets {
                        Secrets::Never => |_| false,
                        Secrets::CredentialHeaders => manifest::is_secret_header,
                    },
                    case_insensitive,
                },
            );
        }
        Editor::Schema => schema(ui, f, fl, &p),
        Editor::Condition => {
            super::builder::condition(ui, f, &p, fl.label, fl.rows.max(3).into(), fl.hint)
        }
        Editor::Custom(c) => custom(ui, f, c, &p),
        _ => {
            block(ui, f, &field(fl, p));
        }
    }
}

/// A list of whole numbers typed as `9, 17`.
fn int_list(ui: &mut Ui, f: &mut Form, fl: &FieldSpec, p: &str, min: i64, max: i64) {
    let label = ui.label(fl.label);
    let doc_text = match f.get(p) {
        Some(Value::Array(items)) => items.iter().map(value_text).collect::<Vec<_>>().join(", "),
        Some(v) => value_text(v),
        None => String::new(),
    };
    let hint = fl.hint.unwrap_or("");
    let optional = fl.optional;
    let problem = format!("{p}!list");
    ui.vertical(|ui| {
        buffered(
            ui,
            f,
            p,
            doc_text,
            p,
            |t, id| {
                TextEdit::singleline(t)
                    .id(id)
                    .desired_width(180.0)
                    .hint_text(RichText::new(hint).weak())
            },
            Name::LabelledBy(label.id),
            &mut |f: &mut Form, text: &str| {
                if text.trim().is_empty() {
                    f.st.forms.errors.remove(&problem);
                    if optional {
                        f.remove_typing(p, p);
                    } else {
                        f.set_typing(p, Value::Array(Vec::new()), p);
                    }
                    return;
                }
                let parsed: Result<Vec<Value>, String> = text
                    .split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(|t| match t.parse::<i64>() {
                        Ok(n) if (min..=max).contains(&n) => Ok(Value::from(n)),
                        _ => Err(format!("`{t}` is not a whole number from {min} to {max}")),
                    })
                    .collect();
                match parsed {
                    Ok(items) => {
                        f.st.forms.errors.remove(&problem);
                        let v = Value::Array(items);
                        if f.get(p) != Some(&v) {
                            f.set_typing(p, v, p);
                        }
                    }
                    Err(e) => {
                        f.st.forms
                            .errors
                            .insert(problem.clone(), format!("{e}; not applied"));
                    }
                }
            },
            None,
            None,
        );
        f.show_error(ui, &problem);
        f.show_error(ui, p);
    });
    ui.end_row();
}

/// A set of names picked among `names`, as checkboxes; written in the
/// order of `names`.
fn multi_choice(ui: &mut Ui, f: &mut Form, fl: &FieldSpec, p: &str, names: &[&str]) {
    ui.label(fl.label);
    let current: Vec<String> = match f.get(p) {
        Some(Value::Array(items)) => items.iter().map(value_text).collect(),
        _ => Vec::new(),
    };
    let has = |n: &str| current.iter().any(|c| c.eq_ignore_ascii_case(n));
    let mut toggled = None;
    ui.horizontal_wrapped(|ui| {
        for n in names {
            if let Some(on) = check(ui, has(n), n, Some(&format!("{} {n}", fl.label))) {
                toggled = Some((*n, on));
            }
        }
    });
    ui.end_row();
    if let Some((name, on)) = toggled {
        let picked: Vec<Value> = names
            .iter()
            .filter(|n| if **n == name { on } else { has(n) })
            .map(|n| Value::String((*n).to_owned()))
            .collect();
        // Names the list does not know are kept, after the known ones.
        let mut all = picked;
        all.extend(
            current
                .iter()
                .filter(|c| !names.iter().any(|n| n.eq_ignore_ascii_case(c)))
                .map(|c| Value::String(c.clone())),
        );
        if all.is_empty() && fl.optional {
            if let Some(t) = f.prune_target(p) {
                f.apply(Edit::Remove { pointer: t }, p);
            }
        } else {
            f.apply(
                Edit::Set {
                    pointer: p.to_owned(),
                    value: Value::Array(all),
                },
                p,
            );
        }
    }
}

/// A JSON schema editor with "Use sample payload to generate schema".
fn schema(ui: &mut Ui, f: &mut Form, fl: &FieldSpec, p: &str) {
    block(ui, f, &field(fl, p.to_owned()));
    let open = f.st.forms.samples.contains_key(p);
    if !open {
        if ui.button("Use sample payload to generate schema").clicked() {
            f.st.forms.samples.insert(p.to_owned(), String::new());
            f.relayout();
        }
        return;
    }
    let l = ui.label("Sample payload");
    let key = format!("{p}#sample");
    let mut text = f.st.forms.samples.get(p).cloned().unwrap_or_default();
    let r = ui.add(
        TextEdit::multiline(&mut text)
            .id(field_id(&key))
            .code_editor()
            .desired_rows(5)
            .desired_width((ui.available_width() - 12.0).max(120.0))
            .hint_text(RichText::new("{\"id\": 1, \"name\": \"Ada\"}").weak()),
    );
    let _ = r.labelled_by(l.id);
    f.st.forms.samples.insert(p.to_owned(), text.clone());
    let problem = format!("{p}#sample!");
    ui.horizontal(|ui| {
        if ui.button("Generate schema").clicked() {
            let generated = if text.trim().is_empty() {
                Err("paste a sample payload (JSON) first".to_owned())
            } else {
                crate::workflow::schema::from_sample_text(&text)
            };
            match generated {
                Ok(s) => {
                    f.st.forms.errors.remove(&problem);
                    if f.apply(
                        Edit::Set {
                            pointer: p.to_owned(),
                            value: s,
                        },
                        p,
                    ) {
                        f.st.forms.samples.remove(p);
                    }
                }
                Err(e) => {
                    f.st.forms.errors.insert(problem.clone(), e);
                }
            }
        }
        if ui
            .button("Cancel")
            .accessible_name("Cancel sample payload")
            .clicked()
        {
            f.st.forms.samples.remove(p);
            f.st.forms.errors.remove(&problem);
            f.relayout();
        }
    });
    f.show_error(ui, &problem);
}

/// The manifest's findings for the fields of one section.
fn problems(ui: &mut Ui, f: &mut Form, node: &str, m: &Manifest, fields: &[FieldSpec]) {
    let Some(value) = f.get(node) else { return };
    let found = manifest::check(m, value);
    for p in found
        .iter()
        .filter(|p| fields.iter().any(|fl| fl.pointer == p.pointer))
    {
        let colour = if p.error {
            f.theme.error
        } else {
            f.theme.warning
        };
        let mark = if p.error { "✖" } else { "⚠" };
        ui.colored_label(colour, format!("{mark} {}", p.message));
    }
}
