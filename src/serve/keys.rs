//! Access keys of served workflows: a primary and a secondary key per
//! workflow, each 256 random bits, kept in the OS keychain, or in
//! `serve-keys.json` (mode 0600) under the data folder when no keychain
//! answers (or `LAPIS_NO_KEYCHAIN` is set).
//!
//! A workflow is identified by its file (canonical path) and its name in
//! the file; the keychain entry is `serve-key:<sha256 of that, 16 hex>:<kind>`.
//! A regeneration writes a fresh random stamp into `serve-keys.stamp`, so a
//! running server (which reads the stamp per request) drops its cached
//! keychain keys at once; with the file store the file itself is re-read.

use crate::secrets::Secret;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::RngCore;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The file that holds keys when no keychain answers.
pub const KEYS_FILE: &str = "serve-keys.json";
/// The file whose content changes on each regeneration.
pub const STAMP_FILE: &str = "serve-keys.stamp";

/// Which of the two keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// The primary key (callback URLs are signed with it by default).
    Primary,
    /// The secondary key (for rotation: hand out URLs signed with it,
    /// regenerate the primary, then the other way round).
    Secondary,
}

impl KeyKind {
    /// `primary` or `secondary`.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Primary => "primary",
            KeyKind::Secondary => "secondary",
        }
    }

    /// Parses `primary` or `secondary` (case-insensitive).
    pub fn parse(s: &str) -> Result<KeyKind, String> {
        match s.to_ascii_lowercase().as_str() {
            "primary" => Ok(KeyKind::Primary),
            "secondary" => Ok(KeyKind::Secondary),
            _ => Err(format!("`{s}` is not a key: use primary or secondary")),
        }
    }
}

/// The two keys of one workflow (their `Debug` prints masks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    /// The primary key.
    pub primary: Secret,
    /// The secondary key.
    pub secondary: Secret,
}

impl Keys {
    /// The key of `kind`.
    pub fn get(&self, kind: KeyKind) -> &Secret {
        match kind {
            KeyKind::Primary => &self.primary,
            KeyKind::Secondary => &self.secondary,
        }
    }
}

/// A new random key: 32 bytes from the operating system's generator,
/// base64url without padding (43 characters).
pub fn new_key() -> Secret {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    let s = URL_SAFE_NO_PAD.encode(b);
    b.fill(0);
    Secret::new(s)
}

/// The identity of a workflow for the key store: the canonical path of
/// its file and its name.
pub fn workflow_id(file: &Path, workflow: &str) -> String {
    let p = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_owned());
    format!("{}#{workflow}", p.display())
}

fn entry_name(id: &str, kind: KeyKind) -> String {
    let h = Sha256::digest(id.as_bytes());
    let hex: String = h[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("serve-key:{hex}:{}", kind.as_str())
}

/// Where keys live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The OS keychain (with the file as fallback for entries it refuses).
    Keychain,
    /// Only the file in the data folder.
    File,
}

/// The key store. Blocking (the keychain talks D-Bus on Linux): call it
/// from a worker thread, never from an async task.
#[derive(Debug)]
pub struct KeyStore {
    dir: PathBuf,
    backend: Backend,
    /// Keys read from the keychain, with the stamp they were read under.
    cache: Mutex<(String, HashMap<String, Keys>)>,
}

impl KeyStore {
    /// The store in the data folder: the keychain unless it is turned off
    /// (`LAPIS_NO_KEYCHAIN`), the file otherwise.
    pub fn open_default() -> Result<KeyStore, String> {
        let dir = crate::paths::data_dir()
            .ok_or("access keys: no data folder (set LAPIS_DATA_DIR)".to_owned())?;
        let backend = if crate::secrets::keychain_disabled() {
            Backend::File
        } else {
            Backend::Keychain
        };
        Ok(KeyStore::new(dir, backend))
    }

    /// A store in `dir` with `backend`.
    pub fn new(dir: PathBuf, backend: Backend) -> KeyStore {
        KeyStore {
            dir,
            backend,
            cache: Mutex::new((String::new(), HashMap::new())),
        }
    }

    /// A store that only uses the file in `dir` (tests, CI).
    pub fn file_only(dir: &Path) -> KeyStore {
        KeyStore::new(dir.to_owned(), Backend::File)
    }

    /// The folder it keeps its files in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn file(&self) -> PathBuf {
        self.dir.join(KEYS_FILE)
    }

    fn read_file(&self) -> Result<Map<String, Value>, String> {
        let path = self.file();
        match std::fs::read(&path) {
            Ok(b) => match serde_json::from_slice::<Value>(&b) {
                Ok(Value::Object(m)) => Ok(m),
                Ok(_) | Err(_) => Err(format!(
                    "access keys: {} is not a JSON object; delete it to make new keys",
                    path.display()
                )),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Map::new()),
            Err(e) => Err(format!("access keys: cannot read {}: {e}", path.display())),
        }
    }

    fn write_file(&self, m: &Map<String, Value>) -> Result<(), String> {
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| format!("access keys: cannot create {}: {e}", self.dir.display()))?;
        let path = self.file();
        let err = |e: std::io::Error| format!("access keys: cannot write {}: {e}", path.display());
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir).map_err(err)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(err)?;
        }
        use std::io::Write;
        let text = serde_json::to_vec_pretty(&Value::Object(m.clone())).unwrap_or_default();
        tmp.write_all(&text).map_err(err)?;
        tmp.as_file().sync_all().map_err(err)?;
        tmp.persist(&path).map_err(|e| err(e.error))?;
        Ok(())
    }

    fn file_keys(&self, id: &str) -> Result<Option<Keys>, String> {
        let m = self.read_file()?;
        let Some(e) = m.get(id) else { return Ok(None) };
        let p = e.get("primary").and_then(Value::as_str);
        let s = e.get("secondary").and_then(Value::as_str);
        match (p, s) {
            (Some(p), Some(s)) if !p.is_empty() && !s.is_empty() => Ok(Some(Keys {
                primary: Secret::new(p),
                secondary: Secret::new(s),
            })),
            _ => Err(format!(
                "access keys: the entry of {id} in {} lacks a primary or secondary key",
                self.file().display()
            )),
        }
    }

    fn set_file_key(&self, id: &str, kind: KeyKind, key: &Secret) -> Result<(), String> {
        let mut m = self.read_file()?;
        let e = m
            .entry(id.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if !e.is_object() {
            *e = Value::Object(Map::new());
        }
        e[kind.as_str()] = Value::String(key.expose().to_owned());
        self.write_file(&m)
    }

    fn stamp(&self) -> String {
        std::fs::read_to_string(self.dir.join(STAMP_FILE)).unwrap_or_default()
    }

    fn bump_stamp(&self) -> Result<(), String> {
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| format!("access keys: cannot create {}: {e}", self.dir.display()))?;
        let mut b = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut b);
        let path = self.dir.join(STAMP_FILE);
        crate::serve::write_atomic(&path, URL_SAFE_NO_PAD.encode(b).as_bytes())
            .map_err(|e| format!("access keys: cannot write {}: {e}", path.display()))
    }

    fn keychain_keys(&self, id: &str) -> Result<Option<Keys>, String> {
        let p = crate::secrets::keychain_get(&entry_name(id, KeyKind::Primary))?;
        let s = crate::secrets::keychain_get(&entry_name(id, KeyKind::Secondary))?;
        Ok(match (p, s) {
            (Some(primary), Some(secondary)) => Some(Keys { primary, secondary }),
            _ => None,
        })
    }

    /// The keys of workflow `id` as they are now (re-read when a
    /// regeneration happened since the last call); `None` when it has none
    /// yet.
    pub fn current(&self, id: &str) -> Result<Option<Keys>, String> {
        if let Some(k) = self.file_keys(id)? {
            return Ok(Some(k));
        }
        if self.backend == Backend::File {
            return Ok(None);
        }
        let stamp = self.stamp();
        {
            let c = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            if c.0 == stamp {
                if let Some(k) = c.1.get(id) {
                    return Ok(Some(k.clone()));
                }
            }
        }
        let found = self.keychain_keys(id).unwrap_or(None);
        let mut c = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if c.0 != stamp {
            *c = (stamp, HashMap::new());
        }
        if let Some(k) = &found {
            c.1.insert(id.to_owned(), k.clone());
        }
        Ok(found)
    }

    /// The keys of workflow `id`, made (both at random) when it has none.
    pub fn ensure(&self, id: &str) -> Result<Keys, String> {
        if let Some(k) = self.current(id)? {
            return Ok(k);
        }
        let keys = Keys {
            primary: new_key(),
            secondary: new_key(),
        };
        self.put(id, KeyKind::Primary, &keys.primary)?;
        self.put(id, KeyKind::Secondary, &keys.secondary)?;
        Ok(keys)
    }

    /// Stores one key: in the keychain when it takes it (checked by reading
    /// it back), else in the file.
    fn put(&self, id: &str, kind: KeyKind, key: &Secret) -> Result<(), String> {
        let in_file = self.file_keys(id).ok().flatten().is_some();
        if self.backend == Backend::Keychain && !in_file {
            let name = entry_name(id, kind);
            if crate::secrets::keychain_set(&name, key).is_ok()
                && crate::secrets::keychain_get(&name)
                    .ok()
                    .flatten()
                    .is_some_and(|k| k == *key)
            {
                return self.bump_stamp();
            }
        }
        // The file holds both keys of a workflow or none.
        if !in_file {
            let other = match kind {
                KeyKind::Primary => KeyKind::Secondary,
                KeyKind::Secondary => KeyKind::Primary,
            };
            let existing = self
                .keychain_keys_if_any(id)
                .map(|k| k.get(other).clone())
                .unwrap_or_else(new_key);
            self.set_file_key(id, other, &existing)?;
        }
        self.set_file_key(id, kind, key)?;
        self.bump_stamp()
    }

    fn keychain_keys_if_any(&self, id: &str) -> Option<Keys> {
        if self.backend == Backend::File {
            return None;
        }
        self.keychain_keys(id).ok().flatten()
    }

    /// Replaces the `kind` key of workflow `id` with a new random one:
    /// every URL signed with the old key is refused from now on, by a
    /// running server too.
    pub fn regenerate(&self, id: &str, kind: KeyKind) -> Result<(), String> {
        self.ensure(id)?;
        self.put(id, kind, &new_key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_256_bit_and_masked() {
        let a = new_key();
        let b = new_key();
        assert_ne!(a, b);
        assert_eq!(URL_SAFE_NO_PAD.decode(a.expose()).unwrap().len(), 32);
        assert_eq!(format!("{a:?}"), crate::secrets::MASK);
    }

    #[test]
    fn file_store_makes_keeps_and_regenerates() {
        let dir = tempfile::tempdir().unwrap();
        let store = KeyStore::file_only(dir.path());
        assert!(store.current("wf").unwrap().is_none());
        let k = store.ensure("wf").unwrap();
        assert_ne!(k.primary, k.secondary);
        assert_eq!(store.ensure("wf").unwrap(), k);
        // Another store on the same folder (another process) sees them.
        let other = KeyStore::file_only(dir.path());
        assert_eq!(other.current("wf").unwrap().unwrap(), k);
        store.regenerate("wf", KeyKind::Primary).unwrap();
        let k2 = other.current("wf").unwrap().unwrap();
        assert_ne!(k2.primary, k.primary);
        assert_eq!(k2.secondary, k.secondary);
        store.regenerate("wf", KeyKind::Secondary).unwrap();
        assert_ne!(other.current("wf").unwrap().unwrap().secondary, k.secondary);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEYS_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_damaged_file_is_an_error_that_names_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(KEYS_FILE), "[1").unwrap();
        let e = KeyStore::file_only(dir.path()).ensure("wf").unwrap_err();
        assert!(e.contains(KEYS_FILE), "{e}");
    }

    #[test]
    fn kinds_parse() {
        assert_eq!(KeyKind::parse("Primary").unwrap(), KeyKind::Primary);
        assert_eq!(KeyKind::parse("secondary").unwrap(), KeyKind::Secondary);
        assert!(KeyKind::parse("tertiary")
            .unwrap_err()
            .contains("primary or secondary"));
    }
}
