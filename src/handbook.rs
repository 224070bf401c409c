//! The handbook after load, validate and compute: everything the renderers read.

use crate::config::Config;
use crate::date::Date;
use crate::findings::Finding;
use crate::records::Records;
use crate::records::vocab::ExceptionState;
use crate::site::Site;

pub struct Handbook {
    pub config: Config,
    pub as_of: Date,
    pub site: Site,
    pub records: Records,
    /// The state of each exception as of `as_of`, in the order of `records.exceptions`.
    pub exception_states: Vec<ExceptionState>,
    pub findings: Vec<Finding>,
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
            .collect();
        Handbook {
            config,
            as_of,
            site,
            records,
            exception_states,
            findings,
        }
    }
}
