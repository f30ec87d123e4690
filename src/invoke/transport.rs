//! One timed HTTP/1.1 exchange.
//!
//! Every call opens a fresh connection (so each phase can be timed and
//! nothing is reused behind the user's back): DNS by the system resolver,
//! TCP (each resolved address in turn), TLS by rustls (with the ring
//! provider), then one request and its answer on hyper's HTTP/1.1 client.
//! A proxy from the environment (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`,
//! `NO_PROXY`) or from [`NetConfig::proxy`] is honoured: a `CONNECT` tunnel
//! for https, the absolute form of the request line for http.
//!
//! The answer's body is kept in memory up to a limit; a larger one is
//! written whole to a file that is kept.

use std::error::Error as StdError;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use url::{Host, Url};

use super::{Failure, Response, SecretBytes, Timings};
use crate::secrets::Secret;

/// The default timeout of an exchange (Logic Apps' default).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(100);

/// The default amount of body kept in memory.
pub const DEFAULT_BODY_LIMIT: usize = 4 * 1024 * 1024;

/// The `User-Agent` sent unless the request sets one.
pub const USER_AGENT: &str = concat!("lapis/", env!("CARGO_PKG_VERSION"));

/// How connections are made.
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
    /// Where a larger body is written (the system's temporary folder when
    /// `None`).
    pub spill_dir: Option<PathBuf>,
    /// The proxy to use: `None` reads the environment
    /// ([`ProxySetting::from_env`]) at each call; `Some(ProxySetting::none())`
    /// never uses one.
    pub proxy: Option<ProxySetting>,
}

impl NetConfig {
    /// The network settings of a call's options (timeout, body limit,
    /// spill folder, extra CAs); the proxy comes from the environment.
    pub fn from_options(o: &super::CallOptions) -> NetConfig {
        NetConfig {
            timeout: Some(o.timeout),
            extra_ca_pem: o.extra_ca_pem.clone(),
            client_cert: None,
            body_limit: Some(o.body_limit),
            spill_dir: o.spill_dir.clone(),
            proxy: None,
        }
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
    /// dns, connect, tls, first_byte and total (token stays `None`).
    pub timings: Timings,
}

// ---------------------------------------------------------------- proxies

/// Which proxy to use for which scheme, and which hosts go direct.
#[derive(Clone, Default, PartialEq)]
pub struct ProxySetting {
    /// For `http://` URLs.
    pub http: Option<Url>,
    /// For `https://` URLs (through a `CONNECT` tunnel).
    pub https: Option<Url>,
    /// `NO_PROXY` entries: host names or domain suffixes (`example.com`,
    /// `.example.com`, `*.example.com`), IP addresses, or `*` for all.
    pub no_proxy: Vec<String>,
}

impl std::fmt::Debug for ProxySetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Proxy URLs may carry a password: show them without credentials.
        f.debug_struct("ProxySetting")
            .field("http", &self.http.as_ref().map(proxy_display))
            .field("https", &self.https.as_ref().map(proxy_display))
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

impl ProxySetting {
    /// No proxy at all.
    pub fn none() -> ProxySetting {
        ProxySetting::default()
    }

    /// The same proxy for http and https.
    pub fn all(proxy: Url) -> ProxySetting {
        ProxySetting {
            http: Some(proxy.clone()),
            https: Some(proxy),
            no_proxy: Vec::new(),
        }
    }

    /// From the process environment: `https_proxy`/`HTTPS_PROXY`,
    /// `http_proxy`/`HTTP_PROXY`, `all_proxy`/`ALL_PROXY` (for either when
    /// the specific one is unset) and `no_proxy`/`NO_PROXY`.
    pub fn from_env() -> ProxySetting {
        ProxySetting::from_lookup(|k| std::env::var(k).ok())
    }

    /// Like [`ProxySetting::from_env`], with the variables read by `get`
    /// (for tests). A value without a scheme is taken as `http://`; a value
    /// that is not a URL is ignored.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> ProxySetting {
        let first = |names: &[&str]| {
            names
                .iter()
                .filter_map(|n| get(n))
                .map(|v| v.trim().to_owned())
                .find(|v| !v.is_empty())
        };
        let all = first(&["all_proxy", "ALL_PROXY"]).and_then(|v| parse_proxy_url(&v));
        let https = first(&["https_proxy", "HTTPS_PROXY"])
            .and_then(|v| parse_proxy_url(&v))
            .or_else(|| all.clone());
        let http = first(&["http_proxy", "HTTP_PROXY"])
            .and_then(|v| parse_proxy_url(&v))
            .or(all);
        let no_proxy = first(&["no_proxy", "NO_PROXY"])
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_ascii_lowercase())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        ProxySetting {
            http,
            https,
            no_proxy,
        }
    }

    /// The proxy for `url`, or `None` to go direct. Loopback hosts
    /// (`localhost`, `127.0.0.0/8`, `::1`) always go direct.
    pub fn proxy_for(&self, url: &Url) -> Option<&Url> {
        let proxy = match url.scheme() {
            "https" => self.https.as_ref(),
            "http" => self.http.as_ref(),
            _ => None,
        }?;
        let host = url.host()?;
        if is_loopback(&host) {
            return None;
        }
        let name = match &host {
            Host::Domain(d) => d.trim_end_matches('.').to_ascii_lowercase(),
            Host::Ipv4(ip) => ip.to_string(),
            Host::Ipv6(ip) => ip.to_string(),
        };
        for entry in &self.no_proxy {
            if entry == "*" {
                return None;
            }
            let mut e = entry.as_str();
            // `[::1]:8080`, `host:8080`: the port does not matter here.
            if let Some(rest) = e.strip_prefix('[') {
                e = rest.split(']').next().unwrap_or(rest);
            } else if e.matches(':').count() == 1 {
                e = e.split(':').next().unwrap_or(e);
            }
            let e = e.trim_start_matches("*.").trim_start_matches('.');
            if e.is_empty() {
                continue;
            }
            if name == e || name.ends_with(&format!(".{e}")) {
                return None;
            }
        }
        Some(proxy)
    }
}

fn parse_proxy_url(v: &str) -> Option<Url> {
    let with_scheme = if v.contains("://") {
        v.to_owned()
    } else {
        format!("http://{v}")
    };
    Url::parse(&with_scheme).ok().filter(|u| u.host().is_some())
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
/// CAs, the client certificate if any, ALPN `http/1.1`.
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
        None => builder.with_no_client_auth(),
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
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

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
            A::CertificateRequired => {
                "the server asked for a client certificate and none was sent".to_owned()
            }
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

/// Sends `req` and reads the answer.
pub async fn send(req: &HttpRequest, net: &NetConfig) -> Result<Exchange, (Failure, Timings)> {
    let start = Instant::now();
    let mut timings = Timings::default();
    let limit = net.timeout.unwrap_or(DEFAULT_TIMEOUT);
    let result = tokio::time::timeout(limit, exchange(req, net, &mut timings)).await;
    timings.total = ms(start.elapsed());
    match result {
        Ok(Ok(response)) => Ok(Exchange { response, timings }),
        Ok(Err(failure)) => Err((failure, timings)),
        Err(_) => Err((
            Failure::Timeout(format!("no answer within {}", format_duration(limit))),
            timings,
        )),
    }
}

/// A plain request: `(status, headers, body)`, errors in words. Uses the
/// same connections, proxies and trust as [`send`].
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
        Ok(ex) => Ok((ex.response.status, ex.response.headers, ex.response.body)),
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

struct Target<'a> {
    host: Host<&'a str>,
    /// As written in the URL (`[::1]` for IPv6).
    host_str: &'a str,
    port: u16,
}

async fn exchange(
    req: &HttpRequest,
    net: &NetConfig,
    t: &mut Timings,
) -> Result<Response, Failure> {
    let url = &req.url;
    let https = match url.scheme() {
        "https" => true,
        "http" => false,
        other => {
            return Err(Failure::Input(format!(
                "only http and https URLs can be called, not `{other}:`"
            )))
        }
    };
    let (Some(host), Some(host_str), Some(port)) =
        (url.host(), url.host_str(), url.port_or_known_default())
    else {
        return Err(Failure::Input(format!("the URL `{url}` has no host")));
    };
    let target = Target {
        host,
        host_str,
        port,
    };

    let env_proxy;
    let proxies = match &net.proxy {
        Some(p) => p,
        None => {
            env_proxy = ProxySetting::from_env();
            &env_proxy
        }
    };
    let proxy = proxies.proxy_for(url).cloned();
    if let Some(p) = &proxy {
        if p.scheme() != "http" {
            return Err(Failure::Connect(format!(
                "the proxy {} is not supported: only http:// proxies are",
                proxy_display(p)
            )));
        }
    }

    // Set TLS up before any network work: a bad client certificate is an
    // input error, not a network one.
    let tls = if https {
        Some(Arc::new(tls_config(net)?))
    } else {
        None
    };

    // DNS and TCP: to the proxy when there is one.
    let tcp = match &proxy {
        Some(p) => {
            let (Some(phost), Some(pport)) = (p.host(), p.port_or_known_default()) else {
                return Err(Failure::Connect(format!(
                    "the proxy {} has no host",
                    proxy_display(p)
                )));
            };
            let addrs = resolve(&phost, pport, t)
                .await
                .map_err(|e| prefix_failure(e, &format!("proxy {}: ", proxy_display(p))))?;
            let pd = proxy_display(p);
            let started = Instant::now();
            let r = async {
                let mut s = connect_any(&addrs)
                    .await
                    .map_err(|e| Failure::Connect(format!("proxy {pd}: {e}")))?;
                if https {
                    tunnel(&mut s, p, &target).await?;
                }
                Ok::<_, Failure>(s)
            }
            .await;
            t.connect = Some(ms(started.elapsed()));
            r?
        }
        None => {
            let addrs = resolve(&target.host, target.port, t).await?;
            let started = Instant::now();
            let tcp = connect_any(&addrs).await;
            t.connect = Some(ms(started.elapsed()));
            tcp.map_err(Failure::Connect)?
        }
    };
    let _ = tcp.set_nodelay(true);

    match tls {
        Some(config) => {
            let name = match &target.host {
                Host::Domain(d) => ServerName::try_from(d.to_string())
                    .map_err(|_| Failure::Input(format!("`{d}` is not a valid TLS server name")))?,
                Host::Ipv4(ip) => ServerName::IpAddress(IpAddr::V4(*ip).into()),
                Host::Ipv6(ip) => ServerName::IpAddress(IpAddr::V6(*ip).into()),
            };
            let started = Instant::now();
            let stream = tokio_rustls::TlsConnector::from(config)
                .connect(name, tcp)
                .await;
            t.tls = Some(ms(started.elapsed()));
            let stream = stream.map_err(|e| match find_rustls(&e) {
                Some(r) => Failure::Tls(describe_tls(r, target.host_str)),
                None => Failure::Tls(format!(
                    "the TLS handshake with {} broke off: {}",
                    target.host_str,
                    io_words(&e)
                )),
            })?;
            http_exchange(stream, req, &target, None, net, t).await
        }
        None => http_exchange(tcp, req, &target, proxy.as_ref(), net, t).await,
    }
}

fn prefix_failure(f: Failure, prefix: &str) -> Failure {
    match f {
        Failure::Dns(s) => Failure::Dns(format!("{prefix}{s}")),
        Failure::Connect(s) => Failure::Connect(format!("{prefix}{s}")),
        other => other,
    }
}

async fn resolve(
    host: &Host<&str>,
    port: u16,
    t: &mut Timings,
) -> Result<Vec<SocketAddr>, Failure> {
    match host {
        Host::Ipv4(ip) => Ok(vec![SocketAddr::new(IpAddr::V4(*ip), port)]),
        Host::Ipv6(ip) => Ok(vec![SocketAddr::new(IpAddr::V6(*ip), port)]),
        Host::Domain(d) => {
            let started = Instant::now();
            let r = tokio::net::lookup_host((*d, port)).await;
            t.dns = Some(ms(started.elapsed()));
            match r {
                Ok(addrs) => {
                    let addrs: Vec<SocketAddr> = addrs.collect();
                    if addrs.is_empty() {
                        Err(Failure::Dns(format!(
                            "the host name {d} did not resolve to any address"
                        )))
                    } else {
                        Ok(addrs)
                    }
                }
                Err(e) => Err(Failure::Dns(format!(
                    "the host name {d} did not resolve: {e}"
                ))),
            }
        }
    }
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

/// Tries each address in order; the error lists every attempt.
async fn connect_any(addrs: &[SocketAddr]) -> Result<TcpStream, String> {
    let mut errors = Vec::new();
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(s) => return Ok(s),
            Err(e) => errors.push(format!("{addr}: {}", io_words(&e))),
        }
    }
    Err(format!("could not connect to {}", errors.join("; ")))
}

fn proxy_authorization(proxy: &Url) -> Option<String> {
    use base64::Engine as _;
    if proxy.username().is_empty() && proxy.password().is_none() {
        return None;
    }
    let dec = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let user = dec(proxy.username());
    let pass = dec(proxy.password().unwrap_or(""));
    Some(format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
    ))
}

/// `CONNECT host:port` through an http proxy; `Ok` once it answers 2xx.
async fn tunnel(stream: &mut TcpStream, proxy: &Url, target: &Target<'_>) -> Result<(), Failure> {
    let authority = format!("{}:{}", target.host_str, target.port);
    let mut head = format!(
        "CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: {USER_AGENT}\r\n"
    );
    if let Some(auth) = proxy_authorization(proxy) {
        head.push_str(&format!("Proxy-Authorization: {auth}\r\n"));
    }
    head.push_str("\r\n");
    let pd = proxy_display(proxy);
    stream
        .write_all(head.as_bytes())
        .await
        .map_err(|e| Failure::Connect(format!("proxy {pd}: {}", io_words(&e))))?;
    let mut buf = Vec::with_capacity(512);
    let mut chunk = [0u8; 512];
    loop {
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|e| Failure::Connect(format!("proxy {pd}: {}", io_words(&e))))?;
        if n == 0 {
            return Err(Failure::Connect(format!(
                "proxy {pd} closed the connection instead of opening a tunnel to {authority}"
            )));
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
        if buf.len() > 16 * 1024 {
            return Err(Failure::Connect(format!(
                "proxy {pd} sent an over-long answer to CONNECT"
            )));
        }
    }
    let text = String::from_utf8_lossy(&buf);
    let status_line = text.lines().next().unwrap_or("");
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or("");
    let code: u16 = parts.next().and_then(|c| c.parse().ok()).unwrap_or(0);
    let reason = parts.next().unwrap_or("").trim();
    if !version.starts_with("HTTP/") || code == 0 {
        return Err(Failure::Connect(format!(
            "proxy {pd} did not answer CONNECT in HTTP"
        )));
    }
    match code {
        200..=299 => Ok(()),
        407 => Err(Failure::Connect(format!(
            "proxy {pd} wants credentials (407 {reason}): put them in the proxy URL \
             (http://user:password@host:port)"
        ))),
        _ => Err(Failure::Connect(format!(
            "proxy {pd} refused the tunnel to {authority}: {code} {reason}"
        ))),
    }
}

fn hyper_failure(e: &hyper::Error, host: &str) -> Failure {
    if let Some(r) = find_rustls(e) {
        return Failure::Tls(describe_tls(r, host));
    }
    if e.is_incomplete_message() {
        return Failure::Protocol(
            "the server closed the connection before a complete answer".to_owned(),
        );
    }
    if e.is_parse() || e.is_parse_status() {
        return Failure::Protocol(format!("the answer is not valid HTTP/1.1: {e}"));
    }
    if let Some(io) = find_io(e) {
        return Failure::Protocol(format!("the connection broke: {}", io_words(io)));
    }
    Failure::Protocol(format!("the exchange failed: {e}"))
}

fn needs_length(method: &str) -> bool {
    matches!(method, "POST" | "PUT" | "PATCH")
}

async fn http_exchange<IO>(
    io: IO,
    req: &HttpRequest,
    target: &Target<'_>,
    proxy: Option<&Url>,
    net: &NetConfig,
    t: &mut Timings,
) -> Result<Response, Failure>
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let request = build_request(req, target, proxy)?;
    let (mut sender, conn) = hyper::client::conn::http1::Builder::new()
        .title_case_headers(true)
        .handshake::<_, Full<Bytes>>(TokioIo::new(io))
        .await
        .map_err(|e| hyper_failure(&e, target.host_str))?;
    // The connection runs beside us; it ends when we drop the sender and
    // the body, or is aborted if we stop early (timeout).
    let mut driver = AbortOnDrop(tokio::spawn(conn));

    let sent = Instant::now();
    let answer = sender.send_request(request).await;
    t.first_byte = Some(ms(sent.elapsed()));
    let answer = match answer {
        Ok(a) => a,
        Err(e) => {
            // When the connection itself failed (a TLS alert after the
            // handshake, such as a server that wants a client certificate),
            // the sender only sees "canceled": the connection's error says
            // why.
            let conn_error = tokio::time::timeout(Duration::from_millis(500), &mut driver.0).await;
            return Err(match conn_error {
                Ok(Ok(Err(ce))) => hyper_failure(&ce, target.host_str),
                _ => hyper_failure(&e, target.host_str),
            });
        }
    };

    let (parts, mut body) = answer.into_parts();
    let reason = parts
        .extensions
        .get::<hyper::ext::ReasonPhrase>()
        .map(|r| String::from_utf8_lossy(r.as_bytes()).into_owned())
        .or_else(|| parts.status.canonical_reason().map(str::to_owned))
        .unwrap_or_default();
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();

    let limit = net.body_limit.unwrap_or(DEFAULT_BODY_LIMIT);
    let mut kept: Vec<u8> = Vec::new();
    let mut total: u64 = 0;
    let mut spill: Option<(tempfile::NamedTempFile, tokio::fs::File)> = None;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| match hyper_failure(&e, target.host_str) {
            Failure::Protocol(s) => Failure::Protocol(format!("while reading the body: {s}")),
            other => other,
        })?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        total += data.len() as u64;
        if let Some((_, file)) = &mut spill {
            file.write_all(&data).await.map_err(spill_error(net))?;
            continue;
        }
        if kept.len() + data.len() <= limit {
            kept.extend_from_slice(&data);
            continue;
        }
        let room = limit - kept.len();
        kept.extend_from_slice(&data[..room]);
        let mut builder = tempfile::Builder::new();
        builder.prefix("lapis-body-").suffix(".bin");
        let tmp = match &net.spill_dir {
            Some(dir) => builder.tempfile_in(dir),
            None => builder.tempfile(),
        }
        .map_err(spill_error(net))?;
        let mut file =
            tokio::fs::File::from_std(tmp.as_file().try_clone().map_err(spill_error(net))?);
        file.write_all(&kept).await.map_err(spill_error(net))?;
        file.write_all(&data[room..])
            .await
            .map_err(spill_error(net))?;
        spill = Some((tmp, file));
    }
    drop(driver);

    let spilled_to = match spill {
        None => None,
        Some((tmp, mut file)) => {
            file.flush().await.map_err(spill_error(net))?;
            drop(file);
            let (_, path) = tmp.keep().map_err(|e| spill_error(net)(e.error))?;
            Some(path)
        }
    };

    Ok(Response {
        status: parts.status.as_u16(),
        reason,
        version: format!("{:?}", parts.version),
        headers,
        body: kept,
        body_len: total,
        spilled_to,
    })
}

fn spill_error(net: &NetConfig) -> impl Fn(std::io::Error) -> Failure + '_ {
    move |e| {
        let dir = net
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

struct AbortOnDrop(tokio::task::JoinHandle<Result<(), hyper::Error>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[allow(clippy::result_large_err)]
fn build_request(
    req: &HttpRequest,
    target: &Target<'_>,
    proxy: Option<&Url>,
) -> Result<http::Request<Full<Bytes>>, Failure> {
    let url = &req.url;
    let method = http::Method::from_bytes(req.method.as_bytes())
        .map_err(|_| Failure::Input(format!("`{}` is not an HTTP method", req.method)))?;
    // Origin form (`/path?query`), or the absolute form through an http proxy.
    let uri_text = match proxy {
        Some(_) => {
            let mut u = url.clone();
            u.set_fragment(None);
            u.to_string()
        }
        None => match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        },
    };
    let uri: http::Uri = uri_text
        .parse()
        .map_err(|e| Failure::Input(format!("the URL `{url}` cannot be sent: {e}")))?;

    let mut builder = http::Request::builder()
        .method(method)
        .uri(uri)
        .version(http::Version::HTTP_11);
    let user_has = |name: &str| {
        req.headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case(name))
    };
    if !user_has("host") {
        let host = match url.port() {
            Some(p) => format!("{}:{p}", target.host_str),
            None => target.host_str.to_owned(),
        };
        builder = builder.header(http::header::HOST, host);
    }
    for (name, value) in &req.headers {
        if name.eq_ignore_ascii_case("content-length") {
            continue;
        }
        let n = http::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| Failure::Input(format!("`{name}` is not a valid header name")))?;
        let v = http::HeaderValue::from_str(value)
            .map_err(|_| Failure::Input(format!("the value of header `{name}` is not valid")))?;
        builder = builder.header(n, v);
    }
    if !user_has("user-agent") {
        builder = builder.header(http::header::USER_AGENT, USER_AGENT);
    }
    if let Some(auth) = proxy.and_then(proxy_authorization) {
        builder = builder.header(http::header::PROXY_AUTHORIZATION, auth);
    }
    if !req.body.is_empty() || needs_length(&req.method) {
        builder = builder.header(http::header::CONTENT_LENGTH, req.body.len());
    }
    builder
        .body(Full::new(Bytes::from(req.body.clone())))
        .map_err(|e| Failure::Input(format!("the request cannot be built: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn proxy_from_variables() {
        let p = ProxySetting::from_lookup(env(&[
            ("HTTPS_PROXY", "proxy.corp:3128"),
            ("http_proxy", "http://user:p%40ss@web.corp:8080"),
            (
                "NO_PROXY",
                "internal.corp, .example.org,*.svc,10.1.2.3, [::2]:80",
            ),
        ]));
        assert_eq!(
            p.proxy_for(&u("https://api.contoso.com/x"))
                .map(|u| u.as_str()),
            Some("http://proxy.corp:3128/")
        );
        assert_eq!(
            p.proxy_for(&u("http://api.contoso.com/x"))
                .map(proxy_display),
            Some("http://web.corp:8080".to_owned())
        );
        for direct in [
            "https://internal.corp/",
            "https://a.internal.corp/",
            "https://www.example.org/",
            "https://example.org/",
            "https://x.svc/",
            "https://10.1.2.3/",
            "https://[::2]/",
            "https://localhost:8443/",
            "https://127.0.0.5/",
            "https://[::1]/",
        ] {
            assert_eq!(p.proxy_for(&u(direct)), None, "{direct}");
        }
        assert!(p.proxy_for(&u("https://notinternal.corp/")).is_some());
        // Credentials decoded for Proxy-Authorization, never displayed.
        let web = p.http.clone().unwrap();
        assert_eq!(
            proxy_authorization(&web).as_deref(),
            Some("Basic dXNlcjpwQHNz")
        );
        assert!(!format!("{p:?}").contains("p%40ss"));
    }

    #[test]
    fn all_proxy_and_star() {
        let p = ProxySetting::from_lookup(env(&[("ALL_PROXY", "http://all:1")]));
        assert!(p.proxy_for(&u("https://a.b/")).is_some());
        assert!(p.proxy_for(&u("http://a.b/")).is_some());
        let p = ProxySetting::from_lookup(env(&[("ALL_PROXY", "http://all:1"), ("no_proxy", "*")]));
        assert!(p.proxy_for(&u("https://a.b/")).is_none());
        let p = ProxySetting::from_lookup(env(&[("HTTP_PROXY", "")]));
        assert_eq!(p, ProxySetting::none());
    }

    #[test]
    fn durations_in_words() {
        assert_eq!(format_duration(Duration::from_secs(100)), "100 s");
        assert_eq!(format_duration(Duration::from_millis(2500)), "2.5 s");
        assert_eq!(format_duration(Duration::from_millis(300)), "300 ms");
    }

    #[test]
    fn alert_names() {
        assert_eq!(
            alert_name(&rustls::AlertDescription::BadCertificate),
            "bad_certificate"
        );
    }
}
