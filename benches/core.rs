//! `cargo bench --bench core`: open (decode + parse + container detection +
//! outline), validate and lay out generated workflows, and print the
//! figures. Targets (DESIGN.md): 500 actions at nesting depth 8 under 50 ms,
//! 5,000 actions under 500 ms.

use lapis::graph::layout::{layout, LayoutOptions};
use lapis::graph::validate::validate;
use lapis::graph::WorkflowGraph;
use lapis::workflow::text::{render, TextFormat};
use lapis::workflow::Document;
use std::hint::black_box;
use std::time::{Duration, Instant};

struct Figures {
    samples: Vec<Duration>,
}

impl Figures {
    fn percentile(&self, p: f64) -> Duration {
        let mut s = self.samples.clone();
        s.sort();
        let i = ((s.len() as f64 - 1.0) * p).round() as usize;
        s[i]
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn measure(iterations: usize, mut f: impl FnMut()) -> Figures {
    // Warm up caches and the allocator.
    for _ in 0..3.min(iterations) {
        f();
    }
    let samples = (0..iterations)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    Figures { samples }
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument selects cases.
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let cases = [(500usize, 8usize, 50.0f64, 60usize), (5000, 8, 500.0, 15)];
    println!("lapis core benchmark: open + validate + layout (release build)");
    println!(
        "{:<22} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}   target",
        "case", "bytes", "open", "validate", "layout", "total p50", "total max"
    );
    let mut failed = false;
    for (actions, depth, target_ms, iterations) in cases {
        let name = format!("{actions} actions, depth {depth}");
        if filter.as_deref().is_some_and(|f| !name.contains(f)) {
            continue;
        }
        let bytes = render(
            &lapis::synth::generate(actions, depth),
            &TextFormat::default(),
        );
        let opts = LayoutOptions::default();
        let open = measure(iterations, || {
            let doc = Document::from_bytes(&bytes, None).unwrap();
            black_box(doc.outline(0).unwrap());
        });
        let doc = Document::from_bytes(&bytes, None).unwrap();
        let g = WorkflowGraph::build(doc.outline(0).unwrap());
        let val = measure(iterations, || {
            black_box(validate(&doc.root, &g));
        });
        let lay = measure(iterations, || {
            black_box(layout(&g, &opts));
        });
        let total = measure(iterations, || {
            let doc = Document::from_bytes(&bytes, None).unwrap();
            let g = WorkflowGraph::build(doc.outline(0).unwrap());
            black_box(validate(&doc.root, &g));
            black_box(layout(&g, &opts));
        });
        let p50 = ms(total.percentile(0.5));
        let max = ms(total.percentile(1.0));
        let verdict = if max < target_ms { "ok" } else { "MISSED" };
        failed |= max >= target_ms;
        println!(
            "{:<22} {:>9} {:>7.2}ms {:>7.2}ms {:>7.2}ms {:>7.2}ms {:>7.2}ms   < {target_ms} ms {verdict}",
            name,
            bytes.len(),
            ms(open.percentile(0.5)),
            ms(val.percentile(0.5)),
            ms(lay.percentile(0.5)),
            p50,
            max
        );
    }
    if filter.as_deref().is_none_or(|f| "save".contains(f)) {
        failed |= save_after_one_edit();
    }
    if failed {
        println!("at least one target was missed");
    }
}

/// Save of a 5,000-action file after one field edit: the format-preserving
/// save (patch the loaded text) against a full render (the save before it,
/// now `lapis fmt`). Target: no slower than the full render.
fn save_after_one_edit() -> bool {
    use lapis::workflow::edit::{Edit, Editor};
    let bytes = render(&lapis::synth::generate(5000, 8), &TextFormat::default());
    let doc = Document::from_bytes(&bytes, None).unwrap();
    let first = doc
        .outline(0)
        .unwrap()
        .actions()
        .next()
        .unwrap()
        .pointer
        .clone();
    let mut ed = Editor::new(doc);
    ed.apply(Edit::Set {
        pointer: format!("{first}/description"),
        value: serde_json::json!("edited"),
    })
    .unwrap();
    let render_all = measure(15, || {
        black_box(ed.doc.to_formatted_bytes());
    });
    let patch = measure(15, || {
        black_box(ed.doc.to_bytes());
    });
    let (r, p) = (ms(render_all.percentile(0.5)), ms(patch.percentile(0.5)));
    let ok = p <= r * 1.1;
    println!(
        "{:<22} {:>9} full render {r:>7.2}ms, preserving save {p:>7.2}ms   <= render {}",
        "save after 1 edit",
        bytes.len(),
        if ok { "ok" } else { "MISSED" }
    );
    !ok
}
