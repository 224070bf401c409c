//! The exception tracker CSV (SPEC 10) through the built binary: a tracker of the real
//! pack's shape imported into a bare handbook with every assumption reported, built with
//! warnings only, exported back to the same rows, and imported again to no effect; bad
//! rows reported together with nothing written; and an export → import → export round trip
//! that keeps every byte.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::{self, assert_code, describe, files_below, secbook, stderr};
use tempfile::TempDir;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const HEADER: &str = "Priority, Status, Decision date, Type of request, Description, Risk Owner, Risk Approvers, Exception Link, Notes";
/// The tracker of the pack's shape: every status, a row without a decision date, a URL
/// as the link, several approvers, quoted values with commas, empty cells, and a row that
/// repeats an earlier row's ticket.
const PACK: &str = "tests/data/tracker/tracker.csv";
/// 2026-06-30, the day `init` and `import` take as today in these tests.
const EPOCH: &str = "1782777600";

fn path(dir: &Path) -> &str {
    dir.to_str().expect("a UTF-8 temporary path")
}

/// Runs the built binary as [`secbook`] does, on the day [`EPOCH`].
fn on_the_day(cwd: &Path, args: &[&str]) -> Output {
    common::command()
        .args(args)
        .current_dir(cwd)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .output()
        .expect("the secbook binary runs")
}

/// A new handbook from `init --no-examples`, at `tmp/name`.
fn bare(tmp: &TempDir, name: &str) -> PathBuf {
    assert_code(&on_the_day(tmp.path(), &["init", name, "--no-examples"]), 0);
    tmp.path().join(name)
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
        "id: EXC-007\ntitle: Deprecated analytics script\ntype: acceptance\nseverity: low\n\
         status: pending\nrequested_by: A\nrisk_owner: B\ncreated: 2026-01-01\nsummary: s\n\
         justification: j\n",
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

fn record(dir: &Path, id: &str) -> serde_yaml::Value {
    let text = fs::read_to_string(dir.join(format!("data/exceptions/{id}.yaml"))).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

/// The cells of each row below the header of a tracker file in its common form, trimmed
/// and unquoted.
fn rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for line in text.lines().skip(1) {
        let mut cells = vec![String::new()];
        let mut quoted = false;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            let cell = cells.last_mut().unwrap();
            match c {
                '"' if quoted && chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                '"' => quoted = !quoted,
                ',' if !quoted => cells.push(String::new()),
                _ => cell.push(c),
            }
        }
        rows.push(cells.iter().map(|c| c.trim().to_string()).collect());
    }
    rows
}

/// Writes `text` as the file `name` beside the handbook `hb` in `tmp`, imports it, which
/// must succeed, and returns what import told.
fn imported(tmp: &TempDir, name: &str, text: &str) -> String {
    fs::write(tmp.path().join(name), text).unwrap();
    let out = secbook(tmp.path(), &["import", "tracker", name, "hb"]);
    assert_code(&out, 0);
    stderr(&out)
}

/// `file:line:col code message` of every finding of a human report.
fn findings(report: &str) -> Vec<String> {
    let lines: Vec<&str> = report.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if let Some((code, message)) = line
            .strip_prefix("warning[")
            .and_then(|rest| rest.split_once("]: "))
        {
            let place = lines
                .get(i + 1)
                .and_then(|l| l.split_once("┌─ "))
                .map_or("", |(_, p)| p.trim());
            out.push(format!("{place} {code} {message}"));
        }
    }
    out
}

#[test]
fn a_tracker_of_the_pack_shape_imports_into_a_bare_handbook_that_builds() {
    let tmp = TempDir::new().unwrap();
    let dir = bare(&tmp, "hb");
    let out = on_the_day(Path::new(ROOT), &["import", "tracker", PACK, path(&dir)]);
    assert_code(&out, 0);
    assert_eq!(
        stderr(&out),
        format!(
            "\
{PACK}:2: EXC-001: requested_by set to TODO: the tracker does not record who asked
{PACK}:2: EXC-001: created set to the decision date, 1/15/2026 read as 2026-01-15 (M/D/YYYY)
{PACK}:2: EXC-001: expires set to TODO: the tracker does not record when an approved exception ends
{PACK}:2: EXC-001: summary set to TODO: the tracker holds only the one-line Description
{PACK}:2: EXC-001: remediation_plan set to TODO: an extension needs one and the tracker does not record it
{PACK}:2: EXC-001: approval by Martin Feld recorded as approved on 2026-01-15, as the status is Approved, with role `Risk approver`
{PACK}:2: EXC-001: approval by Martin Feld: side and level set to TODO: data/people.yaml does not list Martin Feld
{PACK}:2: EXC-001: approval by Elena Petrova recorded as approved on 2026-01-15, as the status is Approved, with role `Risk approver`
{PACK}:2: EXC-001: approval by Elena Petrova: side and level set to TODO: data/people.yaml does not list Elena Petrova
{PACK}:3: EXC-002: requested_by set to TODO: the tracker does not record who asked
{PACK}:3: EXC-002: created set to 2026-06-30, the as-of date a build without --as-of takes: the row has no decision date
{PACK}:3: EXC-002: summary set to TODO: the tracker holds only the one-line Description
{PACK}:3: EXC-002: approval by Elena Petrova recorded as pending, as the status is Pending, with role `Risk approver`
{PACK}:3: EXC-002: approval date of Elena Petrova set to TODO: the row has no decision date
{PACK}:3: EXC-002: approval by Elena Petrova: side and level set to TODO: data/people.yaml does not list Elena Petrova
{PACK}:4: EXC-003: requested_by set to TODO: the tracker does not record who asked
{PACK}:4: EXC-003: created set to the decision date, 3/2/2026 read as 2026-03-02 (M/D/YYYY)
{PACK}:4: EXC-003: summary set to TODO: the tracker holds only the one-line Description
{PACK}:4: EXC-003: remediation_plan set to TODO: an extension needs one and the tracker does not record it
{PACK}:4: EXC-003: approval by Priya Shah recorded as rejected on 2026-03-02, as the status is Denied, with role `Risk approver`
{PACK}:4: EXC-003: approval by Priya Shah: side and level set to TODO: data/people.yaml does not list Priya Shah
{PACK}:4: EXC-003: approval by Elena Petrova recorded as rejected on 2026-03-02, as the status is Denied, with role `Risk approver`
{PACK}:4: EXC-003: approval by Elena Petrova: side and level set to TODO: data/people.yaml does not list Elena Petrova
{PACK}:5: EXC-004: requested_by set to TODO: the tracker does not record who asked
{PACK}:5: EXC-004: created set to the decision date, 2/28/2026 read as 2026-02-28 (M/D/YYYY)
{PACK}:5: EXC-004: closed set to TODO: the status is Withdrawn and the tracker does not record since when
{PACK}:5: EXC-004: summary set to TODO: the tracker holds only the one-line Description
{PACK}:5: EXC-004: approval by Sam Hollis recorded as approved on 2026-02-28, as the status is Withdrawn and the row has a decision date, with role `Risk approver`
{PACK}:5: EXC-004: approval by Sam Hollis: side and level set to TODO: data/people.yaml does not list Sam Hollis
{PACK}:5: EXC-004: approval by Martin Feld recorded as approved on 2026-02-28, as the status is Withdrawn and the row has a decision date, with role `Risk approver`
{PACK}:5: EXC-004: approval by Martin Feld: side and level set to TODO: data/people.yaml does not list Martin Feld
{PACK}:6: EXC-005: requested_by set to TODO: the tracker does not record who asked
{PACK}:6: EXC-005: created set to the decision date, 11/3/2025 read as 2025-11-03 (M/D/YYYY)
{PACK}:6: EXC-005: closed set to TODO: the status is Closed and the tracker does not record since when
{PACK}:6: EXC-005: summary set to TODO: the tracker holds only the one-line Description
{PACK}:6: EXC-005: remediation_plan set to TODO: an extension needs one and the tracker does not record it
{PACK}:6: EXC-005: approval by Elena Petrova recorded as approved on 2025-11-03, as the status is Closed and the row has a decision date, with role `Risk approver`
{PACK}:6: EXC-005: approval by Elena Petrova: side and level set to TODO: data/people.yaml does not list Elena Petrova
{PACK}:7: EXC-006: requested_by set to TODO: the tracker does not record who asked
{PACK}:7: EXC-006: risk_owner set to TODO: the Risk Owner column is empty
{PACK}:7: EXC-006: created set to the decision date, 12/1/2025 read as 2025-12-01 (M/D/YYYY)
{PACK}:7: EXC-006: expires set to TODO: the tracker does not record when an approved exception ends
{PACK}:7: EXC-006: summary set to TODO: the tracker holds only the one-line Description
{PACK}:7: EXC-006: justification set to TODO: the Notes column is empty
{PACK}:7: EXC-006: approval by Helen Brooks recorded as approved on 2025-12-01, as the status is Approved, with role `Risk approver`
{PACK}:7: EXC-006: approval by Helen Brooks: side and level set to TODO: data/people.yaml does not list Helen Brooks
{PACK}:8: EXC-007: title set to TODO: the Description column is empty
{PACK}:8: EXC-007: requested_by set to TODO: the tracker does not record who asked
{PACK}:8: EXC-007: created set to 2026-06-30, the as-of date a build without --as-of takes: the row has no decision date
{PACK}:8: EXC-007: closed set to TODO: the status is Withdrawn and the tracker does not record since when
{PACK}:8: EXC-007: summary set to TODO: the tracker holds only the one-line Description
{PACK}:8: EXC-007: approval by Sam Hollis recorded as pending, as the status is Withdrawn and the row has no decision date, with role `Risk approver`
{PACK}:8: EXC-007: approval date of Sam Hollis set to TODO: the row has no decision date
{PACK}:8: EXC-007: approval by Sam Hollis: side and level set to TODO: data/people.yaml does not list Sam Hollis
{PACK}:9: skipped: its ticket `SEC-2001` is that of the row at line 2
imported 7 exception(s) from {PACK} as data/exceptions/EXC-001.yaml to data/exceptions/EXC-007.yaml; skipped 1 row(s) already in the register or in the file; 47 TODO marker(s) to replace: `secbook check` lists them as warnings
"
        )
    );

    // Titles from Description, justifications from Notes (as Markdown that reads as the
    // Notes), `decided` only for Approved and Denied, and each approver's decision by the
    // status.
    let text = |v: &serde_yaml::Value, key: &str| v[key].as_str().map(str::to_string);
    for (id, status, title, decided, decisions) in [
        (
            "EXC-001",
            "approved",
            "VPN concentrators run firmware with a known, exploitable flaw",
            Some("2026-01-15"),
            vec![("approved", "2026-01-15"), ("approved", "2026-01-15")],
        ),
        (
            "EXC-002",
            "pending",
            "The marketing site loads a deprecated analytics script",
            None,
            vec![("pending", "TODO: the date of the decision, YYYY-MM-DD")],
        ),
        (
            "EXC-003",
            "denied",
            "Payroll exports keep tax ids in clear text, on a shared drive",
            Some("2026-03-02"),
            vec![("rejected", "2026-03-02"), ("rejected", "2026-03-02")],
        ),
        (
            "EXC-004",
            "withdrawn",
            "Old build agents run an unsupported OS, \"temporarily\"",
            None,
            vec![("approved", "2026-02-28"), ("approved", "2026-02-28")],
        ),
        (
            "EXC-005",
            "closed",
            "Legacy TLS 1.0 on the partner gateway",
            None,
            vec![("approved", "2025-11-03")],
        ),
        (
            "EXC-006",
            "approved",
            "Shared admin account on the badge system",
            Some("2025-12-01"),
            vec![("approved", "2025-12-01")],
        ),
        (
            "EXC-007",
            "withdrawn",
            "TODO: the risk and its impact, in one line; line 8 of tracker.csv has no Description",
            None,
            vec![("pending", "TODO: the date of the decision, YYYY-MM-DD")],
        ),
    ] {
        let r = record(&dir, id);
        assert_eq!(text(&r, "status").as_deref(), Some(status), "{id}");
        assert_eq!(text(&r, "title").as_deref(), Some(title), "{id}");
        assert_eq!(text(&r, "decided").as_deref(), decided, "{id}");
        let approvals: Vec<(String, String)> = r["approvals"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|a| (text(a, "decision").unwrap(), text(a, "date").unwrap()))
            .collect();
        let expected: Vec<(String, String)> = decisions
            .iter()
            .map(|(d, at)| (d.to_string(), at.to_string()))
            .collect();
        assert_eq!(approvals, expected, "{id}");
    }
    assert_eq!(
        text(&record(&dir, "EXC-001"), "justification").as_deref(),
        Some(
            "The fixed firmware ships in March; until then, the admin interface is blocked at the edge."
        )
    );
    assert_eq!(
        text(&record(&dir, "EXC-005"), "justification").as_deref(),
        Some("Partners moved to TLS 1.2 \\*before\\* the term ended; closed.")
    );
    assert_eq!(
        text(&record(&dir, "EXC-002"), "created").as_deref(),
        Some("2026-06-30")
    );

    // `check` passes, with each TODO marker a warning at its line.
    let out = secbook(&dir, &["check"]);
    assert_code(&out, 0);
    let report = stderr(&out);
    assert!(!report.lines().any(|l| l.starts_with("error")), "{report}");
    let found = findings(&report);
    let todos: Vec<&String> = found
        .iter()
        .filter(|f| f.contains(" exception.todo "))
        .collect();
    assert_eq!(todos.len(), 47, "{report}");
    for expected in [
        "data/exceptions/EXC-001.yaml:12:10 exception.todo `expires` still has a TODO marker: the fix-by date (extension) or end of acceptance, YYYY-MM-DD",
        "data/exceptions/EXC-002.yaml:19:9 exception.todo `approvals[0].date` still has a TODO marker: the date of the decision, YYYY-MM-DD",
        "data/exceptions/EXC-003.yaml:20:9 exception.todo `approvals[0].side` still has a TODO marker: business or security",
        "data/exceptions/EXC-006.yaml:9:13 exception.todo `risk_owner` still has a TODO marker: the name and email of the accountable leader",
    ] {
        assert!(
            found.iter().any(|f| f == expected),
            "{expected}\nin\n{report}"
        );
    }
    assert!(
        found
            .iter()
            .all(|f| f.contains(" exception.todo ") || f.contains(" exception.approval-missing ")),
        "{report}"
    );
    // They are findings with a lint level: --strict makes them errors.
    assert_code(&secbook(&dir, &["check", "--strict"]), 1);

    // It builds, and the denied exception shows no approval, on its page or in the audit
    // report.
    let out = secbook(&dir, &["build"]);
    assert_code(&out, 0);
    let page = |rel: &str| fs::read_to_string(dir.join("public").join(rel)).unwrap();
    let denied = page("exceptions/EXC-003/index.html");
    assert_eq!(
        denied.matches("decision decision-rejected").count(),
        2,
        "{denied}"
    );
    assert!(!denied.contains("decision-approved"), "{denied}");
    let audit = page("audit/index.html");
    let approvals: Vec<&str> = audit
        .lines()
        .filter(|l| l.starts_with("<tr><td>EXC-003</td>"))
        .collect();
    assert_eq!(approvals.len(), 2, "{audit}");
    assert!(
        approvals.iter().all(|r| r.contains("decision-rejected")),
        "{approvals:?}"
    );

    // It exports back to the rows it came from, but the one skipped.
    let out = secbook(&dir, &["export", "tracker"]);
    assert_code(&out, 0);
    let exported = String::from_utf8(out.stdout).unwrap();
    let mut given = rows(&fs::read_to_string(Path::new(ROOT).join(PACK)).unwrap());
    given.remove(7);
    assert_eq!(rows(&exported), given);

    // Imported again, it adds nothing, and says why for each row.
    let before = files_below(&dir.join("data"));
    let out = on_the_day(Path::new(ROOT), &["import", "tracker", PACK, path(&dir)]);
    assert_code(&out, 0);
    assert_eq!(files_below(&dir.join("data")), before);
    let again = stderr(&out);
    let lines: Vec<&str> = again.lines().collect();
    assert_eq!(lines.len(), 9, "{again}");
    assert_eq!(
        lines[0],
        format!("{PACK}:2: skipped: its ticket `SEC-2001` is that of EXC-001")
    );
    assert_eq!(
        lines[6],
        format!(
            "{PACK}:8: skipped: its title `TODO: the risk and its impact, in one line; line 8 of tracker.csv has no Description` is that of EXC-007"
        )
    );
    assert_eq!(
        lines[8],
        format!(
            "imported 0 exception(s) from {PACK}; skipped 8 row(s) already in the register or in the file"
        )
    );
}

#[test]
fn import_follows_the_register_and_takes_people_from_people_yaml() {
    let tmp = TempDir::new().unwrap();
    let dir = handbook(&tmp);
    let csv = tmp.path().join("t.csv");
    fs::write(
        &csv,
        format!(
            "{HEADER}\n\
             High, Approved, 1/15/2026, Risk extension, VPN firmware flaw, Helen Brooks, Martin Feld and Sam Hollis, SEC-1, Vendor fix due in March\n\
             Low, Pending, , Accept risk without fix, deprecated  ANALYTICS script, Dana Ortiz, , , Already filed\n"
        ),
    )
    .unwrap();
    let out = secbook(tmp.path(), &["import", "tracker", "t.csv", "hb"]);
    assert_code(&out, 0);
    let report = stderr(&out);
    for line in [
        "t.csv:2: EXC-008: risk_owner: email of Helen Brooks taken from data/people.yaml\n",
        "t.csv:2: EXC-008: approval by Martin Feld: side and level left to data/people.yaml\n",
        "t.csv:2: EXC-008: approval by Sam Hollis: side and level set to TODO: data/people.yaml does not give it for Sam Hollis\n",
        "t.csv:3: skipped: its title `deprecated  ANALYTICS script` is that of EXC-007\n",
    ] {
        assert!(report.contains(line), "{line}in\n{report}");
    }
    assert_eq!(exception_files(&dir), ["EXC-007.yaml", "EXC-008.yaml"]);
    let r = record(&dir, "EXC-008");
    assert_eq!(
        r["risk_owner"].as_str(),
        Some("Helen Brooks <helen.brooks@example.com>")
    );
    assert!(r["approvals"][0].get("side").is_none());
    assert_eq!(
        r["approvals"][1]["side"].as_str(),
        Some("TODO: business or security")
    );
    assert_code(&secbook(&dir, &["check"]), 0);
}

/// A row is known by the register the loader reads: an editor's hidden copy of a record
/// is no record, so a row with its title is imported.
#[test]
fn import_knows_the_records_the_loader_reads_and_no_hidden_copy() {
    let tmp = TempDir::new().unwrap();
    let dir = handbook(&tmp);
    let copy = fs::read_to_string(dir.join("data/exceptions/EXC-007.yaml"))
        .unwrap()
        .replace("Deprecated analytics script", "Legacy VPN concentrator");
    assert!(copy.contains("Legacy VPN concentrator"));
    fs::write(dir.join("data/exceptions/.EXC-007.yaml"), copy).unwrap();
    let csv = tmp.path().join("t.csv");
    fs::write(
        &csv,
        format!("{HEADER}\nLow, Pending, , Accept risk without fix, Legacy VPN concentrator, Dana Ortiz, , , Old\n"),
    )
    .unwrap();
    let out = secbook(tmp.path(), &["import", "tracker", "t.csv", "hb"]);
    assert_code(&out, 0);
    assert!(!stderr(&out).contains("skipped"), "{}", stderr(&out));
    assert_eq!(
        exception_files(&dir),
        [".EXC-007.yaml", "EXC-007.yaml", "EXC-008.yaml"]
    );
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
  = help: write a real date as M/D/YYYY, such as 1/15/2026, or as YYYY-MM-DD

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
  = help: this reads as 2026-01-13 day first, as spreadsheets save dates where they are written so; the file's other dates are then day first too: format the Decision date column as YYYY-MM-DD, save and import again

error: unknown type of request `Risk waiver`
  ┌─ tests/data/tracker/bad.csv:4:30
  │
4 │ Urgent, Approved, 13/1/2026, Risk waiver, Something., Helen Brooks, , , Unknown words
  │                              ^^^^^^^^^^^
  │
  = help: expected one of `Risk extension`, `Accept risk without fix`

error: this row has 10 columns; the header has 9
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
            "error: the header lacks the tracker's column `Decision date`\n  ┌─ tests/data/tracker/bad-header.csv:1:19\n"
        ) && report.contains("help: `Decided on` is not the tracker's; the first line is the header: Priority, Status, Decision date,"),
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
        &["import", "tracker", PACK, path(tmp.path())],
    );
    assert_code(&out, 2);
}

#[test]
fn export_import_export_keeps_every_byte() {
    let tmp = TempDir::new().unwrap();
    let site = tmp.path().join("site");
    assert_code(&secbook(tmp.path(), &["init", "site"]), 0);

    // Every starter exception: the example's default audience, staff, sees two fewer.
    let all = ["--audience", "security"];
    let first = tmp.path().join("first.csv");
    let out = secbook(
        tmp.path(),
        &[&["export", "tracker", "site", "-o", path(&first)][..], &all].concat(),
    );
    assert_code(&out, 0);
    let exported = fs::read_to_string(&first).unwrap();
    let lines: Vec<&str> = exported.lines().collect();
    assert_eq!(lines[0], HEADER);
    assert_eq!(lines.len(), 25, "the header and the 24 starter exceptions");
    // The common form: a space after each comma, quotes only where a value holds a comma,
    // and opening right after it, the space inside. Description is the title; Notes the
    // justification's first paragraph.
    assert_eq!(
        lines[1],
        "High, Approved, 1/20/2025, Risk extension, Unpatched legacy ERP application servers expose finance data to known exploits, Helen Brooks, Martin Feld and Elena Petrova, SEC-1012,\" The vendor only ships the fixes in the next major release, and moving to it needs a full regression run of month-end close. Finance cannot take an untested release into year-end close and the external audit fieldwork. The upgrade is planned for the first window after fieldwork ends.\""
    );

    // The standard output and the built site hold the same bytes.
    let out = secbook(
        tmp.path(),
        &[&["export", "tracker", "site"][..], &all].concat(),
    );
    assert_code(&out, 0);
    assert_eq!(String::from_utf8_lossy(&out.stdout), exported);
    assert_code(
        &secbook(tmp.path(), &[&["build", "site"][..], &all].concat()),
        0,
    );
    assert_eq!(
        fs::read_to_string(site.join("public/exports/exceptions.csv")).unwrap(),
        exported
    );

    // Into a bare handbook, which then checks with no error, and out again.
    let empty = bare(&tmp, "empty");
    let out = secbook(tmp.path(), &["import", "tracker", path(&first), "empty"]);
    assert_code(&out, 0);
    assert_eq!(exception_files(&empty).len(), 24);
    assert_code(&secbook(tmp.path(), &["check", "empty"]), 0);
    let out = secbook(tmp.path(), &["export", "tracker", "empty"]);
    assert_code(&out, 0);
    assert_eq!(String::from_utf8_lossy(&out.stdout), exported);
}

/// The count `export` tells is of exceptions, not of lines: a cell may hold a line break.
#[test]
fn export_counts_exceptions_whatever_their_cells_hold() {
    let tmp = TempDir::new().unwrap();
    assert_code(&secbook(tmp.path(), &["init", "site"]), 0);
    let record = tmp.path().join("site/data/exceptions/EXC-001.yaml");
    let text = fs::read_to_string(&record).unwrap();
    let text = text.replacen("  - SEC-1012\n", "  - \"SEC-1012\\nSEC-1013\"\n", 1);
    assert!(text.contains("SEC-1012\\nSEC-1013"));
    fs::write(&record, text).unwrap();
    let out = secbook(
        tmp.path(),
        &["export", "tracker", "site", "--audience", "security"],
    );
    assert_code(&out, 0);
    assert!(String::from_utf8_lossy(&out.stdout).contains(",\" SEC-1012\nSEC-1013\","));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("exported 24 exception(s)"), "{said}");
}

/// An approver's name or a ticket that holds what an import splits a list cell at is told
/// at the export, at the value: the export would not import as it was.
#[test]
fn export_tells_what_an_import_would_split() {
    let tmp = TempDir::new().unwrap();
    assert_code(&secbook(tmp.path(), &["init", "site"]), 0);
    let record = tmp.path().join("site/data/exceptions/EXC-001.yaml");
    let text = fs::read_to_string(&record).unwrap();
    let text = text
        .replacen(
            "  - SEC-1012\n",
            "  - \"https://t.example/SEC-1012?a=1,2\"\n",
            1,
        )
        .replacen("  - name: Martin Feld\n", "  - name: \"Feld, Martin\"\n", 1);
    fs::write(&record, text).unwrap();
    let out = secbook(
        tmp.path(),
        &["export", "tracker", "site", "--audience", "security"],
    );
    assert_code(&out, 0);
    let said = String::from_utf8_lossy(&out.stderr);
    let told = "warning: EXC-001: the tracker CSV writes the approver `Feld, Martin`, which an import reads as 2 values, split at its commas";
    assert!(said.contains(told), "{said}");
    // A web address keeps its commas when it is imported: nothing to tell.
    assert_eq!(said.matches("warning: ").count(), 1, "{said}");
}

/// A withdrawn or closed row's decision date is held by its approvers' approvals; a row
/// that names none keeps it in `decided`, and exports back to the same row.
#[test]
fn a_closed_row_without_approvers_keeps_its_decision_date() {
    let tmp = TempDir::new().unwrap();
    let dir = handbook(&tmp);
    let rows = "Low, Closed, 3/7/2026, Accept risk without fix, Old kiosk, Helen Brooks, , SEC-8, Gone\n\
                Low, Withdrawn, 4/1/2026, Risk extension, Old scanner, Helen Brooks, , SEC-9, Moot\n";
    let report = imported(&tmp, "t.csv", &format!("{HEADER}\n{rows}"));
    assert!(
        report.contains("t.csv:2: EXC-008: decided set to the decision date, 3/7/2026 read as 2026-03-07 (M/D/YYYY): the row names no approver whose approval would hold it\n"),
        "{report}"
    );
    assert_eq!(
        record(&dir, "EXC-009")["decided"].as_str(),
        Some("2026-04-01")
    );
    let out = secbook(tmp.path(), &["export", "tracker", "hb"]);
    assert_code(&out, 0);
    let exported = String::from_utf8(out.stdout).unwrap();
    for row in rows.lines() {
        assert!(exported.lines().any(|l| l == row), "{row} in\n{exported}");
    }
}

/// An exception whose title or first ticket is an earlier one's is told at the export: an
/// import of the file takes its row for the earlier exception and skips it.
#[test]
fn export_tells_what_an_import_would_skip() {
    let tmp = TempDir::new().unwrap();
    assert_code(&secbook(tmp.path(), &["init", "site"]), 0);
    let data = tmp.path().join("site/data/exceptions");
    let edit = |id: &str, from: &str, to: &str| {
        let path = data.join(format!("{id}.yaml"));
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{id}");
        fs::write(&path, text.replacen(from, to, 1)).unwrap();
    };
    // Filed again after a denial, in other words but under the same ticket; and a title
    // given twice, in another letter case.
    edit("EXC-003", "  - SEC-1058\n", "  - SEC-1012\n");
    let title = "Unpatched legacy ERP application servers expose finance data to known exploits";
    let text = fs::read_to_string(data.join("EXC-002.yaml")).unwrap();
    let old_title = text.lines().find(|l| l.starts_with("title: ")).unwrap();
    edit(
        "EXC-002",
        old_title,
        &format!("title: {}", title.to_uppercase()),
    );
    let out = secbook(tmp.path(), &["export", "tracker", "site"]);
    assert_code(&out, 0);
    let said = String::from_utf8_lossy(&out.stderr);
    for told in [
        format!("warning: EXC-002: an import of the tracker CSV skips this exception: its title `{}` is that of EXC-001", title.to_uppercase()),
        "warning: EXC-003: an import of the tracker CSV skips this exception: its ticket `SEC-1012` is that of EXC-001".to_string(),
    ] {
        assert!(said.contains(&told), "{said}");
    }
    assert!(said.contains("EXC-003.yaml:14:5"), "{said}");
}

/// A workbook is told as one, with the way to the CSV; a file larger than the handbook's
/// limit is refused with the setting that raises it, and one within it imports.
#[test]
fn import_tells_a_workbook_and_takes_the_handbooks_limit() {
    let tmp = TempDir::new().unwrap();
    let dir = handbook(&tmp);
    let workbook = tmp.path().join("tracker.xlsx");
    fs::write(
        &workbook,
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00[Content_Types].xml",
    )
    .unwrap();
    let out = secbook(&dir, &["import", "tracker", path(&workbook)]);
    assert_code(&out, 2);
    let said = stderr(&out);
    assert!(
        said.contains("it is a spreadsheet's workbook (.xlsx, .xls or .ods), not CSV text"),
        "{said}"
    );
    assert!(
        said.contains("help: open it in the spreadsheet and save it as CSV"),
        "{said}"
    );

    // 1.5 MB of rows, over a limit of 1 MB and under one of 2 MB.
    let row = "Low, Pending, , Accept risk without fix, Row {n}, Helen Brooks, , , Notes.\n";
    let mut csv = format!("{HEADER}\n");
    for n in 0..18_000 {
        csv.push_str(&row.replace("{n}", &n.to_string()));
    }
    assert!(csv.len() > 1 << 20 && csv.len() < 2 << 20, "{}", csv.len());
    let big = tmp.path().join("big.csv");
    fs::write(&big, &csv).unwrap();
    let config = dir.join("handbook.yaml");
    fs::write(
        &config,
        "title: Import\nas_of: 2026-06-30\nlimits: { max_file_mb: 1 }\n",
    )
    .unwrap();
    let out = secbook(&dir, &["import", "tracker", path(&big)]);
    assert_code(&out, 2);
    let said = stderr(&out);
    assert!(
        said.contains("the file is larger than the limit of 1 MB"),
        "{said}"
    );
    assert!(
        said.contains("help: raise `limits: { max_file_mb: N }`"),
        "{said}"
    );
    fs::write(
        &config,
        "title: Import\nas_of: 2026-06-30\nlimits: { max_file_mb: 2 }\n",
    )
    .unwrap();
    let out = secbook(&dir, &["import", "tracker", path(&big)]);
    assert_code(&out, 0);
}

/// A title saved in the other Unicode spelling of its accented letters (as macOS may) is
/// the same title: a second import adds nothing.
#[test]
fn a_title_in_another_unicode_spelling_is_the_same() {
    let tmp = TempDir::new().unwrap();
    let dir = handbook(&tmp);
    let row = |title: &str| {
        format!(
            "{HEADER}\nLow, Pending, , Accept risk without fix, {title}, Helen Brooks, , , N.\n"
        )
    };
    let composed = tmp.path().join("nfc.csv");
    fs::write(&composed, row("Caf\u{e9} Wi-Fi")).unwrap();
    let decomposed = tmp.path().join("nfd.csv");
    fs::write(&decomposed, row("Cafe\u{301} Wi-Fi")).unwrap();
    assert_code(&secbook(&dir, &["import", "tracker", path(&composed)]), 0);
    let before = exception_files(&dir);
    let out = secbook(&dir, &["import", "tracker", path(&decomposed)]);
    assert_code(&out, 0);
    assert_eq!(exception_files(&dir), before, "{}", describe(&out));
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
summary: s
justification: "-2+3 is not a formula here"
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
        "Low, Approved, 1/2/2026, Accept risk without fix,\
         \" '=HYPERLINK(\"\"http://x.example/?\"\"&A1, \"\"Click\"\")\", \
         '@Ops Lead, ''=Bob, '+SEC-1, '-2+3 is not a formula here"
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
    let imported = fs::read_to_string(empty.join("data/exceptions/EXC-001.yaml")).unwrap();
    assert!(imported.contains("=HYPERLINK"), "{imported}");
    assert!(!imported.contains("'=HYPERLINK"), "{imported}");
    let out = secbook(tmp.path(), &["export", "tracker", "empty"]);
    assert_code(&out, 0);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        exported,
        "{}",
        describe(&out)
    );
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

/// A quote that opens a value and is never closed takes in every row after it. It is told
/// where it opens, once, not as rows with the wrong number of columns, and with the errors
/// of the rows before it, which read as they are.
#[test]
fn an_unclosed_quote_is_told_where_it_opens() {
    let tmp = TempDir::new().unwrap();
    let dir = handbook(&tmp);
    let csv = tmp.path().join("open.csv");
    fs::write(
        &csv,
        format!(
            "{HEADER}\nHgh, Pending, , Accept risk without fix, Typo, Dana, , , n\n\
             Low, Pending, , Accept risk without fix, \"Unclosed title, Dana, , , n\n\
             High, Pending, , Risk extension, Next row, Helen Brooks, , , n\n"
        ),
    )
    .unwrap();
    let out = secbook(tmp.path(), &["import", "tracker", "open.csv", "hb"]);
    assert_code(&out, 1);
    let err = stderr(&out);
    assert!(
        err.starts_with("error: unknown priority `Hgh`\n  ┌─ open.csv:2:1\n"),
        "{err}"
    );
    assert!(err.contains("= help: did you mean `High`?"), "{err}");
    assert!(
        err.contains(
            "error: this quote opens a value that no quote closes: it runs to the end of the file\n  ┌─ open.csv:3:42\n"
        ),
        "{err}"
    );
    assert!(err.contains("2 error(s)"), "{err}");
    assert_eq!(exception_files(&dir), ["EXC-007.yaml"]);

    // Closed by the first quote of a later row, the value would take in the rows between:
    // text after a closing quote, which no spreadsheet writes, tells it.
    fs::write(
        &csv,
        format!(
            "{HEADER}\nLow, Pending, , Accept risk without fix, \"Unclosed title, Dana, , , n\n\
             High, Pending, , Risk extension, Next row, Helen Brooks, , , \"Because, reasons\"\n\
             High, Pending, , Risk extension, \"Quoted\" then more, Helen Brooks, , , n\n"
        ),
    )
    .unwrap();
    let out = secbook(tmp.path(), &["import", "tracker", "open.csv", "hb"]);
    assert_code(&out, 1);
    let err = stderr(&out);
    for (place, closed) in [("2:42", "3, column 62"), ("4:34", "4, column 41")] {
        let told = format!(
            "error: this quote opens a value that the quote at line {closed} closes, and text follows that quote\n  ┌─ open.csv:{place}\n"
        );
        assert!(err.contains(&told), "{told}in\n{err}");
    }
    assert!(err.contains("2 error(s)"), "{err}");
    assert_eq!(exception_files(&dir), ["EXC-007.yaml"]);
}

/// What import writes is read back by the loader before anything is written: a row whose
/// record the loader would refuse (here, prose with more brackets than it lets nest) is an
/// error at the row, not a record that breaks the build.
#[test]
fn a_row_whose_record_would_not_load_is_refused_at_the_row() {
    let tmp = TempDir::new().unwrap();
    let dir = handbook(&tmp);
    let csv = tmp.path().join("deep.csv");
    fs::write(
        &csv,
        format!(
            "{HEADER}\nLow, Pending, , Accept risk without fix, Braces {}, Helen Brooks, , , n\n",
            "{".repeat(70)
        ),
    )
    .unwrap();
    let out = secbook(tmp.path(), &["import", "tracker", "deep.csv", "hb"]);
    assert_code(&out, 1);
    let err = stderr(&out);
    assert!(
        err.starts_with(
            "error: this row would make a record that cannot be read: values are nested more than 64 levels deep\n  ┌─ deep.csv:2:1\n"
        ),
        "{err}"
    );
    assert_eq!(exception_files(&dir), ["EXC-007.yaml"]);
}

/// The tracker as spreadsheets save it: Excel's "CSV UTF-8" (a byte order mark, CRLF),
/// with `;` between cells where the decimal separator is a comma, its "Unicode Text"
/// (UTF-16 with a byte order mark, tabs between cells), little- and big-endian, and its
/// "CSV (Macintosh)" (a carriage return alone ends a line); Google Sheets' (empty cells
/// after the columns and below the rows). Each imports into the same records, with the
/// same notes and their lines, as the pack's own file.
#[test]
fn a_tracker_saved_by_a_spreadsheet_imports_whatever_its_delimiter_and_encoding() {
    let tmp = TempDir::new().unwrap();
    let records = |name: &str, csv: &Path| {
        let dir = bare(&tmp, name);
        let out = on_the_day(
            Path::new(ROOT),
            &["import", "tracker", path(csv), path(&dir)],
        );
        assert_code(&out, 0);
        let notes = stderr(&out).replace(path(csv), "TRACKER");
        // Each record's opening comment, and a marker, name the file it came from.
        let name = csv.file_name().unwrap().to_str().unwrap();
        let files = exception_files(&dir)
            .iter()
            .map(|f| {
                let text = fs::read_to_string(dir.join("data/exceptions").join(f)).unwrap();
                text.replace(path(csv), "TRACKER").replace(name, "TRACKER")
            })
            .collect::<Vec<_>>();
        (notes, files)
    };
    let pack = Path::new(ROOT).join(PACK);
    let expected = records("pack", &pack);
    assert_eq!(expected.1.len(), 7, "{}", expected.0);

    let text = fs::read_to_string(&pack).unwrap();
    let cells = [
        vec![HEADER.split(", ").map(String::from).collect()],
        rows(&text),
    ]
    .concat();
    let write = |delimiter: u8| {
        let mut w = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        cells.iter().for_each(|row| w.write_record(row).unwrap());
        String::from_utf8(w.into_inner().unwrap()).unwrap()
    };
    let utf16 = |text: &str, unit: fn(u16) -> [u8; 2]| -> Vec<u8> {
        (std::iter::once(0xFEFF).chain(text.encode_utf16()))
            .flat_map(unit)
            .collect()
    };
    // Google Sheets: line feeds, the empty cells of the used range after each row and as a
    // last row, and a header retyped in another case and spacing.
    let sheets: String = write(b',')
        .lines()
        .enumerate()
        .map(|(i, line)| match i {
            0 => format!("{},,,\n", line.to_uppercase().replace(' ', "  ")),
            _ => format!("{line},,,\n"),
        })
        .chain(std::iter::once(",".repeat(11) + "\n"))
        .collect();
    let saved: [(&str, Vec<u8>); 5] = [
        (
            "semicolons.csv",
            [&b"\xEF\xBB\xBF"[..], write(b';').as_bytes()].concat(),
        ),
        ("unicode-le.txt", utf16(&write(b'\t'), u16::to_le_bytes)),
        ("unicode-be.txt", utf16(&write(b'\t'), u16::to_be_bytes)),
        ("sheets.csv", sheets.into_bytes()),
        // Excel for Mac's "CSV (Macintosh)": a carriage return alone ends a line; and a
        // header retyped without its spaces (`RiskOwner`).
        ("macintosh.csv", {
            let text = write(b',');
            let (header, rows) = text.split_once("\r\n").unwrap();
            format!(
                "{}\r{}",
                header.replace(' ', ""),
                rows.replace("\r\n", "\r")
            )
            .into_bytes()
        }),
    ];
    for (name, bytes) in saved {
        let file = tmp.path().join(name);
        fs::write(&file, bytes).unwrap();
        let (mut notes, files) = records(&format!("hb-{name}"), &file);
        // Semicolons are what spreadsheets write where dates are day first: the dates
        // that read either way are warned of, once.
        if name == "semicolons.csv" {
            let warning = notes.find("warning: ").unwrap_or(notes.len());
            let end = notes.find("1 warning(s)\n").map_or(0, |at| at + 13);
            assert!(
                notes[warning..].starts_with(
                    "warning: 3/2/2026 was read as 2026-03-02, month first as the tracker \
                     writes dates, but this file is separated by semicolons, as spreadsheets \
                     save it where dates are written day first; 2 more dates of the file read \
                     either way\n"
                ),
                "{notes}"
            );
            notes.replace_range(warning..end, "");
        }
        assert_eq!((notes, files), expected, "{name}");
    }
}

/// A first line that names the delimiter (`sep=;`), which Excel reads and some tools write
/// for it, is taken at its word, and the header follows it.
#[test]
fn a_line_naming_the_delimiter_is_read() {
    let tmp = TempDir::new().unwrap();
    let dir = handbook(&tmp);
    let header = HEADER.replace(", ", "|");
    let report = imported(
        &tmp,
        "t.csv",
        &format!(
            "sep=|\r\n{header}\r\nLow|Pending||Risk extension|Piped, not split|Helen Brooks|||n\r\n"
        ),
    );
    assert!(report.contains("t.csv:3: EXC-008: "), "{report}");
    assert_eq!(
        record(&dir, "EXC-008")["title"].as_str(),
        Some("Piped, not split")
    );
}

/// A tracker saved in a spreadsheet's legacy code page, or UTF-16 cut inside a character,
/// is refused at the line and column of the first byte that is not text (its lines ended
/// by a carriage return alone too), with that line shown and how to save it instead;
/// nothing is written.
#[test]
fn a_tracker_that_is_not_unicode_is_refused_at_its_first_bad_byte() {
    let tmp = TempDir::new().unwrap();
    let dir = bare(&tmp, "hb");
    let before = files_below(&dir);
    let latin1 = tmp.path().join("latin1.csv");
    fs::write(
        &latin1,
        format!("{HEADER}\r\nHigh, Approved, 1/15/2026, Risk extension, Caf\u{e9}, Ren\u{e9}e\r\n")
            .chars()
            .map(|c| u8::try_from(u32::from(c)).unwrap())
            .collect::<Vec<u8>>(),
    )
    .unwrap();
    let out = on_the_day(tmp.path(), &["import", "tracker", "latin1.csv", "hb"]);
    assert_code(&out, 1);
    assert_eq!(
        stderr(&out),
        "error: cannot read latin1.csv: it is not UTF-8 text (byte 0xE9 is not UTF-8 here)\n  \
         ┌─ latin1.csv:2:47\n  │\n\
         2 │ High, Approved, 1/15/2026, Risk extension, Caf\u{fffd}, Ren\u{fffd}e\n  \
         │                                               ^\n  │\n  \
         = help: save the file as UTF-8 (in Excel: Save As, then \"CSV UTF-8 (Comma delimited)\"), \
         or convert it as it is read: `iconv -f WINDOWS-1252 -t UTF-8 FILE | secbook import tracker -`\n\n\
         1 error(s), 0 warning(s)\n"
    );
    let cut = tmp.path().join("cut.txt");
    fs::write(&cut, b"\xFF\xFEP\x00r\x00i").unwrap();
    let out = on_the_day(tmp.path(), &["import", "tracker", "cut.txt", "hb"]);
    assert_code(&out, 1);
    assert!(
        stderr(&out).starts_with(
            "error: cannot read cut.txt: it is not UTF-16 text (the file ends inside a character)\n  \
             ┌─ cut.txt:1:3\n"
        ),
        "{}",
        stderr(&out)
    );
    // Excel for Mac's "CSV (Macintosh)": its lines end in a carriage return alone.
    let mac = tmp.path().join("mac.csv");
    let row = "High, Approved, 1/15/2026, Risk extension, M";
    fs::write(
        &mac,
        [format!("{HEADER}\r{row}").as_bytes(), b"\x9Fller\rLow\r"].concat(),
    )
    .unwrap();
    let out = on_the_day(tmp.path(), &["import", "tracker", "mac.csv", "hb"]);
    assert_code(&out, 1);
    let at = format!("\n  ┌─ mac.csv:2:{}\n", row.len() + 1);
    assert!(stderr(&out).contains(&at), "{}", stderr(&out));
    assert_eq!(files_below(&dir), before);
}

/// A tracker may come through a pipe, named `-` for the standard input (from `iconv`, say)
/// or as a named pipe (a shell's `<(...)`): it imports as the file does. The handbook's
/// own sources are never read from a pipe, which could hold the build forever.
#[test]
fn a_tracker_is_read_from_the_standard_input_or_a_pipe() {
    use std::io::Write;
    let tmp = TempDir::new().unwrap();
    let csv = fs::read(Path::new(ROOT).join(PACK)).unwrap();
    let from_file = bare(&tmp, "file");
    fs::write(tmp.path().join("tracker.csv"), &csv).unwrap();
    let out = on_the_day(tmp.path(), &["import", "tracker", "tracker.csv", "file"]);
    assert_code(&out, 0);

    let from_stdin = bare(&tmp, "stdin");
    let mut child = common::command()
        .args(["import", "tracker", "-", "stdin"])
        .current_dir(tmp.path())
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&csv).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_code(&out, 0);
    assert!(
        stderr(&out).contains("<stdin>:9: skipped"),
        "{}",
        describe(&out)
    );
    assert!(
        stderr(&out).contains("from <stdin> as "),
        "{}",
        describe(&out)
    );

    let from_pipe = bare(&tmp, "pipe");
    let pipe = tmp.path().join("tracker.pipe");
    common::mkfifo(&pipe);
    let writer = std::thread::spawn({
        let pipe = pipe.clone();
        move || fs::write(pipe, csv).unwrap()
    });
    let out = on_the_day(tmp.path(), &["import", "tracker", "tracker.pipe", "pipe"]);
    writer.join().unwrap();
    assert_code(&out, 0);

    // Each record names where it was imported from, the one difference.
    let records = |dir: &Path, name: &str| -> Vec<(String, String)> {
        (exception_files(dir).into_iter())
            .map(|f| {
                let text = fs::read_to_string(dir.join("data/exceptions").join(&f)).unwrap();
                (f, text.replace(name, "FILE"))
            })
            .collect()
    };
    let imported = records(&from_file, "tracker.csv");
    assert_eq!(imported.len(), 7);
    assert_eq!(records(&from_stdin, "<stdin>"), imported);
    assert_eq!(records(&from_pipe, "tracker.pipe"), imported);
}

/// Dates as spreadsheets save them: in the records' own form, and with midnight after
/// the day when the cell holds times; a spreadsheet's number for a day is told as such.
/// A line break typed in the Description's cell is a space in the title, and said so.
#[test]
fn dates_and_line_breaks_as_spreadsheets_save_them() {
    let tmp = TempDir::new().unwrap();
    let dir = handbook(&tmp);
    let csv = tmp.path().join("saved.csv");
    fs::write(
        &csv,
        format!(
            "{HEADER}\n\
             High, Approved, 2026-03-04, Risk extension, \"Line one\nline two\", \"Helen\nBrooks\", Elena Petrova and Martin  Feld and, SEC-1, n\n\
             Low, Approved, 3/5/2026 0:00, Accept risk without fix, B, Helen Brooks, Elena Petrova, SEC-2, n\n\
             Low, Approved, 2026-03-06 00:00:00, Accept risk without fix, C, Helen Brooks, Elena Petrova, SEC-3, n\n"
        ),
    )
    .unwrap();
    let out = secbook(tmp.path(), &["import", "tracker", "saved.csv", "hb"]);
    assert_code(&out, 0);
    let decided = |id: &str| record(&dir, id)["decided"].as_str().unwrap().to_string();
    assert_eq!(
        [decided("EXC-008"), decided("EXC-009"), decided("EXC-010")],
        ["2026-03-04", "2026-03-05", "2026-03-06"]
    );
    let first = record(&dir, "EXC-008");
    assert_eq!(first["title"], "Line one line two");
    // Every cell of one line, a name too; a trailing "and" names nobody.
    assert_eq!(
        first["risk_owner"],
        "Helen Brooks <helen.brooks@example.com>"
    );
    let approvers: Vec<&str> = (first["approvals"].as_sequence().unwrap().iter())
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(approvers, ["Elena Petrova", "Martin Feld"]);
    for field in ["title: the Description's", "risk_owner: the Risk Owner's"] {
        let note = format!("saved.csv:2: EXC-008: {field} line breaks are spaces");
        assert!(stderr(&out).contains(&note), "{}", stderr(&out));
    }

    fs::write(
        &csv,
        format!(
            "{HEADER}\n\
             Low, Approved, 45720, Accept risk without fix, D, Helen Brooks, Elena Petrova, SEC-4, n\n\
             Low, Approved, 3/4/2026 13:00, Accept risk without fix, E, Helen Brooks, Elena Petrova, SEC-5, n\n"
        ),
    )
    .unwrap();
    let out = secbook(tmp.path(), &["import", "tracker", "saved.csv", "hb"]);
    assert_code(&out, 1);
    let report = stderr(&out);
    assert!(
        report.contains("invalid decision date `45720`")
            && report.contains("this is a spreadsheet's number for a day"),
        "{report}"
    );
    assert!(
        report.contains("invalid decision date `3/4/2026 13:00`"),
        "{report}"
    );
}

/// A record that cannot be written whole (the disk full; here, a limit on the size of a
/// file) leaves nothing: neither the records written before it nor an empty file of its
/// own, so the import can run again once there is room.
#[test]
fn an_import_that_cannot_write_a_record_leaves_none() {
    let tmp = TempDir::new().unwrap();
    let dir = handbook(&tmp);
    let long = "a long note ".repeat(1000);
    let csv = tmp.path().join("t.csv");
    fs::write(
        &csv,
        format!(
            "{HEADER}\n\
             High, Approved, 1/15/2026, Risk extension, VPN firmware flaw, Helen Brooks, Martin Feld, SEC-1, Fix due\n\
             Low, Pending, , Accept risk without fix, Old TLS, Sam Hollis, , SEC-2, Soon\n\
             Low, Pending, , Accept risk without fix, Old SSH, Sam Hollis, , SEC-3, {long}\n"
        ),
    )
    .unwrap();
    // A write past the limit fails (EFBIG): secbook ignores the signal (SIGXFSZ) that would
    // stop it there.
    let limit = "ulimit -f 4";
    let out = common::secbook_after(tmp.path(), limit, &["import", "tracker", "t.csv", "hb"]);
    assert_code(&out, 2);
    assert!(stderr(&out).contains("EXC-010.yaml"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("EXC-010.yaml."), "{}", stderr(&out));
    assert_eq!(exception_files(&dir), ["EXC-007.yaml"]);
    assert_code(
        &secbook(tmp.path(), &["import", "tracker", "t.csv", "hb"]),
        0,
    );
    assert_eq!(exception_files(&dir).len(), 4);
}

/// Imports of one file at the same time take turns: the second finds the rows the first
/// wrote and skips them, rather than writing each row again under other ids.
#[test]
fn imports_at_once_import_each_row_once() {
    let csv = format!(
        "{HEADER}\n\
         High, Approved, 1/15/2026, Risk extension, VPN firmware flaw, Helen Brooks, Martin Feld, SEC-1, Fix due\n\
         Low, Pending, , Accept risk without fix, Old TLS, Sam Hollis, , SEC-2, Soon\n"
    );
    for _ in 0..4 {
        let tmp = TempDir::new().unwrap();
        let dir = handbook(&tmp);
        fs::write(tmp.path().join("t.csv"), &csv).unwrap();
        let runs: Vec<_> = (0..4)
            .map(|_| {
                common::command()
                    .args(["import", "tracker", "t.csv", "hb"])
                    .current_dir(tmp.path())
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for run in runs {
            assert_code(&run.wait_with_output().unwrap(), 0);
        }
        assert_eq!(
            exception_files(&dir),
            ["EXC-007.yaml", "EXC-008.yaml", "EXC-009.yaml"]
        );
    }
}

/// A tracker kept by hand orders its columns its own way and adds columns of its own:
/// import reads the tracker's by their names, to the same records, and warns of the
/// others, which no record holds. A row with more cells than the header is still refused,
/// and every fault of a header is told in one run.
#[test]
fn columns_are_read_by_their_names_in_any_order() {
    let rows = [
        "High, Approved, 3/7/2026, Risk extension, Old TLS on the VPN, Helen Brooks, Elena Petrova, SEC-1, Vendor fix due",
        "Low, Pending, , Accept risk without fix, Legacy kiosk, Helen Brooks, , SEC-2, No budget",
    ];
    let canonical = TempDir::new().unwrap();
    let dir = handbook(&canonical);
    imported(
        &canonical,
        "t.csv",
        &format!("{HEADER}\n{}\n", rows.join("\n")),
    );

    // Semicolons, columns reordered and named in other letter cases, two of the file's own.
    let order = [8, 1, 0, 5, 4, 2, 3, 6, 7];
    let own_header: Vec<&str> = HEADER.split(", ").collect();
    let mut text = order.map(|i| own_header[i].to_uppercase()).join(";");
    text.insert_str(0, "\"Comments\";");
    text.push_str(";Reviewed by;Reviewed by\n");
    for (n, row) in rows.iter().enumerate() {
        let cells: Vec<&str> = row.split(", ").collect();
        let reordered = order.map(|i| cells[i]).join(";");
        text.push_str(&format!("note {n};{reordered};someone;else\n"));
    }
    let reordered = TempDir::new().unwrap();
    let other = handbook(&reordered);
    let report = imported(&reordered, "t.csv", &text);
    assert!(
        report.contains(
            "warning: import does not read the header's columns `Comments` and `Reviewed by` (2 columns): they are not the tracker's\n  ┌─ t.csv:1:1\n"
        ),
        "{report}"
    );
    for id in ["EXC-008", "EXC-009"] {
        assert_eq!(
            fs::read_to_string(other.join(format!("data/exceptions/{id}.yaml"))).unwrap(),
            fs::read_to_string(dir.join(format!("data/exceptions/{id}.yaml"))).unwrap(),
            "{id}"
        );
    }

    // A value with an unquoted comma runs past the header's last column.
    fs::write(
        reordered.path().join("long.csv"),
        format!(
            "{}\n{}x;y;z\n",
            text.lines().next().unwrap(),
            "a;".repeat(11)
        ),
    )
    .unwrap();
    let out = secbook(reordered.path(), &["import", "tracker", "long.csv", "hb"]);
    assert_code(&out, 1);
    assert!(
        stderr(&out)
            .starts_with("error: this row has 14 columns; the header has 12\n  ┌─ long.csv:2:1\n"),
        "{}",
        stderr(&out)
    );

    fs::write(
        reordered.path().join("bad.csv"),
        "Priority, Status, STATUS, Decided on, Type of request, Description, Risk Owner, Risk Aprovers, Exception Link\n",
    )
    .unwrap();
    let out = secbook(reordered.path(), &["import", "tracker", "bad.csv", "hb"]);
    assert_code(&out, 1);
    let report = stderr(&out);
    assert!(
        report.contains("error: the header has the column `Status` twice\n  ┌─ bad.csv:1:19\n"),
        "{report}"
    );
    assert!(
        report.contains(
            "error: the header lacks the tracker's columns `Decision date` and `Notes`\n  ┌─ bad.csv:1:27\n"
        ),
        "{report}"
    );
    assert!(
        report.contains(
            "error: the header's column `Risk Aprovers` is not the tracker's\n  ┌─ bad.csv:1:81\n"
        ) && report.contains("help: did you mean `Risk Approvers`?"),
        "{report}"
    );
    assert!(report.contains("3 error(s), 0 warning(s)"), "{report}");
}

/// A spreadsheet leaves out a row's empty last cells: the cells a row ends before are
/// read as empty, and said so. A row with more cells than the tracker's is still refused.
#[test]
fn the_cells_a_row_ends_before_are_read_as_empty() {
    let tmp = TempDir::new().unwrap();
    let dir = handbook(&tmp);
    let report = imported(
        &tmp,
        "t.csv",
        &format!(
            "{HEADER}\n\
             High, Approved, 3/7/2026, Risk extension, Row with Notes, Helen Brooks, Elena Petrova, SEC-1, Vendor fix due\n\
             Low, Pending, , Risk extension, Row without, Helen Brooks, Elena Petrova\n"
        ),
    );
    let line = "t.csv:3: EXC-009: the row ends before its cells of Exception Link and Notes: read as empty, as spreadsheets leave out a row's last empty cells\n";
    assert!(report.contains(line), "{report}");
    let r = record(&dir, "EXC-009");
    assert!(r.get("tickets").is_none());
    assert_eq!(
        r["justification"].as_str(),
        Some("TODO: why the exception is needed")
    );
}

/// The apostrophe export writes before a value that starts like a formula is taken off
/// by the same rule, and said so; any other apostrophe is text. The record reads as the
/// cell, and exports to the same bytes.
#[test]
fn an_apostrophe_is_taken_off_only_where_export_would_write_one() {
    let tmp = TempDir::new().unwrap();
    let dir = bare(&tmp, "hb");
    let csv = format!(
        "{HEADER}\n\
         High, Approved, 3/7/2026, Risk extension, Legacy ERP, Helen Brooks, Elena Petrova, SEC-1, '-' marks an unset field in the CMDB export\n\
         Low, Approved, 3/7/2026, Accept risk without fix, 'Tis the season, Helen Brooks, Elena Petrova, SEC-2, 'quoted' words\n"
    );
    fs::write(tmp.path().join("t.csv"), &csv).unwrap();
    let out = on_the_day(tmp.path(), &["import", "tracker", "t.csv", "hb"]);
    assert_code(&out, 0);
    let report = stderr(&out);
    let line = "t.csv:2: EXC-001: Notes: the apostrophe that starts the cell taken off, as export writes one before a value that starts like a formula\n";
    assert!(report.contains(line), "{report}");
    assert!(
        !report.contains("t.csv:3: EXC-002: Notes: the apostrophe"),
        "{report}"
    );
    // The Markdown of a justification that starts with `-`, which would be a list item.
    let first = record(&dir, "EXC-001");
    assert_eq!(
        first["justification"].as_str(),
        Some("\\-' marks an unset field in the CMDB export")
    );
    let second = record(&dir, "EXC-002");
    assert_eq!(second["title"].as_str(), Some("'Tis the season"));
    assert_eq!(second["justification"].as_str(), Some("'quoted' words"));
    let out = on_the_day(tmp.path(), &["export", "tracker", "hb"]);
    assert_code(&out, 0);
    assert_eq!(String::from_utf8_lossy(&out.stdout), csv);
}

/// Each note that names a decision date says the day it was read as. A date that reads
/// either way (day and month both 12 or less) in a file separated by semicolons, as
/// spreadsheets save it where dates are written day first, is warned of at its cell.
#[test]
fn the_day_a_date_is_read_as_is_said_and_a_day_first_file_warned_of() {
    let tmp = TempDir::new().unwrap();
    let dir = handbook(&tmp);
    let report = imported(
        &tmp,
        "commas.csv",
        &format!(
            "{HEADER}\n\
             High, Approved, 07/03/2026, Risk extension, T1, Helen Brooks, Elena Petrova, SEC-1, n\n\
             High, Approved, 2026-03-06, Risk extension, T2, Helen Brooks, Elena Petrova, SEC-2, n\n"
        ),
    );
    for line in [
        "commas.csv:2: EXC-008: created set to the decision date, 07/03/2026 read as 2026-07-03 (M/D/YYYY)\n",
        "commas.csv:2: EXC-008: approval by Elena Petrova recorded as approved on 2026-07-03,",
        "commas.csv:3: EXC-009: created set to the decision date, 2026-03-06\n",
    ] {
        assert!(report.contains(line), "{line}in\n{report}");
    }
    assert!(!report.contains("warning:"), "{report}");

    let semicolons = format!(
        "{}\n\
         High;Approved;3/25/2026;Risk extension;T3;Helen Brooks;Elena Petrova;SEC-3;n\n\
         High;Approved;07/03/2026;Risk extension;T4;Helen Brooks;Elena Petrova;SEC-4;n\n\
         High;Approved;4/4/2026;Risk extension;T5;Helen Brooks;Elena Petrova;SEC-5;n\n\
         High;Approved;11/02/2026;Risk extension;T6;Helen Brooks;Elena Petrova;SEC-6;n\n",
        HEADER.replace(", ", ";")
    );
    let report = imported(&tmp, "semi.csv", &semicolons);
    assert!(
        report.contains(
            "\nwarning: 07/03/2026 was read as 2026-07-03, month first as the tracker writes dates, \
             but this file is separated by semicolons, as spreadsheets save it where dates are \
             written day first; 1 more date of the file reads either way\n  ┌─ semi.csv:3:15\n"
        ),
        "{report}"
    );
    assert_eq!(report.matches("warning:").count(), 1, "{report}");
    assert_eq!(
        record(&dir, "EXC-011")["decided"].as_str(),
        Some("2026-07-03")
    );
}

/// LibreOffice saves the tracker's dates with two-digit years (`01/20/25`): read as this
/// century's, and said so.
#[test]
fn a_two_digit_year_is_read_as_spreadsheets_read_it() {
    let tmp = TempDir::new().unwrap();
    let dir = handbook(&tmp);
    let report = imported(
        &tmp,
        "t.csv",
        &format!(
            "{HEADER}\nHigh, Approved, 01/20/25, Risk extension, T1, Helen Brooks, Elena Petrova, SEC-1, n\n\
             High, Approved, 12/31/99, Risk extension, T2, Helen Brooks, Elena Petrova, SEC-2, n\n"
        ),
    );
    // Two digits as spreadsheets read them: 00 to 29 this century, 30 to 99 the last.
    for line in [
        "t.csv:2: EXC-008: created set to the decision date, 01/20/25 read as 2025-01-20 (M/D/YY, the year 25 as 2025)\n",
        "t.csv:3: EXC-009: created set to the decision date, 12/31/99 read as 1999-12-31 (M/D/YY, the year 99 as 1999)\n",
    ] {
        assert!(report.contains(line), "{line}in\n{report}");
    }
    assert_eq!(
        record(&dir, "EXC-008")["decided"].as_str(),
        Some("2025-01-20")
    );
}

/// The lists a tracker's cells hold as people type them: names after commas (an "and"
/// after the last), `&`, semicolons or one a line, and several tickets in the Exception
/// Link; each split that is not the tracker's " and " is reported. A second import of the
/// file finds every ticket and adds nothing.
#[test]
fn approvers_and_tickets_are_read_as_the_lists_spreadsheets_hold() {
    let tmp = TempDir::new().unwrap();
    let dir = handbook(&tmp);
    let report = imported(
        &tmp,
        "t.csv",
        &format!(
            "{HEADER}\n\
             High, Approved, 3/7/2026, Risk extension, T1, Helen Brooks,\" Ann Lee, Bob Ray, and Cy Doe\", SEC-1, n\n\
             High, Approved, 3/7/2026, Risk extension, T2, Helen Brooks, Ann Lee & Bob Ray; Cy Doe, SEC-2, n\n\
             High, Approved, 3/7/2026, Risk extension, T3, Helen Brooks,\" Ann Lee\nBob Ray\", SEC-3, n\n\
             High, Approved, 3/7/2026, Risk extension, T4, Helen Brooks, Ann Lee and Bob Ray,\" SEC-4, SEC-5\", n\n\
             High, Approved, 3/7/2026, Risk extension, T5, Helen Brooks, Elena Petrova and elena.petrova@example.com and ann lee and Ann Lee, SEC-6, n\n"
        ),
    );
    let names = |id: &str| -> Vec<String> {
        (record(&dir, id)["approvals"].as_sequence().unwrap().iter())
            .map(|a| a["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names("EXC-008"), ["Ann Lee", "Bob Ray", "Cy Doe"]);
    assert_eq!(names("EXC-009"), ["Ann Lee", "Bob Ray", "Cy Doe"]);
    assert_eq!(names("EXC-010"), ["Ann Lee", "Bob Ray"]);
    assert_eq!(names("EXC-011"), ["Ann Lee", "Bob Ray"]);
    // One person named twice, by name and by address (people.yaml links the two), or in
    // two letter cases, approves once.
    assert_eq!(names("EXC-012"), ["Elena Petrova", "ann lee"]);
    let tickets = record(&dir, "EXC-011")["tickets"].clone();
    assert_eq!(
        tickets,
        serde_yaml::from_str::<serde_yaml::Value>("[SEC-4, SEC-5]").unwrap()
    );
    for line in [
        "t.csv:2: EXC-008: approvals: the Risk Approvers cell read as 3 names, `Ann Lee`, `Bob Ray` and `Cy Doe`, split at its commas, where the tracker joins names with \"and\"\n",
        "t.csv:3: EXC-009: approvals: the Risk Approvers cell read as 3 names, `Ann Lee`, `Bob Ray` and `Cy Doe`, split at its `&` and its semicolons, where the tracker joins names with \"and\"\n",
        "t.csv:4: EXC-010: approvals: the Risk Approvers cell read as 2 names, `Ann Lee` and `Bob Ray`, split at its line breaks, where the tracker joins names with \"and\"\n",
        "t.csv:6: EXC-011: tickets: the Exception Link cell read as 2 tickets, `SEC-4` and `SEC-5`, split at its commas, where the tracker holds one ticket\n",
        "t.csv:7: EXC-012: approvals: elena.petrova@example.com is Elena Petrova named again: one approval\n",
        "t.csv:7: EXC-012: approvals: Ann Lee is ann lee named again: one approval\n",
    ] {
        assert!(report.contains(line), "{line}in\n{report}");
    }
    assert!(!report.contains("EXC-011: approvals: the Risk"), "{report}");
    assert!(!report.contains("line breaks are spaces"), "{report}");
    assert_code(&secbook(&dir, &["check"]), 0);

    // Each ticket is known: the row is not imported again, nor one that holds the second.
    let report = imported(
        &tmp,
        "again.csv",
        &format!(
            "{HEADER}\nLow, Pending, , Risk extension, Other title, Helen Brooks, , SEC-5, n\n"
        ),
    );
    assert!(
        report.contains("again.csv:2: skipped: its ticket `SEC-5` is that of EXC-011"),
        "{report}"
    );
}

/// An approver is named as a record names a person: "Name <email>", a name, or an email
/// alone (the Risk Owner too). Each is found in data/people.yaml by email, else by name,
/// and written with the name and email a record gives, so `check` finds their side and
/// level there.
#[test]
fn approvers_are_people_found_by_email_else_by_name() {
    let tmp = TempDir::new().unwrap();
    let dir = handbook(&tmp);
    let report = imported(
        &tmp,
        "t.csv",
        &format!(
            "{HEADER}\nHigh, Approved, 3/7/2026, Risk extension, Legacy ERP, helen.brooks@example.com, \
         Martin Feld <martin.feld@example.com> and elena.petrova@example.com and Sam Hollis, SEC-1, n\n"
        ),
    );
    for line in [
        "t.csv:2: EXC-008: risk_owner: name of helen.brooks@example.com taken from data/people.yaml\n",
        "t.csv:2: EXC-008: approval by Martin Feld <martin.feld@example.com>: side and level left to data/people.yaml\n",
        "t.csv:2: EXC-008: approvals: name of elena.petrova@example.com taken from data/people.yaml\n",
        "t.csv:2: EXC-008: approvals: email of Sam Hollis taken from data/people.yaml\n",
    ] {
        assert!(report.contains(line), "{line}in\n{report}");
    }
    let r = record(&dir, "EXC-008");
    assert_eq!(
        r["risk_owner"].as_str(),
        Some("Helen Brooks <helen.brooks@example.com>")
    );
    let approvers: Vec<(&str, &str, bool)> = (r["approvals"].as_sequence().unwrap().iter())
        .map(|a| {
            let text = |key: &str| a[key].as_str().unwrap_or("");
            (text("name"), text("email"), a.get("side").is_some())
        })
        .collect();
    assert_eq!(
        approvers,
        [
            ("Martin Feld", "martin.feld@example.com", false),
            ("Elena Petrova", "elena.petrova@example.com", false),
            ("Sam Hollis", "sam.hollis@example.com", true),
        ]
    );
    let out = secbook(&dir, &["check"]);
    assert_code(&out, 0);
    assert!(!stderr(&out).contains("error:"), "{}", stderr(&out));
}
