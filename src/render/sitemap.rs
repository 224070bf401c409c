//! sitemap.xml, for search engines (SPEC 8).

use super::OutputFile;
use crate::model::links;

/// Where the sitemap goes.
pub const SITEMAP_PATH: &str = "sitemap.xml";

/// The sitemap protocol's limits for one file: URLs, bytes, and characters in a `<loc>`.
const SITEMAP_MAX_URLS: usize = 50_000;
const SITEMAP_MAX_BYTES: usize = 50 * 1024 * 1024;
const SITEMAP_MAX_LOC: usize = 2048;

const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";

/// sitemap.xml: every HTML page of the site but 404.html, by path, when `base_url` is an
/// absolute http(s) URL; nothing otherwise.
///
/// The sitemap protocol requires absolute `<loc>` URLs, and a site that does not know its
/// own address cannot write them (SPEC 8): to get a sitemap, build with an absolute
/// `base_url` or `--base-url https://…`. A site past the protocol's limits of 50,000 URLs
/// or 50 MB for one file gets them in sitemap-1.xml, sitemap-2.xml, … beside sitemap.xml,
/// which is then their sitemap index; they sit at the root, since a sitemap may only list
/// URLs at or below its own folder. A page whose URL is longer than the protocol's 2,048
/// characters is left out, as no search engine would take it.
///
/// `paths` are read only when there is a sitemap to make: most sites have none.
pub fn sitemap<'a, S>(base_url: &str, paths: impl IntoIterator<Item = &'a S>) -> Vec<OutputFile>
where
    S: AsRef<str> + 'a + ?Sized,
{
    match crate::model::links::absolute_base(base_url) {
        Some(base) => sitemap_files(&base, paths, SITEMAP_MAX_URLS, SITEMAP_MAX_BYTES),
        None => Vec::new(),
    }
}

/// The sitemap files for `base` (absolute, ending in `/`), at most `max_urls` URLs and
/// `max_bytes` bytes each.
fn sitemap_files<'a, S>(
    base: &str,
    paths: impl IntoIterator<Item = &'a S>,
    max_urls: usize,
    max_bytes: usize,
) -> Vec<OutputFile>
where
    S: AsRef<str> + 'a + ?Sized,
{
    let mut pages: Vec<&str> = paths
        .into_iter()
        .map(AsRef::as_ref)
        .filter(|p| p.ends_with(".html") && *p != "404.html")
        .collect();
    pages.sort_unstable();
    pages.dedup();
    let urls = pages.into_iter().filter_map(|page| {
        let loc = format!("{base}{}", links::encode(page));
        (loc.len() <= SITEMAP_MAX_LOC).then(|| url_entry("url", &loc))
    });
    let sets = split(urls, "urlset", max_urls, max_bytes);
    if sets.len() <= 1 {
        return sets
            .into_iter()
            .map(|set| OutputFile::bytes(SITEMAP_PATH, set.into_bytes()))
            .collect();
    }
    let names: Vec<String> = (1..=sets.len())
        .map(|i| format!("sitemap-{i}.xml"))
        .collect();
    let index = names
        .iter()
        .map(|name| url_entry("sitemap", &format!("{base}{name}")));
    let mut files: Vec<OutputFile> = split(index, "sitemapindex", usize::MAX, usize::MAX)
        .into_iter()
        .map(|index| OutputFile::bytes(SITEMAP_PATH, index.into_bytes()))
        .collect();
    files.extend(
        names
            .iter()
            .zip(sets)
            .map(|(name, set)| OutputFile::bytes(name, set.into_bytes())),
    );
    files
}

/// `<url><loc>…</loc></url>` (or `<sitemap>` in an index) on a line of its own.
fn url_entry(element: &str, loc: &str) -> String {
    format!("  <{element}><loc>{}</loc></{element}>\n", escape_xml(loc))
}

/// The entries as XML documents under `root`, a new one begun before one would pass
/// `max_entries` entries or `max_bytes` bytes; none when there is no entry.
fn split(
    entries: impl Iterator<Item = String>,
    root: &str,
    max_entries: usize,
    max_bytes: usize,
) -> Vec<String> {
    let head =
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{root} xmlns=\"{SITEMAP_NS}\">\n");
    let tail = format!("</{root}>\n");
    let mut docs = Vec::new();
    let mut doc = String::new();
    let mut count = 0;
    for entry in entries {
        if count > 0 && (count == max_entries || doc.len() + entry.len() + tail.len() > max_bytes) {
            doc.push_str(&tail);
            docs.push(std::mem::take(&mut doc));
            count = 0;
        }
        if count == 0 {
            doc.push_str(&head);
        }
        doc.push_str(&entry);
        count += 1;
    }
    if count > 0 {
        doc.push_str(&tail);
        docs.push(doc);
    }
    docs
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
            c if !super::feeds::xml_allowed(c) => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::theme::Body;

    fn text(f: &OutputFile) -> String {
        match &f.body {
            Body::Bytes(b) => String::from_utf8(b.to_vec()).unwrap(),
            _ => unreachable!(),
        }
    }

    fn pages(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("p/{i:05}/index.html")).collect()
    }

    #[test]
    fn sitemap_lists_pages_against_an_absolute_base_only() {
        let files: Vec<String> = ["index.html", "404.html", "style.css", "a&b/index.html"]
            .map(String::from)
            .to_vec();
        for base in ["/", "", "hb/", "//x.org/hb/", "file:///srv/hb/"] {
            assert!(sitemap(base, &files).is_empty(), "{base}");
        }
        let made = sitemap("https://x.org/hb", &files);
        assert_eq!(made.len(), 1);
        assert_eq!(made[0].path, "sitemap.xml");
        assert_eq!(
            text(&made[0]),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n  \
             <url><loc>https://x.org/hb/a%26b/index.html</loc></url>\n  \
             <url><loc>https://x.org/hb/index.html</loc></url>\n\
             </urlset>\n"
        );
    }

    #[test]
    fn sitemap_urls_are_escaped_and_bounded() {
        let files: Vec<String> = ["caf\u{e9} menu/100%?#.html", "index.html", "a&b'(c).html"]
            .map(String::from)
            .to_vec();
        let made = text(&sitemap("https://x.example/a b/%7E/", &files)[0]);
        assert!(
            made.contains(
                "<loc>https://x.example/a%20b/%7E/caf%C3%A9%20menu/100%25%3F%23.html</loc>"
            ),
            "{made}"
        );
        // As a link in a page's Markdown writes it.
        assert!(made.contains("/a%26b%27%28c%29.html</loc>"), "{made}");
        let long = format!("{}/index.html", "x".repeat(SITEMAP_MAX_LOC));
        let made = text(&sitemap("https://x.org/", &[long, "index.html".into()])[0]);
        assert_eq!(made.matches("<loc>").count(), 1, "{made}");
    }

    #[test]
    fn a_large_site_gets_a_sitemap_index() {
        let paths = pages(2 * SITEMAP_MAX_URLS + 1);
        let made = sitemap("https://x.org/", &paths);
        let names: Vec<&str> = made.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            names,
            [
                "sitemap.xml",
                "sitemap-1.xml",
                "sitemap-2.xml",
                "sitemap-3.xml"
            ]
        );
        let index = text(&made[0]);
        assert!(
            index.contains("<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">")
        );
        assert!(index.contains("<sitemap><loc>https://x.org/sitemap-3.xml</loc></sitemap>"));
        let counts: Vec<usize> = made[1..]
            .iter()
            .map(|f| text(f).matches("<url>").count())
            .collect();
        assert_eq!(counts, [SITEMAP_MAX_URLS, SITEMAP_MAX_URLS, 1]);

        // The byte limit splits too, and no file passes it.
        let made = sitemap_files("https://x.org/", &pages(100), usize::MAX, 2000);
        assert!(made.len() > 2);
        let mut listed = 0;
        for f in &made[1..] {
            let t = text(f);
            assert!(t.len() <= 2000, "{} is {} bytes", f.path, t.len());
            assert!(t.ends_with("</urlset>\n"));
            listed += t.matches("<url>").count();
        }
        assert_eq!(listed, 100);
    }
}
