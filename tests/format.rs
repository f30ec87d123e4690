//! Saving is stable: for any document written in any common style, the
//! first save keeps the value and key order, and a second save changes
//! nothing.

mod common;

use lapis::workflow::jsonc::format_keeping_comments;
use lapis::workflow::Document;
use proptest::prelude::*;
use serde_json::{Map, Value};

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[a-zA-Z0-9 @{}()'\\[\\]/\\\\\"é😀\t\n]{0,12}".prop_map(Value::String),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::vec(("[a-z~/ ]{1,6}", inner), 0..5)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Writes a value in one of several styles people and tools use.
fn styled(v: &Value, style: u8) -> String {
    match style % 4 {
        0 => serde_json::to_string(v).unwrap(),
        1 => serde_json::to_string_pretty(v).unwrap(),
        2 => {
            let mut buf = Vec::new();
            let f = serde_json::ser::PrettyFormatter::with_indent(b"    ");
            let mut s = serde_json::Serializer::with_formatter(&mut buf, f);
            serde::Serialize::serialize(v, &mut s).unwrap();
            String::from_utf8(buf).unwrap()
        }
        _ => {
            let mut buf = Vec::new();
            let f = serde_json::ser::PrettyFormatter::with_indent(b"\t");
            let mut s = serde_json::Serializer::with_formatter(&mut buf, f);
            serde::Serialize::serialize(v, &mut s).unwrap();
            String::from_utf8(buf).unwrap()
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256),
        .. ProptestConfig::default()
    })]

    #[test]
    fn saving_keeps_the_value_and_a_second_save_changes_nothing(
        extra in value(),
        style in any::<u8>(),
        crlf in any::<bool>(),
        newline in any::<bool>(),
    ) {
        let mut root = Map::new();
        root.insert("triggers".into(), Value::Object(Map::new()));
        root.insert("extra".into(), extra);
        root.insert("actions".into(), serde_json::json!({"A": {"type": "Compose", "inputs": [1, 2]}}));
        let root = Value::Object(root);
        let mut text = styled(&root, style);
        if newline {
            text.push('\n');
        }
        if crlf {
            text = text.replace('\n', "\r\n");
        }
        let doc = Document::from_bytes(text.as_bytes(), None).unwrap();
        let once = doc.to_bytes();
        let again = Document::from_bytes(&once, None).unwrap();
        prop_assert_eq!(serde_json::to_string(&again.root).unwrap(), serde_json::to_string(&root).unwrap());
        let twice = again.to_bytes();
        prop_assert_eq!(String::from_utf8_lossy(&twice), String::from_utf8_lossy(&once));
        // Formatting the text (the path `lapis fmt` takes for commented
        // files) gives what rendering the value gives.
        let base = doc.base.as_ref().expect("a loaded file has a base");
        let formatted = format_keeping_comments(&base.text, &doc.format).unwrap();
        let rendered = doc.to_formatted_bytes();
        prop_assert_eq!(String::from_utf8_lossy(&formatted), String::from_utf8_lossy(&rendered));
        // Styles that Lapis writes itself come back byte for byte.
        if style % 4 != 0 {
            prop_assert_eq!(String::from_utf8_lossy(&once), text.as_str());
        }
    }
}

/// Every corpus file: formatting its text gives the stable format of its
/// value (comments aside), and formatting again changes nothing.
#[test]
fn corpus_files_format_with_their_comments_as_their_value_renders() {
    let files = common::corpus_files();
    for path in &files {
        let name = common::file_name(path);
        let doc = Document::load(path).unwrap();
        let base = doc.base.as_ref().expect("a loaded file has a base");
        let once = format_keeping_comments(&base.text, &doc.format)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        if !doc.format.had_comments {
            assert!(
                once == doc.to_formatted_bytes(),
                "{name}: differs from render"
            );
        }
        let again = Document::from_bytes(&once, None).unwrap();
        let twice =
            format_keeping_comments(&again.base.as_ref().unwrap().text, &again.format).unwrap();
        assert!(once == twice, "{name}: not stable");
    }
    println!("formatted {} corpus files", files.len());
}
