//! The closed vocabularies of the records: each a type, so a typo is a load error.

use serde::{Deserialize, Serialize};

/// Whether `text` is a word of the vocabularies that secbook writes in its own words: a
/// side, a level, a severity, a decision, a state. A redacted text that is one (an
/// approver's role written "Security") tells nothing where secbook writes that word, and
/// scrubbing it there would garble the finding that says which side's approval is missing.
pub fn is_own_word(text: &str) -> bool {
    let mut words = (Side::ALL.iter().map(|w| w.as_str()))
        .chain(Level::ALL.iter().map(|w| w.as_str()))
        .chain(Severity::ALL.iter().map(|w| w.as_str()))
        .chain(IncidentSeverity::ALL.iter().map(|w| w.as_str()))
        .chain(Decision::ALL.iter().map(|w| w.as_str()))
        .chain(ExceptionState::ALL.iter().map(|w| w.as_str()));
    let text = text.trim();
    words.any(|w| w.eq_ignore_ascii_case(text))
}

/// Risk level of an exception, as ranked by the vulnerability program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
}

impl Severity {
    pub const ALL: [Severity; 4] = [Self::Critical, Self::High, Self::Medium, Self::Low];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Critical => "critical",
            Self::High => "high",
            Self::Medium => "medium",
            Self::Low => "low",
        }
    }
}

/// Which side of the company an approver speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Business,
    Security,
}

impl Side {
    pub const ALL: [Side; 2] = [Self::Business, Self::Security];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Business => "business",
            Self::Security => "security",
        }
    }
}

/// Seniority of an approver; the order is the policy order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Staff,
    Manager,
    Director,
    Vp,
    Executive,
}

impl Level {
    pub const ALL: [Level; 5] = [
        Self::Staff,
        Self::Manager,
        Self::Director,
        Self::Vp,
        Self::Executive,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Staff => "staff",
            Self::Manager => "manager",
            Self::Director => "director",
            Self::Vp => "vp",
            Self::Executive => "executive",
        }
    }
}

/// Incident severity, sev1 the most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IncidentSeverity {
    Sev1,
    Sev2,
    Sev3,
    Sev4,
}

impl IncidentSeverity {
    pub const ALL: [IncidentSeverity; 4] = [Self::Sev1, Self::Sev2, Self::Sev3, Self::Sev4];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sev1 => "sev1",
            Self::Sev2 => "sev2",
            Self::Sev3 => "sev3",
            Self::Sev4 => "sev4",
        }
    }
}

/// Delay the fix, or accept the risk without one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExceptionType {
    Extension,
    Acceptance,
}

impl ExceptionType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Extension => "extension",
            Self::Acceptance => "acceptance",
        }
    }
}

/// The decision on an exception, as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExceptionStatus {
    Pending,
    Approved,
    Denied,
    Withdrawn,
    Closed,
}

impl ExceptionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Denied => "denied",
            Self::Withdrawn => "withdrawn",
            Self::Closed => "closed",
        }
    }
}

/// An exception's state as of a date, derived from its status and expiry (SPEC 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExceptionState {
    Pending,
    Active,
    Expiring,
    Expired,
    Denied,
    Closed,
}

impl ExceptionState {
    pub const ALL: [ExceptionState; 6] = [
        Self::Pending,
        Self::Active,
        Self::Expiring,
        Self::Expired,
        Self::Denied,
        Self::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Active => "active",
            Self::Expiring => "expiring",
            Self::Expired => "expired",
            Self::Denied => "denied",
            Self::Closed => "closed",
        }
    }

    /// Open exceptions still carry risk or await a decision.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Self::Pending | Self::Active | Self::Expiring | Self::Expired
        )
    }
}

/// An approver's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Pending,
    Approved,
    Rejected,
    Acknowledged,
}

impl Decision {
    pub const ALL: [Decision; 4] = [
        Self::Pending,
        Self::Approved,
        Self::Rejected,
        Self::Acknowledged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Acknowledged => "acknowledged",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    Investigating,
    Mitigated,
    Resolved,
    Closed,
    NotAnIncident,
}

impl IncidentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Investigating => "investigating",
            Self::Mitigated => "mitigated",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
            Self::NotAnIncident => "not_an_incident",
        }
    }

    pub fn is_open(self) -> bool {
        matches!(self, Self::Investigating | Self::Mitigated)
    }
}

/// Priority of an action item or open question, P0 the most urgent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Priority {
    P0,
    P1,
    P2,
    P3,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    Planned,
    InProgress,
    Completed,
    WontDo,
}

impl ActionStatus {
    /// Completed and won't-do items need nothing more.
    pub fn is_done(self) -> bool {
        matches!(self, Self::Completed | Self::WontDo)
    }
}
