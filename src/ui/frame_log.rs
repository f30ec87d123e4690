//! `LAPIS_FRAME_LOG=FILE`: the window appends one line per frame to FILE,
//! so a frame budget can be measured in a real window (under Xvfb, say),
//! not only in the bench:
//!
//! ```text
//! frame=412 frame_ms=3.81 interval_ms=16.70 actions=5000 revision=38
//! ```
//!
//! `frame_ms` is the CPU time of the previous frame as eframe measures it:
//! building the UI, tessellation and paint submission, without the wait for
//! vsync. `interval_ms` is the wall time between the starts of that frame
//! and the one before it. Each line describes the frame before the one
//! that writes it, since a frame's paint time is known only after it.
//! Lines are flushed every second and when the log is dropped.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;

/// An open frame log.
pub struct FrameLog {
    out: BufWriter<File>,
    /// Start of the frame being built, and of the one before it.
    started: Option<Instant>,
    previous_interval: Option<f64>,
    frame: u64,
    last_flush: Instant,
}

impl FrameLog {
    /// The log named by `LAPIS_FRAME_LOG`, if set; an error to show when the
    /// file cannot be opened.
    pub fn from_env() -> Option<Result<FrameLog, String>> {
        let path = std::env::var_os("LAPIS_FRAME_LOG")?;
        Some(FrameLog::open(Path::new(&path)))
    }

    /// Opens (appends to) a frame log.
    pub fn open(path: &Path) -> Result<FrameLog, String> {
        let f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("cannot open the frame log {}: {e}", path.display()))?;
        Ok(FrameLog {
            out: BufWriter::new(f),
            started: None,
            previous_interval: None,
            frame: 0,
            last_flush: Instant::now(),
        })
    }

    /// Called at the start of each frame with eframe's CPU time of the
    /// previous frame (`None` on the first); writes the previous frame's
    /// line.
    pub fn frame_started(
        &mut self,
        previous_cpu_seconds: Option<f32>,
        actions: usize,
        revision: u64,
    ) {
        let now = Instant::now();
        let interval = self
            .started
            .map(|t| now.duration_since(t).as_secs_f64() * 1000.0);
        if let (Some(cpu), Some(_)) = (previous_cpu_seconds, self.started) {
            let interval_text = match self.previous_interval {
                Some(i) => format!("{i:.2}"),
                None => "-".into(),
            };
            // A full disk or a closed file must not stop the window.
            let _ = writeln!(
                self.out,
                "frame={} frame_ms={:.2} interval_ms={interval_text} actions={actions} revision={revision}",
                self.frame,
                f64::from(cpu) * 1000.0,
            );
        }
        if self.started.is_some() {
            self.frame += 1;
        }
        self.previous_interval = interval;
        self.started = Some(now);
        if self.last_flush.elapsed().as_secs() >= 1 {
            let _ = self.out.flush();
            self.last_flush = Instant::now();
        }
    }
}

impl Drop for FrameLog {
    fn drop(&mut self) {
        let _ = self.out.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::FrameLog;

    #[test]
    fn writes_one_line_per_finished_frame() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("frames.log");
        {
            let mut log = FrameLog::open(&p).unwrap();
            log.frame_started(None, 3, 1);
            std::thread::sleep(std::time::Duration::from_millis(5));
            log.frame_started(Some(0.004), 3, 1);
            std::thread::sleep(std::time::Duration::from_millis(5));
            log.frame_started(Some(0.002), 3, 2);
        }
        let text = std::fs::read_to_string(&p).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(
            lines[0].starts_with("frame=0 frame_ms=4.00 interval_ms=-"),
            "{text}"
        );
        assert!(
            lines[1].starts_with("frame=1 frame_ms=2.00 interval_ms="),
            "{text}"
        );
        let interval: f64 = lines[1]
            .split_whitespace()
            .find_map(|f| f.strip_prefix("interval_ms="))
            .unwrap()
            .parse()
            .unwrap();
        assert!(interval >= 5.0, "{text}");
    }
}
