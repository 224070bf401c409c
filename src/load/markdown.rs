//! Markdown: read once for its headings and links, so links can be checked against the
//! whole site before any page is written; then rendered with their targets rewritten.
//!
//! A document keeps its text rather than its parsed events: parsing again to render is
//! cheaper than holding every page's events in memory at once.

use ahash::{HashMap, HashSet};
use hashbrown::HashTable;
use std::borrow::Cow;
use std::fmt::Write;
use std::iter::Peekable;
use std::ops::{Range, RangeInclusive};
use std::sync::Arc;

use crate::diagnostics::{Diagnostic, SourceFile};
use crate::load::raw_html::{self, Found};
use crate::load::theme_ids::{self, Reserved};
use crate::model::finding::CODES;
use crate::model::{links, text};
use pulldown_cmark::{
    Alignment, BlockQuoteKind, CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd,
    html,
};
use serde::Serialize;

/// What [`Document::read`] hides of the text for a reader who may see all of it.
const NOTHING_HIDDEN: &dyn Fn(&str) -> bool = &|_| false;

/// A heading of a page, for its table of contents and for anchor checks.
#[derive(Debug, Clone, Serialize)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    pub title: String,
}

/// A footnote of a page, by its label: its id is its own, as a heading's is.
#[derive(Debug, Clone)]
struct Footnote {
    /// The label as footnotes are matched, whatever its case: `[^Note]` is `[^note]`'s.
    key: String,
    id: String,
}

/// A link or image target written in the source, with where it was written.
#[derive(Debug, Clone)]
pub struct LinkRef {
    pub dest: String,
    /// Byte range in the whole file, for reports.
    pub span: Range<usize>,
    /// Whether its text is its destination (`<exception:EXC-001>`).
    pub autolink: bool,
}

/// A Markdown text with its headings and the links it makes.
#[derive(Debug, Clone)]
pub struct Document {
    /// The file the text is part of, shared rather than copied: a page's file holds it.
    source: Arc<SourceFile>,
    /// Where the text is in `source`.
    body: Range<usize>,
    allow_html: bool,
    pub headings: Vec<Heading>,
    /// In the order their numbers are given: of the first reference or definition of each.
    footnotes: Vec<Footnote>,
    pub links: Vec<LinkRef>,
    /// Where an id written `{#...}` repeats one written before it, or one the theme gives
    /// an element of the page: an error, since a link to it could lead to one element only.
    /// Spans of the text read, as links' are.
    pub id_clashes: Vec<IdClash>,
    /// Where the text holds another tool's syntax, which it shows as written.
    pub foreign: Vec<Foreign>,
    /// What each of the document's ids starts with: nothing for a page, the field's name
    /// for a record's field, so the fields on one page do not share an id.
    prefix: String,
    /// The headings' and footnotes' ids, for links to them: a lookup each, whatever the
    /// page's size.
    ids: Ids,
    /// The ids its headings had before [`Document::hiding`] made them again, which a link
    /// written against the whole handbook names; empty otherwise.
    former: Vec<String>,
}

/// Another tool's syntax in a text, outside code, that CommonMark reads as text: a page
/// brought from Obsidian, Hugo or mdBook would show it as written.
#[derive(Debug, Clone)]
pub struct Foreign {
    /// Where it is written, in the file.
    pub span: Range<usize>,
    pub what: &'static str,
    pub hint: &'static str,
    /// Whether raw HTML may write what it stands for.
    pub html: bool,
}

/// A warning for each kind of [`Foreign`] syntax in `found`, at its first place, its other
/// places as repeats; `place` gives where each is in `source`. Where `raw_html` (a page's
/// text, whose raw HTML `markdown.allow_html` keeps; a record's is always escaped), the
/// hint offers raw HTML too.
pub fn foreign_warnings(
    source: &Arc<SourceFile>,
    found: &[Foreign],
    raw_html: bool,
    mut place: impl FnMut(&Foreign) -> Range<usize>,
) -> Vec<Diagnostic> {
    let mut told: Vec<(&str, Diagnostic)> = Vec::new();
    for foreign in found {
        let span = place(foreign);
        match told.iter_mut().find(|(what, _)| *what == foreign.what) {
            Some((_, first)) => first.repeated(|| span),
            None => {
                let message = format!(
                    "{} is shown as text: secbook does not read it",
                    foreign.what
                );
                let hint = match foreign.html && raw_html {
                    true => format!(
                        "{}, or in raw HTML where `markdown.allow_html` is on",
                        foreign.hint
                    ),
                    false => foreign.hint.to_string(),
                };
                let diag = Diagnostic::warning(message).with_hint(hint);
                told.push((foreign.what, diag.at(source, span)));
            }
        }
    }
    told.into_iter().map(|(_, diag)| diag).collect()
}

/// Where each HTML comment of the Markdown `text` is, from its `<!--` to its `-->` (or the
/// end of its block): a record's page leaves a comment out, as a page's does, but the
/// feeds, the API and the exports hold the record's text as it is written.
pub fn comments(text: &str) -> Vec<Range<usize>> {
    if !text.contains("<!--") {
        return Vec::new();
    }
    Parser::new_ext(text, options())
        .into_offset_iter()
        .filter_map(|(event, range)| match event {
            Event::Html(s) | Event::InlineHtml(s) => {
                let start = range.start + s.find("<!--")?;
                let end = text[start..range.end]
                    .find("-->")
                    .map_or(range.end, |at| start + at + 3);
                Some(start..end)
            }
            _ => None,
        })
        .collect()
}

/// What to write for a Hugo shortcode, of either kind.
const SHORTCODE_HINT: &str = "write what it stands for in Markdown";

/// What [`Foreign`] looks for: how it starts and ends, what it is, what to write, and
/// whether raw HTML may write it.
const FOREIGN: [(&str, &str, &str, &str, bool); 4] = [
    (
        "[[",
        "]]",
        "a wiki link (Obsidian's `[[page]]`)",
        "write a Markdown link to the page's file: `[title](path/to/page.md)`",
        false,
    ),
    ("{{<", ">}}", "a Hugo shortcode", SHORTCODE_HINT, true),
    ("{{%", "%}}", "a Hugo shortcode", SHORTCODE_HINT, true),
    (
        "{{#",
        "}}",
        "an mdBook directive (`{{#include}}`)",
        "copy the text in, or link to its file",
        false,
    ),
];

/// Each place of [`FOREIGN`] syntax in `run`, a stretch of text at `at` of the file, in
/// the order they are written: two wiki links on one line are two places.
fn foreign_in(run: &str, at: usize, found: &mut Vec<Foreign>) {
    // Each starts with `[` or `{`, which most text has none of: one scan for those spares
    // four searches of every run of text (a twentieth of a build of plain pages).
    let Some(first) = memchr::memchr2(b'[', b'{', run.as_bytes()) else {
        return;
    };
    let before = found.len();
    for (open, close, what, hint, html) in FOREIGN {
        let mut from = first;
        // Once no closer follows an opener, none follows a later one: looking again for
        // each of many openers read the rest of the text each time.
        let mut closers = true;
        while let Some(start) = run[from..].find(open).map(|i| from + i) {
            let closer = closers.then(|| run[start..].find(close)).flatten();
            closers = closer.is_some();
            let end = closer.map_or(start + open.len(), |i| start + i + close.len());
            found.push(Foreign {
                span: at + start..at + end,
                what,
                hint,
                html,
            });
            from = end;
        }
    }
    found[before..].sort_by_key(|f| f.span.start);
}

/// An id written `{#...}` that an element of the page has already.
#[derive(Debug, Clone)]
pub struct IdClash {
    /// Where the id is written, without its `{`.
    pub span: Range<usize>,
    /// Whether the theme's template has the id, rather than a heading before it.
    pub theme: bool,
    /// Whether raw HTML gives the id, rather than a heading's `{#...}`.
    pub raw: bool,
}

impl IdClash {
    /// The error, `written` being the id as it is written (`#setup`).
    pub fn diagnostic(&self, written: &str) -> Diagnostic {
        let what = if self.raw { "element" } else { "heading" };
        let message = if self.theme {
            format!(
                "the {what} id `{written}` is one the theme gives an element of this page: a link to it leads there, not to this {what}"
            )
        } else {
            format!(
                "the {what} id `{written}` is written twice on this page: a link to it leads to the first {what} only"
            )
        };
        let hint = if self.raw {
            "give this element another id"
        } else {
            "give this heading another id, or remove its `{#...}` to have one made from its title"
        };
        Diagnostic::error(message).with_hint(hint)
    }
}

/// How many headings a table of contents lists at most. A page may have a million
/// headings; a list of them all is of no use to a reader, and each entry costs the
/// template engine a thousand times what it costs to write the heading itself.
pub const TOC_MAX: usize = 1_000;

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM
}

/// The events of `text`, raw HTML turned into text (and so escaped) unless `allow_html`.
/// An HTML comment is then left out, text and search alike, as Hugo and Zola leave out raw
/// HTML: it holds notes to the page's authors, not to its readers.
fn events(text: &str, allow_html: bool) -> impl Iterator<Item = (Event<'_>, Range<usize>)> {
    // Whether the HTML block being read is a comment not closed yet.
    let mut in_comment = false;
    Parser::new_ext(text, options())
        .into_offset_iter()
        .filter_map(move |(event, range)| match event {
            Event::InlineHtml(s) if !allow_html && s.starts_with("<!--") => None,
            Event::Html(s) if !allow_html => {
                let opened = s.trim_start();
                let (line, from) = if in_comment {
                    (s.as_ref(), 0)
                } else if opened.starts_with("<!--") {
                    // From its third character: `<!-->` and `<!--->` close where they open,
                    // as HTML reads them.
                    (opened, 2)
                } else {
                    return Some((Event::Text(s), range));
                };
                // What follows the comment on the line that closes it is the page's text.
                let after = line[from..]
                    .find("-->")
                    .map(|end| line[from + end + 3..].trim());
                in_comment = after.is_none();
                after
                    .filter(|rest| !rest.is_empty())
                    .map(|rest| (Event::Text(rest.to_string().into()), range))
            }
            // A block ends what it opened, a comment never closed among it.
            end @ Event::End(TagEnd::HtmlBlock) => {
                in_comment = false;
                Some((end, range))
            }
            Event::InlineHtml(s) if !allow_html => Some((Event::Text(s), range)),
            // `<ann@example.com>` links to `mailto:`, which pulldown-cmark adds only as it
            // writes HTML: given here, the link is checked and rewritten as the mail link it is.
            Event::Start(Tag::Link {
                link_type: LinkType::Email,
                dest_url,
                title,
                id,
            }) => {
                let link = Tag::Link {
                    link_type: LinkType::Autolink,
                    dest_url: links::mailto(&dest_url).into(),
                    title,
                    id,
                };
                Some((Event::Start(link), range))
            }
            other => Some((other, range)),
        })
}

impl Document {
    /// Reads a text that stands alone, such as a record's Markdown field.
    pub fn parse_text(text: &str, allow_html: bool) -> Document {
        Document::parse_field(text, allow_html, "")
    }

    /// [`Document::parse_text`], each of the text's ids starting with `prefix`.
    pub fn parse_field(text: &str, allow_html: bool, prefix: &str) -> Document {
        let source = SourceFile::new("", text);
        let ids = Ids::yielding_to(theme_ids::none());
        let body = 0..source.text.len();
        Document::read(&source, body, allow_html, prefix, ids, None, NOTHING_HIDDEN)
    }

    /// Reads the part `body` of `source`, a page whose template gives its elements the ids
    /// `reserved`; links' spans are offsets in the whole file.
    pub fn parse(
        source: &Arc<SourceFile>,
        body: Range<usize>,
        allow_html: bool,
        reserved: Reserved,
    ) -> Document {
        let ids = Ids::yielding_to(reserved);
        Document::read(source, body, allow_html, "", ids, None, NOTHING_HIDDEN)
    }

    /// [`Document::parse`], with the words of the text as [`plain_text`] gives them, read
    /// in the same pass rather than in one of their own.
    pub fn parse_with_words(
        source: &Arc<SourceFile>,
        body: Range<usize>,
        allow_html: bool,
        reserved: Reserved,
    ) -> (Document, String) {
        // Room for all of the text at once: the words are nearly all of it, and a string
        // grown to them would be copied at each doubling.
        let mut words = Words {
            plain: String::with_capacity(body.len()),
            ..Words::default()
        };
        let ids = Ids::yielding_to(reserved);
        let doc = Document::read(
            source,
            body,
            allow_html,
            "",
            ids,
            Some(&mut words),
            NOTHING_HIDDEN,
        );
        // Kept a while, for every page at once: not with the room a growing string leaves.
        words.plain.shrink_to_fit();
        (doc, text::html_safe(words.plain))
    }

    /// The document as a reader is shown it who may not see what the addresses `hidden`
    /// takes name: each heading holding an autolink to one titled, and its id made, with
    /// "(restricted)" in the autolink's place, as the page shows it. An autolink's text is
    /// its address. `None` when no heading holds one.
    pub fn hiding(&self, hidden: impl Fn(&str) -> bool) -> Option<Document> {
        if !self.links.iter().any(|l| l.autolink && hidden(&l.dest)) {
            return None;
        }
        let ids = Ids::yielding_to(Arc::clone(&self.ids.reserved));
        let (source, body) = (&self.source, self.body.clone());
        let doc = Document::read(
            source,
            body,
            self.allow_html,
            &self.prefix,
            ids,
            None,
            &hidden,
        );
        // The same text has the same headings, some titled otherwise.
        let mut pairs = doc.headings.iter().zip(&self.headings);
        pairs.any(|(a, b)| a.title != b.title).then(|| Document {
            former: self.headings.iter().map(|h| h.id.clone()).collect(),
            ..doc
        })
    }

    /// Where a link written `#anchor` against the whole handbook leads: to the anchor, or to
    /// the id its heading has now that [`Document::hiding`] made it again (two headings may
    /// have traded ids). `None` when the document has no such anchor.
    pub fn link_anchor<'a>(&'a self, anchor: &'a str) -> Option<&'a str> {
        match self.former.iter().position(|id| id == anchor) {
            Some(i) => Some(&self.headings[i].id),
            None => self.has_anchor(anchor).then_some(anchor),
        }
    }

    fn read(
        source: &Arc<SourceFile>,
        body: Range<usize>,
        allow_html: bool,
        prefix: &str,
        mut ids: Ids,
        mut words: Option<&mut Words>,
        hidden: &dyn Fn(&str) -> bool,
    ) -> Document {
        let text = &source.text[body.clone()];
        let offset = body.start;
        let mut headings = Vec::new();
        // Each heading's id as written with `{#id}`, and where that is written.
        let mut explicit = Vec::new();
        let mut footnotes: Vec<Footnote> = Vec::new();
        let mut footnote_keys: HashSet<String> = HashSet::default();
        let mut links = Vec::new();
        // The heading being read: its level, the id written with `{#id}`, its text.
        let mut heading: Option<(u8, Option<String>, String)> = None;
        let mut hiding = HiddenAutolink::default();
        let mut raw = RawHtmlUnits::default();
        // The ids raw HTML gives its elements, with where each is written.
        let mut raw_ids = Vec::new();
        let mut foreign = Vec::new();
        // The stretch of text being read, outside code, and how deep in code blocks.
        let mut run: Option<Range<usize>> = None;
        let mut in_code = 0usize;
        for (event, range) in events(text, allow_html) {
            match &event {
                Event::Text(_) if in_code == 0 => {
                    run = Some(run.map_or(range.clone(), |r| r.start..range.end));
                }
                _ => {
                    if let Some(r) = run.take() {
                        foreign_in(&text[r.clone()], offset + r.start, &mut foreign);
                    }
                    match &event {
                        Event::Start(Tag::CodeBlock(_)) => in_code += 1,
                        Event::End(TagEnd::CodeBlock) => in_code = in_code.saturating_sub(1),
                        _ => {}
                    }
                }
            }
            if let Some(words) = words.as_deref_mut() {
                words.add(&event);
            }
            let named = match raw.unit(&event, allow_html) {
                RawUnit::Inline(html) => Some(raw_html::named(html)),
                RawUnit::Block(html) => Some(raw_html::named(&html)),
                RawUnit::Not | RawUnit::Held => None,
            };
            if let Some(named) = named {
                let at = |span: Range<usize>| offset + span.start..offset + span.end;
                let found = placed(text, &range, named.links).into_iter();
                links.extend(found.map(|(span, dest)| LinkRef {
                    dest,
                    span: at(span),
                    autolink: false,
                }));
                let found = placed(text, &range, named.ids).into_iter();
                raw_ids.extend(found.map(|(span, id)| (id, at(span))));
            }
            let hides = hiding.hides(&event, hidden);
            match event {
                Event::Start(Tag::Heading { level, id, .. }) => {
                    heading = Some((level as u8, id.map(|i| i.to_string()), String::new()));
                }
                Event::Text(s) | Event::Code(s) => {
                    if let Some((_, _, title)) = heading.as_mut().filter(|_| !hides) {
                        title.push_str(&s);
                    }
                }
                Event::Start(Tag::Link {
                    dest_url,
                    link_type,
                    ..
                })
                | Event::Start(Tag::Image {
                    dest_url,
                    link_type,
                    ..
                }) => {
                    // The page shows a hidden autolink as "(restricted)", its title too.
                    if let Some((_, _, title)) = heading.as_mut().filter(|_| hides) {
                        title.push_str("(restricted)");
                    }
                    links.push(LinkRef {
                        dest: dest_url.to_string(),
                        span: offset + range.start..offset + range.end,
                        autolink: link_type == LinkType::Autolink,
                    });
                }
                Event::FootnoteReference(label) | Event::Start(Tag::FootnoteDefinition(label)) => {
                    let key = footnote_key(&label);
                    if footnote_keys.insert(key.clone()) {
                        footnotes.push(Footnote {
                            key,
                            id: String::new(),
                        });
                    }
                }
                // Only the heading's own end: the end of its emphasis or link is not it.
                Event::End(TagEnd::Heading(_)) => {
                    if let Some((level, id, mut title)) = heading.take() {
                        trim_in_place(&mut title);
                        explicit.push(id.map(|id| {
                            // The id as written, `{#id}`, underlined; else the heading.
                            let written = &text[range.clone()];
                            let at = written
                                .rfind(&format!("#{id}"))
                                .map_or(range.start..range.start + written.trim_end().len(), |i| {
                                    range.start + i..range.start + i + 1 + id.len()
                                });
                            (id, offset + at.start..offset + at.end)
                        }));
                        headings.push(Heading {
                            level,
                            id: String::new(),
                            title,
                        });
                    }
                }
                _ => {}
            }
        }
        if let Some(r) = run {
            foreign_in(&text[r.clone()], offset + r.start, &mut foreign);
        }
        let id_clashes = ids.assign(prefix, &mut headings, &explicit, &raw_ids, &mut footnotes);
        Document {
            source: Arc::clone(source),
            body,
            allow_html,
            headings,
            footnotes,
            links,
            id_clashes,
            foreign,
            prefix: prefix.to_string(),
            ids,
            former: Vec::new(),
        }
    }

    /// The headings a table of contents lists: those of `levels`, at most [`TOC_MAX`].
    pub fn toc(&self, levels: RangeInclusive<u8>) -> Vec<&Heading> {
        self.headings
            .iter()
            .filter(|h| levels.contains(&h.level))
            .take(TOC_MAX)
            .collect()
    }

    /// The document's ids, to look one up.
    fn given(&self) -> Given<'_> {
        Given {
            headings: &self.headings,
            footnotes: &self.footnotes,
        }
    }

    /// The id of the heading or footnote that a link within the document writes `#anchor`:
    /// the anchor after the document's prefix.
    pub fn anchor_id(&self, anchor: &str) -> Option<&str> {
        let found = if self.prefix.is_empty() {
            self.ids.find(self.given(), anchor)
        } else {
            self.ids
                .find(self.given(), &format!("{}{anchor}", self.prefix))
        };
        found.map(|i| self.given().at(i))
    }

    /// The ids of the document's headings and footnotes, and those its page's template
    /// gives, which links to it may name.
    pub fn anchors(&self) -> impl Iterator<Item = &str> {
        let headings = self.headings.iter().map(|h| h.id.as_str());
        let footnotes = self.footnotes.iter().map(|f| f.id.as_str());
        let theme = self.ids.reserved.iter().map(String::as_str);
        let raw = self.ids.raw.iter().map(String::as_str);
        headings.chain(footnotes).chain(theme).chain(raw)
    }

    /// Whether a heading or footnote of the document, or an element its page's template
    /// writes, has the id `anchor`.
    pub fn has_anchor(&self, anchor: &str) -> bool {
        self.anchor_id(anchor).is_some()
            || self.ids.reserved.contains(anchor)
            || self.ids.raw.contains(anchor)
    }

    fn text(&self) -> &str {
        &self.source.text[self.body.clone()]
    }

    /// The HTML, each heading with its id and an anchor link, and the i-th link's target
    /// replaced by `targets[i]`. An image on another host is shown as a link to it, with
    /// its alt text, unless `remote_images`: a page loads nothing from the network when it
    /// is opened (SPEC section 8), not a tracking pixel, not a file share.
    pub fn render(&self, targets: &[String], remote_images: bool) -> String {
        self.render_under(targets, remote_images, 0)
    }

    /// [`Document::render`] of a text shown under a heading of level `under` (a record's
    /// field in its section; 0 for none): its headings are its section's parts, so its
    /// highest goes one level below `under` and the others follow it, none more than one
    /// level below the heading before it, to `<h6>` at most (`## A`, `#### B` under an
    /// `<h2>` are an `<h3>` and an `<h4>`). The page keeps its one `<h1>` and an outline a
    /// screen reader can walk, with no level skipped.
    pub fn render_under(&self, targets: &[String], remote_images: bool, under: u8) -> String {
        let top = self.headings.iter().map(|h| h.level).min().unwrap_or(1);
        let mut above = under;
        let mut below = |level: HeadingLevel| {
            if under == 0 {
                return level;
            }
            let moved = (level as u8 + under + 1).saturating_sub(top);
            above = moved.min(above + 1).min(6);
            HeadingLevel::try_from(usize::from(above)).unwrap_or(level)
        };
        // The level the open heading is shown at, for its end.
        let mut shown = HeadingLevel::H1;
        let mut next_target = targets.iter();
        let mut retarget = || CowStr::Borrowed(next_target.next().map_or("", String::as_str));
        let mut next_heading = self.headings.iter();
        let footnotes: HashMap<&str, &str> = (self.footnotes.iter())
            .map(|f| (f.key.as_str(), f.id.as_str()))
            .collect();
        // A footnote's reference and definition name it by its id, not its label, which
        // may hold spaces and would be the id of its definition as written.
        let footnote_id = |label: &str| -> CowStr {
            let id = footnotes.get(footnote_key(label).as_str());
            CowStr::Borrowed(id.copied().unwrap_or_default())
        };
        let mut anchor = None;
        let mut links_open = 0usize;
        // For each link open, whether it is shown as restricted text rather than a link.
        let mut restricted: Vec<bool> = Vec::new();
        // Whether the text read is that of a restricted autolink, which is left out.
        let mut hiding = false;
        // Inside an image shown as its text: how many tags deep, what closes it (a link
        // opened for it, restricted text, or nothing inside another link, which cannot
        // hold one), and the text it is named by should it have no alt text: its address,
        // or a link around it, a badge's say, would have no name.
        let mut image_link: Option<(usize, Option<Event>, Option<CowStr>)> = None;
        // Inside an image shown inside a link: how many tags deep, and the file name that
        // names it should it have no alt text, where the link would have no name.
        let mut linked_image: Option<(usize, Option<String>)> = None;
        // Twice the text, and each heading's id twice more with its anchor link: the HTML
        // of a page of short headings is ten times its text, and a buffer doubled up to
        // that size would be copied each time.
        let anchors: usize = self.headings.iter().map(|h| 2 * h.id.len() + 80).sum();
        let mut out = String::with_capacity(self.body.len() * 2 + anchors);
        // Raw HTML written again with its links resolved.
        let mut units = RawHtmlUnits::default();
        let mut raw = raw_html::Writer::new(remote_images);
        let mut rewritten = events(self.text(), self.allow_html).map(|(event, _)| {
            let event = match units.unit(&event, self.allow_html) {
                RawUnit::Not => event,
                RawUnit::Held => return (None, None),
                RawUnit::Block(html) => {
                    let html = raw.write(&html, links_open > 0, || retarget().into_string());
                    return (Some(Event::Html(html.into())), Some(event));
                }
                // Inside an image shown as its alt text, raw HTML is text: its links are
                // passed over.
                RawUnit::Inline(html) if image_link.is_some() => {
                    raw_html::named(html).links.iter().for_each(|_| {
                        retarget();
                    });
                    event
                }
                RawUnit::Inline(html) => {
                    let html = raw.write(html, links_open > 0, || retarget().into_string());
                    Event::InlineHtml(html.into())
                }
            };
            let mut extra = None;
            let event = if let Some((depth, close, unnamed)) = image_link.as_mut() {
                // The image's alt text, as the link's text, without markup; the space
                // before its first word is not text, nor a blank alt text.
                let event = match event {
                    Event::Text(s) | Event::Code(s) | Event::InlineHtml(s) if unnamed.is_some() => {
                        let word = s.trim_start();
                        if !word.is_empty() {
                            *unnamed = None;
                        }
                        Event::Text(word.to_string().into())
                    }
                    Event::SoftBreak | Event::HardBreak if unnamed.is_some() => {
                        Event::Text("".into())
                    }
                    event => event,
                };
                match event {
                    Event::Start(tag) => {
                        if matches!(tag, Tag::Link { .. } | Tag::Image { .. }) {
                            retarget();
                        }
                        *depth += 1;
                        None
                    }
                    Event::End(_) => {
                        *depth -= 1;
                        if *depth == 0 {
                            extra = unnamed.take().map(Event::Text);
                            let close = close.take();
                            image_link = None;
                            close
                        } else {
                            None
                        }
                    }
                    Event::Text(s) | Event::Code(s) | Event::InlineHtml(s) => Some(Event::Text(s)),
                    Event::SoftBreak | Event::HardBreak => Some(Event::Text(" ".into())),
                    _ => None,
                }
            } else {
                if let Some((depth, unnamed)) = linked_image.as_mut() {
                    match &event {
                        Event::Start(_) => *depth += 1,
                        Event::End(_) => *depth -= 1,
                        Event::Text(s) | Event::Code(s) if !s.trim().is_empty() => *unnamed = None,
                        _ => {}
                    }
                    if *depth == 0 {
                        extra = unnamed.take().map(|name| Event::Text(name.into()));
                        linked_image = None;
                    }
                }
                match event {
                    Event::Text(_) | Event::Code(_) if hiding => None,
                    Event::Start(Tag::Heading {
                        level,
                        classes,
                        attrs,
                        ..
                    }) => {
                        let id = next_heading.next().map_or("", |h| h.id.as_str());
                        anchor = Some(id);
                        // `{.class key=value}` after a heading is HTML by another name: any
                        // attribute, `onclick` too. Kept only where raw HTML is.
                        let (classes, attrs) = if self.allow_html {
                            (classes, attrs)
                        } else {
                            (Vec::new(), Vec::new())
                        };
                        shown = below(level);
                        Some(Event::Start(Tag::Heading {
                            level: shown,
                            id: Some(CowStr::Borrowed(id)),
                            classes,
                            attrs,
                        }))
                    }
                    Event::End(TagEnd::Heading(_)) => {
                        // The id may be written `{#...}` with any character but a space.
                        extra = anchor.take().map(|id| {
                            Event::Html(CowStr::from(format!(
                                "<a class=\"anchor\" href=\"{}\" aria-label=\"Link to this section\">#</a>",
                                escape_html(&links::fragment(id))
                            )))
                        });
                        Some(Event::End(TagEnd::Heading(shown)))
                    }
                    Event::Start(Tag::Link {
                        link_type,
                        title,
                        id,
                        ..
                    }) => {
                        links_open += 1;
                        let dest_url = retarget();
                        restricted.push(dest_url.as_ref() == links::RESTRICTED);
                        if restricted.last() == Some(&true) {
                            // An autolink's text is its address, which names what it hides.
                            hiding = link_type == LinkType::Autolink;
                            Some(Event::Html(RESTRICTED_OPEN.into()))
                        } else {
                            Some(Event::Start(Tag::Link {
                                link_type: plain(link_type),
                                dest_url,
                                title,
                                id,
                            }))
                        }
                    }
                    Event::End(TagEnd::Link) => {
                        links_open = links_open.saturating_sub(1);
                        if restricted.pop() == Some(true) {
                            let close = match std::mem::take(&mut hiding) {
                                true => RESTRICTED_CLOSE.trim_start(),
                                false => RESTRICTED_CLOSE,
                            };
                            Some(Event::Html(close.into()))
                        } else {
                            Some(Event::End(TagEnd::Link))
                        }
                    }
                    Event::Start(Tag::Image {
                        link_type,
                        title,
                        id,
                        ..
                    }) => {
                        let dest_url = retarget();
                        if dest_url.as_ref() == links::RESTRICTED {
                            image_link = Some((1, Some(Event::Html(RESTRICTED_CLOSE.into())), None));
                            Some(Event::Html(RESTRICTED_OPEN.into()))
                        } else if remote_images || !links::is_remote(&dest_url) {
                            if links_open > 0 && linked_image.is_none() {
                                linked_image = Some((1, Some(links::file_name(&dest_url))));
                            }
                            Some(Event::Start(Tag::Image {
                                link_type: plain(link_type),
                                dest_url,
                                title,
                                id,
                            }))
                        } else {
                            let open = links_open == 0;
                            let close = open.then_some(Event::End(TagEnd::Link));
                            image_link = Some((1, close, Some(dest_url.clone())));
                            open.then_some(Event::Start(Tag::Link {
                                link_type: LinkType::Inline,
                                dest_url,
                                title,
                                id,
                            }))
                        }
                    }
                    Event::FootnoteReference(label) => {
                        Some(Event::FootnoteReference(footnote_id(&label)))
                    }
                    Event::Start(Tag::FootnoteDefinition(label)) => {
                        Some(Event::Start(Tag::FootnoteDefinition(footnote_id(&label))))
                    }
                    other => Some(other),
                }
            };
            // The anchor goes inside the heading, before it closes.
            (extra, event)
        });
        // An event held back while the one made before it is given.
        let mut held = None;
        let events = std::iter::from_fn(|| {
            loop {
                if let Some(event) = held.take() {
                    return Some(event);
                }
                match rewritten.next()? {
                    (Some(extra), event) => {
                        held = event;
                        return Some(extra);
                    }
                    (None, Some(event)) => return Some(event),
                    (None, None) => {}
                }
            }
        });
        // Most texts hold no bidirectional formatting, written or as a character reference
        // (`&#x202E;`), and their events need no look.
        let source = self.text();
        if text::bidi_formatting(source).next().is_some() || source.contains("&#") {
            html::push_html(&mut out, Accessible::new(events.map(close_bidi)));
        } else {
            html::push_html(&mut out, Accessible::new(events));
        }
        let out = text::html_safe(out);
        // A text with no `<` holds no raw HTML.
        if self.allow_html && source.contains('<') {
            raw_html::clean(&out, remote_images)
        } else {
            out
        }
    }

    /// The document's text without markup, for search and summaries: read again when
    /// asked, rather than kept for every page.
    pub fn plain_text(&self) -> String {
        plain_text(self.text(), self.allow_html)
    }

    /// [`Document::plain_text`] less the text of each autolink whose address `hidden`
    /// takes: its text is its address, which names what the reader may not see.
    pub fn plain_text_hiding(&self, hidden: impl Fn(&str) -> bool) -> String {
        words_hiding(self.text(), self.allow_html, hidden)
    }
}

/// The words of a Markdown text without its markup, as a reader sees them, one space
/// between each: line breaks and indents are not words.
pub fn plain_text(text: &str, allow_html: bool) -> String {
    words_hiding(text, allow_html, |_| false)
}

/// [`plain_text`] less the text of each autolink whose address `hidden` takes.
fn words_hiding(text: &str, allow_html: bool, hidden: impl Fn(&str) -> bool) -> String {
    let mut words = Words::default();
    let mut hiding = HiddenAutolink::default();
    for (event, _) in events(text, allow_html) {
        let text = matches!(event, Event::Text(_) | Event::Code(_));
        let was_inside = hiding.inside;
        let inside = hiding.hides(&event, &hidden);
        if inside && !was_inside {
            // Read as the page shows it.
            words.add(&Event::Text("(restricted)".into()));
        }
        if !(inside && text) {
            words.add(&event);
        }
    }
    text::html_safe(words.plain)
}

/// Where each of `values`, read from the raw HTML at `range` of `text`, is written there,
/// each after the one before it; else (written `&amp;` for `&`, say) the line its tag ends
/// on.
fn placed(text: &str, range: &Range<usize>, values: Vec<Found>) -> Vec<(Range<usize>, String)> {
    let mut from = range.start;
    values
        .into_iter()
        .map(
            |Found { value, line }| match text[from..range.end].find(value.as_str()) {
                Some(i) => {
                    from += i + value.len();
                    (from - value.len()..from, value)
                }
                None => {
                    let lines = text[range.clone()].split_inclusive('\n');
                    let start = range.start
                        + lines
                            .take(line.saturating_sub(1))
                            .map(str::len)
                            .sum::<usize>();
                    let written = text[start..range.end].lines().next().unwrap_or_default();
                    let indent = written.len() - written.trim_start().len();
                    from = from.max(start);
                    (start + indent..start + written.trim_end().len(), value)
                }
            },
        )
        .collect()
}

/// Raw HTML as a document's events give it: an inline tag at a time, a block a line at a
/// time, whole only when it ends, since a tag in it may run over several lines. Read and
/// written again in the same units, so its links are taken in the same order.
#[derive(Default)]
struct RawHtmlUnits {
    block: Option<String>,
}

/// What an event is of raw HTML.
enum RawUnit<'e> {
    /// Not raw HTML, or not where the page allows it (it is text there).
    Not,
    /// A line of a block, held until the block ends.
    Held,
    Inline(&'e str),
    /// A block, at its end.
    Block(String),
}

impl RawHtmlUnits {
    fn unit<'e>(&mut self, event: &'e Event, allow_html: bool) -> RawUnit<'e> {
        if !allow_html {
            return RawUnit::Not;
        }
        match event {
            Event::Start(Tag::HtmlBlock) => {
                self.block = Some(String::new());
                RawUnit::Not
            }
            Event::Html(s) => match self.block.as_mut() {
                Some(block) => {
                    block.push_str(s);
                    RawUnit::Held
                }
                None => RawUnit::Not,
            },
            Event::End(TagEnd::HtmlBlock) => match self.block.take() {
                Some(block) => RawUnit::Block(block),
                None => RawUnit::Not,
            },
            Event::InlineHtml(s) => RawUnit::Inline(s),
            _ => RawUnit::Not,
        }
    }
}

/// Where a text's events are an autolink whose address `hidden` takes: its text is its
/// address, which names what the reader may not see. The one rule for a page's words and
/// its headings' titles.
#[derive(Default)]
struct HiddenAutolink {
    inside: bool,
}

impl HiddenAutolink {
    /// Notes `event`: whether it opens such an autolink or is inside one.
    fn hides(&mut self, event: &Event, hidden: &dyn Fn(&str) -> bool) -> bool {
        match event {
            Event::Start(Tag::Link {
                link_type: LinkType::Autolink,
                dest_url,
                ..
            }) => self.inside = hidden(dest_url),
            Event::Start(Tag::Link { .. }) | Event::End(TagEnd::Link) => self.inside = false,
            _ => {}
        }
        self.inside
    }
}

/// Words read from a document's events, one space between each.
#[derive(Default)]
struct Words {
    plain: String,
    /// Whether white space, or the end of a block or line, came since the last word.
    apart: bool,
    raw: RawHtml,
}

impl Words {
    fn add(&mut self, event: &Event) {
        match event {
            Event::Text(s) | Event::Code(s) => self.push_text(s),
            // Only where raw HTML is allowed: elsewhere it reaches here as text.
            Event::Html(s) | Event::InlineHtml(s) => {
                let text = self.raw.shown(s);
                self.push_text(&text);
            }
            Event::SoftBreak | Event::HardBreak => self.apart = true,
            // Inline markup starts and ends inside a sentence: "**Legal**:" reads "Legal:". A
            // block starts and ends apart from what is beside it, a list nested in an item
            // too: "- Access\n  - Break glass" reads "Access Break glass".
            e if ends_phrase(e) => self.apart = true,
            _ => {}
        }
    }

    /// Adds the words of `text`: each run of white space, then each run of words one
    /// ASCII space apart, as they are written, added at once, read a byte at a time where
    /// it is ASCII, as nearly all is. `split_whitespace` decoding every character was a
    /// tenth of the build of plain pages, and a copy for each word 7% more of it.
    fn push_text(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < text.len() {
            let gap = i;
            while let Some((true, len)) = space_at(text, i) {
                i += len;
            }
            if i > gap {
                self.apart = true;
            }
            let words = i;
            i = word_end(text, i);
            while bytes.get(i) == Some(&b' ') && matches!(space_at(text, i + 1), Some((false, _))) {
                i = word_end(text, i + 1);
            }
            if i > words {
                self.push_word(&text[words..i]);
            }
        }
    }

    /// Adds a word, or words one space apart, after a space if white space came first.
    fn push_word(&mut self, word: &str) {
        if self.apart && !self.plain.is_empty() {
            self.plain.push(' ');
        }
        self.apart = false;
        self.plain.push_str(word);
    }
}

/// The elements a sentence holds: text on either side of their tags is one word.
const INLINE_TAGS: &[&str] = &[
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "i", "ins", "kbd",
    "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "time", "tt", "u",
    "var",
];

/// Raw HTML read a piece at a time, as pulldown-cmark gives it (a line of a block, a tag
/// inline), for the words a reader sees in it once it is cleaned (`raw_html`): not its
/// tags and comments, nor a script's or a style sheet's text, which the page does not show.
#[derive(Default)]
struct RawHtml {
    /// The tag being read, from after its `<`; a comment's holds `>`s until its `-->`.
    tag: Option<String>,
    /// Whether the text read is inside `<script>` or `<style>`.
    unshown: bool,
}

impl RawHtml {
    /// The text of `html` shown to a reader, a space for each tag but those that mark
    /// text inside a sentence: `<td>a</td><td>b</td>` is two words, `<b>zebra</b>fish` one.
    fn shown(&mut self, html: &str) -> String {
        let mut shown = String::new();
        let mut chars = html.chars().peekable();
        while let Some(c) = chars.next() {
            match self.tag.as_mut() {
                // A comment ends at `-->`, not its first `>`.
                Some(tag) if c == '>' && (!tag.starts_with("!--") || tag.ends_with("--")) => {
                    let name = tag.trim_start_matches('/');
                    let name = &name[..name
                        .find(|c: char| !c.is_ascii_alphanumeric())
                        .unwrap_or(name.len())];
                    if name.eq_ignore_ascii_case("script") || name.eq_ignore_ascii_case("style") {
                        self.unshown = !tag.starts_with('/');
                    }
                    if !INLINE_TAGS.iter().any(|t| name.eq_ignore_ascii_case(t)) {
                        shown.push(' ');
                    }
                    self.tag = None;
                }
                Some(tag) => tag.push(c),
                // `a < b` is text: a tag starts with a letter, `/` or `!`.
                None if c == '<'
                    && chars
                        .peek()
                        .is_some_and(|n| n.is_ascii_alphabetic() || matches!(n, '/' | '!')) =>
                {
                    self.tag = Some(String::new());
                }
                None if !self.unshown => shown.push(c),
                None => {}
            }
        }
        shown
    }
}

/// Where the word at byte `i` of `text` ends: at white space or the end of the text.
fn word_end(text: &str, mut i: usize) -> usize {
    let bytes = text.as_bytes();
    loop {
        while bytes.get(i).is_some_and(|&b| b > b' ' && b.is_ascii()) {
            i += 1;
        }
        match space_at(text, i) {
            Some((false, len)) => i += len,
            _ => return i,
        }
    }
}

/// Whether the character at byte `i` of `text` is white space, and its length in bytes;
/// `None` at the end.
fn space_at(text: &str, i: usize) -> Option<(bool, usize)> {
    let byte = *text.as_bytes().get(i)?;
    if byte > b' ' && byte.is_ascii() {
        return Some((false, 1));
    }
    if byte.is_ascii() {
        return Some((byte == b' ' || (b'\t'..=b'\r').contains(&byte), 1));
    }
    let c = text[i..].chars().next().unwrap_or_default();
    Some((c.is_whitespace(), c.len_utf8()))
}

/// Removes the white space at both ends of `s` without a copy.
fn trim_in_place(s: &mut String) {
    s.truncate(s.trim_end().len());
    let start = s.len() - s.trim_start().len();
    s.drain(..start);
}

/// Events whose HTML every reader can use, as WCAG 2.2 (and axe-core) ask: a task's
/// checkbox sits in a `<label>` with the task's text, which names it; a task with no text
/// stays the `[ ]` it was written as, since a checkbox must have a name; an empty header
/// cell, such as a table's corner, is a plain cell, since a header with no text heads
/// nothing; a finding code stays on one line; an alert says its kind in words.
struct Accessible<'a, I: Iterator<Item = Event<'a>>> {
    events: Peekable<I>,
    /// The event that closed a task's label, given after the `</label>`.
    after_label: Option<Event<'a>>,
    /// The event that comes after the one just returned: a table inside its box.
    held: Option<Event<'a>>,
    in_label: bool,
    /// The columns' alignments of the table being read, and whether in its header row.
    alignments: Vec<Alignment>,
    in_head: bool,
    head_cell: usize,
}

impl<'a, I: Iterator<Item = Event<'a>>> Accessible<'a, I> {
    fn new(events: I) -> Self {
        Accessible {
            events: events.peekable(),
            after_label: None,
            held: None,
            in_label: false,
            alignments: Vec::new(),
            in_head: false,
            head_cell: 0,
        }
    }

    fn rewrite(&mut self, event: Event<'a>) -> Event<'a> {
        match event {
            // A finding code is one word to a reader, and the stylesheet keeps it on one
            // line: a browser breaks a line after any hyphen of a plain `<code>`.
            Event::Code(ref code) if CODES.contains(&code.as_ref()) => {
                Event::InlineHtml(format!("<code class=\"finding-code\">{code}</code>").into())
            }
            Event::TaskListMarker(done) => {
                let mark = if done { "[x]" } else { "[ ]" };
                if self.events.peek().is_none_or(ends_phrase) {
                    return Event::Text(mark.into());
                }
                self.in_label = true;
                let checked = if done { " checked=\"\"" } else { "" };
                Event::Html(
                    format!(
                        "<label class=\"task\"><input disabled=\"\" type=\"checkbox\"{checked}/>\n"
                    )
                    .into(),
                )
            }
            // A table scrolls sideways in a box of its own at narrow widths, and the box
            // takes the keyboard focus, so the table can be scrolled without a mouse.
            Event::Start(Tag::Table(ref alignments)) => {
                self.alignments.clone_from(alignments);
                self.held = Some(event);
                Event::Html(TABLE_BOX.into())
            }
            Event::End(TagEnd::Table) => {
                self.held = Some(Event::Html("</div>\n".into()));
                event
            }
            Event::Start(Tag::TableHead) => {
                (self.in_head, self.head_cell) = (true, 0);
                event
            }
            Event::End(TagEnd::TableHead) => {
                self.in_head = false;
                event
            }
            // The header row's cells are written here, each `<th>` or `<td>` with its
            // column's alignment; the body's are left to pulldown-cmark.
            Event::Start(Tag::TableCell) if self.in_head => {
                let style = match self.alignments.get(self.head_cell) {
                    Some(Alignment::Left) => " style=\"text-align: left\"",
                    Some(Alignment::Center) => " style=\"text-align: center\"",
                    Some(Alignment::Right) => " style=\"text-align: right\"",
                    _ => "",
                };
                self.head_cell += 1;
                if matches!(self.events.peek(), Some(Event::End(TagEnd::TableCell))) {
                    self.events.next();
                    Event::Html(format!("<td{style}></td>").into())
                } else {
                    Event::Html(format!("<th{style}>").into())
                }
            }
            Event::End(TagEnd::TableCell) if self.in_head => Event::Html("</th>".into()),
            // GitHub's alert (`> [!WARNING]`), which a handbook read on GitHub shows too, is
            // a quote titled with its kind, as GitHub writes it: the kind reads in print and
            // to a screen reader, not in the colour alone.
            Event::Start(Tag::BlockQuote(Some(kind))) => {
                let (class, title) = match kind {
                    BlockQuoteKind::Note => ("note", "Note"),
                    BlockQuoteKind::Tip => ("tip", "Tip"),
                    BlockQuoteKind::Important => ("important", "Important"),
                    BlockQuoteKind::Warning => ("warning", "Warning"),
                    BlockQuoteKind::Caution => ("caution", "Caution"),
                };
                Event::Html(
                    format!(
                        "<blockquote class=\"alert alert-{class}\">\n<p class=\"alert-title\">{title}</p>\n"
                    )
                    .into(),
                )
            }
            other => other,
        }
    }
}

impl<'a, I: Iterator<Item = Event<'a>>> Iterator for Accessible<'a, I> {
    type Item = Event<'a>;

    fn next(&mut self) -> Option<Event<'a>> {
        if let Some(event) = self.after_label.take().or_else(|| self.held.take()) {
            return Some(event);
        }
        let event = self.events.next()?;
        if self.in_label && ends_phrase(&event) {
            self.in_label = false;
            self.after_label = Some(self.rewrite(event));
            return Some(Event::Html("</label>".into()));
        }
        Some(self.rewrite(event))
    }
}

/// The box around a Markdown table, as the theme's templates write theirs.
const TABLE_BOX: &str =
    "<div class=\"table-wrap\" tabindex=\"0\" role=\"group\" aria-label=\"Table\">";

/// Whether `event` ends a run of phrasing content, all that a `<label>` may hold.
fn ends_phrase(event: &Event) -> bool {
    match event {
        Event::Start(tag) => !matches!(
            tag,
            Tag::Emphasis
                | Tag::Strong
                | Tag::Strikethrough
                | Tag::Superscript
                | Tag::Subscript
                | Tag::Link { .. }
                | Tag::Image { .. }
        ),
        Event::End(tag) => !matches!(
            tag,
            TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
                | TagEnd::Superscript
                | TagEnd::Subscript
                | TagEnd::Link
                | TagEnd::Image
        ),
        Event::Html(_) | Event::Rule | Event::DisplayMath(_) => true,
        _ => false,
    }
}

/// The ids a document gives: its headings', then its footnotes'.
#[derive(Clone, Copy)]
struct Given<'a> {
    headings: &'a [Heading],
    footnotes: &'a [Footnote],
}

impl<'a> Given<'a> {
    fn at(self, index: usize) -> &'a str {
        match index.checked_sub(self.headings.len()) {
            None => &self.headings[index].id,
            Some(i) => &self.footnotes[i].id,
        }
    }
}

/// The ids of a document, its headings' and its footnotes' in one set, so that no two
/// elements of a page share one. The table holds each id's index in [`Given`] with its
/// hash, so that an id is kept once, where it is given (a page may have a million), and
/// the table grows without reading the ids again.
#[derive(Debug, Clone)]
struct Ids {
    table: HashTable<(u64, usize)>,
    hasher: ahash::RandomState,
    /// For each id given more than once, the next suffix to try: so each of many equal
    /// headings takes a step or two, not a step for every one before it.
    next: HashMap<String, usize>,
    /// The ids the page's template gives its own elements, which no heading may take.
    reserved: Reserved,
    /// The ids raw HTML gives elements of the text, which no heading may take either.
    raw: HashSet<String>,
}

impl Ids {
    fn yielding_to(reserved: Reserved) -> Ids {
        Ids {
            table: HashTable::default(),
            hasher: ahash::RandomState::default(),
            next: HashMap::default(),
            reserved,
            raw: HashSet::default(),
        }
    }

    /// Whether an element of the page has the id `id` already.
    fn taken(&self, given: Given, id: &str) -> bool {
        self.reserved.contains(id) || self.raw.contains(id) || self.find(given, id).is_some()
    }

    /// The index in `given` of the id `id`.
    fn find(&self, given: Given, id: &str) -> Option<usize> {
        let hash = self.hasher.hash_one(id);
        self.table
            .find(hash, |&(h, i)| h == hash && given.at(i) == id)
            .map(|&(_, i)| i)
    }

    /// Notes the id at `index` of `given`, which no id before it has.
    fn add(&mut self, given: Given, index: usize) {
        let hash = self.hasher.hash_one(given.at(index));
        self.table.insert_unique(hash, (hash, index), |&(h, _)| h);
    }

    /// `base`, or `base-1`, `base-2`, ... when an id of `given` already is it.
    fn unique(&mut self, given: Given, base: String) -> String {
        if !self.taken(given, &base) {
            return base;
        }
        let mut n = self.next.get(base.as_str()).copied().unwrap_or(1);
        let mut unique = String::with_capacity(base.len() + 4);
        loop {
            unique.clear();
            let _ = write!(unique, "{base}-{n}");
            n += 1;
            if !self.taken(given, &unique) {
                match self.next.get_mut(base.as_str()) {
                    Some(next) => *next = n,
                    None => {
                        self.next.insert(base, n);
                    }
                }
                return unique;
            }
        }
    }

    /// Gives the heading or footnote at `index` of [`Given`] the id `base`, or the first of
    /// `base-1`, `base-2`, ... that no id given before it is.
    fn claim(
        &mut self,
        headings: &mut [Heading],
        footnotes: &mut [Footnote],
        index: usize,
        base: String,
    ) {
        let id = self.unique(
            Given {
                headings,
                footnotes,
            },
            base,
        );
        match index.checked_sub(headings.len()) {
            None => headings[index].id = id,
            Some(n) => footnotes[n].id = id,
        }
        self.add(
            Given {
                headings,
                footnotes,
            },
            index,
        );
    }

    /// Gives every heading and footnote its id, each written after `prefix`, and returns
    /// where an explicit id repeats an earlier one or the template's. An id written
    /// `{#...}` is kept as written, as Hugo and Zola keep it, so a link to it goes where its
    /// author meant: the ids made from titles yield to it, and footnotes' ids, `fn-` and
    /// their label, yield to both. All yield to the template's. A clashing explicit id is
    /// an error; its heading takes a free id meanwhile.
    fn assign(
        &mut self,
        prefix: &str,
        headings: &mut [Heading],
        explicit: &[Option<(String, Range<usize>)>],
        raw: &[(String, Range<usize>)],
        footnotes: &mut [Footnote],
    ) -> Vec<IdClash> {
        let mut clashes = Vec::new();
        // Raw HTML's ids are as written ids are: kept, unless the theme's or one before.
        for (id, span) in raw {
            let theme = self.reserved.contains(id);
            if theme || !self.raw.insert(id.clone()) {
                let span = span.clone();
                clashes.push(IdClash {
                    span,
                    theme,
                    raw: true,
                });
            }
        }
        // The headings whose id is made here, each with the id it starts from.
        let mut made = Vec::new();
        for (i, written) in explicit.iter().enumerate() {
            let Some((id, span)) = written else {
                let slug = slugify(&headings[i].title);
                let slug = if slug.is_empty() { "section" } else { &slug };
                made.push((i, format!("{prefix}{slug}")));
                continue;
            };
            let id = format!("{prefix}{id}");
            let given = Given {
                headings,
                footnotes,
            };
            if self.taken(given, &id) {
                let theme = self.reserved.contains(&id);
                let span = span.clone();
                clashes.push(IdClash {
                    span,
                    theme,
                    raw: false,
                });
                made.push((i, id));
            } else {
                self.claim(headings, footnotes, i, id);
            }
        }
        for (i, base) in made {
            self.claim(headings, footnotes, i, base);
        }
        let count = headings.len();
        for n in 0..footnotes.len() {
            let base = match slugify(&footnotes[n].key).as_str() {
                "" => format!("{prefix}fn-{}", n + 1),
                s => format!("{prefix}fn-{s}"),
            };
            self.claim(headings, footnotes, count + n, base);
        }
        clashes
    }
}

/// How the text of a link to something the audience may not read begins and ends: marked,
/// so that a reader, or a printout, tells it from plain text.
pub(crate) const RESTRICTED_OPEN: &str = "<span class=\"restricted\">";
pub(crate) const RESTRICTED_CLOSE: &str =
    " <span class=\"restricted-mark\">(restricted)</span></span>";

/// An autolink's text is its address; once the address is rewritten, keep it a plain link.
fn plain(link_type: LinkType) -> LinkType {
    match link_type {
        LinkType::Autolink | LinkType::Email => link_type,
        _ => LinkType::Inline,
    }
}

/// Text for HTML or SVG: an element's text or a double-quoted attribute, closing what it
/// leaves open of bidirectional formatting ([`text::bidi_closers`]).
pub fn escape_html(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out + &text::bidi_closers(value)
}

/// A text event that closes the bidirectional formatting it leaves open: a run of text
/// cannot reorder the link, code or emphasis after it. Formatting that spans markup is
/// cut at it; a page that allows HTML can span it with `<bdi>` or `dir`.
fn close_bidi(event: Event<'_>) -> Event<'_> {
    fn closed(s: CowStr<'_>) -> CowStr<'_> {
        match text::bidi_closed(&s) {
            Cow::Owned(closed) => closed.into(),
            Cow::Borrowed(_) => s,
        }
    }
    match event {
        Event::Text(s) => Event::Text(closed(s)),
        Event::Code(s) => Event::Code(closed(s)),
        other => other,
    }
}

/// A footnote's label as footnotes are matched: `[^Note]` refers to `[^note]`.
fn footnote_key(label: &str) -> String {
    label.to_lowercase()
}

/// A heading's anchor, as GitHub makes it: lowercase, letters and digits kept, spaces to
/// hyphens, other punctuation dropped.
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim().chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if c == ' ' || c == '-' {
            out.push('-');
        } else if c == '_' {
            out.push('_');
        }
    }
    out
}

/// Renders a Markdown field of a record, shown under a heading of level `under`: raw HTML
/// always escaped, images on other hosts shown as links, each id starting with `prefix`,
/// each heading below `under` ([`Document::render_under`]), a link to one of its own
/// headings or footnotes led to its id, and each other link's target as `resolve` writes
/// it, unless it could run code.
pub fn render_untrusted(
    text: &str,
    prefix: &str,
    under: u8,
    mut resolve: impl FnMut(&str) -> String,
) -> String {
    let doc = Document::parse_field(text, false, prefix);
    let own = |dest: &str| match links::classify(dest) {
        links::Target::Anchor(a) => doc.anchor_id(&links::decode(a)).map(links::fragment),
        _ => None,
    };
    let targets: Vec<String> = doc
        .links
        .iter()
        .map(|l| own(&l.dest).unwrap_or_else(|| links::neutralise(&resolve(&l.dest)).into()))
        .collect();
    doc.render_under(&targets, false, under)
}

/// The first block of a record's Markdown field as one line of plain text: its words as a
/// reader sees them, without markup, separated by single spaces. The tracker's Notes
/// column holds it.
pub fn first_block_text(markdown: &str) -> String {
    let mut text = String::new();
    let mut depth = 0usize;
    for (event, _) in events(markdown, false) {
        match event {
            Event::Start(_) => depth += 1,
            Event::End(end) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
                let inline = matches!(
                    end,
                    TagEnd::Emphasis
                        | TagEnd::Strong
                        | TagEnd::Strikethrough
                        | TagEnd::Link
                        | TagEnd::Image
                        | TagEnd::Superscript
                        | TagEnd::Subscript
                );
                if !inline {
                    text.push(' ');
                }
            }
            Event::Text(s) | Event::Code(s) | Event::InlineMath(s) | Event::DisplayMath(s) => {
                text.push_str(&s);
            }
            Event::SoftBreak | Event::HardBreak | Event::Rule => text.push(' '),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Plain `text` written as Markdown that reads as the same words: each character that
/// could start markup is escaped with a backslash, and each line starts at its first
/// character. For a text without blank lines, [`first_block_text`] of the result is the
/// text with its runs of blanks made single spaces.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    // A lone carriage return would end a line in Markdown; in plain text it is a blank.
    let text = text.replace("\r\n", "\n").replace('\r', " ");
    for (n, line) in text.split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let line = line.trim_start();
        // A list item, heading, quote or heading underline starts with these; an ordered
        // list item with digits and `.` or `)`.
        let digits = line.len() - line.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        for (i, c) in line.char_indices() {
            let at_start = i == 0 && matches!(c, '#' | '>' | '-' | '+' | '=');
            let list_number = i == digits && digits > 0 && matches!(c, '.' | ')');
            let anywhere = matches!(c, '\\' | '`' | '*' | '_' | '[' | '<' | '&' | '|' | '~');
            if at_start || list_number || anywhere {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

/// `text` with each link and image whose destination `drop` takes written as its text and
/// " (restricted)" (an autolink, whose text is its destination, as "(restricted)"), and each
/// link reference definition that `drop` takes removed: Markdown that names nothing
/// `drop` takes, for wherever it is shown as written. `None` when nothing was dropped.
pub fn unlink(text: &str, drop: impl Fn(&str) -> bool) -> Option<String> {
    relink(text, |dest| {
        drop(dest).then_some(Relink::Text(" (restricted)"))
    })
}

/// What [`relink`] makes of a link or image it does not keep as written.
pub enum Relink {
    /// Led to this address instead, its text and title kept.
    To(String),
    /// Written as its text followed by this; an autolink, whose text is its destination,
    /// as this alone, or as its text when this is empty.
    Text(&'static str),
}

/// `text` with each link and image made what `how` says of its destination (`None`: kept
/// as written), and each link reference definition whose links `how` changes removed,
/// since those links are written in full: Markdown for a reader that cannot follow the
/// links as written. `None` when nothing changed.
pub fn relink(text: &str, how: impl Fn(&str) -> Option<Relink>) -> Option<String> {
    /// A link or image open: its whole source, what becomes of it, the source of what it
    /// holds, whether its text is its destination, and its kind and title when it is led
    /// elsewhere.
    struct Open<'t> {
        whole: Range<usize>,
        how: Option<Relink>,
        inner: Option<Range<usize>>,
        autolink: bool,
        image: bool,
        title: CowStr<'t>,
    }
    let parser = Parser::new_ext(text, options()).into_offset_iter();
    // Replacements of source ranges, none inside another.
    let mut edits: Vec<(Range<usize>, String)> = parser
        .reference_definitions()
        .iter()
        .filter(|(_, def)| how(&def.dest).is_some())
        .map(|(_, def)| (def.span.clone(), String::new()))
        .collect();
    let mut open: Vec<Open> = Vec::new();
    for (event, range) in parser {
        let closes = matches!(event, Event::End(TagEnd::Link | TagEnd::Image));
        if closes && let Some(link) = open.pop() {
            if let Some(how) = link.how {
                let inner = link.inner.unwrap_or(link.whole.end..link.whole.end);
                // What was changed inside goes into this one's text.
                let (within, rest): (Vec<_>, Vec<_>) = edits
                    .into_iter()
                    .partition(|(r, _)| inner.start <= r.start && r.end <= inner.end);
                edits = rest;
                let shown = apply(&text[inner.clone()], inner.start, within);
                let written = match how {
                    Relink::Text(after) if link.autolink && !after.is_empty() => {
                        after.trim_start().to_string()
                    }
                    Relink::Text(after) => format!("{shown}{after}"),
                    Relink::To(dest) => {
                        let bang = if link.image { "!" } else { "" };
                        let dest = dest.replace('<', "%3C").replace('>', "%3E");
                        let title = match link.title.is_empty() {
                            true => String::new(),
                            false => {
                                let title = link.title.replace('\\', "\\\\");
                                format!(" \"{}\"", title.replace('"', "\\\""))
                            }
                        };
                        format!("{bang}[{shown}](<{dest}>{title})")
                    }
                };
                edits.push((link.whole, written));
            }
            for o in &mut open {
                let inner = o.inner.get_or_insert(range.clone());
                inner.end = inner.end.max(range.end);
            }
            continue;
        }
        for o in &mut open {
            let inner = o.inner.get_or_insert(range.clone());
            inner.start = inner.start.min(range.start);
            inner.end = inner.end.max(range.end);
        }
        let (dest_url, link_type, title, image) = match event {
            Event::Start(Tag::Link {
                dest_url,
                link_type,
                title,
                ..
            }) => (dest_url, link_type, title, false),
            Event::Start(Tag::Image {
                dest_url,
                link_type,
                title,
                ..
            }) => (dest_url, link_type, title, true),
            _ => continue,
        };
        open.push(Open {
            whole: range,
            how: how(&dest_url),
            inner: None,
            autolink: matches!(link_type, LinkType::Autolink | LinkType::Email),
            image,
            title,
        });
    }
    (!edits.is_empty()).then(|| apply(text, 0, edits))
}

/// `text`, which starts at `offset` of the source, with each of `edits` (source ranges and
/// what replaces them, none inside another) made.
fn apply(text: &str, offset: usize, mut edits: Vec<(Range<usize>, String)>) -> String {
    edits.sort_by_key(|(r, _)| r.start);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (range, with) in edits {
        let (start, end) = (range.start - offset, range.end - offset);
        if start < at {
            continue;
        }
        out.push_str(&text[at..start]);
        out.push_str(&with);
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render_as_written(text: &str, allow_html: bool) -> String {
        let doc = Document::parse_text(text, allow_html);
        let targets: Vec<String> = doc.links.iter().map(|l| l.dest.clone()).collect();
        doc.render(&targets, true)
    }

    fn untrusted(text: &str) -> String {
        render_untrusted(text, "", 0, str::to_string)
    }

    #[test]
    fn plain_text_separates_blocks_and_not_inline_markup() {
        assert_eq!(
            plain_text(
                "## Notify\n**Legal** decides: see [the\npage](a.md).\n\n- one\n- two",
                false
            ),
            "Notify Legal decides: see the page. one two"
        );
        // A comment is a note to the authors: neither shown nor searched, raw HTML or not.
        let text = "Text <!-- inline\nnote --> more.\n\n<!--\nblock note\n-->\n\n\
                    <!-- one line --> after it\n\n<div>x</div>\n";
        assert_eq!(plain_text(text, false), "Text more. after it <div>x</div>");
        let html = Document::parse_text(text, false).render(&[], false);
        assert!(
            !html.contains("note") && html.contains("&lt;div&gt;"),
            "{html}"
        );
        let html = Document::parse_text(text, true).render(&[], false);
        assert!(
            !html.contains("note") && html.contains("<div>x</div>"),
            "{html}"
        );
        // Raw HTML's text is searched as it is shown: not its tags, comments or scripts.
        assert_eq!(plain_text(text, true), "Text more. after it x");
        let html = "<details><summary>Escalation</summary>Call the <b>zebra</b>fish line.\n\
                    <!-- a <b>note</b> --></details>\n\n\
                    <table><tr><td>a</td><td>b</td></tr></table>\n\n\
                    <script>var hidden = 1;</script>\n\n<p>1 < 2</p>";
        assert_eq!(
            plain_text(html, true),
            "Escalation Call the zebrafish line. a b 1 < 2"
        );
        // A comment that closes where it opens, or never, hides no block after it.
        let text = "<!-->\n\n<div>shown</div>\n\n<!--->\n\n<p>also</p>\n\n<!-- open\n\nafter\n";
        assert_eq!(plain_text(text, false), "<div>shown</div> <p>also</p>");
        assert_eq!(
            plain_text(
                "- Access control\n  - Privileged access\n  - Break glass\n",
                false
            ),
            "Access control Privileged access Break glass"
        );
        assert_eq!(
            plain_text("| a | b |\n|---|---|\n| c | d |\n", false),
            "a b c d"
        );
    }

    /// The words read with a document's headings and links are those it gives alone.
    #[test]
    fn words_read_with_a_document_are_its_plain_text() {
        let text = "---\n# Title *here*\n\nSome **bold** text,\n  a [link](x.md).\n\n| a | b |\n|---|---|\n| `c` | d |\n\n- [ ] task\n";
        let source = SourceFile::new("p.md", text);
        let (doc, words) =
            Document::parse_with_words(&source, 4..text.len(), false, theme_ids::none());
        assert_eq!(words, doc.plain_text());
        assert_eq!(words, "Title here Some bold text, a link. a b c d task");
    }

    /// Every run of white space, Unicode's too, is one space, and there is none at either
    /// end, as `split_whitespace` reads words.
    #[test]
    fn plain_text_is_words_one_space_apart() {
        let text =
            " \u{3000}Tabs\tand\u{a0}no-break\u{2003}spaces  a  b\r\n\x0b\x0cé\u{85}end\u{200b}x ";
        let expected = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(plain_text(text, false), expected);
        assert_eq!(expected, "Tabs and no-break spaces a b é end\u{200b}x");
    }

    #[test]
    fn headings_get_unique_ids_and_anchors() {
        let doc = Document::parse_text(
            "# Step 1: Triage!\n\n## Notes\n\n## Notes\n\n## Own {#mine}\n",
            false,
        );
        let ids: Vec<&str> = doc.headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["step-1-triage", "notes", "notes-1", "mine"]);
        let html = doc.render(&[], false);
        assert!(
            html.contains("<h2 id=\"notes-1\">Notes<a class=\"anchor\" href=\"#notes-1\""),
            "{html}"
        );
    }

    /// A heading's emphasis, code or link ends inside it: the heading is whole, and each
    /// heading keeps its own id, where the first end inside it dropped it and moved the
    /// ids of those after it up by one.
    #[test]
    fn a_heading_with_inline_markup_is_read_whole() {
        let doc = Document::parse_text(
            "## A *b* c\n\n## Second\n\n## Use `x` and [y](y.md) {#own}\n",
            false,
        );
        let read: Vec<(&str, &str)> = (doc.headings.iter())
            .map(|h| (h.id.as_str(), h.title.as_str()))
            .collect();
        assert_eq!(
            read,
            [
                ("a-b-c", "A b c"),
                ("second", "Second"),
                ("own", "Use x and y")
            ]
        );
        let html = doc.render(&[], false);
        for id in ["a-b-c", "second", "own"] {
            assert!(html.contains(&format!("id=\"{id}\"")), "{id}: {html}");
        }
    }

    #[test]
    fn equal_headings_take_the_next_free_suffix() {
        let doc = Document::parse_text("# A\n# A 2\n# A\n# A\n# A 1\n# !\n# ?\n", false);
        let ids: Vec<&str> = doc.headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(
            ids,
            ["a", "a-2", "a-1", "a-3", "a-1-1", "section", "section-1"]
        );
    }

    /// An id written `{#...}` is kept as written, wherever it comes: a made id yields to
    /// it, and the same id written twice is reported at the second.
    #[test]
    fn explicit_ids_are_kept_and_made_ones_yield() {
        let text = "## Setup\n\n## Intro {#setup}\n\n## Again {.c #setup}\n\n[go](#setup)\n";
        let doc = Document::parse_text(text, false);
        let ids: Vec<&str> = doc.headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["setup-1", "setup", "setup-2"]);
        let repeated: Vec<&str> = (doc.id_clashes.iter())
            .map(|c| &text[c.span.clone()])
            .collect();
        assert_eq!(repeated, ["#setup"]);
        assert!(!doc.id_clashes[0].theme);
        assert_eq!(doc.id_clashes[0].span.start, text.rfind("#setup}").unwrap());
        let html = doc.render(&["#setup".into()], false);
        assert!(html.contains("<h2 id=\"setup\">Intro"), "{html}");
    }

    /// The ids the page's template gives its own elements are taken before any of the
    /// page's: a heading or footnote takes the next free one, an id written `{#...}` that
    /// is one of them is an error, and a link to one of them leads to the theme's element.
    #[test]
    fn the_templates_ids_are_taken_first() {
        let text = "## Main\n\n## Findings {#findings}\n\nA note.[^main]\n\n[^main]: x\n";
        let source = SourceFile::new("p.md", text);
        let reserved = ["main", "findings", "fn-main"].map(String::from);
        let reserved = Arc::new(reserved.into_iter().collect());
        let doc = Document::parse(&source, 0..text.len(), false, reserved);
        let ids: Vec<&str> = doc.anchors().collect();
        assert_eq!(
            ids,
            [
                "main-1",
                "findings-1",
                "fn-main-1",
                "findings",
                "fn-main",
                "main"
            ]
        );
        let clashes: Vec<(&str, bool)> = (doc.id_clashes.iter())
            .map(|c| (&text[c.span.clone()], c.theme))
            .collect();
        assert_eq!(clashes, [("#findings", true)]);
        assert!(doc.has_anchor("main") && doc.has_anchor("main-1"));
        assert_eq!(doc.anchor_id("main"), None);
    }

    /// Footnotes' ids are `fn-` and their label made as a heading's id is: apart from the
    /// headings', without spaces, the same for a label written in another case.
    #[test]
    fn footnotes_have_ids_of_their_own() {
        let text = concat!(
            "## Scope\n\n## 1\n\n## Fn 2\n\n",
            "a[^scope] b[^my note] c[^1] d[^My Note] e[^2] f[^!]\n\n",
            "[^scope]: s.\n[^my note]: m.\n[^1]: one.\n[^2]: two.\n[^!]: bang.\n",
        );
        let doc = Document::parse_text(text, false);
        let html = doc.render(&[], false);
        for part in [
            "<h2 id=\"scope\">",
            "<h2 id=\"1\">",
            "<h2 id=\"fn-2\">",
            "a<sup class=\"footnote-reference\"><a href=\"#fn-scope\">1</a></sup>",
            "b<sup class=\"footnote-reference\"><a href=\"#fn-my-note\">2</a></sup>",
            "c<sup class=\"footnote-reference\"><a href=\"#fn-1\">3</a></sup>",
            "d<sup class=\"footnote-reference\"><a href=\"#fn-my-note\">2</a></sup>",
            "e<sup class=\"footnote-reference\"><a href=\"#fn-2-1\">4</a></sup>",
            "f<sup class=\"footnote-reference\"><a href=\"#fn-5\">5</a></sup>",
            "<div class=\"footnote-definition\" id=\"fn-scope\">",
            "<div class=\"footnote-definition\" id=\"fn-my-note\">",
            "<div class=\"footnote-definition\" id=\"fn-2-1\">",
        ] {
            assert!(html.contains(part), "{part} missing in {html}");
        }
        assert!(doc.has_anchor("fn-scope") && doc.has_anchor("scope"));
        assert!(!doc.has_anchor("my note"));
    }

    /// A record's field gives its ids after its prefix, and its links to its own headings
    /// and footnotes lead there; a link to another anchor of the page is left as written.
    #[test]
    fn a_field_prefixes_its_ids_and_its_own_links() {
        let text = "## Summary\n\nSee [above](#summary), [note](#fn-1) and [approvals](#approvals).[^1]\n\n[^1]: n.\n";
        let html = render_untrusted(text, "description-", 0, |d| format!("resolved/{d}"));
        for part in [
            "<h2 id=\"description-summary\">Summary<a class=\"anchor\" href=\"#description-summary\"",
            "<a href=\"#description-summary\">above</a>",
            "<a href=\"#description-fn-1\">note</a>",
            "<a href=\"resolved/#approvals\">approvals</a>",
            "<a href=\"#description-fn-1\">1</a>",
            "id=\"description-fn-1\"",
        ] {
            assert!(html.contains(part), "{part} missing in {html}");
        }
    }

    #[test]
    fn alerts_are_quotes_titled_with_their_kind() {
        let text = concat!(
            "> [!WARNING]\n> Do not page the *CEO*.\n\n> [!note]\n> A note.\n\n",
            "> [!TIP] not an alert\n\n> Quote.\n",
        );
        let doc = Document::parse_text(text, false);
        assert_eq!(
            doc.render(&[], false),
            concat!(
                "<blockquote class=\"alert alert-warning\">\n<p class=\"alert-title\">Warning</p>\n",
                "<p>Do not page the <em>CEO</em>.</p>\n</blockquote>\n",
                "<blockquote class=\"alert alert-note\">\n<p class=\"alert-title\">Note</p>\n",
                "<p>A note.</p>\n</blockquote>\n",
                "<blockquote>\n<p>[!TIP] not an alert</p>\n</blockquote>\n",
                "<blockquote>\n<p>Quote.</p>\n</blockquote>\n",
            )
        );
        assert_eq!(
            doc.plain_text(),
            "Do not page the CEO. A note. [!TIP] not an alert Quote."
        );
    }

    #[test]
    fn another_tools_syntax_is_found_outside_code() {
        let text = concat!(
            "A {{< shortcode >}}, a [[wiki]] link and [[another]],\n",
            "`[[code]]` and\n\n```\n{{#include x.md}}\n```\n\n",
            "    {{% indented code %}}\n\nthen {{#include y.md}}.\n",
        );
        let doc = Document::parse_text(text, false);
        let found: Vec<&str> = doc.foreign.iter().map(|f| &text[f.span.clone()]).collect();
        assert_eq!(
            found,
            [
                "{{< shortcode >}}",
                "[[wiki]]",
                "[[another]]",
                "{{#include y.md}}"
            ]
        );
    }

    #[test]
    fn remote_images_are_links_unless_allowed() {
        let text = concat!(
            "![a *b*](https://h/p.png \"t\") ![c](//h/p.png) ![d](local.png) ",
            "[![e](https://h/e.png)](x) ![f ![g](https://h/g.png)](https://h/f.png) [h](y) ",
            "![](https://h/n.png) ![ ](https://h/s.png) [![](https://h/i.png)](z) ",
            "[![ \n ](https://h/w.png)](v) ![ *t*](https://h/t.png) ",
            "[![](dir/a%20logo.png?v=2)](u) [![Logo](logo.png)](v)",
        );
        let doc = Document::parse_text(text, false);
        let targets: Vec<String> = doc.links.iter().map(|l| l.dest.clone()).collect();
        let html = doc.render(&targets, false);
        for part in [
            "<a href=\"https://h/p.png\" title=\"t\">a b</a>",
            "<a href=\"//h/p.png\">c</a>",
            "<img src=\"local.png\" alt=\"d\" />",
            // Inside a link, an image's text only: a link cannot hold a link.
            "<a href=\"x\">e</a>",
            "<a href=\"https://h/f.png\">f g</a>",
            // The links after them keep their own targets.
            "<a href=\"y\">h</a>",
            // A link with no alt text to show is named by its address.
            "<a href=\"https://h/n.png\">https://h/n.png</a>",
            "<a href=\"https://h/s.png\">https://h/s.png</a>",
            "<a href=\"z\">https://h/i.png</a>",
            // Nor does a blank one, and the space before a first word is not shown.
            "<a href=\"v\">https://h/w.png</a>",
            "<a href=\"https://h/t.png\">t</a>",
            // A local image alone in a link is named by its file name, where it has no
            // alt text.
            "<a href=\"u\"><img src=\"dir/a%20logo.png?v=2\" alt=\"a logo.png\" /></a>",
            "<a href=\"v\"><img src=\"logo.png\" alt=\"Logo\" /></a>",
        ] {
            assert!(html.contains(part), "{part} missing in {html}");
        }
        assert!(!html.contains("<img src=\"https:"), "{html}");
        let html = doc.render(&targets, true);
        assert!(
            html.contains("<img src=\"https://h/p.png\" alt=\"a b\" title=\"t\" />"),
            "{html}"
        );
        assert!(
            html.contains("<img src=\"//h/p.png\" alt=\"c\" />"),
            "{html}"
        );
    }

    #[test]
    fn restricted_links_keep_their_text_only() {
        let text = "See [the *plan*](x.md), ![alt `a`](y.png), [![i](z.png)](x.md) and [ok](o.md).";
        let doc = Document::parse_text(text, false);
        let restricted = links::RESTRICTED.to_string();
        let targets = [
            restricted.clone(),
            restricted.clone(),
            restricted.clone(),
            restricted,
            "o/".to_string(),
        ];
        let html = doc.render(&targets, false);
        let mark = "<span class=\"restricted-mark\">(restricted)</span></span>";
        for part in [
            format!("<span class=\"restricted\">the <em>plan</em> {mark}"),
            format!("<span class=\"restricted\">alt a {mark}"),
            format!("<span class=\"restricted\"><span class=\"restricted\">i {mark} {mark}"),
            "<a href=\"o/\">ok</a>".to_string(),
        ] {
            assert!(html.contains(&part), "{part} missing in {html}");
        }
        assert!(
            !html.contains(".md") && !html.contains(".png") && !html.contains('\0'),
            "{html}"
        );
    }

    #[test]
    fn unlink_keeps_the_text_of_what_it_drops() {
        let drop = |dest: &str| dest.contains("secret");
        let text = concat!(
            "See [the *plan*](secret.md), [ok](fine.md), <exception:secret-1>,\n",
            "[![alt `x`](secret.png)](fine.md), [![y](secret.png)](secret.md) and [ref][r].\n\n",
            "[r]: exception:secret-2 \"title\"\n",
        );
        let out = unlink(text, drop).unwrap();
        assert_eq!(
            out,
            concat!(
                "See the *plan* (restricted), [ok](fine.md), (restricted),\n",
                "[alt `x` (restricted)](fine.md), y (restricted) (restricted) and ref (restricted).\n\n",
                "\n",
            )
        );
        assert_eq!(unlink("[a](fine.md) and text", drop), None);
    }

    #[test]
    fn relink_leads_links_elsewhere_keeping_text_and_title() {
        let how = |dest: &str| match dest {
            "x.md" => Some(Relink::To("../x/index.html".into())),
            "gone.md" | "exception:gone" => Some(Relink::Text("")),
            _ => None,
        };
        let text = concat!(
            "[a *b*](x.md \"say \\\"hi\\\" \\\\\"), ![img](x.md), [r][r], <exception:gone>, ",
            "[c](gone.md), [k](https://k.org)\n\n[r]: x.md\n",
        );
        let out = relink(text, how).unwrap();
        assert_eq!(
            out,
            concat!(
                "[a *b*](<../x/index.html> \"say \\\"hi\\\" \\\\\"), ",
                "![img](<../x/index.html>), [r](<../x/index.html>), exception:gone, c, ",
                "[k](https://k.org)\n\n\n",
            )
        );
        // What it writes reads back as the same links, the title whole.
        let doc = Document::parse_text(&out, false);
        let dests: Vec<&str> = doc.links.iter().map(|l| l.dest.as_str()).collect();
        assert_eq!(
            dests,
            [
                "../x/index.html",
                "../x/index.html",
                "../x/index.html",
                "https://k.org"
            ]
        );
        let html = render_as_written(&out, false);
        assert!(html.contains(r#"title="say &quot;hi&quot; \""#), "{html}");
    }

    #[test]
    fn raw_html_is_escaped_unless_allowed() {
        let html = render_as_written("hi <script>alert(1)</script>\n\n<div>x</div>\n", false);
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("<div>"), "{html}");
        let html = render_as_written("<div>x</div>\n", true);
        assert!(html.contains("<div>x</div>"), "{html}");
    }

    #[test]
    fn extensions_are_on() {
        let html = render_as_written(
            "| a |\n|---|\n| b |\n\n~~old~~\n\n- [x] done\n\nnote[^1]\n\n[^1]: foot\n",
            false,
        );
        for needle in [
            "<table>",
            "<del>old</del>",
            "type=\"checkbox\"",
            "footnote-definition",
        ] {
            assert!(html.contains(needle), "{needle} missing in {html}");
        }
    }

    #[test]
    fn task_checkboxes_are_labelled_by_their_text() {
        let html = render_as_written(
            concat!(
                "- [x] page *the* [commander](c.md)\n  - [ ] nested\n- [ ] `code`\n  wrapped\n\n",
                "1. [ ] loose\n\n   more\n\n- [ ]\n- [x] \n",
            ),
            false,
        );
        for part in [
            "<li><label class=\"task\"><input disabled=\"\" type=\"checkbox\" checked=\"\"/>\npage <em>the</em> <a href=\"c.md\">commander</a></label>\n<ul>",
            "<li><label class=\"task\"><input disabled=\"\" type=\"checkbox\"/>\nnested</label></li>",
            "<label class=\"task\"><input disabled=\"\" type=\"checkbox\"/>\n<code>code</code>\nwrapped</label></li>",
            "<li>\n<p><label class=\"task\"><input disabled=\"\" type=\"checkbox\"/>\nloose</label></p>\n<p>more</p>",
            // A task with no text has nothing to name its checkbox: it stays as written.
            "<li>[ ]</li>\n<li>[x]</li>",
        ] {
            assert!(html.contains(part), "{part} missing in {html}");
        }
        assert_eq!(html.matches("<label").count(), 4, "{html}");
        assert_eq!(html.matches("</label>").count(), 4, "{html}");
        // What ends the label is still read for what it is: here a table's alignments.
        let html = render_as_written("- [ ] a\n  | | x |\n  |--|:-:|\n  | 1 | 2 |\n", false);
        assert!(
            html.contains(concat!(
                "a</label><div class=\"table-wrap\" tabindex=\"0\" role=\"group\" aria-label=\"Table\">",
                "<table><thead><tr><td></td><th style=\"text-align: center\">x</th></tr>",
                "</thead><tbody>\n<tr><td>1</td><td style=\"text-align: center\">2</td></tr>",
            )),
            "{html}"
        );
        let html = untrusted("- [ ] in a record\n");
        assert!(html.contains("<label class=\"task\">"), "{html}");
    }

    #[test]
    fn empty_header_cells_are_plain_cells() {
        let html = render_as_written(
            "| | A | B |\n|:-:|--:|---|\n| x | y | z |\n\n| C | |\n|---|:-|\n| 1 | 2 |\n",
            false,
        );
        for part in [
            "<thead><tr><td style=\"text-align: center\"></td><th style=\"text-align: right\">A</th><th>B</th></tr></thead>",
            "<tr><td style=\"text-align: center\">x</td><td style=\"text-align: right\">y</td><td>z</td></tr>",
            "<thead><tr><th>C</th><td style=\"text-align: left\"></td></tr></thead>",
        ] {
            assert!(html.contains(part), "{part} missing in {html}");
        }
    }

    #[test]
    fn links_are_collected_with_spans_and_rewritten() {
        let text = "see [a](a.md#x) and ![i](/img.png)";
        let source = SourceFile::new("p.md", format!("{}{text}", " ".repeat(100)));
        let doc = Document::parse(&source, 100..source.text.len(), false, theme_ids::none());
        assert_eq!(doc.links.len(), 2);
        assert_eq!(doc.links[0].dest, "a.md#x");
        assert_eq!(
            &text[doc.links[0].span.start - 100..doc.links[0].span.end - 100],
            "[a](a.md#x)"
        );
        let html = doc.render(&["../a/index.html#x".into(), "../img.png".into()], false);
        assert!(html.contains("href=\"../a/index.html#x\""), "{html}");
        assert!(html.contains("src=\"../img.png\""), "{html}");
    }

    #[test]
    fn heading_attributes_cannot_script() {
        let html = untrusted("# A {#x\"onmouseover=\"alert(1)}\n\n## B {onclick=alert(1) .c}\n");
        assert!(
            html.contains("href=\"#x%22onmouseover=%22alert(1)\""),
            "{html}"
        );
        assert!(!html.contains("onclick"), "{html}");
        assert!(!html.contains("class=\"c\""), "{html}");
        let html = render_as_written("## B {onclick=alert(1) .c}\n", true);
        assert!(
            html.contains("class=\"c\""),
            "kept where raw HTML is: {html}"
        );
    }

    #[test]
    fn untrusted_markdown_cannot_script() {
        let html = untrusted("[x](javascript:alert(1)) <img src=x onerror=alert(1)>");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("<img"), "{html}");
    }

    #[test]
    fn first_block_text_drops_the_markup() {
        assert_eq!(
            first_block_text(
                "\nOne  line\nand **two** `code`,\n[a link](x.md) &amp; <b>.\n\nSecond.\n"
            ),
            "One line and two code, a link & <b>."
        );
        assert_eq!(first_block_text("- a\n- *b*\n\nc"), "a b");
    }

    #[test]
    fn a_finding_code_is_marked_to_stay_on_one_line_and_other_code_is_not() {
        let html = render_as_written(
            "See `exception.self-approved`, `exception.nope` and `a-b`.\n",
            false,
        );
        assert!(
            html.contains("<code class=\"finding-code\">exception.self-approved</code>"),
            "{html}"
        );
        assert!(html.contains("<code>exception.nope</code>"), "{html}");
        assert!(html.contains("<code>a-b</code>"), "{html}");
    }

    proptest::proptest! {
        /// The words of a text are those `split_whitespace` reads, one space apart, however
        /// the text's white space runs.
        #[test]
        fn plain_text_reads_the_words_split_whitespace_reads(
            text in "[a-z\\u{e9}\\u{2014} \\t\\n\\u{a0}\\u{3000}\\u{2003}\\u{85}]{0,60}",
        ) {
            let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
            proptest::prop_assert_eq!(plain_text(&text, false), words);
        }

        /// Plain text made Markdown reads back as the same words, whatever characters it
        /// holds: a tracker's Notes imported and exported again are the same.
        #[test]
        fn escaped_text_reads_back(lines in proptest::collection::vec(
            "[ \\t]{0,5}[!-~\\u{e9}\\u{2014}\\u{1f512}]([ -~]|[\\t\\r\\u{e9}\\u{a0}]){0,30}",
            1..4,
        )) {
            let text = lines.join("\n");
            let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
            proptest::prop_assert_eq!(first_block_text(&escape_text(&text)), words);
        }
    }
}
