//! Security exceptions: a recorded decision to delay a fix or to accept a risk (SPEC 3).

use serde::{Deserialize, Serialize};

use super::person::Person;
use super::related::{Related, Stakeholder};
use super::vocab::{
    Decision, ExceptionState, ExceptionStatus, ExceptionType, Level, Severity, Side,
};
use crate::model::date::Date;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Exception {
    #[serde(deserialize_with = "crate::model::text::text")]
    pub id: String,
    #[serde(deserialize_with = "crate::model::text::text")]
    pub title: String,
    #[serde(rename = "type")]
    pub kind: ExceptionType,
    pub severity: Severity,
    pub status: ExceptionStatus,
    pub requested_by: Person,
    pub risk_owner: Person,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<Person>,
    pub created: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_review: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<Date>,
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
    pub assets: Vec<String>,
    #[serde(
        default,
        deserialize_with = "crate::model::text::texts",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tags: Vec<String>,
    #[serde(deserialize_with = "crate::model::text::text")]
    pub summary: String,
    #[serde(deserialize_with = "crate::model::text::text")]
    pub justification: String,
    #[serde(
        default,
        deserialize_with = "crate::model::text::texts",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub pros: Vec<String>,
    #[serde(
        default,
        deserialize_with = "crate::model::text::texts",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub cons: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(
        default,
        deserialize_with = "crate::model::text::texts",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub compensating_controls: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation_plan: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approvals: Vec<Approval>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stakeholders: Vec<Stakeholder>,
    #[serde(
        default,
        deserialize_with = "crate::model::text::texts",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub references: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub renewals: Vec<Renewal>,
    #[serde(default, skip_serializing_if = "Related::is_empty")]
    pub related: Related,
    /// Who may read it (SPEC 12): a level of handbook.yaml's `classification`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    #[serde(deserialize_with = "crate::model::text::text")]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(deserialize_with = "crate::model::text::text")]
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub side: Option<Side>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    pub decision: Decision,
    /// `None` only while the date is a TODO marker: [`Exception::check`] requires it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Approval {
    pub fn person(&self) -> Person {
        Person {
            name: self.name.clone(),
            email: self.email.clone(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Renewal {
    pub date: Date,
    pub previous_expires: Date,
    pub expires: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Exception {
    /// The state as of `as_of` (SPEC 3, "Derived state").
    pub fn state(&self, as_of: Date, expiring_within_days: u32) -> ExceptionState {
        match self.status {
            ExceptionStatus::Pending => ExceptionState::Pending,
            ExceptionStatus::Denied => ExceptionState::Denied,
            ExceptionStatus::Withdrawn | ExceptionStatus::Closed => ExceptionState::Closed,
            ExceptionStatus::Approved => match self.expires {
                Some(expires) if expires < as_of => ExceptionState::Expired,
                Some(expires) if expires <= as_of.add_days(i64::from(expiring_within_days)) => {
                    ExceptionState::Expiring
                }
                _ => ExceptionState::Active,
            },
        }
    }

    /// The day the time alone moved the exception into `state`, its [`Exception::state`]:
    /// the day after it expired, or the first day it was within the window before
    /// expiring. `None` for a state a change to the record made. A feed's entry changes on
    /// that day too.
    pub fn state_since(&self, state: ExceptionState, expiring_within_days: u32) -> Option<Date> {
        let expires = self.expires?;
        match state {
            ExceptionState::Expired => Some(expires.add_days(1)),
            ExceptionState::Expiring => Some(expires.add_days(-i64::from(expiring_within_days))),
            _ => None,
        }
    }

    /// The highest level among the approvals with decision approved on `side`, and the
    /// index of that approval; `None` when that side has not approved.
    pub fn approved_level(&self, side: Side) -> Option<(Level, usize)> {
        self.approvals
            .iter()
            .enumerate()
            .filter(|(_, a)| a.decision == Decision::Approved && a.side == Some(side))
            .filter_map(|(i, a)| Some((a.level?, i)))
            .max_by_key(|(level, _)| *level)
    }

    /// The date the current term started: the last renewal, else the decision.
    pub fn term_start(&self) -> Option<Date> {
        self.renewals.iter().map(|r| r.date).max().or(self.decided)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exception(status: &str, expires: Option<&str>) -> Exception {
        let mut yaml = format!(
            "id: E\ntitle: t\ntype: acceptance\nseverity: low\nstatus: {status}\nrequested_by: A\nrisk_owner: B\ncreated: 2026-01-01\nsummary: s\njustification: j\n"
        );
        if let Some(e) = expires {
            yaml.push_str(&format!("decided: 2026-01-02\nexpires: {e}\n"));
        }
        serde_yaml::from_str(&yaml).unwrap()
    }

    #[test]
    fn state_follows_the_spec_table() {
        let d = Date::parse("2026-06-30").unwrap();
        let state = |status, expires| exception(status, expires).state(d, 30);
        assert_eq!(state("pending", None), ExceptionState::Pending);
        assert_eq!(state("denied", None), ExceptionState::Denied);
        assert_eq!(state("withdrawn", None), ExceptionState::Closed);
        assert_eq!(state("closed", None), ExceptionState::Closed);
        assert_eq!(
            state("approved", Some("2026-06-29")),
            ExceptionState::Expired
        );
        assert_eq!(
            state("approved", Some("2026-06-30")),
            ExceptionState::Expiring
        );
        assert_eq!(
            state("approved", Some("2026-07-30")),
            ExceptionState::Expiring
        );
        assert_eq!(
            state("approved", Some("2026-07-31")),
            ExceptionState::Active
        );
    }
}
