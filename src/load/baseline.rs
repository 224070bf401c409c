//! The records as they were at a git revision, for the change findings of SPEC 6.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use crate::diagnostics::{Error, SourceFile};
use crate::load::yaml;
use crate::model::exception::Exception;

/// Reads data/exceptions/*.yaml at `rev` through the git command line. A record that did
/// not parse then is left out: there is nothing to compare it with.
pub fn load(root: &Path, rev: &str) -> Result<BTreeMap<String, Exception>, Error> {
    let commit = format!("{rev}^{{commit}}");
    if git(root, &["rev-parse", "--verify", "--quiet", &commit]).is_err() {
        return Err(Error::Usage(format!(
            "baseline revision `{rev}` is not in this repository; in a shallow clone, fetch it \
             first (git fetch --deepen=50, or --unshallow)"
        )));
    }
    let listing = git(root, &["ls-tree", "--name-only", rev, "./data/exceptions/"])?;
    let mut out = BTreeMap::new();
    for path in listing.lines().filter(|p| p.ends_with(".yaml")) {
        let name = path.rsplit('/').next().unwrap_or(path);
        let text = crate::load::source::strip_bom(git(
            root,
            &["show", &format!("{rev}:./data/exceptions/{name}")],
        )?);
        let file = SourceFile::new(format!("{rev}:data/exceptions/{name}"), text);
        if let Ok(old) = yaml::parse::<Exception>(&file, 0..file.text.len()) {
            out.insert(old.id.clone(), old);
        }
    }
    Ok(out)
}

fn git(root: &Path, args: &[&str]) -> Result<String, Error> {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .map_err(|e| Error::Usage(format!("cannot run git for --baseline: {e}")))?;
    if !output.status.success() {
        return Err(Error::Usage(format!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    String::from_utf8(output.stdout)
        .map_err(|_| Error::Usage("git printed text that is not UTF-8".into()))
}
