//! "Copy as cURL": the request as a bash command line, with every secret
//! as a shell variable (`$TOKEN`, `$CLIENT_SECRET`, `$PASSWORD`, …) that the
//! user sets, never its value.

use super::{Auth, CallOptions, Credential, OAuth, Prepared, TokenEndpoint};

/// `s` in single quotes for bash (`'` becomes `'\''`).
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// `s` inside double quotes for bash, where `$VAR` still expands.
fn dq_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '"' | '$' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A shell variable name for a secret header: `PRIVATE-TOKEN` →
/// `PRIVATE_TOKEN`.
fn var_name(header: &str) -> String {
    let mut s: String = header
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    s
}

fn token_lines(o: &OAuth, e: TokenEndpoint) -> Vec<String> {
    let mut lines = vec![format!(
        "# Get a token for {} (client credentials, {} endpoint):",
        o.audience,
        match e {
            TokenEndpoint::V1 => "v1",
            TokenEndpoint::V2 => "v2",
        }
    )];
    let mut args = vec![
        format!(
            "TOKEN=$(curl -s -X POST {}",
            shell_quote(&super::token::endpoint_url(o, e))
        ),
        "-d grant_type=client_credentials".to_owned(),
        format!("--data-urlencode client_id={}", shell_quote(&o.client_id)),
    ];
    match &o.credential {
        Credential::Secret(_) => {
            args.push("--data-urlencode client_secret=\"$CLIENT_SECRET\"".to_owned());
        }
        Credential::Certificate { .. } => {
            lines.push(
                "# The client uses a certificate: CLIENT_ASSERTION is a JWT signed with client.pfx's key".to_owned(),
            );
            lines.push(
                "# (header x5t#S256; claims aud = the token endpoint, iss = sub = the client id, jti, nbf, exp).".to_owned(),
            );
            args.push(
                "--data-urlencode client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
                    .to_owned(),
            );
            args.push("--data-urlencode client_assertion=\"$CLIENT_ASSERTION\"".to_owned());
        }
    }
    match e {
        TokenEndpoint::V1 => args.push(format!(
            "--data-urlencode resource={}",
            shell_quote(&o.audience)
        )),
        TokenEndpoint::V2 => args.push(format!(
            "--data-urlencode scope={}",
            shell_quote(&super::token::scope_for(&o.audience))
        )),
    }
    let n = args.len();
    for (i, a) in args.into_iter().enumerate() {
        let indent = if i == 0 { "" } else { "  " };
        if i + 1 == n {
            lines.push(format!("{indent}{a} | jq -r .access_token)"));
        } else {
            lines.push(format!("{indent}{a} \\"));
        }
    }
    lines
}

/// The request as a copyable bash command line. Secrets are shell
/// variables: the bearer token `$TOKEN` (for ActiveDirectoryOAuth, preceded
/// by the command that gets it), Basic's `$PASSWORD`, Raw's
/// `$AUTHORIZATION`, a client certificate's `$PFX_PASSWORD`, and secret
/// headers by their name (`$PRIVATE_TOKEN`). The text is also run through
/// the request's redactor.
pub fn to_curl(prepared: &Prepared, options: &CallOptions) -> String {
    let mut pre: Vec<String> = Vec::new();
    let mut args: Vec<String> = Vec::new();
    let has_body = prepared.body.as_ref().is_some_and(|b| !b.bytes.is_empty());
    // Values are redacted before they are quoted: quoting changes an
    // apostrophe, and the redactor would no longer find the value.
    let quote = |s: &str| shell_quote(&prepared.redactor.redact(s));

    let mut first = "curl".to_owned();
    match prepared.method.as_str() {
        "GET" if !has_body => {}
        "HEAD" if !has_body => first.push_str(" -I"),
        m => first.push_str(&format!(" -X {m}")),
    }
    first.push(' ');
    first.push_str(&quote(prepared.url.as_str()));
    args.push(first);
    // Logic Apps' User-Agent (its tracking headers are left out).
    if let Some((_, ua)) = prepared
        .platform_headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("User-Agent"))
    {
        args.push(format!("-A {}", quote(ua)));
    }

    let auth_header: Option<String> = match &prepared.auth {
        Auth::None => None,
        Auth::ActiveDirectoryOAuth(o) => {
            pre.extend(token_lines(o, options.token_endpoint));
            Some("-H \"Authorization: Bearer $TOKEN\"".into())
        }
        Auth::ManagedServiceIdentity { audience, .. } => {
            let aud = audience.as_deref().unwrap_or("<audience>");
            pre.push(
                "# Managed identity works only inside Azure; from a desk, for example:".into(),
            );
            pre.push(format!(
                "TOKEN=$(az account get-access-token --resource {} --query accessToken -o tsv)",
                shell_quote(aud)
            ));
            Some("-H \"Authorization: Bearer $TOKEN\"".into())
        }
        Auth::Basic { username, .. } => {
            let safe = username
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._@".contains(c));
            Some(if safe {
                format!("-u \"{username}:$PASSWORD\"")
            } else {
                format!("-u \"{}:$PASSWORD\"", dq_escape(username))
            })
        }
        Auth::Raw { .. } => Some("-H \"Authorization: $AUTHORIZATION\"".into()),
        Auth::ClientCertificate { password, .. } => {
            pre.push("# client.pfx: the certificate of the action's `pfx` (base64-decoded)".into());
            Some(if password.is_some() {
                "--cert-type P12 --cert \"client.pfx:$PFX_PASSWORD\"".into()
            } else {
                "--cert-type P12 --cert client.pfx".into()
            })
        }
    };
    let auth_sets_authorization =
        !matches!(prepared.auth, Auth::None | Auth::ClientCertificate { .. });

    for (name, value) in &prepared.headers {
        if auth_sets_authorization && name.eq_ignore_ascii_case("Authorization") {
            // The call replaces it; see the warnings.
            continue;
        }
        if super::prepare::is_secret_header(name) {
            args.push(format!("-H \"{}: ${}\"", dq_escape(name), var_name(name)));
        } else {
            args.push(format!("-H {}", quote(&format!("{name}: {value}"))));
        }
    }
    if let Some(a) = auth_header {
        args.push(a);
    }
    if let Some(c) = &prepared.cookie {
        args.push(format!("-b {}", quote(c)));
    }
    if let Some(b) = &prepared.body {
        let has_ct = prepared
            .headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("Content-Type"));
        if let (Some(ct), false) = (&b.content_type, has_ct) {
            args.push(format!(
                "-H {}",
                shell_quote(&format!("Content-Type: {ct}"))
            ));
        }
        if !b.bytes.is_empty() {
            args.push(format!(
                "--data-raw {}",
                quote(&String::from_utf8_lossy(&b.bytes))
            ));
        }
    }
    if !options.extra_ca_pem.is_empty() {
        args.push("--cacert ca.pem".into());
    }
    if options.follow_redirects {
        args.push(format!("-L --max-redirs {}", super::call::MAX_REDIRECTS));
    }
    args.push(format!(
        "--max-time {}",
        options.timeout.as_secs_f64().ceil() as u64
    ));

    let mut out = String::new();
    for l in pre {
        out.push_str(&l);
        out.push('\n');
    }
    let n = args.len();
    for (i, a) in args.into_iter().enumerate() {
        if i > 0 {
            out.push_str("  ");
        }
        out.push_str(&a);
        if i + 1 < n {
            out.push_str(" \\\n");
        }
    }
    out.push('\n');
    prepared.redactor.redact(&out)
}
