//! Secure export: every corpus workflow exported to ARM and Standard and
//! read back gives the same definition; ARM outputs validate against
//! Azure's published Microsoft.Logic schema; a canary secret in any secret
//! field blocks the export until moved out, and then appears in no file;
//! the scanner's findings on the corpus.

mod common;

use lapis::export::{
    self, scan, ArmOptions, ExportError, ExportSpec, FindingKind, ImportOptions, KeyVaultRef, Role,
    RoleAssignment, StandardOptions, Target,
};
use lapis::workflow::{Container, Document};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const CANARY: &str = "canary-7f3e9a-secret";

// ---------------------------------------------------------------------------
// A small JSON-schema checker for the subset ARM's resource schemas use.
// ---------------------------------------------------------------------------

/// Checks values against a schema file: `type`, `enum`, `properties`,
/// `required`, `additionalProperties`, `items`, `oneOf`/`anyOf`/`allOf`,
/// `$ref` within the same file. Choices:
/// - a `$ref` to another file accepts anything, and is counted; except
///   ARM's common `…/definitions/expression`, whose content is known: a
///   string `[…]`;
/// - `oneOf` is read as `anyOf` (an expression string would otherwise
///   match two branches where a schema also allows strings);
/// - a whole-string ARM expression (`[…]`, not `[[…]`) is accepted where
///   any value is expected: ARM evaluates it before the resource provider
///   sees the value.
struct SchemaChecker<'a> {
    root: &'a Value,
    external_refs: std::cell::Cell<usize>,
}

impl<'a> SchemaChecker<'a> {
    fn check(&self, schema: &Value, v: &Value, at: &str, errs: &mut Vec<String>) {
        if let Value::String(s) = v {
            if s.starts_with('[') && !s.starts_with("[[") && s.ends_with(']') {
                return;
            }
        }
        let Some(obj) = schema.as_object() else {
            return;
        };
        if let Some(Value::String(r)) = obj.get("$ref") {
            match r.strip_prefix('#') {
                Some(local) => match self.root.pointer(local) {
                    Some(target) => self.check(target, v, at, errs),
                    None => errs.push(format!("{at}: unresolvable $ref {r}")),
                },
                // ARM's common `expression` definition is a string of the
                // form `[…]`; those were accepted above, so anything else
                // fails it. Other files' definitions are not read: they
                // accept anything.
                None if r.ends_with("/definitions/expression") => {
                    errs.push(format!("{at}: not an ARM expression"));
                }
                None => self.external_refs.set(self.external_refs.get() + 1),
            }
            return;
        }
        if let Some(t) = obj.get("type") {
            let types: Vec<&str> = match t {
                Value::String(s) => vec![s.as_str()],
                Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                _ => vec![],
            };
            if !types.is_empty() && !types.iter().any(|t| type_matches(t, v)) {
                errs.push(format!("{at}: expected {types:?}, found {}", kind(v)));
                return;
            }
        }
        if let Some(Value::Array(allowed)) = obj.get("enum") {
            if !allowed.contains(v) {
                errs.push(format!("{at}: {v} is not one of {allowed:?}"));
            }
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(branches)) = obj.get(key) {
                let ok = branches.iter().any(|b| {
                    let mut e = Vec::new();
                    self.check(b, v, at, &mut e);
                    e.is_empty()
                });
                if !ok {
                    let mut first = Vec::new();
                    if let Some(b) = branches.first() {
                        self.check(b, v, at, &mut first);
                    }
                    errs.push(format!(
                        "{at}: matches no branch of {key} ({})",
                        first.join("; ")
                    ));
                }
            }
        }
        if let Some(Value::Array(all)) = obj.get("allOf") {
            for b in all {
                self.check(b, v, at, errs);
            }
        }
        if let Value::Object(o) = v {
            if let Some(Value::Array(req)) = obj.get("required") {
                for r in req.iter().filter_map(Value::as_str) {
                    if !o.contains_key(r) {
                        errs.push(format!("{at}: missing required `{r}`"));
                    }
                }
            }
            let props = obj.get("properties").and_then(Value::as_object);
            for (k, x) in o {
                let p = format!("{at}/{k}");
                match props.and_then(|m| m.get(k)) {
                    Some(s) => self.check(s, x, &p, errs),
                    None => match obj.get("additionalProperties") {
                        Some(Value::Bool(false)) => errs.push(format!("{p}: not allowed")),
                        Some(s @ Value::Object(_)) => self.check(s, x, &p, errs),
                        _ => {}
                    },
                }
            }
        }
        if let (Value::Array(a), Some(items)) = (v, obj.get("items")) {
            for (i, x) in a.iter().enumerate() {
                self.check(items, x, &format!("{at}/{i}"), errs);
            }
        }
    }
}

fn type_matches(t: &str, v: &Value) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "integer" => v.as_i64().is_some() || v.as_u64().is_some(),
        "number" => v.is_number(),
        "null" => v.is_null(),
        _ => true,
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The published Microsoft.Logic 2019-05-01 schema, from the shared corpus.
fn logic_schema() -> Option<Value> {
    let dir = common::corpus_dir()?;
    let p = dir.join(
        "schema/Azure__azure-resource-manager-schemas__schemas__2019-05-01__Microsoft.Logic.json",
    );
    let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    Some(serde_json::from_slice(&bytes).expect("the schema is JSON"))
}

/// Problems of every `Microsoft.Logic/workflows` resource of a template.
fn schema_problems(schema: &Value, template: &Value) -> (Vec<String>, usize) {
    let checker = SchemaChecker {
        root: schema,
        external_refs: std::cell::Cell::new(0),
    };
    let wf_schema = &schema["resourceDefinitions"]["workflows"];
    let mut errs = Vec::new();
    for (i, r) in template["resources"].as_array().unwrap().iter().enumerate() {
        if r["type"] == "Microsoft.Logic/workflows" {
            checker.check(wf_schema, r, &format!("/resources/{i}"), &mut errs);
        }
    }
    (errs, checker.external_refs.get())
}

#[test]
fn the_schema_checker_rejects_what_azure_would() {
    let Some(schema) = logic_schema() else {
        return;
    };
    let good = json!({"resources": [{
        "type": "Microsoft.Logic/workflows",
        "apiVersion": "2019-05-01",
        "name": "w",
        "location": "westeurope",
        "tags": {"env": "test"},
        "properties": {
            "state": "Enabled",
            "definition": {},
            "parameters": {"p": {"value": {"a": 1}}},
            "accessControl": {"triggers": {"allowedCallerIpAddresses": [{"addressRange": "10.0.0.0/24"}]}}
        }
    }]});
    assert_eq!(schema_problems(&schema, &good).0, Vec::<String>::new());
    for (edit, what) in [
        (json!({"apiVersion": "2016-06-01"}), "apiVersion"),
        (
            json!({"properties": {"state": "Sleeping", "definition": {}}}),
            "state",
        ),
        (json!({"tags": {"n": 5}}), "tags"),
        (json!({"properties": {"definition": "x"}}), "definition"),
        (
            json!({"properties": {"definition": {}, "accessControl": {"triggers": {"allowedCallerIpAddresses": {"addressRange": "x"}}}}}),
            "allowedCallerIpAddresses",
        ),
    ] {
        let mut bad = good.clone();
        for (k, v) in edit.as_object().unwrap() {
            bad["resources"][0][k] = v.clone();
        }
        let errs = schema_problems(&schema, &bad).0;
        assert!(
            errs.iter().any(|e| e.contains(what)),
            "{what} was not caught: {errs:?}"
        );
    }
    let mut no_name = good.clone();
    no_name["resources"][0]
        .as_object_mut()
        .unwrap()
        .remove("name");
    assert!(schema_problems(&schema, &no_name).0[0].contains("name"));
}

// ---------------------------------------------------------------------------
// Corpus round trip
// ---------------------------------------------------------------------------

/// The definition of workflow `i` as the export sees it (ARM escaping
/// removed).
fn source_definition(doc: &Document, i: usize) -> Value {
    let mut d = Value::Object(doc.definition(i).clone());
    if matches!(doc.container, Container::Arm | Container::Resource) {
        lapis::workflow::arm_escape(&mut d, false);
    }
    d
}

/// The first place where two values differ, for short failure messages.
fn first_difference(a: &Value, b: &Value, at: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                match y.get(k) {
                    None => return Some(format!("{at}/{k}: only on the left")),
                    Some(w) => {
                        if let Some(d) = first_difference(v, w, &format!("{at}/{k}")) {
                            return Some(d);
                        }
                    }
                }
            }
            y.keys()
                .find(|k| !x.contains_key(*k))
                .map(|k| format!("{at}/{k}: only on the right"))
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (v, w))| first_difference(v, w, &format!("{at}/{i}"))),
        _ if a == b => None,
        _ => Some(format!("{at}: {a} vs {b}")),
    }
}

#[track_caller]
fn assert_same(got: &Value, want: &Value, what: &str) {
    if let Some(d) = first_difference(got, want, "") {
        panic!("{what}: differs at {d}");
    }
}

/// Every byte of every file under `dir`.
fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_corpus_workflow_round_trips_through_arm_and_standard() {
    let files = common::corpus_files();
    if files.is_empty() {
        return;
    }
    let schema = logic_schema().expect("the schema is part of the corpus");
    let tmp = tempfile::tempdir().unwrap();
    let (mut workflows, mut fixed_first, mut exact_std, mut external) = (0, 0, 0, 0);
    for (n, path) in files.iter().enumerate() {
        let name = common::file_name(path);
        let original = Document::load(path).unwrap();
        for i in 0..original.workflows.len() {
            workflows += 1;
            let mut doc = original.clone();
            // Workflows with secrets in clear are refused; they go through
            // after the one-action fix.
            if !export::blocking_findings(&doc, i, Target::Arm).is_empty() {
                fixed_first += 1;
                scan::fix_all(&mut doc, i, Target::Arm).unwrap();
                scan::fix_all(&mut doc, i, Target::Standard).unwrap();
            }
            let want = export::strip_secure_defaults(&source_definition(&doc, i));

            // ARM
            let out = tmp.path().join(format!("arm-{n}-{i}"));
            let e = export::export(&doc, i, &ExportSpec::Arm(ArmOptions::default()))
                .unwrap_or_else(|e| panic!("{name} #{i}: {e}"));
            export::write(&e, &out).unwrap();
            let template: Value =
                serde_json::from_slice(&std::fs::read(out.join("azuredeploy.json")).unwrap())
                    .unwrap();
            let (errs, ext) = schema_problems(&schema, &template);
            external += ext;
            assert!(errs.is_empty(), "{name} #{i}: schema: {errs:?}");
            let back = export::import(&out.join("azuredeploy.json"), &ImportOptions::default())
                .unwrap_or_else(|e| panic!("{name} #{i}: {e}"));
            assert!(
                back.parameters_file.is_some(),
                "{name}: parameters file read"
            );
            assert_same(
                &back.definition,
                &want,
                &format!("{name} #{i}: ARM round trip"),
            );

            // Standard
            let out = tmp.path().join(format!("std-{n}-{i}"));
            let e = export::export(&doc, i, &ExportSpec::Standard(StandardOptions::default()))
                .unwrap_or_else(|e| panic!("{name} #{i}: {e}"));
            export::write(&e, &out).unwrap();
            let back = export::import(&out, &ImportOptions::default())
                .unwrap_or_else(|e| panic!("{name} #{i}: {e}"));
            assert_same(
                &export::strip_secure_defaults(&back.definition),
                &want,
                &format!("{name} #{i}: Standard round trip"),
            );
            if back.definition == source_definition(&doc, i) {
                exact_std += 1;
            }

            // Definition
            let out = tmp.path().join(format!("def-{n}-{i}.json"));
            let e = export::export(&doc, i, &ExportSpec::Definition).unwrap();
            export::write(&e, &out).unwrap();
            let back = export::import(&out, &ImportOptions::default()).unwrap();
            assert_same(
                &export::strip_secure_defaults(&back.definition),
                &want,
                &format!("{name} #{i}: definition round trip"),
            );
        }
    }
    println!(
        "export round trip: {} files, {workflows} workflows through ARM, Standard and definition; \
         {fixed_first} needed the secret fix first; {exact_std} came back from Standard as the same \
         JSON value (the rest differ only by secure defaults); every ARM workflow resource matches the \
         2019-05-01 schema ({external} references to other schema files accepted as anything)",
        files.len()
    );
}

/// The corpus findings, all looked at: a test workflow with a dummy
/// certificate and password written in clear. Nothing else is flagged
/// (ARM and WDL expressions, GUIDs, OData `$select` lists, names, URLs).
const EXPECTED_CORPUS_FINDINGS: &[(&str, &str)] = &[
    (
        "ScoreUnder__IllogicApps__TestWorkflows__Stateful1__workflow.json",
        "/definition/actions/Switch/default/actions/HTTP-copy_4/inputs/authentication/password",
    ),
    (
        "ScoreUnder__IllogicApps__TestWorkflows__Stateful1__workflow.json",
        "/definition/actions/Switch/default/actions/HTTP-copy_4/inputs/authentication/pfx",
    ),
];

#[test]
fn the_scanner_on_the_corpus() {
    let files = common::corpus_files();
    if files.is_empty() {
        return;
    }
    let mut found = Vec::new();
    for path in &files {
        let doc = Document::load(path).unwrap();
        for f in scan::scan_document(&doc) {
            println!(
                "{}: {:?}: {}",
                common::file_name(path),
                f.kind,
                f.describe()
            );
            found.push((common::file_name(path), f.pointer));
        }
    }
    let expected: Vec<(String, String)> = EXPECTED_CORPUS_FINDINGS
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(found, expected);
    println!(
        "corpus scan: {} files, {} finding(s)",
        files.len(),
        found.len()
    );
}

// ---------------------------------------------------------------------------
// Canary
// ---------------------------------------------------------------------------

fn http(auth: Value) -> Value {
    json!({"type": "Http", "inputs": {"method": "GET", "uri": "https://api.contoso.com/x", "authentication": auth}, "runAfter": {}})
}

/// A definition with the canary in every kind of secret field; and the
/// pointers where it must be found.
fn canary_definition() -> (Value, Vec<&'static str>) {
    let jwt = format!("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjYW5hcnkifQ.{CANARY}");
    let def = json!({
        "$schema": lapis::workflow::DEFINITION_SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": {
            "apiSecret": {"type": "SecureString", "defaultValue": CANARY},
            "plain": {"type": "String", "defaultValue": "hello"}
        },
        "triggers": {
            "Poll": {"type": "Http", "recurrence": {"frequency": "Minute", "interval": 5},
                "inputs": {"method": "GET", "uri": "https://api.contoso.com/poll",
                    "authentication": {"type": "Basic", "username": "u", "password": CANARY}}}
        },
        "actions": {
            "Basic": http(json!({"type": "Basic", "username": "u", "password": CANARY})),
            "Cert": http(json!({"type": "ClientCertificate", "pfx": CANARY, "password": CANARY})),
            "Aad_secret": http(json!({"type": "ActiveDirectoryOAuth", "tenant": "t", "audience": "a", "clientId": "c", "secret": CANARY})),
            "Aad_cert": http(json!({"type": "ActiveDirectoryOAuth", "tenant": "t", "audience": "a", "clientId": "c", "credentialType": "Certificate", "pfx": CANARY, "password": CANARY})),
            "Raw": http(json!({"type": "Raw", "value": CANARY})),
            "Scope": {"type": "Scope", "runAfter": {}, "actions": {
                "If": {"type": "If", "expression": true, "runAfter": {}, "actions": {
                    "Nested": http(json!({"type": "ActiveDirectoryOAuth", "tenant": "t", "audience": "a", "clientId": "c", "secret": CANARY}))
                }, "else": {"actions": {}}}
            }},
            "Headers": {"type": "Http", "runAfter": {}, "inputs": {
                "method": "GET", "uri": "https://api.contoso.com/h",
                "headers": {
                    "Authorization": format!("Bearer {CANARY}"),
                    "x-api-key": CANARY,
                    "Ocp-Apim-Subscription-Key": CANARY,
                    "PRIVATE-TOKEN": CANARY,
                    "X-Trace": format!("Q9{CANARY}Z7")
                },
                "cookie": format!("session={CANARY}")
            }},
            "Lower_auth": {"type": "Http", "runAfter": {}, "inputs": {
                "method": "GET", "uri": "https://api.contoso.com/h",
                "headers": {"authorization": CANARY}
            }},
            "Query": {"type": "Http", "runAfter": {}, "inputs": {
                "method": "GET",
                "uri": format!("https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sp=r&sig={CANARY}%3D"),
                "queries": {"code": CANARY}
            }},
            "Conn": {"type": "Compose", "runAfter": {},
                "inputs": {"cs": format!("DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={CANARY};EndpointSuffix=core.windows.net"),
                           "note": format!("token: {jwt} (do not share)")}}
        },
        "outputs": {}
    });
    let pointers = vec![
        "/parameters/apiSecret/defaultValue",
        "/triggers/Poll/inputs/authentication/password",
        "/actions/Basic/inputs/authentication/password",
        "/actions/Cert/inputs/authentication/pfx",
        "/actions/Cert/inputs/authentication/password",
        "/actions/Aad_secret/inputs/authentication/secret",
        "/actions/Aad_cert/inputs/authentication/pfx",
        "/actions/Aad_cert/inputs/authentication/password",
        "/actions/Raw/inputs/authentication/value",
        "/actions/Scope/actions/If/actions/Nested/inputs/authentication/secret",
        "/actions/Headers/inputs/headers/Authorization",
        "/actions/Headers/inputs/headers/x-api-key",
        "/actions/Headers/inputs/headers/Ocp-Apim-Subscription-Key",
        "/actions/Headers/inputs/headers/PRIVATE-TOKEN",
        "/actions/Headers/inputs/headers/X-Trace",
        "/actions/Headers/inputs/cookie",
        "/actions/Lower_auth/inputs/headers/authorization",
        "/actions/Query/inputs/uri",
        "/actions/Query/inputs/queries/code",
        "/actions/Conn/inputs/cs",
        "/actions/Conn/inputs/note",
    ];
    (def, pointers)
}

/// An ARM template that hands the canary to a secure parameter in
/// `properties.parameters`.
fn canary_template() -> Value {
    json!({
        "$schema": lapis::workflow::ARM_SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": {"workflowName": {"type": "string", "defaultValue": "canary-wf"}},
        "resources": [{
            "type": "Microsoft.Logic/workflows",
            "apiVersion": "2019-05-01",
            "name": "[parameters('workflowName')]",
            "location": "westeurope",
            "properties": {
                "definition": {
                    "$schema": lapis::workflow::DEFINITION_SCHEMA,
                    "contentVersion": "1.0.0.0",
                    "parameters": {"apiKey": {"type": "SecureString"}},
                    "triggers": {"manual": {"type": "Request", "kind": "Http"}},
                    "actions": {"Call": {"type": "Http", "runAfter": {}, "inputs": {
                        "method": "GET", "uri": "https://api.contoso.com",
                        "headers": {"x-api-key": "@parameters('apiKey')"}}}}
                },
                "parameters": {"apiKey": {"value": CANARY}}
            }
        }]
    })
}

fn assert_no_canary_in(text: &str, what: &str) {
    assert!(!text.contains(CANARY), "{what} holds the secret: {text}");
}

#[test]
fn a_canary_secret_blocks_every_export_until_moved_out() {
    let (def, pointers) = canary_definition();
    let mut doc = Document::from_value(def).unwrap();
    let specs = [
        ExportSpec::Definition,
        ExportSpec::Arm(ArmOptions::default()),
        ExportSpec::Standard(StandardOptions::default()),
    ];
    for spec in &specs {
        let Err(ExportError::Secrets(findings)) = export::export(&doc, 0, spec) else {
            panic!("{:?}: the export was not refused", spec.target());
        };
        for p in &pointers {
            assert!(
                findings.iter().any(|f| f.pointer == *p),
                "{p} not found; found {:?}",
                findings.iter().map(|f| &f.pointer).collect::<Vec<_>>()
            );
        }
        for f in &findings {
            assert_no_canary_in(&f.describe(), "a finding");
            assert_no_canary_in(&format!("{f:?}"), "a finding's Debug");
            assert!(
                f.field.contains(f.action.as_deref().unwrap_or("")),
                "{}",
                f.field
            );
        }
        let e = ExportError::Secrets(findings);
        assert_no_canary_in(&e.to_string(), "the error");
    }
    // The messages name the field.
    let findings = scan::scan_document(&doc);
    let aad = findings
        .iter()
        .find(|f| f.pointer == "/actions/Aad_secret/inputs/authentication/secret")
        .unwrap();
    assert_eq!(aad.field, "Client secret of Aad_secret");
    assert_eq!(
        aad.describe(),
        "Aad_secret: client secret is a literal value (/actions/Aad_secret/inputs/authentication/secret); move it to a secure parameter"
    );
    assert_eq!(aad.kind, FindingKind::AuthenticationSecret);

    // The one-action fix, for every finding.
    let fixed = scan::fix_all(&mut doc, 0, Target::Arm).unwrap();
    assert!(fixed.len() >= pointers.len(), "{}", fixed.len());
    assert!(scan::scan_document(&doc).is_empty());
    let d = doc.definition(0);
    assert_eq!(
        d["actions"]["Aad_secret"]["inputs"]["authentication"]["secret"],
        "@parameters('Aad_secret_clientSecret')"
    );
    assert_eq!(
        d["parameters"]["Aad_secret_clientSecret"],
        json!({"type": "SecureString"})
    );
    // A secret inside a URL: only the signature is replaced.
    let uri = d["actions"]["Query"]["inputs"]["uri"].as_str().unwrap();
    assert!(
        uri.starts_with(
            "https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sp=r&sig=@{parameters('"
        ),
        "{uri}"
    );
    // `Bearer xxx`: the whole header value.
    assert_eq!(
        d["actions"]["Headers"]["inputs"]["headers"]["Authorization"],
        "@parameters('Headers_Authorization')"
    );
    assert!(d["parameters"]["apiSecret"].get("defaultValue").is_none());

    let tmp = tempfile::tempdir().unwrap();
    let opts = ArmOptions {
        key_vault: Some(KeyVaultRef {
            vault_id:
                "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"
                    .into(),
        }),
        lock: true,
        role_assignments: vec![RoleAssignment {
            role: Role::Operator,
            principal_id: "11111111-2222-3333-4444-555555555555".into(),
        }],
        ..ArmOptions::default()
    };
    let specs = [
        ExportSpec::Definition,
        ExportSpec::Arm(opts),
        ExportSpec::Standard(StandardOptions::default()),
    ];
    let mut count = 0;
    for (k, spec) in specs.iter().enumerate() {
        let e = export::export(&doc, 0, spec).unwrap();
        let out = tmp.path().join(format!("out{k}"));
        let out = if k == 0 { out.join("def.json") } else { out };
        export::write(&e, &out).unwrap();
        for w in &e.warnings {
            assert_no_canary_in(w, "a warning");
        }
    }
    for f in all_files(tmp.path()) {
        count += 1;
        let bytes = std::fs::read(&f).unwrap();
        assert!(
            !bytes.windows(CANARY.len()).any(|w| w == CANARY.as_bytes()),
            "{} holds the canary",
            f.display()
        );
    }
    assert!(count >= 7, "{count} files");

    // The ARM template's secure parameter value.
    let mut arm = Document::from_value(canary_template()).unwrap();
    let Err(ExportError::Secrets(f)) =
        export::export(&arm, 0, &ExportSpec::Arm(ArmOptions::default()))
    else {
        panic!("not refused");
    };
    assert_eq!(f.len(), 1);
    assert_eq!(
        f[0].pointer,
        "/resources/0/properties/parameters/apiKey/value"
    );
    assert_eq!(f[0].kind, FindingKind::ResourceParameterValue);
    scan::fix_all(&mut arm, 0, Target::Arm).unwrap();
    assert_eq!(
        arm.root["resources"][0]["properties"]["parameters"]["apiKey"]["value"],
        "[parameters('apiKey')]"
    );
    assert_eq!(arm.root["parameters"]["apiKey"]["type"], "securestring");
    let e = export::export(&arm, 0, &ExportSpec::Arm(ArmOptions::default())).unwrap();
    let out = tmp.path().join("from-arm");
    export::write(&e, &out).unwrap();
    for f in all_files(&out) {
        assert_no_canary_in(
            &std::fs::read_to_string(&f).unwrap(),
            &f.display().to_string(),
        );
    }
    let params: Value =
        serde_json::from_slice(&std::fs::read(out.join("azuredeploy.parameters.json")).unwrap())
            .unwrap();
    assert!(
        params["parameters"]["apiKey"]["reference"]["keyVault"]["id"].is_string(),
        "{params}"
    );
    assert!(
        e.warnings.iter().any(|w| w.contains("placeholder vault")),
        "{:?}",
        e.warnings
    );
    println!(
        "canary: {} secret fields found, fixed, and {count} written files are clean",
        pointers.len()
    );
}

#[test]
fn expressions_and_parameters_are_never_flagged() {
    let def = json!({
        "parameters": {
            "s": {"type": "SecureString", "defaultValue": "@appsetting('S')"},
            "e": {"type": "SecureString", "defaultValue": ""},
            "o": {"type": "SecureObject"}
        },
        "triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": {
            "A": {"type": "Http", "runAfter": {}, "inputs": {
                "method": "GET",
                "uri": "https://x.contoso.com/a?sig=@{parameters('sig')}&code=@{parameters('code')}",
                "headers": {
                    "Authorization": "Bearer @{body('Token')?['access_token']}",
                    "x-api-key": "@parameters('key')",
                    "Ocp-Apim-Subscription-Key": "[parameters('apimKey')]",
                    "Content-Type": "application/json",
                    "x-ms-client-request-id": "00000000-0000-0000-0000-000000000000"
                },
                "queries": {"api-version": "2016-06-01", "code": "@parameters('c')", "$select": "SalesOrder,Amount,Currency2025"},
                "authentication": {"type": "ActiveDirectoryOAuth", "tenant": "t", "audience": "a",
                    "clientId": "c", "secret": "@parameters('secret')"}
            }},
            "B": {"type": "Http", "runAfter": {}, "inputs": {"method": "GET", "uri": "https://x",
                "authentication": {"type": "Raw", "value": "@{concat('Bearer ', parameters('t'))}"}}},
            "C": {"type": "Http", "runAfter": {}, "inputs": {"method": "GET", "uri": "https://x",
                "authentication": {"type": "Basic", "username": "u", "password": "[parameters('pw')]"}}},
            "D": {"type": "Http", "runAfter": {}, "inputs": {"method": "GET", "uri": "https://x",
                "authentication": {"type": "ManagedServiceIdentity", "audience": "https://vault.azure.net"}}},
            "E": {"type": "Compose", "runAfter": {}, "inputs": "Server=db;Database=orders;Password=<password>"},
            "F": {"type": "Compose", "runAfter": {}, "inputs": "UseDevelopmentStorage=true"},
            "G": {"type": "Compose", "runAfter": {}, "inputs": "@{parameters('cs')};AccountKey=@{parameters('k')}"}
        }
    });
    let found = scan::scan(&def);
    assert!(found.is_empty(), "{:#?}", found);
}

#[test]
fn arm_export_has_the_requested_resources() {
    let (mut def, _) = canary_definition();
    let mut d = Document::from_value(def.take()).unwrap();
    scan::fix_all(&mut d, 0, Target::Arm).unwrap();
    let opts = ArmOptions {
        location: Some("westeurope".into()),
        state: Some("disabled".into()),
        tags: [("env".to_owned(), json!("prod"))].into_iter().collect(),
        lock: true,
        role_assignments: vec![
            RoleAssignment {
                role: Role::Contributor,
                principal_id: "aaaaaaaa-0000-0000-0000-000000000001".into(),
            },
            RoleAssignment {
                role: Role::Operator,
                principal_id: "aaaaaaaa-0000-0000-0000-000000000002".into(),
            },
        ],
        key_vault: None,
        workflow_name: Some("orders".into()),
        access_control: Some(
            json!({"triggers": {"allowedCallerIpAddresses": [{"addressRange": "10.0.0.0/24"}]}}),
        ),
    };
    let e = export::export(&d, 0, &ExportSpec::Arm(opts)).unwrap();
    let t = &e.files[0].value;
    let r = &t["resources"];
    assert_eq!(r[0]["properties"]["state"], "Disabled");
    assert_eq!(r[0]["tags"]["env"], "prod");
    assert_eq!(t["parameters"]["location"]["defaultValue"], "westeurope");
    assert_eq!(t["parameters"]["logicAppName"]["defaultValue"], "orders");
    assert_eq!(
        r[0]["properties"]["accessControl"]["triggers"]["allowedCallerIpAddresses"][0]
            ["addressRange"],
        "10.0.0.0/24"
    );
    assert_eq!(r[1]["type"], "Microsoft.Authorization/locks");
    assert_eq!(r[1]["apiVersion"], "2020-05-01");
    assert_eq!(r[1]["properties"]["level"], "CanNotDelete");
    assert_eq!(r[2]["type"], "Microsoft.Authorization/roleAssignments");
    assert_eq!(r[2]["apiVersion"], "2022-04-01");
    assert!(r[2]["name"].as_str().unwrap().starts_with("[guid("));
    assert_eq!(
        r[2]["properties"]["roleDefinitionId"],
        "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '87a39d53-fc1b-424a-814c-f7e04687dc9e')]"
    );
    assert!(r[3]["properties"]["roleDefinitionId"]
        .as_str()
        .unwrap()
        .contains("515c2055-d9d4-4321-b1b9-bd0c9a0f79fe"));
    // Every workflow parameter is a template parameter, wired through.
    assert_eq!(t["parameters"]["plain"]["type"], "string");
    assert_eq!(t["parameters"]["plain"]["defaultValue"], "hello");
    assert_eq!(t["parameters"]["apiSecret"]["type"], "securestring");
    assert!(t["parameters"]["apiSecret"].get("defaultValue").is_none());
    assert_eq!(
        r[0]["properties"]["parameters"]["apiSecret"]["value"],
        "[parameters('apiSecret')]"
    );
    let p = &e.files[1].value;
    assert_eq!(
        p["$schema"],
        "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"
    );
    assert_eq!(p["parameters"]["plain"]["value"], "hello");
    assert_eq!(
        p["parameters"]["apiSecret"]["reference"]["keyVault"]["id"],
        "/subscriptions/<subscription-id>/resourceGroups/<resource-group>/providers/Microsoft.KeyVault/vaults/<vault-name>"
    );
    assert_eq!(
        p["parameters"]["apiSecret"]["reference"]["secretName"],
        "apiSecret"
    );
    assert!(e.warnings.iter().any(|w| w.contains("Key Vault")));
    if let Some(schema) = logic_schema() {
        assert_eq!(schema_problems(&schema, t).0, Vec::<String>::new());
    }
    // A bad option is refused.
    let bad = ArmOptions {
        state: Some("Sleeping".into()),
        ..ArmOptions::default()
    };
    assert!(matches!(
        export::export(&d, 0, &ExportSpec::Arm(bad)),
        Err(ExportError::Invalid(_))
    ));
    let bad = ArmOptions {
        key_vault: Some(KeyVaultRef {
            vault_id: "kv".into(),
        }),
        ..ArmOptions::default()
    };
    assert!(matches!(
        export::export(&d, 0, &ExportSpec::Arm(bad)),
        Err(ExportError::Invalid(_))
    ));
}

#[test]
fn standard_export_writes_a_project_without_values() {
    let def = json!({
        "parameters": {
            "apiKey": {"type": "SecureString"},
            "region": {"type": "String", "defaultValue": "eu"}
        },
        "triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": {
            "Send": {"type": "ServiceProvider", "runAfter": {}, "inputs": {
                "parameters": {"entityName": "q"},
                "serviceProviderConfiguration": {"connectionName": "serviceBus", "operationId": "sendMessage", "serviceProviderId": "/serviceProviders/serviceBus"}}},
            "Mail": {"type": "ApiConnection", "runAfter": {}, "inputs": {
                "host": {"connection": {"referenceName": "office365"}}, "method": "post", "path": "/v2/Mail"}},
            "Call": {"type": "Http", "runAfter": {}, "inputs": {"method": "GET", "uri": "https://x",
                "headers": {"x-api-key": "@parameters('apiKey')", "x-env": "@appsetting('ENVIRONMENT')"}}}
        }
    });
    let doc = Document::from_value(def.clone()).unwrap();
    let e = export::export(
        &doc,
        0,
        &ExportSpec::Standard(StandardOptions {
            kind: Some(lapis::export::Kind::Stateless),
            workflow_name: Some("orders".into()),
        }),
    )
    .unwrap();
    let names: Vec<String> = e
        .files
        .iter()
        .map(|f| f.path.to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "orders/workflow.json",
            "parameters.json",
            "connections.json",
            "local.settings.json",
            "host.json"
        ]
    );
    let wf = &e.files[0].value;
    assert_eq!(wf["kind"], "Stateless");
    assert!(wf["definition"].get("parameters").is_none());
    let params = &e.files[1].value;
    assert_eq!(
        params["apiKey"],
        json!({"type": "SecureString", "value": "@appsetting('apiKey')"})
    );
    assert_eq!(params["region"], json!({"type": "String", "value": "eu"}));
    let conns = &e.files[2].value;
    assert!(conns["serviceProviderConnections"]["serviceBus"].is_object());
    assert!(
        conns["managedApiConnections"]["office365"]["connectionRuntimeUrl"]
            .as_str()
            .unwrap()
            .starts_with("@appsetting(")
    );
    let settings = &e.files[3].value["Values"];
    assert_eq!(settings["APP_KIND"], "workflowApp");
    assert_eq!(settings["apiKey"], "<set-me>");
    assert_eq!(settings["ENVIRONMENT"], "<set-me>");
    let tmp = tempfile::tempdir().unwrap();
    export::write(&e, tmp.path()).unwrap();
    let back = export::import(&tmp.path().join("orders"), &ImportOptions::default()).unwrap();
    assert_eq!(back.definition, def);
    assert_eq!(back.parameter_values["region"], "eu");
}

// ---------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------

fn lapis(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_lapis"))
        .args(args)
        .output()
        .expect("the lapis binary runs")
}

#[test]
fn cli_refuses_secrets_and_fixes_them_on_request() {
    let tmp = tempfile::tempdir().unwrap();
    let def = json!({
        "triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": {"Call_API": http(json!({"type": "ActiveDirectoryOAuth", "tenant": "t", "audience": "a", "clientId": "c", "secret": CANARY}))}
    });
    let src = tmp.path().join("wf.json");
    let text = serde_json::to_string_pretty(&def).unwrap();
    std::fs::write(&src, &text).unwrap();
    let out = tmp.path().join("out.json");
    let s = |p: &Path| p.to_str().unwrap().to_owned();
    let r = lapis(&["export", &s(&src), "--to", "arm", "-o", &s(&out)]);
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(1), "{stderr}");
    assert!(stderr.lines().next().unwrap().eq(
        "error: Call_API: client secret is a literal value (/actions/Call_API/inputs/authentication/secret); move it to a secure parameter"
    ), "{stderr}");
    assert_no_canary_in(&stderr, "stderr");
    assert!(!out.exists());
    assert!(!tmp.path().join("out.parameters.json").exists());

    let r = lapis(&[
        "export",
        &s(&src),
        "--to",
        "arm",
        "-o",
        &s(&out),
        "--fix",
        "--lock",
        "--operator",
        "11111111-2222-3333-4444-555555555555",
    ]);
    let stdout = String::from_utf8_lossy(&r.stdout);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&r.stderr)
    );
    assert!(
        stdout.contains("fixed: Client secret of Call_API"),
        "{stdout}"
    );
    assert!(stdout.contains("Call_API_clientSecret"), "{stdout}");
    assert_no_canary_in(&stdout, "stdout");
    assert_eq!(
        std::fs::read_to_string(&src).unwrap(),
        text,
        "the source was changed"
    );
    for f in [out.clone(), tmp.path().join("out.parameters.json")] {
        assert_no_canary_in(
            &std::fs::read_to_string(&f).unwrap(),
            &f.display().to_string(),
        );
    }
    let t: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(t["resources"].as_array().unwrap().len(), 3);

    // Standard: -o is a folder.
    let proj = tmp.path().join("proj");
    let r = lapis(&[
        "export",
        &s(&src),
        "--to",
        "standard",
        "-o",
        &s(&proj),
        "--fix",
        "--kind",
        "stateless",
    ]);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    assert!(proj.join("wf/workflow.json").is_file());
    assert!(proj.join("local.settings.json").is_file());
    // ARM-only options are refused for other targets.
    let r = lapis(&[
        "export",
        &s(&src),
        "--to",
        "definition",
        "-o",
        &s(&out),
        "--lock",
    ]);
    assert_eq!(r.status.code(), Some(2));
}

// ---------------------------------------------------------------------------
// Review of the secure export (issue 6)
// ---------------------------------------------------------------------------

/// The pointers of a list of findings.
fn pointers_of(findings: &[lapis::export::Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.pointer.as_str()).collect()
}

/// A finding at `pointer`, or a panic that lists what was found.
#[track_caller]
fn finding_at<'a>(
    findings: &'a [lapis::export::Finding],
    pointer: &str,
) -> &'a lapis::export::Finding {
    findings
        .iter()
        .find(|f| f.pointer == pointer)
        .unwrap_or_else(|| {
            panic!(
                "nothing found at {pointer}; found {:?}",
                pointers_of(findings)
            )
        })
}

/// A JWT whose signature is the canary.
fn canary_jwt() -> String {
    format!("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjYW5hcnkifQ.{CANARY}")
}

#[test]
fn parameter_defaults_are_scanned_like_every_other_value() {
    let def = json!({
        "parameters": {
            "storage": {"type": "String", "defaultValue": format!("DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={CANARY};EndpointSuffix=core.windows.net")},
            "settings": {"type": "Object", "defaultValue": {"api": {"note": format!("token {}", canary_jwt())}}},
            "urls": {"type": "Array", "defaultValue": ["https://x.contoso.com", format!("https://acct.blob.core.windows.net/c?sv=1&sig={CANARY}%3D")]},
            "clientPw": {"type": "String", "defaultValue": "hunter2-plain"},
            "authHeader": {"type": "String", "defaultValue": "Basic dXNlcjpwYXNz"},
            "region": {"type": "String", "defaultValue": "eu"},
            "greeting": {"type": "String", "defaultValue": "hello"},
            "emptyPw": {"type": "String", "defaultValue": ""}
        },
        "triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": {
            "Call": {"type": "Http", "runAfter": {}, "inputs": {
                "method": "GET",
                "uri": "https://@{parameters('region')}.contoso.com/@{parameters('greeting')}",
                "headers": {"Authorization": "@{parameters('authHeader')}"},
                "authentication": {"type": "Basic", "username": "u", "password": "@parameters('clientPw')"}
            }},
            "Call2": {"type": "Http", "runAfter": {}, "inputs": {
                "method": "GET", "uri": "https://x.contoso.com",
                "authentication": {"type": "Basic", "username": "u", "password": "@parameters('emptyPw')"}
            }}
        }
    });
    let mut doc = Document::from_value(def).unwrap();
    let found = scan::scan_document(&doc);
    // Patterns inside default values, nested ones included.
    let f = finding_at(&found, "/parameters/storage/defaultValue");
    assert_eq!(f.kind, FindingKind::ConnectionString);
    assert!(f.field.contains("storage"), "{}", f.field);
    let f = finding_at(&found, "/parameters/settings/defaultValue/api/note");
    assert_eq!(f.kind, FindingKind::Jwt);
    assert!(f.field.contains("settings"), "{}", f.field);
    let f = finding_at(&found, "/parameters/urls/defaultValue/1");
    assert_eq!(f.kind, FindingKind::UrlSignature);
    // An Array parameter cannot be made secure: guidance, not a fix that
    // breaks the workflow.
    assert!(
        !matches!(f.fix, lapis::export::Fix::MoveToSecureParameter { .. }),
        "{:?}",
        f.fix
    );
    // Plain literals that authenticate.
    let f = finding_at(&found, "/parameters/clientPw/defaultValue");
    assert_eq!(f.kind, FindingKind::ParameterUsedAsSecret);
    assert!(f.message.contains("password of Call"), "{}", f.message);
    let f = finding_at(&found, "/parameters/authHeader/defaultValue");
    assert_eq!(f.kind, FindingKind::ParameterUsedAsSecret);
    assert!(f.message.contains("Authorization"), "{}", f.message);
    for p in ["region", "greeting", "emptyPw"] {
        assert!(
            !found
                .iter()
                .any(|f| f.pointer.starts_with(&format!("/parameters/{p}/"))),
            "{p} flagged: {:?}",
            pointers_of(&found)
        );
    }
    for f in &found {
        assert_no_canary_in(&f.describe(), "a finding");
    }

    // The fix makes the parameter secure and drops its default; the Array
    // one stays, and says what to do.
    let fixed = scan::fix_all(&mut doc, 0, Target::Arm).unwrap();
    assert_eq!(fixed.len(), 4, "{fixed:?}");
    let d = doc.definition(0);
    assert_eq!(d["parameters"]["storage"], json!({"type": "SecureString"}));
    assert_eq!(d["parameters"]["settings"], json!({"type": "SecureObject"}));
    assert_eq!(d["parameters"]["clientPw"], json!({"type": "SecureString"}));
    assert_eq!(
        d["parameters"]["authHeader"],
        json!({"type": "SecureString"})
    );
    assert_eq!(
        d["actions"]["Call"]["inputs"]["authentication"]["password"],
        "@parameters('clientPw')"
    );
    let left = export::blocking_findings(&doc, 0, Target::Arm);
    assert_eq!(pointers_of(&left), ["/parameters/urls/defaultValue/1"]);
    let e = scan::fix_document(&mut doc, &left[0], "urls").unwrap_err();
    assert!(e.contains("urls") && e.contains("Array"), "{e}");
    assert_no_canary_in(&e, "the fix's error");
    assert!(matches!(
        export::export(&doc, 0, &ExportSpec::Arm(ArmOptions::default())),
        Err(ExportError::Secrets(_))
    ));

    // In an ARM template, the value the resource gives such a parameter.
    let mut arm = Document::from_value(json!({
        "$schema": lapis::workflow::ARM_SCHEMA,
        "resources": [{"type": "Microsoft.Logic/workflows", "apiVersion": "2019-05-01", "name": "w",
            "properties": {
                "definition": {
                    "parameters": {"pw": {"type": "String"}},
                    "triggers": {"manual": {"type": "Request", "kind": "Http"}},
                    "actions": {"Call": http(json!({"type": "Basic", "username": "u", "password": "@parameters('pw')"}))}
                },
                "parameters": {"pw": {"value": CANARY}}
            }}]
    }))
    .unwrap();
    let found = scan::scan_document(&arm);
    assert_eq!(
        pointers_of(&found),
        ["/resources/0/properties/parameters/pw/value"]
    );
    assert_eq!(found[0].kind, FindingKind::ParameterUsedAsSecret);
    scan::fix_all(&mut arm, 0, Target::Arm).unwrap();
    assert_eq!(
        arm.root["resources"][0]["properties"]["definition"]["parameters"]["pw"],
        json!({"type": "SecureString"})
    );
    assert_eq!(
        arm.root["resources"][0]["properties"]["parameters"]["pw"]["value"],
        "[parameters('pw')]"
    );
    assert_eq!(arm.root["parameters"]["pw"]["type"], "securestring");
    let e = export::export(&arm, 0, &ExportSpec::Arm(ArmOptions::default())).unwrap();
    for f in &e.files {
        assert_no_canary_in(&f.value.to_string(), &f.path.display().to_string());
    }
}

#[test]
fn secret_fields_built_from_literals_are_flagged() {
    let raw = |v: Value| {
        json!({"type": "Http", "runAfter": {}, "inputs": {"method": "GET", "uri": "https://x.contoso.com",
            "authentication": {"type": "Raw", "value": v}}})
    };
    let def = json!({
        "triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": {
            "Quoted": http(json!({"type": "ActiveDirectoryOAuth", "tenant": "t", "audience": "a", "clientId": "c", "secret": "@{'abc'}"})),
            "Whole": http(json!({"type": "Basic", "username": "u", "password": "@concat('hun', 'ter2')"})),
            "Basic_header": {"type": "Http", "runAfter": {}, "inputs": {"method": "GET", "uri": "https://x.contoso.com",
                "headers": {"Authorization": "Basic @{base64('user:pass')}"}}},
            "Raw_literal": raw(json!(format!("@concat('Bearer ','{}')", canary_jwt()))),
            "Compose_jwt": {"type": "Compose", "runAfter": {}, "inputs": format!("@concat('Bearer ','{}')", canary_jwt())},
            "Compose_cs": {"type": "Compose", "runAfter": {},
                "inputs": "x @{toLower('DefaultEndpointsProtocol=https;AccountName=a;AccountKey=it''s-a-key==;EndpointSuffix=core.windows.net')}"},
            // Runtime data: never flagged.
            "From_param": http(json!({"type": "ActiveDirectoryOAuth", "tenant": "t", "audience": "a", "clientId": "c", "secret": "@{concat(parameters('a'), 'x')}"})),
            "From_body": {"type": "Http", "runAfter": {}, "inputs": {"method": "GET", "uri": "https://x.contoso.com",
                "headers": {"Authorization": "Bearer @{body('Token')?['access_token']}"}}},
            "From_trigger": http(json!({"type": "Basic", "username": "u", "password": "@{triggerBody()?['pw']}"})),
            "From_setting": raw(json!("@{concat('Bearer ', appsetting('TOKEN'))}")),
            "No_text": http(json!({"type": "Basic", "username": "u", "password": "@{''}"}))
        }
    });
    let found = scan::scan(&def);
    for (p, kind) in [
        (
            "/actions/Quoted/inputs/authentication/secret",
            FindingKind::AuthenticationSecret,
        ),
        (
            "/actions/Whole/inputs/authentication/password",
            FindingKind::AuthenticationSecret,
        ),
        (
            "/actions/Basic_header/inputs/headers/Authorization",
            FindingKind::SecretHeader,
        ),
        (
            "/actions/Raw_literal/inputs/authentication/value",
            FindingKind::AuthenticationSecret,
        ),
    ] {
        assert_eq!(finding_at(&found, p).kind, kind, "{p}");
    }
    assert!(matches!(
        finding_at(&found, "/actions/Compose_jwt/inputs").kind,
        FindingKind::Jwt | FindingKind::BearerToken
    ));
    assert_eq!(
        finding_at(&found, "/actions/Compose_cs/inputs").kind,
        FindingKind::ConnectionString
    );
    assert_eq!(found.len(), 6, "{:#?}", found);
    // The fix replaces what holds the literal.
    let mut doc = Document::from_value(def).unwrap();
    scan::fix_all(&mut doc, 0, Target::Definition).unwrap();
    let d = doc.definition(0);
    assert_eq!(
        d["actions"]["Quoted"]["inputs"]["authentication"]["secret"],
        "@parameters('Quoted_clientSecret')"
    );
    let cs = d["actions"]["Compose_cs"]["inputs"].as_str().unwrap();
    assert!(cs.starts_with("x @{parameters('"), "{cs}");
    assert!(scan::scan_document(&doc).is_empty());

    // `[…]` is an ARM expression only in an ARM template.
    let wf = |pw: &str| {
        json!({
            "$schema": lapis::workflow::DEFINITION_SCHEMA,
            "triggers": {"manual": {"type": "Request", "kind": "Http"}},
            "actions": {"Call": http(json!({"type": "Basic", "username": "u", "password": pw}))}
        })
    };
    let bare = Document::from_value(wf("[not-evaluated]")).unwrap();
    assert_eq!(
        pointers_of(&scan::scan_document(&bare)),
        ["/actions/Call/inputs/authentication/password"]
    );
    let std =
        Document::from_value(json!({"definition": wf("[parameters('pw')]"), "kind": "Stateful"}))
            .unwrap();
    assert_eq!(std.container, Container::Standard);
    assert_eq!(
        pointers_of(&scan::scan_document(&std)),
        ["/definition/actions/Call/inputs/authentication/password"]
    );
    let arm = Document::from_value(json!({
        "$schema": lapis::workflow::ARM_SCHEMA,
        "parameters": {"pw": {"type": "securestring"}},
        "resources": [{"type": "Microsoft.Logic/workflows", "apiVersion": "2019-05-01", "name": "w",
            "properties": {"definition": wf("[parameters('pw')]")}}]
    }))
    .unwrap();
    assert!(scan::scan_document(&arm).is_empty());
}

/// An ARM template whose workflow parameters get their values from
/// template expressions and literals.
fn template_with_values() -> Value {
    json!({
        "$schema": lapis::workflow::ARM_SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": {"environment": {"type": "string", "defaultValue": "prod"}},
        "resources": [{
            "type": "Microsoft.Logic/workflows",
            "apiVersion": "2019-05-01",
            "name": "values-wf",
            "location": "westeurope",
            "properties": {
                "definition": {
                    "$schema": lapis::workflow::DEFINITION_SCHEMA,
                    "contentVersion": "1.0.0.0",
                    "parameters": {
                        "env": {"type": "String"},
                        "region": {"type": "String"},
                        "limits": {"type": "Object"},
                        "count": {"type": "Int"}
                    },
                    "triggers": {"manual": {"type": "Request", "kind": "Http"}},
                    "actions": {"C": {"type": "Compose", "runAfter": {},
                        "inputs": "@{parameters('env')} @{parameters('region')} @{parameters('limits')} @{parameters('count')}"}}
                },
                "parameters": {
                    "env": {"value": "[parameters('environment')]"},
                    "region": {"value": "[[eu]"},
                    "limits": {"value": {"max": "[parameters('environment')]"}},
                    "count": {"value": 3}
                }
            }
        }]
    })
}

#[test]
fn arm_parameters_file_holds_no_template_expression() {
    let doc = Document::from_value(template_with_values()).unwrap();
    let e = export::export(&doc, 0, &ExportSpec::Arm(ArmOptions::default())).unwrap();
    let t = &e.files[0].value;
    let p = &e.files[1].value["parameters"];
    // The expressions stay defaults of the template parameters…
    assert_eq!(
        t["parameters"]["env"]["defaultValue"],
        "[parameters('environment')]"
    );
    assert_eq!(
        t["parameters"]["limits"]["defaultValue"],
        json!({"max": "[parameters('environment')]"})
    );
    assert_eq!(t["parameters"]["environment"]["defaultValue"], "prod");
    // …and are not in the parameters file, which ARM does not evaluate.
    assert!(p.get("env").is_none(), "{p}");
    assert!(p.get("limits").is_none(), "{p}");
    // Literals are, as they are meant (no template escaping there).
    assert_eq!(t["parameters"]["region"]["defaultValue"], "[[eu]");
    assert_eq!(p["region"]["value"], "[eu]");
    assert_eq!(p["count"]["value"], 3);
    // (A literal `[eu]` is fine there; what came from an expression is not.)
    fn no_expression(v: &Value, at: &str) {
        match v {
            Value::String(s) => assert!(!s.contains("parameters("), "{at}: {s}"),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .for_each(|(i, x)| no_expression(x, &format!("{at}/{i}"))),
            Value::Object(o) => o
                .iter()
                .for_each(|(k, x)| no_expression(x, &format!("{at}/{k}"))),
            _ => {}
        }
    }
    no_expression(p, "parameters file");
}

#[test]
fn role_assignments_read_the_principal_from_a_parameter() {
    let doc = Document::from_value(json!({
        "triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": {}
    }))
    .unwrap();
    let first = "aaaaaaaa-0000-0000-0000-000000000001";
    let second = "aaaaaaaa-0000-0000-0000-000000000002";
    let opts = |ids: &[&str]| ArmOptions {
        role_assignments: ids
            .iter()
            .enumerate()
            .map(|(i, id)| RoleAssignment {
                role: if i % 2 == 0 {
                    Role::Contributor
                } else {
                    Role::Operator
                },
                principal_id: id.to_string(),
            })
            .collect(),
        ..ArmOptions::default()
    };
    let e = export::export(&doc, 0, &ExportSpec::Arm(opts(&[first, second, first]))).unwrap();
    let t = &e.files[0].value;
    assert_eq!(t["parameters"]["principalId"]["type"], "string");
    assert_eq!(t["parameters"]["principalId"]["defaultValue"], first);
    assert_eq!(t["parameters"]["principalId_2"]["defaultValue"], second);
    let r = t["resources"].as_array().unwrap();
    let ras: Vec<&Value> = r
        .iter()
        .filter(|x| x["type"] == "Microsoft.Authorization/roleAssignments")
        .collect();
    assert_eq!(ras.len(), 3);
    for (ra, p) in ras
        .iter()
        .zip(["principalId", "principalId_2", "principalId"])
    {
        assert_eq!(
            ra["properties"]["principalId"],
            format!("[parameters('{p}')]")
        );
        let name = ra["name"].as_str().unwrap();
        assert!(
            name.starts_with("[guid(") && name.contains(&format!("parameters('{p}')")),
            "{name}"
        );
    }
    // The raw ids are parameter defaults, never text inside an expression.
    let resources = serde_json::to_string(&t["resources"]).unwrap();
    assert!(!resources.contains(first) && !resources.contains(second));
    assert_eq!(
        e.files[1].value["parameters"]["principalId"]["value"],
        first
    );

    // Anything else than a GUID is refused, with a clear message.
    for bad in ["x'), 'y", "alice@contoso.com", "[parameters('p')]"] {
        match export::export(&doc, 0, &ExportSpec::Arm(opts(&[bad]))) {
            Err(ExportError::Invalid(m)) => {
                assert!(m.contains("principal") && m.contains("GUID"), "{m}")
            }
            other => panic!("{bad}: {other:?}"),
        }
    }
}

#[test]
fn literal_brackets_in_parameter_defaults_survive_arm() {
    let def = json!({
        "$schema": lapis::workflow::DEFINITION_SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": {
            "env": {"type": "String", "defaultValue": "[PROD]"},
            "tagged": {"type": "Object", "defaultValue": {"k": "[x]", "list": ["[y]", "[z] w"]}},
            "note": {"type": "String", "defaultValue": "[INFO] ok"}
        },
        "triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": {"C": {"type": "Compose", "runAfter": {}, "inputs": "@parameters('env')"}},
        "outputs": {}
    });
    let tmp = tempfile::tempdir().unwrap();
    for (k, source) in [
        def.clone(),
        json!({"definition": def.clone(), "kind": "Stateful"}),
    ]
    .into_iter()
    .enumerate()
    {
        let doc = Document::from_value(source).unwrap();
        let e = export::export(&doc, 0, &ExportSpec::Arm(ArmOptions::default())).unwrap();
        let t = &e.files[0].value;
        assert_eq!(t["parameters"]["env"]["defaultValue"], "[[PROD]");
        assert_eq!(
            t["parameters"]["tagged"]["defaultValue"],
            json!({"k": "[[x]", "list": ["[[y]", "[z] w"]})
        );
        assert_eq!(t["parameters"]["note"]["defaultValue"], "[INFO] ok");
        // A parameters file is not evaluated: the value as it is.
        assert_eq!(e.files[1].value["parameters"]["env"]["value"], "[PROD]");
        let out = tmp.path().join(format!("arm{k}"));
        export::write(&e, &out).unwrap();
        let template = out.join("azuredeploy.json");
        let back = export::import(&template, &ImportOptions::default()).unwrap();
        assert_eq!(back.definition, def);
        assert_eq!(back.parameter_values["env"], "[PROD]");
        // Without the parameters file, import reads the template's
        // defaults, unescaped.
        std::fs::remove_file(out.join("azuredeploy.parameters.json")).unwrap();
        let back = export::import(&template, &ImportOptions::default()).unwrap();
        assert_eq!(back.definition, def);
        assert_eq!(back.parameter_values["env"], "[PROD]");
        assert_eq!(
            back.parameter_values["tagged"],
            json!({"k": "[x]", "list": ["[y]", "[z] w"]})
        );
        assert!(back.parameter_values.get("location").is_none());
    }
}

#[test]
fn secret_query_keys_and_hex_keys_are_found() {
    let call = |uri: &str, headers: Value, queries: Value| json!({"type": "Http", "runAfter": {}, "inputs": {"method": "GET", "uri": uri, "headers": headers, "queries": queries}});
    let uri = "https://api.contoso.com/v1?API-KEY=k1k1k1&apikey=k2&Subscription-Key=k3&access_token=k4&client_secret=k5&token=k6&password=k7&Key=k8&code=k9&sig=k10&page=2";
    let def = json!({
        "triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": {
            "Uri": call(uri, json!({}), json!({})),
            "Keys": call("https://api.contoso.com", json!({
                "X-Hex": "0123456789abcdef0123456789abcdef",
                "X-Digits": "31415926535897932384626433832795",
                "X-Upper": "QWERTYUIOPASDFGHJKLZXCVBNMQWERTYU",
                "X-B64": "dGhpcyBpcyBhIHRlc3Qga2V5IGZvciBsYXBpcw=="
            }), json!({"Session": "fedcba9876543210fedcba9876543210", "Subscription-Key": "k11", "ACCESS_TOKEN": "k12"})),
            "Benign": call("https://api.contoso.com/v1?key=@{parameters('k')}&code=<your-code>&page=2&keyword=blue", json!({
                "x-ms-client-request-id": "00000000-0000-0000-0000-000000000000",
                "x-correlation-id": "00000000000000000000000000000000",
                "Accept": "application/json",
                "X-Name": "a-rather-long-header-value-in-words"
            }), json!({"api-version": "2016-06-01", "$filter": "name eq 'x'"}))
        }
    });
    let found = scan::scan(&def);
    let in_uri: Vec<&str> = found
        .iter()
        .filter(|f| f.pointer == "/actions/Uri/inputs/uri")
        .map(|f| &uri[f.span.clone().expect("a span inside the URI")])
        .collect();
    assert_eq!(
        in_uri,
        ["k1k1k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9", "k10"]
    );
    for p in [
        "/actions/Keys/inputs/headers/X-Hex",
        "/actions/Keys/inputs/headers/X-Digits",
        "/actions/Keys/inputs/headers/X-Upper",
        "/actions/Keys/inputs/headers/X-B64",
        "/actions/Keys/inputs/queries/Session",
        "/actions/Keys/inputs/queries/Subscription-Key",
        "/actions/Keys/inputs/queries/ACCESS_TOKEN",
    ] {
        finding_at(&found, p);
    }
    assert!(
        !found
            .iter()
            .any(|f| f.pointer.starts_with("/actions/Benign/")),
        "{:#?}",
        found
    );
    // The fix replaces each value in the URI, and nothing else.
    let mut doc = Document::from_value(def).unwrap();
    scan::fix_all(&mut doc, 0, Target::Definition).unwrap();
    let fixed = doc.definition(0)["actions"]["Uri"]["inputs"]["uri"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        fixed.starts_with("https://api.contoso.com/v1?API-KEY=@{parameters('")
            && fixed.ends_with("')}&page=2"),
        "{fixed}"
    );
}

#[test]
fn standard_connections_use_the_managed_api_id() {
    let def = json!({
        "parameters": {"$connections": {"type": "Object", "defaultValue": {
            "office365-1": {
                "connectionId": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Web/connections/office365-1",
                "connectionName": "office365-1",
                "id": "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Web/locations/westeurope/managedApis/office365"
            }
        }}},
        "triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": {"Mail": {"type": "ApiConnection", "runAfter": {}, "inputs": {
            "host": {"connection": {"name": "@parameters('$connections')['office365-1']['connectionId']"}},
            "method": "post", "path": "/v2/Mail"}}}
    });
    let doc = Document::from_value(def).unwrap();
    let e = export::export(&doc, 0, &ExportSpec::Standard(StandardOptions::default())).unwrap();
    let conns = &e
        .files
        .iter()
        .find(|f| f.path == Path::new("connections.json"))
        .expect("connections.json")
        .value;
    let c = &conns["managedApiConnections"]["office365-1"];
    assert!(
        c["api"]["id"]
            .as_str()
            .unwrap()
            .ends_with("/managedApis/office365"),
        "{c}"
    );
    assert!(
        c["connection"]["id"]
            .as_str()
            .unwrap()
            .ends_with("/connections/office365-1"),
        "{c}"
    );

    // From an ARM template: the id is a template expression.
    let arm = Document::from_value(json!({
        "$schema": lapis::workflow::ARM_SCHEMA,
        "resources": [{"type": "Microsoft.Logic/workflows", "apiVersion": "2019-05-01", "name": "w",
            "properties": {
                "definition": {
                    "parameters": {"$connections": {"type": "Object", "defaultValue": {}}},
                    "triggers": {"manual": {"type": "Request", "kind": "Http"}},
                    "actions": {"Send": {"type": "ApiConnection", "runAfter": {}, "inputs": {
                        "host": {"connection": {"name": "@parameters('$connections')['servicebus_1']['connectionId']"}},
                        "method": "post", "path": "/messages"}}}
                },
                "parameters": {"$connections": {"value": {"servicebus_1": {
                    "connectionId": "[resourceId('Microsoft.Web/connections', 'sb-conn')]",
                    "connectionName": "sb-conn",
                    "id": "[concat('/subscriptions/', subscription().subscriptionId, '/providers/Microsoft.Web/locations/', resourceGroup().location, '/managedApis/servicebus')]"
                }}}}
            }}]
    }))
    .unwrap();
    let e = export::export(&arm, 0, &ExportSpec::Standard(StandardOptions::default())).unwrap();
    let conns = &e
        .files
        .iter()
        .find(|f| f.path == Path::new("connections.json"))
        .expect("connections.json")
        .value;
    let c = &conns["managedApiConnections"]["servicebus_1"];
    let api = c["api"]["id"].as_str().unwrap();
    assert!(
        api.ends_with("/managedApis/servicebus") && !api.contains('['),
        "{c}"
    );
    assert!(
        c["connection"]["id"]
            .as_str()
            .unwrap()
            .ends_with("/connections/sb-conn"),
        "{c}"
    );
}

#[test]
fn standard_export_into_an_existing_project_keeps_what_is_there() {
    let tmp = tempfile::tempdir().unwrap();
    let proj = tmp.path();
    let settings =
        "{\n    \"IsEncrypted\": false,\n    \"Values\": {\"MY_SETTING\": \"real-value\"}\n}\n";
    std::fs::write(proj.join("local.settings.json"), settings).unwrap();
    std::fs::write(
        proj.join("parameters.json"),
        r#"{"existing": {"type": "String", "value": "keep"}, "region": {"type": "String", "value": "old"}}"#,
    )
    .unwrap();
    std::fs::write(
        proj.join("connections.json"),
        r#"{"managedApiConnections": {"sql": {"api": {"id": "/x/managedApis/sql"}}}, "serviceProviderConnections": {}}"#,
    )
    .unwrap();
    let host = "{\"version\": \"2.0\", \"custom\": true}";
    std::fs::write(proj.join("host.json"), host).unwrap();
    let def = json!({
        "parameters": {"region": {"type": "String", "defaultValue": "eu"}, "apiKey": {"type": "SecureString"}},
        "triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": {"Mail": {"type": "ApiConnection", "runAfter": {}, "inputs": {
            "host": {"connection": {"referenceName": "office365"}}, "method": "post", "path": "/v2/Mail",
            "headers": {"x-key": "@parameters('apiKey')"}}}}
    });
    let doc = Document::from_value(def).unwrap();
    let e = export::export(
        &doc,
        0,
        &ExportSpec::Standard(StandardOptions {
            workflow_name: Some("orders".into()),
            ..StandardOptions::default()
        }),
    )
    .unwrap();
    // An existing file that cannot be read stops the export before
    // anything is written.
    std::fs::write(proj.join("connections.json"), "{not json").unwrap();
    let err = export::write_report(&e, proj).unwrap_err();
    assert!(err.to_string().contains("connections.json"), "{err}");
    assert!(!proj.join("orders").exists());
    std::fs::write(
        proj.join("connections.json"),
        r#"{"managedApiConnections": {"sql": {"api": {"id": "/x/managedApis/sql"}}}, "serviceProviderConnections": {}}"#,
    )
    .unwrap();

    let written = export::write_report(&e, proj).unwrap();
    let notes = written.notes.join("\n");
    assert!(
        notes.contains("kept the existing")
            && notes.contains("local.settings.json")
            && notes.contains("apiKey"),
        "{notes}"
    );
    assert!(notes.contains("host.json"), "{notes}");
    assert!(
        notes.contains("parameters.json") && notes.contains("replaced by the export's: region"),
        "{notes}"
    );
    assert!(
        !notes.contains("real-value") && !notes.contains("keep"),
        "{notes}"
    );
    assert!(!written
        .paths
        .iter()
        .any(|p| p.ends_with("local.settings.json") || p.ends_with("host.json")));
    assert_eq!(
        std::fs::read_to_string(proj.join("local.settings.json")).unwrap(),
        settings
    );
    assert_eq!(
        std::fs::read_to_string(proj.join("host.json")).unwrap(),
        host
    );
    let params: Value =
        serde_json::from_slice(&std::fs::read(proj.join("parameters.json")).unwrap()).unwrap();
    assert_eq!(
        params,
        json!({
            "existing": {"type": "String", "value": "keep"},
            "region": {"type": "String", "value": "eu"},
            "apiKey": {"type": "SecureString", "value": "@appsetting('apiKey')"}
        })
    );
    let conns: Value =
        serde_json::from_slice(&std::fs::read(proj.join("connections.json")).unwrap()).unwrap();
    assert!(conns["managedApiConnections"]["sql"].is_object(), "{conns}");
    assert!(
        conns["managedApiConnections"]["office365"].is_object(),
        "{conns}"
    );
    assert!(proj.join("orders/workflow.json").is_file());
}

#[test]
fn access_control_options_are_checked_before_writing() {
    let doc = Document::from_value(json!({
        "triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": {}
    }))
    .unwrap();
    let with = |ac: Value| {
        ExportSpec::Arm(ArmOptions {
            access_control: Some(ac),
            ..ArmOptions::default()
        })
    };
    for (ac, at) in [
        (
            json!({"triggers": {"allowedCallerIpAddresses": [{"addressRange": "10.0.0.0/24"}, {"addressRange": "10.0.0.300/24"}]}}),
            "accessControl/triggers/allowedCallerIpAddresses/1/addressRange",
        ),
        (
            json!({"contents": {"allowedCallerIpAddresses": [{"addressRange": "10.0.0.9-10.0.0.1"}]}}),
            "accessControl/contents/allowedCallerIpAddresses/0/addressRange",
        ),
        (json!({"bogus": {}}), "accessControl/bogus"),
        (
            json!({"actions": {"allowedCallerIpAddresses": "10.0.0.0/8"}}),
            "accessControl/actions/allowedCallerIpAddresses",
        ),
    ] {
        match export::export(&doc, 0, &with(ac.clone())) {
            Err(ExportError::Invalid(m)) => assert!(m.contains(at), "{ac}: {m}"),
            other => panic!("{ac}: {other:?}"),
        }
    }
    let ok = json!({
        "triggers": {"allowedCallerIpAddresses": [{"addressRange": "10.0.0.0-10.0.0.255"}, {"addressRange": "2001:db8::/32"}]},
        "contents": {"allowedCallerIpAddresses": [{"addressRange": "0.0.0.0-0.0.0.0"}]},
        "actions": {"allowedCallerIpAddresses": []}
    });
    let e = export::export(&doc, 0, &with(ok.clone())).unwrap();
    assert_eq!(
        e.files[0].value["resources"][0]["properties"]["accessControl"],
        ok
    );
}

/// `export_owned` (what `lapis export` uses: the document is moved, not
/// copied) gives exactly what `export` gives, refusals included, for bare
/// definitions, ARM templates (escaping undone) and Standard files.
#[test]
fn exporting_a_document_given_away_gives_what_export_gives() {
    let mut docs: Vec<(String, Document)> = Vec::new();
    let (def, _) = canary_definition();
    docs.push((
        "canary definition".into(),
        Document::from_value(def).unwrap(),
    ));
    docs.push((
        "canary template".into(),
        Document::from_value(canary_template()).unwrap(),
    ));
    let escaped = json!({
        "$schema": lapis::workflow::ARM_SCHEMA,
        "contentVersion": "1.0.0.0",
        "resources": [{
            "type": "Microsoft.Logic/workflows",
            "apiVersion": "2019-05-01",
            "name": "wf",
            "location": "westeurope",
            "properties": {"definition": {
                "$schema": lapis::workflow::DEFINITION_SCHEMA,
                "contentVersion": "1.0.0.0",
                "parameters": {"p": {"type": "SecureString", "defaultValue": ""}},
                "triggers": {"manual": {"type": "Request", "kind": "Http"}},
                "actions": {"C": {"type": "Compose", "runAfter": {},
                    "inputs": {"lit": "[[PROD]", "arm": "[parameters('x')]"}}}
            }}
        }]
    });
    docs.push((
        "escaped template".into(),
        Document::from_value(escaped).unwrap(),
    ));
    for path in common::corpus_files() {
        docs.push((common::file_name(&path), Document::load(&path).unwrap()));
    }
    let mut compared = 0;
    for (name, doc) in &docs {
        for i in 0..doc.workflows.len() {
            let want = export::export(doc, i, &ExportSpec::Definition);
            let got = export::export_owned(doc.clone(), i, &ExportSpec::Definition);
            assert_eq!(got, want, "{name} #{i}");
            compared += 1;
        }
    }
    assert!(compared >= 3);
}
