//! One timed HTTP exchange on reqwest (rustls with the ring provider).
//!
//! Clients are pooled per network setting (trusted CAs, client
//! certificate, proxy), so calls of one session reuse their connections;
//! HTTP/2 is used when the server offers it (ALPN), gzip, deflate and br
//! answers are decoded, and proxies come from the environment
//! (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`, http:// or
//! https:// proxies, credentials in the URL) or from [`NetConfig::proxy`].
//!
//! Phases are timed through reqwest's own hooks: DNS by a resolver of ours
//! ([`reqwest::ClientBuilder::dns_resolver`]); the connection (TCP, a proxy
//! tunnel and TLS together) by a connector layer
//! ([`reqwest::ClientBuilder::connector_layer`]); first byte and download
//! around the answer. Redirects are never followed here (see
//! [`super::call::redirect`]).
//!
//! Every answer goes through one body policy ([`read_body`]): at most
//! [`NetConfig::max_body`] bytes (100 MB by default, Logic Apps' limit for
//! an HTTP action's content), the first [`NetConfig::body_limit`] in
//! memory and the rest in a spill file inside a private folder that a
//! [`BodyStore`] removes when the answer is dropped.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::future::Future;
use std::hash::{BuildHasher, Hash, Hasher};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ClientConfig, RootCertStore};
use url::{Host, Url};

use super::{Failure, Response, SecretBytes, Timings};
use crate::secrets::{Redactor, Secret};

/// The default timeout of an exchange (Logic Apps' default).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(100);

/// The default amount of body kept in memory (the rest spills to a file).
pub const DEFAULT_BODY_LIMIT: usize = 4 * 1024 * 1024;

/// The default size limit of an API answer: Logic Apps' limit for an HTTP
/// action's content (100 MB).
pub const DEFAULT_MAX_BODY: u64 = 100 * 1024 * 1024;

/// The size limit of a token endpoint's answer (a real one is a few KB).
pub const TOKEN_MAX_BODY: u64 = 1024 * 1024;

/// The `User-Agent` sent unless the request sets one.
pub const USER_AGENT: &str = concat!("lapis/", env!("CARGO_PKG_VERSION"));

/// How connections are made and answers read.
#[derive(Debug, Clone, Default)]
pub struct NetConfig {
    /// Timeout for the whole exchange ([`DEFAULT_TIMEOUT`] when `None`).
    pub timeout: Option<Duration>,
    /// Extra CA certificates (PEM) to trust.
    pub extra_ca_pem: Vec<Vec<u8>>,
    /// A client certificate for mutual TLS: the PKCS#12 bytes and password.
    pub client_cert: Option<(SecretBytes, Option<Secret>)>,
    /// How much body to keep in memory ([`DEFAULT_BODY_LIMIT`] when `None`).
    pub body_limit: Option<usize>,
    /// The largest answer read ([`DEFAULT_MAX_BODY`] when `None`).
    pub max_body: Option<u64>,
    /// Where the private folder of a larger body is made (the system's
    /// temporary folder when `None`).
    pub spill_dir: Option<PathBuf>,
    /// The proxy: `None` reads the environment, as [`ProxySetting::Env`].
    pub proxy: Option<ProxySetting>,
}

impl NetConfig {
    /// The network settings of a call's options (timeout, body limits,
    /// spill folder, extra CAs); the proxy comes from the environment.
    pub fn from_options(o: &super::CallOptions) -> NetConfig {
        NetConfig {
            timeout: Some(o.timeout),
            extra_ca_pem: o.extra_ca_pem.clone(),
            client_cert: None,
            body_limit: Some(o.body_limit),
            max_body: Some(o.max_body),
            spill_dir: o.spill_dir.clone(),
            proxy: None,
        }
    }
}

/// Which proxy to use.
#[derive(Clone, PartialEq, Default)]
pub enum ProxySetting {
    /// `HTTPS_PROXY`/`https_proxy`, `HTTP_PROXY`/`http_proxy`,
    /// `ALL_PROXY`/`all_proxy` and `NO_PROXY`/`no_proxy`, as reqwest reads
    /// them.
    #[default]
    Env,
    /// Never a proxy.
    None,
    /// This proxy (http:// or https://, credentials in the URL) for every
    /// URL but those `no_proxy` lists (`NO_PROXY`'s syntax).
    All {
        /// The proxy's URL.
        url: Url,
        /// Hosts, domains and addresses that go direct.
        no_proxy: Option<String>,
    },
}

impl std::fmt::Debug for ProxySetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A proxy URL may carry a password: shown without credentials.
        match self {
            ProxySetting::Env => f.write_str("Env"),
            ProxySetting::None => f.write_str("None"),
            ProxySetting::All { url, no_proxy } => f
                .debug_struct("All")
                .field("url", &proxy_display(url))
                .field("no_proxy", no_proxy)
                .finish(),
        }
    }
}

impl ProxySetting {
    /// No proxy at all.
    pub fn none() -> ProxySetting {
        ProxySetting::None
    }

    /// The same proxy for http and https.
    pub fn all(url: Url) -> ProxySetting {
        ProxySetting::All {
            url,
            no_proxy: None,
        }
    }
}

/// A proxy URL without its credentials, for messages.
pub fn proxy_display(proxy: &Url) -> String {
    let host = proxy.host_str().unwrap_or("?");
    match proxy.port_or_known_default() {
        Some(p) => format!("{}://{host}:{p}", proxy.scheme()),
        None => format!("{}://{host}", proxy.scheme()),
    }
}

/// True for `localhost` (and `*.localhost`), `127.0.0.0/8` and `::1`.
pub fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(d) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// A request on the wire. `Debug` leaves out header values and the body
/// (a bearer token, a token request's client secret).
#[derive(Clone)]
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

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut url = self.url.clone();
        url.set_query(self.url.query().map(|_| "…"));
        let names: Vec<&str> = self.headers.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &url.as_str())
            .field("headers", &names)
            .field("body", &format_args!("{} bytes", self.body.len()))
            .finish()
    }
}

/// An answer and how long each phase took.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The answer.
    pub response: Response,
    /// dns, connect (TLS included), first_byte, download and total (token
    /// stays `None`).
    pub timings: Timings,
}

// ---------------------------------------------------------------- TLS

/// The system's roots (honouring `SSL_CERT_FILE` and `SSL_CERT_DIR`), or
/// webpki's bundled roots when the system has none. Loaded once.
fn base_roots() -> &'static RootCertStore {
    static ROOTS: OnceLock<RootCertStore> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let mut store = RootCertStore::empty();
        let native = rustls_native_certs::load_native_certs();
        store.add_parsable_certificates(native.certs);
        if store.is_empty() {
            store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        store
    })
}

fn ring() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The TLS client configuration for `net`: trusted roots plus the extra
/// CAs, the client certificate if any, ALPN `h2` and `http/1.1`.
#[allow(clippy::result_large_err)] // `Failure` is the module's error type
pub fn tls_config(net: &NetConfig) -> Result<ClientConfig, Failure> {
    let mut roots = base_roots().clone();
    for (i, pem) in net.extra_ca_pem.iter().enumerate() {
        let mut n = 0;
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| {
                Failure::Input(format!(
                    "extra CA certificate file #{} could not be read: {e}",
                    i + 1
                ))
            })?;
            roots.add(cert).map_err(|e| {
                Failure::Input(format!(
                    "extra CA certificate file #{} holds a certificate that cannot be a root: {e}",
                    i + 1
                ))
            })?;
            n += 1;
        }
        if n == 0 {
            return Err(Failure::Input(format!(
                "extra CA certificate file #{} holds no PEM certificate",
                i + 1
            )));
        }
    }
    let builder = ClientConfig::builder_with_provider(ring())
        .with_safe_default_protocol_versions()
        .map_err(|e| Failure::Tls(format!("TLS could not be set up: {e}")))?
        .with_root_certificates(roots);
    let mut config = match &net.client_cert {
        // Without a certificate, still note when the server asks for one: with
        // TLS 1.3 its refusal may come after the handshake, as a closed
        // connection without the alert.
        None => builder.with_client_cert_resolver(Arc::new(NoteCertificateRequest)),
        Some((pfx, password)) => {
            let id = super::pfx::load(&pfx.0, password.as_ref())
                .map_err(|e| Failure::Input(format!("client certificate: {e}")))?;
            let chain: Vec<CertificateDer<'static>> = id
                .chain
                .iter()
                .map(|c| CertificateDer::from(c.clone()))
                .collect();
            let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(id.key_pkcs8.0.clone()));
            builder.with_client_auth_cert(chain, key).map_err(|e| {
                Failure::Input(format!("client certificate cannot be used for TLS: {e}"))
            })?
        }
    };
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// The client-certificate resolver when none is configured: sends none and
/// notes in the exchange's log that the server asked for one.
#[derive(Debug)]
struct NoteCertificateRequest;

impl rustls::client::ResolvesClientCert for NoteCertificateRequest {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[rustls::SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        if let Some(l) = current_log() {
            if let Ok(mut l) = l.lock() {
                l.client_cert_requested = true;
            }
        }
        None
    }

    fn has_certs(&self) -> bool {
        false
    }
}

const CLIENT_CERT_MISSING: &str = "the server asked for a client certificate and none was sent";

/// A TLS error in words.
pub fn describe_tls(e: &rustls::Error, host: &str) -> String {
    use rustls::{AlertDescription as A, CertificateError as C, Error as E};
    match e {
        E::InvalidCertificate(c) => match c {
            C::UnknownIssuer => format!(
                "the server's certificate is not trusted (unknown issuer): it is self-signed or \
                 issued by a CA this machine does not trust; add that CA to the trusted \
                 certificates (an extra CA file, or SSL_CERT_FILE) if {host} is the right server"
            ),
            C::NotValidForName => {
                format!("the server's certificate is not valid for the name {host}")
            }
            C::NotValidForNameContext { presented, .. } => format!(
                "the server's certificate is not valid for the name {host} (it is for: {})",
                if presented.is_empty() {
                    "no name".to_owned()
                } else {
                    presented.join(", ")
                }
            ),
            C::Expired | C::ExpiredContext { .. } => {
                "the server's certificate has expired".to_owned()
            }
            C::NotValidYet | C::NotValidYetContext { .. } => {
                "the server's certificate is not valid yet (or this machine's clock is wrong)"
                    .to_owned()
            }
            C::Revoked => "the server's certificate has been revoked".to_owned(),
            C::BadSignature => "the server's certificate has a bad signature".to_owned(),
            C::InvalidPurpose | C::InvalidPurposeContext { .. } => {
                "the server's certificate is not meant for a TLS server".to_owned()
            }
            other => format!("the server's certificate was refused: {other:?}"),
        },
        E::AlertReceived(a) => match a {
            A::CertificateRequired => CLIENT_CERT_MISSING.to_owned(),
            A::BadCertificate
            | A::UnknownCA
            | A::CertificateUnknown
            | A::UnsupportedCertificate
            | A::CertificateRevoked
            | A::CertificateExpired
            | A::AccessDenied => format!(
                "the server refused the client certificate (TLS alert: {})",
                alert_name(a)
            ),
            A::HandshakeFailure => "the server ended the TLS handshake (handshake_failure): \
                 it may want a client certificate, or share no cipher with this program"
                .to_owned(),
            A::ProtocolVersion => {
                "the server speaks no TLS version this program supports (1.2 or 1.3)".to_owned()
            }
            other => format!(
                "the server ended the TLS handshake (alert: {})",
                alert_name(other)
            ),
        },
        E::InvalidMessage(_) | E::InappropriateMessage { .. } => {
            format!("the server did not answer in TLS (is it plain HTTP on this port?): {e}")
        }
        E::PeerIncompatible(_) => {
            format!("the server and this program have no TLS version or cipher in common: {e}")
        }
        other => format!("TLS failed: {other}"),
    }
}

fn alert_name(a: &rustls::AlertDescription) -> String {
    // `BadCertificate` → `bad_certificate`, as the RFC names them.
    let mut out = String::new();
    for (i, ch) in format!("{a:?}").chars().enumerate() {
        if ch.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(ch.to_ascii_lowercase());
    }
    out
}

/// The first `rustls::Error` in `e`'s chain (looking inside `io::Error`s,
/// whose `source` skips the error they wrap).
fn find_rustls<'a>(e: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    let mut cur: Option<&'a (dyn StdError + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(r) = err.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if let Some(inner) = io.get_ref() {
                if let Some(r) = find_rustls(inner) {
                    return Some(r);
                }
            }
        }
        cur = err.source();
    }
    None
}

fn find_io<'a>(e: &'a (dyn StdError + 'static)) -> Option<&'a std::io::Error> {
    let mut cur: Option<&'a (dyn StdError + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return Some(io);
        }
        cur = err.source();
    }
    None
}

// ---------------------------------------------------------------- phase hooks

/// What the hooks saw during one exchange.
#[derive(Default)]
struct PhaseLog {
    dns: Option<Duration>,
    /// When the connector finished, and how long it took (DNS included).
    connected: Option<(Instant, Duration)>,
    /// True when the connection was made.
    connect_ok: bool,
    /// A DNS failure in words (reqwest keeps only its text otherwise).
    dns_error: Option<String>,
    /// The server asked for a client certificate during the TLS handshake
    /// and none was configured.
    client_cert_requested: bool,
}

type Log = Arc<Mutex<PhaseLog>>;

tokio::task_local! {
    /// The log of the exchange being polled on this task.
    static PHASES: Log;
}

fn current_log() -> Option<Log> {
    PHASES.try_with(|l| l.clone()).ok()
}

/// DNS through the system resolver, timed.
struct TimedResolver;

#[derive(Debug)]
struct DnsError(String);

impl std::fmt::Display for DnsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl StdError for DnsError {}

impl reqwest::dns::Resolve for TimedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let log = current_log();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let started = Instant::now();
            let r = tokio::net::lookup_host((host.as_str(), 0)).await;
            let took = started.elapsed();
            let r = match r {
                Ok(addrs) => {
                    let addrs: Vec<std::net::SocketAddr> = addrs.collect();
                    if addrs.is_empty() {
                        Err(format!(
                            "the host name {host} did not resolve to any address"
                        ))
                    } else {
                        Ok(addrs)
                    }
                }
                Err(e) => Err(format!("the host name {host} did not resolve: {e}")),
            };
            if let Some(l) = log {
                if let Ok(mut l) = l.lock() {
                    l.dns = Some(took);
                    if let Err(m) = &r {
                        l.dns_error = Some(m.clone());
                    }
                }
            }
            match r {
                Ok(addrs) => Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs),
                Err(m) => Err(Box::new(DnsError(m)) as Box<dyn StdError + Send + Sync>),
            }
        })
    }
}

/// A connector layer that times the connection (DNS, TCP, a proxy tunnel
/// and TLS: everything reqwest does before the request goes out).
#[derive(Clone)]
struct TimingLayer;

impl<S> tower_layer::Layer<S> for TimingLayer {
    type Service = Timed<S>;
    fn layer(&self, inner: S) -> Timed<S> {
        Timed(inner)
    }
}

#[derive(Clone)]
struct Timed<S>(S);

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, R> tower_service::Service<R> for Timed<S>
where
    S: tower_service::Service<R>,
    S::Future: Send + 'static,
    S::Response: 'static,
    S::Error: 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<Result<S::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, req: R) -> Self::Future {
        let log = current_log();
        let started = Instant::now();
        let fut = self.0.call(req);
        Box::pin(async move {
            // The pool may finish a connection on another task: the
            // handshake still reports to this exchange's log.
            let r = match &log {
                Some(l) => PHASES.scope(l.clone(), fut).await,
                None => fut.await,
            };
            if let Some(l) = log {
                if let Ok(mut l) = l.lock() {
                    l.connected = Some((Instant::now(), started.elapsed()));
                    l.connect_ok = r.is_ok();
                }
            }
            r
        })
    }
}

// ---------------------------------------------------------------- clients

/// One client per network setting, kept for the process: connections are
/// reused between calls that share a setting.
fn pool() -> &'static Mutex<HashMap<u64, reqwest::Client>> {
    static POOL: OnceLock<Mutex<HashMap<u64, reqwest::Client>>> = OnceLock::new();
    POOL.get_or_init(|| Mutex::new(HashMap::new()))
}

/// A key for `net`'s client, hashed with a key of this process (the
/// client certificate and proxy credentials go in, only a hash comes out).
fn client_key(net: &NetConfig) -> u64 {
    static STATE: OnceLock<std::collections::hash_map::RandomState> = OnceLock::new();
    let mut h = STATE
        .get_or_init(std::collections::hash_map::RandomState::new)
        .build_hasher();
    net.extra_ca_pem.hash(&mut h);
    if let Some((pfx, pw)) = &net.client_cert {
        pfx.0.hash(&mut h);
        pw.as_ref().map(|p| p.expose().to_owned()).hash(&mut h);
    }
    match net.proxy.as_ref().unwrap_or(&ProxySetting::Env) {
        ProxySetting::Env => {
            0u8.hash(&mut h);
            // A changed environment gets a new client.
            for k in [
                "HTTPS_PROXY",
                "https_proxy",
                "HTTP_PROXY",
                "http_proxy",
                "ALL_PROXY",
                "all_proxy",
                "NO_PROXY",
                "no_proxy",
            ] {
                std::env::var(k).ok().hash(&mut h);
            }
        }
        ProxySetting::None => 1u8.hash(&mut h),
        ProxySetting::All { url, no_proxy } => {
            2u8.hash(&mut h);
            url.as_str().hash(&mut h);
            no_proxy.hash(&mut h);
        }
    }
    h.finish()
}

#[allow(clippy::result_large_err)]
fn client(net: &NetConfig) -> Result<reqwest::Client, Failure> {
    let key = client_key(net);
    if let Some(c) = pool().lock().ok().and_then(|p| p.get(&key).cloned()) {
        return Ok(c);
    }
    let tls = tls_config(net)?;
    let mut b = reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(Arc::new(TimedResolver))
        .connector_layer(TimingLayer)
        .tcp_nodelay(true)
        .pool_idle_timeout(Duration::from_secs(90));
    match net.proxy.as_ref().unwrap_or(&ProxySetting::Env) {
        ProxySetting::Env => {}
        ProxySetting::None => b = b.no_proxy(),
        ProxySetting::All { url, no_proxy } => {
            let p = reqwest::Proxy::all(url.as_str())
                .map_err(|e| {
                    Failure::Input(format!(
                        "the proxy {} is not usable: {e}",
                        proxy_display(url)
                    ))
                })?
                .no_proxy(no_proxy.as_deref().and_then(reqwest::NoProxy::from_string));
            b = b.proxy(p);
        }
    }
    let c = b.build().map_err(|e| {
        Failure::Input(format!(
            "the HTTP client could not be set up: {}",
            chain(&e)
        ))
    })?;
    if let Ok(mut p) = pool().lock() {
        p.insert(key, c.clone());
    }
    Ok(c)
}

// ---------------------------------------------------------------- sending

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// "100 s", "2.5 s", "300 ms".
pub fn format_duration(d: Duration) -> String {
    if d.as_millis() < 1000 {
        format!("{} ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// Sends `req` and reads the answer under the body policy.
pub async fn send(req: &HttpRequest, net: &NetConfig) -> Result<Exchange, (Failure, Timings)> {
    let start = Instant::now();
    let log: Log = Arc::default();
    let marks: Arc<Mutex<Marks>> = Arc::default();
    let limit = net.timeout.unwrap_or(DEFAULT_TIMEOUT);
    let result = PHASES
        .scope(
            log.clone(),
            tokio::time::timeout(limit, exchange(req, net, marks.clone())),
        )
        .await;
    let end = Instant::now();
    let timings = timings_of(start, end, &log, &marks);
    match result {
        Ok(Ok(response)) => Ok(Exchange { response, timings }),
        Ok(Err(failure)) => Err((failure, timings)),
        Err(_) => Err((
            Failure::Timeout(format!("no answer within {}", format_duration(limit))),
            timings,
        )),
    }
}

/// When the head and the end of the answer came.
#[derive(Default)]
struct Marks {
    sent: Option<Instant>,
    head: Option<Instant>,
    done: Option<Instant>,
}

fn timings_of(start: Instant, end: Instant, log: &Log, marks: &Arc<Mutex<Marks>>) -> Timings {
    let mut t = Timings {
        total: ms(end - start),
        ..Timings::default()
    };
    let (dns, connected, connect_ok) = log
        .lock()
        .map(|l| (l.dns, l.connected, l.connect_ok))
        .unwrap_or_default();
    t.dns = dns.map(ms);
    if let Some((_, took)) = connected {
        t.connect = Some(ms(took.saturating_sub(dns.unwrap_or_default())));
    }
    let m = marks
        .lock()
        .map(|m| (m.sent, m.head, m.done))
        .unwrap_or_default();
    if let (Some(sent), Some(head)) = (m.0, m.1) {
        // From the moment the request could go out: after the connection
        // when one was made, at once on a reused one.
        let from = connected.map(|(at, _)| at.max(sent)).unwrap_or(sent);
        t.first_byte = Some(ms(head.saturating_duration_since(from)));
    }
    if let (Some(sent), None, Some(_), true) = (m.0, m.1, connected, connect_ok) {
        // Connected, then no (complete) head: the wait was for the first
        // byte.
        let from = connected.map(|(at, _)| at.max(sent)).unwrap_or(sent);
        t.first_byte = Some(ms(end.saturating_duration_since(from)));
    }
    if let (Some(head), Some(done)) = (m.1, m.2) {
        t.download = Some(ms(done - head));
    }
    t
}

/// A plain request: `(status, headers, body)`, errors in words. Uses the
/// same clients, proxies, trust and body policy as [`send`].
pub async fn send_simple(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: &[u8],
    net: &NetConfig,
) -> Result<(u16, Vec<(String, String)>, Vec<u8>), String> {
    let url = Url::parse(url).map_err(|e| format!("`{url}` is not a URL: {e}"))?;
    let req = HttpRequest {
        method: method.to_ascii_uppercase(),
        url,
        headers: headers.to_vec(),
        body: body.to_vec(),
    };
    match send(&req, net).await {
        Ok(ex) => {
            let body = ex.response.whole_body().map_err(|e| e.to_string())?;
            Ok((ex.response.status, ex.response.headers, body))
        }
        Err((f, _)) => Err(failure_text(&f)),
    }
}

/// A failure's words, without its kind.
pub fn failure_text(f: &Failure) -> String {
    match f {
        Failure::Input(s)
        | Failure::Dns(s)
        | Failure::Connect(s)
        | Failure::Tls(s)
        | Failure::Timeout(s)
        | Failure::Protocol(s) => s.clone(),
        Failure::Token(t) => t.message.clone(),
        Failure::Cancelled => "cancelled".to_owned(),
    }
}

/// A short name for a failure's kind: `input`, `token`, `dns`, `connect`,
/// `tls`, `timeout`, `protocol`, `cancelled`.
pub fn failure_kind(f: &Failure) -> &'static str {
    match f {
        Failure::Input(_) => "input",
        Failure::Token(_) => "token",
        Failure::Dns(_) => "dns",
        Failure::Connect(_) => "connect",
        Failure::Tls(_) => "tls",
        Failure::Timeout(_) => "timeout",
        Failure::Protocol(_) => "protocol",
        Failure::Cancelled => "cancelled",
    }
}

/// An error and its causes in one line, repeated words left out.
fn chain(e: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn StdError + 'static)> = Some(e);
    while let Some(err) = cur {
        let s = err.to_string();
        if !s.is_empty() && !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = err.source();
    }
    parts.join(": ")
}

fn io_words(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::ConnectionRefused => "connection refused (nothing listens on that port)".to_owned(),
        K::ConnectionReset => "the connection was reset by the other side".to_owned(),
        K::ConnectionAborted => "the connection was aborted".to_owned(),
        K::TimedOut => "the connection timed out".to_owned(),
        K::UnexpectedEof => "the other side closed the connection".to_owned(),
        K::HostUnreachable => "the host is unreachable".to_owned(),
        K::NetworkUnreachable => "the network is unreachable".to_owned(),
        K::AddrNotAvailable => "the address is not available on this machine".to_owned(),
        K::PermissionDenied => "permission denied (a firewall?)".to_owned(),
        _ => e.to_string(),
    }
}

fn find<'a, T: StdError + 'static>(e: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    let mut cur: Option<&'a (dyn StdError + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(t) = err.downcast_ref::<T>() {
            return Some(t);
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if let Some(inner) = io.get_ref() {
                if let Some(t) = find::<T>(inner) {
                    return Some(t);
                }
            }
        }
        cur = err.source();
    }
    None
}

/// A reqwest error as one of the module's failures, in words.
fn failure_of(e: &reqwest::Error, url: &Url, log: Option<&Log>) -> Failure {
    let host = url.host_str().unwrap_or("?");
    if let Some(d) = find::<DnsError>(e) {
        return Failure::Dns(d.0.clone());
    }
    if let Some(m) = log.and_then(|l| l.lock().ok().and_then(|l| l.dns_error.clone())) {
        return Failure::Dns(m);
    }
    if let Some(r) = find_rustls(e) {
        return Failure::Tls(describe_tls(r, host));
    }
    if !e.is_body()
        && !e.is_decode()
        && log.is_some_and(|l| l.lock().is_ok_and(|l| l.client_cert_requested))
    {
        // TLS 1.3: the client's side of the handshake ends before the server
        // reads the (empty) certificate, so its refusal can arrive as a
        // closed connection rather than as the alert.
        return Failure::Tls(format!(
            "{CLIENT_CERT_MISSING} (the connection was closed: {})",
            chain(e)
        ));
    }
    let text = chain(e);
    if e.is_connect() {
        let proxy = text.to_ascii_lowercase().contains("proxy");
        if proxy && (text.contains("407") || text.contains("proxy authorization required")) {
            return Failure::Connect(
                "the proxy wants credentials (407 Proxy Authentication Required), or refused \
                 the ones given: put them in the proxy URL (http://user:password@host:port, \
                 percent-encoded)"
                    .to_owned(),
            );
        }
        if proxy && text.contains("tunnel") {
            return Failure::Connect(format!("the proxy refused the tunnel to {host}: {text}"));
        }
        if let Some(io) = find_io(e) {
            if proxy {
                return Failure::Connect(format!("proxy: {}: {text}", io_words(io)));
            }
            let port = url.port_or_known_default().unwrap_or(0);
            return Failure::Connect(format!(
                "could not connect to {host}:{port}: {}",
                io_words(io)
            ));
        }
        return Failure::Connect(format!("could not connect to {host}: {text}"));
    }
    if text.contains("connection closed before message completed")
        || text.contains("incomplete message")
    {
        return Failure::Protocol(
            "the server closed the connection before a complete answer".to_owned(),
        );
    }
    if text.contains("invalid HTTP") || text.contains("parse") && e.is_request() {
        return Failure::Protocol(format!("the answer is not valid HTTP: {text}"));
    }
    if e.is_builder() {
        return Failure::Input(format!("the request cannot be sent: {text}"));
    }
    if e.is_decode() {
        return Failure::Protocol(format!("the answer could not be decoded: {text}"));
    }
    if e.is_body() {
        return Failure::Protocol(format!("while reading the body: {text}"));
    }
    if let Some(io) = find_io(e) {
        return Failure::Protocol(format!("the connection broke: {}", io_words(io)));
    }
    Failure::Protocol(format!("the exchange failed: {text}"))
}

async fn exchange(
    req: &HttpRequest,
    net: &NetConfig,
    marks: Arc<Mutex<Marks>>,
) -> Result<Response, Failure> {
    let url = &req.url;
    match url.scheme() {
        "https" | "http" => {}
        other => {
            return Err(Failure::Input(format!(
                "only http and https URLs can be called, not `{other}:`"
            )))
        }
    }
    if url.host_str().is_none() {
        return Err(Failure::Input(format!("the URL `{url}` has no host")));
    }
    let method = reqwest::Method::from_bytes(req.method.as_bytes())
        .map_err(|_| Failure::Input(format!("`{}` is not an HTTP method", req.method)))?;
    let client = client(net)?;
    let mut headers = reqwest::header::HeaderMap::new();
    for (name, value) in &req.headers {
        if name.eq_ignore_ascii_case("content-length") || name.eq_ignore_ascii_case("host") {
            continue;
        }
        let n = reqwest::header::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| Failure::Input(format!("`{name}` is not a valid header name")))?;
        let v = reqwest::header::HeaderValue::from_str(value)
            .map_err(|_| Failure::Input(format!("the value of header `{name}` is not valid")))?;
        headers.append(n, v);
    }
    if !headers.contains_key(reqwest::header::USER_AGENT) {
        headers.insert(
            reqwest::header::USER_AGENT,
            reqwest::header::HeaderValue::from_static(USER_AGENT),
        );
    }
    let mut builder = client.request(method, url.as_str()).headers(headers);
    if !req.body.is_empty() || matches!(req.method.as_str(), "POST" | "PUT" | "PATCH") {
        if req.body.is_empty() {
            builder = builder.header(reqwest::header::CONTENT_LENGTH, "0");
        }
        builder = builder.body(req.body.clone());
    }
    let log = current_log();
    if let Ok(mut m) = marks.lock() {
        m.sent = Some(Instant::now());
    }
    let answer = builder
        .send()
        .await
        .map_err(|e| failure_of(&e, url, log.as_ref()))?;
    if let Ok(mut m) = marks.lock() {
        m.head = Some(Instant::now());
    }
    let status = answer.status();
    let reason = answer
        .extensions()
        .get::<hyper::ext::ReasonPhrase>()
        .map(|r| String::from_utf8_lossy(r.as_bytes()).into_owned())
        .or_else(|| status.canonical_reason().map(str::to_owned))
        .unwrap_or_default();
    let version = match answer.version() {
        reqwest::Version::HTTP_09 => "HTTP/0.9",
        reqwest::Version::HTTP_10 => "HTTP/1.0",
        reqwest::Version::HTTP_2 => "HTTP/2",
        reqwest::Version::HTTP_3 => "HTTP/3",
        _ => "HTTP/1.1",
    }
    .to_owned();
    let headers: Vec<(String, String)> = answer
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let policy = BodyPolicy::of(net);
    let body = read_body(answer, &policy, url, log.as_ref()).await?;
    if let Ok(mut m) = marks.lock() {
        m.done = Some(Instant::now());
    }
    Ok(body.into_response(status.as_u16(), reason, version, headers))
}

// ---------------------------------------------------------------- body policy

/// How much of an answer is read, and where it goes.
#[derive(Debug, Clone)]
pub struct BodyPolicy {
    /// The largest body read: past it the exchange fails.
    pub max: u64,
    /// How much is kept in memory; the rest goes to a spill file.
    pub memory: usize,
    /// Where the spill file's private folder is made.
    pub spill_dir: Option<PathBuf>,
}

impl BodyPolicy {
    /// The policy of `net`.
    pub fn of(net: &NetConfig) -> BodyPolicy {
        BodyPolicy {
            max: net.max_body.unwrap_or(DEFAULT_MAX_BODY),
            memory: net.body_limit.unwrap_or(DEFAULT_BODY_LIMIT),
            spill_dir: net.spill_dir.clone(),
        }
    }
}

/// "100 MB", "1 MB", "512 KB", "300 bytes" (MB = 1,048,576 bytes, as
/// Logic Apps counts).
pub fn format_size(n: u64) -> String {
    if n >= 1024 * 1024 && n.is_multiple_of(1024 * 1024) {
        format!("{} MB", n / (1024 * 1024))
    } else if n >= 1024 * 1024 {
        format!("{:.1} MB", n as f64 / (1024.0 * 1024.0))
    } else if n >= 1024 && n.is_multiple_of(1024) {
        format!("{} KB", n / 1024)
    } else {
        format!("{n} bytes")
    }
}

/// The message for an answer past the limit.
pub fn too_large(limit: u64, read: u64) -> String {
    format!(
        "the answer is larger than the limit of {} ({read} bytes read)",
        format_size(limit)
    )
}

/// A body read under a policy.
struct ReadBody {
    head: Vec<u8>,
    len: u64,
    spill: Option<(tempfile::TempDir, PathBuf)>,
}

impl ReadBody {
    fn into_response(
        self,
        status: u16,
        reason: String,
        version: String,
        headers: Vec<(String, String)>,
    ) -> Response {
        let spilled_to = self.spill.as_ref().map(|(_, p)| p.clone());
        let store = self.spill.map(|(dir, path)| {
            Arc::new(BodyStore {
                dir: Some(dir),
                raw_file: Some(path),
                raw_head: None,
            })
        });
        Response {
            status,
            reason,
            version,
            headers,
            body: self.head,
            body_len: self.len,
            spilled_to,
            store,
        }
    }
}

fn spill_error(policy: &BodyPolicy) -> impl Fn(std::io::Error) -> Failure + '_ {
    move |e| {
        let dir = policy
            .spill_dir
            .clone()
            .unwrap_or_else(std::env::temp_dir)
            .display()
            .to_string();
        Failure::Input(format!(
            "the answer is larger than the memory limit and could not be written to {dir}: {e}"
        ))
    }
}

/// Reads `answer`'s (decoded) body: fails past `policy.max`, keeps
/// `policy.memory` bytes in memory and writes the rest to a spill file in
/// a private folder.
async fn read_body(
    mut answer: reqwest::Response,
    policy: &BodyPolicy,
    url: &Url,
    log: Option<&Log>,
) -> Result<ReadBody, Failure> {
    // An announced length past the limit fails before reading (a
    // compressed answer's length is not known before decoding).
    if let Some(n) = answer.content_length() {
        if n > policy.max {
            return Err(Failure::Protocol(format!(
                "{} (Content-Length: {n} bytes)",
                too_large(policy.max, 0)
            )));
        }
    }
    let mut head: Vec<u8> = Vec::new();
    let mut len: u64 = 0;
    let mut spill: Option<(tempfile::TempDir, PathBuf, std::fs::File)> = None;
    loop {
        let chunk = answer.chunk().await.map_err(|e| failure_of(&e, url, log))?;
        let Some(data) = chunk else { break };
        len += data.len() as u64;
        if len > policy.max {
            return Err(Failure::Protocol(too_large(policy.max, len)));
        }
        if let Some((_, _, file)) = &mut spill {
            file.write_all(&data).map_err(spill_error(policy))?;
            continue;
        }
        if head.len() + data.len() <= policy.memory {
            head.extend_from_slice(&data);
            continue;
        }
        let mut b = tempfile::Builder::new();
        b.prefix("lapis-body-");
        let dir = match &policy.spill_dir {
            Some(d) => b.tempdir_in(d),
            None => b.tempdir(),
        }
        .map_err(spill_error(policy))?;
        let path = dir.path().join("body.bin");
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(spill_error(policy))?;
        // The file holds the whole body; `head` its first `memory` bytes.
        file.write_all(&head).map_err(spill_error(policy))?;
        file.write_all(&data).map_err(spill_error(policy))?;
        let room = policy.memory - head.len();
        head.extend_from_slice(&data[..room]);
        spill = Some((dir, path, file));
    }
    let spill = match spill {
        None => None,
        Some((dir, path, mut file)) => {
            file.flush().map_err(spill_error(policy))?;
            Some((dir, path))
        }
    };
    Ok(ReadBody { head, len, spill })
}

// ---------------------------------------------------------------- body store

/// Owns the bytes of one answer beyond what [`Response::body`] shows: the
/// spill file's private folder (removed when the store is dropped, that is
/// when the last copy of the answer goes) and the raw bytes when the shown
/// ones were redacted. `Debug` shows no bytes.
pub struct BodyStore {
    /// The private folder of the spill files.
    dir: Option<tempfile::TempDir>,
    /// The whole body as it came, when it spilled.
    raw_file: Option<PathBuf>,
    /// The body as it came, when it fit in memory and was redacted for
    /// display.
    raw_head: Option<SecretBytes>,
}

impl std::fmt::Debug for BodyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BodyStore")
            .field("spilled", &self.raw_file.is_some())
            .field("raw_kept", &self.raw_head.is_some())
            .finish()
    }
}

/// Where a saved body went.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedBody {
    /// The file written.
    pub path: PathBuf,
    /// How many bytes.
    pub bytes: u64,
    /// True when secrets were replaced by placeholders.
    pub redacted: bool,
}

impl BodyStore {
    /// Replaces every secret `redactor` knows in `response`'s body: the
    /// bytes in memory and, for a spilled body, the file shown (a redacted
    /// copy beside the raw one, in the same private folder). The raw bytes
    /// stay in the store for [`BodyStore::save`] with `raw`. True when a
    /// secret was found.
    pub fn redact(response: &mut Response, redactor: &Redactor) -> Result<bool, String> {
        let mut store = match response.store.take() {
            Some(s) => Arc::try_unwrap(s).unwrap_or_else(|s| BodyStore {
                dir: None,
                raw_file: s.raw_file.clone(),
                raw_head: s.raw_head.clone(),
            }),
            None => BodyStore {
                dir: None,
                raw_file: None,
                raw_head: None,
            },
        };
        let mut changed = false;
        if let Some(raw) = &store.raw_file {
            let bytes = std::fs::read(raw).map_err(|e| format!("{}: {e}", raw.display()))?;
            let text = String::from_utf8_lossy(&bytes);
            if !redactor.is_clean(&text) && std::str::from_utf8(&bytes).is_ok() {
                let shown = redactor.redact(&text).into_bytes();
                let path = raw.with_file_name("body-redacted.bin");
                std::fs::write(&path, &shown).map_err(|e| format!("{}: {e}", path.display()))?;
                let n = shown.len().min(response.body.len());
                response.body = shown[..n].to_vec();
                response.spilled_to = Some(path);
                changed = true;
            }
        } else if let Ok(text) = std::str::from_utf8(&response.body) {
            if !redactor.is_clean(text) {
                let shown = redactor.redact(text).into_bytes();
                store.raw_head = Some(SecretBytes(std::mem::replace(&mut response.body, shown)));
                changed = true;
            }
        }
        if store.dir.is_some() || store.raw_head.is_some() || store.raw_file.is_some() {
            response.store = Some(Arc::new(store));
        }
        Ok(changed)
    }

    /// Writes `response`'s whole body to `path` (atomically): as shown,
    /// secrets as placeholders, or with `raw` the bytes as they came.
    pub fn save(response: &Response, path: &Path, raw: bool) -> Result<SavedBody, String> {
        let store = response.store.as_deref();
        let raw_file = store.and_then(|s| s.raw_file.as_ref());
        let raw_head = store.and_then(|s| s.raw_head.as_ref());
        let redacted = !raw && (raw_head.is_some() || response.spilled_to.as_ref() != raw_file);
        let bytes: Vec<u8> = match (raw, raw_file, raw_head) {
            (true, Some(f), _) => std::fs::read(f).map_err(|e| format!("{}: {e}", f.display()))?,
            (true, None, Some(h)) => h.0.clone(),
            _ => match &response.spilled_to {
                Some(f) => std::fs::read(f).map_err(|e| format!("{}: {e}", f.display()))?,
                None => response.body.clone(),
            },
        };
        crate::workflow::text::write_atomic(path, &bytes)
            .map_err(|e| format!("the body could not be saved to {}: {e}", path.display()))?;
        Ok(SavedBody {
            path: path.to_path_buf(),
            bytes: bytes.len() as u64,
            redacted,
        })
    }
}

impl Response {
    /// The whole body as shown (from the spill file when it spilled).
    pub fn whole_body(&self) -> std::io::Result<Vec<u8>> {
        match &self.spilled_to {
            Some(p) => std::fs::read(p),
            None => Ok(self.body.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_words() {
        assert_eq!(format_duration(Duration::from_secs(100)), "100 s");
        assert_eq!(format_duration(Duration::from_millis(2500)), "2.5 s");
        assert_eq!(format_duration(Duration::from_millis(300)), "300 ms");
    }

    #[test]
    fn sizes_in_words() {
        assert_eq!(format_size(DEFAULT_MAX_BODY), "100 MB");
        assert_eq!(format_size(TOKEN_MAX_BODY), "1 MB");
        assert_eq!(
            too_large(TOKEN_MAX_BODY, 1_048_577),
            "the answer is larger than the limit of 1 MB (1048577 bytes read)"
        );
    }

    #[test]
    fn alert_names() {
        assert_eq!(
            alert_name(&rustls::AlertDescription::BadCertificate),
            "bad_certificate"
        );
    }

    #[test]
    fn proxy_credentials_never_shown() {
        let p = ProxySetting::all(Url::parse("http://user:p%40ss@web.corp:8080").unwrap());
        let d = format!("{p:?}");
        assert!(!d.contains("p%40ss") && d.contains("web.corp:8080"), "{d}");
    }
}
