//! `lapis runs`: the run history (list, show, delete).

use super::ReportFormat;
use clap::{Args, Subcommand};
use lapis::run::history::{History, RunSummary};
use lapis::run::{ActionRun, Run};
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `lapis runs`.
#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct RunsArgs {
    #[command(subcommand)]
    pub command: Option<RunsCommand>,
    /// Only the runs of this workflow file (or workflow name).
    pub file: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
}

/// `lapis runs show|delete`.
#[derive(Subcommand, Debug)]
pub enum RunsCommand {
    /// Print one stored run: its actions, statuses, durations and errors.
    Show {
        /// The run's id (as `lapis runs` lists it).
        id: String,
        /// Output format (json: the record as `lapis run --format json`).
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
    /// Delete one stored run.
    Delete {
        /// The run's id.
        id: String,
    },
}

/// Runs `lapis runs`.
pub fn cmd_runs(args: &RunsArgs, out: &mut dyn Write) -> Result<i32, String> {
    let history = History::open_default()?;
    match &args.command {
        None => {
            let file = args.file.as_ref().map(|f| f.to_string_lossy().into_owned());
            let list = history.list(file.as_deref())?;
            match args.format {
                ReportFormat::Json => {
                    let text = serde_json::to_string_pretty(&list).map_err(|e| e.to_string())?;
                    let _ = writeln!(out, "{text}");
                }
                ReportFormat::Text => print_list(&list, out),
            }
            Ok(0)
        }
        Some(RunsCommand::Show { id, format }) => {
            let run = history.get(id)?.ok_or_else(|| no_run(id, &history))?;
            match format {
                ReportFormat::Json => {
                    let text = serde_json::to_string_pretty(&run).map_err(|e| e.to_string())?;
                    let _ = writeln!(out, "{text}");
                }
                ReportFormat::Text => print_run(&run, out),
            }
            Ok(0)
        }
        Some(RunsCommand::Delete { id }) => {
            if !history.delete(id)? {
                return Err(no_run(id, &history));
            }
            let _ = writeln!(out, "deleted run {id}");
            Ok(0)
        }
    }
}

fn no_run(id: &str, h: &History) -> String {
    format!(
        "no run `{id}` in the run history ({}); `lapis runs` lists them",
        h.path().display()
    )
}

fn print_list(list: &[RunSummary], out: &mut dyn Write) {
    if list.is_empty() {
        let _ = writeln!(out, "no runs");
        return;
    }
    for s in list {
        let dur = s.duration_ms.map(fmt_ms).unwrap_or_else(|| "-".to_owned());
        let _ = write!(
            out,
            "{}  {:<9}  {}  {:>8}  {}",
            s.run_id, s.status, s.start, dur, s.workflow
        );
        if let Some(e) = &s.error {
            let _ = write!(out, "  {}", e.lines().next().unwrap_or(""));
        }
        let _ = writeln!(out);
    }
}

/// A duration for people: `850 ms`, `2.4 s`.
pub fn fmt_ms(ms: i64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

fn duration(start: Option<&str>, end: Option<&str>) -> Option<i64> {
    let s = chrono::DateTime::parse_from_rfc3339(start?).ok()?;
    let e = chrono::DateTime::parse_from_rfc3339(end?).ok()?;
    Some((e - s).num_milliseconds())
}

fn print_run(run: &Run, out: &mut dyn Write) {
    let _ = writeln!(
        out,
        "run {}  {}  {}  {}",
        run.run_id,
        run.workflow,
        run.status.as_str(),
        duration(Some(&run.start), run.end.as_deref())
            .map(fmt_ms)
            .unwrap_or_default()
    );
    if let Some(e) = &run.error {
        let _ = writeln!(out, "  error {}: {}", e.code, first_line(&e.message));
    }
    for (name, v) in &run.actions {
        let a: Option<ActionRun> = serde_json::from_value(v.clone()).ok();
        let Some(a) = a else {
            let _ = writeln!(out, "  {name}: (unreadable record)");
            continue;
        };
        let _ = write!(out, "  {name}  {}", a.status.as_str());
        if let Some(ms) = duration(a.start.as_deref(), a.end.as_deref()) {
            let _ = write!(out, "  {}", fmt_ms(ms));
        }
        if a.retries > 0 {
            let _ = write!(out, "  ({} retries)", a.retries);
        }
        if !a.repetitions.is_empty() {
            let _ = write!(out, "  [{} iterations]", a.repetitions.len());
        }
        if let Some(c) = &a.code {
            let _ = write!(out, "  [{c}]");
        }
        if let Some(e) = &a.error {
            let _ = write!(out, "  {}: {}", e.code, first_line(&e.message));
        }
        let _ = writeln!(out);
        if let Some(d) = &a.diagnosis {
            let _ = writeln!(out, "    why: {}", first_line(d));
        }
    }
    if let Some(r) = &run.response {
        let _ = writeln!(out, "  response {}", r.status);
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}
