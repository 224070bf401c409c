//! Text values as a handbook must give them, for `#[serde(deserialize_with)]` on the
//! record and configuration types. The messages are shared with `load::yaml`, which turns
//! them into reports at the field.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// What [`text`] says of a field given `null`, `~` or nothing; `load::yaml::diagnose` puts the
/// field's path in front.
pub const NO_VALUE: &str = "has no value";
/// What [`text`] says of a field given only white space.
pub const EMPTY: &str = "is empty";
/// What [`unique_keys`] says of a key given twice; `load::yaml::diagnose` names the key.
pub const DUPLICATE: &str = "duplicate key";

/// A text that must be given. serde_yaml reads `null`, `~` and an empty value into a
/// `String` as the texts "null", "~" and "", so `title: null` would load as a title;
/// reading the value as an option first tells a written `null` from the text "null".
/// White space alone is no text either.
pub struct Text(pub String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_option(TextVisitor).map(Text)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a text")
    }

    fn visit_none<E: de::Error>(self) -> Result<String, E> {
        Err(E::custom(NO_VALUE))
    }

    fn visit_unit<E: de::Error>(self) -> Result<String, E> {
        Err(E::custom(NO_VALUE))
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_string(self)
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<String, E> {
        self.visit_string(s.to_string())
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<String, E> {
        if s.trim().is_empty() {
            Err(E::custom(EMPTY))
        } else {
            Ok(s)
        }
    }
}

/// For `#[serde(deserialize_with)]` on a `String` that must be given: see [`Text`].
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Text::deserialize(d).map(|t| t.0)
}

/// For `#[serde(deserialize_with)]` on a list of strings: each item must be a [`Text`].
/// `tags: ~` and `tags: null` are no list, as `tags:` with nothing after it is, which
/// serde_yaml reads as an empty one.
pub fn texts<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let items = Option::<Vec<Text>>::deserialize(d)?.unwrap_or_default();
    Ok(items.into_iter().map(|t| t.0).collect())
}

/// For `#[serde(deserialize_with)]` on a map: a key given twice is an error, where serde
/// would keep the last value and drop the first without a word.
pub fn unique_keys<'de, D, K, V>(d: D) -> Result<BTreeMap<K, V>, D::Error>
where
    D: Deserializer<'de>,
    K: Deserialize<'de> + Ord,
    V: Deserialize<'de>,
{
    struct Unique<K, V>(std::marker::PhantomData<(K, V)>);
    impl<'de, K: Deserialize<'de> + Ord, V: Deserialize<'de>> Visitor<'de> for Unique<K, V> {
        type Value = BTreeMap<K, V>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a mapping")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((key, value)) = map.next_entry()? {
                if out.insert(key, value).is_some() {
                    return Err(de::Error::custom(DUPLICATE));
                }
            }
            Ok(out)
        }
    }
    d.deserialize_map(Unique(std::marker::PhantomData))
}

/// `units` with each carriage return that ends a line alone (classic Mac OS, Excel for
/// Mac's "CSV (Macintosh)", some exporters) made a line feed, unit for unit, so every
/// place in the text stays where it was. CommonMark and CSV take either as a line's end,
/// but pulldown-cmark ends a heading only at a line feed, and reports count lines by line
/// feeds. A carriage return is never part of another character, in UTF-8, UTF-16 or a
/// legacy code page.
pub fn lone_returns_as_line_feeds<T: Copy + PartialEq>(mut units: Vec<T>, cr: T, lf: T) -> Vec<T> {
    for i in 0..units.len() {
        if units[i] == cr && units.get(i + 1) != Some(&lf) {
            units[i] = lf;
        }
    }
    units
}

/// Whether any byte of `bytes` is one `wanted` picks: every byte is looked at, with no
/// branch to leave early, so that the compiler can look at many at once.
pub fn any_byte(bytes: &[u8], wanted: impl Fn(u8) -> bool) -> bool {
    bytes.iter().fold(false, |found, &b| found | wanted(b))
}

/// Whether `c` is a Unicode noncharacter: U+FDD0 to U+FDEF, and the last two code points
/// of every plane (U+FFFE, U+FFFF, U+1FFFE, ...). HTML forbids them in a document, and no
/// handbook's text needs one.
pub fn is_noncharacter(c: char) -> bool {
    let c = u32::from(c);
    (0xFDD0..=0xFDEF).contains(&c) || c & 0xFFFE == 0xFFFE
}

/// Whether HTML forbids `c` in a document (the HTML standard's
/// control-character-in-input-stream and noncharacter-in-input-stream): a control
/// character other than its white space (tab, line feed, form feed, carriage return), or
/// a noncharacter. NUL among them: CommonMark has the Markdown parser write U+FFFD for
/// it, but pulldown-cmark keeps it in headings, table cells and code.
fn forbidden_in_html(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\u{c}' | '\r')) || is_noncharacter(c)
}

/// Each character of `text` that HTML forbids ([`forbidden_in_html`]), and where. Most
/// texts hold no byte that could start one, which a pass with no branch per byte (that the
/// compiler vectorises) tells first: C0 and DEL are one byte each, C1 starts with 0xC2,
/// U+FDD0 to U+FFFF with 0xEF, and the other planes with 0xF0 to 0xF4.
pub fn forbidden_in_html_at(text: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let space = |b: u8| matches!(b, b'\t' | b'\n' | b'\r' | 0x0C);
    let suspect = |b: u8| (b < 0x20 && !space(b)) || b == 0x7F || b == 0xC2 || b >= 0xEF;
    let looked_at = if any_byte(text.as_bytes(), suspect) {
        text
    } else {
        ""
    };
    looked_at
        .char_indices()
        .filter(|&(_, c)| forbidden_in_html(c))
}

/// `html` with each character HTML forbids ([`forbidden_in_html`]) written as U+FFFD, as a
/// browser shows it: a page's text may hold them (a record's may not), and a page that
/// holds one is not valid HTML.
pub fn html_safe(html: String) -> String {
    if forbidden_in_html_at(&html).next().is_none() {
        return html;
    }
    html.chars()
        .map(|c| if forbidden_in_html(c) { '\u{fffd}' } else { c })
        .collect()
}

/// Whether `c` opens or closes bidirectional formatting: an embedding, override or isolate,
/// or the pop that ends one (U+202A to U+202E, U+2066 to U+2069).
pub fn is_bidi_formatting(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Each bidirectional formatting character ([`is_bidi_formatting`]) in `text`, and where:
/// found by its lead byte 0xE2, which memchr finds and which only starts a character.
pub fn bidi_formatting(text: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    memchr::memchr_iter(0xE2, text.as_bytes()).filter_map(|at| {
        let c = text[at..].chars().next()?;
        is_bidi_formatting(c).then_some((at, c))
    })
}

/// What closes the bidirectional embeddings, overrides and isolates that `text` leaves
/// open (U+202A to U+202E, U+2066 to U+2069), innermost first, as Unicode's bidirectional
/// algorithm pairs them: empty for almost every text. A value shown inside a page's own
/// text, a title in a breadcrumb, would otherwise reorder what follows it (a "Trojan
/// Source" title), where a value that closes what it opens shows only itself reordered.
#[inline]
pub fn bidi_closers(text: &str) -> String {
    // Each of them is three bytes from 0xE2. Every value a template prints is looked at,
    // most of them a few bytes long, which the standard library's search for a byte
    // rules out in fewer instructions than the memchr crate's, made for long texts.
    match text.as_bytes().contains(&0xE2) {
        false => String::new(),
        true => open_bidi_closers(text),
    }
}

/// `text` followed by its [`bidi_closers`]: a value ready to stand inside other text.
pub fn bidi_closed(text: &str) -> Cow<'_, str> {
    match bidi_closers(text) {
        closers if closers.is_empty() => Cow::Borrowed(text),
        closers => Cow::Owned(format!("{text}{closers}")),
    }
}

/// [`bidi_closers`] of a text that may hold some.
fn open_bidi_closers(text: &str) -> String {
    #[derive(PartialEq)]
    enum Open {
        Embedding,
        Isolate,
    }
    let mut open = Vec::new();
    for c in text.chars() {
        match c {
            '\u{202a}' | '\u{202b}' | '\u{202d}' | '\u{202e}' => open.push(Open::Embedding),
            '\u{2066}'..='\u{2068}' => open.push(Open::Isolate),
            // A pop directional formatting closes an embedding, but not across an isolate.
            '\u{202c}' if open.last() == Some(&Open::Embedding) => {
                open.pop();
            }
            // A pop directional isolate closes the innermost isolate and what it holds.
            '\u{2069}' => {
                if let Some(i) = open.iter().rposition(|o| *o == Open::Isolate) {
                    open.truncate(i);
                }
            }
            _ => {}
        }
    }
    open.iter()
        .rev()
        .map(|o| match o {
            Open::Embedding => '\u{202c}',
            Open::Isolate => '\u{2069}',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A list written as nothing, `~` or `null` is an empty one, each the same.
    #[test]
    fn a_list_of_no_value_is_empty_however_written() {
        #[derive(Deserialize)]
        struct Page {
            #[serde(default, deserialize_with = "texts")]
            tags: Vec<String>,
        }
        for written in ["tags:", "tags: ~", "tags: null", "tags: []", "{}"] {
            let page: Page = serde_yaml::from_str(written).unwrap();
            assert!(page.tags.is_empty(), "{written}");
        }
        let page: Page = serde_yaml::from_str("tags: [a]").unwrap();
        assert_eq!(page.tags, ["a"]);
        assert!(serde_yaml::from_str::<Page>("tags: [~]").is_err());
    }

    #[test]
    fn html_safe_writes_what_html_forbids_as_the_replacement_character() {
        let kept = "<p>tab\t, lines\r\n, form feed\u{c}, é, \u{FEFF}, \u{FFFD}, \u{1F600}</p>\n";
        assert_eq!(html_safe(kept.to_string()), kept);
        let forbidden = "<p>\u{1b}[31m \u{7f} \u{9b} \u{FDD0} \u{FFFE} \u{1FFFF} \u{10FFFE}</p>";
        let shown = "<p>\u{fffd}[31m \u{fffd} \u{fffd} \u{fffd} \u{fffd} \u{fffd} \u{fffd}</p>";
        assert_eq!(html_safe(forbidden.to_string()), shown);
        assert!(!is_noncharacter('\u{FDCF}') && !is_noncharacter('\u{FDF0}'));
    }

    #[test]
    fn bidi_closers_close_what_a_text_leaves_open_innermost_first() {
        let (lre, rlo, pdf) = ('\u{202a}', '\u{202e}', '\u{202c}');
        let (rli, fsi, pdi) = ('\u{2067}', '\u{2068}', '\u{2069}');
        for (text, closers) in [
            (
                "plain \u{2019}quoted\u{2019} \u{2026}".to_string(),
                String::new(),
            ),
            (format!("abc{rlo}cba"), format!("{pdf}")),
            (format!("{rlo}a{pdf}b"), String::new()),
            (format!("{lre}{rli}{rlo}"), format!("{pdf}{pdi}{pdf}")),
            // PDF cannot close an embedding outside an isolate, nor an isolate.
            (format!("{rlo}{rli}{pdf}"), format!("{pdi}{pdf}")),
            // PDI closes its isolate and the embeddings inside it.
            (format!("{fsi}{rlo}{lre}{pdi}"), String::new()),
            (format!("{rlo}{fsi}x{pdi}"), format!("{pdf}")),
            // What closes nothing leaves nothing to close.
            (format!("{pdf}{pdi}a"), String::new()),
            // The marks (LRM, RLM, ALM) open nothing.
            ("\u{200e}\u{200f}\u{61c}".to_string(), String::new()),
        ] {
            assert_eq!(bidi_closers(&text), closers, "{text:?}");
        }
    }
}
