//! Each record's history, from git (SPEC 14): the commits that changed the record's file,
//! what each changed, when each approval first reached git, and what that shows against
//! the record. Dates come from the commits, so the same repository gives the same history
//! on every build.

use std::collections::BTreeMap;

use serde::Serialize;

use super::date::Date;
use super::vocab::Decision;

/// Whether a record file that a change deleted and one it created beside it hold the same
/// record, renamed, as `git log --follow` tells a rename: the same id (`same_id`), or the
/// same title or summary (`same_text`) and half the created one's `fields` or more
/// `alike`. Two records of one template share many fields, and not their title or
/// summary; a rename that retitles the record keeps its summary. History follows a record
/// through its renames by it, and `--baseline` compares a renamed record with what it was.
pub fn renamed(same_id: bool, same_text: bool, alike: usize, fields: usize) -> bool {
    same_id || same_text && 2 * alike >= fields
}

/// The history of every record, by id.
#[derive(Debug, Default, Clone)]
pub struct History {
    pub exceptions: BTreeMap<String, RecordHistory>,
    pub incidents: BTreeMap<String, RecordHistory>,
}

/// One record's history.
#[derive(Debug, Clone, Serialize)]
pub struct RecordHistory {
    pub id: String,
    pub file: String,
    /// Each commit that changed the file, newest first.
    pub commits: Vec<Entry>,
    /// When each approval of an exception first reached git, in the record's order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub approvals: Vec<ApprovalSeen>,
    /// What the history shows against the record, for the findings.
    #[serde(skip)]
    pub evidence: Vec<Evidence>,
    /// What the record's file holds that no commit has: the fields it changes from the
    /// last version committed that reads. `None` where the file is as committed, or no
    /// commit has it (`commits` is then empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncommitted: Option<Uncommitted>,
}

/// The changes of a record's file in the work tree since its last commit: what a build
/// from a work tree shows, and the history does not yet.
#[derive(Debug, Clone, Serialize)]
pub struct Uncommitted {
    pub changes: Vec<FieldChange>,
    /// The `classification` of the version committed and of the file, as an [`Entry`]'s.
    #[serde(skip)]
    pub classified: [Option<String>; 2],
}

/// A commit id as people read it: its first ten digits.
pub fn short_id(id: &str) -> &str {
    id.get(..10).unwrap_or(id)
}

/// One commit that changed a record's file.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub commit: String,
    /// The commit time, RFC 3339 in the handbook's time zone.
    pub date: String,
    /// The day of `date`.
    #[serde(skip)]
    pub day: Date,
    pub author: String,
    pub email: String,
    pub subject: String,
    pub action: Action,
    /// The fields it changed, in the order the record writes them.
    pub changes: Vec<FieldChange>,
    /// Why the fields changed are not known: a version of the file that does not read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<String>,
    /// Whether the commit is a merge: one that changed no field itself took what its
    /// branches changed, which their own commits show, and not only layout or comments.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub merge: bool,
    /// The `classification` the file gave before and after the commit, where it gave one:
    /// an audience reads the values of a version it may read, and no other (SPEC 12).
    #[serde(skip)]
    pub classified: [Option<String>; 2],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Created,
    Changed,
    Deleted,
    /// Added again after it was deleted: its changes are from the version deleted.
    Restored,
}

/// One field a commit changed: its old and new value when they are short, else only that
/// it changed (Markdown fields, lists of entries, long text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub field: String,
    /// `added`, `removed` or `changed`.
    pub change: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
}

/// An approval of an exception as the record claims it, and as git first saw it.
#[derive(Debug, Clone, Serialize)]
pub struct ApprovalSeen {
    /// Its place in the record's `approvals`.
    pub index: usize,
    pub name: String,
    pub decision: Decision,
    /// The date the approval claims; `None` while it is a TODO marker.
    pub claimed: Option<Date>,
    /// The day of the first commit that holds it; `None` while it is not committed.
    pub first_seen: Option<Date>,
    pub commit: Option<String>,
    /// Days from the claimed date to the first commit that holds it.
    pub lag_days: Option<i64>,
    /// Written in the commit that created the record file, rather than added to it later.
    pub with_record: bool,
}

/// A finding the history shows, at a place in the record's current file.
#[derive(Debug, Clone)]
pub struct Evidence {
    pub code: &'static str,
    /// The record's approval it is about, by its place in `approvals`; `None` for the
    /// `approvals` field as a whole.
    pub approval: Option<usize>,
    pub message: String,
}
