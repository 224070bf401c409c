//! From the commits that changed the record files to each record's history: the fields
//! each commit changed, when each approval first reached git, and what that shows.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use chrono::{DateTime, Utc};
use gix::ObjectId;
use rayon::prelude::*;
use serde::Deserialize;
use serde_yaml::{Mapping, Value};

use crate::load::config::Config;
use crate::load::git::{Change, Commit};
use crate::load::history::{Changes, DECIDED, Fields, Held, Version, file_names};
use crate::load::records::Records;
use crate::model::date::{Date, Offset, days, instants};
use crate::model::exception::{Approval, Exception};
use crate::model::history::{
    self, Action, ApprovalSeen, Entry, Evidence, FieldChange, History, RecordHistory, Uncommitted,
    short_id,
};
use crate::model::links::Named;
use crate::model::person::{People, Person};
use crate::model::vocab::{Decision, Level, Side};

/// Fields whose values are Markdown: a change shows that they changed, not the text.
const MARKDOWN: [&str; 4] = [
    "summary",
    "justification",
    "description",
    "remediation_plan",
];

/// A value longer than this is not shown in a change, only that it changed: room for any
/// title (SPEC 14 shows the values of fields that are not Markdown), not for a paragraph
/// written on one line.
const SHORT: usize = 300;

/// Everything one record's history is made from.
struct Record<'a> {
    id: &'a str,
    file: &'a str,
    /// Its file's text as the build read it, from the work tree.
    text: &'a str,
    /// Its folder (into [`crate::load::history::FOLDERS`]) and its file's name there.
    key: (usize, &'a str),
    /// The exception, for its approvals; `None` for an incident.
    exception: Option<&'a Exception>,
}

/// The changes of the log by file, and the files each commit deleted, by commit and
/// folder: where a record may be renamed from.
struct Files<'a> {
    by_file: HashMap<(usize, &'a str), Vec<&'a Change>>,
    deleted: HashMap<(usize, usize), Vec<&'a Change>>,
}

impl<'a> Files<'a> {
    fn of(changes: &'a Changes) -> Self {
        let mut files = Files {
            by_file: HashMap::new(),
            deleted: HashMap::new(),
        };
        for change in &changes.log.changes {
            (files.by_file)
                .entry((change.folder, change.name.as_str()))
                .or_default()
                .push(change);
            if change.new.is_none() {
                (files.deleted)
                    .entry((change.commit, change.folder))
                    .or_default()
                    .push(change);
            }
        }
        files
    }

    /// [`followed`] of `record`.
    fn of_record(&self, record: &Record, versions: &HashMap<ObjectId, Version>) -> Vec<Change> {
        followed(record, &self.by_file, &self.deleted, versions)
    }
}

/// Each record of `records` with what its history is made from.
fn subjects(records: &Records) -> Vec<Record<'_>> {
    let [exception_files, incident_files] = file_names(records);
    let exceptions = (records.exceptions.iter().zip(exception_files)).map(|(e, name)| Record {
        id: &e.record.id,
        file: &e.source.name,
        text: &e.source.text,
        key: (0, name),
        exception: Some(&e.record),
    });
    let incidents = (records.incidents.iter().zip(incident_files)).map(|(i, name)| Record {
        id: &i.record.id,
        file: &i.source.name,
        text: &i.source.text,
        key: (1, name),
        exception: None,
    });
    exceptions.chain(incidents).collect()
}

/// Every version of the files of the records of `records` that `wanted` picks, followed
/// through renames as their histories are: an earlier id and title of a record are that
/// record's as much as its current ones.
pub fn versions_of(
    changes: &Changes,
    records: &Records,
    wanted: impl Fn(&Named) -> bool,
) -> HashSet<ObjectId> {
    let files = Files::of(changes);
    let named = |r: &Record| match r.exception {
        Some(_) => Named::Exception(r.id.to_string()),
        None => Named::Incident(r.id.to_string()),
    };
    (subjects(records).iter())
        .filter(|r| wanted(&named(r)))
        .flat_map(|r| files.of_record(r, &changes.versions))
        .flat_map(|c| c.files().collect::<Vec<_>>())
        .collect()
}

/// Each record's history, from the commits that changed the files of `records`.
pub fn derive(changes: &Changes, config: &Config, records: &Records) -> History {
    let files = Files::of(changes);
    let subjects = subjects(records);
    let context = Context {
        changes,
        people: &records.people,
        timezone: config.timezone,
        lag_days: i64::from(config.history.approval_lag_days),
    };
    let derived: Vec<RecordHistory> = subjects
        .par_iter()
        .map(|record| {
            let mine = files.of_record(record, &changes.versions);
            let mine: Vec<&Change> = mine.iter().collect();
            context.record(record, &mine, &changes.versions)
        })
        .collect();
    let mut history = History::default();
    for (record, derived) in subjects.iter().zip(derived) {
        let map = match record.key.0 {
            0 => &mut history.exceptions,
            _ => &mut history.incidents,
        };
        map.entry(record.id.to_string()).or_insert(derived);
    }
    history
}

/// A record's changes, newest first, followed through renames as `git log --follow` does:
/// where its file was created by a commit that deleted another file of its folder that
/// held the same record ([`renamed`](history::renamed)), the changes of that file before, the
/// deletion and the creation made one change. Else a `git mv` made the
/// record new at the rename, and its approvals written with it.
fn followed(
    record: &Record,
    by_file: &HashMap<(usize, &str), Vec<&Change>>,
    deleted: &HashMap<(usize, usize), Vec<&Change>>,
    versions: &HashMap<ObjectId, Version>,
) -> Vec<Change> {
    let read = |id: Option<ObjectId>| match versions.get(&id?) {
        Some(Ok(fields)) => Some(fields),
        _ => None,
    };
    let like = |gone: &Fields, made: &Fields| {
        let id = |f: &Fields| f.get("id").and_then(Value::as_str).map(str::to_string);
        let alike = (made.iter())
            .filter(|(key, held)| gone.held(key) == Some(*held))
            .count();
        let same = |key: &str| gone.held(key).is_some_and(|t| made.held(key) == Some(t));
        let same_id = id(gone).is_some_and(|g| Some(g) == id(made));
        history::renamed(
            same_id,
            same("title") || same("summary"),
            alike,
            made.iter().count(),
        )
    };
    let own = by_file.get(&record.key).into_iter().flatten();
    let mut out: Vec<Change> = own.map(|c| (*c).clone()).collect();
    let mut names = vec![record.key.1];
    while let Some(created) = out.last_mut().filter(|c| c.old.is_none()) {
        let gone = read(created.new).and_then(|made| {
            (deleted.get(&(created.commit, created.folder))?.iter()).find(|c| {
                !names.contains(&c.name.as_str()) && read(c.old).is_some_and(|g| like(g, made))
            })
        });
        let Some(gone) = gone else {
            break;
        };
        created.old = gone.old;
        names.push(&gone.name);
        let before = by_file
            .get(&(gone.folder, gone.name.as_str()))
            .into_iter()
            .flatten();
        out.extend(
            before
                .filter(|c| c.commit > gone.commit)
                .map(|c| (*c).clone()),
        );
    }
    out
}

struct Context<'a> {
    /// The log, the versions read, and who the authors are.
    changes: &'a Changes,
    /// For the side and level of approvals that leave them out.
    people: &'a People,
    timezone: Offset,
    lag_days: i64,
}

impl Context<'_> {
    /// A record's history, from the commits that changed its file (newest first) and the
    /// versions of the file they made.
    fn record(
        &self,
        record: &Record,
        changes: &[&Change],
        versions: &HashMap<ObjectId, Version>,
    ) -> RecordHistory {
        // Oldest first: each commit's file, and the last version before it that read.
        let mut before = Earlier::default();
        let mut steps: Vec<(Parents, Option<&Version>)> = Vec::with_capacity(changes.len());
        for c in changes.iter().rev() {
            let parents = Parents {
                first: before.of(c.old, versions),
                others: c.others.iter().map(|id| before.of(*id, versions)).collect(),
            };
            let new = c.new.and_then(|id| versions.get(&id));
            before.after(c.new, new, parents.first);
            steps.push((parents, new));
        }
        let entries: Vec<Entry> = changes
            .iter()
            .rev()
            .zip(&steps)
            .map(|(c, (parents, new))| {
                self.entry(&self.changes.log.commits[c.commit], c, parents, *new)
            })
            .rev()
            .collect();
        let newest = changes.first();
        let last = newest.and_then(|c| before.of(c.new, versions));
        let mut history = RecordHistory {
            id: record.id.to_string(),
            file: record.file.to_string(),
            commits: entries,
            approvals: Vec::new(),
            evidence: Vec::new(),
            uncommitted: self.uncommitted(record, newest.and_then(|c| c.new), last),
        };
        if let Some(exception) = record.exception {
            let steps: Vec<Step> = steps
                .into_iter()
                .zip(history.commits.iter().rev())
                .map(|((parents, new), entry)| Step {
                    entry,
                    parents,
                    new: new.and_then(|v| v.as_ref().ok()),
                })
                .collect();
            let (seen, evidence) = self.approvals(exception, &steps);
            history.approvals = seen;
            history.evidence = evidence;
        }
        history
    }

    /// What `record`'s file holds that the version `committed` last, which reads as
    /// `last`, does not: its fields as they are compared with those. Read only where its
    /// text is not that version's, byte for byte.
    fn uncommitted(
        &self,
        record: &Record,
        committed: Option<ObjectId>,
        last: Option<&Fields>,
    ) -> Option<Uncommitted> {
        let same = |id: ObjectId| {
            let blob = gix::objs::Kind::Blob;
            gix::objs::compute_hash(id.kind(), blob, record.text.as_bytes()).ok() == Some(id)
        };
        let last = last.filter(|_| !committed.is_some_and(same))?;
        let current = self.changes.read_current(record.file, record.text);
        let current = current.as_ref().ok()?;
        let changes = field_changes(last, current);
        (!changes.is_empty()).then_some(Uncommitted {
            changes,
            classified: classified([Some(last), Some(current)]),
        })
    }

    /// The entry of the commit that made `change`: `new` is the version it made, where
    /// the file is there.
    fn entry(
        &self,
        commit: &Commit,
        change: &Change,
        parents: &Parents,
        new: Option<&Version>,
    ) -> Entry {
        let old = parents.first;
        let at = commit_time(commit.seconds).with_timezone(&self.timezone.0);
        let action = match (change.old, old, change.new) {
            (None, None, _) => Action::Created,
            (None, Some(_), _) => Action::Restored,
            (_, _, None) => Action::Deleted,
            _ => Action::Changed,
        };
        let (changes, unreadable) = match (old, new) {
            (_, Some(Err(why))) => (Vec::new(), Some(why.clone())),
            (Some(old), Some(Ok(new))) => {
                let mut changes = field_changes(old, new);
                changes.retain(|c| parents.changed(new, &c.field, |a, b| a == b));
                (changes, None)
            }
            _ => (Vec::new(), None),
        };
        let new = new.and_then(|v| v.as_ref().ok());
        let (author, email) = commit.author_by(&self.changes.mailmap);
        Entry {
            commit: commit.id.to_string(),
            date: at.to_rfc3339(),
            day: Date(at.date_naive()),
            author,
            email,
            subject: commit.subject.clone(),
            action,
            changes,
            unreadable,
            merge: !parents.others.is_empty(),
            classified: classified([old, new]),
        }
    }

    /// When each of the exception's approvals first reached git, and the two findings
    /// that shows: fields an approval decided on changed after the last approval, and
    /// approvals added long after the date they claim.
    fn approvals(&self, e: &Exception, steps: &[Step]) -> (Vec<ApprovalSeen>, Vec<Evidence>) {
        let id = &e.id;
        let mut evidence = Vec::new();
        let people = self.people;
        let approved = |m: &Fields| -> Vec<Decided> {
            Decided::then(m, people)
                .into_iter()
                .filter(|k| k.decision == Some(Decision::Approved))
                .collect()
        };
        let now = Decided::now(e);
        // The last commit that added an approval with decision approved.
        let last = steps
            .iter()
            .enumerate()
            .filter_map(|(i, step)| {
                let new = added(step, "approvals", approved);
                (!new.is_empty()).then_some((i, new))
            })
            .next_back();
        if let Some((at, keys)) = &last {
            // The approval it added, as the record now writes it.
            let current = now.iter().rposition(|k| keys.contains(k));
            let by = current.map(|i| &e.approvals[i]);
            let seen = steps[*at].new;
            // What was told, by field and the version that holds its new value.
            let mut told: Vec<(&str, &Fields)> = Vec::new();
            for step in &steps[at + 1..] {
                let (Some(first), Some(new)) = (step.parents.first, step.new) else {
                    continue;
                };
                let changed: Vec<&str> = DECIDED
                    .into_iter()
                    .filter(|f| {
                        let alike = |a: Option<&Held>, b: Option<&Held>| {
                            same(f, a.and_then(Held::value), b.and_then(Held::value))
                        };
                        // A merge into a line that held what the approval saw, of a change
                        // made on a side branch, whatever that commit's date: not one
                        // already told, made there after the approval.
                        let merged_in = !step.parents.others.is_empty()
                            && seen.is_some_and(|seen| alike(first.held(f), seen.held(f)))
                            && !alike(first.held(f), new.held(f))
                            && !told
                                .iter()
                                .any(|(g, v)| g == f && alike(v.held(f), new.held(f)));
                        step.parents.changed(new, f, alike) || merged_in
                    })
                    .collect();
                told.extend(changed.iter().map(|f| (*f, new)));
                // No step after `last` adds an approval.
                if changed.is_empty() || !added(step, "renewals", renewals).is_empty() {
                    continue;
                }
                let approval = match by {
                    Some(Approval {
                        name,
                        date: Some(date),
                        ..
                    }) => format!("the approval by {name} of {date}"),
                    Some(a) => format!("the approval by {}", a.name),
                    None => "the last approval".to_string(),
                };
                evidence.push(Evidence {
                    code: "exception.changed-after-approval",
                    approval: current,
                    message: format!(
                        "{id}: {} changed on {} by {} (commit {}, \"{}\") after {approval}, \
                         with no new approval or renewal in that commit",
                        list(&changed),
                        step.entry.day,
                        step.entry.author,
                        short_id(&step.entry.commit),
                        step.entry.subject
                    ),
                });
            }
        }
        // The record as first read: approvals that came with it are not told backdated,
        // and where its first versions do not read, what they held is not known.
        let first = (steps.iter().find(|s| s.new.is_some())).map(|s| s.entry.commit.as_str());
        // The first step whose version holds each approval, in one reading of the steps: a
        // step that kept its approvals as they were adds none, and is not read again.
        let mut first_at: HashMap<Decided, usize> = HashMap::new();
        for (i, step) in steps.iter().enumerate() {
            let kept = i
                .checked_sub(1)
                .and_then(|p| steps[p].new.zip(step.new))
                .is_some_and(|(before, new)| before.written_alike(new, "approvals"));
            if kept {
                continue;
            }
            for key in step
                .new
                .map(|m| Decided::then(m, people))
                .unwrap_or_default()
            {
                first_at.entry(key).or_insert(i);
            }
        }
        let seen = e
            .approvals
            .iter()
            .enumerate()
            .zip(&now)
            .map(|((index, a), key)| {
                let step = first_at.get(key).map(|&i| &steps[i]);
                let lag_days = step
                    .zip(a.date)
                    .map(|(s, date)| date.days_until(s.entry.day));
                let with_record = step.is_some_and(|s| Some(s.entry.commit.as_str()) == first);
                if let (Some(step), Some(lag), Some(date), false) =
                    (step, lag_days, a.date, with_record)
                    && lag > self.lag_days
                {
                    evidence.push(Evidence {
                        code: "exception.approval-backdated",
                        approval: Some(index),
                        message: format!(
                            "{id}: the approval by {} claims {} but reached git on {}, {} later \
                             (commit {}, \"{}\"); at most {} may pass",
                            a.name,
                            date,
                            step.entry.day,
                            days(lag),
                            short_id(&step.entry.commit),
                            step.entry.subject,
                            days(self.lag_days)
                        ),
                    });
                }
                ApprovalSeen {
                    index,
                    name: a.name.clone(),
                    decision: a.decision,
                    claimed: a.date,
                    first_seen: step.map(|s| s.entry.day),
                    commit: step.map(|s| s.entry.commit.clone()),
                    lag_days,
                    with_record,
                }
            })
            .collect();
        (seen, evidence)
    }
}

/// What a step added to a list field, `of` reading its entries: what no parent held.
fn added<K: Eq + Hash>(step: &Step, field: &str, of: impl Fn(&Fields) -> Vec<K>) -> Vec<K> {
    let Some(new) = step.new else {
        return Vec::new();
    };
    let parents = step.parents.iter();
    if parents.clone().any(|p| p.written_alike(new, field)) {
        return Vec::new();
    }
    let before: HashSet<K> = parents.flat_map(&of).collect();
    of(new)
        .into_iter()
        .filter(|k| !before.contains(k))
        .collect()
}

/// The versions a commit's version is compared with: its first parent's, and a merge's
/// other parents'; each the last version at or before it that read (see [`Earlier`]).
struct Parents<'a> {
    first: Option<&'a Fields>,
    /// Empty but for a merge.
    others: Vec<Option<&'a Fields>>,
}

impl<'a> Parents<'a> {
    /// Those that read.
    fn iter(&self) -> impl Iterator<Item = &'a Fields> + Clone + '_ {
        self.first
            .into_iter()
            .chain(self.others.iter().flatten().copied())
    }

    /// Whether the commit changed `field` of `new`, `alike` saying when two values are the
    /// same: where it differs from every parent. A merge that takes a field as one of its
    /// parents had it changed nothing there (`git log --cc`): the commit that did is on
    /// that parent's side, and counted there. A parent without the file differs in all;
    /// without a first parent that read, nothing is known to have changed.
    fn changed(
        &self,
        new: &Fields,
        field: &str,
        alike: impl Fn(Option<&Held>, Option<&Held>) -> bool,
    ) -> bool {
        self.first.is_some()
            && self
                .iter()
                .all(|p| !p.written_alike(new, field) && !alike(p.held(field), new.held(field)))
    }
}

/// The version each commit of a record's file is compared with: the last before it that
/// read. A version that does not read (a YAML slip, committed and then mended) or a file
/// deleted and added again tells nothing of what the record held: compared with them, the
/// commit that mends or restores the file would add every approval, and hide what it
/// changed since the last version that read.
#[derive(Default)]
struct Earlier<'a> {
    /// Each version that did not read, and the last version before it that did.
    unread: HashMap<ObjectId, Option<&'a Fields>>,
    /// The last version that read before the file was last deleted.
    deleted: Option<&'a Fields>,
}

impl<'a> Earlier<'a> {
    /// The last version that read, at or before the file `id` (`None`: not there).
    fn of(
        &self,
        id: Option<ObjectId>,
        versions: &'a HashMap<ObjectId, Version>,
    ) -> Option<&'a Fields> {
        let Some(id) = id else {
            return self.deleted;
        };
        match versions.get(&id) {
            Some(Ok(fields)) => Some(fields),
            _ => self.unread.get(&id).copied().flatten(),
        }
    }

    /// Notes the file `id` a commit made, which reads as `new`, the last version before it
    /// that read being `old`.
    fn after(&mut self, id: Option<ObjectId>, new: Option<&Version>, old: Option<&'a Fields>) {
        match (id, new) {
            (Some(_), Some(Ok(_))) => {}
            (Some(id), _) => {
                self.unread.insert(id, old);
            }
            (None, _) => self.deleted = old,
        }
    }
}

/// One commit of a record's file, with the versions it is compared with and the version
/// it made, where that reads.
struct Step<'a> {
    entry: &'a Entry,
    parents: Parents<'a>,
    new: Option<&'a Fields>,
}

/// The fields that differ between two versions of a record, in the order the newer one
/// writes them, then those it dropped.
fn field_changes(old: &Fields, new: &Fields) -> Vec<FieldChange> {
    let mut out = Vec::new();
    for (field, held) in new.iter() {
        if old.written_alike(new, field) {
            continue;
        }
        let before = old.held(field);
        // A Markdown text alike but for a block's last line break is layout. A person
        // written another way is told: their name or address may be what changed.
        let alike = (before.and_then(Held::value).zip(held.value()))
            .filter(|_| MARKDOWN.contains(&field))
            .is_some_and(|(a, b)| same(field, Some(a), Some(b)));
        if before == Some(held) || alike {
            continue;
        }
        out.push(change(field, before, Some(held)));
    }
    for (field, held) in old.iter() {
        if new.held(field).is_none() {
            out.push(change(field, Some(held), None));
        }
    }
    out
}

fn change(field: &str, old: Option<&Held>, new: Option<&Held>) -> FieldChange {
    let (old, new) = (given(old), given(new));
    let kind = match (old, new) {
        (None, Some(_)) => "added",
        (Some(_), None) => "removed",
        _ => "changed",
    };
    let shown = |h: Option<&Held>| {
        if MARKDOWN.contains(&field) {
            None
        } else {
            h?.value().and_then(short)
        }
    };
    let (mut old_text, mut new_text) = (shown(old), shown(new));
    // Both would read the same (two lists of as many entries): only that it changed.
    if old_text.is_some() && old_text == new_text {
        (old_text, new_text) = (None, None);
    }
    // One side shown alone would mislead: "3 → (not shown)".
    if old.is_some() && new.is_some() && (old_text.is_none() || new_text.is_none()) {
        (old_text, new_text) = (None, None);
    }
    FieldChange {
        field: field.to_string(),
        change: kind,
        old: old_text,
        new: new_text,
    }
}

/// The `classification` two versions give, where they read and give one.
fn classified(versions: [Option<&Fields>; 2]) -> [Option<String>; 2] {
    versions.map(|fields| fields?.get("classification")?.as_str().map(str::to_string))
}

/// A field that is written and not `null`.
fn given(held: Option<&Held>) -> Option<&Held> {
    held.filter(|h| h.value().is_none_or(|v| !v.is_null()))
}

/// A value that is written and not `null`.
fn present(value: Option<&Value>) -> Option<&Value> {
    value.filter(|v| !v.is_null())
}

/// A value in one short line, when it has one.
fn short(value: &Value) -> Option<String> {
    let text = match value {
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if !s.trim().contains('\n') => s.trim().to_string(),
        Value::Sequence(items) if items.iter().all(scalar) => items
            .iter()
            .filter_map(short)
            .collect::<Vec<_>>()
            .join(", "),
        Value::Sequence(items) => match items.len() {
            1 => "1 entry".to_string(),
            n => format!("{n} entries"),
        },
        Value::Mapping(_) => person(value)?.to_string(),
        _ => return None,
    };
    (text.chars().count() <= SHORT).then_some(text)
}

fn scalar(value: &Value) -> bool {
    matches!(value, Value::Bool(_) | Value::Number(_) | Value::String(_))
}

/// A person as records write one (`"Name <email>"`, `"Name"`, or `{name, email}`), read
/// by the rule the records are loaded by.
fn person(value: &Value) -> Option<Person> {
    Person::deserialize(value).ok()
}

/// Whether a field an approval decided on is the same in two versions: the same value,
/// or for the risk owner the same person however written: their email or their name kept
/// while the other is corrected (a company's new domain, a changed surname), as an
/// approval is kept across the same corrections.
fn same(field: &str, old: Option<&Value>, new: Option<&Value>) -> bool {
    match (present(old), present(new)) {
        (Some(a), Some(b)) if field == "risk_owner" => match (person(a), person(b)) {
            (Some(a), Some(b)) => a.same_as(&b) || a.same_name(&b),
            _ => a == b,
        },
        // The line break a block (`|`, `>`) ends a text with is layout: Markdown reads
        // the text alike.
        (Some(Value::String(a)), Some(Value::String(b))) if MARKDOWN.contains(&field) => {
            a.trim_end() == b.trim_end()
        }
        (a, b) => a == b,
    }
}

/// An approval as it is recognised from one version of a record to the next: by the
/// decision it records (its side, level, decision and date, the side and level taken from
/// data/people.yaml where the approval leaves them out, as the record's own reading does),
/// not by how the approver's name or email is written, which a later commit may correct
/// (a new email domain) without making the approval new. Approvals alike in all four are
/// told apart by their order among themselves, so a second one added later is new. A new
/// name, email, role or note keeps it the same; another side, level, decision or date
/// makes it another.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Decided {
    side: Option<Side>,
    level: Option<Level>,
    decision: Option<Decision>,
    date: Option<Date>,
    /// Its place among the approvals alike in the rest.
    nth: usize,
}

impl Decided {
    /// The approvals of the record as it is now, in its order.
    fn now(e: &Exception) -> Vec<Decided> {
        Decided::each(
            e.approvals
                .iter()
                .map(|a| (a.side, a.level, Some(a.decision), a.date)),
        )
    }

    /// The approvals of a version of the record, in its order.
    fn then(m: &Fields, people: &People) -> Vec<Decided> {
        fn read<T: serde::de::DeserializeOwned>(a: &Mapping, field: &str) -> Option<T> {
            serde_yaml::from_value(a.get(field)?.clone()).ok()
        }
        Decided::each(entries(m, "approvals").map(|a| {
            let (side, level) = (read(a, "side"), read(a, "level"));
            let listed = || {
                people.find(&Person {
                    name: a.get("name").and_then(Value::as_str)?.to_string(),
                    email: a.get("email").and_then(Value::as_str).map(str::to_string),
                })
            };
            let listed = (side.is_none() || level.is_none()).then(listed).flatten();
            (
                side.or(listed.and_then(|p| p.side)),
                level.or(listed.and_then(|p| p.level)),
                read(a, "decision"),
                date(a, "date"),
            )
        }))
    }

    fn each(
        approvals: impl Iterator<Item = (Option<Side>, Option<Level>, Option<Decision>, Option<Date>)>,
    ) -> Vec<Decided> {
        let mut met: HashMap<Decided, usize> = HashMap::new();
        approvals
            .map(|(side, level, decision, date)| {
                let mut key = Decided {
                    side,
                    level,
                    decision,
                    date,
                    nth: 0,
                };
                let nth = met.entry(key.clone()).or_default();
                key.nth = *nth;
                *nth += 1;
                key
            })
            .collect()
    }
}

/// A renewal, as it is recognised from one version of a record to the next: by its date
/// and new expiry.
type Renewed = (Option<Date>, Option<Date>);

fn date(m: &Mapping, field: &str) -> Option<Date> {
    m.get(field)
        .and_then(Value::as_str)
        .and_then(|s| Date::parse(s.trim()))
}

fn entries<'a>(m: &'a Fields, field: &str) -> impl Iterator<Item = &'a Mapping> {
    m.get(field)
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(Value::as_mapping)
}

fn renewals(m: &Fields) -> Vec<Renewed> {
    entries(m, "renewals")
        .map(|r| (date(r, "date"), date(r, "expires")))
        .collect()
}

fn list(fields: &[&str]) -> String {
    match fields {
        [] => String::new(),
        [one] => format!("`{one}`"),
        [init @ .., last] => format!(
            "{} and `{last}`",
            init.iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A commit's time, held within the dates a record may have in every timezone
/// ([`instants`]): git takes any number of seconds (the year 3170843), which chrono cannot
/// hold, and read as 1970, a commit of the far future made the approval it added look
/// earlier than the date it claims.
fn commit_time(seconds: i64) -> DateTime<Utc> {
    let within = instants();
    let (first, last) = (within.start().and_utc(), within.end().and_utc());
    DateTime::from_timestamp(seconds.clamp(first.timestamp(), last.timestamp()), 0).unwrap_or(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::history::Versions;

    /// A commit of the year 3170843 is shown, and counted, at the last instant a date may
    /// have, not at 1970.
    #[test]
    fn a_commit_time_is_held_within_the_years() {
        let shown = |seconds| commit_time(seconds).to_rfc3339();
        assert_eq!(shown(99_999_999_999_999), "9999-12-30T23:59:59+00:00");
        assert_eq!(shown(i64::MAX), "9999-12-30T23:59:59+00:00");
        assert_eq!(shown(i64::MIN), "1900-01-02T00:00:00+00:00");
        assert_eq!(shown(1_767_225_600), "2026-01-01T00:00:00+00:00");
    }

    fn mapping(text: &str) -> Fields {
        let text = Ok(text.to_string());
        Versions::default()
            .read("data/exceptions/E-1.yaml", &text)
            .unwrap()
    }

    /// A risk owner written another way (a mapping, another letter case) is the same
    /// person, as the records' own reading says, and so is one whose email or name was
    /// corrected while the other stayed; another name and email is another person.
    #[test]
    fn a_risk_owner_written_another_way_is_the_same() {
        let value = |text: &str| serde_yaml::from_str::<Value>(text).unwrap();
        let was = value("\"Bo Chen <bo.chen@example.com>\"");
        let same_person = value("{name: B. Chen, email: BO.CHEN@example.com}");
        let new_domain = value("{name: Bo Chen, email: bo.chen@example.org}");
        let other = value("{name: Bo Li, email: bo@example.org}");
        assert!(same("risk_owner", Some(&was), Some(&same_person)));
        assert!(same("risk_owner", Some(&was), Some(&new_domain)));
        assert!(!same("risk_owner", Some(&was), Some(&other)));
        assert!(!same(
            "severity",
            Some(&value("high")),
            Some(&value("HIGH"))
        ));
    }

    #[test]
    fn short_fields_show_both_values_and_markdown_or_long_ones_only_that_they_changed() {
        let old = mapping(
            "severity: high\nrisk_owner: {name: Bo, email: bo@x.org}\ntags: [a, b]\n\
             summary: one line\napprovals: [{name: A}]\nnote: short\n",
        );
        let new = mapping(&format!(
            "severity: low\nrisk_owner: \"Bo <bo@x.org>\"\ntags: [a]\nsummary: other line\n\
             approvals: [{{name: A}}, {{name: B}}]\nnote: {}\nexpires: 2026-01-01\n",
            "x".repeat(SHORT + 1)
        ));
        let changes = field_changes(&old, &new);
        let view: Vec<(&str, &str, Option<&str>, Option<&str>)> = changes
            .iter()
            .map(|c| {
                (
                    c.field.as_str(),
                    c.change,
                    c.old.as_deref(),
                    c.new.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            view,
            [
                ("severity", "changed", Some("high"), Some("low")),
                ("risk_owner", "changed", None, None),
                ("tags", "changed", Some("a, b"), Some("a")),
                ("summary", "changed", None, None),
                ("approvals", "changed", Some("1 entry"), Some("2 entries")),
                ("note", "changed", None, None),
                ("expires", "added", None, Some("2026-01-01")),
            ]
        );
        // A title of a hundred characters and more is a title: its values are shown.
        let long = |title: &str| mapping(&format!("title: {}\n", title.repeat(120)));
        let changes = field_changes(&long("a"), &long("b"));
        assert_eq!(changes[0].new.as_deref(), Some("b".repeat(120).as_str()));
        // The same person, written another way, reads the same: only that it changed.
        assert!(same(
            "risk_owner",
            old.get("risk_owner"),
            new.get("risk_owner")
        ));
        let removed = field_changes(&new, &mapping("severity: low\n"));
        assert_eq!(removed[0].field, "risk_owner");
        assert_eq!(removed[0].change, "removed");
        assert_eq!(removed[0].old.as_deref(), Some("Bo <bo@x.org>"));
    }

    /// An approval is the decision it records: correcting who wrote it keeps it; another
    /// side, level, decision or date is another approval, and so is a second one alike.
    #[test]
    fn approvals_are_the_same_across_versions_until_what_was_decided_changes() {
        let people = People::new(
            serde_yaml::from_str(
                "[{name: Dee Vance, email: dee@new.org, side: business, level: vp}]",
            )
            .unwrap(),
        );
        let approvals = |list: &[&str]| {
            let text: String = list
                .iter()
                .map(|a| {
                    let decision = if a.contains("decision") {
                        ""
                    } else {
                        "decision: approved, "
                    };
                    format!("  - {{role: r, {decision}{a}}}\n")
                })
                .collect();
            Decided::then(&mapping(&format!("approvals:\n{text}")), &people)
        };
        let first = approvals(&["name: Dee Vance, email: DEE@old.org, date: 2026-01-10"]);
        for same in [
            "name: D. Vance, email: dee@new.org, date: 2026-01-10, note: later",
            "name: Dee Vance, email: dee@new.org, side: business, level: vp, date: 2026-01-10",
        ] {
            assert_eq!(first, approvals(&[same]), "{same}");
        }
        for other in [
            "name: Dee Vance, date: 2026-01-11",
            "name: Dee Vance, date: 2026-01-10, side: security",
            "name: Dee Vance, date: 2026-01-10, level: director",
            "name: Dee Vance, date: 2026-01-10, decision: rejected",
        ] {
            assert_ne!(first, approvals(&[other]), "{other}");
        }
        let two = approvals(&[
            "name: Dee Vance, date: 2026-01-10",
            "name: Al Ng, side: business, level: vp, date: 2026-01-10",
        ]);
        assert_eq!(two[0], first[0]);
        assert_ne!(two[1], first[0]);
        // The record as loaded, its side and level filled from people.yaml, reads alike.
        let e: Exception = serde_yaml::from_str(
            "{id: E-1, title: t, type: acceptance, severity: low, status: pending, \
             requested_by: A, risk_owner: B, created: 2026-01-01, summary: s, justification: j, \
             approvals: [{name: Dee Vance, role: r, side: business, level: vp, decision: approved, date: 2026-01-10}]}",
        )
        .unwrap();
        assert_eq!(first, Decided::now(&e));
    }
}
