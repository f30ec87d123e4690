//! App Proxy's own error pages ("This corporate app can't be accessed"),
//! served over real loopback sockets by the sandbox's App Proxy front, and
//! diagnosed by name: 504 → no connector reached, 502 → the connector
//! cannot reach the backend, 403 → the caller is not assigned. The page is
//! evidence on any host: the "custom domain" cases call the front as
//! `localhost` (no `msappproxy.net`) with its `x-ms-proxy-*` headers off.
//! Another gateway's 502/504 keeps the generic message.

use std::time::Duration;

use lapis::invoke::prepare::{parameter_values, prepare};
use lapis::invoke::token::TokenCache;
use lapis::invoke::{call, CallOptions, Diagnosis, Outcome};
use lapis::sandbox::{Config, Sandbox};
use lapis::secrets::{Secret, SecretStore};
use lapis::workflow::Document;
use serde_json::json;

/// The sandbox as an app published on a custom domain: no `x-ms-proxy-*`
/// header on its answers.
async fn custom_domain_sandbox() -> Sandbox {
    let config = Config {
        proxy_headers: false,
        ..Config::demo()
    };
    Sandbox::start(config).await.expect("the sandbox starts")
}

/// `url` with its host `127.0.0.1` called `localhost` instead: a host name
/// that says nothing of App Proxy.
fn custom_host(url: &str) -> String {
    let out = url.replace("127.0.0.1", "localhost");
    assert!(out.contains("localhost"), "{url}");
    out
}

async fn call_path(sb: &Sandbox, base: &str, path: &str) -> Outcome {
    let st = SecretStore::without_keychain();
    st.set("clientSecret", Secret::new(sb.client_secret.clone()));
    let mut wf = sb.sample_workflow();
    wf["actions"]["Call"] = json!({
        "type": "Http",
        "runAfter": {},
        "inputs": {
            "method": "GET",
            "uri": format!("{base}{path}"),
            "authentication": {
                "type": "ActiveDirectoryOAuth",
                "authority": "@parameters('authority')",
                "tenant": "@parameters('tenant')",
                "audience": "@parameters('audience')",
                "clientId": "@parameters('clientId')",
                "credentialType": "Secret",
                "secret": "@parameters('clientSecret')"
            }
        }
    });
    let doc = Document::from_value(wf).expect("the workflow loads");
    let resolved = parameter_values(doc.definition(0), None, &[], &st).expect("parameters");
    let p = prepare(&doc, 0, "Call", &resolved, &st).expect("prepares");
    let opts = CallOptions {
        timeout: Duration::from_secs(10),
        extra_ca_pem: vec![sb.ca_pem.clone().into_bytes()],
        ..CallOptions::default()
    };
    call(&p, &opts, &TokenCache::new()).await
}

fn status(o: &Outcome) -> u16 {
    o.response
        .as_ref()
        .unwrap_or_else(|| panic!("a response: {:?}", o.failure))
        .status
}

fn diagnosis(o: &Outcome) -> &Diagnosis {
    o.diagnosis.as_ref().expect("a diagnosis")
}

fn no_proxy_header(o: &Outcome) {
    let r = o.response.as_ref().unwrap();
    assert!(
        !r.headers
            .iter()
            .any(|(k, _)| k.to_ascii_lowercase().starts_with("x-ms-proxy")),
        "the custom-domain front sends no x-ms-proxy header: {:?}",
        r.headers
    );
}

fn evidence_has(d: &Diagnosis, needle: &str) {
    assert!(
        d.evidence.iter().any(|e| e.contains(needle)),
        "evidence names {needle:?}: {:?}",
        d.evidence
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn gateway_timeout_page_on_a_custom_domain_names_the_connector() {
    let sb = custom_domain_sandbox().await;
    let o = call_path(&sb, &custom_host(&sb.proxy_url), "/_fault/gateway-timeout").await;
    assert_eq!(status(&o), 504);
    no_proxy_header(&o);
    let d = diagnosis(&o);
    assert_eq!(d.kind, "gateway_timeout", "{d:?}");
    assert!(d.message.contains("connector"), "{}", d.message);
    assert!(
        !d.message.contains("a gateway or reverse proxy"),
        "{}",
        d.message
    );
    let hint = d.hint.as_deref().unwrap();
    assert!(hint.contains("connector group"), "{hint}");
    assert!(hint.contains("outbound"), "{hint}");
    evidence_has(d, "This corporate app can't be accessed");
    evidence_has(d, "Transaction ID:");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_gateway_page_on_a_custom_domain_names_the_backend() {
    let sb = custom_domain_sandbox().await;
    let o = call_path(&sb, &custom_host(&sb.proxy_url), "/_fault/bad-gateway").await;
    assert_eq!(status(&o), 502);
    no_proxy_header(&o);
    let d = diagnosis(&o);
    assert_eq!(d.kind, "bad_gateway", "{d:?}");
    assert!(d.message.contains("backend"), "{}", d.message);
    assert!(
        !d.message.contains("a gateway or reverse proxy"),
        "{}",
        d.message
    );
    let hint = d.hint.as_deref().unwrap();
    assert!(hint.contains("internal URL"), "{hint}");
    assert!(hint.contains("other than the root"), "{hint}");
    evidence_has(d, "Status code: 502");
}

#[tokio::test(flavor = "multi_thread")]
async fn forbidden_page_says_the_caller_is_not_assigned() {
    let sb = custom_domain_sandbox().await;
    let o = call_path(&sb, &custom_host(&sb.proxy_url), "/_fault/forbidden").await;
    assert_eq!(status(&o), 403);
    let d = diagnosis(&o);
    assert_eq!(d.kind, "not_assigned", "{d:?}");
    assert!(d.message.contains("not assigned"), "{}", d.message);
    evidence_has(d, "This corporate app can't be accessed");
}

#[tokio::test(flavor = "multi_thread")]
async fn backend_timeout_page_stays_a_backend_timeout() {
    // The front's own 504 after the backend timeout (made short here):
    // the page says the backend did not answer in time.
    let sb = Sandbox::start(Config {
        backend_timeout_ms: 300,
        proxy_headers: false,
        ..Config::demo()
    })
    .await
    .unwrap();
    let o = call_path(&sb, &custom_host(&sb.proxy_url), "/api/slow?ms=2000").await;
    assert_eq!(status(&o), 504);
    let d = diagnosis(&o);
    assert_eq!(d.kind, "backend_timeout", "{d:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn other_gateways_keep_the_generic_message() {
    let sb = custom_domain_sandbox().await;
    for (code, kind) in [(502, "bad_gateway"), (504, "gateway_timeout")] {
        let o = call_path(
            &sb,
            &custom_host(&sb.api_url),
            &format!("/api/gateway/{code}"),
        )
        .await;
        assert_eq!(status(&o), code);
        let d = diagnosis(&o);
        assert_eq!(d.kind, kind, "{d:?}");
        assert!(
            d.message.contains("a gateway or reverse proxy"),
            "{code}: {}",
            d.message
        );
        assert!(!d.message.contains("connector"), "{}", d.message);
        assert!(
            !d.evidence.iter().any(|e| e.contains("corporate app")),
            "{:?}",
            d.evidence
        );
    }
    // A plain 403 from a server that is not App Proxy is not "not assigned".
    let o = call_path(&sb, &custom_host(&sb.api_url), "/api/header-protected").await;
    assert_ne!(diagnosis(&o).kind, "not_assigned");
}

#[test]
fn the_page_is_recognised_with_any_apostrophe() {
    use lapis::invoke::diagnose::app_proxy_page;
    for t in [
        "<title>This corporate app can't be accessed</title>",
        "<h1>This corporate app can&#39;t be accessed right now.</h1>",
        "this corporate app can\u{2019}t be accessed",
    ] {
        assert!(app_proxy_page(&t.to_ascii_lowercase()), "{t}");
    }
    assert!(!app_proxy_page("<title>502 bad gateway</title>"));
}
