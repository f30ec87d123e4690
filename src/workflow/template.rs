//! The ARM template language, evaluated far enough to find and validate the
//! workflows a template deploys.
//!
//! A template expression is a string `[…]` (a string that starts with `[[`
//! is a literal with one bracket less). Its grammar: function calls
//! `name(args)`, strings in single quotes (`''` is a quote), integers,
//! property access `.prop` and indexing `[expr]`. Evaluation needs a scope:
//! the template's parameters (their `defaultValue`, or the values a nested
//! deployment passes), its variables (evaluated on demand, `copy` included)
//! and the index of the copy loop being expanded.
//!
//! What only a deployment knows — `reference()`, `list*()`, a parameter
//! with no default — is an error here, and the caller keeps the template
//! text. `subscription()`, `resourceGroup()`, `deployment()`, `tenant()`
//! and `environment()` answer placeholder values ([`PLACEHOLDER_SUBSCRIPTION`],
//! [`PLACEHOLDER_RESOURCE_GROUP`]); `uniqueString()` and `guid()` are
//! deterministic but do not reproduce Azure's hash.

use serde_json::{json, Map, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;

/// The subscription id `subscription()` answers.
pub const PLACEHOLDER_SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";
/// The resource group name `resourceGroup()` answers.
pub const PLACEHOLDER_RESOURCE_GROUP: &str = "resource-group";
/// The location `resourceGroup().location` answers.
pub const PLACEHOLDER_LOCATION: &str = "westus";

/// Why an expression could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalError(pub String);

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<T>(m: impl Into<String>) -> Result<T, EvalError> {
    Err(EvalError(m.into()))
}

/// True for a string ARM evaluates: `[…]`, not `[[…`.
pub fn is_expression(s: &str) -> bool {
    s.starts_with('[') && !s.starts_with("[[") && s.ends_with(']')
}

// ---------------------------------------------------------------- parsing

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Str(String),
    Int(i64),
    Call(String, Vec<Expr>),
    Prop(Box<Expr>, String),
    Index(Box<Expr>, Box<Expr>),
}

struct Parser<'a> {
    s: &'a [u8],
    src: &'a str,
    i: usize,
}

const MAX_NESTING: usize = 64;

impl<'a> Parser<'a> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }
    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.s.get(self.i).copied()
    }
    fn expect(&mut self, c: u8) -> Result<(), EvalError> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            err(format!(
                "expected `{}` at character {} of the expression",
                c as char,
                self.i + 1
            ))
        }
    }
    fn expr(&mut self, depth: usize) -> Result<Expr, EvalError> {
        if depth > MAX_NESTING {
            return err("the expression is nested too deeply");
        }
        let mut e = self.primary(depth)?;
        loop {
            match self.peek() {
                Some(b'.') => {
                    self.i += 1;
                    self.ws();
                    let name = self.ident();
                    if name.is_empty() {
                        return err(format!(
                            "expected a property name at character {}",
                            self.i + 1
                        ));
                    }
                    e = Expr::Prop(Box::new(e), name);
                }
                Some(b'?') if self.s.get(self.i + 1) == Some(&b'.') => {
                    self.i += 2;
                    let name = self.ident();
                    e = Expr::Prop(Box::new(e), name);
                }
                Some(b'[') => {
                    self.i += 1;
                    let idx = self.expr(depth + 1)?;
                    self.expect(b']')?;
                    e = Expr::Index(Box::new(e), Box::new(idx));
                }
                _ => return Ok(e),
            }
        }
    }
    fn ident(&mut self) -> String {
        let start = self.i;
        while self.i < self.s.len()
            && (self.s[self.i].is_ascii_alphanumeric()
                || self.s[self.i] == b'_'
                || self.s[self.i] == b'$')
        {
            self.i += 1;
        }
        self.src[start..self.i].to_owned()
    }
    fn primary(&mut self, depth: usize) -> Result<Expr, EvalError> {
        match self.peek() {
            Some(b'\'') => {
                self.i += 1;
                let mut out = String::new();
                loop {
                    let Some(rest) = self.src.get(self.i..) else {
                        return err("a string in the expression is not closed");
                    };
                    let Some(q) = rest.find('\'') else {
                        return err("a string in the expression is not closed");
                    };
                    out.push_str(&rest[..q]);
                    self.i += q + 1;
                    if self.s.get(self.i) == Some(&b'\'') {
                        out.push('\'');
                        self.i += 1;
                    } else {
                        return Ok(Expr::Str(out));
                    }
                }
            }
            Some(c) if c.is_ascii_digit() || c == b'-' => {
                let start = self.i;
                self.i += 1;
                while self.i < self.s.len() && self.s[self.i].is_ascii_digit() {
                    self.i += 1;
                }
                self.src[start..self.i].parse().map(Expr::Int).map_err(|_| {
                    EvalError(format!("`{}` is not a number", &self.src[start..self.i]))
                })
            }
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => {
                let mut name = self.ident();
                while self.s.get(self.i) == Some(&b'.')
                    && self.src[self.i + 1..]
                        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .is_some_and(|k| self.s.get(self.i + 1 + k) == Some(&b'('))
                {
                    // A user-defined function: `namespace.name(…)`.
                    self.i += 1;
                    name.push('.');
                    name.push_str(&self.ident());
                }
                self.expect(b'(')?;
                let mut args = Vec::new();
                if self.peek() == Some(b')') {
                    self.i += 1;
                } else {
                    loop {
                        args.push(self.expr(depth + 1)?);
                        match self.peek() {
                            Some(b',') => self.i += 1,
                            Some(b')') => {
                                self.i += 1;
                                break;
                            }
                            _ => {
                                return err(format!(
                                "expected `,` or `)` after an argument of {name}() at character {}",
                                self.i + 1
                            ))
                            }
                        }
                    }
                }
                Ok(Expr::Call(name, args))
            }
            Some(c) => err(format!(
                "unexpected `{}` at character {} of the expression",
                c as char,
                self.i + 1
            )),
            None => err("the expression ends too early"),
        }
    }
}

fn parse(body: &str) -> Result<Expr, EvalError> {
    let mut p = Parser {
        s: body.as_bytes(),
        src: body,
        i: 0,
    };
    let e = p.expr(0)?;
    if p.peek().is_some() {
        return err(format!(
            "unexpected text after the expression at character {}",
            p.i + 1
        ));
    }
    Ok(e)
}

// ---------------------------------------------------------------- scope

/// What expressions of one template (or nested template) can see.
pub struct Scope {
    parameters: Map<String, Value>,
    /// Parameters declared without a value: named in errors.
    missing: Vec<String>,
    variables: Map<String, Value>,
    cache: RefCell<HashMap<String, Result<Value, EvalError>>>,
    busy: RefCell<Vec<String>>,
    /// `copyIndex()` of the resource loop being expanded, by loop name.
    copy: RefCell<Vec<(String, i64)>>,
    functions: Map<String, Value>,
}

impl Scope {
    /// The scope of a top-level template: parameters take their defaults.
    pub fn of_template(template: &Value) -> Scope {
        Scope::with_values(template, &Map::new())
    }

    /// The scope of a template whose parameters get `values`
    /// (`{name: {value}}`, already evaluated); unset ones take their
    /// defaults, evaluated in the new scope.
    pub fn with_values(template: &Value, values: &Map<String, Value>) -> Scope {
        let variables = template
            .get("variables")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let mut functions = Map::new();
        if let Some(Value::Array(list)) = template.get("functions") {
            for ns in list {
                let n = ns.get("namespace").and_then(Value::as_str).unwrap_or("");
                if let Some(Value::Object(members)) = ns.get("members") {
                    for (k, v) in members {
                        functions.insert(format!("{n}.{k}").to_lowercase(), v.clone());
                    }
                }
            }
        }
        let mut scope = Scope {
            parameters: Map::new(),
            missing: Vec::new(),
            variables,
            cache: RefCell::new(HashMap::new()),
            busy: RefCell::new(Vec::new()),
            copy: RefCell::new(Vec::new()),
            functions,
        };
        if let Some(Value::Object(decl)) = template.get("parameters") {
            for (name, d) in decl {
                if let Some(v) = values.get(name).and_then(|v| v.get("value")) {
                    scope.parameters.insert(name.clone(), v.clone());
                    continue;
                }
                match d.get("defaultValue") {
                    Some(dv) => match scope.eval_value(dv) {
                        Ok(v) => {
                            scope.parameters.insert(name.clone(), v);
                        }
                        Err(_) => scope.missing.push(name.clone()),
                    },
                    None => scope.missing.push(name.clone()),
                }
            }
        }
        scope
    }

    /// Sets `copyIndex()` for a resource loop (`None` ends it).
    pub fn set_copy(&self, name: &str, index: Option<i64>) {
        let mut c = self.copy.borrow_mut();
        c.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        if let Some(i) = index {
            c.push((name.to_owned(), i));
        }
    }

    /// Evaluates a template value: expression strings are evaluated, `[[`
    /// strings lose a bracket, objects and arrays are walked.
    pub fn eval_value(&self, v: &Value) -> Result<Value, EvalError> {
        match v {
            Value::String(s) => self.eval_string(s),
            Value::Array(a) => a
                .iter()
                .map(|x| self.eval_value(x))
                .collect::<Result<_, _>>()
                .map(Value::Array),
            Value::Object(o) => {
                let mut out = Map::new();
                for (k, x) in o {
                    out.insert(k.clone(), self.eval_value(x)?);
                }
                Ok(Value::Object(out))
            }
            _ => Ok(v.clone()),
        }
    }

    /// Evaluates one template string.
    pub fn eval_string(&self, s: &str) -> Result<Value, EvalError> {
        if let Some(rest) = s.strip_prefix("[[") {
            if s.ends_with(']') {
                return Ok(Value::String(format!("[{rest}")));
            }
        }
        if !is_expression(s) {
            return Ok(Value::String(s.to_owned()));
        }
        let e = parse(&s[1..s.len() - 1])?;
        self.eval(&e, 0)
    }

    fn variable(&self, name: &str) -> Result<Value, EvalError> {
        if let Some(r) = self.cache.borrow().get(name) {
            return r.clone();
        }
        if self.busy.borrow().iter().any(|b| b == name) {
            return err(format!("the variable `{name}` refers to itself"));
        }
        if self.busy.borrow().len() > MAX_NESTING {
            return err("variables refer to each other too deeply");
        }
        self.busy.borrow_mut().push(name.to_owned());
        let r = self.compute_variable(name);
        self.busy.borrow_mut().pop();
        self.cache.borrow_mut().insert(name.to_owned(), r.clone());
        r
    }

    fn compute_variable(&self, name: &str) -> Result<Value, EvalError> {
        // `copy` in variables: each entry makes an array variable.
        if let Some(Value::Array(loops)) = self.variables.get("copy") {
            for l in loops {
                if l.get("name").and_then(Value::as_str) != Some(name) {
                    continue;
                }
                let count = self.eval_value(l.get("count").unwrap_or(&Value::Null))?;
                let count = as_int(&count).ok_or_else(|| {
                    EvalError(format!(
                        "the copy count of variable `{name}` is not a number"
                    ))
                })?;
                if !(0..=800).contains(&count) {
                    return err(format!(
                        "the copy count of variable `{name}` is {count}; ARM allows 0 to 800"
                    ));
                }
                let input = l.get("input").unwrap_or(&Value::Null);
                let mut out = Vec::new();
                for i in 0..count {
                    self.set_copy(name, Some(i));
                    let v = self.eval_value(input);
                    self.set_copy(name, None);
                    out.push(v?);
                }
                return Ok(Value::Array(out));
            }
        }
        match self.variables.get(name) {
            Some(v) if name != "copy" => self.eval_value(v),
            _ => {
                let ci = self
                    .variables
                    .keys()
                    .find(|k| k.eq_ignore_ascii_case(name))
                    .cloned();
                match ci {
                    Some(k) if k != "copy" => self.variable(&k),
                    _ => err(format!("the template declares no variable `{name}`")),
                }
            }
        }
    }

    fn parameter(&self, name: &str) -> Result<Value, EvalError> {
        if let Some(v) = self.parameters.get(name) {
            return Ok(v.clone());
        }
        if let Some((_, v)) = self
            .parameters
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
        {
            return Ok(v.clone());
        }
        if self.missing.iter().any(|m| m.eq_ignore_ascii_case(name)) {
            return err(format!(
                "the template parameter `{name}` has no default value: its value comes with the deployment"
            ));
        }
        err(format!("the template declares no parameter `{name}`"))
    }

    fn eval(&self, e: &Expr, depth: usize) -> Result<Value, EvalError> {
        if depth > MAX_NESTING {
            return err("the expression is nested too deeply");
        }
        match e {
            Expr::Str(s) => Ok(Value::String(s.clone())),
            Expr::Int(i) => Ok(json!(*i)),
            Expr::Prop(b, name) => {
                let v = self.eval(b, depth + 1)?;
                match &v {
                    Value::Object(o) => o
                        .get(name)
                        .or_else(|| {
                            o.iter()
                                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                                .map(|(_, v)| v)
                        })
                        .cloned()
                        .ok_or_else(|| EvalError(format!("the object has no property `{name}`"))),
                    _ => err(format!(
                        "`.{name}` needs an object, found {}",
                        crate::workflow::tree::kind_of(&v)
                    )),
                }
            }
            Expr::Index(b, i) => {
                let v = self.eval(b, depth + 1)?;
                let i = self.eval(i, depth + 1)?;
                index(&v, &i)
            }
            Expr::Call(name, a) => {
                let lower = name.to_ascii_lowercase();
                // Lazy functions first: `if` evaluates one branch only.
                if lower == "if" {
                    if a.len() != 3 {
                        return err("if() takes 3 arguments");
                    }
                    let c = self.eval(&a[0], depth + 1)?;
                    return match c {
                        Value::Bool(true) => self.eval(&a[1], depth + 1),
                        Value::Bool(false) => self.eval(&a[2], depth + 1),
                        _ => err(format!(
                            "the condition of if() must be a boolean, found {}",
                            crate::workflow::tree::kind_of(&c)
                        )),
                    };
                }
                let vals = a
                    .iter()
                    .map(|x| self.eval(x, depth + 1))
                    .collect::<Result<Vec<_>, _>>()?;
                if lower.contains('.') {
                    return self.user_function(&lower, name, &vals, depth);
                }
                call(self, &lower, name, &vals)
            }
        }
    }

    fn user_function(
        &self,
        lower: &str,
        name: &str,
        vals: &[Value],
        depth: usize,
    ) -> Result<Value, EvalError> {
        let Some(f) = self.functions.get(lower) else {
            return err(format!("the template defines no function `{name}`"));
        };
        let params: Vec<String> = f
            .get("parameters")
            .and_then(Value::as_array)
            .map(|p| {
                p.iter()
                    .filter_map(|x| x.get("name").and_then(Value::as_str).map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let out = f.pointer("/output/value").cloned().unwrap_or(Value::Null);
        let Value::String(s) = &out else {
            return Ok(out);
        };
        if !is_expression(s) {
            return self.eval_string(s);
        }
        let mut m = Map::new();
        for (p, v) in params.iter().zip(vals) {
            m.insert(p.clone(), json!({ "value": v }));
        }
        let inner = Scope {
            parameters: m
                .into_iter()
                .map(|(k, v)| (k, v["value"].clone()))
                .collect(),
            missing: Vec::new(),
            variables: Map::new(),
            cache: RefCell::new(HashMap::new()),
            busy: RefCell::new(Vec::new()),
            copy: RefCell::new(Vec::new()),
            functions: Map::new(),
        };
        let e = parse(&s[1..s.len() - 1])?;
        inner.eval(&e, depth + 1)
    }
}

fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn index(v: &Value, i: &Value) -> Result<Value, EvalError> {
    match (v, i) {
        (Value::Array(a), _) => {
            let k = as_int(i).ok_or_else(|| {
                EvalError(format!(
                    "an array index must be a number, found {}",
                    crate::workflow::tree::kind_of(i)
                ))
            })?;
            usize::try_from(k)
                .ok()
                .and_then(|k| a.get(k))
                .cloned()
                .ok_or_else(|| {
                    EvalError(format!(
                        "the index {k} is outside the array of {} items",
                        a.len()
                    ))
                })
        }
        (Value::Object(o), Value::String(k)) => o
            .get(k)
            .or_else(|| {
                o.iter()
                    .find(|(x, _)| x.eq_ignore_ascii_case(k))
                    .map(|(_, v)| v)
            })
            .cloned()
            .ok_or_else(|| EvalError(format!("the object has no property `{k}`"))),
        _ => err(format!(
            "cannot index {} with {}",
            crate::workflow::tree::kind_of(v),
            crate::workflow::tree::kind_of(i)
        )),
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn arg_count(name: &str, vals: &[Value], min: usize, max: usize) -> Result<(), EvalError> {
    if vals.len() < min || vals.len() > max {
        let want = if min == max {
            format!("{min}")
        } else if max == usize::MAX {
            format!("at least {min}")
        } else {
            format!("{min} to {max}")
        };
        return err(format!(
            "{name}() takes {want} arguments, found {}",
            vals.len()
        ));
    }
    Ok(())
}

fn str_arg<'v>(name: &str, vals: &'v [Value], i: usize) -> Result<&'v str, EvalError> {
    match vals.get(i) {
        Some(Value::String(s)) => Ok(s),
        Some(v) => err(format!(
            "argument {} of {name}() must be a string, found {}",
            i + 1,
            crate::workflow::tree::kind_of(v)
        )),
        None => err(format!("{name}() needs argument {}", i + 1)),
    }
}

fn int_arg(name: &str, vals: &[Value], i: usize) -> Result<i64, EvalError> {
    match vals.get(i) {
        Some(v @ Value::Number(_)) => as_int(v)
            .ok_or_else(|| EvalError(format!("argument {} of {name}() must be an integer", i + 1))),
        Some(v) => err(format!(
            "argument {} of {name}() must be an integer, found {}",
            i + 1,
            crate::workflow::tree::kind_of(v)
        )),
        None => err(format!("{name}() needs argument {}", i + 1)),
    }
}

fn bool_arg(name: &str, vals: &[Value], i: usize) -> Result<bool, EvalError> {
    match vals.get(i) {
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(true),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(false),
        Some(v) => err(format!(
            "argument {} of {name}() must be a boolean, found {}",
            i + 1,
            crate::workflow::tree::kind_of(v)
        )),
        None => err(format!("{name}() needs argument {}", i + 1)),
    }
}

/// A deterministic 13-character lowercase id, in the spirit of
/// `uniqueString` (not Azure's hash).
fn unique_string(parts: &[Value]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for p in parts {
        h.update(text(p).as_bytes());
        h.update([0]);
    }
    let d = h.finalize();
    const ALPHA: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";
    (0..13)
        .map(|i| ALPHA[(d[i] % 32) as usize] as char)
        .collect()
}

fn guid(parts: &[Value]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for p in parts {
        h.update(text(p).as_bytes());
        h.update([0]);
    }
    let d = h.finalize();
    let x: String = d[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &x[..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..32]
    )
}

fn subscription_value() -> Value {
    json!({
        "id": format!("/subscriptions/{PLACEHOLDER_SUBSCRIPTION}"),
        "subscriptionId": PLACEHOLDER_SUBSCRIPTION,
        "tenantId": PLACEHOLDER_SUBSCRIPTION,
        "displayName": "subscription"
    })
}

fn resource_group_value() -> Value {
    json!({
        "id": format!("/subscriptions/{PLACEHOLDER_SUBSCRIPTION}/resourceGroups/{PLACEHOLDER_RESOURCE_GROUP}"),
        "name": PLACEHOLDER_RESOURCE_GROUP,
        "type": "Microsoft.Resources/resourceGroups",
        "location": PLACEHOLDER_LOCATION,
        "properties": {"provisioningState": "Succeeded"}
    })
}

/// `resourceId([subscriptionId], [resourceGroupName], type, name1, name2…)`.
fn resource_id(name: &str, vals: &[Value], scope: &str) -> Result<Value, EvalError> {
    let strs: Vec<String> = vals.iter().map(text).collect();
    let Some(ti) = strs.iter().position(|s| s.contains('/')) else {
        return err(format!(
            "{name}() needs a resource type such as `Microsoft.Logic/workflows`"
        ));
    };
    let ty = &strs[ti];
    let names = &strs[ti + 1..];
    let segs: Vec<&str> = ty.split('/').collect();
    if names.len() + 1 != segs.len() {
        return err(format!(
            "{name}() got {} name(s) for the type `{ty}`, which needs {}",
            names.len(),
            segs.len().saturating_sub(1)
        ));
    }
    let mut path = segs[0].to_owned();
    for (t, n) in segs[1..].iter().zip(names) {
        path.push_str(&format!("/{t}/{n}"));
    }
    let (sub, rg) = match (scope, ti) {
        ("resource", 2) => (strs[0].clone(), Some(strs[1].clone())),
        ("resource", 1) => (PLACEHOLDER_SUBSCRIPTION.to_owned(), Some(strs[0].clone())),
        ("resource", _) => (
            PLACEHOLDER_SUBSCRIPTION.to_owned(),
            Some(PLACEHOLDER_RESOURCE_GROUP.to_owned()),
        ),
        ("subscription", 1) => (strs[0].clone(), None),
        ("subscription", _) => (PLACEHOLDER_SUBSCRIPTION.to_owned(), None),
        _ => return Ok(Value::String(format!("/providers/{path}"))),
    };
    Ok(Value::String(match rg {
        Some(rg) => format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/{path}"),
        None => format!("/subscriptions/{sub}/providers/{path}"),
    }))
}

/// .NET composite formatting: `{0}`, `{1,5}`, `{0:D2}` (the format part is
/// honoured for integers with `D`/`N0`, ignored otherwise), `{{` and `}}`.
fn format_string(f: &str, args: &[Value]) -> Result<String, EvalError> {
    let mut out = String::new();
    let mut chars = f.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let mut item = String::new();
                for c in chars.by_ref() {
                    if c == '}' {
                        break;
                    }
                    item.push(c);
                }
                let (idx, fmt_spec) = item.split_once(':').unwrap_or((&item, ""));
                let idx = idx.split(',').next().unwrap_or("").trim();
                let k: usize = idx.parse().map_err(|_| {
                    EvalError(format!("format(): `{{{item}}}` is not a placeholder"))
                })?;
                let v = args
                    .get(k)
                    .ok_or_else(|| EvalError(format!("format(): `{{{k}}}` has no argument")))?;
                let spec = fmt_spec.trim();
                match (v, spec.chars().next().map(|c| c.to_ascii_uppercase())) {
                    (Value::Number(_), Some('D')) => {
                        let w: usize = spec[1..].parse().unwrap_or(0);
                        out.push_str(&format!("{:0w$}", as_int(v).unwrap_or(0)));
                    }
                    _ => out.push_str(&text(v)),
                }
            }
            '}' => return err("format(): a lone `}` (write `}}`)"),
            c => out.push(c),
        }
    }
    Ok(out)
}

fn union(vals: &[Value]) -> Result<Value, EvalError> {
    match vals.first() {
        Some(Value::Object(_)) => {
            let mut out = Map::new();
            for v in vals {
                let Value::Object(o) = v else {
                    return err(format!(
                        "union() mixes objects and {}",
                        crate::workflow::tree::kind_of(v)
                    ));
                };
                for (k, x) in o {
                    match (out.get_mut(k), x) {
                        (Some(Value::Object(a)), Value::Object(b)) => {
                            let merged =
                                union(&[Value::Object(a.clone()), Value::Object(b.clone())])?;
                            out.insert(k.clone(), merged);
                        }
                        _ => {
                            out.insert(k.clone(), x.clone());
                        }
                    }
                }
            }
            Ok(Value::Object(out))
        }
        Some(Value::Array(_)) => {
            let mut out: Vec<Value> = Vec::new();
            for v in vals {
                let Value::Array(a) = v else {
                    return err(format!(
                        "union() mixes arrays and {}",
                        crate::workflow::tree::kind_of(v)
                    ));
                };
                for x in a {
                    if !out.contains(x) {
                        out.push(x.clone());
                    }
                }
            }
            Ok(Value::Array(out))
        }
        Some(v) => err(format!(
            "union() takes objects or arrays, found {}",
            crate::workflow::tree::kind_of(v)
        )),
        None => err("union() needs arguments"),
    }
}

fn call(scope: &Scope, f: &str, name: &str, v: &[Value]) -> Result<Value, EvalError> {
    let s = |i| str_arg(name, v, i);
    Ok(match f {
        "parameters" => {
            arg_count(name, v, 1, 1)?;
            scope.parameter(s(0)?)?
        }
        "variables" => {
            arg_count(name, v, 1, 1)?;
            scope.variable(s(0)?)?
        }
        "copyindex" => {
            arg_count(name, v, 0, 2)?;
            let (loop_name, offset) = match v.first() {
                Some(Value::String(n)) => {
                    (Some(n.as_str()), v.get(1).and_then(as_int).unwrap_or(0))
                }
                Some(x) => (None, as_int(x).unwrap_or(0)),
                None => (None, 0),
            };
            let c = scope.copy.borrow();
            let i = match loop_name {
                Some(n) => c
                    .iter()
                    .rev()
                    .find(|(k, _)| k.eq_ignore_ascii_case(n))
                    .map(|(_, i)| *i),
                None => c.last().map(|(_, i)| *i),
            };
            let i = i.ok_or_else(|| EvalError("copyIndex() is used outside a copy loop".into()))?;
            json!(i + offset)
        }
        "concat" => match v.first() {
            Some(Value::Array(_)) => {
                let mut out = Vec::new();
                for x in v {
                    match x {
                        Value::Array(a) => out.extend(a.iter().cloned()),
                        Value::Null => {}
                        other => out.push(other.clone()),
                    }
                }
                Value::Array(out)
            }
            _ => Value::String(v.iter().map(text).collect()),
        },
        "format" => {
            arg_count(name, v, 1, usize::MAX)?;
            Value::String(format_string(s(0)?, &v[1..])?)
        }
        "union" => union(v)?,
        "createobject" => {
            if !v.len().is_multiple_of(2) {
                return err("createObject() takes pairs of key and value");
            }
            let mut m = Map::new();
            for pair in v.chunks(2) {
                let Value::String(k) = &pair[0] else {
                    return err("createObject(): keys must be strings");
                };
                m.insert(k.clone(), pair[1].clone());
            }
            Value::Object(m)
        }
        "createarray" | "array" if f == "createarray" || v.len() != 1 => Value::Array(v.to_vec()),
        "array" => match &v[0] {
            Value::Array(_) => v[0].clone(),
            other => Value::Array(vec![other.clone()]),
        },
        "json" => {
            arg_count(name, v, 1, 1)?;
            let t = s(0)?;
            crate::workflow::text::parse_json(t)
                .or_else(|_| serde_json::from_str(t))
                .map_err(|e| EvalError(format!("json(): the text is not JSON ({e})")))?
        }
        "string" => {
            arg_count(name, v, 1, 1)?;
            Value::String(text(&v[0]))
        }
        "replace" => {
            arg_count(name, v, 3, 3)?;
            Value::String(s(0)?.replace(s(1)?, s(2)?))
        }
        "tolower" => Value::String(s(0)?.to_lowercase()),
        "toupper" => Value::String(s(0)?.to_uppercase()),
        "trim" => Value::String(s(0)?.trim().to_owned()),
        "substring" => {
            let t: Vec<char> = s(0)?.chars().collect();
            let start = usize::try_from(int_arg(name, v, 1)?)
                .map_err(|_| EvalError("substring(): negative start".into()))?;
            let len = match v.get(2) {
                Some(_) => usize::try_from(int_arg(name, v, 2)?)
                    .map_err(|_| EvalError("substring(): negative length".into()))?,
                None => t.len().saturating_sub(start),
            };
            if start + len > t.len() {
                return err("substring(): the range is outside the string");
            }
            Value::String(t[start..start + len].iter().collect())
        }
        "split" => {
            let t = s(0)?;
            let seps: Vec<String> = match v.get(1) {
                Some(Value::Array(a)) => a.iter().map(text).collect(),
                Some(x) => vec![text(x)],
                None => return err("split() takes 2 arguments"),
            };
            let mut parts = vec![t.to_owned()];
            for sep in seps.iter().filter(|s| !s.is_empty()) {
                parts = parts
                    .iter()
                    .flat_map(|p| p.split(sep.as_str()).map(str::to_owned).collect::<Vec<_>>())
                    .collect();
            }
            Value::Array(parts.into_iter().map(Value::String).collect())
        }
        "join" => {
            let Some(Value::Array(a)) = v.first() else {
                return err("join() takes an array and a delimiter");
            };
            Value::String(a.iter().map(text).collect::<Vec<_>>().join(s(1)?))
        }
        "startswith" => Value::Bool(s(0)?.to_lowercase().starts_with(&s(1)?.to_lowercase())),
        "endswith" => Value::Bool(s(0)?.to_lowercase().ends_with(&s(1)?.to_lowercase())),
        "indexof" => json!(s(0)?
            .to_lowercase()
            .find(&s(1)?.to_lowercase())
            .map(|i| i as i64)
            .unwrap_or(-1)),
        "lastindexof" => json!(s(0)?
            .to_lowercase()
            .rfind(&s(1)?.to_lowercase())
            .map(|i| i as i64)
            .unwrap_or(-1)),
        "padleft" => {
            let t = text(v.first().unwrap_or(&Value::Null));
            let w = usize::try_from(int_arg(name, v, 1)?).unwrap_or(0);
            if w > 16_384 {
                return err(format!(
                    "padLeft(): a width of {w} is more than Lapis evaluates"
                ));
            }
            let p = v
                .get(2)
                .map(text)
                .and_then(|p| p.chars().next())
                .unwrap_or(' ');
            let n = t.chars().count();
            Value::String(
                std::iter::repeat_n(p, w.saturating_sub(n))
                    .chain(t.chars())
                    .collect(),
            )
        }
        "length" => match v.first() {
            Some(Value::String(t)) => json!(t.chars().count()),
            Some(Value::Array(a)) => json!(a.len()),
            Some(Value::Object(o)) => json!(o.len()),
            _ => return err("length() takes a string, an array or an object"),
        },
        "empty" => Value::Bool(match v.first() {
            Some(Value::String(t)) => t.is_empty(),
            Some(Value::Array(a)) => a.is_empty(),
            Some(Value::Object(o)) => o.is_empty(),
            Some(Value::Null) | None => true,
            _ => false,
        }),
        "contains" => Value::Bool(match v.first() {
            Some(Value::String(t)) => t.contains(&text(v.get(1).unwrap_or(&Value::Null))),
            Some(Value::Array(a)) => a.contains(v.get(1).unwrap_or(&Value::Null)),
            Some(Value::Object(o)) => o.contains_key(&text(v.get(1).unwrap_or(&Value::Null))),
            _ => return err("contains() takes a string, an array or an object"),
        }),
        "first" | "last" => {
            let pick = |n: usize| if f == "first" { 0 } else { n.saturating_sub(1) };
            match v.first() {
                Some(Value::String(t)) => {
                    let c: Vec<char> = t.chars().collect();
                    Value::String(
                        c.get(pick(c.len()))
                            .map(|c| c.to_string())
                            .unwrap_or_default(),
                    )
                }
                Some(Value::Array(a)) => a.get(pick(a.len())).cloned().unwrap_or(Value::Null),
                _ => return err(format!("{name}() takes a string or an array")),
            }
        }
        "take" | "skip" => {
            let n = usize::try_from(int_arg(name, v, 1)?.max(0)).unwrap_or(0);
            match v.first() {
                Some(Value::String(t)) => Value::String(if f == "take" {
                    t.chars().take(n).collect()
                } else {
                    t.chars().skip(n).collect()
                }),
                Some(Value::Array(a)) => Value::Array(if f == "take" {
                    a.iter().take(n).cloned().collect()
                } else {
                    a.iter().skip(n).cloned().collect()
                }),
                _ => return err(format!("{name}() takes a string or an array")),
            }
        }
        "range" => {
            let start = int_arg(name, v, 0)?;
            let count = int_arg(name, v, 1)?;
            if !(0..=10_000).contains(&count) {
                return err("range(): the count must be 0 to 10000");
            }
            Value::Array((start..start + count).map(|i| json!(i)).collect())
        }
        "coalesce" => v
            .iter()
            .find(|x| !x.is_null())
            .cloned()
            .unwrap_or(Value::Null),
        "equals" => {
            arg_count(name, v, 2, 2)?;
            Value::Bool(
                v[0] == v[1]
                    || matches!((as_num(&v[0]), as_num(&v[1])), (Some(a), Some(b)) if a == b),
            )
        }
        "not" => Value::Bool(!bool_arg(name, v, 0)?),
        "and" => Value::Bool(
            (0..v.len())
                .map(|i| bool_arg(name, v, i))
                .collect::<Result<Vec<_>, _>>()?
                .iter()
                .all(|b| *b),
        ),
        "or" => Value::Bool(
            (0..v.len())
                .map(|i| bool_arg(name, v, i))
                .collect::<Result<Vec<_>, _>>()?
                .iter()
                .any(|b| *b),
        ),
        "bool" => match v.first() {
            Some(Value::Bool(b)) => Value::Bool(*b),
            Some(Value::Number(_)) => Value::Bool(as_int(&v[0]) != Some(0)),
            Some(Value::String(t)) => Value::Bool(t.eq_ignore_ascii_case("true") || t == "1"),
            _ => return err("bool() takes a boolean, a number or a string"),
        },
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "null" => Value::Null,
        "int" => json!(as_int(v.first().unwrap_or(&Value::Null))
            .ok_or_else(|| EvalError("int(): not a number".into()))?),
        "add" | "sub" | "mul" | "div" | "mod" => {
            let a = int_arg(name, v, 0)?;
            let b = int_arg(name, v, 1)?;
            json!(match f {
                "add" => a.checked_add(b),
                "sub" => a.checked_sub(b),
                "mul" => a.checked_mul(b),
                "div" => a.checked_div(b),
                _ => a.checked_rem(b),
            }
            .ok_or_else(|| EvalError(format!("{name}(): overflow or division by zero")))?)
        }
        "min" | "max" => {
            let nums: Vec<i64> = match v.first() {
                Some(Value::Array(a)) => a.iter().filter_map(as_int).collect(),
                _ => v.iter().filter_map(as_int).collect(),
            };
            let r = if f == "min" {
                nums.iter().min()
            } else {
                nums.iter().max()
            };
            json!(*r.ok_or_else(|| EvalError(format!("{name}() needs numbers")))?)
        }
        "greater" | "less" | "greaterorequals" | "lessorequals" => {
            let ord = match (as_num(&v[0]), v.get(1).and_then(as_num)) {
                (Some(a), Some(b)) => a.partial_cmp(&b),
                _ => Some(text(&v[0]).cmp(&text(v.get(1).unwrap_or(&Value::Null)))),
            }
            .ok_or_else(|| EvalError(format!("{name}(): cannot compare")))?;
            use std::cmp::Ordering::*;
            Value::Bool(match f {
                "greater" => ord == Greater,
                "less" => ord == Less,
                "greaterorequals" => ord != Less,
                _ => ord != Greater,
            })
        }
        "base64" => {
            use base64::Engine;
            Value::String(base64::engine::general_purpose::STANDARD.encode(s(0)?))
        }
        "base64tostring" => {
            use base64::Engine;
            let b = base64::engine::general_purpose::STANDARD
                .decode(s(0)?)
                .map_err(|_| EvalError("base64ToString(): not base64".into()))?;
            Value::String(String::from_utf8_lossy(&b).into_owned())
        }
        "uricomponent" => Value::String(
            percent_encoding::utf8_percent_encode(s(0)?, percent_encoding::NON_ALPHANUMERIC)
                .to_string(),
        ),
        "uri" => {
            let base = url::Url::parse(s(0)?).map_err(|e| EvalError(format!("uri(): {e}")))?;
            Value::String(
                base.join(s(1)?)
                    .map_err(|e| EvalError(format!("uri(): {e}")))?
                    .to_string(),
            )
        }
        "items" => match v.first() {
            Some(Value::Object(o)) => Value::Array(
                o.iter()
                    .map(|(k, x)| json!({"key": k, "value": x}))
                    .collect(),
            ),
            _ => return err("items() takes an object"),
        },
        "objectkeys" => match v.first() {
            Some(Value::Object(o)) => {
                Value::Array(o.keys().map(|k| Value::String(k.clone())).collect())
            }
            _ => return err("objectKeys() takes an object"),
        },
        "intersection" => {
            let mut it = v.iter();
            let mut acc = it.next().cloned().unwrap_or(Value::Null);
            for x in it {
                acc = match (&acc, x) {
                    (Value::Array(a), Value::Array(b)) => {
                        Value::Array(a.iter().filter(|e| b.contains(e)).cloned().collect())
                    }
                    (Value::Object(a), Value::Object(b)) => Value::Object(
                        a.iter()
                            .filter(|(k, e)| b.get(*k) == Some(e))
                            .map(|(k, e)| (k.clone(), e.clone()))
                            .collect(),
                    ),
                    _ => return err("intersection() takes arrays or objects"),
                };
            }
            acc
        }
        "uniquestring" => Value::String(unique_string(v)),
        "guid" => Value::String(guid(v)),
        "newguid" => Value::String(guid(&[json!("newGuid")])),
        "utcnow" => Value::String("2000-01-01T00:00:00Z".into()),
        "subscription" => subscription_value(),
        "resourcegroup" => resource_group_value(),
        "tenant" => {
            json!({"tenantId": PLACEHOLDER_SUBSCRIPTION, "countryCode": "US", "displayName": "tenant"})
        }
        "deployment" => {
            json!({"name": "deployment", "properties": {"templateLink": {"uri": "https://example.invalid/template.json"}}, "location": PLACEHOLDER_LOCATION})
        }
        "environment" => json!({
            "name": "AzureCloud",
            "gallery": "https://gallery.azure.com/",
            "graph": "https://graph.windows.net/",
            "portal": "https://portal.azure.com",
            "resourceManager": "https://management.azure.com/",
            "authentication": {"loginEndpoint": "https://login.microsoftonline.com/", "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"]},
            "suffixes": {"storage": "core.windows.net", "keyvaultDns": ".vault.azure.net", "sqlServerHostname": ".database.windows.net"}
        }),
        "resourceid" => resource_id(name, v, "resource")?,
        "subscriptionresourceid" => resource_id(name, v, "subscription")?,
        "tenantresourceid" => resource_id(name, v, "tenant")?,
        "extensionresourceid" => {
            let base = s(0)?.to_owned();
            let rest = resource_id(name, &v[1..], "tenant")?;
            Value::String(format!("{base}{}", text(&rest)))
        }
        "reference" | "list" | "pickzones" | "managementgroup" | "managementgroupresourceid" => {
            return err(format!(
                "{name}() reads a deployed resource: only a deployment can evaluate it"
            ))
        }
        _ if f.starts_with("list") => {
            return err(format!(
                "{name}() reads a deployed resource: only a deployment can evaluate it"
            ))
        }
        _ => {
            return err(format!(
                "Lapis does not evaluate the template function {name}()"
            ))
        }
    })
}

fn as_num(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        _ => None,
    }
}

// ---------------------------------------------------------------- resources

/// How a part of a workflow was computed by the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Computed {
    /// JSON pointer (from the file's root) of the expression string.
    pub pointer: String,
    /// The value the expression gave, or a placeholder definition.
    pub value: Value,
    /// Why the part is read-only, as a sentence.
    pub reason: String,
    /// True when the value is a stand-in (the expression could not be
    /// evaluated): there is nothing to validate.
    pub placeholder: bool,
}

/// A `Microsoft.Logic/workflows` resource found in a template.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundWorkflow {
    /// The resource's name, evaluated when the template allows.
    pub name: String,
    /// JSON pointer of the resource object.
    pub resource_pointer: String,
    /// JSON pointer of its definition (after the computed parts are put in).
    pub definition_pointer: String,
    /// Parts of the workflow computed by template expressions, to put in
    /// place of the expression strings (read-only in the designer).
    pub computed: Vec<Computed>,
    /// Scalar expressions of the definition and their values (for
    /// validation only; the file keeps the expression).
    pub scalars: Vec<(String, Value)>,
    /// `properties.parameters` of the resource, evaluated; `None` when the
    /// template does not say (absent, or not evaluable).
    pub supplied_parameters: Option<Map<String, Value>>,
    /// True when `properties.parameters` is present but not evaluable.
    pub parameters_unknown: bool,
    /// The resource's `condition`, when it is false with the default
    /// parameter values.
    pub condition_false: bool,
}

/// Finds the workflows of an ARM template, walking arrays of resources and
/// languageVersion 2.0 objects of symbolic names, child resources and
/// nested deployments with an inline template. Errors only when
/// `resources` is neither an array nor an object.
pub fn find_workflows(root: &Value) -> Result<Vec<FoundWorkflow>, (String, String)> {
    let mut out = Vec::new();
    let scope = Scope::of_template(root);
    match root.get("resources") {
        Some(Value::Array(_) | Value::Object(_)) => {}
        Some(other) => {
            return Err((
                "/resources".into(),
                format!(
                    "`resources` of an ARM template must be an array (or an object of symbolic names with languageVersion 2.0), found {}",
                    crate::workflow::tree::kind_of(other)
                ),
            ))
        }
        None => return Ok(out),
    }
    walk_resources(
        root.get("resources").unwrap_or(&Value::Null),
        "/resources",
        &scope,
        &mut out,
        0,
    );
    Ok(out)
}

fn entries<'v>(list: &'v Value, pointer: &str) -> Vec<(String, &'v Value)> {
    match list {
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("{pointer}/{i}"), r))
            .collect(),
        Value::Object(o) => o
            .iter()
            .map(|(k, r)| {
                (
                    format!("{pointer}/{}", crate::workflow::text::escape_pointer(k)),
                    r,
                )
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn walk_resources(
    list: &Value,
    pointer: &str,
    scope: &Scope,
    out: &mut Vec<FoundWorkflow>,
    depth: usize,
) {
    if depth > 8 {
        return;
    }
    for (p, r) in entries(list, pointer) {
        let Value::Object(res) = r else {
            continue;
        };
        // A copy loop: the first instance stands for all of them.
        let copy_name = res
            .get("copy")
            .and_then(|c| c.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let looped = res.contains_key("copy");
        if looped {
            scope.set_copy(copy_name, Some(0));
        }
        let ty = res
            .get("type")
            .map(|t| {
                scope
                    .eval_value(t)
                    .map(|v| text(&v))
                    .unwrap_or_else(|_| text(t))
            })
            .unwrap_or_default();
        if ty.eq_ignore_ascii_case("Microsoft.Logic/workflows") {
            if let Some(w) = workflow(res, &p, scope) {
                out.push(w);
            }
        }
        if let Some(children) = res.get("resources") {
            walk_resources(children, &format!("{p}/resources"), scope, out, depth + 1);
        }
        if ty.eq_ignore_ascii_case("Microsoft.Resources/deployments") {
            if let Some(t @ Value::Object(_)) =
                res.get("properties").and_then(|x| x.get("template"))
            {
                let inner = res
                    .get("properties")
                    .and_then(|x| x.pointer("/expressionEvaluationOptions/scope"))
                    .and_then(Value::as_str)
                    .is_some_and(|s| s.eq_ignore_ascii_case("inner"));
                let tp = format!("{p}/properties/template/resources");
                if let Some(children) = t.get("resources") {
                    if inner {
                        let values = res
                            .get("properties")
                            .and_then(|x| x.get("parameters"))
                            .and_then(|v| scope.eval_value(v).ok())
                            .and_then(|v| v.as_object().cloned())
                            .unwrap_or_default();
                        let s = Scope::with_values(t, &values);
                        walk_resources(children, &tp, &s, out, depth + 1);
                    } else {
                        walk_resources(children, &tp, scope, out, depth + 1);
                    }
                }
            }
        }
        if looped {
            scope.set_copy(copy_name, None);
        }
    }
}

fn placeholder_definition() -> Value {
    json!({
        "$schema": crate::workflow::DEFINITION_SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": {},
        "triggers": {},
        "actions": {},
        "outputs": {}
    })
}

fn short(s: &str) -> String {
    if s.chars().count() > 80 {
        format!("{}…", s.chars().take(79).collect::<String>())
    } else {
        s.to_owned()
    }
}

fn workflow(res: &Map<String, Value>, p: &str, scope: &Scope) -> Option<FoundWorkflow> {
    let name = res
        .get("name")
        .map(|n| match scope.eval_value(n) {
            Ok(Value::String(s)) => s,
            _ => text(n),
        })
        .unwrap_or_else(|| p.rsplit('/').next().unwrap_or("workflow").to_owned());
    let condition_false = res
        .get("condition")
        .is_some_and(|c| matches!(scope.eval_value(c), Ok(Value::Bool(false))));
    let mut computed = Vec::new();
    let mut scalars = Vec::new();
    let props_p = format!("{p}/properties");
    let def_p = format!("{props_p}/definition");
    let (definition, supplied) = match res.get("properties") {
        Some(Value::String(s)) if is_expression(s) => {
            // The whole `properties` object is computed.
            match scope.eval_string(s) {
                Ok(v @ Value::Object(_)) if v.get("definition").is_some_and(Value::is_object) => {
                    computed.push(Computed {
                        pointer: props_p.clone(),
                        value: v.clone(),
                        reason: format!("the workflow's properties are computed by the template expression `{}`", short(s)),
                        placeholder: false,
                    });
                    (None, v.get("parameters").cloned())
                }
                other => {
                    let why = match other {
                        Err(e) => e.0,
                        Ok(v) => format!(
                            "it gives {} with no definition",
                            crate::workflow::tree::kind_of(&v)
                        ),
                    };
                    computed.push(Computed {
                        pointer: props_p.clone(),
                        value: json!({ "definition": placeholder_definition() }),
                        reason: format!("the workflow's properties come from `{}`, which Lapis cannot evaluate ({why}); an empty definition stands in", short(s)),
                        placeholder: true,
                    });
                    (None, None)
                }
            }
        }
        Some(Value::Object(props)) => {
            let supplied = props.get("parameters").cloned();
            match props.get("definition") {
                Some(Value::Object(_)) => (props.get("definition"), supplied),
                Some(Value::String(s)) if is_expression(s) => {
                    match scope.eval_string(s) {
                        Ok(v @ Value::Object(_)) => computed.push(Computed {
                            pointer: def_p.clone(),
                            value: v,
                            reason: format!(
                                "the definition is computed by the template expression `{}`",
                                short(s)
                            ),
                            placeholder: false,
                        }),
                        other => {
                            let why = match other {
                                Err(e) => e.0,
                                Ok(v) => format!("it gives {}", crate::workflow::tree::kind_of(&v)),
                            };
                            computed.push(Computed {
                                pointer: def_p.clone(),
                                value: placeholder_definition(),
                                reason: format!("the definition comes from `{}`, which Lapis cannot evaluate ({why}); an empty definition stands in", short(s)),
                                placeholder: true,
                            });
                        }
                    }
                    (None, supplied)
                }
                _ => return None,
            }
        }
        _ => return None,
    };
    if let Some(def) = definition {
        walk_definition(def, &def_p, scope, &mut computed, &mut scalars);
    }
    let (supplied_parameters, parameters_unknown) = match supplied {
        None => (Some(Map::new()), false),
        Some(v) => match scope.eval_value(&v) {
            Ok(Value::Object(m)) => (Some(m), false),
            _ => (None, true),
        },
    };
    Some(FoundWorkflow {
        name,
        resource_pointer: p.to_owned(),
        definition_pointer: def_p,
        computed,
        scalars,
        supplied_parameters,
        parameters_unknown,
        condition_false,
    })
}

/// Finds the template expressions inside a definition: those that give an
/// object or an array become computed (read-only) parts; the others are
/// scalars, kept as text in the file and used for validation.
fn walk_definition(
    v: &Value,
    p: &str,
    scope: &Scope,
    computed: &mut Vec<Computed>,
    scalars: &mut Vec<(String, Value)>,
) {
    match v {
        Value::String(s) if is_expression(s) => match scope.eval_string(s) {
            Ok(val @ (Value::Object(_) | Value::Array(_))) => computed.push(Computed {
                pointer: p.to_owned(),
                value: val,
                reason: format!("computed by the template expression `{}`", short(s)),
                placeholder: false,
            }),
            // An empty default is a blank to fill at deployment, not the
            // value: the expression is kept (unknown) rather than checked
            // as an empty field.
            Ok(Value::Null) => {}
            Ok(Value::String(v)) if v.is_empty() => {}
            Ok(val) => scalars.push((p.to_owned(), val)),
            Err(e) => {
                // A whole trigger or action that only the deployment knows:
                // a stand-in whose type is the expression (reported as
                // such), so the rest of the workflow still opens.
                let slot = p.rsplit_once('/').is_some_and(|(parent, _)| {
                    parent.ends_with("/actions") || parent.ends_with("/triggers")
                });
                if slot {
                    computed.push(Computed {
                        pointer: p.to_owned(),
                        value: json!({"type": s, "runAfter": {}}),
                        reason: format!(
                            "computed by `{}`, which Lapis cannot evaluate ({e})",
                            short(s)
                        ),
                        placeholder: true,
                    });
                }
            }
        },
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                walk_definition(x, &format!("{p}/{i}"), scope, computed, scalars);
            }
        }
        Value::Object(o) => {
            for (k, x) in o {
                walk_definition(
                    x,
                    &format!("{p}/{}", crate::workflow::text::escape_pointer(k)),
                    scope,
                    computed,
                    scalars,
                );
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(template: Value, expr: &str) -> Result<Value, EvalError> {
        Scope::of_template(&template).eval_string(expr)
    }

    #[test]
    fn grammar() {
        let t = json!({"parameters": {"p": {"type": "string", "defaultValue": "it's"}}, "variables": {"o": {"a": [1, {"b": "x"}]}}});
        assert_eq!(ev(t.clone(), "[parameters('p')]").unwrap(), json!("it's"));
        assert_eq!(
            ev(t.clone(), "[concat('a''b', 'c')]").unwrap(),
            json!("a'bc")
        );
        assert_eq!(
            ev(t.clone(), "[variables('o').a[1].b]").unwrap(),
            json!("x")
        );
        assert_eq!(ev(t.clone(), "[variables('o')['a'][0]]").unwrap(), json!(1));
        assert_eq!(
            ev(t.clone(), "[[not an expression]").unwrap(),
            json!("[not an expression]")
        );
        assert_eq!(ev(t.clone(), "plain").unwrap(), json!("plain"));
        assert!(ev(t.clone(), "[concat('a)]")
            .unwrap_err()
            .0
            .contains("not closed"));
        assert!(ev(t.clone(), "[concat('a' 'b')]").is_err());
        assert!(ev(t, "[parameters('nope')]")
            .unwrap_err()
            .0
            .contains("no parameter `nope`"));
    }

    #[test]
    fn functions() {
        let t = json!({"parameters": {"n": {"type": "int", "defaultValue": 3}, "s": {"type": "securestring"}}});
        let e = |x: &str| ev(t.clone(), x);
        assert_eq!(
            e("[format('{0}-{1}-{{x}}-{2:D3}', 'a', 1, 7)]").unwrap(),
            json!("a-1-{x}-007")
        );
        assert_eq!(e("[union(createObject('a', 1, 'b', createObject('c', 2)), json('{\"b\":{\"d\":3}}'))]").unwrap(), json!({"a": 1, "b": {"c": 2, "d": 3}}));
        assert_eq!(
            e("[if(equals(parameters('n'), 3), toUpper('x'), 1)]").unwrap(),
            json!("X")
        );
        assert_eq!(e("[if(true(), 'y', parameters('s'))]").unwrap(), json!("y"));
        assert_eq!(
            e("[replace(toLower('A-B'), '-', '_')]").unwrap(),
            json!("a_b")
        );
        assert_eq!(
            e("[string(createArray(1, 'a'))]").unwrap(),
            json!("[1,\"a\"]")
        );
        assert_eq!(
            e("[resourceId('Microsoft.Web/connections', 'office365')]").unwrap(),
            json!(format!("/subscriptions/{PLACEHOLDER_SUBSCRIPTION}/resourceGroups/{PLACEHOLDER_RESOURCE_GROUP}/providers/Microsoft.Web/connections/office365"))
        );
        assert_eq!(
            e("[concat(subscription().id, '/providers/Microsoft.Web/locations/', resourceGroup().location)]").unwrap(),
            json!(format!("/subscriptions/{PLACEHOLDER_SUBSCRIPTION}/providers/Microsoft.Web/locations/westus"))
        );
        let u = e("[uniqueString(resourceGroup().id)]").unwrap();
        assert_eq!(u.as_str().unwrap().len(), 13);
        assert_eq!(u, e("[uniqueString(resourceGroup().id)]").unwrap());
        assert_eq!(e("[guid('a')]").unwrap().as_str().unwrap().len(), 36);
        assert!(e("[parameters('s')]")
            .unwrap_err()
            .0
            .contains("no default value"));
        assert!(e("[reference('x').outputs]")
            .unwrap_err()
            .0
            .contains("deployment"));
        assert!(e("[listKeys('x', '2019-01-01')]")
            .unwrap_err()
            .0
            .contains("deployment"));
        assert!(e("[resourceId('Microsoft.Web/connections')]").is_err());
        assert!(e("[add(9223372036854775807, 1)]").is_err());
        assert!(e("[padLeft('7', 1000000000, '0')]").is_err());
        assert_eq!(e("[padLeft('7', 3, '0')]").unwrap(), json!("007"));
        assert_eq!(e("[string(range(1, 3))]").unwrap(), json!("[1,2,3]"));
        assert_eq!(
            e("[split('a,b;c', createArray(',', ';'))]").unwrap(),
            json!(["a", "b", "c"])
        );
        assert_eq!(e("[base64ToString(base64('hé'))]").unwrap(), json!("hé"));
        assert_eq!(e("[last(split('a/b/c', '/'))]").unwrap(), json!("c"));
        assert_eq!(e("[coalesce(null(), 'x')]").unwrap(), json!("x"));
        assert_eq!(e("[greater(parameters('n'), 2)]").unwrap(), json!(true));
    }

    #[test]
    fn variables_with_copy_and_cycles() {
        let t = json!({"variables": {
            "a": "[variables('b')]",
            "b": "[concat('x', variables('a'))]",
            "copy": [{"name": "list", "count": 3, "input": "[concat('item', string(copyIndex('list')))]"}],
            "c": "[length(variables('list'))]"
        }});
        assert!(ev(t.clone(), "[variables('a')]")
            .unwrap_err()
            .0
            .contains("refers to itself"));
        assert_eq!(
            ev(t.clone(), "[variables('list')]").unwrap(),
            json!(["item0", "item1", "item2"])
        );
        assert_eq!(ev(t, "[variables('c')]").unwrap(), json!(3));
    }
}
