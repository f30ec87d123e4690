//! The network layer of test calls, against real servers on loopback
//! sockets: timed exchanges over http and https (with an rcgen CA), TLS and
//! connection failures, timeouts, body spill, mutual TLS, a CONNECT proxy;
//! client-credentials tokens (v1 and v2 shapes, Entra errors, the cache,
//! certificate assertions) and PKCS#12 files.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::Digest;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use lapis::invoke::pfx;
use lapis::invoke::token::{self, TokenCache};
use lapis::invoke::transport::{self, HttpRequest, NetConfig, ProxySetting};
use lapis::invoke::{Credential, Failure, OAuth, SecretBytes, TokenEndpoint};
use lapis::secrets::Secret;

// ------------------------------------------------------------ certificates

struct Pki {
    ca_pem: String,
    ca_der: CertificateDer<'static>,
    ca_params: rcgen::CertificateParams,
    ca_key: rcgen::KeyPair,
}

impl Pki {
    fn new(name: &str) -> Pki {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
        ];
        let ca = params.self_signed(&ca_key).unwrap();
        Pki {
            ca_pem: ca.pem(),
            ca_der: ca.der().clone(),
            ca_params: params,
            ca_key,
        }
    }

    /// A server certificate for `names` (DNS names or IP addresses) and its key.
    fn server_cert(&self, names: &[&str]) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
        let key = rcgen::KeyPair::generate().unwrap();
        let params =
            rcgen::CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .unwrap();
        let issuer = rcgen::Issuer::from_params(&self.ca_params, &self.ca_key);
        let cert = params.signed_by(&key, &issuer).unwrap();
        (
            cert.der().clone(),
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
    }
}

/// An RSA client identity: key, CA-signed certificate, and a PKCS#12 file.
struct ClientId {
    rsa: rsa::RsaPrivateKey,
    cert_der: Vec<u8>,
    pfx: Vec<u8>,
    pki: Pki,
}

const PFX_PASSWORD: &str = "pfx-pass-Ünïcode";

fn client_identity() -> &'static ClientId {
    static ID: OnceLock<ClientId> = OnceLock::new();
    ID.get_or_init(|| {
        use rsa::pkcs8::EncodePrivateKey;
        let pki = Pki::new("Lapis test client CA");
        let rsa = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
        let pkcs8 = rsa.to_pkcs8_der().unwrap().as_bytes().to_vec();
        let key = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(
            &PrivatePkcs8KeyDer::from(pkcs8.clone()),
            &rcgen::PKCS_RSA_SHA256,
        )
        .unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "lapis-test-app");
        let issuer = rcgen::Issuer::from_params(&pki.ca_params, &pki.ca_key);
        let cert = params.signed_by(&key, &issuer).unwrap();
        let cert_der = cert.der().to_vec();
        let pfx = make_pfx(
            &pkcs8,
            &[cert_der.clone(), pki.ca_der.to_vec()],
            PFX_PASSWORD,
        );
        ClientId {
            rsa,
            cert_der,
            pfx,
            pki,
        }
    })
}

fn make_pfx(pkcs8: &[u8], chain: &[Vec<u8>], password: &str) -> Vec<u8> {
    let key = p12_keystore::PrivateKey::from_der(pkcs8).unwrap();
    let certs: Vec<p12_keystore::Certificate> = chain
        .iter()
        .map(|c| p12_keystore::Certificate::from_der(c).unwrap())
        .collect();
    let chain = p12_keystore::PrivateKeyChain::new(b"lapis-key-1".as_slice(), key, certs);
    let mut ks = p12_keystore::KeyStore::new();
    ks.add_entry("lapis", p12_keystore::KeyStoreEntry::PrivateKeyChain(chain));
    ks.writer(password)
        .encryption_iterations(64)
        .mac_iterations(64)
        .write()
        .unwrap()
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn server_tls(
    cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
    client_ca: Option<&CertificateDer<'static>>,
) -> Arc<rustls::ServerConfig> {
    let b = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap();
    let b = match client_ca {
        None => b.with_no_client_auth(),
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            roots.add(ca.clone()).unwrap();
            let v = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider(),
            )
            .build()
            .unwrap();
            b.with_client_cert_verifier(v)
        }
    };
    Arc::new(b.with_single_cert(vec![cert], key).unwrap())
}

// ------------------------------------------------------------ servers

/// A request as a test server saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    uri: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn form(&self) -> HashMap<String, String> {
        url::form_urlencoded::parse(&self.body)
            .into_owned()
            .collect()
    }
}

type Handler = Arc<dyn Fn(&Seen) -> http::Response<Full<Bytes>> + Send + Sync>;

struct Server {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
    fn last(&self) -> Seen {
        self.seen.lock().unwrap().last().cloned().unwrap()
    }
    fn port(&self) -> u16 {
        self.addr.port()
    }
}

async fn serve(tls: Option<Arc<rustls::ServerConfig>>, handler: Handler) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let seen2 = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let handler = handler.clone();
            let seen = seen2.clone();
            let tls = tls.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req: http::Request<Incoming>| {
                    let handler = handler.clone();
                    let seen = seen.clone();
                    async move {
                        let (parts, body) = req.into_parts();
                        let body = body.collect().await.map(|b| b.to_bytes().to_vec());
                        let s = Seen {
                            method: parts.method.to_string(),
                            uri: parts.uri.to_string(),
                            headers: parts
                                .headers
                                .iter()
                                .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("?").to_owned()))
                                .collect(),
                            body: body.unwrap_or_default(),
                        };
                        seen.lock().unwrap().push(s.clone());
                        Ok::<_, Infallible>(handler(&s))
                    }
                });
                match tls {
                    None => {
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(tcp), service)
                            .await;
                    }
                    Some(cfg) => {
                        let Ok(stream) = tokio_rustls::TlsAcceptor::from(cfg).accept(tcp).await
                        else {
                            return;
                        };
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    }
                }
            });
        }
    });
    Server { addr, seen }
}

fn text(status: u16, ctype: &str, body: impl Into<Bytes>) -> http::Response<Full<Bytes>> {
    http::Response::builder()
        .status(status)
        .header("content-type", ctype)
        .body(Full::new(body.into()))
        .unwrap()
}

fn hello() -> Handler {
    Arc::new(|_s| {
        http::Response::builder()
            .status(200)
            .header("content-type", "text/plain")
            .header("set-cookie", "a=1")
            .header("x-trace", "t1")
            .header("set-cookie", "b=2")
            .body(Full::new(Bytes::from_static(b"hello")))
            .unwrap()
    })
}

fn no_proxy() -> NetConfig {
    NetConfig {
        proxy: Some(ProxySetting::none()),
        ..NetConfig::default()
    }
}

fn get(url: &str) -> HttpRequest {
    HttpRequest {
        method: "GET".into(),
        url: url::Url::parse(url).unwrap(),
        headers: vec![],
        body: vec![],
    }
}

fn assert_ordered(t: &lapis::invoke::Timings) {
    let sum = t.dns.unwrap_or(0.0)
        + t.connect.unwrap_or(0.0)
        + t.tls.unwrap_or(0.0)
        + t.first_byte.unwrap_or(0.0);
    assert!(
        t.total >= sum,
        "total {} < sum of phases {sum}: {t:?}",
        t.total
    );
    for v in [t.dns, t.connect, t.tls, t.first_byte]
        .into_iter()
        .flatten()
    {
        assert!(v >= 0.0);
    }
    assert_eq!(t.token, None);
}

// ------------------------------------------------------------ transport

#[tokio::test]
async fn http_exchange_is_timed_and_sent_as_given() {
    let server = serve(None, hello()).await;
    let mut req = get(&format!(
        "http://127.0.0.1:{}/api/items%20x?q=a%2Fb&x=1",
        server.port()
    ));
    req.method = "POST".into();
    req.headers = vec![
        ("X-First".into(), "1".into()),
        ("PRIVATE-TOKEN".into(), "abc".into()),
        ("Content-Type".into(), "application/json".into()),
    ];
    req.body = br#"{"a":1}"#.to_vec();
    let ex = transport::send(&req, &no_proxy()).await.unwrap();
    let r = &ex.response;
    assert_eq!(r.status, 200);
    assert_eq!(r.reason, "OK");
    assert_eq!(r.version, "HTTP/1.1");
    assert_eq!(r.body, b"hello");
    assert_eq!(r.body_len, 5);
    assert_eq!(r.spilled_to, None);
    let cookies: Vec<&str> = r
        .headers
        .iter()
        .filter(|(k, _)| k == "set-cookie")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(cookies, ["a=1", "b=2"]);
    assert_eq!(r.header("X-Trace"), Some("t1"));

    let t = &ex.timings;
    assert_eq!(t.dns, None, "a literal IP needs no DNS");
    assert!(t.connect.is_some() && t.first_byte.is_some());
    assert_eq!(t.tls, None);
    assert_ordered(t);

    let s = server.last();
    assert_eq!(s.method, "POST");
    assert_eq!(s.uri, "/api/items%20x?q=a%2Fb&x=1");
    assert_eq!(
        s.header("host"),
        Some(format!("127.0.0.1:{}", server.port()).as_str())
    );
    assert_eq!(s.header("private-token"), Some("abc"));
    assert_eq!(s.header("content-length"), Some("7"));
    assert!(s.header("user-agent").unwrap().starts_with("lapis/"));
    // reqwest asks for what it decodes.
    assert!(s.header("accept-encoding").unwrap().contains("gzip"));
    assert_eq!(s.body, br#"{"a":1}"#);
    // User headers keep their order (hyper writes Host where it likes).
    let names: Vec<&str> = s.headers.iter().map(|(k, _)| k.as_str()).collect();
    let pos = |n: &str| names.iter().position(|x| *x == n).unwrap();
    assert!(pos("x-first") < pos("private-token"));
    assert!(pos("private-token") < pos("content-type"));
}

#[tokio::test]
async fn empty_post_sends_content_length_zero_and_user_agent_can_be_set() {
    let server = serve(None, hello()).await;
    let mut req = get(&format!("http://127.0.0.1:{}/", server.port()));
    req.method = "PUT".into();
    req.headers = vec![("User-Agent".into(), "LogicApps/1.0".into())];
    transport::send(&req, &no_proxy()).await.unwrap();
    let s = server.last();
    assert_eq!(s.header("content-length"), Some("0"));
    assert_eq!(s.header("user-agent"), Some("LogicApps/1.0"));
    // GET without a body: no Content-Length.
    transport::send(
        &get(&format!("http://127.0.0.1:{}/", server.port())),
        &no_proxy(),
    )
    .await
    .unwrap();
    assert_eq!(server.last().header("content-length"), None);
}

#[tokio::test]
async fn localhost_is_resolved_and_timed() {
    let server = serve(None, hello()).await;
    let ex = transport::send(
        &get(&format!("http://localhost:{}/x", server.port())),
        &no_proxy(),
    )
    .await
    .unwrap();
    assert_eq!(ex.response.status, 200);
    assert!(ex.timings.dns.is_some(), "{:?}", ex.timings);
    assert_ordered(&ex.timings);
    assert_eq!(
        server.last().header("host"),
        Some(format!("localhost:{}", server.port()).as_str())
    );
}

#[tokio::test]
async fn raw_reason_phrase_and_repeated_headers() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf).await;
        let _ = s
            .write_all(
                b"HTTP/1.1 299 Fine Thanks\r\nX-A: 1\r\nX-B: 2\r\nX-A: 3\r\nContent-Length: 2\r\n\r\nhi",
            )
            .await;
    });
    let ex = transport::send(&get(&format!("http://127.0.0.1:{port}/")), &no_proxy())
        .await
        .unwrap();
    assert_eq!(ex.response.status, 299);
    assert_eq!(ex.response.reason, "Fine Thanks");
    let xa: Vec<&str> = ex
        .response
        .headers
        .iter()
        .filter(|(k, _)| k == "x-a")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(xa, ["1", "3"]);
    assert_eq!(ex.response.body, b"hi");
}

/// A server that reads the request head and answers `reply` raw.
async fn raw_server(reply: &'static [u8]) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf).await;
            let _ = s.write_all(reply).await;
        }
    });
    port
}

#[tokio::test]
async fn broken_answers_are_protocol_failures() {
    let port = raw_server(b"").await;
    let (f, t) = transport::send(&get(&format!("http://127.0.0.1:{port}/")), &no_proxy())
        .await
        .unwrap_err();
    match &f {
        Failure::Protocol(m) => assert!(m.contains("closed the connection"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(t.first_byte.is_some());

    let port = raw_server(b"SSH-2.0-OpenSSH_9.6\r\n\r\n").await;
    let (f, _) = transport::send(&get(&format!("http://127.0.0.1:{port}/")), &no_proxy())
        .await
        .unwrap_err();
    match &f {
        Failure::Protocol(m) => assert!(m.contains("not valid HTTP"), "{m}"),
        other => panic!("{other:?}"),
    }

    // A body cut short.
    let port = raw_server(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort").await;
    let (f, _) = transport::send(&get(&format!("http://127.0.0.1:{port}/")), &no_proxy())
        .await
        .unwrap_err();
    match &f {
        Failure::Protocol(m) => assert!(m.contains("body"), "{m}"),
        other => panic!("{other:?}"),
    }

    // Not http(s).
    let (f, t) = transport::send(&get("ftp://127.0.0.1/"), &no_proxy())
        .await
        .unwrap_err();
    assert!(matches!(f, Failure::Input(_)), "{f:?}");
    assert_eq!(t.connect, None);
}

#[tokio::test]
async fn https_with_an_extra_ca() {
    let pki = Pki::new("Lapis test CA");
    let (cert, key) = pki.server_cert(&["localhost", "127.0.0.1"]);
    let server = serve(Some(server_tls(cert, key, None)), hello()).await;
    let net = NetConfig {
        extra_ca_pem: vec![pki.ca_pem.clone().into_bytes()],
        ..no_proxy()
    };
    for host in ["localhost", "127.0.0.1"] {
        let ex = transport::send(&get(&format!("https://{host}:{}/s", server.port())), &net)
            .await
            .unwrap();
        assert_eq!(ex.response.status, 200, "{host}");
        assert_eq!(ex.response.body, b"hello");
        assert!(ex.timings.connect.is_some(), "{host}: {:?}", ex.timings);
        assert_eq!(ex.timings.dns.is_some(), host == "localhost");
        assert_ordered(&ex.timings);
    }
}

#[tokio::test]
async fn untrusted_and_misnamed_certificates_fail_in_words() {
    let pki = Pki::new("Lapis untrusted CA");
    let (cert, key) = pki.server_cert(&["localhost"]);
    let server = serve(Some(server_tls(cert, key, None)), hello()).await;
    let url = format!("https://localhost:{}/", server.port());
    let (f, t) = transport::send(&get(&url), &no_proxy()).await.unwrap_err();
    match &f {
        Failure::Tls(m) => assert!(m.contains("not trusted (unknown issuer)"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(t.connect.is_some(), "{t:?}");
    assert_eq!(t.first_byte, None);

    // Trusted CA, wrong name.
    let net = NetConfig {
        extra_ca_pem: vec![pki.ca_pem.clone().into_bytes()],
        ..no_proxy()
    };
    let (f, _) = transport::send(&get(&format!("https://127.0.0.1:{}/", server.port())), &net)
        .await
        .unwrap_err();
    match &f {
        Failure::Tls(m) => assert!(m.contains("not valid for the name 127.0.0.1"), "{m}"),
        other => panic!("{other:?}"),
    }

    // Plain HTTP on a TLS client.
    let plain = serve(None, hello()).await;
    let (f, _) = transport::send(&get(&format!("https://127.0.0.1:{}/", plain.port())), &net)
        .await
        .unwrap_err();
    match &f {
        Failure::Tls(m) => assert!(m.contains("plain HTTP"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn connection_refused() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let (f, t) = transport::send(&get(&format!("http://127.0.0.1:{port}/")), &no_proxy())
        .await
        .unwrap_err();
    match &f {
        Failure::Connect(m) => {
            assert!(m.contains(&format!("127.0.0.1:{port}")), "{m}");
            assert!(m.contains("connection refused"), "{m}");
        }
        other => panic!("{other:?}"),
    }
    assert!(t.connect.is_some());
    assert_eq!(t.first_byte, None);
}

#[tokio::test]
async fn unknown_host_is_a_dns_failure() {
    let (f, t) = transport::send(&get("http://no-such-host.invalid/"), &no_proxy())
        .await
        .unwrap_err();
    match &f {
        Failure::Dns(m) => assert!(m.contains("no-such-host.invalid"), "{m}"),
        // Some sandboxes have no resolver at all; still a DNS failure.
        other => panic!("{other:?}"),
    }
    assert!(t.dns.is_some());
}

#[tokio::test]
async fn silent_server_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let net = NetConfig {
        timeout: Some(Duration::from_millis(300)),
        ..no_proxy()
    };
    let (f, t) = transport::send(&get(&format!("http://127.0.0.1:{port}/")), &net)
        .await
        .unwrap_err();
    assert_eq!(f, Failure::Timeout("no answer within 300 ms".into()));
    assert!(t.connect.is_some(), "{t:?}");
    assert!(t.total >= 300.0, "{t:?}");
}

#[tokio::test]
async fn large_bodies_spill_to_a_file() {
    let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let big2 = big.clone();
    let server = serve(
        None,
        Arc::new(move |_s| text(200, "application/octet-stream", big2.clone())),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let net = NetConfig {
        body_limit: Some(10_000),
        spill_dir: Some(dir.path().to_path_buf()),
        ..no_proxy()
    };
    let ex = transport::send(
        &get(&format!("http://127.0.0.1:{}/big", server.port())),
        &net,
    )
    .await
    .unwrap();
    let r = ex.response;
    assert_eq!(r.body_len, 200_000);
    assert_eq!(r.body, &big[..10_000]);
    let path = r.spilled_to.clone().expect("spilled");
    // In a private folder of its own inside the spill folder.
    let folder = path.parent().unwrap();
    assert_eq!(folder.parent(), Some(dir.path()));
    let name = folder.file_name().unwrap().to_string_lossy().to_string();
    assert!(name.starts_with("lapis-body-"), "{name}");
    assert_eq!(std::fs::read(&path).unwrap(), big);
    drop(r);
    assert!(!folder.exists(), "removed with the answer");

    // Exactly at the limit: no file.
    let net = NetConfig {
        body_limit: Some(200_000),
        spill_dir: Some(dir.path().to_path_buf()),
        ..no_proxy()
    };
    let ex = transport::send(
        &get(&format!("http://127.0.0.1:{}/big", server.port())),
        &net,
    )
    .await
    .unwrap();
    assert_eq!(ex.response.spilled_to, None);
    assert_eq!(ex.response.body, big);
}

#[tokio::test]
async fn mutual_tls() {
    let id = client_identity();
    let pki = Pki::new("Lapis mTLS server CA");
    let (cert, key) = pki.server_cert(&["localhost"]);
    let server = serve(Some(server_tls(cert, key, Some(&id.pki.ca_der))), hello()).await;
    let url = format!("https://localhost:{}/secure", server.port());
    let base = NetConfig {
        extra_ca_pem: vec![pki.ca_pem.clone().into_bytes()],
        ..no_proxy()
    };

    let with_cert = NetConfig {
        client_cert: Some((SecretBytes(id.pfx.clone()), Some(Secret::new(PFX_PASSWORD)))),
        ..base.clone()
    };
    let ex = transport::send(&get(&url), &with_cert).await.unwrap();
    assert_eq!(ex.response.status, 200);

    let (f, _) = transport::send(&get(&url), &base).await.unwrap_err();
    match &f {
        Failure::Tls(m) => assert!(m.contains("client certificate"), "{m}"),
        other => panic!("{other:?}"),
    }

    // A certificate the server does not trust.
    let stranger = Pki::new("Stranger CA");
    let key = rcgen::KeyPair::generate().unwrap();
    let params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    let issuer = rcgen::Issuer::from_params(&stranger.ca_params, &stranger.ca_key);
    let cert = params.signed_by(&key, &issuer).unwrap();
    let pfx = make_pfx(&key.serialize_der(), &[cert.der().to_vec()], "");
    let wrong = NetConfig {
        client_cert: Some((SecretBytes(pfx), None)),
        ..base.clone()
    };
    let (f, _) = transport::send(&get(&url), &wrong).await.unwrap_err();
    match &f {
        Failure::Tls(m) => assert!(m.contains("refused the client certificate"), "{m}"),
        other => panic!("{other:?}"),
    }

    // A wrong password is an input error, before any connection.
    let bad = NetConfig {
        client_cert: Some((SecretBytes(id.pfx.clone()), Some(Secret::new("nope")))),
        ..base
    };
    let (f, t) = transport::send(&get(&url), &bad).await.unwrap_err();
    match &f {
        Failure::Input(m) => {
            assert!(m.contains("password is wrong"), "{m}");
            assert!(!m.contains("nope"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(t.connect, None);
}

/// A tiny proxy: CONNECT opens a tunnel to `target`, whatever host was
/// asked; any other request is answered directly. It records each request
/// head.
async fn tiny_proxy(target: SocketAddr, answer_407: bool) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let heads: Arc<Mutex<Vec<String>>> = Arc::default();
    let heads2 = heads.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let heads = heads2.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    let Ok(n) = s.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                let head = String::from_utf8_lossy(&buf).to_string();
                heads.lock().unwrap().push(head.clone());
                if answer_407 {
                    let _ = s
                        .write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
                        .await;
                    return;
                }
                if head.starts_with("CONNECT ") {
                    let Ok(mut up) = tokio::net::TcpStream::connect(target).await else {
                        return;
                    };
                    let _ = s
                        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                        .await;
                    let _ = tokio::io::copy_bidirectional(&mut s, &mut up).await;
                } else {
                    let _ = s
                        .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\nConnection: close\r\n\r\nvia proxy")
                        .await;
                }
            });
        }
    });
    (addr, heads)
}

#[tokio::test]
async fn https_through_a_connect_proxy() {
    let pki = Pki::new("Lapis proxy-test CA");
    let (cert, key) = pki.server_cert(&["api.contoso.test"]);
    let server = serve(Some(server_tls(cert, key, None)), hello()).await;
    let (proxy_addr, heads) = tiny_proxy(server.addr, false).await;
    let proxy_url = url::Url::parse(&format!("http://us%40er:p%3Ass@{proxy_addr}")).unwrap();
    let net = NetConfig {
        extra_ca_pem: vec![pki.ca_pem.clone().into_bytes()],
        proxy: Some(ProxySetting::all(proxy_url.clone())),
        ..NetConfig::default()
    };
    // The host does not resolve: only the proxy needs to know it.
    let url = format!("https://api.contoso.test:{}/through?x=1", server.port());
    let ex = transport::send(&get(&url), &net).await.unwrap();
    assert_eq!(ex.response.status, 200);
    assert_eq!(ex.response.body, b"hello");
    assert_eq!(ex.timings.dns, None, "the proxy is a literal IP");
    assert!(
        ex.timings.connect.is_some(),
        "connect, tunnel and TLS are timed together"
    );
    let head = heads.lock().unwrap()[0].clone();
    assert!(
        head.starts_with(&format!(
            "CONNECT api.contoso.test:{} HTTP/1.1\r\n",
            server.port()
        )),
        "{head}"
    );
    let basic = base64::engine::general_purpose::STANDARD.encode("us@er:p:ss");
    assert!(
        head.contains(&format!("Proxy-Authorization: Basic {basic}")),
        "{head}"
    );
    let seen = server.last();
    assert_eq!(seen.uri, "/through?x=1");
    assert_eq!(
        seen.header("host"),
        Some(format!("api.contoso.test:{}", server.port()).as_str())
    );
    assert_eq!(
        seen.header("proxy-authorization"),
        None,
        "not sent inside the tunnel"
    );

    // Plain http through the proxy: the absolute form.
    let ex = transport::send(&get("http://api.contoso.test/plain?y=2"), &net)
        .await
        .unwrap();
    assert_eq!(ex.response.body, b"via proxy");
    let head = heads.lock().unwrap()[1].clone();
    assert!(
        head.starts_with("GET http://api.contoso.test/plain?y=2 HTTP/1.1\r\n"),
        "{head}"
    );

    // NO_PROXY's list bypasses it.
    let direct = serve(None, hello()).await;
    let net = NetConfig {
        proxy: Some(ProxySetting::All {
            url: proxy_url,
            no_proxy: Some("localhost,127.0.0.1".into()),
        }),
        ..NetConfig::default()
    };
    let before = heads.lock().unwrap().len();
    transport::send(&get(&format!("http://127.0.0.1:{}/", direct.port())), &net)
        .await
        .unwrap();
    assert_eq!(heads.lock().unwrap().len(), before, "went direct");
}

#[tokio::test]
async fn proxy_wanting_credentials() {
    let (proxy_addr, _) = tiny_proxy("127.0.0.1:9".parse().unwrap(), true).await;
    let net = NetConfig {
        proxy: Some(ProxySetting::all(
            url::Url::parse(&format!("http://{proxy_addr}")).unwrap(),
        )),
        ..NetConfig::default()
    };
    let (f, _) = transport::send(&get("https://api.contoso.test/"), &net)
        .await
        .unwrap_err();
    match &f {
        Failure::Connect(m) => assert!(m.contains("wants credentials (407"), "{m}"),
        other => panic!("{other:?}"),
    }
}

// ------------------------------------------------------------ tokens

const SECRET: &str = "s3cr3t~value.that-never-prints";

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn entra_error() -> String {
    serde_json::json!({
        "error": "invalid_client",
        "error_description": "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app 'cid'.\r\nTrace ID: 0a1b\r\nCorrelation ID: 2c3d\r\nTimestamp: 2026-11-23 19:00:00Z",
        "error_codes": [7000215],
        "timestamp": "2026-11-23 19:00:00Z",
        "trace_id": "0a1b",
        "correlation_id": "2c3d",
        "error_uri": "https://login.microsoftonline.com/error?code=7000215"
    })
    .to_string()
}

/// A token endpoint. The client id decides the answer:
/// `soon` — a v1 token with 4 of its 60 minutes left;
/// `short` — a 120 s token; `html` — a 502 HTML page;
/// otherwise a normal token, or Entra's 401 when the secret is not
/// [`SECRET`] (certificate requests are always accepted: the test checks
/// the assertion itself).
fn token_handler() -> Handler {
    let counter = Arc::new(AtomicUsize::new(0));
    Arc::new(move |s: &Seen| {
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        let form = s.form();
        let cid = form.get("client_id").cloned().unwrap_or_default();
        let v2 = s.uri.contains("/v2.0/");
        let token = format!("tok-{cid}-{n}");
        if cid == "html" {
            return text(
                502,
                "text/html",
                "<html><body><h1>502 Bad Gateway</h1>\n<p>The upstream is down.</p></body></html>",
            );
        }
        if !form.contains_key("client_assertion")
            && form.get("client_secret").map(String::as_str) != Some(SECRET)
        {
            return text(401, "application/json; charset=utf-8", entra_error());
        }
        let body = if cid == "soon" {
            let t = now();
            serde_json::json!({
                "token_type": "Bearer", "expires_in": "240", "ext_expires_in": "240",
                "expires_on": (t + 240).to_string(), "not_before": (t - 3360).to_string(),
                "resource": form.get("resource"), "access_token": token,
            })
        } else if cid == "short" {
            serde_json::json!({"token_type": "Bearer", "expires_in": 120, "ext_expires_in": 120, "access_token": token})
        } else if v2 {
            serde_json::json!({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token})
        } else {
            let t = now();
            serde_json::json!({
                "token_type": "Bearer", "expires_in": "3599", "ext_expires_in": "3599",
                "expires_on": (t + 3599).to_string(), "not_before": (t - 1).to_string(),
                "resource": form.get("resource"), "access_token": token,
            })
        };
        text(200, "application/json; charset=utf-8", body.to_string())
    })
}

fn oauth(server: &Server, client_id: &str, secret: &str) -> OAuth {
    OAuth {
        authority: format!("http://127.0.0.1:{}/", server.port()),
        tenant: "contoso.onmicrosoft.com".into(),
        audience: "https://api-contoso.msappproxy.net/".into(),
        client_id: client_id.into(),
        credential: Credential::Secret(Secret::new(secret)),
    }
}

#[tokio::test]
async fn v1_token_and_the_cache() {
    let server = serve(None, token_handler()).await;
    let cache = TokenCache::new();
    let o = oauth(&server, "cid", SECRET);
    let net = no_proxy();

    let t1 = token::acquire(&o, TokenEndpoint::V1, &cache, &net)
        .await
        .unwrap();
    assert_eq!(t1.access_token.expose(), "tok-cid-1");
    assert!(!t1.cached);
    assert_eq!(
        t1.endpoint,
        format!(
            "http://127.0.0.1:{}/contoso.onmicrosoft.com/oauth2/token",
            server.port()
        )
    );
    let left = t1.expires_at - chrono::Utc::now();
    assert!(
        left.num_seconds() > 3500 && left.num_seconds() <= 3599,
        "{left}"
    );
    let seen = server.last();
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.uri, "/contoso.onmicrosoft.com/oauth2/token");
    assert!(seen
        .header("content-type")
        .unwrap()
        .starts_with("application/x-www-form-urlencoded"));
    assert_eq!(
        seen.header("authorization"),
        None,
        "the secret goes in the body"
    );
    let form = seen.form();
    assert_eq!(form["grant_type"], "client_credentials");
    assert_eq!(form["client_id"], "cid");
    assert_eq!(form["client_secret"], SECRET);
    assert_eq!(form["resource"], "https://api-contoso.msappproxy.net/");
    assert!(!form.contains_key("scope"));

    // From the cache: no request.
    let t2 = token::acquire(&o, TokenEndpoint::V1, &cache, &net)
        .await
        .unwrap();
    assert!(t2.cached);
    assert_eq!(t2.elapsed, Duration::ZERO);
    assert_eq!(t2.access_token.expose(), "tok-cid-1");
    assert_eq!(server.count(), 1);

    // Another secret, another key: a request (the server refuses it).
    let other = oauth(&server, "cid", "another-secret");
    assert!(token::acquire(&other, TokenEndpoint::V1, &cache, &net)
        .await
        .is_err());
    assert_eq!(server.count(), 2);
    // v2 is another key too.
    let t3 = token::acquire(&o, TokenEndpoint::V2, &cache, &net)
        .await
        .unwrap();
    assert!(!t3.cached);
    assert_eq!(server.count(), 3);
    assert_eq!(cache.len(), 2);
    cache.clear();
    assert!(cache.is_empty());
    token::acquire(&o, TokenEndpoint::V1, &cache, &net)
        .await
        .unwrap();
    assert_eq!(server.count(), 4);
}

#[tokio::test]
async fn v2_token_sends_a_scope() {
    let server = serve(None, token_handler()).await;
    let cache = TokenCache::new();
    let net = no_proxy();
    let mut o = oauth(&server, "cid", SECRET);
    let t = token::acquire(&o, TokenEndpoint::V2, &cache, &net)
        .await
        .unwrap();
    assert!(t
        .endpoint
        .ends_with("/contoso.onmicrosoft.com/oauth2/v2.0/token"));
    let form = server.last().form();
    // The external URL as registered, trailing slash included: Entra
    // wants `…//.default` for such a resource.
    assert_eq!(
        form["scope"],
        "https://api-contoso.msappproxy.net//.default"
    );
    assert!(!form.contains_key("resource"));

    o.audience = "api://lapis/.default".into();
    token::acquire(&o, TokenEndpoint::V2, &cache, &net)
        .await
        .unwrap();
    assert_eq!(server.last().form()["scope"], "api://lapis/.default");
}

#[tokio::test]
async fn tokens_near_their_end_are_refreshed() {
    let server = serve(None, token_handler()).await;
    let cache = TokenCache::new();
    let net = no_proxy();
    // 4 of 60 minutes left: under the 5-minute margin.
    let soon = oauth(&server, "soon", SECRET);
    let a = token::acquire(&soon, TokenEndpoint::V1, &cache, &net)
        .await
        .unwrap();
    let b = token::acquire(&soon, TokenEndpoint::V1, &cache, &net)
        .await
        .unwrap();
    assert!(!a.cached && !b.cached);
    assert_ne!(a.access_token, b.access_token);
    assert_eq!(server.count(), 2);
    // A 2-minute token: the margin is a tenth of it, so it is reused.
    let short = oauth(&server, "short", SECRET);
    token::acquire(&short, TokenEndpoint::V2, &cache, &net)
        .await
        .unwrap();
    let c = token::acquire(&short, TokenEndpoint::V2, &cache, &net)
        .await
        .unwrap();
    assert!(c.cached);
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn entra_errors_are_kept() {
    let server = serve(None, token_handler()).await;
    let o = oauth(&server, "cid", "wrong-secret-value");
    let e = token::acquire(&o, TokenEndpoint::V1, &TokenCache::new(), &no_proxy())
        .await
        .unwrap_err();
    assert_eq!(e.status, Some(401));
    assert_eq!(e.network, None);
    assert!(
        e.message
            .starts_with("AADSTS7000215: Invalid client secret provided."),
        "{}",
        e.message
    );
    assert!(!e.message.contains("Trace ID"), "first line only");
    let entra = e.entra.as_ref().unwrap();
    assert_eq!(entra["error"], "invalid_client");
    assert_eq!(entra["trace_id"], "0a1b");
    assert_eq!(entra["correlation_id"], "2c3d");
    let all = format!("{e:?} {}", serde_json::to_string(&e).unwrap());
    assert!(!all.contains("wrong-secret-value"));

    // An HTML page.
    let o = oauth(&server, "html", SECRET);
    let e = token::acquire(&o, TokenEndpoint::V1, &TokenCache::new(), &no_proxy())
        .await
        .unwrap_err();
    assert_eq!(e.status, Some(502));
    assert_eq!(e.entra, None);
    assert!(e.message.contains("502"), "{}", e.message);
    assert!(e.message.contains("The upstream is down."), "{}", e.message);
    assert!(!format!("{e:?}").contains(SECRET));
}

#[tokio::test]
async fn odd_token_answers() {
    let page = serve(
        None,
        Arc::new(|s: &Seen| {
            if s.uri.starts_with("/redirect/") {
                http::Response::builder()
                    .status(302)
                    .header("location", "https://login.example/elsewhere")
                    .body(Full::new(Bytes::new()))
                    .unwrap()
            } else if s.uri.starts_with("/nojson/") {
                text(200, "text/html", "<html>Sign in to continue</html>")
            } else {
                text(
                    200,
                    "application/json",
                    r#"{"token_type":"Bearer","expires_in":"60"}"#,
                )
            }
        }),
    )
    .await;
    let o = |tenant: &str| OAuth {
        tenant: tenant.into(),
        ..oauth(&page, "cid", SECRET)
    };
    let cache = TokenCache::new();
    let e = token::acquire(&o("redirect"), TokenEndpoint::V1, &cache, &no_proxy())
        .await
        .unwrap_err();
    assert_eq!(e.status, Some(302));
    assert!(
        e.message.contains("https://login.example/elsewhere"),
        "{}",
        e.message
    );
    let e = token::acquire(&o("nojson"), TokenEndpoint::V1, &cache, &no_proxy())
        .await
        .unwrap_err();
    assert!(
        e.message.contains("not JSON: <html>Sign in"),
        "{}",
        e.message
    );
    let e = token::acquire(&o("notoken"), TokenEndpoint::V1, &cache, &no_proxy())
        .await
        .unwrap_err();
    assert!(e.message.contains("no usable token"), "{}", e.message);
    // An empty client secret is sent as it is, for Entra to judge (see
    // `entra_7000218_no_credential` in tests/invoke_sandbox.rs).
    assert!(cache.is_empty());
}

#[tokio::test]
async fn token_network_failures_and_http_authorities() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let o = OAuth {
        authority: format!("http://127.0.0.1:{port}"),
        tenant: "t".into(),
        audience: "https://a".into(),
        client_id: "cid".into(),
        credential: Credential::Secret(Secret::new(SECRET)),
    };
    let e = token::acquire(&o, TokenEndpoint::V1, &TokenCache::new(), &no_proxy())
        .await
        .unwrap_err();
    assert_eq!(e.network.as_deref(), Some("connect"));
    assert_eq!(e.status, None);
    assert!(e.message.contains("connection refused"), "{}", e.message);
    assert!(!format!("{e:?}").contains(SECRET));

    // http:// for a host that is not loopback: refused before any request.
    let o = OAuth {
        authority: "http://login.example.com".into(),
        ..o
    };
    let e = token::acquire(&o, TokenEndpoint::V1, &TokenCache::new(), &no_proxy())
        .await
        .unwrap_err();
    assert!(
        e.message.contains("http://login.example.com"),
        "{}",
        e.message
    );
    assert!(e.message.contains("https://"), "{}", e.message);
    assert_eq!(e.network, None);
}

#[tokio::test]
async fn certificate_credentials_send_a_signed_assertion() {
    use rsa::pkcs1::EncodeRsaPublicKey;

    let id = client_identity();
    let server = serve(None, token_handler()).await;
    let o = OAuth {
        credential: Credential::Certificate {
            pfx: SecretBytes(id.pfx.clone()),
            password: Some(Secret::new(PFX_PASSWORD)),
        },
        ..oauth(&server, "cert-app", "")
    };
    let cache = TokenCache::new();
    let t = token::acquire(&o, TokenEndpoint::V2, &cache, &no_proxy())
        .await
        .unwrap();
    assert_eq!(t.access_token.expose(), "tok-cert-app-1");
    let form = server.last().form();
    assert_eq!(
        form["client_assertion_type"],
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    );
    assert!(!form.contains_key("client_secret"));
    assert_eq!(form["client_id"], "cert-app");
    let jwt = &form["client_assertion"];

    let header = jsonwebtoken::decode_header(jwt).unwrap();
    assert_eq!(header.typ.as_deref(), Some("JWT"));
    let s256 =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(&id.cert_der));
    assert_eq!(header.x5t_s256.as_deref(), Some(s256.as_str()));
    assert_eq!(header.x5t, Some(pfx::thumbprint_sha1(&id.cert_der)));

    let public = id.rsa.to_public_key().to_pkcs1_der().unwrap();
    let key = jsonwebtoken::DecodingKey::from_rsa_der(public.as_bytes());
    let mut v = jsonwebtoken::Validation::new(header.alg);
    v.set_audience(&[t.endpoint.as_str()]);
    v.set_issuer(&["cert-app"]);
    v.set_required_spec_claims(&["exp", "nbf", "aud", "iss", "sub"]);
    let data = jsonwebtoken::decode::<serde_json::Value>(jwt, &key, &v).unwrap();
    let c = data.claims;
    assert_eq!(c["sub"], "cert-app");
    assert_eq!(c["aud"], t.endpoint.as_str());
    assert_eq!(c["exp"].as_i64().unwrap() - c["nbf"].as_i64().unwrap(), 600);
    assert!((c["iat"].as_i64().unwrap() - now()).abs() < 60);
    assert_eq!(c["jti"].as_str().unwrap().len(), 36);
    assert!(matches!(
        header.alg,
        jsonwebtoken::Algorithm::PS256 | jsonwebtoken::Algorithm::RS256
    ));

    // Cached like a secret; a wrong pfx password says so and sends nothing.
    assert!(
        token::acquire(&o, TokenEndpoint::V2, &cache, &no_proxy())
            .await
            .unwrap()
            .cached
    );
    let bad = OAuth {
        credential: Credential::Certificate {
            pfx: SecretBytes(id.pfx.clone()),
            password: Some(Secret::new("not-it")),
        },
        ..o.clone()
    };
    let e = token::acquire(&bad, TokenEndpoint::V2, &cache, &no_proxy())
        .await
        .unwrap_err();
    assert!(e.message.contains("password is wrong"), "{}", e.message);
    assert_eq!(server.count(), 1);
}

// ------------------------------------------------------------ pfx

#[test]
fn pfx_files() {
    let id = client_identity();
    let loaded = pfx::load(&id.pfx, Some(&Secret::new(PFX_PASSWORD))).unwrap();
    assert_eq!(loaded.leaf(), Some(id.cert_der.as_slice()));
    assert_eq!(loaded.chain.len(), 2, "leaf then CA");
    assert_eq!(loaded.chain[1], id.pki.ca_der.to_vec());
    assert_eq!(loaded.key_kind(), pfx::KeyKind::Rsa);
    assert!(!format!("{loaded:?}").contains("BEGIN"));

    let e = pfx::load(&id.pfx, Some(&Secret::new("wrong"))).unwrap_err();
    assert!(e.contains("password is wrong"), "{e}");
    let e = pfx::load(&id.pfx, None).unwrap_err();
    assert!(e.contains("needs a password"), "{e}");

    // A truststore: certificates only.
    let mut ks = p12_keystore::KeyStore::new();
    ks.add_entry(
        "ca",
        p12_keystore::KeyStoreEntry::Certificate(
            p12_keystore::Certificate::from_der(&id.pki.ca_der).unwrap(),
        ),
    );
    let trust = ks
        .writer("pw")
        .mac_iterations(64)
        .encryption_iterations(64)
        .write()
        .unwrap();
    let e = pfx::load(&trust, Some(&Secret::new("pw"))).unwrap_err();
    assert!(e.contains("no private key"), "{e}");

    // An EC identity, no password.
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["ec.test".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let ec = make_pfx(&key.serialize_der(), &[cert.der().to_vec()], "");
    let loaded = pfx::load(&ec, None).unwrap();
    assert_eq!(loaded.key_kind(), pfx::KeyKind::Ec);
    // Entra takes RSA-signed assertions only: refused before any request.
    let e = token::client_assertion(&ec, None, "ec-app", "https://login.test/t/oauth2/token")
        .unwrap_err();
    assert!(e.contains("RSA"), "{e}");

    assert_eq!(
        pfx::thumbprint_hex(&id.cert_der).len(),
        40,
        "SHA-1, as the portal shows it"
    );
}
