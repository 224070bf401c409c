//! What reading a handbook's files finds, wherever they are: the files a walk of a folder
//! finds, the size limit, and the text of a file's bytes. [`super::disk`] reads them from
//! disk.

use std::path::PathBuf;

use crate::diagnostics::{Diagnostic, SourceFile};

/// Files larger than this are refused rather than read into memory, unless handbook.yaml
/// sets another limit (`limits: { max_file_mb: N }`).
pub const MAX_FILE_MB: u32 = 10;
pub const MAX_FILE_BYTES: u64 = MAX_FILE_MB as u64 * 1024 * 1024;

/// A UTF-8 byte order mark: editors on Windows write one; it is no part of the text.
const BOM: &str = "\u{feff}";

/// `bytes` as text without its byte order mark, or an error at the line and column of the
/// first byte that is not UTF-8, showing that line.
pub(super) fn decode(name: &str, mut bytes: Vec<u8>) -> Result<String, Diagnostic> {
    if bytes.starts_with(BOM.as_bytes()) {
        bytes.drain(..BOM.len());
    }
    let error = match String::from_utf8(bytes) {
        Ok(text) => return Ok(text),
        Err(e) => e,
    };
    let at = error.utf8_error().valid_up_to();
    let bytes = error.as_bytes();
    let line_end = bytes[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| at + i);
    // Up to the first bad byte the text is unchanged, so `at` is its place in the shown text.
    let shown = SourceFile::new(name, String::from_utf8_lossy(&bytes[..line_end]));
    let why = match error.utf8_error().error_len() {
        Some(_) => format!("byte 0x{:02X} is not UTF-8 here", bytes[at]),
        None => "the file ends inside a character".to_string(),
    };
    let utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
    let hint = if utf16 {
        "the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8"
    } else {
        "save the file as UTF-8"
    };
    Err(
        Diagnostic::error(format!("cannot read {name}: it is not UTF-8 text ({why})"))
            .at(&shown, at..at + '\u{fffd}'.len_utf8())
            .with_hint(hint),
    )
}

/// `text` without a leading byte order mark, for text that reaches secbook other than by
/// [`super::disk::read_text`] (a file at a git revision).
pub fn strip_bom(mut text: String) -> String {
    if text.starts_with(BOM) {
        text.drain(..BOM.len());
    }
    text
}

/// A limit in bytes as a person reads it: `10 MB`, or bytes when below a megabyte.
pub(super) fn megabytes(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes >= MB && bytes.is_multiple_of(MB) {
        format!("{} MB", bytes / MB)
    } else {
        format!("{bytes} bytes")
    }
}

/// What a walk does with a hidden file or folder (its name starts with `.`): it is never
/// used, as in Hugo and Zola, since it is where `.git`, `.env`, `.htpasswd` and editors'
/// swap files live.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Hidden {
    /// Left out without a word: content/ and themes.
    LeftOut,
    /// Left out, except a `.well-known/` folder at the top: static/, which is copied to
    /// the root of the site, where RFC 8615 puts that folder (for `security.txt`, say).
    WellKnownKept,
    /// Left out with a warning: data/, where every file is a record or is reported, but
    /// an editor's swap file beside a record must not fail the build. git's own files
    /// (`.gitkeep`, `.gitignore`) are left out without a word.
    Reported,
}

/// A regular file that [`super::disk::walk`] found.
#[derive(Debug, Clone)]
pub struct Walked {
    /// Its path below the walked folder, with `/` separators.
    pub rel: String,
    /// Where to read or copy it, through the links the walk followed.
    pub path: PathBuf,
    /// Whether it is reached through a symbolic link: a file watcher reports a change to
    /// it at the place the link leads to, not at `path`.
    pub linked: bool,
}

/// What a folder holds: the files to use, in a stable order, and a diagnostic for every
/// entry that is not used (other than hidden ones in folders that leave them out).
#[derive(Default)]
pub struct Walk {
    pub files: Vec<Walked>,
    pub diags: Vec<Diagnostic>,
}
