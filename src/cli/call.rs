//! `lapis call` (one HTTP action, sent for real) and `lapis sandbox`.

use super::{load, ReportFormat};
use clap::{Args, ValueEnum};
use lapis::invoke::prepare::{self, PrepareError};
use lapis::invoke::token::TokenCache;
use lapis::invoke::{self, report, CallOptions, TokenEndpoint};
use lapis::secrets::{env_var_name, Secret, SecretStore};
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

/// Arguments of `lapis call`.
#[derive(Args, Debug)]
pub struct CallArgs {
    /// The workflow file.
    pub file: PathBuf,
    /// The HTTP action to send.
    #[arg(long)]
    pub action: String,
    /// Which workflow of an ARM template (name or 1-based index).
    #[arg(long)]
    pub workflow: Option<String>,
    /// Parameter values: an ARM parameters file, a Standard parameters.json,
    /// or a plain {"name": value} object.
    #[arg(long, value_name = "FILE")]
    pub params: Option<PathBuf>,
    /// A parameter value, NAME=VALUE (JSON for arrays, objects, numbers);
    /// not for secure parameters, which take --secret.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub param: Vec<String>,
    /// Where a secret comes from: NAME=env:VAR or NAME=prompt. A secret's
    /// value is never taken on the command line.
    #[arg(long = "secret", value_name = "NAME=SOURCE")]
    pub secret: Vec<String>,
    /// Follow redirects (by default a redirect is the answer).
    #[arg(long)]
    pub follow_redirects: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Entra token endpoint: v1 (`resource=`, as Logic Apps) or v2
    /// (`scope=<audience>/.default`).
    #[arg(long, value_enum, default_value_t = EndpointArg::V1)]
    pub token_endpoint: EndpointArg,
    /// Timeout of the whole call, in seconds.
    #[arg(long, default_value_t = 100, value_name = "SECONDS")]
    pub timeout: u64,
    /// Extra CA certificates to trust (PEM), added to the system's
    /// (SSL_CERT_FILE / SSL_CERT_DIR would replace them).
    #[arg(long = "ca", value_name = "FILE")]
    pub ca: Vec<PathBuf>,
    /// For ManagedServiceIdentity (which works only inside Azure): the
    /// environment variable that holds an access token to use instead.
    #[arg(long, value_name = "VAR")]
    pub token_env: Option<String>,
    /// The App Proxy backend timeout in seconds (85, or 180 for "Long"):
    /// a 504 after this long is a backend timeout.
    #[arg(long, default_value_t = 85, value_name = "SECONDS")]
    pub proxy_timeout: u64,
    /// Print the request as a cURL command line (secrets as placeholders)
    /// instead of sending it.
    #[arg(long)]
    pub curl: bool,
    /// Save the answer's whole body to FILE (secrets this call sent are
    /// replaced by placeholders unless --raw-body); the path is printed.
    #[arg(long, value_name = "FILE")]
    pub save_body: Option<PathBuf>,
    /// With --save-body: the bytes as they came, secrets included.
    #[arg(long, requires = "save_body")]
    pub raw_body: bool,
    /// The largest answer read, in MB (Logic Apps' limit for an HTTP
    /// action's content is 100); a larger answer fails the call.
    #[arg(long, default_value_t = 100, value_name = "MB")]
    pub max_body_mb: u64,
}

/// `--token-endpoint`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndpointArg {
    /// `{authority}/{tenant}/oauth2/token` with `resource=`.
    V1,
    /// `{authority}/{tenant}/oauth2/v2.0/token` with `scope=`.
    V2,
}

/// Arguments of `lapis sandbox`.
#[derive(Args, Debug)]
pub struct SandboxArgs {
    /// Tenants, clients and resources (JSON); the demo setup when absent.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// First port to listen on (the servers take this one and the next
    /// ones); random free ports when absent.
    #[arg(long)]
    pub port: Option<u16>,
    /// Where to write the sample workflow, the CA and the demo certificate.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Reads the `--secret` sources into a store. Values never come from the
/// command line itself.
pub(super) fn secrets(specs: &[String]) -> Result<SecretStore, String> {
    let store = SecretStore::new();
    for spec in specs {
        let Some((name, source)) = spec.split_once('=') else {
            return Err(format!(
                "--secret `{spec}`: write NAME=env:VAR or NAME=prompt"
            ));
        };
        if name.is_empty() {
            return Err("--secret: the NAME before `=` is empty".into());
        }
        let value = if let Some(var) = source.strip_prefix("env:") {
            match std::env::var(var) {
                Ok(v) => Secret::new(v),
                Err(_) => {
                    return Err(format!(
                        "--secret {name}=env:{var}: the environment variable `{var}` is not set"
                    ))
                }
            }
        } else if source == "prompt" {
            let v = rpassword::prompt_password(format!("{name} (hidden): ")).map_err(|e| {
                format!("--secret {name}=prompt: cannot read from the terminal: {e}")
            })?;
            Secret::new(v)
        } else {
            return Err(format!(
                "--secret {name}=…: a secret's value is never taken on the command line, where it would \
                 stay in the shell history and the process list; use {name}=env:VAR or {name}=prompt"
            ));
        };
        store.set(name, value);
    }
    Ok(store)
}

fn prepare_error(e: PrepareError) -> String {
    match e {
        PrepareError::MissingSecret { name } => format!(
            "the secure parameter `{name}` has no value: pass --secret {name}=env:VAR or --secret {name}=prompt, \
             or set {}",
            env_var_name(&name)
        ),
        other => other.to_string(),
    }
}

/// The content of a `--params FILE` (an ARM parameters file, a Standard
/// parameters.json or a plain object), read and parsed.
pub(super) fn params_file(
    path: Option<&std::path::Path>,
) -> Result<Option<serde_json::Value>, String> {
    let Some(p) = path else {
        return Ok(None);
    };
    prepare::read_params_file(p)
        .map(Some)
        .map_err(|e| format!("--params {e}"))
}

/// Runs `lapis call`.
pub fn cmd_call(a: &CallArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<i32, String> {
    let doc = load(&a.file)?.doc;
    let i = doc
        .select(a.workflow.as_deref())
        .map_err(|e| format!("{}: {e}", a.file.display()))?;
    let store = secrets(&a.secret)?;
    let file_value = params_file(a.params.as_deref())?;
    let mut overrides = Vec::new();
    for p in &a.param {
        let Some((k, v)) = p.split_once('=') else {
            return Err(format!("--param `{p}`: write NAME=VALUE"));
        };
        overrides.push((k.to_owned(), v.to_owned()));
    }
    let prepared =
        prepare::parameter_values(doc.definition(i), file_value.as_ref(), &overrides, &store)
            .and_then(|resolved| prepare::prepare(&doc, i, &a.action, &resolved, &store));
    let prepared = match prepared {
        Ok(p) => p,
        Err(e) => {
            // Nothing was sent: exit 2, and a JSON reader still gets its
            // document.
            let message = prepare_error(e);
            if matches!(a.format, ReportFormat::Json) {
                let v = report::input_error_json(&a.action, &message);
                let _ = writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&v).unwrap_or_default()
                );
            }
            return Err(message);
        }
    };

    let mut extra_ca_pem = Vec::new();
    for p in &a.ca {
        extra_ca_pem.push(std::fs::read(p).map_err(|e| format!("--ca {}: {e}", p.display()))?);
    }
    let user_token = match &a.token_env {
        Some(var) => Some(Secret::new(std::env::var(var).map_err(|_| {
            format!("--token-env {var}: the environment variable `{var}` is not set")
        })?)),
        None => None,
    };
    let options = CallOptions {
        timeout: Duration::from_secs(a.timeout.max(1)),
        follow_redirects: a.follow_redirects,
        token_endpoint: match a.token_endpoint {
            EndpointArg::V1 => TokenEndpoint::V1,
            EndpointArg::V2 => TokenEndpoint::V2,
        },
        proxy_backend_timeout: Duration::from_secs(a.proxy_timeout.max(1)),
        user_token,
        extra_ca_pem,
        max_body: a.max_body_mb.max(1).saturating_mul(1024 * 1024),
        ..CallOptions::default()
    };
    if a.curl {
        let _ = writeln!(out, "{}", invoke::curl::to_curl(&prepared, &options));
        return Ok(0);
    }
    for w in &prepared.warnings {
        let _ = writeln!(err, "warning: {}", prepared.redactor.redact(w));
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the network runtime: {e}"))?;
    let outcome = rt.block_on(invoke::call(&prepared, &options, &TokenCache::new()));
    match a.format {
        ReportFormat::Json => {
            let v = report::json(&outcome);
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&v).unwrap_or_default()
            );
        }
        ReportFormat::Text => {
            let _ = write!(out, "{}", report::text(&outcome));
        }
    }
    if let (Some(path), Some(r)) = (&a.save_body, &outcome.response) {
        let saved = invoke::transport::BodyStore::save(r, path, a.raw_body)?;
        let _ = writeln!(
            err,
            "body saved to {} ({} bytes{})",
            saved.path.display(),
            saved.bytes,
            if saved.redacted {
                ", secrets as placeholders; --raw-body keeps them"
            } else {
                ""
            }
        );
    } else if let Some(path) = &a.save_body {
        let _ = writeln!(err, "no body saved to {}: no answer came", path.display());
    }
    // The outcome (and its spill files) goes here, before the process
    // ends.
    let success = outcome.is_success();
    drop(outcome);
    Ok(if success { 0 } else { 1 })
}

/// Runs `lapis sandbox` until Ctrl+C.
pub fn cmd_sandbox(a: &SandboxArgs) -> Result<i32, String> {
    let config = match &a.config {
        Some(p) => lapis::sandbox::Config::from_file(p)?,
        None => lapis::sandbox::Config::demo(),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the network runtime: {e}"))?;
    rt.block_on(lapis::sandbox::serve_cli(config, a.port, a.dir.clone()))
        .map_err(|e| format!("sandbox: {e}"))?;
    Ok(0)
}
