//! One timed HTTP/1.1 exchange. (Stub: being written.)

use std::path::PathBuf;
use std::time::Duration;

use super::{Failure, Response, SecretBytes, Timings};
use crate::secrets::Secret;

/// How connections are made.
#[derive(Debug, Clone, Default)]
pub struct NetConfig {
    /// Timeout for the whole exchange.
    pub timeout: Option<Duration>,
    /// Extra CA certificates (PEM) to trust.
    pub extra_ca_pem: Vec<Vec<u8>>,
    /// A client certificate for mutual TLS: the PKCS#12 bytes and password.
    pub client_cert: Option<(SecretBytes, Option<Secret>)>,
    /// How much body to keep in memory.
    pub body_limit: Option<usize>,
    /// Where a larger body is written.
    pub spill_dir: Option<PathBuf>,
}

/// A request on the wire.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    /// Method, in capitals.
    pub method: String,
    /// The URL.
    pub url: url::Url,
    /// Headers, in order (Host and Content-Length are added).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// An answer and how long each phase took.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The answer.
    pub response: Response,
    /// dns, connect, tls, first_byte and total (token stays `None`).
    pub timings: Timings,
}

/// Sends `req` and reads the answer.
pub async fn send(req: &HttpRequest, net: &NetConfig) -> Result<Exchange, (Failure, Timings)> {
    let _ = (req, net);
    unimplemented!()
}
