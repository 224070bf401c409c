//! The one error type: a diagnostic that points into a source file.
//!
//! Every stage reports problems as [`Diagnostic`]s and keeps going, so a run shows all of
//! them at once. Rendering goes through codespan-reporting, which prints the offending line
//! under a `file:line:col` header.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, Config};

/// A file's text, shared by every diagnostic that points into it.
#[derive(Debug)]
pub struct SourceFile {
    /// Path relative to the handbook root, with `/` separators: what the user sees.
    pub name: String,
    pub text: String,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Arc<Self> {
        Arc::new(Self {
            name: name.into(),
            text: text.into(),
        })
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        (line, before[line_start..].chars().count() + 1)
    }

    /// Byte offset of a 1-based line and 1-based character column, clamped to the text.
    pub fn offset(&self, line: usize, col: usize) -> usize {
        let mut start = 0;
        for _ in 1..line.max(1) {
            match self.text[start..].find('\n') {
                Some(i) => start += i + 1,
                None => return self.text.len(),
            }
        }
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
        let start = self.text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let end = self.text[offset..]
            .find('\n')
            .map_or(self.text.len(), |i| offset + i);
        start..end
    }
}

/// The longest stretch of a line a report shows, so a minified or hostile file cannot
/// flood the terminal.
const MAX_SHOWN: usize = 120;

/// The text up to the end of the reported line, that line cut after the span, and the span
/// clamped to what is shown. Lines and columns before the span are unchanged.
fn shorten(text: &str, span: Range<usize>) -> (String, Range<usize>) {
    let start = floor_char_boundary(text, span.start.min(text.len()));
    let end = floor_char_boundary(
        text,
        span.end.clamp(start, text.len()).min(start + MAX_SHOWN),
    );
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let cut = floor_char_boundary(text, line_end.min(end + MAX_SHOWN / 2));
    let mut shown = text[..cut].to_string();
    if cut < line_end {
        shown.push('…');
    }
    (shown, start..end)
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
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Self {
        Self {
            level: Level::Error,
            code: None,
            message: message.into(),
            file: None,
            span: 0..0,
            hint: None,
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

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// `file:line:col` of the start of the span, as printed in the header.
    pub fn location(&self) -> Option<(String, usize, usize)> {
        let file = self.file.as_ref()?;
        let (line, col) = file.line_col(self.span.start);
        Some((file.name.clone(), line, col))
    }

    /// The report as a person reads it: header, `file:line:col`, the offending line, hint.
    pub fn render(&self) -> String {
        let severity = match self.level {
            Level::Error => Severity::Error,
            Level::Warning => Severity::Warning,
        };
        let mut cs = CsDiagnostic::new(severity).with_message(&self.message);
        if let Some(code) = self.code {
            cs = cs.with_code(code);
        }
        if let Some(hint) = &self.hint {
            cs = cs.with_note(format!("help: {hint}"));
        }
        match &self.file {
            Some(file) => {
                let (text, span) = shorten(&file.text, self.span.clone());
                let simple = SimpleFile::new(file.name.as_str(), text.as_str());
                let cs = cs.with_label(Label::primary((), span));
                term::emit_into_string(&Config::default(), &simple, &cs)
                    .unwrap_or_else(|_| format!("{}: {}\n", file.name, self.message))
            }
            None => {
                let simple = SimpleFile::new("", "");
                term::emit_into_string(&Config::default(), &simple, &cs)
                    .unwrap_or_else(|_| format!("{}\n", self.message))
            }
        }
    }
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
            Error::Invalid(diags) => {
                let errors = diags.iter().filter(|d| d.level == Level::Error).count();
                write!(f, "the handbook has {errors} error(s)")
            }
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Usage(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Error {}

/// Sorts diagnostics the way they are printed: by file, then position, then message.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        let key = |d: &Diagnostic| {
            (
                d.file.as_ref().map(|f| f.name.clone()),
                d.span.start,
                d.message.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
}

/// The closest known name to `unknown`, if one is close enough to be a likely typo.
pub fn closest<'a>(unknown: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    known
        .into_iter()
        .map(|k| (strsim::jaro_winkler(unknown, k), k))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_and_offset_agree() {
        let file = SourceFile::new("a.md", "ab\ncdé\nf");
        assert_eq!(file.line_col(0), (1, 1));
        assert_eq!(file.line_col(4), (2, 2));
        assert_eq!(file.offset(2, 2), 4);
        assert_eq!(file.offset(3, 1), 8);
        assert_eq!(file.line_span(4), 3..7);
    }

    #[test]
    fn closest_finds_a_typo_and_ignores_noise() {
        assert_eq!(closest("titel", ["title", "description"]), Some("title"));
        assert_eq!(closest("zzzz", ["title", "description"]), None);
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
}
