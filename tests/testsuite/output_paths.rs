//! Output paths that a handbook causes: too long for a file system, used as a file and a
//! folder at once, or written twice. Each is refused before anything is written, with
//! exit status 1 and a report that names the files at fault, or made to fit when secbook
//! derives the name itself.

use std::fs;
use std::path::Path;

use crate::common::{assert_code, copy_example, secbook, stderr};

/// A copy of the repository's handbook in a fresh folder, as `hb` beside the output.
fn handbook() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_example(&tmp.path().join("hb"));
    tmp
}

fn build(tmp: &Path) -> std::process::Output {
    secbook(
        tmp,
        &["build", "hb", "-o", "public", "--as-of", "2026-06-30"],
    )
}

fn page(tmp: &Path, rel: &str) {
    let path = tmp.join("hb/content").join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, "---\ntitle: A page\n---\nText.\n").unwrap();
}

/// Sets the top-level `key` of the exception record `id` to `value`, and names the file
/// after the record's id.
fn set_field(tmp: &Path, id: &str, key: &str, value: &str) {
    let dir = tmp.join("hb/data/exceptions");
    let text = fs::read_to_string(dir.join(format!("{id}.yaml"))).unwrap();
    let prefix = format!("{key}: ");
    assert!(
        text.lines().any(|l| l.starts_with(&prefix)),
        "{id} has no {key}"
    );
    let text: String = text
        .lines()
        .map(|l| match l.starts_with(&prefix) {
            true => format!("{prefix}{value}\n"),
            false => format!("{l}\n"),
        })
        .collect();
    fs::remove_file(dir.join(format!("{id}.yaml"))).unwrap();
    let new_id = if key == "id" { value } else { id };
    fs::write(dir.join(format!("{new_id}.yaml")), text).unwrap();
}

/// The folders of the built site's owner pages whose names start with `prefix`, sorted.
fn owner_folders(tmp: &Path, prefix: &str) -> Vec<String> {
    let mut owners: Vec<String> = fs::read_dir(tmp.join("public/owners"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with(prefix))
        .collect();
    owners.sort();
    owners
}

/// Builds, fails with exit status 1 and writes nothing; the one error report that
/// mentions `needle`, from its header to its help.
#[track_caller]
fn refused(tmp: &Path, needle: &str) -> String {
    let out = build(tmp);
    assert_code(&out, 1);
    assert!(!tmp.join("public").exists());
    let stderr = stderr(&out);
    let reports: Vec<&str> = stderr
        .split("\nerror")
        .filter(|r| r.contains(needle))
        .collect();
    assert_eq!(reports.len(), 1, "{needle:?} in:\n{stderr}");
    reports[0].split("\nwarning").next().unwrap().to_string()
}

/// One owner's name written with `é` as one character in one record and as `e` and a
/// combining accent in another (as a Mac may save it) is one owner, with one page.
#[test]
fn an_owner_spelt_two_ways_in_unicode_is_one_owner() {
    let tmp = handbook();
    set_field(tmp.path(), "EXC-001", "risk_owner", "Jos\u{e9} Ruiz");
    set_field(tmp.path(), "EXC-002", "risk_owner", "Jose\u{301} Ruiz");
    let out = build(tmp.path());
    assert_code(&out, 0);
    assert_eq!(owner_folders(tmp.path(), "jose"), ["jose-ruiz"]);
}

/// An owner named with their email in one record and by name alone in another, whom
/// data/people.yaml knows by both, is one owner with one page, as `report` groups them.
#[test]
fn an_owner_named_by_name_alone_and_with_email_is_one_owner() {
    // data/people.yaml has `name: Helen Brooks`, `email: helen.brooks@example.com`.
    let tmp = handbook();
    set_field(
        tmp.path(),
        "EXC-001",
        "risk_owner",
        "Helen Brooks <helen.brooks@example.com>",
    );
    set_field(tmp.path(), "EXC-002", "risk_owner", "Helen Brooks");
    let out = build(tmp.path());
    assert_code(&out, 0);
    assert_eq!(
        owner_folders(tmp.path(), "helen"),
        ["helen.brooks@example.com"]
    );
    for id in ["EXC-001", "EXC-002"] {
        let page = tmp
            .path()
            .join(format!("public/exceptions/{id}/index.html"));
        let record = fs::read_to_string(page).unwrap();
        assert!(
            record.contains("owners/helen.brooks@example.com/index.html"),
            "{id} does not link to the owner's page"
        );
    }

    // Written by their address alone, with or without angle brackets, they are the same
    // owner, named as data/people.yaml names them, and `report` and `notify` reach them.
    set_field(
        tmp.path(),
        "EXC-001",
        "risk_owner",
        "helen.brooks@example.com",
    );
    set_field(
        tmp.path(),
        "EXC-002",
        "risk_owner",
        "<helen.brooks@example.com>",
    );
    let out = build(tmp.path());
    assert_code(&out, 0);
    assert_eq!(
        owner_folders(tmp.path(), "helen"),
        ["helen.brooks@example.com"]
    );
    let owner = tmp
        .path()
        .join("public/owners/helen.brooks@example.com/index.html");
    assert!(
        fs::read_to_string(owner)
            .unwrap()
            .contains("<h1>Helen Brooks</h1>")
    );
    let record = tmp.path().join("public/exceptions/EXC-001/index.html");
    let record = fs::read_to_string(record).unwrap();
    assert!(
        record.contains(
            "<a href=\"../../owners/helen.brooks@example.com/index.html\">Helen Brooks</a> \
             <span class=\"muted\">(VP Finance Operations)</span> \
             <a class=\"email\" href=\"mailto:helen.brooks@example.com\">"
        ),
        "{record}"
    );
    let report = secbook(
        tmp.path(),
        &[
            "report",
            "hb",
            "--as-of",
            "2026-06-30",
            "--owner",
            "helen.brooks@example.com",
            "--format",
            "json",
        ],
    );
    assert_code(&report, 0);
    let report: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    assert_eq!(report["owners"][0]["name"], "Helen Brooks", "{report:#}");
    assert_eq!(
        report["owners"][0]["expired"][0]["id"], "EXC-001",
        "{report:#}"
    );
}

#[test]
fn a_long_risk_owner_gets_an_owner_page_that_fits() {
    let tmp = handbook();
    // Two owners whose names start alike.
    let long = "a".repeat(300);
    set_field(tmp.path(), "EXC-001", "risk_owner", &format!("{long}x"));
    set_field(tmp.path(), "EXC-002", "risk_owner", &format!("{long}y"));

    let out = build(tmp.path());
    assert_code(&out, 0);
    let owners = owner_folders(tmp.path(), "aaaa");
    // Each has a page of their own, with a name that fits.
    assert_eq!(owners.len(), 2, "{owners:?}");
    assert_ne!(owners[0], owners[1]);
    for name in &owners {
        assert!(name.len() <= 64, "{name}");
    }
    let record =
        fs::read_to_string(tmp.path().join("public/exceptions/EXC-001/index.html")).unwrap();
    assert!(
        owners
            .iter()
            .any(|n| record.contains(&format!("owners/{n}/index.html"))),
        "the record does not link to its owner's page"
    );
}

#[test]
fn an_id_that_would_make_a_register_file_a_folder_is_refused_at_the_id() {
    for id in ["index.html", "by-state"] {
        let tmp = handbook();
        set_field(tmp.path(), "EXC-001", "id", id);
        let report = refused(tmp.path(), &format!("exceptions/{id}/index.html"));
        assert!(
            report.contains(&format!("data/exceptions/{id}.yaml:1:5")),
            "not at the id:\n{report}"
        );
        assert!(report.contains("a file secbook makes"), "{report}");
        assert!(
            report.contains(&format!("give data/exceptions/{id}.yaml another id")),
            "{report}"
        );
    }
}

#[test]
fn sections_nested_until_the_path_is_too_long_are_refused_at_the_page() {
    let tmp = handbook();
    let folders: Vec<String> = (1..=16)
        .map(|i| format!("a-section-with-a-much-longer-name-{i:02}"))
        .collect();
    let rel = format!("{}/page.md", folders.join("/"));
    page(tmp.path(), &rel);
    let report = refused(tmp.path(), "bytes long");
    assert!(
        report.contains(&format!("content/{rel}:1:1")),
        "not at the page:\n{report}"
    );
    assert!(report.contains("at most 512"), "{report}");

    // Nested past the bound as well: one cause, so one error, the depth's.
    let tmp = handbook();
    let rel = format!("{}/{}/page.md", folders.join("/"), folders.join("/"));
    page(tmp.path(), &rel);
    refused(tmp.path(), "32 folders deep");
    let stderr = stderr(&build(tmp.path()));
    let errors = stderr.lines().filter(|l| l.starts_with("error")).count();
    assert_eq!(errors, 1, "{stderr}");
}

/// Short folder names nested deeper than the theme can draw gave a template error with no
/// file: a page is refused at itself past 16 folders, and one at 16 builds.
#[test]
fn sections_nested_past_the_bound_are_refused_at_the_page() {
    let tmp = handbook();
    let folders: Vec<String> = (1..=16).map(|i| format!("s{i}")).collect();
    let deepest = format!("{}/page.md", folders.join("/"));
    page(tmp.path(), &deepest);
    assert_code(&build(tmp.path()), 0);

    let tmp = handbook();
    let deeper = format!("{}/s17/page.md", folders.join("/"));
    page(tmp.path(), &deeper);
    let report = refused(tmp.path(), "17 folders deep");
    assert!(
        report.contains(&format!("content/{deeper}:1:1")),
        "not at the page:\n{report}"
    );
    assert!(!report.contains("template error"), "{report}");

    // A folder past the bound is one cause, however many pages lie below it.
    page(
        tmp.path(),
        &format!("{}/s17/s18/page.md", folders.join("/")),
    );
    page(tmp.path(), &format!("{}/s17/other.md", folders.join("/")));
    let stderr = stderr(&build(tmp.path()));
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(
        errors[0].ends_with(&format!(
            "17 folders deep, as are 2 other page(s) below content/{}/s17/; pages may be at \
             most 16 folders below content/",
            folders.join("/")
        )),
        "{stderr}"
    );
}

#[test]
fn an_exact_collision_names_both_pages() {
    let tmp = handbook();
    page(tmp.path(), "a b.md");
    page(tmp.path(), "a-b.md");
    let report = refused(tmp.path(), "a-b/index.html");
    assert!(
        report.contains(
            "content/a b.md and content/a-b.md collide: both are written to `a-b/index.html`"
        ),
        "{report}"
    );
    assert!(!report.contains("case"), "{report}");
    assert!(report.contains("content/a-b.md:1:1"), "{report}");

    // A page and a folder of pages without an `_index.md`, whose page it would replace:
    // the folder is named as its pages' files spell it.
    let tmp = handbook();
    page(tmp.path(), "b.md");
    page(tmp.path(), "b/c/x.md");
    let report = refused(tmp.path(), "b/index.html");
    assert!(
        report.contains(
            "content/b.md and the section page of content/b/ collide: both are written to \
             `b/index.html`"
        ) && report.contains("help: rename content/b.md, or rename content/b/"),
        "{report}"
    );
    // The home page of a content/ without `_index.md` is secbook's own.
    let tmp = handbook();
    fs::remove_file(tmp.path().join("hb/content/_index.md")).unwrap();
    fs::create_dir_all(tmp.path().join("hb/static")).unwrap();
    fs::write(tmp.path().join("hb/static/index.html"), "<p>x</p>").unwrap();
    let report = refused(tmp.path(), "`index.html`");
    assert!(
        report.contains(": static/index.html and a file secbook makes collide")
            && report.contains("help: secbook writes `index.html` itself"),
        "{report}"
    );
}

#[test]
fn a_case_collision_names_both_files() {
    // A page beside a record whose id differs from its name only in case.
    let tmp = handbook();
    page(tmp.path(), "exceptions/exc-002.md");
    let report = refused(tmp.path(), "exceptions/EXC-002/index.html");
    assert!(
        report.contains(
            "content/exceptions/exc-002.md and data/exceptions/EXC-002.yaml are written to \
             `exceptions/exc-002/index.html` and `exceptions/EXC-002/index.html`, which differ \
             only in letter case"
        ),
        "{report}"
    );
    assert!(!report.contains("collide"), "{report}");
    assert!(
        report.contains("data/exceptions/EXC-002.yaml:1:5"),
        "{report}"
    );

    // Two static files, which have no line to point at.
    let tmp = handbook();
    let static_dir = tmp.path().join("hb/static");
    fs::create_dir_all(&static_dir).unwrap();
    fs::write(static_dir.join("Logo.svg"), "<svg/>").unwrap();
    fs::write(static_dir.join("logo.svg"), "<svg/>").unwrap();
    let report = refused(tmp.path(), "ogo.svg`");
    assert!(
        report.contains(": static/Logo.svg and static/logo.svg"),
        "{report}"
    );
    assert!(report.contains("differ only in letter case"), "{report}");
}

#[test]
fn a_page_at_a_path_secbook_writes_is_refused_at_the_page() {
    let tmp = handbook();
    page(tmp.path(), "metrics.md");
    let report = refused(tmp.path(), "metrics/index.html");
    assert!(
        report.contains(
            "content/metrics.md and a file secbook makes collide: both are written to \
             `metrics/index.html`"
        ),
        "{report}"
    );
    assert!(report.contains("content/metrics.md:1:1"), "{report}");

    // A handbook with an error is not rendered, but what would take secbook's own paths is
    // told with its other errors: a page, and a static file at an export's path.
    let dir = tmp.path().join("hb/static/exports");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("exceptions.csv"), "Priority\n").unwrap();
    fs::write(
        tmp.path().join("hb/content/broken.md"),
        "---\ntitle: [broken\n---\n",
    )
    .unwrap();
    refused(tmp.path(), "content/broken.md:2:8");
    refused(
        tmp.path(),
        "content/metrics.md and a file secbook makes collide",
    );
    let report = refused(tmp.path(), "`exports/exceptions.csv`");
    assert!(
        report.contains(": static/exports/exceptions.csv and a file secbook makes collide"),
        "{report}"
    );

    // A clash among the files copied as they are (a static file where the theme's
    // stylesheet goes) holds none of the others back for a later run.
    fs::write(tmp.path().join("hb/static/style.css"), "body {}\n").unwrap();
    refused(tmp.path(), "`style.css`");
    refused(
        tmp.path(),
        "content/metrics.md and a file secbook makes collide",
    );
    refused(
        tmp.path(),
        "static/exports/exceptions.csv and a file secbook makes collide",
    );
}

/// A name that another system reads as another name, or not at all: `é` spelt as one
/// character and as `e` with a combining accent (one name to macOS), and the characters
/// and endings Windows refuses. Each was written on Linux without a word.
#[test]
fn a_name_another_system_cannot_keep_apart_or_hold_is_refused() {
    let statics = |names: &[&str]| {
        let tmp = handbook();
        let dir = tmp.path().join("hb/static");
        fs::create_dir_all(&dir).unwrap();
        for name in names {
            fs::write(dir.join(name), "x").unwrap();
        }
        tmp
    };
    let tmp = statics(&["caf\u{e9}.txt", "cafe\u{301}.txt"]);
    let report = refused(tmp.path(), "caf");
    assert!(
        report.contains(
            ": static/cafe\\u{301}.txt and static/caf\u{e9}.txt are written to \
             `cafe\\u{301}.txt` and `caf\u{e9}.txt`, which differ only in how Unicode spells \
             an accented letter"
        ),
        "{report}"
    );
    for (name, why) in [
        (
            "what?.txt",
            "holds `?`, which Windows does not allow in a file name",
        ),
        ("a|b.txt", "holds `|`, which Windows does not allow"),
        ("a:b.txt", "holds `:`, which Windows does not allow"),
        ("x*.txt", "holds `*`, which Windows does not allow"),
        ("report.pdf.", "ends in a dot or a space"),
        ("report.pdf ", "ends in a dot or a space"),
    ] {
        let tmp = statics(&[name]);
        let report = refused(tmp.path(), why);
        assert!(!report.contains("outside the output folder"), "{report}");
    }
    // A record's id, which the id pattern allows to end in a dot.
    let tmp = handbook();
    set_field(tmp.path(), "EXC-001", "id", "EXC-001.");
    let report = refused(tmp.path(), "ends in a dot or a space");
    assert!(report.contains("data/exceptions/EXC-001..yaml"), "{report}");
}

/// A page a Mac saved with `Ü` as `U` and a combining mark is found by a link typed with
/// the one character, and two pages so named are told apart in the report of their clash.
#[test]
fn a_link_or_a_clash_sees_one_name_in_either_unicode_form() {
    let tmp = handbook();
    page(tmp.path(), "U\u{308}ber uns.md");
    let links = tmp.path().join("hb/content/links.md");
    fs::write(
        &links,
        "---\ntitle: Links\n---\n[About](<\u{dc}ber uns.md>)\n",
    )
    .unwrap();
    let out = build(tmp.path());
    assert_code(&out, 0);
    let html = fs::read_to_string(tmp.path().join("public/links/index.html")).unwrap();
    assert!(
        html.contains("href=\"../uber-uns/index.html\">About"),
        "{html}"
    );

    let tmp = handbook();
    page(tmp.path(), "caf\u{e9}.md");
    page(tmp.path(), "cafe\u{301}.md");
    let report = refused(tmp.path(), "collide");
    assert!(
        report.contains("content/cafe\\u{301}.md and content/caf\u{e9}.md collide"),
        "{report}"
    );
}

/// `content/a/index.md` is served at `a/`, as Hugo and Zola serve a page bundle, not at
/// `a/index/`; beside an `_index.md` it is a collision.
#[test]
fn a_folders_index_md_is_served_at_the_folder() {
    let tmp = handbook();
    page(tmp.path(), "guides/_index.md");
    page(tmp.path(), "guides/phishing/index.md");
    fs::write(
        tmp.path().join("hb/content/guides/_index.md"),
        "---\ntitle: Guides\n---\nSee the [phishing guide](phishing/index.md).\n",
    )
    .unwrap();
    let out = build(tmp.path());
    assert_code(&out, 0);
    let public = tmp.path().join("public");
    assert!(public.join("guides/phishing/index.html").is_file());
    assert!(!public.join("guides/phishing/index").exists());
    let guides = fs::read_to_string(public.join("guides/index.html")).unwrap();
    assert!(
        guides.contains("href=\"../guides/phishing/index.html\">phishing guide</a>"),
        "{guides}"
    );

    let tmp = handbook();
    page(tmp.path(), "guides/phishing/index.md");
    page(tmp.path(), "guides/phishing/_index.md");
    let report = refused(tmp.path(), "guides/phishing/index.html");
    assert!(
        report.contains(
            "content/guides/phishing/_index.md and content/guides/phishing/index.md collide"
        ),
        "{report}"
    );
}
