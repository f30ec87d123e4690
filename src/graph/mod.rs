//! A petgraph view of a workflow: one node per trigger and action, one edge
//! per resolved run-after (from the action waited for to the one waiting),
//! and scopes as nested subgraphs (the outline's branches). Validation and
//! layout are derived from it.

pub mod layout;
pub mod project_rules;
pub mod rules;
pub mod svg;
pub mod validate;

use crate::workflow::tree::{NodeId, Outline, Role};
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::HashMap;

/// A run-after edge between two siblings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    /// The statuses as written (`Succeeded`, `FAILED`, …).
    pub statuses: Vec<String>,
}

impl Edge {
    /// True when the edge waits only for success (drawn plainly).
    pub fn is_plain_success(&self) -> bool {
        self.statuses.is_empty()
            || (self.statuses.len() == 1 && self.statuses[0].eq_ignore_ascii_case("Succeeded"))
    }
}

/// The graph of a workflow.
#[derive(Debug, Clone)]
pub struct WorkflowGraph {
    /// The outline the graph is built from (shared: the editor reuses it
    /// for the next edit instead of building it again).
    pub outline: std::sync::Arc<Outline>,
    /// Node weights are outline node ids; `index[id]` is the graph index.
    pub graph: DiGraph<NodeId, Edge>,
    /// The graph index of each outline node, by [`NodeId`].
    pub index: Vec<NodeIndex>,
}

impl WorkflowGraph {
    /// Builds the graph of an outline: one edge per run-after entry that
    /// names a sibling.
    pub fn build(outline: Outline) -> WorkflowGraph {
        let mut graph = DiGraph::with_capacity(outline.nodes.len(), outline.nodes.len());
        let index: Vec<NodeIndex> = outline.nodes.iter().map(|n| graph.add_node(n.id)).collect();
        // Names are looked up among the siblings only: run-after may only
        // name actions in the same scope.
        let mut lists: Vec<&[NodeId]> = vec![&outline.top];
        for n in &outline.nodes {
            for b in &n.branches {
                lists.push(&b.children);
            }
        }
        for list in lists {
            let by_name: HashMap<&str, NodeId> = list
                .iter()
                .map(|&id| (outline.nodes[id].name.as_str(), id))
                .collect();
            for &id in list {
                for ra in &outline.nodes[id].run_after {
                    if let Some(&from) = by_name.get(ra.target.as_str()) {
                        graph.add_edge(
                            index[from],
                            index[id],
                            Edge {
                                statuses: ra.statuses.clone(),
                            },
                        );
                    }
                }
            }
        }
        WorkflowGraph {
            outline: std::sync::Arc::new(outline),
            graph,
            index,
        }
    }

    /// The siblings this action waits for (resolved run-after), with the
    /// edge, in the order written.
    pub fn predecessors(&self, id: NodeId) -> Vec<(NodeId, &Edge)> {
        let mut v: Vec<(NodeId, &Edge)> = self
            .graph
            .edges_directed(self.index[id], petgraph::Direction::Incoming)
            .map(|e| {
                use petgraph::visit::EdgeRef;
                (self.graph[e.source()], e.weight())
            })
            .collect();
        // petgraph lists the newest edge first; keep the file's order.
        v.reverse();
        v
    }

    /// The siblings that wait for this action.
    pub fn successors(&self, id: NodeId) -> Vec<NodeId> {
        let mut v: Vec<NodeId> = self
            .graph
            .neighbors_directed(self.index[id], petgraph::Direction::Outgoing)
            .map(|n| self.graph[n])
            .collect();
        v.reverse();
        v
    }

    /// Orders one sibling list so that every action comes after the ones it
    /// waits for; ties keep the file's order. Actions caught in a cycle come
    /// last, in file order, and are returned in the second list.
    pub fn order_siblings(&self, list: &[NodeId]) -> (Vec<NodeId>, Vec<NodeId>) {
        let pos: HashMap<NodeId, usize> = list.iter().enumerate().map(|(i, &n)| (n, i)).collect();
        let mut indegree = vec![0usize; list.len()];
        for (i, &id) in list.iter().enumerate() {
            indegree[i] = self
                .predecessors(id)
                .iter()
                .filter(|(p, _)| pos.contains_key(p))
                .count();
        }
        // A min-heap on file position keeps the order deterministic.
        let mut ready: std::collections::BinaryHeap<std::cmp::Reverse<usize>> = indegree
            .iter()
            .enumerate()
            .filter(|(_, &d)| d == 0)
            .map(|(i, _)| std::cmp::Reverse(i))
            .collect();
        let mut out = Vec::with_capacity(list.len());
        let mut done = vec![false; list.len()];
        while let Some(std::cmp::Reverse(i)) = ready.pop() {
            done[i] = true;
            out.push(list[i]);
            for s in self.successors(list[i]) {
                if let Some(&j) = pos.get(&s) {
                    indegree[j] -= 1;
                    if indegree[j] == 0 {
                        ready.push(std::cmp::Reverse(j));
                    }
                }
            }
        }
        let stuck: Vec<NodeId> = (0..list.len())
            .filter(|&i| !done[i])
            .map(|i| list[i])
            .collect();
        out.extend(&stuck);
        (out, stuck)
    }

    /// Every trigger and action in topological order: triggers first, then
    /// top-level actions by run-after, each control action followed by its
    /// branches' contents (depth first).
    pub fn topological_order(&self) -> Vec<NodeId> {
        let mut out = Vec::with_capacity(self.outline.nodes.len());
        out.extend(&self.outline.triggers);
        self.push_ordered(&self.outline.top, &mut out);
        out
    }

    fn push_ordered(&self, list: &[NodeId], out: &mut Vec<NodeId>) {
        let (ordered, _) = self.order_siblings(list);
        for id in ordered {
            out.push(id);
            for b in &self.outline.nodes[id].branches {
                self.push_ordered(&b.children, out);
            }
        }
    }

    /// The groups of actions that wait for each other in a circle.
    /// (Kosaraju's walk keeps its own stack; petgraph's Tarjan recurses
    /// once per node of a chain and overflows on long ones.)
    pub fn cycles(&self) -> Vec<Vec<NodeId>> {
        let mut v: Vec<Vec<NodeId>> = petgraph::algo::kosaraju_scc(&self.graph)
            .into_iter()
            .filter(|c| c.len() > 1 || self.graph.contains_edge(c[0], c[0]))
            .map(|c| {
                let mut ids: Vec<NodeId> = c.into_iter().map(|i| self.graph[i]).collect();
                ids.sort_unstable();
                ids
            })
            .collect();
        v.sort();
        v
    }

    /// Graphviz text of the graph, with scopes as clusters.
    pub fn to_dot(&self) -> String {
        let o = &self.outline;
        let q = |s: &str| {
            format!(
                "\"{}\"",
                s.replace('\\', "\\\\")
                    .replace('"', "\\\"")
                    .replace('\n', "\\n")
                    .replace(|c: char| c.is_control(), "\u{FFFD}")
            )
        };
        let mut s =
            String::from("digraph workflow {\n  rankdir=TB;\n  node [shape=box, style=rounded];\n");
        for &t in &o.triggers {
            let n = &o.nodes[t];
            s.push_str(&format!(
                "  {} [label={}, shape=box, style=\"rounded,bold\"];\n",
                q(&n.name),
                q(&format!("{}\n{}", n.name, n.type_name))
            ));
        }
        fn cluster(
            g: &WorkflowGraph,
            list: &[NodeId],
            indent: usize,
            s: &mut String,
            q: &dyn Fn(&str) -> String,
        ) {
            let pad = " ".repeat(indent);
            for &id in list {
                let n = &g.outline.nodes[id];
                if n.branches.is_empty() {
                    s.push_str(&format!(
                        "{pad}{} [label={}];\n",
                        q(&n.name),
                        q(&format!("{}\n{}", n.name, n.type_name))
                    ));
                    continue;
                }
                s.push_str(&format!(
                    "{pad}subgraph {} {{\n{pad}  label={};\n{pad}  {} [label={}, shape=plaintext];\n",
                    q(&format!("cluster_{}", n.name)),
                    q(&format!("{} ({})", n.name, n.type_name)),
                    q(&n.name),
                    q(&n.type_name)
                ));
                for b in &n.branches {
                    let label = b.kind.label();
                    if label.is_empty() {
                        cluster(g, &b.children, indent + 2, s, q);
                    } else {
                        s.push_str(&format!(
                            "{pad}  subgraph {} {{\n{pad}    label={};\n",
                            q(&format!("cluster_{}_{}", n.name, label)),
                            q(&label)
                        ));
                        cluster(g, &b.children, indent + 4, s, q);
                        s.push_str(&format!("{pad}  }}\n"));
                    }
                }
                s.push_str(&format!("{pad}}}\n"));
            }
        }
        cluster(self, &o.top, 2, &mut s, &q);
        for e in self.graph.edge_indices() {
            let (a, b) = self.graph.edge_endpoints(e).expect("edge exists");
            let edge = &self.graph[e];
            let from = &o.nodes[self.graph[a]].name;
            let to = &o.nodes[self.graph[b]].name;
            if edge.is_plain_success() {
                s.push_str(&format!("  {} -> {};\n", q(from), q(to)));
            } else {
                s.push_str(&format!(
                    "  {} -> {} [label={}, color=firebrick];\n",
                    q(from),
                    q(to),
                    q(&edge.statuses.join(", "))
                ));
            }
        }
        // Top-level actions with no run-after start after the trigger.
        for &id in &o.top {
            if o.nodes[id].run_after.is_empty() {
                for &t in &o.triggers {
                    s.push_str(&format!(
                        "  {} -> {} [style=dashed];\n",
                        q(&o.nodes[t].name),
                        q(&o.nodes[id].name)
                    ));
                }
            }
        }
        s.push_str("}\n");
        s
    }

    /// Number of actions (not triggers).
    pub fn action_count(&self) -> usize {
        self.outline
            .nodes
            .iter()
            .filter(|n| n.role == Role::Action)
            .count()
    }

    /// The deepest nesting level among actions (1 = top level).
    pub fn max_depth(&self) -> usize {
        self.outline.actions().map(|n| n.depth).max().unwrap_or(0)
    }
}
