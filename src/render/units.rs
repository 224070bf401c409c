//! How numbers are written for readers. A column of durations (or a chart of them) is in
//! one unit, picked from its values, and each unit has one rounding, so a chart's labels,
//! the table beside it, the registers and the audit report write a value the same way.
//! api/metrics.json keeps the hours of SPEC 9.

use serde::Serialize;

use crate::derive::incident::Measure;
use crate::derive::metrics::IncidentMetrics;

/// The unit a set of durations is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TimeUnit {
    Minutes,
    Hours,
    Days,
}

impl TimeUnit {
    /// The unit for durations given in hours: minutes when their median is under an hour,
    /// days when it is two days or more, else hours. The median, so one long case does not
    /// turn a column of minutes into hours.
    pub fn for_hours(hours: impl IntoIterator<Item = f64>) -> TimeUnit {
        let mut v: Vec<f64> = hours.into_iter().filter(|h| h.is_finite()).collect();
        v.sort_by(f64::total_cmp);
        let median = match v.len() {
            0 => return TimeUnit::Hours,
            n if n % 2 == 1 => v[n / 2],
            n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
        };
        if median < 1.0 {
            TimeUnit::Minutes
        } else if median < 48.0 {
            TimeUnit::Hours
        } else {
            TimeUnit::Days
        }
    }

    /// The unit every page writes `measure` in, over many incidents: that of its median
    /// over the handbook's incidents (api/metrics.json), so the metrics page, the registry
    /// and the audit report agree.
    pub fn of_measure(metrics: &IncidentMetrics, measure: Measure) -> TimeUnit {
        let durations = match measure {
            Measure::Respond => &metrics.time_to_respond_hours,
            Measure::Contain => &metrics.time_to_contain_hours,
            Measure::Resolve => &metrics.time_to_resolve_hours,
            Measure::Detect => &metrics.time_to_detect_hours,
        };
        TimeUnit::for_hours(durations.median)
    }

    fn hours_each(self) -> f64 {
        match self {
            TimeUnit::Minutes => 1.0 / 60.0,
            TimeUnit::Hours => 1.0,
            TimeUnit::Days => 24.0,
        }
    }

    /// Decimals written: whole minutes, tenths of hours and days.
    pub fn decimals(self) -> usize {
        match self {
            TimeUnit::Minutes => 0,
            TimeUnit::Hours | TimeUnit::Days => 1,
        }
    }

    /// `hours` in this unit, unrounded: what a chart draws.
    pub fn amount(self, hours: f64) -> f64 {
        hours / self.hours_each()
    }

    /// `hours` in this unit as a bare number: "9", "59.0", "2.5".
    pub fn number(self, hours: f64) -> String {
        fixed(self.amount(hours), self.decimals())
    }

    /// `hours` with the unit: "9 min", "59.0 h", "2.5 days".
    pub fn text(self, hours: f64) -> String {
        format!("{} {}", self.number(hours), self.short())
    }

    /// "min", "h", "days": after a number.
    pub fn short(self) -> &'static str {
        match self {
            TimeUnit::Minutes => "min",
            TimeUnit::Hours => "h",
            TimeUnit::Days => "days",
        }
    }

    /// "minutes", "hours", "days": in a heading or a caption.
    pub fn name(self) -> &'static str {
        match self {
            TimeUnit::Minutes => "minutes",
            TimeUnit::Hours => "hours",
            TimeUnit::Days => "days",
        }
    }
}

/// `v` with exactly `decimals` decimals, and never "-0".
pub fn fixed(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_takes_the_unit_of_its_median() {
        // Time to respond: minutes, though one case took 16 hours.
        let respond = [0.12, 0.15, 0.2, 0.25, 16.42];
        let unit = TimeUnit::for_hours(respond);
        assert_eq!(unit, TimeUnit::Minutes);
        assert_eq!(unit.text(0.15), "9 min");
        assert_eq!(unit.number(16.42), "985");
        let unit = TimeUnit::for_hours([2.25, 30.08, 59.0, 184.3]);
        assert_eq!(unit, TimeUnit::Hours);
        assert_eq!(
            [0.15, 59.0, 184.3].map(|h| unit.number(h)),
            ["0.1", "59.0", "184.3"]
        );
        assert_eq!(TimeUnit::for_hours([72.0, 96.0]).text(72.0), "3.0 days");
        assert_eq!(TimeUnit::for_hours([]), TimeUnit::Hours);
    }

    #[test]
    fn fixed_decimals_and_no_negative_zero() {
        assert_eq!(fixed(2.0, 1), "2.0");
        assert_eq!(fixed(2.46, 1), "2.5");
        assert_eq!(fixed(-0.0, 1), "0.0");
        assert_eq!(fixed(-0.01, 1), "0.0");
        assert_eq!(fixed(-1.5, 0), "-2");
        assert_eq!(fixed(7.0, 0), "7");
    }
}
