//! The canary: every secret a test call handles carries one marker. Calls
//! succeed and fail, from the command line and from the designer; then
//! everything Lapis printed, showed and wrote (its home, config, cache and
//! temporary folders) is searched for the marker, for each secret in its
//! raw, percent-encoded, base64 and Basic forms, for the client
//! certificate, and for any bearer token. None may appear.
//!
//! The designer part runs in a child process (this test binary again), so
//! that what it prints to stdout and stderr is caught too.

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;
use lapis::sandbox::{Config, Sandbox, SandboxFiles};

/// In every secret below, and nowhere else.
const MARK: &str = "cnry7Q";
const CLIENT_SECRET: &str = "cnry7Q-client~secret.1";
const PFX_PASSWORD: &str = "cnry7Q-pfx pass";
const BASIC_PASSWORD: &str = "cnry7Q-basic:pass word";
const PRIVATE_TOKEN: &str = "cnry7Q-private/token+1";
const SESSION_COOKIE: &str = "cnry7Q-session-cookie";
/// Sent where the sandbox expects another value: the failures.
const WRONG_BASIC: &str = "cnry7Q-wrong-basic";

const ACTIONS: &[&str] = &[
    "Get_status",
    "Echo_with_certificate",
    "Header_protected",
    "Cookie_protected",
    "Basic_direct",
    "Raw_direct",
    "Client_certificate_mtls",
    "No_auth_direct",
    "Proxy_without_token",
];

/// The sandbox accepting the canary secrets (`true`), or the demo one,
/// which refuses them (`false`).
fn config(accepting: bool) -> Config {
    let mut c = Config::demo();
    if accepting {
        c.tenants[0].clients[0].secrets[0].value = CLIENT_SECRET.into();
        c.pfx_password = PFX_PASSWORD.into();
        c.api.basic_password = BASIC_PASSWORD.into();
        c.api.private_token = PRIVATE_TOKEN.into();
        c.api.session_cookie = SESSION_COOKIE.into();
    }
    c
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Where Lapis may write: HOME, the XDG folders and TMPDIR all point in
/// here.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["config", "data", "cache", "state", "tmp", "runtime"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        Home { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn env(&self) -> Vec<(String, String)> {
        let p = |s: &str| self.path().join(s).display().to_string();
        vec![
            ("HOME".into(), self.path().display().to_string()),
            ("XDG_CONFIG_HOME".into(), p("config")),
            ("XDG_DATA_HOME".into(), p("data")),
            ("XDG_CACHE_HOME".into(), p("cache")),
            ("XDG_STATE_HOME".into(), p("state")),
            ("XDG_RUNTIME_DIR".into(), p("runtime")),
            ("TMPDIR".into(), p("tmp")),
            ("LAPIS_NO_KEYCHAIN".into(), "1".into()),
        ]
    }
}

fn command(program: &Path, home: &Home) -> Command {
    let mut cmd = Command::new(program);
    for v in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "http_proxy",
        "https_proxy",
        "ALL_PROXY",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
    ] {
        cmd.env_remove(v);
    }
    for (k, _) in std::env::vars() {
        if k.starts_with("LAPIS_SECRET_") {
            cmd.env_remove(k);
        }
    }
    cmd.envs(home.env());
    cmd
}

/// What a run printed.
struct Printed {
    what: String,
    text: String,
}

/// Every form in which a secret could leak, with its name.
fn needles(pfx_b64: &str) -> Vec<(String, String)> {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let pct = |s: &str| {
        percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    let mut v: Vec<(String, String)> = vec![("the marker".into(), MARK.into())];
    for s in [
        CLIENT_SECRET,
        PFX_PASSWORD,
        BASIC_PASSWORD,
        PRIVATE_TOKEN,
        SESSION_COOKIE,
        WRONG_BASIC,
    ] {
        v.push((format!("{s} in base64"), b64(s)));
        v.push((format!("{s} percent-encoded"), pct(s)));
        v.push((format!("{s} form-encoded"), s.replace(' ', "+")));
    }
    for pass in [BASIC_PASSWORD, WRONG_BASIC] {
        v.push((
            "Basic credentials".into(),
            b64(&format!("sandbox-user:{pass}")),
        ));
    }
    // The client certificate (with its key): any 24-character stretch.
    let pfx = pfx_b64.trim();
    for start in [0, pfx.len() / 3, pfx.len() / 2, pfx.len() - 24] {
        v.push((
            "the client certificate (pfx)".into(),
            pfx[start..start + 24].to_owned(),
        ));
    }
    v
}

/// A JSON Web Token: `eyJ…` `.` `eyJ…` `.` (a bearer token in clear).
fn find_jwt(text: &str) -> Option<&str> {
    let is_b64url = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let mut rest = text;
    while let Some(i) = rest.find("eyJ") {
        let cand = &rest[i..];
        let first: usize = cand.chars().take_while(|c| is_b64url(*c)).count();
        let after = &cand[first..];
        if first >= 10 && after.starts_with(".eyJ") {
            let second = after[1..].chars().take_while(|c| is_b64url(*c)).count();
            if second >= 10 && after[1 + second..].starts_with('.') {
                return Some(&cand[..(first + second + 2).min(cand.len())]);
            }
        }
        rest = &rest[i + 3..];
    }
    None
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Fails with every leak found in `printed` and in the files under `home`.
/// Returns how many texts and files were searched.
fn assert_no_leak(printed: &[Printed], home: &Path, pfx_b64: &str) -> (usize, usize) {
    let needles = needles(pfx_b64);
    let mut leaks = Vec::new();
    let mut check = |what: &str, text: &str| {
        for (name, n) in &needles {
            if text.contains(n.as_str()) {
                let at = text.find(n.as_str()).unwrap();
                let from = text[..at]
                    .char_indices()
                    .rev()
                    .nth(60)
                    .map_or(0, |(i, _)| i);
                leaks.push(format!(
                    "{what}: {name} near «{}»",
                    &text[from..at].replace('\n', "⏎")
                ));
            }
        }
        if let Some(j) = find_jwt(text) {
            leaks.push(format!(
                "{what}: a bearer token ({}…)",
                &j[..12.min(j.len())]
            ));
        }
    };
    for p in printed {
        check(&p.what, &p.text);
    }
    let mut files = Vec::new();
    files_under(home, &mut files);
    for f in &files {
        let bytes = std::fs::read(f).unwrap_or_default();
        check(
            &format!("file {}", f.display()),
            &String::from_utf8_lossy(&bytes),
        );
    }
    assert!(
        leaks.is_empty(),
        "secrets leaked:\n{}",
        leaks
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    (printed.len(), files.len())
}

/// The sandbox's files (workflow, parameters, CA, pfx) live outside the
/// searched home: they hold the pfx on purpose.
fn sandbox_files(sb: &Sandbox) -> (tempfile::TempDir, SandboxFiles) {
    let dir = tempfile::tempdir().unwrap();
    let files = sb.write_files(dir.path()).unwrap();
    (dir, files)
}

/// `lapis call` for every action, as text and as JSON, against a sandbox
/// that accepts the canary secrets (`accepting`) or refuses them.
fn cli_calls(accepting: bool, home: &Home, printed: &mut Vec<Printed>) -> String {
    let rt = runtime();
    let sb = rt.block_on(Sandbox::start(config(accepting))).unwrap();
    let (_keep, files) = sandbox_files(&sb);
    let pfx_b64 = std::fs::read_to_string(&files.client_pfx_b64).unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_lapis"));
    let mut successes = 0;
    let mut failures = 0;
    for action in ACTIONS {
        for format in ["text", "json"] {
            let mut cmd = command(bin, home);
            cmd.arg("call")
                .arg(&files.workflow)
                .args(["--action", action, "--format", format])
                .arg("--params")
                .arg(&files.parameters)
                .arg("--ca")
                .arg(&files.ca_pem)
                // Two secrets through --secret NAME=env:VAR, the others
                // through LAPIS_SECRET_<NAME>.
                .args(["--secret", "clientSecret=env:CANARY_CLIENT_SECRET"])
                .args(["--secret", "pfxPassword=env:CANARY_PFX_PASSWORD"])
                .env("CANARY_CLIENT_SECRET", CLIENT_SECRET)
                .env("CANARY_PFX_PASSWORD", PFX_PASSWORD)
                .env("LAPIS_SECRET_CLIENTPFX", pfx_b64.trim())
                .env("LAPIS_SECRET_BASICPASSWORD", BASIC_PASSWORD)
                .env("LAPIS_SECRET_PRIVATETOKEN", PRIVATE_TOKEN)
                .env("LAPIS_SECRET_SESSIONCOOKIE", SESSION_COOKIE);
            if *action == "Proxy_without_token" && format == "json" {
                cmd.arg("--follow-redirects");
            }
            let out = cmd.output().expect("lapis runs");
            let code = out.status.code().unwrap_or(-1);
            assert!(
                code == 0 || code == 1,
                "{action} ({format}): exit {code}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            if code == 0 {
                successes += 1;
            } else {
                failures += 1;
            }
            let what = format!(
                "lapis call --action {action} --format {format} ({})",
                if accepting { "accepted" } else { "refused" }
            );
            printed.push(Printed {
                what: format!("{what}: stdout"),
                text: String::from_utf8_lossy(&out.stdout).into_owned(),
            });
            printed.push(Printed {
                what: format!("{what}: stderr"),
                text: String::from_utf8_lossy(&out.stderr).into_owned(),
            });
        }
    }
    if accepting {
        // Everything but the proxy without a token succeeds.
        assert_eq!(successes, 2 * (ACTIONS.len() - 1), "{failures} failed");
        let s = sb.stats.snapshot();
        assert!(s.tokens_issued >= 1, "{s:?}");
    } else {
        // The secret is refused; only the calls that need none pass.
        assert!(
            failures >= 2 * 5,
            "{successes} succeeded, {failures} failed"
        );
        assert!(sb.stats.snapshot().token_errors >= 1);
    }

    // A secret value on the command line is refused without being echoed.
    let out = command(bin, home)
        .arg("call")
        .arg(&files.workflow)
        .args(["--action", "Get_status"])
        .args(["--secret", &format!("clientSecret={CLIENT_SECRET}")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    printed.push(Printed {
        what: "lapis call --secret NAME=VALUE: stderr".into(),
        text: String::from_utf8_lossy(&out.stderr).into_owned(),
    });
    printed.push(Printed {
        what: "lapis call --secret NAME=VALUE: stdout".into(),
        text: String::from_utf8_lossy(&out.stdout).into_owned(),
    });
    sb.shutdown();
    pfx_b64
}

#[test]
fn the_canary_never_leaves_the_command_line() {
    let home = Home::new();
    let mut printed = Vec::new();
    let pfx_ok = cli_calls(true, &home, &mut printed);
    let pfx_other = cli_calls(false, &home, &mut printed);
    // The proof that the search can find what it looks for: the raw
    // answers did hold secrets (the echo endpoint returns them).
    let (texts, files) = assert_no_leak(&printed, home.path(), &pfx_ok);
    assert_no_leak(&printed, home.path(), &pfx_other);
    assert!(texts >= 60, "{texts} outputs searched");
    eprintln!("canary: {texts} outputs and {files} files searched");
}

/// The search finds a planted secret in every form it looks for: without
/// this, a clean result would prove nothing.
#[test]
fn the_search_finds_what_it_looks_for() {
    let home = Home::new();
    let pfx = base64::engine::general_purpose::STANDARD.encode([7u8; 600]);
    let cases = [
        CLIENT_SECRET.to_owned(),
        base64::engine::general_purpose::STANDARD.encode(PRIVATE_TOKEN),
        percent_encoding::utf8_percent_encode(BASIC_PASSWORD, percent_encoding::NON_ALPHANUMERIC)
            .to_string(),
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD
                .encode(format!("sandbox-user:{BASIC_PASSWORD}"))
        ),
        format!("x {} y", &pfx[100..140]),
        "Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwOi8vbG9jYWxob3N0In0.c2ln"
            .to_owned(),
    ];
    for c in &cases {
        let printed = [Printed {
            what: "planted".into(),
            text: c.clone(),
        }];
        let r = std::panic::catch_unwind(|| assert_no_leak(&printed, home.path(), &pfx));
        assert!(r.is_err(), "not found: {c}");
    }
    std::fs::write(home.path().join("data/planted.json"), CLIENT_SECRET).unwrap();
    let r = std::panic::catch_unwind(|| assert_no_leak(&[], home.path(), &pfx));
    assert!(r.is_err(), "a file holding the secret was not found");
}

/// Runs [`gui_child`] in a child process with `home`, and returns what it
/// printed.
#[test]
fn the_canary_never_leaves_the_designer() {
    let home = Home::new();
    let exe = std::env::current_exe().unwrap();
    let out = command(&exe, &home)
        .args(["--exact", "gui_child", "--include-ignored", "--nocapture"])
        .args(["--test-threads", "1"])
        .env("LAPIS_CANARY_CHILD", "1")
        .env("LAPIS_CANARY_HOME", home.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "the designer's run failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("== screen"), "{stdout}");
    assert!(stdout.contains("== recovery copy"), "{stdout}");
    let pfx = std::fs::read_to_string(home.path().join("pfx.b64.txt")).unwrap();
    // The pfx was copied in for this check only; it is not Lapis's file.
    std::fs::remove_file(home.path().join("pfx.b64.txt")).unwrap();
    let printed = [
        Printed {
            what: "the designer's stdout (screens, cURL, Debug)".into(),
            text: stdout,
        },
        Printed {
            what: "the designer's stderr".into(),
            text: stderr,
        },
    ];
    let (_, files) = assert_no_leak(&printed, home.path(), &pfx);
    assert!(files >= 1, "the saved workflow");
}

/// The designer's part, run only as the child of
/// [`the_canary_never_leaves_the_designer`].
#[test]
#[ignore = "run by the_canary_never_leaves_the_designer in a child process"]
fn gui_child() {
    if std::env::var_os("LAPIS_CANARY_CHILD").is_none() {
        return;
    }
    gui::run(PathBuf::from(
        std::env::var_os("LAPIS_CANARY_HOME").unwrap(),
    ));
}

mod gui {
    use super::*;
    use egui_kittest::kittest::{By, NodeT, Queryable};
    use egui_kittest::Harness;
    use lapis::ui::{LapisApp, Options};
    use std::time::{Duration, Instant};

    fn until_answered(h: &mut Harness<'_, LapisApp>) {
        let start = Instant::now();
        while h.state().inspector.tests.is_running() {
            assert!(start.elapsed() < Duration::from_secs(30), "no answer");
            h.step();
            std::thread::sleep(Duration::from_millis(5));
        }
        h.run();
    }

    /// Everything on screen, as the accessibility tree tells it.
    fn screen(h: &Harness<'_, LapisApp>, when: &str) {
        println!("== screen: {when}");
        for n in h.query_all(By::new()) {
            let label = n.accesskit_node().label().unwrap_or_default();
            let value = n.value().unwrap_or_default();
            if !label.is_empty() || !value.is_empty() {
                println!("{label} = {value}");
            }
        }
    }

    fn send(h: &mut Harness<'_, LapisApp>, action: &str, prompt: Option<(&str, &str)>) {
        h.get_by_label(&format!("{action} in the outline")).click();
        h.run();
        h.get_by_label("Test").click();
        h.run();
        h.get_by_label("Send").click();
        h.step();
        until_answered(h);
        if let Some((name, value)) = prompt {
            let field = format!("Value of {name}");
            h.get_by_label(&field).focus();
            h.get_by_label(&field).type_text(value);
            h.run();
            screen(h, &format!("{action}: the secret typed"));
            h.get_by_label("Use and send").click();
            h.step();
            until_answered(h);
        }
        screen(h, &format!("{action}: answered"));
        let t = &h.state().inspector.tests;
        let entry = t.results.get(action).expect("a result");
        // What Debug would print (a panic message, a log line).
        println!("== debug: {:?}", entry.outcome);
        println!("== debug: {:?}", h.state().inspector.tests);
        println!("== curl: {}", entry.curl);
        println!("== report: {}", lapis::invoke::report::text(&entry.outcome));
        h.get_by_label("Copy as cURL").click();
        h.run();
    }

    pub fn run(home: PathBuf) {
        let rt = runtime();
        // Half the calls against a sandbox that takes the canaries, the
        // Basic call with a wrong one.
        let sb = rt.block_on(Sandbox::start(config(true))).unwrap();
        let sbdir = tempfile::tempdir().unwrap();
        let files = sb.write_files(sbdir.path()).unwrap();
        std::env::set_var("SSL_CERT_FILE", &files.ca_pem);
        let pfx_b64 = std::fs::read_to_string(&files.client_pfx_b64).unwrap();
        std::fs::write(home.join("pfx.b64.txt"), &pfx_b64).unwrap();
        let workflow = home.join("workflow.json");
        std::fs::copy(&files.workflow, &workflow).unwrap();

        let mut h = Harness::builder()
            .with_size(egui::vec2(1400.0, 900.0))
            .build_eframe({
                let workflow = workflow.clone();
                let recovery = home.join("data/recovery");
                move |_cc| {
                    LapisApp::new(Options {
                        file: Some(workflow),
                        native_dialogs: false,
                        recovery_dir: Some(recovery),
                    })
                }
            });
        h.run();
        {
            let t = &mut h.state_mut().inspector.tests;
            t.store
                .set("clientPfx", lapis::secrets::Secret::new(pfx_b64.trim()));
            t.store
                .set("pfxPassword", lapis::secrets::Secret::new(PFX_PASSWORD));
            t.options.params_file = files.parameters.display().to_string();
        }

        send(&mut h, "Get_status", Some(("clientSecret", CLIENT_SECRET)));
        send(
            &mut h,
            "Header_protected",
            Some(("privateToken", PRIVATE_TOKEN)),
        );
        send(&mut h, "Raw_direct", None);
        send(
            &mut h,
            "Cookie_protected",
            Some(("sessionCookie", SESSION_COOKIE)),
        );
        send(&mut h, "Echo_with_certificate", None);
        send(&mut h, "Client_certificate_mtls", None);
        send(&mut h, "Basic_direct", Some(("basicPassword", WRONG_BASIC)));
        send(&mut h, "Proxy_without_token", None);

        let t = &h.state().inspector.tests;
        let status = |a: &str| t.results[a].outcome.response.as_ref().map(|r| r.status);
        for a in [
            "Get_status",
            "Header_protected",
            "Raw_direct",
            "Cookie_protected",
            "Echo_with_certificate",
            "Client_certificate_mtls",
        ] {
            assert_eq!(status(a), Some(200), "{a}: {:?}", t.results[a].outcome);
        }
        assert_eq!(status("Basic_direct"), Some(401));
        assert_eq!(status("Proxy_without_token"), Some(302));
        // The echo did carry the private token back: it is shown redacted.
        let raw = &t.results["Raw_direct"].outcome;
        assert!(raw.notes.iter().any(|n| n.kind == "redacted"), "{raw:?}");
        // The history, every tab of it.
        for tab in ["Headers", "Request"] {
            if let Some(n) = h.query_by_label(tab) {
                n.click();
                h.run();
                screen(&h, tab);
            }
        }

        // An edit, the recovery copy, then a save.
        h.state_mut().add_action("Compose");
        h.run();
        h.state_mut().write_recovery();
        // A save removes the recovery copy: what it held is printed here.
        let mut copies = Vec::new();
        files_under(&home.join("data/recovery"), &mut copies);
        assert!(!copies.is_empty(), "a recovery copy was written");
        for c in &copies {
            println!("== recovery copy {}:", c.display());
            println!("{}", std::fs::read_to_string(c).unwrap_or_default());
        }
        assert!(h.state_mut().save_to(&workflow), "the workflow saves");
        h.run();
        screen(&h, "saved");
        sb.shutdown();
    }
}
