//! Reading timestamps: the lenient reader behind every timestamp parameter
//! (ISO 8601 and the forms .NET `DateTime.Parse` takes, such as
//! `03/15/2018 13:00` or `Thu, 15 Mar 2018 13:00:00 GMT`), and the exact
//! reader of `parseDateTime` with a format (.NET `ParseExact`).

use chrono::{Datelike, NaiveDate, NaiveTime};

use super::culture::{Culture, DateOrder, EN_US};
use super::format::{tokens, Tok};
use super::{Kind, Stamp, TICKS_PER_SECOND};

/// Why an exact parse failed.
#[derive(Debug)]
pub(super) enum ExactError {
    /// The format string itself is not valid.
    Format(String),
    /// The text does not match the format.
    Text(String),
}

/// Words that may stand between the parts of a written date ("20 de
/// octubre de 2020", "the 1st of May" is not supported, but "of" is).
const FILLERS: &[&str] = &[
    "de", "del", "of", "the", "le", "la", "der", "den", "at", "à", "om", "feira", "alle", "um",
];

/// A piece of text for the lenient reader.
#[derive(Debug, Clone, PartialEq)]
enum Lex {
    /// ASCII digits.
    Num(String),
    /// Letters, lower-cased.
    Word(String),
    /// Any other character but white space.
    P(char),
}

fn lex(s: &str) -> Vec<Lex> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() {
            let run: String = chars[i..]
                .iter()
                .take_while(|d| d.is_ascii_digit())
                .collect();
            i += run.len();
            out.push(Lex::Num(run));
        } else if c.is_alphabetic() {
            let run: Vec<char> = chars[i..]
                .iter()
                .copied()
                .take_while(|d| d.is_alphabetic())
                .collect();
            i += run.len();
            out.push(Lex::Word(
                run.iter().flat_map(|c| c.to_lowercase()).collect(),
            ));
        } else {
            out.push(Lex::P(c));
            i += 1;
        }
    }
    out
}

/// The value of a run of digits, refusing more than 9 of them.
fn number(digits: &str) -> Result<u32, String> {
    if digits.len() > 9 {
        return Err(format!("the number {digits} is too large"));
    }
    digits
        .parse()
        .map_err(|_| format!("'{digits}' is not a number"))
}

/// Ticks of a second's fraction written with `digits` (rounded to 7).
fn fraction(digits: &str) -> i64 {
    let mut ticks = 0i64;
    for (i, d) in digits.bytes().take(8).enumerate() {
        let d = i64::from(d.saturating_sub(b'0'));
        if i < 7 {
            ticks = ticks * 10 + d;
        } else if d >= 5 {
            ticks += 1;
        }
    }
    let shown = digits.len().min(7);
    for _ in shown..7 {
        ticks *= 10;
    }
    ticks
}

/// A two-digit year, read as .NET does (cut-over 2049).
fn century(year: u32) -> i32 {
    let y = i32::try_from(year).unwrap_or(0);
    if y <= 49 {
        2000 + y
    } else {
        1900 + y
    }
}

/// The first run of letters of a name, lower-cased: "janv." → "janv",
/// "segunda-feira" → "segunda".
fn name_key(name: &str) -> String {
    name.chars()
        .skip_while(|c| !c.is_alphabetic())
        .take_while(|c| c.is_alphabetic())
        .flat_map(char::to_lowercase)
        .collect()
}

fn find_name(word: &str, full: &[&str], abbr: &[&str]) -> Option<usize> {
    full.iter()
        .chain(abbr)
        .position(|n| name_key(n) == word)
        .map(|i| i % full.len())
}

fn month_named(word: &str, c: &Culture) -> Option<u32> {
    find_name(word, &c.months, &c.abbr_months)
        .or_else(|| find_name(word, &EN_US.months, &EN_US.abbr_months))
        .or_else(|| (word == "sept").then_some(8))
        .and_then(|i| u32::try_from(i + 1).ok())
}

fn day_named(word: &str, c: &Culture) -> Option<u32> {
    find_name(word, &c.days, &c.abbr_days)
        .or_else(|| find_name(word, &EN_US.days, &EN_US.abbr_days))
        .and_then(|i| u32::try_from(i).ok())
}

/// `Some(true)` for a PM designator, `Some(false)` for AM.
fn designator(word: &str, c: &Culture) -> Option<bool> {
    let key = |d: &str| -> String {
        d.chars()
            .filter(|c| c.is_alphabetic())
            .flat_map(char::to_lowercase)
            .collect()
    };
    if word == "am" || (!c.am.is_empty() && key(c.am) == word) {
        Some(false)
    } else if word == "pm" || (!c.pm.is_empty() && key(c.pm) == word) {
        Some(true)
    } else {
        None
    }
}

/// A time of day read by the lenient reader: hour, minute, second, ticks.
type Clock = (u32, u32, u32, i64);

/// `h:mm[:ss[.fffffff]]` starting at `toks[i]`; answers the time and the
/// index after it.
fn lex_time(toks: &[Lex], i: usize) -> Result<(Clock, usize), String> {
    let num = |j: usize| match toks.get(j) {
        Some(Lex::Num(d)) => Some(d.as_str()),
        _ => None,
    };
    let p = |j: usize, c: char| toks.get(j) == Some(&Lex::P(c));
    let hour = number(num(i).unwrap_or(""))?;
    let minute = number(num(i + 2).unwrap_or(""))?;
    let mut next = i + 3;
    let mut second = 0;
    let mut frac = 0;
    if p(next, ':') {
        if let Some(d) = num(next + 1) {
            second = number(d)?;
            next += 2;
            if p(next, '.') {
                if let Some(f) = num(next + 1) {
                    frac = fraction(f);
                    next += 2;
                }
            }
        }
    }
    Ok(((hour, minute, second, frac), next))
}

/// A UTC offset after a sign at `toks[i]`: `hh`, `hhmm` or `hh:mm`.
fn lex_offset(toks: &[Lex], i: usize, negative: bool) -> Result<(i64, usize), String> {
    let Some(Lex::Num(d)) = toks.get(i + 1) else {
        return Err("an offset needs hours".to_string());
    };
    let mut next = i + 2;
    let (hours, minutes) = match d.len() {
        1 | 2 => {
            let h = number(d)?;
            match (toks.get(next), toks.get(next + 1)) {
                (Some(Lex::P(':')), Some(Lex::Num(m))) => {
                    next += 2;
                    (h, number(m)?)
                }
                _ => (h, 0),
            }
        }
        4 => (number(&d[..2])?, number(&d[2..])?),
        _ => return Err(format!("the offset '{d}' is not hh:mm")),
    };
    if hours > 14 || minutes > 59 {
        return Err(format!(
            "the offset {hours:02}:{minutes:02} is out of range"
        ));
    }
    let secs = i64::from(hours) * 3600 + i64::from(minutes) * 60;
    Ok((if negative { -secs } else { secs }, next))
}

/// The parts of a timestamp, before they become a [`Stamp`].
struct Parts {
    date: NaiveDate,
    hour: u32,
    minute: u32,
    second: u32,
    frac: i64,
    /// Seconds east of UTC, when the text named an offset or `Z`.
    offset: Option<i64>,
}

impl Parts {
    fn finish(self) -> Result<Stamp, String> {
        let time =
            NaiveTime::from_hms_opt(self.hour, self.minute, self.second).ok_or_else(|| {
                format!(
                    "the time of day {:02}:{:02}:{:02} is out of range",
                    self.hour, self.minute, self.second
                )
            })?;
        let out_of_range = || "the date is outside the range 0001-01-01 to 9999-12-31".to_string();
        let local = Stamp::from_naive(self.date.and_time(time), Kind::Unspecified)
            .and_then(|s| Stamp::new(s.ticks.checked_add(self.frac)?, Kind::Unspecified))
            .ok_or_else(out_of_range)?;
        match self.offset {
            None => Ok(local),
            Some(secs) => local
                .ticks
                .checked_sub(secs * TICKS_PER_SECOND)
                .and_then(|t| Stamp::new(t, Kind::Utc))
                .ok_or_else(out_of_range),
        }
    }
}

/// Adjusts an hour for an AM/PM designator, as .NET does.
fn twelve_hour(hour: u32, pm: Option<bool>) -> Result<u32, String> {
    match pm {
        None => Ok(hour),
        Some(_) if hour > 12 => Err(format!("the hour {hour} cannot go with AM or PM")),
        Some(pm) => Ok(hour % 12 + if pm { 12 } else { 0 }),
    }
}

fn check_day_name(date: NaiveDate, dow: Option<u32>) -> Result<(), String> {
    match dow {
        Some(d) if date.weekday().num_days_from_sunday() != d => Err(format!(
            "the day name does not match {}, a {}",
            date.format("%Y-%m-%d"),
            date.format("%A")
        )),
        _ => Ok(()),
    }
}

/// Reads a timestamp the way `DateTime.Parse` would in `culture`: ISO 8601
/// (`2018-03-15`, `2018-03-15T13:00:00.1234567+05:30`), numeric dates in
/// the culture's order, written dates ("March 15, 2018", "20 octobre
/// 2010"), a time with AM/PM, `Z`/`GMT`/offsets. A timestamp with a zone is
/// converted to UTC; one without is unspecified. A missing date is `today`.
pub(super) fn lenient(s: &str, culture: &Culture, today: NaiveDate) -> Result<Stamp, String> {
    let toks = lex(s);
    if toks.is_empty() {
        return Err("the text is empty".to_string());
    }
    let mut nums: Vec<(u32, usize)> = Vec::new();
    let mut month: Option<u32> = None;
    let mut dow: Option<u32> = None;
    let mut clock: Option<Clock> = None;
    let mut pm: Option<bool> = None;
    let mut offset: Option<i64> = None;
    let mut i = 0;
    while let Some(tok) = toks.get(i) {
        match tok {
            Lex::Num(d) => {
                let next_is = |j: usize, p: char| toks.get(i + j) == Some(&Lex::P(p));
                if next_is(1, ':') && matches!(toks.get(i + 2), Some(Lex::Num(_))) {
                    if clock.is_some() {
                        return Err("it has two times of day".to_string());
                    }
                    let (t, next) = lex_time(&toks, i)?;
                    clock = Some(t);
                    i = next;
                    continue;
                }
                let before_designator = matches!(
                    toks.get(i + 1),
                    Some(Lex::Word(w)) if designator(w, culture).is_some()
                );
                if clock.is_none() && before_designator {
                    clock = Some((number(d)?, 0, 0, 0));
                } else if nums.len() >= 3 {
                    return Err("it has too many numbers for a date".to_string());
                } else {
                    nums.push((number(d)?, d.len()));
                }
            }
            Lex::P(c @ ('+' | '-'))
                if clock.is_some()
                    && offset.is_none()
                    && matches!(toks.get(i + 1), Some(Lex::Num(_))) =>
            {
                let (o, next) = lex_offset(&toks, i, *c == '-')?;
                offset = Some(o);
                i = next;
                continue;
            }
            Lex::P('/' | '-' | '.' | ',' | ':') => {}
            Lex::P(c) => return Err(format!("the character '{c}' is not expected")),
            Lex::Word(w) => {
                if w == "t" {
                    // The ISO 8601 date and time separator.
                } else if matches!(w.as_str(), "z" | "gmt" | "utc" | "ut") {
                    offset.get_or_insert(0);
                } else if let Some(is_pm) = designator(w, culture) {
                    pm = Some(is_pm);
                } else if let Some(m) = month_named(w, culture) {
                    if month.replace(m).is_some() {
                        return Err("it names two months".to_string());
                    }
                } else if let Some(d) = day_named(w, culture) {
                    dow = Some(d);
                } else if !FILLERS.contains(&w.as_str()) {
                    return Err(format!("the word '{w}' is not a month or day name"));
                }
            }
        }
        i += 1;
    }

    let year_of = |(v, digits): (u32, usize)| {
        if digits <= 2 {
            century(v)
        } else {
            i32::try_from(v).unwrap_or(0)
        }
    };
    let is_year = |(v, digits): (u32, usize)| digits >= 3 || v > 31;
    let (year, m, d) = match (month, nums.as_slice()) {
        (Some(m), []) => (today.year(), m, 1),
        (Some(m), &[a]) if is_year(a) => (year_of(a), m, 1),
        (Some(m), &[a]) => (today.year(), m, a.0),
        (Some(m), &[a, b]) if is_year(a) => (year_of(a), m, b.0),
        (Some(m), &[a, b]) => (year_of(b), m, a.0),
        (None, &[a, b, c]) if is_year(a) => (year_of(a), b.0, c.0),
        (None, &[a, b, c]) => match culture.order {
            DateOrder::Mdy => (year_of(c), a.0, b.0),
            DateOrder::Dmy => (year_of(c), b.0, a.0),
        },
        (None, &[a, b]) if is_year(a) => (year_of(a), b.0, 1),
        (None, &[a, b]) => match culture.order {
            DateOrder::Mdy => (today.year(), a.0, b.0),
            DateOrder::Dmy => (today.year(), b.0, a.0),
        },
        (None, []) if clock.is_some() => (today.year(), today.month(), today.day()),
        _ => return Err("it is not a date".to_string()),
    };
    let date = NaiveDate::from_ymd_opt(year, m, d)
        .filter(|_| year >= 1)
        .ok_or_else(|| format!("there is no day {d} in month {m} of year {year}"))?;
    check_day_name(date, dow)?;
    let (hour, minute, second, frac) = clock.unwrap_or((0, 0, 0, 0));
    let hour = twelve_hour(hour, pm)?;
    Parts {
        date,
        hour,
        minute,
        second,
        frac,
        offset,
    }
    .finish()
}

/// A cursor over the text for the exact reader.
struct Cursor {
    chars: Vec<char>,
    pos: usize,
}

impl Cursor {
    fn here(&self) -> String {
        let rest: String = self.chars[self.pos.min(self.chars.len())..]
            .iter()
            .take(20)
            .collect();
        if rest.is_empty() {
            "at the end of the text".to_string()
        } else {
            format!("at '{rest}' (character {})", self.pos + 1)
        }
    }

    fn digits(&mut self, min: usize, max: usize) -> Result<String, String> {
        let run: String = self.chars[self.pos.min(self.chars.len())..]
            .iter()
            .take(max)
            .take_while(|c| c.is_ascii_digit())
            .collect();
        if run.len() < min {
            return Err(format!("expected {min} digit(s) {}", self.here()));
        }
        self.pos += run.len();
        Ok(run)
    }

    fn number(&mut self, min: usize, max: usize) -> Result<u32, String> {
        let d = self.digits(min, max)?;
        number(&d)
    }

    /// Matches `word` here, ignoring case; answers whether it did.
    fn eat(&mut self, word: &str) -> bool {
        let mut pos = self.pos;
        for w in word.chars() {
            match self.chars.get(pos) {
                Some(&c) if c == w || c.to_lowercase().eq(w.to_lowercase()) => pos += 1,
                _ => return false,
            }
        }
        self.pos = pos;
        true
    }

    fn expect(&mut self, word: &str) -> Result<(), String> {
        if self.eat(word) {
            Ok(())
        } else {
            Err(format!("expected '{word}' {}", self.here()))
        }
    }

    /// The index of the longest of `names` found here.
    fn name(&mut self, names: &[&str], what: &str) -> Result<usize, String> {
        let mut order: Vec<usize> = (0..names.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(names[i].chars().count()));
        for i in order {
            if !names[i].is_empty() && self.eat(names[i]) {
                return Ok(i);
            }
        }
        Err(format!("expected {what} {}", self.here()))
    }

    fn offset(&mut self, need_minutes: bool) -> Result<i64, String> {
        if self.eat("Z") {
            return Ok(0);
        }
        let negative = if self.eat("+") {
            false
        } else if self.eat("-") {
            true
        } else {
            return Err(format!("expected a UTC offset {}", self.here()));
        };
        let hours = self.number(1, 2)?;
        let minutes = if self.eat(":") {
            self.number(2, 2)?
        } else if need_minutes {
            return Err(format!("expected ':' and minutes {}", self.here()));
        } else {
            0
        };
        if hours > 14 || minutes > 59 {
            return Err(format!(
                "the offset {hours:02}:{minutes:02} is out of range"
            ));
        }
        let secs = i64::from(hours) * 3600 + i64::from(minutes) * 60;
        Ok(if negative { -secs } else { secs })
    }
}

/// Reads `s` exactly as the .NET format `fmt` describes it, in `culture`
/// (.NET `DateTime.ParseExact`). Parts the format lacks come from `today`
/// (no date at all) or default to January, the 1st, midnight.
pub(super) fn exact(
    s: &str,
    fmt: &str,
    culture: &'static Culture,
    today: NaiveDate,
) -> Result<Stamp, ExactError> {
    let (toks, culture) = tokens(fmt, culture).map_err(ExactError::Format)?;
    let universal = matches!(fmt, "u" | "r" | "R");
    let mut cur = Cursor {
        chars: s.chars().collect(),
        pos: 0,
    };
    let text = ExactError::Text;
    let mut year: Option<i32> = None;
    let mut month: Option<u32> = None;
    let mut day: Option<u32> = None;
    let mut dow: Option<u32> = None;
    let (mut hour, mut minute, mut second, mut frac) = (0, 0, 0, 0);
    let mut pm: Option<bool> = None;
    let mut offset: Option<i64> = None;
    let width = |n: usize| if n == 1 { 1 } else { 2 };
    let mut skip_fraction = false;
    for (i, tok) in toks.iter().enumerate() {
        if std::mem::take(&mut skip_fraction) {
            continue;
        }
        match *tok {
            Tok::Day(n) if n <= 2 => day = Some(cur.number(width(n), 2).map_err(text)?),
            Tok::Day(n) => {
                let names = if n == 3 {
                    &culture.abbr_days
                } else {
                    &culture.days
                };
                let i = cur.name(names, "a day name").map_err(text)?;
                dow = u32::try_from(i).ok();
            }
            Tok::Month(n) if n <= 2 => month = Some(cur.number(width(n), 2).map_err(text)?),
            Tok::Month(n) => {
                let names = if n == 3 {
                    &culture.abbr_months
                } else {
                    &culture.months
                };
                let i = cur.name(names, "a month name").map_err(text)?;
                month = u32::try_from(i + 1).ok();
            }
            Tok::Year(n) if n <= 2 => {
                year = Some(century(cur.number(width(n), 2).map_err(text)?));
            }
            Tok::Year(n) => {
                let y = cur.number(n, n).map_err(text)?;
                year = Some(i32::try_from(y).unwrap_or(0));
            }
            Tok::Hour12(n) | Tok::Hour24(n) => hour = cur.number(width(n), 2).map_err(text)?,
            Tok::Minute(n) => minute = cur.number(width(n), 2).map_err(text)?,
            Tok::Second(n) => second = cur.number(width(n), 2).map_err(text)?,
            Tok::Frac(n) => frac = fraction(&cur.digits(n, n).map_err(text)?),
            Tok::FracTrim(n) => frac = fraction(&cur.digits(0, n).map_err(text)?),
            Tok::AmPm(n) => {
                let first = |d: &str| d.chars().next().map(String::from).unwrap_or_default();
                let (am, pm_text) = if n == 1 {
                    (first(culture.am), first(culture.pm))
                } else {
                    (culture.am.to_string(), culture.pm.to_string())
                };
                let i = cur.name(&[&am, &pm_text], "AM or PM").map_err(text)?;
                pm = Some(i == 1);
            }
            Tok::Era => cur.expect(culture.era).map_err(text)?,
            Tok::Kind => {
                if matches!(cur.chars.get(cur.pos), Some('Z' | 'z' | '+' | '-')) {
                    offset = Some(cur.offset(true).map_err(text)?);
                }
            }
            Tok::Offset(n) => offset = Some(cur.offset(n >= 3).map_err(text)?),
            Tok::TimeSep => cur.expect(":").map_err(text)?,
            Tok::DateSep => cur.expect(culture.date_sep).map_err(text)?,
            Tok::Lit(ref l) => {
                // As in .NET, "ss.FFF" also reads "30": a '.' before an
                // optional fraction may be missing together with it.
                let dot_before_fraction =
                    l.ends_with('.') && matches!(toks.get(i + 1), Some(Tok::FracTrim(_)));
                if !dot_before_fraction {
                    cur.expect(l).map_err(text)?;
                } else if !cur.eat(l) {
                    cur.expect(&l[..l.len() - 1]).map_err(text)?;
                    skip_fraction = true;
                }
            }
        }
    }
    if cur.pos < cur.chars.len() {
        return Err(text(format!(
            "the text goes on after what the format describes, {}",
            cur.here()
        )));
    }
    let (y, m, d) = if year.is_none() && month.is_none() && day.is_none() {
        (today.year(), today.month(), today.day())
    } else {
        (
            year.unwrap_or_else(|| today.year()),
            month.unwrap_or(1),
            day.unwrap_or(1),
        )
    };
    let date = NaiveDate::from_ymd_opt(y, m, d)
        .filter(|_| y >= 1)
        .ok_or_else(|| text(format!("there is no day {d} in month {m} of year {y}")))?;
    check_day_name(date, dow).map_err(text)?;
    let hour = twelve_hour(hour, pm).map_err(text)?;
    if universal && offset.is_none() {
        offset = Some(0);
    }
    Parts {
        date,
        hour,
        minute,
        second,
        frac,
        offset,
    }
    .finish()
    .map_err(text)
}
