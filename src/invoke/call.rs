//! A whole call: the token (when the action wants one), the request, the
//! redirects (when asked to follow them), the timings, and the diagnosis.

use std::time::{Duration, Instant};

use base64::Engine;

use super::token::{self, TokenCache};
use super::transport::{self, BodyStore, HttpRequest, NetConfig};
use super::{
    diagnose, Auth, CallOptions, Diagnosis, Failure, Outcome, Prepared, Response, SentRequest,
    Timings, TokenUse,
};
use crate::secrets::{Redactor, Secret};

/// How much of the request body [`SentRequest::body`] keeps.
pub const SENT_BODY_LIMIT: usize = 64 * 1024;

/// At most this many redirects are followed.
pub const MAX_REDIRECTS: usize = 10;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Sets `name` to `value`, replacing every header of that name; true when
/// one was replaced.
fn set_header(headers: &mut Vec<(String, String)>, name: &str, value: String) -> bool {
    let before = headers.len();
    headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    let replaced = headers.len() != before;
    headers.push((name.to_owned(), value));
    replaced
}

fn has_header(headers: &[(String, String)], name: &str) -> bool {
    headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name))
}

fn note(kind: &str, message: String) -> Diagnosis {
    Diagnosis {
        kind: kind.to_owned(),
        message,
        hint: None,
        evidence: Vec::new(),
        aadsts: None,
    }
}

/// The request as shown: every secret through `redactor`, the body as text
/// (at most [`SENT_BODY_LIMIT`] bytes).
fn sent(req: &HttpRequest, redactor: &Redactor) -> SentRequest {
    let body = (!req.body.is_empty()).then(|| {
        let n = req.body.len().min(SENT_BODY_LIMIT);
        let mut text = String::from_utf8_lossy(&req.body[..n]).into_owned();
        if req.body.len() > n {
            text.push_str(&format!("\n… ({} more bytes)", req.body.len() - n));
        }
        redactor.redact(&text)
    });
    SentRequest {
        method: req.method.clone(),
        url: redactor.redact(req.url.as_str()),
        headers: req
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), redactor.redact(v)))
            .collect(),
        body,
    }
}

fn redact_failure(f: Failure, r: &Redactor) -> Failure {
    match f {
        Failure::Input(m) => Failure::Input(r.redact(&m)),
        Failure::Token(mut e) => {
            e.message = r.redact(&e.message);
            e.endpoint = r.redact(&e.endpoint);
            if let Some(v) = e.entra.as_mut() {
                redact_json(v, r);
            }
            Failure::Token(e)
        }
        Failure::Dns(m) => Failure::Dns(r.redact(&m)),
        Failure::Connect(m) => Failure::Connect(r.redact(&m)),
        Failure::Tls(m) => Failure::Tls(r.redact(&m)),
        Failure::Timeout(m) => Failure::Timeout(r.redact(&m)),
        Failure::Protocol(m) => Failure::Protocol(r.redact(&m)),
        Failure::Cancelled => Failure::Cancelled,
    }
}

/// Every string inside `v` through `r`.
fn redact_json(v: &mut serde_json::Value, r: &Redactor) {
    match v {
        serde_json::Value::String(s) if !r.is_clean(s) => *s = r.redact(s),
        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| redact_json(x, r)),
        serde_json::Value::Object(o) => o.values_mut().for_each(|x| redact_json(x, r)),
        _ => {}
    }
}

/// Replaces every known secret in the answer's header values and, when it
/// is text, in its body (an API that echoes what it got would otherwise
/// show the secret), the spill file included; the raw bytes stay in the
/// answer's [`BodyStore`] for a raw save. True when something was replaced.
fn redact_response(r: &mut Response, redactor: &Redactor) -> bool {
    let mut changed = false;
    for (_, v) in &mut r.headers {
        if !redactor.is_clean(v) {
            *v = redactor.redact(v);
            changed = true;
        }
    }
    match BodyStore::redact(r, redactor) {
        Ok(c) => changed |= c,
        Err(_) => {
            // The spill file could not be read back: show nothing of it
            // rather than a secret.
            r.body.clear();
            r.spilled_to = None;
            r.store = None;
            changed = true;
        }
    }
    changed
}

/// A redirect to follow, and what was left behind.
#[derive(Debug)]
pub struct Redirect {
    /// The next request.
    pub next: HttpRequest,
    /// Headers dropped because the redirect leaves the origin and they
    /// carry a credential or a secure value.
    pub dropped: Vec<String>,
}

/// Why a redirect is not followed.
#[derive(Debug, PartialEq)]
pub enum NoRedirect {
    /// Not a redirect (or no usable `Location`).
    NotOne,
    /// It leaves the origin and would re-send a body holding a secure
    /// value.
    SecureBody,
}

/// Headers that carry a credential whatever their value.
const CREDENTIAL_HEADERS: &[&str] = &["authorization", "cookie", "proxy-authorization"];

/// The next request of a redirect. 303 becomes GET without a body; 301 and
/// 302 turn POST into GET (as browsers do); 307 and 308 keep the method
/// and body. When the redirect leaves the origin (scheme, host, port),
/// every header that carries a credential (`Authorization`, `Cookie`,
/// `Proxy-Authorization`) or a value `redactor` knows (secure parameters,
/// the secret store, the token) is dropped, and a body holding such a
/// value is never re-sent: the redirect is then not followed.
pub fn redirect(
    req: &HttpRequest,
    r: &Response,
    redactor: &Redactor,
) -> Result<Redirect, NoRedirect> {
    if !matches!(r.status, 301 | 302 | 303 | 307 | 308) {
        return Err(NoRedirect::NotOne);
    }
    let location = r.header("Location").map(str::trim).unwrap_or("");
    if location.is_empty() {
        return Err(NoRedirect::NotOne);
    }
    let url = req.url.join(location).map_err(|_| NoRedirect::NotOne)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(NoRedirect::NotOne);
    }
    let mut next = HttpRequest {
        method: req.method.clone(),
        url,
        headers: req.headers.clone(),
        body: req.body.clone(),
    };
    let to_get = match r.status {
        303 => req.method != "HEAD",
        301 | 302 => req.method == "POST",
        _ => false,
    };
    if to_get {
        next.method = "GET".into();
        next.body.clear();
        next.headers.retain(|(k, _)| {
            !k.eq_ignore_ascii_case("Content-Type") && !k.eq_ignore_ascii_case("Content-Length")
        });
    }
    let mut dropped = Vec::new();
    if next.url.origin() != req.url.origin() {
        if !next.body.is_empty() && !redactor.is_clean(&String::from_utf8_lossy(&next.body)) {
            return Err(NoRedirect::SecureBody);
        }
        next.headers.retain(|(k, v)| {
            let secret = CREDENTIAL_HEADERS.iter().any(|c| k.eq_ignore_ascii_case(c))
                || !redactor.is_clean(v);
            if secret && !dropped.iter().any(|d: &String| d.eq_ignore_ascii_case(k)) {
                dropped.push(k.clone());
            }
            !secret
        });
    }
    Ok(Redirect { next, dropped })
}

/// Sends `prepared` (getting a token first when needed) and explains the
/// answer. Never fails: every failure is in the [`Outcome`].
pub async fn call(prepared: &Prepared, options: &CallOptions, cache: &TokenCache) -> Outcome {
    let started = Instant::now();
    let started_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let mut redactor = prepared.redactor.clone();
    let mut timings = Timings::default();
    let mut notes: Vec<Diagnosis> = Vec::new();
    let mut token_use = None;
    let mut failure: Option<Failure> = None;
    let mut net = NetConfig {
        timeout: Some(options.timeout),
        extra_ca_pem: options.extra_ca_pem.clone(),
        client_cert: None,
        body_limit: Some(options.body_limit),
        max_body: Some(options.max_body),
        spill_dir: options.spill_dir.clone(),
        proxy: None,
    };

    // The bearer token sent, to show its claims when App Proxy refuses it.
    let mut sent_token: Option<Secret> = None;
    let mut headers = prepared.platform_headers.clone();
    headers.extend(prepared.headers.iter().cloned());
    if let Some(c) = &prepared.cookie {
        if !has_header(&headers, "Cookie") {
            headers.push(("Cookie".into(), c.clone()));
        }
    }
    let body = prepared
        .body
        .as_ref()
        .map(|b| b.bytes.clone())
        .unwrap_or_default();
    if let Some(ct) = prepared.body.as_ref().and_then(|b| b.content_type.clone()) {
        if !has_header(&headers, "Content-Type") {
            headers.push(("Content-Type".into(), ct));
        }
    }

    let bearer = |headers: &mut Vec<(String, String)>, token: &str| {
        set_header(headers, "Authorization", format!("Bearer {token}"))
    };
    match &prepared.auth {
        Auth::None => {}
        Auth::ActiveDirectoryOAuth(oauth) => {
            let t0 = Instant::now();
            match token::acquire(oauth, options.token_endpoint, cache, &net).await {
                Ok(t) => {
                    timings.token = Some(if t.cached { 0.0 } else { ms(t.elapsed) });
                    redactor.add_raw(t.access_token.expose(), "<token>");
                    bearer(&mut headers, t.access_token.expose());
                    sent_token = Some(t.access_token.clone());
                    token_use = Some(TokenUse {
                        endpoint: t.endpoint.clone(),
                        cached: t.cached,
                        expires_at: Some(
                            t.expires_at
                                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                        ),
                    });
                }
                Err(e) => {
                    timings.token = Some(ms(t0.elapsed()));
                    token_use = Some(TokenUse {
                        endpoint: e.endpoint.clone(),
                        cached: false,
                        expires_at: None,
                    });
                    failure = Some(Failure::Token(e));
                }
            }
            // The token's share of the timeout is spent.
            net.timeout = Some(
                options
                    .timeout
                    .saturating_sub(started.elapsed())
                    .max(Duration::from_millis(1)),
            );
        }
        Auth::Basic { username, password } => {
            let b64 = base64::engine::general_purpose::STANDARD
                .encode(format!("{username}:{}", password.expose()));
            redactor.add_basic(username, password);
            set_header(&mut headers, "Authorization", format!("Basic {b64}"));
        }
        Auth::Raw { value } => {
            set_header(&mut headers, "Authorization", value.expose().to_owned());
            sent_token = Some(value.clone());
        }
        Auth::ClientCertificate { pfx, password } => {
            net.client_cert = Some((pfx.clone(), password.clone()));
        }
        Auth::ManagedServiceIdentity { audience, .. } => match &options.user_token {
            Some(t) => {
                redactor.add_raw(t.expose(), "<token>");
                let v = t.expose().trim();
                let v = v
                    .strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
                    .unwrap_or(v);
                redactor.add_raw(v, "<token>");
                bearer(&mut headers, v);
                sent_token = Some(Secret::new(v));
                notes.push(note(
                    "managed_identity",
                    "Managed identity works only inside Azure: the token you supplied stands in for the identity's.".into(),
                ));
            }
            None => {
                failure = Some(Failure::Input(format!(
                    "ManagedServiceIdentity gets its token inside Azure only; supply a token{} with --token-env or the designer's token field",
                    audience
                        .as_deref()
                        .map(|a| format!(" for {a}"))
                        .unwrap_or_default()
                )));
            }
        },
    }

    let first = HttpRequest {
        method: prepared.method.clone(),
        url: prepared.url.clone(),
        headers,
        body,
    };
    let request = sent(&first, &redactor);
    let mut response: Option<Response> = None;

    if failure.is_none() {
        let mut req = first;
        let mut hops: Vec<String> = Vec::new();
        loop {
            match transport::send(&req, &net).await {
                Ok(ex) => {
                    timings.dns = ex.timings.dns;
                    timings.connect = ex.timings.connect;
                    timings.tls = ex.timings.tls;
                    timings.first_byte = ex.timings.first_byte;
                    timings.download = ex.timings.download;
                    let r = ex.response;
                    // A redirect to the Entra sign-in page is the answer
                    // even when redirects are followed: the page itself
                    // (HTML, 200) would read as a success.
                    let sign_in = r
                        .header("Location")
                        .and_then(|l| diagnose::login_redirect(l, Some(&req.url)))
                        .is_some();
                    if options.follow_redirects && sign_in {
                        notes.push(note(
                            "redirects",
                            "Not followed: the redirect leads to the Entra sign-in page, which a workflow cannot use.".into(),
                        ));
                    }
                    if options.follow_redirects && !sign_in {
                        match redirect(&req, &r, &redactor) {
                            Ok(Redirect { next, dropped }) => {
                                if hops.len() >= MAX_REDIRECTS {
                                    notes.push(note(
                                        "redirects",
                                        format!("Stopped after {MAX_REDIRECTS} redirects; the last one is the answer."),
                                    ));
                                    response = Some(r);
                                    break;
                                }
                                hops.push(format!(
                                    "{} to {}",
                                    r.status,
                                    redactor.redact(next.url.as_str())
                                ));
                                if !dropped.is_empty() {
                                    notes.push(note(
                                        "redirects",
                                        format!(
                                            "The redirect to {} leaves the origin: not sent there, as they carry a credential or a secure value: {}.",
                                            next.url.origin().ascii_serialization(),
                                            dropped.join(", ")
                                        ),
                                    ));
                                }
                                req = next;
                                net.timeout = Some(
                                    options
                                        .timeout
                                        .saturating_sub(started.elapsed())
                                        .max(Duration::from_millis(1)),
                                );
                                continue;
                            }
                            Err(NoRedirect::SecureBody) => {
                                notes.push(note(
                                    "redirects",
                                    format!(
                                        "Not followed: the {} redirect leaves the origin and would re-send a body holding a secure value; the redirect is the answer.",
                                        r.status
                                    ),
                                ));
                            }
                            Err(NoRedirect::NotOne) => {}
                        }
                    }
                    response = Some(r);
                    break;
                }
                Err((f, t)) => {
                    timings.dns = t.dns;
                    timings.connect = t.connect;
                    timings.tls = t.tls;
                    timings.first_byte = t.first_byte;
                    timings.download = t.download;
                    failure = Some(f);
                    break;
                }
            }
        }
        if !hops.is_empty() {
            let mut n = note(
                "redirects",
                format!(
                    "Followed {} redirect{}.",
                    hops.len(),
                    if hops.len() == 1 { "" } else { "s" }
                ),
            );
            n.evidence = hops;
            notes.push(n);
        }
    }
    timings.total = ms(started.elapsed());

    let mut outcome = Outcome {
        action: prepared.action.clone(),
        request,
        response,
        failure: failure.map(|f| redact_failure(f, &redactor)),
        diagnosis: None,
        notes: Vec::new(),
        timings,
        token: token_use,
        started_at,
    };
    let (mut diagnosis, mut more) = diagnose::diagnose(prepared, &outcome, options);
    if let (Some(d), Some(t)) = (diagnosis.as_mut(), &sent_token) {
        if d.kind == "proxy_rejected_token" {
            d.evidence
                .extend(diagnose::token_claims_evidence(t.expose()));
        }
    }
    more.extend(notes);
    if let Some(r) = outcome.response.as_ref() {
        if r.status == 202 && r.header("Location").is_some() {
            more.push(note(
                "async_pattern",
                "202 Accepted with a Location: in a run, Logic Apps would poll that URL until a final answer (its asynchronous pattern, on unless the action's operationOptions has DisableAsyncPattern). This test call shows the 202 itself.".into(),
            ));
        }
    }
    if let Some(r) = outcome.response.as_mut() {
        if redact_response(r, &redactor) {
            more.push(note(
                "redacted",
                "The answer holds a secret this call sent; it is shown as a placeholder.".into(),
            ));
        }
    }
    outcome.diagnosis = diagnosis.map(|d| diagnose::redact_diagnosis(d, &redactor));
    outcome.notes = more
        .into_iter()
        .map(|d| diagnose::redact_diagnosis(d, &redactor))
        .collect();
    outcome
}
