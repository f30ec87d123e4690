//! ARM templates: every template that deploys opens; parts computed by
//! template expressions are read-only and saved back as written; the
//! workflow inside is validated on its evaluated definition.

use lapis::graph::validate::{validate_document, Severity};
use lapis::workflow::template::{PLACEHOLDER_RESOURCE_GROUP, PLACEHOLDER_SUBSCRIPTION};
use lapis::workflow::{text, Container, Document};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/arm")
        .join(name)
}

fn open(name: &str) -> Document {
    Document::load(&fixture(name)).unwrap_or_else(|e| panic!("{name} does not open: {e}"))
}

fn codes(doc: &Document, i: usize) -> Vec<(Severity, &'static str)> {
    validate_document(doc, i)
        .unwrap()
        .into_iter()
        .map(|p| (p.severity, p.code))
        .collect()
}

fn errors(doc: &Document, i: usize) -> Vec<String> {
    validate_document(doc, i)
        .unwrap()
        .into_iter()
        .filter(|p| p.severity == Severity::Error)
        .map(|p| format!("{} {} {}", p.code, p.pointer, p.message))
        .collect()
}

/// Load → save with no edit gives back the same bytes.
fn assert_lossless(name: &str) {
    let bytes = std::fs::read(fixture(name)).unwrap();
    let doc = open(name);
    assert_eq!(
        String::from_utf8(doc.to_bytes()).unwrap(),
        String::from_utf8(bytes.clone()).unwrap_or_default(),
        "{name}: a save with no edit changed the file"
    );
    let original = text::parse_json(&text::read_source(&bytes).unwrap().json).unwrap();
    assert_eq!(*doc.file_value(), original, "{name}");
}

#[test]
fn every_fixture_saves_back_unchanged() {
    for e in std::fs::read_dir(fixture("")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "json") {
            assert_lossless(p.file_name().unwrap().to_str().unwrap());
        }
    }
}

#[test]
fn symbolic_resources_and_a_computed_definition_open_read_only() {
    let doc = open("symbolic-resources.json");
    assert_eq!(doc.container, Container::Arm);
    assert_eq!(doc.workflows.len(), 1);
    let w = &doc.workflows[0];
    assert_eq!(w.name, "orders-sync", "the name is evaluated");
    assert_eq!(
        w.definition_pointer,
        "/resources/workflow/properties/definition"
    );
    assert_eq!(w.read_only.len(), 1);
    assert_eq!(w.read_only[0].pointer, w.definition_pointer);
    assert!(
        w.read_only[0].reason.contains("variables('definition')"),
        "{}",
        w.read_only[0].reason
    );
    // Everything below the computed definition is read-only, nothing else.
    assert!(doc
        .read_only_at(
            0,
            "/resources/workflow/properties/definition/actions/Get_orders/inputs/uri"
        )
        .is_some());
    assert!(doc
        .read_only_at(0, "/resources/workflow/properties/state")
        .is_none());
    assert!(doc
        .read_only_at(0, "/resources/workflow/properties/definitionX")
        .is_none());
    assert!(w.banner().unwrap().contains("variables('definition')"));
    // The evaluated definition: variables are evaluated with their
    // expressions, the scalar inside is computed too.
    let def = doc.definition(0);
    assert_eq!(
        def["actions"]["Get_orders"]["inputs"]["uri"],
        json!("https://api.contoso.example/orders")
    );
    let outline = doc.outline(0).unwrap();
    assert_eq!(outline.nodes.len(), 2);
    assert!(errors(&doc, 0).is_empty(), "{:?}", errors(&doc, 0));
    // The file keeps its expression.
    assert_eq!(
        doc.file_value()
            .pointer("/resources/workflow/properties/definition")
            .unwrap(),
        &json!("[variables('definition')]")
    );
}

#[test]
fn computed_parts_inside_a_literal_definition() {
    let doc = open("computed-parts.json");
    let w = &doc.workflows[0];
    assert_eq!(w.name, "notify");
    let ro: Vec<&str> = w.read_only.iter().map(|r| r.pointer.as_str()).collect();
    let post = "/resources/0/properties/definition/actions/Post/inputs";
    assert_eq!(ro, [format!("{post}/headers"), format!("{post}/body")]);
    let def = doc.definition(0);
    let inputs = &def["actions"]["Post"]["inputs"];
    // union + createObject + subscription() placeholder.
    assert_eq!(
        inputs["headers"],
        json!({"Content-Type": "application/json", "x-tenant": PLACEHOLDER_SUBSCRIPTION})
    );
    // copy in variables, copyIndex(name), `[[` escapes.
    assert_eq!(
        inputs["body"],
        json!({"to": ["mailto:ops@contoso.example", "mailto:dev@contoso.example"], "literal": "[not evaluated]"})
    );
    // A scalar expression stays as template text in the document (editable)…
    assert_eq!(
        inputs["uri"],
        json!("[concat('https://notify.contoso.example/', toLower('SEND'))]")
    );
    assert!(doc.read_only_at(0, &format!("{post}/uri")).is_none());
    // …and validation reads its value: the URI and the interval are checked
    // as what the deployment will write.
    let (root, _) = doc.evaluated(0).unwrap();
    assert_eq!(
        root.pointer(&format!("{post}/uri")).unwrap(),
        &json!("https://notify.contoso.example/send")
    );
    assert_eq!(
        root.pointer(
            "/resources/0/properties/definition/triggers/Every_quarter_hour/recurrence/interval"
        )
        .unwrap(),
        &json!(15)
    );
    assert!(errors(&doc, 0).is_empty(), "{:?}", errors(&doc, 0));
}

#[test]
fn an_edit_outside_the_computed_parts_saves_only_the_edit() {
    let mut doc = open("computed-parts.json");
    let p = "/resources/0/properties/definition/actions/Post/inputs/method";
    *doc.root.pointer_mut(p).unwrap() = json!("PUT");
    let saved = doc.to_bytes();
    let original = std::fs::read(fixture("computed-parts.json")).unwrap();
    let (a, b) = (
        String::from_utf8(saved).unwrap(),
        String::from_utf8(original).unwrap(),
    );
    assert_eq!(a, b.replace("\"method\": \"POST\"", "\"method\": \"PUT\""));
    // The saved file opens again, with the same read-only parts.
    let again = Document::from_bytes(a.as_bytes(), None).unwrap();
    assert_eq!(again.workflows, doc.workflows);
}

#[test]
fn nested_deployments_with_inner_and_outer_scope() {
    let doc = open("nested-deployments.json");
    let names: Vec<&str> = doc.workflows.iter().map(|w| w.name.as_str()).collect();
    assert_eq!(names, ["contoso-inner", "Contoso-outer"]);
    // Inner scope: the nested template's parameters get the values the
    // deployment passes, and its own defaults see them.
    assert_eq!(
        doc.definition(0)["actions"]["Compose_inner"]["inputs"],
        json!("hello from contoso-inner")
    );
    // Outer scope: the nested template sees the parent's variables.
    assert_eq!(
        doc.definition(1)["actions"]["Compose_outer"]["inputs"],
        json!("outer scope")
    );
    for i in 0..2 {
        assert_eq!(doc.workflows[i].read_only.len(), 1);
        assert!(doc.workflows[i].read_only[0]
            .pointer
            .ends_with("/definition/actions"));
        assert!(errors(&doc, i).is_empty(), "{i}: {:?}", errors(&doc, i));
        assert_eq!(doc.outline(i).unwrap().nodes.len(), 2);
    }
}

#[test]
fn copy_loops_and_conditions() {
    let doc = open("copy-and-condition.json");
    let names: Vec<&str> = doc.workflows.iter().map(|w| w.name.as_str()).collect();
    // The first instance of the loop stands for all; a resource whose
    // condition is false with the defaults still opens.
    assert_eq!(names, ["sync-west", "audit"]);
    let (root, _) = doc.evaluated(0).unwrap();
    assert_eq!(
        root.pointer("/resources/0/properties/definition/actions/Region/inputs")
            .unwrap(),
        &json!("west")
    );
    assert!(doc.workflows.iter().all(|w| w.read_only.is_empty()));
    assert!(errors(&doc, 0).is_empty());
    assert!(errors(&doc, 1).is_empty());
}

#[test]
fn every_definition_parameter_without_default_gets_a_value() {
    let doc = open("parameters-missing.json");
    let problems = validate_document(&doc, 0).unwrap();
    let missing: Vec<_> = problems
        .iter()
        .filter(|p| p.code == "arm-parameter-missing")
        .collect();
    assert_eq!(missing.len(), 1, "{problems:#?}");
    assert_eq!(missing[0].severity, Severity::Error);
    assert_eq!(
        missing[0].pointer,
        "/resources/0/properties/definition/parameters/apiKey"
    );
    assert!(missing[0].message.contains("`apiKey`"));
    let undeclared: Vec<_> = problems
        .iter()
        .filter(|p| p.code == "arm-parameter-undeclared")
        .collect();
    assert_eq!(undeclared.len(), 1);
    assert_eq!(undeclared[0].severity, Severity::Warning);
    assert_eq!(
        undeclared[0].pointer,
        "/resources/0/properties/parameters/unused"
    );
    // Both codes are in the rule catalogue, with a Microsoft Learn source.
    for code in ["arm-parameter-missing", "arm-parameter-undeclared"] {
        let r = lapis::graph::rules::find(code).expect("in the catalogue");
        assert!(
            r.source.starts_with("https://learn.microsoft.com/"),
            "{}",
            r.code
        );
    }
    // Supplying the value clears the error.
    let mut fixed = doc.clone();
    fixed
        .root
        .pointer_mut("/resources/0/properties/parameters")
        .unwrap()
        .as_object_mut()
        .unwrap()
        .insert(
            "apiKey".into(),
            json!({"value": "[parameters('endpoint')]"}),
        );
    assert!(!codes(&fixed, 0).contains(&(Severity::Error, "arm-parameter-missing")));
}

#[test]
fn what_only_a_deployment_knows_opens_with_a_placeholder() {
    let doc = open("unevaluable.json");
    assert_eq!(doc.workflows.len(), 2);
    let a = &doc.workflows[0];
    assert!(
        a.read_only[0].reason.contains("no default value"),
        "{}",
        a.read_only[0].reason
    );
    let b = &doc.workflows[1];
    assert_eq!(b.read_only[0].pointer, "/resources/1/properties");
    assert!(
        b.read_only[0].reason.contains("reference()"),
        "{}",
        b.read_only[0].reason
    );
    for i in 0..2 {
        assert!(doc.definition(i)["actions"].as_object().unwrap().is_empty());
        assert!(errors(&doc, i).is_empty());
    }
}

#[test]
fn resource_ids_use_the_placeholders() {
    let t = json!({"resources": [{
        "type": "Microsoft.Logic/workflows",
        "name": "w",
        "properties": {"definition": {
            "triggers": {},
            "actions": "[createObject('Call', createObject('type', 'Workflow', 'runAfter', createObject(), 'inputs', createObject('host', createObject('workflow', createObject('id', resourceId('Microsoft.Logic/workflows', 'child')), 'triggerName', 'manual'))))]"
        }}
    }]});
    let doc = Document::from_value(t).unwrap();
    assert_eq!(
        doc.definition(0)["actions"]["Call"]["inputs"]["host"]["workflow"]["id"],
        json!(format!("/subscriptions/{PLACEHOLDER_SUBSCRIPTION}/resourceGroups/{PLACEHOLDER_RESOURCE_GROUP}/providers/Microsoft.Logic/workflows/child"))
    );
}

#[test]
fn bad_templates_never_panic_and_name_the_place() {
    for (src, want) in [
        (r#"{"resources": 5}"#, "1:2"),
        (r#"{"resources": []}"#, "1:2"),
        (
            r#"{"resources": {"a": {"type": "Microsoft.Storage/storageAccounts"}}}"#,
            "1:2",
        ),
    ] {
        let e = Document::from_bytes(src.as_bytes(), None)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with(&format!("<input>:{want}:")), "{src}: {e}");
    }
    // Malformed expressions are kept as text, never refused.
    for bad in [
        "[concat(",
        "[']",
        "[a.b.c(]",
        "[parameters('x')[]",
        "[if(true(), 1)]",
    ] {
        let t = json!({"resources": [{"type": "Microsoft.Logic/workflows", "name": bad,
            "properties": {"definition": {"triggers": {}, "actions": {"A": {"type": "Compose", "inputs": bad}}}}}]});
        let doc = Document::from_value(t).unwrap();
        assert_eq!(doc.workflows[0].name, bad);
        let _ = validate_document(&doc, 0).unwrap();
    }
    // A variable that refers to itself is an error of evaluation, not a hang.
    let t = json!({"variables": {"a": "[variables('a')]"}, "resources": [{"type": "Microsoft.Logic/workflows", "name": "w",
        "properties": {"definition": "[variables('a')]"}}]});
    let doc = Document::from_value(t).unwrap();
    assert!(doc.workflows[0].read_only[0]
        .reason
        .contains("refers to itself"));
}

#[test]
fn cli_validates_an_arm_template_with_computed_parts() {
    let out = Command::new(env!("CARGO_BIN_EXE_lapis"))
        .args(["validate", "--format", "json"])
        .arg(fixture("parameters-missing.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v.to_string().contains("arm-parameter-missing"), "{v}");
    let out = Command::new(env!("CARGO_BIN_EXE_lapis"))
        .arg("validate")
        .arg(fixture("symbolic-resources.json"))
        .arg(fixture("nested-deployments.json"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn edits_that_touch_computed_parts_are_refused() {
    use lapis::workflow::edit::Edit;
    let doc = open("computed-parts.json");
    let post = "/resources/0/properties/definition/actions/Post";
    let conflict = |e: &Edit| {
        Document::edit_pointers(e)
            .into_iter()
            .find_map(|p| doc.read_only_conflict(0, p))
            .map(|r| r.pointer.clone())
    };
    // Inside a computed part.
    let e = Edit::Set {
        pointer: format!("{post}/inputs/headers/Content-Type"),
        value: json!("text/plain"),
    };
    assert_eq!(conflict(&e), Some(format!("{post}/inputs/headers")));
    // Holding one: deleting or renaming the action would lose the template text.
    let e = Edit::DeleteAction {
        pointer: post.to_owned(),
    };
    assert!(conflict(&e).is_some());
    let e = Edit::RenameAction {
        pointer: post.to_owned(),
        new_name: "Send".into(),
    };
    assert!(conflict(&e).is_some());
    // Elsewhere: free.
    let e = Edit::Set {
        pointer: format!("{post}/inputs/method"),
        value: json!("PUT"),
    };
    assert_eq!(conflict(&e), None);
    let e = Edit::Batch {
        label: "two".into(),
        edits: vec![
            e.clone(),
            Edit::Remove {
                pointer: format!("{post}/inputs/body/to"),
            },
        ],
    };
    assert_eq!(conflict(&e), Some(format!("{post}/inputs/body")));
}

#[test]
fn a_stand_in_definition_is_not_validated() {
    // An empty stand-in has no trigger and no action: that is not the
    // workflow's fault, so nothing is reported.
    let doc = open("unevaluable.json");
    for i in 0..2 {
        assert!(doc.workflows[i].read_only[0].placeholder);
        assert!(validate_document(&doc, i).unwrap().is_empty());
    }
    let doc = open("symbolic-resources.json");
    assert!(!doc.workflows[0].read_only[0].placeholder);
}

#[test]
fn an_action_only_the_deployment_knows_gets_a_stand_in() {
    let t = json!({"parameters": {"step": {"type": "object"}}, "resources": [{
        "type": "Microsoft.Logic/workflows", "name": "w",
        "properties": {"definition": {
            "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {}}},
            "actions": {
                "Dynamic": "[parameters('step')]",
                "After": {"type": "Compose", "inputs": 1, "runAfter": {"Dynamic": ["Succeeded"]}}
            }
        }}
    }]});
    let doc = Document::from_value(t.clone()).unwrap();
    let w = &doc.workflows[0];
    assert_eq!(w.read_only.len(), 1);
    assert!(w.read_only[0].reason.contains("no default value"));
    assert_eq!(doc.outline(0).unwrap().nodes.len(), 3);
    // Known only at deployment: a warning, no error; the file is unchanged.
    let ps = validate_document(&doc, 0).unwrap();
    assert!(
        ps.iter().all(|p| p.severity == Severity::Warning),
        "{ps:#?}"
    );
    assert!(ps.iter().any(|p| p.code == "arm-expression"));
    assert_eq!(*doc.file_value(), t);
}

/// The designer: a banner names the computed part, and an edit inside it
/// is refused with the reason while the rest stays editable.
#[test]
fn the_designer_shows_the_banner_and_refuses_edits_of_computed_parts() {
    use egui_kittest::kittest::Queryable;
    use lapis::ui::{LapisApp, Options};
    use lapis::workflow::edit::Edit;
    let file = fixture("computed-parts.json");
    let mut h = egui_kittest::Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_eframe(move |_cc| {
            LapisApp::new(Options {
                file: Some(file),
                native_dialogs: false,
                recovery_dir: None,
            })
        });
    h.run();
    assert!(
        h.query_by_label_contains("parts are read-only because the ARM template computes them")
            .is_some(),
        "no banner"
    );
    let before = h.state().session.doc().root.clone();
    let post = "/resources/0/properties/definition/actions/Post/inputs";
    let r = h.state_mut().session.apply(Edit::Set {
        pointer: format!("{post}/headers/x-tenant"),
        value: json!("other"),
    });
    assert!(r.unwrap_err().contains("variables('headers')"));
    assert_eq!(h.state().session.doc().root, before);
    assert!(h.state().session.status.starts_with("Read-only"));
    let r = h
        .state_mut()
        .session
        .set_field(&format!("{post}/method"), json!("PUT"));
    assert!(r.is_ok());
    h.run();
}

#[test]
fn an_empty_default_is_a_blank_not_a_value() {
    // `uri` from a parameter whose default is "": filled at deployment, so
    // no "HTTP action without URI" error; a real default is checked.
    let t = |default: &str| {
        json!({"parameters": {"uri": {"type": "string", "defaultValue": default}}, "resources": [{
            "type": "Microsoft.Logic/workflows", "name": "w",
            "properties": {"definition": {
                "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {}}},
                "actions": {"Call": {"type": "Http", "runAfter": {}, "inputs": {"method": "GET", "uri": "[parameters('uri')]"}}}
            }}
        }]})
    };
    let doc = Document::from_value(t("")).unwrap();
    assert!(errors(&doc, 0).is_empty(), "{:?}", errors(&doc, 0));
    let doc = Document::from_value(t("https://api.contoso.example/x")).unwrap();
    let (root, _) = doc.evaluated(0).unwrap();
    assert_eq!(
        root.pointer("/resources/0/properties/definition/actions/Call/inputs/uri")
            .unwrap(),
        &json!("https://api.contoso.example/x")
    );
    assert!(errors(&doc, 0).is_empty());
}

/// The designer's problems are the command line's: template values and
/// the ARM rules included.
#[test]
fn the_designer_reports_what_the_command_line_reports() {
    use lapis::ui::{LapisApp, Options};
    let file = fixture("parameters-missing.json");
    let doc = open("parameters-missing.json");
    let mut h = egui_kittest::Harness::builder()
        .with_size(egui::vec2(1200.0, 800.0))
        .build_eframe(move |_cc| {
            LapisApp::new(Options {
                file: Some(file),
                native_dialogs: false,
                recovery_dir: None,
            })
        });
    h.run();
    h.state_mut().session.refresh();
    let shown = h.state().session.current().problems.clone();
    assert_eq!(shown, validate_document(&doc, 0).unwrap());
    assert!(shown.iter().any(|p| p.code == "arm-parameter-missing"));
}
