//! What `serve` keeps of the files it loaded, pages and records alike: each file's result
//! with the file's size and modification time, so that a rebuild reads and parses again
//! only the files that changed.

use std::collections::HashSet;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use crate::diagnostics::SourceFile;

/// How coarse a file system's modification times may be.
const TICK: Duration = Duration::from_secs(2);

/// A file's size and modification time, and what else its result depends on (the options
/// it was read with, hashed).
#[derive(Clone, Copy, PartialEq)]
pub struct Stamp {
    len: u64,
    modified: SystemTime,
    options: u64,
}

/// Files by path, each with its stamp and what loading it gave; a rebuild of a large
/// register looks up and keeps 25,000.
type Files<T> = ahash::HashMap<String, (Stamp, T)>;

/// Files as last loaded.
pub struct Kept<T> {
    files: Files<T>,
    /// When the kept load started. A file modified shortly before it might have changed
    /// again within the same tick of the file system's clock, so it is read again (as git
    /// does with "racily clean" files).
    loaded_at: Option<SystemTime>,
}

impl<T> Default for Kept<T> {
    fn default() -> Self {
        Kept {
            files: Files::default(),
            loaded_at: None,
        }
    }
}

/// One load's view of what an earlier one kept: which files to take as they were.
pub struct Probe<'a, T> {
    /// The kept files, and the time before which a kept file's stamp is settled.
    kept: Option<(&'a Files<T>, SystemTime)>,
    /// Whether this load keeps its results (`serve`): only then are files stamped.
    keeping: bool,
    /// The files below the folder changed since, by their path below it, when a file
    /// watcher tells: the others are not looked at.
    changed: Option<HashSet<String>>,
    /// The folder the paths are below, on disk.
    dir: Option<&'a Path>,
    options: u64,
}

impl<T: Clone> Probe<'_, T> {
    /// The stamp of the file at `rel` (below the folder), and what loading it gave last
    /// time when it is unchanged since. A file reached through a symbolic link (`linked`)
    /// changes under another path than the watcher reports, so it is always looked at.
    pub fn look(&self, rel: &str, linked: bool) -> (Option<Stamp>, Option<T>) {
        let settled = self
            .kept
            .and_then(|(files, settled)| files.get(rel).filter(|(was, _)| was.modified < settled));
        let unchanged = !linked && self.changed.as_ref().is_some_and(|c| !c.contains(rel));
        let stamp = match settled {
            Some((was, _)) if unchanged => Some(Stamp {
                options: self.options,
                ..*was
            }),
            _ => self.keeping.then(|| self.stamp(rel)).flatten(),
        };
        let hit = settled
            .filter(|(was, _)| Some(*was) == stamp)
            .map(|(_, result)| result.clone());
        (stamp, hit)
    }

    fn stamp(&self, rel: &str) -> Option<Stamp> {
        let meta = std::fs::metadata(self.dir?.join(rel)).ok()?;
        Some(Stamp {
            len: meta.len(),
            modified: meta.modified().ok()?,
            options: self.options,
        })
    }
}

impl<T> Kept<T> {
    /// What a load of the files below `dir`, read with `options`, may take from `kept`,
    /// given the `changes` a watcher reported; `kept` is `None` for a load that keeps
    /// nothing.
    pub fn probe<'a>(
        kept: Option<&'a Self>,
        changes: Option<&'a HashSet<PathBuf>>,
        dir: Option<&'a Path>,
        options: u64,
    ) -> Probe<'a, T> {
        // Each file is looked up by the path the walk gave it, rather than joined to the
        // folder: a rebuild of a large register looks up tens of thousands.
        let changed = changes.zip(dir).map(|(changes, dir)| {
            changes
                .iter()
                .filter_map(|p| super::disk::relative(dir, p))
                .collect()
        });
        Probe {
            kept: kept.and_then(|k| Some((&k.files, k.loaded_at?.checked_sub(TICK)?))),
            keeping: kept.is_some(),
            changed,
            dir,
            options,
        }
    }

    /// Keeps the results of a load that started at `started`, in place of the last: each
    /// file's with the stamp [`Probe::look`] gave it, those without one left out. A file
    /// whose result was `taken` from the last load is kept as it was: only the others are
    /// put in, so that the map of a large register's 25,000 files is not made again.
    pub fn keep<'a>(
        &mut self,
        started: SystemTime,
        files: impl Iterator<Item = (&'a str, Option<Stamp>, T, bool)>,
    ) {
        self.loaded_at = Some(started);
        let mut names = Vec::new();
        for (rel, stamp, t, taken) in files {
            if stamp.is_some() {
                names.push(rel);
            }
            match stamp {
                _ if taken => {}
                Some(stamp) => match self.files.get_mut(rel) {
                    Some(kept) => *kept = (stamp, t),
                    None => {
                        self.files.insert(rel.to_owned(), (stamp, t));
                    }
                },
                None => {
                    self.files.remove(rel);
                }
            }
        }
        // The files now hold every stamped file of this load: no other when as many.
        if self.files.len() != names.len() {
            let names: HashSet<&str> = names.into_iter().collect();
            self.files.retain(|rel, _| names.contains(rel.as_str()));
        }
    }
}

/// Whether the listing of the folder `dir` made by the last load still holds, given the
/// `changes` a file watcher reported: each changed path a file it `listed` that is still a
/// file, or a path the walk did not see that is gone again. An editor that saves through
/// a temporary file renamed over the record (vim, sed -i, most IDEs) reports a file that
/// came and went, which leaves the folder as it was. A change to a path the walk saw but
/// did not list (`unlisted`: a copied file, which the listing holds as it was) lists the
/// folder again, and so does any path when the walk `reported` entries, which a change
/// may have mended. Through a symbolic link a change shows under another path, so a
/// listing with a file reached through one (`linked`) is made again. The paths are looked
/// up in sets: a checkout may change thousands of files at once.
pub fn listing_holds<'a>(
    dir: Option<&Path>,
    changes: Option<&HashSet<PathBuf>>,
    linked: bool,
    listed: impl Iterator<Item = &'a str>,
    unlisted: impl Iterator<Item = &'a str>,
    reported: bool,
) -> bool {
    let (Some(dir), Some(changes)) = (dir, changes) else {
        return false;
    };
    if linked {
        return false;
    }
    let mut inside = changes.iter().filter(|p| p.starts_with(dir)).peekable();
    if inside.peek().is_none() {
        return true;
    }
    let listed: HashSet<&str> = listed.collect();
    let unlisted: HashSet<&str> = unlisted.collect();
    inside.all(|p| {
        let Some(rel) = super::disk::relative(dir, p) else {
            return false;
        };
        match (
            listed.contains(rel.as_str()),
            unlisted.contains(rel.as_str()),
        ) {
            (true, _) => p.is_file(),
            (false, true) => false,
            (false, false) => !reported && p.symlink_metadata().is_err(),
        }
    })
}

/// What a build made from each record file (its findings, the checks of its links), with
/// a hash of all that went into it: `serve` keeps it, so that a rebuild makes again only
/// what comes from a file, or from other inputs, that changed.
pub struct PerFile<T> {
    kept: Mutex<Made<T>>,
    last: Mutex<Last<T>>,
}

/// The files the last build made from, in order, as the very values it read, with the hash
/// of what else it read and all it made: a rebuild after a page edit reads the same records,
/// and takes all it made without looking up each file.
struct Last<T> {
    shared: u64,
    sources: Vec<Arc<SourceFile>>,
    items: Vec<T>,
}

/// What was made from each file, by the file's name, with the hash of its inputs.
pub type Made<T> = ahash::HashMap<String, (u64, Arc<Vec<T>>)>;

/// What was made from one file, with the hash of its inputs.
pub struct FromFile<'a, T> {
    source: &'a Arc<SourceFile>,
    hash: u64,
    items: Arc<Vec<T>>,
    /// Whether it was made again, rather than taken from what the last build kept.
    made: bool,
}

impl<T> Default for PerFile<T> {
    fn default() -> Self {
        PerFile {
            kept: Mutex::new(Made::default()),
            last: Mutex::new(Last {
                shared: 0,
                sources: Vec::new(),
                items: Vec::new(),
            }),
        }
    }
}

impl<T: Clone> PerFile<T> {
    /// All the last build made, when it made it from these very `sources` (the same
    /// values, not only the same text, in this order), all else it read hashing to `shared`.
    pub fn unchanged<'a>(
        &self,
        shared: u64,
        mut sources: impl Iterator<Item = &'a Arc<SourceFile>>,
    ) -> Option<Vec<T>> {
        let last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        let mut kept = last.sources.iter();
        let same = last.shared == shared
            && sources.all(|s| kept.next().is_some_and(|k| Arc::ptr_eq(s, k)))
            && kept.next().is_none();
        same.then(|| last.items.clone())
    }

    /// What the last build made, for this one to look in.
    pub fn take(&self) -> Made<T> {
        std::mem::take(&mut *self.kept.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Keeps what this build made in `was`, what the last build made (from
    /// [`PerFile::take`]), in place of it, and gives back all of it, file after file. Only
    /// what was made again is put in: the map, of some 25,000 files on a large register, is
    /// made again only when files came or went.
    pub fn keep(&self, shared: u64, mut was: Made<T>, made: Vec<FromFile<'_, T>>) -> Vec<T> {
        let items: Vec<T> = made.iter().flat_map(|m| m.items.iter().cloned()).collect();
        *self.last.lock().unwrap_or_else(PoisonError::into_inner) = Last {
            shared,
            sources: made.iter().map(|m| Arc::clone(m.source)).collect(),
            items: items.clone(),
        };
        for m in made.iter().filter(|m| m.made) {
            let entry = (m.hash, Arc::clone(&m.items));
            match was.get_mut(&m.source.name) {
                Some(kept) => *kept = entry,
                None => {
                    was.insert(m.source.name.clone(), entry);
                }
            }
        }
        // `was` now holds every file of this build: it holds no other when it is as large.
        if was.len() != made.len() {
            was = made
                .into_iter()
                .map(|m| (m.source.name.clone(), (m.hash, m.items)))
                .collect();
        }
        *self.kept.lock().unwrap_or_else(PoisonError::into_inner) = was;
        items
    }
}

impl<'a, T> FromFile<'a, T> {
    /// What `make` makes from `source`, all else it reads hashing to `shared`; or what
    /// `was` made from the file when its text and `shared` were as they are.
    pub fn make(
        was: &Made<T>,
        source: &'a Arc<SourceFile>,
        shared: u64,
        make: impl FnOnce() -> Vec<T>,
    ) -> FromFile<'a, T> {
        let mut hasher = DefaultHasher::new();
        (shared, source.hash()).hash(&mut hasher);
        let hash = hasher.finish();
        let kept = was.get(&source.name).filter(|(was, _)| *was == hash);
        FromFile {
            source,
            hash,
            items: kept.map_or_else(|| Arc::new(make()), |(_, items)| Arc::clone(items)),
            made: kept.is_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_holds_while_the_changed_paths_are_its_files_or_gone() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("EXC-1.yaml"), "id: EXC-1").unwrap();
        std::fs::create_dir(root.join("sub")).unwrap();
        std::fs::write(root.join(".EXC-1.yaml.swp"), "").unwrap();
        let holds = |changed: &[&str], reported: bool| {
            let changes: HashSet<PathBuf> = changed.iter().map(|c| root.join(c)).collect();
            let listed = ["EXC-1.yaml"].into_iter();
            let unlisted = ["figure.png"].into_iter();
            listing_holds(
                Some(root),
                Some(&changes),
                false,
                listed,
                unlisted,
                reported,
            )
        };
        assert!(holds(&[], false));
        assert!(holds(&["EXC-1.yaml"], false));
        // A save through a temporary file renamed over the record.
        assert!(holds(&["EXC-1.yaml", "sedAb12Cd", "EXC-1.yaml~"], false));
        // Unless the walk reported entries, which the files that came and went may mend.
        assert!(!holds(&["EXC-1.yaml", "sedAb12Cd"], true));
        // A copied file the walk saw, gone.
        assert!(!holds(&["figure.png"], false));
        // A file or folder that came and stayed, hidden or not.
        assert!(!holds(&[".EXC-1.yaml.swp"], false));
        assert!(!holds(&["sub"], false));
        std::fs::write(root.join("EXC-2.yaml"), "id: EXC-2").unwrap();
        assert!(!holds(&["EXC-2.yaml"], false));
        // A listed file gone.
        std::fs::remove_file(root.join("EXC-1.yaml")).unwrap();
        assert!(!holds(&["EXC-1.yaml"], false));
    }
}
