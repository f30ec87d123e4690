//! The syntax tree of Workflow Definition Language expressions.
//!
//! A JSON string value in a workflow is a [`Template`]: plain text, a whole
//! expression (`"@body('Get')?['id']"`, whose value is any JSON value) or an
//! interpolation (`"id: @{body('Get')?['id']}"`, always a string). Every
//! node carries the [`Span`] of its text, in characters counted from the
//! start of the JSON string value.

use super::registry::FunctionInfo;
use super::Span;
use serde_json::Number;

/// One expression node.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What the node is.
    pub kind: ExprKind,
    /// Where it is: from its first character to one past its last.
    pub span: Span,
}

/// The kinds of expression node.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer or a decimal number, e.g. `42`, `-1`, `2.5`.
    Number(Number),
    /// A string literal, already unescaped (`'it''s'` holds `it's`).
    String(String),
    /// A function call such as `concat('a', 'b')`.
    Call(Call),
    /// `target[index]` or, with `null_safe`, `target?[index]`.
    Index {
        /// The value indexed.
        target: Box<Expr>,
        /// The index: a string (a property) or an integer (an array item).
        index: Box<Expr>,
        /// True for `?[…]`: a missing property gives null instead of an error.
        null_safe: bool,
    },
    /// `target.name` or, with `null_safe`, `target?.name`.
    Member {
        /// The value whose property is read.
        target: Box<Expr>,
        /// The property name.
        name: String,
        /// Where the name is.
        name_span: Span,
        /// True for `?.name`.
        null_safe: bool,
    },
}

/// A function call.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The name as written (`triggerBody`, `TRIGGERBODY`, …).
    pub name: String,
    /// The name in lower case, for look-ups (names are case-insensitive).
    pub key: String,
    /// Where the name is.
    pub name_span: Span,
    /// Where the whole call is, from the name to the closing parenthesis.
    pub span: Span,
    /// The function of that name in the registry, if any (found once, when
    /// parsing).
    pub function: Option<&'static FunctionInfo>,
    /// The arguments, in order.
    pub args: Vec<Expr>,
}

impl Call {
    /// The argument at `i` when it is a string literal, with its span.
    pub fn literal_arg(&self, i: usize) -> Option<(&str, Span)> {
        match self.args.get(i) {
            Some(Expr {
                kind: ExprKind::String(s),
                span,
            }) => Some((s.as_str(), *span)),
            _ => None,
        }
    }
}

impl Expr {
    /// Visits this node and every node below it, parents before children,
    /// arguments and indexes in source order.
    pub fn walk<'a>(&'a self, visit: &mut dyn FnMut(&'a Expr)) {
        visit(self);
        match &self.kind {
            ExprKind::Call(c) => {
                for a in &c.args {
                    a.walk(visit);
                }
            }
            ExprKind::Index { target, index, .. } => {
                target.walk(visit);
                index.walk(visit);
            }
            ExprKind::Member { target, .. } => target.walk(visit),
            ExprKind::Null | ExprKind::Bool(_) | ExprKind::Number(_) | ExprKind::String(_) => {}
        }
    }

    /// Every function call in this expression, outer calls first.
    pub fn calls(&self) -> Vec<&Call> {
        let mut out = Vec::new();
        self.walk(&mut |e| {
            if let ExprKind::Call(c) = &e.kind {
                out.push(c);
            }
        });
        out
    }
}

/// One piece of an interpolated string.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    /// Literal text (escapes already applied), and where it was.
    Text(String, Span),
    /// An `@{…}` expression; its span covers the expression inside the braces.
    Expr(Expr),
}

/// A JSON string value, parsed.
#[derive(Debug, Clone, PartialEq)]
pub enum Template {
    /// Plain text with no expression (a leading `@@` already reduced to `@`).
    Literal(String),
    /// `"@expr"`: the value of the expression, any JSON value.
    Expression(Expr),
    /// `"text @{expr} text"`: always a string.
    Interpolation(Vec<Segment>),
}

impl Template {
    /// True when the value holds at least one expression.
    pub fn has_expressions(&self) -> bool {
        match self {
            Template::Literal(_) => false,
            Template::Expression(_) => true,
            Template::Interpolation(parts) => parts.iter().any(|p| matches!(p, Segment::Expr(_))),
        }
    }

    /// The top-level expressions, in source order.
    pub fn expressions(&self) -> Vec<&Expr> {
        match self {
            Template::Literal(_) => Vec::new(),
            Template::Expression(e) => vec![e],
            Template::Interpolation(parts) => parts
                .iter()
                .filter_map(|p| match p {
                    Segment::Expr(e) => Some(e),
                    Segment::Text(..) => None,
                })
                .collect(),
        }
    }

    /// Visits every expression node of every expression, in source order.
    pub fn walk<'a>(&'a self, visit: &mut dyn FnMut(&'a Expr)) {
        for e in self.expressions() {
            e.walk(visit);
        }
    }

    /// Every function call, in source order (outer calls first).
    pub fn calls(&self) -> Vec<&Call> {
        let mut out = Vec::new();
        self.walk(&mut |e| {
            if let ExprKind::Call(c) = &e.kind {
                out.push(c);
            }
        });
        out
    }

    /// Every reference by name to a workflow part: an action, parameter,
    /// variable, loop or app setting named by a string literal, in source
    /// order. The designer uses these to rename references.
    pub fn references(&self) -> Vec<Reference> {
        let mut out = Vec::new();
        for c in self.calls() {
            let Some(kind) = RefKind::of_function(&c.key) else {
                continue;
            };
            if let Some((name, span)) = c.literal_arg(0) {
                out.push(Reference {
                    kind,
                    function: c.name.clone(),
                    name: name.to_owned(),
                    span,
                });
            }
        }
        out
    }
}

/// What a name in a workflow function refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefKind {
    /// An action: `actions`, `body`, `outputs`, `result`, `actionBody`,
    /// `actionOutputs`, `formDataValue`, `formDataMultiValues`,
    /// `multipartBody`.
    Action,
    /// A workflow parameter: `parameters`.
    Parameter,
    /// A variable: `variables`.
    Variable,
    /// A loop: `items` (a Foreach) or `iterationIndexes` (an Until or Foreach).
    Loop,
    /// An app setting (Standard): `appsetting`.
    AppSetting,
}

impl RefKind {
    /// The kind of name the first argument of a function (lower-case name)
    /// refers to, if any.
    pub fn of_function(key: &str) -> Option<RefKind> {
        Some(match key {
            "actions"
            | "body"
            | "outputs"
            | "result"
            | "actionbody"
            | "actionoutputs"
            | "formdatavalue"
            | "formdatamultivalues"
            | "multipartbody" => RefKind::Action,
            "parameters" => RefKind::Parameter,
            "variables" => RefKind::Variable,
            "items" | "iterationindexes" => RefKind::Loop,
            "appsetting" => RefKind::AppSetting,
            _ => return None,
        })
    }
}

/// A name written as a string literal in a workflow function, e.g. the
/// `'Get_user'` of `body('Get_user')`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// What the name refers to.
    pub kind: RefKind,
    /// The function, as written.
    pub function: String,
    /// The name (unescaped).
    pub name: String,
    /// The span of the string literal, quotes included.
    pub span: Span,
}
