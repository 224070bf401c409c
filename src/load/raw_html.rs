//! Raw HTML in a page, kept when `markdown.allow_html` is on, as GitHub keeps it in the
//! Markdown it shows: what formats text stays (`<details>`, `<kbd>`, `<sup>`, a table);
//! what runs code (`<script>`, `onclick`, `javascript:`), restyles or frames the page
//! (`<style>`, `<iframe>`, `<form>`) or loads from the network goes. An author who turns it
//! on asks to write HTML, not to let a contributor's page run script in an auditor's
//! browser or tell another host who opened it (SPEC section 8: a page loads nothing from
//! the network). The page's HTML is cleaned whole, so an element a fragment opens and
//! never closes is closed inside the page's text, not in the theme's layout around it.
//!
//! Its links are a page's links like any other: read here, checked and resolved with the
//! Markdown's, and written relative to the page (`/policy.md` would break the site opened
//! from disk, `exception:EXC-1` would lead nowhere).

use std::cell::{Cell, RefCell};
use std::fmt::Write;
use std::sync::LazyLock;

use ammonia::Builder;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, CharacterTokens, EndTag, NullCharacterToken, StartTag, Tag, TagToken, Token,
    TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

use crate::load::markdown::{RESTRICTED_CLOSE, RESTRICTED_OPEN, escape_html};
use crate::model::links::{self, is_remote};

/// What a piece of raw HTML names: the address of each link and image, in the order
/// written, and each element's id, which a link may name as it names a heading's.
#[derive(Debug, Default, PartialEq)]
pub struct Named {
    pub links: Vec<Found>,
    pub ids: Vec<Found>,
}

/// A value raw HTML gives an attribute, as a browser reads it, and the line of the HTML,
/// from 1, that its tag ends on: where to look for it when it is written otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub value: String,
    pub line: usize,
}

/// Whether `attribute` of `element` holds an address that [`clean`] keeps.
fn holds_address(element: &str, attribute: &str) -> bool {
    matches!((element, attribute), ("a", "href") | ("img", "src"))
}

/// What `html`, a tag or a block of raw HTML, names.
pub fn named(html: &str) -> Named {
    let mut named = Named::default();
    for (token, _, line) in tokens(html) {
        let TagToken(tag) = token else { continue };
        for attribute in tag.attrs.iter().filter(|_| tag.kind == StartTag) {
            let name = &*attribute.name.local;
            let found = || Found {
                value: attribute.value.to_string(),
                line,
            };
            if holds_address(&tag.name, name) {
                named.links.push(found());
            } else if name == "id" {
                named.ids.push(found());
            }
        }
    }
    named
}

/// Raw HTML being written again, a tag or a block at a time.
pub struct Writer {
    remote_images: bool,
    /// Each `<a>` the raw HTML written so far opened and did not close: whether it leads
    /// to what the reader may not see, and is written as restricted text instead.
    links_open: Vec<bool>,
}

impl Writer {
    /// Images from another host are kept when `remote_images`.
    pub fn new(remote_images: bool) -> Writer {
        Writer {
            remote_images,
            links_open: Vec::new(),
        }
    }

    /// `html` written again as what it reads as, each address [`named`] reads replaced by
    /// the next `target`. A link to what the reader may not see ([`links::RESTRICTED`]) is
    /// written as its text marked restricted, and an image from another host, unless the
    /// page allows it, as a link to it with its alt text, or its alt text alone inside a
    /// link (`in_link`: a Markdown link around it), each as Markdown's is. Comments go, as
    /// [`clean`] would take them out.
    pub fn write(
        &mut self,
        html: &str,
        in_link: bool,
        mut target: impl FnMut() -> String,
    ) -> String {
        let mut out = String::with_capacity(html.len());
        for (token, verbatim, _) in tokens(html) {
            match token {
                TagToken(tag) if tag.kind == StartTag => {
                    let mut attributes = Vec::with_capacity(tag.attrs.len());
                    let (mut elsewhere, mut restricted) = (None, false);
                    for attribute in &tag.attrs {
                        let name = &*attribute.name.local;
                        if !holds_address(&tag.name, name) {
                            attributes.push((name, attribute.value.to_string()));
                            continue;
                        }
                        let to = target();
                        if to == links::RESTRICTED {
                            restricted = true;
                        } else if &*tag.name == "img" && !self.remote_images && is_remote(&to) {
                            elsewhere = Some(to);
                        } else {
                            attributes.push((name, to));
                        }
                    }
                    let link = &*tag.name == "a";
                    if link {
                        self.links_open.push(restricted);
                    }
                    // What is written in an element's place keeps its id, which a link
                    // may name.
                    let id = attribute(&tag, "id").map(|id| format!(" id=\"{}\"", escape_html(id)));
                    let id = id.as_deref().unwrap_or_default();
                    match elsewhere {
                        Some(url) => self.image_elsewhere(&mut out, &tag, &url, in_link, id),
                        None if restricted => {
                            out.push_str(RESTRICTED_OPEN.strip_suffix('>').unwrap_or_default());
                            let _ = write!(out, "{id}>");
                            // An image of what the reader may not see is its alt text, marked.
                            if !link {
                                out.push_str(&escape_html(attribute(&tag, "alt").unwrap_or("")));
                                out.push_str(RESTRICTED_CLOSE);
                            }
                        }
                        None => {
                            if &*tag.name == "img" {
                                let in_link = in_link || !self.links_open.is_empty();
                                name_image(&mut attributes, in_link);
                            }
                            start_tag(&mut out, &tag, &attributes);
                        }
                    }
                }
                TagToken(tag) => match &*tag.name {
                    "a" if self.links_open.pop() == Some(true) => out.push_str(RESTRICTED_CLOSE),
                    name => {
                        let _ = write!(out, "</{name}>");
                    }
                },
                CharacterTokens(text) if verbatim => out.push_str(&text),
                CharacterTokens(text) => out.push_str(&escape_html(&text)),
                NullCharacterToken => out.push('\u{fffd}'),
                _ => {}
            }
        }
        out
    }

    /// An image from another host, shown as its alt text, or its address where it has
    /// none, as a link needs a name: a link to it unless inside one. `id` is the image's id
    /// attribute, written again.
    fn image_elsewhere(&self, out: &mut String, tag: &Tag, url: &str, in_link: bool, id: &str) {
        let alt = attribute(tag, "alt").unwrap_or("");
        let text = escape_html(if alt.trim().is_empty() { url } else { alt });
        if in_link || !self.links_open.is_empty() {
            match id {
                "" => out.push_str(&text),
                id => {
                    let _ = write!(out, "<span{id}>{text}</span>");
                }
            }
        } else {
            let _ = write!(out, "<a href=\"{}\"{id}>{text}</a>", escape_html(url));
        }
    }
}

/// An image's alt text where it has none: its file name, as a screen reader reads it,
/// where the HTML would be invalid without one or a link around it would have no name.
fn name_image(attributes: &mut Vec<(&str, String)>, in_link: bool) {
    let alt = attributes.iter().position(|(name, _)| *name == "alt");
    let blank = alt.is_none_or(|i| attributes[i].1.trim().is_empty());
    if alt.is_some() && !(blank && in_link) {
        return;
    }
    let src = attributes.iter().find(|(name, _)| *name == "src");
    let name = src
        .map(|(_, src)| links::file_name(src))
        .unwrap_or_default();
    match alt {
        Some(i) => attributes[i].1 = name,
        None => attributes.push(("alt", name)),
    }
}

/// The value of a tag's attribute `name`.
fn attribute<'a>(tag: &'a Tag, name: &str) -> Option<&'a str> {
    (tag.attrs.iter())
        .find(|a| &*a.name.local == name)
        .map(|a| &*a.value)
}

fn start_tag(out: &mut String, tag: &Tag, attributes: &[(&str, String)]) {
    let _ = write!(out, "<{}", tag.name);
    for (name, value) in attributes {
        let _ = write!(out, " {name}=\"{}\"", escape_html(value));
    }
    out.push_str(if tag.self_closing { " />" } else { ">" });
}

/// The tokens of `html` as a browser's tokenizer reads them (character references decoded,
/// a repeated attribute dropped), each with whether it is the text of an element whose
/// content is raw text, not markup (`<style>`, `<script>`), to be written as it is, and
/// the line it ends on.
fn tokens(html: &str) -> Vec<(Token, bool, usize)> {
    let tokenizer = Tokenizer::new(Reader::default(), TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(html.into());
    // The reader never stops the tokenizer for a script, so the input is read whole.
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.tokens.into_inner()
}

#[derive(Default)]
struct Reader {
    tokens: RefCell<Vec<(Token, bool, usize)>>,
    /// Whether the tokenizer is in an element whose content is text.
    in_text: Cell<bool>,
}

impl TokenSink for Reader {
    type Handle = ();

    fn process_token(&self, token: Token, line: u64) -> TokenSinkResult<()> {
        let mut next = TokenSinkResult::Continue;
        match &token {
            TagToken(tag) if tag.kind == EndTag => self.in_text.set(false),
            // What these hold is text, as a browser's parser reads it, which the tokenizer
            // is told as the parser would tell it.
            TagToken(tag) => {
                next = match &*tag.name {
                    "script" => TokenSinkResult::RawData(RawKind::ScriptData),
                    "style" | "xmp" | "iframe" | "noembed" | "noframes" => {
                        TokenSinkResult::RawData(RawKind::Rawtext)
                    }
                    "textarea" | "title" => TokenSinkResult::RawData(RawKind::Rcdata),
                    "plaintext" => TokenSinkResult::Plaintext,
                    _ => TokenSinkResult::Continue,
                };
                let rcdata = matches!(next, TokenSinkResult::RawData(RawKind::Rcdata));
                let text = !matches!(next, TokenSinkResult::Continue) && !rcdata;
                self.in_text.set(text);
            }
            _ => {}
        }
        let verbatim = matches!(token, CharacterTokens(_)) && self.in_text.get();
        let line = usize::try_from(line).unwrap_or(usize::MAX);
        self.tokens.borrow_mut().push((token, verbatim, line));
        next
    }
}

/// `html`, a page's body, with only what formats text; its images may come from another
/// host only when `remote_images` (`markdown.allow_remote_images`).
pub fn clean(html: &str, remote_images: bool) -> String {
    static LOCAL: LazyLock<Builder<'static>> = LazyLock::new(|| builder(false));
    static REMOTE: LazyLock<Builder<'static>> = LazyLock::new(|| builder(true));
    let builder = if remote_images { &REMOTE } else { &LOCAL };
    builder.clean(html).to_string()
}

/// ammonia's default list, which is GitHub's in all but name, and the markup secbook's
/// own Markdown writes: ids and classes, a task's checkbox in its label, a table cell's
/// alignment, a scrolling table's focus and name. Without `cite`: an address no reader is
/// shown, which would name a page or record an audience may not see, unresolved and
/// unchecked, where a link to it is cut.
fn builder(remote_images: bool) -> Builder<'static> {
    let mut builder = Builder::default();
    for tag in ["blockquote", "del", "ins", "q"] {
        builder.rm_tag_attributes(tag, &["cite"]);
    }
    builder
        .add_tags(["input", "label", "section"])
        .add_generic_attributes(["id", "class", "dir", "role", "tabindex", "style"])
        .generic_attribute_prefixes(["aria-"].into())
        .filter_style_properties(["text-align"].into())
        .add_tag_attributes("input", ["checked", "disabled"])
        .add_tag_attributes("details", ["open"])
        .add_tag_attribute_values("input", "type", ["checkbox"])
        // secbook's own links carry no `rel`; an author's keep theirs as they would in
        // Markdown.
        .link_rel(None)
        .url_schemes(links::SCHEMES.iter().copied().collect())
        .attribute_filter(move |element, attribute, value| {
            let loads = matches!((element, attribute), ("img", "src"));
            (remote_images || !loads || !is_remote(value)).then_some(value.into())
        });
    builder
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_and_ids_are_read_as_a_browser_reads_them() {
        let html = concat!(
            "<div id=\"note\"><a\n  href='/a.md?x=1&amp;y=2#top' name=\"n\">a</a>",
            "<img alt=\"i\" src=pic.png><a href=\"first.md\" href=\"second.md\">b</a>",
            "<!-- <a href=\"comment.md\"> --><style>a::after{content:'<a href=\"style.md\">'}</style>",
            "<textarea><a href=\"textarea.md\"></textarea><link href=\"kept-out.css\"></div>",
        );
        let found = |value: &str, line| Found {
            value: value.into(),
            line,
        };
        // Each with the line its tag ends on: the first tag's link is on the second.
        assert_eq!(
            named(html),
            Named {
                links: vec![
                    found("/a.md?x=1&y=2#top", 2),
                    found("pic.png", 2),
                    found("first.md", 2),
                ],
                ids: vec![found("note", 1)],
            }
        );
    }

    #[test]
    fn raw_html_is_written_again_with_its_links_resolved() {
        let html = concat!(
            "<a href=\"/guide.md\" title='a \"b\"'>g</a><img src=\"/img/x.png\" alt=\"x\"/>",
            "<a href=\"exception:EXC-9\">EXC-9</a><!-- <a href=\"c.md\"> -->",
            "<img src=\"https://h/p.png\" alt=\"<p>\"><a href=\"a.md\"><img src=\"//h/q.png\" alt=\"q\"></a>",
            "<textarea>&lt;b&gt;</textarea><style>a>b{}</style>x &amp; y < z",
        );
        let mut targets = [
            "../guide/index.html",
            "../img/x.png",
            links::RESTRICTED,
            "https://h/p.png",
            "../a/index.html",
            "//h/q.png",
        ]
        .into_iter();
        let mut writer = Writer::new(false);
        let written = writer.write(html, false, || targets.next().unwrap().to_string());
        assert_eq!(
            written,
            concat!(
                "<a href=\"../guide/index.html\" title=\"a &quot;b&quot;\">g</a><img src=\"../img/x.png\" alt=\"x\" />",
                "<span class=\"restricted\">EXC-9 <span class=\"restricted-mark\">(restricted)</span></span>",
                "<a href=\"https://h/p.png\">&lt;p&gt;</a><a href=\"../a/index.html\">q</a>",
                "<textarea>&lt;b&gt;</textarea><style>a>b{}</style>x &amp; y &lt; z",
            )
        );
        assert_eq!(targets.next(), None, "each address is resolved once");
        // Inside a Markdown link, an image from elsewhere is its alt text alone.
        let mut target = || "https://h/p.png".to_string();
        assert_eq!(
            writer.write("<img src=\"https://h/p.png\" alt=\"p\">", true, &mut target),
            "p"
        );
        assert_eq!(
            Writer::new(true).write("<img src=\"https://h/p.png\" alt=\"p\">", false, target),
            "<img src=\"https://h/p.png\" alt=\"p\">"
        );
    }

    #[test]
    fn what_is_written_in_an_elements_place_keeps_its_id_and_a_name() {
        let html = concat!(
            "<a id=\"hidden\" class=\"c\" href=\"secret.md\">s</a>",
            "<img id=\"pic\" src=\"secret.png\" alt=\"p\">",
            "<img id=\"far\" src=\"https://h/f.png\" alt=\"\"><img src=\"https://h/g.png\">",
            "<a href=\"x.md\"><img id=\"in\" src=\"https://h/i.png\" alt=\"i\"></a>",
            "<a href=\"y.md\"><img src=\"https://h/badge.svg\"></a>",
            "<img src=\"a%20b.png?v=1\"><a href=\"z.md\"><img src=\"logo.png\" alt=\" \"></a>",
            "<img src=\"c.png\" alt=\"\">",
        );
        let mut targets = [
            links::RESTRICTED,
            links::RESTRICTED,
            "https://h/f.png",
            "https://h/g.png",
            "../x/index.html",
            "https://h/i.png",
            "../y/index.html",
            "https://h/badge.svg",
            "../a%20b.png?v=1",
            "../z/index.html",
            "../logo.png",
            "../c.png",
        ]
        .into_iter();
        let written = Writer::new(false).write(html, false, || targets.next().unwrap().into());
        assert_eq!(
            written,
            concat!(
                "<span class=\"restricted\" id=\"hidden\">s <span class=\"restricted-mark\">(restricted)</span></span>",
                "<span class=\"restricted\" id=\"pic\">p <span class=\"restricted-mark\">(restricted)</span></span>",
                "<a href=\"https://h/f.png\" id=\"far\">https://h/f.png</a><a href=\"https://h/g.png\">https://h/g.png</a>",
                "<a href=\"../x/index.html\"><span id=\"in\">i</span></a>",
                "<a href=\"../y/index.html\">https://h/badge.svg</a>",
                // A local image with no alt text is named by its file name, as a screen
                // reader would read it, and inside a link, a blank one too; one that says
                // it is decoration, alone, stays so.
                "<img src=\"../a%20b.png?v=1\" alt=\"a b.png\"><a href=\"../z/index.html\"><img src=\"../logo.png\" alt=\"logo.png\"></a>",
                "<img src=\"../c.png\" alt=\"\">",
            )
        );
    }

    #[test]
    fn what_runs_code_or_loads_from_the_network_goes_and_formatting_stays() {
        let html = concat!(
            "<details open=\"\"><summary>Escalation</summary><kbd>Ctrl</kbd> <sup>1</sup></details>",
            "<script>alert(1)</script><style>body{background:url(https://h/b.png)}</style>",
            "<img src=\"https://h/x.png\" alt=\"x\" onerror=\"alert(2)\">",
            "<img src=\"/\\h/y.png\" alt=\"y\"><img src=\"../img/z.png\" alt=\"z\">",
            "<iframe src=\"https://h/\"></iframe><form action=\"https://h/\"><input type=\"text\"></form>",
            "<a href=\"javascript:alert(3)\">j</a><a href=\"https://h/doc\" onclick=\"x()\">d</a>",
            "<p style=\"text-align:center;background:url(https://h/c.png)\">c</p>",
            "<blockquote cite=\"plan.md\"><q cite=\"exception:EXC-9\">q</q><del cite=\"p.md\">d</del>",
            "<ins cite=\"p.md\">i</ins></blockquote>",
            "<link rel=\"stylesheet\" href=\"https://h/a.css\"><div>open",
        );
        assert_eq!(
            clean(html, false),
            concat!(
                "<details open=\"\"><summary>Escalation</summary><kbd>Ctrl</kbd> <sup>1</sup></details>",
                "<img alt=\"x\"><img alt=\"y\"><img src=\"../img/z.png\" alt=\"z\">",
                "<input>",
                "<a>j</a><a href=\"https://h/doc\">d</a>",
                "<p style=\"text-align:center\">c</p>",
                // An address no reader sees, which would name what a link to it hides.
                "<blockquote><q>q</q><del>d</del><ins>i</ins></blockquote>",
                "<div>open</div>",
            )
        );
        // With `allow_remote_images`, an image may come from another host; nothing else may.
        let remote = clean(html, true);
        assert!(
            remote.contains("<img src=\"https://h/x.png\" alt=\"x\">"),
            "{remote}"
        );
        assert!(
            !remote.contains("script") && !remote.contains("iframe"),
            "{remote}"
        );
    }
}
