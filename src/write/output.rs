//! Writing the site: into a fresh folder beside the target, swapped in only once complete,
//! so a failed or interrupted build leaves the previous output exactly as it was.

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::hash::{Hash, Hasher};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::iter;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once, OnceLock, PoisonError, Weak};

use rayon::prelude::*;
use unicode_normalization::UnicodeNormalization;

use crate::diagnostics::{Diagnostic, Error, SourceFile, code_points};
use crate::load::disk::resolve;
use crate::load::theme::Body;
use crate::load::yaml::{self, Seg};
use crate::model::reserved::{OUTPUT_MARKER, is_reserved_name};
use crate::write::sources;

/// The longest name of one file or folder: ext4, APFS and NTFS all stop at 255 (NTFS
/// counts UTF-16 units, of which a name never has more than it has UTF-8 bytes).
pub const MAX_SEGMENT_BYTES: usize = 255;

/// The longest output path below the output folder. macOS refuses a path of more than
/// 1,024 bytes and Linux of more than 4,096, the output folder's own path included;
/// Windows with long paths enabled takes 32,767 UTF-16 units. 512 leaves half of macOS's
/// bound for where the output folder (and its staging folder) sits, and fits the 1,024-byte
/// keys of object stores behind a prefix, so a site built anywhere can be copied anywhere.
pub const MAX_PATH_BYTES: usize = 512;

/// The longest name secbook derives from the input, such as an owner page's folder: well
/// inside [`MAX_SEGMENT_BYTES`], and short enough to read in an address.
const MAX_DERIVED_BYTES: usize = 64;

/// What an output file is made from, to name it when its path is refused.
#[derive(Debug, Clone)]
pub enum Origin {
    /// A file secbook makes from the handbook as a whole: a register, an export, the
    /// built-in theme's files.
    Site,
    /// A content page, rendered from this file.
    Page(Arc<SourceFile>),
    /// The page of a content folder that has no `_index.md`: that folder, as its pages'
    /// files name it.
    Section(Option<String>),
    /// A record's page; its id names the path.
    Record(Arc<SourceFile>),
    /// A file copied as it is, by its name in the handbook (`static/logo.svg`).
    Copied(String),
}

impl Origin {
    fn label(&self) -> String {
        match self {
            Origin::Site => "a file secbook makes".into(),
            Origin::Page(file) | Origin::Record(file) => file.name.clone(),
            Origin::Section(Some(folder)) => format!("the section page of {folder}"),
            Origin::Section(None) => "a content folder's section page".into(),
            Origin::Copied(name) => name.clone(),
        }
    }

    /// What would give this file another path.
    fn remedy(&self) -> String {
        match self {
            Origin::Site => "this is a bug in secbook".into(),
            Origin::Record(file) => format!("give {} another id", file.name),
            Origin::Section(Some(folder)) => format!("rename {folder}"),
            Origin::Section(None) => "rename the content folder".into(),
            _ => format!("rename {}", self.label()),
        }
    }

    /// Where a report about this file's path points: a record at its id, a page at its top.
    fn place(&self) -> Option<(&Arc<SourceFile>, Range<usize>)> {
        match self {
            Origin::Page(file) => Some((file, 0..0)),
            Origin::Record(file) => {
                let id = yaml::locate(file, &[Seg::Key("id")]);
                Some((file, id.map_or(0..0, |p| p.value)))
            }
            _ => None,
        }
    }
}

/// How two output paths clash.
enum Clash {
    /// The same path, or the same but for letter case.
    Same,
    /// The earlier path is a file where the new one needs a folder.
    FileAbove,
    /// The new path is a file where the earlier one needs a folder.
    FileBelow,
}

struct Entry {
    path: String,
    origin: Origin,
    /// Reserved by [`PathCheck::claim`] and not yet put.
    claimed: bool,
}

/// The output paths seen so far, each with what it is made from, to refuse one that is
/// unsafe, too long for some file system, or that clashes with another: the same path,
/// the same but for letter case (macOS and Windows ignore it), or a path that would have
/// to be a file and a folder at once. Each check looks up the path and its folders in hash
/// tables, so a site's paths are checked in time linear in their number: `serve` checks
/// the large register's 27,000 at every rebuild.
#[derive(Default)]
pub struct PathCheck {
    own: Paths,
    /// Claims kept whole from an earlier build, seen as if they were in `own`.
    block: Option<ClaimBlock>,
    /// Parts put whole ([`PathCheck::put_whole`]), seen as if their paths were in `own`.
    parts: Vec<Arc<PartFiles>>,
    /// The files that paths were refused below: each is reported at the first path only,
    /// as one file there (`static/search`) is the cause of every path under it.
    in_the_way: ahash::HashSet<String>,
    /// The folders reported unfit to write ([`Unfit`]), each at its first path only.
    unfit_folders: ahash::HashSet<String>,
}

/// Paths seen, each with what it is made from, and the folders they lie in.
#[derive(Default)]
struct Paths {
    /// By [`fold`]ed path.
    seen: ahash::HashMap<String, Entry>,
    /// Each folder a seen path lies in, [`fold`]ed, with the lowest folded path below it
    /// (the one a sorted listing would show first): what a file at the folder's own path
    /// is reported to clash with.
    folders: ahash::HashMap<String, String>,
    /// The [`top`] of each path seen.
    tops: ahash::HashSet<String>,
}

impl Paths {
    /// Adds `path` as `key`, which clashes with no path seen.
    fn insert(&mut self, key: String, entry: Entry) {
        for (i, _) in key.match_indices('\0') {
            match self.folders.get_mut(&key[..i]) {
                Some(lowest) if key < *lowest => lowest.clone_from(&key),
                Some(_) => {}
                None => {
                    self.folders.insert(key[..i].to_string(), key.clone());
                }
            }
        }
        if !self.tops.contains(top(&key)) {
            self.tops.insert(top(&key).to_string());
        }
        self.seen.insert(key, entry);
    }

    fn shares_a_top(&self, part: &PartFiles) -> bool {
        part.tops.iter().any(|t| self.tops.contains(t))
    }
}

/// The first folder of a [`fold`]ed path, or its file when it has no folder: two paths
/// clash only when they have the same.
fn top(key: &str) -> &str {
    key.split('\0').next().unwrap_or(key)
}

/// Claims checked against each other in one build and kept: `serve` claims the pages of
/// the records, 25,000 on a large register, as one block while the records are as they
/// were, and checks only the build's few other claims against it.
pub struct ClaimBlock {
    paths: Box<Paths>,
    /// Parts found to take only claims of the block at their very paths and to clash
    /// with none of its other paths, and parts found not to: the block's paths stay as
    /// they are while it is kept, so a part kept too is looked over once.
    fits: Vec<(Weak<PartFiles>, bool)>,
    /// The [`top`] of each claim taken in this build by a file put one at a time.
    taken_tops: ahash::HashSet<String>,
}

impl ClaimBlock {
    /// The block of `claims`, or `None` when one of them is unfit or clashes with another:
    /// those are claimed one at a time, to be reported.
    pub fn of(claims: Vec<(String, Origin)>) -> Option<ClaimBlock> {
        let mut check = PathCheck::default();
        check.claim_all(claims).is_empty().then(|| ClaimBlock {
            paths: Box::new(check.own),
            fits: Vec::new(),
            taken_tops: Default::default(),
        })
    }

    /// Whether `part`, put whole now, would take the claims at its paths and clash with
    /// none of the block's other paths.
    fn takes(&mut self, part: &Arc<PartFiles>) -> bool {
        if !self.paths.shares_a_top(part) {
            return true;
        }
        if part.tops.iter().any(|t| self.taken_tops.contains(t)) {
            return false;
        }
        self.fits.retain(|(kept, _)| kept.strong_count() > 0);
        if let Some((_, fits)) =
            (self.fits.iter()).find(|(kept, _)| kept.as_ptr() == Arc::as_ptr(part))
        {
            return *fits;
        }
        let paths = &self.paths;
        let fits = part.keyed().all(|(path, key)| match paths.seen.get(key) {
            Some(entry) => entry.path == path,
            None => clash(iter::once(&**paths), key).is_none(),
        });
        self.fits.push((Arc::downgrade(part), fits));
        fits
    }

    /// Makes the claim of `path` one of the file `now` where it was one of `was`: a
    /// record's page, its record edited with its id kept, is claimed at the same path.
    pub fn reclaim(&mut self, path: &str, was: &Arc<SourceFile>, now: &Arc<SourceFile>) {
        let Some(entry) = self.paths.seen.get_mut(&fold(path)) else {
            return;
        };
        if entry.path == path
            && let Origin::Record(file) = &mut entry.origin
            && Arc::ptr_eq(file, was)
        {
            *file = Arc::clone(now);
        }
    }
}

impl PathCheck {
    /// Reserves `path` for a file the handbook chose (a page, a record, a copied file) before
    /// anything is put, or says why it cannot have it.
    pub fn claim(&mut self, path: &str, origin: Origin) -> Option<Diagnostic> {
        self.add(path.to_string(), keyed(path), origin, true)
    }

    /// [`PathCheck::claim`] for each of `claims` in turn. What a path alone decides
    /// (whether it is fit to write, how it folds) is worked out for all of them side by
    /// side: on a large register, that is most of the work.
    pub fn claim_all(&mut self, claims: Vec<(String, Origin)>) -> Vec<Diagnostic> {
        let keyed: Vec<_> = claims
            .into_par_iter()
            .map(|(path, origin)| {
                let key = keyed(&path);
                (path, key, origin)
            })
            .collect();
        keyed
            .into_iter()
            .filter_map(|(path, key, origin)| self.add(path, key, origin, true))
            .collect()
    }

    /// Claims every path of `block` after the claims made so far, when none of them
    /// clashes with it: a fresh build, claiming them one at a time, would then report
    /// nothing of them either. Otherwise hands the block back, to be claimed one at a time.
    pub fn claim_block(&mut self, block: ClaimBlock) -> Result<(), ClaimBlock> {
        let clashes =
            || (self.own.seen.keys()).any(|key| clash(iter::once(&*block.paths), key).is_some());
        if self.block.is_some() || !self.parts.is_empty() || clashes() {
            return Err(block);
        }
        self.block = Some(block);
        Ok(())
    }

    /// The block claimed in this build, each of its paths claimed again, to be kept for
    /// the next.
    pub fn into_block(self) -> Option<ClaimBlock> {
        let mut block = self.block?;
        for entry in block.paths.seen.values_mut() {
            entry.claimed = true;
        }
        block.taken_tops.clear();
        Some(block)
    }

    /// Puts every path of `part` when none of them can clash with a path seen so far, nor
    /// take a claim but at its very path: then none would be refused, put one at a time.
    /// Otherwise puts none, for the part to be put one path at a time, and its clashes
    /// reported. Parts lie below folders of their own, so a part kept from an earlier build
    /// is put at the cost of comparing a few folder names.
    pub fn put_whole(&mut self, part: &Arc<PartFiles>) -> bool {
        let apart = part.whole
            && !self.own.shares_a_top(part)
            && !(self.parts.iter()).any(|p| part.tops.iter().any(|t| p.under(t)))
            && self.block.as_mut().is_none_or(|block| block.takes(part));
        if apart {
            self.parts.push(Arc::clone(part));
        }
        apart
    }

    /// An error for `path`, or `None` when it may be written: the file that claimed it, or
    /// one that secbook makes at a path nobody claimed.
    pub fn check(&mut self, path: &str) -> Option<Diagnostic> {
        let key = fold(path);
        if self.take_claim(path, &key) {
            return None;
        }
        let key = unfit(path).map_or(Ok(key), |unfit| Err(Box::new(unfit)));
        self.add(path.to_string(), key, Origin::Site, false)
    }

    /// [`PathCheck::check`] for a path whose [`PathCheck::key`] was worked out before: a
    /// file `serve` keeps from one build to the next is checked against each build's
    /// other paths, but its path is folded and looked over once.
    pub fn check_keyed(&mut self, path: &str, key: Option<&str>) -> Option<Diagnostic> {
        let Some(key) = key else {
            return self.check(path);
        };
        if self.take_claim(path, key) {
            return None;
        }
        self.add(path.to_string(), Ok(key.to_string()), Origin::Site, false)
    }

    /// What [`PathCheck::check_keyed`] takes for `path`: its folded form when it is fit to
    /// write, and `None` when it is not, to be reported by [`PathCheck::check`].
    pub fn key(path: &str) -> Option<String> {
        keyed(path).ok()
    }

    /// Whether `path`, folded as `key`, was claimed and not yet put; it is put now.
    fn take_claim(&mut self, path: &str, key: &str) -> bool {
        let claimed = |entry: &Entry| entry.claimed && entry.path == path;
        if let Some(entry) = self.own.seen.get_mut(key) {
            let taken = claimed(entry);
            entry.claimed &= !taken;
            return taken;
        }
        let parts = &self.parts;
        let Some(block) = &mut self.block else {
            return false;
        };
        match block.paths.seen.get_mut(key) {
            // A part put whole takes its claims without marking them.
            Some(entry)
                if claimed(entry) && !parts_near(parts, key).any(|p| p.seen.contains_key(key)) =>
            {
                entry.claimed = false;
                if !block.taken_tops.contains(top(key)) {
                    block.taken_tops.insert(top(key).to_string());
                }
                true
            }
            _ => false,
        }
    }

    /// Adds `path`, [`keyed`], unless it is unfit or clashes with a path seen before.
    fn add(
        &mut self,
        path: String,
        key: Result<String, Box<Unfit>>,
        origin: Origin,
        claimed: bool,
    ) -> Option<Diagnostic> {
        let key = match key {
            Ok(key) => key,
            // A section page's path is the start of its pages' paths, where it is reported.
            Err(_) if matches!(origin, Origin::Section(_)) => return None,
            Err(unfit) => {
                let Unfit { diag, folder } = *unfit;
                let again = folder.is_some_and(|folder| !self.unfit_folders.insert(folder));
                return (!again).then(|| located(diag, &origin, None));
            }
        };
        let block = self.block.as_ref().map(|block| &*block.paths);
        let layers = iter::once(&self.own)
            .chain(block)
            .chain(parts_near(&self.parts, &key));
        if let Some((other, clash)) = clash(layers, &key) {
            let again =
                matches!(clash, Clash::FileAbove) && !self.in_the_way.insert(other.path.clone());
            return (!again).then(|| clash_report(&path, &origin, other, clash));
        }
        self.own.insert(
            key,
            Entry {
                path,
                origin,
                claimed,
            },
        );
        None
    }
}

/// The parts of `parts` with paths below the [`top`] of `key`: the only ones it can clash
/// with.
fn parts_near<'a>(
    parts: &'a [Arc<PartFiles>],
    key: &str,
) -> impl Iterator<Item = &'a Paths> + Clone {
    let top = top(key);
    (parts.iter())
        .filter(move |p| p.under(top))
        .map(|p| p.layer())
}

/// The files of a part of the site that `serve` keeps from one build to the next, in path
/// order, each path with its [`PathCheck::key`], worked out once, when the part is made: a
/// build that keeps the part puts them with [`PathCheck::put_whole`], or checks each
/// against the build's other paths without folding it again.
pub struct PartFiles {
    files: Vec<OutputFile>,
    keys: Vec<Option<String>>,
    /// The [`top`] of each path, each once, sorted.
    tops: Vec<String>,
    /// Whether every path is fit to write and none clashes with another.
    whole: bool,
    /// The paths as [`PathCheck`] holds those it sees, made when a path put one at a time
    /// lies below one of `tops`: rarely, as each part has folders of its own.
    layer: OnceLock<Paths>,
}

impl PartFiles {
    /// The files in path order, so that each build's output, into which a part is put
    /// whole, comes in runs already sorted, which its final sort merges.
    pub fn new(files: Vec<OutputFile>) -> PartFiles {
        PartFiles::with(files.into_iter().map(|f| (f, ())).collect()).0
    }

    /// [`PartFiles::new`] of files that each come with something of their caller's, given
    /// back in the files' order.
    pub fn with<T: Send>(mut made: Vec<(OutputFile, T)>) -> (PartFiles, Vec<T>) {
        made.par_sort_by(|a, b| a.0.path.cmp(&b.0.path));
        let (files, beside): (Vec<OutputFile>, Vec<T>) = made.into_iter().unzip();
        let keys: Vec<Option<String>> = files.par_iter().map(|f| PathCheck::key(&f.path)).collect();
        let mut tops: Vec<String> = Vec::new();
        for key in keys.iter().flatten() {
            if tops.last().is_none_or(|t| t != top(key)) {
                tops.push(top(key).to_string());
            }
        }
        tops.sort_unstable();
        tops.dedup();
        let mut sorted: Vec<&str> = keys.iter().flatten().map(String::as_str).collect();
        sorted.par_sort_unstable();
        // A folded path sorts right before the paths below it, as NUL sorts first.
        let apart = sorted.windows(2).all(|w| {
            let (a, b) = (w[0], w[1]);
            a != b && !b.strip_prefix(a).is_some_and(|rest| rest.starts_with('\0'))
        });
        let part = PartFiles {
            whole: apart && sorted.len() == keys.len(),
            files,
            keys,
            tops,
            layer: OnceLock::new(),
        };
        (part, beside)
    }

    pub fn files(&self) -> &[OutputFile] {
        &self.files
    }

    /// Each file with the key of its path, or `None` where it cannot be written.
    pub fn keyed_files(&self) -> impl Iterator<Item = (&OutputFile, Option<&str>)> {
        self.files
            .iter()
            .zip(self.keys.iter().map(Option::as_deref))
    }

    /// Each path with its key, of the files whose paths are fit.
    fn keyed(&self) -> impl Iterator<Item = (&str, &str)> {
        self.keyed_files()
            .filter_map(|(file, key)| Some((file.path.as_str(), key?)))
    }

    /// Whether a path of the part lies below `top`.
    fn under(&self, top: &str) -> bool {
        self.tops.binary_search_by(|t| t.as_str().cmp(top)).is_ok()
    }

    fn layer(&self) -> &Paths {
        self.layer.get_or_init(|| {
            let mut layer = Paths::default();
            for (path, key) in self.keyed() {
                let entry = Entry {
                    path: path.to_string(),
                    origin: Origin::Site,
                    claimed: false,
                };
                layer.insert(key.to_string(), entry);
            }
            layer
        })
    }
}

/// The earlier path of `layers`, seen as one, that `key` clashes with, and how.
fn clash<'a>(
    layers: impl Iterator<Item = &'a Paths> + Clone,
    key: &str,
) -> Option<(&'a Entry, Clash)> {
    let seen = |key: &str| layers.clone().find_map(|paths| paths.seen.get(key));
    if let Some(entry) = seen(key) {
        return Some((entry, Clash::Same));
    }
    if let Some(entry) = key.match_indices('\0').find_map(|(i, _)| seen(&key[..i])) {
        return Some((entry, Clash::FileAbove));
    }
    let below = (layers.clone())
        .filter_map(|paths| paths.folders.get(key))
        .min()?;
    seen(below).map(|entry| (entry, Clash::FileBelow))
}

/// `path` [`fold`]ed, or why it cannot be written ([`unfit`]).
fn keyed(path: &str) -> Result<String, Box<Unfit>> {
    unfit(path).map_or_else(|| Ok(fold(path)), |unfit| Err(Box::new(unfit)))
}

/// A path as a file system that ignores case and Unicode's two spellings of an accented
/// letter (macOS's) sees it, with `/` as NUL (which no checked path holds): the lowest
/// character, so that in sorted order the paths below a folder come right after the
/// folder's own name, as [`PathCheck`] reports them.
fn fold(path: &str) -> String {
    let slash = |c| if c == '/' { '\0' } else { c };
    // Most paths are ASCII, which folds a byte at a time, as fast as a copy: a build of a
    // large register folds tens of thousands.
    if path.is_ascii() {
        return path
            .chars()
            .map(|c| slash(c.to_ascii_lowercase()))
            .collect();
    }
    path.nfc().flat_map(char::to_lowercase).map(slash).collect()
}

/// Why a path cannot be written, and the folder at fault when the fault is in the name of
/// one of its folders: every path below that folder shares it, and is not reported again.
struct Unfit {
    diag: Diagnostic,
    folder: Option<String>,
}

/// Why `path` cannot be written on some system, whatever else the site holds.
fn unfit(path: &str) -> Option<Unfit> {
    // The first name of `path` that `fails`, and the problem it makes, told of the folder
    // it names when it is not the file's own name.
    let named = |fails: &dyn Fn(&str) -> bool, problem: &dyn Fn(&str) -> Diagnostic| {
        let mut names = path.split('/');
        let (index, seg) = names.by_ref().enumerate().find(|(_, s)| fails(s))?;
        let folder = (names.next().is_some()).then(|| {
            path.split('/')
                .take(index + 1)
                .collect::<Vec<_>>()
                .join("/")
        });
        let mut diag = problem(seg);
        if let Some(folder) = &folder {
            diag.message = format!(
                "{} (and so does every path below `{folder}/`)",
                diag.message
            );
        }
        Some(Unfit { diag, folder })
    };
    let forbidden = |s: &str| s.contains(WINDOWS_FORBIDS);
    if let Some(unfit) = named(&forbidden, &|seg| {
        let c = seg
            .chars()
            .find(|c| WINDOWS_FORBIDS.contains(c))
            .unwrap_or('?');
        Diagnostic::error(format!(
            "output path `{}` holds `{c}`, which Windows does not allow in a file name",
            path.escape_debug()
        ))
        .with_hint("rename the file or record without any of < > : \" \\ | ? *")
    }) {
        return Some(unfit);
    }
    let dotted = |s: &str| s.ends_with(['.', ' ']) && !matches!(s, "." | "..");
    if let Some(unfit) = named(&dotted, &|seg| {
        Diagnostic::error(format!(
            "output path `{path}` holds `{seg}`, which ends in a dot or a space: Windows \
             drops it, and reads the name as another"
        ))
        .with_hint("rename the file, folder or record so it ends in a letter or a digit")
    }) {
        return Some(unfit);
    }
    if !is_safe(path) {
        return Some(Unfit {
            diag: Diagnostic::error(format!(
                "output path `{}` would be written outside the output folder",
                path.escape_debug()
            )),
            folder: None,
        });
    }
    if let Some(unfit) = named(&is_reserved_name, &|seg| {
        Diagnostic::error(format!(
            "output path `{path}` holds `{seg}`, a name Windows reserves for a device"
        ))
        .with_hint(
            "rename the file or record: CON, PRN, AUX, NUL, COM0-9 and LPT0-9 \
             (with any extension) cannot be files on Windows",
        )
    }) {
        return Some(unfit);
    }
    let long = |s: &str| s.len() > MAX_SEGMENT_BYTES;
    if let Some(unfit) = named(&long, &|seg| {
        Diagnostic::error(format!(
            "output path `{path}` holds a name of {} bytes; file systems take at most {MAX_SEGMENT_BYTES}",
            seg.len()
        ))
        .with_hint("shorten the name of the file, folder or record")
    }) {
        return Some(unfit);
    }
    if path.len() > MAX_PATH_BYTES {
        return Some(Unfit {
            diag: Diagnostic::error(format!(
                "output path `{path}` is {} bytes long; a site's paths may be at most {MAX_PATH_BYTES}, \
                 so that macOS and Windows can hold it",
                path.len()
            ))
            .with_hint("nest fewer folders, or shorten their names"),
            folder: None,
        });
    }
    None
}

/// `diag` at the file of `origin` when it has one, and at `other`'s otherwise; else about
/// the copied file, which has no text to point into, named in the message.
fn located(diag: Diagnostic, origin: &Origin, other: Option<&Origin>) -> Diagnostic {
    if let Some((file, span)) = origin.place().or_else(|| other.and_then(Origin::place)) {
        return diag.at(file, span);
    }
    let copied = iter::once(origin).chain(other).find_map(|o| match o {
        Origin::Copied(name) => Some(name),
        _ => None,
    });
    let diag = match copied {
        Some(name) => diag.about(name),
        None => diag,
    };
    match other {
        None if !matches!(origin, Origin::Site) => Diagnostic {
            message: format!("{} (from {})", diag.message, origin.label()),
            ..diag
        },
        _ => diag,
    }
}

fn clash_report(path: &str, origin: &Origin, other: &Entry, clash: Clash) -> Diagnostic {
    // The earlier file first, as claims come in a fixed order; but secbook's own file
    // last, as it may be put before or after the file it clashes with.
    let (first, second) = if matches!(other.origin, Origin::Site) {
        ((path, origin), (other.path.as_str(), &other.origin))
    } else {
        ((other.path.as_str(), &other.origin), (path, origin))
    };
    // Two spellings of one accented letter look alike: their marks are shown.
    let alike = |x: &str, y: &str| x != y && x.nfc().eq(y.nfc());
    let (a, b) = (first.1.label(), second.1.label());
    let spelt = alike(&a, &b) || alike(first.0, second.0);
    let show = |text: String| if spelt { marks_shown(&text) } else { text };
    let (a, b) = (show(a), show(b));
    let message = match clash {
        Clash::Same if path == other.path => {
            format!("{a} and {b} collide: both are written to `{path}`")
        }
        Clash::Same if alike(first.0, second.0) => format!(
            "{a} and {b} are written to `{}` and `{}`, which differ only in how Unicode spells \
             an accented letter (as one character, or as a letter and a combining mark); \
             macOS reads both as one name, so one would overwrite the other",
            marks_shown(first.0),
            marks_shown(second.0)
        ),
        Clash::Same => format!(
            "{a} and {b} are written to `{}` and `{}`, which differ only in letter case; \
             macOS and Windows ignore case in file names, so one would overwrite the other",
            first.0, second.0
        ),
        Clash::FileAbove | Clash::FileBelow => {
            let ((file, file_origin), (nested, nested_origin)) = match clash {
                Clash::FileAbove => ((other.path.as_str(), &other.origin), (path, origin)),
                _ => ((path, origin), (other.path.as_str(), &other.origin)),
            };
            format!(
                "{} is written to `{nested}`, inside `{file}`, but {} is written to `{file}` \
                 itself: a path cannot be both a file and a folder",
                nested_origin.label(),
                file_origin.label(),
            )
        }
    };
    let hint = match second.1 {
        Origin::Site => format!("secbook writes `{}` itself; {}", second.0, first.1.remedy()),
        _ => format!("{}, or {}", first.1.remedy(), second.1.remedy()),
    };
    located(
        Diagnostic::error(message).with_hint(show(hint)),
        origin,
        Some(&other.origin),
    )
}

/// `path` with each combining mark written as its code point (`cafe\u{301}`), so that two
/// spellings of one name can be told apart on the screen.
fn marks_shown(path: &str) -> String {
    let mark = |c| unicode_normalization::char::canonical_combining_class(c) != 0;
    code_points(path, mark).into_owned()
}

/// The characters Windows refuses in a file name, besides the controls.
const WINDOWS_FORBIDS: [char; 8] = ['<', '>', ':', '"', '\\', '|', '?', '*'];

fn is_safe(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && !path.contains(['\\', ':'])
        && !path.contains(|c: char| c.is_control())
        && path.split('/').all(|seg| !matches!(seg, "" | "." | ".."))
}

/// A name secbook derives from the input (not one the user chose), made to fit: cut to
/// [`MAX_DERIVED_BYTES`] when longer, ending then in a hash of the whole so two long names
/// that start alike stay apart. The hash is SHA-1 (a UUID v5), so the name is the same
/// from build to build and from version to version.
pub fn fit_name(name: &str) -> String {
    if name.len() <= MAX_DERIVED_BYTES {
        return name.to_string();
    }
    let hash = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, name.as_bytes()).simple();
    let hash = &hash.to_string()[..10];
    let mut cut = MAX_DERIVED_BYTES - hash.len() - 1;
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}-{hash}", name[..cut].trim_end_matches(['-', '.']))
}

/// A file of the output, by its path relative to the site root.
#[derive(Debug, Clone)]
pub struct OutputFile {
    pub path: String,
    pub body: Body,
}

impl OutputFile {
    pub fn html(path: String, text: String) -> Self {
        OutputFile::bytes(path, text.into_bytes())
    }

    pub fn bytes(path: impl Into<String>, body: Vec<u8>) -> Self {
        OutputFile {
            path: path.into(),
            body: Body::Bytes(body.into()),
        }
    }
}

/// What a folder that [`Staging`] writes holds, for what is said about it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Holds {
    /// A build's site.
    Site,
    /// The messages of `notify --outbox`.
    Messages,
}

impl Holds {
    /// What the folder is called.
    fn folder(self) -> &'static str {
        match self {
            Holds::Site => "output folder",
            Holds::Messages => "outbox",
        }
    }

    /// The command that writes it.
    fn command(self) -> &'static str {
        match self {
            Holds::Site => "build",
            Holds::Messages => "notify",
        }
    }
}

/// A fresh folder beside the output, that files are written into as they are made. Only
/// [`Staging::commit`] puts it in the output's place; dropped without it, it is removed,
/// so a failed build leaves the previous output as it was.
///
/// It holds the output's [`Lock`] from before the staging folder is made until after it is
/// swapped in or removed. Every staging folder is named `.<output>.secbook-new-<pid>`, and
/// leftovers are removed only while holding that lock: a live build's staging folder
/// exists only while its build holds the lock, so any that another build finds then was
/// left by a build that was killed.
pub struct Staging {
    dir: PathBuf,
    out: PathBuf,
    parent: PathBuf,
    name: String,
    committed: bool,
    previous: Option<Previous>,
    /// The path of each file written, which the marker lists: what a later build may
    /// replace, where anything else in the folder is the user's.
    written: Mutex<Vec<String>>,
    /// Taken when the staging folder is gone, so the lock's file goes before the folders
    /// made for the output.
    lock: Option<Lock>,
    /// The folders made to hold the output, the deepest first: a build that fails leaves
    /// none of them behind.
    made: Vec<PathBuf>,
}

/// The staging folders of the builds of this process, with their locks' files and the
/// folders made for them: removed when the process is interrupted (Ctrl-C, SIGTERM,
/// SIGHUP), as they are when a build fails.
static LIVE: Mutex<Vec<(PathBuf, PathBuf, Vec<PathBuf>)>> = Mutex::new(Vec::new());

/// Removes the folder `dir` and all it holds, its folders side by side; where that fails
/// (each of them holds a descriptor, and a low limit of open files runs out), one at a
/// time, as std does, which holds one a level.
fn remove_tree(dir: &Path) -> io::Result<()> {
    remove_dir_all::remove_dir_all(dir).or_else(|_| fs::remove_dir_all(dir))
}

/// Removes what a build that did not finish leaves: its staging folder `dir`, its lock's
/// file, and then the folders `made` for its output, as long as they are empty.
fn clean_up(dir: Option<&Path>, lock: Option<Lock>, made: &[PathBuf]) {
    if let Some(dir) = dir {
        let _ = remove_tree(dir);
    }
    drop(lock);
    for folder in made {
        if fs::remove_dir(folder).is_err() {
            break;
        }
    }
}

/// How many writes into a staging folder, or swaps of one into place, are under way; and
/// whether the process is interrupted, after which none starts. The interruption waits
/// for those under way: a file written after its folder was removed would make the folder
/// again, and leave it behind.
static WRITING: AtomicUsize = AtomicUsize::new(0);
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// A write or a swap under way, counted in [`WRITING`] while it lives.
struct Writing;

impl Writing {
    /// `None` once the process is interrupted.
    fn start() -> Option<Writing> {
        WRITING.fetch_add(1, Ordering::SeqCst);
        let writing = Writing;
        (!INTERRUPTED.load(Ordering::SeqCst)).then_some(writing)
    }
}

impl Drop for Writing {
    fn drop(&mut self) {
        WRITING.fetch_sub(1, Ordering::SeqCst);
    }
}

fn interrupted() -> Error {
    Error::Usage("interrupted".into())
}

/// On an interruption, cleans up each live build, then dies of the signal that arrived, as
/// it would have without a handler (a shell reports 130 for Ctrl-C, 143 for SIGTERM).
fn clean_up_on_interrupt() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    static SET: Once = Once::new();
    SET.call_once(|| {
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            return;
        };
        std::thread::spawn(move || {
            let Some(signal) = signals.forever().next() else {
                return;
            };
            INTERRUPTED.store(true, Ordering::SeqCst);
            // A swap of a large output takes a moment; a write that hangs (on a network
            // folder, say) is not waited for long.
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
            while WRITING.load(Ordering::SeqCst) > 0 && std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            let live = LIVE.lock().unwrap_or_else(PoisonError::into_inner);
            for (dir, lock, made) in live.iter() {
                let _ = fs::remove_file(lock);
                clean_up(Some(dir), None, made);
            }
            let _ = signal_hook::low_level::emulate_default_handler(signal);
            std::process::exit(128 + signal);
        });
    });
}

impl Staging {
    /// Claims `out`, which `holds` what a command of the handbook at `root` writes: refuses
    /// the handbook's own folders (even with `force`), anything that is not a folder, and a
    /// folder that is neither empty nor written by secbook (unless `force`). Waits for any
    /// other command writing into `out`.
    pub fn create(root: &Path, out: &Path, force: bool, holds: Holds) -> Result<Staging, Error> {
        let target = resolve(out)?;
        if let Some(why) = sources::clash(root, &target)? {
            let instead = match holds {
                Holds::Site => "such as public/ in the handbook (the default)",
                Holds::Messages => "outside the handbook's sources",
            };
            return Err(Error::Usage(format!(
                "{} {why}; choose another {}, {instead}; --force does not override this",
                out.display(),
                holds.folder()
            )));
        }
        let (Some(parent), Some(name)) =
            (target.parent(), target.file_name().and_then(|n| n.to_str()))
        else {
            return Err(Error::Usage(format!(
                "{} is not a usable {}",
                out.display(),
                holds.folder()
            )));
        };
        let (parent, name) = (parent.to_path_buf(), name.to_string());
        let made: Vec<PathBuf> = parent
            .ancestors()
            .take_while(|a| fs::symlink_metadata(a).is_err())
            .map(Path::to_path_buf)
            .collect();
        clean_up_on_interrupt();
        sources::make_folder(&parent)?;
        let lock_path = beside(&parent, &name, "lock");
        let dir = beside(&parent, &name, &format!("{NEW}{}", std::process::id()));
        let holder = format!("another {} into {}", holds.command(), out.display());
        let lock = Lock::take(lock_path.clone(), &holder);
        // Live from when the lock is held, before the staging folder is made.
        let live = || LIVE.lock().unwrap_or_else(PoisonError::into_inner);
        let claimed = lock.and_then(|lock| {
            live().push((dir.clone(), lock_path, made.clone()));
            Ok((claim(&target, out, force, holds)?, lock))
        });
        let (ours, lock) = match claimed {
            Ok(claimed) => claimed,
            Err(e) => {
                live().retain(|(d, ..)| *d != dir);
                clean_up(None, None, &made);
                return Err(e);
            }
        };
        remove_leftovers(&parent, &name);
        let mut staging = Staging {
            dir,
            out: target,
            parent,
            name,
            committed: false,
            previous: None,
            written: Mutex::new(Vec::new()),
            lock: Some(lock),
            made,
        };
        fs::create_dir(&staging.dir).map_err(|e| Error::io(&staging.dir, e))?;
        // Before any file is written: a setgid folder gives its group to every one.
        keep_settings(&staging.out, &staging.dir);
        let marker = staging.dir.join(OUTPUT_MARKER);
        let command = holds.command();
        let text = format!(
            "secbook {command} wrote this folder, and the next {command} replaces what it \
             wrote and keeps the rest.\n{MARKER_LIST}\n"
        );
        write_file(&marker, text.as_bytes()).map_err(|e| Error::io(&marker, e))?;
        if ours {
            staging.previous = Previous::of(&marker);
        }
        Ok(staging)
    }

    /// Writes one file; its path must have passed [`PathCheck`].
    pub fn write(&self, file: &OutputFile) -> Result<(), Error> {
        let _writing = Writing::start().ok_or_else(interrupted)?;
        let path = self.dir.join(&file.path);
        if let Some(dir) = path.parent() {
            // Most folders hold one file, so making the folder is tried first: where it
            // was made already, create_dir_all would look it up once more.
            match fs::create_dir(dir) {
                Err(e) if e.kind() != io::ErrorKind::AlreadyExists => {
                    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?
                }
                _ => {}
            }
        }
        self.written
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(file.path.clone());
        if let Some(previous) = &self.previous
            && previous.lend(&self.out.join(&file.path), &file.body, &path)
        {
            return Ok(());
        }
        let written = match &file.body {
            Body::Bytes(bytes) => write_file(&path, bytes),
            Body::Copy(from) => fs::copy(&from.path, &path).map(|_| ()),
            Body::Parts(parts) => write_parts(&path, parts),
        };
        // Told at the place the file was to have in the output: the staging folder is
        // gone by the time the error is read.
        written.map_err(|e| Error::io(&self.out.join(&file.path), e))
    }

    /// Puts the staged folder in the output's place; warns when the previous output, moved
    /// aside, could not be removed (a folder of it made read-only, say): it would stay
    /// beside the new one, a copy of a site that may be another audience's.
    ///
    /// What is in the previous output that the build before did not write (a `.git` of a
    /// `gh-pages` worktree, a `CNAME`, a note added to a record's folder) is moved into the
    /// new one: secbook removes only what it wrote. The marker lists what each build wrote.
    pub fn commit(mut self) -> Result<Vec<Diagnostic>, Error> {
        let _writing = Writing::start().ok_or_else(interrupted)?;
        // The shell this was run from, in the output, is left in a folder that is gone.
        let cwd = std::env::current_dir().ok();
        let run_inside = cwd.filter(|cwd| cwd.starts_with(&self.out)).map(|cwd| {
            Diagnostic::warning(format!(
                "the folder this command was run from, {}, was replaced with the new output: \
                 a shell there now sees nothing",
                cwd.display()
            ))
            .with_hint("`cd \"$PWD\"` enters the new one; build from outside the output folder")
        });
        let foreign =
            placed(&self.out, &self.dir, foreign_entries(&self.out)).map_err(|names| {
                let names: Vec<String> = names.iter().map(|n| n.display().to_string()).collect();
                let (them, writes, it) = match &names[..] {
                    [one] => (one.clone(), format!("writes {one} there"), "it"),
                    _ => (names.join(", "), "writes each of them".into(), "them"),
                };
                Error::Usage(format!(
                    "{} holds {them}, which secbook did not write, and this build {writes}: \
                 move {it} out of the folder and build again",
                    self.out.display(),
                ))
            })?;
        let written = std::mem::take(
            self.written
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner),
        );
        mark(&self.dir, written).map_err(|e| Error::io(&self.dir.join(OUTPUT_MARKER), e))?;
        let old = swap_in(&self.dir, &self.out, &self.parent, &self.name)?;
        self.committed = true;
        let Some(mut old) = old else {
            return Ok(run_inside.into_iter().collect());
        };
        let moved = foreign.iter().try_for_each(|n| {
            let to = self.out.join(n);
            if let Some(folder) = to.parent() {
                fs::create_dir_all(folder)?;
            }
            fs::rename(old.join(n), to)
        });
        let left = match moved {
            Ok(()) => remove_tree(&old),
            // Named so that no later build takes it for a leftover of its own.
            Err(e) => {
                let kept = beside(
                    &self.parent,
                    &self.name,
                    &format!("kept-{}", std::process::id()),
                );
                if fs::rename(&old, &kept).is_ok() {
                    old = kept;
                }
                Err(e)
            }
        };
        let left = left.err().map(|e| {
            Diagnostic::warning(format!(
                "the previous output, moved aside to {}, could not be removed: {e}",
                old.display()
            ))
            .with_hint(
                "look into it, then remove it by hand: it holds the site as it was before \
                 this build, and what secbook did not write in it",
            )
        });
        Ok(left.into_iter().chain(run_inside).collect())
    }
}

/// Gives the new output folder `to` the settings of the one it replaces, `from`: a build
/// makes the folder anew, and a user set the old one up to be served (`chmod g+s` and
/// `chgrp www-data`, so that a web server's group reads every file written in it). Its
/// mode, but that its owner may always write in it, as the next build does; its owner and
/// group, as far as this user may give them. A setting that cannot be given is left as a
/// new folder has it.
#[cfg(unix)]
fn keep_settings(from: &Path, to: &Path) {
    use std::os::unix::fs::{MetadataExt, PermissionsExt, chown};
    let Ok(meta) = fs::metadata(from) else {
        return;
    };
    if !meta.is_dir() {
        return;
    }
    if chown(to, Some(meta.uid()), Some(meta.gid())).is_err() {
        let _ = chown(to, None, Some(meta.gid()));
    }
    let mode = meta.mode() & 0o7777 | 0o700;
    let _ = fs::set_permissions(to, fs::Permissions::from_mode(mode));
}

#[cfg(not(unix))]
fn keep_settings(_: &Path, _: &Path) {}

/// Where each entry `foreign` to the output `out` goes in the staged output `dir`: where
/// it is, and a folder that the build writes too has its entries placed one by one.
/// `Err` names each that meets a file of the build, or a file where its folder would be.
fn placed(out: &Path, dir: &Path, foreign: Vec<PathBuf>) -> Result<Vec<PathBuf>, Vec<PathBuf>> {
    let is_dir = |p: &Path| fs::symlink_metadata(p).is_ok_and(|m| m.is_dir());
    let (mut placed, mut clashes) = (Vec::new(), Vec::new());
    let mut todo: Vec<PathBuf> = foreign.into_iter().rev().collect();
    while let Some(path) = todo.pop() {
        let blocked = (path.ancestors().skip(1))
            .filter(|a| !a.as_os_str().is_empty())
            .any(|a| fs::symlink_metadata(dir.join(a)).is_ok_and(|m| !m.is_dir()));
        if blocked {
            clashes.push(path);
            continue;
        }
        match fs::symlink_metadata(dir.join(&path)) {
            Err(_) => placed.push(path),
            Ok(there) if there.is_dir() && is_dir(&out.join(&path)) => {
                let Ok(entries) = fs::read_dir(out.join(&path)) else {
                    clashes.push(path);
                    continue;
                };
                let mut inside: Vec<PathBuf> = entries
                    .filter_map(|e| Some(path.join(e.ok()?.file_name())))
                    .collect();
                inside.sort();
                todo.extend(inside.into_iter().rev());
            }
            Ok(_) => clashes.push(path),
        }
    }
    match clashes.is_empty() {
        true => Ok(placed),
        false => Err(clashes),
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let mut live = LIVE.lock().unwrap_or_else(PoisonError::into_inner);
        live.retain(|(dir, ..)| *dir != self.dir);
        if !self.committed {
            clean_up(Some(&self.dir), self.lock.take(), &self.made);
        }
    }
}

/// What names a staging folder beside the output, and the previous output while it is
/// swapped out where the system cannot exchange two folders in one step.
const NEW: &str = "new-";
const OLD: &str = "old-";

/// The path secbook keeps beside the output `name` for `what`: its lock, its staging
/// folders.
fn beside(parent: &Path, name: &str, what: &str) -> PathBuf {
    parent.join(prefix(name) + what)
}

/// How every name secbook keeps beside the output `name` starts. A long name is cut and
/// told apart by its hash, so that `.<name>.secbook-new-<pid>` stays within the 255 bytes
/// a file name may have.
fn prefix(name: &str) -> String {
    const KEPT: usize = 100;
    if name.len() <= 2 * KEPT {
        return format!(".{name}.secbook-");
    }
    let cut = (0..=KEPT)
        .rev()
        .find(|&i| name.is_char_boundary(i))
        .unwrap_or(0);
    let mut hasher = std::hash::DefaultHasher::new();
    name.hash(&mut hasher);
    format!(".{}~{:016x}.secbook-", &name[..cut], hasher.finish())
}

/// Refuses an output `target` (shown as `shown`) that secbook may not replace: anything
/// that is not a folder, and, unless `force`, a folder that is neither empty nor marked
/// with [`OUTPUT_MARKER`]. Whether the folder is marked, that is, a build wrote it.
fn claim(target: &Path, shown: &Path, force: bool, holds: Holds) -> Result<bool, Error> {
    let meta = match fs::symlink_metadata(target) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(Error::io(target, e)),
    };
    if !meta.is_dir() {
        return Err(Error::Usage(format!(
            "{} exists and is not a folder: the {} is a folder, and secbook does not replace \
             what it did not write; choose another {}",
            shown.display(),
            holds.folder(),
            holds.folder()
        )));
    }
    let owned = fs::symlink_metadata(target.join(OUTPUT_MARKER)).is_ok_and(|m| m.is_file());
    let empty = fs::read_dir(target)
        .map_err(|e| Error::io(target, e))?
        .next()
        .is_none();
    if owned || empty || force {
        return Ok(owned);
    }
    Err(Error::Usage(format!(
        "{} is not empty and was not written by secbook (it has no {OUTPUT_MARKER} file); \
         choose an empty or new folder, or pass --force to replace it and everything in it \
         (a folder an older secbook wrote needs --force once)",
        shown.display()
    )))
}

/// An advisory lock on one folder, held on the file `.<name>.secbook-lock` beside it, so
/// that two commands that write the folder take turns: two builds into one output folder
/// instead of publishing a mix, two commands that add records instead of taking one id.
///
/// On Unix the file is removed when the lock is released, so it leaves nothing beside the
/// folder; a command that opened the file before that finds, once it holds the lock, that
/// the path no longer names its file, and opens it anew. Elsewhere the file stays.
pub struct Lock {
    file: File,
    path: PathBuf,
}

/// Takes the [`Lock`] of the folder `name` in `parent`, waiting while another command
/// holds it; `holder` says who that is ("another build into public").
pub fn lock(parent: &Path, name: &str, holder: &str) -> Result<Lock, Error> {
    Lock::take(beside(parent, name, "lock"), holder)
}

impl Lock {
    fn take(path: PathBuf, holder: &str) -> Result<Lock, Error> {
        let mut told = false;
        loop {
            let file = OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .map_err(|e| cannot_write_beside(&path, e))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    if !told {
                        crate::tell!("waiting for {holder} to finish");
                        told = true;
                    }
                    file.lock().map_err(|e| Error::io(&path, e))?;
                }
                Err(TryLockError::Error(e)) => return Err(Error::io(&path, e)),
            }
            if still_named(&file, &path).map_err(|e| Error::io(&path, e))? {
                return Ok(Lock { file, path });
            }
        }
    }
}

/// The error for the lock file `lock`, which could not be made: about the folder it is
/// in, where the output is made too, since the user never named the lock.
fn cannot_write_beside(lock: &Path, e: io::Error) -> Error {
    let Some(folder) = lock.parent() else {
        return Error::io(lock, e);
    };
    Error::Usage(format!(
        "cannot write into {}, the folder the output is made in: {e}; choose an output \
         folder in a folder you may write into",
        folder.display()
    ))
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Removed while still held, so that no build can take the lock on a file that is
        // no longer at its path.
        if cfg!(unix) {
            let _ = fs::remove_file(&self.path);
        }
        let _ = self.file.unlock();
    }
}

/// Whether `path` still names the open `file`: the build that held the lock before may
/// have removed it.
#[cfg(unix)]
fn still_named(file: &File, path: &Path) -> io::Result<bool> {
    use std::os::unix::fs::MetadataExt;
    let held = file.metadata()?;
    match fs::metadata(path) {
        Ok(named) => Ok(held.dev() == named.dev() && held.ino() == named.ino()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(not(unix))]
fn still_named(_: &File, _: &Path) -> io::Result<bool> {
    Ok(true)
}

/// Removes the staging folders of builds that were killed before they could clean up:
/// folders named as [`Staging`] names them, a process id and all, and nothing else (not
/// `.public.secbook-new-backup`). Called only while holding
/// the output's [`Lock`], as [`Staging`] explains.
fn remove_leftovers(parent: &Path, name: &str) {
    let prefix = prefix(name);
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let ours = entry
            .file_name()
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix))
            .and_then(|what| what.strip_prefix(NEW).or_else(|| what.strip_prefix(OLD)))
            .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()));
        if ours && entry.file_type().is_ok_and(|t| t.is_dir()) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// The output a build replaces, when a build wrote it: a file of the new output that is
/// byte for byte the same as the old one's is linked to it instead of written again. So an
/// unchanged file keeps its modification time, and a sync to a host that goes by time and
/// size (`rsync -a`, `aws s3 sync`) sends only the files that changed, not all 27,000 of a
/// large register's. Reading the old file costs about what writing it would.
struct Previous {
    /// A file this build creates: an old file made otherwise (its permissions changed by
    /// hand, say) is not taken.
    fresh: Made,
    /// Cleared at the first link the file system refuses, so that one that has no hard
    /// links (or puts the output on another device) is asked once.
    links: AtomicBool,
}

impl Previous {
    /// With `fresh` a file this build has just created. `None` where the system does not
    /// say how a file was made.
    fn of(fresh: &Path) -> Option<Previous> {
        Some(Previous {
            fresh: Made::of(&fs::metadata(fresh).ok()?)?,
            links: AtomicBool::new(true),
        })
    }

    /// Links the old output's file `from` to `to` when it holds exactly `body`, is made as
    /// the build would make it, and has no other name: a file linked from outside the
    /// output could be changed there, and the new output with it. Whether it did.
    fn lend(&self, from: &Path, body: &Body, to: &Path) -> bool {
        if !self.links.load(Ordering::Relaxed) {
            return false;
        }
        // A copy takes its source's permissions.
        let (made, size) = match body {
            Body::Copy(source) => {
                let mode_and_size = fs::metadata(&source.path)
                    .ok()
                    .and_then(|m| Some((Made::of(&m)?.mode, m.len())));
                match mode_and_size {
                    Some((mode, size)) => (Made { mode, ..self.fresh }, size),
                    None => return false,
                }
            }
            _ => (self.fresh, body.size()),
        };
        let fits =
            fs::symlink_metadata(from).is_ok_and(|m| m.len() == size && Made::of(&m) == Some(made));
        let block = block_for(size);
        let same = fits
            && match body {
                Body::Bytes(bytes) => same_bytes(from, block, &bytes[..]),
                Body::Parts(parts) => same_bytes(from, block, Joined::new(parts)),
                Body::Copy(source) => File::open(&source.path)
                    .and_then(|f| same_bytes(from, block, BufReader::with_capacity(block, f))),
            }
            .unwrap_or(false);
        if !same {
            return false;
        }
        match fs::hard_link(from, to) {
            Ok(()) => true,
            Err(_) => {
                self.links.store(false, Ordering::Relaxed);
                false
            }
        }
    }
}

/// How a file was made: its type and permissions (a link or a folder differs from a file
/// in its mode), its owner, and how many names it has.
#[derive(Clone, Copy, PartialEq)]
struct Made {
    mode: u32,
    uid: u32,
    names: u64,
}

impl Made {
    #[cfg(unix)]
    fn of(meta: &fs::Metadata) -> Option<Made> {
        use std::os::unix::fs::MetadataExt;
        Some(Made {
            mode: meta.mode(),
            uid: meta.uid(),
            names: meta.nlink(),
        })
    }

    #[cfg(not(unix))]
    fn of(_: &fs::Metadata) -> Option<Made> {
        None
    }
}

/// How much of a file of `size` bytes is compared at a time: the whole of most pages, and
/// 64 KB of a larger file.
fn block_for(size: u64) -> usize {
    usize::try_from(size).map_or(1 << 16, |n| n.clamp(1, 1 << 16))
}

/// Whether the file at `path` holds exactly the bytes `other` reads, `block` at a time.
fn same_bytes(path: &Path, block: usize, mut other: impl BufRead) -> io::Result<bool> {
    let mut file = BufReader::with_capacity(block, File::open(path)?);
    loop {
        let (mine, theirs) = (file.fill_buf()?, other.fill_buf()?);
        if mine.is_empty() || theirs.is_empty() {
            return Ok(mine.is_empty() && theirs.is_empty());
        }
        let n = mine.len().min(theirs.len());
        if mine[..n] != theirs[..n] {
            return Ok(false);
        }
        file.consume(n);
        other.consume(n);
    }
}

/// The parts of a file read one after another, without joining them: an export's are
/// mostly a comma each.
struct Joined<'a> {
    rest: std::slice::Iter<'a, bytes::Bytes>,
    part: &'a [u8],
}

impl<'a> Joined<'a> {
    fn new(parts: &'a [bytes::Bytes]) -> Self {
        Joined {
            rest: parts.iter(),
            part: &[],
        }
    }
}

impl Read for Joined<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.fill_buf()?.read(out)?;
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Joined<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.part.is_empty() {
            match self.rest.next() {
                Some(part) => self.part = part,
                None => break,
            }
        }
        Ok(self.part)
    }

    fn consume(&mut self, n: usize) {
        self.part = &self.part[n..];
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    fs::File::create(path)?.write_all(bytes)
}

/// Buffered: a file of an export's parts has two for each record, most of them a comma.
fn write_parts(path: &Path, parts: &[impl AsRef<[u8]>]) -> io::Result<()> {
    let mut f = io::BufWriter::with_capacity(1 << 16, fs::File::create(path)?);
    parts.iter().try_for_each(|p| f.write_all(p.as_ref()))?;
    f.flush()
}

/// The line of [`OUTPUT_MARKER`] after which it names, one a line, each file the build
/// wrote, by its path in the folder.
const MARKER_LIST: &str = "What it wrote:";

/// What the marker of an older secbook names instead: the entries at the folder's top,
/// everything under them its own.
const MARKER_TOP: &str = "What it wrote at the top of the folder:";

/// Adds to the marker of the staged output `dir` the path of each file `written`.
fn mark(dir: &Path, mut written: Vec<String>) -> io::Result<()> {
    written.sort_unstable();
    let mut list = String::with_capacity(written.iter().map(|p| p.len() + 1).sum());
    for path in &written {
        list.push_str(path);
        list.push('\n');
    }
    let mut marker = OpenOptions::new()
        .append(true)
        .open(dir.join(OUTPUT_MARKER))?;
    marker.write_all(list.as_bytes())
}

/// What is in the output `out` that the build that wrote it did not write, as its marker
/// lists what it wrote: the path of each such file or folder, not of what it holds.
/// Nothing where the marker lists nothing (a folder replaced with `--force`): all of it is
/// replaced.
fn foreign_entries(out: &Path) -> Vec<PathBuf> {
    let Ok(marker) = fs::read_to_string(out.join(OUTPUT_MARKER)) else {
        return Vec::new();
    };
    let (written, deep) = if let Some((_, list)) = marker.split_once(&format!("{MARKER_LIST}\n")) {
        (list, true)
    } else if let Some((_, list)) = marker.split_once(&format!("{MARKER_TOP}\n")) {
        (list, false)
    } else {
        return Vec::new();
    };
    let files: HashSet<&str> = written.lines().collect();
    let folders: HashSet<&str> = (files.iter())
        .flat_map(|f| f.match_indices('/').map(|(i, _)| &f[..i]))
        .collect();
    let mut foreign = Vec::new();
    let mut walk = walkdir::WalkDir::new(out)
        .min_depth(1)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = walk.next() {
        let Ok(entry) = entry else { continue };
        let Ok(path) = entry.path().strip_prefix(out) else {
            continue;
        };
        if path == Path::new(OUTPUT_MARKER) {
            continue;
        }
        let is_dir = entry.file_type().is_dir();
        let name = path.to_str().unwrap_or_default();
        let ours = if deep && is_dir {
            folders.contains(name)
        } else {
            files.contains(name)
        };
        if !ours {
            foreign.push(path.to_path_buf());
        }
        if is_dir && !(ours && deep) {
            walk.skip_current_dir();
        }
    }
    foreign
}

/// Puts `staging` in the place of `out` in one step where the system allows it. Returns
/// where the previous output is left, when there was one.
fn swap_in(
    staging: &Path,
    out: &Path,
    parent: &Path,
    name: &str,
) -> Result<Option<PathBuf>, Error> {
    let busy = |e: io::Error| match e.kind() {
        io::ErrorKind::ResourceBusy => Error::Usage(format!(
            "{} cannot be replaced: it is a mount point; choose a folder inside it",
            out.display()
        )),
        _ => Error::io(out, e),
    };
    if !out.exists() {
        fs::rename(staging, out).map_err(busy)?;
        return Ok(None);
    }
    // Where the previous output is once the new one is in its place.
    let old = match exchange(staging, out) {
        Ok(()) => staging.to_path_buf(),
        Err(_) => {
            let old = beside(parent, name, &format!("{OLD}{}", std::process::id()));
            fs::rename(out, &old).map_err(busy)?;
            if let Err(e) = fs::rename(staging, out) {
                let _ = fs::rename(&old, out);
                return Err(Error::io(out, e));
            }
            old
        }
    };
    Ok(Some(old))
}
/// Atomically exchanges two paths (Linux `renameat2` with `RENAME_EXCHANGE`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let a = CString::new(a.as_os_str().as_bytes())?;
    let b = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both are valid NUL-terminated paths that outlive the call.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "no atomic exchange here",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks that output paths are relative, stay inside the folder, and differ even on a
    /// file system that ignores case.
    pub fn check_paths(files: &[OutputFile]) -> Vec<Diagnostic> {
        let mut paths = PathCheck::default();
        files.iter().filter_map(|f| paths.check(&f.path)).collect()
    }

    /// Writes `files` as the folder `out`, replacing what was there only when all are written.
    /// The handbook is a folder of its own beside `out`.
    pub fn write_site(out: &Path, files: &[OutputFile]) -> Result<(), Error> {
        let root = out.parent().unwrap().join("handbook");
        fs::create_dir_all(&root).unwrap();
        let staging = Staging::create(&root, out, false, Holds::Site)?;
        files.par_iter().try_for_each(|f| staging.write(f))?;
        staging.commit().map(|_| ())
    }

    fn file(path: &str, text: &str) -> OutputFile {
        OutputFile::html(path.into(), text.into())
    }

    #[test]
    fn unsafe_and_colliding_paths_are_refused() {
        let files = [
            file("../x", ""),
            file("/etc/x", ""),
            file("a/./b", ""),
            file("a\0b", ""),
            file("a\nb", ""),
            file("c:/x", ""),
            file("A/index.html", ""),
            file("a/index.html", ""),
            file("exceptions/CON/index.html", ""),
            file("static/nul.txt", ""),
            file("incidents/com1.tar.gz", ""),
        ];
        let diags = check_paths(&files);
        assert_eq!(diags.len(), 10, "{diags:?}");
        assert!(diags[6].message.contains("differ only in letter case"));
        assert!(diags[7].message.contains("`CON`, a name Windows reserves"));
        assert!(diags[9].message.contains("`com1.tar.gz`"));
    }

    fn page(name: &str) -> Origin {
        Origin::Page(SourceFile::new(name, "---\ntitle: T\n---\n"))
    }

    fn record(name: &str, id: &str) -> Origin {
        Origin::Record(SourceFile::new(name, format!("title: T\nid: {id}\n")))
    }

    #[test]
    fn equal_paths_collide_and_case_variants_differ_only_in_case() {
        let mut paths = PathCheck::default();
        assert!(
            paths
                .claim("a-b/index.html", page("content/a b.md"))
                .is_none()
        );
        let same = paths
            .claim("a-b/index.html", page("content/a-b.md"))
            .unwrap();
        assert_eq!(
            same.message,
            "content/a b.md and content/a-b.md collide: both are written to `a-b/index.html`"
        );
        assert_eq!(same.file.unwrap().name, "content/a-b.md");

        let case = paths
            .claim("A-B/index.html", record("data/exceptions/A-B.yaml", "A-B"))
            .unwrap();
        assert!(
            case.message.starts_with(
                "content/a b.md and data/exceptions/A-B.yaml are written to `a-b/index.html` \
                 and `A-B/index.html`, which differ only in letter case"
            ),
            "{}",
            case.message
        );
        assert!(!case.message.contains("collide"));
        // At the record's id.
        let (file, line, col) = case.location().unwrap();
        assert_eq!(
            (file.as_str(), line, col),
            ("data/exceptions/A-B.yaml", 2, 5)
        );
    }

    #[test]
    fn a_path_cannot_be_a_file_and_a_folder() {
        // The folder after the file, and the file after the folder, in any letter case;
        // names that sort between the two (`-` and `.` sort before `/`) do not clash.
        for (first, second) in [
            ("exceptions/index.html", "exceptions/index.html/index.html"),
            ("exceptions/index.html/index.html", "exceptions/index.html"),
            ("a/B", "a/b/c/d"),
            ("a/b/c/d", "a/B"),
        ] {
            let mut paths = PathCheck::default();
            for fine in [
                "a/b-x/c",
                "a/b.html",
                "exceptions/index.html-x/y",
                "exceptions/index.htmlx",
            ] {
                assert!(paths.check(fine).is_none(), "{fine}");
            }
            assert!(paths.check(first).is_none());
            let diag = paths
                .claim(second, record("data/exceptions/x.yaml", "x"))
                .unwrap_or_else(|| panic!("{first} then {second}"));
            assert!(
                diag.message
                    .contains("a path cannot be both a file and a folder"),
                "{}",
                diag.message
            );
            assert!(diag.message.contains("a file secbook makes"));
            assert!(diag.message.contains("data/exceptions/x.yaml"));
            assert!(
                diag.hint
                    .unwrap()
                    .contains("give data/exceptions/x.yaml another id")
            );
        }
    }

    #[test]
    fn a_file_over_a_folder_is_reported_with_the_first_path_below_it() {
        let mut paths = PathCheck::default();
        for below in ["a/b/z", "a/B/c/d", "a/b/m"] {
            assert!(paths.check(below).is_none(), "{below}");
        }
        let diag = paths.claim("a/b", page("content/a/b.md")).unwrap();
        assert!(
            diag.message.contains("written to `a/B/c/d`"),
            "{}",
            diag.message
        );
    }

    #[test]
    fn a_file_in_the_way_of_many_paths_is_reported_once() {
        let mut paths = PathCheck::default();
        assert!(
            paths
                .claim("search", Origin::Copied("static/search".into()))
                .is_none()
        );
        let diag = paths.check("search/index.html").unwrap();
        assert!(diag.message.contains("static/search"), "{}", diag.message);
        assert!(paths.check("search/index.js").is_none());
        assert!(
            paths
                .claim("search/a/index.html", page("content/search/a.md"))
                .is_none()
        );
        // Another file in the way is its own cause.
        assert!(
            paths
                .claim("api", Origin::Copied("static/api".into()))
                .is_none()
        );
        assert!(paths.check("api/exceptions.json").is_some());
    }

    #[test]
    fn a_folder_unfit_to_write_is_reported_once() {
        let mut paths = PathCheck::default();
        let claim = |paths: &mut PathCheck, path: &str| {
            (paths.claim(path, page(&format!("content/{path}.md")))).map(|d| d.message)
        };
        let first = claim(&mut paths, "aux/p1/index.html").unwrap();
        assert!(first.contains("every path below `aux/`"), "{first}");
        assert_eq!(claim(&mut paths, "aux/p2/index.html"), None);
        assert_eq!(claim(&mut paths, "aux/deeper/p3/index.html"), None);
        // A name of the file's own is a cause of its own, as is another folder.
        let own = claim(&mut paths, "guides/nul.txt").unwrap();
        assert!(!own.contains("every path below"), "{own}");
        assert!(claim(&mut paths, "guides/con.txt").is_some());
        assert!(claim(&mut paths, "notes./a/index.html").is_some());
        assert_eq!(claim(&mut paths, "notes./b/index.html"), None);
        assert!(claim(&mut paths, "a|b/x/index.html").is_some());
        assert_eq!(claim(&mut paths, "a|b/y/index.html"), None);
    }

    #[test]
    fn names_and_paths_too_long_for_a_file_system_are_refused() {
        let name = |n: usize| "n".repeat(n);
        let deep = |n: usize| format!("{}/index.html", vec!["abcdefg"; n].join("/"));
        let mut paths = PathCheck::default();
        assert!(
            paths
                .check(&format!("owners/{}/index.html", name(255)))
                .is_none()
        );
        let long = paths
            .check(&format!("owners/{}/index.html", name(256)))
            .unwrap();
        assert!(
            long.message.contains("a name of 256 bytes"),
            "{}",
            long.message
        );
        // 8 bytes a folder, and 10 for the file.
        let fits = deep((MAX_PATH_BYTES - 10) / 8);
        assert!(fits.len() <= MAX_PATH_BYTES);
        assert!(paths.check(&fits).is_none());
        let too_deep = deep((MAX_PATH_BYTES - 10) / 8 + 1);
        assert!(too_deep.len() > MAX_PATH_BYTES);
        let diag = paths.claim(&too_deep, page("content/deep.md")).unwrap();
        assert!(diag.message.contains("bytes long"), "{}", diag.message);
        assert_eq!(diag.file.unwrap().name, "content/deep.md");
        // A copied file has no place to point at, so the message names it.
        let copied = Origin::Copied("static/NUL.txt".into());
        let diag = paths.claim("NUL.txt", copied).unwrap();
        assert!(
            diag.message.ends_with("(from static/NUL.txt)"),
            "{}",
            diag.message
        );
    }

    /// Checks each of `probes` in turn with both `one` and `other`, which must report the
    /// same: message, hint, file and place.
    fn same_reports(one: &mut PathCheck, other: &mut PathCheck, probes: &[&str]) {
        let report = |d: Option<Diagnostic>| {
            d.map(|d| (d.message, d.hint, d.file.map(|f| f.name.clone()), d.span))
        };
        for probe in probes {
            assert_eq!(
                report(one.check(probe)),
                report(other.check(probe)),
                "{probe}"
            );
        }
    }

    #[test]
    fn a_block_of_claims_is_seen_as_the_same_claims_made_one_at_a_time() {
        let claims = || {
            vec![
                (
                    "exceptions/B/index.html".into(),
                    record("data/exceptions/B.yaml", "B"),
                ),
                (
                    "exceptions/A/index.html".into(),
                    record("data/exceptions/A.yaml", "A"),
                ),
            ]
        };
        let (mut one, mut block) = (PathCheck::default(), PathCheck::default());
        for paths in [&mut one, &mut block] {
            assert!(
                paths
                    .claim("guide/index.html", page("content/guide.md"))
                    .is_none()
            );
        }
        assert!(one.claim_all(claims()).is_empty());
        let kept = ClaimBlock::of(claims()).unwrap();
        assert!(block.claim_block(kept).is_ok());

        // A file of secbook's own in the folder of both, each record's page (the second
        // time a clash), the same but for case, a file below one and one above all: the
        // lowest path below a folder is the block's, not the one put after it.
        same_reports(
            &mut one,
            &mut block,
            &[
                "exceptions/C/index.html",
                "exceptions/A/index.html",
                "exceptions/A/index.html",
                "EXCEPTIONS/b/index.html",
                "exceptions/B/index.html/x",
                "exceptions",
                "exceptions/B",
            ],
        );
        let kept = block.into_block().unwrap();

        // Kept, each path claimed again; a claim made before it that clashes with it hands
        // it back, to be claimed one claim at a time, where the clash is reported.
        let mut again = PathCheck::default();
        assert!(again.claim_block(kept).is_ok());
        assert!(again.check("exceptions/A/index.html").is_none());
        let kept = again.into_block().unwrap();
        let mut clashing = PathCheck::default();
        assert!(
            clashing
                .claim("exceptions/a/index.html", page("content/a.md"))
                .is_none()
        );
        assert!(clashing.claim_block(kept).is_err());
    }

    #[test]
    fn a_part_put_whole_is_seen_as_its_paths_put_one_at_a_time() {
        let claims = || {
            ["A", "B"].map(|id| {
                let path = format!("exceptions/{id}/index.html");
                (path, record(&format!("data/exceptions/{id}.yaml"), id))
            })
        };
        let start = || {
            let mut paths = PathCheck::default();
            assert!(
                paths
                    .claim("guide/index.html", page("content/guide.md"))
                    .is_none()
            );
            let block = ClaimBlock::of(claims().into()).unwrap();
            assert!(paths.claim_block(block).is_ok());
            paths
        };
        let part = |paths: &[&str]| {
            Arc::new(PartFiles::new(
                (paths.iter())
                    .map(|p| OutputFile::bytes(*p, Vec::new()))
                    .collect(),
            ))
        };
        let registry = part(&[
            "exceptions/A/index.html",
            "exceptions/index.html",
            "exceptions/by-state/1/index.html",
        ]);
        let (mut one, mut whole) = (start(), start());
        for (file, key) in registry.keyed_files() {
            assert!(one.check_keyed(&file.path, key).is_none(), "{}", file.path);
        }
        assert!(whole.put_whole(&registry));

        // The claim the part took, one it left, a path of the part, the same but for
        // case, a file where it has a folder, one below its file, a path of another
        // folder.
        same_reports(
            &mut one,
            &mut whole,
            &[
                "exceptions/A/index.html",
                "exceptions/B/index.html",
                "exceptions/index.html",
                "EXCEPTIONS/By-State/1/index.html",
                "exceptions/by-state",
                "exceptions/index.html/x",
                "guide/index.html",
                "feeds/exceptions.xml",
            ],
        );

        // Kept with the block for the next build, the part is put whole again.
        let mut again = PathCheck::default();
        assert!(again.claim_block(whole.into_block().unwrap()).is_ok());
        assert!(again.put_whole(&registry));
        let kept = again.into_block().unwrap();

        // Put one path at a time, to be reported, when it would clash: with a claim made
        // before it, a claim of the block taken already, another part in its folders, a
        // claim of the block in another case, or itself.
        let mut claimed = PathCheck::default();
        assert!(
            claimed
                .claim("exceptions/by-state/1", page("content/x.md"))
                .is_none()
        );
        assert!(!claimed.put_whole(&registry));
        let mut taken = PathCheck::default();
        assert!(taken.claim_block(kept).is_ok());
        assert!(taken.check("exceptions/A/index.html").is_none());
        assert!(!taken.put_whole(&registry));
        let mut parts = start();
        assert!(parts.put_whole(&part(&["feeds/incidents.xml"])));
        assert!(!parts.put_whole(&part(&["Feeds/incidents.xml/x"])));
        assert!(!start().put_whole(&part(&["exceptions/a/index.html"])));
        assert!(!start().put_whole(&part(&["a/index.html", "A/index.html"])));
        assert!(!start().put_whole(&part(&["a", "a/b"])));
        assert!(!start().put_whole(&part(&["../a"])));
        // A part apart from all else.
        assert!(start().put_whole(&part(&["a/b", "a/c", "b"])));
    }

    #[test]
    fn a_claimed_path_takes_its_own_file_once() {
        let mut paths = PathCheck::default();
        assert!(
            paths
                .claim("metrics/index.html", page("content/metrics.md"))
                .is_none()
        );
        assert!(
            paths
                .claim("guide/index.html", page("content/guide.md"))
                .is_none()
        );
        // The page itself, then secbook's own metrics page.
        assert!(paths.check("metrics/index.html").is_none());
        let diag = paths.check("metrics/index.html").unwrap();
        assert_eq!(
            diag.message,
            "content/metrics.md and a file secbook makes collide: both are written to \
             `metrics/index.html`"
        );
        assert_eq!(diag.file.unwrap().name, "content/metrics.md");
        // Put in another case, a file does not take the claim.
        assert!(
            paths
                .check("Guide/index.html")
                .unwrap()
                .message
                .contains("differ only in letter case")
        );
        // Paths nobody claimed clash as before.
        assert!(paths.check("x/index.html").is_none());
        assert!(
            paths
                .check("x/index.html")
                .unwrap()
                .message
                .contains("collide")
        );
    }

    #[test]
    fn derived_names_fit_and_stay_apart() {
        assert_eq!(fit_name("ann-lee-example-com"), "ann-lee-example-com");
        let long = |end: &str| format!("{}{end}", "a".repeat(300));
        let (one, two) = (fit_name(&long("1")), fit_name(&long("2")));
        assert_ne!(one, two);
        for name in [&one, &two] {
            assert_eq!(name.len(), MAX_DERIVED_BYTES, "{name}");
            assert!(name.starts_with("aaaa"), "{name}");
        }
        // The same name, the same address, whichever build or version makes it: the first
        // hex digits of UUID v5 (URL namespace), as Python's uuid.uuid5 gives them.
        assert_eq!(one, fit_name(&long("1")));
        assert_eq!(&one[MAX_DERIVED_BYTES - 11..], "-9c0be74306");
        // Cut at a character, never inside one.
        assert!(fit_name(&"é".repeat(100)).len() <= MAX_DERIVED_BYTES);
    }

    #[test]
    fn a_failed_write_keeps_the_previous_output() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write_site(&out, &[file("a.html", "one")]).unwrap();
        let missing = OutputFile {
            path: "b.bin".into(),
            body: Body::Copy(crate::load::theme::CopiedFile {
                path: dir.path().join("does-not-exist"),
                name: "static/does-not-exist".into(),
            }),
        };
        assert!(write_site(&out, &[file("a.html", "two"), missing]).is_err());
        assert_eq!(fs::read_to_string(out.join("a.html")).unwrap(), "one");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn replaces_the_folder_and_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write_site(&out, &[file("a.html", "one"), file("old.html", "x")]).unwrap();
        write_site(&out, &[file("a.html", "two")]).unwrap();
        assert_eq!(fs::read_to_string(out.join("a.html")).unwrap(), "two");
        assert!(!out.join("old.html").exists());
        let mut names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        names.sort();
        assert_eq!(names, ["handbook", "public"]);
    }

    #[test]
    fn same_bytes_holds_only_when_every_byte_matches() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        fs::write(&path, &big).unwrap();
        let holds = |parts: &[&[u8]]| {
            let parts: Vec<bytes::Bytes> = parts.iter().map(|p| p.to_vec().into()).collect();
            same_bytes(&path, block_for(200_000), Joined::new(&parts)).unwrap()
        };
        assert!(holds(&[&big]));
        assert!(holds(&[&big[..1], &[], &big[1..70_000], &big[70_000..]]));
        assert!(!holds(&[&big[..199_999]]), "a file that is longer");
        assert!(!holds(&[&big, b"!"]), "a file that is shorter");
        let mut changed = big.clone();
        changed[150_000] ^= 1;
        let other = dir.path().join("g");
        fs::write(&other, &changed).unwrap();
        assert!(
            !holds(&[&changed[..100], &changed[100..]]),
            "one byte differs"
        );
        let copy = |file: &Path| {
            same_bytes(&path, 4096, BufReader::new(File::open(file).unwrap())).unwrap()
        };
        assert!(copy(&path) && !copy(&other));
        fs::write(&path, b"").unwrap();
        assert!(holds(&[]) && holds(&[b""]) && !holds(&[b"x"]));
    }
}
