//! calendar/exceptions.ics: an all-day event on the expiry date of every approved
//! exception, with a reminder `expiring_within_days` before it, so a team can subscribe
//! from their calendar (RFC 5545).
//!
//! Written here, not with a crate: the calendar is a few fixed properties per event, and
//! neither writer we measured folds a long line well. The `icalendar` crate looks up each
//! fold's character from the start of the line, so one exception's 10 MB title took two
//! minutes; the `ics` crate writes continuation lines of 76 octets, one over RFC 5545's 75.
//!
//! Deterministic: each UID is a name-based UUID of the handbook's identity and
//! the exception id ([`crate::load::config::Config::identity`]), as RFC 7986 (5.3) recommends, so
//! no two handbooks share one; DTSTAMP is midnight of the as-of date in the handbook's
//! timezone, written in UTC; and SEQUENCE counts the renewals, so a calendar that saw an
//! earlier expiry takes the new one.

use chrono::{Datelike, Utc};
use rayon::prelude::*;

use crate::derive::handbook::Handbook;
use crate::model::date::Date;
use crate::model::exception::Exception;
use crate::model::links::absolute_base;
use crate::model::vocab::ExceptionStatus;
use crate::render::feeds::day_start;
use crate::render::{OutputFile, Pieces};

/// The path of the calendar in the site.
pub const PATH: &str = crate::model::site_files::CALENDAR;

/// calendar/exceptions.ics, each exception's event a piece kept in `events`.
pub fn render_calendar(handbook: &Handbook, events: &Pieces) -> Vec<OutputFile> {
    vec![OutputFile::bytes(
        PATH,
        exceptions_calendar(handbook, events),
    )]
}

/// The calendar's bytes.
fn exceptions_calendar(handbook: &Handbook, events: &Pieces) -> Vec<u8> {
    let config = &handbook.config;
    let window = config.exceptions.expiring_within_days;
    let stamp = day_start(handbook.as_of, config.timezone)
        .with_timezone(&Utc)
        .format("%Y%m%dT%H%M%SZ")
        .to_string();
    let base = absolute_base(&config.base_url);
    let identity = config.identity();

    let mut head = Lines::default();
    let name = format!("{}: exception expiries", config.title);
    let about = format!(
        "The expiry of every approved security exception, with a reminder {} before it.",
        crate::model::date::days(i64::from(window))
    );
    head.raw("BEGIN", "VCALENDAR")
        .raw("VERSION", "2.0")
        .text(
            "PRODID",
            &format!("-//secbook//secbook {}//EN", env!("CARGO_PKG_VERSION")),
        )
        .raw("CALSCALE", "GREGORIAN")
        .raw("METHOD", "PUBLISH")
        // NAME is RFC 7986's; X-WR-CALNAME and X-WR-CALDESC are what Apple's and
        // Google's calendars read.
        .text("NAME", &name)
        .text("X-WR-CALNAME", &name)
        .text("DESCRIPTION", &about)
        .text("X-WR-CALDESC", &about);

    let mut approved: Vec<_> = handbook
        .records
        .exceptions
        .iter()
        .filter(|l| l.record.status == ExceptionStatus::Approved)
        .filter_map(|l| Some((l.record.expires?, l)))
        .collect();
    approved.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| a.1.record.id.cmp(&b.1.record.id))
    });

    let event = |expires: Date, e: &Exception| {
        let mut description = format!(
            "Security exception {} ({} severity, {}) expires at the end of this day.\nRisk owner: {}",
            e.id,
            e.severity.as_str(),
            e.kind.as_str(),
            e.risk_owner
        );
        if let Some(assignee) = &e.assignee {
            description.push_str(&format!("\nAssignee: {assignee}"));
        }
        description.push_str("\nRenew it, close it, or fix the risk before then.");
        let page = base
            .as_ref()
            .map(|base| format!("{base}exceptions/{}/index.html", e.id));
        if let Some(page) = &page {
            description.push_str(&format!("\n{page}"));
        }
        let day = |date: Date| date.0.format("%Y%m%d").to_string();

        let mut lines = Lines::default();
        lines
            .raw("BEGIN", "VEVENT")
            .text("DESCRIPTION", &description);
        // An event of a date alone lasts that day (RFC 5545, 3.6.1): its end is written
        // for the readers that want one, but the day after 9999-12-31 has no form.
        let end = expires.add_days(1);
        if crate::model::date::YEARS.contains(&end.0.year()) {
            lines.raw("DTEND;VALUE=DATE", &day(end));
        }
        lines
            .raw("DTSTAMP", &stamp)
            .raw("DTSTART;VALUE=DATE", &day(expires))
            .raw("SEQUENCE", &e.renewals.len().to_string())
            .text("SUMMARY", &format!("{} expires: {}", e.id, e.title))
            .raw("TRANSP", "TRANSPARENT")
            .text(
                "UID",
                &identity
                    .uuid(&format!("exception/{}/expiry", e.id))
                    .to_string(),
            );
        if let Some(page) = &page {
            lines.raw("URL", page);
        }
        lines
            .texts("CATEGORIES", &["security exception", e.severity.as_str()])
            .reminder(e, window)
            .raw("END", "VEVENT");
        lines.0.into_bytes()
    };
    let made: Vec<_> = approved
        .par_iter()
        .map(|&(expires, e)| events.get(&e.source, (), || event(expires, &e.record)))
        .collect();

    let mut out = head.0.into_bytes();
    out.reserve(made.iter().map(|e| e.len()).sum::<usize>() + END.len());
    for event in &made {
        out.extend_from_slice(event);
    }
    out.extend_from_slice(END.as_bytes());
    out
}

/// The last line of a calendar.
const END: &str = "END:VCALENDAR\r\n";

/// Content lines (RFC 5545, 3.1), each folded as it is added.
#[derive(Default)]
struct Lines(String);

impl Lines {
    /// A property whose value is written as it is: a name the RFC defines, a date, a
    /// number, a URI. `name` may carry parameters (`DTSTART;VALUE=DATE`).
    fn raw(&mut self, name: &str, value: &str) -> &mut Self {
        self.line(name, &[value], false)
    }

    /// A TEXT property (3.3.11): its backslashes, commas, semicolons and line breaks
    /// escaped.
    fn text(&mut self, name: &str, value: &str) -> &mut Self {
        self.line(name, &[value], true)
    }

    /// A property whose value is a list of TEXT, each escaped, joined by commas.
    fn texts(&mut self, name: &str, values: &[&str]) -> &mut Self {
        self.line(name, values, true)
    }

    /// The reminder `window` days before `e` expires, in days (`-P30D`), not seconds.
    fn reminder(&mut self, e: &Exception, window: u32) -> &mut Self {
        let trigger = match window {
            0 => "PT0S".to_string(),
            days => format!("-P{days}D"),
        };
        self.raw("BEGIN", "VALARM")
            .raw("ACTION", "DISPLAY")
            .text(
                "DESCRIPTION",
                &format!(
                    "{} expires in {}: {}",
                    e.id,
                    crate::model::date::days(i64::from(window)),
                    e.title
                ),
            )
            .raw("TRIGGER;RELATED=START", &trigger)
            .raw("END", "VALARM")
    }

    fn line(&mut self, name: &str, values: &[&str], text: bool) -> &mut Self {
        let mut line =
            String::with_capacity(name.len() + 1 + values.iter().map(|v| v.len()).sum::<usize>());
        line.push_str(name);
        line.push(':');
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            for c in value.chars() {
                match c {
                    '\\' | ',' | ';' if text => {
                        line.push('\\');
                        line.push(c);
                    }
                    '\n' if text => line.push_str("\\n"),
                    // RFC 5545 allows no control character in a line but tab. Loading
                    // refuses them in the handbook's text, but `--base-url` may hold them.
                    '\t' => line.push(c),
                    c if c.is_ascii_control() => {}
                    c => line.push(c),
                }
            }
        }
        fold(&line, &mut self.0);
        self
    }
}

/// Writes `line` into `out` folded (RFC 5545, 3.1): no line of more than 75 octets, each
/// break between two characters and, where it can be, not right before white space,
/// which a reader that trims continuation lines would lose. Linear in the line's length.
fn fold(line: &str, out: &mut String) {
    const OCTETS: usize = 75;
    let mut rest = line;
    // The first line holds 75 octets; each after it, a space and 74.
    let mut room = OCTETS;
    while rest.len() > room {
        let mut at = room;
        while !rest.is_char_boundary(at) {
            at -= 1;
        }
        if rest[at..].starts_with(char::is_whitespace) {
            at = rest[..at].char_indices().next_back().map_or(at, |(i, _)| i);
        }
        out.push_str(&rest[..at]);
        out.push_str("\r\n ");
        rest = &rest[at..];
        room = OCTETS - 1;
    }
    out.push_str(rest);
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(line: &str) -> String {
        let mut out = String::new();
        fold(line, &mut out);
        out
    }

    #[test]
    fn long_lines_fold_at_75_octets_between_characters() {
        // Two-byte and four-byte characters at every offset, and a line of spaces.
        for line in [
            "é".repeat(200),
            format!("x{}", "🔒".repeat(100)),
            format!("SUMMARY:{}", "a b ".repeat(100)),
            " ".repeat(300),
        ] {
            let out = folded(&line);
            let lines: Vec<&str> = out.strip_suffix("\r\n").unwrap().split("\r\n").collect();
            assert!(lines.len() > 1, "{out}");
            assert!(lines.iter().all(|l| l.len() <= 75), "{out}");
            assert!(lines[1..].iter().all(|l| l.starts_with(' ')), "{out}");
            // Unfolding (RFC 5545, 3.1) gives the line back.
            assert_eq!(out.replace("\r\n ", ""), format!("{line}\r\n"));
        }
        // A line that fits is left whole, even one of exactly 75 octets.
        assert_eq!(folded(&"x".repeat(75)), format!("{}\r\n", "x".repeat(75)));
        // A continuation never starts with the text's own space where a letter could
        // end the line before it: a reader that trims folded lines would lose it.
        let out = folded(&format!("{} {}", "x".repeat(75), "y".repeat(80)));
        assert!(
            out.starts_with(&format!("{}\r\n x {}", "x".repeat(74), "y")),
            "{out}"
        );
    }

    #[test]
    fn text_values_are_escaped_and_controls_dropped() {
        let mut lines = Lines::default();
        lines
            .text(
                "SUMMARY",
                "a,b;c\\d\ne\r\nf\u{1b}]0;x\u{7}\tg\rh\u{7f}\u{85}",
            )
            .texts("CATEGORIES", &["x,y", "z"])
            .raw("URL", "https://a.example/b,c;d\n/e");
        assert_eq!(
            lines.0,
            "SUMMARY:a\\,b\\;c\\\\d\\ne\\nf]0\\;x\tgh\u{85}\r\n\
             CATEGORIES:x\\,y,z\r\n\
             URL:https://a.example/b,c;d/e\r\n"
        );
    }

    #[test]
    fn the_reminder_counts_days() {
        let e: Exception = serde_yaml::from_str(
            "id: E\ntitle: t\ntype: acceptance\nseverity: low\nstatus: approved\n\
             requested_by: A\nrisk_owner: B\ncreated: 2026-01-01\nsummary: s\n\
             justification: j\n",
        )
        .unwrap();
        let written = |window| {
            let mut lines = Lines::default();
            lines.reminder(&e, window);
            lines.0
        };
        assert_eq!(
            written(30),
            "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:E expires in 30 days: t\r\n\
             TRIGGER;RELATED=START:-P30D\r\nEND:VALARM\r\n"
        );
        assert!(written(0).contains("\r\nTRIGGER;RELATED=START:PT0S\r\n"));
    }
}
