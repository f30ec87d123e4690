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

/// A string that holds a Workflow Definition Language expression: `@…` or
/// an `@{…}` interpolation. A string that starts with `@@` is literal as a
/// whole, `@{` inside it included, as the evaluator reads it
/// (`crate::expr::parse::is_expression`, whose rule this repeats: the model
/// sits below `expr`).
pub fn is_wdl_expression(s: &str) -> bool {
    !s.starts_with("@@") && (s.starts_with('@') || s.contains("@{"))
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
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident => $text:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vm])* $variant,)*
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
        /// A string.
        String => "String",
        /// A string kept out of run history.
        SecureString => "SecureString",
        /// An integer.
        Int => "Int",
        /// A floating-point number.
        Float => "Float",
        /// A boolean.
        Bool => "Bool",
        /// A JSON array.
        Array => "Array",
        /// A JSON object.
        Object => "Object",
        /// A JSON object kept out of run history.
        SecureObject => "SecureObject",
    }
}

impl ParamType {
    /// True for `SecureString` and `SecureObject`.
    pub fn is_secure(&self) -> bool {
        matches!(self, ParamType::SecureString | ParamType::SecureObject)
    }
}

named_enum! {
    /// Type of a trigger or an action.
    ActionType {
        /// Calls an HTTP endpoint.
        Http => "Http",
        /// Subscribes to an HTTP endpoint and waits for its callback.
        HttpWebhook => "HttpWebhook",
        /// A trigger fired by an incoming HTTP request.
        Request => "Request",
        /// A trigger fired on a schedule.
        Recurrence => "Recurrence",
        /// Replies to the request that started the run.
        Response => "Response",
        /// Runs the True or the False branch on a condition.
        If => "If",
        /// Runs the case that matches a value, else the default.
        Switch => "Switch",
        /// Runs its body once for each item of an array.
        Foreach => "Foreach",
        /// Repeats its body until a condition holds or a limit is reached.
        Until => "Until",
        /// Groups actions into one unit.
        Scope => "Scope",
        /// An AI agent loop whose tools are branches of actions.
        Agent => "Agent",
        /// Builds a value from its inputs.
        Compose => "Compose",
        /// Parses JSON content against a schema.
        ParseJson => "ParseJson",
        /// Filters an array.
        Query => "Query",
        /// Maps each item of an array to a new shape.
        Select => "Select",
        /// Builds a CSV or HTML table from an array.
        Table => "Table",
        /// Joins the items of an array into a string.
        Join => "Join",
        /// Declares a variable.
        InitializeVariable => "InitializeVariable",
        /// Sets a variable.
        SetVariable => "SetVariable",
        /// Adds to a number variable.
        IncrementVariable => "IncrementVariable",
        /// Subtracts from a number variable.
        DecrementVariable => "DecrementVariable",
        /// Appends an item to an array variable.
        AppendToArrayVariable => "AppendToArrayVariable",
        /// Appends text to a string variable.
        AppendToStringVariable => "AppendToStringVariable",
        /// Ends the run with a status.
        Terminate => "Terminate",
        /// Pauses for an interval or until a time.
        Wait => "Wait",
        /// Calls another Logic Apps workflow.
        Workflow => "Workflow",
        /// Calls an Azure Function.
        Function => "Function",
        /// Calls a managed connector.
        ApiConnection => "ApiConnection",
        /// Subscribes through a managed connector and waits for its callback.
        ApiConnectionWebhook => "ApiConnectionWebhook",
        /// Calls an API published in Azure API Management.
        ApiManagement => "ApiManagement",
        /// Calls a built-in service-provider connector (Standard).
        ServiceProvider => "ServiceProvider",
        /// Runs inline JavaScript.
        JavaScriptCode => "JavaScriptCode",
    }
}

impl ActionType {
    /// True for the actions that declare or change a variable.
    pub fn is_variable(&self) -> bool {
        matches!(
            self,
            ActionType::InitializeVariable
                | ActionType::SetVariable
                | ActionType::IncrementVariable
                | ActionType::DecrementVariable
                | ActionType::AppendToArrayVariable
                | ActionType::AppendToStringVariable
        )
    }

    /// Whether Logic Apps offers secure inputs and secure outputs on this
    /// type, as Microsoft Learn lists them ("Secure access and data in Azure
    /// Logic Apps", section "Secure data in run history by using
    /// obfuscation"): neither on variable actions, control actions
    /// (For each, If, Scope, Switch, Until), Terminate or the Recurrence
    /// trigger; no secure outputs on Compose, Parse JSON, Response and Wait.
    pub fn secure_data_support(&self) -> (bool, bool) {
        if self.secure_data_group().is_some() {
            (false, false)
        } else if matches!(
            self,
            ActionType::Compose | ActionType::ParseJson | ActionType::Response | ActionType::Wait
        ) {
            (true, false)
        } else {
            (true, true)
        }
    }

    /// Compose, Parse JSON and Response: they have only secure inputs, and
    /// that setting hides their outputs too. When they read secured data,
    /// Logic Apps hides their inputs and outputs on its own, but not the
    /// inputs or outputs of an action that reads their (hidden) outputs
    /// (Microsoft Learn, "Secure access and data in Azure Logic Apps",
    /// section "Considerations for securing inputs and outputs").
    pub fn secure_inputs_hide_outputs(&self) -> bool {
        matches!(
            self,
            ActionType::Compose | ActionType::ParseJson | ActionType::Response
        )
    }

    /// For a type that has neither secure inputs nor secure outputs, the
    /// group it belongs to, for messages: `variable actions`,
    /// `control actions`, `Terminate actions`, `Recurrence triggers`.
    /// `None` when the type has secure inputs.
    pub fn secure_data_group(&self) -> Option<&'static str> {
        if self.is_variable() {
            Some("variable actions")
        } else if self.is_control() {
            Some("control actions")
        } else if *self == ActionType::Terminate {
            Some("Terminate actions")
        } else if *self == ActionType::Recurrence {
            Some("Recurrence triggers")
        } else {
            None
        }
    }

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
        /// The action succeeded.
        Succeeded => "Succeeded",
        /// The action failed.
        Failed => "Failed",
        /// The action did not run.
        Skipped => "Skipped",
        /// The action timed out.
        TimedOut => "TimedOut",
    }
}

/// A workflow parameter declaration.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    /// The parameter's key in `parameters`.
    pub name: String,
    /// The declared `type`.
    pub ty: ParamType,
    /// `defaultValue`, if any.
    pub default_value: Option<Value>,
    /// `allowedValues`, if it is an array.
    pub allowed_values: Option<Vec<Value>>,
    /// `metadata`, as written.
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
    /// `description`.
    pub description: Option<String>,
    /// `runtimeConfiguration`, as written.
    pub runtime_configuration: Option<Value>,
    /// True when `runtimeConfiguration.secureData.properties` lists `inputs`.
    pub secure_inputs: bool,
    /// True when `runtimeConfiguration.secureData.properties` lists `outputs`.
    pub secure_outputs: bool,
    /// The entries of the comma-separated `operationOptions`, trimmed.
    pub operation_options: Vec<String>,
    /// `metadata`, as written.
    pub metadata: Option<Value>,
    /// `trackedProperties`, as written.
    pub tracked_properties: Option<Value>,
    /// `limit`, as written.
    pub limit: Option<Value>,
    /// `inputs.retryPolicy`, as written.
    pub retry_policy: Option<Value>,
}

impl Envelope {
    /// Reads the common fields of a trigger or action object.
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
            retry_policy: obj
                .get("inputs")
                .and_then(|i| i.get("retryPolicy"))
                .cloned(),
        }
    }
}

/// Credential type of ActiveDirectoryOAuth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialType {
    /// A client secret (`secret`).
    Secret,
    /// A client certificate (`pfx` and `password`).
    Certificate,
}

/// ActiveDirectoryOAuth authentication.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AadOAuth {
    /// `authority`: the sign-in endpoint that issues the token.
    pub authority: Option<String>,
    /// `tenant`: the directory (tenant) the client belongs to.
    pub tenant: Option<String>,
    /// `audience`: the resource the token is for.
    pub audience: Option<String>,
    /// `clientId`: the application (client) id.
    pub client_id: Option<String>,
    /// As written in the file; `None` when absent (it is then inferred).
    pub credential_type_written: Option<String>,
    /// `secret`: the client secret.
    pub secret: Option<String>,
    /// `pfx`: the client certificate, base64-encoded.
    pub pfx: Option<String>,
    /// `password` of the certificate.
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
    /// No authentication.
    None,
    /// A user name and password.
    Basic {
        /// `username`.
        username: Option<String>,
        /// `password`.
        password: Option<String>,
    },
    /// A client certificate.
    ClientCertificate {
        /// `pfx`: the certificate, base64-encoded.
        pfx: Option<String>,
        /// `password` of the certificate.
        password: Option<String>,
    },
    /// OAuth with a Microsoft Entra ID token.
    ActiveDirectoryOAuth(AadOAuth),
    /// A raw `Authorization` header value.
    Raw {
        /// `value`: the header value.
        value: Option<String>,
    },
    /// The logic app's managed identity.
    ManagedServiceIdentity {
        /// `identity`: a user-assigned identity; `None` for the
        /// system-assigned one.
        identity: Option<String>,
        /// `audience`: the resource the token is for.
        audience: Option<String>,
    },
    /// The whole object comes from an expression (`@parameters('auth')`).
    Expression(String),
    /// A type this model does not know (or an ARM expression).
    Other {
        /// The `type` as written; empty when there is none.
        type_name: String,
    },
}

impl Authentication {
    /// Reads an `authentication` value: an object, or an expression string.
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
    /// `method`, as written (`GET`, `post`, …).
    pub method: Option<String>,
    /// `uri`.
    pub uri: Option<String>,
    /// `headers`, as written.
    pub headers: Option<Value>,
    /// `queries`, as written.
    pub queries: Option<Value>,
    /// `body`, as written.
    pub body: Option<Value>,
    /// `cookie`, as written.
    pub cookie: Option<Value>,
    /// `authentication`, if present.
    pub authentication: Option<Authentication>,
}

impl HttpInputs {
    /// Reads the typed fields of an `inputs` value; anything but an object
    /// gives empty inputs.
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
    /// `kind` (`Http`, `Button`, …).
    pub kind: Option<String>,
    /// `inputs.schema`: the JSON schema of the request body.
    pub schema: Option<Value>,
    /// `inputs.method`: the HTTP method the trigger accepts.
    pub method: Option<String>,
    /// `inputs.relativePath`: the path appended to the trigger's URL.
    pub relative_path: Option<String>,
}

/// Typed fields of a Recurrence trigger.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RecurrenceTrigger {
    /// `recurrence.frequency` (`Minute`, `Hour`, `Day`, …).
    pub frequency: Option<String>,
    /// `recurrence.interval`: how many `frequency` units between runs.
    pub interval: Option<Value>,
    /// `recurrence.startTime`.
    pub start_time: Option<String>,
    /// `recurrence.timeZone`.
    pub time_zone: Option<String>,
    /// `recurrence.schedule` (hours, minutes, week days), as written.
    pub schedule: Option<Value>,
}

/// What a trigger is, by type.
#[derive(Debug, Clone, PartialEq)]
pub enum TriggerDetails {
    /// A Request trigger.
    Request(RequestTrigger),
    /// A Recurrence trigger.
    Recurrence(RecurrenceTrigger),
    /// An HTTP trigger, which polls an endpoint.
    Http(Box<HttpInputs>),
    /// Any other type, kept as it is in the document.
    Other,
}

/// A trigger of the definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    /// The trigger's key in `triggers`.
    pub name: String,
    /// The trigger's `type`.
    pub ty: ActionType,
    /// The typed fields of its type.
    pub details: TriggerDetails,
    /// The fields common to triggers and actions.
    pub envelope: Envelope,
}

impl Trigger {
    /// A one-line description for a card: `POST /orders`, `Every 1 Hour`,
    /// `GET host/path`, or the type (and kind) for other triggers.
    pub fn summary(&self) -> String {
        match &self.details {
            TriggerDetails::Request(r) => {
                let method = r.method.as_deref().unwrap_or("ANY").to_ascii_uppercase();
                match r.relative_path.as_deref() {
                    Some(p) if !p.is_empty() => format!("{method} /{}", p.trim_start_matches('/')),
                    _ => format!("{method} callback URL"),
                }
            }
            TriggerDetails::Recurrence(r) => {
                let every = r
                    .interval
                    .as_ref()
                    .map(value_text)
                    .unwrap_or_else(|| "1".into());
                format!("Every {every} {}", r.frequency.as_deref().unwrap_or("?"))
            }
            TriggerDetails::Http(h) => h.summary(),
            TriggerDetails::Other => self.ty.as_str().to_owned(),
        }
    }

    /// Reads the trigger `name` from its JSON object.
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
    /// An HTTP action.
    Http(Box<HttpInputs>),
    /// A condition.
    If {
        /// `expression`: the condition.
        expression: Option<Value>,
    },
    /// A switch.
    Switch {
        /// `expression`: the value the cases are matched against.
        expression: Option<Value>,
        /// Case name and the value it matches.
        cases: Vec<(String, Option<Value>)>,
    },
    /// A loop over an array.
    Foreach {
        /// `foreach`: the array to loop over.
        items: Option<Value>,
    },
    /// A loop that runs until a condition holds.
    Until {
        /// `expression`: the condition that ends the loop.
        expression: Option<Value>,
        /// `limit.count`: the most iterations.
        count: Option<Value>,
        /// `limit.timeout`: the longest run time (ISO 8601 duration).
        timeout: Option<String>,
    },
    /// A scope.
    Scope,
    /// Any other type: its inputs are edited as JSON.
    Other,
}

/// An action of the definition, read from its JSON object.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// The action's key in its `actions` object.
    pub name: String,
    /// The action's `type`.
    pub ty: ActionType,
    /// The typed fields of its type.
    pub details: ActionDetails,
    /// The fields common to triggers and actions.
    pub envelope: Envelope,
    /// `inputs`, as written.
    pub inputs: Option<Value>,
}

impl Action {
    /// Reads the action `name` from its JSON object.
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
            _ if self.ty == ActionType::Compose => match &self.inputs {
                Some(v) if !is_blank(v) => one_line(v, SUMMARY_CHARS),
                _ => "(empty)".to_owned(),
            },
            _ if self.ty == ActionType::Wait => {
                let inputs = self.inputs.as_ref();
                let interval = inputs.and_then(|i| i.get("interval"));
                let until = inputs.and_then(|i| i.pointer("/until/timestamp"));
                match (interval, until) {
                    (_, Some(t)) => format!("until {}", one_line(t, SUMMARY_CHARS)),
                    (Some(i), None) => format!(
                        "{} {}",
                        i.get("count").map(value_text).unwrap_or_default(),
                        i.get("unit").map(value_text).unwrap_or_default()
                    )
                    .trim()
                    .to_owned(),
                    _ => self.ty.as_str().to_owned(),
                }
            }
            _ if self.ty == ActionType::Response => {
                let inputs = self.inputs.as_ref();
                let status = inputs
                    .and_then(|i| i.get("statusCode"))
                    .map(|v| one_line(v, 20))
                    .unwrap_or_else(|| "200".to_owned());
                match inputs.and_then(|i| i.get("body")) {
                    Some(b) if !is_blank(b) => {
                        format!("{status} · {}", one_line(b, SUMMARY_CHARS))
                    }
                    _ => status,
                }
            }
            _ => self.ty.as_str().to_owned(),
        }
    }
}

/// The most characters of content a card summary shows.
pub const SUMMARY_CHARS: usize = 48;

fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// A value on one line of at most `max` characters: a string as it is, any
/// other value as compact JSON; runs of white space become one space, and
/// a longer text ends with `…`.
pub fn one_line(v: &Value, max: usize) -> String {
    let text = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > max {
        let cut: String = flat.chars().take(max.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    } else {
        flat
    }
}

/// A definition output.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// The output's key in `outputs`.
    pub name: String,
    /// The declared `type`.
    pub ty: ParamType,
    /// `value`, as written.
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
    fn compose_and_response_cards_summarise_their_content() {
        let c = Action::read(
            "C",
            &json!({"type": "Compose", "inputs": {"status": "ok",
  "n": 1}}),
        );
        assert_eq!(c.summary(), "{\"status\":\"ok\",\"n\":1}");
        let c = Action::read(
            "C",
            &json!({"type": "Compose", "inputs": "Hello\n   @{body('x')}"}),
        );
        assert_eq!(c.summary(), "Hello @{body('x')}");
        let c = Action::read("C", &json!({"type": "Compose", "inputs": ""}));
        assert_eq!(c.summary(), "(empty)");
        let long = "x".repeat(100);
        let c = Action::read("C", &json!({"type": "Compose", "inputs": long}));
        assert_eq!(c.summary().chars().count(), SUMMARY_CHARS);
        assert!(c.summary().ends_with('…'));
        let r = Action::read(
            "R",
            &json!({"type": "Response", "inputs": {"statusCode": 202, "body": {"id": "@body('x')"}}}),
        );
        assert_eq!(r.summary(), "202 · {\"id\":\"@body('x')\"}");
        let r = Action::read(
            "R",
            &json!({"type": "Response", "inputs": {"statusCode": "@variables('code')"}}),
        );
        assert_eq!(r.summary(), "@variables('code')");
        let r = Action::read("R", &json!({"type": "Response"}));
        assert_eq!(r.summary(), "200");
        let w = Action::read(
            "W",
            &json!({"type": "Wait", "inputs": {"interval": {"count": 5, "unit": "Minute"}}}),
        );
        assert_eq!(w.summary(), "5 Minute");
        let w = Action::read(
            "W",
            &json!({"type": "Wait", "inputs": {"until": {"timestamp": "2026-12-24T12:00:00Z"}}}),
        );
        assert_eq!(w.summary(), "until 2026-12-24T12:00:00Z");
    }

    #[test]
    fn http_summary_is_short() {
        let h = HttpInputs::read(&json!({
            "method": "get", "uri": "https://sampleapp1.msappproxy.net/api/1/status"
        }));
        assert_eq!(h.summary(), "GET sampleapp1.msappproxy.net/api/1/status");
    }

    #[test]
    fn secure_data_support_follows_microsoft_learn() {
        use ActionType as T;
        for t in [
            T::InitializeVariable,
            T::SetVariable,
            T::IncrementVariable,
            T::DecrementVariable,
            T::AppendToArrayVariable,
            T::AppendToStringVariable,
            T::Foreach,
            T::If,
            T::Scope,
            T::Switch,
            T::Until,
            T::Terminate,
            T::Recurrence,
        ] {
            assert_eq!(t.secure_data_support(), (false, false), "{t:?}");
            assert!(t.secure_data_group().is_some(), "{t:?}");
        }
        for t in [T::Compose, T::ParseJson, T::Response, T::Wait] {
            assert_eq!(t.secure_data_support(), (true, false), "{t:?}");
            assert_eq!(t.secure_inputs_hide_outputs(), t != T::Wait, "{t:?}");
        }
        assert!(!T::Http.secure_inputs_hide_outputs());
        for t in [T::Http, T::Request, T::ApiConnection, T::HttpWebhook] {
            assert_eq!(t.secure_data_support(), (true, true), "{t:?}");
            assert_eq!(t.secure_data_group(), None, "{t:?}");
        }
        assert_eq!(T::Terminate.secure_data_group(), Some("Terminate actions"));
        assert_eq!(
            T::Recurrence.secure_data_group(),
            Some("Recurrence triggers")
        );
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

    #[test]
    fn a_string_starting_with_two_ats_is_literal_as_a_whole() {
        for (s, expr) in [
            ("@@x @{y}", false),
            ("@@{y}", false),
            ("@@x", false),
            ("@x", true),
            ("a @{y}", true),
            ("a@b.example", false),
            ("[[x]", false),
        ] {
            assert_eq!(is_wdl_expression(s), expr, "{s}");
            // The evaluator reads it the same way.
            assert_eq!(crate::expr::parse::is_expression(s), expr, "{s}");
        }
    }
}
