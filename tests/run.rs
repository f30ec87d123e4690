//! The local executor's semantics, written from Microsoft Learn's "Handle
//! errors and exceptions in Azure Logic Apps" and "Schema reference for
//! trigger and action types": run-after, skips, scope status, Terminate,
//! Foreach, Until, Response, variables, data operations, secure data.

use lapis::run::{run, Mock, Run, RunOptions, Status, TriggerRequest, HIDDEN};
use lapis::workflow::Document;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn doc(actions: Value) -> Document {
    doc_full(json!({
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "contentVersion": "1.0.0.0",
        "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {"schema": {}}}},
        "actions": actions,
    }))
}

fn doc_full(v: Value) -> Document {
    Document::from_value(v).expect("a workflow")
}

fn go(d: &Document) -> Run {
    go_with(d, TriggerRequest::default(), RunOptions::default())
}

fn go_with(d: &Document, req: TriggerRequest, opts: RunOptions) -> Run {
    run(d, &req, opts).expect("the run starts")
}

fn status(r: &Run, name: &str) -> Status {
    r.action(name)
        .unwrap_or_else(|| {
            panic!(
                "no record of {name}: {:?}",
                r.actions.keys().collect::<Vec<_>>()
            )
        })
        .status
}

fn compose(v: Value, after: Value) -> Value {
    json!({"type": "Compose", "inputs": v, "runAfter": after})
}

fn fail(after: Value) -> Value {
    // Division by zero fails at run time.
    json!({"type": "Compose", "inputs": "@div(1, 0)", "runAfter": after})
}

#[test]
fn sequence_and_outputs_flow() {
    let d = doc(json!({
        "A": compose(json!({"n": 2}), json!({})),
        "B": compose(json!("@add(outputs('A')['n'], 3)"), json!({"A": ["Succeeded"]})),
    }));
    let r = go(&d);
    assert_eq!(r.status, Status::Succeeded);
    assert_eq!(r.action("B").unwrap().outputs, json!(5));
}

#[test]
fn skips_propagate_and_a_handled_failure_does_not_fail_the_run() {
    let d = doc(json!({
        "Bad": fail(json!({})),
        "Next": compose(json!(1), json!({"Bad": ["Succeeded"]})),
        "AfterNext": compose(json!(2), json!({"Next": ["Succeeded"]})),
        "Handler": compose(json!("handled"), json!({"Bad": ["Failed", "TimedOut"]})),
    }));
    let r = go(&d);
    assert_eq!(status(&r, "Bad"), Status::Failed);
    assert_eq!(status(&r, "Next"), Status::Skipped);
    assert_eq!(status(&r, "AfterNext"), Status::Skipped);
    assert_eq!(status(&r, "Handler"), Status::Succeeded);
    // The last actions: Handler succeeded; AfterNext was skipped and stands
    // for Next, skipped, which stands for Bad, which failed.
    assert_eq!(r.status, Status::Failed);
    let err = r.error.expect("the run's error");
    assert!(err.message.contains("divide") || err.message.contains("zero") || !err.code.is_empty());
}

#[test]
fn a_failure_handled_at_the_end_succeeds() {
    let d = doc(json!({
        "Bad": fail(json!({})),
        "Handler": compose(json!("handled"), json!({"Bad": ["Failed"]})),
    }));
    let r = go(&d);
    assert_eq!(r.status, Status::Succeeded, "{:?}", r.error);
    assert!(r.error.is_none());
}

#[test]
fn run_after_skipped_runs_after_a_skip() {
    let d = doc(json!({
        "Bad": fail(json!({})),
        "Skipped1": compose(json!(1), json!({"Bad": ["Succeeded"]})),
        "OnSkip": compose(json!(2), json!({"Skipped1": ["Skipped"]})),
        "Handler": compose(json!(3), json!({"Bad": ["Failed"]})),
    }));
    let r = go(&d);
    assert_eq!(status(&r, "Skipped1"), Status::Skipped);
    assert_eq!(status(&r, "OnSkip"), Status::Succeeded);
    assert_eq!(r.status, Status::Succeeded);
}

#[test]
fn parallel_branches_run_at_the_same_time() {
    let wait = |after| json!({"type": "Wait", "inputs": {"interval": {"count": 400, "unit": "Second"}}, "runAfter": after});
    let d = doc(json!({
        "Start": compose(json!(0), json!({})),
        "Left": wait(json!({"Start": ["Succeeded"]})),
        "Right": wait(json!({"Start": ["Succeeded"]})),
        "Join": compose(json!("both"), json!({"Left": ["Succeeded"], "Right": ["Succeeded"]})),
    }));
    let opts = RunOptions {
        time_scale: 0.001, // 400 s → 400 ms
        ..RunOptions::default()
    };
    let t = Instant::now();
    let r = go_with(&d, TriggerRequest::default(), opts);
    let took = t.elapsed();
    assert_eq!(r.status, Status::Succeeded);
    assert!(took >= Duration::from_millis(290), "{took:?}");
    assert!(
        took < Duration::from_millis(550),
        "the branches ran one after the other: {took:?}"
    );
}

#[test]
fn scope_status_comes_from_its_last_actions() {
    let d = doc(json!({
        "Try": {"type": "Scope", "runAfter": {}, "actions": {
            "Inner": fail(json!({})),
            "InnerHandled": compose(json!("ok"), json!({"Inner": ["Failed"]})),
        }},
        "Try2": {"type": "Scope", "runAfter": {"Try": ["Succeeded"]}, "actions": {
            "Boom": fail(json!({})),
            "After": compose(json!(1), json!({"Boom": ["Succeeded"]})),
        }},
        "Catch": compose(json!("@result('Try2')"), json!({"Try2": ["Failed", "TimedOut"]})),
    }));
    let r = go(&d);
    assert_eq!(status(&r, "Try"), Status::Succeeded);
    assert_eq!(status(&r, "Try2"), Status::Failed);
    assert_eq!(status(&r, "After"), Status::Skipped);
    assert_eq!(status(&r, "Catch"), Status::Succeeded);
    // result() lists the scope's actions with their status.
    let res = r.action("Catch").unwrap().outputs;
    let names: Vec<(&str, &str)> = res
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["name"].as_str().unwrap(), x["status"].as_str().unwrap()))
        .collect();
    assert!(names.contains(&("Boom", "Failed")), "{names:?}");
    assert!(names.contains(&("After", "Skipped")), "{names:?}");
    assert_eq!(r.status, Status::Succeeded);
}

#[test]
fn nested_scopes_fail_outwards() {
    let d = doc(json!({
        "Outer": {"type": "Scope", "runAfter": {}, "actions": {
            "Middle": {"type": "Scope", "runAfter": {}, "actions": {
                "Deep": fail(json!({}))
            }},
            "AfterMiddle": compose(json!(1), json!({"Middle": ["Succeeded"]})),
        }},
        "OnOuterFailed": compose(json!("caught"), json!({"Outer": ["Failed"]})),
    }));
    let r = go(&d);
    assert_eq!(status(&r, "Deep"), Status::Failed);
    assert_eq!(status(&r, "Middle"), Status::Failed);
    assert_eq!(status(&r, "AfterMiddle"), Status::Skipped);
    assert_eq!(status(&r, "Outer"), Status::Failed);
    assert_eq!(status(&r, "OnOuterFailed"), Status::Succeeded);
    assert_eq!(r.status, Status::Succeeded);
}

#[test]
fn terminate_in_a_scope_ends_the_run_with_its_status() {
    let d = doc(json!({
        "S": {"type": "Scope", "runAfter": {}, "actions": {
            "Stop": {"type": "Terminate", "runAfter": {}, "inputs": {"runStatus": "Failed", "runError": {"code": "NoOrders", "message": "nothing to do"}}},
        }},
        "Later": compose(json!(1), json!({"S": ["Succeeded", "Failed"]})),
    }));
    let r = go(&d);
    assert_eq!(r.status, Status::Failed);
    let e = r.error.clone().unwrap();
    assert_eq!(e.code, "NoOrders");
    assert_eq!(e.message, "nothing to do");
    assert_eq!(status(&r, "Stop"), Status::Succeeded);
    assert_ne!(
        status(&r, "Later"),
        Status::Succeeded,
        "nothing runs after Terminate"
    );
    let d2 = doc(
        json!({"Stop": {"type": "Terminate", "runAfter": {}, "inputs": {"runStatus": "Cancelled"}}}),
    );
    assert_eq!(go(&d2).status, Status::Cancelled);
    let d3 = doc(
        json!({"Stop": {"type": "Terminate", "runAfter": {}, "inputs": {"runStatus": "Succeeded"}}}),
    );
    assert_eq!(go(&d3).status, Status::Succeeded);
}

fn init(name: &str, ty: &str, value: Value, after: Value) -> Value {
    json!({"type": "InitializeVariable", "runAfter": after, "inputs": {"variables": [{"name": name, "type": ty, "value": value}]}})
}

#[test]
fn foreach_concurrent_shares_variables_and_sequential_keeps_order() {
    let items: Vec<i64> = (1..=50).collect();
    let d = doc(json!({
        "Count": init("count", "integer", json!(0), json!({})),
        "Seen": init("seen", "array", json!([]), json!({"Count": ["Succeeded"]})),
        "Loop": {"type": "Foreach", "foreach": items, "runAfter": {"Seen": ["Succeeded"]},
                 "runtimeConfiguration": {"concurrency": {"repetitions": 10}},
                 "actions": {
                    "Inc": {"type": "IncrementVariable", "runAfter": {}, "inputs": {"name": "count", "value": "@item()"}},
                 }},
        "Seq": {"type": "Foreach", "foreach": "@range(0, 5)", "operationOptions": "Sequential", "runAfter": {"Loop": ["Succeeded"]},
                "actions": {
                   "Add": {"type": "AppendToArrayVariable", "runAfter": {}, "inputs": {"name": "seen", "value": "@iterationIndexes('Seq')"}},
                   "Echo": compose(json!("@items('Seq')"), json!({"Add": ["Succeeded"]})),
                }},
        "Total": compose(json!("@variables('count')"), json!({"Seq": ["Succeeded"]})),
        "Order": compose(json!("@variables('seen')"), json!({"Seq": ["Succeeded"]})),
    }));
    let r = go(&d);
    assert_eq!(r.status, Status::Succeeded, "{:?}", r.error);
    // Increments are not lost under concurrency (the variable is shared).
    assert_eq!(r.action("Total").unwrap().outputs, json!(1275));
    assert_eq!(r.action("Order").unwrap().outputs, json!([0, 1, 2, 3, 4]));
    let inc = r.action("Inc").unwrap();
    assert_eq!(inc.repetitions.len(), 50);
    let echo = r.action("Echo").unwrap();
    let mut reps: Vec<(u64, Value)> = echo
        .repetitions
        .iter()
        .map(|x| (x.index, x.outputs.clone()))
        .collect();
    reps.sort_by_key(|x| x.0);
    assert_eq!(reps[3], (3, json!(3)));
}

#[test]
fn foreach_concurrency_is_bounded() {
    // 8 iterations of a 200 ms delay: 4 at a time take about 400 ms (2 at
    // a time would take 800, all at once 200).
    let d = doc(json!({
        "Loop": {"type": "Foreach", "foreach": "@range(0, 8)", "runAfter": {},
                 "runtimeConfiguration": {"concurrency": {"repetitions": 4}},
                 "actions": {"W": {"type": "Wait", "runAfter": {}, "inputs": {"interval": {"count": 200, "unit": "Second"}}}}},
    }));
    let t = Instant::now();
    let r = go_with(
        &d,
        TriggerRequest::default(),
        RunOptions {
            time_scale: 0.001,
            ..RunOptions::default()
        },
    );
    let took = t.elapsed();
    assert_eq!(r.status, Status::Succeeded);
    assert!(took >= Duration::from_millis(390), "{took:?}");
    assert!(took < Duration::from_millis(780), "{took:?}");
}

#[test]
fn a_failed_iteration_fails_the_foreach() {
    let d = doc(json!({
        "Loop": {"type": "Foreach", "foreach": [1, 0, 2], "runAfter": {},
                 "actions": {"Div": compose(json!("@div(10, item())"), json!({}))}},
        "OnFail": compose(json!("x"), json!({"Loop": ["Failed"]})),
    }));
    let r = go(&d);
    assert_eq!(status(&r, "Loop"), Status::Failed);
    assert_eq!(status(&r, "Div"), Status::Failed);
    let div = r.action("Div").unwrap();
    let failed: Vec<u64> = div
        .repetitions
        .iter()
        .filter(|x| x.status == Status::Failed)
        .map(|x| x.index)
        .collect();
    assert_eq!(failed, vec![1]);
    assert_eq!(status(&r, "OnFail"), Status::Succeeded);
}

#[test]
fn until_stops_on_its_condition_and_on_its_count() {
    let d = doc(json!({
        "N": init("n", "integer", json!(0), json!({})),
        "Up": {"type": "Until", "expression": "@greaterOrEquals(variables('n'), 5)", "limit": {"count": 60, "timeout": "PT1H"},
               "runAfter": {"N": ["Succeeded"]},
               "actions": {"Inc": {"type": "IncrementVariable", "runAfter": {}, "inputs": {"name": "n", "value": 1}}}},
        "M": init("m", "integer", json!(0), json!({"Up": ["Succeeded"]})),
        "Capped": {"type": "Until", "expression": "@equals(1, 2)", "limit": {"count": 3},
               "runAfter": {"M": ["Succeeded"]},
               "actions": {"IncM": {"type": "IncrementVariable", "runAfter": {}, "inputs": {"name": "m"}}}},
        "Out": compose(json!({"n": "@variables('n')", "m": "@variables('m')"}), json!({"Capped": ["Succeeded"]})),
    }));
    let r = go(&d);
    assert_eq!(r.status, Status::Succeeded, "{:?}", r.error);
    assert_eq!(r.action("Out").unwrap().outputs, json!({"n": 5, "m": 3}));
    assert_eq!(r.action("IncM").unwrap().repetitions.len(), 3);
}

#[test]
fn a_failed_iteration_does_not_stop_an_until_its_last_iteration_decides() {
    // Iteration 0 divides by zero (n is 0 before the increment runs after
    // it), then n grows and the later iterations succeed: the loop goes
    // on and ends Succeeded.
    let d = doc(json!({
        "N": init("n", "integer", json!(0), json!({})),
        "Retry": {"type": "Until", "expression": "@greaterOrEquals(variables('n'), 3)", "limit": {"count": 10},
               "runAfter": {"N": ["Succeeded"]},
               "actions": {
                   "Divide": compose(json!("@div(10, variables('n'))"), json!({})),
                   "Inc": {"type": "IncrementVariable", "runAfter": {"Divide": ["Succeeded", "Failed"]}, "inputs": {"name": "n", "value": 1}},
                   "Check": compose(json!("@div(10, sub(variables('n'), 1))"), json!({"Inc": ["Succeeded"]}))
               }},
    }));
    let r = go(&d);
    let reps: Vec<Status> = r
        .action("Divide")
        .unwrap()
        .repetitions
        .iter()
        .map(|x| x.status)
        .collect();
    assert_eq!(
        reps,
        vec![Status::Failed, Status::Succeeded, Status::Succeeded],
        "the loop went on after the failed iteration"
    );
    assert_eq!(status(&r, "Retry"), Status::Succeeded, "{:?}", r.error);
    assert_eq!(r.status, Status::Succeeded);

    // The last iteration fails: the loop is Failed.
    let d = doc(json!({
        "Always": {"type": "Until", "expression": "@equals(1, 1)", "limit": {"count": 3},
               "runAfter": {},
               "actions": {"Bad": compose(json!("@div(1, 0)"), json!({}))}},
    }));
    let r = go(&d);
    assert_eq!(status(&r, "Always"), Status::Failed);
    assert_eq!(r.status, Status::Failed);
}

#[test]
fn until_stops_at_its_timeout() {
    let d = doc(json!({
        "Forever": {"type": "Until", "expression": "@equals(1, 2)", "limit": {"count": 5000, "timeout": "PT100S"},
               "runAfter": {},
               "actions": {"Tick": {"type": "Wait", "runAfter": {}, "inputs": {"interval": {"count": 10, "unit": "Second"}}}}},
    }));
    let t = Instant::now();
    let r = go_with(
        &d,
        TriggerRequest::default(),
        RunOptions {
            time_scale: 0.001,
            ..RunOptions::default()
        },
    );
    assert!(t.elapsed() < Duration::from_secs(2));
    let n = r.action("Tick").unwrap().repetitions.len();
    assert!(
        (8..=12).contains(&n),
        "{n} iterations in 100 ms of 10 ms waits"
    );
    assert_eq!(r.action("Forever").unwrap().inputs["stoppedBy"], "timeout");
}

#[test]
fn response_once_and_later_failures() {
    let d = doc(json!({
        "Answer": {"type": "Response", "kind": "Http", "runAfter": {}, "inputs": {"statusCode": 201, "headers": {"X-Id": "7"}, "body": {"ok": "@triggerBody()?['who']"}}},
        "Broken": fail(json!({"Answer": ["Succeeded"]})),
    }));
    let req = TriggerRequest {
        body: json!({"who": "ada"}),
        ..TriggerRequest::default()
    };
    let r = go_with(&d, req, RunOptions::default());
    let resp = r.response.clone().expect("a response");
    assert_eq!(resp.status, 201);
    assert_eq!(resp.body, json!({"ok": "ada"}));
    assert_eq!(resp.headers["X-Id"], "7");
    // The response was sent; the later failure still fails the run.
    assert_eq!(r.status, Status::Failed);

    let d2 = doc(json!({
        "First": {"type": "Response", "runAfter": {}, "inputs": {"statusCode": 200, "body": "one"}},
        "Second": {"type": "Response", "runAfter": {"First": ["Succeeded"]}, "inputs": {"statusCode": 500, "body": "two"}},
    }));
    let r2 = go(&d2);
    assert_eq!(r2.response.clone().unwrap().body, json!("one"));
    assert_eq!(status(&r2, "Second"), Status::Failed);
    assert_eq!(
        r2.action("Second").unwrap().error.unwrap().code,
        "ActionResponseAlreadySent"
    );
    assert_eq!(r2.status, Status::Failed);
}

#[test]
fn if_and_switch_run_one_branch_and_skip_the_other() {
    let d = doc(json!({
        "Check": {"type": "If", "runAfter": {}, "expression": {"and": [{"greater": ["@triggerBody()?['n']", 5]}]},
                  "actions": {"Big": compose(json!("big"), json!({}))},
                  "else": {"actions": {"Small": compose(json!("small"), json!({}))}}},
        "Pick": {"type": "Switch", "runAfter": {}, "expression": "@triggerBody()?['color']",
                 "cases": {"Red": {"case": "red", "actions": {"R": compose(json!(1), json!({}))}},
                           "Blue": {"case": "blue", "actions": {"B": compose(json!(2), json!({}))}}},
                 "default": {"actions": {"D": compose(json!(3), json!({}))}}},
    }));
    let req = TriggerRequest {
        body: json!({"n": 9, "color": "blue"}),
        ..TriggerRequest::default()
    };
    let r = go_with(&d, req, RunOptions::default());
    assert_eq!(status(&r, "Big"), Status::Succeeded);
    assert_eq!(status(&r, "Small"), Status::Skipped);
    assert_eq!(status(&r, "B"), Status::Succeeded);
    assert_eq!(status(&r, "R"), Status::Skipped);
    assert_eq!(status(&r, "D"), Status::Skipped);
    assert_eq!(
        r.action("Check").unwrap().inputs,
        json!({"expressionResult": true})
    );
}

#[test]
fn data_operations() {
    let rows = json!([{"name": "a", "qty": 2}, {"name": "b,c", "qty": 7}]);
    let d = doc(json!({
        "Rows": compose(rows, json!({})),
        "Names": {"type": "Select", "runAfter": {"Rows": ["Succeeded"]}, "inputs": {"from": "@outputs('Rows')", "select": {"n": "@item()['name']"}}},
        "Big": {"type": "Query", "runAfter": {"Rows": ["Succeeded"]}, "inputs": {"from": "@outputs('Rows')", "where": "@greater(item()['qty'], 5)"}},
        "Joined": {"type": "Join", "runAfter": {"Rows": ["Succeeded"]}, "inputs": {"from": ["x", 1, true], "joinWith": ";"}},
        "Csv": {"type": "Table", "runAfter": {"Rows": ["Succeeded"]}, "inputs": {"from": "@outputs('Rows')", "format": "CSV"}},
        "Html": {"type": "Table", "runAfter": {"Rows": ["Succeeded"]}, "inputs": {"from": "@outputs('Rows')", "format": "HTML", "columns": [{"header": "Item", "value": "@item()['name']"}]}},
        "Parse": {"type": "ParseJson", "runAfter": {}, "inputs": {"content": "{\"id\": 4}", "schema": {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}}},
        "ParseBad": {"type": "ParseJson", "runAfter": {}, "inputs": {"content": {"id": "x"}, "schema": {"type": "object", "properties": {"id": {"type": "integer"}}}}},
        "Handled": compose(json!(1), json!({"ParseBad": ["Failed"]})),
    }));
    let r = go(&d);
    let out = |n: &str| r.action(n).unwrap().outputs["body"].clone();
    assert_eq!(out("Names"), json!([{"n": "a"}, {"n": "b,c"}]));
    assert_eq!(out("Big"), json!([{"name": "b,c", "qty": 7}]));
    assert_eq!(out("Joined"), json!("x;1;True"));
    assert_eq!(out("Csv"), json!("name,qty\r\na,2\r\n\"b,c\",7\r\n"));
    assert_eq!(out("Html"), json!("<table><thead><tr><th>Item</th></tr></thead><tbody><tr><td>a</td></tr><tr><td>b,c</td></tr></tbody></table>"));
    assert_eq!(out("Parse"), json!({"id": 4}));
    assert_eq!(status(&r, "ParseBad"), Status::Failed);
    assert_eq!(r.status, Status::Succeeded);
}

#[test]
fn variable_actions_and_their_type_rules() {
    let d = doc(json!({
        "S": init("s", "string", json!("a"), json!({})),
        "AppendS": {"type": "AppendToStringVariable", "runAfter": {"S": ["Succeeded"]}, "inputs": {"name": "s", "value": "bc"}},
        "SetS": {"type": "SetVariable", "runAfter": {"AppendS": ["Succeeded"]}, "inputs": {"name": "s", "value": "@concat(variables('s'), '!')"}},
        "F": init("f", "float", json!(1.5), json!({"SetS": ["Succeeded"]})),
        "DecF": {"type": "DecrementVariable", "runAfter": {"F": ["Succeeded"]}, "inputs": {"name": "f", "value": 0.5}},
        "BadSet": {"type": "SetVariable", "runAfter": {"DecF": ["Succeeded"]}, "inputs": {"name": "s", "value": 3}},
        "Out": compose(json!({"s": "@variables('s')", "f": "@variables('f')"}), json!({"BadSet": ["Failed"]})),
    }));
    let r = go(&d);
    assert_eq!(
        r.action("Out").unwrap().outputs,
        json!({"s": "abc!", "f": 1.0})
    );
    assert_eq!(status(&r, "BadSet"), Status::Failed);
    assert_eq!(r.status, Status::Succeeded);
}

#[test]
fn unsupported_actions_fail_unless_mocked_and_static_results_apply() {
    let d = doc_full(json!({
        "triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": {
            "Send_mail": {"type": "ApiConnection", "runAfter": {}, "inputs": {"host": {"connection": {"name": "@parameters('$connections')['office365']['connectionId']"}}}},
            "Fn": {"type": "Function", "runAfter": {}, "inputs": {}, "runtimeConfiguration": {"staticResult": {"name": "Fn0", "staticResultOptions": "Enabled"}}},
            "Use": compose(json!("@body('Send_mail')?['id']"), json!({"Send_mail": ["Succeeded"]})),
            "UseFn": compose(json!("@outputs('Fn')?['statusCode']"), json!({"Fn": ["Succeeded"]})),
        },
        "staticResults": {"Fn0": {"status": "Succeeded", "outputs": {"statusCode": 200, "body": "hi"}}},
    }));
    let r = go(&d);
    assert_eq!(status(&r, "Send_mail"), Status::Failed);
    assert_eq!(
        r.action("Send_mail").unwrap().error.unwrap().code,
        "NotSupportedLocally"
    );
    assert_eq!(
        status(&r, "Fn"),
        Status::Failed,
        "static results are off by default"
    );

    let mut opts = RunOptions {
        static_results: true,
        ..RunOptions::default()
    };
    opts.mocks.insert(
        "Send_mail".into(),
        Mock {
            status: Status::Succeeded,
            outputs: json!({"statusCode": 200, "body": {"id": "m-1"}}),
            error: None,
        },
    );
    let r = go_with(&d, TriggerRequest::default(), opts);
    assert_eq!(r.status, Status::Succeeded, "{:?}", r.error);
    assert_eq!(r.action("Use").unwrap().outputs, json!("m-1"));
    assert_eq!(r.action("UseFn").unwrap().outputs, json!(200));
}

#[test]
fn secure_inputs_and_outputs_are_hidden_and_flow_hidden() {
    let d = doc_full(json!({
        "parameters": {"apiKey": {"type": "SecureString", "defaultValue": "canary-7f3a91-secret"}},
        "triggers": {"manual": {"type": "Request", "kind": "Http",
            "runtimeConfiguration": {"secureData": {"properties": ["inputs", "outputs"]}}}},
        "actions": {
            "Secret": {"type": "Compose", "runAfter": {}, "inputs": {"key": "@parameters('apiKey')"},
                "runtimeConfiguration": {"secureData": {"properties": ["inputs", "outputs"]}}},
            "Uses": compose(json!("@outputs('Secret')['key']"), json!({"Secret": ["Succeeded"]})),
            "Plain": compose(json!("nothing secret"), json!({"Secret": ["Succeeded"]})),
            "FromTrigger": compose(json!("@triggerBody()"), json!({})),
            "Header": compose(json!({"Authorization": "Bearer abc.def.ghi"}), json!({})),
            "Answer": {"type": "Response", "runAfter": {"Uses": ["Succeeded"]}, "inputs": {"statusCode": 200, "body": "@outputs('Uses')"}},
        },
        "outputs": {"k": {"type": "SecureString", "value": "@parameters('apiKey')"}, "p": {"type": "String", "value": "@parameters('apiKey')"}},
    }));
    let req = TriggerRequest {
        body: json!({"password": "trigger-canary-55"}),
        ..TriggerRequest::default()
    };
    let r = go_with(&d, req, RunOptions::default());
    assert_eq!(r.status, Status::Succeeded, "{:?}", r.error);
    let s = r.action("Secret").unwrap();
    assert_eq!(s.inputs, json!(HIDDEN));
    assert_eq!(s.outputs, json!(HIDDEN));
    let u = r.action("Uses").unwrap();
    assert_eq!(u.inputs, json!(HIDDEN));
    assert_eq!(u.outputs, json!(HIDDEN));
    assert_eq!(r.action("Plain").unwrap().outputs, json!("nothing secret"));
    assert_eq!(r.trigger["outputs"], json!(HIDDEN));
    assert_eq!(r.action("FromTrigger").unwrap().outputs, json!(HIDDEN));
    assert_eq!(
        r.action("Header").unwrap().outputs["Authorization"],
        json!("<redacted>")
    );
    assert_eq!(r.response.as_ref().unwrap().body, json!(HIDDEN));
    assert_eq!(r.outputs["k"], json!(HIDDEN));
    let text = serde_json::to_string(&r).unwrap();
    assert!(!text.contains("canary-7f3a91-secret"), "{text}");
    assert!(!text.contains("trigger-canary-55"), "{text}");
    assert!(!text.contains("abc.def.ghi"), "{text}");
}

#[test]
fn workflow_function_and_trigger_outputs() {
    let d = doc_full(json!({
        "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {"method": "POST", "relativePath": "orders/{id}"}}},
        "actions": {
            "W": compose(json!({"name": "@workflow()['name']", "run": "@workflow()['run']['name']",
                "id": "@triggerOutputs()['relativePathParameters']['id']", "q": "@triggerOutputs()['queries']['x']",
                "h": "@triggerOutputs()['headers']['X-Test']"}), json!({})),
        },
    }));
    let req = TriggerRequest {
        headers: vec![("X-Test".into(), "yes".into())],
        query: vec![("x".into(), "1".into())],
        relative_path: Some("orders/42".into()),
        ..TriggerRequest::default()
    };
    let r = go_with(&d, req, RunOptions::default());
    let o = r.action("W").unwrap().outputs;
    assert_eq!(o["id"], "42");
    assert_eq!(o["q"], "1");
    assert_eq!(o["h"], "yes");
    assert_eq!(o["run"], json!(r.run_id));
}

#[test]
fn cancel_stops_the_run_and_the_observer_sees_each_action() {
    let d = doc(json!({
        "Long": {"type": "Wait", "runAfter": {}, "inputs": {"interval": {"count": 1, "unit": "Hour"}}},
        "After": compose(json!(1), json!({"Long": ["Succeeded"]})),
    }));
    let cancel = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(AtomicUsize::new(0));
    let s2 = seen.clone();
    let c2 = cancel.clone();
    let opts = RunOptions {
        cancel: cancel.clone(),
        observer: Some(Arc::new(move |name: &str, rec: &lapis::run::ActionRun| {
            if name == "Long" && rec.status == Status::Running {
                c2.store(true, Ordering::SeqCst);
            }
            s2.fetch_add(1, Ordering::SeqCst);
        })),
        ..RunOptions::default()
    };
    let t = Instant::now();
    let r = go_with(&d, TriggerRequest::default(), opts);
    assert!(t.elapsed() < Duration::from_secs(5));
    assert_eq!(r.status, Status::Cancelled);
    assert_eq!(status(&r, "Long"), Status::Cancelled);
    assert!(seen.load(Ordering::SeqCst) >= 2);
}

#[test]
fn run_timeout_times_the_run_out() {
    let d = doc(
        json!({"Long": {"type": "Wait", "runAfter": {}, "inputs": {"interval": {"count": 1, "unit": "Hour"}}}}),
    );
    let r = go_with(
        &d,
        TriggerRequest::default(),
        RunOptions {
            timeout: Some(Duration::from_millis(200)),
            ..RunOptions::default()
        },
    );
    assert_eq!(r.status, Status::TimedOut);
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let d = doc(json!({
        "Loop": {"type": "Foreach", "foreach": "@triggerBody()", "runAfter": {}, "actions": {}},
        "NullLoop": {"type": "Foreach", "foreach": "@triggerOutputs()?['missing']", "runAfter": {}, "actions": {}},
        "Cycle1": compose(json!(1), json!({"Cycle2": ["Succeeded"]})),
        "Cycle2": compose(json!(1), json!({"Cycle1": ["Succeeded"]})),
        "Ghost": compose(json!(1), json!({"Nobody": ["Succeeded"]})),
        "BadExpr": compose(json!("@concat("), json!({})),
    }));
    let req = TriggerRequest {
        body: json!("not an array"),
        ..TriggerRequest::default()
    };
    let r = go_with(&d, req, RunOptions::default());
    assert_eq!(status(&r, "Loop"), Status::Failed);
    assert!(r
        .action("Loop")
        .unwrap()
        .error
        .unwrap()
        .message
        .contains("is of type 'String'. The result must be a valid array"));
    // Azure fails a loop over null too (ExpressionEvaluationFailed).
    let e = r.action("NullLoop").unwrap().error.unwrap();
    assert_eq!(status(&r, "NullLoop"), Status::Failed);
    assert_eq!(e.code, "ExpressionEvaluationFailed");
    assert!(
        e.message
            .contains("'foreach' expression '@triggerOutputs()?['missing']' is of type 'Null'"),
        "{}",
        e.message
    );
    assert_eq!(status(&r, "Cycle1"), Status::Failed);
    assert!(r
        .action("Ghost")
        .unwrap()
        .error
        .unwrap()
        .message
        .contains("Nobody"));
    assert_eq!(status(&r, "BadExpr"), Status::Failed);
    assert_eq!(r.status, Status::Failed);
    assert!(run(
        &d,
        &TriggerRequest::default(),
        RunOptions {
            workflow_name: Some("nope".into()),
            ..RunOptions::default()
        }
    )
    .is_err());
}

#[test]
fn child_workflow_runs_in_process() {
    let dir = tempfile::tempdir().unwrap();
    let child = json!({
        "definition": {
            "triggers": {"manual": {"type": "Request", "kind": "Http"}},
            "actions": {"Reply": {"type": "Response", "runAfter": {}, "inputs": {"statusCode": 200, "body": {"doubled": "@mul(triggerBody()['n'], 2)"}}}}
        },
        "kind": "Stateful"
    });
    std::fs::create_dir_all(dir.path().join("child")).unwrap();
    std::fs::write(dir.path().join("child/workflow.json"), child.to_string()).unwrap();
    let parent = json!({
        "triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": {"Call": {"type": "Workflow", "runAfter": {}, "inputs": {"host": {"workflow": {"id": "/subscriptions/x/resourceGroups/y/providers/Microsoft.Logic/workflows/child"}, "triggerName": "manual"}, "body": {"n": 21}}}}
    });
    let pf = dir.path().join("parent.json");
    std::fs::write(&pf, parent.to_string()).unwrap();
    let d = Document::load(&pf).unwrap();
    let r = go_with(
        &d,
        TriggerRequest::default(),
        RunOptions {
            file: Some(pf.clone()),
            ..RunOptions::default()
        },
    );
    assert_eq!(r.status, Status::Succeeded, "{:?}", r.action("Call"));
    assert_eq!(
        r.action("Call").unwrap().outputs["body"],
        json!({"doubled": 42})
    );
}

// ------------------------------------------------------------ lapis run

fn lapis(args: &[&str], data: &std::path::Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_lapis"))
        .args(args)
        .env("LAPIS_DATA_DIR", data)
        .env("LAPIS_NO_KEYCHAIN", "1")
        .output()
        .expect("lapis runs")
}

#[test]
fn cli_prints_the_run_and_exits_by_its_status() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let wf = json!({
        "triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": {
            "Greet": {"type": "Compose", "runAfter": {}, "inputs": "@concat('hi ', triggerBody()?['who'], ' ', triggerOutputs()['queries']['q'])"},
            "Mail": {"type": "ApiConnection", "runAfter": {"Greet": ["Succeeded"]}, "inputs": {}},
            "Answer": {"type": "Response", "runAfter": {"Mail": ["Succeeded"]}, "inputs": {"statusCode": 202, "body": "@body('Mail')"}}
        }
    });
    let f = dir.path().join("wf.json");
    std::fs::write(&f, wf.to_string()).unwrap();
    let body = dir.path().join("body.json");
    std::fs::write(&body, r#"{"who": "ada"}"#).unwrap();
    let fs = f.to_str().unwrap();
    let bs = body.to_str().unwrap();

    // Without a mock, the connector action fails: exit 1, a text tree.
    let o = lapis(
        &["run", fs, "--trigger-body", bs, "--trigger-query", "q=1"],
        &data,
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("Failed"), "{text}");
    assert!(text.contains("Mail  Failed"), "{text}");
    assert!(text.contains("NotSupportedLocally"), "{text}");
    assert!(text.contains("Answer  Skipped"), "{text}");

    // With a mock: exit 0, the JSON record.
    let mock = dir.path().join("mail.json");
    std::fs::write(
        &mock,
        r#"{"status": "Succeeded", "outputs": {"statusCode": 200, "body": {"sent": true}}}"#,
    )
    .unwrap();
    let m = format!("Mail={}", mock.display());
    let o = lapis(
        &[
            "run",
            fs,
            "--trigger-body",
            bs,
            "--trigger-query",
            "q=1",
            "--mock",
            &m,
            "--format",
            "json",
        ],
        &data,
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["status"], "Succeeded");
    assert_eq!(v["actions"]["Greet"]["outputs"], "hi ada 1");
    assert_eq!(v["response"]["status"], 202);
    assert_eq!(v["response"]["body"], json!({"sent": true}));
    for k in ["run_id", "start", "end", "trigger", "outputs"] {
        assert!(v.get(k).is_some(), "{k} missing: {v}");
    }

    // Usage and input errors: exit 2, said where.
    let o = lapis(&["run", fs, "--mock", "Mail"], &data);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--mock"));
    let o = lapis(
        &["run", dir.path().join("missing.json").to_str().unwrap()],
        &data,
    );
    assert_eq!(o.status.code(), Some(2));
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"actions\": [").unwrap();
    let o = lapis(&["run", bad.to_str().unwrap()], &data);
    assert_eq!(o.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"));
    let o = lapis(&["run", fs, "--secret", "x=plain"], &data);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn cli_run_is_stored_in_the_history_unless_no_history() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let wf = json!({
        "triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": {
            "Hello": {"type": "Compose", "runAfter": {}, "inputs": "hello"},
            "Boom": {"type": "ApiConnection", "runAfter": {"Hello": ["Succeeded"]}, "inputs": {}}
        }
    });
    let f = dir.path().join("stored.json");
    std::fs::write(&f, wf.to_string()).unwrap();
    let fs = f.to_str().unwrap();

    let o = lapis(&["run", fs, "--format", "json"], &data);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let run: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let id = run["run_id"].as_str().unwrap().to_owned();

    // `lapis runs FILE` lists it, with its status; `runs show` prints it.
    let o = lapis(&["runs", fs, "--format", "json"], &data);
    assert_eq!(o.status.code(), Some(0));
    let list: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["run_id"], id.as_str());
    assert_eq!(list[0]["status"], "Failed");
    let o = lapis(&["runs"], &data);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains(&id) && text.contains("Failed"), "{text}");
    let o = lapis(&["runs", "show", &id, "--format", "json"], &data);
    assert_eq!(o.status.code(), Some(0));
    let shown: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(shown["actions"]["Hello"]["outputs"], "hello");
    assert_eq!(shown["actions"]["Boom"]["status"], "Failed");

    // --no-history: the run happens, nothing more is stored.
    let o = lapis(&["run", fs, "--no-history"], &data);
    assert_eq!(o.status.code(), Some(1));
    let o = lapis(&["runs", fs, "--format", "json"], &data);
    let list: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");

    // A data folder that cannot hold the history: the run still prints and
    // exits by its status, with a warning.
    let blocked = dir.path().join("blocked");
    std::fs::write(&blocked, "a file, not a folder").unwrap();
    let o = lapis(&["run", fs], &blocked);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("Boom  Failed"));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("the run was not stored"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_parameter_without_a_value_says_how_to_give_one() {
    let d = doc_full(json!({"definition": {
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"pw": {"type": "securestring"}, "region": {"type": "string"}},
        "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {}}},
        "actions": {
            "Secret": compose(json!("@parameters('pw')"), json!({})),
            "Plain": compose(json!("@parameters('region')"), json!({})),
            "Unknown": compose(json!("@parameters('nope')"), json!({}))
        }
    }}));
    let r = go(&d);
    let msg = |n: &str| r.action(n).unwrap().error.unwrap().message;
    assert!(
        msg("Secret").contains("'pw' is declared (securestring) but has no value"),
        "{}",
        msg("Secret")
    );
    assert!(
        msg("Secret").contains("--secret pw=env:VAR"),
        "{}",
        msg("Secret")
    );
    assert!(
        msg("Plain").contains("--param region=VALUE"),
        "{}",
        msg("Plain")
    );
    assert!(
        msg("Unknown").contains("'nope' is not defined"),
        "{}",
        msg("Unknown")
    );
}
