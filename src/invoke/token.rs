//! Entra tokens by the client-credentials grant.
//!
//! The request is made by the `oauth2` crate over [`transport::send`], on
//! reqwest (so proxies, extra CAs, pooled connections and timeouts apply
//! as for the call itself); the answer is read under the body policy with
//! a 1 MB limit ([`transport::TOKEN_MAX_BODY`]):
//! - v1 (`…/oauth2/token`) with `resource=<audience>`, as Logic Apps sends
//!   it; its numbers (`expires_in`, `expires_on`, …) come back as strings;
//! - v2 (`…/oauth2/v2.0/token`) with `scope=<audience>/.default`.
//!
//! A client secret goes in the form body. A certificate becomes a client
//! assertion: a JWT signed with its RSA key (PS256),
//! with the certificate's `x5t#S256` and `x5t` thumbprints.
//!
//! Tokens are kept in a [`TokenCache`] while they have more than a safety
//! margin of life left.
//!
//! [`transport::send`]: super::transport::send

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use oauth2::basic::{
    BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AccessToken, AsyncHttpClient, AuthType, ClientId, ClientSecret, RequestTokenError,
    StandardRevocableToken, TokenUrl,
};
use serde::{Deserialize, Deserializer, Serialize};
use sha2::Sha256;

use super::transport::{self, NetConfig};
use super::{Credential, Failure, OAuth, TokenEndpoint};
use crate::secrets::Secret;

/// Why no token came.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenError {
    /// The token endpoint's URL.
    pub endpoint: String,
    /// The HTTP status, when an answer came.
    pub status: Option<u16>,
    /// What failed, in words (never a secret).
    pub message: String,
    /// Entra's JSON error body, when one came (`error`,
    /// `error_description`, `error_codes`, `trace_id`, `correlation_id`,
    /// `timestamp`).
    pub entra: Option<serde_json::Value>,
    /// How a network failure happened (`dns`, `connect`, `tls`, `timeout`,
    /// `protocol`), when it was one.
    pub network: Option<String>,
}

impl TokenError {
    fn plain(endpoint: &str, message: impl Into<String>) -> TokenError {
        TokenError {
            endpoint: endpoint.to_owned(),
            status: None,
            message: message.into(),
            entra: None,
            network: None,
        }
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// A token ready to use.
#[derive(Debug, Clone)]
pub struct Token {
    /// The access token.
    pub access_token: Secret,
    /// When it expires.
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// True when it came from the cache.
    pub cached: bool,
    /// The endpoint it came from.
    pub endpoint: String,
    /// How long getting it took (0 from the cache).
    pub elapsed: Duration,
}

// ---------------------------------------------------------------- cache

#[derive(Clone, PartialEq, Eq, Hash)]
struct CacheKey {
    authority: String,
    tenant: String,
    client_id: String,
    audience: String,
    /// `TokenEndpoint as u8`.
    endpoint: u8,
    /// HMAC of the credential under a key of this process: a changed
    /// secret or certificate misses the cache, and the map holds nothing
    /// that could be checked against a guessed secret elsewhere.
    credential: [u8; 32],
}

#[derive(Clone)]
struct Cached {
    access_token: Secret,
    expires_at: DateTime<Utc>,
    lifetime: Duration,
    endpoint: String,
}

/// Tokens by (authority, tenant, client id, audience, endpoint version and
/// the credential). Cheap to clone; clones share the tokens.
#[derive(Clone, Default)]
pub struct TokenCache {
    inner: Arc<Mutex<HashMap<CacheKey, Cached>>>,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenCache({} tokens)", self.len())
    }
}

impl TokenCache {
    /// An empty cache.
    pub fn new() -> TokenCache {
        TokenCache::default()
    }

    /// How many tokens are kept (valid or not).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// True when no token is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets every token.
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<CacheKey, Cached>> {
        // A panic elsewhere while holding the lock leaves a usable map.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn get_valid(&self, key: &CacheKey, now: DateTime<Utc>) -> Option<Cached> {
        let map = self.lock();
        let c = map.get(key)?;
        let left = (c.expires_at - now).to_std().ok()?;
        (left > safety_margin(c.lifetime)).then(|| c.clone())
    }

    fn put(&self, key: CacheKey, value: Cached) {
        self.lock().insert(key, value);
    }
}

/// The longest lifetime taken from a token answer: Entra's tokens live
/// at most a day, and a larger `expires_in` (`1e300`) must not overflow a
/// date.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// How much life a cached token must have left to be used: 5 minutes, or
/// a tenth of its lifetime when that is shorter.
pub fn safety_margin(lifetime: Duration) -> Duration {
    Duration::from_secs(300).min(lifetime / 10)
}

fn credential_mac(c: &Credential) -> [u8; 32] {
    static KEY: OnceLock<[u8; 32]> = OnceLock::new();
    let key = KEY.get_or_init(rand::random::<[u8; 32]>);
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return [0; 32];
    };
    match c {
        Credential::Secret(s) => {
            mac.update(b"secret\0");
            mac.update(s.expose().as_bytes());
        }
        Credential::Certificate { pfx, password } => {
            mac.update(b"certificate\0");
            mac.update(&(pfx.0.len() as u64).to_be_bytes());
            mac.update(&pfx.0);
            mac.update(
                password
                    .as_ref()
                    .map(Secret::expose)
                    .unwrap_or("")
                    .as_bytes(),
            );
        }
    }
    mac.finalize().into_bytes().into()
}

// ---------------------------------------------------------------- URLs

fn authority_of(oauth: &OAuth) -> String {
    let a = oauth.authority.trim().trim_end_matches('/');
    if a.is_empty() {
        super::DEFAULT_AUTHORITY.to_owned()
    } else {
        a.to_owned()
    }
}

/// The token endpoint URL for `oauth` and `endpoint`.
pub fn endpoint_url(oauth: &OAuth, endpoint: TokenEndpoint) -> String {
    let authority = authority_of(oauth);
    let tenant = oauth.tenant.trim().trim_matches('/');
    match endpoint {
        TokenEndpoint::V1 => format!("{authority}/{tenant}/oauth2/token"),
        TokenEndpoint::V2 => format!("{authority}/{tenant}/oauth2/v2.0/token"),
    }
}

/// The v2 scope for an audience: `<audience>/.default`, the audience as
/// written. A resource registered with a trailing slash (App Proxy's
/// external URL) gives `https://app.msappproxy.net//.default`, as Entra
/// documents: the token's audience keeps the slash.
pub fn scope_for(audience: &str) -> String {
    let a = audience.trim();
    if a.ends_with("/.default") {
        a.to_owned()
    } else {
        format!("{a}/.default")
    }
}

/// Checks a token endpoint URL: https, or http for a loopback host only.
pub fn check_endpoint(url: &str) -> Result<url::Url, String> {
    let u = url::Url::parse(url)
        .map_err(|e| format!("the token endpoint `{url}` is not a URL: {e}"))?;
    match u.scheme() {
        "https" => Ok(u),
        "http" => {
            if u.host().is_some_and(|h| transport::is_loopback(&h)) {
                Ok(u)
            } else {
                Err(format!(
                    "the authority `{}` uses http://: credentials must not travel in clear \
                     text, so only https:// is allowed (http:// only for localhost)",
                    u.origin().ascii_serialization()
                ))
            }
        }
        other => Err(format!(
            "the authority must be an https:// URL, not `{other}:`"
        )),
    }
}

// ---------------------------------------------------------------- token response

/// Seconds that come as a number (v2) or a string of digits (v1).
fn flexible_secs<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(match v {
        Some(serde_json::Value::Number(n)) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)),
        Some(serde_json::Value::String(s)) => s.trim().parse::<u64>().ok(),
        _ => None,
    })
}

/// Entra's token answer, v1 or v2.
#[derive(Debug, Serialize, Deserialize)]
struct EntraTokenResponse {
    access_token: AccessToken,
    #[serde(deserialize_with = "oauth2::helpers::deserialize_untagged_enum_case_insensitive")]
    token_type: BasicTokenType,
    #[serde(default, deserialize_with = "flexible_secs")]
    expires_in: Option<u64>,
    #[serde(default, deserialize_with = "flexible_secs")]
    ext_expires_in: Option<u64>,
    #[serde(default, deserialize_with = "flexible_secs")]
    expires_on: Option<u64>,
    #[serde(default, deserialize_with = "flexible_secs")]
    not_before: Option<u64>,
    #[serde(default)]
    resource: Option<String>,
    #[serde(default)]
    scope: Option<String>,
}

impl oauth2::TokenResponse for EntraTokenResponse {
    type TokenType = BasicTokenType;

    fn access_token(&self) -> &AccessToken {
        &self.access_token
    }
    fn token_type(&self) -> &BasicTokenType {
        &self.token_type
    }
    fn expires_in(&self) -> Option<Duration> {
        self.expires_in.map(Duration::from_secs)
    }
    fn refresh_token(&self) -> Option<&oauth2::RefreshToken> {
        None
    }
    fn scopes(&self) -> Option<&Vec<oauth2::Scope>> {
        None
    }
}

/// Entra's error answer, kept whole.
#[derive(Debug, Serialize, Deserialize)]
#[serde(transparent)]
struct EntraError(serde_json::Value);

impl fmt::Display for EntraError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self
            .0
            .get("error")
            .and_then(|v| v.as_str())
            .unwrap_or("error");
        f.write_str(d)
    }
}

impl oauth2::ErrorResponse for EntraError {}

type EntraClient = oauth2::Client<
    EntraError,
    EntraTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

// ---------------------------------------------------------------- HTTP client

/// A network failure, for `oauth2`.
#[derive(Debug)]
struct NetError(Failure);

impl fmt::Display for NetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&transport::failure_text(&self.0))
    }
}

impl std::error::Error for NetError {}

struct Seen {
    status: u16,
    reason: String,
    location: Option<String>,
    body: Vec<u8>,
}

/// `oauth2`'s HTTP client over [`transport::send`]. It remembers the last
/// answer, so errors can report its status and body.
struct Http {
    net: NetConfig,
    last: Mutex<Option<Seen>>,
}

impl<'c> AsyncHttpClient<'c> for Http {
    type Error = NetError;
    type Future = Pin<Box<dyn Future<Output = Result<oauth2::HttpResponse, NetError>> + Send + 'c>>;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        Box::pin(async move {
            let url = url::Url::parse(&request.uri().to_string())
                .map_err(|e| NetError(Failure::Input(format!("token endpoint URL: {e}"))))?;
            let headers = request
                .headers()
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            let req = transport::HttpRequest {
                method: request.method().as_str().to_owned(),
                url,
                headers,
                body: request.body().clone(),
            };
            let ex = transport::send(&req, &self.net)
                .await
                .map_err(|(f, _)| NetError(f))?;
            let r = ex.response;
            let mut builder = http::Response::builder().status(r.status);
            for (k, v) in &r.headers {
                if let Ok(v) = http::HeaderValue::from_str(v) {
                    builder = builder.header(k.as_str(), v);
                }
            }
            let resp = builder.body(r.body.clone()).map_err(|e| {
                NetError(Failure::Protocol(format!(
                    "the token endpoint's answer: {e}"
                )))
            })?;
            if let Ok(mut last) = self.last.lock() {
                *last = Some(Seen {
                    status: r.status,
                    location: r.header("location").map(str::to_owned),
                    reason: r.reason,
                    body: r.body,
                });
            }
            Ok(resp)
        })
    }
}

// ---------------------------------------------------------------- client assertion

const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

pub(crate) fn guid() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// A client assertion for `client_id` at token endpoint `audience`, signed
/// with the certificate's key: header `alg`, `typ`, `x5t#S256`, `x5t`;
/// claims `aud`, `iss`, `sub`, `jti`, `nbf`, `iat`, `exp` (10 minutes).
pub fn client_assertion(
    pfx: &[u8],
    password: Option<&Secret>,
    client_id: &str,
    audience: &str,
) -> Result<String, String> {
    use jsonwebtoken::{Algorithm, EncodingKey, Header};
    use rsa::pkcs1::EncodeRsaPrivateKey;
    use rsa::pkcs8::DecodePrivateKey;

    let id = super::pfx::load(pfx, password)?;
    let leaf = id
        .leaf()
        .ok_or("the certificate file holds no certificate")?;
    let pkcs8 = &id.key_pkcs8.0;
    let (alg, key) = match id.key_kind() {
        super::pfx::KeyKind::Rsa => {
            let k = rsa::RsaPrivateKey::from_pkcs8_der(pkcs8)
                .map_err(|e| format!("the certificate's RSA key cannot be read: {e}"))?;
            let der = k
                .to_pkcs1_der()
                .map_err(|e| format!("the certificate's RSA key cannot be used: {e}"))?;
            (Algorithm::PS256, EncodingKey::from_rsa_der(der.as_bytes()))
        }
        super::pfx::KeyKind::Ec => {
            // Entra documents client assertions signed with RSA keys only
            // (PS256, formerly RS256): an EC certificate is refused there.
            return Err(
                "the certificate's key is EC; Entra ID accepts client assertions signed with an RSA key only (PS256): use an RSA certificate".into(),
            );
        }
        super::pfx::KeyKind::Other => {
            return Err("the certificate's key is neither RSA nor EC".into());
        }
    };
    let mut header = Header::new(alg);
    header.typ = Some("JWT".into());
    header.x5t_s256 = Some(super::pfx::thumbprint_sha256(leaf));
    header.x5t = Some(super::pfx::thumbprint_sha1(leaf));
    let now = Utc::now().timestamp();
    let claims = serde_json::json!({
        "aud": audience,
        "iss": client_id,
        "sub": client_id,
        "jti": guid(),
        "nbf": now,
        "iat": now,
        "exp": now + 600,
    });
    jsonwebtoken::encode(&header, &claims, &key)
        .map_err(|e| format!("the client assertion could not be signed: {e}"))
}

// ---------------------------------------------------------------- acquire

/// A token for `oauth`, from the cache when one is valid for at least the
/// safety margin, otherwise from the endpoint.
pub async fn acquire(
    oauth: &OAuth,
    endpoint: TokenEndpoint,
    cache: &TokenCache,
    net: &NetConfig,
) -> Result<Token, TokenError> {
    let url = endpoint_url(oauth, endpoint);
    for (what, value) in [
        ("tenant", &oauth.tenant),
        ("client id", &oauth.client_id),
        ("audience", &oauth.audience),
    ] {
        if value.trim().is_empty() {
            return Err(TokenError::plain(&url, format!("the {what} is empty")));
        }
    }
    // An empty client secret is sent as it is, as Logic Apps would send it:
    // Entra's answer (AADSTS7000218) is then explained. `prepare` already
    // refuses an action whose secret resolves to nothing.
    check_endpoint(&url).map_err(|m| TokenError::plain(&url, m))?;

    let key = CacheKey {
        authority: authority_of(oauth).to_ascii_lowercase(),
        tenant: oauth.tenant.trim().to_ascii_lowercase(),
        client_id: oauth.client_id.trim().to_owned(),
        audience: oauth.audience.trim().to_owned(),
        endpoint: endpoint as u8,
        credential: credential_mac(&oauth.credential),
    };
    if let Some(c) = cache.get_valid(&key, Utc::now()) {
        return Ok(Token {
            access_token: c.access_token,
            expires_at: c.expires_at,
            cached: true,
            endpoint: c.endpoint,
            elapsed: Duration::ZERO,
        });
    }

    let started = Instant::now();
    let started_at = Utc::now();
    let answer = request(oauth, endpoint, &url, net).await?;
    let elapsed = started.elapsed();

    // Clamped to a day: a hostile or broken answer (`expires_in: 1e300`)
    // neither overflows a date nor keeps a token forever.
    let max = MAX_TOKEN_LIFETIME.as_secs();
    let latest = started_at + chrono::Duration::seconds(max as i64);
    let expires_at = match (answer.expires_in, answer.expires_on) {
        (Some(s), _) => Some(started_at + chrono::Duration::seconds(s.min(max) as i64)),
        (None, Some(on)) => i64::try_from(on)
            .ok()
            .and_then(|on| DateTime::from_timestamp(on, 0))
            .map(|t| t.min(latest)),
        (None, None) => None,
    };
    let lifetime = match (answer.not_before, answer.expires_on, answer.expires_in) {
        (Some(nb), Some(on), _) if on > nb => Some(Duration::from_secs((on - nb).min(max))),
        (_, _, Some(s)) => Some(Duration::from_secs(s.min(max))),
        _ => None,
    };
    let access_token = Secret::new(answer.access_token.secret().clone());
    let token = Token {
        access_token: access_token.clone(),
        // Without any expiry the token is not cached; an hour is the
        // usual lifetime.
        expires_at: expires_at.unwrap_or(started_at + chrono::Duration::hours(1)),
        cached: false,
        endpoint: url.clone(),
        elapsed,
    };
    if let (Some(expires_at), Some(lifetime)) = (expires_at, lifetime) {
        cache.put(
            key,
            Cached {
                access_token,
                expires_at,
                lifetime,
                endpoint: url,
            },
        );
    }
    Ok(token)
}

async fn request(
    oauth: &OAuth,
    endpoint: TokenEndpoint,
    url: &str,
    net: &NetConfig,
) -> Result<EntraTokenResponse, TokenError> {
    let token_url = TokenUrl::new(url.to_owned()).map_err(|e| {
        TokenError::plain(url, format!("the token endpoint `{url}` is not a URL: {e}"))
    })?;
    let mut client: EntraClient =
        oauth2::Client::new(ClientId::new(oauth.client_id.trim().to_owned()))
            .set_auth_type(AuthType::RequestBody)
            .set_token_uri(token_url);
    let assertion = match &oauth.credential {
        Credential::Secret(s) => {
            client = client.set_client_secret(ClientSecret::new(s.expose().to_owned()));
            None
        }
        Credential::Certificate { pfx, password } => Some(Secret::new(
            client_assertion(&pfx.0, password.as_ref(), oauth.client_id.trim(), url)
                .map_err(|m| TokenError::plain(url, format!("certificate: {m}")))?,
        )),
    };

    let mut req = client.exchange_client_credentials();
    match endpoint {
        TokenEndpoint::V1 => {
            req = req.add_extra_param("resource", oauth.audience.trim().to_owned())
        }
        TokenEndpoint::V2 => req = req.add_scope(oauth2::Scope::new(scope_for(&oauth.audience))),
    }
    if let Some(a) = &assertion {
        req = req
            .add_extra_param("client_assertion_type", ASSERTION_TYPE)
            .add_extra_param("client_assertion", a.expose().to_owned());
    }

    // The action's client certificate (if any) is not the token
    // endpoint's business.
    let mut net = net.clone();
    net.client_cert = None;
    net.max_body = Some(transport::TOKEN_MAX_BODY);
    net.body_limit = Some(transport::TOKEN_MAX_BODY as usize);
    let http = Http {
        net,
        last: Mutex::new(None),
    };
    let result = req.request_async(&http).await;
    let seen = http.last.lock().ok().and_then(|mut l| l.take());
    match result {
        Ok(r) => Ok(r),
        Err(RequestTokenError::Request(NetError(Failure::Protocol(m))))
            if m.starts_with("the answer is larger than the limit") =>
        {
            Err(TokenError {
                endpoint: url.to_owned(),
                status: None,
                message: format!("the token endpoint's {}", m.trim_start_matches("the ")),
                entra: None,
                network: None,
            })
        }
        Err(RequestTokenError::Request(NetError(f))) => {
            let kind = transport::failure_kind(&f);
            let network = matches!(kind, "dns" | "connect" | "tls" | "timeout" | "protocol")
                .then(|| kind.to_owned());
            Err(TokenError {
                endpoint: url.to_owned(),
                status: None,
                message: format!(
                    "the token endpoint could not be reached: {}",
                    transport::failure_text(&f)
                ),
                entra: None,
                network,
            })
        }
        Err(other) => Err(answer_error(url, seen, &other)),
    }
}

fn answer_error(
    url: &str,
    seen: Option<Seen>,
    err: &RequestTokenError<NetError, EntraError>,
) -> TokenError {
    let Some(seen) = seen else {
        return TokenError::plain(url, format!("the token request failed: {err}"));
    };
    let json: Option<serde_json::Value> = serde_json::from_slice(&seen.body).ok();
    let mut e = TokenError {
        endpoint: url.to_owned(),
        status: Some(seen.status),
        message: String::new(),
        entra: None,
        network: None,
    };
    let snippet = {
        let text = String::from_utf8_lossy(&seen.body);
        let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        text.chars().take(200).collect::<String>()
    };
    if seen.status == 200 {
        e.message = match (err, &json) {
            (RequestTokenError::Parse(p, _), Some(_)) => format!(
                "the token endpoint's answer holds no usable token (at `{}`)",
                p.path()
            ),
            (_, None) if !snippet.is_empty() => {
                format!("the token endpoint's answer is not JSON: {snippet}")
            }
            (RequestTokenError::Other(m), _) => format!("the token endpoint's answer: {m}"),
            (other, _) => format!("the token endpoint's answer: {other}"),
        };
        return e;
    }
    if (300..400).contains(&seen.status) {
        e.message = match &seen.location {
            Some(l) => format!(
                "the token endpoint answered {} {} (a redirect to {l}): is the authority right?",
                seen.status, seen.reason
            ),
            None => format!(
                "the token endpoint answered {} {}",
                seen.status, seen.reason
            ),
        };
        return e;
    }
    match json {
        Some(v) if v.is_object() => {
            let desc = v
                .get("error_description")
                .and_then(|d| d.as_str())
                .and_then(|d| d.lines().map(str::trim).find(|l| !l.is_empty()));
            let code = v.get("error").and_then(|d| d.as_str());
            e.message = match (desc, code) {
                (Some(d), _) => d.to_owned(),
                (None, Some(c)) => format!("the token endpoint refused: {c}"),
                (None, None) => format!(
                    "the token endpoint answered {} {}",
                    seen.status, seen.reason
                ),
            };
            e.entra = Some(v);
        }
        _ => {
            e.message = if snippet.is_empty() {
                format!(
                    "the token endpoint answered {} {}",
                    seen.status, seen.reason
                )
            } else {
                format!(
                    "the token endpoint answered {} {}: {snippet}",
                    seen.status, seen.reason
                )
            };
        }
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oauth(authority: &str) -> OAuth {
        OAuth {
            authority: authority.into(),
            tenant: "contoso.onmicrosoft.com".into(),
            audience: "https://api-contoso.msappproxy.net".into(),
            client_id: "cid".into(),
            credential: Credential::Secret(Secret::new("s")),
        }
    }

    #[test]
    fn endpoint_urls() {
        assert_eq!(
            endpoint_url(&oauth(""), TokenEndpoint::V1),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/token"
        );
        assert_eq!(
            endpoint_url(&oauth("https://login.windows.net//"), TokenEndpoint::V2),
            "https://login.windows.net/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
    }

    #[test]
    fn scopes() {
        assert_eq!(
            scope_for("https://a.example/"),
            "https://a.example//.default"
        );
        assert_eq!(scope_for("https://a.example"), "https://a.example/.default");
        assert_eq!(scope_for("api://x/.default"), "api://x/.default");
    }

    #[test]
    fn margins() {
        assert_eq!(
            safety_margin(Duration::from_secs(3600)),
            Duration::from_secs(300)
        );
        assert_eq!(
            safety_margin(Duration::from_secs(600)),
            Duration::from_secs(60)
        );
    }

    #[test]
    fn http_only_for_loopback() {
        assert!(check_endpoint("http://127.0.0.1:9/t/oauth2/token").is_ok());
        assert!(check_endpoint("http://localhost:9/t/oauth2/token").is_ok());
        assert!(check_endpoint("http://[::1]:9/t/oauth2/token").is_ok());
        assert!(check_endpoint("https://login.microsoftonline.com/t/oauth2/token").is_ok());
        let e = check_endpoint("http://login.example.com/t/oauth2/token").unwrap_err();
        assert!(e.contains("http://login.example.com"), "{e}");
        assert!(check_endpoint("ftp://x/").is_err());
    }

    #[test]
    fn numbers_as_strings_or_numbers() {
        let v1: EntraTokenResponse = serde_json::from_str(
            r#"{"token_type":"Bearer","expires_in":"3599","ext_expires_in":"3599",
                "expires_on":"1700003599","not_before":"1700000000","resource":"r","access_token":"t"}"#,
        )
        .unwrap();
        assert_eq!(v1.expires_in, Some(3599));
        assert_eq!(v1.expires_on, Some(1700003599));
        assert_eq!(v1.not_before, Some(1700000000));
        assert_eq!(v1.token_type, BasicTokenType::Bearer);
        let v2: EntraTokenResponse = serde_json::from_str(
            r#"{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"t"}"#,
        )
        .unwrap();
        assert_eq!(v2.expires_in, Some(3599));
        assert_eq!(v2.expires_on, None);
    }

    #[test]
    fn guids_look_like_guids() {
        let g = guid();
        assert_eq!(g.len(), 36);
        assert_eq!(g.matches('-').count(), 4);
        assert_ne!(g, guid());
    }
}
