//! The rules of SPEC 3 and 4 that serde cannot express, checked on each record as it
//! loads, each reported at the field it is about.

use chrono::{DateTime, FixedOffset};

use super::records::Check;
use super::yaml::Seg;
use crate::model::date::{Date, Offset};
use crate::model::exception::Exception;
use crate::model::incident::{Incident, LIFECYCLE, MAX_EFFORT_HOURS};
use crate::model::vocab::{ExceptionStatus, ExceptionType, IncidentStatus};

impl Exception {
    /// The rules of SPEC 3 that serde cannot express.
    pub fn check(&self, check: &mut Check) {
        use ExceptionStatus::*;
        check.one_line("title", &self.title);
        let needs = |field: &str, value: bool, when: &str, check: &mut Check| {
            if !value && !check.holds_todo(field) {
                check.error(
                    &["status"],
                    format!("`{field}` is required when {when}"),
                    Some(format!("add `{field}: YYYY-MM-DD`")),
                );
            }
        };
        let status = self.status.as_str();
        if matches!(self.status, Approved | Denied) {
            needs(
                "decided",
                self.decided.is_some(),
                &format!("status is {status}"),
                check,
            );
        }
        if self.status == Approved {
            needs(
                "expires",
                self.expires.is_some(),
                "status is approved",
                check,
            );
        }
        if matches!(self.status, Withdrawn | Closed) {
            needs(
                "closed",
                self.closed.is_some(),
                &format!("status is {status}"),
                check,
            );
        }
        if self.kind == ExceptionType::Extension
            && self
                .remediation_plan
                .as_deref()
                .is_none_or(|p| p.trim().is_empty())
        {
            check.error(
                &["type"],
                "`remediation_plan` is required when type is extension".into(),
                Some("describe the path to the fix in `remediation_plan`, or make the type `acceptance`".into()),
            );
        }
        let dated = |name, date: Option<Date>| (name, date.map(|d| (d, d.to_string())));
        // created <= first_review <= decided <= expires, and created <= closed.
        check.in_order_by(
            &[
                dated("created", Some(self.created)),
                dated("first_review", self.first_review),
                dated("decided", self.decided),
                dated("expires", self.expires),
                dated("closed", self.closed),
            ],
            &[(0, 1), (0, 2), (1, 2), (2, 3), (0, 4)],
            None,
        );
        check.person(&[Seg::Key("requested_by")], &self.requested_by);
        check.person(&[Seg::Key("risk_owner")], &self.risk_owner);
        if let Some(assignee) = &self.assignee {
            check.person(&[Seg::Key("assignee")], assignee);
        }
        for (i, approval) in self.approvals.iter().enumerate() {
            check.one_line_name(&[Seg::Key("approvals"), Seg::Index(i)], &approval.name);
            check.email(
                &[Seg::Key("approvals"), Seg::Index(i)],
                approval.email.as_deref(),
            );
            if approval.date.is_none() && !check.holds_todo(&format!("approvals[{i}].date")) {
                check.error_at(
                    &[Seg::Key("approvals"), Seg::Index(i)],
                    format!("approval by `{}` has no `date`", approval.name),
                    Some("add `date: YYYY-MM-DD`, the day of the decision".into()),
                );
            }
        }
        for (i, renewal) in self.renewals.iter().enumerate() {
            if renewal.expires < renewal.previous_expires {
                check.error_at(
                    &[Seg::Key("renewals"), Seg::Index(i), Seg::Key("expires")],
                    format!(
                        "renewal expires {} before the term it extends ({})",
                        renewal.expires, renewal.previous_expires
                    ),
                    None,
                );
            }
        }
    }
}

impl Incident {
    /// The rules of SPEC 4 that serde cannot express.
    pub fn check(&self, check: &mut Check, tz: Offset) {
        use IncidentStatus::*;
        check.one_line("title", &self.title);
        let status = self.status.as_str();
        if matches!(self.status, Resolved | Closed)
            && self.resolved.is_none()
            && !check.holds_todo("resolved")
        {
            check.error(
                &["status"],
                format!("`resolved` is required when status is {status}"),
                Some("add `resolved:` with the time the fix went live".into()),
            );
        }
        if self.status == Closed && self.closed.is_none() && !check.holds_todo("closed") {
            check.error(
                &["status"],
                "`closed` is required when status is closed".into(),
                Some("add `closed:` with the time the commander closed it".into()),
            );
        }
        check.person(&[Seg::Key("commander")], &self.commander);
        for (i, item) in self.action_items.iter().enumerate() {
            let at = [Seg::Key("action_items"), Seg::Index(i), Seg::Key("owner")];
            check.person(&at, &item.owner);
        }
        if let Some(postmortem) = &self.postmortem {
            for (i, person) in postmortem.participants.iter().enumerate() {
                let at = [
                    Seg::Key("postmortem"),
                    Seg::Key("participants"),
                    Seg::Index(i),
                ];
                check.person(&at, person);
            }
        }
        type Written = (DateTime<FixedOffset>, String);
        let stamps: Vec<(&str, Option<Written>)> = self
            .lifecycle()
            .iter()
            .map(|(name, s)| (*name, s.map(|s| (s.resolve(tz), s.to_string()))))
            .collect();
        check.in_order(
            &stamps,
            Some(format!("the lifecycle runs {}", LIFECYCLE.join(" <= "))),
        );
        match self.effort_hours {
            Some(hours) if !hours.is_finite() || hours < 0.0 => check.error(
                &["effort_hours"],
                "`effort_hours` must be a number of hours, zero or more".into(),
                None,
            ),
            // The metrics add these up by month: a few near the largest number there is
            // would make an infinite total, and the chart of it never finishes.
            // The value is shown on its line as written: `1e300` written out has 301 digits.
            Some(hours) if hours > MAX_EFFORT_HOURS => check.error(
                &["effort_hours"],
                format!("`effort_hours` is more than {MAX_EFFORT_HOURS} hours"),
                Some("that is over a century of work; is it a typo?".into()),
            ),
            _ => {}
        }
    }
}
