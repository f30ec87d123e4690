//! The export of a workflow whose top-level actions are held as text
//! ([`LazyDocument`]): what `lapis export` runs, so that a large workflow
//! is exported in a few times its size rather than a dozen times.
//!
//! The actions are read twice, one at a time (each parsed, used, dropped):
//! once to gather what the export needs of them (secrets, managed
//! identities, connections, app settings), once while the main file is
//! written ([`text::render_to_streamed`]), ARM-escaped on the way for a
//! template. Everything else runs on the document without them, through
//! the same code as [`export`](super::export): the definition's `actions`
//! there is a stand-in (the *stub*) that every walk of the definition
//! treats as the actions it stands for, by their gathered facts.
//!
//! The files, warnings and refusals are those of [`export`](super::export)
//! and [`write_report`](super::write_report) for the same document
//! (`tests/export_stream.rs` compares them).

use super::{
    arm, blocking_findings_with, build_files, check_index, finish_import, import_file, scan,
    standard, write_report_with, Export, ExportError, ExportSpec, ImportOptions, ImportedDocument,
    Source, Target, Written,
};
use crate::workflow::lazy::{LazyDocument, Loaded};
use crate::workflow::text::StreamedObject;
use crate::workflow::{arm_escape, Container, Document};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

/// What the top-level actions of a lazily held workflow contribute to an
/// export, gathered in one reading of them.
#[derive(Debug, Default)]
pub(crate) struct ActionFacts {
    /// Their secrets in clear, and the parameters secret fields read.
    pub(super) scan: scan::ActionScan,
    /// The managed identities they authenticate with.
    pub(super) identity: arm::Identity,
    /// A key or string holds `appsetting(`.
    pub(super) appsetting: bool,
    /// The connections they use.
    pub(super) connections: standard::ConnectionUse,
    /// The app settings they read.
    pub(super) settings: BTreeSet<String>,
}

/// Keys that the export's walks look up in every object they meet. In a
/// whole definition they find a top-level action of that name as a member
/// of the `actions` object itself, which a lazy export does not hold: a
/// workflow with a top-level action so named is exported whole.
const LOOKED_UP: [&str; 4] = [
    "authentication",
    "host",
    "serviceProviderConfiguration",
    "function",
];

/// A workflow read back for export: lazily when it can be.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // one per command
pub enum ImportedLazy {
    /// Held lazily: [`import_document`](super::import_document) of it
    /// gives `lazy.doc` with its actions.
    Lazy {
        /// The document (for Standard, with the parameters of
        /// `parameters.json` put back into the definition).
        lazy: LazyDocument,
        /// See [`ImportedDocument::workflow`].
        workflow: usize,
        /// See [`ImportedDocument::warnings`].
        warnings: Vec<String>,
    },
    /// Loaded whole (an ARM template, a resource…).
    Whole(ImportedDocument),
}

/// [`import_document`](super::import_document), holding the top-level
/// actions of a bare definition or a Standard workflow as text. The same
/// errors and warnings.
pub fn import_lazy(path: &Path, options: &ImportOptions) -> Result<ImportedLazy, String> {
    let (file, chosen_by_folder) = import_file(path, options)?;
    let mut lazy = match LazyDocument::load(&file).map_err(|e| e.to_string())? {
        Loaded::Whole(doc) => {
            return finish_import(doc, &file, chosen_by_folder, options).map(ImportedLazy::Whole)
        }
        Loaded::Lazy(lazy) => lazy,
    };
    if lazy
        .actions()
        .iter()
        .any(|(name, _)| LOOKED_UP.contains(&name.as_str()))
    {
        let doc = lazy.into_document().map_err(|e| e.to_string())?;
        return finish_import(doc, &file, chosen_by_folder, options).map(ImportedLazy::Whole);
    }
    let doc = std::mem::replace(&mut lazy.doc, Document::new_definition());
    let imported = finish_import(doc, &file, chosen_by_folder, options)?;
    lazy.doc = imported.document;
    Ok(ImportedLazy::Lazy {
        lazy,
        workflow: imported.workflow,
        warnings: imported.warnings,
    })
}

/// An export of a lazily held workflow, ready to be written by
/// [`write_lazy`]: its main file's definition has the stub for actions.
pub struct LazyExport<'a> {
    /// The files (the main one without its actions), target and warnings.
    pub export: Export,
    /// The actions, written into the main file.
    actions: Actions<'a>,
}

/// The top-level actions of a lazy document, as they are written.
struct Actions<'a> {
    lazy: &'a LazyDocument,
    /// ARM-escape each (for a template).
    escape: bool,
}

impl StreamedObject for Actions<'_> {
    fn is_empty(&self) -> bool {
        self.lazy.actions().is_empty()
    }

    fn for_each(&self, f: &mut dyn FnMut(&str, &Value)) -> std::io::Result<()> {
        for (k, (name, _)) in self.lazy.actions().iter().enumerate() {
            let mut v = self
                .lazy
                .action(k)
                .map_err(|e| std::io::Error::other(format!("action `{name}`: {e}")))?;
            if self.escape {
                arm_escape(&mut v, true);
            }
            f(name, &v);
        }
        Ok(())
    }
}

/// [`export`](super::export) of a lazily held workflow: the same files
/// (to be written by [`write_lazy`]), warnings and refusals.
pub fn export_lazy<'a>(
    lazy: &'a LazyDocument,
    workflow: usize,
    spec: &ExportSpec,
) -> Result<LazyExport<'a>, ExportError> {
    let doc = &lazy.doc;
    check_index(doc, workflow)?;
    let arm_source = matches!(doc.container, Container::Arm | Container::Resource);
    let mut facts = ActionFacts::default();
    for (k, (name, _)) in lazy.actions().iter().enumerate() {
        let v = lazy
            .action(k)
            .map_err(|e| ExportError::Invalid(format!("action `{name}`: {e}")))?;
        facts.scan.add(name, &v, arm_source);
        facts.identity.walk(&v, None);
        facts.appsetting |= name.contains("appsetting(") || arm::mentions(&v, "appsetting(", None);
        facts.connections.walk(&v, None);
        standard::collect_app_settings(&v, &mut facts.settings, None);
    }
    let target = spec.target();
    let findings = blocking_findings_with(doc, workflow, target, Some((lazy.stub(), &facts.scan)));
    if !findings.is_empty() {
        return Err(ExportError::Secrets(findings));
    }
    let mut warnings = Vec::new();
    let files = build_files(
        &Source::new(doc, workflow),
        spec,
        &mut warnings,
        Some(&facts),
    )?;
    Ok(LazyExport {
        export: Export {
            target,
            files,
            warnings,
        },
        actions: Actions {
            lazy,
            escape: target == Target::Arm,
        },
    })
}

/// [`write_report`](super::write_report) of a lazy export: the same files,
/// the actions read again one at a time as the main file is written.
pub fn write_lazy(export: &LazyExport<'_>, out: &Path) -> std::io::Result<Written> {
    let pointer = match export.export.target {
        Target::Definition => "/actions",
        Target::Arm => "/resources/0/properties/definition/actions",
        Target::Standard => "/definition/actions",
    };
    write_report_with(&export.export, out, Some((pointer, &export.actions)))
}
