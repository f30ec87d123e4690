//! One test per validation rule, on fixtures written for the purpose, and a
//! clean workflow that yields no problem at all.

use lapis::graph::validate::{validate_document, Problem, Severity};
use lapis::workflow::Document;
use serde_json::{json, Value};

fn problems(def: Value) -> Vec<Problem> {
    let doc = Document::from_value(def).expect("fixture loads");
    validate_document(&doc, 0).expect("fixture has a workflow shape")
}

fn with_actions(actions: Value) -> Value {
    json!({
        "$schema": lapis::workflow::DEFINITION_SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": {"secret": {"type": "SecureString"}},
        "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {"schema": {}}}},
        "actions": actions,
        "outputs": {}
    })
}

/// The only problem found, checked for code, severity, action and pointer.
fn only(ps: &[Problem], code: &str, sev: Severity, action: &str, pointer: &str) {
    assert_eq!(ps.len(), 1, "expected exactly one problem, got {ps:#?}");
    let p = &ps[0];
    assert_eq!(p.code, code, "{p:#?}");
    assert_eq!(p.severity, sev, "{p:#?}");
    assert_eq!(p.action.as_deref(), Some(action), "{p:#?}");
    assert_eq!(p.pointer, pointer, "{p:#?}");
    assert!(p.message.len() > 20 && p.message.contains(action), "{p:#?}");
}

fn compose(run_after: Value) -> Value {
    json!({"type": "Compose", "inputs": "x", "runAfter": run_after})
}

fn http(inputs: Value) -> Value {
    json!({"type": "Http", "inputs": inputs, "runAfter": {}})
}

fn aad(extra: Value) -> Value {
    let mut a = json!({
        "type": "ActiveDirectoryOAuth",
        "authority": "https://login.windows.net",
        "tenant": "contoso.onmicrosoft.com",
        "audience": "https://sampleapp1.msappproxy.net",
        "clientId": "11111111-1111-1111-1111-111111111111",
        "secret": "@parameters('secret')"
    });
    for (k, v) in extra.as_object().unwrap() {
        if v.is_null() {
            a.as_object_mut().unwrap().shift_remove(k);
        } else {
            a[k] = v.clone();
        }
    }
    http(
        json!({"method": "GET", "uri": "https://sampleapp1.msappproxy.net/api/1/status", "authentication": a}),
    )
}

#[test]
fn a_clean_workflow_has_no_problem() {
    let ps = problems(with_actions(json!({
        "Init": {"type": "InitializeVariable", "inputs": {"variables": [{"name": "n", "type": "integer", "value": 0}]}, "runAfter": {}},
        "Call": aad(json!({})),
        "Check": {
            "type": "If",
            "expression": {"equals": ["@outputs('Call')?['statusCode']", 200]},
            "actions": {"Ok": compose(json!({}))},
            "else": {"actions": {"Retry": compose(json!({})), "Fail": {"type": "Terminate", "inputs": {"runStatus": "Failed"}, "runAfter": {"Retry": ["Failed", "TIMEDOUT"]}}}},
            "runAfter": {"Call": ["Succeeded", "failed"], "Init": ["Succeeded"]}
        },
        "Loop": {
            "type": "Foreach", "foreach": "@body('Call')",
            "actions": {"Each": compose(json!({}))},
            "runAfter": {"Check": ["Succeeded", "Skipped"]}
        },
        "Route": {
            "type": "Switch", "expression": "@body('Call')?['kind']",
            "cases": {"A": {"case": "a", "actions": {"Do_A": compose(json!({}))}}},
            "default": {"actions": {}},
            "runAfter": {"Loop": ["Succeeded"]}
        },
        "With_header": http(json!({"method": "GET", "uri": "https://x.example/api", "headers": {"Authorization": "Bearer @{parameters('secret')}"}}))
    })));
    assert!(ps.is_empty(), "{ps:#?}");
}

#[test]
fn run_after_naming_an_unknown_action() {
    let ps = problems(with_actions(
        json!({"A": compose(json!({})), "B": compose(json!({"Nope": ["Succeeded"]}))}),
    ));
    only(
        &ps,
        "run-after-unknown",
        Severity::Error,
        "B",
        "/actions/B/runAfter/Nope",
    );
}

#[test]
fn run_after_naming_an_action_in_another_scope() {
    let ps = problems(with_actions(json!({
        "Outer": {"type": "Scope", "actions": {"Inner": compose(json!({}))}, "runAfter": {}},
        "After": compose(json!({"Inner": ["Succeeded"]}))
    })));
    only(
        &ps,
        "run-after-scope",
        Severity::Error,
        "After",
        "/actions/After/runAfter/Inner",
    );
    assert!(
        ps[0].message.contains("inside `Outer`"),
        "{}",
        ps[0].message
    );

    // And from inside a scope to an action outside it.
    let ps = problems(with_actions(json!({
        "First": compose(json!({})),
        "Outer": {"type": "Scope", "actions": {"Inner": compose(json!({"First": ["Succeeded"]}))}, "runAfter": {"First": ["Succeeded"]}}
    })));
    only(
        &ps,
        "run-after-scope",
        Severity::Error,
        "Inner",
        "/actions/Outer/actions/Inner/runAfter/First",
    );
}

#[test]
fn cycles_are_found() {
    let ps = problems(with_actions(json!({
        "A": compose(json!({"C": ["Succeeded"]})),
        "B": compose(json!({"A": ["Succeeded"]})),
        "C": compose(json!({"B": ["Succeeded"]})),
        "D": compose(json!({}))
    })));
    only(&ps, "cycle", Severity::Error, "A", "/actions/A/runAfter");
    assert!(
        ps[0].message.contains("`A`, `B` and `C`"),
        "{}",
        ps[0].message
    );

    let ps = problems(with_actions(
        json!({"Self": compose(json!({"Self": ["Failed"]}))}),
    ));
    only(
        &ps,
        "cycle",
        Severity::Error,
        "Self",
        "/actions/Self/runAfter",
    );
}

#[test]
fn the_same_name_twice_anywhere() {
    let ps = problems(with_actions(json!({
        "Twice": compose(json!({})),
        "Scope": {"type": "Scope", "actions": {"Twice": compose(json!({}))}, "runAfter": {"Twice": ["Succeeded"]}}
    })));
    only(
        &ps,
        "duplicate-name",
        Severity::Error,
        "Twice",
        "/actions/Scope/actions/Twice",
    );
    // A trigger and an action share one namespace.
    let ps = problems(with_actions(json!({"manual": compose(json!({}))})));
    only(
        &ps,
        "duplicate-name",
        Severity::Error,
        "manual",
        "/actions/manual",
    );
}

#[test]
fn unknown_run_after_statuses() {
    let ps = problems(with_actions(json!({
        "A": compose(json!({})),
        "B": compose(json!({"A": ["SUCCEEDED", "Completed"]}))
    })));
    only(
        &ps,
        "run-after-status",
        Severity::Error,
        "B",
        "/actions/B/runAfter/A/1",
    );
    assert!(ps[0].message.contains("`Completed`"));
}

#[test]
fn names_too_long_or_with_refused_characters() {
    let long = "N".repeat(81);
    let ps = problems(with_actions(
        json!({ long.clone(): compose(json!({})), "N".repeat(80): compose(json!({})) }),
    ));
    only(
        &ps,
        "name-too-long",
        Severity::Error,
        &long,
        &format!("/actions/{long}"),
    );

    for bad in [
        "a/b",
        "what?",
        "50%",
        "x<y",
        "a&b",
        "back\\slash",
        "tab\there",
    ] {
        let ps = problems(with_actions(json!({ bad: compose(json!({})) })));
        let pointer = format!("/actions/{}", bad.replace('/', "~1"));
        assert_eq!(ps.len(), 1, "{bad}: {ps:#?}");
        assert_eq!(ps[0].code, "name-chars", "{bad}");
        assert_eq!(ps[0].pointer, pointer);
    }
    // Characters real workflows use are fine.
    let ps = problems(with_actions(
        json!({"Send_an_email_(V2)-copy.1 'x'=y": compose(json!({}))}),
    ));
    assert!(ps.is_empty(), "{ps:#?}");
}

#[test]
fn more_than_500_actions() {
    let mut actions = serde_json::Map::new();
    for i in 0..501 {
        actions.insert(format!("A{i}"), compose(json!({})));
    }
    let ps = problems(with_actions(Value::Object(actions)));
    assert_eq!(ps.len(), 1, "{ps:#?}");
    assert_eq!(ps[0].code, "too-many-actions");
    assert_eq!(ps[0].pointer, "/actions");
    assert!(ps[0].message.contains("501"));

    let doc = Document::from_value(lapis::synth::generate(500, 3)).unwrap();
    assert!(validate_document(&doc, 0).unwrap().is_empty());
}

#[test]
fn nesting_deeper_than_8() {
    fn nest(levels: usize) -> Value {
        let mut inner = json!({"Leaf": compose(json!({}))});
        for i in (1..levels).rev() {
            inner = json!({ format!("Scope_{i}"): {"type": "Scope", "actions": inner, "runAfter": {}} });
        }
        inner
    }
    assert!(problems(with_actions(nest(8))).is_empty());
    let ps = problems(with_actions(nest(9)));
    assert_eq!(ps.len(), 1, "{ps:#?}");
    assert_eq!(ps[0].code, "too-deep");
    assert_eq!(ps[0].action.as_deref(), Some("Leaf"));
}

#[test]
fn http_without_method_or_uri() {
    let ps = problems(with_actions(
        json!({"Call": http(json!({"uri": "https://x.example"}))}),
    ));
    only(
        &ps,
        "http-method",
        Severity::Error,
        "Call",
        "/actions/Call/inputs",
    );
    let ps = problems(with_actions(
        json!({"Call": http(json!({"method": "GET", "uri": " "}))}),
    ));
    only(
        &ps,
        "http-uri",
        Severity::Error,
        "Call",
        "/actions/Call/inputs",
    );
    // Type names are compared case-insensitively.
    let ps = problems(with_actions(
        json!({"Call": {"type": "http", "inputs": {"method": "GET"}, "runAfter": {}}}),
    ));
    only(
        &ps,
        "http-uri",
        Severity::Error,
        "Call",
        "/actions/Call/inputs",
    );
}

#[test]
fn aad_oauth_missing_fields() {
    for field in ["tenant", "audience", "clientId"] {
        let ps = problems(with_actions(json!({"Call": aad(json!({ field: null }))})));
        only(
            &ps,
            "aad-missing-field",
            Severity::Error,
            "Call",
            "/actions/Call/inputs/authentication",
        );
        assert!(
            ps[0].message.contains(&format!("`{field}`")),
            "{}",
            ps[0].message
        );
    }
}

#[test]
fn aad_oauth_with_both_secret_and_pfx() {
    let ps = problems(with_actions(
        json!({"Call": aad(json!({"pfx": "@parameters('secret')", "password": "@parameters('secret')"}))}),
    ));
    only(
        &ps,
        "aad-secret-and-pfx",
        Severity::Error,
        "Call",
        "/actions/Call/inputs/authentication",
    );
}

#[test]
fn literal_secrets_are_warned_about() {
    let ps = problems(with_actions(
        json!({"Call": aad(json!({"secret": "canary-literal-value"}))}),
    ));
    only(
        &ps,
        "literal-secret",
        Severity::Warning,
        "Call",
        "/actions/Call/inputs/authentication/secret",
    );
    assert!(
        !ps[0].message.contains("canary-literal"),
        "a message never repeats the secret"
    );

    let basic = http(
        json!({"method": "GET", "uri": "https://x.example", "authentication": {"type": "Basic", "username": "u", "password": "hunter2"}}),
    );
    let ps = problems(with_actions(json!({"Call": basic})));
    only(
        &ps,
        "literal-secret",
        Severity::Warning,
        "Call",
        "/actions/Call/inputs/authentication/password",
    );

    let cert = http(
        json!({"method": "GET", "uri": "https://x.example", "authentication": {"type": "ClientCertificate", "pfx": "MIIKeQIBAzCC", "password": "@parameters('secret')"}}),
    );
    let ps = problems(with_actions(json!({"Call": cert})));
    only(
        &ps,
        "literal-secret",
        Severity::Warning,
        "Call",
        "/actions/Call/inputs/authentication/pfx",
    );

    let header = http(
        json!({"method": "GET", "uri": "https://x.example", "headers": {"authorization": "Bearer eyJhbGciOi"}}),
    );
    let ps = problems(with_actions(json!({"Call": header})));
    only(
        &ps,
        "literal-secret",
        Severity::Warning,
        "Call",
        "/actions/Call/inputs/headers/authorization",
    );

    // An ARM template parameter ends up in clear in the deployed definition.
    let ps = problems(with_actions(
        json!({"Call": aad(json!({"secret": "[parameters('secret')]"}))}),
    ));
    only(
        &ps,
        "literal-secret",
        Severity::Warning,
        "Call",
        "/actions/Call/inputs/authentication/secret",
    );
    assert!(ps[0].message.contains("ARM template"));
}

#[test]
fn required_fields_of_other_auth_types() {
    let raw = http(
        json!({"method": "GET", "uri": "https://x.example", "authentication": {"type": "Raw"}}),
    );
    let ps = problems(with_actions(json!({"Call": raw})));
    only(
        &ps,
        "auth-missing-field",
        Severity::Error,
        "Call",
        "/actions/Call/inputs/authentication",
    );
}

#[test]
fn arm_expression_types_cannot_be_checked() {
    let ps = problems(with_actions(
        json!({"Step": {"type": "[variables('actionType')]", "inputs": {}, "runAfter": {}}}),
    ));
    only(
        &ps,
        "arm-expression",
        Severity::Warning,
        "Step",
        "/actions/Step/type",
    );
}

#[test]
fn problems_in_an_arm_template_point_into_the_template() {
    let def = with_actions(json!({"B": compose(json!({"Nope": ["Succeeded"]}))}));
    let doc = Document::from_value(json!({
        "$schema": lapis::workflow::ARM_SCHEMA,
        "resources": [{"type": "Microsoft.Logic/workflows", "name": "wf", "properties": {"definition": def}}]
    }))
    .unwrap();
    // (The resource passes no value for the definition's `secret`
    // parameter: that is `arm-parameter-missing`, tested in arm_template.rs.)
    let ps: Vec<_> = validate_document(&doc, 0)
        .unwrap()
        .into_iter()
        .filter(|p| p.code != "arm-parameter-missing")
        .collect();
    assert_eq!(ps.len(), 1);
    assert_eq!(
        ps[0].pointer,
        "/resources/0/properties/definition/actions/B/runAfter/Nope"
    );
}

fn secure(props: &[&str]) -> Value {
    json!({"secureData": {"properties": props}})
}

#[test]
fn secure_data_is_refused_on_variable_and_control_actions() {
    let ps = problems(with_actions(json!({
        "Init": {"type": "InitializeVariable", "runAfter": {},
                 "inputs": {"variables": [{"name": "v", "type": "string"}]},
                 "runtimeConfiguration": secure(&["inputs"])}
    })));
    only(
        &ps,
        "secure-data-unsupported",
        Severity::Error,
        "Init",
        "/actions/Init/runtimeConfiguration/secureData/properties",
    );
    let ps = problems(with_actions(json!({
        "Group": {"type": "Scope", "runAfter": {}, "actions": {},
                  "runtimeConfiguration": secure(&["outputs"])}
    })));
    only(
        &ps,
        "secure-data-unsupported",
        Severity::Error,
        "Group",
        "/actions/Group/runtimeConfiguration/secureData/properties",
    );
    assert!(ps[0].message.contains("control actions"));
}

#[test]
fn secure_outputs_are_refused_on_compose_parse_response_wait() {
    for ty in ["Compose", "ParseJson", "Response", "Wait"] {
        let ps = problems(with_actions(json!({
            "A": {"type": ty, "runAfter": {}, "inputs": {},
                  "runtimeConfiguration": secure(&["outputs"])}
        })));
        let p: Vec<_> = ps
            .iter()
            .filter(|p| p.code == "secure-data-unsupported")
            .collect();
        assert_eq!(p.len(), 1, "{ty}: {ps:#?}");
        assert!(p[0].message.contains("no secure outputs"), "{ty}");
        // Secure inputs are fine on them.
        let ps = problems(with_actions(json!({
            "A": {"type": ty, "runAfter": {}, "inputs": {},
                  "runtimeConfiguration": secure(&["inputs"])}
        })));
        assert!(
            ps.iter().all(|p| p.code != "secure-data-unsupported"),
            "{ty}: {ps:#?}"
        );
    }
}

/// An HTTP action that returns a token, with `secure` on.
fn get_token(props: &[&str]) -> Value {
    json!({"type": "Http", "runAfter": {},
        "inputs": {"method": "GET", "uri": "https://api.contoso.com/token"},
        "runtimeConfiguration": secure(props)})
}

/// An HTTP action that sends `body`, after `after`, with `props` secured.
fn send(after: &str, body: &str, props: &[&str]) -> Value {
    let mut a = json!({"type": "Http", "runAfter": {after: ["Succeeded"]},
        "inputs": {"method": "POST", "uri": "https://api.contoso.com/use", "body": body}});
    if !props.is_empty() {
        a["runtimeConfiguration"] = secure(props);
    }
    a
}

fn leaks(ps: &[Problem]) -> Vec<&Problem> {
    ps.iter().filter(|p| p.code == "secure-data-leak").collect()
}

/// Microsoft Learn: an action that reads secured outputs has its inputs
/// hidden by Logic Apps, not its outputs. The warning is about the outputs.
#[test]
fn reading_secured_outputs_warns_about_the_readers_outputs() {
    let ps = problems(with_actions(json!({
        "Get_token": get_token(&["outputs"]),
        "Use": send("Get_token", "@{body('Get_token')?['access_token']}", &[])
    })));
    only(
        &ps,
        "secure-data-leak",
        Severity::Warning,
        "Use",
        "/actions/Use/inputs/body",
    );
    let m = &ps[0].message;
    assert!(m.contains("`Get_token`, which has secure outputs"), "{m}");
    assert!(m.contains("hides the inputs of `Use`"), "{m}");
    assert!(m.contains("turn on secure outputs for `Use`"), "{m}");
    assert!(!m.contains("secure inputs for `Use`"), "{m}");

    // With secure outputs on the reader, nothing shows in clear; secure
    // inputs alone do not hide its outputs.
    let ps = problems(with_actions(json!({
        "Get_token": get_token(&["outputs"]),
        "Use": send("Get_token", "@body('Get_token')", &["outputs"])
    })));
    assert!(ps.is_empty(), "{ps:#?}");
    let ps = problems(with_actions(json!({
        "Get_token": get_token(&["outputs"]),
        "Use": send("Get_token", "@body('Get_token')", &["inputs"])
    })));
    assert_eq!(leaks(&ps).len(), 1, "{ps:#?}");

    // Secure inputs on the source: the same (Logic Apps hides the reader's
    // inputs, not its outputs).
    let ps = problems(with_actions(json!({
        "Get_token": get_token(&["inputs"]),
        "Use": send("Get_token", "@body('Get_token')", &[])
    })));
    let l = leaks(&ps);
    assert_eq!(l.len(), 1, "{ps:#?}");
    assert!(
        l[0].message.contains("which has secure inputs"),
        "{}",
        l[0].message
    );

    // Wait has no secure outputs and its outputs do not carry the value.
    let ps = problems(with_actions(json!({
        "Get_token": get_token(&["outputs"]),
        "Pause": {"type": "Wait", "runAfter": {"Get_token": ["Succeeded"]},
                  "inputs": {"interval": {"count": "@body('Get_token')?['retry']", "unit": "Second"}}}
    })));
    assert!(ps.is_empty(), "{ps:#?}");
}

/// Compose, Parse JSON and Response that read secured data have their
/// inputs and outputs hidden by Logic Apps; an action reading their outputs
/// has neither hidden.
#[test]
fn a_compose_hides_secured_data_but_not_from_its_readers() {
    for ty in ["Compose", "ParseJson", "Response"] {
        let inputs = match ty {
            "Compose" => json!("@body('Get_token')"),
            "ParseJson" => json!({"content": "@body('Get_token')", "schema": {}}),
            _ => json!({"statusCode": 200, "body": "@body('Get_token')"}),
        };
        let ps = problems(with_actions(json!({
            "Get_token": get_token(&["outputs"]),
            "Shape": {"type": ty, "runAfter": {"Get_token": ["Succeeded"]}, "inputs": inputs}
        })));
        assert!(leaks(&ps).is_empty(), "{ty}: {ps:#?}");
    }

    let shape = json!({"type": "Compose", "runAfter": {"Get_token": ["Succeeded"]},
                       "inputs": {"token": "@body('Get_token')?['access_token']"}});
    let ps = problems(with_actions(json!({
        "Get_token": get_token(&["outputs"]),
        "Shape": shape,
        "Use": send("Shape", "@outputs('Shape')?['token']", &[])
    })));
    only(
        &ps,
        "secure-data-leak",
        Severity::Warning,
        "Use",
        "/actions/Use/inputs/body",
    );
    let m = &ps[0].message;
    assert!(m.contains("`Shape`"), "{m}");
    assert!(m.contains("`Get_token`, which has secure outputs"), "{m}");
    assert!(
        m.contains("in clear in the inputs and outputs of `Use`"),
        "{m}"
    );
    assert!(
        m.contains("turn on secure inputs and secure outputs for `Use`"),
        "{m}"
    );
    assert!(m.contains("read `Get_token`'s outputs directly"), "{m}");

    // Secure inputs on the reader: its outputs still show.
    let ps = problems(with_actions(json!({
        "Get_token": get_token(&["outputs"]),
        "Shape": shape,
        "Use": send("Shape", "@outputs('Shape')", &["inputs"])
    })));
    let l = leaks(&ps);
    assert_eq!(l.len(), 1, "{ps:#?}");
    assert!(
        l[0].message.contains("turn on secure outputs for `Use`"),
        "{}",
        l[0].message
    );
    // Both on: nothing shows.
    let ps = problems(with_actions(json!({
        "Get_token": get_token(&["outputs"]),
        "Shape": shape,
        "Use": send("Shape", "@outputs('Shape')", &["inputs", "outputs"])
    })));
    assert!(ps.is_empty(), "{ps:#?}");
    // A Compose that secures its own inputs is itself a secured source:
    // its reader's inputs are hidden, its outputs are what is left.
    let mut own = shape.clone();
    own["runtimeConfiguration"] = secure(&["inputs"]);
    let ps = problems(with_actions(json!({
        "Get_token": get_token(&["outputs"]),
        "Shape": own,
        "Use": send("Shape", "@outputs('Shape')", &["outputs"])
    })));
    assert!(ps.is_empty(), "{ps:#?}");
}

/// The trigger's secured outputs, read with `triggerBody()`.
#[test]
fn reading_a_secured_trigger_follows_the_same_rules() {
    for props in [&["outputs"][..], &["inputs"][..]] {
        let mut def = with_actions(json!({
            "Use": {"type": "Http", "runAfter": {},
                    "inputs": {"method": "POST", "uri": "https://api.contoso.com/use",
                               "body": "@triggerBody()?['card']"}},
            "Shape": {"type": "Compose", "runAfter": {}, "inputs": "@triggerBody()"}
        }));
        def["triggers"]["manual"]["runtimeConfiguration"] = secure(props);
        let ps = problems(def);
        let l = leaks(&ps);
        assert_eq!(l.len(), 1, "{props:?}: {ps:#?}");
        assert_eq!(l[0].action.as_deref(), Some("Use"));
        assert_eq!(l[0].pointer, "/actions/Use/inputs/body");
        assert!(l[0].message.contains("`manual`"), "{}", l[0].message);
    }
    // Not secured: nothing to say.
    let ps = problems(with_actions(json!({
        "Shape": {"type": "Compose", "runAfter": {}, "inputs": "@triggerBody()"},
        "Use": send("Shape", "@outputs('Shape')", &[])
    })));
    assert!(ps.is_empty(), "{ps:#?}");
}

#[test]
fn access_control_ranges_are_checked_in_arm_templates() {
    let mut def = with_actions(json!({}));
    def.as_object_mut().unwrap().remove("$schema");
    let arm = json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [{
            "type": "Microsoft.Logic/workflows",
            "apiVersion": "2019-05-01",
            "name": "wf",
            "location": "westeurope",
            "properties": {
                "definition": def,
                "accessControl": {
                    "triggers": {"allowedCallerIpAddresses": [
                        {"addressRange": "10.0.0.0/24"},
                        {"addressRange": "10.0.0.300"}
                    ]},
                    "contents": {"allowedCallerIpAddresses": [{"addressRange": "0.0.0.0-0.0.0.0"}]},
                    "actions": {"allowedCallerIpAddresses": []}
                }
            }
        }]
    });
    let doc = Document::from_value(arm).unwrap();
    let ps: Vec<Problem> = validate_document(&doc, 0)
        .unwrap()
        .into_iter()
        .filter(|p| p.code == "access-control")
        .collect();
    assert_eq!(ps.len(), 1, "{ps:#?}");
    assert_eq!(
        ps[0].pointer,
        "/resources/0/properties/accessControl/triggers/allowedCallerIpAddresses/1/addressRange"
    );
    assert_eq!(ps[0].severity, Severity::Error);
    assert!(ps[0].message.contains("10.0.0.300"));
}

/// Microsoft Learn ("Secure access and data in Azure Logic Apps") lists
/// Terminate and the Recurrence trigger among the built-in operations with
/// neither secure inputs nor secure outputs.
#[test]
fn secure_data_is_refused_on_terminate_and_the_recurrence_trigger() {
    let ps = problems(with_actions(json!({
        "Stop": {"type": "Terminate", "runAfter": {},
                 "inputs": {"runStatus": "Failed", "runError": {"code": "500", "message": "stopped"}},
                 "runtimeConfiguration": secure(&["inputs"])}
    })));
    only(
        &ps,
        "secure-data-unsupported",
        Severity::Error,
        "Stop",
        "/actions/Stop/runtimeConfiguration/secureData/properties",
    );
    assert!(ps[0].message.contains("Terminate actions"), "{ps:#?}");

    let mut def = with_actions(json!({}));
    def["triggers"] = json!({"Every_hour": {
        "type": "Recurrence",
        "recurrence": {"frequency": "Hour", "interval": 1},
        "runtimeConfiguration": secure(&["outputs"])
    }});
    let ps = problems(def);
    only(
        &ps,
        "secure-data-unsupported",
        Severity::Error,
        "Every_hour",
        "/triggers/Every_hour/runtimeConfiguration/secureData/properties",
    );
    assert!(ps[0].message.contains("Recurrence trigger"), "{ps:#?}");
}

/// A variable action has no secure outputs: the warning must not ask for
/// them, and must say that the value shows wherever the variable is read.
#[test]
fn a_variable_reading_a_secured_output_gets_advice_it_can_follow() {
    let get = get_token(&["outputs"]);
    let ps = problems(with_actions(json!({
        "Init": {"type": "InitializeVariable", "runAfter": {},
                 "inputs": {"variables": [{"name": "token", "type": "string"}]}},
        "Get_token": get,
        "Keep_token": {"type": "SetVariable",
                       "runAfter": {"Get_token": ["Succeeded"], "Init": ["Succeeded"]},
                       "inputs": {"name": "token", "value": "@body('Get_token')?['access_token']"}}
    })));
    only(
        &ps,
        "secure-data-leak",
        Severity::Warning,
        "Keep_token",
        "/actions/Keep_token/inputs/value",
    );
    let m = &ps[0].message;
    assert!(m.contains("`Get_token`"), "{m}");
    assert!(
        !m.contains("for `Keep_token`"),
        "advice that cannot be followed: {m}"
    );
    assert!(m.contains("variable actions have no secure outputs"), "{m}");
    assert!(m.contains("wherever the variable is read"), "{m}");
    assert!(m.contains("Do not pass it through a variable"), "{m}");
    assert!(m.contains("read `Get_token`'s outputs directly"), "{m}");

    // A control action: the same kind of advice, naming the action.
    let ps = problems(with_actions(json!({
        "Get_token": get,
        "Check": {"type": "If", "runAfter": {"Get_token": ["Succeeded"]},
                  "expression": {"and": [{"equals": ["@body('Get_token')?['scope']", "all"]}]},
                  "actions": {}, "else": {"actions": {}}}
    })));
    let leak = leaks(&ps);
    assert_eq!(leak.len(), 1, "{ps:#?}");
    let m = &leak[0].message;
    assert!(!m.contains("for `Check`"), "{m}");
    assert!(m.contains("Keep it out of `Check`"), "{m}");

    // A variable set from a Compose that read the secret: nothing of it is
    // hidden, and it has no setting to hide it.
    let ps = problems(with_actions(json!({
        "Init": {"type": "InitializeVariable", "runAfter": {},
                 "inputs": {"variables": [{"name": "token", "type": "string"}]}},
        "Get_token": get,
        "Shape": {"type": "Compose", "runAfter": {"Get_token": ["Succeeded"]},
                  "inputs": "@body('Get_token')"},
        "Keep_token": {"type": "SetVariable",
                       "runAfter": {"Shape": ["Succeeded"], "Init": ["Succeeded"]},
                       "inputs": {"name": "token", "value": "@outputs('Shape')"}}
    })));
    let leak = leaks(&ps);
    assert_eq!(leak.len(), 1, "{ps:#?}");
    let m = &leak[0].message;
    assert!(m.contains("wherever the variable is read"), "{m}");
    assert!(
        m.contains("variable actions have no secure inputs or outputs"),
        "{m}"
    );
    assert!(!m.contains("for `Keep_token`"), "{m}");
}
