//! Edit commands on real documents: each edit, its undo and redo (exact,
//! key order included), its errors (which leave the document alone), and a
//! property test of random edit sequences on generated workflows.

mod common;

use common::canonical;
use lapis::graph::validate::{validate_document, Problem};
use lapis::workflow::edit::{
    copy_json, default_name, new_action, rewrite_references, Edit, EditError, Editor, Place,
    PALETTE,
};
use lapis::workflow::Document;
use serde_json::{json, Value};
use std::path::Path;

fn def(actions: Value) -> Value {
    json!({
        "$schema": lapis::workflow::DEFINITION_SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": {"tenantId": {"type": "String"}},
        "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {"schema": {}}}},
        "actions": actions,
        "outputs": {}
    })
}

fn editor(v: Value) -> Editor {
    Editor::new(Document::from_value(v).expect("fixture loads"))
}

fn compose(inputs: Value, run_after: Value) -> Value {
    json!({"type": "Compose", "inputs": inputs, "runAfter": run_after})
}

/// A → B → C, each after the one before.
fn chain() -> Editor {
    editor(def(json!({
        "A": compose(json!("a"), json!({})),
        "B": compose(json!("@outputs('A')"), json!({"A": ["Succeeded"]})),
        "C": compose(json!("@outputs('B')"), json!({"B": ["Succeeded"]}))
    })))
}

fn at<'a>(ed: &'a Editor, p: &str) -> &'a Value {
    ed.doc
        .root
        .pointer(p)
        .unwrap_or_else(|| panic!("nothing at {p}"))
}

fn keys(ed: &Editor, p: &str) -> Vec<String> {
    at(ed, p)
        .as_object()
        .unwrap_or_else(|| panic!("{p} is not an object"))
        .keys()
        .cloned()
        .collect()
}

fn ra(ed: &Editor, p: &str) -> Value {
    at(ed, &format!("{p}/runAfter")).clone()
}

/// Run-after, cycle and naming problems: what edits must never introduce.
fn structural(doc: &Document, i: usize) -> Vec<Problem> {
    validate_document(doc, i)
        .expect("the document keeps a workflow shape")
        .into_iter()
        .filter(|p| {
            p.code.starts_with("run-after")
                || p.code == "cycle"
                || p.code == "duplicate-name"
                || p.code == "name-chars"
                || p.code == "name-too-long"
        })
        .collect()
}

/// Applies an edit that must fail, and checks that nothing changed.
fn refused(ed: &mut Editor, edit: Edit) -> EditError {
    let before = canonical(&ed.doc.root);
    let rev = ed.revision();
    let undo = ed.undo_label().map(str::to_owned);
    let e = ed
        .apply(edit.clone())
        .expect_err(&format!("{edit:?} should fail"));
    assert_eq!(
        canonical(&ed.doc.root),
        before,
        "a failed edit changed the doc"
    );
    assert_eq!(ed.revision(), rev);
    assert_eq!(ed.undo_label().map(str::to_owned), undo);
    assert!(!e.to_string().is_empty());
    e
}

/// Applies an edit, then checks that undo gives back the very same JSON
/// and redo the edited one; leaves the edit applied.
fn apply_exact(ed: &mut Editor, edit: Edit) -> lapis::workflow::edit::Applied {
    let before = canonical(&ed.doc.root);
    let applied = ed
        .apply(edit.clone())
        .unwrap_or_else(|e| panic!("{edit:?} failed: {e}"));
    let after = canonical(&ed.doc.root);
    let undone = ed.undo().expect("one step to undo");
    assert_eq!(undone.label, applied.label);
    assert_eq!(
        canonical(&ed.doc.root),
        before,
        "undo of {edit:?} is not exact"
    );
    let redone = ed.redo().expect("one step to redo");
    assert_eq!(redone.label, applied.label);
    assert_eq!(redone.select, applied.select);
    assert_eq!(
        canonical(&ed.doc.root),
        after,
        "redo of {edit:?} is not exact"
    );
    applied
}

// ---------------------------------------------------------------------------
// Set and Remove

#[test]
fn set_replaces_in_place_and_creates_missing_parents() {
    let mut ed = chain();
    let a = apply_exact(
        &mut ed,
        Edit::Set {
            pointer: "/actions/B/inputs".into(),
            value: json!({"x": 1}),
        },
    );
    assert_eq!(a.label, "Set inputs of B");
    assert_eq!(keys(&ed, "/actions/B"), ["type", "inputs", "runAfter"]);
    assert_eq!(at(&ed, "/actions/B/inputs"), &json!({"x": 1}));

    apply_exact(
        &mut ed,
        Edit::Set {
            pointer: "/actions/A/runtimeConfiguration/secureData/properties".into(),
            value: json!(["inputs", "outputs"]),
        },
    );
    assert_eq!(
        at(&ed, "/actions/A/runtimeConfiguration"),
        &json!({"secureData": {"properties": ["inputs", "outputs"]}})
    );
    // Arrays: append with `-` or the length.
    apply_exact(
        &mut ed,
        Edit::Set {
            pointer: "/actions/A/runtimeConfiguration/secureData/properties/-".into(),
            value: json!("x"),
        },
    );
    apply_exact(
        &mut ed,
        Edit::Set {
            pointer: "/actions/A/runtimeConfiguration/secureData/properties/3".into(),
            value: json!("y"),
        },
    );
    assert_eq!(
        at(&ed, "/actions/A/runtimeConfiguration/secureData/properties"),
        &json!(["inputs", "outputs", "x", "y"])
    );
    // Workflow parameters are plain Set/Remove.
    let a = apply_exact(
        &mut ed,
        Edit::Set {
            pointer: "/parameters/clientSecret".into(),
            value: json!({"type": "SecureString"}),
        },
    );
    assert_eq!(a.label, "Set parameters/clientSecret");
    assert_eq!(keys(&ed, "/parameters"), ["tenantId", "clientSecret"]);
    assert_eq!(ed.revision(), 5 * 3);
}

#[test]
fn remove_and_its_undo_keep_key_order() {
    let mut ed = chain();
    let a = apply_exact(
        &mut ed,
        Edit::Remove {
            pointer: "/actions/B/inputs".into(),
        },
    );
    assert_eq!(a.label, "Remove inputs of B");
    assert_eq!(keys(&ed, "/actions/B"), ["type", "runAfter"]);
    ed.undo();
    assert_eq!(keys(&ed, "/actions/B"), ["type", "inputs", "runAfter"]);
    // Middle element of an array.
    let mut ed = editor(def(json!({"A": compose(json!([1, 2, 3]), json!({}))})));
    apply_exact(
        &mut ed,
        Edit::Remove {
            pointer: "/actions/A/inputs/1".into(),
        },
    );
    assert_eq!(at(&ed, "/actions/A/inputs"), &json!([1, 3]));
}

#[test]
fn set_and_remove_errors_leave_the_document_alone() {
    let mut ed = chain();
    let e = refused(
        &mut ed,
        Edit::Set {
            pointer: "/actions/A/inputs/x".into(),
            value: json!(1),
        },
    );
    assert!(e.message.contains("/actions/A/inputs"), "{e}");
    assert!(e.message.contains("a string"), "{e}");
    refused(
        &mut ed,
        Edit::Remove {
            pointer: "/actions/Nope".into(),
        },
    );
    refused(
        &mut ed,
        Edit::Set {
            pointer: "actions/A".into(),
            value: json!(1),
        },
    );
    refused(
        &mut ed,
        Edit::Set {
            pointer: "".into(),
            value: json!({}),
        },
    );
    refused(
        &mut ed,
        Edit::Set {
            pointer: "/actions/A/inputs/5".into(),
            value: json!(1),
        },
    );
    // An edit that would break the workflow's shape is refused, with where.
    let e = refused(
        &mut ed,
        Edit::Set {
            pointer: "/actions/B/runAfter".into(),
            value: json!(["A"]),
        },
    );
    assert!(e.message.contains("/actions/B/runAfter"), "{e}");
    refused(
        &mut ed,
        Edit::Set {
            pointer: "/actions".into(),
            value: json!([]),
        },
    );
    refused(
        &mut ed,
        Edit::Set {
            pointer: "/actions/Z".into(),
            value: json!(5),
        },
    );
    // Deep inside: the real pointer is given.
    let mut ed = scoped();
    ed.apply(Edit::Set {
        pointer: "/actions/S/type".into(),
        value: json!("If"),
    })
    .unwrap();
    let e = refused(
        &mut ed,
        Edit::Set {
            pointer: "/actions/S/else".into(),
            value: json!(7),
        },
    );
    assert!(e.message.contains("`/actions/S/else`"), "{e}");
    let e = refused(
        &mut ed,
        Edit::Set {
            pointer: "/actions/S/actions/Inner/actions/X".into(),
            value: json!({"type": "Compose", "runAfter": {"In1": "Succeeded"}}),
        },
    );
    assert!(
        e.message
            .contains("`/actions/S/actions/Inner/actions/X/runAfter/In1`"),
        "{e}"
    );
    // A whole action can be taken out with Remove, and a field put back.
    let a = apply_exact(
        &mut ed,
        Edit::Remove {
            pointer: "/actions/S/actions/In2".into(),
        },
    );
    assert_eq!(a.label, "Remove In2");
    let a = apply_exact(
        &mut ed,
        Edit::Set {
            pointer: "/actions/S/actions/Inner/runAfter/In1".into(),
            value: json!(["Succeeded"]),
        },
    );
    assert_eq!(a.label, "Set runAfter/In1 of Inner");
}

#[test]
fn the_place_of_a_definition_is_protected() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/order-sync/workflow.json");
    let mut ed = Editor::new(Document::load(&path).unwrap());
    let e = refused(
        &mut ed,
        Edit::Remove {
            pointer: "/definition".into(),
        },
    );
    assert!(e.message.contains("definition"), "{e}");
    refused(
        &mut ed,
        Edit::Set {
            pointer: "/definition".into(),
            value: json!("x"),
        },
    );
    // ARM: removing a resource before the workflow would shift it.
    let arm = json!({
        "resources": [
            {"type": "Microsoft.Web/connections", "name": "c"},
            {"type": "Microsoft.Logic/workflows", "name": "w", "properties": {"definition": def(json!({}))}}
        ]
    });
    let mut ed = editor(arm);
    let e = refused(
        &mut ed,
        Edit::Remove {
            pointer: "/resources/0".into(),
        },
    );
    assert!(e.message.contains("shift"), "{e}");
    refused(
        &mut ed,
        Edit::Remove {
            pointer: "/resources".into(),
        },
    );
    // Other ARM fields are fine.
    apply_exact(
        &mut ed,
        Edit::Set {
            pointer: "/resources/0/name".into(),
            value: json!("conn"),
        },
    );
}

// ---------------------------------------------------------------------------
// AddAction

#[test]
fn add_after_inserts_into_the_chain() {
    let mut ed = editor(def(json!({
        "A": compose(json!("a"), json!({})),
        "B": compose(json!("b"), json!({"A": ["Succeeded"]})),
        "Handler": compose(json!("h"), json!({"A": ["Failed", "TimedOut"]})),
        "C": compose(json!("c"), json!({"B": ["Succeeded"]}))
    })));
    let a = apply_exact(
        &mut ed,
        Edit::AddAction {
            container: "/actions".into(),
            name: "New".into(),
            action: new_action("Http"),
            after: Some("A".into()),
        },
    );
    assert_eq!(a.label, "Add New");
    assert_eq!(a.select.as_deref(), Some("/actions/New"));
    assert_eq!(keys(&ed, "/actions"), ["A", "New", "B", "Handler", "C"]);
    assert_eq!(ra(&ed, "/actions/New"), json!({"A": ["Succeeded"]}));
    // Those that ran after A now run after New, with their statuses.
    assert_eq!(ra(&ed, "/actions/B"), json!({"New": ["Succeeded"]}));
    assert_eq!(
        ra(&ed, "/actions/Handler"),
        json!({"New": ["Failed", "TimedOut"]})
    );
    assert_eq!(ra(&ed, "/actions/C"), json!({"B": ["Succeeded"]}));
    assert!(structural(&ed.doc, 0).is_empty());
}

#[test]
fn add_first_takes_the_place_of_the_first_actions() {
    let mut ed = editor(def(json!({
        "A": compose(json!("a"), json!({})),
        "P": {"type": "Compose", "inputs": "parallel"},
        "B": compose(json!("b"), json!({"A": ["Succeeded"]}))
    })));
    let mut action = new_action("Compose");
    action["runAfter"] = json!({"Whatever": ["Failed"]});
    let a = apply_exact(
        &mut ed,
        Edit::AddAction {
            container: "/actions".into(),
            name: "First".into(),
            action,
            after: None,
        },
    );
    assert_eq!(a.select.as_deref(), Some("/actions/First"));
    assert_eq!(keys(&ed, "/actions"), ["First", "A", "P", "B"]);
    assert_eq!(ra(&ed, "/actions/First"), json!({}));
    assert_eq!(ra(&ed, "/actions/A"), json!({"First": ["Succeeded"]}));
    // P had no runAfter at all: it gets one, at the end.
    assert_eq!(keys(&ed, "/actions/P"), ["type", "inputs", "runAfter"]);
    assert_eq!(ra(&ed, "/actions/P"), json!({"First": ["Succeeded"]}));
    assert_eq!(ra(&ed, "/actions/B"), json!({"A": ["Succeeded"]}));
    assert!(structural(&ed.doc, 0).is_empty());
}

#[test]
fn add_makes_names_unique_and_creates_branches() {
    let mut ed = editor(def(json!({
        "Check": {
            "type": "If",
            "expression": {"and": [{"equals": [1, 1]}]},
            "actions": {"HTTP": new_action("Http")},
            "runAfter": {}
        },
        "Route": {"type": "Switch", "expression": "x", "cases": {"One": {"case": 1}}, "runAfter": {}}
    })));
    // `http` is taken (names compare case-insensitively).
    let a = apply_exact(
        &mut ed,
        Edit::AddAction {
            container: "/actions/Check/else/actions".into(),
            name: "http".into(),
            action: new_action("Http"),
            after: None,
        },
    );
    assert_eq!(
        a.select.as_deref(),
        Some("/actions/Check/else/actions/http_2")
    );
    assert_eq!(
        keys(&ed, "/actions/Check"),
        ["type", "expression", "actions", "runAfter", "else"]
    );
    let a = apply_exact(
        &mut ed,
        Edit::AddAction {
            container: "/actions/Route/default/actions".into(),
            name: "HTTP".into(),
            action: new_action("Http"),
            after: None,
        },
    );
    assert_eq!(a.label, "Add HTTP_3");
    let a = apply_exact(
        &mut ed,
        Edit::AddAction {
            container: "/actions/Route/cases/One/actions".into(),
            name: "Check".into(),
            action: new_action("Scope"),
            after: None,
        },
    );
    assert_eq!(a.label, "Add Check_2");
    // A control action with nested names that are taken.
    let mut scope = new_action("Scope");
    scope["actions"] = json!({
        "Check": compose(json!("@outputs('HTTP')"), json!({})),
        "HTTP": compose(json!("x"), json!({"Check": ["Succeeded"]}))
    });
    apply_exact(
        &mut ed,
        Edit::AddAction {
            container: "/actions".into(),
            name: "Group".into(),
            action: scope,
            after: Some("Route".into()),
        },
    );
    assert_eq!(keys(&ed, "/actions/Group/actions"), ["Check_3", "HTTP_4"]);
    assert_eq!(
        ra(&ed, "/actions/Group/actions/HTTP_4"),
        json!({"Check_3": ["Succeeded"]})
    );
    assert_eq!(
        at(&ed, "/actions/Group/actions/Check_3/inputs"),
        "@outputs('HTTP_4')"
    );
    assert!(structural(&ed.doc, 0).is_empty());
}

#[test]
fn add_errors() {
    let mut ed = chain();
    for (edit, says) in [
        (
            Edit::AddAction {
                container: "/actions".into(),
                name: "a/b".into(),
                action: new_action("Compose"),
                after: None,
            },
            "`/`",
        ),
        (
            Edit::AddAction {
                container: "/actions".into(),
                name: "".into(),
                action: new_action("Compose"),
                after: None,
            },
            "empty",
        ),
        (
            Edit::AddAction {
                container: "/actions".into(),
                name: "N".into(),
                action: new_action("Compose"),
                after: Some("Nope".into()),
            },
            "`Nope`",
        ),
        (
            Edit::AddAction {
                container: "/actions/A/actions".into(),
                name: "N".into(),
                action: new_action("Compose"),
                after: None,
            },
            "/actions/A/actions",
        ),
        (
            Edit::AddAction {
                container: "/actions".into(),
                name: "N".into(),
                action: json!([1]),
                after: None,
            },
            "JSON object",
        ),
        (
            Edit::AddAction {
                container: "/actions".into(),
                name: "N".into(),
                action: json!({"type": "Scope", "runAfter": {}, "actions": []}),
                after: None,
            },
            "actions",
        ),
    ] {
        let e = refused(&mut ed, edit);
        assert!(e.message.contains(says), "{e} should mention {says}");
    }
}

// ---------------------------------------------------------------------------
// DeleteAction

#[test]
fn delete_rewires_followers_to_its_parents() {
    let mut ed = editor(def(json!({
        "A": compose(json!("a"), json!({})),
        "X": compose(json!("x"), json!({})),
        "B": compose(json!("b"), json!({"A": ["Succeeded"], "X": ["Failed"]})),
        "C": compose(json!("c"), json!({"B": ["Succeeded"]})),
        "J": compose(json!("j"), json!({"C": ["Succeeded"], "B": ["Failed"], "A": ["Skipped"]}))
    })));
    let a = apply_exact(
        &mut ed,
        Edit::DeleteAction {
            pointer: "/actions/B".into(),
        },
    );
    assert_eq!(a.label, "Delete B");
    assert_eq!(a.select, None);
    assert_eq!(keys(&ed, "/actions"), ["A", "X", "C", "J"]);
    assert_eq!(
        ra(&ed, "/actions/C"),
        json!({"A": ["Succeeded"], "X": ["Failed"]})
    );
    // J already ran after A: the statuses merge, without duplicates.
    assert_eq!(
        ra(&ed, "/actions/J"),
        json!({"C": ["Succeeded"], "A": ["Succeeded", "Skipped"], "X": ["Failed"]})
    );
    assert!(structural(&ed.doc, 0).is_empty());
    // Undo selects the restored action.
    let u = ed.undo().unwrap();
    assert_eq!(u.select.as_deref(), Some("/actions/B"));
}

#[test]
fn delete_the_first_action() {
    let mut ed = editor(def(json!({
        "A": compose(json!("a"), json!({})),
        "Z": compose(json!("z"), json!({})),
        "B": compose(json!("b"), json!({"A": ["Succeeded"]})),
        "J": compose(json!("j"), json!({"A": ["Succeeded"], "Z": ["Succeeded"]}))
    })));
    apply_exact(
        &mut ed,
        Edit::DeleteAction {
            pointer: "/actions/A".into(),
        },
    );
    assert_eq!(ra(&ed, "/actions/B"), json!({}));
    assert_eq!(ra(&ed, "/actions/J"), json!({"Z": ["Succeeded"]}));
    assert!(structural(&ed.doc, 0).is_empty());
}

#[test]
fn delete_a_scope_with_its_content_and_a_trigger() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/order-sync/workflow.json");
    let mut ed = Editor::new(Document::load(&path).unwrap());
    apply_exact(
        &mut ed,
        Edit::DeleteAction {
            pointer: "/definition/actions/Try".into(),
        },
    );
    assert_eq!(
        keys(&ed, "/definition/actions"),
        ["Initialize_failures", "Any_failures"]
    );
    assert_eq!(
        ra(&ed, "/definition/actions/Any_failures"),
        json!({"Initialize_failures": ["Succeeded"]})
    );
    let a = apply_exact(
        &mut ed,
        Edit::DeleteAction {
            pointer: "/definition/triggers/Every_15_minutes".into(),
        },
    );
    assert_eq!(a.label, "Delete Every_15_minutes");
    assert_eq!(at(&ed, "/definition/triggers"), &json!({}));
    refused(
        &mut ed,
        Edit::DeleteAction {
            pointer: "/definition/actions/Try".into(),
        },
    );
}

// ---------------------------------------------------------------------------
// DuplicateAction

#[test]
fn duplicate_copies_deep_with_fresh_names() {
    let mut ed = editor(def(json!({
        "Loop": {
            "type": "Foreach",
            "foreach": "@triggerBody()",
            "actions": {
                "Get": {"type": "Http", "inputs": {"method": "GET", "uri": "@{items('Loop')}"}, "runAfter": {}},
                "Use": compose(json!("@body('Get')"), json!({"Get": ["Succeeded"]}))
            },
            "runAfter": {}
        },
        "After": compose(json!("@outputs('Loop')"), json!({"Loop": ["Succeeded", "Failed"]}))
    })));
    let a = apply_exact(
        &mut ed,
        Edit::DuplicateAction {
            pointer: "/actions/Loop".into(),
        },
    );
    assert_eq!(a.label, "Duplicate Loop");
    assert_eq!(a.select.as_deref(), Some("/actions/Loop_2"));
    assert_eq!(keys(&ed, "/actions"), ["Loop", "Loop_2", "After"]);
    assert_eq!(keys(&ed, "/actions/Loop_2/actions"), ["Get_2", "Use_2"]);
    assert_eq!(ra(&ed, "/actions/Loop_2"), json!({"Loop": ["Succeeded"]}));
    assert_eq!(
        ra(&ed, "/actions/Loop_2/actions/Use_2"),
        json!({"Get_2": ["Succeeded"]})
    );
    assert_eq!(
        at(&ed, "/actions/Loop_2/actions/Use_2/inputs"),
        "@body('Get_2')"
    );
    assert_eq!(
        at(&ed, "/actions/Loop_2/actions/Get_2/inputs/uri"),
        "@{items('Loop_2')}"
    );
    // The original is untouched; its follower now follows the copy.
    assert_eq!(at(&ed, "/actions/Loop/actions/Use/inputs"), "@body('Get')");
    assert_eq!(
        ra(&ed, "/actions/After"),
        json!({"Loop_2": ["Succeeded", "Failed"]})
    );
    // And again: Loop_3, Get_3…
    let a = apply_exact(
        &mut ed,
        Edit::DuplicateAction {
            pointer: "/actions/Loop_2".into(),
        },
    );
    assert_eq!(a.select.as_deref(), Some("/actions/Loop_3"));
    assert_eq!(keys(&ed, "/actions/Loop_3/actions"), ["Get_3", "Use_3"]);
    assert!(structural(&ed.doc, 0).is_empty());
    let u = ed.undo().unwrap();
    assert_eq!(u.select.as_deref(), Some("/actions/Loop_2"));
    refused(
        &mut ed,
        Edit::DuplicateAction {
            pointer: "/triggers/manual".into(),
        },
    );
}

// ---------------------------------------------------------------------------
// RenameAction

#[test]
fn rename_updates_run_after_and_expressions_everywhere() {
    let mut ed = editor(def(json!({
        "Get_status": {"type": "Http", "inputs": {"method": "GET", "uri": "https://x"}, "runAfter": {}},
        "Check": {
            "type": "If",
            "expression": {"and": [{"equals": ["@outputs('Get_status')['statusCode']", 200]}]},
            "actions": {
                "Inner": compose(json!({
                    "a": "@{body('Get_status')}",
                    "b": "Status: @{ BODY ( 'Get_status' )?['x']} and @{actionOutputs('Get_status')}",
                    "c": ["@actions('Get_status').status", "@iterationIndexes('Get_status')"],
                    "d": "@concat(body('Get_status'), result('Get_status'), actionBody('Get_status'))"
                }), json!({}))
            },
            "else": {"actions": {
                "Deeper": {"type": "Scope", "actions": {
                    "Deepest": compose(json!("@items('Get_status')"), json!({}))
                }, "runAfter": {}}
            }},
            "runAfter": {"Get_status": ["Succeeded", "Failed"]}
        },
        "Other": compose(json!({
            "plain": "body('Get_status')",
            "escaped": "@@body('Get_status')",
            "literal": "@concat('body(''Get_status'')')",
            "prefix": "@body('Get_status_old')",
            "variable": "@variables('Get_status')",
            "trigger": "@triggerBody()?['Get_status']"
        }), json!({"Get_status": ["Succeeded"], "Check": ["Succeeded"]}))
    })));
    let other_before = at(&ed, "/actions/Other/inputs").clone();
    let a = apply_exact(
        &mut ed,
        Edit::RenameAction {
            pointer: "/actions/Get_status".into(),
            new_name: "Get_health".into(),
        },
    );
    assert_eq!(a.label, "Rename Get_status to Get_health");
    assert_eq!(a.select.as_deref(), Some("/actions/Get_health"));
    assert_eq!(keys(&ed, "/actions"), ["Get_health", "Check", "Other"]);
    assert_eq!(
        ra(&ed, "/actions/Check"),
        json!({"Get_health": ["Succeeded", "Failed"]})
    );
    assert_eq!(
        keys(&ed, "/actions/Other/runAfter"),
        ["Get_health", "Check"],
        "runAfter keeps its key order"
    );
    assert_eq!(
        at(&ed, "/actions/Check/expression/and/0/equals/0"),
        "@outputs('Get_health')['statusCode']"
    );
    assert_eq!(
        at(&ed, "/actions/Check/actions/Inner/inputs"),
        &json!({
            "a": "@{body('Get_health')}",
            "b": "Status: @{ BODY ( 'Get_health' )?['x']} and @{actionOutputs('Get_health')}",
            "c": ["@actions('Get_health').status", "@iterationIndexes('Get_health')"],
            "d": "@concat(body('Get_health'), result('Get_health'), actionBody('Get_health'))"
        })
    );
    assert_eq!(
        at(
            &ed,
            "/actions/Check/else/actions/Deeper/actions/Deepest/inputs"
        ),
        "@items('Get_health')"
    );
    // Not expressions, or not references to the action: untouched.
    assert_eq!(at(&ed, "/actions/Other/inputs"), &other_before);
    assert!(structural(&ed.doc, 0).is_empty());
    let u = ed.undo().unwrap();
    assert_eq!(u.select.as_deref(), Some("/actions/Get_status"));
}

#[test]
fn rename_handles_quotes_in_names() {
    let mut ed = editor(def(json!({
        "It's": compose(json!("a"), json!({})),
        "B": compose(json!("@{outputs('It''s')} @outputs('It''s')"), json!({"It's": ["Succeeded"]}))
    })));
    apply_exact(
        &mut ed,
        Edit::RenameAction {
            pointer: "/actions/It's".into(),
            new_name: "Bob's".into(),
        },
    );
    assert_eq!(
        at(&ed, "/actions/B/inputs"),
        "@{outputs('Bob''s')} @outputs('It''s')"
    );
    // The whole-string form.
    let mut ed = editor(def(json!({
        "It's": compose(json!("a"), json!({})),
        "B": compose(json!("@outputs('It''s')"), json!({}))
    })));
    apply_exact(
        &mut ed,
        Edit::RenameAction {
            pointer: "/actions/It's".into(),
            new_name: "Its".into(),
        },
    );
    assert_eq!(at(&ed, "/actions/B/inputs"), "@outputs('Its')");
}

#[test]
fn rename_a_trigger_changes_only_its_key() {
    let mut ed = editor(json!({
        "triggers": {
            "manual": {"type": "Request", "kind": "Http"},
            "other": {"type": "Recurrence"}
        },
        "actions": {"A": compose(json!("@triggerBody() @{body('manual')}"), json!({}))}
    }));
    let before = at(&ed, "/actions").clone();
    let a = apply_exact(
        &mut ed,
        Edit::RenameAction {
            pointer: "/triggers/manual".into(),
            new_name: "When_called".into(),
        },
    );
    assert_eq!(a.select.as_deref(), Some("/triggers/When_called"));
    assert_eq!(keys(&ed, "/triggers"), ["When_called", "other"]);
    assert_eq!(at(&ed, "/actions"), &before);
}

#[test]
fn rename_errors() {
    let mut ed = chain();
    let long = "x".repeat(81);
    for (name, says) in [
        ("", "empty"),
        ("  ", "empty"),
        (long.as_str(), "81 characters"),
        ("a<b", "`<`"),
        ("a%b", "`%`"),
        ("a&b", "`&`"),
        ("a\\b", "`\\`"),
        ("a?b", "`?`"),
        ("a/b", "`/`"),
        ("a>b", "`>`"),
        ("a\u{7}b", "control"),
        ("C", "already used by the action at /actions/C"),
        ("c", "already used"),
        ("manual", "already used by the trigger"),
    ] {
        let e = refused(
            &mut ed,
            Edit::RenameAction {
                pointer: "/actions/A".into(),
                new_name: name.into(),
            },
        );
        assert!(e.message.contains("`A`"), "{e}");
        assert!(e.message.contains(says), "{e} should say {says}");
    }
    let e = refused(
        &mut ed,
        Edit::RenameAction {
            pointer: "/actions/Nope".into(),
            new_name: "X".into(),
        },
    );
    assert!(e.message.contains("/actions/Nope"), "{e}");
    // Exactly 80 characters is fine; the same name is a no-op.
    let ok = "y".repeat(80);
    apply_exact(
        &mut ed,
        Edit::RenameAction {
            pointer: "/actions/A".into(),
            new_name: ok.clone(),
        },
    );
    let rev = ed.revision();
    let a = ed
        .apply(Edit::RenameAction {
            pointer: format!("/actions/{ok}"),
            new_name: ok,
        })
        .unwrap();
    assert!(a.label.starts_with("Rename"));
    assert_eq!(ed.revision(), rev, "a no-op is not recorded");
}

#[test]
fn rewrite_references_directly() {
    let f = |s: &str| (s == "A").then(|| "B".to_owned());
    for (input, out) in [
        ("@body('A')", Some("@body('B')")),
        ("@body('A')?['x']", Some("@body('B')?['x']")),
        ("@Outputs\t('A')", Some("@Outputs\t('B')")),
        (
            "x @{items('A')} y @{body('C')}",
            Some("x @{items('B')} y @{body('C')}"),
        ),
        ("@{'}'} @{body('A')}", Some("@{'}'} @{body('B')}")),
        ("body('A')", None),
        ("@@{body('A')}", None),
        ("@body('AB')", None),
        ("@mybody('A')", None),
        ("@parameters('A')", None),
        ("@{body('A')", None),
        ("@body('A", None),
        ("@", None),
        ("@{", None),
        ("", None),
        ("é@{body('A')}ü", Some("é@{body('B')}ü")),
    ] {
        assert_eq!(rewrite_references(input, &f).as_deref(), out, "{input}");
    }
}

// ---------------------------------------------------------------------------
// MoveAction

fn scoped() -> Editor {
    editor(def(json!({
        "A": compose(json!("a"), json!({})),
        "B": compose(json!("b"), json!({"A": ["Succeeded"]})),
        "S": {
            "type": "Scope",
            "actions": {
                "In1": compose(json!("1"), json!({})),
                "In2": compose(json!("2"), json!({"In1": ["Succeeded"]})),
                "Inner": {"type": "Scope", "actions": {}, "runAfter": {"In2": ["Succeeded"]}}
            },
            "runAfter": {"B": ["Succeeded"]}
        },
        "C": compose(json!("c"), json!({"S": ["Failed"]}))
    })))
}

#[test]
fn move_into_a_scope_and_out() {
    let mut ed = scoped();
    let a = apply_exact(
        &mut ed,
        Edit::MoveAction {
            pointer: "/actions/B".into(),
            container: "/actions/S/actions".into(),
            after: Some("In1".into()),
        },
    );
    assert_eq!(a.label, "Move B");
    assert_eq!(a.select.as_deref(), Some("/actions/S/actions/B"));
    assert_eq!(keys(&ed, "/actions"), ["A", "S", "C"]);
    assert_eq!(ra(&ed, "/actions/S"), json!({"A": ["Succeeded"]}));
    assert_eq!(
        keys(&ed, "/actions/S/actions"),
        ["In1", "B", "In2", "Inner"]
    );
    assert_eq!(
        ra(&ed, "/actions/S/actions/B"),
        json!({"In1": ["Succeeded"]})
    );
    assert_eq!(
        ra(&ed, "/actions/S/actions/In2"),
        json!({"B": ["Succeeded"]})
    );
    assert!(structural(&ed.doc, 0).is_empty());
    let u = ed.undo().unwrap();
    assert_eq!(u.select.as_deref(), Some("/actions/B"));
    ed.redo();

    // Into an empty nested scope, first.
    apply_exact(
        &mut ed,
        Edit::MoveAction {
            pointer: "/actions/A".into(),
            container: "/actions/S/actions/Inner/actions".into(),
            after: None,
        },
    );
    assert_eq!(ra(&ed, "/actions/S"), json!({}));
    assert_eq!(ra(&ed, "/actions/S/actions/Inner/actions/A"), json!({}));
    // Out again, to the top, first: the old first actions follow it.
    apply_exact(
        &mut ed,
        Edit::MoveAction {
            pointer: "/actions/S/actions/In1".into(),
            container: "/actions".into(),
            after: None,
        },
    );
    assert_eq!(keys(&ed, "/actions"), ["In1", "S", "C"]);
    assert_eq!(ra(&ed, "/actions/S"), json!({"In1": ["Succeeded"]}));
    assert_eq!(ra(&ed, "/actions/S/actions/B"), json!({}));
    assert!(structural(&ed.doc, 0).is_empty());
}

#[test]
fn move_within_the_same_list_reorders_the_chain() {
    let mut ed = chain();
    let d = json!({"type": "Compose", "inputs": "d", "runAfter": {"C": ["Succeeded"]}});
    ed.apply(Edit::Set {
        pointer: "/actions/D".into(),
        value: d,
    })
    .unwrap();
    // A → B → C → D; move B after C: A → C → B → D.
    apply_exact(
        &mut ed,
        Edit::MoveAction {
            pointer: "/actions/B".into(),
            container: "/actions".into(),
            after: Some("C".into()),
        },
    );
    assert_eq!(keys(&ed, "/actions"), ["A", "C", "B", "D"]);
    assert_eq!(ra(&ed, "/actions/C"), json!({"A": ["Succeeded"]}));
    assert_eq!(ra(&ed, "/actions/B"), json!({"C": ["Succeeded"]}));
    assert_eq!(ra(&ed, "/actions/D"), json!({"B": ["Succeeded"]}));
    // Move D first.
    apply_exact(
        &mut ed,
        Edit::MoveAction {
            pointer: "/actions/D".into(),
            container: "/actions".into(),
            after: None,
        },
    );
    assert_eq!(keys(&ed, "/actions"), ["D", "A", "C", "B"]);
    assert_eq!(ra(&ed, "/actions/A"), json!({"D": ["Succeeded"]}));
    assert_eq!(ra(&ed, "/actions/D"), json!({}));
    assert!(structural(&ed.doc, 0).is_empty());
}

#[test]
fn move_refuses_cycles_and_bad_targets() {
    let mut ed = scoped();
    for (edit, says) in [
        (
            Edit::MoveAction {
                pointer: "/actions/S".into(),
                container: "/actions/S/actions".into(),
                after: None,
            },
            "into itself",
        ),
        (
            Edit::MoveAction {
                pointer: "/actions/S".into(),
                container: "/actions/S/actions/Inner/actions".into(),
                after: None,
            },
            "into itself",
        ),
        (
            Edit::MoveAction {
                pointer: "/actions/B".into(),
                container: "/actions".into(),
                after: Some("B".into()),
            },
            "after itself",
        ),
        (
            Edit::MoveAction {
                pointer: "/actions/B".into(),
                container: "/actions/S/actions".into(),
                after: Some("A".into()),
            },
            "no action `A`",
        ),
        (
            Edit::MoveAction {
                pointer: "/triggers/manual".into(),
                container: "/actions/S/actions".into(),
                after: None,
            },
            "trigger",
        ),
        (
            Edit::MoveAction {
                pointer: "/actions/B".into(),
                container: "/parameters".into(),
                after: None,
            },
            "not a list of actions",
        ),
    ] {
        let e = refused(&mut ed, edit);
        assert!(e.message.contains(says), "{e} should say {says}");
    }
}

// ---------------------------------------------------------------------------
// SetRunAfter

#[test]
fn set_run_after_makes_joins_and_checks_everything() {
    let mut ed = editor(def(json!({
        "A": compose(json!("a"), json!({})),
        "B": compose(json!("b"), json!({})),
        "J": compose(json!("j"), json!({"A": ["Succeeded"]})),
        "S": {"type": "Scope", "actions": {"In": compose(json!("i"), json!({}))}, "runAfter": {}}
    })));
    let a = apply_exact(
        &mut ed,
        Edit::SetRunAfter {
            pointer: "/actions/J".into(),
            run_after: vec![
                ("A".into(), vec!["succeeded".into(), "FAILED".into()]),
                ("B".into(), vec!["TimedOut".into(), "skipped".into()]),
            ],
        },
    );
    assert_eq!(a.label, "Set run after of J");
    assert_eq!(
        ra(&ed, "/actions/J"),
        json!({"A": ["Succeeded", "Failed"], "B": ["TimedOut", "Skipped"]})
    );
    assert!(structural(&ed.doc, 0).is_empty());
    for (target, statuses, says) in [
        ("J", vec!["Succeeded"], "itself"),
        ("In", vec!["Succeeded"], "same scope"),
        ("manual", vec!["Succeeded"], "same scope"),
        ("Nope", vec!["Succeeded"], "`Nope`"),
        ("A", vec!["Done"], "`Done`"),
        ("A", vec![], "no status"),
    ] {
        let e = refused(
            &mut ed,
            Edit::SetRunAfter {
                pointer: "/actions/J".into(),
                run_after: vec![(
                    target.into(),
                    statuses.into_iter().map(String::from).collect(),
                )],
            },
        );
        assert!(e.message.contains(says), "{e} should say {says}");
    }
    // A cycle: A after J, while J waits for A.
    let e = refused(
        &mut ed,
        Edit::SetRunAfter {
            pointer: "/actions/A".into(),
            run_after: vec![("J".into(), vec!["Succeeded".into()])],
        },
    );
    assert!(e.message.contains("cycle"), "{e}");
    // Empty: first in its scope.
    apply_exact(
        &mut ed,
        Edit::SetRunAfter {
            pointer: "/actions/J".into(),
            run_after: vec![],
        },
    );
    assert_eq!(ra(&ed, "/actions/J"), json!({}));
}

// ---------------------------------------------------------------------------
// Copy and paste

#[test]
fn copy_keeps_run_after_among_the_copied_set() {
    let ed = editor(def(json!({
        "A": compose(json!("a"), json!({})),
        "B": compose(json!("b"), json!({"A": ["Succeeded"]})),
        "C": compose(json!("@outputs('B')"), json!({"B": ["Succeeded"], "A": ["Failed"]})),
        "S": {"type": "Scope", "actions": {"In": compose(json!("i"), json!({}))}, "runAfter": {"C": ["Succeeded"]}}
    })));
    let text = copy_json(
        &ed.doc,
        &[
            "/actions/C".into(),
            "/actions/B".into(),
            "/actions/S/actions/In".into(),
            "/actions/S".into(),
            "/actions/Nope".into(),
            "/triggers/manual".into(),
        ],
    );
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        v,
        json!({
            "B": compose(json!("b"), json!({})),
            "C": compose(json!("@outputs('B')"), json!({"B": ["Succeeded"]})),
            "S": {"type": "Scope", "actions": {"In": compose(json!("i"), json!({}))}, "runAfter": {"C": ["Succeeded"]}}
        })
    );
    assert_eq!(
        v.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["B", "C", "S"],
        "file order"
    );
    assert!(text.contains("\n  \"B\""), "pretty: {text}");
    assert_eq!(copy_json(&ed.doc, &[]), "{}");
}

#[test]
fn paste_a_copied_chain_after_an_action() {
    let mut ed = editor(def(json!({
        "A": compose(json!("a"), json!({})),
        "B": compose(json!("b"), json!({"A": ["Succeeded"]})),
        "C": compose(json!("@outputs('B')"), json!({"B": ["Succeeded"]})),
        "D": compose(json!("d"), json!({"C": ["Succeeded"]}))
    })));
    let text = copy_json(&ed.doc, &["/actions/B".into(), "/actions/C".into()]);
    let a = apply_exact(
        &mut ed,
        Edit::Paste {
            container: "/actions".into(),
            after: Some("D".into()),
            json: text.clone(),
            name_hint: None,
        },
    );
    assert_eq!(a.label, "Paste 2 actions");
    assert_eq!(a.select.as_deref(), Some("/actions/B_2"));
    assert_eq!(keys(&ed, "/actions"), ["A", "B", "C", "D", "B_2", "C_2"]);
    assert_eq!(ra(&ed, "/actions/B_2"), json!({"D": ["Succeeded"]}));
    assert_eq!(ra(&ed, "/actions/C_2"), json!({"B_2": ["Succeeded"]}));
    assert_eq!(at(&ed, "/actions/C_2/inputs"), "@outputs('B_2')");
    // Pasted in the middle: the follower of A follows the last pasted one.
    apply_exact(
        &mut ed,
        Edit::Paste {
            container: "/actions".into(),
            after: Some("A".into()),
            json: text,
            name_hint: None,
        },
    );
    assert_eq!(
        keys(&ed, "/actions"),
        ["A", "B_3", "C_3", "B", "C", "D", "B_2", "C_2"]
    );
    assert_eq!(ra(&ed, "/actions/B_3"), json!({"A": ["Succeeded"]}));
    assert_eq!(ra(&ed, "/actions/B"), json!({"C_3": ["Succeeded"]}));
    assert!(structural(&ed.doc, 0).is_empty());
}

#[test]
fn paste_one_action_with_or_without_a_name() {
    let mut ed = chain();
    let a = apply_exact(
        &mut ed,
        Edit::Paste {
            container: "/actions".into(),
            after: None,
            json: r#"{"type": "Http", "inputs": {"method": "GET", "uri": "https://x"}, "runAfter": {"Gone": ["Succeeded"]}}"#.into(),
            name_hint: None,
        },
    );
    assert_eq!(a.label, "Paste HTTP");
    assert_eq!(keys(&ed, "/actions"), ["HTTP", "A", "B", "C"]);
    assert_eq!(ra(&ed, "/actions/HTTP"), json!({}));
    assert_eq!(ra(&ed, "/actions/A"), json!({"HTTP": ["Succeeded"]}));
    let a = apply_exact(
        &mut ed,
        Edit::Paste {
            container: "/actions".into(),
            after: Some("C".into()),
            json: r#"{"type": "Foreach", "foreach": "@x", "actions": {"A": {"type": "Compose", "inputs": "@items('Loop')"}}}"#.into(),
            name_hint: Some("My loop".into()),
        },
    );
    assert_eq!(a.label, "Paste My_loop");
    assert_eq!(keys(&ed, "/actions/My_loop/actions"), ["A_2"]);
    // Names from the type, unique.
    let a = apply_exact(
        &mut ed,
        Edit::Paste {
            container: "/actions".into(),
            after: None,
            json: r#"{"type": "http"}"#.into(),
            name_hint: Some(" ".into()),
        },
    );
    assert_eq!(a.label, "Paste HTTP_2");
    assert!(structural(&ed.doc, 0).is_empty());
}

#[test]
fn paste_refuses_what_is_not_actions() {
    let mut ed = chain();
    for (text, says) in [
        ("{", "JSON"),
        ("[1]", "does not hold actions"),
        ("{}", "does not hold actions"),
        (r#"{"a": 1}"#, "does not hold actions"),
        (
            r#"{"$schema": "x", "triggers": {}, "actions": {}}"#,
            "does not hold actions",
        ),
        (r#"{"A": {"type": "If", "else": 5}}"#, "else"),
        (
            r#"{"P": {"type": "Compose", "runAfter": {"Q": ["Succeeded"]}}, "Q": {"type": "Compose", "runAfter": {"P": ["Succeeded"]}}}"#,
            "cycle",
        ),
    ] {
        let e = refused(
            &mut ed,
            Edit::Paste {
                container: "/actions".into(),
                after: None,
                json: text.into(),
                name_hint: None,
            },
        );
        assert!(e.message.contains(says), "{e} should say {says}");
    }
}

// ---------------------------------------------------------------------------
// Batch, history, dirty flag

#[test]
fn a_batch_is_one_step_and_fails_whole() {
    let mut ed = chain();
    let a = apply_exact(
        &mut ed,
        Edit::Batch {
            label: "Insert logging".into(),
            edits: vec![
                Edit::AddAction {
                    container: "/actions".into(),
                    name: "Log".into(),
                    action: new_action("Compose"),
                    after: Some("A".into()),
                },
                Edit::Set {
                    pointer: "/actions/Log/inputs".into(),
                    value: json!("@outputs('A')"),
                },
                Edit::RenameAction {
                    pointer: "/actions/A".into(),
                    new_name: "Start".into(),
                },
            ],
        },
    );
    assert_eq!(a.label, "Insert logging");
    assert_eq!(a.select.as_deref(), Some("/actions/Start"));
    assert_eq!(at(&ed, "/actions/Log/inputs"), "@outputs('Start')");
    assert_eq!(ed.undo_label(), Some("Insert logging"));
    let e = refused(
        &mut ed,
        Edit::Batch {
            label: "x".into(),
            edits: vec![
                Edit::DeleteAction {
                    pointer: "/actions/B".into(),
                },
                Edit::RenameAction {
                    pointer: "/actions/C".into(),
                    new_name: "Start".into(),
                },
            ],
        },
    );
    assert!(e.message.starts_with("step 2 of 2"), "{e}");
    // An empty label borrows the single edit's.
    let a = ed
        .apply(Edit::Batch {
            label: String::new(),
            edits: vec![Edit::DeleteAction {
                pointer: "/actions/B".into(),
            }],
        })
        .unwrap();
    assert_eq!(a.label, "Delete B");
}

#[test]
fn history_labels_revision_and_dirty_flag() {
    let mut ed = chain();
    assert!(!ed.can_undo() && !ed.can_redo() && !ed.is_dirty());
    assert_eq!(ed.revision(), 0);
    assert_eq!(ed.undo(), None);
    assert_eq!(ed.redo(), None);
    let rename = |from: &str, to: &str| Edit::RenameAction {
        pointer: format!("/actions/{from}"),
        new_name: to.into(),
    };
    ed.apply(rename("A", "A1")).unwrap();
    ed.apply(rename("B", "B1")).unwrap();
    assert!(ed.is_dirty());
    assert_eq!(ed.revision(), 2);
    assert_eq!(ed.undo_label(), Some("Rename B to B1"));
    ed.mark_saved();
    assert!(!ed.is_dirty());
    ed.undo();
    assert!(ed.is_dirty());
    assert_eq!(ed.redo_label(), Some("Rename B to B1"));
    assert_eq!(ed.undo_label(), Some("Rename A to A1"));
    ed.redo();
    assert!(!ed.is_dirty(), "back at the saved state");
    ed.undo();
    ed.undo();
    assert!(ed.is_dirty());
    assert_eq!(ed.revision(), 6);
    // A new edit clears redo; the saved state can no longer be reached.
    ed.apply(rename("C", "C1")).unwrap();
    assert!(!ed.can_redo());
    assert!(ed.is_dirty());
    ed.undo();
    assert!(ed.is_dirty());
    ed.mark_saved();
    assert!(!ed.is_dirty());
    // Replace: clean, empty history, new revision.
    let rev = ed.revision();
    ed.replace(Document::new_definition());
    assert!(!ed.can_undo() && !ed.can_redo() && !ed.is_dirty());
    assert!(ed.revision() > rev);
}

#[test]
fn history_is_bounded() {
    let mut ed = chain();
    for i in 0..520 {
        ed.apply(Edit::Set {
            pointer: "/actions/A/inputs".into(),
            value: json!(i),
        })
        .unwrap();
    }
    let mut n = 0;
    while ed.undo().is_some() {
        n += 1;
    }
    assert_eq!(n, lapis::workflow::edit::HISTORY_LIMIT);
    assert_eq!(at(&ed, "/actions/A/inputs"), &json!(19));
    assert!(ed.is_dirty(), "the opening state is out of reach");
}

// ---------------------------------------------------------------------------
// Palette

#[test]
fn palette_templates_are_valid_actions() {
    let mut ed = editor(def(json!({})));
    let mut after: Option<String> = None;
    for (ty, label) in PALETTE {
        let v = new_action(ty);
        assert_eq!(v["type"], json!(ty), "{label}");
        assert_eq!(v["runAfter"], json!({}));
        let a = ed
            .apply(Edit::AddAction {
                container: "/actions".into(),
                name: default_name(ty),
                action: v,
                after: after.clone(),
            })
            .unwrap_or_else(|e| panic!("{ty}: {e}"));
        after = a.select.map(|p| p.rsplit('/').next().unwrap().to_owned());
    }
    let names = keys(&ed, "/actions");
    assert_eq!(names.len(), PALETTE.len());
    assert!(names.contains(&"Condition".to_owned()) && names.contains(&"For_each".to_owned()));
    assert_eq!(
        at(&ed, "/actions/Until/limit"),
        &json!({"count": 60, "timeout": "PT1H"})
    );
    assert_eq!(
        at(&ed, "/actions/HTTP/inputs"),
        &json!({"method": "GET", "uri": ""})
    );
    assert!(at(&ed, "/actions/Condition/expression/and").is_array());
    assert_eq!(at(&ed, "/actions/Condition/else"), &json!({"actions": {}}));
    assert!(structural(&ed.doc, 0).is_empty());
    assert_eq!(default_name("ApiConnection"), "ApiConnection");
    assert_eq!(new_action("Mystery")["type"], "Mystery");
}

// ---------------------------------------------------------------------------
// The samples

fn sample(rel: &str) -> Document {
    Document::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).expect("sample loads")
}

#[test]
fn edits_on_the_samples_undo_exactly() {
    let mut ed = Editor::new(sample("samples/order-sync/workflow.json"));
    let original = canonical(&ed.doc.root);
    let before = structural(&ed.doc, 0);
    let base = "/definition/actions";
    let edits = vec![
        Edit::RenameAction {
            pointer: format!("{base}/Try/actions/For_each_order"),
            new_name: "Each_order".into(),
        },
        Edit::RenameAction {
            pointer: format!("{base}/Try"),
            new_name: "Attempt".into(),
        },
        Edit::DuplicateAction {
            pointer: format!("{base}/Attempt/actions/Each_order/actions/Route_by_region"),
        },
        Edit::MoveAction {
            pointer: format!("{base}/Attempt/actions/Each_order/actions/Count_failure"),
            container: format!("{base}/Any_failures/else/actions"),
            after: None,
        },
        Edit::AddAction {
            container: format!(
                "{base}/Attempt/actions/Each_order/actions/Route_by_region/cases/Europe/actions"
            ),
            name: "Post_to_EU_ledger".into(),
            action: new_action("Http"),
            after: Some("Post_to_EU_ledger".into()),
        },
        Edit::DeleteAction {
            pointer: format!("{base}/Attempt/actions/List_orders"),
        },
        Edit::Set {
            pointer: "/definition/parameters/region".into(),
            value: json!({"type": "String", "defaultValue": "EU"}),
        },
    ];
    for e in edits {
        apply_exact(&mut ed, e);
    }
    let each = format!("{base}/Attempt/actions/Each_order");
    assert_eq!(
        at(&ed, &format!("{each}/actions/Route_by_region/expression")),
        "@items('Each_order')?['region']"
    );
    assert_eq!(
        at(&ed, &format!("{each}/actions/Route_by_region_2/expression")),
        "@items('Each_order')?['region']"
    );
    assert_eq!(
        keys(
            &ed,
            &format!("{each}/actions/Route_by_region_2/cases/Europe/actions")
        ),
        ["Post_to_EU_ledger_2"]
    );
    assert_eq!(
        keys(
            &ed,
            &format!("{each}/actions/Route_by_region/cases/Europe/actions")
        ),
        ["Post_to_EU_ledger", "Post_to_EU_ledger_3"]
    );
    assert_eq!(
        at(
            &ed,
            &format!("{base}/Any_failures/expression/or/1/equals/0")
        ),
        "@result('Attempt')?[0]?['status']"
    );
    assert_eq!(structural(&ed.doc, 0), before);
    // The file still loads as the same kind of document.
    let bytes = ed.doc.to_bytes();
    let again = Document::from_bytes(&bytes, None).unwrap();
    assert_eq!(canonical(&again.root), canonical(&ed.doc.root));
    while ed.undo().is_some() {}
    assert_eq!(canonical(&ed.doc.root), original);
    assert!(!ed.is_dirty());
}

#[test]
fn edits_on_an_arm_template() {
    let mut ed = Editor::new(sample("samples/app-proxy-status.template.json"));
    let original = canonical(&ed.doc.root);
    let dp = ed.doc.workflows[0].definition_pointer.clone();
    apply_exact(
        &mut ed,
        Edit::RenameAction {
            pointer: format!("{dp}/actions/Get_status"),
            new_name: "Get_health".into(),
        },
    );
    assert_eq!(
        ra(&ed, &format!("{dp}/actions/Response")),
        json!({"Get_health": ["Succeeded", "Failed"]})
    );
    apply_exact(
        &mut ed,
        Edit::DuplicateAction {
            pointer: format!("{dp}/actions/Get_health"),
        },
    );
    assert!(structural(&ed.doc, 0).is_empty());
    while ed.undo().is_some() {}
    assert_eq!(canonical(&ed.doc.root), original);

    let mut ed = Editor::new(sample("samples/app-proxy-status.json"));
    let body = canonical(at(&ed, "/actions/Response/inputs"));
    apply_exact(
        &mut ed,
        Edit::RenameAction {
            pointer: "/actions/Get_status".into(),
            new_name: "Status".into(),
        },
    );
    let after = canonical(at(&ed, "/actions/Response/inputs"));
    assert_eq!(after, body.replace("'Get_status'", "'Status'"));
}

// ---------------------------------------------------------------------------
// The corpus

/// Problems counted by rule (messages name actions, which renames change).
fn codes(doc: &Document, i: usize) -> std::collections::BTreeMap<&'static str, usize> {
    let mut m = std::collections::BTreeMap::new();
    for p in structural(doc, i) {
        *m.entry(p.code).or_insert(0) += 1;
    }
    m
}

fn strings<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

#[test]
fn corpus_edits_keep_workflows_sound_and_undo_exactly() {
    let mut renamed = 0;
    for path in common::corpus_files() {
        let name = common::file_name(&path);
        let mut ed = Editor::new(Document::load(&path).unwrap());
        let original = canonical(&ed.doc.root);
        for wi in 0..ed.doc.workflows.len() {
            let before = codes(&ed.doc, wi);
            let o = ed.doc.outline(wi).unwrap();
            let dp = o.definition_pointer.clone();
            let nodes: Vec<(String, String)> = o
                .nodes
                .iter()
                .take(40)
                .map(|n| (n.name.clone(), n.pointer.clone()))
                .collect();
            // Rename each node (pointers are read afresh: names above change).
            for (old, _) in &nodes {
                let o = ed.doc.outline(wi).unwrap();
                let Some(id) = o.find(old) else { continue };
                let new = format!("{old}_zq");
                let Ok(a) = ed.apply(Edit::RenameAction {
                    pointer: o.nodes[id].pointer.clone(),
                    new_name: new.clone(),
                }) else {
                    continue;
                };
                renamed += 1;
                assert_eq!(a.label, format!("Rename {old} to {new}"));
                // No expression refers to the old name any more.
                let def = ed.doc.root.pointer(&dp).unwrap();
                let mut all = Vec::new();
                strings(def, &mut all);
                let f = |s: &str| (s == old.as_str()).then(|| "X".to_owned());
                for s in all {
                    assert_eq!(
                        rewrite_references(s, &f),
                        None,
                        "{name}: `{s}` still names `{old}`"
                    );
                }
            }
            assert_eq!(
                codes(&ed.doc, wi),
                before,
                "{name}: renames changed the problems"
            );
            // Structural edits on the first few top-level actions.
            let o = ed.doc.outline(wi).unwrap();
            let top: Vec<String> = o
                .top
                .iter()
                .take(3)
                .map(|&i| o.nodes[i].pointer.clone())
                .collect();
            for p in &top {
                let _ = ed.apply(Edit::DuplicateAction { pointer: p.clone() });
            }
            if let Some(first) = top.first() {
                let _ = ed.apply(Edit::DeleteAction {
                    pointer: first.clone(),
                });
            }
            let o = ed.doc.outline(wi).unwrap();
            let scope = o
                .actions()
                .find_map(|n| n.branches.first().map(|b| b.actions_pointer.clone()));
            if let (Some(scope), Some(&last)) = (scope, o.top.last()) {
                let _ = ed.apply(Edit::MoveAction {
                    pointer: o.nodes[last].pointer.clone(),
                    container: scope,
                    after: None,
                });
            }
            let after = codes(&ed.doc, wi);
            for (code, n) in &after {
                assert!(
                    *n <= before.get(code).copied().unwrap_or(0),
                    "{name}: new `{code}` problems: {:#?}",
                    structural(&ed.doc, wi)
                );
            }
        }
        let reloaded = Document::from_bytes(&ed.doc.to_bytes(), Some(&path)).unwrap();
        assert_eq!(reloaded.workflows.len(), ed.doc.workflows.len(), "{name}");
        while ed.undo().is_some() {}
        assert_eq!(
            canonical(&ed.doc.root),
            original,
            "{name}: undo is not exact"
        );
        assert!(!ed.is_dirty());
    }
    if common::corpus_dir().is_some() {
        assert!(renamed > 100, "only {renamed} renames");
    }
}

// ---------------------------------------------------------------------------
// Random sequences

mod random {
    use super::*;
    use lapis::workflow::tree::Role;
    use proptest::prelude::*;

    /// Turns random numbers into an edit that fits the current document.
    fn pick(doc: &Document, kind: u8, a: usize, b: usize, c: usize) -> Edit {
        let o = doc.outline(0).unwrap();
        let actions: Vec<_> = o.actions().collect();
        let mut containers = vec![format!("{}/actions", o.definition_pointer)];
        for n in &o.nodes {
            for br in &n.branches {
                containers.push(br.actions_pointer.clone());
            }
        }
        let container = containers[b % containers.len()].clone();
        let siblings: Vec<String> = doc
            .root
            .pointer(&container)
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        let after = if siblings.is_empty() || c.is_multiple_of(4) {
            None
        } else {
            Some(siblings[c % siblings.len()].clone())
        };
        if actions.is_empty() {
            return Edit::AddAction {
                container,
                name: "Fresh".into(),
                action: new_action(PALETTE[a % PALETTE.len()].0),
                after,
            };
        }
        let n = actions[a % actions.len()];
        match kind % 10 {
            0 => Edit::Set {
                pointer: format!("{}/inputs", n.pointer),
                value: json!({"n": c, "s": format!("@outputs('{}')", n.name)}),
            },
            1 => Edit::Remove {
                pointer: format!("{}/runAfter", n.pointer),
            },
            2 => Edit::AddAction {
                container,
                name: ["Compose", "HTTP", "Scope"][c % 3].into(),
                action: new_action(PALETTE[a % PALETTE.len()].0),
                after,
            },
            3 => Edit::DeleteAction {
                pointer: n.pointer.clone(),
            },
            4 => Edit::DuplicateAction {
                pointer: n.pointer.clone(),
            },
            5 => Edit::RenameAction {
                pointer: n.pointer.clone(),
                new_name: format!("R{}_{}", c % 7, n.name.len()),
            },
            6 => Edit::MoveAction {
                pointer: n.pointer.clone(),
                container,
                after,
            },
            7 => {
                let sibs: Vec<String> = o
                    .siblings(n.id)
                    .iter()
                    .map(|&s| o.nodes[s].name.clone())
                    .filter(|s| *s != n.name && o.nodes[o.find(s).unwrap()].role == Role::Action)
                    .collect();
                let mut ra = Vec::new();
                for (i, s) in sibs.iter().enumerate() {
                    if (c >> (i % 16)) & 1 == 1 {
                        ra.push((
                            s.clone(),
                            vec![["Succeeded", "failed", "Skipped", "TIMEDOUT"][i % 4].to_owned()],
                        ));
                    }
                }
                Edit::SetRunAfter {
                    pointer: n.pointer.clone(),
                    run_after: ra,
                }
            }
            8 => Edit::Paste {
                container,
                after,
                json: copy_json(doc, std::slice::from_ref(&n.pointer)),
                name_hint: None,
            },
            _ => Edit::Batch {
                label: "Two".into(),
                edits: vec![
                    Edit::DuplicateAction {
                        pointer: n.pointer.clone(),
                    },
                    Edit::RenameAction {
                        pointer: n.pointer.clone(),
                        new_name: format!("B{c}"),
                    },
                ],
            },
        }
    }

    /// 64 cases, or `PROPTEST_CASES` for a longer run.
    fn cases() -> u32 {
        std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(64)
    }

    /// Pointers and names made of the pieces that matter.
    fn junk() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("/"),
                Just("~"),
                Just("~1"),
                Just("0"),
                Just("-"),
                Just("actions"),
                Just("else"),
                Just("cases"),
                Just("Case_a"),
                Just("default"),
                Just("runAfter"),
                Just("Compose_2"),
                Just("Scope_1"),
                Just("'"),
                Just("@{"),
                Just("é"),
                Just("\u{7}"),
                Just("triggers"),
                Just("manual"),
                Just("inputs"),
                Just("{"),
                Just("}"),
                Just("\"")
            ],
            0..8,
        )
        .prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(cases()))]

        /// Garbage in: an error or an edit, never a panic; a failed edit
        /// changes nothing, and undo stays exact.
        #[test]
        fn no_panic_on_junk(
            kind in 0u8..10,
            p in junk(), q in junk(), r in junk(),
            after in proptest::option::of(junk()),
        ) {
            let mut ed = Editor::new(Document::from_value(lapis::synth::generate(12, 3)).unwrap());
            let original = canonical(&ed.doc.root);
            let edit = match kind {
                0 => Edit::Set { pointer: p, value: json!(q) },
                1 => Edit::Remove { pointer: p },
                2 => Edit::AddAction { container: p, name: q, action: json!({"type": r}), after },
                3 => Edit::DeleteAction { pointer: p },
                4 => Edit::DuplicateAction { pointer: p },
                5 => Edit::RenameAction { pointer: p, new_name: q },
                6 => Edit::MoveAction { pointer: p, container: q, after },
                7 => Edit::SetRunAfter { pointer: p, run_after: vec![(q, vec![r])] },
                8 => Edit::Paste { container: p, after, json: q, name_hint: Some(r) },
                _ => Edit::Batch { label: r, edits: vec![Edit::Remove { pointer: p }, Edit::DeleteAction { pointer: q }] },
            };
            match ed.apply(edit) {
                Ok(_) => {
                    for i in 0..ed.doc.workflows.len() {
                        prop_assert!(ed.doc.outline(i).is_ok());
                    }
                    while ed.undo().is_some() {}
                }
                Err(e) => prop_assert!(!e.message.is_empty()),
            }
            prop_assert_eq!(canonical(&ed.doc.root), original);
        }

        #[test]
        fn undo_all_and_redo_all_are_exact(
            size in 3usize..40,
            depth in 1usize..5,
            seeds in proptest::collection::vec((any::<u8>(), any::<usize>(), any::<usize>(), any::<usize>()), 1..16)
        ) {
            let doc = Document::from_value(lapis::synth::generate(size, depth)).unwrap();
            let before_problems = structural(&doc, 0);
            let mut ed = Editor::new(doc);
            let original = canonical(&ed.doc.root);
            let mut applied = 0;
            for (kind, a, b, c) in seeds {
                let edit = pick(&ed.doc, kind, a, b, c);
                let before = canonical(&ed.doc.root);
                let rev = ed.revision();
                match ed.apply(edit.clone()) {
                    Ok(r) => {
                        if ed.revision() != rev {
                            applied += 1;
                        }
                        if let Some(p) = r.select {
                            prop_assert!(ed.doc.root.pointer(&p).is_some(), "{:?} selects {}", edit, p);
                        }
                    }
                    Err(_) => prop_assert_eq!(canonical(&ed.doc.root), before, "{:?}", edit),
                }
                // The outline still builds, and no run-after problem appears
                // (removing a runAfter is fine: it means "first").
                let now = structural(&ed.doc, 0);
                prop_assert!(
                    now.iter().all(|p| before_problems.contains(p)),
                    "after {:?}: {:#?}", edit, now
                );
            }
            let last = canonical(&ed.doc.root);
            let mut undone = 0;
            while ed.undo().is_some() {
                undone += 1;
            }
            prop_assert_eq!(undone, applied);
            prop_assert_eq!(canonical(&ed.doc.root), original);
            prop_assert!(!ed.is_dirty());
            while ed.redo().is_some() {}
            prop_assert_eq!(canonical(&ed.doc.root), last);
            prop_assert_eq!(ed.is_dirty(), applied > 0);
        }
    }
}

#[test]
fn typing_in_one_field_is_one_undo_step_but_never_across_a_save() {
    let mut ed = chain();
    let original = canonical(&ed.doc.root);
    let p = "/actions/A/inputs";
    for text in ["h", "he", "hel", "hello"] {
        ed.apply_typing(
            Edit::Set {
                pointer: p.into(),
                value: json!(text),
            },
            p,
        )
        .unwrap();
    }
    assert_eq!(at(&ed, p), &json!("hello"));
    assert!(ed.undo().is_some());
    assert_eq!(
        canonical(&ed.doc.root),
        original,
        "one undo takes back the word"
    );
    assert!(!ed.can_undo());
    ed.redo();
    assert_eq!(at(&ed, p), &json!("hello"));

    // A save in the middle splits the run, so dirtiness stays exact.
    ed.mark_saved();
    ed.apply_typing(
        Edit::Set {
            pointer: p.into(),
            value: json!("hello!"),
        },
        p,
    )
    .unwrap();
    assert!(ed.is_dirty());
    ed.undo();
    assert_eq!(at(&ed, p), &json!("hello"));
    assert!(!ed.is_dirty(), "back at the saved state");

    // Another field, or any other edit, starts a new step.
    ed.apply_typing(
        Edit::Set {
            pointer: p.into(),
            value: json!("x"),
        },
        p,
    )
    .unwrap();
    ed.end_typing();
    ed.apply_typing(
        Edit::Set {
            pointer: p.into(),
            value: json!("xy"),
        },
        p,
    )
    .unwrap();
    ed.undo();
    assert_eq!(at(&ed, p), &json!("x"));
}

// ---------------------------------------------------------------------------
// InsertAction and MoveTo: on an edge, beside a sibling, and moves

/// A → B on failure, A → C on success; D after B and C (a join).
fn fork() -> Editor {
    editor(def(json!({
        "A": compose(json!("a"), json!({})),
        "B": compose(json!("@outputs('A')"), json!({"A": ["Failed", "TimedOut"]})),
        "C": compose(json!("c"), json!({"A": ["Succeeded"]})),
        "D": compose(json!("@outputs('B')"), json!({"B": ["Succeeded"], "C": ["Succeeded"]}))
    })))
}

#[test]
fn insert_on_an_edge_takes_over_that_dependency_only() {
    let mut ed = fork();
    let a = apply_exact(
        &mut ed,
        Edit::InsertAction {
            container: "/actions".into(),
            name: "Log".into(),
            action: new_action("Compose"),
            place: Place::Between {
                from: Some("A".into()),
                to: "B".into(),
            },
        },
    );
    assert_eq!(a.label, "Add Log");
    assert_eq!(a.select.as_deref(), Some("/actions/Log"));
    assert_eq!(keys(&ed, "/actions"), ["A", "Log", "B", "C", "D"]);
    // The new action waits for A as B did; B waits for it instead.
    assert_eq!(
        ra(&ed, "/actions/Log"),
        json!({"A": ["Failed", "TimedOut"]})
    );
    assert_eq!(ra(&ed, "/actions/B"), json!({"Log": ["Succeeded"]}));
    // The other edges out of A and into D are untouched.
    assert_eq!(ra(&ed, "/actions/C"), json!({"A": ["Succeeded"]}));
    assert_eq!(
        ra(&ed, "/actions/D"),
        json!({"B": ["Succeeded"], "C": ["Succeeded"]})
    );
    assert!(structural(&ed.doc, 0).is_empty());

    // On one of the two edges of a join: the other stays, order kept.
    apply_exact(
        &mut ed,
        Edit::InsertAction {
            container: "/actions".into(),
            name: "Log".into(),
            action: new_action("Compose"),
            place: Place::Between {
                from: Some("B".into()),
                to: "D".into(),
            },
        },
    );
    assert_eq!(
        ra(&ed, "/actions/D"),
        json!({"Log_2": ["Succeeded"], "C": ["Succeeded"]})
    );
    assert_eq!(ra(&ed, "/actions/Log_2"), json!({"B": ["Succeeded"]}));
    assert!(structural(&ed.doc, 0).is_empty());
}

#[test]
fn insert_at_the_top_of_a_branch_and_as_a_parallel_branch() {
    let mut ed = scoped();
    // The entry of the scope: In1 ran first; now the new action does.
    apply_exact(
        &mut ed,
        Edit::InsertAction {
            container: "/actions/S/actions".into(),
            name: "First".into(),
            action: new_action("Compose"),
            place: Place::Between {
                from: None,
                to: "In1".into(),
            },
        },
    );
    assert_eq!(
        keys(&ed, "/actions/S/actions"),
        ["First", "In1", "In2", "Inner"]
    );
    assert_eq!(ra(&ed, "/actions/S/actions/First"), json!({}));
    assert_eq!(
        ra(&ed, "/actions/S/actions/In1"),
        json!({"First": ["Succeeded"]})
    );
    assert_eq!(
        ra(&ed, "/actions/S/actions/In2"),
        json!({"In1": ["Succeeded"]})
    );

    // A parallel branch beside C: the same runAfter (S Failed), nothing
    // else touched, placed right after C.
    let before_c = ra(&ed, "/actions/C");
    let a = apply_exact(
        &mut ed,
        Edit::InsertAction {
            container: "/actions".into(),
            name: "Notify".into(),
            action: new_action("Http"),
            place: Place::Beside("C".into()),
        },
    );
    assert_eq!(a.label, "Add Notify beside C");
    assert_eq!(keys(&ed, "/actions"), ["A", "B", "S", "C", "Notify"]);
    assert_eq!(ra(&ed, "/actions/Notify"), json!({"S": ["Failed"]}));
    assert_eq!(ra(&ed, "/actions/C"), before_c);
    assert_eq!(at(&ed, "/actions/Notify/type"), &json!("Http"));
    assert!(structural(&ed.doc, 0).is_empty());

    // After(…) is AddAction's placement.
    apply_exact(
        &mut ed,
        Edit::InsertAction {
            container: "/actions".into(),
            name: "Mid".into(),
            action: new_action("Compose"),
            place: Place::After(Some("A".into())),
        },
    );
    assert_eq!(ra(&ed, "/actions/Mid"), json!({"A": ["Succeeded"]}));
    assert_eq!(ra(&ed, "/actions/B"), json!({"Mid": ["Succeeded"]}));
}

#[test]
fn insert_refuses_a_place_that_does_not_exist() {
    let mut ed = fork();
    let add = |place: Place| Edit::InsertAction {
        container: "/actions".into(),
        name: "N".into(),
        action: new_action("Compose"),
        place,
    };
    for (edit, says) in [
        (
            add(Place::Between {
                from: Some("C".into()),
                to: "B".into(),
            }),
            "does not run after `C`",
        ),
        (
            add(Place::Between {
                from: None,
                to: "B".into(),
            }),
            "not first",
        ),
        (
            add(Place::Between {
                from: Some("A".into()),
                to: "Nope".into(),
            }),
            "no action `Nope`",
        ),
        (add(Place::Beside("Nope".into())), "no action `Nope`"),
        (
            Edit::InsertAction {
                container: "/actions".into(),
                name: "bad/name".into(),
                action: new_action("Compose"),
                place: Place::Beside("A".into()),
            },
            "cannot add",
        ),
        (
            Edit::InsertAction {
                container: "/parameters".into(),
                name: "N".into(),
                action: new_action("Compose"),
                place: Place::Beside("A".into()),
            },
            "not a list of actions",
        ),
    ] {
        let e = refused(&mut ed, edit);
        assert!(e.to_string().contains(says), "{e} should say {says}");
    }
}

#[test]
fn move_onto_an_edge_rejoins_the_old_neighbours() {
    let mut ed = chain();
    ed.apply(Edit::Set {
        pointer: "/actions/D".into(),
        value: compose(json!("@body('A')"), json!({"C": ["Succeeded"]})),
    })
    .unwrap();
    // A → B → C → D; drop D on the edge A → B: A → D → B → C.
    let a = apply_exact(
        &mut ed,
        Edit::MoveTo {
            pointer: "/actions/D".into(),
            container: "/actions".into(),
            place: Place::Between {
                from: Some("A".into()),
                to: "B".into(),
            },
        },
    );
    assert_eq!(a.label, "Move D");
    assert_eq!(a.select.as_deref(), Some("/actions/D"));
    assert_eq!(keys(&ed, "/actions"), ["A", "D", "B", "C"]);
    assert_eq!(ra(&ed, "/actions/D"), json!({"A": ["Succeeded"]}));
    assert_eq!(ra(&ed, "/actions/B"), json!({"D": ["Succeeded"]}));
    assert_eq!(ra(&ed, "/actions/C"), json!({"B": ["Succeeded"]}));
    // Its expression still names A, which still runs before it.
    assert_eq!(at(&ed, "/actions/D/inputs"), &json!("@body('A')"));
    let problems = validate_document(&ed.doc, 0).unwrap();
    assert!(
        problems.iter().all(|p| !p.code.starts_with("expr")),
        "{problems:#?}"
    );
    assert!(structural(&ed.doc, 0).is_empty());

    // B, in the middle, beside C: D → B and D → … C now waits for D.
    apply_exact(
        &mut ed,
        Edit::MoveTo {
            pointer: "/actions/B".into(),
            container: "/actions".into(),
            place: Place::Beside("C".into()),
        },
    );
    assert_eq!(ra(&ed, "/actions/C"), json!({"D": ["Succeeded"]}));
    assert_eq!(ra(&ed, "/actions/B"), json!({"D": ["Succeeded"]}));
    assert_eq!(keys(&ed, "/actions"), ["A", "D", "C", "B"]);
    assert!(structural(&ed.doc, 0).is_empty());
}

#[test]
fn move_into_a_scope_at_its_top_and_back_out_beside_a_sibling() {
    let mut ed = scoped();
    apply_exact(
        &mut ed,
        Edit::MoveTo {
            pointer: "/actions/B".into(),
            container: "/actions/S/actions".into(),
            place: Place::Between {
                from: None,
                to: "In1".into(),
            },
        },
    );
    assert_eq!(keys(&ed, "/actions"), ["A", "S", "C"]);
    assert_eq!(ra(&ed, "/actions/S"), json!({"A": ["Succeeded"]}));
    assert_eq!(
        keys(&ed, "/actions/S/actions"),
        ["B", "In1", "In2", "Inner"]
    );
    assert_eq!(ra(&ed, "/actions/S/actions/B"), json!({}));
    assert_eq!(
        ra(&ed, "/actions/S/actions/In1"),
        json!({"B": ["Succeeded"]})
    );
    assert!(structural(&ed.doc, 0).is_empty());
    // Out, beside C: the same run-after as C (S Failed); the scope's
    // actions close up behind it.
    apply_exact(
        &mut ed,
        Edit::MoveTo {
            pointer: "/actions/S/actions/In1".into(),
            container: "/actions".into(),
            place: Place::Beside("C".into()),
        },
    );
    assert_eq!(ra(&ed, "/actions/In1"), json!({"S": ["Failed"]}));
    assert_eq!(
        ra(&ed, "/actions/S/actions/In2"),
        json!({"B": ["Succeeded"]})
    );
    assert!(structural(&ed.doc, 0).is_empty());
}

#[test]
fn move_to_refuses_itself_its_insides_and_the_trigger() {
    let mut ed = scoped();
    let mv = |pointer: &str, container: &str, place: Place| Edit::MoveTo {
        pointer: pointer.into(),
        container: container.into(),
        place,
    };
    for (edit, says) in [
        (
            mv(
                "/actions/S",
                "/actions/S/actions",
                Place::Beside("In1".into()),
            ),
            "into itself",
        ),
        (
            mv(
                "/actions/S",
                "/actions/S/actions/Inner/actions",
                Place::After(None),
            ),
            "into itself",
        ),
        (
            mv(
                "/actions/B",
                "/actions",
                Place::Between {
                    from: Some("A".into()),
                    to: "B".into(),
                },
            ),
            "next to itself",
        ),
        (
            mv("/actions/B", "/actions", Place::Beside("B".into())),
            "next to itself",
        ),
        (
            mv(
                "/actions/B",
                "/actions/S/actions",
                Place::Between {
                    from: Some("In1".into()),
                    to: "Inner".into(),
                },
            ),
            "does not run after `In1`",
        ),
        (
            mv("/triggers/manual", "/actions", Place::Beside("A".into())),
            "trigger",
        ),
    ] {
        let e = refused(&mut ed, edit);
        assert!(e.to_string().contains(says), "{e} should say {says}");
    }
}
