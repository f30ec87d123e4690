//! The designer's run view: Run (F5) with a trigger-request form, the run
//! on a worker thread (the window stays responsive; Cancel), each card
//! coloured by its status with its duration, skipped cards greyed, the
//! selected card's inputs, outputs and error with a pager for loop
//! iterations, and the runs list from the run history to reopen past runs.
//!
//! The run itself is the core's (`run::engine`); the store is
//! `run::history`. This module only asks, shows and forwards.

use crate::invoke::token::TokenCache;
use crate::run::engine::{self, RunOptions};
use crate::run::history::{History, RunSummary};
use crate::run::{ActionRun, Run, Status, TriggerRequest};
use crate::secrets::{Secret, SecretStore};
use crate::workflow::Document;
use egui::{Color32, CornerRadius, FontId, Rect, RichText, Stroke, StrokeKind, Ui};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};
use zeroize::Zeroize;

/// How much of an input or output the details column shows.
const SHOWN_CHARS: usize = 64 * 1024;

/// What the canvas draws over one card while a run is shown.
#[derive(Debug, Clone, PartialEq)]
pub struct CardOverlay {
    /// The status's colour (border and pill).
    pub colour: Color32,
    /// The pill's text: status and duration.
    pub text: String,
    /// Skipped: the card is greyed.
    pub greyed: bool,
}

/// The colour of a status on the canvas.
pub fn status_colour(s: Status) -> Color32 {
    match s {
        Status::Succeeded => Color32::from_rgb(46, 160, 67),
        Status::Failed => Color32::from_rgb(218, 54, 51),
        Status::TimedOut => Color32::from_rgb(219, 118, 0),
        Status::Cancelled => Color32::from_rgb(130, 90, 170),
        Status::Skipped => Color32::from_rgb(128, 128, 128),
        Status::Running => Color32::from_rgb(47, 129, 247),
        Status::Waiting => Color32::from_rgb(160, 160, 160),
    }
}

/// Draws `o` over the card at `r` (the canvas's hook).
/// `right` is room to leave free at the card's right end (a scope's
/// collapse toggle).
pub fn draw_overlay(painter: &egui::Painter, r: Rect, zoom: f32, right: f32, o: &CardOverlay) {
    let cr = CornerRadius::same((8.0 * zoom).min(8.0) as u8);
    if o.greyed {
        painter.rect_filled(r, cr, Color32::from_rgba_unmultiplied(128, 128, 128, 150));
    }
    painter.rect_stroke(
        r,
        cr,
        Stroke::new((2.5 * zoom).max(1.5), o.colour),
        StrokeKind::Inside,
    );
    if r.height() < 20.0 {
        return;
    }
    let font = FontId::proportional((10.5 * zoom).clamp(7.0, 14.0));
    let g = painter.layout_no_wrap(o.text.clone(), font, Color32::WHITE);
    let pad = 4.0 * zoom;
    let pill = Rect::from_min_size(
        egui::pos2(
            r.right() - g.size().x - 2.0 * pad - 6.0 * zoom - right,
            r.bottom() - g.size().y - 2.0 * pad + pad * 0.5,
        ),
        g.size() + egui::vec2(2.0 * pad, pad),
    );
    painter.rect_filled(pill, CornerRadius::same((6.0 * zoom) as u8), o.colour);
    painter.galley(pill.min + egui::vec2(pad, pad * 0.5), g, Color32::WHITE);
}

/// A duration for people: `850 ms`, `2.4 s`.
pub fn fmt_ms(ms: i64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

/// An RFC 3339 time as people read it, in local time to the second.
fn local_time(t: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(t)
        .map(|d| {
            d.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_else(|_| t.to_owned())
}

fn duration(start: Option<&str>, end: Option<&str>) -> Option<i64> {
    let s = chrono::DateTime::parse_from_rfc3339(start?).ok()?;
    let e = chrono::DateTime::parse_from_rfc3339(end?).ok()?;
    Some((e - s).num_milliseconds().max(0))
}

/// One secret row of the form; the value is wiped when dropped and never
/// printed.
#[derive(Clone, Default)]
pub struct SecretRow {
    /// The secret's name (a secure parameter or a secret the actions use).
    pub name: String,
    /// The value, as typed (shown masked).
    pub value: String,
}

impl Drop for SecretRow {
    fn drop(&mut self) {
        self.value.zeroize();
    }
}

impl std::fmt::Debug for SecretRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretRow({}, {})", self.name, crate::secrets::MASK)
    }
}

/// The trigger-request form: what the Request trigger is fired with.
#[derive(Debug, Clone)]
pub struct RequestForm {
    /// HTTP method.
    pub method: String,
    /// The relative path after `/invoke`.
    pub relative_path: String,
    /// Headers, one `Name: value` a line.
    pub headers: String,
    /// Query parameters, one `name=value` a line.
    pub query: String,
    /// The body (JSON when it parses as JSON, else text).
    pub body: String,
    /// Workflow parameters, one `name=value` a line (JSON values for
    /// arrays, objects and numbers).
    pub params: String,
    /// Secrets, masked.
    pub secrets: Vec<SecretRow>,
}

impl Default for RequestForm {
    fn default() -> Self {
        RequestForm {
            method: "POST".into(),
            relative_path: String::new(),
            headers: "Content-Type: application/json".into(),
            query: String::new(),
            body: "{}".into(),
            params: String::new(),
            secrets: Vec::new(),
        }
    }
}

/// A request ready to run: what "Run again" fires again.
#[derive(Debug, Clone)]
pub struct PreparedRequest {
    /// The trigger request.
    pub request: TriggerRequest,
    /// `name=value` parameters.
    pub params: Vec<(String, String)>,
    /// The secrets (shared memory; never printed).
    pub secrets: SecretStore,
}

fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
}

/// The trigger a run of workflow `workflow` starts from, when it takes no
/// request: `(name, type)`. Only a Request trigger (or an HTTP webhook)
/// is fired with a method, headers, a query and a body, as the run engine
/// reads it; a Recurrence or a polling trigger just fires. A workflow
/// with no trigger runs as if a Request trigger had been called.
pub fn trigger_without_input(doc: &Document, workflow: usize) -> Option<(String, String)> {
    let def = doc
        .workflows
        .get(workflow)
        .and_then(|w| doc.root.pointer(&w.definition_pointer))?;
    let (name, trig) = def.get("triggers")?.as_object()?.iter().next()?;
    let kind = trig
        .get("type")
        .and_then(|t| t.as_str())
        .unwrap_or("Request");
    let takes = kind.eq_ignore_ascii_case("Request") || kind.eq_ignore_ascii_case("HttpWebhook");
    (!takes).then(|| (name.clone(), kind.to_owned()))
}

impl RequestForm {
    /// The run of a trigger that takes no request: the form's parameters
    /// and secrets only (the request fields, hidden, are not read).
    pub fn without_request(&self) -> RequestForm {
        RequestForm {
            method: String::new(),
            relative_path: String::new(),
            headers: String::new(),
            query: String::new(),
            body: String::new(),
            params: self.params.clone(),
            secrets: self.secrets.clone(),
        }
    }

    /// The request the form describes, or what is wrong and where.
    pub fn prepare(&self) -> Result<PreparedRequest, String> {
        let mut request = TriggerRequest {
            method: Some(self.method.trim().to_ascii_uppercase()).filter(|m| !m.is_empty()),
            relative_path: Some(self.relative_path.trim().trim_start_matches('/').to_owned())
                .filter(|p| !p.is_empty()),
            ..TriggerRequest::default()
        };
        for (n, l) in lines(&self.headers) {
            let (k, v) = l.split_once(':').ok_or(format!(
                "Headers, line {n}: expected `Name: value`, got `{l}`"
            ))?;
            if k.trim().is_empty() {
                return Err(format!("Headers, line {n}: the header has no name"));
            }
            request
                .headers
                .push((k.trim().to_owned(), v.trim().to_owned()));
        }
        for (n, l) in lines(&self.query) {
            let (k, v) = l
                .split_once('=')
                .ok_or(format!("Query, line {n}: expected `name=value`, got `{l}`"))?;
            request
                .query
                .push((k.trim().to_owned(), v.trim().to_owned()));
        }
        let body = self.body.trim();
        request.body = if body.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(body)
                .unwrap_or_else(|_| serde_json::Value::String(self.body.clone()))
        };
        let mut params = Vec::new();
        for (n, l) in lines(&self.params) {
            let (k, v) = l.split_once('=').ok_or(format!(
                "Parameters, line {n}: expected `name=value`, got `{l}`"
            ))?;
            params.push((k.trim().to_owned(), v.trim().to_owned()));
        }
        let secrets = SecretStore::without_keychain();
        for (i, s) in self.secrets.iter().enumerate() {
            let name = s.name.trim();
            if name.is_empty() && s.value.is_empty() {
                continue;
            }
            if name.is_empty() {
                return Err(format!("Secret {}: the secret has no name", i + 1));
            }
            secrets.set(name, Secret::new(s.value.clone()));
        }
        Ok(PreparedRequest {
            request,
            params,
            secrets,
        })
    }
}

/// What a run takes from the designer's session: the file (child
/// workflows are looked for next to it), the session's secrets (shared
/// with test calls) and its token cache.
#[derive(Clone)]
pub struct RunEnv {
    /// The workflow's file, when saved.
    pub file: Option<PathBuf>,
    /// The session's secrets.
    pub secrets: SecretStore,
    /// Tokens shared with test calls.
    pub tokens: TokenCache,
}

enum Msg {
    Progress(String, ActionRun),
    Done(Result<Run, String>, Option<String>),
    List(Result<Vec<RunSummary>, String>),
    Loaded(Result<Run, String>),
}

/// The run in progress.
struct Worker {
    cancel: Arc<AtomicBool>,
    started: Instant,
}

/// The state of the run view.
pub struct RunView {
    /// Whether the run panel is shown.
    pub panel_open: bool,
    /// Whether the trigger-request form is shown.
    pub form_open: bool,
    /// The form.
    pub form: RequestForm,
    /// Records reported while the run goes on, by action.
    pub live: BTreeMap<String, ActionRun>,
    /// The run shown (the last finished one, or one reopened from history).
    pub run: Option<Run>,
    /// The runs list from the history.
    pub runs: Vec<RunSummary>,
    /// A line for the user (errors, what happened).
    pub message: String,
    /// The history file (`None`: `runs.sqlite` in the data folder).
    pub history_file: Option<PathBuf>,
    /// Waits are multiplied by this (1: as Azure; tests use less).
    pub time_scale: f64,
    /// The iteration shown per loop action.
    pub pages: HashMap<String, usize>,
    /// What is wrong with the form's request (shown in the form).
    pub form_error: String,
    /// Frames drawn while the last run went on (the window stays
    /// responsive; shown for tests and diagnostics).
    pub frames_while_running: u64,
    /// The records shown (the run's, then live ones), in order; rebuilt
    /// when something changes, not every frame.
    shown: Vec<(String, ActionRun)>,
    /// The workflow's nodes in outline order, with their depth: the
    /// actions list follows it (records arrive in the order they ended).
    order: Vec<(String, usize)>,
    /// Whether `order` should be given again (the run shown changed).
    order_stale: bool,
    /// Whether `shown` (and the canvas overlay) must be rebuilt.
    dirty: bool,
    last: Option<PreparedRequest>,
    worker: Option<Worker>,
    tx: mpsc::Sender<Msg>,
    rx: mpsc::Receiver<Msg>,
    listed: bool,
}

impl Default for RunView {
    fn default() -> Self {
        let (tx, rx) = mpsc::channel();
        RunView {
            panel_open: false,
            form_open: false,
            form: RequestForm::default(),
            live: BTreeMap::new(),
            run: None,
            runs: Vec::new(),
            message: String::new(),
            history_file: None,
            time_scale: 1.0,
            pages: HashMap::new(),
            form_error: String::new(),
            frames_while_running: 0,
            shown: Vec::new(),
            order: Vec::new(),
            order_stale: true,
            dirty: false,
            last: None,
            worker: None,
            tx,
            rx,
            listed: false,
        }
    }
}

fn open_history(file: &Option<PathBuf>) -> Result<History, String> {
    match file {
        Some(f) => History::open(f),
        None => History::open_default(),
    }
}

impl RunView {
    /// Whether a run is going on.
    pub fn running(&self) -> bool {
        self.worker.is_some()
    }

    /// Whether there is a request to run again.
    pub fn can_run_again(&self) -> bool {
        self.last.is_some()
    }

    /// Shows the run panel (the run on the canvas and the runs list).
    pub fn show(&mut self) {
        self.panel_open = true;
        self.dirty = true;
    }

    /// F5: shows the trigger-request form.
    pub fn ask(&mut self) {
        if !self.form_open {
            self.form_error.clear();
        }
        self.form_open = true;
        self.panel_open = true;
        self.dirty = true;
    }

    /// Starts a run of workflow `workflow` (index) of `doc` with the
    /// form's request.
    pub fn start_from_form(
        &mut self,
        doc: &Document,
        workflow: usize,
        env: RunEnv,
        ctx: &egui::Context,
    ) {
        let form = match trigger_without_input(doc, workflow) {
            Some(_) => self.form.without_request(),
            None => self.form.clone(),
        };
        match form.prepare() {
            Ok(p) => {
                self.form_open = false;
                self.form_error.clear();
                self.start(doc, workflow, env, p, ctx);
            }
            Err(e) => self.form_error = e,
        }
    }

    /// Shift+F5: runs again with the last request (or asks, when none).
    pub fn run_again(&mut self, doc: &Document, workflow: usize, env: RunEnv, ctx: &egui::Context) {
        match self.last.clone() {
            Some(p) => self.start(doc, workflow, env, p, ctx),
            None => self.ask(),
        }
    }

    /// Stops the run in progress.
    pub fn cancel(&mut self) {
        if let Some(w) = &self.worker {
            w.cancel.store(true, Ordering::SeqCst);
            self.message = "Cancelling…".into();
        }
    }

    fn start(
        &mut self,
        doc: &Document,
        workflow: usize,
        env: RunEnv,
        p: PreparedRequest,
        ctx: &egui::Context,
    ) {
        if self.worker.is_some() {
            self.message = "A run is already going on: cancel it first".into();
            return;
        }
        self.panel_open = true;
        self.live.clear();
        self.run = None;
        self.pages.clear();
        self.dirty = true;
        self.rebuild();
        self.frames_while_running = 0;
        self.message = "Running…".into();
        // The form's secrets join the session's (memory only), so test
        // calls and runs see the same values; every one is redacted.
        for name in p.secrets.names() {
            if let Some((v, _)) = p.secrets.get(&name) {
                env.secrets.set(&name, v);
            }
        }
        self.last = Some(p.clone());
        let cancel = Arc::new(AtomicBool::new(false));
        let tx = self.tx.clone();
        let c = ctx.clone();
        let observer: engine::Observer = Arc::new(move |name: &str, a: &ActionRun| {
            let _ = tx.send(Msg::Progress(name.to_owned(), a.clone()));
            c.request_repaint();
        });
        let options = RunOptions {
            workflow_name: (doc.workflows.len() > 1).then(|| (workflow + 1).to_string()),
            file: env.file,
            params: p.params.clone(),
            secrets: env.secrets.clone(),
            time_scale: self.time_scale,
            cancel: cancel.clone(),
            observer: Some(observer),
            tokens: env.tokens,
            ..RunOptions::default()
        };
        let doc = doc.clone();
        let tx = self.tx.clone();
        let c = ctx.clone();
        let history_file = self.history_file.clone();
        let secrets = env.secrets;
        let request = p.request;
        let spawned = std::thread::Builder::new()
            .name("lapis-run".into())
            .spawn(move || {
                let result = engine::run(&doc, &request, options).map_err(|e| e.to_string());
                let mut note = None;
                if let Ok(run) = &result {
                    let stored = open_history(&history_file).and_then(|mut h| {
                        h.add_secrets(&secrets);
                        h.store(run)?;
                        h.list(None)
                    });
                    match stored {
                        Ok(list) => {
                            let _ = tx.send(Msg::List(Ok(list)));
                        }
                        Err(e) => note = Some(format!("not kept in the run history: {e}")),
                    }
                }
                let _ = tx.send(Msg::Done(result, note));
                c.request_repaint();
            });
        match spawned {
            Ok(_) => {
                self.worker = Some(Worker {
                    cancel,
                    started: Instant::now(),
                })
            }
            Err(e) => self.message = format!("cannot start the run: {e}"),
        }
    }

    /// Reads the runs list from the history, off the UI thread.
    pub fn refresh_list(&mut self, ctx: &egui::Context) {
        let tx = self.tx.clone();
        let c = ctx.clone();
        let file = self.history_file.clone();
        self.listed = true;
        std::thread::spawn(move || {
            let _ = tx.send(Msg::List(open_history(&file).and_then(|h| h.list(None))));
            c.request_repaint();
        });
    }

    /// Reopens a past run from the history, off the UI thread.
    pub fn open_run(&mut self, id: &str, ctx: &egui::Context) {
        let tx = self.tx.clone();
        let c = ctx.clone();
        let file = self.history_file.clone();
        let id = id.to_owned();
        std::thread::spawn(move || {
            let r = open_history(&file).and_then(|h| {
                h.get(&id)?
                    .ok_or_else(|| format!("run {id} is no longer in the history"))
            });
            let _ = tx.send(Msg::Loaded(r));
            c.request_repaint();
        });
    }

    /// Takes what the workers sent.
    pub fn poll(&mut self, ctx: &egui::Context) {
        if self.worker.is_some() {
            self.frames_while_running += 1;
        }
        let dirty = self.dirty;
        self.dirty = false;
        while let Ok(m) = self.rx.try_recv() {
            if !matches!(m, Msg::List(_)) {
                self.dirty = true;
            }
            match m {
                Msg::Progress(name, a) => {
                    self.live.insert(name, a);
                }
                Msg::Done(r, note) => {
                    let took = self.worker.take().map(|w| w.started.elapsed());
                    match r {
                        Ok(run) => {
                            self.message = format!(
                                "Run {} {}{}",
                                run.run_id,
                                run.status.as_str(),
                                took.map(|t| format!(" in {}", fmt_ms(t.as_millis() as i64)))
                                    .unwrap_or_default()
                            );
                            if let Some(n) = note {
                                self.message.push_str(&format!(" ({n})"));
                            }
                            self.run = Some(run);
                            self.live.clear();
                        }
                        Err(e) => self.message = format!("The run could not start: {e}"),
                    }
                }
                Msg::List(Ok(l)) => self.runs = l,
                Msg::List(Err(e)) => self.message = e,
                Msg::Loaded(Ok(run)) => {
                    self.message = format!("Run {} reopened from the history", run.run_id);
                    self.live.clear();
                    self.pages.clear();
                    self.run = Some(run);
                }
                Msg::Loaded(Err(e)) => self.message = e,
            }
        }
        if self.dirty {
            self.rebuild();
        }
        self.dirty |= dirty;
        if self.worker.is_some() {
            ctx.request_repaint_after(Duration::from_millis(100));
        }
    }

    /// The record of `name` in the run shown (live while running).
    pub fn record(&self, name: &str) -> Option<&ActionRun> {
        self.shown.iter().find(|(n, _)| n == name).map(|(_, a)| a)
    }

    /// Rebuilds the records shown: the run's (trigger first), then the
    /// live ones of a run going on.
    fn rebuild(&mut self) {
        let mut shown: Vec<(String, ActionRun)> = Vec::new();
        if let Some(run) = &self.run {
            if let (Some(name), Ok(t)) = (
                run.trigger.get("name").and_then(|n| n.as_str()),
                serde_json::from_value::<ActionRun>(run.trigger.clone()),
            ) {
                shown.push((name.to_owned(), t));
            }
            for name in run.actions.keys() {
                if let Some(a) = run.action(name) {
                    shown.push((name.clone(), a));
                }
            }
        }
        for (name, a) in &self.live {
            match shown.iter_mut().find(|(n, _)| n == name) {
                Some(slot) => slot.1 = a.clone(),
                None => shown.push((name.clone(), a.clone())),
            }
        }
        self.shown = shown;
        self.order_stale = true;
        self.sort();
    }

    /// Whether the app should call [`RunView::set_order`] this frame.
    pub fn wants_order(&self) -> bool {
        self.order_stale && !self.shown.is_empty()
    }

    /// The workflow's nodes in outline order (trigger first, a scope's
    /// actions after it), with their depth.
    pub fn set_order(&mut self, order: Vec<(String, usize)>) {
        self.order = order;
        self.order_stale = false;
        self.sort();
    }

    fn sort(&mut self) {
        let at: HashMap<&str, usize> = self
            .order
            .iter()
            .enumerate()
            .map(|(i, (n, _))| (n.as_str(), i))
            .collect();
        // Stable: names the outline does not know keep their order, last.
        self.shown
            .sort_by_key(|(n, _)| at.get(n.as_str()).copied().unwrap_or(usize::MAX));
    }

    fn depth(&self, name: &str) -> usize {
        self.order
            .iter()
            .find(|(n, _)| n == name)
            .map_or(1, |(_, d)| *d)
    }

    /// The new canvas overlay (what to draw over each card, by name) when
    /// the run shown changed since the last call; `None` when it did not.
    pub fn overlays_if_changed(&mut self) -> Option<HashMap<String, CardOverlay>> {
        if !self.dirty {
            return None;
        }
        self.dirty = false;
        if !self.panel_open {
            return Some(HashMap::new());
        }
        Some(self.overlays())
    }

    /// What to draw over each card, by name.
    pub fn overlays(&self) -> HashMap<String, CardOverlay> {
        let mut out = HashMap::new();
        for (name, a) in &self.shown {
            let dur = duration(a.start.as_deref(), a.end.as_deref());
            let mut text = a.status.as_str().to_owned();
            if let Some(ms) = dur.filter(|_| a.status.is_final()) {
                text.push_str(&format!(" · {}", fmt_ms(ms)));
            }
            out.insert(
                name.to_owned(),
                CardOverlay {
                    colour: status_colour(a.status),
                    text,
                    greyed: a.status == Status::Skipped,
                },
            );
        }
        out
    }

    /// The run panel (at the bottom of the window). Returns an action
    /// name to select on the canvas, when one was clicked in the list.
    pub fn panel(&mut self, ui: &mut Ui, selected: Option<&str>) -> Option<RunIntent> {
        let mut intent = None;
        // Fill the panel's height: a panel takes the size of its content.
        ui.set_min_height(ui.available_height());
        if !self.listed {
            self.refresh_list(ui.ctx());
        }
        ui.horizontal(|ui| {
            ui.strong("Run");
            if ui
                .add_enabled(
                    !self.running(),
                    egui::Button::new("Run again").shortcut_text("Shift+F5"),
                )
                .on_hover_text("Run again with the same request")
                .clicked()
            {
                intent = Some(RunIntent::RunAgain);
            }
            if ui
                .add_enabled(self.running(), egui::Button::new("Cancel run"))
                .clicked()
            {
                self.cancel();
            }
            if let Some(w) = &self.worker {
                ui.spinner();
                ui.label(format!(
                    "Running… {}",
                    fmt_ms(w.started.elapsed().as_millis() as i64)
                ));
            }
            ui.label(&self.message);
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button("Close run view").clicked() {
                    self.panel_open = false;
                    self.dirty = true;
                }
            });
        });
        ui.separator();
        ui.columns(3, |cols| {
            egui::ScrollArea::vertical()
                .id_salt("run-actions")
                .auto_shrink([false, false])
                .show(&mut cols[0], |ui| {
                    if let Some(i) = self.actions_list(ui, selected) {
                        intent = Some(i);
                    }
                });
            egui::ScrollArea::vertical()
                .id_salt("run-details")
                .auto_shrink([false, false])
                .show(&mut cols[1], |ui| self.details(ui, selected));
            egui::ScrollArea::vertical()
                .id_salt("run-history")
                .auto_shrink([false, false])
                .show(&mut cols[2], |ui| {
                    if let Some(i) = self.runs_list(ui) {
                        intent = Some(i);
                    }
                });
        });
        intent
    }

    fn actions_list(&mut self, ui: &mut Ui, selected: Option<&str>) -> Option<RunIntent> {
        if self.shown.is_empty() {
            ui.weak("No run shown: Run (F5), or open one from the runs list.");
            return None;
        }
        let mut intent = None;
        for (name, a) in &self.shown {
            let indent = 16.0 * self.depth(name).saturating_sub(1) as f32;
            let mut text = format!("{name}: {}", a.status.as_str());
            if let Some(ms) = duration(a.start.as_deref(), a.end.as_deref()) {
                text.push_str(&format!(", {}", fmt_ms(ms)));
            }
            if !a.repetitions.is_empty() && self.live.is_empty() {
                text.push_str(&format!(", {} iterations", a.repetitions.len()));
            }
            let label = RichText::new(text).color(status_colour(a.status));
            let clicked = ui
                .horizontal(|ui| {
                    ui.add_space(indent);
                    ui.selectable_label(selected == Some(name.as_str()), label)
                        .clicked()
                })
                .inner;
            if clicked {
                intent = Some(RunIntent::Select(name.clone()));
            }
        }
        intent
    }

    fn details(&mut self, ui: &mut Ui, selected: Option<&str>) {
        let Some(name) = selected else {
            ui.weak("Click a card to see its inputs, outputs and error.");
            return;
        };
        let Some((_, a)) = self.shown.iter().find(|(n, _)| n == name) else {
            ui.weak(format!("{name} has no record in this run."));
            return;
        };
        ui.label(RichText::new(format!("{name}: {}", a.status.as_str())).strong());
        if let Some(ms) = duration(a.start.as_deref(), a.end.as_deref()) {
            ui.label(format!("Duration {}", fmt_ms(ms)));
        }
        if a.retries > 0 {
            ui.label(format!("Retries: {}", a.retries));
        }
        if let Some(c) = &a.code {
            ui.label(format!("Code: {c}"));
        }
        if let Some(d) = &a.diagnosis {
            ui.colored_label(status_colour(a.status), format!("Why: {d}"));
        }
        let (inputs, outputs, error) = if a.repetitions.is_empty() {
            (a.inputs.clone(), a.outputs.clone(), a.error.clone())
        } else {
            if let Some(e) = a.error.as_ref().filter(|_| a.status != Status::Skipped) {
                ui.colored_label(
                    status_colour(a.status),
                    format!("Error {}: {}", e.code, e.message),
                );
            }
            let n = a.repetitions.len();
            let page = self.pages.entry(name.to_owned()).or_insert(0);
            *page = (*page).min(n - 1);
            ui.horizontal(|ui| {
                if ui
                    .add_enabled(*page > 0, egui::Button::new("◀ Previous iteration"))
                    .clicked()
                {
                    *page -= 1;
                }
                let rep = &a.repetitions[*page];
                ui.label(format!(
                    "Iteration {} of {n}: {}",
                    rep.index + 1,
                    rep.status.as_str()
                ));
                if ui
                    .add_enabled(*page + 1 < n, egui::Button::new("Next iteration ▶"))
                    .clicked()
                {
                    *page += 1;
                }
            });
            let rep = &a.repetitions[*page];
            (rep.inputs.clone(), rep.outputs.clone(), rep.error.clone())
        };
        if let Some(e) = &error {
            ui.colored_label(
                status_colour(Status::Failed),
                format!("Error {}: {}", e.code, e.message),
            );
        }
        for (title, v) in [("Inputs", inputs), ("Outputs", outputs)] {
            ui.label(RichText::new(title).strong());
            let mut text = if v.is_null() {
                "(none)".to_owned()
            } else {
                serde_json::to_string_pretty(&v).unwrap_or_default()
            };
            if text.len() > SHOWN_CHARS {
                let cut = (0..=SHOWN_CHARS)
                    .rev()
                    .find(|&i| text.is_char_boundary(i))
                    .unwrap_or(0);
                let total = text.len();
                text.truncate(cut);
                text.push_str(&format!(
                    "\n… ({total} bytes in all; `lapis runs show` prints the whole record)"
                ));
            }
            ui.label(RichText::new(text).monospace());
        }
    }

    fn runs_list(&mut self, ui: &mut Ui) -> Option<RunIntent> {
        let mut intent = None;
        ui.horizontal(|ui| {
            ui.strong("Runs");
            if ui.button("Refresh runs").clicked() {
                self.refresh_list(ui.ctx());
            }
            let run = self.run.as_ref().filter(|_| !self.running());
            if ui
                .add_enabled(
                    run.is_some(),
                    egui::Button::new("Create test from this run"),
                )
                .on_hover_text(match run {
                    Some(r) => format!(
                        "A test file that replays run {} (as lapis test new --from-run)",
                        r.run_id
                    ),
                    None => "Pick a run below first".into(),
                })
                .clicked()
            {
                intent = run.map(|r| RunIntent::CreateTest(Box::new(r.clone())));
            }
        });
        if self.runs.is_empty() {
            ui.weak("No stored runs.");
        }
        let shown = self.run.as_ref().map(|r| r.run_id.clone());
        let mut open = None;
        for s in &self.runs {
            let text = format!(
                "{} {} {}{}",
                s.status,
                s.workflow,
                local_time(&s.start),
                s.duration_ms
                    .map(|ms| format!(" ({})", fmt_ms(ms)))
                    .unwrap_or_default()
            );
            let r = ui
                .selectable_label(
                    shown.as_deref() == Some(s.run_id.as_str()),
                    RichText::new(text).color(
                        Status::parse(&s.status)
                            .map(status_colour)
                            .unwrap_or(Color32::GRAY),
                    ),
                )
                .on_hover_text(format!("Run {}", s.run_id));
            if r.clicked() {
                open = Some(s.run_id.clone());
            }
        }
        if let Some(id) = open {
            self.open_run(&id, ui.ctx());
        }
        intent
    }

    /// The trigger-request form window for workflow `workflow` of `doc`;
    /// `true` when Run was clicked. A trigger that takes no request (a
    /// Recurrence, a polling trigger) gets no method, headers or body,
    /// only a line that says so.
    pub fn form_window(&mut self, ctx: &egui::Context, doc: &Document, workflow: usize) -> bool {
        if !self.form_open {
            return false;
        }
        let no_input = trigger_without_input(doc, workflow);
        let mut go = false;
        let mut open = true;
        // A trigger that takes no request gets a window named for what it
        // does; the id stays one so its place is kept.
        let title = if no_input.is_some() {
            "Run workflow"
        } else {
            "Trigger request"
        };
        egui::Window::new(title)
            .id(egui::Id::unique("run-form-window"))
            .open(&mut open)
            .collapsible(false)
            .default_width(420.0)
            .show(ctx, |ui| {
                if let Some((name, kind)) = &no_input {
                    ui.label(format!(
                        "This trigger takes no input: {name} ({kind}) fires as if its time had come."
                    ));
                    ui.add_space(4.0);
                }
                egui::Grid::new("run-form").num_columns(2).show(ui, |ui| {
                    if no_input.is_some() {
                        let l = ui.label("Parameters (name=value a line)");
                        ui.add(
                            egui::TextEdit::multiline(&mut self.form.params)
                                .desired_rows(2)
                                .code_editor()
                                .desired_width(300.0),
                        )
                        .labelled_by(l.id);
                        ui.end_row();
                        self.secret_rows(ui);
                        return;
                    }
                    let l = ui.label("Method");
                    egui::ComboBox::from_id_salt("run-method")
                        .selected_text(self.form.method.clone())
                        .show_ui(ui, |ui| {
                            for m in ["POST", "GET", "PUT", "PATCH", "DELETE"] {
                                ui.selectable_value(&mut self.form.method, m.to_owned(), m);
                            }
                        })
                        .response
                        .labelled_by(l.id);
                    ui.end_row();
                    let fields: [(&str, &mut String, bool); 5] = [
                        ("Relative path", &mut self.form.relative_path, false),
                        ("Headers (Name: value a line)", &mut self.form.headers, true),
                        ("Query (name=value a line)", &mut self.form.query, true),
                        ("Body", &mut self.form.body, true),
                        (
                            "Parameters (name=value a line)",
                            &mut self.form.params,
                            true,
                        ),
                    ];
                    for (label, buf, multi) in fields {
                        let l = ui.label(label);
                        let edit = if multi {
                            egui::TextEdit::multiline(buf).desired_rows(2)
                        } else {
                            egui::TextEdit::singleline(buf)
                        };
                        ui.add(edit.code_editor().desired_width(300.0))
                            .labelled_by(l.id);
                        ui.end_row();
                    }
                    self.secret_rows(ui);
                });
                if ui.button("Add a secret").clicked() {
                    self.form.secrets.push(SecretRow::default());
                }
                ui.separator();
                ui.horizontal(|ui| {
                    if ui.button("Start run").clicked() {
                        go = true;
                    }
                    if ui.button("Cancel request").clicked() {
                        self.form_open = false;
                    }
                });
                if !self.form_error.is_empty() {
                    ui.colored_label(status_colour(Status::Failed), &self.form_error);
                }
            });
        if !open {
            self.form_open = false;
        }
        go
    }

    /// The form's secret rows (name, masked value, remove), in the grid.
    fn secret_rows(&mut self, ui: &mut Ui) {
        let mut remove = None;
        for (i, s) in self.form.secrets.iter_mut().enumerate() {
            let l = ui.label(format!("Secret {} name", i + 1));
            ui.horizontal(|ui| {
                ui.add(egui::TextEdit::singleline(&mut s.name).desired_width(200.0))
                    .labelled_by(l.id)
                    .on_hover_text("A secure parameter's name, or a secret the actions use");
                if ui.button(format!("Remove secret {}", i + 1)).clicked() {
                    remove = Some(i);
                }
            });
            ui.end_row();
            let v = ui.label(format!("Secret {} value", i + 1));
            ui.add(
                egui::TextEdit::singleline(&mut s.value)
                    .password(true)
                    .desired_width(300.0),
            )
            .labelled_by(v.id);
            ui.end_row();
        }
        if let Some(i) = remove {
            self.form.secrets.remove(i);
        }
    }
}

/// What the run panel asks the app to do.
#[derive(Debug, Clone, PartialEq)]
pub enum RunIntent {
    /// Select (and reveal) this action's card.
    Select(String),
    /// Run again with the same request.
    RunAgain,
    /// Write a test made from this run (the Tests panel asks where).
    CreateTest(Box<Run>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_makes_a_request_or_says_which_line_is_wrong() {
        let mut f = RequestForm {
            method: "get".into(),
            relative_path: "/orders/42".into(),
            headers: "X-A: 1\n\nAccept: application/json".into(),
            query: "q=2".into(),
            body: "{\"n\": 1}".into(),
            params: "env=\"dev\"".into(),
            secrets: vec![SecretRow {
                name: "apiKey".into(),
                value: "s3cret-value".into(),
            }],
        };
        let p = f.prepare().unwrap();
        assert_eq!(p.request.method.as_deref(), Some("GET"));
        assert_eq!(p.request.relative_path.as_deref(), Some("orders/42"));
        assert_eq!(p.request.headers.len(), 2);
        assert_eq!(p.request.body["n"], 1);
        assert_eq!(p.secrets.get("apiKey").unwrap().0.expose(), "s3cret-value");
        assert!(!format!("{f:?}").contains("s3cret"));
        f.headers = "X-A: 1\nbroken".into();
        assert_eq!(
            f.prepare().unwrap_err(),
            "Headers, line 2: expected `Name: value`, got `broken`"
        );
    }
}
