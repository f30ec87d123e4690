//! The Standard project: `<name>/workflow.json`, `parameters.json`,
//! `connections.json`, `local.settings.json`, `host.json`.

use super::{
    file_stem_name, param_type, strip_literal_secure_defaults, ActionFacts, ExportError,
    ExportFile, Kind, Source, StandardOptions,
};
use crate::workflow::model;
use crate::workflow::{Container, Document};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The value written into `local.settings.json` for every setting the
/// project reads: a placeholder, never a value.
pub const PLACEHOLDER: &str = "<set-me>";

/// The app setting that holds secure parameter `name`'s value.
pub fn app_setting_name(name: &str) -> String {
    let s: String = name
        .trim_start_matches('$')
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if s.is_empty() {
        "SECRET".into()
    } else {
        s
    }
}

pub(super) fn build(
    src: &Source,
    opts: &StandardOptions,
    warnings: &mut Vec<String>,
    lazy: Option<&ActionFacts>,
) -> Result<Vec<ExportFile>, ExportError> {
    let name = match &opts.workflow_name {
        Some(n) => {
            let s = file_stem_name(n, "");
            if s.is_empty() || s != *n {
                return Err(ExportError::Invalid(format!(
                    "`{n}` cannot name a workflow folder: use letters, digits, - and _"
                )));
            }
            s
        }
        None => file_stem_name(&src.name, "workflow"),
    };
    let kind = match opts.kind {
        Some(k) => k.as_str().to_owned(),
        None => {
            let from_source = (src.doc.container == Container::Standard)
                .then(|| src.doc.root.get("kind").and_then(Value::as_str))
                .flatten();
            match from_source {
                Some(k) if k.eq_ignore_ascii_case("stateless") => Kind::Stateless.as_str().into(),
                _ => Kind::Stateful.as_str().into(),
            }
        }
    };

    let mut def = src.definition.as_ref().clone();
    strip_literal_secure_defaults(&mut def);
    // Move the parameters to parameters.json, unless one cannot be carried
    // (then the block stays in workflow.json as it is).
    let mut parameters = Map::new();
    let movable = match def.get("parameters") {
        None => false,
        Some(Value::Object(p)) => {
            !p.is_empty()
                && p.values()
                    .all(|d| d.as_object().is_some_and(|o| !o.contains_key("value")))
        }
        Some(_) => false,
    };
    if movable {
        if let Some(Value::Object(params)) =
            def.as_object_mut().and_then(|d| d.remove("parameters"))
        {
            for (pname, decl) in params {
                let secure = param_type(&decl).is_secure();
                let mut entry = Map::new();
                let mut has_value = false;
                if let Value::Object(o) = decl {
                    for (k, v) in o {
                        if k == "defaultValue" {
                            entry.insert("value".into(), v);
                            has_value = true;
                        } else {
                            entry.insert(k, v);
                        }
                    }
                }
                if !has_value {
                    if secure {
                        entry.insert(
                            "value".into(),
                            json!(format!("@appsetting('{}')", app_setting_name(&pname))),
                        );
                    } else {
                        warnings.push(format!(
                            "parameter `{pname}` has no value: set one in parameters.json"
                        ));
                    }
                }
                parameters.insert(pname, Value::Object(entry));
            }
        }
    } else if def
        .get("parameters")
        .is_some_and(|p| p.as_object().is_some_and(|o| !o.is_empty()))
    {
        warnings.push(
            "the definition's parameters stay in workflow.json (one declares its own `value`, which parameters.json cannot carry)".into(),
        );
    }

    let resource_connections = src
        .resource
        .and_then(|r| r.pointer("/properties/parameters/$connections/value"));
    // Lazily held top-level actions: the definition's `actions` stands for
    // them, and what they contribute was gathered as they were read.
    let (connections, conn_warnings) = connections_for(
        &def,
        &parameters,
        resource_connections,
        lazy.zip(def.get("actions"))
            .map(|(f, h)| (h, &f.connections)),
    );
    warnings.extend(conn_warnings);

    let workflow = json!({"definition": def, "kind": kind});

    // local.settings.json: every app setting read anywhere, as a placeholder.
    let mut settings = BTreeSet::new();
    collect_app_settings(
        &workflow,
        &mut settings,
        lazy.zip(workflow.pointer("/definition/actions"))
            .map(|(f, h)| (h, &f.settings)),
    );
    collect_app_settings(&Value::Object(parameters.clone()), &mut settings, None);
    if let Some(c) = &connections {
        collect_app_settings(c, &mut settings, None);
    }
    let mut values = Map::new();
    values.insert(
        "AzureWebJobsStorage".into(),
        json!("UseDevelopmentStorage=true"),
    );
    values.insert("FUNCTIONS_INPROC_NET8_ENABLED".into(), json!("1"));
    values.insert("FUNCTIONS_WORKER_RUNTIME".into(), json!("dotnet"));
    values.insert("APP_KIND".into(), json!("workflowApp"));
    for s in settings {
        values.entry(s).or_insert_with(|| json!(PLACEHOLDER));
    }

    let mut files = vec![
        ExportFile {
            path: PathBuf::from(&name).join("workflow.json"),
            value: workflow,
        },
        ExportFile {
            path: PathBuf::from("parameters.json"),
            value: Value::Object(parameters),
        },
    ];
    if let Some(c) = connections {
        files.push(ExportFile {
            path: PathBuf::from("connections.json"),
            value: c,
        });
    }
    files.push(ExportFile {
        path: PathBuf::from("local.settings.json"),
        value: json!({"IsEncrypted": false, "Values": values}),
    });
    files.push(ExportFile {
        path: PathBuf::from("host.json"),
        value: json!({
            "version": "2.0",
            "extensionBundle": {
                "id": "Microsoft.Azure.Functions.ExtensionBundle.Workflows",
                "version": "[1.*, 2.0.0)"
            }
        }),
    });
    Ok(files)
}

/// Every `appsetting('X')` read in a value. `hole`: a value (found by
/// address) that stands for one whose settings are known.
pub(super) fn collect_app_settings(
    v: &Value,
    out: &mut BTreeSet<String>,
    hole: Option<(&Value, &BTreeSet<String>)>,
) {
    if let Some((stub, known)) = hole {
        if std::ptr::eq(v, stub) {
            out.extend(known.iter().cloned());
            return;
        }
    }
    match v {
        Value::String(s) => {
            let mut rest = s.as_str();
            while let Some(k) = rest.find("appsetting('") {
                let after = &rest[k + 12..];
                if let Some(end) = after.find('\'') {
                    if end > 0 {
                        out.insert(after[..end].to_owned());
                    }
                    rest = &after[end..];
                } else {
                    break;
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_app_settings(x, out, hole)),
        Value::Object(o) => o.values().for_each(|x| collect_app_settings(x, out, hole)),
        _ => {}
    }
}

/// What a definition's actions say of the connections they use, gathered
/// by [`ConnectionUse::walk`].
#[derive(Debug, Default, Clone)]
pub(crate) struct ConnectionUse {
    managed: BTreeSet<String>,
    providers: Vec<(String, String)>,
    functions: BTreeSet<String>,
    consumption_style: usize,
}

impl ConnectionUse {
    /// Notes the connections `v` uses. `hole`: a value (found by address)
    /// that stands for one already walked into the second `ConnectionUse`.
    pub(crate) fn walk(&mut self, v: &Value, hole: Option<(&Value, &ConnectionUse)>) {
        if let Some((stub, known)) = hole {
            if std::ptr::eq(v, stub) {
                self.managed.extend(known.managed.iter().cloned());
                for (n, id) in &known.providers {
                    if !self.providers.iter().any(|(k, _)| k == n) {
                        self.providers.push((n.clone(), id.clone()));
                    }
                }
                self.functions.extend(known.functions.iter().cloned());
                self.consumption_style += known.consumption_style;
                return;
            }
        }
        match v {
            Value::Object(o) => {
                if let Some(conn) = o.get("host").and_then(|h| h.get("connection")) {
                    if let Some(r) = conn.get("referenceName").and_then(Value::as_str) {
                        self.managed.insert(r.to_owned());
                    } else if let Some(n) = conn.get("name").and_then(Value::as_str) {
                        self.consumption_style += 1;
                        if let Some(k) = connection_key(n) {
                            self.managed.insert(k);
                        }
                    }
                }
                if let Some(sp) = o.get("serviceProviderConfiguration") {
                    if let Some(n) = sp.get("connectionName").and_then(Value::as_str) {
                        let id = sp
                            .get("serviceProviderId")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_owned();
                        if !self.providers.iter().any(|(k, _)| k == n) {
                            self.providers.push((n.to_owned(), id));
                        }
                    }
                }
                if let Some(n) = o
                    .get("function")
                    .and_then(|f| f.get("connectionName"))
                    .and_then(Value::as_str)
                {
                    self.functions.insert(n.to_owned());
                }
                for x in o.values() {
                    self.walk(x, hole);
                }
            }
            Value::Array(a) => {
                for x in a {
                    self.walk(x, hole);
                }
            }
            _ => {}
        }
    }
}

/// The connections a definition uses: `$connections` parameter entries,
/// `ApiConnection*` actions (`host.connection`), built-in service provider
/// actions (`serviceProviderConfiguration`) and Azure Functions actions
/// (`function.connectionName`). A skeleton with placeholders.
fn connections_for(
    def: &Value,
    parameters: &Map<String, Value>,
    resource_connections: Option<&Value>,
    hole: Option<(&Value, &ConnectionUse)>,
) -> (Option<Value>, Vec<String>) {
    let mut uses = ConnectionUse::default();
    // The `$connections` value: what an ARM resource gives it, else the
    // declaration's default.
    let mut known = Map::new();
    let conns = def
        .pointer("/parameters/$connections")
        .or_else(|| parameters.get("$connections"));
    if let Some(c) = conns {
        let v = c.get("defaultValue").or_else(|| c.get("value"));
        if let Some(Value::Object(m)) = v {
            uses.managed.extend(m.keys().cloned());
            known.extend(m.clone());
        }
    }
    if let Some(Value::Object(m)) = resource_connections {
        uses.managed.extend(m.keys().cloned());
        known.extend(m.clone());
    }
    uses.walk(def, hole);
    let ConnectionUse {
        managed,
        providers,
        functions,
        consumption_style,
    } = uses;
    let mut warnings = Vec::new();
    if managed.is_empty() && providers.is_empty() && functions.is_empty() {
        return (None, warnings);
    }
    let mut out = Map::new();
    if !managed.is_empty() {
        let mut m = Map::new();
        let mut guessed = Vec::new();
        for n in &managed {
            let setting = format!("{}-connectionRuntimeUrl", app_setting_name(n));
            let entry = known.get(n);
            let field = |k: &str| entry.and_then(|e| e.get(k)).and_then(Value::as_str);
            // The managed API: the entry's `id` as written when it is a
            // plain id; the API name read from it when it is an
            // expression; else the reference name (`office365-1` names a
            // connection, not the API: a guess, said so).
            let api_id = match field("id") {
                Some(id) if plain_id(id) && id.contains("/managedApis/") => id.to_owned(),
                other => {
                    let api = other.and_then(|id| last_segment_after(id, "/managedApis/"));
                    let api = api.unwrap_or_else(|| {
                        guessed.push(n.clone());
                        n.clone()
                    });
                    format!("/subscriptions/@{{appsetting('WORKFLOWS_SUBSCRIPTION_ID')}}/providers/Microsoft.Web/locations/@{{appsetting('WORKFLOWS_LOCATION_NAME')}}/managedApis/{api}")
                }
            };
            let connection_id = match field("connectionId") {
                Some(id) if plain_id(id) && id.contains("/connections/") => id.to_owned(),
                other => {
                    let name = other
                        .and_then(|id| last_segment_after(id, "/connections/"))
                        .or_else(|| {
                            field("connectionName")
                                .filter(|c| plain_id(c) && !c.is_empty())
                                .map(str::to_owned)
                        })
                        .unwrap_or_else(|| n.clone());
                    format!("/subscriptions/@{{appsetting('WORKFLOWS_SUBSCRIPTION_ID')}}/resourceGroups/@{{appsetting('WORKFLOWS_RESOURCE_GROUP_NAME')}}/providers/Microsoft.Web/connections/{name}")
                }
            };
            m.insert(
                n.clone(),
                json!({
                    "api": {"id": api_id},
                    "connection": {"id": connection_id},
                    "connectionRuntimeUrl": format!("@appsetting('{setting}')"),
                    "authentication": {"type": "ManagedServiceIdentity"}
                }),
            );
        }
        if !guessed.is_empty() {
            warnings.push(format!(
                "connections.json: the managed API of {} is named after the connection (no `$connections` id says which API it is); check `api.id`",
                guessed.join(", ")
            ));
        }
        out.insert("managedApiConnections".into(), Value::Object(m));
    }
    if !providers.is_empty() {
        let mut m = Map::new();
        for (n, id) in &providers {
            m.insert(
                n.clone(),
                json!({
                    "parameterValues": {},
                    "serviceProvider": {"id": id},
                    "displayName": n
                }),
            );
        }
        out.insert("serviceProviderConnections".into(), Value::Object(m));
        warnings.push(format!(
            "connections.json: fill in `parameterValues` of {} service provider connection(s) with `@appsetting('…')` references (never values)",
            providers.len()
        ));
    }
    if !functions.is_empty() {
        let mut m = Map::new();
        for n in &functions {
            m.insert(n.clone(), json!({
                "function": {"id": "<function resource id>"},
                "triggerUrl": "<function trigger url>",
                "authentication": {"type": "QueryString", "name": "Code", "value": format!("@appsetting('{}_functionAppKey')", app_setting_name(n))},
                "displayName": n
            }));
        }
        out.insert("functionConnections".into(), Value::Object(m));
    }
    if consumption_style > 0 {
        warnings.push(format!(
            "{consumption_style} ApiConnection action(s) name their connection through `$connections` (Consumption style); in Standard they use `host.connection.referenceName`"
        ));
    }
    (Some(Value::Object(out)), warnings)
}

/// A literal id: no ARM or WDL expression.
fn plain_id(s: &str) -> bool {
    !s.starts_with('[') && !model::is_wdl_expression(s)
}

/// The name after the last `marker` of an id or of an expression that
/// builds one (`…/managedApis/servicebus')]` gives `servicebus`).
fn last_segment_after(id: &str, marker: &str) -> Option<String> {
    let lower = id.to_ascii_lowercase();
    let at = lower.rfind(&marker.to_ascii_lowercase())? + marker.len();
    let name: String = id[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    (!name.is_empty()).then_some(name)
}

/// `office365` from `@parameters('$connections')['office365']['connectionId']`.
fn connection_key(s: &str) -> Option<String> {
    let i = s.find("['")?;
    let rest = &s[i + 2..];
    let end = rest.find("']")?;
    Some(rest[..end].to_owned())
}

/// The `workflow.json` of a project folder, or of a workflow folder.
pub(super) fn find_workflow_file(dir: &Path, name: Option<&str>) -> Result<PathBuf, String> {
    let direct = dir.join("workflow.json");
    if direct.is_file() {
        return Ok(direct);
    }
    let mut found = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for e in entries.flatten() {
        let p = e.path().join("workflow.json");
        if p.is_file() {
            found.push((e.file_name().to_string_lossy().into_owned(), p));
        }
    }
    found.sort();
    match (name, found.len()) {
        (_, 0) => Err(format!(
            "{}: no workflow.json in the folder or its subfolders",
            dir.display()
        )),
        (None, 1) => Ok(found.remove(0).1),
        (Some(n), _) => found
            .into_iter()
            .find(|(f, _)| f == n)
            .map(|(_, p)| p)
            .ok_or_else(|| format!("{}: no workflow folder named `{n}`", dir.display())),
        (None, _) => Err(format!(
            "{}: the project holds {} workflows; choose one with --workflow NAME ({})",
            dir.display(),
            found.len(),
            crate::workflow::short_list(found.iter().map(|(f, _)| f.as_str()))
        )),
    }
}

/// The project's `parameters.json` for a `workflow.json`: in the folder
/// above the workflow's, or beside it.
pub(super) fn find_parameters_file(workflow_file: &Path) -> Option<PathBuf> {
    let dir = workflow_file.parent()?;
    let up = dir.parent().map(|d| d.join("parameters.json"));
    [up, Some(dir.join("parameters.json"))]
        .into_iter()
        .flatten()
        .find(|p| p.is_file())
}

/// Puts the declarations of `parameters.json` back into the definition of
/// a Standard document (when its `workflow.json` declares none): `value`
/// becomes `defaultValue`, except the `@appsetting('…')` the export wrote
/// for a secure parameter with no default. Returns the plain values.
pub(super) fn restore_parameters(
    doc: &mut Document,
    path: &Path,
    warnings: &mut Vec<String>,
) -> Result<Map<String, Value>, String> {
    let v = super::read_json_file(path)?;
    let Value::Object(entries) = v else {
        return Err(format!(
            "{}: parameters.json must be a JSON object",
            path.display()
        ));
    };
    let mut values = Map::new();
    let mut decls = Map::new();
    for (name, entry) in &entries {
        let Value::Object(e) = entry else {
            return Err(format!(
                "{}: parameter `{name}` must be an object with `type` and `value`",
                path.display()
            ));
        };
        let secure = param_type(entry).is_secure();
        let generated = format!("@appsetting('{}')", app_setting_name(name));
        let mut decl = Map::new();
        for (k, val) in e {
            if k == "value" {
                if secure && val.as_str() == Some(generated.as_str()) {
                    continue;
                }
                if !secure && !val.as_str().is_some_and(model::is_wdl_expression) {
                    values.insert(name.clone(), val.clone());
                }
                decl.insert("defaultValue".into(), val.clone());
            } else {
                decl.insert(k.clone(), val.clone());
            }
        }
        decls.insert(name.clone(), Value::Object(decl));
    }
    let def = doc.definition_mut(0);
    if def.contains_key("parameters") {
        if !decls.is_empty() {
            warnings.push(format!(
                "workflow.json declares its own parameters; {} is not merged into them",
                path.display()
            ));
        }
        return Ok(values);
    }
    if decls.is_empty() {
        return Ok(values);
    }
    let at = ["contentVersion", "$schema"]
        .iter()
        .find_map(|k| def.keys().position(|x| x == k))
        .map(|i| i + 1)
        .unwrap_or(0);
    def.shift_insert(at, "parameters".into(), Value::Object(decls));
    Ok(values)
}

/// For a Standard export into a folder that already holds a project: what
/// to write over the existing file at `path` (read first), or `None` to
/// keep it as it is. `local.settings.json` and `host.json` are kept;
/// `parameters.json` and `connections.json` get the export's entries
/// merged in; other files are replaced.
pub(super) fn merge_existing(
    f: &ExportFile,
    path: &Path,
    notes: &mut Vec<String>,
) -> std::io::Result<Option<Vec<u8>>> {
    use crate::workflow::text;
    let invalid = |m: String| std::io::Error::new(std::io::ErrorKind::InvalidData, m);
    let name = f.path.to_string_lossy().replace('\\', "/");
    let read = || -> std::io::Result<(Value, text::TextFormat)> {
        let bytes = std::fs::read(path)?;
        let source =
            text::read_source(&bytes).map_err(|e| invalid(format!("{}:{e}", path.display())))?;
        let value = text::parse_json(&source.json)
            .map_err(|e| invalid(format!("{}:{e}", path.display())))?;
        Ok((value, source.format))
    };
    match name.as_str() {
        "local.settings.json" => {
            // Real settings live there: never overwritten, not even read
            // into a message beyond the names it lacks.
            let lacking: Vec<String> = match (read(), f.value.get("Values")) {
                (Ok((have, _)), Some(Value::Object(want))) => want
                    .keys()
                    .filter(|k| have.get("Values").and_then(|v| v.get(k.as_str())).is_none())
                    .cloned()
                    .collect(),
                _ => Vec::new(),
            };
            notes.push(if lacking.is_empty() {
                format!("kept the existing {} (not overwritten)", path.display())
            } else {
                format!(
                    "kept the existing {} (not overwritten); add the settings it lacks: {}",
                    path.display(),
                    lacking.join(", ")
                )
            });
            Ok(None)
        }
        "host.json" => {
            notes.push(format!("kept the existing {}", path.display()));
            Ok(None)
        }
        "parameters.json" | "connections.json" => {
            let (mut have, format) = read()?;
            let Value::Object(existing) = &mut have else {
                return Err(invalid(format!(
                    "{}: not a JSON object; move it away to export here",
                    path.display()
                )));
            };
            let Value::Object(new) = &f.value else {
                return Ok(Some(text::render(&f.value, &format)));
            };
            let mut replaced = Vec::new();
            let mut added = 0;
            if name == "parameters.json" {
                merge_entries(existing, new, "", &mut replaced, &mut added);
            } else {
                for (section, entries) in new {
                    match (existing.get_mut(section), entries) {
                        (Some(Value::Object(have)), Value::Object(want)) => merge_entries(
                            have,
                            want,
                            &format!("{section}/"),
                            &mut replaced,
                            &mut added,
                        ),
                        (Some(_), _) => {
                            replaced.push(section.clone());
                            existing.insert(section.clone(), entries.clone());
                        }
                        (None, _) => {
                            added += entries.as_object().map_or(1, Map::len);
                            existing.insert(section.clone(), entries.clone());
                        }
                    }
                }
            }
            let mut note = format!(
                "merged into the existing {}: {added} entr{} added",
                path.display(),
                if added == 1 { "y" } else { "ies" }
            );
            if !replaced.is_empty() {
                note.push_str(&format!(
                    ", replaced by the export's: {}",
                    replaced.join(", ")
                ));
            }
            if format.had_comments {
                note.push_str(" (its comments could not be kept)");
            }
            notes.push(note);
            Ok(Some(text::render(&have, &format)))
        }
        _ => {
            notes.push(replaced_note(path));
            Ok(Some(text::render(&f.value, &text::TextFormat::default())))
        }
    }
}

/// The note of an existing file that the export replaces.
pub(super) fn replaced_note(path: &Path) -> String {
    format!("replaced the existing {}", path.display())
}

/// Puts `new`'s entries into `have`: same name, the export's replaces it
/// (named in `replaced` when it differs); others are added at the end.
fn merge_entries(
    have: &mut Map<String, Value>,
    new: &Map<String, Value>,
    prefix: &str,
    replaced: &mut Vec<String>,
    added: &mut usize,
) {
    for (k, v) in new {
        match have.get_mut(k) {
            Some(old) => {
                if old != v {
                    replaced.push(format!("{prefix}{k}"));
                    *old = v.clone();
                }
            }
            None => {
                *added += 1;
                have.insert(k.clone(), v.clone());
            }
        }
    }
}
