//! Standard projects: a `workflow.json` is read with the project around it
//! (parameters.json, connections.json, local.settings.json, host.json), and
//! `lapis validate DIR` checks every workflow of the project.

use lapis::graph::validate::{validate_document, Problem, Severity};
use lapis::workflow::{Container, Document};
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/standard")
        .join(rel)
}

fn problems(rel: &str) -> Vec<Problem> {
    let doc = Document::load(&fixture(rel)).unwrap();
    assert_eq!(doc.container, Container::Standard);
    validate_document(&doc, 0).unwrap()
}

fn lapis(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lapis"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_project_is_read_around_workflow_json() {
    let doc = Document::load(&fixture("orders-app/ingest/workflow.json")).unwrap();
    let p = doc.project.as_ref().expect("the project is found");
    assert!(p.dir.ends_with("orders-app"));
    assert_eq!(
        p.parameter_names(),
        ["ordersApi", "batchSize", "office365-connection"]
    );
    let rows = p.parameter_rows();
    assert_eq!(
        rows[0],
        (
            "ordersApi".into(),
            "String".into(),
            "@appsetting('ORDERS_API_URL')".into()
        )
    );
    assert_eq!(rows[1].2, "50");
    // Only the names of the app settings are kept, never their values.
    let names = p.app_setting_names().unwrap();
    assert!(names.contains(&"serviceBus_connectionString".to_owned()));
    assert!(
        !format!("{p:?}").contains("SECRET_VALUE"),
        "a setting's value is held"
    );
    // A workflow.json with no project around it has none.
    let lone = Document::from_bytes(
        &std::fs::read(fixture("orders-app/ingest/workflow.json")).unwrap(),
        Some(Path::new("/nonexistent/w/workflow.json")),
    )
    .unwrap();
    assert!(lone.project.is_none());
}

#[test]
fn a_workflow_whose_references_resolve_has_no_problem() {
    let ps = problems("orders-app/ingest/workflow.json");
    // parameters('ordersApi') and parameters('batchSize') come from
    // parameters.json: no "unknown parameter" warning.
    assert!(ps.is_empty(), "{ps:#?}");
}

#[test]
fn unresolved_connections_and_settings_are_reported() {
    let ps = problems("orders-app/broken/workflow.json");
    let find = |code: &str| ps.iter().filter(|p| p.code == code).collect::<Vec<_>>();
    // `eventHub` is not in serviceProviderConnections.
    let missing = find("connection-reference-missing");
    assert_eq!(missing.len(), 1, "{ps:#?}");
    assert_eq!(missing[0].severity, Severity::Error);
    assert_eq!(
        missing[0].pointer,
        "/definition/actions/Send/inputs/serviceProviderConfiguration/connectionName"
    );
    assert!(
        missing[0].message.contains("`eventHub`") && missing[0].message.contains("`serviceBus`")
    );
    // `teams` is declared, but lacks connection.id and authentication.
    let shape = find("connection-entry-shape");
    assert_eq!(shape.len(), 1);
    assert_eq!(shape[0].severity, Severity::Warning);
    assert!(
        shape[0].message.contains("`connection.id`")
            && shape[0].message.contains("`authentication`")
    );
    // The app setting is not in local.settings.json.
    let setting = find("app-setting-missing");
    assert_eq!(setting.len(), 1);
    assert_eq!(setting[0].pointer, "/definition/actions/Compose/inputs");
    assert!(setting[0].message.contains("`MISSING_SETTING`"));
    // parameters('teamsChannel') is in neither the definition nor
    // parameters.json: still a warning.
    let unknown = find("expr-unknown-parameter");
    assert_eq!(unknown.len(), 1);
    assert!(unknown[0].message.contains("teamsChannel"));
    // No message prints a setting's value.
    assert!(ps.iter().all(|p| !p.message.contains("SECRET_VALUE")));
}

#[test]
fn unreadable_project_files_are_errors_not_refusals() {
    let ps = problems("bad-files/only/workflow.json");
    let invalid: Vec<_> = ps
        .iter()
        .filter(|p| p.code == "project-file-invalid")
        .collect();
    assert_eq!(invalid.len(), 1, "{ps:#?}");
    assert!(
        invalid[0].message.contains("parameters.json"),
        "{}",
        invalid[0].message
    );
    assert!(
        invalid[0].message.contains(":3:"),
        "names the line: {}",
        invalid[0].message
    );
}

#[test]
fn validate_dir_checks_every_workflow_of_the_project() {
    let dir = fixture("orders-app");
    let (code, out, err) = lapis(&["validate", dir.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("broken/workflow.json") || out.contains("broken\\workflow.json"),
        "{out}"
    );
    assert!(out.contains("error[connection-reference-missing]"), "{out}");
    assert!(out.contains("2 file(s)"), "{out}");
    assert!(!out.contains("SECRET_VALUE") && !err.contains("SECRET_VALUE"));
    let (code, out, _) = lapis(&[
        "validate",
        "--format",
        "json",
        fixture("orders-app/ingest/workflow.json").to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}");
    // A folder with no workflow is a clear error.
    let (code, _, err) = lapis(&["validate", fixture("").to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(!err.is_empty());
}
