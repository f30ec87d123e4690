//! The local executor: runs a workflow definition on the desk as Logic Apps
//! would, and gives back a [`Run`] record with secured values already
//! hidden.
//!
//! Entry point: [`run`], a blocking call (run it on a worker thread, not on
//! the UI thread nor inside an async task). Progress is reported through
//! [`RunOptions::observer`]; [`RunOptions::cancel`] stops a run.
//!
//! Semantics (Microsoft Learn, "Handle errors and exceptions in Azure Logic
//! Apps", "Schema reference for trigger and action types"):
//! - an action runs when every action in its `runAfter` finished with one of
//!   the listed statuses (an empty list means `Succeeded`); otherwise it is
//!   Skipped, and its own dependants see Skipped (skips propagate);
//! - actions whose dependencies are met run in parallel;
//! - the status of a scope (Scope, If, Switch, Foreach iteration, Until
//!   iteration) and of the run comes from its last actions (those no
//!   sibling runs after): a Skipped last action stands for the actions it
//!   waited on; any Failed, TimedOut or Cancelled one makes it Failed;
//! - Terminate ends the run with its status; a Response answers once.

mod actions;
pub(crate) mod data;
mod secure;

use crate::expr::ast::Template;
use crate::expr::eval::{Context, Evaluator, LoopFrame};
use crate::expr::parse::parse_string_value;
use crate::expr::RefKind;
use crate::invoke::prepare::{parameter_values, Resolved};
use crate::invoke::token::TokenCache;
use crate::invoke::CallOptions;
use crate::run::model::{
    ActionRun, Mock, Repetition, Run, RunError, RunResponse, Status, TriggerRequest, HIDDEN,
};
use crate::secrets::{Redactor, SecretStore};
use crate::workflow::model::ActionType;
use crate::workflow::Document;
use chrono::{SecondsFormat, Utc};
use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

pub use secure::redact_value;

/// Called when an action starts (status Running) and when it finishes:
/// the action's name (names are unique across a workflow, nested ones
/// included) and its record. For an action inside a Foreach or Until, the
/// record is the one iteration (its `repetitions` holds that iteration
/// only); [`Run::actions`] holds them all at the end. Values in the record
/// are already hidden and redacted.
pub type Observer = Arc<dyn Fn(&str, &ActionRun) + Send + Sync>;

/// Told the Response as the caller gets it (values in clear, not hidden or
/// redacted: the record hides them, the caller does not), when the
/// Response action runs, before the run goes on.
pub type Responder = Arc<dyn Fn(&RunResponse) + Send + Sync>;

/// How a run is made.
#[derive(Clone)]
pub struct RunOptions {
    /// Which workflow of an ARM template (name or 1-based index); `None`
    /// for the first (the only one of a definition file).
    pub workflow_name: Option<String>,
    /// The file the workflow came from: child workflows (the Workflow
    /// action) are looked for next to it; it is recorded in the run.
    pub file: Option<PathBuf>,
    /// A parameters file's content (`{name: {value}}` or `{name: value}`).
    pub params_file: Option<Value>,
    /// `--param NAME=VALUE` overrides.
    pub params: Vec<(String, String)>,
    /// Secret values (secure parameters, app settings, `--secret`); every
    /// value held in it is redacted from the record.
    pub secrets: SecretStore,
    /// Actions replaced by a mock, by name.
    pub mocks: HashMap<String, Mock>,
    /// Use the definition's `staticResults` where an action enables them.
    pub static_results: bool,
    /// The whole run's time limit; the run is TimedOut past it.
    pub timeout: Option<Duration>,
    /// Every wait (Delay, Delay until, retry intervals) is multiplied by
    /// this factor: 1 waits as Azure would, 0.001 a thousand times less.
    pub time_scale: f64,
    /// Set it to stop the run: actions not yet started are Cancelled, the
    /// run is Cancelled.
    pub cancel: Arc<AtomicBool>,
    /// Progress reports.
    pub observer: Option<Observer>,
    /// The Response, in clear, as soon as it is sent (a server answers its
    /// caller then, as Azure does, while the run goes on).
    pub responder: Option<Responder>,
    /// The run's id (`workflow().run.name`); a new one when `None`.
    pub run_id: Option<String>,
    /// How Http actions are sent (timeouts, CA certificates, …). An
    /// action's `limit.timeout` overrides the timeout.
    pub call: CallOptions,
    /// Tokens shared between runs (and with test calls).
    pub tokens: TokenCache,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            workflow_name: None,
            file: None,
            params_file: None,
            params: Vec::new(),
            secrets: SecretStore::without_keychain(),
            mocks: HashMap::new(),
            static_results: false,
            timeout: None,
            time_scale: 1.0,
            cancel: Arc::new(AtomicBool::new(false)),
            observer: None,
            responder: None,
            run_id: None,
            call: CallOptions::default(),
            tokens: TokenCache::default(),
        }
    }
}

impl std::fmt::Debug for RunOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunOptions")
            .field("workflow_name", &self.workflow_name)
            .field("file", &self.file)
            .field(
                "params",
                &self.params.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field("mocks", &self.mocks.keys().collect::<Vec<_>>())
            .field("static_results", &self.static_results)
            .field("timeout", &self.timeout)
            .field("time_scale", &self.time_scale)
            .finish()
    }
}

/// Why a run could not start (nothing ran): bad input, said where and what.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSetupError {
    /// JSON pointer of the offending part from the file's root, or empty.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

impl RunSetupError {
    fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        RunSetupError {
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for RunSetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.pointer.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.pointer, self.message)
        }
    }
}

impl std::error::Error for RunSetupError {}

/// Runs workflow `options.workflow_name` of `doc` once, as if its trigger
/// fired with `request`, to the end. Blocking.
pub fn run(
    doc: &Document,
    request: &TriggerRequest,
    options: RunOptions,
) -> Result<Run, RunSetupError> {
    let index = doc
        .select(options.workflow_name.as_deref())
        .map_err(|m| RunSetupError::new("", m))?;
    run_index(doc, index, request, options, 0)
}

/// Like [`run`], for the workflow at `index` of `doc`; `depth` counts
/// parent workflows (child workflows nest at most 8 deep).
fn run_index(
    doc: &Document,
    index: usize,
    request: &TriggerRequest,
    options: RunOptions,
    depth: usize,
) -> Result<Run, RunSetupError> {
    let definition = doc.definition(index).clone();
    let def_pointer = doc.workflows[index].definition_pointer.clone();
    let name = doc.workflows[index].name.clone();
    let resolved = parameter_values(
        &definition,
        options.params_file.as_ref(),
        &options.params,
        &options.secrets,
    )
    .map_err(|e| RunSetupError::new("", e.to_string()))?;
    let engine = Engine::new(
        doc,
        index,
        definition,
        def_pointer,
        name,
        resolved,
        options,
        depth,
    )?;
    Ok(engine.execute(request))
}

/// The declared parameters that have no value, with where a value can come
/// from: a run fails where one is read (a mocked action needs none), and
/// the message says what to do rather than "not defined".
fn unset_parameters(
    definition: &Map<String, Value>,
    resolved: &Resolved,
) -> HashMap<String, String> {
    let Some(declared) = definition.get("parameters").and_then(Value::as_object) else {
        return HashMap::new();
    };
    declared
        .iter()
        .filter(|(name, _)| !resolved.values.contains_key(*name))
        .map(|(name, decl)| {
            let ty = decl.get("type").and_then(Value::as_str).unwrap_or("");
            let how = if ty.to_ascii_lowercase().starts_with("secure") {
                format!(
                    "give it as a secret (the secret store, --secret {name}=env:VAR or \
                     --secret {name}=prompt, or the variable {}) or in a parameters file",
                    crate::secrets::env_var_name(name)
                )
            } else {
                format!("give it with --param {name}=VALUE or a parameters file, or declare a defaultValue")
            };
            (name.clone(), format!("is declared ({ty}) but has no value: {how}"))
        })
        .collect()
}

// ---------------------------------------------------------------------------
// The engine
// ---------------------------------------------------------------------------

/// Why the run stops early.
#[derive(Debug, Clone)]
pub(crate) enum Stop {
    Terminated(Status, Option<RunError>),
    Cancelled,
    TimedOut,
}

/// One expression string, parsed once, with what it reads.
pub(crate) struct Compiled {
    template: Template,
    /// Action names read by literal name (`body('X')`, `result('X')`, …).
    actions: Vec<String>,
    /// Reads actions or results by a computed name: give it every one.
    dynamic: bool,
    /// Reads `result('X')`: these scopes' children are needed.
    results: Vec<String>,
    /// Reads the trigger (`trigger…()`).
    trigger: bool,
    /// Reads a secure parameter (filled by the engine).
    parameters: Vec<String>,
}

/// A level of action results: the run's, or one loop iteration's.
pub(crate) struct Frame<'p> {
    parent: Option<&'p Frame<'p>>,
    /// The loops around, outermost first.
    loops: Vec<LoopFrame>,
    /// Results of actions that ran at this level, as expressions see them.
    results: Mutex<Map<String, Value>>,
    /// Inside a loop: the iteration index recorded as a repetition.
    repetition: Option<u64>,
}

impl<'p> Frame<'p> {
    fn root() -> Frame<'static> {
        Frame {
            parent: None,
            loops: Vec::new(),
            results: Mutex::new(Map::new()),
            repetition: None,
        }
    }

    fn child(&'p self, name: &str, item: Value, index: u64) -> Frame<'p> {
        let mut loops = self.loops.clone();
        loops.push(LoopFrame {
            name: name.to_owned(),
            item,
            index,
        });
        Frame {
            parent: Some(self),
            loops,
            results: Mutex::new(Map::new()),
            repetition: Some(index),
        }
    }

    fn lookup(&self, name: &str) -> Option<Value> {
        let mut f = Some(self);
        while let Some(fr) = f {
            if let Some(v) = lock(&fr.results).get(name) {
                return Some(v.clone());
            }
            f = fr.parent;
        }
        None
    }

    fn all(&self, into: &mut Map<String, Value>) {
        if let Some(p) = self.parent {
            p.all(into);
        }
        for (k, v) in lock(&self.results).iter() {
            into.insert(k.clone(), v.clone());
        }
    }

    fn set(&self, name: &str, v: Value) {
        lock(&self.results).insert(name.to_owned(), v);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The outcome of one action: what the record and the expressions see.
#[derive(Debug, Clone)]
pub(crate) struct Done {
    pub status: Status,
    pub inputs: Value,
    pub outputs: Value,
    pub error: Option<RunError>,
    pub retries: u32,
    /// The code beside the status (`OK`, `NotFound`, `ActionFailed`…);
    /// derived from the action's type and status when `None`.
    pub code: Option<String>,
    /// Lapis's explanation of a failed Http call (not part of `error`).
    pub diagnosis: Option<String>,
}

impl Done {
    pub(crate) fn ok(inputs: Value, outputs: Value) -> Done {
        Done {
            status: Status::Succeeded,
            inputs,
            outputs,
            error: None,
            retries: 0,
            code: None,
            diagnosis: None,
        }
    }

    pub(crate) fn failed(inputs: Value, code: &str, message: impl Into<String>) -> Done {
        Done {
            status: Status::Failed,
            inputs,
            outputs: Value::Null,
            error: Some(RunError {
                code: code.to_owned(),
                message: message.into(),
            }),
            retries: 0,
            code: None,
            diagnosis: None,
        }
    }

    /// The same outcome with Azure's `code` beside its status.
    pub(crate) fn with_code(mut self, code: impl Into<String>) -> Done {
        self.code = Some(code.into());
        self
    }

    /// An expression in the action's inputs failed: Azure's `BadRequest`
    /// with an `InvalidTemplate` error. The line and column Azure gives are
    /// positions in the deployed definition; recent runs say line '0' and
    /// column '0', and so does Lapis.
    pub(crate) fn bad_inputs(name: &str, message: &str) -> Done {
        Done::failed(
            Value::Null,
            "InvalidTemplate",
            format!(
                "Unable to process template language expressions in action '{name}' inputs at line '0' and column '0': '{message}'."
            ),
        )
        .with_code("BadRequest")
    }

    /// An expression of the action itself (an If's or Until's condition, a
    /// Switch's or Foreach's expression) failed.
    pub(crate) fn bad_expression(name: &str, message: &str) -> Done {
        Done::failed(
            Value::Null,
            "InvalidTemplate",
            format!(
                "Unable to process template language expressions for action '{name}' at line '0' and column '0': '{message}'."
            ),
        )
        .with_code("BadRequest")
    }

    /// A control action stopped by a Terminate inside it (or beside it):
    /// Cancelled, code `Terminated`, no error.
    pub(crate) fn terminated(inputs: Value) -> Done {
        let mut d = Done::ok(inputs, Value::Null).with_code("Terminated");
        d.status = Status::Cancelled;
        d
    }
}

/// Why an action did not run, as Azure's run history words it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Why<'a> {
    /// A run-after predecessor (the first, in run-after order, whose status
    /// is not listed) ended with another status.
    RunAfter {
        dep: &'a str,
        expected: &'a [Status],
        actual: Status,
    },
    /// It sits in an If branch or a Switch case that was not taken.
    Branch,
    /// Its container did not run it (skipped, or failed before running its
    /// actions): the container, its status and code.
    Parent {
        name: &'a str,
        status: Status,
        code: &'a str,
    },
    /// A Terminate ended the run first.
    Terminated,
}

/// The code and error a skipped action shows.
fn skipped_record(name: &str, why: Why) -> (String, Option<RunError>) {
    match why {
        Why::RunAfter {
            dep,
            expected,
            actual,
        } => (
            "ActionSkipped".into(),
            Some(RunError {
                code: "ActionConditionFailed".into(),
                message: format!(
                    "The execution of template action '{name}' is skipped: the 'runAfter' condition for action '{dep}' is not satisfied. Expected status values '{}' and actual value '{}'.",
                    expected.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "),
                    actual.as_str()
                ),
            }),
        ),
        Why::Branch => (
            "ActionSkipped".into(),
            Some(RunError {
                code: "ActionBranchingConditionNotSatisfied".into(),
                message: format!(
                    "The execution of template action '{name}' skipped: the branching condition for this action is not satisfied."
                ),
            }),
        ),
        Why::Parent {
            name: parent,
            status,
            code,
        } => (
            "ActionSkipped".into(),
            Some(RunError {
                code: "ActionDependencyFailed".into(),
                message: format!(
                    "The execution of template action '{name}' is skipped: dependant action '{parent}' completed with status '{}' and code '{code}'.",
                    status.as_str()
                ),
            }),
        ),
        Why::Terminated => ("Terminated".into(), None),
    }
}

/// The code of a finished action: the one it set, else from its type and
/// status.
/// Control actions, variable actions and Terminate succeed with
/// `NotSpecified`; variable actions and Terminate fail with `BadRequest`.
fn derive_code(kind: &ActionType, done: &Done) -> Option<String> {
    if let Some(c) = &done.code {
        return Some(c.clone());
    }
    let not_specified = kind.is_variable() || *kind == ActionType::Terminate;
    match done.status {
        Status::Succeeded => Some(
            if kind.is_control() || not_specified {
                "NotSpecified"
            } else {
                "OK"
            }
            .into(),
        ),
        Status::Skipped => Some("ActionSkipped".into()),
        Status::Waiting | Status::Running => None,
        _ => done.error.as_ref().map(|e| {
            if e.code == "InvalidTemplate" || not_specified {
                "BadRequest".into()
            } else {
                e.code.clone()
            }
        }),
    }
}

pub(crate) struct Engine<'d> {
    doc: &'d Document,
    index: usize,
    definition: Map<String, Value>,
    name: String,
    run_id: String,
    options: RunOptions,
    depth: usize,
    params: Resolved,
    /// Declared parameters without a value, and how to give one.
    unset_params: Arc<HashMap<String, String>>,
    /// Names of SecureString / SecureObject parameters.
    secure_params: HashSet<String>,
    redactor: RwLock<Redactor>,
    trigger_name: String,
    trigger_secure: (bool, bool),
    trigger_result: OnceLock<Value>,
    workflow_obj: Value,
    variables: Mutex<Map<String, Value>>,
    /// Each variable's declared type, lower case.
    var_types: Mutex<HashMap<String, String>>,
    /// Each control action's direct children (all branches), by its name.
    scopes: HashMap<String, Vec<String>>,
    /// Actions whose outputs are secured (or carry secured values).
    tainted: RwLock<HashSet<String>>,
    /// Actions whose inputs read a secured value.
    hidden_inputs: RwLock<HashSet<String>>,
    records: Mutex<(Vec<String>, HashMap<String, ActionRun>)>,
    response: Mutex<Option<RunResponse>>,
    stop: Mutex<Option<Stop>>,
    stopping: AtomicBool,
    deadline: Option<Instant>,
    compiled: RwLock<HashMap<String, Arc<Compiled>>>,
    runtime: OnceLock<Result<tokio::runtime::Runtime, String>>,
}

fn now_text() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// A new run id in Azure's shape (`08584…CU00`).
pub fn new_run_id() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    let digits: String = (0..24)
        .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
        .collect();
    format!("08584{digits}CU00")
}

/// `{"a": ["Succeeded"]}` → the dependencies and their accepted statuses.
fn run_after(action: &Value) -> Vec<(String, Vec<Status>)> {
    let Some(Value::Object(m)) = action.get("runAfter") else {
        return Vec::new();
    };
    m.iter()
        .map(|(k, v)| {
            let list: Vec<Status> = v
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().and_then(Status::parse))
                        .collect()
                })
                .unwrap_or_default();
            let list = if list.is_empty() {
                vec![Status::Succeeded]
            } else {
                list
            };
            (k.clone(), list)
        })
        .collect()
}

/// The branches (lists of actions) inside a control action: `actions`,
/// `else.actions`, each case's `actions`, `default.actions`.
pub fn branches(action: &Value) -> Vec<&Map<String, Value>> {
    let mut out = Vec::new();
    if let Some(Value::Object(a)) = action.get("actions") {
        out.push(a);
    }
    if let Some(Value::Object(a)) = action.get("else").and_then(|e| e.get("actions")) {
        out.push(a);
    }
    if let Some(Value::Object(cases)) = action.get("cases") {
        for c in cases.values() {
            if let Some(Value::Object(a)) = c.get("actions") {
                out.push(a);
            }
        }
    }
    if let Some(Value::Object(a)) = action.get("default").and_then(|e| e.get("actions")) {
        out.push(a);
    }
    out
}

fn collect_scopes(actions: &Map<String, Value>, out: &mut HashMap<String, Vec<String>>) {
    for (name, a) in actions {
        let bs = branches(a);
        if bs.is_empty() {
            continue;
        }
        out.insert(
            name.clone(),
            bs.iter().flat_map(|b| b.keys().cloned()).collect(),
        );
        for b in bs {
            collect_scopes(b, out);
        }
    }
}

/// `runtimeConfiguration.secureData.properties`: (inputs, outputs).
pub(crate) fn secure_flags(action: &Value) -> (bool, bool) {
    let props = action
        .pointer("/runtimeConfiguration/secureData/properties")
        .and_then(Value::as_array);
    let has = |p: &str| {
        props.is_some_and(|a| {
            a.iter()
                .any(|v| v.as_str().is_some_and(|s| s.eq_ignore_ascii_case(p)))
        })
    };
    (has("inputs"), has("outputs"))
}

/// The last actions of a block (no sibling runs after them), and the
/// status the block gets from them.
fn block_status(
    actions: &Map<String, Value>,
    statuses: &HashMap<String, Status>,
) -> (Status, Option<String>) {
    let mut has_successor: HashSet<&str> = HashSet::new();
    for a in actions.values() {
        if let Some(Value::Object(m)) = a.get("runAfter") {
            for k in m.keys() {
                has_successor.insert(k.as_str());
            }
        }
    }
    let mut failed: Option<String> = None;
    let mut seen: HashSet<String> = HashSet::new();
    let mut stack: Vec<String> = actions
        .keys()
        .filter(|k| !has_successor.contains(k.as_str()))
        .cloned()
        .collect();
    while let Some(n) = stack.pop() {
        if !seen.insert(n.clone()) {
            continue;
        }
        match statuses.get(&n).copied() {
            Some(Status::Skipped) => {
                // A skipped last action stands for the ones it waited on.
                if let Some(a) = actions.get(&n) {
                    for (dep, _) in run_after(a) {
                        stack.push(dep);
                    }
                }
            }
            Some(Status::Failed | Status::TimedOut | Status::Cancelled) if failed.is_none() => {
                failed = Some(n.clone());
            }
            _ => {}
        }
    }
    match failed {
        Some(n) => (Status::Failed, Some(n)),
        None => (Status::Succeeded, None),
    }
}

impl<'d> Engine<'d> {
    #[allow(clippy::too_many_arguments)]
    fn new(
        doc: &'d Document,
        index: usize,
        definition: Map<String, Value>,
        def_pointer: String,
        name: String,
        params: Resolved,
        options: RunOptions,
        depth: usize,
    ) -> Result<Engine<'d>, RunSetupError> {
        match definition.get("actions") {
            None | Some(Value::Object(_)) => {}
            Some(_) => {
                return Err(RunSetupError::new(
                    format!("{def_pointer}/actions"),
                    "`actions` must be an object",
                ))
            }
        }
        let (trigger_name, trigger_secure) = match definition.get("triggers") {
            Some(Value::Object(t)) => match t.iter().next() {
                Some((n, v)) => (n.clone(), secure_flags(v)),
                None => ("manual".to_owned(), (false, false)),
            },
            None => ("manual".to_owned(), (false, false)),
            Some(_) => {
                return Err(RunSetupError::new(
                    format!("{def_pointer}/triggers"),
                    "`triggers` must be an object",
                ))
            }
        };
        let secure_params = definition
            .get("parameters")
            .and_then(Value::as_object)
            .map(|p| {
                p.iter()
                    .filter(|(_, d)| {
                        d.get("type").and_then(Value::as_str).is_some_and(|t| {
                            t.eq_ignore_ascii_case("securestring")
                                || t.eq_ignore_ascii_case("secureobject")
                        })
                    })
                    .map(|(k, _)| k.clone())
                    .collect()
            })
            .unwrap_or_default();
        let mut redactor = params.redactor.clone();
        redactor.extend(&options.secrets.redactor());
        let mut scopes = HashMap::new();
        if let Some(Value::Object(a)) = definition.get("actions") {
            collect_scopes(a, &mut scopes);
        }
        let run_id = options.run_id.clone().unwrap_or_else(new_run_id);
        let workflow_obj = json!({
            "id": format!("/workflows/{name}"),
            "name": name,
            "type": "Microsoft.Logic/workflows",
            "location": "local",
            "run": {
                "id": format!("/workflows/{name}/runs/{run_id}"),
                "name": run_id,
                "type": "Microsoft.Logic/workflows/runs"
            }
        });
        let deadline = options.timeout.map(|t| Instant::now() + t);
        let unset_params = Arc::new(unset_parameters(&definition, &params));
        Ok(Engine {
            doc,
            index,
            definition,
            name,
            run_id,
            depth,
            unset_params,
            params,
            secure_params,
            redactor: RwLock::new(redactor),
            trigger_name,
            trigger_secure,
            trigger_result: OnceLock::new(),
            workflow_obj,
            variables: Mutex::new(Map::new()),
            var_types: Mutex::new(HashMap::new()),
            scopes,
            tainted: RwLock::new(HashSet::new()),
            hidden_inputs: RwLock::new(HashSet::new()),
            records: Mutex::new((Vec::new(), HashMap::new())),
            response: Mutex::new(None),
            stop: Mutex::new(None),
            stopping: AtomicBool::new(false),
            deadline,
            compiled: RwLock::new(HashMap::new()),
            runtime: OnceLock::new(),
            options,
        })
    }

    fn execute(&self, request: &TriggerRequest) -> Run {
        let start = now_text();
        let trigger_record = self.fire_trigger(request);
        let root = Frame::root();
        let empty = Map::new();
        let actions = match self.definition.get("actions") {
            Some(Value::Object(a)) => a,
            _ => &empty,
        };
        let statuses = self.run_block(actions, &root);
        let (mut status, failed) = block_status(actions, &statuses);
        // A run failed by its actions reports Azure's generic error, as
        // real runs do (the failed action's own error is on its record);
        // a Terminate's code and message replace it below.
        let mut error = failed.map(|_| RunError {
            code: "ActionFailed".into(),
            message: "An action failed. No dependent actions succeeded.".into(),
        });
        match lock(&self.stop).clone() {
            Some(Stop::Terminated(s, e)) => {
                status = s;
                error = e;
            }
            Some(Stop::Cancelled) => {
                status = Status::Cancelled;
                error = Some(RunError {
                    code: "Cancelled".into(),
                    message: "The run was cancelled.".into(),
                });
            }
            Some(Stop::TimedOut) => {
                status = Status::TimedOut;
                error = Some(RunError {
                    code: "RunTimedOut".into(),
                    message: "The run did not finish within its time limit.".into(),
                });
            }
            None => {}
        }
        if status == Status::Succeeded {
            error = None;
        }
        let outputs = self.workflow_outputs(&root);
        let (order, records) = std::mem::take(&mut *lock(&self.records));
        let mut map = Map::new();
        for n in order {
            if let Some(r) = records.get(&n) {
                map.insert(n, serde_json::to_value(r).unwrap_or(Value::Null));
            }
        }
        let red = self.redactor();
        Run {
            run_id: self.run_id.clone(),
            workflow: self.name.clone(),
            file: self.options.file.as_ref().map(|p| p.display().to_string()),
            status,
            start,
            end: Some(now_text()),
            error: error.map(|e| RunError {
                code: e.code,
                message: red.redact(&e.message),
            }),
            trigger: trigger_record,
            actions: map,
            response: lock(&self.response).clone(),
            outputs,
        }
    }

    pub(crate) fn redactor(&self) -> Redactor {
        self.redactor
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub(crate) fn add_secrets(&self, r: &Redactor) {
        self.redactor
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .extend(r);
    }

    /// The trigger's outputs, and its record.
    fn fire_trigger(&self, request: &TriggerRequest) -> Value {
        let trig = self
            .definition
            .get("triggers")
            .and_then(|t| t.get(&self.trigger_name))
            .cloned()
            .unwrap_or(Value::Null);
        let kind = trig
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("Request");
        let is_request =
            kind.eq_ignore_ascii_case("Request") || kind.eq_ignore_ascii_case("HttpWebhook");
        let mut headers = Map::new();
        let mut queries = Map::new();
        let mut rel = Map::new();
        let body = if is_request {
            request.body.clone()
        } else {
            Value::Null
        };
        if is_request {
            for (k, v) in &request.headers {
                headers.insert(k.clone(), Value::String(v.clone()));
            }
            if !headers
                .keys()
                .any(|k| k.eq_ignore_ascii_case("Content-Type"))
                && !request.body.is_null()
            {
                let ct = if request.body.is_string() {
                    "text/plain"
                } else {
                    "application/json"
                };
                headers.insert("Content-Type".into(), Value::String(ct.into()));
            }
            for (k, v) in &request.query {
                queries.insert(k.clone(), Value::String(v.clone()));
            }
            if let (Some(tpl), Some(path)) = (
                trig.pointer("/inputs/relativePath").and_then(Value::as_str),
                request.relative_path.as_deref(),
            ) {
                let t: Vec<&str> = tpl.trim_matches('/').split('/').collect();
                let p: Vec<&str> = path.trim_matches('/').split('/').collect();
                for (a, b) in t.iter().zip(p.iter()) {
                    if let Some(n) = a.strip_prefix('{').and_then(|x| x.strip_suffix('}')) {
                        rel.insert(n.to_owned(), Value::String((*b).to_owned()));
                    }
                }
            }
        }
        let mut outputs = json!({"headers": headers, "body": body});
        if !queries.is_empty() {
            outputs["queries"] = Value::Object(queries);
        }
        if !rel.is_empty() {
            outputs["relativePathParameters"] = Value::Object(rel);
        }
        let t = now_text();
        let result = json!({
            "name": self.trigger_name,
            "inputs": {},
            "outputs": outputs,
            "status": "Succeeded",
            "startTime": t,
            "endTime": t,
        });
        let _ = self.trigger_result.set(result);
        let red = self.redactor();
        let (si, so) = self.trigger_secure;
        let mut inputs = json!({"method": request.method.clone().unwrap_or_else(|| "POST".into())});
        if let Some(p) = &request.relative_path {
            inputs["relativePath"] = Value::String(p.clone());
        }
        json!({
            "name": self.trigger_name,
            "type": kind,
            "status": "Succeeded",
            "start": t,
            "end": t,
            "inputs": if si { Value::String(HIDDEN.into()) } else { redact_value(&inputs, &red) },
            "outputs": if so { Value::String(HIDDEN.into()) } else { secure::redact_outputs(&outputs, &red) },
        })
    }

    fn workflow_outputs(&self, root: &Frame) -> Map<String, Value> {
        let mut out = Map::new();
        let Some(Value::Object(decl)) = self.definition.get("outputs") else {
            return out;
        };
        let red = self.redactor();
        for (k, d) in decl {
            let secure = d
                .get("type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.to_ascii_lowercase().starts_with("secure"));
            let v = match d.get("value") {
                Some(v) => match self.resolve(v, root) {
                    Ok(v) => v,
                    Err(e) => json!({"error": red.redact(&e)}),
                },
                None => Value::Null,
            };
            out.insert(
                k.clone(),
                if secure {
                    Value::String(HIDDEN.into())
                } else {
                    redact_value(&v, &red)
                },
            );
        }
        out
    }

    // -- scheduling --------------------------------------------------------

    fn check_stop(&self) -> bool {
        if self.stopping.load(Ordering::Relaxed) {
            return true;
        }
        let why = if self.options.cancel.load(Ordering::Relaxed) {
            Some(Stop::Cancelled)
        } else if self.deadline.is_some_and(|d| Instant::now() >= d) {
            Some(Stop::TimedOut)
        } else {
            None
        };
        if let Some(w) = why {
            self.halt(w);
            return true;
        }
        false
    }

    pub(crate) fn halt(&self, why: Stop) {
        let mut s = lock(&self.stop);
        if s.is_none() {
            *s = Some(why);
        }
        self.stopping.store(true, Ordering::Relaxed);
    }

    fn stopped_status(&self) -> Status {
        match &*lock(&self.stop) {
            Some(Stop::Terminated(..)) => Status::Skipped,
            Some(Stop::TimedOut) => Status::TimedOut,
            _ => Status::Cancelled,
        }
    }

    /// Runs the actions of one block (the definition's, or one branch)
    /// to the end, in parallel where run-after allows; returns each one's
    /// status.
    fn run_block(&self, actions: &Map<String, Value>, frame: &Frame) -> HashMap<String, Status> {
        let mut statuses: HashMap<String, Status> = HashMap::new();
        let deps: Vec<Dep> = actions.iter().map(|(n, a)| (n, a, run_after(a))).collect();
        let mut pending: Vec<usize> = (0..deps.len()).collect();
        std::thread::scope(|s| {
            let (tx, rx) = std::sync::mpsc::channel::<(usize, Status)>();
            let mut running = 0usize;
            loop {
                // Decide every action whose dependencies are final.
                let mut progress = true;
                let mut to_start: Vec<usize> = Vec::new();
                while progress {
                    progress = false;
                    let mut i = 0;
                    while i < pending.len() {
                        let k = pending[i];
                        let (name, action, ra) = &deps[k];
                        let unknown = ra.iter().find(|(d, _)| !actions.contains_key(d));
                        if let Some((d, _)) = unknown {
                            let done = Done::failed(
                                Value::Null,
                                "InvalidTemplate",
                                format!("the action '{name}' runs after '{d}', which is not an action of the same scope"),
                            );
                            self.record(name, action, frame, &done, None);
                            statuses.insert((*name).clone(), Status::Failed);
                            pending.swap_remove(i);
                            progress = true;
                            continue;
                        }
                        if ra.iter().all(|(d, _)| statuses.contains_key(d)) {
                            let unmet = ra.iter().find(|(d, ok)| !ok.contains(&statuses[d]));
                            pending.swap_remove(i);
                            progress = true;
                            if self.terminated() {
                                // After a Terminate nothing is weighed
                                // any more: the rest is skipped by it.
                                self.skip(name, action, frame, Why::Terminated);
                                statuses.insert((*name).clone(), Status::Skipped);
                            } else if let Some((d, ok)) = unmet {
                                let why = Why::RunAfter {
                                    dep: d,
                                    expected: ok,
                                    actual: statuses[d],
                                };
                                self.skip(name, action, frame, why);
                                statuses.insert((*name).clone(), Status::Skipped);
                            } else if self.check_stop() {
                                let st = self.stopped_status();
                                self.mark(name, action, frame, st);
                                statuses.insert((*name).clone(), st);
                            } else {
                                to_start.push(k);
                            }
                            continue;
                        }
                        i += 1;
                    }
                }
                // Keep file order among the ready ones.
                to_start.sort_unstable();
                if to_start.len() == 1 && running == 0 {
                    let k = to_start[0];
                    let st = self.run_action(deps[k].0, deps[k].1, frame);
                    statuses.insert(deps[k].0.clone(), st);
                    continue;
                }
                for k in to_start {
                    let tx = tx.clone();
                    let (name, action, _) = &deps[k];
                    let (name, action) = (*name, *action);
                    running += 1;
                    s.spawn(move || {
                        let st = self.run_action(name, action, frame);
                        let _ = tx.send((k, st));
                    });
                }
                if running == 0 {
                    break;
                }
                if let Ok((k, st)) = rx.recv() {
                    running -= 1;
                    statuses.insert(deps[k].0.clone(), st);
                } else {
                    break;
                }
            }
        });
        // A cycle: what never became ready.
        for k in pending {
            let (name, action, _) = &deps[k];
            let done = Done::failed(
                Value::Null,
                "InvalidTemplate",
                format!("the action '{name}' never became ready: its runAfter makes a cycle"),
            );
            self.record(name, action, frame, &done, None);
            statuses.insert((*name).clone(), Status::Failed);
        }
        statuses
    }

    /// Records `name` as Skipped for `why`, and everything inside it as
    /// skipped because its container was (or, after a Terminate, as
    /// skipped by the Terminate).
    pub(crate) fn skip(&self, name: &str, action: &Value, frame: &Frame, why: Why) {
        let (code, error) = skipped_record(name, why);
        let mut done = Done::ok(Value::Null, Value::Null);
        done.status = Status::Skipped;
        done.code = Some(code);
        done.error = error;
        self.record(name, action, frame, &done, None);
        let inner = match why {
            Why::Terminated => Why::Terminated,
            _ => Why::Parent {
                name,
                status: Status::Skipped,
                code: "ActionSkipped",
            },
        };
        self.skip_children(action, frame, inner);
    }

    /// Records every action directly inside `action` (all branches) as
    /// skipped for `why`.
    pub(crate) fn skip_children(&self, action: &Value, frame: &Frame, why: Why) {
        for b in branches(action) {
            for (n, a) in b {
                self.skip(n, a, frame, why);
            }
        }
    }

    /// Records the actions of a branch that was not taken: those that
    /// start the branch by the branching condition, the others by their
    /// run-after on a skipped predecessor (as Azure's history shows them).
    pub(crate) fn skip_branch(&self, actions: &Map<String, Value>, frame: &Frame) {
        for (n, a) in actions {
            let ra = run_after(a);
            match ra.iter().find(|(_, ok)| !ok.contains(&Status::Skipped)) {
                Some((d, ok)) => self.skip(
                    n,
                    a,
                    frame,
                    Why::RunAfter {
                        dep: d,
                        expected: ok,
                        actual: Status::Skipped,
                    },
                ),
                None => self.skip(n, a, frame, Why::Branch),
            }
        }
    }

    /// Whether a Terminate has stopped the run.
    pub(crate) fn terminated(&self) -> bool {
        matches!(&*lock(&self.stop), Some(Stop::Terminated(..)))
    }

    /// Records an action the stopped run did not start: Skipped after a
    /// Terminate, else Cancelled or TimedOut (and what is inside it too).
    fn mark(&self, name: &str, action: &Value, frame: &Frame, status: Status) {
        if status == Status::Skipped {
            self.skip(name, action, frame, Why::Terminated);
            return;
        }
        let mut done = Done::ok(Value::Null, Value::Null);
        done.status = status;
        if status != Status::Succeeded {
            done.error = Some(RunError {
                code: status.as_str().into(),
                message: format!("The action '{name}' did not run: the run was stopped."),
            });
        }
        self.record(name, action, frame, &done, None);
        for b in branches(action) {
            for (n, a) in b {
                self.mark(n, a, frame, status);
            }
        }
    }

    /// Runs one action (mocked, static result, or for real), records it
    /// and returns its status.
    fn run_action(&self, name: &str, action: &Value, frame: &Frame) -> Status {
        let start = now_text();
        if let Some(obs) = &self.options.observer {
            let rec = ActionRun {
                status: Status::Running,
                code: None,
                start: Some(start.clone()),
                end: None,
                inputs: Value::Null,
                outputs: Value::Null,
                error: None,
                retries: 0,
                diagnosis: None,
                repetitions: Vec::new(),
            };
            obs(name, &rec);
        }
        let done = if let Some(m) = self.options.mocks.get(name) {
            self.mocked(name, action, frame, m)
        } else if let Some(sr) = self.static_result(action) {
            sr
        } else {
            actions::execute(self, name, action, frame)
        };
        let status = done.status;
        self.record(name, action, frame, &done, Some(start));
        status
    }

    fn mocked(&self, name: &str, action: &Value, frame: &Frame, m: &Mock) -> Done {
        let inputs = match action.get("inputs") {
            Some(i) => self.resolve(i, frame).unwrap_or(Value::Null),
            None => Value::Null,
        };
        let mut d = Done::ok(inputs, m.outputs.clone());
        d.status = m.status;
        if m.status != Status::Succeeded {
            d.error = Some(m.error.clone().unwrap_or(RunError {
                code: "ActionFailed".into(),
                message: format!("the mock of '{name}' failed"),
            }));
            d.code = d.error.as_ref().map(|e| e.code.clone());
        }
        // A mocked control action: what is inside does not run.
        let code = d.code.clone().unwrap_or_else(|| "NotSpecified".into());
        self.skip_children(
            action,
            frame,
            Why::Parent {
                name,
                status: d.status,
                code: &code,
            },
        );
        d
    }

    fn static_result(&self, action: &Value) -> Option<Done> {
        if !self.options.static_results {
            return None;
        }
        let sr = action.pointer("/runtimeConfiguration/staticResult")?;
        let enabled = sr
            .get("staticResultOptions")
            .and_then(Value::as_str)
            .is_some_and(|s| s.eq_ignore_ascii_case("Enabled"));
        if !enabled {
            return None;
        }
        let n = sr.get("name").and_then(Value::as_str)?;
        let def = self.definition.get("staticResults")?.get(n)?;
        let status = def
            .get("status")
            .and_then(Value::as_str)
            .and_then(Status::parse)
            .unwrap_or(Status::Succeeded);
        let mut d = Done::ok(
            Value::Null,
            def.get("outputs").cloned().unwrap_or(Value::Null),
        );
        d.status = status;
        if status != Status::Succeeded {
            let e = def.get("error");
            d.error = Some(RunError {
                code: e
                    .and_then(|e| e.get("code"))
                    .and_then(Value::as_str)
                    .unwrap_or("ActionFailed")
                    .to_owned(),
                message: e
                    .and_then(|e| e.get("message"))
                    .and_then(Value::as_str)
                    .unwrap_or("static result")
                    .to_owned(),
            });
            d.code = def.get("code").and_then(Value::as_str).map(str::to_owned);
        }
        Some(d)
    }

    /// Stores the result for expressions, and the record (hidden,
    /// redacted) for the run.
    fn record(
        &self,
        name: &str,
        action: &Value,
        frame: &Frame,
        done: &Done,
        start: Option<String>,
    ) {
        let end = now_text();
        let start = start.or_else(|| (done.status != Status::Skipped).then(|| end.clone()));
        let mut result = json!({
            "name": name,
            "status": done.status.as_str(),
            "startTime": start.clone().unwrap_or_else(|| end.clone()),
            "endTime": end,
        });
        if !done.inputs.is_null() {
            result["inputs"] = done.inputs.clone();
        }
        if !done.outputs.is_null() {
            result["outputs"] = done.outputs.clone();
        }
        let kind = ActionType::parse(action.get("type").and_then(Value::as_str).unwrap_or(""));
        let code = derive_code(&kind, done);
        // `actions()` and `result()` leave out a code of NotSpecified.
        if let Some(c) = code.as_ref().filter(|c| *c != "NotSpecified") {
            result["code"] = Value::String(c.clone());
        }
        if let Some(e) = &done.error {
            result["error"] = json!({"code": e.code, "message": e.message});
        }
        frame.set(name, result);

        let (hide_in, hide_out) = self.hidden(name, action);
        let red = self.redactor();
        let inputs = if hide_in && !done.inputs.is_null() {
            Value::String(HIDDEN.into())
        } else {
            redact_value(&done.inputs, &red)
        };
        let outputs = if hide_out && !done.outputs.is_null() {
            Value::String(HIDDEN.into())
        } else {
            secure::redact_outputs(&done.outputs, &red)
        };
        let error = done.error.as_ref().map(|e| RunError {
            code: e.code.clone(),
            message: red.redact(&e.message),
        });
        let diagnosis = done.diagnosis.as_ref().map(|d| red.redact(d));
        let mut recs = lock(&self.records);
        let (order, map) = &mut *recs;
        let this = match frame.repetition {
            None => ActionRun {
                status: done.status,
                code: code.clone(),
                start: start.clone(),
                end: Some(end.clone()),
                inputs,
                outputs,
                error,
                retries: done.retries,
                diagnosis: diagnosis.clone(),
                repetitions: Vec::new(),
            },
            Some(index) => ActionRun {
                status: done.status,
                code: code.clone(),
                start: start.clone(),
                end: Some(end.clone()),
                inputs: Value::Null,
                outputs: Value::Null,
                error: error.clone(),
                retries: done.retries,
                diagnosis: diagnosis.clone(),
                repetitions: vec![Repetition {
                    index,
                    status: done.status,
                    code: code.clone(),
                    inputs,
                    outputs,
                    error,
                }],
            },
        };
        match map.get_mut(name) {
            Some(r) if frame.repetition.is_some() => {
                let w = worse(r.status, this.status);
                if w != r.status {
                    r.status = w;
                    r.code = this.code.clone();
                }
                if r.start.is_none() {
                    r.start = this.start.clone();
                }
                r.end = this.end.clone();
                if r.error.is_none() {
                    r.error = this.error.clone();
                }
                if r.diagnosis.is_none() {
                    r.diagnosis = this.diagnosis.clone();
                }
                r.retries += this.retries;
                r.repetitions.extend(this.repetitions.iter().cloned());
            }
            Some(r) => *r = this.clone(),
            None => {
                order.push(name.to_owned());
                map.insert(name.to_owned(), this.clone());
            }
        }
        drop(recs);
        if let Some(obs) = &self.options.observer {
            obs(name, &this);
        }
    }

    /// Whether the record hides the action's inputs and outputs.
    fn hidden(&self, name: &str, action: &Value) -> (bool, bool) {
        let (si, so) = secure_flags(action);
        let tainted = self
            .tainted
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains(name);
        let inputs = self
            .hidden_inputs
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains(name);
        (si || inputs || tainted, so || tainted)
    }

    // -- expressions -------------------------------------------------------

    fn compile(&self, text: &str) -> Result<Arc<Compiled>, String> {
        if let Some(c) = self
            .compiled
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(text)
        {
            return Ok(c.clone());
        }
        let template = parse_string_value(text).map_err(|e| e.message)?;
        let mut c = Compiled {
            actions: Vec::new(),
            dynamic: false,
            results: Vec::new(),
            trigger: false,
            parameters: Vec::new(),
            template,
        };
        for call in c.template.calls() {
            let kind = RefKind::of_function(&call.key);
            if call.key.starts_with("trigger") {
                c.trigger = true;
            }
            match (kind, call.literal_arg(0)) {
                (Some(RefKind::Action), Some((n, _))) => {
                    if call.key == "result" {
                        c.results.push(n.to_owned());
                    } else {
                        c.actions.push(n.to_owned());
                    }
                }
                (Some(RefKind::Action), None) => c.dynamic = true,
                (Some(RefKind::Parameter), Some((n, _))) => c.parameters.push(n.to_owned()),
                _ => {}
            }
        }
        let c = Arc::new(c);
        self.compiled
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(text.to_owned(), c.clone());
        Ok(c)
    }

    /// The compiled expressions of every string of `v`.
    fn compile_all(&self, v: &Value, out: &mut Vec<Arc<Compiled>>) -> Result<(), String> {
        match v {
            Value::String(s) if s.contains('@') => out.push(self.compile(s)?),
            Value::Array(a) => {
                for x in a {
                    self.compile_all(x, out)?;
                }
            }
            Value::Object(m) => {
                for x in m.values() {
                    self.compile_all(x, out)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// A context with what `compiled` reads.
    pub(crate) fn context_for(&self, compiled: &[Arc<Compiled>], frame: &Frame) -> Context {
        let mut ctx = Context {
            parameters: self.params.values.clone(),
            variables: lock(&self.variables).clone(),
            loops: frame.loops.clone(),
            workflow: Some(self.workflow_obj.clone()),
            unset_parameters: self.unset_params.clone(),
            ..Context::default()
        };
        if compiled.iter().any(|c| c.trigger) {
            ctx.trigger = self.trigger_result.get().cloned();
        }
        if compiled.iter().any(|c| c.dynamic) {
            frame.all(&mut ctx.actions);
            for (k, v) in &self.scopes {
                ctx.scopes.insert(k.clone(), v.clone());
            }
        } else {
            for c in compiled {
                for n in &c.actions {
                    if let Some(v) = frame.lookup(n) {
                        ctx.actions.insert(n.clone(), v);
                    }
                }
                for n in &c.results {
                    let key = self.scopes.keys().find(|k| k.eq_ignore_ascii_case(n));
                    if let Some(k) = key {
                        let children = &self.scopes[k];
                        for ch in children {
                            if let Some(v) = frame.lookup(ch) {
                                ctx.actions.insert(ch.clone(), v);
                            }
                        }
                        ctx.scopes.insert(k.clone(), children.clone());
                    }
                }
            }
        }
        ctx
    }

    /// What of `v`'s expressions is secured: (reads the outputs of an
    /// action with secured outputs or the trigger's secured outputs, reads
    /// a secure parameter).
    pub(crate) fn reads_secure(&self, v: &Value) -> (bool, bool) {
        let mut list = Vec::new();
        if self.compile_all(v, &mut list).is_err() {
            return (false, false);
        }
        let tainted = self.tainted.read().unwrap_or_else(|e| e.into_inner());
        let outputs = list.iter().any(|c| {
            (c.trigger && self.trigger_secure.1)
                || c.actions
                    .iter()
                    .chain(&c.results)
                    .any(|a| tainted.contains(a))
        });
        let params = list
            .iter()
            .any(|c| c.parameters.iter().any(|p| self.secure_params.contains(p)));
        (outputs, params)
    }

    /// Hides `name`'s inputs in its record.
    pub(crate) fn hide_inputs(&self, name: &str) {
        self.hidden_inputs
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_owned());
    }

    pub(crate) fn taint(&self, name: &str) {
        self.tainted
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_owned());
    }

    /// Resolves every expression in `v`; the error is the expression's
    /// message, as Azure quotes it in an `InvalidTemplate` error.
    pub(crate) fn resolve(&self, v: &Value, frame: &Frame) -> Result<Value, String> {
        let mut list = Vec::new();
        self.compile_all(v, &mut list)?;
        if list.is_empty() {
            return Ok(v.clone());
        }
        let ctx = self.context_for(&list, frame);
        let ev = Evaluator::new(&ctx);
        self.resolve_with(v, &ev)
    }

    fn resolve_with(&self, v: &Value, ev: &Evaluator) -> Result<Value, String> {
        match v {
            Value::String(s) if s.contains('@') => {
                let c = self.compile(s)?;
                ev.template(&c.template).map_err(|e| e.message)
            }
            Value::Array(a) => a.iter().map(|x| self.resolve_with(x, ev)).collect(),
            Value::Object(m) => {
                let mut out = Map::with_capacity(m.len());
                for (k, x) in m {
                    out.insert(k.clone(), self.resolve_with(x, ev)?);
                }
                Ok(Value::Object(out))
            }
            other => Ok(other.clone()),
        }
    }

    /// A context with everything `v`'s expressions read (for an Http
    /// action, which the test-call engine evaluates).
    pub(crate) fn full_context(&self, v: &Value, frame: &Frame) -> Result<Context, String> {
        let mut list = Vec::new();
        self.compile_all(v, &mut list)?;
        Ok(self.context_for(&list, frame))
    }

    /// The tokio runtime Http actions are sent on, made when first needed.
    pub(crate) fn runtime(&self) -> Result<&tokio::runtime::Runtime, String> {
        self.runtime
            .get_or_init(|| {
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .map_err(|e| format!("cannot start the network runtime: {e}"))
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Sleeps `d` (already scaled), waking early when the run stops.
    pub(crate) fn sleep(&self, d: Duration) -> bool {
        let end = Instant::now() + d;
        loop {
            if self.check_stop() {
                return false;
            }
            let now = Instant::now();
            if now >= end {
                return true;
            }
            std::thread::sleep((end - now).min(Duration::from_millis(20)));
        }
    }

    pub(crate) fn scaled(&self, seconds: f64) -> Duration {
        let s = (seconds * self.options.time_scale).max(0.0);
        Duration::from_secs_f64(s.min(1.0e7))
    }
}

/// An action of a block, with its run-after.
type Dep<'a> = (&'a String, &'a Value, Vec<(String, Vec<Status>)>);

/// The worse of two statuses, for an action's record over iterations.
fn worse(a: Status, b: Status) -> Status {
    let rank = |s: Status| match s {
        Status::Failed => 6,
        Status::TimedOut => 5,
        Status::Cancelled => 4,
        Status::Running => 3,
        Status::Waiting => 2,
        Status::Succeeded => 1,
        Status::Skipped => 0,
    };
    if rank(b) > rank(a) {
        b
    } else {
        a
    }
}
