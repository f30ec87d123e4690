//! The forms of triggers and actions, as data: per type, sections of
//! fields, each a JSON pointer relative to the trigger or action, a label,
//! the kind of editor, a default, a hint, whether it is a secret or
//! optional, and what makes it valid — as the portal's operation manifests
//! describe connector operations. One form engine (`ui::inspector::engine`)
//! draws any of them; [`check`] validates a node against its manifest.
//!
//! Types without a manifest are edited as JSON in the designer.

use crate::workflow::model::{is_arm_expression, is_wdl_expression, value_text, ActionType};
use crate::workflow::tree::Role;
use serde_json::{Map, Value};

/// HTTP methods, as the Method pickers list them.
pub const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// Recurrence frequencies.
pub const FREQUENCIES: &[&str] = &["Second", "Minute", "Hour", "Day", "Week", "Month"];

/// Days of the week, as `schedule.weekDays` spells them.
pub const WEEK_DAYS: &[&str] = &[
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Which rows of a key/value table hold secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secrets {
    /// None of them.
    Never,
    /// HTTP headers that carry credentials (Authorization, API keys).
    CredentialHeaders,
}

impl Secrets {
    /// Whether the row `name` holds a secret.
    pub fn is_secret(self, name: &str) -> bool {
        match self {
            Secrets::Never => false,
            Secrets::CredentialHeaders => is_secret_header(name),
        }
    }
}

pub use crate::invoke::prepare::is_secret_header;

/// Parts of a form too particular for a table, drawn by code of their own
/// above the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Custom {
    /// An HTTP `authentication` object: type picker and the type's fields.
    Authentication,
    /// The cases of a Switch.
    SwitchCases,
    /// The variable an Initialize variable declares.
    Variable,
    /// Terminate's run status and error.
    RunStatus,
}

/// The editor of a field, and how its text maps to JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Editor {
    /// Always a string.
    Text,
    /// A whole number, or an expression.
    Int,
    /// A number, or an expression.
    Number,
    /// JSON when the text parses, else text (or an expression).
    JsonOrText,
    /// JSON only.
    Json,
    /// A pick among fixed strings (compared case-insensitively). `none`
    /// names the choice that removes the key; `expression` allows free
    /// text ("Expression…").
    Choice {
        /// The choices, as written in the JSON.
        choices: &'static [&'static str],
        /// The choice that removes the key, if any.
        none: Option<&'static str>,
        /// Whether free text is allowed.
        expression: bool,
    },
    /// An ISO 8601 duration (`PT1H`).
    Duration,
    /// A JSON object of names and values (headers, queries).
    Table {
        /// What a row is: "Header" names the cells "Header name 1", …
        noun: &'static str,
        /// Which rows are secrets.
        secrets: Secrets,
        /// Whether names differ only by case (HTTP headers).
        case_insensitive: bool,
    },
    /// An array of whole numbers, typed as `9, 17`.
    IntList {
        /// The least allowed.
        min: i64,
        /// The most allowed.
        max: i64,
    },
    /// An array of names picked among these, as checkboxes.
    MultiChoice(&'static [&'static str]),
    /// A JSON schema, with "Use sample payload to generate schema".
    Schema,
    /// A condition: the builder's rows and groups, or its JSON.
    Condition,
    /// Drawn by code of its own.
    Custom(Custom),
}

/// Show a field only when the value at `pointer` (relative to the node) is
/// one of `any_of` (case-insensitively).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct When {
    /// Relative pointer of the value looked at.
    pub pointer: &'static str,
    /// The values that show the field.
    pub any_of: &'static [&'static str],
}

/// A field of a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// Pointer relative to the trigger or action (`/inputs/method`).
    pub pointer: &'static str,
    /// The visible label, which is also the accessible name.
    pub label: &'static str,
    /// The editor.
    pub editor: Editor,
    /// The value a new trigger or action gets (JSON text).
    pub default: Option<&'static str>,
    /// Weak text shown while empty.
    pub hint: Option<&'static str>,
    /// Masked unless revealed; a literal is warned about.
    pub secret: bool,
    /// Clearing it removes the key.
    pub optional: bool,
    /// An empty or missing value is a problem.
    pub required: bool,
    /// Lines of the editor (more than one: a block editor).
    pub rows: u8,
    /// When the field shows (always when `None`).
    pub when: Option<When>,
}

impl FieldSpec {
    /// A field: single-line, kept when cleared, not required.
    pub const fn new(pointer: &'static str, label: &'static str, editor: Editor) -> Self {
        FieldSpec {
            pointer,
            label,
            editor,
            default: None,
            hint: None,
            secret: false,
            optional: false,
            required: false,
            rows: 1,
            when: None,
        }
    }
    /// With a hint.
    pub const fn hint(mut self, hint: &'static str) -> Self {
        self.hint = Some(hint);
        self
    }
    /// With a default (JSON text).
    pub const fn default(mut self, json: &'static str) -> Self {
        self.default = Some(json);
        self
    }
    /// Clearing it removes the key.
    pub const fn optional(mut self) -> Self {
        self.optional = true;
        self
    }
    /// It must not be empty.
    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    /// A secret.
    pub const fn secret(mut self) -> Self {
        self.secret = true;
        self
    }
    /// Several lines.
    pub const fn rows(mut self, rows: u8) -> Self {
        self.rows = rows;
        self
    }
    /// Shown only when the value at `pointer` is one of `any_of`.
    pub const fn when(mut self, pointer: &'static str, any_of: &'static [&'static str]) -> Self {
        self.when = Some(When { pointer, any_of });
        self
    }

    /// Whether it shows for `node` (the trigger or action's JSON).
    pub fn shown(&self, node: &Value) -> bool {
        match self.when {
            None => true,
            Some(w) => node
                .pointer(w.pointer)
                .map(value_text)
                .is_some_and(|v| w.any_of.iter().any(|a| a.eq_ignore_ascii_case(&v))),
        }
    }
}

/// A titled group of fields.
#[derive(Debug, Clone, Copy)]
pub struct Section {
    /// Its title.
    pub title: &'static str,
    /// A line of explanation under the title.
    pub note: Option<&'static str>,
    /// Its fields, in order.
    pub fields: &'static [FieldSpec],
}

/// The form of one type of trigger or action.
#[derive(Debug, Clone, Copy)]
pub struct Manifest {
    /// The `type`, as Logic Apps spells it.
    pub type_name: &'static str,
    /// What the portal calls it ("Delay until", "Filter array").
    pub title: &'static str,
    /// Trigger or action.
    pub role: Role,
    /// Its sections.
    pub sections: &'static [Section],
}

use Editor::*;

const fn f(pointer: &'static str, label: &'static str, editor: Editor) -> FieldSpec {
    FieldSpec::new(pointer, label, editor)
}

const fn choice(choices: &'static [&'static str]) -> Editor {
    Choice {
        choices,
        none: None,
        expression: false,
    }
}

const HEADERS: Editor = Table {
    noun: "Header",
    secrets: Secrets::CredentialHeaders,
    case_insensitive: true,
};
const QUERIES: Editor = Table {
    noun: "Query",
    secrets: Secrets::Never,
    case_insensitive: false,
};
const ARRAY_FROM: FieldSpec = f("/inputs/from", "From", JsonOrText)
    .hint("@body('Get_items')")
    .required();

const HTTP_REQUEST: Section = Section {
    title: "HTTP request",
    note: None,
    fields: &[
        f(
            "/inputs/method",
            "Method",
            Choice {
                choices: METHODS,
                none: None,
                expression: true,
            },
        )
        .default("\"GET\"")
        .required(),
        f("/inputs/uri", "URI", Text)
            .hint("https://…")
            .default("\"\"")
            .required(),
        f("/inputs/headers", "Headers", HEADERS),
        f("/inputs/queries", "Queries", QUERIES),
        f("/inputs/body", "Body", JsonOrText)
            .optional()
            .rows(6)
            .hint("JSON, text or an expression"),
        f("/inputs/cookie", "Cookie", Text).optional(),
    ],
};
const AUTHENTICATION: Section = Section {
    title: "Authentication",
    note: None,
    fields: &[f(
        "/inputs/authentication",
        "Authentication",
        Custom(self::Custom::Authentication),
    )],
};

const RECURRENCE_FIELDS: &[FieldSpec] = &[
    f("/recurrence/frequency", "Frequency", choice(FREQUENCIES))
        .default("\"Hour\"")
        .required(),
    f("/recurrence/interval", "Interval", Int)
        .default("1")
        .required(),
    f("/recurrence/startTime", "Start time", Text)
        .optional()
        .hint("2025-01-01T08:00:00Z"),
    f("/recurrence/timeZone", "Time zone", Text)
        .optional()
        .hint("W. Europe Standard Time"),
    f(
        "/recurrence/schedule/hours",
        "At these hours",
        IntList { min: 0, max: 23 },
    )
    .optional()
    .hint("9, 17")
    .when("/recurrence/frequency", &["Day", "Week"]),
    f(
        "/recurrence/schedule/minutes",
        "At these minutes",
        IntList { min: 0, max: 59 },
    )
    .optional()
    .hint("0, 30")
    .when("/recurrence/frequency", &["Day", "Week"]),
    f(
        "/recurrence/schedule/weekDays",
        "On these days",
        MultiChoice(WEEK_DAYS),
    )
    .optional()
    .when("/recurrence/frequency", &["Week"]),
    f(
        "/recurrence/schedule/monthDays",
        "On these days of the month",
        IntList { min: 1, max: 31 },
    )
    .optional()
    .hint("1, 15")
    .when("/recurrence/frequency", &["Month"]),
];

/// Every manifest, triggers first.
pub static MANIFESTS: &[Manifest] = &[
    // ---------------------------------------------------------------- triggers
    Manifest {
        type_name: "Request",
        title: "When an HTTP request is received",
        role: Role::Trigger,
        sections: &[Section {
            title: "Request trigger",
            note: None,
            fields: &[
                f(
                    "/inputs/method",
                    "Method",
                    Choice {
                        choices: METHODS,
                        none: Some("Any"),
                        expression: true,
                    },
                ),
                f("/inputs/relativePath", "Relative path", Text)
                    .optional()
                    .hint("orders/{id}"),
                f("/inputs/schema", "Schema", Schema)
                    .optional()
                    .rows(8)
                    .default("{}")
                    .hint("JSON schema of the request body"),
            ],
        }],
    },
    Manifest {
        type_name: "Recurrence",
        title: "Recurrence",
        role: Role::Trigger,
        sections: &[Section {
            title: "Recurrence schedule",
            note: None,
            fields: RECURRENCE_FIELDS,
        }],
    },
    Manifest {
        type_name: "Http",
        title: "HTTP",
        role: Role::Trigger,
        sections: &[
            HTTP_REQUEST,
            AUTHENTICATION,
            Section {
                title: "Polling",
                note: None,
                fields: RECURRENCE_FIELDS,
            },
        ],
    },
    // ----------------------------------------------------------------- actions
    Manifest {
        type_name: "Http",
        title: "HTTP",
        role: Role::Action,
        sections: &[HTTP_REQUEST, AUTHENTICATION],
    },
    Manifest {
        type_name: "If",
        title: "Condition",
        role: Role::Action,
        sections: &[Section {
            title: "Condition",
            note: None,
            fields: &[f("/expression", "Expression", Condition)
                .rows(5)
                .default("{\"and\": [{\"equals\": [\"\", \"\"]}]}")
                .hint("{\"and\": [{\"equals\": [\"@…\", \"…\"]}]}")],
        }],
    },
    Manifest {
        type_name: "Switch",
        title: "Switch",
        role: Role::Action,
        sections: &[Section {
            title: "Switch cases",
            note: None,
            fields: &[
                f("/expression", "Expression", JsonOrText)
                    .hint("@triggerBody()?['kind']")
                    .required(),
                f("/cases", "Cases", Custom(self::Custom::SwitchCases)),
            ],
        }],
    },
    Manifest {
        type_name: "Foreach",
        title: "For each",
        role: Role::Action,
        sections: &[Section {
            title: "Loop items",
            note: None,
            fields: &[
                f("/foreach", "Items", JsonOrText)
                    .hint("@body('Get_items')")
                    .required(),
                f(
                    "/runtimeConfiguration/concurrency/repetitions",
                    "Concurrency",
                    Int,
                )
                .optional()
                .hint("20 (1 to 50)"),
            ],
        }],
    },
    Manifest {
        type_name: "Until",
        title: "Until",
        role: Role::Action,
        sections: &[Section {
            title: "Until loop",
            note: None,
            fields: &[
                f("/expression", "Expression", Condition)
                    .rows(3)
                    .hint("@equals(variables('done'), true)")
                    .required(),
                f("/limit/count", "Loop count", Int)
                    .optional()
                    .default("60")
                    .hint("60"),
                f("/limit/timeout", "Loop timeout", Duration)
                    .optional()
                    .default("\"PT1H\"")
                    .hint("PT1H"),
            ],
        }],
    },
    Manifest {
        type_name: "Scope",
        title: "Scope",
        role: Role::Action,
        sections: &[Section {
            title: "Scope",
            note: Some("A scope groups actions: add them inside it on the canvas."),
            fields: &[],
        }],
    },
    Manifest {
        type_name: "Compose",
        title: "Compose",
        role: Role::Action,
        sections: &[Section {
            title: "Compose inputs",
            note: None,
            fields: &[f("/inputs", "Inputs", JsonOrText).rows(6).required()],
        }],
    },
    Manifest {
        type_name: "Response",
        title: "Response",
        role: Role::Action,
        sections: &[Section {
            title: "Response message",
            note: None,
            fields: &[
                f("/inputs/statusCode", "Status code", Int)
                    .hint("200")
                    .default("200")
                    .required(),
                f(
                    "/inputs/headers",
                    "Headers",
                    Table {
                        noun: "Header",
                        secrets: Secrets::Never,
                        case_insensitive: true,
                    },
                ),
                f("/inputs/body", "Body", JsonOrText).optional().rows(6),
            ],
        }],
    },
    Manifest {
        type_name: "ParseJson",
        title: "Parse JSON",
        role: Role::Action,
        sections: &[Section {
            title: "Parse JSON inputs",
            note: None,
            fields: &[
                f("/inputs/content", "Content", JsonOrText)
                    .rows(2)
                    .hint("@body('Get_status')")
                    .required(),
                f("/inputs/schema", "Schema", Schema).rows(8).default("{}"),
            ],
        }],
    },
    Manifest {
        type_name: "InitializeVariable",
        title: "Initialize variable",
        role: Role::Action,
        sections: &[Section {
            title: "Variable",
            note: None,
            fields: &[f("/inputs", "Variable", Custom(self::Custom::Variable))],
        }],
    },
    Manifest {
        type_name: "SetVariable",
        title: "Set variable",
        role: Role::Action,
        sections: &[VARIABLE_VALUE_JSON],
    },
    Manifest {
        type_name: "AppendToArrayVariable",
        title: "Append to array variable",
        role: Role::Action,
        sections: &[VARIABLE_VALUE_JSON],
    },
    Manifest {
        type_name: "AppendToStringVariable",
        title: "Append to string variable",
        role: Role::Action,
        sections: &[Section {
            title: "Variable",
            note: None,
            fields: &[VARIABLE_NAME, f("/inputs/value", "Value", Text)],
        }],
    },
    Manifest {
        type_name: "IncrementVariable",
        title: "Increment variable",
        role: Role::Action,
        sections: &[VARIABLE_STEP],
    },
    Manifest {
        type_name: "DecrementVariable",
        title: "Decrement variable",
        role: Role::Action,
        sections: &[VARIABLE_STEP],
    },
    Manifest {
        type_name: "Terminate",
        title: "Terminate",
        role: Role::Action,
        sections: &[Section {
            title: "Terminate run",
            note: None,
            fields: &[f("/inputs", "Run status", Custom(self::Custom::RunStatus))],
        }],
    },
    Manifest {
        type_name: "Wait",
        title: "Delay",
        role: Role::Action,
        sections: &[Section {
            title: "Delay",
            note: Some("Waits this long before the next action runs."),
            fields: &[
                f("/inputs/interval/count", "Count", Int)
                    .default("1")
                    .hint("1")
                    .required(),
                f("/inputs/interval/unit", "Unit", choice(FREQUENCIES))
                    .default("\"Minute\"")
                    .required(),
            ],
        }],
    },
    Manifest {
        type_name: "Wait",
        title: "Delay until",
        role: Role::Action,
        sections: &[Section {
            title: "Delay until",
            note: Some("Waits until this time (UTC unless it says otherwise)."),
            fields: &[f("/inputs/until/timestamp", "Timestamp", Text)
                .hint("2025-01-01T08:00:00Z")
                .default("\"\"")
                .required()],
        }],
    },
    Manifest {
        type_name: "Query",
        title: "Filter array",
        role: Role::Action,
        sections: &[Section {
            title: "Filter array",
            note: None,
            fields: &[
                ARRAY_FROM,
                f("/inputs/where", "Where", Text)
                    .hint("@equals(item()?['status'], 'open')")
                    .required(),
            ],
        }],
    },
    Manifest {
        type_name: "Select",
        title: "Select",
        role: Role::Action,
        sections: &[Section {
            title: "Select",
            note: None,
            fields: &[
                ARRAY_FROM,
                f("/inputs/select", "Map", JsonOrText)
                    .rows(6)
                    .hint("{\"id\": \"@item()?['id']\"}")
                    .required(),
            ],
        }],
    },
    Manifest {
        type_name: "Join",
        title: "Join",
        role: Role::Action,
        sections: &[Section {
            title: "Join",
            note: None,
            fields: &[
                ARRAY_FROM,
                f("/inputs/joinWith", "Join with", Text)
                    .hint(", ")
                    .required(),
            ],
        }],
    },
    Manifest {
        type_name: "Table",
        title: "Create table",
        role: Role::Action,
        sections: &[Section {
            title: "Create CSV or HTML table",
            note: None,
            fields: &[
                ARRAY_FROM,
                f("/inputs/format", "Format", choice(&["CSV", "HTML"]))
                    .default("\"CSV\"")
                    .required(),
                f("/inputs/columns", "Columns", Json)
                    .optional()
                    .rows(4)
                    .hint("[{\"header\": \"Id\", \"value\": \"@item()?['id']\"}] (automatic when empty)"),
            ],
        }],
    },
    Manifest {
        type_name: "Workflow",
        title: "Call a logic app workflow",
        role: Role::Action,
        sections: &[Section {
            title: "Child workflow",
            note: Some("Calls a logic app whose trigger is a Request trigger."),
            fields: &[
                f("/inputs/host/workflow/id", "Workflow ID", Text)
                    .hint("/subscriptions/…/resourceGroups/…/providers/Microsoft.Logic/workflows/child")
                    .required(),
                f("/inputs/host/triggerName", "Trigger name", Text)
                    .hint("manual")
                    .required(),
                f("/inputs/headers", "Headers", HEADERS),
                f("/inputs/body", "Body", JsonOrText)
                    .optional()
                    .rows(6)
                    .hint("JSON, text or an expression"),
            ],
        }],
    },
    Manifest {
        type_name: "Function",
        title: "Call an Azure function",
        role: Role::Action,
        sections: &[Section {
            title: "Azure function",
            note: None,
            fields: &[
                f("/inputs/function/id", "Function ID", Text)
                    .hint("/subscriptions/…/providers/Microsoft.Web/sites/app/functions/name")
                    .required(),
                f(
                    "/inputs/method",
                    "Method",
                    Choice {
                        choices: METHODS,
                        none: Some("Default (POST)"),
                        expression: true,
                    },
                ),
                f("/inputs/headers", "Headers", HEADERS),
                f("/inputs/queries", "Queries", QUERIES),
                f("/inputs/body", "Body", JsonOrText)
                    .optional()
                    .rows(6)
                    .hint("JSON, text or an expression"),
            ],
        }],
    },
    Manifest {
        type_name: "ApiConnection",
        title: "Managed connector",
        role: Role::Action,
        sections: &[Section {
            title: "Connector operation",
            note: Some("The connection is a reference to the $connections parameter."),
            fields: &[
                f("/inputs/host/connection/name", "Connection", Text)
                    .hint("@parameters('$connections')['office365']['connectionId']")
                    .required(),
                f(
                    "/inputs/method",
                    "Method",
                    Choice {
                        choices: METHODS,
                        none: None,
                        expression: true,
                    },
                )
                .default("\"get\"")
                .required(),
                f("/inputs/path", "Path", Text)
                    .hint("/v2/Mail")
                    .required(),
                f("/inputs/queries", "Queries", QUERIES),
                f("/inputs/body", "Body", JsonOrText)
                    .optional()
                    .rows(6)
                    .hint("JSON, text or an expression"),
            ],
        }],
    },
];

const VARIABLE_NAME: FieldSpec = f("/inputs/name", "Name", Text).required();
const VARIABLE_VALUE_JSON: Section = Section {
    title: "Variable",
    note: None,
    fields: &[VARIABLE_NAME, f("/inputs/value", "Value", JsonOrText)],
};
const VARIABLE_STEP: Section = Section {
    title: "Variable",
    note: None,
    fields: &[
        VARIABLE_NAME,
        f("/inputs/value", "Value", Number).optional().hint("1"),
    ],
};

/// The manifest of a trigger or an action of type `ty`, whose JSON is
/// `node`; `None` for types edited as JSON. A Wait with `inputs.until` is a
/// Delay until, else a Delay.
pub fn manifest(role: Role, ty: &ActionType, node: &Value) -> Option<&'static Manifest> {
    let mut found = MANIFESTS
        .iter()
        .filter(|m| m.role == role && m.type_name == ty.as_str());
    let first = found.next()?;
    if *ty == ActionType::Wait && node.pointer("/inputs/until").is_some() {
        return found.next().or(Some(first));
    }
    Some(first)
}

/// A new trigger or action of this manifest: its `type` and every default.
pub fn skeleton(m: &Manifest) -> Value {
    let mut v = Value::Object(Map::new());
    set(&mut v, "/type", Value::String(m.type_name.to_owned()));
    for s in m.sections {
        for fl in s.fields {
            if let Some(d) = fl.default {
                // Defaults are written in this file: a bad one is a bug that
                // the tests catch, never a user's input.
                if let Ok(d) = crate::workflow::text::parse_json(d) {
                    set(&mut v, fl.pointer, d);
                }
            }
        }
    }
    v
}

/// Sets `pointer` (of object keys only) in `v`, making objects on the way.
fn set(v: &mut Value, pointer: &str, value: Value) {
    let keys: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|k| k.replace("~1", "/").replace("~0", "~"))
        .collect();
    let Some((last, up)) = keys.split_last() else {
        *v = value;
        return;
    };
    let mut at = v;
    for k in up {
        let Value::Object(m) = at else { return };
        at = m
            .entry(k.clone())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    if let Value::Object(m) = at {
        m.insert(last.clone(), value);
    }
}

/// What is wrong with one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// The field's pointer, relative to the node.
    pub pointer: &'static str,
    /// Its label.
    pub label: &'static str,
    /// What is wrong.
    pub message: String,
    /// An error (else a warning).
    pub error: bool,
}

fn is_expression(s: &str) -> bool {
    is_wdl_expression(s) || is_arm_expression(s)
}

/// The problems of `node` (a trigger or action's JSON) against its
/// manifest: required fields left empty, numbers that are not, choices
/// outside their list, list items out of range, schemas that are not
/// objects, conditions with empty operands.
pub fn check(m: &Manifest, node: &Value) -> Vec<FieldProblem> {
    let mut out = Vec::new();
    for s in m.sections {
        for fl in s.fields {
            if !fl.shown(node) {
                continue;
            }
            let v = node.pointer(fl.pointer);
            let mut problem = |message: String, error: bool| {
                out.push(FieldProblem {
                    pointer: fl.pointer,
                    label: fl.label,
                    message,
                    error,
                })
            };
            let blank = match v {
                None | Some(Value::Null) => true,
                Some(Value::String(s)) => s.trim().is_empty(),
                _ => false,
            };
            if blank {
                if fl.required {
                    problem(format!("{} is required", fl.label), false);
                }
                continue;
            }
            let Some(v) = v else { continue };
            if let Value::String(s) = v {
                if is_expression(s) && !matches!(fl.editor, Schema | Condition) {
                    continue;
                }
            }
            match fl.editor {
                Int => {
                    let ok = match v {
                        Value::Number(n) => n.is_i64() || n.is_u64(),
                        _ => false,
                    };
                    if !ok {
                        problem(
                            format!(
                                "{} must be a whole number or an expression, not {}",
                                fl.label,
                                short(v)
                            ),
                            true,
                        );
                    }
                }
                Number if !v.is_number() => problem(
                    format!(
                        "{} must be a number or an expression, not {}",
                        fl.label,
                        short(v)
                    ),
                    true,
                ),
                Choice {
                    choices,
                    expression: false,
                    ..
                } => {
                    let t = value_text(v);
                    if !choices.iter().any(|c| c.eq_ignore_ascii_case(&t)) {
                        problem(
                            format!(
                                "{} must be one of {}, not {}",
                                fl.label,
                                choices.join(", "),
                                short(v)
                            ),
                            true,
                        );
                    }
                }
                IntList { min, max } => match v.as_array() {
                    None => problem(format!("{} must be a list of numbers", fl.label), true),
                    Some(items) => {
                        for it in items {
                            let n = it.as_i64().filter(|n| (min..=max).contains(n));
                            if n.is_none() {
                                problem(
                                    format!(
                                        "{}: {} is not a whole number from {min} to {max}",
                                        fl.label,
                                        short(it)
                                    ),
                                    true,
                                );
                            }
                        }
                    }
                },
                MultiChoice(names) => match v.as_array() {
                    None => problem(format!("{} must be a list", fl.label), true),
                    Some(items) => {
                        for it in items {
                            let t = value_text(it);
                            if !names.iter().any(|n| n.eq_ignore_ascii_case(&t)) {
                                problem(
                                    format!("{}: {} is not one of them", fl.label, short(it)),
                                    true,
                                );
                            }
                        }
                    }
                },
                Schema if !v.is_object() => {
                    problem(format!("{} must be a JSON object", fl.label), true)
                }
                Condition => {
                    if let Some(g) = crate::workflow::condition::from_json(v) {
                        let empty = crate::workflow::condition::empty_operands(&g);
                        if !empty.is_empty() {
                            let rows: Vec<String> = empty.iter().map(usize::to_string).collect();
                            problem(
                                format!(
                                    "the condition compares an empty operand (row {})",
                                    rows.join(", ")
                                ),
                                false,
                            );
                        }
                    }
                }
                _ => {}
            }
        }
    }
    out
}

fn short(v: &Value) -> String {
    let t = v.to_string();
    if t.chars().count() > 40 {
        format!("{}…", t.chars().take(40).collect::<String>())
    } else {
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_manifest_is_well_formed() {
        for m in MANIFESTS {
            let mut seen = std::collections::HashSet::new();
            for s in m.sections {
                for fl in s.fields {
                    assert!(
                        fl.pointer.is_empty() || fl.pointer.starts_with('/'),
                        "{} {}",
                        m.title,
                        fl.pointer
                    );
                    assert!(
                        seen.insert((fl.pointer, fl.when.map(|w| w.any_of))),
                        "{}: {} twice",
                        m.title,
                        fl.pointer
                    );
                    assert!(!(fl.required && fl.optional), "{} {}", m.title, fl.label);
                    if let Some(d) = fl.default {
                        assert!(
                            crate::workflow::text::parse_json(d).is_ok(),
                            "{}: default of {} is not JSON",
                            m.title,
                            fl.label
                        );
                    }
                }
            }
            // A new node of each type has no problem but required fields.
            let sk = skeleton(m);
            for p in check(m, &sk) {
                assert!(
                    !p.error,
                    "{}: the skeleton has an error: {}",
                    m.title, p.message
                );
            }
        }
    }

    #[test]
    fn secret_headers_by_name() {
        assert!(Secrets::CredentialHeaders.is_secret("authorization"));
        assert!(Secrets::CredentialHeaders.is_secret("Private-Token"));
        assert!(!Secrets::CredentialHeaders.is_secret("Accept"));
        assert!(!Secrets::Never.is_secret("Authorization"));
    }

    #[test]
    fn lookup_by_role_type_and_shape() {
        let t =
            |role, ty: &str, v: Value| manifest(role, &ActionType::parse(ty), &v).map(|m| m.title);
        assert_eq!(t(Role::Action, "Wait", json!({})), Some("Delay"));
        assert_eq!(
            t(
                Role::Action,
                "Wait",
                json!({"inputs": {"until": {"timestamp": "x"}}})
            ),
            Some("Delay until")
        );
        assert_eq!(t(Role::Trigger, "Http", json!({})), Some("HTTP"));
        assert_eq!(
            manifest(Role::Trigger, &ActionType::Http, &json!({}))
                .unwrap()
                .sections
                .len(),
            3
        );
        assert_eq!(t(Role::Action, "Request", json!({})), None);
        assert_eq!(t(Role::Trigger, "ApiConnectionWebhook", json!({})), None);
        assert_eq!(t(Role::Action, "query", json!({})), Some("Filter array"));
    }

    #[test]
    fn skeletons_hold_the_defaults() {
        let m = manifest(Role::Action, &ActionType::Wait, &json!({})).unwrap();
        assert_eq!(
            skeleton(m),
            json!({"type": "Wait", "inputs": {"interval": {"count": 1, "unit": "Minute"}}})
        );
        let m = manifest(Role::Trigger, &ActionType::Recurrence, &json!({})).unwrap();
        assert_eq!(
            skeleton(m),
            json!({"type": "Recurrence", "recurrence": {"frequency": "Hour", "interval": 1}})
        );
    }

    #[test]
    fn checks_fields_by_their_rules() {
        let m = manifest(Role::Action, &ActionType::Join, &json!({})).unwrap();
        let p = check(
            m,
            &json!({"type": "Join", "inputs": {"from": "", "joinWith": ","}}),
        );
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].pointer, "/inputs/from");
        assert!(!p[0].error);

        let m = manifest(Role::Trigger, &ActionType::Recurrence, &json!({})).unwrap();
        let node = json!({"type": "Recurrence", "recurrence": {
            "frequency": "Week", "interval": "two",
            "schedule": {"hours": [9, 24], "weekDays": ["Monday", "Funday"]}}});
        let msgs: Vec<String> = check(m, &node).into_iter().map(|p| p.message).collect();
        assert_eq!(msgs.len(), 3, "{msgs:?}");
        assert!(msgs[0].contains("whole number"));
        assert!(msgs[1].contains("24"));
        assert!(msgs[2].contains("Funday"));
        // Hours are not looked at for a Month schedule (they do not show).
        let node = json!({"type": "Recurrence", "recurrence": {
            "frequency": "Month", "interval": "@parameters('n')",
            "schedule": {"hours": [99]}}});
        assert!(check(m, &node).is_empty());

        let m = manifest(Role::Action, &ActionType::If, &json!({})).unwrap();
        let p = check(m, &json!({"expression": {"and": [{"equals": ["@x", ""]}]}}));
        assert_eq!(p.len(), 1);
        assert!(p[0].message.contains("row 1"));

        let m = manifest(Role::Action, &ActionType::Table, &json!({})).unwrap();
        let p = check(m, &json!({"inputs": {"from": "@x", "format": "PDF"}}));
        assert_eq!(p.len(), 1);
        assert!(p[0].message.contains("CSV, HTML"));
    }
}
