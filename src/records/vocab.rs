//! The closed vocabularies of the records: each a type, so a typo is a load error.

use serde::{Deserialize, Serialize};

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
