//! The client side of the network on reqwest, over real loopback sockets
//! against the sandbox's own servers (`lapis::sandbox::wire`): HTTP/2 when
//! offered, decoded gzip/deflate/br answers, connection reuse, a forward
//! proxy (http and https, with credentials), the body policy (an endless
//! body, spill files removed, saved bodies), token answers too large or
//! too long-lived, and what a cross-origin redirect may carry.

use std::sync::atomic::Ordering;
use std::time::Duration;

use lapis::invoke::prepare::{parameter_values, prepare};
use lapis::invoke::token::{self, TokenCache};
use lapis::invoke::transport::{self, BodyStore, HttpRequest, NetConfig, ProxySetting};
use lapis::invoke::{call, CallOptions, Credential, Failure, OAuth, TokenEndpoint};
use lapis::sandbox::wire::{ForwardProxy, Wire, WIRE_DOCUMENT};
use lapis::secrets::{Secret, SecretStore};
use lapis::workflow::Document;
use serde_json::{json, Value};

fn get(url: &str) -> HttpRequest {
    HttpRequest {
        method: "GET".into(),
        url: url::Url::parse(url).unwrap(),
        headers: vec![],
        body: vec![],
    }
}

fn net(wire: &Wire) -> NetConfig {
    NetConfig {
        timeout: Some(Duration::from_secs(20)),
        extra_ca_pem: vec![wire.ca_pem().as_bytes().to_vec()],
        proxy: Some(ProxySetting::none()),
        ..NetConfig::default()
    }
}

fn kind_and_text(f: &Failure) -> (&'static str, String) {
    (transport::failure_kind(f), transport::failure_text(f))
}

#[tokio::test(flavor = "multi_thread")]
async fn compressed_answers_are_decoded() {
    let wire = Wire::start().await.unwrap();
    for coding in ["gzip", "deflate", "br"] {
        let ex = transport::send(&get(&format!("{}/{coding}", wire.http_url())), &net(&wire))
            .await
            .unwrap_or_else(|(f, _)| panic!("{coding}: {f:?}"));
        let r = ex.response;
        assert_eq!(r.status, 200);
        assert_eq!(
            std::str::from_utf8(&r.body).unwrap(),
            WIRE_DOCUMENT,
            "{coding} decoded"
        );
        assert_eq!(r.body_len, WIRE_DOCUMENT.len() as u64);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn http2_when_offered_and_connections_reused() {
    let wire = Wire::start().await.unwrap();
    let mut n = net(&wire);
    // A setting of its own, so no other test's connections are in its pool.
    n.extra_ca_pem.push(wire.ca_pem().as_bytes().to_vec());
    let url = format!("{}/echo", wire.https_url());
    let first = transport::send(&get(&url), &n).await.unwrap();
    assert_eq!(first.response.version, "HTTP/2");
    let echo: Value = serde_json::from_slice(&first.response.body).unwrap();
    assert_eq!(echo["version"], "HTTP/2.0");
    let t = &first.timings;
    assert!(t.dns.is_some(), "localhost is resolved: {t:?}");
    assert!(t.connect.is_some_and(|c| c > 0.0), "{t:?}");
    assert!(t.first_byte.is_some() && t.download.is_some(), "{t:?}");
    let parts = t.dns.unwrap() + t.connect.unwrap() + t.first_byte.unwrap() + t.download.unwrap();
    assert!(parts <= t.total + 0.5, "the phases fit in the total: {t:?}");

    let second = transport::send(&get(&url), &n).await.unwrap();
    assert_eq!(second.response.status, 200);
    assert_eq!(
        (second.timings.dns, second.timings.connect),
        (None, None),
        "the second call reuses the connection: {:?}",
        second.timings
    );
    assert_eq!(wire.stats.connections.load(Ordering::Relaxed), 1);
    assert_eq!(wire.stats.http2.load(Ordering::Relaxed), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn through_an_http_forward_proxy() {
    let wire = Wire::start().await.unwrap();
    let proxy = ForwardProxy::start(false, None).await.unwrap();
    let mut n = net(&wire);
    n.proxy = Some(ProxySetting::all(url::Url::parse(&proxy.url()).unwrap()));
    // Plain http: the absolute form, forwarded.
    let ex = transport::send(&get(&format!("{}/gzip", wire.http_url())), &n)
        .await
        .unwrap();
    assert_eq!(
        std::str::from_utf8(&ex.response.body).unwrap(),
        WIRE_DOCUMENT
    );
    assert_eq!(proxy.stats.forwarded.load(Ordering::Relaxed), 1);
    // https: a CONNECT tunnel, HTTP/2 inside it.
    let ex = transport::send(&get(&format!("{}/echo", wire.https_url())), &n)
        .await
        .unwrap();
    assert_eq!(ex.response.version, "HTTP/2");
    assert_eq!(proxy.stats.tunnels.load(Ordering::Relaxed), 1);
    let targets = proxy.targets.lock().unwrap().clone();
    assert!(
        targets.iter().any(|t| t.starts_with("localhost:")),
        "{targets:?}"
    );
    // NO_PROXY's syntax sends a host direct.
    n.proxy = Some(ProxySetting::All {
        url: url::Url::parse(&proxy.url()).unwrap(),
        no_proxy: Some("127.0.0.1".into()),
    });
    transport::send(&get(&format!("{}/gzip", wire.http_url())), &n)
        .await
        .unwrap();
    assert_eq!(
        proxy.stats.forwarded.load(Ordering::Relaxed),
        1,
        "went direct"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn through_an_https_proxy_with_credentials() {
    let wire = Wire::start().await.unwrap();
    let proxy = ForwardProxy::start(true, Some(("lapis", "p@ss word")))
        .await
        .unwrap();
    let mut with = url::Url::parse(&proxy.url()).unwrap();
    with.set_username("lapis").unwrap();
    with.set_password(Some("p%40ss%20word")).unwrap();
    let mut n = net(&wire);
    n.extra_ca_pem.push(proxy.ca_pem().as_bytes().to_vec());
    n.proxy = Some(ProxySetting::all(with.clone()));
    let ex = transport::send(&get(&format!("{}/echo", wire.https_url())), &n)
        .await
        .unwrap_or_else(|(f, _)| panic!("{f:?}"));
    assert_eq!(ex.response.status, 200);
    assert_eq!(proxy.stats.tunnels.load(Ordering::Relaxed), 1);
    assert_eq!(proxy.stats.refused.load(Ordering::Relaxed), 0);
    // The proxy's credentials never reach the server.
    let echo = String::from_utf8_lossy(&ex.response.body).to_lowercase();
    assert!(!echo.contains("proxy-authorization"), "{echo}");
    assert!(!format!("{n:?}").contains("p%40ss"), "Debug hides them");

    // Wrong credentials: a connect failure that says so.
    with.set_password(Some("wrong")).unwrap();
    n.proxy = Some(ProxySetting::all(with));
    let (f, _) = transport::send(&get(&format!("{}/echo", wire.https_url())), &n)
        .await
        .unwrap_err();
    let (kind, text) = kind_and_text(&f);
    assert_eq!(kind, "connect", "{text}");
    assert!(
        text.contains("407") || text.contains("credentials"),
        "{text}"
    );
    assert!(!text.contains("wrong"), "no password in words: {text}");
    assert_eq!(proxy.stats.refused.load(Ordering::Relaxed), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_endless_body_stops_at_the_limit_and_leaves_no_file() {
    let wire = Wire::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut n = net(&wire);
    n.max_body = Some(2 * 1024 * 1024);
    n.body_limit = Some(256 * 1024);
    n.spill_dir = Some(dir.path().to_path_buf());
    let sent = tokio::time::timeout(
        Duration::from_secs(30),
        transport::send(&get(&format!("{}/endless", wire.https_url())), &n),
    )
    .await
    .expect("bounded by the limit, not by the test");
    let (f, _) = sent.unwrap_err();
    let (kind, text) = kind_and_text(&f);
    assert_eq!(kind, "protocol");
    assert!(
        text.starts_with("the answer is larger than the limit of 2 MB (")
            && text.ends_with(" bytes read)"),
        "{text}"
    );
    let read: u64 = text
        .rsplit('(')
        .next()
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        read > 2 * 1024 * 1024 && read <= 2 * 1024 * 1024 + 64 * 1024,
        "{read}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "the spill folder is gone"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn spill_files_go_with_the_answer_unless_saved() {
    let wire = Wire::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut n = net(&wire);
    n.body_limit = Some(64 * 1024);
    n.spill_dir = Some(dir.path().join("spill"));
    std::fs::create_dir(dir.path().join("spill")).unwrap();
    let size = 300_000u64;
    let ex = transport::send(&get(&format!("{}/bytes?n={size}", wire.http_url())), &n)
        .await
        .unwrap();
    let r = ex.response;
    assert_eq!((r.body_len, r.body.len()), (size, 64 * 1024));
    let spilled = r.spilled_to.clone().expect("spilled");
    assert_eq!(std::fs::metadata(&spilled).unwrap().len(), size);
    let target = dir.path().join("saved.txt");
    let saved = BodyStore::save(&r, &target, false).unwrap();
    assert_eq!((saved.bytes, saved.redacted), (size, false));
    assert_eq!(std::fs::metadata(&target).unwrap().len(), size);
    let copy = r.clone();
    drop(r);
    assert!(spilled.exists(), "a copy of the answer still holds it");
    drop(copy);
    assert!(!spilled.exists(), "removed with the last copy");
    assert_eq!(
        std::fs::read_dir(dir.path().join("spill")).unwrap().count(),
        0
    );
    assert!(target.exists(), "the saved body stays");
}

fn wire_oauth(wire: &Wire, tenant: &str) -> OAuth {
    OAuth {
        authority: wire.http_url(),
        tenant: tenant.into(),
        audience: "https://app.example".into(),
        client_id: "cid".into(),
        credential: Credential::Secret(Secret::new("wire-secret")),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn token_answers_too_large_or_too_long_lived() {
    let wire = Wire::start().await.unwrap();
    let cache = TokenCache::new();
    let e = token::acquire(
        &wire_oauth(&wire, "huge"),
        TokenEndpoint::V1,
        &cache,
        &net(&wire),
    )
    .await
    .unwrap_err();
    assert!(
        e.message
            .starts_with("the token endpoint's answer is larger than the limit of 1 MB ("),
        "{}",
        e.message
    );
    assert!(!e.message.contains("JSON"), "{}", e.message);

    let t = token::acquire(
        &wire_oauth(&wire, "forever"),
        TokenEndpoint::V1,
        &cache,
        &net(&wire),
    )
    .await
    .expect("a token whose expires_in is 1e300");
    let left = t.expires_at - chrono::Utc::now();
    assert!(
        left <= chrono::Duration::hours(24) && left > chrono::Duration::hours(23),
        "clamped to a day: {left}"
    );
    // And it is cached: the second acquire makes no request.
    let again = token::acquire(
        &wire_oauth(&wire, "forever"),
        TokenEndpoint::V1,
        &cache,
        &net(&wire),
    )
    .await
    .unwrap();
    assert!(again.cached);
}

/// A workflow whose `Call` action sends a secure header, a secure body
/// and Authorization (Basic) to `uri`.
fn secure_workflow(uri: &str, method: &str, body: Value) -> (Document, SecretStore) {
    let wf = json!({
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {
            "apiKey": {"type": "SecureString"},
            "password": {"type": "SecureString"}
        },
        "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {}}},
        "actions": {
            "Call": {
                "type": "Http",
                "runAfter": {},
                "inputs": {
                    "method": method,
                    "uri": uri,
                    "headers": {"X-Api-Key": "@parameters('apiKey')", "X-Plain": "visible"},
                    "body": body,
                    "authentication": {"type": "Basic", "username": "u", "password": "@parameters('password')"}
                }
            }
        },
        "outputs": {}
    });
    let st = SecretStore::without_keychain();
    st.set("apiKey", Secret::new("key-0f9a8b7c6d"));
    st.set("password", Secret::new("pw-1a2b3c4d5e"));
    (Document::from_value(wf).unwrap(), st)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cross_origin_307_drops_secret_headers_and_secure_bodies() {
    let wire = Wire::start().await.unwrap();
    let target = format!("{}/echo", wire.https_url());
    let hop = format!(
        "{}/redirect?status=307&to={}",
        wire.http_url(),
        url::form_urlencoded::byte_serialize(target.as_bytes()).collect::<String>()
    );
    let opts = CallOptions {
        timeout: Duration::from_secs(20),
        follow_redirects: true,
        extra_ca_pem: vec![wire.ca_pem().as_bytes().to_vec()],
        ..CallOptions::default()
    };
    // A body without secrets follows; the secret headers stay behind.
    let (doc, st) = secure_workflow(&hop, "POST", json!({"hello": "world"}));
    let resolved = parameter_values(doc.definition(0), None, &[], &st).unwrap();
    let p = prepare(&doc, 0, "Call", &resolved, &st).unwrap();
    let o = call(&p, &opts, &TokenCache::new()).await;
    let r = o.response.as_ref().expect("an answer");
    assert_eq!(r.status, 200, "{:?}", o.failure);
    let echo: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(echo["method"], "POST", "307 keeps the method");
    assert_eq!(echo["body"], r#"{"hello":"world"}"#);
    let names: Vec<String> = echo["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h[0].as_str().unwrap().to_ascii_lowercase())
        .collect();
    assert!(names.contains(&"x-plain".to_owned()), "{names:?}");
    assert!(!names.contains(&"x-api-key".to_owned()), "{names:?}");
    assert!(!names.contains(&"authorization".to_owned()), "{names:?}");
    let text = r.body.clone();
    assert!(!String::from_utf8_lossy(&text).contains("key-0f9a8b7c6d"));
    let note = o
        .notes
        .iter()
        .find(|n| n.kind == "redirects" && n.message.contains("leaves the origin"))
        .expect("a note says what was dropped");
    assert!(
        note.message.contains("Authorization") && note.message.contains("X-Api-Key"),
        "{}",
        note.message
    );

    // A body holding a secure value is not re-sent: the redirect is the
    // answer.
    let (doc, st) = secure_workflow(&hop, "POST", json!({"key": "@parameters('apiKey')"}));
    let resolved = parameter_values(doc.definition(0), None, &[], &st).unwrap();
    let p = prepare(&doc, 0, "Call", &resolved, &st).unwrap();
    let before =
        wire.stats.http2.load(Ordering::Relaxed) + wire.stats.http1.load(Ordering::Relaxed);
    let o = call(&p, &opts, &TokenCache::new()).await;
    assert_eq!(o.response.as_ref().map(|r| r.status), Some(307));
    let after = wire.stats.http2.load(Ordering::Relaxed) + wire.stats.http1.load(Ordering::Relaxed);
    assert_eq!(after - before, 1, "only the first hop was sent");
    assert!(
        o.notes
            .iter()
            .any(|n| n.kind == "redirects" && n.message.contains("secure value")),
        "{:?}",
        o.notes
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_echoed_secret_is_saved_redacted_unless_raw() {
    let wire = Wire::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (doc, st) = secure_workflow(
        &format!("{}/echo", wire.http_url()),
        "POST",
        json!({"k": "@parameters('apiKey')"}),
    );
    let resolved = parameter_values(doc.definition(0), None, &[], &st).unwrap();
    let p = prepare(&doc, 0, "Call", &resolved, &st).unwrap();
    for memory in [4 * 1024 * 1024, 64] {
        let opts = CallOptions {
            timeout: Duration::from_secs(20),
            body_limit: memory,
            spill_dir: Some(dir.path().to_path_buf()),
            ..CallOptions::default()
        };
        let o = call(&p, &opts, &TokenCache::new()).await;
        let r = o.response.as_ref().unwrap();
        assert_eq!(r.spilled_to.is_some(), memory == 64);
        assert!(!String::from_utf8_lossy(&r.body).contains("key-0f9a8b7c6d"));
        if let Some(f) = &r.spilled_to {
            let shown = std::fs::read_to_string(f).unwrap();
            assert!(
                !shown.contains("key-0f9a8b7c6d"),
                "the shown file is redacted"
            );
        }
        let red = dir.path().join(format!("red-{memory}.json"));
        let saved = BodyStore::save(r, &red, false).unwrap();
        assert!(saved.redacted);
        let text = std::fs::read_to_string(&red).unwrap();
        assert!(
            !text.contains("key-0f9a8b7c6d") && text.contains("<secret:apiKey>"),
            "{text}"
        );
        let raw = dir.path().join(format!("raw-{memory}.json"));
        let saved = BodyStore::save(r, &raw, true).unwrap();
        assert!(!saved.redacted);
        assert!(std::fs::read_to_string(&raw)
            .unwrap()
            .contains("key-0f9a8b7c6d"));
    }
}
