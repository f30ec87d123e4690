//! Runs test cases (in parallel, on threads) and checks what each run did.

use super::{join, Case, Check, Matcher, TestFile};
use crate::run::engine::branches;
use crate::run::{ActionRun, Run, RunOptions, Status};
use crate::workflow::Document;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Action types that reach outside the desk: a test must mock them or
/// say `"callThrough": true`, so no test calls the network by accident.
pub const OUTSIDE: &[&str] = &[
    "Http",
    "HttpWebhook",
    "ApiConnection",
    "ApiConnectionWebhook",
    "ApiManagement",
    "Function",
    "ServiceProvider",
];

/// One failed assertion.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Failure {
    /// What was checked, e.g. `actions.Get_status.outputs /body/id equals`.
    pub what: String,
    /// The action it is about, when one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Pointer of the assertion in the test file.
    pub pointer: String,
    /// Its 1-based line and column in the test file.
    pub line: usize,
    /// Column.
    pub column: usize,
    /// Expected, as text.
    pub expected: String,
    /// Actual, as text.
    pub actual: String,
    /// Differences, one per line (`/path: expected …, actual …`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diff: Vec<String>,
    /// For `--update`: the value to write at `pointer`.
    #[serde(skip)]
    pub update: Option<Value>,
}

/// How a case ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Every assertion held.
    Passed,
    /// An assertion did not hold.
    Failed,
    /// The case could not run (bad workflow, unmocked call, setup error).
    Error,
}

/// The result of one case.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CaseResult {
    /// The test file.
    pub file: PathBuf,
    /// The case's name.
    pub name: String,
    /// Its outcome.
    pub outcome: Outcome,
    /// Why it could not run (outcome Error).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Failed assertions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<Failure>,
    /// How many assertions were checked.
    pub assertions: usize,
    /// Wall time.
    #[serde(serialize_with = "secs")]
    pub duration: Duration,
    /// The run (for coverage and the designer).
    #[serde(skip)]
    pub run: Option<Run>,
    /// Index of the file in the list given to [`run_all`].
    #[serde(skip)]
    pub file_index: usize,
    /// Index of the case in its file.
    #[serde(skip)]
    pub case_index: usize,
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// Every action of a definition, nested ones included: name → (definition,
/// the names of its siblings' scope).
pub fn all_actions(def: &Map<String, Value>) -> Vec<(String, Value)> {
    fn go(actions: &Map<String, Value>, out: &mut Vec<(String, Value)>) {
        for (n, a) in actions {
            out.push((n.clone(), a.clone()));
            for b in branches(a) {
                go(b, out);
            }
        }
    }
    let mut out = Vec::new();
    if let Some(Value::Object(a)) = def.get("actions") {
        go(a, &mut out);
    }
    out
}

/// A test file with its workflow loaded once.
struct Prepared<'a> {
    file: &'a TestFile,
    doc: Result<Document, String>,
    actions: HashMap<String, Value>,
    /// The workflow's declared parameters.
    parameters: Map<String, Value>,
}

fn prepare<'a>(file: &'a TestFile, doc: Option<&Document>) -> Prepared<'a> {
    let doc = match doc {
        Some(d) => Ok(d.clone()),
        None => Document::load(&file.workflow).map_err(|e| {
            let (l, c) = file.locate("/workflow");
            format!(
                "{}:{l}:{c}: cannot load the workflow: {e}",
                file.path.display()
            )
        }),
    };
    let mut actions = HashMap::new();
    let mut parameters = Map::new();
    if let Ok(d) = &doc {
        match d.select(file.workflow_name.as_deref()) {
            Ok(i) => {
                actions.extend(all_actions(d.definition(i)));
                if let Some(Value::Object(p)) = d.definition(i).get("parameters") {
                    parameters = p.clone();
                }
            }
            Err(m) => {
                let (l, c) = file.locate("/workflowName");
                return Prepared {
                    file,
                    doc: Err(format!("{}:{l}:{c}: {m}", file.path.display())),
                    actions,
                    parameters,
                };
            }
        }
    }
    Prepared {
        file,
        doc,
        actions,
        parameters,
    }
}

/// Runs every case of `files` whose name contains `filter` (case-insensitive),
/// on `jobs` threads (0: as many as the machine has cores). Results come back
/// in file and case order.
pub fn run_all(files: &[TestFile], filter: Option<&str>, jobs: usize) -> Vec<CaseResult> {
    let filter = filter.map(str::to_lowercase);
    let mut work: Vec<(usize, usize)> = Vec::new();
    for (fi, f) in files.iter().enumerate() {
        for (ci, c) in f.cases.iter().enumerate() {
            if filter
                .as_deref()
                .is_none_or(|p| c.name.to_lowercase().contains(p))
            {
                work.push((fi, ci));
            }
        }
    }
    run_cases(files, None, &work, jobs, &Arc::default(), &|_| {})
}

/// Runs the cases `work` (pairs of file index and case index in `files`) on
/// `jobs` threads (0: one per core). With `doc`, every case runs against
/// that document (the designer's, unsaved edits included) instead of the
/// workflow file on disk. `each` is told of every result as its case ends
/// (on the worker threads). Results come back in the order of `work`.
/// Setting `cancel` stops the running cases (each ends as an error,
/// "cancelled before it finished") and starts no other.
pub fn run_cases(
    files: &[TestFile],
    doc: Option<&Document>,
    work: &[(usize, usize)],
    jobs: usize,
    cancel: &Arc<AtomicBool>,
    each: &(dyn Fn(&CaseResult) + Sync),
) -> Vec<CaseResult> {
    let prepared: Vec<Prepared> = files.iter().map(|f| prepare(f, doc)).collect();
    let work: Vec<(usize, usize)> = work
        .iter()
        .copied()
        .filter(|&(fi, ci)| files.get(fi).is_some_and(|f| ci < f.cases.len()))
        .collect();
    let jobs = if jobs == 0 {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    } else {
        jobs
    }
    .clamp(1, work.len().max(1));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<CaseResult>>> = Mutex::new(vec![None; work.len()]);
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if cancel.load(Ordering::Relaxed) {
                    break;
                }
                let Some(&(fi, ci)) = work.get(k) else { break };
                let r = run_case(&prepared[fi], fi, ci, cancel);
                each(&r);
                results.lock().unwrap_or_else(|e| e.into_inner())[k] = Some(r);
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .flatten()
        .collect()
}

fn run_case(p: &Prepared, fi: usize, ci: usize, cancel: &Arc<AtomicBool>) -> CaseResult {
    let case = &p.file.cases[ci];
    let started = Instant::now();
    let mut result = CaseResult {
        file: p.file.path.clone(),
        name: case.name.clone(),
        outcome: Outcome::Error,
        error: None,
        failures: Vec::new(),
        assertions: 0,
        duration: Duration::ZERO,
        run: None,
        file_index: fi,
        case_index: ci,
    };
    let doc = match &p.doc {
        Ok(d) => d,
        Err(e) => {
            result.error = Some(e.clone());
            return result;
        }
    };
    if let Some(e) = setup_problem(p, case) {
        result.error = Some(e);
        result.duration = started.elapsed();
        return result;
    }
    let secrets = crate::secrets::SecretStore::without_keychain();
    for (name, var) in &case.secrets {
        match std::env::var(var) {
            Ok(v) => secrets.set(name, crate::secrets::Secret::new(v)),
            Err(_) => {
                let (l, c) = p.file.locate(&join(&join(&case.at, "secrets"), name));
                result.error = Some(format!(
                    "{}:{l}:{c}: secret '{name}': the environment variable {var} is not set",
                    p.file.path.display()
                ));
                result.duration = started.elapsed();
                return result;
            }
        }
    }
    let opts = RunOptions {
        secrets,
        workflow_name: p.file.workflow_name.clone(),
        file: Some(p.file.workflow.clone()),
        params_file: Some(Value::Object(case.parameters.clone())),
        mocks: case.mocks.clone(),
        static_results: case.static_results,
        timeout: Some(case.timeout),
        time_scale: case.time_scale,
        cancel: Arc::clone(cancel),
        ..RunOptions::default()
    };
    match crate::run::run(doc, &case.trigger, opts) {
        // Stopped by the user: the run says nothing about the assertions.
        Ok(_) if cancel.load(Ordering::Relaxed) => {
            result.error = Some("cancelled before it finished".into());
        }
        Err(e) => {
            result.error = Some(format!(
                "{}: the run could not start: {e}",
                p.file.path.display()
            ));
        }
        Ok(run) => {
            let (n, failures) = check(p.file, case, &run, &p.actions);
            result.assertions = n;
            result.outcome = if failures.is_empty() {
                Outcome::Passed
            } else {
                Outcome::Failed
            };
            result.failures = failures;
            result.run = Some(run);
        }
    }
    result.duration = started.elapsed();
    result
}

/// Names in the test that are not actions of the workflow, and outside
/// calls with neither a mock nor `callThrough`.
fn setup_problem(p: &Prepared, case: &Case) -> Option<String> {
    let at = |ptr: &str| {
        let (l, c) = p.file.locate(ptr);
        format!("{}:{l}:{c}", p.file.path.display())
    };
    let params_at = join(&case.at, "parameters");
    for name in case.parameters.keys() {
        let ty = p
            .parameters
            .get(name)
            .and_then(|d| d.get("type"))
            .and_then(Value::as_str)
            .unwrap_or("");
        if ty.eq_ignore_ascii_case("SecureString") || ty.eq_ignore_ascii_case("SecureObject") {
            return Some(format!(
                "{}: '{name}' is a {ty} parameter: a test file holds no secret; give it with \"secrets\": {{\"{name}\": \"env:VARIABLE\"}}",
                at(&join(&params_at, name))
            ));
        }
    }
    let mocks_at = join(&case.at, "mocks");
    for name in case.mocks.keys().chain(case.call_through.iter()) {
        if !p.actions.contains_key(name) {
            return Some(format!(
                "{}: the workflow has no action '{name}' to mock",
                at(&join(&mocks_at, name))
            ));
        }
    }
    for a in &case.expect.actions {
        if !p.actions.contains_key(&a.name) {
            return Some(format!(
                "{}: the workflow has no action '{}'",
                at(&a.at),
                a.name
            ));
        }
    }
    let mut names: Vec<&String> = p.actions.keys().collect();
    names.sort();
    for name in names {
        let def = &p.actions[name];
        let ty = def.get("type").and_then(Value::as_str).unwrap_or("");
        let outside = OUTSIDE.iter().any(|t| t.eq_ignore_ascii_case(ty));
        let static_ok = case.static_results
            && def
                .pointer("/runtimeConfiguration/staticResult/staticResultOptions")
                .and_then(Value::as_str)
                .is_some_and(|s| s.eq_ignore_ascii_case("Enabled"));
        if outside
            && !static_ok
            && !case.mocks.contains_key(name)
            && !case.call_through.contains(name)
        {
            return Some(format!(
                "{}: the action '{name}' ({ty}) would call the network: mock it in \"mocks\", or allow it with {{\"callThrough\": true}}",
                at(&case.at)
            ));
        }
    }
    None
}

/// The value at a JSON pointer ("" is the whole value).
fn at_pointer<'v>(v: &'v Value, p: &str) -> Option<&'v Value> {
    if p.is_empty() {
        Some(v)
    } else {
        v.pointer(p)
    }
}

/// Compact JSON text of a value, or "(absent)".
pub fn show(v: Option<&Value>) -> String {
    match v {
        None => "(absent)".into(),
        Some(v) => serde_json::to_string(v).unwrap_or_default(),
    }
}

/// Whether two JSON values are equal, numbers compared by value.
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x == y || x.to_string() == y.to_string() || {
                match (x.as_f64(), y.as_f64()) {
                    (Some(p), Some(q)) => p == q,
                    _ => false,
                }
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// Where two values differ, as `/path: expected …, actual …` lines (at most
/// 20).
pub fn diff(expected: &Value, actual: &Value) -> Vec<String> {
    fn go(e: &Value, a: &Value, path: &str, out: &mut Vec<String>) {
        if out.len() >= 20 {
            return;
        }
        match (e, a) {
            (Value::Object(x), Value::Object(y)) => {
                for (k, v) in x {
                    let p = join(path, k);
                    match y.get(k) {
                        Some(w) => go(v, w, &p, out),
                        None => {
                            out.push(format!("{p}: expected {}, actual (absent)", show(Some(v))))
                        }
                    }
                }
                for (k, w) in y {
                    if !x.contains_key(k) {
                        out.push(format!(
                            "{}: not expected, actual {}",
                            join(path, k),
                            show(Some(w))
                        ));
                    }
                }
            }
            (Value::Array(x), Value::Array(y)) => {
                for i in 0..x.len().max(y.len()) {
                    let p = format!("{path}/{i}");
                    match (x.get(i), y.get(i)) {
                        (Some(v), Some(w)) => go(v, w, &p, out),
                        (Some(v), None) => {
                            out.push(format!("{p}: expected {}, actual (absent)", show(Some(v))))
                        }
                        (None, Some(w)) => {
                            out.push(format!("{p}: not expected, actual {}", show(Some(w))))
                        }
                        (None, None) => {}
                    }
                }
            }
            _ if !same(e, a) => {
                let p = if path.is_empty() {
                    "(whole value)"
                } else {
                    path
                };
                out.push(format!(
                    "{p}: expected {}, actual {}",
                    show(Some(e)),
                    show(Some(a))
                ));
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    go(expected, actual, "", &mut out);
    out
}

fn contains(hay: &Value, needle: &Value) -> bool {
    match (hay, needle) {
        (Value::String(h), Value::String(n)) => h.contains(n.as_str()),
        (Value::Array(h), n) => h
            .iter()
            .any(|x| same(x, n) || (x.is_object() && contains(x, n))),
        (Value::Object(h), Value::Object(n)) => n.iter().all(|(k, v)| {
            h.get(k)
                .is_some_and(|w| same(w, v) || (w.is_object() && v.is_object() && contains(w, v)))
        }),
        _ => false,
    }
}

/// Checks one value against a matcher: `None` when it holds, else the
/// failure's (expected, actual, diff, update).
fn matches(
    m: &Matcher,
    actual: Option<&Value>,
) -> Option<(String, String, Vec<String>, Option<Value>)> {
    let shown = show(actual);
    match m {
        Matcher::Equals(e) => match actual {
            Some(a) if same(e, a) => None,
            Some(a) => Some((
                show(Some(e)),
                shown,
                if e.is_object() || e.is_array() {
                    diff(e, a)
                } else {
                    Vec::new()
                },
                Some(a.clone()),
            )),
            None => Some((show(Some(e)), shown, Vec::new(), None)),
        },
        Matcher::Contains(n) => match actual {
            Some(a) if contains(a, n) => None,
            _ => Some((
                format!("contains {}", show(Some(n))),
                shown,
                Vec::new(),
                None,
            )),
        },
        Matcher::Regex(r) => match actual {
            Some(Value::String(s)) if r.is_match(s) => None,
            _ => Some((format!("matches /{}/", r.as_str()), shown, Vec::new(), None)),
        },
        Matcher::Schema(s) => {
            let mut errors = Vec::new();
            match actual {
                Some(a) => crate::run::engine::data::validate(a, s, "", &mut errors),
                None => errors.push("#: the value is absent".into()),
            }
            if errors.is_empty() {
                None
            } else {
                Some(("valid against the schema".into(), shown, errors, None))
            }
        }
    }
}

/// How many iterations a Foreach or Until ran: the Until's recorded count,
/// or the number of distinct iterations its direct children recorded.
pub fn iterations(run: &Run, name: &str, def: &Value) -> u64 {
    if let Some(n) = run
        .action(name)
        .and_then(|r| r.inputs.get("iterations").and_then(Value::as_u64))
    {
        return n;
    }
    let mut seen = std::collections::BTreeSet::new();
    if let Some(Value::Object(inner)) = def.get("actions") {
        for child in inner.keys() {
            if let Some(r) = run.action(child) {
                seen.extend(r.repetitions.iter().map(|x| x.index));
            }
        }
    }
    seen.len() as u64
}

/// Checks a run against a case: (assertions checked, failures).
pub fn check(
    file: &TestFile,
    case: &Case,
    run: &Run,
    defs: &HashMap<String, Value>,
) -> (usize, Vec<Failure>) {
    let mut n = 0;
    let mut out = Vec::new();
    let mut fail = |what: String,
                    action: Option<&str>,
                    pointer: &str,
                    exp: String,
                    act: String,
                    diff: Vec<String>,
                    update: Option<Value>| {
        let (line, column) = file.locate(pointer);
        out.push(Failure {
            what,
            action: action.map(str::to_owned),
            pointer: pointer.to_owned(),
            line,
            column,
            expected: exp,
            actual: act,
            diff,
            update,
        });
    };
    let e = &case.expect;
    let eat = join(&case.at, "expect");
    if let Some(s) = e.status {
        n += 1;
        if run.status != s {
            let mut d = Vec::new();
            if let Some(err) = &run.error {
                d.push(format!(
                    "run error {}: {}",
                    err.code,
                    err.message.lines().next().unwrap_or("")
                ));
            }
            fail(
                "run status".into(),
                None,
                &join(&eat, "status"),
                s.as_str().into(),
                run.status.as_str().into(),
                d,
                Some(Value::String(run.status.as_str().into())),
            );
        }
    }
    for a in &e.actions {
        let rec: Option<ActionRun> = run.action(&a.name);
        let status = rec.as_ref().map(|r| r.status);
        let st = status.map_or("(not reached)", |s| s.as_str()).to_owned();
        let err_line = rec
            .as_ref()
            .and_then(|r| r.error.as_ref())
            .filter(|_| status != Some(Status::Skipped))
            .map(|e| {
                vec![format!(
                    "error {}: {}",
                    e.code,
                    e.message.lines().next().unwrap_or("")
                )]
            })
            .unwrap_or_default();
        if let Some(s) = a.status {
            n += 1;
            if status != Some(s) {
                fail(
                    format!("actions.{} status", a.name),
                    Some(&a.name),
                    &join(&a.at, "status"),
                    s.as_str().into(),
                    st.clone(),
                    err_line.clone(),
                    status.map(|s| Value::String(s.as_str().into())),
                );
            }
        }
        if a.not_run {
            n += 1;
            if !matches!(status, None | Some(Status::Skipped)) {
                fail(
                    format!("actions.{} notRun", a.name),
                    Some(&a.name),
                    &join(&a.at, "notRun"),
                    "not run (Skipped)".into(),
                    st.clone(),
                    err_line.clone(),
                    None,
                );
            }
        }
        if let Some(want) = a.iterations {
            n += 1;
            let got = defs.get(&a.name).map_or(0, |d| iterations(run, &a.name, d));
            if got != want {
                fail(
                    format!("actions.{} iterations", a.name),
                    Some(&a.name),
                    &join(&a.at, "iterations"),
                    want.to_string(),
                    got.to_string(),
                    Vec::new(),
                    Some(Value::from(got)),
                );
            }
        }
        if let Some(code) = &a.error_code {
            n += 1;
            // The error's code; an Http action that got a failing answer has
            // no error (as in Azure): its code (`BadGateway`) stands in.
            let got = rec.as_ref().and_then(|r| {
                r.error.as_ref().map(|e| e.code.clone()).or_else(|| {
                    (r.status != Status::Succeeded)
                        .then(|| r.code.clone())
                        .flatten()
                })
            });
            if got.as_deref() != Some(code.as_str()) {
                fail(
                    format!("actions.{} errorCode", a.name),
                    Some(&a.name),
                    &join(&a.at, "errorCode"),
                    code.clone(),
                    got.clone().unwrap_or_else(|| "(no error)".into()),
                    err_line.clone(),
                    got.map(Value::String),
                );
            }
        }
        for (part, checks) in [("inputs", &a.inputs), ("outputs", &a.outputs)] {
            let pick =
                |inputs: bool, i: &Value, o: &Value| if inputs { i.clone() } else { o.clone() };
            let inputs = part == "inputs";
            // Inside a loop, every iteration that ran is checked.
            let values: Vec<(Option<u64>, Value)> = match &rec {
                None => vec![(None, Value::Null)],
                Some(r) if !r.repetitions.is_empty() => r
                    .repetitions
                    .iter()
                    .filter(|x| x.status != Status::Skipped)
                    .map(|x| (Some(x.index), pick(inputs, &x.inputs, &x.outputs)))
                    .collect::<std::collections::BTreeMap<_, _>>()
                    .into_iter()
                    .collect(),
                Some(r) => vec![(None, pick(inputs, &r.inputs, &r.outputs))],
            };
            for c in checks {
                n += 1;
                for (iteration, whole) in &values {
                    let what = match iteration {
                        Some(i) => format!("actions.{} {part} (iteration {i})", a.name),
                        None => format!("actions.{} {part}", a.name),
                    };
                    let absent = rec.is_none();
                    let v = if absent {
                        None
                    } else {
                        at_pointer(whole, &c.path)
                    };
                    if check_one(c, v, &what, Some(&a.name), &mut fail) {
                        break;
                    }
                }
            }
        }
    }
    if let Some(r) = &e.response {
        n += 1;
        match (&run.response, r.sent) {
            (None, false) => {}
            (Some(got), false) => fail(
                "response".into(),
                None,
                &r.at,
                "no Response sent".into(),
                format!("status {}", got.status),
                Vec::new(),
                None,
            ),
            (None, true) => fail(
                "response".into(),
                None,
                &r.at,
                "a Response".into(),
                "no Response sent".into(),
                Vec::new(),
                None,
            ),
            (Some(got), true) => {
                if let Some(s) = r.status {
                    n += 1;
                    if got.status != s {
                        fail(
                            "response status".into(),
                            None,
                            &join(&r.at, "status"),
                            s.to_string(),
                            got.status.to_string(),
                            Vec::new(),
                            Some(Value::from(got.status)),
                        );
                    }
                }
                for (name, m, at) in &r.headers {
                    n += 1;
                    let v = got
                        .headers
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(name))
                        .map(|(_, v)| v);
                    if let Some((exp, act, d, upd)) = matches(m, v) {
                        fail(
                            format!("response header {name} {}", m.kind()),
                            None,
                            at,
                            exp,
                            act,
                            d,
                            upd,
                        );
                    }
                }
                for c in &r.body {
                    n += 1;
                    check_one(
                        c,
                        at_pointer(&got.body, &c.path),
                        "response body",
                        None,
                        &mut fail,
                    );
                }
            }
        }
    }
    (n, out)
}

type Fail<'a> =
    dyn FnMut(String, Option<&str>, &str, String, String, Vec<String>, Option<Value>) + 'a;

/// Checks one value; true when it failed (and was reported).
fn check_one(
    c: &Check,
    v: Option<&Value>,
    what: &str,
    action: Option<&str>,
    fail: &mut Fail,
) -> bool {
    match matches(&c.matcher, v) {
        Some((exp, act, d, upd)) => {
            let path = if c.path.is_empty() {
                "(whole)"
            } else {
                &c.path
            };
            fail(
                format!("{what} {path} {}", c.matcher.kind()),
                action,
                &c.at,
                exp,
                act,
                d,
                upd,
            );
            true
        }
        None => false,
    }
}
