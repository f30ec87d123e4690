//! A semantic diff of two versions of a workflow file: what a reviewer wants
//! to know (actions added, removed, renamed, moved between scopes, run-after
//! and input changes, parameters and access control), not which lines moved.
//!
//! Workflows are paired by position (the n-th workflow of each file).
//! Actions (and triggers) are paired by name; an action that disappeared and
//! one that appeared with the same content (everything but its run-after and
//! nested actions) are one action renamed. Secret values are masked.

use super::tree::Role;
use super::Document;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet};

/// What is printed in place of a secret value.
pub const MASK: &str = "***";

/// One difference.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// An action or trigger that only the new version has.
    Added {
        /// Its name.
        name: String,
        /// Where it is (`top level`, or the branch that holds it).
        scope: String,
    },
    /// An action or trigger that only the old version has.
    Removed {
        /// Its name.
        name: String,
        /// Where it was.
        scope: String,
    },
    /// The same action under a new name.
    Renamed {
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// An action now in another scope or branch.
    Moved {
        /// Its (new) name.
        name: String,
        /// The old scope.
        from: String,
        /// The new scope.
        to: String,
    },
    /// An action whose run-after changed (renamed predecessors excepted).
    RunAfter {
        /// Its (new) name.
        name: String,
        /// The old run-after.
        old: Value,
        /// The new run-after.
        new: Value,
    },
    /// A field of an action changed.
    Field {
        /// Its (new) name.
        name: String,
        /// JSON pointer inside the action.
        pointer: String,
        /// The old value (absent: added).
        old: Option<Value>,
        /// The new value (absent: removed).
        new: Option<Value>,
    },
    /// A definition parameter added, removed or changed.
    Parameter {
        /// Its name.
        name: String,
        /// JSON pointer inside the parameter.
        pointer: String,
        /// The old value.
        old: Option<Value>,
        /// The new value.
        new: Option<Value>,
    },
    /// The access control (allowed caller IP ranges) changed.
    AccessControl {
        /// JSON pointer inside `accessControl`.
        pointer: String,
        /// The old value.
        old: Option<Value>,
        /// The new value.
        new: Option<Value>,
    },
    /// Another part of the definition changed (outputs, the schema, …).
    Definition {
        /// JSON pointer inside the definition.
        pointer: String,
        /// The old value.
        old: Option<Value>,
        /// The new value.
        new: Option<Value>,
    },
}

/// The differences of one workflow.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkflowDiff {
    /// The workflow's (new) name.
    pub workflow: String,
    /// What changed, in a stable order.
    pub changes: Vec<Change>,
}

/// Compares two documents workflow by workflow. Workflows present in only
/// one of them show every action as added or removed.
pub fn diff_documents(old: &Document, new: &Document) -> Vec<WorkflowDiff> {
    let n = old.workflows.len().max(new.workflows.len());
    let empty = Map::new();
    let mut out = Vec::new();
    for i in 0..n {
        let od = (i < old.workflows.len()).then(|| old.definition(i));
        let nd = (i < new.workflows.len()).then(|| new.definition(i));
        let name = new
            .workflows
            .get(i)
            .or(old.workflows.get(i))
            .map(|w| w.name.clone())
            .unwrap_or_default();
        let mut changes = diff_definitions(
            od.unwrap_or(&empty),
            old.workflows.get(i).map_or("", |w| &w.definition_pointer),
            nd.unwrap_or(&empty),
            new.workflows.get(i).map_or("", |w| &w.definition_pointer),
        );
        let ac = |d: &Document, i: usize| -> Option<Value> {
            let w = d.workflows.get(i)?;
            let parent = w.definition_pointer.strip_suffix("/definition")?;
            d.root.pointer(&format!("{parent}/accessControl")).cloned()
        };
        let (oa, na) = (ac(old, i), ac(new, i));
        if oa != na {
            let mut leaves = Vec::new();
            leaf_changes(oa.as_ref(), na.as_ref(), "", &mut leaves);
            for (pointer, old, new) in leaves {
                changes.push(Change::AccessControl { pointer, old, new });
            }
        }
        out.push(WorkflowDiff {
            workflow: name,
            changes,
        });
    }
    out
}

struct Act<'a> {
    scope: String,
    value: &'a Value,
}

fn actions<'a>(def: &'a Map<String, Value>, base: &str) -> BTreeMap<String, Act<'a>> {
    let mut out = BTreeMap::new();
    let Ok(outline) = super::Outline::build(def, base) else {
        return out;
    };
    for n in &outline.nodes {
        let Some(value) = n
            .pointer
            .strip_prefix(base)
            .and_then(|p| pointer_in(def, p))
        else {
            continue;
        };
        let scope = match (n.role, n.parent) {
            (Role::Trigger, _) => "triggers".to_string(),
            (Role::Action, None) => "top level".to_string(),
            (Role::Action, Some((p, b))) => {
                let parent = &outline.nodes[p];
                let label = parent.branches[b].kind.label();
                if label.is_empty() {
                    parent.name.clone()
                } else {
                    format!("{} ({label})", parent.name)
                }
            }
        };
        out.insert(n.name.clone(), Act { scope, value });
    }
    out
}

fn pointer_in<'a>(def: &'a Map<String, Value>, p: &str) -> Option<&'a Value> {
    let rest = p.strip_prefix('/')?;
    let (first, tail) = match rest.find('/') {
        Some(k) => (&rest[..k], &rest[k..]),
        None => (rest, ""),
    };
    let first = first.replace("~1", "/").replace("~0", "~");
    let v = def.get(&first)?;
    if tail.is_empty() {
        Some(v)
    } else {
        v.pointer(tail)
    }
}

/// An action without its run-after and nested actions: what identifies it
/// across a rename.
fn content(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(m) = v.as_object_mut() {
        m.remove("runAfter");
        strip_nested(m);
    }
    v
}

fn strip_nested(m: &mut Map<String, Value>) {
    m.remove("actions");
    for k in ["else", "default"] {
        if let Some(Value::Object(b)) = m.get_mut(k) {
            b.remove("actions");
        }
    }
    if let Some(Value::Object(cases)) = m.get_mut("cases") {
        for c in cases.values_mut() {
            if let Some(c) = c.as_object_mut() {
                c.remove("actions");
            }
        }
    }
}

fn diff_definitions(
    od: &Map<String, Value>,
    obase: &str,
    nd: &Map<String, Value>,
    nbase: &str,
) -> Vec<Change> {
    let oa = actions(od, obase);
    let na = actions(nd, nbase);
    let mut changes = Vec::new();
    let removed: Vec<&String> = oa.keys().filter(|k| !na.contains_key(*k)).collect();
    let added: Vec<&String> = na.keys().filter(|k| !oa.contains_key(*k)).collect();
    // Renames: a removed and an added action with the same content.
    let mut renamed: HashMap<String, String> = HashMap::new();
    let mut taken: HashSet<&String> = HashSet::new();
    for r in &removed {
        let c = content(oa[*r].value);
        if let Some(a) = added
            .iter()
            .find(|a| !taken.contains(**a) && content(na[**a].value) == c)
        {
            taken.insert(a);
            renamed.insert((*r).clone(), (*a).clone());
        }
    }
    for r in &removed {
        match renamed.get(*r) {
            Some(to) => changes.push(Change::Renamed {
                from: (*r).clone(),
                to: to.clone(),
            }),
            None => changes.push(Change::Removed {
                name: (*r).clone(),
                scope: oa[*r].scope.clone(),
            }),
        }
    }
    for a in &added {
        if !taken.contains(*a) {
            changes.push(Change::Added {
                name: (*a).clone(),
                scope: na[*a].scope.clone(),
            });
        }
    }
    // Pairs: same name, or renamed.
    let mut pairs: Vec<(&String, &String)> = oa
        .keys()
        .filter(|k| na.contains_key(*k))
        .map(|k| (k, k))
        .collect();
    for (from, to) in &renamed {
        if let (Some((f, _)), Some((t, _))) = (oa.get_key_value(from), na.get_key_value(to)) {
            pairs.push((f, t));
        }
    }
    pairs.sort_by(|a, b| a.1.cmp(b.1));
    let rename_scope = |s: &str| -> String {
        let mut s = s.to_string();
        for (from, to) in &renamed {
            if let Some(rest) = s.strip_prefix(from.as_str()) {
                if rest.is_empty() || rest.starts_with(" (") {
                    s = format!("{to}{rest}");
                }
            }
        }
        s
    };
    for (o, n) in pairs {
        let (a, b) = (&oa[o], &na[n]);
        if rename_scope(&a.scope) != b.scope {
            changes.push(Change::Moved {
                name: n.clone(),
                from: a.scope.clone(),
                to: b.scope.clone(),
            });
        }
        let mut ora = a.value.get("runAfter").cloned().unwrap_or(Value::Null);
        if let Some(m) = ora.as_object_mut() {
            *m = m
                .iter()
                .map(|(k, v)| (renamed.get(k).cloned().unwrap_or(k.clone()), v.clone()))
                .collect();
        }
        let nra = b.value.get("runAfter").cloned().unwrap_or(Value::Null);
        if ora != nra {
            changes.push(Change::RunAfter {
                name: n.clone(),
                old: a.value.get("runAfter").cloned().unwrap_or(Value::Null),
                new: nra,
            });
        }
        let (ca, cb) = (content(a.value), content(b.value));
        if ca != cb {
            let mut leaves = Vec::new();
            leaf_changes(Some(&ca), Some(&cb), "", &mut leaves);
            for (pointer, old, new) in leaves {
                changes.push(Change::Field {
                    name: n.clone(),
                    pointer,
                    old,
                    new,
                });
            }
        }
    }
    // Parameters.
    let params = |d: &Map<String, Value>| d.get("parameters").cloned().unwrap_or(Value::Null);
    let (op, np) = (params(od), params(nd));
    if op != np {
        let mut leaves = Vec::new();
        leaf_changes(Some(&op), Some(&np), "", &mut leaves);
        for (pointer, old, new) in leaves {
            let rest = pointer.trim_start_matches('/');
            let (name, inner) = match rest.find('/') {
                Some(k) => (&rest[..k], rest[k..].to_string()),
                None => (rest, String::new()),
            };
            let name = name.replace("~1", "/").replace("~0", "~");
            let secure = [&op, &np].iter().any(|p| {
                p.get(&name)
                    .and_then(|x| x.get("type"))
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.to_ascii_lowercase().starts_with("secure"))
            });
            let mask = |v: Option<Value>| {
                if secure && !inner.starts_with("/type") && !inner.starts_with("/metadata") {
                    v.map(|_| Value::String(MASK.into()))
                } else {
                    v
                }
            };
            changes.push(Change::Parameter {
                name,
                pointer: inner.clone(),
                old: mask(old),
                new: mask(new),
            });
        }
    }
    // The rest of the definition (outputs, schema, …).
    let skip = ["actions", "triggers", "parameters"];
    let keys: Vec<&String> = {
        let mut k: Vec<&String> = od.keys().chain(nd.keys()).collect();
        k.sort();
        k.dedup();
        k
    };
    for k in keys {
        if skip.contains(&k.as_str()) || od.get(k) == nd.get(k) {
            continue;
        }
        let mut leaves = Vec::new();
        leaf_changes(
            od.get(k),
            nd.get(k),
            &format!("/{}", super::text::escape_pointer(k)),
            &mut leaves,
        );
        for (pointer, old, new) in leaves {
            changes.push(Change::Definition { pointer, old, new });
        }
    }
    changes
}

/// Whether a field holds a secret by its name (passwords, client secrets,
/// certificates, raw authorization values, keys, signatures).
fn is_secret_field(pointer: &str) -> bool {
    let last = pointer
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let auth = pointer.contains("/authentication/");
    matches!(
        last.as_str(),
        "password" | "secret" | "pfx" | "clientsecret" | "apikey" | "sig" | "accesskey"
    ) || (auth && last == "value")
        || last.contains("password")
        || last.contains("secret")
        || (pointer.to_ascii_lowercase().contains("/headers/")
            && (last == "authorization" || last.contains("key") || last.contains("token")))
}

/// Masks a secret literal; expressions (`@parameters('…')`, …) and
/// references are not secrets and are shown.
fn masked(pointer: &str, v: Option<&Value>) -> Option<Value> {
    let v = v?;
    if is_secret_field(pointer) && !v.as_str().is_some_and(|s| s.starts_with('@')) {
        return Some(Value::String(MASK.into()));
    }
    Some(v.clone())
}

/// The leaf-level differences between two values: pointers where a scalar,
/// or a whole member present on one side only, differs.
fn leaf_changes(
    a: Option<&Value>,
    b: Option<&Value>,
    pointer: &str,
    out: &mut Vec<(String, Option<Value>, Option<Value>)>,
) {
    if a == b {
        return;
    }
    match (a, b) {
        (Some(Value::Object(x)), Some(Value::Object(y))) => {
            for (k, v) in x {
                let p = format!("{pointer}/{}", super::text::escape_pointer(k));
                leaf_changes(Some(v), y.get(k), &p, out);
            }
            for (k, v) in y {
                if !x.contains_key(k) {
                    let p = format!("{pointer}/{}", super::text::escape_pointer(k));
                    leaf_changes(None, Some(v), &p, out);
                }
            }
        }
        (Some(Value::Array(x)), Some(Value::Array(y))) if x.len() == y.len() => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                leaf_changes(Some(v), Some(w), &format!("{pointer}/{i}"), out);
            }
        }
        _ => out.push((pointer.to_string(), masked(pointer, a), masked(pointer, b))),
    }
}

/// One line per change, as `lapis diff` prints it.
pub fn describe(c: &Change) -> String {
    let show = |v: &Option<Value>| match v {
        None => "(none)".to_string(),
        Some(v) => serde_json::to_string(v).unwrap_or_default(),
    };
    match c {
        Change::Added { name, scope } => format!("+ added     {name} (in {scope})"),
        Change::Removed { name, scope } => format!("- removed   {name} (from {scope})"),
        Change::Renamed { from, to } => format!("~ renamed   {from} → {to}"),
        Change::Moved { name, from, to } => format!("> moved     {name}: {from} → {to}"),
        Change::RunAfter { name, old, new } => format!(
            "~ runAfter  {name}: {} → {}",
            serde_json::to_string(old).unwrap_or_default(),
            serde_json::to_string(new).unwrap_or_default()
        ),
        Change::Field {
            name,
            pointer,
            old,
            new,
        } => format!(
            "~ changed   {name} {pointer}: {} → {}",
            show(old),
            show(new)
        ),
        Change::Parameter {
            name,
            pointer,
            old,
            new,
        } => format!("~ parameter {name}{pointer}: {} → {}", show(old), show(new)),
        Change::AccessControl { pointer, old, new } => format!(
            "~ access    accessControl{pointer}: {} → {}",
            show(old),
            show(new)
        ),
        Change::Definition { pointer, old, new } => {
            format!("~ definition {pointer}: {} → {}", show(old), show(new))
        }
    }
}
