//! The History section of a record's page (SPEC 14): each commit that changed the record's
//! file, newest first. Commit subjects and authors are text from the repository, escaped by
//! the templates like any record text.

use serde::Serialize;

use crate::model::date::Date;
use crate::model::history::{Action, FieldChange, RecordHistory, short_id};

#[derive(Serialize)]
pub(super) struct HistoryView<'a> {
    pub commits: Vec<CommitView<'a>>,
    /// The fields the file in the work tree changes since its last commit.
    pub uncommitted: Option<&'a [FieldChange]>,
}

#[derive(Serialize)]
pub(super) struct CommitView<'a> {
    pub id: &'a str,
    /// The abbreviated id, as `git log --oneline` shows it.
    pub short: &'a str,
    /// RFC 3339, for the `datetime` attribute.
    pub date: &'a str,
    pub day: Date,
    pub author: &'a str,
    pub email: &'a str,
    pub subject: &'a str,
    pub action: Action,
    pub changes: &'a [FieldChange],
    pub unreadable: Option<&'a str>,
    pub merge: bool,
}

/// The History section for a record, when the build reads history.
pub(super) fn view(history: Option<&RecordHistory>) -> Option<HistoryView<'_>> {
    let history = history?;
    Some(HistoryView {
        commits: history
            .commits
            .iter()
            .map(|c| CommitView {
                id: &c.commit,
                short: short_id(&c.commit),
                date: &c.date,
                day: c.day,
                author: &c.author,
                email: &c.email,
                subject: &c.subject,
                action: c.action,
                changes: &c.changes,
                unreadable: c.unreadable.as_deref(),
                merge: c.merge,
            })
            .collect(),
        uncommitted: history.uncommitted.as_ref().map(|u| u.changes.as_slice()),
    })
}
