//! Workflow tests: `*.lapistest.json` files that run a workflow with a given
//! trigger request, parameters and mocks, then check what the run did.
//!
//! A test file (its JSON Schema ships as `assets/lapistest.schema.json`):
//!
//! ```json
//! {
//!   "$schema": "../assets/lapistest.schema.json",
//!   "workflow": "app-proxy-status.json",
//!   "tests": [{
//!     "name": "status answered",
//!     "trigger": {"method": "GET", "headers": {}, "query": {}, "body": null},
//!     "parameters": {"tenantId": "contoso"},
//!     "mocks": {"Get_status": {"status": "Succeeded", "outputs": {"statusCode": 200, "body": {"ok": true}}}},
//!     "expect": {
//!       "status": "Succeeded",
//!       "actions": {"Get_status": {"status": "Succeeded", "outputs": {"/body/ok": {"equals": true}}}},
//!       "response": {"status": 200, "headers": {"Content-Type": "application/json"}, "body": {"/ok": {"equals": true}}}
//!     }
//!   }]
//! }
//! ```
//!
//! The workflow path is relative to the test file. Loading checks the whole
//! file and says where (file:line:col) and what is wrong; the runner
//! ([`runner`]) runs cases in parallel; [`report`] prints text, JSON and
//! JUnit XML and measures coverage; [`from_run`] writes a test from a
//! recorded run.

pub mod designer;
pub mod from_run;
pub mod report;
pub mod runner;

use crate::run::{Mock, RunError, Status, TriggerRequest};
use crate::workflow::text::{self, escape_pointer, SpanIndex, TextFormat};
use serde_json::{Map, Value};
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How test files are named.
pub const EXTENSION: &str = ".lapistest.json";

/// What a placeholder left by `lapis test new --from-run` starts with: a
/// secured value that the run did not record, to be filled in by hand.
pub const PLACEHOLDER: &str = "<fill in:";

/// A bad test file: where and what.
#[derive(Debug, Clone, PartialEq)]
pub struct FileError {
    /// The test file.
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path.display(),
            self.line,
            self.column,
            self.message
        )
    }
}

impl std::error::Error for FileError {}

/// How a value is matched.
#[derive(Debug, Clone)]
pub enum Matcher {
    /// The same JSON value (numbers compared by value).
    Equals(Value),
    /// A string holding this text, an array holding an element equal to
    /// (or containing) this one, an object holding these members.
    Contains(Value),
    /// A string matching this regular expression (unanchored).
    Regex(regex_lite::Regex),
    /// A value valid against this JSON Schema (subset: `type`,
    /// `properties`, `required`, `items`, `enum`).
    Schema(Value),
}

impl Matcher {
    /// The matcher's keyword.
    pub fn kind(&self) -> &'static str {
        match self {
            Matcher::Equals(_) => "equals",
            Matcher::Contains(_) => "contains",
            Matcher::Regex(_) => "regex",
            Matcher::Schema(_) => "schema",
        }
    }
}

/// One value check: the value at `path` (a JSON pointer into the action's
/// inputs or outputs, the Response's body, …) matched by `matcher`.
#[derive(Debug, Clone)]
pub struct Check {
    /// JSON pointer into the checked value (`""` is the whole value).
    pub path: String,
    /// How it is matched.
    pub matcher: Matcher,
    /// Pointer of the matcher in the test file.
    pub at: String,
}

/// What one action is expected to have done.
#[derive(Debug, Clone, Default)]
pub struct ActionExpect {
    /// The action's name.
    pub name: String,
    /// Pointer of this expectation in the test file.
    pub at: String,
    /// Its status.
    pub status: Option<Status>,
    /// `true`: it did not run (Skipped, or never reached).
    pub not_run: bool,
    /// For a Foreach or Until: how many iterations ran.
    pub iterations: Option<u64>,
    /// Its error code.
    pub error_code: Option<String>,
    /// Checks of its inputs.
    pub inputs: Vec<Check>,
    /// Checks of its outputs.
    pub outputs: Vec<Check>,
}

/// What the Response is expected to be.
#[derive(Debug, Clone, Default)]
pub struct ResponseExpect {
    /// Pointer in the test file.
    pub at: String,
    /// `false` when `"response": null`: no Response was sent.
    pub sent: bool,
    /// Its status code.
    pub status: Option<u16>,
    /// Headers (names compared without case).
    pub headers: Vec<(String, Matcher, String)>,
    /// Checks of its body.
    pub body: Vec<Check>,
}

/// The expectations of one case.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    /// The run's status.
    pub status: Option<Status>,
    /// Per action, in file order.
    pub actions: Vec<ActionExpect>,
    /// The Response.
    pub response: Option<ResponseExpect>,
}

/// One test case.
#[derive(Debug, Clone)]
pub struct Case {
    /// Its name (unique in its file).
    pub name: String,
    /// Pointer of the case in the test file (`/tests/0`).
    pub at: String,
    /// The request the trigger fires with.
    pub trigger: TriggerRequest,
    /// Parameter values by name.
    pub parameters: Map<String, Value>,
    /// Mocked actions.
    pub mocks: HashMap<String, Mock>,
    /// Actions allowed to make their real calls.
    pub call_through: BTreeSet<String>,
    /// Secure parameters' values by name: the environment variable that
    /// holds each (`"env:VAR"`), never the value itself.
    pub secrets: Vec<(String, String)>,
    /// Use the definition's `staticResults`.
    pub static_results: bool,
    /// The run's time limit.
    pub timeout: Duration,
    /// Every wait (Delay, retry intervals, an Until's timeout) is
    /// multiplied by this ([`DEFAULT_TIME_SCALE`] unless given).
    pub time_scale: f64,
    /// What must hold.
    pub expect: Expect,
}

/// A loaded test file.
pub struct TestFile {
    /// Its path.
    pub path: PathBuf,
    /// The workflow file, resolved against the test file's folder.
    pub workflow: PathBuf,
    /// Which workflow of an ARM template.
    pub workflow_name: Option<String>,
    /// Its cases.
    pub cases: Vec<Case>,
    /// The whole file (for `--update`).
    pub raw: Value,
    /// The file's appearance (for `--update`).
    pub format: TextFormat,
    /// The decoded text, comments included: what an edit of the file
    /// patches (only the changed spans are rewritten).
    pub text: String,
    /// Positions of its parts.
    pub spans: SpanIndex,
}

impl fmt::Debug for TestFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestFile")
            .field("path", &self.path)
            .field("workflow", &self.workflow)
            .field("cases", &self.cases.len())
            .finish()
    }
}

impl TestFile {
    /// Line and column of a pointer in the file.
    pub fn locate(&self, pointer: &str) -> (usize, usize) {
        self.spans.locate(pointer)
    }
}

/// Default factor on waits in tests: a minute's Delay takes 60 ms, an
/// Until's default PT1H timeout 3.6 s (0 would end every Until at once).
pub const DEFAULT_TIME_SCALE: f64 = 0.001;

/// Default time limit of one case.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

struct Ctx<'a> {
    path: &'a Path,
    spans: &'a SpanIndex,
}

impl Ctx<'_> {
    fn err(&self, pointer: &str, message: impl Into<String>) -> FileError {
        let (line, column) = self.spans.locate(pointer);
        FileError {
            path: self.path.to_owned(),
            line,
            column,
            message: message.into(),
        }
    }

    fn object<'v>(
        &self,
        v: &'v Value,
        at: &str,
        what: &str,
    ) -> Result<&'v Map<String, Value>, FileError> {
        v.as_object().ok_or_else(|| {
            self.err(
                at,
                format!(
                    "{what} must be an object, found {}",
                    crate::workflow::tree::kind_of(v)
                ),
            )
        })
    }

    fn string<'v>(&self, v: &'v Value, at: &str, what: &str) -> Result<&'v str, FileError> {
        v.as_str().ok_or_else(|| {
            self.err(
                at,
                format!(
                    "{what} must be a string, found {}",
                    crate::workflow::tree::kind_of(v)
                ),
            )
        })
    }

    fn known(&self, m: &Map<String, Value>, at: &str, allowed: &[&str]) -> Result<(), FileError> {
        for k in m.keys() {
            if !allowed.contains(&k.as_str()) {
                return Err(self.err(
                    &join(at, k),
                    format!(
                        "unknown field '{k}' (expected one of: {})",
                        allowed.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    fn status(&self, v: &Value, at: &str) -> Result<Status, FileError> {
        let s = self.string(v, at, "a status")?;
        Status::parse(s).filter(|s| s.is_final()).ok_or_else(|| {
            self.err(
                at,
                format!("unknown status '{s}' (expected Succeeded, Failed, Skipped, TimedOut or Cancelled)"),
            )
        })
    }
}

/// `at` + `/` + the escaped token.
pub fn join(at: &str, token: &str) -> String {
    format!("{at}/{}", escape_pointer(token))
}

/// Reads and checks a test file.
pub fn load(path: &Path) -> Result<TestFile, FileError> {
    let at0 = |message: String| FileError {
        path: path.to_owned(),
        line: 1,
        column: 1,
        message,
    };
    let bytes = std::fs::read(path).map_err(|e| at0(format!("cannot read: {e}")))?;
    parse(path, &bytes)
}

/// Parses and checks the bytes of a test file found at `path`.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<TestFile, FileError> {
    let text_err = |e: text::TextError| FileError {
        path: path.to_owned(),
        line: e.line,
        column: e.column,
        message: e.message,
    };
    let source = text::read_source(bytes).map_err(text_err)?;
    let raw = text::parse_json(&source.json).map_err(text_err)?;
    let text_kept = source
        .commented
        .clone()
        .unwrap_or_else(|| source.json.clone());
    if let Some(e) = text::find_duplicate_key(&source.json) {
        return Err(text_err(e));
    }
    let spans = SpanIndex::new(&source.json);
    let cx = Ctx {
        path,
        spans: &spans,
    };
    let root = cx.object(&raw, "", "a test file")?;
    cx.known(
        root,
        "",
        &[
            "$schema",
            "workflow",
            "workflowName",
            "tests",
            "description",
        ],
    )?;
    let wf = root.get("workflow").ok_or_else(|| {
        cx.err(
            "",
            "missing field 'workflow' (the workflow file, relative to this file)",
        )
    })?;
    let wf = cx.string(wf, "/workflow", "'workflow'")?;
    if wf.trim().is_empty() {
        return Err(cx.err("/workflow", "'workflow' is empty"));
    }
    let base = path.parent().unwrap_or(Path::new(""));
    let workflow = base.join(wf);
    let workflow_name = match root.get("workflowName") {
        None | Some(Value::Null) => None,
        Some(v) => Some(cx.string(v, "/workflowName", "'workflowName'")?.to_owned()),
    };
    let tests = root
        .get("tests")
        .ok_or_else(|| cx.err("", "missing field 'tests' (a list of test cases)"))?;
    let list = tests.as_array().ok_or_else(|| {
        cx.err(
            "/tests",
            format!(
                "'tests' must be an array, found {}",
                crate::workflow::tree::kind_of(tests)
            ),
        )
    })?;
    if list.is_empty() {
        return Err(cx.err("/tests", "'tests' is empty: add at least one case"));
    }
    let mut cases: Vec<Case> = Vec::new();
    for (i, c) in list.iter().enumerate() {
        let case = parse_case(&cx, c, &format!("/tests/{i}"))?;
        if cases.iter().any(|o| o.name == case.name) {
            return Err(cx.err(
                &format!("/tests/{i}/name"),
                format!("two cases are named '{}'", case.name),
            ));
        }
        cases.push(case);
    }
    Ok(TestFile {
        path: path.to_owned(),
        workflow,
        workflow_name,
        cases,
        raw,
        format: source.format,
        text: text_kept,
        spans,
    })
}

/// Saves `raw`, an edit of `file`'s value, over the file atomically: only
/// the spans whose value changed are rewritten, so comments, blank lines
/// and spellings elsewhere stay (a plain render in the file's format when
/// the patch cannot be used). What is written must load again: a test
/// file is never left broken.
pub fn save_edited(file: &TestFile, raw: &Value) -> Result<(), String> {
    let base = crate::workflow::preserve::Base::with_value(file.text.clone(), file.raw.clone());
    let bytes = match crate::workflow::preserve::patch(&base, raw, &file.format) {
        Ok(t) => text::encode(&t, file.format.encoding),
        Err(_) => text::render(raw, &file.format),
    };
    parse(&file.path, &bytes).map_err(|e| e.to_string())?;
    text::write_atomic(&file.path, &bytes)
        .map_err(|e| format!("{}: cannot save: {e}", file.path.display()))
}

fn parse_case(cx: &Ctx, v: &Value, at: &str) -> Result<Case, FileError> {
    let m = cx.object(v, at, "a test case")?;
    cx.known(
        m,
        at,
        &[
            "name",
            "description",
            "trigger",
            "parameters",
            "secrets",
            "mocks",
            "staticResults",
            "timeout",
            "timeScale",
            "expect",
        ],
    )?;
    let name = match m.get("name") {
        Some(n) => cx.string(n, &join(at, "name"), "'name'")?.to_owned(),
        None => return Err(cx.err(at, "missing field 'name'")),
    };
    let trigger = match m.get("trigger") {
        None | Some(Value::Null) => TriggerRequest::default(),
        Some(t) => parse_trigger(cx, t, &join(at, "trigger"))?,
    };
    let parameters = match m.get("parameters") {
        None | Some(Value::Null) => Map::new(),
        Some(p) => {
            let pm = cx.object(p, &join(at, "parameters"), "'parameters'")?;
            for (k, v) in pm {
                if v.as_str().is_some_and(|s| s.starts_with(PLACEHOLDER)) {
                    return Err(cx.err(
                        &join(&join(at, "parameters"), k),
                        format!("parameter '{k}' is a placeholder: fill in its value (or give it with an environment variable)"),
                    ));
                }
            }
            pm.clone()
        }
    };
    let mut secrets = Vec::new();
    if let Some(sv) = m.get("secrets").filter(|v| !v.is_null()) {
        let sat = join(at, "secrets");
        for (k, v) in cx.object(sv, &sat, "'secrets'")? {
            let here = join(&sat, k);
            let var = cx
                .string(v, &here, "a secret's source")?
                .strip_prefix("env:")
                .filter(|var| !var.is_empty())
                .ok_or_else(|| {
                    cx.err(
                        &here,
                        format!("secret '{k}': write \"env:VARIABLE\" (the value comes from the environment, never from the file)"),
                    )
                })?;
            secrets.push((k.clone(), var.to_owned()));
        }
    }
    let mut mocks = HashMap::new();
    let mut call_through = BTreeSet::new();
    if let Some(ms) = m.get("mocks").filter(|v| !v.is_null()) {
        let mat = join(at, "mocks");
        for (action, mv) in cx.object(ms, &mat, "'mocks'")? {
            let here = join(&mat, action);
            let mm = cx.object(mv, &here, "a mock")?;
            cx.known(mm, &here, &["status", "outputs", "error", "callThrough"])?;
            if let Some(ct) = mm.get("callThrough") {
                match ct {
                    Value::Bool(true) => {
                        if mm.len() > 1 {
                            return Err(cx.err(
                                &here,
                                "a call-through mock has no status, outputs or error",
                            ));
                        }
                        call_through.insert(action.clone());
                        continue;
                    }
                    Value::Bool(false) => {}
                    other => {
                        return Err(cx.err(
                            &join(&here, "callThrough"),
                            format!(
                                "'callThrough' must be true or false, found {}",
                                crate::workflow::tree::kind_of(other)
                            ),
                        ))
                    }
                }
            }
            let status = match mm.get("status") {
                Some(s) => cx.status(s, &join(&here, "status"))?,
                None => Status::Succeeded,
            };
            let outputs = mm.get("outputs").cloned().unwrap_or(Value::Null);
            if let Some(p) = find_placeholder(&outputs, &join(&here, "outputs")) {
                return Err(cx.err(
                    &p,
                    format!("the mock of '{action}' holds a placeholder: fill in the secured value the run did not record"),
                ));
            }
            let error = match mm.get("error") {
                None | Some(Value::Null) => None,
                Some(e) => {
                    let ep = join(&here, "error");
                    let em = cx.object(e, &ep, "'error'")?;
                    cx.known(em, &ep, &["code", "message"])?;
                    let code = em
                        .get("code")
                        .map(|c| cx.string(c, &join(&ep, "code"), "'code'"))
                        .transpose()?;
                    let message = em
                        .get("message")
                        .map(|c| cx.string(c, &join(&ep, "message"), "'message'"))
                        .transpose()?;
                    Some(RunError {
                        code: code.unwrap_or("ActionFailed").to_owned(),
                        message: message.unwrap_or("the mock failed").to_owned(),
                    })
                }
            };
            if status == Status::Succeeded && error.is_some() {
                return Err(cx.err(
                    &join(&here, "error"),
                    "a Succeeded mock has no error: give a status such as Failed",
                ));
            }
            mocks.insert(
                action.clone(),
                Mock {
                    status,
                    outputs,
                    error,
                },
            );
        }
    }
    let static_results = match m.get("staticResults") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(o) => {
            return Err(cx.err(
                &join(at, "staticResults"),
                format!(
                    "'staticResults' must be true or false, found {}",
                    crate::workflow::tree::kind_of(o)
                ),
            ))
        }
    };
    let timeout = match m.get("timeout") {
        None => DEFAULT_TIMEOUT,
        Some(t) => match t.as_f64() {
            Some(s) if s > 0.0 && s.is_finite() && s <= 86_400.0 => Duration::from_secs_f64(s),
            _ => {
                return Err(cx.err(
                    &join(at, "timeout"),
                    "'timeout' must be a number of seconds above 0 (at most 86400)",
                ))
            }
        },
    };
    let time_scale = match m.get("timeScale") {
        None => DEFAULT_TIME_SCALE,
        Some(t) => match t.as_f64() {
            Some(f) if f >= 0.0 && f.is_finite() && f <= 1.0 => f,
            _ => {
                return Err(cx.err(
                    &join(at, "timeScale"),
                    "'timeScale' must be a number from 0 to 1 (the factor on every wait)",
                ))
            }
        },
    };
    let expect = match m.get("expect") {
        None | Some(Value::Null) => Expect::default(),
        Some(e) => parse_expect(cx, e, &join(at, "expect"))?,
    };
    Ok(Case {
        name,
        at: at.to_owned(),
        trigger,
        parameters,
        mocks,
        call_through,
        secrets,
        static_results,
        timeout,
        time_scale,
        expect,
    })
}

/// The pointer of the first placeholder string inside `v`.
pub fn find_placeholder(v: &Value, at: &str) -> Option<String> {
    match v {
        Value::String(s) if s.starts_with(PLACEHOLDER) => Some(at.to_owned()),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .find_map(|(i, x)| find_placeholder(x, &format!("{at}/{i}"))),
        Value::Object(m) => m
            .iter()
            .find_map(|(k, x)| find_placeholder(x, &join(at, k))),
        _ => None,
    }
}

fn pairs(cx: &Ctx, v: &Value, at: &str, what: &str) -> Result<Vec<(String, String)>, FileError> {
    let mut out = Vec::new();
    for (k, x) in cx.object(v, at, what)? {
        let s = match x {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            other => {
                return Err(cx.err(
                    &join(at, k),
                    format!(
                        "'{k}' must be a string, found {}",
                        crate::workflow::tree::kind_of(other)
                    ),
                ))
            }
        };
        out.push((k.clone(), s));
    }
    Ok(out)
}

fn parse_trigger(cx: &Ctx, v: &Value, at: &str) -> Result<TriggerRequest, FileError> {
    let m = cx.object(v, at, "'trigger'")?;
    cx.known(
        m,
        at,
        &["method", "headers", "query", "relativePath", "body"],
    )?;
    let mut req = TriggerRequest::default();
    if let Some(x) = m.get("method").filter(|v| !v.is_null()) {
        req.method = Some(
            cx.string(x, &join(at, "method"), "'method'")?
                .to_ascii_uppercase(),
        );
    }
    if let Some(x) = m.get("headers").filter(|v| !v.is_null()) {
        req.headers = pairs(cx, x, &join(at, "headers"), "'headers'")?;
    }
    if let Some(x) = m.get("query").filter(|v| !v.is_null()) {
        req.query = pairs(cx, x, &join(at, "query"), "'query'")?;
    }
    if let Some(x) = m.get("relativePath").filter(|v| !v.is_null()) {
        req.relative_path = Some(
            cx.string(x, &join(at, "relativePath"), "'relativePath'")?
                .to_owned(),
        );
    }
    req.body = m.get("body").cloned().unwrap_or(Value::Null);
    Ok(req)
}

fn parse_matcher(cx: &Ctx, v: &Value, at: &str) -> Result<Matcher, FileError> {
    let m = match v {
        Value::Object(m) => m,
        Value::Array(_) => {
            return Err(cx.err(at, "a matcher is a plain value or one of {\"equals\"}, {\"contains\"}, {\"regex\"}, {\"schema\"}"))
        }
        other => return Ok(Matcher::Equals(other.clone())),
    };
    if m.len() != 1 {
        return Err(cx.err(
            at,
            "a matcher has exactly one of 'equals', 'contains', 'regex', 'schema' (write {\"equals\": {…}} to compare an object)",
        ));
    }
    let (k, x) = m.iter().next().expect("one member");
    let here = join(at, k);
    Ok(match k.as_str() {
        "equals" => Matcher::Equals(x.clone()),
        "contains" => Matcher::Contains(x.clone()),
        "regex" => {
            let s = cx.string(x, &here, "'regex'")?;
            Matcher::Regex(regex_lite::Regex::new(s).map_err(|e| {
                cx.err(
                    &here,
                    format!(
                        "bad regular expression: {}",
                        e.to_string().replace('\n', " ")
                    ),
                )
            })?)
        }
        "schema" => {
            cx.object(x, &here, "'schema'")?;
            Matcher::Schema(x.clone())
        }
        other => {
            return Err(cx.err(
                &here,
                format!("unknown matcher '{other}' (expected equals, contains, regex or schema)"),
            ))
        }
    })
}

fn parse_checks(cx: &Ctx, v: &Value, at: &str, what: &str) -> Result<Vec<Check>, FileError> {
    let mut out = Vec::new();
    for (p, mv) in cx.object(v, at, what)? {
        let here = join(at, p);
        if !(p.is_empty() || p.starts_with('/')) {
            return Err(cx.err(
                &here,
                format!("'{p}' is not a JSON pointer: write \"\" for the whole value or start with '/' (e.g. \"/body/id\")"),
            ));
        }
        out.push(Check {
            path: p.clone(),
            matcher: parse_matcher(cx, mv, &here)?,
            at: here,
        });
    }
    Ok(out)
}

fn parse_expect(cx: &Ctx, v: &Value, at: &str) -> Result<Expect, FileError> {
    let m = cx.object(v, at, "'expect'")?;
    cx.known(m, at, &["status", "actions", "response"])?;
    let mut e = Expect::default();
    if let Some(s) = m.get("status") {
        e.status = Some(cx.status(s, &join(at, "status"))?);
    }
    if let Some(a) = m.get("actions") {
        let aat = join(at, "actions");
        for (name, av) in cx.object(a, &aat, "'actions'")? {
            let here = join(&aat, name);
            let am = cx.object(av, &here, "an action's expectations")?;
            cx.known(
                am,
                &here,
                &[
                    "status",
                    "notRun",
                    "iterations",
                    "errorCode",
                    "inputs",
                    "outputs",
                ],
            )?;
            let mut x = ActionExpect {
                name: name.clone(),
                at: here.clone(),
                ..ActionExpect::default()
            };
            if let Some(s) = am.get("status") {
                x.status = Some(cx.status(s, &join(&here, "status"))?);
            }
            match am.get("notRun") {
                None => {}
                Some(Value::Bool(b)) => x.not_run = *b,
                Some(o) => {
                    return Err(cx.err(
                        &join(&here, "notRun"),
                        format!(
                            "'notRun' must be true or false, found {}",
                            crate::workflow::tree::kind_of(o)
                        ),
                    ))
                }
            }
            if x.not_run && x.status.is_some_and(|s| s != Status::Skipped) {
                return Err(cx.err(
                    &join(&here, "notRun"),
                    "'notRun' contradicts 'status': an action that did not run is Skipped",
                ));
            }
            if let Some(n) = am.get("iterations") {
                x.iterations = Some(n.as_u64().ok_or_else(|| {
                    cx.err(
                        &join(&here, "iterations"),
                        "'iterations' must be a whole number of 0 or more",
                    )
                })?);
            }
            if let Some(c) = am.get("errorCode") {
                x.error_code = Some(
                    cx.string(c, &join(&here, "errorCode"), "'errorCode'")?
                        .to_owned(),
                );
            }
            if let Some(i) = am.get("inputs") {
                x.inputs = parse_checks(cx, i, &join(&here, "inputs"), "'inputs'")?;
            }
            if let Some(o) = am.get("outputs") {
                x.outputs = parse_checks(cx, o, &join(&here, "outputs"), "'outputs'")?;
            }
            e.actions.push(x);
        }
    }
    if let Some(r) = m.get("response") {
        let here = join(at, "response");
        let mut x = ResponseExpect {
            at: here.clone(),
            sent: !r.is_null(),
            ..ResponseExpect::default()
        };
        if !r.is_null() {
            let rm = cx.object(r, &here, "'response'")?;
            cx.known(rm, &here, &["status", "headers", "body"])?;
            if let Some(s) = rm.get("status") {
                x.status = Some(
                    s.as_u64()
                        .filter(|c| (100..=599).contains(c))
                        .ok_or_else(|| {
                            cx.err(
                                &join(&here, "status"),
                                "'status' must be an HTTP status code (100 to 599)",
                            )
                        })? as u16,
                );
            }
            if let Some(h) = rm.get("headers") {
                let hat = join(&here, "headers");
                for (k, mv) in cx.object(h, &hat, "'headers'")? {
                    let at = join(&hat, k);
                    x.headers.push((k.clone(), parse_matcher(cx, mv, &at)?, at));
                }
            }
            if let Some(b) = rm.get("body") {
                x.body = parse_checks(cx, b, &join(&here, "body"), "'body'")?;
            }
        }
        e.response = Some(x);
    }
    Ok(e)
}

/// Folders never searched for tests.
const SKIP_DIRS: &[&str] = &["target", ".git", "node_modules"];

/// The test files under the given paths: a test file itself; a folder,
/// searched through (its `tests/` folders included); a workflow file, the
/// tests next to it and in a `tests/` folder beside it whose name starts
/// with the workflow's stem. Sorted, without duplicates.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = BTreeSet::new();
    let default = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out, 0).map_err(|e| format!("{}: {e}", p.display()))?;
        } else if p.is_file() {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name.ends_with(EXTENSION) {
                out.insert(p.clone());
            } else {
                let stem = p
                    .file_stem()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let dir = p.parent().unwrap_or(Path::new(""));
                let dir = if dir.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    dir
                };
                for d in [dir.to_path_buf(), dir.join("tests")] {
                    let Ok(rd) = std::fs::read_dir(&d) else {
                        continue;
                    };
                    for e in rd.flatten() {
                        let n = e.file_name().to_string_lossy().into_owned();
                        if n.ends_with(EXTENSION)
                            && (n.starts_with(&format!("{stem}.")) || stem == "workflow")
                        {
                            out.insert(e.path());
                        }
                    }
                }
            }
        } else {
            return Err(format!("{}: no such file or folder", p.display()));
        }
    }
    Ok(out.into_iter().collect())
}

fn walk(dir: &Path, out: &mut BTreeSet<PathBuf>, depth: usize) -> std::io::Result<()> {
    if depth > 32 {
        return Ok(());
    }
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        let ft = e.file_type()?;
        if ft.is_dir() {
            if !SKIP_DIRS.contains(&name.as_str()) {
                walk(&e.path(), out, depth + 1)?;
            }
        } else if name.ends_with(EXTENSION) {
            out.insert(e.path());
        }
    }
    Ok(())
}
