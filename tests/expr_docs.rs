//! The reference's documented examples and the reading of expression
//! strings (`tables/docs_examples.rs`), evaluated as a run would.

use lapis::expr::eval::{eval_str, Context};
use serde_json::Value;

/// `(function, expression, Ok(result JSON) or Err(part of the error))`.
pub type Case = (
    &'static str,
    &'static str,
    Result<&'static str, &'static str>,
);

#[path = "tables/docs_examples.rs"]
mod docs_examples;

const ITEMS: &str = "<?xml version=\"1.0\"?>\n<produce>\n  <item>\n    <name>Gala</name>\n    <type>apple</type>\n    <count>20</count>\n  </item>\n  <item>\n    <name>Honeycrisp</name>\n    <type>apple</type>\n    <count>10</count>\n  </item>\n</produce>";

/// The run the examples talk about: the `Get_user` action, the `items`
/// XML, the `numItems` variable, the loops and the forms they name.
fn docs_context(now: &str) -> Context {
    let items_with = |first: &str, second: &str| {
        ITEMS
            .replacen("<name>Gala", &format!("<name{first}>Gala"), 1)
            .replacen("<name>Honeycrisp", &format!("<name{second}>Honeycrisp"), 1)
    };
    let compose1 = serde_json::json!([
        {"ID": 1, "Name": "James"}, {"ID": 2, "Name": "John"}, {"ID": 3, "Name": "Sam"}
    ]);
    let ctx = serde_json::json!({
        "now": now,
        "parameters": {
            "fullName": "Sophia Owen",
            "myBirthMonth": "January",
            "myAge": 42,
            "customer": {"name": "Contoso"},
            "items": ITEMS,
            "itemsExpired": items_with(" expired='true'", " expired='false'"),
            "itemsOneExpired": items_with(" expired='true'", ""),
            "itemsPrice": items_with(" expired='true' price='12'", " expired='false' price='40'"),
            "num": 5,
            "big": 1E+20,
            "obj": {"Name": "Ada", "n": null, "arr": [1, 2, 3], "nested": {"Key": "v"}}
        },
        "variables": {"numItems": 20},
        "triggerOutputs": {
            "headers": {"Content-Type": "application/x-www-form-urlencoded"},
            "body": {"$content-type": "application/x-www-form-urlencoded",
                     "$content": "ZmVlZFVybD1odHRwcyUzQSUyRiUyRmZlZWRzLmEuZGouY29tJTJGcnNzJTJGUlNTTWFya2V0c01haW4ueG1s",
                     "$formdata": [{"key": "feedUrl", "value": "https://feeds.a.dj.com/rss/RSSMarketsMain.xml"}]}
        },
        "actions": {
            "Get_user": {"status": "Succeeded", "outputs": {
                "statusCode": 200,
                "headers": {"Content-Type": "application/json; charset=utf-8"},
                "body": {"FullName": "Contoso Corporation", "Id": 283541717, "UserName": "ContosoInc", "status": "Succeeded"}}},
            "Http": {"status": "Succeeded", "outputs": {"statusCode": 200, "headers": {},
                "body": "<?xml version=\"1.0\"?><file xmlns=\"https://contoso.com\"><location>Paris</location></file>"}},
            "Send_an_email": {"status": "Succeeded", "outputs": {"statusCode": 200, "headers": {},
                "body": {"$content-type": "application/x-www-form-urlencoded",
                         "$content": "U3ViamVjdD1IZWxsbyt3b3JsZA==",
                         "$formdata": [{"key": "Subject", "value": "Hello world"}]}}},
            "Compose1": {"status": "Succeeded", "outputs": compose1},
            "HTTP": {"status": "Succeeded", "outputs": {"statusCode": 200, "headers": {}, "body": ""}}
        },
        "action": {"name": "Compose", "status": "Succeeded", "outputs": {"body": {"id": 7}}},
        "scopes": {"For_each": ["HTTP"]},
        "loops": [
            {"name": "Until_Max_Increment", "item": null, "index": 2},
            {"name": "myForEachLoopName", "item": {"body": "Meeting at noon"}, "index": 0}
        ],
        "callbackUrl": "https://prod-01.westus.logic.azure.com:443/workflows/1/triggers/manual/run?api-version=2016-10-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=x",
        "workflow": {"name": "orders", "run": {"name": "08584"}}
    });
    Context::from_json(&ctx.to_string()).expect("the examples' context is valid")
}

/// Numbers compare by value and type (`3` is not `3.0`), objects ignore
/// key order.
fn same(a: &Value, b: &Value) -> bool {
    let is_int = |n: &serde_json::Number| !n.to_string().contains(['.', 'e', 'E']);
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => is_int(x) == is_int(y) && x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// Runs the rows; `whole` rows are JSON string values as written, the
/// others bare expressions (an `@` is put before them).
fn run(rows: &[Case], ctx: &Context, whole: bool) -> Vec<String> {
    let mut bad = Vec::new();
    for (name, expression, expected) in rows {
        let text = if whole {
            expression.to_string()
        } else {
            format!("@{expression}")
        };
        match (expected, eval_str(&text, ctx)) {
            (Ok(want), Ok(got)) => {
                let want: Value = serde_json::from_str(want).expect("the rows' results are JSON");
                if !same(&want, &got) {
                    bad.push(format!("{name}: {text}: expected {want}, got {got}"));
                }
            }
            (Ok(want), Err(e)) => {
                bad.push(format!("{name}: {text}: expected {want}, got error {e}"))
            }
            (Err(part), Ok(got)) => bad.push(format!(
                "{name}: {text}: expected an error ({part}), got {got}"
            )),
            (Err(part), Err(e)) => {
                if !e.message.contains(part) {
                    bad.push(format!(
                        "{name}: {text}: expected an error with {part:?}, got {e}"
                    ));
                }
            }
        }
    }
    bad
}

fn check(rows: &[Case], now: &str, whole: bool) {
    let bad = run(rows, &docs_context(now), whole);
    assert!(
        bad.is_empty(),
        "{} of {} rows differ:\n{}",
        bad.len(),
        rows.len(),
        bad.join("\n")
    );
}

#[test]
fn documented_examples() {
    check(docs_examples::DOCS, "2018-03-01T00:00:00Z", false);
}

#[test]
fn documented_examples_in_february() {
    check(docs_examples::DOCS_FEBRUARY, "2018-02-01T00:00:00Z", false);
}

#[test]
fn documented_utc_now_formats() {
    check(
        docs_examples::DOCS_UTC_NOW,
        "2025-09-25T05:18:31.3384797Z",
        false,
    );
}

#[test]
fn expression_strings_and_operators() {
    check(docs_examples::SEMANTICS, "2018-03-01T00:00:00Z", true);
}

#[test]
fn every_row_names_a_function_of_the_registry() {
    let known: std::collections::HashSet<String> = lapis::expr::registry::FUNCTIONS
        .iter()
        .map(|f| f.name.to_ascii_lowercase())
        .collect();
    for rows in [
        docs_examples::DOCS,
        docs_examples::DOCS_FEBRUARY,
        docs_examples::DOCS_UTC_NOW,
    ] {
        for (name, _, _) in rows {
            assert!(
                known.contains(&name.to_ascii_lowercase()),
                "{name} is not a function"
            );
        }
    }
}

/// Key order, which the rows above do not compare: `setProperty` moves the
/// property it sets to the end (keeping its spelling), `addProperty` adds
/// at the end, as runs show.
#[test]
fn set_property_moves_the_property_to_the_end() {
    let ctx = docs_context("2018-03-01T00:00:00Z");
    let text = |e: &str| {
        eval_str(e, &ctx)
            .map(|v| v.to_string())
            .unwrap_or_else(|e| panic!("{e}"))
    };
    assert_eq!(
        text(r#"@setProperty(json('{"a":1,"b":2,"c":3,"d":4}'), 'c', 999)"#),
        r#"{"a":1,"b":2,"d":4,"c":999}"#
    );
    assert_eq!(
        text(r#"@setProperty(json('{"AaA": 1, "aAa": 2}'), 'AAA', 5)"#),
        r#"{"aAa":2,"AaA":5}"#
    );
    assert_eq!(
        text(r#"@addProperty(json('{"a":1,"b":2,"d":4}'), 'c', 3)"#),
        r#"{"a":1,"b":2,"d":4,"c":3}"#
    );
}
