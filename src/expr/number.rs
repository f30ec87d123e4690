//! Numbers as Logic Apps types them: integers, floats and decimals, read
//! and written the way the .NET runtime behind Logic Apps reads and writes
//! them.
//!
//! Values are `serde_json::Value`s (with `arbitrary_precision`, so a number
//! keeps its text). The three number types are carried like this:
//!
//! - an **integer** is a JSON number written with digits only (`42`, `-1`),
//!   64-bit like the Logic Apps integer type;
//! - a **float** is a JSON number with a fraction or an exponent. Floats
//!   made here are written as Newtonsoft.Json writes a `double`: the
//!   shortest round-trip digits, `E+18`-style exponents, and `.0` when the
//!   digits alone would read as an integer (`5.0`, `1E+15`, `1E-05`);
//! - a **decimal** (from `decimal()`) is, while an expression is evaluated,
//!   the one-key object `{"$decimal": "<digits>"}` ([`DECIMAL_KEY`]), so
//!   that it keeps every digit through `add`, `string`, comparisons and so
//!   on. When the expression's value leaves the evaluator, each decimal
//!   becomes the float nearest to it ([`plain`]), which is what the
//!   reference shows for a decimal "used as a number"
//!   (`decimal('1.2345678912312131')` gives `1.234567891231213`).
//!
//! Text: a number on its own becomes text as .NET Core 3.0+ prints it
//! ([`double_text`]: `30` for `3e1`, `1E+15`, `1E-05`, shortest round-trip
//! digits); inside JSON (an array or object turned into text) a float keeps
//! its type (`[5.0]`), as Newtonsoft writes it ([`json_text`]).

use rust_decimal::Decimal;
use serde_json::{Map, Number, Value};
use std::str::FromStr;

/// The key of the object that carries a decimal during evaluation.
pub const DECIMAL_KEY: &str = "$decimal";

/// True when a JSON number is written as an integer (digits only).
pub fn is_integer_text(n: &Number) -> bool {
    !n.to_string().contains(['.', 'e', 'E'])
}

// ---------------------------------------------------------------------------
// Floats as .NET writes them
// ---------------------------------------------------------------------------

/// The shortest round-trip digits of a finite, non-zero `f` and its
/// decimal exponent: `f = 0.d1d2… × 10^scale`.
fn shortest_digits(f: f64) -> (String, i64) {
    // Rust's `{:e}` is the shortest round-trip form: `1.2345e17`.
    let text = format!("{:e}", f.abs());
    let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    (digits.to_string(), exp + 1)
}

/// A `double` as .NET Core 3.0 and later prints it with `ToString()` (the
/// general format with shortest round-trip digits): `30`, `2.5`,
/// `1E+15`, `1.2345678901234568E+17`, `0.0001`, `1E-05`, `-0`, `NaN`,
/// `Infinity`, `-Infinity`.
pub fn double_text(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let sign = if f.is_sign_negative() { "-" } else { "" };
    if f == 0.0 {
        return format!("{sign}0");
    }
    let (digits, scale) = shortest_digits(f);
    let count = digits.len() as i64;
    // .NET: scientific when the decimal point falls past max(digits, 15)
    // or more than three zeros would follow it.
    if scale > count.max(15) || scale < -3 {
        let (first, rest) = digits.split_at(1);
        let exp = scale - 1;
        let exp_sign = if exp < 0 { '-' } else { '+' };
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        return format!("{sign}{first}{frac}E{exp_sign}{:02}", exp.abs());
    }
    if scale <= 0 {
        let zeros = "0".repeat(usize::try_from(-scale).unwrap_or(0));
        return format!("{sign}0.{zeros}{digits}");
    }
    let scale = usize::try_from(scale).unwrap_or(0);
    if scale >= digits.len() {
        let zeros = "0".repeat(scale - digits.len());
        format!("{sign}{digits}{zeros}")
    } else {
        let (int, frac) = digits.split_at(scale);
        format!("{sign}{int}.{frac}")
    }
}

/// A float as Newtonsoft.Json writes it inside JSON: [`double_text`] with
/// `.0` added when it would otherwise read as an integer.
pub fn json_double_text(f: f64) -> String {
    let mut text = double_text(f);
    if !text.contains(['.', 'E', 'N', 'I']) {
        text.push_str(".0");
    }
    text
}

/// A finite float as a JSON number that stays a float (`5.0`, `1E+15`);
/// `None` for NaN and the infinities, which JSON cannot carry.
pub fn float_number(f: f64) -> Option<Number> {
    if !f.is_finite() {
        return None;
    }
    Number::from_str(&json_double_text(f)).ok()
}

/// A finite float as a JSON value (see [`float_number`]).
pub fn float_value(f: f64) -> Option<Value> {
    float_number(f).map(Value::Number)
}

/// The text of a number on its own: an integer's digits, a float as .NET
/// prints it.
pub fn number_text(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if is_integer_text(n) {
        return n.to_string();
    }
    match n.as_f64() {
        Some(f) => double_text(f),
        None => n.to_string(),
    }
}

// ---------------------------------------------------------------------------
// Decimals
// ---------------------------------------------------------------------------

/// A decimal as a value during evaluation.
pub fn decimal_value(d: Decimal) -> Value {
    let mut map = Map::with_capacity(1);
    map.insert(DECIMAL_KEY.to_string(), Value::String(d.to_string()));
    Value::Object(map)
}

/// The decimal a value carries, if it is one.
pub fn as_decimal(v: &Value) -> Option<Decimal> {
    let Value::Object(map) = v else {
        return None;
    };
    if map.len() != 1 {
        return None;
    }
    Decimal::from_str(map.get(DECIMAL_KEY)?.as_str()?).ok()
}

/// A decimal's nearest float.
pub fn decimal_to_f64(d: Decimal) -> f64 {
    d.to_string().parse().unwrap_or(0.0)
}

/// Reads decimal digits such as `-12.50` or `1.5E+3` (the normalized text
/// of [`parse_number`]) as a decimal, as .NET's `decimal.Parse` does: the
/// scale written is kept (`1.50`), digits past 28 decimal places are
/// rounded away (so `1E-100000` is 0); `None` when the number is beyond
/// the decimal range.
pub fn decimal_from_text(text: &str) -> Option<Decimal> {
    let (mantissa, exp) = match text.find(['e', 'E']) {
        Some(at) => {
            let e = &text[at + 1..];
            let e: i64 = e.strip_prefix('+').unwrap_or(e).parse().ok()?;
            (&text[..at], e)
        }
        None => (text, 0),
    };
    let (negative, unsigned) = match mantissa.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, mantissa),
    };
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) || int.len() + frac.len() == 0 {
        return None;
    }
    if exp == 0 {
        return Decimal::from_str(mantissa).ok();
    }
    let digits: String = format!("{int}{frac}");
    let significant = digits.trim_start_matches('0');
    if significant.is_empty() {
        return Some(Decimal::ZERO);
    }
    // The decimal point, counted from the first significant digit.
    let skipped = (digits.len() - significant.len()) as i64;
    let point = (int.len() as i64).checked_add(exp)?.checked_sub(skipped)?;
    if point > 29 {
        return None;
    }
    if point < -29 {
        return Some(Decimal::ZERO);
    }
    let plain = if point <= 0 {
        format!(
            "0.{}{significant}",
            "0".repeat(point.unsigned_abs() as usize)
        )
    } else if point as usize >= significant.len() {
        format!(
            "{significant}{}",
            "0".repeat(point as usize - significant.len())
        )
    } else {
        let (i, f) = significant.split_at(point as usize);
        format!("{i}.{f}")
    };
    let d = Decimal::from_str(&plain).ok()?;
    Some(if negative { -d } else { d })
}

/// A value with every decimal replaced by its nearest float, for values
/// that leave the evaluator. Returns `None` when there was nothing to do.
pub fn plain(v: &Value) -> Option<Value> {
    match v {
        Value::Object(map) => {
            if let Some(d) = as_decimal(v) {
                return Some(float_value(decimal_to_f64(d)).unwrap_or(Value::Null));
            }
            let mut changed: Option<Map<String, Value>> = None;
            for (i, (k, item)) in map.iter().enumerate() {
                if let Some(new) = plain(item) {
                    let out = changed.get_or_insert_with(|| {
                        map.iter()
                            .take(i)
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect()
                    });
                    out.insert(k.clone(), new);
                } else if let Some(out) = changed.as_mut() {
                    out.insert(k.clone(), item.clone());
                }
            }
            changed.map(Value::Object)
        }
        Value::Array(items) => {
            let mut changed: Option<Vec<Value>> = None;
            for (i, item) in items.iter().enumerate() {
                if let Some(new) = plain(item) {
                    let out = changed.get_or_insert_with(|| items[..i].to_vec());
                    out.push(new);
                } else if let Some(out) = changed.as_mut() {
                    out.push(item.clone());
                }
            }
            changed.map(Value::Array)
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// JSON text as Newtonsoft writes it
// ---------------------------------------------------------------------------

/// Compact JSON text of a value as Logic Apps writes it when it turns an
/// array or object into a string: floats keep a fraction or exponent
/// (`[5.0]`), decimals keep every digit.
pub fn json_text(v: &Value) -> String {
    let mut out = String::new();
    write_json(v, &mut out);
    out
}

fn write_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if is_integer_text(n) {
                out.push_str(&n.to_string());
            } else {
                match n.as_f64().filter(|f| f.is_finite()) {
                    Some(f) => out.push_str(&json_double_text(f)),
                    None => out.push_str(&n.to_string()),
                }
            }
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            if let Some(d) = as_decimal(v) {
                let text = d.to_string();
                out.push_str(&text);
                if !text.contains('.') {
                    out.push_str(".0");
                }
                return;
            }
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(k, out);
                out.push(':');
                write_json(item, out);
            }
            out.push('}');
        }
    }
}

/// The number of characters [`json_text`] would write for `v`, counted
/// without building the text; counting stops (and the answer is some
/// number above `stop_above`) as soon as it passes `stop_above`, so a
/// caller can refuse a text that is too long before allocating it.
pub fn json_chars(v: &Value, stop_above: usize) -> usize {
    let mut n = 0usize;
    count_json(v, &mut n, stop_above);
    n
}

fn count_json(v: &Value, n: &mut usize, stop: usize) {
    if *n > stop {
        return;
    }
    match v {
        Value::Null => *n += 4,
        Value::Bool(b) => *n += if *b { 4 } else { 5 },
        Value::Number(_) => {
            let mut out = String::new();
            write_json(v, &mut out);
            *n += out.chars().count();
        }
        Value::String(s) => *n = n.saturating_add(string_chars(s)),
        Value::Array(items) => {
            *n += 2 + items.len().saturating_sub(1);
            for item in items {
                count_json(item, n, stop);
                if *n > stop {
                    return;
                }
            }
        }
        Value::Object(map) => {
            if as_decimal(v).is_some() {
                let mut out = String::new();
                write_json(v, &mut out);
                *n += out.chars().count();
                return;
            }
            *n += 2 + map.len().saturating_sub(1);
            for (k, item) in map {
                *n = n.saturating_add(string_chars(k) + 1);
                count_json(item, n, stop);
                if *n > stop {
                    return;
                }
            }
        }
    }
}

/// Characters of a string written as a JSON string (quotes and escapes
/// included), as [`write_string`] writes it.
fn string_chars(s: &str) -> usize {
    2 + s
        .chars()
        .map(|c| match c {
            '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
            c if (c as u32) < 0x20 => 6,
            _ => 1,
        })
        .sum::<usize>()
}

/// `digits` left-padded with zeros to `width` characters. `format!`'s
/// `{:0width$}` panics for widths above 65,535 ("Formatting argument out of
/// range"); format strings come from workflows, so widths are not trusted.
pub fn zero_pad(digits: &str, width: usize) -> String {
    let len = digits.chars().count();
    let mut out = String::with_capacity(width.max(len));
    for _ in len..width {
        out.push('0');
    }
    out.push_str(digits);
    out
}

fn write_string(s: &str, out: &mut String) {
    // serde_json escapes quotes, backslashes and control characters, as
    // Newtonsoft does.
    match serde_json::to_string(s) {
        Ok(text) => out.push_str(&text),
        Err(_) => out.push_str("\"\""),
    }
}

// ---------------------------------------------------------------------------
// Reading numbers from text as .NET does
// ---------------------------------------------------------------------------

/// The separators and symbols of one culture that number parsing needs.
#[derive(Debug, Clone, Copy)]
pub struct NumberFormat<'a> {
    /// The decimal separator, e.g. `.`.
    pub decimal: &'a str,
    /// The group (thousands) separator, e.g. `,`.
    pub group: &'a str,
    /// The currency symbol, e.g. `$` (`¤` in the invariant culture).
    pub currency: &'a str,
    /// The infinity symbol: `Infinity` in the invariant culture, `∞` in
    /// the others (ICU's data, which .NET reads).
    pub infinity: &'a str,
}

/// The invariant culture.
pub const INVARIANT: NumberFormat<'static> = NumberFormat {
    decimal: ".",
    group: ",",
    currency: "\u{a4}",
    infinity: "Infinity",
};

/// What .NET's `NumberStyles` allow while reading a number (white space
/// around it and a leading sign are always allowed).
#[derive(Debug, Clone, Copy)]
pub struct Styles {
    /// A decimal point and thousands separators (anywhere in the integer part).
    pub number: bool,
    /// A sign after the number (`200-`).
    pub trailing_sign: bool,
    /// An `E` exponent.
    pub exponent: bool,
    /// Parentheses for a negative number and the culture's currency symbol.
    pub parentheses_and_currency: bool,
    /// The culture's `NaN` and infinity symbols.
    pub symbols: bool,
}

/// `NumberStyles.Any`.
pub const ANY: Styles = Styles {
    number: true,
    trailing_sign: true,
    exponent: true,
    parentheses_and_currency: true,
    symbols: true,
};
/// `NumberStyles.Integer`: what `isInt()` accepts.
pub const INTEGER: Styles = Styles {
    number: false,
    trailing_sign: false,
    exponent: false,
    parentheses_and_currency: false,
    symbols: false,
};
/// What `float()` and `isFloat()` accept, as runs show: `NumberStyles.Number`
/// with an exponent (thousands anywhere, a trailing sign, no parentheses,
/// no currency symbol), and the culture's `NaN` and infinity symbols.
pub const FLOAT: Styles = Styles {
    number: true,
    trailing_sign: true,
    exponent: true,
    parentheses_and_currency: false,
    symbols: true,
};
/// What `decimal()` accepts: `NumberStyles.Number` (no exponent).
pub const DECIMAL: Styles = Styles {
    number: true,
    trailing_sign: true,
    exponent: false,
    parentheses_and_currency: false,
    symbols: false,
};
/// What `int()` reads before it makes a 64-bit integer of it, as runs show
/// (`'1.0'`, `'+1,000'` and `'nan'` are read; `'200-'` is not):
/// `NumberStyles.Float` with thousands separators.
pub const INT_VIA_FLOAT: Styles = Styles {
    number: true,
    trailing_sign: false,
    exponent: true,
    parentheses_and_currency: false,
    symbols: true,
};

/// A number read from text.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    /// Plain decimal text: `-`, digits, an optional `.` and digits (as
    /// written, trailing zeros kept), an optional `E` exponent
    /// (`-12345678`, `10000.333`, `1.50E-3`).
    Number(String),
    /// `NaN`.
    NaN,
    /// `Infinity` (`true`) or `-Infinity` (`false`).
    Infinity(bool),
}

fn is_white(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r')
}

/// Reads `text` as .NET's `Number.TryParse…` does with the given culture
/// and styles. With [`ANY`], thousands separators may stand anywhere in
/// the integer part (`12,3,4,5678`, `12345678,`), the sign may come after
/// the number (`1234567,8+` is 12345678), parentheses mean negative and
/// the culture's currency symbol is ignored. `NaN`, `Infinity` and
/// `-Infinity` are read in any case (as .NET Core 3.0 and later do).
pub fn parse_number(text: &str, fmt: NumberFormat<'_>, styles: Styles) -> Option<Parsed> {
    parse_finite(text, fmt, styles).or_else(|| {
        if !styles.symbols {
            return None;
        }
        let t = text.trim_matches(is_white).to_lowercase();
        let (negative, rest) = match t.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, t.strip_prefix('+').unwrap_or(&t)),
        };
        if rest == "nan" {
            Some(Parsed::NaN)
        } else if rest == fmt.infinity.to_lowercase() {
            Some(Parsed::Infinity(!negative))
        } else {
            None
        }
    })
}

/// Moves past a `+` or `-` at the start of `rest`, noting which.
fn take_sign(rest: &mut &str, negative: &mut bool) -> bool {
    match rest.as_bytes().first() {
        Some(&c @ (b'+' | b'-')) => {
            *negative = c == b'-';
            *rest = &rest[1..];
            true
        }
        _ => false,
    }
}

/// Moves past `symbol` at the start of `rest`.
fn take_symbol(rest: &mut &str, symbol: &str) -> bool {
    match rest.strip_prefix(symbol) {
        Some(after) if !symbol.is_empty() => {
            *rest = after;
            true
        }
        _ => false,
    }
}

fn parse_finite(text: &str, fmt: NumberFormat<'_>, styles: Styles) -> Option<Parsed> {
    let mut rest = text;
    let mut negative = false;
    let mut sign = false;
    let mut parens = false;
    let mut currency = styles.parentheses_and_currency && !fmt.currency.is_empty();
    // Leading white space, sign, parenthesis and currency symbol.
    while let Some(c) = rest.chars().next() {
        if is_white(c) && !sign {
            rest = &rest[c.len_utf8()..];
        } else if !sign && take_sign(&mut rest, &mut negative) {
            sign = true;
        } else if styles.parentheses_and_currency && !sign && c == '(' {
            (sign, parens, negative) = (true, true, true);
            rest = &rest[1..];
        } else if currency && take_symbol(&mut rest, fmt.currency) {
            currency = false;
        } else {
            break;
        }
    }
    // Digits, the decimal separator and group separators.
    let mut int_digits = String::new();
    let mut frac_digits = String::new();
    let mut seen_digit = false;
    let mut seen_decimal = false;
    while let Some(c) = rest.chars().next() {
        if c.is_ascii_digit() {
            seen_digit = true;
            if seen_decimal {
                frac_digits.push(c);
            } else {
                int_digits.push(c);
            }
            rest = &rest[1..];
        } else if styles.number && !seen_decimal && rest.starts_with(fmt.decimal) {
            seen_decimal = true;
            rest = &rest[fmt.decimal.len()..];
        } else if styles.number && seen_digit && !seen_decimal && rest.starts_with(fmt.group) {
            rest = &rest[fmt.group.len()..];
        } else {
            break;
        }
    }
    if !seen_digit {
        return None;
    }
    // An exponent, only when digits follow the `E`.
    let mut exponent = String::new();
    if styles.exponent && rest.starts_with(['e', 'E']) {
        let after = &rest[1..];
        let (exp_negative, digits_at) = if let Some(r) = after.strip_prefix('-') {
            (true, r)
        } else {
            (false, after.strip_prefix('+').unwrap_or(after))
        };
        let digits: String = digits_at.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() {
            if exp_negative {
                exponent.push('-');
            }
            exponent.push_str(&digits);
            rest = &digits_at[digits.len()..];
        }
    }
    // Trailing white space, sign, parenthesis and currency symbol.
    while let Some(c) = rest.chars().next() {
        if is_white(c) {
            rest = &rest[c.len_utf8()..];
        } else if styles.trailing_sign && !sign && take_sign(&mut rest, &mut negative) {
            sign = true;
        } else if parens && take_symbol(&mut rest, ")") {
            parens = false;
        } else if currency && take_symbol(&mut rest, fmt.currency) {
            currency = false;
        } else {
            break;
        }
    }
    // .NET also ignores trailing NUL characters.
    if parens || !rest.chars().all(|c| c == '\0') {
        return None;
    }
    let int = int_digits.trim_start_matches('0');
    let mut out = String::with_capacity(text.len() + 2);
    if negative {
        out.push('-');
    }
    out.push_str(if int.is_empty() { "0" } else { int });
    // Trailing zeros of the fraction are kept: a decimal keeps its scale
    // (`decimal('1.50')` is written `1.50`, as .NET does).
    if !frac_digits.is_empty() {
        out.push('.');
        out.push_str(&frac_digits);
    }
    if !exponent.is_empty() {
        // Exponents past what any type holds are capped, keeping the sign.
        let e: i64 = exponent.parse().unwrap_or(if exponent.starts_with('-') {
            -100_000
        } else {
            100_000
        });
        out.push('E');
        out.push_str(&e.to_string());
    }
    Some(Parsed::Number(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_print_as_dotnet_core_does() {
        let cases: &[(f64, &str)] = &[
            (30.0, "30"),
            (2.5, "2.5"),
            (-60.0, "-60"),
            (1e14, "100000000000000"),
            (1e15, "1E+15"),
            (123456789012345678.0, "1.2345678901234568E+17"),
            (1.5e18, "1.5E+18"),
            (0.0001, "0.0001"),
            (0.00001, "1E-05"),
            ("1.2345678912312131".parse().unwrap(), "1.234567891231213"),
            (0.1 + 0.2, "0.30000000000000004"),
            (-0.0, "-0"),
            (1e300, "1E+300"),
            (5e-324, "5E-324"),
        ];
        for &(f, want) in cases {
            assert_eq!(double_text(f), want, "{f:e}");
        }
        assert_eq!(json_double_text(5.0), "5.0");
        assert_eq!(json_double_text(1e15), "1E+15");
        assert_eq!(json_double_text(-0.0), "-0.0");
        assert_eq!(double_text(f64::NAN), "NaN");
        assert!(float_number(f64::INFINITY).is_none());
    }

    #[test]
    fn numbers_parse_as_dotnet_does() {
        let any = |s: &str| parse_number(s, INVARIANT, ANY);
        let num = |s: &str| Some(Parsed::Number(s.to_string()));
        assert_eq!(any("1234567,8+"), num("12345678"));
        assert_eq!(any("12,3,4,5678"), num("12345678"));
        assert_eq!(any("12345678,"), num("12345678"));
        assert_eq!(any("+12345678,,,,,,,,"), num("12345678"));
        assert_eq!(any("10,000.333"), num("10000.333"));
        assert_eq!(any(" -1.50e3 "), num("-1.50E3"));
        assert_eq!(any("(5)"), num("-5"));
        assert_eq!(any(".5"), num("0.5"));
        assert_eq!(any("5."), num("5"));
        assert_eq!(any("\u{a4}5"), num("5"));
        assert_eq!(any("1e"), None);
        assert_eq!(any(",5"), None);
        assert_eq!(any("1.2.3"), None);
        assert_eq!(any("(5"), None);
        assert_eq!(any("- 5"), None);
        assert_eq!(any("5+-"), None);
        assert_eq!(any(""), None);
        assert_eq!(any("NaN"), Some(Parsed::NaN));
        assert_eq!(any("-infinity"), Some(Parsed::Infinity(false)));
        let de = NumberFormat {
            decimal: ",",
            group: ".",
            currency: "€",
            infinity: "∞",
        };
        assert_eq!(parse_number("10.000,333", de, ANY), num("10000.333"));
        let int = |s: &str| parse_number(s, INVARIANT, INTEGER);
        assert_eq!(int(" -42 "), num("-42"));
        assert_eq!(int("1,000"), None);
        assert_eq!(int("1.0"), None);
        assert_eq!(int("42-"), None);
        assert_eq!(int("NaN"), None);
    }

    #[test]
    fn decimals_leave_the_evaluator_as_floats() {
        let d = Decimal::from_str("1.2345678912312131").unwrap();
        let v = serde_json::json!({"a": [decimal_value(d), 1]});
        let out = plain(&v).unwrap();
        assert_eq!(out.to_string(), r#"{"a":[1.234567891231213,1]}"#);
        assert!(plain(&serde_json::json!({"a": [1, "x"]})).is_none());
        assert_eq!(json_text(&decimal_value(d)), "1.2345678912312131");
        let sample = serde_json::json!([1, 2.5, "a\"\n\u{1}é", {"k\\": null, "b": [true, false]}]);
        assert_eq!(
            json_chars(&sample, usize::MAX),
            json_text(&sample).chars().count()
        );
        assert!(json_chars(&sample, 3) > 3);
        assert_eq!(zero_pad("42", 5), "00042");
        assert_eq!(zero_pad("12345", 2), "12345");
        assert_eq!(zero_pad("7", 70_000).len(), 70_000);
        assert_eq!(
            json_text(&decimal_value(Decimal::from(3))),
            "3.0",
            "Newtonsoft writes a whole decimal with .0"
        );
    }
}
