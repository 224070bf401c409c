//! search/: a search page and its index. The index is a script that sets a global rather
//! than a JSON file, because a page opened from file:// may not fetch files.

use serde::Serialize;
use tera::Context;

use super::{OutputFile, Renderer};
use crate::diagnostics::Diagnostic;
use crate::handbook::Handbook;
use crate::links;

/// The longest text kept per document: enough to find a page by what it says, small
/// enough that the index of a large register stays a few megabytes.
const MAX_TEXT: usize = 1_500;

/// Above this the build warns: the page would load slowly.
pub const WARN_BYTES: u64 = 5 * 1024 * 1024;

pub const INDEX_PATH: &str = "search/index.js";

#[derive(Serialize)]
struct Doc {
    id: usize,
    kind: &'static str,
    title: String,
    /// From the site root.
    url: String,
    /// Record ids, owners and tickets: what people type to find a record.
    keys: String,
    headings: String,
    text: String,
}

pub fn render_search(
    handbook: &Handbook,
    renderer: &Renderer,
) -> (Vec<OutputFile>, Vec<Diagnostic>) {
    let docs = documents(handbook);
    let json = serde_json::to_string(&docs).unwrap_or_else(|_| "[]".into());
    // `</` cannot end a script element when the index is inlined somewhere later.
    let script = format!("window.SECBOOK_SEARCH = {};\n", json.replace("</", "<\\/"));
    let mut files = vec![OutputFile::html(INDEX_PATH.into(), script)];
    let mut ctx = Context::new();
    ctx.insert("root", "../");
    ctx.insert(
        "page",
        &serde_json::json!({"title": "Search", "url": "search/", "description": null}),
    );
    ctx.insert("breadcrumbs", &Vec::<()>::new());
    ctx.insert("prev", &());
    ctx.insert("next", &());
    match renderer.render("search.html", &ctx) {
        Ok(html) => files.push(OutputFile::html("search/index.html".into(), html)),
        Err(d) => return (files, vec![d]),
    }
    (files, Vec::new())
}

fn documents(handbook: &Handbook) -> Vec<Doc> {
    let mut docs = Vec::new();
    let mut push =
        |kind, title: String, url: String, keys: Vec<&str>, headings: Vec<&str>, text: String| {
            docs.push(Doc {
                id: docs.len(),
                kind,
                title,
                url,
                keys: keys.join(" "),
                headings: headings.join(" "),
                text: truncate(&text),
            });
        };
    for page in &handbook.site.pages {
        push(
            "page",
            page.front.title.clone(),
            links::page_href(&page.url),
            page.front
                .tags
                .iter()
                .map(String::as_str)
                .chain(page.front.owner.as_deref())
                .collect(),
            page.doc.headings.iter().map(|h| h.title.as_str()).collect(),
            page.doc.plain_text(),
        );
    }
    for e in &handbook.records.exceptions {
        let r = &e.record;
        let mut keys = vec![r.id.as_str(), r.risk_owner.name.as_str()];
        keys.extend(r.risk_owner.email.as_deref());
        keys.extend(r.assignee.as_ref().map(|a| a.name.as_str()));
        keys.extend(r.tickets.iter().map(String::as_str));
        keys.extend(r.assets.iter().map(String::as_str));
        keys.extend(r.tags.iter().map(String::as_str));
        push(
            "exception",
            format!("{}: {}", r.id, r.title),
            format!("exceptions/{}/index.html", r.id),
            keys,
            Vec::new(),
            format!("{} {}", r.summary, r.justification),
        );
    }
    for i in &handbook.records.incidents {
        let r = &i.record;
        let mut keys = vec![r.id.as_str(), r.commander.name.as_str(), r.source.as_str()];
        keys.extend(r.category.as_deref());
        keys.extend(r.tickets.iter().map(String::as_str));
        keys.extend(r.action_items.iter().map(|a| a.owner.name.as_str()));
        push(
            "incident",
            format!("{}: {}", r.id, r.title),
            format!("incidents/{}/index.html", r.id),
            keys,
            Vec::new(),
            format!("{} {}", r.summary, r.description.as_deref().unwrap_or("")),
        );
    }
    docs
}

/// Cuts text at a character boundary near [`MAX_TEXT`] bytes.
fn truncate(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.len() <= MAX_TEXT {
        return text;
    }
    let mut end = MAX_TEXT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}
