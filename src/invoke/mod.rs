//! Test invocation: run one HTTP action of a workflow from the desk, as
//! Logic Apps would send it, and explain what came back.
//!
//! The pieces, in the order a call goes through them:
//! - [`prepare`]: parameter values (defaults, a parameters file,
//!   `--param`, the secret store), the action's inputs resolved with the
//!   expression evaluator, and a [`Prepared`] request with its [`Auth`];
//! - [`token`]: Entra tokens by the client-credentials grant (v1 or v2
//!   endpoint, secret or certificate), through the `oauth2` crate, with a
//!   [`token::TokenCache`];
//! - [`transport`]: one HTTP exchange on reqwest (rustls, HTTP/2 when
//!   offered, decoded gzip/deflate/br, proxies, pooled connections), timed
//!   phase by phase (DNS, connect with TLS, first byte, download, total),
//!   under one body policy (a size limit, memory then a spill file that a
//!   [`transport::BodyStore`] removes);
//! - [`diagnose`]: one plain sentence and its evidence for what went wrong;
//! - [`curl`]: "Copy as cURL", with secrets as placeholders;
//! - [`call`]: the whole call, from a prepared request to an [`Outcome`].
//!
//! Nothing here prints or logs: the faces (CLI, designer) show an
//! [`Outcome`], whose request summary is already redacted.

pub mod call;
pub mod curl;
pub mod diagnose;
pub mod history;
pub mod pfx;
pub mod prepare;
pub mod report;
pub mod token;
pub mod transport;

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use crate::secrets::Secret;

pub use call::call;

/// How a call is made.
#[derive(Debug, Clone)]
pub struct CallOptions {
    /// The whole exchange's timeout (the token request has its own share of
    /// it). Logic Apps' default is 100 s.
    pub timeout: Duration,
    /// Follow 3xx answers (at most 10). Off by default: the redirect is the
    /// answer, so an App Proxy sign-in redirect is seen, not followed.
    pub follow_redirects: bool,
    /// How much of the body to keep in memory; the rest goes to a file.
    pub body_limit: usize,
    /// The largest answer read (100 MB by default, Logic Apps' limit for
    /// an HTTP action's content); a larger one fails the call.
    pub max_body: u64,
    /// Where bodies larger than `body_limit` are written (the system's
    /// temporary folder when `None`).
    pub spill_dir: Option<PathBuf>,
    /// Which Entra token endpoint to use.
    pub token_endpoint: TokenEndpoint,
    /// The App Proxy backend timeout (85 s by default, 180 s when the app
    /// is set to "Long"): a 504 that comes after this long is a backend
    /// timeout, not an unreachable connector.
    pub proxy_backend_timeout: Duration,
    /// For ManagedServiceIdentity, which only works inside Azure: an access
    /// token the user supplies instead.
    pub user_token: Option<Secret>,
    /// Extra CA certificates (PEM) to trust, added to the system's roots.
    /// (`SSL_CERT_FILE` / `SSL_CERT_DIR`, when set, replace the system's
    /// roots: rustls-native-certs reads only those then.)
    pub extra_ca_pem: Vec<Vec<u8>>,
}

impl Default for CallOptions {
    fn default() -> Self {
        CallOptions {
            timeout: Duration::from_secs(100),
            follow_redirects: false,
            body_limit: 4 * 1024 * 1024,
            max_body: transport::DEFAULT_MAX_BODY,
            spill_dir: None,
            token_endpoint: TokenEndpoint::V1,
            proxy_backend_timeout: Duration::from_secs(85),
            user_token: None,
            extra_ca_pem: Vec::new(),
        }
    }
}

/// Entra's token endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenEndpoint {
    /// `{authority}/{tenant}/oauth2/token` with `resource=<audience>`, as
    /// Logic Apps calls it. Numbers come back as strings.
    #[default]
    V1,
    /// `{authority}/{tenant}/oauth2/v2.0/token` with
    /// `scope=<audience>/.default`.
    V2,
}

/// A request ready to send: every expression resolved, queries merged into
/// the URL. Its `Debug` goes through the redactor.
#[derive(Clone)]
pub struct Prepared {
    /// The action's name.
    pub action: String,
    /// `GET`, `POST`, …, in capitals.
    pub method: String,
    /// The full URL, queries included and encoded.
    pub url: url::Url,
    /// Headers in the action's order. Values of headers that carry secrets
    /// are still plain here; [`Prepared::redactor`] knows them.
    pub headers: Vec<(String, String)>,
    /// What Logic Apps adds to every request (User-Agent, Accept-Language,
    /// the `x-ms-workflow-*` and tracking ids), sent before
    /// [`Prepared::headers`]; none the action sets itself.
    pub platform_headers: Vec<(String, String)>,
    /// The body's bytes, and how it was given.
    pub body: Option<Body>,
    /// The `cookie` input, sent as a `Cookie` header.
    pub cookie: Option<String>,
    /// How the call authenticates.
    pub auth: Auth,
    /// Every secret value that went into this request, for redaction.
    pub redactor: crate::secrets::Redactor,
    /// Things the user should know before sending (an `Authorization`
    /// header beside Entra authentication, …).
    pub warnings: Vec<String>,
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let r = &self.redactor;
        let headers: Vec<(&str, String)> = self
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), r.redact(v)))
            .collect();
        f.debug_struct("Prepared")
            .field("action", &self.action)
            .field("method", &self.method)
            .field("url", &r.redact(self.url.as_str()))
            .field("headers", &headers)
            .field("body", &self.body.as_ref().map(|b| b.bytes.len()))
            .field("cookie", &self.cookie.as_ref().map(|c| r.redact(c)))
            .field("auth", &self.auth)
            .field("warnings", &self.warnings)
            .finish()
    }
}

/// A request body. `Debug` shows its length only.
#[derive(Clone)]
pub struct Body {
    /// The bytes sent.
    pub bytes: Vec<u8>,
    /// The content type that goes with it when the action sets none
    /// (`application/json` for JSON bodies, `text/plain; charset=utf-8`
    /// for text).
    pub content_type: Option<String>,
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Body")
            .field("bytes", &format_args!("{} bytes", self.bytes.len()))
            .field("content_type", &self.content_type)
            .finish()
    }
}

/// How a call authenticates, with its secrets resolved.
#[derive(Debug, Clone, PartialEq)]
pub enum Auth {
    /// No authentication.
    None,
    /// `Authorization: Basic base64(user:password)`.
    Basic {
        /// User name.
        username: String,
        /// Password.
        password: Secret,
    },
    /// Mutual TLS with a client certificate.
    ClientCertificate {
        /// The PKCS#12 file's bytes.
        pfx: SecretBytes,
        /// Its password.
        password: Option<Secret>,
    },
    /// An Entra token by the client-credentials grant.
    ActiveDirectoryOAuth(OAuth),
    /// The whole `Authorization` header value.
    Raw {
        /// `Bearer …`, `SharedAccessSignature …`, ….
        value: Secret,
    },
    /// Works only inside Azure; outside, [`CallOptions::user_token`] stands
    /// in for the identity's token.
    ManagedServiceIdentity {
        /// A user-assigned identity's resource id.
        identity: Option<String>,
        /// The audience the token is for.
        audience: Option<String>,
    },
}

/// ActiveDirectoryOAuth settings.
#[derive(Debug, Clone, PartialEq)]
pub struct OAuth {
    /// `https://login.microsoftonline.com` when the action sets none.
    pub authority: String,
    /// Tenant id or domain.
    pub tenant: String,
    /// The resource: for App Proxy, the app's external URL.
    pub audience: String,
    /// The client (application) id.
    pub client_id: String,
    /// A secret or a certificate.
    pub credential: Credential,
}

/// The default Entra authority.
pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";

/// A client credential.
#[derive(Debug, Clone, PartialEq)]
pub enum Credential {
    /// A client secret.
    Secret(Secret),
    /// A certificate: the PKCS#12 file and its password.
    Certificate {
        /// The PKCS#12 file's bytes.
        pfx: SecretBytes,
        /// Its password.
        password: Option<Secret>,
    },
}

/// Secret bytes (a PKCS#12 file): `Debug` prints a mask and the length.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretBytes(pub Vec<u8>);

impl std::fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({} bytes)", crate::secrets::MASK, self.0.len())
    }
}

impl Drop for SecretBytes {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

/// How long each phase took, in milliseconds. A phase that did not happen
/// (a reused connection, plain HTTP has no TLS, a literal IP has no DNS) is
/// `None`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Timings {
    /// Getting the token (0 when it came from the cache).
    pub token: Option<f64>,
    /// Resolving the host name.
    pub dns: Option<f64>,
    /// The connection: TCP, a proxy tunnel and TLS together (reqwest's
    /// connector does them in one step).
    pub connect: Option<f64>,
    /// The TLS handshake (`None` on reqwest, which times it together with
    /// the connection: see `connect`).
    pub tls: Option<f64>,
    /// From sending the request to the first byte of the answer.
    pub first_byte: Option<f64>,
    /// From the first byte to the end of the body.
    #[serde(default)]
    pub download: Option<f64>,
    /// The whole call, token included.
    pub total: f64,
}

/// An answer.
#[derive(Debug, Clone, Serialize)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The reason phrase, or the standard one.
    pub reason: String,
    /// `HTTP/1.1`, …
    pub version: String,
    /// Headers as received, in order.
    pub headers: Vec<(String, String)>,
    /// The body, at most [`CallOptions::body_limit`] bytes of it.
    #[serde(skip)]
    pub body: Vec<u8>,
    /// The whole body's length.
    pub body_len: u64,
    /// The file that holds the whole body (as shown: redacted when it
    /// echoed a secret) when it was larger than the memory limit. It is
    /// removed with the last copy of this answer unless saved
    /// ([`transport::BodyStore::save`]).
    pub spilled_to: Option<PathBuf>,
    /// Owns the spill files and the raw bytes of a redacted body.
    #[serde(skip)]
    pub store: Option<std::sync::Arc<transport::BodyStore>>,
}

impl Response {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What went wrong, when no usable answer came.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum Failure {
    /// The action's inputs could not be resolved (a missing parameter or
    /// secret, an expression error).
    Input(String),
    /// The token request failed.
    Token(token::TokenError),
    /// The host name did not resolve.
    Dns(String),
    /// The TCP connection failed.
    Connect(String),
    /// The TLS handshake failed.
    Tls(String),
    /// No answer within the timeout.
    Timeout(String),
    /// The connection broke, or the answer was not HTTP.
    Protocol(String),
    /// The user cancelled the call.
    Cancelled,
}

/// One plain sentence about what happened, and its evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnosis {
    /// A stable name: `entra_error`, `proxy_rejected_token`,
    /// `proxy_no_token`, `bad_gateway`, `gateway_timeout`,
    /// `backend_timeout`, `authorization_header`, `dns`, `tls`, `connect`,
    /// `timeout`, `managed_identity`, `input`, `http_status`.
    pub kind: String,
    /// The sentence.
    pub message: String,
    /// What to try.
    pub hint: Option<String>,
    /// What the sentence is based on (header values, ids, …), redacted.
    pub evidence: Vec<String>,
    /// The decoded Entra error, where one applies.
    pub aadsts: Option<Aadsts>,
}

/// A decoded Entra error.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Aadsts {
    /// `7000215`.
    pub code: u32,
    /// What it means.
    pub meaning: String,
    /// The OAuth `error` (`invalid_client`, …).
    pub error: Option<String>,
    /// `trace_id`.
    pub trace_id: Option<String>,
    /// `correlation_id`.
    pub correlation_id: Option<String>,
    /// `timestamp`.
    pub timestamp: Option<String>,
}

/// The request as it went out, for display and history: secrets replaced
/// by placeholders.
#[derive(Debug, Clone, Serialize)]
pub struct SentRequest {
    /// Method.
    pub method: String,
    /// URL (redacted).
    pub url: String,
    /// Headers (redacted; the bearer token is `<token>`).
    pub headers: Vec<(String, String)>,
    /// The body as text (redacted), if any.
    pub body: Option<String>,
}

/// About the token a call used.
#[derive(Debug, Clone, Serialize)]
pub struct TokenUse {
    /// The token endpoint's URL.
    pub endpoint: String,
    /// True when it came from the cache (no token request was made).
    pub cached: bool,
    /// When it expires (RFC 3339).
    pub expires_at: Option<String>,
}

/// Everything about one call.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The action called.
    pub action: String,
    /// What was sent.
    pub request: SentRequest,
    /// The answer, if one came (a redirect is an answer).
    pub response: Option<Response>,
    /// What failed before an answer came.
    pub failure: Option<Failure>,
    /// The diagnosis: `None` for a plain success.
    pub diagnosis: Option<Diagnosis>,
    /// Other things worth knowing (warnings that did not decide the
    /// outcome).
    pub notes: Vec<Diagnosis>,
    /// Phase timings.
    pub timings: Timings,
    /// The token, for ActiveDirectoryOAuth.
    pub token: Option<TokenUse>,
    /// When the call started (RFC 3339).
    pub started_at: String,
}

impl Outcome {
    /// True for a 2xx answer.
    pub fn is_success(&self) -> bool {
        self.response
            .as_ref()
            .is_some_and(|r| (200..300).contains(&r.status))
    }
}
