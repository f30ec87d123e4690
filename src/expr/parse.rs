//! Text → syntax tree, with errors that point at a character.
//!
//! Grammar (whitespace is allowed between tokens):
//!
//! ```text
//! value      := "@@" any           -- literal text: the whole string less its first "@"
//!             | "@" expr           -- a whole expression (any JSON value)
//!             | text               -- with "@{" expr "}" interpolations
//! expr       := primary postfix*
//! postfix    := "?"? ( "[" expr "]" | "." name )
//! primary    := string | number | "true" | "false" | "null"
//!             | name "(" ( expr ( "," expr )* )? ")"
//! string     := "'" ( any character but "'" | "''" )* "'"
//! number     := "-"? ( digits ( "." digits )? | "." digits ) ( ("e" | "E") ("+" | "-")? digits )?
//! ```
//!
//! A string that starts with `@@` is literal as a whole (no `@{…}` inside
//! it is evaluated). Inside other text, `@@{` stands for a literal `@{`;
//! any other `@` is literal. A number with a fraction or an exponent is a
//! float, kept as a float (`5.0`); `.3` is a float too.
//! Nothing here panics: every failure is an [`ExprError`] whose span lies
//! within the text (an error at the very end points one past the last
//! character). Nesting is limited to [`MAX_NESTING`] brackets and the tree
//! to [`MAX_HEIGHT`] levels, so hostile input cannot exhaust the stack.

use super::ast::{Call, Expr, ExprKind, Segment, Template};
use super::{registry, ExprError, Span};
use serde_json::Number;

/// Deepest nesting of parentheses and brackets accepted.
pub const MAX_NESTING: usize = 100;
/// Tallest syntax tree accepted (a chain such as `a.b.c` adds one level per
/// step).
pub const MAX_HEIGHT: usize = 250;

/// Parses a JSON string value: plain text, a whole expression (`"@…"`) or
/// an interpolated string (`"… @{…} …"`). Spans count characters from the
/// start of `text`.
pub fn parse_string_value(text: &str) -> Result<Template, ExprError> {
    if text.is_ascii() {
        Parser::new(text.as_bytes()).string_value()
    } else {
        let chars: Vec<char> = text.chars().collect();
        Parser::new(&chars).string_value()
    }
}

/// Parses a bare expression with no leading `@`, such as
/// `concat('a', body('Get')?['id'])`. Spans count characters from the start
/// of `text`.
pub fn parse_expression(text: &str) -> Result<Expr, ExprError> {
    if text.is_ascii() {
        Parser::new(text.as_bytes()).whole_expression(0)
    } else {
        let chars: Vec<char> = text.chars().collect();
        Parser::new(&chars).whole_expression(0)
    }
}

/// True when a JSON string value holds an expression (starts with a single
/// `@`, or contains `@{`), without parsing it.
pub fn is_expression(text: &str) -> bool {
    !text.starts_with("@@") && (text.starts_with('@') || text.contains("@{"))
}

/// A unit of text: a byte of ASCII text, or a character.
trait Unit: Copy {
    fn ch(self) -> char;
}

impl Unit for u8 {
    #[inline]
    fn ch(self) -> char {
        self as char
    }
}

impl Unit for char {
    #[inline]
    fn ch(self) -> char {
        self
    }
}

struct Parser<'a, U: Unit> {
    s: &'a [U],
    pos: usize,
    nesting: usize,
}

type Parsed = Result<(Expr, usize), ExprError>;

impl<'a, U: Unit> Parser<'a, U> {
    fn new(s: &'a [U]) -> Self {
        Parser {
            s,
            pos: 0,
            nesting: 0,
        }
    }

    #[inline]
    fn peek(&self) -> Option<char> {
        self.s.get(self.pos).map(|u| u.ch())
    }

    #[inline]
    fn peek_at(&self, i: usize) -> Option<char> {
        self.s.get(i).map(|u| u.ch())
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    /// An error at the current character (or just past the end).
    fn err_here(&self, message: impl Into<String>) -> ExprError {
        ExprError::new(message, Span::new(self.pos, self.pos + 1))
    }

    /// "`x`" for the current character, or "the end of the text".
    fn found(&self) -> String {
        match self.peek() {
            Some(c) => format!("`{}`", c.escape_debug()),
            None => "the end of the text".into(),
        }
    }

    fn string_value(&mut self) -> Result<Template, ExprError> {
        match (self.peek_at(0), self.peek_at(1)) {
            (Some('@'), Some('@')) => {
                // "@@…": literal as a whole, less its first "@".
                Ok(Template::Literal(
                    self.s[1..].iter().map(|u| u.ch()).collect(),
                ))
            }
            (Some('@'), Some('{')) => self.text(String::new(), 0),
            // A lone "@" holds no expression: it is the text "@".
            (Some('@'), None) => Ok(Template::Literal("@".to_string())),
            (Some('@'), _) => Ok(Template::Expression(self.whole_expression(1)?)),
            _ => self.text(String::new(), 0),
        }
    }

    /// An expression from `start` to the end of the text.
    fn whole_expression(&mut self, start: usize) -> Result<Expr, ExprError> {
        self.pos = start;
        self.skip_ws();
        if self.pos >= self.s.len() {
            return Err(self.err_here(if start == 0 {
                "the expression is empty"
            } else {
                "expected an expression after `@`"
            }));
        }
        let (e, _) = self.expr()?;
        self.skip_ws();
        if self.pos < self.s.len() {
            let hint = match self.peek() {
                Some('}') => " (an `@{…}` interpolation needs the `@{` before the expression)",
                Some('(') => " (only a function name can be called)",
                Some(')') => " (a `)` without its `(`)",
                _ => "",
            };
            return Err(self.err_here(format!(
                "unexpected {} after the end of the expression{hint}",
                self.found()
            )));
        }
        Ok(e)
    }

    /// Text with `@{…}` interpolations, starting at `self.pos`; `buf` holds
    /// the text already read, which started at `buf_start`.
    fn text(&mut self, mut buf: String, mut buf_start: usize) -> Result<Template, ExprError> {
        let mut parts: Vec<Segment> = Vec::new();
        let n = self.s.len();
        while self.pos < n {
            let c = self.s[self.pos].ch();
            if c == '@' {
                match (self.peek_at(self.pos + 1), self.peek_at(self.pos + 2)) {
                    (Some('@'), Some('{')) => {
                        buf.push_str("@{");
                        self.pos += 3;
                        continue;
                    }
                    (Some('{'), _) => {
                        let open = self.pos;
                        if !buf.is_empty() {
                            parts.push(Segment::Text(
                                std::mem::take(&mut buf),
                                Span::new(buf_start, open),
                            ));
                        }
                        self.pos += 2;
                        self.skip_ws();
                        if self.peek() == Some('}') {
                            return Err(ExprError::new(
                                "an `@{}` interpolation is empty",
                                Span::new(open, self.pos + 1),
                            ));
                        }
                        if self.pos >= n {
                            return Err(self.err_here(format!(
                                "expected an expression after the `@{{` at column {}",
                                open + 1
                            )));
                        }
                        let (e, _) = self.expr()?;
                        self.skip_ws();
                        if self.peek() != Some('}') {
                            return Err(self.err_here(format!(
                                "expected `}}` to close the `@{{` at column {}, found {}",
                                open + 1,
                                self.found()
                            )));
                        }
                        self.pos += 1;
                        parts.push(Segment::Expr(e));
                        buf_start = self.pos;
                        continue;
                    }
                    _ => {}
                }
            }
            buf.push(c);
            self.pos += 1;
        }
        if parts.is_empty() {
            return Ok(Template::Literal(buf));
        }
        if !buf.is_empty() {
            parts.push(Segment::Text(buf, Span::new(buf_start, n)));
        }
        Ok(Template::Interpolation(parts))
    }

    /// An expression at the current position (whitespace already skipped),
    /// with the height of its tree.
    fn expr(&mut self) -> Parsed {
        let (mut e, mut height) = self.primary()?;
        loop {
            let save = self.pos;
            self.skip_ws();
            let op_at = self.pos;
            let null_safe = self.peek() == Some('?');
            if null_safe {
                self.pos += 1;
                self.skip_ws();
            }
            match self.peek() {
                Some('[') => {
                    let open = self.pos;
                    self.enter()?;
                    self.pos += 1;
                    self.skip_ws();
                    if self.peek() == Some(']') {
                        return Err(ExprError::new(
                            "`[]` needs an index: a property name such as ['id'] or a position such as [0]",
                            Span::new(open, self.pos + 1),
                        ));
                    }
                    if self.pos >= self.s.len() {
                        return Err(self.err_here("expected an index after `[`"));
                    }
                    let (index, h) = self.expr()?;
                    self.skip_ws();
                    if self.peek() != Some(']') {
                        return Err(self.err_here(format!(
                            "expected `]` to close the `[` at column {}, found {}",
                            open + 1,
                            self.found()
                        )));
                    }
                    self.pos += 1;
                    self.nesting -= 1;
                    height = height.max(h) + 1;
                    let span = Span::new(e.span.start, self.pos);
                    e = Expr {
                        kind: ExprKind::Index {
                            target: Box::new(e),
                            index: Box::new(index),
                            null_safe,
                        },
                        span,
                    };
                }
                Some('.') => {
                    self.pos += 1;
                    self.skip_ws();
                    let name_start = self.pos;
                    while self
                        .peek()
                        .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$')
                    {
                        self.pos += 1;
                    }
                    if self.pos == name_start {
                        return Err(self.err_here(format!(
                            "expected a property name after `.`, found {}",
                            self.found()
                        )));
                    }
                    let name: String = self.s[name_start..self.pos]
                        .iter()
                        .map(|u| u.ch())
                        .collect();
                    height += 1;
                    let span = Span::new(e.span.start, self.pos);
                    e = Expr {
                        kind: ExprKind::Member {
                            target: Box::new(e),
                            name,
                            name_span: Span::new(name_start, self.pos),
                            null_safe,
                        },
                        span,
                    };
                }
                _ if null_safe => {
                    return Err(self.err_here(format!(
                        "expected `[` or `.` after `?` at column {}, found {}",
                        op_at + 1,
                        self.found()
                    )));
                }
                _ => {
                    self.pos = save;
                    return Ok((e, height));
                }
            }
            if height > MAX_HEIGHT {
                return Err(ExprError::new(
                    format!("the expression is nested too deeply (more than {MAX_HEIGHT} levels)"),
                    Span::new(op_at, self.pos),
                ));
            }
        }
    }

    fn enter(&mut self) -> Result<(), ExprError> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return Err(self.err_here(format!(
                "the expression is nested too deeply (more than {MAX_NESTING} levels of brackets)"
            )));
        }
        Ok(())
    }

    fn primary(&mut self) -> Parsed {
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Err(self.err_here("expected an expression, found the end of the text"));
        };
        match c {
            '\'' => self.string(),
            '-' | '+' | '.' | '0'..='9' => self.number(),
            c if c.is_alphabetic() || c == '_' => self.call_or_keyword(),
            '[' => Err(self.err_here(
                "array literals are not part of the expression language; use createArray(…)",
            )),
            '"' => Err(self.err_here(
                "strings in expressions use single quotes, e.g. 'text' (double quotes end the JSON string)",
            )),
            '(' => Err(self.err_here("a `(` must follow a function name")),
            _ => Err(ExprError::new(
                format!("expected an expression, found {}", self.found()),
                Span::new(start, start + 1),
            )),
        }
    }

    fn string(&mut self) -> Parsed {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => {
                    return Err(ExprError::new(
                        format!("the string that starts at column {} is not closed with `'` (write `''` for a quote inside it)", open + 1),
                        Span::new(open, open + 1),
                    ))
                }
                Some('\'') if self.peek_at(self.pos + 1) == Some('\'') => {
                    out.push('\'');
                    self.pos += 2;
                }
                Some('\'') => {
                    self.pos += 1;
                    break;
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
        Ok((
            Expr {
                kind: ExprKind::String(out),
                span: Span::new(open, self.pos),
            },
            1,
        ))
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Parsed {
        let start = self.pos;
        // A sign: `-51`, and `+54` as the runtime also reads it.
        let sign = self.peek().filter(|c| matches!(c, '-' | '+'));
        if sign.is_some() {
            self.pos += 1;
        }
        let int_digits = self.digits();
        if int_digits == 0 && self.peek() != Some('.') {
            return Err(self.err_here(format!(
                "expected a digit after `{}`, found {}",
                sign.unwrap_or('-'),
                self.found()
            )));
        }
        let mut float = false;
        if self.peek() == Some('.') {
            float = true;
            self.pos += 1;
            // `1.` is a float too; `.` alone, or `-.`, is not a number.
            if self.digits() == 0 && int_digits == 0 {
                return Err(self.err_here(format!(
                    "expected a digit after the decimal point, found {}",
                    self.found()
                )));
            }
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            float = true;
            self.pos += 1;
            if matches!(self.peek(), Some('+' | '-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.err_here(format!(
                    "expected the digits of an exponent, found {}",
                    self.found()
                )));
            }
        }
        let span = Span::new(start, self.pos);
        if self
            .peek()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '\'')
        {
            return Err(self.err_here(format!("unexpected {} right after a number", self.found())));
        }
        let text: String = self.s[start..self.pos]
            .iter()
            .map(|u| u.ch())
            .skip(usize::from(sign == Some('+')))
            .collect();
        // Integers too long for 64 bits, and floats beyond f64, keep their
        // digits (JSON numbers have arbitrary precision here): they reach the
        // functions whole, which decide whether they are in range.
        let number = if float {
            text.parse::<f64>()
                .ok()
                .and_then(super::number::float_number)
                .or_else(|| text.parse::<Number>().ok())
        } else if let Ok(i) = text.parse::<i64>() {
            Some(Number::from(i))
        } else {
            text.parse::<Number>().ok()
        };
        let number = match number {
            Some(n) => n,
            None => text
                .parse::<f64>()
                .ok()
                .and_then(super::number::float_number)
                .ok_or_else(|| ExprError::new(format!("the number {text} is too large"), span))?,
        };
        Ok((
            Expr {
                kind: ExprKind::Number(number),
                span,
            },
            1,
        ))
    }

    fn call_or_keyword(&mut self) -> Parsed {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            self.pos += 1;
        }
        let name_span = Span::new(start, self.pos);
        let name: String = self.s[start..self.pos].iter().map(|u| u.ch()).collect();
        let after_name = self.pos;
        self.skip_ws();
        if self.peek() != Some('(') {
            let keyword = match name.to_ascii_lowercase().as_str() {
                "true" => Some(ExprKind::Bool(true)),
                "false" => Some(ExprKind::Bool(false)),
                "null" => Some(ExprKind::Null),
                _ => None,
            };
            if let Some(kind) = keyword {
                self.pos = after_name;
                return Ok((
                    Expr {
                        kind,
                        span: name_span,
                    },
                    1,
                ));
            }
            return Err(self.err_here(format!(
                "expected `(` after the function name `{name}`, found {} (property names need a target: `x.{name}` or `x['{name}']`)",
                self.found()
            )));
        }
        let open = self.pos;
        self.enter()?;
        self.pos += 1;
        let mut args = Vec::new();
        let mut height = 0;
        self.skip_ws();
        if self.peek() == Some(')') {
            self.pos += 1;
        } else {
            loop {
                self.skip_ws();
                match self.peek() {
                    None => {
                        return Err(self.err_here(format!(
                            "expected `)` to close the call of `{name}` at column {}",
                            open + 1
                        )))
                    }
                    Some(',' | ')') => {
                        return Err(
                            self.err_here(format!("expected an argument, found {}", self.found()))
                        )
                    }
                    _ => {}
                }
                let (a, h) = self.expr()?;
                height = height.max(h);
                args.push(a);
                self.skip_ws();
                match self.peek() {
                    Some(',') => self.pos += 1,
                    Some(')') => {
                        self.pos += 1;
                        break;
                    }
                    None => {
                        return Err(self.err_here(format!(
                            "expected `)` to close the call of `{name}` at column {}",
                            open + 1
                        )))
                    }
                    Some(_) => {
                        return Err(self.err_here(format!(
                            "expected `,` or `)` in the call of `{name}`, found {}",
                            self.found()
                        )))
                    }
                }
            }
        }
        self.nesting -= 1;
        if height + 1 > MAX_HEIGHT {
            return Err(ExprError::new(
                format!("the expression is nested too deeply (more than {MAX_HEIGHT} levels)"),
                name_span,
            ));
        }
        let key = name.to_ascii_lowercase();
        let span = Span::new(start, self.pos);
        Ok((
            Expr {
                kind: ExprKind::Call(Call {
                    function: registry::lookup(&key),
                    name,
                    key,
                    name_span,
                    span,
                    args,
                }),
                span,
            },
            height + 1,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_count_characters_not_bytes() {
        let t = parse_string_value("é @{body('ü')}").unwrap();
        let Template::Interpolation(parts) = t else {
            panic!("an interpolation")
        };
        let Segment::Expr(e) = &parts[1] else {
            panic!("an expression")
        };
        assert_eq!(e.span, Span::new(4, 13));
    }
}
