//! The shared corpus: every file loads, saves losslessly, validates without
//! false errors, and survives mutation without a panic.

mod common;

use lapis::graph::validate::{validate_document, Severity};
use lapis::workflow::text::{self, Encoding, LineEnding};
use lapis::workflow::Document;
use proptest::prelude::*;
use std::collections::BTreeSet;

#[test]
fn every_corpus_file_round_trips_losslessly() {
    let files = common::corpus_files();
    if files.is_empty() {
        return;
    }
    let mut workflows = 0;
    for path in &files {
        let name = common::file_name(path);
        let bytes = std::fs::read(path).unwrap();
        let doc = Document::from_bytes(&bytes, Some(path))
            .unwrap_or_else(|e| panic!("{name} does not load: {e}"));
        workflows += doc.workflows.len();

        // The same JSON value with the same key order, read independently
        // of the document (text layer only).
        let original = text::parse_json(&text::read_source(&bytes).unwrap().json).unwrap();
        let saved = doc.to_bytes();
        let reloaded = Document::from_bytes(&saved, Some(path))
            .unwrap_or_else(|e| panic!("{name}: the saved file does not load: {e}"));
        assert_eq!(
            common::canonical(&reloaded.root),
            common::canonical(&original),
            "{name}: value or key order changed"
        );

        // Encoding, line endings and indentation are kept; a second save
        // changes nothing.
        assert_eq!(reloaded.format.encoding, doc.format.encoding, "{name}");
        assert_eq!(
            reloaded.format.line_ending, doc.format.line_ending,
            "{name}"
        );
        assert_eq!(reloaded.format.indent, doc.format.indent, "{name}");
        assert_eq!(reloaded.to_bytes(), saved, "{name}: second save differs");

        // A save with no edit gives back the same bytes, comments
        // included, so it has nothing to warn about.
        assert_eq!(saved, bytes, "{name}: a save with no edit changed bytes");
        assert!(doc.save_warnings().is_empty(), "{name}");
    }
    println!(
        "corpus round trip: {} files, {} workflows, all lossless",
        files.len(),
        workflows
    );
}

#[test]
fn untidy_corpus_files_keep_their_encoding_and_line_endings() {
    let files = common::corpus_files();
    if files.is_empty() {
        return;
    }
    let find = |part: &str| {
        let p = files
            .iter()
            .find(|p| common::file_name(p).contains(part))
            .unwrap_or_else(|| panic!("corpus file *{part}* is missing"));
        (Document::load(p).unwrap(), std::fs::read(p).unwrap())
    };
    let (utf16, _) = find("ActivityLogAlertsForDDoS");
    assert_eq!(utf16.format.encoding, Encoding::Utf16LeBom);
    assert_eq!(utf16.format.line_ending, LineEnding::CrLf);
    assert!(utf16.to_bytes().starts_with(&[0xFF, 0xFE]));

    let (bom, _) = find("jsworkflowcomplex");
    assert_eq!(bom.format.encoding, Encoding::Utf8Bom);
    assert!(bom.to_bytes().starts_with(&[0xEF, 0xBB, 0xBF]));

    let (commented, _) = find("mdc-webapp-LatestTLS");
    assert!(commented.format.had_comments);
    assert!(commented.save_warnings().is_empty(), "comments are kept");

    let (two, _) = find("logic-app-create__azuredeploy");
    assert_eq!(two.workflows.len(), 1);
    let (four, _) = find("schedulesWithConn");
    assert_eq!(four.workflows.len(), 4, "four workflows in one template");
}

/// Corpus files that truly break a rule, and which rules.
const KNOWN_BREAKS: &[(&str, &[&str])] = &[
    // 1,000 sequential actions: a synthetic stress fixture over the 500 limit.
    ("StressTest1000", &["too-many-actions"]),
    // A chain of 10 nested Ifs: deeper than the limit of 8.
    ("nestedIncreasedConditionalLimitWorkflow", &["too-deep"]),
    // Deliberately invalid lint fixtures: auth objects with required fields missing.
    ("auth-required-fields-invalid", &["auth-missing-field"]),
    ("auth-raw-missing-value-invalid", &["auth-missing-field"]),
    // A gallery template whose HTTP actions have empty method and URI, to be
    // filled in by the user.
    ("scheduler-run-once-http", &["http-method", "http-uri"]),
    // A gallery template with an empty clientId placeholder.
    (
        "blob-storage-to-dynamics-365-import",
        &["aad-missing-field"],
    ),
    // Four HTTP bodies read @{parameters('ActionGroupID')}, which the
    // definition never declares (it declares AllAlertName and Region only).
    ("ActivityLogAlertsForDDoS", &["expr-unknown-parameter"]),
    // A designer mock: two variables read body('Create_a_goal') and
    // body('Create_a_goal_2'), actions that are not in the file.
    ("workflows__RunAfter.json", &["expr-unknown-action"]),
    // The same mock also initializes `testVar` twice, and answers with a
    // Response although its trigger is a polling Http trigger, not Request.
    (
        "workflows__RunAfter.json",
        &["response-without-request", "variable-duplicate"],
    ),
    // Designer mocks that increment `var1` / `t`, which no Initialize
    // variable action declares.
    ("workflows__AllScopeNodes", &["variable-undeclared"]),
    ("workflows__MultipleRunAftersBig", &["variable-undeclared"]),
    // The same mock has Increment variable actions with no inputs at all
    // (no variable name).
    ("workflows__MultipleRunAftersBig", &["missing-input"]),
];

#[test]
fn corpus_validates_without_false_errors() {
    let files = common::corpus_files();
    if files.is_empty() {
        return;
    }
    let mut checked = 0;
    for path in &files {
        let name = common::file_name(path);
        let doc = Document::load(path).unwrap();
        let mut codes = BTreeSet::new();
        for i in 0..doc.workflows.len() {
            // The fast walk finds the same objects as the JSON pointers.
            let outline = doc.outline(i).unwrap();
            for (n, obj) in outline.nodes.iter().zip(outline.objects(&doc.root)) {
                assert_eq!(
                    obj,
                    doc.root.pointer(&n.pointer).and_then(|v| v.as_object()),
                    "{name}: {}",
                    n.pointer
                );
            }
            for p in validate_document(&doc, i).unwrap() {
                if p.severity == Severity::Error {
                    codes.insert(p.code);
                }
            }
            checked += 1;
        }
        let expected: BTreeSet<&str> = KNOWN_BREAKS
            .iter()
            .filter(|(part, _)| name.contains(part))
            .flat_map(|(_, c)| c.iter().copied())
            .collect();
        assert_eq!(codes, expected, "{name}: unexpected validation errors");
    }
    println!("corpus validation: {checked} workflows checked");
}

fn corpus_bytes() -> Vec<Vec<u8>> {
    common::corpus_files()
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect()
}

/// Loading never panics, and a failure always names a line and column.
fn exercise(bytes: &[u8]) {
    match Document::from_bytes(bytes, Some(std::path::Path::new("m.json"))) {
        Ok(doc) => {
            for i in 0..doc.workflows.len() {
                let g = lapis::graph::WorkflowGraph::build(doc.outline(i).unwrap());
                let _ = lapis::graph::validate::validate(&doc.root, &g);
                let _ = g.topological_order();
                let _ = lapis::graph::layout::layout(&g, &Default::default());
            }
            // A second save changes nothing.
            let once = doc.to_bytes();
            let again = Document::from_bytes(&once, None).expect("a saved file loads");
            assert_eq!(
                String::from_utf8_lossy(&again.to_bytes()),
                String::from_utf8_lossy(&once),
                "second save differs"
            );
        }
        Err(e) => {
            let s = e.to_string();
            let rest = s.strip_prefix("m.json:").expect("error names the file");
            let mut parts = rest.splitn(3, ':');
            let line: usize = parts.next().unwrap().parse().expect("a line number");
            let col: usize = parts.next().unwrap().parse().expect("a column number");
            assert!(line >= 1 && col >= 1, "{s}");
            assert!(!s.contains('\n'), "one line: {s}");
        }
    }
}

proptest! {
    // 192 cases by default; PROPTEST_CASES=N runs a longer campaign.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(192),
        .. ProptestConfig::default()
    })]

    #[test]
    fn truncated_corpus_files_never_panic(file in 0usize..1000, cut in 0.0f64..1.0) {
        let all = corpus_bytes();
        prop_assume!(!all.is_empty());
        let b = &all[file % all.len()];
        let n = (b.len() as f64 * cut) as usize;
        exercise(&b[..n]);
    }

    #[test]
    fn mutated_corpus_files_never_panic(
        file in 0usize..1000,
        edits in proptest::collection::vec((0.0f64..1.0, any::<u8>(), 0u8..4), 1..8),
    ) {
        let all = corpus_bytes();
        prop_assume!(!all.is_empty());
        let mut b = all[file % all.len()].clone();
        for (at, byte, op) in edits {
            if b.is_empty() { break; }
            let i = ((b.len() - 1) as f64 * at) as usize;
            match op {
                0 => b[i] = byte,
                1 => { b.insert(i, byte); }
                2 => { b.remove(i); }
                // Structural characters are the most interesting mutations.
                _ => b[i] = b"{}[]\",:"[byte as usize % 7],
            }
        }
        exercise(&b);
    }
}
