//! Rules on the shape of single triggers and actions and on definition-wide
//! counts, written from Microsoft Learn's "Schema reference guide for
//! trigger and action types" (Table, Wait, If/Until/Switch expressions,
//! control actions' `actions`, trigger `conditions` and `splitOn`), "Create
//! variables to store and pass values" (variables in parallel loops), the
//! Workflow Definition Language schema (parameter `allowedValues`, output
//! values) and "Limits and configuration" (variables per workflow).
//!
//! Each check reads one node, or one definition-level list, so the whole
//! stays linear in the workflow's size.

use super::definition::{as_int, is_expr, ptr};
use crate::graph::validate::{Severity, Sink};
use crate::workflow::model::{is_arm_expression, is_wdl_expression, ActionType, ParamType};
use crate::workflow::tree::{Node, NodeId, Role};
use serde_json::{Map, Value};

type Obj = Map<String, Value>;

/// Most variables in one workflow ("Limits and configuration").
pub const MAX_VARIABLES: usize = 250;

/// The wait units of the Wait action (Delay): the schema reference lists
/// Second, Minute, Hour, Day, Week and Month. `Year`, which the WDL JSON
/// schema also lists, is accepted without being offered.
const WAIT_UNITS: [&str; 6] = ["Second", "Minute", "Hour", "Day", "Week", "Month"];

fn kind_of(v: &Value) -> &'static str {
    crate::workflow::tree::kind_of(v)
}

/// The checks of one trigger or action. `response` is a Response action of
/// the workflow, if it has one.
pub(super) fn check_node(
    s: &mut Sink<'_>,
    n: &Node,
    obj: &Obj,
    objects: &[Option<&Obj>],
    response: Option<NodeId>,
) {
    use ActionType as T;
    match n.ty {
        T::Table if n.role == Role::Action => table_format(s, n, obj),
        T::Wait if n.role == Role::Action => wait(s, n, obj),
        T::SetVariable
        | T::IncrementVariable
        | T::DecrementVariable
        | T::AppendToArrayVariable
        | T::AppendToStringVariable => variable_in_parallel_loop(s, n, objects),
        _ => {}
    }
    if n.role == Role::Action && matches!(n.ty, T::If | T::Until | T::Switch) {
        control_expression(s, n, obj);
    }
    if n.role == Role::Action && matches!(n.ty, T::If | T::Foreach | T::Until | T::Scope) {
        control_actions(s, n, obj);
    }
    if n.role == Role::Trigger {
        if let Some(c) = obj.get("conditions") {
            trigger_conditions(s, n, c);
        }
        if let Some(v) = obj.get("splitOn") {
            split_on(s, n, v, response);
        }
    }
}

/// Table: `format` is CSV or HTML.
fn table_format(s: &mut Sink<'_>, n: &Node, obj: &Obj) {
    let Some(Value::Object(i)) = obj.get("inputs") else {
        return;
    };
    let Some(f) = i.get("format") else { return };
    let ok = match f {
        Value::String(t) => {
            is_wdl_expression(t)
                || is_arm_expression(t)
                || t.eq_ignore_ascii_case("CSV")
                || t.eq_ignore_ascii_case("HTML")
        }
        _ => false,
    };
    if !ok {
        s.error(
            "table-format",
            n.id,
            format!("{}/inputs/format", n.pointer),
            format!(
                "the Table action `{}` has the format {f}; a table is built as \"CSV\" or \"HTML\"",
                n.name
            ),
        );
    }
}

/// Wait (Delay / Delay until): exactly one of `interval` ({count, unit}) or
/// `until` ({timestamp}); a whole count of at least 1; a known unit.
fn wait(s: &mut Sink<'_>, n: &Node, obj: &Obj) {
    let ip = format!("{}/inputs", n.pointer);
    let inputs = match obj.get("inputs") {
        Some(Value::Object(i)) => i,
        Some(v) if is_expr(v) => return,
        Some(v) => {
            s.error(
                "wait-interval",
                n.id,
                ip,
                format!(
                    "the inputs of the Wait action `{}` must be an object with `interval` or `until`, found {}",
                    n.name,
                    kind_of(v)
                ),
            );
            return;
        }
        None => {
            s.error(
                "wait-interval",
                n.id,
                n.pointer.clone(),
                format!(
                    "the Wait action `{}` has no inputs: give it an interval ({{\"count\": 5, \"unit\": \"Minute\"}}) or an until timestamp",
                    n.name
                ),
            );
            return;
        }
    };
    match (inputs.get("interval"), inputs.get("until")) {
        (None, None) => s.error(
            "wait-interval",
            n.id,
            ip,
            format!(
                "the Wait action `{}` has neither `interval` nor `until`: give it an interval ({{\"count\": 5, \"unit\": \"Minute\"}}) or an until timestamp",
                n.name
            ),
        ),
        (Some(_), Some(_)) => s.error(
            "wait-interval",
            n.id,
            ip,
            format!(
                "the Wait action `{}` has both `interval` and `until`; it waits for one of them: keep one",
                n.name
            ),
        ),
        (Some(iv), None) => wait_interval(s, n, iv, &format!("{ip}/interval")),
        (None, Some(u)) => wait_until(s, n, u, &format!("{ip}/until")),
    }
}

fn wait_interval(s: &mut Sink<'_>, n: &Node, iv: &Value, p: &str) {
    let iv = match iv {
        Value::Object(m) => m,
        v if is_expr(v) => return,
        v => {
            s.error(
                "wait-interval",
                n.id,
                p.to_owned(),
                format!(
                    "the interval of the Wait action `{}` must be an object with count and unit, found {}",
                    n.name,
                    kind_of(v)
                ),
            );
            return;
        }
    };
    match iv.get("count") {
        None | Some(Value::Null) => s.error(
            "wait-interval",
            n.id,
            p.to_owned(),
            format!(
                "the interval of the Wait action `{}` has no count: set how many units to wait",
                n.name
            ),
        ),
        Some(v) if is_expr(v) => {}
        Some(v) => {
            let c = as_int(v).or_else(|| v.as_str().and_then(|t| t.trim().parse().ok()));
            if c.is_none_or(|c| c < 1) {
                s.error(
                    "wait-interval",
                    n.id,
                    ptr(p, "count"),
                    format!(
                        "the Wait action `{}` waits {v} units; the count must be a whole number of at least 1",
                        n.name
                    ),
                );
            }
        }
    }
    match iv.get("unit") {
        None | Some(Value::Null) => s.error(
            "wait-interval",
            n.id,
            p.to_owned(),
            format!(
                "the interval of the Wait action `{}` has no unit: use {}",
                n.name,
                WAIT_UNITS.join(", ")
            ),
        ),
        Some(v) if is_expr(v) => {}
        Some(Value::String(u))
            if WAIT_UNITS.iter().any(|k| k.eq_ignore_ascii_case(u))
                || u.eq_ignore_ascii_case("Year") => {}
        Some(v) => s.error(
            "wait-interval",
            n.id,
            ptr(p, "unit"),
            format!(
                "the Wait action `{}` has the unit {v}, which is not one of {}",
                n.name,
                WAIT_UNITS.join(", ")
            ),
        ),
    }
}

fn wait_until(s: &mut Sink<'_>, n: &Node, u: &Value, p: &str) {
    let message = match u {
        v if is_expr(v) => return,
        Value::Object(m) => match m.get("timestamp") {
            Some(Value::String(t)) if !t.trim().is_empty() => return,
            Some(v @ (Value::Number(_) | Value::Bool(_) | Value::Array(_) | Value::Object(_))) => {
                format!(
                    "the until timestamp of the Wait action `{}` must be a date and time string such as \"2024-05-01T08:00:00Z\", found {}",
                    n.name,
                    kind_of(v)
                )
            }
            _ => format!(
                "the Wait action `{}` waits until a time but has no timestamp: set until.timestamp, e.g. \"2024-05-01T08:00:00Z\"",
                n.name
            ),
        },
        v => format!(
            "the until of the Wait action `{}` must be an object with a timestamp, found {}",
            n.name,
            kind_of(v)
        ),
    };
    s.error("wait-interval", n.id, p.to_owned(), message);
}

/// If, Until and Switch need the `expression` they decide on.
fn control_expression(s: &mut Sink<'_>, n: &Node, obj: &Obj) {
    let what = match n.ty {
        ActionType::If => "the condition to decide which branch runs",
        ActionType::Until => "the condition that ends the loop",
        _ => "the value whose case runs",
    };
    match obj.get("expression") {
        None | Some(Value::Null) => s.error(
            "control-expression",
            n.id,
            n.pointer.clone(),
            format!("the {} action `{}` has no `expression`: it needs {what}", n.type_name, n.name),
        ),
        Some(Value::String(t)) if t.trim().is_empty() => s.error(
            "control-expression",
            n.id,
            ptr(&n.pointer, "expression"),
            format!("the {} action `{}` has an empty `expression`: it needs {what}", n.type_name, n.name),
        ),
        Some(Value::Array(_) | Value::Bool(_)) if n.ty == ActionType::Switch => s.error(
            "control-expression",
            n.id,
            ptr(&n.pointer, "expression"),
            format!(
                "the expression of the Switch `{}` must be a value to compare (a string, a number or an expression)",
                n.name
            ),
        ),
        Some(v @ (Value::Array(_) | Value::Number(_))) if n.ty != ActionType::Switch => s.error(
            "control-expression",
            n.id,
            ptr(&n.pointer, "expression"),
            format!(
                "the expression of the {} action `{}` is {}; use an expression such as \"@equals(…)\" or a condition object",
                n.type_name,
                n.name,
                kind_of(v)
            ),
        ),
        _ => {}
    }
}

/// Foreach, If, Until and Scope hold their actions in `actions`; a Switch
/// case holds its own.
fn control_actions(s: &mut Sink<'_>, n: &Node, obj: &Obj) {
    if !obj.contains_key("actions") {
        s.error(
            "control-actions",
            n.id,
            n.pointer.clone(),
            format!(
                "the {} action `{}` has no `actions`; the schema reference requires them: add \"actions\": {{}} (and the actions it runs)",
                n.type_name, n.name
            ),
        );
    }
}

/// A Switch case without `actions`.
pub(super) fn switch_case_actions(s: &mut Sink<'_>, n: &Node, name: &str, case: &Obj, p: &str) {
    if !case.contains_key("actions") {
        s.error(
            "control-actions",
            n.id,
            p.to_owned(),
            format!(
                "the case `{name}` of the Switch `{}` has no `actions`: add \"actions\": {{}} (and the actions it runs)",
                n.name
            ),
        );
    }
}

/// Trigger conditions: an array of `{"expression": "@…"}`.
fn trigger_conditions(s: &mut Sink<'_>, n: &Node, c: &Value) {
    let p = ptr(&n.pointer, "conditions");
    let items = match c {
        Value::Array(a) => a,
        v if is_expr(v) => return,
        v => {
            s.error(
                "trigger-conditions",
                n.id,
                p,
                format!(
                    "the conditions of the trigger `{}` must be an array of {{\"expression\": \"@…\"}}, found {}",
                    n.name,
                    kind_of(v)
                ),
            );
            return;
        }
    };
    for (i, item) in items.iter().enumerate() {
        let ip = format!("{p}/{i}");
        let message = match item {
            Value::String(t) if is_arm_expression(t) => continue,
            Value::Object(m) => match m.get("expression") {
                Some(Value::String(e)) if is_wdl_expression(e) || is_arm_expression(e) => continue,
                Some(Value::String(e)) => {
                    s.error(
                        "trigger-conditions",
                        n.id,
                        format!("{ip}/expression"),
                        format!(
                            "the condition {} of the trigger `{}` is the text `{e}`, not an expression: a trigger condition starts with @ and returns true or false, e.g. @equals(triggerBody()?['status'], 'new')",
                            i + 1,
                            n.name
                        ),
                    );
                    continue;
                }
                Some(v) => format!(
                    "the condition {} of the trigger `{}` must hold its expression as a string starting with @, found {}",
                    i + 1,
                    n.name,
                    kind_of(v)
                ),
                None => format!(
                    "the condition {} of the trigger `{}` has no `expression`: write {{\"expression\": \"@…\"}}",
                    i + 1,
                    n.name
                ),
            },
            v => format!(
                "the condition {} of the trigger `{}` must be an object {{\"expression\": \"@…\"}}, found {}",
                i + 1,
                n.name,
                kind_of(v)
            ),
        };
        s.error("trigger-conditions", n.id, ip, message);
    }
}

/// `splitOn` is an expression that returns an array, and a workflow whose
/// trigger splits its items has no single caller for a Response to answer.
fn split_on(s: &mut Sink<'_>, n: &Node, v: &Value, response: Option<NodeId>) {
    let p = ptr(&n.pointer, "splitOn");
    match v {
        Value::Null => return,
        Value::String(t) if is_wdl_expression(t) || is_arm_expression(t) => {}
        other => {
            s.error(
                "split-on",
                n.id,
                p,
                format!(
                    "the splitOn of the trigger `{}` is {other}, not an expression: write an expression that returns the array to split, e.g. @triggerBody()?['value']",
                    n.name
                ),
            );
            return;
        }
    }
    if let Some(r) = response {
        s.error(
            "split-on",
            n.id,
            p,
            format!(
                "the trigger `{}` splits its items into runs of their own (splitOn), and the workflow answers with the Response action `{}`; Logic Apps refuses a Response action with a splitOn trigger: remove splitOn and loop over the items with a Foreach, or remove the Response",
                n.name,
                s.g.outline.nodes[r].name
            ),
        );
    }
}

/// True when the Foreach `obj` runs its iterations one at a time.
fn sequential(obj: &Obj) -> bool {
    let by_option = obj
        .get("operationOptions")
        .and_then(Value::as_str)
        .is_some_and(|o| {
            o.split(',')
                .any(|x| x.trim().eq_ignore_ascii_case("Sequential"))
        });
    let by_concurrency = obj
        .get("runtimeConfiguration")
        .and_then(|r| r.get("concurrency"))
        .and_then(|c| c.get("repetitions"))
        .and_then(as_int)
        == Some(1);
    by_option || by_concurrency
}

/// A variable changed inside a Foreach whose iterations run in parallel:
/// they share the variable, so the result depends on their timing.
fn variable_in_parallel_loop(s: &mut Sink<'_>, n: &Node, objects: &[Option<&Obj>]) {
    let g = s.g;
    let o = &g.outline;
    let mut cur = n.parent;
    while let Some((p, _)) = cur {
        let pn = &o.nodes[p];
        if pn.ty == ActionType::Foreach {
            let Some(obj) = objects[p] else { return };
            if !sequential(obj) {
                s.warning(
                    "variable-in-parallel-loop",
                    n.id,
                    n.pointer.clone(),
                    format!(
                        "`{}` ({}) changes a variable inside the Foreach `{}`, whose iterations run in parallel (20 at a time by default) and share the variable, so the result depends on their timing: make the loop sequential (concurrency 1, or operationOptions Sequential)",
                        n.name, n.type_name, pn.name
                    ),
                );
                return;
            }
        }
        cur = pn.parent;
    }
}

/// Definition-wide checks: how many variables, parameters' allowed values,
/// outputs' literal values.
pub(super) fn check_definition(
    s: &mut Sink<'_>,
    def: Option<&Obj>,
    def_p: &str,
    objects: &[Option<&Obj>],
) {
    let o = &s.g.outline;
    let mut count = 0usize;
    // The first variable past the limit: its action and its index there.
    let mut at: Option<(NodeId, usize)> = None;
    for n in o
        .actions()
        .filter(|n| n.ty == ActionType::InitializeVariable)
    {
        if let Some(Value::Array(v)) = objects[n.id]
            .and_then(|obj| obj.get("inputs"))
            .and_then(|i| i.get("variables"))
        {
            if at.is_none() && count + v.len() > MAX_VARIABLES {
                at = Some((n.id, MAX_VARIABLES - count));
            }
            count += v.len();
        }
    }
    if let Some((id, k)) = at {
        s.push(
            Severity::Error,
            "too-many-variables",
            Some(id),
            format!("{}/inputs/variables/{k}", o.nodes[id].pointer),
            format!(
                "the workflow declares {count} variables; Logic Apps allows at most {MAX_VARIABLES} per workflow (the first past the limit is in `{}`): keep related values in one object or array variable",
                o.nodes[id].name
            ),
        );
    }
    let Some(def) = def else { return };
    if let Some(Value::Object(params)) = def.get("parameters") {
        let pp = ptr(def_p, "parameters");
        for (name, decl) in params {
            if let Value::Object(d) = decl {
                allowed_values(s, name, d, &ptr(&pp, name));
            }
        }
    }
    if let Some(Value::Object(outs)) = def.get("outputs") {
        let op = ptr(def_p, "outputs");
        for (name, decl) in outs {
            if let Value::Object(d) = decl {
                output_value(s, name, d, &ptr(&op, name));
            }
        }
    }
}

/// The declared type of a parameter or output, when it is a known one.
fn declared_type(d: &Obj) -> Option<ParamType> {
    match d.get("type") {
        Some(Value::String(t)) if !is_arm_expression(t) && !is_wdl_expression(t) => {
            match ParamType::parse(t) {
                ParamType::Other(_) | ParamType::ArmExpression(_) => None,
                p => Some(p),
            }
        }
        _ => None,
    }
}

/// Whether literal `v` has type `ty`.
fn fits(ty: &ParamType, v: &Value) -> bool {
    match ty {
        ParamType::String | ParamType::SecureString => v.is_string(),
        ParamType::Int => as_int(v).is_some(),
        ParamType::Float => v.is_number(),
        ParamType::Bool => v.is_boolean(),
        ParamType::Array => v.is_array(),
        ParamType::Object | ParamType::SecureObject => v.is_object(),
        _ => true,
    }
}

/// `allowedValues`: an array of values of the parameter's type, which holds
/// the defaultValue.
fn allowed_values(s: &mut Sink<'_>, name: &str, d: &Obj, p: &str) {
    let Some(av) = d.get("allowedValues") else {
        return;
    };
    let ap = format!("{p}/allowedValues");
    let list = match av {
        Value::Array(a) => a,
        v if is_expr(v) => return,
        v => {
            s.push(
                Severity::Error,
                "parameter-allowed-values",
                None,
                ap,
                format!(
                    "the allowedValues of the parameter `{name}` must be an array of the values it may take, found {}",
                    kind_of(v)
                ),
            );
            return;
        }
    };
    let ty = declared_type(d);
    if let Some(ty) = &ty {
        for (i, v) in list.iter().enumerate() {
            if is_expr(v) || v.is_null() || fits(ty, v) {
                continue;
            }
            s.push(
                Severity::Error,
                "parameter-allowed-values",
                None,
                format!("{ap}/{i}"),
                format!("the allowed value {v} of the parameter `{name}` is not of its type {ty}"),
            );
        }
    }
    if let Some(dv) = d.get("defaultValue") {
        if list.is_empty() || is_expr(dv) || list.iter().any(is_expr) {
            return;
        }
        if ty.as_ref().is_some_and(|t| !fits(t, dv)) {
            return; // parameter-default says it already
        }
        if !list.iter().any(|v| same_value(v, dv)) {
            s.push(
                Severity::Error,
                "parameter-allowed-values",
                None,
                format!("{p}/defaultValue"),
                format!(
                    "the defaultValue {dv} of the parameter `{name}` is not one of its allowedValues: add it to the list or choose one of them"
                ),
            );
        }
    }
}

/// JSON equality, numbers compared by value (`1` and `1.0` are the same).
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y,
            _ => x == y,
        },
        _ => a == b,
    }
}

/// An output whose value is a literal of another type than declared.
fn output_value(s: &mut Sink<'_>, name: &str, d: &Obj, p: &str) {
    let (Some(ty), Some(v)) = (declared_type(d), d.get("value")) else {
        return;
    };
    if is_expr(v) || v.is_null() || fits(&ty, v) {
        return;
    }
    s.push(
        Severity::Warning,
        "output-type",
        None,
        format!("{p}/value"),
        format!("the output `{name}` is declared {ty} but its value is {v}; the run would end with an output of the wrong type"),
    );
}
