//! What the inspector keeps between frames: the tab shown, the text being
//! typed, the secrets revealed, the forms' state. The bottom of the
//! inspector's modules: it uses none of them but the certificate job's type.

use std::collections::{HashMap, HashSet};

/// Which view the inspector shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    /// The form of the selection.
    #[default]
    Form,
    /// The selection as JSON.
    Code,
    /// The whole workflow as JSON.
    Workflow,
    /// Send the selected HTTP action for real.
    Test,
}

/// What the inspector keeps between frames.
#[derive(Debug, Default)]
pub struct InspectorState {
    /// The tab shown.
    pub tab: Tab,
    /// Text being typed in fields, by key (JSON pointer and field).
    pub buffers: HashMap<String, String>,
    /// Fields whose secret value is shown in clear.
    pub revealed: std::collections::HashSet<String>,
    /// What the forms keep between frames (pending rows, errors, …).
    pub forms: FormsState,
    /// Test calls: options, results, history, the session's secrets and
    /// tokens.
    pub tests: crate::ui::testcall::TestCalls,
    /// The code view's text, and the revision and pointer it was made from.
    pub(crate) code: Option<CodeBuffer>,
    /// A comparison in progress: the selection's changes are shown.
    pub compare: Option<std::sync::Arc<crate::ui::compare::Decor>>,
}

/// The code view's text, and the revision and pointer it was made from.
#[derive(Debug)]
pub(crate) struct CodeBuffer {
    pub(crate) pointer: String,
    pub(crate) revision: u64,
    pub(crate) text: String,
    pub(crate) edited: bool,
}

/// What the forms keep between frames, besides the text buffers and the
/// revealed secrets of [`InspectorState`]. Its `Debug` shows no values:
/// pending rows may hold secrets.
#[derive(Default)]
pub struct FormsState {
    /// Per buffered field: the version (hash) of the document value the
    /// buffer was last in step with. When the document differs, the buffer
    /// is re-read.
    pub(crate) synced: HashMap<String, u64>,
    /// Per pointer: the document revision and the hash of the value there.
    pub(crate) versions: HashMap<String, (u64, u64)>,
    /// Per field: the document revision and the text shown for it.
    pub(crate) texts: HashMap<(String, Kind, bool), (u64, String)>,
    /// Per field: the hash of the text and the notes about its syntax.
    pub(crate) syntax: HashMap<String, (u64, Vec<Note>)>,
    /// Rows added to a key/value table that have no name yet, by the
    /// table's pointer: (name, value).
    pub(crate) pending: HashMap<String, Vec<(String, String)>>,
    /// Combo boxes switched to free text (an expression), by pointer.
    pub(crate) expression_mode: HashSet<String>,
    /// Large values the user chose to edit in the form anyway, by pointer.
    pub(crate) large_ok: HashSet<String>,
    /// The last refusal of an edit, by field or section key.
    pub(crate) errors: HashMap<String, String>,
    /// Secret fields moved to a secure parameter: pointer → parameter name.
    pub(crate) moved: HashMap<String, String>,
    /// The node the form was last drawn for.
    pub(crate) shown: Option<String>,
    /// Schemas whose "sample payload" box is open: pointer → sample text.
    pub(crate) samples: HashMap<String, String>,
    /// Conditions shown as JSON (advanced mode), by pointer.
    pub(crate) advanced: HashSet<String>,
    /// The access control editor's state (ranges being typed).
    pub(crate) access: crate::ui::security::AccessEditorState,
    /// The in-app "Pfx file path" field.
    pub(crate) pfx_path: String,
    /// A certificate file being read in the background.
    pub(crate) pfx_job: Option<super::pfx::PfxJob>,
    /// The outcome of the last certificate load: (is an error, message).
    pub(crate) pfx_note: Option<(bool, String)>,
}

impl std::fmt::Debug for FormsState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FormsState")
            .field("shown", &self.shown)
            .field("buffers_in_step", &self.synced.len())
            .field(
                "pending_rows",
                &self.pending.values().map(Vec::len).sum::<usize>(),
            )
            .field("errors", &self.errors.len())
            .field("loading_pfx", &self.pfx_job.is_some())
            .finish_non_exhaustive()
    }
}

impl FormsState {
    /// Forgets what belongs to the previously shown node.
    pub(crate) fn reset_for(&mut self, pointer: &str) {
        self.pending.clear();
        self.expression_mode.clear();
        self.large_ok.clear();
        self.errors.clear();
        self.moved.clear();
        self.synced.clear();
        self.versions.clear();
        self.texts.clear();
        self.syntax.clear();
        self.pfx_note = None;
        self.samples.clear();
        self.advanced.clear();
        self.access = Default::default();
        self.shown = Some(pointer.to_owned());
    }
}

/// How a field's text maps to a JSON value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    /// Always a string.
    Text,
    /// A whole number when the text is one, else a string (an expression).
    Int,
    /// A number when the text is one, else a string (an expression).
    Number,
    /// The JSON value when the text parses as JSON, else the text as a
    /// string (plain text or an expression).
    JsonOrText,
    /// JSON only: invalid text is shown as such and not applied.
    Json,
    /// A JSON object only (a whole trigger or action).
    JsonObject,
}

/// A line under a field.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Note {
    /// Information.
    Weak(String),
    /// Something to look at.
    Warning(String),
    /// Something wrong.
    Error(String),
    /// A secret in clear: the warning and the "Move to secure parameter"
    /// button.
    SecretInClear,
}
