//! .NET date and time format strings: the standard one-letter formats and
//! the custom specifiers, turned into tokens that both the formatter (here)
//! and the exact parser (`parse.rs`) use.

use chrono::{Datelike, Timelike};

use super::culture::{Culture, EN_US};
use super::{Kind, Stamp, TICKS_PER_SECOND};

/// One element of a custom format string. The number is how many times the
/// specifier letter was repeated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Tok {
    /// `d`, `dd`: day of month; `ddd`, `dddd`: day name.
    Day(usize),
    /// `M`, `MM`: month number; `MMM`, `MMMM`: month name.
    Month(usize),
    /// `y`, `yy`: year in century; `yyy`…: the year padded.
    Year(usize),
    /// `h`, `hh`: hour on a 12-hour clock.
    Hour12(usize),
    /// `H`, `HH`: hour on a 24-hour clock.
    Hour24(usize),
    /// `m`, `mm`.
    Minute(usize),
    /// `s`, `ss`.
    Second(usize),
    /// `f`…`fffffff`: that many digits of the second's fraction.
    Frac(usize),
    /// `F`…`FFFFFFF`: the same without trailing zeros.
    FracTrim(usize),
    /// `t`: first letter of AM/PM; `tt`: the whole designator.
    AmPm(usize),
    /// `g`, `gg`: the era.
    Era,
    /// `K`: `Z` for a UTC time, nothing for an unspecified one.
    Kind,
    /// `z`, `zz`, `zzz`: the offset from UTC.
    Offset(usize),
    /// `:`: the time separator.
    TimeSep,
    /// `/`: the culture's date separator.
    DateSep,
    /// Text copied as it is.
    Lit(String),
}

/// The round-trip pattern of `o` for a `DateTime`.
const ROUND_TRIP: &str = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK";
/// The RFC 1123 pattern of `r`.
const RFC1123: &str = "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'";
/// The sortable pattern of `s`.
const SORTABLE: &str = "yyyy'-'MM'-'dd'T'HH':'mm':'ss";
/// The universal sortable pattern of `u`.
const UNIVERSAL: &str = "yyyy'-'MM'-'dd HH':'mm':'ss'Z'";

/// The pattern a standard format letter stands for, with the culture it is
/// read in (`o`, `r`, `s` and `u` are culture-invariant).
pub(super) fn standard_pattern(
    letter: char,
    culture: &'static Culture,
) -> Result<(String, &'static Culture), String> {
    let c = culture;
    let pattern = match letter {
        'd' => c.short_date.to_string(),
        'D' => c.long_date.to_string(),
        'f' => format!("{} {}", c.long_date, c.short_time),
        'F' | 'U' => format!("{} {}", c.long_date, c.long_time),
        'g' => format!("{} {}", c.short_date, c.short_time),
        'G' => format!("{} {}", c.short_date, c.long_time),
        'm' | 'M' => c.month_day.to_string(),
        't' => c.short_time.to_string(),
        'T' => c.long_time.to_string(),
        'y' | 'Y' => c.year_month.to_string(),
        'o' | 'O' => return Ok((ROUND_TRIP.to_string(), &EN_US)),
        'r' | 'R' => return Ok((RFC1123.to_string(), &EN_US)),
        's' => return Ok((SORTABLE.to_string(), &EN_US)),
        'u' => return Ok((UNIVERSAL.to_string(), &EN_US)),
        other => {
            return Err(format!(
                "'{other}' is not a standard date and time format specifier \
                 (d, D, f, F, g, G, m, M, o, O, r, R, s, t, T, u, U, y, Y); \
                 write a custom format of one letter as '%{other}'"
            ))
        }
    };
    Ok((pattern, culture))
}

/// Splits the format `fmt` into tokens. A format of one character is a
/// standard format and is expanded first; otherwise the string is custom.
pub(super) fn tokens(
    fmt: &str,
    culture: &'static Culture,
) -> Result<(Vec<Tok>, &'static Culture), String> {
    let chars: Vec<char> = fmt.chars().collect();
    if let [letter] = chars[..] {
        let (pattern, culture) = standard_pattern(letter, culture)?;
        let pattern: Vec<char> = pattern.chars().collect();
        return Ok((custom_tokens(&pattern)?, culture));
    }
    Ok((custom_tokens(&chars)?, culture))
}

fn is_specifier(c: char) -> bool {
    matches!(
        c,
        'd' | 'f' | 'F' | 'g' | 'h' | 'H' | 'K' | 'm' | 'M' | 's' | 't' | 'y' | 'z'
    )
}

fn specifier(c: char, run: usize) -> Result<Tok, String> {
    Ok(match c {
        'd' => Tok::Day(run),
        'f' | 'F' if run > 7 => {
            return Err(format!(
                "'{}' asks for more than 7 digits of the second's fraction",
                c.to_string().repeat(run)
            ))
        }
        'f' => Tok::Frac(run),
        'F' => Tok::FracTrim(run),
        'g' => Tok::Era,
        'h' => Tok::Hour12(run),
        'H' => Tok::Hour24(run),
        'K' => Tok::Kind,
        'm' => Tok::Minute(run),
        'M' => Tok::Month(run),
        's' => Tok::Second(run),
        't' => Tok::AmPm(run),
        'y' => Tok::Year(run),
        _ => Tok::Offset(run),
    })
}

fn push_lit(out: &mut Vec<Tok>, text: &str) {
    if let Some(Tok::Lit(last)) = out.last_mut() {
        last.push_str(text);
    } else {
        out.push(Tok::Lit(text.to_string()));
    }
}

/// Tokens of a custom format, by the .NET rules: runs of a specifier
/// letter, `'…'` and `"…"` literals (with `\` escapes inside), `\x`, `%x`
/// for a one-letter custom format, `:` and `/` separators, anything else
/// copied.
fn custom_tokens(chars: &[char]) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            'K' => {
                out.push(Tok::Kind);
                i += 1;
            }
            c if is_specifier(c) => {
                let run = chars[i..].iter().take_while(|&&d| d == c).count();
                out.push(specifier(c, run)?);
                i += run;
            }
            ':' => {
                out.push(Tok::TimeSep);
                i += 1;
            }
            '/' => {
                out.push(Tok::DateSep);
                i += 1;
            }
            '\'' | '"' => {
                let mut text = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(format!(
                                "the quoted text that starts with {c} is not closed"
                            ))
                        }
                        Some(&d) if d == c => {
                            i += 1;
                            break;
                        }
                        Some('\\') => match chars.get(i + 1) {
                            Some(&e) => {
                                text.push(e);
                                i += 2;
                            }
                            None => return Err("the format ends with a lone '\\'".to_string()),
                        },
                        Some(&d) => {
                            text.push(d);
                            i += 1;
                        }
                    }
                }
                push_lit(&mut out, &text);
            }
            '%' => match chars.get(i + 1) {
                Some(&d) if d != '%' => {
                    out.extend(custom_tokens(&[d])?);
                    i += 2;
                }
                _ => {
                    return Err(
                        "'%' must be followed by one format character other than '%'".to_string(),
                    )
                }
            },
            '\\' => match chars.get(i + 1) {
                Some(&d) => {
                    push_lit(&mut out, d.encode_utf8(&mut [0; 4]));
                    i += 2;
                }
                None => return Err("the format ends with a lone '\\'".to_string()),
            },
            _ => {
                push_lit(&mut out, c.encode_utf8(&mut [0; 4]));
                i += 1;
            }
        }
    }
    Ok(out)
}

/// Formats `stamp` with the .NET format `fmt` in `culture`.
pub(super) fn format(stamp: Stamp, fmt: &str, culture: &'static Culture) -> Result<String, String> {
    let (toks, culture) = tokens(fmt, culture)?;
    Ok(render(stamp, &toks, culture))
}

fn pad(out: &mut String, value: u32, width: usize) {
    // Not `{:0width$}`: it panics for widths above 65,535.
    out.push_str(&crate::expr::number::zero_pad(&value.to_string(), width));
}

fn render(stamp: Stamp, toks: &[Tok], c: &Culture) -> String {
    let dt = stamp.naive();
    let year = u32::try_from(dt.year()).unwrap_or(0);
    let dow = dt.weekday().num_days_from_sunday() as usize;
    let month0 = dt.month0() as usize;
    let hour = dt.hour();
    let hour12 = if hour.is_multiple_of(12) {
        12
    } else {
        hour % 12
    };
    let frac = u32::try_from(stamp.ticks.rem_euclid(TICKS_PER_SECOND)).unwrap_or(0);
    let frac7 = format!("{frac:07}");
    let designator = if hour < 12 { c.am } else { c.pm };
    let mut out = String::new();
    for tok in toks {
        match *tok {
            Tok::Day(1) => pad(&mut out, dt.day(), 1),
            Tok::Day(2) => pad(&mut out, dt.day(), 2),
            Tok::Day(3) => out.push_str(c.abbr_days[dow]),
            Tok::Day(_) => out.push_str(c.days[dow]),
            Tok::Month(1) => pad(&mut out, dt.month(), 1),
            Tok::Month(2) => pad(&mut out, dt.month(), 2),
            Tok::Month(3) => out.push_str(c.abbr_months[month0]),
            Tok::Month(_) => out.push_str(c.months[month0]),
            Tok::Year(1) => pad(&mut out, year % 100, 1),
            Tok::Year(2) => pad(&mut out, year % 100, 2),
            Tok::Year(n) => pad(&mut out, year, n),
            Tok::Hour12(n) => pad(&mut out, hour12, n.min(2)),
            Tok::Hour24(n) => pad(&mut out, hour, n.min(2)),
            Tok::Minute(n) => pad(&mut out, dt.minute(), n.min(2)),
            Tok::Second(n) => pad(&mut out, dt.second(), n.min(2)),
            Tok::Frac(n) => out.push_str(&frac7[..n.min(7)]),
            Tok::FracTrim(n) => {
                let digits = frac7[..n.min(7)].trim_end_matches('0');
                if digits.is_empty() {
                    if out.ends_with('.') {
                        out.pop();
                    }
                } else {
                    out.push_str(digits);
                }
            }
            Tok::AmPm(1) => out.extend(designator.chars().next()),
            Tok::AmPm(_) => out.push_str(designator),
            Tok::Era => out.push_str(c.era),
            Tok::Kind => {
                if stamp.kind == Kind::Utc {
                    out.push('Z');
                }
            }
            // The runtime's machine clock is on UTC, so every offset is zero.
            Tok::Offset(1) => out.push_str("+0"),
            Tok::Offset(2) => out.push_str("+00"),
            Tok::Offset(_) => out.push_str("+00:00"),
            Tok::TimeSep => out.push(':'),
            Tok::DateSep => out.push_str(c.date_sep),
            Tok::Lit(ref s) => out.push_str(s),
        }
    }
    out
}

/// A .NET `TimeSpan` in its constant ("c") form: `[-][d.]hh:mm:ss[.fffffff]`.
pub(super) fn timespan(ticks: i64) -> String {
    let sign = if ticks < 0 { "-" } else { "" };
    let t = ticks.unsigned_abs();
    let tps = TICKS_PER_SECOND.unsigned_abs();
    let frac = t % tps;
    let secs = t / tps;
    let days = secs / 86_400;
    let (h, m, s) = (secs / 3600 % 24, secs / 60 % 60, secs % 60);
    let mut out = String::from(sign);
    if days > 0 {
        out.push_str(&format!("{days}."));
    }
    out.push_str(&format!("{h:02}:{m:02}:{s:02}"));
    if frac > 0 {
        out.push_str(&format!(".{frac:07}"));
    }
    out
}
