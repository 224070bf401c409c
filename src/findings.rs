//! Findings: what the program's health automation would raise, each with a stable code.

use serde::{Deserialize, Serialize};

/// Every finding code, in the order of SPEC section 6.
pub const CODES: &[&str] = &[
    "exception.expired",
    "exception.owner-missing",
    "exception.owner-departed",
    "exception.approval-missing",
    "exception.approval-insufficient",
    "exception.term-exceeds-policy",
    "exception.severity-downgraded",
    "exception.severity-raised",
    "exception.expiry-moved",
    "incident.postmortem-missing",
    "incident.action-item-overdue",
    "incident.stale-open",
    "page.review-overdue",
];

/// What a finding does to a run, set per code in handbook.yaml's `lints`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LintLevel {
    Allow,
    #[default]
    Warn,
    Deny,
}
