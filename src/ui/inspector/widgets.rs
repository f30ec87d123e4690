//! Building blocks of the inspector forms: text fields, combo boxes and
//! key/value tables bound to a JSON pointer of the document.
//!
//! A field always shows the document's current value. While it has focus,
//! the typed text lives in [`InspectorState::buffers`] (keyed by the field's
//! key, usually its pointer), so reformatting never disturbs typing; the
//! buffer is dropped when the field loses focus, and re-read as soon as the
//! document changes under it (undo). Every change goes through the session
//! as an edit; typing in one field is one undo step.

use super::state::InspectorState;
pub(crate) use super::state::{Kind, Note};
use crate::ui::session::Session;
use crate::ui::theme::Theme;
use crate::workflow::edit::Edit;
use crate::workflow::model::{is_arm_expression, is_wdl_expression, value_text};
use crate::workflow::text::{escape_pointer, find_duplicate_key, parse_json};
use crate::workflow::Container;
use egui::{Id, Response, RichText, TextEdit, Ui};
use serde_json::{Map, Value};

use std::hash::{Hash as _, Hasher as _};

/// The context a form draws with: the inspector's state, the session to
/// send edits to, the palette, and the node shown.
pub(crate) struct Form<'a> {
    /// The inspector's state.
    pub st: &'a mut InspectorState,
    /// The open document.
    pub session: &'a mut Session,
    /// Colours.
    pub theme: &'a Theme,
    /// The node's name.
    pub name: String,
    /// The node's pointer.
    pub node: String,
    /// Pointer to the definition holding the node.
    pub definition: String,
    /// The width of the form, read once per frame: table cells size from it,
    /// not from their column (which would feed back into the column).
    pub width: f32,
    /// The context, to ask for a new layout pass after a change of shape.
    pub ctx: egui::Context,
}

impl Form<'_> {
    /// The value at `pointer`, if any.
    pub fn get(&self, pointer: &str) -> Option<&Value> {
        self.session.doc().root.pointer(pointer)
    }

    /// A hash of the value at `pointer` (of its JSON text; absent has its
    /// own): what a buffer is compared against. Kept per revision.
    pub fn version(&mut self, pointer: &str) -> u64 {
        let rev = self.session.editor.revision();
        if let Some((r, h)) = self.st.forms.versions.get(pointer) {
            if *r == rev {
                return *h;
            }
        }
        let mut w = HashWriter(std::hash::DefaultHasher::new());
        match self.get(pointer) {
            Some(v) => {
                let _ = serde_json::to_writer(&mut w, v);
            }
            None => w.0.write_u8(0xff),
        }
        let h = w.0.finish();
        self.st.forms.versions.insert(pointer.to_owned(), (rev, h));
        h
    }

    /// The text a field shows for the document's value, kept per revision.
    pub fn shown_text(&mut self, pointer: &str, kind: Kind, multiline: bool) -> String {
        let rev = self.session.editor.revision();
        let key = (pointer.to_owned(), kind, multiline);
        if let Some((r, t)) = self.st.forms.texts.get(&key) {
            if *r == rev {
                return t.clone();
            }
        }
        let t = display(self.get(pointer), kind, multiline);
        self.st.forms.texts.insert(key, (rev, t.clone()));
        t
    }

    /// An edit made by typing: consecutive edits with the same `key` are one
    /// undo step. Returns whether it was applied; a refusal is kept under
    /// `key` for display.
    pub fn typing(&mut self, edit: Edit, key: &str) -> bool {
        // Removing a key or changing a table changes which widgets show.
        let reshapes = match &edit {
            Edit::Set { pointer, .. } => pointer != key,
            _ => true,
        };
        let result = match &edit {
            Edit::Set { pointer, value } if pointer == key => {
                self.session.set_field(pointer, value.clone())
            }
            _ => match self.session.editor.apply_typing(edit, key) {
                Ok(a) => {
                    self.session.refresh();
                    Ok(a)
                }
                Err(e) => {
                    self.session.status = format!("Could not apply: {e}");
                    Err(e.to_string())
                }
            },
        };
        let ok = self.record(key, result.map(|_| ()));
        if ok && reshapes {
            self.relayout();
        }
        ok
    }

    /// Lays the frame out again at once: widgets appeared or went away.
    pub fn relayout(&self) {
        self.ctx.request_discard("the form changed shape");
    }

    /// Sets `pointer` as typing in the field `key`.
    pub fn set_typing(&mut self, pointer: &str, value: Value, key: &str) -> bool {
        self.typing(
            Edit::Set {
                pointer: pointer.to_owned(),
                value,
            },
            key,
        )
    }

    /// Removes `pointer` as typing in the field `key`, and with it the
    /// objects above it that would be left empty (up to, not including, the
    /// node itself).
    pub fn remove_typing(&mut self, pointer: &str, key: &str) -> bool {
        match self.prune_target(pointer) {
            Some(p) => self.typing(Edit::Remove { pointer: p }, key),
            None => true,
        }
    }

    /// The pointer to remove so that `pointer` goes away without leaving
    /// empty objects behind; `None` when there is nothing at `pointer`.
    pub fn prune_target(&self, pointer: &str) -> Option<String> {
        self.get(pointer)?;
        let mut target = pointer.to_owned();
        while let Some(i) = target.rfind('/') {
            let parent = &target[..i];
            // Never take the node itself, nor its `inputs`, with it.
            if parent.len() <= self.node.len() || parent == format!("{}/inputs", self.node) {
                break;
            }
            match self.get(parent) {
                Some(Value::Object(m)) if m.len() == 1 => target = parent.to_owned(),
                _ => break,
            }
        }
        Some(target)
    }

    /// Applies a structural edit (one undo step). A refusal is kept under
    /// `key` for display.
    pub fn apply(&mut self, edit: Edit, key: &str) -> bool {
        self.session.editor.end_typing();
        let r = self.session.apply(edit).map(|_| ());
        let ok = self.record(key, r);
        if ok {
            self.relayout();
        }
        ok
    }

    fn record(&mut self, key: &str, r: Result<(), String>) -> bool {
        match r {
            Ok(()) => {
                self.st.forms.errors.remove(key);
                true
            }
            Err(e) => {
                self.st.forms.errors.insert(key.to_owned(), e);
                false
            }
        }
    }

    /// Shows the last refusal kept under `key`, if any.
    pub fn show_error(&self, ui: &mut Ui, key: &str) {
        if let Some(e) = self.st.forms.errors.get(key) {
            ui.colored_label(self.theme.error, format!("✖ {e}"));
        }
    }

    /// Where the document keeps its container kind.
    pub fn container(&self) -> Container {
        self.session.doc().container
    }
}

/// The least width of the labels' column of a form's grid.
pub(crate) const LABEL_COLUMN: f32 = 112.0;

/// A two-column grid of labels and fields, the labels' column the same
/// width in every section.
pub(crate) fn form_grid(salt: impl std::hash::Hash + std::fmt::Debug) -> egui::Grid {
    egui::Grid::new(("lapis-form", salt))
        .num_columns(2)
        .spacing([12.0, 6.0])
        .min_col_width(LABEL_COLUMN)
}

/// Feeds written bytes to a hasher.
struct HashWriter(std::hash::DefaultHasher);

impl std::io::Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `parent/key` with `key` escaped.
pub(crate) fn child(parent: &str, key: &str) -> String {
    format!("{parent}/{}", escape_pointer(key))
}

/// The egui id of the field with this key.
pub(crate) fn field_id(key: &str) -> Id {
    Id::unique(("lapis-field", key))
}

/// A field bound to a pointer.
#[derive(Debug, Clone)]
pub(crate) struct Field<'a> {
    /// The visible label, which is also the accessible name.
    pub label: &'a str,
    /// Where the value lives.
    pub pointer: String,
    /// How text maps to JSON.
    pub kind: Kind,
    /// Whether clearing the field removes the key.
    pub optional: bool,
    /// Weak text shown while the field is empty.
    pub hint: Option<&'a str>,
    /// A secret: masked unless revealed, with a warning for literals.
    pub secret: bool,
    /// Several lines (JSON editors).
    pub rows: usize,
    /// A fixed width (table cells); else the width available.
    pub width: Option<f32>,
}

impl<'a> Field<'a> {
    /// A single-line text field.
    pub fn new(label: &'a str, pointer: impl Into<String>) -> Self {
        Field {
            label,
            pointer: pointer.into(),
            kind: Kind::Text,
            optional: false,
            hint: None,
            secret: false,
            rows: 1,
            width: None,
        }
    }
    /// A fixed width, for cells whose column takes its width from them.
    pub fn width(mut self, width: f32) -> Self {
        self.width = Some(width);
        self
    }
    /// Clearing it removes the key.
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }
    /// With a hint shown while empty.
    pub fn hint(mut self, hint: &'a str) -> Self {
        self.hint = Some(hint);
        self
    }
    /// How its text maps to JSON.
    pub fn kind(mut self, kind: Kind) -> Self {
        self.kind = kind;
        self
    }
    /// A secret.
    pub fn secret(mut self) -> Self {
        self.secret = true;
        self
    }
    /// Several lines.
    pub fn rows(mut self, rows: usize) -> Self {
        self.rows = rows.max(1);
        self
    }
}

/// The text a field shows for a value.
pub(crate) fn display(v: Option<&Value>, kind: Kind, multiline: bool) -> String {
    let json = |v: &Value| {
        if multiline {
            serde_json::to_string_pretty(v).unwrap_or_default()
        } else {
            serde_json::to_string(v).unwrap_or_default()
        }
    };
    match (v, kind) {
        (None, _) => String::new(),
        (Some(v), Kind::Json | Kind::JsonObject) => json(v),
        (Some(Value::String(s)), _) => s.clone(),
        (Some(v), Kind::JsonOrText) => json(v),
        (Some(v), _) => value_text(v),
    }
}

/// What typing a text means for the document.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Parsed {
    /// Remove the key.
    Remove,
    /// Store this value.
    Value(Value),
    /// Do not apply; why.
    Invalid(String),
}

/// Parses JSON text, refusing objects with a repeated key (a value keeps
/// only one of them, which would lose data silently).
pub(crate) fn parse_strict(text: &str) -> Result<Value, String> {
    let v = parse_json(text).map_err(|e| e.to_string())?;
    if let Some(e) = find_duplicate_key(text) {
        return Err(e.to_string());
    }
    Ok(v)
}

/// Turns a field's text into what to store.
pub(crate) fn parse_field(text: &str, kind: Kind, optional: bool) -> Parsed {
    if optional && text.trim().is_empty() {
        return Parsed::Remove;
    }
    match kind {
        Kind::Text => Parsed::Value(Value::String(text.to_owned())),
        Kind::Int => match text.trim().parse::<i64>() {
            Ok(n) => Parsed::Value(Value::from(n)),
            Err(_) => Parsed::Value(Value::String(text.to_owned())),
        },
        Kind::Number => match parse_json(text.trim()) {
            Ok(v @ Value::Number(_)) => Parsed::Value(v),
            _ => Parsed::Value(Value::String(text.to_owned())),
        },
        Kind::JsonOrText => match parse_json(text) {
            Ok(_) => match parse_strict(text) {
                Ok(v) => Parsed::Value(v),
                Err(e) => Parsed::Invalid(e),
            },
            Err(_) => Parsed::Value(Value::String(text.to_owned())),
        },
        Kind::Json => match parse_strict(text) {
            Ok(v) => Parsed::Value(v),
            Err(e) => Parsed::Invalid(e),
        },
        Kind::JsonObject => match parse_strict(text) {
            Ok(v @ Value::Object(_)) => Parsed::Value(v),
            Ok(_) => Parsed::Invalid("this must be a JSON object { … }".into()),
            Err(e) => Parsed::Invalid(e),
        },
    }
}

/// True for a value that is a secret written in clear: a non-empty literal,
/// not an expression (`@…`) nor an ARM expression (`[…]`).
pub(crate) fn is_literal_secret(v: Option<&Value>) -> bool {
    match v {
        Some(Value::String(s)) => {
            !s.trim().is_empty() && !is_wdl_expression(s) && !is_arm_expression(s)
        }
        Some(Value::Number(_)) | Some(Value::Bool(_)) => true,
        _ => false,
    }
}

/// A text layouter, as `TextEdit::layouter` takes it.
pub(crate) type Layouter<'a> =
    dyn FnMut(&Ui, &dyn egui::TextBuffer, f32) -> std::sync::Arc<egui::Galley> + 'a;

/// A text input whose text is kept in a buffer while it has focus.
///
/// `key` names the buffer and the widget; `doc_text` is what the document
/// says now; `watch` is the pointer whose value, when it changes, makes the
/// buffer re-read. `commit` is called with the new text when the user
/// changes it; `layouter`, when given, colours the text (expressions).
#[allow(clippy::too_many_arguments)]
pub(crate) fn buffered(
    ui: &mut Ui,
    f: &mut Form,
    key: &str,
    doc_text: String,
    watch: &str,
    edit: impl FnOnce(&mut String, Id) -> TextEdit<'_>,
    name: Name,
    commit: &mut dyn FnMut(&mut Form, &str),
    layouter: Option<&mut Layouter<'_>>,
    complete: Option<&crate::expr::check::Reachable>,
) -> Response {
    let id = field_id(key);
    let focused = ui.ctx().memory(|m| m.has_focus(id));
    let repr = f.version(watch);
    let mut text = if focused {
        let in_step = f.st.forms.synced.get(key) == Some(&repr);
        match f.st.buffers.get(key) {
            Some(b) if in_step => b.clone(),
            _ => {
                f.st.forms.synced.insert(key.to_owned(), repr);
                f.st.buffers.insert(key.to_owned(), doc_text.clone());
                doc_text
            }
        }
    } else {
        f.st.buffers.remove(key);
        f.st.forms.synced.remove(key);
        doc_text
    };
    let te = edit(&mut text, id);
    let te = match layouter {
        Some(l) => te.layouter(l),
        None => te,
    };
    let response = ui.add(te);
    let mut response = match name {
        Name::LabelledBy(l) => response.labelled_by(l),
        Name::Named(n) => response.accessible_name(n),
    };
    // Expression fields offer function and name completion while typing.
    if let Some(reachable) = complete {
        if crate::ui::expr_field::completion_popup(ui, &response, &mut text, reachable) {
            response.mark_changed();
        }
    }
    if response.changed() {
        commit(f, &text);
        if response.has_focus() {
            f.st.buffers.insert(key.to_owned(), text);
            let now = f.version(watch);
            f.st.forms.synced.insert(key.to_owned(), now);
        }
    }
    if response.lost_focus() {
        f.session.editor.end_typing();
        f.st.buffers.remove(key);
        f.st.forms.synced.remove(key);
    }
    response
}

/// How a widget gets its accessible name.
#[derive(Debug, Clone)]
pub(crate) enum Name {
    /// From a visible label.
    LabelledBy(Id),
    /// Given directly (cells of a table).
    Named(String),
}

/// The text input of a field with its notes under it (JSON status, secret
/// warning), without the label. `name` gives its accessible name.
pub(crate) fn field_input(ui: &mut Ui, f: &mut Form, field: &Field, name: Name) -> Response {
    let (r, notes) = field_core(ui, f, field, name);
    show_notes(ui, f, field, &notes);
    r
}

/// The text input of a field (and its reveal button), and the notes to
/// show under it.
pub(crate) fn field_core(
    ui: &mut Ui,
    f: &mut Form,
    field: &Field,
    name: Name,
) -> (Response, Vec<Note>) {
    let key = field.pointer.clone();
    let multiline = field.rows > 1;
    let doc_text = f.shown_text(&key, field.kind, multiline);
    if doc_text.len() > LARGE_TEXT && !f.st.forms.large_ok.contains(&key) {
        return (large_value(ui, f, field, &doc_text, name), Vec::new());
    }
    let masked = field.secret && !f.st.revealed.contains(&key);
    let hint = field.hint;
    let rows = field.rows;
    let kind = field.kind;
    let optional = field.optional;
    let mut commit = |f: &mut Form, text: &str| match parse_field(text, kind, optional) {
        Parsed::Remove => {
            f.remove_typing(&key, &key);
        }
        Parsed::Value(v) => {
            if f.get(&key) != Some(&v) {
                f.set_typing(&key, v, &key);
            }
        }
        Parsed::Invalid(_) => {}
    };
    // The text edit's frame adds its margins to the desired width; a field
    // as wide as the space left must leave room for them (and for the
    // reveal button), or it would push the panel wider every frame. Only
    // the last column of a grid may take the width left: it does not feed
    // back into the column's width.
    let margins = 2.0 * ui.spacing().button_padding.x.max(4.0) + 2.0;
    let reveal_w = if field.secret { 72.0 } else { 0.0 };
    let width = match field.width {
        Some(w) => w,
        None => (ui.available_width() - margins - reveal_w).max(120.0),
    };
    // Expression fields: coloured syntax, and the checker's findings
    // underlined (their messages show under the field and on hover).
    let current = match f.st.buffers.get(&field.pointer) {
        Some(b) => b.clone(),
        None => doc_text.clone(),
    };
    let expr_cx = if !masked && crate::expr::parse::is_expression(&current) {
        Some(f.session.expr_context(&field.pointer, &current))
    } else {
        None
    };
    let theme = f.theme.clone();
    let findings = expr_cx
        .as_ref()
        .map(|c| c.findings.clone())
        .unwrap_or_default();
    let font = if multiline {
        egui::TextStyle::Monospace.resolve(ui.style())
    } else {
        egui::TextStyle::Body.resolve(ui.style())
    };
    let colour = expr_cx.is_some();
    let reachable = expr_cx.as_ref().map(|c| c.reachable.clone());
    let mut layouter = move |ui: &Ui, buf: &dyn egui::TextBuffer, wrap: f32| {
        let job =
            crate::ui::expr_field::layout_job(buf.as_str(), &findings, &theme, font.clone(), wrap);
        ui.fonts_mut(|fonts| fonts.layout_job(job))
    };
    let response = ui
        .horizontal(|ui| {
            let r = buffered(
                ui,
                f,
                &field.pointer,
                doc_text,
                &field.pointer,
                |text, id| {
                    let te = if multiline {
                        TextEdit::multiline(text).code_editor().desired_rows(rows)
                    } else {
                        TextEdit::singleline(text)
                    };
                    let te = te.id(id).password(masked).desired_width(width);
                    match hint {
                        Some(h) => te.hint_text(RichText::new(h).weak()),
                        None => te,
                    }
                },
                name,
                &mut commit,
                if colour { Some(&mut layouter) } else { None },
                reachable.as_ref(),
            );
            if field.secret {
                let revealed = f.st.revealed.contains(&field.pointer);
                let label = if revealed { "Hide" } else { "Reveal" };
                if ui.small_button(label).clicked() {
                    if revealed {
                        f.st.revealed.remove(&field.pointer);
                    } else {
                        f.st.revealed.insert(field.pointer.clone());
                    }
                }
            }
            r
        })
        .inner;
    // The text now shown: the buffer while typing, else the document's.
    let shown = match f.st.buffers.get(&field.pointer) {
        Some(b) => b.clone(),
        None => f.shown_text(&field.pointer, field.kind, multiline),
    };
    let mut notes = field_notes(f, field, &shown);
    if let Some(cx) = &expr_cx {
        for finding in &cx.findings {
            let text = format!("column {}: {}", finding.span.start + 1, finding.message);
            notes.push(match finding.level {
                crate::expr::check::Level::Error => Note::Error(text),
                crate::expr::check::Level::Warning => Note::Warning(text),
            });
        }
    }
    (response, notes)
}

/// Text longer than this is not put in a text field unless asked: laying
/// out (and, with a screen reader, describing) a huge text every frame
/// would slow the whole window.
pub(crate) const LARGE_TEXT: usize = 32 * 1024;

/// Stands in for the text field of a large value: its size, and a button
/// to edit it here anyway (the Code tab edits it too).
fn large_value(ui: &mut Ui, f: &mut Form, field: &Field, text: &str, name: Name) -> Response {
    ui.vertical(|ui| {
        let lines = text.lines().count();
        ui.weak(format!(
            "A large value ({} KB, {lines} lines): see it in the Code tab.",
            text.len() / 1024
        ));
        let what = match &name {
            Name::Named(n) => n.clone(),
            Name::LabelledBy(_) => field.label.to_owned(),
        };
        let r = ui
            .button("Edit here")
            .accessible_name(format!("Edit {what} here"));
        if r.clicked() {
            f.st.forms.large_ok.insert(field.pointer.clone());
        }
        r
    })
    .inner
}

/// Notes under a field: JSON status, number checks, refusals, secrets.
fn field_notes(f: &mut Form, field: &Field, shown: &str) -> Vec<Note> {
    let mut h = std::hash::DefaultHasher::new();
    shown.hash(&mut h);
    field.kind.hash(&mut h);
    let text_hash = h.finish();
    let mut out = match f.st.forms.syntax.get(&field.pointer) {
        Some((th, notes)) if *th == text_hash => notes.clone(),
        _ => {
            let notes = syntax_notes(field, shown);
            f.st.forms
                .syntax
                .insert(field.pointer.clone(), (text_hash, notes.clone()));
            notes
        }
    };
    if let Some(e) = f.st.forms.errors.get(&field.pointer) {
        out.push(Note::Error(e.clone()));
    }
    if field.secret {
        secret_notes(f, field, &mut out);
    }
    out
}

/// What the text of a field says about its syntax.
fn syntax_notes(field: &Field, shown: &str) -> Vec<Note> {
    let mut out = Vec::new();
    match field.kind {
        Kind::JsonOrText if !shown.trim().is_empty() => match parse_json(shown) {
            Ok(v) => match parse_strict(shown) {
                Ok(_) => out.push(Note::Weak(format!(
                    "Stored as JSON ({})",
                    crate::workflow::tree::kind_of(&v)
                ))),
                Err(e) => out.push(Note::Error(format!("Not applied: {e}"))),
            },
            Err(e) => {
                let t = shown.trim_start();
                out.push(if is_wdl_expression(t) {
                    Note::Weak("Stored as text (an expression)".into())
                } else if t.starts_with('{') || t.starts_with('[') {
                    Note::Warning(format!("Stored as text: not valid JSON ({e})"))
                } else {
                    Note::Weak("Stored as text".into())
                });
            }
        },
        Kind::Json | Kind::JsonObject => match parse_field(shown, field.kind, field.optional) {
            Parsed::Invalid(e) => out.push(Note::Error(format!("Invalid, not applied: {e}"))),
            Parsed::Value(_) => out.push(Note::Weak("✔ Valid JSON".into())),
            Parsed::Remove => {}
        },
        Kind::Int | Kind::Number => {
            let t = shown.trim();
            let ok = t.is_empty()
                || is_wdl_expression(t)
                || is_arm_expression(t)
                || match field.kind {
                    Kind::Int => t.parse::<i64>().is_ok(),
                    _ => matches!(parse_json(t), Ok(Value::Number(_))),
                };
            if !ok {
                let what = if field.kind == Kind::Int {
                    "a whole number"
                } else {
                    "a number"
                };
                out.push(Note::Error(format!(
                    "Expected {what} or an expression (stored as text)"
                )));
            }
        }
        _ => {}
    }
    out
}

/// The warning for a secret in clear, or the note left after moving it.
fn secret_notes(f: &Form, field: &Field, out: &mut Vec<Note>) {
    let current = f.get(&field.pointer);
    if is_literal_secret(current) {
        out.push(Note::SecretInClear);
    } else if let Some(name) = f.st.forms.moved.get(&field.pointer) {
        let expected = reference(f.container(), name);
        if current.and_then(Value::as_str) == Some(expected.as_str()) {
            out.push(Note::Weak(if f.container() == Container::Standard {
                format!(
                    "The value was dropped from the file. Add the app setting `{name}` \
                         (local.settings.json, or a Key Vault reference in Azure)."
                )
            } else {
                format!(
                    "The value was dropped from the file. Supply the secure parameter \
                         `{name}` at deployment or from your secret store."
                )
            }));
        }
    }
}

/// Draws the notes of a field.
pub(crate) fn show_notes(ui: &mut Ui, f: &mut Form, field: &Field, notes: &[Note]) {
    for n in notes {
        match n {
            Note::Weak(t) => {
                ui.colored_label(ui.visuals().weak_text_color(), t);
            }
            Note::Warning(t) => {
                ui.colored_label(f.theme.warning, format!("⚠ {t}"));
            }
            Note::Error(t) => {
                ui.colored_label(f.theme.error, format!("✖ {t}"));
            }
            Note::SecretInClear => {
                ui.colored_label(
                    f.theme.warning,
                    "⚠ This secret is written in clear and would be saved in the file.",
                );
                if ui.button("Move to secure parameter").clicked() {
                    let short = field
                        .pointer
                        .rsplit('/')
                        .next()
                        .unwrap_or("secret")
                        .to_owned();
                    move_to_secure(f, &field.pointer, &short);
                }
            }
        }
    }
}

/// The expression that reads a moved secret.
fn reference(container: Container, name: &str) -> String {
    if container == Container::Standard {
        format!("@appsetting('{name}')")
    } else {
        format!("@parameters('{name}')")
    }
}

/// A parameter name made of the action's name and the field's:
/// `Get_status_secret`. Only letters, digits, `_` and `-` are kept.
pub(crate) fn parameter_base(action: &str, field: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    let a = clean(action);
    let fl = clean(field);
    let base = match (a.is_empty(), fl.is_empty()) {
        (true, true) => "secret".to_owned(),
        (true, false) => fl,
        (false, true) => a,
        (false, false) => format!("{a}_{fl}"),
    };
    base.chars().take(80).collect()
}

/// `base`, or `base_2`, `base_3`… : the first not taken (case-insensitively).
pub(crate) fn unique_name<'a>(
    base: &str,
    taken: impl Iterator<Item = &'a String> + Clone,
) -> String {
    let free = |n: &str| !taken.clone().any(|t| t.eq_ignore_ascii_case(n));
    if free(base) {
        return base.to_owned();
    }
    (2..)
        .map(|i| format!("{base}_{i}"))
        .find(|n| free(n))
        .unwrap_or_else(|| base.to_owned())
}

/// Replaces a secret literal by a reference to a new secure parameter
/// (`{"type": "SecureString"}`, no default value) in one undo step. The
/// literal is dropped: it is written nowhere. In a Standard workflow the
/// field reads an app setting instead.
pub(crate) fn move_to_secure(f: &mut Form, pointer: &str, field_name: &str) {
    let base = parameter_base(&f.name, field_name);
    let params = format!("{}/parameters", f.definition);
    let taken: Vec<String> = match f.get(&params) {
        Some(Value::Object(m)) => m.keys().cloned().collect(),
        _ => Vec::new(),
    };
    let name = unique_name(&base, taken.iter());
    // The secret just typed stays usable for test calls of this session:
    // the next Send does not ask for it again.
    let typed =
        f.st.buffers
            .get(pointer)
            .cloned()
            .or_else(|| f.get(pointer).and_then(Value::as_str).map(str::to_owned))
            .filter(|v| !v.is_empty() && !v.starts_with('@'));
    let container = f.container();
    let mut edits = Vec::new();
    if container != Container::Standard {
        let mut decl = Map::new();
        decl.insert("type".into(), Value::String("SecureString".into()));
        edits.push(Edit::Set {
            pointer: child(&params, &name),
            value: Value::Object(decl),
        });
    }
    edits.push(Edit::Set {
        pointer: pointer.to_owned(),
        value: Value::String(reference(container, &name)),
    });
    let edit = Edit::Batch {
        label: format!("Move {field_name} of {} to a secure parameter", f.name),
        edits,
    };
    if f.apply(edit, pointer) {
        f.st.buffers.remove(pointer);
        f.st.forms.synced.remove(pointer);
        if let Some(v) = typed {
            f.st.tests.store.set(&name, crate::secrets::Secret::new(v));
        }
        f.st.forms.moved.insert(pointer.to_owned(), name);
    }
}

/// A grid row: the label on the left, the field on the right.
pub(crate) fn row(ui: &mut Ui, f: &mut Form, field: &Field) -> Response {
    let label = ui.label(field.label);
    let (r, notes) = field_core(ui, f, field, Name::LabelledBy(label.id));
    ui.end_row();
    // Notes go in a row of their own, so the label stays level with the
    // field.
    if !notes.is_empty() {
        ui.label("");
        ui.vertical(|ui| show_notes(ui, f, field, &notes));
        ui.end_row();
    }
    r
}

/// A field on its own lines: the label above, the editor below (JSON
/// editors and bodies).
pub(crate) fn block(ui: &mut Ui, f: &mut Form, field: &Field) -> Response {
    let label = ui.label(field.label);
    field_input(ui, f, field, Name::LabelledBy(label.id))
}

/// A combo box named by `label_id`, showing `current`, listing `items`.
/// Returns the index picked this frame, if any.
pub(crate) fn combo(
    ui: &mut Ui,
    salt: &str,
    label_id: Id,
    current: &str,
    items: &[&str],
) -> Option<usize> {
    let mut picked = None;
    let r = egui::ComboBox::from_id_salt(("lapis-combo", salt))
        .selected_text(current.to_owned())
        .width(180.0)
        .show_ui(ui, |ui| {
            for (i, it) in items.iter().enumerate() {
                if ui.selectable_label(*it == current, *it).clicked() {
                    picked = Some(i);
                    // Also when picked without a pointer (keyboard,
                    // assistive technology).
                    ui.close();
                }
            }
        });
    let _ = r.response.labelled_by(label_id);
    picked
}

/// A grid row with a combo of fixed choices for a string field. Values are
/// compared case-insensitively; a value not in the list is shown as it is
/// (and, with `expression`, can be typed as free text: "Expression…").
/// `none` names the choice that removes the key.
pub(crate) fn choice_row(
    ui: &mut Ui,
    f: &mut Form,
    label: &str,
    pointer: &str,
    choices: &[&str],
    none: Option<&str>,
    expression: bool,
) {
    let l = ui.label(label);
    let cur_v = f.get(pointer).cloned();
    let cur = cur_v.as_ref().map(value_text);
    let known = cur
        .as_deref()
        .and_then(|c| choices.iter().find(|x| x.eq_ignore_ascii_case(c)).copied());
    let mut items: Vec<&str> = Vec::new();
    if let Some(n) = none {
        items.push(n);
    }
    items.extend_from_slice(choices);
    if expression {
        items.push("Expression…");
    }
    let shown = match (&cur, known) {
        (None, _) => none.unwrap_or("").to_owned(),
        (Some(_), Some(k)) => k.to_owned(),
        (Some(c), None) => c.clone(),
    };
    ui.vertical(|ui| {
        if let Some(i) = combo(ui, pointer, l.id, &shown, &items) {
            let it = items[i];
            if Some(it) == none {
                f.st.forms.expression_mode.remove(pointer);
                if let Some(p) = f.prune_target(pointer) {
                    f.apply(Edit::Remove { pointer: p }, pointer);
                }
            } else if expression && it == "Expression…" {
                f.st.forms.expression_mode.insert(pointer.to_owned());
            } else {
                f.st.forms.expression_mode.remove(pointer);
                if cur.as_deref() != Some(it) {
                    f.apply(
                        Edit::Set {
                            pointer: pointer.to_owned(),
                            value: Value::String(it.to_owned()),
                        },
                        pointer,
                    );
                }
            }
        }
        let free = expression
            && (f.st.forms.expression_mode.contains(pointer)
                || (known.is_none() && cur.as_deref().is_some_and(|c| !c.is_empty())));
        if free {
            let name = format!("{label} expression");
            let field = Field::new(&name, pointer).optional();
            field_input(ui, f, &field, Name::Named(name.clone()));
        } else {
            f.show_error(ui, pointer);
        }
    });
    ui.end_row();
}

/// An ISO 8601 duration such as `PT30S`, `P1D`, `PT1H30M`, `PT0.5S`.
pub(crate) fn is_iso_duration(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('P') else {
        return false;
    };
    let (date, time) = match rest.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (rest, None),
    };
    let parts = |text: &str, units: &str, frac: bool| -> Option<usize> {
        let mut count = 0;
        let mut num = String::new();
        let mut last = 0usize;
        for c in text.chars() {
            if c.is_ascii_digit() || (frac && (c == '.' || c == ',') && !num.is_empty()) {
                num.push(c);
            } else {
                let pos = units.find(c)? + 1;
                if num.is_empty() || pos <= last {
                    return None;
                }
                if (num.contains('.') || num.contains(',')) && c != 'S' {
                    return None;
                }
                last = pos;
                num.clear();
                count += 1;
            }
        }
        num.is_empty().then_some(count)
    };
    let Some(d) = parts(date, "YMWD", false) else {
        return false;
    };
    match time {
        None => d > 0,
        Some(t) => parts(t, "HMS", true).is_some_and(|n| n > 0),
    }
}

/// A duration field, with a warning when the text is not ISO 8601.
pub(crate) fn duration_row(ui: &mut Ui, f: &mut Form, label: &str, pointer: &str, hint: &str) {
    row(
        ui,
        f,
        &Field::new(label, pointer.to_owned()).optional().hint(hint),
    );
    if let Some(v) = f.get(pointer) {
        let t = value_text(v);
        let t = t.trim();
        if !t.is_empty() && !is_iso_duration(t) && !is_wdl_expression(t) && !is_arm_expression(t) {
            ui.label("");
            ui.colored_label(
                f.theme.warning,
                "⚠ Not an ISO 8601 duration (PT30S, PT5M, PT1H, P1D)",
            );
            ui.end_row();
        }
    }
}

/// A checkbox bound to nothing but its value; returns the new value when
/// clicked.
pub(crate) fn check(ui: &mut Ui, value: bool, text: &str, name: Option<&str>) -> Option<bool> {
    let mut b = value;
    let r = ui.checkbox(&mut b, text);
    let r = match name {
        Some(n) => r.accessible_name(n),
        None => r,
    };
    r.changed().then_some(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn durations() {
        for ok in [
            "PT30S",
            "P1D",
            "PT1H30M",
            "PT0.5S",
            "P1Y2M3W4DT5H6M7S",
            "P1W",
        ] {
            assert!(is_iso_duration(ok), "{ok}");
        }
        for bad in [
            "", "P", "PT", "30S", "PT30", "PTS", "PT1.5M", "P1H", "PT1S1M", "P1DT",
        ] {
            assert!(!is_iso_duration(bad), "{bad}");
        }
    }

    #[test]
    fn fields_parse_by_kind() {
        assert_eq!(
            parse_field("42", Kind::Int, false),
            Parsed::Value(json!(42))
        );
        assert_eq!(
            parse_field("@variables('n')", Kind::Int, false),
            Parsed::Value(json!("@variables('n')"))
        );
        assert_eq!(parse_field("  ", Kind::Text, true), Parsed::Remove);
        assert_eq!(
            parse_field("{\"a\": 1}", Kind::JsonOrText, true),
            Parsed::Value(json!({"a": 1}))
        );
        assert_eq!(
            parse_field("hello", Kind::JsonOrText, true),
            Parsed::Value(json!("hello"))
        );
        assert!(matches!(
            parse_field("{\"a\": 1, \"a\": 2}", Kind::JsonOrText, true),
            Parsed::Invalid(_)
        ));
        assert!(matches!(
            parse_field("{", Kind::Json, false),
            Parsed::Invalid(_)
        ));
        assert!(matches!(
            parse_field("[1]", Kind::JsonObject, false),
            Parsed::Invalid(_)
        ));
        assert_eq!(
            parse_field("1.50", Kind::Number, false),
            Parsed::Value(parse_json("1.50").unwrap())
        );
    }

    #[test]
    fn display_never_fails_on_odd_values() {
        assert_eq!(display(Some(&json!(null)), Kind::Text, false), "");
        assert_eq!(
            display(Some(&json!({"a": 1})), Kind::Text, false),
            "{\"a\":1}"
        );
        assert_eq!(display(Some(&json!("x")), Kind::Json, false), "\"x\"");
        assert_eq!(display(Some(&json!("x")), Kind::JsonOrText, true), "x");
        assert_eq!(display(None, Kind::Int, false), "");
    }

    #[test]
    fn literal_secrets_are_told_from_references() {
        assert!(is_literal_secret(Some(&json!("hunter2"))));
        assert!(is_literal_secret(Some(&json!(1234))));
        assert!(!is_literal_secret(Some(&json!("@parameters('s')"))));
        assert!(!is_literal_secret(Some(&json!("[parameters('s')]"))));
        assert!(!is_literal_secret(Some(&json!(""))));
        assert!(!is_literal_secret(None));
    }

    #[test]
    fn parameter_names_are_clean_and_unique() {
        assert_eq!(parameter_base("Get_status", "secret"), "Get_status_secret");
        assert_eq!(parameter_base("Call API", "X-Key"), "Call_API_X-Key");
        let taken = [
            "Get_status_secret".to_owned(),
            "get_status_secret_2".to_owned(),
        ];
        assert_eq!(
            unique_name("Get_status_secret", taken.iter()),
            "Get_status_secret_3"
        );
        assert_eq!(unique_name("Other", taken.iter()), "Other");
    }
}
