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

/// The word being typed before the cursor (letters, digits and `_`), with
/// where it starts, in characters.
fn word_before(text: &str, cursor: usize) -> (usize, String) {
    let chars: Vec<char> = text.chars().collect();
    let end = cursor.min(chars.len());
    let mut start = end;
    while start > 0 && (chars[start - 1].is_alphanumeric() || chars[start - 1] == '_') {
        start -= 1;
    }
    (start, chars[start..end].iter().collect())
}

/// Completions for a word: functions whose name starts with it, and calls
/// naming what can be reached from here (`parameters('x')`, `body('A')`…).
pub fn completions(word: &str, reachable: &Reachable) -> Vec<(String, String)> {
    let w = word.to_lowercase();
    let mut out: Vec<(String, String)> = Vec::new();
    let mut add = |insert: String, detail: String| {
        if insert.to_lowercase().starts_with(&w) || detail.to_lowercase().contains(&w) {
            out.push((insert, detail));
        }
    };
    for p in &reachable.parameters {
        add(
            format!("parameters('{}')", p.replace('\'', "''")),
            format!("parameter {p}"),
        );
    }
    for a in &reachable.actions {
        let q = a.replace('\'', "''");
        add(format!("body('{q}')"), format!("body of {a}"));
        add(format!("outputs('{q}')"), format!("outputs of {a}"));
    }
    for v in &reachable.variables {
        add(
            format!("variables('{}')", v.replace('\'', "''")),
            format!("variable {v}"),
        );
    }
    for l in &reachable.loops {
        add(
            format!("items('{}')", l.replace('\'', "''")),
            format!("current item of {l}"),
        );
    }
    if reachable.item {
        add("item()".into(), "current item".into());
    }
    // Functions last, but always: the list is cut to what fits.
    for f in registry::completions(word) {
        out.push((format!("{}(", f.name), f.signature.to_string()));
    }
    out.truncate(12);
    out
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
    let mut output = edit
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

    // Completion: while focused, offer what starts with the word before the cursor.
    if response.has_focus() {
        if let Some(range) = output.cursor_range {
            let cursor = range.primary.index.0;
            let in_expr = text.starts_with('@') || text.contains("@{");
            let (start, word) = word_before(text, cursor);
            if in_expr && !word.is_empty() {
                let items = completions(&word, &cx.reachable);
                if !items.is_empty() {
                    let tab =
                        ui.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Tab));
                    let mut chosen = if tab { Some(items[0].0.clone()) } else { None };
                    let popup_id = ui.make_persistent_id(("expr-complete", id));
                    egui::Area::new(popup_id)
                        .order(egui::Order::Foreground)
                        .fixed_pos(response.rect.left_bottom() + egui::vec2(0.0, 2.0))
                        .show(ui.ctx(), |ui| {
                            egui::Frame::popup(ui.style()).show(ui, |ui| {
                                ui.set_max_width(360.0);
                                ui.weak("Tab completes the first");
                                for (insert, detail) in &items {
                                    let r = ui.add(
                                        egui::Button::new(egui::RichText::new(insert).monospace())
                                            .frame(false),
                                    );
                                    let r = r.on_hover_text(detail);
                                    if r.clicked() {
                                        chosen = Some(insert.clone());
                                    }
                                }
                            });
                        });
                    if let Some(insert) = chosen {
                        let chars: Vec<char> = text.chars().collect();
                        let end = cursor.min(chars.len());
                        let mut s: String = chars[..start].iter().collect();
                        s.push_str(&insert);
                        s.extend(chars[end..].iter());
                        *text = s;
                        let new_cursor = start + insert.chars().count();
                        output
                            .state
                            .cursor
                            .set_char_range(Some(CCursorRange::one(CCursor::new(new_cursor))));
                        output.state.store(ui.ctx(), output.response.response.id);
                        response.mark_changed();
                        response.request_focus();
                    }
                }
            }
        }
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
        assert_eq!(items[0].0, "parameters('tenantId')");
        assert!(completions("bo", &r)
            .iter()
            .any(|(i, _)| i == "body('Get_status')"));
        assert!(completions("conc", &r).iter().any(|(i, _)| i == "concat("));
        assert_eq!(word_before("@conc", 5), (1, "conc".to_owned()));
    }
}
