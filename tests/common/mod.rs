//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod app;
pub mod gpu;

use std::path::{Path, PathBuf};

/// The shared corpus of public Logic Apps files, if present. In CI
/// (`CI=true` or `LAPIS_REQUIRE_CORPUS=1`) a missing corpus fails the test.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("LAPIS_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    if dir.join("arm").is_dir() {
        return Some(dir);
    }
    let required = std::env::var("LAPIS_REQUIRE_CORPUS").is_ok_and(|v| v == "1")
        || std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(
        !required,
        "the corpus is required here but missing at {}",
        dir.display()
    );
    eprintln!("corpus not found at {}: skipped", dir.display());
    None
}

/// Every workflow JSON file of the corpus (arm, standard, definition), sorted.
pub fn corpus_files() -> Vec<PathBuf> {
    let Some(dir) = corpus_dir() else {
        return Vec::new();
    };
    let mut files = Vec::new();
    for sub in ["arm", "standard", "definition"] {
        for e in std::fs::read_dir(dir.join(sub)).expect("corpus folder is readable") {
            let p = e.expect("corpus entry").path();
            if p.extension().is_some_and(|x| x == "json") {
                files.push(p);
            }
        }
    }
    files.sort();
    assert!(!files.is_empty(), "the corpus has no JSON files");
    files
}

/// Compact JSON text: equal only for the same value with the same key order
/// and the same number spellings.
pub fn canonical(v: &serde_json::Value) -> String {
    serde_json::to_string(v).expect("values serialize")
}

pub fn file_name(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}
