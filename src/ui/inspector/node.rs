//! What a form knows of its node, copied out of the outline at the start
//! of the frame.

use crate::ui::session::Session;
use crate::workflow::model::ActionType;
use crate::workflow::tree::{BranchKind, NodeId, Role, RunAfter};

/// What a form needs to know of its node, copied out of the outline at the
/// start of the frame (an edit rebuilds the outline mid-frame).
#[derive(Debug, Clone)]
pub(crate) struct NodeSnap {
    /// Its name.
    pub name: String,
    /// Its pointer.
    pub pointer: String,
    /// Trigger or action.
    pub role: Role,
    /// Its type.
    pub ty: ActionType,
    /// Its run-after entries.
    pub run_after: Vec<RunAfter>,
    /// The names of its siblings, itself excluded.
    pub siblings: Vec<String>,
    /// Whether it sits inside a control action.
    pub nested: bool,
    /// Where it can move: (label, actions pointer), "Top level" first.
    pub targets: Vec<(String, String)>,
    /// The actions object that holds it.
    pub container: String,
    /// The definition's pointer.
    pub definition: String,
}

impl NodeSnap {
    pub(crate) fn take(session: &Session, id: NodeId) -> Option<NodeSnap> {
        let o = &session.current().graph.outline;
        let n = o.nodes.get(id)?;
        let siblings = o
            .siblings(id)
            .iter()
            .filter(|&&s| s != id)
            .filter_map(|&s| o.nodes.get(s))
            .map(|s| s.name.clone())
            .collect();
        let top = format!("{}/actions", o.definition_pointer);
        let container = match n.parent {
            Some((p, b)) => o
                .nodes
                .get(p)
                .and_then(|p| p.branches.get(b))
                .map(|b| b.actions_pointer.clone())
                .unwrap_or_else(|| top.clone()),
            None => top.clone(),
        };
        let mut targets = vec![("Top level".to_owned(), top)];
        if n.role == Role::Action {
            for c in &o.nodes {
                if c.id == id || c.branches.is_empty() || o.ancestors(c.id).any(|a| a == id) {
                    continue;
                }
                for b in &c.branches {
                    let label = match &b.kind {
                        BranchKind::Body => c.name.clone(),
                        k => format!("{} · {}", c.name, k.label()),
                    };
                    targets.push((label, b.actions_pointer.clone()));
                }
            }
        }
        Some(NodeSnap {
            name: n.name.clone(),
            pointer: n.pointer.clone(),
            role: n.role,
            ty: n.ty.clone(),
            run_after: n.run_after.clone(),
            siblings,
            nested: n.parent.is_some(),
            targets,
            container,
            definition: o.definition_pointer.clone(),
        })
    }
}
