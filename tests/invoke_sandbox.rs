//! Test calls end to end over real loopback sockets: the project's own
//! sandbox (Entra token service, App Proxy front, demo API, mTLS listener)
//! against the project's own client (`prepare` → `call` → `diagnose`), and
//! `lapis call` through the binary. No mocks.

use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine as _;
use lapis::invoke::prepare::{parameter_values, prepare};
use lapis::invoke::token::TokenCache;
use lapis::invoke::transport::NetConfig;
use lapis::invoke::{
    call, Auth, CallOptions, Credential, Diagnosis, Failure, OAuth, Outcome, Prepared,
    TokenEndpoint,
};
use lapis::sandbox::{self, Config, Sandbox};
use lapis::secrets::{Secret, SecretStore};
use lapis::workflow::Document;
use serde_json::{json, Value};

// ---------------------------------------------------------------- fixtures

async fn start() -> Sandbox {
    start_with(Config::demo()).await
}

async fn start_with(config: Config) -> Sandbox {
    Sandbox::start(config).await.expect("the sandbox starts")
}

fn pfx_b64(sb: &Sandbox) -> String {
    base64::engine::general_purpose::STANDARD.encode(&sb.client_pfx)
}

/// The sample workflow's secrets, all correct.
fn store(sb: &Sandbox) -> SecretStore {
    sb.sample_secrets()
}

/// The sample workflow with `extra` actions added (name → inputs) and
/// `extra_params` declared (name → declaration).
fn workflow(sb: &Sandbox, extra: &[(&str, Value)], extra_params: &[(&str, Value)]) -> Value {
    let mut wf = sb.sample_workflow();
    for (name, inputs) in extra {
        wf["actions"][*name] = json!({ "type": "Http", "inputs": inputs, "runAfter": {} });
    }
    for (name, decl) in extra_params {
        wf["parameters"][*name] = decl.clone();
    }
    wf
}

/// ActiveDirectoryOAuth with the sample's parameters, `changes` overriding
/// fields (a `Null` removes one).
fn aad(changes: Value) -> Value {
    let mut a = json!({
        "type": "ActiveDirectoryOAuth",
        "authority": "@parameters('authority')",
        "tenant": "@parameters('tenant')",
        "audience": "@parameters('audience')",
        "clientId": "@parameters('clientId')",
        "credentialType": "Secret",
        "secret": "@parameters('clientSecret')",
    });
    if let Value::Object(m) = changes {
        for (k, v) in m {
            if v.is_null() {
                a.as_object_mut().unwrap().remove(&k);
            } else {
                a[k] = v;
            }
        }
    }
    a
}

fn overrides(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

fn prep(wf: &Value, action: &str, st: &SecretStore, params: &[(&str, &str)]) -> Prepared {
    let doc = Document::from_value(wf.clone()).expect("the workflow loads");
    let resolved = parameter_values(doc.definition(0), None, &overrides(params), st)
        .expect("the parameters resolve");
    prepare(&doc, 0, action, &resolved, st).unwrap_or_else(|e| panic!("{action} prepares: {e}"))
}

fn options(sb: &Sandbox) -> CallOptions {
    CallOptions {
        timeout: Duration::from_secs(10),
        extra_ca_pem: vec![sb.ca_pem.clone().into_bytes()],
        ..CallOptions::default()
    }
}

/// Prepares `action` of `wf` and calls it with a fresh token cache.
async fn run(
    wf: &Value,
    action: &str,
    st: &SecretStore,
    params: &[(&str, &str)],
    opts: &CallOptions,
) -> Outcome {
    let p = prep(wf, action, st, params);
    call(&p, opts, &TokenCache::new()).await
}

fn status(o: &Outcome) -> u16 {
    match &o.response {
        Some(r) => r.status,
        None => panic!(
            "no answer: failure {:?}, diagnosis {:?}",
            o.failure, o.diagnosis
        ),
    }
}

fn body_json(o: &Outcome) -> Value {
    let r = o.response.as_ref().expect("an answer");
    serde_json::from_slice(&r.body).unwrap_or_else(|e| {
        panic!(
            "the body is not JSON ({e}): {}",
            String::from_utf8_lossy(&r.body)
        )
    })
}

/// A header the demo API's echo received (`headers` is `[[name, value]]`).
fn echoed_header(echo: &Value, name: &str) -> Option<String> {
    echo["headers"].as_array()?.iter().find_map(|p| {
        (p[0].as_str()?.eq_ignore_ascii_case(name)).then(|| p[1].as_str().unwrap_or("").to_owned())
    })
}

fn assert_success(o: &Outcome) {
    assert!(
        o.is_success(),
        "expected a 2xx: status {:?}, failure {:?}, diagnosis {:?}",
        o.response.as_ref().map(|r| r.status),
        o.failure,
        o.diagnosis
    );
    assert!(o.diagnosis.is_none(), "{:?}", o.diagnosis);
    assert!(o.failure.is_none());
}

fn diagnosis(o: &Outcome) -> &Diagnosis {
    o.diagnosis.as_ref().unwrap_or_else(|| {
        panic!(
            "a diagnosis; status {:?}",
            o.response.as_ref().map(|r| r.status)
        )
    })
}

/// Timings of a call that reached the server over plain HTTP.
fn assert_network_timings(o: &Outcome) {
    let t = &o.timings;
    // `connect` (TCP and TLS together on reqwest) is absent when the
    // session's pooled connection was reused.
    assert!(t.connect.is_none_or(|c| c >= 0.0), "connect timing: {t:?}");
    assert!(t.first_byte.is_some(), "first byte timing: {t:?}");
    assert!(t.total > 0.0, "{t:?}");
    assert!(t.total >= t.first_byte.unwrap_or(0.0), "{t:?}");
}

/// No secret of `st` (nor `extra`) appears anywhere in the outcome's JSON.
fn assert_no_secret(o: &Outcome, values: &[&str]) {
    let text = serde_json::to_string(&lapis::invoke::report::json(o)).unwrap();
    for v in values {
        assert!(
            !text.contains(v),
            "a secret leaked into the outcome: {text}"
        );
    }
}

/// A token from the sandbox for `client`/`secret` and `audience`.
async fn sandbox_token(sb: &Sandbox, client: &str, secret: &str, audience: &str) -> Secret {
    let oauth = OAuth {
        authority: sb.authority.clone(),
        tenant: sb.tenant_id.clone(),
        audience: audience.to_owned(),
        client_id: client.to_owned(),
        credential: Credential::Secret(Secret::new(secret)),
    };
    lapis::invoke::token::acquire(
        &oauth,
        TokenEndpoint::V1,
        &TokenCache::new(),
        &NetConfig::default(),
    )
    .await
    .expect("the sandbox issues a token")
    .access_token
}

// ---------------------------------------------------------------- authentication types

/// An echo action with a header, encoded queries, a JSON body and a cookie.
fn echo_inputs(base: &str, auth: Value) -> Value {
    json!({
        "method": "POST",
        "uri": format!("{base}/api/echo"),
        "headers": { "X-Lapis-Test": "echo-1", "Content-Type": "application/json" },
        "queries": { "q": "a b&c=d/é", "tags": ["x", "y"], "n": 5 },
        "body": { "hello": "from Lapis", "n": 42, "nested": { "ok": true } },
        "cookie": "session=abc123; theme=dark",
        "authentication": auth,
    })
}

/// What every echo through the front shows.
fn assert_echo(o: &Outcome, via_proxy: bool) {
    assert_eq!(status(o), 200);
    let e = body_json(o);
    assert_eq!(e["method"], "POST");
    assert_eq!(e["path"], "/api/echo");
    assert_eq!(
        e["query"]["raw"], "q=a%20b%26c%3Dd%2F%C3%A9&tags=x&tags=y&n=5",
        "queries are percent-encoded as Logic Apps does"
    );
    assert_eq!(e["query"]["parsed"]["q"], "a b&c=d/é");
    assert_eq!(e["query"]["parsed"]["tags"], json!(["x", "y"]));
    assert_eq!(echoed_header(&e, "X-Lapis-Test").as_deref(), Some("echo-1"));
    assert_eq!(
        echoed_header(&e, "Content-Type").as_deref(),
        Some("application/json")
    );
    let body: Value = serde_json::from_str(e["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({ "hello": "from Lapis", "n": 42, "nested": { "ok": true } })
    );
    assert_eq!(e["cookies"]["session"], "abc123");
    assert_eq!(e["cookies"]["theme"], "dark");
    assert_eq!(
        echoed_header(&e, "x-ms-proxy").is_some(),
        via_proxy,
        "the request went through the front: {via_proxy}"
    );
    if via_proxy {
        assert_eq!(
            echoed_header(&e, "Authorization"),
            None,
            "App Proxy strips the Authorization header before the backend"
        );
        // The request as sent did carry the token (redacted).
        let auth = o
            .request
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("Authorization"))
            .map(|(_, v)| v.clone());
        assert_eq!(auth.as_deref(), Some("Bearer <token>"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn aad_secret_v1_through_the_http_front() {
    let sb = start().await;
    let st = store(&sb);
    let wf = workflow(
        &sb,
        &[("Echo", echo_inputs(&sb.proxy_url, aad(json!({}))))],
        &[],
    );
    let o = run(&wf, "Echo", &st, &[], &options(&sb)).await;
    assert_success(&o);
    assert_echo(&o, true);
    let t = o.token.as_ref().expect("token use");
    assert!(!t.cached);
    assert_eq!(t.endpoint, sb.token_url_v1());
    assert!(t.expires_at.is_some());
    assert!(
        o.timings.token.is_some_and(|ms| ms > 0.0),
        "{:?}",
        o.timings
    );
    assert_network_timings(&o);
    assert_eq!(o.timings.tls, None, "plain http has no TLS phase");
    assert_eq!(o.timings.dns, None, "a literal IP has no DNS phase");
    let s = sb.stats.snapshot();
    assert_eq!(s.token_requests, 1);
    assert_eq!(s.tokens_issued, 1);
    assert_eq!(s.proxy_forwarded, 1);
    assert_no_secret(&o, &[sandbox::DEMO_CLIENT_SECRET]);
}

#[tokio::test(flavor = "multi_thread")]
async fn aad_secret_v2_through_the_https_front() {
    let sb = start().await;
    let st = store(&sb);
    let tls = sb.proxy_tls_url.clone();
    let wf = workflow(&sb, &[("Echo", echo_inputs(&tls, aad(json!({}))))], &[]);
    let opts = CallOptions {
        token_endpoint: TokenEndpoint::V2,
        ..options(&sb)
    };
    let o = run(&wf, "Echo", &st, &[("audience", &tls)], &opts).await;
    assert_success(&o);
    assert_echo(&o, true);
    let e = body_json(&o);
    assert_eq!(
        echoed_header(&e, "x-forwarded-proto").as_deref(),
        Some("https")
    );
    assert_eq!(o.token.as_ref().unwrap().endpoint, sb.token_url_v2());
    assert!(
        o.timings.connect.is_some(),
        "https has a connect phase (TLS included): {:?}",
        o.timings
    );
    assert_network_timings(&o);
    assert_eq!(sb.stats.snapshot().tokens_issued, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn aad_certificate_through_the_front() {
    let sb = start().await;
    let st = store(&sb);
    // The sample's own action: POST /api/echo, queries, JSON body with an
    // expression, the pfx and its password from secure parameters.
    for endpoint in [TokenEndpoint::V2, TokenEndpoint::V1] {
        let opts = CallOptions {
            token_endpoint: endpoint,
            ..options(&sb)
        };
        let o = run(
            &sb.sample_workflow(),
            "Echo_with_certificate",
            &st,
            &[],
            &opts,
        )
        .await;
        assert_success(&o);
    }
    assert_eq!(sb.stats.snapshot().tokens_issued, 2);
    let o = run(
        &sb.sample_workflow(),
        "Echo_with_certificate",
        &st,
        &[],
        &options(&sb),
    )
    .await;
    assert_success(&o);
    let e = body_json(&o);
    assert_eq!(e["query"]["parsed"]["source"], "lapis-sandbox");
    let body: Value = serde_json::from_str(e["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["hello"], "from Lapis");
    assert!(
        body["run"].as_str().is_some_and(|r| r.starts_with("20")),
        "utcNow() was evaluated: {body}"
    );
    assert_eq!(echoed_header(&e, "Authorization"), None);
    assert!(echoed_header(&e, "x-ms-proxy").is_some());
    let s = sb.stats.snapshot();
    assert_eq!((s.tokens_issued, s.token_errors), (3, 0));
    assert_network_timings(&o);
    assert_no_secret(&o, &[&pfx_b64(&sb), &sb.client_pfx_password]);
}

#[tokio::test(flavor = "multi_thread")]
async fn basic_on_the_direct_api() {
    let sb = start().await;
    let st = store(&sb);
    let wf = sb.sample_workflow();
    let o = run(&wf, "Basic_direct", &st, &[], &options(&sb)).await;
    assert_success(&o);
    let b = body_json(&o);
    assert_eq!(b["authenticated_by"], "basic");
    assert_eq!(b["user"], sb.config.api.basic_user.as_str());
    assert!(o.token.is_none());
    assert_network_timings(&o);
    assert_no_secret(&o, &[&sb.config.api.basic_password]);

    // A wrong password: 401 with the server's WWW-Authenticate as evidence.
    st.set("basicPassword", Secret::new("not-the-password"));
    let o = run(&wf, "Basic_direct", &st, &[], &options(&sb)).await;
    assert_eq!(status(&o), 401);
    let d = diagnosis(&o);
    assert_eq!(d.kind, "http_status");
    assert!(
        d.evidence
            .iter()
            .any(|e| e.starts_with("WWW-Authenticate: Basic")),
        "{d:?}"
    );
    assert_no_secret(&o, &["not-the-password"]);
    assert_eq!(
        sb.stats.snapshot().proxy_requests,
        0,
        "direct, not via the front"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn client_certificate_on_the_mtls_listener() {
    let sb = start().await;
    let st = store(&sb);
    let o = run(
        &sb.sample_workflow(),
        "Client_certificate_mtls",
        &st,
        &[],
        &options(&sb),
    )
    .await;
    assert_success(&o);
    let b = body_json(&o);
    assert_eq!(b["listener"], "mtls");
    assert!(
        b["client_certificate"]["subject"]
            .as_str()
            .is_some_and(|s| !s.is_empty()),
        "the server saw the client certificate: {b}"
    );
    assert!(o.timings.connect.is_some(), "{:?}", o.timings);
    assert_network_timings(&o);
    assert_eq!(sb.stats.snapshot().mtls_requests, 1);
    assert_no_secret(&o, &[&pfx_b64(&sb), &sb.client_pfx_password]);
}

#[tokio::test(flavor = "multi_thread")]
async fn raw_bearer_token_through_the_front() {
    let sb = start().await;
    let st = store(&sb);
    let token = sandbox_token(&sb, &sb.client_id, &sb.client_secret, &sb.proxy_url).await;
    st.set(
        "rawAuthorization",
        Secret::new(format!("Bearer {}", token.expose())),
    );
    let wf = workflow(
        &sb,
        &[(
            "Raw_via_front",
            echo_inputs(
                &sb.proxy_url,
                json!({ "type": "Raw", "value": "@parameters('rawAuthorization')" }),
            ),
        )],
        &[("rawAuthorization", json!({ "type": "SecureString" }))],
    );
    let o = run(&wf, "Raw_via_front", &st, &[], &options(&sb)).await;
    assert_success(&o);
    let e = body_json(&o);
    assert!(echoed_header(&e, "x-ms-proxy").is_some());
    assert_eq!(echoed_header(&e, "Authorization"), None);
    assert!(o.token.is_none(), "Raw needs no token request");
    assert_eq!(sb.stats.snapshot().token_requests, 1, "only the test's own");
    assert_no_secret(&o, &[token.expose()]);
}

#[tokio::test(flavor = "multi_thread")]
async fn managed_identity_needs_a_user_token() {
    let sb = start().await;
    let st = store(&sb);
    let msi = json!({ "type": "ManagedServiceIdentity", "audience": "@parameters('audience')" });
    let wf = workflow(&sb, &[("Msi", echo_inputs(&sb.proxy_url, msi))], &[]);

    // Outside Azure and without a token: nothing is sent.
    let o = run(&wf, "Msi", &st, &[], &options(&sb)).await;
    assert!(o.response.is_none());
    assert!(
        matches!(o.failure, Some(Failure::Input(_))),
        "{:?}",
        o.failure
    );
    let d = diagnosis(&o);
    assert_eq!(d.kind, "managed_identity");
    assert!(d.message.contains("only inside Azure"), "{}", d.message);
    assert!(d.hint.as_deref().unwrap_or("").contains("token"), "{d:?}");
    assert_eq!(sb.stats.snapshot().proxy_requests, 0);

    // With a valid token supplied, it goes through the front.
    let token = sandbox_token(&sb, &sb.client_id, &sb.client_secret, &sb.proxy_url).await;
    let opts = CallOptions {
        user_token: Some(token.clone()),
        ..options(&sb)
    };
    let o = run(&wf, "Msi", &st, &[], &opts).await;
    assert_success(&o);
    assert_echo(&o, true);
    assert!(
        o.notes.iter().any(|n| n.kind == "managed_identity"),
        "a note says the supplied token stands in: {:?}",
        o.notes
    );
    assert_no_secret(&o, &[token.expose()]);
}

#[tokio::test(flavor = "multi_thread")]
async fn no_authentication_on_the_direct_api() {
    let sb = start().await;
    let st = store(&sb);
    let o = run(
        &sb.sample_workflow(),
        "No_auth_direct",
        &st,
        &[],
        &options(&sb),
    )
    .await;
    assert_success(&o);
    let b = body_json(&o);
    assert_eq!(b["status"], "ok");
    assert_eq!(b["listener"], "plain");
    assert_eq!(b["via_proxy"], false);
    assert!(o.token.is_none());
    assert!(o
        .request
        .headers
        .iter()
        .all(|(k, _)| !k.eq_ignore_ascii_case("Authorization")));

    // The same echo, direct and without authentication, shows the request.
    let wf = workflow(
        &sb,
        &[("Echo", echo_inputs(&sb.api_url, json!({ "type": "None" })))],
        &[],
    );
    let o = run(&wf, "Echo", &st, &[], &options(&sb)).await;
    assert_success(&o);
    assert_echo(&o, false);
    assert_network_timings(&o);
    let e = body_json(&o);
    assert!(
        echoed_header(&e, "User-Agent").is_some_and(|u| u.starts_with("azure-logic-apps/1.0")),
        "{e}"
    );

    // A text body gets a text content type; queries join the URI's own.
    let wf = workflow(
        &sb,
        &[(
            "Text",
            json!({
                "method": "PUT",
                "uri": format!("{}/api/echo?existing=1", sb.api_url),
                "queries": { "added": "two words" },
                "body": "plain text, é",
            }),
        )],
        &[],
    );
    let o = run(&wf, "Text", &st, &[], &options(&sb)).await;
    assert_success(&o);
    let e = body_json(&o);
    assert_eq!(e["method"], "PUT");
    assert_eq!(e["query"]["raw"], "existing=1&added=two%20words");
    assert_eq!(e["body"], "plain text, é");
    assert_eq!(e["body_length"], "plain text, é".len());
    assert_eq!(
        echoed_header(&e, "Content-Type").as_deref(),
        Some("text/plain; charset=utf-8")
    );
}

// ---------------------------------------------------------------- Entra errors

/// Calls an echo through the front with ActiveDirectoryOAuth changed by
/// `changes`, and checks the Entra error `code`.
async fn entra_case(
    sb: &Sandbox,
    st: &SecretStore,
    changes: Value,
    endpoint: TokenEndpoint,
    code: u32,
) -> Outcome {
    let wf = workflow(
        sb,
        &[(
            "Call",
            json!({ "method": "GET", "uri": format!("{}/api/status", sb.proxy_url), "authentication": aad(changes) }),
        )],
        &[],
    );
    let p = prep(&wf, "Call", st, &[]);
    entra_prepared(sb, &p, endpoint, code).await
}

async fn entra_prepared(sb: &Sandbox, p: &Prepared, endpoint: TokenEndpoint, code: u32) -> Outcome {
    let opts = CallOptions {
        token_endpoint: endpoint,
        ..options(sb)
    };
    let o = call(p, &opts, &TokenCache::new()).await;
    assert!(o.response.is_none(), "no call is made without a token");
    assert!(
        matches!(o.failure, Some(Failure::Token(_))),
        "{:?}",
        o.failure
    );
    let d = diagnosis(&o);
    assert_eq!(d.kind, "entra_error", "{d:?}");
    let a = d.aadsts.as_ref().expect("the Entra error is decoded");
    assert_eq!(a.code, code, "{d:?}");
    assert!(!a.meaning.is_empty());
    assert!(
        d.message.contains(&format!("AADSTS{code}")),
        "{}",
        d.message
    );
    assert!(d.hint.as_deref().is_some_and(|h| !h.is_empty()), "{d:?}");
    let trace = a.trace_id.as_deref().expect("trace id");
    let corr = a.correlation_id.as_deref().expect("correlation id");
    assert!(a.timestamp.is_some());
    assert!(
        d.evidence
            .iter()
            .any(|e| e == &format!("trace id: {trace}")),
        "{:?}",
        d.evidence
    );
    assert!(
        d.evidence
            .iter()
            .any(|e| e == &format!("correlation id: {corr}")),
        "{:?}",
        d.evidence
    );
    assert!(
        d.evidence
            .iter()
            .any(|e| e.starts_with("token endpoint: http://")),
        "{:?}",
        d.evidence
    );
    assert!(o.timings.token.is_some());
    let s = sb.stats.snapshot();
    assert_eq!(s.token_errors, 1, "{s:?}");
    assert_eq!(s.proxy_requests, 0, "{s:?}");
    o
}

#[tokio::test(flavor = "multi_thread")]
async fn entra_700016_unknown_client() {
    let sb = start().await;
    let st = store(&sb);
    let o = entra_case(
        &sb,
        &st,
        json!({ "clientId": "00000000-1111-4222-8333-444444444444" }),
        TokenEndpoint::V1,
        700016,
    )
    .await;
    assert_eq!(
        diagnosis(&o).aadsts.as_ref().unwrap().error.as_deref(),
        Some("unauthorized_client")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn entra_7000215_wrong_secret() {
    let sb = start().await;
    let st = store(&sb);
    st.set("clientSecret", Secret::new("wrong~secret-value"));
    let o = entra_case(&sb, &st, json!({}), TokenEndpoint::V1, 7000215).await;
    assert_eq!(
        diagnosis(&o).aadsts.as_ref().unwrap().error.as_deref(),
        Some("invalid_client")
    );
    assert!(diagnosis(&o).evidence.iter().any(|e| e == "HTTP 401"));
    assert_no_secret(&o, &["wrong~secret-value"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn entra_7000222_expired_secret() {
    let sb = start().await;
    let st = store(&sb);
    st.set("clientSecret", Secret::new(sandbox::DEMO_EXPIRED_SECRET));
    let o = entra_case(&sb, &st, json!({}), TokenEndpoint::V2, 7000222).await;
    assert!(diagnosis(&o).message.contains("expired"));
    assert_no_secret(&o, &[sandbox::DEMO_EXPIRED_SECRET]);
}

#[tokio::test(flavor = "multi_thread")]
async fn entra_7000218_no_credential() {
    let sb = start().await;
    let st = store(&sb);
    // `prepare` refuses an empty secret up front; a request built some other
    // way (the designer, a changed parameter) can still carry one.
    let wf = workflow(
        &sb,
        &[(
            "Call",
            json!({ "method": "GET", "uri": format!("{}/api/status", sb.proxy_url), "authentication": aad(json!({})) }),
        )],
        &[],
    );
    let mut p = prep(&wf, "Call", &st, &[]);
    match &mut p.auth {
        Auth::ActiveDirectoryOAuth(o) => o.credential = Credential::Secret(Secret::new("")),
        other => panic!("{other:?}"),
    }
    entra_prepared(&sb, &p, TokenEndpoint::V1, 7000218).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn entra_700027_certificate_not_registered() {
    let sb = start().await;
    let st = store(&sb);
    // The demo certificate signs for a client it is not registered on.
    let o = entra_case(
        &sb,
        &st,
        json!({
            "clientId": sandbox::NO_CONSENT_CLIENT_ID,
            "credentialType": "Certificate",
            "secret": null,
            "pfx": "@parameters('clientPfx')",
            "password": "@parameters('pfxPassword')",
        }),
        TokenEndpoint::V1,
        700027,
    )
    .await;
    assert!(
        diagnosis(&o)
            .hint
            .as_deref()
            .unwrap()
            .contains("registered"),
        "{:?}",
        diagnosis(&o).hint
    );
    assert_no_secret(&o, &[&pfx_b64(&sb), &sb.client_pfx_password]);
}

#[tokio::test(flavor = "multi_thread")]
async fn entra_500011_unknown_audience() {
    let sb = start().await;
    let st = store(&sb);
    let o = entra_case(
        &sb,
        &st,
        json!({ "audience": "https://app-nowhere.msappproxy.net/" }),
        TokenEndpoint::V1,
        500011,
    )
    .await;
    assert!(diagnosis(&o)
        .hint
        .as_deref()
        .unwrap()
        .contains("external URL"));
}

#[tokio::test(flavor = "multi_thread")]
async fn entra_90002_unknown_tenant() {
    let sb = start().await;
    let st = store(&sb);
    let o = entra_case(
        &sb,
        &st,
        json!({ "tenant": "99999999-8888-4777-8666-555555555555" }),
        TokenEndpoint::V2,
        90002,
    )
    .await;
    assert!(diagnosis(&o).message.contains("tenant"));
}

#[tokio::test(flavor = "multi_thread")]
async fn entra_70011_invalid_scope() {
    let sb = start().await;
    let st = store(&sb);
    // Two identifiers in the audience make two scopes on the v2 endpoint.
    entra_case(
        &sb,
        &st,
        json!({ "audience": format!("{} {}", sandbox::OTHER_API_ID_URI, sb.proxy_url) }),
        TokenEndpoint::V2,
        70011,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn entra_901002_resource_on_the_v2_endpoint() {
    let sb = start().await;
    let st = store(&sb);
    // The authority holds the v2 token endpoint's URL (a common paste): the
    // v1 request, with `resource=`, lands on the v2 endpoint.
    let authority = format!("{}?x=", sb.token_url_v2());
    let o = entra_case(
        &sb,
        &st,
        json!({ "authority": authority }),
        TokenEndpoint::V1,
        901002,
    )
    .await;
    assert!(diagnosis(&o).hint.as_deref().unwrap().contains("v2"));
}

#[tokio::test(flavor = "multi_thread")]
async fn entra_50001_disabled_resource() {
    let sb = start().await;
    let st = store(&sb);
    entra_case(
        &sb,
        &st,
        json!({ "audience": sandbox::DISABLED_API_ID_URI }),
        TokenEndpoint::V1,
        50001,
    )
    .await;
}

// ---------------------------------------------------------------- App Proxy

fn status_via_front(sb: &Sandbox, path: &str, auth: Value) -> Value {
    json!({ "method": "GET", "uri": format!("{}{path}", sb.proxy_url), "authentication": auth })
}

fn assert_rejected(o: &Outcome, reason: &str) {
    assert_eq!(status(o), 302);
    let report = lapis::invoke::report::json(o).to_string();
    assert!(!report.contains("eyJ"), "no token in the report: {report}");
    let r = o.response.as_ref().unwrap();
    assert_eq!(r.header("x-sandbox-reject"), Some(reason));
    let d = diagnosis(o);
    assert_eq!(d.kind, "proxy_rejected_token", "{d:?}");
    assert!(
        d.message.contains("proxy did not accept the token"),
        "{}",
        d.message
    );
    let hint = d.hint.as_deref().unwrap_or("");
    for word in ["audience", "user_impersonation", "admin consent", "tenant"] {
        assert!(hint.contains(word), "the hint names {word}: {hint}");
    }
    assert!(
        d.evidence.iter().any(|e| e.starts_with("Location: ")),
        "{d:?}"
    );
    assert!(
        d.evidence
            .iter()
            .any(|e| e.starts_with("state: ") && e.contains("\"InvalidTokenRetry\":true")),
        "{d:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn proxy_rejects_a_token_for_another_audience() {
    let sb = start().await;
    let st = store(&sb);
    let wf = workflow(
        &sb,
        &[(
            "Call",
            status_via_front(
                &sb,
                "/api/status",
                aad(json!({ "audience": sandbox::OTHER_API_ID_URI })),
            ),
        )],
        &[],
    );
    let o = run(&wf, "Call", &st, &[], &options(&sb)).await;
    assert_rejected(&o, "audience");
    let ev = &diagnosis(&o).evidence;
    assert!(
        ev.contains(&format!(
            "token audience (aud): {}",
            sandbox::OTHER_API_ID_URI
        )),
        "the token's claims are evidence: {ev:?}"
    );
    assert!(
        ev.contains(&format!("token client id: {}", sandbox::DEMO_CLIENT_ID)),
        "{ev:?}"
    );
    let s = sb.stats.snapshot();
    assert_eq!(
        (s.tokens_issued, s.proxy_rejected, s.api_requests),
        (1, 1, 0)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn proxy_rejects_a_client_without_consent() {
    let sb = start().await;
    let st = store(&sb);
    st.set(
        "otherSecret",
        Secret::new(sandbox::NO_CONSENT_CLIENT_SECRET),
    );
    let wf = workflow(
        &sb,
        &[(
            "Call",
            status_via_front(
                &sb,
                "/api/status",
                aad(
                    json!({ "clientId": sandbox::NO_CONSENT_CLIENT_ID, "secret": "@parameters('otherSecret')" }),
                ),
            ),
        )],
        &[("otherSecret", json!({ "type": "SecureString" }))],
    );
    let o = run(&wf, "Call", &st, &[], &options(&sb)).await;
    assert_rejected(&o, "roles");
    let ev = &diagnosis(&o).evidence;
    assert!(
        ev.iter().any(|e| e.starts_with("token roles: none")),
        "{ev:?}"
    );
    assert!(
        ev.contains(&format!("token audience (aud): {}", sb.proxy_url)),
        "{ev:?}"
    );
    assert_no_secret(&o, &[sandbox::NO_CONSENT_CLIENT_SECRET]);
}

#[tokio::test(flavor = "multi_thread")]
async fn proxy_without_a_token_redirects_to_sign_in() {
    let sb = start().await;
    let st = store(&sb);
    let o = run(
        &sb.sample_workflow(),
        "Proxy_without_token",
        &st,
        &[],
        &options(&sb),
    )
    .await;
    assert_eq!(status(&o), 302);
    let d = diagnosis(&o);
    assert_eq!(d.kind, "proxy_no_token", "{d:?}");
    assert!(d.message.contains("sign-in"), "{}", d.message);
    assert!(d.hint.as_deref().unwrap().contains("ActiveDirectoryOAuth"));
    assert!(o.token.is_none());
    assert_eq!(sb.stats.snapshot().proxy_rejected, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_gateway_page() {
    let sb = start().await;
    let st = store(&sb);
    let wf = workflow(
        &sb,
        &[(
            "Call",
            status_via_front(&sb, "/_fault/bad-gateway", aad(json!({}))),
        )],
        &[],
    );
    let o = run(&wf, "Call", &st, &[], &options(&sb)).await;
    assert_eq!(status(&o), 502);
    let d = diagnosis(&o);
    assert_eq!(d.kind, "bad_gateway", "{d:?}");
    assert!(d.message.contains("Bad Gateway"));
    assert!(d.hint.as_deref().unwrap().contains("internal URL"));
    assert!(
        d.evidence.iter().any(|e| e
            .to_ascii_lowercase()
            .starts_with("x-ms-proxy-transaction-id: ")),
        "App Proxy's ids are evidence: {:?}",
        d.evidence
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn gateway_timeout_page_that_comes_fast() {
    let sb = start().await;
    let st = store(&sb);
    let wf = workflow(
        &sb,
        &[(
            "Call",
            status_via_front(&sb, "/_fault/gateway-timeout", aad(json!({}))),
        )],
        &[],
    );
    let t0 = Instant::now();
    let o = run(&wf, "Call", &st, &[], &options(&sb)).await;
    assert!(t0.elapsed() < Duration::from_secs(5));
    assert_eq!(status(&o), 504);
    let d = diagnosis(&o);
    assert_eq!(d.kind, "gateway_timeout", "{d:?}");
    assert!(d.message.contains("connector"), "{}", d.message);
}

#[tokio::test(flavor = "multi_thread")]
async fn backend_slower_than_the_proxy_timeout() {
    let mut cfg = Config::demo();
    cfg.backend_timeout_ms = 300;
    let sb = start_with(cfg).await;
    let st = store(&sb);
    let wf = workflow(
        &sb,
        &[(
            "Call",
            status_via_front(&sb, "/api/slow?ms=2000", aad(json!({}))),
        )],
        &[],
    );
    let opts = CallOptions {
        proxy_backend_timeout: Duration::from_millis(300),
        ..options(&sb)
    };
    let t0 = Instant::now();
    let o = run(&wf, "Call", &st, &[], &opts).await;
    assert!(
        t0.elapsed() < Duration::from_millis(1900),
        "the proxy gave up first"
    );
    assert_eq!(status(&o), 504);
    let d = diagnosis(&o);
    assert_eq!(d.kind, "backend_timeout", "{d:?}");
    assert!(d.message.contains("0.3 s"), "{}", d.message);
    assert!(d.hint.as_deref().unwrap().contains("202"), "{d:?}");
    assert!(
        o.timings.first_byte.is_some_and(|ms| ms >= 250.0),
        "{:?}",
        o.timings
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn authorization_header_beside_entra_auth() {
    let sb = start().await;
    let st = store(&sb);
    let wf = workflow(
        &sb,
        &[(
            "Call",
            json!({
                "method": "GET",
                "uri": format!("{}/api/echo", sb.proxy_url),
                "headers": { "Authorization": "@{concat('Token ', parameters('privateToken'))}" },
                "authentication": aad(json!({})),
            }),
        )],
        &[],
    );
    let o = run(&wf, "Call", &st, &[], &options(&sb)).await;
    assert_success(&o);
    let n = o
        .notes
        .iter()
        .find(|n| n.kind == "authorization_header")
        .unwrap_or_else(|| panic!("a note: {:?}", o.notes));
    assert!(n.message.contains("custom header"), "{}", n.message);
    assert!(n.message.contains("cookie"), "{}", n.message);
    let e = body_json(&o);
    assert_eq!(echoed_header(&e, "Authorization"), None);
    assert_no_secret(&o, &[&sb.config.api.private_token]);
}

#[tokio::test(flavor = "multi_thread")]
async fn own_authorization_header_without_entra_auth_is_taken_by_the_proxy() {
    let sb = start().await;
    let st = store(&sb);
    let wf = workflow(
        &sb,
        &[(
            "Call",
            json!({
                "method": "GET",
                "uri": format!("{}/api/status", sb.proxy_url),
                "headers": { "Authorization": "@{concat('Bearer ', parameters('privateToken'))}" },
            }),
        )],
        &[],
    );
    let o = run(&wf, "Call", &st, &[], &options(&sb)).await;
    assert_eq!(status(&o), 302);
    let d = diagnosis(&o);
    assert_eq!(d.kind, "authorization_header", "{d:?}");
    assert!(d.message.contains("Authorization header"), "{d:?}");
    let hint = d.hint.as_deref().unwrap();
    assert!(
        hint.contains("ActiveDirectoryOAuth") && hint.contains("custom header"),
        "{hint}"
    );
    assert!(
        d.evidence.iter().any(|e| e.starts_with("Location: ")),
        "{d:?}"
    );
    assert_no_secret(&o, &[&sb.config.api.private_token]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cookie_carries_the_backend_credential() {
    let sb = start().await;
    let st = store(&sb);
    let o = run(
        &sb.sample_workflow(),
        "Cookie_protected",
        &st,
        &[],
        &options(&sb),
    )
    .await;
    assert_success(&o);
    assert_eq!(body_json(&o)["authenticated_by"], "cookie");
    assert_no_secret(&o, &[&sb.config.api.session_cookie]);
}

#[tokio::test(flavor = "multi_thread")]
async fn custom_header_carries_the_backend_credential() {
    let sb = start().await;
    let st = store(&sb);
    let o = run(
        &sb.sample_workflow(),
        "Header_protected",
        &st,
        &[],
        &options(&sb),
    )
    .await;
    assert_success(&o);
    assert_eq!(body_json(&o)["authenticated_by"], "PRIVATE-TOKEN header");
    assert!(o.notes.is_empty(), "{:?}", o.notes);
    assert_no_secret(&o, &[&sb.config.api.private_token]);
}

// ---------------------------------------------------------------- network failures

fn plain_get(url: &str) -> Value {
    json!({ "method": "GET", "uri": url, "authentication": { "type": "None" } })
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_failure_without_the_sandbox_ca() {
    let sb = start().await;
    let st = store(&sb);
    let wf = workflow(
        &sb,
        &[(
            "Call",
            plain_get(&format!("{}/api/status", sb.proxy_tls_url)),
        )],
        &[],
    );
    let opts = CallOptions {
        extra_ca_pem: Vec::new(),
        ..options(&sb)
    };
    let o = run(&wf, "Call", &st, &[], &opts).await;
    assert!(o.response.is_none());
    assert!(
        matches!(o.failure, Some(Failure::Tls(_))),
        "{:?}",
        o.failure
    );
    let d = diagnosis(&o);
    assert_eq!(d.kind, "tls", "{d:?}");
    assert!(
        d.message.contains("certificate is not trusted"),
        "the message says why in words: {}",
        d.message
    );
    assert!(
        d.hint.as_deref().unwrap().contains("does not trust"),
        "{d:?}"
    );
    assert!(o.timings.connect.is_some(), "{:?}", o.timings);
}

#[tokio::test(flavor = "multi_thread")]
async fn dns_failure() {
    let sb = start().await;
    let st = store(&sb);
    let wf = workflow(
        &sb,
        &[(
            "Call",
            plain_get("https://lapis-no-such-host.invalid/api/status"),
        )],
        &[],
    );
    let o = run(&wf, "Call", &st, &[], &options(&sb)).await;
    assert!(
        matches!(o.failure, Some(Failure::Dns(_))),
        "{:?}",
        o.failure
    );
    let d = diagnosis(&o);
    assert_eq!(d.kind, "dns", "{d:?}");
    assert!(
        d.message.contains("lapis-no-such-host.invalid"),
        "{}",
        d.message
    );
    assert!(d.message.contains("did not resolve"), "{}", d.message);
}

#[tokio::test(flavor = "multi_thread")]
async fn connection_refused() {
    let sb = start().await;
    let st = store(&sb);
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let wf = workflow(
        &sb,
        &[(
            "Call",
            plain_get(&format!("http://127.0.0.1:{port}/api/status")),
        )],
        &[],
    );
    let o = run(&wf, "Call", &st, &[], &options(&sb)).await;
    assert!(
        matches!(o.failure, Some(Failure::Connect(_))),
        "{:?}",
        o.failure
    );
    let d = diagnosis(&o);
    assert_eq!(d.kind, "connect", "{d:?}");
    assert!(
        d.message.contains(&format!("127.0.0.1:{port}")),
        "{}",
        d.message
    );
    assert!(
        d.hint.as_deref().unwrap().contains("Nothing listens"),
        "{d:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn client_timeout() {
    let sb = start().await;
    let st = store(&sb);
    let wf = workflow(
        &sb,
        &[(
            "Call",
            plain_get(&format!("{}/api/slow?ms=3000", sb.api_url)),
        )],
        &[],
    );
    let opts = CallOptions {
        timeout: Duration::from_millis(300),
        ..options(&sb)
    };
    let t0 = Instant::now();
    let o = run(&wf, "Call", &st, &[], &opts).await;
    assert!(t0.elapsed() < Duration::from_secs(2), "{:?}", t0.elapsed());
    assert!(
        matches!(o.failure, Some(Failure::Timeout(_))),
        "{:?}",
        o.failure
    );
    let d = diagnosis(&o);
    assert_eq!(d.kind, "timeout", "{d:?}");
    assert!(d.message.contains("0.3 s"), "{}", d.message);
    assert!(o.timings.connect.is_some(), "{:?}", o.timings);
}

#[tokio::test(flavor = "multi_thread")]
async fn redirects_are_the_answer_unless_followed() {
    let sb = start().await;
    let st = store(&sb);
    let wf = workflow(
        &sb,
        &[(
            "Call",
            plain_get(&format!("{}/api/redirect?to=/api/status", sb.api_url)),
        )],
        &[],
    );
    let o = run(&wf, "Call", &st, &[], &options(&sb)).await;
    assert_eq!(status(&o), 302);
    assert_eq!(
        o.response.as_ref().unwrap().header("location"),
        Some("/api/status")
    );
    let d = diagnosis(&o);
    assert_eq!(d.kind, "http_status", "{d:?}");
    assert!(d.hint.as_deref().unwrap().contains("not followed"), "{d:?}");
    assert_eq!(sb.stats.snapshot().api_requests, 1);

    let opts = CallOptions {
        follow_redirects: true,
        ..options(&sb)
    };
    let o = run(&wf, "Call", &st, &[], &opts).await;
    assert_success(&o);
    assert_eq!(body_json(&o)["status"], "ok");
    let n = o
        .notes
        .iter()
        .find(|n| n.kind == "redirects")
        .expect("a note lists the redirects");
    assert!(n.message.contains("1 redirect"), "{}", n.message);
    assert!(n.evidence[0].contains("/api/status"), "{:?}", n.evidence);
    assert_eq!(sb.stats.snapshot().api_requests, 3);
}

// ---------------------------------------------------------------- token cache

#[tokio::test(flavor = "multi_thread")]
async fn token_cache_saves_token_requests() {
    let sb = start().await;
    let st = store(&sb);
    st.set(
        "otherSecret",
        Secret::new(sandbox::NO_CONSENT_CLIENT_SECRET),
    );
    let wf = workflow(
        &sb,
        &[(
            "Other_client",
            status_via_front(
                &sb,
                "/api/status",
                aad(
                    json!({ "clientId": sandbox::NO_CONSENT_CLIENT_ID, "secret": "@parameters('otherSecret')" }),
                ),
            ),
        )],
        &[("otherSecret", json!({ "type": "SecureString" }))],
    );
    let opts = options(&sb);
    let cache = TokenCache::new();
    let get_status = prep(&wf, "Get_status", &st, &[]);

    let first = call(&get_status, &opts, &cache).await;
    assert_success(&first);
    assert!(!first.token.as_ref().unwrap().cached);
    assert_eq!(sb.stats.snapshot().token_requests, 1);

    let second = call(&get_status, &opts, &cache).await;
    assert_success(&second);
    let t = second.token.as_ref().unwrap();
    assert!(t.cached, "the second call uses the cached token");
    assert_eq!(second.timings.token, Some(0.0));
    assert_eq!(t.expires_at, first.token.as_ref().unwrap().expires_at);
    assert_eq!(
        sb.stats.snapshot().token_requests,
        1,
        "no second token request"
    );
    assert_eq!(sb.stats.snapshot().proxy_forwarded, 2);

    // Another client: a new request.
    let other = prep(&wf, "Other_client", &st, &[]);
    let o = call(&other, &opts, &cache).await;
    assert!(!o.token.as_ref().unwrap().cached);
    assert_eq!(sb.stats.snapshot().token_requests, 2);

    // Another audience (the front's https URL): a new request.
    let tls = sb.proxy_tls_url.clone();
    let other_aud = prep(&wf, "Get_status", &st, &[("audience", &tls)]);
    let o = call(&other_aud, &opts, &cache).await;
    assert_success(&o);
    assert!(!o.token.as_ref().unwrap().cached);
    assert_eq!(sb.stats.snapshot().token_requests, 3);

    // The other endpoint version: a new request.
    let v2 = CallOptions {
        token_endpoint: TokenEndpoint::V2,
        ..options(&sb)
    };
    let o = call(&get_status, &v2, &cache).await;
    assert_success(&o);
    assert!(!o.token.as_ref().unwrap().cached);
    assert_eq!(sb.stats.snapshot().token_requests, 4);

    // And all of them again: all cached.
    for (p, o) in [
        (&get_status, &opts),
        (&other, &opts),
        (&other_aud, &opts),
        (&get_status, &v2),
    ] {
        let r = call(p, o, &cache).await;
        assert!(r.token.as_ref().unwrap().cached);
    }
    assert_eq!(sb.stats.snapshot().token_requests, 4);
    assert_eq!(cache.len(), 4);
}

// ---------------------------------------------------------------- large bodies

#[tokio::test(flavor = "multi_thread")]
async fn large_body_spills_to_a_file() {
    let sb = start().await;
    let st = store(&sb);
    let n: u64 = 300_000;
    let wf = workflow(
        &sb,
        &[(
            "Large",
            plain_get(&format!("{}/api/large?bytes={n}", sb.api_url)),
        )],
        &[],
    );
    let dir = tempfile::tempdir().unwrap();
    let opts = CallOptions {
        body_limit: 64 * 1024,
        spill_dir: Some(dir.path().to_path_buf()),
        ..options(&sb)
    };
    let o = run(&wf, "Large", &st, &[], &opts).await;
    assert_success(&o);
    let r = o.response.as_ref().unwrap();
    assert_eq!(r.body_len, n);
    let expected: Vec<u8> = (0..n).map(sandbox::large_byte).collect();
    assert_eq!(r.body.len(), 64 * 1024, "the limit stays in memory");
    assert_eq!(r.body[..], expected[..r.body.len()]);
    let file = r.spilled_to.as_ref().expect("the body spilled to a file");
    assert!(file.starts_with(dir.path()), "{}", file.display());
    let on_disk = std::fs::read(file).unwrap();
    assert_eq!(on_disk.len() as u64, n);
    assert!(
        on_disk == expected,
        "the file holds exactly what the API sent"
    );

    // The JSON report names the file and the size.
    let j = lapis::invoke::report::json(&o);
    assert_eq!(j["body_bytes"], json!(n));
    assert_eq!(j["body_file"], json!(file));

    // Under the limit, nothing spills.
    let small = workflow(
        &sb,
        &[(
            "Small",
            plain_get(&format!("{}/api/large?bytes=1000", sb.api_url)),
        )],
        &[],
    );
    let o = run(&small, "Small", &st, &[], &opts).await;
    let r = o.response.as_ref().unwrap();
    assert_eq!((r.body_len, r.body.len()), (1000, 1000));
    assert!(r.spilled_to.is_none());
}

// ---------------------------------------------------------------- lapis call

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {}\nstderr: {}",
                self.stdout, self.stderr
            )
        })
    }
}

/// Runs the binary with `args` and `env` (only on the child), off the
/// async workers.
async fn lapis(args: Vec<String>, env: Vec<(String, String)>) -> Run {
    tokio::task::spawn_blocking(move || {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_lapis"));
        cmd.args(&args)
            .env("LAPIS_NO_KEYCHAIN", "1")
            .env_remove("HTTP_PROXY")
            .env_remove("HTTPS_PROXY")
            .env_remove("http_proxy")
            .env_remove("https_proxy");
        for name in [
            "clientSecret",
            "clientPfx",
            "pfxPassword",
            "basicPassword",
            "privateToken",
        ] {
            cmd.env_remove(lapis::secrets::env_var_name(name));
        }
        for (k, v) in &env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("the binary runs");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    })
    .await
    .expect("the child process finishes")
}

fn args(list: &[&str], wf: &Path) -> Vec<String> {
    let mut v = vec!["call".to_owned(), wf.display().to_string()];
    v.extend(list.iter().map(|s| (*s).to_owned()));
    v
}

#[tokio::test(flavor = "multi_thread")]
async fn lapis_call_through_the_binary() {
    let sb = start().await;
    let dir = tempfile::tempdir().unwrap();
    let files = sb.write_files(dir.path()).unwrap();
    let params = files.parameters.display().to_string();
    let ca = files.ca_pem.display().to_string();
    const VAR: &str = "LAPIS_ITEST_CLIENT_SECRET";

    // Success, JSON report.
    let r = lapis(
        args(
            &[
                "--action",
                "Get_status",
                "--params",
                &params,
                "--secret",
                &format!("clientSecret=env:{VAR}"),
                "--format",
                "json",
            ],
            &files.workflow,
        ),
        vec![(VAR.into(), sb.client_secret.clone())],
    )
    .await;
    assert_eq!(r.code, 0, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    let j = r.json();
    assert_eq!(j["status"], 200);
    assert!(j["headers"].is_object() && !j["headers"].as_object().unwrap().is_empty());
    assert_eq!(j["body"]["status"], "ok");
    assert_eq!(j["body"]["via_proxy"], true);
    assert!(j["diagnosis"].is_null(), "{}", j["diagnosis"]);
    assert!(j["timings_ms"]["total"].as_f64().is_some_and(|t| t > 0.0));
    assert!(j["timings_ms"]["token"].as_f64().is_some());
    assert!(j["timings_ms"]["connect"].as_f64().is_some());
    assert!(j["timings_ms"]["first_byte"].as_f64().is_some());
    assert!(!r.stdout.contains(&sb.client_secret) && !r.stderr.contains(&sb.client_secret));
    assert!(!r.stdout.contains("eyJ"), "no token in the report");

    // The certificate action over the https front, trusting --ca.
    let b64 = std::fs::read_to_string(&files.client_pfx_b64).unwrap();
    let r = lapis(
        args(
            &[
                "--action",
                "Echo_with_certificate",
                "--params",
                &params,
                "--param",
                &format!("apiBase={}", sb.proxy_tls_url),
                "--secret",
                "clientPfx=env:LAPIS_ITEST_PFX",
                "--secret",
                "pfxPassword=env:LAPIS_ITEST_PFX_PASSWORD",
                "--ca",
                &ca,
                "--format",
                "json",
            ],
            &files.workflow,
        ),
        vec![
            ("LAPIS_ITEST_PFX".into(), b64.clone()),
            (
                "LAPIS_ITEST_PFX_PASSWORD".into(),
                sb.client_pfx_password.clone(),
            ),
        ],
    )
    .await;
    assert_eq!(r.code, 0, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    let j = r.json();
    assert_eq!(j["status"], 200);
    assert!(
        j["timings_ms"]["connect"].as_f64().is_some(),
        "{}",
        j["timings_ms"]
    );
    assert!(!r.stdout.contains(b64.trim()) && !r.stdout.contains(&sb.client_pfx_password));

    // A failing call: exit 1, the diagnosis in the JSON.
    let r = lapis(
        args(
            &[
                "--action",
                "Get_status",
                "--params",
                &params,
                "--secret",
                &format!("clientSecret=env:{VAR}"),
                "--format",
                "json",
            ],
            &files.workflow,
        ),
        vec![(VAR.into(), "wrong~secret-for-cli".into())],
    )
    .await;
    assert_eq!(r.code, 1, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    let j = r.json();
    assert!(j["status"].is_null());
    assert_eq!(j["diagnosis"]["kind"], "entra_error");
    assert_eq!(j["diagnosis"]["aadsts"]["code"], 7000215);
    assert!(j["diagnosis"]["aadsts"]["trace_id"].is_string());
    assert!(!r.stdout.contains("wrong~secret-for-cli"));

    // The text report of a failing call also exits 1.
    let r = lapis(
        args(
            &["--action", "Proxy_without_token", "--params", &params],
            &files.workflow,
        ),
        vec![],
    )
    .await;
    assert_eq!(r.code, 1, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    assert!(r.stdout.contains("sign-in"), "{}", r.stdout);
    assert!(r.stdout.contains("302"), "{}", r.stdout);

    let before = sb.stats.snapshot();
    // Usage errors: exit 2, nothing sent.
    let r = lapis(
        args(
            &["--action", "No_such_action", "--params", &params],
            &files.workflow,
        ),
        vec![],
    )
    .await;
    assert_eq!(r.code, 2, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    assert!(r.stderr.contains("No_such_action"), "{}", r.stderr);
    assert!(
        r.stderr.contains("Get_status"),
        "the known actions are listed: {}",
        r.stderr
    );

    let r = lapis(
        args(
            &[
                "--action",
                "Get_status",
                "--params",
                &params,
                "--secret",
                "clientSecret=literal-secret-value",
            ],
            &files.workflow,
        ),
        vec![],
    )
    .await;
    assert_eq!(r.code, 2, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    assert!(r.stderr.contains("env:VAR"), "{}", r.stderr);
    assert!(
        !r.stderr.contains("literal-secret-value"),
        "the refused value is not echoed: {}",
        r.stderr
    );

    // A secret without a value: exit 2 with where to give it.
    let r = lapis(
        args(
            &["--action", "Get_status", "--params", &params],
            &files.workflow,
        ),
        vec![],
    )
    .await;
    assert_eq!(r.code, 2, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    assert!(r.stderr.contains("clientSecret"), "{}", r.stderr);

    // The same with --format json: the document still comes, with no
    // status and an input diagnosis.
    let r = lapis(
        args(
            &[
                "--action",
                "Get_status",
                "--params",
                &params,
                "--format",
                "json",
            ],
            &files.workflow,
        ),
        vec![],
    )
    .await;
    assert_eq!(r.code, 2, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    let j = r.json();
    assert!(j["status"].is_null());
    assert_eq!(j["diagnosis"]["kind"], "input");
    assert!(
        j["diagnosis"]["message"]
            .as_str()
            .unwrap()
            .contains("clientSecret"),
        "{j}"
    );
    assert!(j["timings_ms"].is_object());
    assert_eq!(sb.stats.snapshot(), before, "usage errors send nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn mtls_listener_without_a_client_certificate() {
    let sb = start().await;
    let st = store(&sb);
    let wf = workflow(
        &sb,
        &[("Call", plain_get(&format!("{}/api/status", sb.mtls_url)))],
        &[],
    );
    let o = run(&wf, "Call", &st, &[], &options(&sb)).await;
    assert!(
        matches!(o.failure, Some(Failure::Tls(_))),
        "{:?}",
        o.failure
    );
    let d = diagnosis(&o);
    assert_eq!(d.kind, "tls", "{d:?}");
    assert!(
        d.message.contains("asked for a client certificate"),
        "{}",
        d.message
    );
    assert!(
        d.hint.as_deref().unwrap().contains("ClientCertificate"),
        "{d:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sign_in_redirect_is_not_followed() {
    let sb = start().await;
    let st = store(&sb);
    let opts = CallOptions {
        follow_redirects: true,
        ..options(&sb)
    };
    // Following the sign-in redirect would end on the sign-in page (HTML,
    // 200), which is no success: the redirect stays the answer.
    let o = run(
        &sb.sample_workflow(),
        "Proxy_without_token",
        &st,
        &[],
        &opts,
    )
    .await;
    assert_eq!(status(&o), 302);
    assert_eq!(diagnosis(&o).kind, "proxy_no_token");
    assert!(
        o.notes
            .iter()
            .any(|n| n.kind == "redirects" && n.message.contains("sign-in")),
        "{:?}",
        o.notes
    );

    // The same for a rejected token.
    let wf = workflow(
        &sb,
        &[(
            "Call",
            status_via_front(
                &sb,
                "/api/status",
                aad(json!({ "audience": sandbox::OTHER_API_ID_URI })),
            ),
        )],
        &[],
    );
    let o = run(&wf, "Call", &st, &[], &opts).await;
    assert_rejected(&o, "audience");
}

#[tokio::test(flavor = "multi_thread")]
async fn copy_as_curl_runs_against_the_sandbox() {
    let sb = start().await;
    let dir = tempfile::tempdir().unwrap();
    let files = sb.write_files(dir.path()).unwrap();
    let wf = workflow(
        &sb,
        &[("Echo", echo_inputs(&sb.proxy_tls_url, aad(json!({}))))],
        &[],
    );
    let wf_path = dir.path().join("echo-workflow.json");
    std::fs::write(&wf_path, serde_json::to_string_pretty(&wf).unwrap()).unwrap();
    let ca = files.ca_pem.display().to_string();
    const VAR: &str = "LAPIS_ITEST_CURL_SECRET";

    for endpoint in ["v1", "v2"] {
        let r = lapis(
            args(
                &[
                    "--action",
                    "Echo",
                    "--secret",
                    &format!("clientSecret=env:{VAR}"),
                    "--param",
                    &format!("audience={}", sb.proxy_tls_url),
                    "--ca",
                    &ca,
                    "--token-endpoint",
                    endpoint,
                    "--curl",
                ],
                &wf_path,
            ),
            vec![(VAR.into(), sb.client_secret.clone())],
        )
        .await;
        assert_eq!(r.code, 0, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
        let script = r.stdout.clone();
        assert!(!script.contains(&sb.client_secret), "{script}");
        assert!(script.contains("$CLIENT_SECRET"), "{script}");
        assert!(script.contains("--cacert ca.pem"), "{script}");

        // The script itself, with the secret in the environment, from the
        // folder that holds ca.pem: it gets a token and calls the front.
        let secret = sb.client_secret.clone();
        let cwd = dir.path().to_path_buf();
        let out = tokio::task::spawn_blocking(move || {
            std::process::Command::new("bash")
                .arg("-c")
                .arg(format!("set -e\n{script}"))
                .current_dir(cwd)
                .env("CLIENT_SECRET", secret)
                .env_remove("HTTP_PROXY")
                .env_remove("HTTPS_PROXY")
                .env_remove("http_proxy")
                .env_remove("https_proxy")
                .output()
                .expect("bash runs")
        })
        .await
        .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "the cURL script fails: {text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let e: Value = serde_json::from_str(&text).unwrap_or_else(|err| panic!("{err}: {text}"));
        assert_eq!(e["method"], "POST");
        assert_eq!(
            e["query"]["raw"],
            "q=a%20b%26c%3Dd%2F%C3%A9&tags=x&tags=y&n=5"
        );
        assert_eq!(echoed_header(&e, "X-Lapis-Test").as_deref(), Some("echo-1"));
        assert_eq!(e["cookies"]["session"], "abc123");
        let body: Value = serde_json::from_str(e["body"].as_str().unwrap()).unwrap();
        assert_eq!(
            body,
            json!({ "hello": "from Lapis", "n": 42, "nested": { "ok": true } })
        );
        assert!(
            echoed_header(&e, "x-ms-proxy").is_some(),
            "through the front"
        );
    }
    let s = sb.stats.snapshot();
    assert_eq!(
        (s.tokens_issued, s.proxy_forwarded, s.proxy_rejected),
        (2, 2, 0)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn token_endpoint_unreachable_or_wrong() {
    let sb = start().await;
    let st = store(&sb);
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let o = run(
        &sb.sample_workflow(),
        "Get_status",
        &st,
        &[("authority", &format!("http://127.0.0.1:{port}"))],
        &options(&sb),
    )
    .await;
    assert!(o.response.is_none());
    let d = diagnosis(&o);
    assert_eq!(d.kind, "token_endpoint", "{d:?}");
    assert!(
        d.message.starts_with("The token request failed"),
        "{}",
        d.message
    );
    assert!(d.message.contains("token endpoint"), "{}", d.message);
    assert!(
        d.evidence[0].contains(&format!("127.0.0.1:{port}")),
        "{d:?}"
    );

    // An authority with a path the token service does not have: 404.
    let o = run(
        &sb.sample_workflow(),
        "Get_status",
        &st,
        &[("authority", &format!("{}/common/v9", sb.authority))],
        &options(&sb),
    )
    .await;
    let d = diagnosis(&o);
    assert_eq!(d.kind, "token_endpoint", "{d:?}");
    assert!(d.message.contains("404"), "{}", d.message);
    assert!(d.hint.as_deref().unwrap().contains("authority"), "{d:?}");
    assert_eq!(sb.stats.snapshot().proxy_requests, 0);
    assert_no_secret(&o, &[&sb.client_secret]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expiring_token_is_not_reused() {
    let mut cfg = Config::demo();
    cfg.token_lifetime_secs = 2;
    let sb = start_with(cfg).await;
    let st = store(&sb);
    let p = prep(&sb.sample_workflow(), "Get_status", &st, &[]);
    let cache = TokenCache::new();
    let o = call(&p, &options(&sb), &cache).await;
    assert_success(&o);
    let o = call(&p, &options(&sb), &cache).await;
    assert!(o.token.as_ref().unwrap().cached);
    assert_eq!(sb.stats.snapshot().token_requests, 1);
    // Past its life less the safety margin (a tenth of 2 s): a new one.
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let o = call(&p, &options(&sb), &cache).await;
    assert_success(&o);
    assert!(!o.token.as_ref().unwrap().cached);
    assert_eq!(sb.stats.snapshot().token_requests, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn binary_body_in_the_report() {
    let sb = start().await;
    let st = store(&sb);
    let wf = workflow(
        &sb,
        &[("Binary", plain_get(&format!("{}/api/binary", sb.api_url)))],
        &[],
    );
    let o = run(&wf, "Binary", &st, &[], &options(&sb)).await;
    assert_success(&o);
    let r = o.response.as_ref().unwrap();
    assert_eq!(r.body, sandbox::binary_bytes());
    let j = lapis::invoke::report::json(&o);
    assert_eq!(j["body"]["$content-type"], "application/octet-stream");
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(j["body"]["$content"].as_str().unwrap())
        .unwrap();
    assert_eq!(decoded, sandbox::binary_bytes());
    let text = lapis::invoke::report::text(&o);
    assert!(text.contains("00000000  00 01 02 03"), "a hex dump: {text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn audience_with_a_trailing_slash_and_tenant_by_domain() {
    let sb = start().await;
    let st = store(&sb);
    let wf = sb.sample_workflow();
    let aud = format!("{}/", sb.proxy_url);
    for endpoint in [TokenEndpoint::V1, TokenEndpoint::V2] {
        let opts = CallOptions {
            token_endpoint: endpoint,
            ..options(&sb)
        };
        let o = run(
            &wf,
            "Get_status",
            &st,
            &[("audience", &aud), ("tenant", sandbox::DEMO_TENANT_DOMAIN)],
            &opts,
        )
        .await;
        assert_success(&o);
        assert!(o
            .token
            .as_ref()
            .unwrap()
            .endpoint
            .contains(sandbox::DEMO_TENANT_DOMAIN));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn proxy_rejects_a_token_from_another_tenant() {
    let sb = start().await;
    let st = store(&sb);
    st.set("otherSecret", Secret::new(sandbox::OTHER_CLIENT_SECRET));
    // Fabrikam has its own app with the same identifier, so it issues a
    // token for the front's URL, but from the wrong directory.
    let wf = workflow(
        &sb,
        &[(
            "Call",
            status_via_front(
                &sb,
                "/api/status",
                aad(json!({
                    "tenant": sandbox::OTHER_TENANT_ID,
                    "clientId": sandbox::OTHER_CLIENT_ID,
                    "secret": "@parameters('otherSecret')",
                })),
            ),
        )],
        &[("otherSecret", json!({ "type": "SecureString" }))],
    );
    let o = run(&wf, "Call", &st, &[], &options(&sb)).await;
    assert_rejected(&o, "tenant");
    let ev = &diagnosis(&o).evidence;
    assert!(
        ev.contains(&format!("token tenant (tid): {}", sandbox::OTHER_TENANT_ID)),
        "{ev:?}"
    );
    assert!(
        ev.iter().any(|e| e == "token roles: user_impersonation"),
        "{ev:?}"
    );
}
