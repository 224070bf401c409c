//! The handbook after load and derive, and then validate: everything the renderers read.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, PoisonError};

use rayon::prelude::*;

use super::incident::Postmortem;
use super::metrics::{self, Metrics};
use super::policy::Policy;
use super::site::Site;
use crate::load::config::Config;
use crate::load::records::{Records, SameRecords};
use crate::model::date::Date;
use crate::model::finding::Finding;
use crate::model::history::History;
use crate::model::incident::ActionItem;
use crate::model::vocab::ExceptionState;

pub struct Handbook {
    pub config: Config,
    pub as_of: Date,
    pub site: Site,
    pub records: Records,
    /// The state of each exception as of `as_of`, in the order of `records.exceptions`.
    /// This and the three facts below are those `serve` keeps: see [`KeptFacts`].
    pub exception_states: Vec<ExceptionState>,
    /// How each exception meets the approval policy, in the order of `records.exceptions`.
    pub policies: Arc<[Policy]>,
    /// Whether each incident owes a postmortem, in the order of `records.incidents`.
    pub postmortems: Vec<Postmortem>,
    /// Every metric of SPEC 9 as of `as_of`, computed once for the JSON, the metrics page
    /// and the home page summary.
    pub metrics: Arc<Metrics>,
    /// Each record's history from git, when it is on and there is one (SPEC 14): derived
    /// from what git holds, and set before validate, which reads it.
    pub history: Option<History>,
    /// Set by validate, which reads the facts above. Shared: `serve` keeps each record's
    /// findings from one build to the next, and a page edit changes none of them.
    pub findings: Vec<Arc<Finding>>,
    /// The audience it is the view of (SPEC 12), set once the view is made; `None` for
    /// the whole handbook.
    pub audience: Option<String>,
}

impl Handbook {
    /// Exceptions whose state is open, as the registry, the status page and the audit
    /// report count them.
    pub fn open_exceptions(&self) -> usize {
        self.exception_states.iter().filter(|s| s.is_open()).count()
    }

    /// Every incident's action items, of every kind of incident (as `incident.action-item-
    /// overdue` reads them; the metrics leave out those of `not_an_incident`), as the
    /// status, action items and home pages count them.
    pub fn action_items(&self) -> impl Iterator<Item = &ActionItem> + Clone {
        (self.records.incidents.iter()).flat_map(|i| &i.record.action_items)
    }

    /// How many of [`Handbook::action_items`] are overdue as of the as-of date.
    pub fn overdue_action_items(&self) -> usize {
        (self.action_items())
            .filter(|a| a.is_overdue(self.as_of))
            .count()
    }

    /// A hash of what shapes every record besides its own file: the configuration, the
    /// as-of date and data/people.yaml. What `serve` keeps of the records (their findings,
    /// the exports) holds while it and their files do.
    pub fn settings_key(&self) -> u64 {
        settings_key(&self.config, &self.records, self.as_of)
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

    /// Computes every derived fact once, or takes those `kept` from the last build of the
    /// same records and settings; the findings are left to validate.
    pub fn derive(
        config: Config,
        as_of: Date,
        site: Site,
        records: Records,
        kept: Option<&KeptFacts>,
    ) -> Self {
        let Facts {
            exception_states,
            policies,
            postmortems,
            metrics,
        } = match kept {
            Some(kept) => kept.take(&config, as_of, &records),
            None => Facts::of(&config, as_of, &records),
        };
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
            audience: None,
        }
    }
}

/// The hash of [`Handbook::settings_key`], before there is a handbook.
fn settings_key(config: &Config, records: &Records, as_of: Date) -> u64 {
    let mut hasher = DefaultHasher::new();
    let people = &records.people;
    format!("{:?}{:?}{:?}", config, people.entries(), people.failed).hash(&mut hasher);
    as_of.hash(&mut hasher);
    hasher.finish()
}

/// What [`Handbook::derive`] works out from the records under the settings alone.
#[derive(Clone)]
struct Facts {
    exception_states: Vec<ExceptionState>,
    policies: Arc<[Policy]>,
    postmortems: Vec<Postmortem>,
    metrics: Arc<Metrics>,
}

impl Facts {
    /// Each fact of each record on its own, the metrics beside them: a rebuild of `serve`
    /// works them out again at each record edit, before anything else can start.
    fn of(config: &Config, as_of: Date, records: &Records) -> Facts {
        let window = config.exceptions.expiring_within_days;
        let exception_states: Vec<_> = records
            .exceptions
            .par_iter()
            .map(|e| e.record.state(as_of, window))
            .collect();
        let ((policies, postmortems), metrics) = rayon::join(
            || {
                let policies = records
                    .exceptions
                    .par_iter()
                    .map(|e| Policy::of(&config.exceptions.policy, &e.record))
                    .collect::<Vec<_>>();
                let postmortems = records
                    .incidents
                    .par_iter()
                    .map(|i| Postmortem::of(&config.incidents.postmortem_required, &i.record))
                    .collect();
                (policies.into(), postmortems)
            },
            || {
                Metrics::compute(&metrics::Inputs::new(
                    config,
                    as_of,
                    records,
                    &exception_states,
                ))
            },
        );
        Facts {
            exception_states,
            policies,
            postmortems,
            metrics: Arc::new(metrics),
        }
    }
}

/// The facts of the last build, with the records and the settings they were worked out
/// from, which `serve` takes again while both are the same, as a page edit leaves them:
/// on a large register they were a tenth of such a rebuild. The records are held, so that
/// none is freed and another loaded in its place.
#[derive(Default)]
pub struct KeptFacts(Mutex<Option<Kept>>);

struct Kept {
    records: SameRecords,
    settings: u64,
    facts: Facts,
}

impl KeptFacts {
    /// The facts of `records` under `config` as of `as_of`, kept for the next build.
    fn take(&self, config: &Config, as_of: Date, records: &Records) -> Facts {
        let settings = settings_key(config, records, as_of);
        let mut kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(k) = kept
            .as_ref()
            .filter(|k| k.settings == settings && k.records.hold(records))
        {
            return k.facts.clone();
        }
        let facts = Facts::of(config, as_of, records);
        *kept = Some(Kept {
            records: records.same_records(),
            settings,
            facts: facts.clone(),
        });
        facts
    }
}
