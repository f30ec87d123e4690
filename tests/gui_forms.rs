//! The inspector forms, driven by accessible labels through egui_kittest:
//! every assertion is on the document the session holds.

mod common;
use common::app::{at, click, replace, select, type_in};

use egui::Key;
use egui_kittest::{kittest::Queryable, Harness};
use lapis::ui::{LapisApp, Options};
use lapis::workflow::edit::{new_action, Edit, PALETTE};
use lapis::workflow::Document;
use serde_json::{json, Value};

const AUTH: &str = "/actions/Get_status/inputs/authentication";

fn app() -> Harness<'static, LapisApp> {
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_eframe(|_cc| {
            LapisApp::new(Options {
                file: None,
                native_dialogs: false,
                recovery_dir: None,
            })
        });
    h.run();
    h
}

/// Where the inspector panel starts: content wider than the panel would
/// push it wider, frame after frame.
fn panel_left(h: &Harness<'static, LapisApp>) -> f32 {
    h.get_by_label("Properties").rect().min.x
}

fn open_settings(h: &mut Harness<'static, LapisApp>) {
    if h.query_by_label("Secure inputs").is_none() {
        click(h, "Settings");
    }
}

#[test]
fn every_active_directory_oauth_field() {
    let mut h = app();
    select(&mut h, "Get_status");
    replace(&mut h, "Tenant", "contoso.onmicrosoft.com");
    replace(&mut h, "Audience", "https://api-contoso.msappproxy.net");
    replace(&mut h, "Client ID", "11111111-2222-3333-4444-555555555555");
    replace(&mut h, "Client secret", "@parameters('otherSecret')");
    let a = at(&h, AUTH).unwrap();
    assert_eq!(a["tenant"], "contoso.onmicrosoft.com");
    assert_eq!(a["audience"], "https://api-contoso.msappproxy.net");
    assert_eq!(a["clientId"], "11111111-2222-3333-4444-555555555555");
    assert_eq!(a["secret"], "@parameters('otherSecret')");

    // Clearing the authority removes it (the default applies, shown as hint).
    replace(&mut h, "Authority", "");
    h.key_press(Key::Backspace);
    h.run();
    assert_eq!(at(&h, &format!("{AUTH}/authority")), None);
    type_in(&mut h, "Authority", "https://login.microsoftonline.com");
    assert_eq!(
        at(&h, &format!("{AUTH}/authority")),
        Some(json!("https://login.microsoftonline.com"))
    );

    // Certificate: the secret goes, Pfx and Password come.
    click(&mut h, "Certificate");
    let a = at(&h, AUTH).unwrap();
    assert_eq!(a["credentialType"], "Certificate");
    assert!(a.get("secret").is_none());
    assert!(h.query_by_label("Client secret").is_none());
    type_in(&mut h, "Pfx", "@parameters('pfx')");
    type_in(&mut h, "Password", "@parameters('pfxPassword')");
    let a = at(&h, AUTH).unwrap();
    assert_eq!(a["pfx"], "@parameters('pfx')");
    assert_eq!(a["password"], "@parameters('pfxPassword')");

    // And back: the certificate's fields go.
    click(&mut h, "Secret");
    let a = at(&h, AUTH).unwrap();
    assert_eq!(a["credentialType"], "Secret");
    assert!(a.get("pfx").is_none() && a.get("password").is_none());
    type_in(&mut h, "Client secret", "@parameters('clientSecret')");
    assert_eq!(
        at(&h, &format!("{AUTH}/secret")),
        Some(json!("@parameters('clientSecret')"))
    );
    // Other fields and their order are untouched.
    let keys: Vec<String> = at(&h, AUTH)
        .unwrap()
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(
        keys,
        [
            "type",
            "tenant",
            "audience",
            "clientId",
            "credentialType",
            "authority",
            "secret"
        ]
    );
}

#[test]
fn pfx_loads_from_a_path_as_base64() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("client.pfx");
    std::fs::write(&file, [0x30u8, 0x82, 0x01, 0x02]).unwrap();
    let mut h = app();
    select(&mut h, "Get_status");
    click(&mut h, "Certificate");
    type_in(&mut h, "Pfx file path", &file.display().to_string());
    click(&mut h, "Load");
    let pfx = format!("{AUTH}/pfx");
    for _ in 0..100 {
        if at(&h, &pfx).is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
        h.run();
    }
    assert_eq!(at(&h, &pfx), Some(json!("MIIBAg==")));
    // A certificate in clear is a literal secret: the form offers to move it.
    assert!(h.query_by_label("Move to secure parameter").is_some());
}

#[test]
fn authentication_types_switch_and_none_removes() {
    let mut h = app();
    select(&mut h, "Get_status");
    click(&mut h, "Authentication type");
    click(&mut h, "Basic");
    assert_eq!(at(&h, &format!("{AUTH}/type")), Some(json!("Basic")));
    type_in(&mut h, "Username", "svc");
    assert_eq!(at(&h, &format!("{AUTH}/username")), Some(json!("svc")));
    click(&mut h, "Authentication type");
    click(&mut h, "Managed identity");
    type_in(&mut h, "Audience", "https://management.azure.com");
    assert_eq!(
        at(&h, AUTH),
        Some(json!({"type": "ManagedServiceIdentity", "audience": "https://management.azure.com"}))
    );
    click(&mut h, "Authentication type");
    click(&mut h, "Raw");
    type_in(&mut h, "Value", "@parameters('raw')");
    assert_eq!(
        at(&h, AUTH),
        Some(json!({"type": "Raw", "value": "@parameters('raw')"}))
    );
    click(&mut h, "Authentication type");
    click(&mut h, "None");
    assert_eq!(at(&h, AUTH), None);
}

#[test]
fn headers_table_add_edit_remove() {
    let mut h = app();
    select(&mut h, "Get_status");
    let left = panel_left(&h);
    let headers = "/actions/Get_status/inputs/headers";
    click(&mut h, "Add header");
    // Nothing is written until the row has a name.
    assert_eq!(at(&h, headers), Some(json!({"Accept": "application/json"})));
    type_in(&mut h, "Header name 2", "X-Trace");
    type_in(&mut h, "Header value 2", "on");
    assert_eq!(
        at(&h, headers),
        Some(json!({"Accept": "application/json", "X-Trace": "on"}))
    );
    // Rename keeps the place.
    replace(&mut h, "Header name 1", "Accept-Language");
    replace(&mut h, "Header value 1", "en");
    let keys: Vec<String> = at(&h, headers)
        .unwrap()
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(keys, ["Accept-Language", "X-Trace"]);
    assert_eq!(
        at(&h, &format!("{headers}/Accept-Language")),
        Some(json!("en"))
    );
    // A name already in the list is refused (headers ignore case).
    replace(&mut h, "Header name 2", "accept-language");
    assert_eq!(at(&h, &format!("{headers}/X-Trace")), Some(json!("on")));
    assert!(h.query_by_label_contains("already in the list").is_some());
    assert_eq!(panel_left(&h), left, "the error note widened the panel");
    click(&mut h, "Remove header 1");
    assert_eq!(at(&h, headers), Some(json!({"X-Trace": "on"})));
    // Queries are a table too.
    click(&mut h, "Add query");
    type_in(&mut h, "Query name 1", "api-version");
    type_in(&mut h, "Query value 1", "2");
    assert_eq!(
        at(&h, "/actions/Get_status/inputs/queries"),
        Some(json!({"api-version": "2"}))
    );
}

#[test]
fn body_is_json_when_it_parses_and_text_otherwise() {
    let mut h = app();
    select(&mut h, "Get_status");
    let body = "/actions/Get_status/inputs/body";
    type_in(
        &mut h,
        "Body",
        "{\"id\": 12345678901234567890, \"ok\": true}",
    );
    let v = at(&h, body).unwrap();
    assert!(v.is_object(), "{v}");
    // Big numbers keep their digits.
    assert_eq!(v["id"].to_string(), "12345678901234567890");
    assert!(h.query_by_label_contains("Stored as JSON").is_some());
    replace(&mut h, "Body", "plain text");
    assert_eq!(at(&h, body), Some(json!("plain text")));
    assert!(h.query_by_label_contains("Stored as text").is_some());
    replace(&mut h, "Body", "{\"broken\": ");
    assert_eq!(at(&h, body), Some(json!("{\"broken\": ")));
    assert!(h.query_by_label_contains("not valid JSON").is_some());
    // A huge body is not laid out every frame unless asked for.
    let items: Vec<Value> = (0..2000).map(|i| json!({"id": i, "name": "x"})).collect();
    h.state_mut()
        .session
        .apply(Edit::Set {
            pointer: body.into(),
            value: json!({"items": items}),
        })
        .unwrap();
    h.run();
    let editor = |h: &Harness<'static, LapisApp>| {
        h.query_by_role_and_label(egui::accesskit::Role::MultilineTextInput, "Body")
            .is_some()
    };
    assert!(!editor(&h));
    click(&mut h, "Edit Body here");
    assert!(editor(&h));
}

#[test]
fn method_combo_and_uri() {
    let mut h = app();
    select(&mut h, "Get_status");
    click(&mut h, "Method");
    click(&mut h, "POST");
    assert_eq!(
        at(&h, "/actions/Get_status/inputs/method"),
        Some(json!("POST"))
    );
    replace(
        &mut h,
        "URI",
        "https://sampleapp1.msappproxy.net/api/2/status",
    );
    assert_eq!(
        at(&h, "/actions/Get_status/inputs/uri"),
        Some(json!("https://sampleapp1.msappproxy.net/api/2/status"))
    );
    click(&mut h, "Method");
    click(&mut h, "Expression…");
    replace(&mut h, "Method expression", "@{parameters('method')}");
    assert_eq!(
        at(&h, "/actions/Get_status/inputs/method"),
        Some(json!("@{parameters('method')}"))
    );
    type_in(&mut h, "Cookie", "session=@{parameters('cookie')}");
    assert_eq!(
        at(&h, "/actions/Get_status/inputs/cookie"),
        Some(json!("session=@{parameters('cookie')}"))
    );
}

#[test]
fn move_to_secure_parameter_drops_the_literal() {
    const CANARY: &str = "canary-Zq8vW3kP";
    let mut h = app();
    select(&mut h, "Get_status");
    assert!(h.query_by_label("Move to secure parameter").is_none());
    replace(&mut h, "Client secret", CANARY);
    assert_eq!(at(&h, &format!("{AUTH}/secret")), Some(json!(CANARY)));
    // Masked by default; revealed on demand.
    assert_ne!(
        h.get_by_label("Client secret").value().as_deref(),
        Some(CANARY)
    );
    click(&mut h, "Reveal");
    assert_eq!(
        h.get_by_label("Client secret").value().as_deref(),
        Some(CANARY)
    );
    click(&mut h, "Hide");
    assert_ne!(
        h.get_by_label("Client secret").value().as_deref(),
        Some(CANARY)
    );
    click(&mut h, "Move to secure parameter");
    let root = &h.state().session.doc().root;
    assert_eq!(
        root.pointer("/parameters/Get_status_secret"),
        Some(&json!({"type": "SecureString"}))
    );
    assert_eq!(
        root.pointer(&format!("{AUTH}/secret")),
        Some(&json!("@parameters('Get_status_secret')"))
    );
    let text = serde_json::to_string(root).unwrap();
    assert!(!text.contains(CANARY));
    assert!(h
        .query_by_label_contains("Supply the secure parameter")
        .is_some());
    // One step: undo brings the literal back, in both places at once.
    h.state_mut().session.undo();
    h.run();
    assert_eq!(at(&h, "/parameters/Get_status_secret"), None);
    assert_eq!(at(&h, &format!("{AUTH}/secret")), Some(json!(CANARY)));
    // A second move picks a free name.
    h.state_mut()
        .session
        .apply(Edit::Set {
            pointer: "/parameters/Get_status_secret".into(),
            value: json!({"type": "String"}),
        })
        .unwrap();
    h.run();
    click(&mut h, "Move to secure parameter");
    assert_eq!(
        at(&h, &format!("{AUTH}/secret")),
        Some(json!("@parameters('Get_status_secret_2')"))
    );
}

#[test]
fn authorization_header_is_a_secret() {
    let mut h = app();
    select(&mut h, "Get_status");
    let left = panel_left(&h);
    click(&mut h, "Add header");
    type_in(&mut h, "Header name 2", "Authorization");
    type_in(&mut h, "Header value 2", "Bearer abc");
    // The value field becomes a masked secret with the move button.
    h.get_by_label("Header value 2").focus();
    h.run();
    assert!(h.query_by_label("Move to secure parameter").is_some());
    assert_eq!(panel_left(&h), left, "the warning widened the panel");
    // App Proxy takes that header for its own token.
    assert!(h.query_by_label_contains("Entra token").is_some());
    click(&mut h, "Move to secure parameter");
    assert_eq!(
        at(&h, "/actions/Get_status/inputs/headers/Authorization"),
        Some(json!("@parameters('Get_status_Authorization')"))
    );
}

#[test]
fn secure_inputs_and_outputs() {
    let mut h = app();
    select(&mut h, "Get_status");
    open_settings(&mut h);
    let props = "/actions/Get_status/runtimeConfiguration/secureData/properties";
    click(&mut h, "Secure outputs");
    assert_eq!(at(&h, props), Some(json!(["inputs", "outputs"])));
    click(&mut h, "Secure inputs");
    assert_eq!(at(&h, props), Some(json!(["outputs"])));
    click(&mut h, "Secure outputs");
    assert_eq!(at(&h, "/actions/Get_status/runtimeConfiguration"), None);
    click(&mut h, "Secure inputs");
    assert_eq!(at(&h, props), Some(json!(["inputs"])));
}

#[test]
fn settings_fields() {
    let mut h = app();
    select(&mut h, "Get_status");
    open_settings(&mut h);
    let a = "/actions/Get_status";
    type_in(&mut h, "Timeout", "PT30S");
    assert_eq!(at(&h, &format!("{a}/limit/timeout")), Some(json!("PT30S")));
    click(&mut h, "DisableAsyncPattern");
    click(&mut h, "SuppressWorkflowHeaders");
    assert_eq!(
        at(&h, &format!("{a}/operationOptions")),
        Some(json!("DisableAsyncPattern, SuppressWorkflowHeaders"))
    );
    click(&mut h, "DisableAsyncPattern");
    assert_eq!(
        at(&h, &format!("{a}/operationOptions")),
        Some(json!("SuppressWorkflowHeaders"))
    );
    click(&mut h, "Retry policy");
    click(&mut h, "Fixed interval");
    assert_eq!(
        at(&h, &format!("{a}/inputs/retryPolicy")),
        Some(json!({"type": "fixed", "count": 4, "interval": "PT20S"}))
    );
    replace(&mut h, "Retry count", "2");
    assert_eq!(
        at(&h, &format!("{a}/inputs/retryPolicy/count")),
        Some(json!(2))
    );
    type_in(
        &mut h,
        "Description",
        "Asks the internal API for its status",
    );
    assert_eq!(
        at(&h, &format!("{a}/description")),
        Some(json!("Asks the internal API for its status"))
    );
    click(&mut h, "Add tracked property");
    type_in(&mut h, "Tracked property name 1", "region");
    type_in(&mut h, "Tracked property value 1", "@parameters('region')");
    assert_eq!(
        at(&h, &format!("{a}/trackedProperties")),
        Some(json!({"region": "@parameters('region')"}))
    );
    // Clearing the timeout removes it, and `limit` with it.
    replace(&mut h, "Timeout", "");
    h.key_press(Key::Backspace);
    h.run();
    assert_eq!(at(&h, &format!("{a}/limit")), None);
}

#[test]
fn run_after_join() {
    let mut h = app();
    h.state_mut()
        .session
        .apply(Edit::AddAction {
            container: "/actions".into(),
            name: "Log".into(),
            action: new_action("Compose"),
            after: Some("Get_status".into()),
        })
        .unwrap();
    h.run();
    assert_eq!(
        at(&h, "/actions/Response/runAfter"),
        Some(json!({"Log": ["Succeeded", "Failed"]}))
    );
    select(&mut h, "Response");
    click(&mut h, "Run after Get_status");
    assert_eq!(
        at(&h, "/actions/Response/runAfter"),
        Some(json!({"Log": ["Succeeded", "Failed"], "Get_status": ["Succeeded"]}))
    );
    click(&mut h, "Get_status Failed");
    assert_eq!(
        at(&h, "/actions/Response/runAfter"),
        Some(json!({"Log": ["Succeeded", "Failed"], "Get_status": ["Succeeded", "Failed"]}))
    );
    click(&mut h, "Log TimedOut");
    click(&mut h, "Run after Log");
    assert_eq!(
        at(&h, "/actions/Response/runAfter"),
        Some(json!({"Get_status": ["Succeeded", "Failed"]}))
    );
}

#[test]
fn run_after_offers_no_cycle() {
    let mut h = app();
    select(&mut h, "Get_status");
    // Response waits for Get_status: waiting for it would close a cycle,
    // so the run-after picker does not offer it, and says why.
    assert!(h.query_by_label("Run after Response").is_none());
    assert!(h.query_by_label_contains("would close a cycle").is_some());
    assert_eq!(at(&h, "/actions/Get_status/runAfter"), Some(json!({})));
}

#[test]
fn move_to_scope() {
    let mut h = app();
    h.state_mut()
        .session
        .apply(Edit::AddAction {
            container: "/actions".into(),
            name: "Scope".into(),
            action: new_action("Scope"),
            after: Some("Response".into()),
        })
        .unwrap();
    h.run();
    select(&mut h, "Get_status");
    click(&mut h, "Move to scope");
    click(&mut h, "Scope");
    assert!(at(&h, "/actions/Scope/actions/Get_status").is_some());
    assert!(at(&h, "/actions/Get_status").is_none());
    // The moved action stays selected; move it back.
    click(&mut h, "Move to scope");
    click(&mut h, "Top level");
    assert!(at(&h, "/actions/Get_status").is_some());
}

#[test]
fn typing_a_word_is_one_undo_step() {
    let mut h = app();
    select(&mut h, "Get_status");
    let uri = "/actions/Get_status/inputs/uri";
    let before = at(&h, uri).unwrap();
    let node = h.get_by_label("URI");
    node.focus();
    h.run();
    for c in ["?", "v", "=", "2"] {
        h.get_by_label("URI").type_text(c);
        h.run();
    }
    assert_eq!(
        at(&h, uri),
        Some(json!(format!("{}?v=2", before.as_str().unwrap())))
    );
    h.state_mut().session.undo();
    h.run();
    assert_eq!(at(&h, uri), Some(before.clone()));
    // The field shows the document again, even while it has focus.
    assert_eq!(h.get_by_label("URI").value().as_deref(), before.as_str());
}

#[test]
fn unknown_type_is_edited_as_json_and_keeps_everything() {
    let mut h = app();
    let odd: Value = serde_json::from_str(
        r#"{
        "type": "ApiManagement",
        "inputs": {"host": {"triggerName": "manual", "workflow": {"id": "[parameters('wf')]"}}},
        "x-custom": {"keep": [1, 2, 3], "n": 1.000000000000000000001},
        "runAfter": {"Get_status": ["Succeeded"]}
    }"#,
    )
    .unwrap();
    h.state_mut()
        .session
        .apply(Edit::AddAction {
            container: "/actions".into(),
            name: "Child".into(),
            action: odd.clone(),
            after: Some("Get_status".into()),
        })
        .unwrap();
    h.run();
    select(&mut h, "Child");
    // Invalid JSON is not applied.
    h.get_by_label("Action JSON").focus();
    h.run();
    h.get_by_label("Action JSON").type_text("}");
    h.run();
    assert_eq!(at(&h, "/actions/Child"), Some(odd.clone()));
    assert!(h.query_by_label_contains("Invalid, not applied").is_some());
    // Valid JSON is, as typed.
    let mut changed = odd.clone();
    changed["inputs"]["host"]["triggerName"] = json!("when_called");
    h.get_by_label("Action JSON")
        .set_text_value_accesskit(&serde_json::to_string_pretty(&changed).unwrap());
    h.run();
    assert_eq!(at(&h, "/actions/Child"), Some(changed.clone()));
    // Settings keep the unknown fields.
    open_settings(&mut h);
    h.get_by_label("Description").focus();
    h.run();
    h.get_by_label("Description").type_text("calls a child");
    h.run();
    let v = at(&h, "/actions/Child").unwrap();
    assert_eq!(v["x-custom"], changed["x-custom"]);
    assert_eq!(v["x-custom"]["n"].to_string(), "1.000000000000000000001");
    assert_eq!(v["description"], "calls a child");
}

#[test]
fn every_palette_type_and_trigger_draws_with_names() {
    let mut h = app();
    for (ty, _) in PALETTE {
        let name = format!("A_{ty}");
        h.state_mut()
            .session
            .apply(Edit::AddAction {
                container: "/actions".into(),
                name: name.clone(),
                action: new_action(ty),
                after: Some("Response".into()),
            })
            .unwrap();
        h.run();
        select(&mut h, &name);
        open_settings(&mut h);
    }
    select(&mut h, "manual");
    open_settings(&mut h);
}

#[test]
fn control_and_data_forms() {
    let mut h = app();
    let add = |h: &mut Harness<'static, LapisApp>, ty: &str, name: &str| {
        h.state_mut()
            .session
            .apply(Edit::AddAction {
                container: "/actions".into(),
                name: name.into(),
                action: new_action(ty),
                after: Some("Response".into()),
            })
            .unwrap();
        h.run();
        select(h, name);
    };
    add(&mut h, "Switch", "Route");
    replace(&mut h, "Expression", "@triggerBody()?['kind']");
    assert_eq!(
        at(&h, "/actions/Route/expression"),
        Some(json!("@triggerBody()?['kind']"))
    );
    replace(&mut h, "Case name 1", "Europe");
    type_in(&mut h, "Case value 1", "eu");
    click(&mut h, "Add case");
    assert_eq!(
        at(&h, "/actions/Route/cases"),
        Some(json!({"Europe": {"case": "eu", "actions": {}}, "Case": {"case": "", "actions": {}}}))
    );
    click(&mut h, "Remove case 2");
    assert_eq!(
        at(&h, "/actions/Route/cases"),
        Some(json!({"Europe": {"case": "eu", "actions": {}}}))
    );

    add(&mut h, "If", "Check");
    click(&mut h, "Advanced mode");
    replace(
        &mut h,
        "Expression",
        "{\"and\": [{\"equals\": [\"@body('x')\", 1]}]}",
    );
    assert_eq!(
        at(&h, "/actions/Check/expression"),
        Some(json!({"and": [{"equals": ["@body('x')", 1]}]}))
    );

    add(&mut h, "Foreach", "Each");
    type_in(&mut h, "Items", "@body('Get_status')");
    type_in(&mut h, "Concurrency", "5");
    assert_eq!(
        at(&h, "/actions/Each/foreach"),
        Some(json!("@body('Get_status')"))
    );
    assert_eq!(
        at(
            &h,
            "/actions/Each/runtimeConfiguration/concurrency/repetitions"
        ),
        Some(json!(5))
    );

    add(&mut h, "InitializeVariable", "Init");
    type_in(&mut h, "Name", "count");
    click(&mut h, "Type");
    click(&mut h, "Integer");
    type_in(&mut h, "Value", "3");
    assert_eq!(
        at(&h, "/actions/Init/inputs/variables/0"),
        Some(json!({"name": "count", "type": "integer", "value": 3}))
    );

    add(&mut h, "Terminate", "Stop");
    type_in(&mut h, "Error code", "E1");
    click(&mut h, "Run status");
    click(&mut h, "Cancelled");
    assert_eq!(
        at(&h, "/actions/Stop/inputs"),
        Some(json!({"runStatus": "Cancelled"}))
    );

    add(&mut h, "Response", "Reply");
    replace(&mut h, "Status code", "202");
    assert_eq!(at(&h, "/actions/Reply/inputs/statusCode"), Some(json!(202)));

    select(&mut h, "manual");
    type_in(&mut h, "Relative path", "status/{id}");
    assert_eq!(
        at(&h, "/triggers/manual/inputs/relativePath"),
        Some(json!("status/{id}"))
    );
    // A schema must be JSON: invalid text is not applied.
    replace(&mut h, "Schema", "{\"type\": ");
    assert_eq!(at(&h, "/triggers/manual/inputs/schema"), Some(json!({})));
    assert!(h.query_by_label_contains("Invalid, not applied").is_some());
    replace(&mut h, "Schema", "{\"type\": \"object\"}");
    assert_eq!(
        at(&h, "/triggers/manual/inputs/schema"),
        Some(json!({"type": "object"}))
    );
    click(&mut h, "Method");
    click(&mut h, "Any");
    assert_eq!(at(&h, "/triggers/manual/inputs/method"), None);
}

#[test]
fn recurrence_trigger() {
    let mut h = app();
    let doc = Document::from_value(json!({
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "contentVersion": "1.0.0.0",
        "triggers": {"Every_hour": {"type": "Recurrence", "recurrence": {"frequency": "Hour", "interval": 1}}},
        "actions": {}
    }))
    .unwrap();
    h.state_mut().session.replace(doc);
    h.run();
    select(&mut h, "Every_hour");
    click(&mut h, "Frequency");
    click(&mut h, "Minute");
    replace(&mut h, "Interval", "15");
    type_in(&mut h, "Time zone", "W. Europe Standard Time");
    assert_eq!(
        at(&h, "/triggers/Every_hour/recurrence"),
        Some(json!({"frequency": "Minute", "interval": 15, "timeZone": "W. Europe Standard Time"}))
    );
}

#[test]
fn odd_documents_do_not_panic() {
    let mut h = app();
    let root = json!({
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "contentVersion": "1.0.0.0",
        "parameters": "[parameters('p')]",
        "triggers": {
            "t": {"type": "Recurrence", "recurrence": {"frequency": 7, "interval": "x"}},
            "h": {"type": "Http", "inputs": "@parameters('in')"}
        },
        "actions": {
            "A": {"type": "Http", "inputs": {
                "method": 5, "uri": {"x": 1}, "headers": [1, 2], "queries": "@q()",
                "body": null, "cookie": true,
                "authentication": {"type": "ActiveDirectoryOAuth", "tenant": 3, "secret": 42,
                                   "credentialType": ["x"]},
                "retryPolicy": "@x"
            }, "runAfter": {}, "runtimeConfiguration": {"secureData": {"properties": "inputs"}},
            "operationOptions": 3, "trackedProperties": 9, "limit": "x"},
            "B": {"type": "Http", "inputs": {"authentication": [1]}, "runAfter": {}},
            "C": {"type": "Http", "inputs": {"authentication": {"type": "Fancy", "k": 1}}, "runAfter": {}},
            "D": {"type": "InitializeVariable", "inputs": {"variables": "nope"}, "runAfter": {}},
            "E": {"type": "Switch", "expression": 1, "cases": {"a": {"case": {"x": 1}}}, "runAfter": {}},
            "F": {"type": "Terminate", "inputs": 7, "runAfter": {}},
            "G": {"type": "Response", "inputs": {"statusCode": [], "headers": "h"}, "runAfter": {}},
            "H": {"type": "Until", "expression": null, "limit": {"count": "many", "timeout": 5}, "runAfter": {}},
            "I": {"type": "Foreach", "foreach": {"a": 1}, "runtimeConfiguration": 1, "runAfter": {}},
            "J": {"type": "ParseJson", "inputs": {"schema": "not json"}, "runAfter": {}},
            "K": {"type": "[variables('t')]", "runAfter": {}},
            "L": {"type": "Http", "inputs": {"authentication": "@parameters('auth')"}, "runAfter": {}}
        }
    });
    let doc = Document::from_value(root).expect("a definition");
    h.state_mut().session.replace(doc);
    h.run();
    for name in [
        "t", "h", "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L",
    ] {
        select(&mut h, name);
        open_settings(&mut h);
    }
}

#[test]
fn form_glyphs_exist_in_the_fonts() {
    let mut h = Harness::new_ui(|ui| {
        ui.label("x");
    });
    h.run();
    for g in ["✚", "✖", "⚠", "✔", "·", "…", "🗑"] {
        let ok = h
            .ctx
            .fonts_mut(|f| f.has_glyphs(&egui::FontId::proportional(14.0), g));
        assert!(ok, "{g} is missing from the fonts");
    }
}

#[test]
fn secrets_move_within_arm_templates_and_to_app_settings_in_standard() {
    const CANARY: &str = "canary-arm-8Hd2";
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_eframe(|_cc| {
            LapisApp::new(Options {
                file: Some("samples/app-proxy-status.template.json".into()),
                native_dialogs: false,
                recovery_dir: None,
            })
        });
    h.run();
    select(&mut h, "Get_status");
    replace(&mut h, "Client secret", CANARY);
    click(&mut h, "Move to secure parameter");
    let def = "/resources/0/properties/definition";
    assert_eq!(
        at(&h, &format!("{def}/parameters/Get_status_secret")),
        Some(json!({"type": "SecureString"}))
    );
    assert_eq!(
        at(
            &h,
            &format!("{def}/actions/Get_status/inputs/authentication/secret")
        ),
        Some(json!("@parameters('Get_status_secret')"))
    );
    let text = serde_json::to_string(&h.state().session.doc().root).unwrap();
    assert!(!text.contains(CANARY));

    // Standard: the value goes to an app setting; no parameter is declared.
    let doc = Document::from_value(json!({
        "definition": {
            "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
            "contentVersion": "1.0.0.0",
            "triggers": {},
            "actions": {"Call": {"type": "Http", "runAfter": {}, "inputs": {
                "method": "GET", "uri": "https://x",
                "authentication": {"type": "Basic", "username": "u", "password": CANARY}
            }}}
        },
        "kind": "Stateful"
    }))
    .unwrap();
    h.state_mut().session.replace(doc);
    h.run();
    select(&mut h, "Call");
    click(&mut h, "Move to secure parameter");
    assert_eq!(
        at(
            &h,
            "/definition/actions/Call/inputs/authentication/password"
        ),
        Some(json!("@appsetting('Call_password')"))
    );
    assert_eq!(at(&h, "/definition/parameters"), None);
    assert!(h.query_by_label_contains("Add the app setting").is_some());
    let text = serde_json::to_string(&h.state().session.doc().root).unwrap();
    assert!(!text.contains(CANARY));
}

#[test]
fn fields_of_any_json_type_display_without_panic() {
    let mut h = app();
    let a = "/actions/Get_status";
    let pointers = [
        "/inputs/method",
        "/inputs/uri",
        "/inputs/headers",
        "/inputs/headers/Accept",
        "/inputs/body",
        "/inputs/authentication",
        "/inputs/authentication/credentialType",
        "/inputs/authentication/secret",
        "/inputs/retryPolicy",
        "/runtimeConfiguration/secureData",
        "/operationOptions",
        "/trackedProperties",
        "/limit",
        "/description",
    ];
    let values = [
        json!(null),
        json!(-1.5e300),
        json!(true),
        json!([1, {"a": []}]),
        json!({"type": {"x": 1}}),
        json!("é☃ 𝄞 \u{202e}"),
        json!("[parameters('x')]"),
    ];
    select(&mut h, "Get_status");
    open_settings(&mut h);
    for p in pointers {
        for v in &values {
            let applied = h.state_mut().session.apply(Edit::Set {
                pointer: format!("{a}{p}"),
                value: v.clone(),
            });
            h.run();
            if applied.is_ok() {
                h.state_mut().session.undo();
                h.run();
            }
        }
    }
}

#[test]
fn expression_fields_show_the_checkers_findings() {
    let mut h = app();
    select(&mut h, "Get_status");
    // A parameter that does not exist, and an unknown function.
    replace(&mut h, "Tenant", "@parameters('tenant')");
    let notes: Vec<String> = h
        .get_all_by_label_contains("column ")
        .map(|n| {
            use egui_kittest::kittest::NodeT;
            n.accesskit_node().label().unwrap_or_default()
        })
        .collect();
    assert!(notes.iter().any(|n| n.contains("tenant")), "{notes:?}");
    replace(&mut h, "Tenant", "@parametrs('tenantId')");
    let notes: Vec<String> = h
        .get_all_by_label_contains("column ")
        .map(|n| {
            use egui_kittest::kittest::NodeT;
            n.accesskit_node().label().unwrap_or_default()
        })
        .collect();
    assert!(notes.iter().any(|n| n.contains("parametrs")), "{notes:?}");
    // A correct expression has no finding.
    replace(&mut h, "Tenant", "@parameters('tenantId')");
    assert_eq!(h.query_all_by_label_contains("column ").count(), 0);
}

/// Escape in a field leaves the field and keeps the selection: egui drops
/// the focus before the shortcuts run, and the next keystrokes still reach
/// the same form. A second Escape, on the canvas, clears the selection.
#[test]
fn escape_in_a_field_keeps_the_selection() {
    let mut h = app();
    select(&mut h, "Get_status");
    type_in(&mut h, "Cookie", "a=1");
    h.key_press(Key::Escape);
    h.run();
    assert!(
        !h.state().session.selection.is_empty(),
        "Escape in a field only leaves the field"
    );
    type_in(&mut h, "Cookie", "2");
    assert_eq!(
        at(&h, "/actions/Get_status/inputs/cookie"),
        Some(json!("a=12"))
    );
    h.key_press(Key::Escape);
    h.run();
    h.key_press(Key::Escape);
    h.run();
    assert!(h.state().session.selection.is_empty());
}
