//! `lapis test`: run workflow tests (`*.lapistest.json`); `lapis test new
//! --from-run RUN_ID`: write a test from a recorded run.

use clap::{Args, Subcommand, ValueEnum};
use lapis::run::history::History;
use lapis::wftest::{self, report, runner, TestFile};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Arguments of `lapis test`.
#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct TestArgs {
    #[command(subcommand)]
    pub command: Option<TestCommand>,
    /// Test files, folders to search, or workflow files (their tests next to
    /// them or in a tests/ folder beside them). The current folder if none.
    pub paths: Vec<PathBuf>,
    /// Only the cases whose name contains this text (case-insensitive).
    #[arg(long, value_name = "NAME")]
    pub filter: Option<String>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = TestFormat::Text)]
    pub format: TestFormat,
    /// Write the report to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Rewrite the expected values of failed equality assertions with what
    /// the run did, then run the tests again.
    #[arg(long)]
    pub update: bool,
    /// Report which actions and run-after edges the tests exercised.
    #[arg(long)]
    pub coverage: bool,
    /// How many cases run at once (0: one per core).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub jobs: usize,
}

/// `lapis test new`.
#[derive(Subcommand, Debug)]
pub enum TestCommand {
    /// Write a test from a recorded run: its outside calls mocked with the
    /// recorded outputs, its assertions the run's statuses.
    New {
        /// The run's id (as `lapis runs` lists it).
        #[arg(long = "from-run", value_name = "RUN_ID")]
        from_run: String,
        /// The workflow file, when the run did not record it.
        #[arg(long, value_name = "FILE")]
        workflow: Option<PathBuf>,
        /// Where to write the test (default: next to the workflow).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

/// Report formats of `lapis test`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestFormat {
    Text,
    Json,
    Junit,
}

/// Runs `lapis test`: 0 all passed, 1 a test failed, 2 a bad test file.
pub fn cmd_test(a: &TestArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<i32, String> {
    if let Some(TestCommand::New {
        from_run,
        workflow,
        output,
    }) = &a.command
    {
        return cmd_new(from_run, workflow.as_deref(), output.as_deref(), out);
    }
    let found = wftest::discover(&a.paths)?;
    if found.is_empty() {
        let _ = writeln!(err, "error: no test files (*{}) found", wftest::EXTENSION);
        return Ok(2);
    }
    let mut code = 0;
    let mut files = load_all(&found, err, &mut code);
    let mut results = runner::run_all(&files, a.filter.as_deref(), a.jobs);
    if a.update {
        let mut changed = false;
        for f in &files {
            let n = report::update(f, &results)?;
            if n > 0 {
                changed = true;
                let _ = writeln!(err, "updated {n} expected value(s) in {}", f.path.display());
            }
        }
        if changed {
            let mut c2 = 0;
            files = load_all(&found, err, &mut c2);
            results = runner::run_all(&files, a.filter.as_deref(), a.jobs);
        }
    }
    let cov = a.coverage.then(|| report::coverage(&files, &results));
    let text = match a.format {
        TestFormat::Text => {
            let mut s = report::text(&results);
            if let Some(c) = &cov {
                s.push_str(&report::coverage_text(c));
            }
            s
        }
        TestFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&report::json(&results, cov.as_deref()))
                .unwrap_or_default()
        ),
        TestFormat::Junit => report::junit(&results),
    };
    match &a.output {
        Some(p) => {
            lapis::workflow::text::write_atomic(p, text.as_bytes())
                .map_err(|e| format!("{}: {e}", p.display()))?;
            let t = report::totals(&results);
            let _ = writeln!(
                out,
                "{} tests: {} passed, {} failed, {} errors (report in {})",
                t.tests,
                t.passed,
                t.failed,
                t.errors,
                p.display()
            );
        }
        None => {
            let _ = write!(out, "{text}");
        }
    }
    let t = report::totals(&results);
    if t.errors > 0 {
        code = 2;
    } else if t.failed > 0 && code == 0 {
        code = 1;
    }
    Ok(code)
}

fn load_all(found: &[PathBuf], err: &mut dyn Write, code: &mut i32) -> Vec<TestFile> {
    let mut files = Vec::new();
    for p in found {
        match wftest::load(p) {
            Ok(f) => files.push(f),
            Err(e) => {
                let _ = writeln!(err, "error: {e}");
                *code = 2;
            }
        }
    }
    files
}

fn cmd_new(
    id: &str,
    workflow: Option<&Path>,
    output: Option<&Path>,
    out: &mut dyn Write,
) -> Result<i32, String> {
    let history = History::open_default()?;
    let run = history.get(id)?.ok_or_else(|| {
        format!(
            "no run '{id}' in the run history ({}); `lapis runs` lists them",
            history.path().display()
        )
    })?;
    let wf: PathBuf = match (workflow, &run.file) {
        (Some(w), _) => w.to_owned(),
        (None, Some(f)) => PathBuf::from(f),
        (None, None) => {
            return Err(format!(
                "run '{id}' did not record its workflow file: give it with --workflow FILE"
            ))
        }
    };
    let doc = super::load(&wf)?.doc;
    let path = output
        .map(Path::to_owned)
        .unwrap_or_else(|| wftest::from_run::default_path(&wf, &run.run_id));
    let schema = Path::new("assets/lapistest.schema.json");
    let holes = wftest::from_run::write_test(&run, &doc, &wf, &path, Some(schema))?;
    let _ = writeln!(out, "wrote {}", path.display());
    if holes > 0 {
        let _ = writeln!(
            out,
            "{holes} secured value(s) were not recorded: fill in the \"{}…>\" placeholders before running it",
            wftest::PLACEHOLDER
        );
    }
    Ok(0)
}
