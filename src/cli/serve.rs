//! `lapis serve`, `lapis callback-url`, `lapis keys regenerate`: the
//! Request trigger served on loopback as Azure secures it (a thin face over
//! `lapis::serve`).

use clap::{Args, Subcommand};
use lapis::serve::server::{self, Config, Served, Server};
use lapis::serve::{KeyKind, KeyStore};
use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Arguments of `lapis serve`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Workflow files (definition, ARM template, Standard workflow.json);
    /// every workflow with a Request trigger is served.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Port to listen on (0: any free port).
    #[arg(long, default_value_t = 7071)]
    pub port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Seconds a caller waits for the workflow's Response (then 504; the
    /// run goes on).
    #[arg(long, default_value_t = 120.0, value_name = "S")]
    pub timeout: f64,
    /// Runs at once; a request beyond gets 429.
    #[arg(long, default_value_t = 32, value_name = "N")]
    pub max_runs: usize,
    /// Largest request body, in bytes.
    #[arg(long, default_value_t = 16 * 1024 * 1024, value_name = "BYTES")]
    pub max_body: usize,
    /// Runs kept per workflow in the run history.
    #[arg(long, default_value_t = lapis::run::history::DEFAULT_RETENTION, value_name = "N")]
    pub retention: usize,
    /// Where a secret comes from: NAME=env:VAR or NAME=prompt.
    #[arg(long = "secret", value_name = "NAME=SOURCE")]
    pub secret: Vec<String>,
    /// Multiply every wait (Delay, retry intervals) by this factor.
    #[arg(long, default_value_t = 1.0, value_name = "F")]
    pub time_scale: f64,
}

/// Arguments of `lapis callback-url`.
#[derive(Args, Debug)]
pub struct CallbackArgs {
    /// The workflow file.
    pub file: PathBuf,
    /// The Request trigger (the first one when absent).
    #[arg(long)]
    pub trigger: Option<String>,
    /// Which workflow of an ARM template (its URL name, as `lapis serve`
    /// prints it; the first when absent).
    #[arg(long)]
    pub workflow: Option<String>,
    /// The key that signs the URL.
    #[arg(long, default_value = "primary", value_name = "primary|secondary")]
    pub key: String,
    /// The URL is refused after this time (RFC 3339, e.g.
    /// 2026-12-31T23:59:00Z).
    #[arg(long, value_name = "RFC3339")]
    pub not_after: Option<String>,
    /// Where `lapis serve` listens.
    #[arg(long, default_value = "http://127.0.0.1:7071", value_name = "URL")]
    pub base: String,
}

/// `lapis keys …`.
#[derive(Args, Debug)]
pub struct KeysArgs {
    #[command(subcommand)]
    pub command: KeysCommand,
}

/// `lapis keys regenerate`.
#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Replace a workflow's primary or secondary access key: every URL
    /// signed with it is refused from now on, by a running server too.
    Regenerate {
        /// The workflow file.
        file: PathBuf,
        /// Which key.
        #[arg(long, value_name = "primary|secondary")]
        key: String,
        /// Which workflow of an ARM template (URL name; all when absent).
        #[arg(long)]
        workflow: Option<String>,
    },
}

fn pick<'a>(all: &'a [Served], name: Option<&str>) -> Result<Vec<&'a Served>, String> {
    match name {
        None => Ok(all.iter().collect()),
        Some(n) => {
            let found: Vec<&Served> = all
                .iter()
                .filter(|w| w.name.eq_ignore_ascii_case(n) || w.doc_name == n)
                .collect();
            if found.is_empty() {
                Err(format!(
                    "--workflow {n}: no such workflow with a Request trigger; there are {}",
                    all.iter()
                        .map(|w| w.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            } else {
                Ok(found)
            }
        }
    }
}

/// Runs `lapis callback-url`.
pub fn cmd_callback_url(a: &CallbackArgs, out: &mut dyn Write) -> Result<i32, String> {
    let kind = KeyKind::parse(&a.key).map_err(|e| format!("--key: {e}"))?;
    let not_after = match &a.not_after {
        None => None,
        Some(t) => Some(
            chrono::DateTime::parse_from_rfc3339(t)
                .map_err(|e| {
                    format!("--not-after `{t}`: not an RFC 3339 time ({e}); write e.g. 2026-12-31T23:59:00Z")
                })?
                .with_timezone(&chrono::Utc),
        ),
    };
    let all = server::load(std::slice::from_ref(&a.file))?;
    let wf = pick(&all, a.workflow.as_deref())?[0];
    let keys = KeyStore::open_default()?;
    let url = server::callback_url(&keys, wf, a.trigger.as_deref(), kind, not_after, &a.base)?;
    let _ = writeln!(out, "{url}");
    Ok(0)
}

/// Runs `lapis keys …`.
pub fn cmd_keys(a: &KeysArgs, out: &mut dyn Write) -> Result<i32, String> {
    match &a.command {
        KeysCommand::Regenerate {
            file,
            key,
            workflow,
        } => {
            let kind = KeyKind::parse(key).map_err(|e| format!("--key: {e}"))?;
            let all = server::load(std::slice::from_ref(file))?;
            let keys = KeyStore::open_default()?;
            for wf in pick(&all, workflow.as_deref())? {
                keys.regenerate(&wf.key_id, kind)?;
                let _ = writeln!(
                    out,
                    "regenerated the {} key of {}: URLs signed with the old one are refused",
                    kind.as_str(),
                    wf.name
                );
            }
            Ok(0)
        }
    }
}

/// Runs `lapis serve` until Ctrl+C, then drains running runs.
pub fn cmd_serve(a: &ServeArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<i32, String> {
    if !(a.timeout > 0.0 && a.timeout.is_finite()) {
        return Err(format!(
            "--timeout {}: give a number of seconds above 0",
            a.timeout
        ));
    }
    if !(a.time_scale >= 0.0 && a.time_scale.is_finite()) {
        return Err(format!(
            "--time-scale {}: give a factor of 0 or more",
            a.time_scale
        ));
    }
    if a.max_runs == 0 {
        return Err("--max-runs 0: give at least 1".into());
    }
    let workflows = server::load(&a.files)?;
    let keys = Arc::new(KeyStore::open_default()?);
    let data = lapis::paths::data_dir().ok_or("no data folder (set LAPIS_DATA_DIR)")?;
    let mut config = Config::new(keys.clone(), data.join(lapis::run::history::FILE_NAME));
    config.bind = a.bind;
    config.port = a.port;
    config.response_timeout = Duration::from_secs_f64(a.timeout);
    config.max_runs = a.max_runs;
    config.max_body = a.max_body;
    config.retention = a.retention;
    config.run.secrets = super::call::secrets(&a.secret)?;
    config.run.time_scale = a.time_scale;
    // The command line holds the stderr lock: request lines come back to
    // this thread over a channel and are written here.
    let (log_tx, mut log_rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    config.log = Some(Arc::new(move |line: &str| {
        let _ = log_tx.send(line.to_owned());
    }));
    let token = config.management_token.clone();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the network runtime: {e}"))?;
    rt.block_on(async move {
        let server = Server::start(config, workflows).await?;
        let base = server.base();
        let _ = writeln!(out, "lapis serve: listening on {base}");
        let _ = writeln!(out, "management token: {}", token.expose());
        for wf in server.workflows() {
            let _ = writeln!(out, "workflow {} ({})", wf.name, wf.file.display());
            for t in &wf.triggers {
                let ks = keys.clone();
                let w = wf.clone();
                let name = t.name.clone();
                let b = base.clone();
                let url = tokio::task::spawn_blocking(move || {
                    server::callback_url(&ks, &w, Some(&name), KeyKind::Primary, None, &b)
                })
                .await
                .map_err(|e| e.to_string())??;
                let _ = writeln!(
                    out,
                    "  trigger {} {}: {url}",
                    t.name,
                    t.method.as_deref().unwrap_or("POST")
                );
            }
            let _ = writeln!(out, "  run history: {base}{}", server::runs_path(&wf.name));
        }
        let _ = out.flush();
        let ctrl_c = tokio::signal::ctrl_c();
        tokio::pin!(ctrl_c);
        loop {
            tokio::select! {
                Some(line) = log_rx.recv() => {
                    let _ = writeln!(err, "{line}");
                }
                _ = &mut ctrl_c => break,
            }
        }
        let _ = writeln!(
            err,
            "lapis serve: stopping; waiting for running runs to finish"
        );
        let _ = err.flush();
        let stopping = server.shutdown();
        tokio::pin!(stopping);
        loop {
            tokio::select! {
                Some(line) = log_rx.recv() => {
                    let _ = writeln!(err, "{line}");
                }
                _ = &mut stopping => break,
            }
        }
        while let Ok(line) = log_rx.try_recv() {
            let _ = writeln!(err, "{line}");
        }
        let _ = writeln!(err, "lapis serve: stopped");
        Ok::<(), String>(())
    })?;
    Ok(0)
}
