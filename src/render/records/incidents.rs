//! incidents/: the registry, its orderings, one page per incident; and action-items/.

use rayon::prelude::*;
use serde::Serialize;

use super::exceptions::{TextOrLink, text_or_links};
use super::registry::{self, Group, Order, Pager, Registry, Row};
use super::{
    CountView, Facts, FindingView, PageRef, PersonView, RecordLink, RecordPages, SectionIntro,
    StampView, days_text, first_of_each_id, incident_href, render_each,
};
use crate::derive::handbook::Handbook;
use crate::derive::incident::Measure;
use crate::derive::metrics::round2_of;
use crate::diagnostics::Diagnostic;
use crate::model::date::{Date, Offset};
use crate::model::incident::{ActionItem, Incident, OpenQuestion, SECONDS_PER_HOUR};
use crate::model::related::Stakeholder;
use crate::model::vocab::{ActionStatus, IncidentSeverity, IncidentStatus, Priority};
use crate::render::units::TimeUnit;
use crate::render::{Fingerprint, Output, Renderer, value};

pub(super) const URL: &str = "incidents/";
const TITLE: &str = "Incidents";
const ACTION_ITEMS_URL: &str = "action-items/";
const ACTION_ITEMS_TITLE: &str = "Action items";

pub(super) const STATUSES: [IncidentStatus; 5] = [
    IncidentStatus::Investigating,
    IncidentStatus::Mitigated,
    IncidentStatus::Resolved,
    IncidentStatus::Closed,
    IncidentStatus::NotAnIncident,
];

pub(super) const ORDERS: [Order; 5] = [
    Order {
        key: "id",
        label: "id",
        folder: None,
        descending: false,
    },
    Order {
        key: "reported",
        label: "newest first",
        folder: Some("by-reported"),
        descending: true,
    },
    Order {
        key: "severity",
        label: "severity",
        folder: Some("by-severity"),
        descending: false,
    },
    Order {
        key: "status",
        label: "status",
        folder: Some("by-status"),
        descending: false,
    },
    Order {
        key: "commander",
        label: "commander",
        folder: Some("by-commander"),
        descending: false,
    },
];

/// Where the registry lists the incidents in a status, for counts to link to.
pub(super) fn status_href(hb: &Handbook, status: IncidentStatus) -> String {
    let of = hb.records.incidents.iter().map(|i| i.record.status);
    let anchor = format!("status-{}", status.as_str());
    registry::group_href_of(URL, "by-status", &STATUSES, of, &status, &anchor)
}

pub(super) fn severity_href(hb: &Handbook, severity: IncidentSeverity) -> String {
    let of = hb.records.incidents.iter().map(|i| i.record.severity);
    let anchor = format!("severity-{}", severity.as_str());
    let all = &IncidentSeverity::ALL;
    registry::group_href_of(URL, "by-severity", all, of, &severity, &anchor)
}

pub(super) fn status_label(status: IncidentStatus) -> &'static str {
    match status {
        IncidentStatus::NotAnIncident => "not an incident",
        s => s.as_str(),
    }
}

fn action_status_label(status: ActionStatus) -> &'static str {
    match status {
        ActionStatus::Planned => "planned",
        ActionStatus::InProgress => "in progress",
        ActionStatus::Completed => "completed",
        ActionStatus::WontDo => "won't do",
    }
}

/// The four lifecycle durations of SPEC 9, in hours, each with the fields it runs between,
/// and written in the one unit that suits the four.
#[derive(Serialize)]
pub(super) struct DurationView {
    pub key: &'static str,
    pub label: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub hours: Option<f64>,
    pub text: Option<String>,
}

pub(super) fn durations(i: &Incident, tz: Offset) -> Vec<DurationView> {
    let seconds = Measure::ALL.map(|m| m.seconds(i, tz));
    let hours = |s: i64| s as f64 / SECONDS_PER_HOUR as f64;
    let unit = TimeUnit::for_hours(seconds.iter().flatten().map(|&s| hours(s)));
    Measure::ALL
        .into_iter()
        .zip(seconds)
        .map(|(m, seconds)| {
            let [(from, _), (to, _)] = m.ends(i);
            DurationView {
                key: m.key(),
                label: m.label(),
                from,
                to,
                hours: seconds.map(|s| round2_of(s.into(), SECONDS_PER_HOUR.into())),
                text: seconds.map(|s| unit.text(hours(s))),
            }
        })
        .collect()
}

/// One incident as a row of a table.
#[derive(Serialize)]
pub(super) struct IncidentRow<'a> {
    pub id: &'a str,
    pub href: String,
    pub title: &'a str,
    pub severity: &'static str,
    pub severity_rank: u8,
    pub status: &'static str,
    pub status_label: &'static str,
    pub status_rank: u8,
    pub commander: PersonView<'a>,
    pub reported: StampView,
    /// The calendar day in the handbook's timezone, for compact tables.
    pub reported_date: Date,
    /// Seconds since the epoch, for sorting.
    pub reported_ts: i64,
    pub resolved: Option<StampView>,
    pub resolved_date: Option<Date>,
    pub resolve_hours: Option<f64>,
    /// In the unit of the whole column: see [`resolve_in_one_unit`].
    pub resolve_text: Option<String>,
    /// The incident's place in the records, so its row is keyed by its file.
    #[serde(skip)]
    pub index: usize,
}

/// Writes the time to resolve of every row in one unit, as one column of a table.
fn resolve_in_one_unit(facts: &Facts, rows: &mut [IncidentRow]) {
    let unit = TimeUnit::of_measure(&facts.hb.metrics.incidents, Measure::Resolve);
    for r in rows {
        r.resolve_text = r.resolve_hours.map(|h| unit.text(h));
    }
}

pub(super) fn row<'a>(facts: &Facts<'a>, index: usize) -> IncidentRow<'a> {
    let tz = facts.hb.config.timezone;
    let i = &facts.hb.records.incidents[index].record;
    let resolve = durations(i, tz)
        .into_iter()
        .find(|d| d.key == "resolve")
        .and_then(|d| d.hours);
    IncidentRow {
        id: &i.id,
        href: incident_href(&i.id),
        title: &i.title,
        severity: i.severity.as_str(),
        severity_rank: IncidentSeverity::ALL
            .iter()
            .position(|s| *s == i.severity)
            .unwrap_or(0) as u8,
        status: i.status.as_str(),
        status_label: status_label(i.status),
        status_rank: STATUSES.iter().position(|s| *s == i.status).unwrap_or(0) as u8,
        commander: facts.named(&i.commander),
        reported: i.reported.into(),
        reported_date: i.reported.date(tz),
        reported_ts: i.reported.resolve(tz).timestamp(),
        resolved: i.resolved.map(StampView::from),
        resolved_date: i.resolved.map(|s| s.date(tz)),
        resolve_hours: resolve,
        resolve_text: None,
        index,
    }
}

impl Row for IncidentRow<'_> {
    fn sort(rows: &[Self], positions: &mut [usize], key: &str) {
        match key {
            "reported" => positions.sort_by_key(|&i| std::cmp::Reverse(rows[i].reported_ts)),
            "severity" => positions.sort_by_key(|&i| rows[i].severity_rank),
            "status" => positions.sort_by_key(|&i| rows[i].status_rank),
            "commander" => {
                positions.sort_by_cached_key(|&i| rows[i].commander.name.to_lowercase());
            }
            _ => {}
        }
    }

    fn group(&self, key: &str) -> Option<Group> {
        let (anchor, label) = match key {
            "status" => (("status", self.status), self.status_label),
            "severity" => (("severity", self.severity), self.severity),
            _ => return None,
        };
        Some(Group { anchor, label })
    }

    fn id(&self) -> &str {
        self.id
    }
}

/// What `row` is made from: its incident's file, its time to resolve in the unit of the
/// whole column, and what shapes every record ([`Facts::records_shape`]: the configuration
/// with the timezone, data/people.yaml). The registry's pages are keyed by the keys of the
/// rows they show.
fn row_key(facts: &Facts, row: &IncidentRow) -> u64 {
    let source = &facts.hb.records.incidents[row.index].source;
    let mut key = Fingerprint::default();
    key.add(&facts.records_shape())
        .file(source)
        .add(&row.resolve_text);
    key.finish()
}

pub fn render(facts: &Facts, renderer: &Renderer, out: &Output) -> Vec<Diagnostic> {
    let incidents = &facts.hb.records.incidents;
    let mut rows: Vec<IncidentRow> = (0..incidents.len()).map(|i| row(facts, i)).collect();
    resolve_in_one_unit(facts, &mut rows);
    let keys: Vec<u64> = rows.par_iter().map(|r| row_key(facts, r)).collect();
    let registry = Registry {
        url: URL,
        title: TITLE,
        template: "incidents.html",
        row_template: "incident-row.html",
        orders: &ORDERS,
        rows: &rows,
        keys: &keys,
        open: facts.hb.open_incidents(),
        counts: STATUSES
            .iter()
            .map(|&s| {
                let count = incidents.iter().filter(|i| i.record.status == s).count();
                CountView {
                    key: s.as_str(),
                    label: status_label(s),
                    count,
                    href: (count > 0).then(|| status_href(facts.hb, s)),
                }
            })
            .collect(),
        facts,
    };
    let mut diags = registry.render(renderer, out);
    let indices = first_of_each_id(incidents.iter().map(|r| r.record.id.as_str()));
    let pages = RecordPages::new(facts, renderer, (URL, TITLE), "incident.html");
    diags.extend(render_each(&indices, |&i| {
        render_incident(facts, &pages, out, i)
    }));
    diags.extend(render_action_items(facts, renderer, out));
    diags
}

// ---------------------------------------------------------------------------------------
// Action items

/// An action item of an incident, as a row of a table.
#[derive(Clone, Serialize)]
pub(super) struct ActionItemRow<'a> {
    pub incident_id: &'a str,
    pub incident_title: &'a str,
    pub incident_href: String,
    pub title: &'a str,
    pub owner: PersonView<'a>,
    pub priority: Priority,
    pub status: ActionStatus,
    pub status_label: &'static str,
    pub due: Option<Date>,
    pub due_text: Option<String>,
    pub overdue: bool,
    pub done: bool,
    pub ticket: Option<TextOrLink<'a>>,
}

pub(super) fn action_item_row<'a>(
    facts: &Facts<'a>,
    incident: &'a Incident,
    item: &'a ActionItem,
) -> ActionItemRow<'a> {
    let as_of = facts.hb.as_of;
    let done = item.status.is_done();
    ActionItemRow {
        incident_id: &incident.id,
        incident_title: &incident.title,
        incident_href: incident_href(&incident.id),
        title: &item.title,
        owner: facts.person(&item.owner),
        priority: item.priority,
        status: item.status,
        status_label: action_status_label(item.status),
        due: item.due,
        due_text: item
            .due
            .filter(|_| !done)
            .map(|d| days_text(as_of.days_until(d))),
        overdue: item.is_overdue(as_of),
        done,
        ticket: item
            .ticket
            .as_ref()
            .and_then(|t| text_or_links(std::slice::from_ref(t)).pop()),
    }
}

/// Open action items, overdue first, then by due date (none last), then by priority.
pub(super) fn sort_action_items(rows: &mut [ActionItemRow]) {
    rows.sort_by(|a, b| {
        (!a.overdue, a.due.is_none(), a.due, a.priority).cmp(&(
            !b.overdue,
            b.due.is_none(),
            b.due,
            b.priority,
        ))
    });
}

#[derive(Serialize)]
struct ActionItemsView<'v, 'a> {
    open: usize,
    overdue: usize,
    completed: usize,
    /// This page's: all of them, or a page of them past a hundred.
    items: &'v [ActionItemRow<'a>],
    pager: Option<Pager>,
    intro: Option<SectionIntro<'a>>,
}

/// action-items/: every open action item, in pages of a hundred past that
/// (`action-items/page/2/`), as the registries are.
fn render_action_items(facts: &Facts, renderer: &Renderer, out: &Output) -> Vec<Diagnostic> {
    let mut items: Vec<ActionItemRow> = Vec::new();
    let mut completed = 0;
    for i in &facts.hb.records.incidents {
        for item in &i.record.action_items {
            if item.status.is_done() {
                completed += 1;
            } else {
                items.push(action_item_row(facts, &i.record, item));
            }
        }
    }
    sort_action_items(&mut items);
    let overdue = items.iter().filter(|r| r.overdue).count();
    registry::render_list(
        facts,
        renderer,
        out,
        (ACTION_ITEMS_URL, ACTION_ITEMS_TITLE),
        ("action-items.html", "action_items"),
        items.len(),
        |range, pager, first| ActionItemsView {
            open: items.len(),
            overdue,
            completed,
            items: &items[range],
            pager,
            intro: first.then(|| facts.intro(ACTION_ITEMS_URL)).flatten(),
        },
    )
}

// ---------------------------------------------------------------------------------------
// One incident

#[derive(Serialize)]
struct LifecycleView {
    name: &'static str,
    at: Option<StampView>,
}

#[derive(Serialize)]
struct TimelineView<'a> {
    at: StampView,
    event: &'a str,
}

#[derive(Serialize)]
struct ImpactView {
    customers_affected: Option<u64>,
    data_exposed: Option<bool>,
    notes_html: Option<String>,
    redacted: bool,
}

#[derive(Serialize)]
struct PostmortemView<'a> {
    date: Date,
    participants: Vec<PersonView<'a>>,
    went_well: &'a [String],
    went_ok: &'a [String],
    went_poorly: &'a [String],
    notes_html: Option<String>,
    page: Option<PageRef<'a>>,
}

#[derive(Serialize)]
struct IncidentView<'a> {
    id: &'a str,
    title: &'a str,
    severity: &'static str,
    status: &'static str,
    status_label: &'static str,
    is_open: bool,
    open_days: Option<i64>,
    commander: PersonView<'a>,
    source: &'a str,
    category: Option<&'a str>,
    lifecycle: Vec<LifecycleView>,
    durations: Vec<DurationView>,
    summary_html: String,
    description_html: Option<String>,
    impact: Option<ImpactView>,
    effort_hours: Option<f64>,
    timeline: Vec<TimelineView<'a>>,
    action_items: Vec<ActionItemRow<'a>>,
    open_questions: &'a [OpenQuestion],
    stakeholders: &'a [Stakeholder],
    tickets: Vec<TextOrLink<'a>>,
    channels: &'a [String],
    postmortem: Option<PostmortemView<'a>>,
    postmortem_status: &'static str,
    findings: Vec<FindingView<'a>>,
    related_exceptions: Vec<RecordLink<'a>>,
    related_pages: Vec<PageRef<'a>>,
    source_file: &'a str,
    history: Option<super::history::HistoryView<'a>>,
}

fn render_incident(
    facts: &Facts,
    pages: &RecordPages,
    out: &Output,
    index: usize,
) -> Option<Diagnostic> {
    let hb = facts.hb;
    let tz = hb.config.timezone;
    let loaded = &hb.records.incidents[index];
    let i = &loaded.record;
    let url = format!("{URL}{}/", i.id);
    // Fingerprinted by what the page shows, as an exception's page is.
    let view = || {
        // Each field is a section of the page, under its `<h2>`; the postmortem's notes are
        // under its `<h3>`.
        let md = |field: &str, text: &str| {
            let under = if field == "postmortem.notes" { 3 } else { 2 };
            hb.site.record_html(&url, field, under, text)
        };
        IncidentView {
            id: &i.id,
            title: &i.title,
            severity: i.severity.as_str(),
            status: i.status.as_str(),
            status_label: status_label(i.status),
            is_open: i.status.is_open(),
            open_days: i
                .status
                .is_open()
                .then(|| i.reported.date(tz).days_until(hb.as_of)),
            commander: facts.named(&i.commander),
            source: &i.source,
            category: i.category.as_deref(),
            lifecycle: i
                .lifecycle()
                .into_iter()
                .map(|(name, at)| LifecycleView {
                    name,
                    at: at.map(StampView::from),
                })
                .collect(),
            durations: durations(i, tz),
            summary_html: md("summary", &i.summary),
            description_html: i.description.as_deref().map(|t| md("description", t)),
            impact: i.impact.as_ref().map(|x| ImpactView {
                customers_affected: x.customers_affected,
                data_exposed: x.data_exposed,
                notes_html: x.notes.as_deref().map(|t| md("impact.notes", t)),
                redacted: x.redacted,
            }),
            effort_hours: i.effort_hours,
            timeline: i
                .sorted_timeline(tz)
                .into_iter()
                .map(|t| TimelineView {
                    at: t.at.into(),
                    event: &t.event,
                })
                .collect(),
            action_items: i
                .action_items
                .iter()
                .map(|a| action_item_row(facts, i, a))
                .collect(),
            open_questions: &i.open_questions,
            stakeholders: &i.stakeholders,
            tickets: text_or_links(&i.tickets),
            channels: &i.channels,
            postmortem: i.postmortem.as_ref().map(|p| PostmortemView {
                date: p.date,
                participants: p.participants.iter().map(|x| facts.named(x)).collect(),
                went_well: &p.went_well,
                went_ok: &p.went_ok,
                went_poorly: &p.went_poorly,
                notes_html: p.notes.as_deref().map(|t| md("postmortem.notes", t)),
                page: p.page.as_deref().and_then(|x| facts.page_ref(x)),
            }),
            postmortem_status: hb.postmortems[index].as_str(),
            findings: facts.findings_of("incident", &i.id),
            related_exceptions: facts.related_exceptions(&i.id),
            related_pages: facts.page_refs(&i.related.pages),
            source_file: &loaded.source.name,
            history: super::history::view(hb.history.as_ref().and_then(|h| h.incidents.get(&i.id))),
        }
    };
    let shows = |fingerprint: &mut Fingerprint| {
        let postmortem = i.postmortem.as_ref();
        let participants = postmortem.map(|p| &p.participants);
        fingerprint
            .add(&facts.record_inputs())
            .file(&loaded.source)
            .add(hb.postmortems[index].as_str())
            .add(&facts.named(&i.commander))
            .add(
                &participants
                    .into_iter()
                    .flatten()
                    .map(|x| facts.named(x))
                    .collect::<Vec<_>>(),
            )
            .add(
                &postmortem
                    .and_then(|p| p.page.as_deref())
                    .and_then(|x| facts.page_ref(x)),
            )
            .add(
                &i.action_items
                    .iter()
                    .map(|a| facts.person(&a.owner))
                    .collect::<Vec<_>>(),
            )
            .add(&facts.findings_shown("incident", &i.id))
            .add(&facts.related_exceptions(&i.id))
            .add(&facts.page_refs(&i.related.pages))
            .add(&hb.history.as_ref().and_then(|h| h.incidents.get(&i.id)));
    };
    let title = (i.id.as_str(), i.title.as_str());
    pages.render(out, &url, title, ("incident", shows), || value(&view()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incident(extra: &str) -> Incident {
        let yaml = format!(
            "id: I\ntitle: t\nseverity: sev2\nstatus: resolved\ncommander: C\nsource: s\nsummary: s\n{extra}"
        );
        serde_yaml::from_str(&yaml).unwrap()
    }

    #[test]
    fn durations_start_at_detection_else_at_the_report() {
        let tz = Offset::default();
        let i = incident(
            "started: 2026-05-01T00:00:00+00:00\nreported: 2026-05-01T06:00:00+00:00\nresponded: 2026-05-01T06:30:00+00:00\nresolved: 2026-05-02T06:00:00+00:00\n",
        );
        let d = durations(&i, tz);
        let by_key = |k: &str| d.iter().find(|x| x.key == k).unwrap();
        assert_eq!(by_key("respond").hours, Some(0.5));
        assert_eq!(by_key("resolve").hours, Some(24.0));
        assert_eq!(by_key("resolve").from, "reported");
        assert_eq!(by_key("contain").hours, None);
        assert_eq!(by_key("detect").hours, None, "no detected time");
        let i = incident(
            "detected: 2026-05-01T02:00:00+00:00\nreported: 2026-05-01T06:00:00+00:00\nresolved: 2026-05-02T06:00:00+00:00\n",
        );
        let d = durations(&i, tz);
        let resolve = d.iter().find(|x| x.key == "resolve").unwrap();
        assert_eq!((resolve.from, resolve.hours), ("detected", Some(28.0)));
    }
}
