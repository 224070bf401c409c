//! Reading the handbook's files from disk.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use crate::diagnostics::{Diagnostic, SourceFile};

/// Files larger than this are refused rather than read into memory.
pub const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;

/// Reads `root/name` as UTF-8 text, refusing files over [`MAX_FILE_BYTES`].
pub fn read(root: &Path, name: &str) -> Result<Arc<SourceFile>, Diagnostic> {
    let path = root.join(name);
    let fail = |why: String| Diagnostic::error(format!("cannot read {name}: {why}"));
    let file = std::fs::File::open(&path).map_err(|e| fail(e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(e.to_string()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(fail(format!(
            "the file is larger than the limit of {} MB",
            MAX_FILE_BYTES / 1024 / 1024
        )));
    }
    let text = String::from_utf8(bytes).map_err(|e| fail(format!("not valid UTF-8 ({e})")))?;
    Ok(SourceFile::new(name, text))
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
