//! Whether a wgpu adapter is available, for the tests that render (GUI
//! snapshots). A machine without a GPU or Mesa's software Vulkan (lavapipe)
//! skips them with the reason printed, unless `LAPIS_REQUIRE_GPU=1` (which
//! `.ci/run` sets after installing lavapipe) makes the missing adapter a
//! failure.

use std::sync::OnceLock;

/// Probes for an adapter once per test binary: `Err` says why there is none.
fn probe() -> &'static Result<(), String> {
    static PROBE: OnceLock<Result<(), String>> = OnceLock::new();
    PROBE.get_or_init(|| {
        // egui_kittest's renderer panics when wgpu finds no adapter; that
        // panic is the answer.
        std::panic::catch_unwind(|| {
            drop(egui_kittest::wgpu::WgpuTestRenderer::new());
        })
        .map_err(|e| {
            e.downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "wgpu could not create a device".into())
        })
    })
}

/// Whether `test` can render. Without an adapter it prints why and
/// returns false (the test then returns early), or panics with the
/// reason when `LAPIS_REQUIRE_GPU=1`.
pub fn available(test: &str) -> bool {
    match probe() {
        Ok(()) => true,
        Err(reason) => {
            let required = std::env::var("LAPIS_REQUIRE_GPU").is_ok_and(|v| v == "1");
            assert!(
                !required,
                "{test}: LAPIS_REQUIRE_GPU=1 but there is no wgpu adapter: {reason}"
            );
            eprintln!(
                "skipped {test}: no wgpu adapter ({reason}); install Mesa's Vulkan driver \
                 (apt-get install mesa-vulkan-drivers) to run it"
            );
            false
        }
    }
}
