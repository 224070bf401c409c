//! content/: Markdown pages with YAML front matter, and the files that sit beside them.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::SystemTime;

use crate::diagnostics::{Diagnostic, Level, SourceFile};
use crate::load::markdown::{self, Document};
use crate::load::reuse::{self, Kept, Stamp};
use crate::load::source::{self, Hidden, LeftByGit, Source};
use crate::load::theme::Body;
use crate::load::theme_ids::TemplateIds;
use crate::load::yaml;
use crate::model::date::Date;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    #[serde(deserialize_with = "crate::model::text::text")]
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub weight: Option<i64>,
    #[serde(default, deserialize_with = "crate::model::text::texts")]
    pub tags: Vec<String>,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub review_by: Option<Date>,
    #[serde(default)]
    pub draft: bool,
    #[serde(default)]
    pub template: Option<String>,
    /// Who may read it (SPEC 12): a level of handbook.yaml's `classification`.
    #[serde(default)]
    pub classification: Option<String>,
}

impl FrontMatter {
    /// What a page whose front matter did not load is read with: a title of its file's
    /// name, nothing else given.
    fn stand_in(rel: &str) -> FrontMatter {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        FrontMatter {
            title: name.trim_end_matches(".md").to_string(),
            description: None,
            weight: None,
            tags: Vec::new(),
            owner: None,
            review_by: None,
            draft: false,
            template: None,
            classification: None,
        }
    }
}

/// One Markdown file of content/.
#[derive(Debug)]
pub struct Page {
    pub source: Arc<SourceFile>,
    /// What its text alone tells: the errors of a front matter that did not load, and the
    /// warnings of what a review cannot see ([`source::unseen`]) and of a comment in its
    /// front matter where a value was meant ([`yaml::comments_for_values`]). Made when it
    /// loads, and kept with it while it is unchanged.
    pub told: Vec<Diagnostic>,
    /// Path below content/, with `/` separators: `a/b.md`, `a/_index.md`.
    pub path: String,
    /// For a page reached through a symbolic link to another place in content/, the path
    /// below content/ of that place, whose sections classify it too.
    pub real: Option<String>,
    /// The folder it is written to, relative to the site root: `a/b/`, `a/`, or `` for home.
    pub url: String,
    pub front: FrontMatter,
    pub doc: Document,
    /// The page's document in the search index, as JSON, made when first needed.
    pub search_doc: OnceLock<String>,
    /// The page's words, read with its headings and links, until the search index takes
    /// them: reading the Markdown again for them was a tenth of a build of plain pages.
    words: Mutex<Option<String>>,
}

impl Page {
    /// The page's words for the search index, as [`Document::plain_text`] gives them:
    /// those read with the page the first time, read again after.
    pub fn take_words(&self) -> String {
        let kept = self
            .words
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        kept.unwrap_or_else(|| self.doc.plain_text())
    }

    /// The page as a reader is shown it who may not see what the addresses `hidden` takes
    /// name ([`Document::hiding`]); `None` when it is shown as it is.
    pub fn hiding(&self, hidden: impl Fn(&str) -> bool) -> Option<Page> {
        Some(Page {
            doc: self.doc.hiding(hidden)?,
            source: Arc::clone(&self.source),
            told: self.told.clone(),
            path: self.path.clone(),
            real: self.real.clone(),
            url: self.url.clone(),
            front: self.front.clone(),
            search_doc: OnceLock::new(),
            words: Mutex::new(None),
        })
    }

    /// `_index.md` describes the section of its folder.
    pub fn is_section_index(&self) -> bool {
        is_section_index(&self.path)
    }

    /// Where the value of a front matter key is written, for reports about it.
    pub fn front_matter_value(&self, key: &str) -> std::ops::Range<usize> {
        split_front_matter(&self.source.text)
            .and_then(|(fm, _)| {
                let place =
                    yaml::locate_text(&self.source.text[fm.clone()], &[yaml::Seg::Key(key)])?;
                Some(fm.start + place.value.start..fm.start + place.value.end)
            })
            .unwrap_or(0..0)
    }

    /// The folder of the source file below content/, for resolving relative links.
    pub fn dir(&self) -> &str {
        self.path.rsplit_once('/').map_or("", |(d, _)| d)
    }
}

/// A file in content/ that is not Markdown, copied beside the page that uses it.
#[derive(Debug, Clone)]
pub struct Asset {
    /// Path below content/.
    pub source: String,
    /// As [`Page::real`].
    pub real: Option<String>,
    pub body: Body,
    /// Output path relative to the site root.
    pub to: String,
}

pub struct Content {
    /// Shared: `serve` keeps the pages of unchanged files from one build to the next.
    pub pages: Vec<Arc<Page>>,
    pub assets: Vec<Asset>,
    /// Pages and files that exist but are not used, reported already: links to them are
    /// not reported again.
    pub unreadable: Unused,
    /// The drafts left out, by path below content/: a link to one is told it is a draft.
    pub drafts: BTreeSet<String>,
}

/// The paths below content/ that a record's `related` pages may name: the pages built, and
/// the drafts left out, which a link is told apart from a page that does not exist.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageNames {
    pub published: BTreeSet<String>,
    pub drafts: BTreeSet<String>,
    /// The files that did not load, each with an error of its own: a reference to one is
    /// not another.
    pub unreadable: Unused,
}

/// The files of content/ that are there but not used, each reported already, by path below
/// content/: a file, or a folder that could not be read, and so all it holds (`` for
/// content/ itself).
#[derive(Debug, Default, Clone, PartialEq, Eq, Hash)]
pub struct Unused(BTreeSet<String>);

impl Unused {
    pub fn insert(&mut self, path: String) {
        self.0.insert(path);
    }

    /// Whether `path` is, or lies in, a file or folder that is not used.
    pub fn holds(&self, path: &str) -> bool {
        if self.0.is_empty() {
            return false;
        }
        let mut folders = path.match_indices('/').map(|(i, _)| &path[..i]);
        self.0.contains(path) || self.0.contains("") || folders.any(|f| self.0.contains(f))
    }
}

impl Content {
    pub fn page_names(&self) -> PageNames {
        PageNames {
            published: self.pages.iter().map(|p| p.path.clone()).collect(),
            drafts: self.drafts.clone(),
            unreadable: self.unreadable.clone(),
        }
    }
}

/// The registers' folders, each with the template of its first page. What a handbook
/// writes to the folder (`content/audit/_index.md`, or `content/audit.md`) is shown there,
/// as its introduction.
pub const REGISTERS: [(&str, &str); 6] = [
    ("exceptions/", "exceptions.html"),
    ("incidents/", "incidents.html"),
    ("action-items/", "action-items.html"),
    ("owners/", "owners.html"),
    ("status/", "status.html"),
    ("audit/", "audit.html"),
];

/// Whether a register's first page is written at `url`.
pub fn is_register(url: &str) -> bool {
    register_template(url).is_some()
}

/// The template of the register whose first page is written at `url`.
fn register_template(url: &str) -> Option<&'static str> {
    REGISTERS.iter().find(|(at, _)| *at == url).map(|(_, t)| *t)
}

/// The template of the page at `url`, a section's when `section`, whose front matter
/// names the template `named`: the register's, for the introduction to a register; else
/// the one named; else `index.html` for the home page, `section.html` for a section's,
/// `page.html` for a page.
pub fn template_of<'a>(url: &str, section: bool, named: Option<&'a str>) -> &'a str {
    if let Some(register) = register_template(url) {
        return register;
    }
    match named {
        Some(name) => name,
        None if section && url.is_empty() => "index.html",
        None if section => "section.html",
        None => "page.html",
    }
}

/// What a link to a draft is asked to do.
pub const DRAFT_HINT: &str =
    "publish it (take out its `draft: true`), or build with --drafts to preview both";

/// Pages as last loaded, by path below content/, with what they were loaded from: `serve`
/// keeps them between builds, so that a change reads and parses only the files it touched.
#[derive(Default)]
pub struct PageCache {
    pages: Kept<Loaded>,
    /// What content/ held at the cached load.
    listing: Option<Listing>,
}

/// A page file as loaded: the page, nothing for a draft left out, or why it was refused.
type Loaded = Result<Option<Arc<Page>>, Vec<Diagnostic>>;

/// Loads every page of content/ in `source` as `reading` says, refusing files over
/// `max_bytes`. With a `cache`, a file on disk unchanged since the last load is not read
/// again, and the cache is left holding this load.
pub fn load(
    source: &dyn Source,
    reading: Reading,
    max_bytes: u64,
    mut cache: Option<&mut PageCache>,
    changes: Option<&HashSet<PathBuf>>,
) -> (Content, Vec<Diagnostic>) {
    let dir = source.path("content");
    let mut diags = Vec::new();
    // When the watcher saw only known pages change, the folder is as it was. Through a
    // link, a change shows under another path, so a listing with links is made again.
    let listed = cache
        .as_mut()
        .and_then(|c| c.listing.take())
        .filter(|listing| {
            let linked = !listing.linked.is_empty();
            let listed = listing.markdown.iter().map(String::as_str);
            let assets = listing.assets.iter().map(|a| a.source.as_str());
            let reported = !listing.diags.is_empty();
            reuse::listing_holds(dir.as_deref(), changes, linked, listed, assets, reported)
        });
    let listing = listed.unwrap_or_else(|| list(source));
    diags.extend(listing.diags.iter().cloned());
    let markdown = &listing.markdown;
    let mut options = DefaultHasher::new();
    let ids = reading.theme_ids.fingerprint();
    (reading.drafts, reading.allow_html, max_bytes, ids).hash(&mut options);
    let started = SystemTime::now();
    let probe = Kept::probe(
        cache.as_ref().map(|c| &c.pages),
        changes,
        dir.as_deref(),
        options.finish(),
    );
    let results: Vec<(Option<Stamp>, Loaded, bool)> = markdown
        .par_iter()
        .map(|rel| {
            let real = listing.linked.get(rel);
            let (stamp, hit) = probe.look(rel, real.is_some());
            let taken = hit.is_some();
            let real = real.and_then(Option::as_ref);
            let result = hit.unwrap_or_else(|| load_page(source, rel, real, reading, max_bytes));
            (stamp, result, taken)
        })
        .collect();
    let mut pages = Vec::new();
    let mut unreadable = Unused(listing.refused.iter().cloned().collect());
    let mut drafts = BTreeSet::new();
    for ((_, result, _), rel) in results.iter().zip(markdown) {
        match result {
            Ok(Some(page)) => pages.push(Arc::clone(page)),
            Ok(None) => {
                drafts.insert(rel.clone());
            }
            Err(errors) => {
                diags.extend(errors.iter().cloned());
                unreadable.insert(rel.clone());
            }
        }
    }
    let mut assets = Vec::new();
    for asset in &listing.assets {
        match refuse_raw_html(asset, reading.allow_html) {
            Some(d) => {
                diags.push(d);
                unreadable.insert(asset.source.clone());
            }
            None => assets.push(asset.clone()),
        }
    }
    if let Some(cache) = cache {
        let kept = markdown.iter().zip(results);
        let kept = kept.map(|(rel, (stamp, result, taken))| (rel.as_str(), stamp, result, taken));
        cache.pages.keep(started, kept);
        cache.listing = Some(listing);
    }
    (
        Content {
            pages,
            assets,
            unreadable,
            drafts,
        },
        diags,
    )
}

/// What content/ holds: its pages, the files beside them, and why any were left out.
#[derive(Default)]
struct Listing {
    /// Paths below content/.
    markdown: Vec<String>,
    /// The paths of `markdown` reached through a symbolic link, each with [`Page::real`].
    linked: HashMap<String, Option<String>>,
    assets: Vec<Asset>,
    diags: Vec<Diagnostic>,
    /// The files there that are not used, each with its diagnostic.
    refused: Vec<String>,
}

fn list(source: &dyn Source) -> Listing {
    let walk = source.walk("content", Hidden::LeftOut);
    let mut listing = Listing {
        diags: walk.diags,
        refused: walk.refused,
        ..Listing::default()
    };
    for file in walk.files {
        let real = (file.real.as_deref())
            .and_then(|real| real.strip_prefix("content/"))
            .map(str::to_string);
        if file.rel.ends_with(".md") {
            if file.linked() {
                listing.linked.insert(file.rel.clone(), real);
            }
            listing.markdown.push(file.rel);
        } else {
            let body = match source::copied(source, &format!("content/{}", file.rel)) {
                Ok(body) => body,
                Err(d) => {
                    listing.diags.push(d);
                    listing.refused.push(file.rel);
                    continue;
                }
            };
            if let Some(told) = page_by_another_name(&file.rel, &body) {
                // A link to a file left out with an error is not told again; to one left
                // out with a warning, it is an error of its own, or it would lead nowhere.
                if told.level == Level::Error {
                    listing.refused.push(file.rel);
                }
                listing.diags.push(told);
                continue;
            }
            listing.assets.push(Asset {
                body,
                to: file
                    .rel
                    .split('/')
                    .map(slug_segment)
                    .collect::<Vec<_>>()
                    .join("/"),
                source: file.rel,
                real,
            });
        }
    }
    listing
}

/// Markdown's other extensions, which other tools read as pages (Hugo, Jekyll, MDX, R
/// Markdown, Quarto) and secbook does not: only `.md` is a page.
const MARKDOWN_BY_OTHER_NAMES: &[&str] = &[
    "md", "markdown", "mdown", "mdwn", "mkd", "mkdn", "markdn", "mdtxt", "mdtext", "mdx", "rmd",
    "qmd",
];

/// What to tell of `rel`, a file in content/ that is not a `.md` page, when it is a page's
/// source all the same, which is not published as it is: it would show every reader what
/// its front matter keeps from some (`classification`, `draft`).
/// - A Markdown file by another extension (`X.MD`, `x.markdown`, `x.mdx`): an error, since
///   the page it was meant to be is missing.
/// - Any other file that opens with front matter, a page's copy (`x.md.bak`, `x.md-`, a
///   merge tool's `x.md.orig`): left out with a warning. An editor's backup (`x.md~`) is
///   left out without a word by the walk.
fn page_by_another_name(rel: &str, body: &Body) -> Option<Diagnostic> {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let shown = format!("content/{rel}");
    if let Some((stem, extension)) = name.rsplit_once('.')
        && !stem.is_empty()
        && MARKDOWN_BY_OTHER_NAMES.contains(&extension.to_ascii_lowercase().as_str())
    {
        return Some(
            Diagnostic::error(format!(
                "{shown} is not a page: only a file whose name ends in `.md` is one"
            ))
            .with_hint(format!("rename it to `{stem}.md`"))
            .about(&shown),
        );
    }
    opens_with_front_matter(body).then(|| {
        Diagnostic::warning(format!(
            "{shown} is not published: it opens with a page's front matter, and would show \
             every reader what the front matter keeps from some"
        ))
        .with_hint("delete it if it is a copy of a page, or name it `.md` to make it one")
        .about(&shown)
    })
}

/// Whether `body` opens with a page's front matter: a `---` (or `+++`) line, a `title`
/// among the lines that follow, and the closing line, within its first 4 KB. A YAML file
/// that opens with `---` alone is no page.
fn opens_with_front_matter(body: &Body) -> bool {
    use std::io::Read;
    const HEAD: usize = 4096;
    let mut head = Vec::new();
    match body {
        Body::Bytes(bytes) => head.extend_from_slice(&bytes[..bytes.len().min(HEAD)]),
        Body::Copy(file) => {
            let read = std::fs::File::open(&file.path)
                .and_then(|f| f.take(HEAD as u64).read_to_end(&mut head));
            if read.is_err() {
                return false;
            }
        }
        _ => return false,
    }
    let head = String::from_utf8_lossy(&head);
    let head = head.trim_start_matches('\u{feff}');
    ["---", "+++"].into_iter().any(|fence| {
        fenced(head, fence).is_some_and(|(front, _)| {
            let titled = |line: &str| line.starts_with("title:") || line.starts_with("title =");
            head[front].lines().any(titled)
        })
    })
}

/// Extensions of files that a browser shows as a document and runs the scripts of, as it
/// does a page's: HTML by another name.
const RAW_HTML: &[&str] = &[
    "htm", "html", "shtml", "xht", "xhtml", "svg", "svgz", "xml", "xsl", "xslt",
];

/// The error for a file beside the pages that is raw HTML when raw HTML is not allowed:
/// published as it is, it would run script that the same HTML in a page may not.
fn refuse_raw_html(asset: &Asset, allow_html: bool) -> Option<Diagnostic> {
    let (_, extension) = asset.source.rsplit_once('.')?;
    let extension = extension.to_ascii_lowercase();
    (!allow_html && RAW_HTML.contains(&extension.as_str())).then(|| {
        Diagnostic::error(format!(
            "content/{} is not published: raw HTML is not allowed, and a browser runs the scripts in a .{extension} file as in a page",
            asset.source
        ))
        .with_hint("set `markdown: { allow_html: true }` in handbook.yaml if the handbook's HTML is trusted, or move the file to static/, which is copied as it is")
    })
}

fn load_page(
    source: &dyn Source,
    rel: &str,
    real: Option<&String>,
    reading: Reading,
    max_bytes: u64,
) -> Loaded {
    let source =
        source::walked_text(source, &format!("content/{rel}"), max_bytes).map_err(|d| vec![d])?;
    let page = parse_page(source, rel, reading)?;
    Ok(page.map(|page| {
        Arc::new(Page {
            real: real.cloned(),
            ..page
        })
    }))
}

/// How pages are read.
#[derive(Clone, Copy)]
pub struct Reading<'a> {
    /// Whether drafts are read, not left out.
    pub drafts: bool,
    /// Whether raw HTML is kept, not escaped.
    pub allow_html: bool,
    /// The ids each template gives the elements of a page.
    pub theme_ids: &'a TemplateIds,
}

/// Reads the page at `rel` (below content/) from its text: the front matter, then the
/// Markdown, the errors of a front matter that does not load among what the page tells.
/// `None` for a draft when `drafts` is off; the error of a file that is no page (no front
/// matter, or a merge's conflict markers).
pub fn parse_page(
    source: Arc<SourceFile>,
    rel: &str,
    reading: Reading,
) -> Result<Option<Page>, Vec<Diagnostic>> {
    if let Some(left) = LeftByGit::find(&source.text) {
        return Err(vec![left.diagnostic(&source)]);
    }
    let Some((front, body)) = split_front_matter(&source.text) else {
        let first = source.text.lines().next().unwrap_or_default();
        let diag = if first.trim_end() == "---" {
            Diagnostic::error("the front matter is never closed")
                .with_hint("end the front matter with a line that holds only `---`")
        } else if first.strip_prefix('\u{feff}').map(str::trim_end) == Some("---") {
            // A second mark: the file's own is taken off when it is read.
            let diag = Diagnostic::error(
                "an invisible byte-order mark (U+FEFF) is before the front matter",
            )
            .with_hint("remove it: only a file's very first character may be one");
            return Err(vec![diag.at(&source, 0..'\u{feff}'.len_utf8())]);
        } else if first.trim_end() == "+++" {
            // Zola's front matter, and Hugo's other kind.
            let key = (source.text.lines().nth(1))
                .and_then(|l| l.split_once('='))
                .map(|(key, value)| (key.trim(), value.trim()))
                .filter(|(key, value)| !key.is_empty() && !value.is_empty());
            let example = match key {
                Some((key, value)) => format!("`{key} = {value}` becomes `{key}: {value}`"),
                None => "`title = \"...\"` becomes `title: \"...\"`".to_string(),
            };
            Diagnostic::error(
                "this front matter is TOML, between `+++` lines; secbook reads YAML front \
                 matter, between `---` lines",
            )
            .with_hint(format!(
                "write it as YAML: each `+++` becomes `---`, and {example}"
            ))
        } else if source.text.trim_start().starts_with("---") {
            Diagnostic::error("a page must start with YAML front matter between `---` lines")
                .with_hint(
                    "remove what comes before the first `---`: it must be the file's first line",
                )
        } else {
            Diagnostic::error("a page must start with YAML front matter between `---` lines")
                .with_hint("begin the file with `---`, then `title: ...`, then `---`")
        };
        return Err(vec![diag.at(&source, source.line_span(0))]);
    };
    let front_range = front.clone();
    // A front matter that does not load is told, and the page read all the same under a
    // title of its file's name, so that its links are checked with it: one mistake in the
    // front matter hides no broken link below it. A build with an error writes nothing.
    let (front, mut told) = match yaml::parse_all::<FrontMatter>(&source, front) {
        Ok(front) if front.draft && !reading.drafts => return Ok(None),
        Ok(front) => (front, Vec::new()),
        Err(diags) => {
            let told = (diags.into_iter())
                .map(|d| match migrated_key_hint(&d.message) {
                    Some(hint) => d.with_hint(hint),
                    None => d,
                })
                .collect();
            (FrontMatter::stand_in(rel), told)
        }
    };
    let url = url_of(rel);
    let section = is_section_index(rel);
    let template = template_of(&url, section, front.template.as_deref());
    let reserved = reading.theme_ids.of(template);
    let (doc, words) =
        Document::parse_with_words(&source, body.clone(), reading.allow_html, reserved);
    told.extend(source::unseen(&source, true));
    told.extend(yaml::comments_for_values(&source, front_range));
    told.extend(markdown::foreign_warnings(
        &source,
        &doc.foreign,
        true,
        |f| f.span.clone(),
    ));
    let mut page = Page {
        told,
        url,
        path: rel.to_string(),
        real: None,
        source,
        front,
        doc,
        search_doc: OnceLock::new(),
        words: Mutex::new(Some(words)),
    };
    if let Some(long) = title_too_long(&page.front.title, "a page's") {
        let told = long
            .with_hint(
                "the navigation of every page shows it: write the rest in the page, or in \
                 `description`",
            )
            .at(&page.source, page.front_matter_value("title"));
        page.told.push(told);
    }
    Ok(Some(page))
}

/// The longest title a page, or the handbook, may have. Every page shows the handbook's
/// title and the titles of the pages around it, so a long one would make the site grow as
/// its length times the pages.
pub const MAX_TITLE_CHARS: usize = 300;

/// The error of a title longer than [`MAX_TITLE_CHARS`], `whose` being "a page's" or "the
/// handbook's": the caller gives the hint and the place.
pub fn title_too_long(title: &str, whose: &str) -> Option<Diagnostic> {
    let length = title.chars().count();
    (length > MAX_TITLE_CHARS).then(|| {
        Diagnostic::error(format!(
            "the title is {length} characters long; {whose} title may be at most \
             {MAX_TITLE_CHARS}"
        ))
    })
}

/// What secbook reads in place of a front matter key of Hugo's or Zola's that it does not
/// know, for a page brought from either: `message` is the error of an unknown field.
fn migrated_key_hint(message: &str) -> Option<&'static str> {
    let key = message.strip_prefix("unknown field `")?.split('`').next()?;
    Some(match key {
        "date" | "lastmod" | "publishDate" | "updated" | "expiryDate" => {
            "secbook gives a page no date: its history is in git, and `review_by: YYYY-MM-DD` \
             says when it is next due for review"
        }
        "slug" | "url" | "path" | "aliases" => {
            "a page's address is its file's path below content/, and secbook writes no \
             redirects: move or rename the file instead"
        }
        "author" | "authors" => "write who keeps the page as `owner: Name`",
        "categories" | "keywords" | "taxonomies" => "write them as `tags: [a, b]`",
        "summary" => "write it as `description:`",
        "layout" | "type" => "name the page's template as `template: name.html`",
        "extra" | "params" => {
            "secbook's front matter has only its own keys: keep other data in the page's text"
        }
        _ => return None,
    })
}

/// Whether `path` is its folder's page: `_index.md`, or `index.md`, which Hugo and Zola
/// serve at its folder's address too (a page bundle) and mdBook as its folder's page.
pub(crate) fn is_section_index(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name == "_index.md" || name == "index.md"
}

/// The byte ranges of the front matter and of the body, when the text opens with `---`.
pub fn split_front_matter(text: &str) -> Option<(std::ops::Range<usize>, std::ops::Range<usize>)> {
    fenced(text, "---")
}

/// [`split_front_matter`] for front matter between lines of `fence`: `---` (YAML, which
/// `...` closes too, as Jekyll and pandoc read it) or `+++` (TOML, Hugo's and Zola's).
fn fenced(text: &str, fence: &str) -> Option<(std::ops::Range<usize>, std::ops::Range<usize>)> {
    let first = text.split_inclusive('\n').next()?;
    if first.trim_end() != fence {
        return None;
    }
    let start = first.len();
    let mut pos = start;
    for line in text[start..].split_inclusive('\n') {
        let line_end = line.trim_end();
        if line_end == fence || (fence == "---" && line_end == "...") {
            return Some((start..pos, pos + line.len()..text.len()));
        }
        pos += line.len();
    }
    None
}

/// `a/b.md` is served at `a/b/`, `a/_index.md` and `a/index.md` at `a/`.
fn url_of(rel: &str) -> String {
    let stem = rel.strip_suffix(".md").unwrap_or(rel);
    let stem = match is_section_index(rel) {
        true => stem.trim_end_matches("index").trim_end_matches('_'),
        false => stem,
    };
    stem.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| format!("{}/", slug_segment(s)))
        .collect()
}

/// A path segment safe in a URL on every host: file names keep their letters, digits, `-`,
/// `_` and `.`, letters beyond ASCII spelt in ASCII (`über` as `uber`, `日本語` as
/// `ri-ben-yu`); anything else becomes `-`.
pub fn slug_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    // What is replaced becomes one `-` before the next kept character, none before a dot:
    // `中文.png` is spelt `Zhong Wen .png`, and is written `zhong-wen.png`.
    let mut replaced = false;
    for c in crate::model::links::ascii_spelling(segment).chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
            if replaced && c != '.' && !out.ends_with('-') {
                out.push('-');
            }
            replaced = false;
            out.push(c.to_ascii_lowercase());
        } else {
            replaced = true;
        }
    }
    // Never `.` or `..`, and no dot at the end, which Windows drops from a name.
    match out.trim_matches('-').trim_end_matches('.') {
        "" => "-".to_string(),
        s => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_is_split_off() {
        let text = "---\ntitle: A\n---\n# Body\n";
        let (fm, body) = split_front_matter(text).unwrap();
        assert_eq!(&text[fm], "title: A\n");
        assert_eq!(&text[body], "# Body\n");
        assert!(split_front_matter("# no front matter\n").is_none());
        assert!(split_front_matter("---\ntitle: A\n").is_none());
        // YAML's end of a document closes it too, as Jekyll and pandoc read it.
        let text = "---\ntitle: A\n...\n# Body\n";
        let (fm, body) = split_front_matter(text).unwrap();
        assert_eq!((&text[fm], &text[body]), ("title: A\n", "# Body\n"));
    }

    #[test]
    fn urls_are_pretty() {
        assert_eq!(url_of("_index.md"), "");
        assert_eq!(url_of("a/_index.md"), "a/");
        assert_eq!(url_of("a/index.md"), "a/");
        assert_eq!(url_of("index.md"), "");
        assert_eq!(url_of("a/reindex.md"), "a/reindex/");
        assert_eq!(url_of("a/index.md.md"), "a/index.md/");
        assert_eq!(url_of("a/b.md"), "a/b/");
        assert_eq!(url_of("A/My Page.md"), "a/my-page/");
        assert_eq!(url_of("über-uns/Größe.md"), "uber-uns/grosse/");
        assert_eq!(url_of("docs/日本語.md"), "docs/ri-ben-yu/");
        assert_eq!(url_of("docs/中文.md"), "docs/zhong-wen/");
        assert_eq!(url_of("🔥.md"), "fire/");
        assert_eq!(slug_segment("中文.png"), "zhong-wen.png");
        assert_eq!(slug_segment("my  diagram (v2).png"), "my-diagram-v2.png");
        assert_eq!(slug_segment("-a-"), "a");
        assert_eq!(slug_segment(".."), "-");
        assert_eq!(slug_segment("..."), "-");
        assert_eq!(slug_segment("a."), "a");
        assert_eq!(slug_segment(".well-known"), ".well-known");
    }
}
