//! status/: the program at a glance.

use std::collections::HashMap;

use serde::Serialize;

use super::audit;
use super::exceptions;
use super::incidents;
use super::{Facts, FindingView, PageMeta, SectionIntro, base_context, code_anchor, render_page};
use crate::diagnostics::Diagnostic;
use crate::model::finding::{CODES, Finding, LintLevel};
use crate::model::links;
use crate::model::vocab::{ExceptionState, IncidentSeverity, Severity};
use crate::render::{Output, Renderer};

const STATUS_URL: &str = "status/";
const STATUS_TITLE: &str = "Program status";

pub fn render(facts: &Facts, renderer: &Renderer, out: &Output) -> Vec<Diagnostic> {
    render_status(facts, renderer, out).into_iter().collect()
}

/// A count in a table, linked to where the counted records are listed.
#[derive(Serialize)]
struct Cell {
    count: usize,
    href: Option<String>,
}

impl Cell {
    fn new(count: usize, href: impl FnOnce() -> String) -> Self {
        Cell {
            count,
            href: (count > 0).then(href),
        }
    }
}

#[derive(Serialize)]
struct MatrixRow {
    key: &'static str,
    label: &'static str,
    cells: Vec<Cell>,
    total: Cell,
}

#[derive(Serialize)]
struct Column {
    key: &'static str,
    total: Cell,
}

/// Counts of records by one field (rows) and severity (columns).
#[derive(Serialize)]
struct Matrix {
    columns: Vec<Column>,
    rows: Vec<MatrixRow>,
    total: Cell,
}

fn exception_matrix(facts: &Facts) -> Matrix {
    let hb = facts.hb;
    let pairs: Vec<(ExceptionState, Severity)> = hb
        .records
        .exceptions
        .iter()
        .zip(&hb.exception_states)
        .map(|(e, s)| (*s, e.record.severity))
        .collect();
    let count =
        |f: &dyn Fn(&(ExceptionState, Severity)) -> bool| pairs.iter().filter(|p| f(p)).count();
    Matrix {
        columns: Severity::ALL
            .iter()
            .map(|&sev| Column {
                key: sev.as_str(),
                total: Cell::new(count(&|p| p.1 == sev), || {
                    exceptions::severity_href(hb, sev)
                }),
            })
            .collect(),
        rows: ExceptionState::ALL
            .iter()
            .map(|&state| MatrixRow {
                key: state.as_str(),
                label: state.as_str(),
                cells: Severity::ALL
                    .iter()
                    .map(|&sev| {
                        Cell::new(count(&|p| *p == (state, sev)), || {
                            exceptions::state_href(hb, state)
                        })
                    })
                    .collect(),
                total: Cell::new(count(&|p| p.0 == state), || {
                    exceptions::state_href(hb, state)
                }),
            })
            .collect(),
        total: Cell::new(pairs.len(), || "exceptions/index.html".into()),
    }
}

fn incident_matrix(facts: &Facts) -> Matrix {
    let incidents = &facts.hb.records.incidents;
    let count = |f: &dyn Fn(&crate::model::incident::Incident) -> bool| {
        incidents.iter().filter(|i| f(&i.record)).count()
    };
    Matrix {
        columns: IncidentSeverity::ALL
            .iter()
            .map(|&sev| Column {
                key: sev.as_str(),
                total: Cell::new(count(&|i| i.severity == sev), || {
                    incidents::severity_href(facts.hb, sev)
                }),
            })
            .collect(),
        rows: incidents::STATUSES
            .iter()
            .map(|&status| MatrixRow {
                key: status.as_str(),
                label: incidents::status_label(status),
                cells: IncidentSeverity::ALL
                    .iter()
                    .map(|&sev| {
                        Cell::new(count(&|i| i.status == status && i.severity == sev), || {
                            incidents::status_href(facts.hb, status)
                        })
                    })
                    .collect(),
                total: Cell::new(count(&|i| i.status == status), || {
                    incidents::status_href(facts.hb, status)
                }),
            })
            .collect(),
        total: Cell::new(incidents.len(), || "incidents/index.html".into()),
    }
}

#[derive(Serialize)]
pub(super) struct CodeSummary {
    pub code: &'static str,
    pub anchor: String,
    /// The level its findings were raised at, else the level handbook.yaml sets.
    pub level: LintLevel,
    pub count: usize,
    /// Where the audit report lists its findings, from the site root, when that is
    /// where they are rather than on the page that shows this summary.
    pub part: Option<String>,
}

/// The findings of one code: as found (`&Finding`), or as a page shows them
/// ([`FindingView`]).
#[derive(Serialize)]
pub(super) struct FindingGroup<F> {
    pub code: &'static str,
    pub anchor: String,
    pub findings: Vec<F>,
}

impl<'a> FindingGroup<&'a Finding> {
    pub fn view(&self, facts: &Facts<'a>) -> FindingGroup<FindingView<'a>> {
        FindingGroup {
            code: self.code,
            anchor: self.anchor.clone(),
            findings: self
                .findings
                .iter()
                .map(|f| facts.finding_view(f))
                .collect(),
        }
    }
}

/// Every finding code with its count, and the findings grouped by code, in SPEC order.
/// With `in_parts`, the findings are listed in the audit report's parts, a code to a part:
/// each code links its part and there are no groups to make.
pub(super) fn finding_groups<'a>(
    facts: &Facts<'a>,
    in_parts: bool,
) -> (Vec<CodeSummary>, Vec<FindingGroup<&'a Finding>>) {
    let mut by_code: HashMap<&str, Vec<&Finding>> = HashMap::new();
    for f in &facts.hb.findings {
        by_code.entry(f.code).or_default().push(f);
    }
    let mut summary = Vec::new();
    let mut groups = Vec::new();
    for &code in CODES {
        let mine = by_code.remove(code).unwrap_or_default();
        summary.push(CodeSummary {
            code,
            anchor: code_anchor(code),
            level: mine
                .first()
                .map_or_else(|| facts.hb.config.lint_level(code, false), |f| f.level),
            count: mine.len(),
            part: (in_parts && !mine.is_empty()).then(|| audit::findings_href(code)),
        });
        if !in_parts && !mine.is_empty() {
            groups.push(FindingGroup {
                code,
                anchor: code_anchor(code),
                findings: mine,
            });
        }
    }
    (summary, groups)
}

#[derive(Serialize)]
struct Tally {
    label: &'static str,
    count: usize,
    href: Option<String>,
}

#[derive(Serialize)]
struct StatusView<'a> {
    exceptions: Matrix,
    exceptions_open: usize,
    incidents: Matrix,
    incidents_open: usize,
    action_items: Vec<Tally>,
    postmortems: Vec<Tally>,
    codes: Vec<CodeSummary>,
    groups: Vec<FindingGroup<FindingView<'a>>>,
    findings_total: usize,
    findings_denied: usize,
    intro: Option<SectionIntro<'a>>,
}

fn render_status(facts: &Facts, renderer: &Renderer, out: &Output) -> Option<Diagnostic> {
    let hb = facts.hb;
    let items = hb.action_items();
    let open_items = items.clone().filter(|a| !a.status.is_done()).count();
    let overdue_items = hb.overdue_action_items();
    let done_items = items.filter(|a| a.status.is_done()).count();
    let action_href = |n: usize| (n > 0).then(|| "action-items/index.html".to_string());
    let (codes, groups) = finding_groups(facts, audit::findings_in_parts(hb));
    let missing_code = "incident.postmortem-missing";
    let missing_href = codes
        .iter()
        .find(|c| c.code == missing_code && c.count > 0)
        .map(|c| match &c.part {
            Some(part) => format!("{}{part}", links::root_prefix(STATUS_URL)),
            None => format!("#{}", code_anchor(missing_code)),
        });
    // As the metrics count them: of the incidents that owe one, those that have one. A
    // postmortem no policy asks for is not one of the required completed.
    let postmortems = &hb.metrics.incidents.postmortems;
    let (required, completed) = (postmortems.required, postmortems.completed);
    let missing = required - completed;
    let view = StatusView {
        exceptions: exception_matrix(facts),
        exceptions_open: hb.open_exceptions(),
        incidents: incident_matrix(facts),
        incidents_open: hb.open_incidents(),
        action_items: vec![
            Tally {
                label: "open",
                count: open_items,
                href: action_href(open_items),
            },
            Tally {
                label: "overdue",
                count: overdue_items,
                href: action_href(overdue_items),
            },
            Tally {
                label: "completed or won't do",
                count: done_items,
                href: None,
            },
        ],
        postmortems: vec![
            Tally {
                label: "required (resolved or closed)",
                count: required,
                href: None,
            },
            Tally {
                label: "completed",
                count: completed,
                href: None,
            },
            Tally {
                label: "missing",
                count: missing,
                // The findings' group, unless handbook.yaml allows the code.
                href: missing_href,
            },
        ],
        codes,
        groups: groups.iter().map(|g| g.view(facts)).collect(),
        findings_total: hb.findings.len(),
        findings_denied: hb
            .findings
            .iter()
            .filter(|f| f.level == LintLevel::Deny)
            .count(),
        intro: facts.intro(STATUS_URL),
    };
    let page = PageMeta {
        title: facts.register_title(STATUS_URL, STATUS_TITLE),
        url: STATUS_URL.into(),
        description: None,
    };
    let (prev, next) = facts.neighbours(STATUS_URL);
    let mut ctx = base_context(&page, facts.crumbs(None), prev, next);
    ctx.insert("status", &view);
    render_page(renderer, out, "status.html", ctx, STATUS_URL)
}
