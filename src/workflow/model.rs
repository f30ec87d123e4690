//! Typed views of the parts of a workflow definition.
//!
//! The document itself is stored as the file's JSON value (see
//! [`crate::workflow::Document`]), which is what makes load → save lossless:
//! unknown fields, key order and number digits are never touched. The types
//! here are read from that value on demand, leniently: Logic Apps compares
//! type names and run-after statuses case-insensitively, and an ARM template
//! expression (`[variables('type')]`) may stand where a type belongs.

use serde_json::{Map, Value};

/// A string that is an ARM template expression (`[...]`, but not the `[[`
/// escape). Its value is known only at deployment.
pub fn is_arm_expression(s: &str) -> bool {
    s.starts_with('[') && !s.starts_with("[[") && s.ends_with(']')
}

/// A string that holds a Workflow Definition Language expression: `@…`
/// (not the `@@` escape) or an `@{…}` interpolation.
pub fn is_wdl_expression(s: &str) -> bool {
    (s.starts_with('@') && !s.starts_with("@@")) || s.contains("@{")
}

/// Renders a scalar JSON value as the text a form would show.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn str_field(obj: &Map<String, Value>, key: &str) -> Option<String> {
    obj.get(key).map(value_text)
}

/// Looks a key up case-insensitively (Logic Apps is lenient about the casing
/// of some property names, such as header names).
pub fn get_ci<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<(&'a String, &'a Value)> {
    obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(key))
}

macro_rules! named_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $text:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant,)*
            /// An ARM template expression, known only at deployment.
            ArmExpression(String),
            /// A name this model does not know; kept as written.
            Other(String),
        }
        impl $name {
            /// Parses a name case-insensitively, as Logic Apps does.
            pub fn parse(s: &str) -> Self {
                $(if s.eq_ignore_ascii_case($text) { return $name::$variant; })*
                if is_arm_expression(s) { return $name::ArmExpression(s.to_owned()); }
                $name::Other(s.to_owned())
            }
            /// The canonical spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)*
                    $name::ArmExpression(s) | $name::Other(s) => s,
                }
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

named_enum! {
    /// Type of a workflow parameter.
    ParamType {
        String => "String",
        SecureString => "SecureString",
        Int => "Int",
        Float => "Float",
        Bool => "Bool",
        Array => "Array",
        Object => "Object",
        SecureObject => "SecureObject",
    }
}

impl ParamType {
    pub fn is_secure(&self) -> bool {
        matches!(self, ParamType::SecureString | ParamType::SecureObject)
    }
}

named_enum! {
    /// Type of a trigger or an action.
    ActionType {
        Http => "Http",
        HttpWebhook => "HttpWebhook",
        Request => "Request",
        Recurrence => "Recurrence",
        Response => "Response",
        If => "If",
        Switch => "Switch",
        Foreach => "Foreach",
        Until => "Until",
        Scope => "Scope",
        Agent => "Agent",
        Compose => "Compose",
        ParseJson => "ParseJson",
        Query => "Query",
        Select => "Select",
        Table => "Table",
        Join => "Join",
        InitializeVariable => "InitializeVariable",
        SetVariable => "SetVariable",
        IncrementVariable => "IncrementVariable",
        DecrementVariable => "DecrementVariable",
        AppendToArrayVariable => "AppendToArrayVariable",
        AppendToStringVariable => "AppendToStringVariable",
        Terminate => "Terminate",
        Wait => "Wait",
        Workflow => "Workflow",
        Function => "Function",
        ApiConnection => "ApiConnection",
        ApiConnectionWebhook => "ApiConnectionWebhook",
        ApiManagement => "ApiManagement",
        ServiceProvider => "ServiceProvider",
        JavaScriptCode => "JavaScriptCode",
    }
}

impl ActionType {
    /// Actions that hold other actions.
    pub fn is_control(&self) -> bool {
        matches!(
            self,
            ActionType::If
                | ActionType::Switch
                | ActionType::Foreach
                | ActionType::Until
                | ActionType::Scope
                | ActionType::Agent
        )
    }
}

named_enum! {
    /// A run-after status.
    RunStatus {
        Succeeded => "Succeeded",
        Failed => "Failed",
        Skipped => "Skipped",
        TimedOut => "TimedOut",
    }
}

/// A workflow parameter declaration.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    pub name: String,
    pub ty: ParamType,
    pub default_value: Option<Value>,
    pub allowed_values: Option<Vec<Value>>,
    pub metadata: Option<Value>,
}

/// Reads the `parameters` of a definition.
pub fn parameters(definition: &Map<String, Value>) -> Vec<Parameter> {
    let Some(Value::Object(params)) = definition.get("parameters") else {
        return Vec::new();
    };
    params
        .iter()
        .map(|(name, p)| {
            let obj = p.as_object();
            let get = |k: &str| obj.and_then(|o| o.get(k)).cloned();
            Parameter {
                name: name.clone(),
                ty: ParamType::parse(
                    obj.and_then(|o| o.get("type"))
                        .and_then(Value::as_str)
                        .unwrap_or(""),
                ),
                default_value: get("defaultValue"),
                allowed_values: get("allowedValues").and_then(|v| v.as_array().cloned()),
                metadata: get("metadata"),
            }
        })
        .collect()
}

/// The fields common to every trigger and action.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Envelope {
    pub description: Option<String>,
    pub runtime_configuration: Option<Value>,
    pub secure_inputs: bool,
    pub secure_outputs: bool,
    pub operation_options: Vec<String>,
    pub metadata: Option<Value>,
    pub tracked_properties: Option<Value>,
    pub limit: Option<Value>,
    pub retry_policy: Option<Value>,
}

impl Envelope {
    pub fn read(obj: &Map<String, Value>) -> Envelope {
        let runtime = obj.get("runtimeConfiguration");
        let secure: Vec<String> = runtime
            .and_then(|r| r.pointer("/secureData/properties"))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_ascii_lowercase)
                    .collect()
            })
            .unwrap_or_default();
        Envelope {
            description: str_field(obj, "description"),
            runtime_configuration: runtime.cloned(),
            secure_inputs: secure.iter().any(|s| s == "inputs"),
            secure_outputs: secure.iter().any(|s| s == "outputs"),
            operation_options: obj
                .get("operationOptions")
                .and_then(Value::as_str)
                .map(|s| {
                    s.split(',')
                        .map(|p| p.trim().to_owned())
                        .filter(|p| !p.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            metadata: obj.get("metadata").cloned(),
            tracked_properties: obj.get("trackedProperties").cloned(),
            limit: obj.get("limit").cloned(),
            retry_policy: obj.pointer_in("inputs", "retryPolicy").cloned(),
        }
    }
}

trait PointerIn {
    fn pointer_in(&self, a: &str, b: &str) -> Option<&Value>;
}
impl PointerIn for Map<String, Value> {
    fn pointer_in(&self, a: &str, b: &str) -> Option<&Value> {
        self.get(a)?.as_object()?.get(b)
    }
}

/// Credential type of ActiveDirectoryOAuth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialType {
    Secret,
    Certificate,
}

/// ActiveDirectoryOAuth authentication.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AadOAuth {
    pub authority: Option<String>,
    pub tenant: Option<String>,
    pub audience: Option<String>,
    pub client_id: Option<String>,
    /// As written in the file; `None` when absent (it is then inferred).
    pub credential_type_written: Option<String>,
    pub secret: Option<String>,
    pub pfx: Option<String>,
    pub password: Option<String>,
}

impl AadOAuth {
    /// The default authority that App Proxy guides use.
    pub const DEFAULT_AUTHORITY: &'static str = "https://login.windows.net";

    /// The credential type: as written, else inferred from the fields
    /// present (a pfx means a certificate).
    pub fn credential_type(&self) -> CredentialType {
        match self.credential_type_written.as_deref() {
            Some(t) if t.eq_ignore_ascii_case("Certificate") => CredentialType::Certificate,
            Some(t) if t.eq_ignore_ascii_case("Secret") => CredentialType::Secret,
            _ if self.pfx.is_some() && self.secret.is_none() => CredentialType::Certificate,
            _ => CredentialType::Secret,
        }
    }

    /// The authority to use: as written, or the default.
    pub fn authority_or_default(&self) -> &str {
        self.authority
            .as_deref()
            .filter(|a| !a.is_empty())
            .unwrap_or(Self::DEFAULT_AUTHORITY)
    }
}

/// The `authentication` object of an HTTP action or trigger.
#[derive(Debug, Clone, PartialEq)]
pub enum Authentication {
    None,
    Basic {
        username: Option<String>,
        password: Option<String>,
    },
    ClientCertificate {
        pfx: Option<String>,
        password: Option<String>,
    },
    ActiveDirectoryOAuth(AadOAuth),
    Raw {
        value: Option<String>,
    },
    ManagedServiceIdentity {
        identity: Option<String>,
        audience: Option<String>,
    },
    /// The whole object comes from an expression (`@parameters('auth')`).
    Expression(String),
    /// A type this model does not know (or an ARM expression).
    Other {
        type_name: String,
    },
}

impl Authentication {
    pub fn read(v: &Value) -> Authentication {
        let obj = match v {
            Value::Object(o) => o,
            Value::String(s) => return Authentication::Expression(s.clone()),
            _ => {
                return Authentication::Other {
                    type_name: String::new(),
                }
            }
        };
        let f = |k: &str| str_field(obj, k);
        let ty = obj.get("type").and_then(Value::as_str).unwrap_or("");
        match ty.to_ascii_lowercase().as_str() {
            "none" => Authentication::None,
            "basic" => Authentication::Basic {
                username: f("username"),
                password: f("password"),
            },
            "clientcertificate" => Authentication::ClientCertificate {
                pfx: f("pfx"),
                password: f("password"),
            },
            "activedirectoryoauth" => Authentication::ActiveDirectoryOAuth(AadOAuth {
                authority: f("authority"),
                tenant: f("tenant"),
                audience: f("audience"),
                client_id: f("clientId"),
                credential_type_written: f("credentialType"),
                secret: f("secret"),
                pfx: f("pfx"),
                password: f("password"),
            }),
            "raw" => Authentication::Raw { value: f("value") },
            "managedserviceidentity" => Authentication::ManagedServiceIdentity {
                identity: f("identity"),
                audience: f("audience"),
            },
            _ => Authentication::Other {
                type_name: ty.to_owned(),
            },
        }
    }

    /// The type name as Logic Apps spells it.
    pub fn type_name(&self) -> &str {
        match self {
            Authentication::None => "None",
            Authentication::Basic { .. } => "Basic",
            Authentication::ClientCertificate { .. } => "ClientCertificate",
            Authentication::ActiveDirectoryOAuth(_) => "ActiveDirectoryOAuth",
            Authentication::Raw { .. } => "Raw",
            Authentication::ManagedServiceIdentity { .. } => "ManagedServiceIdentity",
            Authentication::Expression(_) => "(expression)",
            Authentication::Other { type_name } => type_name,
        }
    }

    /// The fields that hold secrets, by their JSON name, with their values.
    pub fn secret_fields(&self) -> Vec<(&'static str, &str)> {
        let fields: Vec<(&'static str, &Option<String>)> = match self {
            Authentication::Basic { password, .. } => vec![("password", password)],
            Authentication::ClientCertificate { pfx, password } => {
                vec![("pfx", pfx), ("password", password)]
            }
            Authentication::ActiveDirectoryOAuth(a) => vec![
                ("secret", &a.secret),
                ("pfx", &a.pfx),
                ("password", &a.password),
            ],
            Authentication::Raw { value } => vec![("value", value)],
            _ => Vec::new(),
        };
        fields
            .into_iter()
            .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
            .collect()
    }
}

/// Typed inputs of an HTTP action or trigger.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HttpInputs {
    pub method: Option<String>,
    pub uri: Option<String>,
    pub headers: Option<Value>,
    pub queries: Option<Value>,
    pub body: Option<Value>,
    pub cookie: Option<Value>,
    pub authentication: Option<Authentication>,
}

impl HttpInputs {
    pub fn read(inputs: &Value) -> HttpInputs {
        match inputs.as_object() {
            Some(obj) => HttpInputs::from_map(obj),
            None => HttpInputs::default(),
        }
    }

    /// Reads the typed fields of an `inputs` object.
    pub fn from_map(obj: &Map<String, Value>) -> HttpInputs {
        HttpInputs {
            method: str_field(obj, "method"),
            uri: str_field(obj, "uri"),
            headers: obj.get("headers").cloned(),
            queries: obj.get("queries").cloned(),
            body: obj.get("body").cloned(),
            cookie: obj.get("cookie").cloned(),
            authentication: obj.get("authentication").map(Authentication::read),
        }
    }

    /// `GET host/path`: the one-line summary a card shows.
    pub fn summary(&self) -> String {
        let method = self.method.as_deref().unwrap_or("?").to_ascii_uppercase();
        let uri = self.uri.as_deref().unwrap_or("");
        let short = uri
            .strip_prefix("https://")
            .or_else(|| uri.strip_prefix("http://"))
            .unwrap_or(uri);
        format!("{method} {short}")
    }

    /// The header named `Authorization`, in any casing.
    pub fn authorization_header(&self) -> Option<(&str, &Value)> {
        let h = self.headers.as_ref()?.as_object()?;
        get_ci(h, "Authorization").map(|(k, v)| (k.as_str(), v))
    }
}

/// Typed fields of a Request trigger.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RequestTrigger {
    pub kind: Option<String>,
    pub schema: Option<Value>,
    pub method: Option<String>,
    pub relative_path: Option<String>,
}

/// Typed fields of a Recurrence trigger.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RecurrenceTrigger {
    pub frequency: Option<String>,
    pub interval: Option<Value>,
    pub start_time: Option<String>,
    pub time_zone: Option<String>,
    pub schedule: Option<Value>,
}

/// What a trigger is, by type.
#[derive(Debug, Clone, PartialEq)]
pub enum TriggerDetails {
    Request(RequestTrigger),
    Recurrence(RecurrenceTrigger),
    Http(Box<HttpInputs>),
    /// Any other type, kept as it is in the document.
    Other,
}

/// A trigger of the definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    pub name: String,
    pub ty: ActionType,
    pub details: TriggerDetails,
    pub envelope: Envelope,
}

impl Trigger {
    pub fn read(name: &str, v: &Value) -> Trigger {
        let empty = Map::new();
        let obj = v.as_object().unwrap_or(&empty);
        let ty = ActionType::parse(obj.get("type").and_then(Value::as_str).unwrap_or(""));
        let inputs = obj.get("inputs").and_then(Value::as_object);
        let inp = |k: &str| inputs.and_then(|i| i.get(k));
        let details = match ty {
            ActionType::Request => TriggerDetails::Request(RequestTrigger {
                kind: str_field(obj, "kind"),
                schema: inp("schema").cloned(),
                method: inp("method").map(value_text),
                relative_path: inp("relativePath").map(value_text),
            }),
            ActionType::Recurrence => {
                let rec = obj.get("recurrence").and_then(Value::as_object);
                let r = |k: &str| rec.and_then(|o| o.get(k));
                TriggerDetails::Recurrence(RecurrenceTrigger {
                    frequency: r("frequency").map(value_text),
                    interval: r("interval").cloned(),
                    start_time: r("startTime").map(value_text),
                    time_zone: r("timeZone").map(value_text),
                    schedule: r("schedule").cloned(),
                })
            }
            ActionType::Http => TriggerDetails::Http(Box::new(HttpInputs::read(
                obj.get("inputs").unwrap_or(&Value::Null),
            ))),
            _ => TriggerDetails::Other,
        };
        Trigger {
            name: name.to_owned(),
            ty,
            details,
            envelope: Envelope::read(obj),
        }
    }
}

/// Reads the `triggers` of a definition.
pub fn triggers(definition: &Map<String, Value>) -> Vec<Trigger> {
    match definition.get("triggers") {
        Some(Value::Object(t)) => t.iter().map(|(n, v)| Trigger::read(n, v)).collect(),
        _ => Vec::new(),
    }
}

/// What an action is, by type: the fields the designer edits in forms.
#[derive(Debug, Clone, PartialEq)]
pub enum ActionDetails {
    Http(Box<HttpInputs>),
    If {
        expression: Option<Value>,
    },
    Switch {
        expression: Option<Value>,
        /// Case name and the value it matches.
        cases: Vec<(String, Option<Value>)>,
    },
    Foreach {
        items: Option<Value>,
    },
    Until {
        expression: Option<Value>,
        /// `limit.count` and `limit.timeout`.
        count: Option<Value>,
        timeout: Option<String>,
    },
    Scope,
    /// Any other type: its inputs are edited as JSON.
    Other,
}

/// An action of the definition, read from its JSON object.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    pub name: String,
    pub ty: ActionType,
    pub details: ActionDetails,
    pub envelope: Envelope,
    pub inputs: Option<Value>,
}

impl Action {
    pub fn read(name: &str, v: &Value) -> Action {
        let empty = Map::new();
        let obj = v.as_object().unwrap_or(&empty);
        let ty = ActionType::parse(obj.get("type").and_then(Value::as_str).unwrap_or(""));
        let get = |k: &str| obj.get(k).cloned();
        let details = match ty {
            ActionType::Http => ActionDetails::Http(Box::new(HttpInputs::read(
                obj.get("inputs").unwrap_or(&Value::Null),
            ))),
            ActionType::If => ActionDetails::If {
                expression: get("expression"),
            },
            ActionType::Switch => ActionDetails::Switch {
                expression: get("expression"),
                cases: obj
                    .get("cases")
                    .and_then(Value::as_object)
                    .map(|c| {
                        c.iter()
                            .map(|(n, case)| (n.clone(), case.get("case").cloned()))
                            .collect()
                    })
                    .unwrap_or_default(),
            },
            ActionType::Foreach => ActionDetails::Foreach {
                items: get("foreach"),
            },
            ActionType::Until => {
                let limit = obj.get("limit");
                ActionDetails::Until {
                    expression: get("expression"),
                    count: limit.and_then(|l| l.get("count")).cloned(),
                    timeout: limit.and_then(|l| l.get("timeout")).map(value_text),
                }
            }
            ActionType::Scope => ActionDetails::Scope,
            _ => ActionDetails::Other,
        };
        Action {
            name: name.to_owned(),
            ty,
            details,
            envelope: Envelope::read(obj),
            inputs: get("inputs"),
        }
    }

    /// The one-line summary a card shows under the name.
    pub fn summary(&self) -> String {
        match &self.details {
            ActionDetails::Http(h) => h.summary(),
            ActionDetails::Foreach { items: Some(i) } => format!("for each {}", value_text(i)),
            ActionDetails::Switch { cases, .. } => format!("{} case(s) + default", cases.len()),
            _ => self.ty.as_str().to_owned(),
        }
    }
}

/// A definition output.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub name: String,
    pub ty: ParamType,
    pub value: Option<Value>,
}

/// Reads the `outputs` of a definition.
pub fn outputs(definition: &Map<String, Value>) -> Vec<Output> {
    let Some(Value::Object(o)) = definition.get("outputs") else {
        return Vec::new();
    };
    o.iter()
        .map(|(name, v)| Output {
            name: name.clone(),
            ty: ParamType::parse(v.get("type").and_then(Value::as_str).unwrap_or("")),
            value: v.get("value").cloned(),
        })
        .collect()
}

/// Names of the entries of `staticResults`.
pub fn static_results(definition: &Map<String, Value>) -> Vec<String> {
    match definition.get("staticResults") {
        Some(Value::Object(o)) => o.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_parse_case_insensitively() {
        assert_eq!(ActionType::parse("recurrence"), ActionType::Recurrence);
        assert_eq!(ActionType::parse("foreach"), ActionType::Foreach);
        assert_eq!(RunStatus::parse("SUCCEEDED"), RunStatus::Succeeded);
        assert_eq!(
            ActionType::parse("[variables('type')]"),
            ActionType::ArmExpression("[variables('type')]".into())
        );
        assert_eq!(
            ActionType::parse("Agentic"),
            ActionType::Other("Agentic".into())
        );
        assert_eq!(ParamType::parse("securestring"), ParamType::SecureString);
    }

    #[test]
    fn credential_type_is_inferred() {
        let secret = Authentication::read(&json!({
            "type": "ActiveDirectoryOAuth", "tenant": "t", "audience": "a", "clientId": "c",
            "secret": "@parameters('s')"
        }));
        let cert = Authentication::read(&json!({
            "type": "activedirectoryoauth", "tenant": "t", "audience": "a", "clientId": "c",
            "pfx": "@parameters('p')", "password": "@parameters('pw')"
        }));
        let explicit = Authentication::read(&json!({
            "type": "ActiveDirectoryOAuth", "credentialType": "Certificate", "secret": "x"
        }));
        let ct = |a: &Authentication| match a {
            Authentication::ActiveDirectoryOAuth(o) => o.credential_type(),
            _ => panic!("not AAD"),
        };
        assert_eq!(ct(&secret), CredentialType::Secret);
        assert_eq!(ct(&cert), CredentialType::Certificate);
        assert_eq!(ct(&explicit), CredentialType::Certificate);
    }

    #[test]
    fn actions_read_by_type() {
        let a = Action::read(
            "Loop",
            &json!({"type": "until", "expression": "@x", "limit": {"count": 60, "timeout": "PT1H"}}),
        );
        assert_eq!(a.ty, ActionType::Until);
        assert_eq!(
            a.details,
            ActionDetails::Until {
                expression: Some(json!("@x")),
                count: Some(json!(60)),
                timeout: Some("PT1H".into())
            }
        );
        let s = Action::read(
            "Route",
            &json!({"type": "Switch", "expression": "@k", "cases": {"A": {"case": "a", "actions": {}}}}),
        );
        assert_eq!(s.summary(), "1 case(s) + default");
        let h = Action::read(
            "Call",
            &json!({"type": "Http", "inputs": {"method": "post", "uri": "http://localhost:8080/x"}}),
        );
        assert_eq!(h.summary(), "POST localhost:8080/x");
    }

    #[test]
    fn http_summary_is_short() {
        let h = HttpInputs::read(&json!({
            "method": "get", "uri": "https://sampleapp1.msappproxy.net/api/1/status"
        }));
        assert_eq!(h.summary(), "GET sampleapp1.msappproxy.net/api/1/status");
    }

    #[test]
    fn envelope_reads_secure_data() {
        let e = Envelope::read(
            json!({
                "runtimeConfiguration": {"secureData": {"properties": ["inputs", "Outputs"]}},
                "operationOptions": "DisableAsyncPattern, SuppressWorkflowHeaders",
                "inputs": {"retryPolicy": {"type": "none"}}
            })
            .as_object()
            .unwrap(),
        );
        assert!(e.secure_inputs && e.secure_outputs);
        assert_eq!(e.operation_options.len(), 2);
        assert_eq!(e.retry_policy, Some(json!({"type": "none"})));
    }
}
