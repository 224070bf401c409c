//! Where a command may write: never over the handbook's own sources, and never through a
//! link to somewhere else. A build's output folder, an export written with `-o`, an
//! outbox of messages, a record that `new` or `import` adds: each is judged here.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::diagnostics::Error;

/// The handbook's folders that a build reads: an output inside one would replace sources,
/// or be read back as pages and copied into itself build after build.
const SOURCE_FOLDERS: [&str; 4] = ["content", "data", "static", "themes"];

use crate::load::disk::{is_stream, resolve};

/// What makes a path the file it is, so that two paths to one file are told apart from two
/// files: on Unix its device and inode, read from its metadata rather than by opening it,
/// which waits for a writer when it is a named pipe (`-o >(gzip > x)`).
#[cfg(unix)]
type FileId = (u64, u64);
#[cfg(not(unix))]
type FileId = same_file::Handle;

#[cfg(unix)]
fn identity(path: &Path) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn identity(path: &Path) -> Option<FileId> {
    same_file::Handle::from_path(path).ok()
}

/// Why `target` (resolved with [`resolve`]) may not be written by a command run on the
/// handbook at `root`: it is the handbook, holds it, is its handbook.yaml, lies inside one
/// of its [`SOURCE_FOLDERS`] or its repository's `.git`, or holds one of them. Folders are
/// compared by what they are as well as by path: a source folder may be a link to a folder
/// elsewhere (content/ to docs/content, so that docs/ holds it), and a folder mounted twice
/// has two paths.
pub fn clash(root: &Path, target: &Path) -> Result<Option<String>, Error> {
    let root = fs::canonicalize(root).map_err(|e| Error::io(root, e))?;
    // Whether `path` is the folder `folder`, when both exist.
    let is = |path: &Path, folder: &Option<FileId>| folder.is_some() && identity(path) == *folder;
    let target_is = identity(target);
    if target == root || is(&root, &target_is) {
        return Ok(Some(
            "is the handbook folder: what is written would replace its sources".into(),
        ));
    }
    if root.starts_with(target) || root.ancestors().any(|a| is(a, &target_is)) {
        return Ok(Some(format!(
            "holds the handbook folder {}: what is written would replace it",
            root.display()
        )));
    }
    let config = root.join("handbook.yaml");
    if target == config || is(&config, &target_is) {
        return Ok(Some("is the handbook's handbook.yaml".into()));
    }
    // The repository's own folder, which history reads: the handbook's, or that of the
    // repository it is a folder of.
    let git = root
        .ancestors()
        .map(|a| a.join(".git"))
        .find(|g| g.is_dir());
    let mut sources = Vec::new();
    for path in SOURCE_FOLDERS.iter().map(|name| root.join(name)).chain(git) {
        // A source folder that does not exist yet is judged by the path it will have: what
        // is written there now is read by the build once the folder is made (by the very
        // command judged, say).
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        sources.push((format!("the handbook's {name}/ folder"), resolve(&path)?));
    }
    sources.extend(linked_sources(&root));
    for (what, source) in sources {
        let source_is = identity(&source);
        if target.starts_with(&source) || target.ancestors().any(|a| is(a, &source_is)) {
            let place = match target == source || is(target, &source_is) {
                true => "is",
                false => "is inside",
            };
            return Ok(Some(format!(
                "{place} {what}, which the build reads: what is written would overwrite \
                 sources or be read back into the next build"
            )));
        }
        if source.starts_with(target) || source.ancestors().any(|a| is(a, &target_is)) {
            return Ok(Some(format!(
                "holds {what} (at {}), which the build reads: what is written would \
                 replace it",
                source.display()
            )));
        }
    }
    Ok(None)
}

/// Where the symbolic links in the handbook's [`SOURCE_FOLDERS`] lead, each told as the
/// link it is reached by: what a link leads to is read as a source as surely as what is in
/// the folder (content/docs to ../docs, which may hold the only copy of the pages). Links in
/// a folder reached through a link are not looked for: the build refuses them.
fn linked_sources(root: &Path) -> Vec<(String, PathBuf)> {
    let folders = SOURCE_FOLDERS.iter().map(|name| root.join(name));
    let links = folders.flat_map(|folder| {
        (walkdir::WalkDir::new(folder)
            .follow_links(false)
            .into_iter())
        .filter_map(Result::ok)
        .filter(|entry| entry.path_is_symlink())
    });
    links
        .filter_map(|link| {
            let real = fs::canonicalize(link.path()).ok()?;
            let kind = if real.is_dir() { "folder" } else { "file" };
            let named = link.path().strip_prefix(root).unwrap_or(link.path());
            let what = format!(
                "the {kind} that the handbook's {} leads to",
                named.display()
            );
            Some((what, real))
        })
        .collect()
}

/// Refuses a folder `dir` of the handbook at `root` that a link leads out of the handbook:
/// a build does not follow such a link, so what is written there would never be read.
/// Either may not exist yet: this is asked before they are made, so that nothing is made
/// outside the handbook either.
pub fn refuse_outside(root: &Path, dir: &Path) -> Result<(), Error> {
    let real_root = resolve(root)?;
    let real = resolve(dir)?;
    if real.starts_with(&real_root) {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "{} leads outside the handbook, to {}: a build does not follow a link out of the \
         handbook, so nothing is written there; make it a folder of the handbook",
        dir.display(),
        real.display()
    )))
}

/// Makes the folder `dir` and the folders it is in; where something that is not a folder
/// has the name of one of them, says which, rather than the system's "File exists".
pub fn make_folder(dir: &Path) -> Result<(), Error> {
    fs::create_dir_all(dir).map_err(|e| match in_the_way(dir) {
        Some(refused) => refused,
        None => Error::io(dir, e),
    })
}

/// Why the folder `dir` cannot be made or written into, when it is because of what is at
/// its path or the path of a folder it is in: not a folder, or nothing at all.
fn in_the_way(dir: &Path) -> Option<Error> {
    let not_folder = dir
        .ancestors()
        .find(|a| fs::symlink_metadata(a).is_ok() && !fs::metadata(a).is_ok_and(|m| m.is_dir()));
    match not_folder {
        Some(at) => Some(Error::Usage(format!(
            "{} exists and is not a folder",
            at.display()
        ))),
        None if !dir.exists() => Some(Error::Usage(format!(
            "the folder {} does not exist",
            dir.display()
        ))),
        None => None,
    }
}

/// Writes `bytes` to `path` whole, or not at all: into a new file beside it, then renamed
/// over it. A link at `path` is replaced, not followed, so the write never lands outside
/// the folder it was meant for; and a reader never sees half a file. A file replaced keeps
/// its permissions: the new one is the same file to whoever shares it.
pub fn replace(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let old = fs::symlink_metadata(path).ok();
    if old.as_ref().is_some_and(|m| m.is_dir()) {
        return Err(Error::Usage(format!(
            "{} is a folder: name the file to write",
            path.display()
        )));
    }
    let file = staged(path, bytes)?;
    if let Some(old) = old.filter(|m| m.is_file()) {
        (file.as_file().set_permissions(old.permissions())).map_err(|e| Error::io(path, e))?;
    }
    file.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

/// Writes `bytes` to `path`, the file a command was told to write (`export -o`), as
/// [`replace`] does; but a stream there, or a link to one (`/dev/stdout`, `/dev/null`, a
/// named pipe, a shell's `>(...)`), is written into: it is where the bytes were asked to
/// go, and a file put in its place would break it for every other program (as root,
/// `/dev/null`). Only a path given so is followed to a stream: a link met in a handbook
/// is replaced, wherever it leads.
pub fn write_given(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    // The standard output or error, by a name (`/dev/stdout`, `/dev/fd/2`): written through
    // the descriptor the shell opened, at its place and in its mode (`>>` appends).
    let written = |to: &mut dyn Write| to.write_all(bytes).and_then(|()| to.flush());
    let into_stream = || {
        fs::OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|mut s| written(&mut s))
    };
    let done = match names_descriptor(path) {
        Some(1) => Some(written(&mut io::stdout().lock())),
        Some(2) => Some(written(&mut io::stderr().lock())),
        Some(_) => Some(into_stream()),
        None if is_stream(path) => Some(into_stream()),
        None => None,
    };
    if let Some(done) = done {
        return done.map_err(|e| Error::io(path, e));
    }
    // A disk or a socket, which a file would take the place of.
    if fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        return Err(Error::Usage(format!(
            "{} is a device, not a file: name the file to write",
            path.display()
        )));
    }
    replace(path, bytes)
}

/// The descriptor of this process that `path` names, through links or not: `/dev/stdout`,
/// `/dev/fd/1` and `/proc/self/fd/1` lead to what the shell opened (`> out.csv`), a file as
/// often as a stream, which is where the bytes were asked to go. A file put in the link's
/// place would take the name from the system, for every other program.
fn names_descriptor(path: &Path) -> Option<u32> {
    let mut at = path.to_path_buf();
    // Each link it leads through, as far as a loop of them lets it.
    for _ in 0..8 {
        for under in ["/dev/fd", "/proc/self/fd", "/proc/thread-self/fd"] {
            let rest = at.strip_prefix(under).ok();
            if let Some(fd) = rest.and_then(|r| r.to_str()?.parse().ok()) {
                return Some(fd);
            }
        }
        let to = fs::read_link(&at).ok()?;
        at = at.parent().map_or(to.clone(), |dir| dir.join(&to));
    }
    None
}

/// Writes `bytes` to `path` as a new file, whole or not at all: a write that fails (the
/// disk full) leaves no empty or partial file behind. `Ok(false)` when something is at
/// `path` already, which is left as it is.
pub fn create(path: &Path, bytes: &[u8]) -> Result<bool, Error> {
    match staged(path, bytes)?.persist_noclobber(path) {
        Ok(_) => Ok(true),
        Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(Error::io(path, e.error)),
    }
}

/// `bytes` in a new file beside `path`, which [`replace`] or [`create`] puts in its place. It is made as
/// `File::create` makes a build's files (and `cp` a copy): readable and writable by all
/// that the umask leaves, not only by its owner as a temporary file is.
fn staged(path: &Path, bytes: &[u8]) -> Result<tempfile::NamedTempFile, Error> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix);
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    // tempfile's own errors name the temporary file, a name the user never gave: each
    // error names the folder or the file asked for instead.
    let mut file = (builder.tempfile_in(parent))
        .map_err(|e| in_the_way(parent).unwrap_or_else(|| Error::io(parent, e.kind().into())))?;
    (file.as_file_mut().write_all(bytes)).map_err(|e| Error::io(path, e))?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A named pipe stands for every stream: `/dev/stdout`, `/dev/null`, a shell's `>(...)`.
    #[test]
    fn a_stream_given_is_written_into_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let tmp = tempfile::tempdir().unwrap();
        let pipe = tmp.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&pipe).status();
        assert!(made.unwrap().success());
        let link = tmp.path().join("out.csv");
        std::os::unix::fs::symlink(&pipe, &link).unwrap();
        let reader = {
            let pipe = pipe.clone();
            std::thread::spawn(move || fs::read_to_string(pipe).unwrap())
        };
        write_given(&link, b"a,b\n").unwrap();
        // Before the reader is waited for, which nothing would write to otherwise.
        assert!(fs::symlink_metadata(&link).unwrap().is_symlink());
        assert!(fs::metadata(&pipe).unwrap().file_type().is_fifo());
        assert_eq!(reader.join().unwrap(), "a,b\n");
        // A link met among the handbook's files is replaced, whatever it leads to.
        replace(&link, b"c\n").unwrap();
        assert!(!fs::symlink_metadata(&link).unwrap().is_symlink());
        assert!(fs::metadata(&pipe).unwrap().file_type().is_fifo());
    }

    #[test]
    fn a_replaced_link_is_not_followed() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tmp.path().join("outside.txt");
        fs::write(&outside, "kept\n").unwrap();
        let link = tmp.path().join("out.csv");
        std::os::unix::fs::symlink(&outside, &link).unwrap();
        replace(&link, b"new\n").unwrap();
        assert_eq!(fs::read_to_string(&outside).unwrap(), "kept\n");
        assert_eq!(fs::read_to_string(&link).unwrap(), "new\n");
        assert!(!fs::symlink_metadata(&link).unwrap().is_symlink());
        let left: Vec<_> = fs::read_dir(tmp.path()).unwrap().collect();
        assert_eq!(left.len(), 2, "{left:?}");
    }

    #[test]
    fn a_new_file_takes_the_umask_and_a_replaced_one_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let mode = |name: &str| {
            let meta = fs::metadata(tmp.path().join(name)).unwrap();
            meta.permissions().mode() & 0o777
        };
        // The umask of this process, as a file it creates plainly gets it.
        fs::write(tmp.path().join("plain"), "").unwrap();
        replace(&tmp.path().join("new"), b"new\n").unwrap();
        assert_eq!(mode("new"), mode("plain"));
        let kept = tmp.path().join("kept");
        fs::write(&kept, "old\n").unwrap();
        fs::set_permissions(&kept, fs::Permissions::from_mode(0o604)).unwrap();
        replace(&kept, b"new\n").unwrap();
        assert_eq!(mode("kept"), 0o604);
    }
}
