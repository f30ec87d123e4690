//! `cargo bench --bench wftest`: `lapis test` on 200 tests of a 50-action
//! workflow finishes in < 5 s on 2 cores (issue 19). Prints its own figures:
//! loading the test files, running all cases on 2 threads, and the whole
//! `lapis test` command (discovery, load, run, report) through the library
//! the binary uses.

use lapis::wftest::{self, report, runner};
use serde_json::{json, Map, Value};
use std::path::Path;
use std::time::{Duration, Instant};

/// 50 actions (nested ones included): an Http call (mocked in the tests), a Foreach over its body
/// with a Compose and a variable inside, a Condition, and a chain of
/// Compose / variable actions; a handler on failure; a Response.
fn workflow() -> Value {
    let mut actions = Map::new();
    actions.insert(
        "Init".into(),
        json!({"type": "InitializeVariable", "runAfter": {}, "inputs": {"variables": [{"name": "count", "type": "integer", "value": 0}]}}),
    );
    actions.insert(
        "Get_orders".into(),
        json!({"type": "Http", "runAfter": {"Init": ["Succeeded"]}, "inputs": {"method": "GET", "uri": "https://orders.contoso.invalid/api/orders"}}),
    );
    actions.insert(
        "Each_order".into(),
        json!({"type": "Foreach", "foreach": "@body('Get_orders')?['value']", "runAfter": {"Get_orders": ["Succeeded"]},
               "actions": {
                   "Shape": {"type": "Compose", "runAfter": {}, "inputs": {"id": "@items('Each_order')?['id']", "n": "@length(string(items('Each_order')))"}},
                   "Count": {"type": "IncrementVariable", "runAfter": {"Shape": ["Succeeded"]}, "inputs": {"name": "count", "value": 1}}
               }}),
    );
    actions.insert(
        "Handle".into(),
        json!({"type": "Compose", "runAfter": {"Get_orders": ["Failed", "TimedOut"]}, "inputs": "failed"}),
    );
    let mut prev = "Each_order".to_owned();
    // 6 actions so far (2 inside the loop): 40 more in the chain, then a
    // Condition with one action in each branch and the Response = 50.
    for i in 0..40 {
        let name = format!("Step_{i}");
        let a = if i % 2 == 0 {
            json!({"type": "Compose", "runAfter": {prev.clone(): ["Succeeded"]},
                   "inputs": {"i": i, "count": "@variables('count')", "text": "@{concat('step-', string(variables('count')))}"}})
        } else {
            json!({"type": "IncrementVariable", "runAfter": {prev.clone(): ["Succeeded"]}, "inputs": {"name": "count", "value": 1}})
        };
        actions.insert(name.clone(), a);
        prev = name;
    }
    actions.insert(
        "Many".into(),
        json!({"type": "If", "runAfter": {prev.clone(): ["Succeeded"]},
               "expression": {"and": [{"greater": ["@variables('count')", 30]}]},
               "actions": {"Say_many": {"type": "Compose", "runAfter": {}, "inputs": "many"}},
               "else": {"actions": {"Say_few": {"type": "Compose", "runAfter": {}, "inputs": "few"}}}}),
    );
    actions.insert(
        "Reply".into(),
        json!({"type": "Response", "runAfter": {"Many": ["Succeeded"]},
               "inputs": {"statusCode": 200, "body": {"count": "@variables('count')"}}}),
    );
    json!({
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "contentVersion": "1.0.0.0",
        "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {"schema": {}}}},
        "actions": actions,
        "outputs": {}
    })
}

fn count_actions(v: &Value) -> usize {
    let mut n = 0;
    if let Some(Value::Object(m)) = v.get("actions") {
        for a in m.values() {
            n += 1 + count_actions(a);
            if let Some(e) = a.get("else") {
                n += count_actions(e);
            }
        }
    }
    n
}

/// 200 cases over 10 files: orders from 0 to 9, a failing call now and then.
fn write_tests(dir: &Path) {
    for f in 0..10 {
        let mut cases = Vec::new();
        for c in 0..20 {
            let k = f * 20 + c;
            let orders = k % 10;
            let fail = k % 17 == 0;
            let value: Vec<Value> = (0..orders).map(|i| json!({"id": i, "k": k})).collect();
            let mock = if fail {
                json!({"status": "Failed", "outputs": {"statusCode": 502}, "error": {"code": "BadGateway", "message": "connector"}})
            } else {
                json!({"status": "Succeeded", "outputs": {"statusCode": 200, "body": {"value": value}}})
            };
            // 20 increments in the chain (odd steps), one per order.
            let count = orders + 20;
            let expect = if fail {
                json!({"actions": {"Get_orders": {"status": "Failed"}, "Handle": {"status": "Succeeded"}, "Each_order": {"notRun": true}}, "response": null})
            } else {
                json!({
                    "status": "Succeeded",
                    "actions": {
                        "Each_order": {"status": "Succeeded", "iterations": orders},
                        "Handle": {"notRun": true},
                        "Step_38": {"outputs": {"/count": count - 1, "/text": {"regex": "^step-\\d+$"}}},
                        "Say_few": {"status": "Succeeded"},
                        "Say_many": {"notRun": true}
                    },
                    "response": {"status": 200, "body": {"/count": count, "": {"schema": {"type": "object", "required": ["count"]}}}}
                })
            };
            cases.push(json!({"name": format!("case {k}"), "mocks": {"Get_orders": mock}, "expect": expect}));
        }
        let file = json!({"workflow": "flow.json", "tests": cases});
        std::fs::write(
            dir.join(format!("flow.{f}.lapistest.json")),
            serde_json::to_string_pretty(&file).unwrap(),
        )
        .unwrap();
    }
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let wf = workflow();
    let n_actions = count_actions(&wf);
    std::fs::write(
        dir.path().join("flow.json"),
        serde_json::to_string_pretty(&wf).unwrap(),
    )
    .unwrap();
    write_tests(dir.path());
    let mut totals = Vec::new();
    let mut runs = Vec::new();
    let mut loads = Vec::new();
    let mut last = None;
    for _ in 0..5 {
        let t0 = Instant::now();
        let found = wftest::discover(&[dir.path().to_path_buf()]).unwrap();
        let files: Vec<_> = found.iter().map(|p| wftest::load(p).unwrap()).collect();
        let t1 = Instant::now();
        let results = runner::run_all(&files, None, 2);
        let t2 = Instant::now();
        let text = report::text(&results);
        let xml = report::junit(&results);
        let t3 = Instant::now();
        loads.push(t1 - t0);
        runs.push(t2 - t1);
        totals.push(t3 - t0);
        assert!(!xml.is_empty());
        last = Some((report::totals(&results), text));
    }
    let (t, text) = last.unwrap();
    if t.passed != t.tests {
        eprintln!("{text}");
    }
    let med = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let worst = *totals.iter().max().unwrap();
    println!(
        "wftest: {} tests of a {n_actions}-action workflow on 2 threads: {} passed, {} failed, {} errors",
        t.tests, t.passed, t.failed, t.errors
    );
    println!("  discover + load: median {:?}", med(&mut loads));
    println!("  run all cases:   median {:?}", med(&mut runs));
    println!(
        "  whole (discover, load, run, text + JUnit report): median {:?}, worst {:?}  (target < 5 s)",
        med(&mut totals),
        worst
    );
    println!(
        "  {}",
        if worst < Duration::from_secs(5) {
            "OK"
        } else {
            "SLOWER THAN TARGET"
        }
    );
}
