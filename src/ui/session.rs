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
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Workflows with more triggers and actions than this validate off the UI
/// thread (below it, validation takes a few milliseconds and its result is
/// there in the same frame).
pub const BACKGROUND_VALIDATION_NODES: usize = 1000;
/// How long typing must pause before a background validation starts.
pub const VALIDATION_DEBOUNCE: Duration = Duration::from_millis(150);

/// Everything derived from the document at one revision.
pub struct Derived {
    /// The document revision this was built from.
    pub revision: u64,
    /// The run-after graph (with its outline).
    pub graph: WorkflowGraph,
    /// Where every box goes.
    pub layout: Layout,
    /// Validation findings (of [`Derived::problems_revision`]).
    pub problems: Vec<Problem>,
    /// The revision the problems were found at: behind [`Derived::revision`]
    /// while a background validation is pending.
    pub problems_revision: u64,
    /// Problem count per node, for the badges: (errors, warnings).
    pub node_problems: Vec<(u16, u16)>,
    /// The second line of each card, read from the document on first
    /// use ([`Session::summaries_for`]): a structural edit at 5,000
    /// actions does not read every action again, only the cards drawn.
    /// Empty until read.
    pub summaries: Vec<String>,
    /// Which entries of `summaries` have been read.
    summaries_read: Vec<bool>,
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
    /// Checked expression fields, by pointer, valid while `expr_epoch`
    /// stays `expr_cache_epoch`.
    expr_cache: std::collections::HashMap<String, (String, crate::ui::expr_field::ExprContext)>,
    expr_cache_epoch: u64,
    /// Moves on with every change that can change what an expression may
    /// name (structure, parameters, variables): everything but typing into
    /// a field of one node that declares no variable.
    expr_epoch: u64,
    /// The field the last typing step changed, if nothing else happened
    /// since: a hint that the structure did not change.
    typing_hint: Option<String>,
    /// Forces the layout to be rebuilt at the next refresh.
    relayout: bool,
    /// Background validation of big workflows.
    validation: Validation,
}

/// A background validation: the revision still to validate (and since
/// when it waits), and the running job with its revision.
#[derive(Default)]
struct Validation {
    wanted: Option<(u64, Instant)>,
    running: Option<(u64, mpsc::Receiver<Found>)>,
}

/// What a validation finds: the problems and the count per node.
type Found = (Vec<Problem>, Vec<(u16, u16)>);

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
            expr_cache_epoch: u64::MAX,
            expr_epoch: next_epoch(),
            typing_hint: None,
            relayout: false,
            validation: Validation::default(),
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
        self.validation = Validation::default();
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

    /// A number that moves on whenever the structure (names, order,
    /// nesting), the parameters or the variables may have changed: every
    /// change but typing into a field of one node (see
    /// [`non_structural_node`]). Views derived from the structure alone
    /// are rebuilt when it moves.
    pub fn shape_epoch(&self) -> u64 {
        self.expr_epoch
    }

    /// Forces the layout to be rebuilt (e.g. after collapsing a scope).
    pub fn invalidate(&mut self) {
        if let Some(d) = &mut self.derived {
            d.revision = u64::MAX;
        }
        self.relayout = true;
    }

    /// Whether the problems shown are older than the document (a
    /// background validation is pending or running).
    pub fn problems_pending(&self) -> bool {
        self.derived
            .as_ref()
            .is_some_and(|d| d.problems_revision != self.editor.revision())
    }

    /// Takes a finished background validation, starts the next one once
    /// typing has paused, and says how soon to look again (`None`: nothing
    /// pending). Called once a frame.
    pub fn poll_validation(&mut self) -> Option<Duration> {
        let rev = self.editor.revision();
        if let Some((job, rx)) = &self.validation.running {
            match rx.try_recv() {
                Ok((problems, node_problems)) => {
                    let job = *job;
                    self.validation.running = None;
                    if let Some(d) = self.derived.as_mut().filter(|_| job == rev) {
                        if d.graph.outline.nodes.len() == node_problems.len() {
                            d.problems = problems;
                            d.node_problems = node_problems;
                            d.problems_revision = job;
                        }
                    }
                }
                Err(mpsc::TryRecvError::Empty) => return Some(Duration::from_millis(30)),
                Err(mpsc::TryRecvError::Disconnected) => self.validation.running = None,
            }
        }
        let (want, since) = self.validation.wanted?;
        if want != rev {
            self.validation.wanted = None;
            return None;
        }
        let waited = since.elapsed();
        if waited < VALIDATION_DEBOUNCE {
            return Some(VALIDATION_DEBOUNCE - waited);
        }
        self.start_validation();
        Some(Duration::from_millis(30))
    }

    /// Blocks until the problems belong to the current revision (tests,
    /// and callers that need the findings now).
    pub fn wait_for_validation(&mut self) {
        self.refresh();
        while self.problems_pending() {
            if self.validation.running.is_none() {
                self.start_validation();
            }
            let Some((job, rx)) = self.validation.running.take() else {
                return;
            };
            if let Ok((problems, node_problems)) = rx.recv() {
                if job == self.editor.revision() {
                    if let Some(d) = self.derived.as_mut() {
                        d.problems = problems;
                        d.node_problems = node_problems;
                        d.problems_revision = job;
                    }
                }
            } else {
                return;
            }
        }
    }

    /// Validates the current revision on a worker thread.
    fn start_validation(&mut self) {
        self.validation.wanted = None;
        let Some(d) = &self.derived else { return };
        let rev = self.editor.revision();
        let doc = self.editor.doc.clone();
        let graph = d.graph.clone();
        let workflow = self.workflow;
        let (tx, rx) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("lapis-validate".into())
            .spawn(move || {
                let problems = find_problems(&doc, workflow, &graph);
                let counts = problem_counts(&graph, &problems);
                let _ = tx.send((problems, counts));
            });
        if spawned.is_ok() {
            self.validation.running = Some((rev, rx));
        }
    }

    /// The card texts of one node, read from the document.
    fn node_texts(&mut self, id: NodeId) {
        let doc = &self.editor.doc;
        let Some(d) = self.derived.as_mut() else {
            return;
        };
        let Some(node) = d.graph.outline.nodes.get(id) else {
            return;
        };
        let (auth, secure) = node_badges(doc, node);
        d.summaries[id] = summary_of(doc, node);
        d.summaries_read[id] = true;
        d.auth[id] = auth;
        d.secure[id] = secure;
    }

    /// Reads the card summaries of `ids` that have not been read yet.
    pub fn summaries_for(&mut self, ids: impl IntoIterator<Item = NodeId>) {
        let doc = &self.editor.doc;
        let Some(d) = self.derived.as_mut() else {
            return;
        };
        for id in ids {
            if d.summaries_read.get(id) == Some(&false) {
                d.summaries[id] = summary_of(doc, &d.graph.outline.nodes[id]);
                d.summaries_read[id] = true;
            }
        }
    }

    /// Reads every card summary not read yet (search looks through all).
    pub fn all_summaries(&mut self) {
        let n = self.derived.as_ref().map_or(0, |d| d.summaries.len());
        self.summaries_for(0..n);
    }

    /// Rebuilds the derived view if the document changed since.
    pub fn refresh(&mut self) {
        let rev = self.editor.revision();
        if self.derived.as_ref().is_some_and(|d| d.revision == rev) {
            return;
        }
        let hint = self.typing_hint.take();
        if self.workflow >= self.editor.doc.workflows.len() {
            self.workflow = 0;
        }
        // Typing into a field of one node that holds no structure (not its
        // name, type, runAfter or nested actions): the graph and layout
        // stay, that node's card texts are read again, and validation runs
        // as for any edit.
        if let (Some(p), false) = (hint, self.relayout) {
            let same = self
                .derived
                .as_ref()
                .filter(|d| d.shape_error.is_none())
                .and_then(|d| non_structural_node(&d.graph, &p));
            if let Some(id) = same {
                // Only an InitializeVariable's fields declare names that
                // expressions elsewhere may use.
                if self.derived.as_ref().is_some_and(|d| {
                    d.graph.outline.nodes[id].ty
                        == crate::workflow::model::ActionType::InitializeVariable
                }) {
                    self.expr_epoch = next_epoch();
                }
                self.node_texts(id);
                if let Some(d) = self.derived.as_mut() {
                    d.revision = rev;
                }
                self.revalidate(rev);
                return;
            }
        }
        self.expr_epoch = next_epoch();
        let doc = &self.editor.doc;
        let built = doc.outline(self.workflow);
        let (outline, shape_error) = match built {
            Ok(o) => (Some(o), None),
            Err(e) => (None, Some(format!("{} (at {})", e.message, e.pointer))),
        };
        // Same structure (an edit of a parameter, an undo of typing…): keep
        // the graph and the layout.
        let relayout = std::mem::take(&mut self.relayout);
        let old = self.derived.take();
        let mut prev: Option<(Vec<Problem>, u64)> = None;
        let (graph, old_layout, old) = match (outline, old) {
            (Some(o), Some(old)) if !relayout && *old.graph.outline == o => {
                let Derived {
                    graph,
                    layout,
                    problems,
                    problems_revision,
                    ..
                } = old;
                prev = Some((problems, problems_revision));
                crate::workflow::edit::drop_later(o);
                (Some(graph), Some(layout), None)
            }
            (Some(o), Some(mut old)) => {
                prev = Some((std::mem::take(&mut old.problems), old.problems_revision));
                // The old graph and layout are freed off the UI thread.
                crate::workflow::edit::drop_later(old);
                (Some(WorkflowGraph::build(o)), None, None)
            }
            (Some(o), None) => (Some(WorkflowGraph::build(o)), None, None),
            (None, old) => (None, None, old),
        };
        let graph = match (graph, old) {
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
        let lay = match old_layout {
            Some(l) => l,
            None => {
                let opts = LayoutOptions {
                    collapsed: self.collapsed.clone(),
                    ..LayoutOptions::default()
                };
                layout(&graph, &opts)
            }
        };
        let n = graph.outline.nodes.len();
        // Big workflows keep the last problems (placed on the new graph)
        // until the background validation of this revision is done.
        let background = n > BACKGROUND_VALIDATION_NODES;
        let (problems, problems_revision) = match (background, prev) {
            (false, _) => (find_problems(doc, self.workflow, &graph), rev),
            (true, Some(p)) => p,
            (true, None) => (Vec::new(), u64::MAX),
        };
        let node_problems = problem_counts(&graph, &problems);
        let summaries = vec![String::new(); n];
        let summaries_read = vec![false; n];
        let mut auth = Vec::with_capacity(n);
        let mut secure = Vec::with_capacity(n);
        for node in &graph.outline.nodes {
            let (a, sec) = node_badges(doc, node);
            auth.push(a);
            secure.push(sec);
        }
        self.derived = Some(Derived {
            revision: rev,
            graph,
            layout: lay,
            problems,
            problems_revision,
            node_problems,
            summaries,
            summaries_read,
            auth,
            secure,
            shape_error,
        });
        // Drop selected pointers that no longer exist.
        let root = &self.editor.doc.root;
        self.selection.retain(|p| root.pointer(p).is_some());
        if background {
            self.revalidate(rev);
        }
    }

    /// Asks for the problems of `rev`: now for a small workflow, in the
    /// background (after typing pauses) for a big one.
    fn revalidate(&mut self, rev: u64) {
        let Some(d) = &self.derived else { return };
        if d.graph.outline.nodes.len() > BACKGROUND_VALIDATION_NODES {
            self.validation.wanted = Some((rev, Instant::now()));
            return;
        }
        let problems = find_problems(&self.editor.doc, self.workflow, &d.graph);
        let counts = problem_counts(&d.graph, &problems);
        if let Some(d) = self.derived.as_mut() {
            d.problems = problems;
            d.node_problems = counts;
            d.problems_revision = rev;
        }
    }

    /// Applies an edit; on success selects what the edit points at.
    pub fn apply(&mut self, edit: Edit) -> Result<Applied, String> {
        self.check_read_only(&edit)?;
        // The outline of this revision is there already: the edit need not
        // build it again.
        let rev = self.editor.revision();
        let known = self
            .derived
            .as_ref()
            .filter(|d| d.revision == rev && d.shape_error.is_none())
            .filter(|d| {
                self.editor
                    .doc
                    .workflows
                    .get(self.workflow)
                    .is_some_and(|w| w.definition_pointer == d.graph.outline.definition_pointer)
            })
            .map(|d| {
                (
                    d.graph.outline.definition_pointer.clone(),
                    d.graph.outline.clone(),
                )
            });
        match self.editor.apply_knowing(edit, known) {
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
        let before = self.editor.revision();
        let current = self.derived.as_ref().is_some_and(|d| d.revision == before);
        match self.editor.apply_typing(edit, pointer) {
            Ok(a) => {
                if current {
                    self.typing_hint = Some(pointer.to_owned());
                }
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
        self.refresh();
        if self.expr_epoch != self.expr_cache_epoch {
            self.expr_cache.clear();
            self.expr_cache_epoch = self.expr_epoch;
        }
        if let Some((t, cx)) = self.expr_cache.get_mut(pointer) {
            if t == text {
                return cx.clone();
            }
            // Plain text has no findings, and what the field may name
            // depends on its place, not its text: no new checker (at
            // 5,000 actions one costs milliseconds a keystroke).
            if !crate::expr::parse::is_expression(text) {
                text.clone_into(t);
                cx.findings.clear();
                return cx.clone();
            }
        }
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

/// A fresh [`Session::shape_epoch`], unique across sessions (a view
/// cached for one document is never taken for another's).
fn next_epoch() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
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

/// The node `pointer` edits when the edit leaves the structure as it is:
/// a field of the node below any key that the outline reads (type,
/// runAfter, nested actions). `None` when the edit may change structure.
pub fn non_structural_node(g: &WorkflowGraph, pointer: &str) -> Option<NodeId> {
    let id = node_of_pointer(g, pointer)?;
    let rest = pointer.strip_prefix(g.outline.nodes[id].pointer.as_str())?;
    let first = rest.strip_prefix('/')?.split('/').next()?;
    let structural = [
        "type", "runAfter", "actions", "else", "cases", "default", "tools",
    ];
    (!structural.contains(&first)).then_some(id)
}

/// Problems of workflow `i`, as `lapis validate` finds them.
fn find_problems(doc: &Document, i: usize, graph: &WorkflowGraph) -> Vec<Problem> {
    if doc.workflows.is_empty() {
        Vec::new()
    } else if doc.container == crate::workflow::Container::Arm {
        // The template's values, as the command line checks them.
        validate::validate_document(doc, i).unwrap_or_default()
    } else {
        let mut p = validate::validate(&doc.root, graph);
        crate::graph::project_rules::apply(doc, i, &mut p);
        p
    }
}

/// Problem count per node, (errors, warnings): one map lookup per prefix
/// of each problem's pointer, not a scan of every node.
fn problem_counts(g: &WorkflowGraph, problems: &[Problem]) -> Vec<(u16, u16)> {
    let by_pointer: HashMap<&str, NodeId> = g
        .outline
        .nodes
        .iter()
        .map(|n| (n.pointer.as_str(), n.id))
        .collect();
    let mut counts = vec![(0u16, 0u16); g.outline.nodes.len()];
    for p in problems {
        let mut at = p.pointer.as_str();
        let id = loop {
            if let Some(&id) = by_pointer.get(at) {
                break Some(id);
            }
            match at.rfind('/') {
                Some(i) => at = &at[..i],
                None => break None,
            }
        };
        if let Some(id) = id {
            let e = &mut counts[id];
            match p.severity {
                Severity::Error => e.0 = e.0.saturating_add(1),
                Severity::Warning => e.1 = e.1.saturating_add(1),
            }
        }
    }
    counts
}

/// The value at a JSON pointer, like [`Value::pointer`] but without
/// allocating for tokens that hold no escape (every token of a deep
/// pointer, for each of 5,000 nodes, after every structural edit).
fn value_at<'v>(root: &'v Value, pointer: &str) -> Option<&'v Value> {
    if pointer.is_empty() {
        return Some(root);
    }
    let mut v = root;
    for token in pointer.strip_prefix('/')?.split('/') {
        let owned;
        let key = if token.contains('~') {
            owned = token.replace("~1", "/").replace("~0", "~");
            owned.as_str()
        } else {
            token
        };
        v = match v {
            Value::Object(m) => m.get(key)?,
            Value::Array(a) => a.get(key.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(v)
}

/// The second line of a card.
fn summary_of(doc: &Document, node: &crate::workflow::tree::Node) -> String {
    let v = value_at(&doc.root, &node.pointer).unwrap_or(&Value::Null);
    match node.role {
        Role::Trigger => Trigger::read(&node.name, v).summary(),
        Role::Action => Action::read(&node.name, v).summary(),
    }
}

/// A card's authentication badge and whether it has secure inputs or
/// outputs.
fn node_badges(doc: &Document, node: &crate::workflow::tree::Node) -> (Option<&'static str>, bool) {
    let v = value_at(&doc.root, &node.pointer).unwrap_or(&Value::Null);
    let secure = v
        .pointer("/runtimeConfiguration/secureData/properties")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty());
    (auth_badge(v), secure)
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

#[cfg(test)]
mod tests {
    use super::value_at;
    use serde_json::json;

    /// Expression checks are kept while typing, but not across a change of
    /// what they may name: renaming a variable as you type shows at once
    /// in another field's findings.
    #[test]
    fn expression_checks_follow_a_variable_typed_elsewhere() {
        let doc = crate::workflow::Document::from_value(json!({
            "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
            "contentVersion": "1.0.0.0",
            "triggers": {"manual": {"type": "Request", "kind": "Http"}},
            "actions": {
                "Init": {"type": "InitializeVariable", "runAfter": {},
                    "inputs": {"variables": [{"name": "v", "type": "string", "value": ""}]}},
                "Use": {"type": "Compose", "runAfter": {"Init": ["Succeeded"]}, "inputs": "x"}
            },
            "outputs": {}
        }))
        .unwrap();
        let mut s = super::Session::new(doc);
        let text = "@variables('w')";
        let found =
            |s: &mut super::Session| s.expr_context("/actions/Use/inputs", text).findings.len();
        assert_eq!(found(&mut s), 1, "`w` is not declared");
        // Typing into another node's plain field keeps the check.
        s.set_field("/actions/Use/description", json!("about"))
            .unwrap();
        assert_eq!(found(&mut s), 1);
        s.set_field("/actions/Init/inputs/variables/0/name", json!("w"))
            .unwrap();
        assert_eq!(found(&mut s), 0, "`w` is declared now");
        // Plain text has no findings and keeps what the field may name.
        let plain = s.expr_context("/actions/Use/inputs", "hello");
        assert!(plain.findings.is_empty());
    }

    #[test]
    fn value_at_reads_as_serde_reads_pointers() {
        let v = json!({"a": {"b/c": [1, {"d~e": 2}], "": 3}, "x": null});
        for p in [
            "",
            "/a",
            "/a/b~1c",
            "/a/b~1c/1/d~0e",
            "/a/b~1c/0",
            "/a/",
            "/x",
            "/nope",
            "/a/b~1c/9",
            "a",
        ] {
            assert_eq!(value_at(&v, p), v.pointer(p), "{p}");
        }
    }
}
