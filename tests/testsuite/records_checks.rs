//! Records end to end: derived state as of a date, findings in every output, `--strict`,
//! and the baseline comparison on a real git repository.

use std::fs;
use std::path::Path;
use std::process::Output;

use crate::common::{commit, git, secbook, stderr};

const HANDBOOK: &str = "title: Records\nid: 3c9a7e52-61d0-4f3b-8e27-b5d4a1c08f96\n";

fn exception(id: &str, severity: &str, status: &str, dates: &str, extra: &str) -> String {
    format!(
        "id: {id}\ntitle: Risk {id}\ntype: acceptance\nseverity: {severity}\nstatus: {status}\n\
         requested_by: \"Ann Lee <ann@example.com>\"\nrisk_owner: \"Bo Chen <bo@example.com>\"\n\
         {dates}summary: s\njustification: j\napprovals:\n  - {{name: Dee, role: r, side: business, level: vp, decision: approved, date: 2026-01-10}}\n  - {{name: Eli, role: r, side: security, level: vp, decision: approved, date: 2026-01-10}}\n{extra}"
    )
}

fn approved(id: &str, severity: &str, expires: &str) -> String {
    exception(
        id,
        severity,
        "approved",
        &format!("created: 2026-01-01\ndecided: 2026-01-10\nexpires: {expires}\n"),
        "",
    )
}

/// A handbook with one exception in every state as of 2026-06-30.
fn write_handbook(dir: &Path) {
    let files = [
        ("handbook.yaml", HANDBOOK.to_string()),
        (
            "data/exceptions/A-pending.yaml",
            exception("A-pending", "low", "pending", "created: 2026-01-01\n", ""),
        ),
        (
            "data/exceptions/B-active.yaml",
            approved("B-active", "medium", "2026-08-01"),
        ),
        (
            "data/exceptions/C-expiring.yaml",
            approved("C-expiring", "medium", "2026-07-30"),
        ),
        (
            "data/exceptions/D-expired.yaml",
            approved("D-expired", "medium", "2026-06-29"),
        ),
        (
            "data/exceptions/E-denied.yaml",
            exception(
                "E-denied",
                "high",
                "denied",
                "created: 2026-01-01\ndecided: 2026-01-10\n",
                "",
            ),
        ),
        (
            "data/exceptions/F-closed.yaml",
            exception(
                "F-closed",
                "high",
                "withdrawn",
                "created: 2026-01-01\nclosed: 2026-02-01\n",
                "",
            ),
        ),
    ];
    for (path, text) in files {
        let path = dir.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn states_follow_the_as_of_date() {
    let dir = tempfile::tempdir().unwrap();
    write_handbook(dir.path());
    let out = secbook(
        dir.path(),
        &["build", ".", "-o", "out", "--as-of", "2026-06-30"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(dir.path().join("out/api/exceptions.json")).unwrap(),
    )
    .unwrap();
    let states: Vec<(String, String)> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["id"].as_str().unwrap().to_string(),
                e["state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = [
        ("A-pending", "pending"),
        ("B-active", "active"),
        ("C-expiring", "expiring"),
        ("D-expired", "expired"),
        ("E-denied", "denied"),
        ("F-closed", "closed"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(states, expected);

    // A day later, the expiring one is still expiring and the active one starts expiring.
    let out = secbook(
        dir.path(),
        &["build", ".", "-o", "out2", "--as-of", "2026-07-02"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = fs::read_to_string(dir.path().join("out2/api/exceptions.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json[1]["state"], "expiring");
}

#[test]
fn findings_reach_json_github_and_strict() {
    let dir = tempfile::tempdir().unwrap();
    write_handbook(dir.path());
    let out = secbook(
        dir.path(),
        &["build", ".", "-o", "out", "--as-of", "2026-06-30"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let findings: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(dir.path().join("out/api/findings.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        findings,
        serde_json::json!([{
            "code": "exception.expired",
            "level": "warn",
            "file": "data/exceptions/D-expired.yaml",
            "line": 10,
            "subject": "D-expired",
            "message": "D-expired expired on 2026-06-29, 1 day ago",
        }])
    );

    let out = secbook(
        dir.path(),
        &["check", ".", "--as-of", "2026-06-30", "--format", "github"],
    );
    assert!(out.status.success());
    assert_eq!(
        stdout(&out),
        "::warning file=data/exceptions/D-expired.yaml,line=10,col=10,title=exception.expired::D-expired expired on 2026-06-29, 1 day ago\n"
    );

    let out = secbook(
        dir.path(),
        &[
            "check",
            ".",
            "--as-of",
            "2026-06-30",
            "--strict",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "--strict denies warnings");
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json[0]["level"], "deny");
    assert_eq!(json[0]["severity"], "error");
    assert_eq!(json[0]["code"], "exception.expired");
    assert_eq!(json[0]["line"], 10);
}

#[test]
fn baseline_raises_the_three_change_findings() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("handbook");
    fs::create_dir_all(&root).unwrap();
    write_handbook(&root);
    git(dir.path(), &["init", "-q"], &[]);
    git(dir.path(), &["add", "."], &[]);
    git(dir.path(), &["commit", "-qm", "baseline"], &[]);

    // Lower one severity, raise another, and move an expiry without a renewal.
    let edit = |name: &str, from: &str, to: &str| {
        let path = root.join("data/exceptions").join(name);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains(from));
        fs::write(&path, text.replace(from, to)).unwrap();
    };
    edit("B-active.yaml", "severity: medium", "severity: low");
    edit("C-expiring.yaml", "severity: medium", "severity: high");
    edit(
        "D-expired.yaml",
        "expires: 2026-06-29",
        "expires: 2026-07-29",
    );

    let out = check_against_head(&root, "github");
    let lines = stdout(&out);
    assert!(out.status.success(), "{}{lines}", stderr(&out));
    for expected in [
        "file=handbook/data/exceptions/B-active.yaml,line=4,col=11,title=exception.severity-downgraded::B-active severity lowered from medium to low",
        "file=handbook/data/exceptions/C-expiring.yaml,line=4,col=11,title=exception.severity-raised::C-expiring severity raised from medium to high",
        "file=handbook/data/exceptions/D-expired.yaml,line=10,col=10,title=exception.expiry-moved::D-expired expiry moved from 2026-06-29 to 2026-07-29 without a new renewal entry",
    ] {
        assert!(lines.contains(expected), "missing {expected} in\n{lines}");
    }

    // A renewal entry makes the moved expiry legitimate.
    edit(
        "D-expired.yaml",
        "expires: 2026-07-29\n",
        "expires: 2026-07-29\nrenewals:\n  - {date: 2026-06-20, previous_expires: 2026-06-29, expires: 2026-07-29}\n",
    );
    let out = check_against_head(&root, "github");
    assert!(!stdout(&out).contains("expiry-moved"), "{}", stdout(&out));
    // One that ends before the new expiry does not stand for all of the move.
    edit(
        "D-expired.yaml",
        "previous_expires: 2026-06-29, expires: 2026-07-29}",
        "previous_expires: 2026-06-29, expires: 2026-07-10}",
    );
    let out = check_against_head(&root, "github");
    let expected = "title=exception.expiry-moved::D-expired expiry moved from 2026-06-29 to \
                    2026-07-29 past 2026-07-10, where its new renewal entry ends";
    assert!(stdout(&out).contains(expected), "{}", stdout(&out));
    edit(
        "D-expired.yaml",
        "previous_expires: 2026-06-29, expires: 2026-07-10}",
        "previous_expires: 2026-06-29, expires: 2026-07-29}",
    );

    // A record renamed to a new id in the same change is compared with what it was: the
    // rename hides no lowered severity. One only retitled and given a new id is a new
    // record, since neither its title nor its summary is the old one's.
    let exceptions = root.join("data/exceptions");
    let text = fs::read_to_string(exceptions.join("C-expiring.yaml")).unwrap();
    fs::remove_file(exceptions.join("C-expiring.yaml")).unwrap();
    fs::write(
        exceptions.join("C-renamed.yaml"),
        text.replace("id: C-expiring", "id: C-renamed")
            .replace("severity: high", "severity: low"),
    )
    .unwrap();
    let out = check_against_head(&root, "github");
    let lines = stdout(&out);
    let expected = "file=handbook/data/exceptions/C-renamed.yaml,line=4,col=11,title=exception.severity-downgraded::C-renamed severity lowered from medium to low";
    assert!(lines.contains(expected), "missing {expected} in\n{lines}");
    let text = fs::read_to_string(exceptions.join("B-active.yaml")).unwrap();
    fs::remove_file(exceptions.join("B-active.yaml")).unwrap();
    fs::write(
        exceptions.join("E-new.yaml"),
        text.replace("B-active", "E-new")
            .replace("summary: s", "summary: another")
            .replace("severity: low", "severity: critical"),
    )
    .unwrap();
    let out = check_against_head(&root, "github");
    let lines = stdout(&out);
    assert!(lines.contains("C-renamed severity lowered"), "{lines}");
    assert!(!lines.contains("E-new severity"), "{lines}");
}

/// A record whose file did not load at the baseline is not compared, and the build says
/// so; nor is it taken for another record renamed since, which would compare it with
/// that one's severity and leave the renamed one's change untold.
#[test]
fn a_baseline_record_that_did_not_load_is_told_and_taken_for_no_other() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("handbook");
    fs::create_dir_all(&root).unwrap();
    fs::write(dir.path().join("README"), "Before the handbook.\n").unwrap();
    git(dir.path(), &["init", "-q"], &[]);
    commit(
        dir.path(),
        "2026-05-01",
        ("Ann", "ann@example.com"),
        "start",
    );
    write_handbook(&root);
    let exceptions = root.join("data/exceptions");
    let active = exceptions.join("B-active.yaml");
    let text = fs::read_to_string(&active).unwrap();
    fs::write(&active, text.replace("title:", "title: [unclosed\nwas:")).unwrap();
    commit(
        dir.path(),
        "2026-06-01",
        ("Ann", "ann@example.com"),
        "the handbook",
    );
    fs::write(&active, &text).unwrap();
    let expiring = fs::read_to_string(exceptions.join("C-expiring.yaml")).unwrap();
    fs::remove_file(exceptions.join("C-expiring.yaml")).unwrap();
    fs::write(
        exceptions.join("C-renamed.yaml"),
        expiring
            .replace("id: C-expiring", "id: C-renamed")
            .replace("severity: medium", "severity: low"),
    )
    .unwrap();
    let out = check_against_head(&root, "github");
    let (lines, told) = (stdout(&out), stderr(&out));
    assert!(out.status.success(), "{told}{lines}");
    assert!(
        lines.contains("C-renamed severity lowered from medium to low"),
        "{lines}"
    );
    assert!(!lines.contains("B-active severity"), "{lines}");
    let expected = "::warning file=handbook/data/exceptions/B-active.yaml,line=1,col=5::B-active \
                    is not compared with the baseline revision `HEAD`: its file did not load \
                    there, so a change of its severity or expiry since is not checked";
    assert!(lines.contains(expected), "{lines}");

    // A revision before the handbook was made compares nothing, and says so; a handbook
    // that has no exception now has nothing to compare either.
    let before = || {
        let args = [
            "check",
            ".",
            "--as-of",
            "2026-06-30",
            "--baseline",
            "HEAD~1",
        ];
        let out = secbook(&root, &args);
        assert!(out.status.success(), "{}", stderr(&out));
        stderr(&out)
    };
    let told = before();
    let warning = "warning: the baseline revision `HEAD~1` holds no exception of this handbook";
    assert!(told.contains(warning), "{told}");
    fs::remove_dir_all(&exceptions).unwrap();
    let told = before();
    assert!(!told.contains("holds no exception"), "{told}");
}

/// `check` of the handbook in `dir` as of 2026-06-30 against its last commit, its report
/// in `format`.
fn check_against_head(dir: &Path, format: &str) -> Output {
    secbook(
        dir,
        &[
            "check",
            ".",
            "--as-of",
            "2026-06-30",
            "--baseline",
            "HEAD",
            "--format",
            format,
        ],
    )
}

/// A revision's records are read by the loader that reads the handbook's own: an editor's
/// hidden copy of a record at the baseline is no record then, as it is none now, so the
/// record it copies is new since the baseline and its expiry moved nowhere.
#[test]
fn a_baseline_revision_is_read_as_the_handbook_is() {
    let dir = tempfile::tempdir().unwrap();
    write_handbook(dir.path());
    let folder = dir.path().join("data/exceptions");
    let (record, hidden) = (
        folder.join("D-expired.yaml"),
        folder.join(".D-expired.yaml"),
    );
    fs::rename(&record, &hidden).unwrap();
    git(dir.path(), &["init", "-q"], &[]);
    commit(
        dir.path(),
        "2026-06-01",
        ("Ann", "ann@example.com"),
        "a hidden copy",
    );
    let text = fs::read_to_string(&hidden).unwrap();
    assert!(text.contains("expires: 2026-06-29"));
    fs::write(
        &record,
        text.replace("expires: 2026-06-29", "expires: 2026-07-29"),
    )
    .unwrap();
    fs::remove_file(&hidden).unwrap();
    let check = || check_against_head(dir.path(), "json");
    let out = check();
    assert!(out.status.success(), "{}", stderr(&out));
    let codes: Vec<serde_json::Value> =
        serde_json::from_str::<Vec<serde_json::Value>>(&stdout(&out))
            .unwrap()
            .into_iter()
            .map(|f| f["code"].clone())
            .collect();
    assert!(
        !codes.contains(&serde_json::json!("exception.expiry-moved")),
        "{codes:?}"
    );

    // The same record committed under its own name is the baseline's.
    fs::write(&record, &text).unwrap();
    commit(
        dir.path(),
        "2026-06-02",
        ("Ann", "ann@example.com"),
        "the record",
    );
    fs::write(
        &record,
        text.replace("expires: 2026-06-29", "expires: 2026-07-29"),
    )
    .unwrap();
    let out = check();
    assert!(
        stdout(&out).contains("exception.expiry-moved"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_missing_baseline_revision_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    write_handbook(dir.path());
    git(dir.path(), &["init", "-q"], &[]);
    // A repository with no commit yet holds no revision at all.
    let out = secbook(dir.path(), &["check", ".", "--baseline", "HEAD"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("the repository has no commit yet"),
        "{}",
        stderr(&out)
    );
    commit(
        dir.path(),
        "2026-06-01",
        ("Ann", "ann@example.com"),
        "the handbook",
    );
    let out = secbook(dir.path(), &["check", ".", "--baseline", "does-not-exist"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("baseline revision `does-not-exist` is not in this repository"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("shallow"), "{}", stderr(&out));
    // A revision that names a tree (`HEAD:data`) is told so, not told missing.
    let out = secbook(dir.path(), &["check", ".", "--baseline", "HEAD:data"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("baseline revision `HEAD:data` names a tree, not a commit"),
        "{}",
        stderr(&out)
    );
    // `:/text` names the newest commit whose message holds the text: `^{commit}` written
    // after it was read as more of the text, and the revision told "names a commit, not a
    // commit".
    let out = secbook(dir.path(), &["check", ".", "--baseline", ":/the handbook"]);
    assert_ne!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("baseline revision"),
        "{}",
        stderr(&out)
    );
}

/// Each warning of an email that is not an address in `stderr`, with the place the line
/// after it names: `warning: ... data/people.yaml:4:10`.
fn email_warnings(stderr: &str) -> Vec<String> {
    let lines: Vec<&str> = stderr.lines().collect();
    lines
        .windows(2)
        .filter(|w| w[0].contains("is not an email address"))
        .map(|w| format!("{} {}", w[0], w[1].trim_start_matches([' ', '┌', '─'])))
        .collect()
}

/// An email that is not an address is shown on the pages, but no mail reaches it and the
/// exports leave it out: each is reported where it is written, as a warning.
#[test]
fn an_email_that_is_not_an_address_is_reported_where_it_is_written() {
    let dir = tempfile::tempdir().unwrap();
    write_handbook(dir.path());
    let record = exception(
        "G-emails",
        "low",
        "pending",
        "created: 2026-01-01\nassignee: {name: Cy, email: \"cy@\"}\n",
        "  - {name: Fay, email: \"fay@example.com, eve@evil.example\", role: r, side: business, \
         level: vp, decision: pending, date: 2026-01-10}\n",
    )
    .replace("<bo@example.com>", "<bo at example>");
    fs::write(dir.path().join("data/exceptions/G-emails.yaml"), record).unwrap();
    let people = "- name: Dee\n  email: dee@example.com\n- name: Eli\n  email: eli@\n";
    fs::write(dir.path().join("data/people.yaml"), people).unwrap();

    let out = secbook(dir.path(), &["check", ".", "--as-of", "2026-06-30"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        email_warnings(&stderr(&out)),
        [
            "warning: `bo at example` is not an email address data/exceptions/G-emails.yaml:7:13",
            "warning: `cy@` is not an email address data/exceptions/G-emails.yaml:9:29",
            "warning: `fay@example.com, eve@evil.example` is not an email address data/exceptions/G-emails.yaml:15:24",
            "warning: `eli@` is not an email address data/people.yaml:4:10",
        ]
    );
}

/// A person whose email is opened with `<` and never closed is read as a name alone, with
/// no email: a warning at the value says so, where mail would silently go to the fallback.
#[test]
fn an_email_left_open_is_reported_where_it_is_written() {
    let dir = tempfile::tempdir().unwrap();
    write_handbook(dir.path());
    let record = exception("G-open", "low", "pending", "created: 2026-01-01\n", "")
        .replace("<bo@example.com>", "<bo@example.com");
    assert!(record.contains("<bo@example.com\""), "{record}");
    fs::write(dir.path().join("data/exceptions/G-open.yaml"), record).unwrap();
    let out = secbook(dir.path(), &["check", ".", "--as-of", "2026-06-30"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(
            "opens an email with `<` and does not close it: it is read as a name with no email"
        ),
        "{err}"
    );
    assert!(err.contains("data/exceptions/G-open.yaml:7:"), "{err}");
}

/// An incident's people are held to the same rule: its commander, its action items'
/// owners and its postmortem's participants.
#[test]
fn an_incidents_emails_that_are_not_addresses_are_reported_where_they_are_written() {
    let dir = tempfile::tempdir().unwrap();
    crate::common::copy_example(dir.path());
    let edit = |name: &str, from: &str, to: &str| {
        let path = dir.path().join("data/incidents").join(name);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{name} holds {from}");
        fs::write(path, text.replacen(from, to, 1)).unwrap();
    };
    edit(
        "INC-001.yaml",
        "commander: \"Liam Connolly <liam.connolly@example.com>\"",
        "commander: \"Liam Connolly <liam.connolly@>\"",
    );
    edit(
        "INC-001.yaml",
        "    owner: \"Liam Connolly <liam.connolly@example.com>\"",
        "    owner: {name: Liam Connolly, email: liam at example}",
    );
    edit(
        "INC-002.yaml",
        "    - \"Jun Park <jun.park@example.com>\"",
        "    - \"Jun Park <jun.park@example.com, eve@evil.example>\"",
    );
    let out = secbook(dir.path(), &["check", "."]);
    let stderr = stderr(&out);
    assert_eq!(
        email_warnings(&stderr),
        [
            "warning: `liam.connolly@` is not an email address data/incidents/INC-001.yaml:5:12",
            "warning: `liam at example` is not an email address data/incidents/INC-001.yaml:53:41",
            "warning: `jun.park@example.com, eve@evil.example` is not an email address data/incidents/INC-002.yaml:93:7",
        ],
        "{stderr}"
    );
}

/// An HTML comment in a record's Markdown is left out of its page, as a page's is, but the
/// feeds, the API and the exports hold the text as written: it is told, at each place, and
/// `<!--` in code is no comment.
#[test]
fn a_comment_in_a_record_is_told_it_is_published() {
    let summary = "summary: |\n  <!-- internal: not for readers -->\n  Shown, `<!-- code -->`, \
                   and <!-- inline --> text.\n";
    let json = checked_with_summary(summary);
    let told: Vec<_> = (json.as_array().unwrap().iter())
        .filter(|d| d["message"].as_str().unwrap().contains("HTML comment"))
        .map(|d| {
            let at = |key: &str| d[key].clone();
            (at("file"), at("line"), at("column"), at("occurrences"))
        })
        .collect();
    assert_eq!(
        told,
        [(
            "data/exceptions/B-active.yaml".into(),
            12.into(),
            3.into(),
            2.into()
        )],
        "{json:#}"
    );
}

/// `check --format json` of the handbook of [`write_handbook`], B-active's summary written
/// as `summary`.
fn checked_with_summary(summary: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    write_handbook(dir.path());
    let path = dir.path().join("data/exceptions/B-active.yaml");
    let text = fs::read_to_string(&path).unwrap();
    fs::write(&path, text.replace("summary: s\n", summary)).unwrap();
    let out = secbook(
        dir.path(),
        &["check", ".", "--as-of", "2026-06-30", "--format", "json"],
    );
    serde_json::from_str(&stdout(&out)).unwrap()
}

/// Another tool's syntax in a record is told with what to write there: raw HTML, which a
/// page may turn on, is always escaped in a record, so it is no way out.
#[test]
fn a_shortcode_in_a_record_is_told_to_be_markdown() {
    let json = checked_with_summary("summary: 'See {{< ref \"runbook\" >}}.'\n");
    let told: Vec<_> = (json.as_array().unwrap().iter())
        .filter(|d| {
            d["message"]
                .as_str()
                .unwrap()
                .starts_with("a Hugo shortcode")
        })
        .map(|d| d["hint"].clone())
        .collect();
    assert_eq!(told, ["write what it stands for in Markdown"], "{json:#}");
}
