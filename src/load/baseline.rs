//! The records as they were at a git revision, for the change findings of SPEC 6.

use std::collections::BTreeMap;
use std::path::Path;

use crate::diagnostics::Error;
use crate::load::git::{Repo, Revision, Unavailable};
use crate::load::records;
use crate::model::exception::Exception;

/// The exceptions at `rev`, by id, read by the loader that reads the handbook's own
/// (through [`Revision`]). A record that did not load then is left out, and its errors
/// are not this build's: there is nothing to compare it with.
pub fn load(
    root: Option<&Path>,
    rev: &str,
    max_bytes: u64,
) -> Result<BTreeMap<String, Exception>, Error> {
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
        return Err(Error::Usage(match repo.kind_of(rev) {
            Some(kind) => format!("baseline revision `{rev}` names a {kind}, not a commit"),
            None if shallow => format!(
                "baseline revision `{rev}` is not in this shallow clone: if it names an \
                 older commit, fetch it first (git fetch --deepen=50, or --unshallow)"
            ),
            None => format!("baseline revision `{rev}` is not in this repository"),
        }));
    };
    let revision = Revision::open(&mut repo, commit, rev, &["data/exceptions"], max_bytes)?;
    let (exceptions, _) = records::load_exceptions(&revision, max_bytes);
    Ok(exceptions
        .into_iter()
        .map(|e| (e.record.id.clone(), e.record))
        .collect())
}
