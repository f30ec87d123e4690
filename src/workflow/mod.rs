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
pub mod edit;
pub mod manifest;
pub mod model;
pub mod schema;
pub mod text;
pub mod tree;

use serde_json::{json, Map, Value};
use std::fmt;
use std::path::{Path, PathBuf};
use text::{SpanIndex, TextError, TextFormat};
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

impl Document {
    /// Reads and parses a workflow file.
    pub fn load(path: &Path) -> Result<Document, LoadError> {
        let bytes = std::fs::read(path).map_err(|error| LoadError::Io {
            path: path.to_owned(),
            error,
        })?;
        Document::from_bytes(&bytes, Some(path))
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
        if let Some(e) = text::find_duplicate_key(json_text) {
            return Err(err(e));
        }
        let mut doc = Document::from_value_with(root, format, path).map_err(|e| {
            let (line, column) = SpanIndex::new(json_text).locate(&e.pointer);
            err(TextError {
                line,
                column,
                message: e.message,
            })
        })?;
        doc.path = path.map(Path::to_owned);
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
        let (container, workflows) = detect_container(&root, path)?;
        let doc = Document {
            path: None,
            format,
            container,
            root,
            workflows,
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
            self.workflows
                .iter()
                .enumerate()
                .map(|(i, w)| format!("{}: {}", i + 1, w.name))
                .collect::<Vec<_>>()
                .join(", ")
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

    /// The file's bytes in its own format.
    pub fn to_bytes(&self) -> Vec<u8> {
        text::render(&self.root, &self.format)
    }

    /// What a save will not keep, to tell the user before writing.
    pub fn save_warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        if self.format.had_comments {
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

fn detect_container(
    root: &Value,
    path: Option<&Path>,
) -> Result<(Container, Vec<WorkflowLoc>), ShapeError> {
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
    if let Some(resources) = obj.get("resources") {
        let Value::Array(list) = resources else {
            return Err(ShapeError {
                pointer: "/resources".into(),
                message: format!(
                    "`resources` of an ARM template must be an array, found {}",
                    tree::kind_of(resources)
                ),
            });
        };
        let mut found = Vec::new();
        find_workflow_resources(list, "/resources", &mut found, 0);
        if found.is_empty() {
            return Err(ShapeError {
                pointer: "/resources".into(),
                message: "the ARM template has no `Microsoft.Logic/workflows` resource with `properties.definition`".into(),
            });
        }
        return Ok((Container::Arm, found));
    }
    if let Some(def) = obj.get("definition") {
        expect_definition(def, "/definition")?;
        return Ok((
            Container::Standard,
            vec![WorkflowLoc {
                name: name(),
                definition_pointer: "/definition".into(),
            }],
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
            vec![WorkflowLoc {
                name: n,
                definition_pointer: "/properties/definition".into(),
            }],
        ));
    }
    let schema = obj.get("$schema").and_then(Value::as_str).unwrap_or("");
    if obj.contains_key("triggers")
        || obj.contains_key("actions")
        || schema.to_ascii_lowercase().contains("workflowdefinition")
    {
        return Ok((
            Container::Definition,
            vec![WorkflowLoc {
                name: name(),
                definition_pointer: String::new(),
            }],
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

fn find_workflow_resources(
    list: &[Value],
    pointer: &str,
    out: &mut Vec<WorkflowLoc>,
    depth: usize,
) {
    if depth > 8 {
        return;
    }
    for (i, r) in list.iter().enumerate() {
        let p = format!("{pointer}/{i}");
        let ty = r.get("type").and_then(Value::as_str).unwrap_or("");
        let def = r.get("properties").and_then(|p| p.get("definition"));
        if ty.eq_ignore_ascii_case("Microsoft.Logic/workflows") {
            if let Some(Value::Object(_)) = def {
                out.push(WorkflowLoc {
                    name: r
                        .get("name")
                        .map(model::value_text)
                        .unwrap_or_else(|| format!("resource {i}")),
                    definition_pointer: format!("{p}/properties/definition"),
                });
            }
        }
        // Child resources, and templates nested in deployments.
        if let Some(Value::Array(children)) = r.get("resources") {
            find_workflow_resources(children, &format!("{p}/resources"), out, depth + 1);
        }
        if let Some(Value::Array(children)) = r.pointer("/properties/template/resources") {
            find_workflow_resources(
                children,
                &format!("{p}/properties/template/resources"),
                out,
                depth + 1,
            );
        }
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
