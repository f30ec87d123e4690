//! Entra tokens by the client-credentials grant. (Stub: being written.)

use std::time::Duration;

use serde::Serialize;

use super::transport::NetConfig;
use super::{OAuth, TokenEndpoint};
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

/// Tokens by (authority, tenant, client id, audience, endpoint version).
#[derive(Debug, Clone, Default)]
pub struct TokenCache {}

impl TokenCache {
    /// An empty cache.
    pub fn new() -> TokenCache {
        TokenCache::default()
    }
}

/// The token endpoint URL for `oauth` and `endpoint`.
pub fn endpoint_url(oauth: &OAuth, endpoint: TokenEndpoint) -> String {
    let _ = (oauth, endpoint);
    unimplemented!()
}

/// A token for `oauth`, from the cache when one is valid for at least the
/// safety margin, otherwise from the endpoint.
pub async fn acquire(
    oauth: &OAuth,
    endpoint: TokenEndpoint,
    cache: &TokenCache,
    net: &NetConfig,
) -> Result<Token, TokenError> {
    let _ = (oauth, endpoint, cache, net);
    unimplemented!()
}
