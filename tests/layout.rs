//! Tests of the layered layout (`lapis::graph::layout`).

mod common;

use lapis::graph::layout::{
    layout, BoxKind, EdgeRoute, Layout, LayoutCache, LayoutOptions, Point, Rect,
};
use lapis::graph::WorkflowGraph;
use lapis::workflow::tree::NodeId;
use lapis::workflow::Document;
use serde_json::{json, Map, Value};

const EPS: f32 = 0.01;

fn graph(def: Value) -> WorkflowGraph {
    let doc = Document::from_value(def).expect("well-formed definition");
    WorkflowGraph::build(doc.outline(0).expect("outline"))
}

fn lay(def: Value) -> (WorkflowGraph, Layout) {
    let g = graph(def);
    let l = layout(&g, &LayoutOptions::default());
    (g, l)
}

fn id(g: &WorkflowGraph, name: &str) -> NodeId {
    g.outline
        .find(name)
        .unwrap_or_else(|| panic!("no node {name}"))
}

fn def(actions: Value) -> Value {
    json!({
        "triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": actions
    })
}

fn near(a: Point, b: Point) -> bool {
    (a.x - b.x).abs() < EPS && (a.y - b.y).abs() < EPS
}

fn inside(outer: &Rect, inner: &Rect) -> bool {
    inner.x >= outer.x - EPS
        && inner.right() <= outer.right() + EPS
        && inner.y >= outer.y - EPS
        && inner.bottom() <= outer.bottom() + EPS
}

/// Whether segment a–b passes through the interior of r.
fn crosses(a: Point, b: Point, r: &Rect) -> bool {
    let (x0, x1) = (a.x.min(b.x), a.x.max(b.x));
    let (y0, y1) = (a.y.min(b.y), a.y.max(b.y));
    x1 > r.x + EPS && x0 < r.right() - EPS && y1 > r.y + EPS && y0 < r.bottom() - EPS
}

/// Boxes do not overlap unless one contains the other; visible boxes have a
/// positive size and lie on the canvas.
fn check_boxes(g: &WorkflowGraph, l: &Layout) {
    assert_eq!(l.nodes.len(), g.outline.nodes.len());
    let canvas = Rect::new(0.0, 0.0, l.size.0, l.size.1);
    let vis: Vec<_> = l.visible().collect();
    for (i, b) in l.nodes.iter().enumerate() {
        assert_eq!(b.id, i);
    }
    for b in &vis {
        assert!(b.rect.w > 0.0 && b.rect.h > 0.0, "{:?}", b);
        assert!(inside(&canvas, &b.rect), "{:?} outside the canvas", b);
        assert!(inside(&b.rect, &b.header));
    }
    for (i, a) in vis.iter().enumerate() {
        for b in &vis[i + 1..] {
            let nested = inside(&a.rect, &b.rect) || inside(&b.rect, &a.rect);
            if !nested {
                assert!(
                    !a.rect.intersects(&b.rect),
                    "{} {:?} overlaps {} {:?}",
                    g.outline.nodes[a.id].name,
                    a.rect,
                    g.outline.nodes[b.id].name,
                    b.rect
                );
            }
        }
    }
}

/// Every visible action lies in its branch's lane; lanes lie in their
/// container below its header, side by side in branch order, each with its
/// label right above it.
fn check_lanes(g: &WorkflowGraph, l: &Layout) {
    for b in l.visible() {
        let n = &g.outline.nodes[b.id];
        if let Some((p, bi)) = n.parent {
            let lane = l
                .branch(p, bi)
                .unwrap_or_else(|| panic!("no lane for {}", n.name));
            assert!(
                inside(&lane.rect, &b.rect),
                "{} {:?} not inside lane {:?}",
                n.name,
                b.rect,
                lane.rect
            );
            assert!(l.nodes[p].visible);
            assert_eq!(l.nodes[p].kind, BoxKind::Container);
        }
        if b.kind == BoxKind::Container {
            assert!(!n.branches.is_empty());
            let lanes: Vec<_> = (0..n.branches.len())
                .map(|i| l.branch(b.id, i).expect("lane"))
                .collect();
            for (i, lane) in lanes.iter().enumerate() {
                assert_eq!(lane.label, n.branches[i].kind.label());
                assert!(inside(&b.rect, &lane.rect));
                assert!(inside(&b.rect, &lane.label_rect));
                assert!(lane.label_rect.y >= b.header.bottom() - EPS);
                assert!((lane.label_rect.bottom() - lane.rect.y).abs() < EPS);
                assert!(lane.rect.w > 0.0 && lane.rect.h > 0.0);
                if i > 0 {
                    assert!(lanes[i - 1].rect.right() <= lane.rect.x + EPS);
                    assert!((lanes[i - 1].rect.y - lane.rect.y).abs() < EPS);
                }
            }
        }
    }
}

/// The point an entry edge to `to` must start at.
fn entry_start(g: &WorkflowGraph, l: &Layout, to: NodeId) -> Point {
    match g.outline.nodes[to].parent {
        None => l.nodes[g.outline.triggers[0]].rect.bottom_center(),
        Some((p, b)) => l.branch(p, b).expect("lane").rect.top_center(),
    }
}

/// Routes are orthogonal, go from the source's bottom centre to the target's
/// top centre, stay in their lane and cross no box but their own ends and
/// the containers around them; every visible run-after edge has one.
fn check_routes(g: &WorkflowGraph, l: &Layout) {
    let canvas = Rect::new(0.0, 0.0, l.size.0, l.size.1);
    for e in &l.edges {
        check_route(g, l, e, &canvas);
    }
    let drawn = l.edges.iter().filter(|e| e.from.is_some()).count();
    let expected = g
        .graph
        .edge_indices()
        .filter(|&ei| {
            let (a, b) = g.graph.edge_endpoints(ei).unwrap();
            l.nodes[g.graph[a]].visible && l.nodes[g.graph[b]].visible
        })
        .count();
    assert_eq!(drawn, expected, "one route per visible run-after edge");
    // An entry edge for each visible action whose run-after names no
    // sibling (top level: only with a trigger).
    for n in g.outline.actions() {
        if !l.nodes[n.id].visible || (n.parent.is_none() && g.outline.triggers.is_empty()) {
            continue;
        }
        let entries = l
            .edges
            .iter()
            .filter(|e| e.from.is_none() && e.to == n.id)
            .count();
        let want = usize::from(g.predecessors(n.id).is_empty());
        assert_eq!(entries, want, "entry edges of {}", n.name);
    }
}

fn check_route(g: &WorkflowGraph, l: &Layout, e: &EdgeRoute, canvas: &Rect) {
    let name = |id: NodeId| g.outline.nodes[id].name.clone();
    let what = format!("{:?} -> {}", e.from.map(name), name(e.to));
    let pts = &e.points;
    assert!(pts.len() >= 2, "{what}: {pts:?}");
    for w in pts.windows(2) {
        assert!(
            w[0].x == w[1].x || w[0].y == w[1].y,
            "{what}: diagonal segment {:?}",
            w
        );
    }
    for p in pts {
        assert!(p.x.is_finite() && p.y.is_finite());
        assert!(canvas.contains_point(*p), "{what}: {p:?} off the canvas");
    }
    let to = &l.nodes[e.to];
    assert!(to.visible, "{what}: hidden target");
    assert!(
        near(*pts.last().unwrap(), to.rect.top_center()),
        "{what}: ends at {:?}, target top {:?}",
        pts.last(),
        to.rect.top_center()
    );
    let start = match e.from {
        Some(f) => {
            assert!(l.nodes[f].visible, "{what}: hidden source");
            l.nodes[f].rect.bottom_center()
        }
        None => entry_start(g, l, e.to),
    };
    assert!(
        near(pts[0], start),
        "{what}: starts at {:?}, expected {:?}",
        pts[0],
        start
    );
    if let Some((p, b)) = g.outline.nodes[e.to].parent {
        let lane = l.branch(p, b).unwrap().rect;
        for q in pts {
            assert!(
                q.x >= lane.x - EPS
                    && q.x <= lane.right() + EPS
                    && q.y >= lane.y - EPS
                    && q.y <= lane.bottom() + EPS,
                "{what}: {q:?} leaves its lane {lane:?}"
            );
        }
    }
    assert_eq!(e.plain, e.label_at.is_none(), "{what}: label iff not plain");
    let ancestors: Vec<NodeId> = g.outline.ancestors(e.to).collect();
    for b in l.visible() {
        if Some(b.id) == e.from || b.id == e.to || ancestors.contains(&b.id) {
            continue;
        }
        for w in pts.windows(2) {
            assert!(
                !crosses(w[0], w[1], &b.rect),
                "{what}: segment {:?} crosses {} {:?}",
                w,
                name(b.id),
                b.rect
            );
        }
    }
}

fn check_all(g: &WorkflowGraph, l: &Layout) {
    check_boxes(g, l);
    check_lanes(g, l);
    check_routes(g, l);
    check_no_shared_segments(g, l);
}

/// No piece of line is drawn for two edges that have neither their source
/// nor their target in common: a reader following a line never lands on a
/// card it does not come from or lead to.
fn check_no_shared_segments(g: &WorkflowGraph, l: &Layout) {
    use std::collections::HashMap;
    // (vertical?, the fixed coordinate) -> (start, end, edge)
    type Pieces = Vec<(f32, f32, usize)>;
    let mut lines: HashMap<(bool, i64), Pieces> = HashMap::new();
    for (ei, e) in l.edges.iter().enumerate() {
        for w in e.points.windows(2) {
            let (a, b) = (w[0], w[1]);
            if a.x == b.x && a.y != b.y {
                let key = (true, (a.x * 8.0).round() as i64);
                lines
                    .entry(key)
                    .or_default()
                    .push((a.y.min(b.y), a.y.max(b.y), ei));
            } else if a.y == b.y && a.x != b.x {
                let key = (false, (a.y * 8.0).round() as i64);
                lines
                    .entry(key)
                    .or_default()
                    .push((a.x.min(b.x), a.x.max(b.x), ei));
            }
        }
    }
    let name =
        |id: Option<NodeId>| id.map_or("(entry)".to_string(), |i| g.outline.nodes[i].name.clone());
    for segs in lines.values_mut() {
        segs.sort_by(|a, b| a.0.total_cmp(&b.0));
        for i in 0..segs.len() {
            for j in i + 1..segs.len() {
                if segs[j].0 >= segs[i].1 - 0.5 {
                    break;
                }
                let (e, f) = (&l.edges[segs[i].2], &l.edges[segs[j].2]);
                assert!(
                    e.from == f.from || e.to == f.to,
                    "{} -> {} and {} -> {} share a segment: {:?} / {:?}",
                    name(e.from),
                    name(Some(e.to)),
                    name(f.from),
                    name(Some(f.to)),
                    e.points,
                    f.points
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------
// A small deterministic generator of nested, random-ish workflows.

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

struct Gen {
    rng: Rng,
    budget: usize,
    next: usize,
    max_depth: usize,
}

impl Gen {
    fn list(&mut self, len: usize, depth: usize) -> Value {
        let mut m = Map::new();
        let mut names: Vec<String> = Vec::new();
        for i in 0..len {
            if self.budget == 0 {
                break;
            }
            self.budget -= 1;
            self.next += 1;
            let name = format!("a{}", self.next);
            let mut ra = Map::new();
            if i > 0 && self.rng.below(6) != 0 {
                let k = 1 + usize::from(self.rng.below(3) == 0);
                for _ in 0..k {
                    // Mostly recent siblings, sometimes a far one (long edges).
                    let j = if self.rng.below(4) == 0 {
                        self.rng.below(i)
                    } else {
                        i - 1 - self.rng.below(i.min(3))
                    };
                    let statuses = match self.rng.below(6) {
                        0 => json!(["Failed"]),
                        1 => json!(["Succeeded", "Failed"]),
                        2 => json!(["TimedOut", "Skipped"]),
                        _ => json!(["Succeeded"]),
                    };
                    ra.insert(names[j].clone(), statuses);
                }
            }
            let action = if depth < self.max_depth && self.rng.below(5) == 0 && self.budget > 3 {
                let sub = |g: &mut Gen| {
                    let n = 1 + g.rng.below(5);
                    g.list(n, depth + 1)
                };
                match self.rng.below(5) {
                    0 => json!({"type": "If", "expression": true, "runAfter": ra,
                        "actions": sub(self), "else": {"actions": sub(self)}}),
                    1 => json!({"type": "Switch", "expression": "@x", "runAfter": ra,
                        "cases": {"one": {"case": 1, "actions": sub(self)},
                                  "two": {"case": 2, "actions": {}}},
                        "default": {"actions": sub(self)}}),
                    2 => {
                        json!({"type": "Foreach", "foreach": "@x", "runAfter": ra, "actions": sub(self)})
                    }
                    3 => {
                        json!({"type": "Until", "expression": "@x", "runAfter": ra, "actions": sub(self)})
                    }
                    _ => json!({"type": "Scope", "runAfter": ra, "actions": sub(self)}),
                }
            } else {
                json!({"type": "Compose", "inputs": i, "runAfter": ra})
            };
            m.insert(name.clone(), action);
            names.push(name);
        }
        Value::Object(m)
    }
}

fn generated(actions: usize, seed: u64) -> Value {
    generated_deep(actions, seed, 6)
}

fn generated_deep(actions: usize, seed: u64, max_depth: usize) -> Value {
    let mut gen = Gen {
        rng: Rng(seed),
        budget: actions,
        next: 0,
        max_depth,
    };
    let top = gen.list(usize::MAX, 1);
    json!({
        "triggers": {"manual": {"type": "Request", "kind": "Http"},
                     "recurrence": {"type": "Recurrence"}},
        "actions": top
    })
}

/// Scopes nested `depth` deep, each holding a short chain and the next scope.
fn nested(depth: usize) -> Value {
    let mut inner = json!({"leaf": {"type": "Compose", "runAfter": {}}});
    for d in (0..depth).rev() {
        inner = json!({
            format!("first{d}"): {"type": "Compose", "runAfter": {}},
            format!("scope{d}"): {"type": "Scope", "actions": inner,
                                  "runAfter": {format!("first{d}"): ["Succeeded"]}},
            format!("last{d}"): {"type": "Compose", "runAfter": {format!("scope{d}"): ["Failed"]}}
        });
    }
    def(inner)
}

fn fan() -> Value {
    def(json!({
        "A": {"type": "Compose", "runAfter": {}},
        "B": {"type": "Compose", "runAfter": {"A": ["Succeeded"]}},
        "C": {"type": "Compose", "runAfter": {"B": ["Succeeded"]}},
        "X1": {"type": "Compose", "runAfter": {"A": ["Succeeded"]}},
        "X2": {"type": "Compose", "runAfter": {"A": ["Failed"]}},
        "X3": {"type": "Compose", "runAfter": {"A": ["Succeeded"]}},
        "D": {"type": "Compose", "runAfter": {"C": ["Succeeded"], "A": ["Succeeded"],
                                             "X1": ["Succeeded"], "X3": ["Skipped"]}},
        "E": {"type": "Compose", "runAfter": {"X2": ["Succeeded"], "B": ["Succeeded"]}},
        "Free": {"type": "Compose", "runAfter": {}}
    }))
}

fn ifs() -> Value {
    def(json!({
        "Init": {"type": "Compose", "runAfter": {}},
        "Check": {"type": "If", "expression": {"and": []}, "runAfter": {"Init": ["Succeeded"]},
            "actions": {
                "T1": {"type": "Compose", "runAfter": {}},
                "T2": {"type": "Compose", "runAfter": {"T1": ["Succeeded"]}},
                "Inner": {"type": "Scope", "runAfter": {"T1": ["Failed"]}, "actions": {
                    "S1": {"type": "Compose", "runAfter": {}},
                    "S2": {"type": "Compose", "runAfter": {}}
                }}
            },
            "else": {"actions": {"F1": {"type": "Compose", "runAfter": {}}}}},
        "Pick": {"type": "Switch", "expression": "@x", "runAfter": {"Check": ["Succeeded"]},
            "cases": {
                "a": {"case": "a", "actions": {"CA": {"type": "Compose", "runAfter": {}}}},
                "b": {"case": "b", "actions": {}}
            },
            "default": {"actions": {"DA": {"type": "Compose", "runAfter": {}}}}},
        "Loop": {"type": "Foreach", "foreach": "@x", "runAfter": {"Init": ["Succeeded"]},
            "actions": {"L1": {"type": "Compose", "runAfter": {}}}},
        "Done": {"type": "Compose", "runAfter": {"Pick": ["Succeeded"], "Loop": ["Succeeded"]}}
    }))
}

// ---------------------------------------------------------------------------

#[test]
fn a_chain_lines_up_on_one_axis() {
    let (g, l) = lay(def(json!({
        "A": {"type": "Compose", "inputs": 1, "runAfter": {}},
        "B": {"type": "Compose", "runAfter": {"A": ["Succeeded"]}},
        "C": {"type": "Compose", "runAfter": {"B": ["Succeeded"]}},
        "D": {"type": "Compose", "runAfter": {"C": ["Failed"]}}
    })));
    let o = LayoutOptions::default();
    let t = &l.nodes[g.outline.triggers[0]];
    let axis = t.rect.center_x();
    let mut prev = t.rect;
    for name in ["A", "B", "C", "D"] {
        let b = &l.nodes[id(&g, name)];
        assert!(b.visible);
        assert_eq!(b.kind, BoxKind::Card);
        assert_eq!((b.rect.w, b.rect.h), (o.card_w, o.card_h));
        assert!((b.rect.center_x() - axis).abs() < EPS, "{name} off axis");
        assert!(
            b.rect.y >= prev.bottom() + o.v_gap - EPS,
            "{name} not below"
        );
        prev = b.rect;
    }
    // Straight edges: two points each, the last one labelled.
    for e in &l.edges {
        assert_eq!(e.points.len(), 2, "{e:?}");
    }
    let d = l.edges.iter().find(|e| e.to == id(&g, "D")).unwrap();
    assert!(!d.plain);
    assert_eq!(d.statuses, vec!["Failed".to_string()]);
    let at = d.label_at.unwrap();
    assert!(at.x > d.points[0].x && at.y > d.points[0].y && at.y < d.points[1].y);
    assert!((l.size.0 - o.card_w).abs() < EPS);
    assert!((l.size.1 - prev.bottom()).abs() < EPS);
    check_all(&g, &l);
}

#[test]
fn a_long_edge_beside_a_chain_does_not_push_it_off_axis() {
    // A → B → C → D, plus A → D: the long edge runs in a column beside the
    // chain, and the chain's cards stay on one axis.
    let (g, l) = lay(def(json!({
        "A": {"type": "Compose", "inputs": 1, "runAfter": {}},
        "B": {"type": "Compose", "runAfter": {"A": ["Succeeded"]}},
        "C": {"type": "Compose", "runAfter": {"B": ["Succeeded"]}},
        "D": {"type": "Compose", "runAfter": {"C": ["Succeeded"], "A": ["Failed"]}}
    })));
    let axis = l.nodes[id(&g, "A")].rect.center_x();
    for name in ["B", "C", "D"] {
        let x = l.nodes[id(&g, name)].rect.center_x();
        assert!(
            (x - axis).abs() < EPS,
            "{name} is off the axis by {}",
            x - axis
        );
    }
    let long = l
        .edges
        .iter()
        .find(|e| e.from == Some(id(&g, "A")) && e.to == id(&g, "D"))
        .unwrap();
    assert!(long
        .points
        .iter()
        .any(|p| p.x > l.nodes[id(&g, "B")].rect.right()));
    check_all(&g, &l);
}

#[test]
fn labels_of_a_join_do_not_overlap() {
    let (g, l) = lay(def(json!({
        "A": {"type": "Compose", "inputs": 1, "runAfter": {}},
        "B": {"type": "Compose", "inputs": 2, "runAfter": {}},
        "C": {"type": "Compose", "runAfter": {"A": ["Failed"], "B": ["Skipped", "TimedOut"]}}
    })));
    let c = id(&g, "C");
    let labels: Vec<Point> = l
        .edges
        .iter()
        .filter(|e| e.to == c)
        .map(|e| e.label_at.expect("non-success edges are labelled"))
        .collect();
    assert_eq!(labels.len(), 2);
    assert!(
        (labels[0].x - labels[1].x).abs() > 40.0 || (labels[0].y - labels[1].y).abs() > 12.0,
        "labels overlap: {labels:?}"
    );
    check_all(&g, &l);
}

#[test]
fn fan_out_fan_in_with_long_edges() {
    let (g, l) = lay(fan());
    check_all(&g, &l);
    let y = |n: &str| l.nodes[id(&g, n)].rect.y;
    assert!(y("A") < y("B") && y("B") < y("C") && y("C") < y("D"));
    assert_eq!(y("B"), y("X1"));
    assert_eq!(y("A"), y("Free"));
    // The long edge A -> D bends around B and C (checked by check_routes),
    // so it has more than two points.
    let ad = l
        .edges
        .iter()
        .find(|e| e.from == Some(id(&g, "A")) && e.to == id(&g, "D"))
        .unwrap();
    assert!(ad.points.len() > 2, "{ad:?}");
    assert!(ad.plain);
    let x3d = l
        .edges
        .iter()
        .find(|e| e.from == Some(id(&g, "X3")) && e.to == id(&g, "D"))
        .unwrap();
    assert!(!x3d.plain && x3d.label_at.is_some());
}

#[test]
fn a_wide_fan_out_packs_one_layer() {
    let mut actions = Map::new();
    actions.insert("root".into(), json!({"type": "Compose", "runAfter": {}}));
    for i in 0..100 {
        actions.insert(
            format!("b{i}"),
            json!({"type": "Compose", "runAfter": {"root": ["Succeeded"]}}),
        );
    }
    let all: Map<String, Value> = (0..100)
        .map(|i| (format!("b{i}"), json!(["Succeeded"])))
        .collect();
    actions.insert("join".into(), json!({"type": "Compose", "runAfter": all}));
    let (g, l) = lay(def(Value::Object(actions)));
    check_all(&g, &l);
    let o = LayoutOptions::default();
    let ys: Vec<f32> = (0..100)
        .map(|i| l.nodes[id(&g, &format!("b{i}"))].rect.y)
        .collect();
    assert!(ys.iter().all(|&y| y == ys[0]));
    let want_w = 100.0 * o.card_w + 99.0 * o.h_gap;
    assert!((l.size.0 - want_w).abs() < 1.0, "{} vs {want_w}", l.size.0);
    let root = l.nodes[id(&g, "root")].rect;
    let join = l.nodes[id(&g, "join")].rect;
    assert!((root.center_x() - l.size.0 / 2.0).abs() < EPS);
    assert!((join.center_x() - l.size.0 / 2.0).abs() < EPS);
}

#[test]
fn containers_hold_their_branches_in_lanes() {
    let (g, l) = lay(ifs());
    check_all(&g, &l);
    let o = LayoutOptions::default();
    let check = &l.nodes[id(&g, "Check")];
    assert_eq!(check.kind, BoxKind::Container);
    assert_eq!(check.header.y, check.rect.y);
    assert_eq!(check.header.w, check.rect.w);
    assert_eq!(check.header.h, o.header_h);
    let t = l.branch(check.id, 0).unwrap();
    let f = l.branch(check.id, 1).unwrap();
    assert_eq!(t.label, "True");
    assert_eq!(f.label, "False");
    assert!(t.rect.right() <= f.rect.x, "True left of False");
    assert_eq!(t.rect.y, f.rect.y);
    assert!(t.label_rect.h > 0.0);
    for n in ["T1", "T2", "Inner", "S1", "S2"] {
        assert!(inside(&t.rect, &l.nodes[id(&g, n)].rect), "{n} in True");
    }
    assert!(inside(&f.rect, &l.nodes[id(&g, "F1")].rect));
    // Nested scope: a container inside the True lane, body without label.
    let inner = &l.nodes[id(&g, "Inner")];
    assert_eq!(inner.kind, BoxKind::Container);
    let body = l.branch(inner.id, 0).unwrap();
    assert_eq!(body.label, "");
    assert_eq!(body.label_rect.h, 0.0);
    assert!(inside(&inner.rect, &body.rect));
    // Switch: cases in file order, then Default; the empty case has a lane.
    let pick = id(&g, "Pick");
    let labels: Vec<&str> = (0..3)
        .map(|i| l.branch(pick, i).unwrap().label.as_str())
        .collect();
    assert_eq!(labels, ["Case a", "Case b", "Default"]);
    let empty = l.branch(pick, 1).unwrap();
    assert!(empty.rect.w >= o.card_w * 0.5 && empty.rect.h > 0.0);
    // Edges out of a container leave from its bottom; into it at its top.
    let done = l
        .edges
        .iter()
        .find(|e| e.from == Some(pick) && e.to == id(&g, "Done"))
        .unwrap();
    assert!(near(done.points[0], l.nodes[pick].rect.bottom_center()));
    // Branch entries start at the lane's top.
    let t1 = l
        .edges
        .iter()
        .find(|e| e.from.is_none() && e.to == id(&g, "T1"))
        .unwrap();
    assert!(near(t1.points[0], t.rect.top_center()));
}

#[test]
fn deep_nesting_stays_inside() {
    for depth in [1, 4, 8, 12] {
        let (g, l) = lay(nested(depth));
        assert_eq!(g.max_depth(), depth + 1);
        check_all(&g, &l);
        // Each scope sits inside the one around it.
        for d in 1..depth {
            let outer = l.nodes[id(&g, &format!("scope{}", d - 1))].rect;
            let inner = l.nodes[id(&g, &format!("scope{d}"))].rect;
            assert!(inside(&outer, &inner));
            assert!(inner.w < outer.w && inner.h < outer.h);
        }
    }
}

#[test]
fn generated_workflow_routes_and_boxes() {
    for seed in [7, 42, 2024] {
        let (g, l) = lay(generated(300, seed));
        assert!(g.action_count() >= 250, "{}", g.action_count());
        assert!(g.max_depth() >= 3);
        assert!(g.graph.edge_count() > 150);
        check_all(&g, &l);
    }
}

#[test]
fn layout_is_deterministic() {
    for d in [fan(), ifs(), nested(6), generated(300, 99)] {
        let g1 = graph(d.clone());
        let g2 = graph(d);
        let o = LayoutOptions::default();
        let a = layout(&g1, &o);
        let b = layout(&g1, &o);
        let c = layout(&g2, &o);
        assert_eq!(a, b);
        assert_eq!(a, c);
    }
}

#[test]
fn cycles_and_unknown_targets_do_not_panic() {
    let (g, l) = lay(def(json!({
        "A": {"type": "Compose", "runAfter": {"B": ["Succeeded"]}},
        "B": {"type": "Compose", "runAfter": {"A": ["Failed"]}},
        "Self": {"type": "Compose", "runAfter": {"Self": ["Succeeded"]}},
        "After": {"type": "Compose", "runAfter": {"A": ["Succeeded"], "Nope": ["Succeeded"]}},
        "Lost": {"type": "Compose", "runAfter": {"Nope": ["Succeeded"]}},
        "S": {"type": "Scope", "runAfter": {"After": ["Succeeded"]}, "actions": {
            "P": {"type": "Compose", "runAfter": {"R": ["Succeeded"]}},
            "Q": {"type": "Compose", "runAfter": {"P": ["Succeeded"]}},
            "R": {"type": "Compose", "runAfter": {"Q": ["Succeeded"]}},
            "Z": {"type": "Compose", "runAfter": {"R": ["Succeeded"]}}
        }},
        "Last": {"type": "Compose", "runAfter": {"S": ["Succeeded"]}}
    })));
    assert!(!g.cycles().is_empty());
    assert!(l.nodes.iter().all(|b| b.visible));
    check_all(&g, &l);
    // Actions after a cycle still come below it.
    let y = |n: &str| l.nodes[id(&g, n)].rect.y;
    assert!(y("After") > y("A"));
    assert!(y("Last") > y("S"));
    assert!(y("Z") > y("R"));
    // An unknown run-after target makes an entry action.
    assert!(l
        .edges
        .iter()
        .any(|e| e.from.is_none() && e.to == id(&g, "Lost")));
    // A whole list in a cycle (no entry at all) and a two-node cycle as the
    // last layer.
    let (g, l) = lay(def(json!({
        "X": {"type": "Compose", "runAfter": {"Y": ["Succeeded"]}},
        "Y": {"type": "Compose", "runAfter": {"X": ["Succeeded"]}}
    })));
    check_all(&g, &l);
}

#[test]
fn collapsed_scope_is_a_card() {
    let g = graph(ifs());
    let mut o = LayoutOptions::default();
    o.collapsed.insert("Check".into());
    let l = layout(&g, &o);
    check_all(&g, &l);
    let check = &l.nodes[id(&g, "Check")];
    assert_eq!(check.kind, BoxKind::Card);
    assert!(check.visible);
    assert_eq!((check.rect.w, check.rect.h), (o.card_w, o.card_h));
    assert_eq!(check.header, check.rect);
    for n in ["T1", "T2", "Inner", "S1", "S2", "F1"] {
        let b = &l.nodes[id(&g, n)];
        assert!(!b.visible, "{n} should be hidden");
        assert_eq!((b.rect.w, b.rect.h), (0.0, 0.0));
    }
    assert!(l.branch(check.id, 0).is_none());
    assert!(l.branch(id(&g, "Inner"), 0).is_none());
    assert!(l
        .edges
        .iter()
        .all(|e| l.nodes[e.to].visible && e.from.is_none_or(|f| l.nodes[f].visible)));
    // Others stay expanded.
    assert_eq!(l.nodes[id(&g, "Pick")].kind, BoxKind::Container);
    // Expanded, the same scope is bigger.
    let full = layout(&g, &LayoutOptions::default());
    assert!(full.nodes[check.id].rect.w > check.rect.w);
}

#[test]
fn cache_recomputes_only_on_structure_change() {
    let mut doc = Document::from_value(fan()).unwrap();
    let build = |doc: &Document| WorkflowGraph::build(doc.outline(0).unwrap());
    let mut o = LayoutOptions::default();
    let mut cache = LayoutCache::new();
    let g = build(&doc);
    let first = cache.get(&g, &o).clone();
    assert_eq!(cache.recomputations(), 1);
    cache.get(&g, &o);
    assert_eq!(cache.recomputations(), 1);

    // A value change: no new layout.
    doc.definition_mut(0)["actions"]["A"]["inputs"] = json!({"changed": [1, 2, 3]});
    let g = build(&doc);
    assert_eq!(cache.get(&g, &o), &first);
    assert_eq!(cache.recomputations(), 1);

    // A new run-after edge: a new layout.
    doc.definition_mut(0)["actions"]["Free"]["runAfter"] = json!({"E": ["Succeeded"]});
    let g = build(&doc);
    let second = cache.get(&g, &o).clone();
    assert_eq!(cache.recomputations(), 2);
    assert_ne!(second, first);
    assert_eq!(second, layout(&g, &o));

    // Changed statuses, collapsing, sizes: each recomputes once.
    doc.definition_mut(0)["actions"]["Free"]["runAfter"] = json!({"E": ["Failed"]});
    let g = build(&doc);
    cache.get(&g, &o);
    assert_eq!(cache.recomputations(), 3);
    o.collapsed.insert("Nothing".into());
    cache.get(&g, &o);
    cache.get(&g, &o);
    assert_eq!(cache.recomputations(), 4);
    o.card_w = 200.0;
    cache.get(&g, &o);
    assert_eq!(cache.recomputations(), 5);
    cache.invalidate();
    cache.get(&g, &o);
    assert_eq!(cache.recomputations(), 6);
}

#[test]
fn empty_and_trigger_only_workflows() {
    let (g, l) = lay(json!({"triggers": {}, "actions": {}}));
    assert!(l.nodes.is_empty() && l.edges.is_empty());
    assert_eq!(l.size, (0.0, 0.0));
    check_all(&g, &l);

    let (g, l) = lay(json!({"triggers": {
        "a": {"type": "Request", "kind": "Http"},
        "b": {"type": "Recurrence"}
    }}));
    check_all(&g, &l);
    let (a, b) = (l.nodes[0].rect, l.nodes[1].rect);
    assert_eq!(a.y, b.y);
    assert!(a.right() < b.x);

    // Actions without triggers: laid out, no entry edges.
    let (g, l) = lay(json!({"actions": {
        "A": {"type": "Compose", "runAfter": {}},
        "B": {"type": "Compose", "runAfter": {"A": ["Succeeded"]}}
    }}));
    check_all(&g, &l);
    assert_eq!(l.edges.len(), 1);
}

#[test]
fn hit_test_finds_the_innermost_box() {
    let (g, l) = lay(ifs());
    let s1 = l.nodes[id(&g, "S1")].rect;
    assert_eq!(l.hit_test(s1.center()), Some(id(&g, "S1")));
    let check = l.nodes[id(&g, "Check")].header;
    assert_eq!(l.hit_test(check.center()), Some(id(&g, "Check")));
    assert_eq!(l.hit_test(Point::new(-10.0, -10.0)), None);
}

#[test]
fn big_flat_chain_and_generated_workflow() {
    let mut actions = Map::new();
    let mut prev: Option<String> = None;
    for i in 0..1000 {
        let ra = match &prev {
            Some(p) => json!({ p.clone(): ["Succeeded"] }),
            None => json!({}),
        };
        actions.insert(format!("s{i}"), json!({"type": "Compose", "runAfter": ra}));
        prev = Some(format!("s{i}"));
    }
    let (g, l) = lay(def(Value::Object(actions)));
    let axis = l.nodes[0].rect.center_x();
    assert!(l.visible().all(|b| (b.rect.center_x() - axis).abs() < EPS));
    assert_eq!(l.edges.len(), 1000);
    check_boxes(&g, &l);

    let (g, l) = lay(generated(3000, 5));
    assert!(g.action_count() >= 2900);
    assert!(l.visible().count() == g.outline.nodes.len());
}

/// Timing, in release: `cargo test --release --test layout -- --ignored --nocapture`.
#[test]
#[ignore]
fn timing() {
    let mut skips = Map::new();
    for i in 0..1000 {
        let mut ra = Map::new();
        if i > 0 {
            ra.insert(format!("s{}", i - 1), json!(["Succeeded"]));
            ra.insert("s0".into(), json!(["Succeeded"]));
        }
        skips.insert(format!("s{i}"), json!({"type": "Compose", "runAfter": ra}));
    }
    for d in [
        generated_deep(500, 1, 8),
        generated_deep(5000, 2, 8),
        def(Value::Object(skips)),
    ] {
        let g = graph(d);
        let o = LayoutOptions::default();
        let t = std::time::Instant::now();
        let runs = 20;
        for _ in 0..runs {
            std::hint::black_box(layout(&g, &o));
        }
        println!(
            "{} actions, depth {}: {:?} per layout",
            g.action_count(),
            g.max_depth(),
            t.elapsed() / runs
        );
        let mut cache = LayoutCache::new();
        cache.get(&g, &o);
        let t = std::time::Instant::now();
        for _ in 0..runs {
            std::hint::black_box(cache.get(&g, &o));
        }
        println!("  cache hit: {:?}", t.elapsed() / runs);
    }
}

#[test]
fn many_long_edges_from_one_source() {
    // A chain where every action also waits for the first: the long edges
    // share one column per layer and still cross no card.
    let mut actions = Map::new();
    for i in 0..60 {
        let mut ra = Map::new();
        if i > 0 {
            ra.insert(format!("s{}", i - 1), json!(["Succeeded"]));
            ra.insert("s0".into(), json!(["Failed"]));
        }
        actions.insert(format!("s{i}"), json!({"type": "Compose", "runAfter": ra}));
    }
    let (g, l) = lay(def(Value::Object(actions)));
    check_all(&g, &l);
    let o = LayoutOptions::default();
    // One bus column beside the chain, not one column per edge.
    assert!(l.size.0 < o.card_w + o.h_gap + 40.0, "{}", l.size.0);
}

#[test]
fn barycenter_sweeps_remove_a_crossing() {
    // File order puts C (after B) left of D (after A): one crossing, which
    // the sweeps remove.
    let (g, l) = lay(def(json!({
        "A": {"type": "Compose", "runAfter": {}},
        "B": {"type": "Compose", "runAfter": {}},
        "C": {"type": "Compose", "runAfter": {"B": ["Succeeded"]}},
        "D": {"type": "Compose", "runAfter": {"A": ["Succeeded"]}}
    })));
    check_all(&g, &l);
    let x = |n: &str| l.nodes[id(&g, n)].rect.x;
    assert!(x("A") < x("B"));
    assert!(x("D") < x("C"), "the A-D and B-C edges should not cross");
}

/// Writes SVG pictures to /tmp for a look: `cargo test --test layout -- --ignored svg`.
#[test]
#[ignore]
fn svg() {
    for (name, d) in [
        ("fan", fan()),
        ("ifs", ifs()),
        ("gen", generated(120, 3)),
        (
            "cyc",
            def(json!({
                "A": {"type": "Compose", "runAfter": {"B": ["Succeeded"]}},
                "B": {"type": "Compose", "runAfter": {"A": ["Failed"]}},
                "Self": {"type": "Compose", "runAfter": {"Self": ["Succeeded"]}},
                "After": {"type": "Compose", "runAfter": {"A": ["Succeeded"]}}
            })),
        ),
    ] {
        let (g, l) = lay(d);
        let mut s = format!(
            "<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' font-family='sans-serif' font-size='12'><rect width='100%' height='100%' fill='white'/>",
            l.size.0 + 20.0,
            l.size.1 + 20.0
        );
        s.push_str("<g transform='translate(10,10)'>");
        for b in l.visible() {
            let r = b.rect;
            let fill = if b.kind == BoxKind::Container {
                "#f4f4fb"
            } else {
                "#dde8f7"
            };
            s.push_str(&format!(
                "<rect x='{}' y='{}' width='{}' height='{}' fill='{fill}' stroke='#456'/>",
                r.x, r.y, r.w, r.h
            ));
            let h = b.header;
            s.push_str(&format!(
                "<text x='{}' y='{}'>{}</text>",
                h.x + 6.0,
                h.y + 16.0,
                g.outline.nodes[b.id].name
            ));
        }
        for br in &l.branches {
            let r = br.rect;
            s.push_str(&format!("<rect x='{}' y='{}' width='{}' height='{}' fill='none' stroke='#aab' stroke-dasharray='4 2'/>", r.x, r.y, r.w, r.h));
            s.push_str(&format!(
                "<text x='{}' y='{}' fill='#558'>{}</text>",
                br.label_rect.x + 4.0,
                br.label_rect.y + 16.0,
                br.label
            ));
        }
        for e in &l.edges {
            let pts: Vec<String> = e
                .points
                .iter()
                .map(|p| format!("{},{}", p.x, p.y))
                .collect();
            let col = if e.plain { "#333" } else { "#b22" };
            s.push_str(&format!(
                "<polyline points='{}' fill='none' stroke='{col}'/>",
                pts.join(" ")
            ));
            if let Some(at) = e.label_at {
                s.push_str(&format!(
                    "<text x='{}' y='{}' fill='#b22' font-size='9'>{}</text>",
                    at.x,
                    at.y,
                    e.statuses.join(",")
                ));
            }
        }
        s.push_str("</g></svg>");
        std::fs::write(format!("/tmp/layout_{name}.svg"), s).unwrap();
    }
}

#[test]
fn edges_share_no_segment_and_mark_their_crossings() {
    // B stands right below A; A also feeds C, and X feeds B: A's stub and
    // X's drop into B share an x. A's track must be above X's.
    let (g, l) = lay(def(json!({
        "A": {"type": "Compose", "runAfter": {}},
        "X": {"type": "Compose", "runAfter": {}},
        "Y": {"type": "Compose", "runAfter": {}},
        "B": {"type": "Compose", "runAfter": {"A": ["Succeeded"], "X": ["Succeeded"]}},
        "C": {"type": "Compose", "runAfter": {"A": ["Succeeded"], "Y": ["Failed"]}},
        "D": {"type": "Compose", "runAfter": {"Y": ["Succeeded"], "X": ["Succeeded"]}}
    })));
    check_all(&g, &l);
    // Many sources in one layer each get a track: the gap grows.
    let mut actions = Map::new();
    for i in 0..30 {
        actions.insert(format!("s{i}"), json!({"type": "Compose", "runAfter": {}}));
    }
    for i in 0..30 {
        let a = format!("s{}", i);
        let b = format!("s{}", (i * 7 + 3) % 30);
        actions.insert(
            format!("t{i}"),
            json!({"type": "Compose", "runAfter": {a: ["Succeeded"], b: ["Failed"]}}),
        );
    }
    let (g, l) = lay(def(Value::Object(actions)));
    check_all(&g, &l);
    let crossings: usize = l.edges.iter().map(|e| e.crossings.len()).sum();
    assert!(crossings > 0, "a shuffled bipartite graph has crossings");
    for e in &l.edges {
        for c in &e.crossings {
            assert!(
                e.points.windows(2).any(|w| w[0].y == c.y
                    && w[1].y == c.y
                    && c.x > w[0].x.min(w[1].x)
                    && c.x < w[0].x.max(w[1].x)),
                "crossing {c:?} not on a horizontal segment of {e:?}"
            );
        }
    }
    for seed in [3, 11] {
        let (g, l) = lay(generated(400, seed));
        check_no_shared_segments(&g, &l);
    }
}

/// StressTest1000 from the shared corpus: no shared segments, no card
/// crossed.
#[test]
fn stress_test_1000_from_the_corpus() {
    let Some(dir) = common::corpus_dir() else {
        return;
    };
    let path = dir.join("standard/Azure__LogicAppsUX____mocks____workflows__StressTest1000.json");
    let doc = Document::load(&path).expect("StressTest1000 loads");
    let g = WorkflowGraph::build(doc.outline(0).expect("outline"));
    let l = layout(&g, &LayoutOptions::default());
    assert!(g.action_count() >= 1000);
    check_all(&g, &l);
}
