//! A local stand-in, on loopback, for Entra ID's token endpoints, an App
//! Proxy front and a demo on-premises API: for demos (`lapis sandbox`),
//! for trying samples offline, and for the network tests.
//!
//! [`Sandbox::start`] binds five listeners on 127.0.0.1:
//! - the token service ([`Sandbox::authority`]): `/{tenant}/oauth2/token`
//!   (v1), `/{tenant}/oauth2/v2.0/token` (v2), JWKS, OpenID configuration,
//!   `/_sandbox/stats`;
//! - the App Proxy front over HTTP ([`Sandbox::proxy_url`]) and HTTPS
//!   ([`Sandbox::proxy_tls_url`]): checks the Entra token, redirects to the
//!   sign-in page when there is none or it is not accepted, forwards to the
//!   demo API, and answers App Proxy's 502/504 pages;
//! - the demo API over HTTPS with a required client certificate
//!   ([`Sandbox::mtls_url`]);
//! - the demo API over plain HTTP ([`Sandbox::api_url`]).
//!
//! Keys and certificates (token-signing RSA key, a CA, a loopback server
//! certificate, the demo client certificate with an RSA key) are generated
//! once per process.

mod api;
mod config;
mod keys;
mod proxy;
mod sample;
mod token;
pub mod wire;

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

pub use api::{binary_bytes, large_byte, LARGE_MAX, SLOW_MAX_MS};
pub use config::*;
pub use sample::SandboxFiles;

use config::SecretConfig as ClientSecretConfig;
use keys::{Material, RegisteredCert};

/// Request counters. `GET {authority}/_sandbox/stats` returns them as JSON.
#[derive(Debug, Default)]
pub struct Stats {
    /// Requests to the token endpoints (v1 and v2), answered or not.
    pub token_requests: AtomicU64,
    /// Tokens issued.
    pub tokens_issued: AtomicU64,
    /// Token requests answered with an Entra error.
    pub token_errors: AtomicU64,
    /// Requests for the signing keys (JWKS).
    pub jwks_requests: AtomicU64,
    /// Requests to the App Proxy front (HTTP and HTTPS).
    pub proxy_requests: AtomicU64,
    /// Front requests redirected to sign-in (no token, or token rejected).
    pub proxy_rejected: AtomicU64,
    /// Front requests forwarded to the demo API that got its answer.
    pub proxy_forwarded: AtomicU64,
    /// Front requests answered with an error page (502, 504).
    pub proxy_faults: AtomicU64,
    /// Requests the demo API served on its plain listener (directly or
    /// forwarded by the front).
    pub api_requests: AtomicU64,
    /// Requests the demo API served on the mTLS listener.
    pub mtls_requests: AtomicU64,
}

/// The counters at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[allow(missing_docs)]
pub struct StatsSnapshot {
    pub token_requests: u64,
    pub tokens_issued: u64,
    pub token_errors: u64,
    pub jwks_requests: u64,
    pub proxy_requests: u64,
    pub proxy_rejected: u64,
    pub proxy_forwarded: u64,
    pub proxy_faults: u64,
    pub api_requests: u64,
    pub mtls_requests: u64,
}

impl Stats {
    /// Reads every counter.
    pub fn snapshot(&self) -> StatsSnapshot {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        StatsSnapshot {
            token_requests: g(&self.token_requests),
            tokens_issued: g(&self.tokens_issued),
            token_errors: g(&self.token_errors),
            jwks_requests: g(&self.jwks_requests),
            proxy_requests: g(&self.proxy_requests),
            proxy_rejected: g(&self.proxy_rejected),
            proxy_forwarded: g(&self.proxy_forwarded),
            proxy_faults: g(&self.proxy_faults),
            api_requests: g(&self.api_requests),
            mtls_requests: g(&self.mtls_requests),
        }
    }
}

pub(crate) fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The remote address of a request's connection (request extension).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Peer(pub SocketAddr);

/// The client certificate of an mTLS connection (request extension).
#[derive(Debug, Clone)]
pub(crate) struct ClientCert {
    pub subject: Option<String>,
}

pub(crate) struct Resource {
    pub name: String,
    pub app_id: String,
    pub identifiers: Vec<String>,
    pub disabled: bool,
}

pub(crate) struct Client {
    pub client_id: String,
    pub object_id: String,
    pub secrets: Vec<ClientSecretConfig>,
    pub certs: Vec<RegisteredCert>,
    pub grants: std::collections::BTreeMap<String, Vec<String>>,
}

pub(crate) struct Tenant {
    pub id: String,
    pub domain: String,
    pub resources: Vec<Resource>,
    pub clients: Vec<Client>,
}

impl Tenant {
    /// The resource a v1 `resource` or v2 scope names: an identifier
    /// (trailing slash or not) or the app id.
    pub fn resource(&self, requested: &str) -> Option<&Resource> {
        let norm = |x: &str| x.trim_end_matches('/').to_ascii_lowercase();
        let want = norm(requested);
        self.resources.iter().find(|r| {
            r.app_id.eq_ignore_ascii_case(requested)
                || r.identifiers.iter().any(|i| norm(i) == want)
        })
    }
}

/// What every handler sees.
pub(crate) struct Shared {
    pub config: Config,
    pub material: Arc<Material>,
    pub stats: Arc<Stats>,
    pub authority: String,
    pub proxy_url: String,
    pub proxy_tls_url: String,
    pub proxy_tenant_id: String,
    pub api_addr: SocketAddr,
    /// `127.0.0.1:port` of the plain API (the Host header the front sends).
    pub api_authority: String,
    pub tenants: Vec<Tenant>,
    /// `/api/flaky`: calls seen per key.
    pub flaky: std::sync::Mutex<std::collections::HashMap<String, u64>>,
}

impl Shared {
    pub fn tenant(&self, name: &str) -> Option<&Tenant> {
        self.tenants
            .iter()
            .find(|t| t.id.eq_ignore_ascii_case(name) || t.domain.eq_ignore_ascii_case(name))
    }
}

/// A running sandbox. Dropping it, or [`Sandbox::shutdown`], stops its
/// servers (listeners close; open connections are dropped).
pub struct Sandbox {
    /// Token service base, e.g. `http://127.0.0.1:41234`; the tenant path
    /// follows (`{authority}/{tenant}/oauth2/v2.0/token`).
    pub authority: String,
    /// The App Proxy front's external URL (HTTP), no trailing slash; also
    /// the audience of the App Proxy app.
    pub proxy_url: String,
    /// The same front over HTTPS (server certificate signed by the sandbox CA).
    pub proxy_tls_url: String,
    /// The demo API over HTTPS, requiring a client certificate chained to
    /// the sandbox CA.
    pub mtls_url: String,
    /// The demo API directly, plain HTTP, no proxy.
    pub api_url: String,
    /// The sandbox CA certificate (PEM), to trust for the HTTPS URLs.
    pub ca_pem: String,
    /// The demo client certificate (PEM), registered on the demo client.
    pub client_cert_pem: String,
    /// The demo client's PKCS#12 file (RSA key, certificate, CA).
    pub client_pfx: Vec<u8>,
    /// The PKCS#12 file's password.
    pub client_pfx_password: String,
    /// SHA-1 thumbprint of the demo client certificate (upper-case hex).
    pub client_cert_thumbprint: String,
    /// Tenant the App Proxy app is published in: id.
    pub tenant_id: String,
    /// …and primary domain.
    pub tenant_domain: String,
    /// The demo client (first client of that tenant): client id.
    pub client_id: String,
    /// The demo client's first valid secret (a sandbox demo credential).
    pub client_secret: String,
    /// The configuration in force (ports resolved in the URLs above).
    pub config: Config,
    /// Request counters.
    pub stats: Arc<Stats>,
    files: Mutex<Option<SandboxFiles>>,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("authority", &self.authority)
            .field("proxy_url", &self.proxy_url)
            .field("proxy_tls_url", &self.proxy_tls_url)
            .field("mtls_url", &self.mtls_url)
            .field("api_url", &self.api_url)
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

fn other(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

async fn bind(port: Option<u16>, offset: u16) -> io::Result<TcpListener> {
    let p = port.map(|p| p + offset).unwrap_or(0);
    TcpListener::bind(("127.0.0.1", p)).await.map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("sandbox: cannot listen on 127.0.0.1:{p}: {e}"),
        )
    })
}

fn tls_config(m: &Material, client_auth: bool) -> io::Result<Arc<rustls::ServerConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(other)?;
    let builder = if client_auth {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from(m.ca_der.clone()))
            .map_err(other)?;
        let verifier =
            rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(other)?;
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let chain = vec![
        CertificateDer::from(m.server_cert_der.clone()),
        CertificateDer::from(m.ca_der.clone()),
    ];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(m.server_key_pkcs8.clone()));
    let mut cfg = builder.with_single_cert(chain, key).map_err(other)?;
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(cfg))
}

/// Bounds on what one connection may hold (see [`Config::header_timeout_ms`]
/// and [`Config::max_connections`]).
#[derive(Clone, Copy)]
struct ConnLimits {
    header_timeout: std::time::Duration,
    max_connections: usize,
}

impl ConnLimits {
    fn of(config: &Config) -> ConnLimits {
        ConnLimits {
            header_timeout: std::time::Duration::from_millis(config.header_timeout_ms.max(1)),
            max_connections: config.max_connections.max(1),
        }
    }
}

/// Accepts connections until aborted; aborting drops every open connection.
/// At most `limits.max_connections` are served at once: a connection over
/// the limit is closed as soon as it is accepted (so the listen queue keeps
/// moving and a flood of idle connections cannot stall it).
async fn accept_loop(
    listener: TcpListener,
    router: Router,
    tls: Option<tokio_rustls::TlsAcceptor>,
    limits: ConnLimits,
) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            r = listener.accept() => match r {
                Ok((stream, _)) if conns.len() >= limits.max_connections => drop(stream),
                Ok((stream, peer)) => {
                    conns.spawn(serve_conn(stream, peer, router.clone(), tls.clone(), limits));
                }
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
}

async fn serve_conn(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    router: Router,
    tls: Option<tokio_rustls::TlsAcceptor>,
    limits: ConnLimits,
) {
    let _ = stream.set_nodelay(true);
    match tls {
        None => serve_io(TokioIo::new(stream), peer, None, router, limits).await,
        Some(acceptor) => {
            let handshake =
                tokio::time::timeout(limits.header_timeout, acceptor.accept(stream)).await;
            let Ok(Ok(tls)) = handshake else { return };
            let cert = tls
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|c| c.first())
                .and_then(|c| p12_keystore::Certificate::from_der(c).ok())
                .map(|c| c.subject().to_string());
            serve_io(
                TokioIo::new(tls),
                peer,
                Some(ClientCert { subject: cert }),
                router,
                limits,
            )
            .await
        }
    }
}

async fn serve_io<I>(
    io: TokioIo<I>,
    peer: SocketAddr,
    cert: Option<ClientCert>,
    router: Router,
    limits: ConnLimits,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    use hyper::service::Service as _;
    let svc = TowerToHyperService::new(router);
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(Peer(peer));
        if let Some(c) = &cert {
            req.extensions_mut().insert(c.clone());
        }
        svc.call(req)
    });
    // hyper enforces the header-read timeout only when it has a timer.
    let _ = hyper::server::conn::http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .serve_connection(io, service)
        .await;
}

fn resolve_tenants(
    config: &Config,
    m: &Material,
    proxy_url: &str,
    proxy_tls_url: &str,
) -> Result<Vec<Tenant>, String> {
    let mut out = Vec::new();
    for (i, t) in config.tenants.iter().enumerate() {
        let resources = t
            .resources
            .iter()
            .map(|r| Resource {
                name: r.name.clone(),
                app_id: r.app_id.clone(),
                identifiers: r
                    .identifiers
                    .iter()
                    .map(|x| {
                        x.replace(config::PROXY_TLS_URL, proxy_tls_url)
                            .replace(config::PROXY_URL, proxy_url)
                    })
                    .collect(),
                disabled: r.disabled,
            })
            .collect();
        let mut clients = Vec::new();
        for (j, c) in t.clients.iter().enumerate() {
            let mut certs = Vec::new();
            if c.demo_certificate {
                certs.push(m.client_cert.clone());
            }
            for (k, pem) in c.certificates.iter().enumerate() {
                use rustls_pki_types::pem::PemObject as _;
                let der = CertificateDer::from_pem_slice(pem.as_bytes()).map_err(|e| {
                    format!(
                        "tenants[{i}].clients[{j}].certificates[{k}]: not a PEM certificate: {e}"
                    )
                })?;
                certs
                    .push(RegisteredCert::from_der(&der).map_err(|e| {
                        format!("tenants[{i}].clients[{j}].certificates[{k}]: {e}")
                    })?);
            }
            clients.push(Client {
                client_id: c.client_id.clone(),
                object_id: keys::guid(),
                secrets: c.secrets.clone(),
                certs,
                grants: c.grants.clone(),
            });
        }
        out.push(Tenant {
            id: t.id.clone(),
            domain: t.domain.clone(),
            resources,
            clients,
        });
    }
    Ok(out)
}

impl Sandbox {
    /// Starts the sandbox's five servers on 127.0.0.1 (random ports unless
    /// `config.port` fixes them: token service P, front P+1, front over
    /// HTTPS P+2, mTLS API P+3, plain API P+4).
    pub async fn start(config: Config) -> io::Result<Sandbox> {
        config.check().map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("sandbox configuration: {e}"),
            )
        })?;
        let pfx_password = config.pfx_password.clone();
        let (material, pfx) = tokio::task::spawn_blocking(move || {
            let m = keys::material()?;
            let pfx = m.client_pfx(&pfx_password)?;
            Ok::<_, String>((m, pfx))
        })
        .await
        .map_err(other)?
        .map_err(other)?;

        let port = config.port;
        let token_l = bind(port, 0).await?;
        let proxy_l = bind(port, 1).await?;
        let proxy_tls_l = bind(port, 2).await?;
        let mtls_l = bind(port, 3).await?;
        let api_l = bind(port, 4).await?;
        let url = |l: &TcpListener, scheme: &str| -> io::Result<String> {
            Ok(format!("{scheme}://{}", l.local_addr()?))
        };
        let authority = url(&token_l, "http")?;
        let proxy_url = url(&proxy_l, "http")?;
        let proxy_tls_url = url(&proxy_tls_l, "https")?;
        let mtls_url = url(&mtls_l, "https")?;
        let api_url = url(&api_l, "http")?;
        let api_addr = api_l.local_addr()?;

        let tenants =
            resolve_tenants(&config, &material, &proxy_url, &proxy_tls_url).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("sandbox configuration: {e}"),
                )
            })?;
        let pt = config.proxy_tenant();
        let (tenant_id, tenant_domain) = (pt.id.clone(), pt.domain.clone());
        let demo_client = pt.clients.first();
        let client_id = demo_client.map(|c| c.client_id.clone()).unwrap_or_default();
        let client_secret = demo_client
            .and_then(|c| c.secrets.iter().find(|s| !s.expired))
            .map(|s| s.value.clone())
            .unwrap_or_default();

        let stats = Arc::new(Stats::default());
        let shared = Arc::new(Shared {
            config: config.clone(),
            material: material.clone(),
            stats: stats.clone(),
            authority: authority.clone(),
            proxy_url: proxy_url.clone(),
            proxy_tls_url: proxy_tls_url.clone(),
            proxy_tenant_id: tenant_id.clone(),
            api_addr,
            api_authority: api_addr.to_string(),
            tenants,
            flaky: Default::default(),
        });

        let tls_plain = tokio_rustls::TlsAcceptor::from(tls_config(&material, false)?);
        let tls_mtls = tokio_rustls::TlsAcceptor::from(tls_config(&material, true)?);
        let front = |external: &str, https: bool| {
            proxy::router(Arc::new(proxy::Front {
                shared: shared.clone(),
                external: external.to_string(),
                https,
            }))
        };
        let api_router = |mtls: bool| {
            api::router(Arc::new(api::ApiState {
                shared: shared.clone(),
                mtls,
            }))
        };
        let lim = ConnLimits::of(&config);
        let tasks = vec![
            tokio::spawn(accept_loop(
                token_l,
                token::router(shared.clone()),
                None,
                lim,
            )),
            tokio::spawn(accept_loop(proxy_l, front(&proxy_url, false), None, lim)),
            tokio::spawn(accept_loop(
                proxy_tls_l,
                front(&proxy_tls_url, true),
                Some(tls_plain),
                lim,
            )),
            tokio::spawn(accept_loop(mtls_l, api_router(true), Some(tls_mtls), lim)),
            tokio::spawn(accept_loop(api_l, api_router(false), None, lim)),
        ];

        Ok(Sandbox {
            authority,
            proxy_url,
            proxy_tls_url,
            mtls_url,
            api_url,
            ca_pem: material.ca_pem.clone(),
            client_cert_pem: material.client_cert_pem.clone(),
            client_pfx: pfx.as_ref().clone(),
            client_pfx_password: config.pfx_password.clone(),
            client_cert_thumbprint: material.client_cert.thumbprint_hex.clone(),
            tenant_id,
            tenant_domain,
            client_id,
            client_secret,
            config,
            stats,
            files: Mutex::new(None),
            tasks,
        })
    }

    /// Stops the servers (the same as dropping the sandbox).
    pub fn shutdown(self) {
        drop(self);
    }

    /// The v1 token endpoint of the App Proxy tenant.
    pub fn token_url_v1(&self) -> String {
        format!("{}/{}/oauth2/token", self.authority, self.tenant_id)
    }

    /// The v2 token endpoint of the App Proxy tenant.
    pub fn token_url_v2(&self) -> String {
        format!("{}/{}/oauth2/v2.0/token", self.authority, self.tenant_id)
    }

    /// The files [`Sandbox::write_files`] wrote last, if any.
    pub fn files(&self) -> Option<SandboxFiles> {
        self.files.lock().ok().and_then(|f| f.clone())
    }
}

/// `lapis sandbox`: starts the sandbox, writes its files to `out_dir` (or
/// a temporary folder removed at exit), prints [`Sandbox::settings_text`]
/// to standard output and serves until Ctrl+C. `port` overrides
/// `config.port`.
pub async fn serve_cli(
    config: Config,
    port: Option<u16>,
    out_dir: Option<PathBuf>,
) -> io::Result<()> {
    let mut config = config;
    if port.is_some() {
        config.port = port;
    }
    let sandbox = Sandbox::start(config).await?;
    let (_temp, dir) = match out_dir {
        Some(d) => {
            std::fs::create_dir_all(&d)?;
            (None, d)
        }
        None => {
            let t = tempfile::Builder::new()
                .prefix("lapis-sandbox-")
                .tempdir()?;
            let p = t.path().to_path_buf();
            (Some(t), p)
        }
    };
    sandbox.write_files(&dir)?;
    println!("{}", sandbox.settings_text());
    tokio::signal::ctrl_c().await?;
    println!("Lapis sandbox: stopped.");
    sandbox.shutdown();
    Ok(())
}
