//! `lapis run`: run a workflow once on the desk and print the run.

use super::ReportFormat;
use clap::Args;
use lapis::invoke::CallOptions;
use lapis::run::history::History;
use lapis::run::{ActionRun, Mock, Run, RunOptions, Status, TriggerRequest};
use serde_json::Value;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;

/// Arguments of `lapis run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// The workflow file (definition, ARM template or Standard workflow.json).
    pub file: PathBuf,
    /// The request body: a file, or `-` for standard input. JSON when it
    /// parses as JSON, else text.
    #[arg(long, value_name = "FILE|-")]
    pub trigger_body: Option<String>,
    /// A request header, NAME=VALUE (repeatable).
    #[arg(long = "trigger-header", value_name = "NAME=VALUE")]
    pub trigger_header: Vec<String>,
    /// A query parameter, NAME=VALUE (repeatable).
    #[arg(long = "trigger-query", value_name = "NAME=VALUE")]
    pub trigger_query: Vec<String>,
    /// The request method (POST by default).
    #[arg(long, value_name = "M")]
    pub method: Option<String>,
    /// The relative path after /invoke, matched against the trigger's
    /// `relativePath` (e.g. orders/42).
    #[arg(long, value_name = "P")]
    pub relative_path: Option<String>,
    /// Parameter values: an ARM parameters file, a Standard
    /// parameters.json, or a plain {"name": value} object.
    #[arg(long, value_name = "FILE")]
    pub params: Option<PathBuf>,
    /// A parameter value, NAME=VALUE (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub param: Vec<String>,
    /// Where a secret comes from: NAME=env:VAR or NAME=prompt.
    #[arg(long = "secret", value_name = "NAME=SOURCE")]
    pub secret: Vec<String>,
    /// Replace an action by a mock: ACTION=FILE, the file being
    /// {"status": "Succeeded|Failed", "outputs": {…}, "error": {…}}.
    #[arg(long = "mock", value_name = "ACTION=FILE")]
    pub mock: Vec<String>,
    /// Use the definition's staticResults where an action enables them.
    #[arg(long)]
    pub static_results: bool,
    /// The whole run's time limit, in seconds.
    #[arg(long, value_name = "S")]
    pub timeout: Option<f64>,
    /// Multiply every wait (Delay, Delay until, retry intervals, Until
    /// timeouts) by this factor: 0.01 waits a hundred times less.
    #[arg(long, default_value_t = 1.0, value_name = "F")]
    pub time_scale: f64,
    /// Extra CA certificates to trust for Http actions (PEM).
    #[arg(long = "ca", value_name = "FILE")]
    pub ca: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Which workflow of an ARM template (name or 1-based index).
    #[arg(long)]
    pub workflow: Option<String>,
    /// Do not store the run in the run history (`lapis runs`).
    #[arg(long)]
    pub no_history: bool,
}

fn pair(flag: &str, s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("{flag} `{s}`: write NAME=VALUE")),
    }
}

fn read_body(spec: &str) -> Result<Value, String> {
    let bytes = if spec == "-" {
        let mut b = Vec::new();
        std::io::stdin()
            .read_to_end(&mut b)
            .map_err(|e| format!("--trigger-body -: cannot read standard input: {e}"))?;
        b
    } else {
        std::fs::read(spec).map_err(|e| format!("--trigger-body {spec}: {e}"))?
    };
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("--trigger-body {spec}: the body is not UTF-8 text"))?;
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    Ok(serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// Builds the run's options and request from the arguments (exit 2 on any
/// error here).
pub fn options(a: &RunArgs) -> Result<(TriggerRequest, RunOptions), String> {
    let mut req = TriggerRequest {
        method: a.method.as_ref().map(|m| m.to_ascii_uppercase()),
        relative_path: a.relative_path.clone(),
        ..TriggerRequest::default()
    };
    for h in &a.trigger_header {
        req.headers.push(pair("--trigger-header", h)?);
    }
    for q in &a.trigger_query {
        req.query.push(pair("--trigger-query", q)?);
    }
    if let Some(b) = &a.trigger_body {
        req.body = read_body(b)?;
    }
    let mut opts = RunOptions {
        workflow_name: a.workflow.clone(),
        file: Some(a.file.clone()),
        secrets: super::call::secrets(&a.secret)?,
        static_results: a.static_results,
        ..RunOptions::default()
    };
    opts.params_file = super::call::params_file(a.params.as_deref())?;
    for p in &a.param {
        opts.params.push(pair("--param", p)?);
    }
    let mut mocks = HashMap::new();
    for m in &a.mock {
        let (action, file) = pair("--mock", m)?;
        let text =
            std::fs::read_to_string(&file).map_err(|e| format!("--mock {action}={file}: {e}"))?;
        let mock: Mock = serde_json::from_str(&text).map_err(|e| {
            format!(
                "--mock {action}={file}: {e} (expected {{\"status\": \"Succeeded|Failed\", \"outputs\": {{…}}, \"error\": {{\"code\", \"message\"}}}})"
            )
        })?;
        mocks.insert(action, mock);
    }
    opts.mocks = mocks;
    if let Some(t) = a.timeout {
        if !(t > 0.0 && t.is_finite()) {
            return Err(format!("--timeout {t}: give a number of seconds above 0"));
        }
        opts.timeout = Some(Duration::from_secs_f64(t));
    }
    if !(a.time_scale >= 0.0 && a.time_scale.is_finite()) {
        return Err(format!(
            "--time-scale {}: give a factor of 0 or more",
            a.time_scale
        ));
    }
    opts.time_scale = a.time_scale;
    let mut call = CallOptions::default();
    for p in &a.ca {
        call.extra_ca_pem
            .push(std::fs::read(p).map_err(|e| format!("--ca {}: {e}", p.display()))?);
    }
    opts.call = call;
    Ok((req, opts))
}

/// Runs `lapis run`: 0 when the run Succeeded, 1 when it did not, 2 for bad
/// usage or input.
pub fn cmd_run(a: &RunArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<i32, String> {
    let doc = super::load(&a.file)?.doc;
    let (req, opts) = options(a)?;
    let secrets = opts.secrets.clone();
    let run =
        lapis::run::run(&doc, &req, opts).map_err(|e| format!("{}: {e}", a.file.display()))?;
    if !a.no_history {
        // A history that cannot be written does not change the run's
        // outcome: say so on stderr and go on.
        let stored = History::open_default().and_then(|mut h| {
            h.add_secrets(&secrets);
            h.store(&run)
        });
        if let Err(e) = stored {
            let _ = writeln!(err, "warning: the run was not stored: {e}");
        }
    }
    match a.format {
        ReportFormat::Json => {
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&run).unwrap_or_default()
            );
        }
        ReportFormat::Text => {
            let _ = write!(out, "{}", text(&run, &doc, a.workflow.as_deref()));
        }
    }
    Ok(if run.status == Status::Succeeded {
        0
    } else {
        1
    })
}

fn millis(start: &Option<String>, end: &Option<String>) -> Option<i64> {
    let s = chrono::DateTime::parse_from_rfc3339(start.as_deref()?).ok()?;
    let e = chrono::DateTime::parse_from_rfc3339(end.as_deref()?).ok()?;
    Some((e - s).num_milliseconds())
}

/// The text report: the run's status, then a tree of actions with status,
/// duration and the first line of an error.
pub fn text(run: &Run, doc: &lapis::workflow::Document, workflow: Option<&str>) -> String {
    let mut s = format!(
        "run {} {}  {}\n",
        run.run_id,
        run.status.as_str(),
        millis(&Some(run.start.clone()), &run.end).map_or(String::new(), |m| format!("{m} ms"))
    );
    if let Some(e) = &run.error {
        s.push_str(&format!(
            "  error {}: {}\n",
            e.code,
            e.message.lines().next().unwrap_or("")
        ));
    }
    let i = doc.select(workflow).unwrap_or(0);
    if let Some(Value::Object(actions)) = doc.definition(i).get("actions") {
        tree(run, actions, 1, &mut s);
    }
    if let Some(r) = &run.response {
        s.push_str(&format!("response {}\n", r.status));
    }
    s
}

fn tree(run: &Run, actions: &serde_json::Map<String, Value>, depth: usize, s: &mut String) {
    for (name, a) in actions {
        let rec: Option<ActionRun> = run.action(name);
        let pad = "  ".repeat(depth);
        match rec {
            None => s.push_str(&format!("{pad}{name}  (not reached)\n")),
            Some(r) => {
                let mut line = format!("{pad}{name}  {}", r.status.as_str());
                if let Some(ms) = millis(&r.start, &r.end) {
                    line.push_str(&format!("  {ms} ms"));
                }
                if !r.repetitions.is_empty() {
                    line.push_str(&format!("  ({} iterations)", r.repetitions.len()));
                }
                if r.retries > 0 {
                    line.push_str(&format!("  {} retries", r.retries));
                }
                if let Some(c) = &r.code {
                    line.push_str(&format!("  [{c}]"));
                }
                if let Some(e) = &r.error {
                    line.push_str(&format!(
                        "  {}: {}",
                        e.code,
                        e.message.lines().next().unwrap_or("")
                    ));
                }
                s.push_str(&line);
                s.push('\n');
                if let Some(d) = &r.diagnosis {
                    s.push_str(&format!("{pad}  why: {}\n", d.lines().next().unwrap_or("")));
                }
            }
        }
        for b in lapis::run::engine::branches(a) {
            tree(run, b, depth + 1, s);
        }
    }
}
