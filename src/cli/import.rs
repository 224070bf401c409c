//! `secbook import tracker`: the tracker CSV (SPEC 10, read by load/tracker.rs) as
//! exception records, with every assumption reported at its row. Import writes a TODO
//! marker where the tracker has no value (`check` reports each as a warning, so the
//! handbook builds), and skips a row whose ticket or title is in the register already, so
//! importing a file twice adds nothing.

use std::fs;
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use crate::cli::Done;
use crate::cli::new::{self, RecordKind};
use crate::diagnostics::{self, Diagnostic, Error, Level, SourceFile};
use crate::load::disk::Disk;
use crate::load::tracker::{
    self, HEADER, Known, List, Parsed, Separator, and_list, approver_decision, capitalise,
    parse_row, read_rows,
};
use crate::load::yaml;
use crate::model::date::Date;
use crate::model::person::{Met, People, Person, PersonEntry};
use crate::model::vocab::{ExceptionStatus, ExceptionType};

/// The role an imported approval is given: the tracker has no column for it.
const APPROVER_ROLE: &str = "Risk approver";

/// What an import wrote, and what it had to assume.
#[derive(Debug)]
pub struct Imported {
    /// Paths of the records written, relative to the handbook, in row order.
    pub written: Vec<String>,
    /// One line per assumption and per row skipped, each at its row:
    /// `tracker.csv:3: EXC-025: created set to the decision date, 1/15/2026 read as
    /// 2026-01-15 (M/D/YYYY)`.
    pub notes: Vec<String>,
    /// How many rows were skipped as already in the register.
    pub skipped: usize,
    /// How many TODO markers the records hold.
    pub todos: usize,
    /// What the file makes doubtful: its dates read month first where it looks saved
    /// day first.
    pub warnings: Vec<Diagnostic>,
}

/// `secbook import tracker`: imports the CSV at `csv_path` (see [`import`]), printing each
/// assumption it made, and says what it wrote and what is left to fill in.
pub fn run(root: &Path, csv_path: &Path) -> Result<Done, Error> {
    let imported = import(root, csv_path)?;
    for line in &imported.notes {
        crate::tell!("{}", diagnostics::visible(line));
    }
    let range = match (imported.written.first(), imported.written.last()) {
        (Some(first), Some(last)) if first != last => format!(" as {first} to {last}"),
        (Some(only), _) => format!(" as {only}"),
        _ => String::new(),
    };
    let skipped = match imported.skipped {
        0 => String::new(),
        n => format!("; skipped {n} row(s) already in the register or in the file"),
    };
    let todos = match imported.todos {
        0 => String::new(),
        n => format!("; {n} TODO marker(s) to replace: `secbook check` lists them as warnings"),
    };
    Ok(Done {
        warnings: imported.warnings,
        summary: format!(
            "imported {} exception(s) from {}{range}{skipped}{todos}",
            imported.written.len(),
            given_name(csv_path),
        ),
    })
}

/// How the file `import` was given is named in what it tells: `-` is the standard input.
fn given_name(csv_path: &Path) -> std::borrow::Cow<'_, str> {
    match csv_path.to_str() {
        Some("-") => "<stdin>".into(),
        _ => csv_path.to_string_lossy(),
    }
}

/// Imports the tracker CSV at `csv_path` into the handbook at `root`: one exception per row
/// that is not in the register yet, with the ids that follow the existing ones. Nothing is
/// written when any row has an error.
pub fn import(root: &Path, csv_path: &Path) -> Result<Imported, Error> {
    let config = new::load_config(root)?;
    let today = new::today(&config)?;
    let name = given_name(csv_path);
    let max_bytes = config.limits.max_file_bytes();
    let text = crate::load::disk::read_given(csv_path, &name, max_bytes)
        .and_then(|bytes| tracker::decode(&name, bytes))
        .map_err(|d| {
            if d.file.is_some() {
                // Text that is not UTF-8 is an error of the file, shown at its place.
                Error::Invalid(vec![d])
            } else if let Some(hint) = &d.hint {
                Error::Usage(format!("{}\n  help: {hint}", d.message))
            } else {
                Error::Usage(d.message)
            }
        })?;
    let file = SourceFile::new(name, text);
    let _turn = new::take_turn(root)?;
    let mut diags = Vec::new();
    let people = crate::load::records::load_people(&Disk::new(root), max_bytes, &mut diags);
    let known = Known::load(root, max_bytes, &mut diags);
    let converted = convert(&file, &people, &known, today, |n| {
        new::next_ids(root, RecordKind::Exception, n)
    });
    let converted = match converted {
        Ok(c) if diags.is_empty() => c,
        Ok(_) => return Err(Error::Invalid(diags)),
        Err(Error::Invalid(more)) => {
            diags.extend(more);
            diagnostics::sort(&mut diags);
            return Err(Error::Invalid(diags));
        }
        Err(other) => return Err(other),
    };

    let mut written = Vec::new();
    for (rel, text) in &converted.files {
        let written_new = new::write_new(root, rel, text).and_then(|new| match new {
            true => Ok(()),
            false => Err(Error::Usage(format!(
                "{} already exists; not replacing it",
                root.join(rel).display()
            ))),
        });
        if let Err(err) = written_new {
            // All or nothing: take back the records already written.
            for done in &written {
                let _ = fs::remove_file(root.join(done));
            }
            return Err(err);
        }
        written.push(rel.clone());
    }
    Ok(Imported {
        written,
        notes: converted.notes,
        skipped: converted.skipped,
        todos: converted.todos,
        warnings: converted.warnings,
    })
}

/// The records a tracker file holds, without touching the disk.
#[derive(Debug)]
pub struct Converted {
    /// For each row imported, its path (`data/exceptions/<id>.yaml`, with the ids that
    /// `next_ids` gives for that many rows) and YAML text.
    pub files: Vec<(String, String)>,
    /// The assumptions made and the rows skipped, as [`Imported::notes`].
    pub notes: Vec<String>,
    /// As [`Imported::skipped`].
    pub skipped: usize,
    /// As [`Imported::todos`].
    pub todos: usize,
    /// As [`Imported::warnings`].
    pub warnings: Vec<Diagnostic>,
}

/// Reads the tracker text of `file` into records; see [`Converted`]. A row whose ticket or
/// title is in `known`, or in a row above it, is skipped. `today` is the `created` date of
/// a row with no decision date.
pub fn convert(
    file: &Arc<SourceFile>,
    people: &People,
    known: &Known,
    today: Date,
    next_ids: impl FnOnce(usize) -> Vec<String>,
) -> Result<Converted, Error> {
    let table = read_rows(file).map_err(Error::Invalid)?;
    let rows = table.rows;
    let mut diags = table.broken;
    let mut parsed = Vec::new();
    for row in &rows {
        match parse_row(file, &table.columns, row) {
            Ok(p) => parsed.push(p),
            Err(mut d) => diags.append(&mut d),
        }
    }
    if !diags.is_empty() {
        diagnostics::sort(&mut diags);
        return Err(Error::Invalid(diags));
    }
    let mut warnings = table.warnings;
    warnings.extend(tracker::day_first_warning(file, table.delimiter, &parsed));

    let at = |line: usize| format!("{}:{line}", file.name);
    let csv_name = Path::new(&file.name)
        .file_name()
        .map_or_else(|| file.name.clone(), |n| n.to_string_lossy().into_owned());
    let mut notes = Vec::new();
    let mut above = Known::default();
    let mut kept = Vec::new();
    for row in parsed {
        let title = if row.description.is_empty() {
            format!(
                "{TODO_TITLE}; line {} of {csv_name} has no Description",
                row.line
            )
        } else {
            row.description.clone()
        };
        let tickets = row.tickets.items.iter().map(|ticket| ("ticket", ticket));
        let found = (tickets.chain([("title", &title)]))
            .filter(|(_, value)| !value.is_empty())
            .find_map(|(what, value)| {
                known
                    .holder(what, value)
                    .map(str::to_string)
                    .or_else(|| {
                        above
                            .holder(what, value)
                            .map(|line| format!("the row at line {line}"))
                    })
                    .map(|holder| format!("skipped: its {what} `{value}` is that of {holder}"))
            });
        if let Some(skip) = found {
            notes.push((row.line, format!("{}: {skip}", at(row.line))));
            continue;
        }
        let line = row.line.to_string();
        for ticket in &row.tickets.items {
            above.add("ticket", ticket, &line);
        }
        above.add("title", &title, &line);
        kept.push((row, title));
    }
    let skipped = rows.len() - kept.len();

    let ids = next_ids(kept.len());
    let mut files = Vec::new();
    let mut unreadable = Vec::new();
    let mut todos = 0;
    for ((row, title), id) in kept.into_iter().zip(ids) {
        let mut assumed = Vec::new();
        let record = to_record(&row, title, &id, today, people, &mut assumed);
        let mut text = format!(
            "# Imported from {} by `secbook import tracker`.\n\
             # Replace every TODO marker: `secbook check` lists those left.\n",
            at(row.line)
        );
        text.push_str(&yaml::to_string(&record).map_err(Error::Usage)?);
        let rel = format!("data/exceptions/{id}.yaml");
        // What import writes must load: the loader refuses some text that YAML allows
        // (brackets nested past its limit, even in prose), and it is the one judge.
        // Its warnings (an owner's email that is not an address) `check` reports.
        let (_, diags) = crate::load::records::parse_exception(SourceFile::new(&*rel, &*text));
        if let Some(error) = diags.iter().find(|d| d.level == Level::Error) {
            let diag = Diagnostic::error(format!(
                "this row would make a record that cannot be read: {}",
                error.message
            ))
            .at(file, row.span.clone());
            unreadable.push(match &error.hint {
                Some(hint) => diag.with_hint(hint.clone()),
                None => diag,
            });
            continue;
        }
        todos += yaml::string_values(&text, crate::load::todo::is_todo).len();
        notes.extend(
            assumed
                .into_iter()
                .map(|n| (row.line, format!("{}: {id}: {n}", at(row.line)))),
        );
        files.push((rel, text));
    }
    if !unreadable.is_empty() {
        return Err(Error::Invalid(unreadable));
    }
    // In the order of the file: skips were noted before the records were made.
    notes.sort_by_key(|(line, _)| *line);
    Ok(Converted {
        files,
        notes: notes.into_iter().map(|(_, note)| note).collect(),
        skipped,
        todos,
        warnings,
    })
}

/// An exception as import writes it: strings, so a field the tracker cannot give holds a
/// TODO marker whatever its type.
#[derive(Serialize)]
struct Record {
    id: String,
    title: String,
    #[serde(rename = "type")]
    kind: &'static str,
    severity: &'static str,
    status: &'static str,
    requested_by: String,
    risk_owner: String,
    created: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    decided: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    closed: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tickets: Vec<String>,
    summary: String,
    justification: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    remediation_plan: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    approvals: Vec<ApprovalOut>,
}

#[derive(Serialize)]
struct ApprovalOut {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    role: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    side: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    level: Option<String>,
    decision: &'static str,
    date: String,
}

const TODO_TITLE: &str = "TODO: the risk and its impact, in one line";

const TODO_SUMMARY: &str = "TODO: the risk and its impact on the company, customers and employees";

const TODO_REQUESTED_BY: &str = "TODO: the name and email of who asked";

const TODO_OWNER: &str = "TODO: the name and email of the accountable leader";

const TODO_DECIDED: &str = "TODO: the decision date, YYYY-MM-DD";

const TODO_EXPIRES: &str = "TODO: the fix-by date (extension) or end of acceptance, YYYY-MM-DD";

const TODO_CLOSED: &str = "TODO: the date it was withdrawn or closed, YYYY-MM-DD";

const TODO_JUSTIFICATION: &str = "TODO: why the exception is needed";

const TODO_PLAN: &str = "TODO: the path to the fix";

const TODO_SIDE: &str = "TODO: business or security";

const TODO_LEVEL: &str = "TODO: staff, manager, director, vp or executive";

const TODO_APPROVAL_DATE: &str = "TODO: the date of the decision, YYYY-MM-DD";

/// The person a tracker cell names, as a record names one: `"Name <email>"`, a name, or an
/// email alone; with their entry in data/people.yaml (found by email, else by name), which
/// gives the email or the name the cell leaves out, each noted under `field`. An email
/// alone that people.yaml does not list is the name as well.
fn known_person<'p>(
    cell: &str,
    people: &'p People,
    field: &str,
    notes: &mut Vec<String>,
) -> (Person, Option<&'p PersonEntry>) {
    let mut person = Person::parse(cell);
    let entry = people.find(&person);
    if let Some(e) = entry {
        let name = e.name.trim();
        // An email alone is the name too (`Person::parse`), until people.yaml gives one.
        if let Some(email) = (person.email.clone()).filter(|email| *email == person.name)
            && !name.is_empty()
        {
            notes.push(format!(
                "{field}: name of {email} taken from data/people.yaml"
            ));
            person.name = name.to_string();
        }
        if let (None, Some(email)) = (&person.email, &e.email) {
            notes.push(format!(
                "{field}: email of {} taken from data/people.yaml",
                person.name
            ));
            person.email = Some(email.clone());
        }
    }
    if person.name.is_empty() {
        person.name = cell.trim().to_string();
    }
    (person, entry)
}

/// The note for a list cell split at a separator other than `joined_by`, the tracker's
/// own: the items read, and where the cell was split.
fn split_note(
    field: &str,
    column: &str,
    list: &List,
    joined_by: Option<Separator>,
    noun: &str,
    why: &str,
) -> Option<String> {
    let other: Vec<&str> = (list.split_at.iter())
        .filter(|sep| Some(**sep) != joined_by)
        .map(|sep| sep.described())
        .collect();
    if other.is_empty() {
        return None;
    }
    let items: Vec<String> = list.items.iter().map(|i| format!("`{i}`")).collect();
    Some(format!(
        "{field}: the {column} cell read as {} {noun}, {}, split at {}, {why}",
        items.len(),
        and_list(&items),
        and_list(&other),
    ))
}

/// Notes that `field` was set to the TODO `marker`, and why.
fn todo(notes: &mut Vec<String>, field: &str, marker: &str, why: &str) -> String {
    notes.push(format!("{field} set to TODO: {why}"));
    marker.to_string()
}

/// The record for a row titled `title`, noting each assumption made, in the order of the
/// record's fields.
fn to_record(
    row: &Parsed,
    title: String,
    id: &str,
    today: Date,
    people: &People,
    notes: &mut Vec<String>,
) -> Record {
    let status_label = capitalise(row.status.as_str());
    if row.description.is_empty() {
        notes.push("title set to TODO: the Description column is empty".into());
    }
    if !row.unwritten.is_empty() {
        notes.push(format!(
            "the row ends before its cells of {}: read as empty, as spreadsheets leave out a \
             row's last empty cells",
            and_list(&row.unwritten),
        ));
    }
    for column in &row.defused {
        notes.push(format!(
            "{column}: the apostrophe that starts the cell taken off, as export writes one \
             before a value that starts like a formula"
        ));
    }
    for (column, field) in &row.folded {
        notes.push(format!(
            "{field}: the {column}'s line breaks are spaces, as it holds one line"
        ));
    }
    notes.extend(split_note(
        "tickets",
        HEADER[7],
        &row.tickets,
        None,
        "tickets",
        "where the tracker holds one ticket",
    ));
    let requested_by = todo(
        notes,
        "requested_by",
        TODO_REQUESTED_BY,
        "the tracker does not record who asked",
    );
    let risk_owner = if row.owner.is_empty() {
        todo(
            notes,
            "risk_owner",
            TODO_OWNER,
            "the Risk Owner column is empty",
        )
    } else {
        match known_person(&row.owner, people, "risk_owner", notes) {
            (owner, Some(_)) => owner.to_string(),
            (_, None) => row.owner.clone(),
        }
    };
    let created = match &row.decided {
        Some(d) => {
            notes.push(format!("created set to the decision date, {d}"));
            d.date.to_string()
        }
        None => {
            notes.push(format!(
                "created set to {today}, the as-of date a build without --as-of takes: the row has no \
                 decision date"
            ));
            today.to_string()
        }
    };
    let decided = match (&row.decided, row.status) {
        (Some(d), ExceptionStatus::Approved | ExceptionStatus::Denied) => Some(d.date.to_string()),
        (None, ExceptionStatus::Approved | ExceptionStatus::Denied) => Some(todo(
            notes,
            "decided",
            TODO_DECIDED,
            &format!("the status is {status_label} but the row has no decision date"),
        )),
        // The approvers' approvals hold a withdrawn or closed row's date (SPEC 10); with
        // none, `decided` keeps it, and export writes it back.
        (Some(d), ExceptionStatus::Withdrawn | ExceptionStatus::Closed)
            if row.approvers.items.is_empty() =>
        {
            notes.push(format!(
                "decided set to the decision date, {d}: the row names no approver whose \
                 approval would hold it"
            ));
            Some(d.date.to_string())
        }
        _ => None,
    };
    let expires = (row.status == ExceptionStatus::Approved).then(|| {
        todo(
            notes,
            "expires",
            TODO_EXPIRES,
            "the tracker does not record when an approved exception ends",
        )
    });
    let closed = matches!(
        row.status,
        ExceptionStatus::Withdrawn | ExceptionStatus::Closed
    )
    .then(|| {
        todo(
            notes,
            "closed",
            TODO_CLOSED,
            &format!("the status is {status_label} and the tracker does not record since when"),
        )
    });
    let summary = todo(
        notes,
        "summary",
        TODO_SUMMARY,
        "the tracker holds only the one-line Description",
    );
    let justification = if row.notes.is_empty() {
        todo(
            notes,
            "justification",
            TODO_JUSTIFICATION,
            "the Notes column is empty",
        )
    } else {
        crate::load::markdown::escape_text(&row.notes)
    };
    let remediation_plan = (row.kind == ExceptionType::Extension).then(|| {
        todo(
            notes,
            "remediation_plan",
            TODO_PLAN,
            "an extension needs one and the tracker does not record it",
        )
    });
    let decision = approver_decision(row.status, row.decided.is_some());
    let why = match (row.status, &row.decided) {
        (ExceptionStatus::Withdrawn | ExceptionStatus::Closed, Some(_)) => {
            format!("the status is {status_label} and the row has a decision date")
        }
        (ExceptionStatus::Withdrawn | ExceptionStatus::Closed, None) => {
            format!("the status is {status_label} and the row has no decision date")
        }
        _ => format!("the status is {status_label}"),
    };
    let mut approvals = Vec::new();
    notes.extend(split_note(
        "approvals",
        HEADER[6],
        &row.approvers,
        Some(Separator::And),
        "names",
        "where the tracker joins names with \"and\"",
    ));
    let mut approvers = Met::default();
    for name in &row.approvers.items {
        let mut found = Vec::new();
        let (person, entry) = known_person(name, people, "approvals", &mut found);
        // One person named twice in the cell, by name and by address, approved once.
        if let Some(first) = approvers.meet(&person) {
            notes.push(format!(
                "approvals: {name} is {first} named again: one approval"
            ));
            continue;
        }
        let date = match &row.decided {
            Some(d) => {
                notes.push(format!(
                    "approval by {name} recorded as {} on {}, as {why}, with role `{APPROVER_ROLE}`",
                    decision.as_str(),
                    d.date
                ));
                d.date.to_string()
            }
            None => {
                notes.push(format!(
                    "approval by {name} recorded as {}, as {why}, with role `{APPROVER_ROLE}`",
                    decision.as_str()
                ));
                todo(
                    notes,
                    &format!("approval date of {name}"),
                    TODO_APPROVAL_DATE,
                    "the row has no decision date",
                )
            }
        };
        notes.append(&mut found);
        let side = entry.and_then(|e| e.side);
        let level = entry.and_then(|e| e.level);
        let missing: Vec<&str> = [("side", side.is_none()), ("level", level.is_none())]
            .into_iter()
            .filter_map(|(field, missing)| missing.then_some(field))
            .collect();
        if missing.is_empty() {
            notes.push(format!(
                "approval by {name}: side and level left to data/people.yaml"
            ));
        } else {
            let why = match entry {
                Some(_) => format!("data/people.yaml does not give it for {name}"),
                None => format!("data/people.yaml does not list {name}"),
            };
            notes.push(format!(
                "approval by {name}: {} set to TODO: {why}",
                missing.join(" and ")
            ));
        }
        approvals.push(ApprovalOut {
            name: person.name,
            email: person.email,
            role: APPROVER_ROLE,
            side: side.is_none().then(|| TODO_SIDE.to_string()),
            level: level.is_none().then(|| TODO_LEVEL.to_string()),
            decision: decision.as_str(),
            date,
        });
    }
    Record {
        id: id.to_string(),
        title,
        kind: row.kind.as_str(),
        severity: row.severity.as_str(),
        status: row.status.as_str(),
        requested_by,
        risk_owner,
        created,
        decided,
        expires,
        closed,
        tickets: row.tickets.items.clone(),
        summary,
        justification,
        remediation_plan,
        approvals,
    }
}
