//! Date and time functions: arithmetic, `formatDateTime` with .NET standard
//! and custom format strings, and time zone conversion (Windows and IANA).
//!
//! A timestamp is what the runtime's .NET `DateTime` is: a count of 100 ns
//! ticks from 0001-01-01T00:00:00 (up to 9999-12-31T23:59:59.9999999) and a
//! kind.
//! - A timestamp written with `Z` or an offset is converted to UTC and is of
//!   UTC kind: `formatDateTime('2018-03-15T13:00:00+01:00')` gives
//!   `2018-03-15T12:00:00.0000000Z`.
//! - One written without a zone (`2018-03-15`, `03/15/2018 12:00:00`) is of
//!   unspecified kind and keeps it through arithmetic: its round-trip form
//!   has no `Z` (`2018-03-15T00:00:00.0000000`), as the reference shows.
//!
//! The default output format is the round-trip `o`. Formats and locales:
//! the standard letters `d D f F g G m M o O r R s t T u U y Y` and every
//! custom specifier (see `format.rs`), in en-US (the default), en-GB,
//! fr-FR, de-DE, es-ES, it-IT, nl-NL or pt-BR. The runtime's machine clock
//! is on UTC, so `z`, `zz` and `zzz` always print a zero offset.
//!
//! Time zones are Windows ids (case and punctuation ignored, so
//! `W Europe Standard Time` works) or IANA names. Converting from a source
//! zone reads the timestamp as a wall-clock time there: one that carries
//! `Z` or an offset is refused unless the source zone is UTC (.NET's
//! `TimeZoneInfo.ConvertTime` refuses it too), a time skipped by a daylight
//! saving change is refused, and a time that happens twice is taken as
//! standard time. A converted time is of unspecified kind (no `Z`), except
//! in UTC.

mod culture;
mod format;
mod parse;
mod zones;

use chrono::{
    DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc,
};
use chrono_tz::OffsetComponents;
use serde_json::Value;

use culture::{Culture, EN_US};
use zones::Zone;

const TICKS_PER_SECOND: i64 = 10_000_000;
const TICKS_PER_MINUTE: i64 = 60 * TICKS_PER_SECOND;
const TICKS_PER_HOUR: i64 = 60 * TICKS_PER_MINUTE;
const TICKS_PER_DAY: i64 = 24 * TICKS_PER_HOUR;
/// Ticks of 9999-12-31T23:59:59.9999999, .NET's `DateTime.MaxValue`.
const MAX_TICKS: i64 = 3_155_378_975_999_999_999;

/// Whether a timestamp is known to be UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Utc,
    Unspecified,
}

/// A .NET `DateTime`: ticks since 0001-01-01T00:00:00 and a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    ticks: i64,
    kind: Kind,
}

impl Stamp {
    /// A stamp, if `ticks` is in .NET's range.
    fn new(ticks: i64, kind: Kind) -> Option<Stamp> {
        (0..=MAX_TICKS)
            .contains(&ticks)
            .then_some(Stamp { ticks, kind })
    }

    fn from_naive(dt: NaiveDateTime, kind: Kind) -> Option<Stamp> {
        let days = i64::from(dt.date().num_days_from_ce()) - 1;
        let secs = i64::from(dt.time().num_seconds_from_midnight());
        let nanos = i64::from(dt.time().nanosecond().min(999_999_999));
        let ticks = days
            .checked_mul(TICKS_PER_DAY)?
            .checked_add(secs * TICKS_PER_SECOND + nanos / 100)?;
        Stamp::new(ticks, kind)
    }

    fn naive(self) -> NaiveDateTime {
        let days = self.ticks.div_euclid(TICKS_PER_DAY);
        let rem = self.ticks.rem_euclid(TICKS_PER_DAY);
        let date = i32::try_from(days + 1)
            .ok()
            .and_then(NaiveDate::from_num_days_from_ce_opt)
            .unwrap_or_default();
        let secs = u32::try_from(rem / TICKS_PER_SECOND).unwrap_or(0);
        let nanos = u32::try_from(rem % TICKS_PER_SECOND * 100).unwrap_or(0);
        let time = NaiveTime::from_num_seconds_from_midnight_opt(secs, nanos).unwrap_or_default();
        date.and_time(time)
    }
}

/// A unit of `addToTime`, `subtractFromTime`, `getFutureTime` and
/// `getPastTime`.
#[derive(Debug, Clone, Copy)]
enum Unit {
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

/// Calls the date or time function `name` (lower case) with evaluated
/// `args`; `now` is the instant `utcNow()` answers.
///
/// Returns `None` when no function of that name lives here.
pub fn call(name: &str, args: &[Value], now: DateTime<Utc>) -> Option<Result<Value, String>> {
    // Names and argument counts come from the one function table.
    let info = super::registry::lookup(name)
        .filter(|f| f.category == super::registry::Category::DateTime)?;
    let (display, min, max) = (info.name, info.min, info.max.unwrap_or(usize::MAX));
    if !info.accepts(args.len()) {
        return Some(Err(arity(display, min, max, args.len())));
    }
    let key = display.to_ascii_lowercase();
    let name = key.as_str();
    let c = Call {
        name: display,
        args,
        now,
    };
    Some(match name {
        "utcnow" => c.utc_now(),
        "adddays" => c.add_fixed(Unit::Day),
        "addhours" => c.add_fixed(Unit::Hour),
        "addminutes" => c.add_fixed(Unit::Minute),
        "addseconds" => c.add_fixed(Unit::Second),
        "addtotime" => c.add_to_time(false),
        "subtractfromtime" => c.add_to_time(true),
        "getfuturetime" => c.relative_to_now(false),
        "getpasttime" => c.relative_to_now(true),
        "formatdatetime" => c.format_date_time(),
        "parsedatetime" => c.parse_date_time(),
        "startofday" | "startofhour" | "startofmonth" => c.start_of(name),
        "dayofweek" | "dayofmonth" | "dayofyear" => c.day_of(name),
        "ticks" => c.ticks(),
        "datedifference" => c.date_difference(),
        "converttimezone" => c.convert_time_zone(),
        "converttoutc" => c.convert_to_utc(),
        "convertfromutc" => c.convert_from_utc(),
        _ => return None,
    })
}

/// The Windows time zone ids that the conversion functions accept (IANA
/// names are accepted too), for completion lists and checks.
pub fn windows_time_zones() -> impl Iterator<Item = &'static str> {
    zones::windows_names()
}

fn count_word(n: usize) -> String {
    match n {
        0 => "zero".into(),
        1 => "one".into(),
        2 => "two".into(),
        3 => "three".into(),
        4 => "four".into(),
        n => n.to_string(),
    }
}

fn arity(name: &str, min: usize, max: usize, got: usize) -> String {
    let expected = if min == max {
        format!(
            "{} parameter{}",
            count_word(min),
            if min == 1 { "" } else { "s" }
        )
    } else if max == min + 1 {
        format!("{} or {} parameters", count_word(min), count_word(max))
    } else {
        format!("{} to {} parameters", count_word(min), count_word(max))
    };
    format!(
        "The template language function '{name}' expects {expected}. \
         The function was invoked with '{got}' parameter(s)."
    )
}

fn ordinal(i: usize) -> &'static str {
    ["first", "second", "third", "fourth"]
        .get(i)
        .copied()
        .unwrap_or("next")
}

fn is_integer_text(n: &serde_json::Number) -> bool {
    n.is_i64() || n.is_u64() || !n.to_string().contains(['.', 'e', 'E'])
}

/// The type of a JSON value in the words of Logic Apps errors.
fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "Null",
        Value::Bool(_) => "Boolean",
        Value::Number(n) if is_integer_text(n) => "Integer",
        Value::Number(_) => "Float",
        Value::String(_) => "String",
        Value::Array(_) => "Array",
        Value::Object(_) => "Object",
    }
}

/// A value for an error message, cut when long.
fn shown(s: &str) -> String {
    let mut out: String = s.chars().take(100).collect();
    if s.chars().nth(100).is_some() {
        out.push('…');
    }
    out
}

/// One call: the function's documented name, its arguments, the clock.
struct Call<'a> {
    name: &'static str,
    args: &'a [Value],
    now: DateTime<Utc>,
}

impl Call<'_> {
    fn invalid(&self, detail: impl std::fmt::Display) -> String {
        format!(
            "The template language function '{}' was invoked with a parameter that is not \
             valid. {detail}",
            self.name
        )
    }

    fn unrepresentable(&self) -> String {
        self.invalid("The added or subtracted value results in an un-representable DateTime.")
    }

    fn arg(&self, i: usize) -> &Value {
        self.args.get(i).unwrap_or(&Value::Null)
    }

    fn today(&self) -> NaiveDate {
        self.now.date_naive()
    }

    /// A required string parameter.
    fn string(&self, i: usize) -> Result<&str, String> {
        match self.arg(i) {
            Value::String(s) => Ok(s),
            v => Err(format!(
                "The template language function '{}' expects its {} parameter to be a string. \
                 The provided value is of type '{}'.",
                self.name,
                ordinal(i),
                type_name(v)
            )),
        }
    }

    /// An optional string parameter: absent, null and empty are `None`.
    fn opt_string(&self, i: usize) -> Result<Option<&str>, String> {
        match self.args.get(i) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(_) => self.string(i).map(Some),
        }
    }

    /// A timestamp parameter.
    fn timestamp(&self, i: usize) -> Result<Stamp, String> {
        let expects = format!(
            "The template language function '{}' expects its {} parameter to be a string that \
             contains the time.",
            self.name,
            ordinal(i)
        );
        let Value::String(s) = self.arg(i) else {
            return Err(format!(
                "{expects} The provided value is of type '{}'.",
                type_name(self.arg(i))
            ));
        };
        parse::lenient(s, &EN_US, self.today()).map_err(|why| {
            format!(
                "{expects} The provided value '{}' is not a valid timestamp: {why}. The datetime \
                 string must match ISO 8601 format.",
                shown(s)
            )
        })
    }

    /// An integer parameter.
    fn integer(&self, i: usize) -> Result<i64, String> {
        match self.arg(i) {
            Value::Number(n) => {
                if let Some(v) = n.as_i64() {
                    Ok(v)
                } else if is_integer_text(n) {
                    Err(self.unrepresentable())
                } else {
                    Err(self.not_integer(i))
                }
            }
            _ => Err(self.not_integer(i)),
        }
    }

    fn not_integer(&self, i: usize) -> String {
        format!(
            "The template language function '{}' expects its {} parameter to be an integer. \
             The provided value is of type '{}'.",
            self.name,
            ordinal(i),
            type_name(self.arg(i))
        )
    }

    fn unit(&self, i: usize) -> Result<Unit, String> {
        let s = self.string(i)?;
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "second" | "seconds" => Unit::Second,
            "minute" | "minutes" => Unit::Minute,
            "hour" | "hours" => Unit::Hour,
            "day" | "days" => Unit::Day,
            "week" | "weeks" => Unit::Week,
            "month" | "months" => Unit::Month,
            "year" | "years" => Unit::Year,
            _ => {
                return Err(self.invalid(format!(
                    "The time unit '{}' is not valid: use one of 'Second', 'Minute', 'Hour', \
                     'Day', 'Week', 'Month' or 'Year'.",
                    shown(s)
                )))
            }
        })
    }

    /// A locale parameter; absent or empty is en-US.
    fn culture(&self, i: usize) -> Result<&'static Culture, String> {
        match self.opt_string(i)? {
            None => Ok(&EN_US),
            Some(name) => culture::find(name).ok_or_else(|| {
                self.invalid(format!(
                    "The locale '{}' is not supported: use one of {}.",
                    shown(name),
                    culture::names()
                ))
            }),
        }
    }

    fn zone(&self, i: usize) -> Result<(Zone, &str), String> {
        let name = self.string(i)?;
        zones::find(name).map(|z| (z, name)).ok_or_else(|| {
            self.invalid(format!(
                "The time zone '{}' was not found: use a Windows time zone id such as \
                 'Pacific Standard Time' or an IANA name such as 'Europe/Paris'.",
                shown(name)
            ))
        })
    }

    /// Formats `stamp` with the optional format parameter at `i`.
    fn output(&self, stamp: Stamp, i: usize) -> Result<Value, String> {
        let fmt = self.opt_string(i)?;
        self.render(stamp, fmt, &EN_US)
    }

    fn render(
        &self,
        stamp: Stamp,
        fmt: Option<&str>,
        culture: &'static Culture,
    ) -> Result<Value, String> {
        let fmt = fmt.unwrap_or("o");
        format::format(stamp, fmt, culture)
            .map(Value::String)
            .map_err(|why| {
                self.invalid(format!(
                    "The format '{}' is not a valid date and time format: {why}.",
                    shown(fmt)
                ))
            })
    }

    fn now_stamp(&self) -> Result<Stamp, String> {
        Stamp::from_naive(self.now.naive_utc(), Kind::Utc)
            .ok_or_else(|| self.invalid("The current time is outside the range of DateTime."))
    }

    fn shift(&self, stamp: Stamp, n: i64, unit: Unit) -> Result<Stamp, String> {
        let per = match unit {
            Unit::Second => TICKS_PER_SECOND,
            Unit::Minute => TICKS_PER_MINUTE,
            Unit::Hour => TICKS_PER_HOUR,
            Unit::Day => TICKS_PER_DAY,
            Unit::Week => 7 * TICKS_PER_DAY,
            Unit::Month => return add_months(stamp, n).ok_or_else(|| self.unrepresentable()),
            Unit::Year => {
                return n
                    .checked_mul(12)
                    .and_then(|m| add_months(stamp, m))
                    .ok_or_else(|| self.unrepresentable())
            }
        };
        n.checked_mul(per)
            .and_then(|d| stamp.ticks.checked_add(d))
            .and_then(|t| Stamp::new(t, stamp.kind))
            .ok_or_else(|| self.unrepresentable())
    }

    fn utc_now(&self) -> Result<Value, String> {
        self.output(self.now_stamp()?, 0)
    }

    fn add_fixed(&self, unit: Unit) -> Result<Value, String> {
        let stamp = self.timestamp(0)?;
        let n = self.integer(1)?;
        self.output(self.shift(stamp, n, unit)?, 2)
    }

    fn add_to_time(&self, subtract: bool) -> Result<Value, String> {
        let stamp = self.timestamp(0)?;
        let mut n = self.integer(1)?;
        let unit = self.unit(2)?;
        if subtract {
            n = n.checked_neg().ok_or_else(|| self.unrepresentable())?;
        }
        self.output(self.shift(stamp, n, unit)?, 3)
    }

    fn relative_to_now(&self, past: bool) -> Result<Value, String> {
        let mut n = self.integer(0)?;
        let unit = self.unit(1)?;
        if past {
            n = n.checked_neg().ok_or_else(|| self.unrepresentable())?;
        }
        self.output(self.shift(self.now_stamp()?, n, unit)?, 2)
    }

    fn format_date_time(&self) -> Result<Value, String> {
        let stamp = self.timestamp(0)?;
        let fmt = self.opt_string(1)?;
        let culture = self.culture(2)?;
        self.render(stamp, fmt, culture)
    }

    fn parse_date_time(&self) -> Result<Value, String> {
        let text = self.string(0)?;
        let culture = self.culture(1)?;
        let fmt = self.opt_string(2)?;
        let stamp = match fmt {
            None => parse::lenient(text, culture, self.today()).map_err(|why| {
                self.invalid(format!(
                    "The value '{}' could not be read as a timestamp in the locale '{}': {why}.",
                    shown(text),
                    culture.name
                ))
            })?,
            Some(f) => parse::exact(text, f, culture, self.today()).map_err(|e| match e {
                parse::ExactError::Format(why) => self.invalid(format!(
                    "The format '{}' is not a valid date and time format: {why}.",
                    shown(f)
                )),
                parse::ExactError::Text(why) => self.invalid(format!(
                    "The value '{}' does not match the format '{}' in the locale '{}': {why}.",
                    shown(text),
                    shown(f),
                    culture.name
                )),
            })?,
        };
        self.render(stamp, None, &EN_US)
    }

    fn start_of(&self, name: &str) -> Result<Value, String> {
        let stamp = self.timestamp(0)?;
        let start = match name {
            "startofday" => Stamp::new(stamp.ticks - stamp.ticks % TICKS_PER_DAY, stamp.kind),
            "startofhour" => Stamp::new(stamp.ticks - stamp.ticks % TICKS_PER_HOUR, stamp.kind),
            _ => {
                let date = stamp.naive().date();
                date.with_day(1)
                    .and_then(|d| Stamp::from_naive(d.and_time(NaiveTime::MIN), stamp.kind))
            }
        };
        self.output(start.unwrap_or(stamp), 1)
    }

    fn day_of(&self, name: &str) -> Result<Value, String> {
        let date = self.timestamp(0)?.naive().date();
        Ok(Value::from(match name {
            "dayofweek" => date.weekday().num_days_from_sunday(),
            "dayofmonth" => date.day(),
            _ => date.ordinal(),
        }))
    }

    fn ticks(&self) -> Result<Value, String> {
        Ok(Value::from(self.timestamp(0)?.ticks))
    }

    fn date_difference(&self) -> Result<Value, String> {
        let start = self.timestamp(0)?;
        let end = self.timestamp(1)?;
        Ok(Value::String(format::timespan(end.ticks - start.ticks)))
    }

    /// The UTC instant of `stamp` read as a wall-clock time in `zone`.
    fn read_in_zone(&self, stamp: Stamp, zone: Zone, name: &str) -> Result<Stamp, String> {
        let tz = match (zone, stamp.kind) {
            (Zone::Utc, _) => {
                return Ok(Stamp {
                    kind: Kind::Utc,
                    ..stamp
                })
            }
            (Zone::Named(_), Kind::Utc) => {
                return Err(self.invalid(format!(
                    "The timestamp carries 'Z' or a UTC offset, so it cannot be read as a time \
                     in the source time zone '{}' (the conversion could not be completed because \
                     the supplied DateTime did not have the Kind property set correctly): remove \
                     the 'Z' or the offset, or give 'UTC' as the source time zone.",
                    shown(name)
                )))
            }
            (Zone::Named(tz), Kind::Unspecified) => tz,
        };
        let local = stamp.naive();
        let at = match tz.from_local_datetime(&local) {
            LocalResult::Single(at) => at,
            LocalResult::Ambiguous(first, second) => {
                if first.offset().dst_offset().is_zero() {
                    first
                } else {
                    second
                }
            }
            LocalResult::None => {
                return Err(self.invalid(format!(
                    "The supplied DateTime represents an invalid time: {} does not exist in the \
                     time zone '{}', whose clocks skip it when daylight saving time starts.",
                    local.format("%Y-%m-%dT%H:%M:%S"),
                    shown(name)
                )))
            }
        };
        Stamp::from_naive(at.naive_utc(), Kind::Utc).ok_or_else(|| self.unrepresentable())
    }

    /// The wall-clock time in `zone` of the UTC instant `utc`.
    fn show_in_zone(&self, utc: Stamp, zone: Zone) -> Result<Stamp, String> {
        match zone {
            Zone::Utc => Ok(Stamp {
                kind: Kind::Utc,
                ..utc
            }),
            Zone::Named(tz) => {
                let local = tz.from_utc_datetime(&utc.naive()).naive_local();
                Stamp::from_naive(local, Kind::Unspecified).ok_or_else(|| self.unrepresentable())
            }
        }
    }

    fn convert_time_zone(&self) -> Result<Value, String> {
        let stamp = self.timestamp(0)?;
        let (source, source_name) = self.zone(1)?;
        let (dest, _) = self.zone(2)?;
        let utc = self.read_in_zone(stamp, source, source_name)?;
        self.output(self.show_in_zone(utc, dest)?, 3)
    }

    fn convert_to_utc(&self) -> Result<Value, String> {
        let stamp = self.timestamp(0)?;
        let (source, source_name) = self.zone(1)?;
        let utc = self.read_in_zone(stamp, source, source_name)?;
        self.output(utc, 2)
    }

    fn convert_from_utc(&self) -> Result<Value, String> {
        let stamp = self.timestamp(0)?;
        let (dest, _) = self.zone(1)?;
        let utc = Stamp {
            kind: Kind::Utc,
            ..stamp
        };
        self.output(self.show_in_zone(utc, dest)?, 2)
    }
}

/// .NET `AddMonths`: the day is clamped to the end of the target month.
fn add_months(stamp: Stamp, months: i64) -> Option<Stamp> {
    let dt = stamp.naive();
    let total = i64::from(dt.year())
        .checked_mul(12)?
        .checked_add(i64::from(dt.month0()))?
        .checked_add(months)?;
    let year = i32::try_from(total.div_euclid(12)).ok()?;
    let month = u32::try_from(total.rem_euclid(12)).ok()? + 1;
    if !(1..=9999).contains(&year) {
        return None;
    }
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = first.checked_add_months(chrono::Months::new(1))?;
    let last_day = next.pred_opt()?.day();
    let date = first.with_day(dt.day().min(last_day))?;
    Stamp::from_naive(date.and_time(dt.time()), stamp.kind)
}
