//! The files around the pages: Atom feeds, the expiry calendar, the OSCAL POA&M export,
//! the 404 page and the sitemap.

use rayon::prelude::*;
use serde::Serialize;
use tera::Context;

use super::{Output, OutputFile, Renderer};
use crate::diagnostics::Diagnostic;
use crate::handbook::Handbook;
use crate::theme::Body;
use crate::{calendar, feeds, poam};

/// Where the sitemap goes.
pub const SITEMAP_PATH: &str = "sitemap.xml";

/// The feeds, the calendar, the POA&M export (when there is anything to export) and the
/// 404 page, made side by side: the first four are large for a large register.
pub fn render_ecosystem(handbook: &Handbook, renderer: &Renderer, out: &Output) -> Vec<Diagnostic> {
    let made: [&(dyn Fn() -> Option<Vec<u8>> + Sync); 4] = [
        &|| Some(feeds::exceptions_feed(handbook)),
        &|| Some(feeds::incidents_feed(handbook)),
        &|| Some(calendar::exceptions_calendar(handbook)),
        &|| poam::document(handbook),
    ];
    let paths = [
        feeds::EXCEPTIONS_PATH,
        feeds::INCIDENTS_PATH,
        calendar::PATH,
        poam::PATH,
    ];
    made.par_iter()
        .zip(paths)
        .with_max_len(1)
        .for_each(|(make, path)| {
            if let Some(body) = make() {
                out.put(bytes(path, body));
            }
        });
    out.take(not_found(renderer)).into_iter().collect()
}

fn bytes(path: &str, body: Vec<u8>) -> OutputFile {
    OutputFile {
        path: path.to_string(),
        body: Body::Bytes(body.into()),
    }
}

/// What the 404 template sees as `page`: the fields of a content page, mostly empty.
#[derive(Serialize)]
struct NotFoundPage {
    title: &'static str,
    description: Option<&'static str>,
    url: &'static str,
    path: Option<&'static str>,
    html: &'static str,
    toc: Vec<()>,
    tags: Vec<()>,
    owner: Option<&'static str>,
    review_by: Option<&'static str>,
    is_section: bool,
}

/// 404.html at the root of the site, with links relative to the root (`root` is ""), as
/// static hosts serve it for any missing path below the site.
fn not_found(renderer: &Renderer) -> Result<OutputFile, Diagnostic> {
    let mut ctx = Context::new();
    ctx.insert("root", "");
    ctx.insert(
        "page",
        &NotFoundPage {
            title: "Page not found",
            description: None,
            url: "404/",
            path: None,
            html: "",
            toc: Vec::new(),
            tags: Vec::new(),
            owner: None,
            review_by: None,
            is_section: false,
        },
    );
    ctx.insert("breadcrumbs", &Vec::<()>::new());
    ctx.insert("children", &Vec::<()>::new());
    ctx.insert("prev", &None::<()>);
    ctx.insert("next", &None::<()>);
    let html = renderer.render("404.html", &ctx)?;
    Ok(OutputFile::html("404.html".into(), html))
}

/// sitemap.xml: every HTML page of the site but 404.html, by path.
///
/// The sitemap protocol asks for absolute URLs. When `base_url` is an absolute http(s)
/// URL, each `loc` is that URL joined with the page's path. Otherwise the site does not
/// know its own address, and each `loc` is the page's path joined to `base_url` as given
/// (`/exceptions/index.html` for the default `/`): correct for the host, but to be
/// submitted to a search engine the build needs `--base-url https://…`.
pub fn sitemap(base_url: &str, paths: &[String]) -> OutputFile {
    let base = match feeds::absolute_base(base_url) {
        Some(absolute) => absolute,
        None => {
            let b = base_url.trim();
            if b.is_empty() || b.ends_with('/') {
                b.to_string()
            } else {
                format!("{b}/")
            }
        }
    };
    let mut pages: Vec<&str> = paths
        .iter()
        .map(String::as_str)
        .filter(|p| p.ends_with(".html") && *p != "404.html")
        .collect();
    pages.sort_unstable();
    pages.dedup();
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for page in pages {
        xml.push_str(&format!(
            "  <url><loc>{}</loc></url>\n",
            escape_xml(&format!("{base}{page}"))
        ));
    }
    xml.push_str("</urlset>\n");
    bytes(SITEMAP_PATH, xml.into_bytes())
}

fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if !feeds::xml_allowed(c) => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: &OutputFile) -> String {
        match &f.body {
            Body::Bytes(b) => String::from_utf8(b.to_vec()).unwrap(),
            _ => unreachable!(),
        }
    }

    #[test]
    fn sitemap_lists_pages_against_the_base() {
        let files: Vec<String> = ["index.html", "404.html", "style.css", "a&b/index.html"]
            .map(String::from)
            .to_vec();
        let relative = text(&sitemap("/", &files));
        assert!(relative.contains("<loc>/index.html</loc>"), "{relative}");
        assert!(
            relative.contains("<loc>/a&amp;b/index.html</loc>"),
            "{relative}"
        );
        assert!(!relative.contains("404"), "{relative}");
        assert!(!relative.contains("style.css"), "{relative}");
        let absolute = text(&sitemap("https://x.org/hb", &files));
        assert!(
            absolute.contains("<loc>https://x.org/hb/index.html</loc>"),
            "{absolute}"
        );
    }
}
