//! PKCS#12 files: the private key and certificate chain. (Stub.)

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

/// Reads a PKCS#12 file.
pub fn load(pfx: &[u8], password: Option<&Secret>) -> Result<Identity, String> {
    let _ = (pfx, password);
    unimplemented!()
}
