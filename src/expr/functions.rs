//! The pure function library: string, collection, logical and comparison,
//! conversion, math, URI and JSON functions.
//!
//! Every function here takes arguments that are already evaluated JSON
//! values; the workflow functions (`parameters`, `body`, `item`, …) live in
//! [`super::eval`] because they read the context, and the date and time
//! functions live in [`super::datetime`].
//!
//! The behaviour follows the Logic Apps "Reference guide to workflow
//! expression functions". Where the guide is silent, the choices below hold.
//!
//! # Strings
//!
//! Positions and lengths count Unicode scalar values (Rust `char`s), the
//! same unit as [`super::Span`]. Logic Apps counts UTF-16 code units, so the
//! two differ only for characters outside the Basic Multilingual Plane
//! (emoji and the like), which count once here and twice there.
//! `indexOf`, `lastIndexOf`, `nthIndexOf`, `startsWith` and `endsWith` ignore
//! case (simple one-to-one case mapping); `contains`, `replace` and `equals`
//! do not.
//!
//! Where a function turns a value into text (`string`, `concat`, `join`,
//! `uriComponent`, and `@{…}` in the evaluator), `null` becomes `""`,
//! booleans become `True` and `False` as the .NET runtime behind Logic Apps
//! prints them, a number is printed as .NET Core prints a `double`
//! (`30` for `3e1`, `1E+15`, `1E-05`; see [`super::number`]), a decimal
//! keeps every digit, arrays and objects become compact JSON in which
//! floats keep their type (`[5.0]`), and binary content (below) is decoded
//! as UTF-8.
//!
//! # Numbers
//!
//! Three types, carried as [`super::number`] describes: integers (64-bit),
//! floats (`f64`, always written with a fraction or exponent: `5.0`) and
//! decimals (`decimal()`, .NET's 28-digit decimal, by `rust_decimal`).
//! Math keeps integers as integers when every operand is one (`div(11, 5)`
//! is `2`) and reports 64-bit overflow as an error; if either operand is a
//! float the result is a float (`div(11, 5.0)` is `2.2`, `mul(1.5, 2)` is
//! `3.0`); if either is a decimal the result is a decimal. Comparisons and
//! equality compare numbers by value, so `1` equals `1.0`.
//!
//! Conversions read text as .NET does, with the number styles runs show:
//! `isInt` as `Int64.Parse` with `NumberStyles.Integer` (white space and a
//! leading sign); `float` and `isFloat` with `NumberStyles.Number` and an
//! exponent, `decimal` without the exponent, in the invariant culture
//! unless a locale is given, so thousands separators may stand anywhere in
//! the integer part and the sign may trail (`float('1234567,8+')` is
//! `12345678.0`); `int` reads a float, which must be whole and below
//! 2^63 (`int('1.0')` is 1, `int('1.5')` fails, `int('nan')` is the
//! smallest 64-bit integer). `isFloat` is true for `NaN` and `Infinity`;
//! `float` of them is an error, since JSON has no such numbers.
//!
//! # Objects
//!
//! `setProperty`, `addProperty` and `removeProperty` match property names
//! ignoring case, as reads do: `setProperty` replaces the matching
//! property's value in place, `addProperty` refuses a name that matches an
//! existing one.
//!
//! # Binary content
//!
//! Functions that return binary data (`binary`, `base64ToBinary`,
//! `dataUriToBinary`, `decodeDataUri`, `uriComponentToBinary`) return the
//! Logic Apps content envelope
//! `{"$content-type": "application/octet-stream", "$content": "<base64>"}`;
//! `dataUriToBinary` and `decodeDataUri` carry the media type of the data
//! URI instead, `text/plain;charset=US-ASCII` when it names none (RFC 2397).
//! Base64 is read as .NET's `Convert.FromBase64String` reads it (white
//! space ignored, padding required); a data URI must start with `data:`
//! (nothing is trimmed) and hold a `,`. Any object with a base64
//! `$content` string is accepted as binary input (`base64`,
//! `base64ToString`, `dataUri`, `string`, `json`, `binary`).
//!
//! # formatNumber
//!
//! Numbers are formatted from their decimal digits (the JSON text), never
//! through a binary float, and rounded half away from zero, so
//! `formatNumber(2.675, 'F2')` is `2.68`. Standard .NET format strings `C`,
//! `D`, `E`, `F`, `G`, `N`, `P`, `R` and `X` (with an optional precision up
//! to 1000), and custom patterns (`0`, `#`, `.`, `,` for grouping and
//! scaling, `%`, `‰`, `E+0`, quoted text, `\` escapes and `;` sections) are
//! supported. Locales (case-insensitive, `-` or `_`; a bare language picks
//! the first country listed): invariant (`""`), `en-US` (default), `en-GB`,
//! `de-DE`, `fr-FR`, `es-ES` and `is-IS`, with the separators, currency
//! symbols and patterns of .NET Framework on Windows (for example `($17.35)`
//! for a negative en-US currency; Icelandic's `kr` is the reference's
//! example, `formatNumber(17.35, 'C2', 'is-IS')` = `17,35 kr`). Another
//! locale is an error rather than a guess.
//!
//! # XML
//!
//! `xml`, `xpath` and `json` of XML content live in [`super::xml`].

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use rust_decimal::Decimal;
use serde_json::{Map, Number, Value};

use super::number::{
    self, as_decimal, decimal_from_text, decimal_to_f64, decimal_value, float_value,
    is_integer_text, parse_number, NumberFormat, Parsed,
};
use super::registry::{self, Category, FunctionInfo};

/// What a function gives back: a value, or an error message.
type Outcome = Result<Value, String>;

/// The longest string any function may build, in characters: Logic Apps'
/// documented limit on a string an expression produces (104,857,600
/// characters). Checked before the string is built.
pub const MAX_TEXT: usize = 104_857_600;

/// The most items `split` and `chunk` may build. Logic Apps documents no
/// item limit for them (only the size of the values); Lapis chooses one
/// million so that a short expression cannot ask for a hundred million
/// one-character strings (gigabytes of memory).
pub const MAX_ITEMS: usize = 1_000_000;

/// The most items `range` may build.
const MAX_RANGE: i64 = 100_000;

/// The largest precision a standard number format may ask for.
const MAX_PRECISION: usize = 1000;

/// Calls the library function `name` (any case) with evaluated `args`.
///
/// Returns `None` when no function of that name lives here (workflow and
/// date functions live elsewhere), so the caller can try the next library.
/// `Some(Err(message))` is a runtime error in the words of the Logic Apps
/// reference. Never panics, whatever the arguments. Names and argument
/// counts come from the one function table, [`registry`].
pub fn call(name: &str, args: &[Value]) -> Option<Result<Value, String>> {
    let info = registry::lookup(name).filter(|f| lives_here(f))?;
    if !info.accepts(args.len()) {
        return Some(Err(arity_error(info.name, info.min, info.max, args.len())));
    }
    let call = Call {
        name: info.name,
        args,
    };
    call.run()
}

/// True for the functions answered by [`call`]: every function of the
/// registry but the workflow and date functions.
fn lives_here(f: &FunctionInfo) -> bool {
    !matches!(f.category, Category::Workflow | Category::DateTime)
}

/// The names of every function answered by [`call`], spelled as in the
/// Logic Apps reference (`toLower`, `uriPathAndQuery`, …).
pub fn names() -> impl Iterator<Item = &'static str> {
    registry::FUNCTIONS
        .iter()
        .filter(|f| lives_here(f))
        .map(|f| f.name)
}

/// How many arguments the function `name` (any case) takes: the least and
/// the most (`None` when there is no upper bound), or `None` when the
/// function does not live here. Read from [`registry`].
pub fn arity(name: &str) -> Option<(usize, Option<usize>)> {
    registry::lookup(name)
        .filter(|f| lives_here(f))
        .map(|f| (f.min, f.max))
}

fn arity_error(name: &str, min: usize, max: Option<usize>, given: usize) -> String {
    let expected = match max {
        Some(max) if max == min => format!("{min}"),
        Some(max) => format!("{min} to {max}"),
        None => format!("at least {min}"),
    };
    format!(
        "The template language function '{name}' expects {expected} parameter(s), but {given} {} given.",
        if given == 1 { "was" } else { "were" }
    )
}

// ---------------------------------------------------------------------------
// Arguments and errors
// ---------------------------------------------------------------------------

/// One call: the function's canonical name and its arguments.
struct Call<'a> {
    name: &'static str,
    args: &'a [Value],
}

const NULL: Value = Value::Null;

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "Null",
        Value::Bool(_) => "Boolean",
        Value::Number(n) if is_integer_text(n) => "Integer",
        Value::Number(_) => "Float",
        Value::String(_) => "String",
        Value::Array(_) => "Array",
        Value::Object(_) if as_decimal(value).is_some() => "Decimal",
        Value::Object(_) => "Object",
    }
}

fn ordinal(index: usize) -> Cow<'static, str> {
    const WORDS: [&str; 10] = [
        "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
        "tenth",
    ];
    match WORDS.get(index) {
        Some(word) => Cow::Borrowed(word),
        None => Cow::Owned(format!("{}th", index + 1)),
    }
}

impl<'a> Call<'a> {
    fn arg(&self, index: usize) -> &'a Value {
        self.args.get(index).unwrap_or(&NULL)
    }

    fn has(&self, index: usize) -> bool {
        index < self.args.len()
    }

    /// "The template language function 'x' <rest>".
    fn error(&self, rest: impl std::fmt::Display) -> String {
        format!("The template language function '{}' {rest}", self.name)
    }

    /// Refuses, before it is built, a string of `chars` characters longer
    /// than [`MAX_TEXT`].
    fn text_fits(&self, chars: usize) -> Result<(), String> {
        if chars > MAX_TEXT {
            return Err(self.error(format_args!(
                "would produce a string longer than the limit of {MAX_TEXT} characters."
            )));
        }
        Ok(())
    }

    /// Refuses, before it is built, an array of more than [`MAX_ITEMS`].
    fn items_fit(&self, items: usize) -> Result<(), String> {
        if items > MAX_ITEMS {
            return Err(self.error(format_args!(
                "would produce more than {MAX_ITEMS} items (the limit Lapis sets on built arrays)."
            )));
        }
        Ok(())
    }

    /// [`to_text`] of an argument, refusing (before building it) the JSON
    /// text of an array or object longer than [`MAX_TEXT`].
    fn text(&self, index: usize) -> Result<Cow<'a, str>, String> {
        let v = self.arg(index);
        if matches!(v, Value::Array(_) | Value::Object(_)) {
            self.text_fits(number::json_chars(v, MAX_TEXT))?;
        }
        Ok(to_text(v))
    }

    fn which(&self, index: usize) -> String {
        if self.args.len() == 1 {
            "its parameter".to_string()
        } else {
            format!("its {} parameter", ordinal(index))
        }
    }

    /// A parameter of the wrong type, in the runtime's words: "expects its
    /// first parameter to be a string. The provided value is of type
    /// 'Null'. Please see https://aka.ms/logicexpressions#split for usage
    /// details." (with the few wordings of its own that the runtime is seen
    /// to use for `replace`, `split` and `if`).
    fn type_error(&self, index: usize, expected: &str) -> String {
        let which = match (self.name, index) {
            ("replace", 0) => "its first parameter 'string'".to_string(),
            _ => self.which(index),
        };
        let expected = match (self.name, index, expected) {
            ("addProperty" | "setProperty" | "removeProperty", _, "an object") => "of type object",
            ("addProperty" | "setProperty" | "removeProperty", _, "a string") => "of type string",
            ("split" | "join", _, "a string") => "of type string",
            ("if", 0, "a boolean") => "of type boolean",
            _ => expected,
        };
        self.error(format_args!(
            "expects {which} to be {expected}. The provided value is of type '{}'. Please see https://aka.ms/logicexpressions#{} for usage details.",
            type_name(self.arg(index)),
            self.name.to_ascii_lowercase()
        ))
    }

    fn not_convertible(&self) -> String {
        self.error(
            "was invoked with a parameter that is not valid. The value cannot be converted to the target type.",
        )
    }

    fn overflow(&self) -> String {
        self.error("resulted in an arithmetic overflow: the value is out of the range of numbers supported.")
    }

    fn string(&self, index: usize) -> Result<&'a str, String> {
        match self.arg(index) {
            Value::String(s) => Ok(s),
            _ => Err(self.type_error(index, "a string")),
        }
    }

    fn optional_string(&self, index: usize) -> Result<Option<&'a str>, String> {
        match self.arg(index) {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s)),
            _ => Err(self.type_error(index, "a string")),
        }
    }

    fn boolean(&self, index: usize) -> Result<bool, String> {
        match self.arg(index) {
            Value::Bool(b) => Ok(*b),
            _ => Err(self.type_error(index, "a boolean")),
        }
    }

    fn integer(&self, index: usize) -> Result<i64, String> {
        let value = self.arg(index);
        match num_of_value(value) {
            Some(Num::Int(i)) => Ok(i),
            Some(Num::Float(f)) if f.fract() == 0.0 && f.abs() < 9.0e18 => Ok(f as i64),
            Some(Num::Dec(d)) if d.fract().is_zero() => {
                i64::try_from(d).map_err(|_| self.overflow())
            }
            Some(_) => Err(self.type_error(index, "an integer")),
            None if matches!(value, Value::Number(_)) => Err(self.overflow()),
            None => Err(self.type_error(index, "an integer")),
        }
    }

    fn number(&self, index: usize) -> Result<Num, String> {
        match self.arg(index) {
            Value::Number(n) => num_of(n).ok_or_else(|| self.overflow()),
            v => num_of_value(v).ok_or_else(|| self.type_error(index, "an integer or a float")),
        }
    }

    fn array(&self, index: usize) -> Result<&'a Vec<Value>, String> {
        match self.arg(index) {
            Value::Array(items) => Ok(items),
            _ => Err(self.type_error(index, "an array")),
        }
    }

    fn object(&self, index: usize) -> Result<&'a Map<String, Value>, String> {
        match self.arg(index) {
            Value::Object(map) => Ok(map),
            _ => Err(self.type_error(index, "an object")),
        }
    }

    /// The function's answer; `None` for a name of the registry that has
    /// no arm here.
    fn run(&self) -> Option<Outcome> {
        let mut here = true;
        let mut answer = || -> Outcome {
            match self.name {
                "chunk" => self.chunk(),
                "concat" => self.concat(),
                "endsWith" => self.ends_with(),
                "formatNumber" => self.format_number(),
                "guid" => self.guid(),
                "indexOf" => self.index_of(),
                "isFloat" => self.is_float(),
                "isInt" => self.is_int(),
                "lastIndexOf" => self.last_index_of(),
                "length" => self.length(),
                "nthIndexOf" => self.nth_index_of(),
                "replace" => self.replace(),
                "slice" => self.slice(),
                "split" => self.split(),
                "startsWith" => self.starts_with(),
                "substring" => self.substring(),
                "toLower" => self.change_case(false),
                "toUpper" => self.change_case(true),
                "trim" => Ok(Value::String(self.string(0)?.trim().to_string())),
                "contains" => self.contains(),
                "createArray" => Ok(Value::Array(self.args.to_vec())),
                "empty" => self.empty(),
                "first" => self.first_or_last(true),
                "intersection" => self.intersection(),
                "join" => self.join(),
                "last" => self.first_or_last(false),
                "range" => self.range(),
                "reverse" => self.reverse(),
                "skip" => self.skip_or_take(true),
                "sort" => self.sort(),
                "take" => self.skip_or_take(false),
                "union" => self.union(),
                "and" => self.and_or(true),
                "or" => self.and_or(false),
                "coalesce" => Ok(self
                    .args
                    .iter()
                    .find(|v| !v.is_null())
                    .cloned()
                    .unwrap_or(Value::Null)),
                "equals" => Ok(Value::Bool(loose_equals(self.arg(0), self.arg(1)))),
                "greater" => self.compare(|o| o == Ordering::Greater),
                "greaterOrEquals" => self.compare(|o| o != Ordering::Less),
                "less" => self.compare(|o| o == Ordering::Less),
                "lessOrEquals" => self.compare(|o| o != Ordering::Greater),
                "if" => {
                    if self.boolean(0)? {
                        Ok(self.arg(1).clone())
                    } else {
                        Ok(self.arg(2).clone())
                    }
                }
                "not" => Ok(Value::Bool(!self.boolean(0)?)),
                "array" => Ok(match self.arg(0) {
                    Value::Array(items) => Value::Array(items.clone()),
                    other => Value::Array(vec![other.clone()]),
                }),
                "base64" => {
                    let bytes = self.bytes(0)?;
                    self.text_fits(base64_len(bytes.len()))?;
                    Ok(Value::String(STANDARD.encode(bytes)))
                }
                "base64ToBinary" => self.base64_to_binary(),
                "base64ToString" | "decodeBase64" => self.base64_to_string(),
                "binary" => {
                    let bytes = self.bytes(0)?;
                    self.text_fits(base64_len(bytes.len()))?;
                    Ok(binary_value(&bytes, OCTET_STREAM))
                }
                "bool" => self.bool(),
                "dataUri" => self.data_uri(),
                "dataUriToBinary" | "decodeDataUri" => {
                    let (media, bytes) = self.parse_data_uri()?;
                    Ok(binary_value(&bytes, &media))
                }
                "dataUriToString" => {
                    let (_, bytes) = self.parse_data_uri()?;
                    Ok(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
                }
                "decodeUriComponent" | "uriComponentToString" => {
                    let bytes = percent_decode(self.string(0)?);
                    Ok(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
                }
                "encodeUriComponent" => {
                    // Real workflows (Microsoft's own templates among them) pass
                    // several parts; they are encoded as one joined text.
                    let mut joined = String::new();
                    let mut encoded = 0usize;
                    for i in 0..self.args.len() {
                        let part = self.text(i)?;
                        encoded = encoded.saturating_add(percent_len(&part));
                        self.text_fits(encoded)?;
                        joined.push_str(&part);
                    }
                    Ok(Value::String(percent_encode(&joined)))
                }
                "uriComponent" => {
                    let text = self.text(0)?;
                    self.text_fits(percent_len(&text))?;
                    Ok(Value::String(percent_encode(&text)))
                }
                "uriComponentToBinary" => {
                    Ok(binary_value(&percent_decode(self.string(0)?), OCTET_STREAM))
                }
                "float" => self.float(),
                "int" => self.int(),
                "json" => self.json(),
                "string" => Ok(Value::String(self.text(0)?.into_owned())),
                "xml" => super::xml::xml(self.arg(0)).map_err(|e| self.error(e)),
                "xpath" => super::xml::xpath(self.arg(0), self.arg(1)).map_err(|e| self.error(e)),
                "add" => self.arithmetic(Op::Add),
                "sub" => self.arithmetic(Op::Sub),
                "mul" => self.arithmetic(Op::Mul),
                "div" => self.arithmetic(Op::Div),
                "mod" => self.arithmetic(Op::Mod),
                "max" => self.min_max(Ordering::Greater),
                "min" => self.min_max(Ordering::Less),
                "rand" => self.rand(),
                "uriHost" => Ok(Value::String(self.uri()?.host)),
                "uriPath" => Ok(Value::String(self.uri()?.path.to_string())),
                "uriPathAndQuery" => {
                    let uri = self.uri()?;
                    Ok(Value::String(format!("{}{}", uri.path, uri.query)))
                }
                "uriPort" => Ok(Value::Number(Number::from(self.uri()?.port))),
                "uriQuery" => Ok(Value::String(self.uri()?.query.to_string())),
                "uriScheme" => Ok(Value::String(self.uri()?.scheme)),
                "addProperty" => self.set_property(true),
                "setProperty" => self.set_property(false),
                "removeProperty" => self.remove_property(),
                "decimal" => self.decimal(),
                _ => {
                    here = false;
                    Ok(Value::Null)
                }
            }
        };
        let outcome = answer();
        here.then_some(outcome)
    }
}

// ---------------------------------------------------------------------------
// Values as text, equality, ordering
// ---------------------------------------------------------------------------

/// The text of a value where a string is wanted (`string`, `concat`,
/// `join`, `@{…}`): null is empty, booleans are `True` and `False`, a
/// number is written as .NET writes it (`30` for `3e1`, `1E+15`), a
/// decimal keeps every digit, binary content is decoded as UTF-8, and
/// arrays and objects are compact JSON in which floats keep their type
/// (`[5.0]`).
pub fn to_text(value: &Value) -> Cow<'_, str> {
    match value {
        Value::Null => Cow::Borrowed(""),
        Value::Bool(true) => Cow::Borrowed("True"),
        Value::Bool(false) => Cow::Borrowed("False"),
        Value::Number(n) => Cow::Owned(number::number_text(n)),
        Value::String(s) => Cow::Borrowed(s),
        Value::Object(map) if is_envelope(map) => match as_binary(value) {
            Some((_, bytes)) => Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()),
            None => Cow::Owned(number::json_text(value)),
        },
        Value::Object(_) => match as_decimal(value) {
            Some(d) => Cow::Owned(d.to_string()),
            None => Cow::Owned(number::json_text(value)),
        },
        Value::Array(_) => Cow::Owned(number::json_text(value)),
    }
}

/// Deep equality of JSON values; numbers (decimals included) compare by
/// value.
fn json_eq(a: &Value, b: &Value) -> bool {
    if let (Some(x), Some(y)) = (num_of_value(a), num_of_value(b)) {
        return num_cmp(x, y) == Ordering::Equal;
    }
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.to_string() == y.to_string(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// `equals`: deep equality, where `null` equals `""` (null becomes an empty
/// string in comparisons) and a boolean equals 1 or 0 (`equals(true, 1)` is
/// true in the reference).
fn loose_equals(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::String(s)) | (Value::String(s), Value::Null) => s.is_empty(),
        (Value::Bool(flag), other) | (other, Value::Bool(flag)) => match num_of_value(other) {
            Some(n) => num_cmp(n, Num::Int(i64::from(*flag))) == Ordering::Equal,
            None => json_eq(a, b),
        },
        _ => json_eq(a, b),
    }
}

/// The characters `char::to_uppercase` or `char::to_lowercase` give.
enum CaseIter {
    Upper(std::char::ToUppercase),
    Lower(std::char::ToLowercase),
}

impl Iterator for CaseIter {
    type Item = char;
    fn next(&mut self) -> Option<char> {
        match self {
            CaseIter::Upper(u) => u.next(),
            CaseIter::Lower(l) => l.next(),
        }
    }
}

/// `greater`, `less` and the others order strings ignoring case, as .NET's
/// `StringComparison.OrdinalIgnoreCase` does (each character upper-cased on
/// its own, then compared by code point).
fn compare_ignoring_case(x: &str, y: &str) -> Ordering {
    fn upper(c: char) -> char {
        let mut u = c.to_uppercase();
        match (u.next(), u.next()) {
            (Some(single), None) => single,
            _ => c,
        }
    }
    x.chars().map(upper).cmp(y.chars().map(upper))
}

impl Call<'_> {
    fn compare(&self, test: impl Fn(Ordering) -> bool) -> Outcome {
        let empty = Value::String(String::new());
        let a = match self.arg(0) {
            Value::Null => &empty,
            other => other,
        };
        let b = match self.arg(1) {
            Value::Null => &empty,
            other => other,
        };
        let ordering = match (a, b) {
            (Value::String(x), Value::String(y)) => compare_ignoring_case(x, y),
            _ if is_number(a) && is_number(b) => num_cmp(self.number(0)?, self.number(1)?),
            _ if (is_number(a) || a.is_string()) && (is_number(b) || b.is_string()) => {
                // The runtime's words (its "two parameter" included).
                return Err(self.error(format_args!(
                    "expects two parameter of matching types. The function was invoked with values of type '{}' and '{}' that do not match.",
                    type_name(self.arg(0)),
                    type_name(self.arg(1))
                )));
            }
            _ => {
                let invalid: Vec<&str> = [a, b]
                    .into_iter()
                    .filter(|v| !is_number(v) && !v.is_string())
                    .map(type_name)
                    .collect();
                return Err(self.error(format_args!(
                    "expects all of its parameters to be either integer or decimal numbers. Found invalid parameter types: '{}'.",
                    invalid.join("', '")
                )));
            }
        };
        Ok(Value::Bool(test(ordering)))
    }
}

// ---------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------

/// A number of one of the three Logic Apps number types.
#[derive(Debug, Clone, Copy)]
enum Num {
    Int(i64),
    Float(f64),
    Dec(Decimal),
}

impl Num {
    fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
            Num::Dec(d) => decimal_to_f64(d),
        }
    }

    /// The number as a decimal, when it fits one.
    fn as_decimal(self) -> Option<Decimal> {
        match self {
            Num::Int(i) => Some(Decimal::from(i)),
            Num::Float(f) => decimal_from_text(&format!("{f}")),
            Num::Dec(d) => Some(d),
        }
    }

    fn is_zero(self) -> bool {
        match self {
            Num::Int(i) => i == 0,
            Num::Float(f) => f == 0.0,
            Num::Dec(d) => d.is_zero(),
        }
    }
}

/// True for a JSON number or a decimal.
fn is_number(v: &Value) -> bool {
    matches!(v, Value::Number(_)) || as_decimal(v).is_some()
}

/// A JSON number as an integer or a finite float; `None` when it is an
/// integer too large for 64 bits or a float out of range.
fn num_of(n: &Number) -> Option<Num> {
    if let Some(i) = n.as_i64() {
        return Some(Num::Int(i));
    }
    if is_integer_text(n) {
        return None;
    }
    n.as_f64().filter(|f| f.is_finite()).map(Num::Float)
}

/// A value as a number: a JSON number or a decimal.
fn num_of_value(v: &Value) -> Option<Num> {
    match v {
        Value::Number(n) => num_of(n),
        Value::Object(_) => as_decimal(v).map(Num::Dec),
        _ => None,
    }
}

fn num_cmp(a: Num, b: Num) -> Ordering {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => x.cmp(&y),
        (Num::Dec(_), _) | (_, Num::Dec(_)) => match (a.as_decimal(), b.as_decimal()) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => a
                .as_f64()
                .partial_cmp(&b.as_f64())
                .unwrap_or(Ordering::Equal),
        },
        _ => a
            .as_f64()
            .partial_cmp(&b.as_f64())
            .unwrap_or(Ordering::Equal),
    }
}

#[derive(Clone, Copy)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

impl Call<'_> {
    /// `add`, `sub`, `mul`, `div`, `mod`: integers stay integers (`div`
    /// truncates) and overflow is an error; if either operand is a float
    /// the result is a float; if either is a decimal (and neither a float
    /// that a decimal cannot hold) the result is a decimal.
    fn arithmetic(&self, op: Op) -> Outcome {
        let a = self.number(0)?;
        let b = self.number(1)?;
        if matches!(op, Op::Div | Op::Mod) && b.is_zero() {
            // The runtime's words (.NET's DivideByZeroException, with the
            // function named), as run records show them.
            return Err(format!(
                "Attempt to divide an integral or decimal value by zero in function '{}'.",
                self.name
            ));
        }
        // The checked operation of integers and decimals alike.
        macro_rules! checked {
            ($x:expr, $y:expr) => {
                match op {
                    Op::Add => $x.checked_add($y),
                    Op::Sub => $x.checked_sub($y),
                    Op::Mul => $x.checked_mul($y),
                    Op::Div => $x.checked_div($y),
                    Op::Mod => $x.checked_rem($y),
                }
            };
        }
        match (a, b) {
            (Num::Int(x), Num::Int(y)) => checked!(x, y)
                .map(|r| Value::Number(Number::from(r)))
                .ok_or_else(|| self.overflow()),
            (Num::Dec(_), _) | (_, Num::Dec(_)) => {
                let (Some(x), Some(y)) = (a.as_decimal(), b.as_decimal()) else {
                    return Err(self.overflow());
                };
                checked!(x, y)
                    .map(decimal_value)
                    .ok_or_else(|| self.overflow())
            }
            _ => {
                let (x, y) = (a.as_f64(), b.as_f64());
                let result = match op {
                    Op::Add => x + y,
                    Op::Sub => x - y,
                    Op::Mul => x * y,
                    Op::Div => x / y,
                    Op::Mod => x % y,
                };
                float_value(result).ok_or_else(|| self.overflow())
            }
        }
    }

    fn min_max(&self, wanted: Ordering) -> Outcome {
        let (items, from_array) = match self.args {
            [Value::Array(items)] => (items.as_slice(), true),
            _ => (self.args, false),
        };
        let mut best: Option<(Num, &Value)> = None;
        for (index, item) in items.iter().enumerate() {
            let num = match num_of_value(item) {
                Some(n) => n,
                None if matches!(item, Value::Number(_)) => return Err(self.overflow()),
                None if from_array => {
                    return Err(self.error(format_args!(
                        "expects an array of numbers. The item at index {index} is of type '{}'.",
                        type_name(item)
                    )))
                }
                None => {
                    return Err(self.type_error(index, "an integer, a float or an array of numbers"))
                }
            };
            if best.is_none_or(|(b, _)| num_cmp(num, b) == wanted) {
                best = Some((num, item));
            }
        }
        match best {
            Some((_, item)) => Ok(item.clone()),
            None => Err(self.error("expects a non-empty array of numbers.")),
        }
    }

    fn rand(&self) -> Outcome {
        let min = self.integer(0)?;
        let max = self.integer(1)?;
        if min > max {
            return Err(self.error(format_args!(
                "expects its minimum value ({min}) to be no greater than its maximum value ({max})."
            )));
        }
        let span = (i128::from(max) - i128::from(min)) as u128;
        if span == 0 {
            return Ok(Value::Number(Number::from(min)));
        }
        let offset = (u128::from(random_u64()) % span) as i128;
        let value = i64::try_from(i128::from(min) + offset).unwrap_or(min);
        Ok(Value::Number(Number::from(value)))
    }

    fn range(&self) -> Outcome {
        let start = self.integer(0)?;
        let count = self.integer(1)?;
        if !(0..=MAX_RANGE).contains(&count) {
            return Err(self.error(format_args!(
                "expects its second parameter 'count' to be a non-negative integer no larger than {MAX_RANGE}; the provided value is {count}."
            )));
        }
        if i128::from(start) + i128::from(count) > i128::from(i32::MAX) {
            return Err(self.error(
                "expects the sum of its parameters 'startIndex' and 'count' to be no larger than 2147483647.",
            ));
        }
        Ok(Value::Array(
            (0..count)
                .map(|k| Value::Number(Number::from(start + k)))
                .collect(),
        ))
    }
}

// ---------------------------------------------------------------------------
// Conversions: int, float, decimal, bool, isInt, isFloat
// ---------------------------------------------------------------------------

/// An integer as `Int64.Parse` reads one (`NumberStyles.Integer`, invariant
/// culture): optional white space around, an optional leading sign,
/// digits. `None` when it is not one or is outside the 64-bit range.
fn parse_int(s: &str) -> Option<i64> {
    match parse_number(s, number::INVARIANT, number::INTEGER)? {
        Parsed::Number(text) => text.parse().ok(),
        _ => None,
    }
}

/// `int()` of text, as runs show it (the IllogicApps emulator's tests,
/// checked against Logic Apps): the text is read as a float
/// (`NumberStyles.Float` with thousands separators, invariant culture), so
/// digits past a double's precision are lost (`int('100000000000000010')`
/// is 100000000000000016); a fraction is an error (`int('1.5')`), as is a
/// value from 2^63 up (`int('9223372036854775807')`, which a double rounds
/// to 2^63); NaN gives -9223372036854775808 (`int('nan')`).
fn int_via_float(s: &str) -> Option<i64> {
    let f = match parse_number(s, number::INVARIANT, number::INT_VIA_FLOAT)? {
        Parsed::Number(text) => text.parse::<f64>().ok()?,
        Parsed::NaN => return Some(i64::MIN),
        Parsed::Infinity(_) => return None,
    };
    // 2^63 is the first double past i64::MAX; -2^63 is i64::MIN itself.
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if f.fract() != 0.0 || !(-TWO_63..TWO_63).contains(&f) {
        return None;
    }
    Some(f as i64)
}

impl Locale {
    fn number_format(&self) -> NumberFormat<'static> {
        NumberFormat {
            decimal: self.decimal,
            group: self.group,
            currency: self.currency,
            infinity: if self.name.is_empty() {
                "Infinity"
            } else {
                "∞"
            },
        }
    }
}

impl Call<'_> {
    /// The culture of an optional locale argument; the invariant culture
    /// when there is none.
    fn number_format(&self, index: usize) -> Result<NumberFormat<'static>, String> {
        match self.optional_string(index)? {
            Some(name) => Ok(self.locale(name)?.number_format()),
            None => Ok(number::INVARIANT),
        }
    }

    fn int(&self) -> Outcome {
        let value = match self.arg(0) {
            Value::String(s) => int_via_float(s),
            v => match num_of_value(v) {
                Some(Num::Int(i)) => Some(i),
                Some(Num::Float(f)) if f.fract() == 0.0 && f.abs() < 9.2e18 => Some(f as i64),
                Some(Num::Dec(d)) if d.fract().is_zero() => i64::try_from(d).ok(),
                _ => None,
            },
        };
        value
            .map(|i| Value::Number(Number::from(i)))
            .ok_or_else(|| self.not_convertible())
    }

    fn float(&self) -> Outcome {
        let format = self.number_format(1)?;
        let value = match self.arg(0) {
            Value::String(s) => match parse_number(s, format, number::FLOAT) {
                Some(Parsed::Number(text)) => text.parse::<f64>().ok(),
                Some(Parsed::NaN | Parsed::Infinity(_)) => {
                    return Err(self.error(format_args!(
                        "was given '{s}', which is a float that JSON cannot hold (NaN and the infinities have no JSON number)."
                    )))
                }
                None => None,
            },
            v => num_of_value(v).map(Num::as_f64),
        };
        match value {
            Some(f) if !f.is_finite() => Err(self
                .error("resulted in a float too large for the float type (it would be Infinity).")),
            Some(f) => float_value(f).ok_or_else(|| self.not_convertible()),
            None => Err(self.not_convertible()),
        }
    }

    fn decimal(&self) -> Outcome {
        let value = match self.arg(0) {
            Value::String(s) => match parse_number(s, number::INVARIANT, number::DECIMAL) {
                Some(Parsed::Number(text)) => decimal_from_text(&text),
                _ => None,
            },
            Value::Number(n) if is_integer_text(n) => decimal_from_text(&n.to_string()),
            v => num_of_value(v).and_then(Num::as_decimal),
        };
        value
            .map(decimal_value)
            .ok_or_else(|| self.not_convertible())
    }

    fn is_int(&self) -> Outcome {
        Ok(Value::Bool(parse_int(self.string(0)?).is_some()))
    }

    fn is_float(&self) -> Outcome {
        let format = self.number_format(1)?;
        Ok(Value::Bool(
            parse_number(self.string(0)?, format, number::FLOAT).is_some(),
        ))
    }

    fn bool(&self) -> Outcome {
        match self.arg(0) {
            Value::Bool(b) => Ok(Value::Bool(*b)),
            Value::String(s) => {
                let s = s.trim_matches(|c: char| c.is_whitespace() || c == '\0');
                if s.eq_ignore_ascii_case("true") {
                    Ok(Value::Bool(true))
                } else if s.eq_ignore_ascii_case("false") {
                    Ok(Value::Bool(false))
                } else {
                    Err(self.not_convertible())
                }
            }
            v => match num_of_value(v) {
                Some(n) => Ok(Value::Bool(!n.is_zero())),
                None if matches!(v, Value::Number(_)) => Ok(Value::Bool(true)),
                None => Err(self.not_convertible()),
            },
        }
    }
}

// ---------------------------------------------------------------------------
// Random numbers and GUIDs
// ---------------------------------------------------------------------------

/// 64 random bits: SipHash with a fresh random key over a counter and the
/// clock. Good for `rand` and `guid`, not for secrets.
fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, AtomicOrdering::Relaxed));
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    hasher.write_u128(nanos);
    hasher.finish()
}

impl Call<'_> {
    fn guid(&self) -> Outcome {
        let format = self.optional_string(0)?.unwrap_or("D");
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&random_u64().to_le_bytes());
        bytes[8..].copy_from_slice(&random_u64().to_le_bytes());
        bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
        bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
        let hex = |range: std::ops::Range<usize>| -> String {
            bytes[range].iter().map(|b| format!("{b:02x}")).collect()
        };
        let dashed = format!(
            "{}-{}-{}-{}-{}",
            hex(0..4),
            hex(4..6),
            hex(6..8),
            hex(8..10),
            hex(10..16)
        );
        let text = match format {
            "" | "D" | "d" => dashed,
            "N" | "n" => hex(0..16),
            "B" | "b" => format!("{{{dashed}}}"),
            "P" | "p" => format!("({dashed})"),
            "X" | "x" => {
                let tail: Vec<String> = bytes[8..].iter().map(|b| format!("0x{b:02x}")).collect();
                format!(
                    "{{0x{},0x{},0x{},{{{}}}}}",
                    hex(0..4),
                    hex(4..6),
                    hex(6..8),
                    tail.join(",")
                )
            }
            _ => {
                return Err(self.error(format_args!(
                    "was invoked with the format '{format}' that is not valid. The format must be one of 'N', 'D', 'B', 'P' or 'X'."
                )))
            }
        };
        Ok(Value::String(text))
    }
}

// ---------------------------------------------------------------------------
// String functions
// ---------------------------------------------------------------------------

/// Simple case folding: the one-character upper case of `c`, or `c`.
fn fold(c: char) -> char {
    let mut upper = c.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

fn folded(s: &str) -> Vec<char> {
    s.chars().map(fold).collect()
}

fn matches_at(text: &[char], pattern: &[char], at: usize) -> bool {
    text.get(at..at + pattern.len()) == Some(pattern)
}

fn int_value(i: usize) -> Value {
    Value::Number(Number::from(i64::try_from(i).unwrap_or(i64::MAX)))
}

impl Call<'_> {
    fn concat(&self) -> Outcome {
        let mut parts = Vec::with_capacity(self.args.len());
        let mut chars = 0usize;
        for i in 0..self.args.len() {
            let part = self.text(i)?;
            chars = chars.saturating_add(part.chars().count());
            self.text_fits(chars)?;
            parts.push(part);
        }
        Ok(Value::String(parts.concat()))
    }

    /// `toUpper` and `toLower` as .NET's invariant casing does them: one
    /// character for one (the simple case mapping, so `ß` stays `ß` and the
    /// length never changes), with the dotless `ı` kept in upper case and
    /// the dotted `İ` kept in lower case, as Windows' invariant culture does.
    fn change_case(&self, upper: bool) -> Outcome {
        let text = self.string(0)?;
        let one = |c: char| -> char {
            if (upper && c == '\u{131}') || (!upper && c == '\u{130}') {
                return c;
            }
            let mut mapped = if upper {
                CaseIter::Upper(c.to_uppercase())
            } else {
                CaseIter::Lower(c.to_lowercase())
            };
            match (mapped.next(), mapped.next()) {
                (Some(single), None) => single,
                _ => c,
            }
        };
        Ok(Value::String(text.chars().map(one).collect()))
    }

    fn substring(&self) -> Outcome {
        let text: Vec<char> = self.string(0)?.chars().collect();
        let start = i128::from(self.integer(1)?);
        let len = text.len() as i128;
        let length = if self.has(2) {
            i128::from(self.integer(2)?)
        } else {
            len - start
        };
        if start < 0 || length < 0 || start + length > len {
            return Err(self.error(
                "parameters are out of range: 'start index' and 'length' must be non-negative integers and their sum must be no larger than the length of the string.",
            ));
        }
        let (start, end) = (start as usize, (start + length) as usize);
        Ok(Value::String(text[start..end].iter().collect()))
    }

    fn slice(&self) -> Outcome {
        let text: Vec<char> = self.string(0)?.chars().collect();
        let len = text.len() as i128;
        let resolve = |index: i128| -> i128 {
            if index < 0 {
                (len + index).max(0)
            } else {
                index.min(len)
            }
        };
        let start = resolve(i128::from(self.integer(1)?));
        let end = if self.has(2) {
            resolve(i128::from(self.integer(2)?))
        } else {
            len
        };
        if start >= end {
            return Ok(Value::String(String::new()));
        }
        Ok(Value::String(
            text[start as usize..end as usize].iter().collect(),
        ))
    }

    fn replace(&self) -> Outcome {
        let text = self.string(0)?;
        let old = self.string(1)?;
        let new = self.string(2)?;
        if old.is_empty() {
            return Err(
                self.error("expects its second parameter 'oldText' to be a non-empty string.")
            );
        }
        let (old_chars, new_chars) = (old.chars().count(), new.chars().count());
        if new_chars > old_chars {
            let found = text.matches(old).count();
            let grown = found.saturating_mul(new_chars - old_chars);
            self.text_fits(text.chars().count().saturating_add(grown))?;
        }
        Ok(Value::String(text.replace(old, new)))
    }

    fn split(&self) -> Outcome {
        let text = self.string(0)?;
        let delimiter = self.string(1)?;
        if delimiter.is_empty() {
            return Ok(Value::Array(vec![Value::String(text.to_string())]));
        }
        self.items_fit(text.matches(delimiter).count().saturating_add(1))?;
        Ok(Value::Array(
            text.split(delimiter)
                .map(|part| Value::String(part.to_string()))
                .collect(),
        ))
    }

    fn index_of(&self) -> Outcome {
        let text = folded(self.string(0)?);
        let search = folded(self.string(1)?);
        let found = (0..=text.len()).find(|&at| matches_at(&text, &search, at));
        Ok(found.map_or(Value::Number(Number::from(-1)), int_value))
    }

    fn last_index_of(&self) -> Outcome {
        let text = folded(self.string(0)?);
        let search = folded(self.string(1)?);
        if search.is_empty() {
            // As documented: both empty gives 0, an empty search text gives
            // the length of the text minus one.
            return Ok(int_value(text.len().saturating_sub(1)));
        }
        let found = (0..=text.len())
            .rev()
            .find(|&at| matches_at(&text, &search, at));
        Ok(found.map_or(Value::Number(Number::from(-1)), int_value))
    }

    fn nth_index_of(&self) -> Outcome {
        let text = folded(self.string(0)?);
        let search = folded(self.string(1)?);
        let occurrence = self.integer(2)?;
        if occurrence == 0 {
            return Err(self.error(
                "expects its third parameter 'occurrence' to be a non-zero integer: positive counts from the start, negative from the end.",
            ));
        }
        let wanted = occurrence.unsigned_abs();
        let mut seen = 0u64;
        let mut check = |at: usize| -> bool {
            if matches_at(&text, &search, at) {
                seen += 1;
            }
            seen == wanted
        };
        let found = if occurrence > 0 {
            (0..=text.len()).find(|&at| check(at))
        } else {
            (0..=text.len()).rev().find(|&at| check(at))
        };
        Ok(found.map_or(Value::Number(Number::from(-1)), int_value))
    }

    fn starts_with(&self) -> Outcome {
        let text = folded(self.string(0)?);
        let search = folded(self.string(1)?);
        Ok(Value::Bool(text.starts_with(&search)))
    }

    fn ends_with(&self) -> Outcome {
        let text = folded(self.string(0)?);
        let search = folded(self.string(1)?);
        Ok(Value::Bool(text.ends_with(&search)))
    }

    fn length(&self) -> Outcome {
        match self.arg(0) {
            Value::String(s) => Ok(int_value(s.chars().count())),
            Value::Array(items) => Ok(int_value(items.len())),
            _ => Err(self.type_error(0, "an array or a string")),
        }
    }

    fn chunk(&self) -> Outcome {
        let size = self.integer(1)?;
        let Some(size) = usize::try_from(size).ok().filter(|&s| s > 0) else {
            return Err(self.error(format_args!(
                "expects its second parameter 'length' to be a positive integer; the provided value is {size}."
            )));
        };
        match self.arg(0) {
            Value::String(s) => {
                self.items_fit(s.chars().count().div_ceil(size))?;
                let mut parts = Vec::new();
                let (mut start, mut count) = (0, 0);
                for (at, _) in s.char_indices() {
                    if count == size {
                        parts.push(Value::String(s[start..at].to_string()));
                        (start, count) = (at, 0);
                    }
                    count += 1;
                }
                if start < s.len() {
                    parts.push(Value::String(s[start..].to_string()));
                }
                Ok(Value::Array(parts))
            }
            Value::Array(items) => Ok(Value::Array(
                items
                    .chunks(size)
                    .map(|part| Value::Array(part.to_vec()))
                    .collect(),
            )),
            _ => Err(self.type_error(0, "a string or an array")),
        }
    }
}

// ---------------------------------------------------------------------------
// Collection functions
// ---------------------------------------------------------------------------

impl Call<'_> {
    fn contains(&self) -> Outcome {
        let item = self.arg(1);
        let found = match self.arg(0) {
            Value::String(s) => s.contains(to_text(item).as_ref()),
            Value::Array(items) => items.iter().any(|v| json_eq(v, item)),
            Value::Object(map) => match item {
                Value::String(key) => map.contains_key(key),
                _ => false,
            },
            _ => return Err(self.type_error(0, "a string, an array or an object")),
        };
        Ok(Value::Bool(found))
    }

    fn empty(&self) -> Outcome {
        let empty = match self.arg(0) {
            Value::Null => true,
            Value::String(s) => s.is_empty(),
            Value::Array(items) => items.is_empty(),
            Value::Object(map) => map.is_empty(),
            _ => return Err(self.type_error(0, "an object, an array or a string")),
        };
        Ok(Value::Bool(empty))
    }

    fn first_or_last(&self, first: bool) -> Outcome {
        match self.arg(0) {
            Value::String(s) => {
                let c = if first {
                    s.chars().next()
                } else {
                    s.chars().last()
                };
                Ok(Value::String(c.map(String::from).unwrap_or_default()))
            }
            Value::Array(items) => {
                let item = if first { items.first() } else { items.last() };
                Ok(item.cloned().unwrap_or(Value::Null))
            }
            _ => Err(self.type_error(0, "an array or a string")),
        }
    }

    fn join(&self) -> Outcome {
        let items = self.array(0)?;
        let delimiter = self.string(1)?;
        let delimiter_chars = delimiter.chars().count();
        let mut chars = delimiter_chars.saturating_mul(items.len().saturating_sub(1));
        self.text_fits(chars)?;
        let mut parts = Vec::with_capacity(items.len());
        for item in items {
            if matches!(item, Value::Array(_) | Value::Object(_)) {
                self.text_fits(chars.saturating_add(number::json_chars(item, MAX_TEXT)))?;
            }
            let part = to_text(item);
            chars = chars.saturating_add(part.chars().count());
            self.text_fits(chars)?;
            parts.push(part);
        }
        Ok(Value::String(parts.join(delimiter)))
    }

    fn skip_or_take(&self, skip: bool) -> Outcome {
        let count = self.integer(1)?;
        let Ok(count) = usize::try_from(count) else {
            return Err(self.error(format_args!(
                "expects its second parameter 'count' to be a non-negative integer; the provided value is {count}."
            )));
        };
        match self.arg(0) {
            Value::String(s) => {
                let chars = s.chars();
                let text: String = if skip {
                    chars.skip(count).collect()
                } else {
                    chars.take(count).collect()
                };
                Ok(Value::String(text))
            }
            Value::Array(items) => {
                let count = count.min(items.len());
                let part = if skip {
                    &items[count..]
                } else {
                    &items[..count]
                };
                Ok(Value::Array(part.to_vec()))
            }
            _ => Err(self.type_error(0, "a string or an array")),
        }
    }

    fn reverse(&self) -> Outcome {
        let mut items = self.array(0)?.clone();
        items.reverse();
        Ok(Value::Array(items))
    }

    /// The collections of `union` and `intersection`: all arrays or all
    /// objects.
    fn collections(&self) -> Result<Collections<'_>, String> {
        if let Some(arrays) = self
            .args
            .iter()
            .map(|a| a.as_array())
            .collect::<Option<Vec<_>>>()
        {
            return Ok(Collections::Arrays(arrays));
        }
        if let Some(objects) = self
            .args
            .iter()
            .map(|a| a.as_object())
            .collect::<Option<Vec<_>>>()
        {
            return Ok(Collections::Objects(objects));
        }
        let types: Vec<&str> = self.args.iter().map(type_name).collect();
        Err(self.error(format_args!(
            "expects parameters of same type: all arrays or all objects. The provided values are of types '{}'.",
            types.join("', '")
        )))
    }

    fn union(&self) -> Outcome {
        match self.collections()? {
            Collections::Arrays(arrays) => {
                let mut out: Vec<Value> = Vec::new();
                for item in arrays.into_iter().flatten() {
                    if !out.iter().any(|v| json_eq(v, item)) {
                        out.push(item.clone());
                    }
                }
                Ok(Value::Array(out))
            }
            Collections::Objects(objects) => {
                let mut out = Map::new();
                for (key, value) in objects.into_iter().flatten() {
                    out.insert(key.clone(), value.clone());
                }
                Ok(Value::Object(out))
            }
        }
    }

    fn intersection(&self) -> Outcome {
        match self.collections()? {
            Collections::Arrays(arrays) => {
                let (first, others) = arrays
                    .split_first()
                    .map_or((&[][..], &[][..]), |(f, o)| (f.as_slice(), o));
                let mut out: Vec<Value> = Vec::new();
                for item in first {
                    let everywhere = others
                        .iter()
                        .all(|array| array.iter().any(|v| json_eq(v, item)));
                    if everywhere && !out.iter().any(|v| json_eq(v, item)) {
                        out.push(item.clone());
                    }
                }
                Ok(Value::Array(out))
            }
            Collections::Objects(objects) => {
                // A property is common when every object has it with an
                // equal value (as runs show: {"a": 1} and {"a": 2} have
                // nothing in common); the value is then the last one.
                let mut out = Map::new();
                if let Some((first, others)) = objects.split_first() {
                    for (key, value) in first.iter() {
                        if others
                            .iter()
                            .all(|o| o.get(key).is_some_and(|v| json_eq(v, value)))
                        {
                            let value = objects
                                .last()
                                .and_then(|o| o.get(key))
                                .unwrap_or(value)
                                .clone();
                            out.insert(key.clone(), value);
                        }
                    }
                }
                Ok(Value::Object(out))
            }
        }
    }

    fn sort(&self) -> Outcome {
        let items = self.array(0)?;
        let key = if self.has(1) {
            Some(self.string(1)?)
        } else {
            None
        };
        let mut keyed: Vec<(&Value, &Value)> = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let sort_value = match key {
                None => item,
                Some(key) => match item.as_object().and_then(|o| o.get(key)) {
                    Some(v) => v,
                    None => {
                        return Err(self.error(format_args!(
                            "expects every item to be an object with the property '{key}'; the item at index {index} has none."
                        )))
                    }
                },
            };
            keyed.push((sort_value, item));
        }
        // Every sort key must be of one primitive kind.
        let kind = |v: &Value| match v {
            _ if is_number(v) => Some(0),
            Value::String(_) => Some(1),
            Value::Bool(_) => Some(2),
            _ => None,
        };
        let mut kinds = keyed.iter().map(|(k, _)| kind(k));
        if let Some(first) = kinds.next() {
            if first.is_none() || kinds.any(|k| k != first) {
                return Err(self.error(
                    "expects the values to sort by to be all numbers, all strings or all booleans.",
                ));
            }
        }
        if keyed
            .iter()
            .any(|(k, _)| is_number(k) && num_of_value(k).is_none())
        {
            return Err(self.overflow());
        }
        keyed.sort_by(|(a, _), (b, _)| match (a, b) {
            (Value::String(x), Value::String(y)) => x.cmp(y),
            (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
            _ => match (num_of_value(a), num_of_value(b)) {
                (Some(x), Some(y)) => num_cmp(x, y),
                _ => Ordering::Equal,
            },
        });
        Ok(Value::Array(
            keyed.into_iter().map(|(_, item)| item.clone()).collect(),
        ))
    }
}

enum Collections<'a> {
    Arrays(Vec<&'a Vec<Value>>),
    Objects(Vec<&'a Map<String, Value>>),
}

// ---------------------------------------------------------------------------
// Logical functions
// ---------------------------------------------------------------------------

impl Call<'_> {
    fn and_or(&self, all: bool) -> Outcome {
        let mut result = all;
        for (index, arg) in self.args.iter().enumerate() {
            let Value::Bool(b) = arg else {
                return Err(self.type_error(index, "a boolean"));
            };
            if all {
                result &= b;
            } else {
                result |= b;
            }
        }
        Ok(Value::Bool(result))
    }
}

// ---------------------------------------------------------------------------
// Binary content, base64, data URIs, URI components, JSON
// ---------------------------------------------------------------------------

const OCTET_STREAM: &str = "application/octet-stream";

/// Base64 as .NET's `Convert.FromBase64String` reads it: white space
/// ignored, padding required (the length a multiple of four), stray low
/// bits in the last character allowed.
const DOTNET_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical)
        .with_decode_allow_trailing_bits(true),
);

fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let compact: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '\t' | '\r' | '\n'))
        .collect();
    DOTNET_BASE64.decode(compact).ok()
}

fn binary_value(bytes: &[u8], content_type: &str) -> Value {
    let mut map = Map::new();
    map.insert(
        "$content-type".to_string(),
        Value::String(content_type.to_string()),
    );
    map.insert(
        "$content".to_string(),
        Value::String(STANDARD.encode(bytes)),
    );
    Value::Object(map)
}

/// An object that is only a content envelope (`$content`, and maybe
/// `$content-type`).
fn is_envelope(map: &Map<String, Value>) -> bool {
    map.get("$content").is_some_and(Value::is_string)
        && map.keys().all(|k| k == "$content" || k == "$content-type")
}

/// The content type and bytes of a binary content envelope.
fn as_binary(value: &Value) -> Option<(&str, Vec<u8>)> {
    let map = value.as_object()?;
    let content = map.get("$content")?.as_str()?;
    let content_type = map
        .get("$content-type")
        .and_then(Value::as_str)
        .unwrap_or(OCTET_STREAM);
    Some((content_type, decode_base64(content)?))
}

/// Characters of standard base64 with padding for `bytes` bytes.
fn base64_len(bytes: usize) -> usize {
    bytes.div_ceil(3).saturating_mul(4)
}

/// Characters [`percent_encode`] writes for `text`.
fn percent_len(text: &str) -> usize {
    text.bytes()
        .map(|b| if unreserved(b) { 1 } else { 3 })
        .sum()
}

fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if unreserved(b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(b) = hex {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

impl<'a> Call<'a> {
    /// The bytes of a value where binary is wanted: the UTF-8 of a string
    /// (or of a number or boolean's text), or a content envelope's bytes.
    fn bytes(&self, index: usize) -> Result<Vec<u8>, String> {
        match self.arg(index) {
            Value::String(s) => Ok(s.as_bytes().to_vec()),
            v @ (Value::Number(_) | Value::Bool(_)) => Ok(to_text(v).as_bytes().to_vec()),
            v @ Value::Object(_) => match as_binary(v) {
                Some((_, bytes)) => Ok(bytes),
                None => Err(self.type_error(index, "a string or binary content")),
            },
            _ => Err(self.type_error(index, "a string or binary content")),
        }
    }

    fn base64_bytes(&self) -> Result<Vec<u8>, String> {
        match self.arg(0) {
            Value::String(s) => decode_base64(s).ok_or_else(|| {
                self.error(
                    "was invoked with a parameter that is not valid. The value cannot be decoded from base64 representation.",
                )
            }),
            v @ Value::Object(_) => match as_binary(v) {
                Some((_, bytes)) => Ok(bytes),
                None => Err(self.type_error(0, "a base64 string")),
            },
            _ => Err(self.type_error(0, "a base64 string")),
        }
    }

    fn base64_to_binary(&self) -> Outcome {
        Ok(binary_value(&self.base64_bytes()?, OCTET_STREAM))
    }

    fn base64_to_string(&self) -> Outcome {
        let bytes = self.base64_bytes()?;
        Ok(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    }

    fn data_uri(&self) -> Outcome {
        let value = self.arg(0);
        if let Value::Object(_) = value {
            if let Some((content_type, bytes)) = as_binary(value) {
                self.text_fits(
                    base64_len(bytes.len()).saturating_add(content_type.chars().count() + 13),
                )?;
                return Ok(Value::String(format!(
                    "data:{content_type};base64,{}",
                    STANDARD.encode(bytes)
                )));
            }
        }
        let bytes = self.bytes(0)?;
        self.text_fits(base64_len(bytes.len()).saturating_add(37))?;
        Ok(Value::String(format!(
            "data:text/plain;charset=utf-8;base64,{}",
            STANDARD.encode(bytes)
        )))
    }

    /// `data:[<media type>][;base64],<data>` → (media type, bytes). The
    /// text is taken as it is (nothing trimmed); a missing media type is
    /// `text/plain;charset=US-ASCII` as RFC 2397 says (`text/plain` when
    /// only parameters are given); base64 data must be valid base64.
    fn parse_data_uri(&self) -> Result<(Cow<'a, str>, Vec<u8>), String> {
        let text = self.string(0)?;
        let not_valid = |why: &str| {
            self.error(format_args!(
                "was invoked with a parameter that is not a data URI ({why}); a data URI is 'data:[<media type>][;base64],<data>'."
            ))
        };
        let rest = match text.get(..5) {
            Some(scheme) if scheme.eq_ignore_ascii_case("data:") => &text[5..],
            _ => return Err(not_valid("the value does not start with 'data:'")),
        };
        let (meta, data) = rest
            .split_once(',')
            .ok_or_else(|| not_valid("the value has no ',' before its data"))?;
        let (media, is_base64) = match meta.len().checked_sub(7).and_then(|at| meta.get(at..)) {
            Some(tail) if tail.eq_ignore_ascii_case(";base64") => (&meta[..meta.len() - 7], true),
            _ => (meta, false),
        };
        if media.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(not_valid("the media type holds white space"));
        }
        let media: Cow<'a, str> = if media.is_empty() {
            Cow::Borrowed("text/plain;charset=US-ASCII")
        } else if media.starts_with(';') {
            Cow::Owned(format!("text/plain{media}"))
        } else {
            if !media.split(';').next().is_some_and(|t| {
                t.split_once('/')
                    .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty())
            }) {
                return Err(not_valid("the media type is not 'type/subtype'"));
            }
            Cow::Borrowed(media)
        };
        let bytes = if is_base64 {
            let decoded = percent_decode(data);
            std::str::from_utf8(&decoded)
                .ok()
                .filter(|d| !d.contains(char::is_whitespace))
                .and_then(decode_base64)
                .ok_or_else(|| not_valid("its data is not valid base64"))?
        } else {
            percent_decode(data)
        };
        Ok((media, bytes))
    }

    fn json(&self) -> Outcome {
        let text: Cow<'_, str> = match self.arg(0) {
            Value::String(s) => Cow::Borrowed(s.as_str()),
            // As documented: a null value gives an empty object.
            Value::Null => return Ok(Value::Object(Map::new())),
            v @ Value::Object(map) if is_envelope(map) => match as_binary(v) {
                Some((content_type, bytes)) => {
                    if super::xml::is_xml_content_type(content_type) {
                        return super::xml::json_of_xml_bytes(&bytes).map_err(|e| self.error(e));
                    }
                    Cow::Owned(String::from_utf8_lossy(&bytes).into_owned())
                }
                None => return Ok(v.clone()),
            },
            other => return Ok(other.clone()),
        };
        let trimmed = text.trim_start_matches('\u{feff}').trim();
        if trimmed.starts_with('<') {
            return Err(self.error(super::xml::json_of_xml_string_error(trimmed)));
        }
        serde_json::from_str::<Value>(trimmed).map_err(|e| {
            let shown: String = trimmed.chars().take(100).collect();
            let more = if trimmed.chars().count() > 100 {
                "…"
            } else {
                ""
            };
            self.error(format_args!(
                "parameter is not valid. The provided value '{shown}{more}' cannot be parsed: {e}."
            ))
        })
    }

    /// `setProperty` and `addProperty`. Property names match ignoring case,
    /// as reads do: `setProperty` replaces the value of the property that
    /// matches (keeping its name and place), `addProperty` refuses a name
    /// that matches an existing one.
    fn set_property(&self, add: bool) -> Outcome {
        let mut map = self.object(0)?.clone();
        let name = self.string(1)?;
        let existing = property_key(&map, name).map(str::to_string);
        match existing {
            Some(key) if add => Err(self.error(format_args!(
                "expects the property to not exist in the object: '{name}' already exists as '{key}' (property names match ignoring case). Use setProperty to change its value."
            ))),
            Some(key) => {
                // The property moves to the end, keeping its spelling, as
                // runs show (`setProperty({"a":1,"b":2}, 'a', 3)` is
                // `{"b":2,"a":3}`).
                map.shift_remove(&key);
                map.insert(key, self.arg(2).clone());
                Ok(Value::Object(map))
            }
            None => {
                map.insert(name.to_string(), self.arg(2).clone());
                Ok(Value::Object(map))
            }
        }
    }

    /// `removeProperty`: removes the property whose name matches (exactly
    /// first, then ignoring case); an object without it is returned as is.
    fn remove_property(&self) -> Outcome {
        let mut map = self.object(0)?.clone();
        let name = self.string(1)?;
        if let Some(key) = property_key(&map, name).map(str::to_string) {
            map.shift_remove(&key);
        }
        Ok(Value::Object(map))
    }
}

/// The key of `map` that `name` selects: the exact name, or else the first
/// that matches ignoring case.
fn property_key<'m>(map: &'m Map<String, Value>, name: &str) -> Option<&'m str> {
    if let Some((key, _)) = map.get_key_value(name) {
        return Some(key);
    }
    map.keys()
        .find(|k| k.eq_ignore_ascii_case(name) || k.to_lowercase() == name.to_lowercase())
        .map(String::as_str)
}

// ---------------------------------------------------------------------------
// URIs
// ---------------------------------------------------------------------------

/// The parts of an absolute URI that the uri… functions return.
struct UriParts<'a> {
    scheme: String,
    host: String,
    port: i64,
    path: Cow<'a, str>,
    query: &'a str,
}

fn default_port(scheme: &str) -> i64 {
    match scheme {
        "http" | "ws" => 80,
        "https" | "wss" => 443,
        "ftp" => 21,
        "sftp" | "ssh" => 22,
        "telnet" => 23,
        "smtp" | "mailto" => 25,
        "gopher" => 70,
        "nntp" => 119,
        "ldap" => 389,
        "ldaps" => 636,
        "net.tcp" => 808,
        _ => -1,
    }
}

impl<'a> Call<'a> {
    fn uri(&self) -> Result<UriParts<'a>, String> {
        let text = self.string(0)?.trim();
        let not_valid = || {
            self.error(format_args!(
                "expects its parameter to be a well-formed absolute URI. The provided value '{text}' is not."
            ))
        };
        let (scheme, rest) = text.split_once(':').ok_or_else(not_valid)?;
        let mut scheme_chars = scheme.chars();
        let scheme_ok = scheme_chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && scheme_chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if !scheme_ok {
            return Err(not_valid());
        }
        let scheme = scheme.to_ascii_lowercase();
        // Drop the fragment, then split the query off.
        let rest = rest.split('#').next().unwrap_or("");
        let (before_query, query) = match rest.find('?') {
            Some(at) => (&rest[..at], &rest[at..]),
            None => (rest, ""),
        };
        let Some(after_slashes) = before_query.strip_prefix("//") else {
            // No authority (mailto:, urn:): the rest is the path.
            return Ok(UriParts {
                port: default_port(&scheme),
                scheme,
                host: String::new(),
                path: Cow::Borrowed(before_query),
                query,
            });
        };
        let (authority, path) = match after_slashes.find('/') {
            Some(at) => (&after_slashes[..at], &after_slashes[at..]),
            None => (after_slashes, ""),
        };
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let (host, port) = if host_port.starts_with('[') {
            let close = host_port.find(']').ok_or_else(not_valid)?;
            let after = &host_port[close + 1..];
            let port = match after.strip_prefix(':') {
                Some(p) => Some(p),
                None if after.is_empty() => None,
                None => return Err(not_valid()),
            };
            (&host_port[..=close], port)
        } else {
            match host_port.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (host_port, None),
            }
        };
        let port = match port {
            None | Some("") => default_port(&scheme),
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                match p.parse::<u16>() {
                    Ok(port) => i64::from(port),
                    Err(_) => return Err(not_valid()),
                }
            }
            Some(_) => return Err(not_valid()),
        };
        if host.is_empty() && scheme != "file" {
            return Err(not_valid());
        }
        let path = if path.is_empty() {
            Cow::Borrowed("/")
        } else {
            Cow::Borrowed(path)
        };
        Ok(UriParts {
            scheme,
            host: host.to_lowercase(),
            port,
            path,
            query,
        })
    }
}

// ---------------------------------------------------------------------------
// formatNumber
// ---------------------------------------------------------------------------

/// The number conventions of one culture, as .NET Framework has them.
struct Locale {
    name: &'static str,
    decimal: &'static str,
    group: &'static str,
    currency: &'static str,
    currency_digits: usize,
    /// .NET `CurrencyPositivePattern`.
    currency_positive: usize,
    /// .NET `CurrencyNegativePattern`.
    currency_negative: usize,
    /// .NET `PercentPositivePattern`.
    percent_positive: usize,
    /// .NET `PercentNegativePattern`.
    percent_negative: usize,
}

const LOCALES: &[Locale] = &[
    Locale {
        name: "en-US",
        decimal: ".",
        group: ",",
        currency: "$",
        currency_digits: 2,
        currency_positive: 0,
        currency_negative: 0,
        percent_positive: 1,
        percent_negative: 1,
    },
    Locale {
        name: "",
        decimal: ".",
        group: ",",
        currency: "¤",
        currency_digits: 2,
        currency_positive: 0,
        currency_negative: 0,
        percent_positive: 0,
        percent_negative: 0,
    },
    Locale {
        name: "en-GB",
        decimal: ".",
        group: ",",
        currency: "£",
        currency_digits: 2,
        currency_positive: 0,
        currency_negative: 1,
        percent_positive: 1,
        percent_negative: 1,
    },
    Locale {
        name: "de-DE",
        decimal: ",",
        group: ".",
        currency: "€",
        currency_digits: 2,
        currency_positive: 3,
        currency_negative: 8,
        percent_positive: 0,
        percent_negative: 0,
    },
    Locale {
        name: "fr-FR",
        decimal: ",",
        group: "\u{a0}",
        currency: "€",
        currency_digits: 2,
        currency_positive: 3,
        currency_negative: 8,
        percent_positive: 0,
        percent_negative: 0,
    },
    Locale {
        name: "es-ES",
        decimal: ",",
        group: ".",
        currency: "€",
        currency_digits: 2,
        currency_positive: 3,
        currency_negative: 8,
        percent_positive: 0,
        percent_negative: 0,
    },
    Locale {
        name: "is-IS",
        decimal: ",",
        group: ".",
        currency: "kr",
        currency_digits: 0,
        currency_positive: 3,
        currency_negative: 8,
        percent_positive: 1,
        percent_negative: 1,
    },
];

fn default_locale() -> &'static Locale {
    &LOCALES[0]
}

fn find_locale(name: &str) -> Option<&'static Locale> {
    let name = name.trim().replace('_', "-");
    if name.is_empty() || name.eq_ignore_ascii_case("invariant") || name.eq_ignore_ascii_case("iv")
    {
        return LOCALES.iter().find(|l| l.name.is_empty());
    }
    LOCALES
        .iter()
        .find(|l| l.name.eq_ignore_ascii_case(&name))
        .or_else(|| {
            // A bare language ("de") picks the first culture of it.
            LOCALES.iter().find(|l| {
                !name.contains('-')
                    && l.name
                        .split('-')
                        .next()
                        .is_some_and(|lang| lang.eq_ignore_ascii_case(&name))
            })
        })
}

impl Call<'_> {
    fn locale(&self, name: &str) -> Result<&'static Locale, String> {
        find_locale(name).ok_or_else(|| {
            let known: Vec<&str> = LOCALES
                .iter()
                .map(|l| if l.name.is_empty() { "'' (invariant)" } else { l.name })
                .collect();
            self.error(format_args!(
                "was invoked with the locale '{name}', which is not supported locally. Supported locales: {}.",
                known.join(", ")
            ))
        })
    }

    fn format_number(&self) -> Outcome {
        // A decimal is formatted from its digits, like any number.
        let decimal =
            as_decimal(self.arg(0)).and_then(|d| std::str::FromStr::from_str(&d.to_string()).ok());
        let number: &Number = match (self.arg(0), &decimal) {
            (Value::Number(n), _) => n,
            (_, Some(n)) => n,
            _ => return Err(self.type_error(0, "an integer or a float")),
        };
        let format = self.string(1)?;
        let locale = match self.optional_string(2)? {
            Some(name) => self.locale(name)?,
            None => default_locale(),
        };
        let dec = Dec::parse(&number.to_string()).ok_or_else(|| self.overflow())?;
        let text = match standard_format(format) {
            Some((spec, precision)) => {
                if precision.is_some_and(|p| p > MAX_PRECISION) {
                    return Err(self.error(format_args!(
                        "was invoked with the format '{format}' whose precision is larger than {MAX_PRECISION}."
                    )));
                }
                format_standard(dec, number, spec, precision, locale).map_err(|why| {
                    self.error(format_args!(
                        "was invoked with the format '{format}' that is not valid: {why}."
                    ))
                })?
            }
            None => format_custom(dec, format, locale),
        };
        Ok(Value::String(text))
    }
}

/// A decimal number: `0.d1 d2 … dn × 10^point`, digits without leading or
/// trailing zeros (none at all for zero).
#[derive(Debug, Clone)]
struct Dec {
    negative: bool,
    digits: Vec<u8>,
    point: i64,
    /// Written as an integer (no fraction, no exponent).
    integer: bool,
}

/// The largest decimal exponent `formatNumber` works with.
const MAX_POINT: i64 = 1000;

impl Dec {
    /// Reads a JSON number's text.
    fn parse(text: &str) -> Option<Dec> {
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
            Some(at) => (&unsigned[..at], Some(&unsigned[at + 1..])),
            None => (unsigned, None),
        };
        let exponent: i64 = match exponent {
            Some(e) => {
                let e = e.strip_prefix('+').unwrap_or(e);
                let digits = e.strip_prefix('-').unwrap_or(e);
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                // Anything past 18 digits is far beyond MAX_POINT anyway.
                e.parse().unwrap_or(if e.starts_with('-') {
                    -MAX_POINT * 10
                } else {
                    MAX_POINT * 10
                })
            }
            None => 0,
        };
        let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if int_part.is_empty() && frac_part.is_empty() {
            return None;
        }
        let mut digits = Vec::with_capacity(int_part.len() + frac_part.len());
        for b in int_part.bytes().chain(frac_part.bytes()) {
            if !b.is_ascii_digit() {
                return None;
            }
            digits.push(b - b'0');
        }
        let point = i64::try_from(int_part.len()).ok()?.checked_add(exponent)?;
        let mut dec = Dec {
            negative,
            digits,
            point,
            integer: exponent == 0 && frac_part.is_empty() && !mantissa.contains('.'),
        };
        dec.normalize();
        if dec.point.abs() > MAX_POINT {
            return None;
        }
        Some(dec)
    }

    fn normalize(&mut self) {
        let leading = self.digits.iter().take_while(|&&d| d == 0).count();
        self.digits.drain(..leading);
        self.point -= leading as i64;
        while self.digits.last() == Some(&0) {
            self.digits.pop();
        }
        if self.digits.is_empty() {
            self.point = 0;
        }
    }

    fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// Keeps the first `keep` digits, rounding half away from zero.
    fn round_keep(&mut self, keep: i64) {
        if keep >= self.digits.len() as i64 {
            return;
        }
        if keep < 0 {
            self.digits.clear();
            self.point = 0;
            return;
        }
        let keep = keep as usize;
        let up = self.digits[keep] >= 5;
        self.digits.truncate(keep);
        if up {
            let mut i = keep;
            loop {
                if i == 0 {
                    self.digits.insert(0, 1);
                    self.point += 1;
                    break;
                }
                i -= 1;
                if self.digits[i] == 9 {
                    self.digits[i] = 0;
                } else {
                    self.digits[i] += 1;
                    break;
                }
            }
        }
        self.normalize();
    }

    /// Rounds to `frac` digits after the decimal point.
    fn round_fraction(&mut self, frac: usize) {
        self.round_keep(self.point.saturating_add(frac as i64));
    }

    /// Rounds to `significant` digits.
    fn round_significant(&mut self, significant: usize) {
        self.round_keep(significant as i64);
    }

    /// The digits before the decimal point ("" when below one).
    fn int_digits(&self) -> String {
        (0..self.point.max(0))
            .map(|i| char::from(b'0' + self.digits.get(i as usize).copied().unwrap_or(0)))
            .collect()
    }

    /// Exactly `n` digits after the decimal point.
    fn frac_digits(&self, n: usize) -> String {
        (0..n as i64)
            .map(|k| {
                let index = self.point + k;
                let digit = if index < 0 {
                    0
                } else {
                    self.digits.get(index as usize).copied().unwrap_or(0)
                };
                char::from(b'0' + digit)
            })
            .collect()
    }

    /// Every digit after the decimal point (none when whole).
    fn all_frac_digits(&self) -> String {
        let len = self.digits.len() as i64;
        self.frac_digits((len - self.point).max(0) as usize)
    }

    fn has_fraction(&self) -> bool {
        self.digits.len() as i64 > self.point
    }
}

/// `"N2"` → `('N', Some(2))`; `None` when the format is a custom pattern.
fn standard_format(format: &str) -> Option<(char, Option<usize>)> {
    let mut chars = format.chars();
    let spec = chars.next().filter(char::is_ascii_alphabetic)?;
    let rest = chars.as_str();
    if rest.is_empty() {
        return Some((spec, None));
    }
    if rest.len() > 9 || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((spec, rest.parse().ok()))
}

fn group_digits(int: &str, separator: &str) -> String {
    let len = int.len();
    let mut out = String::with_capacity(len + len / 3 * separator.len());
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (len - i).is_multiple_of(3) {
            out.push_str(separator);
        }
        out.push(c);
    }
    out
}

/// Integer digits (or "0"), grouped or not, then the decimal separator and
/// `frac` fraction digits.
fn fixed_body(dec: &Dec, frac: usize, grouped: bool, locale: &Locale) -> String {
    let int = dec.int_digits();
    let int = if int.is_empty() { "0".to_string() } else { int };
    let mut body = if grouped {
        group_digits(&int, locale.group)
    } else {
        int
    };
    if frac > 0 {
        body.push_str(locale.decimal);
        body.push_str(&dec.frac_digits(frac));
    }
    body
}

/// Fills a .NET pattern: `n` the number, `$` the currency symbol, `%` the
/// percent sign, `-` the negative sign.
fn fill_pattern(pattern: &str, body: &str, symbol: &str) -> String {
    let mut out = String::new();
    for c in pattern.chars() {
        match c {
            'n' => out.push_str(body),
            '$' | '%' => out.push_str(symbol),
            other => out.push(other),
        }
    }
    out
}

const CURRENCY_POSITIVE: [&str; 4] = ["$n", "n$", "$ n", "n $"];
const CURRENCY_NEGATIVE: [&str; 17] = [
    "($n)", "-$n", "$-n", "$n-", "(n$)", "-n$", "n-$", "n$-", "-n $", "-$ n", "n $-", "$ n-",
    "$ -n", "n- $", "($ n)", "(n $)", "$- n",
];
const PERCENT_POSITIVE: [&str; 4] = ["n %", "n%", "%n", "% n"];
const PERCENT_NEGATIVE: [&str; 12] = [
    "-n %", "-n%", "-%n", "%-n", "%n-", "n-%", "n%-", "-% n", "n %-", "% n-", "% -n", "n- %",
];

fn exponent_text(exp: i64, letter: char, always_sign: bool, min_digits: usize) -> String {
    let sign = if exp < 0 {
        "-"
    } else if always_sign {
        "+"
    } else {
        ""
    };
    format!(
        "{letter}{sign}{}",
        number::zero_pad(&exp.unsigned_abs().to_string(), min_digits)
    )
}

fn format_standard(
    mut dec: Dec,
    number: &Number,
    spec: char,
    precision: Option<usize>,
    locale: &Locale,
) -> Result<String, String> {
    let sign = |dec: &Dec| {
        if dec.negative && !dec.is_zero() {
            "-"
        } else {
            ""
        }
    };
    let text = match spec {
        'C' | 'c' => {
            let frac = precision.unwrap_or(locale.currency_digits);
            dec.round_fraction(frac);
            let body = fixed_body(&dec, frac, true, locale);
            let pattern = if dec.negative && !dec.is_zero() {
                CURRENCY_NEGATIVE[locale.currency_negative]
            } else {
                CURRENCY_POSITIVE[locale.currency_positive]
            };
            fill_pattern(pattern, &body, locale.currency)
        }
        'D' | 'd' => {
            if dec.has_fraction() || !dec.integer {
                return Err("the format 'D' is only valid for integers".to_string());
            }
            let int = dec.int_digits();
            let width = precision.unwrap_or(0).max(1);
            format!("{}{}", sign(&dec), number::zero_pad(&int, width))
        }
        'E' | 'e' => {
            let frac = precision.unwrap_or(6);
            dec.round_significant(frac + 1);
            let exp = if dec.is_zero() { 0 } else { dec.point - 1 };
            let lead = dec.digits.first().copied().unwrap_or(0);
            let mut text = format!("{}{}", sign(&dec), char::from(b'0' + lead));
            if frac > 0 {
                text.push_str(locale.decimal);
                text.extend(
                    (1..=frac).map(|i| char::from(b'0' + dec.digits.get(i).copied().unwrap_or(0))),
                );
            }
            let letter = if spec == 'E' { 'E' } else { 'e' };
            text + &exponent_text(exp, letter, true, 3)
        }
        'F' | 'f' | 'N' | 'n' => {
            let frac = precision.unwrap_or(2);
            dec.round_fraction(frac);
            let grouped = matches!(spec, 'N' | 'n');
            format!("{}{}", sign(&dec), fixed_body(&dec, frac, grouped, locale))
        }
        'G' | 'g' | 'R' | 'r' => {
            let precision = precision.filter(|&p| p > 0 && matches!(spec, 'G' | 'g'));
            let threshold = match precision {
                Some(p) => {
                    dec.round_significant(p);
                    p as i64
                }
                None if dec.integer => i64::MAX,
                None => 15,
            };
            let exp = dec.point - 1;
            if !dec.is_zero() && (exp >= threshold || exp < -5) {
                let mut text = format!("{}{}", sign(&dec), char::from(b'0' + dec.digits[0]));
                if dec.digits.len() > 1 {
                    text.push_str(locale.decimal);
                    text.extend(dec.digits[1..].iter().map(|d| char::from(b'0' + d)));
                }
                let letter = if spec == 'g' { 'e' } else { 'E' };
                text + &exponent_text(exp, letter, true, 2)
            } else {
                let int = dec.int_digits();
                let mut text = format!("{}{}", sign(&dec), if int.is_empty() { "0" } else { &int });
                let frac = dec.all_frac_digits();
                if !frac.is_empty() {
                    text.push_str(locale.decimal);
                    text.push_str(&frac);
                }
                text
            }
        }
        'P' | 'p' => {
            if !dec.is_zero() {
                dec.point += 2;
            }
            let frac = precision.unwrap_or(2);
            dec.round_fraction(frac);
            let body = fixed_body(&dec, frac, true, locale);
            let pattern = if dec.negative && !dec.is_zero() {
                PERCENT_NEGATIVE[locale.percent_negative]
            } else {
                PERCENT_POSITIVE[locale.percent_positive]
            };
            fill_pattern(pattern, &body, "%")
        }
        'X' | 'x' => {
            let Some(value) = number.as_i64().filter(|_| dec.integer) else {
                return Err("the format 'X' is only valid for integers".to_string());
            };
            let width = precision.unwrap_or(0);
            if spec == 'X' {
                format!("{:0width$X}", value as u64)
            } else {
                format!("{:0width$x}", value as u64)
            }
        }
        other => return Err(format!("'{other}' is not a standard number format")),
    };
    Ok(text)
}

/// One piece of a custom number pattern.
#[derive(Debug, Clone)]
enum Tok {
    Zero,
    Hash,
    Point,
    Comma,
    Percent,
    PerMille,
    Exponent {
        upper: bool,
        always_sign: bool,
        digits: usize,
    },
    Literal(String),
}

/// Splits a custom pattern into its `;` sections, minding quotes and
/// escapes.
fn split_sections(format: &str) -> Vec<&str> {
    let mut sections = Vec::new();
    let mut start = 0;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in format.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\\') => escaped = true,
            (None, '\'' | '"') => quote = Some(c),
            (None, ';') => {
                sections.push(&format[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    sections.push(&format[start..]);
    sections
}

fn tokenize(section: &str) -> Vec<Tok> {
    let chars: Vec<char> = section.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    let literal = |toks: &mut Vec<Tok>, text: &str| match toks.last_mut() {
        Some(Tok::Literal(prev)) => prev.push_str(text),
        _ => toks.push(Tok::Literal(text.to_string())),
    };
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '0' => toks.push(Tok::Zero),
            '#' => toks.push(Tok::Hash),
            '.' => toks.push(Tok::Point),
            ',' => toks.push(Tok::Comma),
            '%' => toks.push(Tok::Percent),
            '‰' => toks.push(Tok::PerMille),
            'E' | 'e' => {
                let mut j = i;
                let sign = chars.get(j).copied().filter(|s| *s == '+' || *s == '-');
                if sign.is_some() {
                    j += 1;
                }
                let zeros = chars[j.min(chars.len())..]
                    .iter()
                    .take_while(|&&z| z == '0')
                    .count();
                if zeros > 0 {
                    toks.push(Tok::Exponent {
                        upper: c == 'E',
                        always_sign: sign == Some('+'),
                        digits: zeros.min(10),
                    });
                    i = j + zeros;
                } else {
                    literal(&mut toks, &c.to_string());
                }
            }
            '\\' => {
                if let Some(&next) = chars.get(i) {
                    literal(&mut toks, &next.to_string());
                    i += 1;
                }
            }
            '\'' | '"' => {
                let end = chars[i..]
                    .iter()
                    .position(|&q| q == c)
                    .map_or(chars.len(), |p| i + p);
                let text: String = chars[i..end].iter().collect();
                literal(&mut toks, &text);
                i = end + 1;
            }
            other => literal(&mut toks, &other.to_string()),
        }
    }
    toks
}

/// What a custom pattern section asks for.
struct Layout {
    toks: Vec<Tok>,
    int_placeholders: usize,
    min_int: usize,
    max_frac: usize,
    min_frac: usize,
    grouping: bool,
    /// Power of ten to multiply by (percent, per mille, scaling commas).
    scale: i64,
    exponent: bool,
}

fn layout(section: &str) -> Layout {
    let toks = tokenize(section);
    let point_at = toks.iter().position(|t| matches!(t, Tok::Point));
    let exp_at = toks.iter().position(|t| matches!(t, Tok::Exponent { .. }));
    let int_end = match (point_at, exp_at) {
        (Some(p), Some(e)) => p.min(e),
        (Some(p), None) => p,
        (None, Some(e)) => e,
        (None, None) => toks.len(),
    };
    let is_digit = |t: &Tok| matches!(t, Tok::Zero | Tok::Hash);
    let int_toks = &toks[..int_end];
    let int_placeholders = int_toks.iter().filter(|t| is_digit(t)).count();
    let min_int = int_toks
        .iter()
        .filter(|t| is_digit(t))
        .position(|t| matches!(t, Tok::Zero))
        .map_or(0, |first_zero| int_placeholders - first_zero);
    let first_digit = int_toks.iter().position(is_digit);
    let last_digit = int_toks.iter().rposition(is_digit);
    let mut grouping = false;
    let mut scaling_commas = 0i64;
    for (i, t) in int_toks.iter().enumerate() {
        if matches!(t, Tok::Comma) {
            match (first_digit, last_digit) {
                (Some(f), Some(l)) if i > f && i < l => grouping = true,
                (Some(_), Some(l)) if i > l => scaling_commas += 1,
                _ => {}
            }
        }
    }
    let frac_toks: &[Tok] = match point_at {
        Some(p) if exp_at.is_none_or(|e| e > p) => &toks[p + 1..exp_at.unwrap_or(toks.len())],
        _ => &[],
    };
    let frac_digits: Vec<&Tok> = frac_toks.iter().filter(|t| is_digit(t)).collect();
    let max_frac = frac_digits.len();
    let min_frac = frac_digits
        .iter()
        .rposition(|t| matches!(t, Tok::Zero))
        .map_or(0, |p| p + 1);
    let percents = toks.iter().filter(|t| matches!(t, Tok::Percent)).count() as i64;
    let per_milles = toks.iter().filter(|t| matches!(t, Tok::PerMille)).count() as i64;
    Layout {
        int_placeholders,
        min_int,
        max_frac,
        min_frac,
        grouping,
        scale: (2 * percents + 3 * per_milles - 3 * scaling_commas).clamp(-MAX_POINT, MAX_POINT),
        exponent: exp_at.is_some(),
        toks,
    }
}

/// Scales and rounds `dec` as `layout` asks; returns the exponent to show
/// when the pattern has one.
fn prepare(dec: &mut Dec, layout: &Layout) -> i64 {
    if dec.is_zero() {
        return 0;
    }
    dec.point += layout.scale;
    if !layout.exponent {
        dec.round_fraction(layout.max_frac);
        return 0;
    }
    let int_width = layout.int_placeholders.max(1) as i64;
    let mut exp = dec.point - int_width;
    dec.point = int_width;
    dec.round_fraction(layout.max_frac);
    if !dec.is_zero() && dec.point > int_width {
        exp += dec.point - int_width;
        dec.point = int_width;
    }
    exp
}

fn render(dec: &Dec, exp: i64, layout: &Layout, locale: &Locale) -> String {
    let mut int = dec.int_digits();
    if int.len() < layout.min_int {
        int = number::zero_pad(&int, layout.min_int);
    }
    let mut frac = dec.frac_digits(layout.max_frac);
    while frac.len() > layout.min_frac && frac.ends_with('0') {
        frac.pop();
    }
    let int: Vec<char> = int.chars().collect();
    let frac: Vec<char> = frac.chars().collect();
    let placeholders = layout.int_placeholders;
    let mut out = String::new();
    let push_int_digit = |out: &mut String, index: usize| {
        if let Some(&c) = int.get(index) {
            out.push(c);
            let from_right = int.len() - 1 - index;
            if layout.grouping && from_right > 0 && from_right.is_multiple_of(3) {
                out.push_str(locale.group);
            }
        }
    };
    let mut int_seen = 0usize;
    let mut frac_seen = 0usize;
    let mut after_point = false;
    let mut after_exponent = false;
    for tok in &layout.toks {
        match tok {
            Tok::Zero | Tok::Hash if after_exponent => {}
            Tok::Zero | Tok::Hash if after_point => {
                if let Some(&c) = frac.get(frac_seen) {
                    out.push(c);
                }
                frac_seen += 1;
            }
            Tok::Zero | Tok::Hash => {
                // Placeholder k of n (from the left) shows the digit n-1-k
                // places from the right; the first one also shows every
                // digit further left.
                let from_right = placeholders - 1 - int_seen;
                if int.len() > from_right {
                    let index = int.len() - 1 - from_right;
                    if int_seen == 0 {
                        for i in 0..=index {
                            push_int_digit(&mut out, i);
                        }
                    } else {
                        push_int_digit(&mut out, index);
                    }
                }
                int_seen += 1;
            }
            Tok::Point if !after_point && !after_exponent => {
                if placeholders == 0 {
                    for i in 0..int.len() {
                        push_int_digit(&mut out, i);
                    }
                }
                after_point = true;
                if !frac.is_empty() {
                    out.push_str(locale.decimal);
                }
            }
            Tok::Point | Tok::Comma => {}
            Tok::Percent => out.push('%'),
            Tok::PerMille => out.push('‰'),
            Tok::Exponent {
                upper,
                always_sign,
                digits,
            } => {
                if !after_exponent {
                    let letter = if *upper { 'E' } else { 'e' };
                    out.push_str(&exponent_text(exp, letter, *always_sign, *digits));
                    after_exponent = true;
                }
            }
            Tok::Literal(text) => out.push_str(text),
        }
    }
    out
}

fn format_custom(dec: Dec, format: &str, locale: &Locale) -> String {
    let sections = split_sections(format);
    let first = layout(sections[0]);
    let mut positive = dec.clone();
    positive.negative = false;
    let mut rounded = positive.clone();
    let exp = prepare(&mut rounded, &first);
    let pick = |index: usize| sections.get(index).filter(|s| !s.is_empty());
    if rounded.is_zero() {
        if let Some(zero) = pick(2) {
            let zero_layout = layout(zero);
            let mut value = positive.clone();
            let exp = prepare(&mut value, &zero_layout);
            return render(&value, exp, &zero_layout, locale);
        }
    }
    if dec.negative && !dec.is_zero() {
        if let Some(negative) = pick(1) {
            let negative_layout = layout(negative);
            let mut value = positive;
            let exp = prepare(&mut value, &negative_layout);
            return render(&value, exp, &negative_layout, locale);
        }
        let text = render(&rounded, exp, &first, locale);
        return if rounded.is_zero() {
            text
        } else {
            format!("-{text}")
        };
    }
    render(&rounded, exp, &first, locale)
}
