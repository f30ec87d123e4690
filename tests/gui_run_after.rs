//! The run-after editor on a 1,000-action scope (issue 16): the current
//! predecessors first with their statuses, then a searchable picker that
//! shows a handful of rows, never the action itself nor one that runs
//! after it (that would close a cycle). Driven by accessible names.

mod common;
use common::app::{app_with, at, click, select, type_in};

use egui_kittest::kittest::Queryable;
use serde_json::{json, Map, Value};

const N: usize = 1000;

/// A Scope holding `N` Compose actions `c0`…`c999`, each running after the
/// one before (c0 first in the scope).
fn big_scope() -> Value {
    let mut inner = Map::new();
    for i in 0..N {
        let ra = if i == 0 {
            json!({})
        } else {
            json!({ format!("c{}", i - 1): ["Succeeded"] })
        };
        inner.insert(
            format!("c{i}"),
            json!({"type": "Compose", "inputs": i, "runAfter": ra}),
        );
    }
    json!({
        "$schema": lapis::workflow::DEFINITION_SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": {},
        "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {"schema": {}}}},
        "actions": {"Scope": {"type": "Scope", "actions": Value::Object(inner), "runAfter": {}}},
        "outputs": {}
    })
}

/// How many "Run after …" checkboxes the inspector shows.
fn rows(h: &egui_kittest::Harness<'static, lapis::ui::LapisApp>) -> usize {
    h.query_all_by_label_contains("Run after c").count()
}

#[test]
fn the_picker_on_a_1000_action_scope_shows_few_rows_and_no_cycle() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&big_scope()).unwrap()).unwrap();
    let mut h = app_with(Some(file));
    select(&mut h, "c500");

    // The current predecessor comes first, ticked, with its statuses.
    assert!(h.query_by_label("Run after c499").is_some());
    assert!(h.query_by_label("c499 Succeeded").is_some());
    assert!(h.query_by_label("c499 Failed").is_some());
    // A handful of candidates, not a thousand rows: the nearest above
    // first, and a line saying how many more there are.
    let n = rows(&h);
    assert!(
        (2..=1 + lapis::ui::inspector::settings::PICKER_ROWS).contains(&n),
        "{n} rows"
    );
    assert!(h.query_by_label("Run after c498").is_some());
    assert!(h
        .query_by_label_contains("more: type part of a name")
        .is_some());

    // Nothing downstream is offered (c501…c999 run after c500), nor c500.
    type_in(&mut h, "Search actions to run after", "c50");
    assert!(h.query_by_label("Run after c501").is_none());
    assert!(h.query_by_label("Run after c500").is_none());
    assert!(h.query_by_label("Run after c50").is_some());
    type_in(&mut h, "Search actions to run after", "1");
    // "c501" is downstream: no match at all.
    assert!(h.query_by_label("Run after c501").is_none());
    assert!(h
        .query_by_label_contains("No action here is named like")
        .is_some());

    // Searching finds one far up; ticking it adds it with Succeeded.
    common::app::replace(&mut h, "Search actions to run after", "c123");
    assert_eq!(rows(&h), 2, "c499 and c123");
    click(&mut h, "Run after c123");
    assert_eq!(
        at(&h, "/actions/Scope/actions/c500/runAfter"),
        Some(json!({"c499": ["Succeeded"], "c123": ["Succeeded"]}))
    );
    // It now shows among the predecessors, with its statuses.
    click(&mut h, "c123 Failed");
    assert_eq!(
        at(&h, "/actions/Scope/actions/c500/runAfter/c123"),
        Some(json!(["Succeeded", "Failed"]))
    );
    // Unticking a predecessor removes it.
    click(&mut h, "Run after c499");
    assert_eq!(
        at(&h, "/actions/Scope/actions/c500/runAfter"),
        Some(json!({"c123": ["Succeeded", "Failed"]}))
    );
}
