//! Checks of an ActiveDirectoryOAuth authentication as it is typed:
//! the authority must be an https URL with no tenant or path in it; the
//! tenant a GUID or a domain (the client-credentials grant needs a
//! directory: `common`, `organizations` and `consumers` are refused); the
//! audience a URI, and for an App Proxy app (`*.msappproxy.net`, or a
//! custom domain) the same host as the action's URI, since App Proxy
//! accepts a token only for its own external URL.
//!
//! A value that is an expression (`@parameters('…')`, `@{…}`) is not
//! checked here: its value is known only when the call is prepared.

/// Which field a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OAuthField {
    /// `authority`.
    Authority,
    /// `tenant`.
    Tenant,
    /// `audience`.
    Audience,
}

/// One finding: an error (the call cannot work) or a warning (it may not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthFinding {
    /// The field it is about.
    pub field: OAuthField,
    /// True when the call cannot work as written.
    pub error: bool,
    /// What is wrong and what to write instead.
    pub message: String,
}

/// The literal text of a value, or `None` for an empty value or an
/// expression (checked when the call is prepared, not here).
fn literal(v: Option<&str>) -> Option<&str> {
    let v = v?.trim();
    if v.is_empty() || (v.starts_with('@') && !v.starts_with("@@")) || v.contains("@{") {
        return None;
    }
    Some(v)
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in hex.
pub fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// A DNS name of at least two labels: `contoso.onmicrosoft.com`.
pub fn is_domain(s: &str) -> bool {
    let labels: Vec<&str> = s.split('.').collect();
    s.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|t| t.chars().any(|c| c.is_ascii_alphabetic()))
}

fn finding(field: OAuthField, error: bool, message: String) -> OAuthFinding {
    OAuthFinding {
        field,
        error,
        message,
    }
}

/// The findings for an authentication's `authority`, `tenant` and
/// `audience`, and the action's `uri` (each as written; `None` when
/// absent).
pub fn check_oauth(
    authority: Option<&str>,
    tenant: Option<&str>,
    audience: Option<&str>,
    uri: Option<&str>,
) -> Vec<OAuthFinding> {
    let mut out = Vec::new();
    if let Some(a) = literal(authority) {
        check_authority(a, &mut out);
    }
    if let Some(t) = literal(tenant) {
        check_tenant(t, &mut out);
    }
    if let Some(aud) = literal(audience) {
        check_audience(aud, literal(uri), &mut out);
    }
    out
}

fn check_authority(a: &str, out: &mut Vec<OAuthFinding>) {
    use OAuthField::Authority;
    if !a.contains("://") {
        out.push(finding(
            Authority,
            true,
            format!("The authority has no scheme: write https://{a}"),
        ));
        return;
    }
    let url = match url::Url::parse(a) {
        Ok(u) => u,
        Err(e) => {
            out.push(finding(
                Authority,
                true,
                format!("The authority is not a URL ({e})."),
            ));
            return;
        }
    };
    if url.scheme() != "https" {
        out.push(finding(
            Authority,
            true,
            format!(
                "The authority must use https, not {}: Entra serves tokens over https only.",
                url.scheme()
            ),
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        out.push(finding(
            Authority,
            true,
            "The authority has no host.".into(),
        ));
    }
    let path = url.path().trim_matches('/');
    if !path.is_empty() {
        out.push(finding(
            Authority,
            true,
            format!(
                "The authority holds a path (`/{path}`): give only the host, such as https://login.microsoftonline.com, and the tenant in `tenant`."
            ),
        ));
    }
    if url.query().is_some() {
        out.push(finding(
            Authority,
            true,
            "The authority must not have a query.".into(),
        ));
    }
}

fn check_tenant(t: &str, out: &mut Vec<OAuthFinding>) {
    use OAuthField::Tenant;
    let lower = t.to_ascii_lowercase();
    if ["common", "organizations", "consumers"].contains(&lower.as_str()) {
        out.push(finding(
            Tenant,
            true,
            format!("`{t}` does not name a directory: the client-credentials grant needs the tenant's id (a GUID) or one of its domains, such as contoso.onmicrosoft.com."),
        ));
    } else if t.contains("://") || t.contains('/') {
        out.push(finding(
            Tenant,
            true,
            "The tenant is a URL or has a path: give only the tenant id (a GUID) or a domain such as contoso.onmicrosoft.com.".into(),
        ));
    } else if !is_guid(t) && !is_domain(t) {
        out.push(finding(
            Tenant,
            true,
            format!("`{t}` is neither a GUID nor a domain: give the directory (tenant) id or a domain such as contoso.onmicrosoft.com."),
        ));
    }
}

fn host_of(s: &str) -> Option<String> {
    let u = url::Url::parse(s).ok()?;
    if !matches!(u.scheme(), "http" | "https") {
        return None;
    }
    u.host_str().map(|h| h.to_ascii_lowercase())
}

fn check_audience(aud: &str, uri: Option<&str>, out: &mut Vec<OAuthFinding>) {
    use OAuthField::Audience;
    if is_guid(aud) {
        // An application (client) id names the resource: no host to match.
        return;
    }
    if url::Url::parse(aud).is_err() {
        out.push(finding(
            Audience,
            true,
            format!("The audience is not a URI: give the App Proxy app's external URL (https://{aud}/ perhaps) or its Application ID URI."),
        ));
        return;
    }
    let (Some(aud_host), Some(uri_host)) = (host_of(aud), uri.and_then(host_of)) else {
        return;
    };
    if aud_host == uri_host {
        return;
    }
    let app_proxy = |h: &str| h.ends_with(".msappproxy.net");
    if app_proxy(&uri_host) || app_proxy(&aud_host) {
        out.push(finding(
            Audience,
            true,
            format!("The audience's host ({aud_host}) is not the URI's host ({uri_host}): App Proxy accepts only a token for the app's own external URL."),
        ));
    } else {
        out.push(finding(
            Audience,
            false,
            format!("The audience's host ({aud_host}) is not the URI's host ({uri_host}): for an App Proxy app on a custom domain, the audience is that same external URL."),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(v: &[OAuthFinding]) -> Vec<(OAuthField, bool)> {
        v.iter().map(|f| (f.field, f.error)).collect()
    }

    #[test]
    fn good_values_pass() {
        let f = check_oauth(
            Some("https://login.microsoftonline.com"),
            Some("72f988bf-86f1-41af-91ab-2d7cd011db47"),
            Some("https://app-contoso.msappproxy.net/"),
            Some("https://app-contoso.msappproxy.net/api/status"),
        );
        assert!(f.is_empty(), "{f:?}");
        let f = check_oauth(
            Some("https://login.windows.net/"),
            Some("contoso.onmicrosoft.com"),
            Some("https://apps.contoso.com"),
            Some("https://apps.contoso.com/api"),
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn expressions_are_not_checked() {
        let f = check_oauth(
            Some("@parameters('authority')"),
            Some("@parameters('tenant')"),
            Some("@{parameters('aud')}"),
            Some("https://x.msappproxy.net"),
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn authority_needs_https_and_no_path() {
        let f = check_oauth(Some("login.microsoftonline.com"), None, None, None);
        assert_eq!(fields(&f), [(OAuthField::Authority, true)]);
        assert!(f[0].message.contains("https://login.microsoftonline.com"));
        let f = check_oauth(Some("http://login.microsoftonline.com"), None, None, None);
        assert!(f[0].message.contains("https"), "{f:?}");
        let f = check_oauth(
            Some("https://login.microsoftonline.com/contoso.com"),
            None,
            None,
            None,
        );
        assert!(f[0].message.contains("path"), "{f:?}");
    }

    #[test]
    fn tenant_is_a_guid_or_a_domain() {
        for bad in [
            "contoso",
            "common",
            "Organizations",
            "72f988bf-86f1",
            "a b.com",
        ] {
            let f = check_oauth(None, Some(bad), None, None);
            assert_eq!(fields(&f), [(OAuthField::Tenant, true)], "{bad}");
        }
        for good in [
            "contoso.com",
            "CONTOSO.onmicrosoft.com",
            "72F988BF-86f1-41af-91ab-2d7cd011db47",
        ] {
            assert!(
                check_oauth(None, Some(good), None, None).is_empty(),
                "{good}"
            );
        }
    }

    #[test]
    fn app_proxy_audience_host_matches_the_uri() {
        let f = check_oauth(
            None,
            None,
            Some("https://other-contoso.msappproxy.net/"),
            Some("https://app-contoso.msappproxy.net/api"),
        );
        assert_eq!(fields(&f), [(OAuthField::Audience, true)]);
        assert!(f[0].message.contains("other-contoso.msappproxy.net"));
        // A custom domain: a warning, the audience may be an ID URI host.
        let f = check_oauth(
            None,
            None,
            Some("https://apps.fabrikam.com/"),
            Some("https://apps.contoso.com/api"),
        );
        assert_eq!(fields(&f), [(OAuthField::Audience, false)]);
        // An Application ID URI or a client id: nothing to compare.
        for aud in [
            "api://5f1e2d3c-0000-4000-8000-000000000001",
            "5f1e2d3c-0000-4000-8000-000000000001",
        ] {
            assert!(
                check_oauth(None, None, Some(aud), Some("https://a.msappproxy.net")).is_empty()
            );
        }
        let f = check_oauth(None, None, Some("app-contoso.msappproxy.net"), None);
        assert_eq!(fields(&f), [(OAuthField::Audience, true)]);
    }
}
