//! Format-preserving saves: the text a file was loaded from is kept, and a
//! save writes back only the spans whose value changed.
//!
//! The old value (as loaded) and the new value are walked together over the
//! old text. An unchanged value keeps its bytes, whatever its spelling
//! (escapes such as `\u00e9` or `\/`, numbers such as `1E+5`, inline objects,
//! comments and blank lines inside). A changed scalar is replaced by its JSON
//! text. In an object or array whose members changed, every member keeps its
//! own text with the comments that precede it (and the comment that follows
//! its comma on the same line); a deleted member takes them with it; a new
//! member is written at the indentation of its neighbours; a member whose key
//! changed while its place stayed (a rename) gets the new key and keeps the
//! rest of its text, patched the same way.
//!
//! The result is checked: the rewritten region (the innermost value that
//! holds every change; the rest is the base's text, which parsed) must be
//! JSON, and in debug builds (the tests) the whole text must read back as
//! the new value. When it does not (which the tests guard against), the
//! caller falls back to a plain render.
//!
//! Speed (a save after one edit must cost no more than a plain render):
//! values are compared in order (keys and elements side by side, no hash
//! lookups), and the spans of the base's containers are parsed once per
//! base and kept ([`Base`] holds them), so a second save after the same base
//! scans only what it rewrites.

use super::text::{self, Indent, LineEnding, TextFormat};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// The text and value of a file as last loaded or saved: what a save
/// patches.
///
/// The value is parsed from the text when a save first needs it, not at
/// load: a document that is only read (validate, export, run) holds one
/// value tree, not two.
pub struct Base {
    /// The decoded text, comments included (no byte-order mark).
    pub text: String,
    value: std::sync::OnceLock<Value>,
    /// The spans of the containers a save walked through, by the offset
    /// of their opening bracket: parsed once per base.
    spans: std::sync::Mutex<HashMap<usize, Arc<Container>>>,
}

impl Clone for Base {
    fn clone(&self) -> Base {
        Base {
            text: self.text.clone(),
            value: self.value.clone(),
            spans: Default::default(),
        }
    }
}

impl Base {
    /// The base of `text` (decoded, comments included).
    pub fn new(text: String) -> Base {
        Base {
            text,
            value: std::sync::OnceLock::new(),
            spans: Default::default(),
        }
    }

    /// The base of `text` whose value is already known.
    pub fn with_value(text: String, value: Value) -> Base {
        Base {
            text,
            value: std::sync::OnceLock::from(value),
            spans: Default::default(),
        }
    }

    /// The value of the text (the file's JSON, template text included).
    /// Text that does not parse (never expected: it was loaded or written
    /// by Lapis) gives `null`, which no document equals, so the save falls
    /// back to a plain render.
    pub fn value(&self) -> &Value {
        self.value.get_or_init(|| {
            let blanked = super::text::blank_comments(&self.text).ok().flatten();
            super::text::parse_json(blanked.as_deref().unwrap_or(&self.text)).unwrap_or(Value::Null)
        })
    }
}

impl fmt::Debug for Base {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Base({} bytes)", self.text.len())
    }
}

impl PartialEq for Base {
    /// The base is where a document came from, not part of its content:
    /// two documents with the same content are equal whatever their base.
    fn eq(&self, _: &Base) -> bool {
        true
    }
}

/// Writes `new` over the text of `base`, changing only the spans whose value
/// changed. Errors (never expected) say why the patch was not used.
pub fn patch(base: &Base, new: &Value, format: &TextFormat) -> Result<String, String> {
    if same(base.value(), new) {
        return Ok(base.text.clone());
    }
    let s = base.text.as_bytes();
    let start = skip_trivia(s, 0);
    let end = skip_value(s, start).ok_or("the saved text is not JSON")?;
    let p = Patcher {
        s,
        text: &base.text,
        unit: match format.indent {
            Indent::Spaces(n) => " ".repeat(n as usize),
            Indent::Tab => "\t".into(),
            Indent::Compact => String::new(),
        },
        nl: match format.line_ending {
            LineEnding::Lf => "\n",
            LineEnding::CrLf => "\r\n",
        },
        inline_arrays: format.inline_scalar_arrays,
        spans: &base.spans,
        check: std::cell::Cell::new(None),
    };
    let mut out = String::with_capacity(base.text.len() + 256);
    out.push_str(&base.text[..start]);
    p.value(&mut out, base.value(), new, start, end)?;
    out.push_str(&base.text[end..]);
    // The rewritten region must be JSON (the rest is the base's text around
    // it); debug builds (the tests) also check that the whole reads back
    // as the new value, which costs a full parse.
    if let Some((a, b)) = p.check.get() {
        let piece = &out[a..b];
        let json = text::blank_comments(piece).map_err(|e| e.to_string())?;
        let json = json.as_deref().unwrap_or(piece);
        let mut de = serde_json::Deserializer::from_str(json);
        serde::de::IgnoredAny::deserialize(&mut de)
            .and_then(|_| de.end())
            .map_err(|e| e.to_string())?;
    }
    if cfg!(debug_assertions) {
        let json = text::blank_comments(&out).map_err(|e| e.to_string())?;
        let json = json.as_deref().unwrap_or(&out);
        let back = text::parse_json(json).map_err(|e| e.to_string())?;
        if back != *new {
            return Err("the patched text does not read back as the edited value".into());
        }
    }
    Ok(out)
}

/// Equal values with their members in the same order (what a save must
/// keep byte for byte): keys and elements compared side by side, without
/// the hash lookups of `Value`'s `==` (which ignores key order).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|((k, v), (l, w))| k == l && same(v, w))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same(v, w))
        }
        _ => a == b,
    }
}

struct Patcher<'a> {
    s: &'a [u8],
    text: &'a str,
    unit: String,
    nl: &'static str,
    inline_arrays: bool,
    /// The base's container spans, parsed once.
    spans: &'a std::sync::Mutex<HashMap<usize, Arc<Container>>>,
    /// The output range of the innermost value that holds every change:
    /// what the save checks.
    check: std::cell::Cell<Option<(usize, usize)>>,
}

/// One member of an object or element of an array, as spans of the old text.
#[derive(Debug, Clone, Copy)]
struct Item {
    /// Start of its region: comments and indentation before it.
    region: usize,
    /// Start of the key (objects) or value (arrays).
    body: usize,
    /// The value.
    vstart: usize,
    vend: usize,
    /// Its comma, if one follows.
    comma: Option<usize>,
    /// End of its region (start of the next one, or of the container's
    /// closing trivia).
    end: usize,
}

struct Container {
    open: usize,
    items: Vec<Item>,
    /// The container spans several lines.
    multiline: bool,
}

fn skip_trivia(s: &[u8], mut i: usize) -> usize {
    while i < s.len() {
        match s[i] {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'/' if s.get(i + 1) == Some(&b'/') => {
                while i < s.len() && s[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if s.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < s.len() && !(s[i] == b'*' && s[i + 1] == b'/') {
                    i += 1;
                }
                i = (i + 2).min(s.len());
            }
            _ => break,
        }
    }
    i
}

/// The position just after the first line break in the trivia from `i` to
/// `to` that is not inside a block comment.
fn first_break(s: &[u8], mut i: usize, to: usize) -> Option<usize> {
    while i < to {
        match s[i] {
            b'\n' => return Some(i + 1),
            b'/' if s.get(i + 1) == Some(&b'/') => {
                while i < to && s[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if s.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < to && !(s[i] == b'*' && s[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
            }
            _ => i += 1,
        }
    }
    None
}

fn skip_string(s: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    while i < s.len() {
        match s[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// The end of the value that starts at `i`.
fn skip_value(s: &[u8], i: usize) -> Option<usize> {
    match *s.get(i)? {
        b'"' => skip_string(s, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            while j < s.len() {
                match s[j] {
                    b'"' => {
                        j = skip_string(s, j)?;
                        continue;
                    }
                    b'/' if matches!(s.get(j + 1), Some(b'/') | Some(b'*')) => {
                        j = skip_trivia(s, j);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            None
        }
        _ => {
            let mut j = i;
            while j < s.len()
                && !matches!(
                    s[j],
                    b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r' | b'/'
                )
            {
                j += 1;
            }
            Some(j)
        }
    }
}

fn parse_container(s: &[u8], open: usize, object: bool) -> Option<Container> {
    let mut items = Vec::new();
    let mut i = open + 1;
    let close;
    loop {
        let t = skip_trivia(s, i);
        if matches!(s.get(t), Some(b'}') | Some(b']')) {
            close = t;
            break;
        }
        let region = first_break(s, i, t).unwrap_or(i);
        let (body, vstart) = if object {
            let kend = skip_string(s, t)?;
            let colon = skip_trivia(s, kend);
            if s.get(colon) != Some(&b':') {
                return None;
            }
            (t, skip_trivia(s, colon + 1))
        } else {
            (t, t)
        };
        let vend = skip_value(s, vstart)?;
        let after = skip_trivia(s, vend);
        let comma = (s.get(after) == Some(&b',')).then_some(after);
        items.push(Item {
            region,
            body,
            vstart,
            vend,
            comma,
            end: 0,
        });
        match comma {
            Some(c) => i = c + 1,
            None => {
                close = after;
                break;
            }
        }
    }
    if !matches!(s.get(close), Some(b'}') | Some(b']')) {
        return None;
    }
    // Each region ends where the next begins; the last one at the line break
    // after its value (its same-line comment stays with it).
    for k in 0..items.len() {
        items[k].end = match items.get(k + 1) {
            Some(next) => next.region,
            None => {
                let from = items[k].vend;
                first_break(s, from, close).unwrap_or(from)
            }
        };
    }
    let multiline = s[open..close].contains(&b'\n');
    Some(Container {
        open,
        items,
        multiline,
    })
}

/// What becomes of each output member.
enum Out<'v> {
    /// Old item `k`, its key kept or replaced, its value patched to `new`.
    Kept {
        k: usize,
        new_key: Option<&'v str>,
        old: &'v Value,
        new: &'v Value,
    },
    /// A new member.
    New {
        key: Option<&'v str>,
        new: &'v Value,
    },
}

impl Patcher<'_> {
    fn value(
        &self,
        out: &mut String,
        old: &Value,
        new: &Value,
        start: usize,
        end: usize,
    ) -> Result<bool, String> {
        if same(old, new) {
            out.push_str(&self.text[start..end]);
            return Ok(false);
        }
        let from = out.len();
        let r = match (old, new) {
            (Value::Object(a), Value::Object(b)) if !a.is_empty() && !b.is_empty() => {
                let c = self.container_at(start, true).ok_or("bad object")?;
                if c.items.len() != a.len() {
                    return Err("object text and value disagree".into());
                }
                let plan = plan_object(a, b);
                self.container(out, &c, &plan, end)?
            }
            (Value::Array(a), Value::Array(b)) if !a.is_empty() && !b.is_empty() => {
                let c = self.container_at(start, false).ok_or("bad array")?;
                if c.items.len() != a.len() {
                    return Err("array text and value disagree".into());
                }
                let plan = plan_array(a, b);
                self.container(out, &c, &plan, end)?
            }
            _ => {
                let inline = !self.text[start..end].contains('\n')
                    && matches!(old, Value::Object(_) | Value::Array(_))
                    && !(old.as_object().is_some_and(|m| m.is_empty())
                        || old.as_array().is_some_and(|a| a.is_empty()));
                if inline {
                    let spaced = self.text[start..end].contains(": ")
                        || self.text[start..end].contains(", ");
                    write_inline(out, new, spaced);
                } else {
                    let ind = self.indent_at(start).to_owned();
                    self.pretty(out, new, &ind);
                }
                true
            }
        };
        // The outermost value rewritten other than by patching exactly one
        // of its members in place holds every change (values are written
        // inner first: an outer one overrides).
        if r {
            self.check.set(Some((from, out.len())));
        }
        Ok(true)
    }

    /// The spans of the container opening at `open`, parsed once per base.
    fn container_at(&self, open: usize, object: bool) -> Option<Arc<Container>> {
        if let Some(c) = self.spans.lock().ok()?.get(&open) {
            return Some(c.clone());
        }
        let c = Arc::new(parse_container(self.s, open, object)?);
        if let Ok(mut m) = self.spans.lock() {
            m.insert(open, c.clone());
        }
        Some(c)
    }

    /// The leading whitespace of the line holding position `i`.
    fn indent_at(&self, i: usize) -> &str {
        let line = self.text[..i].rfind('\n').map_or(0, |p| p + 1);
        let rest = &self.text[line..];
        let n = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        &self.text[line..line + n.min(i - line)]
    }

    fn container(
        &self,
        out: &mut String,
        c: &Container,
        plan: &[Out<'_>],
        end: usize,
    ) -> Result<bool, String> {
        let s = self.text;
        let items = &c.items;
        let first = items[0];
        let last = items[items.len() - 1];
        // Indentation and separator for new members, from the neighbours.
        let ind = self.indent_at(first.body).to_owned();
        let lead = if c.multiline {
            ind.clone()
        } else {
            match items.get(1) {
                Some(it) => s[it.region..it.body].to_owned(),
                None => s[first.region..first.body].to_owned(),
            }
        };
        out.push_str(&s[c.open..first.region]);
        let n = plan.len();
        // Whether every member stays in place under its key, and how many
        // of them changed: one alone, the change lies inside it.
        let mut natural_all = n == items.len();
        let mut changed = 0usize;
        // The old index of the member written last (`None`: the opening
        // bracket or a new member).
        let mut prev: Option<Option<usize>> = Some(None);
        for (idx, o) in plan.iter().enumerate() {
            let is_last = idx + 1 == n;
            match o {
                Out::Kept {
                    k,
                    new_key,
                    old,
                    new,
                } => {
                    let it = items[*k];
                    // Next to a member it did not follow before, it starts
                    // its own line.
                    let natural = match prev {
                        Some(None) => *k == 0,
                        Some(Some(p)) => p + 1 == *k,
                        None => false,
                    };
                    if !natural
                        && c.multiline
                        && !out.ends_with('\n')
                        && !s[it.region..it.body].contains('\n')
                    {
                        out.push_str(self.nl);
                    }
                    prev = Some(Some(*k));
                    natural_all &= *k == idx && new_key.is_none();
                    out.push_str(&s[it.region..it.body]);
                    match new_key {
                        Some(key) => {
                            out.push_str(&serde_json::to_string(key).map_err(|e| e.to_string())?);
                            let kend = skip_string(self.s, it.body).ok_or("bad key")?;
                            out.push_str(&s[kend..it.vstart]);
                        }
                        None => out.push_str(&s[it.body..it.vstart]),
                    }
                    if self.value(out, old, new, it.vstart, it.vend)? {
                        changed += 1;
                    }
                    // The trail: up to the comma, the comma, and the rest
                    // of the region (a same-line comment, the line break).
                    let (mid, trail) = match it.comma {
                        Some(cm) => (&s[it.vend..cm], &s[cm + 1..it.end]),
                        None => ("", &s[it.vend..it.end]),
                    };
                    if !is_last {
                        out.push_str(mid);
                        out.push(',');
                    }
                    out.push_str(trail);
                }
                Out::New { key, new } => {
                    prev = None;
                    natural_all = false;
                    if c.multiline && !out.ends_with('\n') {
                        out.push_str(self.nl);
                    }
                    out.push_str(&lead);
                    if let Some(key) = key {
                        out.push_str(&serde_json::to_string(key).map_err(|e| e.to_string())?);
                        out.push_str(
                            if c.multiline
                                || lead.contains(' ')
                                || s[first.body..first.vstart].contains(' ')
                            {
                                ": "
                            } else {
                                ":"
                            },
                        );
                    }
                    if c.multiline {
                        self.pretty(out, new, &ind);
                    } else {
                        write_inline(out, new, lead.contains(' '));
                    }
                    if !is_last {
                        out.push(',');
                    }
                    if c.multiline {
                        out.push_str(self.nl);
                    }
                }
            }
        }
        out.push_str(&s[last.end..end]);
        Ok(!(natural_all && changed == 1))
    }

    /// Writes a value on several lines, nested lines one unit deeper than
    /// `ind` (the indentation of the line it starts on).
    fn pretty(&self, out: &mut String, v: &Value, ind: &str) {
        if self.unit.is_empty() {
            write_inline(out, v, false);
            return;
        }
        let inner = format!("{ind}{}", self.unit);
        match v {
            Value::Object(m) if !m.is_empty() => {
                out.push('{');
                for (i, (k, x)) in m.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(self.nl);
                    out.push_str(&inner);
                    out.push_str(&serde_json::to_string(k).unwrap_or_default());
                    out.push_str(": ");
                    self.pretty(out, x, &inner);
                }
                out.push_str(self.nl);
                out.push_str(ind);
                out.push('}');
            }
            Value::Array(a) if !a.is_empty() => {
                if self.inline_arrays && a.iter().all(|x| !x.is_object() && !x.is_array()) {
                    write_inline(out, v, true);
                    return;
                }
                out.push('[');
                for (i, x) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(self.nl);
                    out.push_str(&inner);
                    self.pretty(out, x, &inner);
                }
                out.push_str(self.nl);
                out.push_str(ind);
                out.push(']');
            }
            other => out.push_str(&serde_json::to_string(other).unwrap_or_default()),
        }
    }
}

/// Writes a value on one line, with `", "` and `": "` when `spaced`.
fn write_inline(out: &mut String, v: &Value, spaced: bool) {
    let (comma, colon) = if spaced { (", ", ": ") } else { (",", ":") };
    match v {
        Value::Object(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(comma);
                }
                out.push_str(&serde_json::to_string(k).unwrap_or_default());
                out.push_str(colon);
                write_inline(out, x, spaced);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(comma);
                }
                write_inline(out, x, spaced);
            }
            out.push(']');
        }
        other => out.push_str(&serde_json::to_string(other).unwrap_or_default()),
    }
}

/// Matches the members of two objects: keys kept in order are anchors;
/// between anchors, an old key that is gone and a new key that was not there
/// at the same place are one member renamed; the rest are deleted or new.
fn plan_object<'v>(
    a: &'v serde_json::Map<String, Value>,
    b: &'v serde_json::Map<String, Value>,
) -> Vec<Out<'v>> {
    // The same keys in the same order (a value edited inside a member):
    // every member stays, no key lookups.
    if a.len() == b.len() && a.keys().zip(b.keys()).all(|(x, y)| x == y) {
        return a
            .values()
            .zip(b.values())
            .enumerate()
            .map(|(k, (old, new))| Out::Kept {
                k,
                new_key: None,
                old,
                new,
            })
            .collect();
    }
    let old: Vec<(&String, &Value)> = a.iter().collect();
    let new: Vec<(&String, &Value)> = b.iter().collect();
    let old_index: std::collections::HashMap<&str, usize> = old
        .iter()
        .enumerate()
        .map(|(i, (k, _))| (k.as_str(), i))
        .collect();
    // Old positions of the new keys that exist in both, in new order; the
    // longest increasing run of them stays in place.
    let seq: Vec<(usize, usize)> = new
        .iter()
        .enumerate()
        .filter_map(|(j, (k, _))| old_index.get(k.as_str()).map(|&i| (j, i)))
        .collect();
    let keep = longest_increasing(&seq);
    let mut plan = Vec::with_capacity(new.len());
    let (mut i, mut j) = (0usize, 0usize);
    let mut anchors = keep.into_iter().peekable();
    loop {
        let (aj, ai) = anchors.peek().copied().unwrap_or((new.len(), old.len()));
        // The gap before the anchor: renames pair up in order.
        let gone: Vec<usize> = (i..ai)
            .filter(|&x| !b.contains_key(old[x].0.as_str()))
            .collect();
        let mut gone = gone.into_iter();
        for (k, v) in new.iter().take(aj).skip(j) {
            let fresh = !a.contains_key(k.as_str());
            match (fresh, gone.next()) {
                (true, Some(x)) => plan.push(Out::Kept {
                    k: x,
                    new_key: Some(k.as_str()),
                    old: old[x].1,
                    new: v,
                }),
                (_, _) => plan.push(Out::New {
                    key: Some(k.as_str()),
                    new: v,
                }),
            }
        }
        if aj >= new.len() {
            break;
        }
        plan.push(Out::Kept {
            k: ai,
            new_key: None,
            old: old[ai].1,
            new: new[aj].1,
        });
        anchors.next();
        i = ai + 1;
        j = aj + 1;
    }
    // A "New" entry that did not pair up may have consumed a gone slot in
    // the match above only when fresh; non-fresh keys (moved) are new text.
    plan
}

/// Indices (into `seq`) of a longest run of increasing second components;
/// returns the chosen pairs.
fn longest_increasing(seq: &[(usize, usize)]) -> Vec<(usize, usize)> {
    // Patience sorting with back links.
    let mut tails: Vec<usize> = Vec::new();
    let mut prev: Vec<Option<usize>> = vec![None; seq.len()];
    for (n, &(_, v)) in seq.iter().enumerate() {
        let pos = tails.partition_point(|&t| seq[t].1 < v);
        if pos > 0 {
            prev[n] = Some(tails[pos - 1]);
        }
        if pos == tails.len() {
            tails.push(n);
        } else {
            tails[pos] = n;
        }
    }
    let mut out = Vec::with_capacity(tails.len());
    let mut cur = tails.last().copied();
    while let Some(n) = cur {
        out.push(seq[n]);
        cur = prev[n];
    }
    out.reverse();
    out
}

/// Matches the elements of two arrays: equal leading and trailing elements
/// are kept; those between pair up in order (patched), the rest are
/// deleted or new.
fn plan_array<'v>(a: &'v [Value], b: &'v [Value]) -> Vec<Out<'v>> {
    let mut pre = 0;
    while pre < a.len() && pre < b.len() && a[pre] == b[pre] {
        pre += 1;
    }
    let mut suf = 0;
    while suf < a.len() - pre && suf < b.len() - pre && a[a.len() - 1 - suf] == b[b.len() - 1 - suf]
    {
        suf += 1;
    }
    let mut plan = Vec::with_capacity(b.len());
    for k in 0..pre {
        plan.push(Out::Kept {
            k,
            new_key: None,
            old: &a[k],
            new: &b[k],
        });
    }
    let (ma, mb) = (a.len() - pre - suf, b.len() - pre - suf);
    for x in 0..mb {
        if x < ma {
            plan.push(Out::Kept {
                k: pre + x,
                new_key: None,
                old: &a[pre + x],
                new: &b[pre + x],
            });
        } else {
            plan.push(Out::New {
                key: None,
                new: &b[pre + x],
            });
        }
    }
    for x in 0..suf {
        let k = a.len() - suf + x;
        plan.push(Out::Kept {
            k,
            new_key: None,
            old: &a[k],
            new: &b[b.len() - suf + x],
        });
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn save(text: &str, new: Value) -> String {
        patch(&Base::new(text.into()), &new, &TextFormat::default()).unwrap()
    }

    #[test]
    fn same_sees_key_order_where_equality_does_not() {
        let a: Value = serde_json::from_str(r#"{"x": 1, "y": 2}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"y": 2, "x": 1}"#).unwrap();
        assert_eq!(a, b);
        assert!(!same(&a, &b));
        assert!(same(&a, &a.clone()));
    }

    #[test]
    fn a_nested_edit_rewrites_only_its_value_and_a_reorder_is_written() {
        let text =
            "{\n  // kept\n  \"a\": {\"b\": 1E+5, \"c\": [1, 2]},\n  \"d\": \"\\u00e9\"\n}\n";
        let base: Value = serde_json::from_str(&text.replace("// kept", "")).unwrap();
        let mut new = base.clone();
        new["a"]["c"][1] = json!(3);
        assert_eq!(
            save(text, new),
            "{\n  // kept\n  \"a\": {\"b\": 1E+5, \"c\": [1, 3]},\n  \"d\": \"\\u00e9\"\n}\n"
        );
        // Same value, keys in another order: written in the new order.
        let reordered: Value =
            serde_json::from_str(r#"{"d": "é", "a": {"b": 1E+5, "c": [1, 2]}}"#).unwrap();
        let out = save(text, reordered.clone());
        assert!(
            out.find("\"d\"").unwrap() < out.find("\"a\"").unwrap(),
            "{out}"
        );
        assert_eq!(
            text::parse_json(&text::blank_comments(&out).unwrap().unwrap_or(out.clone())).unwrap(),
            reordered
        );
    }
}
