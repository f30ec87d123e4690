//! An SVG picture of a laid-out workflow (`lapis graph --format svg`): the
//! same layout the designer draws, for documents, reviews and CI artifacts.

use super::layout::{BoxKind, Layout, Point};
use super::WorkflowGraph;
use crate::workflow::tree::Role;
use std::fmt::Write;

/// Escapes text for XML. Control characters, which XML 1.0 cannot hold,
/// become U+FFFD.
fn esc(s: &str) -> String {
    s.replace(|c: char| c.is_control(), "\u{FFFD}")
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Cuts a text to fit about `max` characters.
fn fit(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn status_colour(statuses: &[String]) -> &'static str {
    let has = |s: &str| statuses.iter().any(|x| x.eq_ignore_ascii_case(s));
    if has("Failed") || has("TimedOut") {
        "#c0392b"
    } else if has("Skipped") {
        "#8e6c00"
    } else {
        "#5a6b7d"
    }
}

/// Renders the layout as a standalone SVG document. `summary` gives the
/// second line of each card (e.g. `GET host/path`).
pub fn render(g: &WorkflowGraph, l: &Layout, summary: &dyn Fn(usize) -> String) -> String {
    let pad = 16.0;
    let (w, h) = (l.size.0 + 2.0 * pad, l.size.1 + 2.0 * pad);
    let mut s = String::with_capacity(256 * (g.outline.nodes.len() + 1));
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\" font-family=\"DejaVu Sans, Segoe UI, sans-serif\">\n\
         <defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#5a6b7d\"/></marker></defs>\n\
         <rect width=\"100%\" height=\"100%\" fill=\"#f7f8fa\"/>\n<g transform=\"translate({pad},{pad})\">\n"
    );
    // Containers first (behind), outermost first.
    let mut containers: Vec<_> = l
        .visible()
        .filter(|b| b.kind == BoxKind::Container)
        .collect();
    containers.sort_by_key(|b| b.depth);
    for b in containers {
        let n = &g.outline.nodes[b.id];
        let r = b.rect;
        let _ = writeln!(
            s,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"8\" fill=\"#eef1f6\" stroke=\"#b8c2d0\"/>",
            r.x, r.y, r.w, r.h
        );
        let hd = b.header;
        let _ = writeln!(
            s,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"8\" fill=\"#dfe6f0\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\" font-weight=\"bold\" fill=\"#1f2d3d\">{}</text>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#5a6b7d\" text-anchor=\"end\">{}</text>",
            hd.x,
            hd.y,
            hd.w,
            hd.h,
            hd.x + 12.0,
            hd.y + hd.h / 2.0 + 4.5,
            esc(&fit(&n.name, 48)),
            hd.right() - 12.0,
            hd.y + hd.h / 2.0 + 4.0,
            esc(&n.type_name)
        );
    }
    for br in &l.branches {
        if br.label.is_empty() {
            continue;
        }
        let r = br.label_rect;
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" font-weight=\"bold\" fill=\"#3b5b85\" text-anchor=\"middle\">{}</text>",
            r.center_x(),
            r.y + r.h / 2.0 + 4.0,
            esc(&fit(&br.label, 36))
        );
    }
    for e in &l.edges {
        let colour = if e.plain {
            "#5a6b7d"
        } else {
            status_colour(&e.statuses)
        };
        let pts: Vec<String> = e
            .points
            .iter()
            .map(|Point { x, y }| format!("{x:.1},{y:.1}"))
            .collect();
        let dash = if e.from.is_none() {
            " stroke-dasharray=\"4 3\""
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\"{dash} marker-end=\"url(#arrow)\"/>",
            pts.join(" ")
        );
        if let (Some(at), false) = (e.label_at, e.plain) {
            let _ = writeln!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" fill=\"{colour}\">{}</text>",
                at.x + 4.0,
                at.y,
                esc(&e.statuses.join(", "))
            );
        }
    }
    for b in l.visible().filter(|b| b.kind == BoxKind::Card) {
        let n = &g.outline.nodes[b.id];
        let r = b.rect;
        let (fill, stroke) = if n.role == Role::Trigger {
            ("#e8f3ec", "#3c8d5a")
        } else {
            ("#ffffff", "#8fa3bd")
        };
        let _ = writeln!(
            s,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"6\" fill=\"{fill}\" stroke=\"{stroke}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\" font-weight=\"bold\" fill=\"#1f2d3d\">{}</text>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#5a6b7d\">{}</text>",
            r.x,
            r.y,
            r.w,
            r.h,
            r.x + 10.0,
            r.y + 24.0,
            esc(&fit(&n.name, 30)),
            r.x + 10.0,
            r.y + 44.0,
            esc(&fit(&summary(b.id), 36))
        );
    }
    s.push_str("</g>\n</svg>\n");
    s
}
