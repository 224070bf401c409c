//! `secbook report`: what the program's weekly report to risk owners holds (SPEC 11).
//!
//! For each owner: expired exceptions, exceptions expiring within the window, exceptions
//! awaiting a decision, and overdue incident action items. Exceptions go to their risk
//! owner, action items to their owner, or to whom [`crate::derive::recipients`] sends them when the
//! owner left or can get no mail. Owners are matched by email, else by name, both without
//! regard to case; an empty or "unassigned" owner is grouped as Unassigned. Printed as
//! Markdown, ready to paste into an email or a chat, or as JSON of the same structure;
//! `notify` mails each owner their part.

use std::collections::BTreeMap;

use clap::ValueEnum;
use serde::Serialize;

use crate::cli::{Done, print};
use crate::derive::handbook::Handbook;
use crate::derive::recipients::{Forwarded, Routing};
use crate::diagnostics::{Diagnostic, Error};
use crate::model::date::{Date, days};
use crate::model::links::absolute_base;
use crate::model::person::Person;
use crate::model::vocab::{ExceptionState, Priority};
use crate::pipeline::{self, Options};

/// How `report` prints the report.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Headings per owner and bullet lists, to paste into an email or a chat.
    Markdown,
    /// The same structure as JSON.
    Json,
}

/// `secbook report`: prints the report, only `owner`'s part when given, in `format`, and
/// says how many owners have something to act on. The handbook's findings are `check`'s
/// to report.
pub fn run(options: &Options, owner: Option<&str>, format: Format) -> Result<Done, Error> {
    let (handbook, _) = pipeline::load_handbook(options)?;
    if let Some(who) = owner {
        known_owner(&handbook, who)?;
    }
    let report = Report::compute(&handbook, owner);
    let text = match format {
        Format::Markdown => report.to_markdown(&handbook.config.base_url),
        Format::Json => report.to_json(),
    };
    print(text.as_bytes())?;
    let summary = match (owner, report.owners.len()) {
        (Some(who), 0) => {
            let nothing = format!("nothing needs action from {who} (as of {})", report.as_of);
            match forwarded_from(&handbook, who) {
                Some(to) => format!("{nothing}: {to}"),
                None => nothing,
            }
        }
        (_, n) => format!(
            "{n} owner(s) with something to act on (as of {})",
            report.as_of
        ),
    };
    Ok(Done {
        warnings: report.warnings,
        summary,
    })
}

/// Where the items of `who` go when they are someone else's to act on (`who` left, or
/// has no address): told, since "nothing needs action" alone would read as all clear.
fn forwarded_from(handbook: &Handbook, who: &str) -> Option<String> {
    let all = Report::compute(handbook, None);
    all.owners.iter().find_map(|o| {
        let from =
            (o.forwarded.iter()).find(|f| names(owner_key(&f.name, f.email.as_deref()), who))?;
        let to = Person {
            name: o.name.clone(),
            email: o.email.clone(),
        };
        Some(format!("{} They are in the part of {to}.", from.why()))
    })
}

/// Refuses an `--owner` that names no one the handbook knows, by email or name: told that
/// nothing needs their action, a mistyped address would read as all clear. Those known
/// are data/people.yaml's, the risk owners, the owners of action items, and the fallback.
/// For an audience, what the refusal offers instead comes only from the records it may
/// read and the fallback: data/people.yaml also names the people of hidden records.
pub fn known_owner(handbook: &Handbook, who: &str) -> Result<(), Error> {
    if who.trim().is_empty() {
        return Err(Error::Usage(
            "--owner is empty: give the email of the person whose part to make".into(),
        ));
    }
    let records = &handbook.records;
    let fallback = handbook.config.notify.as_ref().map(|n| {
        let name = n.fallback.name.clone().unwrap_or_default();
        (name, Some(n.fallback.email.to_string()))
    });
    let fallback = fallback
        .as_ref()
        .map(|(name, email)| (name.as_str(), email.as_deref()));
    let people = (records.people.entries().iter()).map(|e| (e.name.as_str(), e.email.as_deref()));
    let owners = (records.exceptions.iter()).map(|e| &e.record.risk_owner);
    let items =
        (records.incidents.iter()).flat_map(|i| i.record.action_items.iter().map(|a| &a.owner));
    let shown: Vec<(&str, Option<&str>)> = owners
        .chain(items)
        .map(|p| (p.name.as_str(), p.email.as_deref()))
        .chain(fallback)
        .collect();
    let people: Vec<(&str, Option<&str>)> = people.collect();
    let who = who.trim();
    fn keys<'a>(known: &[(&'a str, Option<&'a str>)]) -> impl Iterator<Item = &'a str> {
        (known.iter()).map(|&(name, email)| owner_key(name, email))
    }
    if keys(&shown).chain(keys(&people)).any(|key| names(key, who)) {
        return Ok(());
    }
    let offered = match handbook.audience {
        Some(_) => shown,
        None => [shown, people].concat(),
    };
    let by_name = offered
        .iter()
        .find_map(|&(name, email)| email.filter(|_| names(name, who)));
    if let Some(email) = by_name {
        return Err(Error::Usage(format!(
            "--owner names a person by email where they have one: `{email}` for {who}"
        )));
    }
    let hint = crate::diagnostics::closest(who, keys(&offered))
        .map(|best| format!(": did you mean `{best}`?"))
        .unwrap_or_default();
    Err(Error::Usage(format!(
        "--owner `{who}` is no one the handbook names{hint}"
    )))
}

/// What `--owner` names an owner by: their email, or their name where they have none.
fn owner_key<'a>(name: &'a str, email: Option<&'a str>) -> &'a str {
    email.unwrap_or(name)
}

/// Whether `who`, as given on the command line, is `key`.
fn names(key: &str, who: &str) -> bool {
    key.trim().eq_ignore_ascii_case(who.trim())
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub title: String,
    pub as_of: Date,
    pub expiring_within_days: u32,
    /// Owners with something to act on, by name.
    pub owners: Vec<OwnerReport>,
    /// What `report` and `notify` warn of in how the items are routed: a fallback who left.
    #[serde(skip)]
    pub warnings: Vec<Diagnostic>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OwnerReport {
    pub name: String,
    pub email: Option<String>,
    /// Most overdue first.
    pub expired: Vec<ExpiredException>,
    /// Soonest first.
    pub expiring: Vec<ExpiringException>,
    /// Longest waiting first.
    pub pending: Vec<PendingException>,
    /// Most overdue first.
    pub overdue_action_items: Vec<OverdueActionItem>,
    /// The owners whose items come here instead of to them, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub forwarded: Vec<Forwarded>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExpiredException {
    pub id: String,
    pub title: String,
    pub severity: &'static str,
    pub expires: Date,
    pub days_overdue: i64,
    /// The owner the record names, when the item comes here instead of to them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExpiringException {
    pub id: String,
    pub title: String,
    pub severity: &'static str,
    pub expires: Date,
    pub days_remaining: i64,
    /// The owner the record names, when the item comes here instead of to them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PendingException {
    pub id: String,
    pub title: String,
    pub severity: &'static str,
    pub created: Date,
    pub days_waiting: i64,
    /// The owner the record names, when the item comes here instead of to them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OverdueActionItem {
    pub incident: String,
    pub incident_title: String,
    pub title: String,
    pub priority: Priority,
    pub due: Date,
    pub days_overdue: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// The owner the record names, when the item comes here instead of to them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

impl OwnerReport {
    fn new(person: &Person) -> Self {
        let unassigned = person.is_unassigned();
        OwnerReport {
            name: if unassigned {
                "Unassigned".into()
            } else {
                person.name.trim().to_string()
            },
            email: person.email.clone().filter(|_| !unassigned),
            expired: Vec::new(),
            expiring: Vec::new(),
            pending: Vec::new(),
            overdue_action_items: Vec::new(),
            forwarded: Vec::new(),
        }
    }

    /// How many items need action.
    pub fn count(&self) -> usize {
        self.expired.len()
            + self.expiring.len()
            + self.pending.len()
            + self.overdue_action_items.len()
    }

    fn is_empty(&self) -> bool {
        self.count() == 0
    }

    /// Whether `who` names this owner (see [`owner_key`]).
    fn is(&self, who: &str) -> bool {
        names(owner_key(&self.name, self.email.as_deref()), who)
    }
}

/// The grouping key of an owner.
fn key(person: &Person) -> String {
    if person.is_unassigned() {
        "unassigned".into()
    } else {
        person.key()
    }
}

/// The part of the report that gets the items of `owner`, started when new, and the
/// owner's name when that part is someone else's.
fn entry<'a>(
    owners: &'a mut BTreeMap<String, OwnerReport>,
    routing: &Routing,
    owner: &Person,
) -> (&'a mut OwnerReport, Option<String>) {
    let recipient = routing.recipient(owner);
    let part = owners
        .entry(key(&recipient.person))
        .or_insert_with(|| OwnerReport::new(&recipient.person));
    let forwarded_from = recipient.forwarded.map(|f| {
        let name = f.name.clone();
        if !part.forwarded.contains(&f) {
            part.forwarded.push(f);
        }
        name
    });
    (part, forwarded_from)
}

impl Report {
    /// The report as of the handbook's as-of date; only `owner`'s part when given.
    pub fn compute(handbook: &Handbook, owner: Option<&str>) -> Report {
        let as_of = handbook.as_of;
        let routing = Routing::of(handbook);
        let mut owners: BTreeMap<String, OwnerReport> = BTreeMap::new();
        for (loaded, state) in handbook
            .records
            .exceptions
            .iter()
            .zip(&handbook.exception_states)
        {
            let e = &loaded.record;
            let severity = e.severity.as_str();
            match (state, e.expires) {
                (ExceptionState::Expired, Some(expires)) => {
                    let (part, owner) = entry(&mut owners, &routing, &e.risk_owner);
                    part.expired.push(ExpiredException {
                        id: e.id.clone(),
                        title: e.title.clone(),
                        severity,
                        expires,
                        days_overdue: expires.days_until(as_of),
                        owner,
                    });
                }
                (ExceptionState::Expiring, Some(expires)) => {
                    let (part, owner) = entry(&mut owners, &routing, &e.risk_owner);
                    part.expiring.push(ExpiringException {
                        id: e.id.clone(),
                        title: e.title.clone(),
                        severity,
                        expires,
                        days_remaining: as_of.days_until(expires),
                        owner,
                    });
                }
                (ExceptionState::Pending, _) => {
                    let (part, owner) = entry(&mut owners, &routing, &e.risk_owner);
                    part.pending.push(PendingException {
                        id: e.id.clone(),
                        title: e.title.clone(),
                        severity,
                        created: e.created,
                        days_waiting: e.created.days_until(as_of),
                        owner,
                    });
                }
                _ => {}
            }
        }
        for loaded in &handbook.records.incidents {
            let incident = &loaded.record;
            for item in &incident.action_items {
                let Some(due) = item.due.filter(|_| item.is_overdue(as_of)) else {
                    continue;
                };
                let (part, owner) = entry(&mut owners, &routing, &item.owner);
                part.overdue_action_items.push(OverdueActionItem {
                    incident: incident.id.clone(),
                    incident_title: incident.title.clone(),
                    title: item.title.clone(),
                    priority: item.priority,
                    due,
                    days_overdue: due.days_until(as_of),
                    ticket: item.ticket.clone(),
                    owner,
                });
            }
        }
        let mut owners: Vec<OwnerReport> = owners
            .into_values()
            .filter(|o| !o.is_empty())
            .filter(|o| owner.is_none_or(|who| o.is(who)))
            .map(|mut o| {
                o.expired
                    .sort_by(|a, b| a.expires.cmp(&b.expires).then(a.id.cmp(&b.id)));
                o.expiring
                    .sort_by(|a, b| a.expires.cmp(&b.expires).then(a.id.cmp(&b.id)));
                o.pending
                    .sort_by(|a, b| a.created.cmp(&b.created).then(a.id.cmp(&b.id)));
                o.overdue_action_items.sort_by(|a, b| {
                    a.due
                        .cmp(&b.due)
                        .then(a.priority.cmp(&b.priority))
                        .then(a.incident.cmp(&b.incident))
                });
                o.forwarded.sort();
                o
            })
            .collect();
        owners.sort_by_cached_key(|o| {
            (
                o.name == "Unassigned",
                o.name.to_lowercase(),
                o.email.clone(),
            )
        });
        Report {
            title: handbook.config.title.clone(),
            as_of,
            expiring_within_days: handbook.config.exceptions.expiring_within_days,
            owners,
            warnings: routing.fallback_warning().into_iter().collect(),
        }
    }

    /// The report as pretty JSON, ending in a newline.
    pub fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self).unwrap_or_default();
        json.push('\n');
        json
    }

    /// The report as Markdown. Ids link to their pages when `base_url` is absolute, since
    /// a relative link means nothing in an email.
    pub fn to_markdown(&self, base_url: &str) -> String {
        // A parenthesis would end the link's destination (`[EXC-1](https://x/a)b/...)`):
        // it is written as its escape, which leads to the same page.
        let base = absolute_base(base_url).map(|b| b.replace('(', "%28").replace(')', "%29"));
        let mut out = format!(
            "# Weekly report to risk owners\n\n{}, as of {}.\n",
            escape(&self.title),
            self.as_of
        );
        if self.owners.is_empty() {
            out.push_str("\nNothing needs action.\n");
            return out;
        }
        for owner in &self.owners {
            out.push_str(&format!("\n## {}", escape(&owner.name)));
            // A fallback named by its address alone is not named twice.
            if let Some(email) = owner.email.as_ref().filter(|e| **e != owner.name) {
                out.push_str(&format!(" ({})", escape(email)));
            }
            out.push('\n');
            if !owner.forwarded.is_empty() {
                out.push('\n');
                for f in &owner.forwarded {
                    out.push_str(&format!("{}\n", escape(&f.why())));
                }
            }
            for section in self.sections(owner) {
                out.push_str(&format!("\n### {}\n\n", section.heading));
                for line in section.lines {
                    let id = match &base {
                        Some(base) => format!("[{}]({base}{})", escape(line.id), line.path()),
                        None => format!("**{}**", escape(line.id)),
                    };
                    out.push_str(&format!(
                        "- {id} {} ({}): {}\n",
                        escape(line.title),
                        escape(&line.tags()),
                        line.detail
                    ));
                }
            }
        }
        out
    }

    /// An owner's items under their headings, as every rendering of the report words
    /// them; only the headings with items.
    pub fn sections<'a>(&self, owner: &'a OwnerReport) -> Vec<Section<'a>> {
        let owned_by = |from: &Option<String>, role: &str| {
            from.iter().map(|name| format!("{role} {name}")).collect()
        };
        let sections = [
            Section {
                heading: "Expired".into(),
                lines: owner
                    .expired
                    .iter()
                    .map(|e| Line {
                        register: Register::Exceptions,
                        id: &e.id,
                        title: &e.title,
                        badge: e.severity.into(),
                        notes: owned_by(&e.owner, "risk owner"),
                        detail: format!("expired {}, {} overdue", e.expires, days(e.days_overdue)),
                    })
                    .collect(),
            },
            Section {
                heading: format!("Expiring within {}", days(self.expiring_within_days.into())),
                lines: owner
                    .expiring
                    .iter()
                    .map(|e| Line {
                        register: Register::Exceptions,
                        id: &e.id,
                        title: &e.title,
                        badge: e.severity.into(),
                        notes: owned_by(&e.owner, "risk owner"),
                        detail: format!(
                            "expires {}, {} remaining",
                            e.expires,
                            days(e.days_remaining)
                        ),
                    })
                    .collect(),
            },
            Section {
                heading: "Awaiting a decision".into(),
                lines: owner
                    .pending
                    .iter()
                    .map(|e| Line {
                        register: Register::Exceptions,
                        id: &e.id,
                        title: &e.title,
                        badge: e.severity.into(),
                        notes: owned_by(&e.owner, "risk owner"),
                        // A record may be written before the day it is filed.
                        detail: match e.days_waiting {
                            n if n < 0 => format!("requested {}, in {}", e.created, days(-n)),
                            n => format!("requested {}, waiting {}", e.created, days(n)),
                        },
                    })
                    .collect(),
            },
            Section {
                heading: "Overdue action items".into(),
                lines: owner
                    .overdue_action_items
                    .iter()
                    .map(|a| {
                        let ticket = a.ticket.iter().map(|t| format!("ticket {t}"));
                        Line {
                            register: Register::Incidents,
                            id: &a.incident,
                            title: &a.title,
                            badge: format!("{:?}", a.priority),
                            notes: ticket.chain(owned_by(&a.owner, "owner")).collect(),
                            detail: format!("due {}, {} overdue", a.due, days(a.days_overdue)),
                        }
                    })
                    .collect(),
            },
        ];
        sections
            .into_iter()
            .filter(|s| !s.lines.is_empty())
            .collect()
    }
}

/// One heading of an owner's part of the report.
pub struct Section<'a> {
    pub heading: String,
    pub lines: Vec<Line<'a>>,
}

/// One item of an owner's part of the report.
pub struct Line<'a> {
    pub register: Register,
    /// The record's id: an exception's, or the incident an action item belongs to.
    pub id: &'a str,
    pub title: &'a str,
    /// The exception's severity or the action item's priority.
    pub badge: String,
    /// The rest of what the report writes in brackets: the ticket, and the owner the record
    /// names when the item comes from them.
    pub notes: Vec<String>,
    /// The dates and how far they are.
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Register {
    Exceptions,
    Incidents,
}

impl Line<'_> {
    /// What the report writes in brackets.
    pub fn tags(&self) -> String {
        std::iter::once(self.badge.as_str())
            .chain(self.notes.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The path of the record's page in the site.
    pub fn path(&self) -> String {
        match self.register {
            Register::Exceptions => format!("exceptions/{}/index.html", self.id),
            Register::Incidents => format!("incidents/{}/index.html", self.id),
        }
    }
}

/// Escapes the characters that Markdown would read as formatting or as the start of a
/// character reference (`&lt;` would show `<`) or GitHub's strikethrough, and keeps the text on
/// its line: a line break is a space, so a value cannot start a line of the report, which a
/// CI system printing it may read as a command (`::error ...`); a control or bidirectional
/// character is written as Rust writes it (`\u{1b}`), as in a diagnostic.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '&' | '~'
        ) {
            out.push('\\');
        }
        match c {
            '\n' | '\r' => out.push(' '),
            c if crate::diagnostics::is_hidden(c) => {
                out.push_str(&crate::diagnostics::visible(c.encode_utf8(&mut [0; 4])))
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_marks_formatting_characters() {
        assert_eq!(escape("a_b *c* [d]"), r"a\_b \*c\* \[d\]");
        assert_eq!(
            escape("AT&T &lt;b&gt; ~~x~~"),
            r"AT\&T \&lt;b\&gt; \~\~x\~\~"
        );
        // Read back by a Markdown reader with GitHub's extensions, each value is its text
        // where the report writes it, after a label.
        let values = [
            "AT&T &lt;script&gt; &#42;x&#42; &amp;",
            "~~gone~~ *a* _b_ `c` [d](e) ![f](g) <h@i.j> <https://k.l>",
            "# not a heading | not a cell \\ \\* x^2 $y$ {z}",
            "1. not a list - + = ---",
            "https://m.example/n_o_p www.q.example",
        ];
        for value in values {
            let options = pulldown_cmark::Options::ENABLE_STRIKETHROUGH
                | pulldown_cmark::Options::ENABLE_TABLES
                | pulldown_cmark::Options::ENABLE_GFM;
            let line = format!("- **EXC-1** {}", escape(value));
            let text: String = pulldown_cmark::Parser::new_ext(&line, options)
                .map(|event| match event {
                    pulldown_cmark::Event::Text(t) | pulldown_cmark::Event::Code(t) => {
                        t.into_string()
                    }
                    other => format!("<{other:?}>"),
                })
                .collect();
            let expected = format!(
                "<Start(List(None))><Start(Item)><Start(Strong)>EXC-1<End(Strong)> {value}\
                 <End(Item)><End(List(false))>"
            );
            assert_eq!(text, expected, "{line}");
        }
        assert_eq!(
            escape("Patch\r\n::error file=x::y \u{1b}[2J"),
            r"Patch  ::error file=x::y \u{1b}\[2J"
        );
    }
}
