//! Typed views over real files: the App Proxy sample holds exactly the
//! scenario the issue describes, and every parameter type reads.

use lapis::workflow::model::{
    self, ActionDetails, ActionType, Authentication, CredentialType, ParamType, TriggerDetails,
};
use lapis::workflow::{Container, Document};
use serde_json::json;
use std::path::Path;

fn sample(name: &str) -> Document {
    Document::load(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("samples")
            .join(name),
    )
    .unwrap()
}

#[test]
fn the_app_proxy_sample_is_the_app_proxy_scenario() {
    let doc = sample("app-proxy-status.json");
    assert_eq!(doc.container, Container::Definition);
    let def = doc.definition(0);

    let params = model::parameters(def);
    let secret = params.iter().find(|p| p.name == "clientSecret").unwrap();
    assert_eq!(secret.ty, ParamType::SecureString);
    assert!(secret.ty.is_secure());
    assert!(
        secret.default_value.is_none(),
        "no secret value in the file"
    );

    let triggers = model::triggers(def);
    assert_eq!(triggers.len(), 1);
    assert!(
        matches!(&triggers[0].details, TriggerDetails::Request(r) if r.method.as_deref() == Some("GET"))
    );

    let outline = doc.outline(0).unwrap();
    let call = &outline.nodes[outline.find("Get_status").unwrap()];
    let action = model::Action::read(&call.name, doc.root.pointer(&call.pointer).unwrap());
    let ActionDetails::Http(http) = &action.details else {
        panic!("Get_status is not HTTP");
    };
    assert_eq!(http.method.as_deref(), Some("GET"));
    assert_eq!(
        http.uri.as_deref(),
        Some("https://sampleapp1.msappproxy.net/api/1/status")
    );
    assert_eq!(
        action.summary(),
        "GET sampleapp1.msappproxy.net/api/1/status"
    );
    let Some(Authentication::ActiveDirectoryOAuth(aad)) = &http.authentication else {
        panic!("not ActiveDirectoryOAuth");
    };
    assert_eq!(aad.authority.as_deref(), Some("https://login.windows.net"));
    assert_eq!(
        aad.audience.as_deref(),
        Some("https://sampleapp1.msappproxy.net")
    );
    assert_eq!(aad.tenant.as_deref(), Some("@parameters('tenantId')"));
    assert_eq!(aad.client_id.as_deref(), Some("@parameters('clientId')"));
    assert_eq!(aad.secret.as_deref(), Some("@parameters('clientSecret')"));
    assert_eq!(aad.credential_type(), CredentialType::Secret);
    assert!(action.envelope.secure_inputs);

    let response = &outline.nodes[outline.find("Response").unwrap()];
    assert_eq!(response.ty, ActionType::Response);
    assert_eq!(response.run_after[0].target, "Get_status");
}

#[test]
fn every_parameter_type_reads() {
    let doc = Document::from_value(json!({
        "triggers": {},
        "actions": {},
        "parameters": {
            "s": {"type": "String", "defaultValue": "x", "allowedValues": ["x", "y"]},
            "ss": {"type": "SecureString"},
            "i": {"type": "Int", "defaultValue": 12345678901234567890123u128},
            "f": {"type": "Float", "defaultValue": 1.5},
            "b": {"type": "bool", "defaultValue": true},
            "a": {"type": "Array", "defaultValue": []},
            "o": {"type": "Object", "defaultValue": {}, "metadata": {"description": "d"}},
            "so": {"type": "secureobject"},
            "arm": {"type": "[variables('t')]"}
        }
    }))
    .unwrap();
    let ps = model::parameters(doc.definition(0));
    let types: Vec<ParamType> = ps.iter().map(|p| p.ty.clone()).collect();
    assert_eq!(
        types,
        vec![
            ParamType::String,
            ParamType::SecureString,
            ParamType::Int,
            ParamType::Float,
            ParamType::Bool,
            ParamType::Array,
            ParamType::Object,
            ParamType::SecureObject,
            ParamType::ArmExpression("[variables('t')]".into()),
        ]
    );
    assert_eq!(ps[0].allowed_values.as_ref().unwrap().len(), 2);
    assert_eq!(
        ps[2].default_value.as_ref().unwrap().to_string(),
        "12345678901234567890123"
    );
    assert!(ps[6].metadata.is_some());
}

#[test]
fn standard_sample_reads_recurrence_and_nested_actions() {
    let doc = sample("order-sync/workflow.json");
    assert_eq!(doc.container, Container::Standard);
    assert_eq!(doc.workflows[0].name, "order-sync");
    let t = &model::triggers(doc.definition(0))[0];
    let TriggerDetails::Recurrence(r) = &t.details else {
        panic!("not a recurrence");
    };
    assert_eq!(r.frequency.as_deref(), Some("Minute"));
    assert_eq!(r.interval, Some(json!(15)));
    let o = doc.outline(0).unwrap();
    let leaf = &o.nodes[o.find("Post_to_EU_ledger").unwrap()];
    assert_eq!(leaf.depth, 4);
    let names: Vec<&str> = o
        .ancestors(leaf.id)
        .map(|a| o.nodes[a].name.as_str())
        .collect();
    assert_eq!(names, ["Route_by_region", "For_each_order", "Try"]);
}

#[test]
fn outputs_and_static_results_read() {
    let doc = Document::from_value(json!({
        "triggers": {},
        "actions": {"A": {"type": "Http", "inputs": {"method": "GET", "uri": "https://x"}, "runtimeConfiguration": {"staticResult": {"name": "A0", "staticResultOptions": "Enabled"}}}},
        "outputs": {"result": {"type": "String", "value": "@body('A')"}},
        "staticResults": {"A0": {"status": "Succeeded", "outputs": {"statusCode": 200}}}
    }))
    .unwrap();
    let outs = model::outputs(doc.definition(0));
    assert_eq!(outs.len(), 1);
    assert_eq!(outs[0].name, "result");
    assert_eq!(outs[0].ty, ParamType::String);
    assert_eq!(outs[0].value, Some(json!("@body('A')")));
    assert_eq!(
        model::static_results(doc.definition(0)),
        vec!["A0".to_string()]
    );
}

#[test]
fn a_new_definition_saves_with_two_spaces_and_reloads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.json");
    let doc = Document::new_definition();
    assert_eq!(doc.container, Container::Definition);
    doc.save_to(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("{\n  \"$schema\": "), "{text}");
    assert!(text.ends_with("}\n"));
    let again = Document::load(&path).unwrap();
    assert_eq!(again.root, doc.root);
    assert_eq!(again.to_bytes(), text.as_bytes());
}
