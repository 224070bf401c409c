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
    /// file's with the stamp [`Probe::look`] gave it, those without one left out.
    pub fn keep(
        &mut self,
        started: SystemTime,
        files: impl Iterator<Item = (String, Option<Stamp>, T)>,
    ) {
        self.loaded_at = Some(started);
        self.files = files
            .filter_map(|(rel, stamp, t)| Some((rel, (stamp?, t))))
            .collect();
    }
}

/// Whether the listing of the folder `dir` made by the last load still holds, given the
/// `changes` a file watcher reported: only files it `listed` changed, and none of them
/// gone. Through a symbolic link a change shows under another path, so a listing with a
/// file reached through one (`linked`) is made again.
pub fn listing_holds(
    dir: Option<&Path>,
    changes: Option<&HashSet<PathBuf>>,
    linked: bool,
    listed: impl Fn(&str) -> bool,
) -> bool {
    let (Some(dir), Some(changes)) = (dir, changes) else {
        return false;
    };
    !linked
        && changes
            .iter()
            .filter(|p| p.starts_with(dir))
            .all(|p| p.is_file() && super::disk::relative(dir, p).is_some_and(|rel| listed(&rel)))
}

/// What a build made from each record file (its findings, the checks of its links), with
/// a hash of all that went into it: `serve` keeps it, so that a rebuild makes again only
/// what comes from a file, or from other inputs, that changed.
pub struct PerFile<T> {
    kept: Mutex<Made<T>>,
}

/// What was made from each file, by the file's name, with the hash of its inputs.
pub type Made<T> = ahash::HashMap<String, (u64, Arc<Vec<T>>)>;

/// What was made from one file, with the hash of its inputs.
pub struct FromFile<T> {
    file: String,
    hash: u64,
    items: Arc<Vec<T>>,
}

impl<T> Default for PerFile<T> {
    fn default() -> Self {
        PerFile {
            kept: Mutex::new(Made::default()),
        }
    }
}

impl<T: Clone> PerFile<T> {
    /// What the last build made, for this one to look in.
    pub fn take(&self) -> Made<T> {
        std::mem::take(&mut *self.kept.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Keeps what this build made, in place of the last build's, and gives back all of
    /// it, file after file.
    pub fn keep(&self, made: Vec<FromFile<T>>) -> Vec<T> {
        let items = made.iter().flat_map(|m| m.items.iter().cloned()).collect();
        let made = made
            .into_iter()
            .map(|m| (m.file, (m.hash, m.items)))
            .collect();
        *self.kept.lock().unwrap_or_else(PoisonError::into_inner) = made;
        items
    }
}

impl<T> FromFile<T> {
    /// What `make` makes from `source`, all else it reads hashing to `shared`; or what
    /// `was` made from the file when its text and `shared` were as they are.
    pub fn make(
        was: &Made<T>,
        source: &SourceFile,
        shared: u64,
        make: impl FnOnce() -> Vec<T>,
    ) -> FromFile<T> {
        let mut hasher = DefaultHasher::new();
        (shared, source.hash()).hash(&mut hasher);
        let hash = hasher.finish();
        let kept = was.get(&source.name).filter(|(was, _)| *was == hash);
        FromFile {
            file: source.name.clone(),
            hash,
            items: kept.map_or_else(|| Arc::new(make()), |(_, items)| Arc::clone(items)),
        }
    }
}
