//! The lazy export (`lapis export`: top-level actions held as text, read
//! one at a time) gives what the whole-document export gives: the same
//! bytes in the same files, the same warnings and notes, the same
//! refusals (load errors, secrets in clear, bad options). Inputs: the
//! fixtures, `samples/`, generated hostile inputs, and the shared corpus
//! when present.

mod common;

use lapis::export::{self as ex, ExportError, ExportSpec};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Everything an export shows: the error or the warnings, notes and
/// files written (relative paths and bytes).
#[derive(Debug, PartialEq)]
struct Outcome {
    /// Load and export errors, or "ok".
    result: String,
    import_warnings: Vec<String>,
    warnings: Vec<String>,
    written: Vec<String>,
    notes: Vec<String>,
    files: BTreeMap<String, Vec<u8>>,
}

fn specs() -> Vec<(&'static str, ExportSpec)> {
    let mut tags = Map::new();
    tags.insert("team".into(), json!("[ops]"));
    vec![
        ("definition", ExportSpec::Definition),
        ("arm", ExportSpec::Arm(ex::ArmOptions::default())),
        (
            "arm-options",
            ExportSpec::Arm(ex::ArmOptions {
                location: Some("westeurope".into()),
                state: Some("Disabled".into()),
                tags,
                lock: true,
                role_assignments: vec![ex::RoleAssignment {
                    role: ex::Role::Operator,
                    principal_id: "11111111-2222-3333-4444-555555555555".into(),
                }],
                key_vault: Some(ex::KeyVaultRef {
                    vault_id:
                        "/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/v"
                            .into(),
                }),
                workflow_name: Some("renamed".into()),
                access_control: None,
            }),
        ),
        (
            "standard",
            ExportSpec::Standard(ex::StandardOptions::default()),
        ),
    ]
}

fn out_path(dir: &Path, spec: &ExportSpec) -> PathBuf {
    match spec {
        ExportSpec::Standard(_) => dir.join("project"),
        _ => dir.join("out.json"),
    }
}

fn describe(e: ExportError) -> String {
    match e {
        ExportError::Secrets(list) => {
            let lines: Vec<String> = list.iter().map(|f| f.describe()).collect();
            format!("secrets ({}):\n{}", list.len(), lines.join("\n"))
        }
        e => format!("invalid: {e}"),
    }
}

fn files_under(dir: &Path, base: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, base, out);
        } else {
            let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
            out.insert(rel, std::fs::read(&p).unwrap());
        }
    }
}

fn finish(
    dir: &Path,
    result: Result<(Vec<String>, Vec<PathBuf>), String>,
    import_warnings: Vec<String>,
    warnings: Vec<String>,
) -> Outcome {
    let shown = |s: String| s.replace(&dir.display().to_string(), "<out>");
    let (result, written, notes) = match result {
        Ok((notes, paths)) => (
            "ok".to_owned(),
            paths
                .into_iter()
                .map(|p| shown(p.display().to_string()))
                .collect(),
            notes.into_iter().map(shown).collect(),
        ),
        Err(e) => (shown(e), Vec::new(), Vec::new()),
    };
    let mut files = BTreeMap::new();
    files_under(dir, dir, &mut files);
    Outcome {
        result,
        import_warnings,
        warnings,
        written,
        notes,
        files,
    }
}

/// The reference: the whole document, as `lapis export` did before.
fn whole(file: &Path, spec: &ExportSpec, dir: &Path) -> Outcome {
    let options = ex::ImportOptions::default();
    let imported = match ex::import_document(file, &options) {
        Ok(i) => i,
        Err(e) => return finish(dir, Err(format!("load: {e}")), Vec::new(), Vec::new()),
    };
    let mut doc = imported.document;
    doc.base = None;
    let export = match ex::export_owned(doc, imported.workflow, spec) {
        Ok(e) => e,
        Err(e) => return finish(dir, Err(describe(e)), imported.warnings, Vec::new()),
    };
    let written = ex::write_report(&export, &out_path(dir, spec))
        .map(|w| (w.notes, w.paths))
        .map_err(|e| format!("write: {e}"));
    finish(dir, written, imported.warnings, export.warnings)
}

/// The lazy path `lapis export` runs now; `true` when it held the file
/// lazily.
fn lazy(file: &Path, spec: &ExportSpec, dir: &Path) -> (Outcome, bool) {
    let options = ex::ImportOptions::default();
    match ex::import_lazy(file, &options) {
        Err(e) => (
            finish(dir, Err(format!("load: {e}")), Vec::new(), Vec::new()),
            false,
        ),
        Ok(ex::ImportedLazy::Whole(imported)) => {
            let mut doc = imported.document;
            doc.base = None;
            let outcome = match ex::export_owned(doc, imported.workflow, spec) {
                Ok(export) => {
                    let written = ex::write_report(&export, &out_path(dir, spec))
                        .map(|w| (w.notes, w.paths))
                        .map_err(|e| format!("write: {e}"));
                    finish(dir, written, imported.warnings, export.warnings)
                }
                Err(e) => finish(dir, Err(describe(e)), imported.warnings, Vec::new()),
            };
            (outcome, false)
        }
        Ok(ex::ImportedLazy::Lazy {
            lazy,
            workflow,
            warnings,
        }) => {
            let outcome = match ex::export_lazy(&lazy, workflow, spec) {
                Ok(export) => {
                    let written = ex::write_lazy(&export, &out_path(dir, spec))
                        .map(|w| (w.notes, w.paths))
                        .map_err(|e| format!("write: {e}"));
                    finish(dir, written, warnings, export.export.warnings.clone())
                }
                Err(e) => finish(dir, Err(describe(e)), warnings, Vec::new()),
            };
            (outcome, true)
        }
    }
}

/// Compares both paths on `file` for every target; returns how many
/// exports were lazy.
fn compare(file: &Path) -> usize {
    let mut lazily = 0;
    for (name, spec) in specs() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let reference = whole(file, &spec, a.path());
        let (got, was_lazy) = lazy(file, &spec, b.path());
        lazily += was_lazy as usize;
        if reference != got {
            // The first difference, readable.
            assert_eq!(
                reference.result,
                got.result,
                "{} --to {name}",
                file.display()
            );
            assert_eq!(
                reference.files.keys().collect::<Vec<_>>(),
                got.files.keys().collect::<Vec<_>>(),
                "{} --to {name}",
                file.display()
            );
            for (k, v) in &reference.files {
                assert!(
                    got.files[k] == *v,
                    "{} --to {name}: {k} differs:\n--- whole\n{}\n--- lazy\n{}",
                    file.display(),
                    String::from_utf8_lossy(v),
                    String::from_utf8_lossy(&got.files[k])
                );
            }
            assert_eq!(reference, got, "{} --to {name}", file.display());
        }
    }
    lazily
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "json")
            && !p.to_string_lossy().ends_with(".lapistest.json")
        {
            out.push(p);
        }
    }
}

#[test]
fn lazy_export_of_fixtures_and_samples_is_the_whole_export() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    json_files(&root.join("tests/fixtures"), &mut files);
    json_files(&root.join("samples"), &mut files);
    files.sort();
    assert!(files.len() > 100, "{} files", files.len());
    let mut lazily = 0;
    for f in &files {
        lazily += compare(f);
    }
    // Most of them are bare definitions or Standard workflows.
    assert!(
        lazily > files.len(),
        "{lazily} lazy exports of {}",
        files.len()
    );
}

#[test]
fn lazy_export_of_the_corpus_is_the_whole_export() {
    let files = common::corpus_files();
    if files.is_empty() {
        eprintln!("lazy export of the corpus: skipped (no corpus; set LAPIS_CORPUS)");
        return;
    }
    let mut lazily = 0;
    for f in &files {
        lazily += compare(f);
    }
    assert!(lazily > 0);
    eprintln!("corpus: {} files, {lazily} lazy exports", files.len());
}

/// An object-heavy definition (the bench's shape): `actions` Compose
/// actions of `rows` rows each, in a chain.
fn object_heavy(actions: usize, rows: usize) -> Value {
    let mut map = Map::new();
    for k in 0..actions {
        let rows: Vec<Value> = (0..rows)
            .map(|i| {
                json!({
                    "id": i,
                    "name": format!("item-{k}-{i}"),
                    "note": "Grüße aus Zürich — text",
                    "tags": ["a", "b", i % 7],
                    "nested": {"x": 1.5, "y": null, "z": true, "big": 123456789012345678901234567890u128.to_string().parse::<serde_json::Number>().unwrap()},
                })
            })
            .collect();
        let run_after = if k == 0 {
            json!({})
        } else {
            json!({ format!("Compose_{}", k - 1): ["Succeeded"] })
        };
        map.insert(
            format!("Compose_{k}"),
            json!({"type": "Compose", "inputs": {"rows": rows}, "runAfter": run_after}),
        );
    }
    json!({
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {},
        "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {}}},
        "actions": map,
        "outputs": {}
    })
}

/// A definition that exercises what the export gathers from actions:
/// managed identities, connections, app settings, ARM-looking literals,
/// parameters read by secret fields, odd action names, and keys after
/// `actions`.
fn rich_definition() -> Value {
    json!({
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {
            "user": {"type": "String", "defaultValue": "svc-user"},
            "pw": {"type": "SecureString"},
            "env": {"type": "String", "defaultValue": "[PROD]"},
            "$connections": {"type": "Object", "defaultValue": {"sql": {"connectionId": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Web/connections/sql", "id": "/subscriptions/s/providers/Microsoft.Web/locations/l/managedApis/sql"}}}
        },
        "actions": {
            "Call a/b~c \"é\"": {
                "type": "Http",
                "inputs": {
                    "method": "GET",
                    "uri": "https://example.com/@{appsetting('BASE')}",
                    "authentication": {"type": "ManagedServiceIdentity", "identity": "/subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id2", "audience": "api://x"}
                },
                "runAfter": {}
            },
            "Basic": {
                "type": "Http",
                "inputs": {"method": "GET", "uri": "https://example.com", "authentication": {"type": "Basic", "username": "@parameters('user')", "password": "@parameters('pw')"}},
                "runAfter": {"Call a/b~c \"é\"": ["Succeeded"]}
            },
            "Literal": {"type": "Compose", "inputs": ["[not an expression]", "[[x]", "@appsetting('OTHER')"], "runAfter": {}},
            "Scope": {
                "type": "Scope",
                "actions": {
                    "Inner": {"type": "ServiceProvider", "inputs": {"serviceProviderConfiguration": {"connectionName": "blob", "operationId": "read", "serviceProviderId": "/serviceProviders/AzureBlob"}}, "runAfter": {}},
                    "Api": {"type": "ApiConnection", "inputs": {"host": {"connection": {"name": "@parameters('$connections')['sql']['connectionId']"}}}, "runAfter": {"Inner": ["Succeeded"]}},
                    "Fn": {"type": "Function", "inputs": {"function": {"connectionName": "fnconn"}}, "runAfter": {}},
                    "Msi": {"type": "Http", "inputs": {"method": "GET", "uri": "https://x", "authentication": {"type": "ManagedServiceIdentity"}}, "runAfter": {}}
                },
                "runAfter": {"Literal": ["Succeeded"]}
            }
        },
        "triggers": {
            "When": {"type": "ServiceProvider", "inputs": {"serviceProviderConfiguration": {"connectionName": "queue", "operationId": "receive", "serviceProviderId": "/serviceProviders/serviceBus"}, "authentication": {"type": "ManagedServiceIdentity", "identity": "/subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1"}}}
        },
        "outputs": {"o": {"type": "String", "value": "@appsetting('OUT')"}}
    })
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    if let Some(d) = p.parent() {
        std::fs::create_dir_all(d).unwrap();
    }
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn lazy_export_of_generated_hostile_inputs_is_the_whole_export() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let heavy = object_heavy(4, 30);
    let rich = rich_definition();
    let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap();
    let compact = |v: &Value| serde_json::to_string(v).unwrap();
    let mut cases: Vec<PathBuf> = vec![
        write(d, "heavy-one-line.json", &compact(&heavy)),
        write(d, "heavy-pretty.json", &pretty(&heavy)),
        write(
            d,
            "heavy-crlf-tabs.json",
            &pretty(&heavy).replace("  ", "\t").replace('\n', "\r\n"),
        ),
        write(d, "rich.json", &pretty(&rich)),
        write(
            d,
            "rich-standard/workflow.json",
            &pretty(&json!({"definition": rich, "kind": "Stateless"})),
        ),
        write(
            d,
            "commented.json",
            "// a comment\n{\n  /* and another */ \"triggers\": {},\n  \"actions\": {\"A\": {\"type\": \"Compose\", \"inputs\": \"// not a comment\", \"runAfter\": {}}}\n}\n",
        ),
        write(d, "no-actions.json", r#"{"triggers": {}, "actions": {}}"#),
        write(d, "actions-last-empty-key.json", r#"{"actions": {"": {"type": "Compose", "inputs": 1}}, "triggers": {}}"#),
        write(d, "utf8-bom.json", "\u{feff}{\"actions\": {\"A\": {\"type\": \"Compose\", \"inputs\": \"é\"}}}"),
    ];
    // A Standard project whose parameters.json is put back into the
    // definition at import.
    let project = d.join("project-src");
    write(
        &project,
        "parameters.json",
        &pretty(
            &json!({"greeting": {"type": "String", "value": "hi"}, "key": {"type": "SecureString", "value": "@appsetting('key')"}}),
        ),
    );
    cases.push(write(
        &project,
        "orders/workflow.json",
        &pretty(&json!({"definition": object_heavy(2, 3), "kind": "Stateful"})),
    ));
    // Secrets in clear: in actions (nested too), in a trigger, in a
    // parameter read by a secret field of an action.
    let mut secret = rich_definition();
    secret["actions"]["Basic"]["inputs"]["authentication"]["password"] = json!("hunter2-literal");
    secret["actions"]["Scope"]["actions"]["Key"] = json!({"type": "Http", "inputs": {"method": "GET", "uri": "https://x?sig=abcdefabcdefabcdefabcdef0123456789", "headers": {"x-api-key": "0123456789abcdef0123456789abcdef"}}, "runAfter": {}});
    // A made-up token: {"alg":"HS256"}.{"sub":"1"}, signed "signaturesignature".
    secret["triggers"]["When"]["inputs"]["headers"] = json!({"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2lnbmF0dXJl"});
    cases.push(write(d, "secrets.json", &pretty(&secret)));
    let mut used = rich_definition();
    used["parameters"]["user"]["defaultValue"] = json!("literal-user");
    used["actions"]["Later"] = json!({"type": "Http", "inputs": {"method": "GET", "uri": "https://x", "authentication": {"type": "Basic", "username": "u", "password": "@parameters('user')"}}, "runAfter": {}});
    cases.push(write(d, "parameter-used-as-secret.json", &pretty(&used)));
    // Names that the export's walks look up: exported whole.
    for name in [
        "host",
        "authentication",
        "function",
        "serviceProviderConfiguration",
    ] {
        let mut v = rich_definition();
        v["actions"][name] = json!({"type": "ManagedServiceIdentity", "connection": {"name": "x"}, "connectionName": "n", "runAfter": {}});
        cases.push(write(d, &format!("named-{name}.json"), &pretty(&v)));
    }
    // Load errors: JSON, duplicates, shapes; inside actions and out.
    let bad = [
        ("truncated", r#"{"actions": {"A": {"type": "Compose", "inputs": [1, 2"#.to_owned()),
        ("trailing", r#"{"actions": {"A": {"type": "Compose"}}} x"#.to_owned()),
        ("bad-escape", r#"{"actions": {"A": {"type": "Compose", "inputs": "\q"}}}"#.to_owned()),
        ("lone-surrogate", r#"{"actions": {"A": {"type": "Compose", "inputs": "\ud800 x"}}}"#.to_owned()),
        ("lone-trailing-surrogate", r#"{"actions": {"A": {"type": "Compose", "inputs": "\udc00"}}}"#.to_owned()),
        ("control-char", "{\"actions\": {\"A\": {\"type\": \"Compose\", \"inputs\": \"a\u{1}b\"}}}".to_owned()),
        ("leading-zero", r#"{"actions": {"A": {"type": "Compose", "inputs": 01}}}"#.to_owned()),
        ("huge-number", r#"{"actions": {"A": {"type": "Compose", "inputs": 1e999999}}}"#.to_owned()),
        ("number-token-key", r#"{"actions": {"A": {"type": "Compose", "inputs": {"$serde_json::private::Number": "x"}}}}"#.to_owned()),
        ("number-token-key-ok", r#"{"actions": {"A": {"type": "Compose", "inputs": {"$serde_json::private::Number": "12"}}}}"#.to_owned()),
        ("deep", format!(r#"{{"actions": {{"A": {{"type": "Compose", "inputs": {}1{}}}}}}}"#, "[".repeat(200), "]".repeat(200))),
        ("deep-ok", format!(r#"{{"actions": {{"A": {{"type": "Compose", "inputs": {}1{}}}}}}}"#, "[".repeat(100), "]".repeat(100))),
        ("duplicate-in-action", r#"{"actions": {"A": {"type": "Compose", "inputs": {"k": 1, "k": 2}}}}"#.to_owned()),
        ("duplicate-action", r#"{"actions": {"A": {"type": "Compose"}, "A": {"type": "Compose"}}}"#.to_owned()),
        ("duplicate-many-keys", format!(r#"{{"actions": {{"A": {{"type": "Compose", "inputs": {{{}, "k5": 0}}}}}}}}"#, (0..40).map(|i| format!("\"k{i}\": {i}")).collect::<Vec<_>>().join(", "))),
        ("duplicate-escaped", r#"{"actions": {"A": {"type": "Compose", "inputs": {"k": 1, "\u006b": 2}}}}"#.to_owned()),
        ("run-after-array", r#"{"triggers": {}, "actions": {"A": {"type": "Compose", "runAfter": []}, "B": {"type": "If", "else": 5}}}"#.to_owned()),
        ("nested-shape", r#"{"actions": {"A": {"type": "Compose"}, "S": {"type": "Switch", "cases": {"c": {"actions": {"X": 3}}}}}}"#.to_owned()),
        ("action-not-object", r#"{"actions": {"A": 5}}"#.to_owned()),
        ("trigger-shape-before-action", r#"{"actions": {"A": 5}, "triggers": {"T": []}}"#.to_owned()),
        ("actions-array", r#"{"actions": [1]}"#.to_owned()),
        ("actions-arm-expression", r#"{"actions": "[variables('a')]", "triggers": {}}"#.to_owned()),
        ("definition-not-object", r#"{"definition": 5, "kind": "Stateful"}"#.to_owned()),
        ("not-a-workflow", r#"{"hello": {"actions": {}}}"#.to_owned()),
        ("root-array", "[1, 2]".to_owned()),
        ("empty", "".to_owned()),
        ("too-deep-scope", {
            let mut a = json!({"type": "Compose"});
            for _ in 0..70 {
                a = json!({"type": "Scope", "actions": {"S": a}});
            }
            compact(&json!({"actions": {"Top": a}}))
        }),
    ];
    for (name, text) in &bad {
        cases.push(write(d, &format!("bad-{name}.json"), text));
    }
    let mut lazily = 0;
    for f in &cases {
        lazily += compare(f);
    }
    assert!(lazily >= 4 * 12, "{lazily} lazy exports");
    // The project folder itself, and an export into an existing project
    // (files kept, merged, replaced: the same notes).
    compare(&project);
    let out = tempfile::tempdir().unwrap();
    let spec = ExportSpec::Standard(ex::StandardOptions::default());
    let target = out.path().join("project");
    let first = whole(&cases[4], &spec, out.path());
    assert_eq!(first.result, "ok");
    std::fs::write(target.join("host.json"), "{\"version\": \"2.0\"}\n").unwrap();
    let copy = tempfile::tempdir().unwrap();
    copy_dir(out.path(), copy.path());
    let again_whole = whole(&cases[4], &spec, out.path());
    let (again_lazy, was_lazy) = lazy(&cases[4], &spec, copy.path());
    assert!(was_lazy);
    assert!(
        again_whole
            .notes
            .iter()
            .any(|n| n.contains("replaced the existing")),
        "{:?}",
        again_whole.notes
    );
    assert_eq!(again_whole, again_lazy);
}

fn copy_dir(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        let q = to.join(e.file_name());
        if p.is_dir() {
            std::fs::create_dir_all(&q).unwrap();
            copy_dir(&p, &q);
        } else {
            std::fs::copy(&p, &q).unwrap();
        }
    }
}

#[test]
fn a_lazy_document_parses_each_action_on_demand() {
    let text = serde_json::to_string(&object_heavy(3, 2)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "w.json", &text);
    let lapis::workflow::lazy::Loaded::Lazy(lazy) =
        lapis::workflow::lazy::LazyDocument::load(&f).unwrap()
    else {
        panic!("a bare definition is held lazily");
    };
    let names: Vec<&str> = lazy.actions().iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Compose_0", "Compose_1", "Compose_2"]);
    assert_eq!(lazy.stub(), &json!({}));
    let whole: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(lazy.action(1).unwrap(), whole["actions"]["Compose_1"]);
    let doc = lazy.into_document().unwrap();
    assert_eq!(doc.root, whole);
}

/// `lapis export` (lazy) and `lapis export --fix` (whole; it fixes
/// nothing in a file with no secret) on the same input.
fn cli(args: &[&std::ffi::OsStr]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lapis"))
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
fn the_command_refuses_as_the_whole_export_did() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = d.join("out.json");
    // Load errors: the same message and exit code as the whole load.
    for (name, text) in [
        (
            "bad-json",
            r#"{"actions": {"A": {"type": "Compose", "inputs": "\ud800"}}}"#,
        ),
        (
            "bad-shape",
            r#"{"actions": {"A": {"type": "Compose", "runAfter": []}}}"#,
        ),
        (
            "duplicate",
            r#"{"actions": {"A": {"type": "Compose"}, "A": {}}}"#,
        ),
    ] {
        let f = write(d, &format!("{name}.json"), text);
        let run = |fix: bool| {
            let mut a: Vec<&std::ffi::OsStr> = vec![
                "export".as_ref(),
                f.as_os_str(),
                "--to".as_ref(),
                "arm".as_ref(),
                "-o".as_ref(),
                out.as_os_str(),
            ];
            if fix {
                a.push("--fix".as_ref());
            }
            cli(&a)
        };
        let lazy = run(false);
        assert_ne!(lazy.0, 0, "{name}: {lazy:?}");
        assert_eq!(lazy, run(true), "{name}");
        assert!(!out.exists());
    }
    // Secrets in actions: exit code 1, each finding, nothing written.
    let mut v = rich_definition();
    v["actions"]["Basic"]["inputs"]["authentication"]["password"] = json!("hunter2-literal");
    let f = write(d, "secret.json", &serde_json::to_string(&v).unwrap());
    let (code, stdout, stderr) = cli(&[
        "export".as_ref(),
        f.as_os_str(),
        "--to".as_ref(),
        "standard".as_ref(),
        "-o".as_ref(),
        d.join("project").as_os_str(),
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stdout, "");
    let doc = lapis::workflow::Document::load(&f).unwrap();
    let findings = ex::blocking_findings(&doc, 0, ex::Target::Standard);
    let mut expected: String = findings
        .iter()
        .map(|f| format!("error: {}\n", f.describe()))
        .collect();
    expected.push_str(&format!(
        "error: {} secret(s) in clear; nothing was written (move them to secure parameters, or rerun with --fix)\n",
        findings.len()
    ));
    assert_eq!(stderr, expected);
    assert!(!stderr.contains("hunter2"));
    assert!(!d.join("project").exists());
}
