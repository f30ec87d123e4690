//! The App Proxy front: checks the Entra token, then forwards the request
//! to the demo API over a real loopback connection, with App Proxy's
//! redirects and error pages.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper_util::rt::TokioIo;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use rsa::traits::PublicKeyParts as _;
use serde_json::Value;

use super::keys::guid;
use super::token::html_escape;
use super::{now_secs, Peer, Shared};

/// Characters left as they are in a query value: RFC 3986 unreserved.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Which front: its external URL and scheme.
pub(crate) struct Front {
    pub shared: Arc<Shared>,
    /// External URL, no trailing slash.
    pub external: String,
    pub https: bool,
}

pub(crate) fn router(front: Arc<Front>) -> Router {
    Router::new().fallback(handle).with_state(front)
}

/// Headers that concern one connection only (not forwarded).
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

async fn handle(State(f): State<Arc<Front>>, req: Request) -> Response {
    let s = &f.shared;
    s.stats.proxy_requests.fetch_add(1, Ordering::Relaxed);
    let transaction = guid();
    let mut resp = match check_token(&f, &req) {
        Err((sent, reason)) => {
            s.stats.proxy_rejected.fetch_add(1, Ordering::Relaxed);
            redirect(&f, &req, sent, reason)
        }
        Ok(()) => match req.uri().path() {
            "/_fault/bad-gateway" => {
                s.stats.proxy_faults.fetch_add(1, Ordering::Relaxed);
                bad_gateway(&f, &transaction)
            }
            "/_fault/gateway-timeout" => {
                s.stats.proxy_faults.fetch_add(1, Ordering::Relaxed);
                error_page(
                    &f,
                    StatusCode::GATEWAY_TIMEOUT,
                    "Gateway Timeout",
                    "The Application Proxy service could not reach a connector for this application (the connector timed out). Make sure that a connector in the application's connector group is running and can reach the service, then try again.",
                    "connector-unreachable",
                    &transaction,
                )
            }
            "/_fault/forbidden" => {
                s.stats.proxy_faults.fetch_add(1, Ordering::Relaxed);
                error_page(
                    &f,
                    StatusCode::FORBIDDEN,
                    "Forbidden",
                    "This user is not authorized to access this application: the caller is not assigned to the application in Microsoft Entra ID.",
                    "not-assigned",
                    &transaction,
                )
            }
            _ => forward(&f, req, &transaction).await,
        },
    };
    if !s.config.proxy_headers {
        return resp;
    }
    let h = resp.headers_mut();
    h.insert(
        "x-ms-proxy-service-name",
        HeaderValue::from_static("lapis-sandbox-appproxy"),
    );
    if let Ok(v) = HeaderValue::from_str(&s.config.proxy_app_id) {
        h.insert("x-ms-proxy-app-id", v);
    }
    if let Ok(v) = HeaderValue::from_str(&transaction) {
        h.insert("x-ms-proxy-transaction-id", v);
    }
    resp
}

/// Ok, or (was a token sent, why it was rejected).
fn check_token(f: &Front, req: &Request) -> Result<(), (bool, &'static str)> {
    let s = &f.shared;
    let Some(auth) = req.headers().get(header::AUTHORIZATION) else {
        return Err((false, "missing"));
    };
    let auth = auth.to_str().map_err(|_| (true, "malformed"))?.trim();
    let token = match auth.split_once(' ') {
        Some((scheme, t)) if scheme.eq_ignore_ascii_case("bearer") => t.trim(),
        _ => return Err((true, "scheme")),
    };
    let hdr = jsonwebtoken::decode_header(token).map_err(|_| (true, "malformed"))?;
    if hdr.alg != Algorithm::RS256 {
        return Err((true, "algorithm"));
    }
    if hdr.kid.as_deref() != Some(s.material.kid.as_str()) {
        return Err((true, "signature"));
    }
    let pk = &s.material.signing_public;
    let key = DecodingKey::from_rsa_raw_components(&pk.n().to_bytes_be(), &pk.e().to_bytes_be());
    let mut v = Validation::new(Algorithm::RS256);
    v.validate_exp = false;
    v.validate_nbf = false;
    v.validate_aud = false;
    v.required_spec_claims.clear();
    let claims = match jsonwebtoken::decode::<Value>(token, &key, &v) {
        Ok(d) => d.claims,
        Err(e) => {
            return Err(match e.kind() {
                jsonwebtoken::errors::ErrorKind::InvalidSignature => (true, "signature"),
                _ => (true, "malformed"),
            })
        }
    };
    let aud = claims.get("aud").and_then(Value::as_str).unwrap_or("");
    let aud_n = aud.trim_end_matches('/');
    let aud_ok = aud_n.eq_ignore_ascii_case(&s.proxy_url)
        || aud_n.eq_ignore_ascii_case(&s.proxy_tls_url)
        || aud.eq_ignore_ascii_case(&s.config.proxy_app_id);
    if !aud_ok {
        return Err((true, "audience"));
    }
    let now = now_secs() as i64;
    match claims.get("exp").and_then(Value::as_i64) {
        Some(exp) if exp > now => {}
        _ => return Err((true, "expired")),
    }
    if claims
        .get("nbf")
        .and_then(Value::as_i64)
        .is_some_and(|n| n > now + 300)
    {
        return Err((true, "not-yet-valid"));
    }
    let tid = claims.get("tid").and_then(Value::as_str).unwrap_or("");
    if !tid.eq_ignore_ascii_case(&s.proxy_tenant_id) {
        return Err((true, "tenant"));
    }
    let has_role = claims
        .get("roles")
        .and_then(Value::as_array)
        .is_some_and(|r| r.iter().any(|x| x.as_str() == Some("user_impersonation")));
    if !has_role {
        return Err((true, "roles"));
    }
    Ok(())
}

/// App Proxy's answer to a missing or rejected token: a redirect to the
/// Entra sign-in page, whose `state` says whether a token was rejected.
fn redirect(f: &Front, req: &Request, token_sent: bool, reason: &'static str) -> Response {
    let s = &f.shared;
    let path_q = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let original = format!("{}{}", f.external, path_q);
    let original_json = serde_json::to_string(&original)
        .unwrap_or_else(|_| "\"\"".into())
        .replace('/', "\\/");
    let state = format!(
        "AppProxyState:{{\"InvalidTokenRetry\":{},\"IsMsofba\":false,\"OriginalRawUrl\":{original_json},\"RequestProfileId\":null}}#EndOfStateParam#",
        if token_sent { "true" } else { "null" }
    );
    let enc = |x: &str| utf8_percent_encode(x, QUERY_VALUE).to_string();
    let location = format!(
        "{}/{}/oauth2/authorize?response_type=code&client_id={}&scope=openid&nonce={}&redirect_uri={}&state={}&client-request-id={}",
        s.authority,
        s.proxy_tenant_id,
        enc(&s.config.proxy_app_id),
        guid(),
        enc(&format!("{}/", f.external)),
        enc(&state),
        guid()
    );
    let body = format!(
        "<html><head><title>Object moved</title></head><body>\r\n<h2>Object moved to <a href=\"{}\">here</a>.</h2>\r\n</body></html>\r\n",
        html_escape(&location)
    );
    let mut resp = (StatusCode::FOUND, body).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&location) {
        h.insert(header::LOCATION, v);
    }
    h.insert("x-sandbox-reject", HeaderValue::from_static(reason));
    resp
}

/// One of App Proxy's error pages.
fn error_page(
    f: &Front,
    status: StatusCode,
    title: &str,
    message: &str,
    fault: &'static str,
    transaction: &str,
) -> Response {
    let ts = chrono::Utc::now().format("%Y-%m-%d %H:%M:%SZ");
    let body = format!(
        "<!DOCTYPE html>\r\n<html><head><meta charset=\"utf-8\"><title>{title}</title></head><body>\r\n\
         <h1>This corporate app can't be accessed right now.</h1>\r\n\
         <h2>{title}</h2>\r\n<p>{message}</p>\r\n\
         <h3>Technical details</h3>\r\n<ul>\r\n\
         <li>Status code: {code}</li>\r\n\
         <li>Error: {title}</li>\r\n\
         <li>Application: {app}</li>\r\n\
         <li>Connector group: Default (Lapis sandbox)</li>\r\n\
         <li>Transaction ID: {transaction}</li>\r\n\
         <li>Session ID: {session}</li>\r\n\
         <li>Timestamp: {ts}</li>\r\n</ul>\r\n</body></html>\r\n",
        code = status.as_u16(),
        app = html_escape(&f.shared.config.proxy_app_id),
        session = guid(),
    );
    let mut resp = (status, body).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert("x-sandbox-fault", HeaderValue::from_static(fault));
    resp
}

fn bad_gateway(f: &Front, transaction: &str) -> Response {
    error_page(
        f,
        StatusCode::BAD_GATEWAY,
        "Bad Gateway",
        "The connector could not reach the backend application at its internal URL. Make sure that the internal URL is correct and that the backend server is running and reachable from the connector's server.",
        "backend-unreachable",
        transaction,
    )
}

async fn forward(f: &Front, req: Request, transaction: &str) -> Response {
    let s = &f.shared;
    let limit = Duration::from_millis(s.config.backend_timeout_ms.max(1));
    let peer = req.extensions().get::<Peer>().map(|p| p.0);
    let (parts, body) = req.into_parts();
    let path_q = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());

    let mut builder = hyper::Request::builder()
        .method(parts.method.clone())
        .uri(path_q);
    for (name, value) in parts.headers.iter() {
        if name == header::AUTHORIZATION
            || name == header::HOST
            || HOP_BY_HOP.contains(&name.as_str())
        {
            continue;
        }
        builder = builder.header(name, value);
    }
    builder = builder.header(header::HOST, s.api_authority.as_str());
    if let Some(p) = peer {
        builder = builder.header("x-forwarded-for", p.ip().to_string());
    }
    let ext_host = f
        .external
        .split_once("://")
        .map(|x| x.1)
        .unwrap_or(&f.external);
    builder = builder
        .header("x-forwarded-proto", if f.https { "https" } else { "http" })
        .header("x-forwarded-host", ext_host)
        .header(
            HeaderName::from_static("x-ms-proxy"),
            "AzureAD-Application-Proxy",
        );
    let backend_req = match builder.body(body) {
        Ok(r) => r,
        Err(_) => return bad_gateway(f, transaction),
    };

    let api_addr = s.api_addr;
    let exchange = async move {
        let stream = tokio::net::TcpStream::connect(api_addr).await?;
        let _ = stream.set_nodelay(true);
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(std::io::Error::other)?;
        tokio::spawn(conn);
        sender
            .send_request(backend_req)
            .await
            .map_err(std::io::Error::other)
    };
    match tokio::time::timeout(limit, exchange).await {
        Err(_) => {
            s.stats.proxy_faults.fetch_add(1, Ordering::Relaxed);
            let secs = s.config.backend_timeout_ms as f64 / 1000.0;
            error_page(
                f,
                StatusCode::GATEWAY_TIMEOUT,
                "Gateway Timeout",
                &format!(
                    "The backend application didn't respond in time: the connector forwarded the request, but the backend did not answer within the application's backend timeout ({secs} seconds). If the backend needs more time, set the application's backend timeout to Long (180 seconds)."
                ),
                "backend-timeout",
                transaction,
            )
        }
        Ok(Err(_)) => {
            s.stats.proxy_faults.fetch_add(1, Ordering::Relaxed);
            bad_gateway(f, transaction)
        }
        Ok(Ok(resp)) => {
            s.stats.proxy_forwarded.fetch_add(1, Ordering::Relaxed);
            let (mut parts, body) = resp.into_parts();
            for h in HOP_BY_HOP {
                parts.headers.remove(*h);
            }
            Response::from_parts(parts, Body::new(body))
        }
    }
}
