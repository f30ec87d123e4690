//! Rules about what surrounds a workflow: the ARM template that deploys it
//! (the values its resource passes to the definition's parameters) and the
//! Standard project around a `workflow.json` (`parameters.json`,
//! `connections.json`, `local.settings.json`, `host.json`).
//!
//! [`apply`] is called once per validated workflow. Its codes, with their
//! example, fix and Microsoft Learn source, are in the one rule catalogue,
//! [`super::rules::RULES`].

use super::validate::{Problem, Severity};
use crate::workflow::project::{app_setting_refs, Project};
use crate::workflow::text::escape_pointer;
use crate::workflow::{Container, Document};
use serde_json::{Map, Value};

/// Adds the rules of this file to the problems of workflow `i`, and drops
/// the "unknown parameter" warnings that the project's parameters.json
/// answers.
pub fn apply(doc: &Document, i: usize, problems: &mut Vec<Problem>) {
    // A stand-in definition (the template's could not be evaluated) has
    // nothing to check: its emptiness is not the workflow's.
    if let Some(w) = doc.workflows.get(i) {
        if w.read_only
            .iter()
            .any(|r| r.placeholder && w.definition_pointer.starts_with(&r.pointer))
        {
            problems.clear();
            return;
        }
    }
    match doc.container {
        Container::Arm => arm_rules(doc, i, problems),
        Container::Standard => {
            if let Some(p) = &doc.project {
                standard_rules(doc, i, p, problems);
            }
        }
        _ => {}
    }
}

fn problem(
    severity: Severity,
    code: &'static str,
    action: Option<String>,
    pointer: String,
    message: String,
) -> Problem {
    Problem {
        severity,
        code,
        action,
        pointer,
        message,
    }
}

/// Longest name of a `Microsoft.Logic/workflows` resource.
pub const MAX_WORKFLOW_NAME: usize = 80;

/// The name of the workflow resource, when the template writes it as
/// literal text: 1 to 80 letters, digits, hyphens, underscores, periods
/// and parentheses ("Naming rules and restrictions for Azure resources").
fn workflow_name(doc: &Document, resource_pointer: &str, out: &mut Vec<Problem>) {
    let p = format!("{resource_pointer}/name");
    let Some(Value::String(name)) = doc.root.pointer(&p) else {
        return;
    };
    if crate::workflow::model::is_arm_expression(name) {
        return;
    }
    let len = name.chars().count();
    let bad = name
        .chars()
        .find(|c| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '(' | ')')));
    let message = if len == 0 {
        "the workflow resource has an empty name: give it 1 to 80 letters, digits, hyphens, underscores, periods or parentheses".to_owned()
    } else if len > MAX_WORKFLOW_NAME {
        format!("the workflow resource name `{name}` has {len} characters; Azure allows at most {MAX_WORKFLOW_NAME}")
    } else if let Some(c) = bad {
        format!(
            "the workflow resource name `{}` contains {}; Azure allows only letters, digits, hyphens, underscores, periods and parentheses in a logic app's name",
            name.escape_debug(),
            if c.is_whitespace() { "a space".to_owned() } else { format!("`{}`", c.escape_debug()) }
        )
    } else {
        return;
    };
    out.push(problem(Severity::Error, "workflow-name", None, p, message));
}

fn arm_rules(doc: &Document, i: usize, out: &mut Vec<Problem>) {
    let Some(view) = doc.template_view(i) else {
        return;
    };
    workflow_name(doc, &view.resource_pointer, out);
    if view.parameters_unknown {
        return;
    }
    let supplied = view.supplied_parameters.unwrap_or_default();
    let def_p = &doc.workflows[i].definition_pointer;
    let Some(Value::Object(declared)) = doc.definition(i).get("parameters") else {
        for name in supplied.keys() {
            out.push(problem(
                Severity::Warning,
                "arm-parameter-undeclared",
                None,
                format!("{}/properties/parameters/{}", view.resource_pointer, escape_pointer(name)),
                format!("the workflow resource passes a value for `{name}`, but the definition declares no parameters"),
            ));
        }
        return;
    };
    for (name, d) in declared {
        if d.get("defaultValue").is_some() || supplied.contains_key(name) {
            continue;
        }
        let hint = supplied
            .keys()
            .find(|k| k.eq_ignore_ascii_case(name))
            .map(|k| format!(" (it passes `{k}`: parameter names are case-sensitive)"))
            .unwrap_or_default();
        // A value passed under another casing: Azure's answer is not
        // documented, so a warning.
        let severity = if hint.is_empty() {
            Severity::Error
        } else {
            Severity::Warning
        };
        out.push(problem(
            severity,
            "arm-parameter-missing",
            None,
            format!("{def_p}/parameters/{}", escape_pointer(name)),
            format!(
                "the definition parameter `{name}` has no defaultValue and the workflow resource passes no value for it{hint}: add `\"{name}\": {{\"value\": …}}` to the resource's properties.parameters, or give it a defaultValue"
            ),
        ));
    }
    for name in supplied.keys() {
        if !declared.contains_key(name) {
            out.push(problem(
                Severity::Warning,
                "arm-parameter-undeclared",
                None,
                format!("{}/properties/parameters/{}", view.resource_pointer, escape_pointer(name)),
                format!(
                    "the workflow resource passes a value for `{name}`, which the definition's parameters do not declare: declare it or remove the value"
                ),
            ));
        }
    }
}

fn file_name(p: &std::path::Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn standard_rules(doc: &Document, i: usize, project: &Project, out: &mut Vec<Problem>) {
    let def_p = doc.workflows[i].definition_pointer.clone();
    // Files that cannot be read.
    for f in [&project.parameters, &project.connections, &project.host]
        .into_iter()
        .flatten()
    {
        if let Err(e) = &f.value {
            out.push(problem(
                Severity::Error,
                "project-file-invalid",
                None,
                String::new(),
                format!("{} of the project cannot be read: {e}", file_name(&f.path)),
            ));
        }
    }
    if let Some((_, Err(e))) = &project.settings {
        out.push(problem(
            Severity::Error,
            "project-file-invalid",
            None,
            String::new(),
            format!("local.settings.json of the project cannot be read: {e}"),
        ));
    }
    for (f, want) in [
        (&project.parameters, "parameters.json"),
        (&project.connections, "connections.json"),
        (&project.host, "host.json"),
    ] {
        if let Some(Ok(v)) = f.as_ref().map(|f| &f.value) {
            if !v.is_object() {
                out.push(problem(
                    Severity::Error,
                    "project-file-invalid",
                    None,
                    String::new(),
                    format!("{want} of the project must hold a JSON object"),
                ));
            }
        }
    }

    // parameters.json: shape, and the unknown-parameter warnings it answers.
    let params = project.parameter_map();
    if let Some(m) = params {
        for (name, v) in m {
            let ok = v
                .as_object()
                .is_some_and(|o| o.contains_key("type") && o.contains_key("value"));
            if !ok {
                out.push(problem(
                    Severity::Error,
                    "project-parameter-shape",
                    None,
                    String::new(),
                    format!("parameters.json: `{name}` must be an object with `type` and `value`, such as {{\"type\": \"String\", \"value\": \"…\"}}"),
                ));
            }
        }
        // A parameter parameters.json declares is known, whatever the
        // definition declares: as the designer's field check knows it
        // (`expr::check::Checker::with_project_parameters`). The name is
        // the first `…` of the checker's message.
        out.retain(|p| {
            if p.code != "expr-unknown-parameter" {
                return true;
            }
            let name = p.message.split('`').nth(1).unwrap_or("");
            !m.contains_key(name)
        });
    }

    // Connections the workflow's actions use.
    let conns = project.connections_map();
    let mut used: Vec<(&'static str, String)> = Vec::new();
    if let Ok(outline) = doc.outline(i) {
        let objects = outline.objects(&doc.root);
        for (n, obj) in outline.nodes.iter().zip(objects) {
            let Some(obj) = obj else { continue };
            let ty = obj
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_ascii_lowercase();
            let (section, rel) = match ty.as_str() {
                "apiconnection" | "apiconnectionwebhook" | "apiconnectionnotification" => (
                    "managedApiConnections",
                    "/inputs/host/connection/referenceName",
                ),
                "serviceprovider" => (
                    "serviceProviderConnections",
                    "/inputs/serviceProviderConfiguration/connectionName",
                ),
                "function" => ("functionConnections", "/inputs/function/connectionName"),
                _ => continue,
            };
            let Some(Value::String(name)) = Value::Object(obj.clone()).pointer(rel).cloned() else {
                continue;
            };
            if name.starts_with('@') || name.is_empty() {
                continue;
            }
            let pointer = format!("{}{rel}", n.pointer);
            let declared: Option<&Map<String, Value>> = conns
                .and_then(|c| c.get(section))
                .and_then(Value::as_object);
            match declared.and_then(|d| d.get(&name)) {
                Some(entry) => {
                    if !used.iter().any(|(s, k)| *s == section && *k == name) {
                        used.push((section, name.clone()));
                        entry_shape(section, &name, entry, &n.name, &pointer, out);
                    }
                }
                None => {
                    let why = match (&project.connections, declared) {
                        (None, _) => "the project has no connections.json".to_owned(),
                        (_, None) => format!("connections.json has no `{section}`"),
                        (_, Some(d)) if d.is_empty() => {
                            format!("connections.json declares no `{section}`")
                        }
                        (_, Some(d)) => format!(
                            "connections.json declares under `{section}`: {}",
                            d.keys()
                                .map(|k| format!("`{k}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    };
                    out.push(problem(
                        Severity::Error,
                        "connection-reference-missing",
                        Some(n.name.clone()),
                        pointer,
                        format!("`{}` uses the connection `{name}`, which is not declared ({why}); add it to connections.json or fix the name", n.name),
                    ));
                }
            }
        }
    }

    // App settings: names only, never values.
    let Some(names) = project.app_setting_names() else {
        return;
    };
    let mut refs = Vec::new();
    if let Some(def) = doc.root.pointer(&def_p) {
        app_setting_refs(def, &def_p, &mut refs);
    }
    let wf_text = doc
        .root
        .pointer(&def_p)
        .map(Value::to_string)
        .unwrap_or_default();
    let mut external = Vec::new();
    if let Some(m) = params {
        for (k, v) in m {
            if wf_text.contains(&format!("parameters('{k}')")) {
                app_setting_refs(v, &format!("parameters.json: {k}"), &mut external);
            }
        }
    }
    if let Some(c) = conns {
        for (section, name) in &used {
            if let Some(e) = c.get(*section).and_then(|s| s.get(name)) {
                app_setting_refs(
                    e,
                    &format!("connections.json: {section}/{name}"),
                    &mut external,
                );
            }
        }
    }
    let mut seen = Vec::new();
    for (setting, at, in_file) in refs
        .into_iter()
        .map(|(s, p)| (s, p, true))
        .chain(external.into_iter().map(|(s, p)| (s, p, false)))
    {
        if names.contains(&setting) || seen.contains(&setting) {
            continue;
        }
        seen.push(setting.clone());
        let (pointer, place) = if in_file {
            (at, String::new())
        } else {
            (def_p.clone(), format!(" (in {at})"))
        };
        out.push(problem(
            Severity::Warning,
            "app-setting-missing",
            None,
            pointer,
            format!("the app setting `{setting}`{place} is not in local.settings.json: add it there for local runs, and to the logic app's settings in Azure"),
        ));
    }
}

fn entry_shape(
    section: &str,
    name: &str,
    entry: &Value,
    action: &str,
    pointer: &str,
    out: &mut Vec<Problem>,
) {
    let need: &[&str] = match section {
        "managedApiConnections" => &["/api/id", "/connection/id", "/authentication"],
        "serviceProviderConnections" => &["/serviceProvider/id", "/parameterValues"],
        _ => &["/function/id"],
    };
    let missing: Vec<String> = need
        .iter()
        .filter(|p| entry.pointer(p).is_none())
        .map(|p| format!("`{}`", p[1..].replace('/', ".")))
        .collect();
    if !entry.is_object() || !missing.is_empty() {
        out.push(problem(
            Severity::Warning,
            "connection-entry-shape",
            Some(action.to_owned()),
            pointer.to_owned(),
            if entry.is_object() {
                format!(
                    "connections.json: `{section}/{name}` lacks {}",
                    missing.join(", ")
                )
            } else {
                format!("connections.json: `{section}/{name}` must be an object")
            },
        ));
    }
}
