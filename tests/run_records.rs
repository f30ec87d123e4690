//! The local runner's records say what Azure's run history says: each
//! action's `status`, `code` and `error {code, message}`, in the record,
//! through `actions('X')` and `result('Scope')`, and in the text report.
//! The expected texts are those of real Azure runs (see the README's
//! "Running a workflow locally" for where evidence was missing and what
//! Lapis chose).

use lapis::run::{run, ActionRun, Run, RunOptions, Status, TriggerRequest};
use lapis::workflow::Document;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpListener;

fn definition(actions: Value) -> Value {
    json!({
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "contentVersion": "1.0.0.0",
        "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {"schema": {}}}},
        "actions": actions,
    })
}

fn go(actions: Value) -> Run {
    let d = Document::from_value(definition(actions)).expect("a workflow");
    run(&d, &TriggerRequest::default(), RunOptions::default()).expect("the run starts")
}

fn rec(r: &Run, name: &str) -> ActionRun {
    r.action(name).unwrap_or_else(|| {
        panic!(
            "no record of {name}: {:?}",
            r.actions.keys().collect::<Vec<_>>()
        )
    })
}

/// Status, code, and the error's code and message.
fn outcome(r: &Run, name: &str) -> (Status, Option<String>, Option<(String, String)>) {
    let a = rec(r, name);
    (a.status, a.code, a.error.map(|e| (e.code, e.message)))
}

fn compose(v: Value, after: Value) -> Value {
    json!({"type": "Compose", "inputs": v, "runAfter": after})
}

fn skipped(code: &str, message: &str) -> (Status, Option<String>, Option<(String, String)>) {
    (
        Status::Skipped,
        Some("ActionSkipped".into()),
        Some((code.into(), message.into())),
    )
}

const ACTION_FAILED: &str = "An action failed. No dependent actions succeeded.";

#[test]
fn skipped_by_run_after_names_the_predecessor_and_the_statuses() {
    let r = go(json!({
        "Bad": compose(json!("@div(1, 0)"), json!({})),
        "Next": compose(json!(1), json!({"Bad": ["Succeeded"]})),
        "Ok": compose(json!(1), json!({})),
        // Several statuses, joined by ", "; the first unmet predecessor in
        // run-after order is named.
        "Multi": compose(json!(2), json!({"Ok": ["Succeeded"], "Next": ["Failed", "TimedOut"]})),
        "Probe": compose(
            json!({"next": "@actions('Next')", "multi": "@actions('Multi')?['error']?['message']"}),
            json!({"Multi": ["Skipped"]})
        ),
    }));
    let next = "The execution of template action 'Next' is skipped: the 'runAfter' condition for action 'Bad' is not satisfied. Expected status values 'Succeeded' and actual value 'Failed'.";
    assert_eq!(outcome(&r, "Next"), skipped("ActionConditionFailed", next));
    let multi = "The execution of template action 'Multi' is skipped: the 'runAfter' condition for action 'Next' is not satisfied. Expected status values 'Failed, TimedOut' and actual value 'Skipped'.";
    assert_eq!(
        outcome(&r, "Multi"),
        skipped("ActionConditionFailed", multi)
    );
    // actions('Next') as Azure shows it: code ActionSkipped, the error.
    let p = rec(&r, "Probe").outputs;
    assert_eq!(p["next"]["status"], "Skipped");
    assert_eq!(p["next"]["code"], "ActionSkipped");
    assert_eq!(
        p["next"]["error"],
        json!({"code": "ActionConditionFailed", "message": next})
    );
    assert!(p["next"].get("inputs").is_none());
    assert_eq!(p["multi"], multi);
}

#[test]
fn branches_not_taken_and_children_of_skipped_containers() {
    let r = go(json!({
        "Check": {"type": "If", "runAfter": {}, "expression": "@equals(1, 2)",
                  "actions": {
                      "Then": compose(json!(1), json!({})),
                      "ThenNext": compose(json!(2), json!({"Then": ["Succeeded"]})),
                      "ThenScope": {"type": "Scope", "runAfter": {}, "actions": {"Deep": compose(json!(3), json!({}))}}
                  },
                  "else": {"actions": {"Else": compose(json!(4), json!({}))}}},
        "Root": compose(json!(1), json!({})),
        "NotRun": {"type": "Scope", "runAfter": {"Root": ["Failed"]},
                   "actions": {"Inside": compose(json!(2), json!({})),
                               "InsideNext": compose(json!(3), json!({"Inside": ["Succeeded"]}))}},
        "Probe": compose(
            json!({"then": "@actions('Then')", "check": "@result('Check')", "notRun": "@result('NotRun')", "if": "@actions('Check')"}),
            json!({"NotRun": ["Skipped"], "Check": ["Succeeded"]})
        ),
    }));
    let branch = |n: &str| {
        skipped(
            "ActionBranchingConditionNotSatisfied",
            &format!("The execution of template action '{n}' skipped: the branching condition for this action is not satisfied."),
        )
    };
    assert_eq!(outcome(&r, "Then"), branch("Then"));
    assert_eq!(outcome(&r, "ThenScope"), branch("ThenScope"));
    // Later actions of the branch: by their run-after on a skipped action.
    assert_eq!(
        outcome(&r, "ThenNext"),
        skipped("ActionConditionFailed", "The execution of template action 'ThenNext' is skipped: the 'runAfter' condition for action 'Then' is not satisfied. Expected status values 'Succeeded' and actual value 'Skipped'.")
    );
    let dependant = |n: &str, parent: &str| {
        skipped(
            "ActionDependencyFailed",
            &format!("The execution of template action '{n}' is skipped: dependant action '{parent}' completed with status 'Skipped' and code 'ActionSkipped'."),
        )
    };
    assert_eq!(outcome(&r, "Deep"), dependant("Deep", "ThenScope"));
    assert_eq!(outcome(&r, "Inside"), dependant("Inside", "NotRun"));
    assert_eq!(outcome(&r, "InsideNext"), dependant("InsideNext", "NotRun"));
    // A control action that succeeded: NotSpecified in the record, no
    // `code` in actions()/result().
    assert_eq!(
        outcome(&r, "Check"),
        (Status::Succeeded, Some("NotSpecified".into()), None)
    );
    let p = rec(&r, "Probe").outputs;
    assert!(p["if"].get("code").is_none(), "{}", p["if"]);
    assert!(p["if"].get("error").is_none());
    assert_eq!(
        p["then"]["error"]["code"],
        "ActionBranchingConditionNotSatisfied"
    );
    let items: Vec<(String, String, Value)> = p["check"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["name"].as_str().unwrap().to_owned(),
                i["status"].as_str().unwrap().to_owned(),
                i.get("code").cloned().unwrap_or(Value::Null),
            )
        })
        .collect();
    assert!(items.contains(&("Then".into(), "Skipped".into(), json!("ActionSkipped"))));
    assert!(items.contains(&("Else".into(), "Succeeded".into(), json!("OK"))));
    let inside = p["notRun"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "Inside")
        .unwrap()
        .clone();
    assert_eq!(inside["error"]["code"], "ActionDependencyFailed");
}

#[test]
fn a_failure_inside_a_container_fails_it_with_action_failed() {
    let r = go(json!({
        "Try": {"type": "Scope", "runAfter": {}, "actions": {
            "First": compose(json!("ok"), json!({})),
            "Boom": compose(json!("@div(1, 0)"), json!({"First": ["Succeeded"]})),
        }},
        "Branch": {"type": "If", "runAfter": {}, "expression": "@true",
                   "actions": {"Boom2": compose(json!("@div(1, 0)"), json!({}))}},
        "Loop": {"type": "Foreach", "runAfter": {}, "foreach": "@createArray(1, 0)",
                 "actions": {"Div": compose(json!("@div(1, items('Loop'))"), json!({}))}},
        "Sw": {"type": "Switch", "runAfter": {}, "expression": "a",
               "cases": {"A": {"case": "a", "actions": {"Boom3": compose(json!("@div(1, 0)"), json!({}))}}}},
        "Caught": {"type": "Scope", "runAfter": {}, "actions": {
            "Fail": compose(json!("@div(1, 0)"), json!({})),
            "Handle": compose(json!("ok"), json!({"Fail": ["Failed"]})),
        }},
        "Probe": compose(
            json!({"try": "@actions('Try')", "result": "@result('Try')", "caught": "@actions('Caught')"}),
            json!({"Try": ["Failed"], "Caught": ["Succeeded"]})
        ),
    }));
    for n in ["Try", "Branch", "Loop", "Sw"] {
        assert_eq!(
            outcome(&r, n),
            (
                Status::Failed,
                Some("ActionFailed".into()),
                Some(("ActionFailed".into(), ACTION_FAILED.into()))
            ),
            "{n}"
        );
    }
    let p = rec(&r, "Probe").outputs;
    assert_eq!(p["try"]["code"], "ActionFailed");
    assert_eq!(
        p["try"]["error"],
        json!({"code": "ActionFailed", "message": ACTION_FAILED})
    );
    let codes: Vec<(Value, Value)> = p["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["name"].clone(), i["code"].clone()))
        .collect();
    assert!(codes.contains(&(json!("First"), json!("OK"))));
    assert!(codes.contains(&(json!("Boom"), json!("BadRequest"))));
    // A failure handled inside: the scope Succeeded, no code shown.
    assert_eq!(p["caught"]["status"], "Succeeded");
    assert!(p["caught"].get("code").is_none());
    assert_eq!(r.error.as_ref().unwrap().message, ACTION_FAILED);
}

#[test]
fn expression_failures_are_bad_request_invalid_template() {
    let r = go(json!({
        "Bad": compose(json!("@div(1, 0)"), json!({})),
        "Cond": {"type": "If", "runAfter": {}, "expression": "@div(1, 0)",
                 "actions": {"Inner": compose(json!(1), json!({}))}},
        "Probe": compose(json!("@actions('Bad')"), json!({"Bad": ["Failed"]})),
    }));
    let (status, code, error) = outcome(&r, "Bad");
    assert_eq!(
        (status, code.as_deref()),
        (Status::Failed, Some("BadRequest"))
    );
    let (ecode, message) = error.unwrap();
    assert_eq!(ecode, "InvalidTemplate");
    assert_eq!(
        message,
        "Unable to process template language expressions in action 'Bad' inputs at line '0' and column '0': 'Attempt to divide an integral or decimal value by zero in function 'div'.'."
    );
    // No inputs or outputs in actions('Bad').
    let p = rec(&r, "Probe").outputs;
    assert_eq!(p["code"], "BadRequest");
    assert_eq!(p["error"]["code"], "InvalidTemplate");
    assert!(p.get("inputs").is_none() && p.get("outputs").is_none());
    // An If's own expression: "for action", and what is inside is skipped
    // naming the If.
    let (_, code, error) = outcome(&r, "Cond");
    assert_eq!(code.as_deref(), Some("BadRequest"));
    assert!(error.unwrap().1.starts_with(
        "Unable to process template language expressions for action 'Cond' at line '0' and column '0': '"
    ));
    assert_eq!(
        outcome(&r, "Inner"),
        skipped("ActionDependencyFailed", "The execution of template action 'Inner' is skipped: dependant action 'Cond' completed with status 'Failed' and code 'BadRequest'.")
    );
}

#[test]
fn codes_of_actions_that_ran() {
    let r = go(json!({
        "Init": {"type": "InitializeVariable", "runAfter": {}, "inputs": {"variables": [{"name": "n", "type": "integer", "value": 1}]}},
        "Inc": {"type": "IncrementVariable", "runAfter": {"Init": ["Succeeded"]}, "inputs": {"name": "n", "value": 1}},
        "Set": {"type": "SetVariable", "runAfter": {"Inc": ["Succeeded"]}, "inputs": {"name": "n", "value": "text"}},
        "Data": compose(json!({"a": 1}), json!({})),
        "Parse": {"type": "ParseJson", "runAfter": {}, "inputs": {"content": {"a": 1}, "schema": {"type": "object"}}},
        "Pick": {"type": "Select", "runAfter": {}, "inputs": {"from": [1, 2], "select": "@item()"}},
        "Group": {"type": "Scope", "runAfter": {}, "actions": {}},
        "Probe": compose(json!({"init": "@actions('Init')", "data": "@actions('Data')"}), json!({"Init": ["Succeeded"], "Data": ["Succeeded"]})),
    }));
    let code = |n: &str| rec(&r, n).code;
    assert_eq!(code("Init").as_deref(), Some("NotSpecified"));
    assert_eq!(code("Inc").as_deref(), Some("NotSpecified"));
    assert_eq!(code("Group").as_deref(), Some("NotSpecified"));
    for n in ["Data", "Parse", "Pick", "Probe"] {
        assert_eq!(code(n).as_deref(), Some("OK"), "{n}");
    }
    // A variable action that failed: BadRequest.
    assert_eq!(rec(&r, "Set").status, Status::Failed);
    assert_eq!(code("Set").as_deref(), Some("BadRequest"));
    let p = rec(&r, "Probe").outputs;
    assert!(p["init"].get("code").is_none());
    assert_eq!(p["data"]["code"], "OK");
}

#[test]
fn switch_type_errors() {
    let r = go(json!({
        "OnNull": {"type": "Switch", "runAfter": {}, "expression": "@json('{}')?['missing']",
                   "cases": {"X": {"case": "x", "actions": {"NullHit": compose(json!(1), json!({}))}}},
                   "default": {"actions": {"NullDefault": compose(json!(2), json!({}))}}},
        "Mixed": {"type": "Switch", "runAfter": {}, "expression": "@add(1, 1)",
                  "cases": {"Two": {"case": "2", "actions": {"MixedHit": compose(json!(1), json!({}))}}},
                  "default": {"actions": {"MixedDefault": compose(json!(2), json!({}))}}},
        "Exact": {"type": "Switch", "runAfter": {}, "expression": "@concat('Op', 'en')",
                  "cases": {"Open": {"case": "open", "actions": {"ExactHit": compose(json!(1), json!({}))}}},
                  "default": {"actions": {"ExactDefault": compose(json!(2), json!({}))}}},
        "NotBool": {"type": "If", "runAfter": {}, "expression": "@concat('a', 'b')",
                    "actions": {"Yes": compose(json!(1), json!({}))}},
    }));
    assert_eq!(
        outcome(&r, "OnNull"),
        (
            Status::Failed,
            Some("ExpressionEvaluationFailed".into()),
            Some(("ExpressionEvaluationFailed".into(), "The execution of template action 'OnNull' failed: The result of the evaluation of 'scope' action expression '@json('{}')?['missing']' is not valid. It is of type 'Null' but is expected to be a value of type 'String, Integer'.".into()))
        )
    );
    assert_eq!(
        outcome(&r, "NullDefault"),
        skipped("ActionDependencyFailed", "The execution of template action 'NullDefault' is skipped: dependant action 'OnNull' completed with status 'Failed' and code 'ExpressionEvaluationFailed'.")
    );
    // strongEquals: an Integer against a String case fails every branch.
    for n in ["MixedHit", "MixedDefault"] {
        assert_eq!(
            outcome(&r, n),
            (
                Status::Failed,
                Some("InternalServerError".into()),
                Some(("ActionConditionFailed".into(), format!("The execution of template action '{n}' failed: an unexpected exception encountered when evaluating branching condition. 'Template language function 'strongEquals' expects parameters of same type, but found 'Integer,String' distinct types.'")))
            )
        );
    }
    assert_eq!(rec(&r, "Mixed").code.as_deref(), Some("ActionFailed"));
    // Case-sensitive: 'Open' is not 'open'.
    assert_eq!(
        rec(&r, "ExactHit").error.unwrap().code,
        "ActionBranchingConditionNotSatisfied"
    );
    assert_eq!(rec(&r, "ExactDefault").status, Status::Succeeded);
    assert_eq!(
        outcome(&r, "NotBool"),
        (
            Status::Failed,
            Some("ExpressionEvaluationFailed".into()),
            Some(("ExpressionEvaluationFailed".into(), "The execution of template action 'NotBool' failed: The result of the evaluation of 'scope' action expression '@concat('a', 'b')' is not valid. It is of type 'String' but is expected to be a value of type 'Boolean'.".into()))
        )
    );
}

#[test]
fn terminate_cancels_its_containers_and_skips_the_rest() {
    let r = go(json!({
        "Work": {"type": "Scope", "runAfter": {}, "actions": {
            "Before": compose(json!(1), json!({})),
            "Stop": {"type": "Terminate", "runAfter": {"Before": ["Succeeded"]},
                     "inputs": {"runStatus": "Failed", "runError": {"code": "E1", "message": "stop"}}},
            "InnerAfter": compose(json!(2), json!({"Stop": ["Succeeded"]})),
        }},
        "OuterAfter": {"type": "Scope", "runAfter": {"Work": ["Succeeded", "Failed"]},
                       "actions": {"Deep": compose(json!(3), json!({}))}},
    }));
    assert_eq!(r.status, Status::Failed);
    assert_eq!(r.error.as_ref().unwrap().code, "E1");
    assert_eq!(
        outcome(&r, "Stop"),
        (Status::Succeeded, Some("NotSpecified".into()), None)
    );
    assert_eq!(
        outcome(&r, "Work"),
        (Status::Cancelled, Some("Terminated".into()), None)
    );
    for n in ["InnerAfter", "OuterAfter", "Deep"] {
        assert_eq!(
            outcome(&r, n),
            (Status::Skipped, Some("Terminated".into()), None),
            "{n}"
        );
    }
}

/// A one-shot HTTP server answering `status` to every request.
fn answering(status: u16, reason: &'static str) -> String {
    let l = TcpListener::bind("127.0.0.1:0").expect("a port");
    let addr = l.local_addr().expect("an address");
    std::thread::spawn(move || {
        for s in l.incoming().take(4) {
            let Ok(mut s) = s else { continue };
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let body = "{\"message\":\"nope\"}";
            let _ = write!(
                s,
                "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{addr}/x")
}

#[test]
fn http_codes_are_status_names_and_failures_have_no_error() {
    let ok = answering(200, "OK");
    let missing = answering(404, "Not Found");
    let busy = answering(429, "Too Many Requests");
    let http = |uri: &str| json!({"type": "Http", "runAfter": {}, "inputs": {"method": "GET", "uri": uri, "retryPolicy": {"type": "none"}}});
    let r = go(json!({
        "Fine": http(&ok),
        "Missing": http(&missing),
        "Busy": http(&busy),
        "Probe": compose(json!("@actions('Missing')"), json!({"Missing": ["Failed"]})),
    }));
    assert_eq!(
        outcome(&r, "Fine"),
        (Status::Succeeded, Some("OK".into()), None)
    );
    assert_eq!(
        outcome(&r, "Missing"),
        (Status::Failed, Some("NotFound".into()), None)
    );
    // .NET's HttpStatusCode has no name for 429: the number.
    assert_eq!(
        outcome(&r, "Busy"),
        (Status::Failed, Some("429".into()), None)
    );
    let m = rec(&r, "Missing");
    assert_eq!(m.outputs["statusCode"], 404);
    assert!(m.diagnosis.unwrap().contains("404"));
    let p = rec(&r, "Probe").outputs;
    assert_eq!(p["code"], "NotFound");
    assert_eq!(p["status"], "Failed");
    assert!(p.get("error").is_none());
    // The run's error when the failure has no error of its own.
    assert_eq!(r.error.as_ref().unwrap().code, "ActionFailed");
}

#[test]
fn the_text_report_shows_codes_and_skip_reasons() {
    let dir = tempfile::tempdir().expect("a folder");
    let file = dir.path().join("wf.json");
    std::fs::write(
        &file,
        serde_json::to_string(&definition(json!({
            "Bad": compose(json!("@div(1, 0)"), json!({})),
            "Next": compose(json!(1), json!({"Bad": ["Succeeded"]})),
        })))
        .unwrap(),
    )
    .unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_lapis"))
        .arg("run")
        .arg(&file)
        .arg("--no-history")
        .env("LAPIS_DATA_DIR", dir.path())
        .output()
        .expect("lapis runs");
    assert_eq!(o.status.code(), Some(1));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("Bad  Failed") && text.contains("[BadRequest]  InvalidTemplate: Unable to process template language expressions in action 'Bad' inputs at line '0' and column '0'"),
        "{text}"
    );
    assert!(
        text.contains("Next  Skipped  [ActionSkipped]  ActionConditionFailed: The execution of template action 'Next' is skipped: the 'runAfter' condition for action 'Bad' is not satisfied. Expected status values 'Succeeded' and actual value 'Failed'."),
        "{text}"
    );
}

#[test]
fn a_run_failed_by_an_action_reports_the_generic_action_failed() {
    // The failed action keeps its own error; the run says what Azure's
    // run says, whatever the cause.
    let r = go(json!({
        "Bad": compose(json!("@div(1, 0)"), json!({})),
    }));
    assert_eq!(r.status, Status::Failed);
    let e = r.error.as_ref().expect("a run error");
    assert_eq!(
        (e.code.as_str(), e.message.as_str()),
        ("ActionFailed", ACTION_FAILED)
    );
    let (_, _, own) = outcome(&r, "Bad");
    assert_eq!(own.unwrap().0, "InvalidTemplate");
    // A Terminate's own code and message replace it.
    let r = go(json!({
        "Stop": {"type": "Terminate", "runAfter": {},
                 "inputs": {"runStatus": "Failed", "runError": {"code": "Nope", "message": "stopped on purpose"}}},
    }));
    let e = r.error.as_ref().expect("a run error");
    assert_eq!(
        (e.code.as_str(), e.message.as_str()),
        ("Nope", "stopped on purpose")
    );
}
