//! What went wrong, in one sentence: Entra errors decoded (AADSTS codes
//! with a hint for the client-credentials grant and App Proxy), App Proxy's
//! sign-in redirects, its gateway errors, and network failures in plain
//! words.

use serde_json::Value;

use super::{Aadsts, Auth, CallOptions, Diagnosis, Failure, Outcome, Prepared, Response};

/// What an Entra error code means, and what to try, for a workflow that
/// gets a token by the client-credentials grant to call an App Proxy app.
pub fn aadsts_info(code: u32) -> Option<(&'static str, &'static str)> {
    Some(match code {
        700016 => (
            "the application (client id) was not found in the tenant",
            "Check `clientId` (the app registration's Application (client) ID, not its object id) and `tenant`: the app must be registered in, or consented to, that tenant.",
        ),
        7000215 => (
            "the client secret is not valid",
            "Use the secret's Value, not its Secret ID, with no spaces around it; check that it belongs to this client id, or create a new secret under Certificates & secrets.",
        ),
        7000222 => (
            "the client secret has expired",
            "Create a new client secret in the app registration (Certificates & secrets) and update the parameter or Key Vault secret that holds it.",
        ),
        7000218 => (
            "the request carried neither a client secret nor a client assertion",
            "The credential is empty: give the `secret` (or a certificate's `pfx`) a value.",
        ),
        700027 => (
            "the client assertion's signature is not valid",
            "The certificate used to sign is not one registered on the app: upload its public part under Certificates & secrets, or use the .pfx whose thumbprint is listed there.",
        ),
        700024 => (
            "the client assertion is not within its valid time range",
            "The clock of this machine is off, or the assertion expired: check the system time (nbf/exp of the assertion).",
        ),
        700023 => (
            "the client assertion's audience does not match the token endpoint",
            "The assertion must be made for the very token endpoint it is sent to (the same authority and tenant).",
        ),
        700021 => (
            "the client assertion's issuer or subject does not match the client id",
            "The assertion's `iss` and `sub` must both be the client id the request names.",
        ),
        7000112 => (
            "the application is disabled",
            "An administrator disabled the app's service principal (Enterprise applications > Properties > Enabled for users to sign in).",
        ),
        700025 => (
            "the client is a public client, which cannot use a secret or an assertion",
            "Set `Allow public client flows` to No in the app registration's Authentication page, or use a confidential app registration.",
        ),
        500011 => (
            "the resource (audience) was not found in the tenant",
            "The audience must be the App Proxy app's external URL exactly, e.g. https://app-contoso.msappproxy.net/ (check the trailing slash), or its Application ID URI; the app must be published in this tenant.",
        ),
        500021 => (
            "access to the tenant is denied",
            "A tenant restriction or policy blocks this tenant; check `tenant` and the tenant's restrictions.",
        ),
        50001 => (
            "the resource (audience) is disabled or does not exist",
            "Check the audience: use the App Proxy app's external URL (with the trailing slash it was registered with) or its Application ID URI.",
        ),
        90002 => (
            "the tenant was not found",
            "Check `tenant`: use the directory (tenant) id or a verified domain such as contoso.onmicrosoft.com, and the authority of the right cloud.",
        ),
        900023 => (
            "the tenant identifier is neither a valid id nor a valid domain name",
            "`tenant` must be a GUID or a domain such as contoso.onmicrosoft.com, with no spaces or URL parts.",
        ),
        90014 => (
            "a required field is missing from the request",
            "The token request lacks a field (client id, grant type, resource or scope): check that `clientId` and `audience` have values.",
        ),
        900144 => (
            "the request body lacks a required parameter",
            "Check that `clientId`, `audience` and the credential all have values.",
        ),
        70011 => (
            "the scope is not valid",
            "On the v2 endpoint the scope must be the audience followed by /.default (e.g. https://app-contoso.msappproxy.net//.default); check the audience.",
        ),
        901002 => (
            "the `resource` parameter is not supported on this endpoint",
            "The v2 endpoint wants `scope`, the v1 endpoint `resource`: switch the token endpoint version.",
        ),
        70001 => (
            "the application is disabled or not available in the tenant",
            "Check `clientId` and `tenant`; an administrator may have disabled the app.",
        ),
        70002 => (
            "the client credentials could not be validated",
            "Check the client id together with its secret or certificate.",
        ),
        65001 => (
            "consent has not been given for the application",
            "An administrator must grant admin consent to the app's API permissions (for App Proxy: `user_impersonation` on the proxied app).",
        ),
        53003 => (
            "a Conditional Access policy blocked the request",
            "Ask an administrator which Conditional Access policy applies to this app or service principal.",
        ),
        50126 => (
            "the user name or password is not valid",
            "Check the credentials; the client-credentials grant does not use a user's password.",
        ),
        50011 => (
            "the reply address does not match the app's registered redirect URIs",
            "This comes from an interactive sign-in, not the client-credentials grant: check the redirect URIs of the app registration.",
        ),
        50034 => (
            "the user account does not exist in the directory",
            "Check the account name and the tenant.",
        ),
        50049 => (
            "the authority is unknown or not valid",
            "Check `authority`: https://login.microsoftonline.com (or https://login.windows.net) for the public cloud, with no tenant or path in it.",
        ),
        50053 => (
            "the account is locked or sign-in was blocked for suspicious activity",
            "Wait and try again, or ask an administrator.",
        ),
        50076 => (
            "multi-factor authentication is required",
            "A user's sign-in policy applies: the client-credentials grant cannot satisfy MFA; use an app registration without that policy.",
        ),
        _ => return None,
    })
}

/// Reads an Entra error body (`error`, `error_description` starting with
/// `AADSTSnnnn:`, `error_codes`, `trace_id`, `correlation_id`,
/// `timestamp`).
pub fn decode_entra_error(body: &Value) -> Option<Aadsts> {
    let obj = body.as_object()?;
    let description = obj.get("error_description").and_then(Value::as_str);
    let from_codes = obj
        .get("error_codes")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(|c| match c {
            Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        });
    let from_text = description.and_then(code_in_text);
    let code = from_codes.or(from_text)?;
    let s = |k: &str| {
        obj.get(k)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let meaning = match aadsts_info(code) {
        Some((m, _)) => m.to_owned(),
        None => description
            .map(first_sentence)
            .unwrap_or_else(|| format!("Entra error {code}")),
    };
    Some(Aadsts {
        code,
        meaning,
        error: s("error"),
        trace_id: s("trace_id").or_else(|| description.and_then(|d| line_value(d, "Trace ID:"))),
        correlation_id: s("correlation_id")
            .or_else(|| description.and_then(|d| line_value(d, "Correlation ID:"))),
        timestamp: s("timestamp").or_else(|| description.and_then(|d| line_value(d, "Timestamp:"))),
    })
}

/// `AADSTS7000215: …` → 7000215.
fn code_in_text(text: &str) -> Option<u32> {
    let i = text.find("AADSTS")?;
    let digits: String = text[i + 6..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The description without its code and its trailing id lines.
fn first_sentence(d: &str) -> String {
    let line = d.lines().next().unwrap_or(d).trim();
    let line = match line.find(':') {
        Some(i) if line.starts_with("AADSTS") => line[i + 1..].trim(),
        _ => line,
    };
    line.to_owned()
}

fn line_value(d: &str, key: &str) -> Option<String> {
    d.lines()
        .find_map(|l| l.trim().strip_prefix(key))
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn diag(kind: &str, message: impl Into<String>, hint: Option<&str>) -> Diagnosis {
    Diagnosis {
        kind: kind.to_owned(),
        message: message.into(),
        hint: hint.map(str::to_owned),
        evidence: Vec::new(),
        aadsts: None,
    }
}

/// A sign-in redirect of App Proxy, decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct LoginRedirect {
    /// The `Location` as received.
    pub location: String,
    /// The `state` parameter, decoded (percent-decoding, and base64 when
    /// it was base64).
    pub state: Option<String>,
    /// `InvalidTokenRetry` from the state: true when a token was sent and
    /// rejected.
    pub invalid_token_retry: bool,
}

/// Recognises a redirect to an Entra sign-in page (`login.microsoftonline.com`,
/// `login.windows.net`, … or any `/oauth2/authorize` or
/// `/oauth2/v2.0/authorize` path, so a local stand-in is recognised too)
/// and decodes its `state`.
pub fn login_redirect(location: &str, base: Option<&url::Url>) -> Option<LoginRedirect> {
    let url = match base {
        Some(b) => b.join(location).ok()?,
        None => url::Url::parse(location).ok()?,
    };
    let host = url.host_str().unwrap_or("").to_ascii_lowercase();
    let path = url.path().to_ascii_lowercase();
    let login_host = [
        "login.microsoftonline.com",
        "login.windows.net",
        "login.microsoftonline.us",
        "login.partner.microsoftonline.cn",
        "login.chinacloudapi.cn",
    ]
    .contains(&host.as_str());
    let authorize_path =
        path.ends_with("/oauth2/authorize") || path.ends_with("/oauth2/v2.0/authorize");
    if !login_host && !authorize_path {
        return None;
    }
    let state = url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| decode_state(&v));
    let invalid_token_retry = state.as_deref().is_some_and(invalid_token_retry);
    Some(LoginRedirect {
        location: location.to_owned(),
        state,
        invalid_token_retry,
    })
}

/// The state as text: itself when it names InvalidTokenRetry, else its
/// base64 decoding when that is text, else itself.
fn decode_state(s: &str) -> String {
    if s.contains("InvalidTokenRetry") {
        return s.to_owned();
    }
    use base64::Engine;
    let engines = [
        base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT,
        base64::engine::general_purpose::URL_SAFE_PAD_INDIFFERENT,
    ];
    for e in engines {
        if let Ok(bytes) = e.decode(s.trim()) {
            if let Ok(text) = String::from_utf8(bytes) {
                if text.contains("InvalidTokenRetry") {
                    return text;
                }
            }
        }
    }
    s.to_owned()
}

/// `"InvalidTokenRetry": true` somewhere in the state (JSON or not).
fn invalid_token_retry(state: &str) -> bool {
    let lower = state.to_ascii_lowercase();
    let Some(i) = lower.find("invalidtokenretry") else {
        return false;
    };
    let rest = &lower[i + "invalidtokenretry".len()..];
    let rest = rest.trim_start_matches(|c: char| c == '"' || c == '\'' || c.is_whitespace());
    let rest = rest.trim_start_matches([':', '=']);
    let rest = rest.trim_start_matches(|c: char| c == '"' || c == '\'' || c.is_whitespace());
    rest.starts_with("true")
}

fn secs(d: std::time::Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.1} s")
    }
}

fn host_of(prepared: &Prepared) -> String {
    let h = prepared.url.host_str().unwrap_or("");
    match prepared.url.port() {
        Some(p) => format!("{h}:{p}"),
        None => h.to_owned(),
    }
}

/// Evidence headers App Proxy adds (`x-ms-proxy-…`).
fn proxy_headers(r: &Response) -> Vec<String> {
    r.headers
        .iter()
        .filter(|(k, _)| k.to_ascii_lowercase().starts_with("x-ms-proxy"))
        .map(|(k, v)| format!("{k}: {v}"))
        .collect()
}

fn body_text(r: &Response) -> String {
    let n = r.body.len().min(64 * 1024);
    String::from_utf8_lossy(&r.body[..n]).into_owned()
}

/// A diagnosis for a network failure of kind `kind` (`dns`, `connect`,
/// `tls`, `timeout`, `protocol`), with `what` naming the peer.
fn network(kind: &str, what: &str, detail: &str, timeout: std::time::Duration) -> Diagnosis {
    let lower = detail.to_ascii_lowercase();
    let mut d = match kind {
        "dns" => diag(
            "dns",
            format!("The host name of {what} did not resolve."),
            Some("Check the host in the URL for typos; an App Proxy external URL looks like https://app-contoso.msappproxy.net/. An internal-only name resolves only inside the network (or on a VPN)."),
        ),
        "connect" => {
            let hint = if lower.contains("refused") {
                "Nothing listens on that port: check the port in the URL and that the server is running."
            } else {
                "A firewall, a VPN or a proxy may stand in the way; check the host and port, and that this machine can reach them."
            };
            diag("connect", format!("No connection could be made to {what}."), Some(hint))
        }
        "tls" => {
            // The client-certificate cases first: their alerts name
            // certificate problems too ("certificate_expired", …).
            let (reason, hint) = if lower.contains("none was sent")
                || lower.contains("certificate required")
                || lower.contains("certificaterequired")
            {
                (
                    Some("the server asked for a client certificate and none was sent"),
                    "The server wants mutual TLS: use ClientCertificate authentication with a .pfx the server trusts.",
                )
            } else if lower.contains("refused the client certificate") {
                (
                    Some("the server refused the client certificate"),
                    "The server does not accept this client certificate: check that it is issued by a CA the server trusts, is valid today, and is the one the server expects.",
                )
            } else if lower.contains("unknownissuer") || lower.contains("unknown issuer") || lower.contains("unknown ca") || lower.contains("not trusted") {
                (
                    Some("the server's certificate is not trusted by this machine"),
                    "The server's certificate is signed by a CA this machine does not trust (a corporate or private CA): trust it with --ca FILE (or the Test tab's \"Trust CA file\"), which adds it to the system's CAs; SSL_CERT_FILE would replace them.",
                )
            } else if lower.contains("notvalidforname") || lower.contains("not valid for name") || lower.contains("not valid for the name") || lower.contains("name mismatch") || lower.contains("does not match") {
                (
                    Some("the server's certificate is not valid for this host name"),
                    "The certificate does not cover this host name: call the host name the certificate was issued for (for App Proxy, the external URL), or fix the certificate's subject alternative names.",
                )
            } else if lower.contains("expired") {
                (
                    Some("the server's certificate has expired"),
                    "The server's certificate has expired (or this machine's clock is wrong): renew it or check the clock.",
                )
            } else if lower.contains("handshake failure") || lower.contains("handshake_failure") {
                (
                    None,
                    "The server may want a client certificate (ClientCertificate authentication) or a protocol this client does not offer.",
                )
            } else {
                (None, "Check the server's certificate chain and TLS settings (TLS 1.2 or 1.3).")
            };
            let message = match reason {
                Some(r) => format!("The TLS handshake with {what} failed: {r}."),
                None => format!("The TLS handshake with {what} failed."),
            };
            diag("tls", message, Some(hint))
        }
        "timeout" => diag(
            "timeout",
            format!("{what} did not answer within {}.", secs(timeout)),
            Some("The server is slow or unreachable: raise the timeout, or check the server. Behind App Proxy, a backend slower than the proxy's timeout (85 s, or 180 s when set to Long) gives a 504 instead."),
        ),
        _ => diag(
            "protocol",
            format!("The connection to {what} broke, or the answer was not HTTP."),
            Some("Check that the URL's scheme and port match the server (https on an http port, or the reverse, looks like this)."),
        ),
    };
    if !detail.is_empty() {
        d.evidence.push(detail.to_owned());
    }
    d
}

fn failure_diagnosis(prepared: &Prepared, f: &Failure, options: &CallOptions) -> Diagnosis {
    let what = host_of(prepared);
    match f {
        Failure::Token(e) => {
            if let Some(a) = e.entra.as_ref().and_then(decode_entra_error) {
                let hint = aadsts_info(a.code)
                    .map(|(_, h)| h.to_owned())
                    .unwrap_or_else(|| {
                        format!(
                            "Look the code up at https://login.microsoftonline.com/error?code={}",
                            a.code
                        )
                    });
                let mut d = diag(
                    "entra_error",
                    format!(
                        "Entra ID refused the token request: {} (AADSTS{}).",
                        a.meaning, a.code
                    ),
                    Some(&hint),
                );
                d.evidence.push(format!("token endpoint: {}", e.endpoint));
                if let Some(s) = e.status {
                    d.evidence.push(format!("HTTP {s}"));
                }
                if let Some(err) = &a.error {
                    d.evidence.push(format!("error: {err}"));
                }
                if let Some(desc) = e
                    .entra
                    .as_ref()
                    .and_then(|v| v.get("error_description"))
                    .and_then(Value::as_str)
                {
                    d.evidence.push(format!(
                        "description: {}",
                        desc.lines().next().unwrap_or("")
                    ));
                }
                for (k, v) in [
                    ("trace id", &a.trace_id),
                    ("correlation id", &a.correlation_id),
                    ("timestamp", &a.timestamp),
                ] {
                    if let Some(v) = v {
                        d.evidence.push(format!("{k}: {v}"));
                    }
                }
                d.aadsts = Some(a);
                return d;
            }
            let mut d = match e.network.as_deref() {
                Some(kind) => {
                    let mut d = network(kind, "the token endpoint", &e.message, options.timeout);
                    d.kind = "token_endpoint".into();
                    d.message = format!("The token request failed: {}", lower_first(&d.message));
                    d
                }
                None => diag(
                    "token_endpoint",
                    match e.status {
                        Some(s) => format!("The token endpoint answered HTTP {s} without a token: {}", e.message),
                        None => format!("No token came: {}", e.message),
                    },
                    Some("Check `authority` and `tenant` (the token endpoint is {authority}/{tenant}/oauth2/token), and the token endpoint version."),
                ),
            };
            d.evidence
                .insert(0, format!("token endpoint: {}", e.endpoint));
            d
        }
        Failure::Dns(m) => network("dns", &what, m, options.timeout),
        Failure::Connect(m) => network("connect", &what, m, options.timeout),
        Failure::Tls(m) => network("tls", &what, m, options.timeout),
        Failure::Timeout(m) => network("timeout", &what, m, options.timeout),
        Failure::Protocol(m) => network("protocol", &what, m, options.timeout),
        Failure::Input(m) => {
            if matches!(prepared.auth, Auth::ManagedServiceIdentity { .. }) {
                let mut d = diag(
                    "managed_identity",
                    "Managed identity works only inside Azure, so this machine cannot get the identity's token.",
                    Some("Supply an access token for the audience yourself (for instance from `az account get-access-token --resource <audience>`) with --token-env or the designer's token field."),
                );
                d.evidence.push(m.clone());
                d
            } else {
                diag("input", m.clone(), None)
            }
        }
        Failure::Cancelled => diag("cancelled", "The call was cancelled.", None),
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn response_diagnosis(
    prepared: &Prepared,
    outcome: &Outcome,
    r: &Response,
    options: &CallOptions,
) -> Option<Diagnosis> {
    let status = r.status;
    if (200..300).contains(&status) || status < 200 {
        return None;
    }
    let status_line = format!("HTTP {status} {}", r.reason).trim().to_owned();
    if (300..400).contains(&status) {
        let location = r.header("Location").unwrap_or("");
        if let Some(lr) = login_redirect(location, Some(&prepared.url)) {
            // The action's own Authorization header, with no authentication
            // set: App Proxy read it as its Entra token.
            let own_header = matches!(prepared.auth, Auth::None | Auth::ClientCertificate { .. })
                && prepared
                    .headers
                    .iter()
                    .any(|(k, _)| k.eq_ignore_ascii_case("Authorization"));
            let mut d = if own_header {
                diag(
                    "authorization_header",
                    "The application proxy took the action's own Authorization header for its Entra token, and refused it.",
                    Some("App Proxy reads the Authorization header itself and does not pass it to the backend. Set the authentication to ActiveDirectoryOAuth with the app's external URL as the audience, and send the backend's own credential in a custom header (such as PRIVATE-TOKEN) or a cookie."),
                )
            } else if lr.invalid_token_retry {
                diag(
                    "proxy_rejected_token",
                    "The application proxy did not accept the token.",
                    Some("A token was sent but App Proxy refused it. Likely causes: the audience is not the app's external URL exactly (e.g. https://app-contoso.msappproxy.net/, trailing slash included) or its Application ID URI; the client app lacks the `user_impersonation` permission on the proxied app; admin consent was not given for that permission; the token comes from another tenant than the one the app is published in (check `tenant`)."),
                )
            } else {
                let sent_auth =
                    !matches!(prepared.auth, Auth::None | Auth::ClientCertificate { .. });
                let hint = if sent_auth {
                    "App Proxy wants an interactive sign-in: no token it recognises reached it. Use ActiveDirectoryOAuth with the app's external URL as the audience."
                } else {
                    "The request has no authentication, and App Proxy with Entra pre-authentication wants a token: set the authentication to ActiveDirectoryOAuth with the app's external URL as the audience."
                };
                diag(
                    "proxy_no_token",
                    "The application proxy redirected to the Entra sign-in page: no token reached it.",
                    Some(hint),
                )
            };
            d.evidence.push(status_line);
            d.evidence.push(format!("Location: {}", lr.location));
            if let Some(s) = &lr.state {
                d.evidence.push(format!("state: {s}"));
            }
            return Some(d);
        }
        let mut d = diag(
            "http_status",
            format!("The server answered with a redirect ({status})."),
            Some(if options.follow_redirects {
                "Redirects were followed up to the limit of 10: check for a redirect loop."
            } else {
                "Redirects are not followed: turn on following redirects to see where it leads."
            }),
        );
        d.evidence.push(status_line);
        if !location.is_empty() {
            d.evidence.push(format!("Location: {location}"));
        }
        return Some(d);
    }
    let text = body_text(r).to_ascii_lowercase();
    // App Proxy marks its answers with x-ms-proxy-* headers; its external
    // URLs end in msappproxy.net; and its error page ("This corporate app
    // can't be accessed") gives it away on any host, custom domains with
    // no such header included. Another gateway's 502/504 is not the
    // connector's fault.
    let page = app_proxy_page(&text);
    let app_proxy = page
        || r.headers
            .iter()
            .any(|(k, _)| k.to_ascii_lowercase().starts_with("x-ms-proxy"))
        || prepared
            .url
            .host_str()
            .is_some_and(|h| h.to_ascii_lowercase().ends_with(".msappproxy.net"));
    let mut d = match status {
        502 if !app_proxy => diag(
            "bad_gateway",
            "Bad Gateway (502): a gateway or reverse proxy in front of the server could not reach it.",
            Some("Check that the backend behind that gateway is up and reachable from it; its error page, below, may say more."),
        ),
        504 if !app_proxy => diag(
            "gateway_timeout",
            "Gateway Timeout (504): a gateway or reverse proxy in front of the server got no answer in time.",
            Some("Check how long the backend takes and the gateway's own timeout; its error page, below, may say more."),
        ),
        502 => diag(
            "bad_gateway",
            "Bad Gateway: the application proxy's connector could not reach the backend.",
            Some("Check the app's internal URL (a typo, the wrong host, port, or http versus https), that the backend is up and that the connector's machine can reach it (DNS, firewall). Publishing a path other than the root (e.g. http://expenses/reimbursement) and calling the root gives this error too: publish the root, or call the published path."),
        ),
        504 => {
            let waited = outcome
                .timings
                .first_byte
                .unwrap_or(outcome.timings.total - outcome.timings.token.unwrap_or(0.0));
            let limit = options.proxy_backend_timeout.as_secs_f64() * 1000.0;
            let says_backend = text.contains("backend")
                && (text.contains("timed out") || text.contains("took longer") || text.contains("timeout"));
            if waited >= limit * 0.95 || says_backend {
                diag(
                    "backend_timeout",
                    format!(
                        "The backend took longer than {} to answer, and the proxy gave up.",
                        secs(options.proxy_backend_timeout)
                    ),
                    Some("Speed the backend up, answer at once with 202 Accepted and a Location to poll (the asynchronous pattern), or set the app's backend timeout to Long (180 s)."),
                )
            } else {
                diag(
                    "gateway_timeout",
                    "Gateway Timeout: the application proxy service could not reach a connector.",
                    Some("The app's connector group has no working connector, or the connectors' outbound ports are blocked. In the Entra admin center (Application proxy), check that at least one connector of the app's group is active, and that its machines can open outbound connections on ports 80 and 443 to the service."),
                )
            }
        }
        403 if page => diag(
            "not_assigned",
            "Forbidden: the application proxy refused the caller, which is not assigned to the application.",
            Some("Assign the caller to the App Proxy application (Enterprise applications > the app > Users and groups; for a client-credentials caller, grant its app registration the app's `user_impersonation` permission with admin consent). A backend that refuses the user's own permissions answers this way too."),
        ),
        401 | 403 => {
            let hint = match (&prepared.auth, status) {
                (Auth::None, _) => "The server wants credentials and the request has none: set the action's authentication.",
                (Auth::ActiveDirectoryOAuth(_), 401) => "The token was refused by the server itself: check the audience the backend expects. Behind App Proxy, the backend receives the request without the Entra token's header.",
                (_, 401) => "The credentials were refused: check them, and the WWW-Authenticate header for the scheme the server wants.",
                _ => "The credentials were accepted but lack permission for this resource: check the roles or permissions granted to the caller.",
            };
            diag(
                "http_status",
                if status == 401 {
                    "The server refused the request as unauthenticated (401)."
                } else {
                    "The server refused the request as forbidden (403)."
                },
                Some(hint),
            )
        }
        404 => diag(
            "http_status",
            "The server has nothing at this path (404).",
            Some("Check the path and the query; behind App Proxy, the path is appended to the app's internal URL."),
        ),
        s if (400..500).contains(&s) => diag(
            "http_status",
            format!("The server refused the request ({status} {}).", r.reason).replace(" )", ")"),
            Some("Check the method, headers and body against what the API expects; the response body often says why."),
        ),
        _ => diag(
            "http_status",
            format!("The server failed to answer the request ({status} {}).", r.reason).replace(" )", ")"),
            Some("The server had an error: see the response body, and the server's logs."),
        ),
    };
    d.evidence.push(status_line);
    if page {
        d.evidence.extend(page_evidence(&body_text(r)));
    }
    if let Some(w) = r.header("WWW-Authenticate") {
        d.evidence.push(format!("WWW-Authenticate: {w}"));
    }
    d.evidence.extend(proxy_headers(r));
    Some(d)
}

/// Whether `lower` (a body, lowercased) is App Proxy's own error page,
/// titled "This corporate app can't be accessed" (the apostrophe may be
/// typographic or an HTML entity).
pub fn app_proxy_page(lower: &str) -> bool {
    let t = lower
        .replace(['\u{2019}', '\u{2018}'], "'")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&rsquo;", "'")
        .replace("&apos;", "'");
    t.contains("this corporate app can't be accessed")
        || t.contains("this corporate app cannot be accessed")
}

/// Lines of App Proxy's error page worth keeping: the title, and the
/// technical details (status code, transaction and session ids, time).
fn page_evidence(body: &str) -> Vec<String> {
    let plain = strip_tags(body);
    let mut out = vec!["App Proxy error page: \"This corporate app can't be accessed\"".to_owned()];
    for key in [
        "Status code:",
        "Transaction ID:",
        "Session ID:",
        "Connector group:",
        "Timestamp:",
    ] {
        if let Some(v) = plain.lines().find_map(|l| {
            let l = l.trim();
            l.get(..key.len())
                .filter(|p| p.eq_ignore_ascii_case(key))
                .map(|_| l[key.len()..].trim().to_owned())
        }) {
            if !v.is_empty() {
                out.push(format!("{} {v}", key));
            }
        }
    }
    out
}

/// HTML to lines of text: tags become line breaks, a few entities decoded.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push('\n');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&#39;", "'")
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

/// The diagnosis of an outcome (`None` for a success), and notes that did
/// not decide it (warnings about the request).
pub fn diagnose(
    prepared: &Prepared,
    outcome: &Outcome,
    options: &CallOptions,
) -> (Option<Diagnosis>, Vec<Diagnosis>) {
    let main = match (&outcome.failure, &outcome.response) {
        (Some(f), _) => Some(failure_diagnosis(prepared, f, options)),
        (None, Some(r)) => response_diagnosis(prepared, outcome, r, options),
        (None, None) => None,
    };
    let notes = prepared
        .warnings
        .iter()
        .map(|w| {
            let kind = if w.contains("Authorization") {
                "authorization_header"
            } else {
                "warning"
            };
            diag(kind, w.clone(), None)
        })
        .collect();
    let redact = |d: Diagnosis| redact_diagnosis(d, &prepared.redactor);
    (main.map(redact), notes_redacted(notes, &prepared.redactor))
}

fn notes_redacted(notes: Vec<Diagnosis>, r: &crate::secrets::Redactor) -> Vec<Diagnosis> {
    notes.into_iter().map(|d| redact_diagnosis(d, r)).collect()
}

/// The claims of a bearer token that decide whether App Proxy accepts it
/// (`aud`, `tid`, `roles`, the client id, `exp`), as evidence lines. The
/// payload is read without checking the signature; nothing of the token
/// itself is kept. Empty when `token` is not a JWT.
pub fn token_claims_evidence(token: &str) -> Vec<String> {
    use base64::Engine;
    let token = token.trim();
    let token = token
        .strip_prefix("Bearer ")
        .or_else(|| token.strip_prefix("bearer "))
        .unwrap_or(token);
    let Some(payload) = token.split('.').nth(1) else {
        return Vec::new();
    };
    let Ok(bytes) =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('='))
    else {
        return Vec::new();
    };
    let Ok(Value::Object(claims)) = serde_json::from_slice::<Value>(&bytes) else {
        return Vec::new();
    };
    let text = |k: &str| match claims.get(k) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let mut out = Vec::new();
    if let Some(aud) = text("aud") {
        out.push(format!("token audience (aud): {aud}"));
    }
    if let Some(tid) = text("tid") {
        out.push(format!("token tenant (tid): {tid}"));
    }
    if let Some(app) = text("appid").or_else(|| text("azp")) {
        out.push(format!("token client id: {app}"));
    }
    let roles: Vec<String> = claims
        .get("roles")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    out.push(if roles.is_empty() {
        "token roles: none (no application permission was granted with admin consent)".to_owned()
    } else {
        format!("token roles: {}", roles.join(", "))
    });
    if let Some(exp) = claims.get("exp").and_then(Value::as_i64) {
        if let Some(t) = chrono::DateTime::from_timestamp(exp, 0) {
            out.push(format!(
                "token expires (exp): {}",
                t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ));
        }
    }
    out
}

/// Every string of `d` through `r`.
pub fn redact_diagnosis(mut d: Diagnosis, r: &crate::secrets::Redactor) -> Diagnosis {
    d.message = r.redact(&d.message);
    d.hint = d.hint.map(|h| r.redact(&h));
    d.evidence = d.evidence.iter().map(|e| r.redact(e)).collect();
    d
}
