//! Evaluation over JSON values, with a caller-supplied [`Context`].
//!
//! The workflow functions (`parameters`, `variables`, `trigger…`, `actions`,
//! `body`, `outputs`, `result`, `item`, `items`, `workflow`, …) live here
//! because they read the context; every other call goes to
//! [`super::functions::call`], then [`super::datetime::call`]. Arguments are
//! evaluated first, from left to right, except that `if`, `and`, `or` and
//! `coalesce` stop once their answer is known, as the runtime does (`if()`
//! evaluates only the branch it returns).
//!
//! Access follows Logic Apps: `x['a']` or `x.a` on an object with no
//! property `a` is an error (`x?['a']` gives null), names are matched
//! exactly first and then ignoring case, and an array index out of range is
//! an error even after `?`.

use super::ast::{Call, Expr, ExprKind, Segment, Template};
use super::parse::parse_string_value;
use super::{registry, ExprError, Span};
use crate::workflow::tree::Outline;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use std::cell::Cell;
use std::collections::HashMap;

/// Everything an expression can read: the values a run would have at the
/// point where the expression is evaluated.
///
/// It deserializes from the `--context` file of `lapis eval`; every field is
/// optional and unknown fields are refused (so a typo is caught):
///
/// ```json
/// {
///   "parameters": {"apiUrl": "https://example.org"},
///   "variables": {"count": 3},
///   "triggerOutputs": {"headers": {"Content-Type": "application/json"}, "body": {"id": 7}},
///   "actions": {"Get_user": {"status": "Succeeded", "outputs": {"statusCode": 200, "body": {"name": "Ada"}}}},
///   "scopes": {"Try": ["Get_user"]},
///   "loops": [{"name": "For_each", "item": {"sku": "A1"}, "index": 0}],
///   "appSettings": {"Region": "westeurope"},
///   "workflow": {"name": "orders"},
///   "now": "2024-05-01T12:00:00Z"
/// }
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Context {
    /// Workflow parameter values, by name.
    pub parameters: Map<String, Value>,
    /// Variable values, by name.
    pub variables: Map<String, Value>,
    /// The trigger's whole result (`trigger()`); when absent, `trigger()`
    /// is `{"outputs": triggerOutputs}`.
    pub trigger: Option<Value>,
    /// The trigger's outputs (`triggerOutputs()`), usually
    /// `{"headers": …, "body": …}`; when absent, `trigger.outputs`.
    pub trigger_outputs: Option<Value>,
    /// The result of each action that has run, by name, as Logic Apps
    /// exposes it: `{"name", "inputs", "outputs": {"statusCode", "headers",
    /// "body"}, "status", "code", "startTime", "endTime", …}`.
    /// `actions('x')` is the whole object, `outputs('x')` its `outputs`,
    /// `body('x')` its `outputs.body`.
    pub actions: Map<String, Value>,
    /// What `result('Scope')` returns, by scope name, when given directly.
    pub results: Map<String, Value>,
    /// The actions directly inside each scope, Foreach, Until, If or Switch,
    /// by its name: `result('Scope')` is then built from [`Context::actions`].
    /// [`Context::set_scopes`] fills it from an outline.
    pub scopes: HashMap<String, Vec<String>>,
    /// The loops around the expression, outermost first. `item()` is the
    /// innermost item; a Select, Query or Table action pushes a frame too.
    pub loops: Vec<LoopFrame>,
    /// App settings of a Standard logic app (`appsetting('x')`).
    pub app_settings: Map<String, Value>,
    /// The workflow object (`workflow()`): `{id, name, type, location,
    /// run: {id, name, type}}`. A local stand-in is used when absent.
    pub workflow: Option<Value>,
    /// The current action's result (`action()`), for tracked properties
    /// and outputs.
    pub action: Option<Value>,
    /// What `listCallbackUrl()` returns.
    pub callback_url: Option<String>,
    /// Parameters an agent passed to its tool (`agentParameters('x')`).
    pub agent_parameters: Map<String, Value>,
    /// The time `utcNow()` answers; the clock when absent. In the file, an
    /// ISO 8601 time such as `2024-05-01T12:00:00Z`.
    #[serde(deserialize_with = "de_now")]
    pub now: Option<DateTime<Utc>>,
    /// Declared parameters that have no value, with what to say when one
    /// is read (instead of "not defined").
    #[serde(skip)]
    pub unset_parameters: std::sync::Arc<HashMap<String, String>>,
}

/// One loop around the expression.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LoopFrame {
    /// The Foreach (or Until, Select, …) action's name.
    pub name: String,
    /// The current item.
    #[serde(default)]
    pub item: Value,
    /// The current iteration, from 0.
    #[serde(default)]
    pub index: u64,
}

fn de_now<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    let s: Option<String> = Option::deserialize(d)?;
    s.map(|s| {
        DateTime::parse_from_rfc3339(&s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| {
                serde::de::Error::custom(format!(
                    "`now` must be an ISO 8601 time such as 2024-05-01T12:00:00Z ({e})"
                ))
            })
    })
    .transpose()
}

impl Context {
    /// Reads a context from JSON text (the `--context` file).
    pub fn from_json(text: &str) -> Result<Context, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    /// Records, for every control action of the outline, the actions
    /// directly inside it (all branches), so that `result('X')` can be
    /// built from [`Context::actions`].
    pub fn set_scopes(&mut self, outline: &Outline) {
        for n in &outline.nodes {
            if n.branches.is_empty() {
                continue;
            }
            let children = n
                .branches
                .iter()
                .flat_map(|b| b.children.iter().map(|&c| outline.nodes[c].name.clone()))
                .collect();
            self.scopes.insert(n.name.clone(), children);
        }
    }

    /// The time `utcNow()` answers.
    pub fn now(&self) -> DateTime<Utc> {
        self.now.unwrap_or_else(Utc::now)
    }
}

/// An error in a JSON value with expressions: where (a JSON pointer inside
/// the value) and what.
#[derive(Debug, Clone, PartialEq)]
pub struct LocatedError {
    /// JSON pointer of the string that failed, from the value's root (empty
    /// for the root itself).
    pub pointer: String,
    /// The error, with its span in that string.
    pub error: ExprError,
}

impl std::fmt::Display for LocatedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.pointer.is_empty() {
            write!(f, "{}", self.error)
        } else {
            write!(f, "{}: {}", self.pointer, self.error)
        }
    }
}

impl std::error::Error for LocatedError {}

/// Parses and evaluates a JSON string value: plain text gives itself, a
/// whole expression any value, an interpolation a string.
pub fn eval_str(text: &str, ctx: &Context) -> Result<Value, ExprError> {
    let t = parse_string_value(text)?;
    evaluate_template(&t, ctx)
}

/// Evaluates a parsed string value.
pub fn evaluate_template(t: &Template, ctx: &Context) -> Result<Value, ExprError> {
    Evaluator::new(ctx).template(t)
}

/// Evaluates one expression.
pub fn evaluate(e: &Expr, ctx: &Context) -> Result<Value, ExprError> {
    let ev = Evaluator::new(ctx);
    let v = ev.eval(e)?;
    Ok(ev.leave(v))
}

/// Resolves every expression string inside a JSON value (object keys are
/// kept as written). The error names the JSON pointer of the string in its
/// message; [`evaluate_value_at`] gives it separately.
pub fn evaluate_value(v: &Value, ctx: &Context) -> Result<Value, ExprError> {
    evaluate_value_at(v, ctx).map_err(|e| {
        if e.pointer.is_empty() {
            e.error
        } else {
            ExprError::new(
                format!("in {}: {}", e.pointer, e.error.message),
                e.error.span,
            )
        }
    })
}

/// Like [`evaluate_value`], with the pointer of a failing string apart.
pub fn evaluate_value_at(v: &Value, ctx: &Context) -> Result<Value, LocatedError> {
    let ev = Evaluator::new(ctx);
    let mut pointer = String::new();
    ev.resolve(v, &mut pointer)
}

/// The string form of a value in an interpolation, the same as `string()`
/// gives: strings as they are, null as nothing, booleans as `True` and
/// `False`, numbers as .NET prints them (`30` for `3e1`), anything else as
/// compact JSON (in which floats keep their type, `[5.0]`).
pub fn to_text(v: &Value) -> Cow<'_, str> {
    super::functions::to_text(v)
}

/// The Logic Apps name of a value's type, for messages.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "Null",
        Value::Bool(_) => "Boolean",
        Value::Number(n) if super::number::is_integer_text(n) => "Integer",
        Value::Number(_) => "Float",
        Value::String(_) => "String",
        Value::Array(_) => "Array",
        Value::Object(_) if super::number::as_decimal(v).is_some() => "Decimal",
        Value::Object(_) => "Object",
    }
}

/// An evaluator bound to a context and a fixed `now`.
pub struct Evaluator<'c> {
    ctx: &'c Context,
    now: DateTime<Utc>,
    /// Set once `decimal()` has been called: values that leave the
    /// evaluator then have their decimals turned into floats.
    decimals: Cell<bool>,
}

type Out<'c> = Result<Cow<'c, Value>, ExprError>;

impl<'c> Evaluator<'c> {
    /// An evaluator over `ctx`; `utcNow()` is fixed for its lifetime.
    pub fn new(ctx: &'c Context) -> Self {
        Evaluator {
            ctx,
            now: ctx.now(),
            decimals: Cell::new(false),
        }
    }

    /// A value leaving the evaluator: decimals (carried as
    /// `{"$decimal": …}` inside) become the nearest float, as a decimal
    /// "used as a number" does in Logic Apps.
    fn leave(&self, v: Cow<'_, Value>) -> Value {
        if self.decimals.get() {
            if let Some(plain) = super::number::plain(&v) {
                return plain;
            }
        }
        v.into_owned()
    }

    /// Evaluates a parsed string value.
    pub fn template(&self, t: &Template) -> Result<Value, ExprError> {
        match t {
            Template::Literal(s) => Ok(Value::String(s.clone())),
            Template::Expression(e) => {
                let v = self.eval(e)?;
                Ok(self.leave(v))
            }
            Template::Interpolation(parts) => {
                let mut out = String::new();
                for p in parts {
                    match p {
                        Segment::Text(s, _) => out.push_str(s),
                        Segment::Expr(e) => {
                            let v = self.eval(e)?;
                            let limit = super::functions::MAX_TEXT;
                            // The JSON text of an array or object is measured
                            // before it is built; the whole string after.
                            let over = matches!(*v, Value::Array(_) | Value::Object(_))
                                && crate::expr::number::json_chars(&v, limit) > limit;
                            if !over {
                                out.push_str(&to_text(&v));
                            }
                            if over || (out.len() > limit && out.chars().count() > limit) {
                                return Err(ExprError::new(
                                    format!("The string built by this template is longer than the limit of {limit} characters."),
                                    e.span,
                                ));
                            }
                        }
                    }
                }
                Ok(Value::String(out))
            }
        }
    }

    fn resolve(&self, v: &Value, pointer: &mut String) -> Result<Value, LocatedError> {
        match v {
            Value::String(s) if s.contains('@') => {
                let located = |error| LocatedError {
                    pointer: pointer.clone(),
                    error,
                };
                let t = parse_string_value(s).map_err(located)?;
                self.template(&t).map_err(located)
            }
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let len = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&i.to_string());
                    out.push(self.resolve(item, pointer)?);
                    pointer.truncate(len);
                }
                Ok(Value::Array(out))
            }
            Value::Object(map) => {
                let mut out = Map::with_capacity(map.len());
                for (k, item) in map {
                    let len = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&crate::workflow::text::escape_pointer(k));
                    out.insert(k.clone(), self.resolve(item, pointer)?);
                    pointer.truncate(len);
                }
                Ok(Value::Object(out))
            }
            other => Ok(other.clone()),
        }
    }

    /// Evaluates an expression; values read from the context are borrowed.
    /// A decimal made by `decimal()` is still the `{"$decimal": …}` of
    /// [`super::number`] here; [`evaluate`] and [`Evaluator::template`]
    /// turn it into a float.
    pub fn eval(&self, e: &Expr) -> Out<'c> {
        match &e.kind {
            ExprKind::Null => Ok(Cow::Owned(Value::Null)),
            ExprKind::Bool(b) => Ok(Cow::Owned(Value::Bool(*b))),
            ExprKind::Number(n) => Ok(Cow::Owned(Value::Number(n.clone()))),
            ExprKind::String(s) => Ok(Cow::Owned(Value::String(s.clone()))),
            ExprKind::Call(c) => self.call(c, e.span),
            ExprKind::Index {
                target,
                index,
                null_safe,
            } => {
                let t = self.eval(target)?;
                // A literal index is read from the tree, without a copy.
                if let ExprKind::String(name) = &index.kind {
                    let span = Span::new(target.span.end, e.span.end);
                    return select(t, Key::Name(name), *null_safe, span);
                }
                let i = self.eval(index)?;
                let key = match &*i {
                    Value::String(s) => Key::Name(s),
                    Value::Number(n) => match n.as_i64() {
                        Some(k) => Key::Position(k),
                        None => {
                            return Err(ExprError::new(
                                format!("an index must be a property name or an integer, not {n}"),
                                index.span,
                            ))
                        }
                    },
                    other => {
                        return Err(ExprError::new(
                            format!(
                                "an index must be a property name or an integer, not a value of type '{}'",
                                type_name(other)
                            ),
                            index.span,
                        ))
                    }
                };
                select(t, key, *null_safe, Span::new(target.span.end, e.span.end))
            }
            ExprKind::Member {
                target,
                name,
                name_span,
                null_safe,
            } => {
                let t = self.eval(target)?;
                select(t, Key::Name(name), *null_safe, *name_span)
            }
        }
    }

    fn call(&self, c: &Call, span: Span) -> Out<'c> {
        let info = c.function;
        if let Some(info) = info {
            if !info.accepts(c.args.len()) {
                // Worded as the runtime words its errors (the checker, at
                // design time, says "`add` takes exactly 2 arguments").
                return Err(ExprError::new(
                    format!(
                        "`{0}`: The template language function '{0}' expects {1}, but was invoked with {2}. Please see https://aka.ms/logicexpressions#{3} for usage details.",
                        info.name,
                        parameter_count(info.min, info.max),
                        counted(c.args.len()),
                        info.name.to_ascii_lowercase()
                    ),
                    span,
                ));
            }
        }
        if info.is_some_and(|i| i.category == registry::Category::Workflow) {
            // Every argument is evaluated first (workflow functions take at
            // most two). A string literal (a name) is read straight from the
            // tree: evaluating it could not fail, and would only copy it.
            let mut args = [Cow::Owned(Value::Null), Cow::Owned(Value::Null)];
            for (slot, a) in args.iter_mut().zip(&c.args) {
                if !matches!(a.kind, ExprKind::String(_)) {
                    *slot = self.eval(a)?;
                }
            }
            return self.workflow_call(c, &args, span);
        }
        let owned: Vec<Value> = match c.key.as_str() {
            // `if`, `and`, `or` and `coalesce` evaluate their arguments
            // from left to right and stop as soon as the answer is known,
            // as the runtime does (`if(true, 'ok', int('abc'))` is 'ok').
            // A value of the wrong type goes to the library for its error.
            "if" if c.args.len() == 3 => {
                let condition = self.eval(&c.args[0])?;
                if let Value::Bool(b) = &*condition {
                    return self.eval(&c.args[if *b { 1 } else { 2 }]);
                }
                vec![condition.into_owned(), Value::Null, Value::Null]
            }
            "and" | "or" => {
                let deciding = c.key == "or";
                let mut seen = Vec::with_capacity(c.args.len());
                for a in &c.args {
                    let v = self.eval(a)?.into_owned();
                    match v {
                        Value::Bool(b) if b == deciding => return Ok(Cow::Owned(Value::Bool(b))),
                        Value::Bool(_) => seen.push(v),
                        other => {
                            // The library names the parameter by its place.
                            seen.push(other);
                            seen.resize(c.args.len(), Value::Bool(!deciding));
                            break;
                        }
                    }
                }
                seen
            }
            "coalesce" => {
                for a in &c.args {
                    let v = self.eval(a)?;
                    if !v.is_null() {
                        return Ok(v);
                    }
                }
                return Ok(Cow::Owned(Value::Null));
            }
            _ => {
                let mut owned = Vec::with_capacity(c.args.len());
                for a in &c.args {
                    owned.push(self.eval(a)?.into_owned());
                }
                owned
            }
        };
        if c.key == "decimal" {
            self.decimals.set(true);
        }
        let answer = super::functions::call(&c.key, &owned)
            .or_else(|| super::datetime::call(&c.key, &owned, self.now));
        match answer {
            Some(Ok(v)) => Ok(Cow::Owned(v)),
            Some(Err(message)) => {
                // The runtime's messages name their function; others get
                // it in front, so every error says which call failed.
                let name = info.map_or(c.name.as_str(), |i| i.name);
                let message = if message.contains(&format!("'{name}'")) {
                    message
                } else {
                    format!("`{name}`: {message}")
                };
                Err(ExprError::new(message, span))
            }
            None => Err(match info {
                Some(i) => ExprError::new(
                    format!(
                        "the function `{}` is not available in this version of Lapis",
                        i.name
                    ),
                    c.name_span,
                ),
                None => ExprError::new(unknown_function_message(&c.name), c.name_span),
            }),
        }
    }

    /// The workflow functions (`c.function` is in that category).
    fn workflow_call(&self, c: &Call, args: &[Cow<'c, Value>], span: Span) -> Out<'c> {
        let ctx = self.ctx;
        let name_arg = |i: usize| -> Result<&str, ExprError> {
            if let Some(ExprKind::String(s)) = c.args.get(i).map(|a| &a.kind) {
                return Ok(s.as_str());
            }
            match args.get(i).map(|a| &**a) {
                Some(Value::String(s)) => Ok(s.as_str()),
                Some(other) => Err(ExprError::new(
                    format!(
                        "`{}` expects a name (a string) here, not a value of type '{}'",
                        c.name,
                        type_name(other)
                    ),
                    c.args.get(i).map_or(span, |a| a.span),
                )),
                None => Err(ExprError::new(format!("`{}` needs a name", c.name), span)),
            }
        };
        let at = |i: usize| c.args.get(i).map_or(span, |a| a.span);
        // The value of argument `i` (string literals were not evaluated).
        let arg = |i: usize| -> Value {
            match (c.args.get(i).map(|a| &a.kind), args.get(i)) {
                (Some(ExprKind::String(s)), _) => Value::String(s.clone()),
                (_, Some(v)) => (**v).clone(),
                _ => Value::Null,
            }
        };
        match c.key.as_str() {
            "parameters" => {
                let n = name_arg(0)?;
                lookup(&ctx.parameters, n).map(Cow::Borrowed).ok_or_else(|| {
                    let unset = ctx
                        .unset_parameters
                        .get(n)
                        .or_else(|| {
                            ctx.unset_parameters
                                .iter()
                                .find(|(k, _)| k.eq_ignore_ascii_case(n))
                                .map(|(_, v)| v)
                        });
                    let message = match unset {
                        Some(why) => format!("the workflow parameter '{n}' {why}"),
                        None => format!(
                            "the workflow parameter '{n}' is not defined{}",
                            known(ctx.parameters.keys())
                        ),
                    };
                    ExprError::new(message, at(0))
                })
            }
            "variables" => {
                let n = name_arg(0)?;
                lookup(&ctx.variables, n).map(Cow::Borrowed).ok_or_else(|| {
                    ExprError::new(
                        format!(
                            "the variable '{n}' has not been initialized{}",
                            known(ctx.variables.keys())
                        ),
                        at(0),
                    )
                })
            }
            "appsetting" => {
                let n = name_arg(0)?;
                lookup(&ctx.app_settings, n).map(Cow::Borrowed).ok_or_else(|| {
                    ExprError::new(
                        format!(
                            "the app setting '{n}' is not defined{}",
                            known(ctx.app_settings.keys())
                        ),
                        at(0),
                    )
                })
            }
            "agentparameters" => {
                let n = name_arg(0)?;
                lookup(&ctx.agent_parameters, n).map(Cow::Borrowed).ok_or_else(|| {
                    ExprError::new(format!("the agent parameter '{n}' is not defined"), at(0))
                })
            }
            "trigger" => match (&ctx.trigger, &ctx.trigger_outputs) {
                (Some(t), _) => Ok(Cow::Borrowed(t)),
                (None, Some(o)) => Ok(Cow::Owned(json!({ "outputs": o }))),
                (None, None) => Err(no_trigger(span)),
            },
            "triggeroutputs" => self.trigger_outputs(span),
            "triggerbody" => Ok(field(self.trigger_outputs(span)?, "body")),
            "triggerformdatavalue" => {
                let key = name_arg(0)?;
                let body = field(self.trigger_outputs(span)?, "body");
                form_value(&body, key, span)
            }
            "triggerformdatamultivalues" => {
                let key = name_arg(0)?;
                let body = field(self.trigger_outputs(span)?, "body");
                Ok(Cow::Owned(Value::Array(form_values(&body, key))))
            }
            "triggermultipartbody" => {
                let body = field(self.trigger_outputs(span)?, "body");
                multipart_body(&body, &arg(0), at(0))
            }
            "actions" => self.action_result(name_arg(0)?, at(0)).map(Cow::Borrowed),
            "outputs" | "actionoutputs" => {
                let r = self.action_result(name_arg(0)?, at(0))?;
                Ok(field(Cow::Borrowed(r), "outputs"))
            }
            "body" | "actionbody" => {
                let r = self.action_result(name_arg(0)?, at(0))?;
                Ok(field(field(Cow::Borrowed(r), "outputs"), "body"))
            }
            "formdatavalue" | "formdatamultivalues" | "multipartbody" => {
                let r = self.action_result(name_arg(0)?, at(0))?;
                let body = field(field(Cow::Borrowed(r), "outputs"), "body");
                match c.key.as_str() {
                    "formdatavalue" => form_value(&body, name_arg(1)?, span),
                    "formdatamultivalues" => {
                        Ok(Cow::Owned(Value::Array(form_values(&body, name_arg(1)?))))
                    }
                    _ => multipart_body(&body, &arg(1), at(1)),
                }
            }
            "result" => self.result(name_arg(0)?, at(0)),
            "item" => match ctx.loops.last() {
                Some(f) => Ok(Cow::Borrowed(&f.item)),
                None => Err(ExprError::new(
                    "item() has no value here: it reads the current item of a Foreach loop (or of a Select, Query or Table action), and the context has no loop",
                    span,
                )),
            },
            "items" | "iterationindexes" => {
                let n = name_arg(0)?;
                let frame = ctx
                    .loops
                    .iter()
                    .rev()
                    .find(|f| f.name == n)
                    .or_else(|| ctx.loops.iter().rev().find(|f| f.name.eq_ignore_ascii_case(n)));
                match frame {
                    Some(f) if c.key == "items" => Ok(Cow::Borrowed(&f.item)),
                    Some(f) => Ok(Cow::Owned(Value::from(f.index))),
                    None => Err(ExprError::new(
                        format!(
                            "'{n}' is not a loop around this expression{}",
                            known(ctx.loops.iter().map(|f| &f.name))
                        ),
                        at(0),
                    )),
                }
            }
            "workflow" => Ok(match &ctx.workflow {
                Some(w) => Cow::Borrowed(w),
                None => Cow::Owned(default_workflow()),
            }),
            "action" => ctx.action.as_ref().map(Cow::Borrowed).ok_or_else(|| {
                ExprError::new("action() has no value: the context has no current action", span)
            }),
            "listcallbackurl" => ctx
                .callback_url
                .as_ref()
                .map(|u| Cow::Owned(Value::String(u.clone())))
                .ok_or_else(|| {
                    ExprError::new(
                        "listCallbackUrl() has no value: the context has no `callbackUrl`",
                        span,
                    )
                }),
            _ => Err(ExprError::new(
                format!("the function `{}` is not available in this version of Lapis", c.name),
                c.name_span,
            )),
        }
    }

    fn trigger_outputs(&self, span: Span) -> Out<'c> {
        match (&self.ctx.trigger_outputs, &self.ctx.trigger) {
            (Some(o), _) => Ok(Cow::Borrowed(o)),
            (None, Some(t)) => Ok(field(Cow::Borrowed(t), "outputs")),
            (None, None) => Err(no_trigger(span)),
        }
    }

    fn action_result(&self, name: &str, span: Span) -> Result<&'c Value, ExprError> {
        lookup(&self.ctx.actions, name).ok_or_else(|| {
            ExprError::new(
                format!(
                    "the action '{name}' has no result here: it has not run, or the context does not list it under `actions`{}",
                    known(self.ctx.actions.keys())
                ),
                span,
            )
        })
    }

    fn result(&self, name: &str, span: Span) -> Out<'c> {
        if let Some(r) = lookup(&self.ctx.results, name) {
            return Ok(Cow::Borrowed(r));
        }
        let children = self.ctx.scopes.get(name).or_else(|| {
            self.ctx
                .scopes
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        });
        let Some(children) = children else {
            return Err(ExprError::new(
                format!("no results for '{name}': the context names neither its results (`results`) nor the actions inside it (`scopes`)"),
                span,
            ));
        };
        let mut out = Vec::new();
        for child in children {
            let Some(r) = lookup(&self.ctx.actions, child) else {
                continue;
            };
            let mut obj = Map::new();
            obj.insert("name".into(), Value::String(child.clone()));
            if let Value::Object(m) = r {
                for (k, v) in m {
                    if k != "name" {
                        obj.insert(k.clone(), v.clone());
                    }
                }
            }
            out.push(Value::Object(obj));
        }
        Ok(Cow::Owned(Value::Array(out)))
    }
}

fn no_trigger(span: Span) -> ExprError {
    ExprError::new(
        "the context has no trigger: give `triggerOutputs` (or `trigger`)",
        span,
    )
}

/// "the function `x` does not exist", with a suggestion when one is close.
pub fn unknown_function_message(name: &str) -> String {
    match registry::suggest(name) {
        Some(f) => format!(
            "the function `{name}` does not exist; did you mean `{}`?",
            f.name
        ),
        None => format!("the function `{name}` does not exist"),
    }
}

/// A look-up by name: exact first, then ignoring case.
fn lookup<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    map.get(name).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// ": the context has a, b, c" (or nothing when empty).
fn known<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let names: Vec<&str> = names.map(String::as_str).take(12).collect();
    if names.is_empty() {
        String::new()
    } else {
        format!(" (known: {})", names.join(", "))
    }
}

/// A property of a value, or null (used where Logic Apps gives null, e.g.
/// `body('x')` of an action with no body).
fn field<'c>(v: Cow<'c, Value>, key: &str) -> Cow<'c, Value> {
    match v {
        Cow::Borrowed(b) => match b {
            Value::Object(m) => m
                .get(key)
                .or_else(|| {
                    m.iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(key))
                        .map(|(_, v)| v)
                })
                .map_or(Cow::Owned(Value::Null), Cow::Borrowed),
            _ => Cow::Owned(Value::Null),
        },
        Cow::Owned(o) => match o {
            Value::Object(mut m) => {
                let k = m
                    .keys()
                    .find(|k| k.as_str() == key)
                    .or_else(|| m.keys().find(|k| k.eq_ignore_ascii_case(key)))
                    .cloned();
                Cow::Owned(k.and_then(|k| m.remove(&k)).unwrap_or(Value::Null))
            }
            _ => Cow::Owned(Value::Null),
        },
    }
}

fn default_workflow() -> Value {
    json!({
        "id": "/workflows/local",
        "name": "local",
        "type": "Microsoft.Logic/workflows",
        "location": "local",
        "run": {
            "id": "/workflows/local/runs/local",
            "name": "local",
            "type": "Microsoft.Logic/workflows/runs"
        }
    })
}

#[derive(Clone, Copy)]
enum Key<'a> {
    Name(&'a str),
    Position(i64),
}

/// `target[key]`, `target.key`, with or without `?`.
fn select<'c>(target: Cow<'c, Value>, key: Key<'_>, null_safe: bool, span: Span) -> Out<'c> {
    Ok(match target {
        Cow::Borrowed(t) => {
            child(t, key, null_safe, span)?.map_or(Cow::Owned(Value::Null), Cow::Borrowed)
        }
        Cow::Owned(t) => Cow::Owned(
            child(&t, key, null_safe, span)?
                .cloned()
                .unwrap_or(Value::Null),
        ),
    })
}

/// The value `key` selects in `t`; `None` for null.
fn child<'v>(
    t: &'v Value,
    key: Key<'_>,
    null_safe: bool,
    span: Span,
) -> Result<Option<&'v Value>, ExprError> {
    match (t, key) {
        (Value::Null, _) if null_safe => Ok(None),
        (Value::Object(m), Key::Name(name)) => {
            let hit = m.get(name).or_else(|| {
                m.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v)
            });
            match hit {
                Some(v) => Ok(Some(v)),
                None if null_safe => Ok(None),
                None => {
                    let names: Vec<&str> = m.keys().map(String::as_str).take(20).collect();
                    let tail = if m.len() > 20 { ", …" } else { "" };
                    Err(ExprError::new(
                        format!(
                            "property '{name}' doesn't exist, available properties are '{}{tail}' (use ?['{name}'] to get null instead)",
                            names.join(", ")
                        ),
                        span,
                    ))
                }
            }
        }
        (Value::Object(_), Key::Position(i)) => Err(ExprError::new(
            format!(
                "an object's properties are selected by name, e.g. ['id'], not by position [{i}]"
            ),
            span,
        )),
        (Value::Array(a), Key::Position(i)) => match usize::try_from(i).ok().and_then(|i| a.get(i))
        {
            Some(v) => Ok(Some(v)),
            None => Err(ExprError::new(
                format!(
                    "array index '{i}' is outside bounds (0, {}) of array",
                    a.len() as i64 - 1
                ),
                span,
            )),
        },
        (other, key) => {
            // The runtime's words: "property '1' cannot be selected.
            // Property selection is not supported on values of type
            // 'String'." (a position is named as a property too).
            let what = match key {
                Key::Name(n) => format!("property '{n}' cannot be selected"),
                Key::Position(i) => format!("property '{i}' cannot be selected"),
            };
            let how = match other {
                Value::Array(_) => " (select an item by position first, e.g. [0])",
                Value::Null => " (use ? to get null instead, e.g. ?['x'])",
                _ => "",
            };
            Err(ExprError::new(
                format!(
                    "{what}. Property selection is not supported on values of type '{}'.{how}",
                    type_name(other)
                ),
                span,
            ))
        }
    }
}

/// A count of parameters in words, as the runtime writes it: "one
/// parameter", "two parameters", "one or two parameters", "at least one
/// parameter".
fn parameter_count(min: usize, max: Option<usize>) -> String {
    let noun = |n: usize| if n == 1 { "parameter" } else { "parameters" };
    match max {
        Some(0) => "no parameters".to_string(),
        Some(m) if m == min => format!("{} {}", number_word(m), noun(m)),
        Some(m) if m == min + 1 => {
            format!("{} or {} {}", number_word(min), number_word(m), noun(m))
        }
        Some(m) => format!("{} to {} parameters", number_word(min), number_word(m)),
        None => format!("at least {} {}", number_word(min), noun(min)),
    }
}

/// "0 parameters", "1 parameter", "3 parameters".
fn counted(n: usize) -> String {
    format!("{n} {}", if n == 1 { "parameter" } else { "parameters" })
}

fn number_word(n: usize) -> String {
    const WORDS: [&str; 11] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    ];
    WORDS
        .get(n)
        .map_or_else(|| n.to_string(), |w| (*w).to_string())
}

/// The name in a `Content-Disposition: form-data; name="x"` header.
fn disposition_name(part: &Value) -> Option<String> {
    let headers = part.get("headers")?.as_object()?;
    let (_, v) = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("Content-Disposition"))?;
    let text = v.as_str()?;
    for piece in text.split(';') {
        let piece = piece.trim();
        if let Some(rest) = piece.strip_prefix("name=") {
            return Some(rest.trim_matches('"').to_owned());
        }
    }
    None
}

/// A part's body as a value: text parts (`{"$content-type": "text/…",
/// "$content": base64}`) become strings.
fn part_body(body: &Value) -> Value {
    if let Some(obj) = body.as_object() {
        let ct = obj
            .get("$content-type")
            .and_then(Value::as_str)
            .unwrap_or("");
        if let (true, Some(Value::String(c))) = (ct.starts_with("text/"), obj.get("$content")) {
            if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(c) {
                if let Ok(s) = String::from_utf8(bytes) {
                    return Value::String(s);
                }
            }
        }
    }
    body.clone()
}

/// Every value of a form field: `$formdata` entries of a URL-encoded form,
/// `$multipart` parts of a multipart form.
fn form_values(body: &Value, key: &str) -> Vec<Value> {
    let mut out = Vec::new();
    if let Some(list) = body.get("$formdata").and_then(Value::as_array) {
        for e in list {
            if e.get("key").and_then(Value::as_str) == Some(key) {
                out.push(e.get("value").cloned().unwrap_or(Value::Null));
            }
        }
    }
    if let Some(parts) = body.get("$multipart").and_then(Value::as_array) {
        for p in parts {
            if disposition_name(p).as_deref() == Some(key) {
                out.push(part_body(p.get("body").unwrap_or(&Value::Null)));
            }
        }
    }
    out
}

fn form_value<'c>(body: &Value, key: &str, span: Span) -> Out<'c> {
    let mut values = form_values(body, key);
    match values.len() {
        1 => Ok(Cow::Owned(values.remove(0))),
        0 => Err(ExprError::new(
            format!("the form data has no field named '{key}'"),
            span,
        )),
        n => Err(ExprError::new(
            format!(
                "the form data has {n} values for '{key}'; use formDataMultiValues to get them all"
            ),
            span,
        )),
    }
}

fn multipart_body<'c>(body: &Value, index: &Value, span: Span) -> Out<'c> {
    let Some(i) = index.as_u64() else {
        return Err(ExprError::new(
            format!("a part index must be a non-negative integer, not {index}"),
            span,
        ));
    };
    let parts = body
        .get("$multipart")
        .and_then(Value::as_array)
        .ok_or_else(|| ExprError::new("the body is not multipart content", span))?;
    let part = usize::try_from(i)
        .ok()
        .and_then(|i| parts.get(i))
        .ok_or_else(|| {
            ExprError::new(
                format!(
                    "part {i} does not exist: the content has {} part(s)",
                    parts.len()
                ),
                span,
            )
        })?;
    Ok(Cow::Owned(part_body(
        part.get("body").unwrap_or(&Value::Null),
    )))
}
