//! `cargo bench --bench hostile`: hostile inputs that must stay linear.
//!
//! - a 60 MB one-line (minified) Standard workflow.json whose definition
//!   (at the end) is malformed: load, fail, and locate the error;
//! - a 60 MB one-line definition with one action of an unknown type:
//!   load, validate, and locate every problem as `lapis validate` does.
//!
//! Target (issue 15): each under 2 s in a release build, in the library
//! and through the commands a user runs on such a file (`lapis validate`,
//! `lapis fmt --check`, `lapis export`), timed as processes.
//!
//! Then export memory: `lapis export --to definition|arm|standard` of
//! generated object-heavy definitions of 4.5, 10 and 60 MB, peak RSS of
//! the process (by `/usr/bin/time`), against 5 × the input + the peak of
//! the same export of a tiny workflow (the process's baseline).

use lapis::graph::validate::validate_document;
use lapis::workflow::text::{read_source, SpanIndex};
use lapis::workflow::Document;
use serde_json::{json, Map, Value};
use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const TARGET: Duration = Duration::from_secs(2);
const SIZE: usize = 60 * 1024 * 1024;

/// Objects of realistic shape (keys, strings with some non-ASCII, numbers)
/// until the JSON text holds about `bytes` bytes.
fn filler(bytes: usize) -> Value {
    let mut items = Vec::new();
    let mut size = 0;
    let mut i = 0usize;
    while size < bytes {
        let item = json!({
            "id": i,
            "name": format!("item-{i}"),
            "note": "Grüße aus Zürich — ünïcödé text that is long enough to matter",
            "tags": ["a", "b", i % 7],
        });
        size += serde_json::to_string(&item).map(|s| s.len()).unwrap_or(0) + 1;
        items.push(item);
        i += 1;
    }
    Value::Array(items)
}

fn workflow_with_bad_definition() -> Vec<u8> {
    // A Standard workflow.json: `definition` (last) is not an object.
    let mut doc = Map::new();
    doc.insert("kind".into(), json!("Stateful"));
    doc.insert("rows".into(), filler(SIZE));
    doc.insert("definition".into(), json!(5));
    serde_json::to_vec(&Value::Object(doc)).expect("serializes")
}

fn definition_with_bad_type() -> Vec<u8> {
    let mut actions = Map::new();
    let per = SIZE / 400;
    for k in 0..400 {
        actions.insert(
            format!("Compose_{k}"),
            json!({"type": "Compose", "inputs": filler(per), "runAfter": {}}),
        );
    }
    actions.insert(
        "Bad".into(),
        json!({"type": "NoSuchType", "inputs": {}, "runAfter": {}}),
    );
    let doc = json!({
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "contentVersion": "1.0.0.0",
        "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {}}},
        "actions": actions,
        "outputs": {}
    });
    serde_json::to_vec(&doc).expect("serializes")
}

fn report(name: &str, bytes: usize, took: Duration, what: &str) -> bool {
    let ok = took < TARGET;
    println!(
        "{name:<34} {:>6.1} MB {:>9.3} s   < {} s {}   {what}",
        bytes as f64 / 1048576.0,
        took.as_secs_f64(),
        TARGET.as_secs(),
        if ok { "ok" } else { "MISSED" }
    );
    ok
}

fn main() {
    println!("lapis hostile-input benchmark (release build)");
    let mut ok = true;

    let bytes = workflow_with_bad_definition();
    let t = Instant::now();
    let err = Document::from_bytes(&bytes, None).expect_err("the definition is not an object");
    let took = t.elapsed();
    let shown = err.to_string();
    ok &= report(
        "load error, one line",
        bytes.len(),
        took,
        &shown[..shown.len().min(60)],
    );

    let bytes = definition_with_bad_type();
    let t = Instant::now();
    let source = read_source(&bytes).expect("decodes");
    let doc = Document::from_source(&source, None).expect("loads");
    let loaded = t.elapsed();
    let problems = validate_document(&doc, 0).expect("validates");
    let validated = t.elapsed();
    // As `lapis validate` does: one walk for every problem's place.
    let index = SpanIndex::new(&source.json);
    let pointers: Vec<&str> = problems.iter().map(|p| p.pointer.as_str()).collect();
    let located = index.locate_all(&pointers);
    let took = t.elapsed();
    black_box(&located);
    let first = problems
        .iter()
        .zip(&located)
        .find(|(p, _)| p.action.as_deref() == Some("Bad"))
        .map(|(p, (l, c))| format!("{l}:{c} {}", p.code))
        .unwrap_or_else(|| format!("{} problems, none on Bad", problems.len()));
    ok &= report("validate + locate, one line", bytes.len(), took, &first);
    println!(
        "  of which: load {:.3} s, validate {:.3} s, index + locate {:.3} s",
        loaded.as_secs_f64(),
        (validated - loaded).as_secs_f64(),
        (took - validated).as_secs_f64()
    );
    // The same text with its line breaks: one-line costs the same.
    let pretty =
        serde_json::to_vec_pretty(&serde_json::from_slice::<Value>(&bytes).expect("parses"))
            .expect("serializes");
    let text = String::from_utf8(pretty).expect("UTF-8");
    let t = Instant::now();
    let index = SpanIndex::new(&text);
    black_box(index.locate("/actions/Bad/type"));
    println!(
        "  index + locate, same content pretty-printed ({:.1} MB): {:.3} s",
        text.len() as f64 / 1048576.0,
        t.elapsed().as_secs_f64()
    );

    let dir = tempfile::tempdir().expect("a temporary folder");
    let bad_def = dir.path().join("bad-definition.json");
    let bad_type = dir.path().join("bad-type.json");
    std::fs::write(&bad_def, workflow_with_bad_definition()).expect("writes");
    std::fs::write(&bad_type, &bytes).expect("writes");
    drop(bytes);
    println!("commands (release binary, whole process):");
    for (file, what) in [(&bad_def, "load error"), (&bad_type, "bad type")] {
        let size = std::fs::metadata(file)
            .map(|m| m.len() as usize)
            .unwrap_or(0);
        let out = dir.path().join("out.json");
        let runs: [(&str, Vec<&std::ffi::OsStr>); 3] = [
            ("validate", vec!["validate".as_ref(), file.as_os_str()]),
            (
                "fmt --check",
                vec!["fmt".as_ref(), "--check".as_ref(), file.as_os_str()],
            ),
            (
                "export --to definition",
                vec![
                    "export".as_ref(),
                    file.as_os_str(),
                    "--to".as_ref(),
                    "definition".as_ref(),
                    "-o".as_ref(),
                    out.as_os_str(),
                ],
            ),
        ];
        for (name, args) in runs {
            let run = lapis(&args);
            ok &= report(
                &format!("lapis {name} ({what})"),
                size,
                run.took,
                &format!("exit {}, {}", run.code, first_line(&run.stderr, 50)),
            );
        }
    }
    drop(dir);

    ok &= export_memory();

    if !ok {
        println!("at least one target was missed");
    }
}

/// What a run of the `lapis` binary took.
struct Run {
    took: Duration,
    code: i32,
    stderr: String,
    /// Peak resident set size in KiB, when `/usr/bin/time` is there.
    peak_kib: Option<u64>,
}

const TIME: &str = "/usr/bin/time";
const RSS_MARK: &str = "lapis-bench-peak-kib=";

/// Runs the release binary with `args`, under `/usr/bin/time` when it is
/// installed (its figure is the child's peak RSS, `getrusage`'s maxrss).
fn lapis(args: &[&std::ffi::OsStr]) -> Run {
    let exe = env!("CARGO_BIN_EXE_lapis");
    let timed = Path::new(TIME).exists();
    let mut cmd = if timed {
        let mut c = Command::new(TIME);
        c.arg("-f").arg(format!("{RSS_MARK}%M")).arg(exe);
        c
    } else {
        Command::new(exe)
    };
    cmd.args(args);
    let t = Instant::now();
    let out = cmd.output().expect("runs lapis");
    let took = t.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let peak_kib = stderr
        .lines()
        .find_map(|l| l.strip_prefix(RSS_MARK))
        .and_then(|v| v.trim().parse().ok());
    Run {
        took,
        code: out.status.code().unwrap_or(-1),
        stderr: stderr
            .lines()
            .filter(|l| !l.starts_with(RSS_MARK))
            .collect::<Vec<_>>()
            .join("\n"),
        peak_kib,
    }
}

fn first_line(s: &str, max: usize) -> String {
    let line = s.lines().next().unwrap_or("");
    // Paths of the temporary folder say nothing.
    let line = line.rsplit(".json:").next().unwrap_or(line);
    line.chars().take(max).collect()
}

/// An object-heavy definition of about `bytes` bytes, one line: a chain of
/// Compose actions whose inputs are rows of small objects (numbers,
/// strings, arrays, nested objects), the shape of pasted sample payloads.
fn object_heavy(bytes: usize) -> Vec<u8> {
    let mut actions = Map::new();
    let mut size = 0;
    let mut k = 0usize;
    while size < bytes {
        let rows: Vec<Value> = (0..1000)
            .map(|i| {
                json!({
                    "id": i,
                    "name": format!("item-{k}-{i}"),
                    "note": "Grüße aus Zürich — text",
                    "tags": ["a", "b", i % 7],
                    "nested": {"x": 1.5, "y": null, "z": true},
                })
            })
            .collect();
        let run_after = if k == 0 {
            json!({})
        } else {
            json!({ format!("Compose_{}", k - 1): ["Succeeded"] })
        };
        let action = json!({"type": "Compose", "inputs": {"rows": rows}, "runAfter": run_after});
        size += serde_json::to_vec(&action).map(|v| v.len()).unwrap_or(0);
        actions.insert(format!("Compose_{k}"), action);
        k += 1;
    }
    let doc = json!({
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {},
        "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {}}},
        "actions": actions,
        "outputs": {}
    });
    serde_json::to_vec(&doc).expect("serializes")
}

/// Peak RSS of `lapis export` for each target and size; `false` when one
/// is over 5 × the input + the baseline.
fn export_memory() -> bool {
    if !Path::new(TIME).exists() {
        println!("export memory: not measured ({TIME} is not installed)");
        return true;
    }
    let dir = tempfile::tempdir().expect("a temporary folder");
    let tiny = dir.path().join("tiny.json");
    std::fs::write(&tiny, object_heavy(1)).expect("writes");
    let targets = ["definition", "arm", "standard"];
    let export = |file: &Path, target: &str| -> Run {
        let out = if target == "standard" {
            dir.path().join(format!("project-{target}"))
        } else {
            dir.path().join(format!("out-{target}.json"))
        };
        let run = lapis(&[
            "export".as_ref(),
            file.as_os_str(),
            "--to".as_ref(),
            target.as_ref(),
            "-o".as_ref(),
            out.as_os_str(),
        ]);
        assert_eq!(run.code, 0, "lapis export --to {target}: {}", run.stderr);
        let _ = std::fs::remove_dir_all(&out);
        let _ = std::fs::remove_file(&out);
        run
    };
    let baseline: Vec<u64> = targets
        .iter()
        .map(|t| export(&tiny, t).peak_kib.unwrap_or(0))
        .collect();
    println!(
        "export memory (peak RSS; baseline = the same export of a tiny workflow: {} / {} / {} MB):",
        baseline[0] / 1024,
        baseline[1] / 1024,
        baseline[2] / 1024
    );
    let mut ok = true;
    for mb in [4.5, 10.0, 60.0] {
        let file = dir.path().join(format!("heavy-{mb}.json"));
        let bytes = object_heavy((mb * 1048576.0) as usize);
        let size = bytes.len() as u64;
        std::fs::write(&file, bytes).expect("writes");
        for (t, base) in targets.iter().zip(&baseline) {
            let run = export(&file, t);
            let peak = run.peak_kib.unwrap_or(0) * 1024;
            let over = peak.saturating_sub(base * 1024) as f64 / size as f64;
            let fits = over <= 5.0;
            ok &= fits;
            println!(
                "  export --to {t:<10} {:>6.1} MB in: peak {:>7.1} MB = baseline + {over:>5.1} × input   <= 5 × {}   {:.2} s",
                size as f64 / 1048576.0,
                peak as f64 / 1048576.0,
                if fits { "ok" } else { "MISSED" },
                run.took.as_secs_f64()
            );
        }
        let _ = std::fs::remove_file(&file);
    }
    ok
}
