//! What `check --format` prints for CI (SPEC 11): a JSON array, GitHub workflow commands,
//! a SARIF log for code scanning, or a JUnit XML report.
//!
//! Every format is made from the same diagnostics, in the order [`diagnostics::sort`]
//! gives them, so the same handbook gives the same bytes. Text from the handbook keeps its
//! value but never reaches a terminal or a log as a control character: JSON and SARIF
//! write such characters as `\uXXXX` escapes, the others as [`visible`] writes them.
//!
//! [`diagnostics::sort`]: crate::diagnostics::sort

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use clap::ValueEnum;
use quick_xml::Writer;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::name::QName;
use serde::Serialize;
use serde_json::json;

use crate::diagnostics::{Diagnostic, Level, is_hidden, visible};
use crate::model::finding::RULES;
use crate::model::links;
use crate::validate::findings::Coverage;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Reports with the offending line, for people.
    Human,
    /// One JSON array: the objects of api/findings.json, and the errors, each with
    /// `column`, `hint` and `severity` (error or warn).
    Json,
    /// GitHub Actions workflow commands, so CI annotates the merge request.
    Github,
    /// A SARIF 2.1.0 log, to upload to GitHub code scanning.
    Sarif,
    /// A JUnit XML report: one test case per rule and record or page.
    Junit,
}

/// The rule of the diagnostics that have no finding code: errors in the handbook's files,
/// and the few warnings that are not findings.
const HANDBOOK_RULE: &str = "handbook";

/// What the machine formats need besides the diagnostics.
pub struct Context<'a> {
    /// What the findings looked at: the records and pages, and the rules that did not run.
    coverage: &'a Coverage,
    /// The handbook folder from the repository root: see [`repository_prefix`].
    prefix: String,
    /// The subject of each record and page that loaded, by file.
    by_file: HashMap<&'a str, &'a str>,
}

impl<'a> Context<'a> {
    pub fn new(coverage: &'a Coverage, prefix: String) -> Self {
        let by_file = coverage
            .subjects
            .iter()
            .map(|s| (s.file.as_str(), s.id.as_str()))
            .collect();
        Context {
            coverage,
            prefix,
            by_file,
        }
    }

    /// A file of the handbook as a path from the repository root.
    fn repo_path(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// The record or page a diagnostic is about: a finding's subject; else the record or
    /// page whose file it points into, as loaded, or as its path names it when it did not
    /// load (a record's id is its file name, a page's subject its path below content/).
    fn subject(&self, d: &Diagnostic) -> Option<String> {
        if let Some(subject) = &d.subject {
            return Some(subject.to_string());
        }
        let name = &d.file.as_ref()?.name;
        if let Some(loaded) = self.by_file.get(name.as_str()) {
            return Some(loaded.to_string());
        }
        if let Some(page) = name.strip_prefix("content/") {
            return page.ends_with(".md").then(|| page.to_string());
        }
        let record = name
            .strip_prefix("data/exceptions/")
            .or_else(|| name.strip_prefix("data/incidents/"))?;
        record
            .strip_suffix(".yaml")
            .filter(|id| !id.contains('/'))
            .map(str::to_string)
    }
}

/// The handbook folder as a path from the repository root, `/`-separated and ending in
/// `/` (empty when the handbook is the root), so that CI tools find its files. The root is
/// GITHUB_WORKSPACE when that holds the handbook, else the nearest folder at or above the
/// handbook that holds `.git` (a folder, or a file in a worktree or submodule), else the
/// handbook folder itself.
pub fn repository_prefix(handbook: &Path) -> String {
    let Ok(handbook) = handbook.canonicalize() else {
        return String::new();
    };
    let workspace = std::env::var_os("GITHUB_WORKSPACE")
        .filter(|w| !w.is_empty())
        .and_then(|w| Path::new(&w).canonicalize().ok())
        .filter(|w| handbook.starts_with(w));
    let root = workspace.or_else(|| {
        handbook
            .ancestors()
            .find(|folder| folder.join(".git").exists())
            .map(Path::to_path_buf)
    });
    let Some(rel) = root.as_deref().and_then(|r| handbook.strip_prefix(r).ok()) else {
        return String::new();
    };
    rel.components()
        .map(|c| format!("{}/", c.as_os_str().to_string_lossy()))
        .collect()
}

/// `diags` in `format`. [`Format::Human`] is the reports `check` prints on the standard
/// error, through the same path as every other command, so it has nothing here.
pub fn render(format: Format, diags: &[Diagnostic], context: &Context) -> String {
    match format {
        Format::Json => json(diags, context),
        Format::Github => github(diags, context),
        Format::Sarif => sarif(diags, context),
        Format::Junit => junit(diags, context),
        Format::Human => String::new(),
    }
}

/// An object of api/findings.json (`code` to `message`), with what a CI job needs
/// besides: the column, the hint, and what it does to the run.
#[derive(Serialize)]
struct JsonItem<'a> {
    code: Option<&'static str>,
    /// The lint level a finding was raised at; errors have none.
    level: Option<&'static str>,
    /// Relative to the handbook, as in api/findings.json.
    file: Option<String>,
    line: Option<usize>,
    subject: Option<String>,
    message: &'a str,
    column: Option<usize>,
    hint: Option<&'a str>,
    /// How many places of the file have the same problem, when more than this one: one
    /// report stands for them all, and names the first few in `also_at`.
    #[serde(skip_serializing_if = "Option::is_none")]
    occurrences: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    also_at: Option<String>,
    /// `error` when it fails the run (an error, or a denied finding), else `warn`.
    severity: &'static str,
}

fn json(diags: &[Diagnostic], context: &Context) -> String {
    let items: Vec<JsonItem> = diags
        .iter()
        .map(|d| {
            let (line, column) = d
                .location()
                .map_or((None, None), |(_, l, c)| (Some(l), Some(c)));
            JsonItem {
                code: d.code,
                // A finding is an error exactly when its lint level is deny (SPEC 6).
                level: d.code.map(|_| match d.level {
                    Level::Error => "deny",
                    Level::Warning => "warn",
                }),
                file: d.file_name().map(str::to_string),
                line,
                subject: context.subject(d),
                message: &d.message,
                column,
                hint: d.hint.as_deref(),
                occurrences: d.repeats.as_ref().map(|_| d.occurrences()),
                also_at: d.also_at(),
                severity: severity(d),
            }
        })
        .collect();
    let text = serde_json::to_string_pretty(&items).unwrap_or_default();
    format!("{}\n", escape_hidden_json(&text))
}

fn severity(d: &Diagnostic) -> &'static str {
    match d.level {
        Level::Error => "error",
        Level::Warning => "warn",
    }
}

/// GitHub workflow commands: `::error file=…,line=…,col=…,title=code::message`.
fn github(diags: &[Diagnostic], context: &Context) -> String {
    let mut out = String::new();
    for d in diags {
        let kind = match d.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        let mut props = Vec::new();
        if let Some(file) = d.file_name() {
            props.push(format!(
                "file={}",
                escape_property(&context.repo_path(file))
            ));
        }
        if let Some((_, line, col)) = d.location() {
            props.push(format!("line={line}"));
            props.push(format!("col={col}"));
        }
        if let Some(code) = d.code {
            props.push(format!("title={}", escape_property(code)));
        }
        let mut message = match d.also_at() {
            Some(also) => format!("{} ({also})", d.message),
            None => d.message.clone(),
        };
        // An annotation shows its lines, as the terminal shows the hint under the error.
        if let Some(hint) = &d.hint {
            message.push_str(&format!("\nhelp: {hint}"));
        }
        out.push_str(&format!(
            "::{kind} {}::{}\n",
            props.join(","),
            escape_data(&message)
        ));
    }
    out
}

/// A SARIF 2.1.0 log as GitHub code scanning reads it: one run, one rule per finding code
/// and one for the diagnostics without a code, and a result per diagnostic at its file
/// from the repository root (`%SRCROOT%`). Columns count characters, as in every report.
fn sarif(diags: &[Diagnostic], context: &Context) -> String {
    // Code scanning shows a rule's help beside each of its alerts.
    const HANDBOOK_HELP: &str = "Each result names the file, line and column, says what is \
        wrong there and, where it can, how to mend it. An error fails `secbook build` and \
        `secbook check`; a warning does not.";
    let description = "A file of the handbook does not load or is not valid, or the build \
        has a warning that is not a finding.";
    let rules: Vec<serde_json::Value> = std::iter::once(json!({
        "id": HANDBOOK_RULE,
        "shortDescription": { "text": description },
        "fullDescription": { "text": description },
        "help": { "text": HANDBOOK_HELP, "markdown": HANDBOOK_HELP },
        "defaultConfiguration": { "level": "error" },
    }))
    .chain(RULES.iter().map(|rule| {
        let code = rule.code;
        let text = format!(
            "{} A finding of the program's health, a warning by default: handbook.yaml sets \
             its level with `lints: {{ {code}: allow }}` (or warn, or deny, which makes it an \
             error), and `--strict` denies every finding.",
            rule.description
        );
        json!({
            "id": code,
            "shortDescription": { "text": rule.description },
            "fullDescription": { "text": rule.description },
            "help": { "text": text, "markdown": text },
            "defaultConfiguration": { "level": "warning" },
        })
    }))
    .collect();
    let results: Vec<serde_json::Value> = diags
        .iter()
        .map(|d| {
            let (rule, index) = d
                .code
                .and_then(|code| {
                    RULES
                        .iter()
                        .position(|r| r.code == code)
                        .map(|i| (code, i + 1))
                })
                .unwrap_or((HANDBOOK_RULE, 0));
            // Code scanning takes no result without a location: a diagnostic that names
            // no file is about the handbook as a whole, which handbook.yaml stands for.
            // One with no place in the file's text is at its first line, as the multitool
            // asks every result to have a region.
            let file = d.file_name().unwrap_or("handbook.yaml");
            let mut location = json!({
                "artifactLocation": {
                    "uri": links::encode(&context.repo_path(file)),
                    "uriBaseId": "%SRCROOT%",
                },
            });
            if let Some((_, line, column)) = d.location() {
                location["region"] = region(d, line, column);
            } else {
                location["region"] = json!({ "startLine": 1 });
            }
            let mut text = d.message.clone();
            for note in d
                .hint
                .iter()
                .map(|h| format!("help: {h}"))
                .chain(d.also_at())
            {
                text.push('\n');
                text.push_str(&note);
            }
            let mut result = json!({
                "ruleId": rule,
                "ruleIndex": index,
                "level": match d.level {
                    Level::Error => "error",
                    Level::Warning => "warning",
                },
                "message": { "text": text },
                "locations": [{ "physicalLocation": location }],
            });
            // A repeated problem is one result that was observed at each of its places.
            if d.repeats.is_some() {
                result["occurrenceCount"] = d.occurrences().into();
                let uri = &location["artifactLocation"];
                let related: Vec<serde_json::Value> = d
                    .shown_repeats()
                    .into_iter()
                    .enumerate()
                    .map(|(i, (line, column))| {
                        json!({
                            "id": i + 1,
                            "physicalLocation": {
                                "artifactLocation": uri,
                                "region": { "startLine": line, "startColumn": column },
                            },
                            "message": { "text": "The same problem." },
                        })
                    })
                    .collect();
                result["relatedLocations"] = related.into();
            }
            result
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "secbook",
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                },
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let text = serde_json::to_string_pretty(&log).unwrap_or_default();
    format!("{}\n", escape_hidden_json(&text))
}

/// Where a diagnostic's span starts and, when it is not empty, ends (the column after it,
/// as SARIF counts).
fn region(d: &Diagnostic, line: usize, column: usize) -> serde_json::Value {
    let mut region = json!({ "startLine": line, "startColumn": column });
    if let Some(file) = d.file.as_ref().filter(|_| d.span.end > d.span.start) {
        let (end_line, end_column) = file.line_col(d.span.end);
        region["endLine"] = end_line.into();
        region["endColumn"] = end_column.into();
    }
    region
}

/// One test case of the JUnit report: a rule applied to one record, page or file.
struct Case<'a> {
    name: String,
    diags: Vec<&'a Diagnostic>,
}

/// The test cases of one rule, keyed by file so that an exception and an incident of the
/// same id stay apart.
#[derive(Default)]
struct Suite<'a> {
    cases: Vec<Case<'a>>,
    by_file: HashMap<String, usize>,
}

impl<'a> Suite<'a> {
    fn case(&mut self, key: &str, name: impl FnOnce() -> String) -> usize {
        if let Some(&at) = self.by_file.get(key) {
            return at;
        }
        self.cases.push(Case {
            name: name(),
            diags: Vec::new(),
        });
        self.by_file.insert(key.to_string(), self.cases.len() - 1);
        self.cases.len() - 1
    }
}

/// A JUnit XML report with one test suite per rule, and in it one test case per record or
/// page the rule looks at: the exception rules for each exception, the incident rules for
/// each incident, `page.review-overdue` for each page. A case passes when the rule found
/// nothing there, and fails with every finding's message otherwise, warned or denied alike,
/// so a test report lists what was checked as well as what is wrong, and its counts mean
/// "checks run". A rule that did not run (allowed in `lints`, a baseline rule without
/// `--baseline`) is one skipped case that says why, rather than one per record.
///
/// The diagnostics without a code are the `handbook` suite: one case per record and page
/// that loaded (it is valid), then, in the order of their reports, one per other file with
/// errors or warnings (a record that did not load, handbook.yaml, a template) and one for
/// those that name no file.
///
/// The report keeps to Jenkins' schema (junit-10.xsd), which its xUnit plugin refuses a
/// report for breaking: a case names its file only in its failure's text, with the line
/// and column, and only the suites count skipped cases.
fn junit(diags: &[Diagnostic], context: &Context) -> String {
    let coverage = context.coverage;
    let mut suites: Vec<(&str, Option<&str>, Suite)> = Vec::new();
    let mut handbook = Suite::default();
    for s in &coverage.subjects {
        handbook.case(&s.file, || s.id.clone());
    }
    suites.push((HANDBOOK_RULE, None, handbook));
    for rule in RULES {
        let mut suite = Suite::default();
        match coverage.skipped.get(rule.code) {
            Some(why) => {
                suite.case("", || rule.code.to_string());
                suites.push((rule.code, Some(why), suite));
            }
            None => {
                for s in coverage.subjects.iter().filter(|s| s.kind == rule.kind) {
                    suite.case(&s.file, || s.id.clone());
                }
                suites.push((rule.code, None, suite));
            }
        }
    }
    for d in diags {
        let at = d
            .code
            .and_then(|code| suites.iter().position(|(name, ..)| *name == code))
            .unwrap_or(0);
        let file = d.file_name();
        let suite = &mut suites[at].2;
        let case = suite.case(file.unwrap_or(""), || {
            context
                .subject(d)
                .or(file.map(str::to_string))
                .unwrap_or_else(|| HANDBOOK_RULE.to_string())
        });
        suite.cases[case].diags.push(d);
    }

    let mut xml = Writer::new_with_indent(Vec::new(), b' ', 2);
    let failed = |suite: &Suite| suite.cases.iter().filter(|c| !c.diags.is_empty()).count();
    let totals = |start: BytesStart<'static>, tests: usize, failures: usize| {
        start.with_attributes([
            ("tests", tests.to_string().as_str()),
            ("failures", failures.to_string().as_str()),
            ("errors", "0"),
        ])
    };
    let _ = xml.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    let root = BytesStart::new("testsuites").with_attributes([("name", "secbook check")]);
    let tests = suites.iter().map(|(.., suite)| suite.cases.len()).sum();
    let failures = suites.iter().map(|(.., suite)| failed(suite)).sum();
    let _ = xml.write_event(Event::Start(totals(root, tests, failures)));
    for (name, why, suite) in &suites {
        let failures = failed(suite);
        let skipped = if why.is_some() {
            suite.cases.len() - failures
        } else {
            0
        };
        let start = BytesStart::new("testsuite").with_attributes([("name", *name)]);
        let mut start = totals(start, suite.cases.len(), failures);
        start.push_attribute(("skipped", skipped.to_string().as_str()));
        let _ = xml.write_event(Event::Start(start));
        for case in &suite.cases {
            let mut start = BytesStart::new("testcase");
            start.push_attribute(text_attribute("name", &case.name));
            start.push_attribute(("classname", *name));
            if case.diags.is_empty() && why.is_none() {
                let _ = xml.write_event(Event::Empty(start));
                continue;
            }
            let _ = xml.write_event(Event::Start(start));
            if case.diags.is_empty() {
                let mut skip = BytesStart::new("skipped");
                skip.push_attribute(text_attribute("message", why.unwrap_or_default()));
                let _ = xml.write_event(Event::Empty(skip));
            } else {
                write_failure(&mut xml, &case.diags, context);
            }
            let _ = xml.write_event(Event::End(BytesEnd::new("testcase")));
        }
        let _ = xml.write_event(Event::End(BytesEnd::new("testsuite")));
    }
    let _ = xml.write_event(Event::End(BytesEnd::new("testsuites")));
    let mut out = xml.into_inner();
    let _ = out.write_all(b"\n");
    String::from_utf8_lossy(&out).into_owned()
}

/// The `<failure>` of a case: its messages in the attribute, and each diagnostic with its
/// place and hint in the text.
fn write_failure(xml: &mut Writer<Vec<u8>>, diags: &[&Diagnostic], context: &Context) {
    let message = diags
        .iter()
        .map(|d| d.message.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    let kind = if diags.iter().any(|d| d.level == Level::Error) {
        "error"
    } else {
        "warn"
    };
    let mut text = String::new();
    for d in diags {
        if let Some((file, line, col)) = d.location() {
            text.push_str(&format!("{}:{line}:{col}: ", context.repo_path(&file)));
        } else if let Some(file) = d.file_name() {
            text.push_str(&format!("{}: ", context.repo_path(file)));
        }
        text.push_str(&format!("{}: {}\n", severity(d), d.message));
        if let Some(hint) = &d.hint {
            text.push_str(&format!("  help: {hint}\n"));
        }
        if let Some(also) = d.also_at() {
            text.push_str(&format!("  note: {also}\n"));
        }
    }
    let mut start = BytesStart::new("failure");
    start.push_attribute(text_attribute("message", &message));
    start.push_attribute(("type", kind));
    let _ = xml.write_event(Event::Start(start));
    let _ = xml.write_event(Event::Text(BytesText::new(&xml_text(&text))));
    let _ = xml.write_event(Event::End(BytesEnd::new("failure")));
}

/// `text` as XML 1.0 may hold it: [`visible`] escapes the control characters (which XML
/// forbids even as references) and the bidirectional marks; U+FFFE and U+FFFF, which XML
/// forbids too, are written the same way.
/// An attribute holding `value` as [`xml_text`] writes it (a carriage return made
/// visible), its line breaks and tabs as character references: a reader turns each one
/// written as it is into a space (XML's attribute-value normalisation), and a message of
/// several lines would lose them.
fn text_attribute<'a>(key: &'a str, value: &str) -> Attribute<'a> {
    let escaped = quick_xml::escape::escape(xml_text(value))
        .replace('\n', "&#10;")
        .replace('\t', "&#9;");
    Attribute {
        key: QName(key.as_bytes()),
        value: escaped.into_bytes().into(),
    }
}

fn xml_text(text: &str) -> String {
    visible(text)
        .replace('\u{fffe}', "\\u{fffe}")
        .replace('\u{ffff}', "\\u{ffff}")
}

/// GitHub's escaping for workflow command data; the other characters a terminal would
/// run (an escape sequence from a record's title) are then made visible, as `\u{1b}`.
fn escape_data(s: &str) -> String {
    let escaped = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    visible(&escaped).into_owned()
}

/// GitHub's escaping for workflow command properties.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// serde_json writes C0 control characters as `\u001b`, but DEL, C1 controls and
/// bidirectional marks as they are; these stand only inside strings, where `\uXXXX` is
/// the same value, so a terminal that shows the JSON runs none of them.
fn escape_hidden_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if is_hidden(c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JUnit attribute reads back as it was given, line breaks, tabs and quotes kept.
    #[test]
    fn an_attribute_keeps_its_lines() {
        let value = "Close the VPN gap:\nfirst\tthen \"now\" <a & b>\nlast";
        let mut start = BytesStart::new("failure");
        start.push_attribute(text_attribute("message", value));
        let mut xml = Writer::new(Vec::new());
        xml.write_event(Event::Empty(start)).unwrap();
        let xml = String::from_utf8(xml.into_inner()).unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        assert_eq!(
            doc.root_element().attribute("message"),
            Some(value),
            "{xml}"
        );
    }

    #[test]
    fn machine_formats_run_no_control_character() {
        let title = "t\u{1b}]0;pwned\u{7}\r\n\u{c}\u{9b}\u{7f}\u{202e}%";
        let data = escape_data(title);
        assert_eq!(
            data,
            "t\\u{1b}]0;pwned\\u{7}%0D%0A\\u{c}\\u{9b}\\u{7f}\\u{202e}%25"
        );
        assert!(!escape_property(title).chars().any(|c| c.is_control()));
        let json =
            serde_json::to_string_pretty(&serde_json::json!([{ "message": title }])).unwrap();
        let escaped = escape_hidden_json(&json);
        assert!(!escaped.chars().any(is_hidden), "{escaped}");
        let back: serde_json::Value = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back[0]["message"], title, "the same value");
        let xml = xml_text(&format!("{title}\u{fffe}\u{ffff}"));
        assert!(
            !xml.chars()
                .any(|c| is_hidden(c) || matches!(c, '\u{fffe}' | '\u{ffff}')),
            "{xml}"
        );
    }
}
