//! Static checks of the expressions in a workflow definition.
//!
//! Every string of every trigger and action (and of the definition's
//! `outputs`) that holds an expression is parsed and checked against the
//! workflow: syntax, unknown functions, argument counts, parameters that are
//! not declared, actions that do not exist or do not run before the place
//! that reads them, variables that no `InitializeVariable` creates, loop
//! items outside their loop, and the 8,192-character limit.
//!
//! An action `X` is *upstream* of an action `N` when, at the level of `N` or
//! of any control action around it, the sibling that holds `X` (`X` itself
//! or a scope around `X`) is reachable backwards from that level through
//! `runAfter`. Triggers may be named anywhere; the definition's outputs may
//! name any action; an Until's own `expression` may name the actions inside
//! it.
//!
//! [`Checker`] is built once per definition and answers for the whole
//! definition ([`Checker::check_all`]), for one field being edited
//! ([`Checker::check_field`]) and for completion ([`Checker::reachable`]).

use super::ast::{Call, Template};
use super::parse::{is_expression, parse_string_value};
use super::Span;
use crate::workflow::model::{is_arm_expression, ActionType};
use crate::workflow::text::escape_pointer;
use crate::workflow::tree::{NodeId, Outline, Role};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

/// Logic Apps' limit on the length of one expression, in characters.
pub const MAX_EXPRESSION_CHARS: usize = 8192;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Logic Apps would refuse the workflow, or the expression cannot work.
    Error,
    /// Possibly fine: the value may be supplied from outside the definition.
    Warning,
}

/// One problem in one expression string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// A stable kebab-case identifier: `expr-syntax`, `expr-unknown-function`,
    /// `expr-arity`, `expr-unknown-parameter`, `expr-unknown-action`,
    /// `expr-not-upstream`, `expr-unknown-variable`,
    /// `expr-item-outside-foreach`, `expr-too-long`.
    pub code: &'static str,
    /// Error or warning.
    pub level: Level,
    /// The trigger or action whose field it is; `None` for the definition's
    /// outputs.
    pub node: Option<NodeId>,
    /// JSON pointer of the string, from the file's root.
    pub pointer: String,
    /// Where in the string, in characters from its start.
    pub span: Span,
    /// What is wrong, as a sentence.
    pub message: String,
}

/// What an expression at a given place may name: the completion lists.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reachable {
    /// Declared workflow parameters, in file order, then those a Standard
    /// project's parameters.json declares (see
    /// [`Checker::with_project_parameters`]).
    pub parameters: Vec<String>,
    /// Triggers, which every expression may read (`trigger()`, `outputs('t')`).
    pub triggers: Vec<String>,
    /// Actions that run before this place (upstream), in file order.
    pub actions: Vec<String>,
    /// Variables that some `InitializeVariable` creates, in file order.
    pub variables: Vec<String>,
    /// Foreach loops around this place, innermost first (`items('…')`).
    pub loops: Vec<String>,
    /// Until and Foreach loops around this place, innermost first
    /// (`iterationIndexes('…')`).
    pub iteration_loops: Vec<String>,
    /// Whether `item()` has a value here.
    pub item: bool,
}

/// The place an expression is evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Site {
    /// The trigger or action the field belongs to; `None` for the
    /// definition's outputs (or a place outside every node).
    pub node: Option<NodeId>,
    /// What kind of field it is.
    pub kind: SiteKind,
}

/// Fields with rules of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteKind {
    /// Any field of a trigger or action.
    Field,
    /// The `expression` of an Until: it may read the actions inside it.
    UntilExpression,
    /// The `inputs` of a Select, Query or Table: `item()` is each element.
    ItemInputs,
    /// The definition's `outputs`: every action has run.
    Outputs,
}

/// Checks every expression of the definition the outline was built from.
pub fn check_definition(root: &Value, outline: &Outline) -> Vec<Finding> {
    Checker::new(root, outline).check_all()
}

/// Checks one field's text as if it were at `pointer` (a JSON pointer from
/// the file's root, such as `/definition/actions/Get/inputs/uri`).
pub fn check_field(root: &Value, outline: &Outline, pointer: &str, text: &str) -> Vec<Finding> {
    Checker::new(root, outline).check_field(pointer, text)
}

/// What an expression in a field of `node` may name (`None`: the
/// definition's outputs).
pub fn reachable(root: &Value, outline: &Outline, node: Option<NodeId>) -> Reachable {
    let c = Checker::new(root, outline);
    let site = match node {
        Some(id) => Site {
            node: Some(id),
            kind: SiteKind::Field,
        },
        None => Site {
            node: None,
            kind: SiteKind::Outputs,
        },
    };
    c.reachable(site)
}

/// The checker of one definition: what it declares, precomputed once.
pub struct Checker<'a> {
    root: &'a Value,
    outline: &'a Outline,
    objects: Vec<Option<&'a Map<String, Value>>>,
    /// Declared parameter names, in file order.
    parameters: Vec<String>,
    /// True when parameters may come from outside the definition (a
    /// Standard workflow's parameters.json, or no `parameters` at all).
    external_parameters: bool,
    /// Parameters declared outside the definition, by the Standard
    /// project's parameters.json: known, as `lapis validate` knows them.
    project_parameters: Vec<String>,
    /// Variables created by InitializeVariable, in file order.
    variables: Vec<String>,
    /// True when some InitializeVariable names its variable with an
    /// expression: variable names cannot be checked.
    dynamic_variables: bool,
    /// Actions and triggers by exact name, and by lower-case name.
    by_name: HashMap<&'a str, NodeId>,
    by_lower: HashMap<String, NodeId>,
    /// The run-after predecessors of each node among its siblings.
    preds: Vec<Vec<NodeId>>,
    /// Reachability through run-after, built on first use.
    reach: std::cell::OnceCell<crate::workflow::reach::Reach>,
    /// True for an ARM template: `[…]` strings are ARM expressions.
    arm: bool,
}

impl<'a> Checker<'a> {
    /// Prepares the checks of the definition `outline` was built from
    /// (`root` is the whole file).
    pub fn new(root: &'a Value, outline: &'a Outline) -> Checker<'a> {
        let objects = outline.objects(root);
        let definition = root
            .pointer(&outline.definition_pointer)
            .and_then(Value::as_object);
        let declared = definition
            .and_then(|d| d.get("parameters"))
            .and_then(Value::as_object);
        let parameters: Vec<String> = declared
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        let standard = outline.definition_pointer == "/definition"
            && root.get("kind").is_some_and(Value::is_string);
        let external_parameters = standard || declared.is_none();

        let mut variables = Vec::new();
        let mut dynamic_variables = false;
        for n in outline.actions() {
            if n.ty != ActionType::InitializeVariable {
                continue;
            }
            let list = objects[n.id]
                .and_then(|o| o.get("inputs"))
                .and_then(|i| i.get("variables"));
            match list {
                Some(Value::Array(vars)) => {
                    for v in vars {
                        match v.get("name") {
                            Some(Value::String(s)) if !is_expression(s) => {
                                variables.push(s.clone())
                            }
                            _ => dynamic_variables = true,
                        }
                    }
                }
                _ => dynamic_variables = true,
            }
        }

        let mut by_name = HashMap::with_capacity(outline.nodes.len());
        let mut by_lower = HashMap::with_capacity(outline.nodes.len());
        for n in outline.nodes.iter().rev() {
            by_name.insert(n.name.as_str(), n.id);
            by_lower.insert(n.name.to_lowercase(), n.id);
        }

        let mut preds = vec![Vec::new(); outline.nodes.len()];
        let mut lists: Vec<&[NodeId]> = vec![&outline.top];
        for n in &outline.nodes {
            for b in &n.branches {
                lists.push(&b.children);
            }
        }
        for list in lists {
            let names: HashMap<&str, NodeId> = list
                .iter()
                .map(|&id| (outline.nodes[id].name.as_str(), id))
                .collect();
            for &id in list {
                for ra in &outline.nodes[id].run_after {
                    if let Some(&p) = names.get(ra.target.as_str()) {
                        preds[id].push(p);
                    }
                }
            }
        }

        Checker {
            root,
            outline,
            objects,
            parameters,
            external_parameters,
            project_parameters: Vec::new(),
            variables,
            dynamic_variables,
            by_name,
            by_lower,
            preds,
            reach: std::cell::OnceCell::new(),
            arm: root
                .get("resources")
                .is_some_and(|r| r.is_array() || r.is_object()),
        }
    }

    /// Makes the parameters a Standard project's parameters.json declares
    /// known: `parameters('X')` for one of them has no finding, and they are
    /// offered for completion after the definition's own.
    #[must_use]
    pub fn with_project_parameters(mut self, names: Vec<String>) -> Checker<'a> {
        self.project_parameters = names;
        self
    }

    /// Checks every expression string of every trigger and action, and of
    /// the definition's outputs, in file order.
    pub fn check_all(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        for n in &self.outline.nodes {
            let Some(obj) = self.objects[n.id] else {
                continue;
            };
            let skip: Vec<&str> = n
                .branches
                .iter()
                .map(|b| b.actions_pointer.as_str())
                .collect();
            let mut pointer = n.pointer.clone();
            for (key, v) in obj {
                if matches!(
                    key.as_str(),
                    "runAfter" | "type" | "kind" | "description" | "metadata"
                ) {
                    continue;
                }
                let site = Site {
                    node: Some(n.id),
                    kind: self.field_kind(n.id, key),
                };
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape_pointer(key));
                if !skip.contains(&pointer.as_str()) {
                    self.walk(v, &mut pointer, site, &skip, 1, &mut out);
                }
                pointer.truncate(len);
            }
        }
        let outputs_pointer = format!("{}/outputs", self.outline.definition_pointer);
        if let Some(outputs) = self.root.pointer(&outputs_pointer) {
            let site = Site {
                node: None,
                kind: SiteKind::Outputs,
            };
            let mut pointer = outputs_pointer;
            self.walk(outputs, &mut pointer, site, &[], 1, &mut out);
        }
        out
    }

    fn walk(
        &self,
        v: &Value,
        pointer: &mut String,
        site: Site,
        skip: &[&str],
        depth: usize,
        out: &mut Vec<Finding>,
    ) {
        // serde_json limits nesting when parsing; this guards values built
        // in memory.
        if depth > 256 {
            return;
        }
        match v {
            Value::String(s) if is_expression(s) && !(self.arm && is_arm_expression(s)) => {
                self.check_text(site, pointer, s, out);
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let len = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&i.to_string());
                    self.walk(item, pointer, site, skip, depth + 1, out);
                    pointer.truncate(len);
                }
            }
            Value::Object(map) => {
                for (k, item) in map {
                    let len = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&escape_pointer(k));
                    if !skip.contains(&pointer.as_str()) {
                        self.walk(item, pointer, site, skip, depth + 1, out);
                    }
                    pointer.truncate(len);
                }
            }
            _ => {}
        }
    }

    fn field_kind(&self, id: NodeId, key: &str) -> SiteKind {
        let ty = &self.outline.nodes[id].ty;
        match (ty, key) {
            (ActionType::Until, "expression") => SiteKind::UntilExpression,
            (ActionType::Select | ActionType::Query | ActionType::Table, "inputs") => {
                SiteKind::ItemInputs
            }
            _ => SiteKind::Field,
        }
    }

    /// The place a JSON pointer (from the file's root) is in: the innermost
    /// trigger or action that holds it, and the kind of field.
    pub fn site(&self, pointer: &str) -> Site {
        let outputs = format!("{}/outputs", self.outline.definition_pointer);
        if pointer == outputs || pointer.starts_with(&format!("{outputs}/")) {
            return Site {
                node: None,
                kind: SiteKind::Outputs,
            };
        }
        let mut best: Option<NodeId> = None;
        for n in &self.outline.nodes {
            let inside = pointer == n.pointer
                || (pointer.starts_with(&n.pointer)
                    && pointer.as_bytes().get(n.pointer.len()) == Some(&b'/'));
            if inside && best.is_none_or(|b| self.outline.nodes[b].pointer.len() < n.pointer.len())
            {
                best = Some(n.id);
            }
        }
        match best {
            Some(id) => {
                let rest = &pointer[self.outline.nodes[id].pointer.len()..];
                let key = rest.trim_start_matches('/').split('/').next().unwrap_or("");
                Site {
                    node: Some(id),
                    kind: self.field_kind(id, key),
                }
            }
            None => Site {
                node: None,
                kind: SiteKind::Field,
            },
        }
    }

    /// Checks the text of one field as if it stood at `pointer` (a JSON
    /// pointer from the file's root): for the designer, while a field is
    /// edited. Text without an expression gives no finding.
    pub fn check_field(&self, pointer: &str, text: &str) -> Vec<Finding> {
        let mut out = Vec::new();
        if is_expression(text) {
            self.check_text(self.site(pointer), pointer, text, &mut out);
        }
        out
    }

    /// Checks one string that holds an expression.
    pub fn check_text(&self, site: Site, pointer: &str, text: &str, out: &mut Vec<Finding>) {
        let push = |out: &mut Vec<Finding>, code, level, span, message: String| {
            out.push(Finding {
                code,
                level,
                node: site.node,
                pointer: pointer.to_owned(),
                span,
                message,
            })
        };
        let template = match parse_string_value(text) {
            Ok(t) => t,
            Err(e) => {
                push(out, "expr-syntax", Level::Error, e.span, e.message);
                return;
            }
        };
        let chars = text.chars().count();
        if chars > MAX_EXPRESSION_CHARS {
            let whole = matches!(template, Template::Expression(_));
            push(
                out,
                "expr-too-long",
                if whole { Level::Error } else { Level::Warning },
                Span::new(MAX_EXPRESSION_CHARS, chars),
                format!(
                    "the expression has {chars} characters; Logic Apps allows at most {MAX_EXPRESSION_CHARS} (move parts into Compose actions or variables)"
                ),
            );
        }
        for call in template.calls() {
            self.check_call(site, call, &mut |code, level, span, message| {
                push(out, code, level, span, message)
            });
        }
    }

    fn check_call(
        &self,
        site: Site,
        c: &Call,
        report: &mut dyn FnMut(&'static str, Level, Span, String),
    ) {
        let Some(info) = c.function else {
            report(
                "expr-unknown-function",
                Level::Error,
                c.name_span,
                super::eval::unknown_function_message(&c.name),
            );
            return;
        };
        let call_span = c.span;
        if !info.accepts(c.args.len()) {
            report(
                "expr-arity",
                Level::Error,
                call_span,
                format!(
                    "`{}` takes {}, but {} {} given",
                    info.name,
                    info.arity_text(),
                    c.args.len(),
                    if c.args.len() == 1 { "was" } else { "were" }
                ),
            );
            return;
        }
        match c.key.as_str() {
            "item" if !self.item_available(site) => {
                report(
                    "expr-item-outside-foreach",
                    Level::Error,
                    call_span,
                    "item() is used outside any Foreach loop (it has a value only inside a Foreach, or in the inputs of a Select, Query or Table action)".into(),
                );
            }
            "items" | "iterationindexes" => {
                let Some((name, span)) = c.literal_arg(0) else {
                    return;
                };
                let loops = self.enclosing_loops(site, c.key == "iterationindexes");
                if loops
                    .iter()
                    .any(|&l| self.outline.nodes[l].name.eq_ignore_ascii_case(name))
                {
                    return;
                }
                let kind = if c.key == "items" {
                    "Foreach"
                } else {
                    "Until or Foreach"
                };
                let what = match self.find(name) {
                    None => format!("there is no action named `{name}`"),
                    Some(id) if self.outline.nodes[id].role == Role::Trigger => {
                        format!("`{name}` is a trigger")
                    }
                    Some(id) => format!(
                        "`{name}` is {} that does not enclose this place",
                        article(&self.outline.nodes[id].type_name)
                    ),
                };
                report(
                    "expr-item-outside-foreach",
                    Level::Error,
                    span,
                    format!(
                        "{}('{name}') needs a {kind} loop named `{name}` around this place, but {what}{}",
                        info.name,
                        names_hint(&loops.iter().map(|&l| self.outline.nodes[l].name.as_str()).collect::<Vec<_>>(), "enclosing loops")
                    ),
                );
            }
            "parameters" => {
                let Some((name, span)) = c.literal_arg(0) else {
                    return;
                };
                if self.parameters.iter().any(|p| p == name)
                    || self.project_parameters.iter().any(|p| p == name)
                {
                    return;
                }
                let external = self.external_parameters || name == "$connections";
                let ci = self
                    .parameters
                    .iter()
                    .find(|p| p.eq_ignore_ascii_case(name));
                let message = match (ci, external) {
                    (Some(p), _) => format!(
                        "the workflow parameter `{name}` is not declared; the definition declares `{p}` (parameter names are case-sensitive)"
                    ),
                    (None, true) => format!(
                        "the workflow parameter `{name}` is not declared in the definition; it must come from outside it (parameters.json of a Standard logic app, or the deployment)"
                    ),
                    (None, false) => format!(
                        "the workflow parameter `{name}` is not declared in the definition's `parameters`{}",
                        names_hint(&self.parameters.iter().map(String::as_str).collect::<Vec<_>>(), "declared")
                    ),
                };
                let level = if external && ci.is_none() {
                    Level::Warning
                } else {
                    Level::Error
                };
                report("expr-unknown-parameter", level, span, message);
            }
            "variables" => {
                let Some((name, span)) = c.literal_arg(0) else {
                    return;
                };
                if self.dynamic_variables
                    || self.variables.iter().any(|v| v.eq_ignore_ascii_case(name))
                {
                    return;
                }
                report(
                    "expr-unknown-variable",
                    Level::Error,
                    span,
                    format!(
                        "no InitializeVariable action creates the variable `{name}`{}",
                        names_hint(
                            &self
                                .variables
                                .iter()
                                .map(String::as_str)
                                .collect::<Vec<_>>(),
                            "variables"
                        )
                    ),
                );
            }
            "actions"
            | "body"
            | "outputs"
            | "result"
            | "actionbody"
            | "actionoutputs"
            | "formdatavalue"
            | "formdatamultivalues"
            | "multipartbody" => {
                let Some((name, span)) = c.literal_arg(0) else {
                    return;
                };
                let Some(target) = self.find(name) else {
                    let hint = self
                        .suggest_action(name)
                        .map(|s| format!("; did you mean `{s}`?"))
                        .unwrap_or_default();
                    report(
                        "expr-unknown-action",
                        Level::Error,
                        span,
                        format!(
                            "{}('{name}') names an action that does not exist{hint}",
                            info.name
                        ),
                    );
                    return;
                };
                if let Some(message) = self.not_upstream(site, target) {
                    report(
                        "expr-not-upstream",
                        Level::Error,
                        span,
                        format!("{}('{name}'): {message}", info.name),
                    );
                }
            }
            _ => {}
        }
    }

    /// An action or trigger by name: exactly, then ignoring case.
    fn find(&self, name: &str) -> Option<NodeId> {
        self.by_name
            .get(name)
            .copied()
            .or_else(|| self.by_lower.get(&name.to_lowercase()).copied())
    }

    /// An action whose name differs only by spaces written as underscores
    /// (or the reverse).
    fn suggest_action(&self, name: &str) -> Option<&str> {
        [name.replace(' ', "_"), name.replace('_', " ")]
            .iter()
            .filter(|alt| alt.as_str() != name)
            .find_map(|alt| self.find(alt))
            .map(|id| self.outline.nodes[id].name.as_str())
    }

    /// Foreach loops (and, with `until`, Until loops) around the site,
    /// innermost first. A loop's own fields are outside it, except an
    /// Until's `expression`.
    fn enclosing_loops(&self, site: Site, until: bool) -> Vec<NodeId> {
        let Some(id) = site.node else {
            return Vec::new();
        };
        let own = (site.kind == SiteKind::UntilExpression && until).then_some(id);
        own.into_iter()
            .chain(self.outline.ancestors(id))
            .filter(|&a| match self.outline.nodes[a].ty {
                ActionType::Foreach => true,
                ActionType::Until => until,
                _ => false,
            })
            .collect()
    }

    fn item_available(&self, site: Site) -> bool {
        site.kind == SiteKind::ItemInputs || !self.enclosing_loops(site, false).is_empty()
    }

    /// Whether `target` is reachable backwards from `from` through
    /// runAfter (an index built once per checker: no walk per reference
    /// on chains, no recursion on chains or cycles of any length).
    fn reaches_back(&self, from: NodeId, target: NodeId) -> bool {
        if self.preds[from].contains(&target) {
            return true;
        }
        self.reach
            .get_or_init(|| crate::workflow::reach::Reach::new(&self.preds))
            .reaches_back(from, target)
    }

    /// Siblings from which `id` is reachable backwards through runAfter.
    fn upstream_siblings(&self, id: NodeId) -> HashSet<NodeId> {
        let mut seen = HashSet::new();
        let mut stack: Vec<NodeId> = self.preds[id].clone();
        while let Some(p) = stack.pop() {
            if seen.insert(p) {
                stack.extend(self.preds[p].iter().copied());
            }
        }
        seen
    }

    /// Marks `id` and every action nested in it.
    fn mark_with_descendants(&self, id: NodeId, marks: &mut [bool]) {
        marks[id] = true;
        for b in &self.outline.nodes[id].branches {
            for &c in &b.children {
                self.mark_with_descendants(c, marks);
            }
        }
    }

    /// `None` when `target` has finished wherever the site is evaluated;
    /// otherwise why not.
    fn not_upstream(&self, site: Site, target: NodeId) -> Option<String> {
        let o = self.outline;
        let t = &o.nodes[target];
        if t.role == Role::Trigger || site.kind == SiteKind::Outputs {
            return None;
        }
        // Outside every node, every action has finished.
        let n = site.node?;
        let node = &o.nodes[n];
        let chain: Vec<NodeId> = std::iter::once(target).chain(o.ancestors(target)).collect();
        if site.kind == SiteKind::UntilExpression && chain[1..].contains(&n) {
            return None;
        }
        if node.role == Role::Trigger {
            return Some(format!(
                "a trigger runs before every action, so it cannot read `{}`",
                t.name
            ));
        }
        if target == n {
            return Some(format!("`{}` cannot read its own result", t.name));
        }
        for level in std::iter::once(n).chain(o.ancestors(n)) {
            let parent = o.nodes[level].parent;
            let Some(&holder) = chain
                .iter()
                .find(|&&c| o.nodes[c].parent == parent && o.nodes[c].role == Role::Action)
            else {
                continue;
            };
            if holder == level {
                return Some(if level == n {
                    format!(
                        "`{}` is inside `{}`, which has not finished while its own fields are evaluated",
                        t.name, node.name
                    )
                } else if target == level {
                    format!(
                        "`{}` encloses `{}`, so it has not finished when `{}` runs",
                        t.name, node.name, node.name
                    )
                } else {
                    format!(
                        "`{}` is in another branch of `{}` than `{}`, so it has not run",
                        t.name, o.nodes[level].name, node.name
                    )
                });
            }
            if self.reaches_back(level, holder) {
                return None;
            }
            let via = if holder == target {
                String::new()
            } else {
                format!(" (it is inside `{}`)", o.nodes[holder].name)
            };
            return Some(format!(
                "`{}`{via} does not run before `{}`: add it to the runAfter of `{}`, directly or through actions that run after it",
                t.name,
                node.name,
                o.nodes[level].name
            ));
        }
        Some(format!("`{}` does not run before `{}`", t.name, node.name))
    }

    /// What an expression at `site` may name: for completion.
    pub fn reachable(&self, site: Site) -> Reachable {
        let o = self.outline;
        let mut upstream = vec![false; o.nodes.len()];
        match site.node {
            None => upstream.iter_mut().for_each(|u| *u = true),
            Some(_) if site.kind == SiteKind::Outputs => {
                upstream.iter_mut().for_each(|u| *u = true)
            }
            Some(n) if o.nodes[n].role == Role::Trigger => {}
            Some(n) => {
                for level in std::iter::once(n).chain(o.ancestors(n)) {
                    for s in self.upstream_siblings(level) {
                        self.mark_with_descendants(s, &mut upstream);
                    }
                }
                if site.kind == SiteKind::UntilExpression {
                    self.mark_with_descendants(n, &mut upstream);
                    upstream[n] = false;
                }
            }
        }
        let actions = o
            .actions()
            .filter(|n| upstream[n.id])
            .map(|n| n.name.clone())
            .collect();
        let names = |ids: Vec<NodeId>| -> Vec<String> {
            ids.into_iter().map(|i| o.nodes[i].name.clone()).collect()
        };
        Reachable {
            parameters: self
                .parameters
                .iter()
                .chain(
                    self.project_parameters
                        .iter()
                        .filter(|p| !self.parameters.contains(p)),
                )
                .cloned()
                .collect(),
            triggers: o
                .triggers
                .iter()
                .map(|&t| o.nodes[t].name.clone())
                .collect(),
            actions,
            variables: self.variables.clone(),
            loops: names(self.enclosing_loops(site, false)),
            iteration_loops: names(self.enclosing_loops(site, true)),
            item: self.item_available(site),
        }
    }
}

/// "a Foreach", "an If", …
fn article(type_name: &str) -> String {
    let vowel = type_name
        .chars()
        .next()
        .is_some_and(|c| "AEIOUaeiou".contains(c));
    let t = if type_name.is_empty() {
        "action"
    } else {
        type_name
    };
    format!(
        "{} {t}",
        if vowel || type_name.is_empty() {
            "an"
        } else {
            "a"
        }
    )
}

/// " (declared: a, b, c)" or nothing.
fn names_hint(names: &[&str], what: &str) -> String {
    if names.is_empty() {
        return String::new();
    }
    let shown: Vec<&str> = names.iter().copied().take(10).collect();
    let more = if names.len() > 10 { ", …" } else { "" };
    format!(" ({what}: {}{more})", shown.join(", "))
}
