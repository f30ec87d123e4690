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
//! - the default value of a `SecureString`/`SecureObject` parameter; the
//!   default value of any other parameter is read like every other value
//!   (the patterns above, nested strings included), and a literal default
//!   of a `String` parameter that a secret field reads
//!   (`"password": "@parameters('pw')"`) is a finding too;
//! - in a secret field, an expression that reads no runtime data but has
//!   literal text (`"@{'abc'}"`, `"Basic @{base64('user:pass')}"`): its
//!   value is in the file all the same;
//! - secret query parameters written in a `uri` (`?api-key=…`, `&sig=…`);
//! - a header or query value of 32 or more hex digits, or a base64-looking
//!   key of 32 or more characters.
//!
//! Never flagged: Workflow Definition Language expressions that read
//! runtime data (`@parameters('…')`, `@body('…')`, `@{appsetting('…')}`…;
//! the string literals of any expression are still searched for the
//! patterns), ARM template expressions (`[…]`, but `[[…]` is a literal) —
//! only in an ARM template: a bare definition or a Standard file does not
//! evaluate them —, empty values, placeholders such as `<secret>` or
//! `{password}`.
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
    /// A plain `String` parameter with a literal value that a secret field
    /// reads (`"password": "@parameters('pw')"`): its default value in a
    /// definition, or the value an ARM resource gives it.
    ParameterUsedAsSecret,
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
    /// No one-action fix fits (a secret inside the default value of an
    /// `Array` parameter, which cannot be secure): what to do by hand.
    Manual {
        /// One sentence, without the value.
        hint: String,
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
        let what = match (&self.fix, self.kind) {
            (Fix::Manual { hint }, _) => hint.as_str(),
            (_, FindingKind::SecureParameterDefault | FindingKind::TemplateSecureDefault) => {
                "remove the default value (supply it at deployment)"
            }
            (_, FindingKind::ResourceParameterValue) => {
                "pass it from a secure template parameter or a Key Vault reference"
            }
            _ if self.parameter_default_of().is_some() => {
                "make the parameter secure and remove its default value (supply it at deployment)"
            }
            _ => "move it to a secure parameter",
        };
        format!("{who}: {} ({}); {what}", self.message, self.pointer)
    }

    /// The suggested parameter name of the fix (empty for [`Fix::Manual`]).
    pub fn suggested_name(&self) -> &str {
        match &self.fix {
            Fix::MoveToSecureParameter { suggested_name } => suggested_name,
            Fix::Manual { .. } => "",
        }
    }

    /// The workflow parameter whose default value holds this finding, if
    /// it is in one (`…/parameters/NAME/defaultValue…` of a definition):
    /// the fix makes that parameter secure rather than adding one.
    pub fn parameter_default_of(&self) -> Option<String> {
        if self.action.is_some()
            || matches!(
                self.kind,
                FindingKind::TemplateSecureDefault | FindingKind::ResourceParameterValue
            )
        {
            return None;
        }
        let p = &self.pointer;
        let mut from = 0;
        while let Some(k) = p[from..].find("/parameters/") {
            let at = from + k;
            let prefix = &p[..at];
            if prefix.is_empty() || prefix.ends_with("/definition") {
                let mut parts = p[at + "/parameters/".len()..].splitn(3, '/');
                let name = parts.next().unwrap_or("");
                if !name.is_empty() && parts.next() == Some("defaultValue") {
                    return Some(unescape_pointer(name));
                }
            }
            from = at + 1;
        }
        None
    }
}

fn unescape_pointer(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

// ---------------------------------------------------------------------------
// Scanning
// ---------------------------------------------------------------------------

/// Scans a workflow definition as it may sit in an ARM template (a whole
/// `[…]` string is an expression there, not a literal). Pointers are
/// relative to `definition`. [`scan_document`] knows the container; see
/// [`scan_in`].
pub fn scan(definition: &Value) -> Vec<Finding> {
    scan_in(definition, true)
}

/// Scans a workflow definition; `arm_template`: it sits in an ARM
/// template, which evaluates `[…]` strings (a bare definition or a
/// Standard `workflow.json` does not: there `[…]` is a literal).
pub fn scan_in(definition: &Value, arm_template: bool) -> Vec<Finding> {
    scan_with_uses(definition, arm_template, None).0
}

/// A workflow parameter read by a secret field: its name, and the place
/// (`password of Call_API`).
type Uses = Vec<(String, String)>;

/// What the top-level actions of a definition held lazily
/// ([`crate::workflow::lazy`]) give the scan, gathered one action at a
/// time: the findings (pointers relative to the definition) and the
/// parameters their secret fields read, in the order a walk of the whole
/// definition finds them.
#[derive(Debug, Default)]
pub(crate) struct ActionScan {
    findings: Vec<Finding>,
    uses: Uses,
}

impl ActionScan {
    /// Scans top-level action `name` (`arm`: the definition sits in an
    /// ARM template), as a walk of the whole definition does.
    pub(crate) fn add(&mut self, name: &str, item: &Value, arm: bool) {
        let mut w = Walker {
            out: &mut self.findings,
            arm,
            uses: std::mem::take(&mut self.uses),
            hole: None,
        };
        let ip = format!("/actions/{}", escape_pointer(name));
        if item.is_object() {
            let c = Ctx {
                action: Some(name.to_owned()),
            };
            w.value(item, &ip, &c);
        } else {
            w.value(item, &ip, &Ctx::default());
        }
        self.uses = std::mem::take(&mut w.uses);
    }
}

/// A definition's top-level `actions` stood in for by `.0` (found by
/// address), whose scan is `.1`.
pub(crate) type Hole<'a> = Option<(&'a Value, &'a ActionScan)>;

fn scan_with_uses(definition: &Value, arm: bool, hole: Hole<'_>) -> (Vec<Finding>, Uses) {
    let mut out = Vec::new();
    let mut walker = Walker {
        out: &mut out,
        arm,
        uses: Vec::new(),
        hole,
    };
    walker.value(definition, "", &Ctx::default());
    let uses = std::mem::take(&mut walker.uses);
    if let Some(Value::Object(params)) = definition.get("parameters") {
        for (name, p) in params {
            scan_parameter(
                name,
                p,
                &format!("/parameters/{}", escape_pointer(name)),
                arm,
                &uses,
                &mut out,
            );
        }
    }
    sort_findings(&mut out);
    (out, uses)
}

/// In pointer order (then by position in the string), duplicates removed.
fn sort_findings(out: &mut Vec<Finding>) {
    out.sort_by(|a, b| {
        a.pointer.cmp(&b.pointer).then_with(|| {
            a.span
                .as_ref()
                .map(|r| r.start)
                .cmp(&b.span.as_ref().map(|r| r.start))
        })
    });
    out.dedup_by(|a, b| a.pointer == b.pointer && a.span == b.span);
}

/// Scans every workflow of a document, and for ARM templates also the
/// values the resources give to secure parameters and the template's own
/// secure parameters. Pointers are relative to the document's root.
pub fn scan_document(doc: &Document) -> Vec<Finding> {
    scan_document_with(doc, None)
}

/// [`scan_document`] of a document whose first workflow's top-level
/// actions are held lazily: `hole` stands for them.
pub(crate) fn scan_document_with(doc: &Document, hole: Hole<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let arm = matches!(doc.container, Container::Arm | Container::Resource);
    for (i, w) in doc.workflows.iter().enumerate() {
        let Some(def) = doc.root.pointer(&w.definition_pointer) else {
            continue;
        };
        let (found, uses) = scan_with_uses(def, arm, if i == 0 { hole } else { None });
        for mut f in found {
            f.pointer = format!("{}{}", w.definition_pointer, f.pointer);
            f.workflow = i;
            out.push(f);
        }
        if arm {
            let props_ptr = w.definition_pointer.trim_end_matches("/definition");
            scan_resource_parameters(doc, i, props_ptr, &uses, &mut out);
        }
    }
    if doc.container == Container::Arm {
        if let Some(Value::Object(params)) = doc.root.get("parameters") {
            for (name, p) in params {
                let ty = p.get("type").and_then(Value::as_str).unwrap_or("");
                let secure = ty.eq_ignore_ascii_case("securestring")
                    || ty.eq_ignore_ascii_case("secureobject");
                if let (true, Some(d)) = (secure, p.get("defaultValue")) {
                    if is_literal_value(d, true) {
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
fn scan_resource_parameters(
    doc: &Document,
    i: usize,
    props_ptr: &str,
    uses: &Uses,
    out: &mut Vec<Finding>,
) {
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
        if secure && is_literal_value(value, true) {
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
        let plain_string = declared
            .iter()
            .any(|p| &p.name == name && matches!(p.ty, ParamType::String));
        let places = places_of(uses, name);
        if let (true, false, Value::String(s)) = (plain_string, places.is_empty(), value) {
            if is_plain_literal(s, true) && !is_placeholder(s) {
                out.push(Finding {
                    pointer: ptr.clone(),
                    span: None,
                    action: None,
                    workflow: i,
                    field: format!("Value of parameter {name}"),
                    kind: FindingKind::ParameterUsedAsSecret,
                    message: format!(
                        "the template gives plain parameter `{name}` a value in clear, used as the {places}"
                    ),
                    fix: Fix::MoveToSecureParameter {
                        suggested_name: sanitize_name(name),
                    },
                });
                continue;
            }
        }
        // Other values: only the patterns (connection strings, tokens…).
        let mut inner = Vec::new();
        Walker {
            out: &mut inner,
            arm: true,
            uses: Vec::new(),
            hole: None,
        }
        .value(value, "", &Ctx::default());
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

/// The places (`password of Call, Authorization header of Get`) where
/// secret fields read parameter `name`; empty when none does.
fn places_of(uses: &Uses, name: &str) -> String {
    let mut places: Vec<&str> = Vec::new();
    for (p, w) in uses {
        if p == name && !places.contains(&w.as_str()) {
            places.push(w);
        }
    }
    places.join(", ")
}

/// How to fix a secret in the default value of parameter `name`: make the
/// parameter secure, when its type allows it.
fn parameter_fix(name: &str, ty: &ParamType, default: &Value) -> Fix {
    match secure_type_for(ty, default) {
        Some(_) => Fix::MoveToSecureParameter {
            suggested_name: name.to_owned(),
        },
        None => Fix::Manual {
            hint: manual_hint(name, ty),
        },
    }
}

/// The secure type a parameter can take: `SecureString` for a string,
/// `SecureObject` for an object; `None` for the other types.
fn secure_type_for(ty: &ParamType, default: &Value) -> Option<&'static str> {
    match ty {
        ParamType::String | ParamType::SecureString => Some("SecureString"),
        ParamType::Object | ParamType::SecureObject => Some("SecureObject"),
        ParamType::Other(t) if t.is_empty() => match default {
            Value::String(_) => Some("SecureString"),
            Value::Object(_) => Some("SecureObject"),
            _ => None,
        },
        _ => None,
    }
}

fn manual_hint(name: &str, ty: &ParamType) -> String {
    let ty = match ty.as_str() {
        "" => "no type",
        t => t,
    };
    format!(
        "parameter `{name}` ({ty}) cannot be made secure: move the secret out of its default value by hand (to a SecureString parameter, an app setting or a Key Vault reference)"
    )
}

fn scan_parameter(
    name: &str,
    p: &Value,
    ptr: &str,
    arm: bool,
    uses: &Uses,
    out: &mut Vec<Finding>,
) {
    let Some(obj) = p.as_object() else {
        return;
    };
    let ty = ParamType::parse(obj.get("type").and_then(Value::as_str).unwrap_or(""));
    let Some(default) = obj.get("defaultValue") else {
        return;
    };
    let dptr = format!("{ptr}/defaultValue");
    if ty.is_secure() {
        if is_literal_value(default, arm) {
            out.push(Finding {
                pointer: dptr,
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
        if secret_name && is_plain_literal(s, arm) && looks_random(s) {
            out.push(Finding {
                pointer: dptr.clone(),
                span: None,
                action: None,
                workflow: 0,
                field: format!("Default value of parameter {name}"),
                kind: FindingKind::InsecureSecretParameter,
                message: format!(
                    "parameter `{name}` looks like a secret but is a plain {} with a default value in clear",
                    ty.as_str()
                ),
                fix: parameter_fix(name, &ty, default),
            });
        }
        // A literal that a secret field reads.
        let string_param =
            matches!(ty, ParamType::String) || matches!(&ty, ParamType::Other(t) if t.is_empty());
        let places = places_of(uses, name);
        if string_param && !places.is_empty() && is_plain_literal(s, arm) && !is_placeholder(s) {
            out.push(Finding {
                pointer: dptr.clone(),
                span: None,
                action: None,
                workflow: 0,
                field: format!("Default value of parameter {name}"),
                kind: FindingKind::ParameterUsedAsSecret,
                message: format!(
                    "parameter `{name}` is a plain {} with a default value in clear, used as the {places}",
                    match ty.as_str() {
                        "" => "parameter",
                        t => t,
                    }
                ),
                fix: parameter_fix(name, &ty, default),
            });
        }
    }
    // The patterns, in the default value and every string nested in it.
    let mut inner = Vec::new();
    Walker {
        out: &mut inner,
        arm,
        uses: Vec::new(),
        hole: None,
    }
    .value(default, &dptr, &Ctx::default());
    for mut f in inner {
        f.field = format!(
            "{} in the default value of parameter {name}",
            f.kind_label()
        );
        f.message = format!("{} (default value of parameter `{name}`)", f.message);
        f.fix = parameter_fix(name, &ty, default);
        out.push(f);
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
    /// In an ARM template: a whole `[…]` string is an expression.
    arm: bool,
    /// Parameters read by secret fields, and where.
    uses: Uses,
    /// Top-level actions held lazily, already scanned.
    hole: Hole<'a>,
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
                    if let Some((stub, scanned)) = self.hole {
                        if std::ptr::eq(v, stub) {
                            self.out.extend(scanned.findings.iter().cloned());
                            self.uses.extend(scanned.uses.iter().cloned());
                            continue;
                        }
                    }
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
                        let field = SecretField {
                            field: "Cookie",
                            kind: FindingKind::SecretHeader,
                            what: "cookie",
                            place: "cookie",
                            short: "cookie",
                        };
                        if !self.secret_field(s, &p, ctx, &field) {
                            self.string(s, &p, ctx);
                        }
                        continue;
                    }
                }
                "uri" => {
                    if let Value::String(s) = v {
                        self.uri(s, &p, ctx);
                        self.string(s, &p, ctx);
                        continue;
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
                    let field = SecretField {
                        field,
                        kind: FindingKind::AuthenticationSecret,
                        what,
                        place: what,
                        short,
                    };
                    if !self.secret_field(s, &p, ctx, &field) {
                        self.string(s, &p, ctx);
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
            if secret_name {
                let field = format!("{name} {noun}");
                let what = format!("{noun} `{name}`");
                let f = SecretField {
                    field: &field,
                    kind,
                    what: &what,
                    place: &field,
                    short: name,
                };
                if self.secret_field(s, &p, ctx, &f) {
                    continue;
                }
            }
            if is_plain_literal(s, self.arm) && (looks_random(s) || looks_like_key(s)) {
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

    /// A string in a field that holds a credential: a literal, or an
    /// expression built only from literals, is a finding (returns true);
    /// else the parameters it reads are noted.
    fn secret_field(&mut self, s: &str, ptr: &str, ctx: &Ctx, f: &SecretField) -> bool {
        if is_plain_literal(s, self.arm) && !is_placeholder(s) {
            self.push(
                ptr,
                None,
                ctx,
                f.field,
                f.kind,
                format!("{} is a literal value", f.what),
                f.short,
            );
            return true;
        }
        if literal_only_expression(s, self.arm) {
            self.push(
                ptr,
                None,
                ctx,
                f.field,
                f.kind,
                format!(
                    "{} is an expression built only from literals (its value is written in the file)",
                    f.what
                ),
                f.short,
            );
            return true;
        }
        let place = match &ctx.action {
            Some(a) => format!("{} of {a}", f.place),
            None => f.place.to_owned(),
        };
        for part in expression_parts(s, self.arm) {
            for name in part.parameters {
                self.uses.push((name, place.clone()));
            }
        }
        false
    }

    /// Secret query parameters written in a URI: `?api-key=…`, `&sig=…`.
    fn uri(&mut self, s: &str, ptr: &str, ctx: &Ctx) {
        let Some(q) = s.find('?') else {
            return;
        };
        for (start, seg) in literal_segments_in(s, self.arm) {
            let b = seg.as_bytes();
            for (i, &c) in b.iter().enumerate() {
                if !(c == b'?' || c == b'&') || start + i < q {
                    continue;
                }
                let rest = &seg[i + 1..];
                let Some(eq) = rest
                    .find(['=', '&', '#'])
                    .filter(|&k| rest.as_bytes()[k] == b'=')
                else {
                    continue;
                };
                let key = &rest[..eq];
                let vstart = i + 1 + eq + 1;
                let vlen = seg[vstart..].find(['&', '#']).unwrap_or(seg.len() - vstart);
                let value = &seg[vstart..vstart + vlen];
                if key.is_empty() || value.trim().is_empty() || is_placeholder(value) {
                    continue;
                }
                if is_secret_query(key) {
                    let abs = (start + vstart)..(start + vstart + vlen);
                    self.push(
                        ptr,
                        Some(abs),
                        ctx,
                        &format!("{key} query parameter in the URI"),
                        FindingKind::SecretQuery,
                        format!("query parameter `{key}` of the URI is a literal value"),
                        key,
                    );
                }
            }
        }
    }

    /// Patterns inside the literal text of a string, and inside the string
    /// literals of its expressions.
    fn string(&mut self, s: &str, ptr: &str, ctx: &Ctx) {
        for part in expression_parts(s, self.arm) {
            // The fix replaces the whole expression that holds the literal.
            let whole = part.range.start == 0 && part.range.end == s.len();
            let span = if whole {
                None
            } else {
                Some(part.range.clone())
            };
            for lit in &part.literals {
                for (_, kind, what, short) in find_patterns(lit) {
                    self.push(
                        ptr,
                        span.clone(),
                        ctx,
                        what,
                        kind,
                        format!(
                            "{} in a string literal of an expression",
                            what.to_ascii_lowercase()
                        ),
                        short,
                    );
                }
            }
        }
        for (start, seg) in literal_segments_in(s, self.arm) {
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

/// A field that holds a credential, for the messages.
struct SecretField<'a> {
    /// For people: `Client secret`.
    field: &'a str,
    kind: FindingKind,
    /// In a message: `client secret is a literal value`.
    what: &'a str,
    /// Where a parameter is read: `client secret` (`of Call` is added).
    place: &'a str,
    /// For a parameter name.
    short: &'a str,
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
fn is_literal_value(v: &Value, arm: bool) -> bool {
    match v {
        Value::String(s) => is_plain_literal(s, arm) && !is_placeholder(s),
        Value::Object(o) => !o.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Number(_) => true,
        _ => false,
    }
}

/// A non-empty string that is not an expression (WDL `@…`, an interpolated
/// string, or — with `arm` — an ARM expression `[…]`).
fn is_plain_literal(s: &str, arm: bool) -> bool {
    let expression = is_wdl(s) || (arm && is_arm_expression(s));
    !s.trim().is_empty() && !expression
}

/// A WDL expression `@…` or an interpolated string; a string that starts
/// with `@@` is literal as a whole, as the evaluator reads it
/// (`crate::expr::parse::is_expression`), and `@@{` is an escaped `@{`.
fn is_wdl(s: &str) -> bool {
    !s.starts_with("@@") && (s.starts_with('@') || !interpolations(s).is_empty())
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
/// parts of an interpolated string, else the whole string. As in an ARM
/// template; see [`literal_segments_in`].
pub fn literal_segments(s: &str) -> Vec<(usize, &str)> {
    literal_segments_in(s, true)
}

/// [`literal_segments`]; `arm`: a whole `[…]` string is an ARM expression
/// (else it is literal text).
pub fn literal_segments_in(s: &str, arm: bool) -> Vec<(usize, &str)> {
    if s.starts_with("@@") {
        // Literal as a whole: its value is the text less the first `@`.
        return vec![(1, &s[1..])];
    }
    if s.starts_with('@') || (arm && is_arm_expression(s)) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut seg_start = 0;
    for r in interpolations(s) {
        if r.start > seg_start {
            out.push((seg_start, &s[seg_start..r.start]));
        }
        seg_start = r.end;
    }
    if seg_start < s.len() {
        out.push((seg_start, &s[seg_start..]));
    }
    out
}

/// Byte ranges of the `@{…}` parts of a string, braces included (to the
/// end of the string when the closing brace is missing); `@@{` is an
/// escaped, literal `@{`.
fn interpolations(s: &str) -> Vec<Range<usize>> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < b.len() {
        if b[i] == b'@' && b[i + 1] == b'@' && b.get(i + 2) == Some(&b'{') {
            i += 3;
            continue;
        }
        if b[i] == b'@' && b[i + 1] == b'{' {
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
            let end = (j + 1).min(b.len());
            out.push(i..end);
            i = end;
            continue;
        }
        i += 1;
    }
    out
}

/// One Workflow Definition Language expression inside a string value.
struct ExprPart {
    /// Its byte range in the string: the whole value for `@…`, the `@{…}`
    /// of an interpolation.
    range: Range<usize>,
    /// Its string literals, unescaped (`'it''s'` gives `it's`).
    literals: Vec<String>,
    /// It holds a number literal.
    numbers: bool,
    /// It calls a function that reads runtime data (parameters, app
    /// settings, actions, the trigger, variables, loops, the clock, random
    /// values) or one this scanner does not know.
    runtime: bool,
    /// The workflow parameters it reads by name: `parameters('x')`.
    parameters: Vec<String>,
}

/// The WDL expressions of a string value (none for plain text, or — with
/// `arm` — for an ARM expression).
fn expression_parts(s: &str, arm: bool) -> Vec<ExprPart> {
    if arm && is_arm_expression(s) {
        return Vec::new();
    }
    if s.starts_with("@@") {
        return Vec::new();
    }
    if let Some(body) = s.strip_prefix('@') {
        return vec![lex_expression(body, 0..s.len())];
    }
    interpolations(s)
        .into_iter()
        .map(|r| {
            let inner_end = if s[..r.end].ends_with('}') && r.end > r.start + 2 {
                r.end - 1
            } else {
                r.end
            };
            lex_expression(&s[r.start + 2..inner_end], r)
        })
        .collect()
}

/// Reads an expression's tokens: string literals (`'…'`, `''` for a
/// quote), numbers, and function calls with their first argument. A
/// lexical pass, so that a malformed expression is still read.
fn lex_expression(text: &str, range: Range<usize>) -> ExprPart {
    let b: Vec<char> = text.chars().collect();
    let mut part = ExprPart {
        range,
        literals: Vec::new(),
        numbers: false,
        runtime: false,
        parameters: Vec::new(),
    };
    // The function whose first argument comes next.
    let mut call: Option<String> = None;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' {
            let mut lit = String::new();
            i += 1;
            while i < b.len() {
                if b[i] == '\'' {
                    if i + 1 < b.len() && b[i + 1] == '\'' {
                        lit.push('\'');
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                lit.push(b[i]);
                i += 1;
            }
            if call.as_deref() == Some("parameters") {
                part.parameters.push(lit.clone());
            }
            call = None;
            part.literals.push(lit);
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == '_') {
                i += 1;
            }
            let name: String = b[start..i].iter().collect::<String>().to_ascii_lowercase();
            let mut j = i;
            while j < b.len() && b[j].is_whitespace() {
                j += 1;
            }
            let member = b[..start].iter().rev().find(|c| !c.is_whitespace()) == Some(&'.');
            if j < b.len() && b[j] == '(' && !member {
                if is_runtime_function(&name) {
                    part.runtime = true;
                }
                call = Some(name);
                i = j + 1;
            } else {
                call = None;
            }
        } else if c.is_ascii_digit() {
            part.numbers = true;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == '.') {
                i += 1;
            }
            call = None;
        } else {
            call = None;
            i += 1;
        }
    }
    part
}

/// A function whose value is not written in the workflow: one that reads
/// the running workflow, the clock or a random source, or one unknown.
fn is_runtime_function(lower: &str) -> bool {
    use crate::expr::registry::{lookup, Category};
    match lookup(lower) {
        None => true,
        Some(f) => {
            f.category == Category::Workflow
                || matches!(
                    lower,
                    "guid" | "rand" | "utcnow" | "getfuturetime" | "getpasttime"
                )
        }
    }
}

/// An expression (or interpolated string) that reads no runtime data but
/// has literal text: in a secret field, its value is in the file.
fn literal_only_expression(s: &str, arm: bool) -> bool {
    if !is_wdl(s) {
        return false;
    }
    let parts = expression_parts(s, arm);
    if parts.is_empty() || parts.iter().any(|p| p.runtime) {
        return false;
    }
    let text = |t: &str| !t.trim().is_empty() && !is_placeholder(t);
    literal_segments_in(s, arm).iter().any(|(_, t)| text(t))
        || parts
            .iter()
            .any(|p| p.numbers || p.literals.iter().any(|l| text(l)))
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

/// A key of one kind of character: 32 or more hex digits, or base64 of 32
/// or more characters that is random enough; not a GUID, a path, or words
/// joined by `-` or `_`.
pub fn looks_like_key(s: &str) -> bool {
    let t = s.trim();
    if t.len() < 32 || is_guid(t) || is_placeholder(t) {
        return false;
    }
    if t.chars().all(|c| c.is_ascii_hexdigit()) {
        return entropy(t) >= 2.5;
    }
    let b64 = t
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "+/=_-".contains(c));
    if !b64 || t.starts_with('/') {
        return false;
    }
    let body = t.trim_end_matches('=');
    let words = body.contains(['-', '_'])
        && body
            .split(['-', '_'])
            .all(|w| w.chars().all(|c| c.is_ascii_lowercase()));
    !words && entropy(body) >= 4.2
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
    if let Some(pname) = finding.parameter_default_of() {
        // A secret in a parameter's default value: the parameter itself
        // becomes secure and loses its default.
        return make_parameter_secure(definition, &pname);
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

/// Makes parameter `pname` of a definition `SecureString` or
/// `SecureObject` and removes its default value; an error (what to do by
/// hand) for a type that cannot be secure.
fn make_parameter_secure(definition: &mut Value, pname: &str) -> Result<(), String> {
    let p = definition
        .get_mut("parameters")
        .and_then(Value::as_object_mut)
        .and_then(|m| m.get_mut(pname))
        .and_then(Value::as_object_mut)
        .ok_or_else(|| format!("the definition declares no parameter `{pname}`"))?;
    let ty = ParamType::parse(p.get("type").and_then(Value::as_str).unwrap_or(""));
    let default = p.get("defaultValue").cloned().unwrap_or(Value::Null);
    let secure = secure_type_for(&ty, &default).ok_or_else(|| manual_hint(pname, &ty))?;
    p.insert("type".into(), json!(secure));
    p.remove("defaultValue");
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
        // Findings with no one-action fix stay, and keep blocking.
        let Some(f) = findings
            .iter()
            .find(|f| matches!(f.fix, Fix::MoveToSecureParameter { .. }))
        else {
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
        let name = match f.parameter_default_of() {
            Some(p) => p,
            None => unique_names(std::slice::from_ref(f), &existing).remove(0),
        };
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
            ) || f.parameter_default_of().is_some()
            {
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
    fn two_ats_make_the_whole_string_literal_as_the_evaluator_reads_it() {
        // `@@…` is literal as a whole, `@{` inside it included.
        assert_eq!(literal_segments("@@x @{y}"), vec![(1, "@x @{y}")]);
        assert!(!is_wdl("@@x @{y}"));
        assert!(is_plain_literal("@@x @{y}", true));
        assert!(expression_parts("@@x @{y}", true).is_empty());
        // `@@{` inside other text is an escaped `@{`, not an interpolation.
        assert_eq!(literal_segments("a @@{b} @{c}"), vec![(0, "a @@{b} ")]);
        assert!(!is_wdl("pa@@{ss}word"));
        assert_eq!(literal_segments("pa@@{ss}word"), vec![(0, "pa@@{ss}word")]);
        // Still expressions.
        assert!(is_wdl("@x") && is_wdl("a @{y}"));
        assert!(literal_segments("@x").is_empty());
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
