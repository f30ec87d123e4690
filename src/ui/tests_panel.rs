//! The Tests panel: the open workflow's tests (`*.lapistest.json` next to
//! its file or in a `tests/` folder beside it that name it, found as
//! `lapis test WORKFLOW` finds them), each case with its last result; Run
//! one or Run all on a worker thread against the document as it is in the
//! editor (unsaved edits included); a failed assertion, clicked, selects
//! its action on the canvas and shows expected against actual as the
//! command line prints it. A test file that does not load shows its
//! file:line:col error.
//!
//! It also holds the two questions that write test files: "Create test
//! from this run" (from the run view's runs list) and "Use as mock in a
//! test…" (from the Test tab). The work is the core's (`wftest`); this
//! module asks, shows and forwards.

use crate::run::{Run, Status};
use crate::secrets::Redactor;
use crate::ui::run_view::{fmt_ms, status_colour};
use crate::wftest::runner::{self, CaseResult, Outcome};
use crate::wftest::{designer, from_run, report, FileError, TestFile};
use crate::workflow::edit::Edit;
use crate::workflow::text::escape_pointer;
use crate::workflow::Document;
use egui::{RichText, Ui};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// Where the test files' JSON Schema is named from (as `lapis test new`).
const SCHEMA: &str = "assets/lapistest.schema.json";

/// One test file as the panel lists it.
#[derive(Debug, Clone)]
pub struct FileRow {
    /// Its path.
    pub path: PathBuf,
    /// Why it does not load (file:line:col), if it does not.
    pub error: Option<FileError>,
    /// Its cases' names, in file order.
    pub cases: Vec<String>,
}

impl FileRow {
    fn of(r: &Result<TestFile, FileError>) -> FileRow {
        match r {
            Ok(f) => FileRow {
                path: f.path.clone(),
                error: None,
                cases: f.cases.iter().map(|c| c.name.clone()).collect(),
            },
            Err(e) => FileRow {
                path: e.path.clone(),
                error: Some(e.clone()),
                cases: Vec::new(),
            },
        }
    }
}

/// What the panel asks the app to do.
#[derive(Debug, Clone, PartialEq)]
pub enum TestsIntent {
    /// Select (and reveal) this action's card.
    Select(String),
}

/// An HTTP answer captured by a test call, to become a mock or a static
/// result (secrets already hidden).
#[derive(Debug, Clone)]
pub struct Answer {
    /// The action that was called.
    pub action: String,
    /// Status code.
    pub status: u16,
    /// Reason phrase.
    pub reason: String,
    /// Headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body as shown (JSON, text, or base64 for binary).
    pub body: Value,
}

/// "Create test from this run": the run, the path asked for.
pub struct CreateFromRun {
    /// The run.
    pub run: Run,
    /// The workflow file it ran (the recorded one, or the document's).
    pub workflow: PathBuf,
    /// The path, as typed.
    pub path: String,
    /// The file exists: asking before overwriting it.
    pub confirm_overwrite: bool,
    /// What went wrong.
    pub error: String,
}

/// "Use as mock in a test…": the mock, and where it goes.
pub struct MockTarget {
    /// The action it mocks.
    pub action: String,
    /// The mock (`{"status", "outputs", "error"}`).
    pub mock: Value,
    /// The chosen file (index into the panel's files) or `None` for a new
    /// one.
    pub file: Option<usize>,
    /// The chosen case in that file.
    pub case: usize,
    /// The new file's path, as typed.
    pub new_path: String,
    /// The new file exists: asking before overwriting it.
    pub confirm_overwrite: bool,
    /// What went wrong.
    pub error: String,
}

enum Msg {
    Scanned(PathBuf, Vec<FileRow>),
    Result(Box<CaseResult>),
    Done(Duration),
    Wrote(Result<(PathBuf, String), String>),
}

/// The state of the Tests panel.
pub struct TestsPanel {
    /// Whether the panel is shown.
    pub open: bool,
    /// The workflow's test files, from the last look.
    pub files: Vec<FileRow>,
    /// The last result of each case, by (file, case name).
    pub results: HashMap<(PathBuf, String), CaseResult>,
    /// The failure shown: (file, case, index among its failures).
    pub shown: Option<(PathBuf, String, usize)>,
    /// A line for the user.
    pub message: String,
    /// A file to point out (just written).
    pub highlight: Option<PathBuf>,
    /// The question "Create test from this run", while asked.
    pub create: Option<CreateFromRun>,
    /// The question "Use as mock in a test…", while asked.
    pub mock: Option<MockTarget>,
    /// Frames drawn while tests ran (the window stays responsive; for
    /// tests and diagnostics).
    pub frames_while_running: u64,
    running: Option<(Instant, usize, usize)>,
    /// Set by Cancel: the running tests stop, no other starts.
    cancel: Arc<AtomicBool>,
    scanned_for: Option<PathBuf>,
    tx: mpsc::Sender<Msg>,
    rx: mpsc::Receiver<Msg>,
}

impl Default for TestsPanel {
    fn default() -> Self {
        let (tx, rx) = mpsc::channel();
        TestsPanel {
            open: false,
            files: Vec::new(),
            results: HashMap::new(),
            shown: None,
            message: String::new(),
            highlight: None,
            create: None,
            mock: None,
            frames_while_running: 0,
            running: None,
            cancel: Arc::default(),
            scanned_for: None,
            tx,
            rx,
        }
    }
}

impl TestsPanel {
    /// Whether tests are running.
    pub fn running(&self) -> bool {
        self.running.is_some()
    }

    /// Stops the running tests: the runs in progress are cancelled, no
    /// other case starts.
    pub fn cancel(&mut self) {
        if self.running.is_some() {
            self.cancel.store(true, Ordering::Relaxed);
            self.message = "Cancelling…".into();
        }
    }

    /// Shows or hides the panel.
    pub fn toggle(&mut self) {
        self.open = !self.open;
    }

    /// Looks for the tests of `workflow` again, off the UI thread.
    pub fn refresh(&mut self, workflow: Option<&Path>, ctx: &egui::Context) {
        let Some(wf) = workflow.map(Path::to_path_buf) else {
            self.files.clear();
            self.scanned_for = None;
            return;
        };
        self.scanned_for = Some(wf.clone());
        let tx = self.tx.clone();
        let c = ctx.clone();
        std::thread::spawn(move || {
            let rows = designer::tests_of(&wf).iter().map(FileRow::of).collect();
            let _ = tx.send(Msg::Scanned(wf, rows));
            c.request_repaint();
        });
    }

    /// Runs the cases `only` names ((file, case name); all when `None`)
    /// of `workflow`'s tests against `doc`, on a worker thread. The test
    /// files are read again first.
    pub fn run(
        &mut self,
        doc: &Document,
        workflow: Option<&Path>,
        only: Option<(PathBuf, String)>,
        ctx: &egui::Context,
    ) {
        if self.running.is_some() {
            return;
        }
        let Some(wf) = workflow.map(Path::to_path_buf) else {
            self.message = "Save the workflow first: its tests are found next to its file.".into();
            return;
        };
        self.scanned_for = Some(wf.clone());
        let total = match &only {
            Some(_) => 1,
            None => self.files.iter().map(|f| f.cases.len()).sum(),
        };
        self.running = Some((Instant::now(), 0, total));
        self.frames_while_running = 0;
        // The spinner and its counter say it runs.
        self.message.clear();
        self.cancel = Arc::default();
        let cancel = Arc::clone(&self.cancel);
        let doc = doc.clone();
        let tx = self.tx.clone();
        let c = ctx.clone();
        std::thread::spawn(move || {
            let started = Instant::now();
            let loaded = designer::tests_of(&wf);
            let rows = loaded.iter().map(FileRow::of).collect();
            let _ = tx.send(Msg::Scanned(wf.clone(), rows));
            c.request_repaint();
            let files: Vec<TestFile> = loaded.into_iter().filter_map(Result::ok).collect();
            let mut work = Vec::new();
            for (fi, f) in files.iter().enumerate() {
                for (ci, case) in f.cases.iter().enumerate() {
                    let wanted = only
                        .as_ref()
                        .is_none_or(|(p, n)| *p == f.path && *n == case.name);
                    if wanted {
                        work.push((fi, ci));
                    }
                }
            }
            let each = |r: &CaseResult| {
                let _ = tx.send(Msg::Result(Box::new(r.clone())));
                c.request_repaint();
            };
            runner::run_cases(&files, Some(&doc), &work, 0, &cancel, &each);
            let _ = tx.send(Msg::Done(started.elapsed()));
            c.request_repaint();
        });
    }

    /// Takes what the workers sent; refreshes the list when the
    /// workflow's file changed. Call once per frame.
    pub fn poll(&mut self, workflow: Option<&Path>, ctx: &egui::Context) {
        if self.open && self.running.is_none() && self.scanned_for.as_deref() != workflow {
            self.results.clear();
            self.shown = None;
            self.refresh(workflow, ctx);
        }
        if self.running.is_some() {
            self.frames_while_running += 1;
            ctx.request_repaint_after(Duration::from_millis(100));
        }
        while let Ok(m) = self.rx.try_recv() {
            match m {
                Msg::Scanned(wf, rows) => {
                    if Some(wf.as_path()) == workflow {
                        // A run of all tests counts what the files hold now.
                        if let Some((_, _, total)) = &mut self.running {
                            if *total != 1 {
                                *total = rows.iter().map(|r: &FileRow| r.cases.len()).sum();
                            }
                        }
                        self.files = rows;
                    }
                }
                Msg::Result(r) => {
                    if let Some(run) = &mut self.running {
                        run.1 += 1;
                    }
                    self.results.insert((r.file.clone(), r.name.clone()), *r);
                }
                Msg::Done(took) => {
                    let (done, total) = self.running.take().map_or((0, 0), |r| (r.1, r.2));
                    let t = self.totals();
                    self.message = if self.cancel.load(Ordering::Relaxed) {
                        format!(
                            "Cancelled after {}: {} passed, {} failed, {} errors (cancelled included), {} not started",
                            fmt_ms(took.as_millis() as i64),
                            t.0,
                            t.1,
                            t.2,
                            total.saturating_sub(done)
                        )
                    } else {
                        format!(
                            "{} passed, {} failed, {} errors in {}",
                            t.0,
                            t.1,
                            t.2,
                            fmt_ms(took.as_millis() as i64)
                        )
                    };
                }
                Msg::Wrote(Ok((path, note))) => {
                    // The write succeeded: its question closes.
                    self.create = None;
                    self.mock = None;
                    self.open = true;
                    self.message = note;
                    self.highlight = Some(path);
                    self.refresh(workflow, ctx);
                }
                Msg::Wrote(Err(e)) => {
                    if let Some(c) = &mut self.create {
                        c.error = e;
                    } else if let Some(m) = &mut self.mock {
                        m.error = e;
                    } else {
                        self.message = e;
                    }
                }
            }
        }
    }

    /// (passed, failed, errors) of the last results of the listed cases.
    pub fn totals(&self) -> (usize, usize, usize) {
        let mut t = (0, 0, 0);
        for r in self.results.values() {
            match r.outcome {
                Outcome::Passed => t.0 += 1,
                Outcome::Failed => t.1 += 1,
                Outcome::Error => t.2 += 1,
            }
        }
        t
    }

    /// The panel's contents.
    pub fn panel(
        &mut self,
        ui: &mut Ui,
        doc: &Document,
        workflow: Option<&Path>,
    ) -> Option<TestsIntent> {
        let mut intent = None;
        ui.set_min_height(ui.available_height());
        let mut run: Option<Option<(PathBuf, String)>> = None;
        ui.horizontal(|ui| {
            ui.strong("Tests");
            let idle = self.running.is_none() && workflow.is_some();
            if ui
                .add_enabled(idle, egui::Button::new("▶ Run all"))
                .on_hover_text(
                    "Run every test of this workflow against the document as it is in the editor",
                )
                .accessible_name("Run all tests")
                .clicked()
            {
                run = Some(None);
            }
            if ui
                .add_enabled(self.running.is_none(), egui::Button::new("⟳ Refresh"))
                .accessible_name("Refresh tests")
                .clicked()
            {
                self.refresh(workflow, ui.ctx());
            }
            if let Some((started, done, total)) = &self.running {
                ui.spinner();
                ui.label(format!(
                    "Running {done}/{total}… {}",
                    fmt_ms(started.elapsed().as_millis() as i64)
                ));
                let stopping = self.cancel.load(Ordering::Relaxed);
                if ui
                    .add_enabled(!stopping, egui::Button::new("■ Cancel"))
                    .on_hover_text("Stop the running tests; the others do not start")
                    .accessible_name("Cancel tests")
                    .clicked()
                {
                    self.cancel();
                }
            }
            ui.label(&self.message);
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button("Close tests").clicked() {
                    self.open = false;
                }
            });
        });
        ui.separator();
        ui.columns(2, |cols| {
            egui::ScrollArea::vertical()
                .id_salt("tests-list")
                .auto_shrink([false, false])
                .show(&mut cols[0], |ui| {
                    if let Some(r) = self.list(ui, workflow, &mut intent) {
                        run = Some(Some(r));
                    }
                });
            egui::ScrollArea::vertical()
                .id_salt("tests-details")
                .auto_shrink([false, false])
                .show(&mut cols[1], |ui| self.details(ui));
        });
        if let Some(only) = run {
            self.run(doc, workflow, only, ui.ctx());
        }
        intent
    }

    fn list(
        &mut self,
        ui: &mut Ui,
        workflow: Option<&Path>,
        intent: &mut Option<TestsIntent>,
    ) -> Option<(PathBuf, String)> {
        if workflow.is_none() {
            ui.weak("Save the workflow first: its tests are found next to its file (or in a tests/ folder beside it).");
            return None;
        }
        if self.files.is_empty() {
            ui.weak("No tests found: *.lapistest.json next to the workflow or in a tests/ folder beside it, named after it. Create one from a run (Run, Show runs, then Create test from this run).");
            return None;
        }
        let mut run = None;
        let idle = self.running.is_none();
        let base = workflow.and_then(Path::parent).map(Path::to_path_buf);
        for f in &self.files {
            let shown_path = base
                .as_ref()
                .and_then(|b| f.path.strip_prefix(b).ok())
                .unwrap_or(&f.path)
                .display()
                .to_string();
            let mut title = RichText::new(shown_path.clone()).strong();
            if self.highlight.as_deref() == Some(f.path.as_path()) {
                title = title.color(ui.visuals().selection.stroke.color);
            }
            ui.label(title);
            if let Some(e) = &f.error {
                ui.add(
                    egui::Label::new(
                        RichText::new(format!("✖ {e}")).color(status_colour(Status::Failed)),
                    )
                    .wrap(),
                );
                continue;
            }
            for name in &f.cases {
                let key = (f.path.clone(), name.clone());
                let r = self.results.get(&key);
                let (word, colour) = match r.map(|r| r.outcome) {
                    Some(Outcome::Passed) => ("PASS", status_colour(Status::Succeeded)),
                    Some(Outcome::Failed) => ("FAIL", status_colour(Status::Failed)),
                    Some(Outcome::Error) => ("ERROR", status_colour(Status::TimedOut)),
                    None => ("not run", ui.visuals().weak_text_color()),
                };
                ui.horizontal(|ui| {
                    ui.add_space(12.0);
                    if ui
                        .add_enabled(idle, egui::Button::new("▶").small())
                        .on_hover_text("Run this test")
                        .accessible_name(format!("Run test {name}"))
                        .clicked()
                    {
                        run = Some(key.clone());
                    }
                    let dur = r
                        .map(|r| format!(" ({})", fmt_ms(r.duration.as_millis() as i64)))
                        .unwrap_or_default();
                    ui.label(RichText::new(format!("{word}  {name}{dur}")).color(colour));
                });
                let Some(r) = r else { continue };
                if let Some(e) = &r.error {
                    ui.horizontal(|ui| {
                        ui.add_space(40.0);
                        ui.add(
                            egui::Label::new(
                                RichText::new(e).color(status_colour(Status::TimedOut)),
                            )
                            .wrap(),
                        );
                    });
                }
                for (i, fl) in r.failures.iter().enumerate() {
                    let text = format!("✖ {}:{}: {}", fl.line, fl.column, fl.what);
                    let here = Some((f.path.clone(), name.clone(), i));
                    let clicked = ui
                        .horizontal(|ui| {
                            ui.add_space(40.0);
                            ui.selectable_label(self.shown == here, text).clicked()
                        })
                        .inner;
                    if clicked {
                        self.shown = here;
                        if let Some(a) = &fl.action {
                            *intent = Some(TestsIntent::Select(a.clone()));
                        }
                    }
                }
            }
            ui.add_space(4.0);
        }
        run
    }

    fn details(&mut self, ui: &mut Ui) {
        let Some((file, case, i)) = &self.shown else {
            ui.weak("Click a failed assertion to see expected against actual; its action is selected on the canvas.");
            return;
        };
        let Some(f) = self
            .results
            .get(&(file.clone(), case.clone()))
            .and_then(|r| r.failures.get(*i))
        else {
            ui.weak("That result is gone: run the tests again.");
            return;
        };
        ui.label(RichText::new(format!("{case}: {}", f.what)).strong());
        if let Some(a) = &f.action {
            ui.label(format!("Action: {a}"));
        }
        for (what, v) in [("Expected", &f.expected), ("Actual", &f.actual)] {
            ui.add(egui::Label::new(RichText::new(format!("{what}: {v}")).monospace()).wrap());
        }
        ui.separator();
        // The same text `lapis test` prints.
        ui.add(
            egui::Label::new(RichText::new(report::failure_text(file, f)).monospace())
                .selectable(true)
                .wrap(),
        );
    }

    // ----- writing test files -------------------------------------------

    /// Asks where to write a test made from `run` (the recorded workflow
    /// file, else `document_file`).
    pub fn ask_create(&mut self, run: Run, document_file: Option<PathBuf>) {
        let workflow = run.file.as_ref().map(PathBuf::from).or(document_file);
        let Some(workflow) = workflow else {
            self.message =
                "This run did not record its workflow file: save the workflow, run it, then create the test.".into();
            self.open = true;
            return;
        };
        let path = from_run::default_path_in_tests(&workflow, &run.run_id);
        self.create = Some(CreateFromRun {
            run,
            workflow,
            path: path.display().to_string(),
            confirm_overwrite: false,
            error: String::new(),
        });
    }

    fn write_from_run(&mut self, ctx: &egui::Context) {
        let Some(c) = &self.create else { return };
        let (run, wf, path) = (
            c.run.clone(),
            c.workflow.clone(),
            PathBuf::from(c.path.trim()),
        );
        let tx = self.tx.clone();
        let ctx = ctx.clone();
        std::thread::spawn(move || {
            let r = Document::load(&wf)
                .map_err(|e| format!("{}: {e}", wf.display()))
                .and_then(|doc| {
                    from_run::write_test(&run, &doc, &wf, &path, Some(Path::new(SCHEMA)))
                })
                .map(|holes| {
                    let mut note = format!("Wrote {}", path.display());
                    if holes > 0 {
                        note.push_str(&format!(
                            " ({holes} secured value(s) were not recorded: fill in the placeholders before running it)"
                        ));
                    }
                    (path, note)
                });
            let _ = tx.send(Msg::Wrote(r));
            ctx.request_repaint();
        });
    }

    /// Asks which test file (and case) gets `answer` as the mock of its
    /// action; `workflow` is the document's file.
    /// The list of test files is looked for again meanwhile.
    pub fn ask_mock(
        &mut self,
        answer: &Answer,
        redactor: &Redactor,
        workflow: Option<&Path>,
        ctx: &egui::Context,
    ) {
        if self.running.is_none() {
            self.refresh(workflow, ctx);
        }
        let mock = designer::mock_from_answer(
            answer.status,
            &answer.reason,
            &answer.headers,
            &answer.body,
            redactor,
        );
        let new_path = workflow
            .map(|wf| {
                let stem = wf
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "workflow".into());
                wf.parent()
                    .unwrap_or(Path::new(""))
                    .join("tests")
                    .join(format!(
                        "{stem}.{}{}",
                        answer.action.to_lowercase(),
                        crate::wftest::EXTENSION
                    ))
                    .display()
                    .to_string()
            })
            .unwrap_or_default();
        self.mock = Some(MockTarget {
            action: answer.action.clone(),
            mock,
            file: self.files.iter().position(|f| f.error.is_none()),
            case: 0,
            new_path,
            confirm_overwrite: false,
            error: String::new(),
        });
    }

    fn write_mock(&mut self, workflow: Option<&Path>, overwrite: bool, ctx: &egui::Context) {
        let Some(m) = &self.mock else { return };
        let target = m
            .file
            .and_then(|i| self.files.get(i))
            .map(|f| f.path.clone());
        let (action, mock, case) = (m.action.clone(), m.mock.clone(), m.case);
        let new_path = PathBuf::from(m.new_path.trim());
        let wf = workflow.map(Path::to_path_buf);
        let tx = self.tx.clone();
        let ctx = ctx.clone();
        std::thread::spawn(move || {
            let r = match (target, wf) {
                (Some(p), _) => designer::add_mock(&p, case, &action, mock).map(|replaced| {
                    let verb = if replaced { "Replaced" } else { "Added" };
                    let note = format!("{verb} the mock of {action} in {}", p.display());
                    (p, note)
                }),
                (None, Some(wf)) => designer::new_file_with_mock(
                    &new_path,
                    &wf,
                    Some(Path::new(SCHEMA)),
                    &format!("{action} answers as recorded"),
                    &action,
                    mock,
                    overwrite,
                )
                .map(|()| {
                    let note = format!("Wrote {} with the mock of {action}", new_path.display());
                    (new_path, note)
                }),
                (None, None) => Err("Save the workflow first: a test file names it.".into()),
            };
            let _ = tx.send(Msg::Wrote(r));
            ctx.request_repaint();
        });
    }

    /// The two questions' windows.
    pub fn windows(&mut self, ctx: &egui::Context, workflow: Option<&Path>) {
        self.create_window(ctx);
        self.mock_window(ctx, workflow);
    }

    fn create_window(&mut self, ctx: &egui::Context) {
        let Some(c) = &mut self.create else { return };
        let mut write = false;
        let mut close = false;
        egui::Window::new("Create test from this run")
            .collapsible(false)
            .default_width(560.0)
            .show(ctx, |ui| {
                ui.label(format!(
                    "A test whose mocks are the outside calls run {} recorded and whose assertions are its statuses (as lapis test new --from-run). Secured values stay placeholders to fill in.",
                    c.run.run_id
                ));
                ui.horizontal(|ui| {
                    let l = ui.label("Test file path");
                    if ui
                        .add(egui::TextEdit::singleline(&mut c.path).desired_width(420.0))
                        .labelled_by(l.id)
                        .changed()
                    {
                        c.confirm_overwrite = false;
                    }
                });
                if c.confirm_overwrite {
                    ui.colored_label(
                        status_colour(Status::TimedOut),
                        format!("{} exists. Overwrite it?", c.path.trim()),
                    );
                    ui.horizontal(|ui| {
                        if ui.button("Overwrite").clicked() {
                            write = true;
                        }
                        if ui.button("Cancel").accessible_name("Cancel create test").clicked() {
                            close = true;
                        }
                    });
                } else {
                    ui.horizontal(|ui| {
                        let ok = !c.path.trim().is_empty();
                        if ui.add_enabled(ok, egui::Button::new("Create test")).clicked() {
                            if Path::new(c.path.trim()).exists() {
                                c.confirm_overwrite = true;
                            } else {
                                write = true;
                            }
                        }
                        if ui.button("Cancel").accessible_name("Cancel create test").clicked() {
                            close = true;
                        }
                    });
                }
                if !c.error.is_empty() {
                    ui.colored_label(status_colour(Status::Failed), &c.error);
                }
            });
        if close {
            self.create = None;
        } else if write {
            c.error.clear();
            self.message.clear();
            self.write_from_run(ctx);
        }
    }

    fn mock_window(&mut self, ctx: &egui::Context, workflow: Option<&Path>) {
        let Some(m) = &mut self.mock else { return };
        let mut write = None;
        let mut close = false;
        let files: Vec<(String, Vec<String>, bool)> = self
            .files
            .iter()
            .map(|f| {
                (
                    f.path.display().to_string(),
                    f.cases.clone(),
                    f.error.is_none(),
                )
            })
            .collect();
        egui::Window::new("Use as mock in a test")
            .collapsible(false)
            .default_width(560.0)
            .show(ctx, |ui| {
                ui.label(format!(
                    "The answer ({}) becomes the mock of {} in the test chosen here.",
                    m.mock["outputs"]["statusCode"], m.action
                ));
                let selected = match m.file {
                    Some(i) => files.get(i).map(|f| f.0.clone()).unwrap_or_default(),
                    None => "A new test file".into(),
                };
                ui.horizontal(|ui| {
                    let l = ui.label("Test file");
                    egui::ComboBox::from_id_salt("mock-file")
                        .selected_text(selected)
                        .width(380.0)
                        .show_ui(ui, |ui| {
                            for (i, (p, _, ok)) in files.iter().enumerate() {
                                if *ok {
                                    ui.selectable_value(&mut m.file, Some(i), p);
                                }
                            }
                            ui.selectable_value(&mut m.file, None, "A new test file");
                        })
                        .response
                        .labelled_by(l.id);
                });
                match m.file.and_then(|i| files.get(i)) {
                    Some((_, cases, _)) => {
                        m.case = m.case.min(cases.len().saturating_sub(1));
                        ui.horizontal(|ui| {
                            let l = ui.label("Test case");
                            egui::ComboBox::from_id_salt("mock-case")
                                .selected_text(cases.get(m.case).cloned().unwrap_or_default())
                                .show_ui(ui, |ui| {
                                    for (i, n) in cases.iter().enumerate() {
                                        ui.selectable_value(&mut m.case, i, n);
                                    }
                                })
                                .response
                                .labelled_by(l.id);
                        });
                        if ui.button("Add mock").clicked() {
                            write = Some(false);
                        }
                    }
                    None => {
                        ui.horizontal(|ui| {
                            let l = ui.label("New test file path");
                            if ui
                                .add(
                                    egui::TextEdit::singleline(&mut m.new_path)
                                        .desired_width(380.0),
                                )
                                .labelled_by(l.id)
                                .changed()
                            {
                                m.confirm_overwrite = false;
                            }
                        });
                        if m.confirm_overwrite {
                            ui.colored_label(
                                status_colour(Status::TimedOut),
                                format!("{} exists. Overwrite it?", m.new_path.trim()),
                            );
                            if ui.button("Overwrite").clicked() {
                                write = Some(true);
                            }
                        } else if ui
                            .add_enabled(
                                !m.new_path.trim().is_empty(),
                                egui::Button::new("Create test file"),
                            )
                            .clicked()
                        {
                            if Path::new(m.new_path.trim()).exists() {
                                m.confirm_overwrite = true;
                            } else {
                                write = Some(false);
                            }
                        }
                    }
                }
                if ui.button("Cancel").accessible_name("Cancel mock").clicked() {
                    close = true;
                }
                if !m.error.is_empty() {
                    ui.colored_label(status_colour(Status::Failed), &m.error);
                }
            });
        if close {
            self.mock = None;
        } else if let Some(overwrite) = write {
            m.error.clear();
            self.message.clear();
            self.write_mock(workflow, overwrite, ctx);
        }
    }
}

/// The edit that makes `answer` the static result of its action in
/// workflow `wf` of `doc`: `definition.staticResults.<name>` (Logic Apps'
/// shape: `outputs` {statusCode, headers, body} and `status`) and the
/// action's `runtimeConfiguration.staticResult` {name, staticResultOptions:
/// "Enabled"}. An action that already names a static result gets it
/// replaced; otherwise the name is `<action>0` (or the next free one).
pub fn static_result_edit(
    doc: &Document,
    wf: usize,
    answer: &Answer,
    redactor: &Redactor,
) -> Result<Edit, String> {
    let outline = doc.outline(wf).map_err(|e| e.message)?;
    let node = outline
        .nodes
        .iter()
        .find(|n| n.name == answer.action)
        .ok_or_else(|| format!("the workflow has no action '{}'", answer.action))?;
    let def_ptr = outline.definition_pointer.clone();
    let def = doc.definition(wf);
    let taken: Vec<String> = def
        .get("staticResults")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let action = doc.root.pointer(&node.pointer);
    let existing = action
        .and_then(|a| a.pointer("/runtimeConfiguration/staticResult/name"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let name = existing.unwrap_or_else(|| designer::static_result_name(&answer.action, &taken));
    let entry =
        designer::static_result_from_answer(answer.status, &answer.headers, &answer.body, redactor);
    Ok(Edit::Batch {
        label: format!("Use the answer as the static result of {}", answer.action),
        edits: vec![
            Edit::Set {
                pointer: format!("{def_ptr}/staticResults/{}", escape_pointer(&name)),
                value: entry,
            },
            Edit::Set {
                pointer: format!("{}/runtimeConfiguration/staticResult", node.pointer),
                value: json!({"name": name, "staticResultOptions": "Enabled"}),
            },
        ],
    })
}
