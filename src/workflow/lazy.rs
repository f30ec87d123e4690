//! A workflow file held as its text, with the definition's top-level
//! actions left unparsed until asked for, one at a time.
//!
//! A parsed [`serde_json::Value`] (with `preserve_order` and
//! `arbitrary_precision`) costs about twelve bytes of memory per byte of
//! object-heavy JSON. [`LazyDocument`] keeps the JSON text once, a
//! [`Document`] of everything but the top-level actions (the *skeleton*:
//! the definition's `actions` is an empty object there, the *stub*), and
//! where each action's value lies in the text. Whoever walks the actions
//! parses one, uses it and drops it: `lapis export` writes a large
//! workflow in a few times its size.
//!
//! Loading refuses exactly what [`Document::load`] refuses, with the same
//! messages at the same places: the text is checked by the same parser
//! ([`text::check_json`]), duplicate keys by the same search, and the shape
//! by the same outline, built for the skeleton and then for each action.
//! A file this cannot hold so — an ARM template or resource, whose
//! template expressions are evaluated at load, or a file whose
//! definition is not at a fixed place — is loaded whole
//! ([`Loaded::Whole`]).

use super::text::{self, RawMember, Source, TextError};
use super::tree::Outline;
use super::{Container, Document, LoadError};
use serde_json::{Map, Value};
use std::path::Path;

/// A loaded file: held lazily when it can be, else whole.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // one per command
pub enum Loaded {
    /// The top-level actions are kept as text.
    Lazy(LazyDocument),
    /// The file as [`Document::load`] loads it.
    Whole(Document),
}

/// A bare definition or a Standard `workflow.json` whose top-level actions
/// are kept as text. See the module's documentation.
#[derive(Debug)]
pub struct LazyDocument {
    /// The file without its top-level actions: the definition's `actions`
    /// is an empty object (see [`LazyDocument::stub`]). Its `base` is
    /// `None`: a lazy document is not saved.
    pub doc: Document,
    /// The JSON text (comments blanked).
    text: String,
    /// The top-level actions: name and the range of the value in `text`.
    actions: Vec<RawMember>,
}

impl LazyDocument {
    /// Reads a workflow file as [`Document::load`] does (the same errors).
    pub fn load(path: &Path) -> Result<Loaded, LoadError> {
        LazyDocument::from_source(super::read_file_source(path)?, Some(path))
    }

    /// [`Document::from_source`] of a decoded file, lazily when it can be.
    pub fn from_source(source: Source, path: Option<&Path>) -> Result<Loaded, LoadError> {
        let err = |error: TextError| LoadError::Text {
            path: path.map(Path::to_owned),
            error,
        };
        let json = source.json.as_str();
        // What `Document::from_source` refuses first: bad JSON, then a
        // key given twice.
        let checked = text::check_json(json).map_err(err)?;
        if checked.duplicate_key {
            if let Some(e) = text::find_duplicate_key(json) {
                return Err(err(e));
            }
        }
        let Some((root, definition_pointer, actions)) = skeleton(json) else {
            return Document::from_source(&source, path).map(Loaded::Whole);
        };
        let locate = |e: super::ShapeError| {
            let (line, column) = text::locate_pointer(json, &e.pointer);
            err(TextError {
                line,
                column,
                message: e.message,
            })
        };
        let mut doc =
            Document::from_value_with(root, source.format.clone(), path).map_err(locate)?;
        let expected = if definition_pointer.is_empty() {
            Container::Definition
        } else {
            Container::Standard
        };
        if doc.container != expected
            || doc.workflows.len() != 1
            || doc.workflows[0].definition_pointer != definition_pointer
            || !doc.template_text.is_empty()
        {
            return Document::from_source(&source, path).map(Loaded::Whole);
        }
        // The outline of the skeleton checked all but the actions; each is
        // checked now, in order, as the whole outline would.
        for (name, range) in &actions {
            let value = parse(json, range).map_err(err)?;
            let mut one = Map::new();
            one.insert(name.clone(), value);
            let mut def = Map::new();
            def.insert("actions".into(), Value::Object(one));
            Outline::build(&def, &definition_pointer).map_err(locate)?;
        }
        doc.path = path.map(Path::to_owned);
        if doc.container == Container::Standard {
            if let Some(p) = path {
                doc.project = super::project::Project::around(p);
            }
        }
        Ok(Loaded::Lazy(LazyDocument {
            doc,
            text: source.json,
            actions,
        }))
    }

    /// The top-level actions: name, and where the value is in the text.
    pub fn actions(&self) -> &[RawMember] {
        &self.actions
    }

    /// The value of top-level action `k`, parsed now.
    pub fn action(&self, k: usize) -> Result<Value, TextError> {
        let (_, range) = &self.actions[k];
        parse(&self.text, range)
    }

    /// The stand-in for the top-level actions in [`LazyDocument::doc`]: the
    /// definition's `actions`, an empty object.
    pub fn stub(&self) -> &Value {
        let p = format!("{}/actions", self.doc.workflows[0].definition_pointer);
        self.doc
            .root
            .pointer(&p)
            .expect("a lazy document's definition has its actions stub")
    }

    /// The whole document, parsed from the text (a file that has comments
    /// keeps none: `base` is the JSON text).
    pub fn into_document(self) -> Result<Document, LoadError> {
        let path = self.doc.path.clone();
        let source = Source {
            json: self.text,
            format: self.doc.format.clone(),
            commented: None,
        };
        drop(self.doc);
        Document::from_source(&source, path.as_deref())
    }
}

/// The value at `range` of `text` (checked valid JSON), parsed.
fn parse(text: &str, range: &std::ops::Range<usize>) -> Result<Value, TextError> {
    text::parse_json(text.get(range.clone()).unwrap_or(""))
}

/// The root of a bare definition or of a Standard `workflow.json` with the
/// definition's `actions` (an object) replaced by an empty one, the
/// definition's pointer, and the actions as text. `None` for anything
/// else (ARM templates and resources, a definition that is not an object,
/// `actions` that are not an object).
fn skeleton(json: &str) -> Option<(Value, String, Vec<RawMember>)> {
    let whole = text::trim_range(json, 0..json.len());
    let root = text::object_members(json, whole.clone())?;
    if root
        .iter()
        .any(|(k, _)| k == "resources" || k == "properties")
    {
        return None;
    }
    let def_range = root
        .iter()
        .find(|(k, _)| k == "definition")
        .map(|(_, r)| r.clone());
    let mut actions = None;
    let mut definition = |range: std::ops::Range<usize>| -> Option<Value> {
        let members = text::object_members(json, range)?;
        let mut def = Map::new();
        for (k, r) in members {
            if k == "actions" && json.as_bytes().get(r.start) == Some(&b'{') {
                actions = Some(text::object_members(json, r)?);
                def.insert(k, Value::Object(Map::new()));
            } else {
                def.insert(k, parse(json, &r).ok()?);
            }
        }
        Some(Value::Object(def))
    };
    let (root, pointer) = match def_range {
        None => (definition(whole)?, String::new()),
        Some(d) => {
            let def = definition(d)?;
            let mut out = Map::new();
            let mut def = Some(def);
            for (k, r) in root {
                if k == "definition" {
                    out.insert(k, def.take()?);
                } else {
                    out.insert(k, parse(json, &r).ok()?);
                }
            }
            (Value::Object(out), "/definition".to_owned())
        }
    };
    Some((root, pointer, actions?))
}
