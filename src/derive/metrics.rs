//! The program's metrics (SPEC 9), computed once from the loaded records as of the as-of
//! date. Pure computation: api/metrics.json, the metrics page, its charts and the home page
//! summary all read the one [`Metrics`] value built here.
//!
//! Definitions, as SPEC 9 states them and where it is silent:
//! - Durations are `{count, mean, median, p90}`: the median of an even count is the mean of
//!   the two middle values; p90 is the nearest-rank value at `ceil(0.9 n)` (1-based). Days
//!   for exceptions, hours for incidents, rounded to 2 decimals. With no values the count is
//!   0 and mean, median and p90 are `null`.
//! - Months are `YYYY-MM`, ascending, from the earliest month in the data to the as-of
//!   month, with zeros filled in. Records dated after the as-of month still count, so the
//!   months then run on to the latest month present rather than hiding them. With no data
//!   at all there are no months.
//! - Incidents in status `not_an_incident` are left out of every incident metric but
//!   `total`, including their action items and effort.

use std::collections::BTreeMap;
use std::fmt;

use chrono::Datelike;
use serde::{Serialize, Serializer};

use super::incident::{Measure, Postmortem};
use crate::load::config::Config;
use crate::load::records::Records;
use crate::model::date::{Date, Offset};
use crate::model::exception::Exception;
use crate::model::incident::{Incident, SECONDS_PER_HOUR};
use crate::model::vocab::{
    ActionStatus, ExceptionState, ExceptionType, IncidentSeverity, IncidentStatus, Severity,
};

/// A calendar month, written `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    /// 1 to 12.
    pub month: u32,
}

impl Month {
    pub fn of(date: Date) -> Month {
        Month {
            year: date.0.year(),
            month: date.0.month(),
        }
    }

    pub fn next(self) -> Month {
        if self.month >= 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// Every month from the earliest in `data` to `as_of`, or to the latest in `data` when
    /// that is later; empty when `data` is.
    pub fn range(data: impl IntoIterator<Item = Month>, as_of: Month) -> Vec<Month> {
        let mut first: Option<Month> = None;
        let mut last = as_of;
        for m in data {
            first = Some(first.map_or(m, |f| f.min(m)));
            last = last.max(m);
        }
        let mut months = Vec::new();
        let Some(mut m) = first else {
            return months;
        };
        while m <= last {
            months.push(m);
            m = m.next();
        }
        months
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Serialize for Month {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Rounds to 2 decimals, half away from zero; never writes `-0`.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0 + 0.0
}

/// A summary of durations: how many, and their mean, median and 90th percentile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Durations {
    pub count: usize,
    pub mean: Option<f64>,
    pub median: Option<f64>,
    pub p90: Option<f64>,
}

impl Default for Durations {
    fn default() -> Self {
        Durations::of(&[], 1)
    }
}

impl Durations {
    /// The summary of `values`, each a whole number of `per_unit`ths of the unit reported
    /// (seconds of an hour: 3600; days: 1), worked out in integers and rounded once.
    pub fn of(values: &[i64], per_unit: i64) -> Durations {
        let mut sorted = values.to_vec();
        sorted.sort_unstable();
        let n = sorted.len();
        if n == 0 {
            return Durations {
                count: 0,
                mean: None,
                median: None,
                p90: None,
            };
        }
        let unit = i128::from(per_unit);
        let count = n as i128;
        let sum: i128 = sorted.iter().map(|&v| i128::from(v)).sum();
        let median = match n % 2 {
            1 => round2_of(i128::from(sorted[n / 2]), unit),
            _ => round2_of(
                i128::from(sorted[n / 2 - 1]) + i128::from(sorted[n / 2]),
                2 * unit,
            ),
        };
        Durations {
            count: n,
            mean: Some(round2_of(sum, count * unit)),
            median: Some(median),
            p90: Some(round2_of(i128::from(sorted[p90_rank(n) - 1]), unit)),
        }
    }
}

/// `num / den` (`den` > 0) rounded to 2 decimals, half away from zero, as [`round2`] rounds,
/// but in integers: 3,654 seconds are 1.015 hours, which has no exact binary form, and the
/// nearest `f64` to it, rounded, is 1.01.
pub fn round2_of(num: i128, den: i128) -> f64 {
    let hundredths = (200 * num.abs() + den) / (2 * den);
    // Both exact in an f64 for any duration a record holds, so the quotient is the f64
    // nearest to the decimal, which is written as it.
    num.signum() as f64 * hundredths as f64 / 100.0 + 0.0
}

/// The nearest rank of the 90th percentile among `n` values: `ceil(0.9 n)`, 1-based,
/// computed in integers so no rounding error can move it.
pub fn p90_rank(n: usize) -> usize {
    (9 * n).div_ceil(10)
}

/// One value per incident severity.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PerSeverity<T> {
    pub sev1: T,
    pub sev2: T,
    pub sev3: T,
    pub sev4: T,
}

impl<T> PerSeverity<T> {
    pub fn get(&self, severity: IncidentSeverity) -> &T {
        match severity {
            IncidentSeverity::Sev1 => &self.sev1,
            IncidentSeverity::Sev2 => &self.sev2,
            IncidentSeverity::Sev3 => &self.sev3,
            IncidentSeverity::Sev4 => &self.sev4,
        }
    }

    pub fn get_mut(&mut self, severity: IncidentSeverity) -> &mut T {
        match severity {
            IncidentSeverity::Sev1 => &mut self.sev1,
            IncidentSeverity::Sev2 => &mut self.sev2,
            IncidentSeverity::Sev3 => &mut self.sev3,
            IncidentSeverity::Sev4 => &mut self.sev4,
        }
    }

    fn from_fn(mut f: impl FnMut(IncidentSeverity) -> T) -> Self {
        PerSeverity {
            sev1: f(IncidentSeverity::Sev1),
            sev2: f(IncidentSeverity::Sev2),
            sev3: f(IncidentSeverity::Sev3),
            sev4: f(IncidentSeverity::Sev4),
        }
    }
}

/// Exceptions by derived state.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StateCounts {
    pub pending: usize,
    pub active: usize,
    pub expiring: usize,
    pub expired: usize,
    pub denied: usize,
    pub closed: usize,
}

impl StateCounts {
    pub fn get(&self, state: ExceptionState) -> usize {
        match state {
            ExceptionState::Pending => self.pending,
            ExceptionState::Active => self.active,
            ExceptionState::Expiring => self.expiring,
            ExceptionState::Expired => self.expired,
            ExceptionState::Denied => self.denied,
            ExceptionState::Closed => self.closed,
        }
    }

    fn add(&mut self, state: ExceptionState) {
        *match state {
            ExceptionState::Pending => &mut self.pending,
            ExceptionState::Active => &mut self.active,
            ExceptionState::Expiring => &mut self.expiring,
            ExceptionState::Expired => &mut self.expired,
            ExceptionState::Denied => &mut self.denied,
            ExceptionState::Closed => &mut self.closed,
        } += 1;
    }
}

/// Exceptions by risk level.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SeverityCounts {
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
}

impl SeverityCounts {
    pub fn get(&self, severity: Severity) -> usize {
        match severity {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
        }
    }

    fn add(&mut self, severity: Severity) {
        *match severity {
            Severity::Critical => &mut self.critical,
            Severity::High => &mut self.high,
            Severity::Medium => &mut self.medium,
            Severity::Low => &mut self.low,
        } += 1;
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypeMonth {
    pub month: Month,
    pub extension: usize,
    pub acceptance: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeverityMonth {
    pub month: Month,
    #[serde(flatten)]
    pub counts: PerSeverity<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountMonth {
    pub month: Month,
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HoursMonth {
    pub month: Month,
    pub hours: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Postmortems {
    /// Resolved or closed incidents of a severity in `incidents.postmortem_required`.
    pub required: usize,
    /// Those of the required that have a postmortem.
    pub completed: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ActionItems {
    /// Planned or in progress.
    pub open: usize,
    /// Open, with a due date before the as-of date.
    pub overdue: usize,
    pub completed: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExceptionMetrics {
    pub total: usize,
    pub open: usize,
    pub by_state: StateCounts,
    pub open_by_severity: SeverityCounts,
    pub expiring: usize,
    pub expired: usize,
    pub time_to_initial_review_days: Durations,
    pub by_type_per_month: Vec<TypeMonth>,
    pub share_of_open_risks: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentMetrics {
    pub total: usize,
    pub open: usize,
    pub by_severity: PerSeverity<usize>,
    pub per_month: Vec<SeverityMonth>,
    pub high_critical_per_month: Vec<CountMonth>,
    pub time_to_respond_hours: Durations,
    pub time_to_resolve_hours: Durations,
    pub time_to_detect_hours: Durations,
    pub time_to_contain_hours: Durations,
    pub time_to_resolve_by_severity: PerSeverity<Durations>,
    pub by_source: BTreeMap<String, usize>,
    pub effort_hours_per_month: Vec<HoursMonth>,
    pub postmortems: Postmortems,
    pub action_items: ActionItems,
}

/// What the charts show beyond the keys of SPEC 9; never serialised.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Detail {
    /// Days from request to initial review, one per exception that has been reviewed,
    /// ascending.
    pub review_days: Vec<i64>,
    pub time_to_respond_by_severity: PerSeverity<Durations>,
    pub time_to_detect_by_severity: PerSeverity<Durations>,
    pub time_to_contain_by_severity: PerSeverity<Durations>,
    /// Incidents counted by the incident metrics: all but those not an incident.
    pub incidents_counted: usize,
}

/// Every metric of SPEC 9. Serialises to exactly the keys of api/metrics.json.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    pub as_of: Date,
    pub exceptions: ExceptionMetrics,
    pub incidents: IncidentMetrics,
    #[serde(skip)]
    pub detail: Detail,
}

/// What the metrics are computed from.
pub struct Inputs<'a> {
    /// Each exception with its state as of `as_of`.
    pub exceptions: Vec<(&'a Exception, ExceptionState)>,
    pub incidents: Vec<&'a Incident>,
    pub as_of: Date,
    pub timezone: Offset,
    pub postmortem_required: &'a [IncidentSeverity],
    pub open_risks: Option<u32>,
}

impl<'a> Inputs<'a> {
    /// The loaded records, with their states in the order of `records.exceptions`.
    pub fn new(
        config: &'a Config,
        as_of: Date,
        records: &'a Records,
        states: &[ExceptionState],
    ) -> Self {
        Inputs {
            exceptions: records
                .exceptions
                .iter()
                .zip(states)
                .map(|(e, s)| (&e.record, *s))
                .collect(),
            incidents: records.incidents.iter().map(|i| &i.record).collect(),
            as_of,
            timezone: config.timezone,
            postmortem_required: &config.incidents.postmortem_required,
            open_risks: config.metrics.open_risks,
        }
    }
}

impl Metrics {
    pub fn compute(inputs: &Inputs) -> Metrics {
        let (exceptions, review_days) = exception_metrics(inputs);
        let (incidents, detail) = incident_metrics(inputs);
        Metrics {
            as_of: inputs.as_of,
            exceptions,
            incidents,
            detail: Detail {
                review_days,
                ..detail
            },
        }
    }
}

fn exception_metrics(inputs: &Inputs) -> (ExceptionMetrics, Vec<i64>) {
    let mut by_state = StateCounts::default();
    let mut open_by_severity = SeverityCounts::default();
    let mut review_days = Vec::new();
    for (e, state) in &inputs.exceptions {
        by_state.add(*state);
        if state.is_open() {
            open_by_severity.add(e.severity);
        }
        if let Some(reviewed) = e.first_review.or(e.decided) {
            review_days.push(e.created.days_until(reviewed));
        }
    }
    review_days.sort_unstable();
    let open = ExceptionState::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| by_state.get(*s))
        .sum();
    // One pass over the records, then one row per month of the range.
    let mut per_month: BTreeMap<Month, (usize, usize)> = BTreeMap::new();
    for (e, _) in &inputs.exceptions {
        let row = per_month.entry(Month::of(e.created)).or_default();
        match e.kind {
            ExceptionType::Extension => row.0 += 1,
            ExceptionType::Acceptance => row.1 += 1,
        }
    }
    let by_type_per_month = Month::range(per_month.keys().copied(), Month::of(inputs.as_of))
        .into_iter()
        .map(|month| {
            let (extension, acceptance) = per_month.get(&month).copied().unwrap_or_default();
            TypeMonth {
                month,
                extension,
                acceptance,
            }
        })
        .collect();
    let share_of_open_risks = inputs
        .open_risks
        .filter(|r| *r > 0)
        .map(|r| round2_of(open as i128 * 100, i128::from(r)));
    let metrics = ExceptionMetrics {
        total: inputs.exceptions.len(),
        open,
        expiring: by_state.expiring,
        expired: by_state.expired,
        by_state,
        open_by_severity,
        time_to_initial_review_days: Durations::of(&review_days, 1),
        by_type_per_month,
        share_of_open_risks,
    };
    (metrics, review_days)
}

fn incident_metrics(inputs: &Inputs) -> (IncidentMetrics, Detail) {
    let tz = inputs.timezone;
    let counted: Vec<&Incident> = inputs
        .incidents
        .iter()
        .copied()
        .filter(|i| i.status != IncidentStatus::NotAnIncident)
        .collect();
    // One pass over the incidents: counts and effort by reported month, in the timezone.
    let mut by_month: BTreeMap<Month, (PerSeverity<usize>, f64)> = BTreeMap::new();
    for i in &counted {
        let row = by_month.entry(Month::of(i.reported.date(tz))).or_default();
        *row.0.get_mut(i.severity) += 1;
        row.1 += i.effort_hours.unwrap_or(0.0);
    }
    let months = Month::range(by_month.keys().copied(), Month::of(inputs.as_of));
    let row = |month: &Month| by_month.get(month).cloned().unwrap_or_default();

    let by_severity = PerSeverity::from_fn(|s| counted.iter().filter(|i| i.severity == s).count());
    let per_month: Vec<SeverityMonth> = months
        .iter()
        .map(|month| SeverityMonth {
            month: *month,
            counts: row(month).0,
        })
        .collect();
    let high_critical_per_month = per_month
        .iter()
        .map(|m| CountMonth {
            month: m.month,
            count: m.counts.sev1 + m.counts.sev2,
        })
        .collect();
    let effort_hours_per_month = months
        .iter()
        .map(|month| HoursMonth {
            month: *month,
            hours: round2(row(month).1),
        })
        .collect();

    // Each duration measure: its hours for every incident that has both ends.
    let all = |m: Measure| {
        let values: Vec<i64> = counted.iter().filter_map(|i| m.seconds(i, tz)).collect();
        Durations::of(&values, SECONDS_PER_HOUR)
    };
    let by_sev = |m: Measure| {
        PerSeverity::from_fn(|s| {
            let values: Vec<i64> = counted
                .iter()
                .filter(|i| i.severity == s)
                .filter_map(|i| m.seconds(i, tz))
                .collect();
            Durations::of(&values, SECONDS_PER_HOUR)
        })
    };

    let mut by_source: BTreeMap<String, usize> = BTreeMap::new();
    for i in &counted {
        *by_source.entry(i.source.trim().to_string()).or_default() += 1;
    }

    let mut postmortems = Postmortems::default();
    let mut action_items = ActionItems::default();
    for i in &counted {
        if Postmortem::owed(inputs.postmortem_required, i) {
            postmortems.required += 1;
            if i.postmortem.is_some() {
                postmortems.completed += 1;
            }
        }
        for item in &i.action_items {
            match item.status {
                ActionStatus::Planned | ActionStatus::InProgress => {
                    action_items.open += 1;
                    if item.due.is_some_and(|d| d < inputs.as_of) {
                        action_items.overdue += 1;
                    }
                }
                ActionStatus::Completed => action_items.completed += 1,
                ActionStatus::WontDo => {}
            }
        }
    }

    let metrics = IncidentMetrics {
        total: inputs.incidents.len(),
        open: counted.iter().filter(|i| i.status.is_open()).count(),
        by_severity,
        per_month,
        high_critical_per_month,
        time_to_respond_hours: all(Measure::Respond),
        time_to_resolve_hours: all(Measure::Resolve),
        time_to_detect_hours: all(Measure::Detect),
        time_to_contain_hours: all(Measure::Contain),
        time_to_resolve_by_severity: by_sev(Measure::Resolve),
        by_source,
        effort_hours_per_month,
        postmortems,
        action_items,
    };
    let detail = Detail {
        review_days: Vec::new(),
        time_to_respond_by_severity: by_sev(Measure::Respond),
        time_to_detect_by_severity: by_sev(Measure::Detect),
        time_to_contain_by_severity: by_sev(Measure::Contain),
        incidents_counted: counted.len(),
    };
    (metrics, detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::incident::Stamp;
    use serde_json::{Value, json};

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn m(s: &str) -> Month {
        Month::of(d(&format!("{s}-01")))
    }

    /// An exception from a few fields; `extra` is more YAML.
    fn exception(
        kind: &str,
        severity: &str,
        status: &str,
        created: &str,
        extra: &str,
    ) -> Exception {
        let plan = if kind == "extension" {
            "remediation_plan: p\n"
        } else {
            ""
        };
        serde_yaml::from_str(&format!(
            "id: E\ntitle: t\ntype: {kind}\nseverity: {severity}\nstatus: {status}\nrequested_by: A\nrisk_owner: B\ncreated: {created}\nsummary: s\njustification: j\n{plan}{extra}"
        ))
        .unwrap()
    }

    fn incident(severity: &str, status: &str, reported: &str, extra: &str) -> Incident {
        serde_yaml::from_str(&format!(
            "id: I\ntitle: t\nseverity: {severity}\nstatus: {status}\ncommander: C\nsource: monitoring\nreported: \"{reported}\"\nsummary: s\n{extra}"
        ))
        .unwrap()
    }

    fn compute(
        exceptions: &[Exception],
        incidents: &[Incident],
        as_of: &str,
        open_risks: Option<u32>,
    ) -> Metrics {
        let as_of = d(as_of);
        let required = [IncidentSeverity::Sev1, IncidentSeverity::Sev2];
        Metrics::compute(&Inputs {
            exceptions: exceptions.iter().map(|e| (e, e.state(as_of, 30))).collect(),
            incidents: incidents.iter().collect(),
            as_of,
            timezone: Offset("-07:00".parse().unwrap()),
            postmortem_required: &required,
            open_risks,
        })
    }

    fn durations(count: usize, mean: f64, median: f64, p90: f64) -> Durations {
        Durations {
            count,
            mean: Some(mean),
            median: Some(median),
            p90: Some(p90),
        }
    }

    #[test]
    fn durations_of_nothing_are_null_not_a_division_by_zero() {
        let none = Durations::of(&[], SECONDS_PER_HOUR);
        assert_eq!(none.count, 0);
        assert_eq!((none.mean, none.median, none.p90), (None, None, None));
        assert_eq!(
            serde_json::to_value(&none).unwrap(),
            json!({"count": 0, "mean": null, "median": null, "p90": null})
        );
    }

    #[test]
    fn durations_of_one_value_are_that_value() {
        let seven_and_a_half = 7 * 3600 + 1800;
        assert_eq!(
            Durations::of(&[seven_and_a_half], SECONDS_PER_HOUR),
            durations(1, 7.5, 7.5, 7.5)
        );
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        // Odd: the middle value, whatever the order written.
        assert_eq!(
            Durations::of(&[100, 1, 3, 2, 4], 1),
            durations(5, 22.0, 3.0, 100.0)
        );
        // Even: the mean of the two middle values. p90 = the ceil(3.6) = 4th value.
        assert_eq!(Durations::of(&[4, 1, 3, 2], 1), durations(4, 2.5, 2.5, 4.0));
        assert_eq!(Durations::of(&[1, 2], 1).median, Some(1.5));
    }

    #[test]
    fn p90_is_the_nearest_rank() {
        // ceil(0.9 n) for n = 1..=20, by hand.
        let expected = [
            1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 18,
        ];
        for (n, rank) in (1..=20).zip(expected) {
            assert_eq!(p90_rank(n), rank, "n = {n}");
        }
        let ten: Vec<i64> = (1..=10).collect();
        assert_eq!(Durations::of(&ten, 1).p90, Some(9.0));
        let eleven: Vec<i64> = (1..=11).collect();
        assert_eq!(Durations::of(&eleven, 1).p90, Some(10.0));
    }

    #[test]
    fn values_are_rounded_to_two_decimals_half_away_from_zero() {
        // 1 + 1 + 2 = 4, / 3 = 1.333...
        assert_eq!(Durations::of(&[1, 1, 2], 1).mean, Some(1.33));
        // 2 + 2 + 3 = 7, / 3 = 2.333...; 10 min and 40 min: 25 min, 0.41666... h.
        assert_eq!(Durations::of(&[2, 2, 3], 1).mean, Some(2.33));
        assert_eq!(
            Durations::of(&[600, 2400], SECONDS_PER_HOUR).mean,
            Some(0.42)
        );
        // Exactly half way, in decimal, which no f64 is: 1 h 0 min 54 s is 1.015 h, and
        // 527.175 h is 527 h 10 min 30 s.
        let hour_and_54_seconds = Durations::of(&[3654], SECONDS_PER_HOUR);
        assert_eq!(hour_and_54_seconds, durations(1, 1.02, 1.02, 1.02));
        let long = 527 * 3600 + 10 * 60 + 30;
        assert_eq!(Durations::of(&[long], SECONDS_PER_HOUR).mean, Some(527.18));
        assert_eq!(round2_of(1015, 1000), 1.02);
        assert_eq!(round2_of(-1015, 1000), -1.02);
        assert_eq!(round2_of(-1, 1000).to_string(), "0");
        assert_eq!(round2(-0.001).to_string(), "0");
    }

    #[test]
    fn months_are_zero_filled_to_the_as_of_month() {
        let months = Month::range([m("2026-02"), m("2025-11")], m("2026-03"));
        let names: Vec<String> = months.iter().map(Month::to_string).collect();
        assert_eq!(
            names,
            ["2025-11", "2025-12", "2026-01", "2026-02", "2026-03"]
        );
        assert!(Month::range([], m("2026-03")).is_empty());
        // Data after the as-of month still shows.
        let months = Month::range([m("2026-01"), m("2026-05")], m("2026-03"));
        assert_eq!(months.len(), 5);
        assert_eq!(months.last().unwrap().to_string(), "2026-05");
    }

    #[test]
    fn no_records_give_zeros_and_nulls() {
        let metrics = compute(&[], &[], "2026-06-30", Some(140));
        let json = serde_json::to_value(&metrics).unwrap();
        let null_durations = json!({"count": 0, "mean": null, "median": null, "p90": null});
        assert_eq!(
            json,
            json!({
                "as_of": "2026-06-30",
                "exceptions": {
                    "total": 0,
                    "open": 0,
                    "by_state": {"pending": 0, "active": 0, "expiring": 0, "expired": 0, "denied": 0, "closed": 0},
                    "open_by_severity": {"critical": 0, "high": 0, "medium": 0, "low": 0},
                    "expiring": 0,
                    "expired": 0,
                    "time_to_initial_review_days": null_durations,
                    "by_type_per_month": [],
                    "share_of_open_risks": 0.0,
                },
                "incidents": {
                    "total": 0,
                    "open": 0,
                    "by_severity": {"sev1": 0, "sev2": 0, "sev3": 0, "sev4": 0},
                    "per_month": [],
                    "high_critical_per_month": [],
                    "time_to_respond_hours": null_durations,
                    "time_to_resolve_hours": null_durations,
                    "time_to_detect_hours": null_durations,
                    "time_to_contain_hours": null_durations,
                    "time_to_resolve_by_severity": {
                        "sev1": null_durations, "sev2": null_durations,
                        "sev3": null_durations, "sev4": null_durations,
                    },
                    "by_source": {},
                    "effort_hours_per_month": [],
                    "postmortems": {"required": 0, "completed": 0},
                    "action_items": {"open": 0, "overdue": 0, "completed": 0},
                },
            })
        );
        // No open risks configured, or zero of them: no share.
        assert_eq!(
            compute(&[], &[], "2026-06-30", None)
                .exceptions
                .share_of_open_risks,
            None
        );
        assert_eq!(
            compute(&[], &[], "2026-06-30", Some(0))
                .exceptions
                .share_of_open_risks,
            None
        );
    }

    #[test]
    fn one_exception() {
        let e = exception(
            "acceptance",
            "high",
            "approved",
            "2026-04-10",
            "first_review: 2026-04-13\ndecided: 2026-04-20\nexpires: 2026-07-15\n",
        );
        let metrics = compute(&[e], &[], "2026-06-30", Some(8));
        let x = &metrics.exceptions;
        assert_eq!((x.total, x.open, x.expiring, x.expired), (1, 1, 1, 0));
        assert_eq!(x.by_state.expiring, 1);
        assert_eq!(x.open_by_severity.high, 1);
        // created -> first_review: 3 days.
        assert_eq!(x.time_to_initial_review_days, durations(1, 3.0, 3.0, 3.0));
        // April to June, zeros filled in.
        let rows: Vec<(String, usize, usize)> = x
            .by_type_per_month
            .iter()
            .map(|r| (r.month.to_string(), r.extension, r.acceptance))
            .collect();
        assert_eq!(
            rows,
            [
                ("2026-04".into(), 0, 1),
                ("2026-05".into(), 0, 0),
                ("2026-06".into(), 0, 0)
            ]
        );
        // 1 / 8 * 100.
        assert_eq!(x.share_of_open_risks, Some(12.5));
    }

    #[test]
    fn exception_states_and_review_times() {
        let es = [
            // Review by decision: 2026-01-01 -> 2026-01-11 = 10 days; expired.
            exception(
                "extension",
                "critical",
                "approved",
                "2026-01-01",
                "decided: 2026-01-11\nexpires: 2026-03-01\n",
            ),
            // Pending, never reviewed: no review time.
            exception("acceptance", "low", "pending", "2026-02-15", ""),
            // Pending, reviewed after 2 days.
            exception(
                "acceptance",
                "low",
                "pending",
                "2026-02-20",
                "first_review: 2026-02-22\n",
            ),
            // Denied after 5 days: not open.
            exception(
                "extension",
                "medium",
                "denied",
                "2026-03-01",
                "decided: 2026-03-06\n",
            ),
            // Active (expires more than 30 days out), reviewed after 1 day.
            exception(
                "extension",
                "medium",
                "approved",
                "2026-03-02",
                "first_review: 2026-03-03\ndecided: 2026-03-09\nexpires: 2026-12-31\n",
            ),
            exception(
                "acceptance",
                "high",
                "withdrawn",
                "2026-03-05",
                "closed: 2026-03-06\n",
            ),
        ];
        let x = compute(&es, &[], "2026-03-31", Some(3)).exceptions;
        assert_eq!(x.total, 6);
        assert_eq!(
            x.by_state,
            StateCounts {
                pending: 2,
                active: 1,
                expiring: 0,
                expired: 1,
                denied: 1,
                closed: 1
            }
        );
        assert_eq!(x.open, 4);
        assert_eq!(
            x.open_by_severity,
            SeverityCounts {
                critical: 1,
                high: 0,
                medium: 1,
                low: 2
            }
        );
        // Days: 10, 2, 5, 1 -> sorted 1, 2, 5, 10: mean 4.5, median 3.5, p90 = 4th = 10.
        assert_eq!(x.time_to_initial_review_days, durations(4, 4.5, 3.5, 10.0));
        // 4 open / 3 open risks.
        assert_eq!(x.share_of_open_risks, Some(133.33));
        let rows: Vec<(String, usize, usize)> = x
            .by_type_per_month
            .iter()
            .map(|r| (r.month.to_string(), r.extension, r.acceptance))
            .collect();
        assert_eq!(
            rows,
            [
                ("2026-01".into(), 1, 0),
                ("2026-02".into(), 0, 2),
                ("2026-03".into(), 2, 1)
            ]
        );
    }

    #[test]
    fn one_incident_with_bare_dates_in_the_timezone() {
        // Bare dates are midnight at -07:00; the stamps with offsets are exact.
        let i = incident(
            "sev2",
            "resolved",
            "2026-05-03",
            "started: 2026-05-02T21:00:00-07:00\nresponded: 2026-05-03T09:00:00-07:00\ncontained: 2026-05-03T12:00:00-07:00\nresolved: 2026-05-04T16:00:00Z\neffort_hours: 6.5\n",
        );
        let metrics = compute(&[], &[i], "2026-06-30", None);
        let x = &metrics.incidents;
        assert_eq!((x.total, x.open), (1, 0));
        assert_eq!(x.by_severity.sev2, 1);
        // No detected: detect has no value; resolve and contain run from reported.
        assert_eq!(x.time_to_respond_hours, durations(1, 9.0, 9.0, 9.0));
        assert_eq!(x.time_to_contain_hours, durations(1, 12.0, 12.0, 12.0));
        // 2026-05-03T00:00-07:00 = 07:00Z -> 2026-05-04T16:00Z = 33 hours.
        assert_eq!(x.time_to_resolve_hours, durations(1, 33.0, 33.0, 33.0));
        assert_eq!(x.time_to_detect_hours.count, 0);
        assert_eq!(x.time_to_resolve_by_severity.sev2.count, 1);
        assert_eq!(x.time_to_resolve_by_severity.sev1.count, 0);
        assert_eq!(x.time_to_resolve_by_severity.sev1.median, None);
        let months: Vec<String> = x.per_month.iter().map(|r| r.month.to_string()).collect();
        assert_eq!(months, ["2026-05", "2026-06"]);
        assert_eq!(x.high_critical_per_month[0].count, 1);
        assert_eq!(x.effort_hours_per_month[0].hours, 6.5);
        assert_eq!(x.effort_hours_per_month[1].hours, 0.0);
        // sev2, resolved, no postmortem.
        assert_eq!(
            x.postmortems,
            Postmortems {
                required: 1,
                completed: 0
            }
        );
        assert_eq!(x.by_source, BTreeMap::from([("monitoring".to_string(), 1)]));
    }

    #[test]
    fn reported_month_is_taken_in_the_timezone() {
        // 2026-06-01T03:00Z is still May 31 at -07:00.
        let i = incident("sev3", "investigating", "2026-06-01T03:00:00Z", "");
        let x = compute(&[], &[i], "2026-06-30", None).incidents;
        assert_eq!(x.per_month[0].month.to_string(), "2026-05");
        assert_eq!(x.per_month[0].counts.sev3, 1);
        assert_eq!(x.open, 1);
    }

    #[test]
    fn not_an_incident_counts_only_in_the_total() {
        let real = incident(
            "sev3",
            "mitigated",
            "2026-06-02",
            "responded: 2026-06-02T02:00:00-07:00\neffort_hours: 2\n",
        );
        let mut noise = incident("sev1", "not_an_incident", "2026-04-01", "");
        noise.source = "customer".into();
        noise.responded = Stamp::parse("2026-04-01T10:00:00-07:00");
        noise.effort_hours = Some(50.0);
        noise.action_items = serde_yaml::from_str(
            "- {title: a, owner: O, priority: P1, status: planned, due: 2026-05-01}\n",
        )
        .unwrap();
        let x = compute(&[], &[real, noise], "2026-06-30", None).incidents;
        assert_eq!(x.total, 2);
        assert_eq!(x.open, 1);
        assert_eq!(
            x.by_severity,
            PerSeverity {
                sev1: 0,
                sev2: 0,
                sev3: 1,
                sev4: 0
            }
        );
        // Months start at the counted incident, not at April.
        let months: Vec<String> = x.per_month.iter().map(|r| r.month.to_string()).collect();
        assert_eq!(months, ["2026-06"]);
        assert_eq!(x.time_to_respond_hours, durations(1, 2.0, 2.0, 2.0));
        assert_eq!(x.by_source, BTreeMap::from([("monitoring".to_string(), 1)]));
        assert_eq!(x.effort_hours_per_month[0].hours, 2.0);
        assert_eq!(x.action_items, ActionItems::default());
        assert_eq!(x.postmortems, Postmortems::default());
    }

    #[test]
    fn postmortems_and_action_items() {
        let items = "action_items:\n  - {title: a, owner: O, priority: P1, status: planned, due: 2026-06-29}\n  - {title: b, owner: O, priority: P1, status: in_progress, due: 2026-06-30}\n  - {title: c, owner: O, priority: P2, status: in_progress}\n  - {title: d, owner: O, priority: P2, status: completed, due: 2026-01-01}\n  - {title: e, owner: O, priority: P3, status: wont_do, due: 2026-01-01}\n";
        let postmortem = "postmortem: {date: 2026-06-10}\n";
        let incidents = [
            // Required (sev1 closed) and done.
            incident(
                "sev1",
                "closed",
                "2026-06-01",
                &format!("resolved: 2026-06-02\nclosed: 2026-06-03\n{postmortem}{items}"),
            ),
            // Required (sev2 resolved), missing.
            incident("sev2", "resolved", "2026-06-01", "resolved: 2026-06-05\n"),
            // sev2 still open: not yet required.
            incident("sev2", "investigating", "2026-06-01", ""),
            // sev3 resolved: never required, even with a postmortem.
            incident(
                "sev3",
                "resolved",
                "2026-06-01",
                &format!("resolved: 2026-06-02\n{postmortem}"),
            ),
        ];
        let x = compute(&[], &incidents, "2026-06-30", None).incidents;
        assert_eq!(
            x.postmortems,
            Postmortems {
                required: 2,
                completed: 1
            }
        );
        // Open: a, b, c. Overdue: a only (b is due on the as-of date, c has no due date).
        assert_eq!(
            x.action_items,
            ActionItems {
                open: 3,
                overdue: 1,
                completed: 1
            }
        );
    }

    #[test]
    fn by_severity_durations_and_sources() {
        let incidents = [
            incident(
                "sev1",
                "resolved",
                "2026-06-01T10:00:00Z",
                "detected: 2026-06-01T08:00:00Z\nresolved: 2026-06-01T12:00:00Z\n",
            ),
            incident(
                "sev1",
                "resolved",
                "2026-06-01T10:00:00Z",
                "resolved: 2026-06-01T16:00:00Z\n",
            ),
            incident(
                "sev4",
                "resolved",
                "2026-06-01T10:00:00Z",
                "resolved: 2026-06-02T10:00:00Z\n",
            ),
        ];
        let mut incidents = incidents;
        incidents[1].source = " bug bounty ".into();
        let x = compute(&[], &incidents, "2026-06-30", None).incidents;
        // sev1: 4 h (from detected) and 6 h (from reported); sev4: 24 h.
        assert_eq!(
            x.time_to_resolve_by_severity.sev1,
            durations(2, 5.0, 5.0, 6.0)
        );
        assert_eq!(
            x.time_to_resolve_by_severity.sev4,
            durations(1, 24.0, 24.0, 24.0)
        );
        assert_eq!(x.time_to_resolve_by_severity.sev2, Durations::default());
        // 4, 6, 24: mean 11.33, median 6, p90 = ceil(2.7) = 3rd = 24.
        assert_eq!(x.time_to_resolve_hours, durations(3, 11.33, 6.0, 24.0));
        assert_eq!(
            x.by_source,
            BTreeMap::from([("bug bounty".to_string(), 1), ("monitoring".to_string(), 2)])
        );
    }

    /// Every key of SPEC 9, and no other.
    #[test]
    fn json_keys_are_exactly_the_spec_keys() {
        let metrics = compute(&[], &[], "2026-06-30", None);
        let json = serde_json::to_value(&metrics).unwrap();
        let keys = |v: &Value| -> Vec<String> {
            let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
            k.sort();
            k
        };
        assert_eq!(keys(&json), ["as_of", "exceptions", "incidents"]);
        let mut spec = vec![
            "total",
            "open",
            "by_state",
            "open_by_severity",
            "expiring",
            "expired",
            "time_to_initial_review_days",
            "by_type_per_month",
            "share_of_open_risks",
        ];
        spec.sort();
        assert_eq!(keys(&json["exceptions"]), spec);
        let mut spec = vec![
            "total",
            "open",
            "by_severity",
            "per_month",
            "high_critical_per_month",
            "time_to_respond_hours",
            "time_to_resolve_hours",
            "time_to_detect_hours",
            "time_to_contain_hours",
            "time_to_resolve_by_severity",
            "by_source",
            "effort_hours_per_month",
            "postmortems",
            "action_items",
        ];
        spec.sort();
        assert_eq!(keys(&json["incidents"]), spec);
    }
}
