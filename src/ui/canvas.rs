//! The graph canvas: draws the core's layout, and turns pointer and keys into
//! view changes (pan, zoom), selection, and the edits made on the drawing
//! itself: insert from a "+", move a card by dragging it, edit the run-after
//! of an edge. Those go through the session as one undoable edit each.
//!
//! Large workflows stay smooth: boxes and edges outside the view are culled,
//! and below a readable size cards are drawn as plain blocks without text,
//! without per-card widgets.

use super::session::{Derived, Session};
use super::theme::Theme;
use crate::graph::layout::{BoxKind, EdgeRoute, Layout, Point, Rect as LRect};
use crate::workflow::edit::{default_name, new_action, Edit, Place, PALETTE};
use crate::workflow::model::ActionType;
use crate::workflow::tree::{NodeId, Role};
use egui::epaint::text::{LayoutJob, TextWrapping};
use egui::{
    accesskit, pos2, vec2, Color32, CornerRadius, FontId, Id, Pos2, Rect, Response, Sense, Shape,
    Stroke, StrokeKind, Ui, Vec2, WidgetInfo,
};
use std::collections::HashMap;

/// Zoom limits.
const MIN_ZOOM: f32 = 0.02;
const MAX_ZOOM: f32 = 2.5;
/// Below this card height on screen (pixels), cards are drawn without text.
const DETAIL_PX: f32 = 26.0;
/// Margin around the drawing when fitting it to the view.
const FIT_PAD: f32 = 24.0;
/// Fit never goes below this zoom: at 60 % a card's name is 8.4 px, the
/// smallest size that reads. A drawing too big for it is fitted to the
/// width (or shown at this zoom from its top-left when even the width does
/// not fit) and starts at the top; the minimap shows the whole.
pub const READABLE_ZOOM: f32 = 0.6;
/// Zoom to selection never goes beyond this.
const SELECTION_MAX_ZOOM: f32 = 1.5;
/// Height of the strip above the drawing (breadcrumb, zoom).
const STRIP_H: f32 = 24.0;
/// Width of the minimap's column at the right of the drawing.
const MINIMAP_W: f32 = 200.0;
/// The minimap's smallest extent on either axis (pixels), so a very wide
/// or very tall drawing still gives a readable map.
const MINIMAP_MIN: f32 = 140.0;

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
    /// Bring this node into view on the next frame, panning no more than
    /// needed (what stays in view keeps its place).
    pub reveal_pending: Option<NodeId>,
    /// Whether the minimap is shown.
    pub show_minimap: bool,
    rubber: Option<Band>,
    /// The card being dragged, if any.
    drag: Option<CardDrag>,
    /// The selected run-after edge, if any.
    edge: Option<EdgeSel>,
    /// The canvas's screen rectangle in the last frame.
    pub last_rect: Rect,
    /// A run shown on the canvas: what to draw over each card, by name.
    pub run_overlay: std::collections::HashMap<String, super::run_view::CardOverlay>,
    /// Zoom to the selection on the next frame (F, View menu).
    pub zoom_selection_pending: bool,
    /// Search matches to ring on the canvas, and the current one.
    pub marks: Vec<NodeId>,
    /// The current search match (ringed more strongly).
    pub mark_current: Option<NodeId>,
    /// A comparison shown on the canvas: what to draw on each card and
    /// edge (see `compare`).
    pub compare: Option<std::sync::Arc<super::compare::Decor>>,
    /// The card under the pointer in the last frame.
    hover_node: Option<NodeId>,
    /// The edge under the pointer in the last frame.
    hover_edge: Option<usize>,
    /// What the last frame drew, for tests and tools: the edges drawn
    /// highlighted (touching the selected or hovered card), how many were
    /// dimmed, and the rings around search matches.
    pub drawn: Drawn,
}

/// What the last frame drew (see [`Canvas::drawn`]).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Drawn {
    /// Highlighted edges, as (source, target); `None` for an entry edge.
    pub highlighted: Vec<(Option<NodeId>, NodeId)>,
    /// Edges drawn dimmed.
    pub dimmed: usize,
    /// Nodes drawn with a search ring.
    pub rings: Vec<NodeId>,
    /// Crossings drawn as hops.
    pub hops: usize,
    /// The breadcrumb shown (outermost first).
    pub breadcrumb: Vec<String>,
    /// Containers whose title was drawn at the canvas's left edge (their
    /// own left edge being off screen).
    pub sticky: Vec<NodeId>,
}

impl Default for Canvas {
    fn default() -> Self {
        Canvas {
            offset: vec2(FIT_PAD, FIT_PAD),
            zoom: 1.0,
            fit_pending: true,
            first_view: true,
            center_pending: None,
            reveal_pending: None,
            show_minimap: true,
            rubber: None,
            drag: None,
            edge: None,
            last_rect: Rect::NOTHING,
            run_overlay: Default::default(),
            zoom_selection_pending: false,
            marks: Vec::new(),
            mark_current: None,
            compare: None,
            hover_node: None,
            hover_edge: None,
            drawn: Drawn::default(),
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

    /// Fits the drawing into a view of `size`, never below
    /// [`READABLE_ZOOM`]: a drawing that fits whole at a readable zoom is
    /// shown whole (at most 100 %); a bigger one is fitted to the width and
    /// starts at the top; one too wide even for that is shown at the
    /// readable zoom from the top, centred on the first node (the trigger).
    pub fn fit(&mut self, layout: &Layout, size: Vec2) {
        let (w, h) = (layout.size.0.max(1.0), layout.size.1.max(1.0));
        let zw = (size.x - 2.0 * FIT_PAD) / w;
        let zh = (size.y - 2.0 * FIT_PAD) / h;
        let whole = zw.min(zh).min(1.0);
        if whole >= READABLE_ZOOM {
            self.zoom = whole;
            self.offset = vec2(
                (size.x - w * whole) / 2.0,
                FIT_PAD.max((size.y - h * whole) / 2.0),
            );
            return;
        }
        let z = zw.clamp(READABLE_ZOOM, 1.0);
        self.zoom = z;
        let x = if w * z + 2.0 * FIT_PAD <= size.x {
            (size.x - w * z) / 2.0
        } else {
            let cx = layout
                .nodes
                .first()
                .map_or(w / 2.0, |b| b.header.center().x);
            (size.x / 2.0 - cx * z).clamp(size.x - FIT_PAD - w * z, FIT_PAD)
        };
        self.offset = vec2(x, FIT_PAD);
    }

    /// Zooms so that the selected nodes fill the view (at most 150 %),
    /// centred. Nothing selected: nothing happens.
    pub fn zoom_to(&mut self, layout: &Layout, ids: &[NodeId], size: Vec2) {
        let mut bounds: Option<LRect> = None;
        for &id in ids {
            let Some(b) = layout.nodes.get(id).filter(|b| b.visible) else {
                continue;
            };
            let r = b.rect;
            bounds = Some(match bounds {
                None => r,
                Some(u) => {
                    let (x0, y0) = (u.x.min(r.x), u.y.min(r.y));
                    let (x1, y1) = (u.right().max(r.right()), u.bottom().max(r.bottom()));
                    LRect::new(x0, y0, x1 - x0, y1 - y0)
                }
            });
        }
        let Some(r) = bounds else { return };
        let z = ((size.x - 2.0 * FIT_PAD) / r.w.max(1.0))
            .min((size.y - 2.0 * FIT_PAD) / r.h.max(1.0))
            .clamp(MIN_ZOOM, SELECTION_MAX_ZOOM);
        self.zoom = z;
        let c = r.center();
        self.offset = size / 2.0 - vec2(c.x, c.y) * z;
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

    /// Brings a node's card into a view of `size` with the smallest pan
    /// (a margin of [`FIT_PAD`] around it); a card already in view does not
    /// move. Too small to read, or bigger than the view: centred instead.
    pub fn reveal(&mut self, layout: &Layout, id: NodeId, size: Vec2) {
        let Some(b) = layout.nodes.get(id) else {
            return;
        };
        let r = b.header;
        let (w, h) = (r.w * self.zoom, r.h * self.zoom);
        if self.zoom < READABLE_ZOOM || w + 2.0 * FIT_PAD > size.x || h + 2.0 * FIT_PAD > size.y {
            self.center_on(layout, id, size);
            return;
        }
        let (x0, y0) = (
            self.offset.x + r.x * self.zoom,
            self.offset.y + r.y * self.zoom,
        );
        let shift = |lo: f32, len: f32, room: f32| {
            if lo < FIT_PAD {
                FIT_PAD - lo
            } else if lo + len > room - FIT_PAD {
                room - FIT_PAD - (lo + len)
            } else {
                0.0
            }
        };
        self.offset += vec2(shift(x0, w, size.x), shift(y0, h, size.y));
    }

    /// Zooms by `factor` keeping the layout point under `anchor` still.
    pub fn zoom_at(&mut self, origin: Pos2, anchor: Pos2, factor: f32) {
        let new = (self.zoom * factor).clamp(MIN_ZOOM, MAX_ZOOM);
        let local = anchor - origin;
        self.offset = local - (local - self.offset) * (new / self.zoom);
        self.zoom = new;
    }

    /// Draws the canvas and handles its input. Selection changes go straight
    /// into the session, and so do the canvas's own edits (insert from a
    /// "+", move by dragging or Alt+arrows, run-after from an edge), each one
    /// undoable step; other requests come back as intents.
    pub fn show(&mut self, ui: &mut Ui, session: &mut Session, theme: &Theme) -> Vec<CanvasIntent> {
        let mut intents = Vec::new();
        // The strip above the drawing (breadcrumb, zoom) and the minimap's
        // column at its right are their own: they never cover a card.
        let full = ui.available_rect_before_wrap();
        let strip = Rect::from_min_max(full.min, pos2(full.max.x, full.min.y + STRIP_H));
        let below = Rect::from_min_max(pos2(full.min.x, strip.max.y), full.max);
        let narrow = Rect::from_min_max(below.min, pos2(below.max.x - MINIMAP_W, below.max.y));
        session.refresh();
        let can_map = self.show_minimap && narrow.width() > 200.0;
        if self.fit_pending && below.width() > 10.0 {
            let d = session.current();
            self.fit(&d.layout, below.size());
            if can_map && !self.shows_all(&d.layout, below) {
                self.fit(&d.layout, narrow.size());
            }
            self.fit_pending = false;
            self.first_view = false;
        }
        let with_map = can_map && !self.shows_all(&session.current().layout, below);
        let rect = if with_map { narrow } else { below };
        self.last_rect = rect;
        let origin = rect.min;
        let id = Id::unique("lapis-canvas");
        let bg = ui.interact(rect, id, Sense::click_and_drag());
        bg.widget_info(|| WidgetInfo::labeled(accesskit::Role::Canvas, true, "Workflow canvas"));
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 0.0, theme.canvas_bg);

        if let Some(nid) = self.center_pending.take() {
            self.center_on(&session.current().layout, nid, rect.size());
        }
        if let Some(nid) = self.reveal_pending.take() {
            self.reveal(&session.current().layout, nid, rect.size());
        }
        let zoom_key = ui.input(|i| i.key_pressed(egui::Key::F) && i.modifiers.is_none())
            && !ui.ctx().egui_wants_keyboard_input();
        if std::mem::take(&mut self.zoom_selection_pending) || zoom_key {
            let d = session.current();
            let ids: Vec<NodeId> = session
                .selection
                .iter()
                .filter_map(|p| super::session::node_of_pointer(&d.graph, p))
                .collect();
            self.zoom_to(&d.layout, &ids, rect.size());
        }

        self.start_rubber_band(ui, &bg);
        self.handle_view_input(ui, &bg, rect);
        self.move_keys(ui, session);

        let view = {
            let a = self.to_world(origin, rect.min);
            let b = self.to_world(origin, rect.max);
            LRect::new(a.x, a.y, b.x - a.x, b.y - a.y)
        };
        // Card summaries are read when a card is first drawn with its text.
        if d_card_h(session.current()) * self.zoom >= DETAIL_PX {
            let shown: Vec<NodeId> = session
                .current()
                .layout
                .nodes
                .iter()
                .filter(|b| b.visible && b.header.intersects(&view))
                .map(|b| b.id)
                .collect();
            session.summaries_for(shown);
        }
        let d = session.current();
        let detail = d_card_h(d) * self.zoom >= DETAIL_PX;
        // The selected edge must still exist.
        if let Some(e) = &self.edge {
            if edge_statuses(d, e).is_none() {
                self.edge = None;
            }
        }

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
        let counts = if detail {
            EdgeCounts::of(d)
        } else {
            EdgeCounts::default()
        };
        let selected_edge = self.edge.as_ref().and_then(|e| e.route(d));
        // The selected cards and the one under the pointer: their edges are
        // highlighted, the others dimmed.
        let mut focus: Vec<NodeId> = session
            .selection
            .iter()
            .filter_map(|p| super::session::node_of_pointer(&d.graph, p))
            .collect();
        focus.extend(self.hover_node.filter(|&n| n < d.layout.nodes.len()));
        let hover_edge = self.hover_edge.filter(|&e| e < d.layout.edges.len());
        self.drawn = Drawn::default();
        self.draw_edges(
            &painter,
            origin,
            &d.layout,
            &view,
            detail,
            theme,
            selected_edge,
            &focus,
            hover_edge,
        );

        // Edges are clickable (to edit their run-after) where they are
        // their own, once the drawing is readable.
        let handles = detail && self.zoom >= PLUS_ZOOM && self.drag.is_none();
        let mut edge_clicked: Option<EdgeSel> = None;
        let mut hovered_edge: Option<usize> = None;
        let mut hovered_node: Option<NodeId> = None;
        if handles {
            for (ei, e) in d.layout.edges.iter().enumerate() {
                let Some(from) = e.from else { continue };
                let (a, b) = own_segment(e, &counts, d);
                let (sa, sb) = (self.to_screen(origin, a), self.to_screen(origin, b));
                let r = Rect::from_two_pos(sa, sb).expand(4.0);
                if !r.intersects(rect) {
                    continue;
                }
                let o = &d.graph.outline;
                let (fname, tname) = (&o.nodes[from].name, &o.nodes[e.to].name);
                let resp = ui.interact(r, id.with(("edge", from, e.to)), Sense::click());
                let sel = selected_edge == Some(ei);
                let label = format!("Edge from {fname} to {tname}");
                resp.widget_info(|| {
                    WidgetInfo::selected(accesskit::Role::Button, true, sel, &label)
                });
                let c = self.compare.as_deref();
                super::compare::describe_edge(ui, c, &d.layout, Some(from), e.to, &resp);
                if resp.hovered() {
                    hovered_edge = Some(ei);
                }
                let resp = resp.on_hover_text(edge_tip(d, e));
                if resp.clicked() {
                    edge_clicked = Some(EdgeSel::of(d, from, e.to));
                }
            }
        }

        let mut clicked: Option<(NodeId, bool)> = None;
        let mut double: Option<NodeId> = None;
        let mut toggle: Option<NodeId> = None;
        let mut context: Option<NodeId> = None;
        let mut menu_edits: Vec<Edit> = Vec::new();
        let mut drag_started: Option<(NodeId, Vec2)> = None;
        for b in d.layout.nodes.iter().filter(|b| b.visible) {
            if !b.header.intersects(&view) {
                continue;
            }
            let sr = self.rect_to_screen(origin, &b.header);
            let n = &d.graph.outline.nodes[b.id];
            let selected = session.is_selected(&n.pointer);
            if detail {
                // Actions can be dragged to move them; triggers cannot.
                let sense = if n.role == Role::Action {
                    Sense::click_and_drag()
                } else {
                    Sense::click()
                };
                let resp = ui.interact(sr, id.with(("card", b.id)), sense);
                let label = format!("{} ({})", n.name, n.type_name);
                resp.widget_info(|| {
                    WidgetInfo::selected(accesskit::Role::Button, true, selected, &label)
                });
                if resp.hovered() {
                    hovered_node = Some(b.id);
                }
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
                if resp.drag_started_by(egui::PointerButton::Primary) && self.rubber.is_none() {
                    // Where the button went down, not where the drag began.
                    let at = ui
                        .input(|i| i.pointer.press_origin())
                        .or(resp.interact_pointer_pos())
                        .unwrap_or(sr.center());
                    drag_started = Some((b.id, at - sr.min));
                }
                resp.context_menu(|ui| {
                    card_menu(ui, d, b.id, &mut intents);
                    move_menu(ui, d, b.id, &mut menu_edits);
                });
                let dragged = self.drag.as_ref().is_some_and(|g| g.id == b.id);
                self.draw_card(
                    &painter,
                    sr,
                    d,
                    b.id,
                    b.kind == BoxKind::Container,
                    selected || dragged,
                    resp.hovered(),
                    theme,
                );
                let c = self.compare.as_deref();
                super::compare::decorate_card(ui, &painter, c, d, b.id, sr, &resp, self.zoom);
                if let Some(o) = self.run_overlay.get(&n.name) {
                    let toggle = if n.ty.is_control() && !n.branches.is_empty() {
                        2.0 * (18.0 * self.zoom).clamp(12.0, 22.0)
                    } else {
                        0.0
                    };
                    super::run_view::draw_overlay(&painter, sr, self.zoom, toggle, o);
                }
                // A container whose left edge is off screen keeps its title
                // at the visible edge.
                if b.kind == BoxKind::Container
                    && sr.left() < rect.left()
                    && sr.right() > rect.left() + 80.0
                {
                    let g = painter.layout_no_wrap(
                        n.name.clone(),
                        FontId::proportional(14.0 * self.zoom),
                        theme.text,
                    );
                    let hh = sr.height().min(40.0 * self.zoom);
                    let at = pos2(rect.left() + 8.0, sr.top() + (hh - g.size().y) / 2.0);
                    let back = Rect::from_min_size(at - vec2(6.0, 2.0), g.size() + vec2(12.0, 4.0));
                    painter.rect_filled(back, 4.0, theme.header_bg);
                    painter.galley(at, g, theme.text);
                    self.drawn.sticky.push(b.id);
                }
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
                super::compare::decorate_block(&painter, self.compare.as_deref(), d, b.id, sr);
            }
        }
        let at = origin + self.offset;
        let c = self.compare.as_deref();
        let (cbg, cfg) = (theme.card_bg, theme.text);
        super::compare::draw_ghosts(ui, &painter, c, d, at, self.zoom, rect, cbg, cfg);

        // Search matches: a ring around each one in view, the current one
        // stronger.
        for &m in &self.marks {
            let Some(b) = d.layout.nodes.get(m).filter(|b| b.visible) else {
                continue;
            };
            if !b.header.intersects(&view) {
                continue;
            }
            let cur = self.mark_current == Some(m);
            let r = self
                .rect_to_screen(origin, &b.header)
                .expand(if cur { 5.0 } else { 3.0 });
            let stroke = if cur {
                Stroke::new(3.0, theme.warning)
            } else {
                Stroke::new(2.0, theme.warning.gamma_multiply(0.8))
            };
            painter.rect_stroke(r, 8.0, stroke, StrokeKind::Outside);
            self.drawn.rings.push(m);
        }
        self.hover_node = hovered_node;
        self.hover_edge = hovered_edge;

        // The "+" slots: insert here, or drop a dragged card here.
        let slots = if detail && (self.zoom >= PLUS_ZOOM || self.drag.is_some()) {
            slots(d, &view, &counts)
        } else {
            Vec::new()
        };
        let mut inserts: Vec<Edit> = Vec::new();
        if let Some(g) = self.drag.take() {
            self.drag = Some(self.drag_frame(ui, &painter, origin, d, &slots, g, theme));
        } else {
            for s in &slots {
                self.plus_button(ui, &painter, origin, id, s, theme, &mut inserts);
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
            self.edge = None;
        }
        if let Some((nid, grab)) = drag_started {
            let n = &session.current().graph.outline.nodes[nid];
            self.drag = Some(CardDrag {
                id: nid,
                pointer: n.pointer.clone(),
                name: n.name.clone(),
                grab,
                target: None,
            });
            self.edge = None;
        }
        if let Some(e) = edge_clicked {
            self.edge = Some(e);
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
            // An edge anywhere along its route, or nothing.
            let hit = bg
                .interact_pointer_pos()
                .and_then(|p| self.edge_at(session.current(), origin, p));
            match hit {
                Some(e) => self.edge = Some(e),
                None => {
                    session.selection.clear();
                    self.edge = None;
                }
            }
        }

        for e in inserts.into_iter().chain(menu_edits) {
            if session.apply(e).is_ok() {
                if let Some(nid) = session.selected_node() {
                    self.reveal_pending = Some(nid);
                }
            }
        }
        self.finish_drag(ui, session);
        if let Some(e) = self.edge.clone() {
            self.edge_editor(ui, origin, session, &e);
        }

        self.rubber_band(ui, &bg, &painter, origin, session, theme);
        // The minimap helps only when part of the drawing is out of view.
        let d = session.current();
        if with_map {
            let col = Rect::from_min_max(pos2(narrow.max.x, below.min.y), below.max);
            ui.painter().rect_filled(col, 0.0, ui.visuals().panel_fill);
            self.minimap(ui, col, rect, d, theme);
        }
        self.strip(ui, strip, session, theme);
        intents
    }

    /// Whether the whole drawing is in view in `rect` at the current zoom.
    fn shows_all(&self, layout: &Layout, rect: Rect) -> bool {
        let a = self.to_world(rect.min, rect.min);
        let b = self.to_world(rect.min, rect.max);
        let view = LRect::new(a.x - 1.0, a.y - 1.0, b.x - a.x + 2.0, b.y - a.y + 2.0);
        // A comparison's ghost column counts as drawing.
        let (mut w, mut h) = layout.size;
        for g in self.compare.iter().flat_map(|c| c.ghosts.iter()) {
            w = w.max(g.rect.right());
            h = h.max(g.rect.bottom());
        }
        view.contains_rect(&LRect::new(0.0, 0.0, w, h))
    }

    /// The strip above the drawing: the breadcrumb of the selection's
    /// enclosing scopes (each one a button that selects it), and the zoom.
    fn strip(&mut self, ui: &mut Ui, strip: Rect, session: &mut Session, theme: &Theme) {
        ui.painter()
            .rect_filled(strip, 0.0, ui.visuals().panel_fill);
        let d = session.current();
        let mut crumbs: Vec<(NodeId, String)> = Vec::new();
        if let Some(sel) = session.selected_node() {
            let o = &d.graph.outline;
            let mut child = sel;
            for a in o.ancestors(sel) {
                let branch = o.nodes[child].parent.map(|(_, b)| b).unwrap_or(0);
                let mut text = o.nodes[a].name.clone();
                if let Some(b) = o.nodes[a].branches.get(branch) {
                    let l = b.kind.label();
                    if !l.is_empty() {
                        text = format!("{text} ({l})");
                    }
                }
                crumbs.push((a, text));
                child = a;
            }
            crumbs.reverse();
            crumbs.push((sel, o.nodes[sel].name.clone()));
        }
        self.drawn.breadcrumb = crumbs.iter().map(|(_, t)| t.clone()).collect();
        let mut picked = None;
        let inner = strip.shrink2(vec2(8.0, 2.0));
        ui.scope_builder(
            egui::UiBuilder::new()
                .max_rect(inner)
                .layout(egui::Layout::right_to_left(egui::Align::Center)),
            |ui| {
                ui.label(
                    egui::RichText::new(format!("{:.0}%", self.zoom * 100.0))
                        .color(theme.weak_text)
                        .size(12.0),
                )
                .on_hover_text("Zoom (Ctrl+plus, Ctrl+minus; Ctrl+0: fit; F: zoom to selection)");
                ui.with_layout(egui::Layout::left_to_right(egui::Align::Center), |ui| {
                    ui.spacing_mut().item_spacing.x = 2.0;
                    let r = ui.add(
                        egui::Button::new(egui::RichText::new("Workflow").size(12.0)).frame(false),
                    );
                    let r = r.accessible_name("Breadcrumb: Workflow");
                    if r.clicked() {
                        picked = Some(None);
                    }
                    for (nid, text) in &crumbs {
                        ui.weak("›");
                        let r = ui.add(
                            egui::Button::new(egui::RichText::new(text).size(12.0))
                                .frame(false)
                                .truncate(),
                        );
                        let r = r.accessible_name(format!("Breadcrumb: {text}"));
                        if r.clicked() {
                            picked = Some(Some(*nid));
                        }
                    }
                });
            },
        );
        match picked {
            Some(Some(nid)) => {
                session.select_node(nid);
                self.center_pending = Some(nid);
            }
            Some(None) => {
                session.selection.clear();
                self.fit_pending = true;
            }
            None => {}
        }
    }

    fn handle_view_input(&mut self, ui: &Ui, bg: &Response, rect: Rect) {
        let origin = rect.min;
        // Pan: drag on empty space (a rubber band is drawn instead with
        // Shift or Ctrl), or the middle button anywhere on the canvas.
        if bg.dragged_by(egui::PointerButton::Primary) && self.rubber.is_none() {
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

    /// Shift+drag or Ctrl+drag on empty space starts a rubber band.
    fn start_rubber_band(&mut self, ui: &Ui, bg: &Response) {
        let (shift, command, origin) = ui.input(|i| {
            (
                i.modifiers.shift,
                i.modifiers.command,
                i.pointer.press_origin(),
            )
        });
        if bg.drag_started_by(egui::PointerButton::Primary) && (shift || command) {
            if let Some(start) = origin.or(bg.interact_pointer_pos()) {
                self.rubber = Some(Band {
                    start,
                    now: bg.interact_pointer_pos().unwrap_or(start),
                    add: shift,
                });
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
        let Some(band) = &mut self.rubber else {
            return;
        };
        let (latest, down, shift) = ui.input(|i| {
            (
                i.pointer.latest_pos(),
                i.pointer.primary_down(),
                i.modifiers.shift,
            )
        });
        if let Some(p) = latest {
            band.now = p;
        }
        band.add |= shift;
        let r = Rect::from_two_pos(band.start, band.now);
        painter.rect_filled(r, 2.0, theme.accent.gamma_multiply(0.12));
        painter.rect_stroke(r, 2.0, Stroke::new(1.0, theme.accent), StrokeKind::Inside);
        if bg.drag_stopped() || !down {
            let add = band.add;
            self.rubber = None;
            let a = self.to_world(origin, r.min);
            let b = self.to_world(origin, r.max);
            let wr = LRect::new(a.x, a.y, b.x - a.x, b.y - a.y);
            let d = session.current();
            // A card is covered when the band holds its middle.
            let picked: Vec<String> = d
                .layout
                .nodes
                .iter()
                .filter(|n| n.visible && wr.contains_point(n.header.center()))
                .map(|n| d.graph.outline.nodes[n.id].pointer.clone())
                .collect();
            if add {
                for p in picked {
                    if !session.selection.contains(&p) {
                        session.selection.push(p);
                    }
                }
            } else {
                session.selection = picked;
            }
            self.edge = None;
        }
    }

    /// One frame of a card drag: shows where it can go (the "+" slots and
    /// the branches' lanes), which place is under the pointer (refused in
    /// red when it is inside the dragged action), and the card itself
    /// following the pointer.
    #[allow(clippy::too_many_arguments)]
    fn drag_frame(
        &self,
        ui: &Ui,
        painter: &egui::Painter,
        origin: Pos2,
        d: &Derived,
        slots: &[Slot],
        mut g: CardDrag,
        theme: &Theme,
    ) -> CardDrag {
        let Some(p) = ui.input(|i| i.pointer.latest_pos()) else {
            return g;
        };
        let o = &d.graph.outline;
        if o.nodes.get(g.id).is_none_or(|n| n.pointer != g.pointer) {
            g.target = None;
            return g;
        }
        let prefix = format!("{}/", g.pointer);
        let inside = |c: &str| c.starts_with(&prefix);
        let r = (9.0 * self.zoom).clamp(6.0, 12.0);
        let mut best: Option<(f32, usize)> = None;
        for (i, s) in slots.iter().enumerate() {
            if s.moot_for(&g.name) {
                continue;
            }
            let c = self.to_screen(origin, s.at);
            let colour = if inside(&s.container) {
                theme.error
            } else {
                theme.accent
            };
            painter.circle(c, r, colour.gamma_multiply(0.25), Stroke::new(1.5, colour));
            let dist = c.distance(p);
            if dist < 28.0 && best.is_none_or(|(bd, _)| dist < bd) {
                best = Some((dist, i));
            }
        }
        g.target = None;
        if let Some((_, i)) = best {
            let s = &slots[i];
            let refused = inside(&s.container);
            let colour = if refused { theme.error } else { theme.accent };
            painter.circle_stroke(
                self.to_screen(origin, s.at),
                r + 4.0,
                Stroke::new(2.5, colour),
            );
            g.target = Some(DropTarget {
                container: s.container.clone(),
                place: s.place.clone(),
                refused,
            });
        } else {
            // The innermost lane under the pointer: last in that branch.
            let w = self.to_world(origin, p);
            let lane = d
                .layout
                .branches
                .iter()
                .filter(|br| br.rect.contains_point(w))
                .max_by_key(|br| d.layout.nodes[br.owner].depth);
            if let Some(br) = lane {
                let branch = &o.nodes[br.owner].branches[br.branch];
                let refused = inside(&branch.actions_pointer);
                let colour = if refused { theme.error } else { theme.accent };
                painter.rect_stroke(
                    self.rect_to_screen(origin, &br.rect),
                    6.0,
                    Stroke::new(2.5, colour),
                    StrokeKind::Inside,
                );
                g.target = Some(DropTarget {
                    container: branch.actions_pointer.clone(),
                    place: Place::After(last_child(d, &branch.children, g.id)),
                    refused,
                });
            }
        }
        // The card under the pointer.
        let size = vec2(240.0, 64.0) * self.zoom;
        let gr = Rect::from_min_size(p - g.grab, size);
        painter.rect_filled(gr, 8.0, theme.card_bg.gamma_multiply(0.8));
        painter.rect_stroke(gr, 8.0, Stroke::new(2.0, theme.accent), StrokeKind::Inside);
        painter.text(
            gr.left_center() + vec2(12.0 * self.zoom, 0.0),
            egui::Align2::LEFT_CENTER,
            &g.name,
            FontId::proportional(14.0 * self.zoom),
            theme.text,
        );
        if g.target.as_ref().is_some_and(|t| t.refused) {
            painter.text(
                p + vec2(14.0, 14.0),
                egui::Align2::LEFT_TOP,
                format!("⛔ {} cannot move into itself", g.name),
                FontId::proportional(13.0),
                theme.error,
            );
        }
        g
    }

    /// Ends a card drag when the button is up: moves the card to the place
    /// under the pointer, or says why it cannot go there.
    fn finish_drag(&mut self, ui: &Ui, session: &mut Session) {
        if self.drag.is_none() || ui.input(|i| i.pointer.primary_down()) {
            return;
        }
        let Some(g) = self.drag.take() else { return };
        let Some(t) = g.target else { return };
        if t.refused {
            session.status = format!(
                "Cannot move {} into itself or into an action it holds",
                g.name
            );
            return;
        }
        apply_move(session, &g.pointer, t.container, t.place, &g.name);
    }

    /// A "+" button: insert an action here, or add a parallel branch.
    #[allow(clippy::too_many_arguments)]
    fn plus_button(
        &self,
        ui: &Ui,
        painter: &egui::Painter,
        origin: Pos2,
        id: Id,
        s: &Slot,
        theme: &Theme,
        edits: &mut Vec<Edit>,
    ) {
        let c = self.to_screen(origin, s.at);
        let r = (8.0 * self.zoom).clamp(6.0, 11.0);
        let rect = Rect::from_center_size(c, vec2(2.0 * r, 2.0 * r));
        let resp = ui.interact(rect, id.with(("plus", &s.label)), Sense::click());
        resp.widget_info(|| WidgetInfo::labeled(accesskit::Role::Button, true, &s.label));
        let (fill, fg) = if resp.hovered() {
            (theme.accent, theme.card_bg)
        } else {
            (theme.card_bg, theme.accent)
        };
        painter.circle(c, r, fill, Stroke::new(1.0, theme.accent));
        let a = r * 0.55;
        let st = Stroke::new((1.5 * self.zoom).clamp(1.0, 2.0), fg);
        painter.line_segment([c - vec2(a, 0.0), c + vec2(a, 0.0)], st);
        painter.line_segment([c - vec2(0.0, a), c + vec2(0.0, a)], st);
        egui::Popup::menu(&resp).show(|ui| {
            ui.menu_button("Insert an action", |ui| {
                palette_edits(ui, &s.container, &s.place, edits);
            });
            if let Some(b) = &s.beside {
                ui.menu_button(format!("Add a parallel branch beside {b}"), |ui| {
                    palette_edits(ui, &s.container, &Place::Beside(b.clone()), edits);
                });
            }
        });
    }

    /// The edge under a point of the screen, anywhere along its route.
    fn edge_at(&self, d: &Derived, origin: Pos2, p: Pos2) -> Option<EdgeSel> {
        let w = self.to_world(origin, p);
        let tol = 5.0 / self.zoom;
        for e in &d.layout.edges {
            let Some(from) = e.from else { continue };
            for s in e.points.windows(2) {
                let (x0, x1) = (s[0].x.min(s[1].x) - tol, s[0].x.max(s[1].x) + tol);
                let (y0, y1) = (s[0].y.min(s[1].y) - tol, s[0].y.max(s[1].y) + tol);
                if w.x >= x0 && w.x <= x1 && w.y >= y0 && w.y <= y1 {
                    return Some(EdgeSel::of(d, from, e.to));
                }
            }
        }
        None
    }

    /// The run-after editor of the selected edge: the four statuses of that
    /// dependency, and "Remove this dependency".
    fn edge_editor(&mut self, ui: &Ui, origin: Pos2, session: &mut Session, e: &EdgeSel) {
        let d = session.current();
        let (Some(statuses), Some(ri)) = (edge_statuses(d, e), e.route(d)) else {
            self.edge = None;
            return;
        };
        let pts = &d.layout.edges[ri].points;
        let (a, b) = match pts.as_slice() {
            [.., a, b] => (*a, *b),
            [a] => (*a, *a),
            [] => (Point::default(), Point::default()),
        };
        let pos = self.to_screen(origin, Point::new((a.x + b.x) / 2.0, (a.y + b.y) / 2.0))
            + vec2(18.0, -12.0);
        let mut new: Option<Vec<String>> = None;
        let mut remove = false;
        let mut close = false;
        egui::Area::new(Id::unique("lapis-edge-editor"))
            .order(egui::Order::Foreground)
            .fixed_pos(pos)
            .show(ui.ctx(), |ui| {
                egui::Frame::popup(ui.style()).show(ui, |ui| {
                    ui.label(
                        egui::RichText::new(format!("{} runs after {}", e.to, e.from)).strong(),
                    );
                    ui.label("when it ends as:");
                    let has = |st: &str| statuses.iter().any(|s| s.eq_ignore_ascii_case(st));
                    let count = STATUSES.iter().filter(|s| has(s)).count();
                    for st in STATUSES {
                        let mut on = has(st);
                        let last = on && count == 1;
                        let resp = ui
                            .add_enabled(!last, egui::Checkbox::new(&mut on, st))
                            .accessible_name(format!("Run after {}: {st}", e.from));
                        if resp.changed() {
                            new = Some(
                                STATUSES
                                    .iter()
                                    .filter(|s| if **s == st { on } else { has(s) })
                                    .map(|s| (*s).to_owned())
                                    .collect(),
                            );
                        }
                    }
                    ui.horizontal(|ui| {
                        if ui.button("Remove this dependency").clicked() {
                            remove = true;
                        }
                        if ui
                            .button("Close")
                            .accessible_name("Close the run-after editor")
                            .clicked()
                        {
                            close = true;
                        }
                    });
                });
            });
        if close {
            self.edge = None;
            return;
        }
        if new.is_none() && !remove {
            return;
        }
        let o = &d.graph.outline;
        let Some(to) = o.nodes.iter().find(|n| n.pointer == e.to_pointer) else {
            return;
        };
        let mut list: Vec<(String, Vec<String>)> = Vec::new();
        for r in &to.run_after {
            if r.target != e.from {
                list.push((r.target.clone(), r.statuses.clone()));
            } else if let Some(st) = &new {
                list.push((r.target.clone(), st.clone()));
            }
        }
        let edit = Edit::SetRunAfter {
            pointer: e.to_pointer.clone(),
            run_after: list,
        };
        if session.apply(edit).is_ok() && remove {
            session.status = format!("{} no longer runs after {}", e.to, e.from);
            self.edge = None;
        }
    }

    /// Alt+Up and Alt+Down move the selected action among its siblings.
    fn move_keys(&mut self, ui: &Ui, session: &mut Session) {
        if ui.ctx().egui_wants_keyboard_input() {
            return;
        }
        let (up, down) = ui.input_mut(|i| {
            (
                i.consume_key(egui::Modifiers::ALT, egui::Key::ArrowUp),
                i.consume_key(egui::Modifiers::ALT, egui::Key::ArrowDown),
            )
        });
        if !(up || down) {
            return;
        }
        let Some(id) = session.selected_node() else {
            return;
        };
        let d = session.current();
        let n = &d.graph.outline.nodes[id];
        if n.role != Role::Action {
            return;
        }
        let (pointer, name) = (n.pointer.clone(), n.name.clone());
        match step_place(d, id, up) {
            Some((container, place)) => {
                apply_move(session, &pointer, container, place, &name);
                if let Some(nid) = session.selected_node() {
                    self.center_pending = Some(nid);
                }
            }
            None => {
                session.status = format!(
                    "{name} is already {} in its list",
                    if up { "first" } else { "last" }
                );
            }
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

    #[allow(clippy::too_many_arguments)]
    fn draw_edges(
        &mut self,
        painter: &egui::Painter,
        origin: Pos2,
        l: &Layout,
        view: &LRect,
        detail: bool,
        theme: &Theme,
        selected: Option<usize>,
        focus: &[NodeId],
        hovered: Option<usize>,
    ) {
        // Status labels clear the edges' "+" buttons when they are drawn.
        let label_dx = if self.zoom >= PLUS_ZOOM {
            6.0 + (8.0 * self.zoom).clamp(6.0, 11.0)
        } else {
            4.0
        };
        for (ei, e) in l.edges.iter().enumerate() {
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
            let sel = selected == Some(ei) || hovered == Some(ei);
            let lit = !focus.is_empty()
                && (e.from.is_some_and(|f| focus.contains(&f)) || focus.contains(&e.to));
            let changed = self
                .compare
                .as_deref()
                .is_some_and(|c| c.edge_changed(l, e.from, e.to));
            let dim = !focus.is_empty() && !lit && !sel && !changed;
            if lit {
                self.drawn.highlighted.push((e.from, e.to));
            }
            let colour = if sel {
                theme.accent
            } else if changed {
                super::compare::CHANGED
            } else if lit {
                theme.accent.gamma_multiply(0.9)
            } else if dim {
                theme.edge(&e.statuses).gamma_multiply(0.25)
            } else {
                theme.edge(&e.statuses)
            };
            if dim {
                self.drawn.dimmed += 1;
            }
            let width = match (sel, lit || changed, detail) {
                (true, _, _) => 3.0,
                (false, true, _) => 2.5,
                (false, false, true) => 1.5,
                (false, false, false) => 1.0,
            };
            // Crossings drawn as crossings: the horizontal line hops over
            // the vertical one (once the drawing is readable).
            let hop = if detail && !e.crossings.is_empty() {
                (4.0 * self.zoom).clamp(2.5, 5.0)
            } else {
                0.0
            };
            let mut pts: Vec<Pos2> = Vec::with_capacity(e.points.len() + 8 * e.crossings.len());
            for (i, p) in e.points.iter().enumerate() {
                if hop > 0.0 && i > 0 {
                    let a = e.points[i - 1];
                    if a.y == p.y {
                        let mut xs: Vec<f32> = e
                            .crossings
                            .iter()
                            .filter(|c| c.y == a.y && c.x > a.x.min(p.x) && c.x < a.x.max(p.x))
                            .map(|c| c.x)
                            .collect();
                        xs.sort_by(|u, v| u.total_cmp(v));
                        if p.x < a.x {
                            xs.reverse();
                        }
                        let dir = if p.x < a.x { -1.0 } else { 1.0 };
                        for x in xs {
                            let c = self.to_screen(origin, Point::new(x, a.y));
                            for k in 0..=6 {
                                let t = std::f32::consts::PI * k as f32 / 6.0;
                                pts.push(pos2(c.x - dir * hop * t.cos(), c.y - hop * t.sin()));
                            }
                            self.drawn.hops += 1;
                        }
                    }
                }
                pts.push(self.to_screen(origin, *p));
            }
            let last = pts[pts.len() - 1];
            let prev = pts[pts.len() - 2];
            if changed {
                super::compare::mark_edge(painter, &pts, self.zoom);
            }
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
                            self.to_screen(origin, at) + vec2(label_dx, 0.0),
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

    /// The minimap, in its column `col` at the right of the drawing
    /// `rect`: the whole drawing, the part in view framed; a click or a
    /// drag there moves the view.
    fn minimap(&mut self, ui: &mut Ui, col: Rect, rect: Rect, d: &Derived, theme: &Theme) {
        // A comparison's ghost column (removed actions) is part of the
        // whole the map shows.
        let compare = self.compare.clone();
        let (mut w, mut h) = d.layout.size;
        for g in compare.iter().flat_map(|c| c.ghosts.iter()) {
            w = w.max(g.rect.right());
            h = h.max(g.rect.bottom());
        }
        let (w, h) = (w.max(1.0), h.max(1.0));
        let max = (col.size() - vec2(24.0, 24.0)).max(vec2(1.0, 1.0));
        // One scale for both axes while that leaves the map readable; a
        // drawing much wider than tall (or taller than wide) is stretched
        // on its thin axis up to MINIMAP_MIN, so the map never shrinks to
        // a line. The frame of the view uses the same two scales.
        let s = (max.x / w).min(max.y / h).min(0.1);
        let want = |len: f32, room: f32| {
            let min = MINIMAP_MIN.min(room);
            if s < 0.1 && len * s < min {
                min / len
            } else {
                s
            }
        };
        let scale = vec2(want(w, max.x), want(h, max.y));
        let size = vec2(w * scale.x, h * scale.y).max(vec2(40.0, 30.0));
        let mr = Rect::from_min_size(pos2(col.center().x - size.x / 2.0, col.min.y + 12.0), size);
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
        let to_mini = |r: &LRect| {
            Rect::from_min_size(
                mr.min + vec2(r.x * scale.x, r.y * scale.y),
                vec2(r.w * scale.x, r.h * scale.y),
            )
        };
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
            // At least a pixel and a half, so a card of a very wide
            // drawing still shows.
            let r = Rect::from_center_size(r.center(), r.size().max(vec2(1.5, 1.5)));
            painter.rect_filled(r, 0.0, theme.category(n.role, &n.ty).gamma_multiply(0.8));
            // Compared: the card's change colour rings it, so changes can
            // be found on the map.
            if let Some(m) = compare.as_ref().and_then(|c| c.card(d, b.id)) {
                painter.rect_stroke(
                    r.expand(1.0),
                    0.0,
                    Stroke::new(1.5, m.mark.colour()),
                    StrokeKind::Outside,
                );
            }
        }
        for g in compare.iter().flat_map(|c| c.ghosts.iter()) {
            let r = to_mini(&g.rect);
            let r = Rect::from_center_size(r.center(), r.size().max(vec2(1.5, 1.5)));
            let red = super::compare::Mark::Removed.colour();
            painter.rect_filled(r, 0.0, red.gamma_multiply(0.35));
            painter.rect_stroke(r, 0.0, Stroke::new(1.0, red), StrokeKind::Inside);
        }
        // The part of the drawing in view: filled and framed, never smaller
        // than a few pixels, so it can be found and dragged.
        let origin = rect.min;
        let a = self.to_world(origin, rect.min);
        let b = self.to_world(origin, rect.max);
        let vr = to_mini(&LRect::new(a.x, a.y, b.x - a.x, b.y - a.y)).intersect(mr.expand(2.0));
        let vr = Rect::from_center_size(vr.center(), vr.size().max(vec2(8.0, 8.0)));
        painter.rect_filled(vr, 2.0, theme.accent.gamma_multiply(0.18));
        painter.rect_stroke(vr, 2.0, Stroke::new(2.0, theme.accent), StrokeKind::Outside);
        if resp.clicked() || resp.dragged() {
            if let Some(p) = resp.interact_pointer_pos() {
                let m = p - mr.min;
                let world = vec2(m.x / scale.x, m.y / scale.y);
                self.offset = rect.size() / 2.0 - world * self.zoom;
            }
        }
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
            self.reveal_pending = Some(nid);
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

/// Below this zoom the "+" buttons and the edges' click targets are not
/// drawn (they would be too small to hit).
const PLUS_ZOOM: f32 = 0.5;
/// How far below a card its "+" sits (layout units).
const PLUS_GAP: f32 = 10.0;
/// The four run-after statuses, in Logic Apps' order.
const STATUSES: [&str; 4] = ["Succeeded", "Failed", "Skipped", "TimedOut"];

/// A rubber band in progress.
#[derive(Debug, Clone, Copy)]
struct Band {
    start: Pos2,
    now: Pos2,
    /// Add to the selection (Shift) instead of replacing it.
    add: bool,
}

/// A card being dragged.
#[derive(Debug, Clone)]
struct CardDrag {
    id: NodeId,
    pointer: String,
    name: String,
    /// Where the card was grabbed, from its top-left corner.
    grab: Vec2,
    /// Where it would go if dropped now.
    target: Option<DropTarget>,
}

/// A place a dragged card can be dropped on.
#[derive(Debug, Clone)]
struct DropTarget {
    container: String,
    place: Place,
    /// Inside the dragged action itself: the move is impossible.
    refused: bool,
}

/// A selected run-after edge: `to` runs after `from`.
#[derive(Debug, Clone, PartialEq)]
struct EdgeSel {
    from: String,
    to: String,
    to_pointer: String,
}

impl EdgeSel {
    fn of(d: &Derived, from: NodeId, to: NodeId) -> EdgeSel {
        let o = &d.graph.outline;
        EdgeSel {
            from: o.nodes[from].name.clone(),
            to: o.nodes[to].name.clone(),
            to_pointer: o.nodes[to].pointer.clone(),
        }
    }

    /// Its index in the layout's edges, when drawn.
    fn route(&self, d: &Derived) -> Option<usize> {
        let o = &d.graph.outline;
        d.layout.edges.iter().position(|e| {
            e.from.is_some_and(|f| o.nodes[f].name == self.from)
                && o.nodes[e.to].pointer == self.to_pointer
        })
    }
}

/// The statuses of a selected edge's dependency, if it still exists.
fn edge_statuses(d: &Derived, e: &EdgeSel) -> Option<Vec<String>> {
    d.graph
        .outline
        .nodes
        .iter()
        .find(|n| n.pointer == e.to_pointer)?
        .run_after
        .iter()
        .find(|r| r.target == e.from)
        .map(|r| r.statuses.clone())
}

/// How many drawn edges enter and leave each node, and how many entry
/// edges each list has (by the branch that holds it; `None`: top level).
#[derive(Default)]
struct EdgeCounts {
    into: Vec<u32>,
    out: Vec<u32>,
    entries: HashMap<Option<(NodeId, usize)>, u32>,
}

impl EdgeCounts {
    fn of(d: &Derived) -> EdgeCounts {
        let n = d.graph.outline.nodes.len();
        let mut c = EdgeCounts {
            into: vec![0; n],
            out: vec![0; n],
            entries: HashMap::new(),
        };
        for e in &d.layout.edges {
            c.into[e.to] += 1;
            match e.from {
                Some(f) => c.out[f] += 1,
                None => {
                    *c.entries
                        .entry(d.graph.outline.nodes[e.to].parent)
                        .or_default() += 1
                }
            }
        }
        c
    }
}

/// The part of an edge's route that is its own, not shared with the other
/// edges that leave its source or enter its target: where its "+" and its
/// click target sit.
fn own_segment(e: &EdgeRoute, c: &EdgeCounts, d: &Derived) -> (Point, Point) {
    let p = &e.points;
    let k = p.len();
    if k < 2 {
        let q = p.first().copied().unwrap_or_default();
        return (q, q);
    }
    let n_in = c.into.get(e.to).copied().unwrap_or(1);
    let n_out = match e.from {
        Some(f) => c.out.get(f).copied().unwrap_or(1),
        None => c
            .entries
            .get(&d.graph.outline.nodes[e.to].parent)
            .copied()
            .unwrap_or(1),
    };
    if n_in <= 1 {
        (p[k - 2], p[k - 1])
    } else if n_out <= 1 {
        (p[0], p[1])
    } else if k >= 4 {
        (p[1], p[2])
    } else {
        (p[0], p[k - 1])
    }
}

/// A place for a "+": where it is drawn, and what inserting there means.
#[derive(Debug, Clone)]
struct Slot {
    at: Point,
    container: String,
    place: Place,
    /// Its accessible name ("Insert an action after Get_status", …).
    label: String,
    /// The sibling a parallel branch from here runs beside.
    beside: Option<String>,
}

impl Slot {
    /// Dropping `name` here would leave it where it is.
    fn moot_for(&self, name: &str) -> bool {
        match &self.place {
            Place::After(a) => a.as_deref() == Some(name),
            Place::Between { from, to } => to == name || from.as_deref() == Some(name),
            Place::Beside(b) => b == name,
        }
    }
}

/// The "+" slots in (or near) the view: below every card that does not
/// have exactly one edge leaving it (a single edge has its own "+"), on
/// every edge, and in every empty branch.
fn slots(d: &Derived, view: &LRect, counts: &EdgeCounts) -> Vec<Slot> {
    let o = &d.graph.outline;
    let l = &d.layout;
    let top = format!("{}/actions", o.definition_pointer);
    let near = LRect::new(view.x - 20.0, view.y - 20.0, view.w + 40.0, view.h + 40.0);
    let container_of = |id: NodeId| match o.nodes[id].parent {
        Some((p, b)) => o.nodes[p].branches[b].actions_pointer.clone(),
        None => top.clone(),
    };
    let mut out = Vec::new();
    for b in l.nodes.iter().filter(|b| b.visible) {
        let at = Point::new(b.rect.center_x(), b.rect.bottom() + PLUS_GAP);
        if !near.contains_point(at) {
            continue;
        }
        let n = &o.nodes[b.id];
        match n.role {
            Role::Action if counts.out.get(b.id).copied().unwrap_or(0) != 1 => out.push(Slot {
                at,
                container: container_of(b.id),
                place: Place::After(Some(n.name.clone())),
                label: format!("Insert an action after {}", n.name),
                beside: Some(n.name.clone()),
            }),
            Role::Trigger
                if o.triggers.first() == Some(&b.id)
                    && counts.entries.get(&None).copied().unwrap_or(0) != 1 =>
            {
                out.push(Slot {
                    at,
                    container: top.clone(),
                    place: Place::After(None),
                    label: format!("Insert an action after {}", n.name),
                    beside: None,
                })
            }
            _ => {}
        }
    }
    for e in &l.edges {
        let (a, b) = own_segment(e, counts, d);
        let at = Point::new((a.x + b.x) / 2.0, (a.y + b.y) / 2.0);
        if !near.contains_point(at) {
            continue;
        }
        let to = &o.nodes[e.to].name;
        let (from, label) = match e.from {
            Some(f) => {
                let f = &o.nodes[f].name;
                (
                    Some(f.clone()),
                    format!("Insert an action between {f} and {to}"),
                )
            }
            None => (None, format!("Insert an action before {to}")),
        };
        out.push(Slot {
            at,
            container: container_of(e.to),
            place: Place::Between {
                from,
                to: to.clone(),
            },
            label,
            beside: Some(to.clone()),
        });
    }
    for br in &l.branches {
        let owner = &o.nodes[br.owner];
        let branch = &owner.branches[br.branch];
        let at = br.rect.center();
        if !branch.children.is_empty() || !near.contains_point(at) {
            continue;
        }
        let label = match br.label.as_str() {
            "" => format!("Add an action inside {}", owner.name),
            l => format!("Add an action inside {} {l}", owner.name),
        };
        out.push(Slot {
            at,
            container: branch.actions_pointer.clone(),
            place: Place::After(None),
            label,
            beside: None,
        });
    }
    out
}

/// The palette as a menu: each entry inserts that action at `place`.
fn palette_edits(ui: &mut Ui, container: &str, place: &Place, edits: &mut Vec<Edit>) {
    for (t, label) in PALETTE {
        if ui.button(*label).clicked() {
            edits.push(Edit::InsertAction {
                container: container.to_owned(),
                name: default_name(t),
                action: new_action(t),
                place: place.clone(),
            });
            ui.close();
        }
    }
}

/// The last of `children` (other than `except`) in reading order: the one
/// a card dropped into their branch runs after.
fn last_child(d: &Derived, children: &[NodeId], except: NodeId) -> Option<String> {
    children
        .iter()
        .copied()
        .filter(|&c| c != except)
        .max_by(|&a, &b| {
            let (ra, rb) = (&d.layout.nodes[a].header, &d.layout.nodes[b].header);
            (ra.bottom(), ra.x)
                .partial_cmp(&(rb.bottom(), rb.x))
                .unwrap_or(std::cmp::Ordering::Equal)
        })
        .map(|c| d.graph.outline.nodes[c].name.clone())
}

/// Where Alt+Up (before the previous sibling, on its edge) or Alt+Down
/// (after the next sibling) puts an action, in reading order.
fn step_place(d: &Derived, id: NodeId, up: bool) -> Option<(String, Place)> {
    let o = &d.graph.outline;
    let n = &o.nodes[id];
    if n.role != Role::Action {
        return None;
    }
    let mut sibs: Vec<NodeId> = o.siblings(id).to_vec();
    let key = |i: NodeId| {
        let h = &d.layout.nodes[i].header;
        (h.y, h.x)
    };
    sibs.sort_by(|&a, &b| {
        key(a)
            .partial_cmp(&key(b))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let i = sibs.iter().position(|&s| s == id)?;
    let container = match n.parent {
        Some((p, b)) => o.nodes[p].branches[b].actions_pointer.clone(),
        None => format!("{}/actions", o.definition_pointer),
    };
    if up {
        let y = &o.nodes[*sibs.get(i.checked_sub(1)?)?];
        let from = y
            .run_after
            .iter()
            .map(|r| &r.target)
            .find(|t| **t != n.name && sibs.iter().any(|&s| o.nodes[s].name == **t))
            .cloned();
        Some((
            container,
            Place::Between {
                from,
                to: y.name.clone(),
            },
        ))
    } else {
        let z = &o.nodes[*sibs.get(i + 1)?];
        Some((container, Place::After(Some(z.name.clone()))))
    }
}

/// Moves an action, and says when the move leaves expressions naming
/// actions that no longer run before them.
fn apply_move(session: &mut Session, pointer: &str, container: String, place: Place, name: &str) {
    let count = |s: &Session| {
        s.current()
            .problems
            .iter()
            .filter(|p| p.code.starts_with("expr"))
            .count()
    };
    let before = count(session);
    let edit = Edit::MoveTo {
        pointer: pointer.to_owned(),
        container,
        place,
    };
    if session.apply(edit).is_ok() {
        let after = count(session);
        if after > before {
            session.status = format!(
                "Moved {name}; {} expression(s) now name actions that do not run before them (see Problems)",
                after - before
            );
        }
    }
}

/// The card menu's moves: up, down (as Alt+Up, Alt+Down), and into any
/// branch of the workflow that is not inside the action.
fn move_menu(ui: &mut Ui, d: &Derived, id: NodeId, edits: &mut Vec<Edit>) {
    let o = &d.graph.outline;
    let n = &o.nodes[id];
    if n.role != Role::Action {
        return;
    }
    ui.separator();
    for (up, label) in [(true, "Move up (Alt+Up)"), (false, "Move down (Alt+Down)")] {
        let target = step_place(d, id, up);
        if ui
            .add_enabled(target.is_some(), egui::Button::new(label))
            .clicked()
        {
            if let Some((container, place)) = target {
                edits.push(Edit::MoveTo {
                    pointer: n.pointer.clone(),
                    container,
                    place,
                });
            }
            ui.close();
        }
    }
    ui.menu_button("Move into", |ui| {
        let prefix = format!("{}/", n.pointer);
        egui::ScrollArea::vertical()
            .max_height(360.0)
            .show(ui, |ui| {
                if n.parent.is_some() && ui.button("To the top level").clicked() {
                    edits.push(Edit::MoveTo {
                        pointer: n.pointer.clone(),
                        container: format!("{}/actions", o.definition_pointer),
                        place: Place::After(last_child(d, &o.top, id)),
                    });
                    ui.close();
                }
                for owner in o.nodes.iter().filter(|m| {
                    !m.branches.is_empty() && m.id != id && !m.pointer.starts_with(&prefix)
                }) {
                    for br in &owner.branches {
                        let label = match br.kind.label() {
                            l if l.is_empty() => format!("Into {}", owner.name),
                            l => format!("Into {}: {l}", owner.name),
                        };
                        if ui.button(label).clicked() {
                            edits.push(Edit::MoveTo {
                                pointer: n.pointer.clone(),
                                container: br.actions_pointer.clone(),
                                place: Place::After(last_child(d, &br.children, id)),
                            });
                            ui.close();
                        }
                    }
                }
            });
    });
}

/// An edge's tooltip: "A -> B (Succeeded, Failed)".
fn edge_tip(d: &Derived, e: &EdgeRoute) -> String {
    let o = &d.graph.outline;
    let from = e.from.map_or("(start)", |f| o.nodes[f].name.as_str());
    let statuses = if e.statuses.is_empty() {
        "Succeeded".to_string()
    } else {
        e.statuses.join(", ")
    };
    format!("{from} -> {} ({statuses})", o.nodes[e.to].name)
}
