//! `secbook report`: what the program's weekly report to risk owners holds (SPEC 11).
//!
//! For each owner: expired exceptions, exceptions expiring within the window, exceptions
//! awaiting a decision, and overdue incident action items. Exceptions go to their risk
//! owner, action items to their owner. Owners are matched by email, else by name, both
//! without regard to case; an empty or "unassigned" owner is grouped as Unassigned.
//! Printed as Markdown, ready to paste into an email or a chat, or as JSON of the same
//! structure.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::derive::handbook::Handbook;
use crate::model::date::{Date, days};
use crate::model::links::absolute_base;
use crate::model::person::Person;
use crate::model::vocab::{ExceptionState, Priority};

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub title: String,
    pub as_of: Date,
    pub expiring_within_days: u32,
    /// Owners with something to act on, by name.
    pub owners: Vec<OwnerReport>,
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
}

#[derive(Debug, Clone, Serialize)]
pub struct ExpiredException {
    pub id: String,
    pub title: String,
    pub severity: &'static str,
    pub expires: Date,
    pub days_overdue: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExpiringException {
    pub id: String,
    pub title: String,
    pub severity: &'static str,
    pub expires: Date,
    pub days_remaining: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PendingException {
    pub id: String,
    pub title: String,
    pub severity: &'static str,
    pub created: Date,
    pub days_waiting: i64,
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
        }
    }

    fn is_empty(&self) -> bool {
        self.expired.is_empty()
            && self.expiring.is_empty()
            && self.pending.is_empty()
            && self.overdue_action_items.is_empty()
    }

    /// Whether `who` (an email, or a name for owners without one) names this owner.
    fn is(&self, who: &str) -> bool {
        let who = who.trim();
        match &self.email {
            Some(email) => email.trim().eq_ignore_ascii_case(who),
            None => self.name.eq_ignore_ascii_case(who),
        }
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

/// The part of the report for `person`, started when new.
fn entry<'a>(
    owners: &'a mut BTreeMap<String, OwnerReport>,
    person: &Person,
) -> &'a mut OwnerReport {
    owners
        .entry(key(person))
        .or_insert_with(|| OwnerReport::new(person))
}

impl Report {
    /// The report as of the handbook's as-of date; only `owner`'s part when given.
    pub fn compute(handbook: &Handbook, owner: Option<&str>) -> Report {
        let as_of = handbook.as_of;
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
                (ExceptionState::Expired, Some(expires)) => entry(&mut owners, &e.risk_owner)
                    .expired
                    .push(ExpiredException {
                        id: e.id.clone(),
                        title: e.title.clone(),
                        severity,
                        expires,
                        days_overdue: expires.days_until(as_of),
                    }),
                (ExceptionState::Expiring, Some(expires)) => entry(&mut owners, &e.risk_owner)
                    .expiring
                    .push(ExpiringException {
                        id: e.id.clone(),
                        title: e.title.clone(),
                        severity,
                        expires,
                        days_remaining: as_of.days_until(expires),
                    }),
                (ExceptionState::Pending, _) => {
                    entry(&mut owners, &e.risk_owner)
                        .pending
                        .push(PendingException {
                            id: e.id.clone(),
                            title: e.title.clone(),
                            severity,
                            created: e.created,
                            days_waiting: e.created.days_until(as_of),
                        })
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
                entry(&mut owners, &item.owner)
                    .overdue_action_items
                    .push(OverdueActionItem {
                        incident: incident.id.clone(),
                        incident_title: incident.title.clone(),
                        title: item.title.clone(),
                        priority: item.priority,
                        due,
                        days_overdue: due.days_until(as_of),
                        ticket: item.ticket.clone(),
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
        let base = absolute_base(base_url);
        let id = |folder: &str, id: &str| match &base {
            Some(base) => format!("[{}]({base}{folder}/{id}/index.html)", escape(id)),
            None => format!("**{}**", escape(id)),
        };
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
            if let Some(email) = &owner.email {
                out.push_str(&format!(" ({})", escape(email)));
            }
            out.push('\n');
            let mut section = |heading: String, lines: Vec<String>| {
                if !lines.is_empty() {
                    out.push_str(&format!("\n### {heading}\n\n"));
                    for line in lines {
                        out.push_str(&format!("- {line}\n"));
                    }
                }
            };
            section(
                "Expired".into(),
                owner
                    .expired
                    .iter()
                    .map(|e| {
                        format!(
                            "{} {} ({}): expired {}, {} overdue",
                            id("exceptions", &e.id),
                            escape(&e.title),
                            e.severity,
                            e.expires,
                            days(e.days_overdue)
                        )
                    })
                    .collect(),
            );
            section(
                format!("Expiring within {}", days(self.expiring_within_days.into())),
                owner
                    .expiring
                    .iter()
                    .map(|e| {
                        format!(
                            "{} {} ({}): expires {}, {} remaining",
                            id("exceptions", &e.id),
                            escape(&e.title),
                            e.severity,
                            e.expires,
                            days(e.days_remaining)
                        )
                    })
                    .collect(),
            );
            section(
                "Awaiting a decision".into(),
                owner
                    .pending
                    .iter()
                    .map(|e| {
                        format!(
                            "{} {} ({}): requested {}, waiting {}",
                            id("exceptions", &e.id),
                            escape(&e.title),
                            e.severity,
                            e.created,
                            days(e.days_waiting)
                        )
                    })
                    .collect(),
            );
            section(
                "Overdue action items".into(),
                owner
                    .overdue_action_items
                    .iter()
                    .map(|a| {
                        let ticket = a
                            .ticket
                            .as_deref()
                            .map(|t| format!(", ticket {}", escape(t)))
                            .unwrap_or_default();
                        format!(
                            "{} {} ({:?}{ticket}): due {}, {} overdue",
                            id("incidents", &a.incident),
                            escape(&a.title),
                            a.priority,
                            a.due,
                            days(a.days_overdue)
                        )
                    })
                    .collect(),
            );
        }
        out
    }
}

/// Escapes the characters that Markdown would read as formatting.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_marks_formatting_characters() {
        assert_eq!(escape("a_b *c* [d]"), r"a\_b \*c\* \[d\]");
    }
}
