//! `secbook init` and `secbook new`, run as the built binary: the starter handbook builds
//! with no errors, and without its examples with no warning either; a folder in use is
//! refused; new records get the next id and TODO markers that `check` reports until they
//! are filled.

use std::fs;

use crate::common::{self, assert_code, describe, secbook, stderr};
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

/// `file:line:col code message` of every warning of a human report, in order.
fn warnings(report: &str) -> Vec<String> {
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

/// Runs the built binary on the day `epoch` (seconds), as `SOURCE_DATE_EPOCH`.
fn on_day(cwd: &std::path::Path, epoch: &str, args: &[&str]) -> std::process::Output {
    crate::common::command()
        .args(args)
        .current_dir(cwd)
        .env("SOURCE_DATE_EPOCH", epoch)
        .output()
        .expect("the secbook binary runs")
}

/// A team adopting the starter gets its pages, templates and policy, no example record or
/// person, and a handbook that checks clean: no page links an example record, states are
/// computed against today, and the pages are due for review a year after `init`, whenever
/// that is (here 2031, after every review date the example pages carry).
#[test]
fn init_without_examples_checks_with_no_error_and_no_warning() {
    let tmp = TempDir::new().unwrap();
    let day = "1924992000"; // 2031-01-01
    let out = on_day(tmp.path(), day, &["init", "site", "--no-examples"]);
    assert_code(&out, 0);
    let site = tmp.path().join("site");
    for file in [
        "content/_index.md",
        "content/exceptions/filing.md",
        "content/exceptions/approval-policy.md",
        "content/incident-response/postmortem-template.md",
    ] {
        assert!(site.join(file).is_file(), "{file} is written");
    }
    assert!(!site.join("data").exists(), "no example records or people");
    let config = fs::read_to_string(site.join("handbook.yaml")).unwrap();
    assert!(config.contains("\n  policy:\n"), "{config}");
    for example in ["as_of:", "open_risks:"] {
        assert!(!config.contains(example), "{example} in\n{config}");
    }
    let process = fs::read_to_string(site.join("content/exceptions/process.md")).unwrap();
    assert!(process.contains("\nreview_by: 2032-01-01\n"), "{process}");

    let out = on_day(tmp.path(), day, &["check", "site"]);
    assert_code(&out, 0);
    let report = stderr(&out);
    assert_eq!(report, "no errors (as of 2031-01-01)\n");
    assert_code(&on_day(tmp.path(), day, &["build", "site"]), 0);

    // Nor does any page name an example record in its text: examples link to pages, not
    // the other way round.
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let mut ids = Vec::new();
    for kind in ["exceptions", "incidents"] {
        for entry in fs::read_dir(examples.join(kind)).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            ids.extend(name.strip_suffix(".yaml").map(str::to_string));
        }
    }
    assert!(ids.len() > 10, "{ids:?}");
    for entry in walkdir::WalkDir::new(site.join("content")) {
        let path = entry.unwrap().into_path();
        let Ok(text) = fs::read_to_string(&path) else {
            continue;
        };
        for id in &ids {
            let named = text
                .match_indices(id.as_str())
                .any(|(at, _)| !text[at + id.len()..].starts_with(|c: char| c.is_ascii_digit()));
            assert!(!named, "{} names the example {id}", path.display());
        }
    }
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

/// The starter's incident response covers what comes after the technical work, and a
/// playbook per common scenario, each opening with a first-hour checklist.
#[test]
fn the_starter_covers_notification_evidence_privilege_and_playbooks() {
    let tmp = TempDir::new().unwrap();
    assert_code(&secbook(tmp.path(), &["init", "site", "--no-examples"]), 0);
    let ir = tmp.path().join("site/content/incident-response");
    let read =
        |page: &str| fs::read_to_string(ir.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
    let covers = |page: &str, words: &[&str]| {
        let text = read(page);
        for word in words {
            assert!(text.contains(word), "{page} says {word:?}");
        }
    };
    covers(
        "definitions.md",
        &[
            "### Event",
            "### Security incident",
            "### Breach",
            "legal counsel",
        ],
    );
    covers(
        "notification.md",
        &[
            "72 hours",
            "Four business days",
            "Item 1.05",
            "US state",
            "Contracts",
            "Legal counsel owns",
        ],
    );
    covers("evidence.md", &["## The chain of custody log", "SHA-256"]);
    covers("privilege.md", &["direction of counsel"]);
    covers(
        "stakeholder-updates.md",
        &["## First update", "Next update"],
    );
    covers(
        "customer-notice-template.md",
        &["What information was involved"],
    );
    covers("roles.md", &["## Incident Response Manager"]);
    covers("reports.md", &["## Weekly incident review"]);
    covers(
        "runbook.md",
        &[
            "(stakeholder-updates.md#first-update)",
            "(playbooks/_index.md)",
        ],
    );
    for playbook in [
        "phishing",
        "compromised-account",
        "leaked-secret",
        "malware-ransomware",
        "lost-device",
        "vendor-breach",
    ] {
        let page = format!("playbooks/{playbook}.md");
        let text = read(&page);
        let first_hour = text
            .split("\n## ")
            .find(|s| s.starts_with("First hour\n"))
            .unwrap_or_else(|| panic!("{page} has a first hour"));
        let tasks = first_hour
            .lines()
            .filter(|l| l.starts_with("- [ ] "))
            .count();
        assert!(tasks >= 5, "{page}: {tasks} first-hour tasks");
        assert!(
            read("playbooks/_index.md").contains(&format!("({playbook}.md)")),
            "the playbooks page lists {page}"
        );
    }
}

/// No starter page types the approval policy by hand: after a team changes the policy in
/// handbook.yaml, every table row about a risk level says what handbook.yaml says, and the
/// risk levels and approval policy pages show the new terms.
#[test]
fn the_starter_pages_show_the_policy_handbook_yaml_sets() {
    let tmp = TempDir::new().unwrap();
    assert_code(&secbook(tmp.path(), &["init", "site", "--no-examples"]), 0);
    let site = tmp.path().join("site");
    let config = fs::read_to_string(site.join("handbook.yaml")).unwrap();
    let critical = config
        .lines()
        .find(|l| l.trim_start().starts_with("critical:"))
        .expect("the starter states the policy for critical risks");
    let config = config.replace(
        critical,
        "    critical: { business: executive, security: executive, max_days: 45 }",
    );
    fs::write(site.join("handbook.yaml"), config).unwrap();
    assert_code(
        &secbook(tmp.path(), &["build", "site", "--audience", "security"]),
        0,
    );

    let row = scraper::Selector::parse("tr").unwrap();
    let cell = scraper::Selector::parse("th, td").unwrap();
    let mut generated = Vec::new();
    for entry in walkdir::WalkDir::new(site.join("content")) {
        let path = entry.unwrap().into_path();
        let Ok(rel) = path.strip_prefix(site.join("content")) else {
            continue;
        };
        let Some(stem) = rel.to_str().and_then(|r| r.strip_suffix(".md")) else {
            continue;
        };
        let url = stem
            .strip_suffix("_index")
            .unwrap_or(&format!("{stem}/"))
            .to_string();
        let html = fs::read_to_string(site.join("public").join(&url).join("index.html")).unwrap();
        for tr in scraper::Html::parse_document(&html).select(&row) {
            let cells: Vec<String> = tr
                .select(&cell)
                .map(|c| c.text().collect::<String>().trim().to_lowercase())
                .collect();
            if cells.first().map(String::as_str) != Some("critical") {
                continue;
            }
            let text = cells.join(" | ");
            assert!(
                !text.contains("vp") && !text.contains("90 days"),
                "{url}: a critical row still says what the policy no longer does: {text}"
            );
            if text.contains("45 days") {
                assert!(text.contains("executive or above"), "{url}: {text}");
                generated.push(url.clone());
            }
        }
    }
    generated.sort();
    assert_eq!(
        generated,
        ["exceptions/approval-policy/", "exceptions/risk-levels/"]
    );
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

/// The command init suggests builds the new handbook when pasted into a shell, whatever its
/// folder is called.
#[test]
fn the_build_command_init_suggests_runs_as_printed() {
    let tmp = TempDir::new().unwrap();
    let bin = tmp.path().join("bin");
    fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_secbook"), bin.join("secbook")).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    for name in [
        "My Handbook",
        "it's hb",
        "$HOME `x` \\ \"y\"",
        "-hb",
        "plain",
    ] {
        let out = secbook(tmp.path(), &["init", "--no-examples", "--", name]);
        assert_code(&out, 0);
        let err = stderr(&out);
        let hint = err
            .trim_end()
            .split_once("build it with `")
            .and_then(|(_, rest)| rest.strip_suffix('`'))
            .unwrap_or_else(|| panic!("{err}"));
        if name == "plain" {
            assert_eq!(hint, "secbook build plain");
        }
        let built = std::process::Command::new("sh")
            .args(["-c", hint])
            .current_dir(tmp.path())
            .env("PATH", &path)
            .env("SECBOOK_CACHE_DIR", common::cache_dir())
            .output()
            .unwrap();
        assert_code(&built, 0);
        assert!(
            tmp.path().join(name).join("public/index.html").is_file(),
            "{hint}: {}",
            describe(&built)
        );
    }
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
        "/target/\n# The built site: `secbook build` writes it; CI publishes it.\npublic/\n\
         # Held while a build or `new` or `import` writes; one a killed command left can go.\n\
         .*.secbook-lock\n"
    );

    let file = tmp.path().join("file");
    fs::write(&file, "").unwrap();
    assert_code(&secbook(tmp.path(), &["init", "file"]), 2);
}

/// A handbook inside another's content/ or data/ would be read as part of it, and one
/// inside its site removed by its next build: refused before anything is made. Beside the
/// other's sources, or in its place, it is not.
#[test]
fn init_refuses_a_folder_the_build_of_another_handbook_reads() {
    let tmp = TempDir::new().unwrap();
    assert_code(&secbook(tmp.path(), &["init", "outer"]), 0);
    for inside in ["outer/content/team", "outer/data/x/y", "outer/static/hb"] {
        let out = secbook(tmp.path(), &["init", inside, "--force"]);
        assert_code(&out, 2);
        let err = stderr(&out);
        assert!(
            err.contains(&format!("{inside} is inside the handbook's")),
            "{err}"
        );
        assert!(err.contains("start the new handbook outside it"), "{err}");
        assert!(!tmp.path().join(inside).exists(), "{inside} is made");
    }
    assert_code(&secbook(tmp.path(), &["init", "outer/team"]), 0);
    assert_code(&secbook(tmp.path(), &["init", "outer", "--force"]), 0);

    // Nor inside a site it built, which the next build replaces whole.
    assert_code(&secbook(&tmp.path().join("outer"), &["build"]), 0);
    let out = secbook(tmp.path(), &["init", "outer/public/team"]);
    assert_code(&out, 2);
    let err = stderr(&out);
    assert!(err.contains("a site secbook built"), "{err}");
    assert!(!tmp.path().join("outer/public/team").exists());
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
    // Its comments name the starter page that explains its fields, which the handbook has.
    let guide = "# content/exceptions/contents.md explains the fields.\n";
    assert!(text.contains(guide), "{text}");
    assert!(site.join("content/exceptions/contents.md").is_file());

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
    // A handbook without the starter pages is sent to none.
    for record in [
        "data/exceptions/EXC-001.yaml",
        "data/incidents/INC-001.yaml",
    ] {
        let text = fs::read_to_string(empty.join(record)).unwrap();
        assert!(!text.contains("content/"), "{text}");
        assert!(text.starts_with("# A new security "), "{text}");
    }

    // Not a handbook, or no title: the command cannot run.
    assert_code(
        &secbook(tmp.path(), &["new", "exception", "--title", "A"]),
        2,
    );
    assert_code(&secbook(&empty, &["new", "exception", "--title", " "]), 2);
}

/// Commands that add records at the same time take turns: each gets an id of its own, and
/// none fails because another took the id it read.
#[test]
fn records_added_at_once_take_an_id_each() {
    let tmp = TempDir::new().unwrap();
    assert_code(&secbook(tmp.path(), &["init", "site"]), 0);
    let site = tmp.path().join("site");
    let runs: Vec<_> = (0..8)
        .map(|i| {
            let kind = ["exception", "incident"][i % 2];
            common::command()
                .args(["new", kind, "--title", &format!("At once {i}")])
                .current_dir(&site)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut paths: Vec<String> = runs
        .into_iter()
        .map(|run| {
            let out = run.wait_with_output().unwrap();
            assert_code(&out, 0);
            String::from_utf8_lossy(&out.stdout).trim().to_string()
        })
        .collect();
    paths.sort();
    let exceptions = (25..29).map(|n| format!("data/exceptions/EXC-{n:03}.yaml"));
    let incidents = (20..24).map(|n| format!("data/incidents/INC-{n:03}.yaml"));
    assert_eq!(paths, exceptions.chain(incidents).collect::<Vec<_>>());
    // The turn leaves nothing behind, and a lock a killed command left is no finding.
    assert!(!site.join(".data.secbook-lock").exists());
    fs::write(site.join(".data.secbook-lock"), "").unwrap();
    let check = secbook(&site, &["check", "--format", "json"]);
    assert!(!String::from_utf8_lossy(&check.stdout).contains("secbook-lock"));
}

/// `new` waits for the turn another command holds before it reads the ids, and so takes the
/// one after the record that command wrote.
#[test]
fn a_new_record_waits_for_the_command_that_holds_the_turn() {
    let tmp = TempDir::new().unwrap();
    assert_code(&secbook(tmp.path(), &["init", "site"]), 0);
    let site = tmp.path().join("site");
    let turn = fs::File::create(site.join(".data.secbook-lock")).unwrap();
    turn.lock().unwrap();
    let run = common::command()
        .args(["new", "exception", "--title", "After"])
        .current_dir(&site)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    fs::write(
        site.join("data/exceptions/EXC-025.yaml"),
        "written meanwhile\n",
    )
    .unwrap();
    turn.unlock().unwrap();
    let out = run.wait_with_output().unwrap();
    assert_code(&out, 0);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "data/exceptions/EXC-026.yaml"
    );
    assert!(stderr(&out).contains("waiting for another command adding records"));
}

/// A title with a character the loader refuses (an escape, DEL, a C1 control such as NEL)
/// is refused by `new` too, rather than written into a record that `check` rejects.
#[test]
fn new_refuses_a_title_with_a_control_character() {
    let tmp = TempDir::new().unwrap();
    assert_code(&secbook(tmp.path(), &["init", "site"]), 0);
    let site = tmp.path().join("site");
    for (title, code) in [
        ("a\u{1b}[31mred", "U+001B"),
        ("a\u{1}b", "U+0001"),
        ("a\u{7f}b", "U+007F"),
        ("a\u{85}b", "U+0085"),
        ("a\u{fffe}b", "U+FFFE"),
    ] {
        let out = secbook(&site, &["new", "exception", "--title", title]);
        assert_code(&out, 2);
        assert!(stderr(&out).contains(code), "{}", describe(&out));
    }
    assert!(!site.join("data/exceptions/EXC-025.yaml").exists());
}

/// A record that cannot be written whole (the disk full; here, a limit on the size of a
/// file) is not left empty or cut short: nothing is written.
#[test]
fn a_new_record_that_cannot_be_written_leaves_nothing() {
    let tmp = TempDir::new().unwrap();
    assert_code(&secbook(tmp.path(), &["init", "site"]), 0);
    let folder = tmp.path().join("site/data/exceptions");
    let names = || {
        let mut names: Vec<_> = fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        names
    };
    let before = names();
    // A write past the limit fails (EFBIG): secbook ignores the signal (SIGXFSZ) that would
    // stop it there.
    let limit = "ulimit -f 1";
    let out = common::secbook_after(
        tmp.path(),
        limit,
        &["new", "exception", "site", "--title", "A"],
    );
    assert_code(&out, 2);
    assert!(stderr(&out).contains("EXC-025.yaml"), "{}", stderr(&out));
    assert_eq!(names(), before);
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
            format!("{f}:4:7 `type` still has a TODO marker"),
            format!("{f}:5:11 `severity` still has a TODO marker"),
            format!("{f}:7:15 `requested_by` still has a TODO marker"),
            format!("{f}:8:13 `risk_owner` still has a TODO marker"),
            format!("{f}:11:3 `summary` still has a TODO marker"),
            format!("{f}:13:3 `justification` still has a TODO marker"),
            format!("{f}:15:3 `remediation_plan` still has a TODO marker"),
        ],
        "{}",
        describe(&out)
    );
    assert!(
        stderr(&out).contains("help: replace the marker with critical, high, medium or low"),
        "{}",
        describe(&out)
    );

    // With a type and a severity the record can be read: the markers left are warnings.
    let partly = fill(&text, &[("type", "extension"), ("severity", "high")]);
    fs::write(&path, &partly).unwrap();
    let out = secbook(&dir, &["check"]);
    assert_code(&out, 0);
    assert_eq!(
        warnings(&stderr(&out)),
        [
            format!(
                "{f}:7:15 exception.todo `requested_by` still has a TODO marker: Name <email> of who asks"
            ),
            format!(
                "{f}:8:13 exception.todo `risk_owner` still has a TODO marker: Name <email> of the accountable leader"
            ),
            format!(
                "{f}:11:3 exception.todo `summary` still has a TODO marker: the risk and its impact on the company, customers and employees"
            ),
            format!(
                "{f}:13:3 exception.todo `justification` still has a TODO marker: why the exception is needed, and why the fix cannot happen in time"
            ),
            format!(
                "{f}:15:3 exception.todo `remediation_plan` still has a TODO marker: the path to the fix, each step with an owner and a date (delete this field for an acceptance)"
            ),
        ],
        "{}",
        describe(&out)
    );
    assert_code(&secbook(&dir, &["check", "--strict"]), 1);

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
    assert_eq!(warnings(&stderr(&out)), Vec::<String>::new());
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
            format!("{f}:4:11 `severity` still has a TODO marker"),
            format!("{f}:6:12 `commander` still has a TODO marker"),
            format!("{f}:7:9 `source` still has a TODO marker"),
            format!("{f}:10:3 `summary` still has a TODO marker"),
        ],
        "{}",
        describe(&out)
    );

    let partly = fill(&text, &[("severity", "sev3")]);
    fs::write(&path, &partly).unwrap();
    let out = secbook(&dir, &["check"]);
    assert_code(&out, 0);
    let codes: Vec<String> = warnings(&stderr(&out));
    assert_eq!(codes.len(), 3, "{}", describe(&out));
    assert!(
        codes.iter().all(|w| w.contains(" incident.todo ")),
        "{codes:?}"
    );

    let filled = fill(
        &partly,
        &[
            ("commander", "\"Ann Lee <ann@example.com>\""),
            ("source", "employee"),
            ("summary", "Phishing mails reached 40 people; none clicked."),
        ],
    );
    fs::write(&path, &filled).unwrap();
    assert_code(&secbook(&dir, &["check"]), 0);
}

/// A marker stands for a value nobody has filled in: in a text, a person, a list item or a
/// field that may be left out (a date, a side, a level), the record is read without it and
/// `check` warns at the marker; the rules that ask for the field leave it to that warning.
#[test]
fn a_todo_anywhere_in_a_record_is_a_warning_at_its_place() {
    let tmp = TempDir::new().unwrap();
    let dir = fixed_handbook(&tmp);
    let record = "id: E1\ntitle: t\ntype: acceptance\nseverity: low\nstatus: approved\n\
                  requested_by: A\nrisk_owner: B\ncreated: 2026-01-01\ndecided: TODO\n\
                  expires: \"TODO: the end date\"\nsummary: s\n\
                  justification: j\ntickets:\n  - SEC-1\n  - TODO\n\
                  stakeholders:\n  - name: C\n    role: \"TODO: their role\"\n\
                  description: A TODO list is fine inside prose.\napprovals:\n\
                  - {name: Ann, role: CISO, side: TODO, level: 'TODO: vp or executive', decision: approved, date: TODO}\n";
    fs::create_dir_all(dir.join("data/exceptions")).unwrap();
    fs::write(dir.join("data/exceptions/E1.yaml"), record).unwrap();
    let out = secbook(&dir, &["check"]);
    assert_code(&out, 0);
    let f = "data/exceptions/E1.yaml";
    let todos: Vec<String> = warnings(&stderr(&out))
        .into_iter()
        .filter(|w| w.contains(" exception.todo "))
        .collect();
    assert_eq!(
        todos,
        [
            format!("{f}:9:10 exception.todo `decided` still has a TODO marker"),
            format!("{f}:10:10 exception.todo `expires` still has a TODO marker: the end date"),
            format!("{f}:15:5 exception.todo `tickets[1]` still has a TODO marker"),
            format!(
                "{f}:18:11 exception.todo `stakeholders[0].role` still has a TODO marker: their role"
            ),
            format!("{f}:21:33 exception.todo `approvals[0].side` still has a TODO marker"),
            format!(
                "{f}:21:46 exception.todo `approvals[0].level` still has a TODO marker: vp or executive"
            ),
            format!("{f}:21:97 exception.todo `approvals[0].date` still has a TODO marker"),
        ],
        "{}",
        describe(&out)
    );

    // A finding with a lint level, as any other.
    fs::write(
        dir.join("handbook.yaml"),
        "title: T\nas_of: 2026-06-30\nlints:\n  exception.todo: deny\n",
    )
    .unwrap();
    let out = secbook(&dir, &["check"]);
    assert_code(&out, 1);
    let denied = stderr(&out)
        .lines()
        .filter(|l| l.starts_with("error[exception.todo]: "))
        .count();
    assert_eq!(denied, 7, "{}", describe(&out));
}

/// Where the record cannot be read without a real value (a required date or choice), a
/// marker is an error, and so is a required field written empty rather than marked.
#[test]
fn a_todo_where_a_record_needs_a_value_is_an_error() {
    let tmp = TempDir::new().unwrap();
    let dir = fixed_handbook(&tmp);
    fs::create_dir_all(dir.join("data/exceptions")).unwrap();
    let base = "title: t\ntype: acceptance\nseverity: low\nstatus: pending\n\
                requested_by: A\nrisk_owner: B\nsummary: s\njustification: j\n";
    fs::write(
        dir.join("data/exceptions/E1.yaml"),
        format!("id: E1\n{base}created: TODO\n"),
    )
    .unwrap();
    fs::write(
        dir.join("data/exceptions/E2.yaml"),
        format!(
            "id: E2\n{base}created: 2026-01-01\napprovals:\n\
             - {{name: Ann, role: CISO, side: security, level: vp, decision: pending, date: }}\n"
        ),
    )
    .unwrap();
    let out = secbook(&dir, &["check"]);
    assert_code(&out, 1);
    assert_eq!(
        errors(&stderr(&out)),
        [
            "data/exceptions/E1.yaml:10:10 `created` still has a TODO marker",
            "data/exceptions/E2.yaml:12:3 approval by `Ann` has no `date`",
        ],
        "{}",
        describe(&out)
    );
}

/// A full stderr or stdout (`2>/dev/full`, a full log volume in CI) changes no exit status:
/// it was a panic's 101, after `build` had published the site and `new` had written the
/// record, which a script would then write again.
#[test]
fn a_full_terminal_changes_no_exit_status() {
    let full = || {
        fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap()
    };
    let tmp = TempDir::new().unwrap();
    assert_code(&secbook(tmp.path(), &["init", "site"]), 0);
    let site = tmp.path().join("site");
    let run = |args: &[&str]| {
        common::command()
            .args(args)
            .current_dir(&site)
            .stdout(full())
            .stderr(full())
            .status()
            .unwrap()
            .code()
    };
    assert_eq!(run(&["build", "-o", "../public"]), Some(0));
    assert!(tmp.path().join("public/index.html").exists());
    assert_eq!(run(&["check"]), Some(0));
    assert_eq!(run(&["new", "exception", "--title", "Once"]), Some(0));
    let named = |title: &str| {
        let dir = fs::read_dir(site.join("data/exceptions")).unwrap();
        dir.filter(|e| {
            let text = fs::read_to_string(e.as_ref().unwrap().path()).unwrap();
            text.contains(&format!("\ntitle: {title}\n"))
        })
        .count()
    };
    assert_eq!(named("Once"), 1);
    // A handbook with errors says so by its status all the same.
    fs::write(site.join("content/broken.md"), "---\ntitle: [Broken\n---\n").unwrap();
    assert_eq!(run(&["check"]), Some(1));
    assert_eq!(run(&["build", "-o", "../public"]), Some(1));
}
