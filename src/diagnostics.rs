//! The one error type: a diagnostic that points into a source file.
//!
//! Every stage reports problems as [`Diagnostic`]s and keeps going, so a run shows all of
//! them at once. A report prints the offending line under a `file:line:col` header, laid
//! out as codespan-reporting lays out a report with one label (see [`Diagnostic::render`]).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::{self, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};

use unicode_width::UnicodeWidthChar;

/// A file's text, shared by every diagnostic that points into it.
#[derive(Debug)]
pub struct SourceFile {
    /// Path relative to the handbook root, with `/` separators: what the user sees.
    pub name: String,
    pub text: String,
    /// Where each line starts, made on the first report that needs a line number: a file
    /// with many reports would otherwise be scanned from its start for each of them.
    lines: OnceLock<Lines>,
    /// A hash of `text`, made once: `serve` fingerprints what a record's page shows by it.
    hash: OnceLock<u64>,
    /// Where its fields are, made on the [`SourceFile::outline`] call that asks for it.
    outline: OnceLock<Option<Outline>>,
    /// How many times its fields were looked for before there was an outline.
    looked: AtomicU32,
}

/// Where the value of a structured file (a YAML document) is, and where its fields are.
/// The reader of the format makes it ([`crate::load::yaml`]), once a file has had several
/// reports; it is kept with the file, so that thousands of reports about one file read it
/// once more, not once each.
#[derive(Debug)]
pub struct Outline {
    /// Where the value starts: a scalar, or the token that opens a list or a mapping.
    pub span: Range<usize>,
    pub fields: Fields,
}

#[derive(Debug)]
pub enum Fields {
    /// A scalar, or a value that has no fields.
    None,
    Items(Vec<Outline>),
    Entries {
        /// Where each key is, and its value.
        entries: Vec<(Range<usize>, Outline)>,
        /// The first entry of each key that is a scalar.
        by_key: HashMap<String, usize>,
    },
}

#[derive(Debug)]
struct Lines {
    /// The byte offset of each line's first byte.
    starts: Vec<usize>,
    /// Whether each line is ASCII, so that its columns are its bytes.
    ascii: Vec<bool>,
    /// For a file with a line that is not ASCII: how many characters start before each
    /// [`CHUNK`]-th byte. A column is counted from the chunk it falls in, not from the
    /// start of its line, which a one-line list of thousands of reports would count again
    /// for each.
    chars: Vec<usize>,
}

/// The bytes between two counts in [`Lines::chars`].
const CHUNK: usize = 256;

impl Lines {
    /// How many characters of `text`, the file these are the lines of, start before the
    /// byte `at`.
    fn chars_before(&self, text: &str, at: usize) -> usize {
        let chunk = at / CHUNK;
        self.chars[chunk] + chars_in(&text.as_bytes()[chunk * CHUNK..at])
    }
}

/// How many characters start in `bytes` of UTF-8: every byte but a continuation byte.
fn chars_in(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count()
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Arc<Self> {
        Arc::new(Self {
            name: name.into(),
            text: text.into(),
            lines: OnceLock::new(),
            hash: OnceLock::new(),
            outline: OnceLock::new(),
            looked: AtomicU32::new(0),
        })
    }

    /// The outline `read` makes of the text, made on the first call after `after` calls
    /// and kept; `None` before, when the caller reads the text as far as the field it
    /// wants, which costs less while a file has few reports, and when `read` makes none.
    pub fn outline(
        &self,
        after: u32,
        read: impl FnOnce(&str) -> Option<Outline>,
    ) -> Option<&Outline> {
        if let Some(made) = self.outline.get() {
            return made.as_ref();
        }
        if self.looked.fetch_add(1, Ordering::Relaxed) < after {
            return None;
        }
        self.outline.get_or_init(|| read(&self.text)).as_ref()
    }

    /// A hash of the text, made on the first call.
    pub fn hash(&self) -> u64 {
        *self.hash.get_or_init(|| {
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            std::hash::Hash::hash(&self.text, &mut hasher);
            std::hash::Hasher::finish(&hasher)
        })
    }

    fn lines(&self) -> &Lines {
        self.lines.get_or_init(|| {
            let mut lines = Lines {
                starts: vec![0],
                ascii: vec![true],
                chars: Vec::new(),
            };
            for (i, &b) in self.text.as_bytes().iter().enumerate() {
                if b == b'\n' {
                    lines.starts.push(i + 1);
                    lines.ascii.push(true);
                } else if !b.is_ascii() {
                    *lines.ascii.last_mut().unwrap_or(&mut true) = false;
                }
            }
            if !self.text.is_ascii() {
                let mut before = 0;
                lines.chars.push(before);
                for chunk in self.text.as_bytes().chunks(CHUNK) {
                    before += chars_in(chunk);
                    lines.chars.push(before);
                }
            }
            lines
        })
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let lines = self.lines();
        let line = lines.starts.partition_point(|&s| s <= offset) - 1;
        let start = lines.starts[line];
        let col = if lines.ascii[line] {
            offset - start
        } else {
            lines.chars_before(&self.text, offset) - lines.chars_before(&self.text, start)
        };
        (line + 1, col + 1)
    }

    /// Byte offset of a 1-based line and 1-based character column, clamped to the text.
    pub fn offset(&self, line: usize, col: usize) -> usize {
        let Some(&start) = self.lines().starts.get(line.max(1) - 1) else {
            return self.text.len();
        };
        let line_text = self.text[start..].split('\n').next().unwrap_or("");
        start
            + line_text
                .char_indices()
                .nth(col.saturating_sub(1))
                .map_or(line_text.len(), |(i, _)| i)
    }

    /// The span of the whole line that holds `offset`, without its newline.
    pub fn line_span(&self, offset: usize) -> Range<usize> {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let starts = &self.lines().starts;
        let line = starts.partition_point(|&s| s <= offset) - 1;
        let end = starts
            .get(line + 1)
            .map_or(self.text.len(), |next| next - 1);
        starts[line]..end
    }
}

/// The longest stretch of a line a report shows, so a minified or hostile file cannot
/// flood the terminal.
const MAX_SHOWN: usize = 120;

/// Whether `c` is shown escaped in a report rather than written as it is: a control
/// character other than newline and tab, which a terminal would run (an escape sequence
/// can retitle it, move the cursor or rewrite what was printed before); a Unicode
/// bidirectional formatting character, which reorders the text around it so that what is
/// read is not what is there; or a character of no width that no text needs (a zero-width
/// space, a word joiner, a byte order mark past the start), which makes `ty\u{200b}pe`
/// read as the `type` it is not; or a line or paragraph separator, a line break to some
/// readers and nothing to others.
pub fn is_hidden(c: char) -> bool {
    (c.is_control() && !matches!(c, '\n' | '\t'))
        || matches!(
            c,
            '\u{61c}'
                | '\u{200b}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{2060}'
                | '\u{2066}'..='\u{2069}'
                | '\u{feff}'
        )
}

/// Whether `text` has an [`is_hidden`] character.
fn has_hidden(text: &str) -> bool {
    // Printable ASCII, the common case, is seen to be so a byte at a time.
    let printable = |b: u8| matches!(b, b' '..=b'~' | b'\n' | b'\t');
    !text.bytes().all(printable) && text.chars().any(is_hidden)
}

/// `text` with each [`is_hidden`] character written as Rust writes it: `\u{1b}`.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !has_hidden(text) {
        return Cow::Borrowed(text);
    }
    code_points(text, is_hidden)
}

/// `text` with each character `shown` takes written as its code point, as Rust writes it
/// (`\u{1b}`): what a reader could not see, or could not tell apart, as itself.
pub fn code_points(text: &str, shown: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&shown) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if shown(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` on one line, as a report's message and hint are: [`visible`], and each line break
/// written `\n`. A value quoted in a message (a title, a name) could otherwise start a line
/// of its own in the output, which a CI system may read as a command of its own
/// (`::error file=...::`, `##vso[...]`).
pub fn one_line(text: &str) -> Cow<'_, str> {
    match visible(text) {
        shown if shown.contains('\n') => Cow::Owned(shown.replace('\n', "\\n")),
        shown => shown,
    }
}

/// The line of a file a report shows: cut after the span, with hidden characters made
/// [`visible`]. Line and column in the header are those of the file, not of the escaped
/// text.
struct Excerpt<'a> {
    name: Cow<'a, str>,
    /// The line, or what is shown of it.
    text: String,
    /// Where the line starts in the file.
    origin: usize,
    /// For each escape in `text`: where it ends, and how many bytes longer `text` is
    /// than the file from there on.
    shifts: Vec<(usize, usize)>,
}

impl<'a> Excerpt<'a> {
    /// The line that holds the start of `span`, and `span` within it, clamped to what is
    /// shown.
    fn new(file: &'a SourceFile, span: Range<usize>) -> (Excerpt<'a>, Range<usize>) {
        let text = &file.text;
        let start = floor_char_boundary(text, span.start.min(text.len()));
        let line = file.line_span(start);
        let mut line_end = line.end;
        if text[..line_end].ends_with('\r') && line_end > start {
            line_end -= 1;
        }
        // A long line is shown from a little before the span, so that a report costs the
        // same wherever on the line it points.
        let origin = if start - line.start > MAX_SHOWN {
            floor_char_boundary(text, start - MAX_SHOWN / 2)
        } else {
            line.start
        };
        let end = floor_char_boundary(text, span.end.clamp(start, line_end).min(start + MAX_SHOWN));
        let cut = floor_char_boundary(text, line_end.min(end + MAX_SHOWN / 2));
        let mut excerpt = Excerpt {
            name: visible(&file.name),
            text: String::with_capacity(cut - origin + 3),
            origin,
            shifts: Vec::new(),
        };
        if origin > line.start {
            excerpt.text.push('…');
            excerpt
                .shifts
                .push((excerpt.text.len(), excerpt.text.len()));
        }
        let shown = &text[origin..cut];
        if !has_hidden(shown) {
            let at = excerpt.text.len();
            excerpt.text.push_str(shown);
            if cut < line_end {
                excerpt.text.push('…');
            }
            return (excerpt, at + start - origin..at + end - origin);
        }
        let (mut shown_start, mut shown_end) = (0, 0);
        for (i, c) in shown.char_indices() {
            if i == start - origin {
                shown_start = excerpt.text.len();
            }
            if i == end - origin {
                shown_end = excerpt.text.len();
            }
            if is_hidden(c) {
                excerpt.text.push_str(&visible(c.encode_utf8(&mut [0; 4])));
                let extra = excerpt.text.len() - (i + c.len_utf8());
                excerpt.shifts.push((excerpt.text.len(), extra));
            } else {
                excerpt.text.push(c);
            }
        }
        if start == cut {
            shown_start = excerpt.text.len();
        }
        if end == cut {
            shown_end = excerpt.text.len();
        }
        if cut < line_end {
            excerpt.text.push('…');
        }
        (excerpt, shown_start..shown_end)
    }

    /// The offset in the file of an offset in the shown text.
    fn in_file(&self, shown: usize) -> usize {
        let extra = self
            .shifts
            .iter()
            .take_while(|(end, _)| *end <= shown)
            .last()
            .map_or(0, |(_, extra)| *extra);
        self.origin + shown - extra
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Warning,
    Error,
}

/// A problem with the handbook, at a place in one of its files.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub level: Level,
    /// A stable finding code such as `exception.expired`; errors of the input itself have none.
    pub code: Option<&'static str>,
    pub message: String,
    pub file: Option<Arc<SourceFile>>,
    pub span: Range<usize>,
    /// Boxed, as it is seldom changed: a diagnostic is the one error type, and is kept
    /// within what an error should weigh.
    pub hint: Option<Box<str>>,
    /// The record id or the page's content path a finding is about. Other diagnostics
    /// leave it to the file they point into.
    pub subject: Option<Box<str>>,
    /// The other places in the same file that have the same problem: see [`Repeats`].
    pub repeats: Option<Box<Repeats>>,
    /// The handbook's file it is about when there is no text of it to point into: one
    /// that is not read (hidden, unreadable, a broken link) or is copied as it is. The
    /// machine formats place it at the file, as code scanning and annotations need. A
    /// thin pointer, where `Box<str>` is two words: see `hint`.
    pub about: Option<Arc<String>>,
}

/// The same problem met again in the same file: the same missing target named again, by
/// a link or in a list. It is one root cause, reported once, with the count of its other
/// places and the first [`REPEATS_SHOWN`] of them: a list that names one missing record a
/// million times made a million reports, which took half a minute to make and print and
/// buried every other report. The count of errors still counts each place.
#[derive(Debug, Clone, Default)]
pub struct Repeats {
    /// How many other places.
    pub count: usize,
    /// The first of them.
    pub shown: Vec<Range<usize>>,
}

/// How many other places of a repeated problem its report names.
pub const REPEATS_SHOWN: usize = 5;

/// How many characters of a value a message or hint quotes, at most.
const QUOTED_MAX: usize = 200;

/// `text` with each value quoted in it (`"…"` or `` `…` ``) longer than [`QUOTED_MAX`]
/// characters cut short, ending in "…": a message quotes the value it is about, which may
/// be a megabyte long, and the line shown below it is cut already.
pub fn clip_quoted(text: String) -> String {
    if text.len() <= QUOTED_MAX {
        return text;
    }
    let mut out = String::with_capacity(text.len().min(4 * QUOTED_MAX));
    // The quote open, and how many characters of its value were kept.
    let mut open: Option<(char, usize)> = None;
    let mut escaped = false;
    for c in text.chars() {
        match open {
            Some((quote, kept)) => {
                let closes = c == quote && !escaped;
                escaped = quote == '"' && c == '\\' && !escaped;
                if closes {
                    open = None;
                    out.push(c);
                } else if kept < QUOTED_MAX {
                    out.push(c);
                    open = Some((quote, kept + 1));
                } else if kept == QUOTED_MAX {
                    out.push('…');
                    open = Some((quote, kept + 1));
                }
            }
            None => {
                if c == '"' || c == '`' {
                    open = Some((c, 0));
                    escaped = false;
                }
                out.push(c);
            }
        }
    }
    out
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Self {
        Self {
            level: Level::Error,
            code: None,
            message: clip_quoted(message.into()),
            file: None,
            span: 0..0,
            hint: None,
            subject: None,
            repeats: None,
            about: None,
        }
    }

    pub fn warning(message: impl Into<String>) -> Self {
        Self {
            level: Level::Warning,
            ..Self::error(message)
        }
    }

    pub fn at(mut self, file: &Arc<SourceFile>, span: Range<usize>) -> Self {
        self.file = Some(Arc::clone(file));
        self.span = span;
        self
    }

    /// At `name`, a file of the handbook with no text to point into: see [`Diagnostic::about`].
    pub fn about(mut self, name: &str) -> Self {
        self.about = Some(Arc::new(name.to_string()));
        self
    }

    /// The name of the file it points into, or is about.
    pub fn file_name(&self) -> Option<&str> {
        (self.file.as_ref().map(|f| f.name.as_str())).or(self.about.as_deref().map(String::as_str))
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(clip_quoted(hint.into()).into_boxed_str());
        self
    }

    /// Notes that the same problem is at another place of the same file, which `place`
    /// gives: asked for only while the report names the places of its repeats.
    pub fn repeated(&mut self, place: impl FnOnce() -> Range<usize>) {
        let repeats = self.repeats.get_or_insert_default();
        repeats.count += 1;
        if repeats.shown.len() < REPEATS_SHOWN {
            repeats.shown.push(place());
        }
    }

    /// How many times the problem occurs: here, and at each of its repeats.
    pub fn occurrences(&self) -> usize {
        1 + self.repeats.as_ref().map_or(0, |r| r.count)
    }

    /// The line and column of each other place of a repeated problem that its report
    /// names: the first [`REPEATS_SHOWN`].
    pub fn shown_repeats(&self) -> Vec<(usize, usize)> {
        match (self.repeats.as_ref(), self.file.as_ref()) {
            (Some(repeats), Some(file)) => repeats
                .shown
                .iter()
                .map(|span| file.line_col(span.start))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The words that name a repeated problem's other places, in every format's report.
    pub fn also_at(&self) -> Option<String> {
        let repeats = self.repeats.as_ref()?;
        let mut note = format!("also at {} other place(s) in this file:", repeats.count);
        for (i, (line, column)) in self.shown_repeats().into_iter().enumerate() {
            let _ = write!(note, "{} {line}:{column}", if i == 0 { "" } else { "," });
        }
        if repeats.count > repeats.shown.len() {
            note.push_str(", …");
        }
        Some(note)
    }

    fn repeats_note(&self) -> Option<String> {
        self.also_at().map(|also| format!("note: {also}"))
    }

    /// `file:line:col` of the start of the span, as printed in the header.
    pub fn location(&self) -> Option<(String, usize, usize)> {
        let file = self.file.as_ref()?;
        let (line, col) = file.line_col(self.span.start);
        Some((file.name.clone(), line, col))
    }

    /// The report as a person reads it: header, `file:line:col`, the offending line, hint.
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.render_into(&mut out);
        out
    }

    /// Appends [`Diagnostic::render`]'s report to `out`. The layout is codespan-reporting's
    /// for a report with one label, which is all a diagnostic has, written here rather
    /// than through that crate: it writes each character through a formatter, which made
    /// a run with a million reports take seconds to print them. The tests hold the two
    /// to the same bytes.
    pub fn render_into(&self, out: &mut String) {
        out.push_str(match self.level {
            Level::Error => "error",
            Level::Warning => "warning",
        });
        if let Some(code) = self.code.filter(|c| !c.is_empty()) {
            out.push('[');
            out.push_str(code);
            out.push(']');
        }
        out.push_str(": ");
        out.push_str(&one_line(&self.message));
        out.push('\n');
        let hint = self.hint.as_deref().map(one_line);
        // The width of the line numbers' column, which the borders and notes line up with.
        let mut gutter = 0;
        if let Some(file) = &self.file {
            let (excerpt, span) = Excerpt::new(file, self.span.clone());
            let (line, column) = file.line_col(excerpt.in_file(span.start));
            gutter = line.ilog10() as usize + 1;
            let border = |out: &mut String| {
                pad(out, gutter + 1);
                out.push('│');
            };
            pad(out, gutter + 1);
            let _ = writeln!(out, "┌─ {}:{line}:{column}", excerpt.name);
            border(out);
            out.push('\n');
            let _ = write!(out, "{line:>gutter$} │ ");
            let shown = excerpt.text.trim_end_matches(['\n', '\r', '\0']);
            // At least one caret, even under an empty span; none past the line's end but
            // the one after its last character.
            let label = span.start..span.end.max(span.start + 1);
            if one_column_each(shown) {
                // The carets stand under the characters that start in the span, and under
                // the place after the line when the span reaches past its end.
                out.push_str(shown);
                out.push('\n');
                border(out);
                out.push(' ');
                let before = |at: usize| shown.char_indices().take_while(|&(i, _)| i < at).count();
                let after_line = usize::from(shown.len() < label.end);
                pad(out, before(label.start));
                repeat(
                    out,
                    "^",
                    before(label.end) - before(label.start) + after_line,
                );
            } else {
                for (_, c, width) in columns(shown) {
                    match c {
                        '\t' => pad(out, width),
                        c => out.push(c),
                    }
                }
                out.push('\n');
                border(out);
                out.push(' ');
                let end = (shown.len(), '\0', 1);
                for (at, c, width) in columns(shown).chain(std::iter::once(end)) {
                    if label.start < at + c.len_utf8() && at < label.end {
                        repeat(out, "^", width);
                    } else if at < label.end {
                        pad(out, width);
                    }
                }
            }
            out.push('\n');
            if hint.is_some() || self.repeats.is_some() {
                border(out);
                out.push('\n');
            }
        }
        let notes = hint.map(|hint| format!("help: {hint}")).into_iter();
        for note in notes.chain(self.repeats_note()) {
            for (i, line) in note.lines().enumerate() {
                pad(out, gutter + 1);
                out.push(if i == 0 { '=' } else { ' ' });
                out.push(' ');
                out.push_str(line);
                out.push('\n');
            }
        }
        out.push('\n');
    }
}

/// Whether each character of `line`, a line a report shows, takes one column: printable
/// ASCII, and the `…` that stands for the rest of a long line.
fn one_column_each(line: &str) -> bool {
    let line = line.strip_prefix('…').unwrap_or(line);
    let line = line.strip_suffix('…').unwrap_or(line);
    line.bytes().all(|b| matches!(b, b' '..=b'~'))
}

/// Appends `n` spaces.
fn pad(out: &mut String, n: usize) {
    repeat(out, " ", n);
}

/// Appends `n` times `c`, a character of one byte.
fn repeat(out: &mut String, c: &str, n: usize) {
    out.reserve(n);
    for _ in 0..n {
        out.push_str(c);
    }
}

/// Each character of a line shown in a report, with its byte offset and the columns it
/// takes on a terminal: a tab reaches the next multiple of 4, a wide character takes two,
/// a combining one none.
fn columns(line: &str) -> impl Iterator<Item = (usize, char, usize)> + '_ {
    let mut column = 0;
    line.char_indices().map(move |(at, c)| {
        let width = match c {
            '\t' => 4 - column % 4,
            c => c.width().unwrap_or(0),
        };
        column += width;
        (at, c, width)
    })
}

/// Why a command could not finish.
#[derive(Debug)]
pub enum Error {
    /// The handbook has problems (exit status 1): all of them, in a stable order.
    Invalid(Vec<Diagnostic>),
    /// The command could not run at all (exit status 2): an unreadable folder, say.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The command could not run, for a reason that is not a file system error.
    Usage(String),
}

impl Error {
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Invalid(diags) => write!(f, "the handbook has {} error(s)", errors(diags)),
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Usage(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Error {}

/// How many errors `diags` reports, a repeated problem once, as it is printed.
pub fn errors(diags: &[Diagnostic]) -> usize {
    diags.iter().filter(|d| d.level == Level::Error).count()
}

/// How many places the errors of `diags` are at, each of a repeated problem's counted.
pub fn error_places(diags: &[Diagnostic]) -> usize {
    diags
        .iter()
        .filter(|d| d.level == Level::Error)
        .map(Diagnostic::occurrences)
        .sum()
}

/// Sorts diagnostics the way they are printed: by file, then position, then message.
pub fn sort(diags: &mut [Diagnostic]) {
    fn key(d: &Diagnostic) -> (Option<&str>, usize, &str) {
        (
            d.file.as_ref().map(|f| f.name.as_str()),
            d.span.start,
            &d.message,
        )
    }
    diags.sort_by(|a, b| key(a).cmp(&key(b)));
}

/// The closest known name to `unknown`, if one is close enough to be a likely typo: first
/// one that differs from it only in case (`#Request` for `#request`, `policy.MD`), which a
/// disk that ignores case finds and a web server or YAML does not, or in case and the
/// marks between words (`baseURL` and `base-url` for `base_url`, as Hugo and other tools
/// spell keys); then the fewest edits
/// (a letter added, dropped, changed or two swapped), at most a third of the name's
/// letters, the more alike by Jaro-Winkler first. Jaro-Winkler alone offered `expires` for
/// `x`, and `EXC-001` for `EXC-014` beside `EXC-013`. Of names that score alike, the first
/// in byte order, whatever order `known` comes in (often a hash map's): the same handbook
/// gets the same hint at every run.
pub fn closest<'a>(unknown: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    // `P5` is not a typo of `P0`: a name of one or two letters is offered by its case alone.
    // A letter as wide as two (a Chinese or Japanese one) says as much as two: `手順` is a
    // word of two, one letter off `手順書`.
    let width: usize = (unknown.chars())
        .map(|c| c.width().unwrap_or(0).max(1))
        .sum();
    let allowed = width / 3;
    let mut best: Option<((usize, f64), &str)> = None;
    for k in known {
        let score = match k.eq_ignore_ascii_case(unknown) || words(k).eq(words(unknown)) {
            true => (0, f64::INFINITY),
            false => (
                strsim::osa_distance(unknown, k),
                strsim::jaro_winkler(unknown, k),
            ),
        };
        let better = |(b, bk): ((usize, f64), &str)| {
            score.0 < b.0 || (score.0 == b.0 && (score.1 > b.1 || (score.1 == b.1 && k < bk)))
        };
        if score.0 <= allowed && best.is_none_or(better) {
            best = Some((score, k));
        }
    }
    best.map(|(_, k)| k)
}

/// The letters of `name` in lower case, without the marks between words.
fn words(name: &str) -> impl Iterator<Item = char> + '_ {
    name.chars()
        .filter(|c| !matches!(c, '_' | '-' | ' '))
        .map(|c| c.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hint is a likely typo: the fewest edits, and none that change most of the name.
    #[test]
    fn the_closest_name_is_the_fewest_edits_away() {
        let ids = ["EXC-001", "EXC-013", "EXC-015"];
        assert_eq!(closest("EXC-014", ids), Some("EXC-013"));
        assert_eq!(closest("EXC-025", ["EXC-002", "EXC-024"]), Some("EXC-024"));
        let fields = ["expires", "id", "risk_owner", "weight"];
        for far in ["x", "incidents", "markdown", "di"] {
            assert_eq!(closest(far, fields), None, "{far}");
        }
        assert_eq!(closest("weigth", fields), Some("weight"));
        // Another tool's spelling of a key: case and the marks between words.
        let keys = ["as_of", "base_url", "default_audience"];
        assert_eq!(closest("baseURL", keys), Some("base_url"));
        assert_eq!(closest("asOf", keys), Some("as_of"));
        assert_eq!(closest("Default-Audience", keys), Some("default_audience"));
        assert_eq!(closest("P5", ["P0", "P1"]), None);
        assert_eq!(
            closest("jun@exmaple.com", ["jun@example.com", "ann@example.com"]),
            Some("jun@example.com")
        );
    }

    /// Names that score alike give the same hint in any order.
    #[test]
    fn the_closest_name_does_not_depend_on_the_order_of_the_names() {
        let names = ["reports.md", "process.md", "Nope.md"];
        assert_eq!(closest("nope.md", names), Some("Nope.md"));
        // Each differs from it in one letter, at the same place.
        let alike = ["policy-x.md", "policy-y.md"];
        for order in [alike, [alike[1], alike[0]]] {
            assert_eq!(
                closest("policy-a.md", order),
                Some("policy-x.md"),
                "{order:?}"
            );
        }
    }

    use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity};
    use codespan_reporting::files::{self, Files, SimpleFile};
    use codespan_reporting::term::{self, Config};
    use proptest::prelude::*;

    /// A report as codespan-reporting writes it, from the same excerpt: what
    /// [`Diagnostic::render`] must write, byte for byte.
    fn codespan(d: &Diagnostic) -> String {
        let severity = match d.level {
            Level::Error => Severity::Error,
            Level::Warning => Severity::Warning,
        };
        let message = one_line(&d.message);
        let mut cs = CsDiagnostic::new(severity).with_message(message.as_ref());
        if let Some(code) = d.code {
            cs = cs.with_code(code);
        }
        if let Some(hint) = &d.hint {
            cs = cs.with_note(format!("help: {}", one_line(hint)));
        }
        cs.notes.extend(d.repeats_note());
        let config = Config::default();
        match &d.file {
            Some(file) => {
                let (excerpt, span) = Excerpt::new(file, d.span.clone());
                let cs = cs.with_label(Label::primary((), span));
                term::emit_into_string(&config, &Shown { excerpt, file }, &cs).unwrap()
            }
            None => term::emit_into_string(&config, &SimpleFile::new("", ""), &cs).unwrap(),
        }
    }

    /// An excerpt as codespan reads a file: one line, at its line of the file.
    struct Shown<'a> {
        excerpt: Excerpt<'a>,
        file: &'a SourceFile,
    }

    impl<'a> Files<'a> for Shown<'a> {
        type FileId = ();
        type Name = &'a str;
        type Source = &'a str;

        fn name(&'a self, (): ()) -> Result<&'a str, files::Error> {
            Ok(&self.excerpt.name)
        }

        fn source(&'a self, (): ()) -> Result<&'a str, files::Error> {
            Ok(&self.excerpt.text)
        }

        fn line_index(&'a self, (): (), _: usize) -> Result<usize, files::Error> {
            Ok(self.file.line_col(self.excerpt.origin).0 - 1)
        }

        fn line_range(&'a self, (): (), _: usize) -> Result<Range<usize>, files::Error> {
            Ok(0..self.excerpt.text.len())
        }

        fn location(&'a self, (): (), shown: usize) -> Result<files::Location, files::Error> {
            let (line_number, column_number) = self.file.line_col(self.excerpt.in_file(shown));
            Ok(files::Location {
                line_number,
                column_number,
            })
        }
    }

    /// Text of every kind a report has to lay out: tabs, wide and combining characters,
    /// hidden ones, carriage returns, and lines longer than a report shows.
    fn text() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec![
            "a", "bc", " ", "\t", "\n", "\r\n", "\r", "é", "e\u{301}", "中", "🦀", "\u{1b}",
            "\u{202e}", "\u{0}", "\u{7f}", "…", "x\ty",
        ]);
        let long = prop::sample::select(vec![0usize, 130, 300]);
        (prop::collection::vec(piece, 0..40), long, any::<bool>()).prop_map(
            |(pieces, long, wide)| {
                let filler = if wide { "中" } else { "a" };
                let middle = pieces.len() / 2;
                format!(
                    "{}{}{}",
                    pieces[..middle].concat(),
                    filler.repeat(long),
                    pieces[middle..].concat()
                )
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// The reports written here are those codespan-reporting writes, for any text,
        /// span, message and hint, with a file and without.
        #[test]
        fn render_writes_what_codespan_writes(
            text in text(),
            name in text(),
            start in any::<prop::sample::Index>(),
            len in 0usize..400,
            message in text(),
            hint in prop::option::of(text()),
            code in prop::option::of(prop::sample::select(vec!["", "page.review-overdue"])),
            warning in any::<bool>(),
            with_file in any::<bool>(),
            repeats in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
        ) {
            let file = SourceFile::new(name, text);
            let start = start.index(file.text.len() + 1);
            let mut d = Diagnostic::error(message);
            if warning {
                d.level = Level::Warning;
            }
            d.code = code;
            d.hint = hint.map(String::into_boxed_str);
            if with_file {
                d = d.at(&file, start..start + len);
                for at in repeats {
                    let at = at.index(file.text.len() + 1);
                    d.repeated(|| at..at + 1);
                }
            }
            prop_assert_eq!(d.render(), codespan(&d));
        }
    }

    #[test]
    fn line_col_and_offset_agree() {
        let file = SourceFile::new("a.md", "ab\ncdé\nf");
        assert_eq!(file.line_col(0), (1, 1));
        assert_eq!(file.line_col(4), (2, 2));
        assert_eq!(file.offset(2, 2), 4);
        assert_eq!(file.offset(3, 1), 8);
        assert_eq!(file.line_span(4), 3..7);
    }

    /// The index of line starts gives what counting from the start of the text gives.
    #[test]
    fn line_col_is_that_of_counting_from_the_start() {
        // Long lines too, with characters of each length across the chunks columns are
        // counted from.
        let long = format!("{}\n{}\nz", "é".repeat(300), "a🔒bé".repeat(90));
        for text in ["", "\n", "a", "ab\ncdé\nf", "é\n\nx\n", "\r\nä\r\nb", &long] {
            let file = SourceFile::new("a.md", text);
            for offset in 0..=text.len() + 1 {
                let at = floor_char_boundary(text, offset.min(text.len()));
                let before = &text[..at];
                let line = before.matches('\n').count() + 1;
                let start = before.rfind('\n').map_or(0, |i| i + 1);
                let col = before[start..].chars().count() + 1;
                assert_eq!(file.line_col(offset), (line, col), "{text:?} at {offset}");
                assert_eq!(file.offset(line, col), at, "{text:?} at {offset}");
            }
        }
    }

    #[test]
    fn closest_finds_a_typo_and_ignores_noise() {
        assert_eq!(closest("titel", ["title", "description"]), Some("title"));
        assert_eq!(closest("zzzz", ["title", "description"]), None);
        // A name that differs only in case wins over one spelt nearer (0.93 against 0).
        assert_eq!(closest("README", ["READ", "readme"]), Some("readme"));
        // Two letters of Japanese are a word, which one letter more or less leaves a typo.
        assert_eq!(closest("手順", ["手順書", "概要"]), Some("手順書"));
        assert_eq!(closest("手順", ["対応"]), None);
        assert_eq!(closest("P5", ["P0"]), None);
    }

    /// A character of no width is written out, so that a key that looks right but is not
    /// shows why.
    #[test]
    fn a_character_of_no_width_is_shown() {
        assert_eq!(visible("ty\u{200b}pe"), "ty\\u{200b}pe");
        assert_eq!(visible("\u{feff}id\u{2060}"), "\\u{feff}id\\u{2060}");
        assert_eq!(
            visible("caf\u{e9} \u{1f468}\u{200d}\u{1f469}"),
            "caf\u{e9} \u{1f468}\u{200d}\u{1f469}"
        );
    }

    /// A line break in a quoted value does not start a line of the report: a CI system
    /// would read `::error ...` at a line's start as a command.
    #[test]
    fn a_message_and_its_hint_stay_on_one_line() {
        let d = Diagnostic::warning("action item \"Patch\n::error file=x::pwned\" is late")
            .with_hint("ask\r\n##vso[task.setvariable]x");
        let text = d.render();
        assert!(
            text.lines()
                .all(|l| !l.starts_with("::") && !l.starts_with("##")),
            "{text}"
        );
        assert!(text.contains("Patch\\n::error file=x::pwned"), "{text}");
        assert_eq!(text, codespan(&d));
    }

    #[test]
    fn render_shows_hidden_characters_escaped_at_the_real_column() {
        let line = "t: \u{1b}]0;pwned\u{7}\u{202e}\u{c}x [bad](y)\r\n";
        let file = SourceFile::new("a\u{1b}[2J.md", format!("first\n{line}"));
        let at = file.text.find("[bad]").unwrap();
        let d = Diagnostic::error("link `\u{9b}31m` \u{1b}[0m")
            .at(&file, at..at + 10)
            .with_hint("\u{2066}x");
        let text = d.render();
        assert!(!text.chars().any(is_hidden), "{text:?}");
        assert!(text.contains("a\\u{1b}[2J.md:2:18"), "{text}");
        assert!(
            text.contains("t: \\u{1b}]0;pwned\\u{7}\\u{202e}\\u{c}x [bad](y)\n"),
            "{text}"
        );
        assert!(text.contains("link `\\u{9b}31m` \\u{1b}[0m"), "{text}");
        assert!(text.contains("help: \\u{2066}x"), "{text}");
        // The carets stand under `[bad](y)`, after the escapes.
        let shown = text.lines().find(|l| l.contains("pwned")).unwrap();
        let carets = text.lines().find(|l| l.contains('^')).unwrap();
        assert_eq!(shown.find("[bad]"), carets.find('^'), "{text}");
        // A report about the control character itself points at it.
        let esc = file.text.find('\u{1b}').unwrap();
        let d = Diagnostic::error("control character").at(&file, esc..esc + 1);
        assert!(d.render().contains(":2:4"), "{}", d.render());
    }

    #[test]
    fn render_shows_location_line_and_hint() {
        let file = SourceFile::new("handbook.yaml", "title: x\ntitel: y\n");
        let d = Diagnostic::error("unknown key `titel`")
            .at(&file, 9..14)
            .with_hint("did you mean `title`?");
        let text = d.render();
        assert!(text.contains("handbook.yaml:2:1"), "{text}");
        assert!(text.contains("titel: y"), "{text}");
        assert!(text.contains("help: did you mean `title`?"), "{text}");
    }

    #[test]
    fn a_long_line_is_shown_around_the_span_at_its_real_column() {
        let line = format!("{}TARGET{}", "a".repeat(5000), "b".repeat(5000));
        let file = SourceFile::new("page.md", format!("first\n{line}\n"));
        let d = Diagnostic::error("here").at(&file, 6 + 5000..6 + 5006);
        let text = d.render();
        assert!(text.contains("page.md:2:5001"), "{text}");
        let shown = text
            .lines()
            .find(|l| l.contains("TARGET"))
            .unwrap_or_default();
        assert!(shown.contains("│ …aaa"), "{text}");
        assert!(shown.ends_with("bbb…"), "{text}");
        assert!(shown.len() < 300, "{text}");
        // The caret sits under the span, counted in characters (the `…` is one).
        let caret = text.lines().find(|l| l.contains('^')).unwrap_or_default();
        let column = caret.chars().position(|c| c == '^');
        let under: Option<String> = column.map(|at| shown.chars().skip(at).take(6).collect());
        assert_eq!(under.as_deref(), Some("TARGET"), "{text}");
    }

    #[test]
    fn a_long_value_quoted_in_a_message_is_cut_short() {
        let long = "y".repeat(1_000_000);
        let d = Diagnostic::error(format!(
            "weight: expected a whole number, found the text \"{long}\""
        ))
        .with_hint(format!("not `{long}`"));
        let kept = "y".repeat(QUOTED_MAX);
        assert_eq!(
            d.message,
            format!("weight: expected a whole number, found the text \"{kept}…\"")
        );
        assert_eq!(d.hint.as_deref(), Some(format!("not `{kept}…`").as_str()));
        // An escaped quote does not close the value; a short message is as it was.
        let escaped = format!("a \"{}\\\"{long}\" b", "x".repeat(10));
        let clipped = clip_quoted(escaped);
        assert!(clipped.ends_with("…\" b"), "{clipped}");
        assert_eq!(clip_quoted("a `b` \"c\"".into()), "a `b` \"c\"");
    }
}
