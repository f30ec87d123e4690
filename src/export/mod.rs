//! Deployment outputs, written so that no secret is ever in clear, read
//! back, and the secret scanning that guards them.
//!
//! Three targets:
//! - [`Target::Definition`]: the bare definition JSON;
//! - [`Target::Arm`]: a Consumption ARM template (`azuredeploy.json`) with
//!   one `Microsoft.Logic/workflows` resource, every definition parameter
//!   turned into a template parameter (secure ones as
//!   `securestring`/`secureobject` with no default), optional lock and role
//!   assignments (each principal a `principalId…` template parameter), and
//!   a parameters file (`azuredeploy.parameters.json`) whose secure values
//!   are Key Vault references. ARM evaluates `[…]` in the template, not in
//!   the parameters file: a literal default such as `[PROD]` is written
//!   `[[PROD]` in the template (and read back as `[PROD]`) but as it is in
//!   the parameters file, and a value that is a template expression stays
//!   the template parameter's default, out of the parameters file;
//! - [`Target::Standard`]: a Standard project: `<name>/workflow.json`,
//!   `parameters.json` (secure values as `@appsetting('…')`),
//!   `connections.json` when the workflow uses connections, a
//!   `local.settings.json` template with placeholders only, and `host.json`.
//!
//! [`export`] first runs [`scan::scan_document`] and refuses
//! ([`ExportError::Secrets`]) while any secret is in clear. [`import`]
//! reads any of these outputs back and gives the definition that was
//! exported (a secure parameter's default value, which no export carries,
//! excepted: compare with [`strip_secure_defaults`]).
//!
//! Standard and parameters: a Standard workflow reads `@parameters('x')`
//! from the project's `parameters.json`, and its `workflow.json` declares
//! none (the Standard designer treats declarations in `workflow.json` as a
//! mistake, LogicAppsUX#3314). So the export *moves* the definition's
//! `parameters` block to `parameters.json` — each declaration as written,
//! with `defaultValue` renamed `value` — and [`import`] moves it back. A
//! declaration that cannot be carried that way (one with its own `value`
//! key) keeps the whole block in `workflow.json`, and import then uses it
//! as it is.

pub mod scan;

mod arm;
mod standard;
mod stream;

pub(crate) use stream::ActionFacts;
pub use stream::{export_lazy, import_lazy, write_lazy, ImportedLazy, LazyExport};

use crate::workflow::model::{self, ParamType};
use crate::workflow::text::{self, TextFormat};
use crate::workflow::{arm_escape, arm_expressions, Container, Document};
use serde_json::{Map, Value};
use std::fmt;
use std::path::{Path, PathBuf};

pub use scan::{
    fix_document, move_to_secure_parameter, scan, scan_document, Finding, FindingKind, Fix,
};

/// The kind of output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// The bare definition JSON.
    Definition,
    /// A Consumption ARM template and its parameters file.
    Arm,
    /// A Standard project folder.
    Standard,
}

/// A built-in Azure role for a role assignment on the workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Logic App Contributor: manage the logic app, not access to it.
    Contributor,
    /// Logic App Operator: read, enable and disable the logic app.
    Operator,
}

impl Role {
    /// The built-in role definition id (a GUID, the same in every tenant).
    pub fn definition_id(self) -> &'static str {
        match self {
            Role::Contributor => "87a39d53-fc1b-424a-814c-f7e04687dc9e",
            Role::Operator => "515c2055-d9d4-4321-b1b9-bd0c9a0f79fe",
        }
    }

    /// The role's name in Azure.
    pub fn name(self) -> &'static str {
        match self {
            Role::Contributor => "Logic App Contributor",
            Role::Operator => "Logic App Operator",
        }
    }
}

/// A role assignment to add beside the workflow, scoped to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleAssignment {
    /// The role.
    pub role: Role,
    /// Object id of the user, group or service principal.
    pub principal_id: String,
}

/// The Key Vault that holds the values of secure parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyVaultRef {
    /// Resource id:
    /// `/subscriptions/…/resourceGroups/…/providers/Microsoft.KeyVault/vaults/name`.
    pub vault_id: String,
}

/// Options of the ARM template.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArmOptions {
    /// Default of the `location` template parameter; `None`: the resource
    /// group's location (or the source template's literal location).
    pub location: Option<String>,
    /// `Enabled` or `Disabled`; `None`: the source's state, else `Enabled`.
    pub state: Option<String>,
    /// Tags of the workflow resource (added to those of the source).
    pub tags: Map<String, Value>,
    /// Add a `CanNotDelete` lock on the workflow.
    pub lock: bool,
    /// Role assignments on the workflow.
    pub role_assignments: Vec<RoleAssignment>,
    /// Where the secure parameters' values live; `None`: a placeholder id
    /// (and a warning).
    pub key_vault: Option<KeyVaultRef>,
    /// Default of the `logicAppName` template parameter; `None`: the
    /// workflow's name.
    pub workflow_name: Option<String>,
    /// `properties.accessControl` (allowed caller IP ranges…); `None`: the
    /// source resource's, if it is an ARM template.
    pub access_control: Option<Value>,
}

/// Stateful or stateless Standard workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Run history and state are kept.
    Stateful,
    /// Runs in memory only.
    Stateless,
}

impl Kind {
    /// The spelling of `workflow.json`'s `kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Stateful => "Stateful",
            Kind::Stateless => "Stateless",
        }
    }
}

/// Options of the Standard project.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StandardOptions {
    /// `None`: the source's kind (a Standard file), else `Stateful`.
    pub kind: Option<Kind>,
    /// The workflow's folder name; `None`: the workflow's name.
    pub workflow_name: Option<String>,
}

/// What to export, with its options.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)] // built once per export
pub enum ExportSpec {
    /// The bare definition.
    Definition,
    /// A Consumption ARM template.
    Arm(ArmOptions),
    /// A Standard project.
    Standard(StandardOptions),
}

impl ExportSpec {
    /// The target of this spec.
    pub fn target(&self) -> Target {
        match self {
            ExportSpec::Definition => Target::Definition,
            ExportSpec::Arm(_) => Target::Arm,
            ExportSpec::Standard(_) => Target::Standard,
        }
    }
}

/// One output file.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportFile {
    /// Path relative to the output folder (`azuredeploy.json`,
    /// `orders/workflow.json`).
    pub path: PathBuf,
    /// Its content.
    pub value: Value,
}

/// The result of an export: files (the main one first) and what could not
/// be carried over.
#[derive(Debug, Clone, PartialEq)]
pub struct Export {
    /// The target.
    pub target: Target,
    /// The files; the first is the main one (definition, template,
    /// `workflow.json`).
    pub files: Vec<ExportFile>,
    /// One sentence each.
    pub warnings: Vec<String>,
}

/// Why an export was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum ExportError {
    /// Secrets in clear: nothing is written until they are moved out.
    Secrets(Vec<Finding>),
    /// A bad option or an unusable workflow.
    Invalid(String),
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExportError::Secrets(list) => {
                write!(f, "{} secret(s) in clear: ", list.len())?;
                let parts: Vec<String> = list.iter().map(Finding::describe).collect();
                f.write_str(&parts.join("; "))
            }
            ExportError::Invalid(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for ExportError {}

/// The findings that block exporting workflow `workflow` of `doc` to
/// `target`: those of the workflow, and for an ARM template written from an
/// ARM template, those of the template's own parameters.
pub fn blocking_findings(doc: &Document, workflow: usize, target: Target) -> Vec<Finding> {
    blocking_findings_with(doc, workflow, target, None)
}

/// [`blocking_findings`] of a lazily held document: `hole` stands for its
/// top-level actions.
fn blocking_findings_with(
    doc: &Document,
    workflow: usize,
    target: Target,
    hole: scan::Hole<'_>,
) -> Vec<Finding> {
    scan::scan_document_with(doc, hole)
        .into_iter()
        .filter(|f| match f.kind {
            FindingKind::TemplateSecureDefault => target == Target::Arm,
            _ => f.workflow == workflow,
        })
        .collect()
}

/// Builds the files of an export of workflow `workflow` of `doc`. Refuses
/// with [`ExportError::Secrets`] when a secret is in clear.
pub fn export(doc: &Document, workflow: usize, spec: &ExportSpec) -> Result<Export, ExportError> {
    check_index(doc, workflow)?;
    let findings = blocking_findings(doc, workflow, spec.target());
    if !findings.is_empty() {
        return Err(ExportError::Secrets(findings));
    }
    let mut warnings = Vec::new();
    let files = build_files(&Source::new(doc, workflow), spec, &mut warnings, None)?;
    Ok(Export {
        target: spec.target(),
        files,
        warnings,
    })
}

/// Refuses a workflow index the document does not have.
fn check_index(doc: &Document, workflow: usize) -> Result<(), ExportError> {
    if workflow >= doc.workflows.len() {
        return Err(ExportError::Invalid(format!(
            "no workflow {} in the file (it holds {})",
            workflow + 1,
            doc.workflows.len()
        )));
    }
    Ok(())
}

/// The files of an export of `source` (its secrets already checked);
/// `lazy`: what the top-level actions of a lazily held workflow gave.
fn build_files(
    source: &Source,
    spec: &ExportSpec,
    warnings: &mut Vec<String>,
    lazy: Option<&stream::ActionFacts>,
) -> Result<Vec<ExportFile>, ExportError> {
    Ok(match spec {
        ExportSpec::Definition => {
            let mut def = source.definition.as_ref().clone();
            source.warn_left_out(Target::Definition, warnings);
            strip_literal_secure_defaults(&mut def);
            let name = file_stem_name(&source.name, "workflow");
            vec![ExportFile {
                path: PathBuf::from(format!("{name}.json")),
                value: def,
            }]
        }
        ExportSpec::Arm(opts) => arm::build(source, opts, warnings, lazy)?,
        ExportSpec::Standard(opts) => {
            source.warn_left_out(Target::Standard, warnings);
            standard::build(source, opts, warnings, lazy)?
        }
    })
}

/// [`export`] of a document the caller gives away (`lapis export`): the
/// bare definition is then moved out of it rather than copied, so a large
/// workflow is held once. Other targets export as [`export`] does.
pub fn export_owned(
    mut doc: Document,
    workflow: usize,
    spec: &ExportSpec,
) -> Result<Export, ExportError> {
    if !matches!(spec, ExportSpec::Definition) || workflow >= doc.workflows.len() {
        return export(&doc, workflow, spec);
    }
    let findings = blocking_findings(&doc, workflow, spec.target());
    if !findings.is_empty() {
        return Err(ExportError::Secrets(findings));
    }
    let mut warnings = Vec::new();
    let (name, unescaped) = {
        let source = Source::new(&doc, workflow);
        source.warn_left_out(Target::Definition, &mut warnings);
        let name = file_stem_name(&source.name, "workflow");
        let unescaped = match source.definition {
            std::borrow::Cow::Owned(v) => Some(v),
            std::borrow::Cow::Borrowed(_) => None,
        };
        (name, unescaped)
    };
    // The document is not used again: its definition becomes the file.
    let mut def = match unescaped {
        Some(v) => v,
        None => {
            let ptr = doc.workflows[workflow].definition_pointer.clone();
            doc.root
                .pointer_mut(&ptr)
                .map(std::mem::take)
                .unwrap_or_default()
        }
    };
    strip_literal_secure_defaults(&mut def);
    Ok(Export {
        target: Target::Definition,
        files: vec![ExportFile {
            path: PathBuf::from(format!("{name}.json")),
            value: def,
        }],
        warnings,
    })
}

/// The workflow being exported, read once.
pub(crate) struct Source<'a> {
    doc: &'a Document,
    /// The workflow's name in the document.
    name: String,
    /// The definition, ARM escaping removed: the document's own (no copy)
    /// unless it came from an ARM template or resource.
    definition: std::borrow::Cow<'a, Value>,
    /// For ARM sources: pointers (in `definition`) of the strings that are
    /// ARM template expressions.
    arm_expressions: Vec<String>,
    /// For ARM sources: the workflow resource.
    resource: Option<&'a Value>,
}

impl<'a> Source<'a> {
    fn new(doc: &'a Document, i: usize) -> Source<'a> {
        let own = doc
            .root
            .pointer(&doc.workflows[i].definition_pointer)
            .expect("workflow locations always point at definitions");
        let mut definition = std::borrow::Cow::Borrowed(own);
        let mut exprs = Vec::new();
        let mut resource = None;
        if matches!(doc.container, Container::Arm | Container::Resource) {
            arm_expressions(own, "", &mut exprs);
            arm_escape(definition.to_mut(), false);
            let ptr = doc.workflows[i]
                .definition_pointer
                .trim_end_matches("/properties/definition");
            resource = doc.root.pointer(ptr);
        }
        Source {
            doc,
            name: resolved_name(doc, &doc.workflows[i].name),
            definition,
            arm_expressions: exprs,
            resource,
        }
    }

    fn is_arm(&self) -> bool {
        self.doc.container == Container::Arm
    }

    /// Warnings for what a definition or Standard file cannot carry of an
    /// ARM source.
    fn warn_left_out(&self, to: Target, warnings: &mut Vec<String>) {
        if !self.arm_expressions.is_empty() {
            warnings.push(format!(
                "{} value(s) are ARM template expressions that only the template resolves (first at {}); they are kept as written",
                self.arm_expressions.len(),
                self.arm_expressions[0]
            ));
        }
        let to_name = match to {
            Target::Definition => "definition",
            Target::Arm => "arm",
            Target::Standard => "standard",
        };
        if let Some(props) = self.resource.and_then(|r| r.get("properties")) {
            for (key, what) in [
                (
                    "parameters",
                    "the workflow parameter values (`properties.parameters`)",
                ),
                (
                    "accessControl",
                    "the access control (`properties.accessControl`)",
                ),
                ("integrationAccount", "the integration account link"),
            ] {
                if props
                    .get(key)
                    .is_some_and(|v| v.as_object().is_none_or(|o| !o.is_empty()))
                {
                    warnings.push(format!(
                        "left out: {what} of the ARM resource, which a {to_name} file has no place for",
                    ));
                }
            }
        }
    }
}

/// What the source document says of the workflow being exported: its
/// name, Standard kind and ARM state. The designer's Export dialog starts
/// from these, so an export with no change keeps them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceDefaults {
    /// A Standard `workflow.json`: its folder's name; an ARM template or
    /// resource: the workflow resource's name (a `[parameters('x')]` name
    /// resolved to the default of `x`, else the `logicAppName` parameter's
    /// default); else the file's stem.
    pub name: String,
    /// A Standard file whose `kind` is `Stateless`.
    pub stateless: bool,
    /// An ARM resource whose `properties.state` is `Disabled`.
    pub disabled: bool,
}

impl SourceDefaults {
    /// Reads them from workflow `wf` of `doc`.
    pub fn read(doc: &Document, wf: usize) -> SourceDefaults {
        use crate::workflow::model::is_arm_expression;
        let literal = |v: Option<&Value>| {
            v.and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty() && !is_arm_expression(s))
                .map(str::to_owned)
        };
        let template_default =
            |p: &str| literal(doc.root.pointer(&format!("/parameters/{p}/defaultValue")));
        let file_stem = || {
            let stem = doc
                .path
                .as_deref()
                .and_then(|p| p.file_stem())
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let s = folder_safe(&stem);
            if s.is_empty() {
                "workflow".to_owned()
            } else {
                s
            }
        };
        let loc_name = doc.workflows.get(wf).map(|w| w.name.as_str()).unwrap_or("");
        let resource = match doc.container {
            Container::Arm | Container::Resource => doc.workflows.get(wf).and_then(|w| {
                doc.root.pointer(
                    w.definition_pointer
                        .trim_end_matches("/properties/definition"),
                )
            }),
            _ => None,
        };
        let name = match doc.container {
            // The loader names a Standard workflow after its folder
            // (`orders/workflow.json` → `orders`).
            Container::Standard => Some(folder_safe(loc_name)).filter(|s| !s.is_empty()),
            Container::Arm | Container::Resource => {
                // The same resolution as the export's own (`resolved_name`).
                resource
                    .and_then(|r| r.get("name"))
                    .and_then(Value::as_str)
                    .map(|n| resolved_name(doc, n.trim()))
                    .filter(|n| !n.is_empty() && !is_arm_expression(n))
                    .or_else(|| template_default("logicAppName"))
            }
            Container::Definition => None,
        }
        .unwrap_or_else(file_stem);
        let stateless = doc.container == Container::Standard
            && doc
                .root
                .get("kind")
                .and_then(Value::as_str)
                .is_some_and(|k| k.eq_ignore_ascii_case("stateless"));
        let disabled = resource
            .and_then(|r| r.pointer("/properties/state"))
            .and_then(Value::as_str)
            .is_some_and(|s| s.eq_ignore_ascii_case("disabled"));
        SourceDefaults {
            name,
            stateless,
            disabled,
        }
    }
}

/// `s` with every character a folder name cannot carry in a Standard
/// project (anything but letters, digits, `-` and `_`) made `-`.
fn folder_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect::<String>()
        .trim_matches('-')
        .to_owned()
}

/// A resource name `[parameters('x')]` resolved to the literal default of
/// template parameter `x`, when it has one.
fn resolved_name(doc: &Document, name: &str) -> String {
    let inner = name
        .strip_prefix("[parameters('")
        .and_then(|r| r.strip_suffix("')]"));
    if let Some(p) = inner {
        if let Some(d) = doc
            .root
            .get("parameters")
            .and_then(|ps| ps.get(p))
            .and_then(|d| d.get("defaultValue"))
            .and_then(Value::as_str)
        {
            if !d.is_empty() && !model::is_arm_expression(d) {
                // `[[x]` in a template is the literal `[x]`.
                let mut v = Value::String(d.to_owned());
                arm_escape(&mut v, false);
                return v.as_str().unwrap_or(d).to_owned();
            }
        }
    }
    name.to_owned()
}

/// A name usable as a file or folder name: letters, digits, `-`, `_`, `.`;
/// `fallback` for an ARM expression or an empty name.
fn file_stem_name(name: &str, fallback: &str) -> String {
    if name.is_empty() || model::is_arm_expression(name) {
        return fallback.to_owned();
    }
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let s = s.trim_matches('_').to_owned();
    if s.is_empty() {
        fallback.to_owned()
    } else {
        s
    }
}

fn param_type(decl: &Value) -> ParamType {
    ParamType::parse(decl.get("type").and_then(Value::as_str).unwrap_or(""))
}

/// Removes the default value of every secure parameter (what no export
/// carries): the form in which to compare an original definition with one
/// read back by [`import`].
pub fn strip_secure_defaults(definition: &Value) -> Value {
    let mut d = definition.clone();
    if let Some(Value::Object(params)) = d.get_mut("parameters") {
        for p in params.values_mut() {
            if param_type(p).is_secure() {
                if let Some(o) = p.as_object_mut() {
                    o.remove("defaultValue");
                }
            }
        }
    }
    d
}

/// Removes the literal default values of secure parameters (after the scan,
/// only empty ones can be left); expressions such as `@appsetting('…')`
/// stay.
fn strip_literal_secure_defaults(definition: &mut Value) {
    if let Some(Value::Object(params)) = definition.get_mut("parameters") {
        for p in params.values_mut() {
            if !param_type(p).is_secure() {
                continue;
            }
            if let Some(o) = p.as_object_mut() {
                let keep = o
                    .get("defaultValue")
                    .and_then(Value::as_str)
                    .is_some_and(model::is_wdl_expression);
                if !keep {
                    o.remove("defaultValue");
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

/// What [`write_report`] did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Written {
    /// The files written (new, replaced or merged), in export order.
    pub paths: Vec<PathBuf>,
    /// Files of an existing project kept as they were, keys merged or
    /// replaced: one sentence each, names only (never a value).
    pub notes: Vec<String>,
}

/// Writes an export; see [`write_report`]. Returns the paths written.
pub fn write(export: &Export, out: &Path) -> std::io::Result<Vec<PathBuf>> {
    write_report(export, out).map(|w| w.paths)
}

/// Writes an export. `out` is a folder (each file at its relative path,
/// folders created), or — when it names a `.json` file that is not an
/// existing folder — the path of the main file, the others beside it (a
/// file named after the main one's stem takes `out`'s stem:
/// `azuredeploy.parameters.json` beside `prod.json` becomes
/// `prod.parameters.json`). Every file is written atomically, in Lapis's
/// format (two spaces, LF).
///
/// A Standard export into a folder that already holds a project keeps what
/// is there: an existing `local.settings.json` (real settings, maybe
/// secrets) and `host.json` are never touched; the export's entries are
/// merged into an existing `parameters.json` and `connections.json` (the
/// existing ones are kept, unless the export defines the same name), each
/// written in the file's own format. Every existing file is read before
/// anything is written: one that cannot be read stops the export whole.
/// [`Written::notes`] says what was kept, merged and replaced.
pub fn write_report(export: &Export, out: &Path) -> std::io::Result<Written> {
    write_report_with(export, out, None)
}

/// [`write_report`] where the main file's value at `hole.0` (a pointer)
/// is written as the object `hole.1`, produced while it is written.
fn write_report_with(
    export: &Export,
    out: &Path,
    hole: Option<(&str, &dyn text::StreamedObject)>,
) -> std::io::Result<Written> {
    let file_mode = !out.is_dir()
        && out
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let mut targets = Vec::new();
    for (k, f) in export.files.iter().enumerate() {
        let path = if !file_mode {
            out.join(&f.path)
        } else if k == 0 {
            out.to_owned()
        } else {
            let dir = out.parent().unwrap_or(Path::new(""));
            let main_stem = export.files[0]
                .path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("");
            let out_stem = out.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            let name = f.path.to_string_lossy();
            match name.strip_prefix(&format!("{main_stem}.")) {
                Some(rest) if !main_stem.is_empty() => dir.join(format!("{out_stem}.{rest}")),
                _ => dir.join(&f.path),
            }
        };
        targets.push(path);
    }
    // Plan every file (reading what is there) before writing any.
    let mut written = Written::default();
    // A new file is rendered straight into its temporary file when it is
    // written (a large definition is never held as one text); a merged one
    // is computed here, from what was read.
    let mut plan = Vec::new();
    for (k, (f, path)) in export.files.iter().zip(&targets).enumerate() {
        let streamed = k == 0 && hole.is_some();
        let bytes = if streamed {
            if export.target == Target::Standard && path.is_file() {
                // What `merge_existing` says of a replaced workflow.json.
                written.notes.push(standard::replaced_note(path));
            }
            Some(None)
        } else if export.target == Target::Standard && path.is_file() {
            // `None`: the existing file is kept as it is.
            standard::merge_existing(f, path, &mut written.notes)?.map(Some)
        } else {
            Some(None)
        };
        if let Some(b) = bytes {
            plan.push((path, &f.value, b, streamed));
        }
    }
    for (path, value, bytes, streamed) in plan {
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)?;
            }
        }
        match (bytes, hole.filter(|_| streamed)) {
            (Some(b), _) => text::write_atomic(path, &b)?,
            (None, Some((pointer, object))) => {
                let stub = value.pointer(pointer).ok_or_else(|| {
                    std::io::Error::other(format!("the export has no `{pointer}` to write"))
                })?;
                text::write_atomic_with(path, |w| {
                    text::render_to_streamed(value, &TextFormat::default(), w, stub, object)
                })?
            }
            (None, None) => text::write_atomic_with(path, |w| {
                text::render_to(value, &TextFormat::default(), w)
            })?,
        }
        written.paths.push(path.clone());
    }
    Ok(written)
}

// ---------------------------------------------------------------------------
// Import
// ---------------------------------------------------------------------------

/// Options of [`import`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportOptions {
    /// Which workflow: of an ARM template (name or 1-based index), or of a
    /// Standard project folder (the workflow's folder name).
    pub workflow: Option<String>,
    /// An ARM parameters file or a Standard `parameters.json`; `None`: the
    /// one beside the file (`<stem>.parameters.json`,
    /// `azuredeploy.parameters.json`; `parameters.json` in the project
    /// folder), if any.
    pub parameters_file: Option<PathBuf>,
}

/// A workflow read back from an output of [`export`] (or any workflow file).
#[derive(Debug, Clone)]
pub struct Imported {
    /// The file as loaded; for Standard, with the parameters of
    /// `parameters.json` put back into the definition.
    pub document: Document,
    /// Which workflow of the document.
    pub workflow: usize,
    /// Its definition with ARM escaping removed: what was exported.
    pub definition: Value,
    /// The parameters file that was read, if any.
    pub parameters_file: Option<PathBuf>,
    /// Plain values of the parameters file, by parameter name (Key Vault
    /// references and app settings are left out); for an ARM template,
    /// also the literal default values of the template parameters the file
    /// does not set (`[[x]` read as `[x]`).
    pub parameter_values: Map<String, Value>,
    /// What could not be read back, one sentence each.
    pub warnings: Vec<String>,
}

/// Reads back a definition file, an ARM template (and its parameters file),
/// or a Standard project folder, workflow folder or `workflow.json` (and the
/// project's `parameters.json`).
pub fn import(path: &Path, options: &ImportOptions) -> Result<Imported, String> {
    let read = import_document(path, options)?;
    let mut definition = Value::Object(read.document.definition(read.workflow).clone());
    if matches!(
        read.document.container,
        Container::Arm | Container::Resource
    ) {
        arm_escape(&mut definition, false);
    }
    Ok(Imported {
        document: read.document,
        workflow: read.workflow,
        definition,
        parameters_file: read.parameters_file,
        parameter_values: read.parameter_values,
        warnings: read.warnings,
    })
}

/// [`import`] without [`Imported::definition`], a second copy of the whole
/// definition that a caller who only exports the document (`lapis export`)
/// does not need: large workflows are then held once.
#[derive(Debug, Clone)]
pub struct ImportedDocument {
    /// See [`Imported::document`].
    pub document: Document,
    /// See [`Imported::workflow`].
    pub workflow: usize,
    /// See [`Imported::parameters_file`].
    pub parameters_file: Option<PathBuf>,
    /// See [`Imported::parameter_values`].
    pub parameter_values: Map<String, Value>,
    /// See [`Imported::warnings`].
    pub warnings: Vec<String>,
}

/// Reads a file back as [`import`] does, without copying its definition.
pub fn import_document(path: &Path, options: &ImportOptions) -> Result<ImportedDocument, String> {
    let (file, chosen_by_folder) = import_file(path, options)?;
    let document = Document::load(&file).map_err(|e| e.to_string())?;
    finish_import(document, &file, chosen_by_folder, options)
}

/// The workflow file an import reads, and whether a folder chose it.
fn import_file(path: &Path, options: &ImportOptions) -> Result<(PathBuf, bool), String> {
    Ok(if path.is_dir() {
        (
            standard::find_workflow_file(path, options.workflow.as_deref())?,
            true,
        )
    } else {
        (path.to_owned(), false)
    })
}

/// [`import_document`] once the file is loaded.
fn finish_import(
    mut document: Document,
    file: &Path,
    chosen_by_folder: bool,
    options: &ImportOptions,
) -> Result<ImportedDocument, String> {
    let workflow = if chosen_by_folder {
        0
    } else {
        document
            .select(options.workflow.as_deref())
            .map_err(|e| format!("{}: {e}", file.display()))?
    };
    let mut warnings = Vec::new();
    let mut parameter_values = Map::new();
    let mut parameters_file = None;
    match document.container {
        Container::Standard => {
            let pfile = options
                .parameters_file
                .clone()
                .or_else(|| standard::find_parameters_file(file));
            if let Some(pf) = pfile {
                let restored = standard::restore_parameters(&mut document, &pf, &mut warnings)?;
                parameter_values = restored;
                parameters_file = Some(pf);
            }
        }
        Container::Arm => {
            let pfile = options
                .parameters_file
                .clone()
                .or_else(|| arm::find_parameters_file(file));
            if let Some(pf) = pfile {
                parameter_values = arm::read_parameters_file(&pf, &mut warnings)?;
                parameters_file = Some(pf);
            }
            // What the file does not set: the template's literal defaults
            // (template escaping undone); expressions are left out.
            for (k, v) in arm::literal_defaults(&document.root) {
                parameter_values.entry(k).or_insert(v);
            }
        }
        _ => {}
    }
    Ok(ImportedDocument {
        document,
        workflow,
        parameters_file,
        parameter_values,
        warnings,
    })
}

/// Reads a JSON file (any encoding Lapis reads, comments allowed).
fn read_json_file(path: &Path) -> Result<Value, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let source = text::read_source(&bytes).map_err(|e| format!("{}:{e}", path.display()))?;
    text::parse_json(&source.json).map_err(|e| format!("{}:{e}", path.display()))
}
