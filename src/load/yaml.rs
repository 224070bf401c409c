//! All YAML parsing goes through here.
//!
//! Typed loading uses serde_yaml, whose errors carry a line and column. Checks that run after
//! loading (dates out of order, unknown ids) need the place of a field too; serde_yaml keeps
//! no spans, so [`locate`] finds a field by re-reading the text with saphyr-parser's event
//! stream. That only happens when there is something to report, so valid input pays nothing.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::diagnostics::{Diagnostic, Fields, Outline, SourceFile, closest, code_points};
use crate::load::source::LeftByGit;
use crate::model::text::{DUPLICATE, EMPTY, NO_VALUE, any_byte, is_noncharacter};

/// Deserialises the part `range` of `file` (the whole file, or a front matter block).
pub fn parse<T: DeserializeOwned>(
    file: &Arc<SourceFile>,
    range: Range<usize>,
) -> Result<T, Diagnostic> {
    attempt(file, range).map_err(|failure| failure.diag)
}

/// Why a text did not load: the report, what serde said, and the path to the value serde
/// was reading (none for a text [`refusal`] turned down).
struct Failure {
    diag: Diagnostic,
    raw: String,
    path: Option<Vec<Step>>,
    /// The anchor or alias refused, if that is why.
    mark: Option<Mark>,
}

/// [`parse`], telling how it failed.
fn attempt<T: DeserializeOwned>(
    file: &Arc<SourceFile>,
    range: Range<usize>,
) -> Result<T, Box<Failure>> {
    let text = &file.text[range.clone()];
    if let Some(found) = refusal(text) {
        return Err(Box::new(Failure {
            mark: found.mark,
            diag: found.diagnostic(file, range.start),
            raw: String::new(),
            path: None,
        }));
    }
    serde_yaml::from_str(text).map_err(|first| {
        // A syntax error anywhere is the text's first error: serde_yaml reads the text as it
        // fills the value, so a bad value before it would be told instead, at a place the
        // text that does not read cannot show.
        let syntax = serde_yaml::from_str::<serde::de::IgnoredAny>(text).err();
        // Read again, now noting the path to each value, to learn which field is at fault:
        // serde_yaml places some errors (a `null` where a text is needed, a key given
        // twice) at the mapping that holds the field, or at the start of the document.
        // Only a text with an error is read twice.
        let with_path = match syntax {
            Some(_) => None,
            None => Some(serde_path_to_error::deserialize::<_, T>(
                serde_yaml::Deserializer::from_str(text),
            )),
        };
        let (path, err) = match (&syntax, &with_path) {
            (Some(e), _) => (Vec::new(), e),
            (None, Some(Err(e))) => (e.path().iter().map_while(Step::of).collect(), e.inner()),
            _ => (Vec::new(), &first),
        };
        Box::new(Failure {
            diag: diagnose(file, range.clone(), &path, err),
            raw: err.to_string(),
            path: Some(path),
            mark: None,
        })
    })
}

/// Whether [`parse`] refuses `text` before reading it as YAML (see [`refusal`]).
pub fn refused(text: &str) -> bool {
    refusal(text).is_some()
}

/// What no text may hold, before it is read as YAML: flow values nested too deep,
/// control characters, aliases (see [`refuse`]).
fn refusal(text: &str) -> Option<Refused> {
    if let Some(left) = LeftByGit::find(text) {
        return Some(Refused {
            mark: None,
            span: left.span,
            message: left.message.into(),
            hint: left.hint.into(),
        });
    }
    // Every record is scanned: a look at its bytes tells which checks could find
    // anything, and most texts need none.
    let seen = Seen::of(text.as_bytes());
    if let Some(at) = (seen.opened > MAX_FLOW_DEPTH)
        .then(|| too_deep(text))
        .flatten()
    {
        return Some(Refused {
            mark: None,
            span: at..at + 1,
            message: format!("values are nested more than {MAX_FLOW_DEPTH} levels deep"),
            hint: "a handbook never needs this much nesting; is the file damaged?".into(),
        });
    }
    let unwritable = seen.control.then(|| unwritable(text)).flatten();
    (unwritable.or_else(|| separator_in_comment(text)))
        .or_else(|| seen.might_refuse(text).then(|| refuse(text)).flatten())
}

/// The first line or paragraph separator (U+2028, U+2029) in a comment. YAML ends the
/// comment there and reads what follows as the file's text, where an editor shows one
/// comment line: a key can hide in it.
fn separator_in_comment(text: &str) -> Option<Refused> {
    let bytes = text.as_bytes();
    let separator_in = |from: usize, to: usize| {
        memchr::memchr_iter(0xE2, &bytes[from..to])
            .map(|i| from + i)
            .find(|&i| matches!(bytes.get(i + 1..i + 3), Some([0x80, 0xA8 | 0xA9])))
    };
    // Most texts hold none, which one pass over their bytes tells; from the first one's
    // line on, each line is read once, however many a line holds.
    let first = separator_in(0, bytes.len())?;
    let mut start = memchr::memrchr(b'\n', &bytes[..first]).map_or(0, |n| n + 1);
    let at = loop {
        let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |n| start + n);
        let line = &text[start..end];
        let comment =
            (line.match_indices('#')).find(|&(h, _)| h == 0 || line[..h].ends_with([' ', '\t']));
        if let Some(at) = comment.and_then(|(h, _)| separator_in(start + h, end)) {
            break at;
        }
        if end == bytes.len() {
            return None;
        }
        start = end + 1;
    };
    let name = match bytes[at + 2] {
        0xA8 => "line separator U+2028",
        _ => "paragraph separator U+2029",
    };
    Some(Refused {
        mark: None,
        span: at..at + 3,
        message: format!(
            "a {name} in a comment: YAML ends the comment there and reads what follows as \
             the file's text"
        ),
        hint: "remove it, or write a line break in its place".into(),
    })
}

/// What a look at a text's bytes finds, for [`refusal`].
struct Seen {
    /// How many `[` and `{`: flow collections nest no deeper than this.
    opened: usize,
    /// Whether a byte could be a control character ([`suspect`]).
    control: bool,
    /// Whether there is an `&`, `*`, `!` or `\\`.
    marks: bool,
}

impl Seen {
    /// Each a pass with no branch per byte, that the compiler vectorises: one pass that
    /// finds all three is not vectorised, and costs more than the three.
    fn of(bytes: &[u8]) -> Seen {
        Seen {
            opened: bytes.iter().filter(|&&b| b == b'[' || b == b'{').count(),
            control: any_byte(bytes, suspect),
            marks: any_byte(bytes, |b| matches!(b, b'&' | b'*' | b'!' | b'\\')),
        }
    }

    /// Whether [`refuse`] could find anything: a text with no `&` or `*` has no anchor or
    /// alias, one with no `!` no tag, one with no `\\` no escape in a double-quoted string, and one where no line
    /// opens with as many indents and block indicators (`- - -`, `? ?`) as the depth limit
    /// nests no deeper in block style (flow nesting is [`too_deep`]'s). Most records pass,
    /// and are read once, not twice.
    fn might_refuse(&self, text: &str) -> bool {
        let bytes = text.as_bytes();
        let indent = |b: &&u8| matches!(b, b' ' | b'\t' | b'-' | b'?');
        let deep = |start: usize| {
            let line = bytes.get(start..).unwrap_or_default();
            line.iter().take(MAX_FLOW_DEPTH).take_while(indent).count() >= MAX_FLOW_DEPTH
        };
        self.marks
            || std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', bytes).map(|at| at + 1))
                .any(deep)
    }
}

/// Whether `b` could be, or start, a character [`refused_in_text`] refuses: C0 and DEL
/// are one byte each; C1 (U+0080 to U+009F) starts with 0xC2, the noncharacters of the
/// first plane with 0xEF and those of the others with 0xF0 to 0xF4, which only start a
/// character.
fn suspect(b: u8) -> bool {
    (b < 0x20 && b != b'\t' && b != b'\n') || b == 0x7F || b == 0xC2 || b >= 0xEF
}

/// One step of the path serde_path_to_error reports, as [`locate`] follows it.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

impl Step {
    fn of(segment: &serde_path_to_error::Segment) -> Option<Step> {
        match segment {
            serde_path_to_error::Segment::Map { key } => Some(Step::Key(key.clone())),
            serde_path_to_error::Segment::Seq { index } => Some(Step::Index(*index)),
            _ => None,
        }
    }

    fn seg(&self) -> Seg<'_> {
        match self {
            Step::Key(key) => Seg::Key(key),
            Step::Index(i) => Seg::Index(*i),
        }
    }
}

/// The path as a user reads it: `approvals[0].side`.
fn path_text(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(key) if out.is_empty() => out.push_str(key),
            Seg::Key(key) => {
                out.push('.');
                out.push_str(key);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// A serde_yaml error as a diagnostic at the place it is about, in the text that starts at
/// byte `start` of `file`. `path` leads to the value serde was reading when it failed.
fn diagnose(
    file: &Arc<SourceFile>,
    range: Range<usize>,
    path: &[Step],
    err: &serde_yaml::Error,
) -> Diagnostic {
    let start = range.start;
    let text = &file.text[range];
    let raw = err.to_string();
    let (mut message, mut hint) = explain(&raw);
    let path: Vec<Seg> = path.iter().map(Step::seg).collect();
    // A reader error (a character YAML refuses) has no mark, only a byte position in its
    // message; other errors carry a mark, whose index counts bytes after any byte order
    // mark.
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let marked = reader_position(&raw).or_else(|| err.location().map(|l| l.index() + bom));
    let marked = marked.map(|at| floor_boundary(text, at));
    let at_mark = |at: usize| at..token_end(text, at);
    let place = locate_text(text, &path);
    let mut span = if message.contains(DUPLICATE) || message.contains("duplicate field `") {
        match duplicate_key(text, &path) {
            Some((first, second)) => {
                let mut key = path.clone();
                key.push(Seg::Key(&text[second.clone()]));
                message = format!("duplicate key `{}`", path_text(&key));
                let (line, _) = file.line_col(start + first.start);
                hint = Some(format!(
                    "it is first given on line {line}; keep one of them"
                ));
                second
            }
            None => marked.map_or(0..0, at_mark),
        }
    } else {
        // A missing value cannot be marked: serde_yaml marks the mapping that holds it.
        let unmarked = message.ends_with(NO_VALUE);
        match (marked, place) {
            // serde_yaml marked a node that holds the value: the path is closer.
            (Some(at), Some(place)) if at < place.key.start || unmarked => place.shown(),
            (Some(at), _) => at_mark(at),
            (None, Some(place)) => place.shown(),
            (None, None) => at_mark(0),
        }
    };
    if let Some(help) = syntax(file, start..start + text.len(), &raw, marked) {
        span = help.span.unwrap_or(span);
        message = help.message.unwrap_or(message);
        hint = Some(help.hint);
    }
    for (what, why) in [
        (
            NO_VALUE,
            "`null`, `~` and nothing at all mean no value, and this field needs one",
        ),
        (EMPTY, "this field needs a value"),
    ] {
        if message.ends_with(what) {
            message = format!("`{}` {what}", path_text(&path));
            hint = Some(why.to_string());
        }
    }
    // `title: #1 priority`: what follows the key is a comment to YAML.
    if message.ends_with(NO_VALUE)
        && let Some(after) = text[span.end..].lines().next()
        && let Some(comment) = after.strip_prefix(':').map(str::trim)
        && comment.starts_with('#')
    {
        hint = Some(comment_hint(comment));
    }
    // A place YAML gave past the text's end stays in it: libyaml counts U+2028 and U+2029
    // as line breaks, and a line it names may be past the last one here.
    span = span.start.min(text.len())..span.end.min(text.len());
    // `title: [DRAFT] Key rotation` is a list to YAML: the brackets that open it are text
    // to the one who wrote it.
    let written = &text[span.clone()];
    if hint.is_none()
        && message.contains("expected text, found ")
        && let Some(read_as) = read_as_collection(written)
    {
        hint = Some(format!("{read_as}; {}", text_in_quotes(written)));
    }
    let diag = Diagnostic::error(message).at(file, start + span.start..start + span.end);
    match hint {
        Some(hint) => diag.with_hint(hint),
        None => diag,
    }
}

/// Where an item of a list or mapping written in brackets starts with `#`: right after
/// its `[`, `{` or `,`, spaces aside.
fn flow_item_comment(text: &str) -> Option<usize> {
    memchr::memchr_iter(b'#', text.as_bytes()).find(|&at| {
        let before = text[..at].trim_end_matches(' ');
        before.ends_with(['[', '{', ','])
    })
}

/// A byte-order mark at `at`, which is not the text's first character: two files joined,
/// or a copy from a Windows editor. It is invisible, and YAML reads the line wrong.
fn inner_bom(at: usize) -> Syntax {
    Syntax {
        span: Some(at..at + '\u{feff}'.len_utf8()),
        message: Some("an invisible byte-order mark (U+FEFF) is here".into()),
        hint: "remove it: only a file's very first character may be one".into(),
    }
}

/// The key from `from` (its line's start, or the key's) to its `:` at `colon`, when it is
/// longer than YAML reads a key on its value's line: 1,024 characters.
fn long_key(text: &str, from: usize, colon: usize) -> Option<Syntax> {
    let mut key = text[from..colon].trim_start();
    while let Some(item) = key.strip_prefix("- ") {
        key = item.trim_start();
    }
    let start = colon - key.len();
    (key.chars().count() > 1024).then(|| Syntax {
        span: Some(start..colon),
        message: Some("a key longer than 1,024 characters".into()),
        hint: "YAML reads a key only up to 1,024 characters: shorten it".into(),
    })
}

/// What [`syntax`] says of a YAML syntax error: a hint, and a better place or message
/// where the parser's mark is not where the mistake is.
struct Syntax {
    span: Option<Range<usize>>,
    message: Option<String>,
    hint: String,
}

/// Help with a syntax error that serde_yaml reports as `raw` in the part `range` of
/// `file`, marked at byte `at` of that part; places are given within the part. libyaml
/// reports where it gave up, often a line after the mistake (a quote left open, a missing
/// `:`), and in its own terms; the mistakes users make most are told here, each by what
/// libyaml says and the text around the mark.
fn syntax(file: &SourceFile, range: Range<usize>, raw: &str, at: Option<usize>) -> Option<Syntax> {
    let (start, text) = (range.start, &file.text[range]);
    let line = |at: usize| file.line_col(start + at).0;
    // The part starts a line of the file, and ends one.
    let line_of = |at: usize| {
        let span = file.line_span(start + at);
        span.start.saturating_sub(start)..(span.end - start).min(text.len())
    };
    let hint = |hint: String| Syntax {
        span: None,
        message: None,
        hint,
    };
    if raw.starts_with("deserializing from YAML containing more than one document") {
        if let Some((first, later)) = indented_first_key(text) {
            return Some(Syntax {
                span: Some(first),
                message: Some(format!(
                    "the first key is indented, and the key on line {} is not",
                    line(later)
                )),
                hint: "the keys of one mapping start at the same column: remove the spaces \
                       before this one"
                    .into(),
            });
        }
        let Some(second) = second_document(text) else {
            // libyaml starts a document at a byte-order mark. The text is read without the
            // file's own, so one at its start is a second.
            return text.find('\u{feff}').map(inner_bom);
        };
        const ONE_DOCUMENT: &str = "a file holds one document: remove this line, or move what \
                                    follows it into a file of its own";
        let (message, hint) = match &text[second.clone()] {
            "..." => (
                "`...` ends the YAML document, and more follows it".to_string(),
                ONE_DOCUMENT,
            ),
            directive if directive.starts_with('%') => (
                "a line that starts with `%` is a YAML directive, which goes only before a \
                 document"
                    .to_string(),
                "remove it; to write text that starts with `%`, put it in quotes after its key",
            ),
            marker => (
                format!("a second YAML document starts with `{marker}`"),
                ONE_DOCUMENT,
            ),
        };
        return Some(Syntax {
            span: Some(second),
            message: Some(message),
            hint: hint.into(),
        });
    }
    let at = at?;
    let line_start = line_of(at).start;
    let indent =
        text[line_start..].len() - text[line_start..].trim_start_matches([' ', '\t']).len();
    let before = &text[line_start..at];
    if let Some(bom) = before.find('\u{feff}') {
        return Some(inner_bom(line_start + bom));
    }
    // Past 1,024 characters, the `:` after a key is a value where none may be.
    if text[at..].starts_with(':')
        && let Some(long) = long_key(text, line_start, at)
    {
        return Some(long);
    }
    // `title: [DRAFT] Key rotation`: a value that opens with a bracket is a list (or a
    // mapping) to YAML, which then finds text where it expected the next key.
    if raw.starts_with("did not find expected key")
        && let Some((key, value)) = before.split_once(": ")
        && !key.trim_start().starts_with('#')
        && let Some(read_as) = read_as_collection(value.trim_start())
        && text[at..].starts_with(|c: char| !matches!(c, ',' | ':' | '#' | '\n' | '\r'))
    {
        let value_at = line_start + before.len() - value.trim_start().len();
        let whole = &text[value_at..line_of(at).end];
        return Some(Syntax {
            span: Some(value_at..value_at + whole.len()),
            message: Some(format!("{read_as}, and more text follows it")),
            hint: text_in_quotes(whole.trim_end()),
        });
    }
    // `title: 'Bob's page'`: a quote of the value's own kind within it ends it there, and
    // YAML finds text where it expected the next key.
    if raw.starts_with("did not find expected key")
        && let Some((key, value)) = before.split_once(": ")
        && !key.trim_start().starts_with('#')
        && let Some(quote) = (value.trim_start().chars().next()).filter(|c| matches!(c, '\'' | '"'))
        && value.trim_start().len() > 1
        && before.ends_with(quote)
    {
        let value_at = line_start + before.len() - value.trim_start().len();
        let whole = text[value_at..line_of(at).end].trim_end();
        let inner = whole.strip_prefix(quote).unwrap_or(whole);
        let inner = inner.strip_suffix(quote).unwrap_or(inner);
        let (written, how) = match quote {
            '\'' => (inner.replace('\'', "''"), "write it twice within the value"),
            _ => (
                inner.replace('"', "\\\""),
                "write it `\\\"` within the value",
            ),
        };
        return Some(Syntax {
            span: Some(value_at..value_at + whole.len()),
            message: Some(format!(
                "the value is quoted with `{quote}`, and the `{quote}` within it ends it"
            )),
            hint: format!("for a `{quote}` that is text, {how}: {quote}{written}{quote}"),
        });
    }
    // libyaml's words for a tab where it takes none; a tab may separate values in `[..]`.
    let refused = raw.contains("tab character") || raw.starts_with("found character that");
    if let Some(tab) = text[line_start..line_start + indent].find('\t')
        && at <= line_start + indent
        && refused
    {
        let tab = line_start + tab;
        return Some(Syntax {
            span: Some(tab..tab + 1),
            message: Some("a tab indents this line".into()),
            hint: "YAML indents with spaces only; replace the tab with spaces".into(),
        });
    }
    // A no-break space (U+00A0, from a word processor or a web page) looks like a space
    // where a line's indentation or its first word starts, and YAML reads it as text.
    let context = context_mark(raw).map(|(l, column)| mark_offset(text, l, column));
    let lines = [Some(line_start), context.map(|c| line_of(c).start)];
    for start in lines.into_iter().flatten() {
        let first = text[start..].trim_start_matches([' ', '\t']);
        let Some(c) = first
            .chars()
            .next()
            .filter(|c| c.is_whitespace() && *c != '\n')
        else {
            continue;
        };
        let at = text.len() - first.len();
        return Some(Syntax {
            span: Some(at..at + c.len_utf8()),
            message: Some(format!(
                "U+{:04X}, a space of another kind, where this line's indentation or first \
                 word starts",
                u32::from(c)
            )),
            hint: "YAML reads only ordinary spaces as indentation: replace it with one".into(),
        });
    }
    // A quote left open (`title: "Citrix ADC`), which a quote on a later line closed: the
    // mistake is where the value opens, and it is told there.
    if let Some(opened) = open_quote(text, line_start, at) {
        let end = opened + text[opened..line_of(opened).end].trim_end().len();
        return Some(Syntax {
            span: Some(opened..end),
            message: Some(format!(
                "a quoted value that is not closed on its line: YAML reads it on to the \
                 quote on line {}",
                line(at)
            )),
            hint: "end the value with the quote it starts with, on this line".into(),
        });
    }
    if raw.contains("while scanning a quoted scalar")
        && let Some(quote) = context
    {
        return Some(Syntax {
            span: Some(quote..quote + 1),
            message: Some("a quoted value that is never closed".into()),
            hint: "end the value with the quote it starts with".into(),
        });
    }
    if raw.starts_with("could not find expected ':'")
        && let Some(key) = context
    {
        let end = line_of(key).end;
        let line = text[key..end].trim_end();
        if let Some(colon) = line
            .find(": ")
            .or_else(|| line.strip_suffix(':').map(str::len))
            && let Some(long) = long_key(text, key, key + colon)
        {
            return Some(long);
        }
        // `owner:\u{a0}x`: the `:` is followed by a space YAML does not take for one.
        let odd_space = line.match_indices(':').find_map(|(i, _)| {
            let c = line[i + 1..].chars().next()?;
            (c.is_whitespace() && !matches!(c, ' ' | '\t')).then_some((key + i + 1, c))
        });
        if let Some((at, c)) = odd_space {
            return Some(Syntax {
                span: Some(at..at + c.len_utf8()),
                message: Some(format!(
                    "U+{:04X}, a space of another kind, after the key's `:`",
                    u32::from(c)
                )),
                hint: "YAML separates a key from its value with an ordinary space: replace it \
                       with one"
                    .into(),
            });
        }
        return Some(Syntax {
            span: Some(key..key + line.len()),
            message: Some("a key without a `:` after it".into()),
            hint: "a key and its value are written `key: value`; is the `:` missing here?".into(),
        });
    }
    // `tags: [#security, phishing]`: a value cannot start with `#`, which after a space
    // starts a comment that hides the rest of the line, its `]` too.
    if raw.starts_with("did not find expected node content")
        && let Some(hash) = flow_item_comment(text)
    {
        let end = text[hash..]
            .find(|c: char| matches!(c, ',' | ']' | '}') || c.is_whitespace())
            .map_or(text.len(), |n| hash + n);
        return Some(Syntax {
            span: Some(hash..end),
            message: Some("a value that starts with `#`".into()),
            hint: format!(
                "`#` starts a comment in YAML; {}",
                text_in_quotes(&text[hash..end])
            ),
        });
    }
    // A flow value opened and never closed, given up on only at the end of the text.
    if raw.starts_with("did not find expected node content")
        && at >= text.trim_end().len()
        && let Brackets::Unclosed(Some(opened)) = flow_brackets(text)
    {
        let (noun, close) = match text[opened..].starts_with('[') {
            true => ("list", ']'),
            false => ("mapping", '}'),
        };
        return Some(Syntax {
            span: Some(opened..opened + 1),
            message: Some(format!("a {noun} that is never closed")),
            hint: format!("end the {noun} with `{close}`"),
        });
    }
    for (what, bracket, noun) in [("']'", '[', "list"), ("'}'", '{', "mapping")] {
        if raw.starts_with(&format!("did not find expected ',' or {what}"))
            && let Some(opened) = context
        {
            let hint = hint(format!(
                "the {noun} opened with `{bracket}` on line {} is never closed",
                line(opened)
            ));
            // Given up on at the end of the text (of front matter, its closing `---`): told
            // at the bracket instead, within what was read.
            let at_end = at >= text.trim_end().len();
            return Some(Syntax {
                span: at_end.then(|| opened..opened + 1),
                ..hint
            });
        }
    }
    let told = [
        (
            "mapping values are not allowed",
            "a value that holds `: ` is written in quotes, as in `key: \"a: b\"`; a key on a \
             line of its own starts at the column of the keys beside it",
        ),
        (
            "did not find expected key",
            "the keys of a mapping start at one column, and so do the items of a list: is this \
             line indented like the ones before it?",
        ),
        (
            "did not find expected '-' indicator",
            "every item of a list starts with `- ` at the same column: is this line part of \
             the list above it?",
        ),
        (
            "block sequence entries are not allowed in this context",
            "a list's items go on the lines below its key, each `- ` indented under it, or in \
             brackets on the key's line: `key: [a, b]`",
        ),
    ];
    // `@` and `` ` `` are kept by YAML for later use: no plain value may start with one.
    if raw.starts_with("found character that cannot start any token")
        && text[at..].starts_with(['@', '`'])
    {
        return Some(hint(
            "a value that starts with `@` or `` ` `` is written in quotes, as in \
             `key: \"@team\"`"
                .into(),
        ));
    }
    told.into_iter()
        .find(|(what, _)| raw.starts_with(what))
        .map(|(_, why)| hint(why.into()))
}

/// What YAML reads a `value` that opens with a bracket as, where text was meant
/// (`title: [DRAFT] Key rotation`): "a value that starts with `[` is read as a list".
fn read_as_collection(value: &str) -> Option<String> {
    let kind = match value.chars().next()? {
        '[' => "a list",
        '{' => "a mapping",
        _ => return None,
    };
    Some(format!(
        "a value that starts with `{}` is read as {kind}",
        &value[..1]
    ))
}

/// What to write for `comment`, a comment where a value was meant.
fn comment_hint(comment: &str) -> String {
    format!(
        "`#` after a space starts a comment in YAML; {}",
        text_in_quotes(comment)
    )
}

/// A warning for each entry of `range` of `file` that YAML reads as having no value,
/// because what follows its key is a comment that reads as one: a hashtag or a number
/// (`tags: #security`, `ticket: #4521`). The field is then read as not written, with no
/// error where it may be left out. A comment written as one, with a space after its `#`
/// (`reason: # to fill in`), is not told.
pub fn comments_for_values(file: &Arc<SourceFile>, range: Range<usize>) -> Vec<Diagnostic> {
    let text = &file.text[range.clone()];
    // `:` then spaces then `#` and a character that is not a space: seldom in a file, which
    // is read again only then.
    let likely = text.match_indices('#').any(|(at, _)| {
        let before = text[..at].trim_end_matches([' ', '\t']);
        before.len() < at
            && before.ends_with(':')
            && text[at + 1..].starts_with(|c: char| !c.is_whitespace())
    });
    if !likely {
        return Vec::new();
    }
    fn walk(node: &Node, path: &str, text: &str, out: &mut Vec<(String, Range<usize>)>) {
        match &node.kind {
            Kind::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, &format!("{path}[{i}]"), text, out);
                }
            }
            Kind::Map(entries) => {
                for (key, value) in entries {
                    let Kind::Scalar(name) = &key.kind else {
                        continue;
                    };
                    let path = match path {
                        "" => name.clone(),
                        _ => format!("{path}.{name}"),
                    };
                    let empty = matches!(&value.kind, Kind::Scalar(v) if v.is_empty())
                        && value.span.is_empty();
                    let line = text[key.span.end..].lines().next().unwrap_or_default();
                    let colon = line.find(':').filter(|&c| line[..c].trim().is_empty());
                    let after = colon.map_or("", |c| &line[c + 1..]);
                    let comment = after.trim_start();
                    if empty
                        && let Some(colon) = colon
                        && comment.starts_with('#')
                        && comment[1..].starts_with(|c: char| !c.is_whitespace())
                    {
                        let start = key.span.end + colon + 1 + after.len() - comment.len();
                        out.push((path.clone(), start..start + comment.trim_end().len()));
                    }
                    walk(value, &path, text, out);
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    if let Some(root) = read_tree(text) {
        walk(&root, "", text, &mut found);
    }
    let at = range.start;
    found
        .into_iter()
        .map(|(path, span)| {
            let comment = &text[span.clone()];
            Diagnostic::warning(format!(
                "`{path}` has no value: `{comment}` after it is a comment to YAML"
            ))
            .at(file, at + span.start..at + span.end)
            .with_hint(comment_hint(comment))
        })
        .collect()
}

/// How to write `value` as the text it was meant as: "to write text, put it in quotes: …".
fn text_in_quotes(value: &str) -> String {
    format!(
        "to write text, put it in quotes: \"{}\"",
        value.replace('"', "\\\"")
    )
}

/// The spaces before the first key of `text`, when a later line of content starts left of
/// it (at its byte), which YAML reads as the start of a second document.
fn indented_first_key(text: &str) -> Option<(Range<usize>, usize)> {
    let mut offset = 0;
    let mut first: Option<(usize, usize)> = None;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let content = line.trim_start_matches(' ');
        if content.trim().is_empty()
            || content.starts_with(['#', '%'])
            || content.starts_with("---")
        {
            continue;
        }
        let indent = line.len() - content.len();
        match first {
            None if indent == 0 => return None,
            None => first = Some((start, indent)),
            Some((at, by)) if indent < by => return Some((at..at + by, start + indent)),
            Some(_) => {}
        }
    }
    None
}

/// Where the second YAML document of `text` starts: its `---` or `...` line, or a
/// directive (`%YAML 1.2`), which only goes before a document, after something other
/// than comments and blank lines.
fn second_document(text: &str) -> Option<Range<usize>> {
    let mut content = false;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let line = line.trim_end();
        let marker = ["---", "..."].iter().any(|m| {
            line.strip_prefix(m)
                .is_some_and(|r| r.is_empty() || r.starts_with([' ', '\t']))
        });
        if marker && content {
            return Some(start..start + 3);
        }
        if line.starts_with('%') && content {
            return Some(start..start + line.len());
        }
        content |=
            !marker && !line.trim_start().is_empty() && !line.trim_start().starts_with(['#', '%']);
    }
    None
}

/// Where the quoted value opens that a quote just before the parser's mark `at` closes,
/// when that is on an earlier line than the mark's, which starts at `line_start`: the
/// quote the parser took as closing it was meant to open another value.
fn open_quote(text: &str, line_start: usize, at: usize) -> Option<usize> {
    let before = text[line_start..at].trim_end_matches([' ', '\t']);
    let quote = before.chars().last().filter(|c| matches!(c, '"' | '\''))?;
    let opening = text[..line_start + before.len() - 1].rfind(quote)?;
    (opening < line_start).then_some(opening)
}

/// The line and column of the mark a libyaml error names after the place it failed:
/// `..., while scanning a simple key at line 2 column 1`.
fn context_mark(raw: &str) -> Option<(usize, usize)> {
    let (_, context) = raw.split_once(", while ")?;
    let (_, mark) = context.rsplit_once(" at line ")?;
    let (line, column) = mark.split_once(" column ")?;
    Some((line.trim().parse().ok()?, column.trim().parse().ok()?))
}

/// The byte offset in `text` of libyaml's 1-based `line` and `column` (in characters),
/// counted from the text's start as libyaml counts them: a line or paragraph separator
/// (U+2028, U+2029) ends a line too. Past the text, its end.
fn mark_offset(text: &str, line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match text[start..].find(['\n', '\u{2028}', '\u{2029}']) {
            Some(end) => {
                start += end + text[start + end..].chars().next().map_or(1, char::len_utf8)
            }
            None => return text.len(),
        }
    }
    let rest = &text[start..];
    let line_text = &rest[..rest
        .find(['\n', '\u{2028}', '\u{2029}'])
        .unwrap_or(rest.len())];
    start
        + line_text
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(line_text.len(), |(i, _)| i)
}

/// The byte position a reader error gives in its message: `... at position 20`.
fn reader_position(message: &str) -> Option<usize> {
    let (_, after) = message.rsplit_once(" at position ")?;
    after.trim().parse().ok()
}

fn floor_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The first and the second key of the first mapping at `path` that holds a key twice.
fn duplicate_key(text: &str, path: &[Seg]) -> Option<(Range<usize>, Range<usize>)> {
    let root = read_tree(text)?;
    let mut node = &root;
    for seg in path {
        node = match (seg, &node.kind) {
            (Seg::Key(name), Kind::Map(entries)) => {
                &entries
                    .iter()
                    .find(|(k, _)| matches!(&k.kind, Kind::Scalar(s) if s == name))?
                    .1
            }
            (Seg::Index(i), Kind::Seq(items)) => items.get(*i)?,
            _ => return None,
        };
    }
    let Kind::Map(entries) = &node.kind else {
        return None;
    };
    let mut seen: std::collections::HashMap<&str, &Range<usize>> = Default::default();
    for (key, _) in entries {
        if let Kind::Scalar(name) = &key.kind
            && let Some(first) = seen.insert(name, &key.span)
        {
            return Some((first.clone(), key.span.clone()));
        }
    }
    None
}

/// How deep `[` and `{` may nest. The YAML scanner slows down sharply on deep flow
/// nesting, so such input is refused before it reaches the parser. Values nested in block
/// style are held to the same depth by [`refuse`].
const MAX_FLOW_DEPTH: usize = 64;

/// Why [`refuse`] or [`unwritable`] turned a text down, and where.
struct Refused {
    span: Range<usize>,
    message: String,
    hint: String,
    /// The anchor or alias refused, which a [`Draft`] takes out to read on.
    mark: Option<Mark>,
}

/// A YAML anchor (`&name`) or alias (`*name`), each a token of its own.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    /// No part of the value it is written in.
    Anchor,
    /// A value of its own, which a draft sets aside with its entry.
    Alias,
}

impl Refused {
    /// The report, for a text that starts at byte `start` of `file`.
    fn diagnostic(self, file: &Arc<SourceFile>, start: usize) -> Diagnostic {
        Diagnostic::error(self.message)
            .at(file, start + self.span.start..start + self.span.end)
            .with_hint(self.hint)
    }
}

/// The first control character (C0, DEL or C1) in `text` other than tab, line feed, and
/// a carriage return that ends a line before a line feed, or noncharacter
/// ([`is_noncharacter`]), and where it is. Those are refused wherever a handbook's text is
/// read: a terminal runs control characters (an escape sequence in a title could retitle
/// the terminal of whoever runs `check`, a carriage return write over what was printed),
/// XML 1.0 and iCalendar forbid most of them, HTML forbids both, and no handbook needs
/// one. A line that ends in CR LF is common (Windows, a CSV import).
pub fn refused_in_text(text: &str) -> Option<(usize, char)> {
    let bytes = text.as_bytes();
    // Found among the bytes, decoding only the characters that could be noncharacters.
    // Most texts hold no byte that could start one, which a pass with no branch per byte
    // (that the compiler vectorises) tells first.
    if !any_byte(bytes, suspect) {
        return None;
    }
    let at = bytes.iter().enumerate().position(|(i, &b)| match b {
        b'\t' | b'\n' => false,
        b'\r' => bytes.get(i + 1) != Some(&b'\n'),
        0xC2 => bytes.get(i + 1).is_some_and(|n| (0x80..=0x9F).contains(n)),
        0xEF.. => text[i..].chars().next().is_some_and(is_noncharacter),
        b => b < 0x20 || b == 0x7F,
    })?;
    text[at..].chars().next().map(|c| (at, c))
}

/// What a report calls `c`, a character [`refused_in_text`] refuses.
pub fn refused_name(c: char) -> String {
    let kind = match is_noncharacter(c) {
        true => "noncharacter",
        false => "control character",
    };
    format!("{kind} U+{:04X}", u32::from(c))
}

/// The first character of `text`, as written, that [`refused_in_text`] refuses. YAML
/// refuses most of them itself, but at no line, and it takes a carriage return alone, or
/// U+0085, as a line break, after which its line numbers are no longer ours.
fn unwritable(text: &str) -> Option<Refused> {
    let (at, c) = refused_in_text(text)?;
    let name = refused_name(c);
    let (message, hint) = match c {
        '\r' => (
            format!("{name} (carriage return) is not allowed here"),
            "lines end with a line feed, or a carriage return and a line feed",
        ),
        c if is_noncharacter(c) => (
            format!("{name} is not allowed"),
            "a handbook's text holds no noncharacters, which HTML forbids; \
             was this pasted from a binary file?",
        ),
        _ => (
            format!("{name} is not allowed"),
            "a handbook's text holds no control characters but tab and newline; \
             was this pasted from a terminal?",
        ),
    };
    Some(Refused {
        mark: None,
        span: at..at + c.len_utf8(),
        message,
        hint: hint.into(),
    })
}

/// Reads the event stream once, before typed loading, for what typed loading must not
/// meet: values nested deeper than [`MAX_FLOW_DEPTH`] in block style (`- - - x`, which the
/// text scan of [`too_deep`] does not see), aliases, and escapes (`"\\x1b"`) that write a
/// character [`refused_in_text`] refuses. serde_yaml expands an alias by replaying what
/// its anchor names, so a few kilobytes of `*a` naming a large value would take gigabytes
/// ("billion laughs"); a handbook has no use for them, so they are refused. When this
/// parser finds a syntax error, serde_yaml reports it in its own words; but a text that
/// defines an anchor (`&`) is refused here, since an alias after the point where this
/// parser stopped would go unchecked.
fn refuse(text: &str) -> Option<Refused> {
    // saphyr's markers count characters.
    let chars = CharOffsets::new(text);
    let byte = |index: usize| chars.byte(index);
    let at = |index: usize| {
        let at = byte(index);
        at..token_end(text, at)
    };
    // What is written from `at` up to the next white space: a tag, an anchor.
    let word = |at: usize| {
        at..text[at..]
            .find(char::is_whitespace)
            .map_or(text.len(), |n| at + n)
    };
    // A tag asks the reader to make something of the value (`!!binary`, a class of a
    // programming language): secbook would read the text and ignore the tag, and another
    // reader of the same file would not. It is written before the value.
    let tagged = |span: saphyr_parser::Span| {
        let start = byte(span.start.index());
        let line = text[..start].rfind('\n').map_or(0, |n| n + 1);
        let tag = match text[start..].starts_with('!') {
            true => start,
            false => text[line..start].rfind('!').map_or(start, |i| line + i),
        };
        let tag = word(tag);
        Refused {
            mark: None,
            message: format!(
                "YAML tags (`{}`) are not read in a handbook",
                &text[tag.clone()]
            ),
            span: tag,
            hint: "remove the tag: a value is read as the text it is written as".into(),
        }
    };
    // An anchor with no alias changes nothing but the value it is written in, which it
    // leaves out (`title: &a Home` reads `Home`): refused as aliases are, and told after
    // them, as what may have been meant as text.
    let anchor = |amp: usize| {
        let anchor = word(amp);
        Refused {
            mark: Some(Mark::Anchor),
            message: format!(
                "YAML anchors (`{}`) are not allowed in a handbook",
                &text[anchor.clone()]
            ),
            span: anchor,
            hint: "an anchor names a value for aliases (`*name`), which a handbook does not \
                   allow, and is no part of the value: remove it, or put the value in quotes \
                   if it is text that starts with `&`"
                .into(),
        }
    };
    // The anchor of a value, written before it.
    let anchored = |span: saphyr_parser::Span| {
        let start = byte(span.start.index());
        anchor(match text[start..].starts_with('&') {
            true => start,
            false => text[..start].rfind('&').unwrap_or(start),
        })
    };
    // An alias, at the character `index`.
    let alias = |index: usize| {
        let span = at(index);
        let line = text[..span.start].rfind('\n').map_or(0, |n| n + 1);
        let merged = text[line..span.start].trim_end().ends_with("<<:");
        Refused {
            mark: Some(Mark::Alias),
            span,
            message: "YAML aliases (`*name`) are not allowed in a handbook".into(),
            hint: match merged {
                true => "a merge key (`<<: *name`) copies the fields of another mapping: \
                         write them out in full here"
                    .into(),
                false => "write the value out in full where it is needed".into(),
            },
        }
    };
    let mut first_anchor = None;
    let scanned = scannable(text);
    let mut parser = Parser::new_from_str(&scanned);
    let mut depth = 0usize;
    while let Some(next) = parser.next_event() {
        if let Ok((event, span)) = &next {
            let anchor = match event {
                Event::Scalar(_, _, id, _)
                | Event::SequenceStart(id, _)
                | Event::MappingStart(id, _) => *id,
                _ => 0,
            };
            if anchor > 0 && first_anchor.is_none() {
                first_anchor = Some(anchored(*span));
            }
        }
        match next {
            Ok((Event::SequenceStart(_, Some(_)) | Event::MappingStart(_, Some(_)), span)) => {
                return Some(tagged(span));
            }
            Ok((Event::SequenceStart(..) | Event::MappingStart(..), span)) => {
                depth += 1;
                if depth > MAX_FLOW_DEPTH {
                    return Some(Refused {
                        mark: None,
                        span: at(span.start.index()),
                        message: format!(
                            "values are nested more than {MAX_FLOW_DEPTH} levels deep"
                        ),
                        hint: "a handbook never needs this much nesting; is the file damaged?"
                            .into(),
                    });
                }
            }
            Ok((Event::SequenceEnd | Event::MappingEnd, _)) => depth = depth.saturating_sub(1),
            Ok((Event::Alias(_), span)) => return Some(alias(span.start.index())),
            Ok((Event::Scalar(_, _, _, Some(_)), span)) => return Some(tagged(span)),
            Ok((Event::Scalar(value, ScalarStyle::DoubleQuoted, ..), span))
                if refused_in_text(&value).is_some() =>
            {
                let scalar = chars.range(span);
                let (escape, c) = escape_refused(&text[scalar.clone()])
                    .map(|(r, c)| (scalar.start + r.start..scalar.start + r.end, Some(c)))
                    .unwrap_or((scalar, None));
                let name = c.map_or("a control character".into(), |c| {
                    format!("the {}", refused_name(c))
                });
                return Some(Refused {
                    mark: None,
                    message: format!(
                        "`{}` writes {name}, which a handbook's text may not hold",
                        &text[escape.clone()]
                    ),
                    span: escape,
                    hint: match c.is_some_and(is_noncharacter) {
                        true => "remove it: HTML forbids noncharacters".into(),
                        false => "remove it: of the control characters, only tab (`\\t`) and \
                                  newline (`\\n`) are allowed"
                            .into(),
                    },
                });
            }
            Ok(_) => {}
            // An alias written before its anchor, or of an anchor in another part of the
            // file read alone (a top-level entry of handbook.yaml), is refused as an alias,
            // not told as an anchor that is not there.
            Err(e) if e.info().ends_with("found unknown anchor") => {
                return Some(alias(e.marker().index()));
            }
            // An alias after the point where the parser stopped would go unchecked: the
            // first anchor is refused, which `&a &b value` is too.
            Err(_) if first_anchor.is_some() => return first_anchor,
            Err(_) if let Some(amp) = anchor_at(text) => return Some(anchor(amp)),
            Err(_) => return None,
        }
    }
    first_anchor
}

/// The first `&` of `text` where an anchor may start: at the start of a value or an item,
/// before a name (`&base`), not in `R&D` or `a & b`.
fn anchor_at(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'&', bytes).find(|&i| {
        let before = i.checked_sub(1).map(|p| bytes[p]);
        let after = bytes.get(i + 1);
        matches!(
            before,
            None | Some(b' ' | b'\t' | b'\n' | b'[' | b'{' | b',')
        ) && after.is_some_and(|b| !b.is_ascii_whitespace())
    })
}

/// The first escape in a double-quoted scalar, as written, that stands for a character
/// [`refused_in_text`] refuses: its byte range in `quoted`, and the character.
fn escape_refused(quoted: &str) -> Option<(Range<usize>, char)> {
    let mut rest = quoted.char_indices();
    while let Some((i, c)) = rest.next() {
        if c != '\\' {
            continue;
        }
        let Some((_, kind)) = rest.next() else { break };
        let digits = match kind {
            'x' => 2,
            'u' => 4,
            'U' => 8,
            _ => 0,
        };
        let written = if digits == 0 {
            match kind {
                '0' => Some('\0'),
                'a' => Some('\u{7}'),
                'b' => Some('\u{8}'),
                'v' => Some('\u{b}'),
                'f' => Some('\u{c}'),
                'r' => Some('\r'),
                'e' => Some('\u{1b}'),
                'N' => Some('\u{85}'),
                _ => None,
            }
        } else {
            let hex = quoted.get(i + 2..i + 2 + digits)?;
            for _ in 0..digits {
                rest.next();
            }
            u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
        };
        let end = i + 2 + digits;
        let line_end = written == Some('\r') && quoted[end..].starts_with("\\n");
        let control = |c: char| c.is_control() && !matches!(c, '\t' | '\n') && !line_end;
        let refused = |c: char| control(c) || is_noncharacter(c);
        if let Some(c) = written.filter(|&c| refused(c)) {
            return Some((i..end, c));
        }
    }
    None
}

/// Where flow collections first nest deeper than [`MAX_FLOW_DEPTH`], if they do, read as
/// YAML's scanner reads them: a quote opens a quoted value only where a value starts (at a
/// line's start, or after `:`, `-`, `?`, `,`, `[` or `{`), not in `vendor's`, whose quote
/// would hide the brackets after it; the lines of a block scalar (`|`, `>`) are text;
/// comments are skipped. Plain prose may hold brackets, so this may refuse text that is
/// only prose, but only at a depth no real record reaches.
fn too_deep(text: &str) -> Option<usize> {
    match flow_brackets(text) {
        Brackets::TooDeep(at) => Some(at),
        Brackets::Unclosed(_) => None,
    }
}

/// What [`flow_brackets`] finds.
enum Brackets {
    /// The bracket that nests deeper than [`MAX_FLOW_DEPTH`].
    TooDeep(usize),
    /// The outermost bracket still open at the end of the text, if one is.
    Unclosed(Option<usize>),
}

/// Reads the brackets of flow values in `text` as [`too_deep`] tells.
fn flow_brackets(text: &str) -> Brackets {
    let mut depth = 0usize;
    // The bracket that opened the outermost flow value still open.
    let mut outer = None;
    let mut quote: Option<u8> = None;
    let mut escaped = false;
    // The indent a block scalar's lines are deeper than, while they are read.
    let mut block: Option<usize> = None;
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let at = start;
        start += line.len();
        let indent = line.len() - line.trim_start_matches(' ').len();
        if let Some(parent) = block {
            if line.trim().is_empty() || indent > parent {
                continue;
            }
            block = None;
        }
        let bytes = line.as_bytes();
        // The last byte read that is not a space: where a value may start.
        let mut before = b'\n';
        for (i, &b) in bytes.iter().enumerate() {
            if let Some(q) = quote {
                match b {
                    _ if escaped => escaped = false,
                    b'\\' if q == b'"' => escaped = true,
                    _ if b == q => {
                        quote = None;
                        before = b;
                    }
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' | b'\''
                    if matches!(before, b'\n' | b':' | b'-' | b'?' | b',' | b'[' | b'{') =>
                {
                    quote = Some(b);
                }
                b'#' if i == 0 || bytes[i - 1].is_ascii_whitespace() => break,
                b'[' | b'{' => {
                    if depth == 0 {
                        outer = Some(at + i);
                    }
                    depth += 1;
                    if depth > MAX_FLOW_DEPTH {
                        return Brackets::TooDeep(at + i);
                    }
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
            if !b.is_ascii_whitespace() {
                before = b;
            }
        }
        if quote.is_none() && depth == 0 {
            block = block_scalar(line).then_some(indent + item_marks(&line[indent..]));
        }
    }
    Brackets::Unclosed(outer.filter(|_| depth > 0))
}

/// Whether `line` ends in the header of a block scalar (`key: |`, `- >-`, `|2`): the lines
/// after it that are indented deeper are its text.
fn block_scalar(line: &str) -> bool {
    let content = match line.find(" #") {
        Some(comment) => &line[..comment],
        None => line,
    };
    let content = content.trim_end();
    let word_at = content.rfind(' ').map_or(0, |i| i + 1);
    let word = &content.as_bytes()[word_at..];
    let header = matches!(word.first(), Some(b'|' | b'>'))
        && word[1..].len() <= 2
        && word[1..]
            .iter()
            .all(|b| matches!(b, b'+' | b'-' | b'1'..=b'9'));
    let before = content[..word_at].trim_end();
    header
        && (before.is_empty()
            || before.ends_with(':')
            || before.trim_start_matches([' ', '-']).is_empty())
}

/// How many bytes of list items' `- ` open `rest`: a mapping in an item (`- key: |`) is
/// indented by them.
fn item_marks(rest: &str) -> usize {
    rest.len() - rest.trim_start_matches(['-', ' ']).len()
}

/// The byte of the quote that closes the quoted value `line` starts with: `\"` escapes a
/// double quote, and `''` is a single quote within single quotes.
fn closing_quote(line: &str) -> Option<usize> {
    let quote = line.chars().next().filter(|c| matches!(c, '"' | '\''))?;
    let mut chars = line.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            ('"', '\\') => _ = chars.next(),
            ('\'', '\'') if chars.peek().is_some_and(|&(_, n)| n == '\'') => _ = chars.next(),
            _ if c == quote => return Some(i),
            _ => {}
        }
    }
    None
}

/// End of the word that starts at `offset`, so the report underlines a key or value.
fn token_end(text: &str, offset: usize) -> usize {
    let rest = text.get(offset..).unwrap_or("");
    let line = rest.split('\n').next().unwrap_or("");
    // A quoted value ends at its closing quote, whatever it holds.
    if let Some(close) = closing_quote(line) {
        return offset + close + 1;
    }
    // A list or mapping written `[..]` or `{..}` ends at its closing bracket.
    if line.starts_with(['[', '{']) {
        return offset + flow_end(line).unwrap_or(line.trim_end().len());
    }
    // A key ends at `: `; a value inside `[..]` or `{..}` at the next separator, while in
    // a block a value may hold `,` and brackets; either ends where a comment starts. A
    // time such as 10:00 keeps its colon.
    let comment = (line.char_indices())
        .find(|&(i, c)| c == '#' && line[..i].ends_with([' ', '\t']))
        .map(|(i, _)| i);
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let separator = match flow_end(&text[line_start..offset]) {
        None => line.find(['{', '}', '[', ']', ',']),
        Some(_) => None,
    };
    let len = [line.find(": "), separator, comment]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(line.len());
    let len = if line[..len].ends_with(':') {
        len - 1
    } else {
        len
    };
    offset + line[..len].trim_end().len()
}

/// The byte after the first `[..]` or `{..}` of `text` closes, outside quotes, or the
/// length of a `text` that opens none; `None` while one is still open at its end, as when
/// `text` is the part of a line before a value inside one.
fn flow_end(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut before = ' ';
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            // A quote opens a value only where a value starts, not inside `don't`; the
            // value is passed over to its closing quote, or to the end when none closes it.
            '"' | '\'' if matches!(before, ' ' | '[' | '{' | ',' | ':') => {
                let Some(close) = closing_quote(&text[i..]) else {
                    break;
                };
                chars
                    .by_ref()
                    .take_while(|&(j, _)| j < i + close)
                    .for_each(drop);
            }
            '[' | '{' => depth += 1,
            ']' | '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        before = c;
    }
    (depth == 0).then_some(text.len())
}

/// How serde starts the message for a key no field has, and for a value of no variant.
const FIELD: &str = "unknown field `";
const VARIANT: &str = "unknown variant `";

/// In serde's `message` of the kind `what` ([`FIELD`], [`VARIANT`]): where it starts, the
/// name it did not know, and those it expected.
fn unknown_named<'m>(message: &'m str, what: &str) -> Option<(usize, &'m str, Vec<&'m str>)> {
    let start = message.find(what)?;
    let after = &message[start + what.len()..];
    let end = after.find('`')?;
    let expected = (after[end + 1..].split('`').skip(1).step_by(2))
        .filter(|s| !s.is_empty())
        .collect();
    Some((start, &after[..end], expected))
}

/// Turns serde's message into ours: no "at line" suffix (the header says where), and a
/// hint naming the closest known field or value.
fn explain(raw: &str) -> (String, Option<String>) {
    let message = match raw.find(" at line ").or_else(|| raw.rfind(" at position ")) {
        Some(i) => &raw[..i],
        None => raw,
    };
    // serde_yaml names an item of a list at the top `.[0].level`.
    let message = message.strip_prefix('.').unwrap_or(message);
    for (what, noun) in [(FIELD, "field"), (VARIANT, "value")] {
        let Some((start, unknown, expected)) = unknown_named(message, what) else {
            continue;
        };
        let prefix = &message[..start];
        // A space of another kind (a no-break space an editor typed) is written as its code
        // point: `high\u{a0}` and `high` would read alike.
        let shown = code_points(unknown, |c| c.is_whitespace() && c != ' ');
        let text = format!("{prefix}unknown {noun} `{shown}`");
        let hint = match closest(unknown, expected.iter().copied()) {
            Some(best) => format!("did you mean `{best}`?"),
            None if expected.is_empty() => return (text, None),
            None => format!(
                "expected one of {}",
                expected
                    .iter()
                    .map(|e| format!("`{e}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        return (text, Some(hint));
    }
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|r| r.strip_suffix('`'))
    {
        return (
            message.to_string(),
            Some(format!("add `{field}:`; it is required")),
        );
    }
    let message = plain_expected(message);
    let Some((prefix, found, expected)) = invalid_type(&message) else {
        return (message, None);
    };
    // `010`, which YAML 1.2 reads as text and YAML 1.1 as the octal number 8.
    let zero_led = (found.strip_prefix("the text \""))
        .and_then(|f| f.strip_suffix('"'))
        .filter(|d| d.len() > 1 && d.starts_with('0') && d.bytes().all(|b| b.is_ascii_digit()));
    if let Some(digits) = zero_led
        && expected.contains("number")
    {
        let hint = format!(
            "write it without the leading zero, `{}`: YAML tools read `{digits}` as text or \
             as an octal number",
            match digits.trim_start_matches('0') {
                "" => "0",
                rest => rest,
            }
        );
        return (
            format!("{prefix}expected {expected}, found {found}"),
            Some(hint),
        );
    }
    if expected == "a number" {
        // serde_yaml gives a whole number written in hex or octal (`0x10`) to whole-number
        // fields only, and reads one too large for any number (`1e400`) as text.
        if let Some(n) = found.strip_prefix("the number ") {
            return (
                format!("{prefix}expected a number in decimal digits, found one in hex or octal"),
                Some(format!("write it as `{}`", n.trim_matches('`'))),
            );
        }
        let text = (found.strip_prefix("the text \""))
            .and_then(|f| f.strip_suffix('"'))
            .filter(|t| t.parse::<f64>().is_ok_and(f64::is_infinite));
        if let Some(text) = text {
            return (format!("{prefix}the number {text} is too large"), None);
        }
    }
    // What to write instead of a value of another kind; a number out of range is told its
    // range already.
    let hint = match expected {
        "a list" => Some("a list is written `[a, b]`, or as one `- item` a line below its key"),
        "a boolean" => Some("write `true` or `false`"),
        "a mapping of fields" => Some(
            "write its fields as `name: value`, each on a line of its own, indented below its key or its `-`",
        ),
        "a mapping" => Some(
            "write its entries as `key: value`, each on a line of its own, indented below its key",
        ),
        "a number" => Some("write a number, such as `2.5`, with no quotes or unit"),
        "a real date written YYYY-MM-DD" => {
            Some("write one date, such as `2026-06-30`, after the key")
        }
        "a single value" => {
            Some("this field takes one value of a fixed set, written after its key")
        }
        whole if whole.starts_with("a whole number") => {
            Some("write digits only, such as `30`, with no quotes or unit")
        }
        _ => None,
    };
    (
        format!("{prefix}expected {expected}, found {found}"),
        hint.map(str::to_string),
    )
}

/// serde's `invalid type: string "x", expected a sequence` in an author's words: the
/// message's prefix, what was found (`the text "x"`) and what was expected (`a list`).
fn invalid_type(message: &str) -> Option<(&str, String, &str)> {
    let (prefix, rest) = message.split_once("invalid type: ")?;
    let (found, expected) = rest.rsplit_once(", expected ")?;
    let expected = match expected {
        "a sequence" => "a list",
        "a string" | "a text" => "text",
        "a map" => "a mapping",
        // serde_yaml asks for a tag where a mapping or a list is given for a field of a
        // fixed set of values: a tag is how YAML would name a variant that holds data.
        "a YAML tag starting with '!'" => "a single value",
        other => other,
    };
    let found = match found {
        "sequence" => "a list".to_string(),
        "map" => "a mapping".to_string(),
        "unit value" => "no value".to_string(),
        "enum" => "a value with a YAML tag".to_string(),
        text if text.starts_with("string ") => format!("the text {}", &text["string ".len()..]),
        number if number.starts_with("integer ") || number.starts_with("floating point ") => {
            format!(
                "the number {}",
                number.rsplit_once(' ').map_or(number, |(_, n)| n)
            )
        }
        flag if flag.starts_with("boolean ") => format!("the value {}", &flag["boolean ".len()..]),
        other => other.to_string(),
    };
    Some((prefix, found, expected))
}

/// serde's message with the Rust type it expected named as a handbook's author would say
/// it: `expected u32` is `expected a whole number from 0 to 4294967295`.
fn plain_expected(message: &str) -> String {
    let Some((given, expected)) = message.rsplit_once(", expected ") else {
        return message.to_string();
    };
    // The largest a whole number may be is said: 4294967296 is a whole number, 0 or more.
    let plain = match expected {
        "u8" => "a whole number from 0 to 255",
        "u16" => "a whole number from 0 to 65535",
        "u32" => "a whole number from 0 to 4294967295",
        "usize" | "u64" => "a whole number from 0 to 18446744073709551615",
        "isize" | "i8" | "i16" | "i32" | "i64" => "a whole number",
        "f32" | "f64" => "a number",
        struct_name if struct_name.starts_with("struct ") => "a mapping of fields",
        _ => return message.to_string(),
    };
    // A number too large for any type is given `as u128`.
    let given = given.replace(" as u128", "").replace(" as i128", "");
    // A whole number of the wrong size is a number out of range, not of the wrong type.
    let integer = ["invalid type: integer ", "invalid value: integer "]
        .iter()
        .find_map(|kind| given.find(kind).map(|at| (at, at + kind.len())));
    match integer {
        Some((at, number)) if plain.starts_with("a whole number") => format!(
            "{}{} is out of range, expected {plain}",
            &given[..at],
            &given[number..]
        ),
        _ => format!("{given}, expected {plain}"),
    }
}

/// The most top-level entries [`parse_lenient`] reads; a document with more has keys
/// given twice or unknown keys, and the rest are reported once and left out.
const MAX_ENTRIES: usize = 64;

/// Loads a document whose top level is a block mapping, entry by entry: an entry that
/// does not load is reported and left out, so `T` takes its default for it, and one
/// mistake hides no other. `None`, with the reason, when even what is left does not load.
pub fn parse_lenient<T: DeserializeOwned>(file: &Arc<SourceFile>) -> (Option<T>, Vec<Diagnostic>) {
    let whole = 0..file.text.len();
    let Some(entries) = top_level_entries(&file.text) else {
        return match parse(file, whole) {
            Ok(value) => (Some(value), Vec::new()),
            Err(d) => (None, vec![d]),
        };
    };
    let mut diags = Vec::new();
    let mut kept = vec![true; entries.len()];
    // What is refused in the whole text, an alias of an anchor in another entry say, is
    // reported once, and its entry left out.
    if let Some(found) = refusal(&file.text) {
        let at = found.span.start;
        diags.push(found.diagnostic(file, 0));
        match entries.iter().position(|(_, r)| r.contains(&at)) {
            Some(i) => kept[i] = false,
            None => return (None, diags),
        }
    }
    let mut seen: BTreeMap<&str, &Range<usize>> = BTreeMap::new();
    for (i, (key, range)) in entries.iter().enumerate().take(MAX_ENTRIES) {
        if !kept[i] {
            continue;
        }
        if let Some(first) = seen.insert(key, range) {
            let (line, _) = file.line_col(first.start);
            diags.push(
                Diagnostic::error(format!("duplicate key `{key}`"))
                    .at(file, range.start..range.start + key.len())
                    .with_hint(format!(
                        "it is first given on line {line}; keep one of them"
                    )),
            );
            kept[i] = false;
        } else if let Err(d) = parse::<T>(file, range.clone()) {
            // What is refused before reading (an alias, say) is one problem, told once
            // with the places it is repeated, as in a record.
            for d in field_errors::<T>(file, range.clone()).unwrap_or_else(|| vec![d]) {
                match diags
                    .iter_mut()
                    .find(|t| t.message == d.message && t.hint == d.hint)
                {
                    Some(told) => told.repeated(|| d.span.clone()),
                    None => diags.push(d),
                }
            }
            kept[i] = false;
        }
    }
    if let Some((key, range)) = entries.get(MAX_ENTRIES) {
        kept[MAX_ENTRIES..].fill(false);
        diags.push(
            Diagnostic::error(format!(
                "this file has {} top-level keys; those from here on are not read",
                entries.len()
            ))
            .at(file, range.start..range.start + key.len())
            .with_hint(format!(
                "a file of this kind needs far fewer than {MAX_ENTRIES}; most must be unknown or given twice"
            )),
        );
    }
    // Together, what is kept loads, unless the entries meant more together than alone.
    let left_out = entries.iter().zip(&kept).filter(|(_, kept)| !**kept);
    let blanked = blanked(file, file.text.len(), left_out.map(|((_, r), _)| r));
    match parse::<T>(&blanked, whole) {
        Ok(value) => (Some(value), diags),
        Err(d) => {
            diags.push(Diagnostic {
                file: Some(Arc::clone(file)),
                ..d
            });
            (None, diags)
        }
    }
}

/// `file` with the top-level entries that `errors` tell are unknown fields blanked: a
/// record as it is besides the keys it may not have, whose rules between its fields are
/// then checked with those errors, not once they are mended. Blanking keeps every byte in
/// its place. `None` when an error is of another kind.
pub fn without_unknown_fields(
    file: &Arc<SourceFile>,
    errors: &[Diagnostic],
) -> Option<Arc<SourceFile>> {
    let entries = top_level_entries(&file.text)?;
    let unknown = (errors.iter())
        .map(|d| {
            let entry = entries.iter().find(|(_, r)| r.start == d.span.start);
            entry
                .filter(|_| d.message.starts_with(FIELD))
                .map(|(_, r)| r)
        })
        .collect::<Option<Vec<_>>>()?;
    if unknown.is_empty() {
        return None;
    }
    Some(blanked(file, file.text.len(), unknown.into_iter()))
}

/// How many bytes [`field_errors`] may copy and read in all: it reads the file up to the
/// section once a field. A handbook.yaml is a few kilobytes; past this, only the
/// section's first error is told, so that a file of megabytes takes no more time.
const FIELD_BY_FIELD_BYTES: usize = 1 << 22;

/// The errors of each field of the top-level entry at `range` that does not load, when
/// its value is a mapping: the entry is read with one field at a time, the others
/// blanked, so that one mistake in a section (`notify:`, `exceptions:`) hides no other.
/// `None` when the entry is not such a mapping, or the error comes only from its fields
/// together (a required one missing).
fn field_errors<T: DeserializeOwned>(
    file: &Arc<SourceFile>,
    range: Range<usize>,
) -> Option<Vec<Diagnostic>> {
    // Two fields would spend the budget: the section is not read for its fields.
    if range.end.saturating_mul(2) > FIELD_BY_FIELD_BYTES {
        return None;
    }
    let fields = section_fields(&file.text[range.clone()])?;
    // A section of one field has that field's error already.
    if fields.len() < 2 || fields.len().saturating_mul(range.end) > FIELD_BY_FIELD_BYTES {
        return None;
    }
    let fields: Vec<Range<usize>> = (fields.into_iter())
        .map(|r| range.start + r.start..range.start + r.end)
        .collect();
    let mut errors: Vec<Diagnostic> = Vec::new();
    for (i, field) in fields.iter().enumerate() {
        let others = (fields.iter().enumerate())
            .filter(|(j, _)| *j != i)
            .map(|(_, r)| r);
        let alone = blanked(file, range.end, others);
        if let Err(d) = parse::<T>(&alone, range.clone())
            && !d.message.contains("missing field")
            && d.span.start >= field.start
        {
            errors.push(Diagnostic {
                file: Some(Arc::clone(file)),
                ..d
            });
        }
    }
    (!errors.is_empty()).then_some(errors)
}

/// Where each field of the section `text` (a top-level entry) is, when its value is a
/// mapping: a block one's fields from key to key, a flow one's each with the comma after it.
fn section_fields(text: &str) -> Option<Vec<Range<usize>>> {
    let first_line = text.find('\n').unwrap_or(text.len());
    let key_line = text[..first_line].split(" #").next().unwrap_or_default();
    if key_line.trim_end().ends_with(':') {
        let body = (first_line + 1).min(text.len());
        let fields = top_level_entries(&text[body..])?;
        return Some(
            fields
                .into_iter()
                .map(|(_, r)| body + r.start..body + r.end)
                .collect(),
        );
    }
    let Kind::Map(section) = read_tree(text)?.kind else {
        return None;
    };
    let (_, value) = section.first()?;
    match &value.kind {
        Kind::Map(fields) if !value.span.is_empty() => Some(
            (fields.iter())
                .map(|(k, v)| with_comma(text, k.span.start..v.end.max(k.end)).0)
                .collect(),
        ),
        _ => None,
    }
}

/// `file`'s text up to byte `end`, with the bytes in `ranges` but line breaks made spaces:
/// what is left is read as if they were not there, at the same lines and columns.
fn blanked<'a>(
    file: &SourceFile,
    end: usize,
    ranges: impl Iterator<Item = &'a Range<usize>>,
) -> Arc<SourceFile> {
    let mut text = file.text[..end].to_string();
    for range in ranges {
        blank(&mut text, range.clone());
    }
    SourceFile::new(file.name.clone(), text)
}

/// Writes spaces over the bytes of `range` in `text` but its line breaks.
fn blank(text: &mut String, range: Range<usize>) {
    let spaces: String = text[range.clone()]
        .chars()
        .map(|c| match c {
            '\n' | '\r' => c.to_string(),
            _ => " ".repeat(c.len_utf8()),
        })
        .collect();
    text.replace_range(range, &spaces);
}

/// [`parse`], reporting every error of a document that does not load rather than the first
/// alone: each bad value, unknown or repeated key and missing required field, at its place
/// (see [`Draft`]). A document that loads is read once, as by [`parse`].
pub fn parse_all<T: DeserializeOwned>(
    file: &Arc<SourceFile>,
    range: Range<usize>,
) -> Result<T, Vec<Diagnostic>> {
    attempt(file, range.clone()).map_err(|first| Draft::new(file, range).errors::<T>(first))
}

/// How many bytes a [`Draft`] may read in all: each error it finds costs four readings of
/// the document, so a file of a megabyte tells only its first error or two.
const DRAFT_BYTES: usize = 1 << 22;

/// How many errors of one document [`parse_all`] tells: past these, the file is hardly
/// the kind it is read as.
const MAX_ERRORS: usize = 64;

/// The values a [`Draft`] tries, in turn, for a required field it lacks: a text, a person
/// or an id take the first, a date the second; a value of a fixed set is the first that
/// the refusal of `x` names; a mapping of fields the last, its own fields then supplied.
const STAND_INS: [&str; 6] = ["x", "2000-01-01", "0", "[]", "false", "{}"];

/// A copy of a document that does not load, changed until it loads to learn its other
/// errors. The entry at fault for each error is blanked, set aside; a required field the
/// document then lacks is given a stand-in value, and reported as missing only when it was
/// not set aside, so no error is a consequence of another. Blanking keeps every byte in its
/// place; a stand-in goes over its own field's blanked entry, where it may push the rest of
/// that line along, or on a line of its own, at the end or before its mapping's first key.
/// Each report is moved back to its place in the file.
struct Draft<'a> {
    file: &'a Arc<SourceFile>,
    /// The document's bytes in the file; it starts at the same byte of the draft.
    range: Range<usize>,
    /// The file up to the end of the document, as changed.
    text: String,
    /// Where a stand-in pushed a line along, and by how many bytes, in the draft as it
    /// was then: how a place in the draft is found in the file.
    grown: Vec<(usize, usize)>,
    /// Whether a stand-in was given a line of its own within the document.
    lines_added: bool,
    /// Each entry set aside: the path of its mapping, its key, its blanked bytes, and the
    /// comma they took with them.
    set_aside: Vec<(Vec<Step>, String, Range<usize>, Comma)>,
    /// The paths of the mappings given as stand-ins (`{}`): the fields they lack are
    /// supplied, not told.
    stand_in_maps: Vec<Vec<Step>>,
    /// How many more bytes it may read ([`DRAFT_BYTES`]).
    budget: usize,
    /// Whether a reading was left undone for want of budget.
    spent: bool,
}

impl<'a> Draft<'a> {
    fn new(file: &'a Arc<SourceFile>, range: Range<usize>) -> Self {
        Draft {
            file,
            text: file.text[..range.end].to_string(),
            range,
            grown: Vec::new(),
            lines_added: false,
            set_aside: Vec::new(),
            stand_in_maps: Vec::new(),
            budget: DRAFT_BYTES,
            spent: false,
        }
    }

    /// The errors of the document, from the `first`.
    fn errors<T: DeserializeOwned>(mut self, first: Box<Failure>) -> Vec<Diagnostic> {
        let mut found: Vec<Diagnostic> = Vec::new();
        let mut failure = first;
        while found.len() < MAX_ERRORS {
            let missing = missing_field(&failure.raw);
            let follow_on = missing.and_then(|field| {
                let set_aside = self.set_aside.iter();
                set_aside
                    // A merge key set aside (`<<: *base`) held any field of its mapping.
                    .filter(|(mapping, key, ..)| {
                        Some(mapping) == failure.path.as_ref() && (key == field || key == "<<")
                    })
                    .map(|(_, _, blanked, comma)| (blanked.clone(), *comma))
                    .next()
            });
            let in_stand_in = missing.is_some()
                && (failure.path.as_ref()).is_some_and(|p| self.stand_in_maps.contains(p));
            // Its hint names the line of the key's first use, in the draft, where lines
            // may have been added.
            if self.lines_added && failure.diag.message.starts_with(DUPLICATE) {
                break;
            }
            if follow_on.is_none() && !in_stand_in {
                let mut diag = self.original(failure.diag.clone());
                if missing.is_some()
                    && !found.is_empty()
                    && let Some(mapping) = &failure.path
                {
                    diag.span = self.start_of(mapping);
                }
                if found
                    .iter()
                    .any(|d| d.span == diag.span && d.message == diag.message)
                {
                    break;
                }
                // What is refused before reading (an alias, a tag) is one problem, told
                // once with the places it is repeated.
                let told = (failure.path.is_none())
                    .then(|| found.iter_mut().find(|d| d.message == diag.message))
                    .flatten();
                match told {
                    Some(told) => told.repeated(|| diag.span.clone()),
                    None => found.push(diag),
                }
            }
            let own = |field: &str, path: &[Step]| [path, &[Step::Key(field.to_string())]].concat();
            let next = match (missing, follow_on, &failure.path) {
                // A value stays as it is without its anchor, and its entry is read on.
                _ if failure.mark == Some(Mark::Anchor) => {
                    blank(&mut self.text, failure.diag.span.clone());
                    let text = self.text.clone();
                    self.load::<T>(text)
                }
                // An alias is read as null, so that the draft reads as YAML when it comes
                // before its anchor, then set aside with its entry.
                _ if failure.mark == Some(Mark::Alias) => {
                    let span = failure.diag.span.clone();
                    let null = format!("~{}", " ".repeat(span.len().saturating_sub(1)));
                    self.text.replace_range(span, &null);
                    self.set_aside::<T>(&failure)
                }
                (Some(field), Some((blanked, comma)), Some(path)) => {
                    self.supply::<T>(&own(field, path), Spot::SetAside(blanked, comma))
                }
                (Some(field), None, Some(path)) => (self
                    .supply::<T>(&own(field, path), Spot::InMapping))
                .or_else(|| self.set_aside::<T>(&failure)),
                _ => self.set_aside::<T>(&failure),
            };
            match next {
                Some(Err(next)) => failure = next,
                _ => break,
            }
        }
        if found.len() == MAX_ERRORS || self.spent {
            found.push(
                Diagnostic::warning(format!(
                    "secbook stopped looking for this document's errors after {}: it may \
                     have more",
                    found.len()
                ))
                .with_hint("mend these and check again")
                .at(self.file, self.start_of(&[])),
            );
        }
        found
    }

    /// Blanks the entry at fault for `failure`: the innermost entry that holds the value
    /// it is about, or the unknown or repeated key it names; for a missing field, the entry
    /// that holds the mapping that lacks it. An entry alone in its mapping is not blanked,
    /// but the one that holds the mapping, which would otherwise be null; the document may
    /// be left empty, and then lacks each field it needs. A list item written in one piece
    /// (`- [a]`, `- 5`) is rather given a stand-in: blanked, it would be null, and blanking
    /// its list would hide the errors of the items after it. `None` when no entry is at
    /// fault, or the budget is spent.
    fn set_aside<T: DeserializeOwned>(
        &mut self,
        failure: &Failure,
    ) -> Option<Result<(), Box<Failure>>> {
        let doc = &self.text[self.range.start..];
        let at = match (&failure.path, missing_field(&failure.raw)) {
            (Some(path), Some(_)) => {
                let path: Vec<Seg> = path.iter().map(Step::seg).collect();
                locate_text(doc, &path)?.value.start
            }
            _ => failure.diag.span.start.checked_sub(self.range.start)?,
        };
        let doc_len = doc.len();
        self.spend(doc_len)?;
        let doc = &self.text[self.range.start..];
        let (chain, item) = entries_at(doc, at)?;
        if let Some(Item { path, range }) = item
            && (failure.path.as_ref()).is_none_or(|p| p.starts_with(&path))
        {
            let range = self.range.start + range.start..self.range.start + range.end;
            if let Some(loaded) = self.supply::<T>(&path, Spot::SetAside(range, Comma::None)) {
                return Some(loaded);
            }
        }
        let at_fault = |entry: &&Entry| {
            let Some(path) = &failure.path else {
                return true;
            };
            let named = format!("field `{}`", entry.key);
            let value = path.get(entry.mapping.len()) == Some(&Step::Key(entry.key.clone()));
            (path.starts_with(&entry.mapping) && value)
                || (*path == entry.mapping && failure.raw.contains(&named))
        };
        // An entry alone in a mapping within the document, whose value is at fault, is
        // rather given a stand-in value: blanked, its mapping would be null.
        if let Some(entry) = chain.iter().rfind(at_fault)
            && entry.alone
            && !entry.mapping.is_empty()
        {
            let own = [entry.mapping.as_slice(), &[Step::Key(entry.key.clone())]].concat();
            let range = self.range.start + entry.range.start..self.range.start + entry.range.end;
            if failure.path.as_ref() == Some(&own)
                && let Some(loaded) = self.supply::<T>(&own, Spot::SetAside(range, entry.comma))
            {
                return Some(loaded);
            }
        }
        let mut causes = chain.iter().filter(at_fault).rev();
        let entry = causes.find(|e| !e.alone || e.mapping.is_empty())?;
        let blanked = self.range.start + entry.range.start..self.range.start + entry.range.end;
        blank(&mut self.text, blanked.clone());
        let meant = meant(&failure.raw);
        for key in [Some(entry.key.as_str()), meant].into_iter().flatten() {
            let aside = (
                entry.mapping.clone(),
                key.to_string(),
                blanked.clone(),
                entry.comma,
            );
            self.set_aside.push(aside);
        }
        let text = self.text.clone();
        self.load::<T>(text)
    }

    /// Gives the value at `own`, a required field of a mapping or an item of a list, a
    /// stand-in value at `spot`. A stand-in the value refuses is not kept, and the next is
    /// tried. `None` when the value takes none.
    fn supply<T: DeserializeOwned>(
        &mut self,
        own: &[Step],
        spot: Spot,
    ) -> Option<Result<(), Box<Failure>>> {
        let (last, path) = own.split_last()?;
        let mut stand_ins: Vec<String> = STAND_INS.iter().map(|s| s.to_string()).collect();
        // Where in the mapping a new entry goes, and what follows it there.
        let added = match &spot {
            Spot::SetAside(..) => None,
            Spot::InMapping => {
                let doc = &self.text[self.range.start..];
                let at = match path.is_empty() {
                    true => read_tree(doc)
                        .filter(|root| matches!(root.kind, Kind::Map(_)))
                        .map_or(0, |root| root.span.start),
                    false => {
                        let path: Vec<Seg> = path.iter().map(Step::seg).collect();
                        locate_text(doc, &path)?.value.start
                    }
                };
                // A null value (`-`, `- # to do`) is all of its line: it is no mapping to
                // add to.
                let rest = doc[at..].trim_start_matches([' ', '\t']);
                if rest.is_empty() || rest.starts_with(['\n', '\r', '#']) {
                    return None;
                }
                // A flow mapping (`{a: 1}`) takes no line: the entry goes first in it.
                if doc[at..].starts_with('{') {
                    let empty = doc[at + 1..].trim_start().starts_with('}');
                    let after = if empty { "" } else { ", " };
                    Some((self.range.start + at + 1, after.to_string()))
                } else {
                    let line_start = doc[..at].rfind('\n').map_or(0, |n| n + 1);
                    let indent = " ".repeat(at - line_start);
                    match path.is_empty() {
                        true => Some((self.text.len(), indent)),
                        false => Some((self.range.start + at, format!("\n{indent}"))),
                    }
                }
            }
        };
        let mut tried = 0;
        while let Some(stand_in) = stand_ins.get(tried) {
            let entry = match (last, &spot) {
                // An entry of a flow mapping takes back the comma it was set aside with.
                (Step::Key(field), Spot::SetAside(_, comma)) => {
                    comma.around(format!("{field}: {stand_in}"))
                }
                (Step::Key(field), _) => format!("{field}: {stand_in}"),
                // An empty item is just after its `-`, which the stand-in must not join.
                (Step::Index(_), Spot::SetAside(item, _)) if item.is_empty() => {
                    format!(" {stand_in}")
                }
                (Step::Index(_), _) => stand_in.clone(),
            };
            let mut text = self.text.clone();
            // Where the line moves from, and by how many bytes.
            let grown = match (&spot, &added) {
                (Spot::SetAside(blanked, _), _) => {
                    blank(&mut text, blanked.clone());
                    let line = &text[blanked.clone()];
                    let room = line.find('\n').unwrap_or(line.len()).min(entry.len());
                    text.replace_range(blanked.start..blanked.start + room, &entry);
                    (room < entry.len()).then(|| (blanked.start + room, entry.len() - room))
                }
                // At the end of the document's own block mapping: no line after it moves.
                (_, Some((at, indent))) if *at == text.len() => {
                    if !text.ends_with('\n') {
                        text.push('\n');
                    }
                    text.push_str(&format!("{indent}{entry}\n"));
                    None
                }
                (_, Some((at, after))) => {
                    let inserted = format!("{entry}{after}");
                    text.insert_str(*at, &inserted);
                    Some((*at, inserted.len()))
                }
                (_, None) => return None,
            };
            // A mapping given as a stand-in lacks its fields, which are supplied in turn.
            let own_fields_missing = |f: &Failure| {
                stand_in == "{}"
                    && f.path.as_deref() == Some(own)
                    && missing_field(&f.raw).is_some()
            };
            match self.load::<T>(text.clone())? {
                Err(f)
                    if f.path.as_ref().is_some_and(|p| p.starts_with(own))
                        && !own_fields_missing(&f) =>
                {
                    if let Some(value) = first_variant(&f.raw)
                        && !stand_ins.iter().any(|s| s == value)
                    {
                        stand_ins.insert(tried + 1, value.to_string());
                    }
                    tried += 1;
                }
                loaded => {
                    if stand_in == "{}" {
                        self.stand_in_maps.push(own.to_vec());
                    }
                    self.text = text;
                    if let Some((from, by)) = grown {
                        self.grown.push((from, by));
                        self.lines_added |=
                            matches!(&added, Some((_, after)) if after.contains('\n'));
                        // The entries set aside after it are pushed along too.
                        for (_, _, blanked, _) in &mut self.set_aside {
                            if blanked.start >= from {
                                *blanked = blanked.start + by..blanked.end + by;
                            }
                        }
                    }
                    return Some(loaded);
                }
            }
        }
        None
    }

    /// Takes `bytes` from the budget, or tells that it is spent.
    fn spend(&mut self, bytes: usize) -> Option<()> {
        self.budget = self.budget.checked_sub(bytes).or_else(|| {
            self.spent = true;
            None
        })?;
        Some(())
    }

    /// Reads `text` as the draft's document, within the budget. `None` as well when it no
    /// longer reads as YAML: a change went wrong, and what it reports is not the file's.
    fn load<T: DeserializeOwned>(&mut self, text: String) -> Option<Result<(), Box<Failure>>> {
        // Read twice, and a third time when it does not load.
        self.spend(text.len().saturating_mul(3))?;
        let end = text.len();
        let draft = SourceFile::new(self.file.name.clone(), text);
        match attempt::<T>(&draft, self.range.start..end) {
            Ok(_) => Some(Ok(())),
            // A syntax error in the file is its first error: serde_yaml reads the events
            // of the whole document before any value.
            Err(_) if read_tree(&draft.text[self.range.start..]).is_none() => None,
            Err(failure) => Some(Err(failure)),
        }
    }

    /// Where a field the `mapping` lacks is told, as the first error is: at the start of
    /// the mapping in the file, which in the draft may have been set aside or moved.
    fn start_of(&self, mapping: &[Step]) -> Range<usize> {
        let doc = &self.file.text[self.range.clone()];
        let path: Vec<Seg> = mapping.iter().map(Step::seg).collect();
        let at = locate_text(doc, &path).map_or(0, |p| p.value.start);
        self.range.start + at..self.range.start + token_end(doc, at)
    }

    /// A report about the draft as one about the file, at the same place in it.
    fn original(&self, diag: Diagnostic) -> Diagnostic {
        let place = |at: usize| {
            let at = (self.grown.iter().rev()).fold(at, |at, &(from, by)| match at >= from + by {
                true => at - by,
                false => at.min(from),
            });
            at.min(self.file.text.len())
        };
        Diagnostic {
            file: Some(Arc::clone(self.file)),
            span: place(diag.span.start)..place(diag.span.end),
            ..diag
        }
    }
}

/// Where [`Draft::supply`] writes a stand-in.
enum Spot {
    /// Over the field's own entry, or the list item, set aside: the bytes it blanks, and
    /// the comma they took with them.
    SetAside(Range<usize>, Comma),
    /// A new entry of its mapping: in a block mapping, on a line of its own, at the end
    /// of the document's own mapping, where no line after it moves, else before the first
    /// key; in a flow mapping (`{a: 1}`), first, on its line.
    InMapping,
}

/// The field serde says is missing: `missing field `title``.
fn missing_field(raw: &str) -> Option<&str> {
    let (_, after) = raw.split_once("missing field `")?;
    after.split('`').next()
}

/// The first value serde names as expected where it refuses an unknown one: `unknown
/// variant `x`, expected one of `a`, `b``.
fn first_variant(raw: &str) -> Option<&str> {
    unknown_named(raw, VARIANT)?.2.first().copied()
}

/// The fields of `T`, as its derive names them to serde: the one list of a record's or
/// the settings' fields is its type.
pub fn fields_of<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Fields<'a>(&'a mut &'static [&'static str]);
    impl<'de> serde::Deserializer<'de> for Fields<'_> {
        type Error = serde::de::value::Error;
        fn deserialize_any<V: serde::de::Visitor<'de>>(
            self,
            _: V,
        ) -> Result<V::Value, Self::Error> {
            Err(serde::de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: serde::de::Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(serde::de::Error::custom("only its fields were asked for"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Fields(&mut fields));
    fields
}

/// The field an unknown key is likely a misspelling of, which its report suggests: set
/// aside with the key, it is no more reported missing than the key.
fn meant(raw: &str) -> Option<&str> {
    let (_, unknown, expected) = unknown_named(raw, FIELD)?;
    closest(unknown, expected)
}

/// An entry of a mapping, from its key to the end of its value.
struct Entry {
    /// The path of the mapping that holds it.
    mapping: Vec<Step>,
    key: String,
    range: Range<usize>,
    /// The comma of a flow mapping that `range` takes.
    comma: Comma,
    /// Whether it is its mapping's only entry.
    alone: bool,
}

/// An item of a list written in one piece (a scalar, `[a]`, `{b: 1}`, or nothing), which
/// [`Draft::set_aside`] gives a stand-in.
struct Item {
    path: Vec<Step>,
    range: Range<usize>,
}

/// The entries of mappings in `text` that hold byte `at`, outermost first, and the list
/// item in one piece that holds it, when there is one, inside them all. `None` when `text`
/// does not read. An entry of a flow mapping takes the comma after it ([`with_comma`]).
/// Not among them: an item, which blanked would be null.
fn entries_at(text: &str, at: usize) -> Option<(Vec<Entry>, Option<Item>)> {
    let root = read_tree(text)?;
    let (mut node, mut path, mut chain) = (&root, Vec::new(), Vec::new());
    // A flow collection starts at its bracket; a block one at no byte.
    while node.span.is_empty() || matches!(node.kind, Kind::Seq(_) | Kind::Map(_)) {
        let flow = !node.span.is_empty();
        match &node.kind {
            Kind::Map(entries) => {
                // With the byte after it, where an empty last item of its list (`-`) is.
                let holds =
                    |(k, v): &&(Node, Node)| (k.span.start..v.end.max(k.end) + 1).contains(&at);
                let Some((key, value)) = entries.iter().find(holds) else {
                    break;
                };
                let Kind::Scalar(name) = &key.kind else {
                    break;
                };
                // A value not written ends at no byte: the entry ends at its `:`.
                let end = value.end.max(key.end);
                let colon = text[end..]
                    .trim_start_matches([' ', '\t'])
                    .strip_prefix(':');
                let end = colon.map_or(end, |rest| text.len() - rest.len());
                // An explicit key (`? x`, its value on the next line) starts at its `?`:
                // blanked without it, the `?` would be a key of its own.
                let before = text[..key.span.start].trim_end_matches([' ', '\t']);
                let start = match before.strip_suffix('?') {
                    Some(rest) if before.len() < key.span.start => rest.len(),
                    _ => key.span.start,
                };
                let (range, comma) = match flow {
                    true => with_comma(text, start..end),
                    false => (start..end, Comma::None),
                };
                chain.push(Entry {
                    mapping: path.clone(),
                    key: name.clone(),
                    range,
                    comma,
                    alone: entries.len() == 1,
                });
                path.push(Step::Key(name.clone()));
                node = value;
            }
            Kind::Seq(items) => {
                let holds = |item: &Node| {
                    let start = match item.span.is_empty() {
                        true => at_dash(text, item.span.start),
                        false => item.span.start,
                    };
                    (start..item.end.max(item.span.end + 1)).contains(&at)
                };
                let Some(i) = items.iter().position(holds) else {
                    break;
                };
                path.push(Step::Index(i));
                node = &items[i];
            }
            _ => break,
        }
    }
    // A block collection starts at no byte; so does an empty item, which is in one piece.
    let in_one_piece = matches!(path.last(), Some(Step::Index(_)))
        && (!node.span.is_empty() || matches!(node.kind, Kind::Scalar(_)));
    let range = match node.span.is_empty() {
        true => at_dash(text, node.span.start)..at_dash(text, node.span.start),
        // A block scalar's from its header (`|`), which a stand-in must go over, or it
        // would be the scalar's text.
        false => block_header(text, node.span.start).unwrap_or(node.span.start)..node.end,
    };
    Some((chain, in_one_piece.then_some(Item { path, range })))
}

/// The entry of a flow mapping at `entry` in `text` with the comma after it: blanked, it
/// leaves the mapping whole (`{a: 1,       c: 3}`). The last entry has none, and takes
/// none: a comma may end a flow mapping (`{a: 1,      }`).
fn with_comma(text: &str, entry: Range<usize>) -> (Range<usize>, Comma) {
    let after = text[entry.end..].trim_start_matches([' ', '\t', '\r', '\n']);
    match after.strip_prefix(',') {
        Some(rest) => (entry.start..text.len() - rest.len(), Comma::After),
        None => (entry, Comma::None),
    }
}

/// Whether an entry set aside took the comma after it, of a flow mapping.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Comma {
    None,
    After,
}

impl Comma {
    /// `entry` written where the entry was, with the comma it took.
    fn around(self, entry: String) -> String {
        match self {
            Comma::None => entry,
            Comma::After => format!("{entry},"),
        }
    }
}

/// Where the header (`|`, `>-`) is of the block scalar whose text starts at `at`, when it
/// is one: on the line before its first line of text, blank lines between.
fn block_header(text: &str, at: usize) -> Option<usize> {
    let mut end = text[..at].rfind('\n')?;
    loop {
        let start = text[..end].rfind('\n').map_or(0, |n| n + 1);
        let line = &text[start..end];
        if line.trim().is_empty() {
            end = start.checked_sub(1)?;
            continue;
        }
        if !block_scalar(line) {
            return None;
        }
        let content = line
            .find(" #")
            .map_or(line, |comment| &line[..comment])
            .trim_end();
        return Some(start + content.rfind(' ').map_or(0, |i| i + 1));
    }
}

/// Where an empty list item is written: YAML marks it after the comment on its line
/// (`- # to do`), but a stand-in must go just after its `-`.
fn at_dash(text: &str, at: usize) -> usize {
    let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1);
    let line = &text[line_start..at];
    match (line.trim_start().strip_prefix('-'), line.contains('#')) {
        (Some(rest), true) => at - rest.len(),
        _ => at,
    }
}

/// The key and the byte range of each entry of the block mapping at the top of `text`,
/// from its key to the next key: `None` when the top is not a block mapping. Where the
/// text stops being valid YAML, the last entry runs to the end.
fn top_level_entries(text: &str) -> Option<Vec<(String, Range<usize>)>> {
    let chars = CharOffsets::new(text);
    let scanned = scannable(text);
    let mut parser = Parser::new_from_str(&scanned);
    let mut next = move || parser.next_event();
    let mut starts: Vec<(String, usize)> = Vec::new();
    loop {
        match next()? {
            Ok((Event::StreamStart | Event::DocumentStart(_), _)) => {}
            Ok((Event::MappingStart(..), span)) => {
                let at = chars.byte(span.start.index());
                if text[at..].starts_with('{') {
                    return None;
                }
                break;
            }
            _ => return None,
        }
    }
    let mut events = std::iter::from_fn(move || next().and_then(Result::ok));
    while let Some((event, span)) = events.next() {
        match event {
            Event::Scalar(key, ..) => {
                starts.push((key.into_owned(), chars.byte(span.start.index())))
            }
            Event::MappingEnd => break,
            _ => return None,
        }
        let mut read_value = || {
            let (value, _) = events.next()?;
            skip(&mut || events.next(), value)
        };
        if read_value().is_none() {
            break;
        }
    }
    let ends = starts.iter().skip(1).map(|(_, at)| *at).chain([text.len()]);
    Some(
        starts
            .iter()
            .zip(ends)
            .map(|((key, start), end)| (key.clone(), *start..end))
            .collect(),
    )
}

/// One step of a path into a YAML document.
#[derive(Debug, Clone, Copy)]
pub enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

/// Where a field is: its key (or list item) and its value, as byte ranges of the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub key: Range<usize>,
    pub value: Range<usize>,
}

impl Place {
    /// What a report about the value underlines: the value, or its key when the value is
    /// not written (`title:`).
    fn shown(self) -> Range<usize> {
        if self.value.is_empty() {
            self.key
        } else {
            self.value
        }
    }
}

/// The text saphyr-parser reads for `text`: a tab right after a `:` becomes a space.
/// YAML separates a key from its value with either, and libyaml, which loads the values,
/// takes both; saphyr-parser stops at the tab, and every report after that line with it.
/// A tab and a space are one byte and one character alike, so every span holds.
fn scannable(text: &str) -> Cow<'_, str> {
    match text.contains(":\t") {
        true => Cow::Owned(text.replace(":\t", ": ")),
        false => Cow::Borrowed(text),
    }
}

/// Parses `text` into a tree of nodes with their spans.
fn read_tree(text: &str) -> Option<Node> {
    let chars = CharOffsets::new(text);
    let scanned = scannable(text);
    let mut parser = Parser::new_from_str(&scanned);
    while let Some(Ok((event, span))) = parser.next_event() {
        if !matches!(event, Event::StreamStart | Event::DocumentStart(_)) {
            return Node::read(event, span, &mut parser, (text, &chars), 0);
        }
    }
    None
}

/// How many lookups of one file's fields each read it as far as their field, before it is
/// read once into an [`Outline`] that the next lookups walk: most files are asked about a
/// field or two near their top, some about thousands of their items.
const READ_TO_FIELD: u32 = 4;

/// Finds a field of `file` by its path, for reports about a loaded value.
pub fn locate(file: &SourceFile, path: &[Seg]) -> Option<Place> {
    match file.outline(READ_TO_FIELD, |text| read_tree(text).map(outline)) {
        Some(outline) => outline_place(outline, path),
        None => locate_text(&file.text, path),
    }
}

/// The text of the scalar at `path` of `file`, as YAML reads it (unquoted, unfolded): what a
/// report takes from a document that did not load. The value's own text is read alone,
/// which a document with another mistake (a key given twice) allows; a block scalar's
/// (`|`), which is no YAML without its indicator, is read in the whole document.
pub fn text_at(file: &SourceFile, path: &[Seg]) -> Option<String> {
    let place = locate(file, path)?;
    if let Ok(text) = serde_yaml::from_str(file.text.get(place.value)?) {
        return Some(text);
    }
    let doc: serde_yaml::Value = serde_yaml::from_str(&file.text).ok()?;
    let mut node = &doc;
    for seg in path {
        node = match seg {
            Seg::Key(key) => node.get(*key)?,
            Seg::Index(i) => node.get(*i)?,
        };
    }
    node.as_str().map(str::to_string)
}

/// The keys of the mapping at `path`, in the order the file writes them: what a section
/// that did not load still names. Read from the outline, which no alias expands.
pub fn keys(file: &SourceFile, path: &[Seg]) -> Vec<String> {
    let outline = file.outline(0, |text| read_tree(text).map(outline));
    let node = outline
        .and_then(|o| outline_at(o, path))
        .map(|(_, node)| node);
    let Some(Fields::Entries { by_key, .. }) = node.map(|n| &n.fields) else {
        return Vec::new();
    };
    let mut keys: Vec<(usize, &String)> = by_key.iter().map(|(k, &i)| (i, k)).collect();
    keys.sort_unstable();
    keys.into_iter().map(|(_, k)| k.clone()).collect()
}

/// What [`locate`] finds, in its file's outline.
fn outline_place(outline: &Outline, path: &[Seg]) -> Option<Place> {
    outline_at(outline, path).map(|(place, _)| place)
}

/// The place of the value at `path` in `outline`, and its own outline.
fn outline_at<'a>(outline: &'a Outline, path: &[Seg]) -> Option<(Place, &'a Outline)> {
    let mut node = outline;
    let mut place = Place {
        key: node.span.clone(),
        value: node.span.clone(),
    };
    for seg in path {
        let (key, value) = match (seg, &node.fields) {
            (Seg::Key(name), Fields::Entries { entries, by_key }) => {
                let (key, value) = &entries[*by_key.get(*name)?];
                (key.clone(), value)
            }
            (Seg::Index(i), Fields::Items(items)) => {
                let item = items.get(*i)?;
                (item.span.clone(), item)
            }
            _ => return None,
        };
        place = Place {
            key,
            value: value.span.clone(),
        };
        node = value;
    }
    Some((place, node))
}

/// The outline of a tree: its spans, without its scalars.
fn outline(node: Node) -> Outline {
    let fields = match node.kind {
        Kind::Seq(items) => Fields::Items(items.into_iter().map(outline).collect()),
        Kind::Map(entries) => {
            let mut by_key = HashMap::new();
            let entries = entries
                .into_iter()
                .enumerate()
                .map(|(i, (key, value))| {
                    if let Kind::Scalar(name) = key.kind {
                        by_key.entry(name).or_insert(i);
                    }
                    (key.span, outline(value))
                })
                .collect();
            Fields::Entries { entries, by_key }
        }
        Kind::Scalar(_) | Kind::Other => Fields::None,
    };
    Outline {
        span: node.span,
        fields,
    }
}

/// [`locate`] in a text that is not a whole file (a page's front matter), read as far as
/// the field.
pub fn locate_text(text: &str, path: &[Seg]) -> Option<Place> {
    // Walks the event stream and stops at the field, skipping what lies before it: most
    // lookups are for a key near the top of a record, and build no tree.
    let chars = CharOffsets::new(text);
    let scanned = scannable(text);
    let mut parser = Parser::new_from_str(&scanned);
    let mut next = move || parser.next_event()?.ok();
    let (mut place, _) = seek(&mut next, &chars, path)?;
    if place.value.is_empty() {
        let at = at_dash(text, place.value.start);
        place.value = at..at;
        if place.key.is_empty() {
            place.key = at..at;
        }
    }
    Some(place)
}

/// The place of each item of the list at `path`, in order, read as they are asked for:
/// one reading of the text up to the last item asked about, however many are; none when
/// there is no list there.
pub fn locate_items<'a>(
    text: &'a str,
    path: &[Seg],
) -> Box<dyn Iterator<Item = Range<usize>> + 'a> {
    match scannable(text) {
        Cow::Borrowed(text) => Box::new(items_of(text, path)),
        // The copy goes with this call: its items are read at once.
        Cow::Owned(text) => Box::new(items_of(&text, path).collect::<Vec<_>>().into_iter()),
    }
}

/// [`locate_items`] in a text saphyr-parser reads as it is.
fn items_of<'a>(text: &'a str, path: &[Seg]) -> impl Iterator<Item = Range<usize>> + use<'a> {
    let chars = CharOffsets::new(text);
    let mut parser = Parser::new_from_str(text);
    let mut next = move || parser.next_event()?.ok();
    let mut done = !matches!(
        seek(&mut next, &chars, path),
        Some((_, Event::SequenceStart(..)))
    );
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        match next() {
            Some((item, span)) if !matches!(item, Event::SequenceEnd) => {
                done = skip(&mut next, item).is_none();
                Some(chars.range(span))
            }
            _ => {
                done = true;
                None
            }
        }
    })
}

/// For each item of the list at `path` that `wanted` names (in increasing order): where the
/// scalar value of its `key` is, or the item itself where that is not written, or `None`
/// where the list has no such item. One reading of the text up to the last item asked
/// about, for findings on thousands of items of one record.
pub fn locate_item_keys(
    text: &str,
    path: &[Seg],
    key: &str,
    wanted: &[usize],
) -> Vec<Option<Range<usize>>> {
    let chars = CharOffsets::new(text);
    let scanned = scannable(text);
    let mut parser = Parser::new_from_str(&scanned);
    let mut next = move || parser.next_event()?.ok();
    let mut found = vec![None; wanted.len()];
    if !matches!(
        seek(&mut next, &chars, path),
        Some((_, Event::SequenceStart(..)))
    ) {
        return found;
    }
    let mut asked = wanted.iter().copied().enumerate().peekable();
    let mut index = 0;
    while asked.peek().is_some() {
        let Some((item, span)) = next().filter(|(e, _)| !matches!(e, Event::SequenceEnd)) else {
            break;
        };
        let mut place = None;
        if asked.peek().is_some_and(|(_, w)| *w == index) {
            place = Some(chars.range(span));
            if matches!(item, Event::MappingStart(..)) {
                if let Some(value) = entry_value(&mut next, &chars, key) {
                    place = value.or(place);
                } else {
                    break;
                }
            } else if skip(&mut next, item).is_none() {
                break;
            }
        } else if skip(&mut next, item).is_none() {
            break;
        }
        while let Some((at, _)) = asked.next_if(|(_, w)| *w == index) {
            found[at] = place.clone();
        }
        index += 1;
    }
    found
}

/// Reads a mapping whose start was read, to its end: where the scalar value of `key` is,
/// if it is written; `None` when the text ends first.
fn entry_value<'a>(
    next: &mut impl FnMut() -> Option<(Event<'a>, Span)>,
    chars: &CharOffsets,
    key: &str,
) -> Option<Option<Range<usize>>> {
    let mut place = None;
    loop {
        let (k, _) = next()?;
        if matches!(k, Event::MappingEnd) {
            return Some(place);
        }
        let named = matches!(&k, Event::Scalar(s, ..) if s == key);
        skip(&mut *next, k)?;
        let (value, span) = next()?;
        if named && place.is_none() && matches!(value, Event::Scalar(..)) {
            place = Some(chars.range(span));
        }
        skip(&mut *next, value)?;
    }
}

/// Reads the events from `next` up to the field at `path`: its place, and the first
/// event of its value.
fn seek<'a>(
    next: &mut impl FnMut() -> Option<(Event<'a>, Span)>,
    chars: &CharOffsets,
    path: &[Seg],
) -> Option<(Place, Event<'a>)> {
    let (mut event, span) = loop {
        let (e, s) = next()?;
        if !matches!(e, Event::StreamStart | Event::DocumentStart(_)) {
            break (e, s);
        }
    };
    let mut place = Place {
        key: chars.range(span),
        value: chars.range(span),
    };
    for seg in path {
        let (key, (value, value_span)) = match (seg, &event) {
            (Seg::Key(name), Event::MappingStart(..)) => loop {
                let (k, key_span) = next()?;
                match k {
                    Event::MappingEnd => return None,
                    Event::Scalar(ref s, ..) if s == name => break (key_span, next()?),
                    other => {
                        skip(&mut *next, other)?;
                        let (value, _) = next()?;
                        skip(&mut *next, value)?;
                    }
                }
            },
            (Seg::Index(i), Event::SequenceStart(..)) => {
                for _ in 0..*i {
                    match next()? {
                        (Event::SequenceEnd, _) => return None,
                        (item, _) => skip(&mut *next, item)?,
                    }
                }
                let item = next()?;
                if matches!(item.0, Event::SequenceEnd) {
                    return None;
                }
                (item.1, item)
            }
            _ => return None,
        };
        place = Place {
            key: chars.range(key),
            value: chars.range(value_span),
        };
        event = value;
    }
    Some((place, event))
}

/// Reads past the rest of a node whose first event is `event`.
fn skip<'a>(next: &mut impl FnMut() -> Option<(Event<'a>, Span)>, event: Event<'a>) -> Option<()> {
    let mut depth = usize::from(matches!(
        event,
        Event::MappingStart(..) | Event::SequenceStart(..)
    ));
    while depth > 0 {
        match next()?.0 {
            Event::MappingStart(..) | Event::SequenceStart(..) => depth += 1,
            Event::MappingEnd | Event::SequenceEnd => depth -= 1,
            _ => {}
        }
    }
    Some(())
}

/// Serialises `value` as a YAML document.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, String> {
    serde_yaml::to_string(value).map_err(|e| e.to_string())
}

/// One line of text as a YAML scalar, quoted only when YAML needs it, for a file written
/// from a template.
pub fn scalar(line: &str) -> String {
    match serde_yaml::to_string(line) {
        Ok(text) if !text.trim_end().contains('\n') => text.trim_end().to_string(),
        _ => serde_json::to_string(line).unwrap_or_else(|_| format!("{line:?}")),
    }
}

/// A string value found by [`string_values`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The path as a user reads it: `approvals[0].side`.
    pub path: String,
    pub value: String,
    pub span: Range<usize>,
}

/// Every string value (keys aside) that `accept` takes, in document order; empty when the
/// text does not parse.
pub fn string_values(text: &str, accept: impl Fn(&str) -> bool) -> Vec<Found> {
    fn walk(node: &Node, path: &str, accept: &dyn Fn(&str) -> bool, out: &mut Vec<Found>) {
        match &node.kind {
            Kind::Scalar(s) if accept(s) => out.push(Found {
                path: path.to_string(),
                value: s.clone(),
                span: node.span.clone(),
            }),
            Kind::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, &format!("{path}[{i}]"), accept, out);
                }
            }
            Kind::Map(entries) => {
                for (key, value) in entries {
                    let name = match &key.kind {
                        Kind::Scalar(k) => k.as_str(),
                        _ => "?",
                    };
                    let path = if path.is_empty() {
                        name.to_string()
                    } else {
                        format!("{path}.{name}")
                    };
                    walk(value, &path, accept, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Some(root) = read_tree(text) {
        walk(&root, "", &accept, &mut out);
    }
    out
}

/// Character index to byte offset: saphyr's markers count characters.
struct CharOffsets(Option<Vec<usize>>);

impl CharOffsets {
    fn new(text: &str) -> Self {
        if text.is_ascii() {
            return CharOffsets(None);
        }
        let mut offsets: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        offsets.push(text.len());
        CharOffsets(Some(offsets))
    }

    fn byte(&self, index: usize) -> usize {
        match &self.0 {
            None => index,
            Some(v) => v
                .get(index)
                .copied()
                .unwrap_or_else(|| *v.last().unwrap_or(&0)),
        }
    }

    fn range(&self, span: Span) -> Range<usize> {
        self.byte(span.start.index())..self.byte(span.end.index())
    }
}

struct Node {
    span: Range<usize>,
    /// Where what it holds ends: after its last scalar, or the bracket that closes it.
    end: usize,
    kind: Kind,
}

enum Kind {
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
    Other,
}

impl Node {
    fn read(
        event: Event,
        span: Span,
        parser: &mut Parser<'_, saphyr_parser::StrInput<'_>>,
        (text, chars): (&str, &CharOffsets),
        depth: usize,
    ) -> Option<Node> {
        // This recurses once per level: a text nested deeper than any handbook is (which
        // `parse` refuses) gives no tree rather than overflow the stack.
        if depth > MAX_FLOW_DEPTH {
            return None;
        }
        let mut start = chars.range(span);
        // A block scalar (`|`) is marked up to where what follows it starts, its line
        // breaks and the next line's indent among it: it ends at its last letter, or its
        // entry would hold the next key, and a stand-in for it that key's indent.
        if matches!(event, Event::Scalar(..)) {
            start.end = text
                .get(start.clone())
                .map_or(start.end, |s| start.start + s.trim_end().len());
        }
        let mut end = start.end;
        // A flow collection starts at its bracket (with the spaces after it), and ends at
        // the one that closes it; a block collection starts nowhere, and its end event is
        // marked where what follows it starts. Taken for a block one, `{ a: 1 }` ended
        // before its `}`, which blanking it left behind.
        let flow = !start.is_empty();
        let kind = match event {
            Event::Scalar(value, ..) => Kind::Scalar(value.into_owned()),
            Event::SequenceStart(..) => {
                let mut items = Vec::new();
                loop {
                    let (event, span) = parser.next_event()?.ok()?;
                    if matches!(event, Event::SequenceEnd) {
                        if flow {
                            end = chars.range(span).end;
                        }
                        break;
                    }
                    let item = Node::read(event, span, parser, (text, chars), depth + 1)?;
                    end = end.max(item.end);
                    items.push(item);
                }
                Kind::Seq(items)
            }
            Event::MappingStart(..) => {
                let mut entries = Vec::new();
                loop {
                    let (event, span) = parser.next_event()?.ok()?;
                    if matches!(event, Event::MappingEnd) {
                        if flow {
                            end = chars.range(span).end;
                        }
                        break;
                    }
                    let key = Node::read(event, span, parser, (text, chars), depth + 1)?;
                    let (event, span) = parser.next_event()?.ok()?;
                    let value = Node::read(event, span, parser, (text, chars), depth + 1)?;
                    end = end.max(key.end).max(value.end);
                    entries.push((key, value));
                }
                Kind::Map(entries)
            }
            _ => Kind::Other,
        };
        Some(Node {
            span: start,
            end,
            kind,
        })
    }
}

#[cfg(test)]
mod tests {
    /// A record's shape, for the tests of the errors [`parse_all`] finds together.
    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Record {
        title: String,
        description: Option<String>,
        classification: Option<String>,
        items: Option<Vec<u32>>,
    }

    /// Every error [`parse_all`] finds in `text`, read as a [`Record`].
    fn all_told(text: &str) -> Vec<String> {
        let file = std::sync::Arc::new(SourceFile::new("r.yaml", text));
        let errors = parse_all::<Record>(&file, 0..text.len()).unwrap_err();
        errors.into_iter().map(|d| d.message).collect()
    }

    /// An entry whose value at fault is a flow mapping with spaces inside its brackets is
    /// set aside whole, and hides no other error, a comment before it or not.
    #[test]
    fn an_entry_of_a_spaced_flow_mapping_set_aside_hides_nothing() {
        for text in [
            "description: How\n# a comment\nclassification:\n  a: { max: c }\n",
            "description: How\nclassification:\n  a: { max: c }\n",
        ] {
            assert_eq!(
                all_told(text),
                [
                    "classification: expected text, found a mapping",
                    "missing field `title`"
                ],
                "{text}"
            );
        }
    }

    #[test]
    fn an_explicit_key_unknown_is_one_error() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Record {
            title: String,
        }
        let text = "title: t\n? x\n: 1\n";
        let file = SourceFile::new("r.yaml", text);
        let errors = parse_all::<Record>(&file, 0..text.len()).unwrap_err();
        let told: Vec<(usize, &str)> = (errors.iter())
            .map(|d| (d.location().unwrap().1, d.message.as_str()))
            .collect();
        assert_eq!(told, [(2, "unknown field `x`")]);
    }

    #[test]
    fn a_comment_where_a_value_was_meant_is_told() {
        let text = concat!(
            "title: x\ntags: #security\nticket:   #4521 \nreason: # to fill in\n",
            "nested:\n  k: #v\nlist: # items\n- a\nlater: #x\n  - b\nsaid: \"#x\"\n",
        );
        let file = SourceFile::new("r.yaml", text);
        let told: Vec<(String, String, String)> = comments_for_values(&file, 0..text.len())
            .into_iter()
            .map(|d| {
                let comment = text[d.span.clone()].to_string();
                (d.message, comment, d.hint.unwrap().to_string())
            })
            .collect();
        let expected = [
            ("tags", "#security"),
            ("ticket", "#4521"),
            ("nested.k", "#v"),
        ];
        let expected: Vec<(String, String, String)> = expected
            .iter()
            .map(|(path, comment)| {
                (
                    format!("`{path}` has no value: `{comment}` after it is a comment to YAML"),
                    comment.to_string(),
                    format!(
                        "`#` after a space starts a comment in YAML; to write text, put it in quotes: \"{comment}\""
                    ),
                )
            })
            .collect();
        assert_eq!(told, expected);
        // A file with no such line is not read again; with one, in a front matter block,
        // the place is in the whole file.
        let page = "---\ntitle: #1\n---\nkey: #text in the page\n";
        let file = SourceFile::new("p.md", page);
        let told = comments_for_values(&file, 4..14);
        assert_eq!(told.len(), 1);
        assert_eq!(&page[told[0].span.clone()], "#1");
    }

    use super::*;

    /// A `&` within a word or between spaces is text: a syntax error near it is not told
    /// as an anchor's.
    #[test]
    fn an_ampersand_in_text_is_not_an_anchor() {
        for text in ["title: R&D", "title: a & b", "title: \"AT&T"] {
            assert_eq!(anchor_at(text), None, "{text}");
        }
        for text in ["title: &a x", "- &item x", "tags: [&t a]", "&top\n"] {
            assert!(anchor_at(text).is_some(), "{text}");
        }
    }
    use crate::model::text::{text, texts, unique_keys};
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        title: String,
        description: Option<String>,
    }

    /// A block scalar (`|`) hides no error after it: it ends where the next key or item
    /// starts, and a stand-in for it goes over its header.
    #[test]
    fn a_block_scalar_hides_no_error_after_it() {
        let told = all_told;
        assert_eq!(
            told("description: |\n  x\nzz: y\n"),
            ["unknown field `zz`", "missing field `title`"]
        );
        let number = |i: usize, found: &str| {
            format!(
                "items[{i}]: expected a whole number from 0 to 4294967295, found the text \"{found}\""
            )
        };
        assert_eq!(
            told("title: t\nitems:\n  - |\n    x\n  - 2\n  - y\n"),
            [number(0, "x\\n"), number(2, "y")]
        );
        assert_eq!(
            told("title: t\nitems:\n  - >-\n    x\n\n  - y\n"),
            [number(0, "x"), number(1, "y")]
        );
    }

    #[test]
    fn unknown_field_names_the_closest_one() {
        let file = SourceFile::new("a.yaml", "title: x\ndescriptoin: y\n");
        let err = parse::<Doc>(&file, 0..file.text.len()).unwrap_err();
        assert_eq!(err.message, "unknown field `descriptoin`");
        assert_eq!(err.hint.as_deref(), Some("did you mean `description`?"));
        assert_eq!(err.location(), Some(("a.yaml".into(), 2, 1)));
        assert_eq!(&file.text[err.span.clone()], "descriptoin");
        // A no-break space typed after a key is shown as what it is.
        let file = SourceFile::new("a.yaml", "title: x\ntitle\u{a0}: y\n");
        let err = parse::<Doc>(&file, 0..file.text.len()).unwrap_err();
        assert_eq!(err.message, "unknown field `title\\u{a0}`");
        assert_eq!(err.hint.as_deref(), Some("did you mean `title`?"));
    }

    #[test]
    fn a_mistake_in_the_text_is_told_before_what_its_values_hold() {
        let told = |text: &str| {
            let file = SourceFile::new("a.yaml", text);
            let err = parse::<Doc>(&file, 0..file.text.len()).unwrap_err();
            let (_, line, column) = err.location().unwrap();
            let shown = file.text[err.span.clone()].to_string();
            let hint = err.hint.unwrap_or_default().to_string();
            (line, column, shown, err.message, hint)
        };
        // serde_yaml meets the key given twice before the tab, which it never tells.
        let (line, column, _, message, _) = told("title: a\ntitle: b\ndescription: c\n\td\n");
        assert_eq!(
            (line, column, message.as_str()),
            (4, 1, "a tab indents this line")
        );
        // An indented first key makes a second document of the keys after it.
        let (line, column, shown, message, hint) = told("  title: a\ndescription: b\n");
        assert_eq!((line, column, shown.as_str()), (1, 1, "  "));
        assert_eq!(
            message,
            "the first key is indented, and the key on line 2 is not"
        );
        assert!(hint.contains("start at the same column"), "{hint}");
        // Brackets that open a text: with more text after them, and alone.
        let (line, column, shown, message, hint) = told("title: [DRAFT] Key \"rotation\"\n");
        assert_eq!((line, column), (1, 8));
        assert_eq!(shown, "[DRAFT] Key \"rotation\"");
        assert_eq!(
            message,
            "a value that starts with `[` is read as a list, and more text follows it"
        );
        assert_eq!(
            hint,
            "to write text, put it in quotes: \"[DRAFT] Key \\\"rotation\\\"\""
        );
        // A list opened and never closed, at its bracket rather than the end of the text.
        // A hashtag, as Obsidian writes tags, starts a comment that hides the `]`.
        let (line, column, shown, message, hint) = told("title: x\ntags: [a, #security, b]\n");
        assert_eq!((line, column, shown.as_str()), (2, 11, "#security"));
        assert_eq!(message, "a value that starts with `#`");
        assert_eq!(
            hint,
            "`#` starts a comment in YAML; to write text, put it in quotes: \"#security\""
        );
        let (line, column, _, message, hint) = told("description: x\ntitle: [\n");
        assert_eq!((line, column), (2, 8));
        assert_eq!(message, "a list that is never closed");
        assert_eq!(hint, "end the list with `]`");
        // libyaml counts a line or paragraph separator as a line break: a quote left open
        // on what it takes for a line past the last was a place past the text's end. In a
        // comment, what follows one is read as keys; elsewhere the places stay ours.
        for separator in ['\u{2028}', '\u{2029}'] {
            let text = format!("r: 'a{separator}b'\ns: \"x\nt: 1\nu: 2\n");
            let (line, column, _, message, _) = syntax_error(&text, 0..text.len());
            assert_eq!(
                (line, column, message.as_str()),
                (2, 4, "a quoted value that is never closed")
            );
            let text = format!("a: 1 # note{separator}title: hidden\n");
            let (line, column, _, message, _) = syntax_error(&text, 0..text.len());
            assert_eq!((line, column), (1, 12));
            assert!(message.contains("in a comment"), "{message}");
        }
        let (.., message, hint) = told("title: {Process}\n");
        assert_eq!(message, "title: expected text, found a mapping");
        assert_eq!(
            hint,
            "a value that starts with `{` is read as a mapping; to write text, put it in \
             quotes: \"{Process}\""
        );
    }

    /// The report of `text` read as any YAML: where, what it underlines, message and hint.
    fn syntax_error(text: &str, range: Range<usize>) -> (usize, usize, String, String, String) {
        let file = SourceFile::new("a.yaml", text);
        let err = parse::<serde_yaml::Value>(&file, range).unwrap_err();
        let (_, line, column) = err.location().unwrap();
        let shown = file.text[err.span.clone()].to_string();
        (
            line,
            column,
            shown,
            err.message,
            err.hint.unwrap_or_default().into(),
        )
    }

    #[test]
    fn syntax_errors_are_told_where_the_mistake_is_with_a_hint() {
        let all = |text: &str| syntax_error(text, 0..text.len());
        // A tab that indents, at the tab, whatever libyaml calls it.
        for text in ["a: 1\n\tb: 2\n", "a:\n\t- x\n", "a:\n  - x\n \t- y\n"] {
            let (line, _, shown, message, hint) = all(text);
            assert_eq!(
                (shown.as_str(), message.as_str()),
                ("\t", "a tab indents this line")
            );
            assert!(hint.contains("spaces only"), "{hint}");
            assert_eq!(line, text.matches('\n').count());
        }
        // A second document, not the marker that may open the first.
        let (line, _, shown, message, _) = all("# c\n---\na: 1\n...\nb: 2\n");
        assert_eq!((line, shown.as_str()), (4, "..."));
        assert_eq!(message, "`...` ends the YAML document, and more follows it");
        // A directive after the document has started, which starts another to libyaml.
        let (line, _, shown, message, hint) = all("a: 1\n%YAML 1.2\nb: 2\n");
        assert_eq!((line, shown.as_str()), (2, "%YAML 1.2"));
        assert!(message.contains("YAML directive"), "{message}");
        assert!(hint.starts_with("remove it"), "{hint}");
        // A quote left open on line 2 that the parser took as closed on line 4, at the
        // quote that opens it.
        let (line, column, shown, message, hint) = all("a: 1\nb: \"x\nc: 2\nd: \"y\"\n");
        assert_eq!((line, column, shown.as_str()), (2, 4, "\"x"));
        assert_eq!(
            message,
            "a quoted value that is not closed on its line: YAML reads it on to the quote on \
             line 4"
        );
        assert_eq!(
            hint,
            "end the value with the quote it starts with, on this line"
        );
        // A quote never closed, at the quote, columns counted in characters.
        let (line, column, shown, message, _) = all("é: 1\nb: 'x\n");
        assert_eq!((line, column, shown.as_str()), (2, 4, "'"));
        assert_eq!(message, "a quoted value that is never closed");
        // A key without its colon, on its own line rather than the next one.
        let (line, _, shown, ..) = all("a: 1\nb 2\nc: 3\n");
        assert_eq!((line, shown.as_str()), (2, "b 2"));
        // A byte-order mark that is not the file's first character, at the mark.
        let (line, column, shown, message, _) = all("a: 1\n\u{feff}b: 2\n");
        assert_eq!((line, column, shown.as_str()), (2, 1, "\u{feff}"));
        assert_eq!(message, "an invisible byte-order mark (U+FEFF) is here");
        // A second at the start of a file, after the file's own is taken off, which starts
        // a document to YAML.
        let (line, column, shown, message, _) = all("\u{feff}a: 1\nb: 2\n");
        assert_eq!((line, column, shown.as_str()), (1, 1, "\u{feff}"));
        assert_eq!(message, "an invisible byte-order mark (U+FEFF) is here");
        // A key too long for YAML is told so, not that it lacks its `:`.
        let long = format!("a: 1\n{}: 2\n", "k".repeat(1100));
        let (line, column, shown, message, _) = all(&long);
        assert_eq!((line, column, shown.len()), (2, 1, 1100));
        assert_eq!(message, "a key longer than 1,024 characters");
        // In a list, and where libyaml says a value may not be.
        for text in [
            format!("a:\n  - {}: 1\n", "k".repeat(1100)),
            format!("a: 1\nb:\n  - x\n  - y\n{}: 2\n", "k".repeat(1100)),
            format!("a:\n  {}: 1\n  - x\n", "k".repeat(1100)),
        ] {
            let (_, _, shown, message, _) = all(&text);
            assert_eq!(message, "a key longer than 1,024 characters", "{text:.20}");
            assert_eq!(shown.len(), 1100, "{text:.20}");
        }
        // A list on its key's line, and a value that starts with a reserved character.
        let (line, .., hint) = all("a: 1\ntags: - x\n");
        assert_eq!(line, 2);
        assert!(
            hint.starts_with("a list's items go on the lines below its key"),
            "{hint}"
        );
        let (line, column, .., hint) = all("a: 1\nowner: @team\n");
        assert_eq!((line, column), (2, 8));
        assert!(hint.starts_with("a value that starts with `@`"), "{hint}");
        // A list left open names the line of its `[`.
        let (.., hint) = all("a: 1\nb: [1, 2\nc: 3\n");
        assert_eq!(hint, "the list opened with `[` on line 2 is never closed");
        // In front matter, lines are the file's.
        let text = "---\ntitle: x\ndescription: \"y\nweight: 1\ntags: \"z\"\n---\n";
        let (line, _, _, message, _) = syntax_error(text, 4..text.len() - 4);
        assert_eq!(line, 3);
        assert!(message.ends_with("the quote on line 5"), "{message}");
        let text = "---\ntitle: x\nweight 1\ntags: [a\nowner: y\n---\n";
        let (line, _, shown, ..) = syntax_error(text, 4..text.len() - 4);
        assert_eq!((line, shown.as_str()), (3, "weight 1"));
        let text = "---\ntitle: x\ntags: [a\nowner: y\n---\n";
        let (.., hint) = syntax_error(text, 4..text.len() - 4);
        assert_eq!(hint, "the list opened with `[` on line 3 is never closed");
    }

    #[test]
    fn a_wrong_number_or_shape_names_what_is_expected_without_rust_types() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Inner {
            a: u32,
        }
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Doc {
            days: Option<u32>,
            share: Option<f64>,
            inner: Option<Inner>,
            tags: Option<Vec<String>>,
            flag: Option<bool>,
            levels: Option<BTreeMap<String, String>>,
        }
        // Each with what to write instead, but a number out of range, whose range is told.
        for (text, message, hint) in [
            (
                "days: -5",
                "days: `-5` is out of range, expected a whole number from 0 to 4294967295",
                None,
            ),
            (
                "days: 99999999999999999999",
                "days: `99999999999999999999` is out of range, expected a whole number from 0 to 4294967295",
                None,
            ),
            (
                "days: 30 days",
                "days: expected a whole number from 0 to 4294967295, found the text \"30 days\"",
                Some("write digits only"),
            ),
            (
                "share: x",
                "share: expected a number, found the text \"x\"",
                Some("write a number, such as `2.5`"),
            ),
            (
                "share: 0x10",
                "share: expected a number in decimal digits, found one in hex or octal",
                Some("write it as `16`"),
            ),
            (
                "share: -1e400",
                "share: the number -1e400 is too large",
                None,
            ),
            (
                "inner: x",
                "inner: expected a mapping of fields, found the text \"x\"",
                Some("write its fields as `name: value`"),
            ),
            (
                "tags: x",
                "tags: expected a list, found the text \"x\"",
                Some("- item"),
            ),
            (
                "tags: 2.5",
                "tags: expected a list, found the number `2.5`",
                Some("- item"),
            ),
            (
                "levels: exception.expired",
                "levels: expected a mapping, found the text \"exception.expired\"",
                Some("write its entries as `key: value`"),
            ),
            (
                "days: 010",
                "days: expected a whole number from 0 to 4294967295, found the text \"010\"",
                Some("without the leading zero, `10`"),
            ),
            (
                "flag: 1",
                "flag: expected a boolean, found the number `1`",
                Some("`true` or `false`"),
            ),
            (
                "days: true",
                "days: expected a whole number from 0 to 4294967295, found the value `true`",
                Some("write digits only"),
            ),
        ] {
            let file = SourceFile::new("a.yaml", text);
            let err = parse::<Doc>(&file, 0..file.text.len()).unwrap_err();
            assert_eq!(err.message, message);
            match hint {
                Some(hint) => assert!(
                    err.hint.as_ref().is_some_and(|h| h.contains(hint)),
                    "{err:?}"
                ),
                None => assert_eq!(err.hint, None, "{text}"),
            }
        }
    }

    #[test]
    fn a_value_is_underlined_without_its_comment_and_a_quoted_one_whole() {
        fn shown(line: &str) -> &str {
            &line[..token_end(line, 0)]
        }
        assert_eq!(shown("smtp://host:99   # the relay"), "smtp://host:99");
        assert_eq!(shown("a#b # c"), "a#b");
        assert_eq!(shown("\"a, b: c # d\" # e"), "\"a, b: c # d\"");
        assert_eq!(shown("\"a \\\" b\", c"), "\"a \\\" b\"");
        assert_eq!(shown("'it''s' # x"), "'it''s'");
        assert_eq!(shown("key: value"), "key");
        // Inside `[..]` a value ends at `,`; in a block it may hold one, and brackets.
        let line = "times: [10:00, 11:00]";
        assert_eq!(&line[8..token_end(line, 8)], "10:00");
        let line = "levels: a, b [c] # d";
        assert_eq!(&line[8..token_end(line, 8)], "a, b [c]");
        let line = "x: {a: ['don''t', \"]\"], b: 1} # c";
        assert_eq!(&line[3..token_end(line, 3)], "{a: ['don''t', \"]\"], b: 1}");
        assert_eq!(&line[8..token_end(line, 8)], "'don''t'");
    }

    #[test]
    fn a_mapping_given_for_a_value_of_a_fixed_set_asks_for_one_value() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        enum Level {
            Low,
        }
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Doc {
            level: Level,
        }
        let file = SourceFile::new("a.yaml", "level: {a: 1}\n");
        let err = parse::<Doc>(&file, 0..file.text.len()).unwrap_err();
        assert_eq!(
            err.message,
            "level: expected a single value, found a mapping"
        );
        assert!(err.hint.is_some());
    }

    #[test]
    fn errors_in_a_sub_range_point_into_the_whole_file() {
        let file = SourceFile::new("p.md", "---\ntitle: [x\n---\nbody\n");
        let err = parse::<Doc>(&file, 4..14).unwrap_err();
        assert_eq!(err.location().map(|l| l.1), Some(2));
    }

    #[test]
    fn deep_flow_nesting_is_refused_before_parsing() {
        let file = SourceFile::new("a.yaml", format!("title: {}", "[".repeat(100_000)));
        let err = parse::<Doc>(&file, 0..file.text.len()).unwrap_err();
        assert!(
            err.message.contains("nested more than 64"),
            "{}",
            err.message
        );
        assert!(err.render().len() < 2_000, "the report stays short");
        let ok = SourceFile::new("b.yaml", "title: \"[[[[\" # {{{{\n");
        assert!(parse::<Doc>(&ok, 0..ok.text.len()).is_ok());

        // Read as YAML's scanner reads them, which a deeper nesting would take quadratic
        // time: an apostrophe in prose opens no quoted value that would hide the brackets
        // after it, nor does a quote that starts a line of a block scalar; the block
        // scalar's own brackets are its text.
        let deep = "[".repeat(MAX_FLOW_DEPTH + 1);
        for refused in [
            format!("summary: the vendor's fix\nextra: {deep}\n"),
            format!("summary: |\n  'quoted prose\n- key: |\n    \"x\n  other: {deep}\n"),
            format!("title: \"a \\\" [\"\nextra: {deep}\n"),
        ] {
            assert!(too_deep(&refused).is_some(), "{refused}");
        }
        for read in [
            format!("summary: |\n  {deep}\n  it's {deep}\ntitle: x\n"),
            format!("- >-\n   {deep}\n- 'a [' # {deep}\n"),
        ] {
            assert_eq!(too_deep(&read), None, "{read}");
        }
    }

    #[test]
    fn an_error_without_a_place_points_at_the_value_after_a_leading_comment() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Dated {
            title: String,
            created: crate::model::date::Date,
        }
        let file = SourceFile::new("a.yaml", "# note\ntitle: x\ncreated: 2026-13-01\n");
        let err = parse::<Dated>(&file, 0..file.text.len()).unwrap_err();
        assert_eq!(&file.text[err.span.clone()], "2026-13-01");
    }

    /// Where `text` fails to load as `T`: line, column, the text underlined, the message.
    fn fails<T: DeserializeOwned>(text: &str) -> (usize, usize, String, String) {
        let file = SourceFile::new("a.yaml", text);
        let Err(err) = parse::<T>(&file, 0..file.text.len()) else {
            panic!("{text:?} loaded");
        };
        let (_, line, col) = err.location().unwrap();
        (
            line,
            col,
            file.text[err.span.clone()].to_string(),
            err.message,
        )
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Required {
        #[serde(deserialize_with = "text")]
        title: String,
        #[serde(default)]
        note: Option<String>,
        #[serde(default, deserialize_with = "texts")]
        tags: Vec<String>,
        #[serde(default)]
        items: Vec<Required>,
        #[serde(default, deserialize_with = "unique_keys")]
        map: BTreeMap<String, u32>,
    }

    #[test]
    fn a_key_given_twice_is_reported_at_the_second() {
        let (line, col, shown, message) = fails::<Required>("title: x\nnote: a\ntitle: y\n");
        assert_eq!((line, col, shown.as_str()), (3, 1, "title"));
        assert_eq!(message, "duplicate key `title`");
        let (line, col, _, message) =
            fails::<Required>("title: x\nitems:\n  - title: a\n    title: b\n");
        assert_eq!((line, col), (4, 5));
        assert_eq!(message, "duplicate key `items[0].title`");
        // A map keeps no duplicate either, where serde would keep the last value.
        let (line, col, _, message) = fails::<Required>("title: x\nmap:\n  a: 1\n  a: 2\n");
        assert_eq!(
            (line, col, message.as_str()),
            (4, 3, "duplicate key `map.a`")
        );
    }

    #[test]
    fn a_required_text_refuses_null_and_white_space_at_the_field() {
        for (text, at) in [
            ("note: n\ntitle: null\n", (2, 8, "null")),
            ("title: null\nnote: n\n", (1, 8, "null")),
            ("note: n\ntitle: ~\n", (2, 8, "~")),
            ("note: n\ntitle:\n", (2, 1, "title")),
            ("note: n\ntitle: '  '\n", (2, 8, "'  '")),
        ] {
            let (line, col, shown, message) = fails::<Required>(text);
            assert_eq!((line, col, shown.as_str()), at, "{text:?}");
            assert!(message.starts_with("`title` "), "{message}");
        }
        let (line, col, shown, message) = fails::<Required>("title: x\ntags: [a, null]\n");
        assert_eq!((line, col, shown.as_str()), (2, 11, "null"));
        assert_eq!(message, "`tags[1]` has no value");
        let (line, col, _, message) =
            fails::<Required>("title: x\nitems:\n  - note: a\n    title:\n");
        assert_eq!((line, col), (4, 5));
        assert_eq!(message, "`items[0].title` has no value");
        // A value that starts with `#` is a comment, and the field has none.
        let file = SourceFile::new("a.yaml", "note: n\ntitle: #1 priority\n");
        let err = parse::<Required>(&file, 0..file.text.len()).unwrap_err();
        assert_eq!(err.message, "`title` has no value");
        assert_eq!(
            err.hint.as_deref(),
            Some(
                "`#` after a space starts a comment in YAML; to write text, put it in quotes: \
                 \"#1 priority\""
            )
        );
        // The text "null", quoted, is a text; an optional field takes null as no value.
        let file = SourceFile::new("a.yaml", "title: 'null'\nnote: null\n");
        let loaded: Required = parse(&file, 0..file.text.len()).unwrap();
        assert_eq!((loaded.title.as_str(), loaded.note), ("null", None));
    }

    #[test]
    fn control_characters_are_refused_where_they_are_written() {
        let (line, col, _, message) = fails::<Required>("note: n\ntitle: a\u{1b}]0;x\u{7}\n");
        assert_eq!((line, col), (2, 9));
        assert_eq!(message, "control character U+001B is not allowed");
        let (line, col, _, _) = fails::<Required>("note: é\u{85}\ntitle: x\n");
        assert_eq!(
            (line, col),
            (1, 8),
            "U+0085, a line break to YAML, is refused too"
        );
        let (line, col, _, message) = fails::<Required>("note: n\rtitle: x\n");
        assert_eq!((line, col), (1, 8));
        assert!(message.contains("carriage return"), "{message}");
        // Escapes in a double-quoted string: the escape is underlined.
        let (line, col, shown, message) =
            fails::<Required>("title: x\ntags:\n  - \"ok\\t\\u00e9\\x1b]0;pwned\\a\"\n");
        assert_eq!((line, col, shown.as_str()), (3, 16, "\\x1b"));
        assert!(message.contains("U+001B"), "{message}");
        let (_, _, shown, _) = fails::<Required>("title: \"\\u202e\\f\"\n");
        assert_eq!(shown, "\\f");
        let (_, col, shown, _) = fails::<Required>("title: \"a\\r\\nb\\rc\"\n");
        assert_eq!((col, shown.as_str()), (15, "\\r"), "a CR that ends no line");
        // Tabs, newlines and line ends written CR LF are text.
        let file = SourceFile::new(
            "a.yaml",
            "title: \"a\\tb\\r\\nc\"\r\nnote: |\r\n  x\r\n  y\r\n",
        );
        let loaded: Required = parse(&file, 0..file.text.len()).unwrap();
        assert_eq!(loaded.title, "a\tb\r\nc");
        assert_eq!(loaded.note.as_deref(), Some("x\ny\n"));
    }

    /// The scan of bytes finds what a scan of characters would: every control character
    /// but tab, line feed and a carriage return before one, and every noncharacter, after
    /// text of any width.
    #[test]
    fn refused_in_text_finds_each_control_character_and_noncharacter() {
        let ends = [0xFFF0, 0x1FFF0, 0xEFFF0, 0x10FFF0].map(|at| at..at + 0x10);
        let near = [0..0x300, 0xFDC0..0xFE00].into_iter().chain(ends);
        for c in near.flatten().filter_map(char::from_u32) {
            for before in ["", "a", "é", "€", "\u{1F600}", "\u{FEFF}"] {
                let text = format!("{before}{c}\u{A0}x");
                let control = c.is_control() && !matches!(c, '\t' | '\n');
                let refused = control || is_noncharacter(c);
                let expected = refused.then_some((before.len(), c));
                assert_eq!(refused_in_text(&text), expected, "{text:?}");
            }
        }
        assert_eq!(refused_in_text("a\r\nb"), None);
    }

    #[test]
    fn a_reader_error_points_at_its_byte_position() {
        let (line, col, _, message) = fails::<Required>("note: é\ntitle: a\u{fffe}\n");
        assert_eq!((line, col), (2, 9));
        assert!(!message.contains("position"), "{message}");
    }

    #[test]
    fn a_lenient_load_reports_every_entry_and_keeps_the_rest() {
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Settings {
            #[serde(default)]
            a: u32,
            #[serde(default)]
            b: u32,
            #[serde(default)]
            c: Vec<u32>,
        }
        let file = SourceFile::new("h.yaml", "a: x\nb: 2\nz: 1\nc:\n  - 1\n  - y\nb: 3\n");
        let (settings, diags) = parse_lenient::<Settings>(&file);
        let settings = settings.unwrap();
        assert_eq!((settings.a, settings.b, settings.c.len()), (0, 2, 0));
        let places: Vec<_> = diags.iter().map(|d| d.location().unwrap().1).collect();
        assert_eq!(places, [1, 3, 6, 7], "{diags:?}");
        // Past MAX_ENTRIES keys, the rest is reported once, not key by key.
        let many: String = (0..1000).map(|i| format!("k{i}: 1\n")).collect();
        let file = SourceFile::new("h.yaml", format!("a: 1\n{many}"));
        let (settings, diags) = parse_lenient::<Settings>(&file);
        assert_eq!(settings.map(|s| s.a), Some(1));
        assert_eq!(diags.len(), MAX_ENTRIES);
        assert!(
            diags[MAX_ENTRIES - 1]
                .message
                .contains("1001 top-level keys")
        );
        // A syntax error leaves out its entry and what follows it.
        let file = SourceFile::new("h.yaml", "b: 2\na: [1\nc: []\n");
        let (settings, diags) = parse_lenient::<Settings>(&file);
        assert_eq!(settings.map(|s| s.b), Some(2));
        assert_eq!(diags.len(), 1);
    }

    /// The entries of a flow mapping are set aside one at a time, each with the comma after
    /// it, as a block mapping's are: every error in one is told in one run, in a record
    /// and in a section of handbook.yaml.
    #[test]
    fn every_error_of_a_flow_mapping_is_told() {
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Item {
            #[serde(deserialize_with = "text")]
            name: String,
            date: crate::model::date::Date,
            count: u32,
        }
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Record {
            items: Vec<Item>,
        }
        let text = "items:\n  - {name: a, date: 2026-01-40, count: red, hat: 1}\n  - { date: x,\n      name: b, count: 2 }\n";
        let file = SourceFile::new("r.yaml", text);
        let errors = parse_all::<Record>(&file, 0..text.len()).unwrap_err();
        let told: Vec<(usize, usize, &str)> = (errors.iter())
            .map(|d| {
                let (_, line, column) = d.location().unwrap();
                (line, column, d.message.as_str())
            })
            .collect();
        let date = "expected a real date written YYYY-MM-DD";
        assert_eq!(
            told,
            [
                (
                    2,
                    21,
                    &*format!(
                        "items[0].date: invalid date `2026-01-40` (January 2026 has 31 days): {date}"
                    )
                ),
                (
                    2,
                    40,
                    "items[0].count: expected a whole number from 0 to 4294967295, found the text \"red\""
                ),
                (2, 45, "items[0]: unknown field `hat`"),
                (3, 13, &format!("items[1].date: invalid date `x`: {date}")),
            ],
            "{errors:#?}"
        );
        #[derive(Debug, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Section {
            #[serde(default)]
            a: u32,
            #[serde(default)]
            b: u32,
        }
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Settings {
            #[serde(default)]
            s: Section,
        }
        let file = Arc::new(SourceFile::new("h.yaml", "s: {a: x, c: 1, b: y}\n"));
        let (_, diags) = parse_lenient::<Settings>(&file);
        let told: Vec<(usize, &str)> = (diags.iter())
            .map(|d| {
                (
                    d.location().unwrap().2,
                    d.message.split(':').next().unwrap(),
                )
            })
            .collect();
        assert_eq!(told, [(8, "s.a"), (11, "s"), (20, "s.b")], "{diags:#?}");
    }

    #[test]
    fn every_error_of_a_document_is_told_once_and_no_consequence_of_one() {
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields, rename_all = "lowercase")]
        enum Kind {
            Extension,
        }
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Item {
            #[serde(deserialize_with = "text")]
            name: String,
            date: crate::model::date::Date,
        }
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Record {
            #[serde(deserialize_with = "text")]
            title: String,
            kind: Kind,
            count: u32,
            created: crate::model::date::Date,
            #[serde(default)]
            items: Vec<Item>,
        }
        let text = "title:
kind: other # c
cuont: red
items:
  - date: 2026-01-40
    name: a
  - date: 2026-01-01
  - name: c
    date: x
    hat: 1
";
        let file = SourceFile::new("r.yaml", text);
        let errors = parse_all::<Record>(&file, 0..text.len()).unwrap_err();
        let told: Vec<(usize, String)> = (errors.iter())
            .map(|d| (d.location().unwrap().1, d.message.clone()))
            .collect();
        let told: Vec<(usize, &str)> = told.iter().map(|(l, m)| (*l, m.as_str())).collect();
        // `title` and `kind`, set aside, are not missing, nor `count`, which `cuont` is
        // told to be a misspelling of; `created` is, and is told where the document starts.
        assert_eq!(
            told,
            [
                (1, "`title` has no value"),
                (2, "kind: unknown value `other`"),
                (3, "unknown field `cuont`"),
                (
                    5,
                    "items[0].date: invalid date `2026-01-40` (January 2026 has 31 days): expected a real date written YYYY-MM-DD"
                ),
                (7, "items[1]: missing field `name`"),
                (
                    9,
                    "items[2].date: invalid date `x`: expected a real date written YYYY-MM-DD"
                ),
                (10, "items[2]: unknown field `hat`"),
                (1, "missing field `created`"),
            ],
            "{errors:#?}"
        );
        // The first is the one `parse` tells.
        let first = parse::<Record>(&file, 0..text.len()).unwrap_err();
        assert_eq!(
            (&first.message, &first.span),
            (&errors[0].message, &errors[0].span)
        );
        assert_eq!(errors[2].hint.as_deref(), Some("did you mean `count`?"));
        assert_eq!(&text[errors[7].span.clone()], "title");
        // A list at the top: an error in one item hides none in the next.
        let text = "- date: 2026-01-01
- name: b
  date: 2026-02-30
  hat: 1
";
        let file = SourceFile::new("p.yaml", text);
        let errors = parse_all::<Vec<Item>>(&file, 0..text.len()).unwrap_err();
        let lines: Vec<usize> = errors.iter().map(|d| d.location().unwrap().1).collect();
        assert_eq!(lines, [1, 3, 4], "{errors:#?}");
        // Where it stops looking, it says so: after MAX_ERRORS, or with its budget spent.
        let stopped = |errors: &[Diagnostic]| {
            errors
                .iter()
                .filter(|d| d.message.starts_with("secbook stopped looking"))
                .count()
        };
        assert_eq!(stopped(&errors), 0);
        let text = "- name: a\n  date: 2026-02-30\n".repeat(MAX_ERRORS + 6);
        let file = SourceFile::new("p.yaml", text.as_str());
        let errors = parse_all::<Vec<Item>>(&file, 0..text.len()).unwrap_err();
        assert_eq!(crate::diagnostics::errors(&errors), MAX_ERRORS);
        assert_eq!(stopped(&errors), 1, "{:#?}", errors.last());
        let text = format!(
            "{}- name: a\n  date: 2026-02-30\n- name: b\n  date: 2026-02-31\n",
            "- name: a\n  date: 2026-01-01\n".repeat(DRAFT_BYTES / 60)
        );
        let file = SourceFile::new("p.yaml", text.as_str());
        let errors = parse_all::<Vec<Item>>(&file, 0..text.len()).unwrap_err();
        assert_eq!(crate::diagnostics::errors(&errors), 1);
        assert_eq!(stopped(&errors), 1);
    }

    #[test]
    fn every_bad_item_of_a_list_is_told_once_at_its_place() {
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Approval {
            #[serde(deserialize_with = "text")]
            name: String,
            decision: crate::model::vocab::Decision,
            date: Option<crate::model::date::Date>,
        }
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Record {
            #[serde(default, deserialize_with = "texts")]
            tickets: Vec<String>,
            #[serde(default)]
            dates: Vec<crate::model::date::Date>,
            #[serde(default)]
            approvals: Vec<Approval>,
            #[serde(default)]
            count: u32,
        }
        let told = |text: &str| -> Vec<String> {
            let file = SourceFile::new("r.yaml", text);
            let errors = parse_all::<Record>(&file, 0..text.len()).unwrap_err();
            (errors.iter())
                .map(|d| {
                    let (_, line, column) = d.location().unwrap();
                    format!("{line}:{column} {}", d.message)
                })
                .collect()
        };
        // An item set aside is given a stand-in, not blanked with its list: each bad item
        // is told, and no item or list after it is told missing or null.
        assert_eq!(
            told("tickets:\n  - [a]\n  - {b: 1}\n  - ok\n  - [c]\ncount: x\n"),
            [
                "2:5 tickets[0]: expected text, found a list",
                "3:5 tickets[1]: expected text, found a mapping",
                "5:5 tickets[3]: expected text, found a list",
                "6:8 count: expected a whole number from 0 to 4294967295, found the text \"x\"",
            ]
        );
        assert_eq!(
            told("tickets:\n  - ~\n  -\n  - [c]\n"),
            [
                "2:5 `tickets[0]` has no value",
                "3:4 `tickets[1]` has no value",
                "4:5 tickets[2]: expected text, found a list",
            ]
        );
        assert_eq!(
            told("tickets:\n  - a\n  -\ncount: x\n"),
            [
                "3:4 `tickets[1]` has no value",
                "4:8 count: expected a whole number from 0 to 4294967295, found the text \"x\"",
            ]
        );
        // In a flow list too; a stand-in longer than its item pushes the line along, and
        // what is told after it on that line is still at its own column.
        let date = "expected a real date written YYYY-MM-DD";
        assert_eq!(
            told("dates: [5, x, 2020-02-30]\n"),
            [
                format!("1:9 dates[0]: invalid date `5`: {date}"),
                format!("1:12 dates[1]: invalid date `x`: {date}"),
                format!(
                    "1:15 dates[2]: invalid date `2020-02-30` (February 2020 has 29 days): {date}"
                ),
            ]
        );
        // The bad values of several items, and of one item, are each told.
        let approvals = "approvals:
  - name: a
    decision: approved
    date: 2025-13-40
  - name: b
    decision: maybe
    date: 2025-02-30
";
        assert_eq!(
            told(approvals),
            [
                format!(
                    "4:11 approvals[0].date: invalid date `2025-13-40` (a month is 01 to 12): {date}"
                ),
                "6:15 approvals[1].decision: unknown value `maybe`".to_string(),
                format!(
                    "7:11 approvals[1].date: invalid date `2025-02-30` (February 2025 has 28 days): {date}"
                ),
            ]
        );
        // A list of mappings: an item that is no mapping, or is empty, is told once and
        // given a mapping whose fields are not told missing; an item whose one entry is
        // bad keeps its place, and the fields it lacks are told. No item hides the ones
        // after it.
        let approvals = "approvals:
  - 5
  - name: a
    decision: maybe
  - # nothing yet
  - date: x
  - {name: b, decision: approved, date: 2025-02-30}
  - name: c
    decision: nope
";
        assert_eq!(
            told(approvals),
            [
                "2:5 approvals[0]: expected a mapping of fields, found the number `5`".to_string(),
                "4:15 approvals[1].decision: unknown value `maybe`".to_string(),
                "5:4 approvals[2]: missing field `name`".to_string(),
                format!("6:11 approvals[3].date: invalid date `x`: {date}"),
                "6:5 approvals[3]: missing field `name`".to_string(),
                "6:5 approvals[3]: missing field `decision`".to_string(),
                format!(
                    "7:41 approvals[4].date: invalid date `2025-02-30` (February 2025 has 28 days): {date}"
                ),
                "9:15 approvals[5].decision: unknown value `nope`".to_string(),
            ]
        );
    }

    #[test]
    fn locate_finds_nested_keys_and_items() {
        let text = "id: a\napprovals:\n  - name: Ann\n    level: vp\n";
        let place = locate_text(
            text,
            &[Seg::Key("approvals"), Seg::Index(0), Seg::Key("level")],
        )
        .unwrap();
        assert_eq!(&text[place.key], "level");
        assert_eq!(&text[place.value], "vp");
    }

    #[test]
    fn locate_item_keys_gives_the_key_or_the_item_of_each_asked() {
        let text = "id: a\napprovals:\n  - name: Ann\n    side: x\n  - plain\n  - side: y\n    name: [b]\n  - side: z\n    name: \"Bé\"\nafter: {name: no}\n";
        let found = locate_item_keys(text, &[Seg::Key("approvals")], "name", &[0, 0, 1, 2, 3, 4]);
        let shown: Vec<Option<&str>> = found.iter().map(|r| r.clone().map(|r| &text[r])).collect();
        assert_eq!(
            shown,
            [
                Some("Ann"),
                Some("Ann"),
                Some("plain"),
                Some(""),
                Some("\"Bé\""),
                None
            ]
        );
        for (i, place) in found.iter().enumerate().take(5) {
            let want = [0, 0, 1, 2, 3][i];
            let name = locate_text(
                text,
                &[Seg::Key("approvals"), Seg::Index(want), Seg::Key("name")],
            );
            let item = locate_text(text, &[Seg::Key("approvals"), Seg::Index(want)]);
            let expected = match name {
                Some(p) if want != 2 => p.value,
                _ => item.unwrap().value,
            };
            assert_eq!(place.clone(), Some(expected), "item {want}");
        }
        assert_eq!(
            locate_item_keys(text, &[Seg::Key("id")], "name", &[0]),
            [None]
        );
        assert_eq!(
            locate_item_keys(text, &[Seg::Key("gone")], "name", &[0]),
            [None]
        );
    }

    #[test]
    fn locate_counts_bytes_not_characters() {
        let text = "title: é\nid: x\n";
        let place = locate_text(text, &[Seg::Key("id")]).unwrap();
        assert_eq!(&text[place.value], "x");
    }

    /// Once a file has had a few lookups, the rest walk its outline: each finds what
    /// reading the text to the field finds, or nothing where that finds nothing.
    #[test]
    fn the_outline_finds_what_reading_to_the_field_finds() {
        let text = "id: é\nk: 1\nk: 2\napprovals:\n  - {name: Ann, level: vp}\n  - plain\n  - [a, b]\n\
                    ? [complex]\n: v\nrelated:\n  exceptions: [A, B]\nempty:\nlast: x\n";
        let file = SourceFile::new("r.yaml", text);
        let paths: Vec<Vec<Seg>> = vec![
            vec![],
            vec![Seg::Key("id")],
            vec![Seg::Key("k")],
            vec![Seg::Key("approvals")],
            vec![Seg::Key("approvals"), Seg::Index(0), Seg::Key("level")],
            vec![Seg::Key("approvals"), Seg::Index(1)],
            vec![Seg::Key("approvals"), Seg::Index(2), Seg::Index(1)],
            vec![Seg::Key("approvals"), Seg::Index(3)],
            vec![Seg::Key("approvals"), Seg::Key("name")],
            vec![Seg::Key("related"), Seg::Key("exceptions"), Seg::Index(1)],
            vec![Seg::Key("related"), Seg::Index(0)],
            vec![Seg::Key("empty")],
            vec![Seg::Key("last")],
            vec![Seg::Key("gone")],
            vec![Seg::Key("id"), Seg::Key("x")],
        ];
        let outline = outline(read_tree(text).unwrap());
        for path in &paths {
            let read = locate_text(text, path);
            assert_eq!(outline_place(&outline, path), read, "{path:?}");
        }
        // Through the file: the first lookups read to the field, the rest its outline.
        for _ in 0..2 {
            for path in &paths {
                assert_eq!(locate(&file, path), locate_text(text, path), "{path:?}");
            }
        }
        assert_eq!(
            locate(&file, &[Seg::Key("k")]).map(|p| &text[p.value]),
            Some("1")
        );
    }
}
