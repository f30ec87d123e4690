//! Fuzz targets (proptest): the file readers (bare definition, ARM template,
//! Standard workflow.json; bytes in every encoding, mutated valid files),
//! expressions (parse and evaluate) and the HTTP answer readers of
//! `invoke::diagnose` / `invoke::report`. The property is always the same:
//! no panic, whatever the input; errors are values.
//!
//! Cases per target: `LAPIS_FUZZ_CASES` (default 64, so the suite stays
//! fast). The README section "Limits" gives the figures of a long run.

use lapis::expr::functions::names;
use lapis::expr::{eval_str, parse_expression, Context};
use lapis::invoke::diagnose::{decode_entra_error, login_redirect, token_claims_evidence};
use lapis::invoke::report::hex_dump;
use lapis::workflow::Document;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};

fn cases() -> u32 {
    std::env::var("LAPIS_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    })
}

/// One small valid file of each container format.
fn seeds() -> Vec<Vec<u8>> {
    let def = json!({
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"key": {"type": "SecureString", "defaultValue": ""}},
        "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {}}},
        "actions": {
            "Call": {"type": "Http", "runAfter": {}, "inputs": {
                "method": "GET", "uri": "https://api.example.com/@{parameters('key')}",
                "authentication": {"type": "ActiveDirectoryOAuth", "tenant": "t", "audience": "a", "clientId": "c", "secret": "@parameters('key')"}
            }},
            "Check": {"type": "If", "expression": {"and": [{"equals": ["@outputs('Call')['statusCode']", 200]}]},
                "runAfter": {"Call": ["Succeeded", "Failed"]},
                "actions": {"Ok": {"type": "Compose", "inputs": "@body('Call')", "runAfter": {}}},
                "else": {"actions": {}}}
        },
        "outputs": {}
    });
    let arm = json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"key": {"type": "securestring"}},
        "resources": [{"type": "Microsoft.Logic/workflows", "apiVersion": "2019-05-01", "name": "[parameters('name')]",
            "properties": {"definition": def.clone(), "parameters": {"key": {"value": "[parameters('key')]"}}}}]
    });
    let standard = json!({"definition": def.clone(), "kind": "Stateful"});
    vec![
        serde_json::to_vec_pretty(&def).unwrap(),
        serde_json::to_vec(&arm).unwrap(),
        serde_json::to_vec_pretty(&standard).unwrap(),
    ]
}

/// A mutation of a byte string: overwrite, insert or delete at a position.
#[derive(Debug, Clone)]
enum Edit {
    Set(f64, u8),
    Insert(f64, Vec<u8>),
    Delete(f64, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    // Bytes that matter to JSON and to the encodings.
    let interesting = prop_oneof![
        any::<u8>(),
        Just(b'"'),
        Just(b'\\'),
        Just(b'{'),
        Just(b'['),
        Just(b'/'),
        Just(b'@'),
        Just(0u8),
        Just(0xFFu8),
    ];
    prop_oneof![
        (0.0f64..1.0, interesting).prop_map(|(p, b)| Edit::Set(p, b)),
        (0.0f64..1.0, proptest::collection::vec(any::<u8>(), 1..12))
            .prop_map(|(p, b)| Edit::Insert(p, b)),
        (0.0f64..1.0, 1usize..40).prop_map(|(p, n)| Edit::Delete(p, n)),
    ]
}

fn apply(bytes: &mut Vec<u8>, e: &Edit) {
    let at = |p: f64, len: usize| ((len as f64) * p) as usize;
    match e {
        Edit::Set(p, b) => {
            let i = at(*p, bytes.len());
            if i < bytes.len() {
                bytes[i] = *b;
            }
        }
        Edit::Insert(p, b) => {
            let i = at(*p, bytes.len() + 1).min(bytes.len());
            bytes.splice(i..i, b.iter().copied());
        }
        Edit::Delete(p, n) => {
            let i = at(*p, bytes.len());
            let j = (i + n).min(bytes.len());
            bytes.drain(i..j);
        }
    }
}

/// Reads a file the way every command does, and walks what loaded.
fn read_all(bytes: &[u8]) {
    if let Ok(doc) = Document::from_bytes(bytes, None) {
        for i in 0..doc.workflows.len() {
            let _ = doc.outline(i);
            let _ = lapis::graph::validate::validate_document(&doc, i);
        }
        let _ = doc.to_bytes();
    }
}

#[test]
fn file_readers_never_panic_on_mutated_files() {
    let seeds = seeds();
    let strategy = (
        0..seeds.len(),
        0u8..4,
        proptest::collection::vec(edit(), 1..6),
    );
    runner()
        .run(&strategy, |(seed, encoding, edits)| {
            let text = String::from_utf8(seeds[seed].clone()).unwrap();
            let mut bytes = match encoding {
                0 => text.into_bytes(),
                1 => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
                2 => {
                    let mut v = vec![0xFF, 0xFE];
                    v.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
                    v
                }
                _ => text.encode_utf16().flat_map(u16::to_be_bytes).collect(),
            };
            for e in &edits {
                apply(&mut bytes, e);
            }
            read_all(&bytes);
            Ok(())
        })
        .unwrap();
}

#[test]
fn file_readers_never_panic_on_random_bytes() {
    runner()
        .run(&proptest::collection::vec(any::<u8>(), 0..600), |bytes| {
            read_all(&bytes);
            Ok(())
        })
        .unwrap();
}

/// Expression text from a small grammar over the real function names.
fn expression() -> impl Strategy<Value = String> {
    let fns: Vec<&'static str> = names().collect();
    let leaf = prop_oneof![
        any::<i64>().prop_map(|i| i.to_string()),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:?}")),
        "[a-zA-Z0-9 ,.'%{}@-]{0,12}".prop_map(|s| format!("'{}'", s.replace('\'', "''"))),
        Just("null".to_string()),
        Just("true".to_string()),
        Just("'yyyy-MM-ddTHH:mm:ss'".to_string()),
        Just("'0,0.00#E+000;(0)'".to_string()),
        Just("65536".to_string()),
        Just("-1".to_string()),
    ];
    leaf.prop_recursive(4, 24, 4, move |inner| {
        let fns = fns.clone();
        (
            proptest::sample::select(fns),
            proptest::collection::vec(inner, 0..4),
        )
            .prop_map(|(f, args)| format!("{f}({})", args.join(", ")))
    })
}

#[test]
fn expressions_never_panic() {
    let ctx = Context::default();
    runner()
        .run(&expression(), |text| {
            let _ = eval_str(&format!("@{text}"), &ctx);
            let _ = eval_str(&format!("x @{{{text}}} y"), &ctx);
            Ok(())
        })
        .unwrap();
}

#[test]
fn expression_parser_never_panics_on_any_text() {
    runner()
        .run(&"[@(){}\\[\\]',.?a-z0-9 ]{0,80}", |text| {
            let _ = parse_expression(&text);
            let _ = eval_str(&text, &Context::default());
            Ok(())
        })
        .unwrap();
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|i| json!(i)),
        ".{0,20}".prop_map(Value::String),
        Just(json!("AADSTS7000215: Invalid client secret provided.")),
        Just(json!([7000215, 50001])),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec(
                (
                    prop_oneof![
                        Just("error".to_string()),
                        Just("error_description".to_string()),
                        Just("error_codes".to_string()),
                        Just("trace_id".to_string()),
                        "[a-z_]{1,8}",
                    ],
                    inner
                ),
                0..5
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

#[test]
fn http_answer_readers_never_panic() {
    runner()
        .run(
            &(
                json_value(),
                ".{0,120}",
                proptest::collection::vec(any::<u8>(), 0..200),
            ),
            |(body, text, bytes)| {
                let _ = decode_entra_error(&body);
                let _ = login_redirect(&text, None);
                let base = url::Url::parse("https://app.contoso.com/").unwrap();
                let _ = login_redirect(&text, Some(&base));
                let _ = token_claims_evidence(&text);
                let _ = hex_dump(&bytes);
                // A token of three base64 parts with arbitrary content.
                use base64::Engine;
                let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
                let tok = format!(
                    "{}.{}.{}",
                    b64.encode(&bytes),
                    b64.encode(serde_json::to_vec(&body).unwrap()),
                    b64.encode(text.as_bytes())
                );
                let _ = token_claims_evidence(&tok);
                Ok(())
            },
        )
        .unwrap();
}
