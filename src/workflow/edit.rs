//! Temporary stand-in for the edit commands (replaced by the real module).
#![allow(missing_docs)]
use super::Document;
use serde_json::Value;

#[derive(Debug, Clone)]
pub enum Edit {
    Set {
        pointer: String,
        value: Value,
    },
    Remove {
        pointer: String,
    },
    AddAction {
        container: String,
        name: String,
        action: Value,
        after: Option<String>,
    },
    DeleteAction {
        pointer: String,
    },
    DuplicateAction {
        pointer: String,
    },
    RenameAction {
        pointer: String,
        new_name: String,
    },
    MoveAction {
        pointer: String,
        container: String,
        after: Option<String>,
    },
    SetRunAfter {
        pointer: String,
        run_after: Vec<(String, Vec<String>)>,
    },
    Paste {
        container: String,
        after: Option<String>,
        json: String,
        name_hint: Option<String>,
    },
    Batch {
        label: String,
        edits: Vec<Edit>,
    },
}
#[derive(Debug, Clone)]
pub struct Applied {
    pub label: String,
    pub select: Option<String>,
}
#[derive(Debug, Clone)]
pub struct EditError {
    pub message: String,
}
impl std::fmt::Display for EditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}
pub struct Editor {
    pub doc: Document,
    undo: Vec<(String, Value)>,
    redo: Vec<(String, Value)>,
    rev: u64,
    saved: u64,
}
impl Editor {
    pub fn new(doc: Document) -> Self {
        Editor {
            doc,
            undo: vec![],
            redo: vec![],
            rev: 0,
            saved: 0,
        }
    }
    pub fn apply(&mut self, edit: Edit) -> Result<Applied, EditError> {
        let before = self.doc.root.clone();
        match edit {
            Edit::Set { pointer, value } => {
                if let Some(v) = self.doc.root.pointer_mut(&pointer) {
                    *v = value
                } else {
                    return Err(EditError {
                        message: format!("no {pointer}"),
                    });
                }
            }
            _ => {
                return Err(EditError {
                    message: "not yet".into(),
                })
            }
        }
        self.undo.push(("Edit".into(), before));
        self.redo.clear();
        self.rev += 1;
        Ok(Applied {
            label: "Edit".into(),
            select: None,
        })
    }
    pub fn undo(&mut self) -> Option<Applied> {
        let (l, v) = self.undo.pop()?;
        let cur = std::mem::replace(&mut self.doc.root, v);
        self.redo.push((l.clone(), cur));
        self.rev += 1;
        Some(Applied {
            label: l,
            select: None,
        })
    }
    pub fn redo(&mut self) -> Option<Applied> {
        let (l, v) = self.redo.pop()?;
        let cur = std::mem::replace(&mut self.doc.root, v);
        self.undo.push((l.clone(), cur));
        self.rev += 1;
        Some(Applied {
            label: l,
            select: None,
        })
    }
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }
    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }
    pub fn undo_label(&self) -> Option<&str> {
        self.undo.last().map(|x| x.0.as_str())
    }
    pub fn redo_label(&self) -> Option<&str> {
        self.redo.last().map(|x| x.0.as_str())
    }
    pub fn revision(&self) -> u64 {
        self.rev
    }
    pub fn is_dirty(&self) -> bool {
        self.rev != self.saved
    }
    pub fn mark_saved(&mut self) {
        self.saved = self.rev
    }
    pub fn replace(&mut self, doc: Document) {
        *self = Editor::new(doc);
    }
}
pub const PALETTE: &[(&str, &str)] = &[
    ("Http", "HTTP"),
    ("Compose", "Compose"),
    ("Scope", "Scope"),
    ("If", "Condition"),
];
pub fn new_action(type_name: &str) -> Value {
    serde_json::json!({"type": type_name, "inputs": {}, "runAfter": {}})
}
pub fn copy_json(doc: &Document, pointers: &[String]) -> String {
    let _ = (doc, pointers);
    String::new()
}
