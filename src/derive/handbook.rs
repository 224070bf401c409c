//! The handbook after load and derive, and then validate: everything the renderers read.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use super::incident::Postmortem;
use super::metrics::{self, Metrics};
use super::policy::Policy;
use super::site::Site;
use crate::load::config::Config;
use crate::load::records::Records;
use crate::model::date::Date;
use crate::model::finding::Finding;
use crate::model::history::History;
use crate::model::vocab::ExceptionState;

pub struct Handbook {
    pub config: Config,
    pub as_of: Date,
    pub site: Site,
    pub records: Records,
    /// The state of each exception as of `as_of`, in the order of `records.exceptions`.
    pub exception_states: Vec<ExceptionState>,
    /// How each exception meets the approval policy, in the order of `records.exceptions`.
    pub policies: Vec<Policy>,
    /// Whether each incident owes a postmortem, in the order of `records.incidents`.
    pub postmortems: Vec<Postmortem>,
    /// Every metric of SPEC 9 as of `as_of`, computed once for the JSON, the metrics page
    /// and the home page summary.
    pub metrics: Metrics,
    /// Each record's history from git, when it is on and there is one (SPEC 14): derived
    /// from what git holds, and set before validate, which reads it.
    pub history: Option<History>,
    /// Set by validate, which reads the facts above. Shared: `serve` keeps each record's
    /// findings from one build to the next, and a page edit changes none of them.
    pub findings: Vec<Arc<Finding>>,
}

impl Handbook {
    /// Exceptions whose state is open, as the registry, the status page and the audit
    /// report count them.
    pub fn open_exceptions(&self) -> usize {
        self.exception_states.iter().filter(|s| s.is_open()).count()
    }

    /// A hash of what shapes every record besides its own file: the configuration, the
    /// as-of date and data/people.yaml. What `serve` keeps of the records (their findings,
    /// the exports) holds while it and their files do.
    pub fn settings_key(&self) -> u64 {
        let mut hasher = DefaultHasher::new();
        let people = &self.records.people;
        format!("{:?}{:?}{:?}", self.config, people.entries, people.failed).hash(&mut hasher);
        self.as_of.hash(&mut hasher);
        hasher.finish()
    }

    /// Incidents not yet closed, of every kind: the incident metrics count only those
    /// that are incidents.
    pub fn open_incidents(&self) -> usize {
        self.records
            .incidents
            .iter()
            .filter(|i| i.record.status.is_open())
            .count()
    }

    /// Computes every derived fact once; the findings are left to validate.
    pub fn derive(config: Config, as_of: Date, site: Site, records: Records) -> Self {
        let window = config.exceptions.expiring_within_days;
        let exception_states = records
            .exceptions
            .iter()
            .map(|e| e.record.state(as_of, window))
            .collect::<Vec<_>>();
        let policies = records
            .exceptions
            .iter()
            .map(|e| Policy::of(&config.exceptions.policy, &e.record))
            .collect();
        let postmortems = records
            .incidents
            .iter()
            .map(|i| Postmortem::of(&config.incidents.postmortem_required, &i.record))
            .collect();
        let metrics = Metrics::compute(&metrics::Inputs::new(
            &config,
            as_of,
            &records,
            &exception_states,
        ));
        Handbook {
            config,
            as_of,
            site,
            records,
            exception_states,
            policies,
            postmortems,
            metrics,
            history: None,
            findings: Vec::new(),
        }
    }
}
