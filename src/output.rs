//! Writing the site: into a fresh folder beside the target, swapped in only once complete,
//! so a failed or interrupted build leaves the previous output exactly as it was.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::diagnostics::{Diagnostic, Error};
use crate::render::OutputFile;
use crate::theme::Body;

const MARKER: &str = ".secbook-";

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

/// A fresh folder beside the output, that files are written into as they are made. Only
/// [`Staging::commit`] puts it in the output's place; dropped without it, it is removed,
/// so a failed build leaves the previous output as it was.
pub struct Staging {
    dir: PathBuf,
    out: PathBuf,
    parent: PathBuf,
    name: String,
    committed: bool,
}

impl Staging {
    pub fn create(out: &Path) -> Result<Staging, Error> {
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = out
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| {
                Error::Usage(format!("{} is not a usable output folder", out.display()))
            })?
            .to_string();
        fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
        remove_leftovers(&parent, &name);
        let dir = parent.join(format!(".{name}{MARKER}new-{}", std::process::id()));
        fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        Ok(Staging {
            dir,
            out: out.to_path_buf(),
            parent,
            name,
            committed: false,
        })
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

/// Removes the staging folders of builds that were killed before they could clean up.
fn remove_leftovers(parent: &Path, name: &str) {
    let prefix = format!(".{name}{MARKER}");
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        if entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(&prefix))
        {
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
    let old = parent.join(format!(".{name}{MARKER}old-{}", std::process::id()));
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
    pub fn write_site(out: &Path, files: &[OutputFile]) -> Result<(), Error> {
        let staging = Staging::create(out)?;
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
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, ["public"]);
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
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
