//! End-to-end tests: the built `secbook` binary run on the handbooks in tests/fixtures/, in
//! the way of mdBook's and Zola's test suites. One test binary, to keep link time down.
//!
//! - `tests/fixtures/invalid/<name>/` is a handbook that must fail: `secbook check` exits 1
//!   and prints exactly `expected.stderr`, and `secbook build` fails the same way and writes
//!   nothing. `SECBOOK_BLESS=1 cargo test` rewrites every `expected.stderr` from the current
//!   output; read the diff before committing it. A fixture with a `KNOWN_BUG` file documents
//!   a bug in src/: its `expected.stderr` holds the correct output, the test passes while the
//!   output is still wrong, and fails once it is right, as a reminder to delete `KNOWN_BUG`.
//! - `tests/fixtures/valid/<name>/` is a handbook that must build. Key pages are
//!   snapshot-tested with insta (tests/snapshots/), and every link of the output is checked.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::path::{Component, Path, PathBuf};

use crate::common::{self, copy_dir, files_below};
use tempfile::TempDir;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// The pages of each valid fixture whose HTML is snapshot-tested. Fixtures not named here
/// are built and link-checked only.
const SNAPSHOT_PAGES: &[(&str, &[&str])] = &[
    (
        "basic",
        &[
            "index.html",
            "runbooks/index.html",
            "runbooks/triage/index.html",
        ],
    ),
    (
        "theme-override",
        &["index.html", "policy/index.html", "landing/index.html"],
    ),
];

// ---------------------------------------------------------------------------------------
// Helpers

/// What a run of the binary did.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn describe(&self) -> String {
        format!(
            "exit status {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    #[track_caller]
    fn assert_code(&self, code: i32, what: &str) {
        assert_eq!(
            self.code,
            Some(code),
            "{what}: expected exit status {code}\n{}",
            self.describe()
        );
    }
}

/// Runs `secbook args...` in `cwd`, with an environment that cannot change the output.
fn secbook<S: AsRef<OsStr>>(cwd: &Path, args: &[S]) -> Run {
    let output = common::command()
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run the secbook binary");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The fixtures of one kind (`valid` or `invalid`), by name, in name order.
fn fixtures(kind: &str) -> Vec<(String, PathBuf)> {
    let dir = Path::new(FIXTURES).join(kind);
    let mut out: Vec<(String, PathBuf)> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("read a fixture entry"))
        .filter(|e| e.path().is_dir())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no fixtures in {}", dir.display());
    out
}

fn fixture(kind: &str, name: &str) -> PathBuf {
    Path::new(FIXTURES).join(kind).join(name)
}

/// A copy of a fixture in a fresh temporary folder, as `<tmp>/handbook`, so that tests never
/// write into the source tree and outputs can be put beside the handbook.
fn copy_fixture(kind: &str, name: &str) -> (TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let handbook = tmp.path().join("handbook");
    copy_dir(&fixture(kind, name), &handbook);
    (tmp, handbook)
}

fn html_pages(tree: &BTreeMap<String, Vec<u8>>) -> impl Iterator<Item = (&String, String)> {
    tree.iter()
        .filter(|(path, _)| path.ends_with(".html"))
        .map(|(path, bytes)| {
            (
                path,
                String::from_utf8(bytes.clone()).expect("HTML is UTF-8"),
            )
        })
}

/// Builds `handbook` into `out` and returns what was written.
#[track_caller]
fn build(handbook: &Path, out: &Path, extra: &[&str]) -> BTreeMap<String, Vec<u8>> {
    let mut args = vec![
        OsStr::new("build"),
        OsStr::new("."),
        OsStr::new("-o"),
        out.as_os_str(),
    ];
    args.extend(extra.iter().map(OsStr::new));
    let run = secbook(handbook, &args);
    run.assert_code(0, &format!("build {}", handbook.display()));
    files_below(out)
}

/// A line diff of `expected` and `actual` (longest common subsequence), for a readable
/// failure message.
fn diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, String::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out += &format!("  {}\n", a[i]);
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out += &format!("+ {}\n", b[j]);
            j += 1;
        } else {
            out += &format!("- {}\n", a[i]);
            i += 1;
        }
    }
    if expected.ends_with('\n') != actual.ends_with('\n') {
        out += "(the two differ in their final newline)\n";
    }
    out
}

/// Whether to rewrite the `expected.stderr` of the fixture `name`: `SECBOOK_BLESS=1` blesses
/// every fixture, `SECBOOK_BLESS=a,b` only the fixtures named `a` and `b`.
fn blessing(name: &str) -> bool {
    match std::env::var("SECBOOK_BLESS") {
        Ok(v) if v == "1" => true,
        Ok(v) => v.split(',').any(|n| n.trim() == name),
        Err(_) => false,
    }
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
// The link checker

/// Every `href`, `src` and `action` of every HTML file of the site must be relative and lead
/// to a file of the site (and to an element with that id, when it has a fragment into an
/// HTML page). Links to other sites (http, https) and mail addresses are allowed.
fn check_links(tree: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    let mut problems = Vec::new();
    for (page, html) in html_pages(tree) {
        for link in attribute_values(&html, &["href", "src", "action"]) {
            if let Err(why) = check_link(tree, page, &link) {
                problems.push(format!("{page}: `{link}`: {why}"));
            }
        }
    }
    problems
}

fn check_link(tree: &BTreeMap<String, Vec<u8>>, page: &str, link: &str) -> Result<(), String> {
    let lower = link.to_ascii_lowercase();
    if ["http://", "https://", "mailto:"]
        .iter()
        .any(|s| lower.starts_with(s))
    {
        return Ok(());
    }
    if link.is_empty() {
        return Err("empty link".into());
    }
    if link.starts_with('/') {
        return Err("absolute path: breaks under a sub-path and from file://".into());
    }
    let first_sep = link.find(['/', '?', '#']).unwrap_or(link.len());
    if link[..first_sep].contains(':') {
        return Err("a scheme other than http(s) or mailto".into());
    }
    let (rest, fragment) = link.split_once('#').unwrap_or((link, ""));
    let path = rest.split_once('?').map_or(rest, |(p, _)| p);
    let target = if path.is_empty() {
        page.to_string()
    } else {
        let dir = Path::new(page).parent().unwrap_or(Path::new(""));
        let mut parts: Vec<String> = Vec::new();
        for c in dir.join(path).components() {
            match c {
                Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
                Component::ParentDir => {
                    parts.pop().ok_or("climbs above the site root")?;
                }
                Component::CurDir => {}
                _ => return Err("not a relative path".into()),
            }
        }
        parts.join("/")
    };
    let Some(bytes) = tree.get(&target) else {
        let hint = if tree.keys().any(|k| k.starts_with(&format!("{target}/"))) {
            " (it is a folder: from file:// a link must name its index.html)"
        } else {
            ""
        };
        return Err(format!(
            "resolves to `{target}`, which the site does not have{hint}"
        ));
    };
    if !fragment.is_empty() && target.ends_with(".html") {
        let html = String::from_utf8_lossy(bytes);
        if !html.contains(&format!("id=\"{fragment}\"")) {
            return Err(format!("`{target}` has no element with id `{fragment}`"));
        }
    }
    Ok(())
}

/// The values of the named attributes in `html`, unescaped enough for paths.
fn attribute_values(html: &str, names: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for name in names {
        for quote in ['"', '\''] {
            let needle = format!("{name}={quote}");
            let mut from = 0;
            while let Some(i) = html[from..].find(&needle) {
                let start = from + i;
                from = start + needle.len();
                // Attribute names are preceded by white space; `data-href` is not `href`.
                let before = html[..start].chars().next_back();
                if !before.is_some_and(char::is_whitespace) {
                    continue;
                }
                let Some(len) = html[from..].find(quote) else {
                    break;
                };
                out.push(html[from..from + len].replace("&amp;", "&"));
            }
        }
    }
    out
}

#[test]
fn the_link_checker_catches_bad_links() {
    let page = |html: &str| (String::from("a/index.html"), html.as_bytes().to_vec());
    let tree: BTreeMap<String, Vec<u8>> = [
        page(r#"<h2 id="x">X</h2><a href="../b/index.html#y">"#),
        ("b/index.html".into(), br#"<p id="y">"#.to_vec()),
    ]
    .into_iter()
    .collect();
    assert_eq!(check_links(&tree), Vec::<String>::new());
    for (bad, why) in [
        ("/b/index.html", "absolute"),
        ("../c/index.html", "does not have"),
        ("../b/", "index.html"),
        ("../../x.html", "climbs above"),
        ("#nope", "no element with id"),
        ("javascript:alert(1)", "scheme"),
    ] {
        let tree = BTreeMap::from([
            page(&format!(r#"<a href="{bad}">"#)),
            ("b/index.html".into(), b"".to_vec()),
        ]);
        let problems = check_links(&tree);
        assert!(
            problems.len() == 1 && problems[0].contains(why),
            "{bad}: {problems:?}"
        );
    }
    assert!(check_links(&[page(r#"<a data-href="/x" href="https://x.org">"#)].into()).is_empty());
}

// ---------------------------------------------------------------------------------------
// Invalid handbooks: exact diagnostics

#[test]
fn invalid_handbooks_fail_with_the_expected_diagnostics() {
    let mut failures = Vec::new();
    let mut known_bugs = Vec::new();
    for (name, dir) in fixtures("invalid") {
        let (_tmp, handbook) = copy_fixture("invalid", &name);
        // `check` with no folder: the current one, as a user runs it.
        let run = secbook(&handbook, &["check"]);
        let expected_path = dir.join("expected.stderr");
        let known_bug = dir.join("KNOWN_BUG").is_file();

        if blessing(&name) && !known_bug {
            fs::write(&expected_path, &run.stderr).unwrap();
        }
        let Ok(expected) = fs::read_to_string(&expected_path) else {
            failures.push(format!(
                "== {name}: {} is missing (SECBOOK_BLESS={name} writes it); exit status {:?}, \
                 stderr:\n{}",
                expected_path.display(),
                run.code,
                run.stderr
            ));
            continue;
        };
        let matches = run.code == Some(1) && run.stderr == expected;
        if known_bug {
            if matches {
                failures.push(format!(
                    "== {name}: the output is now right: delete {}/KNOWN_BUG",
                    dir.display()
                ));
            } else {
                known_bugs.push(format!(
                    "== {name} (known bug, see KNOWN_BUG), exit status {:?}:\n{}",
                    run.code,
                    diff(&expected, &run.stderr)
                ));
            }
            continue;
        }
        if !matches {
            failures.push(format!(
                "== {name}: exit status {:?} (expected 1); stderr differs from {} \
                 (- expected, + actual):\n{}",
                run.code,
                expected_path.display(),
                diff(&expected, &run.stderr)
            ));
            continue;
        }
        if !run.stdout.is_empty() {
            failures.push(format!(
                "== {name}: `check` printed to stdout:\n{}",
                run.stdout
            ));
        }

        // `build` reports the same errors and writes nothing.
        let build = secbook(&handbook, &["build"]);
        if build.code != Some(1) || build.stderr != run.stderr {
            failures.push(format!(
                "== {name}: `build` does not fail as `check` does (- check, + build), exit \
                 status {:?}:\n{}",
                build.code,
                diff(&run.stderr, &build.stderr)
            ));
        }
        let public = handbook.join("public");
        if public.exists() || !leftovers_beside(&public).is_empty() {
            failures.push(format!(
                "== {name}: a failed build wrote into {}",
                handbook.display()
            ));
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
        "{} invalid fixture(s) failed (SECBOOK_BLESS=1 rewrites expected.stderr):\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------------------
// Valid handbooks: they build, their key pages match their snapshots, their links resolve

#[test]
fn valid_handbooks_build_and_match_their_snapshots() {
    let mut broken = Vec::new();
    for (name, _) in fixtures("valid") {
        let (tmp, handbook) = copy_fixture("valid", &name);
        let run = secbook(&handbook, &["check"]);
        run.assert_code(0, &format!("check {name}"));
        assert!(
            run.stderr.contains("no errors"),
            "{name}: {}",
            run.describe()
        );

        let out = tmp.path().join("public");
        let tree = build(&handbook, &out, &[]);

        let pages = SNAPSHOT_PAGES
            .iter()
            .find(|(fixture, _)| *fixture == name)
            .map_or(&[][..], |(_, pages)| pages);
        for page in pages {
            let html = tree
                .get(*page)
                .unwrap_or_else(|| panic!("{name}: no {page} in {:?}", tree.keys()));
            let html = String::from_utf8(html.clone()).unwrap();
            let mut settings = insta::Settings::clone_current();
            settings.set_description(format!("tests/fixtures/valid/{name}: {page}"));
            settings.set_omit_expression(true);
            settings.bind(|| {
                insta::assert_snapshot!(format!("{name}__{}", page.replace('/', "_")), html);
            });
        }
        broken.extend(
            check_links(&tree)
                .into_iter()
                .map(|p| format!("{name}: {p}")),
        );
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn basic_orders_pages_by_weight_then_title() {
    let (tmp, handbook) = copy_fixture("valid", "basic");
    let tree = build(&handbook, &tmp.path().join("public"), &[]);
    let page = String::from_utf8(tree["runbooks/triage/index.html"].clone()).unwrap();
    let sidebar = &page[page.find("<aside").unwrap()..page.find("</aside>").unwrap()];
    let position = |title: &str| {
        sidebar
            .find(&format!(">{title}</a>"))
            .unwrap_or_else(|| panic!("{title} missing from the sidebar:\n{sidebar}"))
    };
    // Runbooks (weight 1) before Glossary (weight 5); in Runbooks, Triage (1), then
    // Containment and Escalation (both 2) by title.
    assert!(position("Runbooks") < position("Glossary"), "{sidebar}");
    assert!(position("Triage") < position("Containment"), "{sidebar}");
    assert!(
        position("Containment") < position("Escalation"),
        "{sidebar}"
    );
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
    let home = String::from_utf8(tree["index.html"].clone()).unwrap();
    assert!(home.contains(r#"href="files/contacts.txt""#), "{home}");
    assert_eq!(
        tree["files/contacts.txt"],
        fs::read(handbook.join("static/files/contacts.txt")).unwrap()
    );
}

#[test]
fn a_theme_override_replaces_the_built_in_template() {
    let (tmp, handbook) = copy_fixture("valid", "theme-override");
    let tree = build(&handbook, &tmp.path().join("public"), &[]);
    let text = |p: &str| String::from_utf8(tree[p].clone()).unwrap();
    assert!(text("policy/index.html").contains(r#"data-template="override""#));
    assert!(text("policy/index.html").contains("<h1>POLICY</h1>"));
    // Templates that extend page.html pick up the override too.
    assert!(text("index.html").contains(r#"data-template="override""#));
    // A template the built-in theme does not have, named in front matter.
    assert!(text("landing/index.html").contains(r#"data-template="landing""#));
    // The theme's static files are copied; the built-in ones still are.
    assert!(tree.contains_key("extra.css") && tree.contains_key("style.css"));

    // And the same pages without the override use the built-in template.
    fs::remove_dir_all(handbook.join("themes")).unwrap();
    fs::remove_file(handbook.join("content/landing.md")).unwrap();
    let text = fs::read_to_string(handbook.join("content/_index.md")).unwrap();
    fs::write(
        handbook.join("content/_index.md"),
        text.replace(" or the\n[landing page](landing.md)", ""),
    )
    .unwrap();
    let plain = build(&handbook, &tmp.path().join("plain"), &[]);
    let policy = String::from_utf8(plain["policy/index.html"].clone()).unwrap();
    assert!(!policy.contains("data-template"), "{policy}");
    assert!(policy.contains(r#"<article class="page">"#), "{policy}");
}

// ---------------------------------------------------------------------------------------
// Build guarantees

#[test]
fn builds_are_byte_for_byte_reproducible() {
    for (name, _) in fixtures("valid") {
        // Two copies in two different places: the output must not depend on where the
        // handbook is, nor on thread scheduling.
        let (tmp_a, a) = copy_fixture("valid", &name);
        let (tmp_b, b) = copy_fixture("valid", &name);
        let first = build(&a, &tmp_a.path().join("one"), &["--drafts"]);
        let second = build(&b, &tmp_b.path().join("two"), &["--drafts"]);
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
    let (_tmp, handbook) = copy_fixture("valid", "basic");
    let out = handbook.join("public");
    let before = build(&handbook, &out, &[]);
    assert!(before.contains_key("index.html"));
    assert!(
        leftovers_beside(&out).is_empty(),
        "{:?}",
        leftovers_beside(&out)
    );

    let page = handbook.join("content/glossary.md");
    let text = fs::read_to_string(&page).unwrap();
    fs::write(
        &page,
        format!("{text}\nSee [the missing page](missing.md).\n"),
    )
    .unwrap();
    // The default output folder, public/ in the handbook.
    let run = secbook(&handbook, &["build"]);
    run.assert_code(1, "build with a broken link");
    assert!(
        run.stderr.contains("content/glossary.md:"),
        "{}",
        run.describe()
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
    fs::write(&page, text).unwrap();
    fs::remove_file(handbook.join("content/runbooks/containment.md")).unwrap();
    let after = build(&handbook, &out, &[]);
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
    let (tmp, handbook) = copy_fixture("valid", "basic");
    let base = "https://handbook.example.org/security/";
    let tree = build(&handbook, &tmp.path().join("public"), &["--base-url", base]);
    for (path, html) in html_pages(&tree) {
        for link in attribute_values(&html, &["href", "src", "action"]) {
            assert!(
                !link.contains("handbook.example.org"),
                "{path}: `{link}` is absolute"
            );
        }
    }
    let problems = check_links(&tree);
    assert!(
        problems.is_empty(),
        "broken links:\n{}",
        problems.join("\n")
    );
}

#[test]
fn drafts_are_left_out_unless_asked_for() {
    let (tmp, handbook) = copy_fixture("valid", "basic");
    let without = build(&handbook, &tmp.path().join("without"), &[]);
    assert!(!without.contains_key("runbooks/wip/index.html"));
    for (path, html) in html_pages(&without) {
        assert!(
            !html.contains("Work in progress"),
            "{path} mentions the draft"
        );
    }
    let with = build(&handbook, &tmp.path().join("with"), &["--drafts"]);
    let draft = String::from_utf8(with["runbooks/wip/index.html"].clone()).unwrap();
    assert!(draft.contains("<h1>Work in progress</h1>"), "{draft}");
    let section = String::from_utf8(with["runbooks/index.html"].clone()).unwrap();
    assert!(
        section.contains(r#"href="../runbooks/wip/index.html""#),
        "{section}"
    );
    assert!(check_links(&with).is_empty(), "{:?}", check_links(&with));
}

#[test]
fn every_page_shows_the_as_of_date() {
    let (tmp, handbook) = copy_fixture("valid", "basic");
    let footer = |date: &str| format!(r#"as of <time datetime="{date}">{date}</time>"#);
    // From handbook.yaml...
    let from_config = build(&handbook, &tmp.path().join("config"), &[]);
    // ...and from the flag, which wins.
    let from_flag = build(
        &handbook,
        &tmp.path().join("flag"),
        &["--as-of", "2027-01-15"],
    );
    for (tree, date) in [(&from_config, "2026-06-30"), (&from_flag, "2027-01-15")] {
        let mut pages = 0;
        for (path, html) in html_pages(tree) {
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
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("does-not-exist");
    for command in ["check", "build"] {
        let run = secbook(tmp.path(), &[OsStr::new(command), missing.as_os_str()]);
        run.assert_code(2, &format!("{command} on a folder that does not exist"));
        assert!(run.stderr.contains("is not a folder"), "{}", run.describe());

        let run = secbook(tmp.path(), &[command]);
        run.assert_code(2, &format!("{command} in a folder without handbook.yaml"));
        assert!(
            run.stderr.contains("no handbook.yaml"),
            "{}",
            run.describe()
        );
    }
    assert!(
        !tmp.path().join("public").exists(),
        "build wrote output for no handbook"
    );

    let basic = fixture("valid", "basic");
    for bad in ["2026-02-30", "tomorrow", "2026-6-1"] {
        let run = secbook(
            tmp.path(),
            &[
                OsStr::new("check"),
                basic.as_os_str(),
                OsStr::new("--as-of"),
                OsStr::new(bad),
            ],
        );
        run.assert_code(2, &format!("--as-of {bad}"));
        assert!(run.stderr.contains("not a date"), "{}", run.describe());
    }

    // An output folder that cannot be created.
    let (tmp, handbook) = copy_fixture("valid", "basic");
    let file = tmp.path().join("a-file");
    fs::write(&file, "").unwrap();
    let run = secbook(
        &handbook,
        &[
            OsStr::new("build"),
            OsStr::new("."),
            OsStr::new("-o"),
            file.join("site").as_os_str(),
        ],
    );
    run.assert_code(2, "build into a folder below a file");
}

// ---------------------------------------------------------------------------------------
// The repository's own handbook

/// REPOSITORY HANDBOOK: the handbook at the root of this repository (handbook.yaml,
/// content/, data/) builds, and its links resolve.
#[test]
fn repository_handbook_builds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    let tree = build(root, &tmp.path().join("public"), &[]);
    assert!(tree.contains_key("index.html"));
    let problems = check_links(&tree);
    assert!(
        problems.is_empty(),
        "broken links:\n{}",
        problems.join("\n")
    );
}
