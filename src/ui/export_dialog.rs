//! The Export dialog (definition JSON, Consumption ARM template, Standard
//! project), and the secret check that guards every save and export: a
//! secret written in clear blocks the write, and "Move to secure
//! parameter" fixes it in one click (undoable).

use super::security::{access_control_editor, AccessEditorState};
use super::session::Session;
use super::theme::Theme;
use crate::export::{
    self, ArmOptions, ExportSpec, Finding, KeyVaultRef, Kind, Role, RoleAssignment, SourceDefaults,
    StandardOptions, Target,
};
use crate::workflow::edit::Edit;
use crate::workflow::Document;
use egui::{RichText, Ui};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// What the Export dialog holds while it is open.
#[derive(Debug, Clone)]
pub struct ExportDialog {
    /// The output's kind.
    pub target: Target,
    /// Where to write: a file (definition, ARM template) or a folder
    /// (Standard project).
    pub path: String,
    /// ARM: Azure region (empty = the resource group's).
    pub location: String,
    /// ARM: Enabled or Disabled.
    pub enabled: bool,
    /// ARM: tags as `key=value` lines.
    pub tags: String,
    /// ARM: add a CanNotDelete lock.
    pub lock: bool,
    /// ARM: principal ids made Logic App Contributor (one per line).
    pub contributors: String,
    /// ARM: principal ids made Logic App Operator (one per line).
    pub operators: String,
    /// ARM: Key Vault resource id for the parameters file's references.
    pub key_vault: String,
    /// ARM: access control, when the document itself has no place for it.
    pub access_control: Option<Value>,
    access_state: AccessEditorState,
    /// Standard: stateless.
    pub stateless: bool,
    /// The workflow's name (ARM resource, Standard folder).
    pub name: String,
    /// What happened at the last Export click.
    pub result: Option<Result<String, String>>,
    findings: Option<(u64, Target, Vec<Finding>)>,
}

impl ExportDialog {
    /// A dialog for the session's document, with paths beside it, and the
    /// workflow's own name, kind and state.
    pub fn new(session: &Session) -> ExportDialog {
        let stem = session
            .path()
            .and_then(|p| p.file_stem())
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "workflow".into());
        let dir = session
            .path()
            .and_then(|p| p.parent())
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let source = SourceDefaults::read(session.doc(), session.workflow);
        ExportDialog {
            target: Target::Arm,
            path: dir
                .join(format!("{stem}.azuredeploy.json"))
                .to_string_lossy()
                .into_owned(),
            location: String::new(),
            enabled: !source.disabled,
            tags: String::new(),
            lock: false,
            contributors: String::new(),
            operators: String::new(),
            key_vault: String::new(),
            access_control: None,
            access_state: AccessEditorState::default(),
            stateless: source.stateless,
            name: source.name,
            result: None,
            findings: None,
        }
    }

    /// The dialog once another document is open in `session`: everything
    /// starts again from that document (name, kind, state, paths beside
    /// it, no result, no findings); only the output kind chosen is kept.
    pub fn for_new_document(&self, session: &Session) -> ExportDialog {
        let mut d = ExportDialog::new(session);
        d.target = self.target;
        d.path = d.default_path(session);
        d
    }

    fn default_path(&self, session: &Session) -> String {
        let stem = session
            .path()
            .and_then(|p| p.file_stem())
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "workflow".into());
        let dir = session
            .path()
            .and_then(|p| p.parent())
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let p = match self.target {
            Target::Definition => dir.join(format!("{stem}.definition.json")),
            Target::Arm => dir.join(format!("{stem}.azuredeploy.json")),
            Target::Standard => dir.join(format!("{stem}-standard")),
        };
        p.to_string_lossy().into_owned()
    }

    fn spec(&self, doc: &Document, wf: usize) -> Result<ExportSpec, String> {
        Ok(match self.target {
            Target::Definition => ExportSpec::Definition,
            Target::Standard => ExportSpec::Standard(StandardOptions {
                kind: Some(if self.stateless {
                    Kind::Stateless
                } else {
                    Kind::Stateful
                }),
                workflow_name: non_empty(&self.name),
            }),
            Target::Arm => {
                let mut tags = Map::new();
                for (i, line) in self.tags.lines().enumerate() {
                    let line = line.trim();
                    if line.is_empty() {
                        continue;
                    }
                    let Some((k, v)) = line.split_once('=') else {
                        return Err(format!("tag on line {}: write key=value", i + 1));
                    };
                    tags.insert(k.trim().to_owned(), Value::String(v.trim().to_owned()));
                }
                let mut role_assignments = Vec::new();
                for (text, role) in [
                    (&self.contributors, Role::Contributor),
                    (&self.operators, Role::Operator),
                ] {
                    for id in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
                        role_assignments.push(RoleAssignment {
                            role,
                            principal_id: id.to_owned(),
                        });
                    }
                }
                let in_doc = crate::workflow::access::get(doc, wf).is_some();
                ArmOptions {
                    location: non_empty(&self.location),
                    state: Some(if self.enabled { "Enabled" } else { "Disabled" }.into()),
                    tags,
                    lock: self.lock,
                    role_assignments,
                    key_vault: non_empty(&self.key_vault).map(|vault_id| KeyVaultRef { vault_id }),
                    workflow_name: non_empty(&self.name),
                    access_control: if in_doc {
                        None
                    } else {
                        self.access_control.clone()
                    },
                }
                .into()
            }
        })
    }
}

impl From<ArmOptions> for ExportSpec {
    fn from(o: ArmOptions) -> ExportSpec {
        ExportSpec::Arm(o)
    }
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn target_label(t: Target) -> &'static str {
    match t {
        Target::Definition => "Definition JSON",
        Target::Arm => "Consumption ARM template",
        Target::Standard => "Standard project",
    }
}

/// Lists `findings`, each with its fix; returns the findings to fix (all
/// when "Move all" is clicked).
pub fn findings_list(ui: &mut Ui, findings: &[Finding], theme: &Theme) -> Vec<Finding> {
    let mut fix = Vec::new();
    ui.label(
        RichText::new(format!(
            "⛔ {} secret(s) written in clear: nothing is written until they are moved to secure parameters.",
            findings.len()
        ))
        .color(theme.error)
        .strong(),
    );
    egui::ScrollArea::vertical()
        .id_salt("secret-findings")
        .max_height(180.0)
        .show(ui, |ui| {
            for f in findings {
                ui.horizontal_wrapped(|ui| {
                    ui.label(RichText::new(f.describe()).color(theme.error));
                    // No one-action fix: say what to do by hand.
                    if let crate::export::Fix::Manual { hint } = &f.fix {
                        ui.weak(hint);
                        return;
                    }
                    if ui
                        .small_button("Move to secure parameter")
                        .accessible_name(format!("Fix: {}", f.field))
                        .on_hover_text(format!(
                            "Creates the SecureString parameter `{}` and uses @parameters('{}') here",
                            f.suggested_name(),
                            f.suggested_name()
                        ))
                        .clicked()
                    {
                        fix.push(f.clone());
                    }
                });
            }
        });
    let movable: Vec<Finding> = findings
        .iter()
        .filter(|f| !matches!(f.fix, crate::export::Fix::Manual { .. }))
        .cloned()
        .collect();
    if !movable.is_empty() && ui.button("Move all to secure parameters").clicked() {
        fix = movable;
    }
    fix
}

/// Applies the fixes as one undoable edit of the whole file.
pub fn apply_fixes(session: &mut Session, fixes: &[Finding]) -> Result<usize, String> {
    if fixes.is_empty() {
        return Ok(0);
    }
    let mut doc = session.doc().clone();
    let existing: Vec<String> = doc
        .definition(session.workflow)
        .get("parameters")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let names = export::scan::unique_names(fixes, &existing);
    // Later pointers first, so that a fix never moves another's target.
    let mut order: Vec<usize> = (0..fixes.len()).collect();
    order.sort_by(|a, b| fixes[*b].pointer.cmp(&fixes[*a].pointer));
    for i in order {
        export::fix_document(&mut doc, &fixes[i], &names[i])?;
    }
    let mut edits = Vec::new();
    crate::workflow::edit::diff(&session.doc().root, &doc.root, "", &mut edits);
    session
        .apply(Edit::Batch {
            label: format!("Move {} secret(s) to secure parameters", fixes.len()),
            edits,
        })
        .map(|_| fixes.len())
}

/// Draws the Export window. Returns false when it is closed.
pub fn show(
    ctx: &egui::Context,
    d: &mut ExportDialog,
    session: &mut Session,
    theme: &Theme,
) -> bool {
    let mut open = true;
    let mut close = false;
    egui::Window::new("Export workflow")
        .open(&mut open)
        .collapsible(false)
        .resizable(true)
        .default_width(560.0)
        .show(ctx, |ui| {
            ui.horizontal(|ui| {
                for t in [Target::Definition, Target::Arm, Target::Standard] {
                    if ui.radio(d.target == t, target_label(t)).clicked() && d.target != t {
                        d.target = t;
                        d.path = d.default_path(session);
                        d.result = None;
                    }
                }
            });
            ui.separator();
            egui::Grid::new("export-options").num_columns(2).show(ui, |ui| {
                match d.target {
                    Target::Definition => {
                        ui.label("");
                        ui.weak("The bare definition: triggers, actions, parameters (secure ones without values).");
                        ui.end_row();
                    }
                    Target::Arm => {
                        ui.label("Workflow name");
                        ui.add(egui::TextEdit::singleline(&mut d.name)).accessible_name("Workflow name");
                        ui.end_row();
                        ui.label("Location");
                        ui.add(egui::TextEdit::singleline(&mut d.location).hint_text("the resource group's"))
                            .accessible_name("Azure location");
                        ui.end_row();
                        ui.label("State");
                        ui.checkbox(&mut d.enabled, "Enabled");
                        ui.end_row();
                        ui.label("Tags");
                        ui.add(egui::TextEdit::multiline(&mut d.tags).desired_rows(2).hint_text("env=test"))
                            .accessible_name("Tags");
                        ui.end_row();
                        ui.label("Lock");
                        ui.checkbox(&mut d.lock, "CanNotDelete lock");
                        ui.end_row();
                        ui.label("Logic App Contributor");
                        ui.add(egui::TextEdit::multiline(&mut d.contributors).desired_rows(1).hint_text("principal id, one per line"))
                            .accessible_name("Logic App Contributor principals");
                        ui.end_row();
                        ui.label("Logic App Operator");
                        ui.add(egui::TextEdit::multiline(&mut d.operators).desired_rows(1).hint_text("principal id, one per line"))
                            .accessible_name("Logic App Operator principals");
                        ui.end_row();
                        ui.label("Key Vault");
                        ui.add(egui::TextEdit::singleline(&mut d.key_vault).hint_text("/subscriptions/…/vaults/name"))
                            .accessible_name("Key Vault resource id");
                        ui.end_row();
                    }
                    Target::Standard => {
                        ui.label("Workflow folder");
                        ui.add(egui::TextEdit::singleline(&mut d.name)).accessible_name("Workflow name");
                        ui.end_row();
                        ui.label("Kind");
                        ui.horizontal(|ui| {
                            ui.radio_value(&mut d.stateless, false, "Stateful");
                            ui.radio_value(&mut d.stateless, true, "Stateless");
                        });
                        ui.end_row();
                    }
                }
                ui.label(if d.target == Target::Standard { "Folder" } else { "File" });
                ui.add(egui::TextEdit::singleline(&mut d.path).desired_width(380.0))
                    .accessible_name("Export path");
                ui.end_row();
            });
            if d.target == Target::Arm {
                let in_doc = crate::workflow::access::get(session.doc(), session.workflow).is_some();
                egui::CollapsingHeader::new("Access control").default_open(false).show(ui, |ui| {
                    if in_doc {
                        ui.weak("From the template's resource (edit it in the Security panel).");
                    } else if let Some(v) = access_control_editor(
                        ui,
                        d.access_control.as_ref(),
                        &mut d.access_state,
                        theme,
                    ) {
                        d.access_control = (!v.is_null()).then_some(v);
                    }
                });
            }
            ui.separator();

            // The secret check, redone when the document or target changes.
            let rev = session.editor.revision();
            let stale = d
                .findings
                .as_ref()
                .is_none_or(|(r, t, _)| *r != rev || *t != d.target);
            if stale {
                let f = export::blocking_findings(session.doc(), session.workflow, d.target);
                d.findings = Some((rev, d.target, f));
            }
            let findings = d.findings.as_ref().map(|f| f.2.clone()).unwrap_or_default();
            if !findings.is_empty() {
                let fix = findings_list(ui, &findings, theme);
                match apply_fixes(session, &fix) {
                    Ok(0) => {}
                    Ok(n) => d.result = Some(Ok(format!("Moved {n} secret(s) to secure parameters (Ctrl+Z undoes)."))),
                    Err(e) => d.result = Some(Err(e)),
                }
                ui.separator();
            } else {
                ui.weak("✔ No secret in clear.");
            }
            ui.horizontal(|ui| {
                let can = findings.is_empty() && !d.path.trim().is_empty();
                if ui.add_enabled(can, egui::Button::new("Export")).clicked() {
                    d.result = Some(run_export(d, session));
                }
                if ui.button("Close").clicked() {
                    close = true;
                }
            });
            match &d.result {
                Some(Ok(m)) => {
                    ui.label(m);
                }
                Some(Err(e)) => {
                    ui.colored_label(theme.error, format!("✖ {e}"));
                }
                None => {}
            }
        });
    open && !close
}

fn run_export(d: &ExportDialog, session: &Session) -> Result<String, String> {
    let doc = session.doc();
    let spec = d.spec(doc, session.workflow)?;
    let out = export::export(doc, session.workflow, &spec).map_err(|e| e.to_string())?;
    let path = PathBuf::from(d.path.trim());
    let written =
        export::write_report(&out, &path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut msg = format!(
        "Wrote {} file(s): {}",
        written.paths.len(),
        written
            .paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    for n in &written.notes {
        msg.push_str(&format!("\n• {n}"));
    }
    for w in &out.warnings {
        msg.push_str(&format!("\n⚠ {w}"));
    }
    Ok(msg)
}
