//! `lapis serve` over real loopback sockets: every acceptance and refusal
//! of issue 18, compared with what Microsoft documents (or what the README
//! section "Serving the Request trigger" chose where it is silent).

use lapis::run::history::History;
use lapis::serve::client::{request, Reply};
use lapis::serve::server::{self, Config, Server};
use lapis::serve::{KeyKind, KeyStore};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const T: Duration = Duration::from_secs(20);

fn definition(actions: Value, trigger_inputs: Value) -> Value {
    json!({
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "contentVersion": "1.0.0.0",
        "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": trigger_inputs}},
        "actions": actions,
        "outputs": {}
    })
}

fn echo_actions() -> Value {
    json!({
        "Compose": {"type": "Compose", "inputs": "@triggerBody()", "runAfter": {}},
        "Response": {"type": "Response", "kind": "Http", "runAfter": {"Compose": ["Succeeded"]},
            "inputs": {"statusCode": 201,
                "headers": {"x-order": "@{triggerOutputs()?['relativePathParameters']?['id']}"},
                "body": {"got": "@outputs('Compose')"}}}
    })
}

fn echo() -> Value {
    definition(
        echo_actions(),
        json!({"method": "POST", "relativePath": "orders/{id}"}),
    )
}

fn arm(name: &str, access: Value) -> Value {
    json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [{
            "type": "Microsoft.Logic/workflows",
            "apiVersion": "2019-05-01",
            "name": name,
            "location": "westeurope",
            "properties": {
                "definition": definition(echo_actions(), json!({"relativePath": "orders/{id}"})),
                "accessControl": access
            }
        }]
    })
}

struct Fixture {
    dir: tempfile::TempDir,
    rt: tokio::runtime::Runtime,
    server: Option<Server>,
    keys: Arc<KeyStore>,
    logs: Arc<Mutex<Vec<String>>>,
    token: String,
}

impl Fixture {
    fn start(files: &[(&str, Value)], tweak: impl FnOnce(&mut Config)) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = Vec::new();
        for (name, v) in files {
            let p = dir.path().join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, serde_json::to_vec_pretty(v).unwrap()).unwrap();
            paths.push(p);
        }
        let keys = Arc::new(KeyStore::file_only(&dir.path().join("data")));
        let mut config = Config::new(keys.clone(), dir.path().join("data/runs.sqlite"));
        config.port = 0;
        let logs = Arc::new(Mutex::new(Vec::new()));
        let l = logs.clone();
        config.log = Some(Arc::new(move |s: &str| {
            l.lock().unwrap().push(s.to_owned())
        }));
        tweak(&mut config);
        let token = config.management_token.expose().to_owned();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let workflows = server::load(&paths).unwrap();
        let server = rt.block_on(Server::start(config, workflows)).unwrap();
        Fixture {
            dir,
            rt,
            server: Some(server),
            keys,
            logs,
            token,
        }
    }

    fn server(&self) -> &Server {
        self.server.as_ref().unwrap()
    }

    fn wf(&self, name: &str) -> &lapis::serve::Served {
        self.server()
            .workflows()
            .iter()
            .find(|w| w.name == name)
            .unwrap_or_else(|| panic!("no workflow {name}"))
    }

    /// Path and query of a callback URL, `{id}` replaced by 42.
    fn url(
        &self,
        wf: &str,
        kind: KeyKind,
        not_after: Option<chrono::DateTime<chrono::Utc>>,
    ) -> String {
        let base = self.server().base();
        let u =
            server::callback_url(&self.keys, self.wf(wf), None, kind, not_after, &base).unwrap();
        u.strip_prefix(&base)
            .unwrap()
            .replace("%7Bid%7D", "42")
            .replace("{id}", "42")
    }

    fn call(&self, method: &str, target: &str, headers: &[(&str, &str)], body: &str) -> Reply {
        request(
            self.server().addr(),
            method,
            target,
            headers,
            body.as_bytes(),
            T,
        )
        .unwrap()
    }

    fn post(&self, target: &str, body: &str) -> Reply {
        self.call(
            method_post(),
            target,
            &[("Content-Type", "application/json")],
            body,
        )
    }

    /// Runs in the history once every run started has been stored (a
    /// caller is answered when its Response runs, maybe before).
    fn runs(&self) -> usize {
        self.idle();
        self.stored()
    }

    /// Waits until every run started has been stored.
    fn idle(&self) {
        let Some(server) = self.server.as_ref() else {
            return;
        };
        let t0 = std::time::Instant::now();
        while server.runs_in_progress() > 0 && t0.elapsed() < T {
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Runs in the history now.
    fn stored(&self) -> usize {
        let h = History::open(&self.dir.path().join("data/runs.sqlite")).unwrap();
        h.list(None).unwrap().len()
    }

    /// The history API, once the runs started are stored.
    fn api(&self, target: &str) -> Reply {
        self.idle();
        let auth = format!("Bearer {}", self.token);
        self.call("GET", target, &[("Authorization", &auth)], "")
    }

    fn shutdown(&mut self) {
        if let Some(s) = self.server.take() {
            self.rt.block_on(s.shutdown());
        }
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn method_post() -> &'static str {
    "POST"
}

/// A refusal: the status, Azure's error shape, the code, and no run.
fn refused(f: &Fixture, r: &Reply, status: u16, code: &str, runs_before: usize) {
    assert_eq!(r.status, status, "{r:?}");
    let j = r.json();
    assert_eq!(
        j.pointer("/error/code").and_then(Value::as_str),
        Some(code),
        "{r:?}"
    );
    assert!(
        j.pointer("/error/message")
            .and_then(Value::as_str)
            .is_some(),
        "{r:?}"
    );
    assert_eq!(
        j.as_object().map(|o| o.len()),
        Some(1),
        "only `error`: {r:?}"
    );
    assert!(r.header("x-ms-workflow-run-id").is_none());
    // Nothing about the keys.
    let keys = f
        .keys
        .current(&f.wf(f.server().workflows()[0].name.as_str()).key_id)
        .unwrap()
        .unwrap();
    assert!(!r.body.contains(keys.primary.expose()) && !r.body.contains(keys.secondary.expose()));
    // (A 429 comes while other runs hold every worker: count what is stored.)
    let runs = if status == 429 { f.stored() } else { f.runs() };
    assert_eq!(runs, runs_before, "a refused request started a run");
}

#[test]
fn a_signed_url_runs_the_workflow_and_answers_with_its_response() {
    let f = Fixture::start(&[("echo.json", echo())], |_| {});
    let url = f.url("echo", KeyKind::Primary, None);
    assert!(url.starts_with("/workflows/echo/triggers/manual/paths/invoke/orders/42?api-version=2016-10-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig="), "{url}");
    let r = f.post(&url, r#"{"n": 7}"#);
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(r.json(), json!({"got": {"n": 7}}));
    assert_eq!(r.header("x-order"), Some("42"));
    let id = r.header("x-ms-workflow-run-id").unwrap().to_owned();
    // Stored in the history, with the relative path parameters.
    f.idle();
    let h = History::open(&f.dir.path().join("data/runs.sqlite")).unwrap();
    let run = h.get(&id).unwrap().expect("the run is in the history");
    assert_eq!(run.status.as_str(), "Succeeded");
    assert_eq!(run.trigger["outputs"]["relativePathParameters"]["id"], "42");
    // The SAS never reaches the trigger's outputs.
    assert!(!serde_json::to_string(&run).unwrap().contains("sig"));
    // The secondary key signs URLs too.
    let r = f.post(&f.url("echo", KeyKind::Secondary, None), "{}");
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(f.runs(), 2);
}

#[test]
fn without_a_response_action_the_caller_gets_202_and_a_location_to_poll() {
    let wf = definition(
        json!({"Compose": {"type": "Compose", "inputs": "@triggerBody()", "runAfter": {}}}),
        json!({}),
    );
    let f = Fixture::start(&[("async.json", wf)], |_| {});
    let r = f.post(&f.url("async", KeyKind::Primary, None), r#"{"a": 1}"#);
    assert_eq!(r.status, 202, "{r:?}");
    let loc = r.header("location").unwrap().to_owned();
    let id = r.header("x-ms-workflow-run-id").unwrap();
    assert_eq!(loc, format!("/workflows/async/runs/{id}"));
    let mut got = None;
    for _ in 0..100 {
        let a = f.api(&loc);
        if a.status == 200 {
            got = Some(a.json());
            break;
        }
        assert_eq!(a.status, 404, "{a:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    let run = got.expect("the run appears at its Location");
    assert_eq!(run["status"], "Succeeded");
    assert_eq!(run["actions"]["Compose"]["outputs"], json!({"a": 1}));
}

#[test]
fn missing_or_malformed_sas_parameters_are_refused_with_401() {
    let f = Fixture::start(&[("echo.json", echo())], |_| {});
    let url = f.url("echo", KeyKind::Primary, None);
    let (path, query) = url.split_once('?').unwrap();
    let params: Vec<&str> = query.split('&').collect();
    let without = |name: &str| {
        let q: Vec<&str> = params
            .iter()
            .copied()
            .filter(|p| !p.starts_with(&format!("{name}=")))
            .collect();
        format!("{path}?{}", q.join("&"))
    };
    refused(
        &f,
        &f.post(&format!("{path}?api-version=2016-10-01"), "{}"),
        401,
        "DirectApiAuthorizationRequired",
        0,
    );
    for p in ["sp", "sv", "sig"] {
        let r = f.post(&without(p), "{}");
        refused(&f, &r, 401, "DirectApiAuthorizationRequired", 0);
        assert!(
            r.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains(&format!("'{p}'")),
            "{r:?}"
        );
    }
    refused(
        &f,
        &f.post(&without("api-version"), "{}"),
        400,
        "MissingApiVersionParameter",
        0,
    );
    for bad in [
        url.replace("sv=1.0", "sv=2.0"),
        url.replace("sig=", "sig=*"),
        format!("{url}&sig=AAAA"),
        url.replace("sp=%2Ftriggers%2Fmanual%2Frun", "sp="),
        format!("{url}&se=tomorrow"),
    ] {
        refused(
            &f,
            &f.post(&bad, "{}"),
            401,
            "DirectApiInvalidAuthorizationSignature",
            0,
        );
    }
}

#[test]
fn a_tampered_path_query_or_key_is_refused() {
    let mut other = echo();
    other["triggers"]["manual"]["inputs"] = json!({"relativePath": "orders/{id}"});
    let f = Fixture::start(&[("echo.json", echo()), ("other.json", other)], |_| {});
    let url = f.url("echo", KeyKind::Primary, None);
    let sig_of = |u: &str| u.split("sig=").nth(1).unwrap().to_owned();
    // The path of another workflow with this workflow's signature.
    let o = f.url("other", KeyKind::Primary, None);
    let swapped = o.replace(&sig_of(&o), &sig_of(&url));
    refused(
        &f,
        &f.post(&swapped, "{}"),
        401,
        "DirectApiInvalidAuthorizationSignature",
        0,
    );
    // A signed expiry pushed back, or added.
    let later = chrono::Utc::now() + chrono::Duration::hours(1);
    let exp = f.url("echo", KeyKind::Primary, Some(later));
    let pushed = exp.replace(
        &later.format("%Y").to_string(),
        &(later + chrono::Duration::days(800))
            .format("%Y")
            .to_string(),
    );
    assert_ne!(pushed, exp);
    refused(
        &f,
        &f.post(&pushed, "{}"),
        401,
        "DirectApiInvalidAuthorizationSignature",
        0,
    );
    refused(
        &f,
        &f.post(&format!("{url}&se=2999-01-01T00%3A00%3A00Z"), "{}"),
        401,
        "DirectApiInvalidAuthorizationSignature",
        0,
    );
    // The permission changed.
    refused(
        &f,
        &f.post(&url.replace("%2Frun", "%2Fread"), "{}"),
        401,
        "DirectApiInvalidAuthorizationSignature",
        0,
    );
    // Signed with a key of another store.
    let foreign = KeyStore::file_only(&f.dir.path().join("elsewhere"));
    let base = f.server().base();
    let u =
        server::callback_url(&foreign, f.wf("echo"), None, KeyKind::Primary, None, &base).unwrap();
    let u = u.strip_prefix(&base).unwrap().replace("{id}", "42");
    refused(
        &f,
        &f.post(&u, "{}"),
        401,
        "DirectApiInvalidAuthorizationSignature",
        0,
    );
    // Untouched, it still works.
    assert_eq!(f.post(&url, "{}").status, 201);
}

#[test]
fn an_expired_url_is_refused_and_an_unexpired_one_accepted() {
    let f = Fixture::start(&[("echo.json", echo())], |_| {});
    let past = chrono::Utc::now() - chrono::Duration::seconds(2);
    let r = f.post(&f.url("echo", KeyKind::Primary, Some(past)), "{}");
    refused(&f, &r, 401, "DirectApiAuthorizationExpired", 0);
    let soon = chrono::Utc::now() + chrono::Duration::seconds(2);
    let url = f.url("echo", KeyKind::Primary, Some(soon));
    assert!(url.contains("&se="), "{url}");
    assert_eq!(f.post(&url, "{}").status, 201);
    std::thread::sleep(Duration::from_millis(3200));
    refused(
        &f,
        &f.post(&url, "{}"),
        401,
        "DirectApiAuthorizationExpired",
        1,
    );
}

#[test]
fn regenerating_a_key_invalidates_its_urls_at_once_on_a_running_server() {
    let f = Fixture::start(&[("echo.json", echo())], |_| {});
    let primary = f.url("echo", KeyKind::Primary, None);
    let secondary = f.url("echo", KeyKind::Secondary, None);
    assert_eq!(f.post(&primary, "{}").status, 201);
    // Another process's store on the same folder, as `lapis keys regenerate`.
    let other = KeyStore::file_only(&f.dir.path().join("data"));
    other
        .regenerate(&f.wf("echo").key_id, KeyKind::Primary)
        .unwrap();
    refused(
        &f,
        &f.post(&primary, "{}"),
        401,
        "DirectApiInvalidAuthorizationSignature",
        1,
    );
    assert_eq!(
        f.post(&secondary, "{}").status,
        201,
        "the secondary key still works"
    );
    assert_eq!(
        f.post(&f.url("echo", KeyKind::Primary, None), "{}").status,
        201,
        "a URL with the new key works"
    );
    other
        .regenerate(&f.wf("echo").key_id, KeyKind::Secondary)
        .unwrap();
    refused(
        &f,
        &f.post(&secondary, "{}"),
        401,
        "DirectApiInvalidAuthorizationSignature",
        3,
    );
}

#[test]
fn the_cli_regenerates_keys_and_prints_urls_a_running_server_checks() {
    let f = Fixture::start(&[("echo.json", echo())], |_| {});
    let file = f.dir.path().join("echo.json");
    let data = f.dir.path().join("data");
    let lapis = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_lapis"))
            .args(args)
            .env("LAPIS_DATA_DIR", &data)
            .env("LAPIS_NO_KEYCHAIN", "1")
            .output()
            .unwrap()
    };
    let base = f.server().base();
    let o = lapis(&["callback-url", file.to_str().unwrap(), "--base", &base]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let url = String::from_utf8(o.stdout).unwrap().trim().to_owned();
    let target = url.strip_prefix(&base).unwrap().replace("{id}", "7");
    assert_eq!(f.post(&target, "{}").status, 201);
    let o = lapis(&[
        "keys",
        "regenerate",
        file.to_str().unwrap(),
        "--key",
        "primary",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    refused(
        &f,
        &f.post(&target, "{}"),
        401,
        "DirectApiInvalidAuthorizationSignature",
        1,
    );
    // Bad input: exit 2 and a message that says what.
    let o = lapis(&[
        "callback-url",
        file.to_str().unwrap(),
        "--not-after",
        "next week",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--not-after `next week`"));
    let o = lapis(&[
        "keys",
        "regenerate",
        file.to_str().unwrap(),
        "--key",
        "third",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("primary or secondary"));
    let o = lapis(&["callback-url", file.to_str().unwrap(), "--trigger", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no Request trigger `nope`"));
}

#[test]
fn the_trigger_method_and_the_sp_permission_are_enforced() {
    let mut wf = echo();
    wf["triggers"]["other"] =
        json!({"type": "Request", "kind": "Http", "inputs": {"method": "GET"}});
    let f = Fixture::start(&[("echo.json", wf)], |_| {});
    let url = f.url("echo", KeyKind::Primary, None);
    let r = f.call("GET", &url, &[], "");
    refused(&f, &r, 400, "TriggerRequestMethodNotValid", 0);
    assert!(r.body.contains("expected 'POST' and actual 'GET'"), "{r:?}");
    // A URL genuinely signed for trigger `other` does not run `manual`.
    let base = f.server().base();
    let other = server::callback_url(
        &f.keys,
        f.wf("echo"),
        Some("other"),
        KeyKind::Primary,
        None,
        &base,
    )
    .unwrap();
    let q = other.split_once('?').unwrap().1;
    assert_eq!(
        f.call(
            "GET",
            &format!(
                "{}?{q}",
                other
                    .strip_prefix(&base)
                    .unwrap()
                    .split('?')
                    .next()
                    .unwrap()
            ),
            &[],
            ""
        )
        .status,
        201
    );
    // Its signature covers its own path: on manual's path it does not verify.
    refused(
        &f,
        &f.post(&format!("{}?{q}", url.split('?').next().unwrap()), "{}"),
        401,
        "DirectApiInvalidAuthorizationSignature",
        1,
    );
    // A relative path that does not match the template.
    let wrong = url.replace("/orders/42", "/items/42");
    refused(
        &f,
        &f.post(&wrong, "{}"),
        404,
        "TriggerRelativePathNotMatched",
        1,
    );
}

#[test]
fn sp_for_another_permission_signed_with_the_key_is_refused() {
    use lapis::serve::sas;
    let f = Fixture::start(&[("echo.json", echo())], |_| {});
    let k = f.keys.current(&f.wf("echo").key_id).unwrap().unwrap();
    let path = server::invoke_path("echo", "manual", false);
    let sp = "/triggers/manual/read";
    let sig = sas::sign(&k.primary, &path, sp, "1.0", None);
    let target = format!(
        "{path}/orders/1?api-version=2016-10-01&sp=%2Ftriggers%2Fmanual%2Fread&sv=1.0&sig={sig}"
    );
    refused(
        &f,
        &f.post(&target, "{}"),
        401,
        "DirectApiInvalidAuthorizationScope",
        0,
    );
}

#[test]
fn a_sas_and_a_bearer_token_together_are_refused() {
    let f = Fixture::start(&[("echo.json", echo())], |_| {});
    let url = f.url("echo", KeyKind::Primary, None);
    let r = f.call(
        "POST",
        &url,
        &[("Authorization", "Bearer eyJ0eXAi.x.y")],
        "{}",
    );
    refused(
        &f,
        &r,
        400,
        "DirectApiRequestHasMoreThanOneAuthorization",
        0,
    );
}

#[test]
fn caller_ip_allow_lists_cidr_ranges_and_the_empty_list() {
    let cases = [
        ("inside", json!([{"addressRange": "127.0.0.0/8"}]), true),
        (
            "span",
            json!([{"addressRange": "127.0.0.1-127.0.0.5"}]),
            true,
        ),
        (
            "single",
            json!([{"addressRange": "10.1.2.3"}, {"addressRange": "127.0.0.1"}]),
            true,
        ),
        ("outside", json!([{"addressRange": "10.0.0.0/8"}]), false),
        ("v6only", json!([{"addressRange": "2001:db8::/32"}]), false),
        ("logicapps", json!([]), false),
    ];
    let files: Vec<(String, Value)> = cases
        .iter()
        .map(|(n, list, _)| {
            (
                format!("{n}.json"),
                arm(n, json!({"triggers": {"allowedCallerIpAddresses": list}})),
            )
        })
        .collect();
    let refs: Vec<(&str, Value)> = files.iter().map(|(n, v)| (n.as_str(), v.clone())).collect();
    let f = Fixture::start(&refs, |_| {});
    let mut runs = 0;
    for (n, _, allowed) in cases {
        let r = f.post(&f.url(n, KeyKind::Primary, None), "{}");
        if allowed {
            assert_eq!(r.status, 201, "{n}: {r:?}");
            runs += 1;
        } else {
            refused(&f, &r, 401, "AuthorizationFailed", runs);
            assert!(
                r.body
                    .contains("'127.0.0.1' is not in the allowed caller IP address ranges"),
                "{r:?}"
            );
        }
    }
}

#[test]
fn ipv6_callers_are_checked_against_ipv6_ranges() {
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        eprintln!("skipped: no IPv6 loopback on this machine");
        return;
    }
    let f = Fixture::start(
        &[
            (
                "six.json",
                arm(
                    "six",
                    json!({"triggers": {"allowedCallerIpAddresses": [{"addressRange": "::1/128"}]}}),
                ),
            ),
            (
                "four.json",
                arm(
                    "four",
                    json!({"triggers": {"allowedCallerIpAddresses": [{"addressRange": "127.0.0.0/8"}]}}),
                ),
            ),
        ],
        |c| c.bind = "::1".parse().unwrap(),
    );
    assert_eq!(
        f.post(&f.url("six", KeyKind::Primary, None), "{}").status,
        201
    );
    refused(
        &f,
        &f.post(&f.url("four", KeyKind::Primary, None), "{}"),
        401,
        "AuthorizationFailed",
        1,
    );
}

fn slow(seconds: u64) -> Value {
    definition(
        json!({
            "Wait": {"type": "Wait", "inputs": {"interval": {"count": seconds, "unit": "Second"}}, "runAfter": {}},
            "Response": {"type": "Response", "kind": "Http", "inputs": {"statusCode": 200, "body": "done"}, "runAfter": {"Wait": ["Succeeded"]}}
        }),
        json!({}),
    )
}

#[test]
fn bounded_body_size_concurrency_and_response_time() {
    let f = Fixture::start(&[("slow.json", slow(2)), ("echo.json", echo())], |c| {
        c.max_body = 1024;
        c.max_runs = 1;
        c.response_timeout = Duration::from_millis(700);
    });
    let echo_url = f.url("echo", KeyKind::Primary, None);
    let big = format!("\"{}\"", "x".repeat(2000));
    refused(
        &f,
        &f.post(&echo_url, &big),
        413,
        "RequestEntityTooLarge",
        0,
    );
    // A slow run holds the only worker: the caller gets 504 at the time
    // limit, the run goes on, another request meanwhile gets 429.
    let slow_url = f.url("slow", KeyKind::Primary, None);
    let addr = f.server().addr();
    let t0 = std::time::Instant::now();
    let first = std::thread::spawn(move || request(addr, "POST", &slow_url, &[], b"", T).unwrap());
    std::thread::sleep(Duration::from_millis(300));
    let r = f.post(&echo_url, "{}");
    refused(&f, &r, 429, "TooManyRequests", 0);
    assert_eq!(r.header("retry-after"), Some("1"));
    let r = first.join().unwrap();
    assert_eq!(r.status, 504, "{r:?}");
    assert_eq!(r.error_code().as_deref(), Some("GatewayTimeout"));
    assert!(
        t0.elapsed() < Duration::from_millis(1900),
        "{:?}",
        t0.elapsed()
    );
    // The run finishes and is stored; then the worker is free again.
    for _ in 0..60 {
        if f.runs() == 1 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(f.runs(), 1);
    assert_eq!(f.post(&echo_url, "{}").status, 201);
}

#[test]
fn a_stalled_client_holds_no_worker() {
    use std::io::Write;
    let f = Fixture::start(&[("echo.json", echo())], |c| {
        c.max_runs = 1;
        c.header_timeout = Duration::from_millis(500);
        c.body_timeout = Duration::from_millis(500);
    });
    let url = f.url("echo", KeyKind::Primary, None);
    let addr = f.server().addr();
    // Headers never finished: the server closes the connection.
    let mut a = std::net::TcpStream::connect(addr).unwrap();
    a.write_all(b"POST / HTTP/1.1\r\nHost: x\r\n").unwrap();
    // A body that never comes: 408 after the body timeout.
    let mut b = std::net::TcpStream::connect(addr).unwrap();
    b.set_read_timeout(Some(T)).unwrap();
    write!(
        b,
        "POST {url} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{{"
    )
    .unwrap();
    // Meanwhile the only worker is free for a real caller.
    assert_eq!(f.post(&url, "{}").status, 201);
    let r = lapis::serve::client::read_reply(&mut b).unwrap();
    assert_eq!(r.status, 408, "{r:?}");
    a.set_read_timeout(Some(T)).unwrap();
    let mut buf = Vec::new();
    let _ = std::io::Read::read_to_end(&mut a, &mut buf);
    assert!(
        !String::from_utf8_lossy(&buf).contains(" 200 "),
        "closed without a run"
    );
    assert_eq!(f.runs(), 1);
}

#[test]
fn shutdown_drains_running_runs_and_answers_their_callers() {
    let mut f = Fixture::start(&[("slow.json", slow(1))], |_| {});
    let url = f.url("slow", KeyKind::Primary, None);
    let addr = f.server().addr();
    let caller = std::thread::spawn(move || request(addr, "POST", &url, &[], b"", T).unwrap());
    std::thread::sleep(Duration::from_millis(300));
    f.shutdown();
    let r = caller.join().unwrap();
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body, "done");
    assert_eq!(f.runs(), 1);
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "no longer listening"
    );
}

#[test]
fn the_run_history_api_needs_the_management_token() {
    let f = Fixture::start(&[("echo.json", echo())], |_| {});
    let r = f.post(&f.url("echo", KeyKind::Primary, None), r#"{"v": 1}"#);
    let id = r.header("x-ms-workflow-run-id").unwrap().to_owned();
    for auth in [None, Some("Bearer wrong"), Some("Basic eA==")] {
        let h: Vec<(&str, &str)> = auth.iter().map(|a| ("Authorization", *a)).collect();
        let r = f.call("GET", "/workflows/echo/runs", &h, "");
        assert_eq!(r.status, 401, "{r:?}");
        assert_eq!(r.error_code().as_deref(), Some("AuthenticationFailed"));
        assert!(!r.body.contains(&id));
    }
    let list = f.api("/workflows/echo/runs");
    assert_eq!(list.status, 200);
    assert_eq!(list.json()[0]["run_id"], id.as_str());
    let one = f.api(&format!("/workflows/echo/runs/{id}"));
    assert_eq!(one.status, 200);
    // The same shape as `lapis runs show --format json`.
    let stored = History::open(&f.dir.path().join("data/runs.sqlite"))
        .unwrap()
        .get(&id)
        .unwrap()
        .unwrap();
    assert_eq!(one.json(), serde_json::to_value(&stored).unwrap());
    assert_eq!(
        f.api("/workflows/echo/runs/08584000000000000000000000000CU00")
            .status,
        404
    );
    assert_eq!(f.api("/workflows/nope/runs").status, 404);
}

#[test]
fn access_control_contents_and_actions_filter_the_history_api() {
    let f = Fixture::start(
        &[
            (
                "nobody.json",
                arm(
                    "nobody",
                    json!({"contents": {"allowedCallerIpAddresses": [{"addressRange": "0.0.0.0-0.0.0.0"}]}}),
                ),
            ),
            (
                "local.json",
                arm(
                    "local",
                    json!({"contents": {"allowedCallerIpAddresses": [{"addressRange": "127.0.0.1"}]}}),
                ),
            ),
            (
                "noactions.json",
                arm(
                    "noactions",
                    json!({"actions": {"allowedCallerIpAddresses": [{"addressRange": "10.0.0.0/8"}]}}),
                ),
            ),
        ],
        |_| {},
    );
    for name in ["nobody", "local", "noactions"] {
        let r = f.post(
            &f.url(name, KeyKind::Primary, None),
            r#"{"marker": "m-123"}"#,
        );
        assert_eq!(r.status, 201, "{r:?}");
        let id = r.header("x-ms-workflow-run-id").unwrap();
        let run = f.api(&format!("/workflows/{name}/runs/{id}"));
        assert_eq!(run.status, 200);
        let j = run.json();
        assert_eq!(j["status"], "Succeeded");
        match name {
            "nobody" => {
                assert!(!run.body.contains("m-123"), "{}", run.body);
                assert_eq!(
                    j["trigger"]["outputs"],
                    lapis::serve::history_view::RESTRICTED
                );
                assert_eq!(
                    j["actions"]["Compose"]["inputs"],
                    lapis::serve::history_view::RESTRICTED
                );
                assert_eq!(
                    j["response"]["body"],
                    lapis::serve::history_view::RESTRICTED
                );
                assert_eq!(j["actions"]["Compose"]["status"], "Succeeded");
            }
            "local" => assert!(run.body.contains("m-123")),
            _ => {
                assert_eq!(j["actions"]["Compose"].as_object().unwrap().len(), 3, "{j}");
                assert_eq!(j["trigger"]["outputs"]["body"]["marker"], "m-123");
            }
        }
    }
}

#[test]
fn a_canary_in_secured_inputs_and_outputs_never_leaves_the_run() {
    const CANARY: &str = "CANARY-7f3e9b2d-never-stored";
    let wf = json!({
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "contentVersion": "1.0.0.0",
        "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {},
            "runtimeConfiguration": {"secureData": {"properties": ["inputs", "outputs"]}}}},
        "actions": {
            "Pick": {"type": "Compose", "inputs": "@triggerBody()?['token']", "runAfter": {},
                "runtimeConfiguration": {"secureData": {"properties": ["inputs", "outputs"]}}},
            "Make": {"type": "Compose", "inputs": "@concat('CANARY-', '7f3e9b2d-never-stored')", "runAfter": {"Pick": ["Succeeded"]},
                "runtimeConfiguration": {"secureData": {"properties": ["outputs"]}}},
            "Response": {"type": "Response", "kind": "Http", "inputs": {"statusCode": 200, "body": {"ok": true}}, "runAfter": {"Make": ["Succeeded"]}}
        },
        "outputs": {}
    });
    let mut f = Fixture::start(&[("secure.json", wf)], |_| {});
    let url = f.url("secure", KeyKind::Primary, None);
    let r = f.post(&url, &format!(r#"{{"token": "{CANARY}"}}"#));
    assert_eq!(r.status, 200, "{r:?}");
    assert!(!r.body.contains(CANARY));
    let id = r.header("x-ms-workflow-run-id").unwrap().to_owned();
    let list = f.api("/workflows/secure/runs");
    let one = f.api(&format!("/workflows/secure/runs/{id}"));
    assert_eq!(one.status, 200);
    assert_eq!(one.json()["actions"]["Make"]["outputs"], lapis::run::HIDDEN);
    for a in [&list, &one] {
        assert!(!a.body.contains(CANARY), "history API: {}", a.body);
        assert!(!a.body.contains("7f3e9b2d"), "history API: {}", a.body);
    }
    f.shutdown();
    let logs = f.logs.lock().unwrap().join("\n");
    assert!(!logs.contains(CANARY) && !logs.contains("sig="), "{logs}");
    for entry in std::fs::read_dir(f.dir.path().join("data")).unwrap() {
        let p = entry.unwrap().path();
        let bytes = std::fs::read(&p).unwrap();
        assert!(
            !bytes.windows(CANARY.len()).any(|w| w == CANARY.as_bytes()),
            "{} holds the canary",
            p.display()
        );
    }
}

#[test]
fn the_caller_is_answered_when_the_response_runs_in_clear_while_the_run_goes_on() {
    const TOKEN: &str = "order-token-5b21c4";
    let wf = definition(
        json!({
            "Response": {"type": "Response", "kind": "Http", "runAfter": {},
                "inputs": {"statusCode": 200, "body": {"token": "@triggerBody()?['token']", "run": "@workflow()?['run']?['name']"}},
                "runtimeConfiguration": {"secureData": {"properties": ["inputs"]}}},
            "Wait": {"type": "Wait", "inputs": {"interval": {"count": 2, "unit": "Second"}},
                "runAfter": {"Response": ["Succeeded"]}}
        }),
        json!({}),
    );
    let f = Fixture::start(&[("early.json", wf)], |_| {});
    let url = f.url("early", KeyKind::Primary, None);
    let t0 = std::time::Instant::now();
    let r = f.post(&url, &format!(r#"{{"token": "{TOKEN}"}}"#));
    let answered = t0.elapsed();
    assert_eq!(r.status, 200, "{r:?}");
    // The caller gets the secured Response's body in clear: only the run
    // history hides it.
    assert_eq!(r.json()["token"], TOKEN);
    // workflow().run.name is the id the caller is given.
    let id = r.header("x-ms-workflow-run-id").unwrap().to_owned();
    assert_eq!(r.json()["run"], json!(id));
    assert!(
        answered < Duration::from_millis(1800),
        "answered after {answered:?}, not when the Response ran"
    );
    assert_eq!(
        f.server().runs_in_progress(),
        1,
        "the run goes on after the Response"
    );
    assert_eq!(f.stored(), 0);
    assert_eq!(f.runs(), 1);
    let one = f.api(&format!("/workflows/early/runs/{id}"));
    assert_eq!(one.status, 200, "{one:?}");
    assert_eq!(one.json()["status"], "Succeeded");
    // Secure inputs on a Response hide its outputs too.
    assert_eq!(
        one.json()["actions"]["Response"]["inputs"],
        lapis::run::HIDDEN
    );
    assert_eq!(
        one.json()["actions"]["Response"]["outputs"],
        lapis::run::HIDDEN
    );
}

#[test]
fn standard_url_shape_is_served() {
    let f = Fixture::start(
        &[(
            "orders/workflow.json",
            json!({"definition": echo(), "kind": "Stateful"}),
        )],
        |_| {},
    );
    let url = f.url("orders", KeyKind::Primary, None);
    assert!(
        url.starts_with("/api/orders/triggers/manual/invoke/orders/42?api-version=2022-05-01&sp="),
        "{url}"
    );
    let r = f.post(&url, r#"{"s": 1}"#);
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(r.json(), json!({"got": {"s": 1}}));
}

#[test]
fn unknown_routes_and_files_without_request_triggers() {
    let f = Fixture::start(&[("echo.json", echo())], |_| {});
    let r = f.post(
        "/workflows/nope/triggers/manual/paths/invoke?api-version=2016-10-01",
        "{}",
    );
    assert_eq!(
        (r.status, r.error_code().as_deref()),
        (404, Some("WorkflowNotFound"))
    );
    let r = f.post(
        "/workflows/echo/triggers/nope/paths/invoke?api-version=2016-10-01",
        "{}",
    );
    assert_eq!(
        (r.status, r.error_code().as_deref()),
        (404, Some("WorkflowTriggerNotFound"))
    );
    let dir = tempfile::tempdir().unwrap();
    let p: PathBuf = dir.path().join("timer.json");
    let mut wf = echo();
    wf["triggers"] = json!({"Recurrence": {"type": "Recurrence", "recurrence": {"frequency": "Hour", "interval": 1}}});
    std::fs::write(&p, wf.to_string()).unwrap();
    let e = server::load(std::slice::from_ref(&p)).unwrap_err();
    assert!(
        e.contains("no workflow with a Request trigger") && e.contains("timer.json"),
        "{e}"
    );
    let bad: &Path = &dir.path().join("bad.json");
    std::fs::write(bad, "{\"triggers\": ").unwrap();
    let e = server::load(&[bad.to_owned()]).unwrap_err();
    assert!(e.contains("bad.json"), "{e}");
}

#[test]
fn lapis_serve_prints_urls_and_a_token_and_drains_on_ctrl_c() {
    use std::io::{BufRead, BufReader, Read};
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("slow.json");
    std::fs::write(&file, slow(1).to_string()).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_lapis"))
        .args(["serve", file.to_str().unwrap(), "--port", "0"])
        .env("LAPIS_DATA_DIR", dir.path().join("data"))
        .env("LAPIS_NO_KEYCHAIN", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    loop {
        let mut l = String::new();
        assert!(
            out.read_line(&mut l).unwrap() > 0,
            "serve ended early: {lines:?}"
        );
        let done = l.contains("run history:");
        lines.push(l.trim().to_owned());
        if done {
            break;
        }
    }
    let base = lines[0]
        .strip_prefix("lapis serve: listening on ")
        .unwrap()
        .to_owned();
    let token = lines[1]
        .strip_prefix("management token: ")
        .unwrap()
        .to_owned();
    assert_eq!(token.len(), 43, "256 bits in base64url");
    let url = lines
        .iter()
        .find_map(|l| l.strip_prefix("trigger manual POST: "))
        .unwrap()
        .to_owned();
    let target = url.strip_prefix(&base).unwrap().to_owned();
    let addr: std::net::SocketAddr = base.strip_prefix("http://").unwrap().parse().unwrap();
    let caller = std::thread::spawn(move || request(addr, "POST", &target, &[], b"", T).unwrap());
    std::thread::sleep(Duration::from_millis(400));
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let r = caller.join().unwrap();
    assert_eq!(
        (r.status, r.body.as_str()),
        (200, "done"),
        "the running run was drained"
    );
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(
        err.contains("POST /workflows/slow/triggers/manual/paths/invoke 200 run 08584"),
        "{err}"
    );
    assert!(err.contains("lapis serve: stopped"), "{err}");
    assert!(!err.contains("sig="), "{err}");
    let h = History::open(&dir.path().join("data/runs.sqlite")).unwrap();
    assert_eq!(h.list(None).unwrap().len(), 1);
}
