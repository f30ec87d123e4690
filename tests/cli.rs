//! Integration tests of the `lapis` command line: the real binary, run as a
//! child process, on the samples and on small files written to scratch
//! folders. Exit codes: 0 success, 1 the check failed, 2 bad usage or input.

use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SCHEMA: &str =
    "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#";

/// The result of one run of the binary.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn describe(&self) -> String {
        format!(
            "exit code {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    #[track_caller]
    fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, Some(code), "{}", self.describe());
        self
    }

    /// The one line of standard error (asserts there is exactly one).
    #[track_caller]
    fn single_error_line(&self) -> &str {
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(
            lines.len(),
            1,
            "expected one line on stderr; {}",
            self.describe()
        );
        lines[0]
    }
}

fn lapis_in(dir: Option<&Path>, args: &[&str]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lapis"));
    cmd.args(args);
    if let Some(d) = dir {
        cmd.current_dir(d);
    }
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("the lapis binary runs");
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

fn lapis(args: &[&str]) -> Run {
    lapis_in(None, args)
}

fn s(p: &Path) -> &str {
    p.to_str().expect("test paths are UTF-8")
}

fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn bare_sample() -> PathBuf {
    repo_path("samples/app-proxy-status.json")
}

fn standard_sample() -> PathBuf {
    repo_path("samples/order-sync/workflow.json")
}

fn fixture(name: &str) -> PathBuf {
    repo_path(&format!("tests/fixtures/cli/{name}"))
}

fn read_json(p: &Path) -> Value {
    let bytes = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// Names of the files in a folder, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A small, valid bare definition.
fn tiny_definition() -> String {
    format!(
        "{{\n  \"$schema\": \"{SCHEMA}\",\n  \"contentVersion\": \"1.0.0.0\",\n  \"triggers\": {{\n    \"manual\": {{\n      \"type\": \"Request\",\n      \"kind\": \"Http\"\n    }}\n  }},\n  \"actions\": {{\n    \"Compose\": {{\n      \"type\": \"Compose\",\n      \"inputs\": \"hello\",\n      \"runAfter\": {{}}\n    }}\n  }},\n  \"outputs\": {{}}\n}}\n"
    )
}

// ---------------------------------------------------------------------------
// 1. Usage
// ---------------------------------------------------------------------------

fn assert_usage(text: &str) {
    assert!(text.contains("Usage: lapis"), "{text}");
    for cmd in ["validate", "fmt", "export", "graph"] {
        assert!(
            text.lines().any(|l| l.trim_start().starts_with(cmd)),
            "usage does not list `{cmd}`:\n{text}"
        );
    }
}

#[test]
fn help_lists_the_commands() {
    let r = lapis(&["--help"]);
    r.expect_code(0);
    assert_usage(&r.stdout);
}

#[test]
fn without_a_display_the_designer_says_so_and_points_to_the_command_line() {
    // `lapis` alone opens the window; with no display it must fail clearly.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lapis"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env(
            "LAPIS_DATA_DIR",
            std::env::temp_dir().join("lapis-cli-test-nodisplay"),
        )
        .output()
        .expect("run lapis");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("could not open the designer window"),
        "{stderr}"
    );
    assert!(stderr.contains("lapis --help"), "{stderr}");
}

#[test]
fn bad_usage_exits_2() {
    // A missing required argument of a known command.
    let r = lapis(&["validate"]);
    r.expect_code(2);
    assert!(r.stderr.contains("required"), "{}", r.describe());
    let r = lapis(&["export", s(&bare_sample())]);
    r.expect_code(2);
    assert!(r.stderr.contains("--to"), "{}", r.describe());
    // Unknown options and values.
    lapis(&["--frobnicate"]).expect_code(2);
    lapis(&["validate", "--format", "xml", s(&bare_sample())]).expect_code(2);
    lapis(&["export", "--to", "zip", "-o", "x", s(&bare_sample())]).expect_code(2);
    // An unknown command followed by an argument.
    let r = lapis(&["frobnicate", "x.json"]);
    r.expect_code(2);
    assert!(r.stdout.is_empty(), "{}", r.describe());
}

#[test]
fn unknown_subcommand_alone_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    // Run where no file of that name exists; a typo of a command too.
    for word in ["frobnicate", "validat"] {
        let r = lapis_in(Some(dir.path()), &[word]);
        r.expect_code(2);
    }
}

// ---------------------------------------------------------------------------
// 2. validate
// ---------------------------------------------------------------------------

#[test]
fn validate_samples_is_clean() {
    for sample in [bare_sample(), standard_sample()] {
        let r = lapis(&["validate", s(&sample)]);
        r.expect_code(0);
        assert!(
            r.stdout.contains("1 file(s): 0 error(s)"),
            "{}",
            r.describe()
        );
    }
    let r = lapis(&["validate", s(&bare_sample()), s(&standard_sample())]);
    r.expect_code(0);
    assert!(
        r.stdout.contains("2 file(s): 0 error(s)"),
        "{}",
        r.describe()
    );
}

#[test]
fn validate_reports_unknown_run_after_with_position() {
    let f = fixture("run-after-unknown.json");
    let r = lapis(&["validate", s(&f)]);
    r.expect_code(1);
    // Line 19 of the fixture is
    // `      "runAfter": { "Firts": ["Succeeded"] }`:
    // six spaces and `"runAfter": { ` (14 characters) come before the key.
    let expected = format!("{}:19:21: error[run-after-unknown] ", f.display());
    let line = r
        .stdout
        .lines()
        .find(|l| l.contains("run-after-unknown"))
        .unwrap_or_else(|| panic!("no run-after-unknown line; {}", r.describe()));
    assert!(line.starts_with(&expected), "{line:?} vs {expected:?}");
    assert!(line.contains("`Firts`"), "{line}");
    assert!(r.stdout.contains("1 error(s)"), "{}", r.describe());
}

#[test]
fn validate_json_report() {
    let f = fixture("run-after-unknown.json");
    let r = lapis(&["validate", "--format", "json", s(&f)]);
    r.expect_code(1);
    // One JSON document and nothing else.
    let v: Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not one JSON document ({e}); {}", r.describe()));
    assert_eq!(v["errors"], 1);
    assert_eq!(v["warnings"], 0);
    let files = v["files"].as_array().expect("files is an array");
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["path"], s(&f));
    assert_eq!(files[0]["container"], "definition");
    let problems = files[0]["workflows"][0]["problems"]
        .as_array()
        .expect("problems is an array");
    assert_eq!(problems.len(), 1, "{problems:?}");
    let p = &problems[0];
    assert_eq!(p["severity"], "error");
    assert_eq!(p["code"], "run-after-unknown");
    assert_eq!(p["action"], "Second");
    assert_eq!(p["pointer"], "/actions/Second/runAfter/Firts");
    assert_eq!(p["line"], 19);
    assert_eq!(p["column"], 21);
    assert!(
        p["message"].as_str().is_some_and(|m| m.contains("Firts")),
        "{p}"
    );

    // The samples give an empty, well-formed report.
    let r = lapis(&["validate", "--format", "json", s(&standard_sample())]);
    r.expect_code(0);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["errors"], 0);
    assert_eq!(v["files"][0]["container"], "standard");
    assert_eq!(v["files"][0]["workflows"][0]["name"], "order-sync");
    assert_eq!(
        v["files"][0]["workflows"][0]["problems"],
        serde_json::json!([])
    );
}

// ---------------------------------------------------------------------------
// 3. Bad input
// ---------------------------------------------------------------------------

/// Runs `validate` on a file with the given bytes; expects exit 2 and one
/// line on stderr starting `error: PATH:LINE:COL: `. Returns that line.
#[track_caller]
fn bad_input(name: &str, bytes: &[u8], line: usize, column: usize) -> String {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), name, bytes);
    let r = lapis(&["validate", s(&p)]);
    r.expect_code(2);
    let msg = r.single_error_line().to_owned();
    let prefix = format!("error: {}:{line}:{column}: ", p.display());
    assert!(
        msg.starts_with(&prefix),
        "{msg:?} does not start with {prefix:?}"
    );
    // fmt and graph refuse it the same way.
    let r = lapis(&["graph", s(&p)]);
    r.expect_code(2);
    assert!(
        r.single_error_line().starts_with(&prefix),
        "{}",
        r.describe()
    );
    let r = lapis(&["fmt", s(&p)]);
    r.expect_code(2);
    assert!(
        r.single_error_line().starts_with(&prefix),
        "{}",
        r.describe()
    );
    assert_eq!(std::fs::read(&p).unwrap(), bytes, "fmt changed a bad file");
    msg
}

#[test]
fn truncated_json() {
    // Line 4 is `    "A": {"type": "Compose"`: 26 characters, so the text
    // ends at column 27.
    let msg = bad_input(
        "truncated.json",
        b"{\n  \"triggers\": {},\n  \"actions\": {\n    \"A\": {\"type\": \"Compose\"",
        4,
        27,
    );
    assert!(msg.contains("truncated"), "{msg}");
}

#[test]
fn missing_comma() {
    // The second member starts at line 3, column 3 without a comma before.
    let msg = bad_input(
        "comma.json",
        b"{\n  \"triggers\": {}\n  \"actions\": {}\n}\n",
        3,
        3,
    );
    assert!(msg.contains("invalid JSON"), "{msg}");
    assert!(msg.contains("expected `,`"), "{msg}");
}

#[test]
fn not_utf8() {
    // Line 3 is `  "actions": {"A": {"inputs": "é\xFF"}}`: the bad byte
    // follows 2 + 30 characters (é counts once).
    let msg = bad_input(
        "latin1.json",
        b"{\n  \"triggers\": {},\n  \"actions\": {\"A\": {\"inputs\": \"\xC3\xA9\xFF\"}}\n}\n",
        3,
        33,
    );
    assert!(msg.contains("not UTF-8"), "{msg}");
    assert!(msg.contains("0xFF"), "{msg}");
}

#[test]
fn deeply_nested_json_is_an_error_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "deep.json", "[".repeat(100_000));
    for args in [vec!["validate"], vec!["fmt"], vec!["graph"]] {
        let mut a = args.clone();
        a.push(s(&p));
        let r = lapis(&a);
        // A stack overflow would kill the process by a signal (no code).
        r.expect_code(2);
        let msg = r.single_error_line();
        assert!(
            msg.starts_with(&format!("error: {}:1:", p.display())),
            "{msg}"
        );
        assert!(msg.contains("nested too deeply"), "{msg}");
    }
}

#[test]
fn top_level_array() {
    let msg = bad_input("array.json", b"[\n  {\"triggers\": {}}\n]\n", 1, 1);
    assert!(msg.contains("expected a JSON object"), "{msg}");
}

#[test]
fn actions_must_be_an_object() {
    // Located at the `"actions"` key: line 3, column 3.
    let msg = bad_input(
        "actions.json",
        b"{\n  \"triggers\": {},\n  \"actions\": []\n}\n",
        3,
        3,
    );
    assert!(msg.contains("must be a JSON object"), "{msg}");
    assert!(msg.contains("actions"), "{msg}");
}

#[test]
fn missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("nope.json");
    for cmd in ["validate", "fmt", "graph"] {
        let r = lapis(&[cmd, s(&p)]);
        r.expect_code(2);
        let msg = r.single_error_line();
        assert!(msg.contains(s(&p)), "{msg}");
    }
    let out = dir.path().join("out.json");
    lapis(&["export", "--to", "arm", "-o", s(&out), s(&p)]).expect_code(2);
    assert!(!out.exists());
    assert!(!p.exists(), "a command created the missing file");
}

#[test]
fn json_error_column_counts_characters() {
    // `{"é€": 1 "x": 2}`: the unexpected `"x"` is the 38th character
    // of the line but its 41st byte (é is 2 bytes, € is 3).
    let text = "{\"triggers\": {}, \"actions\": {\"é€\": 1 \"x\": 2}}";
    assert_eq!(
        text.find("\"x\"").map(|b| text[..b].chars().count() + 1),
        Some(38)
    );
    bad_input("multibyte.json", text.as_bytes(), 1, 38);
}

#[test]
fn duplicate_action_names_are_not_lost_silently() {
    let dir = tempfile::tempdir().unwrap();
    let src = "{\n  \"triggers\": {},\n  \"actions\": {\n    \"A\": {\"type\": \"Compose\", \"inputs\": 1},\n    \"A\": {\"type\": \"Compose\", \"inputs\": 2}\n  }\n}\n";
    let p = write(dir.path(), "dup.json", src);
    let r = lapis(&["validate", s(&p)]);
    assert_ne!(
        r.code,
        Some(0),
        "duplicate `A` not reported; {}",
        r.describe()
    );
    let r = lapis(&["fmt", s(&p)]);
    let after = std::fs::read_to_string(&p).unwrap();
    assert!(
        after == src || !r.stderr.is_empty(),
        "fmt dropped an action without a word:\n{after}"
    );
}

// ---------------------------------------------------------------------------
// 4. fmt
// ---------------------------------------------------------------------------

const BOM: &[u8] = b"\xEF\xBB\xBF";

fn with_bom(text: &str) -> Vec<u8> {
    let mut v = BOM.to_vec();
    v.extend_from_slice(text.as_bytes());
    v
}

/// An untidy file: UTF-8 BOM, CRLF, four-space indentation, keys in an
/// unusual order, a 25-digit integer.
fn untidy_crlf_bom() -> Vec<u8> {
    let lines = [
        "{",
        "    \"actions\": {",
        "        \"Big\":   {\"runAfter\":{}, \"type\": \"Compose\",",
        "            \"inputs\": {\"count\": 1234567890123456789012345, \"zeta\": true, \"alpha\": false}",
        "        }",
        "    },",
        "    \"triggers\": {},",
        &format!("    \"$schema\": \"{SCHEMA}\""),
        "}",
        "",
    ];
    with_bom(&lines.join("\r\n"))
}

/// What `fmt` must make of `untidy_crlf_bom`.
fn tidy_crlf_bom() -> Vec<u8> {
    let lines = [
        "{",
        "    \"actions\": {",
        "        \"Big\": {",
        "            \"runAfter\": {},",
        "            \"type\": \"Compose\",",
        "            \"inputs\": {",
        "                \"count\": 1234567890123456789012345,",
        "                \"zeta\": true,",
        "                \"alpha\": false",
        "            }",
        "        }",
        "    },",
        "    \"triggers\": {},",
        &format!("    \"$schema\": \"{SCHEMA}\""),
        "}",
        "",
    ];
    with_bom(&lines.join("\r\n"))
}

#[test]
fn fmt_keeps_bom_crlf_indent_key_order_and_digits() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "w.json", untidy_crlf_bom());
    let r = lapis(&["fmt", s(&p)]);
    r.expect_code(0);
    assert!(r.stdout.contains("formatted"), "{}", r.describe());
    let once = std::fs::read(&p).unwrap();
    assert!(once.starts_with(BOM), "BOM lost");
    let text = std::str::from_utf8(&once[3..]).unwrap();
    assert!(text.contains("1234567890123456789012345"), "{text}");
    assert_eq!(
        text.matches("\r\n").count(),
        text.matches('\n').count(),
        "a bare LF: {text:?}"
    );
    assert_eq!(
        String::from_utf8_lossy(&once),
        String::from_utf8_lossy(&tidy_crlf_bom())
    );

    // A second run changes nothing, and says so by writing nothing.
    let r = lapis(&["fmt", s(&p)]);
    r.expect_code(0);
    assert!(!r.stdout.contains("formatted"), "{}", r.describe());
    assert_eq!(std::fs::read(&p).unwrap(), once);
    lapis(&["fmt", "--check", s(&p)]).expect_code(0);
    // No temporary file is left behind.
    assert_eq!(listing(dir.path()), vec!["w.json".to_owned()]);
}

#[test]
fn fmt_check_reports_and_does_not_write() {
    let dir = tempfile::tempdir().unwrap();
    let untidy = write(dir.path(), "untidy.json", untidy_crlf_bom());
    let tidy = write(dir.path(), "tidy.json", tidy_crlf_bom());
    let r = lapis(&["fmt", "--check", s(&untidy)]);
    r.expect_code(1);
    assert!(
        r.stdout
            .contains(&format!("would reformat {}", untidy.display())),
        "{}",
        r.describe()
    );
    assert_eq!(std::fs::read(&untidy).unwrap(), untidy_crlf_bom());

    let r = lapis(&["fmt", "--check", s(&tidy)]);
    r.expect_code(0);
    assert!(!r.stdout.contains("would reformat"), "{}", r.describe());

    // Both together: only the untidy one is named.
    let r = lapis(&["fmt", "--check", s(&tidy), s(&untidy)]);
    r.expect_code(1);
    assert!(
        r.stdout.contains("1 file(s) would be reformatted"),
        "{}",
        r.describe()
    );
    assert!(!r.stdout.contains(s(&tidy)), "{}", r.describe());
    assert_eq!(std::fs::read(&untidy).unwrap(), untidy_crlf_bom());
    assert_eq!(std::fs::read(&tidy).unwrap(), tidy_crlf_bom());

    // The samples are in their own stable format (read only).
    lapis(&["fmt", "--check", s(&bare_sample()), s(&standard_sample())]).expect_code(0);
}

#[test]
fn fmt_output_writes_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.json", untidy_crlf_bom());
    let out = dir.path().join("sub-out.json");
    let r = lapis(&["fmt", "-o", s(&out), s(&input)]);
    r.expect_code(0);
    assert_eq!(std::fs::read(&input).unwrap(), untidy_crlf_bom());
    assert_eq!(std::fs::read(&out).unwrap(), tidy_crlf_bom());

    // A file already tidy is still copied to the output.
    let out2 = dir.path().join("out2.json");
    lapis(&["fmt", "--output", s(&out2), s(&out)]).expect_code(0);
    assert_eq!(std::fs::read(&out2).unwrap(), tidy_crlf_bom());

    // -o takes exactly one input.
    let other = write(dir.path(), "other.json", tiny_definition());
    let out3 = dir.path().join("out3.json");
    let r = lapis(&["fmt", "-o", s(&out3), s(&input), s(&other)]);
    r.expect_code(2);
    assert!(r.stderr.contains("exactly one"), "{}", r.describe());
    assert!(!out3.exists());
    assert_eq!(std::fs::read(&input).unwrap(), untidy_crlf_bom());
}

#[test]
fn fmt_keeps_tabs() {
    let dir = tempfile::tempdir().unwrap();
    let src = "{\n\t\"triggers\": {},\n\t\"actions\": {\"A\": {\"type\": \"Compose\",\n\t\t\"inputs\": [1, 2],   \"runAfter\": {}}}\n}\n";
    let p = write(dir.path(), "tabs.json", src);
    lapis(&["fmt", s(&p)]).expect_code(0);
    let out = std::fs::read_to_string(&p).unwrap();
    assert_ne!(out, src, "fmt did nothing");
    let mut indented = 0;
    for line in out.lines() {
        let lead: String = line.chars().take_while(|c| c.is_whitespace()).collect();
        assert!(
            lead.chars().all(|c| c == '\t'),
            "not tab-indented: {line:?}"
        );
        indented += usize::from(!lead.is_empty());
    }
    assert!(indented >= 5, "{out}");
    assert!(out.contains("\n\t\t\t\"type\": \"Compose\",\n"), "{out}");
    assert!(!out.contains('\r'));
    // Stable.
    lapis(&["fmt", "--check", s(&p)]).expect_code(0);
}

#[test]
fn fmt_keeps_comments_unless_told_to_drop_them() {
    let dir = tempfile::tempdir().unwrap();
    let src = "{\n  // The trigger.\n  \"triggers\": {},\n  /* no actions yet */\n  \"actions\": {\"A\": {\"type\": \"Compose\", \"inputs\": \"http://x\"}}\n}\n";
    let p = write(dir.path(), "commented.json", src);

    // --check says it would change, and changes nothing.
    let r = lapis(&["fmt", "--check", s(&p)]);
    r.expect_code(1);
    assert!(r.stdout.contains("would reformat"), "{}", r.describe());
    assert!(
        !r.stdout.contains("comments would be removed"),
        "{}",
        r.describe()
    );
    assert_eq!(std::fs::read_to_string(&p).unwrap(), src);

    // fmt formats it with its comments where they were.
    lapis(&["fmt", s(&p)]).expect_code(0);
    let out = std::fs::read_to_string(&p).unwrap();
    assert_eq!(
        out,
        "{\n  // The trigger.\n  \"triggers\": {},\n  /* no actions yet */\n  \"actions\": {\n    \"A\": {\n      \"type\": \"Compose\",\n      \"inputs\": \"http://x\"\n    }\n  }\n}\n"
    );
    // Stable.
    lapis(&["fmt", "--check", s(&p)]).expect_code(0);
    assert_eq!(listing(dir.path()), vec!["commented.json".to_owned()]);

    // --check --drop-comments says the comments would go.
    let r = lapis(&["fmt", "--check", "--drop-comments", s(&p)]);
    r.expect_code(1);
    assert!(
        r.stdout.contains("comments would be removed"),
        "{}",
        r.describe()
    );

    let r = lapis(&["fmt", "--drop-comments", s(&p)]);
    r.expect_code(0);
    assert!(r.stderr.contains("comments"), "a warning: {}", r.describe());
    let out = std::fs::read_to_string(&p).unwrap();
    assert!(!out.contains("// The") && !out.contains("/*"), "{out}");
    let v: Value = serde_json::from_str(&out).expect("plain JSON now");
    assert_eq!(v["actions"]["A"]["inputs"], "http://x");
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["triggers", "actions"]);
    lapis(&["fmt", "--check", s(&p)]).expect_code(0);
}

#[test]
fn fmt_relative_path_in_current_folder() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "w.json", untidy_crlf_bom());
    lapis_in(Some(dir.path()), &["fmt", "w.json"]).expect_code(0);
    assert_eq!(
        std::fs::read(dir.path().join("w.json")).unwrap(),
        tidy_crlf_bom()
    );
    assert_eq!(listing(dir.path()), vec!["w.json".to_owned()]);
}

#[test]
fn utf16_files_are_located_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let utf16 = |text: &str, le: bool| {
        let mut v: Vec<u8> = if le {
            vec![0xFF, 0xFE]
        } else {
            vec![0xFE, 0xFF]
        };
        for u in text.encode_utf16() {
            v.extend_from_slice(&if le { u.to_le_bytes() } else { u.to_be_bytes() });
        }
        v
    };
    // Line 3: two spaces and `"actions": {"A": {"type": "Compose",
    // "runAfter": {` (50 characters) come before `"Zed"`.
    let text = "{\r\n  \"triggers\": {},\r\n  \"actions\": {\"A\": {\"type\": \"Compose\", \"runAfter\": {\"Zed\": [\"Succeeded\"]}}}\r\n}\r\n";
    let p = write(dir.path(), "le.json", utf16(text, true));
    let r = lapis(&["validate", s(&p)]);
    r.expect_code(1);
    assert!(
        r.stdout
            .contains(&format!("{}:3:53: error[run-after-unknown]", p.display())),
        "{}",
        r.describe()
    );

    let untidy =
        "{\r\n  \"triggers\": {},\r\n  \"actions\":   {\"A\": {\"type\": \"Compose\"}}\r\n}\r\n";
    let tidy = "{\r\n  \"triggers\": {},\r\n  \"actions\": {\r\n    \"A\": {\r\n      \"type\": \"Compose\"\r\n    }\r\n  }\r\n}\r\n";
    let p = write(dir.path(), "be.json", utf16(untidy, false));
    lapis(&["fmt", s(&p)]).expect_code(0);
    assert_eq!(std::fs::read(&p).unwrap(), utf16(tidy, false));

    // An odd number of bytes is a truncated file.
    let mut odd = utf16(untidy, true);
    odd.pop();
    let p = write(dir.path(), "odd.json", odd);
    let r = lapis(&["validate", s(&p)]);
    r.expect_code(2);
    let msg = r.single_error_line();
    assert!(
        msg.starts_with(&format!("error: {}:", p.display())),
        "{msg}"
    );
    assert!(msg.contains("truncated"), "{msg}");
}

// ---------------------------------------------------------------------------
// 5. Atomic save
// ---------------------------------------------------------------------------

#[test]
fn fmt_replaces_the_file_by_rename() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "w.json", untidy_crlf_bom());
    let link = dir.path().join("link.json");
    std::fs::hard_link(&p, &link).unwrap();
    lapis(&["fmt", s(&p)]).expect_code(0);
    // An in-place write would have changed both names of the one file.
    assert_eq!(std::fs::read(&link).unwrap(), untidy_crlf_bom());
    assert_eq!(std::fs::read(&p).unwrap(), tidy_crlf_bom());
    assert_eq!(
        listing(dir.path()),
        vec!["link.json".to_owned(), "w.json".to_owned()]
    );
}

#[cfg(unix)]
#[test]
fn fmt_keeps_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "w.json", untidy_crlf_bom());
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
    lapis(&["fmt", s(&p)]).expect_code(0);
    assert_eq!(std::fs::read(&p).unwrap(), tidy_crlf_bom());
    let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
}

// ---------------------------------------------------------------------------
// 6. export
// ---------------------------------------------------------------------------

/// The definition held in a sample file.
fn definition_of(p: &Path) -> Value {
    let v = read_json(p);
    match v.get("definition") {
        Some(d) => d.clone(),
        None => v,
    }
}

#[track_caller]
fn export(input: &Path, to: &str, out: &Path) -> Run {
    let r = lapis(&["export", "--to", to, "-o", s(out), s(input)]);
    r.expect_code(0);
    assert!(
        r.stdout.contains(&format!("wrote {}", out.display())),
        "{}",
        r.describe()
    );
    r
}

/// A definition with the default values of its secure parameters removed:
/// no export carries them (they come from Key Vault or app settings).
fn without_secure_defaults(def: &Value) -> Value {
    let mut d = def.clone();
    if let Some(Value::Object(params)) = d.get_mut("parameters") {
        for p in params.values_mut() {
            let secure = p["type"].as_str().is_some_and(|t| {
                t.eq_ignore_ascii_case("securestring") || t.eq_ignore_ascii_case("secureobject")
            });
            if secure {
                p.as_object_mut().unwrap().remove("defaultValue");
            }
        }
    }
    d
}

#[test]
fn export_to_arm_and_back() {
    let dir = tempfile::tempdir().unwrap();
    for (i, sample) in [bare_sample(), standard_sample()].iter().enumerate() {
        let arm = dir.path().join(format!("arm{i}.json"));
        export(sample, "arm", &arm);
        let t = read_json(&arm);
        assert!(
            t["$schema"]
                .as_str()
                .unwrap()
                .contains("deploymentTemplate"),
            "{t}"
        );
        let resources = t["resources"].as_array().expect("resources");
        assert_eq!(resources.len(), 1);
        assert_eq!(resources[0]["type"], "Microsoft.Logic/workflows");
        assert_eq!(resources[0]["apiVersion"], "2019-05-01");
        assert_eq!(
            resources[0]["properties"]["definition"],
            without_secure_defaults(&definition_of(sample)),
            "the samples have no string starting with `[`"
        );
        // The secure parameter is a securestring template parameter with
        // no default, and a Key Vault reference in the parameters file.
        assert_eq!(t["parameters"]["clientSecret"]["type"], "securestring");
        assert!(t["parameters"]["clientSecret"]
            .get("defaultValue")
            .is_none());
        let params = read_json(&dir.path().join(format!("arm{i}.parameters.json")));
        assert!(
            params["parameters"]["clientSecret"]["reference"]["keyVault"]["id"]
                .as_str()
                .unwrap()
                .contains("Microsoft.KeyVault/vaults"),
            "{params}"
        );
        lapis(&["validate", s(&arm)]).expect_code(0);

        let back = dir.path().join(format!("back{i}.json"));
        export(&arm, "definition", &back);
        assert_eq!(
            read_json(&back),
            without_secure_defaults(&definition_of(sample)),
            "{}",
            sample.display()
        );
    }
}

#[test]
fn export_to_standard_and_back() {
    let dir = tempfile::tempdir().unwrap();
    for (i, (sample, name)) in [
        (bare_sample(), "app-proxy-status"),
        (standard_sample(), "order-sync"),
    ]
    .iter()
    .enumerate()
    {
        let project = dir.path().join(format!("std{i}"));
        export(sample, "standard", &project);
        let wf_file = project.join(name).join("workflow.json");
        let v = read_json(&wf_file);
        assert_eq!(v["kind"], "Stateful");
        // The parameters live in the project's parameters.json, not in
        // workflow.json.
        let mut expected = definition_of(sample);
        let declared = expected
            .as_object_mut()
            .unwrap()
            .remove("parameters")
            .unwrap();
        assert_eq!(v["definition"], expected);
        let params = read_json(&project.join("parameters.json"));
        assert_eq!(
            params.as_object().unwrap().keys().collect::<Vec<_>>(),
            declared.as_object().unwrap().keys().collect::<Vec<_>>()
        );
        assert!(
            params["clientSecret"]["value"]
                .as_str()
                .unwrap()
                .starts_with("@appsetting('"),
            "{params}"
        );
        lapis(&["validate", s(&wf_file)]).expect_code(0);

        // Exporting the workflow.json reads parameters.json back.
        let back = dir.path().join(format!("back{i}.json"));
        export(&wf_file, "definition", &back);
        assert_eq!(
            read_json(&back),
            definition_of(sample),
            "{}",
            sample.display()
        );
    }
}

#[test]
fn export_escapes_literal_brackets_for_arm() {
    let dir = tempfile::tempdir().unwrap();
    let def = serde_json::json!({
        "$schema": SCHEMA,
        "contentVersion": "1.0.0.0",
        "triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": {
            "Compose": {
                "type": "Compose",
                "inputs": "[not an expression]",
                "runAfter": {}
            },
            "Compose_list": {
                "type": "Compose",
                "inputs": ["[a]", "b[c]", {"k": "[[two]"}],
                "runAfter": {"Compose": ["Succeeded"]}
            }
        },
        "outputs": {}
    });
    let input = write(
        dir.path(),
        "brackets.json",
        serde_json::to_string_pretty(&def).unwrap(),
    );
    let arm = dir.path().join("arm.json");
    export(&input, "arm", &arm);
    let t = read_json(&arm);
    let d = &t["resources"][0]["properties"]["definition"];
    assert_eq!(d["actions"]["Compose"]["inputs"], "[[not an expression]");
    assert_eq!(
        d["actions"]["Compose_list"]["inputs"],
        serde_json::json!(["[[a]", "b[c]", {"k": "[[[two]"}])
    );
    // The ARM expressions of the template itself are not escaped.
    assert_eq!(t["resources"][0]["name"], "[parameters('logicAppName')]");

    let back = dir.path().join("back.json");
    let r = export(&arm, "definition", &back);
    assert_eq!(read_json(&back), def);
    assert!(!r.stderr.contains("warning"), "{}", r.describe());

    // Through Standard (no ARM escaping at all).
    let project = dir.path().join("std");
    export(&arm, "standard", &project);
    assert_eq!(
        read_json(&project.join("brackets").join("workflow.json"))["definition"],
        def
    );
}

#[test]
fn export_chooses_among_several_workflows() {
    let dir = tempfile::tempdir().unwrap();
    let def = |action: &str, literal: &str| {
        serde_json::json!({
            "$schema": SCHEMA,
            "contentVersion": "1.0.0.0",
            "triggers": {"manual": {"type": "Request", "kind": "Http"}},
            "actions": {action: {"type": "Compose", "inputs": literal, "runAfter": {}}},
            "outputs": {}
        })
    };
    let template = serde_json::json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [
            {"type": "Microsoft.Web/connections", "apiVersion": "2016-06-01", "name": "office365"},
            {
                "type": "Microsoft.Logic/workflows",
                "apiVersion": "2019-05-01",
                "name": "orders-in",
                "properties": {"definition": def("Receive", "[[in]")}
            },
            {
                "type": "Microsoft.Logic/workflows",
                "apiVersion": "2019-05-01",
                "name": "orders-out",
                "properties": {"definition": def("Send", "[[out]")}
            }
        ]
    });
    let arm = write(
        dir.path(),
        "two.json",
        serde_json::to_string_pretty(&template).unwrap(),
    );
    let out = dir.path().join("out.json");
    let r = lapis(&["export", "--to", "definition", "-o", s(&out), s(&arm)]);
    r.expect_code(2);
    let msg = r.single_error_line();
    assert!(msg.contains("--workflow"), "{msg}");
    assert!(
        msg.contains("orders-in") && msg.contains("orders-out"),
        "{msg}"
    );
    assert!(!out.exists());

    let r = lapis(&[
        "export",
        "--to",
        "definition",
        "--workflow",
        "orders-out",
        "-o",
        s(&out),
        s(&arm),
    ]);
    r.expect_code(0);
    assert_eq!(read_json(&out), def("Send", "[out]"));

    // By 1-based index too.
    let r = lapis(&[
        "export",
        "--to",
        "definition",
        "--workflow",
        "1",
        "-o",
        s(&out),
        s(&arm),
    ]);
    r.expect_code(0);
    assert_eq!(read_json(&out), def("Receive", "[in]"));

    // An unknown name lists the choices.
    let r = lapis(&[
        "export",
        "--to",
        "definition",
        "--workflow",
        "orders-sideways",
        "-o",
        s(&out),
        s(&arm),
    ]);
    r.expect_code(2);
    assert!(r.stderr.contains("orders-in"), "{}", r.describe());

    // validate looks at both and names the workflow in its lines.
    let r = lapis(&["validate", s(&arm)]);
    r.expect_code(0);
    assert!(r.stdout.contains("0 error(s)"), "{}", r.describe());
}

#[test]
fn export_arm_to_arm_keeps_expressions_or_warns() {
    let dir = tempfile::tempdir().unwrap();
    let template = serde_json::json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"greeting": {"type": "string", "defaultValue": "hi"}},
        "resources": [{
            "type": "Microsoft.Logic/workflows",
            "apiVersion": "2019-05-01",
            "name": "wf",
            "properties": {"definition": {
                "$schema": SCHEMA,
                "triggers": {"manual": {"type": "Request", "kind": "Http"}},
                "actions": {"C": {
                    "type": "Compose",
                    "inputs": "[parameters('greeting')]",
                    "runAfter": {}
                }}
            }}
        }]
    });
    let input = write(
        dir.path(),
        "expr.json",
        serde_json::to_string_pretty(&template).unwrap(),
    );
    let out = dir.path().join("out.json");
    let r = export(&input, "arm", &out);
    let inputs = read_json(&out)["resources"][0]["properties"]["definition"]["actions"]["C"]
        ["inputs"]
        .clone();
    // Either the expression stays an expression, or the user is told that
    // it no longer is one.
    assert!(
        inputs == "[parameters('greeting')]" || r.stderr.contains("warning"),
        "the expression became {inputs} silently; {}",
        r.describe()
    );
}

// ---------------------------------------------------------------------------
// 7. graph
// ---------------------------------------------------------------------------

/// Facts about every trigger and action of a definition, read straight from
/// the JSON: name → (containing action, runAfter targets).
fn actions_of(def: &Value) -> HashMap<String, (Option<String>, Vec<String>)> {
    fn walk(
        actions: &Value,
        parent: Option<&str>,
        out: &mut HashMap<String, (Option<String>, Vec<String>)>,
    ) {
        let Some(map) = actions.as_object() else {
            return;
        };
        for (name, a) in map {
            let after = a["runAfter"]
                .as_object()
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            out.insert(name.clone(), (parent.map(str::to_owned), after));
            walk(&a["actions"], Some(name), out);
            walk(&a["else"]["actions"], Some(name), out);
            walk(&a["default"]["actions"], Some(name), out);
            if let Some(cases) = a["cases"].as_object() {
                for c in cases.values() {
                    walk(&c["actions"], Some(name), out);
                }
            }
        }
    }
    let mut out = HashMap::new();
    for t in def["triggers"].as_object().unwrap().keys() {
        out.insert(t.clone(), (None, Vec::new()));
    }
    walk(&def["actions"], None, &mut out);
    out
}

/// The action name of each line of `graph`'s text output.
fn graph_names(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| {
            let mut t = l.split_whitespace();
            let k = t.next().expect("a number");
            assert!(k.parse::<usize>().is_ok(), "{l}");
            t.next().expect("a name").to_owned()
        })
        .collect()
}

#[test]
fn graph_text_is_topological() {
    let sample = standard_sample();
    let r = lapis(&["graph", s(&sample)]);
    r.expect_code(0);
    let facts = actions_of(&definition_of(&sample));
    let names = graph_names(&r.stdout);
    assert_eq!(names.len(), facts.len(), "{}", r.stdout);
    let pos: HashMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    assert_eq!(pos.len(), names.len(), "a name twice:\n{}", r.stdout);
    assert_eq!(
        names.iter().cloned().collect::<HashSet<_>>(),
        facts.keys().cloned().collect::<HashSet<_>>()
    );
    assert_eq!(names[0], "Every_15_minutes", "the trigger comes first");
    for (name, (parent, after)) in &facts {
        let here = pos[name.as_str()];
        for a in after {
            assert!(
                pos[a.as_str()] < here,
                "{name} listed before {a}:\n{}",
                r.stdout
            );
        }
        if let Some(p) = parent {
            assert!(
                pos[p.as_str()] < here,
                "{name} listed before its scope {p}:\n{}",
                r.stdout
            );
        }
    }
    let line_of = |name: &str| {
        r.stdout
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some(name))
            .unwrap()
    };
    assert!(
        line_of("Route_by_region").ends_with("in For_each_order"),
        "{}",
        r.stdout
    );
    assert!(
        line_of("Count_failure").ends_with("in For_each_order"),
        "{}",
        r.stdout
    );
    assert!(line_of("Count_failure").contains("after: Route_by_region [Failed, TimedOut]"));
    assert!(line_of("For_each_order").contains("in Try"));
    assert!(line_of("Post_to_EU_ledger").contains("in Route_by_region (Case Europe)"));
    assert!(line_of("Stop_with_failure").contains("in Any_failures (True)"));
    assert!(line_of("Every_15_minutes").contains("trigger"));
}

#[test]
fn graph_dot() {
    let r = lapis(&["graph", "--format", "dot", s(&standard_sample())]);
    r.expect_code(0);
    assert!(r.stdout.starts_with("digraph"), "{}", r.stdout);
    assert!(r.stdout.trim_end().ends_with('}'), "{}", r.stdout);
    assert!(
        r.stdout.contains("subgraph \"cluster_Try\" {"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.lines().any(|l| l
            .trim_start()
            .starts_with("\"List_orders\" -> \"For_each_order\"")),
        "{}",
        r.stdout
    );
    // Braces balance.
    assert_eq!(
        r.stdout.matches('{').count(),
        r.stdout.matches('}').count(),
        "{}",
        r.stdout
    );
}

#[test]
fn graph_dot_labels_break_lines() {
    let r = lapis(&["graph", "--format", "dot", s(&standard_sample())]);
    r.expect_code(0);
    // In DOT, `\n` in a quoted string is a line break; `\\n` is a
    // backslash followed by the letter n.
    assert!(
        r.stdout
            .contains("\"List_orders\" [label=\"List_orders\\nHttp\"]"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("\\\\n"), "{}", r.stdout);
}

// ---------------------------------------------------------------------------
// 8. synth
// ---------------------------------------------------------------------------

#[test]
fn synth_validates_and_graphs() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("synth.json");
    let r = lapis(&["synth", "--actions", "50", "--depth", "4", "-o", s(&f)]);
    r.expect_code(0);
    assert!(r.stdout.is_empty(), "{}", r.describe());
    let r = lapis(&["validate", s(&f)]);
    r.expect_code(0);
    assert!(r.stdout.contains("0 error(s)"), "{}", r.describe());
    let r = lapis(&["graph", s(&f)]);
    r.expect_code(0);
    let names = graph_names(&r.stdout);
    assert_eq!(names.len(), 51, "{}", r.stdout);
    assert_eq!(names.iter().collect::<HashSet<_>>().len(), 51);
    let facts = actions_of(&read_json(&f));
    assert_eq!(facts.len(), 51);
    // The deepest action sits at level 4: three scopes above it.
    let depth = |name: &str| {
        let mut d = 0;
        let mut cur = facts[name].0.clone();
        while let Some(p) = cur {
            d += 1;
            cur = facts[p.as_str()].0.clone();
        }
        d
    };
    assert_eq!(facts.keys().map(|n| depth(n)).max(), Some(3));

    // Without -o it writes the same bytes to standard output.
    let r = lapis(&["synth", "--actions", "50", "--depth", "4"]);
    r.expect_code(0);
    assert_eq!(r.stdout.as_bytes(), std::fs::read(&f).unwrap());
}

// ---------------------------------------------------------------------------
// ARM templates with several workflows
// ---------------------------------------------------------------------------

#[test]
fn validate_arm_template_with_several_workflows() {
    let dir = tempfile::tempdir().unwrap();
    let def = |action: &str, after: Value| {
        serde_json::json!({
            "$schema": SCHEMA,
            "triggers": {"manual": {"type": "Request", "kind": "Http"}},
            "actions": {action: {"type": "Compose", "inputs": "x", "runAfter": after}}
        })
    };
    let template = serde_json::json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [
            {"type": "Microsoft.Logic/workflows", "name": "one",
             "properties": {"definition": def("A", serde_json::json!({}))}},
            {"type": "Microsoft.Logic/workflows", "name": "two",
             "properties": {"definition": def("B", serde_json::json!({"Nope": ["Succeeded"]}))}}
        ]
    });
    let text = serde_json::to_string_pretty(&template).unwrap();
    let p = write(dir.path(), "two.json", &text);
    // Where `"Nope"` is in the written text.
    let at = text.find("\"Nope\"").unwrap();
    let line = text[..at].matches('\n').count() + 1;
    let column = text[..at].rsplit('\n').next().unwrap().chars().count() + 1;

    let r = lapis(&["validate", s(&p)]);
    r.expect_code(1);
    assert!(
        r.stdout.contains(&format!(
            "{}:{line}:{column}: error[run-after-unknown] (workflow two) ",
            p.display()
        )),
        "{}",
        r.describe()
    );
    assert!(r.stdout.contains("1 error(s)"), "{}", r.describe());

    lapis(&["validate", "--workflow", "one", s(&p)]).expect_code(0);
    lapis(&["validate", "--workflow", "2", s(&p)]).expect_code(1);
    let r = lapis(&["validate", "--workflow", "three", s(&p)]);
    r.expect_code(2);
    assert!(
        r.stderr.contains("one") && r.stderr.contains("two"),
        "{}",
        r.describe()
    );

    let r = lapis(&["graph", s(&p)]);
    r.expect_code(2);
    assert!(r.stderr.contains("--workflow"), "{}", r.describe());
    let r = lapis(&["graph", "--workflow", "two", s(&p)]);
    r.expect_code(0);
    assert_eq!(graph_names(&r.stdout), ["manual", "B"]);
}

// ---------------------------------------------------------------------------
// 9. Several files
// ---------------------------------------------------------------------------

#[test]
fn validate_several_files() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "good.json", tiny_definition());
    let bad = fixture("run-after-unknown.json");
    let broken = write(
        dir.path(),
        "broken.json",
        "{\n  \"triggers\": {}\n  \"actions\": {}\n}\n",
    );

    lapis(&["validate", s(&good)]).expect_code(0);

    let r = lapis(&["validate", s(&good), s(&bad)]);
    r.expect_code(1);
    assert!(
        r.stdout.contains("2 file(s): 1 error(s)"),
        "{}",
        r.describe()
    );
    assert!(
        r.stdout.contains(&format!("{}:19:21:", bad.display())),
        "{}",
        r.describe()
    );

    let r = lapis(&["validate", s(&good), s(&broken)]);
    r.expect_code(2);
    assert!(r
        .single_error_line()
        .contains(&format!("{}:3:3:", broken.display())));

    // Bad input wins over failed checks, whatever the order.
    lapis(&["validate", s(&broken), s(&bad)]).expect_code(2);
    lapis(&["validate", s(&bad), s(&broken), s(&good)]).expect_code(2);

    // In JSON, the broken file is an entry with an error.
    let r = lapis(&["validate", "--format", "json", s(&good), s(&broken)]);
    r.expect_code(2);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["files"].as_array().unwrap().len(), 2);
    assert!(
        v["files"][1]["error"].as_str().unwrap().contains("3:3:"),
        "{v}"
    );
}

#[test]
fn graph_svg_draws_every_action_of_the_layout() {
    let sample = repo_path("samples/order-sync/workflow.json");
    let run = lapis(&["graph", "--format", "svg", s(&sample)]);
    run.expect_code(0);
    let svg = &run.stdout;
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.trim_end().ends_with("</svg>"));
    for name in [
        "Every_15_minutes",
        "Try",
        "For_each_order",
        "Post_to_EU_ledger",
        "Stop_with_failure",
    ] {
        assert!(
            svg.contains(&format!(">{name}</text>")),
            "{name} is not drawn"
        );
    }
    // Branch labels, the HTTP summary and a non-success run-after label.
    assert!(svg.contains(">Case Europe</text>") && svg.contains(">Default</text>"));
    assert!(svg.contains("GET orders-contoso.msappproxy.net/a"));
    assert!(svg.contains(">Failed, TimedOut</text>"));
}

#[cfg(unix)]
#[test]
fn fmt_through_a_symlink_updates_the_target_and_keeps_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("real.json");
    let link = dir.path().join("link.json");
    std::fs::write(
        &target,
        "{\"triggers\": {}, \"actions\": {\n    \"A\": {\"type\": \"Compose\"}}}\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(&target, &link).unwrap();
    lapis(&["fmt", s(&link)]).expect_code(0);
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    let text = std::fs::read_to_string(&target).unwrap();
    assert!(
        text.contains("\n    \"actions\": {\n        \"A\": {"),
        "{text}"
    );
}

#[test]
fn svg_and_dot_never_carry_control_characters() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("ctl.json");
    std::fs::write(
        &f,
        r#"{"triggers": {}, "actions": {"bad\u0000name\u0007": {"type": "Compose"}}}"#,
    )
    .unwrap();
    for format in ["svg", "dot"] {
        let run = lapis(&["graph", "--format", format, s(&f)]);
        run.expect_code(0);
        let text = &run.stdout;
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{format}: {text:?}"
        );
        assert!(text.contains("bad\u{FFFD}name\u{FFFD}"), "{format}");
    }
}

#[test]
fn utf16_without_a_bom_loads_and_keeps_its_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("u16.json");
    let text = "{\n  \"triggers\": {},\n  \"actions\": {}\n}\n";
    let bytes: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    std::fs::write(&f, &bytes).unwrap();
    lapis(&["fmt", "--check", s(&f)]).expect_code(0);
    lapis(&["fmt", s(&f)]).expect_code(0);
    assert_eq!(
        std::fs::read(&f).unwrap(),
        bytes,
        "saved in UTF-16 LE, no BOM"
    );
}

#[test]
fn synth_refuses_a_depth_past_the_json_limit() {
    let run = lapis(&["synth", "--actions", "5000", "--depth", "3000"]);
    run.expect_code(2);
    assert!(run.stderr.contains("too deep"), "{}", run.describe());
}

#[test]
fn export_into_an_existing_standard_project_keeps_local_settings_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("project");
    export(&bare_sample(), "standard", &out);
    let settings = out.join("local.settings.json");
    // The developer's own settings file.
    let mine = "{\"IsEncrypted\": false, \"Values\": {\"MY_OWN\": \"kept\"}}\n";
    std::fs::write(&settings, mine).unwrap();
    let r = export(&bare_sample(), "standard", &out);
    assert_eq!(std::fs::read_to_string(&settings).unwrap(), mine);
    assert!(
        r.stdout.contains("note: ") && r.stdout.contains("local.settings.json"),
        "{}",
        r.describe()
    );
}
