//! Shared access signatures of callback URLs: `sp` (the permission),
//! `sv` (the signature version, `1.0`), optional `se` (NotAfter, RFC 3339
//! UTC) and `sig`.
//!
//! Azure does not publish the string it signs; Lapis signs this one (the
//! README's "Serving the Request trigger" section documents it):
//!
//! ```text
//! lapis-sas-v1 LF <path> LF <sp> LF <sv> LF <se or empty>
//! ```
//!
//! where `<path>` is the URL path up to and including `/invoke` (the
//! trigger's relative path is not signed, as in Azure, where one callback
//! URL serves every value of the `{param}` segments), every value as
//! decoded from the URL. `sig` = base64url without padding of
//! HMAC-SHA256 keyed with the UTF-8 bytes of the key, over that string.
//! The check tries the primary key, then the secondary, each compared in
//! constant time by `hmac`'s `verify_slice`.

use super::keys::{KeyKind, Keys};
use crate::secrets::Secret;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, SecondsFormat, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The only signature version.
pub const SV: &str = "1.0";

/// The permission a callback URL carries: run trigger `trigger`.
pub fn run_permission(trigger: &str) -> String {
    format!("/triggers/{trigger}/run")
}

/// The string that is signed.
pub fn canonical(path: &str, sp: &str, sv: &str, se: Option<&str>) -> String {
    format!("lapis-sas-v1\n{path}\n{sp}\n{sv}\n{}", se.unwrap_or(""))
}

fn mac(key: &Secret, text: &str) -> HmacSha256 {
    // HMAC takes a key of any length: new_from_slice cannot fail.
    let mut m = HmacSha256::new_from_slice(key.expose().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    m.update(text.as_bytes());
    m
}

/// `sig` for the canonical string of these parts.
pub fn sign(key: &Secret, path: &str, sp: &str, sv: &str, se: Option<&str>) -> String {
    URL_SAFE_NO_PAD.encode(
        mac(key, &canonical(path, sp, sv, se))
            .finalize()
            .into_bytes(),
    )
}

/// The SAS parameters of a request, as found in its query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SasParams {
    /// `sp`.
    pub sp: String,
    /// `sv`.
    pub sv: String,
    /// `sig`.
    pub sig: String,
    /// `se`, as written.
    pub se: Option<String>,
}

/// Why a SAS is refused. Messages never say anything about a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SasError {
    /// No `sp`, `sv` or `sig` at all.
    Missing(&'static str),
    /// A parameter is there but malformed (repeated, empty, not base64url,
    /// an unknown version, an `se` that is not RFC 3339).
    Malformed(String),
    /// The signature does not match (tampered path or query, wrong or
    /// regenerated key).
    Mismatch,
    /// Valid, but past its `se`.
    Expired(String),
    /// Valid, but `sp` does not allow running this trigger.
    Scope(String),
}

impl std::fmt::Display for SasError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SasError::Missing(p) => write!(
                f,
                "The request must be authenticated by a shared access signature: the query parameter '{p}' is missing."
            ),
            SasError::Malformed(m) => write!(f, "The shared access signature is not valid: {m}."),
            SasError::Mismatch => f.write_str(
                "The provided authorization signature is not valid for this URL.",
            ),
            SasError::Expired(se) => write!(
                f,
                "The shared access signature expired at '{se}' (its NotAfter, the se parameter)."
            ),
            SasError::Scope(sp) => write!(
                f,
                "The shared access signature's permission '{sp}' does not allow running this trigger."
            ),
        }
    }
}

/// Reads `sp`, `sv`, `sig` and `se` from a raw query string.
pub fn params(query: &str) -> Result<SasParams, SasError> {
    let mut found: [Option<String>; 4] = [None, None, None, None];
    const NAMES: [&str; 4] = ["sp", "sv", "sig", "se"];
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        if let Some(i) = NAMES.iter().position(|n| *n == k) {
            if found[i].is_some() {
                return Err(SasError::Malformed(format!(
                    "the query parameter '{}' is given more than once",
                    NAMES[i]
                )));
            }
            found[i] = Some(v.into_owned());
        }
    }
    let [sp, sv, sig, se] = found;
    if sp.is_none() && sv.is_none() && sig.is_none() {
        return Err(SasError::Missing("sig"));
    }
    let sp = sp.ok_or(SasError::Missing("sp"))?;
    let sv = sv.ok_or(SasError::Missing("sv"))?;
    let sig = sig.ok_or(SasError::Missing("sig"))?;
    for (n, v) in [("sp", &sp), ("sv", &sv), ("sig", &sig)] {
        if v.is_empty() {
            return Err(SasError::Malformed(format!(
                "the query parameter '{n}' is empty"
            )));
        }
    }
    if sv != SV {
        return Err(SasError::Malformed(format!(
            "the signature version '{sv}' is not supported (use sv={SV})"
        )));
    }
    if URL_SAFE_NO_PAD.decode(&sig).map(|b| b.len()) != Ok(32) {
        return Err(SasError::Malformed(
            "the sig parameter is not a base64url signature".into(),
        ));
    }
    if let Some(se) = &se {
        if DateTime::parse_from_rfc3339(se).is_err() {
            return Err(SasError::Malformed(format!(
                "the se parameter '{se}' is not an RFC 3339 time"
            )));
        }
    }
    Ok(SasParams { sp, sv, sig, se })
}

/// Checks a SAS for `path` (up to `/invoke`) and trigger `trigger` at
/// `now`: the key that signed it, or why it is refused. The signature is
/// checked before the expiry and the permission, so only the holder of a
/// genuine URL learns that it expired or does not allow this trigger.
pub fn verify(
    keys: &Keys,
    path: &str,
    trigger: &str,
    p: &SasParams,
    now: DateTime<Utc>,
) -> Result<KeyKind, SasError> {
    let sig = URL_SAFE_NO_PAD
        .decode(&p.sig)
        .map_err(|_| SasError::Mismatch)?;
    let text = canonical(path, &p.sp, &p.sv, p.se.as_deref());
    let mut matched = None;
    for kind in [KeyKind::Primary, KeyKind::Secondary] {
        // Both keys are always tried, so timing does not tell which one
        // signed.
        if mac(keys.get(kind), &text).verify_slice(&sig).is_ok() && matched.is_none() {
            matched = Some(kind);
        }
    }
    let kind = matched.ok_or(SasError::Mismatch)?;
    if let Some(se) = &p.se {
        let t = DateTime::parse_from_rfc3339(se)
            .map_err(|_| SasError::Malformed("the se parameter is not an RFC 3339 time".into()))?;
        if now > t.with_timezone(&Utc) {
            return Err(SasError::Expired(se.clone()));
        }
    }
    if p.sp != run_permission(trigger) {
        return Err(SasError::Scope(p.sp.clone()));
    }
    Ok(kind)
}

/// The query of a callback URL: `api-version`, `sp`, `sv`, `se` when
/// given, and `sig`, percent-encoded as Azure writes them.
pub fn callback_query(
    api_version: &str,
    path: &str,
    trigger: &str,
    key: &Secret,
    not_after: Option<DateTime<Utc>>,
) -> String {
    let sp = run_permission(trigger);
    let se = not_after.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true));
    let sig = sign(key, path, &sp, SV, se.as_deref());
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("api-version", api_version);
    q.append_pair("sp", &sp);
    q.append_pair("sv", SV);
    if let Some(se) = &se {
        q.append_pair("se", se);
    }
    q.append_pair("sig", &sig);
    q.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    const PATH: &str = "/workflows/orders/triggers/manual/paths/invoke";

    fn keys() -> Keys {
        Keys {
            primary: Secret::new("primary-key-for-tests-0000000000000000000"),
            secondary: Secret::new("secondary-key-for-tests-000000000000000000"),
        }
    }

    fn query_params(q: &str) -> SasParams {
        params(q).unwrap()
    }

    #[test]
    fn a_signed_query_verifies_with_the_key_that_signed_it() {
        let k = keys();
        let now = Utc::now();
        let q = callback_query("2016-10-01", PATH, "manual", &k.primary, None);
        assert!(q.contains("sp=%2Ftriggers%2Fmanual%2Frun"), "{q}");
        assert!(q.contains("sv=1.0"));
        let p = query_params(&q);
        assert_eq!(verify(&k, PATH, "manual", &p, now), Ok(KeyKind::Primary));
        let q = callback_query("2016-10-01", PATH, "manual", &k.secondary, None);
        assert_eq!(
            verify(&k, PATH, "manual", &query_params(&q), now),
            Ok(KeyKind::Secondary)
        );
    }

    #[test]
    fn the_signature_covers_path_permission_version_and_expiry() {
        let k = keys();
        let now = Utc::now();
        let later = now + Duration::hours(1);
        let q = callback_query("2016-10-01", PATH, "manual", &k.primary, Some(later));
        let p = query_params(&q);
        assert!(verify(&k, PATH, "manual", &p, now).is_ok());
        // Another workflow's path.
        let other = "/workflows/other/triggers/manual/paths/invoke";
        assert_eq!(
            verify(&k, other, "manual", &p, now),
            Err(SasError::Mismatch)
        );
        // A pushed-back expiry.
        let mut pushed = p.clone();
        pushed.se = Some((later + Duration::days(1)).to_rfc3339_opts(SecondsFormat::Secs, true));
        assert_eq!(
            verify(&k, PATH, "manual", &pushed, now),
            Err(SasError::Mismatch)
        );
        // An expiry removed.
        let mut removed = p.clone();
        removed.se = None;
        assert_eq!(
            verify(&k, PATH, "manual", &removed, now),
            Err(SasError::Mismatch)
        );
        // A changed permission.
        let mut sp = p.clone();
        sp.sp = "/triggers/other/run".into();
        assert_eq!(
            verify(&k, PATH, "manual", &sp, now),
            Err(SasError::Mismatch)
        );
        // A flipped signature character.
        let mut sig = p.clone();
        let c = if sig.sig.starts_with('A') { "B" } else { "A" };
        sig.sig.replace_range(0..1, c);
        assert_eq!(
            verify(&k, PATH, "manual", &sig, now),
            Err(SasError::Mismatch)
        );
        // Another key.
        let other_keys = Keys {
            primary: Secret::new("x"),
            secondary: Secret::new("y"),
        };
        assert_eq!(
            verify(&other_keys, PATH, "manual", &p, now),
            Err(SasError::Mismatch)
        );
    }

    #[test]
    fn expiry_is_checked_after_the_signature() {
        let k = keys();
        let past = Utc::now() - Duration::seconds(5);
        let q = callback_query("2016-10-01", PATH, "manual", &k.primary, Some(past));
        let p = query_params(&q);
        assert!(matches!(
            verify(&k, PATH, "manual", &p, Utc::now()),
            Err(SasError::Expired(_))
        ));
        // Still valid one second before.
        assert!(verify(&k, PATH, "manual", &p, past - Duration::seconds(1)).is_ok());
    }

    #[test]
    fn a_permission_for_another_trigger_is_refused_even_when_signed() {
        let k = keys();
        let sp = run_permission("other");
        let sig = sign(&k.primary, PATH, &sp, SV, None);
        let p = SasParams {
            sp,
            sv: SV.into(),
            sig,
            se: None,
        };
        assert!(matches!(
            verify(&k, PATH, "manual", &p, Utc::now()),
            Err(SasError::Scope(_))
        ));
    }

    #[test]
    fn missing_and_malformed_parameters_are_named() {
        assert_eq!(params("api-version=1"), Err(SasError::Missing("sig")));
        assert_eq!(
            params("sp=%2Ftriggers%2Fm%2Frun&sig=abc"),
            Err(SasError::Missing("sv"))
        );
        let good_sig = URL_SAFE_NO_PAD.encode([7u8; 32]);
        let e = params(&format!("sp=a&sv=2.0&sig={good_sig}")).unwrap_err();
        assert!(e.to_string().contains("version"), "{e}");
        let e = params("sp=a&sv=1.0&sig=not*base64").unwrap_err();
        assert!(e.to_string().contains("base64url"), "{e}");
        let e = params(&format!("sp=a&sv=1.0&sig={good_sig}&sig={good_sig}")).unwrap_err();
        assert!(e.to_string().contains("more than once"), "{e}");
        let e = params(&format!("sp=a&sv=1.0&sig={good_sig}&se=tomorrow")).unwrap_err();
        assert!(e.to_string().contains("RFC 3339"), "{e}");
        let e = params(&format!("sp=&sv=1.0&sig={good_sig}")).unwrap_err();
        assert!(e.to_string().contains("empty"), "{e}");
    }

    #[test]
    fn messages_reveal_nothing_of_the_key() {
        let k = keys();
        for e in [
            SasError::Mismatch,
            SasError::Missing("sig"),
            SasError::Expired("2020-01-01T00:00:00Z".into()),
        ] {
            let m = e.to_string();
            assert!(!m.contains(k.primary.expose()) && !m.contains(k.secondary.expose()));
        }
    }
}
