//! The forms drawn from the manifests, the condition builder, the schema
//! generator and access control in the inspector, driven by accessible
//! names through egui_kittest: every assertion is on the document.

mod common;
use common::app::{app, app_with, at, click, replace, select, type_in, write_arm_template};

use egui::Key;
use egui_kittest::{kittest::Queryable, Harness};
use lapis::ui::LapisApp;
use lapis::workflow::edit::{new_action, Edit};
use lapis::workflow::Document;
use serde_json::{json, Value};
use std::path::PathBuf;

/// Adds an action after Response and selects it.
fn add(h: &mut Harness<'static, LapisApp>, name: &str, action: Value) {
    h.state_mut()
        .session
        .apply(Edit::AddAction {
            container: "/actions".into(),
            name: name.into(),
            action,
            after: Some("Response".into()),
        })
        .unwrap();
    h.run();
    select(h, name);
}

#[test]
fn delay_and_delay_until() {
    let mut h = app();
    add(&mut h, "Pause", new_action("Wait"));
    replace(&mut h, "Count", "5");
    click(&mut h, "Unit");
    click(&mut h, "Hour");
    assert_eq!(
        at(&h, "/actions/Pause/inputs"),
        Some(json!({"interval": {"count": 5, "unit": "Hour"}}))
    );
    // An expression is kept as text.
    replace(&mut h, "Count", "@variables('n')");
    assert_eq!(
        at(&h, "/actions/Pause/inputs/interval/count"),
        Some(json!("@variables('n')"))
    );

    add(
        &mut h,
        "Until_noon",
        json!({"type": "Wait", "inputs": {"until": {"timestamp": ""}}, "runAfter": {}}),
    );
    assert!(h.query_by_label("Count").is_none());
    assert!(h.query_by_label_contains("Timestamp is required").is_some());
    type_in(&mut h, "Timestamp", "2026-12-24T12:00:00Z");
    assert_eq!(
        at(&h, "/actions/Until_noon/inputs"),
        Some(json!({"until": {"timestamp": "2026-12-24T12:00:00Z"}}))
    );
    assert!(h.query_by_label_contains("Timestamp is required").is_none());
}

#[test]
fn data_operations() {
    let mut h = app();
    add(&mut h, "Filter", new_action("Query"));
    type_in(&mut h, "From", "@body('Get_status')?['items']");
    type_in(&mut h, "Where", "@equals(item()?['ok'], true)");
    assert_eq!(
        at(&h, "/actions/Filter/inputs"),
        Some(
            json!({"from": "@body('Get_status')?['items']", "where": "@equals(item()?['ok'], true)"})
        )
    );

    add(&mut h, "Shape", new_action("Select"));
    type_in(&mut h, "From", "@body('Filter')");
    replace(&mut h, "Map", "{\"id\": \"@item()?['id']\"}");
    assert_eq!(
        at(&h, "/actions/Shape/inputs"),
        Some(json!({"from": "@body('Filter')", "select": {"id": "@item()?['id']"}}))
    );

    add(&mut h, "Line", new_action("Join"));
    type_in(&mut h, "From", "@body('Shape')");
    replace(&mut h, "Join with", "; ");
    assert_eq!(
        at(&h, "/actions/Line/inputs"),
        Some(json!({"from": "@body('Shape')", "joinWith": "; "}))
    );

    add(&mut h, "Report", new_action("Table"));
    assert!(h.query_by_label_contains("From is required").is_some());
    type_in(&mut h, "From", "@body('Shape')");
    click(&mut h, "Format");
    click(&mut h, "HTML");
    type_in(
        &mut h,
        "Columns",
        "[{\"header\": \"Id\", \"value\": \"@item()?['id']\"}]",
    );
    assert_eq!(
        at(&h, "/actions/Report/inputs"),
        Some(json!({"from": "@body('Shape')", "format": "HTML",
                    "columns": [{"header": "Id", "value": "@item()?['id']"}]}))
    );
    // Columns must be JSON: a broken text is not applied.
    replace(&mut h, "Columns", "[{");
    assert_eq!(
        at(&h, "/actions/Report/inputs/columns/0/header"),
        Some(json!("Id"))
    );
}

#[test]
fn child_workflow_function_and_connector_calls() {
    let mut h = app();
    add(&mut h, "Child", new_action("Workflow"));
    type_in(
        &mut h,
        "Workflow ID",
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Logic/workflows/child",
    );
    type_in(&mut h, "Trigger name", "manual");
    type_in(&mut h, "Body", "{\"order\": 7}");
    click(&mut h, "Add header");
    type_in(&mut h, "Header name 1", "X-API-Key");
    type_in(&mut h, "Header value 1", "k3y");
    assert_eq!(
        at(&h, "/actions/Child/inputs"),
        Some(json!({
            "host": {
                "workflow": {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Logic/workflows/child"},
                "triggerName": "manual"
            },
            "body": {"order": 7},
            "headers": {"X-API-Key": "k3y"}
        }))
    );
    // The same secret rules as HTTP: a key header is a secret in clear.
    assert!(h.query_by_label("Move to secure parameter").is_some());
    click(&mut h, "Move to secure parameter");
    assert_eq!(
        at(&h, "/actions/Child/inputs/headers/X-API-Key"),
        Some(json!("@parameters('Child_X-API-Key')"))
    );

    add(&mut h, "Fn", new_action("Function"));
    type_in(
        &mut h,
        "Function ID",
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/app/functions/resize",
    );
    click(&mut h, "Method");
    click(&mut h, "PUT");
    click(&mut h, "Add query");
    type_in(&mut h, "Query name 1", "size");
    type_in(&mut h, "Query value 1", "small");
    assert_eq!(
        at(&h, "/actions/Fn/inputs"),
        Some(json!({
            "function": {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/app/functions/resize"},
            "method": "PUT",
            "queries": {"size": "small"}
        }))
    );
    click(&mut h, "Method");
    click(&mut h, "Default (POST)");
    assert_eq!(at(&h, "/actions/Fn/inputs/method"), None);

    add(&mut h, "Send_mail", new_action("ApiConnection"));
    type_in(
        &mut h,
        "Connection",
        "@parameters('$connections')['office365']['connectionId']",
    );
    click(&mut h, "Method");
    click(&mut h, "POST");
    type_in(&mut h, "Path", "/v2/Mail");
    type_in(&mut h, "Body", "{\"To\": \"ops@contoso.com\"}");
    assert_eq!(
        at(&h, "/actions/Send_mail/inputs"),
        Some(json!({
            "host": {"connection": {"name": "@parameters('$connections')['office365']['connectionId']"}},
            "method": "POST",
            "path": "/v2/Mail",
            "body": {"To": "ops@contoso.com"}
        }))
    );
}

#[test]
fn condition_builder_writes_rows_and_groups_and_reads_them_back() {
    let mut h = app();
    add(&mut h, "Check", new_action("If"));
    let expr = "/actions/Check/expression";
    type_in(
        &mut h,
        "Condition row 1 left operand",
        "@body('Get_status')?['state']",
    );
    type_in(&mut h, "Condition row 1 right operand", "ok");
    assert_eq!(
        at(&h, expr),
        Some(json!({"and": [{"equals": ["@body('Get_status')?['state']", "ok"]}]}))
    );
    click(&mut h, "Condition row 1 operator");
    click(&mut h, "does not contain");
    click(&mut h, "Add row");
    type_in(&mut h, "Condition row 2 left operand", "@variables('n')");
    click(&mut h, "Condition row 2 operator");
    click(&mut h, "is greater than or equal to");
    type_in(&mut h, "Condition row 2 right operand", "10");
    click(&mut h, "Add group");
    click(&mut h, "Group 2 operator Or");
    type_in(
        &mut h,
        "Condition row 3 left operand",
        "@triggerBody()?['kind']",
    );
    type_in(&mut h, "Condition row 3 right operand", "order");
    click(&mut h, "Add row to group 2");
    click(&mut h, "Condition row 4 operator");
    click(&mut h, "ends with");
    type_in(
        &mut h,
        "Condition row 4 left operand",
        "@triggerBody()?['id']",
    );
    type_in(&mut h, "Condition row 4 right operand", "-test");
    assert_eq!(
        at(&h, expr),
        Some(json!({"and": [
            {"not": {"contains": ["@body('Get_status')?['state']", "ok"]}},
            {"greaterOrEquals": ["@variables('n')", 10]},
            {"or": [
                {"equals": ["@triggerBody()?['kind']", "order"]},
                {"endsWith": ["@triggerBody()?['id']", "-test"]}
            ]}
        ]}))
    );
    click(&mut h, "Remove condition row 1");
    click(&mut h, "Group 1 operator Or");
    let v = at(&h, expr).unwrap();
    assert_eq!(v["or"].as_array().unwrap().len(), 2);
    assert_eq!(
        v["or"][0],
        json!({"greaterOrEquals": ["@variables('n')", 10]})
    );

    // Advanced mode: the JSON, and the rows read it back.
    click(&mut h, "Advanced mode");
    replace(
        &mut h,
        "Expression",
        "{\"and\": [{\"not\": {\"startsWith\": [\"@body('a')\", \"x\"]}}, {\"less\": [1, 2]}]}",
    );
    click(&mut h, "Basic mode");
    assert_eq!(
        h.get_by_label("Condition row 1 left operand")
            .value()
            .as_deref(),
        Some("@body('a')")
    );
    assert_eq!(
        h.get_by_label("Condition row 2 right operand")
            .value()
            .as_deref(),
        Some("2")
    );
    assert!(h.query_by_label("Condition row 3 left operand").is_none());
    // Drawing the rows wrote nothing.
    assert_eq!(
        at(&h, expr),
        Some(json!({"and": [{"not": {"startsWith": ["@body('a')", "x"]}}, {"less": [1, 2]}]}))
    );

    // What rows cannot show stays JSON, with a note.
    click(&mut h, "Advanced mode");
    replace(&mut h, "Expression", "@equals(1, 1)");
    assert_eq!(at(&h, expr), Some(json!("@equals(1, 1)")));
    click(&mut h, "Basic mode");
    assert!(h
        .query_by_label_contains("cannot be shown as rows")
        .is_some());
    assert!(h.query_by_label("Condition row 1 left operand").is_none());
    click(&mut h, "Replace with an empty condition");
    assert_eq!(at(&h, expr), Some(json!({"and": [{"equals": ["", ""]}]})));
    assert!(h.query_by_label("Condition row 1 left operand").is_some());
    assert!(h
        .query_by_label_contains("compares an empty operand")
        .is_some());
}

#[test]
fn until_uses_the_builder_too() {
    let mut h = app();
    add(&mut h, "Poll", new_action("Until"));
    // A new Until holds an expression string: JSON, with the way to rows.
    click(&mut h, "Replace with an empty condition");
    type_in(&mut h, "Condition row 1 left operand", "@variables('done')");
    type_in(&mut h, "Condition row 1 right operand", "true");
    assert_eq!(
        at(&h, "/actions/Poll/expression"),
        Some(json!({"and": [{"equals": ["@variables('done')", true]}]}))
    );
    // Typing in one operand is one undo step.
    h.key_press(Key::Tab);
    h.run();
    h.state_mut().session.undo();
    h.run();
    assert_eq!(
        at(&h, "/actions/Poll/expression"),
        Some(json!({"and": [{"equals": ["@variables('done')", ""]}]}))
    );
    assert_eq!(
        h.get_by_label("Condition row 1 right operand")
            .value()
            .as_deref(),
        Some("")
    );
    replace(&mut h, "Loop count", "10");
    assert_eq!(at(&h, "/actions/Poll/limit/count"), Some(json!(10)));
}

#[test]
fn request_schema_from_a_sample_payload() {
    let mut h = app();
    select(&mut h, "manual");
    click(&mut h, "Use sample payload to generate schema");
    type_in(
        &mut h,
        "Sample payload",
        "{\"id\": 7, \"lines\": [{\"sku\": \"a\", \"qty\": 1.5}]}",
    );
    click(&mut h, "Generate schema");
    assert_eq!(
        at(&h, "/triggers/manual/inputs/schema"),
        Some(json!({"type": "object", "properties": {
            "id": {"type": "integer"},
            "lines": {"type": "array", "items": {"type": "object", "properties": {
                "sku": {"type": "string"}, "qty": {"type": "number"}}, "required": ["sku", "qty"]}}
        }}))
    );
    assert!(h.query_by_label("Sample payload").is_none());
    // A sample that is not JSON says where, and changes nothing.
    click(&mut h, "Use sample payload to generate schema");
    click(&mut h, "Generate schema");
    assert!(h
        .query_by_label_contains("paste a sample payload")
        .is_some());
    type_in(&mut h, "Sample payload", "{\"id\": }");
    click(&mut h, "Generate schema");
    assert!(h.query_by_label_contains("not JSON: line 1").is_some());
    assert_eq!(
        at(&h, "/triggers/manual/inputs/schema/properties/id"),
        Some(json!({"type": "integer"}))
    );
    // One undo step takes the generated schema away.
    click(&mut h, "Cancel sample payload");
    h.state_mut().session.undo();
    h.run();
    assert_eq!(at(&h, "/triggers/manual/inputs/schema"), Some(json!({})));
}

#[test]
fn recurrence_schedule_follows_the_frequency() {
    let mut h = app();
    let doc = Document::from_value(json!({
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "contentVersion": "1.0.0.0",
        "triggers": {"Weekly": {"type": "Recurrence", "recurrence": {"frequency": "Day", "interval": 1}}},
        "actions": {}
    }))
    .unwrap();
    h.state_mut().session.replace(doc);
    h.run();
    select(&mut h, "Weekly");
    assert!(h.query_by_label("On these days Monday").is_none());
    click(&mut h, "Frequency");
    click(&mut h, "Week");
    type_in(&mut h, "At these hours", "9, 17");
    type_in(&mut h, "At these minutes", "30");
    click(&mut h, "On these days Friday");
    click(&mut h, "On these days Monday");
    assert_eq!(
        at(&h, "/triggers/Weekly/recurrence"),
        Some(json!({"frequency": "Week", "interval": 1, "schedule": {
            "hours": [9, 17], "minutes": [30], "weekDays": ["Monday", "Friday"]}}))
    );
    // Out of range: said, and not applied.
    type_in(&mut h, "At these hours", ", 24");
    assert!(h
        .query_by_label_contains("`24` is not a whole number from 0 to 23")
        .is_some());
    assert_eq!(
        at(&h, "/triggers/Weekly/recurrence/schedule/hours"),
        Some(json!([9, 17]))
    );
    // A monthly schedule offers days of the month instead.
    click(&mut h, "Frequency");
    click(&mut h, "Month");
    assert!(h.query_by_label("At these hours").is_none());
    type_in(&mut h, "On these days of the month", "1, 15");
    assert_eq!(
        at(&h, "/triggers/Weekly/recurrence/schedule/monthDays"),
        Some(json!([1, 15]))
    );
}

#[test]
fn compose_and_response_cards_show_their_content() {
    let mut h = app();
    add(&mut h, "Note", new_action("Compose"));
    replace(&mut h, "Inputs", "{\"status\": \"@body('Get_status')\"}");
    let s = &h.state().session;
    let d = s.current();
    let id = d
        .graph
        .outline
        .nodes
        .iter()
        .find(|n| n.name == "Note")
        .unwrap()
        .id;
    assert_eq!(d.summaries[id], "{\"status\":\"@body('Get_status')\"}");
}

fn arm_fixture(dir: &tempfile::TempDir) -> PathBuf {
    let def = json!({
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "contentVersion": "1.0.0.0",
        "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {"schema": {}}}},
        "actions": {"Reply": {"type": "Response", "inputs": {"statusCode": 200}, "runAfter": {}}}
    });
    write_arm_template(dir.path(), def)
}

#[test]
fn access_control_on_the_trigger_and_the_workflow_settings() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app_with(Some(arm_fixture(&dir)));
    let ac = "/resources/0/properties/accessControl";
    select(&mut h, "manual");
    // The trigger's inspector shows the trigger callers only.
    assert!(h
        .query_by_label("Run history (inputs and outputs): who may call")
        .is_none());
    click(&mut h, "Trigger callers: who may call");
    click(&mut h, "Only other logic apps");
    assert_eq!(
        at(&h, ac),
        Some(json!({"triggers": {"allowedCallerIpAddresses": []}}))
    );
    // The workflow's settings (nothing selected): run history and actions.
    h.state_mut().session.selection.clear();
    h.run();
    assert!(h.query_by_label("Trigger callers: who may call").is_none());
    assert!(h
        .query_by_label("Run history (inputs and outputs): who may call")
        .is_none());
    click(&mut h, "Run history and action callers");
    click(&mut h, "Run history (inputs and outputs): who may call");
    click(&mut h, "Nobody");
    assert_eq!(
        at(&h, ac),
        Some(json!({
            "triggers": {"allowedCallerIpAddresses": []},
            "contents": {"allowedCallerIpAddresses": [{"addressRange": "0.0.0.0-0.0.0.0"}]}
        }))
    );
    click(&mut h, "Action callers: who may call");
    click(&mut h, "Specific IP ranges");
    type_in(&mut h, "Add a range to Action callers", "10.0.0.0/24");
    click(&mut h, "Add range to Action callers");
    assert_eq!(
        at(&h, &format!("{ac}/actions")),
        Some(json!({"allowedCallerIpAddresses": [{"addressRange": "10.0.0.0/24"}]}))
    );
}

#[test]
fn a_bare_definition_says_where_access_control_lives() {
    let mut h = app();
    select(&mut h, "manual");
    assert!(h.query_by_label("Trigger callers: who may call").is_none());
}

#[test]
fn a_failed_terminate_asks_for_a_message() {
    let mut h = app();
    add(&mut h, "Stop", new_action("Terminate"));
    click(&mut h, "Run status");
    click(&mut h, "Failed");
    assert!(h.query_by_label_contains("give an error message").is_some());
    type_in(&mut h, "Error message", "the backend is down");
    assert_eq!(
        at(&h, "/actions/Stop/inputs/runError/message"),
        Some(json!("the backend is down"))
    );
    assert!(h.query_by_label_contains("give an error message").is_none());
}
