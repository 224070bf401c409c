//! How an exception measures up to the approval policy for its severity (SPEC 2 and 3):
//! the findings and the exception page both read this, so they cannot disagree.

use std::collections::BTreeMap;

use crate::load::config::PolicyRule;
use crate::model::date::Date;
use crate::model::exception::Exception;
use crate::model::vocab::{Level, Severity, Side};

/// How one side's approvals meet the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Met {
    NotRequired,
    Missing,
    Insufficient,
    Met,
}

impl Met {
    pub fn as_str(self) -> &'static str {
        match self {
            Met::NotRequired => "not required",
            Met::Missing => "missing",
            Met::Insufficient => "insufficient",
            Met::Met => "met",
        }
    }
}

/// One side (business or security) of the policy.
#[derive(Debug, Clone)]
pub struct SideCheck {
    pub side: Side,
    /// The policy's minimum level for the severity; `None` when the side is not required.
    pub required: Option<Level>,
    /// The highest level among this side's approvals with decision approved, and the index
    /// of that approval.
    pub approved: Option<(Level, usize)>,
    pub result: Met,
}

/// The exception's current term against the policy's longest.
#[derive(Debug, Clone)]
pub struct Term {
    pub start: Date,
    pub end: Date,
    pub days: i64,
    pub max_days: Option<u32>,
    pub within: bool,
}

#[derive(Debug, Clone)]
pub struct Policy {
    /// In the order of [`Side::ALL`].
    pub sides: Vec<SideCheck>,
    pub term: Option<Term>,
    /// The policy's longest term for the severity; `None` when the policy has no rule for it.
    pub max_days: Option<u32>,
}

impl Policy {
    pub fn of(policy: &BTreeMap<Severity, PolicyRule>, e: &Exception) -> Policy {
        let rule = policy.get(&e.severity);
        let sides = Side::ALL
            .iter()
            .map(|&side| {
                let required = rule.and_then(|r| match side {
                    Side::Business => r.business,
                    Side::Security => r.security,
                });
                let approved = e.approved_level(side);
                let result = match (required, approved) {
                    (None, _) => Met::NotRequired,
                    (Some(_), None) => Met::Missing,
                    (Some(req), Some((level, _))) if level < req => Met::Insufficient,
                    (Some(_), Some(_)) => Met::Met,
                };
                SideCheck {
                    side,
                    required,
                    approved,
                    result,
                }
            })
            .collect();
        let max_days = rule.map(|r| r.max_days);
        let term = match (e.term_start(), e.expires) {
            (Some(start), Some(end)) => {
                let days = start.days_until(end);
                Some(Term {
                    start,
                    end,
                    days,
                    max_days,
                    within: max_days.is_none_or(|m| days <= i64::from(m)),
                })
            }
            _ => None,
        };
        Policy {
            sides,
            term,
            max_days,
        }
    }

    /// Every required side met and the term within policy.
    pub fn compliant(&self) -> bool {
        self.sides
            .iter()
            .all(|s| matches!(s.result, Met::Met | Met::NotRequired))
            && self.term.as_ref().is_none_or(|t| t.within)
    }
}
