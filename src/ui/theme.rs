//! Colours of the designer, for the dark and the light system preference.

use crate::workflow::model::ActionType;
use crate::workflow::tree::Role;
use egui::Color32;

/// The palette the canvas and panels draw with.
#[derive(Debug, Clone)]
pub struct Theme {
    /// Dark or light.
    pub dark: bool,
    /// Behind the graph.
    pub canvas_bg: Color32,
    /// A card's face.
    pub card_bg: Color32,
    /// A container's header strip.
    pub header_bg: Color32,
    /// A card's outline.
    pub card_stroke: Color32,
    /// A container's outline.
    pub container_stroke: Color32,
    /// A branch lane's face.
    pub lane_bg: Color32,
    /// Main text.
    pub text: Color32,
    /// Secondary text.
    pub weak_text: Color32,
    /// Branch labels ("True", "Case x").
    pub branch_label: Color32,
    /// Selection and focus.
    pub accent: Color32,
    /// Errors.
    pub error: Color32,
    /// Warnings.
    pub warning: Color32,
    /// Neutral badges.
    pub badge_bg: Color32,
    /// The minimap's face.
    pub minimap_bg: Color32,
    edge_plain: Color32,
    edge_failed: Color32,
    edge_skipped: Color32,
}

impl Theme {
    /// The palette for a dark or light window.
    pub fn new(dark: bool) -> Theme {
        if dark {
            Theme {
                dark,
                canvas_bg: Color32::from_rgb(22, 25, 30),
                card_bg: Color32::from_rgb(38, 43, 51),
                header_bg: Color32::from_rgb(44, 50, 60),
                card_stroke: Color32::from_rgb(64, 72, 84),
                container_stroke: Color32::from_rgb(58, 66, 78),
                lane_bg: Color32::from_rgba_unmultiplied(255, 255, 255, 6),
                text: Color32::from_rgb(230, 234, 240),
                weak_text: Color32::from_rgb(150, 160, 174),
                branch_label: Color32::from_rgb(170, 182, 198),
                accent: Color32::from_rgb(88, 166, 255),
                error: Color32::from_rgb(220, 72, 72),
                warning: Color32::from_rgb(236, 180, 60),
                badge_bg: Color32::from_rgb(58, 66, 78),
                minimap_bg: Color32::from_rgba_unmultiplied(30, 34, 40, 235),
                edge_plain: Color32::from_rgb(120, 134, 152),
                edge_failed: Color32::from_rgb(232, 98, 92),
                edge_skipped: Color32::from_rgb(214, 170, 70),
            }
        } else {
            Theme {
                dark,
                canvas_bg: Color32::from_rgb(244, 246, 249),
                card_bg: Color32::WHITE,
                header_bg: Color32::from_rgb(250, 251, 253),
                card_stroke: Color32::from_rgb(206, 212, 222),
                container_stroke: Color32::from_rgb(196, 204, 216),
                lane_bg: Color32::from_rgba_unmultiplied(0, 0, 0, 6),
                text: Color32::from_rgb(28, 34, 44),
                weak_text: Color32::from_rgb(96, 106, 120),
                branch_label: Color32::from_rgb(80, 92, 110),
                accent: Color32::from_rgb(0, 110, 220),
                error: Color32::from_rgb(200, 40, 40),
                warning: Color32::from_rgb(230, 170, 30),
                badge_bg: Color32::from_rgb(232, 236, 242),
                minimap_bg: Color32::from_rgba_unmultiplied(255, 255, 255, 235),
                edge_plain: Color32::from_rgb(128, 140, 156),
                edge_failed: Color32::from_rgb(200, 50, 45),
                edge_skipped: Color32::from_rgb(170, 120, 0),
            }
        }
    }

    /// The face of a container at a nesting depth (deeper is a shade darker
    /// or lighter, so nesting reads at a glance).
    pub fn container_bg(&self, depth: usize) -> Color32 {
        let k = (depth.min(6) as u8) * 5;
        if self.dark {
            Color32::from_rgb(30 + k, 34 + k, 41 + k)
        } else {
            Color32::from_rgb(232 - k, 236 - k, 242 - k)
        }
    }

    /// The colour of a node's category: triggers, HTTP, control, data,
    /// variables, responses, others.
    pub fn category(&self, role: Role, ty: &ActionType) -> Color32 {
        use ActionType as T;
        let (r, g, b) = match (role, ty) {
            (Role::Trigger, _) => (34, 160, 90),
            (_, T::Http) | (_, T::HttpWebhook) => (40, 120, 220),
            (_, T::If)
            | (_, T::Switch)
            | (_, T::Foreach)
            | (_, T::Until)
            | (_, T::Scope)
            | (_, T::Agent) => (130, 90, 210),
            (_, T::Response) => (220, 120, 40),
            (_, T::Compose)
            | (_, T::ParseJson)
            | (_, T::Query)
            | (_, T::Select)
            | (_, T::Table)
            | (_, T::Join) => (20, 150, 160),
            (_, T::InitializeVariable)
            | (_, T::SetVariable)
            | (_, T::IncrementVariable)
            | (_, T::DecrementVariable)
            | (_, T::AppendToArrayVariable) => (190, 80, 150),
            _ => (110, 120, 135),
        };
        Color32::from_rgb(r, g, b)
    }

    /// The colour of a run-after edge by its statuses.
    pub fn edge(&self, statuses: &[String]) -> Color32 {
        let has = |s: &str| statuses.iter().any(|x| x.eq_ignore_ascii_case(s));
        if has("Failed") || has("TimedOut") {
            self.edge_failed
        } else if has("Skipped") {
            self.edge_skipped
        } else {
            self.edge_plain
        }
    }
}
