//! The exception tracker CSV (SPEC 10): the register exported to the spreadsheet a program
//! may have kept before secbook, and that spreadsheet imported as records.
//!
//! The common form of the file puts a space after each comma, quotes values that hold a
//! comma, writes dates M/D/YYYY and joins approvers with " and ":
//!
//! ```text
//! Priority, Status, Decision date, Type of request, Description, Risk Owner, Risk Approvers, Exception Link, Notes
//! High, Approved, 1/20/2025, Risk extension, Unpatched ERP servers expose finance data, Helen Brooks, Martin Feld and Elena Petrova, SEC-1012, "Patching waits for the vendor's certified release, due in March."
//! ```
//!
//! Description is the title, Notes the justification: export writes the justification's
//! first paragraph as plain text, and import writes the Notes as Markdown that reads as the
//! same text. The approvers' decision follows the status ([`approver_decision`]), so export
//! lists the approvers who made that decision. An export imported into an empty handbook
//! and exported again gives the same file, byte for byte. A value that a spreadsheet would
//! run as a formula is written after an apostrophe, which import takes off again.
//!
//! Import writes a TODO marker where the tracker has no value (`check` reports each as a
//! warning, so the handbook builds), and skips a row whose ticket or title is in the
//! register already, so importing a file twice adds nothing.

use std::collections::HashMap;
use std::fs;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::cli::scaffold::{self, RecordKind};
use crate::derive::handbook::Handbook;
use crate::diagnostics::{self, Diagnostic, Error, SourceFile};
use crate::load::yaml;
use crate::model::date::Date;
use crate::model::exception::Exception;
use crate::model::person::{People, Person};
use crate::model::vocab::{Decision, ExceptionStatus, ExceptionType, Severity};
use crate::render::OutputFile;

/// The tracker's columns, in order.
pub const HEADER: [&str; 9] = [
    "Priority",
    "Status",
    "Decision date",
    "Type of request",
    "Description",
    "Risk Owner",
    "Risk Approvers",
    "Exception Link",
    "Notes",
];

/// Where the build writes the tracker.
pub const EXPORT_PATH: &str = "exports/exceptions.csv";

const STATUSES: [ExceptionStatus; 5] = [
    ExceptionStatus::Pending,
    ExceptionStatus::Approved,
    ExceptionStatus::Denied,
    ExceptionStatus::Withdrawn,
    ExceptionStatus::Closed,
];

const EXTENSION: &str = "Risk extension";
const ACCEPTANCE: &str = "Accept risk without fix";
/// The role an imported approval is given: the tracker has no column for it.
const APPROVER_ROLE: &str = "Risk approver";

// ---------------------------------------------------------------------------------------
// Export

/// exports/exceptions.csv: the exception tracker CSV (SPEC 10), in id order.
pub fn render_tracker(handbook: &Handbook) -> Vec<OutputFile> {
    let csv = export(handbook.records.exceptions.iter().map(|e| &e.record));
    vec![OutputFile::bytes(EXPORT_PATH, csv.into_bytes())]
}

/// The tracker CSV of `exceptions`, in the order given, header first.
pub fn export<'a>(exceptions: impl IntoIterator<Item = &'a Exception>) -> String {
    let mut out = line(&HEADER.map(String::from));
    for e in exceptions {
        out.push_str(&line(&row(e)));
    }
    out
}

fn row(e: &Exception) -> [String; 9] {
    let decided = decision_date(e);
    let decision = approver_decision(e.status, decided.is_some());
    let mut seen = std::collections::HashSet::new();
    let approvers: Vec<&str> = e
        .approvals
        .iter()
        .filter(|a| a.decision == decision)
        .map(|a| a.name.trim())
        .filter(|name| seen.insert(*name))
        .collect();
    [
        capitalise(e.severity.as_str()),
        capitalise(e.status.as_str()),
        decided.map(us_date).unwrap_or_default(),
        match e.kind {
            ExceptionType::Extension => EXTENSION,
            ExceptionType::Acceptance => ACCEPTANCE,
        }
        .to_string(),
        one_line(&e.title),
        e.risk_owner.name.trim().to_string(),
        approvers.join(" and "),
        e.tickets
            .first()
            .map(|t| t.trim().to_string())
            .unwrap_or_default(),
        crate::load::markdown::first_block_text(&e.justification),
    ]
}

/// The decision the tracker's approvers made, by the row's status and whether it has a
/// decision date (SPEC 10). Import gives it to each approver of a row; export lists the
/// approvers who made it.
fn approver_decision(status: ExceptionStatus, dated: bool) -> Decision {
    match status {
        ExceptionStatus::Approved => Decision::Approved,
        ExceptionStatus::Denied => Decision::Rejected,
        ExceptionStatus::Pending => Decision::Pending,
        ExceptionStatus::Withdrawn | ExceptionStatus::Closed if dated => Decision::Approved,
        ExceptionStatus::Withdrawn | ExceptionStatus::Closed => Decision::Pending,
    }
}

/// The Decision date of an exception: `decided` when approved or denied; for a withdrawn or
/// closed one, the day its approvers approved it, which is what import makes of that
/// column; none for a pending one.
fn decision_date(e: &Exception) -> Option<Date> {
    match e.status {
        ExceptionStatus::Approved | ExceptionStatus::Denied => e.decided,
        ExceptionStatus::Pending => None,
        ExceptionStatus::Withdrawn | ExceptionStatus::Closed => e
            .approvals
            .iter()
            .filter(|a| a.decision == Decision::Approved)
            .filter_map(|a| a.date)
            .max(),
    }
}

/// One line of the file: fields quoted where CSV needs it, joined with ", ". A TODO marker
/// is a value nobody knows yet, as an empty cell is in the tracker: it is written as one.
fn line(fields: &[String]) -> String {
    let mut out = fields
        .iter()
        .map(|f| {
            if crate::load::todo::is_todo(f) {
                String::new()
            } else {
                quote(f)
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    out.push('\n');
    out
}

/// A field as CSV writes it: defused against formulas, then quoted when it holds a comma,
/// a quote or a line break.
fn quote(field: &str) -> String {
    if field.is_empty() {
        return String::new();
    }
    let defused;
    let field = if starts_formula(field) {
        defused = format!("'{field}");
        defused.as_str()
    } else {
        field
    };
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let written = writer
        .write_record([field])
        .ok()
        .and_then(|()| writer.into_inner().ok())
        .and_then(|bytes| String::from_utf8(bytes).ok());
    match written {
        Some(text) => text.strip_suffix('\n').unwrap_or(&text).to_string(),
        None => format!("\"{}\"", field.replace('"', "\"\"")),
    }
}

/// The characters that make a spreadsheet read a cell as a formula (OWASP, "CSV
/// Injection"): a title such as `=HYPERLINK(...)` would otherwise run when the export is
/// opened.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether export puts an apostrophe before `field`, which spreadsheets show as text. Values
/// that already start with apostrophes before a formula character get one more, so that
/// [`undo_defuse`] can take exactly one off and an export imported again keeps every byte.
fn starts_formula(field: &str) -> bool {
    field.trim_start_matches('\'').starts_with(FORMULA_STARTS)
}

/// A cell as it was before export defused it.
fn undo_defuse(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if starts_formula(rest) => rest,
        _ => cell,
    }
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn us_date(date: Date) -> String {
    format!("{}/{}/{}", date.0.month(), date.0.day(), date.0.year())
}

/// A text on one line, its runs of blanks made single spaces.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ---------------------------------------------------------------------------------------
// Import

/// What an import wrote, and what it had to assume.
#[derive(Debug)]
pub struct Imported {
    /// Paths of the records written, relative to the handbook, in row order.
    pub written: Vec<String>,
    /// One line per assumption and per row skipped, each at its row:
    /// `tracker.csv:3: EXC-025: created set to the decision date 1/15/2026`.
    pub notes: Vec<String>,
    /// How many rows were skipped as already in the register.
    pub skipped: usize,
    /// How many TODO markers the records hold.
    pub todos: usize,
}

/// Imports the tracker CSV at `csv_path` into the handbook at `root`: one exception per row
/// that is not in the register yet, with the ids that follow the existing ones. Nothing is
/// written when any row has an error.
pub fn import(root: &Path, csv_path: &Path) -> Result<Imported, Error> {
    let today = scaffold::today(root)?;
    let name = csv_path.to_string_lossy();
    let text = crate::load::source::read_text(csv_path, &name, crate::load::source::MAX_FILE_BYTES)
        .map_err(|d| Error::Usage(d.message))?;
    let file = SourceFile::new(name, text);
    let mut diags = Vec::new();
    let people =
        crate::load::records::load_people(root, crate::load::source::MAX_FILE_BYTES, &mut diags);
    let known = Known::load(root, &mut diags);
    let converted = convert(&file, &people, &known, today, |n| {
        scaffold::next_ids(root, RecordKind::Exception, n)
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
        if let Err(err) = scaffold::write_new(root, rel, text) {
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
}

/// The titles and tickets of the register, by which a row imported before is known.
#[derive(Debug, Default)]
pub struct Known {
    /// `title:` or `ticket:` and the value as [`key`] writes it, to what holds it.
    holders: HashMap<String, String>,
}

impl Known {
    /// The titles and tickets of the exceptions in `root`'s data/exceptions/, even of
    /// those that do not load: a record with an error is still in the register. A file
    /// that cannot be read is reported in `diags`.
    pub fn load(root: &Path, diags: &mut Vec<Diagnostic>) -> Known {
        let mut known = Known::default();
        let folder = root.join("data/exceptions");
        let mut names: Vec<String> = match fs::read_dir(&folder) {
            Ok(entries) => entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".yaml"))
                .collect(),
            Err(_) => Vec::new(),
        };
        names.sort();
        for name in names {
            let rel = format!("data/exceptions/{name}");
            match crate::load::source::read(root, &rel, crate::load::source::MAX_FILE_BYTES) {
                Ok(file) => known.add_record(&file.text, name.trim_end_matches(".yaml")),
                Err(d) => diags.push(d),
            }
        }
        known
    }

    /// Adds the title and tickets of the record with YAML `text`, held by `id`.
    pub fn add_record(&mut self, text: &str, id: &str) {
        for found in yaml::string_values(text, |_| true) {
            if found.path == "title" {
                self.add("title", &found.value, id);
            } else if found.path.starts_with("tickets[") {
                self.add("ticket", &found.value, id);
            }
        }
    }

    fn add(&mut self, what: &str, value: &str, holder: &str) {
        let key = key(value);
        if !key.is_empty() {
            self.holders
                .entry(format!("{what}:{key}"))
                .or_insert_with(|| holder.to_string());
        }
    }

    /// What already holds `value` as its `what` (`title` or `ticket`).
    fn holder(&self, what: &str, value: &str) -> Option<&str> {
        self.holders
            .get(&format!("{what}:{}", key(value)))
            .map(String::as_str)
    }
}

/// A title or ticket as rows and records are matched: letter case and runs of blanks do
/// not count.
fn key(value: &str) -> String {
    value
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
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
    let rows = read_rows(file).map_err(Error::Invalid)?;
    let mut diags = Vec::new();
    let mut parsed = Vec::new();
    for row in &rows {
        match parse_row(file, row) {
            Ok(p) => parsed.push(p),
            Err(mut d) => diags.append(&mut d),
        }
    }
    if !diags.is_empty() {
        diagnostics::sort(&mut diags);
        return Err(Error::Invalid(diags));
    }

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
        let found = [("ticket", &row.link), ("title", &title)]
            .into_iter()
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
        above.add("ticket", &row.link, &line);
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
        let (_, errors) = crate::load::records::parse_exception(SourceFile::new(&*rel, &*text));
        if let Some(error) = errors.first() {
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
    })
}

/// A record of the file: its cells with their places.
struct Row {
    /// Line of the file where the record starts.
    line: usize,
    cells: Vec<(String, Range<usize>)>,
    span: Range<usize>,
}

/// The rows below the header, after checking the header.
fn read_rows(file: &Arc<SourceFile>) -> Result<Vec<Row>, Vec<Diagnostic>> {
    let scanned = scan(&file.text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(scanned.normalised.as_bytes());
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| {
            vec![Diagnostic::error(format!(
                "cannot read {} as CSV: {e}",
                file.name
            ))]
        })?;
        let spans = scanned.records.get(i).cloned().unwrap_or_default();
        let span = match (spans.first(), spans.last()) {
            (Some(first), Some(last)) => first.start..last.end,
            _ => 0..0,
        };
        let cells = record
            .iter()
            .enumerate()
            .map(|(j, value)| {
                let at = spans.get(j).cloned().unwrap_or(span.clone());
                (undo_defuse(value).replace("\r\n", "\n"), at)
            })
            .collect();
        rows.push(Row {
            line: file.line_col(span.start).0,
            cells,
            span,
        });
    }
    let header_hint = format!("the first line is the header: {}", HEADER.join(", "));
    let Some(header) = rows.first() else {
        return Err(vec![
            Diagnostic::error(format!("{} is empty", file.name))
                .at(file, 0..0)
                .with_hint(header_hint),
        ]);
    };
    let mismatch = header
        .cells
        .iter()
        .zip(HEADER)
        .enumerate()
        .find(|(_, ((got, _), want))| got != want);
    if let Some((i, ((got, at), want))) = mismatch {
        return Err(vec![
            Diagnostic::error(format!(
                "the header does not match the tracker's: column {} is `{got}`, not `{want}`",
                i + 1
            ))
            .at(file, at.clone())
            .with_hint(header_hint),
        ]);
    }
    if header.cells.len() != HEADER.len() {
        return Err(vec![
            Diagnostic::error(format!(
                "the header has {} columns; the tracker has {}",
                header.cells.len(),
                HEADER.len()
            ))
            .at(file, header.span.clone())
            .with_hint(header_hint),
        ]);
    }
    rows.remove(0);
    Ok(rows)
}

/// The file as the csv crate can read it, and where each field of each record is.
struct Scanned {
    /// The text without the blanks that start a field. The common form puts a space after
    /// each comma, and a quote after a space does not start a quoted field for a CSV reader:
    /// `a, "b, c"` would be read as three fields.
    normalised: String,
    /// For each record the csv crate reads, the span of each field in the original text.
    records: Vec<Vec<Range<usize>>>,
}

/// Splits the text into records and fields by the rules of the csv crate's reader (a quote
/// starts a quoted field only as its first character, `""` is a quote inside one, `\r`,
/// `\n` and `\r\n` end a record, empty records are skipped), after dropping the blanks that
/// start each field.
fn scan(text: &str) -> Scanned {
    let bytes = text.as_bytes();
    let mut i = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut normalised = String::with_capacity(text.len());
    let mut records = Vec::new();
    let mut fields: Vec<Range<usize>> = Vec::new();
    loop {
        while matches!(bytes.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        let start = i;
        if bytes.get(i) == Some(&b'"') {
            i += 1;
            loop {
                match bytes.get(i) {
                    None => break,
                    Some(b'"') if bytes.get(i + 1) == Some(&b'"') => i += 2,
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(_) => i += 1,
                }
            }
        }
        while !matches!(bytes.get(i), None | Some(b',' | b'\n' | b'\r')) {
            i += 1;
        }
        normalised.push_str(&text[start..i]);
        fields.push(start..start + text[start..i].trim_end().len());
        match bytes.get(i) {
            Some(b',') => {
                normalised.push(',');
                i += 1;
            }
            end => {
                let blank = fields.len() == 1 && fields[0].is_empty();
                let done = std::mem::take(&mut fields);
                if !blank {
                    records.push(done);
                }
                match end {
                    None => break,
                    Some(b'\r') if bytes.get(i + 1) == Some(&b'\n') => {
                        normalised.push_str("\r\n");
                        i += 2;
                    }
                    Some(&b) => {
                        normalised.push(char::from(b));
                        i += 1;
                    }
                }
            }
        }
    }
    Scanned {
        normalised,
        records,
    }
}

/// A row's values, checked.
struct Parsed {
    line: usize,
    span: Range<usize>,
    severity: Severity,
    status: ExceptionStatus,
    /// The date, and the date as the row writes it.
    decided: Option<(Date, String)>,
    kind: ExceptionType,
    description: String,
    owner: String,
    approvers: Vec<String>,
    link: String,
    notes: String,
}

fn parse_row(file: &Arc<SourceFile>, row: &Row) -> Result<Parsed, Vec<Diagnostic>> {
    if row.cells.len() != HEADER.len() {
        return Err(vec![
            Diagnostic::error(format!(
                "this row has {} columns; the tracker has {}",
                row.cells.len(),
                HEADER.len()
            ))
            .at(file, row.span.clone())
            .with_hint("quote a value that holds a comma: \"Servers, databases\""),
        ]);
    }
    let mut diags = Vec::new();
    for (value, at) in &row.cells {
        if let Some((_, c)) = yaml::refused_in_text(value) {
            diags.push(
                Diagnostic::error(format!(
                    "control character U+{:04X} is not allowed in a record",
                    u32::from(c)
                ))
                .at(file, at.clone())
                .with_hint("remove it from the cell: records hold no control characters but tab and newline"),
            );
        }
    }
    let cell = |i: usize| (row.cells[i].0.as_str(), row.cells[i].1.clone());
    let mut choose = |i: usize, column: &str, choices: &[&str]| -> Option<usize> {
        let (value, at) = cell(i);
        let found = choices.iter().position(|c| c.eq_ignore_ascii_case(value));
        if found.is_none() {
            let message = if value.is_empty() {
                format!("the {column} is empty")
            } else {
                format!("unknown {column} `{value}`")
            };
            let expected: Vec<String> = choices.iter().map(|c| format!("`{c}`")).collect();
            diags.push(
                Diagnostic::error(message)
                    .at(file, at)
                    .with_hint(format!("expected one of {}", expected.join(", "))),
            );
        }
        found
    };
    let severity_names: Vec<String> = Severity::ALL
        .iter()
        .map(|s| capitalise(s.as_str()))
        .collect();
    let status_names: Vec<String> = STATUSES.iter().map(|s| capitalise(s.as_str())).collect();
    let severity = choose(0, "priority", &as_strs(&severity_names)).map(|i| Severity::ALL[i]);
    let status = choose(1, "status", &as_strs(&status_names)).map(|i| STATUSES[i]);
    let kind = choose(3, "type of request", &[EXTENSION, ACCEPTANCE])
        .map(|i| [ExceptionType::Extension, ExceptionType::Acceptance][i]);
    let (date_text, date_at) = cell(2);
    let decided = if date_text.is_empty() {
        None
    } else {
        match parse_us_date(date_text) {
            Some(d) => Some((d, date_text.to_string())),
            None => {
                diags.push(
                    Diagnostic::error(format!("invalid decision date `{date_text}`"))
                        .at(file, date_at)
                        .with_hint("write a real date as M/D/YYYY, such as 1/15/2026"),
                );
                None
            }
        }
    };
    match (severity, status, kind) {
        (Some(severity), Some(status), Some(kind)) if diags.is_empty() => Ok(Parsed {
            line: row.line,
            span: row.span.clone(),
            severity,
            status,
            decided,
            kind,
            description: cell(4).0.to_string(),
            owner: cell(5).0.to_string(),
            approvers: cell(6)
                .0
                .split(" and ")
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(String::from)
                .collect(),
            link: cell(7).0.to_string(),
            notes: cell(8).0.to_string(),
        }),
        _ => Err(diags),
    }
}

fn as_strs(names: &[String]) -> Vec<&str> {
    names.iter().map(String::as_str).collect()
}

/// `M/D/YYYY`, month and day with or without a leading zero.
fn parse_us_date(text: &str) -> Option<Date> {
    let mut parts = text.split('/');
    let (m, d, y) = (parts.next()?, parts.next()?, parts.next()?);
    let digits =
        |s: &str, lens: &[usize]| lens.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    if parts.next().is_some() || !digits(m, &[1, 2]) || !digits(d, &[1, 2]) || !digits(y, &[4]) {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).map(Date)
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
        let person = Person::parse(&row.owner);
        match people.find(&person).and_then(|e| e.email.clone()) {
            Some(email) if person.email.is_none() => {
                notes.push(format!(
                    "risk_owner: email of {} taken from data/people.yaml",
                    person.name
                ));
                Person {
                    name: person.name,
                    email: Some(email),
                }
                .to_string()
            }
            _ => row.owner.clone(),
        }
    };
    let created = match &row.decided {
        Some((d, raw)) => {
            notes.push(format!("created set to the decision date {raw}"));
            d.to_string()
        }
        None => {
            notes.push(format!(
                "created set to {today}, the day of the import: the row has no decision date"
            ));
            today.to_string()
        }
    };
    let decided = match (&row.decided, row.status) {
        (Some((d, _)), ExceptionStatus::Approved | ExceptionStatus::Denied) => Some(d.to_string()),
        (None, ExceptionStatus::Approved | ExceptionStatus::Denied) => Some(todo(
            notes,
            "decided",
            TODO_DECIDED,
            &format!("the status is {status_label} but the row has no decision date"),
        )),
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
    for name in &row.approvers {
        let date = match &row.decided {
            Some((d, raw)) => {
                notes.push(format!(
                    "approval by {name} recorded as {} on {raw}, as {why}, with role `{APPROVER_ROLE}`",
                    decision.as_str()
                ));
                d.to_string()
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
        let entry = people.find(&Person::parse(name));
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
            name: name.clone(),
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
        tickets: if row.link.is_empty() {
            Vec::new()
        } else {
            vec![row.link.clone()]
        },
        summary,
        justification,
        remediation_plan,
        approvals,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_reads_the_common_form() {
        let text = "a, \"b, c\" , d\n\n  \r\n\"x\"\"y\", \"multi\nline\"\r\nlast";
        let s = scan(text);
        let fields: Vec<Vec<&str>> = s
            .records
            .iter()
            .map(|r| r.iter().map(|f| &text[f.clone()]).collect())
            .collect();
        assert_eq!(
            fields,
            vec![
                vec!["a", "\"b, c\"", "d"],
                vec!["\"x\"\"y\"", "\"multi\nline\""],
                vec!["last"],
            ]
        );
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(s.normalised.as_bytes());
        let values: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect();
        assert_eq!(
            values,
            vec![
                vec!["a", "b, c", "d"],
                vec!["x\"y", "multi\nline"],
                vec!["last"]
            ]
        );
    }

    #[test]
    fn dates_are_month_first() {
        assert_eq!(parse_us_date("1/5/2026"), Date::parse("2026-01-05"));
        assert_eq!(parse_us_date("12/31/2025"), Date::parse("2025-12-31"));
        assert_eq!(parse_us_date("02/03/2026"), Date::parse("2026-02-03"));
        assert_eq!(parse_us_date("13/1/2026"), None);
        assert_eq!(parse_us_date("2/30/2026"), None);
        assert_eq!(parse_us_date("2026-01-05"), None);
        assert_eq!(parse_us_date("1/5/26"), None);
        assert_eq!(us_date(Date::parse("2026-01-05").unwrap()), "1/5/2026");
    }

    #[test]
    fn fields_are_quoted_only_when_needed() {
        assert_eq!(quote("plain text"), "plain text");
        assert_eq!(quote("a, b"), "\"a, b\"");
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(quote(""), "");
    }

    /// The approvers column names each approver once, in order, at a cost in the number of
    /// approvals: looking for each among those before it took minutes for a large record.
    #[test]
    fn approvers_are_named_once_in_time() {
        let text = "id: EXC-1\ntitle: t\ntype: acceptance\nseverity: low\nstatus: approved\n\
                    requested_by: A\nrisk_owner: B\ncreated: 2026-01-01\ndecided: 2026-01-02\n\
                    expires: 2026-02-01\nsummary: s\njustification: j\napprovals:\n\
                    - {name: Ann, role: r, decision: approved, date: 2026-01-02}\n";
        let file = SourceFile::new("data/exceptions/EXC-1.yaml", text);
        let (Some(mut loaded), _) = crate::load::records::parse_exception(file) else {
            panic!("the record loads");
        };
        let first = loaded.record.approvals[0].clone();
        loaded.record.approvals = (0..200_000)
            .map(|i| crate::model::exception::Approval {
                name: format!("Approver {}", i % 100_000),
                ..first.clone()
            })
            .collect();
        let (send, receive) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = send.send(row(&loaded.record)[6].clone());
        });
        let approvers = receive
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("the row is made in time");
        assert_eq!(approvers.matches(" and ").count(), 99_999);
        assert!(approvers.starts_with("Approver 0 and Approver 1 and"));
    }

    #[test]
    fn formulas_are_defused_and_restored_exactly() {
        for (value, written) in [
            ("=1+1", "'=1+1"),
            ("+SEC-1", "'+SEC-1"),
            ("-x", "'-x"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("'=x", "''=x"),
            ("''@x", "'''@x"),
            ("'quoted'", "'quoted'"),
            ("'", "'"),
            ("a=b", "a=b"),
        ] {
            assert_eq!(quote(value), written, "{value}");
            assert_eq!(undo_defuse(written), value, "{written}");
        }
        assert_eq!(quote("=a, b"), "\"'=a, b\"");
    }

    /// Description is the title; Notes the justification's first paragraph as plain text;
    /// Risk Approvers those who made the decision the status stands for.
    #[test]
    fn a_row_holds_the_title_and_the_plain_justification() {
        let text = "id: EXC-1\ntitle: \" One  risk\"\ntype: acceptance\nseverity: low\n\
                    status: denied\nrequested_by: A\nrisk_owner: B\ncreated: 2026-01-01\n\
                    decided: 2026-01-02\nsummary: s\n\
                    justification: \"\\nNot *now*, see [the plan](x.md)\\n&amp; `later`.\\n\\nMore.\"\n\
                    approvals:\n\
                    - {name: Ann, role: r, decision: rejected, date: 2026-01-02}\n\
                    - {name: Bob, role: r, decision: approved, date: 2026-01-02}\n";
        let file = SourceFile::new("data/exceptions/EXC-1.yaml", text);
        let (Some(loaded), errors) = crate::load::records::parse_exception(file) else {
            panic!("the record loads");
        };
        assert!(errors.is_empty(), "{errors:?}");
        let row = row(&loaded.record);
        assert_eq!(row[4], "One risk");
        assert_eq!(row[6], "Ann");
        assert_eq!(row[8], "Not now, see the plan & later.");
    }
}
