//! Security incidents (SPEC 4).

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::person::Person;
use super::related::{Related, Stakeholder};
use super::vocab::{ActionStatus, IncidentSeverity, IncidentStatus, Priority};
use crate::model::date::{Date, Offset, YEARS, instants, written_as_date};

/// A point in time as records write it: RFC 3339 with an offset, or a bare date that means
/// midnight in the handbook's timezone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    At(DateTime<FixedOffset>),
    Day(NaiveDate),
}

/// Why `s`, which is no RFC 3339 time, is none, where that can be told more plainly than by
/// the format: an hour, minute or second out of range, a time
/// without seconds or without an offset, a space for the `T`, an offset without its colon
/// or past 23:59.
fn why_not(s: &str) -> Option<String> {
    let (date, rest) = (s.get(..10)?, s.get(10..)?);
    let mut chars = rest.chars();
    let joined = chars.next()?;
    let rest = chars.as_str();
    let (time, offset) = rest.split_at(rest.find(['Z', 'z', '+', '-']).unwrap_or(rest.len()));
    let two = |p: Option<&str>| {
        let p = p?
            .get(..2)
            .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))?;
        p.parse::<u32>().ok()
    };
    let parts: Vec<&str> = time.split(':').collect();
    let (hour, minute) = (two(parts.first().copied())?, two(parts.get(1).copied())?);
    let second = two(parts.get(2).copied());
    let written = |offset: &str| {
        format!(
            "`{date}T{hour:02}:{minute:02}:{:02}{offset}`",
            second.unwrap_or(0)
        )
    };
    Some(match () {
        _ if hour > 23 => "the hour is 00 to 23".into(),
        _ if minute > 59 => "the minute is 00 to 59".into(),
        _ if second.is_some_and(|s| s > 60) => "the second is 00 to 59".into(),
        _ if offset.is_empty() => format!(
            "it gives no offset from UTC: {} in UTC, or the offset of its timezone",
            written("Z")
        ),
        // `+0000`, as Jira and Java write it.
        _ if offset.len() == 5 && offset[1..].bytes().all(|b| b.is_ascii_digit()) => format!(
            "an offset from UTC is written with a colon: {}",
            written(&format!("{}:{}", &offset[..3], &offset[3..]))
        ),
        _ if !matches!(joined, 'T' | 't') || second.is_none() => {
            format!("a date and a time are written {}", written(offset))
        }
        _ if two(offset.get(1..)).is_some_and(|h| h > 23)
            || two(offset.get(4..)).is_some_and(|m| m > 59) =>
        {
            "an offset from UTC is at most 23:59".into()
        }
        _ => return None,
    })
}

impl Stamp {
    pub fn parse(s: &str) -> Option<Stamp> {
        Stamp::read(s).ok()
    }

    /// The point in time `s` writes, or why it writes none. One with an offset falls
    /// within [`YEARS`] a day from either end in UTC, so that its date is within them in
    /// every timezone: `9999-12-31T23:59:59-23:59` would be in the year 10000.
    pub fn read(s: &str) -> Result<Stamp, String> {
        let s = s.trim();
        if s.len() == 10 {
            return Date::read(s).map(|d| Stamp::Day(d.0));
        }
        // A date written as one, that is none, is told as the date is.
        if let Some(date) = s.get(..10).filter(|d| written_as_date(d)) {
            Date::read(date)?;
        }
        let at = DateTime::parse_from_rfc3339(s).map_err(|_| match why_not(s) {
            Some(why) => format!("invalid datetime `{s}` ({why})"),
            None => format!("invalid datetime `{s}`"),
        })?;
        let (utc, within) = (at.naive_utc(), instants());
        let why = match utc {
            _ if utc < *within.start() => format!(
                "before {} in UTC, and so before {}",
                Date(within.start().date()),
                YEARS.start()
            ),
            _ if utc > *within.end() => format!(
                "after {} in UTC, and so after {}",
                Date(within.end().date()),
                YEARS.end()
            ),
            _ => return Ok(Stamp::At(at)),
        };
        Err(format!("`{s}` is {why} in some timezone"))
    }

    /// The instant, reading a bare date as midnight in `tz`.
    pub fn resolve(self, tz: Offset) -> DateTime<FixedOffset> {
        match self {
            Stamp::At(at) => at,
            Stamp::Day(day) => {
                tz.0.from_local_datetime(&day.and_time(NaiveTime::MIN))
                    .single()
                    .unwrap_or_else(|| day.and_time(NaiveTime::MIN).and_utc().fixed_offset())
            }
        }
    }

    /// The calendar date in `tz`.
    pub fn date(self, tz: Offset) -> Date {
        Date(self.resolve(tz).with_timezone(&tz.0).date_naive())
    }

    /// Whole seconds from `self` to `later`.
    pub fn seconds_until(self, later: Stamp, tz: Offset) -> i64 {
        (later.resolve(tz) - self.resolve(tz)).num_seconds()
    }
}

/// Incident durations are reported in hours (SPEC 9).
pub const SECONDS_PER_HOUR: i64 = 3600;

impl fmt::Display for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stamp::At(at) => write!(f, "{}", at.to_rfc3339()),
            Stamp::Day(day) => fmt::Display::fmt(day, f),
        }
    }
}

impl Serialize for Stamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Stamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::model::date::parse_str(
            d,
            "RFC 3339 with an offset (2026-05-03T09:01:00-07:00) or YYYY-MM-DD",
            Stamp::read,
        )
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Incident {
    #[serde(deserialize_with = "crate::model::text::text")]
    pub id: String,
    #[serde(deserialize_with = "crate::model::text::text")]
    pub title: String,
    pub severity: IncidentSeverity,
    pub status: IncidentStatus,
    pub commander: Person,
    #[serde(deserialize_with = "crate::model::text::text")]
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<Stamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detected: Option<Stamp>,
    pub reported: Stamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responded: Option<Stamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contained: Option<Stamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved: Option<Stamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<Stamp>,
    #[serde(deserialize_with = "crate::model::text::text")]
    pub summary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact: Option<Impact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effort_hours: Option<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<TimelineEntry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub action_items: Vec<ActionItem>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub open_questions: Vec<OpenQuestion>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stakeholders: Vec<Stakeholder>,
    #[serde(
        default,
        deserialize_with = "crate::model::text::texts",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tickets: Vec<String>,
    #[serde(
        default,
        deserialize_with = "crate::model::text::texts",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub channels: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postmortem: Option<Postmortem>,
    #[serde(default, skip_serializing_if = "Related::is_empty")]
    pub related: Related,
    /// Who may read it (SPEC 12): a level of handbook.yaml's `classification`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Impact {
    #[serde(default)]
    pub customers_affected: Option<u64>,
    #[serde(default)]
    pub data_exposed: Option<bool>,
    #[serde(default)]
    pub notes: Option<String>,
    /// Whether an audience's `redact` took it out: its numbers and answers are then
    /// unknown to the reader, not unrecorded.
    #[serde(skip)]
    pub redacted: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TimelineEntry {
    pub at: Stamp,
    #[serde(deserialize_with = "crate::model::text::text")]
    pub event: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ActionItem {
    #[serde(deserialize_with = "crate::model::text::text")]
    pub title: String,
    pub owner: Person,
    pub priority: Priority,
    pub status: ActionStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
}

impl ActionItem {
    pub fn is_overdue(&self, as_of: Date) -> bool {
        !self.status.is_done() && self.due.is_some_and(|d| d < as_of)
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OpenQuestion {
    pub priority: Priority,
    #[serde(deserialize_with = "crate::model::text::text")]
    pub question: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Postmortem {
    pub date: Date,
    #[serde(default)]
    pub participants: Vec<Person>,
    #[serde(default, deserialize_with = "crate::model::text::texts")]
    pub went_well: Vec<String>,
    #[serde(default, deserialize_with = "crate::model::text::texts")]
    pub went_ok: Vec<String>,
    #[serde(default, deserialize_with = "crate::model::text::texts")]
    pub went_poorly: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
}

/// The lifecycle fields in the order they must occur.
pub const LIFECYCLE: [&str; 7] = [
    "started",
    "detected",
    "reported",
    "responded",
    "contained",
    "resolved",
    "closed",
];

impl Incident {
    pub fn lifecycle(&self) -> [(&'static str, Option<Stamp>); 7] {
        [
            ("started", self.started),
            ("detected", self.detected),
            ("reported", Some(self.reported)),
            ("responded", self.responded),
            ("contained", self.contained),
            ("resolved", self.resolved),
            ("closed", self.closed),
        ]
    }

    /// The timeline in time order; entries at the same instant keep their written order.
    pub fn sorted_timeline(&self, tz: Offset) -> Vec<&TimelineEntry> {
        let mut entries: Vec<&TimelineEntry> = self.timeline.iter().collect();
        entries.sort_by_key(|e| e.at.resolve(tz));
        entries
    }
}

/// The most hours one incident may record.
pub const MAX_EFFORT_HOURS: f64 = 1_000_000.0;

#[cfg(test)]
mod tests {
    use chrono::Datelike;

    use super::*;

    /// A time that is none says why, where that is plainer than the format.
    #[test]
    fn a_time_that_is_none_says_why() {
        for (written, why) in [
            ("2026-03-01T24:00:00+00:00", "the hour is 00 to 23"),
            ("2026-03-01T10:61:00Z", "the minute is 00 to 59"),
            (
                "2026-03-01T10:00:00+25:00",
                "an offset from UTC is at most 23:59",
            ),
            (
                "2026-03-01 10:00",
                "it gives no offset from UTC: `2026-03-01T10:00:00Z` in UTC, or the offset \
                 of its timezone",
            ),
            (
                "2026-03-01T10:00+02:00",
                "a date and a time are written `2026-03-01T10:00:00+02:00`",
            ),
            (
                "2026-05-03T09:01:00.000+0530",
                "an offset from UTC is written with a colon: `2026-05-03T09:01:00+05:30`",
            ),
        ] {
            assert_eq!(
                Stamp::read(written).unwrap_err(),
                format!("invalid datetime `{written}` ({why})")
            );
        }
        assert_eq!(
            Stamp::read("2026-02-30T10:00:00Z").unwrap_err(),
            "invalid date `2026-02-30` (February 2026 has 28 days)"
        );
        assert_eq!(
            Stamp::read("soon after lunch").unwrap_err(),
            "invalid datetime `soon after lunch`"
        );
    }

    #[test]
    fn stamps_parse_both_forms_and_resolve_in_the_timezone() {
        let tz = Offset("-07:00".parse().unwrap());
        let day = Stamp::parse("2026-05-03").unwrap();
        let at = Stamp::parse("2026-05-03T09:00:00-07:00").unwrap();
        assert_eq!(day.seconds_until(at, tz), 9 * SECONDS_PER_HOUR);
        assert!(
            Stamp::parse("2026-05-03T09:00:00").is_none(),
            "an offset is required"
        );
        assert_eq!(at.date(tz).to_string(), "2026-05-03");
    }

    #[test]
    fn a_stamps_date_is_within_the_years_in_every_timezone() {
        let east = Offset("+23:59".parse().unwrap());
        let west = Offset("-23:59".parse().unwrap());
        for ok in ["1900-01-02T00:00:00Z", "9999-12-30T23:59:59Z", "9999-12-31"] {
            let stamp = Stamp::parse(ok).unwrap();
            for tz in [east, west] {
                assert!(YEARS.contains(&stamp.date(tz).0.year()), "{ok}");
            }
        }
        for bad in [
            "1900-01-01T23:59:59Z",
            "9999-12-31T00:00:00Z",
            "9999-12-31T23:59:59-23:59",
            "0000-01-01T00:00:00+00:00",
            "1899-12-31",
        ] {
            assert!(Stamp::parse(bad).is_none(), "{bad}");
        }
    }
}
