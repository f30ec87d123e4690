//! Secret scanning: finds values in a workflow that look like secrets
//! written in clear, and the one-action fix that moves such a value out to a
//! secure parameter.
//!
//! What counts as a secret in clear:
//! - a literal `secret`, `password` or `pfx` of any `authentication` object
//!   (triggers and nested actions included), and the `value` of `Raw`
//!   authentication;
//! - a literal `Authorization` header (any casing) and other headers whose
//!   name says they carry a key or a token (`x-api-key`, `api-key`,
//!   `Ocp-Apim-Subscription-Key`, `PRIVATE-TOKEN`, `x-functions-key`,
//!   `Cookie`, names with `secret`, `password`, `token`…), and the `cookie`
//!   input of an HTTP action;
//! - query parameters named `sig`, `code`, `api_key`, `access_token`,
//!   `client_secret`, …;
//! - anywhere in a string: `Bearer <token>`, a JWT (`eyJ….eyJ….…`), a
//!   connection string with a key or password (`AccountKey=`,
//!   `SharedAccessKey=`, `Password=` …), a SAS signature or function key in a
//!   URL (`sig=…`, `code=…`);
//! - a high-entropy string (Shannon entropy over 3.5 bits per character, at
//!   least 20 characters, three character classes) as a header or query
//!   value;
//! - the default value of a `SecureString`/`SecureObject` parameter.
//!
//! Never flagged: Workflow Definition Language expressions (`@…`; the
//! `@{…}` parts of an interpolated string — only its literal text is read),
//! ARM template expressions (`[…]`, but `[[…]` is a literal), empty values,
//! placeholders such as `<secret>` or `{password}`.
//!
//! A [`Finding`] never holds the secret itself: it says where the value is
//! (a JSON pointer, and a byte range for a secret inside a longer string).

use crate::workflow::model::{is_arm_expression, ParamType};
use crate::workflow::text::escape_pointer;
use crate::workflow::{Container, Document};
use serde_json::{json, Map, Value};
use std::ops::Range;

/// What kind of secret a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum FindingKind {
    /// A `secret`, `password`, `pfx` or Raw `value` of an authentication object.
    AuthenticationSecret,
    /// A header that carries a credential (`Authorization`, `x-api-key`, …).
    SecretHeader,
    /// A query parameter that carries a credential (`sig`, `code`, …).
    SecretQuery,
    /// `Bearer <token>` in a string.
    BearerToken,
    /// A JSON Web Token in a string.
    Jwt,
    /// A connection string with a key or password.
    ConnectionString,
    /// A SAS signature (`sig=`) or function key (`code=`) in a URL.
    UrlSignature,
    /// A random-looking header or query value.
    HighEntropy,
    /// The default value of a secure parameter of the definition.
    SecureParameterDefault,
    /// A parameter whose name says it holds a secret, not declared secure,
    /// with a random-looking default value.
    InsecureSecretParameter,
    /// The value given to a secure parameter in an ARM template's
    /// `properties.parameters`.
    ResourceParameterValue,
    /// The default value of a `securestring`/`secureobject` parameter of an
    /// ARM template.
    TemplateSecureDefault,
}

/// How to fix a finding.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum Fix {
    /// Move the value to a secure parameter (no default value) and refer to
    /// it with `@parameters('…')` (or remove the literal default of a
    /// parameter that is already secure).
    MoveToSecureParameter {
        /// A parameter name that fits the place.
        suggested_name: String,
    },
}

/// One secret found in clear. Holds no part of the secret.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// JSON pointer to the value: relative to the definition for
    /// [`scan`], to the document's root for [`scan_document`].
    pub pointer: String,
    /// Byte range of the secret inside the string at `pointer`, when it is
    /// part of a longer string (a URL, a connection string in a body);
    /// `None` when the whole value is the secret.
    pub span: Option<Range<usize>>,
    /// The trigger or action that holds it.
    pub action: Option<String>,
    /// Which workflow of the document ([`scan_document`] only; 0 for [`scan`]).
    pub workflow: usize,
    /// For people: `Client secret of Call_API`.
    pub field: String,
    /// What was found.
    pub kind: FindingKind,
    /// What is wrong, without the value: `client secret is a literal value`.
    pub message: String,
    /// The fix.
    pub fix: Fix,
}

impl Finding {
    /// One line for a report:
    /// `Call_API: client secret is a literal value (/actions/…/secret); move it to a secure parameter`.
    pub fn describe(&self) -> String {
        let who = self.action.as_deref().unwrap_or("definition");
        let what = match self.kind {
            FindingKind::SecureParameterDefault | FindingKind::TemplateSecureDefault => {
                "remove the default value (supply it at deployment)"
            }
            FindingKind::ResourceParameterValue => {
                "pass it from a secure template parameter or a Key Vault reference"
            }
            _ => "move it to a secure parameter",
        };
        format!("{who}: {} ({}); {what}", self.message, self.pointer)
    }

    /// The suggested parameter name of the fix.
    pub fn suggested_name(&self) -> &str {
        match &self.fix {
            Fix::MoveToSecureParameter { suggested_name } => suggested_name,
        }
    }
}

// ---------------------------------------------------------------------------
// Scanning
// ---------------------------------------------------------------------------

/// Scans a workflow definition. Pointers are relative to `definition`.
pub fn scan(definition: &Value) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut walker = Walker { out: &mut out };
    walker.value(definition, "", &Ctx::default());
    if let Some(Value::Object(params)) = definition.get("parameters") {
        for (name, p) in params {
            scan_parameter(
                name,
                p,
                &format!("/parameters/{}", escape_pointer(name)),
                &mut out,
            );
        }
    }
    out.sort_by(|a, b| a.pointer.cmp(&b.pointer));
    out.dedup_by(|a, b| a.pointer == b.pointer && a.span == b.span);
    out
}

/// Scans every workflow of a document, and for ARM templates also the
/// values the resources give to secure parameters and the template's own
/// secure parameters. Pointers are relative to the document's root.
pub fn scan_document(doc: &Document) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, w) in doc.workflows.iter().enumerate() {
        let Some(def) = doc.root.pointer(&w.definition_pointer) else {
            continue;
        };
        for mut f in scan(def) {
            f.pointer = format!("{}{}", w.definition_pointer, f.pointer);
            f.workflow = i;
            out.push(f);
        }
        if matches!(doc.container, Container::Arm | Container::Resource) {
            let props_ptr = w.definition_pointer.trim_end_matches("/definition");
            scan_resource_parameters(doc, i, props_ptr, &mut out);
        }
    }
    if doc.container == Container::Arm {
        if let Some(Value::Object(params)) = doc.root.get("parameters") {
            for (name, p) in params {
                let ty = p.get("type").and_then(Value::as_str).unwrap_or("");
                let secure = ty.eq_ignore_ascii_case("securestring")
                    || ty.eq_ignore_ascii_case("secureobject");
                if let (true, Some(d)) = (secure, p.get("defaultValue")) {
                    if is_literal_value(d) {
                        out.push(Finding {
                            pointer: format!("/parameters/{}/defaultValue", escape_pointer(name)),
                            span: None,
                            action: None,
                            workflow: 0,
                            field: format!("Default value of template parameter {name}"),
                            kind: FindingKind::TemplateSecureDefault,
                            message: format!(
                                "template parameter `{name}` is {ty} but has a default value in clear"
                            ),
                            fix: Fix::MoveToSecureParameter {
                                suggested_name: name.clone(),
                            },
                        });
                    }
                }
            }
        }
    }
    out
}

/// Findings in `properties.parameters` of an ARM workflow resource.
fn scan_resource_parameters(doc: &Document, i: usize, props_ptr: &str, out: &mut Vec<Finding>) {
    let Some(Value::Object(values)) = doc.root.pointer(&format!("{props_ptr}/parameters")) else {
        return;
    };
    let def = doc.definition(i);
    let declared = crate::workflow::model::parameters(def);
    for (name, v) in values {
        let ptr = format!("{props_ptr}/parameters/{}/value", escape_pointer(name));
        let Some(value) = v.get("value") else {
            continue;
        };
        let secure = declared.iter().any(|p| &p.name == name && p.ty.is_secure());
        if secure && is_literal_value(value) {
            out.push(Finding {
                pointer: ptr.clone(),
                span: None,
                action: None,
                workflow: i,
                field: format!("Value of secure parameter {name}"),
                kind: FindingKind::ResourceParameterValue,
                message: format!("the template gives secure parameter `{name}` a value in clear"),
                fix: Fix::MoveToSecureParameter {
                    suggested_name: name.clone(),
                },
            });
            continue;
        }
        // Other values: only the patterns (connection strings, tokens…).
        let mut inner = Vec::new();
        Walker { out: &mut inner }.value(value, "", &Ctx::default());
        for mut f in inner {
            f.pointer = format!("{ptr}{}", f.pointer);
            f.workflow = i;
            f.field = format!("{} in the value of parameter {name}", f.kind_label());
            f.fix = Fix::MoveToSecureParameter {
                suggested_name: sanitize_name(name),
            };
            out.push(f);
        }
    }
}

impl Finding {
    fn kind_label(&self) -> &'static str {
        match self.kind {
            FindingKind::BearerToken => "Bearer token",
            FindingKind::Jwt => "JSON Web Token",
            FindingKind::ConnectionString => "Connection string",
            FindingKind::UrlSignature => "Signature",
            _ => "Secret",
        }
    }
}

fn scan_parameter(name: &str, p: &Value, ptr: &str, out: &mut Vec<Finding>) {
    let Some(obj) = p.as_object() else {
        return;
    };
    let ty = ParamType::parse(obj.get("type").and_then(Value::as_str).unwrap_or(""));
    let Some(default) = obj.get("defaultValue") else {
        return;
    };
    if ty.is_secure() {
        if is_literal_value(default) {
            out.push(Finding {
                pointer: format!("{ptr}/defaultValue"),
                span: None,
                action: None,
                workflow: 0,
                field: format!("Default value of secure parameter {name}"),
                kind: FindingKind::SecureParameterDefault,
                message: format!("secure parameter `{name}` has a default value in clear"),
                fix: Fix::MoveToSecureParameter {
                    suggested_name: name.to_owned(),
                },
            });
        }
        return;
    }
    if let Value::String(s) = default {
        let lname = name.to_ascii_lowercase();
        let secret_name = [
            "secret", "password", "passwd", "token", "apikey", "api_key", "key",
        ]
        .iter()
        .any(|w| lname.contains(w));
        if secret_name && is_plain_literal(s) && looks_random(s) {
            out.push(Finding {
                pointer: format!("{ptr}/defaultValue"),
                span: None,
                action: None,
                workflow: 0,
                field: format!("Default value of parameter {name}"),
                kind: FindingKind::InsecureSecretParameter,
                message: format!(
                    "parameter `{name}` looks like a secret but is a plain {} with a default value in clear",
                    ty.as_str()
                ),
                fix: Fix::MoveToSecureParameter {
                    suggested_name: name.to_owned(),
                },
            });
        }
    }
}

/// Where the walk is.
#[derive(Default, Clone)]
struct Ctx {
    /// The nearest trigger or action.
    action: Option<String>,
}

struct Walker<'a> {
    out: &'a mut Vec<Finding>,
}

impl Walker<'_> {
    fn value(&mut self, v: &Value, ptr: &str, ctx: &Ctx) {
        match v {
            Value::Object(o) => self.object(o, ptr, ctx),
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    self.value(x, &format!("{ptr}/{i}"), ctx);
                }
            }
            Value::String(s) => self.string(s, ptr, ctx),
            _ => {}
        }
    }

    fn object(&mut self, o: &Map<String, Value>, ptr: &str, ctx: &Ctx) {
        for (k, v) in o {
            let p = format!("{ptr}/{}", escape_pointer(k));
            // The definition's own parameters are checked on their own.
            if ptr.is_empty() && k == "parameters" {
                continue;
            }
            match k.as_str() {
                "actions" | "triggers" => {
                    if let Value::Object(items) = v {
                        for (name, item) in items {
                            let ip = format!("{p}/{}", escape_pointer(name));
                            if item.is_object() {
                                let c = Ctx {
                                    action: Some(name.clone()),
                                };
                                self.value(item, &ip, &c);
                            } else {
                                self.value(item, &ip, ctx);
                            }
                        }
                        continue;
                    }
                }
                "authentication" if v.is_object() => {
                    self.authentication(v, &p, ctx);
                    continue;
                }
                "headers" if v.is_object() => {
                    self.pairs(v, &p, ctx, Pairs::Headers);
                    continue;
                }
                "queries" if v.is_object() => {
                    self.pairs(v, &p, ctx, Pairs::Queries);
                    continue;
                }
                "cookie" => {
                    if let Value::String(s) = v {
                        if is_plain_literal(s) && !is_placeholder(s) {
                            self.push(
                                &p,
                                None,
                                ctx,
                                "Cookie",
                                FindingKind::SecretHeader,
                                "cookie is a literal value".into(),
                                "cookie",
                            );
                            continue;
                        }
                    }
                }
                _ => {}
            }
            self.value(v, &p, ctx);
        }
    }

    fn authentication(&mut self, v: &Value, ptr: &str, ctx: &Ctx) {
        let Some(o) = v.as_object() else {
            return;
        };
        let ty = o
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_ascii_lowercase();
        let cert = ty == "clientcertificate"
            || o.get("credentialType")
                .and_then(Value::as_str)
                .is_some_and(|c| c.eq_ignore_ascii_case("certificate"))
            || o.contains_key("pfx");
        for (k, fv) in o {
            let p = format!("{ptr}/{}", escape_pointer(k));
            let label = match k.as_str() {
                "secret" => Some(("Client secret", "client secret", "clientSecret")),
                "password" if cert => Some((
                    "Certificate password",
                    "certificate password",
                    "certificatePassword",
                )),
                "password" => Some(("Password", "password", "password")),
                "pfx" => Some(("Certificate (pfx)", "certificate (pfx)", "pfx")),
                "value" if ty == "raw" => Some((
                    "Raw authorization value",
                    "raw authorization value",
                    "authorization",
                )),
                _ => None,
            };
            match (label, fv) {
                (Some((field, what, short)), Value::String(s)) => {
                    if is_plain_literal(s) && !is_placeholder(s) {
                        self.push(
                            &p,
                            None,
                            ctx,
                            field,
                            FindingKind::AuthenticationSecret,
                            format!("{what} is a literal value"),
                            short,
                        );
                    }
                }
                _ => self.value(fv, &p, ctx),
            }
        }
    }

    fn pairs(&mut self, v: &Value, ptr: &str, ctx: &Ctx, which: Pairs) {
        let Some(o) = v.as_object() else {
            return;
        };
        for (name, hv) in o {
            let p = format!("{ptr}/{}", escape_pointer(name));
            let Value::String(s) = hv else {
                self.value(hv, &p, ctx);
                continue;
            };
            let secret_name = match which {
                Pairs::Headers => is_secret_header(name),
                Pairs::Queries => is_secret_query(name),
            };
            let kind = match which {
                Pairs::Headers => FindingKind::SecretHeader,
                Pairs::Queries => FindingKind::SecretQuery,
            };
            let noun = match which {
                Pairs::Headers => "header",
                Pairs::Queries => "query parameter",
            };
            if secret_name && is_plain_literal(s) && !is_placeholder(s) {
                self.push(
                    &p,
                    None,
                    ctx,
                    &format!("{} {noun}", name),
                    kind,
                    format!("{noun} `{name}` is a literal value"),
                    name,
                );
                continue;
            }
            if is_plain_literal(s) && looks_random(s) {
                self.push(
                    &p,
                    None,
                    ctx,
                    &format!("{} {noun}", name),
                    FindingKind::HighEntropy,
                    format!("{noun} `{name}` holds a random-looking literal (a key or token?)"),
                    name,
                );
                continue;
            }
            self.string(s, &p, ctx);
        }
    }

    /// Patterns inside the literal text of a string.
    fn string(&mut self, s: &str, ptr: &str, ctx: &Ctx) {
        for (start, seg) in literal_segments(s) {
            for (range, kind, what, short) in find_patterns(seg) {
                let r = (range.start + start)..(range.end + start);
                let whole = r.start == 0 && r.end == s.len();
                let whole_value = whole
                    || (kind == FindingKind::BearerToken
                        && s[..r.start].trim().is_empty()
                        && s[r.end..].trim().is_empty());
                let span = if whole_value { None } else { Some(r) };
                let field = what.to_owned();
                self.push(
                    ptr,
                    span,
                    ctx,
                    &field,
                    kind,
                    format!("{} in a literal value", what.to_ascii_lowercase()),
                    short,
                );
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        ptr: &str,
        span: Option<Range<usize>>,
        ctx: &Ctx,
        field: &str,
        kind: FindingKind,
        message: String,
        short: &str,
    ) {
        let (field, suggested) = match &ctx.action {
            Some(a) => (format!("{field} of {a}"), format!("{a}_{short}")),
            None => (field.to_owned(), short.to_owned()),
        };
        self.out.push(Finding {
            pointer: ptr.to_owned(),
            span,
            action: ctx.action.clone(),
            workflow: 0,
            field,
            kind,
            message,
            fix: Fix::MoveToSecureParameter {
                suggested_name: sanitize_name(&suggested),
            },
        });
    }
}

#[derive(Clone, Copy)]
enum Pairs {
    Headers,
    Queries,
}

fn is_secret_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    const EXACT: &[&str] = &[
        "authorization",
        "proxy-authorization",
        "x-api-key",
        "api-key",
        "apikey",
        "ocp-apim-subscription-key",
        "private-token",
        "x-functions-key",
        "cookie",
        "x-auth-token",
        "x-access-token",
        "x-ms-access-token",
    ];
    const PARTS: &[&str] = &[
        "secret",
        "password",
        "passwd",
        "token",
        "api-key",
        "apikey",
        "api_key",
        "subscription-key",
        "access-key",
        "functions-key",
    ];
    EXACT.contains(&n.as_str()) || PARTS.iter().any(|p| n.contains(p))
}

fn is_secret_query(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    const EXACT: &[&str] = &[
        "sig",
        "code",
        "key",
        "apikey",
        "api_key",
        "api-key",
        "access_token",
        "token",
        "client_secret",
        "password",
        "subscription-key",
        "subscription_key",
    ];
    EXACT.contains(&n.as_str()) || n.contains("secret") || n.contains("password")
}

/// True for a value written in clear: a non-empty string that is no
/// expression and no placeholder, or a non-empty object or array, or a
/// number.
fn is_literal_value(v: &Value) -> bool {
    match v {
        Value::String(s) => is_plain_literal(s) && !is_placeholder(s),
        Value::Object(o) => !o.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Number(_) => true,
        _ => false,
    }
}

/// A non-empty string that is not an expression (WDL `@…`, an interpolated
/// string, or an ARM expression `[…]`).
fn is_plain_literal(s: &str) -> bool {
    let expression =
        (s.starts_with('@') && !s.starts_with("@@")) || s.contains("@{") || is_arm_expression(s);
    !s.trim().is_empty() && !expression
}

/// Placeholders that stand for a value to fill in: `<secret>`, `{secret}`,
/// `${SECRET}`, `***`, `xxx`, `changeme`, `your-key`.
fn is_placeholder(s: &str) -> bool {
    let t = s.trim();
    let l = t.to_ascii_lowercase();
    (t.starts_with('<') && t.ends_with('>'))
        || (t.starts_with('{') && t.ends_with('}'))
        || t.starts_with("${")
        || t.starts_with("$(")
        || t.starts_with("%")
        || t.chars()
            .all(|c| c == '*' || c == 'x' || c == 'X' || c == '•')
        || [
            "changeme",
            "change-me",
            "set-me",
            "<set-me>",
            "placeholder",
            "todo",
        ]
        .contains(&l.as_str())
        || [
            "your-", "your_", "yourown", "enter-", "enter_", "insert-", "insert_",
        ]
        .iter()
        .any(|p| l.starts_with(p))
}

/// The literal parts of a string value, with their byte offsets: nothing
/// for an expression (`@…`, an ARM `[…]`), the text outside the `@{…}`
/// parts of an interpolated string, else the whole string.
pub fn literal_segments(s: &str) -> Vec<(usize, &str)> {
    if (s.starts_with('@') && !s.starts_with("@@")) || is_arm_expression(s) {
        return Vec::new();
    }
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut seg_start = 0;
    let mut i = 0;
    while i + 1 < b.len() {
        if b[i] == b'@' && b[i + 1] == b'{' {
            if i > seg_start {
                out.push((seg_start, &s[seg_start..i]));
            }
            // Skip to the matching brace, minding quoted strings.
            let mut depth = 0usize;
            let mut j = i + 1;
            let mut in_str = false;
            while j < b.len() {
                let c = b[j];
                if in_str {
                    if c == b'\'' {
                        if j + 1 < b.len() && b[j + 1] == b'\'' {
                            j += 1;
                        } else {
                            in_str = false;
                        }
                    }
                } else if c == b'\'' {
                    in_str = true;
                } else if c == b'{' {
                    depth += 1;
                } else if c == b'}' {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                j += 1;
            }
            i = (j + 1).min(b.len());
            seg_start = i;
            continue;
        }
        i += 1;
    }
    if seg_start < s.len() {
        out.push((seg_start, &s[seg_start..]));
    }
    out
}

fn is_token_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'~' | b'+' | b'/' | b'=')
}

fn is_b64url(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'=')
}

/// Secret-looking patterns in a piece of literal text: byte range, kind,
/// label for people, short name for a parameter.
fn find_patterns(s: &str) -> Vec<(Range<usize>, FindingKind, &'static str, &'static str)> {
    let mut out: Vec<(Range<usize>, FindingKind, &'static str, &'static str)> = Vec::new();
    let b = s.as_bytes();
    let lower = s.to_ascii_lowercase();

    // Bearer tokens.
    let mut from = 0;
    while let Some(k) = lower[from..].find("bearer ") {
        let start = from + k;
        let tok = start + 7;
        let mut end = tok;
        while end < b.len() && is_token_char(b[end]) {
            end += 1;
        }
        if end - tok >= 16 && !is_placeholder(&s[tok..end]) {
            out.push((
                start..end,
                FindingKind::BearerToken,
                "Bearer token",
                "token",
            ));
        }
        from = tok;
    }

    // JWTs: eyJ….eyJ….sig
    let mut from = 0;
    while let Some(k) = s[from..].find("eyJ") {
        let start = from + k;
        let mut end = start;
        let mut dots = 0;
        while end < b.len() && (is_b64url(b[end]) || b[end] == b'.') {
            if b[end] == b'.' {
                dots += 1;
            }
            end += 1;
        }
        let text = &s[start..end];
        let parts: Vec<&str> = text.split('.').collect();
        if dots >= 2
            && parts.len() >= 3
            && parts[0].len() >= 10
            && parts[1].starts_with("eyJ")
            && parts[1].len() >= 10
        {
            let covered = out
                .iter()
                .any(|(r, _, _, _)| r.start <= start && end <= r.end);
            if !covered {
                out.push((start..end, FindingKind::Jwt, "JSON Web Token", "token"));
            }
        }
        from = end.max(start + 3);
    }

    // Connection strings: key=value pairs separated by `;`.
    if s.contains(';') || lower.contains("accountkey=") || lower.contains("sharedaccesskey=") {
        if let Some(r) = connection_string(s) {
            out.push((
                r,
                FindingKind::ConnectionString,
                "Connection string",
                "connectionString",
            ));
        }
    }

    // SAS signatures and function keys in URLs.
    for key in ["sig=", "code="] {
        let mut from = 0;
        while let Some(k) = lower[from..].find(key) {
            let at = from + k;
            let preceded = at > 0 && matches!(b[at - 1], b'?' | b'&');
            let vstart = at + key.len();
            let mut end = vstart;
            while end < b.len() && !matches!(b[end], b'&' | b'#' | b' ' | b'"' | b'\'') {
                end += 1;
            }
            let val = &s[vstart..end];
            if preceded && val.len() >= 20 && !is_placeholder(val) {
                let covered = out
                    .iter()
                    .any(|(r, _, _, _)| r.start <= vstart && end <= r.end);
                if !covered {
                    let short = if key == "sig=" { "sig" } else { "code" };
                    out.push((
                        vstart..end,
                        FindingKind::UrlSignature,
                        "Signature in a URL",
                        short,
                    ));
                }
            }
            from = vstart;
        }
    }
    out
}

/// The range of a connection string with a key or password in `s`: from
/// its first `key=` to the end of its last pair.
fn connection_string(s: &str) -> Option<Range<usize>> {
    const KEYS: &[&str] = &[
        "accountkey",
        "sharedaccesskey",
        "sharedaccesssignature",
        "password",
        "pwd",
        "accesskey",
        "clientsecret",
    ];
    let mut pos = 0;
    let mut first: Option<usize> = None;
    let mut last_end = 0;
    let mut pairs = 0;
    let mut secret = false;
    for part in s.split(';') {
        let part_start = pos;
        pos += part.len() + 1;
        let Some(eq) = part.find('=') else {
            continue;
        };
        let key = &part[..eq];
        // The key may follow other text (`connect with Server=…`).
        let word_at = key
            .rfind(|c: char| c.is_whitespace() || c == '"' || c == '\'')
            .map(|i| i + 1)
            .unwrap_or(0);
        let key_word = key[word_at..].to_ascii_lowercase();
        if key_word.is_empty() {
            continue;
        }
        pairs += 1;
        first.get_or_insert(part_start + word_at);
        let value = &part[eq + 1..];
        let value_len = value
            .find(|c: char| c.is_whitespace() || c == '"')
            .filter(|&i| i > 0 || value.trim().is_empty())
            .unwrap_or(value.len());
        last_end = part_start + eq + 1 + value_len;
        let v = value.trim();
        if KEYS.contains(&key_word.as_str()) && !v.is_empty() && !is_placeholder(v) {
            secret = true;
        }
    }
    let lower = s.to_ascii_lowercase();
    if secret && (pairs >= 2 || lower.contains("accountkey=") || lower.contains("sharedaccesskey="))
    {
        let start = first?;
        (start < last_end).then_some(start..last_end)
    } else {
        None
    }
}

/// Shannon entropy in bits per character.
pub fn entropy(s: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    let mut n = 0usize;
    for c in s.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    counts
        .values()
        .map(|&k| {
            let p = k as f64 / n as f64;
            -p * p.log2()
        })
        .sum()
}

/// A key or token: at least 20 characters with no spaces, three classes of
/// characters, entropy over 3.5 bits per character; not a GUID, a URL, a
/// path, a date or a media type.
pub fn looks_random(s: &str) -> bool {
    let t = s.trim();
    if t.len() < 20 || t.contains(char::is_whitespace) || is_placeholder(t) {
        return false;
    }
    let l = t.to_ascii_lowercase();
    if l.starts_with("http:") || l.starts_with("https:") || t.starts_with('/') || is_guid(t) {
        return false;
    }
    if t.chars()
        .all(|c| c.is_ascii_digit() || "-:.TZ+".contains(c))
        || t.contains(',')
    {
        return false;
    }
    // Keys and tokens (base64, hex) have digits; names and lists rarely do.
    if !t.chars().any(|c| c.is_ascii_digit()) {
        return false;
    }
    let classes = [
        t.chars().any(|c| c.is_ascii_lowercase()),
        t.chars().any(|c| c.is_ascii_uppercase()),
        t.chars().any(|c| c.is_ascii_digit()),
        t.chars().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    classes >= 3 && entropy(t) > 3.5
}

fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && [8, 4, 4, 4, 12]
            .iter()
            .zip(&parts)
            .all(|(n, p)| p.len() == *n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// A parameter name Logic Apps accepts: letters, digits, `-`, `.`, `(`, `)`
/// and `_`; anything else becomes `_`.
pub fn sanitize_name(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-._()".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() {
        out.push_str("secret");
    }
    out.truncate(80);
    out
}

// ---------------------------------------------------------------------------
// Fixing
// ---------------------------------------------------------------------------

/// The one-action fix for a finding of [`scan`] (pointer relative to
/// `definition`): declares a secure parameter `name` with no default value
/// (`SecureObject` when the value is an object, else `SecureString`) and
/// puts `@parameters('name')` where the literal was — `@{parameters('name')}`
/// in place of just the secret when it sat inside a longer string. For a
/// secure parameter's default value, the default is removed. The literal is
/// dropped: its value must be supplied at deployment.
pub fn move_to_secure_parameter(
    definition: &mut Value,
    finding: &Finding,
    name: &str,
) -> Result<(), String> {
    if finding.kind == FindingKind::SecureParameterDefault {
        let parent = finding
            .pointer
            .strip_suffix("/defaultValue")
            .ok_or_else(|| format!("{}: not a parameter default", finding.pointer))?;
        let p = definition
            .pointer_mut(parent)
            .and_then(Value::as_object_mut)
            .ok_or_else(|| format!("{}: no such parameter", parent))?;
        p.remove("defaultValue");
        return Ok(());
    }
    check_name(name)?;
    let value = definition.pointer(&finding.pointer).ok_or_else(|| {
        format!(
            "{}: no value there (the definition changed?)",
            finding.pointer
        )
    })?;
    let secure_type = if value.is_object() && finding.span.is_none() {
        "SecureObject"
    } else {
        "SecureString"
    };
    // The parameter: new, or an existing secure one with no default.
    let params = definition
        .as_object_mut()
        .ok_or("the definition is not a JSON object")?
        .entry("parameters")
        .or_insert_with(|| json!({}));
    let params = params
        .as_object_mut()
        .ok_or("`parameters` of the definition is not an object")?;
    if finding.kind == FindingKind::InsecureSecretParameter {
        // The parameter itself becomes secure and loses its default.
        let pname = finding
            .pointer
            .strip_prefix("/parameters/")
            .and_then(|r| r.strip_suffix("/defaultValue"))
            .ok_or_else(|| format!("{}: not a parameter default", finding.pointer))?
            .replace("~1", "/")
            .replace("~0", "~");
        let p = params
            .get_mut(&pname)
            .and_then(Value::as_object_mut)
            .ok_or_else(|| format!("no parameter `{pname}`"))?;
        p.insert("type".into(), json!("SecureString"));
        p.remove("defaultValue");
        return Ok(());
    }
    match params.get(name) {
        None => {
            params.insert(name.to_owned(), json!({"type": secure_type}));
        }
        Some(p) => {
            let ty = ParamType::parse(p.get("type").and_then(Value::as_str).unwrap_or(""));
            if !ty.is_secure() || p.get("defaultValue").is_some() {
                return Err(format!(
                    "a parameter named `{name}` already exists; choose another name"
                ));
            }
        }
    }
    let target = definition
        .pointer_mut(&finding.pointer)
        .ok_or_else(|| format!("{}: no value there", finding.pointer))?;
    match &finding.span {
        None => *target = Value::String(format!("@parameters('{name}')")),
        Some(r) => {
            let Value::String(s) = target else {
                return Err(format!("{}: not a string", finding.pointer));
            };
            if r.end > s.len() || !s.is_char_boundary(r.start) || !s.is_char_boundary(r.end) {
                return Err(format!("{}: the value changed", finding.pointer));
            }
            s.replace_range(r.clone(), &format!("@{{parameters('{name}')}}"));
        }
    }
    Ok(())
}

fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty()
        || name.len() > 80
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._()".contains(c))
    {
        return Err(format!(
            "`{name}` is not a valid parameter name (letters, digits, - . ( ) _; at most 80)"
        ));
    }
    Ok(())
}

/// Applies the fix of a finding of [`scan_document`] to the document: in a
/// definition, as [`move_to_secure_parameter`]; a value given to a secure
/// parameter in an ARM resource becomes `[parameters('name')]` of a new
/// `securestring`/`secureobject` template parameter; the default of a
/// template's secure parameter is removed.
pub fn fix_document(doc: &mut Document, finding: &Finding, name: &str) -> Result<(), String> {
    match finding.kind {
        FindingKind::TemplateSecureDefault => {
            let parent = finding.pointer.trim_end_matches("/defaultValue").to_owned();
            let p = doc
                .root
                .pointer_mut(&parent)
                .and_then(Value::as_object_mut)
                .ok_or_else(|| format!("{parent}: no such parameter"))?;
            p.remove("defaultValue");
            Ok(())
        }
        FindingKind::ResourceParameterValue => {
            check_name(name)?;
            let value = doc
                .root
                .pointer(&finding.pointer)
                .ok_or_else(|| format!("{}: no value there", finding.pointer))?;
            let ty = if value.is_object() {
                "secureobject"
            } else {
                "securestring"
            };
            let root = doc
                .root
                .as_object_mut()
                .ok_or("the file is not an object")?;
            let params = root
                .entry("parameters")
                .or_insert_with(|| json!({}))
                .as_object_mut()
                .ok_or("`parameters` of the template is not an object")?;
            if params.contains_key(name) {
                return Err(format!("the template already has a parameter `{name}`"));
            }
            params.insert(name.to_owned(), json!({"type": ty}));
            let target = doc
                .root
                .pointer_mut(&finding.pointer)
                .ok_or_else(|| format!("{}: no value there", finding.pointer))?;
            *target = Value::String(format!("[parameters('{name}')]"));
            Ok(())
        }
        _ => {
            let w = doc
                .workflows
                .get(finding.workflow)
                .ok_or("no such workflow")?
                .definition_pointer
                .clone();
            if let Some(rel) = finding.pointer.strip_prefix(&format!("{w}/")) {
                let mut f = finding.clone();
                f.pointer = format!("/{rel}");
                let def = doc
                    .root
                    .pointer_mut(&w)
                    .ok_or("the workflow's definition is gone")?;
                return move_to_secure_parameter(def, &f, name);
            }
            // A secret inside the value an ARM resource gives a plain
            // parameter: the parameter becomes secure and its value comes
            // from a secure template parameter.
            let props = w.trim_end_matches("/definition");
            let rest = finding
                .pointer
                .strip_prefix(&format!("{props}/parameters/"))
                .ok_or_else(|| format!("{}: cannot fix this value in place", finding.pointer))?;
            let token = rest.split('/').next().unwrap_or("");
            let pname = token.replace("~1", "/").replace("~0", "~");
            let value_ptr = format!("{props}/parameters/{token}/value");
            let is_object = doc.root.pointer(&value_ptr).is_some_and(Value::is_object);
            if let Some(Value::Object(p)) = doc.root.pointer_mut(&format!("{w}/parameters/{token}"))
            {
                p.insert(
                    "type".into(),
                    json!(if is_object {
                        "SecureObject"
                    } else {
                        "SecureString"
                    }),
                );
                p.remove("defaultValue");
            } else {
                return Err(format!("the definition declares no parameter `{pname}`"));
            }
            let f = Finding {
                pointer: value_ptr,
                span: None,
                kind: FindingKind::ResourceParameterValue,
                ..finding.clone()
            };
            fix_document(doc, &f, name)
        }
    }
}

/// Applies the fix of every finding that blocks exporting workflow
/// `workflow` to `target`, one at a time (rescanning after each, so ranges
/// inside a string stay right), with unique parameter names. Returns each
/// finding with the parameter name it now reads.
pub fn fix_all(
    doc: &mut Document,
    workflow: usize,
    target: super::Target,
) -> Result<Vec<(Finding, String)>, String> {
    let mut done = Vec::new();
    let mut last = usize::MAX;
    loop {
        let findings = super::blocking_findings(doc, workflow, target);
        let Some(f) = findings.first() else {
            return Ok(done);
        };
        if findings.len() >= last && done.len() > 10_000 {
            return Err("the fixes do not converge".into());
        }
        last = findings.len();
        // Names already taken where the new parameter goes: the
        // template's parameters for a template value, else the
        // definition's.
        let existing: Vec<String> = if f.kind == FindingKind::ResourceParameterValue
            || !f.pointer.contains("/definition")
                && doc.container == Container::Arm
                && f.pointer.contains("/properties/parameters/")
        {
            doc.root
                .get("parameters")
                .and_then(Value::as_object)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default()
        } else {
            crate::workflow::model::parameters(doc.definition(f.workflow))
                .into_iter()
                .map(|p| p.name)
                .collect()
        };
        let name = unique_names(std::slice::from_ref(f), &existing).remove(0);
        fix_document(doc, f, &name).map_err(|e| format!("{}: {e}", f.field))?;
        let after = super::blocking_findings(doc, workflow, target);
        if after.iter().any(|g| g == f) {
            return Err(format!("{}: the fix did not remove the finding", f.field));
        }
        done.push((f.clone(), name));
    }
}

/// Unique parameter names for a list of findings: the suggested names, with
/// `_2`, `_3`… added where they would clash with each other or with the
/// definition's parameters.
pub fn unique_names(findings: &[Finding], existing: &[String]) -> Vec<String> {
    let mut taken: std::collections::HashSet<String> = existing.iter().cloned().collect();
    findings
        .iter()
        .map(|f| {
            let base = f.suggested_name().to_owned();
            if matches!(
                f.kind,
                FindingKind::SecureParameterDefault
                    | FindingKind::InsecureSecretParameter
                    | FindingKind::TemplateSecureDefault
            ) {
                return base;
            }
            let mut name = base.clone();
            let mut k = 2;
            while taken.contains(&name) {
                name = format!("{base}_{k}");
                k += 1;
            }
            taken.insert(name.clone());
            name
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_skip_interpolations() {
        let s = "a@{concat('}', 'x')}b@{y}";
        let segs = literal_segments(s);
        assert_eq!(segs, vec![(0, "a"), (20, "b")]);
        assert!(literal_segments("@parameters('x')").is_empty());
        assert!(literal_segments("[parameters('x')]").is_empty());
        assert_eq!(literal_segments("[[x]"), vec![(0, "[[x]")]);
    }

    #[test]
    fn randomness() {
        assert!(looks_random("aB3dE5fG7hJ9kL1mN3pQ5rS7"));
        assert!(!looks_random("00000000-0000-0000-0000-000000000000"));
        assert!(!looks_random("application/json; charset=utf-8"));
        assert!(!looks_random("https://example.com/aB3dE5fG7hJ9kL1mN3"));
        assert!(!looks_random("short"));
    }

    #[test]
    fn patterns() {
        let p = find_patterns("DefaultEndpointsProtocol=https;AccountName=a;AccountKey=abc123==;EndpointSuffix=core.windows.net");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].1, FindingKind::ConnectionString);
        let u =
            "https://x.blob.core.windows.net/c?sv=2020&sig=AbCdEfGhIjKlMnOpQrStUvWxYz0123%3D&se=1";
        let p = find_patterns(u);
        assert_eq!(p.len(), 1);
        assert_eq!(&u[p[0].0.clone()], "AbCdEfGhIjKlMnOpQrStUvWxYz0123%3D");
        assert!(find_patterns("UseDevelopmentStorage=true").is_empty());
        assert!(find_patterns("Server=x;Database=y;Password=<password>").is_empty());
    }
}
