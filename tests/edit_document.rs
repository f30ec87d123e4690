//! Document-level edit commands: adding, replacing, deleting and pasting a
//! trigger; replacing a bare definition whole (Workflow JSON ▸ Apply);
//! renaming a workflow parameter with its references. Each with its exact
//! undo (same JSON text, key order included) and its refusals, which leave
//! the document alone.

mod common;

use common::canonical;
use lapis::workflow::edit::{
    default_trigger_name, is_trigger_only_type, new_trigger, parameter_reference_count, Edit,
    Editor, TRIGGER_PALETTE,
};
use lapis::workflow::Document;
use serde_json::{json, Value};

fn def(triggers: Value, actions: Value) -> Value {
    json!({
        "$schema": lapis::workflow::DEFINITION_SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": {
            "apiUrl": {"type": "String", "defaultValue": "https://example.net"},
            "tenantId": {"type": "String"}
        },
        "triggers": triggers,
        "actions": actions,
        "outputs": {}
    })
}

fn editor(v: Value) -> Editor {
    Editor::new(Document::from_value(v).expect("fixture loads"))
}

fn text(e: &Editor) -> String {
    canonical(&e.doc.root)
}

/// Applies `edit`, checks `check` on the result, then undo gives back the
/// very same text and redo the edited one.
fn round_trip(e: &mut Editor, edit: Edit, check: impl Fn(&Value)) {
    let before = text(e);
    e.apply(edit).expect("the edit applies");
    check(&e.doc.root);
    let after = text(e);
    e.undo().expect("undo");
    assert_eq!(text(e), before, "undo is exact");
    e.redo().expect("redo");
    assert_eq!(text(e), after, "redo is exact");
}

fn compose(run_after: Value) -> Value {
    json!({"type": "Compose", "inputs": "x", "runAfter": run_after})
}

#[test]
fn every_palette_trigger_is_added_with_its_default_json() {
    for (ty, _) in TRIGGER_PALETTE {
        let mut e = editor(def(json!({}), json!({"A": compose(json!({}))})));
        let name = default_trigger_name(ty);
        round_trip(
            &mut e,
            Edit::AddTrigger {
                definition: String::new(),
                name: name.clone(),
                trigger: new_trigger(ty),
            },
            |r| {
                assert_eq!(r["triggers"][&name]["type"], json!(ty), "{ty}");
                // The document still builds an outline with one trigger.
            },
        );
        let o = e.doc.outline(0).expect("outline");
        assert_eq!(o.triggers.len(), 1, "{ty}");
    }
    assert_eq!(
        new_trigger("Request"),
        json!({"type": "Request", "kind": "Http", "inputs": {"schema": {}}})
    );
    assert_eq!(
        new_trigger("recurrence"),
        json!({"type": "Recurrence", "recurrence": {"frequency": "Hour", "interval": 1}})
    );
    // The HTTP trigger polls: it needs a recurrence.
    assert!(new_trigger("Http").get("recurrence").is_some());
    assert_eq!(
        new_trigger("HttpWebhook")["inputs"]["subscribe"]["method"],
        "POST"
    );
}

#[test]
fn add_trigger_creates_the_triggers_object_and_makes_the_name_unique() {
    // A definition without `triggers` at all, and an action named like the
    // trigger: names are shared by triggers and actions.
    let mut v = def(json!({}), json!({"Recurrence": compose(json!({}))}));
    v.as_object_mut().unwrap().shift_remove("triggers");
    let mut e = editor(v);
    round_trip(
        &mut e,
        Edit::AddTrigger {
            definition: String::new(),
            name: "Recurrence".into(),
            trigger: json!({"type": "Recurrence", "recurrence": {"frequency": "Day", "interval": 1}, "runAfter": {}}),
        },
        |r| {
            let t = &r["triggers"]["Recurrence_2"];
            assert_eq!(t["type"], "Recurrence");
            assert!(t.get("runAfter").is_none(), "a trigger has no runAfter");
        },
    );
}

#[test]
fn add_trigger_refuses_bad_input_and_leaves_the_document_alone() {
    let mut e = editor(def(json!({}), json!({})));
    let before = text(&e);
    for (name, trigger, says) in [
        ("T", json!("Request"), "must be a JSON object"),
        ("T", json!({"kind": "Http"}), "needs a \"type\""),
        ("a/b", json!({"type": "Request"}), "cannot add the trigger"),
        ("", json!({"type": "Request"}), "cannot be empty"),
    ] {
        let err = e
            .apply(Edit::AddTrigger {
                definition: String::new(),
                name: name.into(),
                trigger,
            })
            .expect_err("refused");
        assert!(err.message.contains(says), "{}", err.message);
        assert_eq!(text(&e), before);
    }
    let err = e
        .apply(Edit::AddTrigger {
            definition: "/nowhere".into(),
            name: "T".into(),
            trigger: json!({"type": "Request"}),
        })
        .expect_err("refused");
    assert!(
        err.message.contains("not the definition"),
        "{}",
        err.message
    );
    assert!(!e.can_undo());
}

#[test]
fn replace_trigger_keeps_its_place_and_undo_gives_the_old_one_back() {
    let mut e = editor(def(
        json!({
            "first": {"type": "Request", "kind": "Http", "inputs": {"schema": {}}},
            "second": {"type": "Recurrence", "recurrence": {"frequency": "Day", "interval": 1}}
        }),
        json!({"A": compose(json!({}))}),
    ));
    round_trip(
        &mut e,
        Edit::ReplaceTrigger {
            pointer: "/triggers/first".into(),
            name: "HTTP".into(),
            trigger: new_trigger("Http"),
        },
        |r| {
            let keys: Vec<&String> = r["triggers"].as_object().unwrap().keys().collect();
            assert_eq!(keys, ["HTTP", "second"], "same place in key order");
            assert_eq!(r["triggers"]["HTTP"]["type"], "Http");
        },
    );
    // Replacing with the same name is fine (the old name counts as free).
    round_trip(
        &mut e,
        Edit::ReplaceTrigger {
            pointer: "/triggers/second".into(),
            name: "second".into(),
            trigger: new_trigger("Request"),
        },
        |r| assert_eq!(r["triggers"]["second"]["type"], "Request"),
    );
    // An action is not a trigger.
    let before = text(&e);
    let err = e
        .apply(Edit::ReplaceTrigger {
            pointer: "/actions/A".into(),
            name: "X".into(),
            trigger: new_trigger("Request"),
        })
        .expect_err("refused");
    assert!(err.message.contains("it is an action"), "{}", err.message);
    assert_eq!(text(&e), before);
}

#[test]
fn delete_the_trigger_and_undo() {
    let mut e = editor(def(
        json!({"manual": {"type": "Request", "kind": "Http"}}),
        json!({"A": compose(json!({}))}),
    ));
    round_trip(
        &mut e,
        Edit::DeleteAction {
            pointer: "/triggers/manual".into(),
        },
        |r| assert_eq!(r["triggers"], json!({})),
    );
}

#[test]
fn a_pasted_trigger_goes_to_triggers_not_actions() {
    let mut e = editor(def(json!({}), json!({"A": compose(json!({}))})));
    // As {"name": trigger}, with an action beside it.
    round_trip(
        &mut e,
        Edit::Paste {
            container: "/actions".into(),
            after: Some("A".into()),
            json: r#"{"manual": {"type": "Request", "kind": "Http", "inputs": {"schema": {}}},
                      "B": {"type": "Compose", "inputs": 1, "runAfter": {}}}"#
                .into(),
            name_hint: None,
        },
        |r| {
            assert_eq!(r["triggers"]["manual"]["type"], "Request");
            assert!(r["actions"].get("manual").is_none());
            assert_eq!(r["actions"]["B"]["runAfter"], json!({"A": ["Succeeded"]}));
        },
    );
    // A bare trigger object, of any case; the name is the portal's.
    let mut e = editor(def(json!({}), json!({})));
    round_trip(
        &mut e,
        Edit::Paste {
            container: "/actions".into(),
            after: None,
            json: r#"{"type": "recurrence", "recurrence": {"frequency": "Minute", "interval": 5}}"#
                .into(),
            name_hint: None,
        },
        |r| {
            assert_eq!(r["actions"], json!({}));
            let t = r["triggers"].as_object().unwrap();
            assert_eq!(t.len(), 1);
            assert_eq!(t.values().next().unwrap()["type"], "recurrence");
        },
    );
    assert!(is_trigger_only_type("Request") && is_trigger_only_type("SLIDINGWINDOW"));
    assert!(!is_trigger_only_type("Http") && !is_trigger_only_type("ApiConnectionWebhook"));
}

#[test]
fn a_bare_definition_can_be_replaced_whole_as_one_undoable_edit() {
    let mut e = editor(def(
        json!({"manual": {"type": "Request", "kind": "Http"}}),
        json!({"A": compose(json!({}))}),
    ));
    let new = def(
        json!({"Recurrence": new_trigger("Recurrence")}),
        json!({"B": compose(json!({}))}),
    );
    round_trip(
        &mut e,
        Edit::Set {
            pointer: String::new(),
            value: new.clone(),
        },
        |r| assert_eq!(canonical(r), canonical(&new)),
    );
    // Not with something that is not a definition.
    let before = text(&e);
    for bad in [
        json!([1, 2]),
        json!({}),
        json!({"actions": []}),
        json!({"resources": [], "triggers": {}}),
        json!({"definition": {"triggers": {}, "actions": {}}}),
    ] {
        assert!(e
            .apply(Edit::Set {
                pointer: String::new(),
                value: bad,
            })
            .is_err());
        assert_eq!(text(&e), before);
    }
    // In a Standard workflow.json the root is not the definition: refused.
    let mut std = editor(json!({"definition": def(json!({}), json!({})), "kind": "Stateful"}));
    let err = std
        .apply(Edit::Set {
            pointer: String::new(),
            value: json!({"definition": def(json!({}), json!({}))}),
        })
        .expect_err("refused");
    assert!(err.message.contains("whole document"), "{}", err.message);
    // …but its definition can be.
    round_trip(
        &mut std,
        Edit::Set {
            pointer: "/definition".into(),
            value: new.clone(),
        },
        |r| assert_eq!(canonical(&r["definition"]), canonical(&new)),
    );
}

#[test]
fn renaming_a_parameter_makes_its_references_follow() {
    let mut e = editor(def(
        json!({"manual": {"type": "Request", "kind": "Http"}}),
        json!({
            "Get": {"type": "Http", "runAfter": {},
                    "inputs": {"method": "GET", "uri": "@{parameters('apiUrl')}/x?t=@{parameters('tenantId')}"}},
            "Note": compose(json!({"Get": ["Succeeded"]}))
        }),
    ));
    e.apply(Edit::Set {
        pointer: "/actions/Note/inputs".into(),
        value: json!("@concat(parameters('apiUrl'), 'apiUrl')"),
    })
    .unwrap();
    assert_eq!(parameter_reference_count(&e.doc.root, "apiUrl"), 2);
    round_trip(
        &mut e,
        Edit::RenameParameter {
            definition: String::new(),
            from: "apiUrl".into(),
            to: "baseUrl".into(),
        },
        |r| {
            let keys: Vec<&String> = r["parameters"].as_object().unwrap().keys().collect();
            assert_eq!(keys, ["baseUrl", "tenantId"], "same place in key order");
            assert_eq!(
                r["actions"]["Get"]["inputs"]["uri"],
                "@{parameters('baseUrl')}/x?t=@{parameters('tenantId')}"
            );
            // Only the reference changes, not a literal that looks like the name.
            assert_eq!(
                r["actions"]["Note"]["inputs"],
                "@concat(parameters('baseUrl'), 'apiUrl')"
            );
        },
    );
    assert_eq!(parameter_reference_count(&e.doc.root, "apiUrl"), 0);
    assert_eq!(parameter_reference_count(&e.doc.root, "baseUrl"), 2);
    // A name taken (in any case) or empty is refused; nothing changes.
    let before = text(&e);
    for to in ["TENANTID", " "] {
        assert!(e
            .apply(Edit::RenameParameter {
                definition: String::new(),
                from: "baseUrl".into(),
                to: to.into(),
            })
            .is_err());
        assert_eq!(text(&e), before);
    }
}

#[test]
fn renaming_a_parameter_of_an_arm_template_renames_its_value_too() {
    let arm = json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [{
            "type": "Microsoft.Logic/workflows",
            "apiVersion": "2019-05-01",
            "name": "wf",
            "location": "westeurope",
            "properties": {
                "definition": def(json!({}), json!({"A": {"type": "Compose", "inputs": "@parameters('apiUrl')", "runAfter": {}}})),
                "parameters": {"apiUrl": {"value": "https://prod.example.net"}}
            }
        }]
    });
    let mut e = editor(arm);
    let dp = e.doc.workflows[0].definition_pointer.clone();
    assert_eq!(dp, "/resources/0/properties/definition");
    round_trip(
        &mut e,
        Edit::RenameParameter {
            definition: dp.clone(),
            from: "apiUrl".into(),
            to: "baseUrl".into(),
        },
        |r| {
            let p = &r["resources"][0]["properties"];
            assert_eq!(
                p["parameters"]["baseUrl"]["value"],
                "https://prod.example.net"
            );
            assert!(p["definition"]["parameters"].get("baseUrl").is_some());
            assert_eq!(
                p["definition"]["actions"]["A"]["inputs"],
                "@parameters('baseUrl')"
            );
        },
    );
}
