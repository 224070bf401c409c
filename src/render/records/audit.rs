//! audit/: one printable report for auditors.

use serde::Serialize;

use super::exceptions::{self, ExceptionRow, PolicyCheck};
use super::history::short_id;
use super::incidents::{self, DurationView, IncidentRow};
use super::status::{CodeSummary, FindingGroup, finding_groups};
use super::{Facts, PageMeta, SectionIntro, base_context, render_page};
use crate::derive::incident::Measure;
use crate::diagnostics::Diagnostic;
use crate::model::date::{Date, days};
use crate::model::finding::LintLevel;
use crate::model::vocab::{Decision, ExceptionState, Level, Side};
use crate::render::units::TimeUnit;
use crate::render::{Output, Renderer};

const AUDIT_URL: &str = "audit/";
const AUDIT_TITLE: &str = "Audit report";

#[derive(Serialize)]
struct ApproverLine<'a> {
    name: &'a str,
    role: &'a str,
    side: Option<Side>,
    level: Option<Level>,
    decision: Decision,
    date: Option<Date>,
    /// When git first held the approval, with history (SPEC 14).
    seen: Option<Seen<'a>>,
}

/// An approval's first commit, next to the date it claims.
#[derive(Serialize)]
struct Seen<'a> {
    day: Option<Date>,
    commit: Option<&'a str>,
    /// How long after the date it claims, as "3 days after"; `None` without a claimed date.
    after: Option<String>,
    /// Later than `history.approval_lag_days` allows.
    late: bool,
    with_record: bool,
}

#[derive(Serialize)]
struct AuditException<'a> {
    row: ExceptionRow<'a>,
    kind_label: &'static str,
    status: &'static str,
    policy: PolicyCheck<'a>,
    approvals: Vec<ApproverLine<'a>>,
    renewals: usize,
    findings: usize,
}

#[derive(Serialize)]
struct AuditIncident<'a> {
    row: IncidentRow<'a>,
    durations: Vec<DurationView>,
    postmortem_status: &'static str,
    postmortem_date: Option<Date>,
    open_items: usize,
    overdue_items: usize,
    findings: usize,
}

/// A number of the summary, by the word for what it counts.
#[derive(Serialize)]
struct Tally {
    label: &'static str,
    count: usize,
}

/// The report's first section: what an auditor reads before the records.
#[derive(Serialize)]
struct Summary {
    exception_states: Vec<Tally>,
    incidents_open: usize,
    incident_statuses: Vec<Tally>,
    postmortems_required: usize,
    postmortems_completed: usize,
    action_items_open: usize,
    action_items_overdue: usize,
    findings_denied: usize,
    findings_warned: usize,
}

#[derive(Serialize)]
struct AuditView<'a> {
    as_of: Date,
    summary: Summary,
    expiring_within_days: u32,
    exceptions: Vec<AuditException<'a>>,
    exceptions_open: usize,
    exceptions_approved: usize,
    exceptions_compliant: usize,
    incidents: Vec<AuditIncident<'a>>,
    postmortem_required: Vec<&'static str>,
    codes: Vec<CodeSummary>,
    groups: Vec<FindingGroup<'a>>,
    findings_total: usize,
    intro: Option<SectionIntro<'a>>,
    /// The build read history, so approvals show when git first held them.
    history: bool,
    approval_lag_days: u32,
}

pub fn render(facts: &Facts, renderer: &Renderer, out: &Output) -> Vec<Diagnostic> {
    render_audit(facts, renderer, out).into_iter().collect()
}

fn render_audit(facts: &Facts, renderer: &Renderer, out: &Output) -> Option<Diagnostic> {
    let hb = facts.hb;
    let count_findings = |kind: &str, id: &str| facts.findings_of(kind, id).len();
    let lag_days = i64::from(hb.config.history.approval_lag_days);
    let audit_exceptions: Vec<AuditException> = hb
        .records
        .exceptions
        .iter()
        .enumerate()
        .map(|(i, loaded)| {
            let e = &loaded.record;
            AuditException {
                row: exceptions::row(facts, i),
                kind_label: exceptions::kind_label(e),
                status: e.status.as_str(),
                policy: exceptions::policy_check(facts, i),
                approvals: e
                    .approvals
                    .iter()
                    .enumerate()
                    .map(|(n, a)| ApproverLine {
                        name: &a.name,
                        role: &a.role,
                        side: a.side,
                        level: a.level,
                        decision: a.decision,
                        date: a.date,
                        seen: hb
                            .history
                            .as_ref()
                            .and_then(|h| h.exceptions.get(&e.id)?.approvals.get(n))
                            .map(|s| Seen {
                                day: s.first_seen,
                                commit: s.commit.as_deref().map(short_id),
                                after: s.lag_days.map(|d| format!("{} after", days(d))),
                                late: s.lag_days.is_some_and(|d| d > lag_days),
                                with_record: s.with_record,
                            }),
                    })
                    .collect(),
                renewals: e.renewals.len(),
                findings: count_findings("exception", &e.id),
            }
        })
        .collect();
    let audit_incidents: Vec<AuditIncident> = hb
        .records
        .incidents
        .iter()
        .enumerate()
        .map(|(n, loaded)| {
            let i = &loaded.record;
            AuditIncident {
                row: incidents::row(facts, n),
                durations: incidents::durations(i, hb.config.timezone),
                postmortem_status: hb.postmortems[n].as_str(),
                postmortem_date: i.postmortem.as_ref().map(|p| p.date),
                open_items: i
                    .action_items
                    .iter()
                    .filter(|a| !a.status.is_done())
                    .count(),
                overdue_items: i
                    .action_items
                    .iter()
                    .filter(|a| a.is_overdue(hb.as_of))
                    .count(),
                findings: count_findings("incident", &i.id),
            }
        })
        .collect();
    let mut audit_incidents: Vec<AuditIncident> = audit_incidents;
    same_unit_per_measure(facts, &mut audit_incidents);
    let (codes, groups) = finding_groups(facts);
    let view = AuditView {
        as_of: hb.as_of,
        summary: summary(facts),
        expiring_within_days: hb.config.exceptions.expiring_within_days,
        exceptions_open: hb.open_exceptions(),
        exceptions_approved: audit_exceptions
            .iter()
            .filter(|a| a.status == "approved")
            .count(),
        exceptions_compliant: audit_exceptions
            .iter()
            .filter(|a| a.status == "approved" && a.policy.compliant)
            .count(),
        exceptions: audit_exceptions,
        incidents: audit_incidents,
        postmortem_required: hb
            .config
            .incidents
            .postmortem_required
            .iter()
            .map(|s| s.as_str())
            .collect(),
        codes,
        groups,
        findings_total: hb.findings.len(),
        intro: facts.intro(AUDIT_URL),
        history: hb.history.is_some(),
        approval_lag_days: hb.config.history.approval_lag_days,
    };
    let page = PageMeta {
        title: facts.register_title(AUDIT_URL, AUDIT_TITLE),
        url: AUDIT_URL.into(),
        description: None,
    };
    let (prev, next) = facts.neighbours(AUDIT_URL);
    let mut ctx = base_context(&page, facts.crumbs(None), prev, next);
    ctx.insert("audit", &view);
    render_page(renderer, out, "audit.html", ctx, AUDIT_URL)
}

/// Writes each measure in one unit across the incidents, as a column of a table would be.
fn same_unit_per_measure(facts: &Facts, incidents: &mut [AuditIncident]) {
    for (k, m) in Measure::ALL.into_iter().enumerate() {
        let unit = TimeUnit::of_measure(&facts.hb.metrics.incidents, m);
        for a in incidents.iter_mut() {
            let d = &mut a.durations[k];
            d.text = d.hours.map(|h| unit.text(h));
        }
    }
}

fn summary(facts: &Facts) -> Summary {
    let hb = facts.hb;
    let m = &hb.metrics;
    let states = &m.exceptions.by_state;
    let exception_states = ExceptionState::ALL
        .into_iter()
        .map(|s| Tally {
            label: s.as_str(),
            count: states.get(s),
        })
        .filter(|t| t.count > 0)
        .collect();
    let incident_statuses = incidents::STATUSES
        .iter()
        .map(|&s| Tally {
            label: incidents::status_label(s),
            count: hb
                .records
                .incidents
                .iter()
                .filter(|i| i.record.status == s)
                .count(),
        })
        .filter(|t| t.count > 0)
        .collect();
    let level = |l: LintLevel| hb.findings.iter().filter(|f| f.level == l).count();
    Summary {
        exception_states,
        incidents_open: hb.open_incidents(),
        incident_statuses,
        postmortems_required: m.incidents.postmortems.required,
        postmortems_completed: m.incidents.postmortems.completed,
        action_items_open: m.incidents.action_items.open,
        action_items_overdue: m.incidents.action_items.overdue,
        findings_denied: level(LintLevel::Deny),
        findings_warned: level(LintLevel::Warn),
    }
}
