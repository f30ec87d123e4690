//! Edit commands on the document, with undo and redo.
//!
//! Every change the designer makes goes through an [`Edit`] applied by an
//! [`Editor`]. An edit runs as a transaction of small patches on
//! [`Document::root`] (insert a key at a position, remove it, replace a
//! value, rename a key in place, move an entry); the patches are recorded,
//! so undo reverts them in reverse order and redo replays them. Nothing
//! keeps a snapshot of the whole document: a step costs what it changed.
//! Key order is restored exactly, so an undo gives back the very same JSON
//! text.
//!
//! An edit that fails leaves the document as it was: its patches are rolled
//! back before the error is returned. After every edit the workflows must
//! still have the shape of a definition (the outline builds), or the edit
//! is refused.
//!
//! Action names are compared case-insensitively when checking that a name
//! is free, as Logic Apps does.

use super::model::{ActionType, RunStatus};
use super::text::escape_pointer;
use super::tree::{NodeId, Outline, Role};
use super::{Document, WorkflowLoc};
use serde_json::{json, Map, Value};
use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

/// Hands a value to a worker thread that frees it: freeing the outline,
/// graph and layout of a 5,000-action workflow takes milliseconds that an
/// edit on the UI thread need not wait for. Freed here when the worker
/// cannot be started.
pub fn drop_later<T: Send + 'static>(value: T) {
    use std::sync::mpsc::{channel, Sender};
    use std::sync::{Mutex, OnceLock};
    type Garbage = Box<dyn Send>;
    static BIN: OnceLock<Option<Mutex<Sender<Garbage>>>> = OnceLock::new();
    let bin = BIN.get_or_init(|| {
        let (tx, rx) = channel::<Garbage>();
        std::thread::Builder::new()
            .name("lapis-free".into())
            .spawn(move || rx.into_iter().for_each(drop))
            .ok()
            .map(|_| Mutex::new(tx))
    });
    let boxed: Garbage = Box::new(value);
    let refused = match bin.as_ref().map(|m| m.lock()) {
        Some(Ok(tx)) => tx.send(boxed).err().map(|e| e.0),
        _ => Some(boxed),
    };
    drop(refused);
}

/// Most steps kept for undo; older ones are forgotten.
pub const HISTORY_LIMIT: usize = 500;
/// Longest trigger or action name, in characters (Logic Apps' limit).
pub const MAX_NAME_LEN: usize = 80;
/// Characters Logic Apps refuses in trigger and action names.
pub const FORBIDDEN_NAME_CHARS: &[char] = &['<', '>', '%', '&', '\\', '?', '/'];
/// Deepest nesting of [`Edit::Batch`]es.
const MAX_BATCH_NESTING: usize = 32;

/// A change to the document. Pointers are absolute JSON pointers into
/// [`Document::root`], as the outline gives them ([`super::tree::Node::pointer`],
/// [`super::tree::Branch::actions_pointer`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// Create or replace the value at `pointer` (absolute, into doc.root).
    /// Missing parent objects are created; `-` or the length appends to an
    /// array.
    Set {
        /// Where.
        pointer: String,
        /// The new value.
        value: Value,
    },
    /// Remove the key or element at `pointer`.
    Remove {
        /// What.
        pointer: String,
    },
    /// Add an action named `name` to the actions object at `container` (a
    /// branch's `actions_pointer`, or `<definition>/actions`; created if
    /// absent).
    ///
    /// With `after: Some(x)`, the new action runs after sibling `x`
    /// (Succeeded) and is placed right after `x` in key order; siblings that
    /// ran after `x` now run after the new action instead, with the same
    /// statuses. With `after: None`, it comes first in its scope (`runAfter
    /// {}`), first in key order, and siblings with an empty runAfter now run
    /// after it. A name taken anywhere in the workflow is made unique
    /// (`Name_2`, `Name_3`…), nested names too. The action's own runAfter
    /// is overwritten.
    AddAction {
        /// The actions object to add to.
        container: String,
        /// The wished name.
        name: String,
        /// The action object.
        action: Value,
        /// The sibling it runs after, or `None` for first in its scope.
        after: Option<String>,
    },
    /// Delete the action at `pointer` (and everything nested). Siblings that
    /// ran after it now run after its own run-after parents, with the
    /// statuses it waited for (merged with theirs, without duplicates); if it
    /// had none, they lose the entry (and get `{}` if nothing is left).
    /// A trigger can be deleted too.
    DeleteAction {
        /// The action.
        pointer: String,
    },
    /// Copy the action at `pointer` (deep; nested names made unique, and
    /// references inside the copy follow) and insert the copy after it as
    /// [`Edit::AddAction`] does.
    DuplicateAction {
        /// The action.
        pointer: String,
    },
    /// Rename the action (or trigger) at `pointer`, keeping its position in
    /// key order, and update the runAfter of its siblings and every
    /// expression reference to it in the definition (`actions('X')`,
    /// `action('X')`, `body('X')`, `outputs('X')`, `result('X')`,
    /// `items('X')`, `iterationIndexes('X')`, `actionBody('X')`,
    /// `actionOutputs('X')`). A trigger rename changes only its key.
    RenameAction {
        /// The action or trigger.
        pointer: String,
        /// Its new name.
        new_name: String,
    },
    /// Move the action at `pointer` into the actions object `container`
    /// (same or another scope or branch), placed as [`Edit::AddAction`]
    /// places it. At the old place, siblings are re-wired as in
    /// [`Edit::DeleteAction`]. An action cannot move into itself.
    MoveAction {
        /// The action.
        pointer: String,
        /// The actions object to move it to.
        container: String,
        /// The sibling it will run after, or `None` for first in its scope.
        after: Option<String>,
    },
    /// Add an action named `name` to the actions object `container` at a
    /// [`Place`]: after a sibling or first (exactly as [`Edit::AddAction`]),
    /// on one run-after edge, or beside a sibling as a parallel branch. The
    /// name is made unique as [`Edit::AddAction`] does.
    InsertAction {
        /// The actions object to add to.
        container: String,
        /// The wished name.
        name: String,
        /// The action object (its own runAfter is overwritten).
        action: Value,
        /// Where it goes.
        place: Place,
    },
    /// Move the action at `pointer` into the actions object `container` at a
    /// [`Place`]. At the old place, siblings are re-wired as in
    /// [`Edit::DeleteAction`] (the old neighbours are joined); at the new
    /// place it runs as [`Edit::InsertAction`] would make a new action run.
    /// Its name does not change, so expressions that name it still do. It
    /// cannot move into itself or into an action it holds, nor be placed
    /// relative to itself.
    MoveTo {
        /// The action.
        pointer: String,
        /// The actions object to move it to.
        container: String,
        /// Where it goes.
        place: Place,
    },
    /// Replace the runAfter of the action at `pointer` with (sibling name,
    /// statuses) pairs. Names must be siblings other than the action itself,
    /// statuses one of Succeeded, Failed, Skipped, TimedOut (any case;
    /// written canonically), and the result must not make a cycle.
    SetRunAfter {
        /// The action.
        pointer: String,
        /// Its new run-after parents.
        run_after: Vec<(String, Vec<String>)>,
    },
    /// Paste JSON text: one action object with a `"type"` (named from
    /// `name_hint` or from its type), or an object of name → action (as
    /// [`copy_json`] makes). Inserted like [`Edit::AddAction`]: the pasted
    /// actions that wait for none of the others run after `after` (or come
    /// first), the rest keep their run-after among themselves, and the
    /// siblings that ran after `after` now run after the last pasted ones.
    /// Names are made unique, nested names too.
    Paste {
        /// The actions object to paste into.
        container: String,
        /// The sibling the pasted actions run after, or `None` for first.
        after: Option<String>,
        /// The clipboard's text.
        json: String,
        /// The name for a single pasted action.
        name_hint: Option<String>,
    },
    /// Several edits as one undo step, shown with `label`.
    Batch {
        /// What the step is called in the Edit menu.
        label: String,
        /// The edits, applied in order.
        edits: Vec<Edit>,
    },
    /// Add a trigger named `name` to the `triggers` of the workflow whose
    /// definition is at `definition` (`triggers` is created if absent), last
    /// in key order. A name taken anywhere in the workflow is made unique;
    /// a `runAfter` in the trigger object is dropped (triggers have none).
    AddTrigger {
        /// The workflow's definition pointer (the outline's
        /// `definition_pointer`).
        definition: String,
        /// The wished name.
        name: String,
        /// The trigger object; it needs a string `type`.
        trigger: Value,
    },
    /// Replace the trigger at `pointer` with `trigger`, named `name` (made
    /// unique; the old name counts as free), at the same place in key
    /// order. Undo gives back the old trigger, name and place.
    ReplaceTrigger {
        /// The trigger to replace.
        pointer: String,
        /// The new trigger's wished name.
        name: String,
        /// The new trigger object; it needs a string `type`.
        trigger: Value,
    },
    /// Rename the workflow parameter `from` to `to` in the `parameters` of
    /// the definition at `definition`, keeping its place in key order, and
    /// make every `parameters('from')` in the definition's expressions
    /// follow. In an ARM template, the value given to the parameter in the
    /// workflow resource's `properties.parameters` is renamed too.
    RenameParameter {
        /// The workflow's definition pointer.
        definition: String,
        /// The parameter's name.
        from: String,
        /// Its new name.
        to: String,
    },
}

/// What an applied, undone or redone edit means for the UI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// What was done (or undone), e.g. "Rename Get_status to Get_health".
    pub label: String,
    /// The pointer of the node to select afterwards, if any.
    pub select: Option<String>,
}

/// Why an edit was refused. The document is unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditError {
    /// What is wrong, naming the action or pointer concerned.
    pub message: String,
}

impl fmt::Display for EditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EditError {}

fn err<T>(message: impl Into<String>) -> Result<T, EditError> {
    Err(EditError {
        message: message.into(),
    })
}

// ---------------------------------------------------------------------------
// Patches

/// One reversible change of the JSON tree. Its inverse is again a patch.
#[derive(Debug, Clone, PartialEq)]
enum Op {
    /// Insert `key` (objects) or element `index` (arrays) into the container
    /// at `parent`, at position `index`.
    Insert {
        parent: String,
        key: String,
        index: usize,
        value: Value,
    },
    /// The inverse of `Insert`: `value` is what was removed.
    Remove {
        parent: String,
        key: String,
        index: usize,
        value: Value,
    },
    /// Replace the value at `pointer`.
    Replace {
        pointer: String,
        old: Value,
        new: Value,
    },
    /// Rename a key of the object at `parent`, keeping its position.
    RenameKey {
        parent: String,
        index: usize,
        from: String,
        to: String,
    },
    /// Move an entry from one object to another (or within one).
    Move { from: Slot, to: Slot },
}

/// A place in an object: the object's pointer, the key, its position.
#[derive(Debug, Clone, PartialEq)]
struct Slot {
    parent: String,
    key: String,
    index: usize,
}

fn container_mut<'a>(root: &'a mut Value, parent: &str) -> Result<&'a mut Value, String> {
    root.pointer_mut(parent)
        .ok_or_else(|| format!("there is nothing at {}", show(parent)))
}

fn insert_at(target: &mut Value, key: &str, index: usize, value: Value) -> Result<(), String> {
    match target {
        Value::Object(m) => {
            if m.contains_key(key) {
                return Err(format!("the key `{key}` already exists"));
            }
            let i = index.min(m.len());
            m.shift_insert(i, key.to_owned(), value);
            Ok(())
        }
        Value::Array(a) => {
            if index > a.len() {
                return Err(format!(
                    "index {index} is past the end of an array of {}",
                    a.len()
                ));
            }
            a.insert(index, value);
            Ok(())
        }
        other => Err(format!(
            "cannot add `{key}` to {}",
            super::tree::kind_of(other)
        )),
    }
}

fn take_at(target: &mut Value, key: &str) -> Result<(usize, Value), String> {
    match target {
        Value::Object(m) => {
            let i = m
                .keys()
                .position(|k| k == key)
                .ok_or_else(|| format!("there is no key `{key}`"))?;
            let v = m
                .shift_remove(key)
                .ok_or_else(|| format!("no key `{key}`"))?;
            Ok((i, v))
        }
        Value::Array(a) => match parse_index(key) {
            Some(i) if i < a.len() => Ok((i, a.remove(i))),
            _ => Err(format!("there is no element `{key}`")),
        },
        other => Err(format!(
            "cannot remove `{key}` from {}",
            super::tree::kind_of(other)
        )),
    }
}

fn rename_key(target: &mut Value, index: usize, from: &str, to: &str) -> Result<(), String> {
    let Value::Object(m) = target else {
        return Err(format!("cannot rename `{from}`: not an object"));
    };
    if m.contains_key(to) {
        return Err(format!("the key `{to}` already exists"));
    }
    let v = m
        .shift_remove(from)
        .ok_or_else(|| format!("there is no key `{from}`"))?;
    let i = index.min(m.len());
    m.shift_insert(i, to.to_owned(), v);
    Ok(())
}

/// Applies a patch forwards (`forward`) or backwards.
fn apply_op(root: &mut Value, op: &Op, forward: bool) -> Result<(), String> {
    match (op, forward) {
        (
            Op::Insert {
                parent,
                key,
                index,
                value,
            },
            true,
        )
        | (
            Op::Remove {
                parent,
                key,
                index,
                value,
            },
            false,
        ) => insert_at(container_mut(root, parent)?, key, *index, value.clone()),
        (Op::Insert { parent, key, .. }, false) | (Op::Remove { parent, key, .. }, true) => {
            take_at(container_mut(root, parent)?, key).map(|_| ())
        }
        (Op::Replace { pointer, old, new }, fwd) => {
            let target = root
                .pointer_mut(pointer)
                .ok_or_else(|| format!("there is nothing at {}", show(pointer)))?;
            *target = if fwd { new.clone() } else { old.clone() };
            Ok(())
        }
        (
            Op::RenameKey {
                parent,
                index,
                from,
                to,
            },
            fwd,
        ) => {
            let (a, b) = if fwd { (from, to) } else { (to, from) };
            rename_key(container_mut(root, parent)?, *index, a, b)
        }
        (Op::Move { from, to }, fwd) => {
            let (a, b) = if fwd { (from, to) } else { (to, from) };
            let (_, v) = take_at(container_mut(root, &a.parent)?, &a.key)?;
            match container_mut(root, &b.parent) {
                Ok(t) => insert_at(t, &b.key, b.index, v),
                Err(e) => {
                    // Put it back where it was.
                    if let Ok(t) = container_mut(root, &a.parent) {
                        let _ = insert_at(t, &a.key, a.index, v);
                    }
                    Err(e)
                }
            }
        }
    }
}

/// Applies a list of patches forwards, or reverts it (in reverse order).
/// On failure, what was done is undone and the error returned.
fn run_ops(root: &mut Value, ops: &[Op], forward: bool) -> Result<(), String> {
    let order: Vec<usize> = if forward {
        (0..ops.len()).collect()
    } else {
        (0..ops.len()).rev().collect()
    };
    for (k, &i) in order.iter().enumerate() {
        if let Err(e) = apply_op(root, &ops[i], forward) {
            for &j in order[..k].iter().rev() {
                let _ = apply_op(root, &ops[j], !forward);
            }
            return Err(e);
        }
    }
    Ok(())
}

/// A transaction: patches applied to the root as they are made, recorded
/// for undo, rolled back on failure.
struct Tx<'a> {
    root: &'a mut Value,
    ops: Vec<Op>,
}

impl Tx<'_> {
    fn exec(&mut self, op: Op) -> Result<(), EditError> {
        forget_known();
        apply_op(self.root, &op, true).map_err(|message| EditError { message })?;
        self.ops.push(op);
        Ok(())
    }

    fn rollback(&mut self) {
        while let Some(op) = self.ops.pop() {
            let _ = apply_op(self.root, &op, false);
        }
    }

    fn insert(
        &mut self,
        parent: &str,
        key: &str,
        index: usize,
        value: Value,
    ) -> Result<(), EditError> {
        self.exec(Op::Insert {
            parent: parent.to_owned(),
            key: key.to_owned(),
            index,
            value,
        })
    }

    /// Removes the value at `pointer`.
    fn remove(&mut self, pointer: &str) -> Result<(), EditError> {
        let Some((parent, key)) = split_pointer(pointer) else {
            return err("cannot remove the whole document");
        };
        forget_known();
        let target = container_mut(self.root, &parent).map_err(|message| EditError {
            message: format!("cannot remove {}: {message}", show(pointer)),
        })?;
        let (index, value) = take_at(target, &key).map_err(|message| EditError {
            message: format!("cannot remove {}: {message}", show(pointer)),
        })?;
        self.ops.push(Op::Remove {
            parent,
            key,
            index,
            value,
        });
        Ok(())
    }

    /// Replaces the existing value at `pointer` (nothing recorded if equal).
    fn replace(&mut self, pointer: &str, new: Value) -> Result<(), EditError> {
        let Some(target) = self.root.pointer_mut(pointer) else {
            return err(format!("there is nothing at {}", show(pointer)));
        };
        if *target == new {
            return Ok(());
        }
        forget_known();
        let old = std::mem::replace(target, new.clone());
        self.ops.push(Op::Replace {
            pointer: pointer.to_owned(),
            old,
            new,
        });
        Ok(())
    }

    /// Creates or replaces the value at `pointer`, creating missing parent
    /// objects.
    fn set(&mut self, pointer: &str, value: Value) -> Result<(), EditError> {
        let tokens = parse_pointer(pointer)?;
        if tokens.is_empty() {
            if !self.root.is_object() || !value.is_object() {
                return err("cannot replace the whole document with an edit; open it instead");
            }
            return self.replace(pointer, value);
        }
        let mut cur: &Value = self.root;
        let mut depth = 0;
        for t in &tokens {
            match child(cur, t) {
                Some(c) => {
                    cur = c;
                    depth += 1;
                }
                None => break,
            }
        }
        if depth == tokens.len() {
            return self.replace(pointer, value);
        }
        let parent = join_pointer(&tokens[..depth]);
        let mut key = tokens[depth].clone();
        let index = match cur {
            Value::Object(m) => m.len(),
            Value::Array(a) => {
                if key == "-" || parse_index(&key) == Some(a.len()) {
                    key = a.len().to_string();
                    a.len()
                } else {
                    return err(format!(
                        "cannot set {}: {} is an array of {} and `{key}` is not an index in it",
                        show(pointer),
                        show(&parent),
                        a.len()
                    ));
                }
            }
            other => {
                return err(format!(
                    "cannot set {}: {} is {}, which cannot hold `{key}`",
                    show(pointer),
                    show(&parent),
                    super::tree::kind_of(other)
                ))
            }
        };
        let mut v = value;
        for t in tokens[depth + 1..].iter().rev() {
            let mut m = Map::new();
            m.insert(t.clone(), v);
            v = Value::Object(m);
        }
        self.insert(&parent, &key, index, v)
    }

    fn rename_key(&mut self, pointer: &str, to: &str) -> Result<(), EditError> {
        let Some((parent, from)) = split_pointer(pointer) else {
            return err("cannot rename the document");
        };
        let index = self
            .root
            .pointer(&parent)
            .and_then(Value::as_object)
            .and_then(|m| m.keys().position(|k| *k == from))
            .ok_or_else(|| EditError {
                message: format!("there is nothing at {}", show(pointer)),
            })?;
        self.exec(Op::RenameKey {
            parent,
            index,
            from,
            to: to.to_owned(),
        })
    }

    /// Moves the entry at `pointer` into the object `to_parent` at
    /// `to_index` (counted after its removal).
    fn move_entry(
        &mut self,
        pointer: &str,
        to_parent: &str,
        to_index: usize,
    ) -> Result<(), EditError> {
        let Some((parent, key)) = split_pointer(pointer) else {
            return err("cannot move the document");
        };
        let index = self
            .root
            .pointer(&parent)
            .and_then(Value::as_object)
            .and_then(|m| m.keys().position(|k| *k == key))
            .ok_or_else(|| EditError {
                message: format!("there is nothing at {}", show(pointer)),
            })?;
        self.exec(Op::Move {
            from: Slot {
                parent,
                key: key.clone(),
                index,
            },
            to: Slot {
                parent: to_parent.to_owned(),
                key,
                index: to_index,
            },
        })
    }

    /// Makes sure an object exists at `pointer`.
    fn ensure_object(&mut self, pointer: &str) -> Result<(), EditError> {
        match self.root.pointer(pointer) {
            Some(Value::Object(_)) => Ok(()),
            Some(other) => err(format!(
                "{} is {}, not an actions object",
                show(pointer),
                super::tree::kind_of(other)
            )),
            None => self.set(pointer, Value::Object(Map::new())),
        }
    }
}

// ---------------------------------------------------------------------------
// Pointers

/// Unescapes one reference token.
fn unescape(token: &str) -> String {
    if token.contains('~') {
        token.replace("~1", "/").replace("~0", "~")
    } else {
        token.to_owned()
    }
}

fn parse_pointer(pointer: &str) -> Result<Vec<String>, EditError> {
    if pointer.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = pointer.strip_prefix('/') else {
        return err(format!(
            "`{pointer}` is not a JSON pointer (it must start with `/`)"
        ));
    };
    Ok(rest.split('/').map(unescape).collect())
}

fn join_pointer(tokens: &[String]) -> String {
    let mut s = String::new();
    for t in tokens {
        s.push('/');
        s.push_str(&escape_pointer(t));
    }
    s
}

/// The parent pointer and the (unescaped) last token.
fn split_pointer(pointer: &str) -> Option<(String, String)> {
    let i = pointer.rfind('/')?;
    Some((pointer[..i].to_owned(), unescape(&pointer[i + 1..])))
}

fn child_pointer(parent: &str, key: &str) -> String {
    format!("{parent}/{}", escape_pointer(key))
}

fn parse_index(token: &str) -> Option<usize> {
    if token.is_empty()
        || !token.bytes().all(|b| b.is_ascii_digit())
        || (token.len() > 1 && token.starts_with('0'))
    {
        return None;
    }
    token.parse().ok()
}

fn child<'a>(v: &'a Value, token: &str) -> Option<&'a Value> {
    match v {
        Value::Object(m) => m.get(token),
        Value::Array(a) => parse_index(token).and_then(|i| a.get(i)),
        _ => None,
    }
}

/// True when `a` is `b` or one of its ancestors.
fn is_prefix(a: &str, b: &str) -> bool {
    b == a || (b.starts_with(a) && b.as_bytes().get(a.len()) == Some(&b'/'))
}

/// A pointer as messages show it.
fn show(pointer: &str) -> String {
    if pointer.is_empty() {
        "the document root".into()
    } else {
        format!("`{pointer}`")
    }
}

// ---------------------------------------------------------------------------
// Names

/// Checks a trigger or action name against Logic Apps' rules.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err("a name cannot be empty".into());
    }
    let len = name.chars().count();
    if len > MAX_NAME_LEN {
        return Err(format!(
            "the name `{name}` has {len} characters; Logic Apps allows at most {MAX_NAME_LEN}"
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| FORBIDDEN_NAME_CHARS.contains(c) || c.is_control())
    {
        let what = if c.is_control() {
            format!("the control character U+{:04X}", c as u32)
        } else {
            format!("`{c}`")
        };
        return Err(format!(
            "the name `{}` contains {what}, which Logic Apps refuses in names (not allowed: < > % & \\ ? / and control characters)",
            name.escape_debug()
        ));
    }
    Ok(())
}

/// Turns any text into a valid name: forbidden characters and spaces become
/// `_`, the length is capped; empty text gives `Action`.
pub fn sanitize_name(text: &str) -> String {
    let s: String = text
        .trim()
        .chars()
        .map(|c| {
            if FORBIDDEN_NAME_CHARS.contains(&c) || c.is_control() || c.is_whitespace() {
                '_'
            } else {
                c
            }
        })
        .take(MAX_NAME_LEN)
        .collect();
    if s.is_empty() {
        "Action".into()
    } else {
        s
    }
}

/// Names in use, compared case-insensitively.
#[derive(Default)]
struct Names(HashSet<String>);

impl Names {
    fn of(outline: &Outline) -> Names {
        let mut n = Names::default();
        for node in &outline.nodes {
            n.add(&node.name);
        }
        n
    }
    fn has(&self, name: &str) -> bool {
        self.0.contains(&name.to_lowercase())
    }
    fn add(&mut self, name: &str) {
        self.0.insert(name.to_lowercase());
    }
    /// `base` if free, else `Stem_2`, `Stem_3`… (a `_N` suffix of `base`
    /// is replaced); the result is marked as used.
    fn unique(&mut self, base: &str) -> String {
        if !self.has(base) {
            self.add(base);
            return base.to_owned();
        }
        // `Get_2` is followed by `Get_3`, not `Get_2_2`.
        let (stem, mut k) = match base.rsplit_once('_') {
            Some((s, n)) if !s.is_empty() && n.len() <= 4 => match parse_index(n) {
                Some(k) if k >= 2 => (s, k as u64 + 1),
                _ => (base, 2),
            },
            _ => (base, 2),
        };
        loop {
            let suffix = format!("_{k}");
            let room = MAX_NAME_LEN.saturating_sub(suffix.chars().count());
            let s: String = stem.chars().take(room).collect();
            let candidate = format!("{s}{suffix}");
            if !self.has(&candidate) {
                self.add(&candidate);
                return candidate;
            }
            k += 1;
        }
    }
}

// ---------------------------------------------------------------------------
// Expression references

/// Functions whose first argument names an action.
const NAME_FUNCTIONS: &[&str] = &[
    "actions",
    "action",
    "body",
    "outputs",
    "result",
    "items",
    "iterationindexes",
    "actionbody",
    "actionoutputs",
];

/// Rewrites the action names referenced in the expressions of `s` (a JSON
/// string value): `lookup` gives the new name for an old one. Only strings
/// that are expressions (`@…`) or hold `@{…}` templates are touched, and
/// only the name arguments of the functions that take an action's name.
/// Returns the new text if anything changed.
pub fn rewrite_references(s: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    if !s.contains('@') {
        return None;
    }
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    if s.starts_with('@') && !s.starts_with("@@") && !s.starts_with("@{") {
        scan_expression(s, 1, s.len(), lookup, &mut edits);
    } else {
        let b = s.as_bytes();
        let mut i = 0;
        while i + 1 < b.len() {
            if b[i] == b'@' && b[i + 1] == b'@' {
                i += 2;
            } else if b[i] == b'@' && b[i + 1] == b'{' {
                let start = i + 2;
                match expression_end(s, start) {
                    Some(end) => {
                        scan_expression(s, start, end, lookup, &mut edits);
                        i = end + 1;
                    }
                    None => break,
                }
            } else {
                i += 1;
            }
        }
    }
    if edits.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(s.len() + 16);
    let mut at = 0;
    for (a, b, text) in edits {
        out.push_str(&s[at..a]);
        out.push_str(&text);
        at = b;
    }
    out.push_str(&s[at..]);
    Some(out)
}

/// The position of the `}` closing a template expression that starts at
/// `start`, skipping string literals.
fn expression_end(s: &str, start: usize) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = start;
    while i < b.len() {
        match b[i] {
            b'\'' => i = literal_end(b, i)?,
            b'}' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// The position just past the string literal that opens at `i`.
fn literal_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    while j < b.len() {
        if b[j] == b'\'' {
            if b.get(j + 1) == Some(&b'\'') {
                j += 2;
                continue;
            }
            return Some(j + 1);
        }
        j += 1;
    }
    None
}

/// Finds `function ( 'name'` in `s[start..end]` and records replacements.
fn scan_expression(
    s: &str,
    start: usize,
    end: usize,
    lookup: &dyn Fn(&str) -> Option<String>,
    edits: &mut Vec<(usize, usize, String)>,
) {
    let b = &s.as_bytes()[..end];
    let skip_ws = |mut k: usize| {
        while k < b.len() && b[k].is_ascii_whitespace() {
            k += 1;
        }
        k
    };
    let mut i = start;
    while i < b.len() {
        let c = b[i];
        if c == b'\'' {
            match literal_end(b, i) {
                Some(j) => i = j,
                None => return,
            }
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let id_start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            let ident = s[id_start..i].to_ascii_lowercase();
            if !NAME_FUNCTIONS.contains(&ident.as_str()) {
                continue;
            }
            let k = skip_ws(i);
            if b.get(k) != Some(&b'(') {
                continue;
            }
            let k = skip_ws(k + 1);
            if b.get(k) != Some(&b'\'') {
                continue;
            }
            let Some(lit_end) = literal_end(b, k) else {
                return;
            };
            let name = s[k + 1..lit_end - 1].replace("''", "'");
            if let Some(new) = lookup(&name) {
                edits.push((k, lit_end, format!("'{}'", new.replace('\'', "''"))));
            }
            i = lit_end;
        } else {
            i += 1;
        }
    }
}

/// Every string under `v` whose references change: (pointer, new text).
fn collect_rewrites(
    v: &Value,
    path: &mut String,
    lookup: &dyn Fn(&str) -> Option<String>,
    out: &mut Vec<(String, String)>,
) {
    match v {
        Value::String(s) => {
            if let Some(new) = rewrite_references(s, lookup) {
                out.push((path.clone(), new));
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let len = path.len();
                path.push('/');
                path.push_str(&i.to_string());
                collect_rewrites(x, path, lookup, out);
                path.truncate(len);
            }
        }
        Value::Object(m) => {
            for (k, x) in m {
                let len = path.len();
                path.push('/');
                path.push_str(&escape_pointer(k));
                collect_rewrites(x, path, lookup, out);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------------
// Run-after

type RunAfterList = Vec<(String, Vec<String>)>;

/// The runAfter entries of an action value (entries that are not lists of
/// strings are skipped).
fn run_after_of(action: &Value) -> RunAfterList {
    run_after_list(action.get("runAfter"))
}

/// The entries of a runAfter value.
fn run_after_list(ra: Option<&Value>) -> RunAfterList {
    let Some(ra) = ra.and_then(Value::as_object) else {
        return Vec::new();
    };
    ra.iter()
        .map(|(k, v)| {
            let st = v
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            (k.clone(), st)
        })
        .collect()
}

fn statuses_value(list: &[String]) -> Value {
    Value::Array(list.iter().map(|s| Value::String(s.clone())).collect())
}

fn run_after_value(list: &[(String, Vec<String>)]) -> Value {
    let mut m = Map::new();
    for (k, st) in list {
        m.insert(k.clone(), statuses_value(st));
    }
    Value::Object(m)
}

/// Adds `statuses` to the entry `key` of a runAfter map, without
/// duplicates (case-insensitive), creating it if absent.
fn merge_entry(m: &mut Map<String, Value>, key: &str, statuses: &Value) {
    match m.get_mut(key) {
        Some(Value::Array(have)) => {
            if let Value::Array(add) = statuses {
                for s in add {
                    let dup = have.iter().any(|h| match (h.as_str(), s.as_str()) {
                        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                        _ => h == s,
                    });
                    if !dup {
                        have.push(s.clone());
                    }
                }
            }
        }
        Some(_) => {}
        None => {
            m.insert(key.to_owned(), statuses.clone());
        }
    }
}

fn container_map<'a>(root: &'a Value, container: &str) -> Option<&'a Map<String, Value>> {
    root.pointer(container).and_then(Value::as_object)
}

/// Rewrites the runAfter of every sibling in `container` (other than those
/// in `exclude`) that waits for `name`: its entry for `name` is replaced by
/// what `replace` gives for the statuses it had (statuses merged).
fn rewire_waiting_for(
    tx: &mut Tx,
    container: &str,
    name: &str,
    exclude: &[String],
    replace: &dyn Fn(&Value) -> Vec<(String, Value)>,
) -> Result<(), EditError> {
    let mut changes = Vec::new();
    if let Some(map) = container_map(tx.root, container) {
        for (sib, v) in map {
            if sib == name || exclude.contains(sib) {
                continue;
            }
            let Some(ra) = v.get("runAfter").and_then(Value::as_object) else {
                continue;
            };
            if !ra.contains_key(name) {
                continue;
            }
            let mut new = Map::new();
            for (k, st) in ra {
                if k == name {
                    for (p, pst) in replace(st) {
                        merge_entry(&mut new, &p, &pst);
                    }
                } else {
                    merge_entry(&mut new, k, st);
                }
            }
            changes.push((
                format!("{}/runAfter", child_pointer(container, sib)),
                Value::Object(new),
            ));
        }
    }
    for (p, v) in changes {
        tx.replace(&p, v)?;
    }
    Ok(())
}

/// Siblings in `container` that ran after `name` now run after `parents`
/// instead (statuses merged).
fn rewire_removed(
    tx: &mut Tx,
    container: &str,
    name: &str,
    parents: &[(String, Vec<String>)],
) -> Result<(), EditError> {
    rewire_waiting_for(tx, container, name, &[], &|_| {
        parents
            .iter()
            .map(|(p, pst)| (p.clone(), statuses_value(pst)))
            .collect()
    })
}

/// Siblings (not in `exclude`) that ran after `x` now run after `sinks`,
/// with the statuses they had for `x`.
fn rewire_after(
    tx: &mut Tx,
    container: &str,
    x: &str,
    exclude: &[String],
    sinks: &[String],
) -> Result<(), EditError> {
    rewire_waiting_for(tx, container, x, exclude, &|st| {
        sinks.iter().map(|s| (s.clone(), st.clone())).collect()
    })
}

/// Siblings (not in `exclude`) with an empty runAfter now run after
/// `sinks` (Succeeded).
fn rewire_first(
    tx: &mut Tx,
    container: &str,
    exclude: &[String],
    sinks: &[String],
) -> Result<(), EditError> {
    let new: RunAfterList = sinks
        .iter()
        .map(|s| (s.clone(), vec!["Succeeded".to_owned()]))
        .collect();
    let new = run_after_value(&new);
    let mut changes = Vec::new();
    if let Some(map) = container_map(tx.root, container) {
        for (sib, v) in map {
            if exclude.contains(sib) {
                continue;
            }
            let Some(obj) = v.as_object() else { continue };
            let empty = match obj.get("runAfter") {
                None | Some(Value::Null) => true,
                Some(Value::Object(m)) => m.is_empty(),
                _ => false,
            };
            if empty {
                changes.push((child_pointer(container, sib), obj.contains_key("runAfter")));
            }
        }
    }
    for (p, has) in changes {
        if has {
            tx.replace(&format!("{p}/runAfter"), new.clone())?;
        } else {
            let len = tx
                .root
                .pointer(&p)
                .and_then(Value::as_object)
                .map_or(0, Map::len);
            tx.insert(&p, "runAfter", len, new.clone())?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Context: the workflow an edit is about

struct Ctx {
    dp: String,
    outline: Arc<Outline>,
}

thread_local! {
    /// The outline of the document as it is before an edit, given by the
    /// caller of [`Editor::apply_knowing`] (the designer has it already):
    /// valid until the edit's first patch, which clears it.
    static KNOWN: RefCell<Option<(String, Arc<Outline>)>> = const { RefCell::new(None) };
}

/// The document is about to change: the outline given before the edit no
/// longer describes it.
fn forget_known() {
    let _ = KNOWN.with(|k| k.borrow_mut().take());
}

impl Drop for Ctx {
    fn drop(&mut self) {
        drop_later(std::mem::take(&mut self.outline));
    }
}

impl Ctx {
    fn for_pointer(root: &Value, wfs: &[WorkflowLoc], pointer: &str) -> Result<Ctx, EditError> {
        let w = wfs
            .iter()
            .filter(|w| is_prefix(&w.definition_pointer, pointer))
            .max_by_key(|w| w.definition_pointer.len())
            .ok_or_else(|| EditError {
                message: format!("{} is not inside a workflow definition", show(pointer)),
            })?;
        let dp = w.definition_pointer.clone();
        let known = KNOWN.with(|k| {
            k.borrow()
                .as_ref()
                .filter(|(d, _)| *d == dp)
                .map(|(_, o)| o.clone())
        });
        if let Some(outline) = known {
            return Ok(Ctx { dp, outline });
        }
        let def = root
            .pointer(&dp)
            .and_then(Value::as_object)
            .ok_or_else(|| EditError {
                message: format!("the workflow definition at {} is missing", show(&dp)),
            })?;
        let outline = Outline::build(def, &dp).map_err(|e| EditError {
            message: format!(
                "the workflow is malformed at {}: {}",
                show(&e.pointer),
                e.message
            ),
        })?;
        Ok(Ctx {
            dp,
            outline: Arc::new(outline),
        })
    }

    fn node_at(&self, pointer: &str) -> Result<NodeId, EditError> {
        self.outline
            .nodes
            .iter()
            .position(|n| n.pointer == pointer)
            .ok_or_else(|| EditError {
                message: format!("there is no action or trigger at {}", show(pointer)),
            })
    }

    fn action_at(&self, pointer: &str, what: &str) -> Result<NodeId, EditError> {
        let id = self.node_at(pointer)?;
        if self.outline.nodes[id].role == Role::Trigger {
            return err(format!(
                "cannot {what} the trigger `{}`: only actions can be",
                self.outline.nodes[id].name
            ));
        }
        Ok(id)
    }

    /// Checks that `container` is an actions list of this workflow.
    fn check_container(&self, root: &Value, container: &str) -> Result<(), EditError> {
        let top = format!("{}/actions", self.dp);
        let known = container == top
            || self
                .outline
                .nodes
                .iter()
                .any(|n| n.branches.iter().any(|b| b.actions_pointer == container));
        if !known {
            return err(format!(
                "{} is not a list of actions of the workflow (expected `{top}` or the actions of a branch)",
                show(container)
            ));
        }
        match root.pointer(container) {
            None | Some(Value::Object(_)) => Ok(()),
            Some(other) => err(format!(
                "the actions at {} are {}, not an object; edit them in the code view",
                show(container),
                super::tree::kind_of(other)
            )),
        }
    }
}

fn readable(rest: &str) -> String {
    rest.split('/').map(unescape).collect::<Vec<_>>().join("/")
}

// ---------------------------------------------------------------------------
// Detached actions: name them uniquely and keep their references right

/// Gives unique names to the actions of `actions` (an object name → action)
/// and to every action nested in them, updating their runAfter and the
/// expression references inside them. Returns the new top-level names in
/// order.
/// Checks that `action` may be added to `container` under `name`, and gives
/// it a name unique in its workflow: the workflow's context and the action
/// as a one-entry map under that name.
fn new_action_entry(
    root: &Value,
    wfs: &[WorkflowLoc],
    container: &str,
    name: &str,
    action: &Value,
) -> Result<(Ctx, Map<String, Value>), EditError> {
    let ctx = Ctx::for_pointer(root, wfs, container)?;
    ctx.check_container(root, container)?;
    check_name(name).map_err(|m| EditError {
        message: format!("cannot add the action: {m}"),
    })?;
    if !action.is_object() {
        return err(format!(
            "cannot add `{name}`: an action must be a JSON object, found {}",
            super::tree::kind_of(action)
        ));
    }
    let mut m = Map::new();
    m.insert(name.to_owned(), action.clone());
    let mut used = Names::of(&ctx.outline);
    uniquify(&mut m, &mut used)?;
    Ok((ctx, m))
}

fn uniquify(actions: &mut Map<String, Value>, used: &mut Names) -> Result<Vec<String>, EditError> {
    let mut def = Map::new();
    def.insert("actions".into(), Value::Object(std::mem::take(actions)));
    let outline = Outline::build(&def, "").map_err(|e| EditError {
        message: format!(
            "the actions to insert are malformed at {}: {}",
            show(&e.pointer),
            e.message
        ),
    })?;
    let mut root = Value::Object(def);
    // New name for each node, by id.
    let mut renamed: Vec<Option<String>> = Vec::with_capacity(outline.nodes.len());
    // Expressions name the first action of a name (names should be unique).
    let mut by_name: std::collections::HashMap<String, Option<String>> = Default::default();
    for n in &outline.nodes {
        let base = match check_name(&n.name) {
            Ok(()) => n.name.clone(),
            Err(_) => sanitize_name(&n.name),
        };
        let new = used.unique(&base);
        let new = (new != n.name).then_some(new);
        by_name.entry(n.name.clone()).or_insert_with(|| new.clone());
        renamed.push(new);
    }
    if renamed.iter().any(Option::is_some) {
        // Expressions first (pointers do not change).
        let lookup = |s: &str| by_name.get(s).cloned().flatten();
        let mut out = Vec::new();
        collect_rewrites(&root, &mut String::new(), &lookup, &mut out);
        for (p, s) in out {
            if let Some(t) = root.pointer_mut(&p) {
                *t = Value::String(s);
            }
        }
        // runAfter among siblings.
        for n in &outline.nodes {
            let Some(Value::Object(ra)) = root.pointer_mut(&format!("{}/runAfter", n.pointer))
            else {
                continue;
            };
            let sibs = outline.siblings(n.id);
            let mut new = Map::new();
            for (k, v) in std::mem::take(ra) {
                let to = sibs
                    .iter()
                    .find(|&&s| outline.nodes[s].name == k)
                    .and_then(|&s| renamed[s].clone());
                merge_entry(&mut new, &to.unwrap_or(k), &v);
            }
            *ra = new;
        }
        // Keys, innermost first (renaming a key moves what is below it).
        for n in outline.nodes.iter().rev() {
            if let Some(new) = &renamed[n.id] {
                if let Some((parent, key)) = split_pointer(&n.pointer) {
                    if let Some(target) = root.pointer_mut(&parent) {
                        let index = target
                            .as_object()
                            .and_then(|m| m.keys().position(|k| *k == key))
                            .unwrap_or(0);
                        rename_key(target, index, &key, new)
                            .map_err(|message| EditError { message })?;
                    }
                }
            }
        }
    }
    let Value::Object(mut def) = root else {
        return err("internal: lost the actions");
    };
    let Some(Value::Object(m)) = def.remove("actions") else {
        return err("internal: lost the actions");
    };
    *actions = m;
    Ok(outline
        .top
        .iter()
        .map(|&i| {
            renamed[i]
                .clone()
                .unwrap_or_else(|| outline.nodes[i].name.clone())
        })
        .collect())
}

/// Inserts detached actions (already uniquely named) into `container`,
/// after `after` or first. The ones that wait for none of the others run
/// after `after`; the siblings that ran after `after` now run after the
/// inserted ones that nothing inserted waits for.
fn insert_actions(
    tx: &mut Tx,
    ctx: &Ctx,
    container: &str,
    after: Option<&str>,
    actions: Map<String, Value>,
) -> Result<(), EditError> {
    ctx.check_container(tx.root, container)?;
    let names: Vec<String> = actions.keys().cloned().collect();
    if names.is_empty() {
        return err("there is nothing to insert");
    }
    let siblings: Vec<String> = container_map(tx.root, container)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    if let Some(x) = after {
        if !siblings.iter().any(|s| s == x) {
            return err(format!(
                "there is no action `{x}` in {} to insert after",
                show(container)
            ));
        }
    }
    // Run-after among the inserted actions only; roots get the anchor.
    let mut actions = actions;
    let anchor: RunAfterList = match after {
        Some(x) => vec![(x.to_owned(), vec!["Succeeded".to_owned()])],
        None => Vec::new(),
    };
    let mut waited_for: HashSet<String> = HashSet::new();
    let mut edges: Vec<(usize, usize)> = Vec::new();
    for (i, (_, v)) in actions.iter_mut().enumerate() {
        let Some(obj) = v.as_object_mut() else {
            return err("an action must be a JSON object");
        };
        let kept: RunAfterList = run_after_list(obj.get("runAfter"))
            .into_iter()
            .filter(|(k, _)| names.contains(k))
            .collect();
        for (k, _) in &kept {
            waited_for.insert(k.clone());
            if let Some(j) = names.iter().position(|n| n == k) {
                edges.push((i, j));
            }
        }
        let ra = if kept.is_empty() { &anchor } else { &kept };
        obj.insert("runAfter".into(), run_after_value(ra));
    }
    if let Some(n) = first_in_cycle(names.len(), &edges) {
        return err(format!(
            "cannot insert the actions: `{}` and others wait for each other in a cycle",
            names[n]
        ));
    }
    let sinks: Vec<String> = names
        .iter()
        .filter(|n| !waited_for.contains(*n))
        .cloned()
        .collect();
    let skip = &names;
    match after {
        Some(x) => rewire_after(tx, container, x, skip, &sinks)?,
        None => rewire_first(tx, container, skip, &sinks)?,
    }
    tx.ensure_object(container)?;
    let first = match after {
        Some(x) => container_map(tx.root, container)
            .and_then(|m| m.keys().position(|k| k == x))
            .map_or(0, |i| i + 1),
        None => 0,
    };
    for (k, (name, v)) in actions.into_iter().enumerate() {
        tx.insert(container, &name, first + k, v)?;
    }
    Ok(())
}

/// A node on a cycle of `edges` (from → to) among `n` nodes, if any.
fn first_in_cycle(n: usize, edges: &[(usize, usize)]) -> Option<usize> {
    // Kahn: what cannot be peeled off from the sources is on or behind a cycle.
    let mut indegree = vec![0usize; n];
    for &(_, to) in edges {
        indegree[to] += 1;
    }
    let mut ready: Vec<usize> = (0..n).filter(|&i| indegree[i] == 0).collect();
    let mut done = 0;
    while let Some(i) = ready.pop() {
        done += 1;
        for &(from, to) in edges {
            if from == i {
                indegree[to] -= 1;
                if indegree[to] == 0 {
                    ready.push(to);
                }
            }
        }
    }
    (done < n).then(|| (0..n).find(|&i| indegree[i] > 0).unwrap_or(0))
}

// ---------------------------------------------------------------------------
// The edits

/// What one edit did: its label, and what to select after it and after
/// undoing it.
struct Outcome {
    label: String,
    select: Option<String>,
    select_undo: Option<String>,
}

impl Outcome {
    fn new(label: String) -> Outcome {
        Outcome {
            label,
            select: None,
            select_undo: None,
        }
    }
}

fn run_edit(
    tx: &mut Tx,
    wfs: &[WorkflowLoc],
    edit: &Edit,
    nesting: usize,
) -> Result<Outcome, EditError> {
    match edit {
        Edit::Set { pointer, value } => {
            guard_structure(tx.root, wfs, pointer, false)?;
            if pointer.is_empty() {
                check_bare_definition(value)?;
            }
            let label = format!("Set {}", describe(tx.root, wfs, pointer));
            tx.set(pointer, value.clone())?;
            check_touched(tx.root, wfs, pointer)?;
            Ok(Outcome::new(label))
        }
        Edit::Remove { pointer } => {
            guard_structure(tx.root, wfs, pointer, true)?;
            if tx.root.pointer(pointer).is_none() {
                return err(format!(
                    "cannot remove {}: there is nothing there",
                    show(pointer)
                ));
            }
            let label = format!("Remove {}", describe(tx.root, wfs, pointer));
            let whole_node = workflow_of(wfs, pointer)
                .and_then(|w| node_chain(tx.root, &w.definition_pointer, pointer).pop())
                .is_some_and(|n| n.pointer == *pointer);
            tx.remove(pointer)?;
            // Taking a whole trigger or action out cannot break the shape.
            if !whole_node {
                check_touched(tx.root, wfs, pointer)?;
            }
            Ok(Outcome::new(label))
        }
        Edit::AddAction {
            container,
            name,
            action,
            after,
        } => {
            let (ctx, m) = new_action_entry(tx.root, wfs, container, name, action)?;
            let new = m.keys().next().cloned().unwrap_or_default();
            insert_actions(tx, &ctx, container, after.as_deref(), m)?;
            Ok(Outcome {
                label: format!("Add {new}"),
                select: Some(child_pointer(container, &new)),
                select_undo: None,
            })
        }
        Edit::DeleteAction { pointer } => {
            let ctx = Ctx::for_pointer(tx.root, wfs, pointer)?;
            let id = ctx.node_at(pointer)?;
            let node = &ctx.outline.nodes[id];
            let name = node.name.clone();
            if node.role == Role::Action {
                let (container, _) = split_pointer(pointer).unwrap_or_default();
                let parents = run_after_of(tx.root.pointer(pointer).unwrap_or(&Value::Null));
                rewire_removed(tx, &container, &name, &parents)?;
            }
            tx.remove(pointer)?;
            Ok(Outcome {
                label: format!("Delete {name}"),
                select: None,
                select_undo: Some(pointer.clone()),
            })
        }
        Edit::DuplicateAction { pointer } => {
            let ctx = Ctx::for_pointer(tx.root, wfs, pointer)?;
            let id = ctx.action_at(pointer, "duplicate")?;
            let name = ctx.outline.nodes[id].name.clone();
            let value = tx.root.pointer(pointer).cloned().unwrap_or(Value::Null);
            let mut m = Map::new();
            m.insert(name.clone(), value);
            let mut used = Names::of(&ctx.outline);
            let names = uniquify(&mut m, &mut used)?;
            let (container, _) = split_pointer(pointer).unwrap_or_default();
            insert_actions(tx, &ctx, &container, Some(&name), m)?;
            let new = names.first().cloned().unwrap_or_default();
            Ok(Outcome {
                label: format!("Duplicate {name}"),
                select: Some(child_pointer(&container, &new)),
                select_undo: Some(pointer.clone()),
            })
        }
        Edit::RenameAction { pointer, new_name } => rename(tx, wfs, pointer, new_name),
        Edit::MoveAction {
            pointer,
            container,
            after,
        } => move_action(tx, wfs, pointer, container, after.as_deref()),
        Edit::InsertAction {
            container,
            name,
            action,
            place,
        } => insert_placed(tx, wfs, container, name, action, place, nesting),
        Edit::MoveTo {
            pointer,
            container,
            place,
        } => move_placed(tx, wfs, pointer, container, place),
        Edit::SetRunAfter { pointer, run_after } => set_run_after(tx, wfs, pointer, run_after),
        Edit::Paste {
            container,
            after,
            json,
            name_hint,
        } => paste(
            tx,
            wfs,
            container,
            after.as_deref(),
            json,
            name_hint.as_deref(),
        ),
        Edit::AddTrigger {
            definition,
            name,
            trigger,
        } => add_trigger(tx, wfs, definition, name, trigger),
        Edit::ReplaceTrigger {
            pointer,
            name,
            trigger,
        } => replace_trigger(tx, wfs, pointer, name, trigger),
        Edit::RenameParameter {
            definition,
            from,
            to,
        } => rename_parameter(tx, wfs, definition, from, to),
        Edit::Batch { label, edits } => {
            if nesting >= MAX_BATCH_NESTING {
                return err(format!(
                    "batches are nested more than {MAX_BATCH_NESTING} levels deep"
                ));
            }
            let mut select = None;
            let mut select_undo = None;
            let mut labels = Vec::new();
            for (i, e) in edits.iter().enumerate() {
                let o = run_edit(tx, wfs, e, nesting + 1).map_err(|e| EditError {
                    message: if edits.len() > 1 {
                        format!("step {} of {}: {}", i + 1, edits.len(), e.message)
                    } else {
                        e.message
                    },
                })?;
                if o.select.is_some() {
                    select = o.select;
                }
                if select_undo.is_none() {
                    select_undo = o.select_undo;
                }
                labels.push(o.label);
            }
            let label = if !label.trim().is_empty() {
                label.clone()
            } else if labels.len() == 1 {
                labels.remove(0)
            } else {
                format!("{} edits", labels.len())
            };
            Ok(Outcome {
                label,
                select,
                select_undo,
            })
        }
    }
}

/// Refuses a Set or Remove that would take away, or shift, the place of a
/// workflow definition in the file.
fn guard_structure(
    root: &Value,
    wfs: &[WorkflowLoc],
    pointer: &str,
    removing: bool,
) -> Result<(), EditError> {
    parse_pointer(pointer)?;
    // A bare definition file is its own definition: replacing the root is
    // replacing the definition (Workflow JSON ▸ Apply).
    let bare = wfs.iter().any(|w| w.definition_pointer.is_empty());
    if pointer.is_empty() && (removing || !bare) {
        return err(if removing {
            "cannot remove the whole document"
        } else {
            "cannot replace the whole document with an edit; open it instead"
        });
    }
    for w in wfs {
        let dp = &w.definition_pointer;
        if is_prefix(pointer, dp) && (removing || pointer != dp) {
            return err(format!(
                "cannot {} {}: it holds the definition of workflow `{}`",
                if removing { "remove" } else { "replace" },
                show(pointer),
                w.name
            ));
        }
        // Removing an element of an array shifts the ones after it.
        if removing {
            if let Some((parent, key)) = split_pointer(pointer) {
                if let (Some(Value::Array(_)), Some(i)) = (root.pointer(&parent), parse_index(&key))
                {
                    if let Some(rest) = dp.strip_prefix(&format!("{parent}/")) {
                        let j = rest.split('/').next().and_then(parse_index);
                        if j.is_some_and(|j| i < j) {
                            return err(format!(
                                "cannot remove {}: it would shift the place of workflow `{}` in the file",
                                show(pointer),
                                w.name
                            ));
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

fn rename(
    tx: &mut Tx,
    wfs: &[WorkflowLoc],
    pointer: &str,
    new_name: &str,
) -> Result<Outcome, EditError> {
    let ctx = Ctx::for_pointer(tx.root, wfs, pointer)?;
    let id = ctx.node_at(pointer)?;
    let node = &ctx.outline.nodes[id];
    let old = node.name.clone();
    let (container, _) = split_pointer(pointer).unwrap_or_default();
    let new_pointer = child_pointer(&container, new_name);
    let label = format!("Rename {old} to {new_name}");
    if old == new_name {
        return Ok(Outcome {
            label,
            select: Some(pointer.to_owned()),
            select_undo: Some(pointer.to_owned()),
        });
    }
    check_name(new_name).map_err(|m| EditError {
        message: format!("cannot rename `{old}`: {m}"),
    })?;
    let lower = new_name.to_lowercase();
    if let Some(other) = ctx
        .outline
        .nodes
        .iter()
        .find(|n| n.id != id && n.name.to_lowercase() == lower)
    {
        let what = if other.role == Role::Trigger {
            "trigger"
        } else {
            "action"
        };
        return err(format!(
            "cannot rename `{old}` to `{new_name}`: the name is already used by the {what} at {}",
            other.pointer
        ));
    }
    let role = node.role;
    // Siblings' runAfter keys.
    let mut ra_keys = Vec::new();
    if role == Role::Action {
        for &s in ctx.outline.siblings(id) {
            let sn = &ctx.outline.nodes[s];
            if s != id && sn.run_after.iter().any(|r| r.target == old) {
                ra_keys.push(format!("{}/runAfter/{}", sn.pointer, escape_pointer(&old)));
            }
        }
    }
    // Expression references anywhere in the definition.
    let mut rewrites = Vec::new();
    if role == Role::Action {
        let lookup = |s: &str| (s == old).then(|| new_name.to_owned());
        if let Some(def) = tx.root.pointer(&ctx.dp) {
            let mut path = ctx.dp.clone();
            collect_rewrites(def, &mut path, &lookup, &mut rewrites);
        }
    }
    for (p, s) in rewrites {
        tx.replace(&p, Value::String(s))?;
    }
    for p in ra_keys {
        tx.rename_key(&p, new_name)?;
    }
    tx.rename_key(pointer, new_name)?;
    Ok(Outcome {
        label,
        select: Some(new_pointer),
        select_undo: Some(pointer.to_owned()),
    })
}

/// The name of the action a move takes, once the move is
/// known to stay in its workflow and not to go into the action itself.
fn move_source(
    root: &Value,
    wfs: &[WorkflowLoc],
    pointer: &str,
    container: &str,
) -> Result<String, EditError> {
    let ctx = Ctx::for_pointer(root, wfs, pointer)?;
    let id = ctx.action_at(pointer, "move")?;
    let name = ctx.outline.nodes[id].name.clone();
    let target = workflow_of(wfs, container).map(|w| w.definition_pointer.as_str());
    if target != Some(ctx.dp.as_str()) {
        return err(format!(
            "cannot move `{name}` into another workflow; copy and paste it instead"
        ));
    }
    if is_prefix(pointer, container) {
        return err(format!(
            "cannot move `{name}` into itself or into an action it holds"
        ));
    }
    ctx.check_container(root, container)?;
    Ok(name)
}

fn move_action(
    tx: &mut Tx,
    wfs: &[WorkflowLoc],
    pointer: &str,
    container: &str,
    after: Option<&str>,
) -> Result<Outcome, EditError> {
    let name = move_source(tx.root, wfs, pointer, container)?;
    if after == Some(name.as_str()) {
        return err(format!("cannot place `{name}` after itself"));
    }
    if let Some(x) = after {
        let ok = container_map(tx.root, container).is_some_and(|m| m.contains_key(x));
        if !ok {
            return err(format!(
                "cannot move `{name}`: there is no action `{x}` in {} to place it after",
                show(container)
            ));
        }
    }
    let (old_container, _) = split_pointer(pointer).unwrap_or_default();
    let parents = run_after_of(tx.root.pointer(pointer).unwrap_or(&Value::Null));
    rewire_removed(tx, &old_container, &name, &parents)?;
    // Lift it out, set its runAfter, and put it back where it belongs:
    // done as one move patch and one replace, so that undo is exact.
    let anchor: RunAfterList = match after {
        Some(x) => vec![(x.to_owned(), vec!["Succeeded".to_owned()])],
        None => Vec::new(),
    };
    let exclude = vec![name.clone()];
    match after {
        Some(x) => rewire_after(tx, container, x, &exclude, std::slice::from_ref(&name))?,
        None => rewire_first(tx, container, &exclude, std::slice::from_ref(&name))?,
    }
    tx.ensure_object(container)?;
    // The position, counted once the action is out of its old list.
    let index = match after {
        Some(x) => container_map(tx.root, container)
            .map(|m| {
                m.keys()
                    .filter(|k| !(container == old_container && **k == name))
                    .position(|k| k == x)
                    .map_or(0, |i| i + 1)
            })
            .unwrap_or(0),
        None => 0,
    };
    tx.move_entry(pointer, container, index)?;
    let new_pointer = child_pointer(container, &name);
    let ra_pointer = format!("{new_pointer}/runAfter");
    let value = run_after_value(&anchor);
    if tx.root.pointer(&ra_pointer).is_some() {
        tx.replace(&ra_pointer, value)?;
    } else {
        let len = tx
            .root
            .pointer(&new_pointer)
            .and_then(Value::as_object)
            .map_or(0, Map::len);
        tx.insert(&new_pointer, "runAfter", len, value)?;
    }
    Ok(Outcome {
        label: format!("Move {name}"),
        select: Some(new_pointer),
        select_undo: Some(pointer.to_owned()),
    })
}

/// Where [`Edit::InsertAction`] and [`Edit::MoveTo`] put an action among
/// its new siblings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// After a sibling (`Some`), or first in its list (`None`), as
    /// [`Edit::AddAction`] places: it runs after that sibling (Succeeded),
    /// and the siblings that ran after it now run after the action.
    After(Option<String>),
    /// On the run-after edge from `from` to `to` (`from: None`: the entry
    /// of a list, where `to` waits for no sibling). The action takes over
    /// `to`'s entry for `from` (with its statuses) and `to` runs after the
    /// action (Succeeded) instead; no other sibling changes. It is placed
    /// right before `to` in key order.
    Between {
        /// The sibling the edge comes from; `None` for a list's entry.
        from: Option<String>,
        /// The sibling the edge goes to.
        to: String,
    },
    /// A parallel branch beside a sibling: the action gets the same runAfter
    /// as that sibling, and nothing else changes. It is placed right after
    /// it in key order.
    Beside(String),
}

/// What placing an action at a [`Place`] (other than `After`) means in one
/// actions object: the runAfter it gets, the new runAfter of the sibling it
/// goes before (if any), and where its key goes.
struct Anchor {
    run_after: Value,
    rewire: Option<(String, Value)>,
    /// The key it goes before (`true`) or after (`false`).
    next_to: (String, bool),
}

/// Works out an [`Anchor`] in `container` for the action `me` (which is not
/// in `container`, or is ignored there).
fn anchor_of(root: &Value, container: &str, place: &Place, me: &str) -> Result<Anchor, EditError> {
    let map = container_map(root, container);
    let sibling = |n: &str| -> Result<&Map<String, Value>, EditError> {
        match map.and_then(|m| m.get(n)) {
            Some(Value::Object(o)) if n != me => Ok(o),
            _ => err(format!(
                "there is no action `{n}` in {} to place `{me}` next to",
                show(container)
            )),
        }
    };
    match place {
        Place::After(_) => err("internal: After is placed by AddAction and MoveAction"),
        Place::Beside(b) => {
            let o = sibling(b)?;
            let ra = match o.get("runAfter") {
                Some(Value::Object(m)) => Value::Object(m.clone()),
                _ => Value::Object(Map::new()),
            };
            Ok(Anchor {
                run_after: ra,
                rewire: None,
                next_to: (b.clone(), false),
            })
        }
        Place::Between { from, to } => {
            let o = sibling(to)?;
            let ra = o.get("runAfter").and_then(Value::as_object);
            let succeeded = json!(["Succeeded"]);
            let mut new_to = Map::new();
            let mine = match from {
                Some(p) => {
                    sibling(p)?;
                    let Some(st) = ra.and_then(|m| m.get(p)) else {
                        return err(format!(
                            "`{to}` does not run after `{p}`: there is no such edge to insert `{me}` on"
                        ));
                    };
                    let mut mine = Map::new();
                    mine.insert(p.clone(), st.clone());
                    for (k, v) in ra.into_iter().flatten() {
                        if k == p {
                            merge_entry(&mut new_to, me, &succeeded);
                        } else {
                            merge_entry(&mut new_to, k, v);
                        }
                    }
                    mine
                }
                None => {
                    let waits = ra
                        .into_iter()
                        .flatten()
                        .find(|(k, _)| *k != me && map.is_some_and(|m| m.contains_key(*k)));
                    if let Some((k, _)) = waits {
                        return err(format!(
                            "`{to}` is not first in its list (it runs after `{k}`); insert `{me}` on that edge instead"
                        ));
                    }
                    for (k, v) in ra.into_iter().flatten() {
                        merge_entry(&mut new_to, k, v);
                    }
                    merge_entry(&mut new_to, me, &succeeded);
                    Map::new()
                }
            };
            Ok(Anchor {
                run_after: Value::Object(mine),
                rewire: Some((child_pointer(container, to), Value::Object(new_to))),
                next_to: (to.clone(), true),
            })
        }
    }
}

impl Anchor {
    /// Applies the sibling's new runAfter.
    fn rewire(&self, tx: &mut Tx) -> Result<(), EditError> {
        match &self.rewire {
            Some((p, v)) => write_run_after(tx, p, v.clone()),
            None => Ok(()),
        }
    }

    /// The key position for `me` in `container` (counted without `me`).
    fn index(&self, root: &Value, container: &str, me: &str) -> usize {
        let (key, before) = &self.next_to;
        container_map(root, container)
            .and_then(|m| m.keys().filter(|k| *k != me).position(|k| k == key))
            .map_or(0, |i| if *before { i } else { i + 1 })
    }
}

/// Replaces (or adds, last) the runAfter of the action at `pointer`.
fn write_run_after(tx: &mut Tx, pointer: &str, value: Value) -> Result<(), EditError> {
    let ra_pointer = format!("{pointer}/runAfter");
    if tx.root.pointer(&ra_pointer).is_some() {
        tx.replace(&ra_pointer, value)
    } else {
        let len = tx
            .root
            .pointer(pointer)
            .and_then(Value::as_object)
            .map_or(0, Map::len);
        tx.insert(pointer, "runAfter", len, value)
    }
}

fn insert_placed(
    tx: &mut Tx,
    wfs: &[WorkflowLoc],
    container: &str,
    name: &str,
    action: &Value,
    place: &Place,
    nesting: usize,
) -> Result<Outcome, EditError> {
    if let Place::After(after) = place {
        let add = Edit::AddAction {
            container: container.to_owned(),
            name: name.to_owned(),
            action: action.clone(),
            after: after.clone(),
        };
        return run_edit(tx, wfs, &add, nesting);
    }
    let (_, m) = new_action_entry(tx.root, wfs, container, name, action)?;
    let Some((new, mut value)) = m.into_iter().next() else {
        return err("internal: lost the action to insert");
    };
    let anchor = anchor_of(tx.root, container, place, &new)?;
    if let Some(obj) = value.as_object_mut() {
        obj.insert("runAfter".into(), anchor.run_after.clone());
    }
    anchor.rewire(tx)?;
    tx.ensure_object(container)?;
    let index = anchor.index(tx.root, container, &new);
    tx.insert(container, &new, index, value)?;
    let label = match place {
        Place::Beside(b) => format!("Add {new} beside {b}"),
        _ => format!("Add {new}"),
    };
    Ok(Outcome {
        label,
        select: Some(child_pointer(container, &new)),
        select_undo: None,
    })
}

fn move_placed(
    tx: &mut Tx,
    wfs: &[WorkflowLoc],
    pointer: &str,
    container: &str,
    place: &Place,
) -> Result<Outcome, EditError> {
    let refs: Vec<&str> = match place {
        Place::After(after) => return move_action(tx, wfs, pointer, container, after.as_deref()),
        Place::Between { from, to } => from
            .iter()
            .map(String::as_str)
            .chain([to.as_str()])
            .collect(),
        Place::Beside(b) => vec![b.as_str()],
    };
    let name = move_source(tx.root, wfs, pointer, container)?;
    if refs.contains(&name.as_str()) {
        return err(format!("cannot place `{name}` next to itself"));
    }
    let (old_container, _) = split_pointer(pointer).unwrap_or_default();
    let parents = run_after_of(tx.root.pointer(pointer).unwrap_or(&Value::Null));
    rewire_removed(tx, &old_container, &name, &parents)?;
    let anchor = anchor_of(tx.root, container, place, &name)?;
    anchor.rewire(tx)?;
    tx.ensure_object(container)?;
    let index = anchor.index(tx.root, container, &name);
    tx.move_entry(pointer, container, index)?;
    let new_pointer = child_pointer(container, &name);
    write_run_after(tx, &new_pointer, anchor.run_after)?;
    Ok(Outcome {
        label: format!("Move {name}"),
        select: Some(new_pointer),
        select_undo: Some(pointer.to_owned()),
    })
}

fn set_run_after(
    tx: &mut Tx,
    wfs: &[WorkflowLoc],
    pointer: &str,
    run_after: &[(String, Vec<String>)],
) -> Result<Outcome, EditError> {
    let ctx = Ctx::for_pointer(tx.root, wfs, pointer)?;
    let id = ctx.action_at(pointer, "set the run-after of")?;
    let name = ctx.outline.nodes[id].name.clone();
    let sibling_ids = ctx.outline.siblings(id);
    let mut list: RunAfterList = Vec::new();
    for (target, statuses) in run_after {
        if *target == name {
            return err(format!("`{name}` cannot run after itself"));
        }
        if !sibling_ids
            .iter()
            .any(|&s| ctx.outline.nodes[s].name == *target)
        {
            return err(format!(
                "`{name}` cannot run after `{target}`: run-after may only name actions in the same scope, and `{target}` is not one"
            ));
        }
        if statuses.is_empty() {
            return err(format!(
                "`{name}` cannot run after `{target}` with no status; list at least one of Succeeded, Failed, Skipped, TimedOut"
            ));
        }
        let mut canon: Vec<String> = Vec::new();
        for s in statuses {
            let st = RunStatus::parse(s);
            if matches!(st, RunStatus::ArmExpression(_) | RunStatus::Other(_)) {
                return err(format!(
                    "`{name}` cannot run after `{target}` on status `{s}`, which does not exist; use Succeeded, Failed, Skipped or TimedOut"
                ));
            }
            let c = st.as_str().to_owned();
            if !canon.contains(&c) {
                canon.push(c);
            }
        }
        match list.iter_mut().find(|(t, _)| t == target) {
            Some((_, have)) => {
                for c in canon {
                    if !have.contains(&c) {
                        have.push(c);
                    }
                }
            }
            None => list.push((target.clone(), canon)),
        }
    }
    // No cycle: none of the new parents may (transitively) wait for `name`.
    let by_name = |n: &str| {
        sibling_ids
            .iter()
            .copied()
            .find(|&s| ctx.outline.nodes[s].name == n)
    };
    let mut stack: Vec<NodeId> = list.iter().filter_map(|(t, _)| by_name(t)).collect();
    let mut seen: HashSet<NodeId> = HashSet::new();
    while let Some(n) = stack.pop() {
        if !seen.insert(n) {
            continue;
        }
        for ra in &ctx.outline.nodes[n].run_after {
            if ra.target == name {
                return err(format!(
                    "`{name}` cannot run after `{}`: `{}` already waits for `{name}`, which would make a cycle",
                    ctx.outline.nodes[n].name, ctx.outline.nodes[n].name
                ));
            }
            if let Some(p) = by_name(&ra.target) {
                stack.push(p);
            }
        }
    }
    let value = run_after_value(&list);
    let ra_pointer = format!("{pointer}/runAfter");
    if tx.root.pointer(&ra_pointer).is_some() {
        tx.replace(&ra_pointer, value)?;
    } else {
        let len = tx
            .root
            .pointer(pointer)
            .and_then(Value::as_object)
            .map_or(0, Map::len);
        tx.insert(pointer, "runAfter", len, value)?;
    }
    Ok(Outcome {
        label: format!("Set run after of {name}"),
        select: None,
        select_undo: None,
    })
}

fn paste(
    tx: &mut Tx,
    wfs: &[WorkflowLoc],
    container: &str,
    after: Option<&str>,
    json_text: &str,
    name_hint: Option<&str>,
) -> Result<Outcome, EditError> {
    let ctx = Ctx::for_pointer(tx.root, wfs, container)?;
    ctx.check_container(tx.root, container)?;
    let value: Value = serde_json::from_str(json_text).map_err(|e| EditError {
        message: format!("the clipboard does not hold JSON: {e}"),
    })?;
    let not_actions = || {
        err("the clipboard does not hold actions: expected one action (an object with a \"type\") or an object that maps names to actions")
    };
    let Value::Object(obj) = value else {
        return not_actions();
    };
    let actions = if matches!(obj.get("type"), Some(Value::String(_))) {
        let ty = obj.get("type").and_then(Value::as_str).unwrap_or("");
        let base = match name_hint {
            Some(h) if !h.trim().is_empty() => sanitize_name(h),
            _ => default_name(ty),
        };
        let mut m = Map::new();
        m.insert(base, Value::Object(obj));
        m
    } else {
        if obj.is_empty()
            || !obj
                .values()
                .all(|v| matches!(v.get("type"), Some(Value::String(_))))
        {
            return not_actions();
        }
        obj
    };
    let mut used = Names::of(&ctx.outline);
    // A trigger (an object whose type only a trigger can have) goes to the
    // workflow's `triggers`, not among the actions.
    let (triggers, mut actions): (Map<String, Value>, Map<String, Value>) =
        actions.into_iter().partition(|(_, v)| {
            v.get("type")
                .and_then(Value::as_str)
                .is_some_and(is_trigger_only_type)
        });
    let mut trigger_pointers = Vec::new();
    if !triggers.is_empty() {
        let list = format!("{}/triggers", ctx.dp);
        tx.ensure_object(&list)?;
        for (name, mut t) in triggers {
            let name = used.unique(&name);
            if let Some(o) = t.as_object_mut() {
                o.shift_remove("runAfter");
            }
            let index = tx
                .root
                .pointer(&list)
                .and_then(Value::as_object)
                .map_or(0, Map::len);
            tx.insert(&list, &name, index, t)?;
            trigger_pointers.push((name.clone(), child_pointer(&list, &name)));
        }
    }
    let names = if actions.is_empty() {
        Vec::new()
    } else {
        let names = uniquify(&mut actions, &mut used)?;
        insert_actions(tx, &ctx, container, after, actions)?;
        names
    };
    let label = match (trigger_pointers.as_slice(), names.as_slice()) {
        ([(one, _)], []) => format!("Paste trigger {one}"),
        ([], [one]) => format!("Paste {one}"),
        ([], many) => format!("Paste {} actions", many.len()),
        (t, a) => format!("Paste {} trigger(s) and {} action(s)", t.len(), a.len()),
    };
    let select = names
        .first()
        .map(|n| child_pointer(container, n))
        .or_else(|| trigger_pointers.first().map(|(_, p)| p.clone()));
    Ok(Outcome {
        label,
        select,
        select_undo: None,
    })
}

fn rename_parameter(
    tx: &mut Tx,
    wfs: &[WorkflowLoc],
    definition: &str,
    from: &str,
    to: &str,
) -> Result<Outcome, EditError> {
    if !wfs.iter().any(|w| w.definition_pointer == definition) {
        return err(format!(
            "{} is not the definition of a workflow of this document",
            show(definition)
        ));
    }
    let to = to.trim();
    if to.is_empty() {
        return err(format!(
            "cannot rename parameter `{from}`: a name cannot be empty"
        ));
    }
    let list = format!("{definition}/parameters");
    let params = tx
        .root
        .pointer(&list)
        .and_then(Value::as_object)
        .ok_or_else(|| EditError {
            message: format!("the workflow has no parameters object at {}", show(&list)),
        })?;
    if !params.contains_key(from) {
        return err(format!("there is no parameter `{from}`"));
    }
    if from == to {
        return Ok(Outcome::new(format!("Rename parameter {from}")));
    }
    if params
        .keys()
        .any(|k| k != from && k.eq_ignore_ascii_case(to))
    {
        return err(format!(
            "cannot rename parameter `{from}` to `{to}`: a parameter of that name exists"
        ));
    }
    tx.rename_key(&child_pointer(&list, from), to)?;
    // Every parameters('from') in the definition follows.
    let mut rewrites = Vec::new();
    if let Some(def) = tx.root.pointer(definition) {
        let mut path = definition.to_owned();
        collect_parameter_rewrites(def, &mut path, from, to, &mut rewrites);
    }
    for (p, text) in rewrites {
        tx.replace(&p, Value::String(text))?;
    }
    // The value an ARM template gives it, beside the definition.
    if let Some(parent) = definition.strip_suffix("/definition") {
        let values = format!("{parent}/parameters");
        let has = tx
            .root
            .pointer(&values)
            .and_then(Value::as_object)
            .is_some_and(|m| m.contains_key(from) && !m.contains_key(to));
        if has && !parent.is_empty() {
            tx.rename_key(&child_pointer(&values, from), to)?;
        }
    }
    Ok(Outcome::new(format!("Rename parameter {from} to {to}")))
}

fn collect_parameter_rewrites(
    v: &Value,
    path: &mut String,
    from: &str,
    to: &str,
    out: &mut Vec<(String, String)>,
) {
    match v {
        Value::String(s) => {
            let kinds = [crate::expr::RefKind::Parameter];
            if let Ok(Some(new)) = crate::expr::rename_references(s, &kinds, from, to) {
                out.push((path.clone(), new));
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let len = path.len();
                path.push('/');
                path.push_str(&i.to_string());
                collect_parameter_rewrites(x, path, from, to, out);
                path.truncate(len);
            }
        }
        Value::Object(m) => {
            for (k, x) in m {
                let len = path.len();
                path.push('/');
                path.push_str(&escape_pointer(k));
                collect_parameter_rewrites(x, path, from, to, out);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

/// How many expressions in `definition` (a workflow definition value)
/// refer to the parameter `name` with `parameters('name')`.
pub fn parameter_reference_count(definition: &Value, name: &str) -> usize {
    match definition {
        Value::String(s) => {
            if !crate::expr::is_expression(s) {
                return 0;
            }
            crate::expr::parse_string_value(s)
                .map(|t| {
                    t.references()
                        .iter()
                        .filter(|r| r.kind == crate::expr::RefKind::Parameter && r.name == name)
                        .count()
                })
                .unwrap_or(0)
        }
        Value::Array(a) => a.iter().map(|x| parameter_reference_count(x, name)).sum(),
        Value::Object(m) => m
            .iter()
            // The parameter's own declaration is not a reference.
            .map(|(_, x)| parameter_reference_count(x, name))
            .sum(),
        _ => 0,
    }
}

/// A value that replaces a bare definition file whole must still read as
/// a bare definition (as the loader decides): an object with `triggers`,
/// `actions` or a workflow-definition `$schema`, and not an ARM template
/// or a Standard `workflow.json`.
fn check_bare_definition(value: &Value) -> Result<(), EditError> {
    let Some(o) = value.as_object() else {
        return err(format!(
            "a workflow definition is a JSON object, found {}",
            super::tree::kind_of(value)
        ));
    };
    let other = ["resources", "definition"]
        .into_iter()
        .find(|k| o.contains_key(*k))
        .or_else(|| {
            o.get("properties")
                .is_some_and(|p| p.get("definition").is_some())
                .then_some("properties.definition")
        });
    if let Some(k) = other {
        return err(format!(
            "this JSON has `{k}`: it is another kind of file (ARM template or Standard workflow), not a definition; open it as a file instead"
        ));
    }
    let schema = o.get("$schema").and_then(Value::as_str).unwrap_or("");
    if !(o.contains_key("triggers")
        || o.contains_key("actions")
        || schema.to_ascii_lowercase().contains("workflowdefinition"))
    {
        return err(
            "this JSON is not a workflow definition: it needs `triggers` and `actions` (or a workflow definition `$schema`)",
        );
    }
    Ok(())
}

/// Whether only a trigger can have this type (Microsoft Learn, "Schema
/// reference for trigger and action types": Request, Recurrence and
/// Sliding Window are triggers; HTTP, HTTP Webhook, ApiConnection and
/// ApiConnectionWebhook exist as both). Compared case-insensitively.
pub fn is_trigger_only_type(ty: &str) -> bool {
    ["Request", "Recurrence", "SlidingWindow"]
        .iter()
        .any(|t| t.eq_ignore_ascii_case(ty.trim()))
}

/// Checks a new trigger object: a JSON object with a string `type`.
fn check_trigger_value(name: &str, trigger: &Value) -> Result<Value, EditError> {
    check_name(name).map_err(|m| EditError {
        message: format!("cannot add the trigger: {m}"),
    })?;
    let Some(o) = trigger.as_object() else {
        return err(format!(
            "cannot add trigger `{name}`: a trigger must be a JSON object, found {}",
            super::tree::kind_of(trigger)
        ));
    };
    if !matches!(o.get("type"), Some(Value::String(t)) if !t.trim().is_empty()) {
        return err(format!(
            "cannot add trigger `{name}`: it needs a \"type\" (e.g. \"Request\" or \"Recurrence\")"
        ));
    }
    let mut t = trigger.clone();
    if let Some(o) = t.as_object_mut() {
        o.shift_remove("runAfter");
    }
    Ok(t)
}

fn add_trigger(
    tx: &mut Tx,
    wfs: &[WorkflowLoc],
    definition: &str,
    name: &str,
    trigger: &Value,
) -> Result<Outcome, EditError> {
    if !wfs.iter().any(|w| w.definition_pointer == definition) {
        return err(format!(
            "{} is not the definition of a workflow of this document",
            show(definition)
        ));
    }
    let ctx = Ctx::for_pointer(tx.root, wfs, definition)?;
    let t = check_trigger_value(name, trigger)?;
    let list = format!("{}/triggers", ctx.dp);
    match tx.root.pointer(&list) {
        None | Some(Value::Object(_)) => {}
        Some(other) => {
            return err(format!(
                "the triggers at {} are {}, not an object; fix them in the code view",
                show(&list),
                super::tree::kind_of(other)
            ))
        }
    }
    tx.ensure_object(&list)?;
    let mut used = Names::of(&ctx.outline);
    let name = used.unique(name.trim());
    let index = tx
        .root
        .pointer(&list)
        .and_then(Value::as_object)
        .map_or(0, Map::len);
    tx.insert(&list, &name, index, t)?;
    Ok(Outcome {
        label: format!("Add trigger {name}"),
        select: Some(child_pointer(&list, &name)),
        select_undo: None,
    })
}

fn replace_trigger(
    tx: &mut Tx,
    wfs: &[WorkflowLoc],
    pointer: &str,
    name: &str,
    trigger: &Value,
) -> Result<Outcome, EditError> {
    let ctx = Ctx::for_pointer(tx.root, wfs, pointer)?;
    let id = ctx.node_at(pointer)?;
    let old = &ctx.outline.nodes[id];
    if old.role != Role::Trigger {
        return err(format!(
            "cannot replace `{}` as a trigger: it is an action",
            old.name
        ));
    }
    let old_name = old.name.clone();
    let t = check_trigger_value(name, trigger)?;
    let mut used = Names::default();
    for n in ctx.outline.nodes.iter().filter(|n| n.id != id) {
        used.add(&n.name);
    }
    let name = used.unique(name.trim());
    let (list, _) = split_pointer(pointer).unwrap_or_default();
    tx.remove(pointer)?;
    let index = match tx.ops.last() {
        Some(Op::Remove { index, .. }) => *index,
        _ => 0,
    };
    tx.insert(&list, &name, index, t)?;
    Ok(Outcome {
        label: format!("Replace trigger {old_name} with {name}"),
        select: Some(child_pointer(&list, &name)),
        select_undo: Some(pointer.to_owned()),
    })
}

/// Every workflow definition is still where the document says it is.
/// (Structural edits keep the shape by construction; Set and Remove check
/// what they touched, see [`check_touched`].)
fn check_definitions(root: &Value, wfs: &[WorkflowLoc]) -> Result<(), EditError> {
    for w in wfs {
        let dp = &w.definition_pointer;
        if !root.pointer(dp).is_some_and(Value::is_object) {
            return err(format!(
                "the edit would leave no definition object at {} for workflow `{}`",
                show(dp),
                w.name
            ));
        }
    }
    Ok(())
}

/// The workflow whose definition holds `pointer`.
fn workflow_of<'a>(wfs: &'a [WorkflowLoc], pointer: &str) -> Option<&'a WorkflowLoc> {
    wfs.iter()
        .filter(|w| is_prefix(&w.definition_pointer, pointer))
        .max_by_key(|w| w.definition_pointer.len())
}

/// A trigger or action on the way to a pointer.
struct NodeRef {
    pointer: String,
    name: String,
    trigger: bool,
}

/// The triggers and actions whose subtrees hold `pointer`, outermost
/// first, found by following the pointer down the branches the outline
/// knows (without building it).
fn node_chain(root: &Value, dp: &str, pointer: &str) -> Vec<NodeRef> {
    let mut out = Vec::new();
    let Ok(rel) = parse_pointer(&pointer[dp.len().min(pointer.len())..]) else {
        return out;
    };
    let exists = |p: &str| root.pointer(p).is_some_and(Value::is_object);
    let (list, trigger) = match rel.first().map(String::as_str) {
        Some("triggers") => ("triggers", true),
        Some("actions") => ("actions", false),
        _ => return out,
    };
    let Some(name) = rel.get(1) else { return out };
    let mut at = format!("{dp}/{list}/{}", escape_pointer(name));
    if !exists(&at) {
        return out;
    }
    out.push(NodeRef {
        pointer: at.clone(),
        name: name.clone(),
        trigger,
    });
    if trigger {
        return out;
    }
    let mut i = 2;
    loop {
        let ty = root
            .pointer(&at)
            .and_then(|v| v.get("type"))
            .and_then(Value::as_str)
            .map(ActionType::parse)
            .unwrap_or(ActionType::Other(String::new()));
        let t = |k: usize| rel.get(i + k).map(String::as_str);
        let step = match (t(0), t(1), t(2)) {
            (Some("actions"), Some(_), _) if ty != ActionType::Switch => Some(2),
            (Some("else"), Some("actions"), Some(_)) if ty == ActionType::If => Some(3),
            (Some("default"), Some("actions"), Some(_)) if ty == ActionType::Switch => Some(3),
            (Some("cases"), Some(_), Some("actions")) if ty == ActionType::Switch => Some(4),
            (Some("tools"), Some(_), Some("actions")) if ty == ActionType::Agent => Some(4),
            _ => None,
        };
        let Some(step) = step else { break };
        let Some(name) = rel.get(i + step - 1) else {
            break;
        };
        let next = format!("{at}{}", join_pointer(&rel[i..i + step]));
        if !exists(&next) {
            break;
        }
        out.push(NodeRef {
            pointer: next.clone(),
            name: name.clone(),
            trigger: false,
        });
        at = next;
        i += step;
    }
    out
}

/// How a label names what a pointer points at: `inputs/uri of Get_status`,
/// `parameters/tenantId`.
fn describe(root: &Value, wfs: &[WorkflowLoc], pointer: &str) -> String {
    let Some(w) = workflow_of(wfs, pointer) else {
        return readable(pointer.trim_start_matches('/'));
    };
    let dp = &w.definition_pointer;
    match node_chain(root, dp, pointer).pop() {
        Some(n) if n.pointer == pointer => n.name,
        Some(n) => format!(
            "{} of {}",
            readable(&pointer[n.pointer.len() + 1..]),
            n.name
        ),
        None => readable(pointer[dp.len()..].trim_start_matches('/')),
    }
}

/// After a Set or Remove at `pointer`: the trigger or action it touched
/// (or the part of the definition) still has the shape the outline needs.
/// Only that part is checked, so that editing one field stays cheap.
fn check_touched(root: &Value, wfs: &[WorkflowLoc], pointer: &str) -> Result<(), EditError> {
    check_definitions(root, wfs)?;
    let Some(w) = workflow_of(wfs, pointer) else {
        return Ok(());
    };
    let dp = &w.definition_pointer;
    let broken = |e: super::tree::ShapeError, from: &str, to: &str| EditError {
        message: format!(
            "the edit would break the workflow at {}: {}",
            show(&format!(
                "{to}{}",
                e.pointer.strip_prefix(from).unwrap_or(&e.pointer)
            )),
            e.message
        ),
    };
    let Some(def) = root.pointer(dp).and_then(Value::as_object) else {
        return Ok(());
    };
    if pointer.len() <= dp.len() {
        return Outline::build(def, dp)
            .map(|_| ())
            .map_err(|e| broken(e, "", ""));
    }
    let mut mini = Map::new();
    let (from, to) = match node_chain(root, dp, pointer).pop() {
        Some(n) => {
            let Some(v) = root.pointer(&n.pointer) else {
                return Ok(());
            };
            let list = if n.trigger { "triggers" } else { "actions" };
            let mut one = Map::new();
            one.insert(n.name.clone(), v.clone());
            mini.insert(list.to_owned(), Value::Object(one));
            (format!("/{list}/{}", escape_pointer(&n.name)), n.pointer)
        }
        None => {
            let rel = parse_pointer(&pointer[dp.len()..])?;
            let Some(key) = rel.first() else {
                return Ok(());
            };
            let Some(v) = def.get(key) else {
                return Ok(());
            };
            mini.insert(key.clone(), v.clone());
            (String::new(), dp.clone())
        }
    };
    Outline::build(&mini, "")
        .map(|_| ())
        .map_err(|e| broken(e, &from, &to))
}

// ---------------------------------------------------------------------------
// The editor

struct Step {
    id: u64,
    label: String,
    ops: Vec<Op>,
    select: Option<String>,
    select_undo: Option<String>,
}

/// The document being edited, with its undo and redo history.
///
/// Change [`Editor::doc`]'s `root` only through [`Editor::apply`]: the
/// history records patches against it. Other fields (the path after a
/// "save as", the format) may be changed directly.
pub struct Editor {
    /// The document.
    pub doc: Document,
    undo: Vec<Step>,
    redo: Vec<Step>,
    /// The state below the oldest step kept.
    base: u64,
    saved: Option<u64>,
    next_id: u64,
    revision: u64,
    /// The key of the last step made by [`Editor::apply_typing`], while
    /// nothing else happened since: the next typing step with the same key
    /// joins it.
    typing: Option<String>,
}

impl fmt::Debug for Editor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Editor")
            .field("path", &self.doc.path)
            .field("revision", &self.revision)
            .field("undo", &self.undo.len())
            .field("redo", &self.redo.len())
            .field("dirty", &self.is_dirty())
            .finish()
    }
}

impl Editor {
    /// Starts editing a document, with an empty history; it counts as saved.
    pub fn new(doc: Document) -> Self {
        Editor {
            doc,
            undo: Vec::new(),
            redo: Vec::new(),
            base: 0,
            saved: Some(0),
            next_id: 1,
            revision: 0,
            typing: None,
        }
    }

    fn state(&self) -> u64 {
        self.undo.last().map_or(self.base, |s| s.id)
    }

    fn exists(&self, p: Option<String>) -> Option<String> {
        p.filter(|p| self.doc.root.pointer(p).is_some())
    }

    /// Applies an edit as one undo step. On error the document is
    /// unchanged. An edit that changes nothing is not recorded.
    pub fn apply(&mut self, edit: Edit) -> Result<Applied, EditError> {
        self.apply_knowing(edit, None)
    }

    /// [`Editor::apply`], given the outline of the workflow whose
    /// definition is at `known.0` as the document is now (built by the
    /// caller for this very revision): the edit uses it instead of building
    /// it again. A wrong outline gives a wrong edit: pass only one built
    /// from the current document.
    pub fn apply_knowing(
        &mut self,
        edit: Edit,
        known: Option<(String, Arc<Outline>)>,
    ) -> Result<Applied, EditError> {
        KNOWN.with(|k| *k.borrow_mut() = known);
        let result = self.apply_inner(edit);
        forget_known();
        result
    }

    fn apply_inner(&mut self, edit: Edit) -> Result<Applied, EditError> {
        self.typing = None;
        let mut tx = Tx {
            root: &mut self.doc.root,
            ops: Vec::new(),
        };
        let outcome = run_edit(&mut tx, &self.doc.workflows, &edit, 0)
            .and_then(|o| check_definitions(tx.root, &self.doc.workflows).map(|()| o));
        let outcome = match outcome {
            Ok(o) => o,
            Err(e) => {
                tx.rollback();
                return Err(e);
            }
        };
        let ops = tx.ops;
        let applied = Applied {
            label: outcome.label.clone(),
            select: self.exists(outcome.select.clone()),
        };
        if ops.is_empty() {
            return Ok(applied);
        }
        let id = self.next_id;
        self.next_id += 1;
        self.undo.push(Step {
            id,
            label: outcome.label,
            ops,
            select: outcome.select,
            select_undo: outcome.select_undo,
        });
        if self.undo.len() > HISTORY_LIMIT {
            let dropped = self.undo.remove(0);
            self.base = dropped.id;
        }
        self.redo.clear();
        self.revision += 1;
        Ok(applied)
    }

    /// Undoes the last step; returns what was undone and what to select.
    pub fn undo(&mut self) -> Option<Applied> {
        self.typing = None;
        let step = self.undo.pop()?;
        if run_ops(&mut self.doc.root, &step.ops, false).is_err() {
            // The document was changed behind the editor's back: the
            // history no longer fits it.
            self.forget();
            return None;
        }
        self.revision += 1;
        let applied = Applied {
            label: step.label.clone(),
            select: self.exists(step.select_undo.clone()),
        };
        self.redo.push(step);
        Some(applied)
    }

    /// Redoes the last undone step; returns what was redone and what to
    /// select.
    pub fn redo(&mut self) -> Option<Applied> {
        self.typing = None;
        let step = self.redo.pop()?;
        if run_ops(&mut self.doc.root, &step.ops, true).is_err() {
            self.forget();
            return None;
        }
        self.revision += 1;
        let applied = Applied {
            label: step.label.clone(),
            select: self.exists(step.select.clone()),
        };
        self.undo.push(step);
        Some(applied)
    }

    fn forget(&mut self) {
        let dirty = self.is_dirty();
        self.undo.clear();
        self.redo.clear();
        self.base = self.next_id;
        self.next_id += 1;
        self.saved = if dirty { None } else { Some(self.base) };
        self.revision += 1;
    }

    /// Applies an edit made by typing in a field. Consecutive typing edits
    /// with the same `key` (say, the field's pointer) make one undo step, so
    /// undo takes back the whole word, not one letter.
    pub fn apply_typing(&mut self, edit: Edit, key: &str) -> Result<Applied, EditError> {
        let joins = self.typing.as_deref() == Some(key);
        let before = self.undo.len();
        let applied = self.apply(edit)?;
        if joins && self.undo.len() == before + 1 && before >= 1 {
            let prev_id = self.undo[before - 1].id;
            // Never merge across the saved state: dirtiness must stay exact.
            if self.saved != Some(prev_id) {
                if let Some(step) = self.undo.pop() {
                    let prev = &mut self.undo[before - 1];
                    prev.ops.extend(step.ops);
                    prev.id = step.id;
                    prev.select = step.select;
                }
            }
        }
        self.typing = Some(key.to_owned());
        Ok(applied)
    }

    /// Ends a typing run: the next typing edit starts a new undo step.
    pub fn end_typing(&mut self) {
        self.typing = None;
    }

    /// Marks the document as not saved (e.g. recovered work that is not on
    /// disk yet).
    pub fn mark_unsaved(&mut self) {
        self.saved = None;
    }

    /// Whether there is a step to undo.
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    /// Whether there is a step to redo.
    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// The label of the step [`Editor::undo`] would undo.
    pub fn undo_label(&self) -> Option<&str> {
        self.undo.last().map(|s| s.label.as_str())
    }

    /// The label of the step [`Editor::redo`] would redo.
    pub fn redo_label(&self) -> Option<&str> {
        self.redo.last().map(|s| s.label.as_str())
    }

    /// Increases on every change of the document (apply, undo, redo,
    /// replace): the UI rebuilds the outline and layout when it changes.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Whether the document differs from its state at the last
    /// [`Editor::mark_saved`] (or at opening). Undoing back to that state
    /// makes it clean again.
    pub fn is_dirty(&self) -> bool {
        self.saved != Some(self.state())
    }

    /// Records the current state as saved.
    pub fn mark_saved(&mut self) {
        self.saved = Some(self.state());
    }

    /// Replaces the whole document (open, new) and clears the history; the
    /// new document counts as saved.
    pub fn replace(&mut self, doc: Document) {
        self.typing = None;
        self.doc = doc;
        self.undo.clear();
        self.redo.clear();
        self.base = self.next_id;
        self.next_id += 1;
        self.saved = Some(self.base);
        self.revision += 1;
    }
}

// ---------------------------------------------------------------------------
// Clipboard

/// The selected actions as pretty JSON, an object name → action in file
/// order, ready for [`Edit::Paste`]. The runAfter of each copied action
/// keeps only the copied siblings; an action nested in another copied one
/// is copied with it, not twice. Pointers that are not actions are skipped.
pub fn copy_json(doc: &Document, pointers: &[String]) -> String {
    struct Picked {
        wf: usize,
        id: NodeId,
        pointer: String,
        name: String,
        parent: Option<(NodeId, usize)>,
    }
    let mut outlines: Vec<Option<Outline>> = vec![None; doc.workflows.len()];
    let mut picked: Vec<Picked> = Vec::new();
    for p in pointers {
        let Some(wf) = doc
            .workflows
            .iter()
            .enumerate()
            .filter(|(_, w)| is_prefix(&w.definition_pointer, p))
            .max_by_key(|(_, w)| w.definition_pointer.len())
            .map(|(i, _)| i)
        else {
            continue;
        };
        if outlines[wf].is_none() {
            outlines[wf] = doc.outline(wf).ok();
        }
        let Some(o) = &outlines[wf] else { continue };
        let Some(n) = o
            .nodes
            .iter()
            .find(|n| n.pointer == *p && n.role == Role::Action)
        else {
            continue;
        };
        if picked.iter().any(|x| x.wf == wf && x.id == n.id) {
            continue;
        }
        picked.push(Picked {
            wf,
            id: n.id,
            pointer: n.pointer.clone(),
            name: n.name.clone(),
            parent: n.parent,
        });
    }
    // What is nested in another picked action is copied with it.
    let all: Vec<String> = picked.iter().map(|x| x.pointer.clone()).collect();
    picked.retain(|x| {
        !all.iter()
            .any(|a| *a != x.pointer && is_prefix(a, &x.pointer))
    });
    picked.sort_by_key(|x| (x.wf, x.id));
    let mut out = Map::new();
    let mut used = Names::default();
    for x in &picked {
        let Some(mut v) = doc.root.pointer(&x.pointer).cloned() else {
            continue;
        };
        if let Some(Value::Object(ra)) = v.get_mut("runAfter") {
            ra.retain(|k, _| {
                picked
                    .iter()
                    .any(|y| y.wf == x.wf && y.parent == x.parent && y.name == *k)
            });
        }
        let name = used.unique(&x.name);
        out.insert(name, v);
    }
    serde_json::to_string_pretty(&Value::Object(out)).unwrap_or_else(|_| "{}".into())
}

// ---------------------------------------------------------------------------
// Palette

/// The actions the palette offers: (type, label).
pub const PALETTE: &[(&str, &str)] = &[
    ("Http", "HTTP"),
    ("Compose", "Compose"),
    ("Response", "Response"),
    ("ParseJson", "Parse JSON"),
    ("InitializeVariable", "Initialize variable"),
    ("SetVariable", "Set variable"),
    ("AppendToArrayVariable", "Append to array variable"),
    ("AppendToStringVariable", "Append to string variable"),
    ("IncrementVariable", "Increment variable"),
    ("DecrementVariable", "Decrement variable"),
    ("If", "Condition"),
    ("Switch", "Switch"),
    ("Foreach", "For each"),
    ("Until", "Until"),
    ("Scope", "Scope"),
    ("Terminate", "Terminate"),
    ("Wait", "Delay"),
    ("Query", "Filter array"),
    ("Select", "Select"),
    ("Join", "Join"),
    ("Table", "Create CSV table"),
    ("Workflow", "Call a workflow"),
    ("Function", "Azure Function"),
];

/// The name a new action of this type gets, as the portal names them
/// (`HTTP`, `Condition`, `For_each`…).
pub fn default_name(type_name: &str) -> String {
    let canon = ActionType::parse(type_name);
    PALETTE
        .iter()
        .find(|(t, _)| *t == canon.as_str())
        .map(|(_, label)| label.replace(' ', "_"))
        .unwrap_or_else(|| sanitize_name(type_name))
}

/// A new action of the given type, with the fields a form needs, for the
/// palette. Unknown types get `{"type", "inputs": {}, "runAfter": {}}`.
pub fn new_action(type_name: &str) -> Value {
    let ty = ActionType::parse(type_name);
    let t = ty.as_str().to_owned();
    match ty {
        ActionType::Http => json!({
            "type": t, "inputs": {"method": "GET", "uri": ""}, "runAfter": {}
        }),
        ActionType::Compose => json!({"type": t, "inputs": "", "runAfter": {}}),
        ActionType::Response => json!({
            "type": t, "kind": "Http",
            "inputs": {"statusCode": 200, "headers": {}, "body": ""},
            "runAfter": {}
        }),
        ActionType::ParseJson => json!({
            "type": t, "inputs": {"content": "", "schema": {}}, "runAfter": {}
        }),
        ActionType::InitializeVariable => json!({
            "type": t,
            "inputs": {"variables": [{"name": "", "type": "string", "value": ""}]},
            "runAfter": {}
        }),
        ActionType::SetVariable
        | ActionType::AppendToArrayVariable
        | ActionType::AppendToStringVariable => json!({
            "type": t, "inputs": {"name": "", "value": ""}, "runAfter": {}
        }),
        ActionType::IncrementVariable | ActionType::DecrementVariable => json!({
            "type": t, "inputs": {"name": "", "value": 1}, "runAfter": {}
        }),
        ActionType::If => json!({
            "type": t,
            "expression": {"and": [{"equals": ["", ""]}]},
            "actions": {},
            "else": {"actions": {}},
            "runAfter": {}
        }),
        ActionType::Switch => json!({
            "type": t,
            "expression": "",
            "cases": {"Case": {"case": "", "actions": {}}},
            "default": {"actions": {}},
            "runAfter": {}
        }),
        ActionType::Foreach => json!({
            "type": t, "foreach": "", "actions": {}, "runAfter": {}
        }),
        ActionType::Until => json!({
            "type": t,
            "expression": "@equals(1, 1)",
            "limit": {"count": 60, "timeout": "PT1H"},
            "actions": {},
            "runAfter": {}
        }),
        ActionType::Scope => json!({"type": t, "actions": {}, "runAfter": {}}),
        ActionType::Terminate => json!({
            "type": t,
            "inputs": {"runStatus": "Failed", "runError": {"code": "", "message": ""}},
            "runAfter": {}
        }),
        ActionType::Wait => json!({
            "type": t, "inputs": {"interval": {"count": 1, "unit": "Minute"}}, "runAfter": {}
        }),
        ActionType::Query => json!({
            "type": t, "inputs": {"from": "", "where": ""}, "runAfter": {}
        }),
        ActionType::Select => json!({
            "type": t, "inputs": {"from": "", "select": {}}, "runAfter": {}
        }),
        ActionType::Join => json!({
            "type": t, "inputs": {"from": "", "joinWith": ","}, "runAfter": {}
        }),
        _ => json!({"type": t, "inputs": {}, "runAfter": {}}),
    }
}

/// The edits that turn `old` into `new` below `pointer`: a `Set` for each
/// value that differs (descending into objects present in both), a
/// `Remove` for each key that went away. Arrays that differ are set whole.
/// Applied as one [`Edit::Batch`], a change computed on a copy of the
/// document becomes one undoable step.
pub fn diff(old: &Value, new: &Value, pointer: &str, out: &mut Vec<Edit>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                let p = format!("{pointer}/{}", super::text::escape_pointer(k));
                match a.get(k) {
                    Some(w) if w == v => {}
                    Some(w) => diff(w, v, &p, out),
                    None => out.push(Edit::Set {
                        pointer: p,
                        value: v.clone(),
                    }),
                }
            }
            for k in a.keys() {
                if !b.contains_key(k) {
                    out.push(Edit::Remove {
                        pointer: format!("{pointer}/{}", super::text::escape_pointer(k)),
                    });
                }
            }
        }
        (a, b) if a == b => {}
        _ => out.push(Edit::Set {
            pointer: pointer.to_owned(),
            value: new.clone(),
        }),
    }
}

/// The triggers the designer offers, as (type, label) pairs, in menu order.
/// Any other type is added through its JSON.
pub const TRIGGER_PALETTE: &[(&str, &str)] = &[
    ("Request", "Request"),
    ("Recurrence", "Recurrence"),
    ("Http", "HTTP"),
    ("HttpWebhook", "HTTP Webhook"),
];

/// The name a new trigger of this type gets, as the portal names them.
pub fn default_trigger_name(type_name: &str) -> String {
    match ActionType::parse(type_name) {
        ActionType::Request => "When_a_HTTP_request_is_received".into(),
        ActionType::Recurrence => "Recurrence".into(),
        ActionType::Http => "HTTP".into(),
        ActionType::HttpWebhook => "HTTP_Webhook".into(),
        _ => sanitize_name(type_name),
    }
}

/// A new trigger of the given type with the fields its form needs,
/// following Microsoft Learn's schema reference for trigger types: a
/// Request trigger accepts any JSON body (empty schema); Recurrence fires
/// every hour; the HTTP trigger polls (it needs a `recurrence`: every
/// hour); the HTTP Webhook trigger subscribes with a POST to its URL.
/// Other types get `{"type", "inputs": {}}`.
pub fn new_trigger(type_name: &str) -> Value {
    let ty = ActionType::parse(type_name);
    let t = ty.as_str().to_owned();
    match ty {
        ActionType::Request => json!({"type": t, "kind": "Http", "inputs": {"schema": {}}}),
        ActionType::Recurrence => {
            json!({"type": t, "recurrence": {"frequency": "Hour", "interval": 1}})
        }
        ActionType::Http => json!({
            "type": t,
            "inputs": {"method": "GET", "uri": ""},
            "recurrence": {"frequency": "Hour", "interval": 1}
        }),
        ActionType::HttpWebhook => json!({
            "type": t,
            "inputs": {
                "subscribe": {"method": "POST", "uri": ""},
                "unsubscribe": {}
            }
        }),
        _ => json!({"type": t, "inputs": {}}),
    }
}
