//! Workflow Definition Language expressions: parse, check and evaluate.
//!
//! A JSON string in a workflow is an expression when it starts with `@`
//! (`"@concat('a', 'b')"` evaluates to any JSON value), or a template when
//! it holds `@{…}` interpolations (`"id @{body('Get')?['id']}"` is always a
//! string). `@@` escapes a literal `@`.
//!
//! Layout of the module:
//! - [`ast`]: the syntax tree; every node carries a [`Span`];
//! - [`parse`]: text → tree, with errors that point at a character;
//! - [`check`]: static checks against a workflow (unknown functions, arity,
//!   parameters, actions that are not upstream, variables, loop items);
//! - [`eval`]: evaluation over JSON values with a caller-supplied context;
//! - [`functions`]: the pure function library (string, collection, logic,
//!   conversion, math, URI, JSON manipulation);
//! - [`number`]: integers, floats and decimals as .NET reads and writes
//!   them;
//! - [`datetime`]: the date and time functions, with .NET format strings and
//!   Windows or IANA time zones;
//! - [`registry`]: every function's name, arity and signature, for the
//!   checker and for completion;
//! - [`xml`]: `xml()`, `xpath()` and `json()` of XML content.
//!
//! The designer's entry points: [`parse_string_value`] and [`Template`]
//! (with [`Template::references`] and [`rename_references`] for renames),
//! [`Checker`] (`check_all`, `check_field`, `reachable`), and
//! [`eval_str`] / [`evaluate_value`] with a [`Context`].

pub mod ast;
pub mod check;
pub mod datetime;
pub mod eval;
pub mod functions;
pub mod number;
pub mod parse;
pub mod registry;
pub mod xml;

pub use ast::{Expr, RefKind, Reference, Template};
pub use check::{check_definition, Checker, Finding, Level};
pub use eval::{eval_str, evaluate_value, Context};
pub use parse::{is_expression, parse_expression, parse_string_value};

/// Renames, in a JSON string value, every reference by name of one of the
/// given kinds from `old` to `new` (e.g. `body('Get')` → `body('Fetch')`
/// when the action `Get` is renamed). The new name is quoted as the
/// language wants (`'` doubled). Returns `Ok(None)` when nothing refers to
/// `old`, and the parse error when the text is not a valid expression.
pub fn rename_references(
    text: &str,
    kinds: &[RefKind],
    old: &str,
    new: &str,
) -> Result<Option<String>, ExprError> {
    if !is_expression(text) {
        return Ok(None);
    }
    let refs = parse_string_value(text)?.references();
    let mut spans: Vec<Span> = refs
        .iter()
        .filter(|r| kinds.contains(&r.kind) && r.name == old)
        .map(|r| r.span)
        .collect();
    if spans.is_empty() {
        return Ok(None);
    }
    spans.sort_by_key(|s| s.start);
    let quoted = format!("'{}'", new.replace('\'', "''"));
    let mut out = String::with_capacity(text.len() + spans.len() * new.len());
    let mut next = spans.iter().peekable();
    let mut skip_until = 0;
    for (i, c) in text.chars().enumerate() {
        if let Some(s) = next.peek() {
            if i == s.start {
                out.push_str(&quoted);
                skip_until = s.end;
                next.next();
            }
        }
        if i >= skip_until {
            out.push(c);
        }
    }
    Ok(Some(out))
}

/// A half-open range of character offsets (not bytes) in the expression text.
///
/// Offsets count from the start of the JSON string value, so for
/// `"@foo("` the `@` is at 0. A column for people is `start + 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// First character, counted from 0.
    pub start: usize,
    /// One past the last character.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`.
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
}

/// An error from parsing, checking or evaluating, with where it happened.
#[derive(Debug, Clone, PartialEq)]
pub struct ExprError {
    /// What went wrong, in one sentence.
    pub message: String,
    /// Where, in characters of the expression text.
    pub span: Span,
}

impl ExprError {
    /// An error at `span`.
    pub fn new(message: impl Into<String>, span: Span) -> Self {
        ExprError {
            message: message.into(),
            span,
        }
    }
}

impl std::fmt::Display for ExprError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "column {}: {}", self.span.start + 1, self.message)
    }
}

impl std::error::Error for ExprError {}
