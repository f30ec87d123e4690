//! The designer window (eframe/egui). A thin face over the core: it draws
//! the document, and every change it makes is an [`Edit`] command applied
//! through the session's editor, so undo and redo cover all of them.
//!
//! - [`session`]: the document, selection and the derived graph/layout;
//! - [`canvas`]: the graph drawing, pan/zoom and selection;
//! - [`inspector`]: the forms for the selection, and the code view;
//! - [`panels`]: outline, parameters, problems and search;
//! - [`files`]: recovery copies and recent files.

pub mod canvas;
pub mod compare;
pub mod export_dialog;
pub mod expr_field;
pub mod files;
pub mod frame_log;
pub mod inspector;
pub mod panels;
pub mod run_view;
pub mod security;
pub mod serve_url;
pub mod session;
pub mod testcall;
pub mod tests_panel;
pub mod theme;

use crate::workflow::edit::{
    copy_json, default_name, default_trigger_name, new_action, new_trigger, Edit, PALETTE,
    TRIGGER_PALETTE,
};
use crate::workflow::tree::NodeId;
use crate::workflow::Document;
use canvas::{Canvas, CanvasIntent};
use egui::{Key, KeyboardShortcut, Modifiers, RichText, Ui};
use files::Recovery;
use session::Session;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use theme::Theme;

/// The sample that opens when no file is given.
pub const SAMPLE: &[u8] = include_bytes!("../../samples/app-proxy-status.json");
/// Its name, for the title bar.
pub const SAMPLE_NAME: &str = "app-proxy-status.json (sample)";

/// How often unsaved work is copied for recovery.
const AUTOSAVE_EVERY: Duration = Duration::from_secs(5);

/// Which tab the left panel shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum LeftTab {
    /// The outline tree.
    Outline,
    /// Workflow parameters.
    Parameters,
    /// Search.
    Search,
    /// Access control and secure settings.
    Security,
}

/// A question the window is asking.
#[derive(Debug, Clone, PartialEq)]
pub enum Dialog {
    /// Rename the selected action; holds the text typed so far.
    Rename {
        /// The action's pointer.
        pointer: String,
        /// The new name as typed.
        name: String,
    },
    /// Type a path (when no native file dialog is available).
    Path {
        /// Open or save.
        purpose: PathPurpose,
        /// The path typed so far.
        text: String,
    },
    /// Unsaved changes: save them before the next step?
    Unsaved {
        /// What to do after.
        then: AfterSave,
    },
    /// Recovery copies were found at start-up.
    Recover,
    /// A trigger typed as JSON ("Other (JSON)…"): added, or replacing the
    /// trigger at `replace`.
    TriggerJson {
        /// The trigger to replace, or `None` to add one.
        replace: Option<String>,
        /// The JSON typed so far.
        text: String,
    },
    /// Something went wrong; the message says what.
    Error(String),
}

/// Why a path is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathPurpose {
    /// Open a file.
    Open,
    /// Save under a new name.
    SaveAs,
}

/// Something that replaces the document (or closes the window): every
/// such path goes through [`LapisApp::replace_document`], which asks about
/// unsaved changes first (Save / Don't save / Cancel) and then does it.
#[derive(Debug, Clone, PartialEq)]
pub enum AfterSave {
    /// Close the window (File ▸ Quit, the window's close button).
    Close,
    /// Start a new workflow (File ▸ New).
    New,
    /// Open this file (Open, Open path, Open recent, a dropped file), or
    /// ask for one.
    Open(Option<PathBuf>),
    /// Restore the work found in the recovery folder.
    Recover,
}

/// The pending replacement of the document, by its other name.
pub type PendingReplace = AfterSave;

/// Options for starting the designer.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// A file to open; the bundled sample when `None`.
    pub file: Option<PathBuf>,
    /// Use native file dialogs (off in tests, and when none is available).
    pub native_dialogs: bool,
    /// Keep recovery copies in this folder (`None`: no recovery).
    pub recovery_dir: Option<PathBuf>,
}

/// Settings remembered between starts.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Recently opened files, newest first.
    pub recent: Vec<PathBuf>,
    /// The left panel's tab.
    pub left_tab: LeftTab,
    /// Whether the minimap is shown.
    pub minimap: bool,
    /// Whether the problems panel is shown.
    pub problems: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            recent: Vec::new(),
            left_tab: LeftTab::Outline,
            minimap: true,
            problems: true,
        }
    }
}

const SETTINGS_KEY: &str = "lapis-settings";

/// The designer application.
pub struct LapisApp {
    /// The open document and its view.
    pub session: Session,
    /// The canvas view.
    pub canvas: Canvas,
    /// Remembered settings.
    pub settings: Settings,
    /// The question being asked, if any.
    pub dialog: Option<Dialog>,
    /// State of the left panels (search text, parameter form).
    pub panels: panels::PanelState,
    /// State of the inspector (buffers of fields being typed).
    pub inspector: inspector::InspectorState,
    /// The Export dialog, while open.
    pub export: Option<export_dialog::ExportDialog>,
    /// The Compare window, while open.
    pub compare: Option<compare::Compare>,
    /// A save held back by secrets written in clear: the path, and what
    /// was found.
    pub blocked_save: Option<(PathBuf, Vec<crate::export::Finding>)>,
    /// The untitled document's display name (the sample's, at start).
    untitled_name: String,
    native_dialogs: bool,
    dialog_rx: Option<(mpsc::Receiver<Option<PathBuf>>, PathPurpose, Instant)>,
    recovery: Option<Recovery>,
    recovery_found: Vec<files::Found>,
    last_autosave: Instant,
    autosaved_revision: u64,
    title: String,
    allow_close: bool,
    theme: Theme,
    focus_search: bool,
    /// With `LAPIS_REPORT_FIRST_FRAME`, when the process started: the time
    /// to the first frame is printed and the window closes.
    report_first_frame: Option<Instant>,
    frames: u64,
    /// `LAPIS_FRAME_LOG`: one line per frame (see [`frame_log`]).
    frame_log: Option<frame_log::FrameLog>,
    /// A recovery copy being written (secret scan included) on a worker
    /// thread: its revision and the result.
    autosave_job: Option<(u64, mpsc::Receiver<std::io::Result<usize>>)>,
    palette_for: Option<(String, Option<String>)>,
    /// What to do once the save asked for by "Save" (in the unsaved-changes
    /// question) has succeeded.
    after_save: Option<AfterSave>,
    /// Send the window's Close command at the end of this frame.
    close_now: bool,
    /// Whether a text field had the keyboard at the end of the last frame:
    /// egui drops the focus on Escape before the frame's shortcuts run, so
    /// this frame alone cannot tell an Escape that leaves a field from one
    /// meant for the canvas.
    was_typing: bool,
    /// The run view: Run (F5), the run on the canvas, the runs list.
    pub run_view: run_view::RunView,
    /// The Tests panel (Ctrl+T): the workflow's tests, run on a worker.
    pub tests: tests_panel::TestsPanel,
}

impl LapisApp {
    /// A designer over `options`. Errors opening the file are shown in the
    /// window, over the sample.
    pub fn new(options: Options) -> LapisApp {
        let mut error = None;
        let (doc, untitled) = match &options.file {
            Some(p) => match Document::load(p) {
                Ok(d) => (d, String::new()),
                Err(e) => {
                    error = Some(e.to_string());
                    (Document::new_definition(), "Untitled".to_owned())
                }
            },
            None => (
                Document::from_bytes(SAMPLE, None).expect("the bundled sample loads"),
                SAMPLE_NAME.to_owned(),
            ),
        };
        let recovery = options.recovery_dir.clone().map(Recovery::new);
        let recovery_found = recovery.as_ref().map(|r| r.leftovers()).unwrap_or_default();
        let mut app = LapisApp {
            session: Session::new(doc),
            canvas: Canvas::default(),
            settings: Settings::default(),
            dialog: None,
            panels: panels::PanelState::default(),
            inspector: inspector::InspectorState::default(),
            export: None,
            compare: None,
            blocked_save: None,
            untitled_name: untitled,
            native_dialogs: options.native_dialogs,
            dialog_rx: None,
            recovery,
            last_autosave: Instant::now(),
            autosaved_revision: 0,
            title: String::new(),
            allow_close: false,
            theme: Theme::new(true),
            focus_search: false,
            report_first_frame: None,
            frames: 0,
            frame_log: None,
            autosave_job: None,
            palette_for: None,
            recovery_found,
            after_save: None,
            close_now: false,
            was_typing: false,
            run_view: run_view::RunView::default(),
            tests: tests_panel::TestsPanel::default(),
        };
        if let Some(p) = &options.file {
            if error.is_none() {
                files::push_recent(&mut app.settings.recent, p);
            }
        }
        if let Some(e) = error {
            app.dialog = Some(Dialog::Error(e));
        } else if !app.recovery_found.is_empty() {
            app.dialog = Some(Dialog::Recover);
        }
        app
    }

    /// Restores remembered settings from eframe's storage.
    pub fn with_storage(mut self, storage: Option<&dyn eframe::Storage>) -> LapisApp {
        if let Some(s) = storage.and_then(|s| eframe::get_value::<Settings>(s, SETTINGS_KEY)) {
            let recent = std::mem::take(&mut self.settings.recent);
            self.settings = s;
            for p in recent.iter().rev() {
                files::push_recent(&mut self.settings.recent, p);
            }
        }
        self.canvas.show_minimap = self.settings.minimap;
        self
    }

    /// The title the window should show: file name, dirty marker, app.
    pub fn window_title(&self) -> String {
        let name = match self.session.path() {
            Some(p) => p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| p.display().to_string()),
            None => self.untitled_name.clone(),
        };
        let dirty = if self.session.editor.is_dirty() {
            "● "
        } else {
            ""
        };
        format!("{dirty}{name} — Lapis")
    }

    // ----- files -------------------------------------------------------

    /// The one unsaved-changes guard: every path that replaces the
    /// document (New, Open, Open path, Open recent, a dropped file,
    /// recovery) or closes the window goes through here. With unsaved
    /// changes it writes the recovery copy and asks Save / Don't save /
    /// Cancel; otherwise it goes ahead.
    pub fn replace_document(&mut self, then: AfterSave) {
        if self.session.editor.is_dirty() {
            // The work is safe in the recovery folder while the question is open.
            self.write_recovery();
            self.dialog = Some(Dialog::Unsaved { then });
            return;
        }
        self.replace_now(then);
    }

    /// Does what the guard let through (no question asked).
    fn replace_now(&mut self, then: AfterSave) {
        match then {
            AfterSave::Close => {
                self.allow_close = true;
                self.close_now = true;
            }
            AfterSave::New => {
                self.open_document(Document::new_definition());
                self.untitled_name = "Untitled".into();
            }
            AfterSave::Open(Some(p)) => self.open_path(&p),
            AfterSave::Open(None) => self.ask_path(PathPurpose::Open),
            AfterSave::Recover => self.recover_now(),
        }
    }

    /// Whether the window has been let close (after the unsaved-changes
    /// question, if any).
    pub fn closing(&self) -> bool {
        self.allow_close
    }

    /// Starts a new, empty workflow (asking first about unsaved changes).
    pub fn new_document(&mut self) {
        self.replace_document(AfterSave::New);
    }

    /// Opens a file (asking first about unsaved changes), or asks for one
    /// first: the question about unsaved changes comes once a file is
    /// picked, so a cancelled pick leaves everything as it was.
    pub fn open(&mut self, path: Option<PathBuf>) {
        match path {
            Some(p) => self.replace_document(AfterSave::Open(Some(p))),
            None => self.ask_path(PathPurpose::Open),
        }
    }

    /// Restores the first recovery copy found (no question asked) and
    /// removes the copies.
    fn recover_now(&mut self) {
        let found = std::mem::take(&mut self.recovery_found);
        if let Some(f) = found.first() {
            match f.document() {
                Ok(doc) => {
                    self.open_document(doc);
                    // The recovered work is not on disk yet.
                    self.session.editor.mark_unsaved();
                    self.untitled_name = "Recovered".into();
                    self.session.status = format!("Recovered {}", f.describe());
                }
                Err(e) => self.session.status = format!("Could not recover: {e}"),
            }
        }
        for f in found {
            let _ = std::fs::remove_file(&f.file);
        }
    }

    /// Shows a document, replacing the current one (no question asked).
    pub fn open_document(&mut self, doc: Document) {
        self.session.replace(doc);
        self.canvas.fit_pending = true;
        self.canvas.first_view = true;
        // What was held for the previous document does not carry over: an
        // open Export dialog starts again from the new document (its name,
        // kind, state and paths), and a save held back by secrets in clear
        // (its path and findings are the previous document's) is dropped.
        if let Some(d) = self.export.take() {
            self.export = Some(d.for_new_document(&self.session));
        }
        self.blocked_save = None;
    }

    /// Opens a file now, replacing the document (no question asked).
    pub fn open_path(&mut self, path: &Path) {
        match Document::load(path) {
            Ok(doc) => {
                self.open_document(doc);
                files::push_recent(&mut self.settings.recent, path);
                self.session.status = format!("Opened {}", path.display());
            }
            Err(e) => self.dialog = Some(Dialog::Error(e.to_string())),
        }
    }

    /// Opens the Export dialog.
    pub fn open_export(&mut self) {
        if self.export.is_none() {
            self.export = Some(export_dialog::ExportDialog::new(&self.session));
        }
    }

    /// The window that holds back a save with secrets in clear.
    fn blocked_save_window(&mut self, ctx: &egui::Context) {
        let Some((path, findings)) = self.blocked_save.clone() else {
            return;
        };
        let mut keep = true;
        let mut retry = false;
        egui::Window::new("Secrets in clear")
            .collapsible(false)
            .default_width(520.0)
            .show(ctx, |ui| {
                ui.label(format!(
                    "{} was not saved. Move each secret to a secure parameter, then save.",
                    path.display()
                ));
                let fix = export_dialog::findings_list(ui, &findings, &self.theme);
                if !fix.is_empty() {
                    match export_dialog::apply_fixes(&mut self.session, &fix) {
                        Ok(_) => retry = true,
                        Err(e) => self.session.status = format!("Could not fix: {e}"),
                    }
                }
                if ui.button("Cancel").accessible_name("Cancel save").clicked() {
                    keep = false;
                }
            });
        if retry {
            let left = crate::export::scan_document(self.session.doc());
            if left.is_empty() {
                self.blocked_save = None;
                self.save_to(&path);
                return;
            }
            self.blocked_save = Some((path, left));
            return;
        }
        if !keep {
            self.blocked_save = None;
            self.after_save = None;
        }
    }

    /// Saves to the document's path, or asks for one. Returns whether the
    /// document is saved.
    pub fn save(&mut self) -> bool {
        match self.session.path().cloned() {
            Some(p) => self.save_to(&p),
            None => {
                self.ask_path(PathPurpose::SaveAs);
                false
            }
        }
    }

    /// Saves under a path (atomically) and makes it the document's path.
    pub fn save_to(&mut self, path: &Path) -> bool {
        // A secret written in clear never reaches a file: the save waits
        // until it is moved to a secure parameter.
        let findings = crate::export::scan_document(self.session.doc());
        if !findings.is_empty() {
            self.session.status =
                format!("Not saved: {} secret(s) written in clear", findings.len());
            self.blocked_save = Some((path.to_path_buf(), findings));
            return false;
        }
        let mut doc = self.session.doc().clone();
        doc.path = Some(path.to_path_buf());
        match doc.save_to(path) {
            Ok(()) => {
                self.session.editor.doc.path = Some(path.to_path_buf());
                self.session.editor.mark_saved();
                files::push_recent(&mut self.settings.recent, path);
                if let Some(r) = &self.recovery {
                    r.clear();
                }
                let warnings = doc.save_warnings();
                self.session.status = if warnings.is_empty() {
                    format!("Saved {}", path.display())
                } else {
                    format!("Saved {} ({})", path.display(), warnings.join("; "))
                };
                if let Some(then) = self.after_save.take() {
                    self.replace_now(then);
                }
                true
            }
            Err(e) => {
                self.after_save = None;
                self.dialog = Some(Dialog::Error(format!(
                    "Could not save {}: {e}. The file on disk is unchanged.",
                    path.display()
                )));
                false
            }
        }
    }

    fn ask_path(&mut self, purpose: PathPurpose) {
        if self.native_dialogs {
            let (tx, rx) = mpsc::channel();
            let start_dir = self
                .session
                .path()
                .and_then(|p| p.parent().map(Path::to_path_buf));
            std::thread::spawn(move || {
                let mut d = rfd::FileDialog::new().add_filter("Workflow JSON", &["json"]);
                if let Some(dir) = start_dir {
                    d = d.set_directory(dir);
                }
                let picked = match purpose {
                    PathPurpose::Open => d.pick_file(),
                    PathPurpose::SaveAs => d.save_file(),
                };
                let _ = tx.send(picked);
            });
            self.dialog_rx = Some((rx, purpose, Instant::now()));
        } else {
            self.show_path_field(purpose);
        }
    }

    fn show_path_field(&mut self, purpose: PathPurpose) {
        let text = self
            .session
            .path()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        self.dialog = Some(Dialog::Path { purpose, text });
    }

    fn poll_file_dialog(&mut self) {
        let Some((rx, purpose, started)) = &self.dialog_rx else {
            return;
        };
        match rx.try_recv() {
            Ok(Some(p)) => {
                let purpose = *purpose;
                self.dialog_rx = None;
                self.path_chosen(purpose, p);
            }
            Ok(None) | Err(mpsc::TryRecvError::Disconnected) => {
                // An answer that comes back at once means no dialog could be
                // shown (no desktop portal): ask in the window instead.
                let quick = started.elapsed() < Duration::from_millis(400);
                let purpose = *purpose;
                self.dialog_rx = None;
                if quick {
                    self.native_dialogs = false;
                    self.show_path_field(purpose);
                } else {
                    self.after_save = None;
                }
            }
            Err(mpsc::TryRecvError::Empty) => {}
        }
    }

    fn path_chosen(&mut self, purpose: PathPurpose, p: PathBuf) {
        match purpose {
            PathPurpose::Open => self.replace_document(AfterSave::Open(Some(p))),
            PathPurpose::SaveAs => {
                self.save_to(&p);
            }
        }
    }

    fn autosave(&mut self) {
        let Some(r) = &self.recovery else { return };
        let rev = self.session.editor.revision();
        if !self.session.editor.is_dirty() {
            if rev != self.autosaved_revision {
                r.clear();
                self.autosaved_revision = rev;
            }
            return;
        }
        // The copy (and its secret scan) is written on a worker thread:
        // at 5,000 actions the scan alone would cost frames.
        if let Some((job, rx)) = &self.autosave_job {
            match rx.try_recv() {
                Ok(result) => {
                    match result {
                        Ok(0) => {}
                        Ok(n) => self.session.status = files::left_out_message(n),
                        Err(e) => {
                            self.session.status = format!("Could not write the recovery copy: {e}");
                        }
                    }
                    let _ = job;
                    self.autosave_job = None;
                }
                Err(mpsc::TryRecvError::Empty) => return,
                Err(mpsc::TryRecvError::Disconnected) => self.autosave_job = None,
            }
        }
        if rev != self.autosaved_revision && self.last_autosave.elapsed() >= AUTOSAVE_EVERY {
            let (r, doc) = (r.clone(), self.session.doc().clone());
            let (tx, rx) = mpsc::channel();
            let spawned = std::thread::Builder::new()
                .name("lapis-autosave".into())
                .spawn(move || {
                    let _ = tx.send(r.write(&doc));
                });
            if spawned.is_ok() {
                self.autosave_job = Some((rev, rx));
            }
            self.autosaved_revision = rev;
            self.last_autosave = Instant::now();
        }
    }

    /// Writes the recovery copy now (used on exit with unsaved work, and by tests).
    pub fn write_recovery(&mut self) {
        if let Some(r) = &self.recovery {
            if self.session.editor.is_dirty() {
                match r.write(self.session.doc()) {
                    Ok(0) => {}
                    Ok(n) => self.session.status = files::left_out_message(n),
                    Err(e) => {
                        self.session.status = format!("Could not write the recovery copy: {e}");
                    }
                }
                self.autosaved_revision = self.session.editor.revision();
            }
        }
    }

    // ----- edit commands -------------------------------------------------

    /// Applies an edit and reports failures in the status bar.
    pub fn apply(&mut self, edit: Edit) -> bool {
        self.session.apply(edit).is_ok()
    }

    /// Adds an action of `type_name` after the selected one (or at the top level).
    pub fn add_action(&mut self, type_name: &str) {
        let (container, after) = self.insertion_point();
        self.add_action_at(type_name, container, after);
    }

    /// Adds an action into the actions object `container`, after `after`.
    pub fn add_action_at(&mut self, type_name: &str, container: String, after: Option<String>) {
        let name = default_name(type_name);
        self.apply(Edit::AddAction {
            container,
            name,
            action: new_action(type_name),
            after,
        });
        if let Some(id) = self.session.selected_node() {
            self.canvas.center_pending = Some(id);
        }
    }

    /// Where a new action goes: after the selected action, in its list; or
    /// last at the top level.
    pub fn insertion_point(&mut self) -> (String, Option<String>) {
        let d = self.session.view();
        let def = d.graph.outline.definition_pointer.clone();
        let top = format!("{def}/actions");
        let sel = self.session.selected_node();
        let d = self.session.current();
        match sel.map(|id| &d.graph.outline.nodes[id]) {
            Some(n) if n.role == crate::workflow::tree::Role::Action => {
                let container = match n.parent {
                    Some((p, b)) => d.graph.outline.nodes[p].branches[b].actions_pointer.clone(),
                    None => top,
                };
                (container, Some(n.name.clone()))
            }
            _ => {
                // After the last top-level action in order, if any.
                let last = d
                    .graph
                    .topological_order()
                    .into_iter()
                    .filter(|&i| d.graph.outline.nodes[i].parent.is_none())
                    .rfind(|&i| {
                        d.graph.outline.nodes[i].role == crate::workflow::tree::Role::Action
                    })
                    .map(|i| d.graph.outline.nodes[i].name.clone());
                (top, last)
            }
        }
    }

    /// Deletes the selected actions.
    pub fn delete_selected(&mut self) {
        let ptrs: Vec<String> = self.selected_action_pointers();
        if ptrs.is_empty() {
            // The trigger alone: Del deletes it (undoable).
            if let [only] = self.session.selection.as_slice() {
                let d = self.session.current();
                let trigger =
                    d.graph.outline.nodes.iter().any(|n| {
                        &n.pointer == only && n.role == crate::workflow::tree::Role::Trigger
                    });
                if trigger {
                    let pointer = only.clone();
                    self.apply(Edit::DeleteAction { pointer });
                    self.session.selection.clear();
                }
            }
            return;
        }
        let edits: Vec<Edit> = ptrs
            .into_iter()
            .map(|pointer| Edit::DeleteAction { pointer })
            .collect();
        let label = if edits.len() == 1 {
            "Delete action".to_owned()
        } else {
            format!("Delete {} actions", edits.len())
        };
        self.apply(Edit::Batch { label, edits });
        self.session.selection.clear();
    }

    /// Duplicates the selected action.
    pub fn duplicate_selected(&mut self) {
        if let Some(p) = self.selected_action_pointers().into_iter().next() {
            self.apply(Edit::DuplicateAction { pointer: p });
        }
    }

    fn selected_action_pointers(&self) -> Vec<String> {
        let d = self.session.current();
        // Deepest first, so deleting a scope and its child does not fail.
        let mut v: Vec<(usize, String)> = self
            .session
            .selection
            .iter()
            .filter_map(|p| d.graph.outline.nodes.iter().find(|n| &n.pointer == p))
            .filter(|n| n.role == crate::workflow::tree::Role::Action)
            .map(|n| (n.depth, n.pointer.clone()))
            .collect();
        v.sort_by_key(|x| std::cmp::Reverse(x.0));
        // Drop actions inside another selected action: they go with it.
        let all: Vec<String> = v.iter().map(|x| x.1.clone()).collect();
        v.into_iter()
            .map(|x| x.1)
            .filter(|p| {
                !all.iter()
                    .any(|q| q != p && p.starts_with(&format!("{q}/")))
            })
            .collect()
    }

    /// Opens the rename question for the selected action or trigger.
    pub fn begin_rename(&mut self) {
        if let Some(id) = self.session.selected_node() {
            let n = &self.session.current().graph.outline.nodes[id];
            self.dialog = Some(Dialog::Rename {
                pointer: n.pointer.clone(),
                name: n.name.clone(),
            });
        }
    }

    /// The JSON of the selected actions, for the clipboard.
    pub fn copy_selection(&self) -> Option<String> {
        let ptrs = self.selected_action_pointers();
        if ptrs.is_empty() {
            None
        } else {
            Some(copy_json(self.session.doc(), &ptrs))
        }
    }

    /// Pastes JSON after the selection.
    pub fn paste(&mut self, text: &str) {
        let (container, after) = self.insertion_point();
        self.apply(Edit::Paste {
            container,
            after,
            json: text.to_owned(),
            name_hint: None,
        });
    }

    /// The trigger of the current workflow, if it has one (the first).
    pub fn trigger_pointer(&self) -> Option<String> {
        let o = &self.session.current().graph.outline;
        o.triggers.first().map(|&t| o.nodes[t].pointer.clone())
    }

    /// Adds a trigger of `type_name` with its default JSON, or replaces the
    /// workflow's trigger with it when there is one.
    pub fn add_trigger(&mut self, type_name: &str) {
        let name = default_trigger_name(type_name);
        let value = new_trigger(type_name);
        let existing = self.trigger_pointer();
        self.put_trigger(existing.as_deref(), &name, value);
    }

    /// Replaces the trigger at `pointer` with a new one of `type_name`.
    pub fn replace_trigger(&mut self, pointer: &str, type_name: &str) {
        self.put_trigger(
            Some(pointer),
            &default_trigger_name(type_name),
            new_trigger(type_name),
        );
    }

    /// Adds a trigger, or replaces the one at `replace`; selects it. Returns
    /// whether it was done (a refusal is shown in the status bar).
    fn put_trigger(&mut self, replace: Option<&str>, name: &str, value: serde_json::Value) -> bool {
        let edit = match replace {
            Some(p) => Edit::ReplaceTrigger {
                pointer: p.to_owned(),
                name: name.to_owned(),
                trigger: value,
            },
            None => Edit::AddTrigger {
                definition: self
                    .session
                    .current()
                    .graph
                    .outline
                    .definition_pointer
                    .clone(),
                name: name.to_owned(),
                trigger: value,
            },
        };
        let ok = self.apply(edit);
        if ok {
            if let Some(id) = self.session.selected_node() {
                self.canvas.center_pending = Some(id);
            }
        }
        ok
    }

    /// Asks for a trigger's JSON ("Other (JSON)…"), to add or to replace
    /// the trigger at `replace`.
    pub fn ask_trigger_json(&mut self, replace: Option<String>) {
        self.dialog = Some(Dialog::TriggerJson {
            replace,
            text: String::new(),
        });
    }

    /// The triggers of the Add menu and of the empty canvas's call to
    /// action: each type, then "Other (JSON)…". With a trigger in place,
    /// each entry replaces it.
    fn trigger_entries(&mut self, ui: &mut Ui) {
        let replacing = self.trigger_pointer().is_some();
        for (t, label) in TRIGGER_PALETTE {
            let name = if replacing {
                format!("Replace the trigger with a {label} trigger")
            } else {
                format!("{label} trigger")
            };
            if ui
                .button(format!("⚡ {label}"))
                .accessible_name(name)
                .clicked()
            {
                self.add_trigger(t);
                ui.close();
            }
        }
        let other = if replacing {
            "Replace the trigger with another, as JSON"
        } else {
            "Other trigger (JSON)…"
        };
        if ui
            .button("⚡ Other (JSON)…")
            .accessible_name(other)
            .clicked()
        {
            let replace = self.trigger_pointer();
            self.ask_trigger_json(replace);
            ui.close();
        }
    }

    /// Over an empty canvas (a workflow without a trigger), a clear call
    /// to action: "Add a trigger", with the trigger types.
    fn add_trigger_call_to_action(&mut self, ctx: &egui::Context) {
        if self.dialog.is_some() || self.trigger_pointer().is_some() {
            return;
        }
        if self.session.current().shape_error.is_some() {
            return;
        }
        let r = self.canvas.last_rect;
        if !r.is_positive() {
            return;
        }
        egui::Area::new(egui::Id::unique("lapis-add-trigger"))
            .order(egui::Order::Middle)
            .pivot(egui::Align2::CENTER_TOP)
            .fixed_pos(egui::pos2(r.center().x, r.top() + 24.0))
            .show(ctx, |ui| {
                egui::Frame::popup(ui.style()).show(ui, |ui| {
                    ui.set_width(420.0);
                    ui.vertical_centered(|ui| {
                        ui.label(RichText::new("This workflow has no trigger yet").strong());
                        ui.add(
                            egui::Label::new(
                                RichText::new(
                                    "Every run starts with a trigger: an HTTP request, a schedule, a call…",
                                )
                                .weak(),
                            )
                            .wrap(),
                        );
                        ui.menu_button("⚡ Add a trigger", |ui| self.trigger_entries(ui))
                            .response
                            .accessible_name("Add a trigger");
                    });
                });
            });
    }

    /// Selects a node and centres the view on it.
    pub fn reveal(&mut self, id: NodeId) {
        self.session.select_node(id);
        self.canvas.center_pending = Some(id);
    }

    // ----- frame ---------------------------------------------------------

    fn shortcuts(&mut self, ui: &Ui) {
        let ctx = ui.ctx().clone();
        let cmd = Modifiers::COMMAND;
        let sc = |m: Modifiers, k: Key| {
            ctx.input_mut(|i| i.consume_shortcut(&KeyboardShortcut::new(m, k)))
        };
        if sc(cmd | Modifiers::SHIFT, Key::S) {
            self.ask_path(PathPurpose::SaveAs);
        }
        if sc(cmd, Key::S) {
            self.save();
        }
        if sc(cmd, Key::O) {
            self.open(None);
        }
        if sc(cmd, Key::E) {
            self.open_export();
        }
        if sc(cmd, Key::N) {
            self.new_document();
        }
        if sc(cmd, Key::F) {
            self.settings.left_tab = LeftTab::Search;
            self.focus_search = true;
        }
        if self.dialog.is_some() {
            return;
        }
        let typing = ctx.egui_wants_keyboard_input();
        if typing {
            return;
        }
        if sc(cmd | Modifiers::SHIFT, Key::Z) || sc(cmd, Key::Y) {
            self.session.redo();
        }
        if sc(cmd, Key::Z) {
            self.session.undo();
        }
        if sc(cmd, Key::T) {
            self.tests.toggle();
        }
        if sc(Modifiers::SHIFT, Key::F5) {
            self.run_again(ui.ctx());
        }
        if sc(Modifiers::NONE, Key::F5) {
            self.run_view.ask();
        }
        if sc(Modifiers::NONE, Key::F2) {
            self.begin_rename();
        }
        if sc(Modifiers::NONE, Key::Delete) {
            self.delete_selected();
        }
        if sc(cmd, Key::D) {
            self.duplicate_selected();
        }
        if sc(cmd, Key::Num0) {
            self.canvas.fit_pending = true;
        }
        if sc(cmd, Key::Plus) || sc(cmd, Key::Equals) {
            let r = self.canvas.last_rect;
            self.canvas.zoom_at(r.min, r.center(), 1.25);
        }
        if sc(cmd, Key::Minus) {
            let r = self.canvas.last_rect;
            self.canvas.zoom_at(r.min, r.center(), 0.8);
        }
        if sc(cmd, Key::A) {
            let d = self.session.current();
            self.session.selection = d
                .graph
                .outline
                .nodes
                .iter()
                .map(|n| n.pointer.clone())
                .collect();
        }
        if !self.was_typing && sc(Modifiers::NONE, Key::Escape) {
            self.session.selection.clear();
        }
        // Alt+arrows move the selected action instead (the canvas does it).
        let alt = ctx.input(|i| i.modifiers.alt);
        for (k, dir) in [
            (Key::ArrowDown, egui::vec2(0.0, 1.0)),
            (Key::ArrowUp, egui::vec2(0.0, -1.0)),
            (Key::ArrowLeft, egui::vec2(-1.0, 0.0)),
            (Key::ArrowRight, egui::vec2(1.0, 0.0)),
        ] {
            if !alt && sc(Modifiers::NONE, k) {
                self.canvas.step_selection(&mut self.session, dir);
            }
        }
        // Copy and paste arrive as events (egui turns the keys into them).
        let events = ctx.input(|i| i.events.clone());
        for e in events {
            match e {
                egui::Event::Copy => {
                    if let Some(t) = self.copy_selection() {
                        ctx.copy_text(t);
                        self.session.status = "Copied as JSON".into();
                    }
                }
                egui::Event::Cut => {
                    if let Some(t) = self.copy_selection() {
                        ctx.copy_text(t);
                        self.delete_selected();
                    }
                }
                egui::Event::Paste(t) => self.paste(&t),
                _ => {}
            }
        }
    }

    fn menu_bar(&mut self, ui: &mut Ui) {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                if ui.button("New              Ctrl+N").clicked() {
                    self.new_document();
                }
                if ui.button("Open…           Ctrl+O").clicked() {
                    self.open(None);
                }
                if ui.button("Open path…").clicked() {
                    // The path is asked first; the unsaved-changes
                    // question comes once it is given.
                    self.show_path_field(PathPurpose::Open);
                }
                ui.menu_button("Open recent", |ui| {
                    if self.settings.recent.is_empty() {
                        ui.label("No recent files");
                    }
                    for p in self.settings.recent.clone() {
                        if ui.button(p.display().to_string()).clicked() {
                            self.open(Some(p));
                        }
                    }
                });
                if !self.recovery_found.is_empty() && ui.button("Recover unsaved work…").clicked()
                {
                    self.dialog = Some(Dialog::Recover);
                }
                ui.separator();
                if ui.button("Save              Ctrl+S").clicked() {
                    self.save();
                }
                if ui.button("Save as…     Ctrl+Shift+S").clicked() {
                    self.ask_path(PathPurpose::SaveAs);
                }
                if ui.button("Export…          Ctrl+E").clicked() {
                    self.open_export();
                }
                if ui.button("Compare with…").clicked() {
                    compare::open_window(&mut self.compare);
                }
                ui.separator();
                if ui.button("Quit").clicked() {
                    ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
                }
            });
            ui.menu_button("Edit", |ui| {
                let undo = match self.session.editor.undo_label() {
                    Some(l) => format!("Undo {l}"),
                    None => "Undo".into(),
                };
                if ui
                    .add_enabled(
                        self.session.editor.can_undo(),
                        egui::Button::new(undo).shortcut_text("Ctrl+Z"),
                    )
                    .clicked()
                {
                    self.session.undo();
                }
                let redo = match self.session.editor.redo_label() {
                    Some(l) => format!("Redo {l}"),
                    None => "Redo".into(),
                };
                if ui
                    .add_enabled(
                        self.session.editor.can_redo(),
                        egui::Button::new(redo).shortcut_text("Ctrl+Y"),
                    )
                    .clicked()
                {
                    self.session.redo();
                }
                ui.separator();
                if ui
                    .add(egui::Button::new("Rename").shortcut_text("F2"))
                    .clicked()
                {
                    self.begin_rename();
                }
                if ui
                    .add(egui::Button::new("Duplicate").shortcut_text("Ctrl+D"))
                    .clicked()
                {
                    self.duplicate_selected();
                }
                if ui
                    .add(egui::Button::new("Delete").shortcut_text("Del"))
                    .clicked()
                {
                    self.delete_selected();
                }
                if ui
                    .add(egui::Button::new("Copy as JSON").shortcut_text("Ctrl+C"))
                    .clicked()
                {
                    if let Some(t) = self.copy_selection() {
                        ui.ctx().copy_text(t);
                    }
                }
                if ui
                    .add(egui::Button::new("Find").shortcut_text("Ctrl+F"))
                    .clicked()
                {
                    self.settings.left_tab = LeftTab::Search;
                    self.focus_search = true;
                }
            });
            ui.menu_button("View", |ui| {
                if ui
                    .add(egui::Button::new("Zoom to fit").shortcut_text("Ctrl+0"))
                    .clicked()
                {
                    self.canvas.fit_pending = true;
                }
                if ui
                    .add(egui::Button::new("Zoom to selection").shortcut_text("F"))
                    .clicked()
                {
                    self.canvas.zoom_selection_pending = true;
                }
                if ui.checkbox(&mut self.settings.minimap, "Minimap").changed() {
                    self.canvas.show_minimap = self.settings.minimap;
                }
                ui.checkbox(&mut self.settings.problems, "Problems panel");
            });
            self.run_menu(ui);
            ui.separator();
            ui.menu_button("➕ Add action", |ui| {
                for (t, label) in PALETTE {
                    if ui.button(*label).clicked() {
                        self.add_action(t);
                    }
                }
                ui.separator();
                ui.label(RichText::new("Triggers").strong());
                self.trigger_entries(ui);
            });
            if ui
                .add_enabled(self.session.editor.can_undo(), egui::Button::new("⟲ Undo"))
                .on_hover_text("Undo (Ctrl+Z)")
                .clicked()
            {
                self.session.undo();
            }
            if ui
                .add_enabled(self.session.editor.can_redo(), egui::Button::new("⟳ Redo"))
                .on_hover_text("Redo (Ctrl+Y)")
                .clicked()
            {
                self.session.redo();
            }
            if ui
                .button("⛶ Fit")
                .on_hover_text("Zoom to fit (Ctrl+0)")
                .clicked()
            {
                self.canvas.fit_pending = true;
            }
            if ui
                .add_enabled(!self.run_view.running(), egui::Button::new("▶ Run"))
                .on_hover_text("Run the workflow on the desk (F5)")
                .clicked()
            {
                self.run_view.ask();
            }
            if self.session.doc().workflows.len() > 1 {
                ui.separator();
                let names: Vec<String> = self
                    .session
                    .doc()
                    .workflows
                    .iter()
                    .map(|w| w.name.clone())
                    .collect();
                let mut w = self.session.workflow;
                egui::ComboBox::from_label("Workflow")
                    .selected_text(names.get(w).cloned().unwrap_or_default())
                    .show_ui(ui, |ui| {
                        for (i, n) in names.iter().enumerate() {
                            ui.selectable_value(&mut w, i, n);
                        }
                    });
                if w != self.session.workflow {
                    self.session.workflow = w;
                    self.session.selection.clear();
                    self.session.invalidate();
                    self.canvas.fit_pending = true;
                }
            }
        });
    }

    /// The Tests panel's part of a frame: its results, its panel, and an
    /// answer of the Test tab to use as a mock or a static result.
    fn tests_frame(&mut self, ui: &mut Ui, ctx: &egui::Context) {
        let file = self.session.path().cloned();
        self.tests.poll(file.as_deref(), ctx);
        if let Some((answer, mock)) = self.inspector.tests.use_answer.take() {
            let mut redactor = self.inspector.tests.store.redactor();
            redactor.extend(&crate::run::history::environment_secrets());
            if mock {
                self.tests
                    .ask_mock(&answer, &redactor, file.as_deref(), ctx);
            } else {
                match tests_panel::static_result_edit(
                    self.session.doc(),
                    self.session.workflow,
                    &answer,
                    &redactor,
                ) {
                    Ok(edit) => {
                        if self.apply(edit) {
                            self.session.status =
                                format!("{} now has a static result", answer.action);
                        }
                    }
                    Err(e) => self.session.status = format!("No static result: {e}"),
                }
            }
        }
        if !self.tests.open {
            return;
        }
        let mut intent = None;
        egui::Panel::bottom("lapis-tests")
            .resizable(true)
            .default_size(220.0)
            .min_size(120.0)
            .show(ui, |ui| {
                intent = self.tests.panel(ui, self.session.doc(), file.as_deref());
            });
        if let Some(tests_panel::TestsIntent::Select(name)) = intent {
            if let Some(id) = self.session.select_name(&name) {
                self.reveal(id);
            }
        }
    }

    /// Shift+F5: runs the document again with the last request.
    pub fn run_again(&mut self, ctx: &egui::Context) {
        let env = self.run_env();
        self.run_view
            .run_again(self.session.doc(), self.session.workflow, env, ctx);
    }

    /// What a run takes from the session: the file, the secrets and
    /// tokens shared with test calls.
    fn run_env(&self) -> run_view::RunEnv {
        run_view::RunEnv {
            file: self.session.path().cloned(),
            secrets: self.inspector.tests.store.clone(),
            tokens: self.inspector.tests.cache.clone(),
        }
    }

    fn run_menu(&mut self, ui: &mut Ui) {
        ui.menu_button("Run", |ui| {
            let running = self.run_view.running();
            if ui
                .add_enabled(!running, egui::Button::new("Run…").shortcut_text("F5"))
                .clicked()
            {
                self.run_view.ask();
            }
            if ui
                .add_enabled(
                    !running,
                    egui::Button::new("Run again with the same request").shortcut_text("Shift+F5"),
                )
                .clicked()
            {
                self.run_again(ui.ctx());
            }
            if ui
                .add_enabled(running, egui::Button::new("Cancel the run"))
                .clicked()
            {
                self.run_view.cancel();
            }
            if ui.button("Show runs").clicked() {
                self.run_view.show();
            }
            ui.separator();
            if ui
                .add(egui::Button::new("Tests").shortcut_text("Ctrl+T"))
                .on_hover_text("The workflow's tests (*.lapistest.json): run them, see what failed")
                .clicked()
            {
                self.tests.toggle();
            }
        });
    }

    fn status_bar(&mut self, ui: &mut Ui) {
        egui::Panel::bottom("lapis-status").show(ui, |ui| {
            ui.horizontal(|ui| {
                let d = self.session.current();
                let (e, w) = crate::graph::validate::counts(&d.problems);
                let n = d.graph.action_count();
                ui.label(format!("{n} action{}", if n == 1 { "" } else { "s" }));
                ui.separator();
                let colour = if e > 0 {
                    self.theme.error
                } else {
                    ui.visuals().weak_text_color()
                };
                ui.colored_label(colour, format!("{e} errors, {w} warnings"));
                if let Some(err) = &d.shape_error {
                    ui.separator();
                    ui.colored_label(self.theme.error, format!("Structure: {err}"));
                }
                ui.separator();
                // The hints keep their place at the right; a long status
                // (a path) is elided before it reaches them.
                let status = self.session.status.clone();
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    ui.weak("Drag a card: move · drag empty space: pan · Shift+drag: select · Ctrl+scroll: zoom · F2: rename · F: zoom to selection");
                    ui.with_layout(egui::Layout::left_to_right(egui::Align::Center), |ui| {
                        ui.add(egui::Label::new(&status).truncate()).on_hover_text(&status);
                    });
                });
            });
        });
    }

    fn dialogs(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        let Some(dialog) = self.dialog.clone() else {
            return;
        };
        let mut close = false;
        match dialog {
            Dialog::Rename { pointer, mut name } => {
                egui::Modal::new(egui::Id::unique("lapis-rename")).show(&ctx, |ui| {
                    ui.heading("Rename action");
                    let label = ui.label("New name");
                    let r = ui
                        .add(egui::TextEdit::singleline(&mut name).desired_width(320.0))
                        .labelled_by(label.id);
                    if !r.has_focus() && !r.lost_focus() {
                        r.request_focus();
                    }
                    ui.weak("References in run-after and expressions follow.");
                    let enter = r.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
                    ui.horizontal(|ui| {
                        if (ui.button("Rename").clicked() || enter)
                            && self.apply(Edit::RenameAction {
                                pointer: pointer.clone(),
                                new_name: name.trim().to_owned(),
                            })
                        {
                            close = true;
                        }
                        if ui.button("Cancel").clicked() || ui.input(|i| i.key_pressed(Key::Escape))
                        {
                            close = true;
                        }
                    });
                    if !close {
                        ui.colored_label(self.theme.error, self.rename_hint(&name));
                    }
                });
                if !close {
                    self.dialog = Some(Dialog::Rename { pointer, name });
                }
            }
            Dialog::Path { purpose, mut text } => {
                egui::Modal::new(egui::Id::unique("lapis-path")).show(&ctx, |ui| {
                    ui.heading(match purpose {
                        PathPurpose::Open => "Open a workflow file",
                        PathPurpose::SaveAs => "Save as",
                    });
                    let label = ui.label("Path");
                    let out = egui::TextEdit::singleline(&mut text)
                        .desired_width(420.0)
                        .show(ui);
                    let r = (*out.response).clone().labelled_by(label.id);
                    if !r.has_focus() && !r.lost_focus() {
                        r.request_focus();
                        // The suggested path is selected: typing replaces it,
                        // as in a file dialog.
                        let mut state = out.state;
                        let all = egui::text::CCursorRange::two(
                            egui::text::CCursor::new(0),
                            egui::text::CCursor::new(text.chars().count()),
                        );
                        state.cursor.set_char_range(Some(all));
                        state.store(ui.ctx(), r.id);
                    }
                    let enter = r.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
                    ui.horizontal(|ui| {
                        let ok = match purpose {
                            PathPurpose::Open => "Open",
                            PathPurpose::SaveAs => "Save",
                        };
                        if (ui.button(ok).clicked() || enter) && !text.trim().is_empty() {
                            close = true;
                        }
                        if ui.button("Cancel").clicked() {
                            close = true;
                            text.clear();
                        }
                    });
                });
                if close {
                    self.dialog = None;
                    if !text.trim().is_empty() {
                        self.path_chosen(purpose, PathBuf::from(text.trim()));
                    } else {
                        self.after_save = None;
                    }
                    return;
                }
                self.dialog = Some(Dialog::Path { purpose, text });
                return;
            }
            Dialog::Unsaved { then } => {
                let mut choice = None;
                egui::Modal::new(egui::Id::unique("lapis-unsaved")).show(&ctx, |ui| {
                    ui.heading("Unsaved changes");
                    ui.label(format!(
                        "Save the changes to {} first?",
                        self.window_title()
                            .trim_start_matches("● ")
                            .trim_end_matches(" — Lapis")
                    ));
                    ui.horizontal(|ui| {
                        if ui
                            .button("Save")
                            .accessible_name("Save the changes, then go on")
                            .clicked()
                        {
                            choice = Some(1);
                        }
                        if ui
                            .button("Don't save")
                            .accessible_name("Don't save the changes")
                            .clicked()
                        {
                            choice = Some(2);
                        }
                        if ui
                            .button("Cancel")
                            .accessible_name("Cancel and keep editing")
                            .clicked()
                        {
                            choice = Some(3);
                        }
                    });
                });
                match choice {
                    Some(1) => {
                        self.dialog = None;
                        // Goes on once the save succeeds (also after a
                        // Save As, or a save held back by secrets in clear).
                        self.after_save = Some(then);
                        self.save();
                        return;
                    }
                    Some(2) => {
                        self.dialog = None;
                        self.session.editor.mark_saved();
                        if let Some(r) = &self.recovery {
                            r.clear();
                        }
                        self.replace_now(then);
                        return;
                    }
                    Some(_) => close = true,
                    None => {}
                }
            }
            Dialog::Recover => {
                let mut choice = None;
                egui::Modal::new(egui::Id::unique("lapis-recover")).show(&ctx, |ui| {
                    ui.heading("Recover unsaved work?");
                    ui.label("Lapis did not close normally. These changes were not saved:");
                    for f in &self.recovery_found {
                        ui.label(format!("• {}", f.describe()));
                    }
                    ui.horizontal(|ui| {
                        if ui.button("Recover").clicked() {
                            choice = Some(true);
                        }
                        if ui.button("Discard").clicked() {
                            choice = Some(false);
                        }
                    });
                });
                if let Some(recover) = choice {
                    self.dialog = None;
                    if recover {
                        self.replace_document(AfterSave::Recover);
                    } else {
                        for f in std::mem::take(&mut self.recovery_found) {
                            let _ = std::fs::remove_file(&f.file);
                        }
                    }
                    return;
                }
            }
            Dialog::TriggerJson { replace, mut text } => {
                let mut done = false;
                egui::Modal::new(egui::Id::unique("lapis-trigger-json")).show(&ctx, |ui| {
                    ui.heading(if replace.is_some() {
                        "Replace the trigger"
                    } else {
                        "Add a trigger"
                    });
                    ui.label(
                        "The trigger's JSON: one object with a \"type\" \
                         (e.g. ApiConnection), or {\"name\": {…}}.",
                    );
                    let label = ui.label("Trigger JSON");
                    ui.add(
                        egui::TextEdit::multiline(&mut text)
                            .code_editor()
                            .desired_rows(10)
                            .desired_width(480.0),
                    )
                    .labelled_by(label.id);
                    let parsed = trigger_from_json(&text);
                    if let Err(e) = &parsed {
                        if !text.trim().is_empty() {
                            ui.colored_label(self.theme.error, e);
                        }
                    }
                    ui.horizontal(|ui| {
                        let ok = if replace.is_some() {
                            "Replace trigger"
                        } else {
                            "Add trigger"
                        };
                        if ui
                            .add_enabled(parsed.is_ok(), egui::Button::new(ok))
                            .clicked()
                        {
                            if let Ok((name, value)) = &parsed {
                                done = self.put_trigger(replace.as_deref(), name, value.clone());
                            }
                        }
                        if ui
                            .button("Cancel")
                            .accessible_name("Cancel the trigger JSON")
                            .clicked()
                        {
                            close = true;
                        }
                    });
                });
                if done || close {
                    self.dialog = None;
                } else {
                    self.dialog = Some(Dialog::TriggerJson { replace, text });
                }
                return;
            }
            Dialog::Error(msg) => {
                egui::Modal::new(egui::Id::unique("lapis-error")).show(&ctx, |ui| {
                    ui.heading("Something went wrong");
                    ui.label(&msg);
                    if ui.button("OK").clicked() {
                        close = true;
                        self.after_save = None;
                    }
                });
            }
        }
        if close {
            self.dialog = None;
        }
    }

    fn rename_hint(&self, name: &str) -> String {
        let n = name.trim();
        if n.is_empty() {
            "A name is required.".into()
        } else if n.chars().count() > 80 {
            "Names are at most 80 characters.".into()
        } else if n.chars().any(|c| "<>%&\\?/".contains(c) || c.is_control()) {
            "Names cannot contain < > % & \\ ? /".into()
        } else {
            String::new()
        }
    }

    /// Draws one frame of the whole window.
    pub fn frame(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        self.theme = Theme::new(ctx.global_style().visuals.dark_mode);
        self.poll_file_dialog();

        // Closing with unsaved work asks first.
        if ctx.input(|i| i.viewport().close_requested()) && !self.allow_close {
            if self.session.editor.is_dirty() {
                ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
                self.replace_document(AfterSave::Close);
            } else if let Some(r) = &self.recovery {
                r.clear();
            }
        }
        // A file dropped on the window opens.
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .collect()
        });
        if let Some(p) = dropped.into_iter().find(|p| !p.as_os_str().is_empty()) {
            self.replace_document(AfterSave::Open(Some(p)));
        }

        self.shortcuts(ui);
        self.session.refresh();
        if let Some(wait) = self.session.poll_validation() {
            ctx.request_repaint_after(wait);
        }
        self.inspector.tests.poll(&ctx);
        self.run_view.poll(&ctx);
        if let Some(name) = self.inspector.tests.goto.take() {
            if let Some(id) = self.session.select_name(&name) {
                self.reveal(id);
            }
        }

        egui::Panel::top("lapis-menu").show(ui, |ui| self.menu_bar(ui));
        // Parts computed by an ARM template are read-only: say why.
        let doc = self.session.doc();
        if let Some(b) = doc
            .workflows
            .get(self.session.workflow)
            .and_then(|w| w.banner())
        {
            let colour = self.theme.warning;
            egui::Panel::top("lapis-read-only").show(ui, |ui| ui.colored_label(colour, b));
        }
        self.status_bar(ui);
        if self.settings.problems {
            egui::Panel::bottom("lapis-problems")
                .resizable(true)
                .default_size(110.0)
                .show(ui, |ui| {
                    if let Some(id) = panels::problems(ui, &mut self.session, &self.theme) {
                        self.reveal(id);
                    }
                });
        }
        if self.run_view.panel_open {
            if self.run_view.wants_order() {
                let order = self
                    .session
                    .current()
                    .graph
                    .outline
                    .nodes
                    .iter()
                    .map(|n| (n.name.clone(), n.depth))
                    .collect();
                self.run_view.set_order(order);
            }
            let selected = self
                .session
                .selected_node()
                .map(|id| self.session.current().graph.outline.nodes[id].name.clone());
            let mut intent = None;
            egui::Panel::bottom("lapis-run")
                .resizable(true)
                .default_size(230.0)
                .min_size(120.0)
                .show(ui, |ui| {
                    intent = self.run_view.panel(ui, selected.as_deref())
                });
            match intent {
                Some(run_view::RunIntent::Select(name)) => {
                    if let Some(id) = self.session.select_name(&name) {
                        self.reveal(id);
                    }
                }
                Some(run_view::RunIntent::RunAgain) => self.run_again(&ctx),
                Some(run_view::RunIntent::CreateTest(run)) => {
                    self.tests.ask_create(*run, self.session.path().cloned())
                }
                None => {}
            }
        }
        self.tests_frame(ui, &ctx);
        if let Some(o) = self.run_view.overlays_if_changed() {
            self.canvas.run_overlay = o;
        }
        egui::Panel::left("lapis-left")
            .resizable(true)
            .default_size(250.0)
            .show(ui, |ui| {
                let reveal = panels::left(
                    ui,
                    &mut self.settings.left_tab,
                    &mut self.panels,
                    &mut self.session,
                    std::mem::take(&mut self.focus_search),
                    &self.theme,
                );
                if let Some(id) = reveal {
                    self.reveal(id);
                }
                // Search matches are ringed on the canvas while the Search tab is open.
                let searching = self.settings.left_tab == LeftTab::Search;
                self.canvas.marks = if searching {
                    self.panels.matches.clone()
                } else {
                    Vec::new()
                };
                self.canvas.mark_current = self
                    .panels
                    .match_at
                    .and_then(|i| self.canvas.marks.get(i).copied());
            });
        egui::Panel::right("lapis-inspector")
            .resizable(true)
            .default_size(380.0)
            .show(ui, |ui| {
                inspector::show(ui, &mut self.inspector, &mut self.session, &self.theme);
            });
        let mut intents = Vec::new();
        compare::frame(
            ui,
            &mut self.compare,
            &mut self.session,
            &mut self.canvas,
            &mut self.inspector,
        );
        egui::CentralPanel::no_frame().show(ui, |ui| {
            intents = self.canvas.show(ui, &mut self.session, &self.theme);
        });
        for i in intents {
            match i {
                CanvasIntent::Rename => self.begin_rename(),
                CanvasIntent::Add {
                    type_name,
                    container,
                    after,
                } => self.add_action_at(&type_name, container, after),
                CanvasIntent::Duplicate => self.duplicate_selected(),
                CanvasIntent::Delete => self.delete_selected(),
                CanvasIntent::Copy => {
                    if let Some(t) = self.copy_selection() {
                        ui.ctx().copy_text(t);
                        self.session.status = "Copied as JSON".into();
                    }
                }
                CanvasIntent::ReplaceTrigger {
                    pointer,
                    type_name: Some(t),
                } => self.replace_trigger(&pointer, &t),
                CanvasIntent::ReplaceTrigger {
                    pointer,
                    type_name: None,
                } => self.ask_trigger_json(Some(pointer)),
                CanvasIntent::DeleteTrigger { pointer } => {
                    self.apply(Edit::DeleteAction { pointer });
                    self.session.selection.clear();
                }
            }
        }
        self.add_trigger_call_to_action(&ctx);
        if self
            .run_view
            .form_window(&ctx, self.session.doc(), self.session.workflow)
        {
            let env = self.run_env();
            self.run_view
                .start_from_form(self.session.doc(), self.session.workflow, env, &ctx);
        }
        self.tests
            .windows(&ctx, self.session.path().map(PathBuf::as_path));
        self.dialogs(ui);
        self.blocked_save_window(&ctx);
        if let Some(mut d) = self.export.take() {
            if export_dialog::show(&ctx, &mut d, &mut self.session, &self.theme) {
                self.export = Some(d);
            }
        }

        if std::mem::take(&mut self.close_now) {
            if let Some(r) = &self.recovery {
                r.clear();
            }
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
        let title = self.window_title();
        if title != self.title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.title = title;
        }
        self.autosave();
        self.frames += 1;
        if let Some(t) = self.report_first_frame {
            // The first frame has been presented once the second one starts
            // being built; report then.
            if self.frames == 2 {
                println!(
                    "first frame after {:.0} ms ({} actions)",
                    t.elapsed().as_secs_f64() * 1000.0,
                    self.session.current().graph.action_count()
                );
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            ctx.request_repaint();
        }
        if self.session.editor.is_dirty() || self.dialog_rx.is_some() {
            ctx.request_repaint_after(Duration::from_millis(500));
        }
        let _ = &self.palette_for;
    }
}

impl eframe::App for LapisApp {
    fn ui(&mut self, ui: &mut Ui, frame: &mut eframe::Frame) {
        if let Some(log) = &mut self.frame_log {
            let d = self.session.current();
            log.frame_started(
                frame.info().cpu_usage,
                d.graph.action_count(),
                self.session.editor.revision(),
            );
        }
        self.frame(ui);
        self.was_typing = ui.ctx().egui_wants_keyboard_input();
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, SETTINGS_KEY, &self.settings);
    }

    fn on_exit(&mut self) {
        // Unsaved work stays in the recovery copy only if the user chose
        // not to lose it; a clean exit removes it.
        if !self.session.editor.is_dirty() {
            if let Some(r) = &self.recovery {
                r.clear();
            }
        }
    }
}

/// Opens the designer window and runs it until it closes. `started` is when
/// the process started (for the first-frame report).
pub fn run(file: Option<PathBuf>, started: Instant) -> eframe::Result<()> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Lapis")
            .with_inner_size([1440.0, 900.0])
            .with_min_inner_size([720.0, 480.0])
            .with_drag_and_drop(true)
            .with_app_id("lapis"),
        ..Default::default()
    };
    let recovery_dir = files::data_dir().map(|d| d.join("recovery"));
    let native = std::env::var_os("LAPIS_NO_NATIVE_DIALOG").is_none();
    let report = std::env::var_os("LAPIS_REPORT_FIRST_FRAME").is_some();
    eframe::run_native(
        "Lapis",
        options,
        Box::new(move |cc| {
            setup_style(&cc.egui_ctx);
            let mut app = LapisApp::new(Options {
                file,
                native_dialogs: native,
                recovery_dir,
            })
            .with_storage(cc.storage);
            if report {
                app.report_first_frame = Some(started);
            }
            match frame_log::FrameLog::from_env() {
                Some(Ok(log)) => app.frame_log = Some(log),
                Some(Err(e)) => app.session.status = e,
                None => {}
            }
            Ok(Box::new(app))
        }),
    )
}

/// Style tweaks: calm spacing, and the system's dark or light preference.
pub fn setup_style(ctx: &egui::Context) {
    ctx.options_mut(|o| o.theme_preference = egui::ThemePreference::System);
    ctx.all_styles_mut(|s| {
        s.spacing.item_spacing = egui::vec2(8.0, 6.0);
        s.spacing.button_padding = egui::vec2(8.0, 4.0);
        s.spacing.interact_size.y = 24.0;
    });
}

/// Reads a trigger typed as JSON: one object with a string `type` (named
/// after its type, as the portal names it), or `{"name": {…}}` with exactly
/// one entry. Errors say what is wrong, with line and column for bad JSON.
pub fn trigger_from_json(text: &str) -> Result<(String, serde_json::Value), String> {
    use serde_json::Value;
    let v = crate::workflow::text::parse_json(text).map_err(|e| e.to_string())?;
    let Value::Object(o) = v else {
        return Err("a trigger is a JSON object".into());
    };
    if let Some(t) = o.get("type") {
        return match t.as_str() {
            Some(t) if !t.trim().is_empty() => Ok((default_trigger_name(t), Value::Object(o))),
            _ => Err("\"type\" must be a non-empty string".into()),
        };
    }
    if o.len() != 1 {
        return Err(format!(
            "expected one trigger object with a \"type\", or {{\"name\": {{…}}}} with one entry; found {} entries without a \"type\"",
            o.len()
        ));
    }
    let (name, t) = o.into_iter().next().unwrap_or_default();
    match t.get("type").and_then(Value::as_str) {
        Some(ty) if !ty.trim().is_empty() => Ok((name, t)),
        _ => Err(format!("the trigger `{name}` needs a \"type\" string")),
    }
}
