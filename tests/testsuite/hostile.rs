//! Hostile input (issue 7): what people with merge rights could put in a handbook, by
//! mistake or on purpose, and what a build must do with it. One test binary, to keep link
//! time down.
//!
//! - Escaping: XSS payloads in every record field, every front matter field and
//!   handbook.yaml; every built HTML page read back with a real HTML parser (scraper, which
//!   is html5ever), the SVG charts and feeds with an XML parser, the JSON files with
//!   serde_json, the calendar line by line.
//! - Limits: file size, YAML aliases ("billion laughs"), deep nesting on a 2 MB stack.
//! - Paths: ids, reserved names, symbolic links, names that collide when case is ignored.
//! - Property tests: random and mutated YAML and Markdown never crash the loaders.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::common::{self, files_below};
use proptest::prelude::*;
use scraper::{Html, Node};
use secbook::diagnostics::{Diagnostic, Error, Level, SourceFile};
use secbook::harness;
use secbook::model::date::Date;
use secbook::model::person::address;
use secbook::pipeline::{self, Options};
use serde_yaml::{Mapping, Value};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

// ---------------------------------------------------------------------------------------
// Helpers

/// Writes `files` (path relative to the handbook, text) as a handbook in a new temporary
/// folder, as `<tmp>/handbook`.
fn write_handbook(files: &[(String, String)]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("handbook");
    for (rel, text) in files {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, text).unwrap();
    }
    (tmp, root)
}

/// The in-memory handbook of the harness as files on disk.
fn harness_files(hb: &harness::Handbook) -> Vec<(String, String)> {
    let mut files = vec![("handbook.yaml".to_string(), hb.config.clone())];
    files.extend(
        hb.pages
            .iter()
            .map(|(p, t)| (format!("content/{p}"), t.clone())),
    );
    files.extend(
        hb.exceptions
            .iter()
            .map(|(p, t)| (format!("data/exceptions/{p}"), t.clone())),
    );
    files.extend(
        hb.incidents
            .iter()
            .map(|(p, t)| (format!("data/incidents/{p}"), t.clone())),
    );
    if let Some(people) = &hb.people {
        files.push(("data/people.yaml".into(), people.clone()));
    }
    files
}

fn options(root: &Path) -> Options {
    Options {
        root: root.to_path_buf(),
        as_of: Date::parse("2026-06-30"),
        ..Options::default()
    }
}

/// Builds `root` into `<root>/../public`, returning the errors when it fails.
fn build_errors(root: &Path) -> Result<PathBuf, Vec<Diagnostic>> {
    let out = root.parent().unwrap().join("public");
    match pipeline::build(&options(root), &out) {
        Ok(_) => Ok(out),
        Err(Error::Invalid(diags)) => Err(diags
            .into_iter()
            .filter(|d| d.level == Level::Error)
            .collect()),
        Err(other) => panic!("the build could not run: {other}"),
    }
}

#[track_caller]
fn assert_error(diags: &[Diagnostic], needle: &str) {
    assert!(
        diags.iter().any(|d| d.message.contains(needle)),
        "no error mentions {needle:?}; the errors:\n{}",
        diags
            .iter()
            .map(|d| d.render())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Runs `f` on a thread with the default stack of a spawned Rust thread (2 MB), as the
/// build's own worker threads have.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .expect("the thread panicked (a stack overflow aborts the process instead)")
}

// ---------------------------------------------------------------------------------------
// Escaping

/// What an author could write to get a script into a reader's browser. Each holds `XSS`,
/// so an injected element or attribute is easy to spot.
const PAYLOADS: &[&str] = &[
    "<script>alert('XSS')</script>",
    "\"><svg onload=alert('XSS')>",
    "'><img src=x onerror=alert('XSS')>",
    "javascript:alert('XSS')",
    " JaVaScRiPt:alert('XSS')",
    "&#106;avascript:alert('XSS')",
    "&lt;script&gt;alert('XSS')&lt;/script&gt;",
    "</textarea><script>alert('XSS')</script>",
    "</title><script>alert('XSS')</script>",
    "</style><script>alert('XSS')</script>",
    "</script><script>alert('XSS')</script>",
    "<style>body{background:url(\"javascript:alert('XSS')\")}</style>",
    "\" style=\"background:url(javascript:alert('XSS'))\" x=\"",
    "\" autofocus onfocus=alert('XSS') x=\"",
    "<a href=\"javascript:alert('XSS')\">XSS</a>",
    "<iframe src=\"javascript:alert('XSS')\"></iframe>",
    "<!--<script>alert('XSS')</script>-->",
    "]]><script>alert('XSS')</script><![CDATA[",
    "[XSS](javascript:alert('XSS'))",
    "![XSS](javascript:alert('XSS'))",
    "[XSS](java&#115;cript:alert('XSS'))",
    "[XSS](<javascript:alert('XSS')>)",
    "<javascript:alert('XSS')>",
    "[XSS][r]\n\n[r]: javascript:alert('XSS')",
    "[XSS](data:text/html;base64,PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4=)",
    "{{ XSS }}{% if true %}XSS{% endif %}",
    "XSS\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:XSS",
    "=HYPERLINK(\"https://evil.example\",\"XSS\")",
    "XSS\u{2028}</script>\u{2029}",
    "# XSS {#x\"><img/src=x/onerror=alert('XSS')>}",
    "## XSS {#x\"/onmouseover=\"alert('XSS') .c\"x key=\"v\"x}",
    // Left open, a right-to-left override or isolate reorders the page's text after it.
    "XSS \u{202e}fdp.exe",
    "XSS \u{2067}\u{202b}",
    "XSS &#x202e;fdp.exe",
    // What would tell another host who opened the page.
    "<img src=\"https://evil.example/XSS.png\"><img src=\"/\\evil.example/XSS.png\">",
    "<link rel=\"stylesheet\" href=\"//evil.example/XSS.css\">",
    "<video poster=\"https://evil.example/XSS.png\" src=\"https://evil.example/XSS.mp4\"></video>",
];

/// Hands out the payloads in turn, from a different start for each record, so that over
/// all the records every field gets every payload.
struct Payloads(usize);

impl Payloads {
    fn next(&mut self) -> Value {
        self.0 += 1;
        Value::String(PAYLOADS[self.0 % PAYLOADS.len()].to_string())
    }

    fn list(&mut self) -> Value {
        Value::Sequence(vec![self.next(), self.next()])
    }

    /// The next payload on one line, for a record's title and a person's name, each of
    /// which is one (a line break in it, or Unicode's line or paragraph separator, is an
    /// error of its own).
    fn line(&mut self) -> Value {
        match self.next() {
            Value::String(text) => {
                Value::String(text.replace(['\r', '\n', '\u{2028}', '\u{2029}'], " "))
            }
            other => other,
        }
    }
}

fn map(entries: Vec<(&str, Value)>) -> Value {
    let mut m = Mapping::new();
    for (k, v) in entries {
        m.insert(Value::String(k.into()), v);
    }
    Value::Mapping(m)
}

fn s(text: &str) -> Value {
    Value::String(text.into())
}

fn yaml(value: &Value) -> String {
    serde_yaml::to_string(value).unwrap()
}

fn hostile_exception(k: usize, p: &mut Payloads) -> String {
    yaml(&map(vec![
        ("id", s(&format!("EXC-{k:03}"))),
        ("title", p.line()),
        ("type", s("extension")),
        ("severity", s(["critical", "high", "medium", "low"][k % 4])),
        ("status", s("approved")),
        ("requested_by", p.line()),
        (
            "risk_owner",
            map(vec![("name", p.line()), ("email", p.next())]),
        ),
        ("assignee", p.line()),
        ("created", s("2026-01-01")),
        ("first_review", s("2026-01-02")),
        ("decided", s("2026-01-03")),
        (
            "expires",
            s(if k.is_multiple_of(2) {
                "2026-07-10"
            } else {
                "2026-05-01"
            }),
        ),
        ("tickets", p.list()),
        ("assets", p.list()),
        ("tags", p.list()),
        ("summary", p.next()),
        ("justification", p.next()),
        ("pros", p.list()),
        ("cons", p.list()),
        ("description", p.next()),
        ("compensating_controls", p.list()),
        ("remediation_plan", p.next()),
        (
            "approvals",
            Value::Sequence(vec![map(vec![
                ("name", p.line()),
                ("email", p.next()),
                ("role", p.next()),
                ("side", s("security")),
                ("level", s("vp")),
                ("decision", s("approved")),
                ("date", s("2026-01-03")),
                ("note", p.next()),
            ])]),
        ),
        (
            "stakeholders",
            Value::Sequence(vec![map(vec![
                ("name", p.next()),
                ("role", p.next()),
                ("involvement", p.next()),
            ])]),
        ),
        ("references", p.list()),
        (
            "renewals",
            Value::Sequence(vec![map(vec![
                ("date", s("2026-01-04")),
                ("previous_expires", s("2026-01-05")),
                ("expires", s("2026-07-10")),
                ("note", p.next()),
            ])]),
        ),
        (
            "related",
            map(vec![
                (
                    "incidents",
                    Value::Sequence(vec![s(&format!("INC-{k:03}"))]),
                ),
                (
                    "pages",
                    Value::Sequence(vec![s(&format!("hostile/page-{k}.md"))]),
                ),
            ]),
        ),
    ]))
}

fn hostile_incident(k: usize, p: &mut Payloads) -> String {
    yaml(&map(vec![
        ("id", s(&format!("INC-{k:03}"))),
        ("title", p.line()),
        ("severity", s(["sev1", "sev2", "sev3", "sev4"][k % 4])),
        (
            "status",
            s(if k.is_multiple_of(3) {
                "investigating"
            } else {
                "closed"
            }),
        ),
        ("commander", p.line()),
        ("source", p.next()),
        ("category", p.next()),
        ("detected", s("2026-05-01T09:00:00-07:00")),
        ("reported", s("2026-05-01T10:00:00-07:00")),
        ("resolved", s("2026-05-02")),
        ("closed", s("2026-05-03")),
        ("summary", p.next()),
        ("description", p.next()),
        (
            "impact",
            map(vec![
                ("customers_affected", Value::Number(3.into())),
                ("data_exposed", Value::Bool(true)),
                ("notes", p.next()),
            ]),
        ),
        ("effort_hours", Value::Number(2.5.into())),
        (
            "timeline",
            Value::Sequence(vec![map(vec![
                ("at", s("2026-05-01T09:30:00Z")),
                ("event", p.next()),
            ])]),
        ),
        (
            "action_items",
            Value::Sequence(vec![map(vec![
                ("title", p.next()),
                ("owner", p.line()),
                ("priority", s("P1")),
                ("status", s("planned")),
                ("due", s("2026-06-01")),
                ("ticket", p.next()),
            ])]),
        ),
        (
            "open_questions",
            Value::Sequence(vec![map(vec![
                ("priority", s("P2")),
                ("question", p.next()),
                ("notes", p.next()),
                ("answer", p.next()),
            ])]),
        ),
        (
            "stakeholders",
            Value::Sequence(vec![map(vec![
                ("name", p.next()),
                ("role", p.next()),
                ("involvement", p.next()),
            ])]),
        ),
        ("tickets", p.list()),
        ("channels", p.list()),
        (
            "postmortem",
            map(vec![
                ("date", s("2026-05-04")),
                ("participants", Value::Sequence(vec![p.line(), p.line()])),
                ("went_well", p.list()),
                ("went_ok", p.list()),
                ("went_poorly", p.list()),
                ("notes", p.next()),
                ("page", s(&format!("hostile/page-{k}.md"))),
            ]),
        ),
        (
            "related",
            map(vec![
                (
                    "exceptions",
                    Value::Sequence(vec![s(&format!("EXC-{k:03}"))]),
                ),
                (
                    "pages",
                    Value::Sequence(vec![s(&format!("hostile/page-{k}.md"))]),
                ),
            ]),
        ),
    ]))
}

fn hostile_page(k: usize, p: &mut Payloads) -> String {
    let front = yaml(&map(vec![
        ("title", p.next()),
        ("description", p.next()),
        ("tags", p.list()),
        ("owner", p.next()),
        (
            "review_by",
            s(if k.is_multiple_of(2) {
                "2026-01-01"
            } else {
                "2027-01-01"
            }),
        ),
    ]));
    let mut body = format!("# Page {k}\n\nSee [the exception](exception:EXC-{k:03}).\n\n");
    for payload in PAYLOADS {
        body.push_str(payload);
        body.push_str("\n\n");
    }
    format!("---\n{front}---\n{body}")
}

/// A handbook with a payload in every field of every record, every front matter field and
/// handbook.yaml's text fields. Raw HTML in content pages is escaped unless `allow_html`;
/// with it on, it is cleaned of what runs code or loads from the network. Record text is
/// always escaped.
fn hostile_handbook(allow_html: bool) -> Vec<(String, String)> {
    let mut p = Payloads(0);
    let config = yaml(&map(vec![
        ("title", p.next()),
        ("description", p.next()),
        ("timezone", s("+00:00")),
        (
            "markdown",
            map(vec![("allow_html", Value::Bool(allow_html))]),
        ),
    ]));
    let people = yaml(&Value::Sequence(
        (0..PAYLOADS.len())
            .map(|_| {
                map(vec![
                    ("name", p.line()),
                    ("email", p.next()),
                    ("title", p.next()),
                    ("side", s("security")),
                    ("level", s("staff")),
                    ("team", p.next()),
                    ("manager", p.next()),
                ])
            })
            .collect(),
    ));
    let mut files = vec![
        ("handbook.yaml".to_string(), config),
        ("data/people.yaml".to_string(), people),
        (
            "content/_index.md".into(),
            format!("---\ntitle: Home\n---\n{}\n", "Welcome."),
        ),
        (
            "content/hostile/_index.md".into(),
            hostile_page(99, &mut p).replace("exception:EXC-099", "exception:EXC-000"),
        ),
        // Headings whose ids the theme gives its own elements of these pages: on a page,
        // a section's page, and the introductions to two registers.
        (
            "content/hostile/theme-ids.md".into(),
            "---\ntitle: Theme ids\n---\n## Main\n\n## Referenced by\n\n[Up](#main)\n".into(),
        ),
        (
            "content/audit/_index.md".into(),
            "---\ntitle: Audit\n---\n## Summary\n\n## Findings\n\n## Approvals\n".into(),
        ),
        (
            "content/status.md".into(),
            "---\ntitle: Status\n---\n## Exceptions\n\n## Incidents\n".into(),
        ),
        // A page's text keeps what a record's refuses; HTML forbids it.
        (
            "content/hostile/code-points.md".into(),
            "---\ntitle: Code points\n---\nEsc \u{1b}[31m, DEL \u{7f}, C1 \u{9b}, \u{fdd0}, \
             \u{fffe}, \u{1fffe}.\n\n`code \u{1b}` and\n\n```\nblock \u{10ffff}\n```\n\n\
             ## Head\u{0}ing\n\n| a\u{0} |\n|---|\n| `b\u{0}` |\n"
                .into(),
        ),
    ];
    for k in 0..PAYLOADS.len() {
        let mut p = Payloads(k * 7);
        files.push((
            format!("data/exceptions/EXC-{k:03}.yaml"),
            hostile_exception(k, &mut p),
        ));
        files.push((
            format!("data/incidents/INC-{k:03}.yaml"),
            hostile_incident(k, &mut p),
        ));
        files.push((
            format!("content/hostile/page-{k}.md"),
            hostile_page(k, &mut p),
        ));
    }
    files
}

/// The elements and attributes a built page may hold: those of a build of the example
/// handbook (whose pages use every Markdown feature), and what Markdown turns into.
fn allowed_markup() -> BTreeSet<(String, String)> {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    pipeline::build(&options(Path::new(ROOT)), &out).expect("the example handbook builds");
    let mut allowed = BTreeSet::new();
    for (path, bytes) in files_below(&out) {
        if path.ends_with(".html") {
            let html = Html::parse_document(&String::from_utf8(bytes).unwrap());
            for node in html.tree.nodes() {
                if let Node::Element(e) = node.value() {
                    allowed.insert((e.name().to_string(), String::new()));
                    for (name, _) in e.attrs() {
                        allowed.insert((e.name().to_string(), name.to_string()));
                    }
                }
            }
        }
    }
    for (element, attr) in [
        ("a", "href"),
        ("a", "title"),
        ("img", ""),
        ("img", "src"),
        ("img", "alt"),
        ("img", "title"),
        ("input", "type"),
        ("input", "checked"),
        ("input", "disabled"),
        ("code", ""),
        ("pre", ""),
        ("h1", "id"),
        ("h2", "id"),
        ("h3", "id"),
        ("h4", ""),
        ("h4", "id"),
        ("h5", ""),
        ("h5", "id"),
        ("h6", ""),
        ("h6", "id"),
    ] {
        allowed.insert((element.to_string(), attr.to_string()));
    }
    allowed
}

/// The scripts the theme loads, by the end of their address.
const THEME_SCRIPTS: &[&str] = &[
    "registry.js",
    "vendor/minisearch.js",
    "search.js",
    "index.js",
];

/// The theme's one inline script, word for word: 404.html's, which finds the site's root
/// at any depth; it cannot load a file before it knows where the site is.
fn not_found_script() -> &'static str {
    let theme = include_str!("../../themes/default/templates/404.html");
    let start = theme.find("\n(function").expect("404.html has its script");
    let end = theme.find("</script>").expect("404.html has its script");
    &theme[start..end]
}

const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "data",
    "poster",
    "background",
    "srcset",
    "cite",
    "ping",
];

/// Whether a browser fetches `url` from another host: a scheme that names one, or two
/// slashes in any mix with backslashes, which a browser reads as `//`.
fn elsewhere(url: &str) -> bool {
    let url = url.trim().to_ascii_lowercase();
    [
        "http:", "https:", "ftp:", "file:", "//", "/\\", "\\/", "\\\\",
    ]
    .iter()
    .any(|start| url.starts_with(start))
}

/// A URL as a browser reads its scheme: without whitespace and control characters.
fn runs_code(url: &str) -> bool {
    let scheme: String = url
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    ["javascript:", "vbscript:", "data:"]
        .iter()
        .any(|s| scheme.starts_with(s))
}

/// Whether `text` opens an embedding, override or isolate that it does not close, which
/// would reorder the text after it. Counted simply: a closer closes the last opener.
fn bidi_left_open(text: &str) -> bool {
    let mut open = 0usize;
    for c in text.chars() {
        match c {
            '\u{202a}'..='\u{202e}' if c != '\u{202c}' => open += 1,
            '\u{2066}'..='\u{2068}' => open += 1,
            '\u{202c}' | '\u{2069}' => open = open.saturating_sub(1),
            _ => {}
        }
    }
    open > 0
}

/// Every way a page could run something it should not: returns one line per problem.
/// With `allowed`, any element or attribute not in it is a problem too. Two elements with
/// one id are a problem: a link to the id leads to the first only.
fn html_problems(
    path: &str,
    text: &str,
    allowed: Option<&BTreeSet<(String, String)>>,
) -> Vec<String> {
    let known = |element: &str, attr: &str| {
        allowed.is_none_or(|a| a.contains(&(element.to_string(), attr.to_string())))
    };
    let html = Html::parse_document(text);
    let mut problems = Vec::new();
    let mut ids = BTreeSet::new();
    for node in html.tree.nodes() {
        if let Node::Text(t) = node.value()
            && bidi_left_open(t)
        {
            problems.push(format!(
                "{path}: text that leaves bidirectional formatting open: {:?}",
                &**t
            ));
        }
        let Node::Element(e) = node.value() else {
            continue;
        };
        let name = e.name();
        if let Some(id) = e.attr("id")
            && !ids.insert(id)
        {
            problems.push(format!("{path}: two elements have the id {id:?}"));
        }
        if !known(name, "") {
            problems.push(format!("{path}: injected element <{name}>"));
        }
        for (attr, value) in e.attrs() {
            let lower = attr.to_ascii_lowercase();
            if lower.starts_with("on") {
                problems.push(format!("{path}: event handler <{name} {attr}={value:?}>"));
            }
            if URL_ATTRIBUTES.contains(&lower.as_str()) && runs_code(value) {
                problems.push(format!("{path}: script URL <{name} {attr}={value:?}>"));
            }
            // A link to another site is followed when clicked; what else names a URL is
            // loaded with the page.
            let followed = lower == "href" && name == "a";
            if URL_ATTRIBUTES.contains(&lower.as_str()) && !followed && elsewhere(value) {
                problems.push(format!(
                    "{path}: loads from the network <{name} {attr}={value:?}>"
                ));
            }
            if !known(name, attr) {
                problems.push(format!(
                    "{path}: injected attribute <{name} {attr}={value:?}>"
                ));
            }
            if lower == "style" && value.contains("XSS") {
                problems.push(format!("{path}: injected style {value:?}"));
            }
        }
        if name == "script" {
            let text = || {
                scraper::ElementRef::wrap(node)
                    .map(|e| e.text().collect::<String>())
                    .unwrap_or_default()
            };
            match e.attr("src") {
                Some(src) if THEME_SCRIPTS.iter().any(|s| src.ends_with(s)) => {}
                None if path == "404.html" && text() == not_found_script() => {}
                _ => problems.push(format!("{path}: a script the theme does not load: {e:?}")),
            }
        }
        if name == "meta" && e.attr("http-equiv").is_some() {
            problems.push(format!("{path}: injected <meta http-equiv>"));
        }
    }
    problems
}

/// Checks every file of a built site for injected markup or broken-out data.
fn check_site(out: &Path, allowed: &BTreeSet<(String, String)>) {
    let files = files_below(out);
    let mut problems = Vec::new();
    let mut html_pages = 0;
    for (path, bytes) in &files {
        let Ok(text) = std::str::from_utf8(bytes) else {
            continue;
        };
        let ext = path.rsplit('.').next().unwrap_or("");
        match ext {
            "html" => {
                html_pages += 1;
                problems.extend(html_problems(path, text, Some(allowed)));
            }
            "svg" | "xml" => match roxmltree::Document::parse(text) {
                Ok(doc) => {
                    for node in doc.descendants().filter(|n| n.is_element()) {
                        let name = node.tag_name().name();
                        if matches!(name, "script" | "foreignObject" | "iframe") {
                            problems.push(format!("{path}: injected <{name}>"));
                        }
                        for attr in node.attributes() {
                            if attr.name().to_ascii_lowercase().starts_with("on") {
                                problems.push(format!("{path}: event handler {}", attr.name()));
                            }
                            if attr.name() == "href" && runs_code(attr.value()) {
                                problems.push(format!("{path}: script URL {}", attr.value()));
                            }
                        }
                    }
                }
                Err(e) => problems.push(format!("{path}: not well-formed XML: {e}")),
            },
            "json" => {
                if let Err(e) = serde_json::from_str::<serde_json::Value>(text) {
                    problems.push(format!("{path}: not JSON: {e}"));
                }
            }
            "js" if path.ends_with("search/index.js") => {
                let json = text
                    .trim_end()
                    .strip_prefix("window.SECBOOK_SEARCH = ")
                    .and_then(|t| t.strip_suffix(';'));
                match json.map(serde_json::from_str::<serde_json::Value>) {
                    Some(Ok(index)) if !text.contains("</") => {
                        // search.js shows a title in a line with more text after it.
                        let docs = index["docs"].as_array().expect("the index has docs");
                        problems.extend(
                            docs.iter()
                                .filter_map(|doc| doc[1].as_str())
                                .filter(|title| bidi_left_open(title))
                                .map(|title| format!("{path}: a title left open: {title:?}")),
                        );
                    }
                    other => problems.push(format!("{path}: the index breaks out: {other:?}")),
                }
            }
            "ics" => {
                let events = text
                    .lines()
                    .filter(|l| l.trim_end() == "BEGIN:VEVENT")
                    .count();
                let ends = text
                    .lines()
                    .filter(|l| l.trim_end() == "END:VEVENT")
                    .count();
                if events != ends || text.lines().any(|l| l.starts_with("SUMMARY:XSS")) {
                    problems.push(format!("{path}: a payload made its own calendar line"));
                }
                if let Err(e) = icalendar::parser::read_calendar(&icalendar::parser::unfold(text)) {
                    problems.push(format!("{path}: not a calendar: {e}"));
                }
            }
            "csv" => {
                // Import reads the export back: every row must still have its nine columns
                // (payloads repeat across records, so some rows match an earlier one's
                // ticket or title and are skipped).
                let file = SourceFile::new(path.as_str(), text);
                let people = secbook::model::person::People::default();
                let known = secbook::load::tracker::Known::default();
                let today = secbook::model::date::Date::parse("2026-06-30").unwrap();
                let ids = |n: usize| (0..n).map(|i| format!("X-{i}")).collect();
                match secbook::cli::import::convert(&file, &people, &known, today, ids) {
                    Ok(c) if c.files.len() + c.skipped == PAYLOADS.len() => {}
                    Ok(c) => problems.push(format!(
                        "{path}: {} rows read back, not {}",
                        c.files.len() + c.skipped,
                        PAYLOADS.len()
                    )),
                    Err(e) => problems.push(format!("{path}: does not read back: {e:?}")),
                }
            }
            _ => {}
        }
    }
    assert!(html_pages > 40, "only {html_pages} pages were built");
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_checks_see_injected_markup() {
    // Each of these would be a finding: the checks must not pass them by.
    let allowed: BTreeSet<(String, String)> = [("p", ""), ("a", ""), ("a", "href")]
        .iter()
        .map(|(e, a)| (e.to_string(), a.to_string()))
        .collect();
    for injected in [
        "<script>alert('XSS')</script>",
        "<p onclick=\"alert('XSS')\">x</p>",
        "<a href=\"javascript:alert('XSS')\">x</a>",
        "<a href=\" JaVa&#x09;ScRiPt:alert('XSS')\">x</a>",
        "<a href=\"data:text/html,x\">x</a>",
        "<svg onload=alert('XSS')></svg>",
        "<iframe src=x></iframe>",
        "<p style=\"background:url(XSS)\">x</p>",
        "<a href=x x=\"\">x</a>",
        "<meta http-equiv=refresh content=\"0;url=x\">",
        "<script src=\"https://evil.example/x.js\"></script>",
        "<a href=x>x</a>: \u{202e}fdp.exe <a href=x>x</a>",
    ] {
        let page = format!("<!doctype html><html><body><p>{injected}</p></body></html>");
        assert!(
            !html_problems("t.html", &page, Some(&allowed)).is_empty(),
            "{injected} passes the checks"
        );
    }
    let clean = "<!doctype html><html><body><p><a href=\"x.html\">x</a></p></body></html>";
    let mut with_page = allowed.clone();
    for e in ["html", "head", "body"] {
        with_page.insert((e.to_string(), String::new()));
    }
    assert_eq!(
        html_problems("t.html", clean, Some(&with_page)),
        Vec::<String>::new()
    );
}

#[test]
fn xss_payloads_in_every_field_stay_text() {
    let allowed = allowed_markup();
    for allow_html in [false, true] {
        let (_tmp, root) = write_handbook(&hostile_handbook(allow_html));
        let out = build_errors(&root).unwrap_or_else(|d| {
            panic!(
                "the hostile handbook must build:\n{}",
                d.iter().map(|d| d.render()).collect::<String>()
            )
        });
        // Raw HTML keeps a heading's `{.class}`, escaped.
        let mut allowed = allowed.clone();
        if allow_html {
            allowed.extend((1..=6).map(|n| (format!("h{n}"), "class".to_string())));
        }
        check_site(&out, &allowed);

        // The payloads are shown, as text: escaped, not dropped.
        let page = fs::read_to_string(out.join("exceptions/EXC-000/index.html")).unwrap();
        let text: String = Html::parse_document(&page).root_element().text().collect();
        let title = PAYLOADS[1 % PAYLOADS.len()];
        assert!(
            text.contains(title),
            "the title {title:?} is not shown as text"
        );
        let page = fs::read_to_string(out.join("hostile/page-0/index.html")).unwrap();
        let text: String = Html::parse_document(&page).root_element().text().collect();
        if !allow_html {
            assert!(text.contains("<script>alert('XSS')</script>"));
        }
    }
}

/// Every page of the hostile sites is valid HTML to the W3C's Nu HTML Checker: a value
/// that becomes part of a URL (a heading's `{#id}` in its anchor and table of contents, a
/// record's email in its `mailto:` link) is percent-encoded, not only escaped. The
/// example's site is checked alongside.
#[test]
fn hostile_sites_are_valid_html() {
    let (tmp, example) = write_handbook(&[]);
    common::copy_example(&example);
    let mut sites = vec![build_errors(&example).expect("the example builds")];
    let mut kept = vec![tmp];
    for allow_html in [false, true] {
        let (tmp, root) = write_handbook(&hostile_handbook(allow_html));
        sites.push(build_errors(&root).expect("the hostile handbook builds"));
        kept.push(tmp);
    }
    // The exports that name an address (an Atom author's, an OSCAL party's) name only one.
    for site in &sites[1..] {
        let mut emails = Vec::new();
        for feed in ["exceptions", "incidents"] {
            let xml = fs::read_to_string(site.join(format!("feeds/{feed}.xml"))).unwrap();
            let after = xml.split("<email>").skip(1);
            emails.extend(after.map(|e| e.split('<').next().unwrap().to_string()));
        }
        let poam = fs::read_to_string(site.join("exports/poam.json")).unwrap();
        let poam: serde_json::Value = serde_json::from_str(&poam).unwrap();
        let parties = &poam["plan-of-action-and-milestones"]["metadata"]["parties"];
        for party in parties.as_array().unwrap() {
            let held = party["email-addresses"].as_array().into_iter().flatten();
            emails.extend(held.map(|e| e.as_str().unwrap().to_string()));
        }
        for email in emails {
            assert_eq!(address(&email), Some(email.as_str()), "{}", site.display());
        }
    }
    // No text the sites write holds a NUL, which a page's Markdown may (CommonMark reads
    // it as U+FFFD): not a page, nor the search index.
    for site in &sites {
        for (path, bytes) in common::files_below(site) {
            let text = [".html", ".js", ".json", ".xml", ".csv", ".ics", ".svg"];
            if text.iter().any(|e| path.ends_with(e)) {
                assert!(!bytes.contains(&0), "{path} holds a NUL");
            }
        }
    }
    let mut args: Vec<&std::ffi::OsStr> = ["--errors-only", "--skip-non-html"]
        .map(std::ffi::OsStr::new)
        .to_vec();
    args.extend(sites.iter().map(|s| s.as_os_str()));
    let Some(out) = common::nu_checker(&args) else {
        return;
    };
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "the Nu checker found errors:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn markdown_links_that_run_code_are_neutralised() {
    for text in [
        "[a](javascript:alert(1))",
        "[a]( JAVASCRIPT:alert(1) )",
        "[a](<javascript:alert(1)>)",
        "[a](java&#115;cript:alert(1))",
        "[a](&#x6A;avascript:alert(1))",
        "[a](jav&#x09;ascript:alert(1))",
        "[a](vbscript:msgbox(1))",
        "[a](data:text/html,<script>alert(1)</script>)",
        "![a](javascript:alert(1))",
        "![a](data:image/svg+xml,<svg/onload=alert(1)>)",
        "<javascript:alert(1)>",
        "[a][r]\n\n[r]: javascript:alert(1)",
        "[r]\n\n[r]: javascript:alert(1) \"title\"",
        "![a][r]\n\n[r]: javascript:alert(1)",
        "[a](javascript:alert(1) \"t\")",
    ] {
        let html = secbook::load::markdown::render_untrusted(text, "", 0, str::to_string);
        let doc = Html::parse_fragment(&html);
        for node in doc.tree.nodes() {
            if let Node::Element(e) = node.value() {
                for (attr, value) in e.attrs() {
                    assert!(
                        !(URL_ATTRIBUTES.contains(&attr) && runs_code(value)),
                        "{text:?} gave {html}"
                    );
                }
            }
        }
        assert!(
            html.contains("<a") || html.contains("<img"),
            "{text:?} is still a link: {html}"
        );
        // Content pages go through the site's link resolution instead: the same verdict.
        let mut hb = harness::Handbook::default();
        hb.pages
            .push(("x.md".into(), format!("---\ntitle: X\n---\n{text}\n")));
        let files = harness::build(&hb).unwrap_or_else(|d| panic!("{text:?}: {d:?}"));
        let page = files.iter().find(|f| f.path == "x/index.html").unwrap();
        let secbook::load::theme::Body::Bytes(bytes) = &page.body else {
            panic!("pages are rendered in memory")
        };
        let page = String::from_utf8(bytes.to_vec()).unwrap();
        assert!(
            html_problems("x/index.html", &page, None).is_empty(),
            "{text:?} gave {page}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Limits

#[test]
fn a_file_over_the_size_limit_is_an_error_not_an_allocation() {
    let (tmp, root) = write_handbook(&harness_files(&harness::Handbook::default()));
    let public = tmp.path().join("public");
    // The default limit, 10 MB: an 11 MB file (sparse, so the test writes nothing) is
    // refused from its size, before it is read.
    for rel in [
        "content/big.md",
        "data/exceptions/BIG.yaml",
        "data/people.yaml",
    ] {
        let path = root.join(rel);
        let saved = fs::read(&path).ok();
        fs::File::create(&path).unwrap().set_len(11 << 20).unwrap();
        let errors = build_errors(&root).unwrap_err();
        assert_error(
            &errors,
            &format!("cannot read {rel}: the file is larger than the limit of 10 MB"),
        );
        assert!(!public.exists(), "a failed build writes nothing");
        match saved {
            Some(bytes) => fs::write(&path, bytes).unwrap(),
            None => fs::remove_file(&path).unwrap(),
        }
    }
    build_errors(&root).expect("builds again once the files are gone");

    // A limit set in handbook.yaml, for files that are really read.
    fs::write(
        root.join("handbook.yaml"),
        format!("{}limits: {{ max_file_mb: 1 }}\n", harness::HANDBOOK_YAML),
    )
    .unwrap();
    let long = format!(
        "---\ntitle: Long\n---\n{}\n",
        "A line of text.\n".repeat(80_000)
    );
    fs::write(root.join("content/long.md"), &long).unwrap();
    assert_error(
        &build_errors(&root).unwrap_err(),
        "cannot read content/long.md: the file is larger than the limit of 1 MB",
    );
    fs::write(
        root.join("handbook.yaml"),
        format!("{}limits: {{ max_file_mb: 2 }}\n", harness::HANDBOOK_YAML),
    )
    .unwrap();
    build_errors(&root).expect("within the raised limit");

    // A tracker file to import is held to the handbook's limit too.
    let csv = tmp.path().join("big.csv");
    fs::File::create(&csv).unwrap().set_len(3 << 20).unwrap();
    let out = common::command()
        .args(["import", "tracker"])
        .arg(&csv)
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("larger than the limit of 2 MB"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // handbook.yaml itself, which sets the limit, is held to the default.
    fs::File::create(root.join("handbook.yaml"))
        .unwrap()
        .set_len(11 << 20)
        .unwrap();
    assert_error(
        &build_errors(&root).unwrap_err(),
        "cannot read handbook.yaml: the file is larger than the limit of 10 MB",
    );
}

/// Nine levels of ten aliases each: a billion copies of `lol` once expanded.
fn billion_laughs(head: &str) -> String {
    let mut text = format!("{head}lol0: &a0 lol\n");
    for i in 1..=9 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("lol{i}: &a{i} [{refs}]\n"));
    }
    text
}

#[test]
fn yaml_aliases_cannot_blow_up() {
    // serde_yaml bounds how many aliases it follows, to a hundred per event of the
    // document: enough against the exponential billion laughs...
    let laughs = billion_laughs("");
    let err = serde_yaml::from_str::<serde_yaml::Value>(&laughs).unwrap_err();
    assert!(err.to_string().contains("repetition limit"), "{err}");
    // ...but not against a large value named many times: 50,000 aliases of a 100 KB title
    // in a 300 KB file would ask for 5 GB. So a handbook refuses aliases outright, before
    // serde_yaml sees them, in every file: records, people, handbook.yaml, front matter.
    let wide = |head: &str, field: &str| {
        format!(
            "{head}{field}: &t {}\ntags: [{}]\n",
            "x".repeat(100_000),
            vec!["*t"; 50_000].join(", ")
        )
    };
    let started = std::time::Instant::now();
    let record = "id: EXC-001\n";
    for diags in [
        harness::exception(&billion_laughs(record), true),
        harness::exception(&wide(record, "title"), true),
        harness::incident(&wide("id: INC-001\n", "title"), true),
        harness::handbook_yaml(&wide("", "title"), true),
        harness::handbook_yaml(&billion_laughs("title: x\n"), true),
        harness::people_yaml(
            &format!("- &p {{name: A}}\n{}", "- *p\n".repeat(50_000)),
            true,
        ),
        harness::page(&format!("---\n{}---\nbody\n", wide("", "title")), true),
    ] {
        assert_error(
            &diags,
            "YAML aliases (`*name`) are not allowed in a handbook",
        );
    }
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "refused in {:?}",
        started.elapsed()
    );

    // The report points at the first alias.
    let alias_in = |text: &str, deep: bool| {
        let diags = harness::exception(text, deep);
        let alias = diags
            .iter()
            .find(|d| d.message.contains("aliases"))
            .cloned();
        (alias.unwrap(), diags)
    };
    let (alias, _) = alias_in("id: EXC-001\ntitle: &t x\nsummary: *t\n", true);
    assert_eq!(
        alias.location(),
        Some(("data/exceptions/EXC-001.yaml".into(), 3, 10))
    );
    // Each alias is the one problem, told once with its repeats.
    let diags = harness::exception(&billion_laughs(record), true);
    let aliases: Vec<_> = diags
        .iter()
        .filter(|d| d.message.contains("aliases"))
        .collect();
    assert_eq!(aliases.len(), 1, "{diags:#?}");
    assert!(aliases[0].occurrences() > 9, "{diags:#?}");
    // A merge key is an alias: its mapping's fields are not told missing besides.
    let text = "id: EXC-001\napprovals:\n  - &base\n    name: A\n    role: r\n    side: security\n    level: vp\n    decision: approved\n    date: 2025-01-20\n  - <<: *base\n    name: B\n";
    let (alias, diags) = alias_in(text, false);
    let errors: Vec<_> = diags
        .iter()
        .filter(|d| d.message.contains("approvals"))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(
        alias.location(),
        Some(("data/exceptions/EXC-001.yaml".into(), 10, 9))
    );
    assert!(
        alias
            .hint
            .as_deref()
            .unwrap_or_default()
            .contains("merge key"),
        "{alias:?}"
    );
    // A text with an anchor that this parser cannot read is refused too, since an alias
    // further on could not be seen.
    let diags = harness::exception("id: EXC-001\ntitle: &t x\n\tsummary: *t\n", true);
    assert!(!diags.is_empty());
}

/// Every anchor and alias of a file is told in one run, each as what it is, and an anchor
/// hides nothing else: it is no part of its value.
#[test]
fn anchors_and_aliases_are_told_each_as_what_it_is_with_the_other_errors() {
    let told = |diags: &[Diagnostic]| -> Vec<(String, usize, usize, usize)> {
        let mut told: Vec<_> = diags
            .iter()
            .map(|d| {
                let (_, line, column) = d.location().unwrap();
                (d.message.clone(), line, column, d.occurrences())
            })
            .collect();
        told.sort_by_key(|(_, line, column, _)| (*line, *column));
        told
    };
    let anchors = |name: &str| format!("YAML anchors (`{name}`) are not allowed in a handbook");
    let aliases = "YAML aliases (`*name`) are not allowed in a handbook".to_string();
    // In handbook.yaml, an alias in another section than its anchor's is an alias, not an
    // "unknown anchor", and the two aliases are one problem.
    let config = "title: T
exceptions:
  expiring_within_days: &n 30
metrics:
  \
                  targets:
    open_risks: *n
feeds:
  limit: *n
";
    assert_eq!(
        told(&harness::handbook_yaml(config, false)),
        [(anchors("&n"), 3, 25, 1), (aliases.clone(), 6, 17, 2)]
    );
    // In a record, an alias written before its anchor is told with it, in the same run.
    let record = harness::EXCEPTION.replace("severity: high", "severity: *n");
    let record = format!("{record}tags:\n  - &n vpn\n");
    let diags = harness::exception(&record, false);
    let severity = record.lines().position(|l| l == "severity: *n").unwrap() + 1;
    let tags = record.lines().count();
    assert_eq!(
        told(&diags),
        [(aliases, severity, 11, 1), (anchors("&n"), tags, 5, 1)]
    );
    // An unknown key that carries an anchor is told too.
    let diags = harness::exception(&format!("{}bogus: &x 1\n", harness::EXCEPTION), false);
    let unknown = harness::EXCEPTION.lines().count() + 1;
    assert_eq!(
        told(&diags),
        [
            ("unknown field `bogus`".into(), unknown, 1, 1),
            (anchors("&x"), unknown, 8, 1)
        ]
    );
}

/// A record whose only errors are keys it may not have is checked without them: its
/// dates out of order are told with the unknown key, not once it is mended.
#[test]
fn an_unknown_key_hides_no_rule_between_a_records_fields() {
    let record =
        harness::EXCEPTION.replace("first_review: 2026-01-03\n", "first_review: 2026-01-09\n");
    let record = format!("{record}compensating_control: A typo of the field.\n");
    let diags = harness::exception(&record, false);
    let messages: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
    assert!(
        messages.contains(&"unknown field `compensating_control`"),
        "{messages:?}"
    );
    let order = diags
        .iter()
        .find(|d| d.message.contains("decided") && d.message.contains("first_review"))
        .unwrap_or_else(|| panic!("no error of the dates' order: {messages:?}"));
    let line = record
        .lines()
        .position(|l| l.starts_with("decided:"))
        .unwrap()
        + 1;
    assert_eq!(order.location().map(|(_, l, _)| l), Some(line), "{order:?}");
    assert_eq!(diags.len(), 2, "{messages:?}");

    // Read as a record that loads is, its TODO markers standing for values not known yet:
    // a date still to fill in is neither refused nor told missing.
    let record = record.replace("decided: 2026-01-05\n", "decided: \"TODO: the day\"\n");
    let diags = harness::exception(&record, false);
    let messages: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        ["unknown field `compensating_control`"],
        "{messages:?}"
    );
    // And its rules are checked: a first review before the request was made.
    let record = record.replace("first_review: 2026-01-09\n", "first_review: 2025-12-01\n");
    let diags = harness::exception(&record, false);
    assert!(
        diags
            .iter()
            .any(|d| d.message.contains("first_review") && d.message.contains("created")),
        "{:?}",
        diags.iter().map(|d| &d.message).collect::<Vec<_>>()
    );
}

/// A tag asks a YAML reader to make something of a value (`!!python/object` runs code in
/// some readers): secbook would ignore it and read the text, so a file another tool reads
/// otherwise is refused, at the tag, in every kind of file.
#[test]
fn yaml_tags_are_refused_at_the_tag() {
    let record = "id: EXC-001\ntitle: !!python/object:os.system ls\n";
    for (diags, tag, line, column) in [
        (
            harness::exception(record, true),
            "!!python/object:os.system",
            2,
            8,
        ),
        (
            harness::incident("id: INC-001\ntags: !!set {a: null}\n", true),
            "!!set",
            2,
            7,
        ),
        (
            harness::handbook_yaml("title: !custom x\n", true),
            "!custom",
            1,
            8,
        ),
        (
            harness::people_yaml("- name: !!binary QQ==\n", true),
            "!!binary",
            1,
            9,
        ),
        (
            harness::page("---\ntitle: !<tag:x> T\n---\nbody\n", true),
            "!<tag:x>",
            2,
            8,
        ),
    ] {
        let message = format!("YAML tags (`{tag}`) are not read in a handbook");
        let found = diags.iter().find(|d| d.message == message);
        let found = found.unwrap_or_else(|| panic!("{tag}: {diags:#?}"));
        assert_eq!(
            found.location().map(|(_, l, c)| (l, c)),
            Some((line, column)),
            "{tag}"
        );
    }
    // An exclamation mark in a text is no tag.
    let diags = harness::exception("id: EXC-001\ntitle: \"Now! Patch it\"\nnote: a ! b\n", true);
    assert!(
        !diags.iter().any(|d| d.message.contains("tags")),
        "{diags:#?}"
    );
}

#[test]
fn deeply_nested_yaml_is_refused_without_overflowing_the_stack() {
    on_small_stack(|| {
        let n = 100_000;
        // Flow and block style, sequences and mappings.
        let mut indented = String::from("id: EXC-001\ntitle: x\nrelated:\n");
        for i in 1..1_500 {
            indented.push_str(&" ".repeat(i));
            indented.push_str("a:\n");
        }
        for text in [
            format!("id: EXC-001\ntags: {}x{}\n", "[".repeat(n), "]".repeat(n)),
            format!("id: EXC-001\ntags: {}x\n", "{a: ".repeat(n)),
            format!("id: EXC-001\ntags:\n{}x\n", "- ".repeat(n)),
            format!("id: EXC-001\ntags:\n{}x\n", "-  ".repeat(n)),
            format!("id: EXC-001\ntags:\n{}x\n", "? ".repeat(n)),
            indented,
        ] {
            let diags = harness::exception(&text, true);
            assert_error(&diags, "nested more than 64 levels deep");
            assert_error(
                &harness::page(&format!("---\n{text}---\nx\n"), true),
                "nested more than 64 levels deep",
            );
        }
    });
}

/// Markdown nested 100,000 levels deep, in the ways Markdown nests.
fn deep_markdown() -> Vec<String> {
    let n = 100_000;
    let mut list = String::new();
    for i in 0..1_000 {
        list.push_str(&"  ".repeat(i));
        list.push_str("- x\n");
    }
    vec![
        format!("{}x", ">".repeat(n)),
        format!("{}x", "- ".repeat(n)),
        format!("{}x{}", "[".repeat(n), "](http://x)".repeat(n)),
        format!("{}x", "> ".repeat(n)),
        format!("{}x", "1. ".repeat(n)),
        format!("{}x", "> - ".repeat(n / 2)),
        list,
        format!("{}x{}", "*".repeat(n), "*".repeat(n)),
        format!("{}x{}", "_a ".repeat(n), " a_".repeat(n)),
        format!("{}x", "<div>".repeat(n)),
        format!("{}x", "[^a]: ".repeat(n)),
        format!("| a |\n|---|\n{}", "| > - x |\n".repeat(n / 10)),
    ]
}

#[test]
fn deeply_nested_markdown_renders_without_overflowing_the_stack() {
    on_small_stack(|| {
        for body in deep_markdown() {
            let html = secbook::load::markdown::render_untrusted(&body, "", 0, str::to_string);
            assert!(!html.is_empty());
            let doc = secbook::load::markdown::Document::parse_text(&body, true);
            let _ = doc.plain_text();
        }
    });
}

#[test]
fn deeply_nested_markdown_builds_without_overflowing_the_stack() {
    // The whole build, as a page and as a record's summary, for the first few kinds: the
    // rest of the pipeline sees the same events whatever nests.
    on_small_stack(|| {
        for body in deep_markdown().into_iter().take(3) {
            let page = format!("---\ntitle: Deep\n---\n{body}\n");
            let diags = harness::page(&page, true);
            assert!(diags.is_empty(), "{:?}", diags.first().map(|d| &d.message));
            let summary = serde_yaml::to_string(&body).unwrap();
            let record = harness::EXCEPTION.replace(
                "summary: The VPN allows TLS 1.0.\n",
                &format!("summary: {summary}"),
            );
            let diags = harness::exception(&record, true);
            assert!(
                diags.iter().all(|d| d.level != Level::Error),
                "{:?}",
                diags.first().map(|d| &d.message)
            );
        }
    });
}

// ---------------------------------------------------------------------------------------
// Paths

fn scalar(text: &str) -> String {
    serde_json::to_string(text).unwrap()
}

#[test]
fn record_ids_cannot_name_a_path_outside_the_site() {
    for id in [
        "../../etc/passwd",
        "/etc/passwd",
        "..",
        ".",
        "a/../../b",
        "C:\\x",
        "C:x",
        "a b",
        "-x",
        ".hidden",
        "a\nb",
        "é",
    ] {
        for (kind, fixture) in [
            ("exception", harness::EXCEPTION),
            ("incident", harness::INCIDENT),
        ] {
            let old = if kind == "exception" {
                "id: EXC-001"
            } else {
                "id: INC-001"
            };
            let text = fixture.replace(old, &format!("id: {}", scalar(id)));
            let diags = if kind == "exception" {
                harness::exception(&text, true)
            } else {
                harness::incident(&text, true)
            };
            assert_error(&diags, &format!("id `{id}` is not valid"));
        }
    }
    // A control character, or no id at all, is refused before the id is checked.
    for (id, error) in [
        ("\"a\\0b\"", "`\\0` writes the control character U+0000"),
        ("\"\"", "`id` is empty"),
    ] {
        let text = harness::EXCEPTION.replace("id: EXC-001", &format!("id: {id}"));
        assert_error(&harness::exception(&text, true), error);
    }
    // Names Windows keeps for devices, with any extension and in any case, are refused
    // as ids: the id names the record's folder of the site, and its file.
    for id in ["CON", "nul", "Com1", "LPT9.x", "aux.txt", "PRN"] {
        let text = harness::EXCEPTION.replace("id: EXC-001", &format!("id: {id}"));
        let diags = harness::exception(&text, true);
        assert_error(&diags, &format!("id `{id}` is a name Windows reserves"));
    }
    // On disk too, where the file has that name.
    let mut hb = harness::Handbook::default();
    hb.incidents.push((
        "con.yaml".into(),
        harness::INCIDENT.replace("id: INC-001", "id: con"),
    ));
    let (_tmp, root) = write_handbook(&harness_files(&hb));
    let errors = build_errors(&root).unwrap_err();
    assert_error(&errors, "id `con` is a name Windows reserves for a device");
    // Once: the record's path in the site, which holds the id, is not told again.
    assert_eq!(errors.len(), 1, "{errors:#?}");
}

#[test]
fn page_and_file_names_stay_inside_the_site() {
    // Content file names become folders of the site through a slug that keeps letters,
    // digits, `-`, `_` and `.`, spells letters beyond ASCII in ASCII, and never `.` or `..`
    // alone (content::tests: a name that
    // is only dots starts with one, and is never read).
    let mut hb = harness::Handbook::default();
    let pages = harness::build(&hb).unwrap().len();
    for (rel, url) in [
        ("a...md", Some("a/index.html")),
        ("a\\b.md", Some("a-b/index.html")),
        ("Über Uns.md", Some("uber-uns/index.html")),
        ("日本語.md", Some("ri-ben-yu/index.html")),
        ("..md", None),
        ("...md", None),
        ("sub/../x.md", None),
    ] {
        hb.pages
            .push((rel.into(), "---\ntitle: T\n---\nbody\n".into()));
        let files = harness::build(&hb).unwrap();
        match url {
            Some(url) => assert!(
                files.iter().any(|f| f.path == url),
                "{rel} is not written at {url}"
            ),
            None => assert_eq!(files.len(), pages, "{rel}, a hidden name, is read"),
        }
        hb.pages.pop();
    }
    // A page or a static file named after a Windows device is refused.
    let (_tmp, root) = write_handbook(&harness_files(&harness::Handbook::default()));
    fs::write(root.join("content/con.md"), "---\ntitle: Con\n---\nx\n").unwrap();
    assert_error(
        &build_errors(&root).unwrap_err(),
        "output path `con/index.html` holds `con`, a name Windows reserves",
    );
    fs::remove_file(root.join("content/con.md")).unwrap();
    fs::create_dir_all(root.join("static")).unwrap();
    fs::write(root.join("static/NUL.txt"), "x").unwrap();
    assert_error(&build_errors(&root).unwrap_err(), "holds `NUL.txt`");
    fs::remove_file(root.join("static/NUL.txt")).unwrap();
    // A person called Con gets an owner page all the same.
    let mut hb = harness::Handbook::default();
    hb.exceptions[0].1 =
        harness::EXCEPTION.replace("risk_owner: Bo Chen <bo@example.com>", "risk_owner: Con");
    let files = harness::build(&hb).unwrap();
    assert!(
        files
            .iter()
            .any(|f| f.path == "owners/con-owner/index.html")
    );
    // The theme is named by a folder of themes/, never by a path.
    for theme in ["../../etc", "/etc", "a/b", ".."] {
        let hb = harness::Handbook {
            config: format!("{}theme: {}\n", harness::HANDBOOK_YAML, scalar(theme)),
            ..harness::Handbook::default()
        };
        let (_tmp, root) = write_handbook(&harness_files(&hb));
        assert_error(
            &build_errors(&root).unwrap_err(),
            "is not the name of a folder in themes/",
        );
    }
}

#[test]
fn symbolic_links_do_not_lead_out_of_the_handbook() {
    use std::os::unix::fs::symlink;
    let secret = "TOP-SECRET-7f3a";
    let setup = || {
        let (tmp, root) = write_handbook(&harness_files(&harness::Handbook::default()));
        let outside = tmp.path().join("outside");
        fs::create_dir_all(outside.join("templates")).unwrap();
        fs::write(
            outside.join("secret.md"),
            format!("---\ntitle: {secret}\n---\n{secret}\n"),
        )
        .unwrap();
        fs::write(outside.join("secret.txt"), secret).unwrap();
        fs::write(outside.join("secret.yaml"), format!("title: {secret}\n")).unwrap();
        fs::write(outside.join("templates/page.html"), secret).unwrap();
        fs::create_dir_all(root.join("static")).unwrap();
        fs::create_dir_all(root.join("themes/default/templates")).unwrap();
        fs::create_dir_all(root.join("themes/default/static")).unwrap();
        (tmp, root, outside)
    };
    // (link, its target in outside/): every link that leads outside is an error.
    let cases = [
        ("content/leak.md", "secret.md"),
        ("content/leaks", "."),
        ("static/leak.txt", "secret.txt"),
        ("themes/default/templates/page.html", "templates/page.html"),
        ("themes/default/static/leak.txt", "secret.txt"),
        ("data/people.yaml", "secret.yaml"),
        ("handbook.yaml", "secret.yaml"),
        ("data/exceptions/EXC-002.yaml", "secret.yaml"),
    ];
    for (link, target) in cases {
        let (tmp, root, outside) = setup();
        let link_path = root.join(link);
        let _ = fs::remove_file(&link_path);
        symlink(outside.join(target), &link_path).unwrap();
        // A link to what is not followed is not a second error.
        if let Some(name) = link.strip_prefix("content/") {
            let page =
                format!("---\ntitle: Linker\n---\n[leak]({name}), [in it]({name}/secret.md)\n");
            fs::write(root.join("content/linker.md"), page).unwrap();
        }
        let public = tmp.path().join("public");
        match pipeline::build(&options(&root), &public) {
            Err(Error::Invalid(diags)) => {
                assert_error(
                    &diags,
                    &format!("{link} is a symbolic link that leads outside the handbook"),
                );
                let errors = diags.iter().filter(|d| d.level == Level::Error).count();
                assert_eq!(errors, 1, "{link}: {diags:#?}");
            }
            result => panic!("{link}: unexpected result {:?}", result.map(|_| ())),
        }
        assert!(!public.exists(), "{link}: a site was written");
    }
    // Whole folders linked out: content/, static/, a theme's folders.
    for (folder, needle) in [
        (
            "content",
            "content/ is a symbolic link that leads outside the handbook",
        ),
        (
            "static",
            "static/ is a symbolic link that leads outside the handbook",
        ),
        (
            "themes/default/static",
            "themes/default/static/ is a symbolic link",
        ),
        (
            "themes/default/templates",
            "themes/default/templates/ is a symbolic link",
        ),
    ] {
        let (tmp, root, outside) = setup();
        let _ = fs::remove_dir_all(root.join(folder));
        symlink(&outside, root.join(folder)).unwrap();
        let public = tmp.path().join("public");
        match pipeline::build(&options(&root), &public) {
            Err(Error::Invalid(diags)) => {
                assert_error(&diags, needle);
                let errors = diags.iter().filter(|d| d.level == Level::Error).count();
                assert_eq!(errors, 1, "{folder}: {diags:#?}");
            }
            other => panic!("{folder}: unexpected result {:?}", other.map(|_| ())),
        }
    }
    // A link that stays inside the handbook is followed.
    let (_tmp, root, _) = setup();
    symlink(
        root.join("content/process.md"),
        root.join("content/again.md"),
    )
    .unwrap();
    let out = build_errors(&root).unwrap();
    assert!(out.join("again/index.html").is_file());
}

#[test]
fn output_paths_that_differ_only_in_case_are_an_error() {
    let run = |root: &Path| {
        let out = common::command()
            .args(["build", "--as-of", "2026-06-30"])
            .arg(root)
            .arg("-o")
            .arg(root.parent().unwrap().join("public"))
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let page = "---\ntitle: T\n---\nx\n";
    let mut files = harness_files(&harness::Handbook::default());
    files.push(("content/Guide.md".into(), page.into()));
    files.push(("content/guide.md".into(), page.into()));
    let (tmp, root) = write_handbook(&files);
    let (code, stderr) = run(&root);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("content/Guide.md and content/guide.md collide"),
        "{stderr}"
    );
    assert!(!tmp.path().join("public").exists());

    let mut files = harness_files(&harness::Handbook::default());
    files.push(("static/Logo.svg".into(), "<svg/>".into()));
    files.push(("static/logo.svg".into(), "<svg/>".into()));
    let (_tmp, root) = write_handbook(&files);
    let (code, stderr) = run(&root);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("differ only in letter case"), "{stderr}");

    let mut files = harness_files(&harness::Handbook::default());
    files.push((
        "data/exceptions/exc-001.yaml".into(),
        harness::EXCEPTION.replace("id: EXC-001", "id: exc-001"),
    ));
    let (_tmp, root) = write_handbook(&files);
    let (code, stderr) = run(&root);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("duplicate id `exc-001`"), "{stderr}");
}

// ---------------------------------------------------------------------------------------
// Property tests: random and mutated input gives diagnostics, never a crash.

/// The real files of the repository's handbook below `dir`, as mutation seeds.
fn seeds(dir: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![Path::new(ROOT).join(dir)];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(text) = fs::read_to_string(&path) {
                out.push(text);
            }
        }
    }
    out.sort();
    assert!(!out.is_empty(), "no files in {dir}");
    out
}

/// Bits of YAML and Markdown syntax a mutation inserts.
const TOKENS: &[&str] = &[
    ":",
    ": ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ",",
    "&a ",
    "*a",
    "\"",
    "'",
    "|\n",
    ">-\n",
    "\n",
    "  ",
    "\t",
    "#",
    "!!binary ",
    "!!str ",
    "? ",
    "---\n",
    "...\n",
    "%YAML 1.2\n",
    "<<: *a\n",
    "~",
    "null",
    "0x1F",
    "1e999",
    "-1",
    "9999-99-99",
    "2026-02-30",
    "0000-01-01",
    "99999999999999999999",
    "\u{feff}",
    "\u{0}",
    "é",
    "🦀",
    "> ",
    "* ",
    "1. ",
    "[x](",
    ")",
    "`",
    "```\n",
    "<",
    "</",
    "&amp;",
    "\\",
    "[^1]",
    "|---|",
    "# ",
    "***",
    "~~",
    "javascript:",
    "exception:",
    "incident:",
    "../",
    "{#id}",
];

#[derive(Debug, Clone)]
enum Edit {
    Insert(usize, usize),
    Delete(usize, usize),
    DuplicateLine(usize),
    Truncate(usize),
    Random(usize, String),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(at, t)| Edit::Insert(at, t)),
        (any::<usize>(), 1usize..64).prop_map(|(at, n)| Edit::Delete(at, n)),
        any::<usize>().prop_map(Edit::DuplicateLine),
        any::<usize>().prop_map(Edit::Truncate),
        (any::<usize>(), "\\PC{0,16}").prop_map(|(at, s)| Edit::Random(at, s)),
    ]
}

fn mutate(text: &str, edits: &[Edit]) -> String {
    let mut text = text.to_string();
    let at = |text: &str, n: usize| {
        let mut i = n % (text.len() + 1);
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    for edit in edits {
        match edit {
            Edit::Insert(n, t) => {
                let i = at(&text, *n);
                text.insert_str(i, TOKENS[*t]);
            }
            Edit::Delete(n, len) => {
                let i = at(&text, *n);
                let j = at(&text, i + len);
                if j > i {
                    text.replace_range(i..j, "");
                }
            }
            Edit::DuplicateLine(n) => {
                let lines: Vec<&str> = text.split_inclusive('\n').collect();
                if !lines.is_empty() {
                    let k = n % lines.len();
                    let mut out: Vec<&str> = lines.clone();
                    out.insert(k, lines[k]);
                    text = out.concat();
                }
            }
            Edit::Truncate(n) => {
                let i = at(&text, *n);
                text.truncate(i);
            }
            Edit::Random(n, s) => {
                let i = at(&text, *n);
                text.insert_str(i, s);
            }
        }
    }
    text
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 40,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn mutated_exceptions_give_diagnostics(
        seed in prop::sample::select(seeds("data/exceptions")),
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let _ = harness::exception(&mutate(&seed, &edits), true);
    }

    #[test]
    fn mutated_incidents_give_diagnostics(
        seed in prop::sample::select(seeds("data/incidents")),
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let _ = harness::incident(&mutate(&seed, &edits), true);
    }

    #[test]
    fn mutated_pages_give_diagnostics(
        seed in prop::sample::select(seeds("content")),
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let text = mutate(&seed, &edits);
        let _ = harness::page(&text, true);
    }

    #[test]
    fn mutated_configuration_gives_diagnostics(
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let seed = fs::read_to_string(Path::new(ROOT).join("handbook.yaml")).unwrap();
        let _ = harness::handbook_yaml(&mutate(&seed, &edits), true);
        let people = fs::read_to_string(Path::new(ROOT).join("data/people.yaml")).unwrap();
        let _ = harness::people_yaml(&mutate(&people, &edits), true);
    }

    #[test]
    fn random_text_gives_diagnostics(text in "[-:\\[\\]{}&*!|>'\"#%@`?, \\n\\ta-z0-9é]{0,300}") {
        let _ = harness::exception(&format!("id: EXC-001\n{text}"), true);
        let _ = harness::incident(&text, false);
        let _ = harness::handbook_yaml(&text, false);
        let _ = harness::page(&format!("---\ntitle: T\n---\n{text}"), true);
        let _ = harness::page(&format!("---\n{text}\n---\n"), false);
        let _ = harness::tracker_csv(&text).map_err(TestCaseError::fail)?;
    }
}

/// Found by this test: two incidents of a month that each spent close to the largest
/// number of hours there is made the month's total infinite, and the chart of it never
/// finished (plotters looks for tick marks on an infinite axis). Fixed by refusing more
/// than a million hours in one incident; more than that is surely a typo.
#[test]
fn extreme_numbers_build() {
    // Values at the edges of what a number can hold: a metric that adds them up or a chart
    // that scales to them must not overflow or loop; those the checks refuse are errors.
    for hours in [
        "1.7976931348623157e308",
        "1e308",
        "1e-308",
        "0",
        "1000000",
        "1000001",
    ] {
        let mut hb = harness::Handbook::default();
        let incident =
            harness::INCIDENT.replace("effort_hours: 4.5", &format!("effort_hours: {hours}"));
        hb.incidents = vec![("INC-001.yaml".into(), incident.clone())];
        let mut second = incident.replace("id: INC-001", "id: INC-002");
        second.truncate(second.find("related:").unwrap());
        hb.incidents.push(("INC-002.yaml".into(), second));
        let result = on_small_stack(move || harness::build(&hb).map(|_| ()));
        if let Err(diags) = result {
            assert_error(&diags, "effort_hours");
            // The value is on the line shown; written out in the message, 1e308 took 309
            // digits.
            for d in &diags {
                assert!(d.message.len() < 120, "{}", d.message);
            }
        }
    }
    let mut hb = harness::Handbook::default();
    hb.incidents[0].1 = harness::INCIDENT.replace(
        "summary: A phishing mail.",
        "summary: A phishing mail.\nimpact: { customers_affected: 18446744073709551615 }",
    );
    harness::build(&hb).unwrap();
}

// ---------------------------------------------------------------------------------------
// Size and links (issue 12): large pages and records build in time that grows with their
// size, not its square; a page's sidebar stays small however many pages share its folder;
// nothing a page shows loads from another host; links in records, and percent-encoded
// links, are checked and resolved like any other.

/// Builds `hb` in memory on another thread and hands back its files; fails when that takes
/// longer than `bound`, without waiting for a build that might never end.
fn build_within(
    what: &str,
    hb: harness::Handbook,
    bound: std::time::Duration,
) -> Vec<secbook::render::OutputFile> {
    match within(what, bound, move || harness::build(&hb)) {
        Ok(files) => files,
        Err(diags) => {
            let errors = diags.iter().filter(|d| d.level == Level::Error);
            panic!(
                "{what}: {}",
                errors.map(Diagnostic::render).collect::<String>()
            )
        }
    }
}

/// Runs `f` on another thread; fails when that takes longer than `bound`, without waiting
/// for what might never end.
fn within<T: Send + 'static>(
    what: &str,
    bound: std::time::Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || send.send(f()));
    receive
        .recv_timeout(bound)
        .unwrap_or_else(|_| panic!("{what}: not done within {bound:?}"))
}

fn text_of(files: &[secbook::render::OutputFile], path: &str) -> String {
    let file = files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("{path} was not built"));
    match &file.body {
        secbook::load::theme::Body::Bytes(bytes) => String::from_utf8(bytes.to_vec()).unwrap(),
        secbook::load::theme::Body::Copy(from) => fs::read_to_string(&from.path).unwrap(),
        secbook::load::theme::Body::Parts(parts) => String::from_utf8(parts.concat()).unwrap(),
    }
}

fn size_of(files: &[secbook::render::OutputFile]) -> u64 {
    files
        .iter()
        .map(|f| match &f.body {
            secbook::load::theme::Body::Bytes(bytes) => bytes.len() as u64,
            secbook::load::theme::Body::Copy(from) => fs::metadata(&from.path).unwrap().len(),
            secbook::load::theme::Body::Parts(parts) => parts.iter().map(|p| p.len() as u64).sum(),
        })
        .sum()
}

/// About `size` bytes of Markdown made of `unit(i)` for i = 0, 1, 2, ...
fn repeat(size: usize, unit: impl Fn(usize) -> String) -> String {
    let mut text = String::new();
    for i in 0.. {
        if text.len() >= size {
            break;
        }
        text.push_str(&unit(i));
    }
    text
}

fn megabyte(unit: impl Fn(usize) -> String) -> String {
    repeat(1_000_000, unit)
}

/// Inputs that each took time in the square of their size somewhere on the way to the
/// page: heading ids (100,000 equal headings never finished), anchors looked up among
/// every heading, and the shapes Markdown nests or repeats.
fn large_markdown() -> Vec<(&'static str, String)> {
    vec![
        ("equal headings", megabyte(|_| "## Notes\n\n".into())),
        ("links to the page's own headings", {
            // Each link names the last heading, which a look along the headings finds last.
            let headings = repeat(500_000, |i| format!("## h{i}\n"));
            let last = headings.matches("## ").count() - 1;
            headings + &repeat(500_000, |_| format!("[last](#h{last})\n"))
        }),
        (
            "links to another page's headings",
            megabyte(|i| format!("[p](../process.md#process) [h](../_index.md) {i}\n")),
        ),
        ("list items", megabyte(|i| format!("- item {i}\n"))),
        (
            "footnotes",
            megabyte(|i| format!("x[^{i}]\n\n[^{i}]: note\n\n")),
        ),
        ("one long line", megabyte(|i| format!("word{i} "))),
        ("emphasis", megabyte(|_| "*a _b ".into())),
        ("table rows", megabyte(|i| format!("| a | {i} |\n"))),
    ]
}

/// The build is in debug here, some 10 times slower than a release build: each input
/// takes about a second, where the square of its size took minutes. The bound leaves room
/// for the other tests of the one test binary, which run beside these on two cores.
const LARGE_BOUND: std::time::Duration = std::time::Duration::from_secs(60);

#[test]
fn a_large_page_builds_in_time() {
    for (what, body) in large_markdown() {
        let mut hb = harness::Handbook::default();
        let body = format!("---\ntitle: Large\n---\n| a | b |\n|---|---|\n\n{body}\n");
        hb.pages.push(("guide/large.md".into(), body));
        let files = build_within(what, hb, LARGE_BOUND);
        assert!(text_of(&files, "guide/large/index.html").len() > 1_000_000);
    }
}

#[test]
fn a_large_record_builds_in_time() {
    for (what, body) in large_markdown().into_iter().take(2) {
        let mut hb = harness::Handbook::default();
        let summary = body.replace('\n', "\n  ");
        hb.exceptions[0].1 = harness::EXCEPTION.replace(
            "summary: The VPN allows TLS 1.0.\n",
            &format!("summary: |\n  {summary}\n"),
        );
        let files = build_within(what, hb, LARGE_BOUND);
        assert!(text_of(&files, "exceptions/EXC-001/index.html").len() > 1_000_000);
    }
}

/// One value of 3 MB on one line, in the fields the calendar writes: its lines were folded
/// in time that grew with the square of their length (two minutes for 10 MB in a release
/// build), where every other page took a second. (The handbook's title, which the calendar
/// writes too, may be at most 300 characters.)
#[test]
fn a_long_one_line_value_builds_in_time() {
    let long = |what: &str| format!("{what} {}", "x".repeat(3_000_000));
    let mut hb = harness::Handbook::default();
    hb.exceptions[0].1 = harness::EXCEPTION
        .replace("Old TLS on the VPN", &long("Title"))
        .replace("Bo Chen <bo@example.com>", &long("Owner"));
    let files = build_within("one long line", hb, LARGE_BOUND);
    let ics = text_of(&files, secbook::render::calendar::PATH);
    assert!(ics.len() > 9_000_000, "{} bytes", ics.len());
    assert!(ics.split("\r\n").all(|line| line.len() <= 75));
}

/// A title of a million `’`, each starting with the byte a line separator (U+2028) starts
/// with, on one line: the look for a separator in a comment read the line back from each
/// of them, in time that grew with the square of the line's length (15 s for 300,000 in a
/// debug build).
#[test]
fn many_characters_that_start_like_a_line_separator_are_read_in_time() {
    let mut hb = harness::Handbook::default();
    let title = format!("\"{}\"", "\u{2019}".repeat(1_000_000));
    hb.exceptions[0].1 = harness::EXCEPTION.replace("Old TLS on the VPN", &title);
    let reports = reports_within("a line of many \u{2019}", hb, LARGE_BOUND);
    assert!(
        !reports.iter().any(|r| r.contains("separator")),
        "{reports:?}"
    );
}

/// Checks `hb` in memory on another thread, as `secbook check` does: every report, as the
/// command prints it. Fails when that takes longer than `bound`.
fn reports_within(what: &str, hb: harness::Handbook, bound: std::time::Duration) -> Vec<String> {
    within(what, bound, move || {
        let reports = match pipeline::generate_from(&hb.source(), &Options::default(), None) {
            Ok(generated) => generated.warnings,
            Err(Error::Invalid(diags)) => diags,
            Err(e) => panic!("{e}"),
        };
        reports.iter().map(Diagnostic::render).collect()
    })
}

// Thousands of reports about one file, each placed at its line and column: each was placed
// by reading the file from its start (or its line from its start) again, which took
// minutes, and now costs one reading of the file, however many there are.

/// How many items the files below list, each with a report.
const REPORTED: usize = 20_000;

fn reported(unit: &dyn Fn(usize) -> String) -> String {
    (0..REPORTED).map(unit).collect()
}

/// Where each report whose message holds `needle` is placed: its `┌─ file:line:col` line.
fn placed(reports: &[String], needle: &str) -> Vec<String> {
    reports
        .iter()
        .filter(|r| r.contains(needle))
        .map(|r| r.lines().nth(1).unwrap_or_default().to_string())
        .collect()
}

#[test]
fn findings_about_the_items_of_one_record_are_placed_in_time() {
    let n = REPORTED;
    let item = |i| {
        format!(
            "  - {{ title: T{i}, owner: Bo Chen, priority: P1, status: planned, due: 2026-06-01 }}\n"
        )
    };
    let mut hb = harness::Handbook::default();
    hb.incidents[0].1 =
        harness::INCIDENT.replace(&item(0).replace("T0", "Train"), &reported(&item));
    let reports = reports_within("overdue action items", hb, LARGE_BOUND);
    let placed = placed(&reports, "was due 2026-06-01");
    assert_eq!(placed.len(), n);
    let column = item(n - 1).find("2026").unwrap() + 1;
    let last = format!("INC-001.yaml:{}:{column}", 15 + n);
    assert!(placed[n - 1].ends_with(&last), "{}", placed[n - 1]);
}

#[test]
fn errors_about_the_items_of_one_record_are_placed_in_time() {
    let n = REPORTED;
    let mut hb = harness::Handbook::default();
    hb.exceptions[0].1 = harness::EXCEPTION.replace(
        "  - { name: Bo Chen, role: VP, side: business, level: vp, decision: approved, date: 2026-01-05 }\n",
        &reported(&|i| format!("  - {{ name: P{i}, role: VP, decision: approved, date: 2026-01-05 }}\n")),
    );
    let reports = reports_within("approvals without side or level", hb, LARGE_BOUND);
    let placed = placed(&reports, "has no side or level");
    assert_eq!(placed.len(), n);
    assert!(
        placed[n - 1].ends_with(&format!("EXC-001.yaml:{}:5", 17 + n)),
        "{}",
        placed[n - 1]
    );
}

#[test]
fn errors_on_one_long_line_that_is_not_ascii_are_placed_in_time() {
    let n = REPORTED;
    let mut hb = harness::Handbook::default();
    let names = reported(&|i| format!("é{i}, "));
    hb.exceptions[0].1 = harness::EXCEPTION.replace(
        "related: { incidents: [INC-001], pages: [process.md] }",
        &format!("related: {{ exceptions: [{names}x] }}"),
    );
    let reports = reports_within("a long line of missing records", hb, LARGE_BOUND);
    let placed = placed(&reports, "does not exist");
    assert_eq!(placed.len(), n + 1);
    // Counted in characters: each `é` is two bytes and one column.
    let column = 25 + names.chars().count() - format!("é{}, ", n - 1).chars().count();
    assert!(
        placed[n - 1].ends_with(&format!("EXC-001.yaml:19:{column}")),
        "{}",
        placed[n - 1]
    );

    // As many reports on a longer line would ask: the column of each place.
    let file = SourceFile::new("long.yaml", "é".repeat(5_000_000));
    let columns = within("columns on one line", LARGE_BOUND, move || {
        (0..200_000)
            .map(|k| file.line_col(10_000_000 - 2 * k).1)
            .sum::<usize>()
    });
    assert_eq!(columns, (0..200_000).map(|k| 5_000_001 - k).sum::<usize>());
}

/// Each level was looked for among those before it.
#[test]
fn levels_listed_twice_in_a_long_list_are_found_in_time() {
    let mut hb = harness::Handbook::default();
    let levels = reported(&|i| format!("l{}, ", i % (REPORTED / 2)));
    hb.config = hb.config.replace(
        "levels: [public, internal, confidential, restricted]",
        &format!("levels: [internal, {levels}]"),
    );
    // The second `l0`, where the list starts again.
    let line = hb.config.lines().nth(2).unwrap();
    let column = line.match_indices(" l0,").nth(1).unwrap().0 + 2;
    let reports = reports_within("levels listed twice", hb, LARGE_BOUND);
    let placed = placed(&reports, "is listed twice");
    assert_eq!(placed.len(), REPORTED / 2);
    assert!(
        placed[0].ends_with(&format!("handbook.yaml:3:{column}")),
        "{}",
        placed[0]
    );
}

#[test]
fn equal_headings_get_the_ids_github_gives_them() {
    // `notes-1000` is taken by a heading of its own, so the next `Notes` skips it; and an
    // id the suffixes made is made unique in its turn.
    let mut text = "## Notes\n\n".repeat(1_000);
    text.push_str("## Notes 1000\n\n## Notes\n\n## Notes 1\n");
    let doc = secbook::load::markdown::Document::parse_text(&text, false);
    let ids: Vec<&str> = doc.headings.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids[..3], ["notes", "notes-1", "notes-2"]);
    assert_eq!(ids[999], "notes-999");
    assert_eq!(ids[1_000..], ["notes-1000", "notes-1001", "notes-1-1"]);
    assert!(doc.has_anchor("notes-555") && !doc.has_anchor("notes-1002"));
}

/// A handbook whose folder `flat/` holds `n` pages.
fn flat_handbook(n: usize) -> harness::Handbook {
    let mut hb = harness::Handbook::default();
    hb.pages.push((
        "flat/_index.md".into(),
        "---\ntitle: Flat\n---\nMany pages.\n".into(),
    ));
    for i in 0..n {
        hb.pages.push((
            format!("flat/page-{i:04}.md"),
            format!("---\ntitle: Page {i:04}\n---\nText of page {i}.\n"),
        ));
    }
    hb
}

/// The sidebar of a built page.
fn sidebar(page: &str) -> &str {
    let start = page.find("<aside class=\"sidebar\">").unwrap();
    let end = start + page[start..].find("</aside>").unwrap();
    &page[start..end]
}

#[test]
fn output_grows_in_step_with_a_flat_folder_of_pages() {
    // Each page's sidebar listed every page of its folder: 2,000 pages wrote 253 MB.
    let bound = std::time::Duration::from_secs(120);
    let small = build_within("300 pages", flat_handbook(300), bound);
    let large = build_within("600 pages", flat_handbook(600), bound);
    let ratio = size_of(&large) as f64 / size_of(&small) as f64;
    assert!(ratio < 2.2, "twice the pages, {ratio:.2} times the output");

    // A page's sidebar shows its neighbours and a link to the listing, which shows all.
    let page = text_of(&large, "flat/page-0300/index.html");
    let nav = sidebar(&page);
    assert!(
        nav.contains("<a href=\"../../flat/index.html\">All 600 pages in Flat</a>"),
        "{nav}"
    );
    assert!(nav.contains("aria-current=\"page\">Page 0300</a>"), "{nav}");
    assert!(
        nav.contains("Page 0299") && nav.contains("Page 0301"),
        "{nav}"
    );
    assert!(
        !nav.contains("Page 0000") && !nav.contains("Page 0599"),
        "{nav}"
    );
    let listing = text_of(&large, "flat/index.html");
    assert!(listing.contains("<a href=\"../flat/page-0000/index.html\">Page 0000</a>"));
    assert!(listing.contains("<a href=\"../flat/page-0599/index.html\">Page 0599</a>"));
    // The first and last pages show the first and last entries, as many as the others.
    let first = text_of(&large, "flat/page-0000/index.html");
    let last = text_of(&large, "flat/page-0599/index.html");
    assert_eq!(
        sidebar(&first).matches("<li").count(),
        sidebar(&last).matches("<li").count()
    );
    assert!(sidebar(&last).contains("Page 0599"));
}

/// Markdown that makes a browser fetch from another host, if shown as images.
const REMOTE_IMAGES: &str = concat!(
    "![pixel](https://tracker.example/p.png) ",
    "![relative to the scheme](//tracker.example/p.png) ",
    // Markdown escapes a backslash with a backslash: the address is `\\tracker.example\...`.
    "![share](\\\\\\\\tracker.example\\\\share\\\\p.png) ",
    "![mixed](/\\tracker.example/p.png) ",
    "![file](file://tracker.example/share/p.png) ",
    "![by reference][r] ",
    "[![in a link](https://tracker.example/l.png)](https://example.org/) ",
    "![local](/style.css)\n\n",
    "[r]: https://tracker.example/r.png\n",
);

/// The attributes of every element of `html` that would fetch from another host when the
/// page opens.
fn remote_loads(html: &str) -> Vec<String> {
    let html = Html::parse_document(html);
    let mut found = Vec::new();
    for node in html.tree.nodes() {
        if let Node::Element(e) = node.value() {
            for (attr, value) in e.attrs() {
                let value = value.trim().to_ascii_lowercase().replace('\\', "/");
                let loads = matches!(attr, "src" | "srcset" | "poster" | "data" | "background");
                let remote = value.starts_with("//")
                    || value
                        .split_once(':')
                        .is_some_and(|(s, _)| s.chars().all(|c| c.is_ascii_alphabetic()));
                if loads && remote {
                    found.push(format!("<{} {attr}={value:?}>", e.name()));
                }
            }
        }
    }
    found
}

/// The small handbook with [`REMOTE_IMAGES`] in every Markdown field of its records and
/// in a page, and `config` added to handbook.yaml.
fn remote_image_handbook(config: &str) -> harness::Handbook {
    let mut hb = harness::Handbook::default();
    hb.config.push_str(config);
    // A JSON string is a YAML string, on one line.
    let md = serde_json::to_string(REMOTE_IMAGES).unwrap();
    let md = md.as_str();
    hb.exceptions[0].1 = harness::EXCEPTION
        .replace(
            "summary: The VPN allows TLS 1.0.",
            &format!("summary: {md}"),
        )
        .replace(
            "justification: A vendor",
            &format!("description: {md}\njustification: A vendor"),
        )
        .replace(
            "remediation_plan: Replace the appliance.",
            &format!("remediation_plan: {md}"),
        )
        .replace("A vendor appliance needs it.", md);
    hb.incidents[0].1 = harness::INCIDENT
        .replace("summary: A phishing mail.", &format!("summary: {md}\ndescription: {md}"))
        .replace(
            "effort_hours: 4.5",
            &format!(
                "effort_hours: 4.5\nimpact: {{ notes: {md} }}\npostmortem: {{ date: 2026-05-04, notes: {md} }}"
            ),
        );
    hb.pages.push((
        "images.md".into(),
        format!("---\ntitle: Images\n---\n{REMOTE_IMAGES}"),
    ));
    hb
}

#[test]
fn records_and_pages_load_nothing_from_another_host() {
    let files = build_within("remote images", remote_image_handbook(""), LARGE_BOUND);
    let mut loads = Vec::new();
    for file in &files {
        if file.path.ends_with(".html") {
            let found = remote_loads(&text_of(&files, &file.path));
            loads.extend(found.into_iter().map(|l| format!("{}: {l}", file.path)));
        }
    }
    assert!(loads.is_empty(), "{}", loads.join("\n"));
    // Each image is a link to its address, with its alt text; a local one stays an image.
    for page in [
        "exceptions/EXC-001/index.html",
        "incidents/INC-001/index.html",
        "images/index.html",
    ] {
        let html = text_of(&files, page);
        for link in [
            "<a href=\"https://tracker.example/p.png\">pixel</a>",
            // From disk, `//` would lead to a file share.
            "<a href=\"https://tracker.example/p.png\">relative to the scheme</a>",
            "<a href=\"https://tracker.example/r.png\">by reference</a>",
            "<a href=\"https://example.org/\">in a link</a>",
            "<img src=\"../../style.css\" alt=\"local\" />",
        ] {
            let link = if page == "images/index.html" {
                link.replace("../../", "../")
            } else {
                link.to_string()
            };
            assert!(html.contains(&link), "{page} lacks {link}");
        }
    }
    let exception = text_of(&files, "exceptions/EXC-001/index.html");
    for field in ["summary", "justification", "description", "remediation"] {
        let at = exception.find(&format!("id=\"{field}\"")).unwrap();
        let section = &exception[at..at + exception[at..].find("</section>").unwrap()];
        assert!(section.contains(">pixel</a>"), "{field}: {section}");
    }
}

#[test]
fn a_handbook_may_allow_remote_images_in_its_pages_but_not_in_records() {
    let config = "markdown: { allow_remote_images: true }\n";
    let files = build_within(
        "remote images allowed",
        remote_image_handbook(config),
        LARGE_BOUND,
    );
    let page = text_of(&files, "images/index.html");
    assert!(
        page.contains("<img src=\"https://tracker.example/p.png\" alt=\"pixel\" />"),
        "{page}"
    );
    let exception = text_of(&files, "exceptions/EXC-001/index.html");
    assert_eq!(remote_loads(&exception), Vec::<String>::new());
}

/// The line and column where `needle` starts in `text`.
fn line_col(text: &str, needle: &str) -> (usize, usize) {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in {text}"));
    let line = text[..at].matches('\n').count() + 1;
    let col = at - text[..at].rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, col)
}

#[test]
fn links_in_records_are_resolved() {
    let mut hb = harness::Handbook::default();
    let links = concat!(
        "[record](exception:EXC-001), [incident](incident:INC-001), ",
        "[page](../process.md), [from the root](/process.md#process), [home](../_index.md)",
    );
    hb.exceptions[0].1 = harness::EXCEPTION.replace(
        "summary: The VPN allows TLS 1.0.",
        &format!("summary: \"{links}\""),
    );
    hb.incidents[0].1 = harness::INCIDENT.replace(
        "summary: A phishing mail.",
        &format!("summary: |\n  A phishing mail.\n  {links}\n"),
    );
    let files = harness::build(&hb).unwrap_or_else(|d| panic!("{:?}", d[0].render()));
    for page in [
        "exceptions/EXC-001/index.html",
        "incidents/INC-001/index.html",
    ] {
        let html = text_of(&files, page);
        for link in [
            "<a href=\"../../exceptions/EXC-001/index.html\">record</a>",
            "<a href=\"../../incidents/INC-001/index.html\">incident</a>",
            "<a href=\"../../process/index.html\">page</a>",
            "<a href=\"../../process/index.html#process\">from the root</a>",
            "<a href=\"../../index.html\">home</a>",
        ] {
            assert!(html.contains(link), "{page} lacks {link}");
        }
    }
}

/// A page links to the registers, the status page, the exports and the other files every
/// build writes, in each spelling a static host serves; and each of them is in the site.
#[test]
fn links_to_the_files_the_build_writes_resolve() {
    use secbook::model::site_files::{LINKABLE, linkable};
    let mut hb = harness::Handbook::default();
    let mut body = String::from("---\ntitle: Links\n---\n");
    let mut expected = Vec::new();
    for (i, file) in LINKABLE.iter().enumerate() {
        let folder = file.strip_suffix("index.html");
        let mut spellings = vec![format!("../{file}"), format!("/{file}")];
        if let Some(folder) = folder {
            spellings.push(format!("../{folder}"));
            spellings.push(format!("/{}", folder.trim_end_matches('/')));
        }
        for (j, link) in spellings.iter().enumerate() {
            body.push_str(&format!("[l{i}-{j}]({link})\n"));
            expected.push(format!("<a href=\"../../{file}\">l{i}-{j}</a>"));
        }
    }
    hb.pages.push(("guide/links.md".into(), body));
    let files = harness::build(&hb).unwrap_or_else(|d| panic!("{}", d[0].render()));
    let html = text_of(&files, "guide/links/index.html");
    for link in &expected {
        assert!(html.contains(link.as_str()), "lacks {link}");
    }
    // Every site holds them, one with no record too.
    let empty = harness::Handbook {
        exceptions: Vec::new(),
        incidents: Vec::new(),
        pages: vec![("_index.md".into(), "---\ntitle: Home\n---\nHome.\n".into())],
        ..harness::Handbook::default()
    };
    let bare = harness::build(&empty).unwrap_or_else(|d| panic!("{}", d[0].render()));
    for file in LINKABLE {
        for built in [&files, &bare] {
            assert!(
                built.iter().any(|f| f.path == file),
                "the build writes no {file}"
            );
        }
        assert_eq!(linkable(file), Some(file));
    }

    // A record's page is named by its id, which the hint tells.
    let mut hb = harness::Handbook::default();
    hb.pages.push((
        "guide/links.md".into(),
        "---\ntitle: L\n---\n[r](../exceptions/EXC-001/)\n".into(),
    ));
    let diags = harness::build(&hb).expect_err("a record by its path");
    let d = diags
        .iter()
        .find(|d| d.message.contains("../exceptions/EXC-001/"))
        .unwrap();
    assert_eq!(
        d.hint.as_deref(),
        Some("a record is linked by its id: `exception:EXC-001`")
    );
}

#[test]
fn a_broken_link_in_a_record_is_an_error_at_the_link() {
    let mut hb = harness::Handbook::default();
    let exception = harness::EXCEPTION.replace(
        "justification: A vendor appliance needs it.",
        "justification: |\n  A vendor appliance needs it.\n\n  See [the old one](exception:EX-9999)\n  and [the runbook](../runbooks/x.md).",
    );
    hb.exceptions[0].1 = exception.clone();
    let incident = harness::INCIDENT.replace(
        "effort_hours: 4.5",
        "effort_hours: 4.5\npostmortem:\n  date: 2026-05-04\n  notes: \"Like [INC-404](incident:INC-404).\"",
    );
    hb.incidents[0].1 = incident.clone();
    let diags = harness::build(&hb).expect_err("the links lead nowhere");
    let at = |message: &str| {
        let d = diags
            .iter()
            .find(|d| d.message.contains(message))
            .unwrap_or_else(|| panic!("no error {message:?} in {diags:?}"));
        d.location().unwrap()
    };
    let place = |file: &str, text: &str, needle: &str| {
        let (line, col) = line_col(text, needle);
        (file.to_string(), line, col)
    };
    assert_eq!(
        at("link to exception `EX-9999`, which does not exist"),
        place("data/exceptions/EXC-001.yaml", &exception, "[the old one]")
    );
    assert_eq!(
        at("link to `../runbooks/x.md`, a page that does not exist"),
        place("data/exceptions/EXC-001.yaml", &exception, "[the runbook]")
    );
    assert_eq!(
        at("link to incident `INC-404`, which does not exist"),
        place("data/incidents/INC-001.yaml", &incident, "[INC-404]")
    );
}

#[test]
fn percent_encoded_links_name_the_file_they_encode() {
    let (_tmp, root) = write_handbook(&[
        ("handbook.yaml".into(), harness::HANDBOOK_YAML.into()),
        (
            "content/_index.md".into(),
            concat!(
                "---\ntitle: Home\n---\n",
                "[a](my%20page.md) [b](caf%C3%A9.md#caf%C3%A9) [c](files/my%20file%20%231.pdf)\n",
            )
            .into(),
        ),
        (
            "content/my page.md".into(),
            "---\ntitle: Mine\n---\n".into(),
        ),
        (
            "content/café.md".into(),
            "---\ntitle: Café\n---\n## Café\n".into(),
        ),
        ("static/files/my file #1.pdf".into(), "%PDF".into()),
    ]);
    let out = build_errors(&root).unwrap_or_else(|d| panic!("{:?}", d[0].render()));
    let home = fs::read_to_string(out.join("index.html")).unwrap();
    for link in [
        "<a href=\"my-page/index.html\">a</a>",
        "<a href=\"cafe/index.html#caf%C3%A9\">b</a>",
        "<a href=\"files/my%20file%20%231.pdf\">c</a>",
    ] {
        assert!(home.contains(link), "lacks {link}: {home}");
    }
    assert!(out.join("files/my file #1.pdf").is_file());
}

/// A report shows a short stretch of its line, found through the file's index of lines, so
/// each costs the same wherever it points: 55,000 broken links on one line of a page took
/// minutes to report (each report scanned the file from its start and showed the line up to
/// the link) and ran out of memory.
#[test]
fn many_errors_in_one_file_are_reported_in_time() {
    let body = megabyte(|i| format!("[x](missing{i}.md) "));
    let links = body.matches("](missing").count();
    let mut hb = harness::Handbook::default();
    hb.pages.push((
        "guide/broken.md".into(),
        format!("---\ntitle: Broken\n---\n{body}\n"),
    ));
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let diags = harness::build(&hb).err().unwrap_or_default();
        let shown: usize = diags.iter().map(|d| d.render().len()).sum();
        let broken = diags
            .iter()
            .filter(|d| d.message.ends_with("a page that does not exist"))
            .count();
        let others: Vec<String> = diags
            .iter()
            .filter(|d| !d.message.ends_with("a page that does not exist"))
            .map(|d| d.message.clone())
            .collect();
        let _ = send.send((broken, shown, others));
    });
    let (broken, shown, others) = receive
        .recv_timeout(LARGE_BOUND)
        .expect("the errors are reported in time");
    assert_eq!(broken, links, "{others:?}");
    assert!(
        shown < links * 600,
        "each report shows a short stretch of its line: {shown} bytes for {links}"
    );
}

/// Each `related` entry that names nothing was placed by reading the record from its start
/// again: a record of many such entries took time in the square of its length. Each report
/// shows a short stretch of its line, found through the file's index of lines.
#[test]
fn many_missing_references_in_a_record_are_reported_in_time() {
    let records = repeat(600_000, |i| format!("    - EXC-{i}\n"));
    let pages = repeat(600_000, |i| format!("    - p{i}.md\n"));
    let (record_count, page_count) = (records.lines().count(), pages.lines().count());
    let mut hb = harness::Handbook::default();
    hb.exceptions[0].1 = harness::EXCEPTION.replace(
        "related: { incidents: [INC-001], pages: [process.md] }\n",
        &format!("related:\n  exceptions:\n{records}  pages:\n{pages}"),
    );
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let diags = harness::build(&hb).err().unwrap_or_default();
        let shown: usize = diags.iter().map(|d| d.render().len()).sum();
        let _ = send.send((diags, shown));
    });
    let (diags, shown) = receive
        .recv_timeout(LARGE_BOUND)
        .expect("the missing entries are reported in time");
    let of = |prefix: &str| -> Vec<&Diagnostic> {
        diags
            .iter()
            .filter(|d| d.message.starts_with(prefix))
            .collect()
    };
    let (missing_records, missing_pages) = (of("related exception `EXC-"), of("page `p"));
    assert_eq!(missing_records.len(), record_count);
    assert_eq!(missing_pages.len(), page_count);
    // The record without its `related` line, then `related:`, `exceptions:`, the list,
    // `pages:`, the list.
    let before = harness::EXCEPTION.lines().count() - 1 + 2;
    let place = |d: Option<&&Diagnostic>| d.and_then(|d| d.location());
    let file = "data/exceptions/EXC-001.yaml".to_string();
    assert_eq!(
        place(missing_records.last()),
        Some((file.clone(), before + record_count, 7))
    );
    assert_eq!(
        place(missing_pages.last()),
        Some((file, before + record_count + 1 + page_count, 7))
    );
    let reports = record_count + page_count;
    assert!(
        shown < reports * 600,
        "each report shows a short stretch of its line: {shown} bytes for {reports}"
    );
}

/// A target named again and again in one file is one root cause: it is reported once,
/// with the count and the first places of its repeats, and the count of errors counts each
/// place. A record that named one missing exception five million times (`[x,x,x,...]`)
/// made five million reports, which took half a minute to make and print.
#[test]
fn a_missing_target_named_many_times_is_reported_once() {
    let n = 200_000;
    let mut hb = harness::Handbook::default();
    hb.exceptions[0].1 = harness::EXCEPTION.replace(
        "related: { incidents: [INC-001], pages: [process.md] }\n",
        &format!(
            "related: {{ exceptions: [{}], pages: [gone.md, gone.md] }}\n",
            vec!["EXC-404"; n].join(",")
        ),
    );
    hb.pages.push((
        "guide/broken.md".into(),
        format!(
            "---\ntitle: Broken\n---\n{}[b](other.md)\n",
            "[a](gone.md) ".repeat(n)
        ),
    ));
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let diags = harness::build(&hb).err().unwrap_or_default();
        let _ = send.send(diags);
    });
    let diags = receive.recv_timeout(LARGE_BOUND).expect("reported in time");
    let report = |needle: &str| -> &Diagnostic {
        let found: Vec<&Diagnostic> = diags
            .iter()
            .filter(|d| d.message.contains(needle))
            .collect();
        assert_eq!(found.len(), 1, "{needle}: {found:?}");
        found[0]
    };
    let record = report("related exception `EXC-404`");
    assert_eq!(record.occurrences(), n);
    let line = 1 + harness::EXCEPTION
        .lines()
        .position(|l| l.starts_with("related:"))
        .unwrap();
    let places: Vec<String> = (1..=5).map(|k| format!("{line}:{}", 25 + 8 * k)).collect();
    let text = record.render();
    assert!(
        text.contains(&format!(
            "= note: also at {} other place(s) in this file: {}, …\n",
            n - 1,
            places.join(", ")
        )),
        "{text}"
    );
    let page = report("link to `gone.md`");
    assert_eq!(page.occurrences(), n);
    assert_eq!(report("page `gone.md`").occurrences(), 2);
    assert_eq!(report("link to `other.md`").occurrences(), 1);
    // The first place is the report's own; the next ones are named, each at its column.
    let text = page.render();
    assert!(text.contains("content/guide/broken.md:4:1"), "{text}");
    assert!(
        text.contains(&format!(
            "= note: also at {} other place(s) in this file: 4:14, 4:27, 4:40, 4:53, 4:66, …\n",
            n - 1
        )),
        "{text}"
    );
    let places = secbook::diagnostics::error_places(&diags);
    assert_eq!(
        places,
        diags.iter().filter(|d| d.level == Level::Error).count() + 2 * (n - 1) + 1
    );
}

/// The summary line counts the reports printed, and each place of a repeated problem
/// beside them.
#[test]
fn the_count_of_errors_is_of_the_reports_and_names_their_places() {
    let mut hb = harness::Handbook::default();
    hb.pages.push((
        "guide/broken.md".into(),
        "---\ntitle: Broken\n---\n[a](gone.md) [b](gone.md) [c](gone.md)\n".into(),
    ));
    let (_tmp, root) = write_handbook(&harness_files(&hb));
    let out = common::command()
        .args(["check", "--as-of", "2026-06-30"])
        .arg(&root)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr.matches("error: link to `gone.md`").count(),
        1,
        "{stderr}"
    );
    assert!(
        stderr.contains("= note: also at 2 other place(s) in this file: 4:14, 4:27\n"),
        "{stderr}"
    );
    // One report, at three places: the count is of the reports printed.
    assert!(stderr.contains("\n1 error(s) at 3 places, "), "{stderr}");
}

/// A table of contents lists the first sections of a page with a great many: each entry
/// costs the template engine more than its heading costs, and a page of a million equal
/// headings took seconds to build. Every heading keeps its anchor.
#[test]
fn a_table_of_contents_lists_the_first_sections() {
    let max = secbook::load::markdown::TOC_MAX;
    let mut hb = harness::Handbook::default();
    let body = "## Notes\n\n".repeat(max + 5);
    hb.pages.push((
        "guide/notes.md".into(),
        format!("---\ntitle: Notes\n---\n{body}"),
    ));
    let files = build_within("many sections", hb, LARGE_BOUND);
    let page = text_of(&files, "guide/notes/index.html");
    let toc = &page[page.find("<nav class=\"toc\"").unwrap()..];
    let toc = &toc[..toc.find("</nav>").unwrap()];
    assert_eq!(toc.matches("<li").count(), max, "{toc}");
    assert!(toc.contains("<a href=\"#notes\">Notes</a>"), "{toc}");
    let last = format!("<a href=\"#notes-{}\">Notes</a>", max - 1);
    assert!(toc.contains(&last), "{toc}");
    let anchor = format!("<h2 id=\"notes-{}\">", max + 4);
    assert!(page.contains(&anchor), "{anchor} missing");
}
