//! All YAML parsing goes through here.
//!
//! Typed loading uses serde_yaml, whose errors carry a line and column. Checks that run after
//! loading (dates out of order, unknown ids) need the place of a field too; serde_yaml keeps
//! no spans, so [`locate`] finds a field by re-reading the text with saphyr-parser's event
//! stream. That only happens when there is something to report, so valid input pays nothing.

use std::ops::Range;
use std::sync::Arc;

use saphyr_parser::{Event, Parser, Span};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::diagnostics::{Diagnostic, SourceFile, closest};

/// Deserialises the part `range` of `file` (the whole file, or a front matter block).
pub fn parse<T: DeserializeOwned>(
    file: &Arc<SourceFile>,
    range: Range<usize>,
) -> Result<T, Diagnostic> {
    let text = &file.text[range.clone()];
    if let Some(at) = too_deep(text) {
        let at = range.start + at;
        return Err(Diagnostic::error(format!(
            "values are nested more than {MAX_FLOW_DEPTH} levels deep"
        ))
        .at(file, at..at + 1)
        .with_hint("a handbook never needs this much nesting; is the file damaged?"));
    }
    if let Some(refused) = might_refuse(text).then(|| refuse(text)).flatten() {
        let at = range.start + refused.at;
        return Err(Diagnostic::error(refused.message)
            .at(file, at..token_end(&file.text, at))
            .with_hint(refused.hint));
    }
    serde_yaml::from_str(text).map_err(|err| {
        let (message, hint) = explain(&err.to_string());
        // Errors raised by our own deserialisers (a bad date) carry no place, or the start
        // of the document; they quote the value they refused, so find that value instead.
        let by_value = || {
            let value = quoted(&message)?;
            find_scalar(text, value).map(|r| range.start + r.start..range.start + r.end)
        };
        let span = match err
            .location()
            .filter(|l| !at_document_start(text, offset_in(text, l.line(), l.column())))
        {
            Some(loc) => {
                let offset = range.start + offset_in(text, loc.line(), loc.column());
                offset..token_end(&file.text, offset)
            }
            None => by_value().unwrap_or_else(|| {
                let offset = range.start
                    + err
                        .location()
                        .map_or(0, |l| offset_in(text, l.line(), l.column()));
                offset..token_end(&file.text, offset)
            }),
        };
        let diag = Diagnostic::error(message).at(file, span);
        match hint {
            Some(hint) => diag.with_hint(hint),
            None => diag,
        }
    })
}

/// How deep `[` and `{` may nest. The YAML scanner slows down sharply on deep flow
/// nesting, so such input is refused before it reaches the parser. Values nested in block
/// style are held to the same depth by [`refuse`].
const MAX_FLOW_DEPTH: usize = 64;

/// Why [`refuse`] turned a text down, and where.
struct Refused {
    at: usize,
    message: String,
    hint: &'static str,
}

/// Whether [`refuse`] could find anything: a text with no `&` or `*` has no anchor or
/// alias, and one where no line opens with as many indents and block indicators (`- - -`,
/// `? ?`) as the depth limit nests no deeper in block style (flow nesting is
/// [`too_deep`]'s). Most records pass, and are read once, not twice.
fn might_refuse(text: &str) -> bool {
    text.contains(['&', '*'])
        || text
            .lines()
            .any(|l| l.len() - l.trim_start_matches([' ', '\t', '-', '?']).len() >= MAX_FLOW_DEPTH)
}

/// Reads the event stream once, before typed loading, for what typed loading must not
/// meet: values nested deeper than [`MAX_FLOW_DEPTH`] in block style (`- - - x`, which the
/// text scan of [`too_deep`] does not see), and aliases. serde_yaml expands an alias by
/// replaying what its anchor names, so a few kilobytes of `*a` naming a large value would
/// take gigabytes ("billion laughs"); a handbook has no use for them, so they are refused.
/// When this parser finds a syntax error, serde_yaml reports it in its own words; but a
/// text that defines an anchor (`&`) is refused here, since an alias after the point where
/// this parser stopped would go unchecked.
fn refuse(text: &str) -> Option<Refused> {
    // saphyr's markers count characters.
    let chars = CharOffsets::new(text);
    let byte = |index: usize| chars.byte(index);
    let mut parser = Parser::new_from_str(text);
    let mut depth = 0usize;
    while let Some(next) = parser.next_event() {
        match next {
            Ok((Event::SequenceStart(..) | Event::MappingStart(..), span)) => {
                depth += 1;
                if depth > MAX_FLOW_DEPTH {
                    return Some(Refused {
                        at: byte(span.start.index()),
                        message: format!(
                            "values are nested more than {MAX_FLOW_DEPTH} levels deep"
                        ),
                        hint: "a handbook never needs this much nesting; is the file damaged?",
                    });
                }
            }
            Ok((Event::SequenceEnd | Event::MappingEnd, _)) => depth = depth.saturating_sub(1),
            Ok((Event::Alias(_), span)) => {
                return Some(Refused {
                    at: byte(span.start.index()),
                    message: "YAML aliases (`*name`) are not allowed in a handbook".into(),
                    hint: "write the value out in full where it is needed",
                });
            }
            Ok(_) => {}
            Err(err) if text.contains('&') => {
                return Some(Refused {
                    at: byte(err.marker().index()),
                    message: format!("this is not valid YAML: {}", err.info()),
                    hint: "YAML anchors (`&name`) and aliases (`*name`) are not allowed in a handbook; \
                           is one written here?",
                });
            }
            Err(_) => return None,
        }
    }
    None
}

/// Where flow collections first nest deeper than [`MAX_FLOW_DEPTH`], if they do. Quoted
/// strings and comments are skipped; block scalars may hold brackets, so this may refuse
/// text that is only prose, but only at a depth no real record reaches.
fn too_deep(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut comment = false;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match (quote, b) {
            _ if comment => comment = b != b'\n',
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'#') if i == 0 || bytes[i - 1].is_ascii_whitespace() => comment = true,
            (None, b'[' | b'{') => {
                depth += 1;
                if depth > MAX_FLOW_DEPTH {
                    return Some(i);
                }
            }
            (None, b']' | b'}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Whether only blank lines, comments and `---` come before `offset`: where serde_yaml
/// places errors that have no place of their own.
fn at_document_start(text: &str, offset: usize) -> bool {
    text[..offset.min(text.len())].lines().all(|l| {
        let l = l.trim();
        l.is_empty() || l.starts_with('#') || l == "---"
    })
}

/// Byte offset of a 1-based line and 1-based character column in `text`.
fn offset_in(text: &str, line: usize, col: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let rest = &text[line_start.min(text.len())..];
    let line_text = rest.split('\n').next().unwrap_or("");
    line_start
        + line_text
            .char_indices()
            .nth(col.saturating_sub(1))
            .map_or(line_text.len(), |(i, _)| i)
}

/// End of the word that starts at `offset`, so the report underlines a key or value.
fn token_end(text: &str, offset: usize) -> usize {
    let rest = text.get(offset..).unwrap_or("");
    let line = rest.split('\n').next().unwrap_or("");
    // A key ends at `: `; a value inside `[..]` or `{..}` at the next separator. A time
    // such as 10:00 keeps its colon.
    let len = [line.find(": "), line.find(['{', '}', '[', ']', ','])]
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

/// The first value quoted in backticks in a message.
fn quoted(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(&message[start..start + len])
}

/// Turns serde's message into ours: no "at line" suffix (the header says where), and a
/// hint naming the closest known field or value.
fn explain(raw: &str) -> (String, Option<String>) {
    let message = match raw.find(" at line ") {
        Some(i) => &raw[..i],
        None => raw,
    };
    for (what, noun) in [("unknown field `", "field"), ("unknown variant `", "value")] {
        let Some(start) = message.find(what) else {
            continue;
        };
        let after = &message[start + what.len()..];
        let Some(end) = after.find('`') else { continue };
        let unknown = &after[..end];
        let expected: Vec<&str> = after[end + 1..]
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|s| !s.is_empty())
            .collect();
        let prefix = &message[..start];
        let text = format!("{prefix}unknown {noun} `{unknown}`");
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
    (message.to_string(), None)
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

/// The span of the first scalar whose value is `value`.
fn find_scalar(text: &str, value: &str) -> Option<Range<usize>> {
    fn walk<'n>(node: &'n Node, value: &str) -> Option<&'n Node> {
        match &node.kind {
            Kind::Scalar(s) if s == value => Some(node),
            Kind::Seq(items) => items.iter().find_map(|n| walk(n, value)),
            Kind::Map(entries) => entries.iter().find_map(|(_, v)| walk(v, value)),
            _ => None,
        }
    }
    let root = read_tree(text)?;
    walk(&root, value).map(|n| n.span.clone())
}

/// Parses `text` into a tree of nodes with their spans.
fn read_tree(text: &str) -> Option<Node> {
    let chars = CharOffsets::new(text);
    let mut parser = Parser::new_from_str(text);
    while let Some(Ok((event, span))) = parser.next_event() {
        if !matches!(event, Event::StreamStart | Event::DocumentStart(_)) {
            return Node::read(event, span, &mut parser, &chars, 0);
        }
    }
    None
}

/// Finds a field by its path, for reports about a loaded value.
pub fn locate(text: &str, path: &[Seg]) -> Option<Place> {
    // Walks the event stream and stops at the field, skipping what lies before it: most
    // lookups are for a key near the top of a record, and build no tree.
    let chars = CharOffsets::new(text);
    let mut parser = Parser::new_from_str(text);
    let mut next = move || parser.next_event()?.ok();
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
                        skip(&mut next, other)?;
                        let (value, _) = next()?;
                        skip(&mut next, value)?;
                    }
                }
            },
            (Seg::Index(i), Event::SequenceStart(..)) => {
                for _ in 0..*i {
                    match next()? {
                        (Event::SequenceEnd, _) => return None,
                        (item, _) => skip(&mut next, item)?,
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
    Some(place)
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
        chars: &CharOffsets,
        depth: usize,
    ) -> Option<Node> {
        // This recurses once per level: a text nested deeper than any handbook is (which
        // `parse` refuses) gives no tree rather than overflow the stack.
        if depth > MAX_FLOW_DEPTH {
            return None;
        }
        let start = chars.range(span);
        let kind = match event {
            Event::Scalar(value, ..) => Kind::Scalar(value.into_owned()),
            Event::SequenceStart(..) => {
                let mut items = Vec::new();
                loop {
                    let (event, span) = parser.next_event()?.ok()?;
                    if matches!(event, Event::SequenceEnd) {
                        break;
                    }
                    items.push(Node::read(event, span, parser, chars, depth + 1)?);
                }
                Kind::Seq(items)
            }
            Event::MappingStart(..) => {
                let mut entries = Vec::new();
                loop {
                    let (event, span) = parser.next_event()?.ok()?;
                    if matches!(event, Event::MappingEnd) {
                        break;
                    }
                    let key = Node::read(event, span, parser, chars, depth + 1)?;
                    let (event, span) = parser.next_event()?.ok()?;
                    let value = Node::read(event, span, parser, chars, depth + 1)?;
                    entries.push((key, value));
                }
                Kind::Map(entries)
            }
            _ => Kind::Other,
        };
        Some(Node { span: start, kind })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        title: String,
        description: Option<String>,
    }

    #[test]
    fn unknown_field_names_the_closest_one() {
        let file = SourceFile::new("a.yaml", "title: x\ndescriptoin: y\n");
        let err = parse::<Doc>(&file, 0..file.text.len()).unwrap_err();
        assert_eq!(err.message, "unknown field `descriptoin`");
        assert_eq!(err.hint.as_deref(), Some("did you mean `description`?"));
        assert_eq!(err.location(), Some(("a.yaml".into(), 2, 1)));
        assert_eq!(&file.text[err.span.clone()], "descriptoin");
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
    }

    #[test]
    fn an_error_without_a_place_points_at_the_value_after_a_leading_comment() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Dated {
            title: String,
            created: crate::date::Date,
        }
        let file = SourceFile::new("a.yaml", "# note\ntitle: x\ncreated: 2026-13-01\n");
        let err = parse::<Dated>(&file, 0..file.text.len()).unwrap_err();
        assert_eq!(&file.text[err.span.clone()], "2026-13-01");
    }

    #[test]
    fn locate_finds_nested_keys_and_items() {
        let text = "id: a\napprovals:\n  - name: Ann\n    level: vp\n";
        let place = locate(
            text,
            &[Seg::Key("approvals"), Seg::Index(0), Seg::Key("level")],
        )
        .unwrap();
        assert_eq!(&text[place.key], "level");
        assert_eq!(&text[place.value], "vp");
    }

    #[test]
    fn locate_counts_bytes_not_characters() {
        let text = "title: é\nid: x\n";
        let place = locate(text, &[Seg::Key("id")]).unwrap();
        assert_eq!(&text[place.value], "x");
    }
}
