//! Raw HTML in a page, kept when `markdown.allow_html` is on, as GitHub keeps it in the
//! Markdown it shows: what formats text stays (`<details>`, `<kbd>`, `<sup>`, a table);
//! what runs code (`<script>`, `onclick`, `javascript:`), restyles or frames the page
//! (`<style>`, `<iframe>`, `<form>`) or loads from the network goes. An author who turns it
//! on asks to write HTML, not to let a contributor's page run script in an auditor's
//! browser or tell another host who opened it (SPEC section 8: a page loads nothing from
//! the network). The page's HTML is cleaned whole, so an element a fragment opens and
//! never closes is closed inside the page's text, not in the theme's layout around it.

use std::sync::LazyLock;

use ammonia::Builder;

use crate::model::links::is_remote;

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
/// alignment, a scrolling table's focus and name.
fn builder(remote_images: bool) -> Builder<'static> {
    let mut builder = Builder::default();
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
    fn what_runs_code_or_loads_from_the_network_goes_and_formatting_stays() {
        let html = concat!(
            "<details open=\"\"><summary>Escalation</summary><kbd>Ctrl</kbd> <sup>1</sup></details>",
            "<script>alert(1)</script><style>body{background:url(https://h/b.png)}</style>",
            "<img src=\"https://h/x.png\" alt=\"x\" onerror=\"alert(2)\">",
            "<img src=\"/\\h/y.png\" alt=\"y\"><img src=\"../img/z.png\" alt=\"z\">",
            "<iframe src=\"https://h/\"></iframe><form action=\"https://h/\"><input type=\"text\"></form>",
            "<a href=\"javascript:alert(3)\">j</a><a href=\"https://h/doc\" onclick=\"x()\">d</a>",
            "<p style=\"text-align:center;background:url(https://h/c.png)\">c</p>",
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
