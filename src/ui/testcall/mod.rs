//! The Test tab of an HTTP action: send it for real, keep the window
//! drawing while the call runs, and show the answer and the diagnosis
//! beside the action.
//!
//! Calls run on a tokio runtime that the tab starts the first time it is
//! used; the answer comes back over a channel and the task asks for a
//! repaint. Nothing here blocks a frame: even parameter resolution (which
//! may read the OS keychain) runs on the runtime's blocking pool.
//!
//! `view` draws the tab, `form` the parameters and secrets filled before
//! Send; the history of each workflow file persists through
//! [`crate::invoke::history`].

mod form;
mod view;

pub use form::ParamForm;
pub use view::{show, SaveBody};

use crate::invoke::history::{self, Record};
use crate::invoke::prepare::{self, PrepareError};
use crate::invoke::token::TokenCache;
use crate::invoke::{self, report, CallOptions, Outcome, TokenEndpoint};
use crate::secrets::{Secret, SecretStore};
use crate::workflow::Document;
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// What the tab says of a call the user cancelled.
const CANCELLED: &str = "Cancelled: no answer was waited for.";

/// How many calls the history keeps.
const HISTORY: usize = history::MAX_ROWS;

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
    Done(Box<Outcome>, String, Box<Record>),
    NeedSecret(String),
    Failed(String),
}

struct Running {
    action: String,
    started: Instant,
    rx: mpsc::Receiver<Msg>,
    abort: tokio::task::AbortHandle,
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
    /// A hash of the action and the parameters it was sent with: the
    /// result is stale once the request no longer hashes the same.
    pub fingerprint: u64,
}

/// A row of the history: what is kept across restarts, and the whole
/// outcome for calls of this session.
#[derive(Debug, Clone)]
pub struct HistoryRow {
    /// The persisted part (no secret, no large body).
    pub record: Record,
    /// The outcome, for calls made in this session.
    pub entry: Option<HistoryEntry>,
}

/// The hash of what a call sends: the action's JSON, the workflow's
/// parameter declarations and the values typed in the form.
pub fn fingerprint(action: Option<&Value>, params: Option<&Value>, form: &ParamForm) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    action.map(Value::to_string).hash(&mut h);
    params.map(Value::to_string).hash(&mut h);
    form.overrides().hash(&mut h);
    h.finish()
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
    /// The calls of this workflow file, oldest first: those of earlier
    /// sessions (read from the data folder) and this session's.
    pub history: Vec<HistoryRow>,
    /// The parameters and secrets form.
    pub form: ParamForm,
    /// The workflow file whose history is loaded (`Some(None)`: an
    /// untitled document).
    history_for: Option<Option<PathBuf>>,
    /// Where the history is kept (none without a data folder or a file).
    history_file: Option<PathBuf>,
    /// Why the history could not be read or written.
    pub history_note: std::sync::Arc<std::sync::Mutex<Option<String>>>,
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
    /// The fingerprint of the call in flight.
    pending_fingerprint: u64,
    /// An answer to use in tests: `true` as a mock in a test file (the
    /// Tests panel asks which), `false` as the action's static result.
    pub use_answer: Option<(crate::ui::tests_panel::Answer, bool)>,
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
            form: ParamForm::default(),
            history_for: None,
            history_file: None,
            history_note: Default::default(),
            errors: HashMap::new(),
            frames_while_running: 0,
            body_tab: BodyTab::default(),
            saving: SaveBody::default(),
            goto: None,
            keychain_note: Default::default(),
            spill: None,
            pending_fingerprint: 0,
            use_answer: None,
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

    /// The action of the call in flight.
    pub fn running_action(&self) -> Option<&str> {
        self.running.as_ref().map(|r| r.action.as_str())
    }

    /// Loads the history of `file` when the document's file changed (the
    /// results of another file are dropped with it).
    pub fn use_file(&mut self, file: Option<&PathBuf>) {
        if self.history_for.as_ref().map(Option::as_ref) == Some(file) {
            return;
        }
        self.history_for = Some(file.cloned());
        self.results.clear();
        self.errors.clear();
        self.history.clear();
        self.history_file = match (file, crate::paths::data_dir()) {
            (Some(f), Some(d)) => Some(history::file_for(&d, f)),
            _ => None,
        };
        if let Some(hf) = &self.history_file {
            match history::load(hf) {
                Ok(rows) => {
                    self.history = rows
                        .into_iter()
                        .map(|record| HistoryRow {
                            record,
                            entry: None,
                        })
                        .collect();
                }
                Err(e) => {
                    if let Ok(mut n) = self.history_note.lock() {
                        *n = Some(format!("The test history could not be read: {e}"));
                    }
                }
            }
        }
    }

    /// Writes the history file on another thread.
    fn save_history(&self) {
        let Some(file) = self.history_file.clone() else {
            return;
        };
        let rows: Vec<Record> = self.history.iter().map(|r| r.record.clone()).collect();
        let note = self.history_note.clone();
        std::thread::spawn(move || {
            if let Err(e) = history::save(&file, &rows) {
                if let Ok(mut n) = note.lock() {
                    *n = Some(format!(
                        "The test history could not be saved to {}: {e}",
                        file.display()
                    ));
                }
            }
        });
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
        form::take_secrets(self);
        let overrides = self.form.overrides();
        let fingerprint = {
            let action_value = doc
                .outline(wf)
                .ok()
                .and_then(|o| {
                    o.nodes
                        .iter()
                        .find(|n| n.name == action)
                        .map(|n| n.pointer.clone())
                })
                .and_then(|p| doc.root.pointer(&p).cloned());
            fingerprint(
                action_value.as_ref(),
                doc.definition(wf).get("parameters"),
                &self.form,
            )
        };
        self.pending_fingerprint = fingerprint;
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
                    Some(
                        prepare::read_params_file(&PathBuf::from(&params_file))
                            .map_err(PrepareError::Parameters)?,
                    )
                };
                let ca = if ca_file.is_empty() {
                    None
                } else {
                    Some(std::fs::read(&ca_file).map_err(|e| {
                        PrepareError::Parameters(format!("the CA file {ca_file}: {e}"))
                    })?)
                };
                let resolved = prepare::parameter_values(
                    doc.definition(wf),
                    file.as_ref(),
                    &overrides,
                    &prep_store,
                )?;
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
                    let record = Record::from_outcome(&outcome, &p.redactor);
                    Msg::Done(Box::new(outcome), curl, Box::new(record))
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
            self.results.remove(&r.action);
            self.errors.insert(r.action, CANCELLED.into());
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
                    Msg::Done(outcome, curl, record) => {
                        let body = std::sync::Arc::new(report::body_value(&outcome));
                        let entry = HistoryEntry {
                            outcome: std::sync::Arc::from(outcome),
                            curl,
                            body,
                            fingerprint: self.pending_fingerprint,
                        };
                        self.history.push(HistoryRow {
                            record: *record,
                            entry: Some(entry.clone()),
                        });
                        if self.history.len() > HISTORY {
                            self.history.remove(0);
                        }
                        self.save_history();
                        self.results.insert(r.action, entry);
                    }
                    Msg::NeedSecret(name) => {
                        // A result of an earlier request would read as
                        // this one's.
                        self.results.remove(&r.action);
                        self.errors.insert(
                            r.action,
                            format!("The secure parameter `{name}` needs a value: type it under Parameters and secrets, then Use and send."),
                        );
                        self.form.missing = Some(name);
                        self.form.reveal = true;
                    }
                    Msg::Failed(e) => {
                        self.results.remove(&r.action);
                        let e = match e.find("give one with --param") {
                            Some(i) => {
                                if let Some(name) = e[..i]
                                    .rsplit_once("the parameter `")
                                    .and_then(|(_, rest)| rest.split_once('`'))
                                    .map(|(n, _)| n.to_owned())
                                {
                                    self.form.missing = Some(name);
                                    self.form.reveal = true;
                                }
                                format!(
                                    "{}type its value under Parameters and secrets, or give a parameters file in Call options.",
                                    &e[..i]
                                )
                            }
                            None => e,
                        };
                        self.errors.insert(r.action, e);
                    }
                }
            }
        }
    }
}
