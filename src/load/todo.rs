//! TODO markers: values that `secbook new` and `secbook import` write where they cannot
//! know what to put.
//!
//! A marker is a string value that is exactly `TODO` or starts with `TODO:` (see
//! [`is_todo`]). A record that holds one still builds: `check` reports each marker
//! as the finding `exception.todo` or `incident.todo`. In a text, a person or a list item
//! the marker is the value; in a field that may be left out, such as a date or a choice
//! (`decided`, `expires`, an approval's `side`), the record is read as if the field were
//! not written, and the rules that ask for the field leave it to the marker's finding.
//! Only where a record cannot be read without a real value (`type`, `severity`, `status`,
//! `created`, an incident's `reported`) is a marker an error.

use std::collections::BTreeSet;
use std::ops::Range;
use std::sync::Arc;

use serde::de::DeserializeOwned;

use crate::diagnostics::{Diagnostic, SourceFile};
use crate::load::yaml::{self, Found};

/// Whether a string is a `TODO` marker left by `secbook new` or `secbook import`: exactly
/// `TODO`, or starting with `TODO:`.
pub fn is_todo(value: &str) -> bool {
    let value = value.trim_start();
    value.trim_end() == "TODO" || value.starts_with("TODO:")
}

/// The markers of a record file, in document order.
pub fn markers(file: &SourceFile) -> Vec<Found> {
    // Most records have none; only those that could are read a second time.
    if !file.text.contains("TODO") {
        return Vec::new();
    }
    yaml::string_values(&file.text, is_todo)
}

/// What the marker asks for: the text after `TODO:` on its first line.
pub fn guidance(marker: &str) -> Option<&str> {
    marker
        .split_once("TODO:")
        .and_then(|(_, rest)| rest.lines().next())
        .map(|g| g.trim().trim_end_matches('.'))
        .filter(|g| !g.is_empty())
}

/// The error for a marker where the record needs a real value.
pub fn error(file: &Arc<SourceFile>, marker: &Found) -> Diagnostic {
    let hint = match guidance(&marker.value) {
        Some(g) => format!("replace the marker with {g}"),
        None => "replace the marker with the real value".to_string(),
    };
    Diagnostic::error(format!("`{}` still has a TODO marker", marker.path))
        .at(file, marker.span.clone())
        .with_hint(hint)
}

/// The marker that `failure` is about: the one it points into, or the one it quotes.
pub fn marker_at<'a>(markers: &'a [Found], failure: &Diagnostic) -> Option<&'a Found> {
    markers
        .iter()
        .find(|m| m.span.contains(&failure.span.start))
        .or_else(|| {
            let quoted: Vec<&str> = failure.message.split('`').skip(1).step_by(2).collect();
            markers.iter().find(|m| quoted.contains(&m.value.as_str()))
        })
}

/// Reads `file` as `T`, taking each marker that the type refuses as a field not written:
/// such markers are made `null` in a copy of the text, padded to the same length so that
/// every place in it stays valid. All markers of one field (`approvals[].side`) are made
/// `null` together, so a file is read at most once more per field of the record, however
/// many markers it holds. The errors, when there are any, point into `file`: all of them
/// ([`yaml::parse_all`]), the markers that are errors among them.
pub fn read<T: DeserializeOwned>(
    file: &Arc<SourceFile>,
    markers: &[Found],
) -> Result<T, Vec<Diagnostic>> {
    let mut copy: Option<Arc<SourceFile>> = None;
    let mut absent: BTreeSet<String> = BTreeSet::new();
    loop {
        let current = copy.as_ref().unwrap_or(file);
        let failure = match yaml::parse::<T>(current, 0..current.text.len()) {
            Ok(record) => return Ok(record),
            Err(d) => d,
        };
        let field = marker_at(markers, &failure).map(|m| field(&m.path));
        match field {
            Some(field) if absent.insert(field.clone()) => {
                let spans = markers
                    .iter()
                    .filter(|m| self::field(&m.path) == field)
                    .map(|m| m.span.clone());
                let text = with_nulls(&current.text, spans);
                copy = Some(SourceFile::new(file.name.clone(), text));
            }
            // Only a record that does not load is read for its other errors.
            _ => {
                let range = 0..current.text.len();
                return yaml::parse_all::<T>(current, range).map_err(|errors| {
                    let in_file = |d: Diagnostic| Diagnostic {
                        file: d.file.map(|_| Arc::clone(file)),
                        ..d
                    };
                    errors.into_iter().map(in_file).collect()
                });
            }
        }
    }
}

/// The field a value's path is in, whatever the item: `approvals[].side`.
fn field(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push_str("[]");
            }
            ']' => in_index = false,
            _ if !in_index => out.push(c),
            _ => {}
        }
    }
    out
}

/// `text` with `null` written over each scalar at `spans` (in document order, quotes and
/// all), and spaces over the rest of each but its line breaks, so that the text keeps its
/// length and its lines. One pass, however many scalars.
fn with_nulls(text: &str, spans: impl Iterator<Item = Range<usize>>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for span in spans {
        let Some(scalar) = text.get(span.clone()).filter(|_| span.start >= at) else {
            continue;
        };
        out.push_str(&text[at..span.start]);
        let mut blank: String = scalar
            .chars()
            .flat_map(|c| match c {
                '\n' | '\r' => std::iter::repeat_n(c, 1),
                _ => std::iter::repeat_n(' ', c.len_utf8()),
            })
            .collect();
        // A marker starts with `TODO` or a quote and `TODO`: four one-byte characters.
        if blank
            .get(..4)
            .is_some_and(|start| !start.contains(['\n', '\r']))
        {
            blank.replace_range(..4, "null");
        }
        out.push_str(&blank);
        at = span.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_of_one_field_share_its_name() {
        assert_eq!(field("approvals[12].side"), "approvals[].side");
        assert_eq!(field("a[1].b[2]"), "a[].b[]");
        assert_eq!(field("decided"), "decided");
    }

    #[test]
    fn null_keeps_every_place_and_line() {
        let text = "a: 'TODO: x'\nb: \"TODO: y,\n  z\"\nc: TODO\n";
        let markers = markers(&SourceFile::new("r.yaml", text));
        let nulled = with_nulls(text, markers.iter().map(|m| m.span.clone()));
        assert_eq!(nulled, "a: null     \nb: null     \n    \nc: null\n");
        assert_eq!(nulled.len(), text.len());
    }
}
