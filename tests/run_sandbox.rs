//! The executor end to end over real loopback sockets: the App Proxy sample
//! run with its Request trigger against the project's sandbox (Entra token,
//! App Proxy front, demo API), a canary secret in secured inputs and
//! outputs found nowhere in the run, and retry policies counted against the
//! loopback endpoint that fails, then succeeds.

use lapis::invoke::CallOptions;
use lapis::run::{run, Run, RunOptions, Status, TriggerRequest, HIDDEN};
use lapis::sandbox::{Config, Sandbox};
use lapis::secrets::{Secret, SecretStore};
use lapis::workflow::Document;
use serde_json::{json, Value};
use std::net::TcpListener;
use std::time::Duration;

const CANARY: &str = "CANARY-9d1e77-never-print";

fn secrets(sb: &Sandbox) -> SecretStore {
    let s = sb.sample_secrets();
    s.set("canary", Secret::new(CANARY));
    s
}

#[test]
fn app_proxy_sample_runs_end_to_end_and_hides_its_secrets() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sb = rt
        .block_on(Sandbox::start(Config::demo()))
        .expect("the sandbox starts");
    let mut wf = sb.sample_workflow();
    wf["parameters"]["canary"] = json!({"type": "SecureString"});
    wf["actions"]["Canary"] = json!({
        "type": "Compose", "runAfter": {},
        "inputs": {"canary": "@parameters('canary')", "token": "@parameters('privateToken')"},
        "runtimeConfiguration": {"secureData": {"properties": ["inputs", "outputs"]}}
    });
    wf["actions"]["Reads_canary"] = json!({
        "type": "Compose", "runAfter": {"Canary": ["Succeeded"]},
        "inputs": "@outputs('Canary')['canary']"
    });
    wf["actions"]["Reply"] = json!({
        "type": "Response", "runAfter": {"Get_status": ["Succeeded"]},
        "inputs": {"statusCode": 200, "body": {"status": "@body('Get_status')", "who": "@triggerBody()?['who']"}}
    });
    let doc = Document::from_value(wf).unwrap();
    let opts = RunOptions {
        secrets: secrets(&sb),
        time_scale: 0.001,
        call: CallOptions {
            timeout: Duration::from_secs(20),
            extra_ca_pem: vec![sb.ca_pem.clone().into_bytes()],
            ..CallOptions::default()
        },
        ..RunOptions::default()
    };
    let req = TriggerRequest {
        method: Some("POST".into()),
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: json!({"who": "ops"}),
        ..TriggerRequest::default()
    };
    let r: Run = run(&doc, &req, opts).expect("the run starts");
    let get = r.action("Get_status").expect("Get_status ran");
    assert_eq!(get.status, Status::Succeeded, "{:?}", get.error);
    assert_eq!(get.outputs["statusCode"], json!(200));
    assert_eq!(get.retries, 0);
    // The bearer token never reaches the record.
    let auth = get.inputs["headers"]
        .as_object()
        .and_then(|h| {
            h.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        })
        .map(|(_, v)| v.clone());
    assert!(
        auth.is_none() || !auth.clone().unwrap().as_str().unwrap_or("").contains("eyJ"),
        "{auth:?}"
    );
    for name in [
        "Echo_with_certificate",
        "Header_protected",
        "Cookie_protected",
        "Basic_direct",
        "Raw_direct",
        "Client_certificate_mtls",
        "No_auth_direct",
    ] {
        let a = r.action(name).unwrap_or_else(|| panic!("{name} ran"));
        assert_eq!(a.status, Status::Succeeded, "{name}: {:?}", a.error);
    }
    let resp = r.response.clone().expect("the Response answered");
    assert_eq!(resp.status, 200);
    assert_eq!(resp.body["who"], "ops");
    let canary = r.action("Canary").unwrap();
    assert_eq!(canary.inputs, json!(HIDDEN));
    assert_eq!(canary.outputs, json!(HIDDEN));
    assert_eq!(r.action("Reads_canary").unwrap().outputs, json!(HIDDEN));
    let text = serde_json::to_string_pretty(&r).unwrap();
    for (what, secret) in [
        ("canary", CANARY.to_owned()),
        ("client secret", sb.client_secret.clone()),
        ("private token", sb.config.api.private_token.clone()),
        ("session cookie", sb.config.api.session_cookie.clone()),
        ("basic password", sb.config.api.basic_password.clone()),
        ("pfx password", sb.client_pfx_password.clone()),
    ] {
        assert!(!text.contains(&secret), "the {what} is in the run record");
    }
    assert!(
        !text.contains("Bearer eyJ"),
        "a bearer token is in the run record"
    );
    drop(rt);
}

fn http_doc(url: &str, retry: Value) -> Document {
    let mut inputs = json!({"method": "GET", "uri": url});
    if !retry.is_null() {
        inputs["retryPolicy"] = retry;
    }
    Document::from_value(json!({
        "triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": {
            "Call": {"type": "Http", "runAfter": {}, "inputs": inputs},
            "OnFail": {"type": "Compose", "runAfter": {"Call": ["Failed"]}, "inputs": "@outputs('Call')['statusCode']"}
        }
    }))
    .unwrap()
}

fn go(d: &Document) -> Run {
    run(
        d,
        &TriggerRequest::default(),
        RunOptions {
            time_scale: 0.001,
            ..RunOptions::default()
        },
    )
    .unwrap()
}

#[test]
fn retries_are_counted_against_an_endpoint_that_fails_then_succeeds() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sb = rt
        .block_on(Sandbox::start(Config::demo()))
        .expect("the sandbox starts");
    // The sandbox's /api/flaky answers 503 to the first `fail` calls of a
    // key, then 200 with the attempt number.
    let flaky = |key: &str, fail: u32| format!("{}/api/flaky?key={key}&fail={fail}", sb.api_url);

    let r = go(&http_doc(
        &flaky("fixed", 2),
        json!({"type": "fixed", "count": 3, "interval": "PT10S"}),
    ));
    let call = r.action("Call").unwrap();
    assert_eq!(call.status, Status::Succeeded, "{:?}", call.error);
    assert_eq!(call.retries, 2);
    assert_eq!(call.outputs["body"], json!({"status": "ok", "attempt": 3}));
    assert_eq!(r.action("OnFail").unwrap().status, Status::Skipped);

    // The default policy: exponential, four retries, then the last answer.
    let r = go(&http_doc(&flaky("default", 100), Value::Null));
    let call = r.action("Call").unwrap();
    assert_eq!(call.status, Status::Failed);
    assert_eq!(call.retries, 4);
    assert_eq!(
        call.outputs["body"]["attempt"],
        json!(5),
        "five calls in all"
    );
    // As in Azure: the code names the answer, which carries no error.
    assert_eq!(call.code.as_deref(), Some("ServiceUnavailable"));
    assert!(call.error.is_none());
    assert_eq!(r.action("OnFail").unwrap().outputs, json!(503));
    assert_eq!(r.status, Status::Succeeded, "the failure is handled");

    // None: one try.
    let r = go(&http_doc(&flaky("none", 1), json!({"type": "none"})));
    let call = r.action("Call").unwrap();
    assert_eq!(call.status, Status::Failed);
    assert_eq!(call.retries, 0);
    assert_eq!(call.outputs["body"]["attempt"], json!(1));
    drop(rt);
}

#[test]
fn a_refused_connection_is_retried_and_explained() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/gone", l.local_addr().unwrap());
    drop(l);
    let r = go(&http_doc(
        &url,
        json!({"type": "fixed", "count": 2, "interval": "PT1S"}),
    ));
    let call = r.action("Call").unwrap();
    assert_eq!(call.status, Status::Failed);
    assert_eq!(call.retries, 2);
    let e = call.error.unwrap();
    assert!(e.message.contains("connection"), "{}", e.message);
}
