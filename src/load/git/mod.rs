//! git's object database, read in process through gix: the one way secbook reads a record
//! at a revision (`--baseline`) and the commits that changed it (SPEC 14). No `git`
//! process is started, and nothing is written to the repository.

use std::collections::HashMap;
use std::fmt::Display;
use std::path::Path;
use std::rc::Rc;

use gix::ObjectId;
use gix::objs::tree::EntryKind;
use gix::objs::{CommitRef, TreeRefIter};
use gix::prelude::{Find, Header};
use gix::revision::walk::Sorting;
use gix::traverse::commit::simple::CommitTimeOrder;

use crate::diagnostics::Error;
use tree::Listed;

mod tree;

/// The repository that holds a handbook.
pub struct Repo {
    repo: gix::Repository,
    /// The handbook's folder below the top of the work tree, one name per folder.
    prefix: Vec<String>,
    /// Whether [`Repo::place`] may ask where objects are stored.
    places: bool,
}

/// One commit, as a record's history shows it.
#[derive(Debug, Clone)]
pub struct Commit {
    pub id: ObjectId,
    /// The commit (committer) time: when the change entered the repository.
    pub seconds: i64,
    pub author: String,
    pub email: String,
    /// The first line of the message.
    pub subject: String,
}

/// A file of one of the folders [`Repo::log`] was asked about, changed by one commit.
#[derive(Debug, Clone)]
pub struct Change {
    /// Into [`Log::commits`].
    pub commit: usize,
    /// Into the folders [`Repo::log`] was given.
    pub folder: usize,
    pub name: String,
    /// The file before and after the commit; `None` where it did not exist.
    pub old: Option<ObjectId>,
    pub new: Option<ObjectId>,
}

/// Every commit reachable from HEAD that changed a file of some folders.
#[derive(Debug, Default)]
pub struct Log {
    /// Newest first, by commit time.
    pub commits: Vec<Commit>,
    /// In the order of `commits`, then by folder and name.
    pub changes: Vec<Change>,
}

/// Why a handbook has no history to read.
pub enum Unavailable {
    /// No git repository holds the handbook's folder.
    NotGit,
    /// The repository is a shallow clone: older commits are missing, so the first commit
    /// seen of a record is not the one that created it. Single revisions may still be read.
    Shallow(Box<Repo>),
}

/// What the decoded objects of packs may hold in memory at most: git's own default.
const PACK_CACHE_BYTES: usize = 96 * 1024 * 1024;

/// A commit as the walk saw it: its id, its parents, and the tree of each folder asked for.
type Walked = (ObjectId, Vec<ObjectId>, Vec<Option<ObjectId>>);

/// A folder's files, by name, in name order.
type Files = Vec<(String, ObjectId)>;

/// A file that differs between two trees: its name, and its id in each, where it is.
type Differs = (String, Option<ObjectId>, Option<ObjectId>);

fn failed(what: &str, e: impl Display) -> Error {
    Error::Usage(format!("cannot read {what} from git: {e}"))
}

impl Repo {
    /// The repository that holds `root`, or why there is none to read.
    pub fn discover(root: &Path) -> Result<Result<Repo, Unavailable>, Error> {
        use gix::discover::upwards::Error as Up;
        if let Err(e) = gix::discover::upwards(root) {
            return match e.downcast_any_ref::<Up>() {
                Some(
                    Up::NoGitRepository { .. }
                    | Up::NoGitRepositoryWithinCeiling { .. }
                    | Up::NoGitRepositoryWithinFs { .. },
                ) => Ok(Err(Unavailable::NotGit)),
                _ => Err(failed("the repository", e)),
            };
        }
        let mut repo = gix::discover(root).map_err(|e| failed("the repository", e))?;
        // Versions of a folder are stored as chains of deltas, each against another
        // version; decoded links are kept so that the next version reached through the
        // same chain costs one delta, not the whole chain.
        repo.objects.set_pack_cache(|| {
            Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(
                PACK_CACHE_BYTES,
            ))
        });
        // Where objects are stored is read to order the reads (see [`Repo::place`]); gix
        // answers that only for a handle that keeps its packs, and without replacements.
        repo.objects.prevent_pack_unload();
        let places = repo.objects.store_ref().replacements().next().is_none();
        let Some(workdir) = repo.workdir() else {
            // A bare repository has no work tree for a handbook to be in.
            return Ok(Err(Unavailable::NotGit));
        };
        let canonical = |p: &Path| p.canonicalize().map_err(|e| Error::io(p, e));
        let (top, root) = (canonical(workdir)?, canonical(root)?);
        let prefix = root
            .strip_prefix(&top)
            .map_err(|_| {
                Error::Usage(format!(
                    "{} is not inside the work tree of its repository, {}",
                    root.display(),
                    top.display()
                ))
            })?
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let shallow = repo.is_shallow().map_err(|e| failed("the repository", e))?;
        let repo = Repo {
            repo,
            prefix,
            places,
        };
        Ok(if shallow {
            Err(Unavailable::Shallow(Box::new(repo)))
        } else {
            Ok(repo)
        })
    }

    /// The commit `rev` names (a branch, a tag, `HEAD~3`, an id), if it names one.
    pub fn resolve(&self, rev: &str) -> Option<ObjectId> {
        let spec = format!("{rev}^{{commit}}");
        self.repo
            .rev_parse_single(spec.as_str())
            .ok()
            .map(|id| id.detach())
    }

    /// The files of the handbook's `folder` (such as `data/exceptions`) at `commit`, by
    /// name, in name order; none when the folder did not exist then.
    pub fn files_at(
        &self,
        commit: ObjectId,
        folder: &str,
    ) -> Result<Vec<(String, ObjectId)>, Error> {
        let mut buf = Vec::new();
        let tree = self.commit(&commit, &mut buf)?.tree();
        match self.folder_id(tree, &split(folder), &mut HashMap::new(), &mut buf)? {
            Some(id) => self.files(&id, &mut buf),
            None => Ok(Vec::new()),
        }
    }

    /// The text of a file, refused when it is larger than `max_bytes` or not UTF-8.
    pub fn text(&self, blob: &ObjectId, max_bytes: u64) -> Result<Result<String, String>, Error> {
        let header = self
            .repo
            .objects
            .try_header(blob)
            .map_err(|e| failed("a file", e))?
            .ok_or_else(|| failed("a file", format!("object {blob} is missing")))?;
        if header.size() > max_bytes {
            return Ok(Err(format!(
                "it is larger than {} MB",
                max_bytes / 1024 / 1024
            )));
        }
        let mut buf = Vec::new();
        let data = self
            .repo
            .objects
            .try_find(blob, &mut buf)
            .map_err(|e| failed("a file", e))?
            .ok_or_else(|| failed("a file", format!("object {blob} is missing")))?;
        Ok(String::from_utf8(data.data.to_vec()).map_err(|_| "it is not UTF-8 text".to_string()))
    }

    /// Every commit reachable from HEAD that changed a file directly in one of the
    /// handbook's `folders`, with what it changed. A merge counts as changing a file only
    /// where the file differs from every parent's (as `git log` shows it), and is compared
    /// with its first parent. An unborn HEAD has no commits.
    pub fn log(&self, folders: &[&str]) -> Result<Log, Error> {
        let head = match self.repo.head().map_err(|e| failed("HEAD", e))?.id() {
            Some(id) => id.detach(),
            None => return Ok(Log::default()),
        };
        let walk = self
            .repo
            .rev_walk([head])
            .sorting(Sorting::ByCommitTime(CommitTimeOrder::NewestFirst))
            .all()
            .map_err(|e| failed("the commits", e))?;
        let paths: Vec<Vec<String>> = folders.iter().map(|f| split(f)).collect();
        let (mut buf, mut commit_buf) = (Vec::new(), Vec::new());
        let mut steps = HashMap::new();
        // Each commit once: its parents, and the tree of each folder.
        let mut walked: Vec<Walked> = Vec::new();
        let mut commits = Vec::new();
        for info in walk {
            let info = info.map_err(|e| failed("the commits", e))?;
            let commit = self.commit(&info.id, &mut commit_buf)?;
            let meta = metadata(info.id, &commit)?;
            let tree = commit.tree();
            let parents = commit.parents().collect();
            let mut trees = Vec::with_capacity(paths.len());
            for path in &paths {
                trees.push(self.folder_id(tree, path, &mut steps, &mut buf)?);
            }
            walked.push((info.id, parents, trees));
            commits.push(meta);
        }
        let index: HashMap<ObjectId, usize> = walked
            .iter()
            .enumerate()
            .map(|(i, (id, ..))| (*id, i))
            .collect();
        // Versions of a folder are mostly stored as deltas on one another, each base
        // written before its deltas. Read in the order the packs have them, each version
        // decodes from the one read before it; the other way round, from its chain's base.
        let order: Vec<usize> = if self.packs_run_oldest_first(&walked, &index) {
            (0..walked.len()).rev().collect()
        } else {
            (0..walked.len()).collect()
        };
        let mut trees = TreeCache::default();
        let mut changes = Vec::new();
        for at in order {
            let (_, parents, folder_trees) = &walked[at];
            for (folder, &tree) in folder_trees.iter().enumerate() {
                // A parent outside the walk (a graft) counts as not having the folder.
                let before: Vec<Option<ObjectId>> = parents
                    .iter()
                    .map(|p| index.get(p).and_then(|&i| walked[i].2[folder]))
                    .collect();
                if before.contains(&tree) || (before.is_empty() && tree.is_none()) {
                    continue;
                }
                let first = before.first().copied().flatten();
                let mut changed = self.diff(&mut trees, first, tree)?;
                for other in before.iter().skip(1) {
                    let same = self.diff(&mut trees, *other, tree)?;
                    changed.retain(|(name, ..)| same.iter().any(|(n, ..)| n == name));
                }
                changes.extend(changed.into_iter().map(|(name, old, new)| Change {
                    commit: at,
                    folder,
                    name,
                    old,
                    new,
                }));
            }
        }
        // Stable: within a commit, the folders' changes stay in order, and names in each.
        changes.sort_by_key(|c| c.commit);
        Ok(Log { commits, changes })
    }

    /// Whether, in the packs, a commit's folder trees mostly come after its parent's: a
    /// sample of the walk's commits decides.
    fn packs_run_oldest_first(&self, walked: &[Walked], index: &HashMap<ObjectId, usize>) -> bool {
        const SAMPLE: usize = 256;
        let mut buf = Vec::new();
        let (mut oldest_first, mut newest_first) = (0, 0);
        for (_, parents, trees) in walked {
            let Some(&parent) = parents.first().and_then(|p| index.get(p)) else {
                continue;
            };
            for (tree, old) in trees.iter().zip(&walked[parent].2) {
                let (Some(tree), Some(old)) = (tree, old) else {
                    continue;
                };
                match (self.place(tree, &mut buf), self.place(old, &mut buf)) {
                    (Some(new), Some(old)) if new.0 == old.0 && new.1 > old.1 => oldest_first += 1,
                    (Some(new), Some(old)) if new.0 == old.0 && new.1 < old.1 => newest_first += 1,
                    _ => {}
                }
            }
            if oldest_first + newest_first >= SAMPLE {
                break;
            }
        }
        oldest_first > newest_first
    }

    /// Where an object is stored: its pack and offset there; `None` for a loose object.
    fn place(&self, id: &ObjectId, buf: &mut Vec<u8>) -> Option<(u32, u64)> {
        use gix::odb::pack::Find as _;
        if !self.places {
            return None;
        }
        let location = self.repo.objects.location_by_oid(id, buf).ok()??;
        Some((location.pack_id, location.pack_offset))
    }

    /// Puts objects in the order the packs store them, so that reading them in turn
    /// decodes each delta from a base read just before.
    pub fn sort_for_reading(&self, ids: &mut [ObjectId]) {
        let mut buf = Vec::new();
        ids.sort_by_cached_key(|id| (self.place(id, &mut buf).unwrap_or((u32::MAX, 0)), *id));
    }

    fn commit<'a>(&self, id: &ObjectId, buf: &'a mut Vec<u8>) -> Result<CommitRef<'a>, Error> {
        let data = self
            .repo
            .objects
            .try_find(id, buf)
            .map_err(|e| failed("a commit", e))?
            .ok_or_else(|| failed("a commit", format!("commit {id} is missing")))?;
        CommitRef::from_bytes(data.data, self.repo.object_hash()).map_err(|e| failed("a commit", e))
    }

    /// The tree of the handbook's folder at `path` below the root tree `tree`. Each step
    /// is remembered in `steps`: the trees above a folder mostly repeat from commit to
    /// commit, or between the folders of one commit.
    fn folder_id(
        &self,
        tree: ObjectId,
        path: &[String],
        steps: &mut HashMap<(ObjectId, String), Option<ObjectId>>,
        buf: &mut Vec<u8>,
    ) -> Result<Option<ObjectId>, Error> {
        let mut at = tree;
        for name in self.prefix.iter().chain(path) {
            let key = (at, name.clone());
            let next = match steps.get(&key) {
                Some(next) => *next,
                None => {
                    let next =
                        TreeRefIter::from_bytes(self.raw(&at, buf)?, self.repo.object_hash())
                            .filter_map(Result::ok)
                            .find(|e| {
                                e.filename == name.as_bytes() && e.mode.kind() == EntryKind::Tree
                            })
                            .map(|e| e.oid.to_owned());
                    steps.insert(key, next);
                    next
                }
            };
            match next {
                Some(id) => at = id,
                None => return Ok(None),
            }
        }
        Ok(Some(at))
    }

    /// A tree's raw bytes.
    fn raw<'a>(&self, id: &ObjectId, buf: &'a mut Vec<u8>) -> Result<&'a [u8], Error> {
        let data = self
            .repo
            .objects
            .try_find(id, buf)
            .map_err(|e| failed("a folder", e))?
            .ok_or_else(|| failed("a folder", format!("tree {id} is missing")))?;
        Ok(data.data)
    }

    /// The files of a folder's tree.
    fn files(&self, tree: &ObjectId, buf: &mut Vec<u8>) -> Result<Files, Error> {
        let kind = self.repo.object_hash();
        Ok(files(self.raw(tree, buf)?, kind))
    }

    /// The files that differ between two trees of a folder, by name, with their old and
    /// new ids. A folder of thousands of records differs from its parent's in one or two:
    /// only the entries between the first and the last byte that differ are read.
    fn diff(
        &self,
        cache: &mut TreeCache,
        old: Option<ObjectId>,
        new: Option<ObjectId>,
    ) -> Result<Vec<Differs>, Error> {
        use std::cmp::Ordering;
        let old = cache.listed(self, old)?;
        let new = cache.listed(self, new)?;
        let (x, y) = old.changed(&new);
        let kind = self.repo.object_hash();
        let name = |e: &gix::objs::tree::EntryRef| String::from_utf8(e.filename.to_vec()).ok();
        let mut a = blobs(old.slice(x), kind).peekable();
        let mut b = blobs(new.slice(y), kind).peekable();
        let mut out = Vec::new();
        loop {
            let order = match (a.peek(), b.peek()) {
                (None, None) => break,
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some(x), Some(y)) => x.filename.cmp(y.filename),
            };
            let (x, y) = match order {
                Ordering::Less => (a.next(), None),
                Ordering::Greater => (None, b.next()),
                Ordering::Equal => (a.next(), b.next()),
            };
            if x.map(|e| e.oid) == y.map(|e| e.oid) {
                continue;
            }
            if let Some(file) = x.as_ref().or(y.as_ref()).and_then(name) {
                out.push((
                    file,
                    x.map(|e| e.oid.to_owned()),
                    y.map(|e| e.oid.to_owned()),
                ));
            }
        }
        Ok(out)
    }
}

/// The folder trees lately read: a walk compares each tree with its parent's, and then
/// that parent's with its own, so each tree is read once rather than twice, and listed
/// from the one before it.
#[derive(Default)]
struct TreeCache {
    recent: Vec<(ObjectId, Rc<Listed>)>,
    buf: Vec<u8>,
}

impl TreeCache {
    const KEEP: usize = 8;

    /// A tree, listed; no entries for no tree.
    fn listed(&mut self, repo: &Repo, tree: Option<ObjectId>) -> Result<Rc<Listed>, Error> {
        let Some(tree) = tree else {
            return Ok(Rc::default());
        };
        if let Some((_, listed)) = self.recent.iter().find(|(id, _)| *id == tree) {
            return Ok(Rc::clone(listed));
        }
        let raw = repo.raw(&tree, &mut self.buf)?.to_vec();
        let hash_len = repo.repo.object_hash().len_in_bytes();
        let listed = Rc::new(match self.recent.last() {
            Some((_, before)) => before.relist(raw, hash_len),
            None => Listed::new(raw, hash_len),
        });
        if self.recent.len() == Self::KEEP {
            self.recent.remove(0);
        }
        self.recent.push((tree, Rc::clone(&listed)));
        Ok(listed)
    }
}

/// The entries of a raw tree that are files (not folders, links or submodules). They keep
/// name order: git orders a folder's name as if it ended in `/`, which moves only folders.
fn blobs(raw: &[u8], kind: gix::hash::Kind) -> impl Iterator<Item = gix::objs::tree::EntryRef<'_>> {
    TreeRefIter::from_bytes(raw, kind)
        .filter_map(Result::ok)
        .filter(|e| matches!(e.mode.kind(), EntryKind::Blob | EntryKind::BlobExecutable))
}

/// The files of a raw tree (not its folders, links or submodules), by name, in name order.
fn files(tree: &[u8], kind: gix::hash::Kind) -> Files {
    let mut out: Files = TreeRefIter::from_bytes(tree, kind)
        .filter_map(Result::ok)
        .filter(|e| matches!(e.mode.kind(), EntryKind::Blob | EntryKind::BlobExecutable))
        .filter_map(|e| {
            Some((
                String::from_utf8(e.filename.to_vec()).ok()?,
                e.oid.to_owned(),
            ))
        })
        .collect();
    // git orders a folder's entries with folders as if their names ended in `/`; with the
    // folders left out, plain name order is the same but for that, so it is made sure.
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn metadata(id: ObjectId, commit: &CommitRef) -> Result<Commit, Error> {
    let author = commit.author().map_err(|e| failed("a commit", e))?;
    let committer = commit.committer().map_err(|e| failed("a commit", e))?;
    let seconds = committer.time().map_err(|e| failed("a commit", e))?.seconds;
    let message = String::from_utf8_lossy(commit.message);
    Ok(Commit {
        id,
        seconds,
        author: String::from_utf8_lossy(author.name).trim().to_string(),
        email: String::from_utf8_lossy(author.email).trim().to_string(),
        subject: message.lines().next().unwrap_or("").trim().to_string(),
    })
}

fn split(folder: &str) -> Vec<String> {
    folder
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}
