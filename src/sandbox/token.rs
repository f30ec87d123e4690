//! The Entra-like token service: client-credentials grant on the v1 and v2
//! endpoints, JWKS, OpenID configuration, and errors in Entra's shape.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rsa::traits::PublicKeyParts as _;
use serde_json::{json, Value};

use super::keys::{b64std, guid, RegisteredCert};
use super::{now_secs, Client, Resource, Shared, Tenant};

/// The assertion type for certificate credentials.
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// An error as Entra's token endpoint sends it.
pub(crate) struct AadError {
    status: StatusCode,
    error: &'static str,
    code: u32,
    text: String,
}

impl AadError {
    fn new(status: StatusCode, error: &'static str, code: u32, text: impl Into<String>) -> Self {
        AadError {
            status,
            error,
            code,
            text: text.into(),
        }
    }
    fn bad(error: &'static str, code: u32, text: impl Into<String>) -> Self {
        AadError::new(StatusCode::BAD_REQUEST, error, code, text)
    }
    fn client(code: u32, text: impl Into<String>) -> Self {
        AadError::new(StatusCode::UNAUTHORIZED, "invalid_client", code, text)
    }
    fn missing(param: &str) -> Self {
        AadError::bad(
            "invalid_request",
            900144,
            format!("The request body must contain the following parameter: '{param}'."),
        )
    }
}

impl IntoResponse for AadError {
    fn into_response(self) -> Response {
        let trace = guid();
        let corr = guid();
        let ts = chrono::Utc::now().format("%Y-%m-%d %H:%M:%SZ").to_string();
        let body = json!({
            "error": self.error,
            "error_description": format!(
                "AADSTS{}: {}\r\nTrace ID: {trace}\r\nCorrelation ID: {corr}\r\nTimestamp: {ts}",
                self.code, self.text
            ),
            "error_codes": [self.code],
            "timestamp": ts,
            "trace_id": trace,
            "correlation_id": corr,
            "error_uri": format!("https://login.microsoftonline.com/error?code={}", self.code),
        });
        let mut resp = (self.status, Json(body)).into_response();
        entra_headers(resp.headers_mut(), &trace);
        resp
    }
}

fn entra_headers(h: &mut HeaderMap, request_id: &str) {
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("x-ms-request-id", v);
    }
    h.insert(
        "x-ms-ests-server",
        HeaderValue::from_static("lapis-sandbox"),
    );
}

/// The token service's routes (served at the authority's root).
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/_sandbox/stats", get(stats))
        .route("/{tenant}/oauth2/token", post(token_v1))
        .route("/{tenant}/oauth2/v2.0/token", post(token_v2))
        .route("/{tenant}/discovery/keys", get(jwks))
        .route("/{tenant}/discovery/v2.0/keys", get(jwks))
        .route("/{tenant}/v2.0/.well-known/openid-configuration", get(openid_v2))
        .route("/{tenant}/.well-known/openid-configuration", get(openid_v1))
        .route("/{tenant}/oauth2/authorize", get(authorize))
        .route("/{tenant}/oauth2/v2.0/authorize", get(authorize))
        .fallback(|| async {
            (
                StatusCode::NOT_FOUND,
                Json(json!({"error": "not_found", "error_description": "The sandbox token service has no such endpoint."})),
            )
        })
        .with_state(shared)
}

async fn stats(State(s): State<Arc<Shared>>) -> Response {
    Json(s.stats.snapshot()).into_response()
}

fn find_tenant<'a>(s: &'a Shared, name: &str) -> Result<&'a Tenant, AadError> {
    s.tenant(name).ok_or_else(|| {
        AadError::bad(
            "invalid_request",
            90002,
            format!(
                "Tenant '{name}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."
            ),
        )
    })
}

async fn jwks(State(s): State<Arc<Shared>>, Path(tenant): Path<String>) -> Response {
    s.stats.jwks_requests.fetch_add(1, Ordering::Relaxed);
    if let Err(e) = find_tenant(&s, &tenant) {
        return e.into_response();
    }
    let m = &s.material;
    Json(json!({"keys": [{
        "kty": "RSA",
        "use": "sig",
        "kid": m.kid,
        "x5t": m.kid,
        "n": m.jwk_n,
        "e": m.jwk_e,
        "x5c": [b64std(&m.signing_cert_der)],
        "issuer": format!("{}/{{tenantid}}/v2.0", s.authority),
    }]}))
    .into_response()
}

fn openid(s: &Shared, tenant: &str, v2: bool) -> Response {
    let t = match find_tenant(s, tenant) {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let a = &s.authority;
    let tid = &t.id;
    let (issuer, token, authz, keys) = if v2 {
        (
            format!("{a}/{tid}/v2.0"),
            format!("{a}/{tenant}/oauth2/v2.0/token"),
            format!("{a}/{tenant}/oauth2/v2.0/authorize"),
            format!("{a}/{tenant}/discovery/v2.0/keys"),
        )
    } else {
        (
            format!("https://sts.windows.net/{tid}/"),
            format!("{a}/{tenant}/oauth2/token"),
            format!("{a}/{tenant}/oauth2/authorize"),
            format!("{a}/{tenant}/discovery/keys"),
        )
    };
    Json(json!({
        "token_endpoint": token,
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": keys,
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": issuer,
        "authorization_endpoint": authz,
        "tenant_region_scope": "EU",
        "cloud_instance_name": "sandbox.lapis.local",
    }))
    .into_response()
}

async fn openid_v1(State(s): State<Arc<Shared>>, Path(tenant): Path<String>) -> Response {
    openid(&s, &tenant, false)
}

async fn openid_v2(State(s): State<Arc<Shared>>, Path(tenant): Path<String>) -> Response {
    openid(&s, &tenant, true)
}

async fn authorize(Path(tenant): Path<String>) -> Response {
    let tenant = html_escape(&tenant);
    Html(format!(
        "<!DOCTYPE html><html><head><title>Sign in to your account</title></head><body>\
         <h1>Sign in</h1><p>This is the Lapis sandbox's stand-in for the Microsoft Entra sign-in page \
         (tenant {tenant}). The sandbox has no interactive sign-in: an App Proxy redirect here means \
         the proxy did not accept the request's access token.</p></body></html>"
    ))
    .into_response()
}

pub(crate) fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn token_v1(
    State(s): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    token(s, tenant, headers, body, false).await
}

async fn token_v2(
    State(s): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    token(s, tenant, headers, body, true).await
}

async fn token(
    s: Arc<Shared>,
    tenant: String,
    headers: HeaderMap,
    body: Bytes,
    v2: bool,
) -> Response {
    s.stats.token_requests.fetch_add(1, Ordering::Relaxed);
    if s.config.token_delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(s.config.token_delay_ms)).await;
    }
    match issue(&s, &tenant, &headers, &body, v2) {
        Ok(resp) => {
            s.stats.tokens_issued.fetch_add(1, Ordering::Relaxed);
            resp
        }
        Err(e) => {
            s.stats.token_errors.fetch_add(1, Ordering::Relaxed);
            e.into_response()
        }
    }
}

/// The form's parameters (the first value of each).
struct Form(Vec<(String, String)>);

impl Form {
    fn get(&self, k: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }
}

/// `Authorization: Basic` client credentials (client_secret_basic): the id
/// and secret are form-url-encoded before base64.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = v.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (id, secret) = text.split_once(':')?;
    let dec = |x: &str| {
        let x = x.replace('+', " ");
        percent_encoding::percent_decode_str(&x)
            .decode_utf8()
            .map(|c| c.into_owned())
            .unwrap_or_else(|_| x.to_string())
    };
    Some((dec(id), dec(secret)))
}

fn issue(
    s: &Shared,
    tenant_name: &str,
    headers: &HeaderMap,
    body: &[u8],
    v2: bool,
) -> Result<Response, AadError> {
    let form = Form(
        url::form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
    );
    let tenant = find_tenant(s, tenant_name)?;
    let grant = form
        .get("grant_type")
        .ok_or_else(|| AadError::missing("grant_type"))?;
    if grant != "client_credentials" {
        return Err(AadError::bad(
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{grant}'. The sandbox supports only 'client_credentials'."),
        ));
    }
    let basic = basic_credentials(headers);
    let client_id = form
        .get("client_id")
        .map(str::to_string)
        .or_else(|| basic.as_ref().map(|b| b.0.clone()))
        .ok_or_else(|| AadError::missing("client_id"))?;

    // what is asked for
    let requested: String = if v2 {
        if form.get("resource").is_some() {
            return Err(AadError::bad(
                "invalid_request",
                901002,
                "The 'resource' request parameter is not supported.",
            ));
        }
        let scope = form.get("scope").ok_or_else(|| {
            AadError::bad(
                "invalid_scope",
                70011,
                "The provided request must include a 'scope' input parameter.",
            )
        })?;
        let scopes: Vec<&str> = scope.split_whitespace().collect();
        let defaults: Vec<&str> = scopes
            .iter()
            .filter_map(|x| x.strip_suffix("/.default"))
            .collect();
        if scopes.len() != 1 || defaults.len() != 1 || defaults[0].is_empty() {
            return Err(AadError::bad(
                "invalid_scope",
                70011,
                format!(
                    "The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
                ),
            ));
        }
        defaults[0].to_string()
    } else {
        form.get("resource")
            .ok_or_else(|| AadError::missing("resource"))?
            .to_string()
    };

    let client = tenant
        .clients
        .iter()
        .find(|c| c.client_id.eq_ignore_ascii_case(&client_id))
        .ok_or_else(|| {
            AadError::bad(
                "unauthorized_client",
                700016,
                format!(
                    "Application with identifier '{client_id}' was not found in the directory '{}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
                    tenant.domain
                ),
            )
        })?;

    // client authentication
    let secret = form.get("client_secret").map(str::to_string).or_else(|| {
        basic
            .as_ref()
            .map(|b| b.1.clone())
            .filter(|x| !x.is_empty())
    });
    let assertion = form.get("client_assertion");
    let acr = if let Some(assertion) = assertion {
        if form.get("client_assertion_type") != Some(JWT_BEARER) {
            return Err(AadError::bad(
                "invalid_request",
                50027,
                format!("JWT token is invalid or malformed. [Reason - 'client_assertion_type' must be '{JWT_BEARER}'.]"),
            ));
        }
        check_assertion(s, tenant, client, assertion, tenant_name)?;
        "2"
    } else if let Some(secret) = secret {
        check_secret(client, &secret)?;
        "1"
    } else {
        return Err(AadError::client(
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        ));
    };

    // the resource
    let resource = tenant.resource(&requested).ok_or_else(|| {
        AadError::bad(
            "invalid_resource",
            500011,
            format!(
                "The resource principal named {requested} was not found in the tenant named {}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.",
                tenant.domain
            ),
        )
    })?;
    if resource.disabled {
        return Err(AadError::bad(
            "invalid_resource",
            50001,
            format!(
                "The application named {requested} was not found in the tenant named {}. The service principal '{}' ({}) is disabled. This can happen if the application has been disabled by an administrator of the tenant.",
                tenant.domain, resource.name, resource.app_id
            ),
        ));
    }
    Ok(token_response(
        s, tenant, client, resource, &requested, acr, v2,
    ))
}

fn check_secret(client: &Client, secret: &str) -> Result<(), AadError> {
    match client.secrets.iter().find(|x| x.value == secret) {
        Some(x) if !x.expired => Ok(()),
        Some(_) => Err(AadError::client(
            7000222,
            format!(
                "The provided client secret keys for app '{}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.",
                client.client_id
            ),
        )),
        None => Err(AadError::client(
            7000215,
            format!(
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{}'.",
                client.client_id
            ),
        )),
    }
}

fn malformed(reason: &str) -> AadError {
    AadError::bad(
        "invalid_request",
        50027,
        format!("JWT token is invalid or malformed. [Reason - {reason}]"),
    )
}

fn check_assertion(
    s: &Shared,
    tenant: &Tenant,
    client: &Client,
    assertion: &str,
    tenant_name: &str,
) -> Result<(), AadError> {
    let header = jsonwebtoken::decode_header(assertion)
        .map_err(|_| malformed("The client assertion is not a JWT."))?;
    if !matches!(header.alg, Algorithm::RS256 | Algorithm::PS256) {
        return Err(malformed(&format!(
            "The signing algorithm {:?} is not supported; use RS256 or PS256.",
            header.alg
        )));
    }
    let cert: Option<&RegisteredCert> = if let Some(t) = &header.x5t_s256 {
        client.certs.iter().find(|c| &c.x5t_s256 == t)
    } else if let Some(t) = &header.x5t {
        client.certs.iter().find(|c| &c.x5t == t)
    } else {
        return Err(AadError::client(
            700027,
            "Client assertion failed signature validation. [Reason - The header of the client assertion has neither 'x5t#S256' nor 'x5t', so the key cannot be found.]",
        ));
    };
    let portal = format!(
        "Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{}'.",
        client.client_id
    );
    let thumb_sent = header
        .x5t_s256
        .as_deref()
        .or(header.x5t.as_deref())
        .unwrap_or_default()
        .to_string();
    let Some(cert) = cert else {
        return Err(AadError::client(
            700027,
            format!(
                "The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '{thumb_sent}', {portal}]"
            ),
        ));
    };
    let key = DecodingKey::from_rsa_raw_components(
        &cert.public_key.n().to_bytes_be(),
        &cert.public_key.e().to_bytes_be(),
    );
    let mut v = Validation::new(header.alg);
    v.validate_exp = false;
    v.validate_nbf = false;
    v.validate_aud = false;
    v.required_spec_claims.clear();
    let claims: Value = match jsonwebtoken::decode::<Value>(assertion, &key, &v) {
        Ok(d) => d.claims,
        Err(e) => {
            return Err(match e.kind() {
                jsonwebtoken::errors::ErrorKind::InvalidSignature => AadError::client(
                    700027,
                    format!(
                        "Client assertion failed signature validation. [Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: '{}', {portal}]",
                        cert.thumbprint_hex
                    ),
                ),
                _ => malformed("The client assertion could not be decoded."),
            })
        }
    };
    // audience: one of this tenant's token endpoints
    let a = &s.authority;
    let endpoints: Vec<String> = [tenant_name, tenant.id.as_str(), tenant.domain.as_str()]
        .iter()
        .flat_map(|t| {
            [
                format!("{a}/{t}/oauth2/token"),
                format!("{a}/{t}/oauth2/v2.0/token"),
                format!("{a}/{t}/v2.0"),
            ]
        })
        .collect();
    let aud_ok = match claims.get("aud") {
        Some(Value::String(x)) => endpoints.iter().any(|e| e.eq_ignore_ascii_case(x)),
        Some(Value::Array(xs)) => xs
            .iter()
            .filter_map(Value::as_str)
            .any(|x| endpoints.iter().any(|e| e.eq_ignore_ascii_case(x))),
        _ => false,
    };
    if !aud_ok {
        return Err(AadError::client(
            700024,
            format!(
                "Client assertion audience claim does not match Realm issuer. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials . [Reason - The audience must be the token endpoint, e.g. '{a}/{tenant_name}/oauth2/v2.0/token'.]"
            ),
        ));
    }
    let iss = claims.get("iss").and_then(Value::as_str);
    let sub = claims.get("sub").and_then(Value::as_str);
    if iss != Some(client.client_id.as_str()) || sub != Some(client.client_id.as_str()) {
        return Err(AadError::client(
            700021,
            "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .",
        ));
    }
    let now = now_secs() as i64;
    let exp = claims.get("exp").and_then(Value::as_i64);
    let nbf = claims.get("nbf").and_then(Value::as_i64);
    let out_of_range = match exp {
        None => true,
        Some(exp) => exp <= now || nbf.is_some_and(|n| n > now + 300),
    };
    if out_of_range {
        let fmt = |t: Option<i64>| {
            t.and_then(|t| chrono::DateTime::from_timestamp(t, 0))
                .map(|d| d.format("%m/%d/%Y %H:%M:%S").to_string())
                .unwrap_or_else(|| "(none)".into())
        };
        return Err(AadError::client(
            700024,
            format!(
                "Client assertion is not within its valid time range. Current time: {}, assertion valid from {}, expiry time of assertion {}. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .",
                fmt(Some(now)),
                fmt(nbf),
                fmt(exp)
            ),
        ));
    }
    if claims
        .get("jti")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err(malformed("The client assertion has no 'jti' claim."));
    }
    Ok(())
}

fn token_response(
    s: &Shared,
    tenant: &Tenant,
    client: &Client,
    resource: &Resource,
    requested: &str,
    acr: &str,
    v2: bool,
) -> Response {
    let now = now_secs();
    let life = s.config.token_lifetime_secs.max(1);
    let exp = now + life;
    let roles: Vec<String> = client
        .grants
        .get(&resource.name)
        .cloned()
        .unwrap_or_default();
    let tid = &tenant.id;
    let mut claims = serde_json::Map::new();
    claims.insert("aud".into(), json!(requested));
    if v2 {
        claims.insert("iss".into(), json!(format!("{}/{tid}/v2.0", s.authority)));
    } else {
        claims.insert(
            "iss".into(),
            json!(format!("https://sts.windows.net/{tid}/")),
        );
    }
    claims.insert("iat".into(), json!(now));
    claims.insert("nbf".into(), json!(now));
    claims.insert("exp".into(), json!(exp));
    if v2 {
        claims.insert("azp".into(), json!(client.client_id));
        claims.insert("azpacr".into(), json!(acr));
    } else {
        claims.insert("appid".into(), json!(client.client_id));
        claims.insert("appidacr".into(), json!(acr));
        claims.insert(
            "idp".into(),
            json!(format!("https://sts.windows.net/{tid}/")),
        );
    }
    claims.insert("idtyp".into(), json!("app"));
    claims.insert("oid".into(), json!(client.object_id));
    if !roles.is_empty() {
        claims.insert("roles".into(), json!(roles));
    }
    claims.insert("sub".into(), json!(client.object_id));
    claims.insert("tid".into(), json!(tid));
    claims.insert("uti".into(), json!(guid().replace('-', "")));
    claims.insert("ver".into(), json!(if v2 { "2.0" } else { "1.0" }));

    let mut header = Header::new(Algorithm::RS256);
    header.typ = Some("JWT".into());
    header.kid = Some(s.material.kid.clone());
    header.x5t = Some(s.material.kid.clone());
    let key = EncodingKey::from_rsa_der(&s.material.signing_pkcs1);
    let jwt = match jsonwebtoken::encode(&header, &Value::Object(claims), &key) {
        Ok(j) => j,
        Err(e) => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(json!({"error": "server_error", "error_description": format!("the sandbox could not sign the token: {e}")})),
            )
                .into_response()
        }
    };
    let body = if v2 {
        json!({
            "token_type": "Bearer",
            "expires_in": life,
            "ext_expires_in": life,
            "access_token": jwt,
        })
    } else {
        json!({
            "token_type": "Bearer",
            "expires_in": life.to_string(),
            "ext_expires_in": life.to_string(),
            "expires_on": exp.to_string(),
            "not_before": now.to_string(),
            "resource": requested,
            "access_token": jwt,
        })
    };
    let mut resp = Json(body).into_response();
    entra_headers(resp.headers_mut(), &guid());
    resp
}
