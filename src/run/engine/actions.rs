//! What each action type does.

use super::{block_status, secure_flags, Done, Engine, Frame, Stop, Why};
use crate::expr::eval::{to_text, type_name};
use crate::graph::rules::definition::iso_duration_seconds;
use crate::invoke::prepare::prepare_in;
use crate::invoke::{Failure, Outcome};
use crate::run::model::{RunError, RunResponse, Status, TriggerRequest, HIDDEN};
use serde_json::{json, Map, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Runs one action for real.
pub(crate) fn execute(e: &Engine, name: &str, action: &Value, frame: &Frame) -> Done {
    let kind = action.get("type").and_then(Value::as_str).unwrap_or("");
    let raw = action.get("inputs").cloned().unwrap_or(Value::Null);
    if secure_flags(action).1 {
        e.taint(name);
    }
    let lower = kind.to_ascii_lowercase();
    let (secured_outputs, secure_params) = e.reads_secure(&raw);
    if secured_outputs || secure_params {
        // A secured value flowing in hides this action's inputs; Compose,
        // Parse JSON and Response also hide their outputs, which pass the
        // secrecy on to their readers.
        e.hide_inputs(name);
    }
    // Compose, Parse JSON and Response have only "Secure inputs", which
    // also hides their outputs (Microsoft Learn, "Considerations for
    // securing inputs and outputs").
    let hides_outputs = secured_outputs || secure_flags(action).0;
    if hides_outputs && matches!(lower.as_str(), "compose" | "parsejson" | "response") {
        e.taint(name);
    }
    match lower.as_str() {
        "if" => return if_action(e, name, action, frame),
        "switch" => return switch(e, name, action, frame),
        "foreach" => return foreach(e, name, action, frame),
        "until" => return until(e, name, action, frame),
        "scope" => return scope(e, action, frame),
        "select" | "query" | "table" => return super::data::run(e, &lower, name, &raw, frame),
        "http" => return http(e, name, action, frame),
        _ => {}
    }
    const SIMPLE: [&str; 13] = [
        "compose",
        "initializevariable",
        "setvariable",
        "incrementvariable",
        "decrementvariable",
        "appendtoarrayvariable",
        "appendtostringvariable",
        "response",
        "terminate",
        "wait",
        "workflow",
        "join",
        "parsejson",
    ];
    if !SIMPLE.contains(&lower.as_str()) {
        return Done::failed(
            Value::Null,
            "NotSupportedLocally",
            format!("the action '{name}' of type '{kind}' is not supported locally; give a mock (--mock {name}=FILE)"),
        );
    }
    let inputs = match e.resolve(&raw, frame) {
        Ok(v) => v,
        Err(m) => return Done::bad_inputs(name, &m),
    };
    match lower.as_str() {
        "compose" => Done::ok(inputs.clone(), inputs),
        "initializevariable" => init_variable(e, inputs),
        "setvariable" | "incrementvariable" | "decrementvariable" | "appendtoarrayvariable"
        | "appendtostringvariable" => change_variable(e, &lower, inputs),
        "response" => response(e, name, action, inputs),
        "terminate" => terminate(e, inputs),
        "wait" => wait(e, inputs),
        "workflow" => child_workflow(e, name, inputs),
        "join" => super::data::join(inputs),
        "parsejson" => super::data::parse_json(inputs),
        _ => Done::failed(
            inputs,
            "NotSupportedLocally",
            format!("the action '{name}' of type '{kind}' is not supported locally; give a mock (--mock {name}=FILE)"),
        ),
    }
}

fn get<'a>(v: &'a Value, k: &str) -> Option<&'a Value> {
    let m = v.as_object()?;
    m.get(k).or_else(|| {
        m.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v)
    })
}

/// A control action that failed because an action inside it failed
/// (Azure names no action in the message).
fn failed_scope(inputs: Value) -> Done {
    Done::failed(
        inputs,
        "ActionFailed",
        "An action failed. No dependent actions succeeded.",
    )
    .with_code("ActionFailed")
}

/// A control action's expression as its error messages quote it.
fn expression_text(expr: &Value) -> String {
    match expr {
        Value::String(s) => s.clone(),
        v => v.to_string(),
    }
}

/// The outcome of a control action whose block ran: Cancelled when a
/// Terminate stopped the run meanwhile, else from the block's last actions.
fn block_done(
    e: &Engine,
    inputs: Value,
    block: &Map<String, Value>,
    statuses: &std::collections::HashMap<String, Status>,
) -> Done {
    if e.terminated() {
        return Done::terminated(inputs);
    }
    match block_status(block, statuses) {
        (Status::Succeeded, _) => Done::ok(inputs, Value::Null),
        _ => failed_scope(inputs),
    }
}

/// A control action that failed before running what is inside it: its
/// actions are skipped, naming it.
fn failed_before(e: &Engine, name: &str, action: &Value, frame: &Frame, d: Done) -> Done {
    let code = d
        .code
        .clone()
        .or_else(|| d.error.as_ref().map(|x| x.code.clone()))
        .unwrap_or_default();
    e.skip_children(
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

/// A control action's own expression gave a value of the wrong type.
fn wrong_type(name: &str, expr: &Value, got: &Value, expected: &str) -> Done {
    let text = expression_text(expr);
    Done::failed(
        Value::Null,
        "ExpressionEvaluationFailed",
        format!(
            "The execution of template action '{name}' failed: The result of the evaluation of 'scope' action expression '{text}' is not valid. It is of type '{}' but is expected to be a value of type '{expected}'.",
            type_name(got)
        ),
    )
    .with_code("ExpressionEvaluationFailed")
}

fn scope(e: &Engine, action: &Value, frame: &Frame) -> Done {
    let empty = Map::new();
    let inner = action
        .get("actions")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let statuses = e.run_block(inner, frame);
    block_done(e, Value::Null, inner, &statuses)
}

/// Why a condition has no Boolean value.
pub(crate) enum CondError {
    /// An expression failed to evaluate.
    Expr(String),
    /// The expression gave something else than a Boolean.
    Type(Value),
}

impl std::fmt::Display for CondError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CondError::Expr(m) => f.write_str(m),
            CondError::Type(v) => write!(
                f,
                "the expression must give a Boolean, it gave a value of type '{}'",
                type_name(v)
            ),
        }
    }
}

/// Evaluates an If or Until `expression`: a string (`@equals(…)`) or the
/// designer's object (`{"and": [{"equals": [a, b]}]}`).
pub(crate) fn condition(e: &Engine, expr: &Value, frame: &Frame) -> Result<bool, CondError> {
    match expr {
        Value::String(_) => match e.resolve(expr, frame).map_err(CondError::Expr)? {
            Value::Bool(b) => Ok(b),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
            other => Err(CondError::Type(other)),
        },
        Value::Bool(b) => Ok(*b),
        Value::Object(m) => {
            let Some((op, args)) = m.iter().next() else {
                return Err(CondError::Expr("the condition object is empty".into()));
            };
            let key = op.to_ascii_lowercase();
            match key.as_str() {
                "and" | "or" => {
                    let items = args.as_array().ok_or_else(|| {
                        CondError::Expr(format!("`{op}` needs an array of conditions"))
                    })?;
                    let mut all = true;
                    let mut any = false;
                    for c in items {
                        let b = condition(e, c, frame)?;
                        all &= b;
                        any |= b;
                    }
                    Ok(if key == "and" { all } else { any })
                }
                "not" => Ok(!condition(e, args, frame)?),
                _ => {
                    let list = args.as_array().ok_or_else(|| {
                        CondError::Expr(format!("`{op}` needs an array of operands"))
                    })?;
                    let vals = list
                        .iter()
                        .map(|a| e.resolve(a, frame))
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(CondError::Expr)?;
                    match crate::expr::functions::call(op, &vals) {
                        Some(Ok(Value::Bool(b))) => Ok(b),
                        Some(Ok(other)) => Err(CondError::Type(other)),
                        Some(Err(m)) => Err(CondError::Expr(m.to_string())),
                        None => Err(CondError::Expr(format!(
                            "The template function '{op}' is not defined or not valid."
                        ))),
                    }
                }
            }
        }
        other => Err(CondError::Type(other.clone())),
    }
}

fn if_action(e: &Engine, name: &str, action: &Value, frame: &Frame) -> Done {
    let expr = action.get("expression").cloned().unwrap_or(Value::Null);
    let b = match condition(e, &expr, frame) {
        Ok(b) => b,
        Err(CondError::Expr(m)) => {
            return failed_before(e, name, action, frame, Done::bad_expression(name, &m))
        }
        Err(CondError::Type(v)) => {
            let d = wrong_type(name, &expr, &v, "Boolean");
            return failed_before(e, name, action, frame, d);
        }
    };
    let inputs = json!({ "expressionResult": b });
    let empty = Map::new();
    let yes = action
        .get("actions")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let no = action
        .pointer("/else/actions")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let (run, skip) = if b { (yes, no) } else { (no, yes) };
    e.skip_branch(skip, frame);
    let statuses = e.run_block(run, frame);
    block_done(e, inputs, run, &statuses)
}

fn switch(e: &Engine, name: &str, action: &Value, frame: &Frame) -> Done {
    let expr = action.get("expression").cloned().unwrap_or(Value::Null);
    let value = match e.resolve(&expr, frame) {
        Ok(v) => v,
        Err(m) => {
            return failed_before(e, name, action, frame, Done::bad_expression(name, &m));
        }
    };
    // Azure switches on a String or an Integer, and compares with the
    // type-strict `strongEquals`.
    let vtype = type_name(&value);
    if vtype != "String" && vtype != "Integer" {
        let d = wrong_type(name, &expr, &value, "String, Integer");
        return failed_before(e, name, action, frame, d);
    }
    let empty = Map::new();
    let mut chosen: Option<&Map<String, Value>> = None;
    let mut others: Vec<&Map<String, Value>> = Vec::new();
    let mut mismatch: Option<&'static str> = None;
    if let Some(Value::Object(cases)) = action.get("cases") {
        for c in cases.values() {
            let acts = c
                .get("actions")
                .and_then(Value::as_object)
                .unwrap_or(&empty);
            if chosen.is_none() && mismatch.is_none() {
                let case = c.get("case").cloned().unwrap_or(Value::Null);
                let ctype = type_name(&case);
                if ctype != vtype {
                    mismatch = Some(ctype);
                } else if case == value {
                    chosen = Some(acts);
                    continue;
                }
            }
            others.push(acts);
        }
    }
    let default = action
        .pointer("/default/actions")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let inputs = json!({ "expressionValue": value });
    if let Some(ctype) = mismatch {
        // `strongEquals` throws: every branch's actions fail, and so does
        // the Switch.
        others.push(default);
        for b in others {
            for (n, a) in b {
                let d = Done::failed(
                    Value::Null,
                    "ActionConditionFailed",
                    format!(
                        "The execution of template action '{n}' failed: an unexpected exception encountered when evaluating branching condition. 'Template language function 'strongEquals' expects parameters of same type, but found '{vtype},{ctype}' distinct types.'"
                    ),
                )
                .with_code("InternalServerError");
                e.record(n, a, frame, &d, None);
                e.skip_children(
                    a,
                    frame,
                    Why::Parent {
                        name: n,
                        status: Status::Failed,
                        code: "InternalServerError",
                    },
                );
            }
        }
        return failed_scope(inputs);
    }
    let run = match chosen {
        Some(c) => {
            others.push(default);
            c
        }
        None => default,
    };
    for b in others {
        e.skip_branch(b, frame);
    }
    let statuses = e.run_block(run, frame);
    block_done(e, inputs, run, &statuses)
}

/// The degree of parallelism of a Foreach: 1 with `Sequential`, else
/// `runtimeConfiguration.concurrency.repetitions` (1–50), 20 by default.
pub(crate) fn concurrency(action: &Value) -> usize {
    let sequential = action
        .get("operationOptions")
        .and_then(Value::as_str)
        .is_some_and(|o| {
            o.split(',')
                .any(|p| p.trim().eq_ignore_ascii_case("Sequential"))
        });
    if sequential {
        return 1;
    }
    action
        .pointer("/runtimeConfiguration/concurrency/repetitions")
        .and_then(Value::as_u64)
        .map_or(20, |n| n.clamp(1, 50) as usize)
}

fn foreach(e: &Engine, name: &str, action: &Value, frame: &Frame) -> Done {
    let source = action.get("foreach").unwrap_or(&Value::Null);
    let items = match e.resolve(source, frame) {
        Ok(Value::Array(a)) => a,
        // As Azure: anything but an array, null included, fails the loop.
        Ok(other) => {
            let expr = expression_text(source);
            let d = Done::failed(
                Value::Null,
                "ExpressionEvaluationFailed",
                format!(
                    "The execution of template action '{name}' failed: the result of the \
                     evaluation of 'foreach' expression '{expr}' is of type '{}'. The result \
                     must be a valid array.",
                    type_name(&other)
                ),
            )
            .with_code("ExpressionEvaluationFailed");
            return failed_before(e, name, action, frame, d);
        }
        Err(m) => {
            return failed_before(e, name, action, frame, Done::bad_expression(name, &m));
        }
    };
    let empty = Map::new();
    let inner = action
        .get("actions")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let n = items.len();
    let workers = concurrency(action).min(n.max(1));
    let next = AtomicUsize::new(0);
    let failed: Mutex<Option<String>> = Mutex::new(None);
    let last: Mutex<Option<(usize, Map<String, Value>)>> = Mutex::new(None);
    let work = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= n || e.check_stop() {
            break;
        }
        let child = frame.child(name, items[i].clone(), i as u64);
        let statuses = e.run_block(inner, &child);
        if let (Status::Failed, f) = block_status(inner, &statuses) {
            let mut slot = super::lock(&failed);
            if slot.is_none() {
                *slot = f.or(Some(String::new()));
            }
        }
        let results = std::mem::take(&mut *super::lock(&child.results));
        let mut l = super::lock(&last);
        if l.as_ref().is_none_or(|(j, _)| *j < i) {
            *l = Some((i, results));
        }
    };
    if workers <= 1 {
        work();
    } else {
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(work);
            }
        });
    }
    // After the loop, `outputs('Inner')` reads the last iteration.
    if let Some((_, results)) = super::lock(&last).take() {
        for (k, v) in results {
            frame.set(&k, v);
        }
    }
    let inputs = json!({ "foreachItemsCount": n });
    if e.terminated() {
        return Done::terminated(inputs);
    }
    let failed = super::lock(&failed).take();
    match failed {
        None => Done::ok(inputs, Value::Null),
        Some(_) => failed_scope(inputs),
    }
}

fn until(e: &Engine, name: &str, action: &Value, frame: &Frame) -> Done {
    let count = action
        .pointer("/limit/count")
        .and_then(Value::as_u64)
        .unwrap_or(60)
        .max(1);
    let timeout_s = action
        .pointer("/limit/timeout")
        .and_then(Value::as_str)
        .and_then(iso_duration_seconds)
        .unwrap_or(3600.0);
    let deadline = Instant::now() + e.scaled(timeout_s);
    let empty = Map::new();
    let inner = action
        .get("actions")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let expr = action.get("expression").cloned().unwrap_or(Value::Null);
    let mut i = 0u64;
    let mut why = "condition";
    // Microsoft Learn ("Add loops…", Until): an action failing in an
    // iteration other than the last does not stop the loop, the next
    // iteration runs; the loop is Failed when an action failed in its last
    // iteration.
    let mut last_failed = false;
    loop {
        if e.check_stop() {
            break;
        }
        let child = frame.child(name, Value::Null, i);
        let statuses = e.run_block(inner, &child);
        let results = std::mem::take(&mut *super::lock(&child.results));
        for (k, v) in &results {
            frame.set(k, v.clone());
        }
        i += 1;
        if e.terminated() {
            return Done::terminated(json!({"iterations": i}));
        }
        last_failed = matches!(block_status(inner, &statuses), (Status::Failed, _));
        let bad = match condition(e, &expr, frame) {
            Ok(true) => break,
            Ok(false) => None,
            Err(CondError::Expr(m)) => Some(Done::bad_expression(name, &m)),
            Err(CondError::Type(v)) => Some(wrong_type(name, &expr, &v, "Boolean")),
        };
        if let Some(mut d) = bad {
            d.inputs = json!({"iterations": i});
            return d;
        }
        if i >= count {
            why = "count";
            break;
        }
        if Instant::now() >= deadline {
            why = "timeout";
            break;
        }
    }
    let inputs = json!({"iterations": i, "stoppedBy": why});
    if last_failed {
        return failed_scope(inputs);
    }
    Done::ok(inputs, Value::Null)
}

fn var_name(inputs: &Value) -> Result<String, String> {
    get(inputs, "name")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| "the variable action has no `name`".to_owned())
}

fn type_fits(ty: &str, v: &Value) -> bool {
    match ty {
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "float" => v.is_number(),
        "boolean" => v.is_boolean(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => true,
    }
}

fn init_variable(e: &Engine, inputs: Value) -> Done {
    let list = get(&inputs, "variables")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if list.is_empty() {
        return Done::failed(
            inputs,
            "InvalidTemplate",
            "Initialize variable needs `variables`: [{name, type, value}]",
        );
    }
    let mut vars = super::lock(&e.variables);
    let mut types = super::lock(&e.var_types);
    for v in &list {
        let Ok(name) = var_name(v) else {
            return Done::failed(inputs, "InvalidTemplate", "a variable has no `name`");
        };
        let ty = get(v, "type")
            .and_then(Value::as_str)
            .unwrap_or("string")
            .to_ascii_lowercase();
        let value = match get(v, "value") {
            Some(x) if !x.is_null() => x.clone(),
            _ => match ty.as_str() {
                "integer" => json!(0),
                "float" => json!(0.0),
                "boolean" => json!(false),
                "array" => json!([]),
                "object" => json!({}),
                _ => Value::Null,
            },
        };
        if !value.is_null() && !type_fits(&ty, &value) {
            return Done::failed(
                inputs.clone(),
                "InvalidVariableValue",
                format!("The variable '{name}' of type '{ty}' cannot be initialized with a value of type '{}'.", type_name(&value)),
            );
        }
        if vars.contains_key(&name) {
            return Done::failed(
                inputs.clone(),
                "InvalidTemplate",
                format!("The variable '{name}' is already initialized."),
            );
        }
        vars.insert(name.clone(), value);
        types.insert(name, ty);
    }
    Done::ok(inputs, Value::Null)
}

fn change_variable(e: &Engine, kind: &str, inputs: Value) -> Done {
    let name = match var_name(&inputs) {
        Ok(n) => n,
        Err(m) => return Done::failed(inputs, "InvalidTemplate", m),
    };
    let mut vars = super::lock(&e.variables);
    let types = super::lock(&e.var_types);
    let Some(cur) = vars.get(&name).cloned() else {
        return Done::failed(
            inputs,
            "InvalidTemplate",
            format!("The variable '{name}' has not been initialized."),
        );
    };
    let ty = types.get(&name).cloned().unwrap_or_default();
    let value = get(&inputs, "value").cloned().unwrap_or(Value::Null);
    let bad = |m: String| Done::failed(inputs.clone(), "InvalidOperation", m);
    let new = match kind {
        "setvariable" => {
            if !value.is_null() && !type_fits(&ty, &value) {
                return bad(format!(
                    "The variable '{name}' of type '{ty}' cannot be set to a value of type '{}'.",
                    type_name(&value)
                ));
            }
            value
        }
        "incrementvariable" | "decrementvariable" => {
            let by = if value.is_null() { json!(1) } else { value };
            let sign = if kind == "incrementvariable" { 1 } else { -1 };
            match (&cur, &by) {
                (Value::Number(a), Value::Number(b)) if a.as_i64().is_some() && b.as_i64().is_some() => {
                    match a.as_i64().unwrap_or(0).checked_add(sign * b.as_i64().unwrap_or(0)) {
                        Some(x) => json!(x),
                        None => return bad(format!("The variable '{name}' would overflow.")),
                    }
                }
                (Value::Number(a), Value::Number(b)) => {
                    json!(a.as_f64().unwrap_or(0.0) + sign as f64 * b.as_f64().unwrap_or(0.0))
                }
                _ => {
                    return bad(format!(
                        "The variable '{name}' of type '{}' cannot be changed by a value of type '{}': only Integer and Float variables can be incremented or decremented.",
                        type_name(&cur),
                        type_name(&by)
                    ))
                }
            }
        }
        "appendtoarrayvariable" => match cur {
            Value::Array(mut a) => {
                a.push(value);
                Value::Array(a)
            }
            other => {
                return bad(format!(
                    "The variable '{name}' is of type '{}', not Array.",
                    type_name(&other)
                ))
            }
        },
        _ => match cur {
            Value::String(mut s) => {
                s.push_str(&to_text(&value));
                Value::String(s)
            }
            other => {
                return bad(format!(
                    "The variable '{name}' is of type '{}', not String.",
                    type_name(&other)
                ))
            }
        },
    };
    vars.insert(name.clone(), new.clone());
    Done::ok(inputs, json!({"body": {"name": name, "value": new}}))
}

fn response(e: &Engine, name: &str, action: &Value, inputs: Value) -> Done {
    let status = match get(&inputs, "statusCode") {
        None | Some(Value::Null) => 200,
        Some(v) => match v
            .as_u64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
        {
            Some(s) if (100..=599).contains(&s) => s as u16,
            _ => {
                return Done::failed(
                    inputs,
                    "InvalidTemplate",
                    format!("the status code of '{name}' must be a number from 100 to 599"),
                )
            }
        },
    };
    let mut slot = super::lock(&e.response);
    if slot.is_some() {
        return Done::failed(
            inputs,
            "ActionResponseAlreadySent",
            "The workflow already answered its caller: a Response can be sent once per run.",
        );
    }
    let hide = e.hidden(name, action).0;
    let red = e.redactor();
    let headers = get(&inputs, "headers")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let body = get(&inputs, "body").cloned().unwrap_or(Value::Null);
    if let Some(tell) = &e.options.responder {
        tell(&RunResponse {
            status,
            headers: headers.clone(),
            body: body.clone(),
        });
    }
    *slot = Some(RunResponse {
        status,
        headers: match super::redact_value(&Value::Object(headers.clone()), &red) {
            Value::Object(m) => m,
            _ => Map::new(),
        },
        body: if hide {
            Value::String(HIDDEN.into())
        } else {
            super::redact_value(&body, &red)
        },
    });
    Done::ok(
        inputs.clone(),
        json!({"statusCode": status, "headers": headers, "body": body}),
    )
}

fn terminate(e: &Engine, inputs: Value) -> Done {
    let st = get(&inputs, "runStatus")
        .and_then(Value::as_str)
        .unwrap_or("Failed")
        .to_owned();
    let status = match Status::parse(&st) {
        Some(s @ (Status::Failed | Status::Cancelled | Status::Succeeded)) => s,
        _ => {
            return Done::failed(
                inputs,
                "InvalidTemplate",
                format!("Terminate's runStatus must be Succeeded, Failed or Cancelled, not '{st}'"),
            )
        }
    };
    let error = (status == Status::Failed).then(|| {
        let e = get(&inputs, "runError");
        RunError {
            code: e
                .and_then(|e| get(e, "code"))
                .map(|v| to_text(v).into_owned())
                .unwrap_or_else(|| "Terminated".into()),
            message: e
                .and_then(|e| get(e, "message"))
                .map(|v| to_text(v).into_owned())
                .unwrap_or_else(|| "The run was terminated.".into()),
        }
    });
    e.halt(Stop::Terminated(status, error));
    Done::ok(inputs, Value::Null)
}

fn wait_seconds(inputs: &Value) -> Result<f64, String> {
    if let Some(iv) = get(inputs, "interval") {
        let count = get(iv, "count").and_then(|c| {
            c.as_f64()
                .or_else(|| c.as_str().and_then(|s| s.parse().ok()))
        });
        let unit = get(iv, "unit")
            .and_then(Value::as_str)
            .unwrap_or("Second")
            .to_ascii_lowercase();
        let per = match unit.trim_end_matches('s') {
            "second" => 1.0,
            "minute" => 60.0,
            "hour" => 3600.0,
            "day" => 86400.0,
            "week" => 604800.0,
            "month" => 2_592_000.0,
            _ => {
                return Err(format!(
                    "the Delay unit '{unit}' is not Second, Minute, Hour, Day, Week or Month"
                ))
            }
        };
        match count {
            Some(c) if c >= 0.0 => Ok(c * per),
            _ => Err("the Delay needs `interval.count`, a number ≥ 0".into()),
        }
    } else if let Some(ts) = get(inputs, "until")
        .and_then(|u| get(u, "timestamp"))
        .and_then(Value::as_str)
    {
        match chrono::DateTime::parse_from_rfc3339(ts) {
            Ok(t) => Ok(((t.with_timezone(&chrono::Utc) - chrono::Utc::now())
                .num_milliseconds()
                .max(0) as f64)
                / 1000.0),
            Err(err) => Err(format!(
                "the Delay until timestamp '{ts}' is not an ISO 8601 time ({err})"
            )),
        }
    } else {
        Err("the Delay needs `interval` or `until.timestamp`".into())
    }
}

fn wait(e: &Engine, inputs: Value) -> Done {
    let seconds = match wait_seconds(&inputs) {
        Ok(s) => s,
        Err(m) => return Done::failed(inputs, "InvalidTemplate", m),
    };
    if e.sleep(e.scaled(seconds)) {
        Done::ok(inputs, Value::Null)
    } else {
        let mut d = Done::failed(
            inputs,
            "Cancelled",
            "The delay was interrupted: the run stopped.",
        );
        d.status = Status::Cancelled;
        d
    }
}

fn child_workflow(e: &Engine, name: &str, inputs: Value) -> Done {
    let id = inputs
        .pointer("/host/workflow/id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let child = id
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_owned();
    if child.is_empty() {
        return Done::failed(
            inputs,
            "InvalidTemplate",
            format!("'{name}' has no `host.workflow.id`"),
        );
    }
    if e.depth >= 8 {
        return Done::failed(
            inputs,
            "InvalidTemplate",
            "child workflows nest more than 8 deep",
        );
    }
    let Some(dir) = e.options.file.as_ref().and_then(|f| f.parent()) else {
        return Done::failed(inputs, "NotSupportedLocally", format!("the child workflow '{child}' is looked for next to the parent's file, and this run has no file"));
    };
    let candidates = [
        dir.join(format!("{child}.json")),
        dir.join(&child).join("workflow.json"),
        dir.parent()
            .map(|p| p.join(&child).join("workflow.json"))
            .unwrap_or_default(),
    ];
    let Some(path) = candidates.iter().find(|p| p.is_file()) else {
        return Done::failed(
            inputs,
            "NotSupportedLocally",
            format!(
                "the child workflow '{child}' was not found: looked for {}",
                candidates
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    };
    let doc = match crate::workflow::Document::load(path) {
        Ok(d) => d,
        Err(err) => {
            return Done::failed(
                inputs,
                "InvalidTemplate",
                format!("{}: {err}", path.display()),
            )
        }
    };
    let mut request = TriggerRequest {
        method: Some("POST".into()),
        body: get(&inputs, "body").cloned().unwrap_or(Value::Null),
        ..TriggerRequest::default()
    };
    if let Some(Value::Object(h)) = get(&inputs, "headers") {
        request.headers = h
            .iter()
            .map(|(k, v)| (k.clone(), to_text(v).into_owned()))
            .collect();
    }
    let mut opts = e.options.clone();
    opts.workflow_name = None;
    opts.file = Some(path.clone());
    opts.params_file = None;
    opts.params = Vec::new();
    opts.mocks = Default::default();
    opts.observer = None;
    opts.responder = None;
    opts.run_id = None;
    opts.timeout = e
        .deadline
        .map(|d| d.saturating_duration_since(Instant::now()));
    let run = match super::run_index(&doc, 0, &request, opts, e.depth + 1) {
        Ok(r) => r,
        Err(err) => {
            return Done::failed(
                inputs,
                "InvalidTemplate",
                format!("the child workflow '{child}': {err}"),
            )
        }
    };
    match (&run.response, run.status) {
        (Some(r), _) => {
            let out = json!({"statusCode": r.status, "headers": r.headers, "body": r.body});
            if r.status >= 400 {
                let mut d = Done::failed(
                    inputs,
                    "ActionFailed",
                    format!("The child workflow '{child}' answered {}.", r.status),
                );
                d.outputs = out;
                d
            } else {
                Done::ok(inputs, out)
            }
        }
        (None, Status::Succeeded) => Done::ok(
            inputs,
            json!({"statusCode": 202, "headers": {}, "body": null}),
        ),
        (None, st) => Done::failed(
            inputs,
            "ActionFailed",
            format!(
                "The child workflow '{child}' ended {} ({})",
                st.as_str(),
                run.error
                    .map(|x| format!("{}: {}", x.code, x.message))
                    .unwrap_or_default()
            ),
        ),
    }
}

// -- Http -------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq)]
enum Retry {
    None,
    Fixed {
        count: u32,
        interval: f64,
    },
    Exponential {
        count: u32,
        interval: f64,
        min: f64,
        max: f64,
    },
}

fn retry_policy(inputs: &Value) -> Result<Retry, String> {
    let Some(p) = get(inputs, "retryPolicy") else {
        return Ok(Retry::Exponential {
            count: 4,
            interval: 7.5,
            min: 5.0,
            max: 45.0,
        });
    };
    let ty = get(p, "type")
        .and_then(Value::as_str)
        .unwrap_or("default")
        .to_ascii_lowercase();
    let count = get(p, "count")
        .and_then(Value::as_u64)
        .map(|c| c.min(90) as u32);
    let dur = |k: &str| -> Result<Option<f64>, String> {
        match get(p, k).and_then(Value::as_str) {
            None => Ok(None),
            Some(s) => iso_duration_seconds(s)
                .map(Some)
                .ok_or_else(|| format!("retryPolicy.{k} `{s}` is not an ISO 8601 duration")),
        }
    };
    Ok(match ty.as_str() {
        "none" => Retry::None,
        "fixed" => Retry::Fixed {
            count: count.unwrap_or(4),
            interval: dur("interval")?.unwrap_or(20.0),
        },
        "exponential" => Retry::Exponential {
            count: count.unwrap_or(4),
            interval: dur("interval")?.unwrap_or(7.5),
            min: dur("minimumInterval")?.unwrap_or(5.0),
            max: dur("maximumInterval")?.unwrap_or(45.0),
        },
        "default" => Retry::Exponential {
            count: 4,
            interval: 7.5,
            min: 5.0,
            max: 45.0,
        },
        other => {
            return Err(format!(
                "retryPolicy.type `{other}` is not none, fixed, exponential or default"
            ))
        }
    })
}

fn retry_wait(p: Retry, attempt: u32) -> Option<f64> {
    match p {
        Retry::None => None,
        Retry::Fixed { count, interval } => (attempt <= count).then_some(interval),
        Retry::Exponential {
            count,
            interval,
            min,
            max,
        } => {
            if attempt > count {
                return None;
            }
            use rand::Rng;
            let base = interval * 2f64.powi(attempt as i32 - 1);
            let jitter = rand::thread_rng().gen_range(0.8..1.2);
            Some((base * jitter).clamp(min, max.max(min)))
        }
    }
}

fn retryable(o: &Outcome) -> bool {
    match (&o.response, &o.failure) {
        (Some(r), _) => r.status == 408 || r.status == 429 || r.status >= 500,
        (
            None,
            Some(
                Failure::Connect(_) | Failure::Timeout(_) | Failure::Protocol(_) | Failure::Dns(_),
            ),
        ) => true,
        _ => false,
    }
}

fn body_value(r: &crate::invoke::Response) -> Value {
    let ct = r.header("Content-Type").unwrap_or("").to_ascii_lowercase();
    match std::str::from_utf8(&r.body) {
        Ok(text) if ct.contains("json") => {
            serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
        }
        Ok("") => Value::Null,
        Ok(text) => Value::String(text.to_owned()),
        Err(_) => {
            use base64::Engine as _;
            json!({
                "$content-type": if ct.is_empty() { "application/octet-stream".to_owned() } else { ct },
                "$content": base64::engine::general_purpose::STANDARD.encode(&r.body),
            })
        }
    }
}

fn http(e: &Engine, name: &str, action: &Value, frame: &Frame) -> Done {
    let raw = action.get("inputs").cloned().unwrap_or(Value::Null);
    let policy = match retry_policy(&raw) {
        Ok(p) => p,
        Err(m) => return Done::bad_inputs(name, &m),
    };
    let ctx = match e.full_context(&raw, frame) {
        Ok(c) => c,
        Err(m) => return Done::bad_inputs(name, &m),
    };
    let prepared = match prepare_in(
        e.doc,
        e.index,
        name,
        &e.params,
        &e.options.secrets,
        Some(&ctx),
    ) {
        Ok(p) => p,
        Err(err) => return Done::bad_inputs(name, &err.to_string()),
    };
    e.add_secrets(&prepared.redactor);
    let mut opts = e.options.call.clone();
    if let Some(t) = action
        .pointer("/limit/timeout")
        .and_then(Value::as_str)
        .and_then(iso_duration_seconds)
    {
        opts.timeout = Duration::from_secs_f64(t.max(0.001));
    }
    let rt = match e.runtime() {
        Ok(rt) => rt,
        Err(m) => return Done::failed(Value::Null, "InternalError", m),
    };
    let mut retries = 0u32;
    let outcome = loop {
        let o = rt.block_on(crate::invoke::call(&prepared, &opts, &e.options.tokens));
        if !retryable(&o) {
            break o;
        }
        let Some(wait) = retry_wait(policy, retries + 1) else {
            break o;
        };
        if !e.sleep(e.scaled(wait)) {
            break o;
        }
        retries += 1;
    };
    let req = &outcome.request;
    let mut headers = Map::new();
    for (k, v) in &req.headers {
        headers.insert(k.clone(), Value::String(v.clone()));
    }
    let mut inputs = json!({"method": req.method, "uri": req.url, "headers": headers});
    if let Some(b) = &req.body {
        inputs["body"] = serde_json::from_str(b).unwrap_or_else(|_| Value::String(b.clone()));
    }
    let diag = outcome.diagnosis.as_ref().map(|d| match &d.hint {
        Some(h) => format!("{} ({h})", d.message),
        None => d.message.clone(),
    });
    let mut done = match (&outcome.response, &outcome.failure) {
        (Some(r), _) => {
            let mut h = Map::new();
            for (k, v) in &r.headers {
                h.insert(k.clone(), Value::String(v.clone()));
            }
            let outputs = json!({"statusCode": r.status, "headers": h, "body": body_value(r)});
            // As Azure: the code names the status; a failed answer has no
            // `error` (its outputs say it all); Lapis's diagnosis goes
            // beside it.
            let mut d = Done::ok(inputs, outputs).with_code(http_status_name(r.status));
            if r.status >= 400 {
                d.status = Status::Failed;
                d.diagnosis = Some(match &diag {
                    Some(x) => format!("The HTTP call answered {} {}. {x}", r.status, r.reason),
                    None => format!("The HTTP call answered {} {}.", r.status, r.reason),
                });
            }
            d
        }
        (None, Some(f)) => {
            let (code, what) = match f {
                Failure::Input(m) => ("InvalidTemplate", m.clone()),
                Failure::Token(t) => ("Unauthorized", format!("the token request failed: {t:?}")),
                Failure::Dns(m) => (
                    "ServiceUnavailable",
                    format!("the host name did not resolve: {m}"),
                ),
                Failure::Connect(m) => {
                    ("ServiceUnavailable", format!("the connection failed: {m}"))
                }
                Failure::Tls(m) => (
                    "ServiceUnavailable",
                    format!("the TLS handshake failed: {m}"),
                ),
                Failure::Timeout(m) => ("ActionTimedOut", format!("no answer in time: {m}")),
                Failure::Protocol(m) => ("BadGateway", format!("the connection broke: {m}")),
                Failure::Cancelled => ("Cancelled", "the call was cancelled".to_owned()),
            };
            let mut d = Done::failed(inputs, code, format!("{what}.")).with_code(code);
            d.diagnosis = diag;
            if matches!(f, Failure::Timeout(_)) {
                d.status = Status::TimedOut;
            }
            d
        }
        (None, None) => Done::failed(
            inputs,
            "InternalError",
            "the call gave neither an answer nor a failure",
        ),
    };
    done.retries = retries;
    done
}

/// The name .NET's `HttpStatusCode` gives a status, which Azure's run
/// history shows as an Http action's code; a status without a name is
/// written as its number (`429`).
pub(crate) fn http_status_name(status: u16) -> String {
    let name = match status {
        100 => "Continue",
        101 => "SwitchingProtocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "NonAuthoritativeInformation",
        204 => "NoContent",
        205 => "ResetContent",
        206 => "PartialContent",
        300 => "MultipleChoices",
        301 => "MovedPermanently",
        302 => "Found",
        303 => "SeeOther",
        304 => "NotModified",
        305 => "UseProxy",
        306 => "Unused",
        307 => "TemporaryRedirect",
        400 => "BadRequest",
        401 => "Unauthorized",
        402 => "PaymentRequired",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        406 => "NotAcceptable",
        407 => "ProxyAuthenticationRequired",
        408 => "RequestTimeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "LengthRequired",
        412 => "PreconditionFailed",
        413 => "RequestEntityTooLarge",
        414 => "RequestUriTooLong",
        415 => "UnsupportedMediaType",
        416 => "RequestedRangeNotSatisfiable",
        417 => "ExpectationFailed",
        426 => "UpgradeRequired",
        500 => "InternalServerError",
        501 => "NotImplemented",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        505 => "HttpVersionNotSupported",
        _ => return status.to_string(),
    };
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_policies() {
        assert_eq!(
            retry_policy(&json!({})).unwrap(),
            Retry::Exponential {
                count: 4,
                interval: 7.5,
                min: 5.0,
                max: 45.0
            }
        );
        assert_eq!(
            retry_policy(&json!({"retryPolicy": {"type": "none"}})).unwrap(),
            Retry::None
        );
        assert_eq!(
            retry_policy(
                &json!({"retryPolicy": {"type": "fixed", "count": 2, "interval": "PT1S"}})
            )
            .unwrap(),
            Retry::Fixed {
                count: 2,
                interval: 1.0
            }
        );
        assert!(retry_policy(&json!({"retryPolicy": {"type": "sometimes"}})).is_err());
        let p = Retry::Fixed {
            count: 2,
            interval: 1.0,
        };
        assert_eq!(retry_wait(p, 2), Some(1.0));
        assert_eq!(retry_wait(p, 3), None);
        let x = Retry::Exponential {
            count: 4,
            interval: 7.5,
            min: 5.0,
            max: 45.0,
        };
        for a in 1..=4 {
            let w = retry_wait(x, a).unwrap();
            assert!((5.0..=45.0).contains(&w), "{w}");
        }
        assert_eq!(retry_wait(x, 5), None);
    }

    #[test]
    fn foreach_concurrency() {
        assert_eq!(concurrency(&json!({})), 20);
        assert_eq!(concurrency(&json!({"operationOptions": "Sequential"})), 1);
        assert_eq!(
            concurrency(&json!({"runtimeConfiguration": {"concurrency": {"repetitions": 80}}})),
            50
        );
    }
}
