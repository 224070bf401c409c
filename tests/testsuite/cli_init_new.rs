//! `secbook init` and `secbook new`, run as the built binary: the starter handbook builds
//! with no errors, a folder in use is refused, and new records get the next id and TODO
//! markers that `check` reports until they are filled.

use std::fs;

use crate::common::{assert_code, describe, secbook, stderr};
use tempfile::TempDir;

/// `file:line:col` and message of every error of a human report, in order.
fn errors(report: &str) -> Vec<String> {
    let lines: Vec<&str> = report.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if let Some(message) = line.strip_prefix("error: ") {
            let place = lines
                .get(i + 1)
                .and_then(|l| l.split_once("┌─ "))
                .map_or("", |(_, p)| p.trim());
            out.push(format!("{place} {message}"));
        }
    }
    out
}

#[test]
fn init_writes_a_handbook_that_builds_with_no_errors() {
    let tmp = TempDir::new().unwrap();
    let out = secbook(tmp.path(), &["init", "site"]);
    assert_code(&out, 0);
    let site = tmp.path().join("site");
    for file in [
        "handbook.yaml",
        "content/_index.md",
        "content/exceptions/filing.md",
        "data/people.yaml",
        "data/exceptions/EXC-001.yaml",
        "data/incidents/INC-001.yaml",
    ] {
        assert!(site.join(file).is_file(), "{file} is written");
    }
    assert!(!site.join("themes").exists(), "the theme is built in");
    let gitignore = fs::read_to_string(site.join(".gitignore")).unwrap();
    assert!(gitignore.lines().any(|l| l == "public/"), "{gitignore}");

    // as_of is kept, under a comment telling the team to remove it.
    let config = fs::read_to_string(site.join("handbook.yaml")).unwrap();
    let lines: Vec<&str> = config.lines().collect();
    let at = lines.iter().position(|l| l.starts_with("as_of:")).unwrap();
    assert!(lines[at - 1].starts_with('#'), "{config}");
    assert!(
        lines[at - 2..at].join(" ").contains("Remove this line"),
        "{config}"
    );

    let build = secbook(tmp.path(), &["build", "site"]);
    assert_code(&build, 0);
    assert!(!stderr(&build).contains("error"), "{}", describe(&build));
    assert!(
        !stderr(&build).contains("has no `id`"),
        "{}",
        describe(&build)
    );
    assert!(site.join("public/index.html").is_file());
    assert!(site.join("public/exports/exceptions.csv").is_file());
}

/// The `id` of the handbook.yaml that `init` wrote in `dir`.
fn handbook_id(dir: &std::path::Path) -> uuid::Uuid {
    let config = fs::read_to_string(dir.join("handbook.yaml")).unwrap();
    let ids: Vec<&str> = config
        .lines()
        .filter_map(|l| l.strip_prefix("id:"))
        .collect();
    assert_eq!(ids.len(), 1, "{config}");
    uuid::Uuid::parse_str(ids[0].trim()).unwrap()
}

#[test]
fn each_init_gives_its_handbook_a_random_id_of_its_own() {
    let tmp = TempDir::new().unwrap();
    for name in ["one", "two"] {
        assert_code(&secbook(tmp.path(), &["init", name]), 0);
    }
    let (one, two) = (
        handbook_id(&tmp.path().join("one")),
        handbook_id(&tmp.path().join("two")),
    );
    assert_eq!(one.get_version(), Some(uuid::Version::Random), "{one}");
    assert_ne!(one, two);
    let example = handbook_id(std::path::Path::new(env!("CARGO_MANIFEST_DIR")));
    assert!(
        one != example && two != example,
        "the example's id is replaced"
    );
}

#[test]
fn init_refuses_a_folder_in_use_unless_forced() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("used");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("notes.txt"), "mine").unwrap();

    let out = secbook(tmp.path(), &["init", "used"]);
    assert_code(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains("used is not empty") && err.contains("--force"),
        "{err}"
    );
    assert!(!dir.join("handbook.yaml").exists(), "nothing is written");

    let out = secbook(tmp.path(), &["init", "used", "--force"]);
    assert_code(&out, 0);
    assert!(dir.join("handbook.yaml").is_file());
    assert_eq!(fs::read_to_string(dir.join("notes.txt")).unwrap(), "mine");

    // A fresh clone holds only hidden files: that counts as empty, and its .gitignore is
    // added to rather than replaced.
    let clone = tmp.path().join("clone");
    fs::create_dir_all(clone.join(".git")).unwrap();
    fs::write(clone.join(".gitignore"), "/target/").unwrap();
    assert_code(&secbook(tmp.path(), &["init", "clone"]), 0);
    assert_eq!(
        fs::read_to_string(clone.join(".gitignore")).unwrap(),
        "/target/\n# The built site: `secbook build` writes it; CI publishes it.\npublic/\n"
    );

    let file = tmp.path().join("file");
    fs::write(&file, "").unwrap();
    assert_code(&secbook(tmp.path(), &["init", "file"]), 2);
}

#[test]
fn new_records_take_the_next_id_with_the_padding_kept() {
    let tmp = TempDir::new().unwrap();
    assert_code(&secbook(tmp.path(), &["init", "site"]), 0);
    let site = tmp.path().join("site");
    let mut paths = Vec::new();
    for title in ["First", "Second"] {
        let out = secbook(&site, &["new", "exception", "--title", title]);
        assert_code(&out, 0);
        paths.push(String::from_utf8_lossy(&out.stdout).trim().to_string());
    }
    assert_eq!(
        paths,
        [
            "data/exceptions/EXC-025.yaml",
            "data/exceptions/EXC-026.yaml"
        ]
    );
    let text = fs::read_to_string(site.join("data/exceptions/EXC-026.yaml")).unwrap();
    assert!(text.contains("\nid: EXC-026\ntitle: Second\n"), "{text}");

    let out = secbook(tmp.path(), &["new", "incident", "site", "--title", "Phish"]);
    assert_code(&out, 0);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "site/data/incidents/INC-020.yaml"
    );

    // With no record yet, the first ids; the folders are created.
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    fs::write(empty.join("handbook.yaml"), "title: Empty\n").unwrap();
    assert_code(&secbook(&empty, &["new", "exception", "--title", "A"]), 0);
    assert_code(&secbook(&empty, &["new", "incident", "--title", "B"]), 0);
    assert!(empty.join("data/exceptions/EXC-001.yaml").is_file());
    assert!(empty.join("data/incidents/INC-001.yaml").is_file());

    // Not a handbook, or no title: the command cannot run.
    assert_code(
        &secbook(tmp.path(), &["new", "exception", "--title", "A"]),
        2,
    );
    assert_code(&secbook(&empty, &["new", "exception", "--title", " "]), 2);
}

/// A handbook with a fixed as-of date, so `created` is known.
fn fixed_handbook(tmp: &TempDir) -> std::path::PathBuf {
    let dir = tmp.path().join("hb");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("handbook.yaml"), "title: T\nas_of: 2026-06-30\n").unwrap();
    dir
}

/// Replaces each line holding a TODO marker with `key: value`, the value picked by key;
/// block scalars whose first line is the marker are replaced whole.
fn fill(text: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let key = line.split(':').next().unwrap_or("").trim();
        let value = values.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
        let marked = line.contains("\"TODO") || line.contains("'TODO");
        let block = line.ends_with(": |")
            && lines
                .peek()
                .is_some_and(|next| next.trim_start().starts_with("TODO"));
        match value {
            Some(v) if marked || block => {
                if block {
                    lines.next();
                }
                out.push_str(&format!("{key}: {v}\n"));
            }
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

#[test]
fn check_reports_each_todo_of_a_new_exception_until_it_is_filled() {
    let tmp = TempDir::new().unwrap();
    let dir = fixed_handbook(&tmp);
    assert_code(
        &secbook(
            &dir,
            &["new", "exception", "--title", "Legacy TLS: gateway"],
        ),
        0,
    );
    let path = dir.join("data/exceptions/EXC-001.yaml");
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains("\ntitle: 'Legacy TLS: gateway'\n"), "{text}");
    assert!(text.contains("\nstatus: pending\n"), "{text}");
    assert!(text.contains("\ncreated: 2026-06-30\n"), "{text}");

    let out = secbook(&dir, &["check"]);
    assert_code(&out, 1);
    let f = "data/exceptions/EXC-001.yaml";
    assert_eq!(
        errors(&stderr(&out)),
        [
            format!("{f}:5:7 `type` still has a TODO marker"),
            format!("{f}:6:11 `severity` still has a TODO marker"),
            format!("{f}:8:15 `requested_by` still has a TODO marker"),
            format!("{f}:9:13 `risk_owner` still has a TODO marker"),
            format!("{f}:12:3 `summary` still has a TODO marker"),
            format!("{f}:14:3 `justification` still has a TODO marker"),
            format!("{f}:16:3 `remediation_plan` still has a TODO marker"),
        ],
        "{}",
        describe(&out)
    );
    assert!(
        stderr(&out).contains("help: replace the marker with critical, high, medium or low"),
        "{}",
        describe(&out)
    );

    // Filling some is not enough.
    let partly = fill(&text, &[("type", "extension"), ("severity", "high")]);
    fs::write(&path, &partly).unwrap();
    let out = secbook(&dir, &["check"]);
    assert_code(&out, 1);
    assert_eq!(errors(&stderr(&out)).len(), 5, "{}", describe(&out));

    let filled = fill(
        &partly,
        &[
            ("requested_by", "\"Ann Lee <ann@example.com>\""),
            ("risk_owner", "\"Bo Chen <bo@example.com>\""),
            ("summary", "Old TLS on the gateway."),
            ("justification", "The vendor ships the fix in May."),
            ("remediation_plan", "Upgrade in May."),
        ],
    );
    fs::write(&path, &filled).unwrap();
    let out = secbook(&dir, &["check"]);
    assert_code(&out, 0);
}

#[test]
fn check_reports_each_todo_of_a_new_incident_until_it_is_filled() {
    let tmp = TempDir::new().unwrap();
    let dir = fixed_handbook(&tmp);
    assert_code(
        &secbook(&dir, &["new", "incident", "--title", "Phishing wave"]),
        0,
    );
    let path = dir.join("data/incidents/INC-001.yaml");
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains("\nreported: 2026-06-30\n"), "{text}");

    let out = secbook(&dir, &["check"]);
    assert_code(&out, 1);
    let f = "data/incidents/INC-001.yaml";
    assert_eq!(
        errors(&stderr(&out)),
        [
            format!("{f}:5:11 `severity` still has a TODO marker"),
            format!("{f}:7:12 `commander` still has a TODO marker"),
            format!("{f}:8:9 `source` still has a TODO marker"),
            format!("{f}:11:3 `summary` still has a TODO marker"),
        ],
        "{}",
        describe(&out)
    );

    let filled = fill(
        &text,
        &[
            ("severity", "sev3"),
            ("commander", "\"Ann Lee <ann@example.com>\""),
            ("source", "employee"),
            ("summary", "Phishing mails reached 40 people; none clicked."),
        ],
    );
    fs::write(&path, &filled).unwrap();
    assert_code(&secbook(&dir, &["check"]), 0);
}

#[test]
fn a_todo_anywhere_in_a_record_is_an_error_at_its_place() {
    let tmp = TempDir::new().unwrap();
    let dir = fixed_handbook(&tmp);
    let record = "id: E1\ntitle: t\ntype: acceptance\nseverity: low\nstatus: pending\n\
                  requested_by: A\nrisk_owner: B\ncreated: 2026-01-01\nsummary: s\n\
                  justification: j\ntickets:\n  - SEC-1\n  - TODO\n\
                  stakeholders:\n  - name: C\n    role: \"TODO: their role\"\n\
                  description: A TODO list is fine inside prose.\n";
    fs::create_dir_all(dir.join("data/exceptions")).unwrap();
    fs::write(dir.join("data/exceptions/E1.yaml"), record).unwrap();
    let out = secbook(&dir, &["check"]);
    assert_code(&out, 1);
    assert_eq!(
        errors(&stderr(&out)),
        [
            "data/exceptions/E1.yaml:13:5 `tickets[1]` still has a TODO marker",
            "data/exceptions/E1.yaml:16:11 `stakeholders[0].role` still has a TODO marker",
        ],
        "{}",
        describe(&out)
    );
    assert!(stderr(&out).contains("help: replace the marker with their role"));
}
