//! The commits that changed the record files, and each version of those files, read from
//! git's object database (SPEC 14). What they show is derived in `derive::history`.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use gix::ObjectId;
use rayon::prelude::*;
use serde_yaml::{Mapping, Value};

use super::config::Config;
use super::git::{Log, Repo, Unavailable};
use super::records::Records;
use super::yaml::{self, Seg};
use crate::diagnostics::{Diagnostic, SourceFile};

/// The record folders whose files have a history, in the order [`super::git::Change::folder`]
/// counts them.
pub const FOLDERS: [&str; 2] = ["data/exceptions", "data/incidents"];

/// A version of a record file: its top-level fields, or why they cannot be read.
pub type Version = Result<Mapping, String>;

/// The commits that changed the records' files, and every version of those files.
pub struct Changes {
    pub log: Log,
    pub versions: HashMap<ObjectId, Version>,
}

/// Reads the commits that changed the files of `records` from the git repository that
/// holds `root`. Without one, or in a shallow clone, there is no history: one warning says
/// why, at the `history` setting of handbook.yaml (`config_file`) when it is there.
pub fn load(
    root: &Path,
    config: &Config,
    config_file: &Arc<SourceFile>,
    records: &Records,
) -> (Option<Changes>, Option<Diagnostic>) {
    let without = |message: String, hint: &str| {
        let span = yaml::locate(
            &config_file.text,
            &[Seg::Key("history"), Seg::Key("enabled")],
        )
        .map(|p| p.value);
        let d = Diagnostic::warning(format!("{message}: building without history"))
            .with_hint(hint.to_string());
        (
            None,
            Some(if let Some(span) = span {
                d.at(config_file, span)
            } else {
                d
            }),
        )
    };
    let repo = match Repo::discover(root) {
        Ok(Ok(repo)) => repo,
        Ok(Err(Unavailable::NotGit)) => {
            return without(
                format!(
                    "history is on, but {} is not in a git repository",
                    root.display()
                ),
                "commit the handbook to git, or turn history off (`history.enabled: false`, no `--history`)",
            );
        }
        Ok(Err(Unavailable::Shallow(_))) => {
            return without(
                format!(
                    "history is on, but {} is in a shallow clone, whose older commits are missing",
                    root.display()
                ),
                "fetch the whole history first: `git fetch --unshallow` (in GitHub Actions, \
                 `actions/checkout` with `fetch-depth: 0`)",
            );
        }
        Err(e) => {
            return without(
                e.to_string(),
                "check that the repository is readable with `git log`",
            );
        }
    };
    match read(&repo, config, records) {
        Ok(changes) => (Some(changes), None),
        Err(e) => without(
            e.to_string(),
            "check that the repository is readable with `git log`",
        ),
    }
}

/// The record files' names in their folders, as [`super::git::Change`]s name them: the
/// exceptions', then the incidents'.
pub fn file_names(records: &Records) -> [Vec<&str>; 2] {
    fn name(file: &str) -> &str {
        file.rsplit('/').next().unwrap_or(file)
    }
    [
        records
            .exceptions
            .iter()
            .map(|e| name(&e.source.name))
            .collect(),
        records
            .incidents
            .iter()
            .map(|i| name(&i.source.name))
            .collect(),
    ]
}

fn read(
    repo: &Repo,
    config: &Config,
    records: &Records,
) -> Result<Changes, crate::diagnostics::Error> {
    let log = repo.log(&FOLDERS)?;
    let wanted: [HashSet<&str>; 2] = file_names(records).map(|names| names.into_iter().collect());
    // git's object database is read from one thread; the versions are parsed in parallel.
    let max_bytes = config.limits.max_file_bytes();
    let mut names: HashMap<ObjectId, &str> = HashMap::new();
    for change in &log.changes {
        if let Some(name) = wanted[change.folder].get(change.name.as_str()) {
            for id in [change.old, change.new].into_iter().flatten() {
                names.entry(id).or_insert(name);
            }
        }
    }
    let mut ids: Vec<ObjectId> = names.keys().copied().collect();
    repo.sort_for_reading(&mut ids);
    let mut texts = Vec::with_capacity(ids.len());
    for id in ids {
        texts.push((id, names[&id], repo.text(&id, max_bytes)?));
    }
    let versions = texts
        .into_par_iter()
        .map(|(id, name, text)| (id, parse(name, text)))
        .collect();
    Ok(Changes { log, versions })
}

/// One version of a record file, read through the same refusals as the handbook's own
/// files (size, aliases, nesting), as a mapping of its fields.
fn parse(name: &str, text: Result<String, String>) -> Version {
    let text = match text {
        Ok(text) => super::source::strip_bom(text),
        Err(why) => return Err(format!("the file then could not be read: {why}")),
    };
    let file = SourceFile::new(name, text);
    match yaml::parse::<Value>(&file, 0..file.text.len()) {
        Ok(Value::Mapping(m)) => Ok(m),
        Ok(_) => Err("the file then was not a mapping of fields".into()),
        Err(d) => Err(format!("the file then did not parse: {}", d.message)),
    }
}
