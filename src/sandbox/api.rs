//! The demo on-premises API, served directly (plain HTTP), behind the App
//! Proxy front, and on the mTLS listener.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use base64::Engine as _;
use hyper::body::{Frame, SizeHint};
use serde_json::{json, Map, Value};

use super::keys::b64std;
use super::{ClientCert, Peer, Shared};

/// Largest `/api/large` body (512 MiB).
pub const LARGE_MAX: u64 = 512 * 1024 * 1024;
/// Longest `/api/slow` wait (10 minutes).
pub const SLOW_MAX_MS: u64 = 600_000;
/// Largest request body `/api/echo` reads (64 MiB).
const ECHO_MAX: usize = 64 * 1024 * 1024;

/// Which listener serves the API.
pub(crate) struct ApiState {
    pub shared: Arc<Shared>,
    pub mtls: bool,
}

pub(crate) fn router(state: Arc<ApiState>) -> Router {
    Router::new()
        .route("/api/status", get(status))
        .route("/api/echo", any(echo))
        .route("/api/slow", get(slow))
        .route("/api/large", get(large))
        .route("/api/cookie-protected", get(cookie_protected))
        .route("/api/header-protected", get(header_protected))
        .route("/api/basic", get(basic))
        .route("/api/redirect", get(redirect))
        .route("/api/binary", get(binary))
        .route("/api/gateway/{code}", get(gateway))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), count))
        .with_state(state)
}

async fn count(
    State(st): State<Arc<ApiState>>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    let c = if st.mtls {
        &st.shared.stats.mtls_requests
    } else {
        &st.shared.stats.api_requests
    };
    c.fetch_add(1, Ordering::Relaxed);
    next.run(req).await
}

async fn not_found(req: Request) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"error": "not_found", "message": format!("the sandbox demo API has no route {} {}", req.method(), req.uri().path())})),
    )
        .into_response()
}

/// Another gateway's error page (a reverse proxy that is not App Proxy):
/// `/api/gateway/502` or `/api/gateway/504`.
async fn gateway(axum::extract::Path(code): axum::extract::Path<u16>) -> Response {
    let status = match code {
        502 => StatusCode::BAD_GATEWAY,
        504 => StatusCode::GATEWAY_TIMEOUT,
        _ => return (StatusCode::NOT_FOUND, "only 502 and 504").into_response(),
    };
    let reason = status.canonical_reason().unwrap_or("");
    let body = format!(
        "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n<center><h1>{code} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    );
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/html"),
    );
    resp
}

async fn status(State(st): State<Arc<ApiState>>, req: Request) -> Response {
    let mut v = json!({
        "status": "ok",
        "service": "sandbox demo API",
        "time": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "listener": if st.mtls { "mtls" } else { "plain" },
        "via_proxy": req.headers().contains_key("x-ms-proxy"),
    });
    if st.mtls {
        let subject = req
            .extensions()
            .get::<ClientCert>()
            .and_then(|c| c.subject.clone());
        v["client_certificate"] = json!({ "subject": subject });
    }
    Json(v).into_response()
}

fn header_pairs(h: &HeaderMap) -> Vec<Value> {
    h.iter()
        .map(|(k, v)| json!([k.as_str(), String::from_utf8_lossy(v.as_bytes())]))
        .collect()
}

fn cookies(h: &HeaderMap) -> Map<String, Value> {
    let mut out = Map::new();
    for v in h.get_all(header::COOKIE) {
        for pair in String::from_utf8_lossy(v.as_bytes()).split(';') {
            if let Some((k, v)) = pair.split_once('=') {
                out.insert(k.trim().to_string(), json!(v.trim()));
            } else if !pair.trim().is_empty() {
                out.insert(pair.trim().to_string(), json!(""));
            }
        }
    }
    out
}

async fn echo(req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, ECHO_MAX).await {
        Ok(b) => b,
        Err(e) => {
            return (
                StatusCode::PAYLOAD_TOO_LARGE,
                Json(json!({"error": "body", "message": format!("the request body could not be read (limit {ECHO_MAX} bytes): {e}")})),
            )
                .into_response()
        }
    };
    let raw_query = parts.uri.query().unwrap_or("");
    let mut parsed = Map::new();
    for (k, v) in url::form_urlencoded::parse(raw_query.as_bytes()) {
        match parsed.get_mut(k.as_ref()) {
            Some(Value::Array(a)) => a.push(json!(v)),
            Some(other) => {
                let first = other.take();
                *other = json!([first, v]);
            }
            None => {
                parsed.insert(k.into_owned(), json!(v));
            }
        }
    }
    let (body, encoding) = match std::str::from_utf8(&bytes) {
        Ok(t) => (json!(t), "text"),
        Err(_) => (json!(b64std(&bytes)), "base64"),
    };
    Json(json!({
        "method": parts.method.as_str(),
        "path": parts.uri.path(),
        "query": { "raw": raw_query, "parsed": parsed },
        "headers": header_pairs(&parts.headers),
        "cookies": cookies(&parts.headers),
        "body": body,
        "body_encoding": encoding,
        "body_length": bytes.len(),
        "remote_addr": parts.extensions.get::<Peer>().map(|p| p.0.to_string()),
    }))
    .into_response()
}

#[derive(serde::Deserialize)]
struct SlowQ {
    ms: Option<String>,
}

async fn slow(Query(q): Query<SlowQ>) -> Response {
    let ms = match q.ms.as_deref().map(str::parse::<u64>) {
        None => 1000,
        Some(Ok(n)) => n.min(SLOW_MAX_MS),
        Some(Err(_)) => return bad_param("ms", "a number of milliseconds"),
    };
    tokio::time::sleep(Duration::from_millis(ms)).await;
    Json(json!({"status": "ok", "waited_ms": ms})).into_response()
}

fn bad_param(name: &str, want: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": "bad_parameter", "message": format!("query parameter '{name}' must be {want}")})),
    )
        .into_response()
}

#[derive(serde::Deserialize)]
struct LargeQ {
    bytes: Option<String>,
}

/// The repeating line of `/api/large` (64 bytes).
const LARGE_LINE: &[u8; 64] = b"lapis sandbox large body 0123456789 abcdefghijklmnopqrstuvwxyz.\n";
const CHUNK: usize = 64 * 1024;

/// The `i`-th byte of a `/api/large` body.
pub fn large_byte(i: u64) -> u8 {
    LARGE_LINE[(i % 64) as usize]
}

/// A streamed body of `remaining` deterministic bytes.
struct LargeBody {
    pos: u64,
    remaining: u64,
    pattern: Bytes,
}

impl HttpBody for LargeBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        let n = (CHUNK as u64).min(self.remaining) as usize;
        let off = (self.pos % 64) as usize;
        let chunk = self.pattern.slice(off..off + n);
        self.pos += n as u64;
        self.remaining -= n as u64;
        Poll::Ready(Some(Ok(Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

async fn large(Query(q): Query<LargeQ>) -> Response {
    let n = match q.bytes.as_deref().map(str::parse::<u64>) {
        None => 1024 * 1024,
        Some(Ok(n)) if n <= LARGE_MAX => n,
        Some(Ok(_)) => return bad_param("bytes", &format!("at most {LARGE_MAX}")),
        Some(Err(_)) => return bad_param("bytes", "a number of bytes"),
    };
    let pattern: Vec<u8> = (0..(CHUNK + 64) as u64).map(large_byte).collect();
    let body = LargeBody {
        pos: 0,
        remaining: n,
        pattern: Bytes::from(pattern),
    };
    let mut resp = Response::new(Body::new(body));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp
}

fn unauthorized(message: &str) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({"error": "unauthorized", "message": message})),
    )
        .into_response()
}

async fn cookie_protected(State(st): State<Arc<ApiState>>, headers: HeaderMap) -> Response {
    let want = &st.shared.config.api.session_cookie;
    match cookies(&headers).get("session").and_then(Value::as_str) {
        Some(v) if v == want => Json(json!({"status": "ok", "authenticated_by": "cookie"})).into_response(),
        Some(_) => unauthorized("the 'session' cookie has the wrong value"),
        None => unauthorized("this endpoint needs the cookie 'session' (App Proxy uses the Authorization header for its own token, so the backend is protected by a cookie)"),
    }
}

async fn header_protected(State(st): State<Arc<ApiState>>, headers: HeaderMap) -> Response {
    let want = &st.shared.config.api.private_token;
    match headers.get("private-token").map(|v| v.as_bytes()) {
        Some(v) if v == want.as_bytes() => Json(json!({"status": "ok", "authenticated_by": "PRIVATE-TOKEN header"})).into_response(),
        Some(_) => unauthorized("the PRIVATE-TOKEN header has the wrong value"),
        None => unauthorized("this endpoint needs the header PRIVATE-TOKEN (App Proxy uses the Authorization header for its own token, so the backend is protected by a custom header)"),
    }
}

async fn basic(State(st): State<Arc<ApiState>>, headers: HeaderMap) -> Response {
    let api = &st.shared.config.api;
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(s, _)| s.eq_ignore_ascii_case("basic"))
        .and_then(|(_, b)| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok());
    let ok = given
        .as_deref()
        .and_then(|g| g.split_once(':'))
        .is_some_and(|(u, p)| u == api.basic_user && p == api.basic_password);
    if ok {
        return Json(json!({"status": "ok", "authenticated_by": "basic", "user": api.basic_user}))
            .into_response();
    }
    let mut resp = unauthorized(if given.is_some() {
        "wrong user name or password"
    } else {
        "this endpoint needs HTTP Basic authentication"
    });
    resp.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"lapis-sandbox\", charset=\"UTF-8\""),
    );
    resp
}

#[derive(serde::Deserialize)]
struct RedirectQ {
    to: Option<String>,
}

async fn redirect(Query(q): Query<RedirectQ>) -> Response {
    let to = q.to.unwrap_or_else(|| "/api/status".into());
    match HeaderValue::from_str(&to) {
        Ok(v) => {
            let mut resp = (StatusCode::FOUND, format!("redirecting to {to}\n")).into_response();
            resp.headers_mut().insert(header::LOCATION, v);
            resp
        }
        Err(_) => bad_param("to", "a URL or path"),
    }
}

/// The bytes `/api/binary` sends: 0..=255 twice, then a PNG-like header.
pub fn binary_bytes() -> Vec<u8> {
    let mut v: Vec<u8> = (0..=255u8).chain(0..=255u8).collect();
    v.extend_from_slice(b"\x89PNG\r\n\x1a\n\x00\xff\xfe");
    v
}

async fn binary() -> Response {
    let mut resp = Response::new(Body::from(binary_bytes()));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    resp
}
