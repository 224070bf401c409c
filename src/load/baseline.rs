//! The records as they were at a git revision, for the change findings of SPEC 6.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

use crate::diagnostics::{Diagnostic, Error};
use crate::load::git::{Repo, Revision, Unavailable};
use crate::load::records::{self, Shared};
use crate::load::yaml::Seg;
use crate::model::exception::Exception;
use crate::model::history::renamed;

/// The exceptions at a baseline revision.
pub struct Baseline {
    rev: String,
    /// Those that loaded, by id.
    exceptions: BTreeMap<String, Exception>,
    /// The ids of those whose file did not load (by its name): there is nothing to compare
    /// them with, but they were there, and no other record was renamed to them.
    unloaded: BTreeSet<String>,
}

impl Baseline {
    /// What a build is told of the comparison it cannot make: each of `now` whose file
    /// did not load at the revision, and a revision with no exception at all (the
    /// handbook's folder moved or made since) where `now` has some to compare.
    pub fn warnings(&self, now: &[Shared<Exception>]) -> Vec<Diagnostic> {
        let rev = &self.rev;
        if self.exceptions.is_empty() && self.unloaded.is_empty() && !now.is_empty() {
            return vec![
                Diagnostic::warning(format!(
                    "the baseline revision `{rev}` holds no exception of this handbook \
                     (data/exceptions/ in its folder then), so no record is compared with it"
                ))
                .with_hint("if the handbook's folder moved since, name a revision after the move"),
            ];
        }
        (now.iter())
            .filter(|e| self.unloaded.contains(&e.record.id))
            .map(|e| {
                Diagnostic::warning(format!(
                    "{} is not compared with the baseline revision `{rev}`: its file did not \
                     load there, so a change of its severity or expiry since is not checked",
                    e.record.id
                ))
                .at(&e.source, e.span(&[Seg::Key("id")]))
            })
            .collect()
    }
}

/// The exceptions at `rev`, read by the loader that reads the handbook's own (through
/// [`Revision`]). A record that did not load then is not compared, and its errors are not
/// this build's.
pub fn load(root: Option<&Path>, rev: &str, max_bytes: u64) -> Result<Baseline, Error> {
    let Some(root) = root else {
        return Err(Error::Usage(
            "--baseline compares with a git revision, and the handbook is not a folder on disk, \
             which git could hold"
                .into(),
        ));
    };
    // A shallow clone may still hold the baseline: only a revision it lacks is refused.
    let (mut repo, shallow) = match Repo::discover(root)? {
        Ok(repo) => (repo, false),
        Err(Unavailable::Shallow(repo)) => (*repo, true),
        Err(Unavailable::Format(why)) => {
            return Err(Error::Usage(format!(
                "--baseline compares with a git revision, and secbook cannot read the \
                 repository that holds {}: {why}",
                root.display()
            )));
        }
        Err(Unavailable::NotGit) => {
            return Err(Error::Usage(format!(
                "--baseline compares with a git revision, and {} is not in a git repository",
                root.display()
            )));
        }
    };
    let Some(commit) = repo.resolve(rev) else {
        let unborn = matches!(repo.head(), Ok(None));
        return Err(Error::Usage(match repo.kind_of(rev) {
            Some(kind) => format!("baseline revision `{rev}` names a {kind}, not a commit"),
            None if unborn => format!(
                "baseline revision `{rev}` is not there: the repository has no commit yet, \
                 so there is nothing to compare with; commit the handbook first"
            ),
            None if shallow => format!(
                "baseline revision `{rev}` is not in this shallow clone: if it names an \
                 older commit, fetch it first (git fetch --deepen=50, or --unshallow)"
            ),
            None => format!("baseline revision `{rev}` is not in this repository"),
        }));
    };
    let revision = Revision::open(&mut repo, commit, rev, &["data/exceptions"], max_bytes)?;
    let (exceptions, unloaded) = records::load_exceptions(&revision, max_bytes);
    Ok(Baseline {
        rev: rev.to_string(),
        exceptions: (exceptions.into_iter())
            .map(|e| (e.record.id.clone(), e.record))
            .collect(),
        unloaded,
    })
}

/// The exceptions of `baseline` by id, each that `now` no longer holds under its id, but
/// under another that a rename gave it ([`renamed`]), under the id it has now: a record
/// renamed since the baseline (`git mv` to a new id) is compared with what it was, so
/// that the rename does not hide a severity lowered in the same change. Only records that
/// share a title or a summary are compared, and only those the baseline did not hold
/// under their own id, loaded or not.
pub fn follow_renames(
    baseline: Baseline,
    now: &[Shared<Exception>],
) -> BTreeMap<String, Exception> {
    let Baseline {
        exceptions: mut baseline,
        unloaded,
        ..
    } = baseline;
    let fields = |e: &Exception| match serde_json::to_value(e) {
        Ok(serde_json::Value::Object(fields)) => fields,
        _ => serde_json::Map::new(),
    };
    let held: HashSet<&str> = now.iter().map(|e| e.record.id.as_str()).collect();
    let gone: Vec<(&Exception, serde_json::Map<String, serde_json::Value>)> = baseline
        .values()
        .filter(|e| !held.contains(e.id.as_str()))
        .map(|e| (e, fields(e)))
        .collect();
    let mut by_text: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, (e, _)) in gone.iter().enumerate() {
        by_text.entry(&e.title).or_default().push(i);
        by_text.entry(&e.summary).or_default().push(i);
    }
    let mut taken = vec![false; gone.len()];
    let mut moved = Vec::new();
    for e in now.iter().map(|e| &e.record) {
        if by_text.is_empty() || baseline.contains_key(&e.id) || unloaded.contains(&e.id) {
            continue;
        }
        let made = fields(e);
        let candidates = [&e.title, &e.summary]
            .into_iter()
            .filter_map(|text| by_text.get(text.as_str()))
            .flatten();
        // Each shares its title or its summary, by which it was found.
        let found = candidates.copied().filter(|&i| !taken[i]).find(|&i| {
            let alike = made
                .iter()
                .filter(|(k, v)| gone[i].1.get(*k) == Some(*v))
                .count();
            renamed(false, true, alike, made.len())
        });
        if let Some(i) = found {
            taken[i] = true;
            moved.push((gone[i].0.id.clone(), e.id.clone()));
        }
    }
    for (was, is) in moved {
        if let Some(old) = baseline.remove(&was) {
            baseline.insert(is, old);
        }
    }
    baseline
}
