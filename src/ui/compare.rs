//! File ▸ "Compare with…": the differences between the open document and
//! its saved version or another file, as a list (the core's semantic diff).

use crate::workflow::diff::{describe, diff_documents, WorkflowDiff};
use crate::workflow::Document;
use std::path::Path;

/// The Compare window's state.
#[derive(Debug, Default)]
pub struct Compare {
    /// What the document is compared with, for the heading.
    pub against: String,
    /// The path typed in the "Compare with file" field.
    pub path_input: String,
    /// The differences, or why there are none to show.
    pub result: Option<Result<Vec<WorkflowDiff>, String>>,
}

impl Compare {
    /// Compares `doc` (new) with the version it was loaded or last saved as
    /// (old).
    pub fn with_saved(doc: &Document) -> Compare {
        let mut c = Compare {
            against: "the saved version".into(),
            ..Compare::default()
        };
        c.result = Some(match &doc.base {
            None => Err("the document has never been saved".into()),
            Some(b) => Document::from_bytes(b.text.as_bytes(), doc.path.as_deref())
                .map(|old| changed(diff_documents(&old, doc)))
                .map_err(|e| e.to_string()),
        });
        c
    }

    /// Compares `doc` (new) with the file at `path` (old).
    pub fn with_file(doc: &Document, path: &Path) -> Compare {
        Compare {
            against: path.display().to_string(),
            path_input: path.display().to_string(),
            result: Some(
                Document::load(path)
                    .map(|old| changed(diff_documents(&old, doc)))
                    .map_err(|e| e.to_string()),
            ),
        }
    }

    /// The lines the window lists, one per change.
    pub fn lines(&self) -> Vec<String> {
        match &self.result {
            Some(Ok(d)) if d.iter().all(|w| w.changes.is_empty()) => {
                vec!["No differences".into()]
            }
            Some(Ok(d)) => d
                .iter()
                .flat_map(|w| {
                    std::iter::once(format!("Workflow {}", w.workflow)).chain(w.changes.iter().map(
                        |c| {
                            // egui's bundled fonts have no "→".
                            describe(c).replace(" → ", " -> ")
                        },
                    ))
                })
                .collect(),
            Some(Err(e)) => vec![format!("Cannot compare: {e}")],
            None => Vec::new(),
        }
    }
}

fn changed(d: Vec<WorkflowDiff>) -> Vec<WorkflowDiff> {
    d.into_iter().filter(|w| !w.changes.is_empty()).collect()
}

/// Draws the window; returns whether it stays open.
pub fn show(ctx: &egui::Context, c: &mut Compare, doc: &Document) -> bool {
    let mut open = true;
    let mut close = false;
    egui::Window::new("Compare")
        .open(&mut open)
        .default_width(560.0)
        .show(ctx, |ui| {
            ui.horizontal(|ui| {
                ui.add(
                    egui::TextEdit::singleline(&mut c.path_input)
                        .hint_text("path of a workflow file"),
                )
                .accessible_name("Compare with file");
                if ui.button("Compare with this file").clicked() && !c.path_input.trim().is_empty()
                {
                    let p = c.path_input.trim().to_owned();
                    *c = Compare::with_file(doc, Path::new(&p));
                }
                if ui.button("Compare with saved version").clicked() {
                    let input = std::mem::take(&mut c.path_input);
                    *c = Compare::with_saved(doc);
                    c.path_input = input;
                }
            });
            if !c.against.is_empty() {
                ui.label(format!("Changes since {}", c.against));
            }
            ui.separator();
            egui::ScrollArea::vertical()
                .max_height(400.0)
                .show(ui, |ui| {
                    for l in c.lines() {
                        ui.label(l);
                    }
                });
            if ui.button("Close").clicked() {
                close = true;
            }
        });
    open && !close
}
