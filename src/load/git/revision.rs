//! The handbook at a git revision as a [`Source`], so that a record at a revision is read
//! by the loader that reads it from disk: the same walk, hidden names, decoding, size limit
//! and parsing (`--baseline`).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use gix::ObjectId;
use gix::objs::tree::EntryKind;
use gix::objs::{Kind, TreeRefIter};

use super::{MAX_OBJECT_BYTES, Paths, Repo};
use crate::diagnostics::{Diagnostic, Error};
use crate::load::source::{Hidden, Source, Walk, holds_folder, too_large, walk_paths};

/// Some of the handbook's folders as a commit holds them. Their files are read when the
/// revision is opened, since gix's handles and the packs' caches stay on one thread and
/// the loader reads on many; a file over the size limit is listed but not read.
pub struct Revision {
    /// The revision as the user named it, which diagnostics name files by (`REV:path`).
    rev: String,
    /// Each file below the folders read, by its path below the handbook's folder; `None`
    /// for one over the limit.
    files: BTreeMap<String, Option<Vec<u8>>>,
    /// Entries that are not files to read (links, submodules, names that are not UTF-8),
    /// each with why, by their path.
    refused: Vec<(String, Diagnostic)>,
}

impl Revision {
    /// The `folders` of the handbook (`data/exceptions`; `""` for the whole handbook) at
    /// `commit`, which the user named `rev`, reading files of at most `max_bytes`.
    pub fn open(
        repo: &mut Repo,
        commit: ObjectId,
        rev: &str,
        folders: &[&str],
        max_bytes: u64,
    ) -> Result<Revision, Error> {
        let mut revision = Revision {
            rev: rev.to_string(),
            files: BTreeMap::new(),
            refused: Vec::new(),
        };
        let root = repo.commit(&commit)?.0;
        let paths = Paths::new(&repo.prefix, folders);
        let trees = repo.folder_ids(root, &paths, &mut HashMap::default())?;
        for (folder, tree) in folders.iter().zip(trees) {
            if let Some(tree) = tree {
                revision.read_tree(repo, tree, folder, max_bytes)?;
            }
        }
        Ok(revision)
    }

    /// Reads the tree `tree`, which is the handbook's folder `path`.
    fn read_tree(
        &mut self,
        repo: &mut Repo,
        tree: ObjectId,
        path: &str,
        max_bytes: u64,
    ) -> Result<(), Error> {
        let raw = repo.object(&tree, Kind::Tree, MAX_OBJECT_BYTES, "a folder")?;
        let entries: Vec<_> = TreeRefIter::from_bytes(&raw, repo.hash)
            .map(|e| e.map(|e| (e.filename.to_vec(), e.mode.kind(), e.oid.to_owned())))
            .collect::<Result<_, _>>()
            .map_err(|e| super::failed("a folder", e))?;
        for (name, kind, id) in entries {
            let Ok(name) = String::from_utf8(name.clone()) else {
                let path = format!("{path}/{}", name.escape_ascii())
                    .trim_start_matches('/')
                    .to_string();
                let why = format!("{} is not read: its name is not UTF-8", self.shown(&path));
                self.refused.push((path, Diagnostic::error(why)));
                continue;
            };
            let path = match path {
                "" => name,
                _ => format!("{path}/{name}"),
            };
            match kind {
                EntryKind::Tree => self.read_tree(repo, id, &path, max_bytes)?,
                EntryKind::Blob | EntryKind::BlobExecutable => {
                    let bytes = repo.bytes(&id, max_bytes)?;
                    self.files.insert(path, bytes);
                }
                EntryKind::Link | EntryKind::Commit => {
                    let what = match kind {
                        EntryKind::Link => "a symbolic link",
                        _ => "a submodule",
                    };
                    let why = Diagnostic::error(format!(
                        "{} is not read: it is {what}, which a revision's files do not follow",
                        self.shown(&path)
                    ));
                    self.refused.push((path, why));
                }
            }
        }
        Ok(())
    }
}

impl Source for Revision {
    fn walk(&self, folder: &str, hidden: Hidden) -> Walk {
        let mut walk = walk_paths(folder, hidden, self.files.keys().map(String::as_str));
        let below = format!("{folder}/");
        walk.diags.extend(
            self.refused
                .iter()
                .filter(|(path, _)| path.starts_with(&below))
                .map(|(_, d)| d.clone()),
        );
        walk
    }

    fn read(&self, name: &str, max_bytes: u64) -> Result<Option<Vec<u8>>, Diagnostic> {
        match self.files.get(name) {
            Some(Some(bytes)) if bytes.len() as u64 <= max_bytes => Ok(Some(bytes.clone())),
            Some(_) => Err(too_large(&self.shown(name), max_bytes)),
            None => Ok(None),
        }
    }

    fn is_folder(&self, name: &str) -> bool {
        holds_folder(&self.files, name)
    }

    fn shown<'a>(&self, name: &'a str) -> Cow<'a, str> {
        Cow::Owned(format!("{}:{name}", self.rev))
    }
}
