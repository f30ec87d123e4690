//! Hostile input (issue 15): error location in one-line files, leftovers of
//! killed saves, expression results past Logic Apps' limits, huge format
//! widths, long name lists, and slow or idle connections to the sandbox.
//! Inputs are generated and small enough for the whole file to run in a few
//! seconds in a debug build.

use lapis::expr::functions::{call, MAX_ITEMS, MAX_TEXT};
use lapis::expr::{eval_str, Context};
use lapis::workflow::text::{write_atomic, SpanIndex};
use lapis::workflow::{stale, Document};
use serde_json::{json, Value};
use std::time::{Duration, SystemTime};

// ------------------------------------------------------- error location

/// A one-line Standard `workflow.json` whose `definition` is not an object,
/// after `pad` characters of other content; the error's expected column.
fn one_line_workflow(pad: usize, filler: char) -> (String, usize) {
    let padding: String = std::iter::repeat_n(filler, pad).collect();
    let head = format!(r#"{{"kind":"Stateful","note":"{padding}","#);
    let at = head.chars().count() + 1;
    (format!(r#"{head}"definition":5}}"#), at)
}

#[test]
fn errors_in_a_long_one_line_file_are_located_by_character() {
    // 2 MB of two-byte characters on one line: the column counts characters.
    for filler in ['x', 'é'] {
        let (text, column) = one_line_workflow(1_000_000, filler);
        let err = Document::from_bytes(text.as_bytes(), None).expect_err("a bad definition");
        let shown = err.to_string();
        assert!(
            shown.starts_with(&format!("<input>:1:{column}:")),
            "{shown:.200}"
        );
    }
}

#[test]
fn span_index_locates_many_pointers_in_one_line() {
    let mut obj = serde_json::Map::new();
    for i in 0..20_000 {
        obj.insert(format!("k{i}"), json!({"v": "ü".repeat(i % 7)}));
    }
    let text = serde_json::to_string(&Value::Object(obj)).unwrap();
    assert!(!text.contains('\n'));
    let idx = SpanIndex::new(&text);
    for i in (0..20_000).step_by(997) {
        let key = format!("\"k{i}\":");
        let byte = text.find(&key).unwrap();
        let expected = text[..byte].chars().count() + 1;
        assert_eq!(idx.locate(&format!("/k{i}")), (1, expected));
        // The value of `v` starts after `{"v":`.
        assert_eq!(
            idx.locate(&format!("/k{i}/v")),
            (1, expected + key.chars().count() + 1)
        );
    }
}

// ------------------------------------------------------------- saves

fn age(path: &std::path::Path, secs: u64) {
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(SystemTime::now() - Duration::from_secs(secs))
        .unwrap();
}

#[test]
fn a_save_removes_old_leftovers_of_killed_saves_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let old = d.join(".lapis-save-AbC123.tmp");
    let fresh = d.join(".lapis-save-XyZ789.tmp");
    let other = d.join(".lapis-save-notes.txt");
    let lookalike = d.join("lapis-save-AbC123.tmp");
    for p in [&old, &fresh, &other, &lookalike] {
        std::fs::write(p, b"partial").unwrap();
    }
    age(&old, 3600);
    age(&other, 3600);
    age(&lookalike, 3600);
    // A directory named like our files is left alone.
    let old_dir = d.join(".lapis-save-Dir001.tmp");
    std::fs::create_dir(&old_dir).unwrap();

    write_atomic(&d.join("wf.json"), b"{}").unwrap();

    assert!(!old.exists(), "an hour-old leftover is removed");
    assert!(fresh.exists(), "a fresh one may belong to a running save");
    assert!(other.exists() && lookalike.exists() && old_dir.exists());
    assert_eq!(std::fs::read(d.join("wf.json")).unwrap(), b"{}");
    assert_eq!(
        stale::remove_stale(d, Duration::ZERO),
        1,
        "now the fresh one"
    );
}

#[test]
fn a_failed_save_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    // The target is a non-empty folder: the final rename fails.
    let target = dir.path().join("wf.json");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("inside"), b"x").unwrap();
    assert!(write_atomic(&target, b"{}").is_err());
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, vec!["wf.json".to_string()]);
}

// ------------------------------------------------------- expressions

fn eval(text: &str) -> Result<Value, String> {
    eval_str(text, &Context::default()).map_err(|e| e.message)
}

#[test]
fn string_builders_refuse_results_past_the_limit_before_building_them() {
    // 42 million characters: under the limit by itself, over it when
    // tripled, percent-encoded (`,` → `%2C`) or base64-encoded twice over.
    let mut ctx = Context::default();
    ctx.parameters
        .insert("big".into(), json!(",".repeat(42_000_000)));
    let big = "parameters('big')";
    for (text, who) in [
        (format!("@concat({big}, {big}, {big})"), "'concat'"),
        (format!("@uriComponent({big})"), "'uriComponent'"),
        (
            format!("@encodeUriComponent({big})"),
            "'encodeUriComponent'",
        ),
        (format!("@base64(concat({big}, {big}))"), "'base64'"),
        (format!("@binary(concat({big}, {big}))"), "'binary'"),
        (format!("@dataUri(concat({big}, {big}))"), "'dataUri'"),
        (
            format!("@string(createArray({big}, {big}, {big}))"),
            "'string'",
        ),
        (
            format!("@join(createArray({big}, {big}, {big}), ',')"),
            "'join'",
        ),
        (format!("@replace({big}, ',', ',,,')"), "'replace'"),
        (format!("@{{{big}}}@{{{big}}}@{{{big}}}"), "template"),
    ] {
        let e = eval_str(&text, &ctx).expect_err(&text).message;
        assert!(e.contains(who) && e.contains("104857600"), "{text}: {e}");
    }
    // Under the limit, the same functions work.
    let v = eval_str(&format!("@length(concat({big}, {big}))"), &ctx).unwrap();
    assert_eq!(v, json!(84_000_000));
}

#[test]
fn array_builders_refuse_more_items_than_the_bound() {
    let many = "x".repeat(MAX_ITEMS + 1);
    let e = call("chunk", &[json!(many), json!(1)])
        .unwrap()
        .unwrap_err();
    assert!(e.contains(&MAX_ITEMS.to_string()), "{e}");
    let e = call("split", &[json!(many), json!("x")])
        .unwrap()
        .unwrap_err();
    assert!(e.contains(&MAX_ITEMS.to_string()), "{e}");
    // At the bound it still works, and splits by characters correctly.
    let ok = call("chunk", &[json!("aébc"), json!(3)]).unwrap().unwrap();
    assert_eq!(ok, json!(["aéb", "c"]));
    let e = call("range", &[json!(0), json!(100_001)])
        .unwrap()
        .unwrap_err();
    assert!(e.contains("100000"), "{e}");
}

#[test]
fn replace_at_the_limit_is_exact() {
    // 1,000 'a' → 'b' × n: exactly MAX_TEXT passes, one more does not.
    let n = MAX_TEXT / 1000;
    let text = "a".repeat(1000);
    let ok = call("replace", &[json!(text), json!("a"), json!("b".repeat(n))])
        .unwrap()
        .unwrap();
    assert_eq!(ok.as_str().unwrap().len(), MAX_TEXT - MAX_TEXT % 1000);
    let longer = format!("{}a", "c".repeat(MAX_TEXT % 1000 + 1));
    let e = call(
        "replace",
        &[
            json!(format!("{longer}{text}")),
            json!("a"),
            json!("b".repeat(n)),
        ],
    )
    .unwrap()
    .unwrap_err();
    assert!(e.contains("104857600"), "{e}");
}

#[test]
fn huge_format_widths_do_not_panic() {
    let ys = "y".repeat(65_536);
    let out = eval(&format!("@formatDateTime('2024-05-06T07:08:09Z', '{ys}')")).unwrap();
    let s = out.as_str().unwrap();
    assert_eq!(s.len(), 65_536);
    assert!(s.ends_with("2024") && s.starts_with("0000"));

    let zeros = "0".repeat(65_536);
    let out = eval(&format!("@formatNumber(42, '{zeros}')")).unwrap();
    let s = out.as_str().unwrap();
    assert_eq!(s.len(), 65_536);
    assert!(s.ends_with("42"));

    let e_fmt = format!("0E{}", "0".repeat(70_000));
    let out = eval(&format!("@formatNumber(12345, '{e_fmt}')")).unwrap();
    assert!(out.as_str().unwrap().ends_with("0004"), "{out:.40}");

    // A precision past the documented range is an error, not a panic.
    assert!(eval("@formatNumber(5, 'D70000')").is_err());
}

// ---------------------------------------------------------- messages

#[test]
fn a_file_with_many_workflows_lists_ten_names_then_a_count() {
    let resources: Vec<Value> = (0..2000)
        .map(|i| {
            json!({
                "type": "Microsoft.Logic/workflows",
                "name": format!("wf{i}"),
                "properties": {"definition": {"triggers": {}, "actions": {}}}
            })
        })
        .collect();
    let text = serde_json::to_string(&json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "resources": resources
    }))
    .unwrap();
    let doc = Document::from_bytes(text.as_bytes(), None).unwrap();
    let e = doc.select(None).unwrap_err();
    assert!(e.contains("holds 2000 workflows"), "{e}");
    assert!(e.contains("wf9") && !e.contains("wf10,"), "{e}");
    assert!(e.ends_with("and 1990 more)"), "{e}");
    assert!(e.len() < 300, "{e}");
}

// ----------------------------------------------------------- sandbox

mod sandbox {
    use lapis::sandbox::{Config, Sandbox};
    use std::time::{Duration, Instant};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    /// Reads until the server closes; the time it took, bounded by `limit`.
    async fn closed_within(s: &mut TcpStream, limit: Duration) -> Option<Duration> {
        let t = Instant::now();
        let mut buf = [0u8; 1024];
        loop {
            match tokio::time::timeout(limit.saturating_sub(t.elapsed()), s.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => return Some(t.elapsed()),
                Ok(Ok(_)) => continue,
                Err(_) => return None,
            }
        }
    }

    async fn status_ok(addr: std::net::SocketAddr) -> bool {
        let Ok(mut s) = TcpStream::connect(addr).await else {
            return false;
        };
        let req = "GET /api/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        if s.write_all(req.as_bytes()).await.is_err() {
            return false;
        }
        let mut out = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut out)).await;
        read.is_ok() && out.starts_with(b"HTTP/1.1 ")
    }

    #[tokio::test]
    async fn slow_loris_connections_are_timed_out_and_bounded() {
        let mut cfg = Config::demo();
        cfg.header_timeout_ms = 400;
        cfg.max_connections = 8;
        let sb = Sandbox::start(cfg).await.expect("sandbox starts");
        let addr: std::net::SocketAddr = sb
            .api_url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .parse()
            .expect("the API listens on an address");

        // A request whose headers never end is closed after the timeout.
        let mut slow = TcpStream::connect(addr).await.unwrap();
        slow.write_all(b"GET /api/status HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await
            .unwrap();
        let took = closed_within(&mut slow, Duration::from_secs(10))
            .await
            .expect("the half-sent request is closed");
        assert!(
            took >= Duration::from_millis(300),
            "not before the timeout: {took:?}"
        );

        // Fill every slot with idle connections: the next is closed at once
        // rather than queued, and the server still answers once they go.
        let mut idle = Vec::new();
        for _ in 0..8 {
            let mut s = TcpStream::connect(addr).await.unwrap();
            s.write_all(b"GET /").await.unwrap();
            idle.push(s);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut extra = TcpStream::connect(addr).await.unwrap();
        let t = closed_within(&mut extra, Duration::from_secs(10))
            .await
            .expect("a connection over the limit is closed");
        assert!(t < Duration::from_millis(300), "closed at once: {t:?}");
        for s in &mut idle {
            closed_within(s, Duration::from_secs(10))
                .await
                .expect("idle connections are timed out");
        }
        assert!(status_ok(addr).await, "the server still answers");
    }
}
