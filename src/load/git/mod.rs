//! git's object database, read in process through gix: the one way secbook reads a record
//! at a revision (`--baseline`) and the commits that changed it (SPEC 14). No `git`
//! process is started, and nothing is written to the repository.

use ahash::{HashMap, HashMapExt};
use std::cmp::Reverse;
use std::fmt::Display;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use gix::ObjectId;
use gix::objs::tree::EntryKind;
use gix::objs::{CommitRef, Kind, TreeRefIter};
use gix::prelude::{Find, Header};

use crate::diagnostics::{Error, code_points};
use pack::{Failure, Packs, Place};
use tree::Listed;

mod pack;
mod revision;
mod tree;

pub use revision::Revision;

/// The repository that holds a handbook.
pub struct Repo {
    /// gix's handle, for what the packs here do not hold; opened when first needed on a
    /// thread of [`Repo::in_parts`].
    gix: Option<gix::Repository>,
    git_dir: PathBuf,
    hash: gix::hash::Kind,
    /// The handbook's folder below the top of the work tree, one name per folder, as the
    /// bytes git's trees name it by, which need not be UTF-8.
    prefix: Vec<Vec<u8>>,
    /// The repository's packs, read here rather than through gix (see [`pack`]); `None`
    /// where `git replace` replaces objects, which only gix honours.
    packs: Option<Packs>,
    /// A partial clone (`git clone --filter`): git fetches the objects it left out when a
    /// command needs them, and secbook, which reads the repository on disk, cannot.
    partial: bool,
}

/// One commit, as a record's history shows it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
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
    /// For a merge, the file in each parent after the first (`old` is the first's): what
    /// the merge changed is what differs from all of them.
    pub others: Vec<Option<ObjectId>>,
}

impl Change {
    /// Every version of the file it names: each parent's, then its own.
    pub fn files(&self) -> impl Iterator<Item = ObjectId> + '_ {
        self.old
            .iter()
            .chain(self.others.iter().flatten())
            .chain(&self.new)
            .copied()
    }
}

/// Every commit reachable from HEAD that changed a file of some folders.
#[derive(Debug, Default)]
pub struct Log {
    /// Newest first, by commit time, but never before a commit that descends from it
    /// ([`date_order`]).
    pub commits: Vec<Commit>,
    /// In the order of `commits`, then by folder and name.
    pub changes: Vec<Change>,
    /// Every commit reachable from HEAD, whether it changed the folders or not.
    pub reachable: Vec<ObjectId>,
}

/// What one commit changed in the folders [`Repo::log`] is asked about. Git never changes
/// a commit, its parents or their trees, so this is a function of the commit's id (for
/// given folders) and may be kept from one log to the next: see `load::kept_history`.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Known {
    /// What a history shows of it; `None` where it changed nothing.
    pub commit: Option<Commit>,
    /// Each file it changed, as [`Change`] has it.
    pub changes: Vec<KnownChange>,
}

/// A [`Change`] of a [`Known`] commit.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct KnownChange {
    pub folder: usize,
    pub name: String,
    pub old: Option<ObjectId>,
    pub new: Option<ObjectId>,
    pub others: Vec<Option<ObjectId>>,
}

impl Log {
    /// What each commit reachable from HEAD changed, by id: what a later log may take as
    /// known.
    pub fn known(&self) -> impl Iterator<Item = (ObjectId, Known)> + '_ {
        let mut by_commit: Vec<Known> = self
            .commits
            .iter()
            .map(|c| Known {
                commit: Some(c.clone()),
                changes: Vec::new(),
            })
            .collect();
        for change in &self.changes {
            by_commit[change.commit].changes.push(KnownChange {
                folder: change.folder,
                name: change.name.clone(),
                old: change.old,
                new: change.new,
                others: change.others.clone(),
            });
        }
        let mut touched: HashMap<ObjectId, Known> =
            self.commits.iter().map(|c| c.id).zip(by_commit).collect();
        self.reachable
            .iter()
            .map(move |id| (*id, touched.remove(id).unwrap_or_default()))
    }
}

/// Why a handbook has no history to read.
pub enum Unavailable {
    /// No git repository holds the handbook's folder.
    NotGit,
    /// The repository is a shallow clone: older commits are missing, so the first commit
    /// seen of a record is not the one that created it. Single revisions may still be read.
    Shallow(Box<Repo>),
    /// The repository is of a format this reader does not know, which says how.
    Format(&'static str),
}

/// What a repository's `config` asks of its format that this reader does not know: gix
/// refuses a repository of SHA-256 objects without a word of why, and reads no reftable's
/// references.
fn unknown_format(config: &gix::config::File) -> Option<&'static str> {
    let is = |key: &str, value: &str| {
        (config.string(key)).is_some_and(|v| v.eq_ignore_ascii_case(value.as_bytes()))
    };
    if is("extensions.objectFormat", "sha256") {
        Some("its objects are named by SHA-256 (`extensions.objectFormat`)")
    } else if is("extensions.refStorage", "reftable") {
        Some("its references are kept in a reftable (`extensions.refStorage`)")
    } else {
        None
    }
}

/// [`unknown_format`] of the repository that holds `root`, read from its config file, for
/// one gix could not open.
fn unknown_format_at(root: &Path) -> Option<&'static str> {
    let git_dir = match std::env::var_os("GIT_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => {
            gix::discover::upwards(root)
                .ok()?
                .0
                .into_repository_and_work_tree_directories()
                .0
        }
    };
    let source = gix::config::Source::Local;
    let config = gix::config::File::from_path_no_includes(git_dir.join("config"), source).ok()?;
    unknown_format(&config)
}

/// What the decoded objects of packs may hold in memory at most, where gix reads them:
/// git's own default.
const PACK_CACHE_BYTES: usize = 96 * 1024 * 1024;

/// The largest commit or tree read: a folder of a million records is a tree of 40 MB.
const MAX_OBJECT_BYTES: usize = 512 * 1024 * 1024;

/// The subtrees of the trees read, by tree, that have one of the names [`Paths`] looks for.
type Subtrees = HashMap<ObjectId, Rc<[(usize, ObjectId)]>>;

/// Folders below the top of the work tree, each as the names it goes through.
struct Paths {
    /// Every name of every folder's path, once.
    names: Vec<Vec<u8>>,
    /// Each folder's path, by place in `names`.
    folders: Vec<Vec<usize>>,
}

impl Paths {
    /// The handbook's `folders`, its folder being `prefix` below the top.
    fn new(prefix: &[Vec<u8>], folders: &[&str]) -> Paths {
        let mut names: Vec<Vec<u8>> = Vec::new();
        let mut place = |name: &[u8]| match names.iter().position(|n| n == name) {
            Some(at) => at,
            None => {
                names.push(name.to_vec());
                names.len() - 1
            }
        };
        let folders = folders
            .iter()
            .map(|folder| {
                let own = folder.split('/').filter(|s| !s.is_empty());
                prefix
                    .iter()
                    .map(Vec::as_slice)
                    .chain(own.map(str::as_bytes))
                    .map(&mut place)
                    .collect()
            })
            .collect();
        Paths { names, folders }
    }
}

/// A commit as the walk found it.
struct Walked {
    id: ObjectId,
    /// Its root tree.
    tree: ObjectId,
    parents: Vec<ObjectId>,
    /// The commit (committer) time.
    seconds: i64,
    /// What a history shows of it, once it is read.
    commit: Option<Commit>,
    /// The tree of each folder asked for, where it exists.
    trees: Vec<Option<ObjectId>>,
}

/// What the commits of a walk changed, found part by part: see [`Diffs::run`].
struct Diffs<'a> {
    walked: &'a [Walked],
    index: &'a HashMap<ObjectId, usize>,
}

/// A file a commit (by its place in the walk) changed in a folder (by its place in the
/// folders asked for), and for a merge, the file in each parent after the first.
type Changed = (usize, usize, Differs, Vec<Option<ObjectId>>);

impl Diffs<'_> {
    /// What each commit of `part` changed, taken in the order given. A commit whose
    /// folder's tree comes before its parent's in the packs (the start of a new delta
    /// chain, say) waits for the parent's, rather than decode it now from the start of its
    /// own chain; what still waits at the end, for a tree of another part, is handed back,
    /// unless `all` is asked for.
    fn run(
        &self,
        repo: &mut Repo,
        part: Vec<usize>,
        all: bool,
    ) -> Result<(Vec<Changed>, Vec<usize>), Error> {
        let walked = self.walked;
        let mut trees = TreeCache::default();
        let mut changes = Vec::new();
        let mut waiting: HashMap<ObjectId, Vec<usize>> = HashMap::new();
        let mut waited = vec![false; walked.len()];
        let mut next: Vec<usize> = part.into_iter().rev().collect();
        while let Some(at) = next.pop().or_else(|| {
            // What still waits, for a tree no commit here has: in turn, when asked.
            let tree = *waiting.keys().filter(|_| all).min()?;
            next.extend(waiting.remove(&tree).into_iter().flatten());
            next.pop()
        }) {
            let Walked {
                parents,
                trees: folder_trees,
                ..
            } = &walked[at];
            let parent = parents
                .first()
                .and_then(|p| self.index.get(p))
                .and_then(|&i| walked[i].trees.iter().flatten().next().copied());
            let own = folder_trees.iter().flatten().next();
            if let (Some(parent), Some(own), false) = (parent, own, waited[at])
                && !trees.holds(&parent)
                && repo.place(&parent) > repo.place(own)
            {
                waited[at] = true;
                waiting.entry(parent).or_default().push(at);
                continue;
            }
            for (folder, &tree) in folder_trees.iter().enumerate() {
                // A parent outside the walk (a graft) counts as not having the folder.
                let before: Vec<Option<ObjectId>> = parents
                    .iter()
                    .map(|p| self.index.get(p).and_then(|&i| walked[i].trees[folder]))
                    .collect();
                if before.contains(&tree) || (before.is_empty() && tree.is_none()) {
                    continue;
                }
                let first = before.first().copied().flatten();
                let mut changed: Vec<(Differs, Vec<Option<ObjectId>>)> = repo
                    .diff(&mut trees, first, tree)?
                    .into_iter()
                    .map(|differs| (differs, Vec::new()))
                    .collect();
                for other in before.iter().skip(1) {
                    let same = repo.diff(&mut trees, *other, tree)?;
                    changed.retain_mut(|((name, ..), others)| {
                        let was = same.iter().find(|(n, ..)| n == name);
                        was.inspect(|(_, was, _)| others.push(*was)).is_some()
                    });
                }
                changes.extend(
                    changed
                        .into_iter()
                        .map(|(differs, others)| (at, folder, differs, others)),
                );
            }
            if let Some(own) = own {
                next.extend(waiting.remove(own).into_iter().flatten());
            }
        }
        Ok((changes, waiting.into_values().flatten().collect()))
    }
}

/// A file's text, or why it cannot be read.
pub type Text = Result<String, String>;

/// A file that differs between two trees: its name, and its id in each, where it is.
type Differs = (String, Option<ObjectId>, Option<ObjectId>);

/// Versions of a folder are stored as chains of deltas, each against another version;
/// where gix reads them, decoded links are kept so that the next version reached through
/// the same chain costs one delta, not the whole chain.
fn with_pack_cache(repo: &mut gix::Repository) {
    repo.objects.set_pack_cache(|| {
        Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(
            PACK_CACHE_BYTES,
        ))
    });
}

/// Whether `repo` is a partial clone: git marks the remote it fetches left-out objects from
/// as a promisor (and older versions name it in `extensions.partialClone`).
fn is_partial(repo: &gix::Repository) -> bool {
    let config = repo.config_snapshot();
    config.string("extensions.partialClone").is_some()
        || (repo.remote_names().iter()).any(|name| {
            config
                .boolean(format!("remote.{name}.promisor").as_str())
                .unwrap_or(false)
        })
}

fn failed(what: &str, e: impl Display) -> Error {
    Error::Usage(format!("cannot read {what} from git: {e}"))
}

impl Repo {
    /// The repository that holds `root`, or why there is none to read. Found as git finds
    /// it: `GIT_DIR` and `GIT_WORK_TREE` name it where they are set (a repository whose git
    /// folder is kept apart), and the search upwards stops at `GIT_CEILING_DIRECTORIES`.
    pub fn discover(root: &Path) -> Result<Result<Repo, Unavailable>, Error> {
        use gix::discover::upwards::Error as Up;
        let found = gix::ThreadSafeRepository::discover_with_environment_overrides(root);
        let mut repo = match found.map(gix::Repository::from) {
            Ok(repo) => repo,
            Err(e) => {
                return match e.downcast_any_ref::<Up>() {
                    Some(
                        Up::NoGitRepository { .. }
                        | Up::NoGitRepositoryWithinCeiling { .. }
                        | Up::NoGitRepositoryWithinFs { .. },
                    ) => Ok(Err(Unavailable::NotGit)),
                    _ => match unknown_format_at(root) {
                        Some(why) => Ok(Err(Unavailable::Format(why))),
                        None => Err(failed("the repository", e)),
                    },
                };
            }
        };
        if let Some(why) = unknown_format(repo.config_snapshot().plumbing()) {
            return Ok(Err(Unavailable::Format(why)));
        }
        with_pack_cache(&mut repo);
        let packs = repo
            .objects
            .store_ref()
            .replacements()
            .next()
            .is_none()
            .then(|| Packs::open(repo.objects.store_ref().path(), repo.object_hash()));
        let (git_dir, hash) = (repo.git_dir().to_path_buf(), repo.object_hash());
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
            .map(|c| c.as_os_str().as_encoded_bytes().to_vec())
            .collect();
        let shallow = repo.is_shallow().map_err(|e| failed("the repository", e))?;
        let partial = is_partial(&repo);
        let repo = Repo {
            gix: Some(repo),
            git_dir,
            hash,
            prefix,
            packs,
            partial,
        };
        Ok(if shallow {
            Err(Unavailable::Shallow(Box::new(repo)))
        } else {
            Ok(repo)
        })
    }

    /// Whether this is a partial clone (see [`Repo::partial`]).
    pub fn is_partial(&self) -> bool {
        self.partial
    }

    /// Why the object `id`, wanted for `what`, cannot be read: it is not on disk.
    fn missing(&self, what: &str, id: &ObjectId) -> Error {
        match self.partial {
            true => failed(
                what,
                format!(
                    "object {id} is not in this partial clone (`git clone --filter`): git \
                     fetches what it left out when a command needs it, and secbook reads \
                     only what is on disk"
                ),
            ),
            false => failed(what, format!("object {id} is missing")),
        }
    }

    /// Whether an object id always names the same content here: not where `git replace`
    /// replaces objects.
    pub fn immutable(&self) -> bool {
        self.packs.is_some()
    }

    /// The repository's own git folder, a worktree's where the handbook is in one.
    pub fn git_dir(&self) -> &Path {
        &self.git_dir
    }

    /// The git folder that worktrees of the repository share: what names the repository.
    pub fn common_dir(&mut self) -> Result<PathBuf, Error> {
        Ok(self.gix()?.common_dir().to_path_buf())
    }

    /// The handbook's folder below the top of the work tree, one name per folder.
    pub fn prefix(&self) -> &[Vec<u8>] {
        &self.prefix
    }

    pub fn hash_kind(&self) -> gix::hash::Kind {
        self.hash
    }

    /// The kind of object `rev` names (`tree`, `blob`), when it names one: a revision that
    /// does not [`resolve`](Repo::resolve) may name an object that is not a commit.
    pub fn kind_of(&mut self, rev: &str) -> Option<String> {
        let id = self.gix().ok()?.rev_parse_single(rev).ok()?;
        Some(id.object().ok()?.kind.to_string())
    }

    /// The commit `rev` names (a branch, a tag, `HEAD~3`, an id, `:/text`), if it names
    /// one. The object it names is peeled to its commit, rather than `^{commit}` written
    /// after it: after `:/text`, that would be read as more of the text to look for.
    pub fn resolve(&mut self, rev: &str) -> Option<ObjectId> {
        let id = self.gix().ok()?.rev_parse_single(rev).ok()?;
        Some(id.object().ok()?.peel_to_commit().ok()?.id)
    }

    /// The text of a file, refused when it is larger than `max_bytes` or not UTF-8.
    pub fn text(
        &mut self,
        blob: &ObjectId,
        max_bytes: u64,
    ) -> Result<Result<String, String>, Error> {
        Ok(match self.bytes(blob, max_bytes)? {
            Some(data) => String::from_utf8(data).map_err(|_| "it is not UTF-8 text".to_string()),
            None => Err(format!("it is larger than {} MB", max_bytes / 1024 / 1024)),
        })
    }

    /// The bytes of a file; `None` when it is larger than `max_bytes`, which is not read.
    pub fn bytes(&mut self, blob: &ObjectId, max_bytes: u64) -> Result<Option<Vec<u8>>, Error> {
        let limit = usize::try_from(max_bytes).unwrap_or(usize::MAX);
        let data = match self.packed(blob, limit) {
            Ok(Some(object)) if object.kind == Kind::Blob => object.data,
            Ok(Some(_)) => return Err(failed("a file", format!("object {blob} is not a file"))),
            Err(Failure::TooLarge) => return Ok(None),
            Err(Failure::Corrupt(e)) => return Err(failed("a file", e)),
            Ok(None) => {
                let header = self
                    .gix()?
                    .objects
                    .try_header(blob)
                    .map_err(|e| failed("a file", e))?
                    .ok_or_else(|| self.missing("a file", blob))?;
                if header.size() > max_bytes {
                    return Ok(None);
                }
                self.object(blob, Kind::Blob, limit, "a file")?
            }
        };
        Ok(Some(data.to_vec()))
    }

    /// Who each author is by the repository's mailmap (`.mailmap` in the work tree, else at
    /// HEAD in a bare repository; `mailmap.file`, `mailmap.blob`), as `git log` names them;
    /// empty where there is none or it cannot be read, as git takes it.
    pub fn mailmap(&mut self) -> gix::mailmap::Snapshot {
        self.gix().map(|r| r.open_mailmap()).unwrap_or_default()
    }

    /// The commit HEAD names; `None` while it is unborn.
    pub fn head(&mut self) -> Result<Option<ObjectId>, Error> {
        let head = self.gix()?.head().map_err(|e| failed("HEAD", e))?;
        Ok(head.id().map(|id| id.detach()))
    }

    /// Every commit reachable from `head` that changed a file directly in one of the
    /// handbook's `folders`, with what it changed. A merge counts as changing a file only
    /// where the file differs from every parent's (as `git log` shows it), each parent's
    /// file given with it. An unborn HEAD has no commits.
    ///
    /// The commits are found first, from the commit-graph file where git wrote one; then
    /// the folders' trees of each, and what each commit changed in them, are read on as
    /// many threads as there are, each thread a part of the commits in the order the
    /// packs store their trees. A commit `known` holds is taken from there, not read.
    pub fn log(
        &mut self,
        head: Option<ObjectId>,
        folders: &[&str],
        known: &HashMap<ObjectId, Known>,
    ) -> Result<Log, Error> {
        let Some(head) = head else {
            return Ok(Log::default());
        };
        let mut walked = self.walk(head)?;
        let mut changed: Vec<Changed> = Vec::new();
        let mut unknown = Vec::new();
        for (at, w) in walked.iter_mut().enumerate() {
            let Some(known) = known.get(&w.id) else {
                unknown.push(at);
                continue;
            };
            if w.commit.is_none() {
                w.commit.clone_from(&known.commit);
            }
            changed.extend(known.changes.iter().map(|c| {
                (
                    at,
                    c.folder,
                    (c.name.clone(), c.old, c.new),
                    c.others.clone(),
                )
            }));
        }
        let index: HashMap<ObjectId, usize> =
            walked.iter().enumerate().map(|(i, w)| (w.id, i)).collect();
        // The folders' trees of the commits to compare, and of their parents.
        let mut compared: Vec<usize> = unknown
            .iter()
            .flat_map(|&at| {
                let parents = walked[at]
                    .parents
                    .iter()
                    .filter_map(|p| index.get(p).copied());
                std::iter::once(at).chain(parents)
            })
            .collect();
        compared.sort_unstable();
        compared.dedup();
        let paths = Paths::new(&self.prefix, folders);
        let ids: Vec<(ObjectId, usize)> = compared.iter().map(|&i| (walked[i].tree, i)).collect();
        for part in self.in_parts(&ids, |repo, part| {
            let mut read = HashMap::new();
            part.iter()
                .map(|&(tree, i)| Ok((i, repo.folder_ids(tree, &paths, &mut read)?)))
                .collect::<Result<Vec<_>, Error>>()
        })? {
            for (i, trees) in part {
                walked[i].trees = trees;
            }
        }
        // The versions of a folder are read in the order the packs store them, each base
        // before the deltas on it, so that each is decoded from one read shortly before.
        let mut order: Vec<(Option<Place>, usize)> = unknown
            .iter()
            .map(|&i| {
                let tree = walked[i].trees.iter().flatten().next();
                (tree.and_then(|t| self.place(t)), i)
            })
            .collect();
        order.sort_unstable();
        let order: Vec<usize> = order.into_iter().map(|(_, i)| i).collect();
        let diffs = Diffs {
            walked: &walked,
            index: &index,
        };
        let mut left = Vec::new();
        for (part, waiting) in
            self.in_parts(&order, |repo, part| diffs.run(repo, part.to_vec(), false))?
        {
            changed.extend(part);
            left.extend(waiting);
        }
        // What waited, in one part, for a tree of another.
        left.sort_unstable();
        changed.extend(diffs.run(self, left, true)?.0);
        // Newest first, by commit time, as `git log` lists them; only the commits that
        // changed something, each read once more for its author and subject where the
        // walk has not.
        let mut touched: Vec<usize> = changed.iter().map(|(at, ..)| *at).collect();
        touched.sort_unstable();
        touched.dedup();
        let unread: Vec<usize> = touched
            .iter()
            .copied()
            .filter(|&i| walked[i].commit.is_none())
            .collect();
        for part in self.in_parts(&unread, |repo, part| {
            part.iter()
                .map(|&i| Ok((i, repo.commit(&walked[i].id)?.2)))
                .collect::<Result<Vec<_>, Error>>()
        })? {
            for (i, commit) in part {
                walked[i].commit = Some(commit);
            }
        }
        let place = date_order(&walked, &index);
        touched.sort_by_key(|&i| place[i]);
        let mut rank = HashMap::with_capacity(touched.len());
        for (r, &i) in touched.iter().enumerate() {
            rank.insert(i, r);
        }
        let mut changes: Vec<Change> = changed
            .into_iter()
            .map(|(at, folder, (name, old, new), others)| Change {
                commit: rank[&at],
                folder,
                name,
                old,
                new,
                others,
            })
            .collect();
        // Stable: within a commit, the folders' changes stay in order, and names in each.
        changes.sort_by_key(|c| c.commit);
        let commits = touched
            .iter()
            .filter_map(|&i| walked[i].commit.take())
            .collect();
        let reachable = walked.iter().map(|w| w.id).collect();
        Ok(Log {
            commits,
            changes,
            reachable,
        })
    }

    /// Every commit reachable from `head`, first parents first: from the commit-graph file
    /// where it has them, else read.
    fn walk(&mut self, head: ObjectId) -> Result<Vec<Walked>, Error> {
        let graph = self.gix()?.commit_graph_if_enabled().ok().flatten();
        let mut walked = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut next = vec![head];
        while let Some(id) = next.pop() {
            if !seen.insert(id) {
                continue;
            }
            let known = graph.as_ref().and_then(|g| {
                let commit = g.commit_by_id(id)?;
                let parents: Result<Vec<ObjectId>, _> = commit
                    .iter_parents()
                    .map(|p| p.map(|p| g.id_at(p).to_owned()))
                    .collect();
                Some((
                    commit.root_tree_id().to_owned(),
                    parents.ok()?,
                    i64::try_from(commit.committer_timestamp()).ok()?,
                ))
            });
            let (tree, parents, seconds, commit) = match known {
                Some((tree, parents, seconds)) => (tree, parents, seconds, None),
                None => {
                    let (tree, parents, commit) = self.commit(&id)?;
                    (tree, parents, commit.seconds, Some(commit))
                }
            };
            next.extend(parents.iter().rev());
            walked.push(Walked {
                id,
                tree,
                parents,
                seconds,
                commit,
                trees: Vec::new(),
            });
        }
        Ok(walked)
    }

    /// `work` on `items` cut in as many parts as there are threads, each part with a
    /// handle of its own on the repository; a few items, on this one.
    fn in_parts<T: Sync, R: Send>(
        &mut self,
        items: &[T],
        work: impl Fn(&mut Repo, &[T]) -> Result<R, Error> + Sync,
    ) -> Result<Vec<R>, Error> {
        use rayon::prelude::*;
        const AT_LEAST: usize = 512;
        let size = items
            .len()
            .div_ceil(rayon::current_num_threads().max(1))
            .max(AT_LEAST);
        if items.len() <= size {
            return Ok(vec![work(self, items)?]);
        }
        let (git_dir, hash, prefix, partial) =
            (&self.git_dir, self.hash, &self.prefix, self.partial);
        let bundles = self.packs.as_ref().map(Packs::bundles);
        items
            .par_chunks(size)
            .map(|part| {
                let mut repo = Repo {
                    gix: None,
                    git_dir: git_dir.clone(),
                    hash,
                    prefix: prefix.clone(),
                    packs: bundles.clone().map(Packs::with),
                    partial,
                };
                work(&mut repo, part)
            })
            .collect()
    }

    /// gix's handle on the repository.
    fn gix(&mut self) -> Result<&gix::Repository, Error> {
        let repo = match self.gix.take() {
            Some(repo) => repo,
            None => {
                let mut repo = gix::open(&self.git_dir).map_err(|e| failed("the repository", e))?;
                with_pack_cache(&mut repo);
                repo
            }
        };
        Ok(self.gix.insert(repo))
    }

    /// What `each` makes of the text of each file `ids` names (see [`Repo::text`]), read
    /// on as many threads as there are, with a state `start` makes for each part.
    pub fn texts<S, R: Send>(
        &mut self,
        mut ids: Vec<ObjectId>,
        max_bytes: u64,
        start: impl Fn() -> S + Sync,
        each: impl Fn(&mut S, &ObjectId, Text) -> R + Sync,
    ) -> Result<Vec<(ObjectId, R)>, Error> {
        // In the order the packs store them, each delta read shortly after its base.
        ids.sort_by_cached_key(|id| (self.place(id).unwrap_or((u32::MAX, 0)), *id));
        let parts = self.in_parts(&ids, |repo, part| {
            let mut state = start();
            part.iter()
                .map(|id| Ok((*id, each(&mut state, id, repo.text(id, max_bytes)?))))
                .collect::<Result<Vec<_>, Error>>()
        })?;
        Ok(parts.into_iter().flatten().collect())
    }

    /// Where a pack holds an object; `None` where gix reads it.
    fn place(&self, id: &ObjectId) -> Option<Place> {
        self.packs.as_ref()?.place(id)
    }

    /// An object from the packs; `Ok(None)` where gix is to read it.
    fn packed(&mut self, id: &ObjectId, limit: usize) -> Result<Option<pack::Object>, Failure> {
        match &mut self.packs {
            Some(packs) => packs.find(id, limit),
            None => Ok(None),
        }
    }

    /// An object of `kind`, of at most `limit` bytes: `what` it is names it in errors.
    fn object(
        &mut self,
        id: &ObjectId,
        kind: Kind,
        limit: usize,
        what: &str,
    ) -> Result<Rc<Vec<u8>>, Error> {
        self.read(id, kind, limit, what).map(|o| o.data)
    }

    /// [`Repo::object`], with where the packs hold it.
    fn read(
        &mut self,
        id: &ObjectId,
        kind: Kind,
        limit: usize,
        what: &str,
    ) -> Result<pack::Object, Error> {
        let object = match self.packed(id, limit) {
            Ok(Some(object)) => object,
            Ok(None) => {
                let mut buf = Vec::new();
                let data = self
                    .gix()?
                    .objects
                    .try_find(id, &mut buf)
                    .map_err(|e| failed(what, e))?
                    .ok_or_else(|| self.missing(what, id))?;
                pack::Object {
                    kind: data.kind,
                    data: Rc::new(data.data.to_vec()),
                    place: None,
                    delta: None,
                }
            }
            Err(Failure::TooLarge) => {
                return Err(failed(
                    what,
                    format!("object {id} is larger than {limit} bytes"),
                ));
            }
            Err(Failure::Corrupt(e)) => return Err(failed(what, e)),
        };
        if object.kind != kind {
            return Err(failed(what, format!("object {id} is a {}", object.kind)));
        }
        Ok(object)
    }

    /// A commit's tree, its parents, and what a history shows of it.
    fn commit(&mut self, id: &ObjectId) -> Result<(ObjectId, Vec<ObjectId>, Commit), Error> {
        let raw = self.object(id, Kind::Commit, MAX_OBJECT_BYTES, "a commit")?;
        let commit = CommitRef::from_bytes(&raw, self.hash)
            .map_err(|e| failed(&format!("commit {id}"), e))?;
        Ok((
            commit.tree(),
            commit.parents().collect(),
            metadata(*id, &commit),
        ))
    }

    /// The first of the handbook's `folders` that `commit` holds as something other than
    /// a folder, by its path from the top of the repository, and what git holds there: a
    /// symbolic link or a submodule keeps its records' history where the log of the
    /// folder does not look.
    pub fn held_apart(
        &mut self,
        commit: &ObjectId,
        folders: &[&str],
    ) -> Result<Option<(String, &'static str)>, Error> {
        let (top, _, _) = self.commit(commit)?;
        let paths = Paths::new(&self.prefix, folders);
        for path in &paths.folders {
            let mut at = top;
            for (depth, &name) in path.iter().enumerate() {
                let raw = self.object(&at, Kind::Tree, MAX_OBJECT_BYTES, "a folder")?;
                let entry = TreeRefIter::from_bytes(&raw, self.hash)
                    .filter_map(Result::ok)
                    .find(|e| e.filename == paths.names[name].as_slice());
                let Some(entry) = entry else { break };
                let kind = match entry.mode.kind() {
                    EntryKind::Tree => {
                        at = entry.oid.to_owned();
                        continue;
                    }
                    EntryKind::Link => "a symbolic link",
                    EntryKind::Commit => "a submodule",
                    EntryKind::Blob | EntryKind::BlobExecutable => "a file",
                };
                let shown: Vec<String> = path[..=depth]
                    .iter()
                    .map(|&n| String::from_utf8_lossy(&paths.names[n]).into_owned())
                    .collect();
                return Ok(Some((shown.join("/"), kind)));
            }
        }
        Ok(None)
    }

    /// The tree of each of the handbook's folders `paths` at the root tree `tree`; `None`
    /// for a folder that does not exist there.
    fn folder_ids(
        &mut self,
        tree: ObjectId,
        paths: &Paths,
        read: &mut Subtrees,
    ) -> Result<Vec<Option<ObjectId>>, Error> {
        let mut out = Vec::with_capacity(paths.folders.len());
        for path in &paths.folders {
            let mut at = Some(tree);
            for &name in path {
                let Some(id) = at else { break };
                let subtrees = match read.get(&id) {
                    Some(subtrees) => Rc::clone(subtrees),
                    None => {
                        let raw = self.object(&id, Kind::Tree, MAX_OBJECT_BYTES, "a folder")?;
                        let subtrees: Rc<[(usize, ObjectId)]> =
                            TreeRefIter::from_bytes(&raw, self.hash)
                                .filter_map(Result::ok)
                                .filter(|e| e.mode.kind() == EntryKind::Tree)
                                .filter_map(|e| {
                                    let name = paths
                                        .names
                                        .iter()
                                        .position(|n| e.filename == n.as_slice())?;
                                    Some((name, e.oid.to_owned()))
                                })
                                .collect();
                        read.insert(id, Rc::clone(&subtrees));
                        subtrees
                    }
                };
                at = subtrees.iter().find(|(n, _)| *n == name).map(|(_, id)| *id);
            }
            out.push(at);
        }
        Ok(out)
    }

    /// The files that differ between two trees of a folder, by name, with their old and
    /// new ids. A folder of thousands of records differs from its parent's in one or two:
    /// only the entries between the first and the last byte that differ are read.
    fn diff(
        &mut self,
        cache: &mut TreeCache,
        old: Option<ObjectId>,
        new: Option<ObjectId>,
    ) -> Result<Vec<Differs>, Error> {
        use std::cmp::Ordering;
        let (old_id, new_id) = (old, new);
        let old = cache.listed(self, old)?;
        let new = cache.listed(self, new)?;
        let (x, y) = old.changed(&new, cache.same(old_id, new_id));
        let kind = self.hash;
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
/// from the one it is a delta on, or else the one before it.
#[derive(Default)]
struct TreeCache {
    recent: Vec<Recent>,
}

struct Recent {
    id: ObjectId,
    listed: Rc<Listed>,
    place: Option<Place>,
    /// The tree it is a delta on, and the bytes the two have alike (see [`pack::Object`]).
    delta: Option<(Place, Range<usize>)>,
}

impl TreeCache {
    const KEEP: usize = 8;

    /// A tree, listed; no entries for no tree.
    fn listed(&mut self, repo: &mut Repo, tree: Option<ObjectId>) -> Result<Rc<Listed>, Error> {
        let Some(id) = tree else {
            return Ok(Rc::default());
        };
        if let Some(recent) = self.recent.iter().find(|r| r.id == id) {
            return Ok(Rc::clone(&recent.listed));
        }
        let object = repo.read(&id, Kind::Tree, MAX_OBJECT_BYTES, "a folder")?;
        let hash_len = repo.hash.len_in_bytes();
        let base = object.delta.as_ref().and_then(|(base, same)| {
            let recent = self.recent.iter().find(|r| r.place == Some(*base))?;
            Some((&recent.listed, same.clone()))
        });
        let listed = Rc::new(match (base, self.recent.last()) {
            (Some((base, same)), _) => base.relist(object.data, hash_len, Some(same)),
            (None, Some(before)) => before.listed.relist(object.data, hash_len, None),
            (None, None) => Listed::new(object.data, hash_len),
        });
        if self.recent.len() == Self::KEEP {
            self.recent.remove(0);
        }
        self.recent.push(Recent {
            id,
            listed: Rc::clone(&listed),
            place: object.place,
            delta: object.delta,
        });
        Ok(listed)
    }

    /// Whether the tree `id` is at hand.
    fn holds(&self, id: &ObjectId) -> bool {
        self.recent.iter().any(|r| r.id == *id)
    }

    /// How many bytes two trees read here start and end with alike, when one is a delta on
    /// the other.
    fn same(&self, a: Option<ObjectId>, b: Option<ObjectId>) -> Option<Range<usize>> {
        let find = |id| self.recent.iter().find(|r| Some(r.id) == id);
        let (a, b) = (find(a)?, find(b)?);
        let on = |x: &Recent, y: &Recent| match (&x.delta, y.place) {
            (Some((base, same)), Some(place)) if *base == place => Some(same.clone()),
            _ => None,
        };
        on(a, b).or_else(|| on(b, a))
    }
}

/// The entries of a raw tree that are files (not folders, links or submodules). They keep
/// name order: git orders a folder's name as if it ended in `/`, which moves only folders.
fn blobs(raw: &[u8], kind: gix::hash::Kind) -> impl Iterator<Item = gix::objs::tree::EntryRef<'_>> {
    TreeRefIter::from_bytes(raw, kind)
        .filter_map(Result::ok)
        .filter(|e| matches!(e.mode.kind(), EntryKind::Blob | EntryKind::BlobExecutable))
}

impl Commit {
    /// The author's name and email as `mailmap` maps them: one person's commits under an
    /// old address or a misspelt name are told as theirs, as `git log` tells them.
    pub fn author_by(&self, mailmap: &gix::mailmap::Snapshot) -> (String, String) {
        let signature = gix::actor::SignatureRef {
            name: self.author.as_str().into(),
            email: self.email.as_str().into(),
            time: "",
        };
        match mailmap.try_resolve_ref(signature) {
            None => (self.author.clone(), self.email.clone()),
            Some(mapped) => {
                let text = |s: Option<&gix::bstr::BStr>, or: &str| {
                    s.map_or(or.to_string(), |s| {
                        printable(String::from_utf8_lossy(s).trim())
                    })
                };
                // A line of a name and the one address it matches, in any letter case,
                // renames the author alone: the address stays as the commit writes it.
                let email = match mapped.email {
                    Some(e) if e.eq_ignore_ascii_case(self.email.as_bytes()) => None,
                    other => other,
                };
                (text(mapped.name, &self.author), text(email, &self.email))
            }
        }
    }
}

fn metadata(id: ObjectId, commit: &CommitRef) -> Commit {
    // `git log` shows a commit whose author or time it cannot read (a time past the
    // years a clock counts), and so does a history: one such commit among thousands
    // does not take the others' evidence with it.
    let author = commit.author().ok();
    let time = |s: Option<gix::actor::SignatureRef>| s.and_then(|s| s.time().ok());
    let seconds = time(commit.committer().ok())
        .or(time(author))
        .map_or(0, |t| t.seconds);
    // A commit made with `i18n.commitEncoding` says how its text is written, and `git log`
    // reads it so; else it is UTF-8.
    let encoding = (commit.encoding)
        .and_then(|label| encoding_rs::Encoding::for_label(label))
        .unwrap_or(encoding_rs::UTF_8);
    let text = |bytes: &[u8]| encoding.decode_without_bom_handling(bytes).0.into_owned();
    let message = text(commit.message);
    // The subject as `git log` gives it (`%s`): the first paragraph, its lines joined.
    let subject: Vec<&str> = (message.lines().map(str::trim))
        .skip_while(|line| line.is_empty())
        .take_while(|line| !line.is_empty())
        .collect();
    Commit {
        id,
        seconds,
        author: printable(text(author.map_or(&[], |a| a.name.as_ref())).trim()),
        email: printable(text(author.map_or(&[], |a| a.email.as_ref())).trim()),
        subject: printable(&subject.join(" ")),
    }
}

/// `text` with each control character written as its code point (`\u{1b}`): git takes
/// any byte in an author's name or a subject, where a record may hold none, and a page or
/// a terminal would act on them. A tab or another control that spaces words is a space,
/// as a reader sees it and as an audience's history scrubs a hidden text quoted with it.
fn printable(text: &str) -> String {
    let spaced = text.replace(|c: char| c.is_control() && c.is_whitespace(), " ");
    code_points(&spaced, char::is_control).into_owned()
}

/// The place of each walked commit in a history, newest first, as `git log --date-order`
/// lists them: by commit time, but no commit before one that descends from it. A commit
/// dated before its parent (a clock set wrong, or a date set by hand) would otherwise be
/// read as the older, and the change it made after an approval as made before it.
fn date_order(walked: &[Walked], index: &HashMap<ObjectId, usize>) -> Vec<usize> {
    let parents = |i: usize| {
        walked[i]
            .parents
            .iter()
            .filter_map(|p| index.get(p).copied())
    };
    let mut children = vec![0usize; walked.len()];
    for i in 0..walked.len() {
        for p in parents(i) {
            children[p] += 1;
        }
    }
    let mut ready: std::collections::BinaryHeap<(i64, Reverse<usize>)> = (0..walked.len())
        .filter(|&i| children[i] == 0)
        .map(|i| (walked[i].seconds, Reverse(i)))
        .collect();
    let mut place = vec![0; walked.len()];
    let mut next = 0;
    while let Some((_, Reverse(i))) = ready.pop() {
        place[i] = next;
        next += 1;
        for p in parents(i) {
            children[p] -= 1;
            if children[p] == 0 {
                ready.push((walked[p].seconds, Reverse(p)));
            }
        }
    }
    place
}
