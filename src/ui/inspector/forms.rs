//! The forms of the inspector, by trigger and action type.

use super::InspectorState;
use crate::ui::session::Session;
use crate::ui::theme::Theme;
use crate::workflow::tree::NodeId;
use egui::Ui;

/// Draws the form of node `id`.
pub fn show(
    ui: &mut Ui,
    st: &mut InspectorState,
    session: &mut Session,
    id: NodeId,
    theme: &Theme,
) {
    let _ = (st, theme);
    let n = &session.current().graph.outline.nodes[id];
    ui.label(format!("Form for {} comes next.", n.type_name));
}
