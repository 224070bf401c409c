//! In-memory entry points into the pipeline, for the fuzz targets (fuzz/), the regression
//! test over their corpus (tests/testsuite/fuzz_corpus.rs) and the property tests.
//!
//! Each takes the text of one input file and runs it through the functions a build runs on
//! that file. When it loads and `deep` is set, it then builds a small handbook that holds it
//! (all of it: findings, metrics, charts, every page and export), without touching the
//! disk: the handbook's files are held in a [`Memory`](crate::load::source::Memory) source, which the loader and the
//! stages of a build on disk read. It returns the diagnostics. A file that does not load is left out of a real build,
//! so the rest of the build would not see it. The fuzz targets go deep for a share of their
//! inputs only: a build takes milliseconds, the parsing alone microseconds. No input may make any of these panic, hang or take
//! unbounded memory: that is what the fuzz targets check.

use crate::cli::import;
use crate::diagnostics::{Diagnostic, Error, Level, SourceFile};
use crate::load::config::Config;
use crate::load::content;
use crate::load::markdown::Document;
use crate::load::records::{self, Loaded};
use crate::load::source::Memory;
use crate::load::theme::Theme;
use crate::load::theme_ids::TemplateIds;
use crate::model::date;
use crate::model::exception::Exception;
use crate::model::links::Target;
use crate::model::related::Related;
use crate::pipeline::{self, Options};
use crate::render::OutputFile;

/// The handbook.yaml of the handbook the inputs are built in, with the example's
/// classification levels, which its records name.
pub const HANDBOOK_YAML: &str = "title: Fuzz handbook\nas_of: 2026-06-30\n\
    classification: { levels: [public, internal, confidential, restricted], default: internal }\n";

/// Its one content page besides the home page, which links to records and to the page
/// under test.
pub const PAGE: &str = concat!(
    "---\n",
    "title: Process\n",
    "review_by: 2026-01-01\n",
    "---\n",
    "# Process\n",
    "\n",
    "See [the register](exception:EXC-001), [an incident](incident:INC-001) and [home](_index.md).\n",
);

pub const HOME: &str = "---\ntitle: Home\n---\nWelcome. See [the process](process.md).\n";

pub const PEOPLE: &str = concat!(
    "- name: Ann Lee\n",
    "  email: ann@example.com\n",
    "  side: security\n",
    "  level: vp\n",
    "- name: Bo Chen\n",
    "  email: bo@example.com\n",
    "  side: business\n",
    "  level: director\n",
    "  departed: 2026-01-01\n",
);

pub const EXCEPTION: &str = concat!(
    "id: EXC-001\n",
    "title: Old TLS on the VPN\n",
    "type: extension\n",
    "severity: high\n",
    "status: approved\n",
    "requested_by: Ann Lee <ann@example.com>\n",
    "risk_owner: Bo Chen <bo@example.com>\n",
    "created: 2026-01-02\n",
    "first_review: 2026-01-03\n",
    "decided: 2026-01-05\n",
    "expires: 2026-07-10\n",
    "tickets: [SEC-1]\n",
    "summary: The VPN allows TLS 1.0.\n",
    "justification: A vendor appliance needs it.\n",
    "remediation_plan: Replace the appliance.\n",
    "approvals:\n",
    "  - { name: Ann Lee, email: ann@example.com, role: CISO, decision: approved, date: 2026-01-05 }\n",
    "  - { name: Bo Chen, role: VP, side: business, level: vp, decision: approved, date: 2026-01-05 }\n",
    "related: { incidents: [INC-001], pages: [process.md] }\n",
);

pub const INCIDENT: &str = concat!(
    "id: INC-001\n",
    "title: Phishing\n",
    "severity: sev2\n",
    "status: resolved\n",
    "commander: Ann Lee <ann@example.com>\n",
    "source: employee\n",
    "detected: 2026-05-01T09:00:00-07:00\n",
    "reported: 2026-05-01T10:00:00-07:00\n",
    "responded: 2026-05-01T10:30:00-07:00\n",
    "resolved: 2026-05-03\n",
    "summary: A phishing mail.\n",
    "effort_hours: 4.5\n",
    "timeline:\n",
    "  - { at: 2026-05-01T09:00:00Z, event: Mail arrives }\n",
    "action_items:\n",
    "  - { title: Train, owner: Bo Chen, priority: P1, status: planned, due: 2026-06-01 }\n",
    "related: { exceptions: [EXC-001], pages: [process.md] }\n",
);

/// A handbook held in memory: each file by its path relative to the handbook folder.
#[derive(Debug, Clone)]
pub struct Handbook {
    pub config: String,
    /// Below content/: `_index.md`, `a/b.md`.
    pub pages: Vec<(String, String)>,
    /// File names in data/exceptions/.
    pub exceptions: Vec<(String, String)>,
    /// File names in data/incidents/.
    pub incidents: Vec<(String, String)>,
    pub people: Option<String>,
}

impl Default for Handbook {
    /// The small handbook every input is built in.
    fn default() -> Self {
        Handbook {
            config: HANDBOOK_YAML.into(),
            pages: vec![
                ("_index.md".into(), HOME.into()),
                ("process.md".into(), PAGE.into()),
            ],
            exceptions: vec![("EXC-001.yaml".into(), EXCEPTION.into())],
            incidents: vec![("INC-001.yaml".into(), INCIDENT.into())],
            people: Some(PEOPLE.into()),
        }
    }
}

impl Handbook {
    /// The handbook's files, named as they are in a handbook's folder.
    pub fn source(&self) -> Memory {
        let mut files = Memory::new();
        files.insert("handbook.yaml", self.config.as_str());
        for (rel, text) in &self.pages {
            files.insert(format!("content/{rel}"), text.as_str());
        }
        for (name, text) in &self.exceptions {
            files.insert(format!("data/exceptions/{name}"), text.as_str());
        }
        for (name, text) in &self.incidents {
            files.insert(format!("data/incidents/{name}"), text.as_str());
        }
        if let Some(text) = &self.people {
            files.insert("data/people.yaml", text.as_str());
        }
        files
    }
}

/// Noon UTC on 2026-06-30, the as-of date of a handbook that sets none, read in its
/// timezone.
const EPOCH: &str = "1782820800";

/// Runs load, validate, compute and render on `handbook`, as `secbook build` does on a
/// folder, as of handbook.yaml's `as_of` (else 2026-06-30). The files it would write, or
/// every error.
pub fn build(handbook: &Handbook) -> Result<Vec<OutputFile>, Vec<Diagnostic>> {
    build_for(handbook, None)
}

/// [`build`] for `audience`, as `secbook build --audience` does (SPEC 12); `None` for
/// handbook.yaml's `default_audience`, else the whole handbook.
pub fn build_for(
    handbook: &Handbook,
    audience: Option<&str>,
) -> Result<Vec<OutputFile>, Vec<Diagnostic>> {
    let options = Options {
        audience: audience.map(str::to_string),
        ..Options::default()
    };
    match pipeline::generate_from(&handbook.source(), &options, Some(EPOCH)) {
        Ok(generated) => Ok(generated.files),
        Err(Error::Invalid(diags)) => Err(diags),
        Err(e) => Err(vec![Diagnostic::error(e.to_string())]),
    }
}

/// The diagnostics of a build, or of the failed build.
fn diagnostics_of(result: Result<Vec<OutputFile>, Vec<Diagnostic>>) -> Vec<Diagnostic> {
    result.err().unwrap_or_default()
}

/// What each text fuzz target runs: the bytes as text through `entry`. Files that are not
/// UTF-8 are refused before any parsing; lossy decoding lets every input reach the
/// parsers. A build of the whole small handbook is run for a quarter of the inputs,
/// picked by their bytes: it takes milliseconds where the parsing alone takes
/// microseconds.
pub fn fuzz(data: &[u8], entry: fn(&str, bool) -> Vec<Diagnostic>) {
    let deep = fnv1a(data).is_multiple_of(4);
    let _ = entry(&String::from_utf8_lossy(data), deep);
}

/// The largest text [`amplify`] makes: a page or record of a size users write, large enough
/// that work growing with the square of the input takes seconds where linear work takes
/// milliseconds.
pub const AMPLIFIED_BYTES: usize = 1024 * 1024;

/// What the slowness fuzz targets run: the input [`amplify`]d to at most `max` bytes, then
/// through `entry` with the whole build. libFuzzer only finds what fails on small inputs;
/// a quadratic path shows only on large ones, so these targets grow a small input into one
/// and run under `-timeout`, which reports a slow input as a crash.
pub fn fuzz_amplified(data: &[u8], max: usize, entry: fn(&str, bool) -> Vec<Diagnostic>) {
    let _ = entry(&amplify(data, max), true);
}

/// A large text from a small input: `[k] prefix 0xFF unit 0xFF suffix` is the prefix, the
/// unit repeated 2^k times (or as often as fits in `max` bytes), then the suffix. Without
/// the two separators the whole input after `k` is the unit. 0xFF never occurs in UTF-8
/// text, so any text the fuzzer or a corpus file holds can be a part.
pub fn amplify(data: &[u8], max: usize) -> String {
    let Some((&k, rest)) = data.split_first() else {
        return String::new();
    };
    let mut parts = rest.splitn(3, |&b| b == 0xFF);
    let (prefix, unit, suffix) = match (parts.next(), parts.next(), parts.next()) {
        (Some(p), Some(u), Some(s)) => (p, u, s),
        (Some(p), Some(u), None) => (p, u, &[][..]),
        _ => (&[][..], rest, &[][..]),
    };
    let room = max.saturating_sub(prefix.len() + suffix.len());
    let times = (1usize << (k % 24)).min(room / unit.len().max(1));
    let mut out = Vec::with_capacity(prefix.len() + unit.len() * times + suffix.len());
    out.extend_from_slice(prefix);
    for _ in 0..times {
        out.extend_from_slice(unit);
    }
    out.extend_from_slice(suffix);
    String::from_utf8_lossy(&out).into_owned()
}

fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A content page: front matter and Markdown, as a page of the handbook and as the
/// Markdown of a record field (always untrusted).
pub fn page(text: &str, deep: bool) -> Vec<Diagnostic> {
    // The `false` pass is what a record's Markdown field goes through too.
    for allow_html in [false, true] {
        let doc = Document::parse_text(text, allow_html);
        let targets: Vec<String> = doc
            .links
            .iter()
            .map(|l| crate::model::links::neutralise(&l.dest).to_string())
            .collect();
        let _ = doc.render(&targets, allow_html);
    }
    let file = SourceFile::new("content/guide/page.md", text);
    let theme_ids = TemplateIds::of_theme(&Theme::builtin().templates);
    let reading = content::Reading {
        drafts: false,
        allow_html: false,
        theme_ids: &theme_ids,
    };
    let page = match content::parse_page(file, "guide/page.md", reading) {
        Ok(Some(page)) if deep => page,
        Ok(Some(page)) => {
            let errors = page.told.into_iter();
            return errors.filter(|d| d.level == Level::Error).collect();
        }
        Ok(None) => return Vec::new(),
        Err(errors) => return errors,
    };
    let mut handbook = Handbook::default();
    put(&mut handbook.pages, "guide/page.md".into(), text.into());
    // What the page links to, so that a page written for another handbook renders.
    let mut related = Related::default();
    for link in &page.doc.links {
        match crate::model::links::classify(&link.dest) {
            Target::Exception(id) => related.exceptions.push(id.to_string()),
            Target::Incident(id) => related.incidents.push(id.to_string()),
            Target::Page { path, anchor } => {
                let Some(rel) = crate::model::links::join(page.dir(), path) else {
                    continue;
                };
                let heading = anchor.map_or(String::new(), |a| format!("# Heading {{#{a}}}\n"));
                if !handbook.pages.iter().any(|(p, _)| p == &rel) {
                    let text = format!("---\ntitle: A linked page\n---\n{heading}");
                    handbook.pages.push((rel, text));
                }
            }
            _ => {}
        }
    }
    add_stubs(&mut handbook, &related, &[], &[]);
    diagnostics_of(build(&handbook))
}

/// The file name a record is read from: the id it gives, when that can name a file that
/// is read (a hidden one is not), so that the checks go past the id.
fn record_name(text: &str) -> String {
    let id = text
        .lines()
        .find_map(|l| l.strip_prefix("id:"))
        .map(|id| id.trim().trim_matches(['"', '\'']))
        .filter(|id| !id.is_empty() && !id.starts_with('.') && !id.contains(['/', '\0']))
        .unwrap_or("record");
    format!("{id}.yaml")
}

/// Puts `(name, text)` into `files`, in place of a file of the same name.
fn put(files: &mut Vec<(String, String)>, name: String, text: String) {
    files.retain(|(n, _)| !n.eq_ignore_ascii_case(&name));
    files.push((name, text));
}

/// Adds what a record names to the small handbook, so that a record written for another
/// handbook (the fuzz corpus starts from the example handbook's) still builds and renders:
/// an incident or exception for each related id, a page for each related page, and an
/// entry in people.yaml for each approver the record leaves without a side or level.
fn add_stubs(handbook: &mut Handbook, related: &Related, pages: &[&str], approvers: &[&str]) {
    let fixture = |text: &str, old: &str, id: &str| {
        let text = text.replace(old, &format!("id: {id}"));
        match text.find("related:") {
            Some(i) => text[..i].to_string(),
            None => text,
        }
    };
    for id in &related.exceptions {
        if !handbook
            .exceptions
            .iter()
            .any(|(n, _)| n == &format!("{id}.yaml"))
        {
            let text = fixture(EXCEPTION, "id: EXC-001", id);
            handbook.exceptions.push((format!("{id}.yaml"), text));
        }
    }
    for id in &related.incidents {
        if !handbook
            .incidents
            .iter()
            .any(|(n, _)| n == &format!("{id}.yaml"))
        {
            let text = fixture(INCIDENT, "id: INC-001", id);
            handbook.incidents.push((format!("{id}.yaml"), text));
        }
    }
    for page in related
        .pages
        .iter()
        .map(String::as_str)
        .chain(pages.iter().copied())
    {
        let rel = crate::model::links::content_path(page);
        if rel.ends_with(".md") && !handbook.pages.iter().any(|(p, _)| p == rel) {
            let text = "---\ntitle: A related page\n---\nIt is named by a record.\n";
            handbook.pages.push((rel.to_string(), text.to_string()));
        }
    }
    let people = handbook.people.get_or_insert_with(String::new);
    for name in approvers {
        people.push_str(&format!(
            "- {{ name: {}, side: security, level: executive }}\n",
            crate::load::yaml::scalar(name)
        ));
    }
}

/// A copy of a record under another id, so that what the metrics add up or compare
/// (totals per month, the largest value of a chart) meets the input twice.
fn twin(text: &str, id: &str) -> Option<(String, String)> {
    let line = format!("id: {id}\n");
    text.contains(&line).then(|| {
        let twin = format!("{id}-twin");
        (
            format!("{twin}.yaml"),
            text.replacen(&line, &format!("id: {twin}\n"), 1),
        )
    })
}

/// An exception record, added to the small handbook (in place of its exception of the
/// same id).
pub fn exception(text: &str, deep: bool) -> Vec<Diagnostic> {
    let name = record_name(text);
    let record =
        match records::parse_exception(SourceFile::new(format!("data/exceptions/{name}"), text)) {
            (Some(loaded), _) if deep => loaded.record,
            (_, diags) => return diags,
        };
    let mut handbook = Handbook::default();
    put(&mut handbook.exceptions, name, text.into());
    if let Some((twin_name, twin)) = twin(text, &record.id) {
        handbook.exceptions.push((twin_name, twin));
    }
    let approvers: Vec<&str> = record
        .approvals
        .iter()
        .filter(|a| a.side.is_none() || a.level.is_none())
        .map(|a| a.name.as_str())
        .collect();
    add_stubs(&mut handbook, &record.related, &[], &approvers);
    diagnostics_of(build(&handbook))
}

/// An incident record, added to the small handbook (in place of its incident of the same
/// id).
pub fn incident(text: &str, deep: bool) -> Vec<Diagnostic> {
    let name = record_name(text);
    let config = match Config::load(&SourceFile::new("handbook.yaml", HANDBOOK_YAML)) {
        Ok(config) => config,
        Err(diags) => return diags,
    };
    let file = SourceFile::new(format!("data/incidents/{name}"), text);
    let record = match records::parse_incident(file, &config) {
        (Some(loaded), _) if deep => loaded.record,
        (_, diags) => return diags,
    };
    let mut handbook = Handbook::default();
    put(&mut handbook.incidents, name, text.into());
    if let Some((twin_name, twin)) = twin(text, &record.id) {
        handbook.incidents.push((twin_name, twin));
    }
    let postmortem: Vec<&str> = record
        .postmortem
        .iter()
        .filter_map(|p| p.page.as_deref())
        .collect();
    add_stubs(&mut handbook, &record.related, &postmortem, &[]);
    diagnostics_of(build(&handbook))
}

/// handbook.yaml, for the small handbook.
pub fn handbook_yaml(text: &str, deep: bool) -> Vec<Diagnostic> {
    match Config::load(&SourceFile::new("handbook.yaml", text)) {
        Ok(_) if deep => {}
        Ok(_) => return Vec::new(),
        Err(diags) => return diags,
    }
    let handbook = Handbook {
        config: text.into(),
        ..Handbook::default()
    };
    diagnostics_of(build(&handbook))
}

/// data/people.yaml, for the small handbook.
pub fn people_yaml(text: &str, deep: bool) -> Vec<Diagnostic> {
    match records::parse_people(&SourceFile::new("data/people.yaml", text)) {
        Ok(_) if deep => {}
        Ok((_, warnings)) => return warnings,
        Err(errors) => return errors,
    }
    let handbook = Handbook {
        people: Some(text.into()),
        ..Handbook::default()
    };
    diagnostics_of(build(&handbook))
}

/// A tracker CSV, imported as `secbook import tracker` does without writing the records,
/// then each record it would write loaded back. `Err` when import would write a record
/// that is not YAML or does not load without errors (TODO markers are warnings, so what
/// import writes builds), or when importing the same text again would add a record: bugs,
/// not bad input.
pub fn tracker_csv(text: &str) -> Result<Vec<Diagnostic>, String> {
    let file = SourceFile::new("tracker.csv", text);
    let (people, _) =
        records::parse_people(&SourceFile::new("data/people.yaml", PEOPLE)).map_err(|errors| {
            errors
                .into_iter()
                .map(|d| d.message)
                .collect::<Vec<_>>()
                .join("; ")
        })?;
    let today = date::Date::parse("2026-06-30").ok_or("a fixed date")?;
    let next_ids = |n: usize| (1..=n).map(|i| format!("EXC-{i:03}")).collect();
    let known = crate::load::tracker::Known::default();
    let converted = match import::convert(&file, &people, &known, today, next_ids) {
        Ok(converted) => converted,
        Err(Error::Invalid(diags)) => return Ok(diags),
        Err(other) => return Err(format!("import failed outright: {other}")),
    };
    let mut register = crate::load::tracker::Known::default();
    for (path, yaml) in &converted.files {
        let value: Result<serde_yaml::Value, _> = serde_yaml::from_str(yaml);
        if let Err(e) = value {
            return Err(format!(
                "import wrote {path}, which is not YAML ({e}):\n{yaml}"
            ));
        }
        let (loaded, diags): (Option<Loaded<Exception>>, _) =
            records::parse_exception(SourceFile::new(path.as_str(), yaml.as_str()));
        let errors: Vec<_> = diags.iter().filter(|d| d.level == Level::Error).collect();
        if loaded.is_none() || !errors.is_empty() {
            return Err(format!(
                "import wrote {path}, which does not load without errors ({errors:?}):\n{yaml}"
            ));
        }
        register.add_record(yaml, path);
    }
    let again = import::convert(&file, &people, &register, today, |n| {
        (1..=n).map(|i| format!("EXC-{:03}", 1000 + i)).collect()
    });
    match again {
        Ok(c) if c.files.is_empty() => Ok(Vec::new()),
        Ok(c) => Err(format!(
            "importing the same text again adds {} record(s): {:?}",
            c.files.len(),
            c.notes
        )),
        Err(e) => Err(format!("importing the same text again fails: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_small_handbook_builds_without_errors() {
        // Otherwise every deep run would stop before rendering.
        let files = build(&Handbook::default()).unwrap_or_else(|d| panic!("{d:#?}"));
        assert!(
            files
                .iter()
                .any(|f| f.path == "exceptions/EXC-001/index.html")
        );
        assert!(
            files
                .iter()
                .any(|f| f.path == "charts/incidents-by-source.svg")
        );
    }
}
