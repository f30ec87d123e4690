//! The HTTP server of `lapis serve`: hyper on tokio, one task per
//! connection, each accepted trigger request run by the engine on a
//! blocking worker.
//!
//! Order of the checks on a trigger request (each refusal starts no run):
//! route (404) → `api-version` (400) → caller IP against
//! `accessControl.triggers` (401) → a SAS and a bearer token together
//! (400) → SAS present, well formed, signed by the current primary or
//! secondary key, not expired, allowing this trigger (401) → the trigger's
//! method (400) and relative path (404) → body within the size limit and
//! read within the body timeout (413, 408) → a free worker (429).

use super::history_view;
use super::keys::{self, KeyKind, KeyStore, Keys};
use super::sas::{self, SasError};
use super::Refusal;
use crate::run::history::History;
use crate::run::{RunOptions, TriggerRequest};
use crate::secrets::Secret;
use crate::workflow::{access, Container, Document};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

/// Consumption's `api-version` in callback URLs.
pub const CONSUMPTION_API_VERSION: &str = "2016-10-01";
/// Standard's `api-version` in callback URLs.
pub const STANDARD_API_VERSION: &str = "2022-05-01";

/// A callback-URL logger: one line per request, never with its query.
pub type Log = Arc<dyn Fn(&str) + Send + Sync>;

/// How the server runs.
#[derive(Clone)]
pub struct Config {
    /// Address to listen on (loopback by default).
    pub bind: IpAddr,
    /// Port (0: any free port).
    pub port: u16,
    /// The access keys.
    pub keys: Arc<KeyStore>,
    /// The run history file.
    pub history: PathBuf,
    /// Runs kept per workflow in the history.
    pub retention: usize,
    /// Largest request body accepted, in bytes.
    pub max_body: usize,
    /// How long a caller waits for the workflow's Response.
    pub response_timeout: Duration,
    /// Runs at once; a request beyond gets 429.
    pub max_runs: usize,
    /// Connections at once; one beyond is closed at accept.
    pub max_connections: usize,
    /// Time to send the request headers.
    pub header_timeout: Duration,
    /// Time to send the request body.
    pub body_timeout: Duration,
    /// Options every run starts from (secrets, time scale, mocks…).
    pub run: RunOptions,
    /// The token the run history API asks for (`Authorization: Bearer`).
    pub management_token: Secret,
    /// Where request lines go.
    pub log: Option<Log>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("port", &self.port)
            .field("history", &self.history)
            .field("max_body", &self.max_body)
            .field("response_timeout", &self.response_timeout)
            .field("max_runs", &self.max_runs)
            .finish()
    }
}

impl Config {
    /// Defaults: loopback, port 7071, history and keys in `data_dir`
    /// (keys from `keys`), 16 MiB bodies, 120 s for the Response, 32 runs
    /// and 256 connections at once, 10 s for headers, 30 s for the body.
    pub fn new(keys: Arc<KeyStore>, history: PathBuf) -> Config {
        Config {
            bind: IpAddr::from([127, 0, 0, 1]),
            port: 7071,
            keys,
            history,
            retention: crate::run::history::DEFAULT_RETENTION,
            max_body: 16 * 1024 * 1024,
            response_timeout: Duration::from_secs(120),
            max_runs: 32,
            max_connections: 256,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            run: RunOptions::default(),
            management_token: new_token(),
            log: None,
        }
    }
}

/// A new management token: 256 random bits, base64url.
pub fn new_token() -> Secret {
    keys::new_key()
}

/// One Request trigger of a served workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    /// Its name.
    pub name: String,
    /// Its `inputs.method`, upper case (`None`: POST, see the README).
    pub method: Option<String>,
    /// Its `inputs.relativePath` template.
    pub relative_path: Option<String>,
}

/// One served workflow.
#[derive(Debug, Clone)]
pub struct Served {
    /// The name in URLs.
    pub name: String,
    /// The name inside the file (what the run history records).
    pub doc_name: String,
    /// The file.
    pub file: PathBuf,
    /// Its index in the file.
    pub index: usize,
    /// The loaded file.
    pub doc: Arc<Document>,
    /// Its identity in the key store.
    pub key_id: String,
    /// Its Request triggers.
    pub triggers: Vec<Trigger>,
    /// Its `accessControl`.
    pub access: Option<Value>,
    /// True when the file is a Standard `workflow.json` (URLs printed in
    /// Standard's shape).
    pub standard: bool,
    /// True when a Response action answers callers.
    pub has_response: bool,
}

fn url_safe(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// True when a Response action is anywhere in `actions`.
fn has_response(actions: Option<&Value>) -> bool {
    let Some(Value::Object(m)) = actions else {
        return false;
    };
    m.values().any(|a| {
        a.get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.eq_ignore_ascii_case("Response"))
            || crate::run::engine::branches(a)
                .into_iter()
                .any(|b| has_response(Some(&Value::Object(b.clone()))))
    })
}

/// The workflows of `files` that have a Request trigger, with unique URL
/// names. Errors name the file and what is wrong.
pub fn load(files: &[PathBuf]) -> Result<Vec<Served>, String> {
    let mut out: Vec<Served> = Vec::new();
    for file in files {
        let doc = Arc::new(Document::load(file).map_err(|e| e.to_string())?);
        for (i, loc) in doc.workflows.iter().enumerate() {
            let def = doc.definition(i);
            let mut triggers = Vec::new();
            if let Some(Value::Object(t)) = def.get("triggers") {
                for (name, t) in t {
                    let ty = t.get("type").and_then(Value::as_str).unwrap_or("");
                    if !ty.eq_ignore_ascii_case("Request") {
                        continue;
                    }
                    let method = t
                        .pointer("/inputs/method")
                        .and_then(Value::as_str)
                        .map(str::to_ascii_uppercase);
                    let relative_path = t
                        .pointer("/inputs/relativePath")
                        .and_then(Value::as_str)
                        .map(|s| s.trim_matches('/').to_owned())
                        .filter(|s| !s.is_empty());
                    triggers.push(Trigger {
                        name: name.clone(),
                        method,
                        relative_path,
                    });
                }
            }
            if triggers.is_empty() {
                continue;
            }
            let stem = file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "workflow".into());
            let stem = if doc.container == Container::Standard && stem == "workflow" {
                file.parent()
                    .and_then(Path::file_name)
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or(stem)
            } else {
                stem
            };
            let mut name = if url_safe(&loc.name) {
                loc.name.clone()
            } else {
                let s: String = stem
                    .chars()
                    .map(|c| if url_safe(&c.to_string()) { c } else { '-' })
                    .collect();
                if doc.workflows.len() > 1 {
                    format!("{s}-{}", i + 1)
                } else {
                    s
                }
            };
            if out.iter().any(|s| s.name.eq_ignore_ascii_case(&name)) {
                name = format!("{name}-{}", out.len() + 1);
            }
            let access = access::get(&doc, i).map(|m| Value::Object(m.clone()));
            out.push(Served {
                name,
                doc_name: loc.name.clone(),
                file: file.clone(),
                index: i,
                key_id: keys::workflow_id(file, &loc.name),
                triggers,
                access,
                standard: doc.container == Container::Standard,
                has_response: has_response(def.get("actions")),
                doc: doc.clone(),
            });
        }
    }
    if out.is_empty() {
        return Err(format!(
            "no workflow with a Request trigger in {}",
            files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(out)
}

/// The path of a callback URL up to `/invoke` (what is signed).
pub fn invoke_path(workflow: &str, trigger: &str, standard: bool) -> String {
    if standard {
        format!("/api/{workflow}/triggers/{trigger}/invoke")
    } else {
        format!("/workflows/{workflow}/triggers/{trigger}/paths/invoke")
    }
}

/// A callback URL of `trigger` (first Request trigger when `None`) of
/// `wf`, signed with its `kind` key, expiring at `not_after` when given.
/// `base` is `http://host:port`. Blocking (reads the key store).
pub fn callback_url(
    keys: &KeyStore,
    wf: &Served,
    trigger: Option<&str>,
    kind: KeyKind,
    not_after: Option<DateTime<Utc>>,
    base: &str,
) -> Result<String, String> {
    let t = match trigger {
        None => &wf.triggers[0],
        Some(n) => wf.triggers.iter().find(|t| t.name == n).ok_or_else(|| {
            format!(
                "workflow {} has no Request trigger `{n}`; it has {}",
                wf.name,
                wf.triggers
                    .iter()
                    .map(|t| format!("`{}`", t.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?,
    };
    let k = keys.ensure(&wf.key_id)?;
    let path = invoke_path(&wf.name, &t.name, wf.standard);
    let version = if wf.standard {
        STANDARD_API_VERSION
    } else {
        CONSUMPTION_API_VERSION
    };
    let mut shown = path.clone();
    if let Some(rel) = &t.relative_path {
        shown.push('/');
        shown.push_str(rel);
    }
    Ok(format!(
        "{}{}?{}",
        base.trim_end_matches('/'),
        shown,
        sas::callback_query(version, &path, &t.name, k.get(kind), not_after)
    ))
}

struct State {
    config: Config,
    workflows: Vec<Served>,
    runs: Arc<Semaphore>,
    history: Arc<Mutex<History>>,
    secrets_for_history: Vec<Secret>,
}

/// A running server.
pub struct Server {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    state: Arc<State>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("addr", &self.addr).finish()
    }
}

impl Server {
    /// Binds and starts serving `workflows`; makes their keys when they
    /// have none. Call inside a tokio runtime.
    pub async fn start(config: Config, workflows: Vec<Served>) -> Result<Server, String> {
        let mut history = {
            let path = config.history.clone();
            tokio::task::spawn_blocking(move || {
                if let Some(d) = path.parent() {
                    let _ = std::fs::create_dir_all(d);
                }
                History::open(&path)
            })
            .await
            .map_err(|e| e.to_string())??
        };
        history.set_retention(config.retention);
        history.add_secrets(&config.run.secrets);
        history.add_secret("management token", &config.management_token);
        let mut secrets = vec![config.management_token.clone()];
        {
            let ks = config.keys.clone();
            let ids: Vec<String> = workflows.iter().map(|w| w.key_id.clone()).collect();
            let made = tokio::task::spawn_blocking(move || {
                ids.iter()
                    .map(|id| ks.ensure(id))
                    .collect::<Result<Vec<Keys>, String>>()
            })
            .await
            .map_err(|e| e.to_string())??;
            for k in made {
                history.add_secret("access key", &k.primary);
                history.add_secret("access key", &k.secondary);
                secrets.push(k.primary.clone());
                secrets.push(k.secondary.clone());
            }
        }
        let listener = TcpListener::bind((config.bind, config.port))
            .await
            .map_err(|e| format!("cannot listen on {}:{}: {e}", config.bind, config.port))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let state = Arc::new(State {
            runs: Arc::new(Semaphore::new(config.max_runs.max(1))),
            history: Arc::new(Mutex::new(history)),
            secrets_for_history: secrets,
            config,
            workflows,
        });
        let (stop, stop_rx) = watch::channel(false);
        let task = tokio::spawn(accept_loop(listener, state.clone(), stop_rx));
        Ok(Server {
            addr,
            stop,
            task,
            state,
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://addr`.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Runs started and not yet stored in the history (a caller may have
    /// had its Response already).
    pub fn runs_in_progress(&self) -> usize {
        self.state
            .config
            .max_runs
            .max(1)
            .saturating_sub(self.state.runs.available_permits())
    }

    /// The served workflows.
    pub fn workflows(&self) -> &[Served] {
        &self.state.workflows
    }

    /// Stops accepting, lets every run finish and be stored (and its
    /// caller answered), then closes the connections.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

async fn accept_loop(listener: TcpListener, state: Arc<State>, mut stop: watch::Receiver<bool>) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            r = listener.accept() => match r {
                Ok((stream, _)) if conns.len() >= state.config.max_connections => drop(stream),
                Ok((stream, peer)) => {
                    conns.spawn(serve_conn(stream, peer, state.clone()));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
            _ = stop.changed() => break,
        }
    }
    drop(listener);
    // Drain: every run holds a permit until it is stored.
    let n = state.config.max_runs.max(1) as u32;
    let _all = state.runs.acquire_many(n).await;
    // Give the connections a moment to write their last answers.
    let _ = tokio::time::timeout(Duration::from_millis(500), async {
        while conns.join_next().await.is_some() {}
    })
    .await;
    conns.abort_all();
}

async fn serve_conn(stream: tokio::net::TcpStream, peer: SocketAddr, state: Arc<State>) {
    let _ = stream.set_nodelay(true);
    let header_timeout = state.config.header_timeout;
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        let state = state.clone();
        async move { Ok::<_, std::convert::Infallible>(handle(req, peer, state).await) }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

type Answer = Response<Full<Bytes>>;

fn json_answer(status: u16, body: String) -> Answer {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::OK);
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

fn refuse(r: &Refusal) -> Answer {
    let mut a = json_answer(r.status, r.body());
    if r.status == 429 {
        a.headers_mut().insert(
            hyper::header::RETRY_AFTER,
            hyper::header::HeaderValue::from_static("1"),
        );
    }
    a
}

fn decode(seg: &str) -> String {
    percent_encoding::percent_decode_str(seg)
        .decode_utf8_lossy()
        .into_owned()
}

enum Route<'a> {
    Invoke {
        wf: &'a Served,
        trigger: &'a Trigger,
        signed_path: String,
        relative: Vec<String>,
    },
    Runs {
        wf: &'a Served,
        id: Option<String>,
    },
}

fn route<'a>(state: &'a State, path: &str) -> Result<Route<'a>, Refusal> {
    let segs: Vec<String> = path
        .trim_start_matches('/')
        .split('/')
        .map(decode)
        .collect();
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let find_wf = |name: &str| {
        state
            .workflows
            .iter()
            .find(|w| w.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                Refusal::new(
                    404,
                    "WorkflowNotFound",
                    format!("The workflow '{name}' could not be found."),
                )
            })
    };
    let find_trigger = |wf: &'a Served, name: &str| {
        wf.triggers
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                Refusal::new(
                    404,
                    "WorkflowTriggerNotFound",
                    format!(
                        "The workflow '{}' has no Request trigger '{name}'.",
                        wf.name
                    ),
                )
            })
    };
    match s.as_slice() {
        ["workflows", w, "triggers", t, "paths", "invoke", rest @ ..] => {
            let wf = find_wf(w)?;
            let trigger = find_trigger(wf, t)?;
            Ok(Route::Invoke {
                wf,
                trigger,
                signed_path: invoke_path(&wf.name, &trigger.name, false),
                relative: rest.iter().map(|x| x.to_string()).collect(),
            })
        }
        ["api", w, "triggers", t, "invoke", rest @ ..] => {
            let wf = find_wf(w)?;
            let trigger = find_trigger(wf, t)?;
            Ok(Route::Invoke {
                wf,
                trigger,
                signed_path: invoke_path(&wf.name, &trigger.name, true),
                relative: rest.iter().map(|x| x.to_string()).collect(),
            })
        }
        ["workflows", w, "runs"] => Ok(Route::Runs {
            wf: find_wf(w)?,
            id: None,
        }),
        ["workflows", w, "runs", id] => Ok(Route::Runs {
            wf: find_wf(w)?,
            id: Some(id.to_string()),
        }),
        _ => Err(Refusal::new(
            404,
            "NotFound",
            "No trigger or run history at this path.",
        )),
    }
}

fn log(state: &State, line: String) {
    if let Some(l) = &state.config.log {
        l(&line);
    }
}

async fn handle(req: Request<Incoming>, peer: SocketAddr, state: Arc<State>) -> Answer {
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    let (answer, note) = match handle_inner(req, peer, &state).await {
        Ok((a, note)) => (a, note),
        Err(r) => (refuse(&r), r.code.to_owned()),
    };
    log(
        &state,
        format!(
            "{} {method} {path} {} {note}",
            peer.ip(),
            answer.status().as_u16()
        ),
    );
    answer
}

fn bearer(req: &Request<Incoming>) -> Option<String> {
    let v = req
        .headers()
        .get(hyper::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, rest) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("Bearer")
        .then(|| rest.trim().to_owned())
}

/// Equal in constant time (over SHA-256 digests, so lengths do not leak).
fn same(a: &str, b: &str) -> bool {
    use sha2::{Digest, Sha256};
    let (x, y) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    x.iter()
        .zip(y.iter())
        .fold(0u8, |acc, (p, q)| acc | (p ^ q))
        == 0
}

fn match_relative(template: Option<&str>, given: &[String]) -> bool {
    let given: Vec<&str> = given
        .iter()
        .map(String::as_str)
        .filter(|s| !s.is_empty())
        .collect();
    match template {
        None => given.is_empty(),
        Some(t) => {
            let t: Vec<&str> = t.split('/').filter(|s| !s.is_empty()).collect();
            t.len() == given.len()
                && t.iter().zip(given.iter()).all(|(a, b)| {
                    (a.starts_with('{') && a.ends_with('}')) || a.eq_ignore_ascii_case(b)
                })
        }
    }
}

async fn handle_inner(
    req: Request<Incoming>,
    peer: SocketAddr,
    state: &Arc<State>,
) -> Result<(Answer, String), Refusal> {
    let r = route(state, req.uri().path())?;
    match r {
        Route::Runs { wf, id } => history_api(&req, peer, state, wf, id).await,
        Route::Invoke {
            wf,
            trigger,
            signed_path,
            relative,
        } => invoke(req, peer, state, wf, trigger, signed_path, relative).await,
    }
}

async fn history_api(
    req: &Request<Incoming>,
    peer: SocketAddr,
    state: &Arc<State>,
    wf: &Served,
    id: Option<String>,
) -> Result<(Answer, String), Refusal> {
    if req.method() != hyper::Method::GET {
        return Err(Refusal::new(
            405,
            "MethodNotAllowed",
            "The run history answers GET only.",
        ));
    }
    let ok = bearer(req).is_some_and(|t| same(&t, state.config.management_token.expose()));
    if !ok {
        return Err(Refusal::new(
            401,
            "AuthenticationFailed",
            "The run history needs the management token that `lapis serve` printed at start, as `Authorization: Bearer <token>`.",
        ));
    }
    let view = history_view::view(wf.access.as_ref(), peer.ip());
    let h = state.history.clone();
    let doc_name = wf.doc_name.clone();
    let file = wf.file.to_string_lossy().into_owned();
    let body = tokio::task::spawn_blocking(move || -> Result<Option<Value>, String> {
        let h = h.lock().unwrap_or_else(|p| p.into_inner());
        match id {
            None => {
                let list: Vec<_> = h
                    .list(Some(&file))?
                    .into_iter()
                    .filter(|s| s.workflow == doc_name)
                    .collect();
                Ok(Some(serde_json::to_value(list).map_err(|e| e.to_string())?))
            }
            Some(id) => Ok(h.get(&id)?.filter(|r| r.workflow == doc_name).map(|r| {
                history_view::filter(serde_json::to_value(r).unwrap_or(Value::Null), view)
            })),
        }
    })
    .await
    .map_err(|e| Refusal::new(500, "InternalServerError", e.to_string()))?
    .map_err(|e| Refusal::new(500, "InternalServerError", e))?;
    let Some(mut body) = body else {
        return Err(Refusal::new(
            404,
            "WorkflowRunNotFound",
            "No such run of this workflow in the run history.",
        ));
    };
    // Defence in depth: a stored run never holds a key or the token, but
    // check the answer anyway.
    let mut text = body.to_string();
    for s in &state.secrets_for_history {
        if !s.is_empty() && text.contains(s.expose()) {
            text = text.replace(s.expose(), crate::secrets::MASK);
        }
    }
    body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Ok((
        json_answer(200, serde_json::to_string_pretty(&body).unwrap_or_default()),
        String::new(),
    ))
}

async fn invoke(
    req: Request<Incoming>,
    peer: SocketAddr,
    state: &Arc<State>,
    wf: &Served,
    trigger: &Trigger,
    signed_path: String,
    relative: Vec<String>,
) -> Result<(Answer, String), Refusal> {
    let query = req.uri().query().unwrap_or("").to_owned();
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if !pairs.iter().any(|(k, _)| k == "api-version") {
        return Err(Refusal::new(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        ));
    }
    let policy = access::policy(wf.access.as_ref(), "triggers");
    if !access::allows(&policy, peer.ip()) {
        return Err(Refusal::new(
            401,
            "AuthorizationFailed",
            format!(
                "The client IP address '{}' is not in the allowed caller IP address ranges specified in the workflow access control configuration.",
                peer.ip()
            ),
        ));
    }
    let has_sas = pairs.iter().any(|(k, _)| k == "sig");
    if has_sas && bearer(&req).is_some() {
        return Err(Refusal::new(
            400,
            "DirectApiRequestHasMoreThanOneAuthorization",
            "The request has both a shared access signature (sig) and an 'Authorization: Bearer' header. Only one scheme should be used.",
        ));
    }
    let p = sas::params(&query).map_err(sas_refusal)?;
    let ks = state.config.keys.clone();
    let id = wf.key_id.clone();
    let keys = tokio::task::spawn_blocking(move || ks.current(&id))
        .await
        .map_err(|e| Refusal::new(500, "InternalServerError", e.to_string()))?
        .map_err(|e| Refusal::new(500, "InternalServerError", e))?
        .ok_or(Refusal::new(
            401,
            "DirectApiInvalidAuthorizationSignature",
            SasError::Mismatch.to_string(),
        ))?;
    sas::verify(&keys, &signed_path, &trigger.name, &p, Utc::now()).map_err(sas_refusal)?;
    drop(keys);
    let expected = trigger.method.clone().unwrap_or_else(|| "POST".into());
    if !req.method().as_str().eq_ignore_ascii_case(&expected) {
        return Err(Refusal::new(
            400,
            "TriggerRequestMethodNotValid",
            format!(
                "The HTTP method for this request is not valid: expected '{expected}' and actual '{}'.",
                req.method()
            ),
        ));
    }
    if !match_relative(trigger.relative_path.as_deref(), &relative) {
        return Err(Refusal::new(
            404,
            "TriggerRelativePathNotMatched",
            match &trigger.relative_path {
                Some(t) => {
                    format!("The relative path does not match the trigger's relativePath '{t}'.")
                }
                None => {
                    "The trigger has no relativePath: call …/invoke with nothing after it.".into()
                }
            },
        ));
    }
    // The request.
    let method = req.method().as_str().to_owned();
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .filter(|(k, _)| *k != hyper::header::AUTHORIZATION)
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let declared = req
        .headers()
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = || {
        Refusal::new(
            413,
            "RequestEntityTooLarge",
            format!(
                "The request body is larger than the limit of {} bytes.",
                state.config.max_body
            ),
        )
    };
    if declared.is_some_and(|n| n > state.config.max_body as u64) {
        return Err(too_large());
    }
    let body = Limited::new(req.into_body(), state.config.max_body);
    let bytes = match tokio::time::timeout(state.config.body_timeout, body.collect()).await {
        Err(_) => {
            return Err(Refusal::new(
                408,
                "RequestTimeout",
                "The request body did not arrive within the time limit.",
            ))
        }
        Ok(Err(e)) => {
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                return Err(too_large());
            }
            return Err(Refusal::new(
                400,
                "BadRequest",
                "The request body could not be read.",
            ));
        }
        Ok(Ok(c)) => c.to_bytes(),
    };
    let permit = state.runs.clone().try_acquire_owned().map_err(|_| {
        Refusal::new(
            429,
            "TooManyRequests",
            format!(
                "{} runs are in progress, the limit; retry after a second.",
                state.config.max_runs
            ),
        )
    })?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let body = if text.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    let request = TriggerRequest {
        method: Some(method),
        headers,
        query: pairs
            .into_iter()
            .filter(|(k, _)| !matches!(k.as_str(), "sp" | "sv" | "sig" | "se" | "api-version"))
            .collect(),
        relative_path: (!relative.is_empty()).then(|| relative.join("/")),
        body,
    };
    let run_id = crate::run::new_run_id();
    let mut options = state.config.run.clone();
    options.workflow_name = Some((wf.index + 1).to_string());
    options.file = Some(wf.file.clone());
    options.cancel = Arc::new(std::sync::atomic::AtomicBool::new(false));
    options.run_id = Some(run_id.clone());
    // The caller is answered when the Response action runs, with its values
    // in clear (the record hides secured ones), while the run goes on.
    let (resp_tx, mut resp_rx) = tokio::sync::oneshot::channel::<crate::run::RunResponse>();
    let resp_tx = std::sync::Mutex::new(Some(resp_tx));
    options.responder = Some(Arc::new(move |r: &crate::run::RunResponse| {
        if let Some(tx) = resp_tx.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = tx.send(r.clone());
        }
    }));
    let doc = wf.doc.clone();
    let history = state.history.clone();
    let (tx, mut rx) = tokio::sync::oneshot::channel();
    let rid = run_id.clone();
    let log_state = state.clone();
    tokio::task::spawn_blocking(move || {
        let result = crate::run::run(&doc, &request, options);
        let outcome = match result {
            Ok(mut run) => {
                run.run_id = rid.clone();
                let stored = history
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .store(&run);
                if let Err(e) = &stored {
                    log(&log_state, format!("run {rid}: not stored: {e}"));
                }
                Ok(run)
            }
            Err(e) => {
                log(&log_state, format!("run {rid}: did not start: {e}"));
                Err(e.to_string())
            }
        };
        drop(permit);
        let _ = tx.send(outcome);
    });
    let location = format!("/workflows/{}/runs/{run_id}", wf.name);
    let with_ids = |mut a: Answer| {
        if let Ok(v) = hyper::header::HeaderValue::from_str(&run_id) {
            a.headers_mut().insert("x-ms-workflow-run-id", v);
        }
        a
    };
    if !wf.has_response {
        let mut a = with_ids(json_answer(202, String::new()));
        a.headers_mut().remove(hyper::header::CONTENT_TYPE);
        if let Ok(v) = hyper::header::HeaderValue::from_str(&location) {
            a.headers_mut().insert(hyper::header::LOCATION, v);
        }
        return Ok((a, format!("run {run_id}")));
    }
    enum Got<T> {
        Response(crate::run::RunResponse),
        Done(T),
    }
    let first = async {
        tokio::select! {
            biased;
            Ok(r) = &mut resp_rx => Ok(Got::Response(r)),
            done = &mut rx => done.map(Got::Done),
        }
    };
    match tokio::time::timeout(state.config.response_timeout, first).await {
        Ok(Ok(Got::Response(r))) => Ok((with_ids(response_answer(&r)), format!("run {run_id}"))),
        Err(_) => Err(Refusal::new(
            504,
            "GatewayTimeout",
            format!(
                "The workflow did not send its Response within {} s; the run continues ({run_id}).",
                state.config.response_timeout.as_secs_f64()
            ),
        )),
        Ok(Err(_)) => Err(Refusal::new(500, "InternalServerError", "The run stopped.")),
        Ok(Ok(Got::Done(Err(e)))) => Err(Refusal::new(400, "InvalidTemplate", e)),
        Ok(Ok(Got::Done(Ok(run)))) => match run.response {
            None => Err(Refusal::new(
                502,
                "NoResponse",
                format!(
                    "The run {run_id} ended {} without sending its Response.",
                    run.status.as_str()
                ),
            )),
            Some(r) => Ok((with_ids(response_answer(&r)), format!("run {run_id}"))),
        },
    }
}

fn response_answer(r: &crate::run::RunResponse) -> Answer {
    let (bytes, ct) = match &r.body {
        Value::Null => (Vec::new(), None),
        Value::String(s) => (s.clone().into_bytes(), Some("text/plain; charset=utf-8")),
        v => (
            serde_json::to_vec(v).unwrap_or_default(),
            Some("application/json; charset=utf-8"),
        ),
    };
    let mut a = Response::new(Full::new(Bytes::from(bytes)));
    *a.status_mut() = hyper::StatusCode::from_u16(r.status).unwrap_or(hyper::StatusCode::OK);
    if let Some(ct) = ct {
        a.headers_mut().insert(
            hyper::header::CONTENT_TYPE,
            hyper::header::HeaderValue::from_static(ct),
        );
    }
    for (k, v) in &r.headers {
        let v = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if let (Ok(k), Ok(v)) = (
            hyper::header::HeaderName::from_bytes(k.as_bytes()),
            hyper::header::HeaderValue::from_str(&v),
        ) {
            if k != hyper::header::CONTENT_LENGTH && k != hyper::header::TRANSFER_ENCODING {
                a.headers_mut().insert(k, v);
            }
        }
    }
    a
}

fn sas_refusal(e: SasError) -> Refusal {
    let code = match &e {
        SasError::Missing(_) => "DirectApiAuthorizationRequired",
        SasError::Malformed(_) | SasError::Mismatch => "DirectApiInvalidAuthorizationSignature",
        SasError::Expired(_) => "DirectApiAuthorizationExpired",
        SasError::Scope(_) => "DirectApiInvalidAuthorizationScope",
    };
    Refusal::new(401, code, e.to_string())
}

/// The path part of a Location or URL, for tests and clients.
pub fn runs_path(workflow: &str) -> String {
    format!("/workflows/{workflow}/runs")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_match_templates() {
        let v = |s: &str| -> Vec<String> { s.split('/').map(str::to_owned).collect() };
        assert!(match_relative(Some("orders/{id}"), &v("orders/42")));
        assert!(match_relative(Some("orders/{id}"), &v("ORDERS/42")));
        assert!(!match_relative(Some("orders/{id}"), &v("orders")));
        assert!(!match_relative(Some("orders/{id}"), &v("items/42")));
        assert!(match_relative(None, &[]));
        assert!(!match_relative(None, &v("x")));
    }

    #[test]
    fn constant_time_equality() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "abcd"));
    }
}
