//! The Test tab of an HTTP action: send it for real, keep the window
//! drawing while the call runs, and show the answer and the diagnosis
//! beside the action.
//!
//! Calls run on a tokio runtime that the tab starts the first time it is
//! used; the answer comes back over a channel and the task asks for a
//! repaint. Nothing here blocks a frame: even parameter resolution (which
//! may read the OS keychain) runs on the runtime's blocking pool.

use super::theme::Theme;
use crate::invoke::prepare::{self, PrepareError};
use crate::invoke::token::TokenCache;
use crate::invoke::{self, report, CallOptions, Diagnosis, Outcome, TokenEndpoint};
use crate::secrets::{Secret, SecretStore};
use crate::workflow::Document;
use egui::{Color32, RichText, Ui};
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How many calls the history keeps.
const HISTORY: usize = 50;
/// How much of a text body is drawn.
const SHOWN_TEXT: usize = 64 * 1024;
/// How many JSON nodes the body tree draws.
const SHOWN_NODES: usize = 3000;

/// Options of the next call, as the tab shows them.
#[derive(Clone)]
pub struct TestOptions {
    /// Follow redirects.
    pub follow_redirects: bool,
    /// Use Entra's v2 token endpoint.
    pub v2: bool,
    /// Timeout, seconds.
    pub timeout_s: u64,
    /// A parameters file (ARM, Standard or plain), as typed.
    pub params_file: String,
    /// For ManagedServiceIdentity: a token the user supplies.
    pub user_token: String,
    /// A PEM file of CA certificates to trust besides the system's (a
    /// corporate or private CA), as typed.
    pub ca_file: String,
}

impl Default for TestOptions {
    fn default() -> Self {
        TestOptions {
            follow_redirects: false,
            v2: false,
            timeout_s: 100,
            params_file: String::new(),
            user_token: String::new(),
            ca_file: String::new(),
        }
    }
}

impl std::fmt::Debug for TestOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestOptions")
            .field("follow_redirects", &self.follow_redirects)
            .field("v2", &self.v2)
            .field("timeout_s", &self.timeout_s)
            .field("params_file", &self.params_file)
            .field("ca_file", &self.ca_file)
            .field("user_token", &mask(&self.user_token))
            .finish()
    }
}

/// What Debug shows of a typed secret: whether there is one.
fn mask(value: &str) -> &'static str {
    if value.is_empty() {
        ""
    } else {
        crate::secrets::MASK
    }
}

enum Msg {
    Done(Box<Outcome>, String),
    NeedSecret(String),
    Failed(String),
}

struct Running {
    action: String,
    started: Instant,
    rx: mpsc::Receiver<Msg>,
    abort: tokio::task::AbortHandle,
}

/// The masked prompt for a secret the call needs.
#[derive(Clone, Default)]
pub struct SecretPrompt {
    /// The secure parameter's name.
    pub name: String,
    /// What is typed (never drawn in clear).
    pub value: String,
    /// Remember it in the OS keychain.
    pub remember: bool,
    /// The action to send once it is given.
    pub action: String,
}

impl std::fmt::Debug for SecretPrompt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretPrompt")
            .field("name", &self.name)
            .field("value", &mask(&self.value))
            .field("remember", &self.remember)
            .field("action", &self.action)
            .finish()
    }
}

/// One call of the session's history.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    /// The outcome (shared: a frame borrows it, never copies the body).
    pub outcome: std::sync::Arc<Outcome>,
    /// "Copy as cURL" of the request.
    pub curl: String,
    /// The body as shown (JSON, text or binary), parsed once.
    pub body: std::sync::Arc<Value>,
}

/// Test calls of the session.
pub struct TestCalls {
    runtime: Option<tokio::runtime::Runtime>,
    /// Tokens of this session.
    pub cache: TokenCache,
    /// Secrets of this session (then the environment, then the keychain).
    pub store: SecretStore,
    /// Options of the next call.
    pub options: TestOptions,
    running: Option<Running>,
    /// The latest outcome per action name.
    pub results: HashMap<String, HistoryEntry>,
    /// Every call of the session, oldest first.
    pub history: Vec<HistoryEntry>,
    /// A secret being asked for.
    pub prompt: Option<SecretPrompt>,
    /// Why the last call could not start, per action.
    pub errors: HashMap<String, String>,
    /// Frames drawn while a call was running (shown for tests and
    /// diagnostics: the window keeps drawing).
    pub frames_while_running: u64,
    body_tab: BodyTab,
    saving: SaveBody,
    /// An action to select (a history row of another action was picked).
    pub goto: Option<String>,
    /// How the last "remember in the keychain" went.
    pub keychain_note: std::sync::Arc<std::sync::Mutex<Option<Result<String, String>>>>,
    /// Where large bodies go during this session (0700, removed when the
    /// designer closes: a body may hold what a backend echoed).
    spill: Option<tempfile::TempDir>,
}

impl Default for TestCalls {
    fn default() -> Self {
        TestCalls {
            runtime: None,
            cache: TokenCache::new(),
            store: SecretStore::new(),
            options: TestOptions::default(),
            running: None,
            results: HashMap::new(),
            history: Vec::new(),
            prompt: None,
            errors: HashMap::new(),
            frames_while_running: 0,
            body_tab: BodyTab::default(),
            saving: SaveBody::default(),
            goto: None,
            keychain_note: Default::default(),
            spill: None,
        }
    }
}

impl std::fmt::Debug for TestCalls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCalls")
            .field("running", &self.running.as_ref().map(|r| &r.action))
            .field("results", &self.results.len())
            .field("history", &self.history.len())
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum BodyTab {
    #[default]
    Body,
    Headers,
    Request,
}

impl TestCalls {
    /// True while a call is in flight.
    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// The latest outcome of `action`.
    pub fn result(&self, action: &str) -> Option<&Outcome> {
        self.results.get(action).map(|e| &*e.outcome)
    }

    fn runtime(&mut self) -> Result<&tokio::runtime::Runtime, String> {
        if self.runtime.is_none() {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("lapis-net")
                .enable_all()
                .build()
                .map_err(|e| format!("cannot start the network runtime: {e}"))?;
            self.runtime = Some(rt);
        }
        Ok(self.runtime.as_ref().expect("just built"))
    }

    fn call_options(&mut self) -> CallOptions {
        if self.spill.is_none() {
            self.spill = tempfile::Builder::new()
                .prefix("lapis-bodies-")
                .tempdir()
                .ok();
        }
        CallOptions {
            spill_dir: self.spill.as_ref().map(|d| d.path().to_path_buf()),
            timeout: Duration::from_secs(self.options.timeout_s.max(1)),
            follow_redirects: self.options.follow_redirects,
            token_endpoint: if self.options.v2 {
                TokenEndpoint::V2
            } else {
                TokenEndpoint::V1
            },
            user_token: (!self.options.user_token.is_empty())
                .then(|| Secret::new(self.options.user_token.clone())),
            ..CallOptions::default()
        }
    }

    /// Sends `action` of workflow `wf` of `doc`. The answer arrives in a
    /// later frame; `ctx` is asked to repaint when it does.
    pub fn send(&mut self, doc: Document, wf: usize, action: String, ctx: egui::Context) {
        if self.running.is_some() {
            return;
        }
        self.errors.remove(&action);
        let store = self.store.clone();
        let cache = self.cache.clone();
        let mut options = self.call_options();
        let params_file = self.options.params_file.trim().to_owned();
        let ca_file = self.options.ca_file.trim().to_owned();
        let (tx, rx) = mpsc::channel();
        let name = action.clone();
        let rt = match self.runtime() {
            Ok(rt) => rt,
            Err(e) => {
                self.errors.insert(action, e);
                return;
            }
        };
        let handle = rt.spawn(async move {
            let prep_store = store.clone();
            let prepared = tokio::task::spawn_blocking(move || {
                let file = if params_file.is_empty() {
                    None
                } else {
                    let p = PathBuf::from(&params_file);
                    let bytes = std::fs::read(&p)
                        .map_err(|e| PrepareError::Parameters(format!("{}: {e}", p.display())))?;
                    Some(
                        crate::workflow::text::parse_json(&String::from_utf8_lossy(&bytes))
                            .map_err(|e| {
                                PrepareError::Parameters(format!("{}: {e}", p.display()))
                            })?,
                    )
                };
                let ca = if ca_file.is_empty() {
                    None
                } else {
                    Some(std::fs::read(&ca_file).map_err(|e| {
                        PrepareError::Parameters(format!("the CA file {ca_file}: {e}"))
                    })?)
                };
                let resolved =
                    prepare::parameter_values(doc.definition(wf), file.as_ref(), &[], &prep_store)?;
                prepare::prepare(&doc, wf, &name, &resolved, &prep_store).map(|p| (p, ca))
            })
            .await;
            let msg = match prepared {
                Err(e) => Msg::Failed(format!("the call could not be prepared: {e}")),
                Ok(Err(PrepareError::MissingSecret { name })) => Msg::NeedSecret(name),
                Ok(Err(e)) => Msg::Failed(e.to_string()),
                Ok(Ok((p, ca))) => {
                    options.extra_ca_pem.extend(ca);
                    let curl = invoke::curl::to_curl(&p, &options);
                    let outcome = invoke::call(&p, &options, &cache).await;
                    Msg::Done(Box::new(outcome), curl)
                }
            };
            let _ = tx.send(msg);
            ctx.request_repaint();
        });
        self.frames_while_running = 0;
        self.running = Some(Running {
            action,
            started: Instant::now(),
            rx,
            abort: handle.abort_handle(),
        });
    }

    /// Cancels the call in flight.
    pub fn cancel(&mut self) {
        if let Some(r) = self.running.take() {
            r.abort.abort();
            self.errors
                .insert(r.action, "Cancelled: no answer was waited for.".into());
        }
    }

    /// Takes in an answer that has arrived. Call once per frame.
    pub fn poll(&mut self, ctx: &egui::Context) {
        let Some(r) = &self.running else { return };
        self.frames_while_running += 1;
        match r.rx.try_recv() {
            Err(mpsc::TryRecvError::Empty) => {
                // Keep the elapsed time moving.
                ctx.request_repaint_after(Duration::from_millis(100));
            }
            Err(mpsc::TryRecvError::Disconnected) => {
                let r = self.running.take().expect("checked above");
                self.errors
                    .insert(r.action, "The call stopped without an answer.".into());
            }
            Ok(msg) => {
                let r = self.running.take().expect("checked above");
                match msg {
                    Msg::Done(outcome, curl) => {
                        let body = std::sync::Arc::new(report::body_value(&outcome));
                        let entry = HistoryEntry {
                            outcome: std::sync::Arc::from(outcome),
                            curl,
                            body,
                        };
                        self.history.push(entry.clone());
                        if self.history.len() > HISTORY {
                            self.history.remove(0);
                        }
                        self.results.insert(r.action, entry);
                    }
                    Msg::NeedSecret(name) => {
                        self.prompt = Some(SecretPrompt {
                            name,
                            action: r.action,
                            ..SecretPrompt::default()
                        });
                    }
                    Msg::Failed(e) => {
                        self.errors.insert(r.action, e);
                    }
                }
            }
        }
    }

    /// Takes the typed secret into the session (and the keychain when
    /// asked); returns the action to send again.
    fn accept_prompt(&mut self) -> Option<String> {
        let p = self.prompt.take()?;
        let secret = Secret::new(p.value);
        if p.remember {
            // The keychain may block (D-Bus): not on the UI thread.
            let store = self.store.clone();
            let name = p.name.clone();
            let value = secret.clone();
            let note = self.keychain_note.clone();
            std::thread::spawn(move || {
                let text = match store.remember(&name, value) {
                    Ok(()) => Ok(format!("`{name}` is remembered in the OS keychain.")),
                    Err(e) => Err(format!(
                        "`{name}` could not be remembered in the OS keychain ({e}); it is kept for this session only."
                    )),
                };
                if let Ok(mut n) = note.lock() {
                    *n = Some(text);
                }
            });
        }
        self.store.set(&p.name, secret);
        Some(p.action)
    }
}

fn status_color(theme: &Theme, status: u16) -> Color32 {
    match status {
        200..=299 => Color32::from_rgb(0x3f, 0xb9, 0x50),
        300..=399 => theme.warning,
        _ => theme.error,
    }
}

/// The Test tab for the HTTP action `action`.
pub fn show(
    ui: &mut Ui,
    t: &mut TestCalls,
    doc: &Document,
    wf: usize,
    action: &str,
    theme: &Theme,
) {
    let running_here = t.running.as_ref().map(|r| r.action.as_str()) == Some(action);
    let mut send = false;
    ui.horizontal(|ui| {
        let can_send = t.running.is_none() && t.prompt.is_none();
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
    if ui.input(|i| i.modifiers.command && i.key_pressed(egui::Key::Enter))
        && t.running.is_none()
        && t.prompt.is_none()
    {
        send = true;
    }
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
                ui.label("Timeout");
                ui.add(
                    egui::DragValue::new(&mut t.options.timeout_s)
                        .range(1..=600)
                        .suffix(" s"),
                );
            });
            ui.horizontal(|ui| {
                ui.label("Parameters file");
                ui.add(
                    egui::TextEdit::singleline(&mut t.options.params_file)
                        .hint_text("optional: parameters.json")
                        .desired_width(200.0),
                )
                .accessible_name("Parameters file");
            });
            ui.horizontal(|ui| {
                ui.label("Trust CA file");
                ui.add(
                    egui::TextEdit::singleline(&mut t.options.ca_file)
                        .hint_text("optional: a PEM file, added to the system's CAs")
                        .desired_width(200.0),
                )
                .accessible_name("Trust CA file");
            });
            ui.horizontal(|ui| {
                ui.label("Managed identity token");
                ui.add(
                    egui::TextEdit::singleline(&mut t.options.user_token)
                        .password(true)
                        .hint_text("only for ManagedServiceIdentity")
                        .desired_width(200.0),
                )
                .accessible_name("Managed identity token");
            });
            ui.weak("Secrets come from this session, LAPIS_SECRET_<NAME>, then the keychain.");
        });

    // A secret the call needs.
    let mut resend = None;
    if let Some(p) = &mut t.prompt {
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.label(
                RichText::new(format!(
                    "🔒 The secure parameter `{}` needs a value",
                    p.name
                ))
                .strong(),
            );
            ui.weak("It is kept in memory for this session only, unless you ask to remember it.");
            let r = ui.add(
                egui::TextEdit::singleline(&mut p.value)
                    .password(true)
                    .desired_width(f32::INFINITY),
            );
            let r = r.accessible_name(format!("Value of {}", p.name));
            ui.checkbox(&mut p.remember, "Remember in the OS keychain");
            ui.horizontal(|ui| {
                let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                if ui
                    .add_enabled(!p.value.is_empty(), egui::Button::new("Use and send"))
                    .clicked()
                    || (enter && !p.value.is_empty())
                {
                    resend = Some(());
                }
                if ui
                    .button("Cancel")
                    .accessible_name("Cancel secret")
                    .clicked()
                {
                    resend = None;
                    zeroize::Zeroize::zeroize(&mut p.value);
                    p.name.clear();
                }
            });
        });
        if t.prompt.as_ref().is_some_and(|p| p.name.is_empty()) {
            t.prompt = None;
        }
    }
    if resend.is_some() {
        if let Some(a) = t.accept_prompt() {
            t.send(doc.clone(), wf, a, ui.ctx().clone());
        }
    }
    if send {
        t.send(doc.clone(), wf, action.to_owned(), ui.ctx().clone());
    }

    if let Some(e) = t.errors.get(action) {
        ui.colored_label(theme.error, format!("✖ {e}"));
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
        history(ui, t, action);
        return;
    };
    let o = &entry.outcome;
    if let Some(d) = &o.diagnosis {
        diagnosis(ui, d, theme, theme.error);
    }
    for n in &o.notes {
        diagnosis(ui, n, theme, theme.warning);
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
    timings(ui, o, theme);
    if let Some(tk) = &o.token {
        ui.weak(format!(
            "Token {} from {}{}",
            if tk.cached {
                "from the cache"
            } else {
                "requested"
            },
            tk.endpoint,
            tk.expires_at
                .as_deref()
                .map(|e| format!(", valid until {e}"))
                .unwrap_or_default()
        ));
    }
    ui.horizontal(|ui| {
        ui.selectable_value(&mut t.body_tab, BodyTab::Body, "Body");
        ui.selectable_value(&mut t.body_tab, BodyTab::Headers, "Headers");
        ui.selectable_value(&mut t.body_tab, BodyTab::Request, "Request");
    });
    egui::ScrollArea::vertical()
        .id_salt("test-answer")
        .max_height(ui.available_height() - 80.0)
        .auto_shrink([false, true])
        .show(ui, |ui| match t.body_tab {
            BodyTab::Body => body(ui, o, &entry.body, &mut t.saving, theme),
            BodyTab::Headers => {
                if let Some(r) = &o.response {
                    header_grid(ui, "resp-headers", &r.headers);
                }
            }
            BodyTab::Request => {
                ui.label(
                    RichText::new(format!("{} {}", o.request.method, o.request.url)).monospace(),
                );
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
    history(ui, t, action);
}

fn diagnosis(ui: &mut Ui, d: &Diagnosis, _theme: &Theme, color: Color32) {
    egui::Frame::group(ui.style())
        .stroke(egui::Stroke::new(1.0, color))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(RichText::new(&d.message).strong().color(color))
                .accessible_name("Diagnosis");
            if let Some(a) = &d.aadsts {
                ui.label(format!("AADSTS{}: {}", a.code, a.meaning));
            }
            if let Some(h) = &d.hint {
                ui.label(format!("💡 {h}"));
            }
            for e in &d.evidence {
                ui.label(RichText::new(e).monospace().small());
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

/// The phases as a bar, then as numbers.
fn timings(ui: &mut Ui, o: &Outcome, theme: &Theme) {
    let t = &o.timings;
    let phases = [
        ("token", t.token, theme.accent),
        ("dns", t.dns, Color32::from_rgb(0x8e, 0x7c, 0xc3)),
        ("connect", t.connect, Color32::from_rgb(0xd2, 0x99, 0x22)),
        ("tls", t.tls, Color32::from_rgb(0xc0, 0x5c, 0x7e)),
        (
            "first byte",
            t.first_byte,
            Color32::from_rgb(0x3f, 0xb9, 0x50),
        ),
    ];
    let total = t.total.max(0.001);
    let width = ui.available_width().min(360.0);
    let (rect, _) = ui.allocate_exact_size(egui::vec2(width, 8.0), egui::Sense::hover());
    let p = ui.painter();
    p.rect_filled(rect, 2.0, theme.badge_bg);
    let mut x = rect.left();
    for (_, v, c) in phases {
        if let Some(v) = v {
            let w = (v / total) as f32 * rect.width();
            let r =
                egui::Rect::from_min_size(egui::pos2(x, rect.top()), egui::vec2(w, rect.height()));
            p.rect_filled(r, 0.0, c);
            x += w;
        }
    }
    ui.weak(report::timings_line(o)).accessible_name("Timings");
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

fn history(ui: &mut Ui, t: &mut TestCalls, action: &str) {
    if t.history.is_empty() {
        return;
    }
    let mut pick = None;
    egui::CollapsingHeader::new(format!("History ({})", t.history.len()))
        .default_open(false)
        .show(ui, |ui| {
            for (i, e) in t.history.iter().enumerate().rev() {
                let o = &e.outcome;
                let status = o
                    .response
                    .as_ref()
                    .map(|r| r.status.to_string())
                    .unwrap_or_else(|| "—".into());
                let time = o.started_at.get(11..19).unwrap_or(&o.started_at);
                if ui
                    .selectable_label(
                        false,
                        format!("{time}  {}  {status}  {:.0} ms", o.action, o.timings.total),
                    )
                    .clicked()
                {
                    pick = Some(i);
                }
            }
        });
    if let Some(i) = pick {
        // The call's result goes beside its action; another action is
        // selected to show it.
        let e = t.history[i].clone();
        let name = e.outcome.action.clone();
        if name != action {
            t.goto = Some(name.clone());
        }
        t.results.insert(name, e);
    }
}
