//! exceptions/: the registry, its orderings, and one page per exception.

use serde::Serialize;

use super::registry::{self, Group, Order, Registry, Row};
use super::{
    CountView, Facts, FindingView, PageRef, PersonView, RecordLink, RecordPages, days_text,
    exception_href, first_of_each_id, render_each,
};
use crate::derive::handbook::Handbook;
use crate::diagnostics::Diagnostic;
use crate::model::date::Date;
use crate::model::exception::Exception;
use crate::model::related::Stakeholder;
use crate::model::vocab::{Decision, ExceptionState, Level, Severity, Side};
use crate::render::{Fingerprint, Output, Renderer, value};

pub(super) const URL: &str = "exceptions/";
const TITLE: &str = "Exceptions";

pub(super) const ORDERS: [Order; 5] = [
    Order {
        key: "id",
        label: "id",
        folder: None,
        descending: false,
    },
    Order {
        key: "expiry",
        label: "expiry",
        folder: Some("by-expiry"),
        descending: false,
    },
    Order {
        key: "severity",
        label: "severity",
        folder: Some("by-severity"),
        descending: false,
    },
    Order {
        key: "state",
        label: "state",
        folder: Some("by-state"),
        descending: false,
    },
    Order {
        key: "owner",
        label: "risk owner",
        folder: Some("by-owner"),
        descending: false,
    },
];

/// Where the registry lists the exceptions in a state, for counts to link to.
pub(super) fn state_href(hb: &Handbook, state: ExceptionState) -> String {
    let mut states = ExceptionState::ALL;
    states.sort_by_key(|s| urgency(*s));
    let of = hb.exception_states.iter().copied();
    let anchor = format!("state-{}", state.as_str());
    registry::group_href_of(URL, "by-state", &states, of, &state, &anchor)
}

pub(super) fn severity_href(hb: &Handbook, severity: Severity) -> String {
    let of = hb.records.exceptions.iter().map(|e| e.record.severity);
    let anchor = format!("severity-{}", severity.as_str());
    registry::group_href_of(URL, "by-severity", &Severity::ALL, of, &severity, &anchor)
}

/// The states in the order they need attention.
pub(super) fn urgency(state: ExceptionState) -> u8 {
    match state {
        ExceptionState::Expired => 0,
        ExceptionState::Expiring => 1,
        ExceptionState::Pending => 2,
        ExceptionState::Active => 3,
        ExceptionState::Denied => 4,
        ExceptionState::Closed => 5,
    }
}

fn severity_rank(s: Severity) -> u8 {
    Severity::ALL.iter().position(|x| *x == s).unwrap_or(0) as u8
}

/// Days from the as-of date to the expiry, for states whose expiry still matters.
pub(super) fn days_to_expiry(e: &Exception, state: ExceptionState, as_of: Date) -> Option<i64> {
    match state {
        ExceptionState::Active | ExceptionState::Expiring | ExceptionState::Expired => {
            e.expires.map(|x| as_of.days_until(x))
        }
        _ => None,
    }
}

/// One exception as a row of a table.
#[derive(Clone, Serialize)]
pub(super) struct ExceptionRow<'a> {
    pub id: &'a str,
    pub href: String,
    pub title: &'a str,
    pub kind: &'static str,
    pub state: &'static str,
    pub state_rank: u8,
    pub severity: &'static str,
    pub severity_rank: u8,
    pub owner: PersonView<'a>,
    pub created: Date,
    pub decided: Option<Date>,
    pub expires: Option<Date>,
    pub days: Option<i64>,
    pub days_text: Option<String>,
    /// The exception's place in the records, so an owner's page is keyed by its file.
    #[serde(skip)]
    pub index: usize,
}

pub(super) fn row<'a>(facts: &Facts<'a>, index: usize) -> ExceptionRow<'a> {
    let e = &facts.hb.records.exceptions[index].record;
    let state = facts.hb.exception_states[index];
    let days = days_to_expiry(e, state, facts.hb.as_of);
    ExceptionRow {
        id: &e.id,
        href: exception_href(&e.id),
        title: &e.title,
        kind: e.kind.as_str(),
        state: state.as_str(),
        state_rank: urgency(state),
        severity: e.severity.as_str(),
        severity_rank: severity_rank(e.severity),
        owner: facts.person(&e.risk_owner),
        created: e.created,
        decided: e.decided,
        expires: e.expires,
        days,
        days_text: days.map(days_text),
        index,
    }
}

/// What `row` is made from: its exception's file and owner's page, and what shapes every
/// record ([`Facts::records_shape`]: the configuration, data/people.yaml, the as-of day,
/// which with the file make its state). A registry's page and an owner's are keyed by the
/// keys of the rows they show.
pub(super) fn row_key(facts: &Facts, row: &ExceptionRow) -> u64 {
    let source = &facts.hb.records.exceptions[row.index].source;
    let mut key = Fingerprint::default();
    key.add(&facts.records_shape())
        .file(source)
        .add(&row.owner.href);
    key.finish()
}

pub fn render(facts: &Facts, renderer: &Renderer, out: &Output) -> Vec<Diagnostic> {
    let hb = facts.hb;
    let registry = Registry {
        url: URL,
        title: TITLE,
        template: "exceptions.html",
        row_template: "exception-row.html",
        orders: &ORDERS,
        // The records are loaded in id order.
        rows: facts.exception_rows(),
        keys: facts.exception_row_keys(),
        open: hb.open_exceptions(),
        counts: ExceptionState::ALL
            .iter()
            .map(|&s| {
                let count = hb.exception_states.iter().filter(|x| **x == s).count();
                CountView {
                    key: s.as_str(),
                    label: s.as_str(),
                    count,
                    href: (count > 0).then(|| state_href(hb, s)),
                }
            })
            .collect(),
        facts,
    };
    let mut diags = registry.render(renderer, out);
    let indices = first_of_each_id(hb.records.exceptions.iter().map(|r| r.record.id.as_str()));
    let pages = RecordPages::new(facts, renderer, (URL, TITLE), "exception.html");
    diags.extend(render_each(&indices, |&i| {
        render_exception(facts, &pages, out, i)
    }));
    diags
}

impl Row for ExceptionRow<'_> {
    fn sort(rows: &[Self], positions: &mut [usize], key: &str) {
        let expiry = |i: usize| (rows[i].expires.is_none(), rows[i].expires);
        match key {
            "expiry" => positions.sort_by_key(|&i| expiry(i)),
            "severity" => positions.sort_by_key(|&i| rows[i].severity_rank),
            "state" => positions.sort_by_key(|&i| (rows[i].state_rank, expiry(i))),
            "owner" => positions.sort_by_cached_key(|&i| rows[i].owner.name.to_lowercase()),
            _ => {}
        }
    }

    fn group(&self, key: &str) -> Option<Group> {
        let (anchor, label) = match key {
            "state" => (("state", self.state), self.state),
            "severity" => (("severity", self.severity), self.severity),
            _ => return None,
        };
        Some(Group { anchor, label })
    }

    fn id(&self) -> &str {
        self.id
    }
}

// ---------------------------------------------------------------------------------------
// One exception

/// One side of the approval policy against the approvals recorded.
#[derive(Serialize)]
pub(super) struct SideCheck<'a> {
    pub side: &'static str,
    /// The policy's minimum level for the severity; `None` when the side is not required.
    pub required: Option<&'static str>,
    /// The highest level among this side's approvals with decision approved.
    pub approved: Option<&'static str>,
    pub approver: Option<&'a str>,
    /// `met`, `missing`, `insufficient`, or `not required`.
    pub result: &'static str,
}

/// The exception's current term against the policy's longest term.
#[derive(Serialize)]
pub(super) struct TermView {
    pub start: Date,
    pub end: Date,
    pub days: i64,
    pub max_days: Option<u32>,
    pub within: bool,
    /// The term starts at the last renewal rather than at the decision.
    pub renewed: bool,
}

#[derive(Serialize)]
pub(super) struct PolicyCheck<'a> {
    pub severity: &'static str,
    pub sides: Vec<SideCheck<'a>>,
    pub term: Option<TermView>,
    pub max_days: Option<u32>,
    /// Every required side met and the term within policy.
    pub compliant: bool,
    /// The exception is approved, so the policy applies to it (and misses are findings).
    pub applies: bool,
}

pub(super) fn policy_check<'a>(facts: &Facts<'a>, index: usize) -> PolicyCheck<'a> {
    let e = &facts.hb.records.exceptions[index].record;
    let policy = &facts.hb.policies[index];
    PolicyCheck {
        severity: e.severity.as_str(),
        sides: policy
            .sides
            .iter()
            .map(|s| SideCheck {
                side: s.side.as_str(),
                required: s.required.map(Level::as_str),
                approved: s.approved.map(|(l, _)| l.as_str()),
                approver: s.approved.map(|(_, i)| e.approvals[i].name.as_str()),
                result: s.result.as_str(),
            })
            .collect(),
        term: policy.term.as_ref().map(|t| TermView {
            start: t.start,
            end: t.end,
            days: t.days,
            max_days: t.max_days,
            within: t.within,
            renewed: !e.renewals.is_empty(),
        }),
        max_days: policy.max_days,
        compliant: policy.compliant(),
        applies: e.status == crate::model::vocab::ExceptionStatus::Approved,
    }
}

#[derive(Serialize)]
struct ApprovalView<'a> {
    name: &'a str,
    email: Option<&'a str>,
    role: &'a str,
    side: Option<Side>,
    level: Option<Level>,
    decision: Decision,
    date: Option<Date>,
    note: Option<&'a str>,
    /// The approval that sets its side's level in the policy check.
    counted: bool,
}

#[derive(Serialize)]
struct RenewalView<'a> {
    date: Date,
    previous_expires: Date,
    expires: Date,
    added_days: i64,
    note: Option<&'a str>,
}

/// A ticket or reference: a link when it is a web address.
#[derive(Clone, Serialize)]
pub(super) struct TextOrLink<'a> {
    pub text: &'a str,
    pub href: Option<&'a str>,
}

pub(super) fn text_or_links(items: &[String]) -> Vec<TextOrLink<'_>> {
    items
        .iter()
        .map(|s| {
            let lower = s.trim().to_ascii_lowercase();
            let web = lower.starts_with("https://") || lower.starts_with("http://");
            TextOrLink {
                text: s,
                href: web.then_some(s.trim()),
            }
        })
        .collect()
}

#[derive(Serialize)]
struct ExceptionView<'a> {
    id: &'a str,
    title: &'a str,
    kind: &'static str,
    kind_label: &'static str,
    severity: &'static str,
    status: &'static str,
    state: &'static str,
    state_text: String,
    requested_by: PersonView<'a>,
    risk_owner: PersonView<'a>,
    assignee: Option<PersonView<'a>>,
    created: Date,
    first_review: Option<Date>,
    decided: Option<Date>,
    expires: Option<Date>,
    closed: Option<Date>,
    days: Option<i64>,
    days_text: Option<String>,
    tickets: Vec<TextOrLink<'a>>,
    assets: &'a [String],
    tags: &'a [String],
    summary_html: String,
    justification_html: String,
    description_html: Option<String>,
    remediation_plan_html: Option<String>,
    pros: &'a [String],
    cons: &'a [String],
    compensating_controls: &'a [String],
    policy: PolicyCheck<'a>,
    approvals: Vec<ApprovalView<'a>>,
    /// Some approval sets its side's level, so the page says what "(counted)" means.
    approvals_counted: bool,
    renewals: Vec<RenewalView<'a>>,
    stakeholders: &'a [Stakeholder],
    references: Vec<TextOrLink<'a>>,
    findings: Vec<FindingView<'a>>,
    related_incidents: Vec<RecordLink<'a>>,
    related_pages: Vec<PageRef<'a>>,
    source: &'a str,
    history: Option<super::history::HistoryView<'a>>,
}

pub(super) fn kind_label(e: &Exception) -> &'static str {
    match e.kind {
        crate::model::vocab::ExceptionType::Extension => "Risk extension",
        crate::model::vocab::ExceptionType::Acceptance => "Risk acceptance",
    }
}

/// The state in a sentence, with the dates that decide it.
fn state_text(e: &Exception, state: ExceptionState, days: Option<i64>) -> String {
    let on = |d: Option<Date>| d.map(|d| format!(" on {d}")).unwrap_or_default();
    match (state, days, e.expires) {
        (ExceptionState::Expired, Some(d), Some(x)) => {
            format!("Expired {} days ago, on {x}.", -d)
        }
        (ExceptionState::Expiring, Some(0), Some(x)) => format!("Expires today, {x}."),
        (ExceptionState::Expiring | ExceptionState::Active, Some(d), Some(x)) => {
            format!("Approved; expires {}, on {x}.", days_text(d))
        }
        (ExceptionState::Pending, _, _) => format!("Awaiting a decision since {}.", e.created),
        (ExceptionState::Denied, _, _) => format!("Denied{}.", on(e.decided)),
        (ExceptionState::Closed, _, _) => {
            format!("{}{}.", capitalise(e.status.as_str()), on(e.closed))
        }
        _ => String::new(),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn render_exception(
    facts: &Facts,
    pages: &RecordPages,
    out: &Output,
    index: usize,
) -> Option<Diagnostic> {
    let hb = facts.hb;
    let loaded = &hb.records.exceptions[index];
    let e = &loaded.record;
    let state = hb.exception_states[index];
    let url = format!("{URL}{}/", e.id);
    // The page is fingerprinted by what it shows, not by its view: the view renders the
    // record's Markdown, which is most of the cost of its page.
    let view = || {
        // Each field is a section of the page, under its `<h2>`.
        let md = |field: &str, text: &str| hb.site.record_html(&url, field, 2, text);
        let days = days_to_expiry(e, state, hb.as_of);
        let policy = policy_check(facts, index);
        let counted: Vec<usize> = Side::ALL
            .iter()
            .filter_map(|&s| e.approved_level(s).map(|(_, i)| i))
            .collect();
        ExceptionView {
            id: &e.id,
            title: &e.title,
            kind: e.kind.as_str(),
            kind_label: kind_label(e),
            severity: e.severity.as_str(),
            status: e.status.as_str(),
            state: state.as_str(),
            state_text: state_text(e, state, days),
            requested_by: facts.named(&e.requested_by),
            risk_owner: facts.person(&e.risk_owner),
            assignee: e.assignee.as_ref().map(|p| facts.named(p)),
            created: e.created,
            first_review: e.first_review,
            decided: e.decided,
            expires: e.expires,
            closed: e.closed,
            days,
            days_text: days.map(days_text),
            tickets: text_or_links(&e.tickets),
            assets: &e.assets,
            tags: &e.tags,
            summary_html: md("summary", &e.summary),
            justification_html: md("justification", &e.justification),
            description_html: e.description.as_deref().map(|t| md("description", t)),
            remediation_plan_html: (e.remediation_plan.as_deref())
                .map(|t| md("remediation_plan", t)),
            pros: &e.pros,
            cons: &e.cons,
            compensating_controls: &e.compensating_controls,
            policy,
            approvals: e
                .approvals
                .iter()
                .enumerate()
                .map(|(i, a)| ApprovalView {
                    name: &a.name,
                    email: a.email.as_deref(),
                    role: &a.role,
                    side: a.side,
                    level: a.level,
                    decision: a.decision,
                    date: a.date,
                    note: a.note.as_deref(),
                    counted: counted.contains(&i),
                })
                .collect(),
            approvals_counted: !counted.is_empty(),
            renewals: e
                .renewals
                .iter()
                .map(|r| RenewalView {
                    date: r.date,
                    previous_expires: r.previous_expires,
                    expires: r.expires,
                    added_days: r.previous_expires.days_until(r.expires),
                    note: r.note.as_deref(),
                })
                .collect(),
            stakeholders: &e.stakeholders,
            references: text_or_links(&e.references),
            findings: facts.findings_of("exception", &e.id),
            related_incidents: facts.related_incidents(&e.id),
            related_pages: facts.page_refs(&e.related.pages),
            source: &loaded.source.name,
            history: super::history::view(
                hb.history.as_ref().and_then(|h| h.exceptions.get(&e.id)),
            ),
        }
    };
    let shows = |fingerprint: &mut Fingerprint| {
        fingerprint
            .add(&facts.record_inputs())
            .file(&loaded.source)
            .add(state.as_str())
            .add(&[&e.requested_by, &e.risk_owner].map(|p| facts.person(p)))
            .add(&e.assignee.as_ref().map(|p| facts.named(p)))
            .add(&facts.findings_shown("exception", &e.id))
            .add(&facts.related_incidents(&e.id))
            .add(&facts.page_refs(&e.related.pages))
            .add(&hb.history.as_ref().and_then(|h| h.exceptions.get(&e.id)));
    };
    let title = (e.id.as_str(), e.title.as_str());
    pages.render(out, &url, title, ("exception", shows), || value(&view()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::records::registry::ordered;

    fn exception(yaml: &str) -> Exception {
        let base = "id: E\ntitle: t\ntype: acceptance\nseverity: high\nrequested_by: A\nrisk_owner: B\ncreated: 2026-01-01\nsummary: s\njustification: j\n";
        serde_yaml::from_str(&format!("{base}{yaml}")).unwrap()
    }

    #[test]
    fn state_text_names_the_deciding_date() {
        let d = Date::parse("2026-06-30").unwrap();
        let e = exception("status: approved\ndecided: 2026-01-02\nexpires: 2026-06-15\n");
        let state = e.state(d, 30);
        let days = days_to_expiry(&e, state, d);
        assert_eq!(days, Some(-15));
        assert_eq!(
            state_text(&e, state, days),
            "Expired 15 days ago, on 2026-06-15."
        );
        let e = exception("status: withdrawn\nclosed: 2026-02-01\n");
        let state = e.state(d, 30);
        assert_eq!(days_to_expiry(&e, state, d), None);
        assert_eq!(state_text(&e, state, None), "Withdrawn on 2026-02-01.");
    }

    #[test]
    fn orderings_sort_stably_and_mark_the_first_row_of_each_group() {
        let row = |id: &'static str, state: ExceptionState, expires: Option<&str>| ExceptionRow {
            id,
            href: String::new(),
            title: id,
            kind: "acceptance",
            state: state.as_str(),
            state_rank: urgency(state),
            severity: "low",
            severity_rank: 3,
            owner: PersonView {
                name: id,
                email: None,
                title: None,
                departed: None,
                href: None,
            },
            created: Date::parse("2026-01-01").unwrap(),
            decided: None,
            expires: expires.and_then(Date::parse),
            days: None,
            days_text: None,
            index: 0,
        };
        let rows = vec![
            row("A", ExceptionState::Active, Some("2026-09-01")),
            row("B", ExceptionState::Pending, None),
            row("C", ExceptionState::Expired, Some("2026-05-01")),
            row("D", ExceptionState::Active, Some("2026-08-01")),
        ];
        let ids = |key| -> Vec<&str> {
            ordered(&rows, key)
                .iter()
                .map(|(i, _)| rows[*i].id)
                .collect()
        };
        assert_eq!(ids("expiry"), ["C", "D", "A", "B"]);
        assert_eq!(ids("state"), ["C", "B", "D", "A"]);
        let by_state = ordered(&rows, "state");
        let anchors: Vec<Option<&str>> = by_state.iter().map(|(_, a)| a.as_deref()).collect();
        assert_eq!(
            anchors,
            [
                Some("state-expired"),
                Some("state-pending"),
                Some("state-active"),
                None
            ]
        );
    }
}
