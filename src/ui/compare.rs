//! File ▸ "Compare with…": the differences between the open document and
//! its saved version or another file (the core's semantic diff), shown
//!
//! - on the canvas while a comparison is active: added cards green, changed
//!   cards amber, each with a badge (`+`, `~`) and an accessible description
//!   that says "added" or "changed"; run-after edges that changed drawn
//!   amber, thicker, with a diamond on them; removed actions as red, ghosted
//!   cards in a column at the right of the drawing, each level with the card
//!   it ran after (or the top of its former scope), a dashed line to that
//!   card, badge `-`, described as "removed";
//! - in a bar above the canvas ("Comparing with …", Previous/Next change,
//!   Show list, End comparison);
//! - in the inspector: the field-level changes of the selected action
//!   (JSON pointer, old -> new, secrets masked as `lapis diff` masks them);
//! - as a list in the Compare window (the textual view).
//!
//! The comparison follows edits: below
//! [`BACKGROUND_VALIDATION_NODES`](super::session::BACKGROUND_VALIDATION_NODES)
//! nodes the diff is recomputed in the frame of the edit (a few
//! milliseconds); above, once typing pauses, on a worker thread, the
//! previous result staying on screen meanwhile.
//!
//! The canvas consults [`Decor`] (a lookup by node id, resolved once per
//! document revision and diff) when it draws a card or an edge; everything
//! else lives here.

use super::canvas::Canvas;
use super::session::{Derived, Session, BACKGROUND_VALIDATION_NODES, VALIDATION_DEBOUNCE};
use crate::graph::layout::{Layout, Rect as LRect};
use crate::workflow::diff::{describe, diff_documents, Change, WorkflowDiff};
use crate::workflow::preserve::Base;
use crate::workflow::tree::NodeId;
use crate::workflow::Document;
use egui::{
    accesskit, pos2, vec2, Color32, FontId, Id, Pos2, Rect, Response, RichText, Sense, Shape,
    Stroke, StrokeKind, Ui, WidgetInfo,
};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// Added cards.
pub const ADDED: Color32 = Color32::from_rgb(46, 160, 67);
/// Changed cards and edges.
pub const CHANGED: Color32 = Color32::from_rgb(222, 150, 20);
/// Removed (ghost) cards.
pub const REMOVED: Color32 = Color32::from_rgb(218, 54, 51);

/// Ghost cards' size (a card's, see `LayoutOptions`) and the gap between
/// the drawing and their column.
const GHOST_W: f32 = 240.0;
const GHOST_H: f32 = 64.0;
const GHOST_GAP: f32 = 48.0;

/// How a card differs from the version compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// Only the open document has it.
    Added,
    /// Renamed, moved, run-after or fields changed.
    Changed,
    /// Only the version compared with has it (a ghost card).
    Removed,
}

impl Mark {
    /// The word screen readers hear.
    pub fn word(self) -> &'static str {
        match self {
            Mark::Added => "added",
            Mark::Changed => "changed",
            Mark::Removed => "removed",
        }
    }

    /// The badge's glyph: colour is not the only signal.
    pub fn glyph(self) -> &'static str {
        match self {
            Mark::Added => "+",
            Mark::Changed => "~",
            Mark::Removed => "-",
        }
    }

    /// The card's outline and badge colour.
    pub fn colour(self) -> Color32 {
        match self {
            Mark::Added => ADDED,
            Mark::Changed => CHANGED,
            Mark::Removed => REMOVED,
        }
    }
}

/// The comparison of one card.
#[derive(Debug, Clone, PartialEq)]
pub struct CardMark {
    /// Added or changed.
    pub mark: Mark,
    /// What changed besides fields: "renamed from Get", "run-after changed", …
    pub notes: Vec<String>,
    /// Field-level changes: `pointer: old -> new` (secrets masked).
    pub fields: Vec<String>,
}

impl CardMark {
    /// The accessible description: "added", or "changed: …".
    pub fn description(&self) -> String {
        let mut parts = self.notes.clone();
        match self.fields.len() {
            0 => {}
            1 => parts.push("1 field changed".into()),
            n => parts.push(format!("{n} fields changed")),
        }
        if parts.is_empty() || self.mark == Mark::Added {
            self.mark.word().to_string()
        } else {
            format!("{}: {}", self.mark.word(), parts.join("; "))
        }
    }
}

/// A removed action, drawn as a ghost card.
#[derive(Debug, Clone, PartialEq)]
pub struct Ghost {
    /// Its (old) name.
    pub name: String,
    /// Its type, as written.
    pub type_name: String,
    /// Where it was (`top level`, or the branch that held it).
    pub scope: String,
    /// Where it is drawn, in layout coordinates.
    pub rect: LRect,
    /// The card it ran after (or its former scope), still in the drawing:
    /// a dashed line joins them.
    pub anchor: Option<NodeId>,
}

/// A place "Next change" steps to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stop {
    /// An added or changed card.
    Card(NodeId),
    /// A ghost (index into [`Decor::ghosts`]).
    Ghost(usize),
}

/// What the canvas and the inspector draw for a comparison, resolved for
/// one revision of the derived view.
#[derive(Debug, Clone, Default)]
pub struct Decor {
    /// The derived view's revision it was resolved for.
    pub revision: u64,
    /// Its number of nodes (guards lookups by node id).
    pub nodes: usize,
    /// What the document is compared with.
    pub against: String,
    /// Per node id.
    pub cards: Vec<Option<CardMark>>,
    /// Run-after edges added or whose statuses changed, as (from, to).
    pub edges: HashSet<(Option<NodeId>, NodeId)>,
    /// Removed actions.
    pub ghosts: Vec<Ghost>,
    /// Changes outside actions (parameters, access control, outputs, …).
    pub other: usize,
    /// Where "Next change" goes, in reading order.
    pub stops: Vec<Stop>,
    /// The ghost "Next change" is on, ringed.
    pub current_ghost: Option<usize>,
}

impl Decor {
    /// The mark of a card of `d`, if it changed.
    pub fn card(&self, d: &Derived, id: NodeId) -> Option<&CardMark> {
        if self.revision != d.revision {
            return None;
        }
        self.cards.get(id)?.as_ref()
    }

    /// Whether the edge (from, to) of `l` is a changed run-after.
    pub fn edge_changed(&self, l: &Layout, from: Option<NodeId>, to: NodeId) -> bool {
        l.nodes.len() == self.nodes && self.edges.contains(&(from, to))
    }

    /// Counts for the bar: (added, changed, removed).
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut a = 0;
        let mut c = 0;
        for m in self.cards.iter().flatten() {
            match m.mark {
                Mark::Added => a += 1,
                _ => c += 1,
            }
        }
        (a, c, self.ghosts.len())
    }
}

/// Decorates a card the canvas has just drawn (`r` on screen, `resp` its
/// widget): outline and badge in the mark's colour, and the accessible
/// description. Nothing without a comparison.
#[allow(clippy::too_many_arguments)]
pub fn decorate_card(
    ui: &Ui,
    painter: &egui::Painter,
    decor: Option<&Decor>,
    d: &Derived,
    id: NodeId,
    r: Rect,
    resp: &Response,
    zoom: f32,
) {
    let Some(m) = decor.and_then(|c| c.card(d, id)) else {
        return;
    };
    let colour = m.mark.colour();
    painter.rect_stroke(
        r.expand(1.0),
        (8.0 * zoom).min(8.0),
        Stroke::new(3.0, colour),
        StrokeKind::Outside,
    );
    badge(painter, r, m.mark, zoom);
    let text = m.description();
    ui.ctx()
        .accesskit_node_builder(resp.id, |n| n.set_description(text));
}

/// Outlines a card drawn as a plain block (zoomed far out).
pub fn decorate_block(
    painter: &egui::Painter,
    decor: Option<&Decor>,
    d: &Derived,
    id: NodeId,
    r: Rect,
) {
    if let Some(m) = decor.and_then(|c| c.card(d, id)) {
        painter.rect_stroke(
            r,
            3.0,
            Stroke::new(2.0, m.mark.colour()),
            StrokeKind::Outside,
        );
    }
}

/// The accessible description of a changed run-after edge.
pub fn describe_edge(
    ui: &Ui,
    decor: Option<&Decor>,
    l: &Layout,
    from: Option<NodeId>,
    to: NodeId,
    resp: &Response,
) {
    if decor.is_some_and(|c| c.edge_changed(l, from, to)) {
        ui.ctx()
            .accesskit_node_builder(resp.id, |n| n.set_description("run-after changed"));
    }
}

/// A diamond halfway along a changed edge's polyline (screen points), so
/// that colour is not its only signal.
pub fn mark_edge(painter: &egui::Painter, pts: &[Pos2], zoom: f32) {
    if pts.len() < 2 {
        return;
    }
    let total: f32 = pts.windows(2).map(|w| (w[1] - w[0]).length()).sum();
    let mut left = total / 2.0;
    let mut at = pts[0];
    for w in pts.windows(2) {
        let len = (w[1] - w[0]).length();
        if len >= left {
            at = w[0] + (w[1] - w[0]) * (left / len.max(f32::EPSILON));
            break;
        }
        left -= len;
    }
    let s = (6.0 * zoom).clamp(4.0, 8.0);
    painter.add(Shape::convex_polygon(
        vec![
            at + vec2(0.0, -s),
            at + vec2(s, 0.0),
            at + vec2(0.0, s),
            at + vec2(-s, 0.0),
        ],
        CHANGED,
        Stroke::new(1.0, Color32::BLACK),
    ));
}

fn badge(painter: &egui::Painter, r: Rect, mark: Mark, zoom: f32) {
    let rad = (9.0 * zoom).clamp(6.0, 10.0);
    let c = r.left_top() + vec2(rad * 0.4, rad * 0.4);
    painter.circle(c, rad, mark.colour(), Stroke::new(1.5, Color32::WHITE));
    painter.text(
        c - vec2(0.0, rad * 0.08),
        egui::Align2::CENTER_CENTER,
        mark.glyph(),
        FontId::monospace(rad * 1.5),
        Color32::WHITE,
    );
}

/// Draws the ghost cards of removed actions (and their dashed lines to the
/// card they followed), each a widget named "Removed: NAME (TYPE)" and
/// described "removed from SCOPE". `at` is the screen position of the
/// layout's origin, `clip` the canvas.
#[allow(clippy::too_many_arguments)]
pub fn draw_ghosts(
    ui: &Ui,
    painter: &egui::Painter,
    decor: Option<&Decor>,
    d: &Derived,
    at: Pos2,
    zoom: f32,
    clip: Rect,
    card_bg: Color32,
    text: Color32,
) {
    let Some(c) = decor.filter(|c| c.revision == d.revision) else {
        return;
    };
    let to_screen =
        |r: &LRect| Rect::from_min_size(at + vec2(r.x, r.y) * zoom, vec2(r.w, r.h) * zoom);
    let detail = GHOST_H * zoom >= 26.0;
    for (gi, g) in c.ghosts.iter().enumerate() {
        let sr = to_screen(&g.rect);
        if let Some(a) = g.anchor.and_then(|a| d.layout.nodes.get(a)) {
            let ar = to_screen(&a.header);
            let from = ar.right_center();
            let to = sr.left_center();
            if Rect::from_two_pos(from, to).intersects(clip) {
                painter.extend(Shape::dashed_line(
                    &[
                        from,
                        pos2(from.x + 12.0 * zoom, from.y),
                        pos2(from.x + 12.0 * zoom, to.y),
                        to,
                    ],
                    Stroke::new(1.5, REMOVED.gamma_multiply(0.7)),
                    6.0,
                    4.0,
                ));
            }
        }
        if !sr.intersects(clip) {
            continue;
        }
        let cr = (8.0 * zoom).min(8.0);
        painter.rect_filled(sr, cr, card_bg.gamma_multiply(0.45));
        painter.rect_filled(sr, cr, REMOVED.gamma_multiply(0.12));
        let corners = [
            sr.left_top(),
            sr.right_top(),
            sr.right_bottom(),
            sr.left_bottom(),
            sr.left_top(),
        ];
        painter.extend(Shape::dashed_line(
            &corners,
            Stroke::new(2.0, REMOVED),
            7.0,
            4.0,
        ));
        if c.current_ghost == Some(gi) {
            painter.rect_stroke(
                sr.expand(4.0),
                8.0,
                Stroke::new(2.0, REMOVED),
                StrokeKind::Outside,
            );
        }
        if detail {
            badge(painter, sr, Mark::Removed, zoom);
            let faded = text.gamma_multiply(0.6);
            let name =
                painter.layout_no_wrap(g.name.clone(), FontId::proportional(14.0 * zoom), faded);
            let np = pos2(sr.left() + 20.0 * zoom, sr.top() + 13.0 * zoom);
            let w = name.size().x.min(sr.width() - 28.0 * zoom);
            let mid = np.y + name.size().y / 2.0;
            painter.galley(np, name, faded);
            // Struck through: removed.
            painter.line_segment(
                [pos2(np.x, mid), pos2(np.x + w, mid)],
                Stroke::new(1.2, REMOVED),
            );
            let mut job = egui::text::LayoutJob::simple_singleline(
                format!("removed from {} · {}", g.scope, g.type_name),
                FontId::proportional(12.0 * zoom),
                faded,
            );
            job.wrap = egui::text::TextWrapping::truncate_at_width(sr.width() - 28.0 * zoom);
            painter.galley(
                pos2(sr.left() + 20.0 * zoom, sr.top() + 35.0 * zoom),
                painter.layout_job(job),
                faded,
            );
            let resp = ui.interact(
                sr,
                Id::unique("lapis-compare-ghost").with(&g.name),
                Sense::hover(),
            );
            let label = format!("Removed: {} ({})", g.name, g.type_name);
            resp.widget_info(|| WidgetInfo::labeled(accesskit::Role::Button, true, &label));
            let desc = format!("removed from {}", g.scope);
            ui.ctx()
                .accesskit_node_builder(resp.id, |n| n.set_description(desc));
        }
    }
}

/// The inspector's "Changes" section for the selected node.
pub fn changes_section(ui: &mut Ui, decor: Option<&Decor>, d: &Derived, id: NodeId) {
    let Some(c) = decor else { return };
    let Some(m) = c.card(d, id) else {
        return;
    };
    egui::CollapsingHeader::new("Changes")
        .id_salt("lapis-compare-changes")
        .default_open(true)
        .show(ui, |ui| {
            ui.label(
                RichText::new(format!(
                    "{} {} since {}",
                    m.mark.glyph(),
                    match m.mark {
                        Mark::Added => "Added",
                        Mark::Changed => "Changed",
                        Mark::Removed => "Removed",
                    },
                    c.against
                ))
                .color(m.mark.colour()),
            );
            for n in &m.notes {
                ui.label(n);
            }
            for f in &m.fields {
                ui.label(RichText::new(f).monospace());
            }
        });
    ui.separator();
}

/// The old version's actions of one workflow: what a ghost shows.
#[derive(Debug, Default)]
struct OldActions {
    workflow: usize,
    /// By name: type, first run-after predecessor, parent control action.
    by_name: HashMap<String, (String, Option<String>, Option<String>)>,
}

/// A comparison shown on the canvas.
pub struct Active {
    /// What the document is compared with, for the bar.
    pub against: String,
    old: Arc<Document>,
    /// Comparing with the saved version: the base it was read from (a save
    /// moves the comparison to the new saved version).
    saved: Option<Arc<Base>>,
    /// The open document's path when the comparison started (another file
    /// opened ends it).
    path: Option<PathBuf>,
    diffs: Arc<Vec<WorkflowDiff>>,
    /// The document revision the diffs describe.
    revision: u64,
    wanted: Option<(u64, Instant)>,
    job: Option<(u64, mpsc::Receiver<Vec<WorkflowDiff>>)>,
    old_actions: OldActions,
    decor: Option<Arc<Decor>>,
    /// (derived revision, diff revision, workflow) of `decor`.
    decor_key: Option<(u64, u64, usize)>,
    /// The stop "Next change" is on.
    cursor: Option<usize>,
    /// Just started: the view is fitted to the drawing and its ghosts.
    fresh: bool,
}

impl Active {
    fn new(old: Document, against: String, session: &Session, saved: Option<Arc<Base>>) -> Active {
        let diffs = diff_documents(&old, session.doc());
        Active {
            against,
            old: Arc::new(old),
            saved,
            path: session.path().cloned(),
            diffs: Arc::new(diffs),
            revision: session.editor.revision(),
            wanted: None,
            job: None,
            old_actions: OldActions {
                workflow: usize::MAX,
                ..OldActions::default()
            },
            decor: None,
            decor_key: None,
            cursor: None,
            fresh: true,
        }
    }

    /// Whether the diff shown is older than the document.
    pub fn pending(&self, session: &Session) -> bool {
        self.revision != session.editor.revision()
    }

    /// Brings the diff up to the document's revision: at once when small,
    /// else on a worker once typing pauses. Returns when to look again.
    fn follow(&mut self, session: &Session) -> Option<Duration> {
        let rev = session.editor.revision();
        if let Some((job, rx)) = &self.job {
            match rx.try_recv() {
                Ok(d) => {
                    self.revision = *job;
                    self.diffs = Arc::new(d);
                    self.job = None;
                }
                Err(mpsc::TryRecvError::Empty) => return Some(Duration::from_millis(30)),
                Err(mpsc::TryRecvError::Disconnected) => self.job = None,
            }
        }
        if self.revision == rev {
            self.wanted = None;
            return None;
        }
        if session.current().graph.outline.nodes.len() < BACKGROUND_VALIDATION_NODES {
            self.diffs = Arc::new(diff_documents(&self.old, session.doc()));
            self.revision = rev;
            return None;
        }
        match self.wanted {
            Some((w, since)) if w == rev => {
                let waited = since.elapsed();
                if waited < VALIDATION_DEBOUNCE {
                    return Some(VALIDATION_DEBOUNCE - waited);
                }
                self.wanted = None;
                let old = self.old.clone();
                let new = session.doc().clone();
                let (tx, rx) = mpsc::channel();
                let spawned = std::thread::Builder::new()
                    .name("lapis-compare".into())
                    .spawn(move || {
                        let _ = tx.send(diff_documents(&old, &new));
                    });
                if spawned.is_ok() {
                    self.job = Some((rev, rx));
                }
                Some(Duration::from_millis(30))
            }
            _ => {
                self.wanted = Some((rev, Instant::now()));
                Some(VALIDATION_DEBOUNCE)
            }
        }
    }

    fn old_actions(&mut self, workflow: usize) -> &OldActions {
        if self.old_actions.workflow != workflow {
            let mut by_name = HashMap::new();
            if let Ok(o) = self.old.outline(workflow) {
                for n in &o.nodes {
                    let parent = n.parent.map(|(p, _)| o.nodes[p].name.clone());
                    let after = n.run_after.first().map(|r| r.target.clone());
                    by_name.insert(n.name.clone(), (n.type_name.clone(), after, parent));
                }
            }
            self.old_actions = OldActions { workflow, by_name };
        }
        &self.old_actions
    }

    /// The decoration for the derived view `d` of workflow `workflow`.
    fn decor(&mut self, d: &Derived, workflow: usize) -> Arc<Decor> {
        let key = (d.revision, self.revision, workflow);
        if let (Some(k), Some(dec)) = (self.decor_key, &self.decor) {
            if k == key {
                return dec.clone();
            }
        }
        let diffs = self.diffs.clone();
        let against = self.against.clone();
        let current = self.decor.as_ref().and_then(|x| x.current_ghost);
        let old = self.old_actions(workflow);
        let mut dec = resolve(d, diffs.get(workflow), old, against);
        dec.current_ghost = current.filter(|&g| g < dec.ghosts.len());
        let dec = Arc::new(dec);
        self.decor = Some(dec.clone());
        self.decor_key = Some(key);
        dec
    }
}

/// Maps a workflow's changes onto the cards, edges and ghosts of `d`.
fn resolve(d: &Derived, wd: Option<&WorkflowDiff>, old: &OldActions, against: String) -> Decor {
    let outline = &d.graph.outline;
    let ids: HashMap<&str, NodeId> = outline
        .nodes
        .iter()
        .map(|n| (n.name.as_str(), n.id))
        .collect();
    let mut dec = Decor {
        revision: d.revision,
        nodes: outline.nodes.len(),
        against,
        cards: vec![None; outline.nodes.len()],
        ..Decor::default()
    };
    let Some(wd) = wd else { return dec };
    let mut old_to_new: HashMap<&str, &str> = HashMap::new();
    let mut new_to_old: HashMap<&str, &str> = HashMap::new();
    for c in &wd.changes {
        if let Change::Renamed { from, to } = c {
            old_to_new.insert(from, to);
            new_to_old.insert(to, from);
        }
    }
    let changed = |cards: &mut Vec<Option<CardMark>>, name: &str| -> Option<NodeId> {
        let id = *ids.get(name)?;
        let slot = &mut cards[id];
        if slot.is_none() {
            *slot = Some(CardMark {
                mark: Mark::Changed,
                notes: Vec::new(),
                fields: Vec::new(),
            });
        }
        Some(id)
    };
    let show = |v: &Option<serde_json::Value>| match v {
        None => "(none)".to_string(),
        Some(v) => serde_json::to_string(v).unwrap_or_default(),
    };
    let mut removed = Vec::new();
    for c in &wd.changes {
        match c {
            Change::Added { name, .. } => {
                if let Some(&id) = ids.get(name.as_str()) {
                    dec.cards[id] = Some(CardMark {
                        mark: Mark::Added,
                        notes: Vec::new(),
                        fields: Vec::new(),
                    });
                }
            }
            Change::Removed { name, scope } => removed.push((name, scope)),
            Change::Renamed { from, to } => {
                if let Some(id) = changed(&mut dec.cards, to) {
                    if let Some(m) = dec.cards[id].as_mut() {
                        m.notes.push(format!("renamed from {from}"));
                    }
                }
            }
            Change::Moved { name, from, to } => {
                if let Some(id) = changed(&mut dec.cards, name) {
                    if let Some(m) = dec.cards[id].as_mut() {
                        m.notes.push(format!("moved from {from} to {to}"));
                    }
                }
            }
            Change::RunAfter { name, old, new } => {
                let Some(id) = changed(&mut dec.cards, name) else {
                    continue;
                };
                if let Some(m) = dec.cards[id].as_mut() {
                    m.notes.push("run-after changed".into());
                    m.fields.push(format!(
                        "/runAfter: {} -> {}",
                        serde_json::to_string(old).unwrap_or_default(),
                        serde_json::to_string(new).unwrap_or_default()
                    ));
                }
                let empty = serde_json::Map::new();
                let om = old.as_object().unwrap_or(&empty);
                match new.as_object() {
                    Some(nm) if !nm.is_empty() => {
                        for (k, v) in nm {
                            let was = new_to_old.get(k.as_str()).copied().unwrap_or(k);
                            if om.get(was) != Some(v) {
                                if let Some(&from) = ids.get(k.as_str()) {
                                    dec.edges.insert((Some(from), id));
                                }
                            }
                        }
                    }
                    _ => {
                        if !om.is_empty() {
                            dec.edges.insert((None, id));
                        }
                    }
                }
            }
            Change::Field {
                name,
                pointer,
                old,
                new,
            } => {
                if let Some(id) = changed(&mut dec.cards, name) {
                    if let Some(m) = dec.cards[id].as_mut() {
                        m.fields
                            .push(format!("{pointer}: {} -> {}", show(old), show(new)));
                    }
                }
            }
            Change::Parameter { .. } | Change::AccessControl { .. } | Change::Definition { .. } => {
                dec.other += 1
            }
        }
    }
    // Ghosts: a column right of the drawing, each level with the row after
    // the card it ran after, else the top of its former scope.
    let l = &d.layout;
    let x = l.size.0 + GHOST_GAP;
    let now = |old_name: &str| -> Option<NodeId> {
        let n = old_to_new.get(old_name).copied().unwrap_or(old_name);
        ids.get(n).copied().filter(|&i| l.nodes[i].visible)
    };
    let mut ghosts: Vec<Ghost> = removed
        .into_iter()
        .map(|(name, scope)| {
            let (type_name, after, parent) =
                old.by_name.get(name.as_str()).cloned().unwrap_or_default();
            let (anchor, y) = match (
                after.as_deref().and_then(now),
                parent.as_deref().and_then(now),
            ) {
                (Some(a), _) => (Some(a), l.nodes[a].header.bottom() + 24.0),
                (None, Some(p)) => (Some(p), l.nodes[p].header.bottom() + 16.0),
                (None, None) => (None, 0.0),
            };
            Ghost {
                name: name.clone(),
                type_name,
                scope: scope.clone(),
                rect: LRect::new(x, y, GHOST_W, GHOST_H),
                anchor,
            }
        })
        .collect();
    // A ghost whose predecessor or former scope was removed too stands
    // under that ghost (a removed scope's removed children under it), not
    // at the top: passes follow the chain, as deep as it goes.
    let index: HashMap<&str, usize> = ghosts
        .iter()
        .enumerate()
        .map(|(i, g)| (g.name.as_str(), i))
        .collect();
    let links: Vec<Option<usize>> = ghosts
        .iter()
        .map(|g| {
            if g.anchor.is_some() {
                return None;
            }
            let (_, after, parent) = old
                .by_name
                .get(g.name.as_str())
                .cloned()
                .unwrap_or_default();
            after
                .as_deref()
                .or(parent.as_deref())
                .and_then(|n| index.get(n).copied())
        })
        .collect();
    for _ in 0..ghosts.len().min(64) {
        let mut moved = false;
        for i in 0..ghosts.len() {
            if let Some(j) = links[i].filter(|&j| j != i) {
                let y = ghosts[j].rect.y + GHOST_H + 16.0;
                if ghosts[i].rect.y < y {
                    ghosts[i].rect.y = y;
                    moved = true;
                }
            }
        }
        if !moved {
            break;
        }
    }
    ghosts.sort_by(|a, b| a.rect.y.total_cmp(&b.rect.y));
    let mut floor = f32::MIN;
    for g in &mut ghosts {
        g.rect.y = g.rect.y.max(floor);
        floor = g.rect.y + GHOST_H + 16.0;
    }
    // Stops in reading order: top to bottom, then left to right.
    let mut stops: Vec<(f32, f32, Stop)> = dec
        .cards
        .iter()
        .enumerate()
        .filter(|(_, m)| m.is_some())
        .map(|(i, _)| (l.nodes[i].header.y, l.nodes[i].header.x, Stop::Card(i)))
        .collect();
    stops.extend(
        ghosts
            .iter()
            .enumerate()
            .map(|(i, g)| (g.rect.y, g.rect.x, Stop::Ghost(i))),
    );
    stops.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    dec.stops = stops.into_iter().map(|s| s.2).collect();
    dec.ghosts = ghosts;
    dec
}

/// The Compare state: the list window and the comparison on the canvas.
#[derive(Default)]
pub struct Compare {
    /// The path typed in the "Compare with file" field.
    pub path_input: String,
    /// Whether the list window is open.
    pub window: bool,
    /// Why the last comparison could not start.
    pub error: Option<String>,
    /// The comparison shown on the canvas.
    pub active: Option<Active>,
}

impl std::fmt::Debug for Compare {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compare")
            .field("against", &self.active.as_ref().map(|a| &a.against))
            .field("window", &self.window)
            .finish()
    }
}

impl Compare {
    /// Compares the session's document (new) with the version it was
    /// loaded or last saved as (old).
    pub fn with_saved(session: &Session) -> Compare {
        let doc = session.doc();
        let mut c = Compare {
            window: true,
            ..Compare::default()
        };
        match &doc.base {
            None => c.error = Some("the document has never been saved".into()),
            Some(b) => match Document::from_bytes(b.text.as_bytes(), doc.path.as_deref()) {
                Ok(old) => {
                    c.active = Some(Active::new(
                        old,
                        "the saved version".into(),
                        session,
                        Some(b.clone()),
                    ))
                }
                Err(e) => c.error = Some(e.to_string()),
            },
        }
        c
    }

    /// Compares the session's document (new) with the file at `path` (old).
    pub fn with_file(session: &Session, path: &Path) -> Compare {
        let mut c = Compare {
            window: true,
            path_input: path.display().to_string(),
            ..Compare::default()
        };
        match Document::load(path) {
            Ok(old) => c.active = Some(Active::new(old, path.display().to_string(), session, None)),
            Err(e) => c.error = Some(e.to_string()),
        }
        c
    }

    /// What the document is compared with.
    pub fn against(&self) -> Option<&str> {
        self.active.as_ref().map(|a| a.against.as_str())
    }

    /// The lines the window lists, one per change.
    pub fn lines(&self) -> Vec<String> {
        if let Some(e) = &self.error {
            return vec![format!("Cannot compare: {e}")];
        }
        let Some(a) = &self.active else {
            return Vec::new();
        };
        let d: Vec<&WorkflowDiff> = a.diffs.iter().filter(|w| !w.changes.is_empty()).collect();
        if d.is_empty() {
            return vec!["No differences".into()];
        }
        d.iter()
            .flat_map(|w| {
                std::iter::once(format!("Workflow {}", w.workflow)).chain(w.changes.iter().map(
                    |c| {
                        // egui's bundled fonts have no "→".
                        describe(c).replace(" → ", " -> ")
                    },
                ))
            })
            .collect()
    }
}

/// Opens the list window (File ▸ Compare with…), keeping a comparison in
/// progress.
pub fn open_window(c: &mut Option<Compare>) {
    c.get_or_insert_with(Compare::default).window = true;
}

/// Draws the window; returns whether it stays open.
fn window(ctx: &egui::Context, c: &mut Compare, session: &Session) -> bool {
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
                    *c = Compare::with_file(session, Path::new(&p));
                }
                if ui.button("Compare with saved version").clicked() {
                    let input = std::mem::take(&mut c.path_input);
                    *c = Compare::with_saved(session);
                    c.path_input = input;
                }
            });
            if let Some(a) = c.against() {
                ui.label(format!("Changes since {a}"));
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

/// Fits the drawing and the ghost column into the canvas's last size when
/// they fit at a readable zoom; otherwise the view stays.
fn fit_with_ghosts(canvas: &mut Canvas, l: &Layout, dec: &Decor) {
    let (mut w, mut h) = l.size;
    for g in &dec.ghosts {
        w = w.max(g.rect.right());
        h = h.max(g.rect.bottom());
    }
    // The minimap's column (200 px) may take the right of the canvas.
    let size = canvas.last_rect.size() - vec2(200.0, 0.0);
    let pad = 24.0;
    if !(size.x > 2.0 * pad && size.y > 2.0 * pad) {
        return;
    }
    let z = ((size.x - 2.0 * pad) / w.max(1.0))
        .min((size.y - 2.0 * pad) / h.max(1.0))
        .min(1.0);
    if z >= 0.45 {
        canvas.zoom = z;
        canvas.offset = vec2((size.x - w * z) / 2.0, pad.max((size.y - h * z) / 2.0));
    }
}

/// The app's one hook, called before the canvas is drawn: the list window,
/// the comparison following edits, the bar above the canvas, and the
/// decoration handed to the canvas and the inspector.
pub fn frame(
    ui: &mut Ui,
    compare: &mut Option<Compare>,
    session: &mut Session,
    canvas: &mut Canvas,
    inspector: &mut super::inspector::InspectorState,
) {
    let ctx = ui.ctx().clone();
    if let Some(c) = compare.as_mut().filter(|c| c.window) {
        c.window = window(&ctx, c, session);
    }
    // Another file opened, or a save moved the saved version.
    if let Some(c) = compare.as_mut() {
        if let Some(a) = &c.active {
            if a.path.as_ref() != session.path() {
                c.active = None;
            } else if let (Some(s), Some(b)) = (&a.saved, &session.doc().base) {
                if !Arc::ptr_eq(s, b) {
                    let keep = std::mem::take(&mut c.path_input);
                    let window = c.window;
                    *c = Compare::with_saved(session);
                    c.path_input = keep;
                    c.window = window;
                }
            }
        }
    }
    if compare
        .as_ref()
        .is_some_and(|c| !c.window && c.active.is_none())
    {
        *compare = None;
    }
    let Some(a) = compare.as_mut().and_then(|c| c.active.as_mut()) else {
        canvas.compare = None;
        inspector.compare = None;
        return;
    };
    if let Some(after) = a.follow(session) {
        ctx.request_repaint_after(after);
    }
    let workflow = session.workflow;
    let dec = a.decor(session.view(), workflow);
    if std::mem::take(&mut a.fresh) {
        fit_with_ghosts(canvas, &session.current().layout, &dec);
    }
    let mut end = false;
    let mut show_list = false;
    let mut step: Option<bool> = None;
    egui::Panel::top("lapis-compare-bar").show(ui, |ui| {
        // Wraps on a narrow window: every button stays reachable.
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(format!("Comparing with {}", a.against)).strong());
            let (added, changed, removed) = dec.counts();
            let mut summary = format!("{added} added · {changed} changed · {removed} removed");
            if dec.other > 0 {
                summary.push_str(&format!(" · {} other", dec.other));
            }
            ui.label(summary);
            if a.pending(session) {
                ui.weak("updating…");
            }
            ui.separator();
            let any = !dec.stops.is_empty();
            if ui
                .add_enabled(any, egui::Button::new("Previous change"))
                .on_hover_text("Shift+F8")
                .clicked()
            {
                step = Some(false);
            }
            if ui
                .add_enabled(any, egui::Button::new("Next change"))
                .on_hover_text("F8")
                .clicked()
            {
                step = Some(true);
            }
            if let Some(i) = a.cursor.filter(|&i| i < dec.stops.len()) {
                ui.label(format!("{} of {}", i + 1, dec.stops.len()));
            }
            ui.separator();
            if ui.button("Show list").clicked() {
                show_list = true;
            }
            if ui.button("End comparison").clicked() {
                end = true;
            }
        });
    });
    if step.is_none() && !ctx.egui_wants_keyboard_input() {
        step = ui.input(|i| i.key_pressed(egui::Key::F8).then_some(!i.modifiers.shift));
    }
    if let Some(forward) = step.filter(|_| !dec.stops.is_empty()) {
        let n = dec.stops.len();
        let i = match (a.cursor.filter(|&i| i < n), forward) {
            (None, true) => 0,
            (None, false) => n - 1,
            (Some(i), true) => (i + 1) % n,
            (Some(i), false) => (i + n - 1) % n,
        };
        a.cursor = Some(i);
        let mut next = (*dec).clone();
        next.current_ghost = None;
        match dec.stops[i] {
            Stop::Card(id) => {
                session.select_node(id);
                canvas.center_pending = Some(id);
            }
            Stop::Ghost(g) => {
                session.selection.clear();
                next.current_ghost = Some(g);
                let r = dec.ghosts[g].rect;
                if canvas.zoom < super::canvas::READABLE_ZOOM {
                    canvas.zoom = 0.8;
                }
                // The minimap's column (200 px) may take the right of the canvas.
                let size = canvas.last_rect.size() - vec2(200.0, 0.0);
                let c = r.center();
                canvas.offset = size / 2.0 - vec2(c.x, c.y) * canvas.zoom;
            }
        }
        let next = Arc::new(next);
        a.decor = Some(next.clone());
        canvas.compare = Some(next.clone());
        inspector.compare = Some(next);
    } else {
        canvas.compare = Some(dec.clone());
        inspector.compare = Some(dec);
    }
    if let Some(c) = compare.as_mut() {
        if show_list {
            c.window = true;
        }
        if end {
            *compare = None;
            canvas.compare = None;
            inspector.compare = None;
        }
    }
}
