//! The workflow document: load and save of the three container formats
//! (bare definition, Consumption ARM template, Standard `workflow.json`),
//! typed views of its parts, and its outline.
//!
//! The document keeps the whole file as a `serde_json::Value` built with
//! `preserve_order` and `arbitrary_precision`. Everything the typed views do
//! not know stays where it was, keys keep their order and numbers keep their
//! digits, so load → save with no edit gives back the same JSON.

pub mod access;
pub mod condition;
pub mod diff;
pub mod edit;
pub mod jsonc;
pub mod lazy;
pub mod lines;
pub mod manifest;
pub mod model;
pub mod oauth_check;
pub mod preserve;
pub mod project;
pub mod reach;
pub mod schema;
pub mod stale;
pub mod template;
pub mod text;
pub mod tree;

use serde_json::{json, Map, Value};
use std::fmt;
use std::path::{Path, PathBuf};
use text::{TextError, TextFormat};
pub use tree::{Outline, ShapeError};

/// The kind of file a workflow lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Container {
    /// A bare definition: `{"$schema", "triggers", "actions", …}`.
    Definition,
    /// A Consumption ARM template with `Microsoft.Logic/workflows` resources.
    Arm,
    /// A Standard `workflow.json`, `{"definition", "kind"}` (also the
    /// `{"definition", "parameters"}` wrapper the portal's code view shows).
    Standard,
    /// A single resource object with `properties.definition`, such as a
    /// gallery template (`Microsoft.Logic/galleries/templates`).
    Resource,
}

impl Container {
    /// The lowercase name, as the command line and JSON output spell it.
    pub fn name(self) -> &'static str {
        match self {
            Container::Definition => "definition",
            Container::Arm => "arm",
            Container::Standard => "standard",
            Container::Resource => "resource",
        }
    }
}

/// Where one workflow's definition sits in the file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WorkflowLoc {
    /// The resource name (possibly an ARM expression), or the file's name.
    pub name: String,
    /// JSON pointer to the definition object.
    pub definition_pointer: String,
    /// Parts computed by ARM template expressions: shown, validated, but
    /// not editable (the file keeps the expression).
    pub read_only: Vec<ReadOnly>,
}

/// A part of a workflow that a template expression computes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReadOnly {
    /// JSON pointer of the part (everything below it is read-only too).
    pub pointer: String,
    /// Why, as a sentence for the banner.
    pub reason: String,
    /// True when the part is a stand-in for what could not be evaluated.
    pub placeholder: bool,
}

impl WorkflowLoc {
    /// A workflow with nothing read-only.
    pub fn new(name: impl Into<String>, definition_pointer: impl Into<String>) -> WorkflowLoc {
        WorkflowLoc {
            name: name.into(),
            definition_pointer: definition_pointer.into(),
            read_only: Vec::new(),
        }
    }

    /// The read-only part that holds `pointer`, if any.
    pub fn read_only_at(&self, pointer: &str) -> Option<&ReadOnly> {
        self.read_only.iter().find(|r| {
            pointer == r.pointer
                || (pointer.starts_with(&r.pointer)
                    && pointer.as_bytes().get(r.pointer.len()) == Some(&b'/'))
        })
    }

    /// One line for the designer's banner, when something is read-only.
    pub fn banner(&self) -> Option<String> {
        match self.read_only.as_slice() {
            [] => None,
            [one] => Some(format!(
                "Read-only part: {} ({}).",
                one.reason, one.pointer
            )),
            [first, rest @ ..] => Some(format!(
                "{} parts are read-only because the ARM template computes them: {} ({}), and {} more.",
                rest.len() + 1,
                first.reason,
                first.pointer,
                rest.len()
            )),
        }
    }
}

/// A loaded file.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The file it was loaded from; `None` for a new document.
    pub path: Option<PathBuf>,
    /// The file's appearance, kept on save.
    pub format: TextFormat,
    /// The kind of file.
    pub container: Container,
    /// The whole file.
    pub root: Value,
    /// The workflows found in it (several only in ARM templates).
    pub workflows: Vec<WorkflowLoc>,
    /// The template text of the parts computed by ARM expressions
    /// (pointer, original value): `root` holds their values, a save puts
    /// the text back.
    pub template_text: Vec<(String, Value)>,
    /// The Standard project around a `workflow.json`, when there is one.
    pub project: Option<project::Project>,
    /// The text and value the file was loaded with: a save patches it, so
    /// only what changed is rewritten. `None` for a new document.
    pub base: Option<std::sync::Arc<preserve::Base>>,
}

/// Why a file could not be loaded. Displays as one line:
/// `file:line:column: message`.
#[derive(Debug)]
pub enum LoadError {
    /// The file could not be read.
    Io {
        /// The file.
        path: PathBuf,
        /// The error from the operating system.
        error: std::io::Error,
    },
    /// The text is not a workflow file (bad encoding, JSON or shape).
    Text {
        /// The file, if the bytes came from one.
        path: Option<PathBuf>,
        /// What is wrong, and where.
        error: TextError,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Io { path, error } => write!(f, "{}: {}", path.display(), error),
            LoadError::Text { path, error } => {
                let p = path
                    .as_deref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "<input>".into());
                write!(f, "{p}:{error}")
            }
        }
    }
}

impl std::error::Error for LoadError {}

/// Reads a workflow file and decodes it (encoding, comments, format), as
/// every loader does. The bytes become the text without a copy (a large
/// file would otherwise be in memory twice while it is parsed).
pub(crate) fn read_file_source(path: &Path) -> Result<text::Source, LoadError> {
    let bytes = std::fs::read(path).map_err(|error| LoadError::Io {
        path: path.to_owned(),
        error,
    })?;
    text::read_source_owned(bytes).map_err(|error| LoadError::Text {
        path: Some(path.to_owned()),
        error,
    })
}

impl Document {
    /// Reads and parses a workflow file.
    pub fn load(path: &Path) -> Result<Document, LoadError> {
        Document::from_source(&read_file_source(path)?, Some(path))
    }

    /// Parses the bytes of a workflow file.
    pub fn from_bytes(bytes: &[u8], path: Option<&Path>) -> Result<Document, LoadError> {
        let source = text::read_source(bytes).map_err(|error| LoadError::Text {
            path: path.map(Path::to_owned),
            error,
        })?;
        Document::from_source(&source, path)
    }

    /// Parses a file already decoded by [`text::read_source`]; callers that
    /// also need the JSON text (to locate problems) decode only once.
    pub fn from_source(source: &text::Source, path: Option<&Path>) -> Result<Document, LoadError> {
        let err = |error: TextError| LoadError::Text {
            path: path.map(Path::to_owned),
            error,
        };
        let json_text = source.json.as_str();
        let format = source.format.clone();
        let root = text::parse_json(json_text).map_err(err)?;
        if let Some(e) = text::find_duplicate_key_in(json_text, &root) {
            return Err(err(e));
        }
        let mut doc = Document::from_value_with(root, format, path).map_err(|e| {
            let (line, column) = text::locate_pointer(json_text, &e.pointer);
            err(TextError {
                line,
                column,
                message: e.message,
            })
        })?;
        doc.path = path.map(Path::to_owned);
        // The text is copied only once the document is known to be good.
        let base = preserve::Base::new(
            source
                .commented
                .clone()
                .unwrap_or_else(|| source.json.clone()),
        );
        doc.base = Some(std::sync::Arc::new(base));
        if doc.container == Container::Standard {
            if let Some(p) = path {
                doc.project = project::Project::around(p);
            }
        }
        Ok(doc)
    }

    /// Wraps a JSON value as a new document (new files get two spaces).
    pub fn from_value(root: Value) -> Result<Document, ShapeError> {
        Document::from_value_with(root, TextFormat::default(), None)
    }

    fn from_value_with(
        root: Value,
        format: TextFormat,
        path: Option<&Path>,
    ) -> Result<Document, ShapeError> {
        let (container, workflows, computed) = detect_container(&root, path)?;
        let mut root = root;
        let mut template_text = Vec::new();
        for c in computed {
            if let Some(slot) = root.pointer_mut(&c.pointer) {
                template_text.push((c.pointer, std::mem::replace(slot, c.value)));
            }
        }
        let doc = Document {
            path: None,
            format,
            container,
            root,
            workflows,
            template_text,
            project: None,
            base: None,
        };
        for i in 0..doc.workflows.len() {
            doc.outline(i)?;
        }
        Ok(doc)
    }

    /// A new, empty bare definition.
    pub fn new_definition() -> Document {
        Document::from_value(empty_definition()).expect("an empty definition is well formed")
    }

    /// The definition of workflow `i`.
    pub fn definition(&self, i: usize) -> &Map<String, Value> {
        self.root
            .pointer(&self.workflows[i].definition_pointer)
            .and_then(Value::as_object)
            .expect("workflow locations always point at objects")
    }

    /// The definition of workflow `i`, for editing.
    pub fn definition_mut(&mut self, i: usize) -> &mut Map<String, Value> {
        let p = self.workflows[i].definition_pointer.clone();
        self.root
            .pointer_mut(&p)
            .and_then(Value::as_object_mut)
            .expect("workflow locations always point at objects")
    }

    /// The outline (triggers and actions, flattened) of workflow `i`.
    pub fn outline(&self, i: usize) -> Result<Outline, ShapeError> {
        Outline::build(self.definition(i), &self.workflows[i].definition_pointer)
    }

    /// Chooses a workflow by name (or 1-based index); with no name, the file
    /// must hold exactly one.
    pub fn select(&self, name: Option<&str>) -> Result<usize, String> {
        let names = || {
            short_list(
                self.workflows
                    .iter()
                    .enumerate()
                    .map(|(i, w)| format!("{}: {}", i + 1, w.name)),
            )
        };
        match name {
            None if self.workflows.len() == 1 => Ok(0),
            None => Err(format!(
                "the file holds {} workflows; choose one with --workflow NAME ({})",
                self.workflows.len(),
                names()
            )),
            Some(n) => {
                if let Some(i) = self.workflows.iter().position(|w| w.name == n) {
                    return Ok(i);
                }
                if let Ok(k) = n.parse::<usize>() {
                    if (1..=self.workflows.len()).contains(&k) {
                        return Ok(k - 1);
                    }
                }
                Err(format!("no workflow named `{n}` in the file ({})", names()))
            }
        }
    }

    /// The file's bytes as a save writes them: the loaded text with only
    /// the changed spans rewritten (comments, blank lines and spellings
    /// kept), or, for a new document, the value in its format.
    pub fn to_bytes(&self) -> Vec<u8> {
        let value = self.file_value();
        if let Some(base) = &self.base {
            if let Ok(t) = preserve::patch(base, &value, &self.format) {
                return text::encode(&t, self.format.encoding);
            }
        }
        text::render(&value, &self.format)
    }

    /// The file's bytes in Lapis's stable format (what `lapis fmt`
    /// writes): the value rendered anew in the file's indentation, encoding
    /// and line endings. Comments are not kept.
    pub fn to_formatted_bytes(&self) -> Vec<u8> {
        text::render(&self.file_value(), &self.format)
    }

    /// Makes `bytes` (just written) the base the next save patches.
    pub fn rebase(&mut self, bytes: &[u8]) {
        if let Ok(src) = text::read_source(bytes) {
            if let Ok(value) = text::parse_json(&src.json) {
                self.base = Some(std::sync::Arc::new(preserve::Base::with_value(
                    src.commented.unwrap_or(src.json),
                    value,
                )));
            }
        }
    }

    /// The file's JSON: `root` with the template text of computed parts
    /// put back.
    pub fn file_value(&self) -> std::borrow::Cow<'_, Value> {
        if self.template_text.is_empty() {
            return std::borrow::Cow::Borrowed(&self.root);
        }
        let mut v = self.root.clone();
        for (p, original) in &self.template_text {
            if let Some(slot) = v.pointer_mut(p) {
                *slot = original.clone();
            }
        }
        std::borrow::Cow::Owned(v)
    }

    /// The read-only part of workflow `i` that holds `pointer`, if any.
    pub fn read_only_at(&self, i: usize, pointer: &str) -> Option<&ReadOnly> {
        self.workflows.get(i)?.read_only_at(pointer)
    }

    /// Why an edit of the value at `pointer` in workflow `i` is refused: it
    /// lies inside a part the template computes, or holds one (deleting,
    /// moving or renaming it would lose the template text). `None` when
    /// the edit is free.
    pub fn read_only_conflict(&self, i: usize, pointer: &str) -> Option<&ReadOnly> {
        let w = self.workflows.get(i)?;
        w.read_only_at(pointer).or_else(|| {
            w.read_only.iter().find(|r| {
                r.pointer.starts_with(pointer)
                    && r.pointer.as_bytes().get(pointer.len()) == Some(&b'/')
            })
        })
    }

    /// The pointers an edit touches, for [`Document::read_only_conflict`].
    pub fn edit_pointers(edit: &edit::Edit) -> Vec<&str> {
        use edit::Edit as E;
        match edit {
            E::Set { pointer, .. }
            | E::Remove { pointer }
            | E::DeleteAction { pointer }
            | E::DuplicateAction { pointer }
            | E::RenameAction { pointer, .. }
            | E::SetRunAfter { pointer, .. }
            | E::ReplaceTrigger { pointer, .. } => vec![pointer],
            E::AddTrigger { definition, .. } => vec![definition],
            // Renaming rewrites references anywhere in the definition.
            E::RenameParameter { definition, .. } => vec![definition],
            E::MoveAction {
                pointer, container, ..
            } => vec![pointer, container],
            E::MoveTo {
                pointer, container, ..
            } => vec![pointer, container],
            E::AddAction { container, .. }
            | E::InsertAction { container, .. }
            | E::Paste { container, .. } => vec![container],
            E::Batch { edits, .. } => edits.iter().flat_map(Document::edit_pointers).collect(),
        }
    }

    /// What the template says about workflow `i` now (an ARM template
    /// only): its resource, the values it passes, the scalar expressions of
    /// the definition and their values.
    pub fn template_view(&self, i: usize) -> Option<template::FoundWorkflow> {
        if self.container != Container::Arm {
            return None;
        }
        let w = self.workflows.get(i)?;
        let mut found = template::find_workflows(&self.root)
            .ok()?
            .into_iter()
            .find(|f| f.definition_pointer == w.definition_pointer)?;
        found.scalars.retain(|(p, _)| w.read_only_at(p).is_none());
        Some(found)
    }

    /// The root and outline validation reads for workflow `i`: in an ARM
    /// template, the scalar template expressions of the definition are
    /// replaced by their values (with the default parameter values and
    /// placeholders for the subscription and resource group); elsewhere
    /// the document itself.
    pub fn evaluated(
        &self,
        i: usize,
    ) -> Result<(std::borrow::Cow<'_, Value>, Outline), ShapeError> {
        let Some(view) = self.template_view(i).filter(|v| !v.scalars.is_empty()) else {
            return Ok((std::borrow::Cow::Borrowed(&self.root), self.outline(i)?));
        };
        let mut root = self.root.clone();
        for (p, v) in view.scalars {
            if let Some(slot) = root.pointer_mut(&p) {
                *slot = v;
            }
        }
        let p = &self.workflows[i].definition_pointer;
        let outline = match root.pointer(p).and_then(Value::as_object) {
            Some(def) => Outline::build(def, p),
            None => self.outline(i),
        };
        // A value that breaks the outline (say, a computed `runAfter`
        // that is not an object) falls back to the template text.
        match outline {
            Ok(o) => Ok((std::borrow::Cow::Owned(root), o)),
            Err(_) => Ok((std::borrow::Cow::Borrowed(&self.root), self.outline(i)?)),
        }
    }

    /// What a save will not keep, to tell the user before writing.
    pub fn save_warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        if self.format.had_comments && self.base.is_none() {
            w.push("the file has comments, which JSON cannot keep: saving removes them".into());
        }
        w
    }

    /// Saves to `path` atomically in the document's format.
    pub fn save_to(&self, path: &Path) -> std::io::Result<()> {
        text::write_atomic(path, &self.to_bytes())
    }

    /// The name of the folder or file, used to name workflows.
    fn default_name(path: Option<&Path>) -> String {
        let Some(p) = path else {
            return "workflow".into();
        };
        let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or("workflow");
        if stem.eq_ignore_ascii_case("workflow") {
            if let Some(dir) = p
                .parent()
                .and_then(|d| d.file_name())
                .and_then(|d| d.to_str())
            {
                return dir.to_owned();
            }
        }
        stem.to_owned()
    }
}

fn empty_definition() -> Value {
    json!({
        "$schema": DEFINITION_SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": {},
        "triggers": {},
        "actions": {},
        "outputs": {}
    })
}

/// The `$schema` of a workflow definition.
pub const DEFINITION_SCHEMA: &str =
    "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#";
/// The `$schema` of an ARM deployment template.
pub const ARM_SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";

type Detected = (Container, Vec<WorkflowLoc>, Vec<template::Computed>);

fn detect_container(root: &Value, path: Option<&Path>) -> Result<Detected, ShapeError> {
    let Some(obj) = root.as_object() else {
        return Err(ShapeError {
            pointer: String::new(),
            message: format!(
                "expected a JSON object at the top of the file, found {}",
                tree::kind_of(root)
            ),
        });
    };
    let name = || Document::default_name(path);
    if obj.contains_key("resources") {
        let found = template::find_workflows(root)
            .map_err(|(pointer, message)| ShapeError { pointer, message })?;
        if found.is_empty() {
            return Err(ShapeError {
                pointer: "/resources".into(),
                message: "the ARM template has no `Microsoft.Logic/workflows` resource with `properties.definition`".into(),
            });
        }
        let mut locs = Vec::new();
        let mut computed = Vec::new();
        for f in found {
            let mut loc = WorkflowLoc::new(f.name, f.definition_pointer);
            for c in &f.computed {
                loc.read_only.push(ReadOnly {
                    pointer: c.pointer.clone(),
                    reason: c.reason.clone(),
                    placeholder: c.placeholder,
                });
            }
            computed.extend(f.computed);
            locs.push(loc);
        }
        return Ok((Container::Arm, locs, computed));
    }
    if let Some(def) = obj.get("definition") {
        expect_definition(def, "/definition")?;
        return Ok((
            Container::Standard,
            vec![WorkflowLoc::new(name(), "/definition")],
            Vec::new(),
        ));
    }
    if let Some(def) = obj.get("properties").and_then(|p| p.get("definition")) {
        expect_definition(def, "/properties/definition")?;
        let n = obj
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(name);
        return Ok((
            Container::Resource,
            vec![WorkflowLoc::new(n, "/properties/definition")],
            Vec::new(),
        ));
    }
    let schema = obj.get("$schema").and_then(Value::as_str).unwrap_or("");
    if obj.contains_key("triggers")
        || obj.contains_key("actions")
        || schema.to_ascii_lowercase().contains("workflowdefinition")
    {
        return Ok((
            Container::Definition,
            vec![WorkflowLoc::new(name(), "")],
            Vec::new(),
        ));
    }
    Err(ShapeError {
        pointer: String::new(),
        message: "not a Logic Apps workflow: expected a definition (with `triggers` and `actions`), a Standard workflow.json (with `definition`), or an ARM template (with `resources`)".into(),
    })
}

fn expect_definition(def: &Value, pointer: &str) -> Result<(), ShapeError> {
    if def.is_object() {
        Ok(())
    } else {
        Err(ShapeError {
            pointer: pointer.into(),
            message: format!(
                "`definition` must be a JSON object, found {}",
                tree::kind_of(def)
            ),
        })
    }
}

/// Applies ARM's escaping to every string in a value: in a template, a
/// string that starts with `[` and ends with `]` is an expression, so such a
/// literal is written `[[…]`. `escape` adds the extra bracket, otherwise it
/// is removed. Other strings (`[INFO] started`) are left alone, as ARM does.
pub fn arm_escape(v: &mut Value, escape: bool) {
    match v {
        Value::String(s) => {
            if escape && s.starts_with('[') && s.ends_with(']') {
                s.insert(0, '[');
            } else if !escape && s.starts_with("[[") && s.ends_with(']') {
                s.remove(0);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| arm_escape(x, escape)),
        Value::Object(o) => o.values_mut().for_each(|x| arm_escape(x, escape)),
        _ => {}
    }
}

/// JSON pointers of the strings in a value that are ARM expressions.
pub fn arm_expressions(v: &Value, pointer: &str, out: &mut Vec<String>) {
    match v {
        Value::String(s) if model::is_arm_expression(s) => out.push(pointer.to_owned()),
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                arm_expressions(x, &format!("{pointer}/{i}"), out);
            }
        }
        Value::Object(o) => {
            for (k, x) in o {
                arm_expressions(x, &format!("{pointer}/{}", text::escape_pointer(k)), out);
            }
        }
        _ => {}
    }
}

/// How many names a message lists before "and N more".
pub const LIST_AT_MOST: usize = 10;

/// Names joined with ", ", at most [`LIST_AT_MOST`] of them, then "and N
/// more": a file with 20,000 workflows gives a message of one line, not
/// 278 KB.
pub fn short_list<T: fmt::Display>(names: impl IntoIterator<Item = T>) -> String {
    let mut out = String::new();
    let mut more = 0usize;
    for (i, name) in names.into_iter().enumerate() {
        if i >= LIST_AT_MOST {
            more += 1;
            continue;
        }
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&name.to_string());
    }
    if more > 0 {
        out.push_str(&format!(" and {more} more"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_the_three_containers() {
        let bare = json!({"$schema": DEFINITION_SCHEMA, "triggers": {}, "actions": {}});
        let std = json!({"definition": bare.clone(), "kind": "Stateful"});
        let arm = json!({"resources": [
            {"type": "Microsoft.Web/connections", "name": "c"},
            {"type": "microsoft.logic/workflows", "name": "a", "properties": {"definition": bare.clone()}},
            {"type": "Microsoft.Logic/workflows", "name": "b", "properties": {"definition": bare.clone()}}
        ]});
        assert_eq!(
            Document::from_value(bare).unwrap().container,
            Container::Definition
        );
        assert_eq!(
            Document::from_value(std).unwrap().container,
            Container::Standard
        );
        let d = Document::from_value(arm).unwrap();
        assert_eq!(d.container, Container::Arm);
        assert_eq!(d.workflows.len(), 2);
        assert_eq!(d.select(Some("b")), Ok(1));
        assert_eq!(d.select(Some("1")), Ok(0));
        assert!(d.select(None).unwrap_err().contains("2 workflows"));
    }

    #[test]
    fn wrong_shapes_are_located() {
        let src = b"{\n  \"triggers\": {},\n  \"actions\": {\n    \"A\": {\"type\": \"Compose\", \"runAfter\": []}\n  }\n}";
        let e = Document::from_bytes(src, Some(Path::new("w.json"))).unwrap_err();
        assert_eq!(
            e.to_string(),
            "w.json:4:30: runAfter of `A` must be an object, found an array"
        );
        for (src, at, msg) in [
            (
                r#"{"actions": {"If1": {"type": "If", "else": "s"}}}"#,
                "1:36",
                "`else` must be a JSON object, found a string",
            ),
            (
                r#"{"actions": {"S": {"type": "switch", "cases": {"a": 5}}}}"#,
                "1:48",
                "`cases/a` must be a JSON object, found a number",
            ),
            (
                r#"{"actions": {"S": {"type": "Switch", "cases": ["a"]}}}"#,
                "1:38",
                "`cases` must be a JSON object, found an array",
            ),
            (
                r#"{"actions": {"S": {"type": "Switch", "default": 5}}}"#,
                "1:38",
                "`default` must be a JSON object, found a number",
            ),
        ] {
            let e = Document::from_bytes(src.as_bytes(), None).unwrap_err();
            assert_eq!(e.to_string(), format!("<input>:{at}: {msg}"));
        }
        // An ARM expression in their place is kept.
        assert!(Document::from_value(
            json!({"actions": {"I": {"type": "If", "else": "[variables('e')]"}}})
        )
        .is_ok());
        let e = Document::from_bytes(b"[1]", None).unwrap_err();
        assert!(e.to_string().contains("1:1: expected a JSON object"), "{e}");
    }

    #[test]
    fn arm_escaping_round_trips() {
        let mut v = json!({"a": "[literal]", "b": "[[already]", "c": "@x", "d": "[INFO] started"});
        arm_escape(&mut v, true);
        assert_eq!(
            v,
            json!({"a": "[[literal]", "b": "[[[already]", "c": "@x", "d": "[INFO] started"})
        );
        arm_escape(&mut v, false);
        assert_eq!(
            v,
            json!({"a": "[literal]", "b": "[[already]", "c": "@x", "d": "[INFO] started"})
        );
    }
}
