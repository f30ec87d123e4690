//! Definition rules (Consumption and Standard), written from Microsoft
//! Learn: the schema reference for trigger and action types, the Workflow
//! Definition Language schema, "Limits and configuration", "Handle errors",
//! the Recurrence trigger, stateful and stateless workflows, variables,
//! Request/Response. Each finding carries a code of the catalogue in
//! [`super::RULES`].
//!
//! Everything here is one pass over the outline's nodes (plus one over the
//! variables declared), so validation stays linear in the workflow's size.

use crate::graph::validate::{Severity, Sink};
use crate::workflow::manifest::WEEK_DAYS;
use crate::workflow::model::{is_arm_expression, is_wdl_expression, ActionType, ParamType};
use crate::workflow::text::escape_pointer;
use crate::workflow::tree::{Node, NodeId, Role};
use serde_json::{Map, Value};
use std::collections::HashMap;

type Obj = Map<String, Value>;

/// Most triggers in one Consumption workflow ("Limits and configuration").
pub const MAX_TRIGGERS: usize = 10;
/// Most cases in one Switch.
pub const MAX_SWITCH_CASES: usize = 25;
/// Most iterations of an Until loop.
pub const MAX_UNTIL_COUNT: i64 = 5000;
/// Longest description.
pub const MAX_DESCRIPTION: usize = 256;
/// Most definition parameters, and outputs.
pub const MAX_PARAMETERS: usize = 50;
/// Most definition outputs.
pub const MAX_OUTPUTS: usize = 10;

/// Trigger and action types Logic Apps has beyond [`ActionType`]'s list:
/// integration account, batch, Standard built-ins, agents. Not unknown.
const OTHER_KNOWN_TYPES: &[&str] = &[
    "SlidingWindow",
    "Batch",
    "SendToBatch",
    "Xslt",
    "Liquid",
    "XmlValidation",
    "FlatFileDecoding",
    "FlatFileEncoding",
    "IntegrationAccountArtifactLookup",
    "XmlParse",
    "XmlCompose",
    "SwiftEncode",
    "SwiftDecode",
    "Expression",
    "InvokeFunction",
    "CSharpScriptCode",
    "PowerShellCode",
    "ChunkText",
    "ParseDocument",
    "McpClientTool",
    "NestedAgent",
    "Webhook",
    "Manual",
    "ApiManagement",
    "AgentHandoff",
    "ApiConnectionNotification",
];

/// Types that exist only as actions: a trigger of one of them is an error.
fn action_only(t: &ActionType) -> bool {
    use ActionType as T;
    t.is_control()
        || t.is_variable()
        || matches!(
            t,
            T::Response
                | T::Compose
                | T::ParseJson
                | T::Query
                | T::Select
                | T::Table
                | T::Join
                | T::Terminate
                | T::Wait
                | T::Workflow
                | T::Function
                | T::JavaScriptCode
        )
}

/// A string that is a workflow or ARM template expression.
pub(super) fn is_expr(v: &Value) -> bool {
    matches!(v, Value::String(s) if is_wdl_expression(s) || is_arm_expression(s))
}

/// The entries of a schedule field with their pointers: each item of an
/// array, or the value itself when it is not one.
fn schedule_items<'v>(pointer: &str, v: &'v Value) -> Vec<(String, &'v Value)> {
    match v {
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, x)| (format!("{pointer}/{i}"), x))
            .collect(),
        other => vec![(pointer.to_owned(), other)],
    }
}

pub(super) fn ptr(base: &str, key: &str) -> String {
    format!("{base}/{}", escape_pointer(key))
}

/// A JSON integer (also `5.0`), if `v` is one.
pub(super) fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                .map(|f| f as i64)
        }),
        _ => None,
    }
}

/// The length in seconds of an ISO 8601 duration (`PT30S`, `P1DT2H`,
/// `PT0.5S`, `P2W`); months count 30 days and years 365. `None` when the
/// text is not one.
pub fn iso_duration_seconds(s: &str) -> Option<f64> {
    let rest = s.strip_prefix('P').or_else(|| s.strip_prefix('p'))?;
    if rest.is_empty() {
        return None;
    }
    let mut total = 0.0;
    let mut in_time = false;
    let mut num = String::new();
    let mut any = false;
    let mut last_unit_time = false;
    for c in rest.chars() {
        match c {
            'T' | 't' => {
                if in_time || !num.is_empty() {
                    return None;
                }
                in_time = true;
                last_unit_time = false;
            }
            '0'..='9' | '.' | ',' => num.push(if c == ',' { '.' } else { c }),
            _ => {
                let n: f64 = num.parse().ok()?;
                num.clear();
                let unit = match (in_time, c.to_ascii_uppercase()) {
                    (false, 'Y') => 365.0 * 86400.0,
                    (false, 'M') => 30.0 * 86400.0,
                    (false, 'W') => 7.0 * 86400.0,
                    (false, 'D') => 86400.0,
                    (true, 'H') => 3600.0,
                    (true, 'M') => 60.0,
                    (true, 'S') => 1.0,
                    _ => return None,
                };
                total += n * unit;
                any = true;
                last_unit_time = in_time;
            }
        }
    }
    if !num.is_empty() || !any || (in_time && !last_unit_time) {
        return None;
    }
    Some(total)
}

/// Runs every definition rule on the workflow behind `s`.
pub(crate) fn check(s: &mut Sink<'_>, root: &Value, objects: &[Option<&Obj>]) {
    let g = s.g;
    let o = &g.outline;
    let def_p = o.definition_pointer.as_str();
    let def = root.pointer(def_p).and_then(Value::as_object);
    // Standard workflow.json: `{"definition", "kind": "Stateful" | "Stateless"}`.
    let kind = if def_p == "/definition" {
        root.get("kind").and_then(Value::as_str)
    } else {
        None
    };
    let standard = kind
        .is_some_and(|k| k.eq_ignore_ascii_case("Stateful") || k.eq_ignore_ascii_case("Stateless"));
    let stateless = kind.is_some_and(|k| k.eq_ignore_ascii_case("Stateless"));

    // Triggers: how many.
    let n_triggers = o.triggers.len();
    if standard && n_triggers > 1 {
        s.push(
            Severity::Error,
            "trigger-count",
            Some(o.triggers[1]),
            format!("{def_p}/triggers"),
            format!("this Standard workflow has {n_triggers} triggers; a Standard workflow has exactly one trigger: split the others into workflows of their own"),
        );
    } else if n_triggers > MAX_TRIGGERS {
        s.push(
            Severity::Error,
            "trigger-count",
            None,
            format!("{def_p}/triggers"),
            format!(
                "the workflow has {n_triggers} triggers; Logic Apps allows at most {MAX_TRIGGERS}"
            ),
        );
    }
    let has_request_trigger = o.triggers.iter().any(|&t| {
        matches!(
            o.nodes[t].ty,
            ActionType::Request | ActionType::ArmExpression(_) | ActionType::Other(_)
        )
    });
    let static_results = def.and_then(|d| d.get("staticResults"));
    // Response actions and every scope that holds one.
    let mut response_holders = std::collections::HashSet::new();
    for n in o.actions().filter(|n| n.ty == ActionType::Response) {
        let mut cur = Some(n.id);
        while let Some(id) = cur {
            if !response_holders.insert(id) {
                break;
            }
            cur = o.nodes[id].parent.map(|(p, _)| p);
        }
    }

    let first_response = o
        .actions()
        .find(|n| n.ty == ActionType::Response)
        .map(|n| n.id);
    for n in &o.nodes {
        let Some(obj) = objects[n.id] else { continue };
        node_type_rules(s, n);
        super::actions::check_node(s, n, obj, objects, first_response);
        if n.role == Role::Trigger {
            if let Some(r) = obj.get("recurrence") {
                recurrence(s, n, r, &ptr(&n.pointer, "recurrence"));
            }
            if n.ty == ActionType::Request {
                request_trigger(s, n, obj);
            }
            if stateless
                && matches!(
                    n.ty,
                    ActionType::ApiConnection | ActionType::ApiConnectionWebhook
                )
            {
                s.error(
                    "stateless-unsupported",
                    n.id,
                    n.pointer.clone(),
                    format!("`{}` is a managed connector trigger ({}); Stateless workflows support only built-in triggers: use a built-in trigger or make the workflow Stateful", n.name, n.type_name),
                );
            }
        }
        if let Some(Value::Object(inputs)) = obj.get("inputs") {
            if let Some(rp) = inputs.get("retryPolicy") {
                retry_policy(s, n, rp, &format!("{}/inputs/retryPolicy", n.pointer));
            }
            headers_and_queries(s, n, inputs, &format!("{}/inputs", n.pointer));
        }
        runtime_configuration(s, n, obj, stateless, static_results);
        operation_options(s, n, obj);
        if n.ty != ActionType::Until {
            if let Some(t) = obj.get("limit").and_then(|l| l.get("timeout")) {
                duration_field(
                    s,
                    n,
                    t,
                    &format!("{}/limit/timeout", n.pointer),
                    "limit-timeout",
                    "the timeout",
                );
            }
        }
        if let Some(Value::String(d)) = obj.get("description") {
            description(s, Some(n.id), d, &ptr(&n.pointer, "description"));
        }
        if stateless && n.ty == ActionType::Wait {
            stateless_wait(s, n, obj);
        }
        per_type(s, n, obj, has_request_trigger, &response_holders);
    }

    variables(s, objects);
    super::actions::check_definition(s, def, def_p, objects);
    if let Some(def) = def {
        parameters_and_outputs(s, def, def_p);
        if let Some(Value::Object(sr)) = def.get("staticResults") {
            static_results_shape(s, sr, &ptr(def_p, "staticResults"));
        }
        if let Some(Value::String(d)) = def.get("description") {
            description(s, None, d, &ptr(def_p, "description"));
        }
    }
}

/// A Delay longer than the 5 minutes a Stateless run may last.
fn stateless_wait(s: &mut Sink<'_>, n: &Node, obj: &Obj) {
    let Some(iv) = obj.get("inputs").and_then(|i| i.get("interval")) else {
        return;
    };
    let (Some(count), Some(unit)) = (
        iv.get("count").and_then(as_int),
        iv.get("unit").and_then(Value::as_str),
    ) else {
        return;
    };
    let per = match unit.to_ascii_lowercase().as_str() {
        "second" => 1,
        "minute" => 60,
        "hour" => 3600,
        "day" => 86400,
        "week" => 7 * 86400,
        "month" => 30 * 86400,
        _ => return,
    };
    if count.saturating_mul(per) > 300 {
        s.warning(
            "stateless-unsupported",
            n.id,
            format!("{}/inputs/interval", n.pointer),
            format!("`{}` waits {count} {unit}(s), but a Stateless run lasts at most 5 minutes: shorten the delay or make the workflow Stateful", n.name),
        );
    }
}

/// Each entry of the definition's `staticResults`: an object with a
/// `status` (Succeeded, Failed, …) and optional `outputs`.
fn static_results_shape(s: &mut Sink<'_>, sr: &Obj, p: &str) {
    for (name, entry) in sr {
        let ep = ptr(p, name);
        if is_expr(entry) {
            continue;
        }
        let message = match entry {
            Value::Object(e) => match e.get("status") {
                Some(Value::String(_)) => match e.get("outputs") {
                    None | Some(Value::Object(_)) => None,
                    Some(v) if is_expr(v) => None,
                    Some(_) => Some(format!("the static result `{name}` has outputs that are not an object (statusCode, headers, body)")),
                },
                _ => Some(format!("the static result `{name}` has no status: set \"status\": \"Succeeded\" (or Failed…)")),
            },
            _ => Some(format!("the static result `{name}` must be an object with status and outputs")),
        };
        if let Some(m) = message {
            s.push(Severity::Error, "static-result", None, ep, m);
        }
    }
}

fn node_type_rules(s: &mut Sink<'_>, n: &Node) {
    match n.role {
        Role::Action if matches!(n.ty, ActionType::Request | ActionType::Recurrence) => s.error(
            "trigger-only-type",
            n.id,
            ptr(&n.pointer, "type"),
            format!(
                "`{}` is an action of type {}, which exists only as a trigger: move it to `triggers` (a workflow starts with one trigger)",
                n.name, n.type_name
            ),
        ),
        Role::Trigger if action_only(&n.ty) => s.error(
            "action-only-type",
            n.id,
            ptr(&n.pointer, "type"),
            format!(
                "`{}` is a trigger of type {}, which exists only as an action: use a trigger type (Request, Recurrence, Http, ApiConnection…) and move it to `actions`",
                n.name, n.type_name
            ),
        ),
        _ => {}
    }
    if let ActionType::Other(t) = &n.ty {
        if !t.is_empty() && !OTHER_KNOWN_TYPES.iter().any(|k| k.eq_ignore_ascii_case(t)) {
            s.warning(
                "unknown-type",
                n.id,
                ptr(&n.pointer, "type"),
                format!(
                    "`{}` has the type `{t}`, which Lapis does not know; check the spelling (Logic Apps refuses unknown types, but this one may be newer than Lapis)",
                    n.name
                ),
            );
        }
    }
}

fn recurrence(s: &mut Sink<'_>, n: &Node, r: &Value, p: &str) {
    let Value::Object(r) = r else {
        if !is_expr(r) {
            s.error(
                "recurrence-frequency",
                n.id,
                p.to_owned(),
                format!(
                    "the recurrence of `{}` must be an object with frequency and interval",
                    n.name
                ),
            );
        }
        return;
    };
    const FREQS: [(&str, i64); 6] = [
        ("Second", 9_999_999),
        ("Minute", 72_000),
        ("Hour", 12_000),
        ("Day", 500),
        ("Week", 71),
        ("Month", 16),
    ];
    let freq = match r.get("frequency") {
        Some(Value::String(f)) if is_wdl_expression(f) || is_arm_expression(f) => None,
        Some(Value::String(f)) => match FREQS.iter().find(|(k, _)| k.eq_ignore_ascii_case(f)) {
            Some(&(k, max)) => Some((k, max)),
            None => {
                s.error(
                    "recurrence-frequency",
                    n.id,
                    ptr(p, "frequency"),
                    format!("the recurrence frequency `{f}` of `{}` is not one of Second, Minute, Hour, Day, Week, Month", n.name),
                );
                None
            }
        },
        None => {
            s.error(
                "recurrence-frequency",
                n.id,
                p.to_owned(),
                format!("the recurrence of `{}` has no frequency: set Second, Minute, Hour, Day, Week or Month", n.name),
            );
            None
        }
        Some(v) => {
            s.error(
                "recurrence-frequency",
                n.id,
                ptr(p, "frequency"),
                format!(
                    "the recurrence frequency of `{}` must be a string (Second … Month), found {}",
                    n.name,
                    crate::workflow::tree::kind_of(v)
                ),
            );
            None
        }
    };
    match r.get("interval") {
        None => s.error(
            "recurrence-interval",
            n.id,
            p.to_owned(),
            format!(
                "the recurrence of `{}` has no interval: set how many time units to wait, e.g. 1",
                n.name
            ),
        ),
        Some(v) if is_expr(v) => {}
        Some(v) => {
            // Numbers written as strings ("1") are accepted by Logic Apps.
            let i = as_int(v).or_else(|| v.as_str().and_then(|t| t.trim().parse().ok()));
            match (i, freq) {
                (None, _) => s.error(
                    "recurrence-interval",
                    n.id,
                    ptr(p, "interval"),
                    format!("the recurrence interval of `{}` must be a whole number, found {v}", n.name),
                ),
                (Some(i), Some((f, max))) if !(1..=max).contains(&i) => s.error(
                    "recurrence-interval",
                    n.id,
                    ptr(p, "interval"),
                    format!("the recurrence interval {i} of `{}` is out of bounds for frequency {f}: use 1 to {max}", n.name),
                ),
                (Some(i), None) if i < 1 => s.error(
                    "recurrence-interval",
                    n.id,
                    ptr(p, "interval"),
                    format!("the recurrence interval {i} of `{}` must be at least 1", n.name),
                ),
                _ => {}
            }
        }
    }
    if let Some(Value::Object(sch)) = r.get("schedule") {
        schedule(s, n, sch, &ptr(p, "schedule"), freq.map(|f| f.0));
    }
    let tz = r.get("timeZone").and_then(Value::as_str);
    if let Some(z) = tz {
        if !is_wdl_expression(z) && !is_arm_expression(z) && !z.is_empty() {
            let known =
                crate::expr::datetime::windows_time_zones().any(|w| w.eq_ignore_ascii_case(z));
            if !known {
                s.error(
                    "recurrence-time-zone",
                    n.id,
                    ptr(p, "timeZone"),
                    format!("`{z}` (the time zone of `{}`) is not a Windows time zone name; Logic Apps takes names such as \"Pacific Standard Time\" or \"W. Europe Standard Time\"", n.name),
                );
            }
        }
    }
    if let Some(st) = r.get("startTime") {
        start_time(
            s,
            n,
            st,
            &ptr(p, "startTime"),
            tz.is_some_and(|z| !z.is_empty()),
        );
    }
}

fn schedule(s: &mut Sink<'_>, n: &Node, sch: &Obj, p: &str, freq: Option<&str>) {
    let day_or_week = matches!(freq, Some("Day" | "Week"));
    for (key, lo, hi) in [("hours", 0, 23), ("minutes", 0, 59)] {
        let Some(v) = sch.get(key) else { continue };
        let kp = ptr(p, key);
        if freq.is_some() && !day_or_week {
            s.warning(
                "recurrence-schedule",
                n.id,
                kp.clone(),
                format!("`{key}` in the schedule of `{}` applies only when the frequency is Day or Week", n.name),
            );
        }
        for (ip, x) in schedule_items(&kp, v) {
            if is_expr(x) {
                continue;
            }
            let i = as_int(x).or_else(|| x.as_str().and_then(|t| t.trim().parse().ok()));
            if !i.is_some_and(|i| (lo..=hi).contains(&i)) {
                s.error(
                    "recurrence-schedule",
                    n.id,
                    ip,
                    format!("`{key}` in the schedule of `{}` takes whole numbers from {lo} to {hi}, found {x}", n.name),
                );
            }
        }
    }
    if let Some(v) = sch.get("weekDays") {
        let kp = ptr(p, "weekDays");
        if freq.is_some() && freq != Some("Week") {
            s.warning(
                "recurrence-schedule",
                n.id,
                kp.clone(),
                format!(
                    "`weekDays` in the schedule of `{}` applies only when the frequency is Week",
                    n.name
                ),
            );
        }
        for (ip, x) in schedule_items(&kp, v) {
            if is_expr(x) {
                continue;
            }
            let ok = x
                .as_str()
                .is_some_and(|d| WEEK_DAYS.iter().any(|k| k.eq_ignore_ascii_case(d.trim())));
            if !ok {
                s.error(
                    "recurrence-schedule",
                    n.id,
                    ip,
                    format!("`weekDays` in the schedule of `{}` takes day names (Monday … Sunday), found {x}", n.name),
                );
            }
        }
    }
    if let Some(v) = sch.get("monthDays") {
        for (ip, x) in schedule_items(&ptr(p, "monthDays"), v) {
            if is_expr(x) {
                continue;
            }
            let i = as_int(x).or_else(|| x.as_str().and_then(|t| t.trim().parse().ok()));
            if !i.is_some_and(|i| (1..=31).contains(&i) || (-31..=-1).contains(&i)) {
                s.error(
                    "recurrence-schedule",
                    n.id,
                    ip,
                    format!("`monthDays` in the schedule of `{}` takes days of the month from 1 to 31 (or -1 to -31 counting from the end), found {x}", n.name),
                );
            }
        }
    }
    if let Some(Value::Array(occ)) = sch.get("monthlyOccurrences") {
        let op = ptr(p, "monthlyOccurrences");
        for (k, item) in occ.iter().enumerate() {
            let Value::Object(m) = item else { continue };
            let ip = format!("{op}/{k}");
            // The ARM schema names the day `day`, the WDL JSON schema
            // `dayOfWeek`: either is read.
            let day = ["day", "dayOfWeek"]
                .into_iter()
                .find_map(|key| m.get(key).map(|v| (key, v)));
            match day {
                Some((_, v)) if is_expr(v) => {}
                Some((_, Value::String(d))) if WEEK_DAYS.iter().any(|k| k.eq_ignore_ascii_case(d.trim())) => {}
                Some((key, v)) => s.error(
                    "recurrence-schedule",
                    n.id,
                    format!("{ip}/{key}"),
                    format!("`monthlyOccurrences` in the schedule of `{}` takes day names (Monday … Sunday), found {v}", n.name),
                ),
                None => {}
            }
            if let Some(v) = m.get("occurrence") {
                let i = as_int(v).or_else(|| v.as_str().and_then(|t| t.trim().parse().ok()));
                if !is_expr(v) && !i.is_some_and(|i| (1..=5).contains(&i) || (-5..=-1).contains(&i))
                {
                    s.error(
                        "recurrence-schedule",
                        n.id,
                        format!("{ip}/occurrence"),
                        format!("the occurrence in the schedule of `{}` is {v}; use 1 to 5 (the first to fifth such day) or -1 to -5 (counting from the end of the month)", n.name),
                    );
                }
            }
        }
    }
    for key in ["monthDays", "monthlyOccurrences"] {
        if sch.contains_key(key) && freq.is_some() && freq != Some("Month") {
            s.warning(
                "recurrence-schedule",
                n.id,
                ptr(p, key),
                format!(
                    "`{key}` in the schedule of `{}` applies only when the frequency is Month",
                    n.name
                ),
            );
        }
    }
}

/// `YYYY-MM-DDThh:mm:ss`, optional fraction, then `Z` or nothing.
fn start_time(s: &mut Sink<'_>, n: &Node, v: &Value, p: &str, has_zone: bool) {
    let Value::String(t) = v else {
        s.error(
            "recurrence-start-time",
            n.id,
            p.to_owned(),
            format!(
                "the start time of `{}` must be a string such as \"2024-05-01T08:00:00Z\"",
                n.name
            ),
        );
        return;
    };
    if t.is_empty() || is_wdl_expression(t) || is_arm_expression(t) {
        return;
    }
    let b = t.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| r.clone().all(|i| b.get(i).is_some_and(u8::is_ascii_digit));
    let head_ok = b.len() >= 19
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && (b[10] == b'T' || b[10] == b't')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    let mut rest = if head_ok { &t[19..] } else { t.as_str() };
    if head_ok {
        if let Some(frac) = rest.strip_prefix('.') {
            let k = frac.bytes().take_while(u8::is_ascii_digit).count();
            rest = &frac[k..];
        }
    }
    let z = matches!(rest, "Z" | "z");
    let message = if !head_ok || !(rest.is_empty() || z) {
        if head_ok && (rest.starts_with('+') || rest.starts_with('-')) {
            format!("the start time `{t}` of `{}` has a UTC offset, which the Recurrence trigger does not accept: write the local time with a timeZone, or the UTC time ending in Z", n.name)
        } else {
            format!("the start time `{t}` of `{}` is not in the format YYYY-MM-DDThh:mm:ss (with a timeZone) or YYYY-MM-DDThh:mm:ssZ", n.name)
        }
    } else if !z && !has_zone {
        format!("the start time `{t}` of `{}` has neither a time zone nor a final Z: add \"timeZone\", or end the time with Z for UTC", n.name)
    } else {
        return;
    };
    s.error("recurrence-start-time", n.id, p.to_owned(), message);
}

fn request_trigger(s: &mut Sink<'_>, n: &Node, obj: &Obj) {
    let Some(Value::Object(inputs)) = obj.get("inputs") else {
        return;
    };
    let p = format!("{}/inputs", n.pointer);
    if let Some(m) = inputs.get("method") {
        let ok = match m {
            Value::String(m) => {
                is_wdl_expression(m)
                    || is_arm_expression(m)
                    || m.is_empty()
                    || ["GET", "PUT", "POST", "PATCH", "DELETE"]
                        .iter()
                        .any(|k| k.eq_ignore_ascii_case(m))
            }
            _ => false,
        };
        if !ok {
            s.error(
                "request-trigger",
                n.id,
                ptr(&p, "method"),
                format!("the Request trigger `{}` accepts the method {m}, which is not one of GET, PUT, POST, PATCH, DELETE", n.name),
            );
        }
    }
    if let Some(sch) = inputs.get("schema") {
        if !sch.is_object() && !is_expr(sch) {
            s.error(
                "request-trigger",
                n.id,
                ptr(&p, "schema"),
                format!("the schema of the Request trigger `{}` must be a JSON schema object (use {{}} to accept any body)", n.name),
            );
        }
    }
}

fn duration_field(
    s: &mut Sink<'_>,
    n: &Node,
    v: &Value,
    p: &str,
    code: &'static str,
    what: &str,
) -> Option<f64> {
    match v {
        Value::String(t) if is_wdl_expression(t) || is_arm_expression(t) => None,
        Value::String(t) => match iso_duration_seconds(t.trim()) {
            Some(secs) => Some(secs),
            None => {
                s.error(code, n.id, p.to_owned(), format!("{what} of `{}` is `{t}`, which is not an ISO 8601 duration (PT30S, PT5M, PT1H, P1D)", n.name));
                None
            }
        },
        other => {
            s.error(code, n.id, p.to_owned(), format!("{what} of `{}` must be an ISO 8601 duration string such as PT1H, found {other}", n.name));
            None
        }
    }
}

fn retry_policy(s: &mut Sink<'_>, n: &Node, rp: &Value, p: &str) {
    let Value::Object(rp) = rp else {
        if !is_expr(rp) {
            s.error(
                "retry-policy",
                n.id,
                p.to_owned(),
                format!(
                    "the retry policy of `{}` must be an object with a type",
                    n.name
                ),
            );
        }
        return;
    };
    let ty = match rp.get("type") {
        Some(Value::String(t)) if is_wdl_expression(t) || is_arm_expression(t) => return,
        Some(Value::String(t)) => t.to_ascii_lowercase(),
        _ => {
            s.error(
                "retry-policy",
                n.id,
                p.to_owned(),
                format!(
                    "the retry policy of `{}` has no type: use none, fixed, exponential or default",
                    n.name
                ),
            );
            return;
        }
    };
    if !matches!(ty.as_str(), "none" | "fixed" | "exponential" | "default") {
        s.error(
            "retry-policy",
            n.id,
            ptr(p, "type"),
            format!("the retry policy type `{}` of `{}` is not one of none, fixed, exponential, default", rp["type"].as_str().unwrap_or(""), n.name),
        );
        return;
    }
    if matches!(ty.as_str(), "none" | "default") {
        return;
    }
    match rp.get("count") {
        Some(v) if is_expr(v) => {}
        Some(v) if !as_int(v).is_some_and(|c| (1..=90).contains(&c)) => {
            s.error(
                "retry-policy",
                n.id,
                ptr(p, "count"),
                format!(
                    "the retry count of `{}` is {v}; Logic Apps allows 1 to 90 retries",
                    n.name
                ),
            );
        }
        Some(_) => {}
        None if ty == "fixed" => s.error(
            "retry-policy",
            n.id,
            p.to_owned(),
            format!(
                "the fixed retry policy of `{}` has no count: set how many retries (1 to 90)",
                n.name
            ),
        ),
        None => {}
    }
    let keys: &[&str] = if ty == "fixed" {
        &["interval"]
    } else {
        &["interval", "minimumInterval", "maximumInterval"]
    };
    let mut secs_of: HashMap<&str, f64> = HashMap::new();
    for &k in keys {
        match rp.get(k) {
            Some(v) => {
                let kp = ptr(p, k);
                if let Some(secs) = duration_field(s, n, v, &kp, "retry-policy", &format!("the retry {k}")) {
                    if !(5.0..=86400.0).contains(&secs) {
                        s.error("retry-policy", n.id, kp, format!("the retry {k} of `{}` is {}; Logic Apps allows PT5S to P1D", n.name, v.as_str().unwrap_or("")));
                    } else {
                        secs_of.insert(k, secs);
                    }
                }
            }
            None if ty == "fixed" => s.error("retry-policy", n.id, p.to_owned(), format!("the fixed retry policy of `{}` has no interval: set the wait between retries, e.g. PT30S", n.name)),
            None => {}
        }
    }
    if let (Some(lo), Some(hi)) = (
        secs_of.get("minimumInterval"),
        secs_of.get("maximumInterval"),
    ) {
        if lo > hi {
            s.error(
                "retry-policy",
                n.id,
                ptr(p, "minimumInterval"),
                format!(
                    "the exponential retry policy of `{}` has a minimumInterval ({}) longer than its maximumInterval ({}): the minimum must not exceed the maximum",
                    n.name,
                    rp["minimumInterval"].as_str().unwrap_or(""),
                    rp["maximumInterval"].as_str().unwrap_or("")
                ),
            );
        }
    }
}

fn headers_and_queries(s: &mut Sink<'_>, n: &Node, inputs: &Obj, p: &str) {
    for key in ["headers", "queries"] {
        let Some(v) = inputs.get(key) else { continue };
        let kp = ptr(p, key);
        match v {
            Value::Object(m) => {
                for (name, val) in m {
                    let bad = match (key, val) {
                        (_, Value::String(_) | Value::Null) => false,
                        ("headers", _) => true,
                        (_, Value::Array(_) | Value::Object(_)) => true,
                        _ => false,
                    };
                    if bad {
                        s.warning(
                            "http-headers",
                            n.id,
                            ptr(&kp, name),
                            format!(
                                "the {} `{name}` of `{}` is {}: {} values are sent as text, write it as a string",
                                if key == "headers" { "header" } else { "query parameter" },
                                n.name,
                                crate::workflow::tree::kind_of(val),
                                if key == "headers" { "header" } else { "query" }
                            ),
                        );
                    }
                }
            }
            Value::Null => {}
            other if is_expr(other) => {}
            other => s.error(
                "http-headers",
                n.id,
                kp,
                format!(
                    "the {key} of `{}` must be a JSON object that maps names to values, found {}",
                    n.name,
                    crate::workflow::tree::kind_of(other)
                ),
            ),
        }
    }
}

fn runtime_configuration(
    s: &mut Sink<'_>,
    n: &Node,
    obj: &Obj,
    stateless: bool,
    static_results: Option<&Value>,
) {
    let Some(Value::Object(rc)) = obj
        .get("runtimeConfiguration")
        .or_else(|| obj.get("runTimeConfiguration"))
    else {
        return;
    };
    let rc_key = if obj.contains_key("runtimeConfiguration") {
        "runtimeConfiguration"
    } else {
        "runTimeConfiguration"
    };
    let p = ptr(&n.pointer, rc_key);
    if let Some(Value::Object(c)) = rc.get("concurrency") {
        let cp = ptr(&p, "concurrency");
        for (key, lo, hi) in [
            ("runs", 1, 100),
            ("maximumWaitingRuns", 1, 200),
            ("repetitions", 1, 50),
        ] {
            let Some(v) = c.get(key) else { continue };
            let kp = ptr(&cp, key);
            let placed = match key {
                "repetitions" => n.ty == ActionType::Foreach,
                _ => n.role == Role::Trigger,
            };
            if !placed {
                let where_ = if key == "repetitions" {
                    "a Foreach loop"
                } else {
                    "a trigger"
                };
                s.error(
                    "concurrency",
                    n.id,
                    kp,
                    format!(
                        "`{key}` concurrency applies only to {where_}, but `{}` is a {} {}",
                        n.name,
                        n.type_name,
                        if n.role == Role::Trigger {
                            "trigger"
                        } else {
                            "action"
                        }
                    ),
                );
                continue;
            }
            if is_expr(v) {
                continue;
            }
            if !as_int(v).is_some_and(|i| (lo..=hi).contains(&i)) {
                s.error(
                    "concurrency",
                    n.id,
                    kp,
                    format!(
                        "`{key}` of `{}` is {v}; Logic Apps allows {lo} to {hi}",
                        n.name
                    ),
                );
            }
        }
    }
    if let Some(ct) = rc.get("contentTransfer") {
        let tp = ptr(&ptr(&p, "contentTransfer"), "transferMode");
        match ct.get("transferMode") {
            Some(Value::String(m)) if m.eq_ignore_ascii_case("Chunked") => {
                if !matches!(
                    n.ty,
                    ActionType::Http | ActionType::ApiConnection | ActionType::ServiceProvider
                ) {
                    s.warning("chunked-transfer", n.id, tp, format!("`{}` is a {} {}; chunked transfer is offered by HTTP and some connector actions", n.name, n.type_name, if n.role == Role::Trigger { "trigger" } else { "action" }));
                } else if stateless {
                    s.warning("stateless-unsupported", n.id, tp, format!("`{}` uses chunked transfer, which Stateless workflows do not support: make the workflow Stateful", n.name));
                }
            }
            Some(v) if is_expr(v) => {}
            other => s.error(
                "chunked-transfer",
                n.id,
                tp,
                format!(
                    "the transfer mode of `{}` is {}; the only mode is \"Chunked\"",
                    n.name,
                    other
                        .map(|v| v.to_string())
                        .unwrap_or_else(|| "missing".into())
                ),
            ),
        }
    }
    if let Some(Value::Object(pp)) = rc.get("paginationPolicy") {
        if let Some(v) = pp.get("minimumItemCount") {
            if !is_expr(v) && !as_int(v).is_some_and(|i| (1..=100_000).contains(&i)) {
                s.error("pagination", n.id, ptr(&ptr(&p, "paginationPolicy"), "minimumItemCount"), format!("the pagination threshold of `{}` is {v}; use a whole number from 1 to 100,000", n.name));
            }
        }
    }
    if let Some(Value::Object(sr)) = rc.get("staticResult") {
        let sp = ptr(&p, "staticResult");
        if let Some(Value::String(name)) = sr.get("name") {
            let known = match static_results {
                Some(Value::Object(m)) => m.contains_key(name),
                Some(v) => is_expr(v),
                None => false,
            };
            if !known && !is_wdl_expression(name) && !is_arm_expression(name) {
                s.error("static-result", n.id, ptr(&sp, "name"), format!("`{}` uses the static result `{name}`, but the definition's staticResults has no entry of that name", n.name));
            }
        }
        if let Some(opt) = sr.get("staticResultOptions") {
            let ok = matches!(opt, Value::String(o) if o.eq_ignore_ascii_case("Enabled") || o.eq_ignore_ascii_case("Disabled"))
                || is_expr(opt);
            if !ok {
                s.error(
                    "static-result",
                    n.id,
                    ptr(&sp, "staticResultOptions"),
                    format!(
                        "staticResultOptions of `{}` is {opt}; use \"Enabled\" or \"Disabled\"",
                        n.name
                    ),
                );
            }
        }
    }
}

/// Operation options from the schema reference's table, with the types
/// each applies to (`None`: every trigger).
/// Whether an operation option applies to a trigger or action.
type Applies = fn(&Node) -> bool;

fn documented_option(name: &str) -> Option<(&'static str, Applies)> {
    use ActionType as T;
    let table: [(&'static str, Applies); 6] = [
        ("DisableAsyncPattern", |n| {
            n.role == Role::Action
                && matches!(
                    n.ty,
                    T::Http | T::ApiConnection | T::Response | T::Function | T::Workflow
                )
        }),
        ("IncludeAuthorizationHeadersInOutputs", |n| {
            n.role == Role::Trigger && matches!(n.ty, T::Request | T::HttpWebhook)
        }),
        ("Sequential", |n| n.ty == T::Foreach),
        ("SingleInstance", |n| n.role == Role::Trigger),
        ("SuppressWorkflowHeaders", |n| {
            matches!(
                n.ty,
                T::Http | T::Function | T::ApiManagement | T::HttpWebhook
            )
        }),
        ("SuppressWorkflowHeadersOnResponse", |n| {
            n.role == Role::Trigger && matches!(n.ty, T::Request | T::HttpWebhook)
        }),
    ];
    table
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
}

/// Options seen in real workflows that the schema reference's table does
/// not list: accepted without a placement check.
const OTHER_OPTIONS: &[&str] = &[
    "Asynchronous",
    "FailWhenLimitsReached",
    "EnableSchemaValidation",
    "DisableAutomaticDecompression",
    "IncludeRequestHeadersInOutputs",
];

fn operation_options(s: &mut Sink<'_>, n: &Node, obj: &Obj) {
    let Some(v) = obj.get("operationOptions") else {
        return;
    };
    let p = ptr(&n.pointer, "operationOptions");
    let Value::String(text) = v else {
        s.warning(
            "operation-options",
            n.id,
            p,
            format!(
                "operationOptions of `{}` must be a string (options separated by commas)",
                n.name
            ),
        );
        return;
    };
    if is_wdl_expression(text) || is_arm_expression(text) {
        return;
    }
    let concurrency = obj
        .get("runtimeConfiguration")
        .and_then(|r| r.get("concurrency"));
    for opt in text.split(',').map(str::trim).filter(|o| !o.is_empty()) {
        match documented_option(opt) {
            Some((canon, applies)) => {
                if !applies(n) {
                    s.warning(
                        "operation-options",
                        n.id,
                        p.clone(),
                        format!("the operation option {canon} does not apply to `{}` ({} {}); see the schema reference's table of operation options", n.name, n.type_name, if n.role == Role::Trigger { "trigger" } else { "action" }),
                    );
                }
                let clash = match canon {
                    "Sequential" => concurrency.and_then(|c| c.get("repetitions")).map(|_| "repetitions"),
                    "SingleInstance" => concurrency.and_then(|c| c.get("runs")).map(|_| "runs"),
                    _ => None,
                };
                if let Some(key) = clash {
                    s.error(
                        "operation-options",
                        n.id,
                        p.clone(),
                        format!("`{}` sets both the operation option {canon} and the concurrency `{key}`; Logic Apps refuses both together: keep one", n.name),
                    );
                }
            }
            None if OTHER_OPTIONS.iter().any(|k| k.eq_ignore_ascii_case(opt)) => {}
            None => s.warning(
                "operation-options",
                n.id,
                p.clone(),
                format!("`{opt}` (an operation option of `{}`) is not a documented option: DisableAsyncPattern, IncludeAuthorizationHeadersInOutputs, Sequential, SingleInstance, SuppressWorkflowHeaders, SuppressWorkflowHeadersOnResponse", n.name),
            ),
        }
    }
}

fn description(s: &mut Sink<'_>, id: Option<NodeId>, d: &str, p: &str) {
    let len = d.chars().count();
    if len > MAX_DESCRIPTION {
        s.push(
            Severity::Error,
            "description-length",
            id,
            p.to_owned(),
            format!("this description has {len} characters; Logic Apps allows at most {MAX_DESCRIPTION}"),
        );
    }
}

/// Another Response that runs in parallel with `id` (neither upstream nor
/// downstream of it through run-after, nor waiting on exclusive statuses),
/// at its own level or at the level of any scope that holds it. Linear in
/// the size of those lists. (A Response on a branch parallel to ordinary
/// actions is a common, working pattern: answer early, go on working.)
fn parallel_sibling(
    g: &crate::graph::WorkflowGraph,
    id: NodeId,
    holders: &std::collections::HashSet<NodeId>,
) -> Option<NodeId> {
    let o = &g.outline;
    let mut cur = Some(id);
    while let Some(at) = cur {
        let siblings = o.siblings(at);
        if siblings.len() > 1 {
            let mut linked: std::collections::HashSet<NodeId> = std::collections::HashSet::new();
            linked.insert(at);
            let mut stack = vec![at];
            while let Some(x) = stack.pop() {
                for (p, _) in g.predecessors(x) {
                    if linked.insert(p) {
                        stack.push(p);
                    }
                }
            }
            let mut stack = vec![at];
            while let Some(x) = stack.pop() {
                for q in g.successors(x) {
                    if linked.insert(q) {
                        stack.push(q);
                    }
                }
            }
            if let Some(&other) = siblings
                .iter()
                .find(|&&s| holders.contains(&s) && !linked.contains(&s) && !exclusive(o, at, s))
            {
                return Some(other);
            }
        }
        cur = o.nodes[at].parent.map(|(p, _)| p);
    }
    None
}

/// What must have happened for `id` to run: for each sibling upstream, the
/// statuses it must end with. Followed through actions that must have run
/// (waited on without Skipped). Statuses in lower case.
fn requirements(o: &crate::workflow::tree::Outline, id: NodeId) -> HashMap<NodeId, Vec<String>> {
    let siblings = o.siblings(id);
    let by_name: HashMap<&str, NodeId> = siblings
        .iter()
        .map(|&s| (o.nodes[s].name.as_str(), s))
        .collect();
    let mut req: HashMap<NodeId, Vec<String>> = HashMap::new();
    let mut seen = std::collections::HashSet::new();
    let mut stack = vec![id];
    while let Some(x) = stack.pop() {
        if !seen.insert(x) {
            continue;
        }
        for ra in &o.nodes[x].run_after {
            let Some(&t) = by_name.get(ra.target.as_str()) else {
                continue;
            };
            let st: Vec<String> = if ra.statuses.is_empty() {
                vec!["succeeded".into()]
            } else {
                ra.statuses.iter().map(|v| v.to_ascii_lowercase()).collect()
            };
            let ran = !st.iter().any(|v| v == "skipped");
            match req.get_mut(&t) {
                Some(prev) => prev.retain(|v| st.contains(v)),
                None => {
                    req.insert(t, st);
                }
            }
            if ran {
                stack.push(t);
            }
        }
    }
    req
}

/// True when `a` and `b` need statuses of one same action that cannot both
/// happen (e.g. one runs after it succeeded, the other after it failed):
/// they never both run, so they are not parallel branches.
fn exclusive(o: &crate::workflow::tree::Outline, a: NodeId, b: NodeId) -> bool {
    let (ra, rb) = (requirements(o, a), requirements(o, b));
    ra.iter().any(|(t, sa)| {
        rb.get(t)
            .is_some_and(|sb| !sa.iter().any(|x| sb.contains(x)))
    })
}

/// True when `n` sits inside a Foreach or Until loop, at any depth.
fn in_loop(g: &crate::graph::WorkflowGraph, n: &Node) -> Option<NodeId> {
    let mut cur = n.parent;
    while let Some((p, _)) = cur {
        let pn = &g.outline.nodes[p];
        if matches!(pn.ty, ActionType::Foreach | ActionType::Until) {
            return Some(p);
        }
        cur = pn.parent;
    }
    None
}

fn per_type(
    s: &mut Sink<'_>,
    n: &Node,
    obj: &Obj,
    has_request_trigger: bool,
    response_holders: &std::collections::HashSet<NodeId>,
) {
    let g = s.g;
    let inputs = obj.get("inputs");
    let ip = format!("{}/inputs", n.pointer);
    let inputs_expr = inputs.is_some_and(is_expr);
    match &n.ty {
        ActionType::Until => {
            match obj.get("limit") {
                Some(Value::Object(l)) => {
                    if let Some(c) = l.get("count") {
                        if !is_expr(c) && !as_int(c).is_some_and(|i| (1..=MAX_UNTIL_COUNT).contains(&i)) {
                            s.error("until-limit", n.id, format!("{}/limit/count", n.pointer), format!("the Until loop `{}` has count {c}; Logic Apps allows 1 to {MAX_UNTIL_COUNT} iterations", n.name));
                        }
                    }
                    if let Some(t) = l.get("timeout") {
                        duration_field(s, n, t, &format!("{}/limit/timeout", n.pointer), "until-limit", "the timeout");
                    }
                }
                Some(v) if is_expr(v) => {}
                _ => s.warning("until-limit", n.id, n.pointer.clone(), format!("the Until loop `{}` has no limit; set a count (at most {MAX_UNTIL_COUNT}) and a timeout such as PT1H", n.name)),
            }
            if let Some(e) = obj.get("expression") {
                empty_operands(s, n, e, &ptr(&n.pointer, "expression"));
            }
        }
        ActionType::If => {
            if let Some(e) = obj.get("expression") {
                empty_operands(s, n, e, &ptr(&n.pointer, "expression"));
            }
        }
        ActionType::Foreach => {
            let p = ptr(&n.pointer, "foreach");
            let message = match obj.get("foreach") {
                None | Some(Value::Null) => Some(format!("the Foreach loop `{}` has no `foreach`: set the array to loop over, e.g. @body('Get')?['value']", n.name)),
                Some(Value::String(t)) if t.trim().is_empty() => Some(format!("the Foreach loop `{}` has an empty `foreach`: set the array to loop over", n.name)),
                Some(Value::String(t)) if !is_wdl_expression(t) && !is_arm_expression(t) => Some(format!("the `foreach` of `{}` is the text `{t}`, not an array: use an expression that returns an array", n.name)),
                Some(Value::Number(_) | Value::Bool(_) | Value::Object(_)) => Some(format!("the `foreach` of `{}` must be an array or an expression that returns one", n.name)),
                _ => None,
            };
            if let Some(m) = message {
                s.error("foreach-items", n.id, p, m);
            }
        }
        ActionType::Switch => switch_cases(s, n, obj),
        ActionType::Terminate => terminate(s, n, inputs, &ip),
        ActionType::Compose => {
            let empty = match inputs {
                None | Some(Value::Null) => true,
                Some(Value::String(t)) => t.trim().is_empty(),
                _ => false,
            };
            if empty {
                s.warning("empty-compose", n.id, if inputs.is_some() { ip.clone() } else { n.pointer.clone() }, format!("the Compose action `{}` has no inputs: give it the value to build, or delete it", n.name));
            }
        }
        ActionType::Response if n.role == Role::Action => {
            if !has_request_trigger && !g.outline.triggers.is_empty() {
                s.error("response-without-request", n.id, n.pointer.clone(), format!("`{}` is a Response action, but the workflow has no Request trigger to answer: start the workflow with a Request trigger, or remove the Response", n.name));
            }
            if let Some(other) = parallel_sibling(g, n.id, response_holders) {
                s.warning(
                    "response-parallel",
                    n.id,
                    n.pointer.clone(),
                    format!(
                        "the Response action `{}` runs in parallel with `{}`, which holds a Response: both may run, but a request gets one answer, so the second fails; join the branches, or make them wait on exclusive statuses",
                        n.name, g.outline.nodes[other].name
                    ),
                );
            }
            if let Some(l) = in_loop(g, n) {
                s.error("response-in-loop", n.id, n.pointer.clone(), format!("the Response action `{}` is inside the loop `{}`; Logic Apps does not allow Response inside Foreach or Until loops: move it after the loop", n.name, g.outline.nodes[l].name));
            }
            if let Some(Value::Object(i)) = inputs {
                let ok = match i.get("statusCode") {
                    None => false,
                    Some(v @ Value::Number(_)) => {
                        as_int(v).is_some_and(|c| (100..=599).contains(&c))
                    }
                    Some(Value::String(t)) => {
                        is_wdl_expression(t)
                            || is_arm_expression(t)
                            || t.trim()
                                .parse::<i64>()
                                .is_ok_and(|c| (100..=599).contains(&c))
                    }
                    Some(_) => false,
                };
                if !ok {
                    s.error("response-status", n.id, ptr(&ip, "statusCode"), format!("the Response `{}` needs a statusCode: an HTTP status from 100 to 599 (e.g. 200) or an expression", n.name));
                }
            } else if inputs.is_none() {
                s.error(
                    "response-status",
                    n.id,
                    n.pointer.clone(),
                    format!(
                        "the Response `{}` has no inputs: it needs at least a statusCode",
                        n.name
                    ),
                );
            }
        }
        ActionType::InitializeVariable if n.depth > 1 => {
            s.error("variable-init-scope", n.id, n.pointer.clone(), format!("`{}` initializes a variable inside a scope, condition or loop; Logic Apps allows Initialize variable only at the top level of the workflow: move it out", n.name));
        }
        ActionType::Http => {
            if let Some(Value::Object(i)) = inputs {
                for (key, code) in [("method", "http-method"), ("uri", "http-uri")] {
                    if let Some(
                        v
                        @ (Value::Number(_) | Value::Bool(_) | Value::Array(_) | Value::Object(_)),
                    ) = i.get(key)
                    {
                        s.error(
                            code,
                            n.id,
                            ptr(&ip, key),
                            format!(
                                "the {key} of `{}` must be a string, found {}",
                                n.name,
                                crate::workflow::tree::kind_of(v)
                            ),
                        );
                    }
                }
                if let Some(Value::String(m)) = i.get("method") {
                    let known = [
                        "GET", "PUT", "POST", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE",
                    ]
                    .iter()
                    .any(|k| k.eq_ignore_ascii_case(m));
                    if !known
                        && !m.trim().is_empty()
                        && !is_wdl_expression(m)
                        && !is_arm_expression(m)
                    {
                        s.error("http-method", n.id, ptr(&ip, "method"), format!("the method `{m}` of `{}` is not an HTTP method Logic Apps sends (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS)", n.name));
                    }
                }
            }
        }
        _ => {}
    }
    if !inputs_expr {
        required_inputs(s, n, inputs, &ip);
    }
}

fn empty_operands(s: &mut Sink<'_>, n: &Node, e: &Value, p: &str) {
    let Value::Object(m) = e else { return };
    for (op, v) in m {
        let vp = ptr(p, op);
        match (op.to_ascii_lowercase().as_str(), v) {
            ("and" | "or", Value::Array(items)) => {
                for (i, x) in items.iter().enumerate() {
                    empty_operands(s, n, x, &format!("{vp}/{i}"));
                }
            }
            ("not", x) => empty_operands(s, n, x, &vp),
            (_, Value::Array(operands)) => {
                for (i, x) in operands.iter().enumerate() {
                    if matches!(x, Value::String(t) if t.trim().is_empty()) {
                        s.warning(
                            "empty-condition-operand",
                            n.id,
                            format!("{vp}/{i}"),
                            format!("the condition of `{}` compares an empty value ({op}, operand {}): fill in both sides", n.name, i + 1),
                        );
                    }
                }
            }
            _ => {}
        }
    }
}

fn switch_cases(s: &mut Sink<'_>, n: &Node, obj: &Obj) {
    let Some(Value::Object(cases)) = obj.get("cases") else {
        return;
    };
    let cp = ptr(&n.pointer, "cases");
    if cases.len() > MAX_SWITCH_CASES {
        s.error(
            "switch-cases",
            n.id,
            cp.clone(),
            format!(
                "the Switch `{}` has {} cases; Logic Apps allows at most {MAX_SWITCH_CASES}",
                n.name,
                cases.len()
            ),
        );
    }
    let mut seen: HashMap<String, &str> = HashMap::new();
    for (name, c) in cases {
        let p = ptr(&cp, name);
        let Some(c) = c.as_object() else { continue };
        super::actions::switch_case_actions(s, n, name, c, &p);
        match c.get("case") {
            None | Some(Value::Null) => s.error("switch-cases", n.id, p, format!("the case `{name}` of the Switch `{}` has no `case` value to match", n.name)),
            Some(Value::String(t)) if is_wdl_expression(t) => s.error("switch-cases", n.id, ptr(&p, "case"), format!("the case `{name}` of the Switch `{}` matches the expression `{t}`; case values must be constants (a string or a number)", n.name)),
            Some(Value::String(t)) if is_arm_expression(t) => {}
            Some(v @ (Value::String(_) | Value::Number(_))) => {
                let key = v.to_string();
                if let Some(first) = seen.get(&key) {
                    s.error("switch-cases", n.id, ptr(&p, "case"), format!("the cases `{first}` and `{name}` of the Switch `{}` both match {v}; each case needs a value of its own", n.name));
                } else {
                    seen.insert(key, name.as_str());
                }
            }
            Some(v) => s.error("switch-cases", n.id, ptr(&p, "case"), format!("the case `{name}` of the Switch `{}` matches {v}; case values must be a string or a number", n.name)),
        }
    }
}

fn terminate(s: &mut Sink<'_>, n: &Node, inputs: Option<&Value>, ip: &str) {
    let g = s.g;
    if let Some(l) = in_loop(g, n) {
        s.error("terminate-in-loop", n.id, n.pointer.clone(), format!("the Terminate action `{}` is inside the loop `{}`; Logic Apps does not allow Terminate inside Foreach or Until loops: end the run after the loop", n.name, g.outline.nodes[l].name));
    }
    let Some(Value::Object(i)) = inputs else {
        if inputs.is_none_or(|v| !is_expr(v)) {
            s.error("terminate-status", n.id, n.pointer.clone(), format!("the Terminate action `{}` has no runStatus: set Succeeded, Failed or Cancelled", n.name));
        }
        return;
    };
    let status = match i.get("runStatus") {
        Some(Value::String(t)) if is_wdl_expression(t) || is_arm_expression(t) => return,
        Some(Value::String(t)) => ["Succeeded", "Failed", "Cancelled"].iter().find(|k| k.eq_ignore_ascii_case(t)).copied().or_else(|| {
            s.error("terminate-status", n.id, ptr(ip, "runStatus"), format!("the Terminate action `{}` has runStatus `{t}`; use Succeeded, Failed or Cancelled", n.name));
            None
        }),
        _ => {
            s.error("terminate-status", n.id, ip.to_owned(), format!("the Terminate action `{}` has no runStatus: set Succeeded, Failed or Cancelled", n.name));
            None
        }
    };
    if let Some(err) = i.get("runError") {
        if status.is_some_and(|st| st != "Failed") {
            s.error("terminate-status", n.id, ptr(ip, "runError"), format!("the Terminate action `{}` gives a runError but ends the run as {}; runError applies only when runStatus is Failed", n.name, status.unwrap_or("")));
        } else if let Some(Value::String(m)) = err.get("message") {
            if m.trim().is_empty() {
                s.warning("empty-terminate-message", n.id, format!("{ip}/runError/message"), format!("the Terminate action `{}` fails the run with an empty message: say why the run failed", n.name));
            }
        }
    }
}

/// Inputs each type requires, from the schema reference.
fn required_inputs(s: &mut Sink<'_>, n: &Node, inputs: Option<&Value>, ip: &str) {
    use ActionType as T;
    let get = |path: &[&str]| -> Option<&Value> {
        let mut v = inputs?;
        for k in path {
            if is_expr(v) {
                return Some(v);
            }
            v = v.get(*k)?;
        }
        Some(v)
    };
    let present = |path: &[&str]| match get(path) {
        None | Some(Value::Null) => false,
        Some(Value::String(t)) => !t.trim().is_empty(),
        _ => true,
    };
    let (needed, optional_warn): (Vec<&[&str]>, Vec<&[&str]>) = match &n.ty {
        T::ApiConnection | T::ApiConnectionWebhook => (vec![&["host", "connection"]], vec![]),
        T::Function => {
            if present(&["function", "connectionName"]) {
                (vec![], vec![])
            } else {
                (vec![&["function", "id"]], vec![])
            }
        }
        T::Workflow => (
            vec![&["host", "workflow", "id"]],
            vec![&["host", "triggerName"]],
        ),
        T::ParseJson => (vec![&["content"], &["schema"]], vec![]),
        T::Query => (vec![&["from"], &["where"]], vec![]),
        T::Select => (vec![&["from"], &["select"]], vec![]),
        T::Join => (vec![&["from"]], vec![]),
        T::Table => (vec![&["from"], &["format"]], vec![]),
        T::SetVariable
        | T::IncrementVariable
        | T::DecrementVariable
        | T::AppendToArrayVariable
        | T::AppendToStringVariable => (vec![&["name"]], vec![]),
        T::InitializeVariable => (vec![&["variables"]], vec![]),
        T::ServiceProvider => (
            vec![
                &["serviceProviderConfiguration", "connectionName"],
                &["serviceProviderConfiguration", "operationId"],
                &["serviceProviderConfiguration", "serviceProviderId"],
            ],
            vec![],
        ),
        T::Other(t) => {
            let t = t.to_ascii_lowercase();
            match t.as_str() {
                "xslt" | "liquid" | "xmlvalidation" | "flatfiledecoding" | "flatfileencoding" => {
                    (vec![&["content"]], vec![])
                }
                "sendtobatch" => (
                    vec![&["batchName"], &["host", "workflow", "id"]],
                    vec![&["host", "triggerName"]],
                ),
                _ => (vec![], vec![]),
            }
        }
        _ => (vec![], vec![]),
    };
    for path in needed {
        if !present(path) {
            s.error(
                "missing-input",
                n.id,
                ip.to_owned(),
                format!(
                    "the {} {} `{}` has no inputs.{}: the schema reference lists it as required",
                    n.type_name,
                    if n.role == Role::Trigger {
                        "trigger"
                    } else {
                        "action"
                    },
                    n.name,
                    path.join(".")
                ),
            );
        }
    }
    // Inputs that must be there but may be empty text: Join's separator,
    // the value a variable is set to or appended.
    let must_exist: &[&str] = match &n.ty {
        T::Join => &["joinWith"],
        T::SetVariable | T::AppendToArrayVariable | T::AppendToStringVariable => &["value"],
        _ => &[],
    };
    for key in must_exist {
        if get(&[*key]).is_none() {
            s.error(
                "missing-input",
                n.id,
                ip.to_owned(),
                format!(
                    "the {} action `{}` has no inputs.{key}: the schema reference lists it as required",
                    n.type_name, n.name
                ),
            );
        }
    }
    if n.ty == T::InitializeVariable {
        match get(&["variables"]) {
            Some(Value::Array(vars)) if vars.is_empty() => s.error(
                "missing-input",
                n.id,
                format!("{ip}/variables"),
                format!("the Initialize variable action `{}` declares no variable: add {{\"name\", \"type\", \"value\"}}", n.name),
            ),
            Some(Value::Array(vars)) => {
                for (k, v) in vars.iter().enumerate() {
                    let named = matches!(v.get("name"), Some(Value::String(t)) if !t.trim().is_empty());
                    if !named && !is_expr(v) {
                        s.error(
                            "missing-input",
                            n.id,
                            format!("{ip}/variables/{k}"),
                            format!("variable {} of the Initialize variable action `{}` has no name", k + 1, n.name),
                        );
                    }
                }
            }
            Some(v) if !is_expr(v) && !v.is_null() => s.error(
                "missing-input",
                n.id,
                format!("{ip}/variables"),
                format!("the variables of the Initialize variable action `{}` must be an array of {{\"name\", \"type\", \"value\"}}", n.name),
            ),
            _ => {}
        }
    }
    for path in optional_warn {
        if !present(path) {
            s.warning(
                "missing-input",
                n.id,
                ip.to_owned(),
                format!("the {} action `{}` has no inputs.{}: name the trigger of the workflow it calls", n.type_name, n.name, path.join(".")),
            );
        }
    }
}

/// Variable declarations and the actions that use them.
fn variables(s: &mut Sink<'_>, objects: &[Option<&Obj>]) {
    let g = s.g;
    let o = &g.outline;
    // name → (declared type in lower case, node)
    let mut declared: HashMap<String, (Option<String>, NodeId)> = HashMap::new();
    let mut complete = true;
    for n in o
        .nodes
        .iter()
        .filter(|n| n.ty == ActionType::InitializeVariable)
    {
        let Some(obj) = objects[n.id] else { continue };
        let vp = format!("{}/inputs/variables", n.pointer);
        let Some(Value::Array(vars)) = obj.get("inputs").and_then(|i| i.get("variables")) else {
            complete = false;
            continue;
        };
        for (k, v) in vars.iter().enumerate() {
            let p = format!("{vp}/{k}");
            let Some(name) = v.get("name").and_then(Value::as_str) else {
                complete = false;
                continue;
            };
            if is_wdl_expression(name) || is_arm_expression(name) {
                complete = false;
                continue;
            }
            let ty = match v.get("type") {
                Some(Value::String(t)) if is_arm_expression(t) || is_wdl_expression(t) => None,
                Some(Value::String(t)) => {
                    let lower = t.to_ascii_lowercase();
                    if ["boolean", "integer", "float", "string", "object", "array"]
                        .contains(&lower.as_str())
                    {
                        Some(lower)
                    } else {
                        s.error("variable-type", n.id, format!("{p}/type"), format!("the variable `{name}` has type `{t}`; use boolean, integer, float, string, object or array"));
                        None
                    }
                }
                _ => {
                    s.error("variable-type", n.id, p.clone(), format!("the variable `{name}` has no type: use boolean, integer, float, string, object or array"));
                    None
                }
            };
            if let (Some(t), Some(val)) = (&ty, v.get("value")) {
                let fits = match (t.as_str(), val) {
                    (_, Value::Null) => true,
                    (_, Value::String(x)) if is_wdl_expression(x) || is_arm_expression(x) => true,
                    ("boolean", Value::Bool(_)) => true,
                    ("integer", v) => as_int(v).is_some(),
                    ("float", Value::Number(_)) => true,
                    ("string", Value::String(_)) => true,
                    ("object", Value::Object(_)) => true,
                    ("array", Value::Array(_)) => true,
                    _ => false,
                };
                if !fits {
                    s.warning("variable-type", n.id, format!("{p}/value"), format!("the variable `{name}` is declared {t} but its initial value is {val}; the run would fail when it starts"));
                }
            }
            let key = name.to_ascii_lowercase();
            if let Some((_, first)) = declared.get(&key) {
                s.error("variable-duplicate", n.id, format!("{p}/name"), format!("the variable `{name}` is already initialized by `{}`; initialize each variable once and change it with Set variable", o.nodes[*first].name));
            } else {
                declared.insert(key, (ty, n.id));
            }
        }
    }
    for n in &o.nodes {
        let want: &[&str] = match n.ty {
            ActionType::SetVariable => &[],
            ActionType::IncrementVariable | ActionType::DecrementVariable => &["integer", "float"],
            ActionType::AppendToArrayVariable => &["array"],
            ActionType::AppendToStringVariable => &["string"],
            _ => continue,
        };
        let Some(obj) = objects[n.id] else { continue };
        let Some(Value::Object(i)) = obj.get("inputs") else {
            continue;
        };
        let Some(Value::String(name)) = i.get("name") else {
            continue;
        };
        if is_wdl_expression(name) || is_arm_expression(name) {
            continue;
        }
        let np = format!("{}/inputs/name", n.pointer);
        match declared.get(&name.to_ascii_lowercase()) {
            None if complete => s.error("variable-undeclared", n.id, np, format!("`{}` changes the variable `{name}`, which no Initialize variable action declares: initialize it at the top level first", n.name)),
            None => {}
            Some((Some(t), _)) if !want.is_empty() && !want.contains(&t.as_str()) => s.error(
                "variable-kind",
                n.id,
                np,
                format!("`{}` ({}) works on {} variables, but `{name}` is {t}", n.name, n.type_name, want.join(" or ")),
            ),
            Some(_) => {}
        }
        if n.ty == ActionType::SetVariable {
            if let Some(v) = i.get("value") {
                if reads_variable(v, name) {
                    s.error("variable-self-reference", n.id, format!("{}/inputs/value", n.pointer), format!("`{}` sets the variable `{name}` from its own value; Logic Apps refuses a self reference: use Increment variable, or compute the value in a Compose first", n.name));
                }
            }
        }
    }
}

/// True when some expression in `v` calls `variables('name')`.
fn reads_variable(v: &Value, name: &str) -> bool {
    match v {
        Value::String(t) => {
            if !t.contains('@') {
                return false;
            }
            let Ok(tpl) = crate::expr::parse::parse_string_value(t) else {
                return false;
            };
            tpl.calls().iter().any(|c| {
                c.key == "variables"
                    && c.literal_arg(0)
                        .is_some_and(|(a, _)| a.eq_ignore_ascii_case(name))
            })
        }
        Value::Array(a) => a.iter().any(|x| reads_variable(x, name)),
        Value::Object(m) => m.values().any(|x| reads_variable(x, name)),
        _ => false,
    }
}

fn parameters_and_outputs(s: &mut Sink<'_>, def: &Obj, def_p: &str) {
    let type_of = |v: &Value| -> Option<Result<ParamType, String>> {
        match v.get("type") {
            Some(Value::String(t)) if is_arm_expression(t) || is_wdl_expression(t) => None,
            Some(Value::String(t)) => match ParamType::parse(t) {
                ParamType::Other(o) => Some(Err(format!("`{o}`"))),
                p => Some(Ok(p)),
            },
            Some(other) => Some(Err(other.to_string())),
            None => Some(Err("no type".into())),
        }
    };
    if let Some(Value::Object(params)) = def.get("parameters") {
        let pp = ptr(def_p, "parameters");
        if params.len() > MAX_PARAMETERS {
            s.push(Severity::Error, "too-many-parameters", None, pp.clone(), format!("the definition declares {} parameters; Logic Apps allows at most {MAX_PARAMETERS}: group some into an Object parameter", params.len()));
        }
        for (name, decl) in params {
            let p = ptr(&pp, name);
            let Some(d) = decl.as_object() else { continue };
            if let Some(Value::String(desc)) = d.get("metadata").and_then(|m| m.get("description"))
            {
                description(s, None, desc, &format!("{p}/metadata/description"));
            }
            let ty = match type_of(decl) {
                None => continue,
                Some(Err(found)) => {
                    s.push(Severity::Error, "parameter-type", None, p.clone(), format!("the parameter `{name}` has {}; use String, SecureString, Int, Float, Bool, Array, Object or SecureObject", if found == "no type" { found } else { format!("the type {found}") }));
                    continue;
                }
                Some(Ok(t)) => t,
            };
            let Some(dv) = d.get("defaultValue") else {
                continue;
            };
            if is_expr(dv) || dv.is_null() {
                continue;
            }
            let fits = match ty {
                ParamType::String | ParamType::SecureString => dv.is_string(),
                ParamType::Int => as_int(dv).is_some(),
                ParamType::Float => dv.is_number(),
                ParamType::Bool => dv.is_boolean(),
                ParamType::Array => dv.is_array(),
                ParamType::Object | ParamType::SecureObject => dv.is_object(),
                _ => true,
            };
            let dp = format!("{p}/defaultValue");
            if !fits {
                s.push(Severity::Error, "parameter-default", None, dp, format!("the parameter `{name}` is {ty} but its defaultValue is {dv}; give a default of that type"));
            } else if ty.is_secure()
                && !matches!(dv, Value::String(t) if t.is_empty())
                && !matches!(dv, Value::Object(m) if m.is_empty())
            {
                s.push(Severity::Warning, "parameter-default", None, dp, format!("the secure parameter `{name}` has a default value, which sits in clear in the definition: pass the value at deployment instead"));
            }
        }
    }
    if let Some(Value::Object(outs)) = def.get("outputs") {
        let op = ptr(def_p, "outputs");
        if outs.len() > MAX_OUTPUTS {
            s.push(
                Severity::Error,
                "too-many-parameters",
                None,
                op.clone(),
                format!(
                    "the definition declares {} outputs; Logic Apps allows at most {MAX_OUTPUTS}",
                    outs.len()
                ),
            );
        }
        for (name, decl) in outs {
            let p = ptr(&op, name);
            if is_expr(decl) {
                continue;
            }
            let Some(d) = decl.as_object() else {
                s.push(
                    Severity::Error,
                    "output-type",
                    None,
                    p,
                    format!("the output `{name}` must be an object with type and value"),
                );
                continue;
            };
            if let Some(Err(found)) = type_of(decl) {
                s.push(Severity::Error, "output-type", None, p.clone(), format!("the output `{name}` has {}; use String, Int, Float, Bool, Array, Object (or their secure forms)", if found == "no type" { found } else { format!("the type {found}") }));
            }
            if !d.contains_key("value") {
                s.push(
                    Severity::Error,
                    "output-type",
                    None,
                    p,
                    format!("the output `{name}` has no value"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::iso_duration_seconds as d;

    #[test]
    fn iso_durations() {
        assert_eq!(d("PT30S"), Some(30.0));
        assert_eq!(d("PT1H30M"), Some(5400.0));
        assert_eq!(d("P1D"), Some(86400.0));
        assert_eq!(d("P1DT1S"), Some(86401.0));
        assert_eq!(d("PT0.5S"), Some(0.5));
        assert_eq!(d("P2W"), Some(14.0 * 86400.0));
        for bad in ["", "P", "PT", "30S", "PT1D", "P1H", "1 hour", "PT5", "P1DT"] {
            assert_eq!(d(bad), None, "{bad}");
        }
    }
}
