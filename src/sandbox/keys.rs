//! Key material of the sandbox: the token-signing RSA key, a CA, a server
//! certificate for loopback, and the demo client certificate (RSA) with its
//! PKCS#12 file. Generated once per process: starting many sandboxes in
//! one test binary costs the RSA key generation only once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use base64::Engine as _;
use rsa::pkcs1::EncodeRsaPrivateKey as _;
use rsa::pkcs8::{DecodePublicKey as _, EncodePrivateKey as _};
use rsa::traits::PublicKeyParts as _;
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::Digest as _;

/// base64url without padding, as JWTs and JWKs use it.
pub(crate) fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Standard base64 with padding.
pub(crate) fn b64std(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A random version-4 GUID, lower case, as Entra writes them.
pub(crate) fn guid() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    format!(
        "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
        b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]
    )
}

/// SHA-1, only for certificate thumbprints (`x5t`), which Entra still uses.
/// Not used for anything that needs collision resistance.
pub(crate) fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0];
    let mut msg = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_be_bytes());
    for chunk in msg.chunks_exact(64) {
        let mut w = [0u32; 80];
        for (i, word) in chunk.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A827999),
                20..=39 => (b ^ c ^ d, 0x6ED9EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1BBCDC),
                _ => (b ^ c ^ d, 0xCA62C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        h[0] = h[0].wrapping_add(a);
        h[1] = h[1].wrapping_add(b);
        h[2] = h[2].wrapping_add(c);
        h[3] = h[3].wrapping_add(d);
        h[4] = h[4].wrapping_add(e);
    }
    let mut out = [0u8; 20];
    for (i, v) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&v.to_be_bytes());
    }
    out
}

/// A certificate registered as a client credential: its thumbprints and
/// RSA public key.
#[derive(Clone)]
pub(crate) struct RegisteredCert {
    /// base64url SHA-1 of the DER (`x5t`).
    pub x5t: String,
    /// base64url SHA-256 of the DER (`x5t#S256`).
    pub x5t_s256: String,
    /// Upper-case hex SHA-1, as the portal shows thumbprints.
    pub thumbprint_hex: String,
    pub public_key: RsaPublicKey,
}

impl RegisteredCert {
    /// From a DER certificate; an error when it holds no RSA key.
    pub fn from_der(der: &[u8]) -> Result<RegisteredCert, String> {
        let spki = spki_of_cert(der).ok_or("the certificate is not valid DER X.509")?;
        let public_key = RsaPublicKey::from_public_key_der(spki)
            .map_err(|e| format!("the certificate's key is not an RSA key: {e}"))?;
        let s1 = sha1(der);
        Ok(RegisteredCert {
            x5t: b64url(&s1),
            x5t_s256: b64url(&sha2::Sha256::digest(der)),
            thumbprint_hex: s1.iter().map(|b| format!("{b:02X}")).collect(),
            public_key,
        })
    }
}

/// One DER TLV: (tag, whole element, content, rest).
type Tlv<'a> = (u8, &'a [u8], &'a [u8], &'a [u8]);

fn der_tlv(input: &[u8]) -> Option<Tlv<'_>> {
    let tag = *input.first()?;
    let first = *input.get(1)?;
    let (len, header) = if first < 0x80 {
        (first as usize, 2)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | *input.get(2 + i)? as usize;
        }
        (len, 2 + n)
    };
    let end = header.checked_add(len)?;
    if end > input.len() {
        return None;
    }
    Some((tag, &input[..end], &input[header..end], &input[end..]))
}

/// The SubjectPublicKeyInfo element of a DER certificate.
fn spki_of_cert(der: &[u8]) -> Option<&[u8]> {
    let (_, _, cert, _) = der_tlv(der)?;
    let (_, _, tbs, _) = der_tlv(cert)?;
    let mut rest = tbs;
    if rest.first() == Some(&0xA0) {
        rest = der_tlv(rest)?.3;
    }
    // serial, signature algorithm, issuer, validity, subject
    for _ in 0..5 {
        rest = der_tlv(rest)?.3;
    }
    let (tag, whole, _, _) = der_tlv(rest)?;
    (tag == 0x30).then_some(whole)
}

/// Everything generated once per process.
pub(crate) struct Material {
    /// PKCS#1 DER of the token-signing key (for jsonwebtoken).
    pub signing_pkcs1: Vec<u8>,
    pub signing_public: RsaPublicKey,
    /// `kid` (= `x5t`) of the signing key's certificate.
    pub kid: String,
    /// JWK modulus and exponent, base64url.
    pub jwk_n: String,
    pub jwk_e: String,
    /// The signing key's self-signed certificate (DER, for `x5c`).
    pub signing_cert_der: Vec<u8>,
    pub ca_pem: String,
    pub ca_der: Vec<u8>,
    pub server_cert_der: Vec<u8>,
    pub server_key_pkcs8: Vec<u8>,
    pub client_cert_der: Vec<u8>,
    pub client_cert_pem: String,
    pub client_key_pkcs8: Vec<u8>,
    pub client_cert: RegisteredCert,
    pfx_cache: Mutex<HashMap<String, Arc<Vec<u8>>>>,
}

static MATERIAL: OnceLock<Result<Arc<Material>, String>> = OnceLock::new();

/// The process's key material, generated on first use (a blocking call:
/// run it off the async runtime's worker).
pub(crate) fn material() -> Result<Arc<Material>, String> {
    MATERIAL.get_or_init(|| generate().map(Arc::new)).clone()
}

fn rsa_key() -> Result<RsaPrivateKey, String> {
    let mut rng = rand::thread_rng();
    RsaPrivateKey::new(&mut rng, 2048).map_err(|e| format!("generating an RSA key: {e}"))
}

fn generate() -> Result<Material, String> {
    use rcgen::{
        BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose,
        IsCa, Issuer, KeyPair, KeyUsagePurpose,
    };
    use rustls_pki_types::PrivatePkcs8KeyDer;

    let (signing, client) = std::thread::scope(|s| {
        let a = s.spawn(rsa_key);
        let b = s.spawn(rsa_key);
        (
            a.join().unwrap_or_else(|_| Err("key thread failed".into())),
            b.join().unwrap_or_else(|_| Err("key thread failed".into())),
        )
    });
    let (signing, client) = (signing?, client?);
    let e = |what: &str| {
        let what = what.to_string();
        move |err: rcgen::Error| format!("sandbox certificates: {what}: {err}")
    };
    let not_before = rcgen::date_time_ymd(2024, 1, 1);
    let not_after = rcgen::date_time_ymd(2049, 12, 31);
    let dn = |cn: &str| {
        let mut d = DistinguishedName::new();
        d.push(DnType::OrganizationName, "Lapis sandbox");
        d.push(DnType::CommonName, cn);
        d
    };

    // the CA
    let ca_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(e("CA key"))?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(e("CA"))?;
    ca_params.distinguished_name = dn("Lapis sandbox CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    ca_params.not_before = not_before;
    ca_params.not_after = not_after;
    let ca_cert = ca_params.self_signed(&ca_key).map_err(e("CA"))?;
    let issuer = Issuer::new(ca_params, ca_key);

    // the server certificate for loopback
    let server_key =
        KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(e("server key"))?;
    let mut sp = CertificateParams::new(vec![
        "127.0.0.1".to_string(),
        "localhost".to_string(),
        "::1".to_string(),
    ])
    .map_err(e("server"))?;
    sp.distinguished_name = dn("localhost");
    sp.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    sp.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    sp.not_before = not_before;
    sp.not_after = not_after;
    let server_cert = sp.signed_by(&server_key, &issuer).map_err(e("server"))?;

    // the demo client certificate (RSA)
    let client_pkcs8 = client
        .to_pkcs8_der()
        .map_err(|err| format!("encoding the client key: {err}"))?
        .as_bytes()
        .to_vec();
    let client_kp = KeyPair::from_pkcs8_der_and_sign_algo(
        &PrivatePkcs8KeyDer::from(client_pkcs8.as_slice()),
        &rcgen::PKCS_RSA_SHA256,
    )
    .map_err(e("client key"))?;
    let mut cp = CertificateParams::new(Vec::<String>::new()).map_err(e("client"))?;
    cp.distinguished_name = dn("lapis-sandbox-demo-client");
    cp.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    cp.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    cp.not_before = not_before;
    cp.not_after = not_after;
    let client_cert = cp.signed_by(&client_kp, &issuer).map_err(e("client"))?;

    // the token-signing key's own certificate (for x5t/kid and x5c)
    let signing_pkcs8 = signing
        .to_pkcs8_der()
        .map_err(|err| format!("encoding the signing key: {err}"))?
        .as_bytes()
        .to_vec();
    let signing_kp = KeyPair::from_pkcs8_der_and_sign_algo(
        &PrivatePkcs8KeyDer::from(signing_pkcs8.as_slice()),
        &rcgen::PKCS_RSA_SHA256,
    )
    .map_err(e("signing key"))?;
    let mut kp = CertificateParams::new(Vec::<String>::new()).map_err(e("signing"))?;
    kp.distinguished_name = dn("accounts.sandbox.lapis.local");
    kp.not_before = not_before;
    kp.not_after = not_after;
    let signing_cert = kp.self_signed(&signing_kp).map_err(e("signing"))?;

    let signing_public = signing.to_public_key();
    let client_cert_der = client_cert.der().to_vec();
    Ok(Material {
        signing_pkcs1: signing
            .to_pkcs1_der()
            .map_err(|err| format!("encoding the signing key: {err}"))?
            .as_bytes()
            .to_vec(),
        kid: b64url(&sha1(signing_cert.der())),
        jwk_n: b64url(&signing_public.n().to_bytes_be()),
        jwk_e: b64url(&signing_public.e().to_bytes_be()),
        signing_public,
        signing_cert_der: signing_cert.der().to_vec(),
        ca_pem: ca_cert.pem(),
        ca_der: ca_cert.der().to_vec(),
        server_cert_der: server_cert.der().to_vec(),
        server_key_pkcs8: server_key.serialize_der(),
        client_cert: RegisteredCert::from_der(&client_cert_der)?,
        client_cert_pem: client_cert.pem(),
        client_cert_der,
        client_key_pkcs8: client_pkcs8,
        pfx_cache: Mutex::new(HashMap::new()),
    })
}

impl Material {
    /// The demo client's PKCS#12 file (key + certificate + CA), encrypted
    /// with `password`; cached per password.
    pub fn client_pfx(&self, password: &str) -> Result<Arc<Vec<u8>>, String> {
        if let Ok(cache) = self.pfx_cache.lock() {
            if let Some(p) = cache.get(password) {
                return Ok(p.clone());
            }
        }
        let err = |e: p12_keystore::error::Error| format!("writing the demo PKCS#12 file: {e}");
        let key = p12_keystore::PrivateKey::from_der(&self.client_key_pkcs8).map_err(err)?;
        let chain = vec![
            p12_keystore::Certificate::from_der(&self.client_cert_der).map_err(err)?,
            p12_keystore::Certificate::from_der(&self.ca_der).map_err(err)?,
        ];
        let local_id = sha1(&self.client_cert_der).to_vec();
        let mut store = p12_keystore::KeyStore::new();
        store.add_entry(
            "lapis-sandbox-demo-client",
            p12_keystore::KeyStoreEntry::PrivateKeyChain(p12_keystore::PrivateKeyChain::new(
                local_id, key, chain,
            )),
        );
        let pfx = Arc::new(store.writer(password).write().map_err(err)?);
        if let Ok(mut cache) = self.pfx_cache.lock() {
            cache.insert(password.to_string(), pfx.clone());
        }
        Ok(pfx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_known_answers() {
        let hex = |d: [u8; 20]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(hex(sha1(b"")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(
            hex(sha1(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        let long = vec![b'a'; 1000];
        assert_eq!(hex(sha1(&long)), "291e9a6c66994949b57ba5e650361e98fc36b1ba");
    }

    #[test]
    fn guid_shape() {
        let g = guid();
        assert_eq!(g.len(), 36);
        assert_eq!(&g[14..15], "4");
        assert_eq!(g.matches('-').count(), 4);
    }
}
