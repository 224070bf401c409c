//! Findings: what the program's health automation would raise, each with a stable code,
//! and the lint level that says what one does to a run. The rules that raise them are in
//! `validate::findings`.

use std::ops::Range;
use std::sync::Arc;

use rayon::slice::ParallelSliceMut;
use serde::{Deserialize, Serialize};

use crate::diagnostics::{Diagnostic, Level, SourceFile};

/// What a finding is about: the records or pages a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Exception,
    Incident,
    Page,
}

/// A finding code and when it is raised: what a CI report lists as a rule or a check.
#[derive(Debug)]
pub struct Rule {
    pub code: &'static str,
    pub kind: Kind,
    /// Whether it compares the records with a baseline revision, and so runs only when
    /// `--baseline` names one.
    pub needs_baseline: bool,
    /// Whether it reads the records' history from git (SPEC 14), and so runs only with it.
    pub needs_history: bool,
    /// When it is raised, as SPEC 6 says, in a sentence.
    pub description: &'static str,
}

const fn rule(code: &'static str, kind: Kind, description: &'static str) -> Rule {
    Rule {
        code,
        kind,
        needs_baseline: false,
        needs_history: false,
        description,
    }
}

const fn baseline_rule(code: &'static str, description: &'static str) -> Rule {
    Rule {
        needs_baseline: true,
        ..rule(code, Kind::Exception, description)
    }
}

const fn history_rule(code: &'static str, description: &'static str) -> Rule {
    Rule {
        needs_history: true,
        ..rule(code, Kind::Exception, description)
    }
}

/// Every rule, in the order of SPEC section 6.
pub const RULES: &[Rule] = &[
    rule(
        "exception.expired",
        Kind::Exception,
        "An approved exception has expired.",
    ),
    rule(
        "exception.owner-missing",
        Kind::Exception,
        "An exception's risk owner is empty or \"unassigned\".",
    ),
    rule(
        "exception.owner-departed",
        Kind::Exception,
        "An exception's risk owner or assignee has left, by their `departed` date in data/people.yaml.",
    ),
    rule(
        "exception.approval-missing",
        Kind::Exception,
        "An exception is approved without an approval for a side the policy requires.",
    ),
    rule(
        "exception.approval-insufficient",
        Kind::Exception,
        "An approving side's level is below the policy level for the exception's severity.",
    ),
    rule(
        "exception.term-exceeds-policy",
        Kind::Exception,
        "An exception runs longer than the policy allows for its severity, from its decision or last renewal.",
    ),
    baseline_rule(
        "exception.severity-downgraded",
        "An exception's severity is lower than in the baseline revision.",
    ),
    baseline_rule(
        "exception.severity-raised",
        "An exception's severity is higher than in the baseline revision.",
    ),
    baseline_rule(
        "exception.expiry-moved",
        "An exception expires later than in the baseline revision without a new renewal entry that reaches the new expiry.",
    ),
    rule(
        "incident.postmortem-missing",
        Kind::Incident,
        "A resolved or closed incident of a severity that requires a postmortem has none.",
    ),
    rule(
        "incident.action-item-overdue",
        Kind::Incident,
        "An incident's action item is neither completed nor won't-do, and past its due date.",
    ),
    rule(
        "incident.stale-open",
        Kind::Incident,
        "An incident has been investigating or mitigated for longer than `stale_open_days`.",
    ),
    rule(
        "page.review-overdue",
        Kind::Page,
        "A content page is past its `review_by` date.",
    ),
    rule(
        "page.restricted-link",
        Kind::Page,
        "A page or record links to a page or record classified above it: an audience that may read the one but not the other sees the link's text without the link.",
    ),
    rule(
        "exception.self-approved",
        Kind::Exception,
        "An approval with decision approved comes from the person who requested the exception.",
    ),
    rule(
        "exception.renewal-unreviewed",
        Kind::Exception,
        "A renewal has no approval dated on or after it for a side the policy requires.",
    ),
    history_rule(
        "exception.changed-after-approval",
        "A commit after the last approval changed what it decided on, without a new approval or renewal.",
    ),
    history_rule(
        "exception.approval-backdated",
        "An approval reached git, after the record was created, longer after the date it claims than `history.approval_lag_days`.",
    ),
    rule(
        "exception.todo",
        Kind::Exception,
        "An exception still holds a TODO marker where `secbook new` or `secbook import` could not know the value.",
    ),
    rule(
        "incident.todo",
        Kind::Incident,
        "An incident still holds a TODO marker where `secbook new` could not know the value.",
    ),
];

/// Every finding code, in the order of SPEC section 6.
pub const CODES: &[&str] = &codes();

const fn codes() -> [&'static str; RULES.len()] {
    let mut codes = [""; RULES.len()];
    let mut i = 0;
    while i < RULES.len() {
        codes[i] = RULES[i].code;
        i += 1;
    }
    codes
}

/// A record or a page that rules look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub kind: Kind,
    /// The record id, or the page's content path, as a finding's `subject`.
    pub id: String,
    /// Its file, relative to the handbook.
    pub file: String,
}

/// What a finding does to a run, set per code in handbook.yaml's `lints`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum LintLevel {
    Allow,
    #[default]
    Warn,
    Deny,
}

/// One finding, at the place in the file that it is about.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub level: LintLevel,
    pub file: String,
    pub line: usize,
    /// The record id, or the page's content path.
    pub subject: String,
    pub message: String,
    #[serde(skip)]
    pub source: Arc<SourceFile>,
    #[serde(skip)]
    pub span: Range<usize>,
}

/// Puts findings in their stable order: file, then place, then code.
pub fn sort(found: &mut [Arc<Finding>]) {
    found.par_sort_by(|a, b| (&a.file, a.span.start, a.code).cmp(&(&b.file, b.span.start, b.code)));
}

impl Finding {
    pub fn to_diagnostic(&self) -> Diagnostic {
        let mut d = Diagnostic::error(self.message.clone()).at(&self.source, self.span.clone());
        d.level = if self.level == LintLevel::Deny {
            Level::Error
        } else {
            Level::Warning
        };
        d.code = Some(self.code);
        d.subject = Some(self.subject.as_str().into());
        d
    }
}
