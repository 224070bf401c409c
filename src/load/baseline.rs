//! The records as they were at a git revision, for the change findings of SPEC 6.

use std::collections::BTreeMap;
use std::path::Path;

use crate::diagnostics::{Error, SourceFile};
use crate::load::git::{Repo, Unavailable};
use crate::load::yaml;
use crate::model::exception::Exception;

/// Reads data/exceptions/*.yaml at `rev` from git's object database. A record that did
/// not parse then is left out: there is nothing to compare it with.
pub fn load(root: &Path, rev: &str, max_bytes: u64) -> Result<BTreeMap<String, Exception>, Error> {
    let missing = || {
        Error::Usage(format!(
            "baseline revision `{rev}` is not in this repository; in a shallow clone, fetch it \
             first (git fetch --deepen=50, or --unshallow)"
        ))
    };
    // A shallow clone may still hold the baseline: only a revision it lacks is refused.
    let mut repo = match Repo::discover(root)? {
        Ok(repo) => repo,
        Err(Unavailable::Shallow(repo)) => *repo,
        Err(Unavailable::NotGit) => {
            return Err(Error::Usage(format!(
                "--baseline compares with a git revision, and {} is not in a git repository",
                root.display()
            )));
        }
    };
    let commit = repo.resolve(rev).ok_or_else(missing)?;
    let mut out = BTreeMap::new();
    for (name, blob) in repo.files_at(commit, "data/exceptions")? {
        if !name.ends_with(".yaml") {
            continue;
        }
        let Ok(text) = repo.text(&blob, max_bytes)? else {
            continue;
        };
        let text = crate::load::source::strip_bom(text);
        let file = SourceFile::new(format!("{rev}:data/exceptions/{name}"), text);
        if let Ok(old) = yaml::parse::<Exception>(&file, 0..file.text.len()) {
            out.insert(old.id.clone(), old);
        }
    }
    Ok(out)
}
