//! The command line: a thin face over the core.
//!
//! Exit codes: 0 success; 1 the check failed (validation errors, `fmt
//! --check` found files to change); 2 bad usage or bad input.

use clap::{Parser, Subcommand, ValueEnum};
use lapis::expr::eval::{eval_str, evaluate, Context};
use lapis::expr::parse::parse_expression;
use lapis::graph::validate::{self, Problem, Severity};
use lapis::graph::WorkflowGraph;
use lapis::workflow::text::{self, SpanIndex};
use lapis::workflow::tree::Role;
use lapis::workflow::Document;
use std::io::Write;
use std::path::{Path, PathBuf};

mod call;
mod diff;
mod edit;
mod run;
mod runs;
mod serve;
mod test;

#[derive(Parser, Debug)]
#[command(
    name = "lapis",
    version,
    about = "Design, check and convert Azure Logic Apps workflows that call on-premises APIs through Entra application proxy",
    long_about = None,
    after_help = "With no command, `lapis [FILE]` opens the designer window (on the bundled App Proxy sample when no FILE is given)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// A workflow file to open in the designer.
    pub file: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check workflows for mistakes; exits 1 when there are errors.
    Validate {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
        /// Only this workflow of an ARM template (name or 1-based index).
        #[arg(long)]
        workflow: Option<String>,
    },
    /// Rewrite files in Lapis's stable format (keeping indentation, encoding
    /// and line endings).
    Fmt {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Only report which files would change; exit 1 if any.
        #[arg(long)]
        check: bool,
        /// Write to this path instead of in place (one FILE only).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Remove the file's comments (kept and formatted with the file otherwise).
        #[arg(long)]
        drop_comments: bool,
    },
    /// Write a workflow for deployment: the bare definition, a Consumption ARM
    /// template (with its parameters file), or a Standard project folder.
    /// Refuses (exit 1, nothing written) while a secret is in clear.
    Export(ExportArgs),
    /// Print the actions in topological order, Graphviz DOT, or an SVG picture.
    Graph {
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = GraphFormat::Text)]
        format: GraphFormat,
        /// Which workflow of an ARM template (name or 1-based index).
        #[arg(long)]
        workflow: Option<String>,
    },
    /// Evaluate a workflow expression, e.g. `lapis eval "body('Get')?['id']" --context run.json`.
    Eval {
        /// The expression: a bare one such as `body('Get')?['id']`, or a JSON
        /// string value (`@…`, or text with `@{…}` interpolations).
        #[arg(allow_hyphen_values = true)]
        expression: String,
        /// A JSON file with what the expression may read: parameters,
        /// variables, triggerOutputs, actions, loops, appSettings, workflow,
        /// now, …
        #[arg(long, value_name = "FILE")]
        context: Option<PathBuf>,
    },
    /// Send one HTTP action for real (Entra token included) and explain
    /// the answer; exits 0 on a 2xx answer, 1 otherwise.
    Call(call::CallArgs),
    /// Serve a local Entra token service, App Proxy front and demo API on
    /// loopback, for demos and offline trials.
    Sandbox(call::SandboxArgs),
    /// Explain a validation rule: what it checks, an example, the fix and
    /// the Microsoft Learn page it comes from. With no code, list every rule.
    Explain {
        /// A rule code such as `retry-policy` (as `lapis validate` prints it).
        code: Option<String>,
    },
    /// Run a workflow once on the desk, as if its trigger fired, and print
    /// the run; exits 0 when it Succeeded, 1 when it did not.
    Run(run::RunArgs),
    /// List, show or delete stored local runs (the run history).
    Runs(runs::RunsArgs),
    /// Apply the designer's edit commands (rename, set, delete) and save as
    /// the designer does: only the changed spans are rewritten.
    Edit(edit::EditArgs),
    /// Compare two versions of a workflow: actions added, removed, renamed,
    /// moved, run-after and input changes; exits 1 when they differ.
    Diff(diff::DiffArgs),
    /// Serve the workflows' Request triggers on loopback behind signed
    /// callback URLs, IP allow-lists and a run history API, until Ctrl+C.
    Serve(serve::ServeArgs),
    /// Print a signed callback URL of a workflow's Request trigger.
    CallbackUrl(serve::CallbackArgs),
    /// Manage the access keys that sign callback URLs.
    Keys(serve::KeysArgs),
    /// Run workflow tests (*.lapistest.json): mocks and assertions; exits 0
    /// when all pass, 1 when one fails, 2 for a bad test file.
    Test(test::TestArgs),
    /// Write a synthetic workflow of a given size, for trials and benchmarks.
    Synth {
        /// Number of actions, nested ones included.
        #[arg(long, default_value_t = 500)]
        actions: usize,
        /// Nesting depth of the deepest action (1 = top level).
        #[arg(long, default_value_t = 8)]
        depth: usize,
        /// Output path (standard output if absent).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    Text,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphFormat {
    Text,
    Dot,
    /// A picture of the designer's layout.
    Svg,
}

#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// A workflow file, or a Standard project or workflow folder.
    pub file: PathBuf,
    /// Target format.
    #[arg(long, value_enum)]
    pub to: ExportTarget,
    /// Output: the definition file; the template file for arm (its
    /// parameters file is written beside it as `<stem>.parameters.json`);
    /// the project folder for standard.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Which workflow of an ARM template (name or 1-based index).
    #[arg(long)]
    pub workflow: Option<String>,
    /// arm: default location (else the resource group's).
    #[arg(long)]
    pub location: Option<String>,
    /// arm: the workflow's state.
    #[arg(long, value_parser = ["Enabled", "Disabled"])]
    pub state: Option<String>,
    /// arm: a tag on the workflow resource (repeatable).
    #[arg(long = "tag", value_name = "KEY=VALUE")]
    pub tags: Vec<String>,
    /// arm: add a CanNotDelete lock on the workflow.
    #[arg(long)]
    pub lock: bool,
    /// arm: give this principal (object id) Logic App Contributor on the workflow (repeatable).
    #[arg(long = "contributor", value_name = "PRINCIPAL_ID")]
    pub contributors: Vec<String>,
    /// arm: give this principal (object id) Logic App Operator on the workflow (repeatable).
    #[arg(long = "operator", value_name = "PRINCIPAL_ID")]
    pub operators: Vec<String>,
    /// arm: the Key Vault that holds the secure parameters' values.
    #[arg(long = "key-vault", value_name = "VAULT_RESOURCE_ID")]
    pub key_vault: Option<String>,
    /// standard: stateful or stateless (else the source's, or stateful).
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
    /// The logic app name (arm) or workflow folder name (standard).
    #[arg(long)]
    pub name: Option<String>,
    /// Move every secret in clear to a secure parameter before exporting
    /// (the source file is not changed; the values are not kept).
    #[arg(long)]
    pub fix: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum KindArg {
    Stateful,
    Stateless,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportTarget {
    Definition,
    Arm,
    Standard,
}

/// Runs the command line and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return e.exit_code();
        }
    };
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr().lock();
    run(cli, &mut out, &mut err)
}

/// Runs a parsed command line, writing to the given streams.
pub fn run(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let result = match cli.command {
        None if cli.file.as_deref().is_some_and(|f| !f.exists()) => Err(format!(
            "`{}` is neither a command (validate, fmt, export, graph, eval, call, sandbox, synth, explain) nor an existing file",
            cli.file.as_deref().unwrap_or(Path::new("")).display()
        )),
        None => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let _ = writeln!(out, "{}", cmd.render_help());
            Ok(0)
        }
        Some(Command::Validate {
            files,
            format,
            workflow,
        }) => cmd_validate(&files, format, workflow.as_deref(), out, err),
        Some(Command::Fmt {
            files,
            check,
            output,
            drop_comments,
        }) => cmd_fmt(&files, check, output.as_deref(), drop_comments, out, err),
        Some(Command::Export(args)) => cmd_export(&args, out, err),
        Some(Command::Graph {
            file,
            format,
            workflow,
        }) => cmd_graph(&file, format, workflow.as_deref(), out),
        Some(Command::Eval {
            expression,
            context,
        }) => cmd_eval(&expression, context.as_deref(), out, err),
        Some(Command::Call(a)) => call::cmd_call(&a, out, err),
        Some(Command::Sandbox(a)) => call::cmd_sandbox(&a),
        Some(Command::Explain { code }) => cmd_explain(code.as_deref(), out),
        Some(Command::Run(a)) => run::cmd_run(&a, out, err),
        Some(Command::Runs(a)) => runs::cmd_runs(&a, out),
        Some(Command::Edit(a)) => Ok(edit::cmd_edit(&a, out, err)),
        Some(Command::Diff(a)) => Ok(diff::cmd_diff(&a, out, err)),
        Some(Command::Serve(a)) => serve::cmd_serve(&a, out, err),
        Some(Command::CallbackUrl(a)) => serve::cmd_callback_url(&a, out),
        Some(Command::Keys(a)) => serve::cmd_keys(&a, out),
        Some(Command::Test(a)) => test::cmd_test(&a, out, err),
        Some(Command::Synth {
            actions,
            depth,
            output,
        }) => {
            if depth > lapis::synth::MAX_DEPTH {
                Err(format!(
                    "--depth {depth} is too deep: at most {} (deeper files exceed the JSON nesting limit)",
                    lapis::synth::MAX_DEPTH
                ))
            } else {
                cmd_synth_checked(actions, depth, output.as_deref(), out)
            }
        }
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            let _ = writeln!(err, "error: {message}");
            2
        }
    }
}

type CmdResult = Result<i32, String>;

/// A file read once: its bytes, its decoded JSON text and the document.
struct Loaded {
    doc: Document,
    bytes: Vec<u8>,
    source: text::Source,
}

fn load(path: &Path) -> Result<Loaded, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let err = |e: text::TextError| format!("{}:{e}", path.display());
    let source = text::read_source(&bytes).map_err(err)?;
    let doc = Document::from_source(&source, Some(path)).map_err(|e| e.to_string())?;
    Ok(Loaded { doc, bytes, source })
}

#[derive(serde::Serialize)]
struct JsonProblem<'a> {
    #[serde(flatten)]
    problem: &'a Problem,
    line: usize,
    column: usize,
}

fn cmd_validate(
    files: &[PathBuf],
    format: ReportFormat,
    workflow: Option<&str>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> CmdResult {
    // A Standard project folder stands for its workflows.
    let files = &lapis::workflow::project::expand_dirs(files);
    let mut total = (0usize, 0usize);
    let mut bad_input = false;
    let mut report = Vec::new();
    for path in files {
        let Loaded { doc, source, .. } = match load(path) {
            Ok(x) => x,
            Err(e) => {
                bad_input = true;
                if format == ReportFormat::Text {
                    let _ = writeln!(err, "error: {e}");
                }
                report.push(serde_json::json!({"path": path, "error": e}));
                continue;
            }
        };
        let indices: Vec<usize> = match workflow {
            Some(_) => match doc.select(workflow) {
                Ok(i) => vec![i],
                Err(e) => {
                    bad_input = true;
                    let msg = format!("{}: {e}", path.display());
                    if format == ReportFormat::Text {
                        let _ = writeln!(err, "error: {msg}");
                    }
                    report.push(serde_json::json!({"path": path, "error": msg}));
                    continue;
                }
            },
            None => (0..doc.workflows.len()).collect(),
        };
        let index = std::cell::OnceCell::new();
        let mut wf_reports = Vec::new();
        for i in indices {
            let problems = validate::validate_document(&doc, i).map_err(|e| e.message)?;
            let (e, w) = validate::counts(&problems);
            total.0 += e;
            total.1 += w;
            // One walk of the text for all the problems' places.
            let places = if problems.is_empty() {
                Vec::new()
            } else {
                let pointers: Vec<&str> = problems.iter().map(|p| p.pointer.as_str()).collect();
                index
                    .get_or_init(|| SpanIndex::new(&source.json))
                    .locate_all(&pointers)
            };
            let located: Vec<JsonProblem> = problems
                .iter()
                .zip(places)
                .map(|(p, (line, column))| JsonProblem {
                    problem: p,
                    line,
                    column,
                })
                .collect();
            if format == ReportFormat::Text {
                let prefix = if doc.workflows.len() > 1 {
                    format!(" (workflow {})", doc.workflows[i].name)
                } else {
                    String::new()
                };
                for p in &located {
                    let sev = match p.problem.severity {
                        Severity::Error => "error",
                        Severity::Warning => "warning",
                    };
                    let _ = writeln!(
                        out,
                        "{}:{}:{}: {sev}[{}]{prefix} {}",
                        path.display(),
                        p.line,
                        p.column,
                        p.problem.code,
                        p.problem.message
                    );
                }
            }
            wf_reports.push(serde_json::json!({
                "name": doc.workflows[i].name,
                "errors": e,
                "warnings": w,
                "problems": located,
            }));
        }
        report.push(serde_json::json!({
            "path": path,
            "container": doc.container,
            "workflows": wf_reports,
        }));
    }
    match format {
        ReportFormat::Text => {
            let unreadable = report.iter().filter(|r| r.get("error").is_some()).count();
            let tail = if unreadable > 0 {
                format!(", {unreadable} file(s) could not be checked")
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "{} file(s): {} error(s), {} warning(s){tail}",
                files.len(),
                total.0,
                total.1
            );
        }
        ReportFormat::Json => {
            let doc = serde_json::json!({
                "files": report,
                "errors": total.0,
                "warnings": total.1,
            });
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&doc).unwrap_or_default()
            );
        }
    }
    Ok(if bad_input {
        2
    } else if total.0 > 0 {
        1
    } else {
        0
    })
}

fn cmd_fmt(
    files: &[PathBuf],
    check: bool,
    output: Option<&Path>,
    drop_comments: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> CmdResult {
    if output.is_some() && files.len() != 1 {
        return Err("-o/--output takes exactly one FILE".into());
    }
    let mut would_change = 0;
    let mut bad_input = false;
    for path in files {
        let Loaded { doc, bytes, .. } = match load(path) {
            Ok(x) => x,
            Err(e) => {
                let _ = writeln!(err, "error: {e}");
                bad_input = true;
                continue;
            }
        };
        // Comments are kept (formatted with the file) unless the user asks
        // to drop them.
        let keep = doc.format.had_comments && !drop_comments;
        let new = match (&doc.base, keep) {
            (Some(base), true) => {
                match lapis::workflow::jsonc::format_keeping_comments(&base.text, &doc.format) {
                    Ok(b) => b,
                    Err(e) => {
                        let _ = writeln!(
                            err,
                            "error: {}: cannot format with its comments: {e}; nothing was written (--drop-comments formats without them)",
                            path.display()
                        );
                        bad_input = true;
                        continue;
                    }
                }
            }
            _ => doc.to_formatted_bytes(),
        };
        let target = output.unwrap_or(path);
        let changed = new != bytes || target != path;
        if check {
            if new != bytes {
                would_change += 1;
                let why = if doc.format.had_comments && !keep {
                    " (its comments would be removed)"
                } else {
                    ""
                };
                let _ = writeln!(out, "would reformat {}{why}", path.display());
            }
            continue;
        }
        if doc.format.had_comments && !keep {
            let _ = writeln!(
                err,
                "warning: {}: the file's comments were removed (--drop-comments)",
                path.display()
            );
        }
        if changed {
            text::write_atomic(target, &new).map_err(|e| format!("{}: {e}", target.display()))?;
            let _ = writeln!(out, "formatted {}", target.display());
        }
    }
    if bad_input {
        return Ok(2);
    }
    if check && would_change > 0 {
        let _ = writeln!(out, "{would_change} file(s) would be reformatted");
        return Ok(1);
    }
    Ok(0)
}

fn cmd_export(args: &ExportArgs, out: &mut dyn Write, err: &mut dyn Write) -> CmdResult {
    use lapis::export::{self as ex, ExportSpec, Target};
    let target = match args.to {
        ExportTarget::Definition => Target::Definition,
        ExportTarget::Arm => Target::Arm,
        ExportTarget::Standard => Target::Standard,
    };
    let target_name = match target {
        Target::Definition => "definition",
        Target::Arm => "arm",
        Target::Standard => "standard",
    };
    // Options that belong to another target are a mistake, not a no-op.
    let arm_only = [
        ("--location", args.location.is_some()),
        ("--state", args.state.is_some()),
        ("--tag", !args.tags.is_empty()),
        ("--lock", args.lock),
        ("--contributor", !args.contributors.is_empty()),
        ("--operator", !args.operators.is_empty()),
        ("--key-vault", args.key_vault.is_some()),
    ];
    for (flag, given) in arm_only {
        if given && target != Target::Arm {
            return Err(format!("{flag} applies to --to arm only"));
        }
    }
    if args.kind.is_some() && target != Target::Standard {
        return Err("--kind applies to --to standard only".into());
    }
    if args.name.is_some() && target == Target::Definition {
        return Err("--name applies to --to arm and --to standard only".into());
    }
    if target == Target::Standard
        && args
            .output
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    {
        return Err(format!(
            "{}: for --to standard, -o is the project folder",
            args.output.display()
        ));
    }
    let options = ex::ImportOptions {
        workflow: args.workflow.clone(),
        parameters_file: None,
    };
    // Without --fix (which edits the document), a bare definition or a
    // Standard workflow is held lazily: its top-level actions stay text,
    // read one at a time, and a large workflow is exported in a few times
    // its size. Anything else is loaded whole.
    let mut held = if args.fix {
        ex::ImportedLazy::Whole(ex::import_document(&args.file, &options)?)
    } else {
        ex::import_lazy(&args.file, &options)?
    };
    let warnings = match &held {
        ex::ImportedLazy::Whole(imported) => &imported.warnings,
        ex::ImportedLazy::Lazy { warnings, .. } => warnings,
    };
    for w in warnings {
        let _ = writeln!(err, "warning: {w}");
    }
    if let ex::ImportedLazy::Whole(imported) = &mut held {
        // Never saved here: the copy of the file's text kept for a
        // format-preserving save is let go (a large file is then held once).
        imported.document.base = None;
        if args.fix {
            let fixed = ex::scan::fix_all(&mut imported.document, imported.workflow, target)?;
            for (f, name) in &fixed {
                let _ = writeln!(
                    out,
                    "fixed: {} ({}) now reads secure parameter `{name}`; its value is not kept: supply it at deployment",
                    f.field, f.pointer
                );
            }
        }
    }
    let spec = match target {
        Target::Definition => ExportSpec::Definition,
        Target::Arm => {
            let mut tags = serde_json::Map::new();
            for t in &args.tags {
                let (k, v) = t
                    .split_once('=')
                    .ok_or_else(|| format!("--tag `{t}`: expected KEY=VALUE"))?;
                tags.insert(k.to_owned(), serde_json::Value::String(v.to_owned()));
            }
            let mut role_assignments = Vec::new();
            for p in &args.contributors {
                role_assignments.push(ex::RoleAssignment {
                    role: ex::Role::Contributor,
                    principal_id: p.clone(),
                });
            }
            for p in &args.operators {
                role_assignments.push(ex::RoleAssignment {
                    role: ex::Role::Operator,
                    principal_id: p.clone(),
                });
            }
            ExportSpec::Arm(ex::ArmOptions {
                location: args.location.clone(),
                state: args.state.clone(),
                tags,
                lock: args.lock,
                role_assignments,
                key_vault: args
                    .key_vault
                    .clone()
                    .map(|vault_id| ex::KeyVaultRef { vault_id }),
                workflow_name: args.name.clone(),
                access_control: None,
            })
        }
        Target::Standard => ExportSpec::Standard(ex::StandardOptions {
            kind: args.kind.map(|k| match k {
                KindArg::Stateful => ex::Kind::Stateful,
                KindArg::Stateless => ex::Kind::Stateless,
            }),
            workflow_name: args.name.clone(),
        }),
    };
    let report = |written: std::io::Result<ex::Written>, out: &mut dyn Write| -> CmdResult {
        let written = written.map_err(|e| format!("{}: {e}", args.output.display()))?;
        for p in written.paths {
            let _ = writeln!(out, "wrote {} ({target_name})", p.display());
        }
        for n in written.notes {
            let _ = writeln!(out, "note: {n}");
        }
        Ok(0)
    };
    match held {
        ex::ImportedLazy::Whole(imported) => {
            let export = match ex::export_owned(imported.document, imported.workflow, &spec) {
                Ok(e) => e,
                Err(e) => return export_refused(e, err),
            };
            export_warnings(&export.warnings, err);
            report(ex::write_report(&export, &args.output), out)
        }
        ex::ImportedLazy::Lazy { lazy, workflow, .. } => {
            let export = match ex::export_lazy(&lazy, workflow, &spec) {
                Ok(e) => e,
                Err(e) => return export_refused(e, err),
            };
            export_warnings(&export.export.warnings, err);
            report(ex::write_lazy(&export, &args.output), out)
        }
    }
}

/// Prints the warnings of an export.
fn export_warnings(warnings: &[String], err: &mut dyn Write) {
    for w in warnings {
        let _ = writeln!(err, "warning: {w}");
    }
}

/// An export that was refused: secrets in clear are listed (exit 1,
/// nothing written); any other refusal is an error.
fn export_refused(e: lapis::export::ExportError, err: &mut dyn Write) -> CmdResult {
    match e {
        lapis::export::ExportError::Secrets(findings) => {
            for f in &findings {
                let _ = writeln!(err, "error: {}", f.describe());
            }
            let _ = writeln!(
                err,
                "error: {} secret(s) in clear; nothing was written (move them to secure parameters, or rerun with --fix)",
                findings.len()
            );
            Ok(1)
        }
        e => Err(e.to_string()),
    }
}

fn cmd_graph(
    file: &Path,
    format: GraphFormat,
    workflow: Option<&str>,
    out: &mut dyn Write,
) -> CmdResult {
    let doc = load(file)?.doc;
    let i = doc
        .select(workflow)
        .map_err(|e| format!("{}: {e}", file.display()))?;
    let g = WorkflowGraph::build(doc.outline(i).map_err(|e| e.message)?);
    match format {
        GraphFormat::Dot => {
            let _ = write!(out, "{}", g.to_dot());
        }
        GraphFormat::Svg => {
            let layout = lapis::graph::layout::layout(&g, &Default::default());
            let summary = |id: usize| {
                let n = &g.outline.nodes[id];
                let v = doc
                    .root
                    .pointer(&n.pointer)
                    .unwrap_or(&serde_json::Value::Null);
                match n.role {
                    Role::Trigger => lapis::workflow::model::Trigger::read(&n.name, v).summary(),
                    Role::Action => lapis::workflow::model::Action::read(&n.name, v).summary(),
                }
            };
            let _ = write!(out, "{}", lapis::graph::svg::render(&g, &layout, &summary));
        }
        GraphFormat::Text => {
            let o = &g.outline;
            let width = o
                .nodes
                .iter()
                .map(|n| n.name.chars().count() + 2 * n.depth)
                .max()
                .unwrap_or(0)
                .min(80);
            for (k, id) in g.topological_order().into_iter().enumerate() {
                let n = &o.nodes[id];
                let indent = "  ".repeat(n.depth.saturating_sub(1));
                let name = format!("{indent}{}", n.name);
                let scope = match n.parent {
                    None => String::new(),
                    Some((p, b)) => {
                        let owner = &o.nodes[p];
                        let label = owner.branches[b].kind.label();
                        if label.is_empty() {
                            format!("  in {}", owner.name)
                        } else {
                            format!("  in {} ({label})", owner.name)
                        }
                    }
                };
                let after = if n.role == Role::Trigger {
                    "trigger".to_owned()
                } else if n.run_after.is_empty() {
                    if n.parent.is_none() {
                        "after: the trigger".to_owned()
                    } else {
                        "after: start of scope".to_owned()
                    }
                } else {
                    let parts: Vec<String> = n
                        .run_after
                        .iter()
                        .map(|r| format!("{} [{}]", r.target, r.statuses.join(", ")))
                        .collect();
                    format!("after: {}", parts.join("; "))
                };
                let _ = writeln!(
                    out,
                    "{:>4}  {name:<width$}  {:<20}  {after}{scope}",
                    k + 1,
                    n.type_name
                );
            }
        }
    }
    Ok(0)
}

fn cmd_synth_checked(
    actions: usize,
    depth: usize,
    output: Option<&Path>,
    out: &mut dyn Write,
) -> CmdResult {
    let v = lapis::synth::generate(actions, depth);
    let bytes = text::render(&v, &text::TextFormat::default());
    match output {
        Some(p) => {
            text::write_atomic(p, &bytes).map_err(|e| format!("{}: {e}", p.display()))?;
        }
        None => {
            let _ = out.write_all(&bytes);
        }
    }
    Ok(0)
}

fn cmd_eval(
    expression: &str,
    context: Option<&Path>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> CmdResult {
    let ctx = match context {
        None => Context::default(),
        Some(p) => {
            let bytes = std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?;
            let source = text::read_source(&bytes).map_err(|e| format!("{}:{e}", p.display()))?;
            Context::from_json(&source.json)
                .map_err(|e| format!("{}: not a valid context: {e}", p.display()))?
        }
    };
    // Text that starts with `@` or holds `@{` is a JSON string value; any
    // other text is a bare expression. Columns are those of what was typed.
    let result = if expression.starts_with('@') || expression.contains("@{") {
        eval_str(expression, &ctx)
    } else {
        parse_expression(expression).and_then(|e| evaluate(&e, &ctx))
    };
    match result {
        Ok(v) => {
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&v).unwrap_or_default()
            );
            Ok(0)
        }
        Err(e) => {
            let start = e.span.start;
            let end = e.span.end.max(start + 1);
            let _ = writeln!(err, "error: column {}: {}", start + 1, e.message);
            let _ = write!(err, "{}", caret(expression, start, end));
            Ok(1)
        }
    }
}

/// The line of `text` that holds character `start`, and a caret line under
/// the characters `start..end` (cut at the end of the line).
fn caret(text: &str, start: usize, end: usize) -> String {
    let mut line_start = 0;
    for line in text.split('\n') {
        let len = line.chars().count();
        if start <= line_start + len {
            let col = start - line_start;
            let pad: String = line
                .chars()
                .take(col)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let width = end
                .min(line_start + len.max(col + 1))
                .saturating_sub(start)
                .max(1);
            let shown: String = line
                .chars()
                .map(|c| if c.is_control() && c != '\t' { ' ' } else { c })
                .collect();
            return format!("  {shown}\n  {pad}{}\n", "^".repeat(width));
        }
        line_start += len + 1;
    }
    String::new()
}

/// `lapis explain [CODE]`.
fn cmd_explain(code: Option<&str>, out: &mut dyn Write) -> CmdResult {
    use lapis::graph::rules;
    let text = match code {
        None => rules::list(),
        Some(c) => match rules::find(c.trim()) {
            Some(r) => rules::explain(r),
            None => {
                return Err(format!(
                    "no rule has the code `{c}`; `lapis explain` lists them all"
                ))
            }
        },
    };
    out.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
    Ok(0)
}
