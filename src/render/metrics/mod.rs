//! metrics/index.html, charts/*.svg and api/metrics.json: SPEC 9 as numbers and as charts,
//! each chart beside a table of the numbers it draws. Also the home page's status summary.

mod charts;

use serde::Serialize;
use tera::Context;

use super::api::json;
use super::{Output, OutputFile, Renderer};
use crate::derive::handbook::Handbook;
use crate::derive::incident::Measure;
use crate::derive::metrics::{Durations, Metrics, Month, PerSeverity, round2};
use crate::diagnostics::Diagnostic;
use crate::model::vocab::{ExceptionState, IncidentSeverity, Severity};
use crate::render::units::{TimeUnit, fixed};
use charts::{Bar, BarChart, ColumnChart, Fill, Hatch, Layout, Series, badge, palette};

/// The folder of the metrics page.
pub const URL: &str = "metrics/";

pub const JSON_PATH: &str = crate::model::site_files::API_METRICS;

/// One number of the home page's status summary, linking to the page behind it.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryItem {
    pub key: &'static str,
    pub label: &'static str,
    pub value: usize,
    /// From the site root.
    pub href: &'static str,
    /// `ok` when nothing needs attention, else `warn` or `bad`.
    pub tone: &'static str,
}

/// The home page's status summary: open exceptions, expired, expiring, open incidents and
/// overdue action items, the last counted as the page it links to counts them.
pub fn status_summary(handbook: &Handbook) -> Vec<SummaryItem> {
    let tone = |value: usize, when_any: &'static str| if value == 0 { "ok" } else { when_any };
    let e = &handbook.metrics.exceptions;
    let i = &handbook.metrics.incidents;
    let overdue = handbook.overdue_action_items();
    vec![
        SummaryItem {
            key: "open-exceptions",
            label: "open exceptions",
            value: e.open,
            href: "exceptions/index.html",
            tone: "neutral",
        },
        SummaryItem {
            key: "expired",
            label: "expired exceptions",
            value: e.expired,
            href: "status/index.html",
            tone: tone(e.expired, "bad"),
        },
        SummaryItem {
            key: "expiring",
            label: "expiring exceptions",
            value: e.expiring,
            href: "status/index.html",
            tone: tone(e.expiring, "warn"),
        },
        SummaryItem {
            key: "open-incidents",
            label: "open incidents",
            value: i.open,
            href: "incidents/index.html",
            tone: tone(i.open, "warn"),
        },
        SummaryItem {
            key: "overdue-action-items",
            label: "overdue action items",
            value: overdue,
            href: "action-items/index.html",
            tone: tone(overdue, "bad"),
        },
    ]
}

#[derive(Debug, Serialize)]
struct Table {
    caption: String,
    /// Column headings; the first names the row headings.
    head: Vec<String>,
    /// Each row: its heading, then its cells.
    rows: Vec<Vec<String>>,
}

#[derive(Debug, Serialize)]
struct ChartView {
    id: &'static str,
    title: String,
    description: String,
    /// The SVG document, shown inline.
    svg: String,
    /// `charts/<id>.svg`, from the site root.
    file: String,
    tables: Vec<Table>,
}

#[derive(Debug, Serialize)]
struct Headline {
    label: &'static str,
    value: String,
}

#[derive(Debug, Serialize)]
struct Group {
    id: &'static str,
    title: &'static str,
    headline: Vec<Headline>,
    charts: Vec<ChartView>,
}

#[derive(Serialize)]
struct PageView {
    title: &'static str,
    description: &'static str,
    url: &'static str,
}

/// The metrics page, its charts and api/metrics.json, put into `out`.
pub fn render_metrics(handbook: &Handbook, renderer: &Renderer, out: &Output) -> Vec<Diagnostic> {
    let metrics = &*handbook.metrics;
    let groups = [exception_group(metrics), incident_group(metrics)];
    out.put(json(JSON_PATH, metrics));
    for chart in groups.iter().flat_map(|g| &g.charts) {
        out.put(OutputFile::html(chart.file.clone(), chart.svg.clone()));
    }
    let mut ctx = Context::new();
    ctx.insert("root", &crate::model::links::root_prefix(URL));
    ctx.insert(
        "page",
        &PageView {
            title: "Metrics",
            description: "The security exception and incident programs in numbers and charts",
            url: URL,
        },
    );
    ctx.insert("breadcrumbs", &Vec::<()>::new());
    ctx.insert("prev", &None::<()>);
    ctx.insert("next", &None::<()>);
    ctx.insert("groups", &groups);
    let page = renderer
        .render("metrics.html", &ctx)
        .map(|html| OutputFile::html(crate::model::links::page_href(URL), html));
    out.take(page).into_iter().collect()
}

/// Counts, and sums of counts per period.
fn whole(v: f64) -> String {
    fixed(v, 0)
}

/// Hours of effort, days to review, shares in percent: one decimal, on the bars and in the
/// tables alike.
fn tenths(v: f64) -> String {
    fixed(v, 1)
}

fn opt(v: Option<f64>, write: impl Fn(f64) -> String) -> String {
    v.map_or_else(|| "–".to_string(), write)
}

fn count(v: usize) -> String {
    v.to_string()
}

/// The colours of the severity badges (`.sev-*` in style.css), each with its own hatching.
fn severity_fill(severity: IncidentSeverity) -> Fill {
    match severity {
        IncidentSeverity::Sev1 => Fill::solid(badge::BAD),
        IncidentSeverity::Sev2 => Fill::new(badge::WARN, Hatch::Forward),
        IncidentSeverity::Sev3 => Fill::new(badge::INFO, Hatch::Back),
        IncidentSeverity::Sev4 => Fill::new(badge::NEUTRAL, Hatch::Horizontal),
    }
}

fn risk_fill(severity: Severity) -> Fill {
    severity_fill(match severity {
        Severity::Critical => IncidentSeverity::Sev1,
        Severity::High => IncidentSeverity::Sev2,
        Severity::Medium => IncidentSeverity::Sev3,
        Severity::Low => IncidentSeverity::Sev4,
    })
}

/// The colours of the state badges (`.state-*` in style.css), each with its own hatching.
fn state_fill(state: ExceptionState) -> Fill {
    match state {
        ExceptionState::Pending => Fill::new(badge::PENDING, Hatch::Cross),
        ExceptionState::Active => Fill::solid(badge::OK),
        ExceptionState::Expiring => Fill::new(badge::WARN, Hatch::Forward),
        ExceptionState::Expired => Fill::solid(badge::BAD),
        ExceptionState::Denied => Fill::new(badge::DENIED, Hatch::Back),
        ExceptionState::Closed => Fill::new(badge::NEUTRAL, Hatch::Horizontal),
    }
}

const MEDIAN: Fill = Fill::solid(palette::BLUE);
const P90: Fill = Fill::new(palette::SKY_BLUE, Hatch::Forward);

fn chart(
    id: &'static str,
    title: String,
    description: String,
    svg: String,
    tables: Vec<Table>,
) -> ChartView {
    ChartView {
        id,
        title,
        description,
        svg,
        file: format!("charts/{id}.svg"),
        tables,
    }
}

/// "2025-01 to 2026-06", for a chart's subtitle.
fn span(months: &[Month]) -> String {
    match (months.first(), months.last()) {
        (Some(a), Some(b)) if a != b => format!("{a} to {b}"),
        (Some(a), _) => a.to_string(),
        _ => String::new(),
    }
}

/// The most columns a chart over time draws. Past it the months are grouped into quarters,
/// then years, then spans of 2, 5, 10, 20, 50, … years, so that a register of any age keeps
/// columns wide enough to see and to label: 26 years of months once drew 319 columns a pixel
/// wide. api/metrics.json keeps the months (SPEC 9); the table beside each chart shows the
/// periods the chart draws, with the same numbers.
const MAX_PERIODS: usize = 36;

/// The length of a chart's period, in months: 1, 3, 12 or a multiple of 12.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Grain(i64);

impl Grain {
    /// The next coarser grain: month, quarter, year, then 2, 5, 10, 20, 50, … years.
    fn coarser(self) -> Grain {
        match self.0 {
            1 => Grain(3),
            3 => Grain(12),
            months => {
                let years = months / 12;
                let mut power = 1;
                while power * 10 <= years {
                    power *= 10;
                }
                let step = match years / power {
                    1 => 2,
                    2..=4 => 5,
                    _ => 10,
                };
                Grain(12 * step * power)
            }
        }
    }

    /// "month", "quarter", "year", "5 years": what one column counts.
    fn noun(self) -> String {
        match self.0 {
            1 => "month".into(),
            3 => "quarter".into(),
            12 => "year".into(),
            months => format!("{} years", months / 12),
        }
    }

    /// The heading of the periods' column in a table, and the word on the chart's axis.
    fn heading(self) -> &'static str {
        match self.0 {
            1 => "Month",
            3 => "Quarter",
            12 => "Year",
            _ => "Years",
        }
    }

    /// The label of period `p`, counted in this grain from January of year 0.
    fn label(self, p: i64) -> String {
        let first = p * self.0;
        let year = first.div_euclid(12);
        match self.0 {
            1 => format!("{year:04}-{:02}", first.rem_euclid(12) + 1),
            3 => format!("{year:04}-Q{}", first.rem_euclid(12) / 3 + 1),
            12 => format!("{year:04}"),
            months => format!("{year:04}\u{2013}{:04}", year + months / 12 - 1),
        }
    }
}

/// The periods a monthly series is drawn and tabled in: the months themselves while there
/// are at most [`MAX_PERIODS`], else the finest coarser grain that brings them under it.
struct Periods {
    grain: Grain,
    labels: Vec<String>,
    /// The period of each month of the series.
    of_month: Vec<usize>,
}

impl Periods {
    /// The periods over `months`, ascending and without gaps as SPEC 9 makes them.
    fn new(months: &[Month]) -> Periods {
        let index = |m: &Month| i64::from(m.year) * 12 + i64::from(m.month) - 1;
        let (first, last) = match (months.first(), months.last()) {
            (Some(a), Some(b)) => (index(a), index(b)),
            _ => (0, -1),
        };
        let count = |g: Grain| last.div_euclid(g.0) - first.div_euclid(g.0) + 1;
        let mut grain = Grain(1);
        while count(grain) > MAX_PERIODS as i64 {
            grain = grain.coarser();
        }
        let start = first.div_euclid(grain.0);
        Periods {
            grain,
            labels: (start..=last.div_euclid(grain.0))
                .map(|p| grain.label(p))
                .collect(),
            of_month: months
                .iter()
                .map(|m| usize::try_from(index(m).div_euclid(grain.0) - start).unwrap_or(0))
                .collect(),
        }
    }

    /// A monthly series summed per period and rounded as api/metrics.json rounds: the
    /// numbers the chart draws and its table shows.
    fn sum(&self, monthly: impl IntoIterator<Item = f64>) -> Vec<f64> {
        let mut out = vec![0.0; self.labels.len()];
        for (p, v) in self.of_month.iter().zip(monthly) {
            if let Some(total) = out.get_mut(*p) {
                *total += v;
            }
        }
        out.into_iter().map(round2).collect()
    }
}

fn exception_group(m: &Metrics) -> Group {
    let e = &m.exceptions;
    let none = e.total == 0;
    let mut charts = Vec::new();

    let open_states = ExceptionState::ALL.into_iter().filter(|s| s.is_open());
    let bars: Vec<Bar> = open_states
        .clone()
        .map(|s| Bar {
            label: s.as_str().into(),
            value: e.by_state.get(s) as f64,
            fill: state_fill(s),
        })
        .collect();
    let mut rows: Vec<Vec<String>> = open_states
        .map(|s| vec![s.as_str().into(), count(e.by_state.get(s))])
        .collect();
    rows.push(vec!["open".into(), count(e.open)]);
    charts.push(chart(
        "exceptions-open-by-state",
        "Open exceptions by state".into(),
        "Exceptions still carrying risk or awaiting a decision, by their state on the as-of date."
            .into(),
        charts::bars(&BarChart {
            title: "Open exceptions by state".into(),
            subtitle: Some(format!("{} open of {} exceptions", e.open, e.total)),
            x_label: "Exceptions".into(),
            y_label: "State".into(),
            bars,
            decimals: 0,
            no_data: none,
        }),
        vec![Table {
            caption: "Open exceptions by state".into(),
            head: vec!["State".into(), "Exceptions".into()],
            rows,
        }],
    ));

    let bars: Vec<Bar> = Severity::ALL
        .into_iter()
        .map(|s| Bar {
            label: s.as_str().into(),
            value: e.open_by_severity.get(s) as f64,
            fill: risk_fill(s),
        })
        .collect();
    let rows = Severity::ALL
        .into_iter()
        .map(|s| vec![s.as_str().into(), count(e.open_by_severity.get(s))])
        .collect();
    charts.push(chart(
        "exceptions-open-by-severity",
        "Open exceptions by severity".into(),
        "Open exceptions by the risk level the vulnerability program gave them.".into(),
        charts::bars(&BarChart {
            title: "Open exceptions by severity".into(),
            subtitle: Some(format!("{} open", e.open)),
            x_label: "Exceptions".into(),
            y_label: "Severity".into(),
            bars,
            decimals: 0,
            no_data: none,
        }),
        vec![Table {
            caption: "Open exceptions by severity".into(),
            head: vec!["Severity".into(), "Exceptions".into()],
            rows,
        }],
    ));

    let months: Vec<Month> = e.by_type_per_month.iter().map(|r| r.month).collect();
    let periods = Periods::new(&months);
    let (per, heading) = (periods.grain.noun(), periods.grain.heading());
    let extension = periods.sum(e.by_type_per_month.iter().map(|r| r.extension as f64));
    let acceptance = periods.sum(e.by_type_per_month.iter().map(|r| r.acceptance as f64));
    let rows = periods
        .labels
        .iter()
        .zip(extension.iter().zip(&acceptance))
        .map(|(label, (x, a))| vec![label.clone(), whole(*x), whole(*a), whole(x + a)])
        .collect();
    let series = vec![
        Series {
            name: "extension".into(),
            fill: Fill::solid(palette::BLUE),
            values: extension.into_iter().map(Some).collect(),
        },
        Series {
            name: "acceptance".into(),
            fill: Fill::new(palette::ORANGE, Hatch::Forward),
            values: acceptance.into_iter().map(Some).collect(),
        },
    ];
    charts.push(chart(
        "exceptions-by-type-per-month",
        format!("Exceptions by type per {per}"),
        format!("Requests per {per}, by when they were created: risk extensions (delay the fix) and risk acceptances (no fix)."),
        charts::columns(&ColumnChart {
            title: format!("Exceptions requested per {per}, by type"),
            subtitle: Some(format!("{} requested, {}", e.total, span(&months))),
            x_label: format!("{heading} created"),
            y_label: "Exceptions".into(),
            categories: periods.labels.clone(),
            series,
            layout: Layout::Stacked,
            decimals: 0,
            label_zeros: false,
            no_data: none,
        }),
        vec![Table {
            caption: format!("Exceptions requested per {per}, newest first"),
            head: vec![
                heading.into(),
                "Extension".into(),
                "Acceptance".into(),
                "Total".into(),
            ],
            rows: newest_first(rows),
        }],
    ));

    let review = &e.time_to_initial_review_days;
    let buckets = review_buckets(&m.detail.review_days);
    charts.push(chart(
        "exceptions-time-to-initial-review",
        "Time to initial review".into(),
        "Days from the request to the program's first review, or to the decision when there was no separate review.".into(),
        charts::columns(&ColumnChart {
            title: "Time to initial review".into(),
            subtitle: Some(format!(
                "{} reviewed · median {} days · p90 {} days",
                review.count,
                opt(review.median, tenths),
                opt(review.p90, tenths)
            )),
            x_label: "Days from request to first review".into(),
            y_label: "Exceptions".into(),
            categories: buckets.iter().map(|(label, _)| label.to_string()).collect(),
            series: vec![Series {
                name: "exceptions".into(),
                fill: Fill::solid(palette::BLUE),
                values: buckets.iter().map(|(_, n)| Some(*n as f64)).collect(),
            }],
            layout: Layout::Grouped,
            decimals: 0,
            label_zeros: true,
            no_data: review.count == 0,
        }),
        vec![
            durations_table(
                "Time to initial review, in days",
                "Exceptions",
                &[("all", review)],
                tenths,
            ),
            Table {
                caption: "Exceptions by days to initial review".into(),
                head: vec!["Days".into(), "Exceptions".into()],
                rows: buckets
                    .iter()
                    .map(|(label, n)| vec![label.to_string(), count(*n)])
                    .collect(),
            },
        ],
    ));

    Group {
        id: "exceptions",
        title: "Security exceptions",
        headline: vec![
            Headline {
                label: "Exceptions",
                value: count(e.total),
            },
            Headline {
                label: "Open",
                value: count(e.open),
            },
            Headline {
                label: "Expiring",
                value: count(e.expiring),
            },
            Headline {
                label: "Expired without risk treatment",
                value: count(e.expired),
            },
            Headline {
                label: "Open as a share of open risks",
                value: e
                    .share_of_open_risks
                    .map_or_else(|| "not set".into(), |s| format!("{}%", tenths(s))),
            },
        ],
        charts,
    }
}

/// The buckets of the time-to-review distribution, in days.
const REVIEW_BUCKETS: [(&str, i64, i64); 7] = [
    ("0-1", 0, 1),
    ("2-3", 2, 3),
    ("4-7", 4, 7),
    ("8-14", 8, 14),
    ("15-30", 15, 30),
    ("31-60", 31, 60),
    ("61+", 61, i64::MAX),
];

fn review_buckets(days: &[i64]) -> Vec<(&'static str, usize)> {
    REVIEW_BUCKETS
        .iter()
        .map(|(label, lo, hi)| {
            let n = days.iter().filter(|d| (*lo..=*hi).contains(*d)).count();
            (*label, n)
        })
        .collect()
}

/// A table over periods lists the newest first: the months a reader looks for are at the
/// top, not past the end of a scrolling box.
fn newest_first(mut rows: Vec<Vec<String>>) -> Vec<Vec<String>> {
    rows.reverse();
    rows
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `rows_heading` names the column of the rows' names: a header cell left empty names
/// nothing to a screen reader.
fn durations_table(
    caption: &str,
    rows_heading: &str,
    rows: &[(&str, &Durations)],
    write: impl Fn(f64) -> String + Copy,
) -> Table {
    Table {
        caption: caption.into(),
        head: [rows_heading, "Count", "Mean", "Median", "p90"]
            .map(String::from)
            .into(),
        rows: rows
            .iter()
            .map(|(name, d)| {
                vec![
                    name.to_string(),
                    count(d.count),
                    opt(d.mean, write),
                    opt(d.median, write),
                    opt(d.p90, write),
                ]
            })
            .collect(),
    }
}

/// The rows of a chart of durations by severity: each severity, then all.
fn severity_rows<'a>(
    all: &'a Durations,
    by: &'a PerSeverity<Durations>,
) -> Vec<(&'static str, &'a Durations)> {
    let mut groups: Vec<(&str, &Durations)> = IncidentSeverity::ALL
        .iter()
        .map(|s| (s.as_str(), by.get(*s)))
        .collect();
    groups.push(("all", all));
    groups
}

fn incident_group(m: &Metrics) -> Group {
    let i = &m.incidents;
    let resolve_unit = TimeUnit::of_measure(i, Measure::Resolve);
    let none = m.detail.incidents_counted == 0;
    let mut charts = Vec::new();
    let months: Vec<Month> = i.per_month.iter().map(|r| r.month).collect();
    let periods = Periods::new(&months);
    let (per, heading) = (periods.grain.noun(), periods.grain.heading());
    let categories = periods.labels.clone();

    let by_severity = IncidentSeverity::ALL
        .map(|s| periods.sum(i.per_month.iter().map(|r| *r.counts.get(s) as f64)));
    let mut head = vec![heading.to_string()];
    head.extend(IncidentSeverity::ALL.map(|s| s.as_str().to_string()));
    head.push("Total".into());
    let rows = periods
        .labels
        .iter()
        .enumerate()
        .map(|(p, label)| {
            let values = by_severity.iter().map(|v| v.get(p).copied().unwrap_or(0.0));
            let mut row = vec![label.clone()];
            row.extend(values.clone().map(whole));
            row.push(whole(values.sum()));
            row
        })
        .collect();
    let series = IncidentSeverity::ALL
        .into_iter()
        .zip(by_severity)
        .map(|(s, values)| Series {
            name: s.as_str().into(),
            fill: severity_fill(s),
            values: values.into_iter().map(Some).collect(),
        })
        .collect();
    charts.push(chart(
        "incidents-per-month-by-severity",
        format!("Incidents per {per} by severity"),
        format!("Incidents per {per}, by when they were reported to security, stacked by severity (sev1 at the bottom)."),
        charts::columns(&ColumnChart {
            title: format!("Incidents per {per} by severity"),
            subtitle: Some(format!("{} incidents, {}", m.detail.incidents_counted, span(&months))),
            x_label: format!("{heading} reported"),
            y_label: "Incidents".into(),
            categories: categories.clone(),
            series,
            layout: Layout::Stacked,
            decimals: 0,
            label_zeros: false,
            no_data: none,
        }),
        vec![Table {
            caption: format!("Incidents per {per} by severity, newest first"),
            head,
            rows: newest_first(rows),
        }],
    ));

    let high: usize = i.high_critical_per_month.iter().map(|r| r.count).sum();
    let high_per = periods.sum(i.high_critical_per_month.iter().map(|r| r.count as f64));
    charts.push(chart(
        "incidents-high-critical-per-month",
        format!("High and critical incidents per {per}"),
        format!(
            "Incidents of severity sev1 (critical) and sev2 (high) per {per}, by when they were reported."
        ),
        charts::columns(&ColumnChart {
            title: format!("High and critical incidents per {per}"),
            subtitle: Some(format!("{high} sev1 and sev2 incidents, {}", span(&months))),
            x_label: format!("{heading} reported"),
            y_label: "Incidents (sev1 + sev2)".into(),
            categories: categories.clone(),
            series: vec![Series {
                name: "sev1 + sev2".into(),
                fill: Fill::solid(badge::BAD),
                values: high_per.iter().copied().map(Some).collect(),
            }],
            layout: Layout::Grouped,
            decimals: 0,
            label_zeros: false,
            no_data: none,
        }),
        vec![Table {
            caption: format!("High and critical incidents per {per}, newest first"),
            head: vec![heading.into(), "sev1 + sev2".into()],
            rows: newest_first(
                periods
                    .labels
                    .iter()
                    .zip(&high_per)
                    .map(|(label, n)| vec![label.clone(), whole(*n)])
                    .collect(),
            ),
        }],
    ));

    let measures: [(
        &'static str,
        Measure,
        &str,
        &Durations,
        &PerSeverity<Durations>,
    ); 4] = [
        (
            "incidents-time-to-respond",
            Measure::Respond,
            "From the report reaching security to security's first response.",
            &i.time_to_respond_hours,
            &m.detail.time_to_respond_by_severity,
        ),
        (
            "incidents-time-to-resolve",
            Measure::Resolve,
            "From detection (or the report, when detection is not recorded) to the fix being live.",
            &i.time_to_resolve_hours,
            &i.time_to_resolve_by_severity,
        ),
        (
            "incidents-time-to-detect",
            Measure::Detect,
            "From when the cause or impact began to its discovery.",
            &i.time_to_detect_hours,
            &m.detail.time_to_detect_by_severity,
        ),
        (
            "incidents-time-to-contain",
            Measure::Contain,
            "From detection (or the report) until the bleeding stopped.",
            &i.time_to_contain_hours,
            &m.detail.time_to_contain_by_severity,
        ),
    ];
    for (id, measure, description, all, by) in measures {
        let title = measure.label();
        let groups = severity_rows(all, by);
        let unit = TimeUnit::of_measure(i, measure);
        let number = |h: f64| unit.number(h);
        let categories = groups
            .iter()
            .map(|(name, d)| format!("{name} (n={})", d.count))
            .collect();
        let drawn = |v: Option<f64>| v.map(|h| unit.amount(h));
        let series = vec![
            Series {
                name: "median".into(),
                fill: MEDIAN,
                values: groups.iter().map(|(_, d)| drawn(d.median)).collect(),
            },
            Series {
                name: "p90".into(),
                fill: P90,
                values: groups.iter().map(|(_, d)| drawn(d.p90)).collect(),
            },
        ];
        charts.push(chart(
            id,
            format!("{title} by severity"),
            format!("{description} In {}.", unit.name()),
            charts::columns(&ColumnChart {
                title: format!("{title} by severity, in {}", unit.name()),
                subtitle: Some(format!(
                    "median {} · p90 {} over {} incidents",
                    opt(all.median, |h| unit.text(h)),
                    opt(all.p90, |h| unit.text(h)),
                    all.count
                )),
                x_label: "Severity (number of incidents)".into(),
                y_label: capitalised(unit.name()),
                categories,
                series,
                layout: Layout::Grouped,
                decimals: unit.decimals(),
                label_zeros: true,
                no_data: all.count == 0,
            }),
            vec![durations_table(
                &format!("{title}, in {}", unit.name()),
                "Severity",
                &groups,
                number,
            )],
        ));
    }

    let mut sources: Vec<(&String, &usize)> = i.by_source.iter().collect();
    sources.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    charts.push(chart(
        "incidents-by-source",
        "Incidents by source".into(),
        "Who or what reported each incident.".into(),
        charts::bars(&BarChart {
            title: "Incidents by source".into(),
            subtitle: Some(format!("{} incidents", m.detail.incidents_counted)),
            x_label: "Incidents".into(),
            y_label: "Source".into(),
            bars: sources
                .iter()
                .map(|(name, n)| Bar {
                    label: (*name).clone(),
                    value: **n as f64,
                    fill: Fill::solid(palette::BLUE),
                })
                .collect(),
            decimals: 0,
            no_data: none,
        }),
        vec![Table {
            caption: "Incidents by source".into(),
            head: vec!["Source".into(), "Incidents".into()],
            rows: sources
                .iter()
                .map(|(name, n)| vec![(*name).clone(), count(**n)])
                .collect(),
        }],
    ));

    let effort: f64 = i.effort_hours_per_month.iter().map(|r| r.hours).sum();
    let effort_per = periods.sum(i.effort_hours_per_month.iter().map(|r| r.hours));
    charts.push(chart(
        "incidents-effort-hours-per-month",
        format!("Effort hours per {per}"),
        format!(
            "Hours the security team spent on incidents per {per}, by when each incident was reported."
        ),
        charts::columns(&ColumnChart {
            title: format!("Incident effort per {per}, in hours"),
            subtitle: Some(format!("{} hours, {}", tenths(effort), span(&months))),
            x_label: format!("{heading} reported"),
            y_label: "Hours".into(),
            categories,
            series: vec![Series {
                name: "hours".into(),
                fill: Fill::solid(palette::GREEN),
                values: effort_per.iter().copied().map(Some).collect(),
            }],
            layout: Layout::Grouped,
            decimals: 1,
            label_zeros: false,
            no_data: none || effort <= 0.0,
        }),
        vec![Table {
            caption: format!("Incident effort per {per}, in hours, newest first"),
            head: vec![heading.into(), "Hours".into()],
            rows: newest_first(
                periods
                    .labels
                    .iter()
                    .zip(&effort_per)
                    .map(|(label, h)| vec![label.clone(), tenths(*h)])
                    .collect(),
            ),
        }],
    ));

    let pm = &i.postmortems;
    let missing = pm.required.saturating_sub(pm.completed);
    let share = if pm.required == 0 {
        "none required".to_string()
    } else {
        format!(
            "{} of {} completed ({}%)",
            pm.completed,
            pm.required,
            tenths(pm.completed as f64 / pm.required as f64 * 100.0)
        )
    };
    charts.push(chart(
        "incidents-postmortems",
        "Postmortem completion".into(),
        "Resolved or closed incidents of a severity that requires a postmortem, and how many have one.".into(),
        charts::bars(&BarChart {
            title: "Postmortem completion".into(),
            subtitle: Some(share),
            x_label: "Incidents".into(),
            y_label: "Postmortems".into(),
            bars: vec![
                Bar {
                    label: "required".into(),
                    value: pm.required as f64,
                    fill: Fill::solid(palette::BLUE),
                },
                Bar {
                    label: "completed".into(),
                    value: pm.completed as f64,
                    fill: Fill::new(badge::OK, Hatch::Forward),
                },
                Bar {
                    label: "missing".into(),
                    value: missing as f64,
                    fill: Fill::new(badge::BAD, Hatch::Cross),
                },
            ],
            decimals: 0,
            no_data: none,
        }),
        vec![Table {
            caption: "Postmortems".into(),
            head: vec!["Postmortems".into(), "Incidents".into()],
            rows: vec![
                vec!["required".into(), count(pm.required)],
                vec!["completed".into(), count(pm.completed)],
                vec!["missing".into(), count(missing)],
            ],
        }],
    ));

    let ai = &i.action_items;
    charts.push(chart(
        "incidents-action-items",
        "Action items".into(),
        "Incident action items: open (planned or in progress), the open ones past their due date, and completed.".into(),
        charts::bars(&BarChart {
            title: "Incident action items".into(),
            subtitle: Some(format!("{} open, {} of them overdue", ai.open, ai.overdue)),
            x_label: "Action items".into(),
            y_label: "Status".into(),
            bars: vec![
                Bar {
                    label: "open".into(),
                    value: ai.open as f64,
                    fill: Fill::new(badge::WARN, Hatch::Forward),
                },
                Bar {
                    label: "overdue (of open)".into(),
                    value: ai.overdue as f64,
                    fill: Fill::solid(badge::BAD),
                },
                Bar {
                    label: "completed".into(),
                    value: ai.completed as f64,
                    fill: Fill::solid(badge::OK),
                },
            ],
            decimals: 0,
            no_data: ai.open + ai.completed == 0,
        }),
        vec![Table {
            caption: "Incident action items".into(),
            head: vec!["Action items".into(), "Count".into()],
            rows: vec![
                vec!["open".into(), count(ai.open)],
                vec!["overdue (of open)".into(), count(ai.overdue)],
                vec!["completed".into(), count(ai.completed)],
            ],
        }],
    ));

    Group {
        id: "incidents",
        title: "Security incidents",
        headline: vec![
            Headline {
                label: "Incidents",
                value: count(i.total),
            },
            Headline {
                label: "Open",
                value: count(i.open),
            },
            Headline {
                label: "Not an incident",
                value: count(i.total - m.detail.incidents_counted),
            },
            Headline {
                label: "Median time to resolve",
                value: i
                    .time_to_resolve_hours
                    .median
                    .map_or_else(|| "–".into(), |h| resolve_unit.text(h)),
            },
            Headline {
                label: "Overdue action items",
                value: count(ai.overdue),
            },
        ],
        charts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every month from `first` (year, month) for `n` months.
    fn months(first: (i32, u32), n: usize) -> Vec<Month> {
        let mut m = Month {
            year: first.0,
            month: first.1,
        };
        let mut out = Vec::new();
        for _ in 0..n {
            out.push(m);
            m = m.next();
        }
        out
    }

    #[test]
    fn months_stay_months_up_to_the_bound() {
        let p = Periods::new(&months((2024, 3), MAX_PERIODS));
        assert_eq!(p.grain, Grain(1));
        assert_eq!(p.labels.len(), MAX_PERIODS);
        assert_eq!(p.labels[0], "2024-03");
        assert_eq!(p.labels[MAX_PERIODS - 1], "2027-02");
        assert!(Periods::new(&[]).labels.is_empty());
    }

    #[test]
    fn past_the_bound_quarters_then_years_then_spans_of_years() {
        // 37 months from February: calendar quarters, the first and last partly covered.
        let p = Periods::new(&months((2024, 2), 37));
        assert_eq!(p.grain, Grain(3));
        assert_eq!(p.labels.first().unwrap(), "2024-Q1");
        assert_eq!(p.labels.last().unwrap(), "2027-Q1");
        assert_eq!(p.labels.len(), 13);
        assert_eq!(
            (p.grain.noun(), p.grain.heading()),
            ("quarter".into(), "Quarter")
        );
        // 36 quarters are still quarters; 37 are years.
        assert_eq!(Periods::new(&months((2000, 1), 108)).grain, Grain(3));
        let p = Periods::new(&months((2000, 1), 109));
        assert_eq!(p.grain, Grain(12));
        assert_eq!(
            p.labels,
            (2000..=2009).map(|y| y.to_string()).collect::<Vec<_>>()
        );
        // 26 years of months, as the tracker that drew 319 columns: 27 years.
        assert_eq!(Periods::new(&months((2000, 1), 319)).labels.len(), 27);
        // 37 years: spans of 2, aligned on even years.
        let p = Periods::new(&months((1990, 6), 37 * 12));
        assert_eq!(p.grain, Grain(24));
        assert_eq!(p.labels[0], "1990\u{2013}1991");
        assert_eq!(
            (p.grain.noun(), p.grain.heading()),
            ("2 years".into(), "Years")
        );
        // Any span ends under the bound: year 1 to 2026 in centuries.
        let p = Periods::new(&months((1, 1), 2026 * 12));
        assert!(p.labels.len() <= MAX_PERIODS, "{}", p.labels.len());
        assert_eq!(p.labels[0], "0000\u{2013}0099");
    }

    #[test]
    fn grains_grow_one_two_five() {
        let mut g = Grain(1);
        let mut seen = Vec::new();
        for _ in 0..9 {
            seen.push(g.0);
            g = g.coarser();
        }
        assert_eq!(seen, [1, 3, 12, 24, 60, 120, 240, 600, 1200]);
    }

    #[test]
    fn sums_are_per_period_and_rounded_once() {
        let p = Periods::new(&months((2020, 11), 40));
        assert_eq!(p.grain, Grain(3));
        let mut hours = vec![0.0; 40];
        // November and December 2020 are 2020-Q4; January 2021 is 2021-Q1.
        hours[0] = 1.115;
        hours[1] = 2.222;
        hours[2] = 4.0;
        let sums = p.sum(hours);
        assert_eq!(sums.len(), p.labels.len());
        assert_eq!(&p.labels[..2], ["2020-Q4", "2021-Q1"]);
        assert_eq!(&sums[..3], [3.34, 4.0, 0.0]);
    }

    #[test]
    fn every_table_heading_names_its_column() {
        let as_of = crate::model::date::Date::parse("2026-06-30").unwrap();
        let metrics = Metrics::compute(&crate::derive::metrics::Inputs {
            exceptions: Vec::new(),
            incidents: Vec::new(),
            as_of,
            timezone: crate::model::date::Offset::default(),
            postmortem_required: &[],
            open_risks: None,
        });
        let groups = [exception_group(&metrics), incident_group(&metrics)];
        let tables: Vec<&Table> = groups
            .iter()
            .flat_map(|g| &g.charts)
            .flat_map(|c| &c.tables)
            .collect();
        assert!(tables.len() > 10, "{} tables", tables.len());
        for table in tables {
            assert!(
                table.head.iter().all(|h| !h.trim().is_empty()),
                "{}: {:?}",
                table.caption,
                table.head
            );
        }
    }
}
