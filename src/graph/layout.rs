//! Layered, top-down layout of a workflow with nested scopes.
//!
//! The layout is a pure, deterministic function of the [`WorkflowGraph`] and
//! the [`LayoutOptions`]: positions and sizes in plain `f32` (y grows
//! downwards, the origin is the top-left corner of the canvas). The window
//! only draws it.
//!
//! # Algorithm
//!
//! * **Triggers** form the first row at the top, side by side, centred.
//! * **Each sibling list** (the top level, or one branch of a control
//!   action) is laid out on its own, Sugiyama-style:
//!   1. *Layering*: the layer of an action is the longest run-after path
//!      from the list's entry actions (those whose run-after names no
//!      sibling). Actions caught in a cycle are placed anyway: when no action
//!      is ready, the first unplaced one in file order is forced in below the
//!      predecessors it already has, and its remaining incoming edges become
//!      *back edges*.
//!   2. *Long edges* (spanning more than one layer) get a narrow dummy
//!      column in every layer they cross; long edges from the same source
//!      share their columns (a bus), so the dummies stay linear in the
//!      number of edges.
//!   3. *Ordering*: a few barycenter sweeps (down, up) reduce crossings;
//!      sorting is stable (ties keep the current order, which starts as file
//!      order), and the ordering with the fewest crossings seen is kept.
//!   4. *Coordinates*: every layer is packed left to right (`h_gap` between
//!      boxes, less next to dummy columns) and centred on the list's centre
//!      line, so a straight chain lines up on one vertical axis. Boxes are
//!      top-aligned in their layer; a layer is as tall as its tallest box;
//!      layers are `v_gap` apart.
//! * **Control actions** that are not collapsed are *containers*: a header
//!   strip `header_h` tall across the **full container width** (the card of
//!   the action itself), then the branches side by side (If: True, False;
//!   Switch: the cases in file order, then Default; Agent: the tools, then
//!   its body), each a lane with its label above it and its own recursive
//!   layout inside, `scope_pad` around everything. An empty branch gets a
//!   placeholder of half a card. Sizes are computed bottom-up, positions
//!   top-down; the recursion depth is the nesting depth.
//! * **Edges** are orthogonal polylines: down from the source's bottom
//!   centre into the gap below its layer (each source in a gap gets its own
//!   horizontal track when there is room), across, down through the dummy
//!   columns, and into the target's top centre. Back edges (cycles) leave
//!   through a channel on the right of the list and come back in the gap
//!   above the target. Entry edges start at the first trigger's bottom centre
//!   (top level) or at the top centre of the lane (inside a branch). Routes
//!   never cross a box other than their own ends and the containers they sit
//!   in.
//!
//! Everything is linear or `n log n` in the number of actions plus dummy
//! columns; [`LayoutCache`] recomputes only when the structure changes.

use super::{Edge, WorkflowGraph};
use crate::workflow::tree::{BranchKind, NodeId, Role};
use std::collections::{HashSet, VecDeque};
use std::hash::{Hash, Hasher};

/// Width of the dummy column a long edge takes in a layer it crosses.
const LONG_EDGE_W: f32 = 16.0;
/// Gap between two neighbouring dummy columns.
const LONG_EDGE_GAP: f32 = 8.0;
/// Spacing of the vertical channels used by back edges.
const CHANNEL_STEP: f32 = 8.0;
/// Distance between two horizontal tracks in one gap.
const TRACK_SPACING: f32 = 6.0;
/// The middle part of a gap that holds its tracks.
const TRACK_BAND: f32 = 0.7;
/// How far beside its segment an edge label's anchor sits.
const LABEL_OFFSET: f32 = 4.0;
/// No item.
const NONE: u32 = u32::MAX;
/// Barycenter iterations (each a down and an up sweep).
const SWEEPS: usize = 4;

/// An axis-aligned rectangle; `(x, y)` is the top-left corner, y grows
/// downwards.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rect {
    /// Left side.
    pub x: f32,
    /// Top side.
    pub y: f32,
    /// Width.
    pub w: f32,
    /// Height.
    pub h: f32,
}

impl Rect {
    /// A rectangle from its top-left corner and size.
    pub const fn new(x: f32, y: f32, w: f32, h: f32) -> Rect {
        Rect { x, y, w, h }
    }

    /// The x of the right side.
    pub fn right(&self) -> f32 {
        self.x + self.w
    }

    /// The y of the bottom side.
    pub fn bottom(&self) -> f32 {
        self.y + self.h
    }

    /// The x of the vertical centre line.
    pub fn center_x(&self) -> f32 {
        self.x + self.w / 2.0
    }

    /// The y of the horizontal centre line.
    pub fn center_y(&self) -> f32 {
        self.y + self.h / 2.0
    }

    /// The centre.
    pub fn center(&self) -> Point {
        Point::new(self.center_x(), self.center_y())
    }

    /// The middle of the top side (where edges enter).
    pub fn top_center(&self) -> Point {
        Point::new(self.center_x(), self.y)
    }

    /// The middle of the bottom side (where edges leave).
    pub fn bottom_center(&self) -> Point {
        Point::new(self.center_x(), self.bottom())
    }

    /// True when the two rectangles overlap with a positive area (touching
    /// sides do not count; an empty rectangle intersects nothing).
    pub fn intersects(&self, other: &Rect) -> bool {
        self.x.max(other.x) < self.right().min(other.right())
            && self.y.max(other.y) < self.bottom().min(other.bottom())
    }

    /// True when the point lies inside or on the border.
    pub fn contains_point(&self, p: Point) -> bool {
        p.x >= self.x && p.x <= self.right() && p.y >= self.y && p.y <= self.bottom()
    }

    /// True when `other` lies inside this rectangle (borders may touch).
    pub fn contains_rect(&self, other: &Rect) -> bool {
        other.x >= self.x
            && other.right() <= self.right()
            && other.y >= self.y
            && other.bottom() <= self.bottom()
    }

    /// The rectangle moved by `(dx, dy)`.
    pub fn translate(&self, dx: f32, dy: f32) -> Rect {
        Rect::new(self.x + dx, self.y + dy, self.w, self.h)
    }
}

/// A point on the canvas.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Point {
    /// Horizontal position.
    pub x: f32,
    /// Vertical position (grows downwards).
    pub y: f32,
}

impl Point {
    /// A point from its coordinates.
    pub const fn new(x: f32, y: f32) -> Point {
        Point { x, y }
    }
}

/// Sizes and spacing of the layout, and which scopes are collapsed.
#[derive(Debug, Clone, PartialEq)]
pub struct LayoutOptions {
    /// Width of an action or trigger card (and of a collapsed scope).
    pub card_w: f32,
    /// Height of an action or trigger card (and of a collapsed scope).
    pub card_h: f32,
    /// Horizontal gap between neighbouring boxes in a layer.
    pub h_gap: f32,
    /// Vertical gap between layers (edges run across in it).
    pub v_gap: f32,
    /// Padding inside containers and lanes, and the gap between lanes.
    pub scope_pad: f32,
    /// Height of a container's header strip.
    pub header_h: f32,
    /// Height of a branch label above its lane (omitted when every branch
    /// of the container is an unlabelled body).
    pub label_h: f32,
    /// Names of control actions drawn as plain cards, their contents hidden.
    pub collapsed: HashSet<String>,
}

impl Default for LayoutOptions {
    fn default() -> Self {
        LayoutOptions {
            card_w: 240.0,
            card_h: 64.0,
            h_gap: 40.0,
            v_gap: 48.0,
            scope_pad: 16.0,
            header_h: 40.0,
            label_h: 24.0,
            collapsed: HashSet::new(),
        }
    }
}

/// What a box draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoxKind {
    /// A plain card: a trigger, an action, or a collapsed control action.
    Card,
    /// An expanded control action: a header strip and its branches' lanes.
    Container,
}

/// The box of one trigger or action.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeBox {
    /// The outline node.
    pub id: NodeId,
    /// Card or container.
    pub kind: BoxKind,
    /// The whole box, contents included.
    pub rect: Rect,
    /// The card part: the header strip of a container (full width,
    /// `header_h` tall); equal to `rect` for a card.
    pub header: Rect,
    /// The outline depth (1 = top level).
    pub depth: usize,
    /// False for actions inside a collapsed scope: their rect is empty and
    /// sits at the centre of the collapsed card.
    pub visible: bool,
}

/// The lane of one branch of a container.
#[derive(Debug, Clone, PartialEq)]
pub struct BranchBox {
    /// The container.
    pub owner: NodeId,
    /// Index into the owner's `branches`.
    pub branch: usize,
    /// `BranchKind::label()`: "True", "Case x", … ("" for a body).
    pub label: String,
    /// The lane; the branch's actions lie inside it.
    pub rect: Rect,
    /// Where the label goes, right above the lane (zero height when the
    /// container's branches have no labels).
    pub label_rect: Rect,
}

/// The drawn path of one edge.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeRoute {
    /// The action waited for; `None` for an entry edge, which starts at the
    /// first trigger (top level) or at the top of the branch's lane.
    pub from: Option<NodeId>,
    /// The waiting action.
    pub to: NodeId,
    /// The run-after statuses as written (empty for entry edges).
    pub statuses: Vec<String>,
    /// True when the edge waits only for success (or is an entry edge).
    pub plain: bool,
    /// An orthogonal polyline: it starts at the source's bottom centre and
    /// ends at the target's top centre; every segment is horizontal or
    /// vertical.
    pub points: Vec<Point>,
    /// For non-plain edges, an anchor for the status label, just right of
    /// the last (vertical) segment, halfway along it.
    pub label_at: Option<Point>,
    /// Points on this edge's horizontal segments where the line of an edge
    /// from another source crosses it (drawn as a small hop, so a crossing
    /// never reads as a joint).
    pub crossings: Vec<Point>,
}

/// A computed layout.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Layout {
    /// One box per outline node, indexed by `NodeId` (`nodes[id].id == id`).
    pub nodes: Vec<NodeBox>,
    /// The lanes of every expanded container.
    pub branches: Vec<BranchBox>,
    /// Entry edges and run-after edges between visible actions.
    pub edges: Vec<EdgeRoute>,
    /// Width and height of the whole drawing.
    pub size: (f32, f32),
}

impl Layout {
    /// The box of a node.
    pub fn node(&self, id: NodeId) -> &NodeBox {
        &self.nodes[id]
    }

    /// The visible boxes.
    pub fn visible(&self) -> impl Iterator<Item = &NodeBox> {
        self.nodes.iter().filter(|b| b.visible)
    }

    /// The lane of branch `branch` of `owner`, when it is drawn.
    pub fn branch(&self, owner: NodeId, branch: usize) -> Option<&BranchBox> {
        self.branches
            .iter()
            .find(|b| b.owner == owner && b.branch == branch)
    }

    /// The innermost visible box under a point.
    pub fn hit_test(&self, p: Point) -> Option<NodeId> {
        self.visible()
            .filter(|b| b.rect.contains_point(p))
            .max_by_key(|b| b.depth)
            .map(|b| b.id)
    }
}

/// Lays out a workflow graph. Deterministic: the same graph and options
/// give an identical layout.
pub fn layout(g: &WorkflowGraph, opts: &LayoutOptions) -> Layout {
    let o = &g.outline;
    let mut cx = Ctx::new(g, opts);

    let trig_n = o.triggers.len();
    let trow_w = if trig_n == 0 {
        0.0
    } else {
        trig_n as f32 * opts.card_w + (trig_n - 1) as f32 * opts.h_gap
    };
    let (top_gap, entry_dx) = if trig_n > 0 {
        (opts.v_gap, Some(opts.card_w / 2.0 - trow_w / 2.0))
    } else {
        (opts.v_gap / 2.0, None)
    };
    let top = cx.measure_list(&o.top, top_gap, entry_dx);
    let (lw, lh) = (cx.lists[top].w, cx.lists[top].h);
    let total_w = trow_w.max(lw);
    let list_y = if trig_n > 0 {
        opts.card_h + opts.v_gap
    } else {
        top_gap
    };
    let total_h = if o.top.is_empty() {
        if trig_n > 0 {
            opts.card_h
        } else {
            0.0
        }
    } else {
        list_y + lh
    };

    let mut out = Layout {
        nodes: o
            .nodes
            .iter()
            .map(|n| NodeBox {
                id: n.id,
                kind: BoxKind::Card,
                rect: Rect::default(),
                header: Rect::default(),
                depth: n.depth,
                visible: false,
            })
            .collect(),
        branches: Vec::new(),
        edges: Vec::with_capacity(o.nodes.len() + o.nodes.len() / 2),
        size: (total_w, total_h),
    };

    let tx0 = (total_w - trow_w) / 2.0;
    for (i, &t) in o.triggers.iter().enumerate() {
        let r = Rect::new(
            tx0 + i as f32 * (opts.card_w + opts.h_gap),
            0.0,
            opts.card_w,
            opts.card_h,
        );
        let b = &mut out.nodes[t];
        b.rect = r;
        b.header = r;
        b.visible = true;
    }
    cx.place(top, (total_w - lw) / 2.0, list_y, &mut out);
    out
}

/// A structural fingerprint of a graph and options: names, types, nesting,
/// branches, run-after targets and statuses, the collapsed set and the
/// sizes. Values such as `inputs` or `expression` do not take part.
pub fn fingerprint(g: &WorkflowGraph, opts: &LayoutOptions) -> u64 {
    let mut h = WordHasher::default();
    for f in [
        opts.card_w,
        opts.card_h,
        opts.h_gap,
        opts.v_gap,
        opts.scope_pad,
        opts.header_h,
        opts.label_h,
    ] {
        f.to_bits().hash(&mut h);
    }
    // Order-independent over the set, without sorting.
    let mut collapsed = 0u64;
    for name in &opts.collapsed {
        let mut hh = WordHasher::default();
        name.hash(&mut hh);
        collapsed = collapsed.wrapping_add(hh.finish());
    }
    collapsed.hash(&mut h);
    opts.collapsed.len().hash(&mut h);

    let o = &g.outline;
    o.nodes.len().hash(&mut h);
    o.triggers.hash(&mut h);
    o.top.hash(&mut h);
    for n in &o.nodes {
        n.name.hash(&mut h);
        n.type_name.hash(&mut h);
        matches!(n.role, Role::Trigger).hash(&mut h);
        n.parent.hash(&mut h);
        n.depth.hash(&mut h);
        n.run_after.len().hash(&mut h);
        for ra in &n.run_after {
            ra.target.hash(&mut h);
            ra.statuses.hash(&mut h);
        }
        n.branches.len().hash(&mut h);
        for b in &n.branches {
            b.kind.hash(&mut h);
            b.children.hash(&mut h);
        }
    }
    h.finish()
}

/// Keeps the last layout and recomputes it only when the structure (see
/// [`fingerprint`]) changed.
#[derive(Debug, Clone, Default)]
pub struct LayoutCache {
    key: Option<u64>,
    layout: Layout,
    recomputations: usize,
}

impl LayoutCache {
    /// An empty cache.
    pub fn new() -> LayoutCache {
        LayoutCache::default()
    }

    /// The layout of `g`, recomputed only when its structure or the options
    /// changed since the last call.
    pub fn get(&mut self, g: &WorkflowGraph, opts: &LayoutOptions) -> &Layout {
        let key = fingerprint(g, opts);
        if self.key != Some(key) {
            self.layout = layout(g, opts);
            self.key = Some(key);
            self.recomputations += 1;
        }
        &self.layout
    }

    /// How many times a layout was computed.
    pub fn recomputations(&self) -> usize {
        self.recomputations
    }

    /// Forgets the last layout; the next `get` recomputes.
    pub fn invalidate(&mut self) {
        self.key = None;
    }
}

// ---------------------------------------------------------------------------
// Internals.

/// A fast, deterministic 64-bit hasher for the fingerprint (it runs on every
/// `LayoutCache::get`, so every frame): eight bytes at a time, multiply and
/// rotate, with a final avalanche. Not for untrusted keys in hash tables.
#[derive(Default)]
struct WordHasher(u64);

impl WordHasher {
    fn mix(&mut self, w: u64) {
        self.0 = (self.0 ^ w)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(29);
    }
}

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.mix(u64::from_le_bytes(c.try_into().expect("eight bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut buf = [0u8; 8];
            buf[..rest.len()].copy_from_slice(rest);
            self.mix(u64::from_le_bytes(buf) ^ ((rest.len() as u64) << 59));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.mix(u64::from(i) | 0x100);
    }

    fn write_u32(&mut self, i: u32) {
        self.mix(u64::from(i) | (1 << 40));
    }

    fn write_u64(&mut self, i: u64) {
        self.mix(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.mix(i as u64);
    }

    fn finish(&self) -> u64 {
        // murmur3's fmix64.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

/// One run-after edge inside a list, in slot indices.
struct RawEdge<'a> {
    p: u32,
    v: u32,
    edge: &'a Edge,
}

/// A lane of a container, relative to the container's top-left corner.
struct LaneGeom {
    branch: usize,
    lane: Rect,
    label: Rect,
    /// Top-left of the branch list's block.
    origin: (f32, f32),
    list: usize,
}

/// A laid-out sibling list, in coordinates relative to its top-left corner.
struct ListGeom<'a> {
    ids: &'a [NodeId],
    w: f32,
    h: f32,
    edges: Vec<EdgeRoute>,
}

struct Ctx<'a> {
    g: &'a WorkflowGraph,
    o: &'a LayoutOptions,
    /// Per node: size, and top-left relative to its list's origin.
    size: Vec<(f32, f32)>,
    local: Vec<(f32, f32)>,
    container: Vec<bool>,
    /// Per node: range into `lanes`.
    lane_range: Vec<(usize, usize)>,
    lanes: Vec<LaneGeom>,
    lists: Vec<ListGeom<'a>>,
    /// Per node: the tag of the list being arranged and the node's slot in it.
    tag: Vec<u32>,
    slot: Vec<u32>,
    next_tag: u32,
    /// Scratch for the barycenter sort.
    keys: Vec<(f32, u32)>,
}

impl<'a> Ctx<'a> {
    fn new(g: &'a WorkflowGraph, o: &'a LayoutOptions) -> Ctx<'a> {
        let n = g.outline.nodes.len();
        Ctx {
            g,
            o,
            size: vec![(0.0, 0.0); n],
            local: vec![(0.0, 0.0); n],
            container: vec![false; n],
            lane_range: vec![(0, 0); n],
            lanes: Vec::new(),
            lists: Vec::new(),
            tag: vec![0; n],
            slot: vec![0; n],
            next_tag: 0,
            keys: Vec::new(),
        }
    }

    /// Measures every node of a list (recursively), then arranges the list.
    /// `top_gap` is the free space above the list (its entry and back edges
    /// run there); `entry_dx` is where entry edges start, relative to the
    /// list's centre line, at `top_gap` above it (`None`: no entry edges).
    fn measure_list(&mut self, list: &'a [NodeId], top_gap: f32, entry_dx: Option<f32>) -> usize {
        for &id in list {
            self.measure_node(id);
        }
        let geom = if list.is_empty() {
            ListGeom {
                ids: list,
                w: 0.0,
                h: 0.0,
                edges: Vec::new(),
            }
        } else {
            self.arrange(list, top_gap, entry_dx)
        };
        self.lists.push(geom);
        self.lists.len() - 1
    }

    fn measure_node(&mut self, id: NodeId) {
        let g = self.g;
        let o = self.o;
        let node = &g.outline.nodes[id];
        if node.branches.is_empty() || o.collapsed.contains(node.name.as_str()) {
            self.size[id] = (o.card_w, o.card_h);
            return;
        }
        self.container[id] = true;
        let pad = o.scope_pad;
        let labelled = node.branches.iter().any(|b| b.kind != BranchKind::Body);
        let label_h = if labelled { o.label_h } else { 0.0 };
        let label_y = o.header_h + pad;
        let lane_y = label_y + label_h;
        let min_lane_w = o.card_w * 0.5 + 2.0 * pad;
        let mut mine = Vec::with_capacity(node.branches.len());
        let mut x = pad;
        let mut lane_h_max = 0.0f32;
        for (bi, b) in node.branches.iter().enumerate() {
            let li = self.measure_list(&b.children, pad, Some(0.0));
            let (lw, lh) = (self.lists[li].w, self.lists[li].h);
            let (cw, ch) = if b.children.is_empty() {
                (o.card_w * 0.5, o.card_h * 0.5)
            } else {
                (lw, lh)
            };
            let lane_w = (cw + 2.0 * pad).max(min_lane_w);
            lane_h_max = lane_h_max.max(ch + 2.0 * pad);
            mine.push(LaneGeom {
                branch: bi,
                lane: Rect::new(x, lane_y, lane_w, 0.0),
                label: Rect::new(x, label_y, lane_w, label_h),
                origin: (x + (lane_w - lw) / 2.0, lane_y + pad),
                list: li,
            });
            x += lane_w + pad;
        }
        let inner_w = x;
        let w = inner_w.max(o.card_w);
        let shift = (w - inner_w) / 2.0;
        for lg in &mut mine {
            lg.lane.h = lane_h_max;
            lg.lane.x += shift;
            lg.label.x += shift;
            lg.origin.0 += shift;
        }
        let start = self.lanes.len();
        self.lanes.extend(mine);
        self.lane_range[id] = (start, self.lanes.len());
        self.size[id] = (w, lane_y + lane_h_max + pad);
    }

    /// Layers, orders and places one non-empty list whose nodes are
    /// measured, and routes its edges.
    fn arrange(&mut self, list: &'a [NodeId], top_gap: f32, entry_dx: Option<f32>) -> ListGeom<'a> {
        let g = self.g;
        let o = self.o;
        let n = list.len();
        self.next_tag += 1;
        let tag = self.next_tag;
        for (i, &id) in list.iter().enumerate() {
            self.tag[id] = tag;
            self.slot[id] = i as u32;
        }

        // Run-after edges grouped by target (file order), predecessors in
        // the order written.
        let mut edges: Vec<RawEdge<'a>> = Vec::with_capacity(n);
        let mut pred_start: Vec<u32> = Vec::with_capacity(n + 1);
        for (v, &id) in list.iter().enumerate() {
            pred_start.push(edges.len() as u32);
            for (p, edge) in g.predecessors(id) {
                if self.tag[p] == tag {
                    edges.push(RawEdge {
                        p: self.slot[p],
                        v: v as u32,
                        edge,
                    });
                }
            }
        }
        pred_start.push(edges.len() as u32);
        let preds = |v: usize| &edges[pred_start[v] as usize..pred_start[v + 1] as usize];
        let (succ_start, succ) = csr(n, edges.iter().map(|e| (e.p, e.v)));

        // 1. Layering: longest path by Kahn's algorithm; cycles are broken by
        // forcing the first unplaced node in file order.
        let mut indeg: Vec<u32> = (0..n)
            .map(|v| preds(v).iter().filter(|e| e.p as usize != v).count() as u32)
            .collect();
        let mut layer = vec![0u32; n];
        let mut done = vec![false; n];
        let mut queue: VecDeque<u32> = (0..n as u32).filter(|&v| indeg[v as usize] == 0).collect();
        let mut next_forced = 0usize;
        loop {
            while let Some(v) = queue.pop_front() {
                let v = v as usize;
                if done[v] {
                    continue;
                }
                done[v] = true;
                layer[v] = preds(v)
                    .iter()
                    .filter(|e| e.p as usize != v && done[e.p as usize])
                    .map(|e| layer[e.p as usize] + 1)
                    .max()
                    .unwrap_or(0);
                for &s in &succ[succ_start[v] as usize..succ_start[v + 1] as usize] {
                    let s = s as usize;
                    if s != v && !done[s] {
                        indeg[s] -= 1;
                        if indeg[s] == 0 {
                            queue.push_back(s as u32);
                        }
                    }
                }
            }
            while next_forced < n && done[next_forced] {
                next_forced += 1;
            }
            if next_forced == n {
                break;
            }
            queue.push_back(next_forced as u32);
        }
        let nl = layer.iter().copied().max().unwrap_or(0) as usize + 1;

        // 2. Items: the real nodes (0..n) and the dummy columns of long
        // edges; segments link items in neighbouring layers. Long edges from
        // one source share one dummy per layer (a bus): `next[it]` is the
        // bus's dummy in the layer below item `it`.
        let mut item_layer: Vec<u32> = layer.clone();
        let mut next: Vec<u32> = vec![NONE; n];
        let mut back = vec![false; edges.len()];
        let mut departs_back = vec![false; n];
        let mut segs: Vec<(u32, u32)> = Vec::with_capacity(edges.len());
        for (ei, e) in edges.iter().enumerate() {
            let (lp, lv) = (layer[e.p as usize], layer[e.v as usize]);
            if lp >= lv {
                back[ei] = true;
                departs_back[e.p as usize] = true;
                continue;
            }
            let mut cur = e.p;
            for l in lp + 1..lv {
                if next[cur as usize] == NONE {
                    let d = item_layer.len() as u32;
                    item_layer.push(l);
                    next.push(NONE);
                    next[cur as usize] = d;
                    segs.push((cur, d));
                }
                cur = next[cur as usize];
            }
            segs.push((cur, e.v));
        }
        let items = item_layer.len();
        let item_w: Vec<f32> = (0..items)
            .map(|it| {
                if it < n {
                    self.size[list[it]].0
                } else {
                    LONG_EDGE_W
                }
            })
            .collect();
        let (down_start, down) = csr(items, segs.iter().copied());
        let (up_start, up) = csr(items, segs.iter().map(|&(a, b)| (b, a)));

        // 3. Ordering within layers.
        let mut layers: Vec<Vec<u32>> = vec![Vec::new(); nl];
        for (it, &l) in item_layer.iter().enumerate() {
            layers[l as usize].push(it as u32);
        }
        let mut pos = vec![0u32; items];
        for l in &layers {
            for (i, &it) in l.iter().enumerate() {
                pos[it as usize] = i as u32;
            }
        }
        if nl > 1 {
            let mut best = crossings(&layers, &pos, &down_start, &down);
            let mut best_layers = layers.clone();
            for _ in 0..SWEEPS {
                if best == 0 {
                    break;
                }
                for l in layers.iter_mut().skip(1) {
                    reorder(l, &mut pos, &up_start, &up, &mut self.keys);
                }
                for l in layers.iter_mut().rev().skip(1) {
                    reorder(l, &mut pos, &down_start, &down, &mut self.keys);
                }
                let c = crossings(&layers, &pos, &down_start, &down);
                if c < best {
                    best = c;
                    best_layers.clone_from(&layers);
                }
            }
            layers = best_layers;
            for l in &layers {
                for (i, &it) in l.iter().enumerate() {
                    pos[it as usize] = i as u32;
                }
            }
        }

        // 4. Coordinates.
        let gap = |a: usize, b: usize| match (a < n, b < n) {
            (true, true) => o.h_gap,
            (false, false) => LONG_EDGE_GAP,
            _ => o.h_gap / 2.0,
        };
        // Pack each layer from 0, then shift it so that the middle of its
        // real cards (not the dummy columns of long edges) sits on the
        // centre line: a chain stays on one axis even when long edges pass
        // beside it.
        let mut rel_x = vec![0.0f32; items];
        let (mut left_ext, mut right_ext) = (0.0f32, 0.0f32);
        for l in &layers {
            let mut x = 0.0f32;
            let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
            for (i, &it) in l.iter().enumerate() {
                if i > 0 {
                    x += gap(l[i - 1] as usize, it as usize);
                }
                rel_x[it as usize] = x;
                if (it as usize) < n {
                    lo = lo.min(x);
                    hi = hi.max(x + item_w[it as usize]);
                }
                x += item_w[it as usize];
            }
            if lo > hi {
                (lo, hi) = (0.0, x);
            }
            let mid = (lo + hi) / 2.0;
            for &it in l {
                rel_x[it as usize] -= mid;
            }
            if let (Some(&first), Some(&last)) = (l.first(), l.last()) {
                left_ext = left_ext.max(-rel_x[first as usize]);
                right_ext = right_ext.max(rel_x[last as usize] + item_w[last as usize]);
            }
        }
        let half = left_ext.max(right_ext);
        let n_back = back.iter().filter(|&&b| b).count();
        let extra = if n_back > 0 {
            o.h_gap / 2.0 + n_back as f32 * CHANNEL_STEP
        } else {
            0.0
        };
        let w_total = 2.0 * half + 2.0 * extra;
        let centre_line = w_total / 2.0;
        let item_x: Vec<f32> = rel_x.iter().map(|x| centre_line + x).collect();
        let mut layer_h = vec![0.0f32; nl];
        for v in 0..n {
            let l = layer[v] as usize;
            layer_h[l] = layer_h[l].max(self.size[list[v]].1);
        }
        // Horizontal tracks: each item leaving a layer downwards gets its
        // own y in the gap below it (no two sources share a horizontal
        // segment); a gap grows when its tracks need the room. Tracks are
        // ordered left to right by source, except that a source standing
        // right above a target that other sources feed keeps its track
        // above theirs, so its own stub never runs down along their drop.
        let leaves =
            |it: usize| down_start[it] != down_start[it + 1] || (it < n && departs_back[it]);
        let centre = |it: usize| item_x[it] + item_w[it] / 2.0;
        let mut order_in_gap: Vec<Vec<u32>> = Vec::with_capacity(nl);
        for (k, l) in layers.iter().enumerate() {
            let srcs: Vec<u32> = l
                .iter()
                .copied()
                .filter(|&it| leaves(it as usize))
                .collect();
            if srcs.is_empty() || k + 1 >= nl {
                order_in_gap.push(srcs);
                continue;
            }
            order_in_gap.push(order_tracks(
                &srcs,
                &layers[k + 1],
                n,
                &down_start,
                &down,
                &up_start,
                &up,
                &departs_back,
                &centre,
            ));
        }
        let gap_h: Vec<f32> = (0..nl)
            .map(|k| {
                let m = order_in_gap[k].len() as f32;
                let base = if k + 1 < nl { o.v_gap } else { 0.0 };
                base.max(m * TRACK_SPACING / TRACK_BAND)
            })
            .collect();
        let mut layer_y = vec![0.0f32; nl];
        for k in 1..nl {
            layer_y[k] = layer_y[k - 1] + layer_h[k - 1] + gap_h[k - 1];
        }
        for v in 0..n {
            self.local[list[v]] = (item_x[v], layer_y[layer[v] as usize]);
        }
        let bottom_margin = if (0..n).any(|v| departs_back[v] && layer[v] as usize == nl - 1) {
            gap_h[nl - 1].max(o.v_gap / 2.0)
        } else {
            0.0
        };
        let h = layer_y[nl - 1] + layer_h[nl - 1] + bottom_margin;
        let mut track = vec![0.0f32; items];
        for (k, srcs) in order_in_gap.iter().enumerate() {
            let gap_top = layer_y[k] + layer_h[k];
            let gh = if k + 1 < nl { gap_h[k] } else { bottom_margin };
            let m = srcs.len();
            let lo = 0.5 - TRACK_BAND / 2.0;
            for (i, &it) in srcs.iter().enumerate() {
                track[it as usize] = gap_top + gh * (lo + TRACK_BAND * (i as f32 + 0.5) / m as f32);
            }
        }

        // Per item: the turning source right above it (same centre) and
        // where that source's stub ends, if any. An edge from another source
        // whose track is above that end cannot drop straight in there.
        let mut stub_above: Vec<Option<(u32, f32)>> = vec![None; items];
        for k in 0..nl.saturating_sub(1) {
            let below = &layers[k + 1];
            for &a in &order_in_gap[k] {
                let a = a as usize;
                let x = centre(a);
                let outs = &down[down_start[a] as usize..down_start[a + 1] as usize];
                let turns = (a < n && departs_back[a])
                    || outs.iter().any(|&t| (centre(t as usize) - x).abs() > 0.5);
                if !turns {
                    continue;
                }
                let i = below.partition_point(|&b| centre(b as usize) < x - 0.5);
                if let Some(&b) = below.get(i) {
                    if (centre(b as usize) - x).abs() <= 0.5 {
                        stub_above[b as usize] = Some((a as u32, track[a]));
                    }
                }
            }
        }

        // 5. Routes.
        let mut routes = Vec::with_capacity(edges.len() + 1);
        if let Some(dx) = entry_dx {
            let sx = centre_line + dx;
            let ty = -top_gap / 2.0;
            for v in 0..n {
                if pred_start[v] != pred_start[v + 1] {
                    continue;
                }
                let vx = centre(v);
                let mut points = vec![
                    Point::new(sx, -top_gap),
                    Point::new(sx, ty),
                    Point::new(vx, ty),
                    Point::new(vx, 0.0),
                ];
                simplify(&mut points);
                routes.push(EdgeRoute {
                    from: None,
                    to: list[v],
                    statuses: Vec::new(),
                    plain: true,
                    points,
                    label_at: None,
                    crossings: Vec::new(),
                });
            }
        }
        let mut back_i = 0usize;
        for (ei, e) in edges.iter().enumerate() {
            let (p, v) = (e.p as usize, e.v as usize);
            let (lp, lv) = (layer[p] as usize, layer[v] as usize);
            let mut points = Vec::with_capacity(6);
            points.push(Point::new(centre(p), layer_y[lp] + self.size[list[p]].1));
            if back[ei] {
                let chan = centre_line + half + o.h_gap / 2.0 + back_i as f32 * CHANNEL_STEP;
                back_i += 1;
                let dep = track[p];
                // Each back edge comes in on its own line.
                let own = 1.0 - 0.5 / (1.0 + back_i as f32);
                let arr = if lv == 0 {
                    -top_gap * 0.25 * own
                } else {
                    layer_y[lv] - gap_h[lv - 1] * (0.5 - TRACK_BAND / 2.0) * own
                };
                points.extend([
                    Point::new(centre(p), dep),
                    Point::new(chan, dep),
                    Point::new(chan, arr),
                    Point::new(centre(v), arr),
                ]);
            } else {
                let mut cur = p;
                for step in lp + 1..=lv {
                    let to = if step == lv { v } else { next[cur] as usize };
                    let ty = track[cur];
                    points.push(Point::new(centre(cur), ty));
                    let (tx, k) = (centre(to), step - 1);
                    match stub_above[to] {
                        // The turning source right above the target has its
                        // stub further down than this track: come in beside
                        // it and turn in below every track of the gap.
                        Some((a, end))
                            if a as usize != cur && ty < end + 0.5 && centre(cur) != tx =>
                        {
                            let jx = tx + (item_w[to] / 2.0 - 2.0).min(12.0);
                            let yb = layer_y[k + 1] - gap_h[k] * (0.5 - TRACK_BAND / 2.0) / 2.0;
                            points.push(Point::new(jx, ty));
                            points.push(Point::new(jx, yb));
                            points.push(Point::new(tx, yb));
                        }
                        _ => points.push(Point::new(tx, ty)),
                    }
                    cur = to;
                }
            }
            points.push(Point::new(centre(v), layer_y[lv]));
            simplify(&mut points);
            let plain = e.edge.is_plain_success();
            // The label sits beside the last segment, which is the edge's
            // own unless several edges join into the target; then beside the
            // first one, which leaves the source.
            let joins = pred_start[v + 1] - pred_start[v] > 1;
            let label_at = if plain {
                None
            } else if joins {
                let (a, b) = (points[0], points[1]);
                Some(Point::new(a.x + LABEL_OFFSET, (a.y + b.y) / 2.0))
            } else {
                let b = points[points.len() - 1];
                let a = points[points.len() - 2];
                Some(Point::new(b.x + LABEL_OFFSET, (a.y + b.y) / 2.0))
            };
            routes.push(EdgeRoute {
                from: Some(list[p]),
                to: list[v],
                statuses: e.edge.statuses.clone(),
                plain,
                points,
                label_at,
                crossings: Vec::new(),
            });
        }
        mark_crossings(&mut routes);

        ListGeom {
            ids: list,
            w: w_total,
            h,
            edges: routes,
        }
    }

    /// Places a measured list with its top-left corner at `(ox, oy)`, and
    /// everything inside it.
    fn place(&mut self, li: usize, ox: f32, oy: f32, out: &mut Layout) {
        let g = self.g;
        let ids = self.lists[li].ids;
        let edges = std::mem::take(&mut self.lists[li].edges);
        out.edges.extend(edges.into_iter().map(|mut e| {
            for p in &mut e.points {
                p.x += ox;
                p.y += oy;
            }
            if let Some(l) = &mut e.label_at {
                l.x += ox;
                l.y += oy;
            }
            for c in &mut e.crossings {
                c.x += ox;
                c.y += oy;
            }
            e
        }));
        for &id in ids {
            let (lx, ly) = self.local[id];
            let (w, h) = self.size[id];
            let rect = Rect::new(ox + lx, oy + ly, w, h);
            let node = &g.outline.nodes[id];
            let b = &mut out.nodes[id];
            b.rect = rect;
            b.visible = true;
            if self.container[id] {
                b.kind = BoxKind::Container;
                b.header = Rect::new(rect.x, rect.y, w, self.o.header_h.min(h));
                let (s, e) = self.lane_range[id];
                for k in s..e {
                    let (branch, lane, label, origin, list) = {
                        let lg = &self.lanes[k];
                        (lg.branch, lg.lane, lg.label, lg.origin, lg.list)
                    };
                    out.branches.push(BranchBox {
                        owner: id,
                        branch,
                        label: node.branches[branch].kind.label(),
                        rect: lane.translate(rect.x, rect.y),
                        label_rect: label.translate(rect.x, rect.y),
                    });
                    self.place(list, rect.x + origin.0, rect.y + origin.1, out);
                }
            } else {
                b.kind = BoxKind::Card;
                b.header = rect;
                if !node.branches.is_empty() {
                    hide_inside(g, id, rect.center(), out);
                }
            }
        }
    }
}

/// Orders the tracks of the items `srcs` (one layer, left to right) in the
/// gap above the layer `below`: left to right, except that an item whose
/// edges turn (or that leaves by a back edge) goes above every other source
/// of the item right below it, so that its stub and their drop, which share
/// an x, never share a piece of line. A cycle of such rules (rare) is broken
/// by taking the leftmost waiting item.
#[allow(clippy::too_many_arguments)]
fn order_tracks(
    srcs: &[u32],
    below: &[u32],
    n: usize,
    down_start: &[u32],
    down: &[u32],
    up_start: &[u32],
    up: &[u32],
    departs_back: &[bool],
    centre: &dyn Fn(usize) -> f32,
) -> Vec<u32> {
    use std::cmp::Reverse;
    use std::collections::{BinaryHeap, HashMap};
    let index: HashMap<u32, usize> = srcs.iter().enumerate().map(|(i, &it)| (it, i)).collect();
    let mut after: Vec<Vec<usize>> = vec![Vec::new(); srcs.len()];
    let mut indeg = vec![0u32; srcs.len()];
    for (i, &it) in srcs.iter().enumerate() {
        let it = it as usize;
        let x = centre(it);
        let outs = &down[down_start[it] as usize..down_start[it + 1] as usize];
        let turns = (it < n && departs_back[it])
            || outs.iter().any(|&t| (centre(t as usize) - x).abs() > 0.5);
        if !turns {
            continue;
        }
        let k = below.partition_point(|&b| centre(b as usize) < x - 0.5);
        let Some(&to) = below.get(k) else { continue };
        let to = to as usize;
        if (centre(to) - x).abs() > 0.5 {
            continue;
        }
        for &other in &up[up_start[to] as usize..up_start[to + 1] as usize] {
            if other as usize == it {
                continue;
            }
            if let Some(&j) = index.get(&other) {
                after[i].push(j);
                indeg[j] += 1;
            }
        }
    }
    let mut ready: BinaryHeap<Reverse<usize>> = (0..srcs.len())
        .filter(|&i| indeg[i] == 0)
        .map(Reverse)
        .collect();
    let mut done = vec![false; srcs.len()];
    let mut out = Vec::with_capacity(srcs.len());
    let mut next_forced = 0usize;
    while out.len() < srcs.len() {
        let i = match ready.pop() {
            Some(Reverse(i)) => i,
            None => {
                while done[next_forced] {
                    next_forced += 1;
                }
                next_forced
            }
        };
        if done[i] {
            continue;
        }
        done[i] = true;
        out.push(srcs[i]);
        for &j in &after[i] {
            indeg[j] = indeg[j].saturating_sub(1);
            if indeg[j] == 0 && !done[j] {
                ready.push(Reverse(j));
            }
        }
    }
    out
}

/// Records, on every route, the points where one of its horizontal segments
/// crosses a vertical segment of an edge from another source, so the canvas
/// can draw a crossing as a crossing (a small hop) rather than as a joint.
/// The work is bounded: past a few million checks (a pathological list) the
/// remaining crossings are left unmarked.
fn mark_crossings(routes: &mut [EdgeRoute]) {
    const EPS: f32 = 0.5;
    const BUDGET: usize = 4_000_000;
    let mut verticals: Vec<(f32, f32, f32, usize)> = Vec::new();
    for (ri, r) in routes.iter().enumerate() {
        for w in r.points.windows(2) {
            if w[0].x == w[1].x && w[0].y != w[1].y {
                verticals.push((w[0].x, w[0].y.min(w[1].y), w[0].y.max(w[1].y), ri));
            }
        }
    }
    verticals.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut checks = 0usize;
    for ri in 0..routes.len() {
        let mut found = Vec::new();
        for w in routes[ri].points.windows(2) {
            if w[0].y != w[1].y || w[0].x == w[1].x {
                continue;
            }
            let y = w[0].y;
            let (x0, x1) = (w[0].x.min(w[1].x), w[0].x.max(w[1].x));
            let start = verticals.partition_point(|v| v.0 <= x0 + EPS);
            for v in &verticals[start..] {
                if v.0 >= x1 - EPS {
                    break;
                }
                checks += 1;
                if checks > BUDGET {
                    return;
                }
                if v.1 + EPS < y && y < v.2 - EPS && routes[v.3].from != routes[ri].from {
                    let p = Point::new(v.0, y);
                    if found.last() != Some(&p) {
                        found.push(p);
                    }
                }
            }
        }
        routes[ri].crossings = found;
    }
}

/// Marks everything nested in a collapsed control action as hidden, with an
/// empty rect at `at`.
fn hide_inside(g: &WorkflowGraph, id: NodeId, at: Point, out: &mut Layout) {
    let nodes = &g.outline.nodes;
    let mut stack: Vec<NodeId> = nodes[id]
        .branches
        .iter()
        .flat_map(|b| b.children.iter().copied())
        .collect();
    while let Some(c) = stack.pop() {
        let b = &mut out.nodes[c];
        b.rect = Rect::new(at.x, at.y, 0.0, 0.0);
        b.header = b.rect;
        b.kind = BoxKind::Card;
        b.visible = false;
        stack.extend(
            nodes[c]
                .branches
                .iter()
                .flat_map(|b| b.children.iter().copied()),
        );
    }
}

/// Compressed adjacency: `start[a]..start[a + 1]` indexes `adj` for the
/// neighbours of `a`, in the order the pairs came.
fn csr(n: usize, pairs: impl Iterator<Item = (u32, u32)> + Clone) -> (Vec<u32>, Vec<u32>) {
    let mut start = vec![0u32; n + 1];
    for (a, _) in pairs.clone() {
        start[a as usize + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut adj = vec![0u32; start[n] as usize];
    for (a, b) in pairs {
        adj[fill[a as usize] as usize] = b;
        fill[a as usize] += 1;
    }
    (start, adj)
}

/// Sorts one layer by the barycenter of each item's neighbours in the
/// fixed layer (items without neighbours keep their position); stable.
fn reorder(
    layer: &mut [u32],
    pos: &mut [u32],
    start: &[u32],
    adj: &[u32],
    keys: &mut Vec<(f32, u32)>,
) {
    keys.clear();
    for &it in layer.iter() {
        let nb = &adj[start[it as usize] as usize..start[it as usize + 1] as usize];
        let b = if nb.is_empty() {
            pos[it as usize] as f32
        } else {
            nb.iter().map(|&u| pos[u as usize] as f32).sum::<f32>() / nb.len() as f32
        };
        keys.push((b, it));
    }
    keys.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (i, &(_, it)) in keys.iter().enumerate() {
        layer[i] = it;
        pos[it as usize] = i as u32;
    }
}

/// Number of segment crossings between all neighbouring layers (inversions
/// counted with a Fenwick tree).
fn crossings(layers: &[Vec<u32>], pos: &[u32], down_start: &[u32], down: &[u32]) -> u64 {
    let mut total = 0u64;
    let mut seq: Vec<u32> = Vec::new();
    let mut tree: Vec<u32> = Vec::new();
    for k in 0..layers.len().saturating_sub(1) {
        seq.clear();
        for &u in &layers[k] {
            let s = seq.len();
            for &w in &down[down_start[u as usize] as usize..down_start[u as usize + 1] as usize] {
                seq.push(pos[w as usize]);
            }
            seq[s..].sort_unstable();
        }
        let m = layers[k + 1].len();
        tree.clear();
        tree.resize(m + 1, 0);
        for (i, &q) in seq.iter().enumerate() {
            // Earlier values <= q.
            let mut c = 0u32;
            let mut j = q as usize + 1;
            while j > 0 {
                c += tree[j];
                j &= j - 1;
            }
            total += (i as u32 - c) as u64;
            let mut j = q as usize + 1;
            while j <= m {
                tree[j] += 1;
                j += j & j.wrapping_neg();
            }
        }
    }
    total
}

/// Drops repeated points and the middle of three collinear points.
fn simplify(points: &mut Vec<Point>) {
    let mut out: Vec<Point> = Vec::with_capacity(points.len());
    for &p in points.iter() {
        if out.last() == Some(&p) {
            continue;
        }
        if out.len() >= 2 {
            let a = out[out.len() - 2];
            let b = out[out.len() - 1];
            if (a.x == b.x && b.x == p.x) || (a.y == b.y && b.y == p.y) {
                out.pop();
            }
        }
        out.push(p);
    }
    // An edge between touching points keeps both ends.
    if out.len() == 1 {
        out.push(out[0]);
    }
    *points = out;
}
