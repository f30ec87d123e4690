//! `cargo bench --bench hostile`: hostile inputs that must stay linear.
//!
//! - a 60 MB one-line (minified) Standard workflow.json whose definition
//!   (at the end) is malformed: load, fail, and locate the error;
//! - a 60 MB one-line definition with one action of an unknown type:
//!   load, validate, and locate every problem as `lapis validate` does.
//!
//! Target (issue 15): each under 2 s in a release build.

use lapis::graph::validate::validate_document;
use lapis::workflow::text::{read_source, SpanIndex};
use lapis::workflow::Document;
use serde_json::{json, Map, Value};
use std::hint::black_box;
use std::time::{Duration, Instant};

const TARGET: Duration = Duration::from_secs(2);
const SIZE: usize = 60 * 1024 * 1024;

/// Objects of realistic shape (keys, strings with some non-ASCII, numbers)
/// until the JSON text holds about `bytes` bytes.
fn filler(bytes: usize) -> Value {
    let mut items = Vec::new();
    let mut size = 0;
    let mut i = 0usize;
    while size < bytes {
        let item = json!({
            "id": i,
            "name": format!("item-{i}"),
            "note": "Grüße aus Zürich — ünïcödé text that is long enough to matter",
            "tags": ["a", "b", i % 7],
        });
        size += serde_json::to_string(&item).map(|s| s.len()).unwrap_or(0) + 1;
        items.push(item);
        i += 1;
    }
    Value::Array(items)
}

fn workflow_with_bad_definition() -> Vec<u8> {
    // A Standard workflow.json: `definition` (last) is not an object.
    let mut doc = Map::new();
    doc.insert("kind".into(), json!("Stateful"));
    doc.insert("rows".into(), filler(SIZE));
    doc.insert("definition".into(), json!(5));
    serde_json::to_vec(&Value::Object(doc)).expect("serializes")
}

fn definition_with_bad_type() -> Vec<u8> {
    let mut actions = Map::new();
    let per = SIZE / 400;
    for k in 0..400 {
        actions.insert(
            format!("Compose_{k}"),
            json!({"type": "Compose", "inputs": filler(per), "runAfter": {}}),
        );
    }
    actions.insert(
        "Bad".into(),
        json!({"type": "NoSuchType", "inputs": {}, "runAfter": {}}),
    );
    let doc = json!({
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "contentVersion": "1.0.0.0",
        "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {}}},
        "actions": actions,
        "outputs": {}
    });
    serde_json::to_vec(&doc).expect("serializes")
}

fn report(name: &str, bytes: usize, took: Duration, what: &str) -> bool {
    let ok = took < TARGET;
    println!(
        "{name:<34} {:>6.1} MB {:>9.3} s   < {} s {}   {what}",
        bytes as f64 / 1048576.0,
        took.as_secs_f64(),
        TARGET.as_secs(),
        if ok { "ok" } else { "MISSED" }
    );
    ok
}

fn main() {
    println!("lapis hostile-input benchmark (release build)");
    let mut ok = true;

    let bytes = workflow_with_bad_definition();
    let t = Instant::now();
    let err = Document::from_bytes(&bytes, None).expect_err("the definition is not an object");
    let took = t.elapsed();
    let shown = err.to_string();
    ok &= report(
        "load error, one line",
        bytes.len(),
        took,
        &shown[..shown.len().min(60)],
    );

    let bytes = definition_with_bad_type();
    let t = Instant::now();
    let source = read_source(&bytes).expect("decodes");
    let doc = Document::from_source(&source, None).expect("loads");
    let loaded = t.elapsed();
    let problems = validate_document(&doc, 0).expect("validates");
    let validated = t.elapsed();
    let index = SpanIndex::new(&source.json);
    let located: Vec<(usize, usize)> = problems.iter().map(|p| index.locate(&p.pointer)).collect();
    let took = t.elapsed();
    black_box(&located);
    let first = problems
        .iter()
        .zip(&located)
        .find(|(p, _)| p.action.as_deref() == Some("Bad"))
        .map(|(p, (l, c))| format!("{l}:{c} {}", p.code))
        .unwrap_or_else(|| format!("{} problems, none on Bad", problems.len()));
    ok &= report("validate + locate, one line", bytes.len(), took, &first);
    println!(
        "  of which: load {:.3} s, validate {:.3} s, index + locate {:.3} s",
        loaded.as_secs_f64(),
        (validated - loaded).as_secs_f64(),
        (took - validated).as_secs_f64()
    );
    // The same text with its line breaks: one-line costs the same.
    let pretty =
        serde_json::to_vec_pretty(&serde_json::from_slice::<Value>(&bytes).expect("parses"))
            .expect("serializes");
    let text = String::from_utf8(pretty).expect("UTF-8");
    let t = Instant::now();
    let index = SpanIndex::new(&text);
    black_box(index.locate("/actions/Bad/type"));
    println!(
        "  index + locate, same content pretty-printed ({:.1} MB): {:.3} s",
        text.len() as f64 / 1048576.0,
        t.elapsed().as_secs_f64()
    );

    if !ok {
        println!("at least one target was missed");
    }
}
