//! The rules that raise findings, over the loaded records and pages.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::ops::Range;
use std::sync::Arc;

use rayon::prelude::*;

use crate::derive::handbook::Handbook;
use crate::derive::incident::Postmortem;
use crate::derive::policy::{Met, Policy};
use crate::derive::view::Levels;
use crate::diagnostics::SourceFile;
use crate::load::records::{Loaded, Shared};
use crate::load::reuse::{FromFile, Made, PerFile};
use crate::load::todo;
use crate::load::yaml::{self, Seg};
use crate::model::date::{Date, days};
use crate::model::exception::{Exception, Renewal};
use crate::model::finding::{CODES, Finding, Kind, LintLevel, RULES, Subject};
use crate::model::incident::Incident;
use crate::model::links::Named;
use crate::model::vocab::{Decision, ExceptionState, ExceptionStatus, Side};

/// What the findings looked at: every record and page, and the rules that did not run.
/// A report that lists the checks that passed as well as those that failed needs it.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    /// Exceptions, incidents, then pages, each in the order the site lists them.
    pub subjects: Vec<Subject>,
    /// Why each rule that did not run did not, by code.
    pub skipped: BTreeMap<&'static str, &'static str>,
}

impl Coverage {
    /// What [`compute`] looks at with `inputs`; with `policy_known` false (handbook.yaml
    /// has errors), no rule runs, as the build then drops every finding.
    pub fn of(inputs: &Inputs, policy_known: bool) -> Self {
        let records = &inputs.handbook.records;
        let subject = |kind, id: &str, file: &SourceFile| Subject {
            kind,
            id: id.to_string(),
            file: file.name.clone(),
        };
        let subjects = records
            .exceptions
            .iter()
            .map(|e| subject(Kind::Exception, &e.record.id, &e.source))
            .chain(
                records
                    .incidents
                    .iter()
                    .map(|i| subject(Kind::Incident, &i.record.id, &i.source)),
            )
            .chain(
                inputs
                    .handbook
                    .site
                    .pages
                    .iter()
                    .map(|p| subject(Kind::Page, &p.path, &p.source)),
            )
            .collect();
        let skipped = RULES
            .iter()
            .filter_map(|rule| {
                let why = if !policy_known {
                    "handbook.yaml, which sets the policy it measures, has errors"
                } else if inputs.handbook.config.lint_level(rule.code, inputs.strict)
                    == LintLevel::Allow
                {
                    "handbook.yaml's `lints` allows it"
                } else if rule.needs_baseline && inputs.baseline.is_none() {
                    "it compares with a baseline revision, and `--baseline` names none"
                } else if rule.needs_history && inputs.handbook.history.is_none() {
                    "it reads the records' history from git, and this run has none \
                     (`history.enabled`, `--history`)"
                } else {
                    return None;
                };
                Some((rule.code, why))
            })
            .collect();
        Coverage { subjects, skipped }
    }
}

/// Everything the findings are computed from.
pub struct Inputs<'a> {
    /// The handbook with its derived facts, which the rules read rather than compute again.
    pub handbook: &'a Handbook,
    pub strict: bool,
    /// Exceptions as they were at the baseline revision, by id.
    pub baseline: Option<&'a BTreeMap<String, Exception>>,
}

/// Each record's findings as an earlier build computed them, which `serve` keeps: a
/// record's findings read its file and, of the rest of the handbook, only the
/// configuration, the as-of date, data/people.yaml and, where there are, the baseline and
/// the history, so a record is looked at again only when one of those changed. Each is
/// shared, not copied, into the build's findings.
pub type Kept = PerFile<Arc<Finding>>;

/// What every record's findings read besides its own file; `None` when they read more
/// than is worth hashing (a baseline or a history), and are not kept.
fn shared_inputs(inputs: &Inputs) -> Option<u64> {
    let hb = inputs.handbook;
    if inputs.baseline.is_some() || hb.history.is_some() {
        return None;
    }
    let mut hasher = DefaultHasher::new();
    (hb.settings_key(), inputs.strict).hash(&mut hasher);
    Some(hasher.finish())
}

struct Collector<'a> {
    inputs: &'a Inputs<'a>,
    out: Vec<Arc<Finding>>,
}

impl Collector<'_> {
    fn raise(
        &mut self,
        code: &'static str,
        source: &Arc<SourceFile>,
        span: Range<usize>,
        subject: &str,
        message: String,
    ) {
        debug_assert!(CODES.contains(&code), "{code} is not a known code");
        let level = self
            .inputs
            .handbook
            .config
            .lint_level(code, self.inputs.strict);
        if level == LintLevel::Allow {
            return;
        }
        self.out.push(Arc::new(Finding {
            code,
            level,
            file: source.name.clone(),
            line: source.line_col(span.start).0,
            subject: subject.to_string(),
            message,
            source: Arc::clone(source),
            span,
        }));
    }

    fn on_exception(
        &mut self,
        e: &Loaded<Exception>,
        code: &'static str,
        path: &[Seg],
        message: String,
    ) {
        self.raise(code, &e.source, e.span(path), &e.record.id, message);
    }
}

/// Computes every finding of SPEC 6, in a stable order: file, then line, then code.
pub fn compute(inputs: &Inputs) -> Vec<Arc<Finding>> {
    compute_kept(inputs, None)
}

/// [`compute`], taking each record's findings from `kept` when nothing they read changed
/// since, and leaving this build's there.
pub fn compute_kept(inputs: &Inputs, kept: Option<&Kept>) -> Vec<Arc<Finding>> {
    let records = &inputs.handbook.records;
    // Records are checked in parallel: placing each finding reads its record's YAML again.
    let out = match kept.and_then(|kept| Some((kept, shared_inputs(inputs)?))) {
        Some((kept, shared)) => {
            if let Some(all) = kept.unchanged(shared, records.sources()) {
                return finish(inputs, all);
            }
            let was = kept.take();
            let (mut made, incidents) = rayon::join(
                || {
                    each_kept(
                        inputs,
                        (&was, shared),
                        &records.exceptions,
                        exception_findings,
                    )
                },
                || {
                    each_kept(
                        inputs,
                        (&was, shared),
                        &records.incidents,
                        incident_findings,
                    )
                },
            );
            made.extend(incidents);
            kept.keep(shared, was, made)
        }
        None => {
            let (mut out, more) = rayon::join(
                || each(inputs, &records.exceptions, exception_findings),
                || each(inputs, &records.incidents, incident_findings),
            );
            out.extend(more);
            out
        }
    };
    finish(inputs, out)
}

/// The findings `out` of the records, with those of the pages and of the links between
/// them, sorted.
fn finish(inputs: &Inputs, out: Vec<Arc<Finding>>) -> Vec<Arc<Finding>> {
    let mut c = Collector { inputs, out };
    for page in &inputs.handbook.site.pages {
        if let Some(review_by) = page.front.review_by.filter(|d| *d < inputs.handbook.as_of) {
            c.raise(
                "page.review-overdue",
                &page.source,
                page.front_matter_value("review_by"),
                &page.path,
                format!("page review was due {review_by}"),
            );
        }
    }
    restricted_links(&mut c);
    let mut out = c.out;
    crate::model::finding::sort(&mut out);
    out
}

/// The findings of every record, each looked at by `find` with its index, under which
/// the handbook keeps its derived facts.
fn each<T: Send + Sync>(
    inputs: &Inputs,
    items: &[Shared<T>],
    find: fn(&mut Collector, usize, &Loaded<T>),
) -> Vec<Arc<Finding>> {
    items
        .par_iter()
        .enumerate()
        .flat_map_iter(|(index, item)| found(inputs, index, item, find))
        .collect()
}

/// [`each`], a record's findings taken from what an earlier build made (`was`, with the
/// hash of what every record's findings read) when its file is as it was.
fn each_kept<'a, T: Send + Sync>(
    inputs: &Inputs,
    (was, shared): (&Made<Arc<Finding>>, u64),
    items: &'a [Shared<T>],
    find: fn(&mut Collector, usize, &Loaded<T>),
) -> Vec<FromFile<'a, Arc<Finding>>> {
    items
        .par_iter()
        .enumerate()
        .map(|(index, item)| {
            FromFile::make(was, &item.source, shared, || {
                found(inputs, index, item, find)
            })
        })
        .collect()
}

/// The findings `find` raises about the record `item`, at `index`.
fn found<T>(
    inputs: &Inputs,
    index: usize,
    item: &Loaded<T>,
    find: fn(&mut Collector, usize, &Loaded<T>),
) -> Vec<Arc<Finding>> {
    let mut c = Collector {
        inputs,
        out: Vec::new(),
    };
    find(&mut c, index, item);
    c.out
}

/// A finding at each TODO marker of a record (see [`crate::load::todo`]).
fn marker_findings(c: &mut Collector, code: &'static str, source: &Arc<SourceFile>, id: &str) {
    // Finding the markers reads the file again: not when none would be raised.
    if c.inputs.handbook.config.lint_level(code, c.inputs.strict) == LintLevel::Allow {
        return;
    }
    for marker in todo::markers(source) {
        let wanted = todo::guidance(&marker.value)
            .map(|g| format!(": {g}"))
            .unwrap_or_default();
        c.raise(
            code,
            source,
            marker.span,
            id,
            format!("`{}` still has a TODO marker{wanted}", marker.path),
        );
    }
}

fn incident_findings(c: &mut Collector, index: usize, i: &Loaded<Incident>) {
    let inputs = c.inputs;
    let r = &i.record;
    let id = &r.id;
    marker_findings(c, "incident.todo", &i.source, id);
    if inputs.handbook.postmortems[index] == Postmortem::Missing {
        c.raise(
            "incident.postmortem-missing",
            &i.source,
            i.span(&[Seg::Key("severity")]),
            id,
            format!(
                "{id} is a {} incident, {}, with no postmortem",
                r.severity.as_str(),
                r.status.as_str()
            ),
        );
    }
    for (n, item) in r.action_items.iter().enumerate() {
        if let (true, Some(due)) = (item.is_overdue(inputs.handbook.as_of), item.due) {
            c.raise(
                "incident.action-item-overdue",
                &i.source,
                i.span(&[Seg::Key("action_items"), Seg::Index(n), Seg::Key("due")]),
                id,
                format!(
                    "action item \"{}\" of {id} was due {due} and is {} overdue",
                    item.title,
                    days(due.days_until(inputs.handbook.as_of))
                ),
            );
        }
    }
    let reported = r.reported.date(inputs.handbook.config.timezone);
    let open_days = reported.days_until(inputs.handbook.as_of);
    if r.status.is_open() && open_days > i64::from(inputs.handbook.config.incidents.stale_open_days)
    {
        c.raise(
            "incident.stale-open",
            &i.source,
            i.span(&[Seg::Key("status")]),
            id,
            format!(
                "{id} has been {} for {} since it was reported",
                r.status.as_str(),
                days(open_days)
            ),
        );
    }
}

fn exception_findings(c: &mut Collector, index: usize, e: &Loaded<Exception>) {
    let inputs = c.inputs;
    let r = &e.record;
    let id = &r.id;
    marker_findings(c, "exception.todo", &e.source, id);
    let state = inputs.handbook.exception_states[index];
    if state == ExceptionState::Expired
        && let Some(expires) = r.expires
    {
        c.on_exception(
            e,
            "exception.expired",
            &[Seg::Key("expires")],
            format!(
                "{id} expired on {expires}, {} ago",
                days(expires.days_until(inputs.handbook.as_of))
            ),
        );
    }
    if r.risk_owner.is_unassigned() {
        c.on_exception(
            e,
            "exception.owner-missing",
            &[Seg::Key("risk_owner")],
            format!("{id} has no risk owner"),
        );
    }
    for (field, person) in [
        ("risk_owner", Some(&r.risk_owner)),
        ("assignee", r.assignee.as_ref()),
    ] {
        let Some(person) = person else { continue };
        if let Some(left) = inputs
            .handbook
            .records
            .people
            .departed(person, inputs.handbook.as_of)
        {
            c.on_exception(
                e,
                "exception.owner-departed",
                &[Seg::Key(field)],
                format!("{field} {} of {id} left on {left}", person.name),
            );
        }
    }
    if r.status == ExceptionStatus::Approved {
        policy_findings(c, e, &inputs.handbook.policies[index]);
    }
    review_findings(c, index, e);
    if let Some(old) = inputs.baseline.and_then(|b| b.get(id)) {
        if r.severity > old.severity {
            c.on_exception(
                e,
                "exception.severity-downgraded",
                &[Seg::Key("severity")],
                format!(
                    "{id} severity lowered from {} to {}",
                    old.severity.as_str(),
                    r.severity.as_str()
                ),
            );
        } else if r.severity < old.severity {
            c.on_exception(
                e,
                "exception.severity-raised",
                &[Seg::Key("severity")],
                format!(
                    "{id} severity raised from {} to {}",
                    old.severity.as_str(),
                    r.severity.as_str()
                ),
            );
        }
        // A renewal entry made since (one the baseline does not have) must reach the new
        // expiry: one of a month does not stand for a move of a year.
        let made_since = |x: &&Renewal| {
            !(old.renewals.iter()).any(|o| (o.date, o.expires) == (x.date, x.expires))
        };
        let reach = r
            .renewals
            .iter()
            .filter(made_since)
            .map(|x| x.expires)
            .max();
        if let (Some(now), Some(before)) = (r.expires, old.expires)
            && now > before
            && reach.is_none_or(|reach| reach < now)
        {
            let without = match reach {
                None => "without a new renewal entry".to_string(),
                Some(reach) => format!("past {reach}, where its new renewal entry ends"),
            };
            c.on_exception(
                e,
                "exception.expiry-moved",
                &[Seg::Key("expires")],
                format!("{id} expiry moved from {before} to {now} {without}"),
            );
        }
    }
}

/// Separation of duties and review of renewals: no approval by the requester, and each
/// renewal approved again on every side the policy requires; and what the history shows
/// (changes after the last approval, approvals added late).
fn review_findings(c: &mut Collector, index: usize, e: &Loaded<Exception>) {
    let r = &e.record;
    let id = &r.id;
    let mut found: Vec<(&'static str, &str, usize, String)> = Vec::new();
    for (i, a) in r.approvals.iter().enumerate() {
        if a.decision == Decision::Approved && a.person().same_as(&r.requested_by) {
            found.push((
                "exception.self-approved",
                "approvals",
                i,
                format!(
                    "{} approved {id}, which they requested: a request needs another person's approval",
                    a.name
                ),
            ));
        }
    }
    // Sides data/people.yaml would give are unknown when it did not load.
    let sides_known =
        !c.inputs.handbook.records.people.failed || r.approvals.iter().all(|a| a.side.is_some());
    if sides_known {
        renewal_findings(r, &c.inputs.handbook.policies[index], &mut found);
    }
    let history = c.inputs.handbook.history.as_ref();
    if let Some(history) = history.and_then(|h| h.exceptions.get(id)) {
        for ev in &history.evidence {
            match ev.approval {
                Some(i) => found.push((ev.code, "approvals", i, ev.message.clone())),
                None => c.on_exception(e, ev.code, &[Seg::Key("approvals")], ev.message.clone()),
            }
        }
    }
    if found.is_empty() {
        return;
    }
    // Each item's place, from one reading of each list up to the last item with a
    // finding: a record of thousands of approvals would otherwise be read again for each.
    let mut places: HashMap<(&str, usize), Range<usize>> = HashMap::new();
    for field in ["approvals", "renewals"] {
        let mut wanted: Vec<usize> = found.iter().filter(|f| f.1 == field).map(|f| f.2).collect();
        if wanted.is_empty() {
            continue;
        }
        wanted.sort_unstable();
        wanted.dedup();
        let first = if field == "approvals" { "name" } else { "date" };
        let spans = yaml::locate_item_keys(&e.source.text, &[Seg::Key(field)], first, &wanted);
        for (i, span) in wanted.into_iter().zip(spans) {
            places.insert((field, i), span.unwrap_or(0..0));
        }
    }
    for (code, field, i, message) in found {
        let span = places.get(&(field, i)).cloned().unwrap_or(0..0);
        c.raise(code, &e.source, span, id, message);
    }
}

/// Each renewal with no approval on or after it on a side the policy requires.
fn renewal_findings<'a>(
    r: &'a Exception,
    policy: &Policy,
    found: &mut Vec<(&'static str, &'a str, usize, String)>,
) {
    let id = &r.id;
    // The latest approval of each side: a renewal on or before it was reviewed. Once, not
    // per renewal: a record may hold thousands of each.
    let latest = |side: Side| {
        r.approvals
            .iter()
            .filter(|a| a.decision == Decision::Approved && a.side == Some(side))
            .filter_map(|a| a.date)
            .max()
    };
    let required: Vec<(Side, Option<Date>)> = policy
        .sides
        .iter()
        .filter(|check| check.required.is_some())
        .map(|check| (check.side, latest(check.side)))
        .collect();
    for (i, renewal) in r.renewals.iter().enumerate() {
        let unreviewed: Vec<&str> = required
            .iter()
            .filter(|(_, latest)| latest.is_none_or(|d| d < renewal.date))
            .map(|(side, _)| side.as_str())
            .collect();
        if !unreviewed.is_empty() {
            found.push((
                "exception.renewal-unreviewed",
                "renewals",
                i,
                format!(
                    "{id} was renewed on {} to {} with no {} approval dated on or after the renewal",
                    renewal.date,
                    renewal.expires,
                    unreviewed.join(" or ")
                ),
            ));
        }
    }
}

/// How an approved exception's approvals and term measure up to the policy for its severity.
fn policy_findings(c: &mut Collector, e: &Loaded<Exception>, policy: &Policy) {
    let r = &e.record;
    let id = &r.id;
    if policy.max_days.is_none() {
        return;
    }
    // Sides and levels data/people.yaml would give are unknown when it did not load.
    let sides_known = !c.inputs.handbook.records.people.failed
        || r.approvals
            .iter()
            .all(|a| a.side.is_some() && a.level.is_some());
    for check in policy.sides.iter().filter(|_| sides_known) {
        let (side, Some(required)) = (check.side, check.required) else {
            continue;
        };
        match (check.result, check.approved) {
            (Met::Missing, _) => c.on_exception(
                e,
                "exception.approval-missing",
                &[Seg::Key("status")],
                format!(
                    "{id} is approved without a {} approval ({} severity needs {} or above)",
                    side.as_str(),
                    r.severity.as_str(),
                    required.as_str()
                ),
            ),
            (Met::Insufficient, Some((level, index))) => {
                let path = [Seg::Key("approvals"), Seg::Index(index), Seg::Key("level")];
                let (span, written) = e.nearest(&path);
                let given = match written {
                    true => "",
                    false => " (the level data/people.yaml gives its approver)",
                };
                c.raise(
                    "exception.approval-insufficient",
                    &e.source,
                    span,
                    &e.record.id,
                    format!(
                        "{id}'s {} approval is at {} level{given}; {} severity needs {} or \
                         above",
                        side.as_str(),
                        level.as_str(),
                        r.severity.as_str(),
                        required.as_str()
                    ),
                )
            }
            _ => {}
        }
    }
    if let (Some(term), Some(max_days)) = (&policy.term, policy.max_days)
        && !term.within
    {
        c.on_exception(
            e,
            "exception.term-exceeds-policy",
            &[Seg::Key("expires")],
            format!(
                "{id} runs {} days from {} to {}; {} severity allows at most {max_days}",
                term.days,
                term.start,
                term.end,
                r.severity.as_str(),
            ),
        );
    }
}

/// `page.restricted-link`: a page or record that links to a page or record classified
/// above it. An audience that may read the one but not the other gets the link's text
/// only, or no entry in a `related` list.
fn restricted_links(c: &mut Collector) {
    let hb = c.inputs.handbook;
    const CODE: &str = "page.restricted-link";
    if hb.config.classification.is_none()
        || hb.config.lint_level(CODE, c.inputs.strict) == LintLevel::Allow
    {
        return;
    }
    let levels = Levels::new(&hb.config, &hb.site.pages, &hb.records);
    let above = |from: &Named, to: &Named| levels.rank(to) > levels.rank(from);
    // A level not in the list is an error of its own, which ranks nothing.
    let known = |named: &Named| {
        let classification = hb.config.classification.as_ref();
        levels
            .level(named)
            .filter(|l| classification.is_some_and(|c| c.rank(l).is_some()))
    };
    for link in hb.site.cross_links(&hb.records, above) {
        let (Some(from), Some(to)) = (known(&link.from), known(&link.to)) else {
            continue;
        };
        let (kind, subject) = match &link.from {
            Named::Page(path) => ("page", path),
            Named::Exception(id) => ("exception", id),
            Named::Incident(id) => ("incident", id),
            Named::File(path) => ("file", path),
        };
        c.raise(
            CODE,
            link.source,
            link.span.clone(),
            subject,
            format!(
                "links to {}, classified `{to}`, above this {kind}'s `{from}`: an audience \
                 that may read this {kind} but not that one gets no link to it",
                link.to
            ),
        );
    }
}
