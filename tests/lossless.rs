//! Format-preserving saves: `lapis edit` with no edit gives back every
//! corpus file byte for byte; a rename changes only the lines that hold the
//! name; random edits of a commented, untidy file read back as the edited
//! value and change only the edited lines.

mod common;

use lapis::workflow::edit::{Edit, Editor};
use lapis::workflow::text;
use lapis::workflow::Document;
use proptest::prelude::*;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn lapis(args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_lapis"))
        .args(args)
        .env(
            "LAPIS_DATA_DIR",
            std::env::temp_dir().join("lapis-lossless-test"),
        )
        .output()
        .expect("the lapis binary runs");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn decoded(bytes: &[u8]) -> String {
    text::decode(bytes).unwrap().0
}

#[test]
fn corpus_round_trips_through_lapis_edit_byte_for_byte() {
    let files = common::corpus_files();
    if files.is_empty() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut same = 0;
    for path in &files {
        let name = common::file_name(path);
        let out = dir.path().join(&name);
        let (code, _, err) = lapis(&["edit", s(path), "-o", s(&out)]);
        if code == 2 && err.contains("choose one with --workflow") {
            // An ARM template with several workflows: the first one.
            let (code, _, err) = lapis(&["edit", s(path), "--workflow", "1", "-o", s(&out)]);
            assert_eq!(code, 0, "{name}: {err}");
        } else {
            assert_eq!(code, 0, "{name}: {err}");
        }
        let a = std::fs::read(path).unwrap();
        let b = std::fs::read(&out).unwrap();
        assert!(a == b, "{name}: `lapis edit` with no edit changed bytes");
        same += 1;
    }
    println!(
        "lapis edit round trip: {same}/{} byte-identical",
        files.len()
    );
}

#[test]
fn corpus_rename_changes_only_the_lines_with_the_name() {
    let files = common::corpus_files();
    if files.is_empty() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (mut renamed, mut skipped) = (0, Vec::new());
    for path in &files {
        let name = common::file_name(path);
        let doc = Document::load(path).unwrap();
        let outline = doc.outline(0).unwrap();
        // The first action whose name is not a part of another word in the
        // file (so "lines that contain the name" is a fair test).
        let Some(action) = outline.actions().map(|n| n.name.clone()).next() else {
            skipped.push(format!("{name}: no action"));
            continue;
        };
        let new_name = format!("{action}_renamed");
        let out = dir.path().join(&name);
        let (code, _, err) = lapis(&[
            "edit",
            s(path),
            "--workflow",
            "1",
            "--rename",
            &format!("{action}={new_name}"),
            "-o",
            s(&out),
        ]);
        if code == 1 {
            // A name the template computes cannot be renamed: said, not done.
            skipped.push(format!("{name}: {}", err.trim()));
            continue;
        }
        assert_eq!(code, 0, "{name}: {err}");
        let old = decoded(&std::fs::read(path).unwrap());
        let new = decoded(&std::fs::read(&out).unwrap());
        let (ol, nl): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
        assert_eq!(
            ol.len(),
            nl.len(),
            "{name}: a rename added or removed lines"
        );
        let mut changed = 0;
        for (k, (a, b)) in ol.iter().zip(&nl).enumerate() {
            if a != b {
                changed += 1;
                // In an expression's string literal the name's quotes are
                // doubled.
                let escaped = action.replace('\'', "''");
                assert!(
                    a.contains(action.as_str()) || a.contains(escaped.as_str()),
                    "{name}: line {} changed but does not hold `{action}`:\n- {a}\n+ {b}",
                    k + 1
                );
                let new_escaped = new_name.replace('\'', "''");
                assert!(
                    b.contains(new_name.as_str()) || b.contains(new_escaped.as_str()),
                    "{name}: line {}",
                    k + 1
                );
            }
        }
        assert!(changed > 0, "{name}: nothing changed");
        // The edited file reads back with the action renamed.
        let back = Document::load(&out).unwrap();
        assert!(back.outline(0).unwrap().find(&new_name).is_some(), "{name}");
        renamed += 1;
    }
    println!(
        "corpus rename: {renamed}/{} files, only lines with the name changed; skipped: {skipped:?}",
        files.len()
    );
    assert!(
        renamed * 10 >= files.len() * 9,
        "too many skipped: {skipped:?}"
    );
}

/// A definition with everything a save must keep: comments before and after
/// members, a blank line, an inline object, escapes, odd number spellings,
/// mixed indentation.
const UNTIDY: &str = r#"{
  // The schema.
  "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
      "limit": { "type": "Int", "defaultValue": 1E+5 },
      "greeting": {"type": "String", "defaultValue": "caf\u00e9 \/ bar"}
  },
  /* Triggers
     come first. */
  "triggers": {
    "manual": { "type": "Request", "kind": "Http" }
  },

  "actions": {
    // Fetch the thing.
    "Get": {
      "type": "Http",
      "inputs": { "method": "GET", "uri": "https://x.example/a\/b" },
      "runAfter": {}
    },
    "Compose": {
        "type": "Compose", // a same-line comment
        "inputs": "@body('Get')",
        "runAfter": { "Get": [ "Succeeded" ] }
    },
    /* The last one. */
    "Reply": {
      "type": "Response",
      "inputs": {
        "statusCode": 200,
        "body": [1, 2.50, -0.0, "x"]
      },
      "runAfter": {
        "Compose": ["Succeeded", "Failed"]
      }
    }
  },
  "outputs": {}
}
"#;

fn untidy() -> Document {
    Document::from_bytes(UNTIDY.as_bytes(), None).unwrap()
}

fn save(doc: &Document) -> String {
    String::from_utf8(doc.to_bytes()).unwrap()
}

fn changed_lines(old: &str, new: &str) -> (Vec<String>, Vec<String>) {
    // Lines removed from the old text and added in the new one (common
    // prefix and suffix taken away).
    let (a, b): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
    let mut p = 0;
    while p < a.len() && p < b.len() && a[p] == b[p] {
        p += 1;
    }
    let mut q = 0;
    while q < a.len() - p && q < b.len() - p && a[a.len() - 1 - q] == b[b.len() - 1 - q] {
        q += 1;
    }
    (
        a[p..a.len() - q].iter().map(|s| s.to_string()).collect(),
        b[p..b.len() - q].iter().map(|s| s.to_string()).collect(),
    )
}

#[test]
fn no_edit_keeps_every_byte_and_no_warning() {
    let doc = untidy();
    assert_eq!(save(&doc), UNTIDY);
    assert!(doc.save_warnings().is_empty());
}

#[test]
fn a_field_change_rewrites_one_line() {
    let mut ed = Editor::new(untidy());
    ed.apply(Edit::Set {
        pointer: "/actions/Get/inputs/method".into(),
        value: Value::String("POST".into()),
    })
    .unwrap();
    let new = save(&ed.doc);
    let (gone, added) = changed_lines(UNTIDY, &new);
    assert_eq!(
        gone,
        vec![r#"      "inputs": { "method": "GET", "uri": "https://x.example/a\/b" },"#]
    );
    assert_eq!(
        added,
        vec![r#"      "inputs": { "method": "POST", "uri": "https://x.example/a\/b" },"#]
    );
}

#[test]
fn a_rename_keeps_comments_and_changes_only_its_lines() {
    let mut ed = Editor::new(untidy());
    ed.apply(Edit::RenameAction {
        pointer: "/actions/Get".into(),
        new_name: "Fetch".into(),
    })
    .unwrap();
    let new = save(&ed.doc);
    for c in [
        "// Fetch the thing.",
        "// a same-line comment",
        "/* The last one. */",
        "1E+5",
        "caf\\u00e9 \\/ bar",
    ] {
        assert!(new.contains(c), "{c} lost:\n{new}");
    }
    let ol: Vec<&str> = UNTIDY.lines().collect();
    let nl: Vec<&str> = new.lines().collect();
    assert_eq!(ol.len(), nl.len());
    let diff: Vec<(&str, &str)> = ol
        .iter()
        .zip(&nl)
        .filter(|(a, b)| a != b)
        .map(|(a, b)| (*a, *b))
        .collect();
    assert_eq!(
        diff,
        vec![
            (r#"    "Get": {"#, r#"    "Fetch": {"#),
            (
                r#"        "inputs": "@body('Get')","#,
                r#"        "inputs": "@body('Fetch')","#
            ),
            (
                r#"        "runAfter": { "Get": [ "Succeeded" ] }"#,
                r#"        "runAfter": { "Fetch": [ "Succeeded" ] }"#
            ),
        ]
    );
}

#[test]
fn a_deleted_action_takes_its_comment_and_a_new_one_is_indented_like_its_neighbours() {
    let mut ed = Editor::new(untidy());
    ed.apply(Edit::DeleteAction {
        pointer: "/actions/Reply".into(),
    })
    .unwrap();
    let new = save(&ed.doc);
    assert!(
        !new.contains("The last one"),
        "the comment went with it:\n{new}"
    );
    assert!(new.contains("// a same-line comment"));
    let (gone, added) = changed_lines(UNTIDY, &new);
    assert!(added.len() <= 1, "{added:?}");
    assert!(gone.iter().any(|l| l.contains("\"Reply\"")));

    let mut ed = Editor::new(untidy());
    ed.apply(Edit::Set {
        pointer: "/actions/Reply/inputs/headers".into(),
        value: serde_json::json!({"Content-Type": "text/plain"}),
    })
    .unwrap();
    let new = save(&ed.doc);
    let (gone, added) = changed_lines(UNTIDY, &new);
    assert_eq!(gone, vec![r#"        "body": [1, 2.50, -0.0, "x"]"#]);
    assert_eq!(
        added,
        vec![
            r#"        "body": [1, 2.50, -0.0, "x"],"#,
            r#"        "headers": {"#,
            r#"          "Content-Type": "text/plain""#,
            r#"        }"#,
        ]
    );
}

#[test]
fn crlf_and_utf16_files_keep_their_encoding_after_an_edit() {
    let crlf = UNTIDY.replace('\n', "\r\n");
    let mut bytes = vec![0xFF, 0xFE];
    for u in crlf.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    let mut ed = Editor::new(Document::from_bytes(&bytes, None).unwrap());
    ed.apply(Edit::Set {
        pointer: "/outputs/result".into(),
        value: serde_json::json!({"a": [1, 2]}),
    })
    .unwrap();
    let out = ed.doc.to_bytes();
    assert!(out.starts_with(&[0xFF, 0xFE]));
    let (textout, _) = text::decode(&out).unwrap();
    assert!(
        !textout.replace("\r\n", "").contains('\n'),
        "only CRLF: {textout:?}"
    );
    assert!(textout.contains("// Fetch the thing.\r\n"));
    let back = Document::from_bytes(&out, None).unwrap();
    assert_eq!(back.root["outputs"]["result"]["a"][1], 2);
}

/// The length of the longest common subsequence of two line lists (a
/// greedy match would pair a `},` with one far below and lose every line
/// in between).
fn common_lines(a: &[&str], b: &[&str]) -> usize {
    let mut row = vec![0usize; b.len() + 1];
    for x in a {
        let mut diag = 0;
        for (j, y) in b.iter().enumerate() {
            let up = row[j + 1];
            row[j + 1] = if x == y { diag + 1 } else { up.max(row[j]) };
            diag = up;
        }
    }
    row[b.len()]
}

/// Every pointer to a value in `v` (objects and arrays included).
fn pointers(v: &Value, p: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let q = format!("{p}/{}", text::escape_pointer(k));
                out.push(q.clone());
                pointers(x, q, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let q = format!("{p}/{i}");
                out.push(q.clone());
                pointers(x, q, out);
            }
        }
        _ => {}
    }
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i32>().prop_map(Value::from),
        "[a-z é/\"\\\\]{0,8}".prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
        Just(Value::Null),
        Just(serde_json::json!({"k": [1, {"z": "y"}]})),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Random sets, removals and additions: the save reads back as the
    /// edited value, keeps every comment outside what was removed, and
    /// touches only a few lines around the edit.
    #[test]
    fn random_edits_read_back_and_touch_only_their_lines(
        picks in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..3, scalar()), 1..4)
    ) {
        let mut doc = untidy();
        let mut expected = doc.root.clone();
        let mut budget = 0usize;
        for (idx, op, value) in picks {
            let mut ps = Vec::new();
            pointers(&expected, String::new(), &mut ps);
            let p = idx.get(&ps).clone();
            let (parent, _) = p.rsplit_once('/').unwrap();
            // Each edit may rewrite the lines of the value it touches and
            // of its neighbours.
            let before = expected.pointer(&p).unwrap();
            budget += serde_json::to_string_pretty(before).unwrap().lines().count() + 4;
            match op {
                0 => { *expected.pointer_mut(&p).unwrap() = value; }
                1 => {
                    match expected.pointer_mut(parent).unwrap() {
                        Value::Object(m) => { m.shift_remove(p.rsplit('/').next().unwrap()); }
                        Value::Array(a) => { a.remove(p.rsplit('/').next().unwrap().parse::<usize>().unwrap()); }
                        _ => unreachable!(),
                    }
                }
                _ => {
                    match expected.pointer_mut(&p).unwrap() {
                        Value::Object(m) => { m.insert("added_key".into(), value); }
                        Value::Array(a) => a.push(value),
                        other => *other = value,
                    }
                }
            }
        }
        doc.root = expected.clone();
        let base = doc.base.clone().unwrap();
        let out = lapis::workflow::preserve::patch(&base, &expected, &doc.format);
        prop_assert!(out.is_ok(), "the patch was refused: {:?}", out);
        let out = out.unwrap();
        let back = Document::from_bytes(out.as_bytes(), None);
        // An edit may break the workflow shape (e.g. actions made a number);
        // the text must still read back as the value.
        let json = text::blank_comments(&out).unwrap();
        let value = text::parse_json(json.as_deref().unwrap_or(&out)).unwrap();
        prop_assert_eq!(&value, &expected);
        let _ = back;
        // Lines kept: every line of the old text that the edits did not
        // reach is still there, in order.
        let old: Vec<&str> = UNTIDY.lines().collect();
        let new: Vec<&str> = out.lines().collect();
        let kept = common_lines(&old, &new);
        prop_assert!(kept + budget >= old.len(), "kept {} of {} lines:\n{}", kept, old.len(), out);
    }
}
