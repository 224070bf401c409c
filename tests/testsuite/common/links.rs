//! The link checker of built sites: pages read with a real HTML parser.

use std::collections::{BTreeMap, HashSet};
use std::path::{Component, Path};

use scraper::{Html, Selector};

use super::Files;

/// What a page links to and which ids it has.
struct Page {
    links: Vec<String>,
    ids: HashSet<String>,
}

impl Page {
    fn parse(html: &str) -> Self {
        let doc = Html::parse_document(html);
        let linking = Selector::parse("[href], [src], [action]").unwrap();
        let links = doc
            .select(&linking)
            .flat_map(|e| {
                ["href", "src", "action"]
                    .into_iter()
                    .filter_map(move |a| e.value().attr(a).map(str::to_string))
            })
            .collect();
        let with_id = Selector::parse("[id]").unwrap();
        let ids = doc
            .select(&with_id)
            .filter_map(|e| e.value().id().map(str::to_string))
            .collect();
        Self { links, ids }
    }
}

/// The value of every `href`, `src` and `action` attribute of `html`, as the browser reads
/// it (character references decoded).
pub fn links_of(html: &str) -> Vec<String> {
    Page::parse(html).links
}

/// Every broken link of the site's HTML pages, as `page: `link`: why`. A link must be
/// relative and lead to a file of the site, and to an element with that id when it has a
/// fragment into an HTML page; links to other sites (http, https) and mail addresses are
/// not followed.
pub fn broken_links(site: &Files) -> Vec<String> {
    let pages: BTreeMap<&str, Page> = site
        .iter()
        .filter(|(path, _)| path.ends_with(".html"))
        .map(|(path, bytes)| {
            let html =
                std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("{path} is not UTF-8: {e}"));
            (path.as_str(), Page::parse(html))
        })
        .collect();
    let mut problems = Vec::new();
    for (path, page) in &pages {
        for link in &page.links {
            if let Err(why) = check(site, &pages, path, link) {
                problems.push(format!("{path}: `{link}`: {why}"));
            }
        }
    }
    problems
}

/// The file, from the site root, that the relative `path` (no query or fragment) leads to
/// from the page at `page`.
pub fn resolve(page: &str, path: &str) -> Result<String, &'static str> {
    let dir = Path::new(page).parent().unwrap_or(Path::new(""));
    let mut parts: Vec<String> = Vec::new();
    for c in dir.join(path).components() {
        match c {
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            Component::ParentDir => {
                parts.pop().ok_or("climbs above the site root")?;
            }
            Component::CurDir => {}
            _ => return Err("not a relative path"),
        }
    }
    Ok(parts.join("/"))
}

fn check(site: &Files, pages: &BTreeMap<&str, Page>, page: &str, link: &str) -> Result<(), String> {
    let lower = link.to_ascii_lowercase();
    if ["http://", "https://", "mailto:"]
        .iter()
        .any(|s| lower.starts_with(s))
    {
        return Ok(());
    }
    if link.is_empty() {
        return Err("empty link".into());
    }
    if link.starts_with('/') {
        return Err("absolute path: breaks under a sub-path and from file://".into());
    }
    let first_sep = link.find(['/', '?', '#']).unwrap_or(link.len());
    if link[..first_sep].contains(':') {
        return Err("a scheme other than http(s) or mailto".into());
    }
    let (rest, fragment) = link.split_once('#').unwrap_or((link, ""));
    let path = rest.split_once('?').map_or(rest, |(p, _)| p);
    let target = if path.is_empty() {
        page.to_string()
    } else {
        resolve(page, path)?
    };
    if !site.contains_key(&target) {
        let hint = if site.keys().any(|k| k.starts_with(&format!("{target}/"))) {
            " (it is a folder: from file:// a link must name its index.html)"
        } else {
            ""
        };
        return Err(format!(
            "resolves to `{target}`, which the site does not have{hint}"
        ));
    }
    if let Some(target_page) = pages.get(target.as_str())
        && !fragment.is_empty()
        && !target_page.ids.contains(fragment)
    {
        return Err(format!("`{target}` has no element with id `{fragment}`"));
    }
    Ok(())
}

#[test]
fn the_link_checker_catches_bad_links() {
    let page = |html: &str| (String::from("a/index.html"), html.as_bytes().to_vec());
    let site: Files = [
        page(r#"<h2 id="x">X</h2><a href="../b/index.html#y">"#),
        ("b/index.html".into(), br#"<p id="y">"#.to_vec()),
    ]
    .into_iter()
    .collect();
    assert_eq!(broken_links(&site), Vec::<String>::new());
    for (bad, why) in [
        ("/b/index.html", "absolute"),
        ("../c/index.html", "does not have"),
        ("../b/", "index.html"),
        ("../../x.html", "climbs above"),
        ("#nope", "no element with id"),
        ("javascript:alert(1)", "scheme"),
    ] {
        let site = Files::from([
            page(&format!(r#"<a href="{bad}">"#)),
            ("b/index.html".into(), b"".to_vec()),
        ]);
        let problems = broken_links(&site);
        assert!(
            problems.len() == 1 && problems[0].contains(why),
            "{bad}: {problems:?}"
        );
    }
    assert!(broken_links(&[page(r#"<a data-href="/x" href="https://x.org">"#)].into()).is_empty());
}
