//! Redaction (SPEC 12): the fields of a record an audience may not read, replaced by
//! "redacted" in the record itself, so that every page and export made from it shows that.

use super::exception::Exception;
use super::incident::Incident;
use super::person::Person;
use super::related::Stakeholder;

/// What a redacted text reads.
pub const REDACTED: &str = "redacted";

/// The fields an audience's `redact` may name: those of text and people, in either kind of
/// record. Within a field, what is not text (dates, decisions, levels, priorities) stays,
/// and numbers and yes-or-no answers are left out.
pub const REDACTABLE: &[&str] = &[
    "title",
    "requested_by",
    "risk_owner",
    "assignee",
    "commander",
    "source",
    "category",
    "summary",
    "justification",
    "description",
    "remediation_plan",
    "pros",
    "cons",
    "compensating_controls",
    "tickets",
    "assets",
    "tags",
    "references",
    "channels",
    "approvals",
    "renewals",
    "stakeholders",
    "impact",
    "timeline",
    "action_items",
    "open_questions",
    "postmortem",
];

/// The record fields that cannot be redacted: ids, dates, vocabularies and numbers, which
/// states, metrics and findings are computed from, and the cross links, which the audience's
/// view already keeps to what it may read.
pub const KEPT: &[&str] = &[
    "id",
    "type",
    "severity",
    "status",
    "created",
    "first_review",
    "decided",
    "expires",
    "closed",
    "started",
    "detected",
    "reported",
    "responded",
    "contained",
    "resolved",
    "effort_hours",
    "related",
    "classification",
];

/// Redacts fields, keeping the texts it took out: see [`texts`].
#[derive(Debug, Default)]
pub struct Redaction {
    removed: Vec<String>,
}

/// The texts that redacting `fields` of `record` would take out, the record left as it is:
/// every text of those fields, which is how an audience's view knows what it may not show
/// where a text comes from elsewhere (git, a finding made before the redaction).
pub fn texts<'a, T: Clone>(
    record: &T,
    redact: fn(&mut T, &str, &mut Redaction) -> bool,
    fields: impl IntoIterator<Item = &'a str>,
) -> Vec<String> {
    let mut copy = record.clone();
    let mut r = Redaction::default();
    for field in fields {
        redact(&mut copy, field, &mut r);
    }
    r.removed
}

impl Redaction {
    /// Every text it took out.
    pub fn into_removed(self) -> Vec<String> {
        self.removed
    }

    fn keep(&mut self, old: String) {
        if !old.trim().is_empty() && old != REDACTED {
            self.removed.push(old);
        }
    }

    fn text(&mut self, text: &mut String) {
        let old = std::mem::replace(text, REDACTED.to_string());
        self.keep(old);
    }

    fn optional(&mut self, text: &mut Option<String>) {
        if let Some(text) = text {
            self.text(text);
        }
    }

    /// A list of texts becomes one "redacted": how many there were is not shown either.
    fn list(&mut self, list: &mut Vec<String>) {
        if list.is_empty() {
            return;
        }
        for old in std::mem::replace(list, vec![REDACTED.to_string()]) {
            self.keep(old);
        }
    }

    fn person(&mut self, person: &mut Person) {
        self.text(&mut person.name);
        if let Some(email) = person.email.take() {
            self.keep(email);
        }
    }

    fn people(&mut self, people: &mut Vec<Person>) {
        if people.is_empty() {
            return;
        }
        for mut old in std::mem::take(people) {
            self.person(&mut old);
        }
        people.push(Person::parse(REDACTED));
    }

    fn stakeholders(&mut self, stakeholders: &mut [Stakeholder]) {
        for s in stakeholders {
            self.text(&mut s.name);
            self.optional(&mut s.role);
            self.optional(&mut s.involvement);
        }
    }
}

impl Exception {
    /// Redacts `field`; false when an exception has no field of that name to redact.
    pub fn redact(&mut self, field: &str, r: &mut Redaction) -> bool {
        match field {
            "title" => r.text(&mut self.title),
            "requested_by" => r.person(&mut self.requested_by),
            "risk_owner" => r.person(&mut self.risk_owner),
            "assignee" => {
                if let Some(p) = &mut self.assignee {
                    r.person(p);
                }
            }
            "summary" => r.text(&mut self.summary),
            "justification" => r.text(&mut self.justification),
            "description" => r.optional(&mut self.description),
            "remediation_plan" => r.optional(&mut self.remediation_plan),
            "pros" => r.list(&mut self.pros),
            "cons" => r.list(&mut self.cons),
            "compensating_controls" => r.list(&mut self.compensating_controls),
            "tickets" => r.list(&mut self.tickets),
            "assets" => r.list(&mut self.assets),
            "tags" => r.list(&mut self.tags),
            "references" => r.list(&mut self.references),
            "approvals" => {
                for a in &mut self.approvals {
                    r.text(&mut a.name);
                    if let Some(email) = a.email.take() {
                        r.keep(email);
                    }
                    r.text(&mut a.role);
                    r.optional(&mut a.note);
                }
            }
            "renewals" => {
                for renewal in &mut self.renewals {
                    r.optional(&mut renewal.note);
                }
            }
            "stakeholders" => r.stakeholders(&mut self.stakeholders),
            _ => return false,
        }
        true
    }
}

impl Incident {
    /// Redacts `field`; false when an incident has no field of that name to redact.
    pub fn redact(&mut self, field: &str, r: &mut Redaction) -> bool {
        match field {
            "title" => r.text(&mut self.title),
            "commander" => r.person(&mut self.commander),
            "source" => r.text(&mut self.source),
            "category" => r.optional(&mut self.category),
            "summary" => r.text(&mut self.summary),
            "description" => r.optional(&mut self.description),
            "impact" => {
                if let Some(impact) = &mut self.impact {
                    r.optional(&mut impact.notes);
                    impact.customers_affected = None;
                    impact.data_exposed = None;
                    impact.redacted = true;
                }
            }
            "timeline" => {
                for entry in &mut self.timeline {
                    r.text(&mut entry.event);
                }
            }
            "action_items" => {
                for item in &mut self.action_items {
                    r.text(&mut item.title);
                    r.person(&mut item.owner);
                    r.optional(&mut item.ticket);
                }
            }
            "open_questions" => {
                for q in &mut self.open_questions {
                    r.text(&mut q.question);
                    r.optional(&mut q.notes);
                    r.optional(&mut q.answer);
                }
            }
            "stakeholders" => r.stakeholders(&mut self.stakeholders),
            // An action item's ticket is a ticket too: a reader kept from the tracker's
            // numbers is kept from all of them.
            "tickets" => {
                r.list(&mut self.tickets);
                for item in &mut self.action_items {
                    r.optional(&mut item.ticket);
                }
            }
            "channels" => r.list(&mut self.channels),
            "postmortem" => {
                if let Some(p) = &mut self.postmortem {
                    r.people(&mut p.participants);
                    r.list(&mut p.went_well);
                    r.list(&mut p.went_ok);
                    r.list(&mut p.went_poorly);
                    r.optional(&mut p.notes);
                }
            }
            _ => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXCEPTION: &str =
        include_str!("../../tests/fixtures/valid/records/data/exceptions/EXC-001.yaml");
    const INCIDENT: &str =
        include_str!("../../tests/fixtures/valid/records/data/incidents/INC-001.yaml");

    /// The keys inside a field that are not text: they stay when the field is redacted.
    const STRUCTURE: &[&str] = &[
        "date",
        "at",
        "due",
        "expires",
        "previous_expires",
        "decision",
        "side",
        "level",
        "priority",
        "status",
        "page",
    ];

    /// Whether every text of `value` reads "redacted", but under a key of [`STRUCTURE`], and
    /// no number or yes-or-no answer is left.
    fn redacted_whole(value: &serde_json::Value) -> bool {
        match value {
            serde_json::Value::String(s) => s == REDACTED,
            serde_json::Value::Array(items) => items.iter().all(redacted_whole),
            serde_json::Value::Object(map) => map
                .iter()
                .all(|(k, v)| STRUCTURE.contains(&k.as_str()) || redacted_whole(v)),
            serde_json::Value::Null => true,
            _ => false,
        }
    }

    /// Each field of `record` as loaded is either redactable or kept, and each redactable
    /// one redacts whole.
    fn every_field<T: serde::Serialize>(
        record: &mut T,
        redact: fn(&mut T, &str, &mut Redaction) -> bool,
    ) {
        let before = serde_json::to_value(&*record).unwrap();
        let fields: Vec<String> = before.as_object().unwrap().keys().cloned().collect();
        assert!(fields.len() > 15, "{fields:?}");
        let mut r = Redaction::default();
        for field in &fields {
            let redactable = REDACTABLE.contains(&field.as_str());
            assert!(
                redactable || KEPT.contains(&field.as_str()),
                "`{field}` is neither redactable nor kept"
            );
            assert_eq!(redact(record, field, &mut r), redactable, "{field}");
        }
        let after = serde_json::to_value(&*record).unwrap();
        for field in fields.iter().filter(|f| REDACTABLE.contains(&f.as_str())) {
            assert!(redacted_whole(&after[field]), "{field}: {}", after[field]);
        }
    }

    #[test]
    fn every_field_of_a_record_is_redactable_or_kept_and_redacts_whole() {
        let mut e: Exception = serde_yaml::from_str(EXCEPTION).unwrap();
        every_field(&mut e, Exception::redact);
        let mut i: Incident = serde_yaml::from_str(INCIDENT).unwrap();
        every_field(&mut i, Incident::redact);
        for field in REDACTABLE {
            let mut r = Redaction::default();
            let mut e: Exception = serde_yaml::from_str(EXCEPTION).unwrap();
            let mut i: Incident = serde_yaml::from_str(INCIDENT).unwrap();
            assert!(
                e.redact(field, &mut r) || i.redact(field, &mut r),
                "`{field}` redacts nothing"
            );
        }
    }

    #[test]
    fn redacting_tickets_takes_the_action_items_tickets_too() {
        let mut i: Incident = serde_yaml::from_str(INCIDENT).unwrap();
        assert!(i.action_items.iter().any(|a| a.ticket.is_some()));
        let mut r = Redaction::default();
        i.redact("tickets", &mut r);
        for item in &i.action_items {
            assert!(
                item.ticket.as_deref().is_none_or(|t| t == REDACTED),
                "{item:?}"
            );
            assert_ne!(item.title, REDACTED);
        }
        assert!(r.into_removed().contains(&"SEC-201".to_string()));
    }

    #[test]
    fn texts_are_those_redaction_takes_out_and_leave_the_record() {
        let e: Exception = serde_yaml::from_str(EXCEPTION).unwrap();
        let taken = texts(&e, Exception::redact, ["risk_owner", "tickets", "id"]);
        assert!(e.tickets.len() > 1, "{:?}", e.tickets);
        assert_eq!(taken[0], e.risk_owner.name);
        assert_eq!(Some(&taken[1]), e.risk_owner.email.as_ref());
        assert_eq!(taken[2..], e.tickets[..]);
        assert_ne!(e.risk_owner.name, REDACTED);
    }
}
