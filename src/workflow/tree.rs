//! The outline of a definition: every trigger and action with its scope,
//! branch, depth, run-after and JSON pointer, in one flat arena. The graph,
//! the validator and the layout are all derived from it.

use super::model::{is_arm_expression, ActionType};
use super::text::escape_pointer;
use serde_json::{Map, Value};

/// Index of a node in [`Outline::nodes`].
pub type NodeId = usize;

/// Whether a node is a trigger or an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A trigger.
    Trigger,
    /// An action.
    Action,
}

/// Which part of a control action a branch is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "lowercase")]
pub enum BranchKind {
    /// The body of Foreach, Until, Scope (and any action with `actions`).
    Body,
    /// `actions` of an If.
    True,
    /// `else.actions` of an If.
    False,
    /// `cases.<name>.actions` of a Switch.
    Case(String),
    /// `default.actions` of a Switch.
    Default,
    /// `tools.<name>.actions` of an Agent.
    Tool(String),
}

impl BranchKind {
    /// The label drawn above the branch.
    pub fn label(&self) -> String {
        match self {
            BranchKind::Body => String::new(),
            BranchKind::True => "True".into(),
            BranchKind::False => "False".into(),
            BranchKind::Case(n) => format!("Case {n}"),
            BranchKind::Default => "Default".into(),
            BranchKind::Tool(n) => format!("Tool {n}"),
        }
    }
}

/// A list of nested actions inside a control action.
#[derive(Debug, Clone, PartialEq)]
pub struct Branch {
    /// Which part of the control action it is.
    pub kind: BranchKind,
    /// Pointer to the branch's `actions` object (it may not exist yet).
    pub actions_pointer: String,
    /// The branch's actions, in file order.
    pub children: Vec<NodeId>,
}

/// One run-after entry: the sibling this action waits for, and the statuses
/// (as written) that let it run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RunAfter {
    /// The name of the sibling waited for.
    pub target: String,
    /// The statuses, as written.
    pub statuses: Vec<String>,
}

/// A trigger or an action.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Its index in [`Outline::nodes`].
    pub id: NodeId,
    /// Its key in `triggers` or `actions`.
    pub name: String,
    /// Trigger or action.
    pub role: Role,
    /// The type as written.
    pub type_name: String,
    /// The type, parsed.
    pub ty: ActionType,
    /// JSON pointer to the node's object, from the file's root.
    pub pointer: String,
    /// The control action and branch index that hold this action; `None`
    /// for triggers and top-level actions.
    pub parent: Option<(NodeId, usize)>,
    /// 1 for top-level actions and triggers, 2 inside one scope, …
    pub depth: usize,
    /// The `runAfter` entries, in file order.
    pub run_after: Vec<RunAfter>,
    /// The branches of a control action; empty for other nodes.
    pub branches: Vec<Branch>,
}

/// A definition's triggers and actions, flattened.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Outline {
    /// Every trigger and action, indexed by [`NodeId`].
    pub nodes: Vec<Node>,
    /// The triggers, in file order.
    pub triggers: Vec<NodeId>,
    /// Top-level actions, in file order.
    pub top: Vec<NodeId>,
    /// Pointer to the definition object.
    pub definition_pointer: String,
}

/// The definition does not have the shape of a workflow definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeError {
    /// JSON pointer to the offending value, from the file's root.
    pub pointer: String,
    /// What is wrong, in one sentence.
    pub message: String,
}

/// Hard ceiling on nesting while walking, far above the Logic Apps limit of
/// 8, so that hostile input cannot exhaust the stack.
const WALK_DEPTH_CEILING: usize = 64;

impl Outline {
    /// Builds the outline of the definition at `pointer` in `root`.
    pub fn build(definition: &Map<String, Value>, pointer: &str) -> Result<Outline, ShapeError> {
        let mut o = Outline {
            definition_pointer: pointer.to_owned(),
            ..Outline::default()
        };
        for key in ["parameters", "outputs", "staticResults"] {
            expect_object_or_arm(definition.get(key), &format!("{pointer}/{key}"), key)?;
        }
        if let Some(t) = expect_object_or_arm(
            definition.get("triggers"),
            &format!("{pointer}/triggers"),
            "triggers",
        )? {
            for (name, v) in t {
                let p = format!("{pointer}/triggers/{}", escape_pointer(name));
                let id = o.push_node(name, v, &p, Role::Trigger, None, 1)?;
                o.triggers.push(id);
            }
        }
        let actions_pointer = format!("{pointer}/actions");
        o.top = o.walk(definition.get("actions"), &actions_pointer, None, 1)?;
        Ok(o)
    }

    fn walk(
        &mut self,
        actions: Option<&Value>,
        pointer: &str,
        parent: Option<(NodeId, usize)>,
        depth: usize,
    ) -> Result<Vec<NodeId>, ShapeError> {
        let Some(map) = expect_object_or_arm(actions, pointer, "actions")? else {
            return Ok(Vec::new());
        };
        if depth > WALK_DEPTH_CEILING {
            return Err(ShapeError {
                pointer: pointer.to_owned(),
                message: format!("actions are nested more than {WALK_DEPTH_CEILING} levels deep"),
            });
        }
        let mut ids = Vec::with_capacity(map.len());
        for (name, v) in map {
            let p = format!("{pointer}/{}", escape_pointer(name));
            let id = self.push_node(name, v, &p, Role::Action, parent, depth)?;
            ids.push(id);
            let obj = v.as_object().expect("checked by push_node");
            let specs = branch_specs(&self.nodes[id].ty, obj, &p)?;
            for (bi, (kind, value, bp)) in specs.into_iter().enumerate() {
                self.nodes[id].branches.push(Branch {
                    kind,
                    actions_pointer: bp.clone(),
                    children: Vec::new(),
                });
                let children = self.walk(value, &bp, Some((id, bi)), depth + 1)?;
                self.nodes[id].branches[bi].children = children;
            }
        }
        Ok(ids)
    }

    fn push_node(
        &mut self,
        name: &str,
        v: &Value,
        pointer: &str,
        role: Role,
        parent: Option<(NodeId, usize)>,
        depth: usize,
    ) -> Result<NodeId, ShapeError> {
        let what = if role == Role::Trigger {
            "trigger"
        } else {
            "action"
        };
        let obj = v.as_object().ok_or_else(|| ShapeError {
            pointer: pointer.to_owned(),
            message: format!(
                "the {what} `{name}` must be a JSON object, found {}",
                kind_of(v)
            ),
        })?;
        let type_name = match obj.get("type") {
            Some(Value::String(s)) => s.clone(),
            None => String::new(),
            Some(other) => {
                return Err(ShapeError {
                    pointer: format!("{pointer}/type"),
                    message: format!(
                        "the type of {what} `{name}` must be a string, found {}",
                        kind_of(other)
                    ),
                })
            }
        };
        let mut run_after = Vec::new();
        match obj.get("runAfter") {
            None | Some(Value::Null) => {}
            Some(Value::Object(ra)) => {
                for (target, statuses) in ra {
                    let sp = format!("{pointer}/runAfter/{}", escape_pointer(target));
                    let list = statuses.as_array().ok_or_else(|| ShapeError {
                        pointer: sp.clone(),
                        message: format!(
                            "runAfter of `{name}` must list statuses for `{target}` as an array, found {}",
                            kind_of(statuses)
                        ),
                    })?;
                    let mut out = Vec::with_capacity(list.len());
                    for (i, s) in list.iter().enumerate() {
                        out.push(
                            s.as_str()
                                .ok_or_else(|| ShapeError {
                                    pointer: format!("{sp}/{i}"),
                                    message: format!(
                                        "a run-after status of `{name}` must be a string, found {}",
                                        kind_of(s)
                                    ),
                                })?
                                .to_owned(),
                        );
                    }
                    run_after.push(RunAfter {
                        target: target.clone(),
                        statuses: out,
                    });
                }
            }
            Some(Value::String(s)) if is_arm_expression(s) => {}
            Some(other) => {
                return Err(ShapeError {
                    pointer: format!("{pointer}/runAfter"),
                    message: format!(
                        "runAfter of `{name}` must be an object, found {}",
                        kind_of(other)
                    ),
                })
            }
        }
        let id = self.nodes.len();
        self.nodes.push(Node {
            id,
            name: name.to_owned(),
            role,
            ty: ActionType::parse(&type_name),
            type_name,
            pointer: pointer.to_owned(),
            parent,
            depth,
            run_after,
            branches: Vec::new(),
        });
        Ok(id)
    }

    /// The JSON object of every node, indexed by node id, found by walking
    /// down from the definition (much cheaper than resolving each pointer).
    /// `root` must be the value the outline was built from.
    pub fn objects<'a>(&self, root: &'a Value) -> Vec<Option<&'a Map<String, Value>>> {
        let def = root.pointer(&self.definition_pointer);
        let list = |v: Option<&'a Value>, key: &str| v.and_then(|d| d.get(key));
        let top_triggers = list(def, "triggers");
        let top_actions = list(def, "actions");
        let mut out: Vec<Option<&'a Map<String, Value>>> = Vec::with_capacity(self.nodes.len());
        for n in &self.nodes {
            let container: Option<&'a Value> = match (n.role, n.parent) {
                (Role::Trigger, _) => top_triggers,
                (Role::Action, None) => top_actions,
                (Role::Action, Some((p, b))) => out[p].and_then(|parent| {
                    let at = |k: &str| parent.get(k);
                    match &self.nodes[p].branches[b].kind {
                        BranchKind::Body | BranchKind::True => at("actions"),
                        BranchKind::False => at("else").and_then(|e| e.get("actions")),
                        BranchKind::Default => at("default").and_then(|e| e.get("actions")),
                        BranchKind::Case(c) => at("cases")
                            .and_then(|e| e.get(c))
                            .and_then(|e| e.get("actions")),
                        BranchKind::Tool(t) => at("tools")
                            .and_then(|e| e.get(t))
                            .and_then(|e| e.get("actions")),
                    }
                }),
            };
            out.push(
                container
                    .and_then(|c| c.get(&n.name))
                    .and_then(Value::as_object),
            );
        }
        out
    }

    /// Actions only (no triggers), in file order.
    pub fn actions(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(|n| n.role == Role::Action)
    }

    /// The siblings of a node: the list it belongs to.
    pub fn siblings(&self, id: NodeId) -> &[NodeId] {
        let n = &self.nodes[id];
        match (n.role, n.parent) {
            (Role::Trigger, _) => &self.triggers,
            (Role::Action, None) => &self.top,
            (Role::Action, Some((p, b))) => &self.nodes[p].branches[b].children,
        }
    }

    /// First node with this name (names should be unique).
    pub fn find(&self, name: &str) -> Option<NodeId> {
        self.nodes.iter().position(|n| n.name == name)
    }

    /// The chain of control actions above a node, innermost first.
    pub fn ancestors(&self, id: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        std::iter::successors(self.nodes[id].parent.map(|(p, _)| p), |&p| {
            self.nodes[p].parent.map(|(q, _)| q)
        })
    }
}

/// One branch as found in the file: its kind, its `actions` value and the
/// pointer to that value.
type BranchSpec<'a> = (BranchKind, Option<&'a Value>, String);

/// The branches an action has, by type. The objects that hold branches
/// (`else`, `cases` and each case, `default`, `tools` and each tool) must be
/// objects; an ARM expression in their place is kept and left unchecked.
fn branch_specs<'a>(
    ty: &ActionType,
    obj: &'a Map<String, Value>,
    p: &str,
) -> Result<Vec<BranchSpec<'a>>, ShapeError> {
    let part = |m: &'a Map<String, Value>, key: &str, at: &str| {
        let ptr = format!("{at}/{}", escape_pointer(key));
        // Name a case or tool by its place: `cases/Europe`.
        let label = match at.rsplit('/').next() {
            Some(parent @ ("cases" | "tools")) => format!("{parent}/{key}"),
            _ => key.to_owned(),
        };
        expect_object_or_arm(m.get(key), &ptr, &label)
    };
    let mut out = Vec::new();
    match ty {
        ActionType::If => {
            out.push((BranchKind::True, obj.get("actions"), format!("{p}/actions")));
            let e = part(obj, "else", p)?;
            out.push((
                BranchKind::False,
                e.and_then(|e| e.get("actions")),
                format!("{p}/else/actions"),
            ));
        }
        ActionType::Switch => {
            if let Some(cases) = part(obj, "cases", p)? {
                let cp = format!("{p}/cases");
                for name in cases.keys() {
                    let case = part(cases, name, &cp)?;
                    out.push((
                        BranchKind::Case(name.clone()),
                        case.and_then(|c| c.get("actions")),
                        format!("{cp}/{}/actions", escape_pointer(name)),
                    ));
                }
            }
            let d = part(obj, "default", p)?;
            out.push((
                BranchKind::Default,
                d.and_then(|d| d.get("actions")),
                format!("{p}/default/actions"),
            ));
        }
        ActionType::Agent => {
            if let Some(tools) = part(obj, "tools", p)? {
                let tp = format!("{p}/tools");
                for name in tools.keys() {
                    let tool = part(tools, name, &tp)?;
                    out.push((
                        BranchKind::Tool(name.clone()),
                        tool.and_then(|t| t.get("actions")),
                        format!("{tp}/{}/actions", escape_pointer(name)),
                    ));
                }
            }
            if obj.contains_key("actions") {
                out.push((BranchKind::Body, obj.get("actions"), format!("{p}/actions")));
            }
        }
        ActionType::Foreach | ActionType::Until | ActionType::Scope => {
            out.push((BranchKind::Body, obj.get("actions"), format!("{p}/actions")));
        }
        _ => {
            // An unknown or ARM-expression type that nests actions anyway.
            if let Some(a @ Value::Object(_)) = obj.get("actions") {
                out.push((BranchKind::Body, Some(a), format!("{p}/actions")));
            }
        }
    }
    Ok(out)
}

fn expect_object_or_arm<'a>(
    v: Option<&'a Value>,
    pointer: &str,
    what: &str,
) -> Result<Option<&'a Map<String, Value>>, ShapeError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(Value::String(s)) if is_arm_expression(s) => Ok(None),
        Some(other) => Err(ShapeError {
            pointer: pointer.to_owned(),
            message: format!("`{what}` must be a JSON object, found {}", kind_of(other)),
        }),
    }
}

/// "an array", "a string", … for messages.
pub fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
