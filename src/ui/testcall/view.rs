//! Drawing the Test tab: the Send bar, the call options, the parameters
//! form, the answer (status, diagnosis, timings with their legend, body,
//! headers, request) and the history. The whole tab scrolls.

use super::{fingerprint, form, BodyTab, TestCalls};
use crate::invoke::{report, Diagnosis, Outcome};
use crate::ui::theme::Theme;
use crate::workflow::Document;
use egui::{Color32, RichText, Ui};
use serde_json::Value;
use std::path::PathBuf;

/// How much of a text body is drawn.
const SHOWN_TEXT: usize = 64 * 1024;
/// How many JSON nodes the body tree draws.
const SHOWN_NODES: usize = 3000;

fn status_color(theme: &Theme, status: u16) -> Color32 {
    match status {
        200..=299 => Color32::from_rgb(0x3f, 0xb9, 0x50),
        300..=399 => theme.warning,
        _ => theme.error,
    }
}

/// The Test tab for the HTTP action `action`, whose JSON is
/// `action_value`: it scrolls as a whole.
pub fn show(
    ui: &mut Ui,
    t: &mut TestCalls,
    doc: &Document,
    wf: usize,
    action: &str,
    action_value: Option<&Value>,
    theme: &Theme,
) {
    t.use_file(doc.path.as_ref());
    // The Send bar stays in view; the rest scrolls under it.
    let send = send_bar(ui, t, action);
    egui::ScrollArea::vertical()
        .id_salt("test-tab-scroll")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            tab(ui, t, doc, wf, action, action_value, theme, send)
        });
}

/// Send, Cancel and the elapsed time; true when Send was asked for (the
/// button or Ctrl+Enter).
fn send_bar(ui: &mut Ui, t: &mut TestCalls, action: &str) -> bool {
    let running_here = t.running.as_ref().map(|r| r.action.as_str()) == Some(action);
    let mut send = false;
    ui.horizontal(|ui| {
        let can_send = t.running.is_none();
        if ui
            .add_enabled(can_send, egui::Button::new("▶ Send"))
            .on_hover_text("Send this request for real (Ctrl+Enter)")
            .accessible_name("Send")
            .clicked()
        {
            send = true;
        }
        if ui
            .add_enabled(running_here, egui::Button::new("⏹ Cancel"))
            .accessible_name("Cancel call")
            .clicked()
        {
            t.cancel();
        }
        if let Some(r) = &t.running {
            ui.add(egui::Spinner::new());
            let what = if r.action == action {
                String::new()
            } else {
                format!(" ({})", r.action)
            };
            ui.label(format!(
                "Elapsed {:.1} s{what}",
                r.started.elapsed().as_secs_f64()
            ));
        }
    });
    if ui.input(|i| i.modifiers.command && i.key_pressed(egui::Key::Enter)) && t.running.is_none() {
        send = true;
    }
    send
}

#[allow(clippy::too_many_arguments)]
fn tab(
    ui: &mut Ui,
    t: &mut TestCalls,
    doc: &Document,
    wf: usize,
    action: &str,
    action_value: Option<&Value>,
    theme: &Theme,
    mut send: bool,
) {
    let running_here = t.running.as_ref().map(|r| r.action.as_str()) == Some(action);
    egui::CollapsingHeader::new("Call options")
        .default_open(false)
        .show(ui, |ui| {
            ui.checkbox(&mut t.options.follow_redirects, "Follow redirects");
            ui.horizontal(|ui| {
                ui.label("Entra token endpoint");
                ui.radio_value(&mut t.options.v2, false, "v1 (resource)");
                ui.radio_value(&mut t.options.v2, true, "v2 (scope)");
            });
            ui.horizontal(|ui| {
                let label = ui.label("Timeout");
                ui.add(
                    egui::DragValue::new(&mut t.options.timeout_s)
                        .range(1..=600)
                        .suffix(" s"),
                )
                .labelled_by(label.id);
            });
            labelled_field(
                ui,
                "Parameters file",
                egui::TextEdit::singleline(&mut t.options.params_file)
                    .hint_text("optional: parameters.json"),
            );
            labelled_field(
                ui,
                "Trust CA file",
                egui::TextEdit::singleline(&mut t.options.ca_file)
                    .hint_text("optional: a PEM file, added to the system's CAs"),
            );
            labelled_field(
                ui,
                "Managed identity token",
                egui::TextEdit::singleline(&mut t.options.user_token)
                    .password(true)
                    .hint_text("only for ManagedServiceIdentity"),
            );
            ui.weak("Secrets come from the form above (this session), LAPIS_SECRET_<NAME>, then the keychain.");
        });

    // Parameters and secrets, filled before Send.
    if form::show(ui, t, doc, wf, action, action_value) {
        send = true;
    }
    if send {
        t.send(doc.clone(), wf, action.to_owned(), ui.ctx().clone());
    }

    if let Some(e) = t.errors.get(action) {
        // A label's text is what a screen reader reads: it says "Error".
        if e == super::CANCELLED {
            ui.colored_label(theme.warning, format!("⏹ {e}"));
        } else {
            ui.colored_label(theme.error, format!("✖ Error: {e}"));
        }
    }
    let history_note = t.history_note.lock().ok().and_then(|n| n.clone());
    if let Some(n) = history_note {
        ui.colored_label(theme.warning, n);
    }
    let keychain = t.keychain_note.lock().ok().and_then(|n| n.clone());
    match keychain {
        Some(Ok(m)) => {
            ui.weak(format!("🔒 {m}"));
        }
        Some(Err(m)) => {
            ui.colored_label(theme.warning, format!("🔒 {m}"));
        }
        None => {}
    }
    ui.separator();
    let Some(entry) = t.results.get(action).cloned() else {
        if !running_here {
            ui.weak("Send the request to see the answer here. The token, the request and the timings are shown with it.");
        }
        history(ui, t, doc, wf, action);
        return;
    };
    let o = &entry.outcome;
    let now = fingerprint(action_value, doc.definition(wf).get("parameters"), &t.form);
    let stale = entry.fingerprint != now;
    if stale {
        // The diagnosis spoke of settings that are no longer there.
        ui.label(RichText::new("Stale result").strong().color(theme.warning));
        ui.colored_label(
            theme.warning,
            "⚠ This answer is for an earlier version of the request (the action or its parameters changed since); its diagnosis is hidden. Send again to see the current one.",
        );
    } else {
        if let Some(d) = &o.diagnosis {
            diagnosis(ui, d, theme, theme.error);
        }
        for n in &o.notes {
            diagnosis(ui, n, theme, theme.warning);
        }
    }
    ui.horizontal(|ui| {
        match &o.response {
            Some(r) => {
                ui.label(
                    RichText::new(format!("{} {}", r.status, r.reason))
                        .strong()
                        .size(18.0)
                        .color(status_color(theme, r.status)),
                )
                .accessible_name("Status");
                ui.weak(format!("{} · {}", r.version, size(r.body_len)));
            }
            None => {
                ui.label(
                    RichText::new("No answer")
                        .strong()
                        .size(18.0)
                        .color(theme.error),
                )
                .accessible_name("Status");
            }
        }
        if ui.button("Copy as cURL").clicked() {
            ui.ctx().copy_text(entry.curl.clone());
        }
    });
    if let Some(r) = &o.response {
        // The answer (as shown: a body echoing a secret stays redacted)
        // as a mock in a test file, or as the action's static result.
        ui.horizontal(|ui| {
            let answer = || crate::ui::tests_panel::Answer {
                action: action.to_owned(),
                status: r.status,
                reason: r.reason.clone(),
                headers: r.headers.clone(),
                body: (*entry.body).clone(),
            };
            if ui
                .button("Use as mock in a test…")
                .on_hover_text("Add this answer as the action's mock to a test file")
                .clicked()
            {
                t.use_answer = Some((answer(), true));
            }
            if ui
                .button("Use as static result")
                .on_hover_text("Write this answer into the definition's staticResults and enable it on the action (undoable)")
                .clicked()
            {
                t.use_answer = Some((answer(), false));
            }
        });
    }
    timings(ui, o, theme);
    if let Some(tk) = &o.token {
        let until = tk
            .expires_at
            .as_deref()
            .map(|e| format!(", valid until {e}"))
            .unwrap_or_default();
        ui.weak(if tk.cached {
            format!("Token from the cache (issued by {}{until})", tk.endpoint)
        } else {
            format!("Token requested from {}{until}", tk.endpoint)
        });
    }
    ui.horizontal(|ui| {
        ui.selectable_value(&mut t.body_tab, BodyTab::Body, "Body");
        ui.selectable_value(&mut t.body_tab, BodyTab::Headers, "Headers");
        ui.selectable_value(&mut t.body_tab, BodyTab::Request, "Request");
    });
    ui.push_id("test-answer", |ui| match t.body_tab {
        BodyTab::Body => body(ui, o, &entry.body, &mut t.saving, theme),
        BodyTab::Headers => {
            if let Some(r) = &o.response {
                header_grid(ui, "resp-headers", &r.headers);
            }
        }
        BodyTab::Request => {
            ui.label(RichText::new(format!("{} {}", o.request.method, o.request.url)).monospace());
            // The action's own headers first; what Logic Apps adds to
            // every call folded below them.
            let (platform, own): (Vec<_>, Vec<_>) = o
                .request
                .headers
                .iter()
                .cloned()
                .partition(|(k, _)| crate::invoke::prepare::is_platform_header(k));
            header_grid(ui, "req-headers", &own);
            if !platform.is_empty() {
                egui::CollapsingHeader::new(format!(
                    "Added by Logic Apps to every call ({})",
                    platform.len()
                ))
                .id_salt("req-platform-headers")
                .default_open(false)
                .show(ui, |ui| header_grid(ui, "req-platform", &platform));
            }
            if let Some(b) = &o.request.body {
                ui.label(RichText::new(b).monospace());
            }
        }
    });
    history(ui, t, doc, wf, action);
}

fn diagnosis(ui: &mut Ui, d: &Diagnosis, _theme: &Theme, color: Color32) {
    egui::Frame::group(ui.style())
        .stroke(egui::Stroke::new(1.0, color))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(RichText::new(&d.message).strong().color(color))
                .accessible_name("Diagnosis");
            if let Some(a) = &d.aadsts {
                // The headline already says what the code means: the code
                // alone, unless the meaning is not in it.
                if d.message.contains(&a.meaning) {
                    ui.label(format!("Entra error code AADSTS{}", a.code));
                } else {
                    ui.label(format!("AADSTS{}: {}", a.code, a.meaning));
                }
            }
            if let Some(h) = &d.hint {
                ui.label(format!("💡 {h}"));
            }
            if !d.evidence.is_empty() {
                ui.add_space(4.0);
                ui.label(RichText::new("Evidence").strong());
                for e in &d.evidence {
                    ui.add(
                        egui::Label::new(RichText::new(e).monospace())
                            .selectable(true)
                            .wrap(),
                    );
                }
            }
        });
}

fn size(n: u64) -> String {
    match n {
        0..1024 => format!("{n} B"),
        1024..1_048_576 => format!("{:.1} KiB", n as f64 / 1024.0),
        _ => format!("{:.1} MiB", n as f64 / 1_048_576.0),
    }
}

/// The phases as a bar, then its legend: each phase's colour, name and
/// time, and the total. reqwest times TCP, a proxy tunnel and TLS as one
/// step: the legend says "connect + TLS" for an https call.
fn timings(ui: &mut Ui, o: &Outcome, theme: &Theme) {
    let t = &o.timings;
    let cached = o.token.as_ref().is_some_and(|tk| tk.cached);
    let https = o.request.url.to_ascii_lowercase().starts_with("https:");
    let connect = if t.tls.is_none() && https {
        "connect + TLS"
    } else {
        "connect"
    };
    let phases = [
        ("token", t.token, theme.accent),
        ("dns", t.dns, Color32::from_rgb(0x8e, 0x7c, 0xc3)),
        (connect, t.connect, Color32::from_rgb(0xd2, 0x99, 0x22)),
        ("tls", t.tls, Color32::from_rgb(0xc0, 0x5c, 0x7e)),
        (
            "first byte",
            t.first_byte,
            Color32::from_rgb(0x3f, 0xb9, 0x50),
        ),
        ("download", t.download, Color32::from_rgb(0x2f, 0xb5, 0xa8)),
    ];
    let total = t.total.max(0.001);
    let width = ui.available_width().min(360.0);
    let (rect, _) = ui.allocate_exact_size(egui::vec2(width, 8.0), egui::Sense::hover());
    let p = ui.painter();
    p.rect_filled(rect, 2.0, theme.badge_bg);
    let mut x = rect.left();
    for (_, v, c) in phases {
        if let Some(v) = v {
            let w = ((v / total) as f32 * rect.width()).clamp(0.0, (rect.right() - x).max(0.0));
            let r =
                egui::Rect::from_min_size(egui::pos2(x, rect.top()), egui::vec2(w, rect.height()));
            p.rect_filled(r, 0.0, c);
            x += w;
        }
    }
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing.x = 4.0;
        for (name, v, c) in phases {
            let Some(v) = v else { continue };
            // The colour and its name wrap as one.
            ui.horizontal(|ui| {
                let (r, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
                ui.painter().rect_filled(r, 2.0, c);
                if name == "token" && cached {
                    ui.label("token cached");
                } else {
                    ui.label(format!("{name} {v:.0} ms"));
                }
            });
            ui.add_space(8.0);
        }
        ui.label(RichText::new(format!("total {:.0} ms", t.total)).strong());
    });
}

fn header_grid(ui: &mut Ui, id: &str, headers: &[(String, String)]) {
    egui::Grid::new(id)
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            for (k, v) in headers {
                ui.label(RichText::new(k).monospace().strong());
                ui.add(egui::Label::new(RichText::new(v).monospace()).wrap());
                ui.end_row();
            }
        });
}

/// "Save body": the path typed, and how the last save went (it runs on
/// its own thread: a large body must not stop the window).
#[derive(Default)]
pub struct SaveBody {
    /// The target path, as typed.
    pub path: String,
    /// `Ok(message)` or `Err(message)` of the last save; `None` while one
    /// runs or before any.
    pub status: std::sync::Arc<std::sync::Mutex<Option<Result<String, String>>>>,
}

impl SaveBody {
    /// Copies `from` to the typed path atomically (a temporary file beside
    /// the target, then a rename), on another thread.
    pub fn start(&mut self, from: PathBuf, ctx: egui::Context) {
        let target = PathBuf::from(self.path.trim());
        let status = self.status.clone();
        if let Ok(mut s) = status.lock() {
            *s = None;
        }
        std::thread::spawn(move || {
            let result = (|| -> std::io::Result<u64> {
                let dir = target
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or_else(|| std::path::Path::new("."));
                let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
                let mut src = std::fs::File::open(&from)?;
                let n = std::io::copy(&mut src, tmp.as_file_mut())?;
                tmp.as_file().sync_all()?;
                tmp.persist(&target).map_err(|e| e.error)?;
                Ok(n)
            })();
            let msg = match result {
                Ok(n) => Ok(format!("Saved {} to {}", size(n), target.display())),
                Err(e) => Err(format!("{}: {e}", target.display())),
            };
            if let Ok(mut s) = status.lock() {
                *s = Some(msg);
            }
            ctx.request_repaint();
        });
    }
}

fn body(ui: &mut Ui, o: &Outcome, shown: &Value, saving: &mut SaveBody, theme: &Theme) {
    let Some(r) = &o.response else {
        if let Some(f) = &o.failure {
            use crate::invoke::transport::{failure_kind, failure_text};
            ui.label(format!("{}: {}", failure_kind(f), failure_text(f)));
            // Entra's error body, as it came (redacted).
            if let crate::invoke::Failure::Token(t) = f {
                if let Some(e) = &t.entra {
                    let text = serde_json::to_string_pretty(e).unwrap_or_default();
                    ui.add(egui::Label::new(RichText::new(text).monospace()).wrap());
                }
            }
        }
        return;
    };
    if let Some(path) = &r.spilled_to {
        ui.weak(format!(
            "The body is {}; the first {} are shown. The whole body is in {}.",
            size(r.body_len),
            size(r.body.len() as u64),
            path.display()
        ));
        ui.horizontal(|ui| {
            ui.add(
                egui::TextEdit::singleline(&mut saving.path)
                    .hint_text("save as…")
                    .desired_width(200.0),
            )
            .accessible_name("Save body as");
            if ui
                .add_enabled(
                    !saving.path.trim().is_empty(),
                    egui::Button::new("Save body"),
                )
                .clicked()
            {
                saving.start(path.clone(), ui.ctx().clone());
            }
        });
        let status = saving.status.lock().ok().and_then(|s| s.clone());
        match status {
            Some(Ok(m)) => {
                ui.colored_label(status_color(theme, 200), m);
            }
            Some(Err(m)) => {
                ui.colored_label(theme.error, m);
            }
            None => {}
        }
    }
    match shown {
        Value::Null => {
            ui.weak("(no body)");
        }
        Value::String(s) => {
            let text = if s.len() > SHOWN_TEXT {
                let mut end = SHOWN_TEXT;
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                &s[..end]
            } else {
                s.as_str()
            };
            ui.add(egui::Label::new(RichText::new(text).monospace()).wrap())
                .accessible_name("Response body");
        }
        v if v.get("$content").is_some() && v.get("$content-type").is_some() => {
            ui.label(
                RichText::new(report::hex_dump(&r.body[..r.body.len().min(4096)])).monospace(),
            )
            .accessible_name("Response body");
        }
        v => {
            let mut budget = SHOWN_NODES;
            ui.push_id("json-body", |ui| json_tree(ui, None, v, &mut budget, 0));
            // The whole JSON, for copying and for screen readers.
            ui.collapsing("Raw JSON", |ui| {
                ui.label(
                    RichText::new(serde_json::to_string_pretty(v).unwrap_or_default()).monospace(),
                )
                .accessible_name("Response body");
            });
        }
    }
}

/// A folding tree of a JSON value.
fn json_tree(ui: &mut Ui, key: Option<&str>, v: &Value, budget: &mut usize, depth: usize) {
    if *budget == 0 {
        return;
    }
    *budget -= 1;
    let label = |k: Option<&str>| k.map(|k| format!("{k}: ")).unwrap_or_default();
    match v {
        Value::Object(m) => {
            egui::CollapsingHeader::new(format!("{}{{…}} {} keys", label(key), m.len()))
                .id_salt((key, depth, m.len()))
                .default_open(depth < 2)
                .show(ui, |ui| {
                    for (k, x) in m {
                        json_tree(ui, Some(k), x, budget, depth + 1);
                    }
                });
        }
        Value::Array(a) => {
            egui::CollapsingHeader::new(format!("{}[…] {} items", label(key), a.len()))
                .id_salt((key, depth, a.len()))
                .default_open(depth < 2)
                .show(ui, |ui| {
                    for (i, x) in a.iter().enumerate() {
                        json_tree(ui, Some(&i.to_string()), x, budget, depth + 1);
                    }
                });
        }
        scalar => {
            ui.label(RichText::new(format!("{}{scalar}", label(key))).monospace());
        }
    }
}

/// The history of this workflow file, oldest first like a network log (the
/// newest call is the last row): each row names its status, or for a
/// failed call why it failed, and can be sent again.
fn history(ui: &mut Ui, t: &mut TestCalls, doc: &Document, wf: usize, action: &str) {
    if t.history.is_empty() {
        return;
    }
    let mut pick = None;
    let mut again = None;
    let idle = t.running.is_none();
    egui::CollapsingHeader::new(format!("History ({})", t.history.len()))
        .id_salt("test-history")
        .default_open(false)
        .show(ui, |ui| {
            for (i, row) in t.history.iter().enumerate() {
                let r = &row.record;
                let status = match r.status {
                    Some(s) => s.to_string(),
                    None => "no answer".into(),
                };
                let time = r.started_at.get(11..19).unwrap_or(&r.started_at);
                let mut text = format!("{time}  {}  {status}  {:.0} ms", r.action, r.total_ms);
                if let Some(f) = &r.failure {
                    text.push_str(&format!("  ✖ {f}"));
                }
                ui.horizontal(|ui| {
                    if ui
                        .add_enabled(idle, egui::Button::new("↻").small())
                        .on_hover_text("Send this action again")
                        .accessible_name("Send again")
                        .clicked()
                    {
                        again = Some(r.action.clone());
                    }
                    let label = egui::Button::selectable(false, text.clone())
                        .wrap_mode(egui::TextWrapMode::Wrap);
                    let resp = ui.add(label).accessible_name(text);
                    let resp = if row.entry.is_none() {
                        resp.on_hover_text(format!(
                            "{} {} (from an earlier session){}",
                            r.method,
                            r.url,
                            r.body
                                .as_deref()
                                .map(|b| format!("\n\n{}", &b[..b.len().min(600)]))
                                .unwrap_or_default()
                        ))
                    } else {
                        resp
                    };
                    if resp.clicked() {
                        pick = Some(i);
                    }
                });
            }
        });
    if let Some(i) = pick {
        // The call's result goes beside its action; another action is
        // selected to show it.
        let row = t.history[i].clone();
        let name = row.record.action.clone();
        if name != action {
            t.goto = Some(name.clone());
        }
        if let Some(e) = row.entry {
            t.results.insert(name, e);
        }
    }
    if let Some(name) = again {
        if name != action {
            t.goto = Some(name.clone());
        }
        t.send(doc.clone(), wf, name, ui.ctx().clone());
    }
}

/// A one-line text field after its label, named by it for a screen reader.
fn labelled_field(ui: &mut egui::Ui, label: &str, edit: egui::TextEdit<'_>) {
    ui.horizontal(|ui| {
        let label = ui.label(label);
        ui.add(edit.desired_width(200.0)).labelled_by(label.id);
    });
}
