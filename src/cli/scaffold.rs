//! `secbook init` and `secbook new`: a new handbook with the starter content, and a new
//! record with the next id.
//!
//! The starter content is the repository's own handbook.yaml, content/ and data/, embedded
//! in the binary (the default theme is built in already, so themes/ is not copied).

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use include_dir::{Dir, DirEntry, include_dir};
use uuid::Uuid;

use crate::diagnostics::Error;
use crate::load::config::Config;
use crate::load::source;
use crate::load::yaml;
use crate::model::date::{self, Date};

static CONTENT: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/content");
static DATA: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/data");
const HANDBOOK_YAML: &str = include_str!("../../handbook.yaml");

/// Written above `as_of` in a new handbook's handbook.yaml.
const AS_OF_COMMENT: &str = "\
# The fixed as-of date keeps the example site the same on every build. Remove this line
# once you replace the example records, so that states are computed against today.
";

/// What `init` wrote.
pub struct Initialised {
    pub files: usize,
}

/// Writes a new handbook with the starter content into `dir`, which must not exist or be
/// empty (files whose names start with `.`, such as `.git`, do not count) unless `force`.
/// With `force`, starter files replace files of the same name; other files are kept.
/// Without `examples`, see [`Starter::Bare`].
pub fn init(dir: &Path, force: bool, starter: Starter) -> Result<Initialised, Error> {
    if dir.exists() && !dir.is_dir() {
        return Err(Error::Usage(format!(
            "{} exists and is not a folder",
            dir.display()
        )));
    }
    if dir.is_dir() && !force {
        let entries = fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
        let mut visible = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(dir, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.starts_with('.') {
                visible.push(name);
            }
        }
        if !visible.is_empty() {
            visible.sort();
            return Err(Error::Usage(format!(
                "{} is not empty (it holds {}); choose an empty folder, or pass --force to write \
                 the starter handbook into it, replacing files of the same name",
                dir.display(),
                list(&visible)
            )));
        }
    }
    let mut files: Vec<(PathBuf, Cow<[u8]>)> = Vec::new();
    collect(&CONTENT, Path::new("content"), &mut files);
    if starter == Starter::Bare {
        let review_by = bare_review_by()?;
        for (_, bytes) in &mut files {
            if let Ok(text) = std::str::from_utf8(bytes) {
                *bytes = Cow::Owned(with_review_by(text, review_by).into_bytes());
            }
        }
    } else {
        collect(&DATA, Path::new("data"), &mut files);
    }
    let handbook = starter_handbook_yaml(new_handbook_id()?, starter);
    files.push((
        PathBuf::from("handbook.yaml"),
        Cow::Owned(handbook.into_bytes()),
    ));
    for (rel, bytes) in &files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        fs::write(&path, bytes).map_err(|e| Error::io(&path, e))?;
    }
    add_gitignore(dir)?;
    Ok(Initialised {
        files: files.len() + 1,
    })
}

/// "a", "a and b", "a, b and 2 more".
fn list(names: &[String]) -> String {
    match names {
        [one] => one.clone(),
        [a, b] => format!("{a} and {b}"),
        [a, b, rest @ ..] => format!("{a}, {b} and {} more", rest.len()),
        [] => String::new(),
    }
}

fn collect<'a>(dir: &'a Dir<'a>, prefix: &Path, out: &mut Vec<(PathBuf, Cow<'a, [u8]>)>) {
    for entry in dir.entries() {
        match entry {
            DirEntry::Dir(sub) => collect(sub, prefix, out),
            DirEntry::File(file) => out.push((prefix.join(file.path()), file.contents().into())),
        }
    }
}

/// What `init` writes besides the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Starter {
    /// The example records and people, and the as-of date their states are shown at.
    Examples,
    /// Pages, templates and policy only (`init --no-examples`): no records, no people, no
    /// fixed as-of date and no example figures, and each page due for review a year after
    /// the day of `init`, so that the handbook checks without a warning until then.
    Bare,
}

/// The top-level keys of handbook.yaml that hold example values: left out of a bare
/// starter.
const EXAMPLE_KEYS: [&str; 2] = ["as_of", "metrics"];

/// How long a bare starter's pages stay current.
const REVIEW_DAYS: i64 = 365;

/// The review date of a bare starter's pages: [`REVIEW_DAYS`] after today, as a build
/// without `as_of` resolves today.
fn bare_review_by() -> Result<Date, Error> {
    let config = Config::load(&crate::diagnostics::SourceFile::new(
        "handbook.yaml",
        HANDBOOK_YAML,
    ))
    .map_err(|_| Error::Usage("the starter handbook.yaml does not load".into()))?;
    let epoch = std::env::var("SOURCE_DATE_EPOCH").ok();
    let today =
        date::resolve_as_of(None, None, epoch.as_deref(), config.timezone).map_err(Error::Usage)?;
    Ok(today.add_days(REVIEW_DAYS))
}

/// A page's text with the `review_by` of its front matter, if it has one, set to `date`.
fn with_review_by(text: &str, date: Date) -> String {
    let Some((front, _)) = crate::load::content::split_front_matter(text) else {
        return text.to_string();
    };
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if front.contains(&at) && line.starts_with("review_by:") {
            out.push_str(&format!("review_by: {date}\n"));
        } else {
            out.push_str(line);
        }
        at += line.len();
    }
    out
}

/// A new random (v4) UUID, the `id` of a new handbook: unique to it, so that its feeds,
/// calendar and OSCAL export share no identifier with another handbook's.
fn new_handbook_id() -> Result<Uuid, Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| {
        Error::Usage(format!(
            "the system gave no random bytes for the new handbook's id: {e}"
        ))
    })?;
    Ok(uuid::Builder::from_random_bytes(bytes).into_uuid())
}

/// The repository's handbook.yaml with `id` as its id, and a comment above `as_of` telling
/// the team to remove it once the example records are gone; for a bare starter, without
/// the [`EXAMPLE_KEYS`].
pub fn starter_handbook_yaml(id: Uuid, starter: Starter) -> String {
    let mut out = String::with_capacity(HANDBOOK_YAML.len() + AS_OF_COMMENT.len());
    let mut skipping = false;
    for line in HANDBOOK_YAML.split_inclusive('\n') {
        if !line.starts_with([' ', '#', '\n']) {
            skipping = starter == Starter::Bare
                && EXAMPLE_KEYS.iter().any(|key| {
                    line.strip_prefix(key)
                        .is_some_and(|rest| rest.starts_with(':'))
                });
        }
        if skipping {
            continue;
        }
        if line.starts_with("as_of:") {
            out.push_str(AS_OF_COMMENT);
        }
        if line.starts_with("id:") {
            out.push_str(&format!("id: {id}\n"));
        } else {
            out.push_str(line);
        }
    }
    out
}

/// Writes `.gitignore` with `public/`, or adds `public/` to the one already there.
fn add_gitignore(dir: &Path) -> Result<(), Error> {
    let path = dir.join(".gitignore");
    let existing = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::io(&path, e)),
    };
    if existing
        .lines()
        .any(|l| matches!(l.trim(), "public/" | "/public/" | "public" | "/public"))
    {
        return Ok(());
    }
    let mut text = existing;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str("# The built site: `secbook build` writes it; CI publishes it.\npublic/\n");
    fs::write(&path, text).map_err(|e| Error::io(&path, e))
}

/// The two kinds of record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    Exception,
    Incident,
}

impl RecordKind {
    /// The folder below data/.
    pub fn folder(self) -> &'static str {
        match self {
            RecordKind::Exception => "exceptions",
            RecordKind::Incident => "incidents",
        }
    }

    /// The prefix of the first id, when there is no record to follow.
    fn default_prefix(self) -> &'static str {
        match self {
            RecordKind::Exception => "EXC-",
            RecordKind::Incident => "INC-",
        }
    }
}

/// Writes a new record titled `title` with the next id, and returns its path relative to
/// the handbook (`data/exceptions/EXC-025.yaml`).
pub fn new_record(root: &Path, kind: RecordKind, title: &str) -> Result<String, Error> {
    let title = title.trim();
    if title.is_empty() {
        return Err(Error::Usage(
            "the title is empty: pass --title \"...\"".into(),
        ));
    }
    if title.contains(['\n', '\r']) {
        return Err(Error::Usage(
            "the title is one line: put the detail in `summary` instead".into(),
        ));
    }
    let today = today(root)?;
    let id = next_ids(root, kind, 1)
        .pop()
        .ok_or_else(|| Error::Usage("no free id".into()))?;
    let text = match kind {
        RecordKind::Exception => exception_template(&id, title, today),
        RecordKind::Incident => incident_template(&id, title, today),
    };
    let rel = format!("data/{}/{id}.yaml", kind.folder());
    write_new(root, &rel, &text)?;
    Ok(rel)
}

/// The date a new record is created on: the handbook's as-of date, as a build would
/// resolve it without `--as-of`.
pub fn today(root: &Path) -> Result<Date, Error> {
    let config = load_config(root)?;
    let epoch = std::env::var("SOURCE_DATE_EPOCH").ok();
    date::resolve_as_of(None, config.as_of, epoch.as_deref(), config.timezone).map_err(Error::Usage)
}

/// Reads handbook.yaml, for the timezone and the as-of date.
fn load_config(root: &Path) -> Result<Config, Error> {
    require_handbook(root)?;
    let file = source::read(root, "handbook.yaml", source::MAX_FILE_BYTES)
        .map_err(|d| Error::Invalid(vec![d]))?;
    Config::load(&file).map_err(Error::Invalid)
}

/// Refuses a folder that is not a handbook.
pub fn require_handbook(root: &Path) -> Result<(), Error> {
    if !root.join("handbook.yaml").is_file() {
        return Err(Error::Usage(format!(
            "{} is not a handbook: it has no handbook.yaml (run `secbook init` to start one)",
            root.display()
        )));
    }
    Ok(())
}

/// Writes `root/rel`, creating its folder, and refusing to replace a file already there.
pub fn write_new(root: &Path, rel: &str, text: &str) -> Result<(), Error> {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => Error::Usage(format!(
                "{} already exists; not replacing it",
                path.display()
            )),
            _ => Error::io(&path, e),
        })?;
    file.write_all(text.as_bytes())
        .map_err(|e| Error::io(&path, e))
}

/// The next `count` free ids of `kind`, following the pattern of the existing ids: the
/// most used prefix before the trailing number, and its zero padding (`EXC-024` is followed
/// by `EXC-025`). With no numbered id yet, `EXC-001` or `INC-001`.
pub fn next_ids(root: &Path, kind: RecordKind, count: usize) -> Vec<String> {
    let dir = root.join("data").join(kind.folder());
    let mut existing = Vec::new();
    if let Ok(entries) = fs::read_dir(&dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(stem) = name
                .strip_suffix(".yaml")
                .or_else(|| name.strip_suffix(".yml"))
            {
                existing.push(stem.to_string());
            }
        }
    }
    following(&existing, kind.default_prefix(), count)
}

/// The ids that follow `existing`; see [`next_ids`].
fn following(existing: &[String], default_prefix: &str, count: usize) -> Vec<String> {
    let taken: BTreeSet<String> = existing.iter().map(|id| id.to_lowercase()).collect();
    let numbered: Vec<(&str, u64, usize)> = existing
        .iter()
        .filter_map(|id| {
            let digits = id.len() - id.trim_end_matches(|c: char| c.is_ascii_digit()).len();
            let (prefix, number) = id.split_at(id.len() - digits);
            // More digits than that is not a counter, and counting on from it could
            // overflow (EXC-18446744073709551615).
            if digits > 18 {
                return None;
            }
            Some((prefix, number.parse::<u64>().ok()?, digits))
        })
        .collect();
    // The most used prefix; among equals, the one with the highest number.
    let best = numbered.iter().map(|(p, ..)| *p).max_by_key(|p| {
        let uses = numbered.iter().filter(|(q, ..)| q == p).count();
        let top = numbered
            .iter()
            .filter(|(q, ..)| q == p)
            .map(|(_, n, _)| *n)
            .max();
        (uses, top)
    });
    let (prefix, mut number, width) = match best {
        Some(prefix) => {
            let same = numbered.iter().filter(|(p, ..)| *p == prefix);
            let number = same.clone().map(|(_, n, _)| *n).max().unwrap_or(0);
            let width = same.map(|(.., w)| *w).max().unwrap_or(3);
            (prefix.to_string(), number, width)
        }
        None => (default_prefix.to_string(), 0, 3),
    };
    let mut ids = Vec::with_capacity(count);
    while ids.len() < count {
        number += 1;
        let id = format!("{prefix}{number:0width$}");
        if !taken.contains(&id.to_lowercase()) {
            ids.push(id);
        }
    }
    ids
}

fn exception_template(id: &str, title: &str, today: Date) -> String {
    format!(
        "\
# A new security exception. Replace every TODO marker: `secbook check` lists those left.
# The handbook page \"What an Exception Must Contain\" explains each field.
id: {id}
title: {title}
type: \"TODO: extension (delay the fix) or acceptance (accept the risk without a fix)\"
severity: \"TODO: critical, high, medium or low, as the vulnerability program ranked it\"
status: pending
requested_by: \"TODO: Name <email> of who asks\"
risk_owner: \"TODO: Name <email> of the accountable leader\"
created: {today}
summary: |
  TODO: the risk and its impact on the company, customers and employees.
justification: |
  TODO: why the exception is needed, and why the fix cannot happen in time.
remediation_plan: |
  TODO: the path to the fix, each step with an owner and a date (delete this field for an acceptance).
# Optional: assignee, tickets, assets, tags, pros, cons, description,
# compensating_controls, stakeholders, references, related. The program owner records
# first_review, decided, expires, approvals and renewals.
",
        title = yaml::scalar(title),
    )
}

fn incident_template(id: &str, title: &str, today: Date) -> String {
    format!(
        "\
# A new security incident. Replace every TODO marker: `secbook check` lists those left.
# The handbook pages \"Incident Working Document\" and \"Severity Levels\" explain the fields.
id: {id}
title: {title}
severity: \"TODO: sev1, sev2, sev3 or sev4, by the severity levels page\"
status: investigating
commander: \"TODO: Name <email> of the incident commander\"
source: \"TODO: who or what reported it (customer, employee, monitoring, bug bounty, third party)\"
reported: {today}
summary: |
  TODO: one paragraph an executive can follow.
# Add as they become known: category, started, detected, responded, contained, resolved,
# closed, description, impact, effort_hours, timeline, action_items, open_questions,
# stakeholders, tickets, channels, postmortem, related.
",
        title = yaml::scalar(title),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(existing: &[&str], count: usize) -> Vec<String> {
        let existing: Vec<String> = existing.iter().map(|s| s.to_string()).collect();
        following(&existing, "EXC-", count)
    }

    #[test]
    fn next_id_keeps_prefix_and_padding() {
        assert_eq!(
            ids(&["EXC-001", "EXC-024", "EXC-003"], 2),
            ["EXC-025", "EXC-026"]
        );
        assert_eq!(ids(&[], 1), ["EXC-001"]);
        assert_eq!(ids(&["SEC-0099"], 1), ["SEC-0100"]);
        assert_eq!(ids(&["EXC-999"], 1), ["EXC-1000"]);
        assert_eq!(
            ids(&["EXC-001", "EXC-18446744073709551615"], 1),
            ["EXC-002"]
        );
        assert_eq!(
            ids(&["EXC-999999999999999999"], 1),
            ["EXC-1000000000000000000"]
        );
        assert_eq!(ids(&["risk7"], 1), ["risk8"]);
        assert_eq!(ids(&["no-number"], 1), ["EXC-001"]);
    }

    #[test]
    fn next_id_follows_the_most_used_prefix_and_skips_taken_ids() {
        assert_eq!(ids(&["A-1", "A-2", "B-9"], 1), ["A-3"]);
        assert_eq!(ids(&["E-01", "E-02", "e-03"], 1), ["E-04"]);
    }

    #[test]
    fn the_starter_handbook_keeps_as_of_under_a_comment() {
        let text = starter_handbook_yaml(Uuid::nil(), Starter::Examples);
        let at = text.find("\nas_of:").expect("as_of is kept");
        assert!(text[..at].ends_with("so that states are computed against today."));
    }

    #[test]
    fn a_bare_starter_leaves_out_the_example_values_and_moves_only_front_matter() {
        let text = starter_handbook_yaml(new_handbook_id().unwrap(), Starter::Bare);
        let config = Config::load(&crate::diagnostics::SourceFile::new(
            "handbook.yaml",
            &*text,
        ))
        .unwrap();
        assert_eq!(config.as_of, None);
        assert!(!text.contains("open_risks"), "{text}");
        assert!(text.contains("\n  policy:\n"), "{text}");
        let day = Date::parse("2027-01-31").unwrap();
        assert_eq!(
            with_review_by(
                "---\ntitle: A\nreview_by: 2026-12-31\n---\nreview_by: 2020-01-01\n",
                day
            ),
            "---\ntitle: A\nreview_by: 2027-01-31\n---\nreview_by: 2020-01-01\n"
        );
    }

    #[test]
    fn the_starter_handbook_has_the_new_id_in_place_of_the_example_one() {
        let id = new_handbook_id().unwrap();
        assert_eq!(id.get_version_num(), 4);
        assert_ne!(id, new_handbook_id().unwrap());
        let text = starter_handbook_yaml(id, Starter::Examples);
        let config =
            Config::load(&crate::diagnostics::SourceFile::new("handbook.yaml", text)).unwrap();
        assert_eq!(config.id, Some(id));
        let example = Config::load(&crate::diagnostics::SourceFile::new(
            "handbook.yaml",
            HANDBOOK_YAML,
        ))
        .unwrap();
        assert!(
            example.id.is_some_and(|e| e != id),
            "the example has an id of its own"
        );
    }

    #[test]
    fn scalar_quotes_only_when_needed() {
        assert_eq!(
            yaml::scalar("Legacy TLS on the gateway"),
            "Legacy TLS on the gateway"
        );
        assert_eq!(yaml::scalar("TLS: old"), "'TLS: old'");
        assert_eq!(yaml::scalar("true"), "'true'");
    }
}
