//! audit/: one printable report for auditors. A large register's report is a summary and
//! printable parts: the exceptions created in each month, the incidents reported in each
//! month, the findings of each code, each split again past a limit of rows.

use std::collections::BTreeMap;

use serde::Serialize;

use super::exceptions::{self, ExceptionRow, PolicyCheck};
use super::incidents::{self, DurationView, IncidentRow};
use super::status::{CodeSummary, FindingGroup, finding_groups};
use super::{Facts, FindingView, PageMeta, SectionIntro, base_context, render_each, render_page};
use std::sync::OnceLock;

use crate::derive::handbook::Handbook;
use crate::derive::incident::Measure;
use crate::derive::metrics::Month;
use crate::diagnostics::Diagnostic;
use crate::model::date::{Date, days};
use crate::model::finding::{Finding, LintLevel};
use crate::model::history::short_id;
use crate::model::links;
use crate::model::vocab::{Decision, ExceptionState, ExceptionStatus, Level, Side};
use crate::render::units::TimeUnit;
use crate::render::{Fingerprint, Output, Renderer, Values, value};

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
struct AuditView<'v, 'a> {
    as_of: Date,
    summary: &'v Summary,
    expiring_within_days: u32,
    /// The exceptions, incidents and findings this page lists: all of them on a report of
    /// one page, none on the summary of a report in parts, a part's on a part.
    exceptions: &'v [AuditException<'a>],
    incidents: &'v [AuditIncident<'a>],
    groups: &'v [FindingGroup<FindingView<'a>>],
    exceptions_total: usize,
    exceptions_open: usize,
    exceptions_approved: usize,
    exceptions_compliant: usize,
    incidents_total: usize,
    postmortem_required: &'v [&'static str],
    codes: &'v [CodeSummary],
    findings_total: usize,
    intro: Option<SectionIntro<'a>>,
    /// The build read history, so approvals show when git first held them.
    history: bool,
    approval_lag_days: u32,
    /// On the summary of a report in parts: where each part is.
    parts: Option<&'v PartsIndex>,
    /// On a part: which it is.
    part: Option<PartView>,
}

/// The most exceptions or incidents a page of the report holds, and the most findings:
/// each part about a megabyte, so it opens at once and prints as one document. A register
/// within both keeps its report on one page.
const PART_RECORDS: usize = 400;
const PART_FINDINGS: usize = 1000;

/// What one part of a report in parts lists: the exceptions and incidents by their
/// position, their lines made only for a part whose records changed.
enum Content<'a> {
    Exceptions(Vec<usize>),
    Incidents(Vec<usize>),
    Findings(FindingGroup<&'a Finding>),
}

impl Content<'_> {
    /// The folder of the report its parts are in: `exceptions`, `incidents` or `findings`.
    fn kind(&self) -> &'static str {
        match self {
            Content::Exceptions(_) => "exceptions",
            Content::Incidents(_) => "incidents",
            Content::Findings(_) => "findings",
        }
    }

    fn len(&self) -> usize {
        match self {
            Content::Exceptions(e) => e.len(),
            Content::Incidents(i) => i.len(),
            Content::Findings(g) => g.findings.len(),
        }
    }
}

/// A part of a report in parts: the exceptions created in one month, the incidents
/// reported in one month, or the findings of one code; split further past the limits.
struct Part<'a> {
    /// The month, or the finding code.
    key: String,
    /// Counted from 1, of `of` parts of the same key.
    number: usize,
    of: usize,
    url: String,
    content: Content<'a>,
}

impl Part<'_> {
    fn title(&self) -> String {
        let what = match self.content {
            Content::Exceptions(_) => format!("exceptions created in {}", self.key),
            Content::Incidents(_) => format!("incidents reported in {}", self.key),
            Content::Findings(_) => format!("findings {}", self.key),
        };
        if self.of > 1 {
            format!("{what}, part {} of {}", self.number, self.of)
        } else {
            what
        }
    }
}

/// The parts of a report, by kind, each kind's key with its parts.
#[derive(Serialize, Default)]
struct PartsIndex {
    exceptions: Vec<KeyParts>,
    incidents: Vec<KeyParts>,
    findings: Vec<KeyParts>,
}

#[derive(Serialize)]
struct KeyParts {
    key: String,
    count: usize,
    /// For findings: the level of the code.
    level: Option<LintLevel>,
    links: Vec<PartLink>,
}

#[derive(Serialize)]
struct PartLink {
    number: usize,
    href: String,
}

#[derive(Clone, Serialize)]
struct PartView {
    kind: &'static str,
    title: String,
    prev: Option<String>,
    next: Option<String>,
}

/// Splits `items`, in order, into parts by `key`, each of at most `limit`.
fn split<T>(
    items: Vec<T>,
    limit: usize,
    key: impl Fn(&T) -> String,
) -> Vec<(String, usize, usize, Vec<T>)> {
    let mut by_key: BTreeMap<String, Vec<T>> = BTreeMap::new();
    for item in items {
        by_key.entry(key(&item)).or_default().push(item);
    }
    let mut out = Vec::new();
    for (key, items) in by_key {
        let of = items.len().div_ceil(limit);
        let mut items = items.into_iter().peekable();
        for number in 1..=of {
            let chunk: Vec<T> = items.by_ref().take(limit).collect();
            out.push((key.clone(), number, of, chunk));
        }
    }
    out
}

/// Whether the audit report gives the findings of each code pages of their own: when there
/// are more than one page of them, the status page links there rather than list them.
pub(super) fn findings_in_parts(hb: &Handbook) -> bool {
    hb.findings.len() > PART_FINDINGS
}

/// The first part of the audit report that lists the findings of `code`, when the report
/// is in parts.
pub(super) fn findings_href(code: &str) -> String {
    links::page_href(&part_url("findings", &finding_key(code), 1))
}

/// What names the parts of a finding code: `exception-expired`.
fn finding_key(code: &str) -> String {
    code.replace('.', "-")
}

/// The folder of a part: `audit/<kind>/<key>/`, then `<n>/` below it for its n-th part.
fn part_url(kind: &str, key: &str, number: usize) -> String {
    match number {
        1 => format!("{AUDIT_URL}{kind}/{key}/"),
        n => format!("{AUDIT_URL}{kind}/{key}/{n}/"),
    }
}

pub fn render(facts: &Facts, renderer: &Renderer, out: &Output) -> Vec<Diagnostic> {
    let hb = facts.hb;
    let all_exceptions: Vec<usize> = (0..hb.records.exceptions.len()).collect();
    let all_incidents: Vec<usize> = (0..hb.records.incidents.len()).collect();
    let (codes, groups) = finding_groups(facts, false);
    let summary = summary(facts);
    let postmortem_required: Vec<&'static str> = hb
        .config
        .incidents
        .postmortem_required
        .iter()
        .map(|s| s.as_str())
        .collect();
    let approved = hb
        .records
        .exceptions
        .iter()
        .enumerate()
        .filter(|(_, e)| e.record.status == ExceptionStatus::Approved);
    let exceptions_approved = approved.clone().count();
    let exceptions_compliant = approved
        .filter(|(i, _)| hb.policies[*i].compliant())
        .count();
    let (exceptions_total, incidents_total) = (all_exceptions.len(), all_incidents.len());
    // The view of the summary, or of the report on one page, which the parts start from.
    let base = || AuditView {
        as_of: hb.as_of,
        summary: &summary,
        expiring_within_days: hb.config.exceptions.expiring_within_days,
        exceptions: &[],
        incidents: &[],
        groups: &[],
        exceptions_total,
        exceptions_open: hb.open_exceptions(),
        exceptions_approved,
        exceptions_compliant,
        incidents_total,
        postmortem_required: &postmortem_required,
        codes: &codes,
        findings_total: hb.findings.len(),
        intro: None,
        history: hb.history.is_some(),
        approval_lag_days: hb.config.history.approval_lag_days,
        parts: None,
        part: None,
    };
    let title = facts.register_title(AUDIT_URL, AUDIT_TITLE);
    let whole = exceptions_total <= PART_RECORDS
        && incidents_total <= PART_RECORDS
        && hb.findings.len() <= PART_FINDINGS;
    if whole {
        let exceptions = audit_exceptions(facts, &all_exceptions);
        let incidents = audit_incidents(facts, &all_incidents);
        let groups: Vec<_> = groups.iter().map(|g| g.view(facts)).collect();
        let view = AuditView {
            exceptions: &exceptions,
            incidents: &incidents,
            groups: &groups,
            intro: facts.intro(AUDIT_URL),
            ..base()
        };
        let page = page_meta(title, AUDIT_URL);
        return render_view(facts, renderer, out, &page, |ctx| {
            ctx.insert("audit", &view)
        })
        .into_iter()
        .collect();
    }
    let mut parts: Vec<Part> = Vec::new();
    let month = |d: Date| Month::of(d).to_string();
    let tz = hb.config.timezone;
    let kinds = [
        split(all_exceptions, PART_RECORDS, |&i| {
            month(hb.records.exceptions[i].record.created)
        })
        .into_iter()
        .map(|(key, number, of, items)| (key, number, of, Content::Exceptions(items)))
        .collect::<Vec<_>>(),
        split(all_incidents, PART_RECORDS, |&i| {
            month(hb.records.incidents[i].record.reported.date(tz))
        })
        .into_iter()
        .map(|(key, number, of, items)| (key, number, of, Content::Incidents(items)))
        .collect(),
        groups
            .into_iter()
            .flat_map(|g| {
                let key = finding_key(g.code);
                split(g.findings, PART_FINDINGS, |_| key.clone())
                    .into_iter()
                    .map(move |(key, number, of, findings)| {
                        let group = FindingGroup {
                            code: g.code,
                            anchor: g.anchor.clone(),
                            findings,
                        };
                        (key, number, of, Content::Findings(group))
                    })
            })
            .collect(),
    ];
    for (key, number, of, content) in kinds.into_iter().flatten() {
        parts.push(Part {
            url: part_url(content.kind(), &key, number),
            key,
            number,
            of,
            content,
        });
    }
    let index = parts_index(&parts, &codes);
    let summary_view = AuditView {
        parts: Some(&index),
        intro: facts.intro(AUDIT_URL),
        ..base()
    };
    let summary_page = page_meta(title.clone(), AUDIT_URL);
    let mut diags: Vec<Diagnostic> = render_view(facts, renderer, out, &summary_page, |ctx| {
        ctx.insert("audit", &summary_view)
    })
    .into_iter()
    .collect();
    // What every part reads besides its records or findings: the view it starts from, what
    // shapes every record, and the units its durations are written in. Worked out once,
    // when a part is fingerprinted.
    let common = OnceLock::new();
    let common = || {
        *common.get_or_init(|| {
            let mut inputs = Fingerprint::default();
            inputs
                .add(&base())
                .add(&facts.records_shape())
                .add(&Measure::ALL.map(|m| TimeUnit::of_measure(&hb.metrics.incidents, m)));
            inputs.finish()
        })
    };
    let positions: Vec<usize> = (0..parts.len()).collect();
    diags.extend(render_each(&positions, |&i| {
        let part = &parts[i];
        let neighbour = |j: Option<usize>| {
            j.and_then(|j| parts.get(j))
                .filter(|p| p.content.kind() == part.content.kind())
                .map(|p| links::page_href(&p.url))
        };
        let part_view = PartView {
            kind: part.content.kind(),
            title: part.title(),
            prev: neighbour(i.checked_sub(1)),
            next: neighbour(Some(i + 1)),
        };
        let page = page_meta(format!("{title}: {}", part.title()), &part.url);
        match &part.content {
            // A part of findings is fingerprinted by what its lines read, without making
            // them.
            Content::Findings(group) => {
                let reads = |inputs: &mut Fingerprint| {
                    inputs.add(&common()).add(&part_view);
                    for f in &group.findings {
                        facts.finding_reads(f, inputs);
                    }
                };
                let make = || {
                    value(&AuditView {
                        groups: &[group.view(facts)],
                        part: Some(part_view.clone()),
                        ..base()
                    })
                };
                render_view(facts, renderer, out, &page, |ctx| {
                    ctx.insert_with("audit", reads, make);
                })
            }
            // A part of records is fingerprinted by what its lines read, so that an edit to
            // one record makes only the lines of its own part.
            Content::Exceptions(records) | Content::Incidents(records) => {
                let exceptions = matches!(part.content, Content::Exceptions(_));
                let reads = |inputs: &mut Fingerprint| {
                    inputs.add(&common()).add(&part_view);
                    for &n in records {
                        if exceptions {
                            exception_reads(facts, n, inputs);
                        } else {
                            incident_reads(facts, n, inputs);
                        }
                    }
                };
                let make = || {
                    let (exceptions, incidents) = if exceptions {
                        (audit_exceptions(facts, records), Vec::new())
                    } else {
                        (Vec::new(), audit_incidents(facts, records))
                    };
                    value(&AuditView {
                        exceptions: &exceptions,
                        incidents: &incidents,
                        part: Some(part_view.clone()),
                        ..base()
                    })
                };
                render_view(facts, renderer, out, &page, |ctx| {
                    ctx.insert_with("audit", reads, make);
                })
            }
        }
    }));
    diags
}

/// What an exception's lines in the report read besides what shapes every record (the
/// configuration, the as-of date, data/people.yaml, the history): its file and its owner's
/// page, which all owners decide, as its row's key ([`super::exceptions::row_key`], worked
/// out once per build), and how many findings it has, which is kept by what it shows
/// rather than by what each finding reads.
fn exception_reads(facts: &Facts, index: usize, inputs: &mut Fingerprint) {
    let loaded = &facts.hb.records.exceptions[index];
    inputs
        .add(&facts.exception_row_keys()[index])
        .add(&facts.findings_count("exception", &loaded.record.id));
}

/// What an incident's lines in the report read besides what shapes every record: its file
/// and how many findings it has.
fn incident_reads(facts: &Facts, index: usize, inputs: &mut Fingerprint) {
    let loaded = &facts.hb.records.incidents[index];
    inputs
        .file(&loaded.source)
        .add(&facts.findings_count("incident", &loaded.record.id));
}

/// Where each part is, for the summary of a report in parts.
fn parts_index(parts: &[Part], codes: &[CodeSummary]) -> PartsIndex {
    let mut index = PartsIndex::default();
    for part in parts {
        let list = match part.content {
            Content::Exceptions(_) => &mut index.exceptions,
            Content::Incidents(_) => &mut index.incidents,
            Content::Findings(_) => &mut index.findings,
        };
        let count = part.content.len();
        if list.last().is_none_or(|k| k.key != part.key) {
            list.push(KeyParts {
                key: part.key.clone(),
                count: 0,
                level: match &part.content {
                    Content::Findings(g) => {
                        codes.iter().find(|c| c.code == g.code).map(|c| c.level)
                    }
                    _ => None,
                },
                links: Vec::new(),
            });
        }
        if let Some(k) = list.last_mut() {
            k.count += count;
            k.links.push(PartLink {
                number: part.number,
                href: links::page_href(&part.url),
            });
        }
    }
    index
}

fn page_meta(title: String, url: &str) -> PageMeta {
    PageMeta {
        title,
        url: url.into(),
        description: None,
    }
}

/// Renders a page of the report, whose view `audit` adds to what every page shows.
fn render_view<'v>(
    facts: &Facts,
    renderer: &Renderer,
    out: &Output,
    page: &'v PageMeta,
    audit: impl FnOnce(&mut Values<'v>),
) -> Option<Diagnostic> {
    let url = page.url.as_str();
    let (crumbs, prev, next) = facts.register_place((AUDIT_URL, AUDIT_TITLE), url == AUDIT_URL);
    let mut ctx = base_context(page, crumbs, prev, next);
    audit(&mut ctx);
    render_page(renderer, out, "audit.html", ctx, url)
}

/// The lines of the exceptions at `indices`.
fn audit_exceptions<'a>(facts: &Facts<'a>, indices: &[usize]) -> Vec<AuditException<'a>> {
    let hb = facts.hb;
    let lag_days = i64::from(hb.config.history.approval_lag_days);
    indices
        .iter()
        .map(|&i| {
            let e = &hb.records.exceptions[i].record;
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
                findings: facts.findings_count("exception", &e.id),
            }
        })
        .collect()
}

/// The lines of the incidents at `indices`, each measure written in the unit of all
/// incidents'.
fn audit_incidents<'a>(facts: &Facts<'a>, indices: &[usize]) -> Vec<AuditIncident<'a>> {
    let hb = facts.hb;
    let mut lines: Vec<AuditIncident> = indices
        .iter()
        .map(|&n| {
            let i = &hb.records.incidents[n].record;
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
                findings: facts.findings_count("incident", &i.id),
            }
        })
        .collect();
    same_unit_per_measure(facts, &mut lines);
    lines
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
