//! End-to-end tests: the built `secbook` binary run on the handbooks in tests/fixtures/, in
//! the way of mdBook's and Zola's test suites (see `common::BookTest` for a fixture's
//! expected files and `SECBOOK_BLESS`).
//!
//! - `tests/fixtures/invalid/<name>/` is a handbook that must fail: `secbook check` exits 1
//!   and prints exactly `expected.stderr`, and `secbook build` fails the same way and writes
//!   nothing. A fixture with a `KNOWN_BUG` file documents a bug in src/: its
//!   `expected.stderr` holds the correct output, the test passes while the output is still
//!   wrong, and fails once it is right, as a reminder to delete `KNOWN_BUG`.
//! - `tests/fixtures/valid/<name>/` is a handbook that must build: `secbook check` exits 0 and
//!   prints exactly `expected.stderr` (its warnings), each page under `expected/` is built
//!   byte for byte, and every link of the output resolves.

use std::fs;
use std::path::Path;

use crate::common::{
    BookTest, Files, assert_code, broken_links, describe, files_below, fixtures, links_of, secbook,
    stderr,
};

/// The HTML pages of a site, as text.
fn html_pages(site: &Files) -> impl Iterator<Item = (&String, String)> {
    site.iter()
        .filter(|(path, _)| path.ends_with(".html"))
        .map(|(path, bytes)| {
            (
                path,
                String::from_utf8(bytes.clone()).expect("HTML is UTF-8"),
            )
        })
}

/// The errors of a report that do not say where they are: each must be followed by its
/// `┌─ file:line:column`.
fn unplaced_errors(report: &str) -> Vec<&str> {
    let lines: Vec<&str> = report.lines().collect();
    lines
        .iter()
        .enumerate()
        .filter(|(i, line)| {
            line.starts_with("error") && !lines.get(i + 1).is_some_and(|next| is_place(next))
        })
        .map(|(_, line)| *line)
        .collect()
}

/// Whether `line` is a report's `┌─ file:line:column`.
fn is_place(line: &str) -> bool {
    let Some(place) = line.trim_start().strip_prefix("┌─ ") else {
        return false;
    };
    let mut parts = place.rsplitn(3, ':');
    let number =
        |p: Option<&str>| p.is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    number(parts.next()) && number(parts.next()) && parts.next().is_some_and(|f| !f.is_empty())
}

#[test]
fn an_error_that_does_not_say_where_is_caught() {
    let report = "error: placed\n  ┌─ content/a.md:4:16\n\nerror: nowhere\n\n\
                  error: no column\n  ┌─ content/a.md:4\n\n3 error(s), 0 warning(s)\n";
    assert_eq!(
        unplaced_errors(report),
        ["error: nowhere", "error: no column"]
    );
}

/// Staging folders `secbook build` leaves beside `out` when it does not clean up.
fn leftovers_beside(out: &Path) -> Vec<String> {
    let name = out.file_name().unwrap().to_string_lossy();
    let prefix = format!(".{name}.secbook-");
    fs::read_dir(out.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&prefix))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Invalid handbooks: exact diagnostics

#[test]
fn invalid_handbooks_fail_with_the_expected_diagnostics() {
    let mut failures = Vec::new();
    let mut known_bugs = Vec::new();
    for name in fixtures("invalid") {
        let test = BookTest::from_fixture(&format!("invalid/{name}"));
        // `check` with no folder: the current one, as a user runs it.
        let run = test.run(&["check"]);
        let status = run.status.code();
        let compared = test.compare("expected.stderr", &stderr(&run));
        if test.known_bug() {
            match compared {
                Ok(()) if status == Some(1) => failures.push(format!(
                    "== {name}: the output is now right: delete tests/fixtures/invalid/{name}/KNOWN_BUG"
                )),
                Ok(()) => known_bugs.push(format!("== {name} (known bug, see KNOWN_BUG): exit status {status:?}")),
                Err(diff) => known_bugs.push(format!("== {name} (known bug, see KNOWN_BUG), exit status {status:?}: {diff}")),
            }
            continue;
        }
        if let Err(diff) = compared {
            failures.push(format!("== {name}: exit status {status:?}: {diff}"));
            continue;
        }
        if status != Some(1) {
            failures.push(format!("== {name}: exit status {status:?}, not 1"));
            continue;
        }
        for error in unplaced_errors(&stderr(&run)) {
            failures.push(format!("== {name}: no file, line and column for `{error}`"));
        }
        if !run.stdout.is_empty() {
            failures.push(format!(
                "== {name}: `check` printed to stdout:\n{}",
                describe(&run)
            ));
        }

        // `build` reports the same errors and writes nothing.
        let build = test.run(&["build"]);
        if build.status.code() != Some(1) || build.stderr != run.stderr {
            failures.push(format!(
                "== {name}: `build` does not fail as `check` does, exit status {:?}:\n{}",
                build.status.code(),
                crate::common::diff(&stderr(&run), &stderr(&build))
            ));
        }
        let public = test.dir.join("public");
        if public.exists() || !leftovers_beside(&public).is_empty() {
            failures.push(format!("== {name}: a failed build wrote into the handbook"));
        }
    }
    if !known_bugs.is_empty() {
        eprintln!(
            "fixtures that show a known bug in src/:\n{}",
            known_bugs.join("\n")
        );
    }
    assert!(
        failures.is_empty(),
        "{} invalid fixture(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------------------
// Valid handbooks: they check with the expected warnings, build the expected pages, and
// their links resolve

#[test]
fn valid_handbooks_build_and_match_their_expected_files() {
    let mut failures = Vec::new();
    for name in fixtures("valid") {
        let test = BookTest::from_fixture(&format!("valid/{name}"));
        let run = test.run(&["check"]);
        assert_code(&run, 0);
        if let Err(diff) = test.compare("expected.stderr", &stderr(&run)) {
            failures.push(format!("== {name}: {diff}"));
        }

        let site = test.build("public", &[]);
        for page in test.expected_pages() {
            match site.get(&page) {
                Some(bytes) => {
                    let html = String::from_utf8_lossy(bytes);
                    if let Err(diff) = test.compare(&format!("expected/{page}"), &html) {
                        failures.push(format!("== {name}: {diff}"));
                    }
                }
                None => failures.push(format!(
                    "== {name}: the build wrote no {page}, which tests/fixtures/valid/{name}/expected/ holds"
                )),
            }
        }
        failures.extend(
            broken_links(&site)
                .into_iter()
                .map(|p| format!("== {name}: broken link: {p}")),
        );
    }
    assert!(
        failures.is_empty(),
        "{} problem(s) with the valid fixtures:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn basic_orders_pages_by_weight_then_title() {
    let test = BookTest::from_fixture("valid/basic");
    let site = test.build("public", &[]);
    let page = String::from_utf8(site["runbooks/triage/index.html"].clone()).unwrap();
    let sidebar = &page[page.find("<aside").unwrap()..page.find("</aside>").unwrap()];
    let position = |title: &str| {
        sidebar
            .find(&format!(">{title}</a>"))
            .unwrap_or_else(|| panic!("{title} missing from the sidebar:\n{sidebar}"))
    };
    // Runbooks (weight 1) before Glossary (weight 5); in Runbooks, Triage (1), then
    // Containment and Escalation (both 2) by title, then Aftercare (none).
    assert!(position("Runbooks") < position("Glossary"), "{sidebar}");
    assert!(position("Triage") < position("Containment"), "{sidebar}");
    assert!(
        position("Containment") < position("Escalation"),
        "{sidebar}"
    );
    // Aftercare has no weight: after the weighted pages, as Hugo orders them.
    assert!(position("Escalation") < position("Aftercare"), "{sidebar}");
    // Extensions of CommonMark are on.
    for needle in [
        "<table>",
        "<del>old</del>",
        r#"type="checkbox""#,
        r#"class="footnote-definition""#,
        r#"href="../../runbooks/escalation/index.html#severity-levels""#,
        r#"href="../../glossary/index.html#risk-acceptance""#,
    ] {
        assert!(
            page.contains(needle),
            "{needle} missing from triage:\n{page}"
        );
    }
    let home = String::from_utf8(site["index.html"].clone()).unwrap();
    assert!(home.contains(r#"href="files/contacts.txt""#), "{home}");
    assert_eq!(
        site["files/contacts.txt"],
        fs::read(test.dir.join("static/files/contacts.txt")).unwrap()
    );
}

#[test]
fn a_theme_override_replaces_the_built_in_template() {
    let test = BookTest::from_fixture("valid/theme-override");
    let site = test.build("public", &[]);
    let text = |p: &str| String::from_utf8(site[p].clone()).unwrap();
    assert!(text("policy/index.html").contains(r#"data-template="override""#));
    assert!(text("policy/index.html").contains("<h1>POLICY</h1>"));
    // The home page keeps its built-in template, which does not extend page.html.
    assert!(!text("index.html").contains("data-template"));
    // A template the built-in theme does not have, named in front matter.
    assert!(text("landing/index.html").contains(r#"data-template="landing""#));
    // The theme's static files are copied; the built-in ones still are.
    assert!(site.contains_key("extra.css") && site.contains_key("style.css"));

    // And the same pages without the override use the built-in template.
    test.remove("themes").remove("content/landing.md").replace(
        "content/_index.md",
        " or the\n[landing page](landing.md)",
        "",
    );
    let plain = test.build("plain", &[]);
    let policy = String::from_utf8(plain["policy/index.html"].clone()).unwrap();
    assert!(!policy.contains("data-template"), "{policy}");
    assert!(policy.contains(r#"<article class="page">"#), "{policy}");
}

// ---------------------------------------------------------------------------------------
// Build guarantees

#[test]
fn builds_are_byte_for_byte_reproducible() {
    for name in fixtures("valid") {
        // Two copies in two different places: the output must not depend on where the
        // handbook is, nor on thread scheduling.
        let first = BookTest::from_fixture(&format!("valid/{name}")).build("one", &["--drafts"]);
        let second = BookTest::from_fixture(&format!("valid/{name}")).build("two", &["--drafts"]);
        assert_eq!(
            first.keys().collect::<Vec<_>>(),
            second.keys().collect::<Vec<_>>(),
            "{name}: the two builds wrote different files"
        );
        for (path, bytes) in &first {
            assert!(
                bytes == &second[path],
                "{name}: {path} differs between two builds"
            );
        }
    }
}

#[test]
fn a_failed_build_leaves_the_previous_output_as_it_was() {
    let test = BookTest::from_fixture("valid/basic");
    // The default output folder, public/ in the handbook.
    let out = test.dir.join("public");
    let before = test.build("handbook/public", &[]);
    assert!(before.contains_key("index.html"));
    assert!(
        leftovers_beside(&out).is_empty(),
        "{:?}",
        leftovers_beside(&out)
    );

    let glossary = test.read("content/glossary.md");
    test.write(
        "content/glossary.md",
        &format!("{glossary}\nSee [the missing page](missing.md).\n"),
    );
    let run = test.run(&["build"]);
    assert_code(&run, 1);
    assert!(
        stderr(&run).contains("content/glossary.md:"),
        "{}",
        describe(&run)
    );
    assert!(
        files_below(&out) == before,
        "the failed build changed {}",
        out.display()
    );
    assert!(
        leftovers_beside(&out).is_empty(),
        "{:?}",
        leftovers_beside(&out)
    );

    // Once fixed, a build replaces the folder: files that are gone are removed.
    test.write("content/glossary.md", &glossary)
        .remove("content/runbooks/containment.md");
    let after = test.build("handbook/public", &[]);
    assert!(!after.contains_key("runbooks/containment/index.html"));
    assert_eq!(after.len(), before.len() - 1);
    assert!(
        leftovers_beside(&out).is_empty(),
        "{:?}",
        leftovers_beside(&out)
    );
}

#[test]
fn links_stay_relative_with_an_absolute_base_url() {
    let test = BookTest::from_fixture("valid/basic");
    let base = "https://handbook.example.org/security/";
    let site = test.build("public", &["--base-url", base]);
    for (path, html) in html_pages(&site) {
        // 404.html too, which would load its style sheet from the network where it is read
        // from disk: its script finds the site's root, else the base's path.
        if path == "404.html" {
            assert!(
                html.contains("<script data-home=\"/security/\" data-folders="),
                "{html}"
            );
        }
        for link in links_of(&html) {
            assert!(
                !link.contains("handbook.example.org"),
                "{path}: `{link}` is absolute"
            );
        }
    }
    let problems = broken_links(&site);
    assert!(
        problems.is_empty(),
        "broken links:\n{}",
        problems.join("\n")
    );
}

/// Raw HTML's links, where a handbook allows it, are a page's links like any other (the
/// fixture invalid/raw-html-links holds the errors): once they lead somewhere, each is
/// written relative to its page, so a root-absolute `/img/logo.svg` still works from disk,
/// and an id given in raw HTML is an anchor a link may name, which a heading's id made
/// from its title yields to.
#[test]
fn raw_html_links_are_checked_and_written_relative() {
    let test = BookTest::from_fixture("invalid/raw-html-links");
    let home = test
        .read("content/_index.md")
        .replace("#triage", "#declare")
        .replace("runbooks/missing.md", "runbooks/incident-response.md")
        .replace("m&#105;ssing-form.md", "incident-r&#101;sponse.md")
        .replace("#nowhere", "#raw-note");
    test.write("content/_index.md", &home);
    let ids = test
        .read("content/ids.md")
        .replace("<p id=\"twice\">two</p>", "<p>two</p>")
        .replace("<span id=\"main\">", "<span>");
    test.write("content/ids.md", &ids);
    let site = test.build("public", &[]);
    let page = std::str::from_utf8(&site["ids/index.html"]).unwrap();
    for id in ["<div id=\"overview\">", "<h2 id=\"overview-1\">"] {
        assert!(page.contains(id), "{id}: {page}");
    }
    let links = |path: &str| links_of(std::str::from_utf8(&site[path]).unwrap());
    let home = links("index.html");
    for link in [
        "runbooks/incident-response/index.html#declare",
        "runbooks/index.html",
        "img/logo.svg",
        "#raw-note",
    ] {
        assert!(home.contains(&link.to_string()), "{link}: {home:?}");
    }
    assert!(
        !home
            .iter()
            .any(|l| l.contains("commented-out") || l.contains("in-style")),
        "{home:?}"
    );
    let runbook = links("runbooks/incident-response/index.html");
    for link in ["../../img/logo.svg", "../../index.html#raw-note"] {
        assert!(runbook.contains(&link.to_string()), "{link}: {runbook:?}");
    }
    let problems = broken_links(&site);
    assert!(
        problems.is_empty(),
        "broken links:\n{}",
        problems.join("\n")
    );
}

/// An absolute base URL is what every page's path is added to in the sitemap and feeds: its
/// host as DNS looks it up, and never one with a query, a fragment or a password, which
/// `--base-url` refuses as a mistake of the command (exit 2, nothing written) and
/// handbook.yaml as an error at its value.
#[test]
fn a_base_url_is_one_every_page_can_follow() {
    let test = BookTest::from_fixture("valid/basic");
    let site = test.build("public", &["--base-url", "https://Bücher.example/hb"]);
    let sitemap = String::from_utf8(site["sitemap.xml"].clone()).unwrap();
    assert!(
        sitemap.contains("<loc>https://xn--bcher-kva.example/hb/index.html</loc>"),
        "{sitemap}"
    );
    for bad in [
        "https://x.org/hb/#top",
        "https://x.org/hb/?v=1",
        "https://ann:pw@x.org/",
        "example.com/handbook",
        "ftp://x y",
        "//x.org/hb",
    ] {
        let refused = test.tmp().join("refused");
        let args = [
            "build",
            ".",
            "-o",
            refused.to_str().unwrap(),
            "--base-url",
            bad,
        ];
        let out = test.run(&args);
        assert_code(&out, 2);
        assert!(
            stderr(&out).contains(&format!("--base-url `{bad}`")),
            "{}",
            describe(&out)
        );
        assert!(!refused.exists());
    }
    test.replace(
        "handbook.yaml",
        "title:",
        "base_url: https://x.org/hb#top\ntitle:",
    );
    let out = test.run(&["check", "."]);
    assert_code(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("error: `base_url` has a query (`?`) or a fragment (`#`)")
            && err.contains("handbook.yaml:1:11"),
        "{err}"
    );
    test.replace("handbook.yaml", "https://x.org/hb#top", "x.org/hb");
    let out = test.run(&["check", "."]);
    assert_code(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("error: `base_url` is neither a path")
            && err.contains("handbook.yaml:1:11")
            && err.contains("such as /handbook/"),
        "{err}"
    );
}

/// Without an absolute base_url, 404.html's links are relative to the root, and its script
/// finds the root from the address: where it meets one of the site's top folders, else at
/// base_url's path, which is also the plain link home for a reader without JavaScript.
#[test]
fn the_404_page_finds_the_site_at_any_depth() {
    let test = BookTest::from_fixture("valid/basic");
    let site = test.build("public", &["--base-url", "/handbook"]);
    let html = String::from_utf8(site["404.html"].clone()).unwrap();
    // Every folder at the top of the site, the exports' and the theme's among them: a
    // missing file below any of them is served the page too.
    let folders: std::collections::BTreeSet<&str> = (site.keys())
        .filter_map(|p| Some(p.split_once('/')?.0))
        .collect();
    for folder in [
        "api", "charts", "exports", "feeds", "glossary", "runbooks", "vendor",
    ] {
        assert!(folders.contains(folder), "{folder}: {folders:?}");
    }
    let folders = folders.into_iter().collect::<Vec<_>>().join(" ");
    assert!(
        html.contains(&format!(
            "<script data-home=\"/handbook/\" data-folders=\"{folders}\">"
        )),
        "{html}"
    );
    assert!(
        html.contains("<a href=\"index.html\">Go to the home page</a>"),
        "{html}"
    );
    assert!(
        html.contains(
            "<noscript><link rel=\"stylesheet\" href=\"/handbook/style.css\"></noscript>"
        ),
        "{html}"
    );
    assert!(
        html.contains("<a href=\"/handbook/\">the handbook's home page</a>"),
        "{html}"
    );
    // The style sheet comes after the base the script sets, not before it in the markup.
    assert!(
        !html.contains("<link rel=\"stylesheet\" href=\"style.css\">"),
        "{html}"
    );
}

#[test]
fn drafts_are_left_out_unless_asked_for() {
    let test = BookTest::from_fixture("valid/basic");
    let without = test.build("without", &[]);
    assert!(!without.contains_key("runbooks/wip/index.html"));
    for (path, html) in html_pages(&without) {
        assert!(
            !html.contains("Work in progress"),
            "{path} mentions the draft"
        );
    }
    let with = test.build("with", &["--drafts"]);
    let draft = String::from_utf8(with["runbooks/wip/index.html"].clone()).unwrap();
    assert!(draft.contains("<h1>Work in progress</h1>"), "{draft}");
    let section = String::from_utf8(with["runbooks/index.html"].clone()).unwrap();
    assert!(
        section.contains(r#"href="../runbooks/wip/index.html""#),
        "{section}"
    );
    assert!(broken_links(&with).is_empty(), "{:?}", broken_links(&with));
}

#[test]
fn every_page_shows_the_as_of_date() {
    let test = BookTest::from_fixture("valid/basic");
    let footer = |date: &str| format!(r#"as of <time>{date}</time>"#);
    // From handbook.yaml...
    let from_config = test.build("config", &[]);
    // ...and from the flag, which wins.
    let from_flag = test.build("flag", &["--as-of", "2027-01-15"]);
    for (site, date) in [(&from_config, "2026-06-30"), (&from_flag, "2027-01-15")] {
        let mut pages = 0;
        for (path, html) in html_pages(site) {
            assert!(
                html.contains(&footer(date)),
                "{path} does not show {date}:\n{html}"
            );
            pages += 1;
        }
        assert!(pages >= 6, "only {pages} pages");
    }
}

#[test]
fn commands_that_cannot_run_exit_2() {
    let test = BookTest::empty();
    let missing = test.dir.join("does-not-exist");
    for command in ["check", "build"] {
        let run = test.run(&[Path::new(command), &missing]);
        assert_code(&run, 2);
        assert!(
            stderr(&run).contains("is not a folder"),
            "{}",
            describe(&run)
        );

        let run = test.run(&[command]);
        assert_code(&run, 2);
        assert!(
            stderr(&run).contains("no handbook.yaml"),
            "{}",
            describe(&run)
        );
    }
    assert!(
        !test.dir.join("public").exists(),
        "build wrote output for no handbook"
    );

    let basic = crate::common::fixture("valid/basic");
    for (bad, why) in [
        ("2026-02-30", " (February 2026 has 28 days)"),
        ("tomorrow", ""),
        (
            "2026-6-1",
            " (written with two digits for the month and the day, it is `2026-06-01`)",
        ),
    ] {
        let run = test.run(&[
            Path::new("check"),
            &basic,
            Path::new("--as-of"),
            Path::new(bad),
        ]);
        assert_code(&run, 2);
        // As a date in a file is told.
        let told = format!("invalid date `{bad}`{why}: expected a real date written YYYY-MM-DD");
        assert!(stderr(&run).contains(&told), "{}", describe(&run));
    }

    // An output folder that cannot be created.
    let test = BookTest::from_fixture("valid/basic");
    let file = test.tmp().join("a-file");
    fs::write(&file, "").unwrap();
    let run = test.run(&[
        Path::new("build"),
        Path::new("."),
        Path::new("-o"),
        &file.join("site"),
    ]);
    assert_code(&run, 2);
}

// ---------------------------------------------------------------------------------------
// The repository's own handbook

/// REPOSITORY HANDBOOK: the handbook at the root of this repository (handbook.yaml,
/// content/, data/) builds, and its links resolve.
#[test]
fn repository_handbook_builds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let run = secbook(
        root,
        &[Path::new("build"), Path::new("."), Path::new("-o"), &out],
    );
    assert_code(&run, 0);
    let site = files_below(&out);
    assert!(site.contains_key("index.html"));
    let problems = broken_links(&site);
    assert!(
        problems.is_empty(),
        "broken links:\n{}",
        problems.join("\n")
    );
    // The approval policy page leads with its generated table, first in "On this page".
    let policy = String::from_utf8_lossy(&site["exceptions/approval-policy/index.html"]);
    let toc = &policy[policy.find("<nav class=\"toc\"").unwrap()..];
    assert!(
        toc.starts_with("<nav class=\"toc\" aria-label=\"On this page\"><h2>On this page</h2><ol>\n<li class=\"toc-h2\"><a href=\"#approval-table\">"),
        "{toc}"
    );
    assert!(
        policy.find("id=\"approval-table\"") < policy.find("<div class=\"prose\">"),
        "the table comes before the page's text"
    );
    // A postmortem's write-up is a page of its own incident: never the blank template,
    // which once stood as the write-up of three incidents that had none.
    let mut write_ups = std::collections::BTreeMap::new();
    for (path, bytes) in site.iter().filter(|(p, _)| p.starts_with("incidents/INC-")) {
        let html = String::from_utf8_lossy(bytes);
        if let Some(at) = html.find("write-up: <a href=\"") {
            let href = html[at + 19..].split('"').next().unwrap_or("").to_string();
            assert!(!href.contains("postmortem-template"), "{path}: {href}");
            if let Some(other) = write_ups.insert(href.clone(), path.clone()) {
                panic!("{path} and {other} share the write-up {href}");
            }
        }
    }
}
