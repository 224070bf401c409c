//! Dates as the handbook writes them, and the one as-of date every time-based state uses.

use std::fmt;

use chrono::{
    DateTime as ChronoDateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime,
    TimeZone, Utc,
};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar date written `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub NaiveDate);

/// The years a record's date may fall in: four digits, from 1900, so that a slip such as
/// `0026-06-01` is told, where it made the metrics' months run two thousand years.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=9999;

/// The instants, in UTC, whose date is within [`YEARS`] in every timezone: a day from either
/// end, as an offset moves a date by less than a day.
pub fn instants() -> std::ops::RangeInclusive<NaiveDateTime> {
    let at = |year, month, day, time| {
        NaiveDate::from_ymd_opt(year, month, day).map_or(NaiveDateTime::MIN, |d| d.and_time(time))
    };
    let last = NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN);
    at(*YEARS.start(), 1, 2, NaiveTime::MIN)..=at(*YEARS.end(), 12, 30, last)
}

impl Date {
    pub fn parse(s: &str) -> Option<Date> {
        Date::read(s).ok()
    }

    /// The date `s` writes, or why it writes none.
    pub fn read(s: &str) -> Result<Date, String> {
        let s = s.trim();
        // chrono accepts some looser forms ("2026-6-1", "+999-01-01"); the format is strict
        // on purpose: four digits, two, two.
        let ok = written_as_date(s);
        // The digits read directly: chrono's parser reads its format string for each date.
        let number = |digits: &[u8]| digits.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0'));
        let b = s.as_bytes();
        let date = ok
            .then(|| {
                NaiveDate::from_ymd_opt(number(&b[..4]) as i32, number(&b[5..7]), number(&b[8..]))
            })
            .flatten()
            .ok_or_else(|| match why_not(s) {
                Some(why) => format!("invalid date `{s}` ({why})"),
                None => format!("invalid date `{s}`"),
            })?;
        match YEARS.contains(&date.year()) {
            true => Ok(Date(date)),
            false => Err(format!(
                "`{s}` is before {}, the first year a date may have",
                YEARS.start()
            )),
        }
    }

    /// Whole days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        (later.0 - self.0).num_days()
    }

    /// `days` later (earlier when negative), held at the last (first) date there is rather
    /// than overflow: the days come from the input (`expiring_within_days`, policy terms).
    pub fn add_days(self, days: i64) -> Date {
        let limit = if days < 0 {
            NaiveDate::MIN
        } else {
            NaiveDate::MAX
        };
        Date(
            chrono::TimeDelta::try_days(days)
                .and_then(|d| self.0.checked_add_signed(d))
                .unwrap_or(limit),
        )
    }
}

/// Whether `s` is written as a date is: `YYYY-MM-DD`, four digits, two and two.
pub fn written_as_date(s: &str) -> bool {
    s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        })
}

/// chrono's own `YYYY-MM-DD`, the same text as the format `%Y-%m-%d` for every year, without
/// reading a format string for each of the millions of dates a large register shows.
impl fmt::Display for Date {
    /// Written in one piece: chrono writes a date a character at a time, each through the
    /// formatter, and a register writes a hundred thousand dates.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (year, month, day) = (self.0.year(), self.0.month(), self.0.day());
        if !(0..=9999).contains(&year) {
            return fmt::Display::fmt(&self.0, f);
        }
        let mut text = *b"0000-00-00";
        for (at, mut n, width) in [(0, year as u32, 4), (5, month, 2), (8, day, 2)] {
            for digit in text[at..at + width].iter_mut().rev() {
                *digit = b'0' + (n % 10) as u8;
                n /= 10;
            }
        }
        f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?)
    }
}

/// Why `s`, which is not a date written `YYYY-MM-DD`, is none, where that can be told
/// more plainly than by the format: a day past its month's end, a month past 12, one or
/// the other written with one digit, a time after the date.
fn why_not(s: &str) -> Option<String> {
    if let Some((date, _)) = s.split_once(['T', ' ']).filter(|(d, _)| d.len() == 10)
        && Date::read(date).is_ok()
    {
        return Some(format!("a date and a time: the date alone is `{date}`"));
    }
    let parts: Vec<&str> = s.split('-').collect();
    let [year, month, day] = parts[..] else {
        return None;
    };
    // Digits alone, as many as `len` allows.
    let number = |p: &str, len: std::ops::RangeInclusive<usize>| {
        let digits = len.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit());
        digits.then(|| p.parse::<u32>().ok()).flatten()
    };
    let year = i32::try_from(number(year, 4..=4)?).ok()?;
    let (month, day) = (number(month, 1..=2)?, number(day, 1..=2)?);
    let Ok(name) = chrono::Month::try_from(u8::try_from(month).ok()?) else {
        return Some("a month is 01 to 12".into());
    };
    let days = (28..=31)
        .rev()
        .find(|&d| NaiveDate::from_ymd_opt(year, month, d).is_some())?;
    match (1..=days).contains(&day) {
        true => Some(format!(
            "written with two digits for the month and the day, it is `{year}-{month:02}-{day:02}`"
        )),
        false => Some(format!("{} {year} has {days} days", name.name())),
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        parse_str(d, "a real date written YYYY-MM-DD", Date::read)
    }
}

/// Deserialises a value written as a string through `parse`. Raising the error from inside
/// the visitor lets serde_yaml place it at the value, with the field's path.
pub fn parse_str<'de, D: Deserializer<'de>, T>(
    d: D,
    expected: &'static str,
    parse: fn(&str) -> Result<T, String>,
) -> Result<T, D::Error> {
    struct V<T> {
        expected: &'static str,
        parse: fn(&str) -> Result<T, String>,
    }
    impl<T> serde::de::Visitor<'_> for V<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str(self.expected)
        }
        fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<T, E> {
            // serde_yaml gives a required value written as nothing or `null` as that text.
            if matches!(s.trim(), "" | "~" | "null" | "Null" | "NULL") {
                return Err(E::custom(crate::model::text::NO_VALUE));
            }
            (self.parse)(s).map_err(|why| E::custom(format!("{why}: expected {}", self.expected)))
        }
    }
    d.deserialize_str(V { expected, parse })
}

/// "1 day", "2 days": for messages.
pub fn days(n: i64) -> String {
    if n.abs() == 1 {
        format!("{n} day")
    } else {
        format!("{n} days")
    }
}

/// A fixed UTC offset written `+HH:MM` or `-HH:MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offset(pub FixedOffset);

impl Default for Offset {
    fn default() -> Self {
        Offset(chrono::Offset::fix(&Utc))
    }
}

impl<'de> Deserialize<'de> for Offset {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        parse_str(d, "a fixed UTC offset such as +00:00 or -07:00", |s| {
            s.parse::<FixedOffset>()
                .map(Offset)
                .map_err(|_| format!("invalid timezone `{s}`"))
        })
    }
}

/// Resolves the as-of date: flag, then handbook.yaml, then `SOURCE_DATE_EPOCH`, then today.
pub fn resolve_as_of(
    flag: Option<Date>,
    config: Option<Date>,
    source_date_epoch: Option<&str>,
    timezone: Offset,
) -> Result<Date, String> {
    if let Some(d) = flag {
        return Ok(d);
    }
    if let Some(d) = config {
        return Ok(d);
    }
    let now = Date(
        now(source_date_epoch)?
            .with_timezone(&timezone.0)
            .date_naive(),
    );
    if !YEARS.contains(&now.0.year()) {
        return Err(format!(
            "SOURCE_DATE_EPOCH `{}` is the day {now}, outside the years {} to {} a date may have",
            source_date_epoch.unwrap_or_default(),
            YEARS.start(),
            YEARS.end()
        ));
    }
    Ok(now)
}

/// The time now, or the one `source_date_epoch` gives (seconds since 1970, as
/// SOURCE_DATE_EPOCH), which a reproducible run takes for now. Set but empty counts as
/// unset, as Asciidoctor and apko read it: a Makefile's `SOURCE_DATE_EPOCH=$(X)` with no X
/// means no date.
pub fn now(source_date_epoch: Option<&str>) -> Result<ChronoDateTime<Utc>, String> {
    let Some(raw) = source_date_epoch.filter(|raw| !raw.trim().is_empty()) else {
        return Ok(Utc::now());
    };
    let secs: i64 = raw.trim().parse().map_err(|e: std::num::ParseIntError| {
        use std::num::IntErrorKind::{NegOverflow, PosOverflow};
        match e.kind() {
            PosOverflow | NegOverflow => format!("SOURCE_DATE_EPOCH `{raw}` is out of range"),
            _ => format!("SOURCE_DATE_EPOCH `{raw}` is not a whole number of seconds"),
        }
    })?;
    Utc.timestamp_opt(secs, 0)
        .single()
        .ok_or_else(|| format!("SOURCE_DATE_EPOCH `{raw}` is out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A date that is none is told why where that is plainer than the format.
    #[test]
    fn a_date_that_is_none_says_why() {
        let why = |s: &str| Date::read(s).unwrap_err();
        assert_eq!(
            why("2028-02-30"),
            "invalid date `2028-02-30` (February 2028 has 29 days)"
        );
        assert_eq!(
            why("2026-04-31"),
            "invalid date `2026-04-31` (April 2026 has 30 days)"
        );
        assert_eq!(
            why("2026-00-10"),
            "invalid date `2026-00-10` (a month is 01 to 12)"
        );
        assert_eq!(
            why("2026-6-1"),
            "invalid date `2026-6-1` (written with two digits for the month and the day, it is \
             `2026-06-01`)"
        );
        assert_eq!(
            why("2026-06-01 09:00"),
            "invalid date `2026-06-01 09:00` (a date and a time: the date alone is `2026-06-01`)"
        );
        for plain in [
            "06/01/2026",
            "tomorrow",
            "2026-6",
            "26-06-01",
            "2026-06-011",
        ] {
            assert_eq!(why(plain), format!("invalid date `{plain}`"));
        }
    }

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn a_date_is_written_as_the_format_yyyy_mm_dd_writes_it() {
        let held = [NaiveDate::MIN, NaiveDate::MAX];
        let written = ["1900-01-01", "1970-10-05", "2026-06-30", "9999-12-31"];
        for date in written.iter().map(|s| d(s).0).chain(held) {
            assert_eq!(Date(date).to_string(), date.format("%Y-%m-%d").to_string());
        }
    }

    #[test]
    fn parse_is_strict() {
        assert!(Date::parse("2026-02-30").is_none());
        assert!(Date::parse("2026-6-1").is_none());
        assert!(Date::parse("+999-01-01").is_none());
        assert!(Date::parse("-999-01-01").is_none());
        assert!(Date::parse("2026-0a-01").is_none());
        assert_eq!(d("2026-06-01").to_string(), "2026-06-01");
    }

    #[test]
    fn parse_reads_the_dates_the_format_reads() {
        let texts = [
            "0000-01-01",
            "0999-12-31",
            "2024-02-29",
            "2026-02-29",
            "2026-06-31",
            "2026-12-31",
            "2026-13-01",
            "2026-00-10",
            "2026-01-00",
            "9999-12-31",
        ];
        for text in texts {
            let format = NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .filter(|d| YEARS.contains(&d.year()));
            assert_eq!(Date::parse(text).map(|d| d.0), format, "{text}");
        }
        assert!(
            Date::read("1899-12-31")
                .unwrap_err()
                .starts_with("`1899-12-31` is before 1900")
        );
        assert_eq!(d("1900-01-01").to_string(), "1900-01-01");
    }

    #[test]
    fn add_days_saturates_instead_of_overflowing() {
        let day = d("2026-06-30");
        assert_eq!(day.add_days(1), d("2026-07-01"));
        assert_eq!(day.add_days(i64::from(u32::MAX)).0, NaiveDate::MAX);
        assert_eq!(day.add_days(i64::MAX).0, NaiveDate::MAX);
        assert_eq!(day.add_days(i64::MIN).0, NaiveDate::MIN);
    }

    #[test]
    fn as_of_prefers_flag_then_config_then_epoch() {
        let tz = Offset::default();
        let flag = Some(d("2026-01-01"));
        let config = Some(d("2026-02-02"));
        assert_eq!(
            resolve_as_of(flag, config, Some("0"), tz).unwrap(),
            d("2026-01-01")
        );
        assert_eq!(
            resolve_as_of(None, config, Some("0"), tz).unwrap(),
            d("2026-02-02")
        );
        assert_eq!(
            resolve_as_of(None, None, Some("86400"), tz).unwrap(),
            d("1970-01-02")
        );
        let west = Offset("-01:00".parse().unwrap());
        assert_eq!(
            resolve_as_of(None, None, Some("86400"), west).unwrap(),
            d("1970-01-01")
        );
        assert!(resolve_as_of(None, None, Some("soon"), tz).is_err());
        // Set but empty is unset: today, not an error.
        let today = Date(Utc::now().date_naive());
        for empty in ["", " "] {
            let got = resolve_as_of(None, None, Some(empty), tz).unwrap();
            assert!(
                (got.0 - today.0).num_days().abs() <= 1,
                "{empty:?} gave {got}"
            );
        }
        // A day no date may have is refused, not made a site as of the year 262142.
        assert_eq!(
            resolve_as_of(None, None, Some("8210266876799"), tz).unwrap_err(),
            "SOURCE_DATE_EPOCH `8210266876799` is the day +262142-12-31, outside the years \
             1900 to 9999 a date may have"
        );
        assert!(
            resolve_as_of(None, None, Some("-99999999999"), tz)
                .unwrap_err()
                .contains("outside the years 1900 to 9999")
        );
        assert_eq!(
            resolve_as_of(None, None, Some("99999999999999999999"), tz).unwrap_err(),
            "SOURCE_DATE_EPOCH `99999999999999999999` is out of range"
        );
    }
}
