//! `cargo bench --bench call`: what a test call costs over the raw HTTP
//! exchange, against the project's sandbox on loopback.
//!
//! 1. The whole command: `lapis call FILE --action A --format json` next to
//!    `curl` for the same GET of the demo API, each a fresh process, as a
//!    user runs them. Reported as medians and their ratio.
//! 2. In process: `invoke::call` of a prepared request next to the bare
//!    transport exchange (the "few milliseconds over the raw exchange"
//!    target of DESIGN.md), and a call with a cached Entra token through
//!    the App Proxy front.

use lapis::invoke::token::TokenCache;
use lapis::invoke::transport::{self, HttpRequest, NetConfig};
use lapis::invoke::{self, prepare, CallOptions};
use lapis::sandbox::{Config, Sandbox, DEMO_CLIENT_SECRET};
use lapis::secrets::{Secret, SecretStore};
use lapis::workflow::Document;
use std::process::Command;
use std::time::{Duration, Instant};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn p99(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * 0.99).round() as usize]
}

fn time_process(cmd: &mut Command) -> Duration {
    let t = Instant::now();
    let out = cmd.output().expect("the process runs");
    let d = t.elapsed();
    assert!(
        out.status.success(),
        "{:?} failed: {}",
        cmd,
        String::from_utf8_lossy(&out.stderr)
    );
    d
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sb = rt
        .block_on(Sandbox::start(Config::demo()))
        .expect("sandbox");
    let dir = tempfile::tempdir().unwrap();
    let files = sb.write_files(dir.path()).unwrap();
    let url = format!("{}/api/status", sb.api_url);

    println!("lapis call benchmark, against the sandbox on loopback");
    println!();
    println!("## Whole commands, fresh process each (GET {url})");
    let runs = 40;
    let lapis = env!("CARGO_BIN_EXE_lapis");
    let mut lapis_cmd = Command::new(lapis);
    lapis_cmd
        .args(["call"])
        .arg(&files.workflow)
        .args(["--action", "No_auth_direct", "--format", "json"])
        .env("LAPIS_NO_KEYCHAIN", "1");
    let mut curl_cmd = Command::new("curl");
    // Both straight to loopback, whatever proxy the machine has set.
    curl_cmd.args(["-s", "-o", "/dev/null", "--fail", "--noproxy", "*", &url]);
    for c in [&mut lapis_cmd, &mut curl_cmd] {
        for v in [
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "http_proxy",
            "https_proxy",
            "ALL_PROXY",
            "all_proxy",
        ] {
            c.env_remove(v);
        }
    }
    let have_curl = Command::new("curl").arg("--version").output().is_ok();
    for _ in 0..5 {
        time_process(&mut lapis_cmd);
        if have_curl {
            time_process(&mut curl_cmd);
        }
    }
    let (mut l, mut c) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        l.push(time_process(&mut lapis_cmd));
        if have_curl {
            c.push(time_process(&mut curl_cmd));
        }
    }
    println!("| command | runs | median | p99 |");
    println!("|---|---|---|---|");
    let lm = median(l.clone());
    println!(
        "| lapis call | {runs} | {:.2} ms | {:.2} ms |",
        ms(lm),
        ms(p99(l))
    );
    if have_curl {
        let cm = median(c.clone());
        println!(
            "| curl | {runs} | {:.2} ms | {:.2} ms |",
            ms(cm),
            ms(p99(c))
        );
        println!();
        println!("ratio lapis call / curl (medians): {:.2}", ms(lm) / ms(cm));
    } else {
        println!("(curl is not installed: no ratio)");
    }

    println!();
    println!("## In process");
    let store = SecretStore::without_keychain();
    store.set("clientSecret", Secret::new(DEMO_CLIENT_SECRET));
    let doc = Document::from_value(sb.sample_workflow()).unwrap();
    let resolved = prepare::parameter_values(doc.definition(0), None, &[], &store).unwrap();
    let options = CallOptions::default();
    let cache = TokenCache::new();
    let direct = prepare::prepare(&doc, 0, "No_auth_direct", &resolved, &store).unwrap();
    let proxied = prepare::prepare(&doc, 0, "Get_status", &resolved, &store).unwrap();
    let req = HttpRequest {
        method: "GET".into(),
        url: url::Url::parse(&url).unwrap(),
        headers: vec![],
        body: vec![],
    };
    let net = NetConfig::default();
    let n = 300;
    let (mut raw, mut full, mut tok) = (Vec::new(), Vec::new(), Vec::new());
    rt.block_on(async {
        // Warm up, and fill the token cache.
        for _ in 0..20 {
            transport::send(&req, &net).await.expect("raw exchange");
            invoke::call(&direct, &options, &cache).await;
            invoke::call(&proxied, &options, &cache).await;
        }
    });
    let tokens_before = sb.stats.snapshot().token_requests;
    rt.block_on(async {
        for _ in 0..n {
            let t = Instant::now();
            transport::send(&req, &net).await.expect("raw exchange");
            raw.push(t.elapsed());
            let t = Instant::now();
            let o = invoke::call(&direct, &options, &cache).await;
            full.push(t.elapsed());
            assert!(o.is_success());
            let t = Instant::now();
            let o = invoke::call(&proxied, &options, &cache).await;
            tok.push(t.elapsed());
            assert!(o.is_success() && o.token.as_ref().is_some_and(|t| t.cached));
        }
    });
    println!("| what | runs | median | p99 |");
    println!("|---|---|---|---|");
    let rm = median(raw.clone());
    let fm = median(full.clone());
    println!(
        "| raw exchange (transport::send) | {n} | {:.3} ms | {:.3} ms |",
        ms(rm),
        ms(p99(raw))
    );
    println!(
        "| invoke::call, no auth | {n} | {:.3} ms | {:.3} ms |",
        ms(fm),
        ms(p99(full))
    );
    println!(
        "| invoke::call, cached Entra token, via App Proxy front | {n} | {:.3} ms | {:.3} ms |",
        ms(median(tok.clone())),
        ms(p99(tok))
    );
    println!();
    println!(
        "overhead of a call over the raw exchange (medians): {:.3} ms; token requests during the timed runs: {}",
        ms(fm) - ms(rm),
        sb.stats.snapshot().token_requests - tokens_before
    );
}
