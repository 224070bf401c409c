//! `check --format json|github|sarif|junit` (SPEC 11), each read back by a tool that CI
//! systems use or that nobody here wrote: the api/findings.json the build writes, the
//! official SARIF 2.1.0 schema and Microsoft's SARIF multitool, and junitparser.
//!
//! The handbook sits in a subfolder of a git repository, as in most projects, so every
//! path that CI shows must be named from the repository root to land on the right file.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::{
    self, assert_code, checker, control_character_handbook, copy_dir, describe, git,
};
use secbook::diagnostics::is_hidden;
use secbook::model::finding::{CODES, RULES};
use serde_json::{Value, json};

const FORMATS: [&str; 4] = ["json", "github", "sarif", "junit"];

/// Runs the binary in `cwd` with GITHUB_WORKSPACE set to `workspace`, or unset as on a
/// developer's machine (and whatever the CI that runs these tests sets).
fn secbook(cwd: &Path, args: &[&str], workspace: Option<&Path>) -> Output {
    let mut command = common::command();
    command.args(args).current_dir(cwd);
    if let Some(workspace) = workspace {
        command.env("GITHUB_WORKSPACE", workspace);
    }
    command.output().expect("the secbook binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("UTF-8 output")
}

/// tests/fixtures/valid/exports (as of 2026-06-30: an expired exception, two overdue action items)
/// with a page past its review date, copied to `dir`.
fn handbook(dir: &Path) {
    copy_dir(&common::fixture("valid/exports"), dir);
    fs::write(
        dir.join("content/guide.md"),
        "---\ntitle: Guide\nreview_by: 2026-01-31\n---\nRead [the home page](_index.md).\n",
    )
    .unwrap();
}

/// The handbook with errors too: a record that does not load (EXC-002), one that loads
/// with an error (EXC-003, whose id is now EXC-033), and a page with a broken link.
fn break_handbook(dir: &Path) {
    let edit = |rel: &str, from: &str, to: &str| {
        let path = dir.join(rel);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{rel} holds {from}");
        fs::write(&path, text.replacen(from, to, 1)).unwrap();
    };
    edit(
        "data/exceptions/EXC-002.yaml",
        "expires: 2026-07-10",
        "expires: 2026-13-10",
    );
    edit("data/exceptions/EXC-003.yaml", "id: EXC-003", "id: EXC-033");
    edit("content/guide.md", "(_index.md)", "(missing.md)");
}

/// A git repository in a temporary folder with the handbook at docs/handbook.
fn repository() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    git(tmp.path(), &["init", "-q"], &[]);
    let root = tmp.path().join("docs/handbook");
    handbook(&root);
    (tmp, root)
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON: {e}\n{}", describe(out)))
}

#[test]
fn github_names_files_from_the_repository_root() {
    let (repo, root) = repository();
    let expired = "::warning file=docs/handbook/data/exceptions/EXC-001.yaml,line=12,col=10,title=exception.expired::";
    // From the repository root, from the handbook, and from elsewhere: the same names.
    for (cwd, dir) in [
        (repo.path(), "docs/handbook"),
        (root.as_path(), "."),
        (Path::new("/"), root.to_str().unwrap()),
    ] {
        let out = secbook(cwd, &["check", dir, "--format", "github"], None);
        assert_code(&out, 0);
        let lines = stdout(&out);
        assert!(lines.contains(expired), "from {cwd:?}:\n{lines}");
        assert!(
            lines.contains(
                "file=docs/handbook/content/guide.md,line=3,col=12,title=page.review-overdue::"
            ),
            "{lines}"
        );
        // Two of them the requester's own approval of EXC-001 and its unreviewed renewal.
        assert_eq!(lines.matches("file=docs/handbook/").count(), 6, "{lines}");
    }

    // A file that is not read is named, with no line to point at.
    fs::create_dir_all(root.join("static")).unwrap();
    fs::write(root.join("static/.env"), "TOKEN=x\n").unwrap();
    let out = secbook(&root, &["check", "--format", "github"], None);
    assert!(
        stdout(&out)
            .contains("::warning file=docs/handbook/static/.env::static/.env is not published"),
        "{}",
        stdout(&out)
    );
    fs::remove_file(root.join("static/.env")).unwrap();

    // GITHUB_WORKSPACE names the root when it holds the handbook, even above the git root
    // (a repository checked out into a subfolder of the workspace).
    let out = secbook(
        repo.path(),
        &["check", "docs/handbook", "--format", "github"],
        Some(repo.path().parent().unwrap()),
    );
    let name = repo.path().file_name().unwrap().to_str().unwrap();
    assert!(
        stdout(&out).contains(&format!(
            "file={name}/docs/handbook/data/exceptions/EXC-001.yaml,"
        )),
        "{}",
        stdout(&out)
    );
    // A workspace that does not hold the handbook is not its root.
    let elsewhere = tempfile::tempdir().unwrap();
    let out = secbook(
        repo.path(),
        &["check", "docs/handbook", "--format", "github"],
        Some(elsewhere.path()),
    );
    assert!(stdout(&out).contains(expired), "{}", stdout(&out));

    // `.git` as a file (a worktree or a submodule) marks the root too; without any, the
    // handbook folder is the root.
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("sub/handbook");
    handbook(&root);
    let plain = secbook(
        tmp.path(),
        &["check", "sub/handbook", "--format", "github"],
        None,
    );
    assert!(
        stdout(&plain).contains("::warning file=data/exceptions/EXC-001.yaml,"),
        "{}",
        stdout(&plain)
    );
    fs::write(
        tmp.path().join(".git"),
        "gitdir: /elsewhere/.git/worktrees/x\n",
    )
    .unwrap();
    let worktree = secbook(
        tmp.path(),
        &["check", "sub/handbook", "--format", "github"],
        None,
    );
    assert!(
        stdout(&worktree).contains("::warning file=sub/handbook/data/exceptions/EXC-001.yaml,"),
        "{}",
        stdout(&worktree)
    );
}

/// The six fields of an api/findings.json object, to compare with `check --format json`.
fn finding_key(item: &Value) -> Vec<Value> {
    ["code", "level", "file", "line", "subject", "message"]
        .iter()
        .map(|field| item[*field].clone())
        .collect()
}

#[test]
fn json_holds_the_objects_of_api_findings_json() {
    let (_repo, root) = repository();
    let out = secbook(&root, &["build", ".", "-o", "../site"], None);
    assert_code(&out, 0);
    let built: Value =
        serde_json::from_slice(&fs::read(root.join("../site/api/findings.json")).unwrap()).unwrap();
    let built = built.as_array().unwrap();
    assert_eq!(built.len(), 6, "{built:?}");

    let out = secbook(&root, &["check", "--format", "json"], None);
    assert_code(&out, 0);
    let checked = json(&out);
    let checked = checked.as_array().unwrap();
    let mut from_check: Vec<Vec<Value>> = checked.iter().map(finding_key).collect();
    let mut from_build: Vec<Vec<Value>> = built.iter().map(finding_key).collect();
    from_check.sort_by_key(|k| format!("{k:?}"));
    from_build.sort_by_key(|k| format!("{k:?}"));
    assert_eq!(from_check, from_build, "field by field");
    for item in checked {
        let fields: Vec<&str> = item
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            fields.len(),
            9,
            "code, level, file, line, subject, message, column, hint, severity: {item}"
        );
        assert!(item["column"].as_u64().is_some_and(|c| c > 0), "{item}");
        assert!(item["hint"].is_null(), "{item}");
        assert_eq!(item["severity"], "warn", "{item}");
    }

    // Denied findings are errors of the run: the lint level, and severity error.
    let out = secbook(&root, &["check", "--strict", "--format", "json"], None);
    assert_code(&out, 1);
    for item in json(&out).as_array().unwrap() {
        assert_eq!(
            (&item["level"], &item["severity"]),
            (&"deny".into(), &"error".into()),
            "{item}"
        );
    }

    // Errors have no code nor level, and the subject of the record or page they are in,
    // loaded or not.
    break_handbook(&root);
    let out = secbook(&root, &["check", "--format", "json"], None);
    assert_code(&out, 1);
    let items = json(&out);
    let errors: Vec<(&str, &str)> = items
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["code"].is_null())
        .map(|i| {
            assert!(i["level"].is_null(), "{i}");
            assert_eq!(i["severity"], "error", "{i}");
            assert!(i["line"].as_u64().is_some() && i["column"].as_u64().is_some());
            (i["file"].as_str().unwrap(), i["subject"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        errors,
        [
            ("content/guide.md", "guide.md"),
            ("data/exceptions/EXC-002.yaml", "EXC-002"),
            ("data/exceptions/EXC-003.yaml", "EXC-033"),
        ],
        "{items:#}"
    );
    let unknown = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["file"] == "data/exceptions/EXC-003.yaml")
        .unwrap();
    assert!(unknown["hint"].is_string(), "how to fix it: {unknown}");
}

fn schema_errors(schema: &Value, doc: &Value) -> Vec<String> {
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(schema)
        .expect("the SARIF schema compiles");
    validator
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

/// Microsoft's SARIF multitool: `$SECBOOK_SARIF_MULTITOOL`, else where .ci/run installs it.
/// `None` on a developer's machine without it, where the check is skipped with a note; under
/// CI (`CI=true`) its absence fails the test.
fn multitool() -> Option<PathBuf> {
    let tool = std::env::var_os("SECBOOK_SARIF_MULTITOOL")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("target/ci-npm/node_modules/.bin/sarif-multitool")
        });
    if tool.exists() {
        return Some(tool);
    }
    let note = format!(
        "{} is not there: run .ci/run once, or set SECBOOK_SARIF_MULTITOOL",
        tool.display()
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{note}");
    }
    eprintln!("skipped: {note}");
    None
}

/// What the multitool's `validate` says of a SARIF log: its results, as `level rule:
/// message` lines (it exits 0 whatever it finds, so its own SARIF output is read).
fn multitool_says(tool: &Path, sarif: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("check.sarif");
    let said = dir.path().join("validate.sarif");
    fs::write(&log, sarif).unwrap();
    let out = Command::new(tool)
        .arg("validate")
        .arg(&log)
        .arg("--output")
        .arg(&said)
        .output()
        .expect("the multitool runs");
    assert!(out.status.success(), "{}", describe(&out));
    let said: Value = serde_json::from_slice(&fs::read(&said).unwrap()).unwrap();
    said["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {}: {}",
                r["level"].as_str().unwrap_or("warning"),
                r["ruleId"].as_str().unwrap_or_default(),
                r["message"]
            )
        })
        .collect()
}

#[test]
fn sarif_is_valid_and_names_files_from_the_repository_root() {
    let (_repo, root) = repository();
    break_handbook(&root);
    // A file that is not read, with no line to point at; and a mistake in handbook.yaml,
    // which holds back the findings with a warning about the handbook as a whole.
    fs::create_dir_all(root.join("static")).unwrap();
    fs::write(root.join("static/.env"), "TOKEN=x\n").unwrap();
    let config = fs::read_to_string(root.join("handbook.yaml")).unwrap();
    fs::write(root.join("handbook.yaml"), format!("{config}titel: x\n")).unwrap();
    let out = secbook(&root, &["check", "--format", "sarif"], None);
    assert_code(&out, 1);
    let sarif = stdout(&out);
    let log: Value = serde_json::from_str(&sarif).unwrap();
    let schema: Value = serde_json::from_slice(
        &fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(schema_errors(&schema, &log), Vec::<String>::new());
    assert_eq!(log["version"], "2.1.0");

    // One rule per finding code, and one for the diagnostics without a code.
    let run = &log["runs"][0];
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(rules[0], "handbook");
    assert_eq!(rules[1..], *CODES);
    for (rule, described) in run["tool"]["driver"]["rules"].as_array().unwrap()[1..]
        .iter()
        .zip(RULES)
    {
        assert_eq!(rule["shortDescription"]["text"], described.description);
        assert_eq!(rule["fullDescription"]["text"], described.description);
        // Code scanning shows a rule's help beside its alerts: how to set its level.
        let help = rule["help"]["text"].as_str().unwrap();
        assert!(
            help.starts_with(described.description)
                && help.contains(&format!("lints: {{ {}: allow }}", described.code)),
            "{help}"
        );
        assert_eq!(rule["help"]["markdown"], help);
    }
    let handbook = &run["tool"]["driver"]["rules"][0];
    assert!(
        handbook["help"]["text"]
            .as_str()
            .unwrap()
            .contains("file, line and column")
    );

    // A result per error and finding, at its place from the repository root.
    let json = json(&secbook(&root, &["check", "--format", "json"], None));
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), json.as_array().unwrap().len());
    for (result, item) in results.iter().zip(json.as_array().unwrap()) {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(result["ruleId"], rules[index]);
        assert_eq!(
            result["ruleId"],
            item["code"].as_str().unwrap_or("handbook")
        );
        let level = if item["severity"] == "error" {
            "error"
        } else {
            "warning"
        };
        assert_eq!(result["level"], level, "{result}");
        let place = &result["locations"][0]["physicalLocation"];
        assert_eq!(place["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert_eq!(
            place["artifactLocation"]["uri"],
            format!(
                "docs/handbook/{}",
                item["file"].as_str().unwrap_or("handbook.yaml")
            )
        );
        if item["line"].is_null() {
            assert_eq!(place["region"]["startLine"], 1);
        } else {
            assert_eq!(place["region"]["startLine"], item["line"]);
        }
        assert_eq!(place["region"]["startColumn"], item["column"]);
        assert!(
            result["message"]["text"]
                .as_str()
                .unwrap()
                .starts_with(item["message"].as_str().unwrap())
        );
    }
    assert!(results.iter().any(|r| r["level"] == "error"));
    assert!(results.iter().any(|r| r["level"] == "warning"));
    // A file that is not read is the place of its result, at its first line.
    let env = results
        .iter()
        .map(|r| &r["locations"][0]["physicalLocation"])
        .find(|place| place["artifactLocation"]["uri"] == "docs/handbook/static/.env")
        .unwrap_or_else(|| panic!("no result at static/.env: {sarif}"));
    assert_eq!(env["region"], json!({ "startLine": 1 }), "{env}");

    // The schema check is live: a region that starts on line 0 is refused.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    assert_ne!(schema_errors(&schema, &broken), Vec::<String>::new());

    let Some(tool) = multitool() else { return };
    // secbook has no web page to name as the driver's informationUri, which the multitool
    // would like (SARIF2005); it says nothing else.
    let said = multitool_says(&tool, &sarif);
    let other: Vec<&String> = said.iter().filter(|s| !s.contains("SARIF2005")).collect();
    assert!(other.is_empty(), "{said:#?}");
    let said = multitool_says(&tool, &serde_json::to_string(&broken).unwrap());
    assert!(
        said.iter().any(|s| s.starts_with("error JSON")),
        "{said:#?}"
    );
}

/// A link to a missing page made three times on one line is one report in every format,
/// which names the count and the other places as each format can.
#[test]
fn a_repeated_problem_is_one_report_with_its_places_in_every_format() {
    let (_repo, root) = repository();
    fs::write(
        root.join("content/guide.md"),
        "---\ntitle: Guide\n---\n[a](gone.md) [b](gone.md) [c](gone.md)\n\n[d](guid.md)\n",
    )
    .unwrap();
    let run = |format: &str| {
        let out = secbook(&root, &["check", "--format", format], None);
        assert_code(&out, 1);
        stdout(&out)
    };
    let also = "also at 2 other place(s) in this file: 4:14, 4:27";

    let items: Value = serde_json::from_str(&run("json")).unwrap();
    let gone: Vec<&Value> = items
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["message"].as_str().unwrap().contains("gone.md"))
        .collect();
    assert_eq!(gone.len(), 1, "{items:#}");
    assert_eq!(
        (&gone[0]["line"], &gone[0]["column"]),
        (&4.into(), &1.into())
    );
    assert_eq!(gone[0]["occurrences"], 3);
    assert_eq!(gone[0]["also_at"], also);
    assert!(
        items
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i.get("occurrences").is_none() || i["message"] == gone[0]["message"])
    );

    let github = run("github");
    assert_eq!(github.matches("gone.md").count(), 1, "{github}");
    assert!(github.contains(&format!("({also})")), "{github}");
    // A hint on a line of its own, as the terminal shows it.
    assert!(
        github.contains("`guid.md`, a page that does not exist%0Ahelp: did you mean `guide.md`?"),
        "{github}"
    );

    let sarif = run("sarif");
    let log: Value = serde_json::from_str(&sarif).unwrap();
    let results: Vec<&Value> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["message"]["text"].as_str().unwrap().contains("gone.md"))
        .collect();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["occurrenceCount"], 3);
    let related: Vec<(u64, u64)> = results[0]["relatedLocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let region = &r["physicalLocation"]["region"];
            (
                region["startLine"].as_u64().unwrap(),
                region["startColumn"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(related, [(4, 14), (4, 27)]);
    let schema: Value = serde_json::from_slice(
        &fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(schema_errors(&schema, &log), Vec::<String>::new());

    let junit = run("junit");
    assert!(junit.contains(&format!("  note: {also}")), "{junit}");

    if let Some(tool) = multitool() {
        let said = multitool_says(&tool, &sarif);
        let other: Vec<&String> = said.iter().filter(|s| !s.contains("SARIF2005")).collect();
        assert!(other.is_empty(), "{said:#?}");
    }
}

/// A JUnit report as junitparser reads it (tests/checkers.py checks its counts), once lxml
/// has validated it against Jenkins' schema (tests/data/junit-10.xsd): `None` when Python,
/// lxml or junitparser is missing on a developer's machine, which the test then skips with
/// a note. Under CI (`CI=true`) a missing tool fails the test instead.
fn junitparser_reads(xml: &str) -> Option<Value> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("check.xml");
    fs::write(&path, xml).unwrap();
    let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/junit-10.xsd");
    let out = checker(&["xsd".as_ref(), xsd.as_os_str(), path.as_os_str()])?;
    assert!(out.status.success(), "{}", describe(&out));
    let out = checker(&["junit".as_ref(), path.as_os_str()])?;
    assert!(out.status.success(), "{}", describe(&out));
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

#[test]
fn junit_has_a_case_per_rule_and_record() {
    let (_repo, root) = repository();
    break_handbook(&root);
    let out = secbook(&root, &["check", "--format", "junit"], None);
    assert_code(&out, 1);
    let xml = stdout(&out);
    // Well-formed for a strict XML parser too.
    roxmltree::Document::parse(&xml).unwrap();
    let Some(suites) = junitparser_reads(&xml) else {
        return;
    };
    let json = json(&secbook(&root, &["check", "--format", "json"], None));
    let json = json.as_array().unwrap();

    // The records and pages, as the site lists them: EXC-002 does not load.
    let exceptions = ["EXC-001", "EXC-004", "EXC-005", "EXC-033"];
    let incidents = ["INC-001", "INC-002"];
    let pages = ["_index.md", "guide.md"];
    let suites = suites.as_array().unwrap();
    let names: Vec<&str> = suites.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names[0], "handbook");
    assert_eq!(names[1..], *CODES);
    for (suite, name) in suites.iter().zip(&names) {
        let cases = suite["cases"].as_array().unwrap();
        let case_names: Vec<&str> = cases.iter().map(|c| c["name"].as_str().unwrap()).collect();
        // Each case fails with exactly the messages of its rule and subject.
        let mut expected: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for item in json {
            if item["code"].as_str().unwrap_or("handbook") == *name {
                expected
                    .entry(item["subject"].as_str().unwrap())
                    .or_default()
                    .push(item["message"].as_str().unwrap());
            }
        }
        let mut failed: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for case in cases {
            assert_eq!(case["classname"], *name);
            match case["result"].as_str().unwrap() {
                "passed" => {}
                "failure" => {
                    let messages = case["message"].as_str().unwrap().split("; ").collect();
                    failed.insert(case["name"].as_str().unwrap(), messages);
                    let text = case["text"].as_str().unwrap();
                    assert!(text.contains("docs/handbook/"), "{text}");
                }
                // A rule that compares with a revision, or reads history, is skipped
                // when the run has neither, and says which option it needs.
                "skipped" => {
                    let rule = RULES.iter().find(|r| r.code == *name).unwrap();
                    let option = if rule.needs_baseline {
                        "--baseline"
                    } else {
                        "--history"
                    };
                    assert!(rule.needs_baseline || rule.needs_history, "{case}");
                    assert!(case["message"].as_str().unwrap().contains(option), "{case}");
                }
                other => panic!("{name}: {other}"),
            }
        }
        assert_eq!(failed, expected, "{name}");
        let rule = RULES.iter().find(|r| r.code == *name);
        let subjects: Vec<&str> = match rule {
            None => [&exceptions[..], &incidents, &pages, &["EXC-002"]].concat(),
            Some(r) if r.needs_baseline || r.needs_history => vec![r.code],
            Some(r) => match r.kind {
                secbook::model::finding::Kind::Exception => exceptions.to_vec(),
                secbook::model::finding::Kind::Incident => incidents.to_vec(),
                secbook::model::finding::Kind::Page => pages.to_vec(),
            },
        };
        assert_eq!(case_names, subjects, "{name}");
    }
}

#[test]
fn every_format_exits_1_on_errors_is_deterministic_and_runs_no_control_character() {
    let (_repo, root) = repository();
    for format in FORMATS {
        let out = secbook(&root, &["check", "--format", format], None);
        assert_code(&out, 0);
        assert!(!out.stdout.is_empty(), "{format}");
        let out = secbook(&root, &["check", "--strict", "--format", format], None);
        assert_code(&out, 1);
    }
    break_handbook(&root);
    for format in FORMATS {
        let first = secbook(&root, &["check", "--format", format], None);
        assert_code(&first, 1);
        let second = secbook(&root, &["check", "--format", format], None);
        assert_eq!(first.stdout, second.stdout, "{format}: the same bytes");
    }

    // Escape sequences in a page and in file names reach no CI log as they are.
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    control_character_handbook(
        root,
        "See \u{1b}]0;pwned\u{7} \u{202e}[the list](missing\u{9b}\u{202e}\u{ffff}.md).\r\n",
    );
    for format in FORMATS {
        let out = secbook(root, &["check", "--format", format], None);
        assert_code(&out, 1);
        let text = stdout(&out);
        let hidden: Vec<char> = text.chars().filter(|&c| is_hidden(c)).collect();
        assert_eq!(hidden, Vec::<char>::new(), "{format}: {text}");
        match format {
            "json" | "sarif" => {
                let value: Value = serde_json::from_str(&text).unwrap();
                assert!(
                    value.to_string().contains("missing\u{9b}\u{202e}"),
                    "the same value"
                );
            }
            "junit" => {
                let doc = roxmltree::Document::parse(&text).unwrap();
                let failure = doc
                    .descendants()
                    .find(|n| n.has_tag_name("failure") && text.contains("missing"))
                    .unwrap();
                assert!(
                    failure
                        .text()
                        .is_some_and(|t| t.contains("missing\\u{9b}\\u{202e}\\u{ffff}.md")),
                    "{text}"
                );
            }
            _ => assert!(text.contains("missing\\u{9b}\\u{202e}"), "{text}"),
        }
    }
}
