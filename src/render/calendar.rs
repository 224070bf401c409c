//! calendar/exceptions.ics: an all-day event on the expiry date of every approved
//! exception, with a reminder `expiring_within_days` before it, so a team can subscribe
//! from their calendar (RFC 5545).
//!
//! Written with the `icalendar` crate, which writes CRLF line endings and folds lines at
//! 75 octets. Deterministic: each UID is a name-based UUID of the handbook's identity and
//! the exception id ([`crate::load::config::Config::identity`]), as RFC 7986 (5.3) recommends, so
//! no two handbooks share one; DTSTAMP is midnight of the as-of date in the handbook's
//! timezone, written in UTC; and SEQUENCE counts the renewals, so a calendar that saw an
//! earlier expiry takes the new one.
//!
//! The crate writes DTSTAMP and UID on every component, alarms included, from the clock
//! and a random number when they are not set. RFC 5545 (3.6.6) defines neither in a
//! VALARM, so [`without_alarm_stamps`] takes them out of each alarm the crate wrote.

use chrono::{Duration, Utc};
use icalendar::{Alarm, Calendar, Component, EventLike, Property, Trigger};
use rayon::prelude::*;

use crate::derive::handbook::Handbook;
use crate::model::date::Date;
use crate::model::exception::Exception;
use crate::model::links::absolute_base;
use crate::model::vocab::ExceptionStatus;
use crate::render::feeds::day_start;
use crate::render::{OutputFile, Pieces};

/// The path of the calendar in the site.
pub const PATH: &str = "calendar/exceptions.ics";

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
    let stamp = day_start(handbook.as_of, config.timezone).with_timezone(&Utc);
    // The crate escapes no URL value, so a line break that `--base-url` holds would end the
    // URL's content line and start one of its own: the link is written without them.
    let base = absolute_base(&config.base_url)
        .map(|b| b.chars().filter(|c| !c.is_control()).collect::<String>());
    let identity = config.identity();

    let mut calendar = Calendar::empty();
    calendar.append_property(("VERSION", "2.0"));
    calendar.append_property((
        "PRODID",
        format!("-//secbook//secbook {}//EN", env!("CARGO_PKG_VERSION")).as_str(),
    ));
    calendar.append_property(("CALSCALE", "GREGORIAN"));
    calendar.append_property(("METHOD", "PUBLISH"));
    calendar.name(&format!("{}: exception expiries", config.title));
    calendar.description(&format!(
        "The expiry of every approved security exception, with a reminder {} before it.",
        crate::model::date::days(i64::from(window))
    ));

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
        let uid = identity
            .uuid(&format!("exception/{}/expiry", e.id))
            .to_string();
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
        let page = format!("exceptions/{}/index.html", e.id);
        if let Some(base) = &base {
            description.push_str(&format!("\n{base}{page}"));
        }

        let alarm = reminder(e, window);
        let mut event = icalendar::Event::new();
        event
            .uid(&uid)
            .timestamp(stamp)
            .sequence(u32::try_from(e.renewals.len()).unwrap_or(u32::MAX))
            .summary(&format!("{} expires: {}", e.id, e.title))
            .description(&description)
            .starts(expires.0)
            .ends(expires.add_days(1).0)
            .categories(["security exception", e.severity.as_str()])
            .add_property("TRANSP", "TRANSPARENT")
            .alarm(alarm);
        if let Some(base) = &base {
            event.url(&format!("{base}{page}"));
        }
        let text = event.done().try_into_string().unwrap_or_default();
        ics_safe(without_alarm_stamps(&text)).into_bytes()
    };
    let made: Vec<_> = approved
        .par_iter()
        .map(|&(expires, e)| events.get(&e.source, (), || event(expires, &e.record)))
        .collect();

    // The crate writes the calendar's properties, then its components, then its end.
    let head = calendar.done().to_string();
    let head = head.strip_suffix(END).unwrap_or(&head);
    let mut out = ics_safe(head.to_string()).into_bytes();
    out.reserve(made.iter().map(|e| e.len()).sum::<usize>() + END.len());
    for event in &made {
        out.extend_from_slice(event);
    }
    out.extend_from_slice(END.as_bytes());
    out
}

/// The last line of a calendar.
const END: &str = "END:VCALENDAR\r\n";

/// The reminder `window` days before `e` expires. Its DTSTAMP and UID are set, though
/// [`without_alarm_stamps`] takes them out, so that the crate does not draw them from the
/// clock and the system's random source: a system call for each of a register's events.
fn reminder(e: &Exception, window: u32) -> Alarm {
    let mut alarm = Alarm::display(
        &format!(
            "{} expires in {}: {}",
            e.id,
            crate::model::date::days(i64::from(window)),
            e.title
        ),
        Trigger::before_start(Duration::days(i64::from(window))),
    );
    // The crate writes the duration in seconds (`-PT2592000S`); days read better.
    let before = if window == 0 {
        "PT0S".to_string()
    } else {
        format!("-P{window}D")
    };
    let mut trigger = Property::new("TRIGGER", before);
    trigger.add_parameter("RELATED", "START");
    alarm.append_property(trigger.done());
    alarm.append_property(("DTSTAMP", ""));
    alarm.append_property(("UID", ""));
    alarm
}

/// `ics` without the DTSTAMP and UID content lines of its VALARM components, folded lines
/// included. A line that starts in its first column is a property, or a component's BEGIN
/// or END; a line that starts with a space or a tab continues the one before (RFC 5545,
/// 3.1), and a value cannot end a line, since the writer escapes its line breaks.
fn without_alarm_stamps(ics: &str) -> String {
    let mut out = String::with_capacity(ics.len());
    let mut in_alarm = false;
    let mut dropping = false;
    // Compared without case and without a copy of each line: the calendar of a large
    // register has hundreds of thousands.
    for line in ics.split_inclusive("\r\n") {
        if !line.starts_with([' ', '\t']) {
            let name = line.split([':', ';']).next().unwrap_or_default();
            match line.trim_end() {
                l if l.eq_ignore_ascii_case("BEGIN:VALARM") => in_alarm = true,
                l if l.eq_ignore_ascii_case("END:VALARM") => in_alarm = false,
                _ => {}
            }
            dropping = in_alarm
                && (name.eq_ignore_ascii_case("DTSTAMP") || name.eq_ignore_ascii_case("UID"));
        }
        if !dropping {
            out.push_str(line);
        }
    }
    out
}

/// `ics` without the characters RFC 5545 forbids in a content line: control characters
/// but tab, and carriage return and line feed other than the pair that ends a line.
/// Loading refuses them in the handbook's text, but the calendar also holds what the
/// command line gives (`--base-url`), and the crate escapes only the line feed. They are
/// dropped rather than replaced, after the lines are folded: a line only gets shorter.
fn ics_safe(ics: String) -> String {
    // Most calendars hold none, and are handed back as they are.
    let bytes = ics.as_bytes();
    let refused = |i: usize| match bytes[i] {
        b'\r' => bytes.get(i + 1) != Some(&b'\n'),
        b'\n' => i == 0 || bytes[i - 1] != b'\r',
        b'\t' => false,
        b => b.is_ascii_control(),
    };
    if !(0..bytes.len()).any(refused) {
        return ics;
    }
    let mut out = String::with_capacity(ics.len());
    let mut chars = ics.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {
                chars.next();
                out.push_str("\r\n");
            }
            '\t' => out.push(c),
            c if c.is_ascii_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alarms_lose_their_stamps_and_uids_and_nothing_else() {
        let ics = "BEGIN:VEVENT\r\nDTSTAMP:1\r\nUID:e\r\nBEGIN:VALARM\r\nDTSTAMP:2\r\n\
                   ACTION:DISPLAY\r\nUID:a-long\r\n  -folded\r\nDESCRIPTION:x\r\n \
                   UID:y\r\nEND:VALARM\r\nSUMMARY:s\r\nEND:VEVENT\r\n";
        assert_eq!(
            without_alarm_stamps(ics),
            "BEGIN:VEVENT\r\nDTSTAMP:1\r\nUID:e\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\n\
             DESCRIPTION:x\r\n UID:y\r\nEND:VALARM\r\nSUMMARY:s\r\nEND:VEVENT\r\n"
        );
    }

    /// The reminder carries its own stamp lines, so the crate writes it the same each
    /// time, where it drew a UID from the system's random source for each.
    #[test]
    fn a_reminder_is_written_without_the_clock_or_a_random_number() {
        let e: Exception = serde_yaml::from_str(
            "id: E\ntitle: t\ntype: acceptance\nseverity: low\nstatus: approved\n\
             requested_by: A\nrisk_owner: B\ncreated: 2026-01-01\nsummary: s\n\
             justification: j\n",
        )
        .unwrap();
        let written = || reminder(&e, 30).done().try_into_string().unwrap();
        let first = written();
        assert_eq!(first, written());
        assert!(
            first.contains("\r\nTRIGGER;RELATED=START:-P30D\r\n"),
            "{first}"
        );
        assert!(!without_alarm_stamps(&first).contains("UID"));
    }

    #[test]
    fn ics_safe_keeps_line_ends_and_drops_other_controls() {
        assert_eq!(
            ics_safe("SUMMARY:a\u{1b}]0;x\u{7}\tb\rc\nd\u{7f}\u{85}\r\n z\r\n".into()),
            "SUMMARY:a]0;x\tbcd\u{85}\r\n z\r\n"
        );
        // A lone line feed or carriage return at either end, and a text with none.
        assert_eq!(ics_safe("\nA\r\nB\r".into()), "A\r\nB");
        assert_eq!(ics_safe("A:\tb\r\n".into()), "A:\tb\r\n");
    }
}
