//! Writing the site: into a fresh folder beside the target, swapped in only once complete,
//! so a failed or interrupted build leaves the previous output exactly as it was.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use crate::diagnostics::{Diagnostic, Error};
use crate::render::OutputFile;
use crate::theme::Body;

/// The output paths seen so far, to refuse one that is unsafe or that collides with an
/// earlier one when letter case is ignored.
#[derive(Default)]
pub struct PathCheck {
    seen: HashMap<String, String>,
}

impl PathCheck {
    /// An error for `path`, or `None` when it may be written.
    pub fn check(&mut self, path: &str) -> Option<Diagnostic> {
        if !is_safe(path) {
            return Some(Diagnostic::error(format!(
                "output path `{}` would be written outside the output folder",
                path.escape_debug()
            )));
        }
        if let Some(seg) = path.split('/').find(|s| is_reserved_name(s)) {
            return Some(
                Diagnostic::error(format!(
                    "output path `{path}` holds `{seg}`, a name Windows reserves for a device"
                ))
                .with_hint(
                    "rename the file or record: CON, PRN, AUX, NUL, COM0-9 and LPT0-9 \
                     (with any extension) cannot be files on Windows",
                ),
            );
        }
        let other = self.seen.insert(path.to_lowercase(), path.to_string())?;
        Some(Diagnostic::error(format!(
            "output paths `{other}` and `{path}` collide on a file system that ignores case"
        )))
    }
}

fn is_safe(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && !path.contains(['\\', ':'])
        && !path.contains(|c: char| c.is_control())
        && path.split('/').all(|seg| !matches!(seg, "" | "." | ".."))
}

/// Whether a path segment is a device name on Windows (`CON`, `nul.txt`, `Com1.html`):
/// such a file cannot be written or copied there, and may open the device instead. The
/// output is read from disk on every system, so these names are refused everywhere.
pub fn is_reserved_name(segment: &str) -> bool {
    let stem = segment.split('.').next().unwrap_or(segment).trim_end();
    let upper = stem.to_ascii_uppercase();
    match upper.as_bytes() {
        b"CON" | b"PRN" | b"AUX" | b"NUL" => true,
        [b'C', b'O', b'M', d] | [b'L', b'P', b'T', d] => d.is_ascii_digit(),
        _ => false,
    }
}

/// The marker file every build writes into its output: a folder that holds it is one
/// secbook wrote, and the next build may replace it whole.
const OWNED_MARKER: &str = ".secbook-output";

const MARKER_TEXT: &str =
    "secbook build wrote this folder, and the next build replaces it whole.\n";

/// The handbook's folders that a build reads: an output inside one would replace sources,
/// or be read back as pages and copied into itself build after build.
const SOURCE_FOLDERS: [&str; 4] = ["content", "data", "static", "themes"];

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
    _lock: Lock,
}

impl Staging {
    /// Claims `out` for a build of the handbook at `root`: refuses the handbook's own
    /// folders (even with `force`), anything that is not a folder, and a folder that is
    /// neither empty nor written by secbook (unless `force`). Waits for any other build
    /// into `out`.
    pub fn create(root: &Path, out: &Path, force: bool) -> Result<Staging, Error> {
        let target = resolve(out)?;
        refuse_sources(root, &target, out)?;
        let (Some(parent), Some(name)) =
            (target.parent(), target.file_name().and_then(|n| n.to_str()))
        else {
            return Err(Error::Usage(format!(
                "{} is not a usable output folder",
                out.display()
            )));
        };
        let (parent, name) = (parent.to_path_buf(), name.to_string());
        fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
        let lock = Lock::take(beside(&parent, &name, "lock"), out)?;
        claim(&target, out, force)?;
        remove_leftovers(&parent, &name);
        let dir = beside(&parent, &name, &format!("{NEW}{}", std::process::id()));
        fs::create_dir(&dir).map_err(|e| Error::io(&dir, e))?;
        let staging = Staging {
            dir,
            out: target,
            parent,
            name,
            committed: false,
            _lock: lock,
        };
        let marker = staging.dir.join(OWNED_MARKER);
        write_file(&marker, MARKER_TEXT.as_bytes()).map_err(|e| Error::io(&marker, e))?;
        Ok(staging)
    }

    /// Writes one file; its path must have passed [`PathCheck`].
    pub fn write(&self, file: &OutputFile) -> Result<(), Error> {
        let path = self.dir.join(&file.path);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let written = match &file.body {
            Body::Bytes(bytes) => write_file(&path, bytes),
            Body::Copy(from) => fs::copy(from, &path).map(|_| ()),
        };
        written.map_err(|e| Error::io(&path, e))
    }

    /// Puts the staged folder in the output's place.
    pub fn commit(mut self) -> Result<(), Error> {
        swap_in(&self.dir, &self.out, &self.parent, &self.name)?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
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

/// How every name secbook keeps beside the output `name` starts.
fn prefix(name: &str) -> String {
    format!(".{name}.secbook-")
}

/// `path` made absolute, with every symbolic link and `..` resolved as far as it exists.
/// The rest the build creates as plain folders, so its `..` is resolved by name. The
/// build then writes to the path it judged, whatever `-o` was spelled like.
fn resolve(path: &Path) -> Result<PathBuf, Error> {
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
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(&head, e)),
        }
    }
    Err(Error::Usage(format!(
        "{} is not a usable output folder",
        path.display()
    )))
}

/// Refuses an output (resolved as `target`, shown as `shown`) that is the handbook at
/// `root`, holds it, or lies inside one of its [`SOURCE_FOLDERS`]. `--force` does not
/// change this.
fn refuse_sources(root: &Path, target: &Path, shown: &Path) -> Result<(), Error> {
    let root = fs::canonicalize(root).map_err(|e| Error::io(root, e))?;
    let refuse = |why: String| {
        Err(Error::Usage(format!(
            "{} {why}; choose another output folder, such as public/ in the handbook (the \
             default); --force does not override this",
            shown.display()
        )))
    };
    if target == root {
        return refuse("is the handbook folder: the site would replace its sources".into());
    }
    if root.starts_with(target) {
        return refuse(format!(
            "holds the handbook folder {}: the site would replace it",
            root.display()
        ));
    }
    for name in SOURCE_FOLDERS {
        let folder = root.join(name);
        let folder = fs::canonicalize(&folder).unwrap_or(folder);
        if target.starts_with(&folder) {
            return refuse(format!(
                "is inside the handbook's {name}/ folder, which the build reads: the site \
                 would overwrite sources or be read back into the next build"
            ));
        }
    }
    Ok(())
}

/// Refuses an output `target` (shown as `shown`) that secbook may not replace: anything
/// that is not a folder, and, unless `force`, a folder that is neither empty nor marked
/// with [`OWNED_MARKER`].
fn claim(target: &Path, shown: &Path, force: bool) -> Result<(), Error> {
    let meta = match fs::symlink_metadata(target) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(target, e)),
    };
    if !meta.is_dir() {
        return Err(Error::Usage(format!(
            "{} exists and is not a folder: the site is written as a folder, and secbook \
             does not replace what it did not write; choose another output folder",
            shown.display()
        )));
    }
    let owned = fs::symlink_metadata(target.join(OWNED_MARKER)).is_ok_and(|m| m.is_file());
    let empty = fs::read_dir(target)
        .map_err(|e| Error::io(target, e))?
        .next()
        .is_none();
    if owned || empty || force {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "{} is not empty and was not written by secbook (it has no {OWNED_MARKER} file); \
         choose an empty or new folder, or pass --force to replace it and everything in it \
         (a folder an older secbook wrote needs --force once)",
        shown.display()
    )))
}

/// An advisory lock on one output folder, held on the file `.<name>.secbook-lock` beside
/// it, so that two builds into one folder take turns instead of publishing a mix.
///
/// On Unix the file is removed when the lock is released, so it leaves nothing beside the
/// output; a build that opened the file before that finds, once it holds the lock, that
/// the path no longer names its file, and opens it anew. Elsewhere the file stays.
struct Lock {
    file: File,
    path: PathBuf,
}

impl Lock {
    fn take(path: PathBuf, out: &Path) -> Result<Lock, Error> {
        let mut told = false;
        loop {
            let file = OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .map_err(|e| Error::io(&path, e))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    if !told {
                        eprintln!("waiting for another build into {} to finish", out.display());
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
/// folders named as [`Staging`] names them, and nothing else. Called only while holding
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
            .is_some_and(|what| what.starts_with(NEW) || what.starts_with(OLD));
        if ours && entry.file_type().is_ok_and(|t| t.is_dir()) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = fs::File::create(path)?;
    f.write_all(bytes)
}

/// Puts `staging` in the place of `out` in one step where the system allows it.
fn swap_in(staging: &Path, out: &Path, parent: &Path, name: &str) -> Result<(), Error> {
    if !out.exists() {
        return fs::rename(staging, out).map_err(|e| Error::io(out, e));
    }
    if exchange(staging, out).is_ok() {
        // `staging` now holds the previous output.
        let _ = fs::remove_dir_all(staging);
        return Ok(());
    }
    let old = beside(parent, name, &format!("{OLD}{}", std::process::id()));
    fs::rename(out, &old).map_err(|e| Error::io(out, e))?;
    if let Err(e) = fs::rename(staging, out) {
        let _ = fs::rename(&old, out);
        return Err(Error::io(out, e));
    }
    let _ = fs::remove_dir_all(&old);
    Ok(())
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
    use rayon::prelude::*;

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
        let staging = Staging::create(&root, out, false)?;
        files.par_iter().try_for_each(|f| staging.write(f))?;
        staging.commit()
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
        assert!(diags[6].message.contains("collide"));
        assert!(diags[7].message.contains("`CON`, a name Windows reserves"));
        assert!(diags[9].message.contains("`com1.tar.gz`"));
    }

    #[test]
    fn reserved_names_are_devices_with_any_extension() {
        for name in [
            "CON",
            "con",
            "Nul.txt",
            "aux.",
            "COM1",
            "lpt9.html",
            "prn.a.b",
        ] {
            assert!(is_reserved_name(name), "{name}");
        }
        for name in ["console", "icon", "COM", "COM10", "nul-1", "x.con", "lpt"] {
            assert!(!is_reserved_name(name), "{name}");
        }
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
    fn a_failed_write_keeps_the_previous_output() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write_site(&out, &[file("a.html", "one")]).unwrap();
        let missing = OutputFile {
            path: "b.bin".into(),
            body: Body::Copy(dir.path().join("does-not-exist")),
        };
        assert!(write_site(&out, &[file("a.html", "two"), missing]).is_err());
        assert_eq!(fs::read_to_string(out.join("a.html")).unwrap(), "one");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
    }
}
