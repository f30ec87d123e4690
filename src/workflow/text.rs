//! The text layer: bytes ⇄ JSON value, keeping the file's own encoding,
//! line endings, indentation and final newline, and reporting bad input with
//! a line and a column.
//!
//! Real workflow files are untidy: UTF-16 with a byte-order mark, UTF-8 with a
//! BOM, CRLF line endings and ARM templates with `//` comments all occur. They
//! load; saving keeps what can be kept and says what cannot (comments).

use serde_json::Value;
use std::fmt;
use std::io::Write;
use std::path::Path;

/// Character encoding of a file, as found on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Encoding {
    /// UTF-8.
    Utf8,
    /// UTF-8 with a byte-order mark.
    Utf8Bom,
    /// UTF-16 little-endian with a byte-order mark.
    Utf16LeBom,
    /// UTF-16 big-endian with a byte-order mark.
    Utf16BeBom,
    /// UTF-16 little-endian without a byte-order mark (recognised by its
    /// zero bytes: JSON starts with an ASCII character).
    Utf16Le,
    /// UTF-16 big-endian without a byte-order mark.
    Utf16Be,
}

/// Line ending used when writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum LineEnding {
    /// `\n`.
    Lf,
    /// `\r\n`.
    CrLf,
}

/// Indentation used when writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Indent {
    /// This many spaces per level.
    Spaces(u8),
    /// One tab per level.
    Tab,
    /// The file was a single line: write it compact again.
    Compact,
}

/// Everything about a file's appearance that a save must keep.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TextFormat {
    /// Character encoding.
    pub encoding: Encoding,
    /// Line ending.
    pub line_ending: LineEnding,
    /// Indentation unit.
    pub indent: Indent,
    /// The file ends with a newline.
    pub final_newline: bool,
    /// The file had `//` or `/* */` comments, which a save cannot keep.
    pub had_comments: bool,
    /// Arrays of plain values are written on one line (`["Succeeded"]`),
    /// as the file mostly did.
    pub inline_scalar_arrays: bool,
    /// Indentation width (in `indent` units) of each nesting level as the
    /// file has it, from level 1 on, for files whose levels are not evenly
    /// spaced. Empty means `level × 1 unit`. Deeper levels continue from
    /// the last entry one unit at a time.
    pub levels: Vec<u16>,
}

impl Default for TextFormat {
    /// The format of a new file: UTF-8, LF, two spaces, a final newline.
    fn default() -> Self {
        TextFormat {
            encoding: Encoding::Utf8,
            line_ending: LineEnding::Lf,
            indent: Indent::Spaces(2),
            final_newline: true,
            had_comments: false,
            inline_scalar_arrays: false,
            levels: Vec::new(),
        }
    }
}

/// A problem with the text of a file, at a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong, in one sentence.
    pub message: String,
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

/// Largest file we accept. Bigger inputs get a clear error rather than an
/// out-of-memory abort.
pub const MAX_FILE_BYTES: usize = 256 * 1024 * 1024;

/// Decodes the bytes of a file into text, detecting a BOM and UTF-16.
pub fn decode(bytes: &[u8]) -> Result<(String, Encoding), TextError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(TextError {
            line: 1,
            column: 1,
            message: format!(
                "file is too large ({} bytes; the limit is {} bytes)",
                bytes.len(),
                MAX_FILE_BYTES
            ),
        });
    }
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return utf8(rest).map(|s| (s, Encoding::Utf8Bom));
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, true).map(|s| (s, Encoding::Utf16LeBom));
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, false).map(|s| (s, Encoding::Utf16BeBom));
    }
    match bytes {
        [a, 0, ..] if *a != 0 => return utf16(bytes, true).map(|s| (s, Encoding::Utf16Le)),
        [0, b, ..] if *b != 0 => return utf16(bytes, false).map(|s| (s, Encoding::Utf16Be)),
        _ => {}
    }
    utf8(bytes).map(|s| (s, Encoding::Utf8))
}

fn utf8(bytes: &[u8]) -> Result<String, TextError> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_owned()),
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            // Safe: the prefix is valid UTF-8 by construction.
            let prefix = std::str::from_utf8(good).unwrap_or_default();
            let (line, column) = line_col_of_end(prefix);
            let bad = bytes[e.valid_up_to()];
            let hint = if bytes.starts_with(&[0, 0]) {
                " (UTF-32 is not supported; save it as UTF-8)"
            } else {
                ""
            };
            Err(TextError {
                line,
                column,
                message: format!("the file is not UTF-8 text: invalid byte 0x{bad:02X}{hint}"),
            })
        }
    }
}

fn utf16(bytes: &[u8], little_endian: bool) -> Result<String, TextError> {
    if !bytes.len().is_multiple_of(2) {
        let mut e = TextError {
            line: 1,
            column: 1,
            message: "the UTF-16 file has an odd number of bytes (it is truncated)".into(),
        };
        if let Ok(s) = utf16(&bytes[..bytes.len() - 1], little_endian) {
            (e.line, e.column) = line_col_of_end(&s);
        }
        return Err(e);
    }
    let units = bytes.chunks_exact(2).map(|c| {
        if little_endian {
            u16::from_le_bytes([c[0], c[1]])
        } else {
            u16::from_be_bytes([c[0], c[1]])
        }
    });
    let mut out = String::with_capacity(bytes.len() / 2);
    for ch in char::decode_utf16(units) {
        match ch {
            Ok(c) => out.push(c),
            Err(e) => {
                let (line, column) = line_col_of_end(&out);
                return Err(TextError {
                    line,
                    column,
                    message: format!(
                        "the UTF-16 file holds an unpaired surrogate 0x{:04X}",
                        e.unpaired_surrogate()
                    ),
                });
            }
        }
    }
    Ok(out)
}

/// 1-based line and column of the position just after `prefix`.
fn line_col_of_end(prefix: &str) -> (usize, usize) {
    let line = prefix.bytes().filter(|&b| b == b'\n').count() + 1;
    let column = prefix
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, column)
}

/// Encodes text for writing in the given encoding.
pub fn encode(text: &str, encoding: Encoding) -> Vec<u8> {
    match encoding {
        Encoding::Utf8 => text.as_bytes().to_vec(),
        Encoding::Utf8Bom => {
            let mut v = vec![0xEF, 0xBB, 0xBF];
            v.extend_from_slice(text.as_bytes());
            v
        }
        Encoding::Utf16Le | Encoding::Utf16LeBom => {
            let mut v = if encoding == Encoding::Utf16LeBom {
                vec![0xFF, 0xFE]
            } else {
                Vec::new()
            };
            for u in text.encode_utf16() {
                v.extend_from_slice(&u.to_le_bytes());
            }
            v
        }
        Encoding::Utf16Be | Encoding::Utf16BeBom => {
            let mut v = if encoding == Encoding::Utf16BeBom {
                vec![0xFE, 0xFF]
            } else {
                Vec::new()
            };
            for u in text.encode_utf16() {
                v.extend_from_slice(&u.to_be_bytes());
            }
            v
        }
    }
}

/// Replaces `//` and `/* */` comments outside strings by spaces, one space
/// per character and keeping every newline, so that line and column numbers
/// stay true. Returns `Ok(None)` when the text has no comment, and an error
/// for a `/*` that is never closed.
pub fn blank_comments(text: &str) -> Result<Option<String>, TextError> {
    let bytes = text.as_bytes();
    // Only a `/` can start a comment: most JSON has few (URLs), so look at
    // those alone.
    let starts_comment = |i: usize| matches!(bytes.get(i + 1), Some(b'/' | b'*'));
    if !text.match_indices('/').any(|(i, _)| starts_comment(i)) {
        return Ok(None);
    }
    // Where the first comment outside strings starts: a `//` in a string
    // (every URL) is none, and the text is then not copied at all.
    let mut i = 0;
    let mut in_string = false;
    let first = loop {
        let Some(&b) = bytes.get(i) else {
            return Ok(None);
        };
        match b {
            b'\\' if in_string => i += 1,
            b'"' => in_string = !in_string,
            b'/' if !in_string && starts_comment(i) => break i,
            _ => {}
        }
        i += 1;
    };
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..first]);
    let mut found = false;
    let mut i = first;
    let mut in_string = false;
    // One space per character: UTF-8 continuation bytes are dropped.
    let blank = |out: &mut Vec<u8>, b: u8| match b {
        b'\n' | b'\r' => out.push(b),
        0x80..=0xBF => {}
        _ => out.push(b' '),
    };
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            out.push(b);
            match b {
                b'\\' => {
                    if let Some(&n) = bytes.get(i + 1) {
                        out.push(n);
                        i += 1;
                    }
                }
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                found = true;
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    blank(&mut out, bytes[i]);
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                found = true;
                let start = i;
                let Some(len) = text[i + 2..].find("*/") else {
                    let (line, column) = line_col_of_end(&text[..start]);
                    return Err(TextError {
                        line,
                        column,
                        message: "a `/*` comment is never closed with `*/`".into(),
                    });
                };
                let end = i + 2 + len + 2;
                for &c in &bytes[i..end] {
                    blank(&mut out, c);
                }
                i = end;
                continue;
            }
            _ => {}
        }
        out.push(b);
        i += 1;
    }
    if !found {
        return Ok(None);
    }
    // Whole characters were kept or replaced by ASCII, so this is UTF-8.
    Ok(String::from_utf8(out).ok())
}

/// The JSON text of a file and its format: decoded, comments blanked.
pub struct Source {
    /// JSON text with comments blanked (positions unchanged).
    pub json: String,
    /// The file's appearance.
    pub format: TextFormat,
    /// The decoded text with its comments, when it had any (`json` is the
    /// text otherwise): what a format-preserving save patches.
    pub commented: Option<String>,
}

/// Decodes a file's bytes into JSON text and detects its format.
pub fn read_source(bytes: &[u8]) -> Result<Source, TextError> {
    let (text, encoding) = decode(bytes)?;
    source_of(text, encoding)
}

/// The JSON text of decoded `text` (comments blanked) and its format.
fn source_of(text: String, encoding: Encoding) -> Result<Source, TextError> {
    let blanked = blank_comments(&text)?;
    let format = detect_format(&text, encoding, blanked.is_some());
    Ok(match blanked {
        Some(json) => Source {
            json,
            format,
            commented: Some(text),
        },
        None => Source {
            json: text,
            format,
            commented: None,
        },
    })
}

/// [`read_source`] of bytes the caller gives away: UTF-8 without a BOM (the
/// usual case) becomes the text in place, with no copy of a large file.
pub fn read_source_owned(bytes: Vec<u8>) -> Result<Source, TextError> {
    let plain_utf8 = !bytes.starts_with(&[0xEF, 0xBB, 0xBF])
        && !bytes.starts_with(&[0xFF, 0xFE])
        && !bytes.starts_with(&[0xFE, 0xFF])
        && !matches!(bytes.as_slice(), [a, 0, ..] if *a != 0)
        && !matches!(bytes.as_slice(), [0, b, ..] if *b != 0)
        && bytes.len() <= MAX_FILE_BYTES;
    if !plain_utf8 {
        return read_source(&bytes);
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        // The same error, located, as `read_source` gives.
        Err(e) => return read_source(e.as_bytes()),
    };
    source_of(text, Encoding::Utf8)
}

/// Detects the indentation, line ending and final newline of JSON text.
pub fn detect_format(text: &str, encoding: Encoding, had_comments: bool) -> TextFormat {
    // Byte counts (no substring search): every `\r\n` ends in a `\n`.
    let b = text.as_bytes();
    let (mut lf, mut crlf) = (0usize, 0usize);
    for (i, _) in b.iter().enumerate().filter(|(_, &c)| c == b'\n') {
        lf += 1;
        if i > 0 && b[i - 1] == b'\r' {
            crlf += 1;
        }
    }
    let line_ending = if crlf > 0 && crlf * 2 >= lf {
        LineEnding::CrLf
    } else {
        LineEnding::Lf
    };
    // One line (perhaps with a final newline, as `jq -c` writes): keep it so.
    let mut indent = if !text.trim_end().contains('\n') {
        Indent::Compact
    } else {
        Indent::Spaces(2)
    };
    // The indentation step is the most common increase of indentation from
    // one line to the next (files with mixed indentation exist).
    let mut steps = [0usize; 9];
    let mut prev = 0usize;
    for line in text.lines().take(2000) {
        let trimmed = line.trim_start_matches([' ', '\t']);
        if trimmed.is_empty() {
            continue;
        }
        let lead = &line[..line.len() - trimmed.len()];
        if lead.starts_with('\t') {
            indent = Indent::Tab;
            steps = [0; 9];
            break;
        }
        if lead.len() > prev && lead.len() - prev <= 8 {
            steps[lead.len() - prev] += 1;
        }
        prev = lead.len();
    }
    if let Some((n, _)) = steps
        .iter()
        .enumerate()
        .filter(|(_, &c)| c > 0)
        .max_by_key(|(n, &c)| (c, std::cmp::Reverse(*n)))
    {
        indent = Indent::Spaces(n as u8);
    }
    TextFormat {
        encoding,
        line_ending,
        indent,
        final_newline: text.ends_with('\n'),
        had_comments,
        inline_scalar_arrays: mostly_inline_arrays(text),
        levels: match indent {
            Indent::Spaces(n) => level_profile(text, n as usize),
            Indent::Tab => level_profile(text, 1),
            Indent::Compact => Vec::new(),
        },
    }
}

/// The indentation of each nesting level, in units of `unit` characters,
/// when it differs from the even `level × unit`; otherwise empty.
fn level_profile(text: &str, unit: usize) -> Vec<u16> {
    let mut counts: Vec<std::collections::HashMap<usize, usize>> = Vec::new();
    let mut depth = 0usize;
    let mut in_string = false;
    for line in text.lines().take(20_000) {
        let trimmed = line.trim_start_matches([' ', '\t']);
        let lead = line.len() - trimmed.len();
        let closing = trimmed.starts_with(['}', ']']);
        let d = if closing {
            depth.saturating_sub(1)
        } else {
            depth
        };
        if !trimmed.is_empty() && !in_string && (1..=64).contains(&d) && lead % unit == 0 {
            if counts.len() < d {
                counts.resize_with(d, Default::default);
            }
            *counts[d - 1].entry(lead / unit).or_default() += 1;
        }
        let b = line.as_bytes();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'\\' if in_string => i += 1,
                b'"' => in_string = !in_string,
                b'{' | b'[' if !in_string => depth += 1,
                b'}' | b']' if !in_string => depth = depth.saturating_sub(1),
                _ => {}
            }
            i += 1;
        }
    }
    let mut levels: Vec<u16> = Vec::new();
    for c in &counts {
        let Some((&w, _)) = c.iter().max_by_key(|(w, n)| (**n, std::cmp::Reverse(**w))) else {
            break;
        };
        // Levels must grow; stop at the first that does not.
        if levels.last().is_some_and(|&l| w as u16 <= l) {
            break;
        }
        levels.push(w as u16);
    }
    let even = levels.iter().enumerate().all(|(i, &w)| w as usize == i + 1);
    if even {
        Vec::new()
    } else {
        levels
    }
}

/// Whether non-empty arrays whose elements are all plain values (no object,
/// no array) were mostly written on one line in this text.
fn mostly_inline_arrays(text: &str) -> bool {
    let b = text.as_bytes();
    // For each open array: (holds a container, spans a newline, is empty).
    let mut open: Vec<(bool, bool, bool)> = Vec::new();
    // For each open container, whether it is an array.
    let mut kinds: Vec<bool> = Vec::new();
    let (mut inline, mut multi) = (0usize, 0usize);
    let mut in_string = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if in_string {
            match c {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        match c {
            b'"' => {
                in_string = true;
                if let Some(a) = open.last_mut() {
                    a.2 = false;
                }
            }
            b'{' | b'[' => {
                if kinds.last() == Some(&true) {
                    if let Some(a) = open.last_mut() {
                        a.0 = true;
                        a.2 = false;
                    }
                }
                kinds.push(c == b'[');
                if c == b'[' {
                    open.push((false, false, true));
                }
            }
            b'}' => {
                kinds.pop();
            }
            b']' => {
                kinds.pop();
                if let Some((container, newline, empty)) = open.pop() {
                    if !container && !empty {
                        if newline {
                            multi += 1;
                        } else {
                            inline += 1;
                        }
                    }
                }
            }
            b'\n' => {
                if let Some(a) = open.last_mut() {
                    a.1 = true;
                }
            }
            b' ' | b'\t' | b'\r' | b',' => {}
            _ => {
                if let Some(a) = open.last_mut() {
                    a.2 = false;
                }
            }
        }
        i += 1;
    }
    inline > multi
}

/// Parses JSON text (comments already blanked) into a value, keeping key
/// order and the exact digits of numbers. Errors carry line and column.
pub fn parse_json(text: &str) -> Result<Value, TextError> {
    let mut de = serde_json::Deserializer::from_str(text);
    // serde_json's recursion limit (128) turns deep nesting into an error, not
    // a stack overflow.
    let value = serde::Deserialize::deserialize(&mut de).map_err(|e| json_error(&e, text))?;
    de.end().map_err(|e| json_error(&e, text))?;
    Ok(value)
}

fn json_error(e: &serde_json::Error, text: &str) -> TextError {
    let mut message = e.to_string();
    // serde_json appends " at line L column C"; we print those ourselves.
    if let Some(pos) = message.rfind(" at line ") {
        message.truncate(pos);
    }
    let message = match e.classify() {
        serde_json::error::Category::Eof => {
            format!("the JSON ends too early ({message}); the file may be truncated")
        }
        serde_json::error::Category::Syntax if message.contains("recursion limit") => {
            "the JSON is nested too deeply (more than 128 levels)".to_string()
        }
        _ => format!("invalid JSON: {message}"),
    };
    let (line, column) = if e.line() == 0 {
        line_col_of_end(text)
    } else {
        // serde_json counts bytes; people (and the rest of Lapis) count
        // characters.
        let bytes = e.column().max(1);
        let column = text
            .split('\n')
            .nth(e.line() - 1)
            .map(|l| l.char_indices().take_while(|(i, _)| *i < bytes - 1).count() + 1)
            .unwrap_or(bytes);
        (e.line(), column)
    };
    TextError {
        line,
        column,
        message,
    }
}

/// [`find_duplicate_key`] for text already parsed into `value`: a duplicate
/// key leaves the value with fewer object members than the text has
/// (`:` outside strings), so the keys are only compared, object by object,
/// when the two counts differ. Linear and allocation-free for the usual
/// file with no duplicate.
pub fn find_duplicate_key_in(text: &str, value: &Value) -> Option<TextError> {
    fn members(v: &Value) -> usize {
        match v {
            Value::Array(a) => a.iter().map(members).sum(),
            Value::Object(o) => o.len() + o.values().map(members).sum::<usize>(),
            _ => 0,
        }
    }
    let b = text.as_bytes();
    let mut colons = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b':' => colons += 1,
            _ => {}
        }
        i += 1;
    }
    if colons == members(value) {
        return None;
    }
    find_duplicate_key(text)
}

/// Finds the first object key that appears twice in the same object. A JSON
/// value keeps only one of them, so loading such a file would silently lose
/// data: it is refused instead. `text` must be valid JSON (comments blanked).
pub fn find_duplicate_key(text: &str) -> Option<TextError> {
    use std::borrow::Cow;
    use std::collections::HashMap;
    struct Frame<'a> {
        keys: Option<HashMap<Cow<'a, str>, usize>>,
        expect_key: bool,
    }
    let b = text.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'{' => stack.push(Frame {
                keys: Some(HashMap::new()),
                expect_key: true,
            }),
            b'[' => stack.push(Frame {
                keys: None,
                expect_key: false,
            }),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => {
                if let Some(f) = stack.last_mut() {
                    f.expect_key = f.keys.is_some();
                }
            }
            b'"' => {
                let start = i;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                let Some(f) = stack.last_mut() else {
                    i += 1;
                    continue;
                };
                if f.expect_key {
                    f.expect_key = false;
                    let raw = text.get(start + 1..i).unwrap_or("");
                    let key: Cow<str> = if raw.contains('\\') {
                        Cow::Owned(
                            serde_json::from_str::<String>(&text[start..=i.min(b.len() - 1)])
                                .unwrap_or_else(|_| raw.to_owned()),
                        )
                    } else {
                        Cow::Borrowed(raw)
                    };
                    let keys = f.keys.as_mut().expect("objects have key sets");
                    if let Some(&first) = keys.get(&key) {
                        let (fl, fc) = line_col_of_end(&text[..first]);
                        let (line, column) = line_col_of_end(&text[..start]);
                        return Some(TextError {
                            line,
                            column,
                            message: format!(
                                "the key \"{key}\" appears twice in one object (first at line {fl}, column {fc}); only one can be kept, so rename or remove one"
                            ),
                        });
                    }
                    keys.insert(key, start);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Serializes a value in the given format. The same value and format always
/// give the same bytes.
pub fn render(value: &Value, format: &TextFormat) -> Vec<u8> {
    let mut text = String::new();
    match format.indent {
        Indent::Compact => text = serde_json::to_string(value).unwrap_or_default(),
        Indent::Tab => write_pretty(&mut text, value, &Style::new("\t", format), 0),
        Indent::Spaces(n) => write_pretty(
            &mut text,
            value,
            &Style::new(&" ".repeat(n as usize), format),
            0,
        ),
    }
    if format.final_newline {
        text.push('\n');
    }
    if format.line_ending == LineEnding::CrLf {
        // JSON strings never hold a raw newline (it is escaped), so every
        // newline here is structural.
        text = text.replace('\n', "\r\n");
    }
    encode(&text, format.encoding)
}

/// [`render`] into a writer. UTF-8 text with LF line endings (Lapis's own
/// format, every export's) is written as it is produced, in pieces of
/// [`SPILL_AT`] bytes, so a large value never exists as one text in memory;
/// other formats are rendered whole first. The bytes are [`render`]'s.
pub fn render_to(value: &Value, format: &TextFormat, w: &mut dyn Write) -> std::io::Result<()> {
    if format.encoding != Encoding::Utf8 || format.line_ending != LineEnding::Lf {
        return w.write_all(&render(value, format));
    }
    let mut out = Spill {
        buf: String::with_capacity(SPILL_AT + 4096),
        w,
        error: None,
    };
    match format.indent {
        Indent::Compact => {
            serde_json::to_writer(&mut *out.w, value).map_err(std::io::Error::other)?
        }
        Indent::Tab => write_pretty(&mut out, value, &Style::new("\t", format), 0),
        Indent::Spaces(n) => write_pretty(
            &mut out,
            value,
            &Style::new(&" ".repeat(n as usize), format),
            0,
        ),
    }
    if format.final_newline {
        out.push('\n');
    }
    out.finish()
}

/// An object whose members are produced while it is written (see
/// [`render_to_streamed`]), so that a large one is never held whole.
pub trait StreamedObject {
    /// Whether it has no member.
    fn is_empty(&self) -> bool;
    /// Calls `f` with each member, in order; an error stops the rendering.
    fn for_each(&self, f: &mut dyn FnMut(&str, &Value)) -> std::io::Result<()>;
}

/// [`render_to`] of `value` in which the value `hole` (a value inside
/// `value`, found by address) is written as the object `object`: the
/// bytes are those of [`render`] of `value` with `object`'s members in
/// `hole`'s place. Only for UTF-8 text with LF line endings, indented
/// (Lapis's own format, every export's); other formats are refused.
pub fn render_to_streamed(
    value: &Value,
    format: &TextFormat,
    w: &mut dyn Write,
    hole: &Value,
    object: &dyn StreamedObject,
) -> std::io::Result<()> {
    let unit = match format.indent {
        Indent::Spaces(n) => " ".repeat(n as usize),
        Indent::Tab => "\t".to_owned(),
        Indent::Compact => String::new(),
    };
    if format.encoding != Encoding::Utf8
        || format.line_ending != LineEnding::Lf
        || format.indent == Indent::Compact
    {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "a streamed object is written only in an indented UTF-8 format with LF line endings",
        ));
    }
    let st = Style::new(&unit, format);
    let mut out = Spill {
        buf: String::with_capacity(SPILL_AT + 4096),
        w,
        error: None,
    };
    let mut failed = None;
    let mut hook = |out: &mut Spill<'_>, v: &Value, level: usize| {
        if !std::ptr::eq(v, hole) {
            return false;
        }
        if object.is_empty() {
            out.push_str("{}");
            return true;
        }
        out.push('{');
        let mut first = true;
        let r = object.for_each(&mut |k, x| {
            if !first {
                out.push(',');
            }
            first = false;
            pretty_newline(out, &st, level + 1);
            out.push_str(&serde_json::to_string(k).unwrap_or_default());
            out.push_str(": ");
            write_pretty(out, x, &st, level + 1);
        });
        if let Err(e) = r {
            failed.get_or_insert(e);
        }
        pretty_newline(out, &st, level);
        out.push('}');
        true
    };
    write_pretty_with(&mut out, value, &st, 0, &mut hook);
    if format.final_newline {
        out.push('\n');
    }
    if let Some(e) = failed {
        return Err(e);
    }
    out.finish()
}

/// How much rendered text [`render_to`] keeps before writing it out.
const SPILL_AT: usize = 64 * 1024;

/// Where [`write_pretty`] puts text.
trait PrettyOut {
    fn push(&mut self, c: char);
    fn push_str(&mut self, s: &str);
}

impl PrettyOut for String {
    fn push(&mut self, c: char) {
        String::push(self, c)
    }
    fn push_str(&mut self, s: &str) {
        String::push_str(self, s)
    }
}

/// Text written to a writer every [`SPILL_AT`] bytes; the first error is
/// kept (and the rest is not written) until [`Spill::finish`].
struct Spill<'w> {
    buf: String,
    w: &'w mut dyn Write,
    error: Option<std::io::Error>,
}

impl Spill<'_> {
    fn spill(&mut self) {
        if self.error.is_none() {
            if let Err(e) = self.w.write_all(self.buf.as_bytes()) {
                self.error = Some(e);
            }
        }
        self.buf.clear();
    }
    fn finish(mut self) -> std::io::Result<()> {
        self.spill();
        match self.error.take() {
            Some(e) => Err(e),
            None => self.w.flush(),
        }
    }
}

impl PrettyOut for Spill<'_> {
    fn push(&mut self, c: char) {
        self.buf.push(c);
    }
    fn push_str(&mut self, s: &str) {
        self.buf.push_str(s);
        if self.buf.len() >= SPILL_AT {
            self.spill();
        }
    }
}

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Array(_) | Value::Object(_))
}

pub(crate) struct Style<'a> {
    pub(crate) unit: &'a str,
    levels: &'a [u16],
    pub(crate) inline_arrays: bool,
}

impl<'a> Style<'a> {
    pub(crate) fn new(unit: &'a str, f: &'a TextFormat) -> Self {
        Style {
            unit,
            levels: &f.levels,
            inline_arrays: f.inline_scalar_arrays,
        }
    }
    pub(crate) fn units(&self, level: usize) -> usize {
        match (level, self.levels.last()) {
            (0, _) | (_, None) => level,
            (l, Some(&last)) if l > self.levels.len() => last as usize + (l - self.levels.len()),
            (l, _) => self.levels[l - 1] as usize,
        }
    }
}

/// Pretty-prints like `serde_json::to_string_pretty` with the file's
/// indentation, optionally keeping arrays of plain values on one line.
/// Recursion depth is bounded by the parser's nesting limit.
fn write_pretty<O: PrettyOut>(out: &mut O, v: &Value, st: &Style<'_>, level: usize) {
    write_pretty_with(out, v, st, level, &mut |_: &mut O, _: &Value, _: usize| {
        false
    })
}

/// A line break and the indentation of `level`.
fn pretty_newline<O: PrettyOut>(out: &mut O, st: &Style<'_>, level: usize) {
    out.push('\n');
    for _ in 0..st.units(level) {
        out.push_str(st.unit);
    }
}

/// [`write_pretty`] where `hook` may write a value itself (it returns
/// true when it did).
fn write_pretty_with<O: PrettyOut, H: FnMut(&mut O, &Value, usize) -> bool>(
    out: &mut O,
    v: &Value,
    st: &Style<'_>,
    level: usize,
    hook: &mut H,
) {
    if hook(out, v, level) {
        return;
    }
    let newline = |out: &mut O, level: usize| pretty_newline(out, st, level);
    let inline_arrays = st.inline_arrays;
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, level + 1);
                out.push_str(&serde_json::to_string(k).unwrap_or_default());
                out.push_str(": ");
                write_pretty_with(out, x, st, level + 1, hook);
            }
            newline(out, level);
            out.push('}');
        }
        Value::Array(a) if !a.is_empty() => {
            if inline_arrays && a.iter().all(is_scalar) {
                out.push('[');
                for (i, x) in a.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&serde_json::to_string(x).unwrap_or_default());
                }
                out.push(']');
                return;
            }
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, level + 1);
                write_pretty_with(out, x, st, level + 1, hook);
            }
            newline(out, level);
            out.push(']');
        }
        other => out.push_str(&serde_json::to_string(other).unwrap_or_default()),
    }
}

/// Writes bytes to `path` atomically: a temporary file in the same folder,
/// flushed to disk, then renamed over the target. A failure at any point
/// leaves the old file whole. The old file's permissions are kept.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// [`write_atomic`] of what `write` writes (through a buffer) into the
/// temporary file: large outputs go to disk as they are produced.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    // Saving through a symbolic link updates the file it points to and keeps
    // the link.
    let resolved;
    let path = if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        resolved = std::fs::canonicalize(path)?;
        resolved.as_path()
    } else {
        path
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // Leftovers of a save that was killed (see `stale`); ours fail cleanly.
    super::stale::remove_stale(dir, super::stale::STALE_AFTER);
    let mut tmp = tempfile::Builder::new()
        .prefix(super::stale::PREFIX)
        .suffix(super::stale::SUFFIX)
        .tempfile_in(dir)?;
    {
        let mut w = std::io::BufWriter::with_capacity(64 * 1024, tmp.as_file_mut());
        write(&mut w)?;
        w.flush()?;
    }
    tmp.flush()?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(tmp.path(), meta.permissions());
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    // Make the rename itself durable where the platform allows it.
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Maps JSON pointers to the 1-based line and column where their value (or,
/// for object members, their key) starts; a pointer that is not in the text
/// gives the position of its nearest ancestor that is.
///
/// Linear in the text's size whatever its shape (one-line minified files
/// included), and nothing is allocated per value of the text: a lookup
/// walks the text along the pointers asked about, skipping every other
/// value byte by byte, and a [`LineIndex`](super::lines::LineIndex) built
/// once turns the byte offsets found into lines and columns. Ask for many
/// pointers at once with [`SpanIndex::locate_all`]: one walk for all.
pub struct SpanIndex {
    lines: super::lines::LineIndex,
    text: String,
}

impl SpanIndex {
    /// Indexes JSON text (comments blanked). Unparsable tails are ignored.
    pub fn new(text: &str) -> SpanIndex {
        SpanIndex {
            lines: super::lines::LineIndex::new(text),
            text: text.to_owned(),
        }
    }

    /// Where the pointer's key or value starts; falls back to the nearest
    /// ancestor that is known.
    pub fn locate(&self, pointer: &str) -> (usize, usize) {
        self.locate_all(&[pointer])[0]
    }

    /// [`SpanIndex::locate`] of each pointer, in one walk of the text.
    pub fn locate_all<S: AsRef<str>>(&self, pointers: &[S]) -> Vec<(usize, usize)> {
        pointer_offsets(&self.text, pointers)
            .into_iter()
            .map(|at| self.lines.line_col(&self.text, at))
            .collect()
    }
}

/// [`SpanIndex::locate`] for one pointer without keeping an index: one walk
/// of the text up to the pointer's place, then the line and column of that
/// place counted once.
pub fn locate_pointer(text: &str, pointer: &str) -> (usize, usize) {
    let at = pointer_offsets(text, &[pointer])[0];
    let at = at.min(text.len());
    // Offsets found by the walk are on character boundaries.
    let prefix = text.get(..at).unwrap_or(text);
    line_col_of_end(prefix)
}

/// One JSON-pointer reference token, unescaped (RFC 6901).
fn unescape_token(token: &str) -> std::borrow::Cow<'_, str> {
    if token.contains('~') {
        token.replace("~1", "/").replace("~0", "~").into()
    } else {
        token.into()
    }
}

/// A trie of the pointers asked about: each node is a pointer prefix.
#[derive(Default)]
struct PointerNode<'p> {
    /// Children by reference token (object keys and array indices alike).
    children: std::collections::HashMap<std::borrow::Cow<'p, str>, usize>,
    /// Byte offset of the member's key (or, for array elements and the
    /// root, of the value), once the walk reached it.
    found: Option<usize>,
}

/// Byte offset of each pointer's place in `text` (its nearest found
/// ancestor's when it is not in the text; 0 when nothing is).
fn pointer_offsets<S: AsRef<str>>(text: &str, pointers: &[S]) -> Vec<usize> {
    let mut nodes: Vec<PointerNode> = vec![PointerNode::default()];
    let mut paths: Vec<Vec<usize>> = Vec::with_capacity(pointers.len());
    for p in pointers {
        let p = p.as_ref();
        let mut path = vec![0];
        let mut at = 0;
        // "" is the whole document; "/a/b" has the tokens "a" and "b".
        if let Some(rest) = p.strip_prefix('/') {
            for token in rest.split('/') {
                let token = unescape_token(token);
                let next = nodes.len();
                let child = *nodes[at].children.entry(token).or_insert(next);
                if child == next {
                    nodes.push(PointerNode::default());
                }
                path.push(child);
                at = child;
            }
        }
        paths.push(path);
    }
    let mut walk = PointerWalk {
        bytes: text.as_bytes(),
        text,
        pos: 0,
        nodes,
        // Every node but the root must be reached for the walk to stop early.
        missing: 0,
    };
    walk.missing = walk.nodes.len();
    walk.skip_ws();
    walk.value(0);
    paths
        .iter()
        .map(|path| {
            path.iter()
                .rev()
                .find_map(|&n| walk.nodes[n].found)
                .unwrap_or(0)
        })
        .collect()
}

struct PointerWalk<'a, 'p> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
    nodes: Vec<PointerNode<'p>>,
    /// Nodes not reached yet; at 0 the walk stops.
    missing: usize,
}

impl PointerWalk<'_, '_> {
    fn skip_ws(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            match b {
                b' ' | b'\n' | b'\t' | b'\r' => self.pos += 1,
                _ => break,
            }
        }
    }

    /// Records that the walk reached `node` at `at`.
    fn reach(&mut self, node: usize, at: usize) {
        if self.nodes[node].found.is_none() {
            self.nodes[node].found = Some(at);
            self.missing -= 1;
        }
    }

    /// Past the string that starts at `pos` (on its `"`); `None` when it
    /// never ends.
    fn skip_string(&mut self) -> Option<()> {
        self.pos += 1;
        while let Some(&b) = self.bytes.get(self.pos) {
            match b {
                b'\\' => self.pos += 2,
                b'"' => {
                    self.pos += 1;
                    return Some(());
                }
                _ => self.pos += 1,
            }
        }
        None
    }

    /// Past the value that starts at `pos`, looking at nothing inside it.
    fn skip_value(&mut self) -> Option<()> {
        match *self.bytes.get(self.pos)? {
            b'"' => self.skip_string(),
            b'{' | b'[' => {
                let mut depth = 0usize;
                while let Some(&b) = self.bytes.get(self.pos) {
                    match b {
                        b'"' => {
                            self.skip_string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.pos += 1;
                                return Some(());
                            }
                        }
                        _ => {}
                    }
                    self.pos += 1;
                }
                None
            }
            _ => {
                while let Some(&b) = self.bytes.get(self.pos) {
                    if matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
                        break;
                    }
                    self.pos += 1;
                }
                Some(())
            }
        }
    }

    /// Walks the value at `pos`, the place of `node`: into the members
    /// (elements) that are on a pointer's path, past the others. `None`
    /// when the text ends or breaks, or when every pointer was reached.
    fn value(&mut self, node: usize) -> Option<()> {
        if node == 0 {
            self.reach(0, self.pos);
        }
        if self.missing == 0 || self.nodes[node].children.is_empty() {
            return self.skip_value();
        }
        match *self.bytes.get(self.pos)? {
            b'{' => {
                self.pos += 1;
                loop {
                    self.skip_ws();
                    match *self.bytes.get(self.pos)? {
                        b'}' => {
                            self.pos += 1;
                            return Some(());
                        }
                        b',' => self.pos += 1,
                        b'"' => {
                            let key_at = self.pos;
                            self.skip_string()?;
                            let raw = self.text.get(key_at + 1..self.pos - 1)?;
                            let child = if raw.contains('\\') {
                                let key: String =
                                    serde_json::from_str(&self.text[key_at..self.pos]).ok()?;
                                self.nodes[node].children.get(key.as_str()).copied()
                            } else {
                                self.nodes[node].children.get(raw).copied()
                            };
                            self.skip_ws();
                            if self.bytes.get(self.pos) != Some(&b':') {
                                return None;
                            }
                            self.pos += 1;
                            self.skip_ws();
                            match child {
                                Some(c) => {
                                    self.reach(c, key_at);
                                    self.value(c)?;
                                }
                                None => self.skip_value()?,
                            }
                            if self.missing == 0 {
                                return None;
                            }
                        }
                        _ => return None,
                    }
                }
            }
            b'[' => {
                self.pos += 1;
                let mut index = 0usize;
                loop {
                    self.skip_ws();
                    match *self.bytes.get(self.pos)? {
                        b']' => {
                            self.pos += 1;
                            return Some(());
                        }
                        b',' => self.pos += 1,
                        _ => {
                            let token = index.to_string();
                            match self.nodes[node].children.get(token.as_str()).copied() {
                                Some(c) => {
                                    self.reach(c, self.pos);
                                    self.value(c)?;
                                }
                                None => self.skip_value()?,
                            }
                            if self.missing == 0 {
                                return None;
                            }
                            index += 1;
                        }
                    }
                }
            }
            _ => self.skip_value(),
        }
    }
}

/// Escapes one JSON-pointer reference token (RFC 6901).
pub fn escape_pointer(token: &str) -> String {
    if token.contains(['~', '/']) {
        token.replace('~', "~0").replace('/', "~1")
    } else {
        token.to_owned()
    }
}

// ---------------------------------------------------------------------------
// Checking and splitting JSON text without building it
// ---------------------------------------------------------------------------

/// What [`check_json`] found in valid JSON text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checked {
    /// Some object has a key twice ([`find_duplicate_key`] says where).
    pub duplicate_key: bool,
}

/// Checks JSON text (comments already blanked) as [`parse_json`] parses it
/// — the same parser, visited the same way, so the same errors at the same
/// places — without building the value: nothing is kept but the keys of the
/// objects being read (to notice a key given twice).
pub fn check_json(text: &str) -> Result<Checked, TextError> {
    let mut dup = false;
    let mut de = serde_json::Deserializer::from_str(text);
    let seed = check::Any { dup: &mut dup };
    serde::de::DeserializeSeed::deserialize(seed, &mut de).map_err(|e| json_error(&e, text))?;
    de.end().map_err(|e| json_error(&e, text))?;
    Ok(Checked { duplicate_key: dup })
}

/// The visitors of [`check_json`]: [`serde_json::Value`]'s own, keeping
/// nothing.
mod check {
    use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
    use std::borrow::Cow;
    use std::fmt;

    /// serde_json's name for a number read with `arbitrary_precision`.
    const NUMBER_TOKEN: &str = "$serde_json::private::Number";

    pub(super) struct Any<'d> {
        pub(super) dup: &'d mut bool,
    }

    impl<'de> DeserializeSeed<'de> for Any<'_> {
        type Value = ();
        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Any<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any valid JSON value")
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_string<E>(self, _: String) -> Result<(), E> {
            Ok(())
        }
        fn visit_none<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let dup = self.dup;
            while seq.next_element_seed(Any { dup: &mut *dup })?.is_some() {}
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let Some(first) = map.next_key::<Key<'de>>()? else {
                return Ok(());
            };
            if first.0 == NUMBER_TOKEN {
                // As `Value` reads it: the number's digits, as a string.
                map.next_value::<NumberText>()?;
                return Ok(());
            }
            let dup = self.dup;
            let mut keys: Vec<Cow<'de, str>> = vec![first.0];
            let mut set: Option<std::collections::HashSet<Cow<'de, str>>> = None;
            map.next_value_seed(Any { dup: &mut *dup })?;
            while let Some(Key(k)) = map.next_key::<Key<'de>>()? {
                if !*dup {
                    let seen = match &mut set {
                        Some(s) => !s.insert(k),
                        None if keys.len() < 16 => {
                            let seen = keys.contains(&k);
                            keys.push(k);
                            seen
                        }
                        None => {
                            let mut s: std::collections::HashSet<_> = keys.drain(..).collect();
                            let seen = !s.insert(k);
                            set = Some(s);
                            seen
                        }
                    };
                    *dup |= seen;
                }
                map.next_value_seed(Any { dup: &mut *dup })?;
            }
            Ok(())
        }
    }

    /// An object key, borrowed from the text when it has no escape.
    struct Key<'de>(Cow<'de, str>);

    impl<'de> de::Deserialize<'de> for Key<'de> {
        fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Key<'de>;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a string key")
                }
                fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
                    Ok(Key(Cow::Borrowed(s)))
                }
                fn visit_str<E>(self, s: &str) -> Result<Key<'de>, E> {
                    Ok(Key(Cow::Owned(s.to_owned())))
                }
                fn visit_string<E>(self, s: String) -> Result<Key<'de>, E> {
                    Ok(Key(Cow::Owned(s)))
                }
            }
            d.deserialize_str(V)
        }
    }

    /// serde_json's `NumberFromString`, kept nowhere.
    struct NumberText;

    impl<'de> de::Deserialize<'de> for NumberText {
        fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl Visitor<'_> for V {
                type Value = NumberText;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("string containing a number")
                }
                fn visit_str<E: de::Error>(self, s: &str) -> Result<NumberText, E> {
                    s.parse::<serde_json::Number>().map_err(de::Error::custom)?;
                    Ok(NumberText)
                }
            }
            d.deserialize_str(V)
        }
    }
}

/// One member of a JSON object in a text: its key (unescaped) and the byte
/// range of its value.
pub type RawMember = (String, std::ops::Range<usize>);

/// The members of the object that `range` of `text` holds, in order, each
/// value as a range of `text`; `None` when the range holds no object.
/// `text` must be valid JSON (see [`check_json`]): the values are skipped
/// byte by byte, not parsed.
pub fn object_members(text: &str, range: std::ops::Range<usize>) -> Option<Vec<RawMember>> {
    let b = text.as_bytes();
    let end = range.end.min(b.len());
    let mut i = skip_ws(b, range.start, end);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i += 1;
    let mut out = Vec::new();
    loop {
        i = skip_ws(b, i, end);
        match b.get(i) {
            Some(b'}') => return Some(out),
            Some(b',') => {
                i += 1;
                continue;
            }
            Some(b'"') => {}
            _ => return None,
        }
        let key_start = i;
        i = skip_string(b, i, end);
        let key: String = serde_json::from_str(text.get(key_start..i)?).ok()?;
        i = skip_ws(b, i, end);
        if b.get(i) != Some(&b':') {
            return None;
        }
        let start = skip_ws(b, i + 1, end);
        let stop = skip_value(b, start, end);
        if stop <= start {
            return None;
        }
        out.push((key, start..stop));
        i = stop;
    }
}

/// The range of `range` without its leading and trailing white space.
pub fn trim_range(text: &str, range: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let b = text.as_bytes();
    let start = skip_ws(b, range.start, range.end);
    let mut end = range.end.min(b.len());
    while end > start && matches!(b[end - 1], b' ' | b'\t' | b'\n' | b'\r') {
        end -= 1;
    }
    start..end
}

fn skip_ws(b: &[u8], mut i: usize, end: usize) -> usize {
    while i < end && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

/// Past the string that starts (with its quote) at `i`.
fn skip_string(b: &[u8], mut i: usize, end: usize) -> usize {
    i += 1;
    while i < end && b[i] != b'"' {
        i += if b[i] == b'\\' { 2 } else { 1 };
    }
    (i + 1).min(end)
}

/// Past the value that starts at `i`.
fn skip_value(b: &[u8], mut i: usize, end: usize) -> usize {
    match b.get(i) {
        Some(b'"') => skip_string(b, i, end),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            while i < end {
                match b[i] {
                    b'"' => {
                        i = skip_string(b, i, end);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return i + 1;
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            end
        }
        _ => {
            while i < end && !matches!(b[i], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                i += 1;
            }
            i
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_indentation_styles() {
        let two = "{\n  \"a\": {\n    \"b\": 1\n  }\n}\n";
        let four = "{\n    \"a\": 1\n}";
        let tab = "{\n\t\"a\": 1\n}\n";
        assert_eq!(
            detect_format(two, Encoding::Utf8, false).indent,
            Indent::Spaces(2)
        );
        assert_eq!(
            detect_format(four, Encoding::Utf8, false).indent,
            Indent::Spaces(4)
        );
        assert_eq!(
            detect_format(tab, Encoding::Utf8, false).indent,
            Indent::Tab
        );
        assert_eq!(
            detect_format("{\"a\":1}", Encoding::Utf8, false).indent,
            Indent::Compact
        );
        assert!(!detect_format(four, Encoding::Utf8, false).final_newline);
        assert_eq!(
            detect_format("{\r\n  \"a\": 1\r\n}\r\n", Encoding::Utf8, false).line_ending,
            LineEnding::CrLf
        );
    }

    #[test]
    fn utf16_round_trips_with_bom() {
        for enc in [
            Encoding::Utf16LeBom,
            Encoding::Utf16BeBom,
            Encoding::Utf8Bom,
            Encoding::Utf16Le,
            Encoding::Utf16Be,
        ] {
            let bytes = encode("{\"é\": \"😀\"}", enc);
            let (text, found) = decode(&bytes).unwrap();
            assert_eq!(found, enc);
            assert_eq!(text, "{\"é\": \"😀\"}");
        }
    }

    #[test]
    fn invalid_utf8_is_located() {
        let err = decode(b"{\n  \"a\": \"\xff\"\n}").unwrap_err();
        assert_eq!((err.line, err.column), (2, 9));
        assert!(err.message.contains("0xFF"), "{}", err.message);
    }

    #[test]
    fn comments_are_blanked_without_moving_positions() {
        let src = "{\n  // note: \"quoted\"\n  \"a\": \"http://x\", /* c */ \"b\": 1\n}";
        let blanked = blank_comments(src).unwrap().unwrap();
        assert_eq!(blanked.chars().count(), src.chars().count());
        assert_eq!(blanked.lines().count(), src.lines().count());
        let v = parse_json(&blanked).unwrap();
        assert_eq!(v["a"], "http://x");
        assert!(blank_comments("{\"a\": \"http://x\"}").unwrap().is_none());
        // One space per character, so columns after a comment stay true.
        let e = parse_json(&blank_comments("{/*é*/ \"a\" 1}").unwrap().unwrap()).unwrap_err();
        assert_eq!((e.line, e.column), (1, 12), "{e}");
        let e = blank_comments("{\n  \"a\": 1 /* open").unwrap_err();
        assert_eq!((e.line, e.column), (2, 10), "{e}");
        // `//` and `/*` in strings (escaped quotes included) are no
        // comment; the first one after them is.
        let src = r#"{"a": "x\" //", "b": "/* y", "c": 1} // end"#;
        assert!(blank_comments(&src[..src.len() - 7]).unwrap().is_none());
        assert_eq!(
            blank_comments(src).unwrap().unwrap(),
            r#"{"a": "x\" //", "b": "/* y", "c": 1}       "#
        );
    }

    #[test]
    fn json_errors_have_positions() {
        let e = parse_json("{\n  \"a\": [1, 2,\n}").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.starts_with("invalid JSON"), "{}", e.message);
        let e = parse_json("{\n  \"a\": [1, 2").unwrap_err();
        assert!(e.message.contains("truncated"), "{}", e.message);
        let deep = "[".repeat(100_000);
        let e = parse_json(&deep).unwrap_err();
        assert!(e.message.contains("nested too deeply"), "{}", e.message);
    }

    #[test]
    fn duplicate_keys_are_found_with_both_positions() {
        let t = "{\n  \"a\": {\"x\": 1, \"y\": [{\"x\": 2}]},\n  \"b\": \"{\\\"a\\\": 1}\",\n  \"\\u0061\": 3\n}";
        let e = find_duplicate_key(t).unwrap();
        assert_eq!((e.line, e.column), (4, 3), "{e}");
        assert!(e.message.contains("first at line 2, column 3"), "{e}");
        assert!(find_duplicate_key("{\"a\": {\"a\": {\"a\": [1, {\"a\": 2}]}}}").is_none());
        for t in [
            t,
            "{\"a\": {\"a\": {\"a\": [1, {\"a\": 2}]}}}",
            "{\"x\": \"a:b\\\":\", \"y\": [{\"q\": 1, \"q\": 2}]}",
            "{\"k\": 1, \"m\": {}, \"k\": 3}",
        ] {
            let v = parse_json(t).unwrap();
            assert_eq!(
                find_duplicate_key_in(t, &v).map(|e| e.to_string()),
                find_duplicate_key(t).map(|e| e.to_string()),
                "{t}"
            );
        }
    }

    #[test]
    fn json_error_columns_count_characters() {
        let e = parse_json("{\"é€\": 1 \"x\": 2}").unwrap_err();
        assert_eq!((e.line, e.column), (1, 10), "{e}");
    }

    #[test]
    fn big_numbers_keep_their_digits() {
        let v = parse_json("{\"n\": 1234567890123456789012345, \"f\": 1.0, \"e\": 1E+5}").unwrap();
        let out = String::from_utf8(render(&v, &TextFormat::default())).unwrap();
        assert!(out.contains("1234567890123456789012345"));
        assert!(out.contains("1.0"));
        // The exponent marker is written in lower case; digits are kept.
        assert!(out.contains("1e+5"));
    }

    #[test]
    fn pointers_are_found_in_one_walk_keys_escapes_and_fallbacks() {
        let text = r#"{"a\"b": {"x/y": [1, {"~": "v"}, [true]]}, "c": "[{", "d": {"a\"b": 2}}"#;
        let at = |needle: &str| text.find(needle).expect("in the text");
        let cases: [(&str, usize); 9] = [
            ("", 0),
            ("/a\"b", at(r#""a\"b""#)),
            ("/a\"b/x~1y", at(r#""x/y""#)),
            ("/a\"b/x~1y/1/~0", at(r#""~""#)),
            ("/a\"b/x~1y/2/0", at("true")),
            ("/c", at(r#""c""#)),
            ("/d/a\"b", at(r#"{"a\"b": 2"#) + 1),
            // Not in the text: the nearest ancestor that is.
            ("/nope", 0),
            ("/d/zz/1", at(r#""d""#)),
        ];
        let pointers: Vec<&str> = cases.iter().map(|c| c.0).collect();
        let idx = SpanIndex::new(text);
        let all = idx.locate_all(&pointers);
        for ((p, offset), got) in cases.iter().zip(all) {
            let want = (1, offset + 1);
            assert_eq!(got, want, "{p}");
            assert_eq!(idx.locate(p), want, "{p}");
            assert_eq!(locate_pointer(text, p), want, "{p}");
        }
        // A broken tail keeps what was found before it.
        let broken = r#"{"a": 1, "b": [1, 2"#;
        assert_eq!(locate_pointer(broken, "/b/1"), (1, 19));
        assert_eq!(locate_pointer(broken, "/b/7"), (1, 10));
    }

    #[test]
    fn render_to_writes_the_bytes_of_render() {
        let mut rows = Vec::new();
        for i in 0..3000 {
            rows.push(serde_json::json!({"id": i, "s": "Grüße \"q\" \\ [x]", "a": [1, 2.50, null], "e": {}, "l": []}));
        }
        let v = serde_json::json!({"rows": rows, "n": 12345678901234567890u64, "t": true});
        let tab = TextFormat {
            indent: Indent::Tab,
            inline_scalar_arrays: true,
            final_newline: false,
            ..TextFormat::default()
        };
        let crlf = TextFormat {
            line_ending: LineEnding::CrLf,
            ..TextFormat::default()
        };
        let compact = TextFormat {
            indent: Indent::Compact,
            ..TextFormat::default()
        };
        for f in [TextFormat::default(), tab, crlf, compact] {
            let mut out = Vec::new();
            render_to(&v, &f, &mut out).unwrap();
            assert!(out.len() > SPILL_AT, "the test spills");
            assert_eq!(out, render(&v, &f), "{:?}", f.indent);
        }
    }

    #[test]
    fn spans_locate_keys() {
        let text = "{\n  \"a\": {\n    \"b~/c\": [\n      1,\n      {\"d\": 2}\n    ]\n  }\n}";
        let idx = SpanIndex::new(text);
        assert_eq!(idx.locate("/a"), (2, 3));
        assert_eq!(idx.locate("/a/b~0~1c"), (3, 5));
        assert_eq!(idx.locate("/a/b~0~1c/1/d"), (5, 8));
        assert_eq!(idx.locate("/a/b~0~1c/1/zzz"), (5, 7));
    }
}
