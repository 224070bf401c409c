//! `secbook new`: a new record with the next id; and what `import` writes records with
//! too: the date they are created on, their next ids, a file that must be new.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write;
use std::path::Path;

use crate::cli::Done;
use crate::diagnostics::Error;
use crate::load::config::Config;
use crate::load::disk::Disk;
use crate::load::source;
use crate::load::yaml;
use crate::model::date::{self, Date};
use crate::write::{output, sources};

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

/// `secbook new`: writes the record (see [`new_record`]) and prints its path on the
/// standard output, for a script or an editor to open.
pub fn run(root: &Path, kind: RecordKind, title: &str) -> Result<Done, Error> {
    let rel = new_record(root, kind, title)?;
    let path = match root == Path::new(".") {
        true => rel.clone(),
        false => root.join(&rel).display().to_string(),
    };
    // The record is written: a closed or full stdout does not make it a failure, which a
    // script would retry, writing a second record.
    let _ = writeln!(std::io::stdout(), "{path}");
    Ok(Done::said(format!(
        "wrote {rel}: replace its TODO markers; `secbook check` lists those left"
    )))
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
    // Refused as the loader refuses it, so that what `new` writes loads.
    if let Some((_, c)) = yaml::refused_in_text(title) {
        return Err(Error::Usage(format!(
            "the title holds {}, which a record may not hold: remove it",
            yaml::refused_name(c)
        )));
    }
    let today = today(&load_config(root)?)?;
    let _turn = take_turn(root)?;
    let guide = guide(root, kind);
    loop {
        let id = next_ids(root, kind, 1)
            .pop()
            .ok_or_else(|| Error::Usage("no free id".into()))?;
        let text = match kind {
            RecordKind::Exception => exception_template(&id, title, today, &guide),
            RecordKind::Incident => incident_template(&id, title, today, &guide),
        };
        let rel = format!("data/{}/{id}.yaml", kind.folder());
        if write_new(root, &rel, &text)? {
            return Ok(rel);
        }
        // Written since the ids were read, by what takes no turn (an editor, a checkout):
        // the next id, which counts it.
    }
}

/// Waits for any other command that adds records to the handbook at `root`, and holds it
/// off until the turn taken is dropped: each reads the ids (and `import` the titles and
/// tickets) that the one before wrote, so no two take one id or import one row.
pub fn take_turn(root: &Path) -> Result<output::Lock, Error> {
    output::lock(root, "data", "another command adding records to data/")
}

/// The date a new record is created on: the handbook's as-of date, as a build would
/// resolve it without `--as-of`.
pub fn today(config: &Config) -> Result<Date, Error> {
    let epoch = std::env::var("SOURCE_DATE_EPOCH").ok();
    date::resolve_as_of(None, config.as_of, epoch.as_deref(), config.timezone).map_err(Error::Usage)
}

/// Reads handbook.yaml, for the timezone, the as-of date and the limits.
pub fn load_config(root: &Path) -> Result<Config, Error> {
    crate::pipeline::check_root(root)?;
    let file = source::required_text(&Disk::new(root), "handbook.yaml", source::MAX_FILE_BYTES)
        .map_err(|d| Error::Invalid(vec![d]))?;
    Config::load(&file).map_err(Error::Invalid)
}

/// Writes `root/rel`, creating its folder, unless something is there already (`Ok(false)`),
/// or a link leads the folder out of the handbook.
pub fn write_new(root: &Path, rel: &str, text: &str) -> Result<bool, Error> {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        sources::refuse_outside(root, parent)?;
        sources::make_folder(parent)?;
    }
    sources::create(&path, text.as_bytes())
}

/// The next `count` free ids of `kind`, following the pattern of the existing ids: the
/// most used prefix before the trailing number, the newest where it holds a year
/// (`IR-2026-` after `IR-2025-`), and its zero padding (`EXC-024` is followed by
/// `EXC-025`). With no numbered id yet, `EXC-001` or `INC-001`.
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
    let numbered: Vec<(&str, u128, usize)> = existing
        .iter()
        .filter_map(|id| {
            let digits = id.len() - id.trim_end_matches(|c: char| c.is_ascii_digit()).len();
            let (prefix, number) = id.split_at(id.len() - digits);
            // More digits than that is not a counter, and counting on from it could
            // overflow; 38 nines and one more still fit.
            if digits > 38 {
                return None;
            }
            Some((prefix, number.parse::<u128>().ok()?, digits))
        })
        .collect();
    // The most used shape of prefix, its digits aside (`IR-2025-` and `IR-2026-` are one),
    // among equals the one with the highest number; then, of that shape, the prefix that
    // sorts last: the newest year's.
    // Each shape once, in one pass: how many ids have it, their highest number, and the
    // prefix of that shape that sorts last.
    let mut shapes: BTreeMap<String, (usize, u128, &str)> = BTreeMap::new();
    for &(prefix, number, _) in &numbered {
        let shape = prefix
            .chars()
            .map(|c| if c.is_ascii_digit() { '0' } else { c })
            .collect();
        let seen = shapes.entry(shape).or_insert((0, 0, prefix));
        *seen = (seen.0 + 1, seen.1.max(number), seen.2.max(prefix));
    }
    let best = (shapes.into_values())
        .max_by_key(|&(uses, top, _)| (uses, top))
        .map(|(.., prefix)| prefix);
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

/// The comment that names the starter pages (`init`'s) that explain a record's fields,
/// those of them the handbook has: a handbook of its own pages may have none.
fn guide(root: &Path, kind: RecordKind) -> String {
    let pages: &[&str] = match kind {
        RecordKind::Exception => &["content/exceptions/contents.md"],
        RecordKind::Incident => &[
            "content/incident-response/working-document.md",
            "content/incident-response/severity-levels.md",
        ],
    };
    let there: Vec<&str> = (pages.iter().copied())
        .filter(|page| root.join(page).is_file())
        .collect();
    match there.as_slice() {
        [] => String::new(),
        [one] => format!("# {one} explains the fields.\n"),
        many => format!("# {} explain the fields.\n", many.join(" and ")),
    }
}

fn exception_template(id: &str, title: &str, today: Date, guide: &str) -> String {
    format!(
        "\
# A new security exception. Replace every TODO marker: `secbook check` lists those left.
{guide}id: {id}
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

fn incident_template(id: &str, title: &str, today: Date, guide: &str) -> String {
    format!(
        "\
# A new security incident. Replace every TODO marker: `secbook check` lists those left.
{guide}id: {id}
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
            ["EXC-18446744073709551616"]
        );
        let nines = format!("EXC-{}", "9".repeat(38));
        assert_eq!(
            ids(&["EXC-001", &nines], 1),
            [format!("EXC-1{}", "0".repeat(38))]
        );
        assert_eq!(ids(&["EXC-001", &format!("{nines}9")], 1), ["EXC-002"]);
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
        // A year in the id: the newest year's counter goes on, though an older year has
        // more ids.
        let mut years: Vec<String> = (11..20).map(|n| format!("IR-2025-{n:03}")).collect();
        years.extend((1..7).map(|n| format!("IR-2026-{n:03}")));
        let years: Vec<&str> = years.iter().map(String::as_str).collect();
        assert_eq!(ids(&years, 2), ["IR-2026-007", "IR-2026-008"]);
        assert_eq!(ids(&["IR-2025-019", "A-1", "A-2"], 1), ["A-3"]);
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
