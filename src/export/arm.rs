//! The Consumption ARM template and its parameters file.

use super::{param_type, ActionFacts, ArmOptions, ExportError, ExportFile, Source};
use crate::workflow::model::{self, ParamType};
use crate::workflow::{arm_escape, ARM_SCHEMA};
use serde_json::{json, Map, Value};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// `$schema` of an ARM deployment parameters file.
pub const PARAMETERS_SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#";

/// The Key Vault id written when none is given.
pub const PLACEHOLDER_VAULT_ID: &str = "/subscriptions/<subscription-id>/resourceGroups/<resource-group>/providers/Microsoft.KeyVault/vaults/<vault-name>";

const WORKFLOW_ID: &str = "[resourceId('Microsoft.Logic/workflows', parameters('logicAppName'))]";

/// The ARM type of a workflow parameter type.
fn arm_type(ty: &ParamType, default: Option<&Value>) -> &'static str {
    match ty {
        ParamType::String => "string",
        ParamType::SecureString => "securestring",
        ParamType::Int => "int",
        // ARM has no floating-point type: a string, turned back into a
        // number by `json()` where it is passed to the workflow.
        ParamType::Float => "string",
        ParamType::Bool => "bool",
        ParamType::Array => "array",
        ParamType::Object => "object",
        ParamType::SecureObject => "secureobject",
        _ => match default {
            Some(Value::String(_)) => "string",
            Some(Value::Number(n)) if n.is_i64() || n.is_u64() => "int",
            Some(Value::Number(_)) => "string",
            Some(Value::Bool(_)) => "bool",
            Some(Value::Array(_)) => "array",
            _ => "object",
        },
    }
}

/// A template parameter name: letters, digits and `_` (`$connections` →
/// `connections`), unique among `taken`.
fn template_name(name: &str, taken: &mut HashSet<String>) -> String {
    let mut base: String = name
        .trim_start_matches('$')
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if base.is_empty() || base.starts_with(|c: char| c.is_ascii_digit()) {
        base.insert_str(0, "p_");
    }
    let mut n = base.clone();
    let mut k = 2;
    while taken.contains(&n.to_ascii_lowercase()) {
        n = format!("{base}_{k}");
        k += 1;
    }
    taken.insert(n.to_ascii_lowercase());
    n
}

/// A Key Vault secret name: letters, digits and `-`.
fn secret_name(name: &str) -> String {
    let s: String = name
        .trim_start_matches('$')
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let s = s.trim_matches('-').to_owned();
    if s.is_empty() {
        "secret".into()
    } else {
        s
    }
}

fn check_vault_id(id: &str) -> Result<(), ExportError> {
    let lower = id.to_ascii_lowercase();
    if model::is_arm_expression(id)
        || (lower.starts_with("/subscriptions/")
            && lower.contains("/resourcegroups/")
            && lower.contains("/providers/microsoft.keyvault/vaults/")
            && !lower.ends_with('/'))
    {
        Ok(())
    } else {
        Err(ExportError::Invalid(format!(
            "`{id}` is not a Key Vault resource id (/subscriptions/…/resourceGroups/…/providers/Microsoft.KeyVault/vaults/NAME)"
        )))
    }
}

/// The access control given in the options, checked with the rules of
/// `lapis validate`: a range Azure refuses is an error naming the field;
/// a likely mistake is a warning.
fn check_access_control(ac: &Value, warnings: &mut Vec<String>) -> Result<(), ExportError> {
    let problems = crate::workflow::access::check(ac);
    let errors: Vec<String> = problems
        .iter()
        .filter(|p| p.error)
        .map(|p| format!("accessControl{}: {}", p.pointer, p.message))
        .collect();
    if !errors.is_empty() {
        return Err(ExportError::Invalid(format!(
            "access control: {}",
            errors.join("; ")
        )));
    }
    for p in problems {
        warnings.push(format!(
            "access control: accessControl{}: {}",
            p.pointer, p.message
        ));
    }
    Ok(())
}

/// The distinct principals of the role assignments, in order; each must
/// be an object id (a GUID).
fn check_principals(opts: &ArmOptions) -> Result<Vec<String>, ExportError> {
    let mut out: Vec<String> = Vec::new();
    for ra in &opts.role_assignments {
        let principal = ra.principal_id.trim();
        if principal.is_empty() {
            return Err(ExportError::Invalid(format!(
                "a {} role assignment needs a principal id",
                ra.role.name()
            )));
        }
        if !looks_like_guid(principal) {
            let shown: String = principal.chars().take(60).collect();
            return Err(ExportError::Invalid(format!(
                "{} role assignment: principal id `{shown}` is not a GUID; give the object id of the user, group or service principal (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
                ra.role.name()
            )));
        }
        if !out.iter().any(|p| p.eq_ignore_ascii_case(principal)) {
            out.push(principal.to_owned());
        }
    }
    Ok(out)
}

/// A template value that is, or holds, an ARM expression: ARM evaluates it
/// in the template, never in a parameters file.
fn holds_arm_expression(v: &Value) -> bool {
    match v {
        Value::String(s) => model::is_arm_expression(s),
        Value::Array(a) => a.iter().any(holds_arm_expression),
        Value::Object(o) => o.values().any(holds_arm_expression),
        _ => false,
    }
}

/// Whether a key or a string anywhere in `v` holds `needle` (walked by
/// reference: no text of the whole value is built). `hole`: a value
/// (found by address) that stands for one whose answer is known.
pub(super) fn mentions(v: &Value, needle: &str, hole: Option<(&Value, bool)>) -> bool {
    if let Some((stub, known)) = hole {
        if std::ptr::eq(v, stub) {
            return known;
        }
    }
    match v {
        Value::String(s) => s.contains(needle),
        Value::Array(a) => a.iter().any(|x| mentions(x, needle, hole)),
        Value::Object(o) => o
            .iter()
            .any(|(k, x)| k.contains(needle) || mentions(x, needle, hole)),
        _ => false,
    }
}

fn looks_like_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && [8, 4, 4, 4, 12]
            .iter()
            .zip(&parts)
            .all(|(n, p)| p.len() == *n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Builds `azuredeploy.json` and `azuredeploy.parameters.json`.
pub(super) fn build(
    src: &Source,
    opts: &ArmOptions,
    warnings: &mut Vec<String>,
    lazy: Option<&ActionFacts>,
) -> Result<Vec<ExportFile>, ExportError> {
    // Lazily held top-level actions: the definition's `actions` stands for
    // them, and what they contribute was gathered as they were read.
    let stub = lazy.and_then(|_| src.definition.get("actions"));
    let state = match opts.state.as_deref() {
        None => src
            .resource
            .and_then(|r| r.pointer("/properties/state"))
            .and_then(Value::as_str)
            .filter(|s| !model::is_arm_expression(s))
            .map(str::to_owned)
            .unwrap_or_else(|| "Enabled".into()),
        Some(s) if s.eq_ignore_ascii_case("enabled") => "Enabled".into(),
        Some(s) if s.eq_ignore_ascii_case("disabled") => "Disabled".into(),
        Some(s) => {
            return Err(ExportError::Invalid(format!(
                "state `{s}`: expected Enabled or Disabled"
            )))
        }
    };
    if let Some(kv) = &opts.key_vault {
        check_vault_id(&kv.vault_id)?;
    }
    if let Some(ac) = &opts.access_control {
        check_access_control(ac, warnings)?;
    }
    let principals = check_principals(opts)?;
    let from_arm = src.is_arm();
    let resource_props = src.resource.and_then(|r| r.get("properties"));

    // The definition: secure defaults removed, escaped for ARM; in a
    // template written from a template, ARM expressions stay expressions.
    let mut def = src.definition.as_ref().clone();
    if let Some(Value::Object(params)) = def.get_mut("parameters") {
        for (name, p) in params.iter_mut() {
            if param_type(p).is_secure() {
                if let Some(o) = p.as_object_mut() {
                    if let Some(d) = o.remove("defaultValue") {
                        if d.as_str().is_some_and(model::is_wdl_expression) {
                            warnings.push(format!(
                                "the default of secure parameter `{name}` (an expression) is left out: its value comes from the parameters file"
                            ));
                        }
                    }
                }
            }
        }
    }
    arm_escape(&mut def, true);
    if src.resource.is_some() {
        for p in &src.arm_expressions {
            if let (Some(orig), Some(slot)) =
                (src.definition.pointer(p).cloned(), def.pointer_mut(p))
            {
                *slot = orig;
            }
        }
    }
    if mentions(
        &src.definition,
        "appsetting(",
        lazy.zip(stub).map(|(f, h)| (h, f.appsetting)),
    ) {
        warnings.push(
            "the definition reads app settings (`appsetting()`), which a Consumption logic app does not have".into(),
        );
    }

    // Template parameters.
    let name_default = opts
        .workflow_name
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| {
            if src.name.is_empty() || model::is_arm_expression(&src.name) {
                "lapis-workflow".into()
            } else {
                src.name.clone()
            }
        });
    let location_default = opts.location.clone().unwrap_or_else(|| {
        src.resource
            .and_then(|r| r.get("location"))
            .and_then(Value::as_str)
            .filter(|l| !model::is_arm_expression(l) && !l.is_empty())
            .map(str::to_owned)
            .unwrap_or_else(|| "[resourceGroup().location]".into())
    });
    let mut tparams = Map::new();
    tparams.insert(
        "logicAppName".into(),
        json!({"type": "string", "defaultValue": name_default, "metadata": {"description": "Name of the logic app (workflow) resource"}}),
    );
    tparams.insert(
        "location".into(),
        json!({"type": "string", "defaultValue": location_default, "metadata": {"description": "Azure region of the logic app"}}),
    );
    let mut taken: HashSet<String> = ["logicappname", "location"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let source_values = resource_props
        .and_then(|p| p.get("parameters"))
        .and_then(Value::as_object);

    // From a template: the parameters and variables that what is carried
    // over reads (kept expressions, parameter values, tags, identity,
    // access control).
    let mut variables = None;
    if from_arm {
        // Only ARM expressions read template parameters (a WDL
        // `@parameters('x')` reads the workflow's).
        let mut carried = String::new();
        arm_expression_text(&def, &mut carried);
        if let (Some(m), Some(Value::Object(params))) =
            (source_values, src.definition.get("parameters"))
        {
            for (k, decl) in params {
                if !param_type(decl).is_secure() {
                    if let Some(v) = m.get(k) {
                        arm_expression_text(v, &mut carried);
                    }
                }
            }
        }
        if let Some(r) = src.resource {
            for key in ["tags", "identity", "location"] {
                if let Some(v) = r.get(key) {
                    arm_expression_text(v, &mut carried);
                }
            }
        }
        if let Some(p) = resource_props {
            for key in [
                "accessControl",
                "integrationAccount",
                "endpointsConfiguration",
            ] {
                if let Some(v) = p.get(key) {
                    arm_expression_text(v, &mut carried);
                }
            }
        }
        if carried.contains("variables(") {
            if let Some(v) = src.doc.root.get("variables") {
                arm_expression_text(v, &mut carried);
                variables = Some(v.clone());
            }
        }
        let carried = carried.to_ascii_lowercase();
        if let Some(Value::Object(sp)) = src.doc.root.get("parameters") {
            for (k, v) in sp {
                let lk = k.to_ascii_lowercase();
                let used = carried.contains(&format!("parameters('{lk}')"));
                if !used || taken.contains(&lk) {
                    continue;
                }
                let mut v = v.clone();
                let ty = v.get("type").and_then(Value::as_str).unwrap_or("");
                if ty.eq_ignore_ascii_case("securestring")
                    || ty.eq_ignore_ascii_case("secureobject")
                {
                    if let Some(o) = v.as_object_mut() {
                        o.remove("defaultValue");
                    }
                }
                taken.insert(lk);
                tparams.insert(k.clone(), v);
            }
        }
        let others = src
            .doc
            .root
            .get("resources")
            .and_then(Value::as_array)
            .map(|r| r.len().saturating_sub(1))
            .unwrap_or(0);
        if others > 0 {
            warnings.push(format!(
                "left out: {others} other resource(s) of the source template (connections and the like); deploy them separately"
            ));
        }
    }

    // Workflow parameters → template parameters, wired through
    // `properties.parameters`.
    let vault_id = match &opts.key_vault {
        Some(kv) => kv.vault_id.clone(),
        None => PLACEHOLDER_VAULT_ID.to_owned(),
    };
    let mut wired = Map::new();
    let mut file_params = Map::new();
    file_params.insert(
        "logicAppName".into(),
        json!({"value": tparams["logicAppName"]["defaultValue"].clone()}),
    );
    let mut secure_count = 0;
    if let Some(Value::Object(params)) = src.definition.get("parameters") {
        for (name, decl) in params {
            let ty = param_type(decl);
            let source_value = source_values
                .and_then(|m| m.get(name))
                .and_then(|v| v.get("value"))
                .cloned();
            // The default as the template reads it: the source resource's
            // value (already in template form), else the declaration's
            // default as escaped in the definition (`[PROD]` → `[[PROD]`;
            // a template source's expressions stay expressions).
            let default = if ty.is_secure() {
                None
            } else {
                source_value.or_else(|| {
                    def.pointer(&format!(
                        "/parameters/{}/defaultValue",
                        crate::workflow::text::escape_pointer(name)
                    ))
                    .cloned()
                })
            };
            let tname = template_name(name, &mut taken);
            let aty = arm_type(&ty, default.as_ref());
            let mut tp = Map::new();
            tp.insert("type".into(), json!(aty));
            let default = match (&ty, default) {
                (ParamType::Float, Some(Value::Number(n))) => Some(json!(n.to_string())),
                (_, d) => d,
            };
            if let Some(d) = &default {
                tp.insert("defaultValue".into(), d.clone());
            }
            if let Some(desc) = decl.pointer("/metadata/description") {
                tp.insert("metadata".into(), json!({"description": desc}));
            }
            tparams.insert(tname.clone(), Value::Object(tp));
            let value = if ty == ParamType::Float {
                format!("[json(parameters('{tname}'))]")
            } else {
                format!("[parameters('{tname}')]")
            };
            wired.insert(name.clone(), json!({"value": value}));
            if ty.is_secure() {
                secure_count += 1;
                file_params.insert(
                    tname,
                    json!({"reference": {"keyVault": {"id": vault_id}, "secretName": secret_name(name)}}),
                );
            } else if let Some(d) = default {
                // A parameters file is not evaluated: an expression stays
                // the template's default, a literal goes as it is meant.
                if !holds_arm_expression(&d) {
                    let mut v = d;
                    arm_escape(&mut v, false);
                    file_params.insert(tname, json!({ "value": v }));
                }
            } else {
                warnings.push(format!(
                    "parameter `{name}` has no value: set it in the parameters file"
                ));
            }
        }
    }
    if let Some(m) = source_values {
        let declared = src.definition.get("parameters").and_then(Value::as_object);
        for k in m.keys() {
            if !declared.is_some_and(|d| d.contains_key(k)) {
                warnings.push(format!(
                    "left out: the value of `{k}` in `properties.parameters`, which the definition does not declare"
                ));
            }
        }
    }
    if secure_count > 0 && opts.key_vault.is_none() {
        warnings.push(format!(
            "no Key Vault given: the parameters file refers to {secure_count} secret(s) in a placeholder vault; replace `{PLACEHOLDER_VAULT_ID}` (or pass --key-vault)"
        ));
    }

    // The workflow resource.
    let mut props = Map::new();
    props.insert("state".into(), json!(state));
    props.insert("definition".into(), def);
    props.insert("parameters".into(), Value::Object(wired));
    let access = opts
        .access_control
        .clone()
        .or_else(|| resource_props.and_then(|p| p.get("accessControl")).cloned());
    if let Some(a) = access {
        props.insert("accessControl".into(), a);
    }
    if let Some(p) = resource_props {
        for key in ["integrationAccount", "endpointsConfiguration"] {
            if let Some(v) = p.get(key) {
                props.insert(key.into(), v.clone());
            }
        }
    }
    let mut res = Map::new();
    res.insert("type".into(), json!("Microsoft.Logic/workflows"));
    res.insert("apiVersion".into(), json!("2019-05-01"));
    res.insert("name".into(), json!("[parameters('logicAppName')]"));
    res.insert("location".into(), json!("[parameters('location')]"));
    let mut tags = src
        .resource
        .and_then(|r| r.get("tags"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (k, v) in &opts.tags {
        tags.insert(k.clone(), v.clone());
    }
    if !tags.is_empty() {
        res.insert("tags".into(), Value::Object(tags));
    }
    let identity = src
        .resource
        .and_then(|r| r.get("identity"))
        .cloned()
        .or_else(|| {
            let mut found = Identity::default();
            found.walk(
                &src.definition,
                lazy.zip(stub).map(|(f, h)| (h, &f.identity)),
            );
            found.into_value()
        });
    if let Some(id) = identity {
        res.insert("identity".into(), id);
    }
    if src
        .resource
        .and_then(|r| r.get("dependsOn"))
        .and_then(Value::as_array)
        .is_some_and(|d| !d.is_empty())
    {
        warnings.push("left out: the workflow's `dependsOn` (the resources it named are not in this template)".into());
    }
    res.insert("properties".into(), Value::Object(props));

    let mut resources = vec![Value::Object(res)];
    if opts.lock {
        resources.push(json!({
            "type": "Microsoft.Authorization/locks",
            "apiVersion": "2020-05-01",
            "name": "[concat(parameters('logicAppName'), '-lock')]",
            "scope": WORKFLOW_ID,
            "dependsOn": [WORKFLOW_ID],
            "properties": {
                "level": "CanNotDelete",
                "notes": "The logic app cannot be deleted while this lock is in place."
            }
        }));
    }
    // Each principal is a template parameter (`principalId`,
    // `principalId_2`…), read by its assignments: no user text inside an
    // expression.
    let mut principal_params: Vec<String> = Vec::new();
    for principal in &principals {
        let roles: Vec<&str> = opts
            .role_assignments
            .iter()
            .filter(|ra| ra.principal_id.trim().eq_ignore_ascii_case(principal))
            .map(|ra| ra.role.name())
            .collect();
        let pname = template_name("principalId", &mut taken);
        tparams.insert(
            pname.clone(),
            json!({"type": "string", "defaultValue": principal, "metadata": {"description": format!(
                "Object id of the user, group or service principal given {}", roles.join(" and ")
            )}}),
        );
        file_params.insert(pname.clone(), json!({ "value": principal }));
        principal_params.push(pname);
    }
    for ra in &opts.role_assignments {
        let principal = ra.principal_id.trim();
        let pname = principals
            .iter()
            .zip(&principal_params)
            .find(|(p, _)| p.eq_ignore_ascii_case(principal))
            .map(|(_, n)| n.as_str())
            .unwrap_or("principalId");
        let pexpr = format!("parameters('{pname}')");
        let role = ra.role.definition_id();
        resources.push(json!({
            "type": "Microsoft.Authorization/roleAssignments",
            "apiVersion": "2022-04-01",
            "name": format!("[guid({}, {pexpr}, '{role}')]", &WORKFLOW_ID[1..WORKFLOW_ID.len() - 1]),
            "scope": WORKFLOW_ID,
            "dependsOn": [WORKFLOW_ID],
            "properties": {
                "roleDefinitionId": format!("[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{role}')]"),
                "principalId": format!("[{pexpr}]"),
                "description": format!("{} on the logic app", ra.role.name())
            }
        }));
    }

    let mut template = Map::new();
    template.insert("$schema".into(), json!(ARM_SCHEMA));
    template.insert("contentVersion".into(), json!("1.0.0.0"));
    template.insert("parameters".into(), Value::Object(tparams));
    if let Some(v) = variables {
        template.insert("variables".into(), v);
    }
    template.insert("resources".into(), Value::Array(resources));
    template.insert(
        "outputs".into(),
        json!({"workflowId": {"type": "string", "value": WORKFLOW_ID}}),
    );

    let parameters_file = json!({
        "$schema": PARAMETERS_SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": file_params,
    });
    Ok(vec![
        ExportFile {
            path: PathBuf::from("azuredeploy.json"),
            value: Value::Object(template),
        },
        ExportFile {
            path: PathBuf::from("azuredeploy.parameters.json"),
            value: parameters_file,
        },
    ])
}

/// The text of every ARM expression string in a value, one per line.
fn arm_expression_text(v: &Value, out: &mut String) {
    match v {
        Value::String(s) if model::is_arm_expression(s) => {
            out.push_str(s);
            out.push('\n');
        }
        Value::Array(a) => a.iter().for_each(|x| arm_expression_text(x, out)),
        Value::Object(o) => o.values().for_each(|x| arm_expression_text(x, out)),
        _ => {}
    }
}

/// The managed identity a definition needs: `SystemAssigned` when an
/// action authenticates with the managed identity and names none,
/// `UserAssigned` with the identities it names. Gathered by
/// [`Identity::walk`], read by [`Identity::into_value`].
#[derive(Debug, Default, Clone)]
pub(crate) struct Identity {
    system: bool,
    user: Vec<String>,
}

impl Identity {
    /// Notes the identities `v` uses. `hole`: a value (found by address)
    /// that stands for one already walked into the second `Identity`.
    pub(crate) fn walk(&mut self, v: &Value, hole: Option<(&Value, &Identity)>) {
        if let Some((stub, known)) = hole {
            if std::ptr::eq(v, stub) {
                self.system |= known.system;
                for u in &known.user {
                    if !self.user.contains(u) {
                        self.user.push(u.clone());
                    }
                }
                return;
            }
        }
        match v {
            Value::Object(o) => {
                if let Some(Value::Object(a)) = o.get("authentication") {
                    let ty = a.get("type").and_then(Value::as_str).unwrap_or("");
                    if ty.eq_ignore_ascii_case("ManagedServiceIdentity") {
                        match a.get("identity").and_then(Value::as_str) {
                            Some(id) if !id.is_empty() && !model::is_wdl_expression(id) => {
                                if !self.user.iter().any(|u| u == id) {
                                    self.user.push(id.to_owned());
                                }
                            }
                            _ => self.system = true,
                        }
                    }
                }
                o.values().for_each(|x| self.walk(x, hole));
            }
            Value::Array(a) => a.iter().for_each(|x| self.walk(x, hole)),
            _ => {}
        }
    }

    /// The resource's `identity`, if the definition needs one.
    pub(crate) fn into_value(self) -> Option<Value> {
        let ty = match (self.system, self.user.is_empty()) {
            (false, true) => return None,
            (true, true) => return Some(json!({"type": "SystemAssigned"})),
            (false, false) => "UserAssigned",
            (true, false) => "SystemAssigned, UserAssigned",
        };
        let ids: Map<String, Value> = self.user.into_iter().map(|u| (u, json!({}))).collect();
        Some(json!({"type": ty, "userAssignedIdentities": ids}))
    }
}

/// `<stem>.parameters.json` or `azuredeploy.parameters.json` beside a
/// template, if there is one.
pub(super) fn find_parameters_file(template: &Path) -> Option<PathBuf> {
    let dir = template.parent().unwrap_or(Path::new(""));
    let stem = template.file_stem()?.to_str()?;
    [
        dir.join(format!("{stem}.parameters.json")),
        dir.join("azuredeploy.parameters.json"),
    ]
    .into_iter()
    .find(|p| p.is_file() && p != template)
}

/// The literal default values of a template's parameters, ARM escaping
/// undone (`[[PROD]` is `[PROD]`); defaults that are or hold template
/// expressions, and secure parameters, are left out.
pub(super) fn literal_defaults(template: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    if let Some(Value::Object(params)) = template.get("parameters") {
        for (k, p) in params {
            let ty = p.get("type").and_then(Value::as_str).unwrap_or("");
            if ty.to_ascii_lowercase().starts_with("secure") {
                continue;
            }
            if let Some(d) = p.get("defaultValue") {
                if !holds_arm_expression(d) {
                    let mut v = d.clone();
                    arm_escape(&mut v, false);
                    out.insert(k.clone(), v);
                }
            }
        }
    }
    out
}

/// The plain values of an ARM parameters file; Key Vault references are
/// counted, not read.
pub(super) fn read_parameters_file(
    path: &Path,
    warnings: &mut Vec<String>,
) -> Result<Map<String, Value>, String> {
    let v = super::read_json_file(path)?;
    let params = v
        .get("parameters")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            format!(
                "{}: not an ARM parameters file (no `parameters` object)",
                path.display()
            )
        })?;
    let mut out = Map::new();
    let mut refs = 0;
    for (k, p) in params {
        if let Some(val) = p.get("value") {
            out.insert(k.clone(), val.clone());
        } else if p.get("reference").is_some() {
            refs += 1;
        }
    }
    if refs > 0 {
        warnings.push(format!(
            "{}: {refs} value(s) are Key Vault references, resolved only at deployment",
            path.display()
        ));
    }
    Ok(out)
}
