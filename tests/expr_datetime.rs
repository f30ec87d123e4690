//! The date and time functions, row by row: the examples of the Logic Apps
//! reference, then daylight saving changes, month ends, leap years, every
//! standard format letter, the custom format specifiers, Windows and IANA
//! zones, and the errors.
//!
//! Each row is `(function, arguments, expected)`: the function's name as
//! written in an expression, its evaluated arguments as a JSON array, and
//! either `Ok(result as JSON)` or `Err(a piece of the error message)`. The
//! table is plain data so that the same rows can be fed through the
//! expression parser once it exists.

use chrono::{DateTime, TimeZone, Utc};
use lapis::expr::datetime::{call, windows_time_zones};
use proptest::prelude::*;
use serde_json::Value;

/// A row: function name, arguments (JSON array), result (JSON) or a piece
/// of the error.
pub type Row = (
    &'static str,
    &'static str,
    Result<&'static str, &'static str>,
);

/// The `now` of every row: 2018-03-01T00:00:00Z, the current time that the
/// reference's `getFutureTime` examples suppose.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2018, 3, 1, 0, 0, 0)
        .single()
        .expect("a valid instant")
}

#[path = "tables/datetime.rs"]
mod table;
use table::ROWS;

/// Runs one row; answers a description of the mismatch, if any.
fn check(row: &Row) -> Option<String> {
    let (function, args, expected) = row;
    let args: Vec<Value> = match serde_json::from_str(args) {
        Ok(a) => a,
        Err(e) => return Some(format!("the arguments {args} are not JSON: {e}")),
    };
    let Some(got) = call(&function.to_lowercase(), &args, now()) else {
        return Some(format!("{function} is not a date function"));
    };
    match (expected, got) {
        (Ok(want), Ok(got)) => {
            let want: Value = match serde_json::from_str(want) {
                Ok(w) => w,
                Err(e) => return Some(format!("the expected {want} is not JSON: {e}")),
            };
            (want != got).then(|| format!("{function}{args:?}: want {want}, got {got}"))
        }
        (Err(piece), Err(msg)) => (!msg.contains(piece))
            .then(|| format!("{function}{args:?}: want an error with «{piece}», got «{msg}»")),
        (Ok(want), Err(msg)) => Some(format!(
            "{function}{args:?}: want {want}, got error «{msg}»"
        )),
        (Err(piece), Ok(got)) => Some(format!(
            "{function}{args:?}: want an error with «{piece}», got {got}"
        )),
    }
}

#[test]
fn every_row_of_the_table() {
    let failures: Vec<String> = ROWS.iter().filter_map(check).collect();
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        ROWS.len(),
        failures.join("\n")
    );
}

#[test]
fn every_function_has_rows() {
    for f in [
        "utcNow",
        "addDays",
        "addHours",
        "addMinutes",
        "addSeconds",
        "addToTime",
        "subtractFromTime",
        "getFutureTime",
        "getPastTime",
        "formatDateTime",
        "parseDateTime",
        "startOfDay",
        "startOfHour",
        "startOfMonth",
        "dayOfWeek",
        "dayOfMonth",
        "dayOfYear",
        "ticks",
        "dateDifference",
        "convertTimeZone",
        "convertToUtc",
        "convertFromUtc",
    ] {
        assert!(ROWS.iter().any(|r| r.0 == f), "no row for {f}");
    }
}

#[test]
fn other_names_are_not_date_functions() {
    assert!(call("concat", &[], now()).is_none());
    // Names are looked up in the one function table, in any case.
    assert!(call("ADDDAYS", &[], now()).is_some());
    assert!(call("", &[], now()).is_none());
}

#[test]
fn utc_now_keeps_ticks_and_drops_finer_digits() {
    let now = Utc
        .timestamp_opt(1_521_118_800, 123_456_789)
        .single()
        .expect("a valid instant");
    let got = call("utcnow", &[], now).expect("a date function");
    assert_eq!(got, Ok(Value::from("2018-03-15T13:00:00.1234567Z")));
}

#[test]
fn every_windows_zone_converts() {
    let names: Vec<&str> = windows_time_zones().collect();
    assert!(names.len() >= 135, "only {} Windows zones", names.len());
    for name in names {
        let args = [Value::from("2018-06-01T12:00:00Z"), Value::from(name)];
        let got = call("convertfromutc", &args, now()).expect("a date function");
        assert!(got.is_ok(), "{name}: {got:?}");
        let back = [got.expect("converted"), Value::from(name), Value::from("o")];
        let got = call("converttoutc", &back, now()).expect("a date function");
        // A round trip lands on the same instant, except in the hour that
        // a daylight saving change repeats (none on this date and time).
        assert_eq!(
            got,
            Ok(Value::from("2018-06-01T12:00:00.0000000Z")),
            "{name}"
        );
    }
}

const NAMES: &[&str] = &[
    "utcnow",
    "adddays",
    "addhours",
    "addminutes",
    "addseconds",
    "addtotime",
    "subtractfromtime",
    "getfuturetime",
    "getpasttime",
    "formatdatetime",
    "parsedatetime",
    "startofday",
    "startofhour",
    "startofmonth",
    "dayofweek",
    "dayofmonth",
    "dayofyear",
    "ticks",
    "datedifference",
    "converttimezone",
    "converttoutc",
    "convertfromutc",
];

const WORDS: &[&str] = &[
    "2018-03-15T13:00:00Z",
    "2018-03-15",
    "03/15/2018 12:00:00",
    "9999-12-31T23:59:59.9999999Z",
    "0001-01-01T00:00:00",
    "Thu, 15 Mar 2018 13:00:00 GMT",
    "2018-03-11T02:30:00",
    "o",
    "D",
    "r",
    "yyyy-MM-dd",
    "%",
    "%%",
    "'",
    "\\",
    "fffffffff",
    "FFFFFFF",
    "dddd MMMM d",
    "zzz K",
    "Day",
    "Month",
    "Year",
    "Week",
    "Second",
    "UTC",
    "Pacific Standard Time",
    "Europe/Paris",
    "fr-FR",
    "de-DE",
    "xx",
    "",
    "T",
    "+",
    "-05:00",
    "12 PM",
    "24:00",
    "1/2/3/4",
];

fn arb_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-5000i64..5000).prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        proptest::sample::select(WORDS).prop_map(Value::from),
        ".{0,24}".prop_map(Value::from),
        "[0-9TZ:+./ -]{0,30}".prop_map(Value::from),
        "[dfFghHKmMstyz:/%'\"\\\\ xT.]{0,16}".prop_map(Value::from),
        "[A-Za-z ./()+-]{0,20}".prop_map(Value::from),
        Just(Value::Array(vec![])),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn random_arguments_never_panic(
        name in proptest::sample::select(NAMES),
        args in proptest::collection::vec(arb_value(), 0..5),
        secs in -100_000_000_000i64..300_000_000_000,
        nanos in 0u32..2_000_000_000,
    ) {
        let now = DateTime::from_timestamp(secs, nanos).unwrap_or_default();
        let got = call(name, &args, now);
        prop_assert!(got.is_some());
    }

    #[test]
    fn formatting_what_was_formatted_round_trips(
        ticks in 0i64..=3_155_378_975_999_999_999,
    ) {
        // ticks → a timestamp (via addSeconds from year 1), then 'o', then
        // ticks again.
        let secs = ticks / 10_000_000;
        let base = Value::from("0001-01-01T00:00:00Z");
        let stamp = call("addseconds", &[base, Value::from(secs)], now())
            .expect("a date function")
            .expect("in range");
        let back = call("ticks", &[stamp], now()).expect("a date function");
        prop_assert_eq!(back, Ok(Value::from(secs * 10_000_000)));
    }
}
