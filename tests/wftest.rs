//! Workflow tests (`lapis test`): assertions of each kind passing and
//! failing, mocks of each status, bad files with positions, JUnit XML
//! shape, `--update`, coverage, the bundled samples' tests, and a test made
//! from a real sandbox run then replayed with the sandbox gone.

use lapis::wftest::{self, report, runner, runner::Outcome};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn lapis(dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> Out {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lapis"));
    cmd.args(args).current_dir(dir);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().expect("the lapis binary runs");
    Out {
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn write(dir: &Path, name: &str, v: &Value) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_string_pretty(v).unwrap()).unwrap();
    p
}

/// A workflow with a Request trigger, an Http call, a Foreach over its
/// body, a handler on failure and a Response.
fn workflow() -> Value {
    json!({
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"greeting": {"type": "String", "defaultValue": "hello"}},
        "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {"schema": {}}}},
        "actions": {
            "Get_items": {
                "type": "Http",
                "inputs": {"method": "GET", "uri": "https://api.contoso.invalid/items", "queries": {"who": "@triggerBody()?['who']"}},
                "runAfter": {}
            },
            "Each_item": {
                "type": "Foreach",
                "foreach": "@body('Get_items')?['items']",
                "actions": {
                    "Shape": {"type": "Compose", "inputs": {"id": "@items('Each_item')?['id']", "text": "@{parameters('greeting')} @{items('Each_item')?['name']}"}, "runAfter": {}}
                },
                "runAfter": {"Get_items": ["Succeeded"]}
            },
            "Handle_failure": {
                "type": "Compose",
                "inputs": "failed: @{actions('Get_items')?['status']}",
                "runAfter": {"Get_items": ["Failed", "TimedOut"]}
            },
            "Reply": {
                "type": "Response",
                "kind": "Http",
                "inputs": {
                    "statusCode": 200,
                    "headers": {"Content-Type": "application/json", "X-Count": "@{length(body('Get_items')?['items'])}"},
                    "body": {"greeting": "@parameters('greeting')", "count": "@length(body('Get_items')?['items'])", "first": "@first(body('Get_items')?['items'])"}
                },
                "runAfter": {"Each_item": ["Succeeded"]}
            }
        },
        "outputs": {}
    })
}

fn items_mock() -> Value {
    json!({"status": "Succeeded", "outputs": {"statusCode": 200, "body": {"items": [
        {"id": 1, "name": "ada"}, {"id": 2, "name": "bob"}, {"id": 3, "name": "cy"}
    ]}}})
}

fn setup() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "flow.json", &workflow());
    d
}

fn run_file(path: &Path) -> Vec<runner::CaseResult> {
    let f = wftest::load(path).unwrap_or_else(|e| panic!("{e}"));
    runner::run_all(&[f], None, 2)
}

#[test]
fn assertions_of_each_kind_pass() {
    let d = setup();
    let t = write(
        d.path(),
        "flow.lapistest.json",
        &json!({
            "workflow": "flow.json",
            "tests": [{
                "name": "all hold",
                "trigger": {"method": "POST", "headers": {"X-Id": "7"}, "body": {"who": "ops"}},
                "parameters": {"greeting": "hi"},
                "mocks": {"Get_items": items_mock()},
                "expect": {
                    "status": "Succeeded",
                    "actions": {
                        "Get_items": {"status": "Succeeded", "inputs": {"/queries/who": "ops"}, "outputs": {"/body/items/1/name": {"equals": "bob"}}},
                        "Each_item": {"status": "Succeeded", "iterations": 3},
                        "Shape": {"outputs": {"/text": {"regex": "^hi [a-z]+$"}, "": {"schema": {"type": "object", "required": ["id", "text"], "properties": {"id": {"type": "integer"}}}}}},
                        "Handle_failure": {"notRun": true}
                    },
                    "response": {
                        "status": 200,
                        "headers": {"content-type": "application/json", "X-Count": {"regex": "^3$"}},
                        "body": {
                            "": {"contains": {"greeting": "hi"}},
                            "/count": 3,
                            "/first": {"equals": {"id": 1, "name": "ada"}},
                            "/greeting": {"contains": "h"}
                        }
                    }
                }
            }]
        }),
    );
    let r = run_file(&t);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].outcome, Outcome::Passed, "{}", report::text(&r));
    assert!(r[0].assertions >= 14, "{} assertions", r[0].assertions);
}

#[test]
fn assertions_of_each_kind_fail_with_expected_actual_and_position() {
    let d = setup();
    let t = write(
        d.path(),
        "flow.lapistest.json",
        &json!({
            "workflow": "flow.json",
            "tests": [{
                "name": "all wrong",
                "mocks": {"Get_items": items_mock()},
                "expect": {
                    "status": "Failed",
                    "actions": {
                        "Get_items": {"status": "Failed", "outputs": {"/body/items/1/name": {"equals": "bobby"}}, "errorCode": "BadGateway"},
                        "Each_item": {"iterations": 2},
                        "Shape": {"outputs": {"/text": {"regex": "^bye"}, "": {"schema": {"type": "object", "required": ["missing"]}}}},
                        "Handle_failure": {"status": "Succeeded"},
                        "Reply": {"notRun": true}
                    },
                    "response": {
                        "status": 201,
                        "headers": {"X-Count": "4"},
                        "body": {"": {"contains": {"greeting": "bye"}}, "/first": {"equals": {"id": 1, "name": "ada", "extra": true}}}
                    }
                }
            }]
        }),
    );
    let r = run_file(&t);
    assert_eq!(r[0].outcome, Outcome::Failed);
    let whats: Vec<&str> = r[0].failures.iter().map(|f| f.what.as_str()).collect();
    for w in [
        "run status",
        "actions.Get_items status",
        "actions.Get_items outputs /body/items/1/name equals",
        "actions.Get_items errorCode",
        "actions.Each_item iterations",
        "actions.Shape outputs (iteration 0) /text regex",
        "actions.Shape outputs (iteration 0) (whole) schema",
        "actions.Handle_failure status",
        "actions.Reply notRun",
        "response status",
        "response header X-Count equals",
        "response body (whole) contains",
        "response body /first equals",
    ] {
        assert!(whats.contains(&w), "missing failure '{w}' in {whats:#?}");
    }
    let text = report::text(&r);
    // Expected against actual, and where in the test file.
    let it = r[0]
        .failures
        .iter()
        .find(|f| f.what == "actions.Each_item iterations")
        .unwrap();
    assert_eq!((it.expected.as_str(), it.actual.as_str()), ("2", "3"));
    let src = std::fs::read_to_string(&t).unwrap();
    let line = src.lines().nth(it.line - 1).unwrap();
    assert!(line.contains("\"iterations\": 2"), "{line}");
    let first = r[0]
        .failures
        .iter()
        .find(|f| f.what == "response body /first equals")
        .unwrap();
    assert_eq!(first.diff, vec!["/extra: expected true, actual (absent)"]);
    assert!(
        text.contains("expected: Failed") && text.contains("actual:   Succeeded"),
        "{text}"
    );
    let schema = r[0]
        .failures
        .iter()
        .find(|f| f.what.ends_with("schema"))
        .unwrap();
    assert!(
        schema.diff[0].contains("required property 'missing'"),
        "{:?}",
        schema.diff
    );
}

#[test]
fn mocks_of_each_status_drive_run_after() {
    let d = setup();
    let case = |status: &str, expect: Value| {
        json!({
            "name": format!("Get_items {status}"),
            "mocks": {"Get_items": {"status": status, "outputs": {"statusCode": 500, "body": {"items": []}}, "error": if status == "Succeeded" { Value::Null } else { json!({"code": format!("Mocked{status}"), "message": "mocked"}) }}},
            "expect": expect
        })
    };
    let t = write(
        d.path(),
        "flow.lapistest.json",
        &json!({
            "workflow": "flow.json",
            "tests": [
                case("Succeeded", json!({"status": "Succeeded", "actions": {"Handle_failure": {"notRun": true}, "Each_item": {"iterations": 0}, "Reply": {"status": "Succeeded"}}, "response": {"status": 200}})),
                case("Failed", json!({"status": "Failed", "actions": {"Get_items": {"status": "Failed", "errorCode": "MockedFailed"}, "Handle_failure": {"status": "Succeeded", "outputs": {"": "failed: Failed"}}, "Reply": {"notRun": true}}, "response": null})),
                case("TimedOut", json!({"status": "Failed", "actions": {"Get_items": {"status": "TimedOut"}, "Handle_failure": {"status": "Succeeded", "outputs": {"": {"contains": "TimedOut"}}}, "Each_item": {"notRun": true}}})),
                case("Skipped", json!({"actions": {"Get_items": {"status": "Skipped"}, "Handle_failure": {"notRun": true}, "Each_item": {"notRun": true}, "Reply": {"notRun": true}}, "response": null})),
                case("Cancelled", json!({"actions": {"Get_items": {"status": "Cancelled"}, "Handle_failure": {"notRun": true}, "Reply": {"notRun": true}}}))
            ]
        }),
    );
    let r = run_file(&t);
    assert_eq!(r.len(), 5);
    for c in &r {
        assert_eq!(c.outcome, Outcome::Passed, "{}", report::text(&r));
    }
}

#[test]
fn an_unmocked_outside_call_is_refused_before_anything_runs() {
    let d = setup();
    let t = write(
        d.path(),
        "flow.lapistest.json",
        &json!({"workflow": "flow.json", "tests": [{"name": "no mock", "expect": {"status": "Succeeded"}}]}),
    );
    let r = run_file(&t);
    assert_eq!(r[0].outcome, Outcome::Error);
    let e = r[0].error.as_deref().unwrap();
    assert!(
        e.contains("'Get_items' (Http) would call the network"),
        "{e}"
    );
    assert!(e.contains("flow.lapistest.json:"), "{e}");
    assert!(r[0].run.is_none());
    let out = lapis(d.path(), &["test", "flow.lapistest.json"], &[]);
    assert_eq!(out.code, Some(2), "{}{}", out.stdout, out.stderr);
}

#[test]
fn bad_test_files_say_file_line_and_column() {
    let d = setup();
    let cases: Vec<(&str, &str, (usize, usize), &str)> = vec![
        ("syntax", "{\n  \"workflow\": \"flow.json\",\n  \"tests\": [\n    {\"name\": \"x\",}\n  ]\n}\n", (4, 18), ""),
        ("unknown field", "{\n  \"workflow\": \"flow.json\",\n  \"tests\": [\n    {\"name\": \"x\", \"expekt\": {}}\n  ]\n}\n", (4, 19), "unknown field 'expekt'"),
        ("bad status", "{\n  \"workflow\": \"flow.json\",\n  \"tests\": [{\"name\": \"x\",\n    \"expect\": {\"status\": \"Sucess\"}}]\n}\n", (4, 16), "unknown status 'Sucess'"),
        ("bad regex", "{\n  \"workflow\": \"flow.json\",\n  \"tests\": [{\"name\": \"x\",\n    \"expect\": {\"response\": {\n      \"body\": {\"/a\": {\"regex\": \"(\"}}}}}]\n}\n", (5, 23), "bad regular expression"),
        ("bad pointer", "{\n  \"workflow\": \"flow.json\",\n  \"tests\": [{\"name\": \"x\",\n    \"expect\": {\"actions\": {\"Reply\": {\"outputs\": {\"body\": 1}}}}}]\n}\n", (4, 50), "is not a JSON pointer"),
        ("no tests", "{\"workflow\": \"flow.json\", \"tests\": []}", (1, 27), "'tests' is empty"),
        ("duplicate name", "{\"workflow\": \"flow.json\", \"tests\": [{\"name\": \"a\"},\n {\"name\": \"a\"}]}", (2, 3), "two cases are named 'a'"),
    ];
    for (what, text, (line, col), msg) in cases {
        let p = d
            .path()
            .join(format!("{}.lapistest.json", what.replace(' ', "-")));
        std::fs::write(&p, text).unwrap();
        let e = wftest::load(&p).expect_err(what);
        assert_eq!((e.line, e.column), (line, col), "{what}: {e}");
        assert!(e.message.contains(msg), "{what}: {e}");
        let out = lapis(
            d.path(),
            &["test", p.file_name().unwrap().to_str().unwrap()],
            &[],
        );
        assert_eq!(out.code, Some(2), "{what}: {}", out.stderr);
        let want = format!("{}:{line}:{col}:", p.file_name().unwrap().to_str().unwrap());
        assert!(out.stderr.contains(&want), "{what}: {}", out.stderr);
    }
    // A missing workflow is an error of the case, at the "workflow" field.
    let p = write(
        d.path(),
        "gone.lapistest.json",
        &json!({"workflow": "nope.json", "tests": [{"name": "x"}]}),
    );
    let r = run_file(&p);
    assert_eq!(r[0].outcome, Outcome::Error);
    assert!(
        r[0].error
            .as_deref()
            .unwrap()
            .contains("gone.lapistest.json:2:"),
        "{:?}",
        r[0].error
    );
}

#[test]
fn junit_xml_has_the_junit_shape_and_escapes_what_it_must() {
    let d = setup();
    write(
        d.path(),
        "flow.lapistest.json",
        &json!({
            "workflow": "flow.json",
            "tests": [
                {"name": "passes <&> \"quoted\" 'single'", "mocks": {"Get_items": items_mock()}, "expect": {"status": "Succeeded"}},
                {"name": "fails\u{1}", "mocks": {"Get_items": items_mock()}, "expect": {"response": {"body": {"/greeting": "<b>&amp;</b>"}}}},
                {"name": "errors", "expect": {}}
            ]
        }),
    );
    let out = lapis(
        d.path(),
        &["test", ".", "--format", "junit", "-o", "report.xml"],
        &[],
    );
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(
        out.stdout.contains("3 tests: 1 passed, 1 failed, 1 errors"),
        "{}",
        out.stdout
    );
    let xml = std::fs::read_to_string(d.path().join("report.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(root.attribute("tests"), Some("3"));
    assert_eq!(root.attribute("failures"), Some("1"));
    assert_eq!(root.attribute("errors"), Some("1"));
    let suites: Vec<_> = root.children().filter(|n| n.is_element()).collect();
    assert_eq!(suites.len(), 1);
    let suite = suites[0];
    assert_eq!(suite.tag_name().name(), "testsuite");
    // The Ant JUnit XSD's required attributes of a testsuite.
    for a in [
        "name",
        "tests",
        "failures",
        "errors",
        "time",
        "timestamp",
        "hostname",
        "id",
        "package",
    ] {
        assert!(suite.attribute(a).is_some(), "testsuite lacks {a}");
    }
    assert!(suite.attribute("time").unwrap().parse::<f64>().is_ok());
    let kids: Vec<&str> = suite
        .children()
        .filter(|n| n.is_element())
        .map(|n| n.tag_name().name())
        .collect();
    assert_eq!(
        kids,
        [
            "properties",
            "testcase",
            "testcase",
            "testcase",
            "system-out",
            "system-err"
        ]
    );
    let cases: Vec<_> = suite
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    for c in &cases {
        for a in ["name", "classname", "time"] {
            assert!(c.attribute(a).is_some(), "testcase lacks {a}");
        }
    }
    assert_eq!(
        cases[0].attribute("name"),
        Some("passes <&> \"quoted\" 'single'")
    );
    assert_eq!(cases[0].children().filter(|n| n.is_element()).count(), 0);
    assert_eq!(cases[1].attribute("name"), Some("fails\u{FFFD}"));
    let failure = cases[1]
        .children()
        .find(|n| n.has_tag_name("failure"))
        .unwrap();
    assert!(failure
        .attribute("message")
        .unwrap()
        .contains("\"<b>&amp;</b>\""));
    assert!(failure
        .text()
        .unwrap()
        .contains("expected: \"<b>&amp;</b>\""));
    assert!(failure.attribute("type").is_some());
    let error = cases[2]
        .children()
        .find(|n| n.has_tag_name("error"))
        .unwrap();
    assert!(error
        .attribute("message")
        .unwrap()
        .contains("would call the network"));
}

#[test]
fn update_rewrites_failed_expectations_and_keeps_the_rest() {
    let d = setup();
    let t = write(
        d.path(),
        "flow.lapistest.json",
        &json!({
            "workflow": "flow.json",
            "tests": [{
                "name": "stale",
                "mocks": {"Get_items": items_mock()},
                "expect": {
                    "status": "Failed",
                    "actions": {"Each_item": {"iterations": 5}, "Get_items": {"outputs": {"/statusCode": {"equals": 0}}}},
                    "response": {"status": 500, "body": {"/first": {"equals": {}}, "/greeting": {"regex": "^hello$"}}}
                }
            }]
        }),
    );
    let out = lapis(d.path(), &["test", "flow.lapistest.json"], &[]);
    assert_eq!(out.code, Some(1), "{}", out.stdout);
    let out = lapis(d.path(), &["test", "flow.lapistest.json", "--update"], &[]);
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("updated 5 expected value(s)"),
        "{}",
        out.stderr
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&t).unwrap()).unwrap();
    let e = &v["tests"][0]["expect"];
    assert_eq!(e["status"], "Succeeded");
    assert_eq!(e["actions"]["Each_item"]["iterations"], 3);
    assert_eq!(
        e["actions"]["Get_items"]["outputs"]["/statusCode"],
        json!({"equals": 200})
    );
    assert_eq!(e["response"]["status"], 200);
    assert_eq!(
        e["response"]["body"]["/first"],
        json!({"equals": {"id": 1, "name": "ada"}})
    );
    assert_eq!(
        e["response"]["body"]["/greeting"],
        json!({"regex": "^hello$"})
    );
    // A failing regex is not rewritten: --update leaves it failing.
    std::fs::write(
        &t,
        std::fs::read_to_string(&t)
            .unwrap()
            .replace("^hello$", "^bye$"),
    )
    .unwrap();
    let out = lapis(d.path(), &["test", "flow.lapistest.json", "--update"], &[]);
    assert_eq!(out.code, Some(1), "{}", out.stdout);
    assert!(
        out.stdout.contains("response body /greeting regex"),
        "{}",
        out.stdout
    );
}

#[test]
fn update_keeps_the_test_files_comments_and_untouched_lines() {
    let d = setup();
    let t = d.path().join("flow.lapistest.json");
    let mock = serde_json::to_string(&items_mock()).unwrap();
    let before = format!(
        "{{\n  // the order flow\n  \"workflow\": \"flow.json\",\n  \"tests\": [\n    {{\n      \"name\": \"stale\", /* renamed later */\n      \"mocks\": {{\"Get_items\": {mock}}},\n      \"expect\": {{\n        // was Failed before the fix\n        \"status\": \"Failed\"\n      }}\n    }}\n  ]\n}}\n"
    );
    std::fs::write(&t, &before).unwrap();
    let out = lapis(d.path(), &["test", "flow.lapistest.json", "--update"], &[]);
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    let after = std::fs::read_to_string(&t).unwrap();
    assert_eq!(
        after,
        before.replace("\"status\": \"Failed\"", "\"status\": \"Succeeded\""),
        "only the expectation's value changed"
    );
}

#[test]
fn filter_json_format_and_coverage() {
    let d = setup();
    write(
        d.path(),
        "flow.lapistest.json",
        &json!({
            "workflow": "flow.json",
            "tests": [
                {"name": "happy", "mocks": {"Get_items": items_mock()}, "expect": {"status": "Succeeded"}},
                {"name": "sad", "mocks": {"Get_items": {"status": "Failed"}}, "expect": {"status": "Failed"}}
            ]
        }),
    );
    let out = lapis(
        d.path(),
        &["test", "--filter", "HAP", "--format", "json"],
        &[],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["totals"]["tests"], 1);
    assert_eq!(v["results"][0]["name"], "happy");
    assert_eq!(v["results"][0]["outcome"], "passed");
    let out = lapis(d.path(), &["test", "flow.json", "--coverage"], &[]);
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    // 5 actions all run by one case or the other; of the 4 edges, the
    // TimedOut handler is never taken.
    assert!(
        out.stdout.contains("actions 5/5, run-after edges 3/4"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("edge not taken: Get_items -> Handle_failure on TimedOut"),
        "{}",
        out.stdout
    );
    let out = lapis(
        d.path(),
        &["test", "--filter", "sad", "--coverage", "--format", "json"],
        &[],
    );
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let actions = v["coverage"][0]["actions"].as_array().unwrap();
    assert!(actions.contains(&json!(["Reply", false])), "{actions:?}");
}

#[test]
fn the_bundled_samples_pass_their_tests() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let found = wftest::discover(&[root.join("samples")]).unwrap();
    assert!(found.len() >= 2, "{found:?}");
    let out = lapis(root, &["test", "samples/"], &[]);
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains(" 0 failed, 0 errors"), "{}", out.stdout);
}

#[test]
fn a_test_made_from_a_sandbox_run_replays_without_the_network() {
    use lapis::invoke::CallOptions;
    use lapis::run::history::{History, FILE_NAME};
    use lapis::run::{run, RunOptions, Status, TriggerRequest};
    use lapis::sandbox::{Config, Sandbox};
    use lapis::secrets::{Secret, SecretStore};
    use std::time::Duration;

    let d = tempfile::tempdir().unwrap();
    let data = d.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sb = rt
        .block_on(Sandbox::start(Config::demo()))
        .expect("the sandbox starts");
    let mut wf = sb.sample_workflow();
    // One call's outputs are secured: the test must not copy them.
    wf["actions"]["Header_protected"]["runtimeConfiguration"] =
        json!({"secureData": {"properties": ["inputs", "outputs"]}});
    wf["actions"]["Reply"] = json!({
        "type": "Response", "runAfter": {"Get_status": ["Succeeded"]},
        "inputs": {"statusCode": 200, "body": {"status": "@body('Get_status')"}}
    });
    let wf_path = write(d.path(), "sandbox-flow.json", &wf);
    let doc = lapis::workflow::Document::load(&wf_path).unwrap();
    let secrets = {
        use base64::Engine as _;
        let s = SecretStore::without_keychain();
        s.set("clientSecret", Secret::new(sb.client_secret.clone()));
        s.set(
            "clientPfx",
            Secret::new(base64::engine::general_purpose::STANDARD.encode(&sb.client_pfx)),
        );
        s.set("pfxPassword", Secret::new(sb.client_pfx_password.clone()));
        s.set(
            "basicPassword",
            Secret::new(sb.config.api.basic_password.clone()),
        );
        s.set(
            "privateToken",
            Secret::new(sb.config.api.private_token.clone()),
        );
        s.set(
            "sessionCookie",
            Secret::new(sb.config.api.session_cookie.clone()),
        );
        s
    };
    let opts = RunOptions {
        file: Some(wf_path.clone()),
        secrets: secrets.clone(),
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
        body: json!({"who": "ops"}),
        ..TriggerRequest::default()
    };
    let recorded = run(&doc, &req, opts).expect("the run starts");
    assert_eq!(recorded.status, Status::Succeeded, "{:?}", recorded.error);
    let mut h = History::open(&data.join(FILE_NAME)).unwrap();
    h.add_secrets(&secrets);
    h.store(&recorded).unwrap();
    let keep = [
        sb.client_secret.clone(),
        sb.config.api.private_token.clone(),
        sb.config.api.session_cookie.clone(),
        sb.config.api.basic_password.clone(),
    ];
    // The network goes away.
    drop(sb);
    drop(rt);

    let env = [("LAPIS_DATA_DIR", data.as_path())];
    std::fs::create_dir_all(d.path().join("tests")).unwrap();
    let out = lapis(
        d.path(),
        &[
            "test",
            "new",
            "--from-run",
            &recorded.run_id,
            "-o",
            "tests/sandbox-flow.replay.lapistest.json",
        ],
        &env,
    );
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("2 secured value(s) were not recorded"),
        "{}",
        out.stdout
    );
    let tpath = d.path().join("tests/sandbox-flow.replay.lapistest.json");
    let text = std::fs::read_to_string(&tpath).unwrap();
    for s in &keep {
        assert!(
            !text.contains(s.as_str()),
            "a secret was copied into the test"
        );
    }
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["workflow"], "../sandbox-flow.json");
    let case = &v["tests"][0];
    assert_eq!(case["expect"]["status"], "Succeeded");
    assert_eq!(
        case["expect"]["actions"]["Get_status"]["status"],
        "Succeeded"
    );
    assert_eq!(case["expect"]["response"]["status"], 200);
    assert_eq!(case["trigger"]["body"], json!({"who": "ops"}));
    assert_eq!(
        case["mocks"]["Get_status"]["outputs"]["statusCode"],
        recorded.action("Get_status").unwrap().outputs["statusCode"]
    );
    let hole = case["mocks"]["Header_protected"]["outputs"]
        .as_str()
        .unwrap();
    assert!(hole.starts_with(wftest::PLACEHOLDER), "{hole}");
    // Unfilled, the test is refused where the placeholder is.
    let out = lapis(d.path(), &["test", "tests"], &[]);
    assert_eq!(out.code, Some(2), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("replay.lapistest.json:") && out.stderr.contains("placeholder"),
        "{}",
        out.stderr
    );
    // Filled in, it replays with no network and passes; the workflow file
    // is found from the test's `workflow` path.
    // (The Raw call's echo of its Authorization header was masked too.)
    let raw_hole = case["mocks"]["Raw_direct"]["outputs"]["body"]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h[0] == "authorization")
        .map(|h| h[1].clone())
        .unwrap();
    assert!(raw_hole.as_str().unwrap().starts_with(wftest::PLACEHOLDER));
    let filled = text
        .replace(
            &serde_json::to_string(hole).unwrap(),
            "{\"statusCode\": 200, \"body\": \"filled\"}",
        )
        .replace(&raw_hole.to_string(), "\"Bearer filled\"");
    std::fs::write(&tpath, filled).unwrap();
    let out = lapis(d.path(), &["test", "sandbox-flow.json"], &[]);
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("1 tests: 1 passed"), "{}", out.stdout);
}

#[test]
fn secure_parameters_come_from_the_environment_never_from_the_file() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "guarded.json",
        &json!({
            "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
            "contentVersion": "1.0.0.0",
            "parameters": {"token": {"type": "SecureString"}},
            "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {"schema": {}}}},
            "actions": {
                "Check": {
                    "type": "If", "runAfter": {},
                    "expression": {"and": [{"equals": ["@parameters('token')", "s3cret-canary-4417"]}]},
                    "actions": {"Right": {"type": "Compose", "runAfter": {}, "inputs": "right"}},
                    "else": {"actions": {"Wrong": {"type": "Compose", "runAfter": {}, "inputs": "wrong"}}}
                }
            }
        }),
    );
    // In clear in the file: refused where it is written.
    write(
        d.path(),
        "guarded.lapistest.json",
        &json!({"workflow": "guarded.json", "tests": [{"name": "clear", "parameters": {"token": "s3cret-canary-4417"}}]}),
    );
    let out = lapis(d.path(), &["test", "guarded.lapistest.json"], &[]);
    assert_eq!(out.code, Some(2), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("guarded.lapistest.json:7:9:")
            && out.stdout.contains("'token' is a SecureString parameter"),
        "{}",
        out.stdout
    );
    // From the environment: used, and nowhere in the report.
    write(
        d.path(),
        "guarded.lapistest.json",
        &json!({"workflow": "guarded.json", "tests": [{
            "name": "from env",
            "secrets": {"token": "env:LAPIS_WFTEST_TOKEN"},
            "expect": {"status": "Succeeded", "actions": {"Right": {"status": "Succeeded"}, "Wrong": {"notRun": true}}}
        }]}),
    );
    let out = lapis(
        d.path(),
        &["test", "guarded.lapistest.json", "--format", "json"],
        &[("LAPIS_WFTEST_TOKEN", Path::new("s3cret-canary-4417"))],
    );
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert!(!out.stdout.contains("s3cret-canary-4417"));
    let out = lapis(d.path(), &["test", "guarded.lapistest.json"], &[]);
    assert_eq!(out.code, Some(2), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("the environment variable LAPIS_WFTEST_TOKEN is not set"),
        "{}",
        out.stdout
    );
    // A secret written in place of "env:…" is refused without echoing it.
    std::fs::write(
        d.path().join("guarded.lapistest.json"),
        "{\"workflow\": \"guarded.json\", \"tests\": [{\"name\": \"x\",\n \"secrets\": {\"token\": \"s3cret-canary-4417\"}}]}",
    )
    .unwrap();
    let e = wftest::load(&d.path().join("guarded.lapistest.json")).unwrap_err();
    assert_eq!((e.line, e.column), (2, 14), "{e}");
    assert!(!e.to_string().contains("s3cret-canary-4417"), "{e}");
}

#[test]
fn until_iterations_and_a_template_workflow() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "loop.json",
        &json!({
            "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
            "contentVersion": "1.0.0.0",
            "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {"schema": {}}}},
            "actions": {
                "Init": {"type": "InitializeVariable", "runAfter": {}, "inputs": {"variables": [{"name": "n", "type": "integer", "value": 0}]}},
                "Poll": {
                    "type": "Until", "runAfter": {"Init": ["Succeeded"]},
                    "expression": "@greaterOrEquals(variables('n'), 4)",
                    "limit": {"count": 10, "timeout": "PT1M"},
                    "actions": {"Bump": {"type": "IncrementVariable", "runAfter": {}, "inputs": {"name": "n", "value": 1}}}
                }
            }
        }),
    );
    let t = write(
        d.path(),
        "loop.lapistest.json",
        &json!({"workflow": "loop.json", "tests": [
            {"name": "four", "expect": {"status": "Succeeded", "actions": {"Poll": {"iterations": 4, "inputs": {"/stoppedBy": "condition"}}, "Bump": {"status": "Succeeded"}}}},
            {"name": "not five", "expect": {"actions": {"Poll": {"iterations": 5}}}}
        ]}),
    );
    let r = run_file(&t);
    assert_eq!(r[0].outcome, Outcome::Passed, "{}", report::text(&r));
    assert_eq!(r[1].outcome, Outcome::Failed);
    assert_eq!(
        (
            r[1].failures[0].expected.as_str(),
            r[1].failures[0].actual.as_str()
        ),
        ("5", "4")
    );
    // The bundled ARM template form runs the same tests (workflow found in
    // `resources[]`).
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let r = run_file(&root.join("samples/app-proxy-status.template.lapistest.json"));
    assert!(
        r.iter().all(|c| c.outcome == Outcome::Passed),
        "{}",
        report::text(&r)
    );
}
