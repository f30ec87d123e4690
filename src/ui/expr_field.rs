//! A text field for values that may hold Workflow Definition Language
//! expressions: syntax colouring, errors underlined with the message on
//! hover, and completion of function names and of the parameters, actions,
//! variables and loops that can be reached from the field's action.

use crate::expr::ast::{Expr, ExprKind, Segment, Template};
use crate::expr::check::{Finding, Level, Reachable};
use crate::expr::parse::parse_string_value;
use crate::expr::registry;
use crate::ui::theme::Theme;
use egui::epaint::text::{LayoutJob, TextFormat};
use egui::text::{CCursor, CCursorRange};
use egui::{Color32, FontId, Response, Stroke, TextBuffer, Ui};
use std::sync::Arc;

/// What the field knows about where it is.
#[derive(Debug, Clone, Default)]
pub struct ExprContext {
    /// Problems the checker found in the field's current text.
    pub findings: Vec<Finding>,
    /// Names that can be completed here.
    pub reachable: Reachable,
}

/// The colour class of each character of a field's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Literal text outside any expression.
    Text,
    /// `@`, `@{`, `}`, brackets, commas inside expressions.
    Punct,
    /// A function name.
    Function,
    /// A string literal.
    Str,
    /// A number, `true`, `false` or `null`.
    Constant,
    /// A property name after `.` or `?.`.
    Property,
}

/// Classifies every character of `text` for colouring. Text that does not
/// parse is coloured as far as a simple scan allows (the error is
/// underlined separately).
pub fn classify(text: &str) -> Vec<Class> {
    let n = text.chars().count();
    let mut out = vec![Class::Text; n];
    let Ok(t) = parse_string_value(text) else {
        // Mark the expression part as punctuation so it reads as code.
        if text.starts_with('@') {
            for c in out.iter_mut() {
                *c = Class::Punct;
            }
        }
        return out;
    };
    match &t {
        Template::Literal(_) => {}
        Template::Expression(e) => {
            if let Some(c) = out.first_mut() {
                *c = Class::Punct;
            }
            paint_expr(e, &mut out);
        }
        Template::Interpolation(segs) => {
            for s in segs {
                if let Segment::Expr(e) = s {
                    // `@{` before and `}` after the expression.
                    let (a, b) = (e.span.start, e.span.end);
                    for i in a.saturating_sub(2)..a {
                        if let Some(c) = out.get_mut(i) {
                            *c = Class::Punct;
                        }
                    }
                    if let Some(c) = out.get_mut(b) {
                        *c = Class::Punct;
                    }
                    paint_expr(e, &mut out);
                }
            }
        }
    }
    out
}

fn set(out: &mut [Class], span: crate::expr::Span, class: Class) {
    let end = span.end.min(out.len());
    for c in out.iter_mut().take(end).skip(span.start) {
        *c = class;
    }
}

fn paint_expr(e: &Expr, out: &mut [Class]) {
    match &e.kind {
        ExprKind::Null | ExprKind::Bool(_) | ExprKind::Number(_) => {
            set(out, e.span, Class::Constant)
        }
        ExprKind::String(_) => set(out, e.span, Class::Str),
        ExprKind::Call(c) => {
            set(out, c.span, Class::Punct);
            set(out, c.name_span, Class::Function);
            for a in &c.args {
                paint_expr(a, out);
            }
        }
        ExprKind::Index { target, index, .. } => {
            set(out, e.span, Class::Punct);
            paint_expr(target, out);
            paint_expr(index, out);
        }
        ExprKind::Member {
            target, name_span, ..
        } => {
            set(out, e.span, Class::Punct);
            paint_expr(target, out);
            set(out, *name_span, Class::Property);
        }
    }
}

fn colour(theme: &Theme, c: Class) -> Color32 {
    let dark = theme.dark;
    match c {
        Class::Text => theme.text,
        Class::Punct => theme.weak_text,
        Class::Function => {
            if dark {
                Color32::from_rgb(130, 180, 255)
            } else {
                Color32::from_rgb(20, 90, 190)
            }
        }
        Class::Str => {
            if dark {
                Color32::from_rgb(220, 170, 120)
            } else {
                Color32::from_rgb(160, 80, 20)
            }
        }
        Class::Constant => {
            if dark {
                Color32::from_rgb(180, 150, 240)
            } else {
                Color32::from_rgb(120, 60, 180)
            }
        }
        Class::Property => {
            if dark {
                Color32::from_rgb(120, 210, 190)
            } else {
                Color32::from_rgb(10, 120, 110)
            }
        }
    }
}

/// Builds the coloured, underlined layout of a field's text.
pub fn layout_job(
    text: &str,
    findings: &[Finding],
    theme: &Theme,
    font: FontId,
    wrap: f32,
) -> LayoutJob {
    let classes = classify(text);
    let mut underline = vec![None::<Color32>; classes.len()];
    for f in findings {
        let c = match f.level {
            Level::Error => theme.error,
            Level::Warning => theme.warning,
        };
        // An empty span (an error at the end) underlines the last character.
        let (a, b) = if f.span.end > f.span.start {
            (f.span.start, f.span.end)
        } else {
            (f.span.start.saturating_sub(1), f.span.start.max(1))
        };
        for u in underline.iter_mut().take(b.min(classes.len())).skip(a) {
            *u = Some(c);
        }
    }
    let mut job = LayoutJob::default();
    job.wrap.max_width = wrap;
    let mut run = String::new();
    let mut cur: Option<(Class, Option<Color32>)> = None;
    let flush = |job: &mut LayoutJob, run: &mut String, key: Option<(Class, Option<Color32>)>| {
        if let Some((class, ul)) = key {
            let mut fmt = TextFormat::simple(font.clone(), colour(theme, class));
            if let Some(c) = ul {
                fmt.underline = Stroke::new(1.5, c);
            }
            job.append(run, 0.0, fmt);
        }
        run.clear();
    };
    for (i, ch) in text.chars().enumerate() {
        let key = (
            classes.get(i).copied().unwrap_or(Class::Text),
            underline.get(i).copied().flatten(),
        );
        if cur != Some(key) {
            flush(&mut job, &mut run, cur);
            cur = Some(key);
        }
        run.push(ch);
    }
    flush(&mut job, &mut run, cur);
    job
}

/// One completion offered in the popup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// What replaces the word being typed (`concat(`, `parameters('x')`).
    pub insert: String,
    /// How it is shown: a function's signature, or the call itself.
    pub label: String,
    /// What it gives: a function's summary, or what the name is.
    pub detail: String,
}

/// The most completions the popup lists.
const MAX_COMPLETIONS: usize = 12;

/// The word being typed at `cursor` (in characters) when it stands where a
/// function name can: inside an expression (after a leading `@`, or inside
/// an open `@{…}`), outside string literals, after `@`, `@{`, `(`, `,` or
/// the start of the expression. Returns where the word starts and the word.
pub fn completion_word(text: &str, cursor: usize) -> Option<(usize, String)> {
    let chars: Vec<char> = text.chars().collect();
    let cursor = cursor.min(chars.len());
    let region = expression_start(&chars, cursor)?;
    // Inside a string literal (`''` is an escaped quote: it toggles twice)?
    let quotes = chars[region..cursor].iter().filter(|&&c| c == '\'').count();
    if quotes % 2 == 1 {
        return None;
    }
    let mut start = cursor;
    while start > region && (chars[start - 1].is_alphanumeric() || chars[start - 1] == '_') {
        start -= 1;
    }
    if start == cursor || chars[start].is_ascii_digit() {
        return None;
    }
    let before = chars[region..start]
        .iter()
        .rev()
        .find(|c| !c.is_whitespace())
        .copied();
    match before {
        None | Some('(' | ',' | '{' | '@') => Some((start, chars[start..cursor].iter().collect())),
        _ => None,
    }
}

/// Where the expression around `cursor` starts (the first character after
/// `@` or `@{`), or `None` when the cursor is in plain text.
fn expression_start(chars: &[char], cursor: usize) -> Option<usize> {
    let at = |i: usize, c: char| chars.get(i) == Some(&c);
    // A whole expression: `@…`, but not `@@…` (a literal) nor `@{…}`.
    if at(0, '@') && !at(1, '@') && !at(1, '{') {
        return (cursor >= 1).then_some(1);
    }
    // The last `@{` before the cursor that is still open at the cursor.
    let mut open = None;
    let mut i = 0;
    let mut in_string = false;
    while i < cursor {
        let c = chars[i];
        match open {
            None if c == '@' && at(i + 1, '@') => i += 1,
            None if c == '@' && at(i + 1, '{') => {
                open = Some(i + 2);
                in_string = false;
                i += 1;
            }
            Some(_) if c == '\'' => in_string = !in_string,
            Some(_) if c == '}' && !in_string => open = None,
            _ => {}
        }
        i += 1;
    }
    open.filter(|&start| start <= cursor)
}

/// Completions for a word: calls naming what can be reached from here
/// (`parameters('x')`, `body('A')`…) and functions whose name starts with
/// it, with their signature and summary.
pub fn completions(word: &str, reachable: &Reachable) -> Vec<Completion> {
    let w = word.to_lowercase();
    let mut out: Vec<Completion> = Vec::new();
    let mut add = |insert: String, detail: String| {
        if insert.to_lowercase().starts_with(&w) {
            out.push(Completion {
                label: insert.clone(),
                insert,
                detail,
            });
        }
    };
    for p in &reachable.parameters {
        add(
            format!("parameters('{}')", p.replace('\'', "''")),
            format!("The parameter {p}."),
        );
    }
    for a in &reachable.actions {
        let q = a.replace('\'', "''");
        add(format!("body('{q}')"), format!("The body of {a}."));
        add(format!("outputs('{q}')"), format!("The outputs of {a}."));
    }
    for v in &reachable.variables {
        add(
            format!("variables('{}')", v.replace('\'', "''")),
            format!("The variable {v}."),
        );
    }
    for l in &reachable.loops {
        add(
            format!("items('{}')", l.replace('\'', "''")),
            format!("The current item of {l}."),
        );
    }
    if reachable.item {
        add("item()".into(), "The current item.".into());
    }
    // Names first; then every function that matches, cut to what fits.
    let names = out.len().min(MAX_COMPLETIONS / 2);
    out.truncate(names);
    for f in registry::completions(word) {
        out.push(Completion {
            insert: format!("{}(", f.name),
            label: f.signature.to_string(),
            detail: f.summary.to_string(),
        });
    }
    out.truncate(MAX_COMPLETIONS);
    out
}

/// Keys the open popup takes before the text edit sees them (arrows,
/// Enter, Tab, Esc), so they choose, insert or close instead of moving the
/// cursor or the focus.
#[derive(Default)]
struct CompletionKeys {
    /// The text edit whose popup is open.
    open: Option<egui::Id>,
    /// The keys taken for it since it last looked.
    taken: Vec<egui::Key>,
    /// Whether the open popup's field was shown in this pass.
    seen: bool,
}

impl egui::plugin::Plugin for CompletionKeys {
    fn debug_name(&self) -> &'static str {
        "lapis expression completion"
    }

    fn input_hook(&mut self, _ctx: &egui::Context, input: &mut egui::RawInput) {
        if self.open.is_none() {
            return;
        }
        let taken = &mut self.taken;
        input.events.retain(|event| match event {
            egui::Event::Key {
                key:
                    key @ (egui::Key::ArrowUp
                    | egui::Key::ArrowDown
                    | egui::Key::Enter
                    | egui::Key::Tab
                    | egui::Key::Escape),
                pressed,
                modifiers,
                ..
            } if modifiers.is_none() => {
                if *pressed {
                    taken.push(*key);
                }
                false
            }
            _ => true,
        });
    }

    fn on_begin_pass(&mut self, _ui: &mut Ui) {
        self.seen = false;
    }

    fn on_end_pass(&mut self, _ui: &mut Ui) {
        // A field that is no longer shown closes its popup.
        if !self.seen {
            self.open = None;
            self.taken.clear();
        }
    }
}

/// What a field's popup remembers between frames.
#[derive(Debug, Clone, Default)]
struct PopupMemory {
    /// The word (and where it starts) the list was made for.
    word: (usize, String),
    /// The highlighted row.
    selected: usize,
    /// The text when Esc closed the popup: it stays closed until the text
    /// changes.
    dismissed: Option<String>,
    /// Where the popup was drawn: a click on it takes the focus from the
    /// field, and must still land.
    rect: Option<egui::Rect>,
}

/// The completion popup of a text edit that holds expressions: call it
/// right after showing the edit, with its response and text. While the
/// edit has focus and a function name (or a reachable name) is being typed
/// after `@` or inside `@{…}`, a list of matches shows under it: Up and
/// Down choose, Enter or Tab inserts, Esc closes, a click inserts. Returns
/// true when a completion was inserted into `text` (the cursor is moved
/// after it).
pub fn completion_popup(
    ui: &mut Ui,
    edit: &Response,
    text: &mut String,
    reachable: &Reachable,
) -> bool {
    let ctx = ui.ctx().clone();
    let id = edit.id;
    let keys_handle = ctx.plugin_or_default::<CompletionKeys>();
    let keys: Vec<egui::Key> = {
        let mut keys = keys_handle.lock();
        if keys.open == Some(id) {
            keys.seen = true;
            std::mem::take(&mut keys.taken)
        } else {
            Vec::new()
        }
    };
    let memory_id = id.with("expr-completion");
    let close = |ctx: &egui::Context| {
        let mut keys = keys_handle.lock();
        if keys.open == Some(id) {
            keys.open = None;
            keys.taken.clear();
        }
        drop(keys);
        ctx.data_mut(|d| d.remove::<PopupMemory>(memory_id));
    };
    let cursor = egui::TextEdit::load_state(&ctx, id)
        .and_then(|state| state.cursor.char_range())
        .map(|range| range.primary.index.0);
    let mut memory: PopupMemory = ctx.data(|d| d.get_temp(memory_id)).unwrap_or_default();
    // The pointer on the open popup keeps it open while a click on it takes
    // the focus from the field.
    let pointer_on_popup = memory.rect.is_some_and(|rect| {
        ctx.input(|i| i.pointer.interact_pos().or(i.pointer.hover_pos()))
            .is_some_and(|pos| rect.contains(pos))
    });
    let active = edit.has_focus() || pointer_on_popup;
    let found = match (active, cursor) {
        (true, Some(cursor)) => completion_word(text, cursor).map(|w| (cursor, w)),
        _ => None,
    };
    let Some((cursor, (start, word))) = found else {
        close(&ctx);
        return false;
    };
    let items = completions(&word, reachable);
    if items.is_empty() {
        close(&ctx);
        return false;
    }
    if memory.word != (start, word.clone()) {
        memory.word = (start, word.clone());
        memory.selected = 0;
    }
    if memory.dismissed.as_ref().is_some_and(|t| t != text) {
        memory.dismissed = None;
    }
    let n = items.len();
    memory.selected = memory.selected.min(n - 1);
    let mut chosen = None;
    for key in keys {
        match key {
            egui::Key::ArrowDown => memory.selected = (memory.selected + 1) % n,
            egui::Key::ArrowUp => memory.selected = (memory.selected + n - 1) % n,
            egui::Key::Enter | egui::Key::Tab => chosen = Some(memory.selected),
            egui::Key::Escape => memory.dismissed = Some(text.clone()),
            _ => {}
        }
    }
    if memory.dismissed.is_some() {
        ctx.data_mut(|d| d.insert_temp(memory_id, memory));
        let mut keys = keys_handle.lock();
        if keys.open == Some(id) {
            keys.open = None;
        }
        return false;
    }
    if chosen.is_none() {
        let popup_id = id.with("expr-completion-popup");
        let shown = egui::Area::new(popup_id)
            .order(egui::Order::Foreground)
            .fixed_pos(edit.rect.left_bottom() + egui::vec2(0.0, 2.0))
            .show(&ctx, |ui| {
                egui::Frame::popup(ui.style()).show(ui, |ui| {
                    ui.set_max_width(440.0);
                    ui.label(
                        egui::RichText::new(
                            "Completions: Up and Down choose, Enter or Tab inserts, Esc closes",
                        )
                        .weak()
                        .small(),
                    );
                    for (i, item) in items.iter().enumerate() {
                        let mut job = LayoutJob::default();
                        let body = egui::TextStyle::Body.resolve(ui.style());
                        let mono = egui::TextStyle::Monospace.resolve(ui.style());
                        job.append(
                            &item.label,
                            0.0,
                            TextFormat::simple(mono, ui.visuals().strong_text_color()),
                        );
                        job.append(
                            &format!(" — {}", item.detail),
                            0.0,
                            TextFormat::simple(body, ui.visuals().weak_text_color()),
                        );
                        let selected = i == memory.selected;
                        let r = ui.add(egui::Button::selectable(selected, job));
                        ui.ctx()
                            .accesskit_node_builder(r.id, |node| node.set_selected(selected));
                        if selected {
                            r.scroll_to_me(None);
                        }
                        if r.clicked() {
                            chosen = Some(i);
                        }
                    }
                });
            });
        memory.rect = Some(shown.response.rect);
    }
    if let Some(i) = chosen {
        let insert = &items[i].insert;
        let chars: Vec<char> = text.chars().collect();
        let end = cursor.min(chars.len());
        let mut s: String = chars[..start].iter().collect();
        s.push_str(insert);
        s.extend(chars[end..].iter());
        *text = s;
        let new_cursor = start + insert.chars().count();
        let mut state = egui::TextEdit::load_state(&ctx, id).unwrap_or_default();
        state
            .cursor
            .set_char_range(Some(CCursorRange::one(CCursor::new(new_cursor))));
        state.store(&ctx, id);
        ctx.memory_mut(|m| m.request_focus(id));
        close(&ctx);
        return true;
    }
    ctx.data_mut(|d| d.insert_temp(memory_id, memory));
    let mut keys = keys_handle.lock();
    keys.open = Some(id);
    keys.seen = true;
    false
}

/// Shows an expression field. `id` must be unique in the inspector (use the
/// field's JSON pointer). Returns the text edit's response; `changed()`
/// tells that the text changed (typed or completed).
pub fn show(
    ui: &mut Ui,
    id: &str,
    text: &mut String,
    cx: &ExprContext,
    theme: &Theme,
    multiline: bool,
    name: &str,
) -> Response {
    let font = if multiline {
        egui::TextStyle::Monospace.resolve(ui.style())
    } else {
        egui::TextStyle::Body.resolve(ui.style())
    };
    let findings = cx.findings.clone();
    let theme2 = theme.clone();
    let mut layouter = move |ui: &Ui, buf: &dyn TextBuffer, wrap: f32| -> Arc<egui::Galley> {
        let job = layout_job(buf.as_str(), &findings, &theme2, font.clone(), wrap);
        ui.fonts_mut(|f| f.layout_job(job))
    };
    let edit = if multiline {
        egui::TextEdit::multiline(text).desired_rows(4)
    } else {
        egui::TextEdit::singleline(text)
    };
    let output = edit
        .id_salt(("expr-field", id))
        .desired_width(f32::INFINITY)
        .layouter(&mut layouter)
        .show(ui);
    let mut response = output.response.response.clone().accessible_name(name);

    // Hovering an underlined part shows the finding's message.
    if response.hovered() && !cx.findings.is_empty() {
        let msgs: Vec<String> = cx
            .findings
            .iter()
            .map(|f| format!("column {}: {}", f.span.start + 1, f.message))
            .collect();
        response = response.on_hover_text(msgs.join("\n"));
    }

    if completion_popup(ui, &response, text, &cx.reachable) {
        response.mark_changed();
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_follow_the_syntax() {
        let t = "@concat('a', 1)";
        let c = classify(t);
        assert_eq!(c[0], Class::Punct);
        assert_eq!(c[1], Class::Function); // c of concat
        assert_eq!(c[8], Class::Str); // 'a'
        assert_eq!(c[13], Class::Constant); // 1
        let t = "id @{body('A')?.id} end";
        let c = classify(t);
        assert_eq!(c[0], Class::Text);
        assert_eq!(c[3], Class::Punct); // @
        assert_eq!(c[5], Class::Function); // b of body
        assert_eq!(c[16], Class::Property); // i of id
        assert_eq!(c[c.len() - 1], Class::Text);
    }

    #[test]
    fn completion_offers_reachable_names_and_functions() {
        let r = Reachable {
            parameters: vec!["tenantId".into()],
            actions: vec!["Get_status".into()],
            ..Reachable::default()
        };
        let items = completions("par", &r);
        assert_eq!(items[0].insert, "parameters('tenantId')");
        assert!(completions("bo", &r)
            .iter()
            .any(|c| c.insert == "body('Get_status')"));
        let concat = completions("conc", &r);
        let concat = concat.iter().find(|c| c.insert == "concat(").unwrap();
        assert!(concat.label.starts_with("concat("));
        assert!(!concat.detail.is_empty());
        assert!(completions("zzz", &r).is_empty());
        assert!(completions("", &r).len() <= MAX_COMPLETIONS);
    }

    #[test]
    fn completion_word_only_where_a_function_can_stand() {
        let w = |t: &str| completion_word(t, t.chars().count());
        assert_eq!(w("@conc"), Some((1, "conc".to_owned())));
        assert_eq!(w("@concat('a', to"), Some((13, "to".to_owned())));
        assert_eq!(w("@if(equals(1, 1), tr"), Some((18, "tr".to_owned())));
        assert_eq!(w("Order @{trig"), Some((8, "trig".to_owned())));
        assert_eq!(w("a @{x} and @{ form"), Some((14, "form".to_owned())));
        // Plain text, literals, strings, properties, numbers: nothing.
        assert_eq!(w("conc"), None);
        assert_eq!(w("@@conc"), None);
        assert_eq!(w("a @{x} conc"), None);
        assert_eq!(w("@concat('conc"), None);
        assert_eq!(w("@concat('it''s', to"), Some((17, "to".to_owned())));
        assert_eq!(w("@body('A').sta"), None);
        assert_eq!(w("@body('A')?['x']"), None);
        assert_eq!(w("@add(1, 2"), None);
        assert_eq!(w("@"), None);
        assert_eq!(w(""), None);
        // The cursor in the middle: the word before it.
        assert_eq!(completion_word("@concat", 4), Some((1, "con".to_owned())));
        assert_eq!(completion_word("x @{y}", 2), None);
        assert_eq!(completion_word("@conc", 99), Some((1, "conc".to_owned())));
        assert_eq!(w("@é"), Some((1, "é".to_owned())));
    }

    proptest::proptest! {
        #[test]
        fn completion_word_is_a_slice_before_the_cursor(
            text in "[@{}()',.?a-z0-9 é]{0,24}",
            cursor in 0usize..30,
        ) {
            if let Some((start, word)) = completion_word(&text, cursor) {
                let chars: Vec<char> = text.chars().collect();
                let end = start + word.chars().count();
                proptest::prop_assert!(!word.is_empty());
                proptest::prop_assert_eq!(end, cursor.min(chars.len()));
                let slice: String = chars[start..end].iter().collect();
                proptest::prop_assert_eq!(slice, word);
            }
        }
    }
}
