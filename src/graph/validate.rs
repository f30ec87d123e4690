//! Validation: the mistakes Logic Apps would refuse at deployment (errors)
//! and the ones it would accept but regret (warnings), each with the
//! action's name, a JSON pointer and a sentence a person understands.
//! Expression problems come from [`crate::expr::check`]; their message starts
//! with the column inside the string.

use super::WorkflowGraph;
use crate::workflow::model::{
    get_ci, is_arm_expression, is_wdl_expression, ActionType, Authentication, RunStatus,
};
use crate::workflow::tree::{NodeId, Role};
use crate::workflow::Document;
use serde_json::Value;
use std::collections::HashMap;

/// Logic Apps limits (Consumption; DESIGN.md "Facts"): most actions in one
/// workflow.
pub const MAX_ACTIONS: usize = 500;
/// Deepest nesting level of an action (the top level is 1).
pub const MAX_DEPTH: usize = 8;
/// Longest trigger or action name, in characters.
pub const MAX_NAME_LEN: usize = 80;
/// Characters Logic Apps refuses in trigger and action names.
pub const FORBIDDEN_NAME_CHARS: &[char] = &['<', '>', '%', '&', '\\', '?', '/'];

/// How serious a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Logic Apps would refuse the workflow at deployment.
    Error,
    /// Logic Apps would accept the workflow, but it is likely a mistake.
    Warning,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// Error or warning.
    pub severity: Severity,
    /// A stable identifier of the rule, e.g. `run-after-unknown`.
    pub code: &'static str,
    /// The trigger or action concerned, if any.
    pub action: Option<String>,
    /// JSON pointer from the file's root.
    pub pointer: String,
    /// What is wrong, as a sentence a person understands.
    pub message: String,
}

/// Where rules put their findings.
pub(crate) struct Sink<'a> {
    pub(crate) g: &'a WorkflowGraph,
    pub(crate) out: Vec<Problem>,
}

impl Sink<'_> {
    pub(crate) fn push(
        &mut self,
        sev: Severity,
        code: &'static str,
        id: Option<NodeId>,
        pointer: String,
        message: String,
    ) {
        self.out.push(Problem {
            severity: sev,
            code,
            action: id.map(|i| self.g.outline.nodes[i].name.clone()),
            pointer,
            message,
        });
    }
    pub(crate) fn error(
        &mut self,
        code: &'static str,
        id: NodeId,
        pointer: String,
        message: String,
    ) {
        self.push(Severity::Error, code, Some(id), pointer, message);
    }
    pub(crate) fn warning(
        &mut self,
        code: &'static str,
        id: NodeId,
        pointer: String,
        message: String,
    ) {
        self.push(Severity::Warning, code, Some(id), pointer, message);
    }
}

/// Validates workflow `i` of a document.
pub fn validate_document(
    doc: &Document,
    i: usize,
) -> Result<Vec<Problem>, crate::workflow::ShapeError> {
    let (root, outline) = doc.evaluated(i)?;
    let mut problems = validate(&root, &WorkflowGraph::build(outline));
    crate::graph::project_rules::apply(doc, i, &mut problems);
    Ok(problems)
}

/// Validates a workflow graph against the document root it was built from.
/// Problems come in a stable order: by rule, then by position in the file.
pub fn validate(root: &Value, g: &WorkflowGraph) -> Vec<Problem> {
    let mut s = Sink { g, out: Vec::new() };
    let o = &g.outline;

    // Names: unique in the whole workflow, length, characters.
    // Logic Apps compares names without regard to case (`Get` and `get`
    // are one name), so the key is the lower-case name.
    let mut seen: HashMap<String, Vec<NodeId>> = HashMap::new();
    let keys: Vec<String> = o.nodes.iter().map(|n| n.name.to_lowercase()).collect();
    for n in &o.nodes {
        seen.entry(keys[n.id].clone()).or_default().push(n.id);
    }
    for n in &o.nodes {
        let uses = &seen[&keys[n.id]];
        if uses.len() > 1 && uses[0] != n.id {
            let first = &o.nodes[uses[0]];
            let role = if first.role == Role::Trigger {
                "trigger"
            } else {
                "action"
            };
            let message = if first.name == n.name {
                format!(
                    "the name `{}` is already used by the {role} at {}; every trigger and action needs a name of its own",
                    n.name, first.pointer
                )
            } else {
                format!(
                    "the name `{}` differs only in case from `{}`, the {role} at {}; Logic Apps compares names without regard to case, so they clash: rename one of them",
                    n.name, first.name, first.pointer
                )
            };
            s.error("duplicate-name", n.id, n.pointer.clone(), message);
        }
        let len = n.name.chars().count();
        if len > MAX_NAME_LEN {
            s.error(
                "name-too-long",
                n.id,
                n.pointer.clone(),
                format!(
                    "the name `{}` has {len} characters; Logic Apps allows at most {MAX_NAME_LEN}",
                    n.name
                ),
            );
        }
        if n.name.trim().is_empty() {
            s.error(
                "name-chars",
                n.id,
                n.pointer.clone(),
                "a name cannot be empty".into(),
            );
        } else if let Some(c) = n
            .name
            .chars()
            .find(|c| FORBIDDEN_NAME_CHARS.contains(c) || c.is_control())
        {
            s.error(
                "name-chars",
                n.id,
                n.pointer.clone(),
                format!(
                    "the name `{}` contains {}, which Logic Apps refuses in names (not allowed: < > % & \\ ? / and control characters)",
                    n.name.escape_debug(),
                    if c.is_control() { format!("the control character U+{:04X}", c as u32) } else { format!("`{c}`") }
                ),
            );
        }
    }

    // Limits.
    let count = g.action_count();
    if count > MAX_ACTIONS {
        s.push(
            Severity::Error,
            "too-many-actions",
            None,
            format!("{}/actions", o.definition_pointer),
            format!("the workflow has {count} actions; Logic Apps allows at most {MAX_ACTIONS} (split it into child workflows)"),
        );
    }
    for n in o.actions() {
        if n.depth == MAX_DEPTH + 1 {
            s.error(
                "too-deep",
                n.id,
                n.pointer.clone(),
                format!(
                    "`{}` sits at nesting level {} (the top level is 1); Logic Apps allows actions at most {MAX_DEPTH} levels deep: move the inner part into a child workflow",
                    n.name, n.depth
                ),
            );
        }
    }

    // Run-after.
    let by_name: HashMap<&str, NodeId> = o
        .nodes
        .iter()
        .rev()
        .map(|n| (n.name.as_str(), n.id))
        .collect();
    for n in o.actions() {
        // The graph holds an edge for every run-after that names a sibling.
        let preds = g.predecessors(n.id);
        for ra in &n.run_after {
            let p = format!(
                "{}/runAfter/{}",
                n.pointer,
                crate::workflow::text::escape_pointer(&ra.target)
            );
            let sibling = preds.iter().any(|&(p, _)| o.nodes[p].name == ra.target);
            if !sibling {
                match by_name.get(ra.target.as_str()) {
                    None => s.error(
                        "run-after-unknown",
                        n.id,
                        p.clone(),
                        format!("`{}` runs after `{}`, but there is no action named `{}`", n.name, ra.target, ra.target),
                    ),
                    Some(&t) if o.nodes[t].role == Role::Trigger => s.error(
                        "run-after-scope",
                        n.id,
                        p.clone(),
                        format!(
                            "`{}` runs after the trigger `{}`; an action that starts right after the trigger has an empty runAfter",
                            n.name, ra.target
                        ),
                    ),
                    Some(&t) => s.error(
                        "run-after-scope",
                        n.id,
                        p.clone(),
                        format!(
                            "`{}` runs after `{}`, which is {}; run-after may only name actions in the same scope",
                            n.name,
                            ra.target,
                            where_is(g, t)
                        ),
                    ),
                }
            }
            if ra.statuses.is_empty() {
                s.warning(
                    "run-after-empty",
                    n.id,
                    p.clone(),
                    format!("`{}` runs after `{}` with no status (Logic Apps reads it as Succeeded); list the statuses that should let it run", n.name, ra.target),
                );
            }
            for (k, st) in ra.statuses.iter().enumerate() {
                if !matches!(
                    RunStatus::parse(st),
                    RunStatus::Succeeded
                        | RunStatus::Failed
                        | RunStatus::Skipped
                        | RunStatus::TimedOut
                ) {
                    s.error(
                        "run-after-status",
                        n.id,
                        format!("{p}/{k}"),
                        format!(
                            "`{}` runs after `{}` on status `{st}`, which does not exist; use Succeeded, Failed, Skipped or TimedOut",
                            n.name, ra.target
                        ),
                    );
                }
            }
        }
    }
    for cycle in g.cycles() {
        let names: Vec<String> = cycle
            .iter()
            .map(|&i| format!("`{}`", o.nodes[i].name))
            .collect();
        let first = cycle[0];
        let msg = if names.len() == 1 {
            format!("{} runs after itself, so it can never run", names[0])
        } else {
            format!(
                "{} wait for each other in a cycle, so none of them can run",
                join_names(&names)
            )
        };
        s.error(
            "cycle",
            first,
            format!("{}/runAfter", o.nodes[first].pointer),
            msg,
        );
    }

    // ARM template expressions where structure belongs: kept, but unchecked.
    let def_p = &o.definition_pointer;
    let mut lists: Vec<(Option<NodeId>, String)> = vec![
        (None, format!("{def_p}/triggers")),
        (None, format!("{def_p}/actions")),
    ];
    let objects = o.objects(root);
    for n in &o.nodes {
        // Only actions whose runAfter or branch lists are strings qualify.
        let Some(obj) = objects[n.id] else { continue };
        let stringy = |v: Option<&Value>| matches!(v, Some(Value::String(_)));
        if stringy(obj.get("runAfter")) {
            lists.push((Some(n.id), format!("{}/runAfter", n.pointer)));
        }
        for b in &n.branches {
            if stringy(root.pointer(&b.actions_pointer)) {
                lists.push((Some(n.id), b.actions_pointer.clone()));
            }
        }
    }
    for (id, p) in lists {
        if let Some(Value::String(e)) = root.pointer(&p) {
            if is_arm_expression(e) {
                let what = p.rsplit('/').next().unwrap_or("");
                s.push(
                    Severity::Warning,
                    "arm-expression",
                    id,
                    p.clone(),
                    format!("`{what}` is the ARM template expression `{e}`; it is known only at deployment and cannot be checked here"),
                );
            }
        }
    }

    // Per node: types, HTTP inputs, authentication, secrets.
    for n in &o.nodes {
        let Some(obj) = objects[n.id] else {
            continue;
        };
        if let ActionType::ArmExpression(t) = &n.ty {
            s.warning(
                "arm-expression",
                n.id,
                format!("{}/type", n.pointer),
                format!("the type of `{}` is the ARM template expression `{t}`; it is known only at deployment and cannot be checked here", n.name),
            );
        } else if n.type_name.is_empty() {
            s.error(
                "missing-type",
                n.id,
                n.pointer.clone(),
                format!("`{}` has no `type`", n.name),
            );
        }
        let inputs = obj.get("inputs");
        let inputs_p = format!("{}/inputs", n.pointer);
        if n.ty == ActionType::Http {
            match inputs {
                Some(Value::Object(i)) => {
                    for (key, what) in [("method", "a method"), ("uri", "a URI")] {
                        let missing = match i.get(key) {
                            None | Some(Value::Null) => true,
                            Some(Value::String(v)) => v.trim().is_empty(),
                            _ => false,
                        };
                        if missing {
                            s.error(
                                if key == "method" { "http-method" } else { "http-uri" },
                                n.id,
                                inputs_p.clone(),
                                format!("the HTTP {} `{}` has no {key}: it needs {what} to send a request", role_word(n.role), n.name),
                            );
                        }
                    }
                }
                Some(Value::String(e)) if is_wdl_expression(e) || is_arm_expression(e) => {}
                _ => s.error(
                    "http-uri",
                    n.id,
                    n.pointer.clone(),
                    format!(
                        "the HTTP {} `{}` has no inputs: it needs a method and a URI",
                        role_word(n.role),
                        n.name
                    ),
                ),
            }
        }
        if n.ty == ActionType::HttpWebhook {
            http_webhook_subscribe(&mut s, n.id, inputs, &inputs_p);
        }
        let Some(Value::Object(inp)) = inputs else {
            continue;
        };
        let mut auth_places = vec![(inputs_p.clone(), inp)];
        for sub in ["subscribe", "unsubscribe"] {
            if let Some(Value::Object(o2)) = inp.get(sub) {
                auth_places.push((format!("{inputs_p}/{sub}"), o2));
            }
        }
        for (base, place) in auth_places {
            if let Some(a) = place.get("authentication") {
                check_auth(&mut s, n.id, &format!("{base}/authentication"), a);
            }
            let auth_header = place
                .get("headers")
                .and_then(Value::as_object)
                .and_then(|h| get_ci(h, "Authorization"));
            if let Some((key, v)) = auth_header {
                if holds_literal(v) {
                    s.warning(
                        "literal-secret",
                        n.id,
                        format!("{base}/headers/{}", crate::workflow::text::escape_pointer(key)),
                        format!(
                            "the `{key}` header of `{}` holds a value written in clear; put it in a SecureString parameter and use @parameters('…')",
                            n.name
                        ),
                    );
                } else if let Value::String(sv) = v {
                    if is_arm_expression(sv) {
                        s.warning(
                            "literal-secret",
                            n.id,
                            format!(
                                "{base}/headers/{}",
                                crate::workflow::text::escape_pointer(key)
                            ),
                            arm_secret_message(&n.name, key),
                        );
                    }
                }
            }
        }
    }

    // Expressions: syntax, functions, parameters, actions, variables, loops.
    secure_data_rules(&mut s, &objects);
    access_control_rules(&mut s, root);
    super::rules::definition::check(&mut s, root, &objects);

    for f in crate::expr::check::check_definition(root, o) {
        let severity = match f.level {
            crate::expr::check::Level::Error => Severity::Error,
            crate::expr::check::Level::Warning => Severity::Warning,
        };
        s.push(
            severity,
            f.code,
            f.node,
            f.pointer,
            format!("column {} of the string: {}", f.span.start + 1, f.message),
        );
    }

    s.out
}

fn check_auth(s: &mut Sink<'_>, id: NodeId, p: &str, v: &Value) {
    let name = s.g.outline.nodes[id].name.clone();
    let auth = Authentication::read(v);
    if let Authentication::ActiveDirectoryOAuth(a) = &auth {
        for (field, val) in [
            ("tenant", &a.tenant),
            ("audience", &a.audience),
            ("clientId", &a.client_id),
        ] {
            if val.as_deref().is_none_or(|x| x.trim().is_empty()) {
                let why = match field {
                    "tenant" => "the directory (tenant) id or domain that issues the token",
                    "audience" => "the resource the token is for; for App Proxy, its external URL",
                    _ => "the application (client) id that asks for the token",
                };
                s.error(
                    "aad-missing-field",
                    id,
                    p.to_owned(),
                    format!("ActiveDirectoryOAuth of `{name}` has no `{field}`: it needs {why}"),
                );
            }
        }
        if a.secret.is_some() && a.pfx.is_some() {
            s.error(
                "aad-secret-and-pfx",
                id,
                p.to_owned(),
                format!("ActiveDirectoryOAuth of `{name}` has both a `secret` and a `pfx`; keep the one its credential type needs"),
            );
        }
    }
    let required: &[(&str, &Option<String>)] = match &auth {
        Authentication::Basic { username, password } => {
            &[("username", username), ("password", password)]
        }
        Authentication::ClientCertificate { pfx, .. } => &[("pfx", pfx)],
        Authentication::Raw { value } => &[("value", value)],
        _ => &[],
    };
    for (field, val) in required {
        if val.as_deref().is_none_or(|x| x.trim().is_empty()) {
            s.error(
                "auth-missing-field",
                id,
                p.to_owned(),
                format!(
                    "{} authentication of `{name}` has no `{field}`",
                    auth.type_name()
                ),
            );
        }
    }
    for (field, val) in auth.secret_fields() {
        let fp = format!("{p}/{field}");
        if val.is_empty() {
            continue;
        }
        if is_arm_expression(val) {
            s.warning("literal-secret", id, fp, arm_secret_message(&name, field));
        } else if !is_wdl_expression(val) {
            s.warning(
                "literal-secret",
                id,
                fp,
                format!(
                    "the `{field}` of `{name}` ({} authentication) is written in clear; put it in a SecureString parameter and use @parameters('…')",
                    auth.type_name()
                ),
            );
        }
    }
}

fn arm_secret_message(name: &str, field: &str) -> String {
    format!(
        "the `{field}` of `{name}` is filled in by the ARM template at deployment, so it will be in clear in the deployed definition; pass it through a SecureString workflow parameter instead"
    )
}

/// A header value written in clear (not an expression, not empty).
fn holds_literal(v: &Value) -> bool {
    match v {
        Value::String(s) => !s.trim().is_empty() && !is_wdl_expression(s) && !is_arm_expression(s),
        Value::Null => false,
        _ => true,
    }
}

/// An HTTP Webhook trigger or action needs `inputs.subscribe` with a method
/// and a URI ("Schema reference for trigger and action types", HTTP
/// Webhook: both are required; `unsubscribe` is optional). Expressions
/// (WDL or ARM) in their place are accepted as they are.
fn http_webhook_subscribe(s: &mut Sink<'_>, id: NodeId, inputs: Option<&Value>, inputs_p: &str) {
    let n = &s.g.outline.nodes[id];
    let (name, role) = (n.name.clone(), role_word(n.role));
    let is_expr = |v: &str| is_wdl_expression(v) || is_arm_expression(v);
    let sub = match inputs {
        Some(Value::Object(i)) => i.get("subscribe"),
        Some(Value::String(e)) if is_expr(e) => return,
        _ => None,
    };
    let sub = match sub {
        Some(Value::Object(sub)) => sub,
        Some(Value::String(e)) if is_expr(e) => return,
        _ => {
            let at = if inputs.is_some() {
                inputs_p.to_owned()
            } else {
                n.pointer.clone()
            };
            s.error(
                "http-uri",
                id,
                at,
                format!("the HTTP Webhook {role} `{name}` has no `inputs.subscribe`: it needs a subscribe method and URI to register its callback"),
            );
            return;
        }
    };
    let sub_p = format!("{inputs_p}/subscribe");
    for (key, code) in [("method", "http-method"), ("uri", "http-uri")] {
        match sub.get(key) {
            None | Some(Value::Null) => s.error(
                code,
                id,
                sub_p.clone(),
                format!("the HTTP Webhook {role} `{name}` has no subscribe {key}: add `subscribe.{key}`, the {} of the subscription request", if key == "uri" { "endpoint URL" } else { "HTTP method" }),
            ),
            Some(Value::String(v)) if v.trim().is_empty() => s.error(
                code,
                id,
                format!("{sub_p}/{key}"),
                format!("the subscribe {key} of the HTTP Webhook {role} `{name}` is empty: give the {} of the subscription request", if key == "uri" { "endpoint URL" } else { "HTTP method" }),
            ),
            Some(Value::String(_)) => {}
            Some(v) => s.error(
                code,
                id,
                format!("{sub_p}/{key}"),
                format!(
                    "the subscribe {key} of the HTTP Webhook {role} `{name}` must be a string, found {}",
                    crate::workflow::tree::kind_of(v)
                ),
            ),
        }
    }
}

fn role_word(r: Role) -> &'static str {
    match r {
        Role::Trigger => "trigger",
        Role::Action => "action",
    }
}

fn where_is(g: &WorkflowGraph, id: NodeId) -> String {
    match g.outline.nodes[id].parent {
        None => "at the top level".into(),
        Some((p, b)) => {
            let owner = &g.outline.nodes[p];
            let label = owner.branches[b].kind.label();
            if label.is_empty() {
                format!("inside `{}`", owner.name)
            } else {
                format!("inside `{}` ({label})", owner.name)
            }
        }
    }
}

fn join_names(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [a] => a.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Counts by severity.
pub fn counts(problems: &[Problem]) -> (usize, usize) {
    let e = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    (e, problems.len() - e)
}

/// Logic Apps' rules for secure inputs and outputs, and the places where a
/// secured value would still show in clear in run history.
///
/// What Logic Apps hides on its own follows Microsoft Learn ("Secure access
/// and data in Azure Logic Apps", section "Considerations for securing
/// inputs and outputs"): when an action explicitly reads the outputs of a
/// trigger or action that has secure outputs (or secure inputs), its inputs
/// are hidden but not its outputs; Compose, Parse JSON and Response have
/// both hidden; an action that reads the hidden outputs of such a Compose,
/// Parse JSON or Response has neither hidden.
fn secure_data_rules(s: &mut Sink<'_>, objects: &[Option<&serde_json::Map<String, Value>>]) {
    use crate::workflow::model::Envelope;
    let o = &s.g.outline;
    // Triggers and actions whose data Logic Apps treats as secured.
    let mut secured: HashMap<&str, NodeId> = HashMap::new();
    let mut envelopes = Vec::with_capacity(o.nodes.len());
    for n in &o.nodes {
        let env = objects[n.id].map(Envelope::read).unwrap_or_default();
        if env.secure_outputs || env.secure_inputs {
            secured.insert(n.name.as_str(), n.id);
        }
        envelopes.push(env);
    }
    let mut found = Vec::new();
    for n in &o.nodes {
        let env = &envelopes[n.id];
        if !env.secure_inputs && !env.secure_outputs {
            continue;
        }
        let p = format!("{}/runtimeConfiguration/secureData/properties", n.pointer);
        let (inputs_ok, outputs_ok) = n.ty.secure_data_support();
        if !inputs_ok {
            let what = if n.role == Role::Trigger {
                "trigger"
            } else {
                "action"
            };
            found.push((
                n.id,
                p,
                format!(
                    "`{}` is a {} {what}: Logic Apps has no secure inputs or outputs for {}",
                    n.name,
                    n.type_name,
                    n.ty.secure_data_group().unwrap_or("this type")
                ),
            ));
        } else if env.secure_outputs && !outputs_ok {
            let also = if n.ty.secure_inputs_hide_outputs() {
                " (on this type they hide the outputs too)"
            } else {
                ""
            };
            found.push((
                n.id,
                p,
                format!(
                    "`{}` is a {} action, which has no secure outputs in Logic Apps; secure its inputs instead{also}",
                    n.name, n.type_name
                ),
            ));
        }
    }
    for (id, p, m) in found {
        s.error("secure-data-unsupported", id, p, m);
    }
    if secured.is_empty() {
        return;
    }
    // What each action reads explicitly: the trigger or action, and the
    // pointer of the first expression that reads it.
    let actions: HashMap<&str, NodeId> = o.actions().map(|n| (n.name.as_str(), n.id)).collect();
    let reads: Vec<Vec<(NodeId, String)>> = o
        .nodes
        .iter()
        .map(|n| match objects[n.id] {
            Some(obj) if n.role != Role::Trigger => explicit_reads(o, &actions, n, obj),
            _ => Vec::new(),
        })
        .collect();
    let is_secured = |id: NodeId| secured.contains_key(o.nodes[id].name.as_str());
    // Compose, Parse JSON and Response actions whose inputs and outputs
    // Logic Apps hides because they read secured data (and which are not
    // secured themselves): the secured source they read.
    let mut hidden_by_logic_apps: HashMap<NodeId, NodeId> = HashMap::new();
    for n in &o.nodes {
        if !n.ty.secure_inputs_hide_outputs() || is_secured(n.id) {
            continue;
        }
        if let Some((src, _)) = reads[n.id].iter().find(|(src, _)| is_secured(*src)) {
            hidden_by_logic_apps.insert(n.id, *src);
        }
    }
    let mut leaks = Vec::new();
    for n in &o.nodes {
        let env = &envelopes[n.id];
        for (src, ptr) in &reads[n.id] {
            let message = if is_secured(*src) {
                // Logic Apps hides the inputs of `n`; its outputs show
                // unless they are secured (or hidden by Logic Apps).
                if env.secure_outputs || n.ty.secure_inputs_hide_outputs() {
                    continue;
                }
                direct_leak_message(n, &o.nodes[*src], &envelopes[*src])
            } else if let Some(origin) = hidden_by_logic_apps.get(src) {
                // Logic Apps hides nothing of `n`.
                let inputs_shown = !env.secure_inputs;
                let outputs_shown = if n.ty.secure_inputs_hide_outputs() {
                    !env.secure_inputs
                } else {
                    !env.secure_outputs
                };
                if !inputs_shown && !outputs_shown {
                    continue;
                }
                relay_leak_message(
                    n,
                    &o.nodes[*src],
                    (&o.nodes[*origin], &envelopes[*origin]),
                    (inputs_shown, outputs_shown),
                )
            } else {
                continue;
            };
            let Some(message) = message else { continue };
            leaks.push((n.id, ptr.clone(), message));
        }
    }
    for (id, p, m) in leaks {
        s.warning("secure-data-leak", id, p, m);
    }
}

/// The triggers and actions whose outputs action `n` reads explicitly, in
/// `inputs`, `expression` and `foreach`: `body('X')`, `outputs('X')`,
/// `actions('X')`… name action `X`; `triggerBody()`, `triggerOutputs()`…
/// the trigger. Each once, with the pointer of its first reader.
fn explicit_reads(
    o: &crate::workflow::tree::Outline,
    actions: &HashMap<&str, NodeId>,
    n: &crate::workflow::tree::Node,
    obj: &serde_json::Map<String, Value>,
) -> Vec<(NodeId, String)> {
    use crate::expr::ast::RefKind;
    let mut out: Vec<(NodeId, String)> = Vec::new();
    for key in ["inputs", "expression", "foreach"] {
        let Some(v) = obj.get(key) else { continue };
        let mut texts = Vec::new();
        collect_strings(v, &format!("{}/{key}", n.pointer), &mut texts);
        for (ptr, text) in texts {
            let Ok(t) = crate::expr::parse::parse_string_value(text) else {
                continue;
            };
            for c in t.calls() {
                let target = match RefKind::of_function(&c.key) {
                    Some(RefKind::Action) => c
                        .literal_arg(0)
                        .and_then(|(name, _)| actions.get(name).copied()),
                    Some(_) => None,
                    None if c.key.starts_with("trigger") => o.triggers.first().copied(),
                    None => None,
                };
                let Some(target) = target else { continue };
                if target != n.id && !out.iter().any(|(t, _)| *t == target) {
                    out.push((target, ptr.clone()));
                }
            }
        }
    }
    out
}

/// "`S`, which has secure outputs" and the like.
fn secured_source(
    source: &crate::workflow::tree::Node,
    env: &crate::workflow::model::Envelope,
) -> String {
    let what = match (env.secure_inputs, env.secure_outputs) {
        (true, true) => "secure inputs and outputs",
        (true, false) => "secure inputs",
        _ => "secure outputs",
    };
    format!("`{}`, which has {what}", source.name)
}

/// The warning for `n`, which reads the outputs of secured `source`
/// directly: Logic Apps hides the inputs of `n` but not its outputs, and
/// `n` has no secure outputs. `None` when `n`'s outputs do not carry its
/// inputs (a Wait action).
fn direct_leak_message(
    n: &crate::workflow::tree::Node,
    source: &crate::workflow::tree::Node,
    env: &crate::workflow::model::Envelope,
) -> Option<String> {
    let name = &n.name;
    let src = &source.name;
    let head = format!(
        "`{name}` uses the outputs of {}: Logic Apps hides the inputs of `{name}` in run history, but not its outputs",
        secured_source(source, env)
    );
    let Some(group) = n.ty.secure_data_group() else {
        let (_, outputs_ok) = n.ty.secure_data_support();
        return outputs_ok.then(|| {
            format!(
                "{head}, where the value may show in clear — turn on secure outputs for `{name}`"
            )
        });
    };
    Some(if n.ty.is_variable() {
        format!(
            "{head}, and {group} have no secure outputs: the value would show in clear in the outputs of `{name}`, and wherever the variable is read, since reading it is not hidden. Do not pass it through a variable: read `{src}`'s outputs directly in the action that needs them, and turn on secure outputs there"
        )
    } else if n.ty.is_control() {
        format!(
            "{head}, and {group} have no secure outputs: the value may show in clear in the outputs of `{name}` ({}). Keep it out of `{name}`: read `{src}`'s outputs in actions that can secure their outputs, and turn that on there",
            n.type_name
        )
    } else {
        format!(
            "{head}, and {group} have no secure outputs: the value may show in clear in the outputs of `{name}`. Leave it out of `{name}`: read `{src}`'s outputs only in actions that can secure their outputs, and turn that on there"
        )
    })
}

/// The warning for `n`, which reads the outputs of `relay` (a Compose,
/// Parse JSON or Response whose inputs and outputs Logic Apps hides because
/// it reads secured `origin`): Logic Apps hides nothing of `n`. `shown`
/// says whether the inputs and the outputs of `n` show in clear.
fn relay_leak_message(
    n: &crate::workflow::tree::Node,
    relay: &crate::workflow::tree::Node,
    (origin, env): (
        &crate::workflow::tree::Node,
        &crate::workflow::model::Envelope,
    ),
    (inputs, outputs): (bool, bool),
) -> Option<String> {
    let name = &n.name;
    let src = &origin.name;
    let where_ = match (inputs, outputs) {
        (true, true) => "inputs and outputs",
        (true, false) => "inputs",
        _ => "outputs",
    };
    let head = format!(
        "`{name}` uses the outputs of `{}`, which Logic Apps hides because `{}` uses data from {}; it does not hide them where another action reads them, so the value shows in clear in the {where_} of `{name}`",
        relay.name,
        relay.name,
        secured_source(origin, env)
    );
    if let Some(group) = n.ty.secure_data_group() {
        let tail = if n.ty.is_variable() {
            " and wherever the variable is read"
        } else {
            ""
        };
        return Some(format!(
            "{head}{tail}, and {group} have no secure inputs or outputs: keep the value out of `{name}`, and read `{src}`'s outputs directly in the actions that need them"
        ));
    }
    let (_, outputs_ok) = n.ty.secure_data_support();
    let direct = if n.ty.secure_inputs_hide_outputs() {
        format!("or read `{src}`'s outputs directly in `{name}` (Logic Apps then hides its inputs and outputs)")
    } else if outputs_ok {
        format!("or read `{src}`'s outputs directly in `{name}` (Logic Apps then hides its inputs) and turn on its secure outputs")
    } else {
        format!("or read `{src}`'s outputs directly in `{name}` (Logic Apps then hides its inputs)")
    };
    let fix = if n.ty.secure_inputs_hide_outputs() {
        format!("turn on secure inputs for `{name}` (on this type they hide the outputs too)")
    } else if !outputs_ok {
        format!("turn on secure inputs for `{name}`")
    } else {
        match (inputs, outputs) {
            (true, true) => format!("turn on secure inputs and secure outputs for `{name}`"),
            (true, false) => format!("turn on secure inputs for `{name}`"),
            _ => format!("turn on secure outputs for `{name}`"),
        }
    };
    Some(format!("{head} — {fix}, {direct}"))
}

fn collect_strings<'v>(v: &'v Value, pointer: &str, out: &mut Vec<(String, &'v str)>) {
    match v {
        Value::String(t) => out.push((pointer.to_owned(), t)),
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                collect_strings(x, &format!("{pointer}/{i}"), out);
            }
        }
        Value::Object(m) => {
            for (k, x) in m {
                collect_strings(
                    x,
                    &format!("{pointer}/{}", crate::workflow::text::escape_pointer(k)),
                    out,
                );
            }
        }
        _ => {}
    }
}

/// The access control of an ARM workflow resource (beside its definition).
fn access_control_rules(s: &mut Sink<'_>, root: &Value) {
    let Some(base) =
        s.g.outline
            .definition_pointer
            .strip_suffix("/properties/definition")
    else {
        return;
    };
    let p = format!("{base}/properties/accessControl");
    let Some(ac) = root.pointer(&p) else {
        return;
    };
    if let Value::String(e) = ac {
        if is_arm_expression(e) {
            return;
        }
    }
    for prob in crate::workflow::access::check(ac) {
        s.push(
            if prob.error {
                Severity::Error
            } else {
                Severity::Warning
            },
            "access-control",
            None,
            format!("{p}{}", prob.pointer),
            format!("access control: {}", prob.message),
        );
    }
}
