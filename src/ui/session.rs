//! The open document and what the window derives from it: the outline, the
//! graph, the layout and the problems, rebuilt when the document changes.
//!
//! Nothing here draws; the panels and the canvas read a [`Session`] and send
//! edits back through [`Session::apply`].

use crate::graph::layout::{layout, Layout, LayoutOptions};
use crate::graph::validate::{self, Problem, Severity};
use crate::graph::WorkflowGraph;
use crate::workflow::edit::{Applied, Edit, Editor};
use crate::workflow::model::{Action, Trigger};
use crate::workflow::tree::{NodeId, Role};
use crate::workflow::Document;
use serde_json::Value;
use std::collections::HashSet;
use std::path::PathBuf;

/// Everything derived from the document at one revision.
pub struct Derived {
    /// The document revision this was built from.
    pub revision: u64,
    /// The run-after graph (with its outline).
    pub graph: WorkflowGraph,
    /// Where every box goes.
    pub layout: Layout,
    /// Validation findings.
    pub problems: Vec<Problem>,
    /// Problem count per node, for the badges: (errors, warnings).
    pub node_problems: Vec<(u16, u16)>,
    /// The second line of each card.
    pub summaries: Vec<String>,
    /// Authentication badge per node ("AAD", "Basic", …), if any.
    pub auth: Vec<Option<&'static str>>,
    /// Secure inputs/outputs per node.
    pub secure: Vec<bool>,
    /// When the document's shape could not be read, why; the graph then
    /// shows the last good structure.
    pub shape_error: Option<String>,
}

/// The open document, its edit history, the selection and the derived view.
pub struct Session {
    /// The document with its undo history.
    pub editor: Editor,
    /// Which workflow of the file is shown (ARM templates may hold several).
    pub workflow: usize,
    /// Selected nodes, by JSON pointer (the first is the primary one).
    pub selection: Vec<String>,
    /// Control actions drawn collapsed, by name.
    pub collapsed: HashSet<String>,
    /// The derived view (always present once built).
    derived: Option<Derived>,
    /// The last message for the status bar.
    pub status: String,
    /// Checked expression fields at the current revision, by pointer.
    expr_cache: std::collections::HashMap<String, (String, crate::ui::expr_field::ExprContext)>,
    expr_cache_rev: u64,
}

impl Session {
    /// A session over a document.
    pub fn new(doc: Document) -> Session {
        let mut s = Session {
            editor: Editor::new(doc),
            workflow: 0,
            selection: Vec::new(),
            collapsed: HashSet::new(),
            derived: None,
            status: String::new(),
            expr_cache: Default::default(),
            expr_cache_rev: u64::MAX,
        };
        s.refresh();
        s
    }

    /// Replaces the document (after New or Open): clears history and selection.
    pub fn replace(&mut self, doc: Document) {
        self.editor.replace(doc);
        self.workflow = 0;
        self.selection.clear();
        self.collapsed.clear();
        self.derived = None;
        self.refresh();
    }

    /// The document.
    pub fn doc(&self) -> &Document {
        &self.editor.doc
    }

    /// The file's path, if it has one.
    pub fn path(&self) -> Option<&PathBuf> {
        self.editor.doc.path.as_ref()
    }

    /// The derived view, rebuilt first if the document changed.
    pub fn view(&mut self) -> &Derived {
        self.refresh();
        self.derived.as_ref().expect("refresh always builds a view")
    }

    /// The derived view as last built (call [`Session::refresh`] first).
    pub fn current(&self) -> &Derived {
        self.derived.as_ref().expect("a session always has a view")
    }

    /// Forces the layout to be rebuilt (e.g. after collapsing a scope).
    pub fn invalidate(&mut self) {
        if let Some(d) = &mut self.derived {
            d.revision = u64::MAX;
        }
    }

    /// Rebuilds the derived view if the document changed since.
    pub fn refresh(&mut self) {
        let rev = self.editor.revision();
        if self.derived.as_ref().is_some_and(|d| d.revision == rev) {
            return;
        }
        let doc = &self.editor.doc;
        if self.workflow >= doc.workflows.len() {
            self.workflow = 0;
        }
        let built = doc.outline(self.workflow);
        let (graph, shape_error) = match built {
            Ok(o) => (Some(WorkflowGraph::build(o)), None),
            Err(e) => (None, Some(format!("{} (at {})", e.message, e.pointer))),
        };
        let graph = match (graph, self.derived.take()) {
            (Some(g), _) => g,
            (None, Some(old)) => {
                // Keep showing the last good structure while the shape is broken.
                self.derived = Some(Derived {
                    revision: rev,
                    shape_error,
                    ..old
                });
                return;
            }
            (None, None) => WorkflowGraph::build(
                Document::new_definition()
                    .outline(0)
                    .expect("a new definition has a valid outline"),
            ),
        };
        let opts = LayoutOptions {
            collapsed: self.collapsed.clone(),
            ..LayoutOptions::default()
        };
        let lay = layout(&graph, &opts);
        let problems = if doc.workflows.is_empty() {
            Vec::new()
        } else if doc.container == crate::workflow::Container::Arm {
            // The template's values, as the command line checks them.
            validate::validate_document(doc, self.workflow).unwrap_or_default()
        } else {
            let mut p = validate::validate(&doc.root, &graph);
            crate::graph::project_rules::apply(doc, self.workflow, &mut p);
            p
        };
        let n = graph.outline.nodes.len();
        let mut node_problems = vec![(0u16, 0u16); n];
        for p in &problems {
            if let Some(id) = node_of_pointer(&graph, &p.pointer) {
                let e = &mut node_problems[id];
                match p.severity {
                    Severity::Error => e.0 = e.0.saturating_add(1),
                    Severity::Warning => e.1 = e.1.saturating_add(1),
                }
            }
        }
        let mut summaries = Vec::with_capacity(n);
        let mut auth = Vec::with_capacity(n);
        let mut secure = Vec::with_capacity(n);
        for node in &graph.outline.nodes {
            let v = doc.root.pointer(&node.pointer).unwrap_or(&Value::Null);
            match node.role {
                Role::Trigger => summaries.push(Trigger::read(&node.name, v).summary()),
                Role::Action => summaries.push(Action::read(&node.name, v).summary()),
            }
            auth.push(auth_badge(v));
            secure.push(
                v.pointer("/runtimeConfiguration/secureData/properties")
                    .and_then(Value::as_array)
                    .is_some_and(|a| !a.is_empty()),
            );
        }
        self.derived = Some(Derived {
            revision: rev,
            graph,
            layout: lay,
            problems,
            node_problems,
            summaries,
            auth,
            secure,
            shape_error,
        });
        // Drop selected pointers that no longer exist.
        let root = &self.editor.doc.root;
        self.selection.retain(|p| root.pointer(p).is_some());
    }

    /// Applies an edit; on success selects what the edit points at.
    pub fn apply(&mut self, edit: Edit) -> Result<Applied, String> {
        self.check_read_only(&edit)?;
        match self.editor.apply(edit) {
            Ok(a) => {
                if let Some(p) = &a.select {
                    self.selection = vec![p.clone()];
                }
                self.status = a.label.clone();
                self.refresh();
                Ok(a)
            }
            Err(e) => {
                self.status = format!("Could not apply: {e}");
                Err(e.to_string())
            }
        }
    }

    /// Sets a field as the user types: consecutive changes of one field are
    /// one undo step.
    pub fn set_field(
        &mut self,
        pointer: &str,
        value: serde_json::Value,
    ) -> Result<Applied, String> {
        let edit = Edit::Set {
            pointer: pointer.to_owned(),
            value,
        };
        self.check_read_only(&edit)?;
        match self.editor.apply_typing(edit, pointer) {
            Ok(a) => {
                self.refresh();
                Ok(a)
            }
            Err(e) => {
                self.status = format!("Could not apply: {e}");
                Err(e.to_string())
            }
        }
    }

    /// Refuses an edit of a part an ARM template computes (the file keeps
    /// the template expression; see `ReadOnly`).
    fn check_read_only(&mut self, edit: &Edit) -> Result<(), String> {
        let doc = &self.editor.doc;
        let hit = crate::workflow::Document::edit_pointers(edit)
            .into_iter()
            .find_map(|p| doc.read_only_conflict(self.workflow, p));
        match hit {
            Some(r) => {
                let msg = format!("Read-only: {} ({})", r.reason, r.pointer);
                self.status = msg.clone();
                Err(msg)
            }
            None => Ok(()),
        }
    }

    /// Removes a field (an optional setting left empty).
    pub fn remove_field(&mut self, pointer: &str) -> Result<Applied, String> {
        if self.editor.doc.root.pointer(pointer).is_none() {
            return Ok(Applied {
                label: String::new(),
                select: None,
            });
        }
        self.apply(Edit::Remove {
            pointer: pointer.to_owned(),
        })
    }

    /// Undoes the last edit.
    pub fn undo(&mut self) {
        if let Some(a) = self.editor.undo() {
            if let Some(p) = a.select {
                self.selection = vec![p];
            }
            self.status = format!("Undid {}", a.label);
            self.refresh();
        }
    }

    /// Redoes the last undone edit.
    pub fn redo(&mut self) {
        if let Some(a) = self.editor.redo() {
            if let Some(p) = a.select {
                self.selection = vec![p];
            }
            self.status = format!("Redid {}", a.label);
            self.refresh();
        }
    }

    /// The node of the primary selection.
    pub fn selected_node(&self) -> Option<NodeId> {
        let p = self.selection.first()?;
        self.derived
            .as_ref()?
            .graph
            .outline
            .nodes
            .iter()
            .position(|n| &n.pointer == p)
    }

    /// Whether a node is selected.
    pub fn is_selected(&self, pointer: &str) -> bool {
        self.selection.iter().any(|p| p == pointer)
    }

    /// Selects one node by id.
    pub fn select_node(&mut self, id: NodeId) {
        if let Some(n) = self
            .derived
            .as_ref()
            .and_then(|d| d.graph.outline.nodes.get(id))
        {
            self.selection = vec![n.pointer.clone()];
        }
    }

    /// Selects a node by name.
    pub fn select_name(&mut self, name: &str) -> Option<NodeId> {
        let id = self.current().graph.outline.find(name)?;
        self.select_node(id);
        Some(id)
    }
}

impl Session {
    /// The findings and completions for an expression field at `pointer`
    /// holding `text` (checked once per text and document revision).
    pub fn expr_context(
        &mut self,
        pointer: &str,
        text: &str,
    ) -> crate::ui::expr_field::ExprContext {
        let rev = self.editor.revision();
        if rev != self.expr_cache_rev {
            self.expr_cache.clear();
            self.expr_cache_rev = rev;
        }
        if let Some((t, cx)) = self.expr_cache.get(pointer) {
            if t == text {
                return cx.clone();
            }
        }
        self.refresh();
        let d = self.current();
        let doc = &self.editor.doc;
        // A Standard project's parameters.json declares parameters too, as
        // `lapis validate` knows them (graph::project_rules).
        let project_parameters = match (&doc.container, &doc.project) {
            (crate::workflow::Container::Standard, Some(p)) => p.parameter_names(),
            _ => Vec::new(),
        };
        let checker = crate::expr::check::Checker::new(&doc.root, &d.graph.outline)
            .with_project_parameters(project_parameters);
        let site = checker.site(pointer);
        let cx = crate::ui::expr_field::ExprContext {
            findings: checker.check_field(pointer, text),
            reachable: checker.reachable(site),
        };
        self.expr_cache
            .insert(pointer.to_owned(), (text.to_owned(), cx.clone()));
        cx
    }
}

/// The node whose subtree holds `pointer` (the deepest such node).
pub fn node_of_pointer(g: &WorkflowGraph, pointer: &str) -> Option<NodeId> {
    g.outline
        .nodes
        .iter()
        .filter(|n| {
            pointer == n.pointer
                || (pointer.starts_with(&n.pointer)
                    && pointer.as_bytes().get(n.pointer.len()) == Some(&b'/'))
        })
        .max_by_key(|n| n.pointer.len())
        .map(|n| n.id)
}

/// A short badge for the authentication an action uses.
fn auth_badge(v: &Value) -> Option<&'static str> {
    let t = v.pointer("/inputs/authentication/type")?.as_str()?;
    Some(match t.to_ascii_lowercase().as_str() {
        "activedirectoryoauth" => "Entra",
        "basic" => "Basic",
        "clientcertificate" => "Cert",
        "raw" => "Raw",
        "managedserviceidentity" => "MSI",
        "none" => return None,
        _ => "Auth",
    })
}
