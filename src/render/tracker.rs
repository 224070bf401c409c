//! exports/exceptions.csv: the register as the exception tracker CSV (SPEC 10), the
//! spreadsheet a program may have kept before secbook. load/tracker.rs reads the format and
//! `secbook import tracker` (cli/import.rs) turns it into records.
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
//! and exported again gives the same file, byte for byte, but for an approver's name or a
//! ticket that holds what the import splits a list at (`Feld, Martin`), which `export
//! tracker` tells ([`split_on_import`]). A value that a spreadsheet would
//! run as a formula is written after an apostrophe, which import takes off again.

use chrono::Datelike;
use rayon::prelude::*;

use crate::derive::handbook::Handbook;
use crate::diagnostics::Diagnostic;
use crate::load::records::Shared;
use crate::load::tracker::{
    ACCEPTANCE, EXTENSION, HEADER, Known, approver_decision, capitalise, list, starts_formula,
};
use crate::load::yaml::Seg;
use crate::model::date::Date;
use crate::model::exception::Exception;
use crate::model::vocab::{Decision, ExceptionStatus, ExceptionType};
use crate::render::api::Parts;
use crate::render::{OutputFile, Pieces};

/// Where the build writes the tracker.
pub const EXPORT_PATH: &str = crate::model::site_files::TRACKER_CSV;

/// exports/exceptions.csv: the exception tracker CSV (SPEC 10), in id order, each
/// exception's line a piece kept in `lines`.
pub fn render_tracker(handbook: &Handbook, lines: &Pieces) -> Vec<OutputFile> {
    let exceptions = &handbook.records.exceptions;
    let made: Vec<_> = exceptions
        .par_iter()
        .map(|e| lines.get(&e.source, (), || line(&row(&e.record)).into_bytes()))
        .collect();
    let mut csv = Parts::default();
    csv.made(line(&HEADER.map(String::from)).into_bytes())
        .pieces(&made);
    vec![OutputFile {
        path: EXPORT_PATH.into(),
        body: csv.body(),
    }]
}

/// The tracker CSV of `exceptions`, in the order given, header first.
pub fn export<'a>(exceptions: impl IntoIterator<Item = &'a Exception>) -> String {
    let mut out = line(&HEADER.map(String::from));
    for e in exceptions {
        out.push_str(&line(&row(e)));
    }
    out
}

/// What an import of the export would read otherwise than the records say, each at its
/// value: an approver's name or a ticket that holds what a list cell is split at (the
/// comma of `Feld, Martin`, a ticket's `?a=1,2`), which the import reads as two.
pub fn split_on_import(exceptions: &[Shared<Exception>]) -> Vec<Diagnostic> {
    let mut told = Vec::new();
    for loaded in exceptions {
        let e = &loaded.record;
        let mut tell = |what: &str, value: &str, path: &[Seg]| {
            let split = list(value);
            if split.items.len() > 1 {
                let at: Vec<&str> = split.split_at.iter().map(|s| s.described()).collect();
                let message = format!(
                    "{}: the tracker CSV writes {what} `{}`, which an import reads as {} \
                     values, split at {}",
                    e.id,
                    value.trim(),
                    split.items.len(),
                    at.join(" and ")
                );
                told.push(Diagnostic::warning(message).at(&loaded.source, loaded.span(path)));
            }
        };
        for (i, name) in approvers(e) {
            let path = [Seg::Key("approvals"), Seg::Index(i), Seg::Key("name")];
            tell("the approver", name, &path);
        }
        if let Some(ticket) = e.tickets.first() {
            tell("the ticket", ticket, &[Seg::Key("tickets"), Seg::Index(0)]);
        }
    }
    told
}

/// The exceptions an import of the export would skip, each at its title or ticket: a row
/// whose title or ticket is an earlier row's is taken for the same exception (SPEC 10),
/// as a request denied and then filed again would be.
pub fn skipped_on_import(exceptions: &[Shared<Exception>]) -> Vec<Diagnostic> {
    let mut above = Known::default();
    let mut told = Vec::new();
    for loaded in exceptions {
        let e = &loaded.record;
        let title = one_line(&e.title);
        let ticket = e.tickets.first().map(|t| t.trim());
        let fields = [
            (
                "ticket",
                ticket,
                [Seg::Key("tickets"), Seg::Index(0)].as_slice(),
            ),
            (
                "title",
                Some(title.as_str()),
                [Seg::Key("title")].as_slice(),
            ),
        ];
        let same = fields.iter().find_map(|&(what, value, path)| {
            let value = value?;
            Some((what, value, path, above.holder(what, value)?.to_string()))
        });
        if let Some((what, value, path, holder)) = same {
            let message = format!(
                "{}: an import of the tracker CSV skips this exception: its {what} `{value}` \
                 is that of {holder}",
                e.id
            );
            told.push(
                Diagnostic::warning(message)
                    .at(&loaded.source, loaded.span(path))
                    .with_hint(format!("give it a {what} of its own")),
            );
        }
        if let Some(ticket) = ticket {
            above.add("ticket", ticket, &e.id);
        }
        above.add("title", &title, &e.id);
    }
    told
}

/// The approvers the export lists, each with its place among the approvals: those who
/// made the decision the status stands for, each name once.
fn approvers(e: &Exception) -> Vec<(usize, &str)> {
    let decision = approver_decision(e.status, decision_date(e).is_some());
    let mut seen = std::collections::HashSet::new();
    (e.approvals.iter().enumerate())
        .filter(|(_, a)| a.decision == decision)
        .map(|(i, a)| (i, a.name.trim()))
        .filter(|(_, name)| seen.insert(*name))
        .collect()
}

fn row(e: &Exception) -> [String; 9] {
    let decided = decision_date(e);
    let approvers: Vec<&str> = approvers(e).into_iter().map(|(_, name)| name).collect();
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

/// The Decision date of an exception: `decided`; for a withdrawn or closed one without it,
/// the day its approvers approved it, which is what import makes of that column (it sets
/// `decided` for approved and denied rows only); none for a pending one.
fn decision_date(e: &Exception) -> Option<Date> {
    match e.status {
        ExceptionStatus::Approved | ExceptionStatus::Denied => e.decided,
        ExceptionStatus::Pending => None,
        ExceptionStatus::Withdrawn | ExceptionStatus::Closed => e.decided.or_else(|| {
            (e.approvals.iter())
                .filter(|a| a.decision == Decision::Approved)
                .filter_map(|a| a.date)
                .max()
        }),
    }
}

/// One line of the file: fields quoted where CSV needs it, in the tracker's common form, a
/// space after each comma. A quoted field holds its space inside the quotes (`," a, b"`),
/// since RFC 4180 readers, spreadsheets among them, take a quote for the start of a quoted
/// field only right after the comma: `, "a, b"` would be split at its comma. A TODO marker
/// is a value nobody knows yet, as an empty cell is in the tracker: it is written as one.
fn line(fields: &[String]) -> String {
    let mut out = String::new();
    for (i, f) in fields.iter().enumerate() {
        let field = match crate::load::todo::is_todo(f) {
            true => String::new(),
            false => quote(f),
        };
        if i > 0 {
            out.push(',');
            match field.strip_prefix('"') {
                Some(quoted) => {
                    out.push_str("\" ");
                    out.push_str(quoted);
                    continue;
                }
                None => out.push(' '),
            }
        }
        out.push_str(&field);
    }
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
    // A buffer the size of the field quoted: the writer's default fills 8 KB with zeros,
    // for each field of each exception.
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .buffer_capacity(field.len() * 2 + 3)
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

fn us_date(date: Date) -> String {
    format!("{}/{}/{}", date.0.month(), date.0.day(), date.0.year())
}

/// A text on one line, its runs of blanks made single spaces.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::SourceFile;
    use crate::load::tracker::undo_defuse;

    #[test]
    fn dates_are_month_first() {
        assert_eq!(us_date(Date::parse("2026-01-05").unwrap()), "1/5/2026");
    }

    /// Every line splits into its nine fields by RFC 4180's rules, as a spreadsheet splits
    /// it, however its fields are quoted: a quote opens a field only right after a comma.
    #[test]
    fn a_quoted_field_opens_right_after_its_comma() {
        let fields: Vec<String> = ["High", "a, b", "", "say \"hi\"", "=1", "TODO"]
            .map(String::from)
            .into();
        let written = line(&fields);
        assert_eq!(written, "High,\" a, b\", ,\" say \"\"hi\"\"\", '=1, \n");
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(written.as_bytes());
        let read: Vec<String> = reader
            .records()
            .next()
            .unwrap()
            .unwrap()
            .iter()
            .map(str::to_string)
            .collect();
        assert_eq!(read, ["High", " a, b", " ", " say \"hi\"", " '=1", " "]);
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

    /// A closed or withdrawn exception's Decision date is its `decided`, and the day its
    /// approvers approved it only when that is not written, as import reads the column back.
    #[test]
    fn a_closed_exception_is_dated_by_its_decision() {
        let exception = |decided: &str| {
            let text = format!(
                "id: EXC-1\ntitle: t\ntype: acceptance\nseverity: low\nstatus: closed\n\
                 requested_by: A\nrisk_owner: B\ncreated: 2026-01-01\n{decided}\
                 closed: 2026-03-01\nsummary: s\njustification: j\napprovals:\n\
                 - {{name: Ann, role: r, decision: approved, date: 2026-01-05}}\n\
                 - {{name: Bob, role: r, decision: approved, date: 2026-01-07}}\n"
            );
            let file = SourceFile::new("data/exceptions/EXC-1.yaml", text);
            let (Some(loaded), errors) = crate::load::records::parse_exception(file) else {
                panic!("the record loads");
            };
            assert!(errors.is_empty(), "{errors:?}");
            row(&loaded.record)
        };
        let decided = exception("decided: 2026-01-10\n");
        assert_eq!(
            (decided[2].as_str(), decided[6].as_str()),
            ("1/10/2026", "Ann and Bob")
        );
        let undecided = exception("");
        assert_eq!(undecided[2], "1/7/2026");
    }
}
