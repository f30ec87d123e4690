//! The function tables of `expr_functions.rs` and `expr_datetime.rs`, fed
//! through the whole pipeline: each row is written as an expression string
//! (`@concat('Hello', 'World')`), parsed, dispatched and evaluated, and must
//! give the same answer as the direct call.

use chrono::{TimeZone, Utc};
use lapis::expr::eval::{eval_str, Context};
use serde_json::Value;

/// `(function, arguments as a JSON array, Ok(result JSON) or Err(part of the error))`.
pub type Case = (
    &'static str,
    &'static str,
    Result<&'static str, &'static str>,
);
/// The same shape, under the name the date/time table uses.
pub type Row = Case;

#[path = "tables/datetime.rs"]
mod datetime;
#[path = "tables/functions.rs"]
mod functions;

/// Writes a JSON value as an expression literal that evaluates to it.
fn literal(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("'{}'", s.replace('\'', "''")),
        other => format!("json('{}')", other.to_string().replace('\'', "''")),
    }
}

fn expression(name: &str, args: &Value) -> String {
    let args: Vec<String> = args
        .as_array()
        .map(|a| a.iter().map(literal).collect())
        .unwrap_or_default();
    format!("@{name}({})", args.join(", "))
}

/// Runs every row; returns the mismatches.
fn run(rows: &[Case], ctx: &Context) -> (usize, Vec<String>) {
    let mut bad = Vec::new();
    let mut n = 0;
    for (name, args, expected) in rows {
        let args: Value = serde_json::from_str(args).expect("the table's arguments are JSON");
        let text = expression(name, &args);
        n += 1;
        let got = eval_str(&text, ctx);
        match (expected, got) {
            (Ok(want), Ok(v)) => {
                let want: Value = serde_json::from_str(want).expect("the table's results are JSON");
                if !lapis_json_eq(&want, &v) {
                    bad.push(format!("{text}: expected {want}, got {v}"));
                }
            }
            (Ok(want), Err(e)) => bad.push(format!("{text}: expected {want}, got error {e}")),
            (Err(part), Ok(v)) => bad.push(format!("{text}: expected an error ({part}), got {v}")),
            (Err(part), Err(e)) => {
                // Argument counts are checked before the call, in the
                // evaluator's own words; other errors keep the function's.
                let arity = e.message.contains("argument") || e.message.contains("parameter");
                if !e.message.contains(part) && !arity {
                    bad.push(format!("{text}: expected an error with {part:?}, got {e}"));
                }
                if e.span.end < e.span.start || e.span.end > text.chars().count() {
                    bad.push(format!("{text}: error span {:?} out of the text", e.span));
                }
            }
        }
    }
    (n, bad)
}

/// Numbers compare by value and type: an integer is not a float (`3` is
/// not `3.0`), but `2.50` is `2.5`.
fn lapis_json_eq(a: &Value, b: &Value) -> bool {
    let is_int = |n: &serde_json::Number| !n.to_string().contains(['.', 'e', 'E']);
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => is_int(x) == is_int(y) && x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| lapis_json_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| lapis_json_eq(v, w)))
        }
        _ => a == b,
    }
}

#[test]
fn function_table_through_the_parser() {
    let (n, bad) = run(functions::CASES, &Context::default());
    println!("{n} function rows evaluated as expressions");
    assert!(
        bad.is_empty(),
        "{} of {n} rows differ:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn datetime_table_through_the_parser() {
    let ctx = Context {
        now: Utc.with_ymd_and_hms(2018, 3, 1, 0, 0, 0).single(),
        ..Context::default()
    };
    let (n, bad) = run(datetime::ROWS, &ctx);
    println!("{n} date and time rows evaluated as expressions");
    assert!(
        bad.is_empty(),
        "{} of {n} rows differ:\n{}",
        bad.len(),
        bad.join("\n")
    );
}
