//! PKCS#12 files: the private key and certificate chain, and certificate
//! thumbprints.
//!
//! A `.pfx` holds a private key (PKCS#8 once decrypted) and its certificate
//! chain. [`load`] opens one with its password; the errors say in words what
//! went wrong (wrong password, not a PKCS#12 file, no private key) and never
//! hold the password.

use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::SecretBytes;
use crate::secrets::Secret;

/// A certificate and its key.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The private key, PKCS#8 DER.
    pub key_pkcs8: SecretBytes,
    /// The certificate chain, leaf first, DER.
    pub chain: Vec<Vec<u8>>,
}

/// The kind of a private key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// RSA (`rsaEncryption`).
    Rsa,
    /// Elliptic curve (`id-ecPublicKey`).
    Ec,
    /// Anything else (Ed25519, DSA, …).
    Other,
}

impl Identity {
    /// The leaf certificate (DER), if the file held one.
    pub fn leaf(&self) -> Option<&[u8]> {
        self.chain.first().map(Vec::as_slice)
    }

    /// The private key's kind, read from its PKCS#8 algorithm identifier.
    pub fn key_kind(&self) -> KeyKind {
        key_kind(&self.key_pkcs8.0)
    }
}

// DER of the OIDs, as they appear inside a PKCS#8 AlgorithmIdentifier.
const OID_RSA: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
];
const OID_EC: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];

/// The kind of a PKCS#8 private key (by the OID near its start).
pub fn key_kind(pkcs8: &[u8]) -> KeyKind {
    // The algorithm identifier comes within the first few dozen bytes:
    // SEQUENCE { INTEGER version, SEQUENCE { OID, params }, OCTET STRING }.
    let head = &pkcs8[..pkcs8.len().min(40)];
    if contains(head, OID_RSA) {
        KeyKind::Rsa
    } else if contains(head, OID_EC) {
        KeyKind::Ec
    } else {
        KeyKind::Other
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Reads a PKCS#12 file. `password` `None` is the empty password.
pub fn load(pfx: &[u8], password: Option<&Secret>) -> Result<Identity, String> {
    use p12_keystore::error::Error as E;

    if pfx.is_empty() {
        return Err("the certificate file is empty".into());
    }
    let pw = password.map(Secret::expose).unwrap_or("");
    let archive = match p12_keystore::Pkcs12Archive::from_pkcs12(pfx, pw) {
        Ok(a) => a,
        Err(E::MacError(_)) => {
            return Err(if pw.is_empty() {
                "the certificate file needs a password (none was given, or it is wrong)".into()
            } else {
                "the certificate file's password is wrong".into()
            })
        }
        Err(E::UnpadError | E::Pkcs5Error(_) | E::InvalidData) => {
            return Err(
                "the certificate file could not be decrypted: the password is probably wrong"
                    .into(),
            )
        }
        Err(E::DerError(e)) => return Err(not_pkcs12(pfx, &e.to_string())),
        Err(E::InvalidVersion | E::UnsupportedContentType) => {
            return Err(not_pkcs12(pfx, "unexpected structure"))
        }
        Err(E::UnsupportedEncryptionScheme | E::UnsupportedMacAlgorithm) => {
            return Err(
                "the certificate file uses an encryption this program does not support; \
                 export it again with AES-256 (or 3DES) and SHA-256"
                    .into(),
            )
        }
        Err(e) => return Err(format!("the certificate file could not be read: {e}")),
    };

    let Some(key) = archive.keys.first() else {
        return Err(if archive.certs.is_empty() {
            "the certificate file holds neither a private key nor a certificate".into()
        } else {
            "the certificate file holds no private key (only certificates): \
             export it again with its private key"
                .into()
        });
    };

    // The leaf is the certificate with the key's local key id; without ids,
    // the first certificate. The rest follow in the file's order.
    let leaf_idx = key.local_key_id.as_ref().and_then(|id| {
        archive
            .certs
            .iter()
            .position(|c| c.local_key_id.as_deref() == Some(id.as_ref()))
    });
    let mut chain = Vec::with_capacity(archive.certs.len());
    let leaf_idx = leaf_idx.unwrap_or(0);
    if let Some(c) = archive.certs.get(leaf_idx) {
        chain.push(c.cert.as_der().to_vec());
    }
    for (i, c) in archive.certs.iter().enumerate() {
        let der = c.cert.as_der();
        if i != leaf_idx && !chain.iter().any(|d| d.as_slice() == der) {
            chain.push(der.to_vec());
        }
    }
    if chain.is_empty() {
        return Err("the certificate file holds a private key but no certificate".into());
    }
    Ok(Identity {
        key_pkcs8: SecretBytes(key.key.as_der().to_vec()),
        chain,
    })
}

fn not_pkcs12(data: &[u8], detail: &str) -> String {
    let head = &data[..data.len().min(64)];
    let text = String::from_utf8_lossy(head);
    if text.contains("-----BEGIN") {
        "the certificate file is PEM text, not a PKCS#12 (.pfx) file: convert it with \
         `openssl pkcs12 -export`"
            .into()
    } else if head
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'\n' | b'\r'))
    {
        "the certificate file looks like base64 text: give the decoded .pfx bytes".into()
    } else {
        format!("the certificate file is not a PKCS#12 (.pfx) file ({detail})")
    }
}

/// base64url (no padding) of the SHA-256 of a certificate's DER: the JWT
/// `x5t#S256` header.
pub fn thumbprint_sha256(cert_der: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(cert_der))
}

/// base64url (no padding) of the SHA-1 of a certificate's DER: the JWT
/// `x5t` header.
pub fn thumbprint_sha1(cert_der: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha1(cert_der))
}

/// The SHA-1 thumbprint in upper-case hex, as the Azure portal shows it
/// under "Certificates & secrets".
pub fn thumbprint_hex(cert_der: &[u8]) -> String {
    sha1(cert_der).iter().map(|b| format!("{b:02X}")).collect()
}

/// SHA-1 (FIPS 180-4). Only for certificate thumbprints, which are
/// identifiers, not security.
fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0];
    let bit_len = (data.len() as u64).wrapping_mul(8);
    let mut msg = data.to_vec();
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_be_bytes());
    for block in msg.chunks_exact(64) {
        let mut w = [0u32; 80];
        for (i, word) in block.chunks_exact(4).enumerate() {
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
        for (hv, v) in h.iter_mut().zip([a, b, c, d, e]) {
            *hv = hv.wrapping_add(v);
        }
    }
    let mut out = [0u8; 20];
    for (i, v) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&v.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn sha1_known_answers() {
        assert_eq!(hex(&sha1(b"")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(
            hex(&sha1(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            hex(&sha1(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        );
        let million = vec![b'a'; 1_000_000];
        assert_eq!(
            hex(&sha1(&million)),
            "34aa973cd4c4daa4f61eeb2bdbad27316534016f"
        );
    }

    #[test]
    fn garbage_is_not_pkcs12() {
        let e = load(b"\x01\x02\x03 not a pfx", None).unwrap_err();
        assert!(e.contains("not a PKCS#12"), "{e}");
        let e = load(b"-----BEGIN CERTIFICATE-----\nMIIB\n", None).unwrap_err();
        assert!(e.contains("PEM"), "{e}");
        let e = load(
            b"MIIKYQIBAzCCCicGCSqGSIb3DQEHAaCCChgEggoUMIIKEDCCBMcGCSqGSIb3",
            None,
        )
        .unwrap_err();
        assert!(e.contains("base64"), "{e}");
        assert!(load(b"", None).unwrap_err().contains("empty"));
    }
}
