//! The handbook after load, validate and compute: everything the renderers read.

use crate::derive::metrics::{self, Metrics};
use crate::derive::site::Site;
use crate::load::config::Config;
use crate::load::records::Records;
use crate::model::date::Date;
use crate::model::finding::Finding;
use crate::model::vocab::ExceptionState;

pub struct Handbook {
    pub config: Config,
    pub as_of: Date,
    pub site: Site,
    pub records: Records,
    /// The state of each exception as of `as_of`, in the order of `records.exceptions`.
    pub exception_states: Vec<ExceptionState>,
    pub findings: Vec<Finding>,
    /// Every metric of SPEC 9 as of `as_of`, computed once for the JSON, the metrics page
    /// and the home page summary.
    pub metrics: Metrics,
}

impl Handbook {
    pub fn new(
        config: Config,
        as_of: Date,
        site: Site,
        records: Records,
        findings: Vec<Finding>,
    ) -> Self {
        let window = config.exceptions.expiring_within_days;
        let exception_states = records
            .exceptions
            .iter()
            .map(|e| e.record.state(as_of, window))
            .collect::<Vec<_>>();
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
            findings,
            metrics,
        }
    }
}
