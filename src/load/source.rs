//! Where a handbook's files come from. The loader (handbook.yaml, content/, data/, static/
//! and the theme) reads every file through a [`Source`], so a handbook is held to the same
//! rules wherever its files are: on disk ([`super::disk::Disk`]), in memory ([`Memory`],
//! for the tests and the fuzz targets), or at a git revision.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;
use std::path::PathBuf;
use std::sync::Arc;

use crate::diagnostics::{Diagnostic, SourceFile};
use crate::load::theme::{Body, CopiedFile};
use crate::load::yaml;
use crate::model::text;

/// Files larger than this are refused rather than read into memory, unless handbook.yaml
/// sets another limit (`limits: { max_file_mb: N }`).
pub const MAX_FILE_MB: u32 = 10;
pub const MAX_FILE_BYTES: u64 = MAX_FILE_MB as u64 * 1024 * 1024;

/// The files of a handbook. A file is named by its path below the handbook's folder, with
/// `/` separators (`data/people.yaml`). A source gives names and bytes; what they mean is
/// decided once for every source, here and in the loader: which names are hidden
/// ([`Hidden`]), how bytes become text ([`text()`]: UTF-8, no byte order mark, an error at
/// the line and column of a bad byte), and the size limit's error ([`too_large`]).
///
/// A git revision ([`crate::load::git::Revision`]) is a source from its tree alone. Its
/// walk lists the paths of the blobs it read and hands them to [`walk_paths`]; a blob over
/// the limit is [`too_large`] without being read; `shown` names a file `REV:path`, so that
/// a diagnostic says which revision it is about; and `path` is `None`, as nothing of a
/// revision is copied from disk or watched.
pub trait Source: Sync {
    /// The files below the folder `folder` (`data`), by their path below it, in the order
    /// of their names, a folder's files at the place of its name; hidden names left out as
    /// `hidden` says, and a diagnostic for each entry that is not a file to read. An absent
    /// folder holds nothing.
    fn walk(&self, folder: &str, hidden: Hidden) -> Walk;

    /// The bytes of the file `name`, refused over `max_bytes` ([`too_large`]); `None` when
    /// there is nothing at `name`.
    fn read(&self, name: &str, max_bytes: u64) -> Result<Option<Vec<u8>>, Diagnostic>;

    /// [`Source::read`] for a file that [`Source::walk`] found: a source whose walk
    /// checked what its read checks need not check it again.
    fn read_walked(&self, name: &str, max_bytes: u64) -> Result<Vec<u8>, Diagnostic> {
        self.read(name, max_bytes)?
            .ok_or_else(|| cannot_read(&self.shown(name), "there is no such file"))
    }

    /// Whether `name` is a folder.
    fn is_folder(&self, name: &str) -> bool;

    /// Where the file `name` is on disk, for what only a file on disk allows: copying it
    /// into the site as it is, and telling it changed by its modification time (`serve`).
    fn path(&self, _name: &str) -> Option<PathBuf> {
        None
    }

    /// How a diagnostic names the file `name`.
    fn shown<'a>(&self, name: &'a str) -> Cow<'a, str> {
        Cow::Borrowed(name)
    }
}

/// The file `name` of `source` as text; `None` when there is none.
pub fn text(
    source: &dyn Source,
    name: &str,
    max_bytes: u64,
) -> Result<Option<Arc<SourceFile>>, Diagnostic> {
    match source.read(name, max_bytes)? {
        Some(bytes) => file(source, name, bytes).map(Some),
        None => Ok(None),
    }
}

/// The file `name` of `source` as text, which must be there.
pub fn required_text(
    source: &dyn Source,
    name: &str,
    max_bytes: u64,
) -> Result<Arc<SourceFile>, Diagnostic> {
    text(source, name, max_bytes)?
        .ok_or_else(|| cannot_read(&source.shown(name), "there is no such file"))
}

/// The file `name` of `source`, which [`Source::walk`] found, as text.
pub fn walked_text(
    source: &dyn Source,
    name: &str,
    max_bytes: u64,
) -> Result<Arc<SourceFile>, Diagnostic> {
    let bytes = source.read_walked(name, max_bytes)?;
    file(source, name, bytes)
}

fn file(source: &dyn Source, name: &str, bytes: Vec<u8>) -> Result<Arc<SourceFile>, Diagnostic> {
    let shown = source.shown(name);
    let text = decode(&shown, bytes)?;
    Ok(SourceFile::new(shown, text))
}

/// The file `name` of `source`, which [`Source::walk`] found, as a file of the site that
/// holds it as it is: copied from disk when it is there, without reading it first.
pub fn copied(source: &dyn Source, name: &str) -> Result<Body, Diagnostic> {
    match source.path(name) {
        Some(path) => Ok(Body::Copy(CopiedFile {
            path,
            name: source.shown(name).into_owned(),
        })),
        None => Ok(Body::Bytes(source.read_walked(name, u64::MAX)?.into())),
    }
}

/// Warnings for what `file` holds that a review of it does not show, each kind once, at
/// its first place, its other places as repeats:
/// - bidirectional formatting written as it is: a diff shows nothing, and the text
///   around it is shown in another order than it is stored ("Trojan Source");
/// - in a `page`, a character HTML forbids, which the page shows as U+FFFD (YAML refuses
///   it with an error).
pub fn unseen(file: &Arc<SourceFile>, page: bool) -> Vec<Diagnostic> {
    let text = file.text.as_str();
    let mut found: [Option<Diagnostic>; 2] = [None, None];
    let mut note = |kind: usize, at: usize, c: char| {
        let span = at..at + c.len_utf8();
        match &mut found[kind] {
            Some(d) => d.repeated(|| span),
            empty => *empty = Some(unseen_warning(c).at(file, span)),
        }
    };
    for (at, c) in text::bidi_formatting(text) {
        note(0, at, c);
    }
    if page {
        for (at, c) in text::forbidden_in_html_at(text) {
            note(1, at, c);
        }
    }
    found.into_iter().flatten().collect()
}

fn unseen_warning(c: char) -> Diagnostic {
    let code = u32::from(c);
    if !text::is_bidi_formatting(c) {
        return Diagnostic::warning(format!(
            "{} is shown as U+FFFD: HTML forbids it",
            yaml::refused_name(c)
        ))
        .with_hint(
            "a page's text holds no control characters but tab and newline, and no \
             noncharacters; was this pasted from a terminal or a binary file?",
        );
    }
    let name = match c {
        '\u{202a}' => "left-to-right embedding",
        '\u{202b}' => "right-to-left embedding",
        '\u{202c}' => "pop directional formatting",
        '\u{202d}' => "left-to-right override",
        '\u{202e}' => "right-to-left override",
        '\u{2066}' => "left-to-right isolate",
        '\u{2067}' => "right-to-left isolate",
        '\u{2068}' => "first strong isolate",
        _ => "pop directional isolate",
    };
    Diagnostic::warning(format!(
        "U+{code:04X} ({name}) is invisible in a review, and changes the order in which \
         the text around it is shown"
    ))
    .with_hint(format!(
        "delete it; if it is meant, write it so that a review shows it: `\\u{code:04X}` \
         in a double-quoted YAML string, `&#x{code:04X};` in Markdown. The site closes it \
         where its value ends"
    ))
}

/// What git leaves in a file in place of its text, and what to do about it: the pointer of
/// a file Git LFS keeps (the checkout did not fetch it), or the markers of a merge conflict
/// left unresolved. Read as YAML either is a mistake at some key, and in a page's Markdown
/// it is published as text; both are told as what they are.
pub struct LeftByGit {
    pub span: std::ops::Range<usize>,
    pub message: &'static str,
    pub hint: &'static str,
}

impl LeftByGit {
    pub fn find(text: &str) -> Option<LeftByGit> {
        if is_lfs_pointer(text) {
            return Some(LeftByGit {
                span: 0..text.find('\n').unwrap_or(text.len()),
                message: "this file is a Git LFS pointer, not the file: the checkout did not \
                          fetch it from Git LFS",
                hint: "run `git lfs pull` (in GitHub Actions, check out with `lfs: true`), or \
                       keep the handbook out of Git LFS (`git lfs untrack`, then `git add \
                       --renormalize .`)",
            });
        }
        merge_conflict(text).map(|span| LeftByGit {
            span,
            message: "a merge conflict is left unresolved here: git's markers `<<<<<<<`, \
                      `=======` and `>>>>>>>` are still in the file",
            hint: "keep what each side should keep, then delete the three marker lines",
        })
    }

    pub fn diagnostic(&self, file: &Arc<SourceFile>) -> Diagnostic {
        Diagnostic::error(self.message)
            .at(file, self.span.clone())
            .with_hint(self.hint)
    }
}

/// Whether `text` is the pointer Git LFS writes in place of a file it keeps.
pub fn is_lfs_pointer(text: &str) -> bool {
    text.starts_with("version https://git-lfs.github.com/spec/")
}

/// The line of the first `<<<<<<<` that a `=======` and a `>>>>>>>` line follow, each at
/// the start of its line and outside fenced code, where a runbook may show one.
fn merge_conflict(text: &str) -> Option<std::ops::Range<usize>> {
    memchr::memmem::find(text.as_bytes(), b"<<<<<<<")?;
    let is = |line: &str, marker: &str| {
        line.strip_prefix(marker)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
    };
    let mut fence: Option<(char, usize)> = None;
    let mut open = None;
    let mut middle = false;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let line = line.trim_end_matches(['\n', '\r']);
        let rest = line.trim_start_matches(' ');
        if line.len() - rest.len() <= 3 {
            for mark in ['`', '~'] {
                let run = rest.chars().take_while(|&c| c == mark).count();
                match fence {
                    _ if run < 3 => {}
                    None => fence = Some((mark, run)),
                    Some((opened, len))
                        if opened == mark && run >= len && rest[run..].trim().is_empty() =>
                    {
                        fence = None
                    }
                    Some(_) => {}
                }
            }
        }
        if fence.is_some() {
            continue;
        }
        if is(line, "<<<<<<<") {
            open = Some(start..start + line.len());
            middle = false;
        } else if open.is_some() && is(line, "=======") {
            middle = true;
        } else if middle && is(line, ">>>>>>>") {
            return open;
        }
    }
    None
}

/// The error for a file that could not be read, and why.
pub fn cannot_read(name: &str, why: impl Display) -> Diagnostic {
    Diagnostic::error(format!("cannot read {name}: {why}")).about(name)
}

/// The error for a file larger than `max_bytes`, which is not read.
pub fn too_large(name: &str, max_bytes: u64) -> Diagnostic {
    cannot_read(
        name,
        format!(
            "the file is larger than the limit of {}",
            megabytes(max_bytes)
        ),
    )
    .with_hint(
        "raise `limits: { max_file_mb: N }` in handbook.yaml if the file is meant to be this large",
    )
}

/// A UTF-8 byte order mark: editors on Windows write one; it is no part of the text.
const BOM: &str = "\u{feff}";

/// `bytes` as text without its byte order mark, its lines ended by line feeds alone, or an
/// error at the line and column of the first byte that is not UTF-8, showing that line. A
/// file checked out on Windows (`core.autocrlf`) then reads as the one committed: a code
/// span across a CRLF was two spaces where it is one, and a `<pre>` held the returns. A
/// carriage return alone (classic Mac OS, some exporters) ends a line as YAML, CommonMark
/// and an editor take it, and as the reports count lines: each was refused in a YAML file,
/// and `## Scope\rText` was a heading that held the rest of a page.
pub fn decode(name: &str, mut bytes: Vec<u8>) -> Result<String, Diagnostic> {
    if bytes.starts_with(BOM.as_bytes()) {
        bytes.drain(..BOM.len());
    }
    // Before the text is decoded, so that a byte that is not UTF-8 is told at its line.
    if memchr::memchr(b'\r', &bytes).is_some() {
        bytes = crate::model::text::lone_returns_as_line_feeds(bytes, b'\r', b'\n');
    }
    let error = match String::from_utf8(bytes) {
        Ok(text) if memchr::memchr(b'\r', text.as_bytes()).is_some() => {
            return Ok(text.replace("\r\n", "\n"));
        }
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
/// [`decode`] (a file at a git revision).
pub fn strip_bom(mut text: String) -> String {
    if text.starts_with(BOM) {
        text.drain(..BOM.len());
    }
    text
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

/// What a walk does with a hidden file or folder (its name starts with `.`). Every walk
/// leaves out the scratch files of editors, systems and version control ([`is_scratch`])
/// without a word.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Hidden {
    /// Left out without a word: content/ and themes, where pages, files beside them and
    /// templates are read, not copied, and a hidden one is an editor's or the system's.
    LeftOut,
    /// Copied, as SPEC 1 copies static/ "as is" and Hugo and Zola copy it whole: a site
    /// needs `.well-known/`, `.htaccess` and `.nojekyll`. Not a file that holds secrets
    /// by convention (`.env`, `.htpasswd`), which is left out with a warning.
    Copied,
    /// Left out with a warning: data/, where every file is a record or is reported, but
    /// a hidden file beside a record must not fail the build.
    Reported,
}

impl Hidden {
    /// Whether a walk keeps the file or folder `name`.
    pub fn keeps(self, name: &str) -> bool {
        match self {
            _ if is_scratch(name) => false,
            _ if !name.starts_with('.') => true,
            Hidden::Copied => !holds_secrets(name),
            Hidden::LeftOut | Hidden::Reported => false,
        }
    }

    /// The warning for the hidden file or folder `rel` below `folder`, which the walk left
    /// out, when this walk reports it.
    pub fn left_out(self, folder: &str, rel: &str) -> Option<Diagnostic> {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        let shown = format!("{folder}/{rel}");
        match self {
            Hidden::Reported if !is_scratch(name) => Some(
                Diagnostic::warning(format!(
                    "{shown} is not read: hidden files and folders are left out"
                ))
                .with_hint("if it is a record, remove the dot that starts its name")
                .about(&shown),
            ),
            Hidden::Copied if holds_secrets(name) => Some(
                Diagnostic::warning(format!(
                    "{shown} is not published: files named so hold secrets"
                ))
                .with_hint(format!(
                    "move it out of {folder}/, which is copied to the site"
                ))
                .about(&shown),
            ),
            _ => None,
        }
    }
}

/// A version control system's folder or file (`.git`, `.gitkeep`, `.gitignore`), or a
/// file an editor or the system leaves beside others: vim's swap files, Emacs's backups
/// (`x~`), autosaves (`#x#`) and locks (`.#x`), macOS's folder settings and resource
/// forks (`._x`), Windows Explorer's thumbnails and folder settings. In any case, as a
/// file system that ignores it finds them. None is part of a handbook or of a site, and
/// a backup of a page would publish its source.
fn is_scratch(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.starts_with(".git")
        || matches!(
            name.as_str(),
            ".hg"
                | ".hgignore"
                | ".svn"
                | ".ds_store"
                | "thumbs.db"
                | "ehthumbs.db"
                | "desktop.ini"
        )
        || name.starts_with(".#")
        || name.starts_with("._")
        || name.ends_with('~')
        || (name.len() > 2 && name.starts_with('#') && name.ends_with('#'))
        || [".swp", ".swo", ".swx"].iter().any(|s| name.ends_with(s))
}

/// A file that holds secrets by convention: environment settings and Apache's passwords,
/// in any case, and an editor's backup of one (`.env~`), which is told of too.
fn holds_secrets(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    let name = name.trim_end_matches('~');
    name == ".env" || name.starts_with(".env.") || name == ".htpasswd"
}

/// A regular file that [`Source::walk`] found.
#[derive(Debug, Clone)]
pub struct Walked {
    /// Its path below the walked folder, with `/` separators.
    pub rel: String,
    /// For a file reached through a symbolic link, its path below the handbook's folder
    /// where it is: a page or file of content/ is as classified there as where it is shown.
    pub real: Option<String>,
}

impl Walked {
    /// Whether it is reached through a symbolic link: a file watcher reports a change to
    /// it at the place the link leads to, not at its path.
    pub fn linked(&self) -> bool {
        self.real.is_some()
    }
}

/// What a folder holds: the files to use, in a stable order, and a diagnostic for every
/// entry that is not used (other than hidden ones in folders that leave them out).
#[derive(Default, Clone)]
pub struct Walk {
    pub files: Vec<Walked>,
    pub diags: Vec<Diagnostic>,
    /// The paths below the folder of the entries that are there but not used, each with
    /// its diagnostic: a link to one is not told again that it leads nowhere.
    pub refused: Vec<String>,
}

/// The walk of `folder` for a source that knows the names of its files, and nothing else
/// (no links, no special files): those below `folder`, in the order [`Source::walk`]
/// gives, hidden ones left out as `hidden` says, each reported hidden file or folder once.
pub fn walk_paths<'a>(
    folder: &str,
    hidden: Hidden,
    names: impl IntoIterator<Item = &'a str>,
) -> Walk {
    let prefix = format!("{folder}/");
    let mut rels: Vec<&str> = names
        .into_iter()
        .filter_map(|name| name.strip_prefix(&prefix))
        .collect();
    // Name by name, so that a folder's files come at the place of its name.
    rels.sort_by(|a, b| a.split('/').cmp(b.split('/')));
    let mut walk = Walk::default();
    let mut reported = BTreeSet::new();
    for rel in rels {
        let parts: Vec<&str> = rel.split('/').collect();
        match parts
            .iter()
            .enumerate()
            .position(|(_, name)| !hidden.keeps(name))
        {
            None => walk.files.push(Walked {
                rel: rel.to_string(),
                real: None,
            }),
            Some(i) => {
                let entry = parts[..=i].join("/");
                if let Some(d) = hidden.left_out(folder, &entry)
                    && reported.insert(entry)
                {
                    walk.diags.push(d);
                }
            }
        }
    }
    walk
}

/// A handbook held in memory: each file's bytes by its name. The tests and the fuzz
/// targets build handbooks in it without touching the disk, through the loader a build
/// on disk goes through.
#[derive(Debug, Clone, Default)]
pub struct Memory {
    files: BTreeMap<String, Vec<u8>>,
}

impl Memory {
    pub fn new() -> Memory {
        Memory::default()
    }

    /// Puts `bytes` at `name`, in place of a file of that name.
    pub fn insert(&mut self, name: impl Into<String>, bytes: impl Into<Vec<u8>>) {
        self.files.insert(name.into(), bytes.into());
    }
}

impl Source for Memory {
    fn walk(&self, folder: &str, hidden: Hidden) -> Walk {
        walk_paths(folder, hidden, self.files.keys().map(String::as_str))
    }

    fn read(&self, name: &str, max_bytes: u64) -> Result<Option<Vec<u8>>, Diagnostic> {
        match self.files.get(name) {
            Some(bytes) if bytes.len() as u64 > max_bytes => Err(too_large(name, max_bytes)),
            Some(bytes) => Ok(Some(bytes.clone())),
            None => Ok(None),
        }
    }

    fn is_folder(&self, name: &str) -> bool {
        holds_folder(&self.files, name)
    }
}

/// Whether `files`, by their paths, hold the folder `name`: a source that knows only its
/// files' names holds a folder where a file is below it.
pub fn holds_folder<V>(files: &BTreeMap<String, V>, name: &str) -> bool {
    let prefix = format!("{name}/");
    files
        .range(prefix.clone()..)
        .next()
        .is_some_and(|(first, _)| first.starts_with(&prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_merge_conflict_is_found_outside_fenced_code_only() {
        fn found(text: &str) -> Option<&str> {
            LeftByGit::find(text).map(|left| &text[left.span])
        }
        let conflict = "a: 1\n<<<<<<< HEAD\nb: 2\n=======\nb: 3\n>>>>>>> other\n";
        assert_eq!(found(conflict), Some("<<<<<<< HEAD"));
        // git's diff3 style adds the common ancestor's lines.
        let diff3 = "<<<<<<< ours\nb: 2\n||||||| base\nb: 1\n=======\nb: 3\n>>>>>>> theirs\r\n";
        assert_eq!(found(diff3), Some("<<<<<<< ours"));
        for fence in ["```", "~~~~", "  ```yaml"] {
            let close = fence.trim_start().trim_end_matches("yaml");
            let shown = format!("Text.\n{fence}\n{conflict}{close}\n");
            assert_eq!(found(&shown), None, "{shown}");
            // The fence closed, a conflict after it is one.
            assert_eq!(found(&format!("{shown}{conflict}")), Some("<<<<<<< HEAD"));
        }
        // Markers that are not all there, or not at the start of a line.
        assert_eq!(found("<<<<<<< HEAD\nb: 2\n>>>>>>> other\n"), None);
        assert_eq!(found(" <<<<<<< HEAD\n=======\n>>>>>>> x\n"), None);
        assert_eq!(found("<<<<<<<<<< HEAD\n=======\n>>>>>>> x\n"), None);
    }
}
