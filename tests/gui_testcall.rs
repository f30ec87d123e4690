//! The Test tab, against the project's sandbox over real loopback sockets:
//! send the HTTP action, give the missing secret in the masked prompt, and
//! see the answer while frames keep coming.

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use lapis::sandbox::{Config, Sandbox, DEMO_CLIENT_SECRET};
use lapis::ui::{LapisApp, Options};
use std::path::PathBuf;
use std::time::{Duration, Instant};

struct Fixture {
    _rt: tokio::runtime::Runtime,
    sandbox: Sandbox,
    _dir: tempfile::TempDir,
    workflow: PathBuf,
}

/// One data folder for the whole test process (the test history goes
/// there, not into the user's own).
fn data_dir() -> &'static std::path::Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let d = tempfile::tempdir().unwrap();
        std::env::set_var("LAPIS_DATA_DIR", d.path());
        d
    })
    .path()
}

fn sandbox(config: Config) -> Fixture {
    // The keychain stays out of tests.
    std::env::set_var("LAPIS_NO_KEYCHAIN", "1");
    data_dir();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sandbox = rt.block_on(Sandbox::start(config)).expect("sandbox starts");
    let dir = tempfile::tempdir().unwrap();
    let files = sandbox.write_files(dir.path()).expect("sandbox files");
    Fixture {
        _rt: rt,
        sandbox,
        _dir: dir,
        workflow: files.workflow,
    }
}

fn app(file: PathBuf) -> Harness<'static, LapisApp> {
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_eframe(move |_cc| {
            LapisApp::new(Options {
                file: Some(file),
                native_dialogs: false,
                recovery_dir: None,
            })
        });
    h.run();
    h
}

/// Steps frames until the call in flight ends; returns how many frames
/// were drawn meanwhile.
fn until_answered(h: &mut Harness<'_, LapisApp>) -> u64 {
    let start = Instant::now();
    let mut frames = 0;
    while h.state().inspector.tests.is_running() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no answer after 20 s"
        );
        h.step();
        frames += 1;
        std::thread::sleep(Duration::from_millis(5));
    }
    h.run();
    frames
}

#[test]
fn sends_the_action_asks_for_the_secret_and_shows_the_answer_while_drawing() {
    let f = sandbox(Config {
        // A slow token service: the call is in flight for a while.
        token_delay_ms: 400,
        ..Config::demo()
    });
    let mut h = app(f.workflow.clone());
    h.get_by_label("Get_status in the outline").click();
    h.run();
    h.get_by_label("Test").click();
    h.run();
    h.get_by_label("Send").click();
    h.step();
    until_answered(&mut h);

    // The client secret is a secure parameter with no value: a masked
    // prompt asks for it.
    let field = "Value of clientSecret";
    h.get_by_label(field).focus();
    h.get_by_label(field).type_text(DEMO_CLIENT_SECRET);
    h.run();
    // Asked to remember it, with the keychain turned off: it says so.
    h.get_by_label("Remember in the OS keychain").click();
    h.run();
    h.get_by_label("Use and send").click();
    h.step();
    assert!(h.state().inspector.tests.is_running());
    h.step();
    // The elapsed time is on screen while the call runs, and the app asks
    // to be drawn again soon: a real window keeps coming without input.
    h.get_by_label_contains("Elapsed ");
    let delay = h.output().viewport_output[&egui::ViewportId::ROOT].repaint_delay;
    assert!(
        delay <= Duration::from_millis(100),
        "next frame asked within {delay:?}"
    );
    let frames = until_answered(&mut h);
    assert!(
        frames >= 10,
        "the window kept drawing while the call ran: {frames} frames"
    );

    let t = &h.state().inspector.tests;
    let o = t.result("Get_status").expect("an outcome");
    let r = o.response.as_ref().expect("an answer");
    assert_eq!(r.status, 200, "{:?}", o.diagnosis);
    assert!(o.diagnosis.is_none());
    assert!(o.timings.token.unwrap() >= 400.0, "{:?}", o.timings);
    h.get_by_label_contains("200 OK");
    h.get_by_label_contains("Token requested from");
    assert_eq!(f.sandbox.stats.snapshot().tokens_issued, 1);
    let start = Instant::now();
    while h
        .query_by_label_contains("could not be remembered")
        .is_none()
    {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no keychain note"
        );
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }

    // Sent again: the token comes from the cache; the history has both.
    h.get_by_label("Send").click();
    h.step();
    until_answered(&mut h);
    let t = &h.state().inspector.tests;
    assert!(
        t.result("Get_status")
            .unwrap()
            .token
            .as_ref()
            .unwrap()
            .cached
    );
    assert_eq!(t.history.len(), 2);
    assert_eq!(f.sandbox.stats.snapshot().token_requests, 1);
    h.get_by_label_contains("Token from the cache");
}

#[test]
fn a_refused_call_is_explained_beside_the_action() {
    let f = sandbox(Config::demo());
    let mut h = app(f.workflow.clone());
    h.state_mut().inspector.tests.store.set(
        "clientSecret",
        lapis::secrets::Secret::new("not-the-secret"),
    );
    h.get_by_label("Get_status in the outline").click();
    h.run();
    h.get_by_label("Test").click();
    h.run();
    h.get_by_label("Send").click();
    h.step();
    until_answered(&mut h);
    let o = h
        .state()
        .inspector
        .tests
        .result("Get_status")
        .unwrap()
        .clone();
    let d = o.diagnosis.expect("a diagnosis");
    assert_eq!(d.kind, "entra_error");
    assert_eq!(d.aadsts.as_ref().unwrap().code, 7000215);
    assert!(h.query_all_by_label_contains("AADSTS7000215").count() >= 1);
    h.get_by_label_contains("Entra ID refused the token request");
    h.get_by_label_contains("No answer");

    // The proxy's sign-in redirect, on another action: the result of the
    // first stays beside it.
    h.get_by_label("Proxy_without_token in the outline").click();
    h.run();
    h.get_by_label("Test").click();
    h.run();
    h.get_by_label("Send").click();
    h.step();
    until_answered(&mut h);
    let o = h
        .state()
        .inspector
        .tests
        .result("Proxy_without_token")
        .unwrap();
    assert_eq!(o.response.as_ref().unwrap().status, 302);
    assert_eq!(o.diagnosis.as_ref().unwrap().kind, "proxy_no_token");
    assert!(h.state().inspector.tests.result("Get_status").is_some());
}

/// A workflow of its own: a large answer, a slow one.
fn large_and_slow(f: &Fixture, dir: &std::path::Path) -> PathBuf {
    let api = &f.sandbox.api_url;
    let get = |uri: String| {
        serde_json::json!({"type": "Http", "runAfter": {},
            "inputs": {"method": "GET", "uri": uri, "authentication": {"type": "None"}}})
    };
    let wf = serde_json::json!({
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "contentVersion": "1.0.0.0",
        "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {"schema": {}}}},
        "actions": {
            "Large": get(format!("{api}/api/large?bytes=6000000")),
            "Slow": get(format!("{api}/api/slow?ms=30000")),
        },
        "outputs": {}
    });
    let path = dir.join("large-and-slow.json");
    std::fs::write(&path, serde_json::to_string_pretty(&wf).unwrap()).unwrap();
    path
}

fn copied(h: &Harness<'_, LapisApp>) -> Option<String> {
    h.output()
        .platform_output
        .commands
        .iter()
        .find_map(|c| match c {
            egui::OutputCommand::CopyText(t) => Some(t.clone()),
            _ => None,
        })
}

#[test]
fn a_large_body_is_saved_a_slow_call_cancelled_and_history_picked() {
    let f = sandbox(Config::demo());
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(large_and_slow(&f, dir.path()));

    // A body over the 4 MiB kept in memory: the whole of it is saved.
    h.get_by_label("Large in the outline").click();
    h.run();
    h.get_by_label("Test").click();
    h.run();
    h.get_by_label("Send").click();
    h.step();
    until_answered(&mut h);
    h.get_by_label_contains("The whole body is in");
    let target = dir.path().join("saved-body.txt");
    h.get_by_label("Save body as").focus();
    h.get_by_label("Save body as")
        .type_text(&target.display().to_string());
    h.run();
    h.get_by_label("Save body").click();
    let start = Instant::now();
    while h.query_by_label_contains("Saved ").is_none() {
        assert!(start.elapsed() < Duration::from_secs(20), "not saved");
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(std::fs::metadata(&target).unwrap().len(), 6_000_000);
    let spilled = h
        .state()
        .inspector
        .tests
        .result("Large")
        .unwrap()
        .response
        .as_ref()
        .unwrap()
        .spilled_to
        .clone()
        .expect("spilled");
    assert!(spilled.exists());

    // The request: the action's headers, Logic Apps' own folded apart.
    h.get_by_label("Request").click();
    h.run();
    h.get_by_label_contains("Added by Logic Apps to every call (");
    h.get_by_label("Body").click();
    h.run();

    // Copy as cURL puts the command on the clipboard.
    h.get_by_label("Copy as cURL").click();
    h.step();
    let curl = copied(&h).expect("a copied command");
    assert!(
        curl.starts_with("curl ") && curl.contains("/api/large"),
        "{curl}"
    );

    // A slow call is cancelled: no answer, the window says so.
    h.get_by_label("Slow in the outline").click();
    h.run();
    h.get_by_label("Send").click();
    h.step();
    h.step();
    assert!(h.state().inspector.tests.is_running());
    h.get_by_label("Cancel call").click();
    h.step();
    assert!(!h.state().inspector.tests.is_running());
    h.run();
    h.get_by_label_contains("Cancelled");
    assert!(h.state().inspector.tests.result("Slow").is_none());

    // The history row of the large call selects its action again.
    h.get_by_label_contains("History (").click();
    h.run();
    h.get_by_label_contains("  Large  200").click();
    h.run();
    h.run();
    let selected = h.state().session.selected_node().expect("a selection");
    let name = &h.state().session.current().graph.outline.nodes[selected].name;
    assert_eq!(name, "Large");

    // The session's spilled bodies go when the designer closes.
    drop(h);
    assert!(!spilled.exists(), "{} is left behind", spilled.display());
}

// ------------------------------------------------ the Test tab, item by item

/// Selects `action` and opens its Test tab.
fn open_test(h: &mut Harness<'_, LapisApp>, action: &str) {
    h.get_by_label(&format!("{action} in the outline")).click();
    h.run();
    h.get_by_label("Test").click();
    h.run();
}

fn send(h: &mut Harness<'_, LapisApp>) {
    h.get_by_label("Send").click();
    h.step();
    until_answered(h);
}

/// A workflow of its own: a plain parameter with no value and a secure one,
/// both needed by one call to the demo API's header-protected route.
fn params_workflow(f: &Fixture, dir: &std::path::Path) -> PathBuf {
    let wf = serde_json::json!({
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {
            "apiBase": {"type": "String"},
            "privateToken": {"type": "SecureString"}
        },
        "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {"schema": {}}}},
        "actions": {
            "Protected": {"type": "Http", "runAfter": {}, "inputs": {
                "method": "GET",
                "uri": "@{parameters('apiBase')}/api/header-protected",
                "headers": {"PRIVATE-TOKEN": "@parameters('privateToken')"}
            }},
            "Status": {"type": "Http", "runAfter": {}, "inputs": {
                "method": "GET",
                "uri": format!("{}/api/status", f.sandbox.api_url)
            }}
        },
        "outputs": {}
    });
    let path = dir.join("params.json");
    std::fs::write(&path, serde_json::to_string_pretty(&wf).unwrap()).unwrap();
    path
}

fn type_into(h: &mut Harness<'_, LapisApp>, label: &str, text: &str) {
    h.get_by_label(label).focus();
    h.run();
    h.get_by_label(label).type_text(text);
    h.run();
}

#[test]
fn parameter_values_and_secrets_are_given_in_one_form_before_send() {
    let f = sandbox(Config::demo());
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(params_workflow(&f, dir.path()));
    open_test(&mut h, "Protected");
    // Both fields are in the one form, before any Send.
    h.get_by_label("Value of apiBase");
    h.get_by_label("Value of privateToken");
    let token = f.sandbox.config.api.private_token.clone();
    type_into(&mut h, "Value of apiBase", &f.sandbox.api_url);
    type_into(&mut h, "Value of privateToken", &token);
    // The secret is never drawn in clear.
    assert!(h.query_by_label_contains(&token).is_none());
    send(&mut h);
    let t = &h.state().inspector.tests;
    let o = t.result("Protected").expect("an outcome");
    assert_eq!(
        o.response.as_ref().map(|r| r.status),
        Some(200),
        "{:?}",
        o.diagnosis
    );
    // The secret is kept for the session, out of the form.
    assert!(t.store.names().contains(&"privateToken".to_owned()));
    assert!(t.form.secrets.values().all(String::is_empty));
    assert!(!format!("{:?}", t.form).contains(&token));
    h.get_by_label_contains("kept for this session");
    // Sent again: nothing asked.
    send(&mut h);
    assert_eq!(
        h.state()
            .inspector
            .tests
            .result("Protected")
            .unwrap()
            .response
            .as_ref()
            .unwrap()
            .status,
        200
    );
}

#[test]
fn a_missing_value_points_to_the_form_and_clears_the_old_result() {
    let f = sandbox(Config::demo());
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(params_workflow(&f, dir.path()));
    open_test(&mut h, "Protected");
    type_into(&mut h, "Value of apiBase", &f.sandbox.api_url);
    type_into(
        &mut h,
        "Value of privateToken",
        &f.sandbox.config.api.private_token.clone(),
    );
    send(&mut h);
    h.get_by_label_contains("200 OK");
    // A parameters file that does not exist: the call cannot start, and
    // the 200 of the earlier request is not left under the error.
    h.get_by_label("Call options").click();
    h.run();
    type_into(&mut h, "Parameters file", "/nonexistent/params.json");
    send(&mut h);
    h.get_by_label_contains("Error: ");
    assert!(h.state().inspector.tests.result("Protected").is_none());
    assert!(h.query_by_label_contains("200 OK").is_none());
    // No --param advice for a window user.
    assert!(h.query_by_label_contains("--param").is_none());
}

#[test]
fn a_plain_parameter_without_value_is_asked_in_the_form() {
    let f = sandbox(Config::demo());
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(params_workflow(&f, dir.path()));
    open_test(&mut h, "Protected");
    send(&mut h);
    h.get_by_label_contains("Parameters and secrets, or give a parameters file");
    assert!(h.query_by_label_contains("--param").is_none());
    h.get_by_label_contains("needed for this call");
}

#[test]
fn a_result_for_settings_that_changed_is_marked_stale() {
    let f = sandbox(Config::demo());
    let dir = tempfile::tempdir().unwrap();
    let path = params_workflow(&f, dir.path());
    let mut h = app(path.clone());
    open_test(&mut h, "Status");
    send(&mut h);
    h.get_by_label_contains("200 OK");
    assert!(h.query_by_label("Stale result").is_none());
    // The file changes on disk and is opened again: the answer was for
    // settings that are gone.
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    v["actions"]["Status"]["inputs"]["uri"] =
        serde_json::json!(format!("{}/api/nothing-here", f.sandbox.api_url));
    std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    h.state_mut().open(Some(path.clone()));
    h.run();
    open_test(&mut h, "Status");
    h.get_by_label("Stale result");
}

#[test]
fn history_persists_with_reasons_and_sends_again() {
    let f = sandbox(Config::demo());
    let dir = tempfile::tempdir().unwrap();
    let path = params_workflow(&f, dir.path());
    {
        let mut h = app(path.clone());
        open_test(&mut h, "Status");
        send(&mut h);
        // A failed call: a wrong token.
        open_test(&mut h, "Protected");
        type_into(&mut h, "Value of apiBase", &f.sandbox.api_url);
        type_into(&mut h, "Value of privateToken", "not-the-token-at-all");
        send(&mut h);
        assert_eq!(h.state().inspector.tests.history.len(), 2);
    }
    // Give the history's writer thread a moment.
    let file = lapis::invoke::history::file_for(data_dir(), &path);
    let start = Instant::now();
    while lapis::invoke::history::load(&file)
        .map(|r| r.len())
        .unwrap_or(0)
        < 2
    {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "history not saved"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        !text.contains("not-the-token-at-all"),
        "no secret in the history: {text}"
    );

    // A new designer on the same file: the rows are back, the failed one
    // with its reason.
    let mut h = app(path.clone());
    open_test(&mut h, "Status");
    h.get_by_label_contains("History (2)").click_accesskit();
    h.run();
    h.get_by_label_contains("  Protected  401  ");
    // The failed row says why it failed.
    h.get_by_label_contains("✖ The server refused the request as unauthenticated");
    // Send again from the history.
    h.query_all_by_label("Send again")
        .next()
        .unwrap()
        .click_accesskit();
    h.step();
    until_answered(&mut h);
    assert_eq!(h.state().inspector.tests.history.len(), 3);
}

#[test]
fn timing_legend_and_evidence_and_aadsts_once() {
    let f = sandbox(Config::demo());
    let mut h = app(f.workflow.clone());
    h.state_mut().inspector.tests.store.set(
        "clientSecret",
        lapis::secrets::Secret::new("not-the-secret"),
    );
    open_test(&mut h, "Get_status");
    send(&mut h);
    // The AADSTS line gives the code without repeating the headline.
    h.get_by_label("Entra error code AADSTS7000215");
    assert_eq!(
        h.query_all_by_label_contains("the client secret is not valid")
            .count(),
        1
    );
    h.get_by_label("Evidence");
    // A successful call's timing bar has its legend.
    h.state_mut().inspector.tests.store.set(
        "clientSecret",
        lapis::secrets::Secret::new(DEMO_CLIENT_SECRET),
    );
    send(&mut h);
    h.get_by_label_contains("first byte ");
    h.get_by_label_contains("total ");
}

#[test]
fn move_to_secure_parameter_keeps_the_secret_for_the_test() {
    let f = sandbox(Config::demo());
    let dir = tempfile::tempdir().unwrap();
    let api = &f.sandbox.api_url;
    let user = f.sandbox.config.api.basic_user.clone();
    let wf = serde_json::json!({
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {},
        "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {"schema": {}}}},
        "actions": {
            "Basic": {"type": "Http", "runAfter": {}, "inputs": {
                "method": "GET",
                "uri": format!("{api}/api/basic"),
                "authentication": {"type": "Basic", "username": user, "password": ""}
            }}
        },
        "outputs": {}
    });
    let path = dir.path().join("basic.json");
    std::fs::write(&path, serde_json::to_string_pretty(&wf).unwrap()).unwrap();
    let mut h = app(path);
    h.get_by_label("Basic in the outline").click();
    h.run();
    let password = f.sandbox.config.api.basic_password.clone();
    type_into(&mut h, "Password", &password);
    h.get_by_label("Move to secure parameter").click_accesskit();
    h.run();
    let root = h.state().session.doc().root.clone();
    let written = root["actions"]["Basic"]["inputs"]["authentication"]["password"].clone();
    assert!(
        written.as_str().unwrap().starts_with("@parameters('"),
        "{written}"
    );
    open_test(&mut h, "Basic");
    send(&mut h);
    let o = h
        .state()
        .inspector
        .tests
        .result("Basic")
        .expect("sent at once");
    assert_eq!(
        o.response.as_ref().map(|r| r.status),
        Some(200),
        "{:?}",
        o.diagnosis
    );
}

#[test]
fn the_oauth_form_checks_as_you_type() {
    let f = sandbox(Config::demo());
    let mut h = app(f.workflow.clone());
    h.get_by_label("Get_status in the outline").click();
    h.run();
    let replace = |h: &mut Harness<'_, LapisApp>, label: &str, text: &str| {
        h.get_by_label(label).focus();
        h.run();
        h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        h.run();
        h.get_by_label(label).type_text(text);
        h.run();
    };
    replace(&mut h, "Authority", "login.microsoftonline.com");
    h.get_by_label_contains("The authority has no scheme");
    replace(&mut h, "Authority", "https://login.microsoftonline.com");
    assert!(h
        .query_by_label_contains("The authority has no scheme")
        .is_none());
    replace(&mut h, "Tenant", "contoso");
    h.get_by_label_contains("neither a GUID nor a domain");
    replace(&mut h, "Tenant", "common");
    h.get_by_label_contains("does not name a directory");
    replace(&mut h, "Audience", "https://other-contoso.msappproxy.net/");
    replace(
        &mut h,
        "URI",
        "https://app-contoso.msappproxy.net/api/status",
    );
    h.get_by_label_contains("is not the URI's host");
}
