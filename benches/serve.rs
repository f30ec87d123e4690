//! Load on `lapis serve` (issue 18): a bounded client of the project's own
//! (`lapis::serve::client`, one connection per request) at a fixed
//! concurrency of 32 against a 5-action workflow with SAS checks, for 30 s
//! (`LAPIS_BENCH_SECONDS` to change): throughput and latency percentiles;
//! every answer matched to its request, zero lost or duplicated runs, the
//! history complete. Then the same with 10% of the requests forged (a
//! wrong signature): all refused with 401, no run started for them.
//!
//! `cargo bench --bench serve` prints the figures; nothing here is a timed
//! assert.

use lapis::run::history::History;
use lapis::serve::client::request;
use lapis::serve::server::{self, Config, Server};
use lapis::serve::{KeyKind, KeyStore};
use serde_json::json;
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CONCURRENCY: usize = 32;

fn workflow() -> serde_json::Value {
    json!({
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "contentVersion": "1.0.0.0",
        "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {"method": "POST"}}},
        "actions": {
            "Init": {"type": "InitializeVariable", "runAfter": {},
                "inputs": {"variables": [{"name": "seq", "type": "integer", "value": "@triggerBody()?['seq']"}]}},
            "Double": {"type": "Compose", "inputs": "@mul(variables('seq'), 2)", "runAfter": {"Init": ["Succeeded"]}},
            "Label": {"type": "Compose", "inputs": "@concat('order-', string(variables('seq')))", "runAfter": {"Init": ["Succeeded"]}},
            "Join": {"type": "Compose", "inputs": {"seq": "@variables('seq')", "double": "@outputs('Double')", "label": "@outputs('Label')"},
                "runAfter": {"Double": ["Succeeded"], "Label": ["Succeeded"]}},
            "Response": {"type": "Response", "kind": "Http", "runAfter": {"Join": ["Succeeded"]},
                "inputs": {"statusCode": 200, "body": "@outputs('Join')"}}
        },
        "outputs": {}
    })
}

#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    run_ids: Vec<String>,
    forged_refused: u64,
    errors: Vec<String>,
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn phase(
    name: &str,
    addr: std::net::SocketAddr,
    good: &str,
    forged: &str,
    forged_every: u64,
    seconds: f64,
) -> Tally {
    let seq = Arc::new(AtomicU64::new(0));
    let tally = Arc::new(Mutex::new(Tally::default()));
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let threads: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let (seq, tally) = (seq.clone(), tally.clone());
            let (good, forged) = (good.to_owned(), forged.to_owned());
            std::thread::spawn(move || {
                let mut local = Tally::default();
                while Instant::now() < deadline {
                    let n = seq.fetch_add(1, Ordering::Relaxed);
                    let forge = forged_every > 0 && n % forged_every == 0;
                    let body = format!("{{\"seq\": {n}}}");
                    let t0 = Instant::now();
                    let target = if forge { &forged } else { &good };
                    let r = request(
                        addr,
                        "POST",
                        target,
                        &[("Content-Type", "application/json")],
                        body.as_bytes(),
                        Duration::from_secs(30),
                    );
                    let dt = t0.elapsed();
                    match r {
                        Err(e) => local.errors.push(e),
                        Ok(r) if forge => {
                            if r.status == 401 && r.header("x-ms-workflow-run-id").is_none() {
                                local.forged_refused += 1;
                            } else {
                                local
                                    .errors
                                    .push(format!("forged request answered {}", r.status));
                            }
                        }
                        Ok(r) => {
                            let j = r.json();
                            if r.status != 200 || j["seq"] != n || j["double"] != n * 2 {
                                local
                                    .errors
                                    .push(format!("request {n}: {} {}", r.status, r.body));
                            } else if let Some(id) = r.header("x-ms-workflow-run-id") {
                                local.latencies.push(dt);
                                local.run_ids.push(id.to_owned());
                            } else {
                                local.errors.push(format!("request {n}: no run id"));
                            }
                        }
                    }
                }
                let mut t = tally.lock().unwrap();
                t.latencies.extend(local.latencies);
                t.run_ids.extend(local.run_ids);
                t.forged_refused += local.forged_refused;
                t.errors.extend(local.errors);
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut t = std::mem::take(&mut *tally.lock().unwrap());
    t.latencies.sort();
    let sent = seq.load(Ordering::Relaxed);
    println!(
        "{name}: {sent} requests in {elapsed:.1} s at concurrency {CONCURRENCY}: {} runs ({:.0} runs/s), {} forged refused, {} errors",
        t.run_ids.len(),
        t.run_ids.len() as f64 / elapsed,
        t.forged_refused,
        t.errors.len()
    );
    println!(
        "{name}: latency of accepted requests ms: p50 {:.2}  p90 {:.2}  p99 {:.2}  max {:.2}",
        pct(&t.latencies, 0.5),
        pct(&t.latencies, 0.9),
        pct(&t.latencies, 0.99),
        pct(&t.latencies, 1.0)
    );
    for e in t.errors.iter().take(5) {
        println!("{name}: error: {e}");
    }
    t
}

fn main() {
    let seconds: f64 = std::env::var("LAPIS_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30.0);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("load.json");
    std::fs::write(&file, workflow().to_string()).unwrap();
    let keys = Arc::new(KeyStore::file_only(&dir.path().join("data")));
    let history_path = dir.path().join("data/runs.sqlite");
    let mut config = Config::new(keys.clone(), history_path.clone());
    config.port = 0;
    config.max_runs = CONCURRENCY;
    config.retention = 10_000_000;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let workflows = server::load(std::slice::from_ref(&file)).unwrap();
    let server = rt.block_on(Server::start(config, workflows)).unwrap();
    let base = server.base();
    let wf = &server.workflows()[0];
    let url = server::callback_url(&keys, wf, None, KeyKind::Primary, None, &base).unwrap();
    let good = url.strip_prefix(&base).unwrap().to_owned();
    // A forged signature: well formed, wrong.
    let sig = good.split("sig=").nth(1).unwrap().to_owned();
    let mut fake: Vec<u8> = sig.clone().into_bytes();
    fake[0] = if fake[0] == b'A' { b'B' } else { b'A' };
    let forged = good.replace(&sig, std::str::from_utf8(&fake).unwrap());
    let addr = server.addr();

    let clean = phase("clean", addr, &good, &forged, 0, seconds);
    let mixed = phase("10% forged", addr, &good, &forged, 10, seconds);
    rt.block_on(server.shutdown());

    let history = History::open(&history_path).unwrap();
    let stored: Vec<String> = history
        .list(None)
        .unwrap()
        .into_iter()
        .map(|s| s.run_id)
        .collect();
    let stored_set: HashSet<&String> = stored.iter().collect();
    let answered: Vec<&String> = clean.run_ids.iter().chain(mixed.run_ids.iter()).collect();
    let answered_set: HashSet<&String> = answered.iter().copied().collect();
    let lost = answered_set
        .iter()
        .filter(|id| !stored_set.contains(**id))
        .count();
    let extra = stored_set
        .iter()
        .filter(|id| !answered_set.contains(**id))
        .count();
    println!(
        "history: {} runs stored, {} answered; duplicated run ids {}; lost {}; stored without an accepted request {}",
        stored.len(),
        answered.len(),
        answered.len() - answered_set.len(),
        lost,
        extra
    );
    let ok = clean.errors.is_empty()
        && mixed.errors.is_empty()
        && lost == 0
        && extra == 0
        && answered.len() == answered_set.len()
        && stored.len() == answered.len();
    println!(
        "{}",
        if ok {
            "serve load: OK"
        } else {
            "serve load: FAILED"
        }
    );
    if !ok {
        std::process::exit(1);
    }
}
