//! From an action to a request: parameter values from every place they can
//! come from, the action's inputs resolved with the expression evaluator,
//! and a [`Prepared`] request with its [`Auth`] and the secrets it holds.
//!
//! Parameter values, later wins: the definition's `defaultValue`s, a
//! parameters file (ARM deployment parameters, a Standard
//! `parameters.json`, or a plain `{name: value}` object), `--param`
//! overrides, then the secret store for secure parameters that still have
//! no value.

use std::fmt;

use base64::Engine;
use serde_json::{Map, Value};

use super::{Auth, Body, Credential, OAuth, Prepared, SecretBytes, DEFAULT_AUTHORITY};
use crate::expr::ast::Template;
use crate::expr::eval::{evaluate_value_at, Context};
use crate::expr::parse_string_value;
use crate::secrets::{Redactor, Secret, SecretStore};
use crate::workflow::text::escape_pointer;
use crate::workflow::tree::Role;
use crate::workflow::Document;

/// Parameter values ready for the evaluator, and the secure ones for
/// redaction. `Debug` shows the parameters' names only.
#[derive(Clone, Default)]
pub struct Resolved {
    /// Every parameter that has a value, by name.
    pub values: Map<String, Value>,
    /// Every secure parameter's value (SecureString, SecureObject).
    pub redactor: Redactor,
}

impl std::fmt::Debug for Resolved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolved")
            .field("values", &self.values.keys().collect::<Vec<_>>())
            .field("redactor", &self.redactor)
            .finish()
    }
}

/// Why an action could not be turned into a request.
#[derive(Debug, Clone, PartialEq)]
pub enum PrepareError {
    /// A secret has no value anywhere (parameter, app setting): the caller
    /// asks for it and tries again.
    MissingSecret {
        /// The parameter's (or app setting's) name.
        name: String,
    },
    /// No action of that name.
    NotFound {
        /// The name asked for.
        action: String,
        /// The workflow's HTTP actions.
        known: Vec<String>,
    },
    /// The action is not an HTTP action.
    NotHttp {
        /// The action.
        action: String,
        /// Its type as written.
        kind: String,
        /// The workflow's HTTP actions.
        known: Vec<String>,
    },
    /// An expression could not be evaluated for a test call.
    Expression {
        /// JSON pointer (from the file's root) of the string that holds it.
        pointer: String,
        /// What went wrong.
        message: String,
    },
    /// An input has a value a request cannot be built from.
    Invalid {
        /// JSON pointer (from the file's root) of the input.
        pointer: String,
        /// What is wrong.
        message: String,
    },
    /// A parameter value is missing, unknown or of the wrong type.
    Parameters(String),
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

impl fmt::Display for PrepareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrepareError::MissingSecret { name } => write!(
                f,
                "the secret `{name}` has no value: type it in, or set {} or a keychain entry `{name}`",
                crate::secrets::env_var_name(name)
            ),
            PrepareError::NotFound { action, known } => write!(
                f,
                "no action named `{action}` in the workflow (HTTP actions: {})",
                list(known)
            ),
            PrepareError::NotHttp {
                action,
                kind,
                known,
            } => write!(
                f,
                "the action `{action}` is of type `{kind}`, not `Http`: only HTTP actions can be test-called (HTTP actions: {})",
                list(known)
            ),
            PrepareError::Expression { pointer, message } => write!(f, "{pointer}: {message}"),
            PrepareError::Invalid { pointer, message } => write!(f, "{pointer}: {message}"),
            PrepareError::Parameters(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for PrepareError {}

/// Header names whose values are secrets (the same list the designer
/// masks).
pub fn is_secret_header(name: &str) -> bool {
    [
        "Authorization",
        "Proxy-Authorization",
        "X-API-Key",
        "Ocp-Apim-Subscription-Key",
        "PRIVATE-TOKEN",
    ]
    .iter()
    .any(|h| h.eq_ignore_ascii_case(name))
}

// ---------------------------------------------------------------------------
// Parameters

/// A declared parameter type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PType {
    String,
    SecureString,
    Int,
    Float,
    Bool,
    Array,
    Object,
    SecureObject,
}

impl PType {
    fn parse(s: &str) -> Option<PType> {
        Some(match s.to_ascii_lowercase().as_str() {
            "string" => PType::String,
            "securestring" => PType::SecureString,
            "int" | "integer" => PType::Int,
            "float" => PType::Float,
            "bool" | "boolean" => PType::Bool,
            "array" => PType::Array,
            "object" => PType::Object,
            "secureobject" => PType::SecureObject,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            PType::String => "String",
            PType::SecureString => "SecureString",
            PType::Int => "Int",
            PType::Float => "Float",
            PType::Bool => "Bool",
            PType::Array => "Array",
            PType::Object => "Object",
            PType::SecureObject => "SecureObject",
        }
    }

    fn is_secure(self) -> bool {
        matches!(self, PType::SecureString | PType::SecureObject)
    }

    fn is_string(self) -> bool {
        matches!(self, PType::String | PType::SecureString)
    }

    fn accepts(self, v: &Value) -> bool {
        match self {
            PType::String | PType::SecureString => v.is_string(),
            PType::Int => v.as_i64().is_some() || v.as_u64().is_some(),
            PType::Float => v.is_number(),
            PType::Bool => v.is_boolean(),
            PType::Array => v.is_array(),
            PType::Object | PType::SecureObject => v.is_object(),
        }
    }
}

/// An ARM template expression (`[parameters('x')]`), which only a
/// deployment can resolve: not a value here.
fn is_arm_expression(v: &Value) -> bool {
    matches!(v, Value::String(s) if s.starts_with('[') && s.ends_with(']') && !s.starts_with("[["))
}

/// The content of a parameters file (an ARM parameters file, a Standard
/// parameters.json or a plain `{"name": value}` object), read and parsed;
/// the error names the file.
pub fn read_params_file(p: &std::path::Path) -> Result<Value, String> {
    let bytes = std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?;
    crate::workflow::text::parse_json(&String::from_utf8_lossy(&bytes))
        .map_err(|e| format!("{}: {e}", p.display()))
}

fn json_kind(v: &Value) -> &'static str {
    crate::expr::eval::type_name(v)
}

/// Where a value came from, for messages.
#[derive(Debug, Clone)]
enum Source {
    Default,
    File,
    Override,
    Store,
}

impl Source {
    fn describe(&self) -> &'static str {
        match self {
            Source::Default => "its defaultValue",
            Source::File => "the parameters file",
            Source::Override => "--param",
            Source::Store => "the secret store",
        }
    }
}

/// `@appsetting('X')` (the whole string), as Standard parameters use.
fn appsetting_name(s: &str) -> Option<String> {
    let t = parse_string_value(s).ok()?;
    let Template::Expression(e) = t else {
        return None;
    };
    let calls = e.calls();
    let c = calls.first()?;
    if c.key != "appsetting" || calls.len() != 1 {
        return None;
    }
    c.literal_arg(0).map(|(n, _)| n.to_owned())
}

/// An app setting's value: the secret store (memory, `LAPIS_SECRET_X`,
/// keychain), then the environment variable of that very name.
fn app_setting(store: &SecretStore, name: &str) -> Option<Secret> {
    if let Some((s, _)) = store.get(name) {
        return Some(s);
    }
    std::env::var(name).ok().map(Secret::new)
}

/// The file's entries: `(name, value or None for a Key Vault reference,
/// declared type)`.
/// Name, value, declared type, and whether the value is a secret from the
/// store (an `@appsetting('…')` reference).
type FileEntries = Vec<(String, Option<Value>, Option<String>, bool)>;

fn read_parameters_file(file: &Value, store: &SecretStore) -> Result<FileEntries, PrepareError> {
    let Some(obj) = file.as_object() else {
        return Err(PrepareError::Parameters(format!(
            "the parameters file must hold a JSON object, found {}",
            json_kind(file)
        )));
    };
    let schema = obj.get("$schema").and_then(Value::as_str).unwrap_or("");
    let entry_obj = |v: &Value| {
        v.as_object()
            .is_some_and(|o| o.contains_key("value") || o.contains_key("reference"))
    };
    let arm = schema.to_ascii_lowercase().contains("deploymentparameters")
        || (obj
            .keys()
            .all(|k| matches!(k.as_str(), "$schema" | "contentVersion" | "parameters"))
            && obj
                .get("parameters")
                .and_then(Value::as_object)
                .is_some_and(|p| p.values().all(entry_obj)));
    let mut out = Vec::new();
    if arm {
        let Some(params) = obj.get("parameters").and_then(Value::as_object) else {
            return Err(PrepareError::Parameters(
                "the ARM parameters file has no `parameters` object".into(),
            ));
        };
        for (name, entry) in params {
            let Some(e) = entry.as_object() else {
                return Err(PrepareError::Parameters(format!(
                    "parameters file: `parameters.{name}` must be an object with `value` (or a Key Vault `reference`)"
                )));
            };
            // A Key Vault reference is resolved at deployment: the secret
            // store supplies the value here.
            match e.get("value") {
                Some(v) => out.push((name.clone(), Some(v.clone()), None, false)),
                None => out.push((name.clone(), None, None, false)),
            }
        }
        return Ok(out);
    }
    let standard = !obj.is_empty()
        && obj.values().all(|v| {
            v.as_object().is_some_and(|o| {
                o.contains_key("value")
                    && o.keys().all(|k| {
                        matches!(k.as_str(), "type" | "value" | "metadata" | "description")
                    })
            })
        });
    if standard {
        for (name, entry) in obj {
            let ty = entry.get("type").and_then(Value::as_str).map(str::to_owned);
            let v = entry.get("value").cloned().unwrap_or(Value::Null);
            let (v, secret) = match &v {
                Value::String(s) if s.contains('@') => match appsetting_name(s) {
                    Some(setting) => match app_setting(store, &setting) {
                        Some(secret) => (Value::String(secret.expose().to_owned()), true),
                        None => return Err(PrepareError::MissingSecret { name: setting }),
                    },
                    None => (v, false),
                },
                _ => (v, false),
            };
            out.push((name.clone(), Some(v), ty, secret));
        }
        return Ok(out);
    }
    for (name, v) in obj {
        out.push((name.clone(), Some(v.clone()), None, false));
    }
    Ok(out)
}

/// Adds a secure value to `r`: the whole value, and every string inside an
/// object.
fn redact_value(r: &mut Redactor, name: &str, v: &Value) {
    match v {
        Value::String(s) => r.add(name, &Secret::new(s.clone())),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
        Value::Array(a) => {
            for x in a {
                redact_value(r, name, x);
            }
        }
        Value::Object(o) => {
            r.add_raw(
                &Value::Object(o.clone()).to_string(),
                &format!("<secret:{name}>"),
            );
            for x in o.values() {
                redact_value(r, name, x);
            }
        }
    }
}

/// The workflow parameters' values, from (later wins) the definition's
/// defaults, a parameters file, `--param NAME=VALUE` overrides and, for
/// secure parameters that still have none, the secret store.
pub fn parameter_values(
    definition: &Map<String, Value>,
    file: Option<&Value>,
    overrides: &[(String, String)],
    store: &SecretStore,
) -> Result<Resolved, PrepareError> {
    // Declared parameters, in order, with their types.
    let mut declared: Vec<(String, Option<PType>)> = Vec::new();
    let mut values: Map<String, Value> = Map::new();
    let mut sources: std::collections::HashMap<String, Source> = Default::default();
    let declare =
        |declared: &mut Vec<(String, Option<PType>)>, name: &str, ty: Option<PType>| match declared
            .iter_mut()
            .find(|(n, _)| n == name)
        {
            Some(slot) => {
                if slot.1.is_none() {
                    slot.1 = ty;
                }
            }
            None => declared.push((name.to_owned(), ty)),
        };
    if let Some(Value::Object(params)) = definition.get("parameters") {
        for (name, decl) in params {
            let ty = decl.get("type").and_then(Value::as_str);
            let pty = match ty {
                Some(t) => match PType::parse(t) {
                    Some(p) => Some(p),
                    None => {
                        return Err(PrepareError::Parameters(format!(
                            "the parameter `{name}` has the unknown type `{t}` (expected String, SecureString, Int, Float, Bool, Array, Object or SecureObject)"
                        )))
                    }
                },
                None => None,
            };
            declare(&mut declared, name, pty);
            if let Some(d) = decl.get("defaultValue") {
                if !is_arm_expression(d) {
                    values.insert(name.clone(), d.clone());
                    sources.insert(name.clone(), Source::Default);
                }
            }
        }
    }
    // Values that came from app settings: secrets whatever their type.
    let mut from_settings: Vec<String> = Vec::new();
    if let Some(file) = file {
        for (name, v, ty, secret) in read_parameters_file(file, store)? {
            if secret {
                from_settings.push(name.clone());
            }
            let pty = ty.as_deref().and_then(PType::parse);
            declare(&mut declared, &name, pty);
            if let Some(v) = v {
                if !is_arm_expression(&v) {
                    values.insert(name.clone(), v);
                    sources.insert(name, Source::File);
                }
            }
        }
    }
    let type_of = |declared: &[(String, Option<PType>)], name: &str| {
        declared
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, t)| *t)
    };
    for (name, text) in overrides {
        let Some((real, _)) = declared
            .iter()
            .find(|(n, _)| n == name)
            .or_else(|| declared.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)))
        else {
            let known: Vec<String> = declared.iter().map(|(n, _)| n.clone()).collect();
            return Err(PrepareError::Parameters(format!(
                "--param {name}: the workflow has no parameter named `{name}` (known: {})",
                list(&known)
            )));
        };
        let real = real.clone();
        let ty = type_of(&declared, &real);
        if ty.is_some_and(PType::is_secure) {
            // A command line ends up in shell history and process lists.
            return Err(PrepareError::Parameters(format!(
                "--param {real}: `{real}` is a secure parameter, and a secret is never taken from the command line: use --secret {real}=env:VAR, --secret {real}=prompt or the variable {}",
                crate::secrets::env_var_name(&real)
            )));
        }
        let v = if ty.is_some_and(PType::is_string) {
            Value::String(text.clone())
        } else {
            match serde_json::from_str::<Value>(text.trim()) {
                Ok(
                    v @ (Value::Object(_) | Value::Array(_) | Value::Number(_) | Value::Bool(_)),
                ) => v,
                _ => Value::String(text.clone()),
            }
        };
        values.insert(real.clone(), v);
        sources.insert(real, Source::Override);
    }
    let mut redactor = Redactor::new();
    for name in &from_settings {
        if let Some(v) = values.get(name) {
            redact_value(&mut redactor, name, v);
        }
    }
    for (name, ty) in &declared {
        let secure = ty.is_some_and(PType::is_secure);
        if secure && values.get(name).is_some_and(|v| v.as_str() == Some("")) {
            // An empty default or placeholder is no value.
            values.remove(name);
        }
        // The secret store comes last, so it wins. A secret that no source
        // has is asked for only when the action uses it (`prepare` says so).
        let stored = if secure { store.get(name) } else { None };
        if let Some((secret, _)) = stored {
            let v = if *ty == Some(PType::SecureObject) {
                match serde_json::from_str::<Value>(secret.expose()) {
                    Ok(v @ Value::Object(_)) => v,
                    _ => {
                        return Err(PrepareError::Parameters(format!(
                            "the SecureObject parameter `{name}` from the secret store is not a JSON object"
                        )))
                    }
                }
            } else {
                Value::String(secret.expose().to_owned())
            };
            values.insert(name.clone(), v);
            sources.insert(name.clone(), Source::Store);
        }
        if let (Some(t), Some(v)) = (ty, values.get(name)) {
            if !t.accepts(v) {
                let from = sources.get(name).map_or("its value", Source::describe);
                let shown = if t.is_secure() {
                    format!("a value of type {}", json_kind(v))
                } else {
                    let mut s = v.to_string();
                    if s.chars().count() > 60 {
                        s = s.chars().take(60).collect::<String>() + "…";
                    }
                    format!("{} {s}", json_kind(v))
                };
                return Err(PrepareError::Parameters(format!(
                    "the parameter `{name}` is declared {} but {from} gives {shown}",
                    t.name()
                )));
            }
        }
        if secure {
            if let Some(v) = values.get(name) {
                redact_value(&mut redactor, name, v);
            }
        }
    }
    Ok(Resolved { values, redactor })
}

// ---------------------------------------------------------------------------
// The request

/// Workflow functions whose values only a run has.
const RUN_DATA: &[&str] = &[
    "trigger",
    "triggeroutputs",
    "triggerbody",
    "triggerformdatavalue",
    "triggerformdatamultivalues",
    "triggermultipartbody",
    "actions",
    "outputs",
    "actionoutputs",
    "body",
    "actionbody",
    "formdatavalue",
    "formdatamultivalues",
    "multipartbody",
    "result",
    "item",
    "items",
    "iterationindexes",
    "variables",
    "action",
    "listcallbackurl",
    "agentparameters",
];

/// What an input pre-scan found: app settings and parameters named.
#[derive(Default)]
struct Scan {
    app_settings: Vec<String>,
    parameters: Vec<(String, String)>, // (name, pointer)
}

fn scan(v: &Value, pointer: &mut String, out: &mut Scan) -> Result<(), PrepareError> {
    match v {
        Value::String(s) if s.contains('@') => {
            let t = parse_string_value(s).map_err(|e| PrepareError::Expression {
                pointer: pointer.clone(),
                message: e.to_string(),
            })?;
            let chars: Vec<char> = s.chars().collect();
            for c in t.calls() {
                if RUN_DATA.contains(&c.key.as_str()) {
                    let end = c.span.end.min(chars.len());
                    let start = c.span.start.min(end);
                    let text: String = chars[start..end].iter().collect();
                    return Err(PrepareError::Expression {
                        pointer: pointer.clone(),
                        message: format!(
                            "`{text}` needs data from a run ({}), which a test call does not have: replace it with a literal or a parameter to test the call",
                            run_data_kind(&c.key)
                        ),
                    });
                }
                match (c.key.as_str(), c.literal_arg(0)) {
                    ("appsetting", Some((n, _))) => out.app_settings.push(n.to_owned()),
                    ("parameters", Some((n, _))) => {
                        out.parameters.push((n.to_owned(), pointer.clone()))
                    }
                    _ => {}
                }
            }
            Ok(())
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                scan(item, pointer, out)?;
                pointer.truncate(len);
            }
            Ok(())
        }
        Value::Object(map) => {
            for (k, item) in map {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape_pointer(k));
                scan(item, pointer, out)?;
                pointer.truncate(len);
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn run_data_kind(key: &str) -> &'static str {
    match key {
        k if k.starts_with("trigger") => "the trigger's output",
        "item" | "items" | "iterationindexes" => "the current loop item",
        "variables" => "a variable",
        "listcallbackurl" => "the trigger's callback URL",
        "agentparameters" => "an agent's tool call",
        _ => "the result of another action",
    }
}

fn http_actions(doc: &Document, workflow: usize) -> Vec<String> {
    doc.outline(workflow)
        .map(|o| {
            o.actions()
                .filter(|n| n.type_name.eq_ignore_ascii_case("Http"))
                .map(|n| n.name.clone())
                .collect()
        })
        .unwrap_or_default()
}

fn invalid(pointer: &str, message: impl Into<String>) -> PrepareError {
    PrepareError::Invalid {
        pointer: pointer.to_owned(),
        message: message.into(),
    }
}

/// The text of a value where text is wanted: strings as they are, null as
/// nothing, anything else as compact JSON.
fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn encode_query(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, crate::secrets::QUERY_SET).to_string()
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// True for a header Logic Apps removes from an HTTP action's request
/// (documented under "Omitted HTTP headers").
pub fn logic_apps_drops(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    if n.starts_with("accept-") {
        return true;
    }
    if let Some(rest) = n.strip_prefix("content-") {
        return !matches!(rest, "type" | "encoding" | "disposition");
    }
    matches!(
        n.as_str(),
        "allow"
            | "cookie"
            | "expires"
            | "host"
            | "last-modified"
            | "origin"
            | "set-cookie"
            | "transfer-encoding"
    )
}

/// True for a header Logic Apps adds to every HTTP action's request (its
/// User-Agent, Accept-Language, the `x-ms-workflow-*` and tracking ids).
pub fn is_platform_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "user-agent"
        || n == "accept-language"
        || n.starts_with("x-ms-workflow-")
        || matches!(
            n.as_str(),
            "x-ms-execution-location"
                | "x-ms-client-tracking-id"
                | "x-ms-tracking-id"
                | "x-ms-correlation-id"
                | "x-ms-client-request-id"
        )
}

/// The ids of a test call's run, as Logic Apps would give them.
struct RunIds {
    workflow_id: String,
    version: String,
    run_id: String,
    tracking_id: String,
}

impl RunIds {
    fn new(workflow_name: &str) -> RunIds {
        use sha2::Digest;
        // Stable per workflow name, like a deployed workflow's id.
        let h = sha2::Sha256::digest(workflow_name.as_bytes());
        let workflow_id: String = h[..16].iter().map(|b| format!("{b:02x}")).collect();
        let digits = |n: usize| -> String {
            (0..n)
                .map(|_| char::from(b'0' + rand::random::<u8>() % 10))
                .collect()
        };
        RunIds {
            workflow_id,
            version: format!("0858{}", digits(16)),
            run_id: format!("0858{}CU00", digits(22)),
            tracking_id: super::token::guid(),
        }
    }

    /// The headers Logic Apps puts on an HTTP action's request.
    fn headers(&self, workflow_name: &str, action: &str) -> Vec<(String, String)> {
        let h = |k: &str, v: String| (k.to_owned(), v);
        vec![
            h(
                "User-Agent",
                format!(
                    "azure-logic-apps/1.0,(workflow {}; version {})",
                    self.workflow_id, self.version
                ),
            ),
            h("Accept-Language", "en-US".into()),
            h("x-ms-workflow-id", self.workflow_id.clone()),
            h("x-ms-workflow-version", self.version.clone()),
            h("x-ms-workflow-name", workflow_name.to_owned()),
            h("x-ms-workflow-run-id", self.run_id.clone()),
            h("x-ms-workflow-operation-name", action.to_owned()),
            h("x-ms-execution-location", "local".into()),
            h("x-ms-client-tracking-id", self.run_id.clone()),
            h("x-ms-tracking-id", self.tracking_id.clone()),
            h("x-ms-correlation-id", self.tracking_id.clone()),
            h("x-ms-client-request-id", self.tracking_id.clone()),
        ]
    }
}

fn valid_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Finds `action` in workflow `workflow` of `doc` (at any depth), resolves
/// its inputs with `params`, and builds the request.
pub fn prepare(
    doc: &Document,
    workflow: usize,
    action: &str,
    params: &Resolved,
    store: &SecretStore,
) -> Result<Prepared, PrepareError> {
    prepare_in(doc, workflow, action, params, store, None)
}

/// Like [`prepare`], with the inputs evaluated in `run_ctx` (a run's context:
/// variables, action results, loop items, the trigger); its parameters are
/// replaced by `params`.
pub fn prepare_in(
    doc: &Document,
    workflow: usize,
    action: &str,
    params: &Resolved,
    store: &SecretStore,
    run_ctx: Option<&Context>,
) -> Result<Prepared, PrepareError> {
    if workflow >= doc.workflows.len() {
        return Err(PrepareError::Parameters(format!(
            "the file has no workflow number {}",
            workflow + 1
        )));
    }
    let outline = doc
        .outline(workflow)
        .map_err(|e| invalid(&e.pointer, e.message))?;
    let known = http_actions(doc, workflow);
    let Some(id) = outline
        .nodes
        .iter()
        .position(|n| n.role == Role::Action && n.name == action)
    else {
        return Err(PrepareError::NotFound {
            action: action.to_owned(),
            known,
        });
    };
    let node = &outline.nodes[id];
    if !node.type_name.eq_ignore_ascii_case("Http") {
        return Err(PrepareError::NotHttp {
            action: action.to_owned(),
            kind: node.type_name.clone(),
            known,
        });
    }
    let objects = outline.objects(&doc.root);
    let Some(obj) = objects.get(id).copied().flatten() else {
        return Err(invalid(&node.pointer, "the action is not a JSON object"));
    };
    let base = format!("{}/inputs", node.pointer);
    let inputs = match obj.get("inputs") {
        Some(v @ Value::Object(_)) => v,
        Some(other) => {
            return Err(invalid(
                &base,
                format!("`inputs` must be an object, found {}", json_kind(other)),
            ))
        }
        None => return Err(invalid(&node.pointer, "the HTTP action has no `inputs`")),
    };

    // What the expressions need, before evaluating anything.
    let mut found = Scan::default();
    let mut p = base.clone();
    scan(inputs, &mut p, &mut found)?;
    let mut ctx = run_ctx.cloned().unwrap_or_default();
    ctx.parameters = params.values.clone();
    let mut redactor = params.redactor.clone();
    for name in &found.app_settings {
        if ctx.app_settings.contains_key(name) {
            continue;
        }
        match app_setting(store, name) {
            Some(v) => {
                redactor.add(name, &v);
                ctx.app_settings
                    .insert(name.clone(), Value::String(v.expose().to_owned()));
            }
            None => return Err(PrepareError::MissingSecret { name: name.clone() }),
        }
    }
    let declared = doc
        .definition(workflow)
        .get("parameters")
        .and_then(Value::as_object);
    for (name, pointer) in &found.parameters {
        let has = ctx.parameters.contains_key(name)
            || ctx.parameters.keys().any(|k| k.eq_ignore_ascii_case(name));
        if has {
            continue;
        }
        let decl = declared.and_then(|d| d.get(name));
        let secure = decl
            .and_then(|d| d.get("type"))
            .and_then(Value::as_str)
            .and_then(PType::parse)
            .is_some_and(PType::is_secure);
        if secure {
            return Err(PrepareError::MissingSecret { name: name.clone() });
        }
        if decl.is_some() {
            return Err(PrepareError::Parameters(format!(
                "{pointer}: the parameter `{name}` has no value: give one with --param {name}=VALUE or a parameters file"
            )));
        }
        let mut known: Vec<String> = ctx.parameters.keys().cloned().collect();
        if let Some(d) = declared {
            known.extend(
                d.keys()
                    .filter(|k| !known.contains(k))
                    .cloned()
                    .collect::<Vec<_>>(),
            );
        }
        return Err(PrepareError::Parameters(format!(
            "{pointer}: the workflow has no parameter named `{name}` (known: {})",
            list(&known)
        )));
    }
    let wf_name = doc.workflows[workflow].name.clone();
    let run = RunIds::new(&wf_name);
    let run_workflow = ctx.workflow.take();
    ctx.workflow = run_workflow.or_else(|| {
        Some(serde_json::json!({
            "id": format!("/workflows/{wf_name}"),
            "name": wf_name,
            "type": "Microsoft.Logic/workflows",
            "location": "local",
            "run": {
                "id": format!("/workflows/{wf_name}/runs/{}", run.run_id),
                "name": run.run_id,
                "type": "Microsoft.Logic/workflows/runs"
            }
        }))
    });
    // The evaluator's messages quote values, secure ones included.
    let resolved = evaluate_value_at(inputs, &ctx).map_err(|e| PrepareError::Expression {
        pointer: format!("{base}{}", e.pointer),
        message: redactor.redact(&e.error.to_string()),
    })?;
    let Value::Object(inp) = resolved else {
        return Err(invalid(&base, "`inputs` must be an object"));
    };
    let at = |k: &str| format!("{base}/{}", escape_pointer(k));
    let get = |k: &str| {
        inp.get(k).or_else(|| {
            inp.iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(k))
                .map(|(_, v)| v)
        })
    };

    // Method.
    let method = match get("method") {
        None | Some(Value::Null) => "GET".to_owned(),
        Some(Value::String(m)) if !m.trim().is_empty() => {
            let m = m.trim().to_ascii_uppercase();
            if !valid_header_name(&m) {
                return Err(invalid(
                    &at("method"),
                    format!("`{m}` is not an HTTP method"),
                ));
            }
            m
        }
        Some(other) => {
            return Err(invalid(
                &at("method"),
                format!(
                    "`method` must be a string such as GET or POST, found {}",
                    json_kind(other)
                ),
            ))
        }
    };

    // URL and queries.
    let uri = match get("uri") {
        Some(Value::String(u)) if !u.trim().is_empty() => u.trim().to_owned(),
        Some(Value::String(_)) | None | Some(Value::Null) => {
            return Err(invalid(&at("uri"), "the HTTP action has no `uri`"))
        }
        Some(other) => {
            return Err(invalid(
                &at("uri"),
                format!("`uri` must be a string, found {}", json_kind(other)),
            ))
        }
    };
    let mut url = url::Url::parse(&uri).map_err(|e| {
        invalid(
            &at("uri"),
            format!("`{}` is not an absolute URL ({e})", redactor.redact(&uri)),
        )
    })?;
    // Plain http to another host is checked once the authentication is
    // known: it may not carry a credential.
    let plain_http = url.scheme() == "http" && !is_loopback(&url);
    match url.scheme() {
        "https" | "http" => {}
        s => {
            return Err(invalid(
                &at("uri"),
                format!("the scheme `{s}` is not http or https"),
            ))
        }
    }
    if url.host().is_none() {
        return Err(invalid(&at("uri"), "the URL has no host"));
    }
    match get("queries") {
        None | Some(Value::Null) => {}
        Some(Value::Object(q)) => {
            let mut query = url.query().unwrap_or("").to_owned();
            let mut push = |name: &str, value: &str| {
                if !query.is_empty() {
                    query.push('&');
                }
                query.push_str(&encode_query(name));
                query.push('=');
                query.push_str(&encode_query(value));
            };
            for (name, v) in q {
                match v {
                    Value::Null => {}
                    Value::Array(items) => {
                        for item in items {
                            push(name, &text_of(item));
                        }
                    }
                    other => push(name, &text_of(other)),
                }
            }
            url.set_query(if query.is_empty() { None } else { Some(&query) });
        }
        Some(other) => {
            return Err(invalid(
                &at("queries"),
                format!("`queries` must be an object, found {}", json_kind(other)),
            ))
        }
    }

    // Headers.
    let mut headers = Vec::new();
    match get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(h)) => {
            for (name, v) in h {
                let hp = format!("{}/{}", at("headers"), escape_pointer(name));
                if !valid_header_name(name) {
                    return Err(invalid(&hp, format!("`{name}` is not a valid header name")));
                }
                let value = text_of(v);
                if value.contains(['\r', '\n', '\0']) {
                    return Err(invalid(
                        &hp,
                        format!("the value of header `{name}` holds a line break, which HTTP does not allow"),
                    ));
                }
                if is_secret_header(name) {
                    redactor.add(name, &Secret::new(value.clone()));
                }
                headers.push((name.clone(), value));
            }
        }
        Some(other) => {
            return Err(invalid(
                &at("headers"),
                format!("`headers` must be an object, found {}", json_kind(other)),
            ))
        }
    }
    // Logic Apps drops some headers without a word; so does a test call,
    // and says so.
    let mut dropped = Vec::new();
    headers.retain(|(k, _)| {
        let keep = !logic_apps_drops(k);
        if !keep {
            dropped.push(k.clone());
        }
        keep
    });
    // What Logic Apps adds to every outbound call, unless the action sets
    // the same header.
    let platform_headers: Vec<(String, String)> = run
        .headers(&wf_name, action)
        .into_iter()
        .filter(|(k, _)| !headers.iter().any(|(h, _)| h.eq_ignore_ascii_case(k)))
        .collect();
    let has_header = |n: &str| headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(n));

    // Cookie.
    let cookie = match get("cookie") {
        None | Some(Value::Null) => None,
        Some(v) => {
            let c = text_of(v);
            if c.contains(['\r', '\n', '\0']) {
                return Err(invalid(&at("cookie"), "the cookie holds a line break"));
            }
            (!c.is_empty()).then_some(c)
        }
    };

    // Body.
    let body = match get("body") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(Body {
            bytes: s.as_bytes().to_vec(),
            content_type: (!has_header("Content-Type"))
                .then(|| "text/plain; charset=utf-8".to_owned()),
        }),
        Some(other) => Some(Body {
            bytes: other.to_string().into_bytes(),
            content_type: Some("application/json".to_owned()),
        }),
    };

    // Authentication.
    let auth = match get("authentication") {
        None | Some(Value::Null) => Auth::None,
        Some(Value::Object(a)) => read_auth(a, &at("authentication"), &mut redactor)?,
        Some(other) => {
            return Err(invalid(
                &at("authentication"),
                format!(
                    "`authentication` must be an object, found {}",
                    json_kind(other)
                ),
            ))
        }
    };

    if plain_http {
        let credential = match &auth {
            Auth::None => headers
                .iter()
                .find(|(k, _)| is_secret_header(k))
                .map(|(k, _)| format!("the header {k}")),
            Auth::ActiveDirectoryOAuth(_) => Some("an Entra token".to_owned()),
            Auth::Basic { .. } => Some("Basic credentials".to_owned()),
            Auth::Raw { .. } => Some("the Raw authorization value".to_owned()),
            Auth::ClientCertificate { .. } => Some("a client certificate".to_owned()),
            Auth::ManagedServiceIdentity { .. } => Some("a managed identity token".to_owned()),
        };
        if let Some(what) = credential {
            return Err(invalid(
                &at("uri"),
                format!(
                    "`{}` uses plain http, and the call would send {what} in clear: use https (only loopback hosts may use http with credentials)",
                    redactor.redact(url.as_str())
                ),
            ));
        }
    }

    let mut warnings = Vec::new();
    for name in dropped {
        warnings.push(format!(
            "Logic Apps removes the header {name} from the request without a word (it never sends Accept-*, Allow, Content-* other than Content-Type, Content-Encoding and Content-Disposition, Cookie, Expires, Host, Last-Modified, Origin, Set-Cookie or Transfer-Encoding), so this call leaves it out too.{}",
            if name.eq_ignore_ascii_case("Cookie") {
                " Use the action's `cookie` input instead."
            } else {
                ""
            }
        ));
    }
    if has_header("Authorization") {
        let who = match &auth {
            Auth::ActiveDirectoryOAuth(_) => Some("the Entra token (ActiveDirectoryOAuth)"),
            Auth::Raw { .. } => Some("the Raw authentication value"),
            Auth::Basic { .. } => Some("the Basic credentials"),
            Auth::ManagedServiceIdentity { .. } => Some("the managed identity's token"),
            _ => None,
        };
        if let Some(who) = who {
            warnings.push(format!(
                "The action sets an Authorization header, but {who} occupies that header, so this one is replaced and never reaches the backend (App Proxy forwards the request without it). Send the backend's credential in a custom header such as PRIVATE-TOKEN, or in a cookie."
            ));
        }
    }

    Ok(Prepared {
        action: action.to_owned(),
        method,
        url,
        headers,
        platform_headers,
        body,
        cookie,
        auth,
        redactor,
        warnings,
    })
}

fn read_auth(
    a: &Map<String, Value>,
    pointer: &str,
    redactor: &mut Redactor,
) -> Result<Auth, PrepareError> {
    let field_ptr = |k: &str| format!("{pointer}/{k}");
    let get = |k: &str| {
        a.get(k).or_else(|| {
            a.iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(k))
                .map(|(_, v)| v)
        })
    };
    let opt = |k: &str| -> Result<Option<String>, PrepareError> {
        match get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(invalid(
                &field_ptr(k),
                format!("`{k}` must be a string, found {}", json_kind(other)),
            )),
        }
    };
    let ty = match get("type") {
        Some(Value::String(t)) => t.clone(),
        None | Some(Value::Null) => {
            return Err(invalid(pointer, "the authentication object has no `type`"))
        }
        Some(other) => {
            return Err(invalid(
                &field_ptr("type"),
                format!("`type` must be a string, found {}", json_kind(other)),
            ))
        }
    };
    let req = |k: &str, what: &str| -> Result<String, PrepareError> {
        opt(k)?.ok_or_else(|| invalid(&field_ptr(k), format!("`{k}` is required for {what}")))
    };
    fn keep(r: &mut Redactor, name: &str, value: String) -> Secret {
        let s = Secret::new(value);
        r.add(name, &s);
        s
    }
    let pfx = |k: &str, text: &str| -> Result<SecretBytes, PrepareError> {
        let clean: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT
            .decode(clean.as_bytes())
            .or_else(|_| base64::engine::general_purpose::URL_SAFE_PAD_INDIFFERENT.decode(clean.as_bytes()))
            .map(SecretBytes)
            .map_err(|_| {
                invalid(
                    &field_ptr(k),
                    format!("`{k}` must be the base64 of a .pfx (PKCS#12) file, and this is not valid base64"),
                )
            })
    };
    Ok(match ty.to_ascii_lowercase().as_str() {
        "none" => Auth::None,
        "basic" => {
            let username = req("username", "Basic authentication")?;
            let pw = req("password", "Basic authentication")?;
            let password = keep(redactor, "password", pw);
            redactor.add_basic(&username, &password);
            Auth::Basic { username, password }
        }
        "clientcertificate" => {
            let text = req("pfx", "ClientCertificate authentication")?;
            redactor.add_raw(&text, "<secret:pfx>");
            let pfx = pfx("pfx", &text)?;
            let password = opt("password")?.map(|p| keep(redactor, "pfx-password", p));
            Auth::ClientCertificate { pfx, password }
        }
        "activedirectoryoauth" => {
            let what = "ActiveDirectoryOAuth authentication";
            let authority = opt("authority")?
                .map(|a| a.trim_end_matches('/').to_owned())
                .unwrap_or_else(|| DEFAULT_AUTHORITY.to_owned());
            let tenant = req("tenant", what)?;
            let audience = req("audience", what)?;
            let client_id = req("clientId", what)?;
            let written = opt("credentialType")?;
            let has_pfx = opt("pfx")?.is_some();
            let has_secret = opt("secret")?.is_some();
            let certificate = match written.as_deref() {
                Some(t) if t.eq_ignore_ascii_case("Certificate") => true,
                Some(t) if t.eq_ignore_ascii_case("Secret") => false,
                Some(t) => {
                    return Err(invalid(
                        &field_ptr("credentialType"),
                        format!("`credentialType` must be Secret or Certificate, not `{t}`"),
                    ))
                }
                None => has_pfx && !has_secret,
            };
            let credential = if certificate {
                let text = req("pfx", "a Certificate credential")?;
                redactor.add_raw(&text, "<secret:pfx>");
                let pfx = pfx("pfx", &text)?;
                let password = opt("password")?.map(|p| keep(redactor, "pfx-password", p));
                Credential::Certificate { pfx, password }
            } else {
                let s = req("secret", "a Secret credential")?;
                Credential::Secret(keep(redactor, "client-secret", s))
            };
            Auth::ActiveDirectoryOAuth(OAuth {
                authority,
                tenant,
                audience,
                client_id,
                credential,
            })
        }
        "raw" => {
            let v = req("value", "Raw authentication")?;
            // `Bearer X`: an API may echo X alone.
            if let Some((_, credential)) = v.trim().split_once(' ') {
                redactor.add_raw(credential.trim(), "<secret:authorization>");
            }
            Auth::Raw {
                value: keep(redactor, "authorization", v),
            }
        }
        "managedserviceidentity" => Auth::ManagedServiceIdentity {
            identity: opt("identity")?,
            audience: opt("audience")?,
        },
        _ => {
            return Err(invalid(
                &field_ptr("type"),
                format!("unknown authentication type `{ty}` (expected None, Basic, ClientCertificate, ActiveDirectoryOAuth, Raw or ManagedServiceIdentity)"),
            ))
        }
    })
}
