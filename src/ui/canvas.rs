//! The graph canvas: draws the core's layout, and turns pointer and keys into
//! view changes (pan, zoom) and selection. It never edits the document.
//!
//! Large workflows stay smooth: boxes and edges outside the view are culled,
//! and below a readable size cards are drawn as plain blocks without text,
//! without per-card widgets.

use super::session::{Derived, Session};
use super::theme::Theme;
use crate::graph::layout::{BoxKind, Layout, Point, Rect as LRect};
use crate::workflow::model::ActionType;
use crate::workflow::tree::{NodeId, Role};
use egui::epaint::text::{LayoutJob, TextWrapping};
use egui::{
    accesskit, pos2, vec2, Color32, CornerRadius, FontId, Id, Pos2, Rect, Response, Sense, Shape,
    Stroke, StrokeKind, Ui, Vec2, WidgetInfo,
};

/// Zoom limits.
const MIN_ZOOM: f32 = 0.02;
const MAX_ZOOM: f32 = 2.5;
/// Below this card height on screen (pixels), cards are drawn without text.
const DETAIL_PX: f32 = 26.0;
/// Margin around the drawing when fitting it to the view.
const FIT_PAD: f32 = 24.0;

/// The view of the canvas and the gestures in progress.
pub struct Canvas {
    /// Where the layout's origin is, relative to the canvas's top-left.
    pub offset: Vec2,
    /// Screen pixels per layout unit.
    pub zoom: f32,
    /// Fit the drawing on the next frame (after open).
    pub fit_pending: bool,
    /// The pending fit is a document's first view: when fitting would make
    /// the cards too small to read, show the top of the drawing readable
    /// instead (Fit and Ctrl+0 still show the whole).
    pub first_view: bool,
    /// Centre on this node on the next frame.
    pub center_pending: Option<NodeId>,
    /// Whether the minimap is shown.
    pub show_minimap: bool,
    rubber_start: Option<Pos2>,
    /// The canvas's screen rectangle in the last frame.
    pub last_rect: Rect,
}

impl Default for Canvas {
    fn default() -> Self {
        Canvas {
            offset: vec2(FIT_PAD, FIT_PAD),
            zoom: 1.0,
            fit_pending: true,
            first_view: true,
            center_pending: None,
            show_minimap: true,
            rubber_start: None,
            last_rect: Rect::NOTHING,
        }
    }
}

/// What the user asked for on the canvas that the app must act on.
#[derive(Debug, Clone, PartialEq)]
pub enum CanvasIntent {
    /// Rename the selected action (double-click on a card, or the menu).
    Rename,
    /// Add an action of a type into an actions object, after a sibling.
    Add {
        /// The action type (a palette entry).
        type_name: String,
        /// Pointer of the actions object.
        container: String,
        /// The sibling it runs after (`None`: first in its list).
        after: Option<String>,
    },
    /// Duplicate the selection.
    Duplicate,
    /// Delete the selection.
    Delete,
    /// Copy the selection as JSON.
    Copy,
    /// Replace the trigger at `pointer` with a new one of `type_name`
    /// (`None`: ask for its JSON).
    ReplaceTrigger {
        /// The trigger.
        pointer: String,
        /// The new trigger's type, or `None` for "Other (JSON)…".
        type_name: Option<String>,
    },
    /// Delete the trigger at `pointer`.
    DeleteTrigger {
        /// The trigger.
        pointer: String,
    },
}

impl Canvas {
    fn to_screen(&self, origin: Pos2, p: Point) -> Pos2 {
        origin + self.offset + vec2(p.x, p.y) * self.zoom
    }

    fn rect_to_screen(&self, origin: Pos2, r: &LRect) -> Rect {
        Rect::from_min_size(
            self.to_screen(origin, Point::new(r.x, r.y)),
            vec2(r.w, r.h) * self.zoom,
        )
    }

    fn to_world(&self, origin: Pos2, p: Pos2) -> Point {
        let v = (p - origin - self.offset) / self.zoom;
        Point::new(v.x, v.y)
    }

    /// Fits the whole drawing into a view of `size`.
    pub fn fit(&mut self, layout: &Layout, size: Vec2) {
        let (w, h) = (layout.size.0.max(1.0), layout.size.1.max(1.0));
        let z = ((size.x - 2.0 * FIT_PAD) / w)
            .min((size.y - 2.0 * FIT_PAD) / h)
            .clamp(MIN_ZOOM, 1.0);
        self.zoom = z;
        self.offset = vec2(
            (size.x - w * z) / 2.0,
            FIT_PAD.min((size.y - h * z) / 2.0).max(FIT_PAD),
        );
    }

    /// The top of the drawing at a readable zoom, centred on the first
    /// node (the trigger) across.
    pub fn top_view(&mut self, layout: &Layout, size: Vec2) {
        self.zoom = 0.8;
        let x = layout.nodes.first().map_or(0.0, |b| b.header.center().x);
        self.offset = vec2(size.x / 2.0 - x * self.zoom, FIT_PAD);
    }

    /// Puts a node in the middle of a view of `size`, zooming in if it
    /// would be too small to read.
    pub fn center_on(&mut self, layout: &Layout, id: NodeId, size: Vec2) {
        let Some(b) = layout.nodes.get(id) else {
            return;
        };
        if self.zoom < 0.6 {
            self.zoom = 0.8;
        }
        let c = b.header.center();
        self.offset = size / 2.0 - vec2(c.x, c.y) * self.zoom;
    }

    /// Zooms by `factor` keeping the layout point under `anchor` still.
    pub fn zoom_at(&mut self, origin: Pos2, anchor: Pos2, factor: f32) {
        let new = (self.zoom * factor).clamp(MIN_ZOOM, MAX_ZOOM);
        let local = anchor - origin;
        self.offset = local - (local - self.offset) * (new / self.zoom);
        self.zoom = new;
    }

    /// Draws the canvas and handles its input. Selection changes go straight
    /// into the session; other requests come back as intents.
    pub fn show(&mut self, ui: &mut Ui, session: &mut Session, theme: &Theme) -> Vec<CanvasIntent> {
        let mut intents = Vec::new();
        let rect = ui.available_rect_before_wrap();
        self.last_rect = rect;
        let origin = rect.min;
        let id = Id::unique("lapis-canvas");
        let bg = ui.interact(rect, id, Sense::click_and_drag());
        bg.widget_info(|| WidgetInfo::labeled(accesskit::Role::Canvas, true, "Workflow canvas"));
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 0.0, theme.canvas_bg);

        session.refresh();
        if self.fit_pending && rect.width() > 10.0 {
            let d = session.current();
            self.fit(&d.layout, rect.size());
            if self.first_view && d_card_h(d) * self.zoom < DETAIL_PX {
                self.top_view(&d.layout, rect.size());
            }
            self.fit_pending = false;
            self.first_view = false;
        }
        if let Some(nid) = self.center_pending.take() {
            self.center_on(&session.current().layout, nid, rect.size());
        }

        self.handle_view_input(ui, &bg, rect);

        let d = session.current();
        let detail = d_card_h(d) * self.zoom >= DETAIL_PX;
        let view = {
            let a = self.to_world(origin, rect.min);
            let b = self.to_world(origin, rect.max);
            LRect::new(a.x, a.y, b.x - a.x, b.y - a.y)
        };

        // Containers (outermost first), then edges, then cards on top.
        let mut containers: Vec<&crate::graph::layout::NodeBox> = d
            .layout
            .nodes
            .iter()
            .filter(|b| b.visible && b.kind == BoxKind::Container && b.rect.intersects(&view))
            .collect();
        containers.sort_by_key(|b| b.depth);
        for b in &containers {
            self.draw_container(&painter, origin, d, b.id, detail, theme, session);
        }
        for br in &d.layout.branches {
            if detail && !br.label.is_empty() && br.label_rect.intersects(&view) {
                let r = self.rect_to_screen(origin, &br.label_rect);
                painter.text(
                    r.left_center() + vec2(4.0 * self.zoom, 0.0),
                    egui::Align2::LEFT_CENTER,
                    &br.label,
                    FontId::proportional((12.0 * self.zoom).clamp(8.0, 16.0)),
                    theme.branch_label,
                );
            }
        }
        self.draw_edges(&painter, origin, &d.layout, &view, detail, theme);

        let mut clicked: Option<(NodeId, bool)> = None;
        let mut double: Option<NodeId> = None;
        let mut toggle: Option<NodeId> = None;
        let mut context: Option<NodeId> = None;
        for b in d.layout.nodes.iter().filter(|b| b.visible) {
            if !b.header.intersects(&view) {
                continue;
            }
            let sr = self.rect_to_screen(origin, &b.header);
            let n = &d.graph.outline.nodes[b.id];
            let selected = session.is_selected(&n.pointer);
            if detail {
                let resp = ui.interact(sr, id.with(("card", b.id)), Sense::click());
                let label = format!("{} ({})", n.name, n.type_name);
                resp.widget_info(|| {
                    WidgetInfo::selected(accesskit::Role::Button, true, selected, &label)
                });
                if resp.clicked() {
                    let add = ui.input(|i| i.modifiers.shift || i.modifiers.command);
                    clicked = Some((b.id, add));
                }
                if resp.double_clicked() {
                    double = Some(b.id);
                }
                if resp.secondary_clicked() {
                    context = Some(b.id);
                }
                resp.context_menu(|ui| card_menu(ui, d, b.id, &mut intents));
                self.draw_card(
                    &painter,
                    sr,
                    d,
                    b.id,
                    b.kind == BoxKind::Container,
                    selected,
                    resp.hovered(),
                    theme,
                );
                if n.ty.is_control() && !n.branches.is_empty() {
                    // The collapse toggle at the right end of the header.
                    let s = (18.0 * self.zoom).clamp(12.0, 22.0);
                    let tr = Rect::from_center_size(
                        pos2(
                            sr.right() - s,
                            sr.top() + s.max(sr.height() / 2.0).min(sr.height() / 2.0),
                        ),
                        vec2(s, s),
                    );
                    let collapsed = session.collapsed.contains(&n.name);
                    let t = ui.interact(tr, id.with(("toggle", b.id)), Sense::click());
                    let tl = format!(
                        "{} {}",
                        if collapsed { "Expand" } else { "Collapse" },
                        n.name
                    );
                    t.widget_info(|| WidgetInfo::labeled(accesskit::Role::Button, true, &tl));
                    painter.text(
                        tr.center(),
                        egui::Align2::CENTER_CENTER,
                        if collapsed { "⊞" } else { "⊟" },
                        FontId::proportional(s),
                        if t.hovered() {
                            theme.accent
                        } else {
                            theme.weak_text
                        },
                    );
                    if t.clicked() {
                        toggle = Some(b.id);
                    }
                }
            } else {
                let fill = if selected {
                    theme.accent
                } else {
                    theme.category(n.role, &n.ty)
                };
                painter.rect_filled(
                    sr,
                    CornerRadius::same((4.0 * self.zoom).min(6.0) as u8),
                    fill,
                );
            }
        }

        // Clicks on cards, or on the background.
        if let Some((nid, add)) = clicked {
            let p = d.graph.outline.nodes[nid].pointer.clone();
            if add {
                if let Some(i) = session.selection.iter().position(|x| *x == p) {
                    session.selection.remove(i);
                } else {
                    session.selection.push(p);
                }
            } else {
                session.selection = vec![p];
            }
        }
        if let Some(nid) = double {
            let n = &session.current().graph.outline.nodes[nid];
            if n.ty.is_control() && !n.branches.is_empty() {
                toggle = Some(nid);
            } else {
                session.select_node(nid);
                intents.push(CanvasIntent::Rename);
            }
        }
        if let Some(nid) = context {
            if !session.is_selected(&session.current().graph.outline.nodes[nid].pointer) {
                session.select_node(nid);
            }
        }
        if let Some(nid) = toggle {
            let name = session.current().graph.outline.nodes[nid].name.clone();
            if !session.collapsed.remove(&name) {
                session.collapsed.insert(name);
            }
            session.invalidate();
            session.refresh();
        }
        if !detail && bg.clicked() {
            // Small cards have no widgets: hit-test the layout.
            if let Some(p) = bg.interact_pointer_pos() {
                let w = self.to_world(origin, p);
                let d = session.current();
                match d.layout.hit_test(w) {
                    Some(nid) => session.select_node(nid),
                    None => session.selection.clear(),
                }
            }
        } else if bg.clicked() && clicked.is_none() {
            session.selection.clear();
        }

        self.rubber_band(ui, &bg, &painter, origin, session, theme);
        // The minimap helps only when part of the drawing is out of view.
        let d = session.current();
        let all = LRect::new(0.0, 0.0, d.layout.size.0, d.layout.size.1);
        if self.show_minimap && !view.contains_rect(&all) {
            self.minimap(ui, rect, d, theme);
        }
        self.zoom_label(ui, rect, theme);
        intents
    }

    fn handle_view_input(&mut self, ui: &Ui, bg: &Response, rect: Rect) {
        let origin = rect.min;
        let shift = ui.input(|i| i.modifiers.shift);
        // Pan: drag on empty space (without Shift, which draws a rubber band),
        // or the middle button anywhere on the canvas.
        if bg.dragged_by(egui::PointerButton::Primary) && !shift && self.rubber_start.is_none() {
            self.offset += bg.drag_delta();
        }
        let hovered = ui.rect_contains_pointer(rect);
        if hovered {
            let (middle, delta, scroll, zoom, pointer) = ui.input(|i| {
                (
                    i.pointer.middle_down(),
                    i.pointer.delta(),
                    i.smooth_scroll_delta,
                    i.zoom_delta(),
                    i.pointer.hover_pos(),
                )
            });
            if middle {
                self.offset += delta;
            }
            if zoom != 1.0 {
                self.zoom_at(origin, pointer.unwrap_or(rect.center()), zoom);
            } else if scroll != Vec2::ZERO {
                self.offset += scroll;
            }
        }
    }

    fn rubber_band(
        &mut self,
        ui: &Ui,
        bg: &Response,
        painter: &egui::Painter,
        origin: Pos2,
        session: &mut Session,
        theme: &Theme,
    ) {
        let shift = ui.input(|i| i.modifiers.shift);
        if bg.drag_started_by(egui::PointerButton::Primary) && shift {
            self.rubber_start = bg.interact_pointer_pos();
        }
        let Some(start) = self.rubber_start else {
            return;
        };
        let Some(now) = ui.input(|i| i.pointer.latest_pos()) else {
            return;
        };
        let r = Rect::from_two_pos(start, now);
        painter.rect_filled(r, 2.0, theme.accent.gamma_multiply(0.12));
        painter.rect_stroke(r, 2.0, Stroke::new(1.0, theme.accent), StrokeKind::Inside);
        if bg.drag_stopped() || !ui.input(|i| i.pointer.primary_down()) {
            self.rubber_start = None;
            let a = self.to_world(origin, r.min);
            let b = self.to_world(origin, r.max);
            let wr = LRect::new(a.x, a.y, b.x - a.x, b.y - a.y);
            let d = session.current();
            let picked: Vec<String> = d
                .layout
                .nodes
                .iter()
                .filter(|n| n.visible && wr.contains_rect(&n.header))
                .map(|n| d.graph.outline.nodes[n.id].pointer.clone())
                .collect();
            session.selection = picked;
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn draw_container(
        &self,
        painter: &egui::Painter,
        origin: Pos2,
        d: &Derived,
        id: NodeId,
        detail: bool,
        theme: &Theme,
        session: &Session,
    ) {
        let b = &d.layout.nodes[id];
        let r = self.rect_to_screen(origin, &b.rect);
        let cr = CornerRadius::same((10.0 * self.zoom).min(10.0) as u8);
        let selected = session.is_selected(&d.graph.outline.nodes[id].pointer);
        painter.rect_filled(r, cr, theme.container_bg(b.depth));
        if detail {
            let stroke = if selected {
                Stroke::new(1.5, theme.accent)
            } else {
                Stroke::new(1.0, theme.container_stroke)
            };
            painter.rect_stroke(r, cr, stroke, StrokeKind::Inside);
        }
        for br in d.layout.branches.iter().filter(|x| x.owner == id) {
            let lr = self.rect_to_screen(origin, &br.rect);
            painter.rect_filled(lr, cr, theme.lane_bg);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn draw_card(
        &self,
        painter: &egui::Painter,
        r: Rect,
        d: &Derived,
        id: NodeId,
        header: bool,
        selected: bool,
        hovered: bool,
        theme: &Theme,
    ) {
        let n = &d.graph.outline.nodes[id];
        let z = self.zoom;
        let cr = CornerRadius::same((8.0 * z).min(8.0) as u8);
        let fill = if header {
            theme.header_bg
        } else {
            theme.card_bg
        };
        painter.rect_filled(r, cr, fill);
        let cat = theme.category(n.role, &n.ty);
        // The category stripe on the left.
        let stripe = Rect::from_min_max(r.min, pos2(r.min.x + (5.0 * z).max(2.0), r.max.y));
        painter.rect_filled(
            stripe,
            CornerRadius {
                nw: cr.nw,
                sw: cr.sw,
                ne: 0,
                se: 0,
            },
            cat,
        );
        let stroke = if selected {
            Stroke::new(2.0, theme.accent)
        } else if hovered {
            Stroke::new(1.0, theme.accent.gamma_multiply(0.7))
        } else {
            Stroke::new(1.0, theme.card_stroke)
        };
        painter.rect_stroke(r, cr, stroke, StrokeKind::Inside);

        // Icon in a soft disc.
        let icon_c = pos2(
            r.left() + 26.0 * z,
            r.top() + r.height().min(64.0 * z) / 2.0,
        );
        painter.circle_filled(icon_c, 14.0 * z, cat.gamma_multiply(0.18));
        painter.text(
            icon_c,
            egui::Align2::CENTER_CENTER,
            icon(n.role, &n.ty),
            FontId::proportional(15.0 * z),
            cat,
        );

        // Badges, from the right.
        let mut right = r.right()
            - 8.0 * z
            - if n.ty.is_control() && !n.branches.is_empty() {
                26.0 * z
            } else {
                0.0
            };
        let badge_font = FontId::proportional(10.5 * z);
        let by = r.top() + 12.0 * z;
        let mut badge = |text: &str, fg: Color32, bg: Color32| {
            let g = painter.layout_no_wrap(text.to_owned(), badge_font.clone(), fg);
            let w = g.size().x + 8.0 * z;
            let br = Rect::from_min_size(pos2(right - w, by - 7.5 * z), vec2(w, 15.0 * z));
            painter.rect_filled(br, CornerRadius::same((7.0 * z) as u8), bg);
            painter.galley(br.min + vec2(4.0 * z, (15.0 * z - g.size().y) / 2.0), g, fg);
            right -= w + 4.0 * z;
        };
        let (errs, warns) = d.node_problems[id];
        if errs > 0 {
            badge(&format!("⛔ {errs}"), Color32::WHITE, theme.error);
        }
        if warns > 0 {
            badge(&format!("⚠ {warns}"), Color32::BLACK, theme.warning);
        }
        if d.secure[id] {
            badge("🔒", theme.text, theme.badge_bg);
        }
        if let Some(a) = d.auth[id] {
            badge(a, theme.text, theme.badge_bg);
        }

        // Name and summary.
        let text_x = r.left() + 48.0 * z;
        let max_w = (right - text_x - 4.0 * z).max(10.0);
        let name_font = FontId::proportional(14.0 * z);
        let sub_font = FontId::proportional(12.0 * z);
        let mut job = LayoutJob::simple_singleline(n.name.clone(), name_font, theme.text);
        job.wrap = TextWrapping::truncate_at_width(max_w);
        let g = painter.layout_job(job);
        let (name_y, sub_y) = if header {
            (
                r.top() + (r.height().min(40.0 * z) - g.size().y) / 2.0,
                None,
            )
        } else {
            (r.top() + 13.0 * z, Some(r.top() + 35.0 * z))
        };
        painter.galley(pos2(text_x, name_y), g, theme.text);
        if let Some(sy) = sub_y {
            let full_w = (r.right() - text_x - 8.0 * z).max(10.0);
            let mut job =
                LayoutJob::simple_singleline(d.summaries[id].clone(), sub_font, theme.weak_text);
            job.wrap = TextWrapping::truncate_at_width(full_w);
            painter.galley(pos2(text_x, sy), painter.layout_job(job), theme.weak_text);
        } else if !d.summaries[id].is_empty() && header {
            // Containers show their summary (the condition, the items) after the name.
        }
    }

    fn draw_edges(
        &self,
        painter: &egui::Painter,
        origin: Pos2,
        l: &Layout,
        view: &LRect,
        detail: bool,
        theme: &Theme,
    ) {
        for e in &l.edges {
            if e.points.len() < 2 {
                continue;
            }
            let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
            for p in &e.points {
                x0 = x0.min(p.x);
                y0 = y0.min(p.y);
                x1 = x1.max(p.x);
                y1 = y1.max(p.y);
            }
            if !LRect::new(x0, y0, (x1 - x0).max(1.0), (y1 - y0).max(1.0)).intersects(view) {
                continue;
            }
            let colour = theme.edge(&e.statuses);
            let pts: Vec<Pos2> = e
                .points
                .iter()
                .map(|p| self.to_screen(origin, *p))
                .collect();
            let width = if detail { 1.5 } else { 1.0 };
            let last = pts[pts.len() - 1];
            let prev = pts[pts.len() - 2];
            painter.add(Shape::line(pts, Stroke::new(width, colour)));
            if detail {
                // Arrowhead into the target's top.
                let dir = (last - prev).normalized();
                let s = 7.0 * self.zoom.clamp(0.6, 1.2);
                let side = vec2(-dir.y, dir.x) * s * 0.55;
                painter.add(Shape::convex_polygon(
                    vec![last, last - dir * s + side, last - dir * s - side],
                    colour,
                    Stroke::NONE,
                ));
                if let Some(at) = e.label_at {
                    if !e.plain {
                        let text = e.statuses.join(", ");
                        painter.text(
                            self.to_screen(origin, at) + vec2(4.0, 0.0),
                            egui::Align2::LEFT_CENTER,
                            text,
                            FontId::proportional((11.0 * self.zoom).clamp(9.0, 13.0)),
                            colour,
                        );
                    }
                }
            }
        }
    }

    fn minimap(&mut self, ui: &mut Ui, rect: Rect, d: &Derived, theme: &Theme) {
        let (w, h) = (d.layout.size.0.max(1.0), d.layout.size.1.max(1.0));
        let max = vec2(180.0, 140.0);
        let s = (max.x / w).min(max.y / h).min(0.1);
        let size = vec2(w * s, h * s).max(vec2(40.0, 30.0));
        let mr = Rect::from_min_size(rect.max - size - vec2(12.0, 12.0), size);
        let resp = ui.interact(
            mr.expand(4.0),
            Id::unique("lapis-minimap"),
            Sense::click_and_drag(),
        );
        resp.widget_info(|| WidgetInfo::labeled(accesskit::Role::Image, true, "Minimap"));
        let painter = ui.painter_at(mr.expand(4.0));
        painter.rect_filled(mr.expand(4.0), 6.0, theme.minimap_bg);
        painter.rect_stroke(
            mr.expand(4.0),
            6.0,
            Stroke::new(1.0, theme.card_stroke),
            StrokeKind::Inside,
        );
        let to_mini =
            |r: &LRect| Rect::from_min_size(mr.min + vec2(r.x, r.y) * s, vec2(r.w, r.h) * s);
        // Top levels only when the workflow is large: the minimap is an overview.
        let limit_depth = if d.layout.nodes.len() > 800 {
            2
        } else {
            usize::MAX
        };
        for b in d
            .layout
            .nodes
            .iter()
            .filter(|b| b.visible && b.depth <= limit_depth)
        {
            let r = to_mini(&b.header);
            if b.kind == BoxKind::Container {
                painter.rect_stroke(
                    to_mini(&b.rect),
                    1.0,
                    Stroke::new(0.5, theme.weak_text),
                    StrokeKind::Inside,
                );
            }
            let n = &d.graph.outline.nodes[b.id];
            painter.rect_filled(r, 0.0, theme.category(n.role, &n.ty).gamma_multiply(0.8));
        }
        // The part of the drawing in view.
        let origin = rect.min;
        let a = self.to_world(origin, rect.min);
        let b = self.to_world(origin, rect.max);
        let vr = to_mini(&LRect::new(a.x, a.y, b.x - a.x, b.y - a.y)).intersect(mr.expand(2.0));
        painter.rect_stroke(vr, 2.0, Stroke::new(1.5, theme.accent), StrokeKind::Inside);
        if resp.clicked() || resp.dragged() {
            if let Some(p) = resp.interact_pointer_pos() {
                let world = (p - mr.min) / s;
                self.offset = rect.size() / 2.0 - world * self.zoom;
            }
        }
    }

    fn zoom_label(&self, ui: &Ui, rect: Rect, theme: &Theme) {
        ui.painter().text(
            pos2(rect.left() + 10.0, rect.bottom() - 10.0),
            egui::Align2::LEFT_BOTTOM,
            format!("{:.0}%", self.zoom * 100.0),
            FontId::proportional(12.0),
            theme.weak_text,
        );
    }

    /// Moves the selection to the nearest card in a direction (arrow keys).
    pub fn step_selection(&mut self, session: &mut Session, dir: Vec2) {
        let d = session.current();
        let Some(cur) = session.selected_node() else {
            // Nothing selected: start at the first trigger or action.
            if let Some(first) = d
                .graph
                .outline
                .triggers
                .first()
                .or(d.graph.outline.top.first())
            {
                let f = *first;
                session.select_node(f);
                self.center_pending = Some(f);
            }
            return;
        };
        let from = d.layout.nodes[cur].header.center();
        let mut best: Option<(f32, NodeId)> = None;
        for b in d.layout.nodes.iter().filter(|b| b.visible && b.id != cur) {
            let c = b.header.center();
            let v = vec2(c.x - from.x, c.y - from.y);
            let along = v.dot(dir);
            if along <= 1.0 {
                continue;
            }
            let across = (v - dir * along).length();
            // Prefer cards straight ahead: sideways distance costs double.
            let score = along + 2.0 * across;
            if best.is_none_or(|(s, _)| score < s) {
                best = Some((score, b.id));
            }
        }
        if let Some((_, nid)) = best {
            session.select_node(nid);
            let r = self.rect_to_screen(
                self.last_rect.min,
                &session.current().layout.nodes[nid].header,
            );
            if !self.last_rect.contains_rect(r) {
                self.center_pending = Some(nid);
            }
        }
    }
}

/// The right-click menu of a card: add after it or inside its branches,
/// rename, duplicate, copy, delete.
fn card_menu(ui: &mut Ui, d: &Derived, id: NodeId, intents: &mut Vec<CanvasIntent>) {
    use crate::workflow::edit::PALETTE;
    let o = &d.graph.outline;
    let n = &o.nodes[id];
    let mut palette = |ui: &mut Ui, container: String, after: Option<String>| {
        for (t, label) in PALETTE {
            if ui.button(*label).clicked() {
                intents.push(CanvasIntent::Add {
                    type_name: (*t).to_owned(),
                    container: container.clone(),
                    after: after.clone(),
                });
                ui.close();
            }
        }
    };
    if n.role == Role::Action {
        let container = match n.parent {
            Some((p, b)) => o.nodes[p].branches[b].actions_pointer.clone(),
            None => format!("{}/actions", o.definition_pointer),
        };
        ui.menu_button("Add after", |ui| {
            palette(ui, container, Some(n.name.clone()))
        });
    } else {
        // After a trigger: first at the top level.
        let container = format!("{}/actions", o.definition_pointer);
        ui.menu_button("Add first action", |ui| palette(ui, container, None));
    }
    for br in &n.branches {
        let label = match br.kind.label() {
            l if l.is_empty() => "Add inside".to_owned(),
            l => format!("Add inside {l}"),
        };
        let container = br.actions_pointer.clone();
        ui.menu_button(label, |ui| palette(ui, container, None));
    }
    ui.separator();
    for (label, intent) in [
        ("Rename", CanvasIntent::Rename),
        ("Duplicate", CanvasIntent::Duplicate),
        ("Copy as JSON", CanvasIntent::Copy),
        ("Delete", CanvasIntent::Delete),
    ] {
        let enabled = n.role == Role::Action || matches!(intent, CanvasIntent::Rename);
        if ui.add_enabled(enabled, egui::Button::new(label)).clicked() {
            intents.push(intent);
            ui.close();
        }
    }
    if n.role == Role::Trigger {
        trigger_menu(ui, &n.pointer, intents);
    }
}

/// The trigger card's own entries: Replace trigger ▸ (each type, or its
/// JSON), and Delete trigger.
fn trigger_menu(ui: &mut Ui, pointer: &str, intents: &mut Vec<CanvasIntent>) {
    ui.separator();
    ui.menu_button("Replace trigger", |ui| {
        for (t, label) in crate::workflow::edit::TRIGGER_PALETTE {
            if ui
                .button(*label)
                .accessible_name(format!("Replace with a {label} trigger"))
                .clicked()
            {
                intents.push(CanvasIntent::ReplaceTrigger {
                    pointer: pointer.to_owned(),
                    type_name: Some((*t).to_owned()),
                });
                ui.close();
            }
        }
        if ui
            .button("Other (JSON)…")
            .accessible_name("Replace with another trigger, as JSON")
            .clicked()
        {
            intents.push(CanvasIntent::ReplaceTrigger {
                pointer: pointer.to_owned(),
                type_name: None,
            });
            ui.close();
        }
    });
    if ui.button("Delete trigger").clicked() {
        intents.push(CanvasIntent::DeleteTrigger {
            pointer: pointer.to_owned(),
        });
        ui.close();
    }
}

fn d_card_h(d: &Derived) -> f32 {
    d.layout
        .nodes
        .iter()
        .find(|b| b.kind == BoxKind::Card)
        .map(|b| b.header.h)
        .unwrap_or(64.0)
}

/// The icon of a node's type.
pub fn icon(role: Role, ty: &ActionType) -> &'static str {
    use ActionType as T;
    match (role, ty) {
        (_, T::Request) => "⚡",
        (_, T::Recurrence) => "⏰",
        (_, T::Http) | (_, T::HttpWebhook) => "🌐",
        (_, T::Response) => "↩",
        (_, T::If) => "🔀",
        (_, T::Switch) => "☰",
        (_, T::Foreach) => "🔁",
        (_, T::Until) => "↻",
        (_, T::Scope) => "▣",
        (_, T::Agent) => "✨",
        (_, T::Compose) => "✏",
        (_, T::ParseJson) | (_, T::Query) | (_, T::Select) | (_, T::Table) | (_, T::Join) => "{ }",
        (_, T::InitializeVariable)
        | (_, T::SetVariable)
        | (_, T::IncrementVariable)
        | (_, T::DecrementVariable)
        | (_, T::AppendToArrayVariable) => "📦",
        (_, T::Terminate) => "⏹",
        (_, T::Wait) => "⌛",
        (Role::Trigger, _) => "⚡",
        _ => "⚙",
    }
}
