//! A handbook on disk: the one walk of its folders, and the one read of a file.

use std::fs::{self, FileType, Metadata};
use std::io::{ErrorKind, Read};
use std::path::{Component, Path, PathBuf};

use walkdir::WalkDir;

use crate::diagnostics::{Diagnostic, Error, code_points};
use crate::load::source::{Hidden, Source, Walk, Walked, cannot_read, decode, too_large};
use crate::model::reserved::OUTPUT_MARKER;

/// The handbook in a folder on disk. It reads only regular files (a FIFO would block the
/// build), and follows only the symbolic links that `follow` allows (a link to a secret
/// would otherwise end up in a report or on a page).
pub struct Disk {
    root: PathBuf,
}

impl Disk {
    /// The handbook in the folder `root`.
    pub fn new(root: impl Into<PathBuf>) -> Disk {
        Disk { root: root.into() }
    }
}

impl Source for Disk {
    fn walk(&self, folder: &str, hidden: Hidden) -> Walk {
        walk(&self.root, folder, hidden)
    }

    fn read(&self, name: &str, max_bytes: u64) -> Result<Option<Vec<u8>>, Diagnostic> {
        let path = self.root.join(name);
        if fs::symlink_metadata(&path).is_err() {
            return Ok(None);
        }
        let root = self.root.canonicalize().map_err(|e| cannot_read(name, e))?;
        follow(&root, &path, name)?;
        read_bytes(&path, name, max_bytes).map(Some)
    }

    /// The walk checked the file's links on the way.
    fn read_walked(&self, name: &str, max_bytes: u64) -> Result<Vec<u8>, Diagnostic> {
        read_bytes(&self.root.join(name), name, max_bytes)
    }

    fn is_folder(&self, name: &str) -> bool {
        self.root.join(name).is_dir()
    }

    fn path(&self, name: &str) -> Option<PathBuf> {
        Some(self.root.join(name))
    }
}

/// Reads the file at `path` (shown as `name`) as UTF-8 text of at most `max_bytes`,
/// without a byte order mark: a file outside the handbook, such as a tracker CSV to import.
pub fn read_text(path: &Path, name: &str, max_bytes: u64) -> Result<String, Diagnostic> {
    decode(name, read_bytes(path, name, max_bytes)?)
}

/// Reads the regular file at `path` (shown as `name`), of at most `max_bytes`.
pub fn read_bytes(path: &Path, name: &str, max_bytes: u64) -> Result<Vec<u8>, Diagnostic> {
    let fail = |why: String| cannot_read(name, why);
    let mut options = fs::OpenOptions::new();
    options.read(true);
    // Opening a FIFO waits for a writer; without blocking, the check below refuses it.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path).map_err(|e| fail(e.to_string()))?;
    let meta = file.metadata().map_err(|e| fail(e.to_string()))?;
    if !meta.is_file() {
        return Err(fail(format!("it is {}", not_regular(meta.file_type()))));
    }
    if meta.len() > max_bytes {
        return Err(too_large(name, max_bytes));
    }
    // Sized for the file, so it is read in one call rather than in a dozen doubling ones
    // (a bounded reader gives no size hint): 25,000 records made 180,000 reads. The file
    // may grow after the check above.
    let size = usize::try_from(meta.len()).unwrap_or(0).saturating_add(1);
    read_at_most(file, size, name, max_bytes)
}

/// What `reader` gives, into a buffer of `size` bytes first; too large past `max_bytes`.
fn read_at_most(
    reader: impl Read,
    size: usize,
    name: &str,
    max_bytes: u64,
) -> Result<Vec<u8>, Diagnostic> {
    let mut bytes = Vec::with_capacity(size);
    (reader.take(max_bytes.saturating_add(1)))
        .read_to_end(&mut bytes)
        .map_err(|e| cannot_read(name, e.to_string()))?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large(name, max_bytes));
    }
    Ok(bytes)
}

/// The bytes of a file a command was given by name (`import tracker FILE`), up to
/// `max_bytes`: a stream too, `-` for the standard input, a named pipe or `/dev/stdin`
/// (`iconv -f WINDOWS-1252 -t UTF-8 old.csv | secbook import tracker -`). Read whole, it
/// is what was named on purpose, not a file met in the handbook's folders, where a pipe
/// would hold the build forever ([`read_bytes`] refuses one).
pub fn read_given(path: &Path, name: &str, max_bytes: u64) -> Result<Vec<u8>, Diagnostic> {
    let reader: Box<dyn Read> = match path.to_str() {
        Some("-") => Box::new(std::io::stdin().lock()),
        _ if is_stream(path) => {
            Box::new(fs::File::open(path).map_err(|e| cannot_read(name, e.to_string()))?)
        }
        _ => return read_bytes(path, name, max_bytes),
    };
    read_at_most(reader, 0, name, max_bytes)
}

/// Whether `path` is, or links to, a stream, read or written as it comes rather than kept
/// whole: a named pipe, or a character device (`/dev/stdin`, `/dev/null`).
pub fn is_stream(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo() || m.file_type().is_char_device())
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

/// `path` below `base`, with `/` separators; `None` when it is not below it or not UTF-8.
pub fn relative(base: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(base).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    Some(parts?.join("/"))
}

/// Walks the folder `root/folder` ([`Source::walk`]): the one walk of the handbook's
/// folders, so that every folder treats links, hidden names and special files alike.
/// Nothing is opened but folders inside the handbook:
///
/// - A symbolic link is followed when [`follow`] allows it. A folder link is followed
///   when it makes no loop, and not inside a folder reached through a link, so that links
///   cannot multiply the files without bound.
/// - A FIFO, a socket or a device is an error: reading or copying it would block the build.
/// - A name that is not UTF-8 is an error: it cannot become a path of the site.
///
/// An absent folder holds nothing.
fn walk(root: &Path, folder: &str, hidden: Hidden) -> Walk {
    let dir = root.join(folder);
    if fs::symlink_metadata(&dir).is_err() {
        return Walk::default();
    }
    let shown = format!("{folder}/");
    let found = root
        .canonicalize()
        .map_err(|e| Diagnostic::error(format!("cannot read {shown}: {e}")))
        .and_then(|root| Ok((follow(&root, &dir, &shown)?.1, root)));
    let refused_folder = |diag| Walk {
        files: Vec::new(),
        diags: vec![diag],
        refused: vec![String::new()],
    };
    match found {
        Ok((meta, root)) if meta.is_dir() => {
            let mut walker = Walker {
                walked: dir.canonicalize().ok(),
                root,
                folder,
                hidden,
                walk: Walk::default(),
            };
            walker.tree(&dir, "", None);
            walker.walk
        }
        Ok((meta, _)) if meta.is_file() => refused_folder(Diagnostic::error(format!(
            "{folder} is a file, not a folder; it is not read"
        ))),
        Ok((meta, _)) => refused_folder(refused(folder, meta.file_type())),
        Err(d) => refused_folder(d),
    }
}

struct Walker<'a> {
    /// The handbook's folder, canonical.
    root: PathBuf,
    /// The folder walked, canonical.
    walked: Option<PathBuf>,
    folder: &'a str,
    hidden: Hidden,
    walk: Walk,
}

impl Walker<'_> {
    /// `target`'s path below the handbook's folder, which [`follow`] keeps it in, with `/`
    /// separators.
    fn below_root(&self, target: &Path) -> String {
        let below = target.strip_prefix(&self.root).unwrap_or(target);
        let names: Vec<_> = below.iter().map(|c| c.to_string_lossy()).collect();
        names.join("/")
    }

    /// The error for a link at `shown` that leads to `target` in content/ or data/ from
    /// another folder: what is there is published only where its classification lets it
    /// be, on its own page, and copied from static/ or shown as another page's file it
    /// would reach every audience.
    fn crosses(&self, target: &Path, shown: &str) -> Option<Diagnostic> {
        let top = target.strip_prefix(&self.root).ok()?.iter().next()?;
        let ours = self.folder.split('/').next().unwrap_or(self.folder);
        let classified = top == "content" || top == "data";
        (classified && top != ours).then(|| {
            let top = top.to_string_lossy();
            Diagnostic::error(format!(
                "{shown} is a symbolic link into {top}/; it is not followed"
            ))
            .with_hint(format!(
                "what {top}/ holds is published only on its own page, to the audiences its \
                 classification lets read it: link to that page instead \
                 (`[title](exception:EXC-9)`, `[title](page.md)`)"
            ))
        })
    }

    /// Walks `dir`, whose files are named `prefix` and their path below it; `linked` when
    /// `dir` was reached through a folder link: where it is, below the handbook's folder.
    fn tree(&mut self, dir: &Path, prefix: &str, linked: Option<&str>) {
        let (folder, hidden) = (self.folder, self.hidden);
        // A linked folder inside the one walked is walked where it is too: what is wrong
        // in it is told there, once. Only a folder link it holds, which is followed there
        // and not here, is told here.
        let told = self.walk.diags.len();
        let echo = linked.is_some_and(|real| {
            (self.walked.as_ref()).is_some_and(|walked| self.root.join(real).starts_with(walked))
        });
        let mut not_followed = Vec::new();
        // Every name below `dir` passed the filter, so it is UTF-8 and this is exact.
        let rel_of = |path: &Path| {
            let below = path.strip_prefix(dir).unwrap_or(path);
            let below: Vec<_> = below.iter().map(|c| c.to_string_lossy()).collect();
            match prefix {
                "" => below.join("/"),
                _ => format!("{prefix}/{}", below.join("/")),
            }
        };
        let mut left_out = Vec::new();
        let mut entries = WalkDir::new(dir)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                if e.depth() == 0 {
                    return true;
                }
                let unusable = |name: &dyn std::fmt::Display, why: &str| {
                    let holder = rel_of(e.path().parent().unwrap_or(dir));
                    let shown = match holder.as_str() {
                        "" => format!("{folder}/{name}"),
                        _ => format!("{folder}/{holder}/{name}"),
                    };
                    Diagnostic::error(format!("{shown} is not read: {why}"))
                        .with_hint(
                            "rename it: the names of the handbook's files become paths of the site",
                        )
                        .about(&shown)
                };
                let Some(name) = e.file_name().to_str() else {
                    let name = e.file_name().as_encoded_bytes().escape_ascii();
                    left_out.push(unusable(&name, "its name is not UTF-8"));
                    return false;
                };
                // A line break in a name would end a report's line in a CI log, where
                // the rest would read as a command of the log (`::error file=…`).
                let breaks = |c: char| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}');
                if name.contains(breaks) {
                    left_out.push(unusable(
                        &code_points(name, breaks),
                        "its name holds a control character or a line break",
                    ));
                    return false;
                }
                let kept = hidden.keeps(name);
                if !kept {
                    left_out.extend(hidden.left_out(folder, &rel_of(e.path())));
                }
                kept
            });
        while let Some(entry) = entries.next() {
            let entry = match entry {
                Ok(entry) if entry.depth() == 0 => continue,
                Ok(entry) => entry,
                Err(e) => {
                    let rel = rel_of(e.path().unwrap_or(dir));
                    let shown = format!("{folder}/{rel}");
                    self.walk.diags.push(
                        Diagnostic::error(format!(
                            "cannot read {shown}: {}",
                            e.io_error().map_or(e.to_string(), ToString::to_string)
                        ))
                        .about(&shown),
                    );
                    self.walk.refused.push(rel);
                    continue;
                }
            };
            let path = entry.path();
            let rel = rel_of(path);
            let shown = format!("{folder}/{rel}");
            let file_type = entry.file_type();
            // A folder named as a record or data/people.yaml is, empty, would be left out
            // without a word, and data/people.yaml's checks with it.
            if file_type.is_dir() && folder == "data" && rel.ends_with(".yaml") {
                entries.skip_current_dir();
                let diag = Diagnostic::error(format!("{shown} is a folder, not a file; it is not read"))
                    .with_hint("a record, and data/people.yaml, is a file: move what the folder holds out of it, and remove it");
                self.walk.diags.push(diag.about(&shown));
                self.walk.refused.push(rel);
                continue;
            }
            if file_type.is_dir() {
                continue;
            }
            if file_type.is_file() {
                // Below a linked folder, where it is follows from where the folder is.
                let real = linked.map(|real| match &rel[prefix.len()..] {
                    "" => real.to_string(),
                    below => format!("{real}{below}"),
                });
                self.walk.files.push(Walked { rel, real });
                continue;
            }
            if !file_type.is_symlink() {
                self.walk
                    .diags
                    .push(refused(&shown, file_type).about(&shown));
                self.walk.refused.push(rel);
                continue;
            }
            let why = match follow(&self.root, path, &shown) {
                Ok((target, _)) if let Some(d) = self.crosses(&target, &shown) => d,
                Ok((target, meta)) if meta.is_file() => {
                    let real = Some(self.below_root(&target));
                    self.walk.files.push(Walked { rel, real });
                    continue;
                }
                Ok((target, meta)) if meta.is_dir() => {
                    match (self.folder_loop(path, &shown, &target), linked) {
                        (Some(d), _) => d,
                        (None, Some(_)) => {
                            not_followed.push(too_deep(&shown).about(&shown));
                            self.walk.refused.push(rel);
                            continue;
                        }
                        (None, None) => {
                            let real = self.below_root(&target);
                            self.tree(path, &rel, Some(&real));
                            continue;
                        }
                    }
                }
                Ok((_, meta)) => refused(&shown, meta.file_type()),
                Err(d) => d,
            };
            self.walk.diags.push(why.about(&shown));
            self.walk.refused.push(rel);
        }
        self.walk.diags.append(&mut left_out);
        if echo {
            self.walk.diags.truncate(told);
        }
        self.walk.diags.append(&mut not_followed);
    }

    /// Why the link at `path` to the folder `target` is not followed when it makes a loop.
    fn folder_loop(&self, path: &Path, shown: &str, target: &Path) -> Option<Diagnostic> {
        let holder = match path.parent().unwrap_or(path).canonicalize() {
            Ok(holder) => holder,
            Err(e) => return Some(Diagnostic::error(format!("cannot follow {shown}: {e}"))),
        };
        if !holder.starts_with(target) {
            return None;
        }
        let name = match target.strip_prefix(&self.root) {
            Ok(below) if below.as_os_str().is_empty() => "the handbook's folder".to_string(),
            Ok(below) => format!("{}/", below.to_string_lossy()),
            Err(_) => target.to_string_lossy().into_owned(),
        };
        Some(
            Diagnostic::error(format!(
                "{shown} is a symbolic link loop: it leads to {name}, which holds the link"
            ))
            .with_hint("link to a folder beside the link, not to one that holds it"),
        )
    }
}

/// Why the folder link `shown`, inside a folder reached through a link, is not followed.
fn too_deep(shown: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "{shown} is a symbolic link to a folder, inside a folder reached through a link; it is not followed"
    ))
    .with_hint("folder links are followed one deep, so that links cannot multiply the files; link to the folder from outside the linked one")
}

/// Follows the symbolic links in `path` (shown as `shown`): the place it leads to, in
/// canonical form, and what is there. A link that leads outside the handbook (`root`,
/// canonical) or into a hidden file or folder (such as `.git/config`, which holds the CI
/// job's credentials) is an error, and so are a link to nothing and a loop of links.
fn follow(root: &Path, path: &Path, shown: &str) -> Result<(PathBuf, Metadata), Diagnostic> {
    let fail = |why: &str| Diagnostic::error(format!("{shown} {why}; it is not followed"));
    let target = path.canonicalize().map_err(|e| match e.kind() {
        ErrorKind::NotFound => fail("is a symbolic link to nothing: what it names does not exist"),
        _ if is_loop(&e) => fail("is a symbolic link loop"),
        _ => Diagnostic::error(format!("cannot follow {shown}: {e}")),
    })?;
    let Ok(below) = target.strip_prefix(root) else {
        return Err(if path.is_symlink() {
            fail("is a symbolic link that leads outside the handbook")
        } else {
            fail("leads outside the handbook through a symbolic link")
        });
    };
    let hidden = below
        .components()
        .any(|c| c.as_os_str().to_string_lossy().starts_with('.'));
    if hidden {
        let how = if path.is_symlink() {
            "is a symbolic link to"
        } else {
            "leads to"
        };
        return Err(fail(&format!(
            "{how} {}, a hidden file or folder",
            below.to_string_lossy()
        ))
        .with_hint("hidden files and folders are never used, through a link or not"));
    }
    let meta = fs::metadata(&target)
        .map_err(|e| Diagnostic::error(format!("cannot follow {shown}: {e}")))?;
    Ok((target, meta))
}

/// Whether following links failed because they make a loop.
fn is_loop(error: &std::io::Error) -> bool {
    #[cfg(unix)]
    return error.raw_os_error() == Some(libc::ELOOP);
    #[cfg(not(unix))]
    return false;
}

/// The error for a file that is neither a regular file nor a folder nor a link.
fn refused(shown: &str, file_type: FileType) -> Diagnostic {
    Diagnostic::error(format!(
        "{shown} is {}; it is not read",
        not_regular(file_type)
    ))
    .with_hint("remove it: secbook reads only regular files, folders and links to them, and reading a FIFO or a device could block the build forever")
}

/// What a file that is not a regular file is, as a person says it.
fn not_regular(file_type: FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO (named pipe), not a regular file";
        }
        if file_type.is_socket() {
            return "a socket, not a regular file";
        }
        if file_type.is_block_device() || file_type.is_char_device() {
            return "a device, not a regular file";
        }
    }
    if file_type.is_dir() {
        "a folder, not a regular file"
    } else {
        "not a regular file"
    }
}

/// The nearest of `path` and the folders above it that a build wrote (it holds
/// [`OUTPUT_MARKER`]): the next build replaces it whole, and publishes what it holds.
pub fn built_site_holding(path: &Path) -> Option<&Path> {
    path.ancestors().find(|a| a.join(OUTPUT_MARKER).is_file())
}

/// `path` made absolute, with every symbolic link and `..` resolved as far as it exists.
/// The rest is created as plain folders, so its `..` is resolved by name. A command then
/// writes to the path it judged, whatever the path given was spelled like.
pub fn resolve(path: &Path) -> Result<PathBuf, Error> {
    let absolute = std::path::absolute(path).map_err(|e| Error::io(path, e))?;
    let parts: Vec<Component> = absolute.components().collect();
    for existing in (1..=parts.len()).rev() {
        let head: PathBuf = parts[..existing].iter().collect();
        match fs::canonicalize(&head) {
            Ok(mut real) => {
                for part in &parts[existing..] {
                    match part {
                        Component::ParentDir => {
                            real.pop();
                        }
                        Component::Normal(name) => real.push(name),
                        _ => {}
                    }
                }
                return Ok(real);
            }
            // Below a file, as where nothing is yet: judged by name, and making it then
            // says what is in the way.
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {}
            Err(e) => return Err(Error::io(&head, e)),
        }
    }
    Err(Error::Usage(format!(
        "{} is not a usable path",
        path.display()
    )))
}
