//! The rule fixtures: `tests/fixtures/rules/<code>/<case>/` holds a
//! workflow file (a definition, a Standard `workflow.json` or an ARM
//! template; or a `project/` folder, a Standard project with one
//! `*/workflow.json`) and `expected.json`, the findings Lapis must report for it
//! (code, level, pointer), no more and no less. Every code of the rule
//! catalogue has at least one case that breaks it and one that does not.

use lapis::graph::rules::{self, RULES};
use lapis::graph::validate::{validate_document, Severity};
use lapis::workflow::Document;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

type Finding = (String, String, String);

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules")
}

fn dirs(p: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

/// The case's input: the one `.json` file that is not `expected.json`; or,
/// for a Standard project case, the one `project/*/workflow.json` (the
/// project files around it are read with it).
fn input(case: &Path) -> PathBuf {
    let project = case.join("project");
    if project.is_dir() {
        let files: Vec<PathBuf> = dirs(&project)
            .into_iter()
            .map(|d| d.join("workflow.json"))
            .filter(|p| p.is_file())
            .collect();
        assert_eq!(
            files.len(),
            1,
            "{}: expected one project/*/workflow.json, found {files:?}",
            case.display()
        );
        return files.into_iter().next().expect("one file");
    }
    let files: Vec<PathBuf> = std::fs::read_dir(case)
        .expect("case folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json") && !p.ends_with("expected.json"))
        .collect();
    assert_eq!(
        files.len(),
        1,
        "{}: expected one input file, found {files:?}",
        case.display()
    );
    files.into_iter().next().expect("one file")
}

fn actual(case: &Path) -> Vec<Finding> {
    let doc = Document::load(&input(case)).unwrap_or_else(|e| panic!("{e}"));
    let mut out = Vec::new();
    for i in 0..doc.workflows.len() {
        let ps = validate_document(&doc, i)
            .unwrap_or_else(|e| panic!("{}: {}", case.display(), e.message));
        for p in ps {
            let level = match p.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            out.push((p.code.to_owned(), level.to_owned(), p.pointer));
        }
    }
    out.sort();
    out
}

fn expected(case: &Path) -> Vec<Finding> {
    let p = case.join("expected.json");
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let mut out: Vec<Finding> = v
        .as_array()
        .unwrap_or_else(|| panic!("{}: expected an array", p.display()))
        .iter()
        .map(|f| {
            let s = |k: &str| {
                f.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_else(|| panic!("{}: a finding without `{k}`", p.display()))
                    .to_owned()
            };
            (s("code"), s("level"), s("pointer"))
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_fixture_yields_exactly_its_expected_findings() {
    let mut failures = Vec::new();
    let mut count = 0;
    for code_dir in dirs(&root()) {
        for case in dirs(&code_dir) {
            count += 1;
            let (a, e) = (actual(&case), expected(&case));
            if a != e {
                failures.push(format!(
                    "{}:\n  expected {e:?}\n  found    {a:?}",
                    case.strip_prefix(root()).unwrap_or(&case).display()
                ));
            }
        }
    }
    assert!(count > 100, "only {count} fixture cases found");
    assert!(
        failures.is_empty(),
        "{} case(s) differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_rule_has_a_breaking_and_a_passing_case() {
    let mut missing = Vec::new();
    for r in RULES {
        let dir = root().join(r.code);
        if !dir.is_dir() {
            missing.push(format!("{}: no fixture folder", r.code));
            continue;
        }
        let cases: Vec<BTreeSet<String>> = dirs(&dir)
            .iter()
            .map(|c| expected(c).into_iter().map(|f| f.0).collect())
            .collect();
        if !cases.iter().any(|codes| codes.contains(r.code)) {
            missing.push(format!("{}: no case that breaks the rule", r.code));
        }
        if !cases.iter().any(|codes| !codes.contains(r.code)) {
            missing.push(format!("{}: no case that passes the rule", r.code));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn every_code_found_is_in_the_catalogue_and_folders_name_codes() {
    for code_dir in dirs(&root()) {
        let name = code_dir.file_name().and_then(|n| n.to_str()).unwrap_or("");
        assert!(
            rules::find(name).is_some(),
            "fixture folder `{name}` is not a rule code"
        );
        for case in dirs(&code_dir) {
            for (code, _, _) in actual(&case) {
                assert!(
                    rules::find(&code).is_some(),
                    "{}: `{code}` is not in the catalogue",
                    case.display()
                );
            }
        }
    }
}

#[test]
fn the_catalogue_is_well_formed() {
    let mut seen = BTreeSet::new();
    for r in RULES {
        assert!(seen.insert(r.code), "`{}` twice in the catalogue", r.code);
        assert!(
            r.code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "`{}` is not kebab-case",
            r.code
        );
        assert!(
            r.source.starts_with("https://learn.microsoft.com/"),
            "{}: {}",
            r.code,
            r.source
        );
        assert!(
            !r.summary.is_empty() && !r.example.is_empty() && !r.fix.is_empty(),
            "{}",
            r.code
        );
        let text = rules::explain(r);
        assert!(text.contains(r.source) && text.contains(r.fix), "{text}");
    }
    let list = rules::list();
    assert_eq!(list.lines().count(), RULES.len());
}

fn lapis(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lapis"))
        .args(args)
        .output()
        .expect("lapis runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn lapis_explain_prints_the_rule_an_example_the_fix_and_the_source() {
    let (code, out, err) = lapis(&["explain", "retry-policy"]);
    assert_eq!(code, 0, "{err}");
    let rule = rules::find("retry-policy").expect("in the catalogue");
    for part in [
        rule.code,
        "(error)",
        rule.summary,
        rule.example,
        rule.fix,
        rule.source,
    ] {
        assert!(out.contains(part), "`{part}` missing from:\n{out}");
    }
}

#[test]
fn lapis_explain_with_no_code_lists_every_rule() {
    let (code, out, _) = lapis(&["explain"]);
    assert_eq!(code, 0);
    for r in RULES {
        assert!(
            out.lines()
                .any(|l| l.split_whitespace().next() == Some(r.code)),
            "`{}` not listed",
            r.code
        );
    }
}

#[test]
fn lapis_explain_refuses_an_unknown_code() {
    let (code, out, err) = lapis(&["explain", "no-such-rule"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.contains("no-such-rule") && err.contains("lapis explain"),
        "{err}"
    );
}

#[test]
fn the_readme_lists_every_rule_with_its_level_and_source() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    for r in RULES {
        let level = match r.level {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let rows: Vec<&str> = readme
            .lines()
            .filter(|l| l.starts_with(&format!("| `{}` |", r.code)))
            .collect();
        assert!(!rows.is_empty(), "README: no table row for `{}`", r.code);
        assert!(
            rows.iter()
                .any(|row| row.contains(level) && row.contains(r.source)),
            "README: no row of `{}` with its level ({level}) and source: {rows:?}",
            r.code
        );
    }
}

#[test]
fn the_designer_field_check_knows_the_project_parameters_as_validate_does() {
    // parameters.json declares `fromProjectFile`; the definition does not.
    let case = root().join("expr-unknown-parameter/standard-project-file");
    assert!(actual(&case).is_empty(), "{:?}", actual(&case));
    let doc = Document::load(&input(&case)).unwrap_or_else(|e| panic!("{e}"));
    let mut session = lapis::ui::session::Session::new(doc);
    let at = "/definition/actions/Call/inputs/uri";
    let known = session.expr_context(at, "@parameters('fromProjectFile')");
    assert!(known.findings.is_empty(), "{:?}", known.findings);
    assert!(
        known
            .reachable
            .parameters
            .contains(&"fromProjectFile".to_owned()),
        "completion offers it: {:?}",
        known.reachable.parameters
    );
    // A name parameters.json does not declare is still reported, as
    // `lapis validate` reports it (the standard-not-in-project-file case).
    let unknown = session.expr_context(at, "@parameters('fromProjectFiles')");
    let codes: Vec<(&str, lapis::expr::check::Level)> =
        unknown.findings.iter().map(|f| (f.code, f.level)).collect();
    assert_eq!(
        codes,
        [("expr-unknown-parameter", lapis::expr::check::Level::Warning)]
    );
    let other = root().join("expr-unknown-parameter/standard-not-in-project-file");
    assert_eq!(
        actual(&other),
        [(
            "expr-unknown-parameter".to_owned(),
            "warning".to_owned(),
            at.to_owned()
        )]
    );
}
