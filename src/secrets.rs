//! Secret values: a type that never prints itself, the places a secret can
//! come from (session memory, `LAPIS_SECRET_<NAME>` environment variables,
//! the OS keychain), and redaction of text that might hold one.
//!
//! A [`Secret`]'s `Debug` and `Display` print a mask; the value is read
//! only through [`Secret::expose`], so every place that needs it is easy to
//! find. The memory is wiped when the secret is dropped.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use zeroize::Zeroize;

/// What a secret prints instead of itself.
pub const MASK: &str = "••••••";

/// The keychain service name under which Lapis keeps its secrets.
pub const KEYCHAIN_SERVICE: &str = "lapis";

/// A secret string. `Debug` and `Display` print [`MASK`].
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself. Every caller is a place where the secret leaves
    /// its box: keep them few.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True for the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Secret {
        Secret(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Secret {
        Secret(s.to_owned())
    }
}

/// Where a secret was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Typed in this session, or given by the caller.
    Memory,
    /// An environment variable.
    Environment,
    /// The operating system's keychain.
    Keychain,
}

impl Origin {
    /// A word for the user.
    pub fn describe(self) -> &'static str {
        match self {
            Origin::Memory => "this session",
            Origin::Environment => "the environment",
            Origin::Keychain => "the keychain",
        }
    }
}

/// The environment variable that holds secret `name`:
/// `LAPIS_SECRET_` and the name in capitals, with every character that is not
/// a letter or digit turned into `_` (`apiSecret` → `LAPIS_SECRET_APISECRET`).
pub fn env_var_name(name: &str) -> String {
    let mut s = String::from("LAPIS_SECRET_");
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_uppercase());
        } else {
            s.push('_');
        }
    }
    s
}

/// True when the keychain is turned off (`LAPIS_NO_KEYCHAIN` set), as in
/// tests and CI.
pub fn keychain_disabled() -> bool {
    std::env::var_os("LAPIS_NO_KEYCHAIN").is_some_and(|v| !v.is_empty() && v != "0")
}

/// The secrets of a session: values in memory first, then the environment,
/// then the keychain. Cheap to clone; clones share the memory.
///
/// The keychain calls block (on Linux they talk to the Secret Service over
/// D-Bus): call them from a worker thread or `spawn_blocking`, not from the
/// UI thread or an async task.
#[derive(Clone, Default)]
pub struct SecretStore {
    memory: Arc<Mutex<BTreeMap<String, Secret>>>,
    no_keychain: bool,
}

impl fmt::Debug for SecretStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self.names();
        f.debug_struct("SecretStore")
            .field("in_memory", &names)
            .finish()
    }
}

impl SecretStore {
    /// A store that reads the environment and the keychain (unless
    /// `LAPIS_NO_KEYCHAIN` is set).
    pub fn new() -> SecretStore {
        SecretStore {
            memory: Arc::default(),
            no_keychain: keychain_disabled(),
        }
    }

    /// A store that never touches the keychain.
    pub fn without_keychain() -> SecretStore {
        SecretStore {
            memory: Arc::default(),
            no_keychain: true,
        }
    }

    /// Keeps `value` for `name` in memory for this session.
    pub fn set(&self, name: &str, value: Secret) {
        self.lock().insert(name.to_owned(), value);
    }

    /// Forgets the session's value for `name`.
    pub fn forget(&self, name: &str) {
        self.lock().remove(name);
    }

    /// The names held in memory.
    pub fn names(&self) -> Vec<String> {
        self.lock().keys().cloned().collect()
    }

    /// The value of `name`, and where it came from: memory, then the
    /// environment, then the keychain.
    pub fn get(&self, name: &str) -> Option<(Secret, Origin)> {
        if let Some(s) = self.lock().get(name) {
            return Some((s.clone(), Origin::Memory));
        }
        if let Ok(v) = std::env::var(env_var_name(name)) {
            return Some((Secret::new(v), Origin::Environment));
        }
        if self.no_keychain {
            return None;
        }
        keychain_get(name)
            .ok()
            .flatten()
            .map(|s| (s, Origin::Keychain))
    }

    /// Stores `value` in the OS keychain under `name`, and in memory.
    pub fn remember(&self, name: &str, value: Secret) -> Result<(), String> {
        if self.no_keychain {
            return Err("the keychain is turned off (LAPIS_NO_KEYCHAIN)".into());
        }
        keychain_set(name, &value)?;
        self.set(name, value);
        Ok(())
    }

    /// Removes `name` from the keychain and from memory.
    pub fn forget_everywhere(&self, name: &str) -> Result<(), String> {
        self.forget(name);
        if self.no_keychain {
            return Ok(());
        }
        keychain_delete(name)
    }

    /// Every value held in memory, for a [`Redactor`].
    pub fn redactor(&self) -> Redactor {
        let mut r = Redactor::default();
        for (name, value) in self.lock().iter() {
            r.add(name, value);
        }
        r
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Secret>> {
        // A panic while holding the lock leaves the map as it was: use it.
        self.memory.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn keychain_entry(name: &str) -> Result<keyring::Entry, String> {
    keyring::Entry::new(KEYCHAIN_SERVICE, name).map_err(|e| keychain_error(&e))
}

fn keychain_error(e: &keyring::Error) -> String {
    match e {
        keyring::Error::NoStorageAccess(_) | keyring::Error::PlatformFailure(_) => format!(
            "the OS keychain cannot be reached ({e}); on Linux it needs a Secret Service such as GNOME Keyring or KWallet"
        ),
        other => format!("keychain: {other}"),
    }
}

/// Reads `name` from the OS keychain: `Ok(None)` when it holds no such
/// entry.
pub fn keychain_get(name: &str) -> Result<Option<Secret>, String> {
    match keychain_entry(name)?.get_password() {
        Ok(v) => Ok(Some(Secret::new(v))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(keychain_error(&e)),
    }
}

/// Writes `name` to the OS keychain.
pub fn keychain_set(name: &str, value: &Secret) -> Result<(), String> {
    keychain_entry(name)?
        .set_password(value.expose())
        .map_err(|e| keychain_error(&e))
}

/// Deletes `name` from the OS keychain; a missing entry is not an error.
pub fn keychain_delete(name: &str) -> Result<(), String> {
    match keychain_entry(name)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(keychain_error(&e)),
    }
}

/// Replaces known secret values in text with `<secret:NAME>`.
///
/// Each value is also looked for in the forms it takes on the wire:
/// percent-encoded (form bodies, query strings) and, for values added with
/// [`Redactor::add_basic`], inside a Basic `Authorization` header.
#[derive(Clone, Default)]
pub struct Redactor {
    // (needle, placeholder), longest needles first when applied.
    needles: Vec<(String, String)>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Redactor({} values)", self.needles.len())
    }
}

/// Values shorter than this are not redacted: a one- or two-character
/// "secret" would turn every text into noise.
const MIN_REDACT_LEN: usize = 4;

/// What a query name or value keeps unencoded: RFC 3986 unreserved.
pub const QUERY_SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// What the url crate encodes in a query written inside a URL.
const INLINE_QUERY_SET: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'\'');

impl Redactor {
    /// A redactor that knows nothing yet.
    pub fn new() -> Redactor {
        Redactor::default()
    }

    /// Redacts `value` as `<secret:NAME>`, also in percent-encoded form.
    pub fn add(&mut self, name: &str, value: &Secret) {
        self.add_raw(value.expose(), &format!("<secret:{name}>"));
    }

    /// Redacts a derived value (a token, a signature) with `placeholder`.
    pub fn add_raw(&mut self, value: &str, placeholder: &str) {
        if value.chars().count() < MIN_REDACT_LEN {
            return;
        }
        let pct = |set| percent_encoding::utf8_percent_encode(value, set).to_string();
        let encoded = pct(percent_encoding::NON_ALPHANUMERIC);
        // As a query value is encoded (RFC 3986 unreserved kept), as the
        // url crate encodes a query written inline, and as a form.
        let query = pct(QUERY_SET);
        let inline = pct(INLINE_QUERY_SET);
        let form: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
        // As written inside a JSON string (quotes, backslashes, controls).
        let json = serde_json::to_string(value)
            .map(|q| q[1..q.len() - 1].to_owned())
            .unwrap_or_else(|_| value.to_owned());
        for needle in [
            value.to_owned(),
            encoded,
            query,
            inline,
            form,
            value.replace(' ', "+"),
            json,
        ] {
            if !self.needles.iter().any(|(n, _)| *n == needle) {
                self.needles.push((needle, placeholder.to_owned()));
            }
        }
        self.needles.sort_by_key(|n| std::cmp::Reverse(n.0.len()));
    }

    /// Redacts the Basic credentials `user:password` in their base64 form.
    pub fn add_basic(&mut self, user: &str, password: &Secret) {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD
            .encode(format!("{user}:{}", password.expose()));
        self.add_raw(&b64, "<secret:basic-credentials>");
    }

    /// Adds every value of `other`.
    pub fn extend(&mut self, other: &Redactor) {
        for (n, p) in &other.needles {
            if !self.needles.iter().any(|(m, _)| m == n) {
                self.needles.push((n.clone(), p.clone()));
            }
        }
        self.needles.sort_by_key(|n| std::cmp::Reverse(n.0.len()));
    }

    /// True when `text` holds none of the values.
    pub fn is_clean(&self, text: &str) -> bool {
        !self.needles.iter().any(|(n, _)| text.contains(n.as_str()))
    }

    /// `text` with every known value replaced.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (needle, placeholder) in &self.needles {
            if out.contains(needle.as_str()) {
                out = out.replace(needle.as_str(), placeholder);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_mask_the_value() {
        let s = Secret::new("hunter2-canary");
        assert_eq!(format!("{s:?}"), MASK);
        assert_eq!(format!("{s}"), MASK);
        assert_eq!(format!("{:?}", Some(s.clone())), format!("Some({MASK})"));
        assert_eq!(s.expose(), "hunter2-canary");
    }

    #[test]
    fn env_names() {
        assert_eq!(env_var_name("apiSecret"), "LAPIS_SECRET_APISECRET");
        assert_eq!(
            env_var_name("client-secret.v2"),
            "LAPIS_SECRET_CLIENT_SECRET_V2"
        );
    }

    #[test]
    fn memory_then_environment() {
        let store = SecretStore::without_keychain();
        assert!(store.get("lapisUnitTestNothing").is_none());
        // SAFETY: this test is the only reader of this variable.
        unsafe { std::env::set_var("LAPIS_SECRET_LAPISUNITTESTENV", "from-env") };
        let (v, o) = store.get("lapisUnitTestEnv").unwrap();
        assert_eq!((v.expose(), o), ("from-env", Origin::Environment));
        store.set("lapisUnitTestEnv", Secret::new("typed"));
        let (v, o) = store.get("lapisUnitTestEnv").unwrap();
        assert_eq!((v.expose(), o), ("typed", Origin::Memory));
        assert!(format!("{store:?}").contains("lapisUnitTestEnv"));
        assert!(!format!("{store:?}").contains("typed"));
        assert!(store.remember("x", Secret::new("y")).is_err());
    }

    #[test]
    fn redaction_finds_wire_forms() {
        let mut r = Redactor::new();
        r.add("clientSecret", &Secret::new("a+b/c=d e"));
        r.add_basic("alice", &Secret::new("pa55word"));
        r.add("tiny", &Secret::new("ab"));
        let text = "client_secret=a%2Bb%2Fc%3Dd%20e&x=a+b/c=d+e raw a+b/c=d e \
                    Authorization: Basic YWxpY2U6cGE1NXdvcmQ= ab";
        let out = r.redact(text);
        assert!(r.is_clean(&out), "{out}");
        assert_eq!(out.matches("<secret:clientSecret>").count(), 3, "{out}");
        assert!(out.contains("Basic <secret:basic-credentials>"));
        assert!(out.ends_with(" ab"), "short values are left alone");
    }

    #[test]
    fn redaction_finds_query_form_and_json_forms() {
        let mut r = Redactor::new();
        let v = "k3y-x/y~z \"q\" ü";
        r.add("key", &Secret::new(v));
        let query = percent_encoding::utf8_percent_encode(v, QUERY_SET).to_string();
        let form: String = url::form_urlencoded::byte_serialize(v.as_bytes()).collect();
        let json = serde_json::to_string(v).unwrap();
        let mut url = url::Url::parse("http://h/p").unwrap();
        url.set_query(Some(&format!("k={v}")));
        for text in [query, form, json, url.to_string()] {
            let out = r.redact(&text);
            assert!(out.contains("<secret:key>"), "{text} → {out}");
            assert!(!out.contains("k3y"), "{text} → {out}");
        }
    }
}
