//! What a test run prints (text, JSON, JUnit XML), coverage, and
//! `--update`.

use super::runner::{all_actions, CaseResult, Failure, Outcome};
use super::TestFile;
use crate::run::Status;
use crate::workflow::Document;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Counts of a test run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Totals {
    /// Cases run.
    pub tests: usize,
    /// Passed.
    pub passed: usize,
    /// Failed an assertion.
    pub failed: usize,
    /// Could not run.
    pub errors: usize,
}

/// Counts the outcomes.
pub fn totals(results: &[CaseResult]) -> Totals {
    let mut t = Totals {
        tests: results.len(),
        ..Totals::default()
    };
    for r in results {
        match r.outcome {
            Outcome::Passed => t.passed += 1,
            Outcome::Failed => t.failed += 1,
            Outcome::Error => t.errors += 1,
        }
    }
    t
}

/// The text report: one line per case, and under each failed one its failed
/// assertions with expected against actual and the differences.
pub fn text(results: &[CaseResult]) -> String {
    let mut s = String::new();
    for r in results {
        let word = match r.outcome {
            Outcome::Passed => "PASS",
            Outcome::Failed => "FAIL",
            Outcome::Error => "ERROR",
        };
        let _ = writeln!(
            s,
            "{word}  {} :: {}  ({} ms)",
            r.file.display(),
            r.name,
            r.duration.as_millis()
        );
        if let Some(e) = &r.error {
            let _ = writeln!(s, "      {e}");
        }
        for f in &r.failures {
            for line in failure_text(&r.file, f).lines() {
                let _ = writeln!(s, "      {line}");
            }
        }
    }
    let t = totals(results);
    let _ = writeln!(
        s,
        "\n{} tests: {} passed, {} failed, {} errors",
        t.tests, t.passed, t.failed, t.errors
    );
    s
}

/// One failed assertion as the text report prints it: where and what,
/// then expected, actual and the differing pointers, a line each.
pub fn failure_text(file: &Path, f: &Failure) -> String {
    let mut s = format!(
        "{}:{}:{}: {}\n  expected: {}\n  actual:   {}\n",
        file.display(),
        f.line,
        f.column,
        f.what,
        f.expected,
        f.actual
    );
    for d in &f.diff {
        let _ = writeln!(s, "    {d}");
    }
    s
}

/// The JSON report: `{"totals", "results": [{file, name, outcome, error,
/// failures: [{what, action, pointer, line, column, expected, actual,
/// diff}], assertions, duration}]}`.
pub fn json(results: &[CaseResult], coverage: Option<&[Coverage]>) -> Value {
    let mut v = json!({
        "totals": totals(results),
        "results": results,
    });
    if let Some(c) = coverage {
        v["coverage"] = serde_json::to_value(c).unwrap_or(Value::Null);
    }
    v
}

/// Text that XML 1.0 accepts: characters it forbids (most C0 controls,
/// unpaired surrogates cannot occur in a `str`, U+FFFE/U+FFFF) become
/// U+FFFD; then `& < > " '` are escaped.
pub fn xml_text(s: &str) -> String {
    let clean: String = s
        .chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect();
    quick_xml::escape::escape(clean.as_str()).into_owned()
}

/// JUnit XML, in the shape most CI systems read (the Ant JUnit schema):
/// `<testsuites>` holding one `<testsuite>` per test file, each
/// `<testcase name classname time>` with a `<failure message type>` per
/// failed case or an `<error message type>` for a case that could not run.
pub fn junit(results: &[CaseResult]) -> String {
    let mut by_file: BTreeMap<&Path, Vec<&CaseResult>> = BTreeMap::new();
    for r in results {
        by_file.entry(r.file.as_path()).or_default().push(r);
    }
    let t = totals(results);
    let total_time: f64 = results.iter().map(|r| r.duration.as_secs_f64()).sum();
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        s,
        "<testsuites name=\"lapis test\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{total_time:.3}\">",
        t.tests, t.failed, t.errors
    );
    let stamp = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string();
    for (id, (file, cases)) in by_file.iter().enumerate() {
        let ft = totals(&cases.iter().map(|c| (*c).clone()).collect::<Vec<_>>());
        let time: f64 = cases.iter().map(|r| r.duration.as_secs_f64()).sum();
        let suite = file.display().to_string();
        let _ = writeln!(
            s,
            "  <testsuite id=\"{id}\" name=\"{}\" package=\"lapis\" hostname=\"localhost\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\" time=\"{time:.3}\" timestamp=\"{stamp}\">",
            xml_text(&suite),
            ft.tests,
            ft.failed,
            ft.errors
        );
        let _ = writeln!(s, "    <properties/>");
        for r in cases {
            let _ = write!(
                s,
                "    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3}\"",
                xml_text(&r.name),
                xml_text(&suite),
                r.duration.as_secs_f64()
            );
            match r.outcome {
                Outcome::Passed => s.push_str("/>\n"),
                Outcome::Failed => {
                    s.push_str(">\n");
                    let first = r.failures.first().map_or(String::new(), |f| {
                        format!("{}: expected {}, actual {}", f.what, f.expected, f.actual)
                    });
                    let mut body = String::new();
                    for f in &r.failures {
                        body.push_str(&failure_text(&r.file, f));
                    }
                    let _ = writeln!(
                        s,
                        "      <failure message=\"{}\" type=\"AssertionFailed\">{}</failure>",
                        xml_text(&first),
                        xml_text(&body)
                    );
                    s.push_str("    </testcase>\n");
                }
                Outcome::Error => {
                    s.push_str(">\n");
                    let e = r.error.clone().unwrap_or_default();
                    let _ = writeln!(
                        s,
                        "      <error message=\"{}\" type=\"TestError\">{}</error>",
                        xml_text(e.lines().next().unwrap_or("")),
                        xml_text(&e)
                    );
                    s.push_str("    </testcase>\n");
                }
            }
        }
        let _ = writeln!(s, "    <system-out/>\n    <system-err/>\n  </testsuite>");
    }
    s.push_str("</testsuites>\n");
    s
}

/// One run-after edge: `to` runs after `from` finished with `status`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Edge {
    /// The action waited on.
    pub from: String,
    /// The action that waits.
    pub to: String,
    /// The status listed in `runAfter`.
    pub status: String,
    /// Whether a test run took it: `from` ended with `status` and `to` ran.
    pub covered: bool,
}

/// What the tests of one workflow exercised.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Coverage {
    /// The workflow file.
    pub workflow: PathBuf,
    /// Every action, with whether some test ran it (not Skipped).
    pub actions: Vec<(String, bool)>,
    /// Every run-after edge (Succeeded, Failed, Skipped, TimedOut).
    pub edges: Vec<Edge>,
}

impl Coverage {
    /// (covered actions, all actions, covered edges, all edges).
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        (
            self.actions.iter().filter(|a| a.1).count(),
            self.actions.len(),
            self.edges.iter().filter(|e| e.covered).count(),
            self.edges.len(),
        )
    }
}

/// Coverage per workflow of the results' runs.
pub fn coverage(files: &[TestFile], results: &[CaseResult]) -> Vec<Coverage> {
    let mut by_wf: BTreeMap<(PathBuf, Option<String>), Vec<usize>> = BTreeMap::new();
    for (i, f) in files.iter().enumerate() {
        by_wf
            .entry((f.workflow.clone(), f.workflow_name.clone()))
            .or_default()
            .push(i);
    }
    let mut out = Vec::new();
    for ((wf, name), idx) in by_wf {
        let Ok(doc) = Document::load(&wf) else {
            continue;
        };
        let Ok(i) = doc.select(name.as_deref()) else {
            continue;
        };
        let actions = all_actions(doc.definition(i));
        let runs: Vec<&crate::run::Run> = results
            .iter()
            .filter(|r| idx.contains(&r.file_index))
            .filter_map(|r| r.run.as_ref())
            .collect();
        let status_of = |run: &crate::run::Run, n: &str| run.action(n).map(|a| a.status);
        let ran = |n: &str| {
            runs.iter()
                .any(|r| status_of(r, n).is_some_and(|s| s != Status::Skipped))
        };
        let mut cov = Coverage {
            workflow: wf.clone(),
            actions: actions.iter().map(|(n, _)| (n.clone(), ran(n))).collect(),
            edges: Vec::new(),
        };
        let mut edges = BTreeSet::new();
        for (to, def) in &actions {
            let Some(Value::Object(ra)) = def.get("runAfter") else {
                continue;
            };
            for (from, sts) in ra {
                for st in sts
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                {
                    let covered = runs.iter().any(|r| {
                        status_of(r, from).is_some_and(|s| s.as_str().eq_ignore_ascii_case(st))
                            && status_of(r, to).is_some_and(|s| s != Status::Skipped)
                    });
                    edges.insert(Edge {
                        from: from.clone(),
                        to: to.clone(),
                        status: st.to_owned(),
                        covered,
                    });
                }
            }
        }
        cov.edges = edges.into_iter().collect();
        out.push(cov);
    }
    out
}

/// The coverage report as text.
pub fn coverage_text(cov: &[Coverage]) -> String {
    let mut s = String::new();
    for c in cov {
        let (a, at, e, et) = c.counts();
        let _ = writeln!(
            s,
            "coverage {}: actions {a}/{at}, run-after edges {e}/{et}",
            c.workflow.display()
        );
        for (n, ok) in &c.actions {
            if !ok {
                let _ = writeln!(s, "  action not run: {n}");
            }
        }
        for ed in &c.edges {
            if !ed.covered {
                let _ = writeln!(
                    s,
                    "  edge not taken: {} -> {} on {}",
                    ed.from, ed.to, ed.status
                );
            }
        }
    }
    s
}

/// `--update`: writes the actual values in place of the expected ones of
/// failed equality assertions (status, iterations, errorCode, response
/// status, `equals` matchers) and saves the file atomically. Returns how
/// many values changed. Assertions of other kinds (contains, regex,
/// schema, notRun) are left for a person to fix.
pub fn update(file: &TestFile, results: &[CaseResult]) -> Result<usize, String> {
    let mut raw = file.raw.clone();
    let mut n = 0;
    for r in results.iter().filter(|r| r.file == file.path) {
        for f in &r.failures {
            let Some(v) = &f.update else { continue };
            let Some(slot) = raw.pointer_mut(&f.pointer) else {
                continue;
            };
            match slot {
                Value::Object(m) if m.contains_key("equals") => {
                    m.insert("equals".into(), v.clone());
                }
                Value::Object(_) | Value::Array(_) => *slot = json!({"equals": v}),
                _ if v.is_object() || v.is_array() => *slot = json!({"equals": v}),
                _ => *slot = v.clone(),
            }
            n += 1;
        }
    }
    if n > 0 {
        super::save_edited(file, &raw)?;
    }
    Ok(n)
}
