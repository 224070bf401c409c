//! Each record's history from git (SPEC 14) and the review findings of SPEC 6, on real git
//! repositories made here, commit by commit, each commit at a fixed date.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use scraper::{Html, Selector};
use serde_json::Value;
use tempfile::TempDir;

use crate::common::{assert_code, commit, describe, git, secbook, stderr};

const HANDBOOK: &str = "title: History\nid: 6f1d2c3b-7a8e-4f90-b1c2-d3e4f5a6b7c8\n";
const AS_OF: &str = "2026-06-30";

/// The codes this file is about; other findings are left to their own tests.
const CODES: [&str; 4] = [
    "exception.self-approved",
    "exception.renewal-unreviewed",
    "exception.changed-after-approval",
    "exception.approval-backdated",
];

/// A git repository holding a handbook, committed to at chosen dates.
struct Repo {
    dir: TempDir,
}

impl Repo {
    fn new(handbook_yaml: &str) -> Repo {
        Repo::init(&[], handbook_yaml)
    }

    /// [`Repo::new`], with more options of `git init` (`--object-format=sha256`).
    fn init(options: &[&str], handbook_yaml: &str) -> Repo {
        let repo = Repo {
            dir: tempfile::tempdir().unwrap(),
        };
        let init = [&["init", "-q", "-b", "main"][..], options].concat();
        git(repo.path(), &init, &[]);
        repo.write("handbook.yaml", handbook_yaml);
        repo
    }

    /// Merges `branch` into the branch checked out, in a merge commit dated `day`.
    #[track_caller]
    fn merge(&self, branch: &str, day: &str) {
        let at = format!("{day}T12:00:00+00:00");
        let env = [("GIT_AUTHOR_DATE", &*at), ("GIT_COMMITTER_DATE", &*at)];
        let merge = git(self.path(), &["merge", "-q", "--no-edit", branch], &env);
        assert!(merge.status.success(), "{}", describe(&merge));
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.path().join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path().join(rel)).unwrap()
    }

    /// Replaces `from`, which the file must hold, with `to` in the file `rel`.
    fn edit(&self, rel: &str, from: &str, to: &str) {
        let text = self.read(rel);
        assert!(text.contains(from), "{rel} does not hold {from:?}");
        self.write(rel, &text.replace(from, to));
    }

    /// Commits everything as `author` on `day` (at noon UTC), and returns the commit's id.
    fn commit(&self, day: &str, author: &str, subject: &str) -> String {
        let email = format!("{}@example.com", author.to_lowercase().replace(' ', "."));
        commit(self.path(), day, (author, &email), subject)
    }

    /// `secbook check --history --format json`: the findings of [`CODES`], as
    /// `(code, file, line)`.
    fn findings(&self) -> Vec<(String, String, u64)> {
        let out = secbook(
            self.path(),
            &[
                "check",
                ".",
                "--as-of",
                AS_OF,
                "--history",
                "--format",
                "json",
            ],
        );
        assert_code(&out, 0);
        let all: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
        all.iter()
            .filter(|f| CODES.contains(&f["code"].as_str().unwrap_or("")))
            .map(|f| {
                (
                    f["code"].as_str().unwrap().to_string(),
                    f["file"].as_str().unwrap().to_string(),
                    f["line"].as_u64().unwrap(),
                )
            })
            .collect()
    }

    /// `api/history.json` of a build with history into `out/`.
    fn history_json(&self) -> Value {
        let out = secbook(
            self.path(),
            &["build", ".", "--as-of", AS_OF, "--history", "-o", "out"],
        );
        assert_code(&out, 0);
        serde_json::from_slice(&fs::read(self.path().join("out/api/history.json")).unwrap())
            .unwrap()
    }

    /// The line of `data/exceptions/<id>.yaml` that starts with `start`, as the current
    /// file has it.
    fn line(&self, id: &str, start: &str) -> (String, String, u64) {
        let file = format!("data/exceptions/{id}.yaml");
        let text = self.read(&file);
        let matching: Vec<usize> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.starts_with(start))
            .map(|(n, _)| n + 1)
            .collect();
        assert_eq!(matching.len(), 1, "`{start}` in\n{text}");
        (String::new(), file, matching[0] as u64)
    }
}

/// The subjects of the first exception's commits in `api/history.json`, newest first.
fn subjects(api: &Value) -> Vec<&str> {
    api["exceptions"][0]["commits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["subject"].as_str().unwrap())
        .collect()
}

/// `(code, file, line)` of a finding expected at `line`.
fn at(code: &str, line: (String, String, u64)) -> (String, String, u64) {
    (code.to_string(), line.1, line.2)
}

/// An exception of medium severity (both sides need a manager or above), requested by
/// Ann Lee, with `status` (and what it needs), `approvals` and `renewals` written one
/// field a line.
fn exception(
    id: &str,
    severity: &str,
    status: &str,
    approvals: &[&str],
    renewals: &[&str],
) -> String {
    let mut text = format!(
        "id: {id}\ntitle: Risk {id}\ntype: acceptance\nseverity: {severity}\n{status}\
         requested_by: \"Ann Lee <ann.lee@example.com>\"\nrisk_owner: \"Bo Chen <bo.chen@example.com>\"\n\
         created: 2026-01-01\nsummary: The risk.\njustification: Why.\n"
    );
    if !approvals.is_empty() {
        text.push_str("approvals:\n");
        for a in approvals {
            text.push_str(a);
        }
    }
    if !renewals.is_empty() {
        text.push_str("renewals:\n");
        for r in renewals {
            text.push_str(r);
        }
    }
    text
}

const PENDING: &str = "status: pending\n";

fn approved(decided: &str, expires: &str) -> String {
    format!("status: approved\ndecided: {decided}\nexpires: {expires}\n")
}

/// An approval with decision approved, one field a line.
fn approval(name: &str, side: &str, date: &str) -> String {
    let email = format!("{}@example.com", name.to_lowercase().replace(' ', "."));
    format!(
        "  - name: {name}\n    email: {email}\n    role: {side} approver\n    side: {side}\n    \
         level: vp\n    decision: approved\n    date: {date}\n"
    )
}

fn renewal(date: &str, previous: &str, expires: &str) -> String {
    format!("  - date: {date}\n    previous_expires: {previous}\n    expires: {expires}\n")
}

/// A record requested on 2026-01-01 and approved on both sides on 2026-01-10, each step
/// committed on its day.
fn requested_and_approved(repo: &Repo, id: &str) {
    let file = format!("data/exceptions/{id}.yaml");
    repo.write(&file, &exception(id, "medium", PENDING, &[], &[]));
    repo.commit("2026-01-01", "Ann Lee", &format!("Request {id}"));
    repo.write(&file, &approved_on_both_sides(id));
    repo.commit("2026-01-10", "Dee Vance", &format!("Approve {id}"));
}

/// The medium exception `id` approved on both sides on 2026-01-10, to expire 2026-09-01.
fn approved_on_both_sides(id: &str) -> String {
    let approvals = [
        approval("Dee Vance", "business", "2026-01-10"),
        approval("Eli Stone", "security", "2026-01-10"),
    ];
    let approvals: Vec<&str> = approvals.iter().map(String::as_str).collect();
    exception(
        id,
        "medium",
        &approved("2026-01-10", "2026-09-01"),
        &approvals,
        &[],
    )
}

/// Raises E-1's severity in a commit dated `day`, after [`requested_and_approved`], and
/// checks that it is changed after its approval, at its last approval.
#[track_caller]
fn raise_after_approval(repo: &Repo, day: &str) {
    let file = "data/exceptions/E-1.yaml";
    repo.edit(file, "severity: medium", "severity: high");
    repo.commit(day, "Ann Lee", "Raise E-1 to high");
    assert_eq!(
        repo.findings(),
        [at(
            "exception.changed-after-approval",
            repo.line("E-1", "  - name: Eli Stone")
        )]
    );
}

#[test]
fn a_record_edited_after_its_approval_without_a_new_one_is_changed_after_approval() {
    let repo = Repo::new(HANDBOOK);
    requested_and_approved(&repo, "E-1");
    let file = "data/exceptions/E-1.yaml";
    // The summary is not what the approval decided on: editing it is fine.
    repo.edit(file, "The risk.", "The risk, better put.");
    repo.commit("2026-02-01", "Ann Lee", "Reword E-1");
    assert_eq!(repo.findings(), []);
    // Raising the severity is.
    raise_after_approval(&repo, "2026-02-02");
    // Without history it cannot be seen.
    let out = secbook(
        repo.path(),
        &["check", ".", "--as-of", AS_OF, "--format", "json"],
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("changed-after-approval"));
}

/// A Markdown field written anew as a block (`|`, `>`) with the same text changes nothing
/// but its layout: the line break a block ends with is not a change of the plan the
/// approval saw, nor of what the History tells.
#[test]
fn a_markdown_field_written_as_a_block_is_not_changed() {
    let repo = Repo::new(&format!("{HANDBOOK}history:\n  enabled: true\n"));
    let file = "data/exceptions/E-1.yaml";
    repo.write(file, &exception("E-1", "medium", PENDING, &[], &[]));
    repo.commit("2026-01-01", "Ann Lee", "Request E-1");
    let plan = "remediation_plan: Upgrade the cluster before the end of the year.\n";
    repo.write(file, &format!("{}{plan}", approved_on_both_sides("E-1")));
    repo.commit("2026-01-10", "Dee Vance", "Approve E-1");
    for (from, to) in [("plan: U", "plan: |\n  U"), ("plan: |\n", "plan: >-\n")] {
        repo.edit(file, from, to);
        repo.commit("2026-02-01", "Ann Lee", "Lay out E-1's plan");
        assert_eq!(repo.findings(), []);
        let api = repo.history_json();
        assert_eq!(
            api["exceptions"][0]["commits"][0]["changes"],
            serde_json::json!([]),
            "{api}"
        );
    }
}

/// A commit's date is what its author's clock said: one dated before its parent is still
/// the later change. Sorted by date, the edit below was read as made before the approval.
#[test]
fn a_commit_dated_before_its_parent_is_still_after_it() {
    let repo = Repo::new(HANDBOOK);
    requested_and_approved(&repo, "E-1");
    let file = "data/exceptions/E-1.yaml";
    raise_after_approval(&repo, "2025-12-31");
    // Git takes control characters in a subject; a page shows their code points.
    repo.edit(file, "The risk.", "The risk, better put.");
    repo.commit("2026-02-01", "Ann Lee", "Reword \u{1b}]0;owned\u{7} E-1\r");
    let api = repo.history_json();
    assert_eq!(
        subjects(&api),
        [
            "Reword \\u{1b}]0;owned\\u{7} E-1",
            "Raise E-1 to high",
            "Approve E-1",
            "Request E-1"
        ]
    );
    let page = fs::read_to_string(repo.path().join("out/exceptions/E-1/index.html")).unwrap();
    assert!(
        !page.contains(|c: char| c.is_control() && c != '\n'),
        "{page}"
    );
}

#[test]
fn an_approval_committed_long_after_the_date_it_claims_is_backdated() {
    let repo = Repo::new(HANDBOOK);
    let file = "data/exceptions/E-2.yaml";
    repo.write(file, &exception("E-2", "medium", PENDING, &[], &[]));
    repo.commit("2026-01-01", "Ann Lee", "Request E-2");
    // The business side approves on the 10th and commits two days later: on time.
    let business = approval("Dee Vance", "business", "2026-01-10");
    repo.write(
        file,
        &exception(
            "E-2",
            "medium",
            &approved("2026-01-10", "2026-09-01"),
            &[&business],
            &[],
        ),
    );
    repo.commit("2026-01-12", "Dee Vance", "Approve E-2 for the business");
    // The security side claims the 10th too, but reaches git on 1 March.
    let security = approval("Eli Stone", "security", "2026-01-10");
    repo.write(
        file,
        &exception(
            "E-2",
            "medium",
            &approved("2026-01-10", "2026-09-01"),
            &[&business, &security],
            &[],
        ),
    );
    repo.commit("2026-03-01", "Eli Stone", "Approve E-2 for security");
    assert_eq!(
        repo.findings(),
        [at(
            "exception.approval-backdated",
            repo.line("E-2", "  - name: Eli Stone")
        )]
    );

    // A record committed with its approvals already written (imported from elsewhere) is
    // not backdated, however old they are.
    let imported = [
        approval("Dee Vance", "business", "2025-01-10"),
        approval("Eli Stone", "security", "2025-01-10"),
    ];
    repo.write(
        "data/exceptions/E-3.yaml",
        &exception(
            "E-3",
            "medium",
            &approved("2025-01-10", "2025-12-01"),
            &[&imported[0], &imported[1]],
            &[],
        )
        .replace("created: 2026-01-01", "created: 2025-01-01"),
    );
    repo.commit("2026-04-01", "Ann Lee", "Import E-3");
    let found = repo.findings();
    assert!(
        !found.iter().any(|f| f.1.ends_with("E-3.yaml")),
        "{found:?}"
    );

    // A lag of up to `history.approval_lag_days` is allowed.
    repo.write(
        "handbook.yaml",
        &format!("{HANDBOOK}history:\n  approval_lag_days: 60\n"),
    );
    assert_eq!(repo.findings(), []);
}

#[test]
fn a_renewal_needs_a_fresh_approval_on_every_side_the_policy_requires() {
    let repo = Repo::new(HANDBOOK);
    requested_and_approved(&repo, "E-4");
    requested_and_approved(&repo, "E-5");
    let old = [
        approval("Dee Vance", "business", "2026-01-10"),
        approval("Eli Stone", "security", "2026-01-10"),
    ];
    let renewed = renewal("2026-08-20", "2026-09-01", "2026-12-01");
    let terms = approved("2026-01-10", "2026-12-01");
    // E-4 is renewed and approved again on both sides, in the same commit.
    let fresh = [
        approval("Dee Vance", "business", "2026-08-20"),
        approval("Eli Stone", "security", "2026-08-21"),
    ];
    repo.write(
        "data/exceptions/E-4.yaml",
        &exception(
            "E-4",
            "medium",
            &terms,
            &[&old[0], &old[1], &fresh[0], &fresh[1]],
            &[&renewed],
        ),
    );
    // E-5 is renewed with a fresh approval from the business side only.
    repo.write(
        "data/exceptions/E-5.yaml",
        &exception(
            "E-5",
            "medium",
            &terms,
            &[&old[0], &old[1], &fresh[0]],
            &[&renewed],
        ),
    );
    repo.commit("2026-08-21", "Ann Lee", "Renew E-4 and E-5");
    let expected = [at(
        "exception.renewal-unreviewed",
        repo.line("E-5", "  - date: 2026-08-20"),
    )];
    assert_eq!(repo.findings(), expected);
    // The renewal moved the expiry in the commit that added it: not a change after the
    // approval. And the finding needs no history.
    let out = secbook(
        repo.path(),
        &["check", ".", "--as-of", AS_OF, "--format", "json"],
    );
    let all: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<&str> = all.iter().filter_map(|f| f["code"].as_str()).collect();
    assert_eq!(
        codes,
        ["exception.renewal-unreviewed"],
        "{}",
        describe(&out)
    );
}

#[test]
fn an_approval_by_the_requester_is_self_approved() {
    let repo = Repo::new(HANDBOOK);
    let business = approval("Ann Lee", "business", "2026-01-10");
    let security = approval("Eli Stone", "security", "2026-01-10");
    repo.write(
        "data/exceptions/E-6.yaml",
        &exception(
            "E-6",
            "medium",
            &approved("2026-01-10", "2026-09-01"),
            &[&business, &security],
            &[],
        ),
    );
    repo.commit("2026-01-10", "Ann Lee", "Approve my own E-6");
    assert_eq!(
        repo.findings(),
        [at(
            "exception.self-approved",
            repo.line("E-6", "  - name: Ann Lee")
        )]
    );
    // The same person written another way (letter case, by email).
    repo.write(
        "data/exceptions/E-6.yaml",
        &repo
            .read("data/exceptions/E-6.yaml")
            .replace("  - name: Ann Lee", "  - name: A. Lee")
            .replace("email: ann.lee@example.com", "email: ANN.LEE@example.com"),
    );
    assert_eq!(
        repo.findings(),
        [at(
            "exception.self-approved",
            repo.line("E-6", "  - name: A. Lee")
        )]
    );
}

#[test]
fn a_clean_history_gives_no_finding() {
    let repo = Repo::new(HANDBOOK);
    requested_and_approved(&repo, "E-7");
    let file = "data/exceptions/E-7.yaml";
    repo.edit(file, "Why.", "Why, with the numbers.");
    repo.commit("2026-02-01", "Ann Lee", "Explain E-7");
    // Renewed, and approved again on both sides the same day.
    let text = repo
        .read(file)
        .replace("expires: 2026-09-01", "expires: 2026-12-01");
    let text = format!(
        "{text}{}{}renewals:\n{}",
        approval("Dee Vance", "business", "2026-08-20"),
        approval("Eli Stone", "security", "2026-08-20"),
        renewal("2026-08-20", "2026-09-01", "2026-12-01")
    );
    repo.write(file, &text);
    repo.commit("2026-08-20", "Dee Vance", "Renew E-7");
    assert_eq!(repo.findings(), []);
    let out = secbook(
        repo.path(),
        &[
            "check",
            ".",
            "--as-of",
            AS_OF,
            "--history",
            "--format",
            "json",
        ],
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "[]",
        "{}",
        describe(&out)
    );
}

#[test]
fn the_history_section_and_api_history_json_match_the_commits() {
    let repo = Repo::new(&format!("{HANDBOOK}history:\n  enabled: true\n"));
    let file = "data/exceptions/E-8.yaml";
    repo.write(file, &exception("E-8", "medium", PENDING, &[], &[]));
    repo.write(
        "data/incidents/I-1.yaml",
        "id: I-1\ntitle: An incident\nseverity: sev3\nstatus: investigating\n\
         commander: Kim Ode\nsource: monitoring\nreported: 2026-06-29\nsummary: s\n",
    );
    let created = repo.commit("2026-01-01", "Ann Lee", "Request E-8 <b>& I-1</b>");
    let approvals = [
        approval("Dee Vance", "business", "2026-01-10"),
        approval("Eli Stone", "security", "2026-01-10"),
    ];
    repo.write(
        file,
        &exception(
            "E-8",
            "low",
            &approved("2026-01-10", "2026-09-01"),
            &[&approvals[0], &approvals[1]],
            &[],
        ),
    );
    let decided = repo.commit("2026-01-11", "Dee Vance", "Approve E-8");
    // A commit that touches no record is in no record's history.
    repo.write("content/_index.md", "---\ntitle: Home\n---\nHello.\n");
    repo.commit("2026-01-12", "Ann Lee", "Add a home page");

    // Packed, as a clone is: the versions are then read in the order the pack has them.
    git(repo.path(), &["gc", "-q"], &[]);
    let out_dir = repo.path().join("public");
    let out = secbook(repo.path(), &["build", ".", "--as-of", AS_OF]);
    assert_code(&out, 0);
    assert!(!stderr(&out).contains("history"), "{}", stderr(&out));
    let api: Value =
        serde_json::from_slice(&fs::read(out_dir.join("api/history.json")).unwrap()).unwrap();
    let expected = serde_json::json!({
        "exceptions": [{
            "id": "E-8",
            "file": "data/exceptions/E-8.yaml",
            "commits": [
                {
                    "commit": decided,
                    "date": "2026-01-11T12:00:00+00:00",
                    "author": "Dee Vance",
                    "email": "dee.vance@example.com",
                    "subject": "Approve E-8",
                    "action": "changed",
                    "changes": [
                        {"field": "severity", "change": "changed", "old": "medium", "new": "low"},
                        {"field": "status", "change": "changed", "old": "pending", "new": "approved"},
                        {"field": "decided", "change": "added", "new": "2026-01-10"},
                        {"field": "expires", "change": "added", "new": "2026-09-01"},
                        {"field": "approvals", "change": "added", "new": "2 entries"},
                    ],
                },
                {
                    "commit": created,
                    "date": "2026-01-01T12:00:00+00:00",
                    "author": "Ann Lee",
                    "email": "ann.lee@example.com",
                    "subject": "Request E-8 <b>& I-1</b>",
                    "action": "created",
                    "changes": [],
                },
            ],
            "approvals": [
                {"index": 0, "name": "Dee Vance", "decision": "approved", "claimed": "2026-01-10",
                 "first_seen": "2026-01-11", "commit": decided, "lag_days": 1, "with_record": false},
                {"index": 1, "name": "Eli Stone", "decision": "approved", "claimed": "2026-01-10",
                 "first_seen": "2026-01-11", "commit": decided, "lag_days": 1, "with_record": false},
            ],
        }],
        "incidents": [{
            "id": "I-1",
            "file": "data/incidents/I-1.yaml",
            "commits": [{
                "commit": created,
                "date": "2026-01-01T12:00:00+00:00",
                "author": "Ann Lee",
                "email": "ann.lee@example.com",
                "subject": "Request E-8 <b>& I-1</b>",
                "action": "created",
                "changes": [],
            }],
        }],
    });
    assert_eq!(api, expected);

    // The page shows the same, newest first, every value escaped.
    let page = fs::read_to_string(out_dir.join("exceptions/E-8/index.html")).unwrap();
    assert!(
        page.contains("Request E-8 &lt;b&gt;&amp; I-1&lt;"),
        "{page}"
    );
    assert!(!page.contains("<b>&"), "{page}");
    let html = Html::parse_document(&page);
    let rows = Selector::parse("section[aria-labelledby=history] tbody tr").unwrap();
    let cell = Selector::parse("td").unwrap();
    let rows: Vec<Vec<String>> = html
        .select(&rows)
        .map(|r| {
            r.select(&cell)
                .map(|c| c.text().collect::<String>())
                .collect()
        })
        .collect();
    assert_eq!(
        rows,
        [
            vec![
                "2026-01-11".to_string(),
                "Dee Vancedee.vance@example.com".into(),
                format!("{} Approve E-8", &decided[..10]),
                "severity: medium → lowstatus: pending → approveddecided: none → 2026-01-10\
                 expires: none → 2026-09-01approvals: none → 2 entries"
                    .into(),
            ],
            vec![
                "2026-01-01".to_string(),
                "Ann Leeann.lee@example.com".into(),
                format!("{} Request E-8 <b>& I-1</b>", &created[..10]),
                "created the record".into(),
            ],
        ]
    );
    let incident = fs::read_to_string(out_dir.join("incidents/I-1/index.html")).unwrap();
    assert!(incident.contains(r#"<h2 id="history">History</h2>"#));

    // The audit report sets the claimed date beside the first commit that held it.
    let audit = fs::read_to_string(out_dir.join("audit/index.html")).unwrap();
    assert!(
        audit.contains(&format!(
            r#"<time>2026-01-11</time> <code>{}</code>"#,
            &decided[..10]
        )),
        "{audit}"
    );

    // The same repository gives the same bytes.
    let again = repo.path().join("again");
    let out = secbook(
        repo.path(),
        &["build", ".", "--as-of", AS_OF, "-o", "again"],
    );
    assert_code(&out, 0);
    for path in [
        "api/history.json",
        "exceptions/E-8/index.html",
        "audit/index.html",
    ] {
        assert_eq!(
            fs::read(out_dir.join(path)).unwrap(),
            fs::read(again.join(path)).unwrap(),
            "{path}"
        );
    }
}

#[test]
fn a_merge_shows_a_change_once_at_the_commit_that_made_it() {
    let repo = Repo::new(HANDBOOK);
    let file = "data/exceptions/E-9.yaml";
    repo.write(file, &exception("E-9", "medium", PENDING, &[], &[]));
    repo.commit("2026-01-01", "Ann Lee", "Request E-9");
    git(repo.path(), &["checkout", "-q", "-b", "side"], &[]);
    repo.edit(file, "severity: medium", "severity: high");
    let side = repo.commit("2026-01-02", "Bo Chen", "Raise E-9");
    git(repo.path(), &["checkout", "-q", "main"], &[]);
    repo.write("content/_index.md", "---\ntitle: Home\n---\n");
    repo.commit("2026-01-03", "Ann Lee", "Add a home page");
    repo.merge("side", "2026-01-04");
    let api = repo.history_json();
    assert_eq!(subjects(&api), ["Raise E-9", "Request E-9"]);
    assert_eq!(api["exceptions"][0]["commits"][0]["commit"], side);
}

/// A version that does not read, and a file deleted and added again, tell nothing of what
/// the record held: the commit after them is compared with the last version that read, so
/// it neither adds every approval again, which hid the change made before them, nor hides
/// what it changed itself.
#[test]
fn a_version_that_does_not_read_or_a_deleted_file_is_passed_over() {
    let repo = Repo::new(HANDBOOK);
    requested_and_approved(&repo, "E-1");
    raise_after_approval(&repo, "2026-02-01");
    let changed = at(
        "exception.changed-after-approval",
        repo.line("E-1", "  - name: Eli Stone"),
    );
    let file = "data/exceptions/E-1.yaml";
    let good = repo.read(file);
    repo.write(file, "id: E-1\ntitle: [broken\n");
    repo.commit("2026-02-10", "Ann Lee", "Break E-1");
    repo.write(file, &good);
    repo.commit("2026-02-11", "Ann Lee", "Mend E-1");
    assert_eq!(repo.findings(), std::slice::from_ref(&changed));
    let api = repo.history_json();
    let commits = &api["exceptions"][0]["commits"];
    // What did not parse is the version before the mend, not the mend.
    assert_eq!(commits[0]["subject"], "Mend E-1");
    assert_eq!(commits[0]["unreadable"], Value::Null);
    assert_eq!(commits[0]["changes"], serde_json::json!([]));
    let broken = commits[1]["unreadable"].as_str().unwrap();
    assert!(broken.contains("did not parse"), "{broken}");
    // Deleted, then added again with a later expiry: the expiry moved after the approval.
    fs::remove_file(repo.path().join(file)).unwrap();
    repo.commit("2026-03-01", "Ann Lee", "Tidy E-1");
    repo.write(
        file,
        &good.replace("expires: 2026-09-01", "expires: 2027-03-01"),
    );
    repo.commit("2026-03-02", "Ann Lee", "Restore E-1");
    assert_eq!(repo.findings(), [changed.clone(), changed]);
    let api = repo.history_json();
    let restored = &api["exceptions"][0]["commits"][0];
    assert_eq!(restored["action"], "restored");
    assert_eq!(
        restored["changes"],
        serde_json::json!([{"field": "expires", "change": "changed", "old": "2026-09-01", "new": "2027-03-01"}])
    );
    let page = fs::read_to_string(repo.path().join("out/exceptions/E-1/index.html")).unwrap();
    assert!(page.contains("restored the record"), "{page}");
}

/// A record whose first commit does not read arrives, as history knows it, with the first
/// version that does: the approvals it holds came with the record (an import), not long
/// after the dates they claim.
#[test]
fn approvals_of_a_record_whose_first_version_does_not_read_are_not_backdated() {
    let repo = Repo::new(HANDBOOK);
    let file = "data/exceptions/E-1.yaml";
    repo.write(file, "id: E-1\ntitle: [imported, half\n");
    repo.commit("2026-03-01", "Ann Lee", "Import E-1");
    repo.write(file, &approved_on_both_sides("E-1"));
    repo.commit("2026-03-02", "Ann Lee", "Mend the import of E-1");
    assert_eq!(repo.findings(), []);
    let api = repo.history_json();
    let approvals = &api["exceptions"][0]["approvals"];
    assert_eq!(approvals[0]["with_record"], true, "{approvals}");
}

/// A commit that corrects how approvers are written (a new email domain) adds no approval:
/// an approval is the decision it records, not its approver's spelling.
#[test]
fn correcting_an_approvers_email_adds_no_approval() {
    let repo = Repo::new(HANDBOOK);
    requested_and_approved(&repo, "E-1");
    raise_after_approval(&repo, "2026-02-01");
    let file = "data/exceptions/E-1.yaml";
    let text = repo.read(file).replace(
        "    email: dee.vance@example.com",
        "    email: dee.vance@example.org",
    );
    // The risk owner moves domain too: the same person, written anew.
    let text = text.replace(
        "risk_owner: \"Bo Chen <bo.chen@example.com>\"",
        "risk_owner: \"Bo Chen <bo.chen@example.org>\"",
    );
    assert!(text.contains("bo.chen@example.org"), "{text}");
    repo.write(file, &text.replace("name: Eli Stone", "name: Eli J. Stone"));
    repo.commit("2026-05-01", "Ann Lee", "Move approvers to the new domain");
    assert_eq!(
        repo.findings(),
        [at(
            "exception.changed-after-approval",
            repo.line("E-1", "  - name: Eli J. Stone")
        )]
    );
    let api = repo.history_json();
    let firsts: Vec<&Value> = api["exceptions"][0]["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["first_seen"])
        .collect();
    assert_eq!(firsts, ["2026-01-10", "2026-01-10"]);
}

/// A merge that takes each field as one of its parents had it changed nothing: the branch's
/// change is found once, at the commit that made it, not again at the merge. A field the
/// merge sets to what neither parent had (a conflict resolved by hand) it changed.
#[test]
fn a_merge_changes_only_what_differs_from_every_parent() {
    let repo = Repo::new(HANDBOOK);
    requested_and_approved(&repo, "E-1");
    let file = "data/exceptions/E-1.yaml";
    git(repo.path(), &["checkout", "-q", "-b", "side"], &[]);
    repo.edit(file, "expires: 2026-09-01", "expires: 2026-12-01");
    repo.commit("2026-02-01", "Bo Chen", "Push E-1's expiry");
    git(repo.path(), &["checkout", "-q", "main"], &[]);
    repo.edit(file, "title: Risk E-1", "title: Risk E-1, retitled");
    repo.commit("2026-02-02", "Ann Lee", "Retitle E-1");
    repo.merge("side", "2026-02-03");
    let changed = at(
        "exception.changed-after-approval",
        repo.line("E-1", "  - name: Eli Stone"),
    );
    assert_eq!(repo.findings(), std::slice::from_ref(&changed));
    let api = repo.history_json();
    let merged = &api["exceptions"][0]["commits"][0];
    assert!(merged["subject"].as_str().unwrap().starts_with("Merge"));
    assert_eq!(merged["changes"], serde_json::json!([]));
    assert_eq!(merged["merge"], true);
    assert_eq!(api["exceptions"][0]["commits"][1]["merge"], Value::Null);
    let page = fs::read_to_string(repo.path().join("out/exceptions/E-1/index.html")).unwrap();
    assert!(page.contains("merged what its branches changed"), "{page}");
    assert!(!page.contains("only layout or comments"), "{page}");
    // A conflict resolved by hand, to an expiry neither side had.
    git(repo.path(), &["checkout", "-q", "-b", "other", "side"], &[]);
    repo.edit(file, "expires: 2026-12-01", "expires: 2026-10-01");
    repo.commit("2026-02-04", "Bo Chen", "Pull E-1's expiry in");
    git(repo.path(), &["checkout", "-q", "main"], &[]);
    repo.edit(file, "expires: 2026-12-01", "expires: 2026-11-01");
    repo.commit("2026-02-05", "Ann Lee", "Move E-1's expiry");
    git(
        repo.path(),
        &["merge", "-q", "--no-commit", "-s", "ours", "other"],
        &[],
    );
    repo.edit(file, "expires: 2026-11-01", "expires: 2026-09-15");
    repo.commit("2026-02-06", "Ann Lee", "Merge other");
    let api = repo.history_json();
    let resolved = &api["exceptions"][0]["commits"][0];
    assert_eq!(resolved["subject"], "Merge other");
    assert_eq!(resolved["changes"][0]["field"], "expires");
    assert_eq!(repo.findings().len(), 4);
}

/// A change made on a branch before the approval, and merged after it, reached the
/// approved record after its approval, which never saw it: it is changed after approval,
/// at the merge, though its own commit is older than the approval's.
#[test]
fn a_change_merged_after_the_approval_is_changed_after_approval() {
    let repo = Repo::new(HANDBOOK);
    let file = "data/exceptions/E-1.yaml";
    repo.write(file, &exception("E-1", "medium", PENDING, &[], &[]));
    repo.commit("2026-01-01", "Ann Lee", "Request E-1");
    git(repo.path(), &["checkout", "-q", "-b", "side"], &[]);
    repo.edit(
        file,
        "risk_owner: \"Bo Chen <bo.chen@example.com>\"",
        "risk_owner: \"Cy Dorn <cy.dorn@example.com>\"",
    );
    repo.commit("2026-01-05", "Bo Chen", "Hand E-1 to Cy");
    git(repo.path(), &["checkout", "-q", "main"], &[]);
    repo.write(file, &approved_on_both_sides("E-1"));
    repo.commit("2026-01-10", "Dee Vance", "Approve E-1");
    repo.merge("side", "2026-01-15");
    assert!(repo.read(file).contains("Cy Dorn"));
    let changed = at(
        "exception.changed-after-approval",
        repo.line("E-1", "  - name: Eli Stone"),
    );
    assert_eq!(repo.findings(), std::slice::from_ref(&changed));
    let args = [
        "check",
        ".",
        "--as-of",
        AS_OF,
        "--history",
        "--format",
        "json",
    ];
    let out = secbook(repo.path(), &args);
    let out = String::from_utf8_lossy(&out.stdout);
    assert!(out.contains("`risk_owner` changed on 2026-01-15"), "{out}");
}

/// A record renamed (`git mv`, here to the name its id asks for) keeps its history: it is
/// not new at the rename, nor its approvals written with it, exempt from the backdated
/// check. A file renamed with its id changed is followed where half its fields stay alike.
/// A person's commits under an old address or another spelling of their name are theirs,
/// as the repository's `.mailmap` says and `git log` shows them; a change to the mailmap
/// shows at the next build, though HEAD and the history kept between builds have not moved.
#[test]
fn authors_are_named_as_the_mailmap_names_them() {
    let repo = Repo::new(&format!("{HANDBOOK}history:\n  enabled: true\n"));
    let file = "data/exceptions/E-1.yaml";
    repo.write(file, &exception("E-1", "medium", PENDING, &[], &[]));
    commit(
        repo.path(),
        "2026-01-01",
        ("Ann Lee", "ann@old.example"),
        "Request E-1",
    );
    repo.edit(file, "severity: medium", "severity: low");
    commit(
        repo.path(),
        "2026-01-02",
        ("A. Lee", "ann.lee@example.com"),
        "Lower E-1",
    );
    repo.edit(file, "severity: low", "severity: high");
    commit(
        repo.path(),
        "2026-01-03",
        ("Dee Vance", "dee@example.com"),
        "Raise E-1",
    );
    let authors = |api: &Value| -> Vec<String> {
        let commits = api["exceptions"][0]["commits"].as_array().unwrap();
        let named = commits
            .iter()
            .map(|c| format!("{} <{}>", c["author"], c["email"]));
        named.map(|a| a.replace('"', "")).collect()
    };
    let git_log = || -> Vec<String> {
        let args = ["log", "--use-mailmap", "--format=%aN <%aE>", "--", file];
        let out = git(repo.path(), &args, &[]);
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    };
    let unmapped = [
        "Dee Vance <dee@example.com>",
        "A. Lee <ann.lee@example.com>",
        "Ann Lee <ann@old.example>",
    ];
    assert_eq!(authors(&repo.history_json()), unmapped);

    repo.write(
        ".mailmap",
        "Ann Lee <ann.lee@example.com> <ann@old.example>\nAnn Lee <ann.lee@example.com>\n\
         Dee Vance-Ortiz <DEE@EXAMPLE.COM>\n",
    );
    // A line of a name and one address renames the author, and keeps the address as the
    // commit writes it.
    let mapped = [
        "Dee Vance-Ortiz <dee@example.com>",
        "Ann Lee <ann.lee@example.com>",
        "Ann Lee <ann.lee@example.com>",
    ];
    assert_eq!(git_log(), mapped);
    assert_eq!(authors(&repo.history_json()), mapped);

    fs::remove_file(repo.path().join(".mailmap")).unwrap();
    assert_eq!(git_log(), unmapped);
    assert_eq!(authors(&repo.history_json()), unmapped);
}

/// A handbook in a folder whose name is not UTF-8 (git names folders by their bytes) has
/// its history, where it had none and no word of why.
#[test]
fn a_handbook_in_a_folder_named_in_another_encoding_has_its_history() {
    use std::os::unix::ffi::OsStrExt;
    let repo = Repo::new("");
    let folder = repo
        .path()
        .join(std::ffi::OsStr::from_bytes(b"Sicherheit-\xe4nderungen"));
    let handbook = format!("{HANDBOOK}history:\n  enabled: true\n");
    fs::create_dir_all(folder.join("data/exceptions")).unwrap();
    fs::write(folder.join("handbook.yaml"), handbook).unwrap();
    let record = exception("E-1", "medium", PENDING, &[], &[]);
    fs::write(folder.join("data/exceptions/E-1.yaml"), record).unwrap();
    let id = repo.commit("2026-01-01", "Ann Lee", "Request E-1");
    let out = secbook(&folder, &["build", ".", "--as-of", AS_OF, "-o", "out"]);
    assert_code(&out, 0);
    let api: Value =
        serde_json::from_slice(&fs::read(folder.join("out/api/history.json")).unwrap()).unwrap();
    let commits = api["exceptions"][0]["commits"].as_array().unwrap();
    let ids: Vec<&str> = commits
        .iter()
        .map(|c| c["commit"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [id.as_str()], "{}", describe(&out));
}

/// A repository whose git folder is kept apart from its work tree, named by `GIT_DIR` and
/// `GIT_WORK_TREE` as git is told it, is the handbook's: it was not found.
#[test]
fn git_dir_and_git_work_tree_name_the_repository_as_they_do_for_git() {
    let tmp = tempfile::tempdir().unwrap();
    let (store, work) = (tmp.path().join("store.git"), tmp.path().join("hb"));
    git(tmp.path(), &["init", "-q", "--bare", "store.git"], &[]);
    fs::create_dir_all(work.join("data/exceptions")).unwrap();
    let handbook = format!("{HANDBOOK}history:\n  enabled: true\n");
    fs::write(work.join("handbook.yaml"), handbook).unwrap();
    let record = exception("E-1", "medium", PENDING, &[], &[]);
    fs::write(work.join("data/exceptions/E-1.yaml"), record).unwrap();
    let env = [
        ("GIT_DIR", store.to_str().unwrap()),
        ("GIT_WORK_TREE", work.to_str().unwrap()),
    ];
    let when = [("GIT_AUTHOR_DATE", "2026-01-01T12:00:00+00:00")];
    git(&work, &["add", "-A"], &env);
    git(
        &work,
        &["commit", "-q", "-m", "Request E-1"],
        &[env[0], env[1], when[0]],
    );
    let head = git(&work, &["rev-parse", "HEAD"], &env);
    let id = String::from_utf8(head.stdout).unwrap().trim().to_string();
    let out = crate::common::command()
        .args(["build", ".", "--as-of", AS_OF, "-o", "out"])
        .current_dir(&work)
        .envs(env)
        .output()
        .unwrap();
    assert_code(&out, 0);
    assert!(!stderr(&out).contains("history"), "{}", describe(&out));
    let api: Value =
        serde_json::from_slice(&fs::read(work.join("out/api/history.json")).unwrap()).unwrap();
    let commits = api["exceptions"][0]["commits"].as_array().unwrap();
    assert_eq!(commits[0]["commit"].as_str(), Some(id.as_str()));
}

/// A commit made with `i18n.commitEncoding` (here ISO-8859-1, as older Windows tools
/// wrote) is read in its encoding, as `git log` reads it: its author's name and subject are
/// not shown as replacement characters.
#[test]
fn a_commit_in_another_encoding_is_read_in_it() {
    use std::os::unix::ffi::OsStrExt;
    let repo = Repo::new(&format!("{HANDBOOK}history:\n  enabled: true\n"));
    repo.write(
        "data/exceptions/E-1.yaml",
        &exception("E-1", "medium", PENDING, &[], &[]),
    );
    fs::write(
        repo.path().join("message"),
        b"Ausnahme f\xfcr E-1 beantragt\n",
    )
    .unwrap();
    git(repo.path(), &["add", "data"], &[]);
    let name = std::ffi::OsStr::from_bytes(b"Jos\xe9 Mu\xf1oz");
    let out = Command::new("git")
        .args([
            "-c",
            "i18n.commitEncoding=ISO-8859-1",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(["commit", "-q", "-F", "message"])
        .env("GIT_AUTHOR_NAME", name)
        .env("GIT_AUTHOR_EMAIL", "jose@example.com")
        .env("GIT_COMMITTER_NAME", name)
        .env("GIT_COMMITTER_EMAIL", "jose@example.com")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .current_dir(repo.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let api = repo.history_json();
    let commit = &api["exceptions"][0]["commits"][0];
    assert_eq!(commit["author"], "José Muñoz");
    assert_eq!(commit["subject"], "Ausnahme für E-1 beantragt");
}

/// A subject is the commit's first paragraph, its lines joined, as `git log` gives it
/// (`%s`); a commit whose time git's format cannot hold (a clock glitch, written with
/// `git hash-object --literally`) is shown at its author's time, and the history is kept.
#[test]
fn a_subject_is_the_first_paragraph_and_an_unreadable_time_loses_no_history() {
    let repo = Repo::new(&format!("{HANDBOOK}history:\n  enabled: true\n"));
    repo.write(
        "data/exceptions/E-1.yaml",
        &exception("E-1", "medium", PENDING, &[], &[]),
    );
    repo.commit(
        "2026-01-05",
        "Ann Lee",
        "Request E-1 after the review\nmeeting with Finance (SEC-12)\n\nThe body.",
    );
    repo.edit(
        "data/exceptions/E-1.yaml",
        "severity: medium",
        "severity: high",
    );
    git(repo.path(), &["add", "-A"], &[]);
    let text = |out: Output| String::from_utf8(out.stdout).unwrap();
    let tree = text(git(repo.path(), &["write-tree"], &[]));
    let head = text(git(repo.path(), &["rev-parse", "HEAD"], &[]));
    fs::write(
        repo.path().join("glitch"),
        format!(
            "tree {}\nparent {}\nauthor A <a@example.com> 1770000000 +0000\n\
             committer A <a@example.com> 18446744073709551615 +0000\n\nRaise E-1\n",
            tree.trim(),
            head.trim()
        ),
    )
    .unwrap();
    let glitch = git(
        repo.path(),
        &["hash-object", "-t", "commit", "-w", "--literally", "glitch"],
        &[],
    );
    let glitch = text(glitch);
    git(repo.path(), &["update-ref", "HEAD", glitch.trim()], &[]);
    let api = repo.history_json();
    let subjects = subjects(&api);
    assert_eq!(
        subjects,
        [
            "Raise E-1",
            "Request E-1 after the review meeting with Finance (SEC-12)"
        ]
    );
    // 1770000000 is 2026-02-02.
    assert_eq!(
        api["exceptions"][0]["commits"][0]["date"],
        "2026-02-02T02:40:00+00:00"
    );
}

/// A site built from a work tree whose record file has changes not committed says so at
/// the top of the record's history, with the fields they change: the page shows the file,
/// and its history would otherwise end at a version the page does not show.
#[test]
fn changes_not_committed_are_told_at_the_top_of_the_history() {
    let repo = Repo::new(&format!("{HANDBOOK}history:\n  enabled: true\n"));
    let file = "data/exceptions/E-1.yaml";
    repo.write(file, &exception("E-1", "medium", PENDING, &[], &[]));
    repo.commit("2026-01-01", "Ann Lee", "Request E-1");
    let uncommitted = |repo: &Repo| repo.history_json()["exceptions"][0]["uncommitted"].clone();
    assert_eq!(uncommitted(&repo), Value::Null);

    // Only layout and a comment: nothing to tell.
    repo.edit(file, "severity: medium", "severity:   medium  # reviewed");
    assert_eq!(uncommitted(&repo), Value::Null);

    repo.edit(file, "severity:   medium  # reviewed", "severity: critical");
    let expected = serde_json::json!({
        "changes": [{"field": "severity", "change": "changed", "old": "medium", "new": "critical"}]
    });
    assert_eq!(uncommitted(&repo), expected);
    let page = repo.read("out/exceptions/E-1/index.html");
    let row = page.find("<tr class=\"uncommitted\">").expect("the row");
    let first = page.find("<td><time").unwrap();
    assert!(row < first, "before the commits: {page}");
    assert!(
        page[row..first].contains("<code>severity</code>: medium → critical"),
        "{page}"
    );

    repo.commit("2026-01-02", "Ann Lee", "Raise E-1");
    assert_eq!(uncommitted(&repo), Value::Null);
}

#[test]
fn a_renamed_record_keeps_its_history() {
    let repo = Repo::new(HANDBOOK);
    let old = "data/exceptions/E-9.yaml";
    repo.write(old, &exception("E-1", "medium", PENDING, &[], &[]));
    repo.commit("2026-01-01", "Ann Lee", "Request E-1");
    // Approved on the 10th, committed on the 30th.
    let approved = approved_on_both_sides("E-1");
    repo.write(old, &approved);
    repo.commit("2026-01-30", "Dee Vance", "Approve E-1");
    git(repo.path(), &["mv", old, "data/exceptions/E-1.yaml"], &[]);
    repo.commit("2026-02-01", "Ann Lee", "Name E-1's file after its id");
    let backdated = |name: &str| {
        at(
            "exception.approval-backdated",
            repo.line("E-1", &format!("  - name: {name}")),
        )
    };
    let mut findings = repo.findings();
    findings.sort();
    assert_eq!(findings, [backdated("Dee Vance"), backdated("Eli Stone")]);
    let api = repo.history_json();
    assert_eq!(
        subjects(&api),
        ["Name E-1's file after its id", "Approve E-1", "Request E-1"]
    );
    // Renamed with its id.
    fs::remove_file(repo.path().join("data/exceptions/E-1.yaml")).unwrap();
    repo.write(
        "data/exceptions/E-2.yaml",
        &approved.replace("id: E-1", "id: E-2"),
    );
    repo.commit("2026-02-02", "Ann Lee", "E-1 is E-2");
    let api = repo.history_json();
    assert_eq!(
        subjects(&api)[..2],
        ["E-1 is E-2", "Name E-1's file after its id"]
    );
    assert_eq!(repo.findings().len(), 2);
    // Renamed with its id and retitled in one commit: its summary is its own.
    fs::remove_file(repo.path().join("data/exceptions/E-2.yaml")).unwrap();
    repo.write("data/exceptions/E-3.yaml", &approved.replace("E-1", "E-3"));
    repo.commit("2026-02-03", "Ann Lee", "E-2 is E-3, Risk E-3");
    let api = repo.history_json();
    assert_eq!(
        subjects(&api)[..3],
        [
            "E-2 is E-3, Risk E-3",
            "E-1 is E-2",
            "Name E-1's file after its id"
        ]
    );
    assert_eq!(repo.findings().len(), 2);
}

/// A record git holds as a Git LFS pointer (a clean/smudge filter keeps its content
/// elsewhere) gets one warning that says so, and no finding is raised from the pointer.
#[test]
fn a_record_held_as_a_git_lfs_pointer_is_warned_of() {
    let repo = Repo::new(HANDBOOK);
    requested_and_approved(&repo, "E-1");
    // What `git lfs track` then `git add` put in git: the pointer, the work tree keeping
    // the record.
    let outside = tempfile::tempdir().unwrap();
    let pointer = outside.path().join("pointer");
    fs::write(
        &pointer,
        "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 420\n",
    )
    .unwrap();
    let out = git(
        repo.path(),
        &["hash-object", "-w", pointer.to_str().unwrap()],
        &[],
    );
    let blob = String::from_utf8(out.stdout).unwrap();
    let info = format!("100644,{},data/exceptions/E-1.yaml", blob.trim());
    git(repo.path(), &["update-index", "--cacheinfo", &info], &[]);
    let when = [
        ("GIT_AUTHOR_DATE", "2026-02-01T12:00:00+00:00"),
        ("GIT_COMMITTER_DATE", "2026-02-01T12:00:00+00:00"),
    ];
    git(
        repo.path(),
        &["commit", "-q", "-m", "Track E-1 in LFS"],
        &when,
    );
    assert_eq!(repo.findings(), []);
    let out = secbook(repo.path(), &["check", ".", "--as-of", AS_OF, "--history"]);
    let warned = (stderr(&out).lines())
        .filter(|l| l.starts_with("warning") && l.contains("Git LFS"))
        .count();
    assert_eq!(warned, 1, "{}", stderr(&out));
    let api = repo.history_json();
    let row = &api["exceptions"][0]["commits"][0];
    assert!(
        row["unreadable"]
            .as_str()
            .unwrap()
            .contains("Git LFS pointer"),
        "{row}"
    );
}

/// How many warnings a run printed.
fn warnings(stderr: &str) -> usize {
    stderr.lines().filter(|l| l.starts_with("warning")).count()
}

/// Builds `dir` with history and returns the build's standard error.
fn build_with_history(dir: &Path) -> String {
    let out = secbook(
        dir,
        &["build", ".", "--as-of", AS_OF, "--history", "-o", "out"],
    );
    assert_code(&out, 0);
    assert!(!dir.join("out/api/history.json").exists());
    let page = fs::read_to_string(dir.join("out/exceptions/E-1/index.html")).unwrap();
    assert!(!page.contains(r#"id="history""#));
    stderr(&out)
}

#[test]
fn a_handbook_outside_git_warns_once_and_builds_without_history() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("handbook.yaml"),
        format!("{HANDBOOK}history:\n  enabled: true\n"),
    )
    .unwrap();
    fs::create_dir_all(dir.path().join("data/exceptions")).unwrap();
    fs::write(
        dir.path().join("data/exceptions/E-1.yaml"),
        exception("E-1", "medium", PENDING, &[], &[]),
    )
    .unwrap();
    let err = build_with_history(dir.path());
    assert_eq!(warnings(&err), 1, "{err}");
    assert!(
        err.contains("is not in a git repository: building without history"),
        "{err}"
    );
    // At the setting that asked for it.
    assert!(err.contains("handbook.yaml:4:12"), "{err}");
}

#[test]
fn a_shallow_clone_warns_once_and_builds_without_history() {
    // `--history` turns it on, not the setting: the warning is not put at the setting.
    let repo = Repo::new(&format!("{HANDBOOK}history:\n  enabled: false\n"));
    let file = "data/exceptions/E-1.yaml";
    repo.write(file, &exception("E-1", "medium", PENDING, &[], &[]));
    repo.commit("2026-01-01", "Ann Lee", "Request E-1");
    repo.edit(file, "The risk.", "The risk, again.");
    repo.commit("2026-01-02", "Ann Lee", "Reword E-1");
    let clones = tempfile::tempdir().unwrap();
    let url = format!("file://{}", repo.path().display());
    git(
        clones.path(),
        &["clone", "-q", "--depth", "1", &url, "shallow"],
        &[],
    );
    let err = build_with_history(&clones.path().join("shallow"));
    assert_eq!(warnings(&err), 1, "{err}");
    assert!(err.contains("shallow clone"), "{err}");
    assert!(err.contains("git fetch --unshallow"), "{err}");
    assert!(!err.contains("handbook.yaml:"), "{err}");
}

/// Records whose folder git holds as a symbolic link (to records kept elsewhere in the
/// repository) have their history where the log of data/exceptions does not look: the
/// build says so and goes without, where each record page said no commit had changed it.
#[test]
fn a_record_folder_git_holds_as_a_link_warns_and_builds_without_history() {
    let repo = Repo::new(&format!("{HANDBOOK}history:\n  enabled: false\n"));
    repo.write(
        "registry/E-1.yaml",
        &exception("E-1", "medium", PENDING, &[], &[]),
    );
    fs::create_dir_all(repo.path().join("data")).unwrap();
    std::os::unix::fs::symlink("../registry", repo.path().join("data/exceptions")).unwrap();
    repo.commit("2026-01-01", "Ann Lee", "Request E-1");
    repo.edit("registry/E-1.yaml", "The risk.", "The risk, again.");
    repo.commit("2026-01-02", "Ann Lee", "Reword E-1");
    let err = build_with_history(repo.path());
    assert_eq!(warnings(&err), 1, "{err}");
    assert!(
        err.contains("git holds data/exceptions as a symbolic link"),
        "{err}"
    );
    assert!(err.contains("building without history"), "{err}");
}

/// A repository of SHA-256 objects, or with its references in a reftable, is one gix does
/// not read: the warning says which, where it said the configuration or HEAD could not be
/// read, as if the repository were damaged.
#[test]
fn a_repository_of_a_format_gix_does_not_read_is_named_so() {
    for (format, told) in [
        ("--object-format=sha256", "its objects are named by SHA-256"),
        (
            "--ref-format=reftable",
            "its references are kept in a reftable",
        ),
    ] {
        let repo = Repo::init(
            &[format],
            &format!("{HANDBOOK}history:\n  enabled: false\n"),
        );
        let file = "data/exceptions/E-1.yaml";
        repo.write(file, &exception("E-1", "medium", PENDING, &[], &[]));
        repo.commit("2026-01-01", "Ann Lee", "Request E-1");
        let err = build_with_history(repo.path());
        assert_eq!(warnings(&err), 1, "{err}");
        assert!(err.contains(told), "{format}: {err}");
        assert!(err.contains("building without history"), "{err}");

        let out = secbook(repo.path(), &["check", ".", "--baseline", "HEAD"]);
        assert_code(&out, 2);
        assert!(stderr(&out).contains(told), "{}", describe(&out));
    }
}

/// A partial clone (`git clone --filter=blob:none`, as CI checkouts may make) holds the
/// files of HEAD alone: git fetches older ones when a command needs them, and secbook,
/// which reads the repository on disk, is told why it cannot, and what to do.
#[test]
fn a_partial_clone_warns_that_it_is_one_and_builds_without_history() {
    let repo = Repo::new(HANDBOOK);
    let file = "data/exceptions/E-1.yaml";
    repo.write(file, &exception("E-1", "medium", PENDING, &[], &[]));
    repo.commit("2026-01-01", "Ann Lee", "Request E-1");
    repo.edit(file, "The risk.", "The risk, again.");
    repo.commit("2026-01-02", "Ann Lee", "Reword E-1");
    git(
        repo.path(),
        &["config", "uploadpack.allowFilter", "true"],
        &[],
    );
    let clones = tempfile::tempdir().unwrap();
    let url = format!("file://{}", repo.path().display());
    git(
        clones.path(),
        &["clone", "-q", "--filter=blob:none", &url, "partial"],
        &[],
    );
    let err = build_with_history(&clones.path().join("partial"));
    assert_eq!(warnings(&err), 1, "{err}");
    assert!(err.contains("is not in this partial clone"), "{err}");
    assert!(
        err.contains("clone the repository without `--filter`"),
        "{err}"
    );
}

/// A long history, made with `git fast-import`, read on several threads: each record's
/// History holds exactly the commits `git log` lists for its file, newest first, and the
/// fields each changed; first as fast-import packs it (no commit-graph), then after
/// `git gc` (repacked, with a commit-graph).
#[test]
fn a_long_history_read_in_parts_is_what_git_log_lists() {
    const RECORDS: usize = 4;
    const COMMITS: usize = 1_500;
    let repo = Repo::new(HANDBOOK);
    repo.write("content/_index.md", "---\ntitle: Home\n---\nHello.\n");
    let mut stream = String::new();
    let mut add = |mark: usize, subject: &str, files: &[(String, String)]| {
        let when = 1_767_225_600 + mark * 600;
        stream.push_str(&format!(
            "commit refs/heads/main\nmark :{mark}\n\
             author Ann Lee <ann.lee@example.com> {when} +0000\n\
             committer Ann Lee <ann.lee@example.com> {when} +0000\n\
             data {}\n{subject}\n",
            subject.len()
        ));
        if mark > 1 {
            stream.push_str(&format!("from :{}\n", mark - 1));
        }
        for (path, text) in files {
            stream.push_str(&format!(
                "M 100644 inline {path}\ndata {}\n{text}\n",
                text.len()
            ));
        }
    };
    let start = [
        ("handbook.yaml".to_string(), repo.read("handbook.yaml")),
        (
            "content/_index.md".to_string(),
            repo.read("content/_index.md"),
        ),
    ];
    add(1, "Start", &start);
    let mut severities = ["low"; RECORDS];
    for n in 2..=COMMITS {
        // Every fifth commit touches no record; the others change one record's severity,
        // or its summary, in turn.
        if n % 5 == 0 {
            let page = format!("---\ntitle: Home\n---\nVersion {n}.\n");
            add(
                n,
                &format!("Page {n}"),
                &[("content/_index.md".into(), page)],
            );
            continue;
        }
        let r = n % RECORDS;
        severities[r] = if severities[r] == "low" {
            "high"
        } else {
            "low"
        };
        let mut text = exception(&format!("E-{r}"), severities[r], PENDING, &[], &[]);
        text = text.replace(
            "summary: The risk.",
            &format!("summary: The risk, as of {n}."),
        );
        let path = format!("data/exceptions/E-{r}.yaml");
        add(n, &format!("Edit E-{r} in commit {n}"), &[(path, text)]);
    }
    let mut import = Command::new("git")
        .args(["fast-import", "--quiet"])
        .current_dir(repo.path())
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    import
        .stdin
        .take()
        .unwrap()
        .write_all(stream.as_bytes())
        .unwrap();
    assert!(import.wait().unwrap().success());
    git(repo.path(), &["reset", "-q", "--hard"], &[]);

    for packed in ["by fast-import", "by git gc"] {
        if packed == "by git gc" {
            git(repo.path(), &["gc", "-q"], &[]);
            assert!(repo.path().join(".git/objects/info/commit-graph").is_file());
        }
        let out = crate::common::command()
            .args(["build", ".", "--as-of", AS_OF, "--history"])
            .env("RAYON_NUM_THREADS", "3")
            .current_dir(repo.path())
            .output()
            .unwrap();
        assert_code(&out, 0);
        let api: Value =
            serde_json::from_slice(&fs::read(repo.path().join("public/api/history.json")).unwrap())
                .unwrap();
        for r in 0..RECORDS {
            let file = format!("data/exceptions/E-{r}.yaml");
            let log = git(repo.path(), &["log", "--format=%H %s", "--", &file], &[]);
            let expected: Vec<String> = String::from_utf8(log.stdout)
                .unwrap()
                .lines()
                .map(str::to_string)
                .collect();
            let record = &api["exceptions"][r];
            assert_eq!(record["id"], format!("E-{r}"));
            let commits = record["commits"].as_array().unwrap();
            let got: Vec<String> = commits
                .iter()
                .map(|c| {
                    format!(
                        "{} {}",
                        c["commit"].as_str().unwrap(),
                        c["subject"].as_str().unwrap()
                    )
                })
                .collect();
            assert_eq!(got, expected, "{packed}: {file}");
            // Each change after the first flips the severity and rewrites the summary.
            for c in &commits[..commits.len() - 1] {
                let fields: Vec<&str> = c["changes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f["field"].as_str().unwrap())
                    .collect();
                assert_eq!(fields, ["severity", "summary"], "{packed}: {c}");
            }
            assert_eq!(commits.last().unwrap()["action"], "created");
        }
    }
}

/// History kept between builds (SPEC 14): what each commit changed and what each version
/// of a record reads as, in a file of `SECBOOK_CACHE_DIR`.
mod kept {
    use super::*;
    use crate::common::{Files, command, files_below};
    use std::path::PathBuf;

    /// A build with history into a fresh folder, keeping history in `cache`: the site, and
    /// what the build reported.
    fn build(repo: &Repo, cache: &Path) -> (Files, String) {
        let out_dir = tempfile::tempdir().unwrap();
        let out = command()
            .env("SECBOOK_CACHE_DIR", cache)
            .args(["build", ".", "--as-of", AS_OF, "--history", "-o"])
            .arg(out_dir.path())
            .current_dir(repo.path())
            .output()
            .unwrap();
        assert_code(&out, 0);
        // All but the last line, which names the output folder and the time taken.
        let reported: Vec<String> = stderr(&out)
            .lines()
            .filter(|l| !l.starts_with("built "))
            .map(str::to_string)
            .collect();
        (files_below(out_dir.path()), reported.join("\n"))
    }

    /// The same build with nothing kept: a cache folder of its own, empty.
    fn uncached(repo: &Repo) -> (Files, String) {
        build(repo, tempfile::tempdir().unwrap().path())
    }

    #[track_caller]
    fn assert_same(got: &(Files, String), expected: &(Files, String)) {
        assert_eq!(got.1, expected.1);
        assert_eq!(
            got.0.keys().collect::<Vec<_>>(),
            expected.0.keys().collect::<Vec<_>>()
        );
        for (path, bytes) in &expected.0 {
            assert!(got.0[path] == *bytes, "{path} differs");
        }
    }

    /// The one file in `cache`.
    fn cache_file(cache: &Path) -> PathBuf {
        let files: Vec<PathBuf> = fs::read_dir(cache)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 1, "{files:?}");
        files.into_iter().next().unwrap()
    }

    /// Two records with a history that gives a finding (E-1 raised after its approval) and
    /// one that gives none.
    fn repo_with_history(handbook_yaml: &str) -> Repo {
        let repo = Repo::new(handbook_yaml);
        requested_and_approved(&repo, "E-1");
        requested_and_approved(&repo, "E-2");
        let file = "data/exceptions/E-1.yaml";
        repo.edit(file, "severity: medium", "severity: high");
        repo.commit("2026-02-02", "Ann Lee", "Raise E-1 to high");
        repo
    }

    /// Moves the loose objects of `kinds` whose id is `chosen` out of the repository (git
    /// writes each object to a file of its own until it packs them), and returns where
    /// each was, and is.
    fn take_objects(
        repo: &Repo,
        kinds: &[&str],
        chosen: impl Fn(&str) -> bool,
    ) -> Vec<(PathBuf, PathBuf)> {
        let listed = git(
            repo.path(),
            &[
                "cat-file",
                "--batch-all-objects",
                "--batch-check=%(objectname) %(objecttype)",
            ],
            &[],
        );
        let aside = repo.path().join("aside");
        fs::create_dir_all(&aside).unwrap();
        String::from_utf8(listed.stdout)
            .unwrap()
            .lines()
            .filter_map(|l| l.split_once(' '))
            .filter(|(id, kind)| kinds.contains(kind) && chosen(id))
            .map(|(id, _)| {
                let from = repo
                    .path()
                    .join(".git/objects")
                    .join(&id[..2])
                    .join(&id[2..]);
                let to = aside.join(id);
                fs::rename(&from, &to).unwrap();
                (from, to)
            })
            .collect()
    }

    fn put_back(objects: Vec<(PathBuf, PathBuf)>) {
        for (from, to) in objects {
            fs::rename(to, from).unwrap();
        }
    }

    #[test]
    fn a_warm_build_reads_only_what_it_has_not_kept_and_builds_what_a_cold_one_does() {
        let repo = repo_with_history(HANDBOOK);
        let cache = tempfile::tempdir().unwrap();
        let expected = uncached(&repo);
        assert!(
            expected.1.contains("changed-after-approval"),
            "{}",
            expected.1
        );
        let cold = build(&repo, cache.path());
        assert_same(&cold, &expected);
        let kept = cache_file(cache.path());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&kept), 0o600);
            let nested = cache.path().join("made/here");
            build(&repo, &nested);
            assert_eq!(mode(&nested), 0o700);
        }

        // Without the folders' trees and the records' versions, only what was kept can
        // give the same site; a build without it cannot read the history.
        let taken = take_objects(&repo, &["tree", "blob"], |_| true);
        let warm = build(&repo, cache.path());
        let without = uncached(&repo);
        put_back(taken);
        assert_same(&warm, &expected);
        assert!(
            without.1.contains("building without history"),
            "{}",
            without.1
        );

        // One more commit: only its own objects are read, the versions before it were kept.
        let old_objects = git(
            repo.path(),
            &[
                "cat-file",
                "--batch-all-objects",
                "--batch-check=%(objectname)",
            ],
            &[],
        );
        let old_objects = String::from_utf8(old_objects.stdout).unwrap();
        let file = "data/exceptions/E-2.yaml";
        repo.edit(file, "The risk.", "The risk, better put.");
        repo.commit("2026-02-03", "Bo Chen", "Reword E-2");
        let expected = uncached(&repo);
        let old_blobs = take_objects(&repo, &["blob"], |id| old_objects.lines().any(|l| l == id));
        let warm = build(&repo, cache.path());
        put_back(old_blobs);
        assert_same(&warm, &expected);
        assert!(
            expected.0["api/history.json"]
                .windows(b"Reword E-2".len())
                .any(|w| w == b"Reword E-2")
        );

        // History rewritten: the last commit amended, then two commits dropped. What is
        // no longer reachable is dropped from the file too.
        let env = [
            ("GIT_AUTHOR_DATE", "2026-02-04T12:00:00+00:00"),
            ("GIT_COMMITTER_DATE", "2026-02-04T12:00:00+00:00"),
        ];
        git(
            repo.path(),
            &["commit", "-q", "--amend", "-m", "Reword E-2 again"],
            &env,
        );
        assert_same(&build(&repo, cache.path()), &uncached(&repo));
        let size = fs::metadata(&kept).unwrap().len();
        git(repo.path(), &["reset", "-q", "--hard", "HEAD~2"], &[]);
        assert_same(&build(&repo, cache.path()), &uncached(&repo));
        assert!(fs::metadata(&kept).unwrap().len() < size);
    }

    #[test]
    fn a_damaged_or_foreign_cache_file_changes_nothing_and_is_replaced() {
        let repo = repo_with_history(HANDBOOK);
        let cache = tempfile::tempdir().unwrap();
        let expected = build(&repo, cache.path());
        let kept = cache_file(cache.path());
        let good = fs::read(&kept).unwrap();
        let mut flipped = good.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        let mut other_format = good.clone();
        other_format[8] = other_format[8].wrapping_add(1);
        for (what, bad) in [
            ("cut short", good[..good.len() / 2].to_vec()),
            ("a byte changed", flipped),
            ("another format", other_format),
            ("not a cache", b"secbookH".to_vec()),
            ("empty", Vec::new()),
        ] {
            fs::write(&kept, &bad).unwrap();
            assert_same(&build(&repo, cache.path()), &expected);
            assert!(fs::read(&kept).unwrap() == good, "{what}: not replaced");
        }
    }

    #[test]
    fn a_cache_folder_that_cannot_be_made_or_may_be_published_leaves_the_build_as_it_is() {
        let repo = repo_with_history(HANDBOOK);
        let expected = uncached(&repo);
        let blocked = tempfile::tempdir().unwrap();
        let file = blocked.path().join("a-file");
        fs::write(&file, "").unwrap();
        assert_same(&build(&repo, &file.join("cache")), &expected);
        // Nor is it made in the handbook, which the output is often in: the site is the
        // same, and one warning more says why history is not kept.
        let refused = |cache: &Path, why: &str| {
            let (files, reported) = build(&repo, cache);
            assert_same(&(files, expected.1.clone()), &expected);
            let (first, rest) = reported.split_once("\n\n").unwrap();
            assert!(first.starts_with("warning: SECBOOK_CACHE_DIR"), "{first}");
            assert!(first.contains(why), "{first}");
            assert!(
                first.contains("history is not kept between builds"),
                "{first}"
            );
            let count = |n: usize| format!("{n} warning(s)");
            let n = warnings(&expected.1);
            assert_eq!(rest.replace(&count(n + 1), &count(n)), expected.1);
            assert!(!cache.exists());
        };
        refused(
            &repo.path().join("public/cache"),
            "is inside the handbook folder",
        );
        assert!(!repo.path().join("public").exists());
        // Nor in a build's output folder outside the handbook, which is published too.
        let site = tempfile::tempdir().unwrap();
        let status = command()
            .args(["build", "-o"])
            .arg(site.path())
            .current_dir(repo.path())
            .status()
            .unwrap();
        assert!(status.success());
        refused(&site.path().join("assets/cache"), "a folder a build wrote");
    }

    /// `check` writes no site, but with history it keeps what it read in the cache as
    /// `build` does, and its help says so.
    #[test]
    fn check_keeps_history_in_the_cache_and_its_help_says_so() {
        let repo = repo_with_history(HANDBOOK);
        let cache = tempfile::tempdir().unwrap();
        let out = command()
            .env("SECBOOK_CACHE_DIR", cache.path())
            .args(["check", ".", "--as-of", AS_OF, "--history"])
            .current_dir(repo.path())
            .output()
            .unwrap();
        assert_code(&out, 0);
        cache_file(cache.path());
        let help = command().args(["check", "--help"]).output().unwrap();
        let help = String::from_utf8(help.stdout).unwrap();
        assert!(
            help.contains("writing no file but the history cache"),
            "{help}"
        );
    }

    #[test]
    fn serve_keeps_history_in_memory_while_head_stays() {
        use crate::serve::{eventually, get, spawn_from, version};
        let repo = repo_with_history(&format!("{HANDBOOK}history:\n  enabled: true\n"));
        repo.write("content/_index.md", "---\ntitle: Home\n---\nOne.\n");
        repo.commit("2026-02-03", "Ann Lee", "Add a home page");
        let cache = tempfile::tempdir().unwrap();
        let mut serve = command();
        serve.env("SECBOOK_CACHE_DIR", cache.path());
        let server = spawn_from(serve, repo.path(), &[], None);
        let page = |id: &str| get(server.port, &format!("/exceptions/{id}/")).1;
        assert!(page("E-1").contains("Raise E-1 to high"));

        // Neither the cache file nor the objects: only what serve holds can give the
        // history when a page edit rebuilds the site.
        fs::remove_file(cache_file(cache.path())).unwrap();
        let taken = take_objects(&repo, &["tree", "blob"], |_| true);
        let first = version(server.port);
        repo.write("content/_index.md", "---\ntitle: Home\n---\nTwo.\n");
        eventually(server.port, "/__secbook/status", |b| {
            !b.contains(&format!("\"version\":{first}}}"))
        });
        assert!(get(server.port, "/").1.contains("Two."));
        let e1 = page("E-1");
        put_back(taken);
        assert!(e1.contains("Raise E-1 to high"), "{e1}");

        // A new commit moves HEAD: the next rebuild reads it.
        let file = "data/exceptions/E-2.yaml";
        repo.edit(file, "The risk.", "The risk, better put.");
        repo.commit("2026-02-04", "Bo Chen", "Reword E-2");
        repo.write("content/_index.md", "---\ntitle: Home\n---\nThree.\n");
        let e2 = eventually(server.port, "/exceptions/E-2/", |b| {
            b.contains("Reword E-2")
        });
        assert!(e2.contains("Reword E-2"), "{e2}");
    }
}

/// A commit changes a record's history and no file of the handbook: `serve` watches the
/// repository's HEAD and branches, and shows the commit without waiting for an edit, also
/// once git has packed its refs. Git's other writes (its index, at every `git status`) do
/// not rebuild.
#[test]
fn serve_shows_a_commit_without_a_file_edit() {
    let repo = Repo::new(&format!("{HANDBOOK}history:\n  enabled: true\n"));
    let file = "data/exceptions/E-9.yaml";
    repo.write(file, &exception("E-9", "medium", PENDING, &[], &[]));
    repo.commit("2026-01-01", "Ann Lee", "Request E-9");
    let server = crate::serve::spawn(repo.path(), &[], None);
    let page = "/exceptions/E-9/index.html";
    let (_, body) = crate::serve::get(server.port, page);
    assert!(body.contains("Request E-9"), "{body}");

    // The edit rebuilds the site as any edit does; the commit alone, a moment later, must
    // rebuild it again.
    repo.edit(file, "The risk.", "The risk, better put.");
    let edited = crate::serve::eventually(server.port, page, |b| b.contains("better put"));
    assert!(edited.contains("better put"), "{edited}");
    let built = crate::serve::version(server.port);
    git(repo.path(), &["status", "--porcelain"], &[]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(
        crate::serve::version(server.port),
        built,
        "git status rebuilt"
    );
    repo.commit("2026-02-01", "Ann Lee", "Reword E-9");
    let shown = crate::serve::eventually(server.port, page, |b| b.contains("Reword E-9"));
    assert!(shown.contains("Reword E-9"), "{shown}");

    git(repo.path(), &["pack-refs", "--all"], &[]);
    repo.edit(file, "Why.", "Why, in full.");
    let edited = crate::serve::eventually(server.port, page, |b| b.contains("in full"));
    assert!(edited.contains("in full"), "{edited}");
    repo.commit("2026-03-01", "Ann Lee", "Explain E-9");
    let shown = crate::serve::eventually(server.port, page, |b| b.contains("Explain E-9"));
    assert!(shown.contains("Explain E-9"), "{shown}");
}
