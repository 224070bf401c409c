//! search/: a search page and its index. The index is a script that sets a global rather
//! than a JSON file, because a page opened from file:// may not fetch files.

use std::borrow::Cow;
use std::sync::Arc;

use rayon::prelude::*;
use tera::Context;

use super::{Output, OutputFile, Pieces, Renderer};
use crate::derive::handbook::Handbook;
use crate::diagnostics::Diagnostic;
use crate::load::content::Page;
use crate::load::markdown;
use crate::load::records::Loaded;
use crate::load::theme::Body;
use crate::model::exception::Exception;
use crate::model::incident::Incident;
use crate::model::links;
use crate::model::text::bidi_closers;
use crate::render::api::Parts;

/// Above this the build warns: the page would load slowly.
pub const WARN_BYTES: u64 = 5 * 1024 * 1024;

pub const INDEX_PATH: &str = "search/index.js";

pub const PAGE_PATH: &str = crate::model::site_files::SEARCH;

/// A document of the index, written as a row of [`FIELDS`]: with every field named in
/// every document, the names would be a tenth of a large register's index.
struct Doc {
    kind: &'static str,
    title: String,
    /// From the site root.
    url: String,
    /// Record ids, owners and tickets: what people type to find a record.
    keys: String,
    headings: String,
    /// All of the text a reader sees, for the search to find any word of it and the
    /// results to quote it.
    text: String,
    /// A record's id, which a search for exactly it puts first.
    record: String,
}

/// The fields of a row, in order. Empty fields at a row's end are left out.
const FIELDS: [&str; 7] = ["kind", "title", "url", "keys", "headings", "text", "ref"];

impl Doc {
    /// The row as JSON. `</` is escaped: it cannot end a script element when the index is
    /// inlined somewhere later.
    fn row(&self) -> String {
        let mut values = vec![
            self.kind,
            &self.title,
            &self.url,
            &self.keys,
            &self.headings,
            &self.text,
            &self.record,
        ];
        while values.last().is_some_and(|v| v.is_empty()) {
            values.pop();
        }
        let mut json = String::with_capacity(values.iter().map(|v| v.len() + 3).sum::<usize>() + 2);
        json.push('[');
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                json.push(',');
            }
            push_json_string(&mut json, value);
        }
        json.push(']');
        json
    }
}

/// Writes `value` as a JSON string, as serde_json writes it, with `</` written `<\/`.
/// Text that needs no escape, nearly all of it, is copied as it is: serde_json escaping a
/// byte at a time, and a search for `</` over each row after, were a tenth of the
/// instructions of a build of plain pages.
fn push_json_string(out: &mut String, value: &str) {
    // Bytes in blocks, with no early exit, so that the check is vectorised.
    let needs_escape = value.as_bytes().chunks(64).any(|block| {
        block.iter().fold(false, |any, &b| {
            any | (b < 0x20) | (b == b'"') | (b == b'\\')
        })
    });
    let escaped;
    let content = if needs_escape {
        escaped = serde_json::to_string(value).unwrap_or_else(|_| "\"\"".into());
        &escaped[1..escaped.len() - 1]
    } else {
        value
    };
    out.push('"');
    let mut rest = content;
    while let Some(at) = rest.find('<') {
        let (head, tail) = rest.split_at(at + 1);
        out.push_str(head);
        if tail.starts_with('/') {
            out.push('\\');
        }
        rest = tail;
    }
    out.push_str(rest);
    out.push('"');
}

/// The search page and its index, put into `out`. The records' rows are joined again only
/// when `records_key`, a fingerprint of what the records are made from, changes, and made
/// again only for the records whose file or `records_shape`, what shapes them all, changed.
pub fn render_search(
    handbook: &Handbook,
    (records_key, records_shape): (impl FnOnce() -> u64, impl FnOnce() -> u64),
    renderer: &Renderer,
    out: &Output,
) -> Vec<Diagnostic> {
    let records = out.text("search/records", records_key, || {
        let rows = record_docs(handbook, &out.pieces("search/records", records_shape));
        let mut joined = String::with_capacity(rows.iter().map(|r| r.len() + 1).sum());
        for (i, row) in rows.iter().enumerate() {
            if i > 0 {
                joined.push(',');
            }
            // Checked the quick way first: `from_utf8_lossy` reads every byte of the
            // rows, which are text, a byte at a time.
            match std::str::from_utf8(row) {
                Ok(text) => joined.push_str(text),
                Err(_) => joined.push_str(&String::from_utf8_lossy(row)),
            }
        }
        joined
    });
    out.put(OutputFile {
        path: INDEX_PATH.into(),
        body: index_script(handbook, records),
    });
    let mut ctx = Context::new();
    ctx.insert("root", "../");
    ctx.insert(
        "page",
        &serde_json::json!({"title": "Search", "url": "search/", "description": null}),
    );
    ctx.insert("breadcrumbs", &Vec::<()>::new());
    ctx.insert("prev", &());
    ctx.insert("next", &());
    let page = renderer
        .render("search.html", &ctx)
        .map(|html| OutputFile::html(PAGE_PATH.into(), html));
    out.take(page).into_iter().collect()
}

/// The index as a script: the field names, then a row per document, pages first, then
/// `records`, the rows of the exceptions and incidents. A page's row is made once, in
/// parallel, and kept with the page. `records` is a part of its own, not copied: a page
/// edit keeps it.
fn index_script(handbook: &Handbook, records: Arc<str>) -> Body {
    let restricted = handbook.site.restricted();
    let hidden = |page: &Page, dest: &str| {
        links::named(page.dir(), dest).is_some_and(|n| restricted.contains(&n))
    };
    let pages: Vec<Cow<str>> = handbook
        .site
        .pages
        .par_iter()
        .map(|page| {
            // A page with an autolink to what the audience may not see is read again
            // without its address, and not kept: what it hides may change.
            let hides = !restricted.is_empty()
                && (page.doc.links.iter()).any(|l| l.autolink && hidden(page, &l.dest));
            match hides {
                true => {
                    let words = page.doc.plain_text_hiding(|dest| hidden(page, dest));
                    Cow::Owned(page_doc(page, words).row())
                }
                false => Cow::Borrowed(
                    (page.search_doc)
                        .get_or_init(|| page_doc(page, page.take_words()).row())
                        .as_str(),
                ),
            }
        })
        .collect();
    let fields = serde_json::to_string(&FIELDS).unwrap_or_default();
    let size = pages.iter().map(|d| d.len() + 1).sum::<usize>() + fields.len() + 64;
    let mut head = String::with_capacity(size);
    head.push_str("window.SECBOOK_SEARCH = {\"fields\":");
    head.push_str(&fields);
    head.push_str(",\"docs\":[");
    for (i, row) in pages.iter().enumerate() {
        if i > 0 {
            head.push(',');
        }
        head.push_str(row);
    }
    let mut parts = Parts::default();
    if records.is_empty() {
        parts.made(head.into_bytes());
    } else {
        if !pages.is_empty() {
            head.push(',');
        }
        parts.made(head.into_bytes()).kept(records);
    }
    parts.text(b"]};\n");
    parts.body()
}

fn doc(
    kind: &'static str,
    record: &str,
    title: String,
    url: String,
    keys: &[&str],
    headings: &[&str],
    text: String,
) -> Doc {
    // search.js shows the title in a line of its own text: it must not reorder the rest.
    let closers = bidi_closers(&title);
    Doc {
        kind,
        title: title + &closers,
        url,
        keys: keys.join(" "),
        headings: headings.join(" "),
        text,
        record: record.to_string(),
    }
}

fn page_doc(page: &Page, words: String) -> Doc {
    let keys: Vec<&str> = page
        .front
        .tags
        .iter()
        .map(String::as_str)
        .chain(page.front.owner.as_deref())
        .collect();
    let headings: Vec<&str> = page.doc.headings.iter().map(|h| h.title.as_str()).collect();
    doc(
        "page",
        "",
        page.front.title.clone(),
        links::page_href(&page.url),
        &keys,
        &headings,
        words,
    )
}

/// Each record's row, a piece kept in `rows`.
fn record_docs(handbook: &Handbook, rows: &Pieces) -> Vec<Arc<[u8]>> {
    let exception = |e: &Loaded<Exception>| {
        let r = &e.record;
        let mut keys = vec![r.id.as_str(), r.risk_owner.name.as_str()];
        keys.extend(r.risk_owner.email.as_deref());
        keys.extend(r.assignee.as_ref().map(|a| a.name.as_str()));
        keys.extend(r.tickets.iter().map(String::as_str));
        keys.extend(r.assets.iter().map(String::as_str));
        keys.extend(r.tags.iter().map(String::as_str));
        let mut text = vec![r.summary.as_str(), r.justification.as_str()];
        text.extend(r.description.as_deref());
        text.extend(r.pros.iter().chain(&r.cons).map(String::as_str));
        text.extend(r.compensating_controls.iter().map(String::as_str));
        text.extend(r.remediation_plan.as_deref());
        text.extend(r.approvals.iter().filter_map(|a| a.note.as_deref()));
        text.extend(r.renewals.iter().filter_map(|n| n.note.as_deref()));
        doc(
            "exception",
            &r.id,
            format!("{}: {}", r.id, r.title),
            format!("exceptions/{}/index.html", r.id),
            &keys,
            &[],
            plain(&text),
        )
        .row()
    };
    let incident = |i: &Loaded<Incident>| {
        let r = &i.record;
        let mut keys = vec![r.id.as_str(), r.commander.name.as_str(), r.source.as_str()];
        keys.extend(r.category.as_deref());
        keys.extend(r.tickets.iter().map(String::as_str));
        keys.extend(r.action_items.iter().map(|a| a.owner.name.as_str()));
        let mut text = vec![r.summary.as_str()];
        text.extend(r.description.as_deref());
        text.extend(r.impact.as_ref().and_then(|i| i.notes.as_deref()));
        text.extend(r.timeline.iter().map(|t| t.event.as_str()));
        text.extend(r.action_items.iter().map(|a| a.title.as_str()));
        for q in &r.open_questions {
            text.push(&q.question);
            text.extend(q.notes.as_deref().into_iter().chain(q.answer.as_deref()));
        }
        if let Some(p) = &r.postmortem {
            text.extend(
                p.went_well
                    .iter()
                    .chain(&p.went_ok)
                    .chain(&p.went_poorly)
                    .map(String::as_str),
            );
            text.extend(p.notes.as_deref());
        }
        doc(
            "incident",
            &r.id,
            format!("{}: {}", r.id, r.title),
            format!("incidents/{}/index.html", r.id),
            &keys,
            &[],
            plain(&text),
        )
        .row()
    };
    let records = &handbook.records;
    let exceptions = records
        .exceptions
        .par_iter()
        .map(|e| rows.get(&e.source, (), || exception(e).into_bytes()));
    let incidents = records
        .incidents
        .par_iter()
        .map(|i| rows.get(&i.source, (), || incident(i).into_bytes()));
    exceptions.chain(incidents).collect()
}

/// A record's texts as a reader sees them: Markdown without its markup (a record's HTML
/// is always text), one after another.
fn plain(texts: &[&str]) -> String {
    texts
        .iter()
        .map(|t| markdown::plain_text(t, false))
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_is_the_json_of_its_fields_with_no_end_of_script() {
        let texts = [
            "plain words, é and 漢字",
            "quote \" and \\ back\nslash\t\u{1}\u{7f}\u{2028}",
            "</script> <b>a</b> <\\/ << / </",
            "ends with <",
            "",
        ];
        for (i, text) in texts.iter().enumerate() {
            let doc = Doc {
                kind: "page",
                title: texts[(i + 1) % texts.len()].to_string(),
                url: "/a/".into(),
                keys: String::new(),
                headings: "/starts with a slash".into(),
                text: text.to_string(),
                record: String::new(),
            };
            let mut values = vec![
                doc.kind,
                &doc.title,
                &doc.url,
                &doc.keys,
                &doc.headings,
                &doc.text,
            ];
            while values.last().is_some_and(|v| v.is_empty()) {
                values.pop();
            }
            let json = serde_json::to_string(&values)
                .unwrap()
                .replace("</", "<\\/");
            assert_eq!(doc.row(), json, "{text:?}");
        }
    }
}
