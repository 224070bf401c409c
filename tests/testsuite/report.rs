//! `secbook report`: the weekly report to risk owners, in Markdown and JSON, for the
//! handbook in tests/fixtures/valid/exports (as of 2026-06-30, expiring window 30 days).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use secbook::cli::report::Report;
use secbook::model::date::Date;
use secbook::pipeline::{self, Options};

use crate::common;

fn fixture() -> PathBuf {
    common::fixture("valid/exports")
}

fn compute(as_of: Option<&str>, owner: Option<&str>) -> (Report, String) {
    let options = Options {
        root: fixture(),
        as_of: as_of.map(|d| Date::parse(d).unwrap()),
        ..Options::default()
    };
    let (handbook, _) = pipeline::load_handbook(&options).expect("the fixture loads");
    let report = Report::compute(&handbook, owner);
    (report, handbook.config.base_url.clone())
}

fn secbook(args: &[&str]) -> Output {
    common::command().args(args).output().unwrap()
}

const FULL: &str = "\
# Weekly report to risk owners

Exports Test Handbook, as of 2026-06-30.

## Helen Brooks (helen@example.com)

### Expired

- **EXC-001** Legacy TLS 1.0 on the payments gateway (high): expired 2026-06-15, 15 days overdue

### Expiring within 30 days

- **EXC-002** Shared admin account on the\\_build\\_farm (medium): expires 2026-07-10, 10 days remaining

### Overdue action items

- **INC-002** Review the HR system's sign-in logs (P2): due 2026-06-28, 2 days overdue

## Jun Park (jun@example.com)

### Awaiting a decision

- **EXC-003** Marketing site runs an unsupported CMS plugin (low): requested 2026-06-01, waiting 29 days

### Overdue action items

- **INC-001** Brief finance staff on payment phishing (P1, ticket SEC-9): due 2026-06-20, 10 days overdue
";

#[test]
fn markdown_groups_by_owner() {
    let (report, base) = compute(None, None);
    assert_eq!(report.to_markdown(&base), FULL);
}

/// A record written before the day it is filed waits no negative number of days.
#[test]
fn a_request_dated_after_the_as_of_date_is_in_so_many_days() {
    let (report, base) = compute(Some("2026-05-25"), Some("jun@example.com"));
    let markdown = report.to_markdown(&base);
    assert!(
        markdown.contains("plugin (low): requested 2026-06-01, in 7 days\n"),
        "{markdown}"
    );
}

#[test]
fn owner_filter_matches_the_email_without_case() {
    let (report, base) = compute(None, Some("JUN@Example.com"));
    let expected = format!(
        "# Weekly report to risk owners\n\nExports Test Handbook, as of 2026-06-30.\n{}",
        &FULL[FULL.find("\n## Jun Park").unwrap()..]
    );
    assert_eq!(report.to_markdown(&base), expected);

    // An action item owned by "HELEN@example.com" is Helen's.
    let (report, _) = compute(None, Some("helen@example.com"));
    assert_eq!(report.owners.len(), 1);
    assert_eq!(report.owners[0].overdue_action_items[0].incident, "INC-002");

    let (report, base) = compute(None, Some("nobody@example.com"));
    assert!(report.owners.is_empty());
    assert!(
        report
            .to_markdown(&base)
            .ends_with("\nNothing needs action.\n")
    );
}

#[test]
fn as_of_moves_every_state() {
    // On 2026-06-10 EXC-001 has five days left and INC-002 has not been reported yet.
    let (report, _) = compute(Some("2026-06-10"), None);
    let helen = &report.owners[0];
    assert_eq!(helen.name, "Helen Brooks");
    assert!(helen.expired.is_empty());
    let expiring: Vec<(&str, i64)> = helen
        .expiring
        .iter()
        .map(|e| (e.id.as_str(), e.days_remaining))
        .collect();
    assert_eq!(expiring, [("EXC-001", 5), ("EXC-002", 30)]);
}

#[test]
fn json_has_the_same_structure() {
    let out = secbook(&["report", fixture().to_str().unwrap(), "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["as_of"], "2026-06-30");
    assert_eq!(json["expiring_within_days"], 30);
    let owners = json["owners"].as_array().unwrap();
    let names: Vec<&str> = owners.iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Helen Brooks", "Jun Park"]);
    let helen = &owners[0];
    assert_eq!(helen["email"], "helen@example.com");
    assert_eq!(
        helen["expired"][0],
        serde_json::json!({
            "id": "EXC-001",
            "title": "Legacy TLS 1.0 on the payments gateway",
            "severity": "high",
            "expires": "2026-06-15",
            "days_overdue": 15
        })
    );
    assert_eq!(helen["expiring"][0]["days_remaining"], 10);
    assert_eq!(helen["pending"], serde_json::json!([]));
    let jun = &owners[1];
    assert_eq!(jun["pending"][0]["days_waiting"], 29);
    assert_eq!(
        jun["overdue_action_items"][0],
        serde_json::json!({
            "incident": "INC-001",
            "incident_title": "Phishing email aimed at finance staff",
            "title": "Brief finance staff on payment phishing",
            "priority": "P1",
            "due": "2026-06-20",
            "days_overdue": 10,
            "ticket": "SEC-9"
        })
    );
}

#[test]
fn cli_prints_markdown_and_filters() {
    let dir = fixture();
    let dir = dir.to_str().unwrap();
    let out = secbook(&["report", dir]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap(), FULL);

    let out = secbook(&[
        "report",
        dir,
        "--owner",
        "jun@example.com",
        "--as-of",
        "2026-06-30",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("## Jun Park"));
    assert!(!text.contains("Helen"));

    // Someone the handbook does not name, or by a name where they have an email, is not
    // told that nothing needs their action: a typo would read as all clear.
    for (who, said) in [
        (
            "jun@exmaple.com",
            "--owner `jun@exmaple.com` is no one the handbook names: did you mean `jun@example.com`?",
        ),
        (
            "jun park",
            "--owner names a person by email where they have one: `jun@example.com` for jun park",
        ),
        (
            " ",
            "error: --owner is empty: give the email of the person whose part to make",
        ),
    ] {
        let out = secbook(&["report", dir, "--owner", who, "--as-of", "2026-06-30"]);
        assert_eq!(out.status.code(), Some(2), "{who}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(said), "{err}");
        assert!(out.stdout.is_empty(), "{who}");
    }
}

/// For an audience, a refused `--owner` is offered only people it may read of: the owner of
/// a hidden exception, whom data/people.yaml names too, is neither suggested nor has their
/// email told (SPEC 12).
#[test]
fn a_refused_owner_is_offered_no_one_the_audience_may_not_read_of() {
    let tmp = tempfile::tempdir().unwrap();
    common::copy_dir(&fixture(), tmp.path());
    let config = fs::read_to_string(tmp.path().join("handbook.yaml")).unwrap();
    let audiences = "classification:\n  levels: [internal, restricted]\n  default: internal\n\
                     audiences:\n  staff: { max: internal }\n";
    fs::write(tmp.path().join("handbook.yaml"), config + audiences).unwrap();
    fs::write(
        tmp.path().join("data/people.yaml"),
        "- name: Quinn Hidden\n  email: quinn.hidden@example.com\n  title: Director\n  \
         side: business\n  level: director\n  team: Finance\n  manager: Board\n",
    )
    .unwrap();
    let record = fs::read_to_string(tmp.path().join("data/exceptions/EXC-001.yaml")).unwrap();
    let hidden = record.replace(
        "Helen Brooks <helen@example.com>",
        "Quinn Hidden <quinn.hidden@example.com>",
    ) + "classification: restricted\n";
    fs::write(tmp.path().join("data/exceptions/EXC-001.yaml"), hidden).unwrap();
    let dir = tmp.path().to_str().unwrap();
    for (audience, who, told) in [
        ("staff", "quinn.hiden@example.com", false),
        ("staff", "Quinn Hidden", false),
        ("whole", "quinn.hiden@example.com", true),
        ("whole", "Quinn Hidden", true),
    ] {
        let mut args = vec!["report", dir, "--owner", who];
        if audience == "staff" {
            args.extend(["--audience", "staff"]);
        }
        let out = secbook(&args);
        assert_eq!(out.status.code(), Some(2), "{audience} {who}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(
            err.contains("quinn.hidden@example.com"),
            told,
            "{audience} {who}: {err}"
        );
    }
}

#[test]
fn links_ids_when_the_base_url_is_absolute() {
    let (report, _) = compute(None, Some("jun@example.com"));
    let text = report.to_markdown("https://sec.example.com/hb");
    assert!(
        text.contains(
            "- [EXC-003](https://sec.example.com/hb/exceptions/EXC-003/index.html) Marketing"
        ),
        "{text}"
    );
    assert!(
        text.contains("- [INC-001](https://sec.example.com/hb/incidents/INC-001/index.html) Brief")
    );
    // A parenthesis in the base would end the link: it is escaped.
    let text = report.to_markdown("https://sec.example.com/a)b(c/");
    assert!(
        text.contains(
            "- [EXC-003](https://sec.example.com/a%29b%28c/exceptions/EXC-003/index.html) Marketing"
        ),
        "{text}"
    );
}

#[test]
fn a_handbook_with_errors_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("handbook.yaml"), "title: T\ntitel: typo\n").unwrap();
    let out = secbook(&["report", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("titel"), "{stderr}");

    let out = secbook(&["report", dir.path().join("missing").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}

/// An owner named by an address alone is headed by it once.
#[test]
fn an_owner_named_by_address_alone_is_headed_by_it_once() {
    let tmp = tempfile::tempdir().unwrap();
    common::copy_dir(&fixture(), tmp.path());
    let record = tmp.path().join("data/exceptions/EXC-003.yaml");
    let text = fs::read_to_string(&record).unwrap();
    let owner = "risk_owner: \"Jun Park <jun@example.com>\"";
    assert!(text.contains(owner));
    fs::write(
        &record,
        text.replace(owner, "risk_owner: \"ops@example.com\""),
    )
    .unwrap();
    let out = secbook(&["report", tmp.path().to_str().unwrap()]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("\n## ops@example.com\n"), "{text}");
}

/// Martin Feld left on 2026-03-31 (data/people.yaml of the example handbook): his
/// exception goes to his manager, Helen Brooks, with the reason, and he gets no part.
#[test]
fn a_departed_owners_items_go_to_their_manager() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = secbook(&[
        "report",
        root.to_str().unwrap(),
        "--as-of",
        "2026-08-20",
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let owners = json["owners"].as_array().unwrap();
    assert!(
        owners.iter().all(|o| o["name"] != "Martin Feld"),
        "{json:#}"
    );
    let helen = owners.iter().find(|o| o["name"] == "Helen Brooks").unwrap();
    assert_eq!(
        helen["forwarded"],
        serde_json::json!([{
            "name": "Martin Feld",
            "email": "martin.feld@example.com",
            "reason": "departed",
            "left": "2026-03-31"
        }])
    );
    let expiring = &helen["expiring"][0];
    assert_eq!(expiring["id"], "EXC-012");
    assert_eq!(expiring["owner"], "Martin Feld");

    let out = secbook(&["report", root.to_str().unwrap(), "--as-of", "2026-08-20"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let helen = &text[text.find("## Helen Brooks").unwrap()..];
    assert!(
        helen.starts_with(
            "## Helen Brooks (helen.brooks@example.com)\n\nMartin Feld left on 2026-03-31: \
             their items go to the nearest manager still here.\n"
        ),
        "{helen}"
    );
    assert!(
        helen.contains(
            "- **EXC-012** Warehouse management system runs on an unsupported \
                        database version (high, risk owner Martin Feld): expires 2026-09-11"
        ),
        "{helen}"
    );

    // His own part is empty, and the report says where his items went.
    let out = secbook(&[
        "report",
        root.to_str().unwrap(),
        "--as-of",
        "2026-08-20",
        "--owner",
        "martin.feld@example.com",
    ]);
    assert!(out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains(
            "nothing needs action from martin.feld@example.com (as of 2026-08-20): Martin \
             Feld left on 2026-03-31: their items go to the nearest manager still here. They \
             are in the part of Helen Brooks <helen.brooks@example.com>."
        ),
        "{said}"
    );
}

/// A finding raised to an error (`deny`) gates `check` and `build`, not the commands that
/// read the handbook: the weekly report and its mail are for exactly those items, and an
/// export still holds every record. An error of the handbook stops them all.
#[test]
fn a_denied_finding_stops_check_but_not_the_report_notify_or_an_export() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_example(dir.path());
    let config = dir.path().join("handbook.yaml");
    let text = fs::read_to_string(&config).unwrap();
    assert!(text.contains("  exception.expired: warn\n"));
    let text = text
        .replace("  exception.expired: warn\n", "  exception.expired: deny\n")
        .replace("base_url: /\n", "base_url: https://handbook.example.com/\n");
    let notify = "notify:\n  from: security@example.com\n  fallback: security@example.com\n";
    fs::write(&config, format!("{text}{notify}")).unwrap();
    let root = dir.path().to_str().unwrap();
    let run = |args: &[&str]| secbook(&[args, &[root, "--as-of", "2026-06-30"]].concat());
    assert_eq!(run(&["check"]).status.code(), Some(1));
    let report = run(&["report"]);
    assert!(
        report.status.success(),
        "{}",
        String::from_utf8_lossy(&report.stderr)
    );
    let text = String::from_utf8_lossy(&report.stdout);
    assert!(text.contains("### Expired\n\n- [EXC-005]"), "{text}");
    let notify = run(&["notify", "--dry-run"]);
    let text = String::from_utf8_lossy(&notify.stdout);
    assert!(
        notify.status.success(),
        "{}",
        String::from_utf8_lossy(&notify.stderr)
    );
    assert!(
        text.contains("Laura Schmidt <laura.schmidt@example.com>: 3 items (EXC-005"),
        "{text}"
    );
    let export = common::command()
        .args(["export", "tracker", root, "-o", "-"])
        .output()
        .unwrap();
    let told = String::from_utf8_lossy(&export.stderr);
    assert!(export.status.success(), "{told}");
    assert!(told.contains("error(s) and"), "{told}");
    let record = dir.path().join("data/exceptions/EXC-005.yaml");
    let text = fs::read_to_string(&record).unwrap();
    fs::write(
        &record,
        text.replacen("severity: ", "severity: severe-ish ", 1),
    )
    .unwrap();
    let report = run(&["report"]);
    assert_eq!(report.status.code(), Some(1));
    let told = String::from_utf8_lossy(&report.stderr);
    assert!(told.contains("data/exceptions/EXC-005.yaml"), "{told}");
    assert!(
        !told.contains("exception.expired"),
        "the findings are check's to tell: {told}"
    );
}
