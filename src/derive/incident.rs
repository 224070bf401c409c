//! Facts about an incident that the findings, the metrics and the pages all read: the
//! lifecycle durations of SPEC 9 and whether a postmortem is owed.

use crate::model::date::Offset;
use crate::model::incident::{Incident, Stamp};
use crate::model::vocab::{IncidentSeverity, IncidentStatus};

/// One of the lifecycle durations of SPEC 9.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Respond,
    Contain,
    Resolve,
    Detect,
}

impl Measure {
    /// In the order the pages list them.
    pub const ALL: [Measure; 4] = [
        Measure::Respond,
        Measure::Contain,
        Measure::Resolve,
        Measure::Detect,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Measure::Respond => "respond",
            Measure::Contain => "contain",
            Measure::Resolve => "resolve",
            Measure::Detect => "detect",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Measure::Respond => "Time to respond",
            Measure::Contain => "Time to contain",
            Measure::Resolve => "Time to resolve",
            Measure::Detect => "Time to detect",
        }
    }

    /// The lifecycle fields it runs between, by name, with their values. Containing and
    /// resolving are timed from detection, or from the report when detection is not known.
    pub fn ends(self, i: &Incident) -> [(&'static str, Option<Stamp>); 2] {
        let start = match i.detected {
            Some(d) => ("detected", Some(d)),
            None => ("reported", Some(i.reported)),
        };
        match self {
            Measure::Respond => [("reported", Some(i.reported)), ("responded", i.responded)],
            Measure::Contain => [start, ("contained", i.contained)],
            Measure::Resolve => [start, ("resolved", i.resolved)],
            Measure::Detect => [("started", i.started), ("detected", i.detected)],
        }
    }

    /// Its whole seconds for `i`, when both ends are written.
    pub fn seconds(self, i: &Incident, tz: Offset) -> Option<i64> {
        let [(_, from), (_, to)] = self.ends(i);
        Some(from?.seconds_until(to?, tz))
    }
}

/// Whether an incident owes a postmortem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Postmortem {
    Completed,
    NotRequired,
    /// Resolved or closed, of a severity that requires one, and none written.
    Missing,
    /// Of a severity that requires one, and not resolved yet.
    DueAfterResolution,
}

impl Postmortem {
    pub fn of(required_for: &[IncidentSeverity], i: &Incident) -> Postmortem {
        match (&i.postmortem, i.status) {
            (Some(_), _) => Postmortem::Completed,
            (None, _) if Postmortem::owed(required_for, i) => Postmortem::Missing,
            (None, IncidentStatus::NotAnIncident) => Postmortem::NotRequired,
            (None, _) if !required_for.contains(&i.severity) => Postmortem::NotRequired,
            (None, _) => Postmortem::DueAfterResolution,
        }
    }

    /// Whether `i` must have a postmortem by now: resolved or closed, of a severity that
    /// requires one. The metrics count these, and those of them that have one.
    pub fn owed(required_for: &[IncidentSeverity], i: &Incident) -> bool {
        required_for.contains(&i.severity)
            && matches!(i.status, IncidentStatus::Resolved | IncidentStatus::Closed)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Postmortem::Completed => "completed",
            Postmortem::NotRequired => "not required",
            Postmortem::Missing => "missing",
            Postmortem::DueAfterResolution => "due after resolution",
        }
    }
}
