//! metrics/index.html, charts/*.svg and api/metrics.json: SPEC 9 as numbers and as charts,
//! each chart beside a table of the numbers it draws. Also the home page's status summary.

use serde::Serialize;
use tera::Context;

use super::api::json;
use super::{Output, OutputFile, Renderer};
use crate::charts::{self, Bar, BarChart, ColumnChart, Fill, Hatch, Layout, Series, palette};
use crate::diagnostics::Diagnostic;
use crate::handbook::Handbook;
use crate::metrics::{Durations, Metrics, Month, PerSeverity};
use crate::records::vocab::{ExceptionState, IncidentSeverity, Severity};

/// The folder of the metrics page.
const URL: &str = "metrics/";

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
/// overdue action items.
pub fn status_summary(metrics: &Metrics) -> Vec<SummaryItem> {
    let tone = |value: usize, when_any: &'static str| if value == 0 { "ok" } else { when_any };
    let e = &metrics.exceptions;
    let i = &metrics.incidents;
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
            value: i.action_items.overdue,
            href: "action-items/index.html",
            tone: tone(i.action_items.overdue, "bad"),
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
    /// charts/<id>.svg, from the site root.
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
    let metrics = &handbook.metrics;
    let groups = [exception_group(metrics), incident_group(metrics)];
    out.put(json("api/metrics.json", metrics));
    for chart in groups.iter().flat_map(|g| &g.charts) {
        out.put(OutputFile::html(chart.file.clone(), chart.svg.clone()));
    }
    let mut ctx = Context::new();
    ctx.insert("root", &crate::links::root_prefix(URL));
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
        .map(|html| OutputFile::html(crate::links::page_href(URL), html));
    out.take(page).into_iter().collect()
}

fn num(v: f64) -> String {
    charts::format_number(v)
}

fn opt(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_string(), num)
}

fn count(v: usize) -> String {
    v.to_string()
}

fn severity_fill(severity: IncidentSeverity) -> Fill {
    match severity {
        IncidentSeverity::Sev1 => Fill::solid(palette::VERMILLION),
        IncidentSeverity::Sev2 => Fill::new(palette::ORANGE, Hatch::Forward),
        IncidentSeverity::Sev3 => Fill::new(palette::SKY_BLUE, Hatch::Back),
        IncidentSeverity::Sev4 => Fill::new(palette::BLUE, Hatch::Horizontal),
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

fn state_fill(state: ExceptionState) -> Fill {
    match state {
        ExceptionState::Pending => Fill::new(palette::PURPLE, Hatch::Cross),
        ExceptionState::Active => Fill::solid(palette::GREEN),
        ExceptionState::Expiring => Fill::new(palette::ORANGE, Hatch::Forward),
        ExceptionState::Expired => Fill::solid(palette::VERMILLION),
        ExceptionState::Denied | ExceptionState::Closed => Fill::solid(palette::GREY),
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
            integer: true,
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
            integer: true,
            no_data: none,
        }),
        vec![Table {
            caption: "Open exceptions by severity".into(),
            head: vec!["Severity".into(), "Exceptions".into()],
            rows,
        }],
    ));

    let months: Vec<Month> = e.by_type_per_month.iter().map(|r| r.month).collect();
    let series = vec![
        Series {
            name: "extension".into(),
            fill: Fill::solid(palette::BLUE),
            values: e
                .by_type_per_month
                .iter()
                .map(|r| Some(r.extension as f64))
                .collect(),
        },
        Series {
            name: "acceptance".into(),
            fill: Fill::new(palette::ORANGE, Hatch::Forward),
            values: e
                .by_type_per_month
                .iter()
                .map(|r| Some(r.acceptance as f64))
                .collect(),
        },
    ];
    let rows = e
        .by_type_per_month
        .iter()
        .map(|r| {
            vec![
                r.month.to_string(),
                count(r.extension),
                count(r.acceptance),
                count(r.extension + r.acceptance),
            ]
        })
        .collect();
    charts.push(chart(
        "exceptions-by-type-per-month",
        "Exceptions by type per month".into(),
        "Requests filed each month, by the month they were created: risk extensions (delay the fix) and risk acceptances (no fix).".into(),
        charts::columns(&ColumnChart {
            title: "Exceptions requested per month, by type".into(),
            subtitle: Some(format!("{} requested, {}", e.total, span(&months))),
            x_label: "Month created".into(),
            y_label: "Exceptions".into(),
            categories: months.iter().map(Month::to_string).collect(),
            series,
            layout: Layout::Stacked,
            integer: true,
            label_zeros: false,
            no_data: none,
        }),
        vec![Table {
            caption: "Exceptions requested per month".into(),
            head: vec![
                "Month".into(),
                "Extension".into(),
                "Acceptance".into(),
                "Total".into(),
            ],
            rows,
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
                opt(review.median),
                opt(review.p90)
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
            integer: true,
            label_zeros: true,
            no_data: review.count == 0,
        }),
        vec![
            durations_table("Time to initial review, in days", &[("all", review)]),
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
                    .map_or_else(|| "not set".into(), |s| format!("{}%", num(s))),
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

fn durations_table(caption: &str, rows: &[(&str, &Durations)]) -> Table {
    Table {
        caption: caption.into(),
        head: ["", "Count", "Mean", "Median", "p90"]
            .map(String::from)
            .into(),
        rows: rows
            .iter()
            .map(|(name, d)| {
                vec![
                    name.to_string(),
                    count(d.count),
                    opt(d.mean),
                    opt(d.median),
                    opt(d.p90),
                ]
            })
            .collect(),
    }
}

fn incident_group(m: &Metrics) -> Group {
    let i = &m.incidents;
    let none = m.detail.incidents_counted == 0;
    let mut charts = Vec::new();
    let months: Vec<Month> = i.per_month.iter().map(|r| r.month).collect();
    let categories: Vec<String> = months.iter().map(Month::to_string).collect();

    let series = IncidentSeverity::ALL
        .into_iter()
        .map(|s| Series {
            name: s.as_str().into(),
            fill: severity_fill(s),
            values: i
                .per_month
                .iter()
                .map(|r| Some(*r.counts.get(s) as f64))
                .collect(),
        })
        .collect();
    let mut head = vec!["Month".to_string()];
    head.extend(IncidentSeverity::ALL.map(|s| s.as_str().to_string()));
    head.push("Total".into());
    let rows = i
        .per_month
        .iter()
        .map(|r| {
            let mut row = vec![r.month.to_string()];
            row.extend(IncidentSeverity::ALL.map(|s| count(*r.counts.get(s))));
            row.push(count(
                IncidentSeverity::ALL.iter().map(|s| r.counts.get(*s)).sum(),
            ));
            row
        })
        .collect();
    charts.push(chart(
        "incidents-per-month-by-severity",
        "Incidents per month by severity".into(),
        "Incidents by the month they were reported to security, stacked by severity (sev1 at the bottom).".into(),
        charts::columns(&ColumnChart {
            title: "Incidents per month by severity".into(),
            subtitle: Some(format!("{} incidents, {}", m.detail.incidents_counted, span(&months))),
            x_label: "Month reported".into(),
            y_label: "Incidents".into(),
            categories: categories.clone(),
            series,
            layout: Layout::Stacked,
            integer: true,
            label_zeros: false,
            no_data: none,
        }),
        vec![Table {
            caption: "Incidents per month by severity".into(),
            head,
            rows,
        }],
    ));

    let high: usize = i.high_critical_per_month.iter().map(|r| r.count).sum();
    charts.push(chart(
        "incidents-high-critical-per-month",
        "High and critical incidents per month".into(),
        "Incidents of severity sev1 (critical) and sev2 (high), by the month they were reported."
            .into(),
        charts::columns(&ColumnChart {
            title: "High and critical incidents per month".into(),
            subtitle: Some(format!("{high} sev1 and sev2 incidents, {}", span(&months))),
            x_label: "Month reported".into(),
            y_label: "Incidents (sev1 + sev2)".into(),
            categories: categories.clone(),
            series: vec![Series {
                name: "sev1 + sev2".into(),
                fill: Fill::solid(palette::VERMILLION),
                values: i
                    .high_critical_per_month
                    .iter()
                    .map(|r| Some(r.count as f64))
                    .collect(),
            }],
            layout: Layout::Grouped,
            integer: true,
            label_zeros: false,
            no_data: none,
        }),
        vec![Table {
            caption: "High and critical incidents per month".into(),
            head: vec!["Month".into(), "sev1 + sev2".into()],
            rows: i
                .high_critical_per_month
                .iter()
                .map(|r| vec![r.month.to_string(), count(r.count)])
                .collect(),
        }],
    ));

    let measures: [(
        &'static str,
        &str,
        &str,
        &Durations,
        &PerSeverity<Durations>,
    ); 4] = [
        (
            "incidents-time-to-respond",
            "Time to respond",
            "Hours from the report reaching security to security's first response.",
            &i.time_to_respond_hours,
            &m.detail.time_to_respond_by_severity,
        ),
        (
            "incidents-time-to-resolve",
            "Time to resolve",
            "Hours from detection (or the report, when detection is not recorded) to the fix being live.",
            &i.time_to_resolve_hours,
            &i.time_to_resolve_by_severity,
        ),
        (
            "incidents-time-to-detect",
            "Time to detect",
            "Hours from when the cause or impact began to its discovery.",
            &i.time_to_detect_hours,
            &m.detail.time_to_detect_by_severity,
        ),
        (
            "incidents-time-to-contain",
            "Time to contain",
            "Hours from detection (or the report) until the bleeding stopped.",
            &i.time_to_contain_hours,
            &m.detail.time_to_contain_by_severity,
        ),
    ];
    for (id, title, description, all, by) in measures {
        let mut groups: Vec<(&str, &Durations)> = IncidentSeverity::ALL
            .iter()
            .map(|s| (s.as_str(), by.get(*s)))
            .collect();
        groups.push(("all", all));
        let categories = groups
            .iter()
            .map(|(name, d)| format!("{name} (n={})", d.count))
            .collect();
        let series = vec![
            Series {
                name: "median".into(),
                fill: MEDIAN,
                values: groups.iter().map(|(_, d)| d.median).collect(),
            },
            Series {
                name: "p90".into(),
                fill: P90,
                values: groups.iter().map(|(_, d)| d.p90).collect(),
            },
        ];
        charts.push(chart(
            id,
            format!("{title} by severity"),
            description.into(),
            charts::columns(&ColumnChart {
                title: format!("{title} by severity, in hours"),
                subtitle: Some(format!(
                    "median {} h · p90 {} h over {} incidents",
                    opt(all.median),
                    opt(all.p90),
                    all.count
                )),
                x_label: "Severity (number of incidents)".into(),
                y_label: "Hours".into(),
                categories,
                series,
                layout: Layout::Grouped,
                integer: false,
                label_zeros: true,
                no_data: all.count == 0,
            }),
            vec![durations_table(&format!("{title}, in hours"), &groups)],
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
            integer: true,
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
    charts.push(chart(
        "incidents-effort-hours-per-month",
        "Effort hours per month".into(),
        "Hours the security team spent on incidents, by the month each incident was reported."
            .into(),
        charts::columns(&ColumnChart {
            title: "Incident effort per month, in hours".into(),
            subtitle: Some(format!("{} hours, {}", num(effort), span(&months))),
            x_label: "Month reported".into(),
            y_label: "Hours".into(),
            categories,
            series: vec![Series {
                name: "hours".into(),
                fill: Fill::solid(palette::GREEN),
                values: i
                    .effort_hours_per_month
                    .iter()
                    .map(|r| Some(r.hours))
                    .collect(),
            }],
            layout: Layout::Grouped,
            integer: false,
            label_zeros: false,
            no_data: none || effort <= 0.0,
        }),
        vec![Table {
            caption: "Incident effort per month, in hours".into(),
            head: vec!["Month".into(), "Hours".into()],
            rows: i
                .effort_hours_per_month
                .iter()
                .map(|r| vec![r.month.to_string(), num(r.hours)])
                .collect(),
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
            num(pm.completed as f64 / pm.required as f64 * 100.0)
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
                    fill: Fill::new(palette::GREEN, Hatch::Forward),
                },
                Bar {
                    label: "missing".into(),
                    value: missing as f64,
                    fill: Fill::new(palette::VERMILLION, Hatch::Cross),
                },
            ],
            integer: true,
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
                    fill: Fill::new(palette::ORANGE, Hatch::Forward),
                },
                Bar {
                    label: "overdue (of open)".into(),
                    value: ai.overdue as f64,
                    fill: Fill::solid(palette::VERMILLION),
                },
                Bar {
                    label: "completed".into(),
                    value: ai.completed as f64,
                    fill: Fill::solid(palette::GREEN),
                },
            ],
            integer: true,
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
                    .map_or_else(|| "–".into(), |h| format!("{} h", num(h))),
            },
            Headline {
                label: "Overdue action items",
                value: count(ai.overdue),
            },
        ],
        charts,
    }
}
