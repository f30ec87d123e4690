//! `lapis diff`: one pair of files per kind of change, run through the real
//! binary; a rename is reported as a rename.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

fn lapis(args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_lapis"))
        .args(args)
        .env(
            "LAPIS_DATA_DIR",
            std::env::temp_dir().join("lapis-diff-test"),
        )
        .output()
        .expect("the lapis binary runs");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn base() -> Value {
    json!({
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {
            "apiKey": {"type": "SecureString", "defaultValue": "hunter2-old"},
            "region": {"type": "String", "defaultValue": "west"}
        },
        "triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": {
            "Get": {
                "type": "Http",
                "inputs": {
                    "method": "GET",
                    "uri": "https://api.example/items",
                    "authentication": {"type": "Basic", "username": "u", "password": "old-pass"}
                },
                "runAfter": {}
            },
            "Compose": {"type": "Compose", "inputs": "@body('Get')", "runAfter": {"Get": ["Succeeded"]}},
            "Scope": {"type": "Scope", "actions": {}, "runAfter": {"Compose": ["Succeeded"]}}
        },
        "outputs": {}
    })
}

fn write(dir: &Path, name: &str, v: &Value) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_string_pretty(v).unwrap()).unwrap();
    p
}

/// Runs `lapis diff --format json` on base and `changed`; returns the exit
/// code and the changes of the first workflow.
fn diff(change: impl FnOnce(&mut Value)) -> (i32, Vec<Value>) {
    let dir = tempfile::tempdir().unwrap();
    let mut new = base();
    change(&mut new);
    let a = write(dir.path(), "old.json", &base());
    let b = write(dir.path(), "new.json", &new);
    let (code, out, err) = lapis(&[
        "diff",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(code == 0 || code == 1, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let changes = v
        .as_array()
        .unwrap()
        .first()
        .map(|w| w["changes"].as_array().unwrap().clone())
        .unwrap_or_default();
    (code, changes)
}

fn kinds(c: &[Value]) -> Vec<&str> {
    c.iter().map(|c| c["kind"].as_str().unwrap()).collect()
}

#[test]
fn identical_files_exit_0() {
    let (code, changes) = diff(|_| {});
    assert_eq!(code, 0);
    assert!(changes.is_empty());
}

#[test]
fn added_and_removed_actions() {
    let (code, c) = diff(|v| {
        v["actions"]["Log"] =
            json!({"type": "Compose", "inputs": 1, "runAfter": {"Scope": ["Succeeded"]}});
    });
    assert_eq!(code, 1);
    assert_eq!(
        c,
        vec![json!({"kind": "added", "name": "Log", "scope": "top level"})]
    );
    let (code, c) = diff(|v| {
        v["actions"].as_object_mut().unwrap().shift_remove("Scope");
    });
    assert_eq!(code, 1);
    assert_eq!(kinds(&c), vec!["removed"]);
    assert_eq!(c[0]["name"], "Scope");
}

#[test]
fn a_rename_is_a_rename_not_a_delete_and_an_add() {
    let (_, c) = diff(|v| {
        let actions = v["actions"].as_object_mut().unwrap();
        let get = actions.shift_remove("Get").unwrap();
        actions.insert("Fetch".into(), get);
        actions["Compose"]["runAfter"] = json!({"Fetch": ["Succeeded"]});
        actions["Compose"]["inputs"] = json!("@body('Fetch')");
    });
    assert_eq!(
        c[0],
        json!({"kind": "renamed", "from": "Get", "to": "Fetch"})
    );
    // The run-after follows the rename, so it is not reported; the
    // expression that names it is a real change of the text.
    assert_eq!(kinds(&c), vec!["renamed", "field"]);
    assert_eq!(c[1]["pointer"], "/inputs");
}

#[test]
fn an_action_moved_into_a_scope() {
    let (_, c) = diff(|v| {
        let actions = v["actions"].as_object_mut().unwrap();
        let compose = actions.shift_remove("Compose").unwrap();
        actions["Scope"]["actions"]["Compose"] = compose;
        actions["Scope"]["actions"]["Compose"]["runAfter"] = json!({});
        actions["Scope"]["runAfter"] = json!({"Get": ["Succeeded"]});
    });
    assert!(
        c.contains(
            &json!({"kind": "moved", "name": "Compose", "from": "top level", "to": "Scope"})
        ),
        "{c:?}"
    );
    assert!(c
        .iter()
        .any(|x| x["kind"] == "run_after" && x["name"] == "Scope"));
}

#[test]
fn run_after_changes() {
    let (_, c) = diff(|v| {
        v["actions"]["Compose"]["runAfter"] = json!({"Get": ["Succeeded", "Failed"]});
    });
    assert_eq!(
        c,
        vec![json!({"kind": "run_after", "name": "Compose",
            "old": {"Get": ["Succeeded"]}, "new": {"Get": ["Succeeded", "Failed"]}})]
    );
}

#[test]
fn input_changes_name_the_pointer_and_mask_secrets() {
    let (_, c) = diff(|v| {
        v["actions"]["Get"]["inputs"]["uri"] = json!("https://api.example/v2/items");
        v["actions"]["Get"]["inputs"]["authentication"]["password"] = json!("new-pass");
    });
    assert!(
        c.contains(
            &json!({"kind": "field", "name": "Get", "pointer": "/inputs/uri",
        "old": "https://api.example/items", "new": "https://api.example/v2/items"})
        ),
        "{c:?}"
    );
    let pw = c
        .iter()
        .find(|x| x["pointer"] == "/inputs/authentication/password")
        .unwrap();
    assert_eq!(pw["old"], "***");
    assert_eq!(pw["new"], "***");
    let text = serde_json::to_string(&c).unwrap();
    assert!(!text.contains("old-pass") && !text.contains("new-pass"));
}

#[test]
fn parameter_changes_mask_secure_values() {
    let (_, c) = diff(|v| {
        v["parameters"]["apiKey"]["defaultValue"] = json!("hunter2-new");
        v["parameters"]["region"]["defaultValue"] = json!("east");
    });
    assert_eq!(kinds(&c), vec!["parameter", "parameter"]);
    let text = serde_json::to_string(&c).unwrap();
    assert!(!text.contains("hunter2"), "{text}");
    assert!(c.contains(&json!({"kind": "parameter", "name": "region", "pointer": "/defaultValue", "old": "west", "new": "east"})));
}

#[test]
fn access_control_changes_in_an_arm_template() {
    let arm = |range: &str| {
        json!({
            "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0",
            "resources": [{
                "type": "Microsoft.Logic/workflows",
                "apiVersion": "2019-05-01",
                "name": "wf",
                "location": "westeurope",
                "properties": {
                    "definition": base(),
                    "accessControl": {"triggers": {"allowedCallerIpAddresses": [{"addressRange": range}]}}
                }
            }]
        })
    };
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.json", &arm("10.0.0.0/24"));
    let b = write(dir.path(), "b.json", &arm("10.0.1.0/24"));
    let (code, out, err) = lapis(&["diff", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains("accessControl/triggers/allowedCallerIpAddresses/0/addressRange: \"10.0.0.0/24\" → \"10.0.1.0/24\""),
        "{out}"
    );
}

#[test]
fn works_as_a_git_external_diff_driver() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.json", &base());
    let mut n = base();
    n["actions"]["Get"]["inputs"]["method"] = json!("POST");
    let b = write(dir.path(), "b.json", &n);
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let hex = "0123456789abcdef0123456789abcdef01234567";
    let (code, out, err) = lapis(&["diff", "wf.json", a, hex, "100644", b, hex, "100644"]);
    assert_eq!(code, 0, "git stops at a driver that fails: {err}");
    assert!(out.starts_with("lapis diff a/wf.json b/wf.json"), "{out}");
    assert!(
        out.contains("~ changed   Get /inputs/method: \"GET\" → \"POST\""),
        "{out}"
    );
    // A new file: git passes /dev/null as the old one.
    let (code, out, _) = lapis(&["diff", "wf.json", "/dev/null", ".", ".", b, hex, "100644"]);
    assert_eq!(code, 0);
    assert!(out.contains("+ added     Get"), "{out}");
}

#[test]
fn bad_input_is_exit_2_with_a_location() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.json", &base());
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\n  \"actions\": {,\n}").unwrap();
    let (code, _, err) = lapis(&["diff", a.to_str().unwrap(), bad.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.json:2:"), "{err}");
}
