//! Validation scales with the size of the workflow (issue 15): linear-ish
//! time, and no recursion that grows with the workflow, so a run-after
//! chain or cycle of 100,000 actions neither overflows the stack nor takes
//! quadratic time. The workflows are generated here; the time bounds are
//! loose (a debug build on a busy machine) and only catch quadratic
//! behaviour, the figures come from `cargo bench --bench core`.

use lapis::graph::validate::{validate_document, Problem};
use lapis::workflow::Document;
use serde_json::{json, Map, Value};
use std::time::{Duration, Instant};

fn definition(actions: Map<String, Value>) -> Value {
    json!({
        "$schema": lapis::workflow::DEFINITION_SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": {},
        "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {"schema": {}}}},
        "actions": Value::Object(actions),
        "outputs": {}
    })
}

fn name(i: usize) -> String {
    format!("a{i}")
}

/// `n` Compose actions, each running after the one before; each reads the
/// first action (a reference that is far upstream for most of them) and
/// its predecessor. With `cycle`, the first runs after the last.
fn chain(n: usize, cycle: bool) -> Value {
    let mut m = Map::new();
    for i in 0..n {
        let run_after = if i > 0 {
            json!({ name(i - 1): ["Succeeded"] })
        } else if cycle {
            json!({ name(n - 1): ["Succeeded"] })
        } else {
            json!({})
        };
        let inputs = if i > 1 {
            json!(format!("@concat(body('a0'), body('{}'))", name(i - 1)))
        } else {
            json!("x")
        };
        m.insert(
            name(i),
            json!({"type": "Compose", "inputs": inputs, "runAfter": run_after}),
        );
    }
    definition(m)
}

/// `n` actions in `width` parallel chains joined every `join` rows: each
/// action waits for its chain's previous action, and a join action waits
/// for every chain. Every action reads an action `width * 7` places
/// earlier (upstream) and the last one reads an action of another chain
/// after the last join (not upstream).
fn lattice(n: usize, width: usize, join: usize) -> Value {
    let mut m = Map::new();
    let mut last_join: Option<usize> = None;
    let mut prev: Vec<Option<usize>> = vec![None; width];
    let mut i = 0;
    let mut row = 0;
    while i < n {
        if row > 0 && row % join == 0 {
            let ra: Map<String, Value> = prev
                .iter()
                .flatten()
                .map(|&p| (name(p), json!(["Succeeded"])))
                .collect();
            m.insert(
                name(i),
                json!({"type": "Compose", "inputs": "join", "runAfter": ra}),
            );
            last_join = Some(i);
            prev = vec![Some(i); width];
            i += 1;
            row += 1;
            continue;
        }
        for p in prev.iter_mut() {
            if i >= n {
                break;
            }
            let ra = match p.or(last_join) {
                Some(q) => json!({ name(q): ["Succeeded"] }),
                None => json!({}),
            };
            let inputs = match i.checked_sub(width * 7) {
                Some(back) => json!(format!("@body('{}')", name(back))),
                None => json!("x"),
            };
            m.insert(
                name(i),
                json!({"type": "Compose", "inputs": inputs, "runAfter": ra}),
            );
            *p = Some(i);
            i += 1;
        }
        row += 1;
    }
    definition(m)
}

fn validate_timed(v: Value) -> (Vec<Problem>, Duration) {
    let doc = Document::from_value(v).expect("a generated workflow loads");
    let t = Instant::now();
    let ps = validate_document(&doc, 0).expect("a generated workflow has a workflow shape");
    (ps, t.elapsed())
}

fn codes(ps: &[Problem]) -> Vec<&'static str> {
    let mut c: Vec<&'static str> = ps.iter().map(|p| p.code).collect();
    c.sort_unstable();
    c.dedup();
    c
}

/// Debug builds are some 10-30 times slower than release; these bounds
/// leave room for that and for a loaded machine, and still fail on
/// quadratic behaviour (which takes minutes at these sizes).
const BOUND: Duration = Duration::from_secs(60);

#[test]
fn a_100000_action_chain_validates_without_overflow_in_bounded_time() {
    // Run on a small stack, as a UI worker thread or a test thread would:
    // recursion that grows with the chain would overflow it.
    let h = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| validate_timed(chain(100_000, false)))
        .unwrap();
    let (ps, t) = h.join().expect("validation does not overflow the stack");
    println!("100,000-action chain: {t:?}");
    assert_eq!(
        codes(&ps),
        vec!["too-many-actions"],
        "{:?}",
        &ps[..ps.len().min(5)]
    );
    assert!(t < BOUND, "took {t:?}");
}

#[test]
fn a_100000_action_cycle_is_reported_once_without_overflow() {
    let h = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| validate_timed(chain(100_000, true)))
        .unwrap();
    let (ps, t) = h.join().expect("validation does not overflow the stack");
    println!("100,000-action cycle: {t:?}");
    let cycles: Vec<&Problem> = ps.iter().filter(|p| p.code == "cycle").collect();
    assert_eq!(cycles.len(), 1, "one cycle: {cycles:?}");
    assert!(
        cycles[0].message.contains("`a0`") && cycles[0].message.contains("`a99999`"),
        "{}",
        &cycles[0].message[..200.min(cycles[0].message.len())]
    );
    // In a cycle nothing runs first: every read of another action of the
    // cycle is still upstream through run-after (the cycle is the error).
    assert!(
        !ps.iter().any(|p| p.code == "expr-not-upstream"),
        "{:?}",
        ps.iter().find(|p| p.code == "expr-not-upstream")
    );
    assert!(t < BOUND, "took {t:?}");
}

#[test]
fn a_lattice_of_parallel_chains_validates_in_bounded_time_and_finds_the_bad_read() {
    let mut v = lattice(50_000, 8, 50);
    // One read of an action on another chain, after it: not upstream.
    let actions = v["actions"].as_object_mut().unwrap();
    actions["a100"]["inputs"] = json!("@body('a101')");
    let (ps, t) = validate_timed(v);
    println!("50,000-action lattice: {t:?}");
    let bad: Vec<&Problem> = ps
        .iter()
        .filter(|p| p.code == "expr-not-upstream")
        .collect();
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!(bad[0].action.as_deref(), Some("a100"));
    assert_eq!(codes(&ps), vec!["expr-not-upstream", "too-many-actions"]);
    assert!(t < BOUND, "took {t:?}");
}

#[test]
fn the_generated_50000_action_workflow_validates_in_bounded_time() {
    let v = lapis::synth::generate(50_000, 8);
    let (ps, t) = validate_timed(v);
    println!("synth 50,000 actions: {t:?}, {} problems", ps.len());
    assert!(ps.iter().any(|p| p.code == "too-many-actions"));
    assert!(t < BOUND, "took {t:?}");
}

#[test]
#[ignore]
fn probe() {
    let n: usize = std::env::var("N").unwrap().parse().unwrap();
    let (_, t) = validate_timed(chain(n, false));
    println!("chain {n}: {t:?}");
    let (_, t) = validate_timed(chain(n, true));
    println!("cycle {n}: {t:?}");
    let (_, t) = validate_timed(lattice(n, 8, 50));
    println!("lattice {n}: {t:?}");
    let (_, t) = validate_timed(lapis::synth::generate(n, 8));
    println!("synth {n}: {t:?}");
}
