//! Reading the exception tracker CSV (SPEC 10), the spreadsheet a program may have kept
//! before secbook: its columns and words, its rows checked at their line, and the formula
//! guard that export writes and import takes off again. `secbook import tracker`
//! (cli/import.rs) turns the rows into records; render/tracker.rs writes the same format.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, LazyLock};

use chrono::{Datelike, NaiveDate};

use crate::diagnostics::{Diagnostic, SourceFile, closest};
use crate::load::disk::Disk;
use crate::load::{records, source, yaml};
use crate::model::date::Date;
use crate::model::text;
use crate::model::vocab::{Decision, ExceptionStatus, ExceptionType, Severity};

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

pub(crate) const STATUSES: [ExceptionStatus; 5] = [
    ExceptionStatus::Pending,
    ExceptionStatus::Approved,
    ExceptionStatus::Denied,
    ExceptionStatus::Withdrawn,
    ExceptionStatus::Closed,
];

pub(crate) const EXTENSION: &str = "Risk extension";

pub(crate) const ACCEPTANCE: &str = "Accept risk without fix";

/// The decision the tracker's approvers made, by the row's status and whether it has a
/// decision date (SPEC 10). Import gives it to each approver of a row; export lists the
/// approvers who made it.
pub(crate) fn approver_decision(status: ExceptionStatus, dated: bool) -> Decision {
    match status {
        ExceptionStatus::Approved => Decision::Approved,
        ExceptionStatus::Denied => Decision::Rejected,
        ExceptionStatus::Pending => Decision::Pending,
        ExceptionStatus::Withdrawn | ExceptionStatus::Closed if dated => Decision::Approved,
        ExceptionStatus::Withdrawn | ExceptionStatus::Closed => Decision::Pending,
    }
}

/// The characters that make a spreadsheet read a cell as a formula (OWASP, "CSV
/// Injection"): a title such as `=HYPERLINK(...)` would otherwise run when the export is
/// opened.
pub(crate) const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether export puts an apostrophe before `field`, which spreadsheets show as text. Values
/// that already start with apostrophes before a formula character get one more, so that
/// [`undo_defuse`] can take exactly one off and an export imported again keeps every byte.
pub(crate) fn starts_formula(field: &str) -> bool {
    field.trim_start_matches('\'').starts_with(FORMULA_STARTS)
}

/// A cell as it was before export defused it.
pub(crate) fn undo_defuse(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if starts_formula(rest) => rest,
        _ => cell,
    }
}

/// A record of the file: its cells, as written, with their places.
pub(crate) struct Row {
    /// Line of the file where the record starts.
    pub(crate) line: usize,
    pub(crate) cells: Vec<(String, Range<usize>)>,
    pub(crate) span: Range<usize>,
}

/// The text of a tracker file as spreadsheets save it: UTF-8, with or without a byte
/// order mark, or UTF-16 with one (Excel's "Unicode Text").
pub(crate) fn decode(name: &str, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    // A workbook (`.xlsx`, `.ods` and `.numbers` are ZIP files, `.xls` an OLE2 one), not
    // the CSV a spreadsheet saves from it: no conversion of its bytes as text would do.
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(source::cannot_read(
            name,
            "it is a spreadsheet's workbook (.xlsx, .xls or .ods), not CSV text",
        )
        .with_hint(
            "open it in the spreadsheet and save it as CSV (in Excel: Save As, then \
             \"CSV UTF-8 (Comma delimited)\")",
        ));
    }
    let unit: fn([u8; 2]) -> u16 = match bytes.get(..2) {
        Some([0xFF, 0xFE]) => u16::from_le_bytes,
        Some([0xFE, 0xFF]) => u16::from_be_bytes,
        _ => {
            return source::decode(name, bytes).map_err(|d| {
                d.with_hint(
                    "save the file as UTF-8 (in Excel: Save As, then \"CSV UTF-8 (Comma delimited)\"), \
                     or convert it as it is read: `iconv -f WINDOWS-1252 -t UTF-8 FILE | secbook \
                     import tracker -`",
                )
            });
        }
    };
    let units = (bytes[2..].chunks_exact(2))
        .map(|pair| unit([pair[0], pair[1]]))
        .collect();
    let units = text::lone_returns_as_line_feeds(units, 0x0D, 0x0A);
    let mut text = String::with_capacity(bytes.len() / 2);
    for c in char::decode_utf16(units) {
        match c {
            Ok(c) => text.push(c),
            Err(_) => return Err(bad_utf16(name, text, "a lone surrogate")),
        }
    }
    if bytes.len() % 2 == 1 {
        return Err(bad_utf16(name, text, "the file ends inside a character"));
    }
    Ok(text)
}

/// An error after `good`, the text before the first unit that is not UTF-16.
fn bad_utf16(name: &str, mut good: String, why: &str) -> Diagnostic {
    let at = good.len();
    good.push(char::REPLACEMENT_CHARACTER);
    let shown = SourceFile::new(name, good);
    Diagnostic::error(format!("cannot read {name}: it is not UTF-16 text ({why})"))
        .at(&shown, at..shown.text.len())
        .with_hint("save the file as UTF-8")
}

/// The character between the header's columns, and where the header starts: a comma,
/// else the `;` that spreadsheets write where the decimal separator is a comma, or the tab
/// of Excel's "Unicode Text". A first line `sep=;`, which Excel reads and some tools write
/// for it, names it; else whichever splits the first line into the most of the tracker's
/// column names tells, in whatever order the file has them.
fn delimiter(text: &str) -> (u8, usize) {
    let first = text.trim_start_matches(['\u{feff}', ' ', '\r', '\n']);
    let line = first.split(['\r', '\n']).next().unwrap_or_default();
    if let Some(named) = (line.get(..4))
        .filter(|sep| sep.eq_ignore_ascii_case("sep="))
        .and_then(|_| line[4..].trim_end().as_bytes().first())
        .filter(|b| matches!(b, b',' | b';' | b'\t' | b'|'))
    {
        let end = text.len() - first.len() + line.len();
        return (*named, end);
    }
    let names = |d: char| {
        (line.split(d))
            .filter(|cell| {
                let cell = cell.trim_matches([' ', '"']);
                column_of(cell).is_some()
            })
            .count()
    };
    let mut best = b',';
    for other in [b';', b'\t'] {
        if names(char::from(other)) > names(char::from(best)) {
            best = other;
        }
    }
    (best, 0)
}

/// The tracker's rows of a file, and where its header has the tracker's columns.
pub(crate) struct Table {
    /// The character between the cells ([`delimiter`]).
    pub(crate) delimiter: u8,
    pub(crate) columns: Columns,
    pub(crate) rows: Vec<Row>,
    /// What the header holds that import leaves out.
    pub(crate) warnings: Vec<Diagnostic>,
    /// The errors of the rows that cannot be read, which `rows` leaves out.
    pub(crate) broken: Vec<Diagnostic>,
}

/// Where the file has each of the tracker's columns.
pub(crate) struct Columns {
    /// For each column of [`HEADER`], its place among the file's.
    at: [usize; HEADER.len()],
    /// How many columns the header names.
    width: usize,
}

/// The rows below the header, after checking the header.
pub(crate) fn read_rows(file: &Arc<SourceFile>) -> Result<Table, Vec<Diagnostic>> {
    let (delimiter, from) = delimiter(&file.text);
    let scanned = scan(&file.text, delimiter, from);
    // A row whose quoted value is not closed where it ends cannot be read, and the value
    // takes in the rows after it up to the quote that closes it: those are left out, and
    // the others read and checked, so that every error of the file is told at once.
    let mut broken = Vec::new();
    if let Some(at) = scanned.unclosed {
        broken.push((
            at,
            Diagnostic::error("this quote opens a value that no quote closes: it runs to the end of the file")
                .at(file, at..at + 1)
                .with_hint("close the value with `\"`; a quote inside a quoted value is written twice (`\"\"`)"),
        ));
    }
    broken.extend(scanned.followed.iter().map(|&(open, close)| {
        let (line, column) = file.line_col(close);
        let diag = Diagnostic::error(format!(
            "this quote opens a value that the quote at line {line}, column {column} \
             closes, and text follows that quote"
        ))
        .at(file, open..open + 1)
        .with_hint(
            "close the value with `\"` where it ends; a quote inside a quoted value is \
             written twice (`\"\"`)",
        );
        (open, diag)
    }));
    let is_broken = |spans: &[Range<usize>]| {
        (spans.iter()).any(|field| broken.iter().any(|(open, _)| *open == field.start))
    };
    // Without the header no row can be read.
    if scanned
        .records
        .first()
        .is_some_and(|header| is_broken(header))
    {
        return Err(broken.into_iter().map(|(_, diag)| diag).collect());
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
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
        if is_broken(&spans) {
            continue;
        }
        let span = match (spans.first(), spans.last()) {
            (Some(first), Some(last)) => first.start..last.end,
            _ => 0..0,
        };
        let cells = record
            .iter()
            .enumerate()
            .map(|(j, value)| {
                let at = spans.get(j).cloned().unwrap_or(span.clone());
                (value.replace("\r\n", "\n"), at)
            })
            .collect();
        rows.push(Row {
            line: file.line_col(span.start).0,
            cells,
            span,
        });
    }
    let Some(header) = rows.first() else {
        return Err(vec![
            Diagnostic::error(format!("{} is empty", file.name))
                .at(file, 0..0)
                .with_hint(header_hint()),
        ]);
    };
    let (columns, warnings) = read_header(file, header)?;
    rows.remove(0);
    // A spreadsheet saves the empty cells of its used range: columns after the header's,
    // and rows, with nothing in them.
    for row in &mut rows {
        while row.cells.len() > columns.width && row.cells.last().is_some_and(|c| c.0.is_empty()) {
            row.cells.pop();
        }
    }
    rows.retain(|row| row.cells.iter().any(|(value, _)| !value.is_empty()));
    Ok(Table {
        delimiter,
        columns,
        rows,
        warnings,
        broken: broken.into_iter().map(|(_, diag)| diag).collect(),
    })
}

/// The names of the header's own columns, each once with how many columns bear it (a
/// tracker's export repeats `Comment` for each comment), the first eight and a count of
/// the rest: a tool's export may have a hundred.
fn own_names(own: &[(&str, Range<usize>)]) -> String {
    const SHOWN: usize = 8;
    let mut names: Vec<(&str, usize)> = Vec::new();
    let mut at: HashMap<&str, usize> = HashMap::new();
    for (name, _) in own {
        match at.get(name) {
            Some(&i) => names[i].1 += 1,
            None => {
                at.insert(name, names.len());
                names.push((name, 1));
            }
        }
    }
    let mut shown: Vec<String> = (names.iter().take(SHOWN))
        .map(|(name, count)| match count {
            1 => format!("`{name}`"),
            n => format!("`{name}` ({n} columns)"),
        })
        .collect();
    if names.len() > SHOWN {
        shown.push(format!("{} more", names.len() - SHOWN));
    }
    and_list(&shown)
}

/// The hint for a header that is not the tracker's.
fn header_hint() -> String {
    format!("the first line is the header: {}", HEADER.join(", "))
}

/// Where the header has each of the tracker's columns, by their names: a spreadsheet kept
/// by hand may order them otherwise, and add columns of its own, which import leaves
/// unread and warns of.
fn read_header(
    file: &Arc<SourceFile>,
    header: &Row,
) -> Result<(Columns, Vec<Diagnostic>), Vec<Diagnostic>> {
    let width = (header.cells.iter())
        .rposition(|(name, _)| !name.is_empty())
        .map_or(0, |last| last + 1);
    let mut at = [None; HEADER.len()];
    let mut own = Vec::new();
    let mut errors = Vec::new();
    for (j, (name, span)) in header.cells[..width].iter().enumerate() {
        match column_of(name) {
            Some(i) if at[i].is_some() => errors.push(
                Diagnostic::error(format!("the header has the column `{}` twice", HEADER[i]))
                    .at(file, span.clone())
                    .with_hint("import would not know which to read: rename or delete one"),
            ),
            Some(i) => at[i] = Some(j),
            None if name.is_empty() => {}
            None => own.push((name.as_str(), span.clone())),
        }
    }
    let quoted = |names: &[&str]| {
        and_list(
            &names
                .iter()
                .map(|name| format!("`{name}`"))
                .collect::<Vec<_>>(),
        )
    };
    let mut missing: Vec<&str> = (HEADER.iter().zip(at))
        .filter(|(_, found)| found.is_none())
        .map(|(name, _)| *name)
        .collect();
    // A column named close to one the header lacks is that one misspelled, told at its
    // name; the first thousand are looked at, as a header of more is no tracker's.
    let mut misspelled = Vec::new();
    for (i, (name, span)) in own.iter().enumerate().take(1000) {
        if let Some(meant) = closest(name, missing.iter().copied()) {
            errors.push(
                Diagnostic::error(format!("the header's column `{name}` is not the tracker's"))
                    .at(file, span.clone())
                    .with_hint(format!("did you mean `{meant}`?")),
            );
            missing.retain(|m| *m != meant);
            misspelled.push(i);
        }
    }
    for i in misspelled.into_iter().rev() {
        own.remove(i);
    }
    let own_names = own_names(&own);
    if !missing.is_empty() {
        let (place, hint) = match own.first() {
            // The column named otherwise is most likely one of those missing.
            Some((_, span)) => (
                span.clone(),
                format!(
                    "{own_names} {} not the tracker's; {}",
                    if own.len() == 1 { "is" } else { "are" },
                    header_hint()
                ),
            ),
            None => (header.span.clone(), header_hint()),
        };
        errors.push(
            Diagnostic::error(format!(
                "the header lacks the tracker's {} {}",
                if missing.len() == 1 {
                    "column"
                } else {
                    "columns"
                },
                quoted(&missing)
            ))
            .at(file, place)
            .with_hint(hint),
        );
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let warnings = own.first().map(|(_, span)| {
        Diagnostic::warning(format!(
            "import does not read the header's {} {own_names}: {} not the tracker's",
            if own.len() == 1 { "column" } else { "columns" },
            if own.len() == 1 { "it is" } else { "they are" },
        ))
        .at(file, span.clone())
        .with_hint(
            "the records import writes leave them out; copy what they hold into the records \
             by hand, or delete the columns to silence this",
        )
    });
    Ok((
        Columns {
            at: at.map(|found| found.unwrap_or_default()),
            width,
        },
        warnings.into_iter().collect(),
    ))
}

/// `a`, `a and b`, `a, b and c`.
pub(crate) fn and_list(items: &[impl AsRef<str>]) -> String {
    match items {
        [] => String::new(),
        [only] => only.as_ref().to_string(),
        [rest @ .., last] => {
            let rest: Vec<&str> = rest.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", rest.join(", "), last.as_ref())
        }
    }
}

/// Which of the tracker's columns a column's name in the file is, as a reader would see
/// it: whatever the letter case and the spaces between its words, or none (`RiskOwner`).
fn column_of(got: &str) -> Option<usize> {
    static NAMES: LazyLock<[String; HEADER.len()]> = LazyLock::new(|| HEADER.map(letters));
    fn letters(name: &str) -> String {
        name.split_whitespace().collect::<String>().to_lowercase()
    }
    let got = letters(got);
    NAMES.iter().position(|name| *name == got)
}

/// The file as the csv crate can read it, and where each field of each record is.
pub(crate) struct Scanned {
    /// The text without the blanks that start a field. The common form puts a space after
    /// each comma, and a quote after a space does not start a quoted field for a CSV reader:
    /// `a, "b, c"` would be read as three fields.
    pub(crate) normalised: String,
    /// For each record the csv crate reads, the span of each field in the original text.
    pub(crate) records: Vec<Vec<Range<usize>>>,
    /// Where a quoted field opens that no quote closes: it runs to the end of the file.
    pub(crate) unclosed: Option<usize>,
    /// Where a quoted field opens and closes whose closing quote text follows, which a
    /// spreadsheet never writes: most often a value whose quote is missing, closed by the
    /// first quote of a later row, which the field has taken in.
    pub(crate) followed: Vec<(usize, usize)>,
}

/// Splits the text into records and fields by the rules of the csv crate's reader (a quote
/// starts a quoted field only as its first character, `""` is a quote inside one, `\r`,
/// `\n` and `\r\n` end a record, empty records are skipped), after dropping the blanks that
/// start each field; fields end at `delimiter`.
pub(crate) fn scan(text: &str, delimiter: u8, from: usize) -> Scanned {
    let bytes = text.as_bytes();
    let mut i = if text.starts_with('\u{feff}') {
        from.max(3)
    } else {
        from
    };
    let mut normalised = String::with_capacity(text.len());
    let mut records = Vec::new();
    let mut fields: Vec<Range<usize>> = Vec::new();
    let mut unclosed = None;
    let mut followed = Vec::new();
    let blank = |b: &u8| *b == b' ' || (*b == b'\t' && delimiter != b'\t');
    loop {
        while bytes.get(i).is_some_and(blank) {
            i += 1;
        }
        let start = i;
        if bytes.get(i) == Some(&b'"') {
            i += 1;
            loop {
                match bytes.get(i) {
                    None => {
                        unclosed = Some(start);
                        break;
                    }
                    Some(b'"') if bytes.get(i + 1) == Some(&b'"') => i += 2,
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(_) => i += 1,
                }
            }
            let next = bytes[i..].iter().find(|b| !blank(b));
            if next.is_some_and(|&b| b != delimiter && b != b'\r' && b != b'\n') {
                followed.push((start, i - 1));
            }
        }
        while bytes
            .get(i)
            .is_some_and(|&b| b != delimiter && b != b'\n' && b != b'\r')
        {
            i += 1;
        }
        normalised.push_str(&text[start..i]);
        fields.push(start..start + text[start..i].trim_end().len());
        match bytes.get(i) {
            Some(&b) if b == delimiter => {
                normalised.push(char::from(b));
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
        unclosed,
        followed,
    }
}

/// A row's values, checked.
pub(crate) struct Parsed {
    pub(crate) line: usize,
    pub(crate) span: Range<usize>,
    pub(crate) severity: Severity,
    pub(crate) status: ExceptionStatus,
    pub(crate) decided: Option<DecisionDate>,
    pub(crate) kind: ExceptionType,
    pub(crate) description: String,
    pub(crate) owner: String,
    pub(crate) approvers: List,
    pub(crate) tickets: List,
    pub(crate) notes: String,
    /// The columns of one line whose cell held a line break (see [`one_line`]), each with
    /// the record field it fills.
    pub(crate) folded: Vec<(&'static str, &'static str)>,
    /// The columns after the row's last cell, read as empty: spreadsheets leave out a
    /// row's empty last cells.
    pub(crate) unwritten: Vec<&'static str>,
    /// The columns whose cell started with the apostrophe export writes before a value a
    /// spreadsheet would run as a formula, taken off by [`undo_defuse`].
    pub(crate) defused: Vec<&'static str>,
}

/// The columns whose cells hold one line (a title, a name), by their place, with the
/// record field each fills.
const ONE_LINE: [(usize, &str); 2] = [(4, "title"), (5, "risk_owner")];

/// A cell of a column of one line, its line breaks (a spreadsheet's Alt+Enter) made
/// spaces, and whether it had any.
fn one_line(text: &str) -> (String, bool) {
    if !text.contains('\n') {
        return (text.to_string(), false);
    }
    let parts = text.lines().map(str::trim).filter(|part| !part.is_empty());
    (parts.collect::<Vec<_>>().join(" "), true)
}

/// What a list cell's items are told apart by: the tracker joins approvers with " and ";
/// spreadsheets hold lists typed in the other ways too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Separator {
    And,
    /// A comma, with or without an "and" after it.
    Comma,
    Ampersand,
    Semicolon,
    LineBreak,
}

impl Separator {
    /// The separator as a note names the ones a cell holds: "split at its commas".
    pub(crate) fn described(self) -> &'static str {
        match self {
            Separator::And => "its \"and\"",
            Separator::Comma => "its commas",
            Separator::Ampersand => "its `&`",
            Separator::Semicolon => "its semicolons",
            Separator::LineBreak => "its line breaks",
        }
    }
}

/// The items of a list cell (approvers, tickets), and what they were told apart by.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct List {
    /// Each item, its words one space apart.
    pub(crate) items: Vec<String>,
    /// The separators found between two items; one with nothing on a side separates none.
    pub(crate) split_at: BTreeSet<Separator>,
}

/// A cell read as a list: items split at the word "and", `&`, commas, semicolons and line
/// breaks.
pub(crate) fn list(cell: &str) -> List {
    enum Token<'a> {
        Word(&'a str),
        Sep(Separator),
    }
    /// A part of a line up to a comma or semicolon, and which.
    fn separated(part: &str) -> (&str, Option<Separator>) {
        match (part.strip_suffix(','), part.strip_suffix(';')) {
            (Some(text), _) => (text, Some(Separator::Comma)),
            (_, Some(text)) => (text, Some(Separator::Semicolon)),
            _ => (part, None),
        }
    }
    let tokens = cell.split('\n').enumerate().flat_map(|(n, line)| {
        let broken = (n > 0).then_some(Token::Sep(Separator::LineBreak));
        broken
            .into_iter()
            .chain(line.split_whitespace().flat_map(|chunk| {
                // A web address keeps the commas and semicolons in it (`?id=1,tab=2`): only
                // one at its end separates.
                let parts: Vec<&str> = match chunk.contains("://") {
                    true => vec![chunk],
                    false => chunk.split_inclusive([',', ';']).collect(),
                };
                parts.into_iter().flat_map(|part| {
                    let (text, after) = separated(part);
                    let word = match text {
                        "" => None,
                        "and" => Some(Token::Sep(Separator::And)),
                        "&" => Some(Token::Sep(Separator::Ampersand)),
                        word => Some(Token::Word(word)),
                    };
                    word.into_iter().chain(after.map(Token::Sep))
                })
            }))
    });
    let mut list = List::default();
    let mut words: Vec<&str> = Vec::new();
    let mut between = BTreeSet::new();
    for token in tokens {
        match token {
            Token::Word(word) => {
                if words.is_empty() && !list.items.is_empty() {
                    list.split_at.append(&mut between);
                }
                between.clear();
                words.push(word);
            }
            Token::Sep(sep) => {
                if !words.is_empty() {
                    list.items.push(words.join(" "));
                    words.clear();
                }
                between.insert(sep);
            }
        }
    }
    if !words.is_empty() {
        list.items.push(words.join(" "));
    }
    list
}

pub(crate) fn parse_row(
    file: &Arc<SourceFile>,
    columns: &Columns,
    row: &Row,
) -> Result<Parsed, Vec<Diagnostic>> {
    if row.cells.len() > columns.width {
        return Err(vec![
            Diagnostic::error(format!(
                "this row has {} columns; the header has {}",
                row.cells.len(),
                columns.width
            ))
            .at(file, row.span.clone())
            .with_hint("quote a value that holds a comma: \"Servers, databases\""),
        ]);
    }
    let end = row.span.end;
    let written = |i: usize| row.cells.get(columns.at[i]);
    let mut diags = Vec::new();
    for (value, at) in (0..HEADER.len()).filter_map(written) {
        if let Some((_, c)) = yaml::refused_in_text(value) {
            diags.push(
                Diagnostic::error(format!(
                    "{} is not allowed in a record",
                    yaml::refused_name(c)
                ))
                .at(file, at.clone())
                .with_hint("remove it from the cell: records hold no control characters but tab and newline, and no noncharacters"),
            );
        }
    }
    let cell = |i: usize| {
        written(i).map_or(("", end..end), |(value, at)| {
            (undo_defuse(value), at.clone())
        })
    };
    let defused = (0..HEADER.len())
        .filter(|&i| written(i).is_some_and(|(value, _)| undo_defuse(value) != value))
        .map(|i| HEADER[i])
        .collect();
    let unwritten = (0..HEADER.len())
        .filter(|&i| written(i).is_none())
        .map(|i| HEADER[i])
        .collect();
    let mut choose = |i: usize, column: &str, choices: &[&str]| -> Option<usize> {
        let (value, at) = cell(i);
        let found = choices.iter().position(|c| c.eq_ignore_ascii_case(value));
        if found.is_none() {
            let message = if value.is_empty() {
                format!("the {column} is empty")
            } else {
                format!("unknown {column} `{value}`")
            };
            let hint = match crate::diagnostics::closest(value, choices.iter().copied()) {
                Some(best) => format!("did you mean `{best}`?"),
                None => {
                    let expected: Vec<String> = choices.iter().map(|c| format!("`{c}`")).collect();
                    format!("expected one of {}", expected.join(", "))
                }
            };
            diags.push(Diagnostic::error(message).at(file, at).with_hint(hint));
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
        match parse_tracker_date(date_text) {
            Some((date, form)) => Some(DecisionDate {
                date,
                written: date_text.to_string(),
                form,
                at: date_at,
            }),
            None => {
                let serial = date_text.len() == 5 && date_text.bytes().all(|b| b.is_ascii_digit());
                // A day written first (`15/01/2026`), as spreadsheets save dates where they
                // are written so: the file's other dates are too, and a day of 12 or less
                // reads as another day month first, so the cell alone is not to be mended.
                let day_first = date_text.split_once('/').and_then(|(day, rest)| {
                    let (month, year) = rest.split_once('/')?;
                    parse_tracker_date(&format!("{month}/{day}/{year}"))
                });
                let hint = match (serial, day_first) {
                    (true, _) => "this is a spreadsheet's number for a day: format the column \
                                  as a date, M/D/YYYY, and save the file again"
                        .to_string(),
                    (false, Some((date, _))) => format!(
                        "this reads as {date} day first, as spreadsheets save dates where \
                         they are written so; the file's other dates are then day first too: \
                         format the Decision date column as YYYY-MM-DD, save and import again"
                    ),
                    (false, None) => "write a real date as M/D/YYYY, such as 1/15/2026, or as \
                                      YYYY-MM-DD"
                        .to_string(),
                };
                diags.push(
                    Diagnostic::error(format!("invalid decision date `{date_text}`"))
                        .at(file, date_at)
                        .with_hint(hint),
                );
                None
            }
        }
    };
    let [description, owner] = ONE_LINE.map(|(i, _)| one_line(cell(i).0));
    let folded = (ONE_LINE.iter().zip([&description, &owner]))
        .filter(|(_, (_, folded))| *folded)
        .map(|((i, field), _)| (HEADER[*i], *field))
        .collect();
    match (severity, status, kind) {
        (Some(severity), Some(status), Some(kind)) if diags.is_empty() => Ok(Parsed {
            line: row.line,
            span: row.span.clone(),
            severity,
            status,
            decided,
            kind,
            description: description.0,
            owner: owner.0,
            approvers: list(cell(6).0),
            tickets: list(cell(7).0),
            notes: cell(8).0.to_string(),
            folded,
            unwritten,
            defused,
        }),
        _ => Err(diags),
    }
}

pub(crate) fn as_strs(names: &[String]) -> Vec<&str> {
    names.iter().map(String::as_str).collect()
}

/// A row's Decision date: the day, and how the row writes it.
pub(crate) struct DecisionDate {
    pub(crate) date: Date,
    written: String,
    form: DateForm,
    /// Where the cell is.
    at: Range<usize>,
}

/// The forms a Decision date is read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateForm {
    /// The tracker's `M/D/YYYY`.
    MonthFirst,
    /// `M/D/YY`, as LibreOffice saves the tracker's dates: the year as spreadsheets read
    /// two digits, 00 to 29 in this century and 30 to 99 in the last.
    MonthFirstShortYear,
    /// The records' `YYYY-MM-DD`.
    Iso,
}

impl DecisionDate {
    /// Whether the date would be another day read day first, as spreadsheets in most of
    /// the world write it: its day and month are both 12 or less, and not the same.
    fn reads_either_way(&self) -> bool {
        let (month, day) = (self.date.0.month(), self.date.0.day());
        self.form != DateForm::Iso && month != day && day <= 12
    }
}

/// The day, and how it was read where the row writes it otherwise: `2026-07-03`, or
/// `07/03/2026 read as 2026-07-03 (M/D/YYYY)`.
impl fmt::Display for DecisionDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let form = match self.form {
            DateForm::MonthFirst => "M/D/YYYY".to_string(),
            DateForm::MonthFirstShortYear => {
                let year = self.date.0.year();
                format!("M/D/YY, the year {:02} as {year}", year % 100)
            }
            DateForm::Iso => "YYYY-MM-DD".to_string(),
        };
        match self.written == self.date.to_string() {
            true => write!(f, "{}", self.date),
            false => write!(f, "{} read as {} ({form})", self.written, self.date),
        }
    }
}

/// A warning at the first of `rows`' decision dates that reads either way when the file
/// is separated by semicolons (its `delimiter`): spreadsheets save it so where the decimal separator is a
/// comma, and there dates are nearly always written day first, while the tracker's, and
/// so import's, are month first.
pub(crate) fn day_first_warning(
    file: &Arc<SourceFile>,
    delimiter: u8,
    rows: &[Parsed],
) -> Option<Diagnostic> {
    if delimiter != b';' {
        return None;
    }
    let mut either = (rows.iter())
        .filter_map(|row| row.decided.as_ref())
        .filter(|d| d.reads_either_way());
    let first = either.next()?;
    let more = match either.count() {
        0 => String::new(),
        1 => "; 1 more date of the file reads either way".to_string(),
        n => format!("; {n} more dates of the file read either way"),
    };
    Some(
        Diagnostic::warning(format!(
            "{} was read as {}, month first as the tracker writes dates, but this file is \
             separated by semicolons, as spreadsheets save it where dates are written day \
             first{more}",
            first.written, first.date
        ))
        .at(file, first.at.clone())
        .with_hint(
            "look at the file's dates in the spreadsheet it came from: if they are day first, \
             delete the records this import wrote, format the Decision date column as \
             YYYY-MM-DD, save and import again",
        ),
    )
}

/// A decision date as the tracker writes it, `M/D/YYYY`, or as records do, `YYYY-MM-DD`;
/// either followed by midnight, as a spreadsheet saves a date in a cell that holds times
/// (`3/4/2026 0:00`, `2026-03-04 00:00:00`).
pub(crate) fn parse_tracker_date(text: &str) -> Option<(Date, DateForm)> {
    let day = match text.split_once(' ') {
        Some((day, time)) => {
            matches!(time.trim(), "0:00" | "00:00" | "0:00:00" | "00:00:00").then_some(day)?
        }
        None => text,
    };
    parse_us_date(day).or_else(|| Date::parse(day).map(|d| (d, DateForm::Iso)))
}

/// `M/D/YYYY`, month and day with or without a leading zero, or `M/D/YY` with the year
/// read as Excel and LibreOffice read two digits: 00 to 29 as 2000 to 2029, 30 to 99 as
/// 1930 to 1999, where this century's `12/31/99` was a decision due in 2099.
pub(crate) fn parse_us_date(text: &str) -> Option<(Date, DateForm)> {
    let mut parts = text.split('/');
    let (m, d, y) = (parts.next()?, parts.next()?, parts.next()?);
    let digits =
        |s: &str, lens: &[usize]| lens.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    if parts.next().is_some() || !digits(m, &[1, 2]) || !digits(d, &[1, 2]) || !digits(y, &[2, 4]) {
        return None;
    }
    let (year, form) = match y.parse::<i32>().ok()? {
        short if y.len() == 2 => {
            let century = if short < 30 { 2000 } else { 1900 };
            (century + short, DateForm::MonthFirstShortYear)
        }
        year => (year, DateForm::MonthFirst),
    };
    NaiveDate::from_ymd_opt(year, m.parse().ok()?, d.parse().ok()?)
        .filter(|d| crate::model::date::YEARS.contains(&d.year()))
        .map(|d| (Date(d), form))
}

pub(crate) fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The titles and tickets of the register, by which a row imported before is known.
#[derive(Debug, Default)]
pub struct Known {
    /// `title:` or `ticket:` and the value as [`key`] writes it, to what holds it.
    holders: HashMap<String, String>,
}

impl Known {
    /// The titles and tickets of the exceptions in `root`'s data/exceptions/, as the loader
    /// finds them, even of those that do not load: a record with an error is still in the
    /// register. A file that cannot be read is reported in `diags`.
    pub fn load(root: &Path, max_bytes: u64, diags: &mut Vec<Diagnostic>) -> Known {
        let mut known = Known::default();
        let disk = Disk::new(root);
        for file in records::exception_files(&disk).0 {
            let rel = file.rel;
            let name = format!("data/{rel}");
            match source::walked_text(&disk, &name, max_bytes) {
                Ok(file) => {
                    known.add_record(&file.text, records::file_id(&rel));
                }
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

    pub(crate) fn add(&mut self, what: &str, value: &str, holder: &str) {
        let key = key(value);
        if !key.is_empty() {
            self.holders
                .entry(format!("{what}:{key}"))
                .or_insert_with(|| holder.to_string());
        }
    }

    /// What already holds `value` as its `what` (`title` or `ticket`).
    pub(crate) fn holder(&self, what: &str, value: &str) -> Option<&str> {
        self.holders
            .get(&format!("{what}:{}", key(value)))
            .map(String::as_str)
    }
}

/// A title or ticket as rows and records are matched: letter case, runs of blanks and the
/// Unicode spelling of an accented letter (`é` as one character or as `e` and U+0301, as
/// macOS may save it) do not count.
fn key(value: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let words = value.split_whitespace().collect::<Vec<_>>().join(" ");
    words.nfc().collect::<String>().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_reads_the_common_form() {
        let text = "a, \"b, c\" , d\n\n  \r\n\"x\"\"y\", \"multi\nline\"\r\nlast";
        let s = scan(text, b',', 0);
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

    /// A tab between cells is a delimiter, not a blank before a cell: an empty cell stays.
    #[test]
    fn the_header_tells_the_delimiter() {
        assert_eq!(delimiter("Priority, Status"), (b',', 0));
        assert_eq!(delimiter("\u{feff}\"Priority\";\"Status\""), (b';', 0));
        assert_eq!(delimiter("\r\nPriority\tStatus"), (b'\t', 0));
        // The columns in any order, and the names of the file's own: the tracker's tell.
        assert_eq!(delimiter("Status;Severity;Priority, x"), (b';', 0));
        assert_eq!(delimiter("Notes,Status;Priority"), (b',', 0));
        assert_eq!(delimiter("Comments;Remarks"), (b',', 0));
        // Excel's line that names the delimiter, which the header follows.
        assert_eq!(delimiter("sep=;\r\nPriority;Status"), (b';', 5));
        assert_eq!(delimiter("\u{feff}SEP=,\nPriority;Status"), (b',', 8));
        let text = "a\t\t \"b\tc\"\r\nd";
        let fields: Vec<Vec<&str>> = (scan(text, b'\t', 0).records.iter())
            .map(|r| r.iter().map(|f| &text[f.clone()]).collect())
            .collect();
        assert_eq!(fields, vec![vec!["a", "", "\"b\tc\""], vec!["d"]]);
    }

    /// Lists as the tracker joins them, and as people type them in a spreadsheet; a
    /// separator with no item on one side separates none.
    #[test]
    fn a_list_is_split_where_people_split_it() {
        use Separator::*;
        let read = |cell: &str| {
            let l = list(cell);
            (l.items, l.split_at.into_iter().collect::<Vec<_>>())
        };
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            read("Ann  Lee and Bob Ray and"),
            (names(&["Ann Lee", "Bob Ray"]), vec![And])
        );
        assert_eq!(
            read("Ann Lee, Bob Ray, and Cy Doe"),
            (names(&["Ann Lee", "Bob Ray", "Cy Doe"]), vec![And, Comma])
        );
        assert_eq!(
            read("Ann Lee & Bob Ray; Cy\n Dee <dee@x.com>\n"),
            (
                names(&["Ann Lee", "Bob Ray", "Cy", "Dee <dee@x.com>"]),
                vec![Ampersand, Semicolon, LineBreak]
            )
        );
        assert_eq!(read("AT&T, "), (names(&["AT&T"]), vec![]));
        assert_eq!(read(" , and"), (names(&[]), vec![]));
        // A web address keeps its commas and semicolons.
        let link = "https://snow.example.com/nav_to.do?sys_id=1,tab=approvals;x=2";
        assert_eq!(read(link), (names(&[link]), vec![]));
        assert_eq!(
            read(&format!("{link}, SEC-1")),
            (names(&[link, "SEC-1"]), vec![Comma])
        );
    }

    #[test]
    fn dates_are_month_first() {
        let read = |text: &str| parse_us_date(text).map(|(d, form)| (d.to_string(), form));
        let day = |iso: &str, form| Some((iso.to_string(), form));
        assert_eq!(read("1/5/2026"), day("2026-01-05", DateForm::MonthFirst));
        assert_eq!(read("12/31/2025"), day("2025-12-31", DateForm::MonthFirst));
        assert_eq!(read("02/03/2026"), day("2026-02-03", DateForm::MonthFirst));
        assert_eq!(read("13/1/2026"), None);
        assert_eq!(read("2/30/2026"), None);
        assert_eq!(read("2026-01-05"), None);
        assert_eq!(
            read("1/5/26"),
            day("2026-01-05", DateForm::MonthFirstShortYear)
        );
        assert_eq!(
            read("01/20/00"),
            day("2000-01-20", DateForm::MonthFirstShortYear)
        );
        assert_eq!(read("1/5/026"), None);
    }
}
