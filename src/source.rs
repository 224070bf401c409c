//! Reading the handbook's files from disk.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use crate::diagnostics::{Diagnostic, SourceFile};

/// Files larger than this are refused rather than read into memory, unless handbook.yaml
/// sets another limit (`limits: { max_file_mb: N }`).
pub const MAX_FILE_MB: u32 = 10;
pub const MAX_FILE_BYTES: u64 = MAX_FILE_MB as u64 * 1024 * 1024;

/// Reads `root/name` as UTF-8 text, refusing files over `max_bytes`, files that are not
/// regular files (a FIFO would block the build), and symbolic links that lead outside the
/// handbook (a link to a secret would otherwise end up in a report or on a page).
pub fn read(root: &Path, name: &str, max_bytes: u64) -> Result<Arc<SourceFile>, Diagnostic> {
    let path = root.join(name);
    if path.exists() && !stays_inside(root, &path) {
        return Err(Diagnostic::error(format!(
            "cannot read {name}: it is a symbolic link that leads outside the handbook, and \
             is not followed"
        )));
    }
    read_walked(root, name, max_bytes)
}

/// Reads `root/name` as [`read`] does, for a file found by walking a folder whose links
/// were checked on the way: the walk does not follow links, so this skips the per-file
/// check, which took a tenth of the time of loading a large register.
pub fn read_walked(root: &Path, name: &str, max_bytes: u64) -> Result<Arc<SourceFile>, Diagnostic> {
    let text = read_text(&root.join(name), name, max_bytes)?;
    Ok(SourceFile::new(name, text))
}

/// Reads the file at `path` (shown as `name`) as UTF-8 text of at most `max_bytes`.
pub fn read_text(path: &Path, name: &str, max_bytes: u64) -> Result<String, Diagnostic> {
    let fail = |why: String| Diagnostic::error(format!("cannot read {name}: {why}"));
    let too_large = || {
        fail(format!(
            "the file is larger than the limit of {}",
            megabytes(max_bytes)
        ))
        .with_hint("raise `limits: { max_file_mb: N }` in handbook.yaml if the file is meant to be this large")
    };
    let file = std::fs::File::open(path).map_err(|e| fail(e.to_string()))?;
    let meta = file.metadata().map_err(|e| fail(e.to_string()))?;
    if !meta.is_file() {
        return Err(fail("it is not a regular file".into()));
    }
    if meta.len() > max_bytes {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    // The file may grow after the check above.
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| fail(e.to_string()))?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|e| fail(format!("not valid UTF-8 ({e})")))
}

/// A limit in bytes as a person reads it: `10 MB`, or bytes when below a megabyte.
fn megabytes(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes >= MB && bytes.is_multiple_of(MB) {
        format!("{} MB", bytes / MB)
    } else {
        format!("{bytes} bytes")
    }
}

/// An error when the folder `root/rel` exists but leads outside the handbook through a
/// symbolic link: such a folder is not read, and [`crate::theme::files_below`] lists
/// nothing in it.
pub fn folder_outside(root: &Path, rel: &str) -> Option<Diagnostic> {
    let path = root.join(rel);
    (path.exists() && !stays_inside(root, &path)).then(|| {
        Diagnostic::error(format!(
            "{rel}/ is a symbolic link that leads outside the handbook; it is not followed"
        ))
    })
}

/// `path` below `base`, with `/` separators; `None` when it is not below it or not UTF-8.
pub fn relative(base: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(base).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    Some(parts?.join("/"))
}

/// Whether a symbolic link resolves to a place inside `root`.
pub fn stays_inside(root: &Path, link: &Path) -> bool {
    match (root.canonicalize(), link.canonicalize()) {
        (Ok(root), Ok(target)) => target.starts_with(root),
        _ => false,
    }
}
