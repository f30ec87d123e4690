//! Servers for the client side of the network, on loopback: a forward
//! proxy (`http://` or `https://`, optionally asking for Basic
//! credentials) that tunnels `CONNECT` and forwards absolute-form requests,
//! and a "wire" server that answers in the ways a client must cope with:
//! HTTP/2 when offered over TLS, gzip/deflate/br bodies, a body without
//! end, and a 307 to another origin.
//!
//! Both use the sandbox's certificate (trusted through
//! [`super::Sandbox::ca_pem`], [`Wire::ca_pem`] or [`ForwardProxy::ca_pem`]).

use std::io;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::{Frame, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::keys;

fn other(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

/// The sandbox's server certificate (for `localhost` and `127.0.0.1`),
/// with these ALPN protocols.
async fn server_tls(alpn: &[&[u8]]) -> io::Result<(tokio_rustls::TlsAcceptor, String)> {
    let m = tokio::task::spawn_blocking(keys::material)
        .await
        .map_err(other)?
        .map_err(other)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let chain = vec![
        CertificateDer::from(m.server_cert_der.clone()),
        CertificateDer::from(m.ca_der.clone()),
    ];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(m.server_key_pkcs8.clone()));
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(other)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(other)?;
    cfg.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok((
        tokio_rustls::TlsAcceptor::from(Arc::new(cfg)),
        m.ca_pem.clone(),
    ))
}

// ---------------------------------------------------------------- forward proxy

/// What the forward proxy did.
#[derive(Debug, Default)]
pub struct ForwardStats {
    /// `CONNECT` tunnels opened.
    pub tunnels: AtomicU64,
    /// Absolute-form requests forwarded.
    pub forwarded: AtomicU64,
    /// Requests refused with 407 (no or wrong credentials).
    pub refused: AtomicU64,
    /// Connections accepted.
    pub connections: AtomicU64,
}

/// A forward proxy on loopback. Stops when dropped.
pub struct ForwardProxy {
    addr: SocketAddr,
    tls: bool,
    ca_pem: String,
    /// What it did.
    pub stats: Arc<ForwardStats>,
    /// The targets it was asked for (`host:port`), in order.
    pub targets: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ForwardProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ForwardProxy {
    /// Starts a proxy on a free loopback port: plain (`http://`) or TLS
    /// (`https://`, the sandbox's certificate), asking for Basic
    /// `credentials` when given.
    pub async fn start(tls: bool, credentials: Option<(&str, &str)>) -> io::Result<ForwardProxy> {
        use base64::Engine as _;
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let (acceptor, ca_pem) = server_tls(&[b"http/1.1"]).await?;
        let acceptor = tls.then_some(acceptor);
        let expected = credentials.map(|(u, p)| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
            )
        });
        let stats = Arc::new(ForwardStats::default());
        let targets = Arc::new(Mutex::new(Vec::new()));
        let (s, t) = (stats.clone(), targets.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                };
                s.connections.fetch_add(1, Ordering::Relaxed);
                let (acceptor, expected, s, t) =
                    (acceptor.clone(), expected.clone(), s.clone(), t.clone());
                tokio::spawn(async move {
                    let _ = stream.set_nodelay(true);
                    match acceptor {
                        None => proxy_conn(stream, expected, s, t).await,
                        Some(a) => {
                            let hs =
                                tokio::time::timeout(Duration::from_secs(10), a.accept(stream));
                            if let Ok(Ok(tls)) = hs.await {
                                proxy_conn(tls, expected, s, t).await
                            }
                        }
                    }
                });
            }
        });
        Ok(ForwardProxy {
            addr,
            tls,
            ca_pem,
            stats,
            targets,
            task,
        })
    }

    /// `http://127.0.0.1:port` or `https://localhost:port`, without
    /// credentials.
    pub fn url(&self) -> String {
        if self.tls {
            format!("https://localhost:{}", self.addr.port())
        } else {
            format!("http://127.0.0.1:{}", self.addr.port())
        }
    }

    /// The CA that signed the proxy's certificate (PEM).
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }
}

/// Reads a request head (at most 16 KB, within 10 s).
async fn read_head<S: tokio::io::AsyncRead + Unpin>(s: &mut S) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    let read = async {
        loop {
            let n = s.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            buf.extend_from_slice(&chunk[..n]);
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..i + 4]).into_owned();
                let rest = buf[i + 4..].to_vec();
                return Some((head, rest));
            }
            if buf.len() > 16 * 1024 {
                return None;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .ok()
        .flatten()
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

async fn proxy_conn<S>(
    mut s: S,
    expected: Option<String>,
    stats: Arc<ForwardStats>,
    targets: Arc<Mutex<Vec<String>>>,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let Some((head, rest)) = read_head(&mut s).await else {
        return;
    };
    let mut first = head.lines().next().unwrap_or("").split(' ');
    let (method, target) = (first.next().unwrap_or(""), first.next().unwrap_or(""));
    if let Some(want) = &expected {
        if header(&head, "proxy-authorization") != Some(want.as_str()) {
            stats.refused.fetch_add(1, Ordering::Relaxed);
            let _ = s
                .write_all(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\n\
                      Proxy-Authenticate: Basic realm=\"lapis-sandbox\"\r\n\
                      Content-Length: 0\r\nConnection: close\r\n\r\n",
                )
                .await;
            return;
        }
    }
    if method.eq_ignore_ascii_case("CONNECT") {
        if let Ok(mut t) = targets.lock() {
            t.push(target.to_owned());
        }
        let Ok(mut up) = TcpStream::connect(target).await else {
            let _ = s
                .write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                .await;
            return;
        };
        stats.tunnels.fetch_add(1, Ordering::Relaxed);
        if s.write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            .await
            .is_err()
        {
            return;
        }
        let _ = up.write_all(&rest).await;
        let _ = tokio::io::copy_bidirectional(&mut s, &mut up).await;
        return;
    }
    // Absolute form: `GET http://host:port/path HTTP/1.1`.
    let Ok(url) = url::Url::parse(target) else {
        let _ = s
            .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            .await;
        return;
    };
    let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
        return;
    };
    let authority = format!("{host}:{port}");
    if let Ok(mut t) = targets.lock() {
        t.push(authority.clone());
    }
    let Ok(mut up) = TcpStream::connect(&authority).await else {
        let _ = s
            .write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            .await;
        return;
    };
    stats.forwarded.fetch_add(1, Ordering::Relaxed);
    let path = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    };
    let mut out = format!("{method} {path} HTTP/1.1\r\n");
    for l in head.lines().skip(1) {
        let name = l.split(':').next().unwrap_or("").trim();
        if l.is_empty()
            || name.eq_ignore_ascii_case("proxy-authorization")
            || name.eq_ignore_ascii_case("proxy-connection")
            || name.eq_ignore_ascii_case("connection")
        {
            continue;
        }
        out.push_str(l);
        out.push_str("\r\n");
    }
    // One request per connection keeps the rewriting honest.
    out.push_str("Connection: close\r\n\r\n");
    if up.write_all(out.as_bytes()).await.is_err() || up.write_all(&rest).await.is_err() {
        return;
    }
    let _ = tokio::io::copy_bidirectional(&mut s, &mut up).await;
}

// ---------------------------------------------------------------- wire server

/// What the wire server saw.
#[derive(Debug, Default)]
pub struct WireStats {
    /// Requests answered over HTTP/2.
    pub http2: AtomicU64,
    /// Requests answered over HTTP/1.x.
    pub http1: AtomicU64,
    /// Connections accepted (a reused connection counts once).
    pub connections: AtomicU64,
    /// Bytes of endless bodies handed to the connection.
    pub endless_sent: Arc<AtomicU64>,
}

/// A TLS server on loopback (`https://localhost:port`, ALPN `h2` and
/// `http/1.1`), and the same routes in plain HTTP/1.1 on another port:
/// - `/echo`: the request's method, version, headers and body as JSON;
/// - `/gzip`, `/deflate`, `/br`: a JSON document compressed that way
///   (`Content-Encoding` set), whatever `Accept-Encoding` says;
/// - `/endless`: a body that never ends (chunks of 64 KB);
/// - `/redirect?to=URL&status=307`: a redirect to URL;
/// - `/bytes?n=N`: N bytes of text;
/// - `/{tenant}/oauth2/token`: a token answer (tenant `huge`: 2 MB;
///   `forever`: `expires_in: 1e300`).
///
/// Stops when dropped.
pub struct Wire {
    tls_addr: SocketAddr,
    plain_addr: SocketAddr,
    ca_pem: String,
    /// What it saw.
    pub stats: Arc<WireStats>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Wire {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// The JSON document the compressed routes send.
pub const WIRE_DOCUMENT: &str =
    r#"{"compressed":true,"text":"Lapis decodes what Logic Apps decodes."}"#;

impl Wire {
    /// Starts both listeners.
    pub async fn start() -> io::Result<Wire> {
        let tls_l = TcpListener::bind(("127.0.0.1", 0)).await?;
        let plain_l = TcpListener::bind(("127.0.0.1", 0)).await?;
        let (tls_addr, plain_addr) = (tls_l.local_addr()?, plain_l.local_addr()?);
        let (acceptor, ca_pem) = server_tls(&[b"h2", b"http/1.1"]).await?;
        let stats = Arc::new(WireStats::default());
        let s1 = stats.clone();
        let tls_task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = tls_l.accept().await else {
                    continue;
                };
                s1.connections.fetch_add(1, Ordering::Relaxed);
                let (a, s) = (acceptor.clone(), s1.clone());
                tokio::spawn(async move {
                    let Ok(Ok(tls)) =
                        tokio::time::timeout(Duration::from_secs(10), a.accept(stream)).await
                    else {
                        return;
                    };
                    let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
                    serve(TokioIo::new(tls), h2, s).await;
                });
            }
        });
        let s2 = stats.clone();
        let plain_task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = plain_l.accept().await else {
                    continue;
                };
                s2.connections.fetch_add(1, Ordering::Relaxed);
                let s = s2.clone();
                tokio::spawn(async move { serve(TokioIo::new(stream), false, s).await });
            }
        });
        Ok(Wire {
            tls_addr,
            plain_addr,
            ca_pem,
            stats,
            tasks: vec![tls_task, plain_task],
        })
    }

    /// `https://localhost:port` (HTTP/2 offered).
    pub fn https_url(&self) -> String {
        format!("https://localhost:{}", self.tls_addr.port())
    }

    /// `http://127.0.0.1:port` (HTTP/1.1).
    pub fn http_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.plain_addr.port())
    }

    /// The CA that signed the server's certificate (PEM).
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }
}

type WireBody = http_body_util::combinators::BoxBody<Bytes, io::Error>;

async fn serve<I>(io: TokioIo<I>, h2: bool, stats: Arc<WireStats>)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let stats = stats.clone();
        async move { Ok::<_, io::Error>(route(req, &stats).await) }
    });
    if h2 {
        let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
            .serve_connection(io, service)
            .await;
    } else {
        let _ = hyper::server::conn::http1::Builder::new()
            .serve_connection(io, service)
            .await;
    }
}

fn full(b: impl Into<Bytes>) -> WireBody {
    Full::new(b.into()).map_err(|never| match never {}).boxed()
}

fn answer(status: u16, headers: &[(&str, &str)], body: WireBody) -> hyper::Response<WireBody> {
    let mut r = hyper::Response::builder().status(status);
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    r.body(body).unwrap_or_else(|_| {
        let mut r = hyper::Response::new(full(""));
        *r.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
        r
    })
}

async fn route(req: hyper::Request<Incoming>, stats: &WireStats) -> hyper::Response<WireBody> {
    if req.version() == hyper::Version::HTTP_2 {
        stats.http2.fetch_add(1, Ordering::Relaxed);
    } else {
        stats.http1.fetch_add(1, Ordering::Relaxed);
    }
    let query: Vec<(String, String)> = req
        .uri()
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let q = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    match req.uri().path() {
        "/echo" => {
            let method = req.method().to_string();
            let version = format!("{:?}", req.version());
            let headers: Vec<serde_json::Value> = req
                .headers()
                .iter()
                .map(|(k, v)| {
                    serde_json::json!([k.as_str(), String::from_utf8_lossy(v.as_bytes())])
                })
                .collect();
            let body = req
                .into_body()
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            let doc = serde_json::json!({
                "method": method,
                "version": version,
                "headers": headers,
                "body": String::from_utf8_lossy(&body),
            });
            answer(
                200,
                &[("content-type", "application/json")],
                full(doc.to_string()),
            )
        }
        "/gzip" | "/deflate" | "/br" => {
            let coding = &req.uri().path()[1..];
            let data = WIRE_DOCUMENT.as_bytes();
            let encoded: Vec<u8> = match coding {
                "gzip" => {
                    let mut e =
                        flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                    let _ = e.write_all(data);
                    e.finish().unwrap_or_default()
                }
                "deflate" => {
                    let mut e =
                        flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
                    let _ = e.write_all(data);
                    e.finish().unwrap_or_default()
                }
                _ => {
                    let mut out = Vec::new();
                    {
                        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
                        let _ = w.write_all(data);
                    }
                    out
                }
            };
            answer(
                200,
                &[
                    ("content-type", "application/json"),
                    ("content-encoding", coding),
                ],
                full(encoded),
            )
        }
        "/endless" => answer(
            200,
            &[("content-type", "application/octet-stream")],
            BodyExt::boxed(Endless {
                chunk: Bytes::from(vec![b'x'; 64 * 1024]),
                sent: stats.endless_sent.clone(),
            }),
        ),
        "/redirect" => {
            let to = q("to").unwrap_or_else(|| "/echo".into());
            let status: u16 = q("status").and_then(|s| s.parse().ok()).unwrap_or(307);
            answer(status, &[("location", to.as_str())], full(""))
        }
        "/bytes" => {
            let n: usize = q("n")
                .and_then(|s| s.parse().ok())
                .unwrap_or(0)
                .min(256 << 20);
            let body: Vec<u8> = (0..n).map(|i| b'a' + (i % 26) as u8).collect();
            answer(200, &[("content-type", "text/plain")], full(body))
        }
        p if p.ends_with("/oauth2/token") || p.ends_with("/oauth2/v2.0/token") => {
            // The tenant names the answer: `huge` (2 MB of JSON), `forever`
            // (`expires_in: 1e300`), anything else a plain token.
            let tenant = p.trim_start_matches('/').split('/').next().unwrap_or("");
            let body = match tenant {
                "huge" => format!(
                    r#"{{"token_type":"Bearer","expires_in":3599,"access_token":"{}"}}"#,
                    "a".repeat(2 << 20)
                ),
                "forever" => {
                    r#"{"token_type":"Bearer","expires_in":1e300,"access_token":"wire-token-forever"}"#
                        .to_owned()
                }
                _ => r#"{"token_type":"Bearer","expires_in":"3599","access_token":"wire-token"}"#
                    .to_owned(),
            };
            answer(200, &[("content-type", "application/json")], full(body))
        }
        _ => answer(404, &[], full("no such route")),
    }
}

/// A body that never ends.
struct Endless {
    chunk: Bytes,
    sent: Arc<AtomicU64>,
}

impl hyper::body::Body for Endless {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        self.sent
            .fetch_add(self.chunk.len() as u64, Ordering::Relaxed);
        std::task::Poll::Ready(Some(Ok(Frame::data(self.chunk.clone()))))
    }
}
