//! The sandbox over real loopback sockets: token service (v1, v2, errors,
//! certificate assertions), App Proxy front (forwarding, redirects, error
//! pages, backend timeout), demo API, mTLS listener, stats, files.

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use lapis::sandbox::{self, Config, Sandbox};
use rsa::pkcs1::EncodeRsaPrivateKey as _;
use rsa::pkcs8::DecodePrivateKey as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use serde_json::{json, Value};
use sha2::Digest as _;

// ---------------------------------------------------------------- client

struct Resp {
    status: u16,
    headers: http::HeaderMap,
    body: Vec<u8>,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap_or_default().to_string())
    }
}

async fn exchange<T>(io: T, req: http::Request<Full<Bytes>>) -> Result<Resp, String>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    tokio::spawn(conn);
    let resp = sender
        .send_request(req)
        .await
        .map_err(|e| format!("request: {e}"))?;
    let (parts, body) = resp.into_parts();
    let body = body
        .collect()
        .await
        .map_err(|e| format!("body: {e}"))?
        .to_bytes();
    Ok(Resp {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body: body.to_vec(),
    })
}

/// One HTTP/1.1 request on a fresh connection (TLS when `tls` is given).
async fn send(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
    tls: Option<Arc<rustls::ClientConfig>>,
) -> Result<Resp, String> {
    let u = url::Url::parse(url).map_err(|e| e.to_string())?;
    let host = u.host_str().ok_or("no host")?.to_string();
    let port = u.port_or_known_default().ok_or("no port")?;
    let mut path = u.path().to_string();
    if let Some(q) = u.query() {
        path.push('?');
        path.push_str(q);
    }
    let mut b = http::Request::builder()
        .method(method)
        .uri(path)
        .header("host", format!("{host}:{port}"));
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let req = b
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| e.to_string())?;
    let stream = tokio::net::TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| format!("connect: {e}"))?;
    match tls {
        None => exchange(stream, req).await,
        Some(cfg) => {
            let name = ServerName::try_from(host.clone()).map_err(|e| e.to_string())?;
            let tls = tokio_rustls::TlsConnector::from(cfg)
                .connect(name, stream)
                .await
                .map_err(|e| format!("tls: {e}"))?;
            exchange(tls, req).await
        }
    }
}

async fn get(url: &str, headers: &[(&str, &str)]) -> Resp {
    send("GET", url, headers, Vec::new(), None)
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

async fn get_bearer(url: &str, token: &str) -> Resp {
    let auth = format!("Bearer {token}");
    get(url, &[("authorization", &auth)]).await
}

fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
        .into_bytes()
}

async fn post_form(url: &str, pairs: &[(&str, &str)], headers: &[(&str, &str)]) -> Resp {
    let mut h = vec![("content-type", "application/x-www-form-urlencoded")];
    h.extend_from_slice(headers);
    send("POST", url, &h, form(pairs), None)
        .await
        .unwrap_or_else(|e| panic!("POST {url}: {e}"))
}

fn tls_config(sb: &Sandbox, client_cert: bool) -> Arc<rustls::ClientConfig> {
    use rustls::pki_types::pem::PemObject as _;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(sb.ca_pem.as_bytes()).expect("CA PEM"))
        .expect("CA");
    let b = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots);
    let mut cfg = if client_cert {
        let (key, chain) = demo_identity(sb);
        b.with_client_auth_cert(
            chain.into_iter().map(CertificateDer::from).collect(),
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key)),
        )
        .expect("client cert")
    } else {
        b.with_no_client_auth()
    };
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(cfg)
}

/// The demo PKCS#12 file's key (PKCS#8) and chain, read as a client would.
fn demo_identity(sb: &Sandbox) -> (Vec<u8>, Vec<Vec<u8>>) {
    let ks = p12_keystore::KeyStore::from_pkcs12(
        &sb.client_pfx,
        &sb.client_pfx_password,
        p12_keystore::Pkcs12ImportPolicy::Strict,
    )
    .expect("the demo pfx opens with its password");
    let (_, chain) = ks.private_key_chain().expect("a key in the pfx");
    (
        chain.key().as_der().to_vec(),
        chain.certs().iter().map(|c| c.as_der().to_vec()).collect(),
    )
}

fn jwt_claims(token: &str) -> Value {
    let part = token.split('.').nth(1).expect("a JWT");
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .expect("base64url");
    serde_json::from_slice(&raw).expect("JSON claims")
}

fn b64url(b: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

fn is_guid(s: &str) -> bool {
    s.len() == 36
        && s.chars().enumerate().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

async fn start() -> Sandbox {
    Sandbox::start(Config::demo())
        .await
        .expect("sandbox starts")
}

async fn token_v2(sb: &Sandbox, client_id: &str, secret: &str, scope: &str) -> String {
    let r = post_form(
        &sb.token_url_v2(),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", secret),
            ("scope", scope),
        ],
        &[],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

async fn demo_token(sb: &Sandbox) -> String {
    token_v2(
        sb,
        &sb.client_id,
        &sb.client_secret,
        &format!("{}/.default", sb.proxy_url),
    )
    .await
}

/// The `state` parameter of an App Proxy redirect, decoded.
fn redirect_state(r: &Resp) -> String {
    let loc = r.header("location").expect("a Location header");
    let u = url::Url::parse(&loc).expect("Location is a URL");
    u.query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .expect("a state parameter")
}

// ---------------------------------------------------------------- tokens

#[tokio::test]
async fn starts_fast_and_has_distinct_urls() {
    let t = Instant::now();
    let sb = start().await;
    let _second = start().await;
    // the first start in a process may generate keys; later ones are quick
    let t2 = Instant::now();
    let _third = start().await;
    assert!(
        t2.elapsed() < Duration::from_millis(500),
        "{:?}",
        t2.elapsed()
    );
    assert!(t.elapsed() < Duration::from_secs(20));
    let urls = [
        &sb.authority,
        &sb.proxy_url,
        &sb.proxy_tls_url,
        &sb.mtls_url,
        &sb.api_url,
    ];
    for u in urls {
        assert!(
            u.starts_with("http://127.0.0.1:") || u.starts_with("https://127.0.0.1:"),
            "{u}"
        );
        assert!(!u.ends_with('/'));
    }
    let mut sorted: Vec<_> = urls.to_vec();
    sorted.dedup();
    assert_eq!(sorted.len(), 5);
    assert!(sb.proxy_tls_url.starts_with("https://"));
    assert!(sb.ca_pem.contains("BEGIN CERTIFICATE"));
}

#[tokio::test]
async fn v1_token_has_numbers_as_strings_and_verifies_with_jwks() {
    let sb = start().await;
    let r = post_form(
        &sb.token_url_v1(),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &sb.client_id),
            ("client_secret", &sb.client_secret),
            ("resource", &sb.proxy_url),
        ],
        &[],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["token_type"], "Bearer");
    for k in ["expires_in", "ext_expires_in", "expires_on", "not_before"] {
        let s = v[k]
            .as_str()
            .unwrap_or_else(|| panic!("{k} is a string: {v}"));
        assert!(s.parse::<u64>().is_ok(), "{k}={s}");
    }
    assert_eq!(v["expires_in"], "3600");
    assert_eq!(v["resource"], sb.proxy_url.as_str());
    let token = v["access_token"].as_str().unwrap();
    let c = jwt_claims(token);
    assert_eq!(c["aud"], sb.proxy_url.as_str());
    assert_eq!(
        c["iss"],
        format!("https://sts.windows.net/{}/", sb.tenant_id)
    );
    assert_eq!(c["tid"], sb.tenant_id.as_str());
    assert_eq!(c["appid"], sb.client_id.as_str());
    assert_eq!(c["ver"], "1.0");
    assert_eq!(c["roles"], json!(["user_impersonation"]));
    assert_eq!(
        c["exp"].as_u64().unwrap() - c["iat"].as_u64().unwrap(),
        3600
    );

    // the signature checks out with the published key
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    let keys = get(
        &format!("{}/{}/discovery/keys", sb.authority, sb.tenant_id),
        &[],
    )
    .await;
    assert_eq!(keys.status, 200);
    let keys = keys.json();
    let jwk = &keys["keys"][0];
    assert_eq!(jwk["kid"].as_str(), header.kid.as_deref());
    let key = jsonwebtoken::DecodingKey::from_rsa_components(
        jwk["n"].as_str().unwrap(),
        jwk["e"].as_str().unwrap(),
    )
    .unwrap();
    let mut val = jsonwebtoken::Validation::new(Algorithm::RS256);
    val.set_audience(&[&sb.proxy_url]);
    val.set_issuer(&[format!("https://sts.windows.net/{}/", sb.tenant_id)]);
    jsonwebtoken::decode::<Value>(token, &key, &val).expect("the token verifies");
    let v2keys = get(
        &format!("{}/{}/discovery/v2.0/keys", sb.authority, sb.tenant_domain),
        &[],
    )
    .await;
    assert_eq!(v2keys.json()["keys"][0]["kid"], jwk["kid"]);
}

#[tokio::test]
async fn v2_token_has_numbers_and_accepts_basic_client_auth_and_domain() {
    let sb = start().await;
    let scope = format!("{}/.default", sb.proxy_url);
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            sb.client_id,
            sb.client_secret.replace('~', "%7E")
        ))
    );
    let url = format!("{}/{}/oauth2/v2.0/token", sb.authority, sb.tenant_domain);
    let r = post_form(
        &url,
        &[("grant_type", "client_credentials"), ("scope", &scope)],
        &[("authorization", &basic)],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"].as_u64(), Some(3600));
    assert!(v["ext_expires_in"].is_u64());
    assert!(v.get("resource").is_none());
    let c = jwt_claims(v["access_token"].as_str().unwrap());
    assert_eq!(c["aud"], sb.proxy_url.as_str());
    assert_eq!(c["iss"], format!("{}/{}/v2.0", sb.authority, sb.tenant_id));
    assert_eq!(c["azp"], sb.client_id.as_str());
    assert_eq!(c["azpacr"], "1");
    assert_eq!(c["ver"], "2.0");
    assert_eq!(c["roles"], json!(["user_impersonation"]));

    let oidc = get(
        &format!(
            "{}/{}/v2.0/.well-known/openid-configuration",
            sb.authority, sb.tenant_id
        ),
        &[],
    )
    .await
    .json();
    assert_eq!(oidc["token_endpoint"], sb.token_url_v2());
    assert_eq!(
        oidc["jwks_uri"],
        format!("{}/{}/discovery/v2.0/keys", sb.authority, sb.tenant_id)
    );
}

#[tokio::test]
async fn token_lifetime_is_configurable() {
    let mut cfg = Config::demo();
    cfg.token_lifetime_secs = 120;
    let sb = Sandbox::start(cfg).await.unwrap();
    let t = demo_token(&sb).await;
    let c = jwt_claims(&t);
    assert_eq!(c["exp"].as_u64().unwrap() - c["iat"].as_u64().unwrap(), 120);
}

struct ErrCase {
    what: &'static str,
    v2: bool,
    tenant: Option<&'static str>,
    form: Vec<(&'static str, String)>,
    status: u16,
    error: &'static str,
    code: u64,
}

#[tokio::test]
async fn token_errors_have_entra_shape() {
    let sb = start().await;
    let cid = sb.client_id.clone();
    let sec = sb.client_secret.clone();
    let gt = ("grant_type", "client_credentials".to_string());
    let scope = ("scope", format!("{}/.default", sb.proxy_url));
    let res = ("resource", sb.proxy_url.clone());
    let cases = vec![
        ErrCase {
            what: "unknown tenant",
            v2: true,
            tenant: Some("nobody.onmicrosoft.com"),
            form: vec![
                gt.clone(),
                ("client_id", cid.clone()),
                ("client_secret", sec.clone()),
                scope.clone(),
            ],
            status: 400,
            error: "invalid_request",
            code: 90002,
        },
        ErrCase {
            what: "unknown client",
            v2: true,
            tenant: None,
            form: vec![
                gt.clone(),
                ("client_id", "00000000-0000-4000-8000-000000000000".into()),
                ("client_secret", sec.clone()),
                scope.clone(),
            ],
            status: 400,
            error: "unauthorized_client",
            code: 700016,
        },
        ErrCase {
            what: "wrong secret",
            v2: true,
            tenant: None,
            form: vec![
                gt.clone(),
                ("client_id", cid.clone()),
                ("client_secret", "wrong".into()),
                scope.clone(),
            ],
            status: 401,
            error: "invalid_client",
            code: 7000215,
        },
        ErrCase {
            what: "expired secret",
            v2: false,
            tenant: None,
            form: vec![
                gt.clone(),
                ("client_id", cid.clone()),
                ("client_secret", sandbox::DEMO_EXPIRED_SECRET.into()),
                res.clone(),
            ],
            status: 401,
            error: "invalid_client",
            code: 7000222,
        },
        ErrCase {
            what: "no credential",
            v2: true,
            tenant: None,
            form: vec![gt.clone(), ("client_id", cid.clone()), scope.clone()],
            status: 401,
            error: "invalid_client",
            code: 7000218,
        },
        ErrCase {
            what: "unknown v1 resource",
            v2: false,
            tenant: None,
            form: vec![
                gt.clone(),
                ("client_id", cid.clone()),
                ("client_secret", sec.clone()),
                ("resource", "https://nowhere.example".into()),
            ],
            status: 400,
            error: "invalid_resource",
            code: 500011,
        },
        ErrCase {
            what: "unknown v2 scope resource",
            v2: true,
            tenant: None,
            form: vec![
                gt.clone(),
                ("client_id", cid.clone()),
                ("client_secret", sec.clone()),
                ("scope", "https://nowhere.example/.default".into()),
            ],
            status: 400,
            error: "invalid_resource",
            code: 500011,
        },
        ErrCase {
            what: "scope without /.default",
            v2: true,
            tenant: None,
            form: vec![
                gt.clone(),
                ("client_id", cid.clone()),
                ("client_secret", sec.clone()),
                ("scope", format!("{}/user_impersonation", sb.proxy_url)),
            ],
            status: 400,
            error: "invalid_scope",
            code: 70011,
        },
        ErrCase {
            what: "resource on v2",
            v2: true,
            tenant: None,
            form: vec![
                gt.clone(),
                ("client_id", cid.clone()),
                ("client_secret", sec.clone()),
                res.clone(),
            ],
            status: 400,
            error: "invalid_request",
            code: 901002,
        },
        ErrCase {
            what: "disabled resource",
            v2: false,
            tenant: None,
            form: vec![
                gt.clone(),
                ("client_id", cid.clone()),
                ("client_secret", sec.clone()),
                ("resource", sandbox::DISABLED_API_ID_URI.into()),
            ],
            status: 400,
            error: "invalid_resource",
            code: 50001,
        },
        ErrCase {
            what: "no grant type",
            v2: true,
            tenant: None,
            form: vec![
                ("client_id", cid.clone()),
                ("client_secret", sec.clone()),
                scope.clone(),
            ],
            status: 400,
            error: "invalid_request",
            code: 900144,
        },
        ErrCase {
            what: "other grant type",
            v2: true,
            tenant: None,
            form: vec![
                ("grant_type", "password".into()),
                ("client_id", cid.clone()),
                ("client_secret", sec.clone()),
                scope.clone(),
            ],
            status: 400,
            error: "unsupported_grant_type",
            code: 70003,
        },
    ];
    for c in cases {
        let tenant = c
            .tenant
            .map(str::to_string)
            .unwrap_or_else(|| sb.tenant_id.clone());
        let url = if c.v2 {
            format!("{}/{tenant}/oauth2/v2.0/token", sb.authority)
        } else {
            format!("{}/{tenant}/oauth2/token", sb.authority)
        };
        let pairs: Vec<(&str, &str)> = c.form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = post_form(&url, &pairs, &[]).await;
        assert_eq!(r.status, c.status, "{}: {}", c.what, r.text());
        let v = r.json();
        assert_eq!(v["error"], c.error, "{}: {v}", c.what);
        assert_eq!(v["error_codes"], json!([c.code]), "{}: {v}", c.what);
        let desc = v["error_description"].as_str().unwrap();
        assert!(
            desc.starts_with(&format!("AADSTS{}: ", c.code)),
            "{}: {desc}",
            c.what
        );
        let trace = v["trace_id"].as_str().unwrap();
        let corr = v["correlation_id"].as_str().unwrap();
        assert!(is_guid(trace) && is_guid(corr), "{}: {v}", c.what);
        assert!(
            desc.contains(&format!(
                "\r\nTrace ID: {trace}\r\nCorrelation ID: {corr}\r\nTimestamp: "
            )),
            "{}: {desc}",
            c.what
        );
        let ts = v["timestamp"].as_str().unwrap();
        assert!(ts.ends_with('Z') && ts.len() == 20, "{ts}");
        assert_eq!(
            v["error_uri"],
            format!("https://login.microsoftonline.com/error?code={}", c.code)
        );
        assert!(!desc.contains(&sec), "{}: no secret in errors", c.what);
    }
    let s = sb.stats.snapshot();
    assert_eq!(s.token_errors, 12);
    assert_eq!(s.tokens_issued, 0);
}

// ---------------------------------------------------------------- certificate credentials

fn assertion(
    sb: &Sandbox,
    key: &EncodingKey,
    cert_der: &[u8],
    alg: Algorithm,
    aud: &str,
    exp_in: i64,
) -> String {
    let mut h = Header::new(alg);
    h.typ = Some("JWT".into());
    h.x5t_s256 = Some(b64url(&sha2::Sha256::digest(cert_der)));
    let now = chrono::Utc::now().timestamp();
    let claims = json!({
        "aud": aud, "iss": sb.client_id, "sub": sb.client_id,
        "jti": format!("{}", rand::random::<u64>()),
        "nbf": now, "iat": now, "exp": now + exp_in,
    });
    jsonwebtoken::encode(&h, &claims, key).unwrap()
}

fn demo_signing_key(sb: &Sandbox) -> (EncodingKey, Vec<u8>) {
    let (pkcs8, chain) = demo_identity(sb);
    let rsa = rsa::RsaPrivateKey::from_pkcs8_der(&pkcs8).expect("an RSA key");
    let der = rsa.to_pkcs1_der().unwrap();
    (EncodingKey::from_rsa_der(der.as_bytes()), chain[0].clone())
}

async fn post_assertion(sb: &Sandbox, a: &str) -> Resp {
    post_form(
        &sb.token_url_v2(),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &sb.client_id),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", a),
            ("scope", &format!("{}/.default", sb.proxy_url)),
        ],
        &[],
    )
    .await
}

#[tokio::test]
async fn certificate_assertion_is_accepted_and_checked() {
    let sb = start().await;
    let (key, cert) = demo_signing_key(&sb);
    for alg in [Algorithm::RS256, Algorithm::PS256] {
        let a = assertion(&sb, &key, &cert, alg, &sb.token_url_v2(), 600);
        let r = post_assertion(&sb, &a).await;
        assert_eq!(r.status, 200, "{alg:?}: {}", r.text());
        let c = jwt_claims(r.json()["access_token"].as_str().unwrap());
        assert_eq!(c["azpacr"], "2");
    }
    // x5t (SHA-1) alone and the v1 endpoint as audience are fine too
    let mut h = Header::new(Algorithm::RS256);
    let thumb = sb.client_cert_thumbprint.clone();
    let sha1: Vec<u8> = (0..20)
        .map(|i| u8::from_str_radix(&thumb[i * 2..i * 2 + 2], 16).unwrap())
        .collect();
    h.x5t = Some(b64url(&sha1));
    let now = chrono::Utc::now().timestamp();
    let a = jsonwebtoken::encode(
        &h,
        &json!({"aud": sb.token_url_v1(), "iss": sb.client_id, "sub": sb.client_id, "jti": "x1", "nbf": now, "exp": now + 60}),
        &key,
    )
    .unwrap();
    let r = post_assertion(&sb, &a).await;
    assert_eq!(r.status, 200, "{}", r.text());

    // signed by another key, claiming the registered certificate
    let other = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
    let other_key = EncodingKey::from_rsa_der(other.to_pkcs1_der().unwrap().as_bytes());
    let a = assertion(
        &sb,
        &other_key,
        &cert,
        Algorithm::RS256,
        &sb.token_url_v2(),
        600,
    );
    let r = post_assertion(&sb, &a).await;
    assert_eq!(r.status, 401, "{}", r.text());
    let v = r.json();
    assert_eq!(v["error"], "invalid_client");
    assert_eq!(v["error_codes"], json!([700027]));
    assert!(
        v["error_description"]
            .as_str()
            .unwrap()
            .contains("signature validation"),
        "{v}"
    );

    // a certificate that is not registered
    let a = assertion(
        &sb,
        &other_key,
        b"some other certificate",
        Algorithm::RS256,
        &sb.token_url_v2(),
        600,
    );
    let v = post_assertion(&sb, &a).await.json();
    assert_eq!(v["error_codes"], json!([700027]));
    assert!(
        v["error_description"]
            .as_str()
            .unwrap()
            .contains("not registered"),
        "{v}"
    );

    // wrong audience, expired
    let a = assertion(
        &sb,
        &key,
        &cert,
        Algorithm::RS256,
        "https://login.microsoftonline.com/x/oauth2/v2.0/token",
        600,
    );
    let v = post_assertion(&sb, &a).await.json();
    assert_eq!(v["error_codes"], json!([700024]), "{v}");
    let a = assertion(&sb, &key, &cert, Algorithm::RS256, &sb.token_url_v2(), -30);
    let v = post_assertion(&sb, &a).await.json();
    assert_eq!(v["error_codes"], json!([700024]), "{v}");
    assert!(v["error_description"]
        .as_str()
        .unwrap()
        .contains("valid time range"));
}

// ---------------------------------------------------------------- App Proxy front

#[tokio::test]
async fn proxy_forwards_a_valid_token_to_the_api() {
    let sb = start().await;
    let token = demo_token(&sb).await;
    let auth = format!("Bearer {token}");
    let r = send(
        "POST",
        &format!("{}/api/echo?a=1&b=two&a=3", sb.proxy_url),
        &[
            ("authorization", &auth),
            ("private-token", "pt"),
            ("cookie", "session=abc; theme=dark"),
            ("content-type", "text/plain"),
        ],
        b"hello backend".to_vec(),
        None,
    )
    .await
    .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.header("x-ms-proxy-transaction-id").is_some());
    let v = r.json();
    assert_eq!(v["method"], "POST");
    assert_eq!(v["path"], "/api/echo");
    assert_eq!(v["query"]["raw"], "a=1&b=two&a=3");
    assert_eq!(v["query"]["parsed"]["a"], json!(["1", "3"]));
    assert_eq!(v["body"], "hello backend");
    assert_eq!(v["cookies"]["session"], "abc");
    let headers = v["headers"].as_array().unwrap();
    let names: Vec<&str> = headers.iter().map(|h| h[0].as_str().unwrap()).collect();
    assert!(
        !names.contains(&"authorization"),
        "the front strips the token: {names:?}"
    );
    assert!(names.contains(&"private-token"));
    assert!(names.contains(&"x-ms-proxy"));

    // the HTTPS front accepts the same token (audience = the HTTP URL)
    let r = send(
        "GET",
        &format!("{}/api/status", sb.proxy_tls_url),
        &[("authorization", &auth)],
        Vec::new(),
        Some(tls_config(&sb, false)),
    )
    .await
    .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["via_proxy"], true);

    // a v1 token for the HTTPS URL with a trailing slash works on the HTTP front
    let r = post_form(
        &sb.token_url_v1(),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &sb.client_id),
            ("client_secret", &sb.client_secret),
            ("resource", &format!("{}/", sb.proxy_tls_url)),
        ],
        &[],
    )
    .await;
    let t1 = r.json()["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        get_bearer(&format!("{}/api/status", sb.proxy_url), &t1)
            .await
            .status,
        200
    );

    // large bodies stream through
    let r = get_bearer(&format!("{}/api/large?bytes=3000001", sb.proxy_url), &token).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body.len(), 3_000_001);
    assert!(r
        .body
        .iter()
        .enumerate()
        .step_by(9973)
        .all(|(i, b)| *b == sandbox::large_byte(i as u64)));
}

#[tokio::test]
async fn proxy_redirects_without_or_with_a_rejected_token() {
    let sb = start().await;
    let url = format!("{}/api/status?x=1", sb.proxy_url);

    // no token
    let r = get(&url, &[]).await;
    assert_eq!(r.status, 302);
    assert_eq!(r.header("x-sandbox-reject").as_deref(), Some("missing"));
    let loc = r.header("location").unwrap();
    assert!(
        loc.starts_with(&format!(
            "{}/{}/oauth2/authorize?response_type=code&client_id=",
            sb.authority, sb.tenant_id
        )),
        "{loc}"
    );
    let redirect_uri = url::Url::parse(&loc)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .unwrap()
        .1
        .into_owned();
    assert_eq!(redirect_uri, format!("{}/", sb.proxy_url));
    let state = redirect_state(&r);
    assert!(state.starts_with("AppProxyState:{"), "{state}");
    assert!(state.contains("\"InvalidTokenRetry\":null"), "{state}");
    assert!(!state.contains("\"InvalidTokenRetry\":true"));
    assert!(r.text().contains("Object moved"));

    // a token for another audience
    let other = token_v2(
        &sb,
        &sb.client_id,
        &sb.client_secret,
        &format!("{}/.default", sandbox::OTHER_API_ID_URI),
    )
    .await;
    let r = get_bearer(&url, &other).await;
    assert_eq!(r.status, 302);
    assert_eq!(r.header("x-sandbox-reject").as_deref(), Some("audience"));
    assert!(redirect_state(&r).contains("\"InvalidTokenRetry\":true"));

    // no consent: no roles in the token
    let nc = token_v2(
        &sb,
        sandbox::NO_CONSENT_CLIENT_ID,
        sandbox::NO_CONSENT_CLIENT_SECRET,
        &format!("{}/.default", sb.proxy_url),
    )
    .await;
    assert!(jwt_claims(&nc).get("roles").is_none());
    let r = get_bearer(&url, &nc).await;
    assert_eq!(r.header("x-sandbox-reject").as_deref(), Some("roles"));

    // a token of another tenant
    let fab = {
        let r = post_form(
            &format!(
                "{}/{}/oauth2/v2.0/token",
                sb.authority,
                sandbox::OTHER_TENANT_DOMAIN
            ),
            &[
                ("grant_type", "client_credentials"),
                ("client_id", sandbox::OTHER_CLIENT_ID),
                ("client_secret", sandbox::OTHER_CLIENT_SECRET),
                ("scope", &format!("{}/.default", sb.proxy_url)),
            ],
            &[],
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()["access_token"].as_str().unwrap().to_string()
    };
    assert_eq!(
        get_bearer(&url, &fab)
            .await
            .header("x-sandbox-reject")
            .as_deref(),
        Some("tenant")
    );

    // a tampered token, garbage, another scheme
    let good = demo_token(&sb).await;
    let mut parts: Vec<String> = good.split('.').map(str::to_string).collect();
    let mut claims = jwt_claims(&good);
    claims["roles"] = json!(["user_impersonation", "Admin"]);
    parts[1] = b64url(claims.to_string().as_bytes());
    let tampered = parts.join(".");
    assert_eq!(
        get_bearer(&url, &tampered)
            .await
            .header("x-sandbox-reject")
            .as_deref(),
        Some("signature")
    );
    let r = get_bearer(&url, "not-a-jwt").await;
    assert_eq!(r.status, 302);
    assert_eq!(r.header("x-sandbox-reject").as_deref(), Some("malformed"));
    let r = get(&url, &[("authorization", "Basic dXNlcjpwdw==")]).await;
    assert_eq!(r.header("x-sandbox-reject").as_deref(), Some("scheme"));
    assert!(redirect_state(&r).contains("\"InvalidTokenRetry\":true"));

    let s = sb.stats.snapshot();
    assert_eq!(s.proxy_rejected, 7);
    assert_eq!(s.proxy_forwarded, 0);
    assert_eq!(s.api_requests, 0);
}

#[tokio::test]
async fn proxy_rejects_an_expired_token() {
    let mut cfg = Config::demo();
    cfg.token_lifetime_secs = 1;
    let sb = Sandbox::start(cfg).await.unwrap();
    let t = demo_token(&sb).await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let r = get_bearer(&format!("{}/api/status", sb.proxy_url), &t).await;
    assert_eq!(r.status, 302);
    assert_eq!(r.header("x-sandbox-reject").as_deref(), Some("expired"));
}

#[tokio::test]
async fn proxy_fault_pages_and_backend_timeout() {
    let mut cfg = Config::demo();
    cfg.backend_timeout_ms = 300;
    let sb = Sandbox::start(cfg).await.unwrap();
    let token = demo_token(&sb).await;

    // the token check comes first
    assert_eq!(
        get(&format!("{}/_fault/bad-gateway", sb.proxy_url), &[])
            .await
            .status,
        302
    );

    let r = get_bearer(&format!("{}/_fault/bad-gateway", sb.proxy_url), &token).await;
    assert_eq!(r.status, 502);
    assert!(r.text().contains("Bad Gateway"));
    assert!(r.text().contains("connector could not reach the backend"));
    assert_eq!(
        r.header("x-sandbox-fault").as_deref(),
        Some("backend-unreachable")
    );

    let r = get_bearer(&format!("{}/_fault/gateway-timeout", sb.proxy_url), &token).await;
    assert_eq!(r.status, 504);
    assert!(r.text().contains("Gateway Timeout"));
    assert!(r.text().contains("could not reach a connector"));
    assert_eq!(
        r.header("x-sandbox-fault").as_deref(),
        Some("connector-unreachable")
    );

    let t = Instant::now();
    let r = get_bearer(&format!("{}/api/slow?ms=3000", sb.proxy_url), &token).await;
    let took = t.elapsed();
    assert_eq!(r.status, 504);
    assert!(r.text().contains("Gateway Timeout"));
    assert!(r.text().contains("didn't respond in time"));
    assert_eq!(
        r.header("x-sandbox-fault").as_deref(),
        Some("backend-timeout")
    );
    assert!(
        took >= Duration::from_millis(290) && took < Duration::from_millis(2500),
        "{took:?}"
    );

    // within the limit it answers
    let r = get_bearer(&format!("{}/api/slow?ms=50", sb.proxy_url), &token).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["waited_ms"], 50);
    assert_eq!(sb.stats.snapshot().proxy_faults, 3);
}

#[tokio::test]
async fn token_delay_is_applied() {
    let mut cfg = Config::demo();
    cfg.token_delay_ms = 250;
    let sb = Sandbox::start(cfg).await.unwrap();
    let t = Instant::now();
    demo_token(&sb).await;
    assert!(t.elapsed() >= Duration::from_millis(250));
}

// ---------------------------------------------------------------- demo API, mTLS

#[tokio::test]
async fn demo_api_endpoints() {
    let sb = start().await;
    let api = &sb.api_url;
    let v = get(&format!("{api}/api/status"), &[]).await.json();
    assert_eq!(v["status"], "ok");
    assert_eq!(v["service"], "sandbox demo API");

    let r = get(&format!("{api}/api/basic"), &[]).await;
    assert_eq!(r.status, 401);
    assert!(r.header("www-authenticate").unwrap().starts_with("Basic"));
    let good = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            sb.config.api.basic_user, sb.config.api.basic_password
        ))
    );
    assert_eq!(
        get(&format!("{api}/api/basic"), &[("authorization", &good)])
            .await
            .status,
        200
    );
    assert_eq!(
        get(
            &format!("{api}/api/basic"),
            &[("authorization", "Basic c2FuZGJveC11c2VyOm5v")]
        )
        .await
        .status,
        401
    );

    assert_eq!(
        get(&format!("{api}/api/cookie-protected"), &[])
            .await
            .status,
        401
    );
    let cookie = format!("a=b; session={}", sb.config.api.session_cookie);
    assert_eq!(
        get(
            &format!("{api}/api/cookie-protected"),
            &[("cookie", &cookie)]
        )
        .await
        .status,
        200
    );
    assert_eq!(
        get(
            &format!("{api}/api/header-protected"),
            &[("private-token", "nope")]
        )
        .await
        .status,
        401
    );
    assert_eq!(
        get(
            &format!("{api}/api/header-protected"),
            &[("PRIVATE-TOKEN", &sb.config.api.private_token)]
        )
        .await
        .status,
        200
    );

    let r = get(&format!("{api}/api/redirect?to=/api/status"), &[]).await;
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location").as_deref(), Some("/api/status"));

    let r = get(&format!("{api}/api/binary"), &[]).await;
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/octet-stream")
    );
    assert_eq!(r.body, sandbox::binary_bytes());

    let r = get(&format!("{api}/api/large?bytes=100"), &[]).await;
    assert_eq!(r.body.len(), 100);
    assert_eq!(&r.body[..26], b"lapis sandbox large body 0");
    assert_eq!(
        get(&format!("{api}/api/large?bytes=99999999999999"), &[])
            .await
            .status,
        400
    );

    let r = send(
        "PUT",
        &format!("{api}/api/echo"),
        &[],
        vec![0xff, 0x00, 0xfe],
        None,
    )
    .await
    .unwrap();
    let v = r.json();
    assert_eq!(v["method"], "PUT");
    assert_eq!(v["body_encoding"], "base64");
    assert_eq!(v["body"], "/wD+");
    assert_eq!(get(&format!("{api}/nothing"), &[]).await.status, 404);
}

#[tokio::test]
async fn mtls_needs_the_demo_client_certificate() {
    let sb = start().await;
    let url = format!("{}/api/status", sb.mtls_url);
    let without = send("GET", &url, &[], Vec::new(), Some(tls_config(&sb, false))).await;
    assert!(
        without.is_err(),
        "no client certificate must fail: {:?}",
        without.map(|r| r.status)
    );

    let r = send("GET", &url, &[], Vec::new(), Some(tls_config(&sb, true)))
        .await
        .expect("with the demo certificate");
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["listener"], "mtls");
    let subject = v["client_certificate"]["subject"].as_str().unwrap();
    assert!(subject.contains("lapis-sandbox-demo-client"), "{subject}");
    assert_eq!(sb.stats.snapshot().mtls_requests, 1);
}

// ---------------------------------------------------------------- stats, config, files

#[tokio::test]
async fn stats_count_requests() {
    let sb = start().await;
    let token = demo_token(&sb).await;
    get_bearer(&format!("{}/api/status", sb.proxy_url), &token).await;
    get(&format!("{}/api/status", sb.proxy_url), &[]).await;
    get(&format!("{}/api/status", sb.api_url), &[]).await;
    let s = sb.stats.snapshot();
    assert_eq!((s.token_requests, s.tokens_issued), (1, 1));
    assert_eq!(
        (s.proxy_requests, s.proxy_forwarded, s.proxy_rejected),
        (2, 1, 1)
    );
    assert_eq!(s.api_requests, 2);
    let v = get(&format!("{}/_sandbox/stats", sb.authority), &[])
        .await
        .json();
    assert_eq!(v["token_requests"], 1);
    assert_eq!(v["proxy_requests"], 2);
    assert_eq!(v["api_requests"], 2);
}

#[tokio::test]
async fn shutdown_closes_the_listeners() {
    let sb = start().await;
    let api = sb.api_url.clone();
    assert_eq!(get(&format!("{api}/api/status"), &[]).await.status, 200);
    sb.shutdown();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        send("GET", &format!("{api}/api/status"), &[], Vec::new(), None)
            .await
            .is_err()
    );
}

#[test]
fn config_from_json_overrides_and_reports_errors() {
    let c = Config::from_json(r#"{"token_delay_ms": 5, "backend_timeout_ms": 1000}"#).unwrap();
    assert_eq!(c.token_delay_ms, 5);
    assert_eq!(c.backend_timeout_ms, 1000);
    assert_eq!(c.tenants.len(), Config::demo().tenants.len());
    let e = Config::from_json("{\n  \"token_delay_ms\": \"x\"\n}").unwrap_err();
    assert!(e.contains("line 2"), "{e}");
    let e = Config::from_json(r#"{"tokn_delay_ms": 5}"#).unwrap_err();
    assert!(e.contains("tokn_delay_ms"), "{e}");
    let e = Config::from_json(r#"{"tenants": []}"#).unwrap_err();
    assert!(e.contains("tenants"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("sandbox.json");
    std::fs::write(&p, r#"{"port": 65534}"#).unwrap();
    let e = Config::from_file(&p).unwrap_err();
    assert!(e.contains("sandbox.json") && e.contains("port"), "{e}");
    assert!(Config::from_file(dir.path().join("missing.json"))
        .unwrap_err()
        .contains("missing.json"));
    // no secret in Debug
    assert!(!format!("{:?}", Config::demo()).contains(sandbox::DEMO_CLIENT_SECRET));
}

#[tokio::test]
async fn files_workflow_and_settings() {
    let sb = start().await;
    let dir = tempfile::tempdir().unwrap();
    let files = sb.write_files(dir.path()).unwrap();
    assert_eq!(std::fs::read(&files.client_pfx).unwrap(), sb.client_pfx);
    assert_eq!(std::fs::read_to_string(&files.ca_pem).unwrap(), sb.ca_pem);
    let wf: Value =
        serde_json::from_str(&std::fs::read_to_string(&files.workflow).unwrap()).unwrap();
    assert_eq!(wf, sb.sample_workflow());
    let params_text = std::fs::read_to_string(&files.parameters).unwrap();
    let wf_text = std::fs::read_to_string(&files.workflow).unwrap();
    for secret in [
        &sb.client_secret,
        &sb.client_pfx_password,
        &sb.config.api.basic_password,
        &sb.config.api.private_token,
    ] {
        assert!(
            !params_text.contains(secret.as_str()),
            "no secret in the parameters file"
        );
        assert!(
            !wf_text.contains(secret.as_str()),
            "no secret in the workflow"
        );
    }
    let params: Value = serde_json::from_str(&params_text).unwrap();
    assert_eq!(params["audience"]["value"], sb.proxy_url.as_str());

    for p in ["clientSecret", "pfxPassword", "basicPassword", "clientPfx"] {
        assert_eq!(wf["parameters"][p], json!({"type": "SecureString"}), "{p}");
    }
    for (p, v) in [
        ("authority", &sb.authority),
        ("tenant", &sb.tenant_id),
        ("audience", &sb.proxy_url),
        ("clientId", &sb.client_id),
        ("apiBase", &sb.proxy_url),
    ] {
        assert_eq!(wf["parameters"][p]["defaultValue"], v.as_str(), "{p}");
    }
    let auth_types: Vec<String> = wf["actions"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(|a| {
            a["inputs"]["authentication"]["type"]
                .as_str()
                .map(str::to_string)
        })
        .collect();
    for t in [
        "ActiveDirectoryOAuth",
        "Basic",
        "Raw",
        "ClientCertificate",
        "None",
    ] {
        assert!(auth_types.iter().any(|x| x == t), "{t} in {auth_types:?}");
    }
    let cert_action = &wf["actions"]["Echo_with_certificate"]["inputs"]["authentication"];
    assert_eq!(cert_action["credentialType"], "Certificate");
    assert_eq!(
        wf["actions"]["Get_status"]["inputs"]["authentication"]["secret"],
        "@parameters('clientSecret')"
    );

    let text = sb.settings_text();
    for needle in [
        &sb.authority,
        &sb.tenant_id,
        &sb.tenant_domain,
        &sb.client_id,
        &sb.client_secret,
        &sb.proxy_url,
        &sb.client_pfx_password,
    ] {
        assert!(text.contains(needle.as_str()), "settings mention {needle}");
    }
    assert!(text.contains(&files.client_pfx.display().to_string()));
    assert!(text.contains(&files.ca_pem.display().to_string()));
    assert!(text.contains("lapis call"));
    assert!(text.contains("--action Get_status"));
}
