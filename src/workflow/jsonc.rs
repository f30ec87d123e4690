//! `lapis fmt` for files with comments: the stable format of
//! [`text::render`], comments kept.
//!
//! The commented text is read token by token and written again with the
//! file's indentation rules, exactly as [`text::render`] writes the same
//! value (scalars respelled as `serde_json` writes them, arrays of plain
//! values inline when the file mostly had them so), with each comment kept
//! next to what it was next to:
//! - a comment on a line of its own goes on a line of its own, at the
//!   indentation of the member (or element) that follows it, or of the
//!   closing bracket's members when nothing follows;
//! - a comment on the same line as a member, after its value or its comma,
//!   stays at the end of that member's line;
//! - comments between a key and its value move before the member.
//!
//! An array holding a comment is never written inline. A compact
//! (one-line) file with comments is written with two-space indentation,
//! since a `//` comment must end its line. The result is checked: with its
//! comments blanked it must parse to the same value as the input.

use super::text::{self, Indent, LineEnding, Style, TextFormat};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok<'a> {
    Punct(u8),
    /// A string, its quotes included, as written.
    Str(&'a str),
    /// A number, `true`, `false` or `null`, as written.
    Lit(&'a str),
    /// A comment as written; `own_line` when only whitespace stands
    /// between the previous token (or the start of the text) and it, with
    /// a line break among it.
    Comment {
        text: &'a str,
        own_line: bool,
    },
}

fn tokenize(s: &str) -> Result<Vec<Tok<'_>>, String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut newline_since = true;
    while i < b.len() {
        match b[i] {
            b'\n' => {
                newline_since = true;
                i += 1;
            }
            b' ' | b'\t' | b'\r' => i += 1,
            b'{' | b'}' | b'[' | b']' | b':' | b',' => {
                out.push(Tok::Punct(b[i]));
                newline_since = false;
                i += 1;
            }
            b'"' => {
                let start = i;
                i += 1;
                loop {
                    match b.get(i) {
                        None => return Err("a string is not closed".into()),
                        Some(b'\\') => i += 2,
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(_) => i += 1,
                    }
                }
                out.push(Tok::Str(&s[start..i]));
                newline_since = false;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let start = i;
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                let text = s[start..i].trim_end_matches('\r');
                out.push(Tok::Comment {
                    text,
                    own_line: newline_since,
                });
                newline_since = false;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let start = i;
                let end = s[i + 2..]
                    .find("*/")
                    .ok_or_else(|| "a /* comment is not closed".to_owned())?;
                i = i + 2 + end + 2;
                out.push(Tok::Comment {
                    text: &s[start..i],
                    own_line: newline_since,
                });
                newline_since = false;
            }
            _ => {
                let start = i;
                while i < b.len()
                    && !matches!(
                        b[i],
                        b'{' | b'}'
                            | b'['
                            | b']'
                            | b':'
                            | b','
                            | b' '
                            | b'\t'
                            | b'\r'
                            | b'\n'
                            | b'/'
                    )
                {
                    i += 1;
                }
                if i == start {
                    return Err(format!("unexpected character at byte {i}"));
                }
                out.push(Tok::Lit(&s[start..i]));
                newline_since = false;
            }
        }
    }
    Ok(out)
}

/// One member of an object (or element of an array) and its comments.
struct Member<'a> {
    before: Vec<&'a str>,
    key: Option<String>,
    value: String,
    /// Whether the value is a plain value (for inline arrays).
    scalar: bool,
    after: Vec<&'a str>,
}

struct Writer<'a, 's> {
    toks: Vec<Tok<'a>>,
    at: usize,
    style: &'s Style<'s>,
}

impl<'a> Writer<'a, '_> {
    fn peek(&self) -> Option<Tok<'a>> {
        self.toks.get(self.at).copied()
    }

    fn next(&mut self) -> Result<Tok<'a>, String> {
        let t = self.peek().ok_or("the text ends too early")?;
        self.at += 1;
        Ok(t)
    }

    /// Comments from here on, each with whether it stands on its own line.
    fn comments(&mut self) -> Vec<(&'a str, bool)> {
        let mut v = Vec::new();
        while let Some(Tok::Comment { text, own_line }) = self.peek() {
            v.push((text, own_line));
            self.at += 1;
        }
        v
    }

    fn indent(&self, out: &mut String, level: usize) {
        out.push('\n');
        for _ in 0..self.style.units(level) {
            out.push_str(self.style.unit);
        }
    }

    /// A value at `level` (comments before it already taken).
    fn value(&mut self, level: usize) -> Result<(String, bool), String> {
        match self.next()? {
            Tok::Punct(b'{') => Ok((self.container(level, true)?, false)),
            Tok::Punct(b'[') => Ok((self.container(level, false)?, false)),
            Tok::Str(s) => {
                let v: String = serde_json::from_str(s).map_err(|e| e.to_string())?;
                Ok((serde_json::to_string(&v).map_err(|e| e.to_string())?, true))
            }
            Tok::Lit(l) => {
                let v: Value = serde_json::from_str(l).map_err(|e| format!("{l}: {e}"))?;
                Ok((serde_json::to_string(&v).map_err(|e| e.to_string())?, true))
            }
            t => Err(format!("a value was expected, not {t:?}")),
        }
    }

    fn container(&mut self, level: usize, object: bool) -> Result<String, String> {
        let close = if object { b'}' } else { b']' };
        let mut members: Vec<Member<'a>> = Vec::new();
        let dangling: Vec<&'a str>;
        loop {
            let mut before: Vec<&'a str> = Vec::new();
            for (c, own) in self.comments() {
                // A same-line comment right after the previous member's
                // comma belongs to that member.
                match members.last_mut() {
                    Some(m) if !own && before.is_empty() => m.after.push(c),
                    _ => before.push(c),
                }
            }
            if self.peek() == Some(Tok::Punct(close)) {
                self.at += 1;
                dangling = before;
                break;
            }
            let key = if object {
                let Tok::Str(k) = self.next()? else {
                    return Err("a key was expected".into());
                };
                let k: String = serde_json::from_str(k).map_err(|e| e.to_string())?;
                before.extend(self.comments().into_iter().map(|(c, _)| c));
                if self.next()? != Tok::Punct(b':') {
                    return Err("a colon was expected".into());
                }
                before.extend(self.comments().into_iter().map(|(c, _)| c));
                Some(k)
            } else {
                None
            };
            let (value, scalar) = self.value(level + 1)?;
            let mut after = Vec::new();
            let mut tail = self.comments();
            match self.peek() {
                Some(Tok::Punct(b',')) => {
                    self.at += 1;
                }
                Some(Tok::Punct(c)) if c == close => {}
                _ => return Err("a comma or a closing bracket was expected".into()),
            }
            // Comments between the value and its comma: same-line ones stay
            // on the member's line, others go before the next member.
            let mut carried = Vec::new();
            for (c, own) in tail.drain(..) {
                if own || !carried.is_empty() {
                    carried.push(c);
                } else {
                    after.push(c);
                }
            }
            members.push(Member {
                before,
                key,
                value,
                scalar,
                after,
            });
            if !carried.is_empty() {
                // Put them back in front of what follows.
                let at = self.at;
                let back: Vec<Tok<'a>> = carried
                    .into_iter()
                    .map(|text| Tok::Comment {
                        text,
                        own_line: true,
                    })
                    .collect();
                self.toks.splice(at..at, back);
            }
        }
        let has_comments = !dangling.is_empty()
            || members
                .iter()
                .any(|m| !m.before.is_empty() || !m.after.is_empty());
        let (open, close_ch) = if object { ('{', '}') } else { ('[', ']') };
        let mut out = String::new();
        if members.is_empty() && dangling.is_empty() {
            out.push(open);
            out.push(close_ch);
            return Ok(out);
        }
        if !object && !has_comments && self.style.inline_arrays && members.iter().all(|m| m.scalar)
        {
            out.push('[');
            for (i, m) in members.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&m.value);
            }
            out.push(']');
            return Ok(out);
        }
        out.push(open);
        let count = members.len();
        for (i, m) in members.into_iter().enumerate() {
            for c in &m.before {
                self.indent(&mut out, level + 1);
                out.push_str(c);
            }
            self.indent(&mut out, level + 1);
            if let Some(k) = &m.key {
                out.push_str(&serde_json::to_string(k).map_err(|e| e.to_string())?);
                out.push_str(": ");
            }
            out.push_str(&m.value);
            if i + 1 < count {
                out.push(',');
            }
            for c in &m.after {
                out.push(' ');
                out.push_str(c);
            }
        }
        for c in &dangling {
            self.indent(&mut out, level + 1);
            out.push_str(c);
        }
        self.indent(&mut out, level);
        out.push(close_ch);
        Ok(out)
    }
}

/// `text` (a file's decoded text, comments included) in the stable format
/// `format` describes, comments kept; see the module's documentation.
pub fn format_keeping_comments(text: &str, format: &TextFormat) -> Result<Vec<u8>, String> {
    let normalized = text.replace("\r\n", "\n");
    let toks = tokenize(&normalized)?;
    let commented = toks.iter().any(|t| matches!(t, Tok::Comment { .. }));
    if matches!(format.indent, Indent::Compact) && !commented {
        let v = text::parse_json(&normalized).map_err(|e| e.to_string())?;
        return Ok(text::render(&v, format));
    }
    let unit = match format.indent {
        Indent::Tab => "\t".to_owned(),
        Indent::Spaces(n) => " ".repeat(n as usize),
        Indent::Compact => "  ".to_owned(),
    };
    let mut plain = format.clone();
    if matches!(format.indent, Indent::Compact) {
        plain.levels.clear();
    }
    let style = Style::new(&unit, &plain);
    let mut w = Writer {
        toks,
        at: 0,
        style: &style,
    };
    let mut out = String::new();
    for (c, _) in w.comments() {
        out.push_str(c);
        out.push('\n');
    }
    let (root, _) = w.value(0)?;
    out.push_str(&root);
    for (c, own) in w.comments() {
        out.push(if own { '\n' } else { ' ' });
        out.push_str(c);
    }
    if w.peek().is_some() {
        return Err("text after the end of the JSON value".into());
    }
    let ends_in_line_comment = matches!(
        w.toks.last(),
        Some(Tok::Comment { text, .. }) if text.starts_with("//")
    );
    // A file that ends in a line comment keeps its line break.
    if format.final_newline || ends_in_line_comment {
        out.push('\n');
    }
    // The check: the same value as the input.
    let before = text::blank_comments(&normalized)
        .map_err(|e| e.to_string())?
        .unwrap_or_else(|| normalized.clone());
    let after = text::blank_comments(&out)
        .map_err(|e| e.to_string())?
        .unwrap_or_else(|| out.clone());
    let (a, b) = (text::parse_json(&before), text::parse_json(&after));
    match (a, b) {
        (Ok(a), Ok(b)) if a == b => {}
        _ => return Err("formatting changed the value (a bug: nothing was written)".into()),
    }
    if format.line_ending == LineEnding::CrLf {
        out = out.replace('\n', "\r\n");
    }
    Ok(text::encode(&out, format.encoding))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(s: &str) -> String {
        let f = TextFormat {
            had_comments: true,
            ..TextFormat::default()
        };
        String::from_utf8(format_keeping_comments(s, &f).unwrap()).unwrap()
    }

    #[test]
    fn comments_stay_where_they_were() {
        let src = "{\n// lead\n  \"a\":   1, // one\n    /* before b */ \"b\" : [1,\n 2],\n\"c\": {}\n  // end\n}";
        assert_eq!(
            fmt(src),
            "{\n  // lead\n  \"a\": 1, // one\n  /* before b */\n  \"b\": [\n    1,\n    2\n  ],\n  \"c\": {}\n  // end\n}\n"
        );
    }

    #[test]
    fn without_comments_it_is_render() {
        let src = "{\"a\":[1,2.50,\"\\u00e9\\/\"],\"b\":{\"c\":null,\"d\":[]},\"e\":1E+5}";
        let f = TextFormat::default();
        let v = text::parse_json(src).unwrap();
        assert_eq!(
            format_keeping_comments(src, &f).unwrap(),
            text::render(&v, &f)
        );
    }

    #[test]
    fn a_comment_between_value_and_comma_stays_on_the_line() {
        assert_eq!(fmt("[1 /* x */, 2]"), "[\n  1, /* x */\n  2\n]\n");
    }
}
