//! `cargo bench --bench run`: the local executor's speed targets (DESIGN.md):
//! a 500-action workflow of Compose and variable actions in < 200 ms, and a
//! Foreach over 10,000 items with concurrency 20 in < 2 s (no network).
//! Prints its own figures (median and worst of several runs). History
//! writes are run history's (`src/run/history.rs`) to add and measure.

use lapis::run::{run, RunOptions, Status, TriggerRequest};
use lapis::workflow::Document;
use serde_json::{json, Map, Value};
use std::time::{Duration, Instant};

/// 500 actions in a chain: a counter, then Compose and IncrementVariable
/// actions in turn, each reading the previous one's output.
fn chain(n: usize) -> Document {
    let mut actions = Map::new();
    actions.insert(
        "Init".into(),
        json!({"type": "InitializeVariable", "runAfter": {}, "inputs": {"variables": [{"name": "count", "type": "integer", "value": 0}]}}),
    );
    let mut prev = "Init".to_owned();
    for i in 1..n {
        let name = format!("A{i}");
        let a = if i % 2 == 0 {
            json!({"type": "IncrementVariable", "runAfter": {prev.clone(): ["Succeeded"]}, "inputs": {"name": "count", "value": 1}})
        } else {
            json!({"type": "Compose", "runAfter": {prev.clone(): ["Succeeded"]},
                   "inputs": {"i": i, "count": "@variables('count')", "text": "@{concat('item-', string(variables('count')))}"}})
        };
        actions.insert(name.clone(), a);
        prev = name;
    }
    doc(Value::Object(actions))
}

fn foreach(items: usize) -> Document {
    doc(json!({
        "Total": {"type": "InitializeVariable", "runAfter": {}, "inputs": {"variables": [{"name": "total", "type": "integer", "value": 0}]}},
        "Loop": {"type": "Foreach", "foreach": format!("@range(0, {items})"), "runAfter": {"Total": ["Succeeded"]},
                 "runtimeConfiguration": {"concurrency": {"repetitions": 20}},
                 "actions": {
                     "Shape": {"type": "Compose", "runAfter": {}, "inputs": {"id": "@item()", "double": "@mul(item(), 2)"}},
                     "Add": {"type": "IncrementVariable", "runAfter": {"Shape": ["Succeeded"]}, "inputs": {"name": "total", "value": "@outputs('Shape')['double']"}}
                 }},
        "Result": {"type": "Compose", "runAfter": {"Loop": ["Succeeded"]}, "inputs": "@variables('total')"}
    }))
}

fn doc(actions: Value) -> Document {
    Document::from_value(json!({
        "triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": actions
    }))
    .expect("workflow")
}

fn measure(
    label: &str,
    target: Duration,
    times: usize,
    d: &Document,
    check: impl Fn(&lapis::run::Run),
) {
    let mut all = Vec::new();
    for _ in 0..times {
        let t = Instant::now();
        let r = run(d, &TriggerRequest::default(), RunOptions::default()).expect("run");
        all.push(t.elapsed());
        assert_eq!(r.status, Status::Succeeded, "{:?}", r.error);
        check(&r);
    }
    all.sort();
    let median = all[all.len() / 2];
    let worst = all[all.len() - 1];
    println!(
        "{label}: median {:.1} ms, worst {:.1} ms (target < {} ms) {}",
        median.as_secs_f64() * 1e3,
        worst.as_secs_f64() * 1e3,
        target.as_millis(),
        if median < target { "OK" } else { "MISSED" }
    );
}

fn main() {
    let d = chain(500);
    measure(
        "500-action Compose/variable chain",
        Duration::from_millis(200),
        9,
        &d,
        |r| {
            assert_eq!(r.actions.len(), 500);
        },
    );
    let d = foreach(10_000);
    let expected: i64 = (0..10_000i64).map(|i| i * 2).sum();
    measure(
        "Foreach of 10,000 items, concurrency 20",
        Duration::from_secs(2),
        5,
        &d,
        |r| {
            assert_eq!(r.action("Result").unwrap().outputs, json!(expected));
        },
    );
}
